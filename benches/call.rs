//! A mixed call through both layers (SFrame inside SRTP), both directions: CPU time per two
//! seconds of call. Audio 50 frames/s (60–160 B), video 30 frames/s (a 30 KB key frame every
//! 2 s, 2–6 KB deltas), screen share a burst of three 100 KB frames.

#[path = "../tests/common/mod.rs"]
mod common;

use callseal::session::{Call, Layers, Packets};
use callseal::{Intent, MediaKind};
use common::{handshake_with, Pair};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

fn calls() -> [Call; 2] {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let ends = handshake_with(&mut rng, b"bench", Intent::On, Intent::On);
    Pair::from_ends(ends, Layers::Both, |c| c).into_calls()
}

/// Two seconds of one side's media: (kind, frame).
fn schedule() -> Vec<(MediaKind, Vec<u8>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut frame = |n: usize| {
        let mut f = vec![0u8; n];
        rng.fill_bytes(&mut f);
        f
    };
    let mut out = Vec::new();
    for i in 0..100 {
        out.push((MediaKind::Audio, frame(60 + i % 100)));
    }
    out.push((MediaKind::Video, frame(30_000)));
    for i in 0..59 {
        out.push((MediaKind::Video, frame(2_000 + (i * 67) % 4_000)));
    }
    for _ in 0..3 {
        out.push((MediaKind::Screen, frame(100_000)));
    }
    out
}

fn mixed_call(c: &mut Criterion) {
    let media = schedule();
    let bytes: usize = media.iter().map(|(_, f)| f.len()).sum();
    let mut g = c.benchmark_group("call");
    g.throughput(Throughput::Bytes(2 * bytes as u64));
    g.measurement_time(Duration::from_secs(8));
    let mut sides = calls();
    let mut packets = Packets::new();
    let mut buf = vec![0u8; 2048];
    let mut ts = 0u32;
    g.bench_function("two_seconds_both_directions_both_layers", |b| {
        b.iter(|| {
            for from in 0..2 {
                for (kind, frame) in &media {
                    ts = ts.wrapping_add(1);
                    packets.clear();
                    sides[from]
                        .send_frame(*kind, frame, ts, Duration::ZERO, &mut packets)
                        .unwrap();
                    for p in packets.iter() {
                        let pb = &mut buf[..p.len()];
                        pb.copy_from_slice(p);
                        sides[1 - from].receive_packet(pb, Duration::ZERO).unwrap();
                    }
                }
            }
        })
    });
    g.finish();
}

criterion_group!(benches, mixed_call);
criterion_main!(benches);
