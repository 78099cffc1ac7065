//! `callseal bench`: protect and unprotect throughput of every suite of both layers, with each
//! AES-GCM backend the build has, beside ring's raw AEAD of the same key size measured in the
//! same run.

use anyhow::bail;
use callseal::crypto::Backend;
use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Epoch, KeyId, SframeSuite, SrtpMasterKey, SrtpSuite};
use clap::Args;
use ring::aead;
use serde_json::json;
use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Arguments of `callseal bench`.
#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    /// Payload sizes in bytes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "160,1200,16384,102400")]
    sizes: Vec<usize>,
    /// Independent streams on this many threads (also measured on one thread, for the scaling).
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Milliseconds measured per figure.
    #[arg(long, default_value_t = 100)]
    time_ms: u64,
    /// One JSON record per measurement instead of a table.
    #[arg(long)]
    json: bool,
    /// The AES-GCM backend of the GCM suites: `ring`, `rustcrypto`, or `all` (side by side).
    #[arg(long, default_value = "all")]
    backend: String,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Subject {
    Srtp(SrtpSuite, Backend),
    Sframe(SframeSuite, Backend),
    /// A backend's bare AES-GCM with a 16- or 32-byte key.
    Raw(usize, Backend),
}

impl Subject {
    fn layer(self) -> &'static str {
        match self {
            Subject::Srtp(..) => "srtp",
            Subject::Sframe(..) => "sframe",
            Subject::Raw(..) => "raw",
        }
    }

    fn suite(self) -> &'static str {
        match self {
            Subject::Srtp(s, _) => s.name(),
            Subject::Sframe(s, _) => s.name(),
            Subject::Raw(16, _) => "AES_128_GCM",
            Subject::Raw(..) => "AES_256_GCM",
        }
    }

    /// The backend of its AES-GCM; `-` for the suites without AES-GCM.
    fn backend(self) -> &'static str {
        match self {
            Subject::Srtp(s, b) if s.is_aead() => b.name(),
            Subject::Sframe(s, b) if is_gcm(s) => b.name(),
            Subject::Raw(_, b) => b.name(),
            _ => "-",
        }
    }

    /// The bare AEAD this is compared with: the same key size from the same backend (ring for
    /// the suites without AES-GCM).
    fn raw(self) -> Subject {
        match self {
            Subject::Srtp(s, b) if s.is_aead() => Subject::Raw(s.key_len(), b),
            Subject::Sframe(s, b) if is_gcm(s) => Subject::Raw(self.raw_key_len(), b),
            Subject::Raw(..) => self,
            _ => Subject::Raw(self.raw_key_len(), Backend::Ring),
        }
    }

    /// Key size of the raw AEAD this is compared with.
    fn raw_key_len(self) -> usize {
        match self {
            Subject::Srtp(s, _) => s.key_len(),
            Subject::Sframe(SframeSuite::Aes256GcmSha512_128, _) => 32,
            Subject::Sframe(..) => 16,
            Subject::Raw(n, _) => n,
        }
    }
}

fn is_gcm(s: SframeSuite) -> bool {
    matches!(
        s,
        SframeSuite::Aes128GcmSha256_128 | SframeSuite::Aes256GcmSha512_128
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Protect,
    Unprotect,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Protect => "protect",
            Op::Unprotect => "unprotect",
        }
    }
}

/// Operations per batch before the receiving side is rebuilt (its replay window would reject
/// repeats).
const BATCH: usize = 256;

/// A closure that runs `n` operations and returns the time they took (setup excluded).
type Runner = Box<dyn FnMut(usize) -> Duration + Send>;

fn rtp_packet(size: usize, seq: u16, room: usize) -> Vec<u8> {
    let mut p = vec![0u8; 12 + size + room];
    p[0] = 0x80;
    p[1] = 96;
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[4..8].copy_from_slice(&1234u32.to_be_bytes());
    p[8..12].copy_from_slice(&0xcafe_babeu32.to_be_bytes());
    for (i, b) in p[12..12 + size].iter_mut().enumerate() {
        *b = i as u8;
    }
    p
}

fn srtp_key(suite: SrtpSuite) -> SrtpMasterKey {
    SrtpMasterKey::new(
        suite,
        &vec![0x42; suite.key_len()],
        &vec![0x24; suite.salt_len()],
    )
    .expect("lengths of the suite")
}

fn runner(subject: Subject, op: Op, size: usize) -> anyhow::Result<Runner> {
    Ok(match (subject, op) {
        (Subject::Raw(16, Backend::RustCrypto), op) => {
            rustcrypto_runner::<aes_gcm::Aes128Gcm>(op, size)
        }
        (Subject::Raw(_, Backend::RustCrypto), op) => {
            rustcrypto_runner::<aes_gcm::Aes256Gcm>(op, size)
        }
        (Subject::Raw(key_len, _), op) => {
            let alg = if key_len == 16 {
                &aead::AES_128_GCM
            } else {
                &aead::AES_256_GCM
            };
            let key = aead::LessSafeKey::new(
                aead::UnboundKey::new(alg, &vec![7u8; key_len]).expect("key"),
            );
            let open_key = aead::LessSafeKey::new(
                aead::UnboundKey::new(alg, &vec![7u8; key_len]).expect("key"),
            );
            raw_runner(
                op,
                size,
                move |nonce, aad, buf| {
                    let tag = key
                        .seal_in_place_separate_tag(
                            aead::Nonce::assume_unique_for_key(nonce),
                            aead::Aad::from(aad),
                            buf,
                        )
                        .expect("seal");
                    let mut t = [0u8; 16];
                    t.copy_from_slice(tag.as_ref());
                    t
                },
                move |nonce, aad, buf, tag| {
                    open_key
                        .open_in_place_separate_tag(
                            aead::Nonce::assume_unique_for_key(nonce),
                            aead::Aad::from(aad),
                            aead::Tag::from(*tag),
                            buf,
                            0..,
                        )
                        .expect("open");
                },
            )
        }
        (Subject::Srtp(suite, backend), Op::Protect) => {
            let config = SrtpConfig::default().with_backend(backend);
            let mut ctx = SrtpSender::new(&srtp_key(suite), config)?;
            let room = suite.srtp_overhead();
            let mut p = rtp_packet(size, 0, room);
            let mut seq = 0u16;
            Box::new(move |n| {
                let t = Instant::now();
                for _ in 0..n {
                    p[2..4].copy_from_slice(&seq.to_be_bytes());
                    seq = seq.wrapping_add(1);
                    black_box(ctx.protect_rtp(&mut p, 12 + size).expect("protect"));
                }
                t.elapsed()
            })
        }
        (Subject::Srtp(suite, backend), Op::Unprotect) => {
            let key = srtp_key(suite);
            let config = SrtpConfig::default().with_backend(backend);
            let mut tx = SrtpSender::new(&key, config)?;
            let room = suite.srtp_overhead();
            let sealed: Vec<Vec<u8>> = (0..BATCH as u16)
                .map(|seq| {
                    let mut p = rtp_packet(size, seq, room);
                    let len = tx.protect_rtp(&mut p, 12 + size).expect("protect");
                    p.truncate(len);
                    p
                })
                .collect();
            let mut buf = vec![0u8; sealed[0].len()];
            Box::new(move |n| {
                let mut spent = Duration::ZERO;
                let mut done = 0;
                while done < n {
                    let mut rx = SrtpReceiver::new(&key, config).expect("context");
                    let t = Instant::now();
                    for p in sealed.iter().take(n - done) {
                        buf.copy_from_slice(p);
                        black_box(rx.unprotect_rtp(&mut buf).expect("unprotect").len());
                        done += 1;
                    }
                    spent += t.elapsed();
                }
                spent
            })
        }
        (Subject::Sframe(suite, backend), Op::Protect) => {
            let config = SframeConfig::new(suite).with_backend(backend);
            // A fixed key for every run; the sealed frames never leave the bench.
            let mut tx = SframeSender::dangerous_new_unguarded(&config, KeyId(3), &[0x42; 32])?;
            let frame = vec![0x5au8; size];
            let mut out = vec![0u8; size + suite.max_overhead()];
            Box::new(move |n| {
                let t = Instant::now();
                for _ in 0..n {
                    black_box(
                        tx.seal_into(&frame, &mut out, FrameOptions::NONE)
                            .expect("seal"),
                    );
                }
                t.elapsed()
            })
        }
        (Subject::Sframe(suite, backend), Op::Unprotect) => {
            let config = SframeConfig::new(suite).with_backend(backend);
            // A fixed key for every run; the sealed frames never leave the bench.
            let mut tx = SframeSender::dangerous_new_unguarded(&config, KeyId(3), &[0x42; 32])?;
            let frame = vec![0x5au8; size];
            let sealed: Vec<Vec<u8>> = (0..BATCH)
                .map(|_| {
                    let mut out = vec![0u8; size + suite.max_overhead()];
                    let len = tx
                        .seal_into(&frame, &mut out, FrameOptions::NONE)
                        .expect("seal");
                    out.truncate(len);
                    out
                })
                .collect();
            let mut buf = vec![0u8; sealed.iter().map(Vec::len).max().unwrap_or(0)];
            Box::new(move |n| {
                let mut spent = Duration::ZERO;
                let mut done = 0;
                while done < n {
                    let mut rx = SframeReceiver::new(config).expect("receiver");
                    rx.install_key(KeyId(3), Epoch(0), &[0x42; 32])
                        .expect("key");
                    let t = Instant::now();
                    for s in sealed.iter().take(n - done) {
                        let b = &mut buf[..s.len()];
                        b.copy_from_slice(s);
                        black_box(rx.open(b, FrameOptions::NONE).expect("open").len());
                        done += 1;
                    }
                    spent += t.elapsed();
                }
                spent
            })
        }
    })
}

/// RustCrypto's bare AES-GCM (`A`), as the raw runner does ring's.
fn rustcrypto_runner<A>(op: Op, size: usize) -> Runner
where
    A: aes_gcm::aead::AeadInOut
        + aes_gcm::aead::AeadCore<
            NonceSize = aes_gcm::aead::consts::U12,
            TagSize = aes_gcm::aead::consts::U16,
        > + aes_gcm::KeyInit
        + Send
        + Sync
        + 'static,
{
    let key = std::sync::Arc::new(A::new(&Default::default()));
    let open_key = key.clone();
    raw_runner(
        op,
        size,
        move |nonce, aad, buf| {
            let tag = key
                .encrypt_inout_detached(&nonce.into(), aad, buf.into())
                .expect("seal");
            let mut t = [0u8; 16];
            t.copy_from_slice(&tag);
            t
        },
        move |nonce, aad, buf, tag| {
            open_key
                .decrypt_inout_detached(&nonce.into(), aad, buf.into(), tag.into())
                .expect("open");
        },
    )
}

/// A bare AEAD timed as the suites are: `seal(nonce, aad, buf)` encrypts in place and returns
/// the tag, a fresh nonce each time; `open` opens a frame sealed once (the receiving side is
/// the same frame again and again, as a bare AEAD has no replay window).
fn raw_runner<S, O>(op: Op, size: usize, mut seal: S, mut open: O) -> Runner
where
    S: FnMut([u8; 12], &[u8], &mut [u8]) -> [u8; 16] + Send + 'static,
    O: FnMut([u8; 12], &[u8], &mut [u8], &[u8; 16]) + Send + 'static,
{
    let aad = [0u8; 12];
    let mut buf = vec![0u8; size];
    let tag = seal([1; 12], &aad, &mut buf);
    let sealed = buf.clone();
    Box::new(move |n| {
        let t = Instant::now();
        for i in 0..n {
            match op {
                Op::Protect => {
                    let mut nonce = [0u8; 12];
                    nonce[4..].copy_from_slice(&(i as u64).to_be_bytes());
                    black_box(seal(nonce, &aad, &mut buf)[0]);
                }
                Op::Unprotect => {
                    buf.copy_from_slice(&sealed);
                    open([1; 12], &aad, &mut buf, &tag);
                }
            }
        }
        t.elapsed()
    })
}

/// Warm a runner up and find a round size that takes about a twentieth of `budget`.
fn round_size(run: &mut Runner, budget: Duration) -> usize {
    let mut n = 16usize;
    loop {
        let t = run(n);
        if t >= budget / 20 || n >= 1 << 24 {
            return n;
        }
        n *= 2;
    }
}

/// ns per operation (per stream) and aggregate MB/s for `threads` independent streams that
/// run at the same time for `budget` of wall-clock time.
fn measure(
    subject: Subject,
    op: Op,
    size: usize,
    threads: usize,
    budget: Duration,
) -> anyhow::Result<(f64, f64)> {
    let runners = (0..threads)
        .map(|_| runner(subject, op, size))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let start = std::sync::Barrier::new(threads);
    let results: Vec<(u64, Duration)> = std::thread::scope(|s| {
        let handles: Vec<_> = runners
            .into_iter()
            .map(|mut r| {
                let start = &start;
                s.spawn(move || {
                    let n = round_size(&mut r, budget);
                    start.wait();
                    let t0 = Instant::now();
                    let mut ops = 0u64;
                    while t0.elapsed() < budget {
                        r(n);
                        ops += n as u64;
                    }
                    (ops, t0.elapsed())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect()
    });
    let wall = results.iter().map(|r| r.1).max().unwrap_or(budget);
    let ops: u64 = results.iter().map(|r| r.0).sum();
    let ops_per_s = ops as f64 / wall.as_secs_f64();
    let ns_per_op = 1e9 * threads as f64 / ops_per_s;
    let mb_per_s = ops_per_s * size as f64 / 1e6;
    Ok((ns_per_op, mb_per_s))
}

pub(crate) fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    if args.threads == 0 || args.threads > 256 {
        bail!("--threads must be between 1 and 256");
    }
    if args.sizes.is_empty() || args.sizes.iter().any(|s| *s == 0 || *s > 1 << 20) {
        bail!("--sizes must be between 1 and 1048576 bytes");
    }
    let budget = Duration::from_millis(args.time_ms.clamp(5, 10_000));
    let backends: Vec<Backend> = if args.backend == "all" {
        Backend::available().collect()
    } else {
        let b: Backend = args
            .backend
            .parse()
            .map_err(|_| anyhow::anyhow!("--backend must be ring, rustcrypto or all"))?;
        if !b.is_available() {
            bail!("this build has no {b} backend");
        }
        vec![b]
    };
    // The GCM suites once per backend, side by side; the others (no AES-GCM) once.
    let mut subjects: Vec<Subject> = backends
        .iter()
        .flat_map(|&b| [Subject::Raw(16, b), Subject::Raw(32, b)])
        .collect();
    for s in SrtpSuite::ALL {
        let n = if s.is_aead() { backends.len() } else { 1 };
        subjects.extend(backends[..n].iter().map(|&b| Subject::Srtp(s, b)));
    }
    for s in SframeSuite::ALL {
        let n = if is_gcm(s) { backends.len() } else { 1 };
        subjects.extend(backends[..n].iter().map(|&b| Subject::Sframe(s, b)));
    }
    let thread_counts: Vec<usize> = if args.threads > 1 {
        vec![1, args.threads]
    } else {
        vec![1]
    };
    let total = (subjects.len() * 2 * args.sizes.len() * thread_counts.len()) as u64;
    let bar = if args.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(total)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg:40} [{bar:30}] {pos}/{len}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    // (subject, op, size, threads) -> (ns/op, MB/s)
    let mut results = Vec::new();
    // Every figure of one size and suite is measured back to back (on one thread, then on
    // N), and the raw AEAD just before the suites, so that drift of the machine's speed over
    // the run affects the ratios as little as possible.
    for &size in &args.sizes {
        for &subject in &subjects {
            for op in [Op::Protect, Op::Unprotect] {
                for &threads in &thread_counts {
                    bar.set_message(format!(
                        "{} {} {size} B x{threads}",
                        subject.suite(),
                        op.name()
                    ));
                    let (ns, mbs) = measure(subject, op, size, threads, budget)?;
                    results.push((subject, op, size, threads, ns, mbs));
                    bar.inc(1);
                }
            }
        }
    }
    results.sort_by_key(|r| r.3);
    bar.finish_and_clear();
    let raw = |subject: Subject, op: Op, size: usize, threads: usize| {
        results
            .iter()
            .find(|r| r.0 == subject.raw() && r.1 == op && r.2 == size && r.3 == threads)
            .map(|r| r.5)
            .unwrap_or(f64::NAN)
    };
    if args.json {
        for &(subject, op, size, threads, ns, mbs) in &results {
            if matches!(subject, Subject::Raw(..)) {
                continue;
            }
            let ratio = mbs / raw(subject, op, size, threads);
            println!(
                "{}",
                json!({
                    "layer": subject.layer(),
                    "suite": subject.suite(),
                    "backend": subject.backend(),
                    "op": op.name(),
                    "size": size,
                    "threads": threads,
                    "ns_per_op": (ns * 10.0).round() / 10.0,
                    "mb_per_s": (mbs * 10.0).round() / 10.0,
                    "ratio_to_raw": (ratio * 1000.0).round() / 1000.0,
                })
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    for &threads in &thread_counts {
        println!("\n{threads} thread{}:", if threads == 1 { "" } else { "s" });
        println!(
            "{:<7} {:<27} {:<10} {:<10} {:>8} {:>12} {:>10} {:>8}",
            "layer", "suite", "backend", "op", "size", "ns/op", "MB/s", "vs raw"
        );
        for &(subject, op, size, t, ns, mbs) in results.iter().filter(|r| r.3 == threads) {
            let ratio = mbs / raw(subject, op, size, t);
            println!(
                "{:<7} {:<27} {:<10} {:<10} {:>8} {:>12.1} {:>10.1} {:>7.2}x",
                subject.layer(),
                subject.suite(),
                subject.backend(),
                op.name(),
                size,
                ns,
                mbs,
                ratio
            );
        }
    }
    if args.threads > 1 {
        println!(
            "\nscaling, {} threads over 1 thread (throughput):",
            args.threads
        );
        for &(subject, op, size, t, _, mbs) in results.iter().filter(|r| r.3 == args.threads) {
            let one = results
                .iter()
                .find(|r| r.0 == subject && r.1 == op && r.2 == size && r.3 == 1)
                .map(|r| r.5)
                .unwrap_or(f64::NAN);
            println!(
                "{:<7} {:<27} {:<10} {:<10} {:>8} B  {:>5.2}x",
                subject.layer(),
                subject.suite(),
                subject.backend(),
                op.name(),
                size,
                mbs / one
            );
            let _ = t;
        }
    }
    Ok(ExitCode::SUCCESS)
}
