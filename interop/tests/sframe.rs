//! Cross-implementation tests against the `sframe` crate (RFC 9605, an independent
//! implementation): frames sealed by callseal open with `sframe`, and frames sealed by `sframe`
//! open with callseal, for every suite the selected `sframe` backend supports, over random
//! frame sizes from 0 to 200 KiB, many KIDs and counters, with and without metadata.
//!
//! With the default `sframe-ring` feature the `sframe` crate uses ring, which has only the
//! AES-GCM suites; with `sframe-rust-crypto` it uses RustCrypto and has all five.
#![cfg(any(feature = "sframe-ring", feature = "sframe-rust-crypto"))]

use callseal::sframe::{FrameOptions, Header, SEAL_HEADROOM};
use callseal::sframe::{SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, FrameCounter, KeyId, SframeSuite};
use callseal_interop::with_backends;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sframe::frame::{EncryptedFrameView, MediaFrameView, MonotonicCounter};
use sframe::key::{DecryptionKey, EncryptionKey};
use sframe::CipherSuite;

/// The suites both implementations support with this backend.
fn suites() -> Vec<(SframeSuite, CipherSuite)> {
    #[allow(unused_mut)]
    let mut v = vec![
        (
            SframeSuite::Aes128GcmSha256_128,
            CipherSuite::AesGcm128Sha256,
        ),
        (
            SframeSuite::Aes256GcmSha512_128,
            CipherSuite::AesGcm256Sha512,
        ),
    ];
    #[cfg(feature = "sframe-rust-crypto")]
    v.extend([
        (
            SframeSuite::AesCtr128HmacSha256_80,
            CipherSuite::AesCtr128HmacSha256_80,
        ),
        (
            SframeSuite::AesCtr128HmacSha256_64,
            CipherSuite::AesCtr128HmacSha256_64,
        ),
        (
            SframeSuite::AesCtr128HmacSha256_32,
            CipherSuite::AesCtr128HmacSha256_32,
        ),
    ]);
    v
}

#[test]
fn backend_suites() {
    let n = suites().len();
    if cfg!(feature = "sframe-rust-crypto") {
        assert_eq!(n, 5);
    } else {
        assert_eq!(n, 2);
    }
}

const MAX_FRAME: usize = 200 * 1024;
const FRAMES_PER_SUITE: usize = 160;

/// One stream (KID, base key, first counter) and the frames with metadata it carries.
struct Case {
    kid: u64,
    base: Vec<u8>,
    first_ctr: u64,
    frames: Vec<(Vec<u8>, Vec<u8>)>,
}

fn random_len(rng: &mut ChaCha8Rng) -> usize {
    let r = rng.next_u32() as usize;
    match r % 4 {
        0 => r / 4 % 300,
        1 => r / 4 % 2000,
        2 => r / 4 % (16 * 1024),
        _ => r / 4 % (MAX_FRAME + 1),
    }
}

/// Values of every encoded length, 0 to 8 bytes beyond the config byte.
fn random_u64(rng: &mut ChaCha8Rng) -> u64 {
    let shift = rng.next_u32() % 64;
    rng.next_u64() >> shift
}

fn bytes(rng: &mut ChaCha8Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill_bytes(&mut v);
    v
}

fn cases(seed: u64) -> Vec<Case> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out: Vec<Case> = Vec::new();
    let mut edges = vec![0usize, 1, 15, 16, 17, 160, 1200, MAX_FRAME].into_iter();
    while out.iter().map(|c| c.frames.len()).sum::<usize>() < FRAMES_PER_SUITE {
        let kid = match out.len() {
            0 => 0,
            1 => 7,
            2 => 8,
            3 => u64::MAX,
            _ => random_u64(&mut rng),
        };
        if out.iter().any(|c| c.kid == kid) {
            continue;
        }
        let first_ctr = match out.len() {
            3 => u64::MAX - 10,
            _ => random_u64(&mut rng).min(u64::MAX - 10),
        };
        let base_len = 16 + rng.next_u32() as usize % 48;
        let base = bytes(&mut rng, base_len);
        let n = 1 + rng.next_u32() as usize % 8;
        let frames = (0..n)
            .map(|_| {
                let len = edges.next().unwrap_or_else(|| random_len(&mut rng));
                let meta_len = if rng.next_u32() % 3 == 0 {
                    rng.next_u32() as usize % 64
                } else {
                    0
                };
                (bytes(&mut rng, len), bytes(&mut rng, meta_len))
            })
            .collect();
        out.push(Case {
            kid,
            base,
            first_ctr,
            frames,
        });
    }
    out
}

#[test]
fn callseal_seals_sframe_opens() {
    for (run, backend, (ours, theirs)) in with_backends(suites()) {
        let config = SframeConfig::new(ours).with_backend(backend);
        let mut count = 0;
        for case in cases(1 + 100 * run) {
            let mut tx = SframeSender::new(&config, KeyId(case.kid), &case.base).unwrap();
            tx.skip_to(FrameCounter(case.first_ctr)).unwrap();
            let key = DecryptionKey::derive_from(theirs, case.kid, &case.base).unwrap();
            for (i, (frame, meta)) in case.frames.iter().enumerate() {
                let opts = FrameOptions::default().with_metadata(meta);
                // Alternate the two sealing forms.
                let sealed: Vec<u8> = if i % 2 == 0 {
                    let mut out = vec![0u8; frame.len() + ours.max_overhead()];
                    let n = tx.seal_into(frame, &mut out, opts).unwrap();
                    out.truncate(n);
                    out
                } else {
                    let mut buf = vec![0u8; SEAL_HEADROOM + frame.len() + ours.tag_len()];
                    buf[SEAL_HEADROOM..][..frame.len()].copy_from_slice(frame);
                    tx.seal_in_place(&mut buf, frame.len(), opts)
                        .unwrap()
                        .to_vec()
                };
                let view = EncryptedFrameView::try_with_meta_data(&sealed, meta).unwrap();
                assert_eq!(view.header().key_id(), case.kid);
                assert_eq!(view.header().counter(), case.first_ctr + i as u64);
                let mut out = Vec::new();
                let plain = view
                    .decrypt_into(&key, &mut out)
                    .unwrap_or_else(|e| panic!("{ours} kid {} len {}: {e}", case.kid, frame.len()));
                assert_eq!(plain.payload(), &frame[..]);
                count += 1;
            }
        }
        assert!(count >= FRAMES_PER_SUITE);
    }
}

#[test]
fn sframe_seals_callseal_opens() {
    for (run, backend, (ours, theirs)) in with_backends(suites()) {
        let config = SframeConfig::new(ours)
            .with_backend(backend)
            .with_max_keys(256);
        let mut rx = SframeReceiver::new(config).unwrap();
        // One receiver holds every KID; frames of different streams arrive interleaved.
        let mut sealed = Vec::new();
        for case in cases(2 + 100 * run) {
            rx.install_key(KeyId(case.kid), Epoch(0), &case.base)
                .unwrap();
            let key = EncryptionKey::derive_from(theirs, case.kid, &case.base).unwrap();
            let mut counter = MonotonicCounter::with_start_value(case.first_ctr, u64::MAX);
            for (frame, meta) in case.frames {
                let media =
                    MediaFrameView::try_with_meta_data(&mut counter, &frame, &meta).unwrap();
                let mut buf = Vec::new();
                let enc = media.encrypt_into(&key, &mut buf).unwrap();
                let ct = enc.sframe_cipher_text().to_vec();
                sealed.push((ct, meta, frame));
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for i in (1..sealed.len()).rev() {
            let j = rng.next_u32() as usize % (i + 1);
            sealed.swap(i, j);
        }
        for (mut ct, meta, frame) in sealed {
            let (header, _) = Header::decode(&ct).unwrap();
            let opts = FrameOptions::default().with_metadata(&meta);
            let got = rx
                .open(&mut ct, opts)
                .unwrap_or_else(|e| panic!("{ours} {header:?} len {}: {e}", frame.len()));
            assert_eq!(got, &frame[..]);
        }
    }
}

/// A clear prefix is RFC 9605 metadata: `sealed[n..]` is the SFrame ciphertext of the rest of
/// the frame with metadata `metadata ‖ prefix`.
#[test]
fn clear_prefix_is_metadata_both_ways() {
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for (_, backend, (ours, theirs)) in with_backends(suites()) {
        let config = SframeConfig::new(ours).with_backend(backend);
        let base = bytes(&mut rng, 32);
        let kid = 0x5_0001;
        let mut tx = SframeSender::new(&config, KeyId(kid), &base).unwrap();
        let mut rx = SframeReceiver::new(config).unwrap();
        rx.install_key(KeyId(kid), Epoch(0), &base).unwrap();
        let dec = DecryptionKey::derive_from(theirs, kid, &base).unwrap();
        let enc = EncryptionKey::derive_from(theirs, kid, &base).unwrap();
        let mut counter = MonotonicCounter::with_start_value(1 << 40, u64::MAX);
        for _ in 0..20 {
            let len = random_len(&mut rng).max(12);
            let frame = bytes(&mut rng, len);
            let n = rng.next_u32() as usize % 11;
            let meta_len = rng.next_u32() as usize % 9;
            let meta = bytes(&mut rng, meta_len);
            let opts = FrameOptions::default()
                .with_metadata(&meta)
                .with_clear_prefix(n);
            let aad_meta = [&meta[..], &frame[..n]].concat();

            let mut out = vec![0u8; len + ours.max_overhead()];
            let m = tx.seal_into(&frame, &mut out, opts).unwrap();
            assert_eq!(&out[..n], &frame[..n]);
            let view = EncryptedFrameView::try_with_meta_data(&out[n..m], &aad_meta).unwrap();
            let mut plain = Vec::new();
            let got = view.decrypt_into(&dec, &mut plain).unwrap();
            assert_eq!(got.payload(), &frame[n..]);

            let media =
                MediaFrameView::try_with_meta_data(&mut counter, &frame[n..], &aad_meta).unwrap();
            let mut buf = Vec::new();
            let sealed = media.encrypt_into(&enc, &mut buf).unwrap();
            let mut wire = [&frame[..n], sealed.sframe_cipher_text()].concat();
            assert_eq!(rx.open(&mut wire, opts).unwrap(), &frame[..]);
        }
    }
}

/// A frame the `sframe` crate sealed under one KID, relabelled with another KID, does not
/// open in callseal.
#[test]
fn relabelled_kid_fails() {
    for (_, backend, (ours, theirs)) in with_backends(suites()) {
        let base = [3u8; 32];
        let enc = EncryptionKey::derive_from(theirs, 1u64, &base[..]).unwrap();
        let mut counter = MonotonicCounter::default();
        let media = MediaFrameView::try_new(&mut counter, b"frame").unwrap();
        let mut buf = Vec::new();
        let sealed = media.encrypt_into(&enc, &mut buf).unwrap();
        let mut ct = sealed.sframe_cipher_text().to_vec();
        let mut rx = SframeReceiver::new(SframeConfig::new(ours).with_backend(backend)).unwrap();
        rx.install_key(KeyId(2), Epoch(0), &base).unwrap();
        ct[0] = (ct[0] & 0x8f) | (2 << 4);
        assert_eq!(
            rx.open(&mut ct, FrameOptions::NONE),
            Err(callseal::Error::Authentication)
        );
    }
}
