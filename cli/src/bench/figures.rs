//! The figures of `callseal bench`: each pairs a subject (a callseal layer and suite on one
//! backend, or a peer) with the raw construction of its family, the baseline, both as
//! [`Runner`]s whose preparation (protected inputs, rebuilt receivers) happens outside the
//! timed region. `cargo bench --bench bench_ratios` includes this file, so criterion measures
//! the very same pairs.
//!
//! The baselines: the GCM suites against the same backend's bare AES-GCM of the same key size,
//! the header as AAD and the tag after the payload; SRTP's AES-CM suites against AES-128-CTR
//! and HMAC-SHA1 over header, payload and ROC, the tag truncated as the suite does; SFrame's
//! AES-CTR suites against AES-128-CTR and HMAC-SHA256 over the RFC 9605 MAC input. The
//! CTR/HMAC baselines come from the RustCrypto crates, keys expanded once, as a careful caller
//! would use them. Protect works in place on one buffer, subject and baseline alike; unprotect
//! works in place on as many buffers as a round has operations, filled before the round.

use callseal::crypto::Backend;
use callseal::sframe::SEAL_HEADROOM;
use callseal::sframe::{FrameOptions, Header, SframeConfig, SframeReceiver, SframeSender};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Epoch, Error, FrameCounter, KeyId, SframeSuite, SrtpMasterKey, SrtpSuite};
use hmac::Mac;
use ring::aead;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Operations run `n` at a time.
pub trait Runner {
    /// Get ready for `n` operations, outside the timed region: protected inputs copied into
    /// the working buffers for unprotect, receivers rebuilt (their replay windows would refuse
    /// the same packets again).
    fn prepare(&mut self, n: usize);
    /// Run the `n` operations prepared: the timed region.
    fn run(&mut self, n: usize);
}

/// A runner and the baseline it is compared with.
pub type Pair = (Box<dyn Runner>, Box<dyn Runner>);

/// Prepare `r` for `n` operations, then time them.
pub fn timed(r: &mut dyn Runner, n: usize) -> Duration {
    r.prepare(n);
    let t = Instant::now();
    r.run(n);
    t.elapsed()
}

/// The most operations a round may hold: its prepared inputs stay within 16 MiB, and its SRTP
/// packets within one cycle of the 16-bit sequence number.
pub fn max_round_ops(size: usize) -> usize {
    ((16 << 20) / size.max(1)).clamp(1, 1 << 15)
}

/// Warm both runners up and find the number of operations per round that takes the slower of
/// the two about `round`.
pub fn round_ops(a: &mut dyn Runner, b: &mut dyn Runner, size: usize, round: Duration) -> usize {
    let max = max_round_ops(size);
    let mut n = 1;
    loop {
        let t = timed(a, n).max(timed(b, n));
        if t >= round / 4 || n >= max {
            let scaled = n as f64 * round.as_secs_f64() / t.as_secs_f64().max(1e-9);
            return (scaled.round() as usize).clamp(1, max);
        }
        n = (n * 4).min(max);
    }
}

/// How many copies of a pair a figure is measured with, in turn, each built at other heap
/// addresses: like the stack's, the heap placement of keys and buffers moves a figure by a few
/// percent, and depends on everything the process allocated before.
pub const HEAP_PLACEMENTS: usize = 4;

/// Copies of a pair, built one after the other with a spacer of another size allocated before
/// each, all kept alive, so that they land at different places on the heap.
pub struct Placed {
    pub pairs: Vec<Pair>,
    _spacers: Vec<Vec<u8>>,
}

impl Placed {
    pub fn new<E>(make: impl Fn() -> Result<Pair, E>) -> Result<Placed, E> {
        let mut pairs = Vec::new();
        let mut spacers = Vec::new();
        for i in 0..HEAP_PLACEMENTS {
            spacers.push(vec![0u8; 48 + 1040 * i]);
            pairs.push(make()?);
        }
        Ok(Placed {
            pairs,
            _spacers: spacers,
        })
    }
}

/// The stack offsets rounds run at, in turn: every 16-byte phase of a cache line, spread over
/// a page. Where the stack lies relative to the buffers and keys moves the figures of small
/// packets by several percent (cache-line splits, 4K aliasing); a figure taken at one offset
/// would be one draw from that.
pub const STACK_OFFSETS: usize = 16;

#[inline(never)]
fn padded<const N: usize, R>(f: impl FnOnce() -> R) -> R {
    let pad = [0u8; N];
    black_box(&pad);
    let r = f();
    black_box(&pad);
    r
}

/// Run `f` with the stack `272 * (i % STACK_OFFSETS)` bytes deeper.
pub fn at_stack_offset<R>(i: usize, f: impl FnOnce() -> R) -> R {
    match i % STACK_OFFSETS {
        0 => padded::<0, R>(f),
        1 => padded::<272, R>(f),
        2 => padded::<544, R>(f),
        3 => padded::<816, R>(f),
        4 => padded::<1088, R>(f),
        5 => padded::<1360, R>(f),
        6 => padded::<1632, R>(f),
        7 => padded::<1904, R>(f),
        8 => padded::<2176, R>(f),
        9 => padded::<2448, R>(f),
        10 => padded::<2720, R>(f),
        11 => padded::<2992, R>(f),
        12 => padded::<3264, R>(f),
        13 => padded::<3536, R>(f),
        14 => padded::<3808, R>(f),
        _ => padded::<4080, R>(f),
    }
}

/// The stack offset of pair of rounds number `j`: both orders (A B, B A) at each in turn.
pub fn stack_offset(j: usize) -> usize {
    j / 2 % STACK_OFFSETS
}

/// Pair of rounds number `j` of a subject and its baseline: on the copies of them in turn, at
/// the stack offset of `j`, the subject first when `j` is even. `round` times one round of a
/// runner. Returns the subject's time and the baseline's.
pub fn pair_of_rounds(
    pairs: &mut [Pair],
    j: usize,
    round: impl Fn(&mut dyn Runner) -> Duration,
) -> (Duration, Duration) {
    let copy = j / 2 % pairs.len();
    let (a, b) = &mut pairs[copy];
    let (a, b) = (&mut **a, &mut **b);
    at_stack_offset(stack_offset(j), || {
        // `%`, not `is_multiple_of`: this file also builds in the library's benches, whose
        // rust-version (1.85) predates it.
        #[allow(clippy::manual_is_multiple_of)]
        let even = j % 2 == 0;
        if even {
            let ta = round(a);
            (ta, round(b))
        } else {
            let tb = round(b);
            (round(a), tb)
        }
    })
}

/// The columns that name a figure in a table: layer, suite, backend (or peer), op.
pub fn name_columns(layer: &str, suite: &str, backend: &str, op: &str) -> String {
    format!("{layer:<7} {suite:<27} {backend:<12} {op:<10}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Protect,
    Unprotect,
}

impl Op {
    pub const ALL: [Op; 2] = [Op::Protect, Op::Unprotect];

    pub fn name(self) -> &'static str {
        match self {
            Op::Protect => "protect",
            Op::Unprotect => "unprotect",
        }
    }
}

/// The raw construction a subject is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Baseline {
    /// A backend's bare AES-GCM with a `key_len`-byte key: a header of `aad` bytes as AAD,
    /// the 16-byte tag after the payload.
    Gcm {
        key_len: usize,
        backend: Backend,
        aad: usize,
    },
    /// SRTP AES-CM's construction: AES-128-CTR over the payload, HMAC-SHA1 over the 12-byte
    /// header, the payload and the ROC, truncated to `tag` bytes.
    CtrHmacSha1 { key_len: usize, tag: usize },
    /// SFrame AES-CTR's (RFC 9605 §4.5.1): AES-128-CTR over the payload, HMAC-SHA256 over the
    /// lengths, the nonce, a header of `aad` bytes and the ciphertext, truncated to `tag`
    /// bytes.
    CtrHmacSha256 { tag: usize, aad: usize },
}

/// The RTP header every SRTP figure carries.
const RTP_HEADER: usize = 12;
const SSRC: u32 = 0xcafe_babe;
/// The KID of every SFrame figure, and the header its frames carry (with a 3-byte counter).
const KID: KeyId = KeyId(3);
const SFRAME_BASE_KEY: [u8; 32] = [0x42; 32];

fn sframe_header_len() -> usize {
    Header::new(KID, FrameCounter(1 << 16)).encoded_len()
}

impl Baseline {
    /// The baseline of an SRTP suite on `backend`.
    pub fn srtp(suite: SrtpSuite, backend: Backend) -> Baseline {
        if suite.is_aead() {
            Baseline::Gcm {
                key_len: suite.key_len(),
                backend,
                aad: RTP_HEADER,
            }
        } else {
            Baseline::CtrHmacSha1 {
                key_len: if suite.is_null_cipher() {
                    0
                } else {
                    suite.key_len()
                },
                tag: suite.srtp_tag_len(),
            }
        }
    }

    /// The baseline of an SFrame suite on `backend`.
    pub fn sframe(suite: SframeSuite, backend: Backend) -> Baseline {
        let aad = sframe_header_len();
        match suite {
            SframeSuite::Aes128GcmSha256_128 => Baseline::Gcm {
                key_len: 16,
                backend,
                aad,
            },
            SframeSuite::Aes256GcmSha512_128 => Baseline::Gcm {
                key_len: 32,
                backend,
                aad,
            },
            s => Baseline::CtrHmacSha256 {
                tag: s.tag_len(),
                aad,
            },
        }
    }

    /// Its name, the construction and where it comes from: `AES_128_GCM/ring`,
    /// `AES_128_CTR+HMAC_SHA1_80/rustcrypto`.
    pub fn name(self) -> String {
        match self {
            Baseline::Gcm {
                key_len, backend, ..
            } => format!("AES_{}_GCM/{backend}", key_len * 8),
            Baseline::CtrHmacSha1 { key_len: 0, tag } => {
                format!("HMAC_SHA1_{}/rustcrypto", tag * 8)
            }
            Baseline::CtrHmacSha1 { key_len, tag } => {
                format!("AES_{}_CTR+HMAC_SHA1_{}/rustcrypto", key_len * 8, tag * 8)
            }
            Baseline::CtrHmacSha256 { tag, .. } => {
                format!("AES_128_CTR+HMAC_SHA256_{}/rustcrypto", tag * 8)
            }
        }
    }

    pub fn runner(self, op: Op, size: usize) -> callseal::Result<Box<dyn Runner>> {
        Ok(match self {
            Baseline::Gcm {
                key_len,
                backend,
                aad,
            } => match backend {
                Backend::Ring => {
                    let alg = if key_len == 16 {
                        &aead::AES_128_GCM
                    } else {
                        &aead::AES_256_GCM
                    };
                    let key = aead::UnboundKey::new(alg, &vec![7u8; key_len])
                        .map_err(|_| Error::InvalidKeyLength)?;
                    raw_runner(aead::LessSafeKey::new(key), op, size, aad, 16)
                }
                Backend::RustCrypto => super::rustcrypto_gcm::runner(key_len, op, size, aad)?,
                _ => return Err(Error::UnsupportedBackend),
            },
            Baseline::CtrHmacSha1 { key_len, tag } => {
                let c = CtrHmac::<HmacSha1>::new(key_len, &[9; 20]);
                raw_runner(c, op, size, RTP_HEADER, tag)
            }
            Baseline::CtrHmacSha256 { tag, aad } => {
                let c = CtrHmac::<HmacSha256>::new(16, &[9; 32]);
                raw_runner(c, op, size, aad, tag)
            }
        })
    }
}

/// A callseal layer and suite, on one AES-GCM backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Srtp(SrtpSuite, Backend),
    Sframe(SframeSuite, Backend),
}

impl Subject {
    /// Every suite of both layers (SRTP's NULL-cipher suites too), the GCM suites once per
    /// backend, the others once.
    pub fn all(backends: &[Backend]) -> Vec<Subject> {
        let first = &backends[..backends.len().min(1)];
        let mut v = Vec::new();
        for s in SrtpSuite::ALL.into_iter().chain(SrtpSuite::NULL) {
            let on = if s.is_aead() { backends } else { first };
            v.extend(on.iter().map(|&b| Subject::Srtp(s, b)));
        }
        for s in SframeSuite::ALL {
            let on = if is_gcm(s) { backends } else { first };
            v.extend(on.iter().map(|&b| Subject::Sframe(s, b)));
        }
        v
    }

    pub fn layer(self) -> &'static str {
        match self {
            Subject::Srtp(..) => "srtp",
            Subject::Sframe(..) => "sframe",
        }
    }

    pub fn suite(self) -> &'static str {
        match self {
            Subject::Srtp(s, _) => s.name(),
            Subject::Sframe(s, _) => s.name(),
        }
    }

    /// The backend of its AES-GCM; `-` for the suites without AES-GCM.
    pub fn backend(self) -> &'static str {
        match self {
            Subject::Srtp(s, b) if s.is_aead() => b.name(),
            Subject::Sframe(s, b) if is_gcm(s) => b.name(),
            _ => "-",
        }
    }

    pub fn baseline(self) -> Baseline {
        match self {
            Subject::Srtp(s, b) => Baseline::srtp(s, b),
            Subject::Sframe(s, b) => Baseline::sframe(s, b),
        }
    }

    pub fn runner(self, op: Op, size: usize) -> callseal::Result<Box<dyn Runner>> {
        Ok(match (self, op) {
            (Subject::Srtp(suite, backend), Op::Protect) => {
                let config = srtp_config(suite, backend);
                let mut tx = SrtpSender::new(&srtp_key(suite), config)?;
                let mut seq = 0u16;
                let packet = rtp_packet(size, 0, suite.srtp_overhead());
                protect(Aligned::new(&packet, RTP_HEADER), move |p| {
                    seq = seq.wrapping_add(1);
                    p[2..4].copy_from_slice(&seq.to_be_bytes());
                    tx.protect_rtp(p, RTP_HEADER + size).expect("protect")
                })
            }
            (Subject::Srtp(suite, backend), Op::Unprotect) => {
                let config = srtp_config(suite, backend);
                let key = srtp_key(suite);
                let mut tx = SrtpSender::new(&key, config)?;
                let prime = srtp_seal(&mut tx, size, 0);
                Box::new(SrtpUnprotect {
                    rx: SrtpReceiver::new(&key, config)?,
                    key,
                    config,
                    tx,
                    prime,
                    size,
                    inputs: Inputs::default(),
                })
            }
            (Subject::Sframe(suite, backend), Op::Protect) => {
                let config = SframeConfig::new(suite).with_backend(backend);
                // A fixed key for every run; the sealed frames never leave the bench.
                let mut tx = SframeSender::dangerous_new_unguarded(&config, KID, &SFRAME_BASE_KEY)?;
                let frame = vec![0x5a; SEAL_HEADROOM + size + suite.tag_len()];
                // In place, as the raw baselines seal.
                protect(Aligned::new(&frame, SEAL_HEADROOM), move |f| {
                    let sealed = tx.seal_in_place(f, size, FrameOptions::NONE);
                    sealed.expect("seal").len()
                })
            }
            (Subject::Sframe(suite, backend), Op::Unprotect) => {
                let config = SframeConfig::new(suite).with_backend(backend);
                let mut tx = SframeSender::dangerous_new_unguarded(&config, KID, &SFRAME_BASE_KEY)?;
                let prime = sframe_seal(&mut tx, size);
                Box::new(SframeUnprotect {
                    config,
                    tx,
                    rx: sframe_receiver(config)?,
                    prime,
                    size,
                    inputs: Inputs::default(),
                })
            }
        })
    }

    /// The subject's runner and its baseline's.
    pub fn pair(self, op: Op, size: usize) -> callseal::Result<Pair> {
        Ok((self.runner(op, size)?, self.baseline().runner(op, size)?))
    }
}

/// The SRTP configuration of a figure: `backend`, and consent to the NULL cipher for its
/// suites (measurement is what they are for).
fn srtp_config(suite: SrtpSuite, backend: Backend) -> SrtpConfig {
    let config = SrtpConfig::default().with_backend(backend);
    if suite.is_null_cipher() {
        config.with_null_cipher_allowed()
    } else {
        config
    }
}

pub fn is_gcm(s: SframeSuite) -> bool {
    matches!(
        s,
        SframeSuite::Aes128GcmSha256_128 | SframeSuite::Aes256GcmSha512_128
    )
}

/// Where buffers put their payload: at the start of a cache line, in subject and baseline
/// alike. Left to the allocator, the placement moves a figure by several percent from one
/// build of the runners to the next.
const ALIGN: usize = 64;

/// Bytes whose payload, `payload` bytes in, starts on an `ALIGN` boundary.
#[derive(Default)]
pub struct Aligned {
    v: Vec<u8>,
    start: usize,
    len: usize,
}

impl Aligned {
    pub fn new(bytes: &[u8], payload: usize) -> Aligned {
        let mut a = Aligned::default();
        a.set(bytes, payload);
        a
    }

    /// Hold `bytes` instead (reallocating only when they are longer).
    pub fn set(&mut self, bytes: &[u8], payload: usize) {
        if self.v.len() < bytes.len() + ALIGN {
            self.v = vec![0; bytes.len() + ALIGN];
        }
        let at = self.v.as_ptr() as usize + payload;
        self.start = (ALIGN - at % ALIGN) % ALIGN;
        self.len = bytes.len();
        self.v[self.start..self.start + self.len].copy_from_slice(bytes);
    }

    pub fn bytes(&mut self) -> &mut [u8] {
        &mut self.v[self.start..self.start + self.len]
    }
}

/// The protected inputs of an unprotect runner: sealed once (more when rounds grow), copied
/// into the working buffers before every round.
#[derive(Default)]
pub struct Inputs {
    /// Each input and where its payload starts.
    sealed: Vec<(Vec<u8>, usize)>,
    work: Vec<Aligned>,
}

impl Inputs {
    /// Have `n` inputs, sealing the missing ones with `seal(i)` (the input and where its
    /// payload starts), and copy them into the working buffers.
    pub fn load(&mut self, n: usize, mut seal: impl FnMut(usize) -> (Vec<u8>, usize)) {
        while self.sealed.len() < n {
            let i = self.sealed.len();
            self.sealed.push(seal(i));
        }
        if self.work.len() < n {
            self.work.resize_with(n, Aligned::default);
        }
        for (w, (s, payload)) in self.work.iter_mut().zip(&self.sealed[..n]) {
            w.set(s, *payload);
        }
    }

    /// The first `n` working buffers, as loaded.
    pub fn work(&mut self, n: usize) -> impl Iterator<Item = &mut [u8]> {
        self.work[..n].iter_mut().map(Aligned::bytes)
    }
}

/// A 12-byte RTP header with sequence number `seq`, `size` payload bytes, `room` bytes more.
pub fn rtp_packet(size: usize, seq: u16, room: usize) -> Vec<u8> {
    let mut p = vec![0u8; RTP_HEADER + size + room];
    p[0] = 0x80;
    p[1] = 96;
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[4..8].copy_from_slice(&1234u32.to_be_bytes());
    p[8..12].copy_from_slice(&SSRC.to_be_bytes());
    for (i, b) in p[RTP_HEADER..RTP_HEADER + size].iter_mut().enumerate() {
        *b = i as u8;
    }
    p
}

/// The master key and salt of every SRTP figure, as one buffer (libsrtp's form).
pub fn srtp_key_material(suite: SrtpSuite) -> Vec<u8> {
    let mut km = vec![0x42; suite.key_len()];
    km.resize(suite.key_len() + suite.salt_len(), 0x24);
    km
}

fn srtp_key(suite: SrtpSuite) -> SrtpMasterKey {
    SrtpMasterKey::from_concatenated(suite, &srtp_key_material(suite)).expect("suite lengths")
}

fn srtp_seal(tx: &mut SrtpSender, size: usize, seq: u16) -> Vec<u8> {
    let mut p = rtp_packet(size, seq, tx.srtp_overhead());
    let len = tx.protect_rtp(&mut p, RTP_HEADER + size).expect("protect");
    p.truncate(len);
    p
}

/// Protect on one buffer, again and again (the payload is whatever the last protect left):
/// `f` protects the buffer once.
fn protect(buf: Aligned, f: impl FnMut(&mut [u8]) -> usize + 'static) -> Box<dyn Runner> {
    Box::new(Protect { buf, f })
}

struct Protect<F> {
    buf: Aligned,
    f: F,
}

impl<F: FnMut(&mut [u8]) -> usize> Runner for Protect<F> {
    fn prepare(&mut self, _: usize) {}

    fn run(&mut self, n: usize) {
        for _ in 0..n {
            black_box((self.f)(self.buf.bytes()));
        }
    }
}

/// Packets 1 to `n` of one sender, into a receiver rebuilt for every round and primed with
/// packet 0 (so that the stream exists before the round starts).
struct SrtpUnprotect {
    key: SrtpMasterKey,
    config: SrtpConfig,
    tx: SrtpSender,
    rx: SrtpReceiver,
    prime: Vec<u8>,
    size: usize,
    inputs: Inputs,
}

impl Runner for SrtpUnprotect {
    fn prepare(&mut self, n: usize) {
        self.rx = SrtpReceiver::new(&self.key, self.config).expect("receiver");
        let mut prime = self.prime.clone();
        self.rx.unprotect_rtp(&mut prime).expect("unprotect");
        let (tx, size) = (&mut self.tx, self.size);
        self.inputs
            .load(n, |i| (srtp_seal(tx, size, (i + 1) as u16), RTP_HEADER));
    }

    fn run(&mut self, n: usize) {
        for p in self.inputs.work(n) {
            black_box(self.rx.unprotect_rtp(p).expect("unprotect").len());
        }
    }
}

fn sframe_seal(tx: &mut SframeSender, size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size + tx.max_overhead()];
    let len = tx
        .seal_into(&vec![0x5a; size], &mut out, FrameOptions::NONE)
        .expect("seal");
    out.truncate(len);
    out
}

fn sframe_receiver(config: SframeConfig) -> callseal::Result<SframeReceiver> {
    let mut rx = SframeReceiver::new(config)?;
    rx.install_key(KID, Epoch(0), &SFRAME_BASE_KEY)?;
    Ok(rx)
}

/// As [`SrtpUnprotect`]: frames 1 to `n`, a receiver rebuilt and primed with frame 0.
struct SframeUnprotect {
    config: SframeConfig,
    tx: SframeSender,
    rx: SframeReceiver,
    prime: Vec<u8>,
    size: usize,
    inputs: Inputs,
}

impl Runner for SframeUnprotect {
    fn prepare(&mut self, n: usize) {
        self.rx = sframe_receiver(self.config).expect("receiver");
        let mut prime = self.prime.clone();
        self.rx.open(&mut prime, FrameOptions::NONE).expect("open");
        let (tx, size) = (&mut self.tx, self.size);
        self.inputs.load(n, |_| {
            let f = sframe_seal(tx, size);
            let header = f.len() - size - tx.suite().tag_len();
            (f, header)
        });
    }

    fn run(&mut self, n: usize) {
        for f in self.inputs.work(n) {
            black_box(self.rx.open(f, FrameOptions::NONE).expect("open").len());
        }
    }
}

/// The 12-byte nonce of message `i`.
pub fn nonce(i: u64) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[4..].copy_from_slice(&i.to_be_bytes());
    n
}

/// A message of a raw construction, sealed or opened in place: a header of `header` bytes
/// (authenticated, not encrypted), `size` bytes of payload, the tag.
pub struct Message<'a> {
    pub bytes: &'a mut [u8],
    pub header: usize,
    pub size: usize,
}

impl Message<'_> {
    /// Header, payload and tag.
    pub fn parts(&mut self) -> (&[u8], &mut [u8], &mut [u8]) {
        let (header, rest) = self.bytes.split_at_mut(self.header);
        let (body, tag) = rest.split_at_mut(self.size);
        (header, body, tag)
    }
}

/// A raw construction: seals or opens message number `i`.
pub trait RawCipher {
    fn seal(&mut self, i: u64, m: Message<'_>);
    /// Panics when the tag is wrong (it never is here).
    fn open(&mut self, i: u64, m: Message<'_>);
}

impl RawCipher for aead::LessSafeKey {
    fn seal(&mut self, i: u64, mut m: Message<'_>) {
        let (header, body, tag) = m.parts();
        let t = self
            .seal_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(nonce(i)),
                aead::Aad::from(header),
                body,
            )
            .expect("seal");
        tag.copy_from_slice(t.as_ref());
    }

    fn open(&mut self, i: u64, mut m: Message<'_>) {
        let (header, body, tag) = m.parts();
        let tag: [u8; 16] = (&*tag).try_into().expect("16-byte tag");
        self.open_in_place_separate_tag(
            aead::Nonce::assume_unique_for_key(nonce(i)),
            aead::Aad::from(header),
            aead::Tag::from(tag),
            body,
            0..,
        )
        .expect("open");
    }
}

/// Compare a truncated tag with the start of the full MAC, every byte (no early exit), as
/// callseal does. Finishing the MAC by value and comparing here is cheaper than `hmac`'s
/// `verify_truncated_left`, which moves the MAC state once more (7% at 160 bytes).
fn check_tag(full: &[u8], tag: &[u8]) {
    let diff = full[..tag.len()]
        .iter()
        .zip(tag)
        .fold(0, |d, (a, b)| d | (a ^ b));
    assert!(black_box(diff) == 0, "tag");
}

type HmacSha1 = hmac::Hmac<sha1::Sha1>;
type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// An expanded AES key of one of the three sizes, or none (the NULL cipher).
#[derive(Clone)]
enum Aes {
    None,
    A128(aes::Aes128),
    A192(aes::Aes192),
    A256(aes::Aes256),
}

/// AES-CTR and an HMAC, each key expanded once: SRTP AES-CM (128, 192 or 256, or the NULL
/// cipher) with HMAC-SHA1, SFrame AES-CTR with HMAC-SHA256.
struct CtrHmac<M> {
    aes: Aes,
    mac: M,
}

/// AES-CTR with `aes` from counter block `iv` over `data`, the expanded key copied.
fn ctr_with<C>(aes: &C, iv: &[u8; 16], data: &mut [u8])
where
    C: aes::cipher::BlockCipher
        + aes::cipher::BlockEncrypt
        + aes::cipher::BlockSizeUser<BlockSize = aes::cipher::consts::U16>
        + Clone,
{
    use ctr::cipher::{InnerIvInit, StreamCipher};
    let core = ctr::CtrCore::<C, ctr::flavors::Ctr128BE>::inner_iv_init(aes.clone(), iv.into());
    ctr::cipher::StreamCipherCoreWrapper::from_core(core).apply_keystream(data);
}

impl<M: Mac + hmac::digest::KeyInit + Clone> CtrHmac<M> {
    /// With an AES key of `key_len` bytes (16, 24, 32; 0 for none).
    fn new(key_len: usize, mac_key: &[u8]) -> Self {
        use aes::cipher::KeyInit;
        let key = [7u8; 32];
        let aes = match key_len {
            0 => Aes::None,
            16 => Aes::A128(aes::Aes128::new_from_slice(&key[..16]).expect("16 bytes")),
            24 => Aes::A192(aes::Aes192::new_from_slice(&key[..24]).expect("24 bytes")),
            _ => Aes::A256(aes::Aes256::new_from_slice(&key).expect("32 bytes")),
        };
        CtrHmac {
            aes,
            mac: <M as Mac>::new_from_slice(mac_key).expect("any key length"),
        }
    }

    /// AES-CTR from counter block `iv` over the payload (nothing with the NULL cipher).
    fn ctr(&self, iv: &[u8; 16], m: &mut Message<'_>) {
        let data = m.parts().1;
        match &self.aes {
            Aes::None => {}
            Aes::A128(a) => ctr_with(a, iv, data),
            Aes::A192(a) => ctr_with(a, iv, data),
            Aes::A256(a) => ctr_with(a, iv, data),
        }
    }

    /// Encrypt, then MAC what `input` feeds it, and write the tag, truncated.
    fn seal_with(&self, iv: [u8; 16], mut m: Message<'_>, input: impl Fn(&mut M, &Message<'_>)) {
        self.ctr(&iv, &mut m);
        let mut mac = self.mac.clone();
        input(&mut mac, &m);
        let full = mac.finalize().into_bytes();
        let tag = m.parts().2;
        tag.copy_from_slice(&full[..tag.len()]);
    }

    /// Check the truncated tag, then decrypt.
    fn open_with(&self, iv: [u8; 16], mut m: Message<'_>, input: impl Fn(&mut M, &Message<'_>)) {
        let mut mac = self.mac.clone();
        input(&mut mac, &m);
        check_tag(&mac.finalize().into_bytes(), m.parts().2);
        self.ctr(&iv, &mut m);
    }
}

/// SRTP AES-CM (RFC 3711 §4.1.1, §4.2), packet index `i` of one SSRC: the counter block from
/// the salt, the SSRC and the index; the MAC over header and payload (in one piece, as they
/// lie in the packet) and the ROC.
fn srtp_cm_iv(i: u64) -> [u8; 16] {
    let mut iv = [0x24u8; 16];
    iv[14..].fill(0);
    for (b, s) in iv[4..8].iter_mut().zip(SSRC.to_be_bytes()) {
        *b ^= s;
    }
    for (b, s) in iv[8..14].iter_mut().zip(&i.to_be_bytes()[2..]) {
        *b ^= s;
    }
    iv
}

fn srtp_cm_mac(i: u64) -> impl Fn(&mut HmacSha1, &Message<'_>) {
    move |mac, m| {
        mac.update(&m.bytes[..m.header + m.size]);
        mac.update(&((i >> 16) as u32).to_be_bytes());
    }
}

impl RawCipher for CtrHmac<HmacSha1> {
    fn seal(&mut self, i: u64, m: Message<'_>) {
        self.seal_with(srtp_cm_iv(i), m, srtp_cm_mac(i));
    }

    fn open(&mut self, i: u64, m: Message<'_>) {
        self.open_with(srtp_cm_iv(i), m, srtp_cm_mac(i));
    }
}

/// SFrame AES-CTR-HMAC (RFC 9605 §4.5.1), message `i` with nonce `i`: the counter block is the
/// nonce and a zero counter; the MAC input the lengths of header, ciphertext and tag, the
/// nonce, the header and the ciphertext.
fn sframe_ctr_iv(i: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    iv[..12].copy_from_slice(&nonce(i));
    iv
}

fn sframe_ctr_mac(i: u64) -> impl Fn(&mut HmacSha256, &Message<'_>) {
    move |mac, m| {
        let tag_len = m.bytes.len() - m.header - m.size;
        mac.update(&(m.header as u64).to_be_bytes());
        mac.update(&(m.size as u64).to_be_bytes());
        mac.update(&(tag_len as u64).to_be_bytes());
        mac.update(&nonce(i));
        mac.update(&m.bytes[..m.header + m.size]);
    }
}

impl RawCipher for CtrHmac<HmacSha256> {
    fn seal(&mut self, i: u64, m: Message<'_>) {
        self.seal_with(sframe_ctr_iv(i), m, sframe_ctr_mac(i));
    }

    fn open(&mut self, i: u64, m: Message<'_>) {
        self.open_with(sframe_ctr_iv(i), m, sframe_ctr_mac(i));
    }
}

/// A raw construction over messages of an `aad`-byte header, `size` payload bytes and a
/// `tag`-byte tag.
pub fn raw_runner<C: RawCipher + 'static>(
    cipher: C,
    op: Op,
    size: usize,
    aad: usize,
    tag: usize,
) -> Box<dyn Runner> {
    let mut buf = vec![0x5a; aad + size + tag];
    for (i, b) in buf[..aad].iter_mut().enumerate() {
        *b = 0x80 + i as u8;
    }
    Box::new(Raw {
        cipher,
        op,
        aad,
        size,
        protect: Aligned::new(&buf, aad),
        buf,
        next: 0,
        inputs: Inputs::default(),
    })
}

struct Raw<C> {
    cipher: C,
    op: Op,
    aad: usize,
    size: usize,
    /// A message before sealing.
    buf: Vec<u8>,
    /// The message protect seals again and again.
    protect: Aligned,
    next: u64,
    inputs: Inputs,
}

fn message(bytes: &mut [u8], header: usize, size: usize) -> Message<'_> {
    Message {
        bytes,
        header,
        size,
    }
}

impl<C: RawCipher> Runner for Raw<C> {
    fn prepare(&mut self, n: usize) {
        if self.op == Op::Unprotect {
            let Raw {
                cipher,
                aad,
                size,
                buf,
                inputs,
                ..
            } = self;
            inputs.load(n, |i| {
                let mut m = buf.clone();
                cipher.seal(i as u64, message(&mut m, *aad, *size));
                (m, *aad)
            });
        }
    }

    fn run(&mut self, n: usize) {
        let (aad, size) = (self.aad, self.size);
        match self.op {
            Op::Protect => {
                for _ in 0..n {
                    self.next += 1;
                    self.cipher
                        .seal(self.next, message(self.protect.bytes(), aad, size));
                    black_box(&self.protect.v);
                }
            }
            Op::Unprotect => {
                for (i, m) in self.inputs.work(n).enumerate() {
                    self.cipher.open(i as u64, message(m, aad, size));
                    black_box(m);
                }
            }
        }
    }
}
