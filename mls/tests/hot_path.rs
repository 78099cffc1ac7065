//! Sealing and opening group frames allocate nothing.

#[path = "../../tests/common/alloc.rs"]
#[allow(dead_code)]
mod alloc;
mod common;

use callseal::sframe::FrameOptions;
use callseal::MediaKind;
use common::Harness;

#[global_allocator]
static A: alloc::Counting = alloc::Counting;

#[test]
fn seal_and_open_allocate_nothing() {
    let mut h = Harness::new(3);
    let frame = [0x5au8; 1200];
    let mut buf = [0u8; 1200 + 64];
    let mut frames = 0;
    let ((), allocations) = alloc::counted(|| {
        for round in 0..50 {
            for from in 0..3 {
                let kind = MediaKind::ALL[round % 3];
                let n = h.members[from]
                    .seal_into(kind, &frame, &mut buf, FrameOptions::NONE)
                    .unwrap();
                let to = (from + 1 + round % 2) % 3;
                let opened = h.members[to]
                    .open(&mut buf[..n], FrameOptions::NONE)
                    .unwrap();
                assert_eq!(opened.frame.len(), frame.len());
                frames += 1;
            }
        }
    });
    assert_eq!(frames, 150);
    assert_eq!(allocations, 0);
}

#[test]
fn a_group_call_sends_and_receives_without_allocating() {
    use callseal::session::{PacketKeys, Packets};
    use callseal_mls::{GroupCall, GroupCallConfig};
    use common::call::{escalate, leg_key, one_to_one, Sfu};
    use core::time::Duration;

    let (alice_call, bob_call, _) = one_to_one(&mut Sfu::default(), true);
    let config = GroupCallConfig::default()
        .with_max_frame(64 * 1024)
        .with_update_interval(None);
    let t = Duration::from_secs(1);
    // Alice's packets go straight to Bob (her leg's keys are his), so that no forwarding
    // unit's copies are counted.
    let (ab, ba) = (50, 51);
    let (mut alice, welcome, bob) = escalate(
        alice_call,
        config,
        Some(&PacketKeys::new(leg_key(ab), leg_key(ba))),
        t,
    );
    let mut bob = GroupCall::accept_escalation(
        bob_call,
        bob,
        &welcome,
        config,
        Some(&PacketKeys::new(leg_key(ba), leg_key(ab))),
        t,
    )
    .unwrap();
    let frames: Vec<Vec<u8>> = [160usize, 1200, 20_000]
        .iter()
        .map(|n| vec![0x5a; *n])
        .collect();
    let mut packets = Packets::with_capacity(64 * 1024, 64);
    let mut buf = vec![0u8; 2048];
    // Bob's first group frame moves Alice to the group's keys.
    bob.send_frame(MediaKind::Audio, &frames[0], 0, t, &mut packets)
        .unwrap();
    let mut p = packets.get(0).to_vec();
    assert!(alice.receive_packet(&mut p, t).unwrap().is_some());
    assert!(alice.sends_on_group_keys());

    let mut round = |i: u32| {
        let mut delivered = 0;
        for (k, f) in frames.iter().enumerate() {
            packets.clear();
            alice
                .send_frame(MediaKind::ALL[k], f, i, t, &mut packets)
                .unwrap();
            for p in packets.iter() {
                let w = &mut buf[..p.len()];
                w.copy_from_slice(p);
                if let Some(r) = bob.receive_packet(w, t).unwrap() {
                    assert_eq!(r.frame, &f[..]);
                    delivered += 1;
                }
            }
        }
        delivered
    };
    assert_eq!(round(0), 3);
    let (delivered, allocations) = alloc::counted(|| (1..50).map(&mut round).sum::<usize>());
    assert_eq!(delivered, 49 * 3);
    assert_eq!(allocations, 0);
}
