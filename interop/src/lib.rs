//! Live interoperability tests of callseal against real peers; the tests are in `tests/`.

use callseal::crypto::Backend;
use rand::Rng;
use rand_chacha::ChaCha20Rng;
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
