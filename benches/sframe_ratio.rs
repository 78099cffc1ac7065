//! The SFrame speed targets as ratios measured by interleaving: each round times a batch of
//! ring's raw AES-128-GCM, then the same batch through callseal, so that a slow spell of the
//! machine hits both alike. Prints the median time per frame of each and the ratios.
//!
//! `cargo bench --bench sframe_ratio`. The criterion bench `sframe` gives the full table; this
//! one exists because on a shared machine consecutive criterion benchmarks can land in
//! different spells.

use callseal::sframe::{FrameOptions, SEAL_HEADROOM};
use callseal::sframe::{SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, KeyId, SframeSuite};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn nonce(n: u64) -> Nonce {
    let mut b = [0u8; 12];
    b[4..].copy_from_slice(&n.to_be_bytes());
    Nonce::assume_unique_for_key(b)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// The median nanoseconds per frame of: ring seal, ring seal with a header-sized AAD, callseal
/// seal, ring open, ring open with the AAD, callseal open.
fn measure(size: usize, budget: Duration) -> [f64; 6] {
    let batch = (64 * 1024 / size).clamp(4, 128);
    let config = SframeConfig::new(SframeSuite::Aes128GcmSha256_128);
    // A fixed key for every size; the sealed frames never leave the bench.
    let mut tx = SframeSender::dangerous_new_unguarded(&config, KeyId(5), &[3u8; 32]).unwrap();
    let mut rx = SframeReceiver::new(config).unwrap();
    rx.install_key(KeyId(5), Epoch(0), &[3u8; 32]).unwrap();
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &[1; 16]).unwrap());
    let aads: [&[u8]; 2] = [&[], &[0x0a, 1, 2, 3]];
    let mut ring_bufs = vec![vec![vec![0x5au8; size + 16]; batch]; 2];
    let mut ours = vec![vec![0x5au8; SEAL_HEADROOM + size + 16]; batch];
    let mut ranges = vec![0..0; batch];
    let mut times: [Vec<f64>; 6] = Default::default();
    let mut n = 0u64;
    let start = Instant::now();
    while start.elapsed() < budget {
        for (i, aad) in aads.iter().enumerate() {
            let first = n;
            let t = Instant::now();
            for b in ring_bufs[i].iter_mut() {
                n += 1;
                let (body, tag_out) = b.split_at_mut(size);
                let tag = key
                    .seal_in_place_separate_tag(nonce(n), Aad::from(aad), body)
                    .unwrap();
                tag_out.copy_from_slice(tag.as_ref());
            }
            times[i].push(t.elapsed().as_nanos() as f64 / batch as f64);
            let t = Instant::now();
            let mut m = first;
            for b in ring_bufs[i].iter_mut() {
                m += 1;
                let plain = key.open_in_place(nonce(m), Aad::from(aad), b).unwrap();
                black_box(plain.len());
            }
            times[3 + i].push(t.elapsed().as_nanos() as f64 / batch as f64);
        }
        let t = Instant::now();
        for (b, r) in ours.iter_mut().zip(ranges.iter_mut()) {
            let len = b.len();
            let sealed = tx.seal_in_place(b, size, FrameOptions::NONE).unwrap();
            *r = len - sealed.len()..len;
        }
        times[2].push(t.elapsed().as_nanos() as f64 / batch as f64);
        let t = Instant::now();
        for (b, r) in ours.iter_mut().zip(ranges.iter()) {
            let plain = rx.open(&mut b[r.clone()], FrameOptions::NONE).unwrap();
            black_box(plain.len());
        }
        times[5].push(t.elapsed().as_nanos() as f64 / batch as f64);
        // The frames were opened in place: restore a plaintext to seal next round.
        for b in ours.iter_mut() {
            b[SEAL_HEADROOM..SEAL_HEADROOM + size].fill(0x5a);
        }
    }
    times.map(|mut v| median(&mut v))
}

fn main() {
    println!("AES_128_GCM_SHA256_128, ratios ring / callseal (higher is better)");
    println!(
        "{:>7} | {:>9} {:>9} {:>9} {:>11} {:>10} | {:>9} {:>9} {:>9} {:>11} {:>10} {:>11}",
        "frame",
        "ring",
        "ring+aad",
        "callseal",
        "vs ring",
        "vs +aad",
        "ring",
        "ring+aad",
        "callseal",
        "vs ring",
        "vs +aad",
        "vs seal"
    );
    for (size, label) in [
        (160, "160 B"),
        (1200, "1200 B"),
        (16384, "16 KiB"),
        (102400, "100 KiB"),
    ] {
        let m = measure(size, Duration::from_secs(4));
        println!(
            "{label:>7} | {:>7.0}ns {:>7.0}ns {:>7.0}ns {:>10.3}x {:>9.3}x | {:>7.0}ns {:>7.0}ns {:>7.0}ns {:>10.3}x {:>9.3}x {:>10.3}x",
            m[0], m[1], m[2], m[0] / m[2], m[1] / m[2], m[3], m[4], m[5], m[3] / m[5], m[4] / m[5], m[0] / m[5]
        );
    }
    println!(
        "(left: seal; right: open, also against ring's raw seal; medians over interleaved batches)"
    );
}
