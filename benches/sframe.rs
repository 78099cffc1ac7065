//! SFrame seal and open at 160 B, 1,200 B, 16 KiB and 100 KiB frames, for every suite, next to
//! ring's raw AES-128-GCM and the `sframe` crate (ring backend) in the same group.
//!
//! The ring baselines are AES-128-GCM in place with a counter nonce, the tag written after the
//! ciphertext (seal) or read from there (open): once with no AAD at all (the floor), once with
//! a 4-byte AAD, the AEAD work of an SFrame frame without its framing (no header encoding, no
//! key lookup, no replay window). Each open group also times ring's raw seal, the reference of
//! the speed targets. callseal seals in place with headroom and opens in place.
//!
//! `cargo bench --bench sframe`; results in `target/criterion/`.

use callseal::sframe::{FrameOptions, SEAL_HEADROOM};
use callseal::sframe::{SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, KeyId, SframeSuite};
use criterion::measurement::WallTime;
use criterion::{
    black_box, criterion_group, criterion_main, BatchSize, BenchmarkGroup, Criterion, Throughput,
};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
use std::time::Duration;

const SIZES: [(usize, &str); 4] = [
    (160, "160B"),
    (1200, "1200B"),
    (16 * 1024, "16KiB"),
    (100 * 1024, "100KiB"),
];
/// ring's AES-128-GCM alone: with no AAD (the floor), and with a 4-byte AAD, the length of
/// the SFrame headers these benches produce (every SFrame frame authenticates its header).
const RING_BASELINES: [(&str, &[u8]); 2] = [
    ("ring_raw/AES_128_GCM", &[]),
    ("ring_raw_header_aad/AES_128_GCM", &[0x0a, 0x01, 0x02, 0x03]),
];
const BASE_KEY: [u8; 32] = [0x3c; 32];
const KID: u64 = 5;

fn ring_key() -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &[0x11; 16]).unwrap())
}

fn nonce(n: u64) -> Nonce {
    let mut b = [0u8; 12];
    b[4..].copy_from_slice(&n.to_be_bytes());
    Nonce::assume_unique_for_key(b)
}

fn sframe_suites() -> [(SframeSuite, sframe::CipherSuite); 2] {
    [
        (
            SframeSuite::Aes128GcmSha256_128,
            sframe::CipherSuite::AesGcm128Sha256,
        ),
        (
            SframeSuite::Aes256GcmSha512_128,
            sframe::CipherSuite::AesGcm256Sha512,
        ),
    ]
}

/// Frames opened per timed batch: enough to hide the timer, few enough that a batch of
/// freshly sealed frames stays in cache (as a frame just received is).
fn batch(size: usize) -> BatchSize {
    BatchSize::NumIterations((64 * 1024 / size).clamp(1, 256) as u64)
}

fn pair(suite: SframeSuite) -> (SframeSender, SframeReceiver) {
    let config = SframeConfig::new(suite);
    // One fixed key for every group; the sealed frames never leave the bench.
    let tx = SframeSender::dangerous_new_unguarded(&config, KeyId(KID), &BASE_KEY).unwrap();
    let mut rx = SframeReceiver::new(config).unwrap();
    rx.install_key(KeyId(KID), Epoch(0), &BASE_KEY).unwrap();
    (tx, rx)
}

/// ring's raw seal of `size` bytes in place, the tag written after them.
fn ring_seal(g: &mut BenchmarkGroup<'_, WallTime>, name: &str, size: usize, aad: &[u8]) {
    let key = ring_key();
    let mut buf = vec![0x5a; size + 16];
    let mut n = 0u64;
    g.bench_function(name, |b| {
        b.iter(|| {
            n += 1;
            let (body, tag_out) = buf.split_at_mut(size);
            let tag = key
                .seal_in_place_separate_tag(nonce(n), Aad::from(aad), body)
                .unwrap();
            tag_out.copy_from_slice(tag.as_ref());
            black_box(&buf);
        })
    });
}

fn seal(c: &mut Criterion) {
    for (size, label) in SIZES {
        let mut g = c.benchmark_group(format!("sframe_seal/{label}"));
        g.throughput(Throughput::Bytes(size as u64));

        for (name, aad) in RING_BASELINES {
            ring_seal(&mut g, name, size, aad);
        }

        for suite in SframeSuite::ALL {
            let (mut tx, _) = pair(suite);
            let mut buf = vec![0x5a; SEAL_HEADROOM + size + suite.tag_len()];
            g.bench_function(format!("callseal/{}", suite.name()), |b| {
                b.iter(|| {
                    let sealed = tx
                        .seal_in_place(&mut buf, size, FrameOptions::NONE)
                        .unwrap();
                    black_box(sealed.len());
                })
            });
        }

        let (mut tx, _) = pair(SframeSuite::Aes128GcmSha256_128);
        let frame = vec![0x5a; size];
        let mut out = vec![0u8; size + tx.max_overhead()];
        g.bench_function("callseal_seal_into/AES_128_GCM_SHA256_128", |b| {
            b.iter(|| {
                let n = tx.seal_into(&frame, &mut out, FrameOptions::NONE).unwrap();
                black_box(n);
            })
        });

        for (ours, theirs) in sframe_suites() {
            let key = sframe::key::EncryptionKey::derive_from(theirs, KID, BASE_KEY).unwrap();
            let mut counter = sframe::frame::MonotonicCounter::default();
            let frame = vec![0x5a; size];
            let mut out = Vec::with_capacity(size + 64);
            g.bench_function(format!("sframe_crate/{}", ours.name()), |b| {
                b.iter(|| {
                    let media =
                        sframe::frame::MediaFrameView::try_new(&mut counter, &frame).unwrap();
                    let sealed = media.encrypt_into(&key, &mut out).unwrap();
                    black_box(sealed.cipher_text().len());
                })
            });
        }
        g.finish();
    }
}

fn open(c: &mut Criterion) {
    for (size, label) in SIZES {
        let mut g = c.benchmark_group(format!("sframe_open/{label}"));
        g.throughput(Throughput::Bytes(size as u64));

        // The reference the targets name: ring's raw seal, here beside the opens too.
        ring_seal(&mut g, "ring_raw_seal/AES_128_GCM", size, &[]);
        let key = ring_key();
        for (name, aad) in RING_BASELINES {
            let mut sealed = vec![0x5a; size];
            let tag = key
                .seal_in_place_separate_tag(nonce(1), Aad::from(aad), &mut sealed)
                .unwrap();
            sealed.extend_from_slice(tag.as_ref());
            g.bench_function(name, |b| {
                b.iter_batched(
                    || sealed.clone(),
                    |mut f| {
                        let plain = key.open_in_place(nonce(1), Aad::from(aad), &mut f).unwrap();
                        black_box(plain.len());
                        f
                    },
                    batch(size),
                )
            });
        }

        for suite in SframeSuite::ALL {
            let (mut tx, mut rx) = pair(suite);
            let frame = vec![0x5a; size];
            g.bench_function(format!("callseal/{}", suite.name()), |b| {
                b.iter_batched(
                    || {
                        let mut out = vec![0u8; size + suite.max_overhead()];
                        let n = tx.seal_into(&frame, &mut out, FrameOptions::NONE).unwrap();
                        out.truncate(n);
                        out
                    },
                    |mut f| {
                        let plain = rx.open(&mut f, FrameOptions::NONE).unwrap();
                        black_box(plain.len());
                        f
                    },
                    batch(size),
                )
            });
        }

        for (ours, theirs) in sframe_suites() {
            let enc = sframe::key::EncryptionKey::derive_from(theirs, KID, BASE_KEY).unwrap();
            let dec = sframe::key::DecryptionKey::derive_from(theirs, KID, BASE_KEY).unwrap();
            let mut counter = sframe::frame::MonotonicCounter::default();
            let frame = vec![0x5a; size];
            let mut buf = Vec::new();
            let media = sframe::frame::MediaFrameView::try_new(&mut counter, &frame).unwrap();
            let sealed = media
                .encrypt_into(&enc, &mut buf)
                .unwrap()
                .sframe_cipher_text()
                .to_vec();
            let mut out = Vec::with_capacity(size + 64);
            g.bench_function(format!("sframe_crate/{}", ours.name()), |b| {
                b.iter_batched(
                    || sealed.clone(),
                    |f| {
                        let view = sframe::frame::EncryptedFrameView::try_new(&f).unwrap();
                        let plain = view.decrypt_into(&dec, &mut out).unwrap();
                        black_box(plain.payload().len());
                        f
                    },
                    batch(size),
                )
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = seal, open
}
criterion_main!(benches);
