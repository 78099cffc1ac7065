//! Defect 4: without SRTP the packetization header is unauthenticated, and (with the old
//! fragment header, which carried a fragment count) one forged first fragment made the
//! receiver allocate and zero about 4 MiB; eight of them evicted every frame in flight.
//! Reassembly costs each packet its own bytes, inside a budget allocated once; the SFrame RTP
//! descriptor claims no size at all, and a forged S packet with no E is held like any other.

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

/// A packet of stream `ssrc` opening a frame that never ends (descriptor S = 1, E = 0), with
/// `body` bytes of payload.
fn forged_first_fragment(ssrc: [u8; 4], seq: u16, ts: u32, body: usize) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc);
    p.push(0x80);
    p.resize(p.len() + body, 0xee);
    p
}

#[test]
fn forged_fragments_cost_only_their_own_bytes() {
    let _serial = SERIAL.lock().unwrap();
    for layers in [Layers::Sframe, Layers::Both, Layers::Srtp] {
        let before = alloc::thread_net();
        let mut p = Pair::new(layers, 1, |c| c);
        let made = alloc::thread_net() - before;
        // Everything the two ends hold is allocated at the start: per end the reassembly
        // budget, the buffer frames are sealed in, index tables and keys.
        assert!(
            made < (2 * (DEFAULT_REASSEMBLY_BUDGET + 2 * DEFAULT_MAX_FRAME + (512 << 10))) as isize,
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

        // 1,000 forged first packets, every one of another frame that never ends: no
        // allocation, no byte more memory, and the frame in flight survives.
        let forged: Vec<Vec<u8>> = (0..1000u16)
            .map(|i| forged_first_fragment(ssrc, first_seq + 100 + i, u32::from(i), 1100))
            .collect();
        alloc::reset_peak();
        let live = alloc::thread_net();
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
    let live = alloc::thread_net();
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

/// A slow stream and fast ones: while the audio stream's 1 MiB frame trickles in, video and
/// screen deliver 6 MiB of frames, so the log overwrites the audio frame's first packets before
/// its last arrives. That frame is lost and counted, never put together from the bytes that
/// took their place (with SRTP alone nothing else would catch it), and the others arrive whole.
#[test]
fn frames_beyond_the_budget_are_lost_never_corrupted() {
    let _serial = SERIAL.lock().unwrap();
    let frame = |kind: MediaKind, n: u8| -> Vec<u8> {
        (0..DEFAULT_MAX_FRAME as u32)
            .map(|i| (i as u8) ^ (kind as u8 * 16 + n).wrapping_mul(77))
            .collect()
    };
    for layers in [Layers::Srtp, Layers::Sframe, Layers::Both] {
        let mut p = Pair::new(layers, 3, |c| c);
        // Every stream's packets come in order (no replay window is stretched); the audio
        // stream sends one packet for every three of video and three of screen.
        let mut audio = p.packets(
            true,
            MediaKind::Audio,
            &frame(MediaKind::Audio, 0),
            1,
            Duration::ZERO,
        );
        let mut fast: Vec<Vec<Vec<u8>>> = [MediaKind::Video, MediaKind::Screen]
            .iter()
            .map(|&kind| {
                (0..3u8)
                    .flat_map(|n| {
                        p.packets(
                            true,
                            kind,
                            &frame(kind, n),
                            10 + u32::from(n),
                            Duration::ZERO,
                        )
                    })
                    .collect()
            })
            .collect();
        audio.reverse();
        for q in &mut fast {
            q.reverse();
        }
        let mut delivered = Vec::new();
        let mut receive = |p: &mut Pair, mut pkt: Vec<u8>| {
            if let Some(r) = p.b.receive_packet(&mut pkt, Duration::ZERO).unwrap() {
                delivered.push((r.kind, r.frame.to_vec()));
            }
        };
        while !audio.is_empty() || fast.iter().any(|q| !q.is_empty()) {
            for _ in 0..3 {
                for q in &mut fast {
                    if let Some(pkt) = q.pop() {
                        receive(&mut p, pkt);
                    }
                }
            }
            if let Some(pkt) = audio.pop() {
                receive(&mut p, pkt);
            }
        }
        let mut expected: Vec<(MediaKind, Vec<u8>)> = [MediaKind::Video, MediaKind::Screen]
            .iter()
            .flat_map(|&kind| (0..3u8).map(move |n| (kind, frame(kind, n))))
            .collect();
        for (kind, f) in &delivered {
            let at = expected.iter().position(|(k, e)| k == kind && e == f);
            assert!(
                at.is_some(),
                "{layers:?}: a corrupted {kind:?} frame ({} bytes)",
                f.len()
            );
            expected.remove(at.unwrap());
        }
        assert!(
            expected.is_empty(),
            "{layers:?}: every fast frame arrives whole"
        );
        let stats = |k| p.b.stats(callseal::Direction::CallerToCallee, k);
        assert_eq!(stats(MediaKind::Audio).frames_incomplete, 1, "{layers:?}");
        assert_eq!(stats(MediaKind::Audio).frames_unprotected, 0, "{layers:?}");
        for k in MediaKind::ALL {
            assert_eq!(
                stats(k).rejected.total(),
                0,
                "{layers:?}: a lost frame is no attack"
            );
        }
        // And the slow stream goes on.
        let (_, got) = p
            .send(
                true,
                MediaKind::Audio,
                &frame(MediaKind::Audio, 9),
                Duration::ZERO,
            )
            .unwrap()
            .unwrap();
        assert_eq!(got, frame(MediaKind::Audio, 9));
    }
}
