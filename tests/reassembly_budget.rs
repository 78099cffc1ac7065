//! Defect 4: without SRTP the fragment header is unauthenticated, and one forged first
//! fragment made the receiver allocate and zero about 4 MiB; eight of them evicted every frame
//! in flight. Reassembly now costs each packet its own bytes, inside a budget allocated once.

mod common;

use callseal::session::{Layers, DEFAULT_MAX_FRAME, DEFAULT_REASSEMBLY_BUDGET};
use callseal::MediaKind;
use common::{alloc, Pair};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

#[global_allocator]
static A: alloc::Counting = alloc::Counting;

/// Live bytes are counted for the whole process: one test at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Deliver a packet; returns the allocations the call made for it.
fn receive(call: &mut callseal::session::Call, mut q: Vec<u8>) -> usize {
    let before = alloc::allocations();
    let _ = call.receive_packet(&mut q, Duration::ZERO);
    alloc::allocations() - before
}

/// A packet of stream `ssrc` claiming to be the first of as many fragments of `body` bytes as
/// make a frame just under 4 MiB, with those `body` bytes of payload.
fn forged_first_fragment(ssrc: [u8; 4], seq: u16, ts: u32, body: usize) -> Vec<u8> {
    let count = ((4 << 20) / body) as u16;
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc);
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&count.to_be_bytes());
    p.extend_from_slice(&(body as u16).to_be_bytes());
    p.resize(p.len() + body, 0xee);
    p
}

#[test]
fn forged_fragments_cost_only_their_own_bytes() {
    let _serial = SERIAL.lock().unwrap();
    for layers in [Layers::Sframe, Layers::Both, Layers::Srtp] {
        let before = alloc::live();
        let mut p = Pair::new(layers, 1, |c| c);
        let made = alloc::live() - before;
        // Everything the two ends hold is allocated at the start: per end the reassembly
        // budget, the buffer frames are sealed in, index tables and keys.
        assert!(
            made < 2 * (DEFAULT_REASSEMBLY_BUDGET + DEFAULT_MAX_FRAME + (512 << 10)),
            "{layers:?}: {made} bytes"
        );
        let ssrc = p.a.local_ssrcs()[MediaKind::Video as usize].0.to_be_bytes();

        // A genuine video frame is in flight: all its packets but the last have arrived.
        let frame: Vec<u8> = (0..30_000u32).map(|i| (i * 7) as u8).collect();
        let packets = p.packets(true, MediaKind::Video, &frame, 90_000, Duration::ZERO);
        let (last, rest) = packets.split_last().unwrap();
        for q in rest {
            assert!(p
                .b
                .receive_packet(&mut q.clone(), Duration::ZERO)
                .unwrap()
                .is_none());
        }
        let first_seq = u16::from_be_bytes([rest[0][2], rest[0][3]]);

        // 1,000 forged first fragments, each claiming a 4 MiB frame, every one of another
        // frame: no allocation, no byte more memory, and the frame in flight survives.
        let forged: Vec<Vec<u8>> = (0..1000u16)
            .map(|i| forged_first_fragment(ssrc, first_seq + 100 + i, u32::from(i), 1100))
            .collect();
        alloc::reset_peak();
        let live = alloc::live();
        let mut allocations = 0;
        for q in forged {
            allocations += receive(&mut p.b, q);
        }
        assert_eq!(allocations, 0, "{layers:?}");
        assert!(alloc::peak() <= live, "{layers:?}");
        let got = common::deliver(&mut p.b, [last.clone()], Duration::ZERO).unwrap();
        assert_eq!(got.map(|(_, f)| f).as_ref(), Some(&frame), "{layers:?}");

        // Random bytes from the peer's SSRCs, any length up to 9 KiB: still nothing allocated.
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut allocations = 0;
        for _ in 0..5000 {
            let mut q = vec![0u8; 12 + rng.next_u32() as usize % 9000];
            rng.fill_bytes(&mut q);
            q[0] = 0x80;
            q[8..12].copy_from_slice(&ssrc);
            allocations += receive(&mut p.b, q);
        }
        assert_eq!(allocations, 0, "{layers:?}");
        assert!(
            alloc::peak() <= live + 9012,
            "{layers:?}: the test's own packet only"
        );
        // And the call goes on.
        let (_, got) = p
            .send(true, MediaKind::Screen, &frame, Duration::ZERO)
            .unwrap()
            .unwrap();
        assert_eq!(got, frame);
    }
}

/// The budget bounds what is held; a flood larger than it pushes out the oldest bytes, never
/// grows memory, and the next genuine frame arrives whole.
#[test]
fn a_flood_larger_than_the_budget_never_grows_memory() {
    let _serial = SERIAL.lock().unwrap();
    let mut p = Pair::new(Layers::Sframe, 2, |c| c);
    let ssrc = p.a.local_ssrcs()[MediaKind::Screen as usize]
        .0
        .to_be_bytes();
    let live = alloc::live();
    alloc::reset_peak();
    let mut allocations = 0;
    // 20,000 packets of 1,200 bytes: 24 MB, six times the budget.
    for i in 0..20_000u32 {
        let q = forged_first_fragment(ssrc, i as u16, i, 1188);
        allocations += receive(&mut p.b, q);
    }
    assert_eq!(allocations, 0);
    assert!(alloc::peak() <= live + 4096, "the test's own packet only");
    let frame = vec![0x3c; 200_000];
    let (_, got) = p
        .send(true, MediaKind::Screen, &frame, Duration::ZERO)
        .unwrap()
        .unwrap();
    assert_eq!(got, frame);
}

/// More frames in flight than the log holds: the ones whose first packets were overwritten are
/// lost and counted, and no frame is ever put together from the bytes that took their place
/// (with SRTP alone nothing else would catch it).
#[test]
fn frames_beyond_the_budget_are_lost_never_corrupted() {
    let _serial = SERIAL.lock().unwrap();
    for layers in [Layers::Srtp, Layers::Sframe, Layers::Both] {
        let mut p = Pair::new(layers, 3, |c| c);
        let frame = |k: u8| -> Vec<u8> {
            (0..1u32 << 20)
                .map(|i| (i as u8) ^ k.wrapping_mul(77))
                .collect()
        };
        // A frame that lost its last packet holds 200 KB of the log...
        let mut partial = p.packets(true, MediaKind::Audio, &[5; 200_000], 6, Duration::ZERO);
        partial.pop();
        for mut q in partial {
            assert!(p
                .b
                .receive_packet(&mut q, Duration::ZERO)
                .unwrap()
                .is_none());
        }
        // ...then three frames of 1 MiB, one per stream, their packets interleaved: 3.2 MiB in
        // flight, more than the log holds.
        let mut queues: Vec<Vec<Vec<u8>>> = MediaKind::ALL
            .iter()
            .map(|&kind| p.packets(true, kind, &frame(kind as u8), 7, Duration::ZERO))
            .collect();
        let mut delivered = Vec::new();
        while queues.iter().any(|q| !q.is_empty()) {
            for q in &mut queues {
                if !q.is_empty() {
                    let mut pkt = q.remove(0);
                    if let Ok(Some(r)) = p.b.receive_packet(&mut pkt, Duration::ZERO) {
                        delivered.push((r.kind, r.frame.to_vec()));
                    }
                }
            }
        }
        for (kind, f) in &delivered {
            assert!(
                *f == frame(*kind as u8),
                "{layers:?}: a corrupted {kind:?} frame"
            );
        }
        let lost: u64 = MediaKind::ALL
            .iter()
            .map(|&k| {
                p.b.stats(callseal::Direction::CallerToCallee, k)
                    .frames_incomplete
            })
            .sum();
        assert_eq!(
            delivered.len() as u64 + lost,
            3,
            "{layers:?}: every frame delivered or counted lost"
        );
        let rejected: u64 = MediaKind::ALL
            .iter()
            .map(|&k| {
                p.b.stats(callseal::Direction::CallerToCallee, k)
                    .rejected
                    .total()
            })
            .sum();
        assert_eq!(rejected, 0, "{layers:?}: a lost frame is no attack");
        // Within the budget, frames arrive whole again.
        let (_, got) = p
            .send(true, MediaKind::Video, &frame(9), Duration::ZERO)
            .unwrap()
            .unwrap();
        assert_eq!(got, frame(9));
    }
}
