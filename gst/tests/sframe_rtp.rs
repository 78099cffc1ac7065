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
