//! The peers of `callseal bench` (cargo feature `peers`): libsrtp 2 (built from source by the
//! `srtp` crate, with OpenSSL's AES and HMAC) for every SRTP suite, and the `sframe` crate on
//! its ring backend for the SFrame AES-GCM suites (its AES-CTR suites need its RustCrypto
//! backend, which cannot be built beside ring). Each is measured against the same baseline as
//! callseal's row of the same suite (ring's AES-GCM for the GCM suites), in the same way.

use super::figures::{rtp_packet, srtp_key_material, Aligned, Baseline, Inputs, Op, Pair, Runner};
use callseal::crypto::Backend;
use callseal::{SframeSuite, SrtpSuite};
use sframe::frame::{EncryptedFrameView, MediaFrameView, MonotonicCounter};
use sframe::key::{DecryptionKey, EncryptionKey};
use srtp::vec_like::{BufferTooShortError, VecLike};
use srtp::{CryptoPolicy, Session, StreamPolicy};
use std::hint::black_box;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Libsrtp(SrtpSuite),
    SframeCrate(SframeSuite),
}

/// The KID and base key of the `sframe` crate's frames.
const KID: u64 = 3;
const BASE_KEY: [u8; 32] = [0x42; 32];

impl Peer {
    pub fn all() -> Vec<Peer> {
        let mut v: Vec<Peer> = SrtpSuite::ALL.into_iter().map(Peer::Libsrtp).collect();
        v.extend(
            [
                SframeSuite::Aes128GcmSha256_128,
                SframeSuite::Aes256GcmSha512_128,
            ]
            .map(Peer::SframeCrate),
        );
        v
    }

    pub fn layer(self) -> &'static str {
        match self {
            Peer::Libsrtp(_) => "srtp",
            Peer::SframeCrate(_) => "sframe",
        }
    }

    pub fn suite(self) -> &'static str {
        match self {
            Peer::Libsrtp(s) => s.name(),
            Peer::SframeCrate(s) => s.name(),
        }
    }

    pub fn backend(self) -> &'static str {
        match self {
            Peer::Libsrtp(_) => "libsrtp",
            Peer::SframeCrate(_) => "sframe-crate",
        }
    }

    pub fn baseline(self) -> Baseline {
        match self {
            Peer::Libsrtp(s) => Baseline::srtp(s, Backend::Ring),
            Peer::SframeCrate(s) => Baseline::sframe(s, Backend::Ring),
        }
    }

    pub fn pair(self, op: Op, size: usize) -> anyhow::Result<Pair> {
        let subject: Box<dyn Runner> = match self {
            Peer::Libsrtp(suite) => Box::new(Libsrtp::new(suite, op, size)?),
            Peer::SframeCrate(suite) => Box::new(SframeCrate::new(suite, op, size)?),
        };
        Ok((subject, self.baseline().runner(op, size)?))
    }
}

/// libsrtp's RTP and RTCP policies for a suite.
fn policies(suite: SrtpSuite) -> (CryptoPolicy, CryptoPolicy) {
    let rtp = match suite {
        SrtpSuite::AeadAes128Gcm => CryptoPolicy::aes_gcm_128_16_auth(),
        SrtpSuite::AeadAes256Gcm => CryptoPolicy::aes_gcm_256_16_auth(),
        SrtpSuite::AesCm128HmacSha1_80 => CryptoPolicy::aes_cm_128_hmac_sha1_80(),
        SrtpSuite::AesCm128HmacSha1_32 => CryptoPolicy::aes_cm_128_hmac_sha1_32(),
        SrtpSuite::Aes256CmHmacSha1_80 => CryptoPolicy::aes_cm_256_hmac_sha1_80(),
        SrtpSuite::Aes256CmHmacSha1_32 => CryptoPolicy::aes_cm_256_hmac_sha1_32(),
        SrtpSuite::Aes192CmHmacSha1_80 => CryptoPolicy::aes_cm_192_hmac_sha1_80(),
        SrtpSuite::Aes192CmHmacSha1_32 => CryptoPolicy::aes_cm_192_hmac_sha1_32(),
        // Not among the peers' rows (Peer::all takes SrtpSuite::ALL).
        SrtpSuite::NullHmacSha1_80 | SrtpSuite::NullHmacSha1_32 => {
            CryptoPolicy::null_cipher_hmac_sha1_80()
        }
    };
    // RTCP has the 80-bit tag with every AES-CM suite (RFC 5764 §4.1.2, RFC 6188 §5).
    let rtcp = match suite.key_len() {
        _ if suite.is_aead() => rtp,
        24 => CryptoPolicy::aes_cm_192_hmac_sha1_80(),
        32 => CryptoPolicy::aes_cm_256_hmac_sha1_80(),
        _ => CryptoPolicy::aes_cm_128_hmac_sha1_80(),
    };
    (rtp, rtcp)
}

fn session(suite: SrtpSuite, inbound: bool) -> Result<Session, srtp::Error> {
    let key = srtp_key_material(suite);
    let (rtp, rtcp) = policies(suite);
    let p = StreamPolicy {
        rtp,
        rtcp,
        key: &key,
        window_size: 128,
        allow_repeat_tx: false,
        encrypt_extension_headers: &[],
    };
    if inbound {
        Session::with_inbound_template(p)
    } else {
        Session::with_outbound_template(p)
    }
}

/// libsrtp's `srtp_protect` and `srtp_unprotect` in place, as callseal's SRTP rows: protect on
/// one packet with a new sequence number each time, unprotect on packets 1 to `n` into a
/// session rebuilt for every round and primed with packet 0.
struct Libsrtp {
    suite: SrtpSuite,
    op: Op,
    size: usize,
    tx: Session,
    rx: Session,
    buf: Aligned,
    seq: u16,
    prime: Vec<u8>,
    inputs: Inputs,
}

/// The room libsrtp may need past a packet.
const TRAILER: usize = srtp::sys::SRTP_MAX_TRAILER_LEN as usize;

/// A packet of `len` bytes at the start of `buf`, for libsrtp's calls in place: the room past
/// it is the rest of `buf`.
struct Packet<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl VecLike for Packet<'_> {
    fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.buf[..self.len]
    }

    unsafe fn reserve(&mut self, additional: usize) -> Result<(), BufferTooShortError> {
        let needed = self.len + additional;
        if needed <= self.buf.len() {
            Ok(())
        } else {
            Err(BufferTooShortError {
                requested_capacity: needed,
            })
        }
    }

    unsafe fn set_len(&mut self, new_len: usize) {
        self.len = new_len.min(self.buf.len());
    }
}

impl Libsrtp {
    fn new(suite: SrtpSuite, op: Op, size: usize) -> Result<Libsrtp, srtp::Error> {
        let mut l = Libsrtp {
            suite,
            op,
            size,
            tx: session(suite, false)?,
            rx: session(suite, true)?,
            buf: Aligned::new(&rtp_packet(size, 0, TRAILER), 12),
            seq: 0,
            prime: Vec::new(),
            inputs: Inputs::default(),
        };
        l.prime = l.seal();
        Ok(l)
    }

    /// The next packet, protected.
    fn seal(&mut self) -> Vec<u8> {
        let mut p = rtp_packet(self.size, self.seq, 0);
        p.reserve_exact(TRAILER);
        self.seq = self.seq.wrapping_add(1);
        self.tx.protect(&mut p).expect("protect");
        p
    }
}

impl Runner for Libsrtp {
    fn prepare(&mut self, n: usize) {
        if self.op == Op::Unprotect {
            self.rx = session(self.suite, true).expect("session");
            let mut prime = self.prime.clone();
            self.rx.unprotect(&mut prime).expect("unprotect");
            let mut inputs = std::mem::take(&mut self.inputs);
            inputs.load(n, |_| (self.seal(), 12));
            self.inputs = inputs;
        }
    }

    fn run(&mut self, n: usize) {
        match self.op {
            Op::Protect => {
                for _ in 0..n {
                    // The RTP packet again (its payload whatever the last protect left), with
                    // a new sequence number.
                    let mut p = Packet {
                        buf: self.buf.bytes(),
                        len: 12 + self.size,
                    };
                    self.seq = self.seq.wrapping_add(1);
                    p.buf[2..4].copy_from_slice(&self.seq.to_be_bytes());
                    self.tx.protect(&mut p).expect("protect");
                    black_box(p.len);
                }
            }
            Op::Unprotect => {
                for buf in self.inputs.work(n) {
                    let len = buf.len();
                    let mut p = Packet { buf, len };
                    self.rx.unprotect(&mut p).expect("unprotect");
                    black_box(p.len);
                }
            }
        }
    }
}

/// The `sframe` crate: it seals from the frame into an output buffer and opens from the
/// sealed frame into another (it has no in-place form). It keeps no replay window, so the
/// same prepared frames open round after round.
struct SframeCrate {
    op: Op,
    frame: Aligned,
    enc: EncryptionKey,
    dec: DecryptionKey,
    counter: MonotonicCounter,
    out: Vec<u8>,
    inputs: Inputs,
}

impl SframeCrate {
    fn new(suite: SframeSuite, op: Op, size: usize) -> anyhow::Result<SframeCrate> {
        let theirs = match suite {
            SframeSuite::Aes128GcmSha256_128 => sframe::CipherSuite::AesGcm128Sha256,
            SframeSuite::Aes256GcmSha512_128 => sframe::CipherSuite::AesGcm256Sha512,
            s => anyhow::bail!("the sframe crate on ring has no {s}"),
        };
        Ok(SframeCrate {
            op,
            frame: Aligned::new(&vec![0x5a; size], 0),
            enc: EncryptionKey::derive_from(theirs, KID, BASE_KEY)?,
            dec: DecryptionKey::derive_from(theirs, KID, BASE_KEY)?,
            counter: MonotonicCounter::default(),
            out: Vec::with_capacity(size + 64),
            inputs: Inputs::default(),
        })
    }
}

impl SframeCrate {
    /// The next frame, sealed, and where its payload starts.
    fn seal(&mut self) -> (Vec<u8>, usize) {
        let mut buf = Vec::new();
        let media = MediaFrameView::try_new(&mut self.counter, self.frame.bytes()).expect("frame");
        let sealed = media.encrypt_into(&self.enc, &mut buf).expect("seal");
        (sealed.sframe_cipher_text().to_vec(), sealed.header().len())
    }
}

impl Runner for SframeCrate {
    fn prepare(&mut self, n: usize) {
        if self.op == Op::Unprotect {
            let mut inputs = std::mem::take(&mut self.inputs);
            inputs.load(n, |_| self.seal());
            self.inputs = inputs;
        }
    }

    fn run(&mut self, n: usize) {
        match self.op {
            Op::Protect => {
                for _ in 0..n {
                    let media = MediaFrameView::try_new(&mut self.counter, self.frame.bytes())
                        .expect("frame");
                    let sealed = media.encrypt_into(&self.enc, &mut self.out).expect("seal");
                    black_box(sealed.cipher_text().len());
                }
            }
            Op::Unprotect => {
                for f in self.inputs.work(n) {
                    let view = EncryptedFrameView::try_new(f).expect("frame");
                    let plain = view.decrypt_into(&self.dec, &mut self.out).expect("open");
                    black_box(plain.payload().len());
                }
            }
        }
    }
}
