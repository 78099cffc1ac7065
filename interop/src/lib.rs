//! Live interoperability tests of callseal against real peers; the tests are in `tests/`.

use callseal::crypto::Backend;
use callseal::SrtpSuite;
use rand::Rng;
use rand_chacha::ChaCha20Rng;
use srtp::{CryptoPolicy, Session, StreamPolicy};
use std::collections::HashSet;

/// Every AES-GCM backend this build of callseal has, with its position: every interop test runs
/// once per backend (the position gives each run keys of its own).
pub fn backends() -> impl Iterator<Item = (u64, Backend)> {
    Backend::available().enumerate().map(|(i, b)| (i as u64, b))
}

/// Each of `items` once per backend.
pub fn with_backends<T: Clone>(items: impl IntoIterator<Item = T>) -> Vec<(u64, Backend, T)> {
    let items: Vec<T> = items.into_iter().collect();
    backends()
        .flat_map(|(i, b)| items.iter().cloned().map(move |t| (i, b, t)))
        .collect()
}

/// The network: 5% loss, about 3% duplicates, reordering within 100 packets. Returns the order
/// in which packet numbers arrive.
pub fn network(rng: &mut ChaCha20Rng, n: usize) -> (Vec<usize>, HashSet<usize>) {
    let mut arrivals = vec![];
    let mut lost = HashSet::new();
    for i in 0..n {
        if rng.gen_ratio(5, 100) {
            lost.insert(i);
            continue;
        }
        arrivals.push((i + rng.gen_range(0..100), i));
        if rng.gen_ratio(3, 100) {
            arrivals.push((i + rng.gen_range(0..100), i));
        }
    }
    arrivals.sort_by_key(|&(k, _)| k);
    (arrivals.into_iter().map(|(_, i)| i).collect(), lost)
}

/// What [`deliver`] wants of a callseal receiver: `unprotect` runs on the packet in `buf` and
/// gives the plaintext length; `buf` is cut to it, and a replay is told from other errors.
pub fn callseal_receive(
    buf: &mut Vec<u8>,
    unprotect: impl FnOnce(&mut [u8]) -> callseal::Result<usize>,
) -> Result<(), bool> {
    match unprotect(buf) {
        Ok(n) => {
            buf.truncate(n);
            Ok(())
        }
        Err(e) => Err(e == callseal::Error::Replay),
    }
}

/// Deliver `protected` in network order to `receive`, which returns the plaintext or an error
/// tagged as a replay (`Err(true)`) or anything else (`Err(false)`). First arrivals must give
/// back `plain` byte for byte, later copies must be replays, and every packet not lost must be
/// recovered.
pub fn deliver(
    rng: &mut ChaCha20Rng,
    plain: &[Vec<u8>],
    protected: &[Vec<u8>],
    mut receive: impl FnMut(&mut Vec<u8>) -> Result<(), bool>,
) -> (usize, usize) {
    let (order, lost) = network(rng, plain.len());
    let mut got = HashSet::new();
    let mut duplicates = 0;
    for i in order {
        let mut buf = protected[i].clone();
        let r = receive(&mut buf);
        if got.contains(&i) {
            assert_eq!(
                r,
                Err(true),
                "duplicate of packet {i} was not refused as a replay"
            );
            duplicates += 1;
        } else {
            assert_eq!(r, Ok(()), "packet {i} refused");
            assert_eq!(buf, plain[i], "packet {i} differs");
            got.insert(i);
        }
    }
    assert_eq!(
        got.len() + lost.len(),
        plain.len(),
        "not every packet was recovered"
    );
    assert!(duplicates > 0 && !lost.is_empty());
    (got.len(), duplicates)
}

/// The IDs both sides encrypt in the RFC 6904 test, and the ones they leave in the clear.
pub const ENCRYPTED_IDS: [u8; 3] = [1, 3, 9];

/// RTP packets of `ssrc` with RFC 8285 extension blocks, one-byte or (with `two_byte_too`)
/// every other one two-byte: elements of IDs 1 to 12 (some encrypted, some not) with random
/// data, padding at the end only, and random payloads.
pub fn extension_packets(
    rng: &mut ChaCha20Rng,
    n: usize,
    ssrc: u32,
    two_byte_too: bool,
) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let two_byte = two_byte_too && i % 2 == 1;
            let mut block = vec![];
            for _ in 0..rng.gen_range(1..=4) {
                let id = rng.gen_range(1..=12u8);
                let len = rng.gen_range(1..=16usize);
                if two_byte {
                    block.extend_from_slice(&[id, len as u8]);
                } else {
                    block.push(id << 4 | (len as u8 - 1));
                }
                let start = block.len();
                block.resize(start + len, 0);
                rng.fill(&mut block[start..]);
            }
            block.resize(block.len().div_ceil(4) * 4, 0);
            let mut p = vec![0x90, 96];
            p.extend_from_slice(&(i as u16).wrapping_add(65000).to_be_bytes());
            p.extend_from_slice(&(i as u32 * 960).to_be_bytes());
            p.extend_from_slice(&ssrc.to_be_bytes());
            p.extend_from_slice(if two_byte {
                &[0x10, 0x00]
            } else {
                &[0xbe, 0xde]
            });
            p.extend_from_slice(&((block.len() / 4) as u16).to_be_bytes());
            p.extend_from_slice(&block);
            let start = p.len();
            p.resize(start + rng.gen_range(0..=300), 0);
            rng.fill(&mut p[start..]);
            p
        })
        .collect()
}

/// libsrtp's policy for the RTP packets of `suite`.
pub fn policy(suite: SrtpSuite) -> CryptoPolicy {
    match suite {
        SrtpSuite::AesCm128HmacSha1_80 => CryptoPolicy::aes_cm_128_hmac_sha1_80(),
        SrtpSuite::AesCm128HmacSha1_32 => CryptoPolicy::aes_cm_128_hmac_sha1_32(),
        SrtpSuite::AeadAes128Gcm => CryptoPolicy::aes_gcm_128_16_auth(),
        SrtpSuite::AeadAes256Gcm => CryptoPolicy::aes_gcm_256_16_auth(),
        SrtpSuite::Aes256CmHmacSha1_80 => CryptoPolicy::aes_cm_256_hmac_sha1_80(),
        SrtpSuite::Aes256CmHmacSha1_32 => CryptoPolicy::aes_cm_256_hmac_sha1_32(),
        SrtpSuite::Aes192CmHmacSha1_80 => CryptoPolicy::aes_cm_192_hmac_sha1_80(),
        SrtpSuite::Aes192CmHmacSha1_32 => CryptoPolicy::aes_cm_192_hmac_sha1_32(),
        SrtpSuite::NullHmacSha1_80 => null_policy(10),
        SrtpSuite::NullHmacSha1_32 => null_policy(4),
    }
}

/// libsrtp's NULL-cipher policy with a `tag`-byte tag and a 30-byte master key ‖ salt.
/// libsrtp 2.3's setter leaves the key length at 0, and then derives the authentication key
/// from an all-zero master key, whatever key it is given (anyone can forge such packets);
/// libsrtp 2.5 sets 30, as here, and uses the key. The srtp crate has no _32 setter.
pub fn null_policy(tag: i32) -> CryptoPolicy {
    let mut p = CryptoPolicy::null_cipher_hmac_sha1_80().into_raw();
    p.cipher_key_len = 30;
    p.auth_tag_len = tag;
    // SAFETY: a policy libsrtp initialised, with the key length libsrtp 2.5's own setter
    // gives and the tag length of its _32 setters.
    unsafe { CryptoPolicy::from_raw(p) }
}

/// RTCP always uses the 80-bit tag with the AES-CM suites (RFC 5764 §4.1.2, RFC 6188 §5).
pub fn rtcp_policy(suite: SrtpSuite) -> CryptoPolicy {
    match suite {
        SrtpSuite::AesCm128HmacSha1_32 => CryptoPolicy::aes_cm_128_hmac_sha1_80(),
        SrtpSuite::Aes256CmHmacSha1_32 => CryptoPolicy::aes_cm_256_hmac_sha1_80(),
        SrtpSuite::Aes192CmHmacSha1_32 => CryptoPolicy::aes_cm_192_hmac_sha1_80(),
        SrtpSuite::NullHmacSha1_32 => null_policy(10),
        s => policy(s),
    }
}

/// A libsrtp session for `suite` with master key ‖ master salt `km`: receiving (`inbound`)
/// or sending, replay window 128.
pub fn libsrtp(suite: SrtpSuite, km: &[u8], inbound: bool) -> Session {
    libsrtp_encrypting(suite, km, inbound, &[])
}

/// A libsrtp session that encrypts the header extensions `ids` (RFC 6904).
pub fn libsrtp_encrypting(suite: SrtpSuite, km: &[u8], inbound: bool, ids: &[i32]) -> Session {
    let p = StreamPolicy {
        rtp: policy(suite),
        rtcp: rtcp_policy(suite),
        key: km,
        window_size: 128,
        allow_repeat_tx: false,
        encrypt_extension_headers: ids,
    };
    if inbound {
        Session::with_inbound_template(p).unwrap()
    } else {
        Session::with_outbound_template(p).unwrap()
    }
}
