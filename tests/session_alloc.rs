//! After warm-up, a call sends and receives frames without allocating, per-frame and
//! per-packet SFrame alike: a counting global allocator proves it.

mod common;

use callseal::rtp_sframe::SframeMode;
use callseal::session::{Call, Packets};
use callseal::{Intent, MediaKind};
use common::{alloc, handshake_with, Pair, LAYERS};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

#[test]
fn no_allocation_per_frame_after_warm_up() {
    let modes = [SframeMode::PerFrame, SframeMode::PerPacket];
    for (layers, mode) in LAYERS.into_iter().flat_map(|l| modes.map(|m| (l, m))) {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let ends = handshake_with(&mut rng, b"alloc", Intent::On, Intent::On);
        let [mut a, mut b] =
            Pair::from_ends(ends, layers, |c| c.with_sframe_mode(mode)).into_calls();
        let frames: Vec<(MediaKind, Vec<u8>)> = vec![
            (MediaKind::Audio, vec![1; 120]),
            (MediaKind::Video, vec![2; 30_000]),
            (MediaKind::Screen, vec![3; 100_000]),
        ];
        let mut packets = Packets::new();
        let mut buf = vec![0u8; 2048];
        let mut ts = 0u32;
        let mut run = |a: &mut Call, b: &mut Call| {
            for (kind, f) in &frames {
                ts += 1;
                packets.clear();
                a.send_frame(*kind, f, ts, Duration::ZERO, &mut packets)
                    .unwrap();
                let mut got = 0;
                for p in packets.iter() {
                    buf[..p.len()].copy_from_slice(p);
                    if let Some(r) = b
                        .receive_packet(&mut buf[..p.len()], Duration::ZERO)
                        .unwrap()
                    {
                        got = r.frame.len();
                    }
                }
                assert_eq!(got, f.len());
            }
        };
        // Warm-up: buffers grow to the largest frame once.
        for _ in 0..20 {
            run(&mut a, &mut b);
        }
        // Counted in every thread (this binary has one test): the calls never allocate
        // elsewhere either.
        let before = alloc::all_allocations();
        for _ in 0..50 {
            run(&mut a, &mut b);
        }
        assert_eq!(alloc::all_allocations() - before, 0, "{layers:?} {mode:?}");
    }
}
