//! `gst_check::Harness` tests of `rtpsframepay` and `rtpsframedepay`, the RTP payload format
//! for SFrame: caps, MTU splitting with the one-byte descriptor, reassembly byte-equal, loss,
//! reordering, duplication, and forged or oversized packets dropped and counted.

mod common;

use common::*;
use gst::prelude::*;
use gst_check::Harness;

const VP8_SFRAME_CAPS: &str = "application/x-sframe, original-media-type=(string)video/x-vp8, \
                               width=(int)320, height=(int)240, framerate=(fraction)30/1";
const OPUS_SFRAME_CAPS: &str = "application/x-sframe, original-media-type=(string)audio/x-opus, \
                                rate=(int)48000, channels=(int)2, channel-mapping-family=(int)0";

fn pay_harness(mtu: u32, caps: &str) -> (Harness, gst::Element, gst::Bus) {
    let (pay, bus) = watched("rtpsframepay");
    pay.set_property("mtu", mtu);
    let mut h = Harness::with_element(&pay, Some("sink"), Some("src"));
    h.set_src_caps_str(caps);
    (h, pay, bus)
}

fn frame(len: usize, seed: u64) -> Vec<u8> {
    let mut f = vec![0u8; len];
    Rng::new(seed).fill(&mut f);
    f
}

/// Push one frame at `pts` and pull the packets it makes.
fn pay_frame(h: &mut Harness, f: &[u8], pts: gst::ClockTime) -> Vec<Vec<u8>> {
    let mut b = gst::Buffer::from_slice(f.to_vec());
    b.get_mut().unwrap().set_pts(pts);
    h.push(b).expect("push");
    let mut out = Vec::new();
    while let Some(p) = h.try_pull() {
        out.push(bytes(&p));
    }
    out
}

fn seq(p: &[u8]) -> u16 {
    u16::from_be_bytes([p[2], p[3]])
}

fn timestamp(p: &[u8]) -> u32 {
    u32::from_be_bytes([p[4], p[5], p[6], p[7]])
}

#[test]
fn the_payloader_names_the_format_and_keeps_the_original_caps() {
    let (mut h, _pay, _bus) = pay_harness(1200, VP8_SFRAME_CAPS);
    pay_frame(&mut h, &frame(100, 1), gst::ClockTime::ZERO);
    let caps = h.sinkpad().unwrap().current_caps().expect("caps");
    let s = caps.structure(0).unwrap();
    assert_eq!(s.name(), "application/x-rtp");
    assert_eq!(s.get::<&str>("media").unwrap(), "video");
    assert_eq!(s.get::<&str>("encoding-name").unwrap(), "SFRAME");
    assert_eq!(s.get::<i32>("clock-rate").unwrap(), 90_000);
    assert_eq!(s.get::<i32>("payload").unwrap(), 96);
    assert_eq!(s.get::<&str>("original-media-type").unwrap(), "video/x-vp8");
    assert_eq!(s.get::<i32>("width").unwrap(), 320);
    assert_eq!(
        s.get::<gst::Fraction>("framerate").unwrap(),
        gst::Fraction::new(30, 1)
    );

    // Audio: the clock rate is the media format's.
    let (mut h, _pay, _bus) = pay_harness(1200, OPUS_SFRAME_CAPS);
    pay_frame(&mut h, &frame(100, 2), gst::ClockTime::ZERO);
    let caps = h.sinkpad().unwrap().current_caps().expect("caps");
    let s = caps.structure(0).unwrap();
    assert_eq!(s.get::<&str>("media").unwrap(), "audio");
    assert_eq!(s.get::<i32>("clock-rate").unwrap(), 48_000);
    assert_eq!(
        s.get::<&str>("original-media-type").unwrap(),
        "audio/x-opus"
    );
    assert_eq!(s.get::<i32>("channels").unwrap(), 2);
}

#[test]
fn the_payloader_refuses_caps_it_cannot_name() {
    for caps in [
        // Audio without a clock rate.
        "application/x-sframe, original-media-type=(string)audio/x-opus",
        // No original media type.
        "application/x-sframe",
    ] {
        let (mut h, _pay, _bus) = pay_harness(1200, caps);
        let r = h.push(gst::Buffer::from_slice(vec![1u8; 10]));
        assert_eq!(r, Err(gst::FlowError::NotNegotiated), "{caps}");
        assert!(h.try_pull().is_none());
    }
}

#[test]
fn frames_are_cut_to_the_mtu_with_the_descriptor() {
    let (mut h, _pay, _bus) = pay_harness(200, VP8_SFRAME_CAPS);
    let mut next_seq = None;
    for (i, len) in [1000usize, 187, 188, 1, 0, 5000].into_iter().enumerate() {
        let f = frame(len, i as u64);
        let packets = pay_frame(&mut h, &f, gst::ClockTime::from_mseconds(33 * i as u64));
        // 200 − 12 − 1 = 187 bytes of the frame per packet, at least one packet.
        assert_eq!(packets.len(), len.div_ceil(187).max(1), "{len}");
        let mut joined = Vec::new();
        for (k, p) in packets.iter().enumerate() {
            assert!(p.len() <= 200);
            assert_eq!(p[0], 0x80, "RTP version 2, no padding, extension or CSRC");
            let last = k + 1 == packets.len();
            let d = (if k == 0 { 0x80 } else { 0 }) | (if last { 0x40 } else { 0 });
            assert_eq!(p[12], d, "descriptor of packet {k} of {len} bytes");
            assert_eq!(p[1] & 0x80 != 0, last, "the marker bit on the last packet");
            assert_eq!(p[1] & 0x7f, 96);
            assert_eq!(timestamp(p), timestamp(&packets[0]));
            if let Some(s) = next_seq {
                assert_eq!(seq(p), s, "consecutive sequence numbers");
            }
            next_seq = Some(seq(p).wrapping_add(1));
            joined.extend_from_slice(&p[13..]);
        }
        assert_eq!(joined, f);
    }
}

#[test]
fn audio_frames_carry_no_marker() {
    let (mut h, _pay, _bus) = pay_harness(100, OPUS_SFRAME_CAPS);
    let packets = pay_frame(&mut h, &frame(300, 3), gst::ClockTime::ZERO);
    assert_eq!(packets.len(), 4);
    assert!(packets.iter().all(|p| p[1] & 0x80 == 0));
    assert_eq!(packets[3][12], 0x40);
}

/// Pay `frames` (one every 33 ms) through a payloader of `mtu`: the packets of each frame and
/// the payloader's output caps.
fn pay_all(frames: &[Vec<u8>], mtu: u32) -> (Vec<Vec<Vec<u8>>>, gst::Caps) {
    let (mut h, _pay, _bus) = pay_harness(mtu, VP8_SFRAME_CAPS);
    let packets = frames
        .iter()
        .enumerate()
        .map(|(i, f)| pay_frame(&mut h, f, gst::ClockTime::from_mseconds(33 * i as u64)))
        .collect();
    let caps = h.sinkpad().unwrap().current_caps().expect("caps");
    (packets, caps)
}

fn depay_harness(caps: &gst::Caps, props: &[(&str, u32)]) -> (Harness, gst::Element, gst::Bus) {
    let (depay, bus) = watched("rtpsframedepay");
    for (name, value) in props {
        depay.set_property(name, *value);
    }
    let mut h = Harness::with_element(&depay, Some("sink"), Some("src"));
    h.set_src_caps(caps.clone());
    (h, depay, bus)
}

/// Push `packets` and pull every frame that comes out.
fn depay(h: &mut Harness, packets: &[&Vec<u8>]) -> Vec<Vec<u8>> {
    for p in packets {
        h.push(gst::Buffer::from_slice(p.to_vec())).expect("push");
    }
    let mut out = Vec::new();
    while let Some(f) = h.try_pull() {
        out.push(bytes(&f));
    }
    out
}

fn depay_stat(e: &gst::Element, field: &str) -> u64 {
    stat(&e.property::<gst::Structure>("stats"), field)
}

fn test_frames(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| frame(1 + (i * 997) % 5000, 100 + i as u64))
        .collect()
}

/// An RTP packet of the SFrame format: header, descriptor byte `d`, fragment.
fn packet(seq: u16, ts: u32, d: u8, fragment: &[u8]) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    p.push(d);
    p.extend_from_slice(fragment);
    p
}

#[test]
fn frames_come_back_byte_equal_with_the_original_caps() {
    let sent = test_frames(40);
    let (packets, caps) = pay_all(&sent, 200);
    let (mut h, depay_e, _bus) = depay_harness(&caps, &[]);
    let all: Vec<&Vec<u8>> = packets.iter().flatten().collect();
    let got = depay(&mut h, &all);
    assert_eq!(got, sent);
    let caps = h.sinkpad().unwrap().current_caps().expect("caps");
    let s = caps.structure(0).unwrap();
    assert_eq!(s.name(), "application/x-sframe");
    assert_eq!(s.get::<&str>("original-media-type").unwrap(), "video/x-vp8");
    assert_eq!(s.get::<i32>("width").unwrap(), 320);
    for rtp_field in ["media", "payload", "clock-rate", "encoding-name", "ssrc"] {
        assert!(!s.has_field(rtp_field), "{rtp_field} in {caps}");
    }
    assert_eq!(depay_stat(&depay_e, "frames"), 40);
    assert_eq!(depay_stat(&depay_e, "packets"), all.len() as u64);
    assert_eq!(depay_stat(&depay_e, "drop-count"), 0);
}

#[test]
fn reordered_and_duplicated_packets_give_each_frame_once() {
    let sent = test_frames(30);
    let (packets, caps) = pay_all(&sent, 300);
    let (mut h, depay_e, _bus) = depay_harness(&caps, &[]);
    let mut rng = Rng::new(5);
    let mut got = Vec::new();
    for pair in packets.chunks(2) {
        // The packets of two frames interleaved and shuffled, each held packet also sent twice
        // before its frame completes.
        let mut order: Vec<&Vec<u8>> = pair.iter().flatten().collect();
        for i in (1..order.len()).rev() {
            let j = (rng.next() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        let first = order[0];
        order.insert(1, first);
        got.extend(depay(&mut h, &order));
        // Every packet again, after its frame went out: duplicates, dropped and counted.
        let again: Vec<&Vec<u8>> = pair.iter().flatten().collect();
        assert!(depay(&mut h, &again).is_empty());
    }
    let mut want = sent.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let total: usize = packets.iter().map(Vec::len).sum();
    assert_eq!(depay_stat(&depay_e, "frames"), 30);
    assert_eq!(depay_stat(&depay_e, "drop-duplicate"), total as u64);
}

#[test]
fn a_frame_with_a_lost_packet_is_dropped_and_counted_never_passed_on_in_part() {
    let sent: Vec<Vec<u8>> = (0..40).map(|i| frame(1000, 200 + i)).collect();
    let (packets, caps) = pay_all(&sent, 200);
    let (mut h, depay_e, _bus) = depay_harness(&caps, &[("max-packets", 32)]);
    let mut got = Vec::new();
    for (i, frame_packets) in packets.iter().enumerate() {
        let kept: Vec<&Vec<u8>> = frame_packets
            .iter()
            .enumerate()
            .filter(|(k, _)| !matches!((i, *k), (3, 2) | (9, 5)))
            .map(|(_, p)| p)
            .collect();
        got.extend(depay(&mut h, &kept));
    }
    let want: Vec<Vec<u8>> = sent
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 9)
        .map(|(_, f)| f.clone())
        .collect();
    assert_eq!(got, want);
    assert_eq!(depay_stat(&depay_e, "frames"), 38);
    // Counted once later packets took the places of the incomplete frames' first packets.
    assert_eq!(depay_stat(&depay_e, "drop-lost"), 2);
    assert_eq!(depay_stat(&depay_e, "drop-count"), 2);
}

#[test]
fn forged_and_oversized_packets_are_dropped_and_counted() {
    let (_, caps) = pay_all(&[vec![1]], 200);
    let (mut h, depay_e, _bus) =
        depay_harness(&caps, &[("max-frame-size", 1000), ("budget", 4000)]);
    // No descriptor.
    let mut bare = packet(1, 9000, 0, &[]);
    bare.pop();
    assert!(depay(&mut h, &[&bare]).is_empty());
    assert_eq!(depay_stat(&depay_e, "drop-malformed"), 1);
    // One packet longer than a frame may be.
    assert!(depay(&mut h, &[&packet(2, 9000, 0xc0, &[7; 1001])]).is_empty());
    // A run of packets longer than a frame may be.
    let run = [
        packet(3, 9000, 0x80, &[1; 600]),
        packet(4, 9000, 0x40, &[2; 600]),
    ];
    assert!(depay(&mut h, &run.iter().collect::<Vec<_>>()).is_empty());
    // A packet longer than the budget.
    assert!(depay(&mut h, &[&packet(5, 9000, 0x80, &[3; 4001])]).is_empty());
    assert_eq!(depay_stat(&depay_e, "drop-oversized"), 3);
    // A run whose packets disagree on the timestamp, or on the T bit.
    for (s, t_bit) in [(10u16, false), (20, true)] {
        let run = [
            packet(s, 9000, 0x80, b"ab"),
            packet(
                s + 1,
                if t_bit { 9000 } else { 9001 },
                if t_bit { 0x60 } else { 0x40 },
                b"cd",
            ),
        ];
        assert!(depay(&mut h, &run.iter().collect::<Vec<_>>()).is_empty());
    }
    assert_eq!(depay_stat(&depay_e, "drop-malformed"), 3);
    // A whole packetized (T = 1) payload: per-packet SFrame, not taken here.
    assert!(depay(&mut h, &[&packet(30, 9000, 0xe0, b"x")]).is_empty());
    assert_eq!(depay_stat(&depay_e, "drop-packetized"), 1);
    assert_eq!(depay_stat(&depay_e, "frames"), 0);
    assert_eq!(depay_stat(&depay_e, "drop-count"), 7);
    // The reserved bits are ignored: a genuine frame still goes through.
    let got = depay(
        &mut h,
        &[
            &packet(40, 9000, 0x9f, b"he"),
            &packet(41, 9000, 0x5f, b"llo"),
        ],
    );
    assert_eq!(got, vec![b"hello".to_vec()]);
}

#[test]
fn random_packets_never_panic() {
    let (_, caps) = pay_all(&[vec![1]], 200);
    let (mut h, depay_e, _bus) = depay_harness(
        &caps,
        &[
            ("max-frame-size", 2000),
            ("budget", 8000),
            ("max-packets", 8),
        ],
    );
    let mut rng = Rng::new(77);
    let mut n = 0u64;
    for i in 0..3000u32 {
        let mut p = vec![0u8; 12 + (rng.next() % 1500) as usize];
        rng.fill(&mut p);
        // A valid RTP version most of the time, so the descriptor and runs are exercised.
        if i % 8 != 0 {
            p[0] = 0x80 | (p[0] & 0x3f);
            p[2] = (i >> 8) as u8 & 0x03;
        }
        h.push(gst::Buffer::from_slice(p)).expect("push");
        while h.try_pull().is_some() {
            n += 1;
        }
    }
    assert_eq!(depay_stat(&depay_e, "frames"), n);
}

#[test]
fn a_budget_under_twice_the_largest_frame_is_an_element_error() {
    let (depay, bus) = watched("rtpsframedepay");
    depay.set_property("max-frame-size", 1000u32);
    depay.set_property("budget", 1999u32);
    assert!(depay.set_state(gst::State::Paused).is_err());
    let text = error_text(&bus).expect("an element error");
    assert!(text.contains("budget 1999"), "{text}");
    depay.set_state(gst::State::Null).unwrap();
}

#[test]
fn rtp_caps_without_the_original_media_type_are_an_element_error() {
    let (depay, bus) = watched("rtpsframedepay");
    let mut h = Harness::with_element(&depay, Some("sink"), Some("src"));
    h.set_src_caps_str(
        "application/x-rtp, media=(string)video, clock-rate=(int)90000, \
         encoding-name=(string)SFRAME, payload=(int)96",
    );
    let r = h.push(gst::Buffer::from_slice(packet(1, 0, 0xc0, b"x")));
    assert!(r.is_err());
    assert!(h.try_pull().is_none());
    let text = error_text(&bus).expect("an element error");
    assert!(text.contains("original-media-type"), "{text}");
}
