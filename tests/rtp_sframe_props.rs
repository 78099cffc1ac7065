//! The RTP payload format for SFrame: the packetizer and the draft's receiver under any loss,
//! reordering and duplication, sequence numbers that wrap inside a frame, frames of different
//! timestamps interleaved, and forged packets that claim more than they carry.

mod common;

use callseal::rtp_sframe::{packetize, PayloadOrigin, Reassembler, RtpFields};
use callseal::session::Packets;
use callseal::{Error, Ssrc};
use common::alloc;
use proptest::prelude::*;
use std::collections::HashMap;

#[global_allocator]
static A: alloc::Counting = alloc::Counting;

const MAX_PACKET: usize = 112; // 12-byte header, descriptor, 99 bytes of fragment

/// Frames with their timestamps, packetized one after the other from `first_seq`.
fn packetized(frames: &[Vec<u8>], first_seq: u16, origin: PayloadOrigin) -> Vec<(u32, Vec<u8>)> {
    let mut seq = first_seq;
    let mut all = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        let ts = 1000 + 3000 * i as u32;
        let fields = RtpFields {
            ssrc: Ssrc(0x1234_5678),
            payload_type: 96,
            timestamp: ts,
            marker: true,
        };
        let mut out = Packets::new();
        seq = packetize(&fields, seq, f, origin, MAX_PACKET, &mut out).unwrap();
        all.extend(out.iter().map(|p| (ts, p.to_vec())));
    }
    all
}

fn frames() -> impl Strategy<Value = Vec<Vec<u8>>> {
    // Up to 8 frames of up to 5 packets.
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..=495), 1..=8)
}

/// Sequence numbers near the wrap half of the time.
fn first_seq() -> impl Strategy<Value = u16> {
    prop_oneof![65_500u16..=65_535, any::<u16>()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any loss, reordering and duplication pattern delivers exactly the frames whose packets
    /// all arrived, each once, equal to the original, whatever the sequence numbers (a wrap
    /// inside a frame included) and however the frames of different timestamps interleave.
    #[test]
    fn delivers_exactly_the_complete_frames_once(
        frames in frames(),
        first_seq in first_seq(),
        copies in proptest::collection::vec(0usize..=3, 40),
        order in proptest::collection::vec(any::<u32>(), 120),
        packetized_origin in any::<bool>(),
    ) {
        let origin = if packetized_origin { PayloadOrigin::Packetized } else { PayloadOrigin::Raw };
        let packets = packetized(&frames, first_seq, origin);
        // Each packet arrives 0 (lost) to 3 times, in a random order.
        let mut arrivals: Vec<(u32, usize)> = Vec::new();
        for (i, _) in packets.iter().enumerate() {
            for c in 0..copies[i % copies.len()] {
                arrivals.push((order[(i * 3 + c) % order.len()] ^ (i as u32).wrapping_mul(2_654_435_761), i));
            }
        }
        arrivals.sort();
        let mut rx = Reassembler::new(1 << 12, 1 << 16, 64).unwrap();
        let mut delivered: HashMap<u32, Vec<u8>> = HashMap::new();
        for (_, i) in &arrivals {
            match rx.push(&packets[*i].1) {
                Ok(Some(r)) => {
                    prop_assert_eq!(r.origin, origin);
                    prop_assert_eq!(r.payload_type, 96);
                    let again = delivered.insert(r.timestamp, r.payload.to_vec());
                    prop_assert!(again.is_none(), "frame {} delivered twice", r.timestamp);
                }
                Ok(None) => {}
                Err(e) => prop_assert_eq!(e, Error::Replay),
            }
        }
        // The frames all of whose packets arrived at least once.
        let mut expected = HashMap::new();
        for (k, f) in frames.iter().enumerate() {
            let ts = 1000 + 3000 * k as u32;
            let all_arrived = packets
                .iter()
                .enumerate()
                .filter(|(_, (t, _))| *t == ts)
                .all(|(i, _)| copies[i % copies.len()] > 0);
            if all_arrived {
                expected.insert(ts, f.clone());
            }
        }
        prop_assert_eq!(delivered, expected);
    }
}

/// A frame whose sequence numbers wrap from 65535 to 0 in the middle, its packets in reverse.
#[test]
fn sequence_numbers_wrap_inside_a_frame() {
    let frame: Vec<u8> = (0..450u32).map(|i| (i * 31) as u8).collect();
    let packets = packetized(std::slice::from_ref(&frame), 65_533, PayloadOrigin::Raw);
    let seqs: Vec<u16> = packets
        .iter()
        .map(|(_, p)| u16::from_be_bytes([p[2], p[3]]))
        .collect();
    assert_eq!(seqs, [65_533, 65_534, 65_535, 0, 1]);
    // The descriptors: S on the first, E (and the marker bit) on the last.
    let desc: Vec<u8> = packets.iter().map(|(_, p)| p[12]).collect();
    assert_eq!(desc, [0x80, 0, 0, 0, 0x40]);
    let marker: Vec<bool> = packets.iter().map(|(_, p)| p[1] & 0x80 != 0).collect();
    assert_eq!(marker, [false, false, false, false, true]);
    let mut rx = Reassembler::new(1 << 12, 1 << 16, 64).unwrap();
    for (_, p) in packets[1..].iter().rev() {
        assert_eq!(rx.push(p).unwrap(), None);
    }
    let r = rx.push(&packets[0].1).unwrap().unwrap();
    assert_eq!((r.seqs, r.payload), ((65_533, 1), &frame[..]));
}

/// A packet with a hand-made descriptor.
fn raw_packet(seq: u16, ts: u32, descriptor: u8, body: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&[1, 2, 3, 4]);
    p.push(descriptor);
    p.extend_from_slice(body);
    p
}

/// Forged packets that open frames and never end them (a frame "as large as anything") cost
/// their own bytes and nothing more: no allocation, and a genuine frame in flight survives
/// until the forged bytes together fill what the budget has left beside it.
#[test]
fn forged_claims_cost_only_their_own_bytes() {
    const BUDGET: usize = 1 << 16;
    // An index of 32,768 entries: the forged packets below fill the log, not the index.
    let mut rx = Reassembler::new(1 << 13, BUDGET, 1 << 14).unwrap();
    // A genuine frame of 3 packets of 1,000 bytes: the first two are in.
    let genuine: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 1000]).collect();
    let descs = [0x80, 0x00, 0x40];
    for i in 0..2 {
        let p = raw_packet(100 + i as u16, 7, descs[i], &genuine[i]);
        assert_eq!(rx.push(&p).unwrap(), None);
    }
    // Forged frame starts of 500 bytes each, on sequence numbers far away, until just under
    // what the budget has left beside the genuine frame's 3,000 bytes.
    let forged = vec![0xee; 500];
    let fits = (BUDGET - 3000) / 500;
    let packets: Vec<Vec<u8>> = (0..fits)
        .map(|k| raw_packet(30_000 + k as u16, 9, 0x80, &forged))
        .collect();
    let before = alloc::allocations();
    for p in &packets {
        assert_eq!(rx.push(p).unwrap(), None);
    }
    assert_eq!(
        alloc::allocations() - before,
        0,
        "a forged packet allocated"
    );
    let p = raw_packet(102, 7, descs[2], &genuine[2]);
    let got = rx.push(&p).unwrap().expect("the genuine frame completes");
    assert_eq!(got.payload, genuine.concat());
    assert_eq!(rx.incomplete(), 0);

    // Another genuine frame in flight; now forged bytes past the budget push it out: it is
    // lost, never put together from the bytes that took its place.
    for i in 0..2 {
        let p = raw_packet(200 + i as u16, 8, descs[i], &genuine[i]);
        rx.push(&p).unwrap();
    }
    for k in 0..BUDGET / 500 + 1 {
        let p = raw_packet(40_000 + k as u16, 9, 0x80, &forged);
        rx.push(&p).unwrap();
    }
    assert_eq!(
        rx.push(&raw_packet(202, 8, 0x40, &genuine[2])).unwrap(),
        None
    );
}

/// Runs whose packets disagree on the T bit, the payload type or the timestamp are dropped
/// (the draft's "abort these steps"); a packet without a descriptor is truncated.
#[test]
fn disagreeing_runs_and_empty_payloads_are_rejected() {
    let mut rx = Reassembler::new(1 << 12, 1 << 16, 64).unwrap();
    rx.push(&raw_packet(1, 7, 0x80, b"a")).unwrap();
    assert_eq!(
        rx.push(&raw_packet(2, 7, 0x40 | 0x20, b"b")),
        Err(Error::Malformed(callseal::Malformed::Field))
    );
    let mut other_pt = raw_packet(4, 7, 0x40, b"d");
    other_pt[1] = 97;
    rx.push(&raw_packet(3, 7, 0x80, b"c")).unwrap();
    assert_eq!(
        rx.push(&other_pt),
        Err(Error::Malformed(callseal::Malformed::Field))
    );
    rx.push(&raw_packet(5, 7, 0x80, b"e")).unwrap();
    assert_eq!(
        rx.push(&raw_packet(6, 8, 0x40, b"f")),
        Err(Error::Malformed(callseal::Malformed::Field))
    );
    assert_eq!(
        rx.push(&raw_packet(9, 7, 0xc0, b"")[..12]),
        Err(Error::Malformed(callseal::Malformed::Truncated))
    );
    // Reserved bits are ignored.
    assert_eq!(
        rx.push(&raw_packet(10, 7, 0xc0 | 0x1f, b"g"))
            .unwrap()
            .unwrap()
            .payload,
        b"g"
    );
}

/// `push` records a one-packet run at once: a copy of it is a replay. `push_unconfirmed` hands
/// it out again until the caller confirms it (once its frame authenticated), so a forged copy
/// that came first cannot make the genuine packet a replay; runs of several packets are
/// recorded as they complete either way.
#[test]
fn single_packet_runs_are_recorded_once_confirmed() {
    let genuine = raw_packet(50, 7, 0xc0, b"genuine");
    let forged = raw_packet(50, 7, 0xc0, b"forged");

    let mut rx = Reassembler::new(1 << 12, 1 << 16, 64).unwrap();
    assert_eq!(rx.push(&forged).unwrap().unwrap().payload, b"forged");
    assert_eq!(rx.push(&genuine), Err(Error::Replay));

    let mut rx = Reassembler::new(1 << 12, 1 << 16, 64).unwrap();
    // The forged copy is handed out, fails to open, and is never confirmed.
    assert_eq!(
        rx.push_unconfirmed(&forged).unwrap().unwrap().payload,
        b"forged"
    );
    let got = rx.push_unconfirmed(&genuine).unwrap().unwrap();
    assert_eq!((got.payload, got.seqs), (&b"genuine"[..], (50, 50)));
    let seqs = got.seqs;
    rx.confirm(seqs);
    assert_eq!(rx.push_unconfirmed(&genuine), Err(Error::Replay));
    assert_eq!(rx.push_unconfirmed(&forged), Err(Error::Replay));

    // A run of two packets is recorded as it completes; confirming it changes nothing.
    rx.push_unconfirmed(&raw_packet(60, 8, 0x80, b"a")).unwrap();
    let last = raw_packet(61, 8, 0x40, b"b");
    let run = rx.push_unconfirmed(&last).unwrap().unwrap();
    assert_eq!((run.payload, run.seqs), (&b"ab"[..], (60, 61)));
    let seqs = run.seqs;
    rx.confirm(seqs);
    assert_eq!(rx.push_unconfirmed(&last), Err(Error::Replay));
    // A later frame still comes through.
    assert_eq!(
        rx.push_unconfirmed(&raw_packet(62, 9, 0xc0, b"c"))
            .unwrap()
            .unwrap()
            .payload,
        b"c"
    );
}
