//! SRTP protect and unprotect at 160 and 1,200-byte payloads for every suite, next to ring's
//! raw AES-128-GCM seal and open over the same payload with a 12-byte AAD (the ceiling). With
//! `--features rustcrypto` the GCM suites run on both AES-GCM backends, beside RustCrypto's raw
//! AES-128-GCM too (`*_rustcrypto`).

use callseal::crypto::Backend;
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{SrtpMasterKey, SrtpSuite};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use ring::aead;
use std::hint::black_box;

const SSRC: u32 = 0x1234_5678;

fn key(suite: SrtpSuite) -> SrtpMasterKey {
    SrtpMasterKey::new(
        suite,
        &vec![0x42; suite.key_len()],
        &vec![0x24; suite.salt_len()],
    )
    .unwrap()
}

/// A 12-byte RTP header and `payload` bytes, with room for any suite's tag.
fn packet(seq: u16, payload: usize) -> Vec<u8> {
    let mut p = vec![0u8; 12 + payload + 32];
    p[0] = 0x80;
    p[1] = 111;
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    p[8..12].copy_from_slice(&SSRC.to_be_bytes());
    for (i, b) in p[12..12 + payload].iter_mut().enumerate() {
        *b = i as u8;
    }
    p
}

fn bench(c: &mut Criterion) {
    for payload in [160usize, 1200] {
        let mut g = c.benchmark_group(format!("srtp_{payload}B"));
        g.throughput(Throughput::Bytes(payload as u64));

        let ring_key =
            aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_128_GCM, &[0x42; 16]).unwrap());
        let aad = [0x80u8; 12];
        g.bench_function("ring_aes128gcm_seal", |b| {
            let mut buf = vec![7u8; payload];
            b.iter(|| {
                let tag = ring_key
                    .seal_in_place_separate_tag(
                        aead::Nonce::assume_unique_for_key([1; 12]),
                        aead::Aad::from(&aad),
                        black_box(&mut buf[..]),
                    )
                    .unwrap();
                let _ = black_box(tag);
            })
        });
        g.bench_function("ring_aes128gcm_open", |b| {
            let mut sealed = vec![7u8; payload];
            let tag = ring_key
                .seal_in_place_separate_tag(
                    aead::Nonce::assume_unique_for_key([1; 12]),
                    aead::Aad::from(&aad),
                    &mut sealed,
                )
                .unwrap();
            b.iter_batched_ref(
                || sealed.clone(),
                |buf| {
                    ring_key
                        .open_in_place_separate_tag(
                            aead::Nonce::assume_unique_for_key([1; 12]),
                            aead::Aad::from(&aad),
                            tag,
                            black_box(&mut buf[..]),
                            0..,
                        )
                        .unwrap();
                },
                BatchSize::SmallInput,
            )
        });

        #[cfg(feature = "rustcrypto")]
        rustcrypto_raw(&mut g, payload, &aad);

        let runs = SrtpSuite::ALL.into_iter().flat_map(|suite| {
            Backend::available()
                .filter(move |&b| b == Backend::Ring || suite.is_aead())
                .map(move |b| (suite, b))
        });
        for (suite, backend) in runs {
            let config = SrtpConfig::default().with_backend(backend);
            let name = match backend {
                Backend::Ring => suite.name().to_string(),
                b => format!("{}_{b}", suite.name()),
            };
            g.bench_function(format!("{name}_protect"), |b| {
                let mut tx = SrtpSender::new(&key(suite), config).unwrap();
                let mut buf = packet(0, payload);
                let len = 12 + payload;
                let mut seq = 0u16;
                b.iter(|| {
                    seq = seq.wrapping_add(1);
                    buf[2..4].copy_from_slice(&seq.to_be_bytes());
                    black_box(tx.protect_rtp(black_box(&mut buf), len).unwrap());
                })
            });
            g.bench_function(format!("{name}_unprotect"), |b| {
                let mut tx = SrtpSender::new(&key(suite), config).unwrap();
                let mut rx = SrtpReceiver::new(&key(suite), config).unwrap();
                let mut seq = 0u16;
                b.iter_batched_ref(
                    || {
                        seq = seq.wrapping_add(1);
                        let mut p = packet(seq, payload);
                        let n = tx.protect_rtp(&mut p, 12 + payload).unwrap();
                        p.truncate(n);
                        p
                    },
                    |buf| {
                        black_box(rx.unprotect_rtp(black_box(&mut buf[..])).unwrap().len());
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        g.finish();
    }
}

/// RustCrypto's raw AES-128-GCM seal and open, as ring's above.
#[cfg(feature = "rustcrypto")]
fn rustcrypto_raw(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    payload: usize,
    aad: &[u8],
) {
    use aes_gcm::aead::AeadInOut;
    use aes_gcm::KeyInit;
    let key = aes_gcm::Aes128Gcm::new(&[0x42; 16].into());
    g.bench_function("rustcrypto_aes128gcm_seal", |b| {
        let mut buf = vec![7u8; payload];
        b.iter(|| {
            let tag = key
                .encrypt_inout_detached(&[1; 12].into(), aad, black_box(&mut buf[..]).into())
                .unwrap();
            black_box(tag);
        })
    });
    g.bench_function("rustcrypto_aes128gcm_open", |b| {
        let mut sealed = vec![7u8; payload];
        let tag = key
            .encrypt_inout_detached(&[1; 12].into(), aad, sealed.as_mut_slice().into())
            .unwrap();
        b.iter_batched_ref(
            || sealed.clone(),
            |buf| {
                key.decrypt_inout_detached(
                    &[1; 12].into(),
                    aad,
                    black_box(&mut buf[..]).into(),
                    &tag,
                )
                .unwrap();
            },
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
