//! A mixed call through both layers (SFrame inside SRTP), both directions: CPU time per two
//! seconds of call. Audio 50 frames/s (60–160 B), video 30 frames/s (a 30 KB key frame every
//! 2 s, 2–6 KB deltas), screen share a burst of three 100 KB frames.
//!
//! In the same run, the same crypto done raw (`same_crypto_raw`): SFrame seal and open of the
//! same frames and SRTP protect and unprotect of packets of the sizes the call sends, with the
//! same suites and no session. The call path's speed relative to its own crypto is the ratio
//! of the two times.

#[path = "../tests/common/mod.rs"]
mod common;

use callseal::session::{Call, Layers, Packets};
use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Epoch, Intent, KeyId, MediaKind, SframeSuite, SrtpMasterKey, SrtpSuite};
use common::{handshake_with, Pair};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// Both ends of the call, and the SFrame suite they agreed on.
fn calls() -> ([Call; 2], SframeSuite) {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let ends = handshake_with(&mut rng, b"bench", Intent::On, Intent::On);
    let suite = ends.0.sframe_suite();
    (
        Pair::from_ends(ends, Layers::Both, |c| c).into_calls(),
        suite,
    )
}

/// One direction's crypto without a session: an SFrame sender and receiver, an SRTP sender
/// and receiver (the hop suite of the bench's calls, AES-128-GCM).
struct Raw {
    seal: SframeSender,
    open: SframeReceiver,
    protect: SrtpSender,
    unprotect: SrtpReceiver,
    seq: u16,
}

impl Raw {
    fn new(suite: SframeSuite, x: u8) -> Raw {
        let config = SframeConfig::new(suite);
        let mut open = SframeReceiver::new(config).unwrap();
        open.install_key(KeyId(1), Epoch(0), &[x; 32]).unwrap();
        let key = || SrtpMasterKey::new(SrtpSuite::AeadAes128Gcm, &[x; 16], &[x; 12]).unwrap();
        Raw {
            seal: SframeSender::new(&config, KeyId(1), &[x; 32]).unwrap(),
            open,
            protect: SrtpSender::new(&key(), SrtpConfig::default()).unwrap(),
            unprotect: SrtpReceiver::new(&key(), SrtpConfig::default()).unwrap(),
            seq: 0,
        }
    }

    /// Seal and open `frame` in `sealed`; protect and unprotect packets of `sizes` in `packet`.
    fn run(&mut self, frame: &[u8], sizes: &[usize], sealed: &mut [u8], packet: &mut [u8]) {
        let n = self
            .seal
            .seal_into(frame, sealed, FrameOptions::NONE)
            .unwrap();
        self.open
            .open(&mut sealed[..n], FrameOptions::NONE)
            .unwrap();
        for &len in sizes {
            packet[0] = 0x80;
            packet[1] = 96;
            packet[2..4].copy_from_slice(&self.seq.to_be_bytes());
            packet[8..12].copy_from_slice(&[1, 2, 3, 4]);
            self.seq = self.seq.wrapping_add(1);
            let n = self.protect.protect_rtp(packet, len).unwrap();
            self.unprotect.unprotect_rtp(&mut packet[..n]).unwrap();
        }
    }
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
    let (mut sides, suite) = calls();
    let mut packets = Packets::new();
    let mut buf = vec![0u8; 2048];
    let mut ts = 0u32;
    // The plain sizes of the packets the call sends for each frame (without the SRTP trailer).
    let trailer = SrtpSuite::AeadAes128Gcm.srtp_overhead();
    let sizes: Vec<Vec<usize>> = {
        let (mut probe, _) = calls();
        media
            .iter()
            .map(|(kind, frame)| {
                packets.clear();
                probe[0]
                    .send_frame(*kind, frame, 0, Duration::ZERO, &mut packets)
                    .unwrap();
                packets.iter().map(|p| p.len() - trailer).collect()
            })
            .collect()
    };
    let mut call = || {
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
    };
    let mut raw = [Raw::new(suite, 1), Raw::new(suite, 2)];
    let mut sealed = vec![0u8; 100_000 + 64];
    let mut packet = vec![0u8; 2048];
    let mut crypto = || {
        for r in &mut raw {
            for ((_, frame), sizes) in media.iter().zip(&sizes) {
                r.run(frame, sizes, &mut sealed, &mut packet);
            }
        }
    };
    // The ratio from interleaved rounds, so that both see the same machine.
    let mut ratios = Vec::new();
    for _ in 0..61 {
        let t = Instant::now();
        call();
        let call_time = t.elapsed();
        let t = Instant::now();
        crypto();
        ratios.push(t.elapsed().as_secs_f64() / call_time.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    eprintln!(
        "call path speed / its own crypto's: median {:.2} (quartiles {:.2}–{:.2}) over {} interleaved rounds",
        ratios[ratios.len() / 2],
        ratios[ratios.len() / 4],
        ratios[3 * ratios.len() / 4],
        ratios.len()
    );
    g.bench_function("two_seconds_both_directions_both_layers", |b| {
        b.iter(&mut call)
    });
    g.bench_function("same_crypto_raw", |b| b.iter(&mut crypto));
    g.finish();
}

criterion_group!(benches, mixed_call);
criterion_main!(benches);
