//! `gst_check::Harness` tests of `callsealsrtpenc` and `callsealsrtpdec`: caps negotiation,
//! every property, bad keys and bad caps as element errors, tampered, replayed, unkeyed and
//! malformed packets dropped and counted.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use gst::prelude::*;
use gst_check::Harness;

const SSRC: u32 = 0xcafe_babe;

fn element(factory: &str) -> (gst::Element, gst::Bus) {
    watched(factory)
}

fn enc_harness(enc: &gst::Element, rtcp: bool) -> Harness {
    let (sink, src) = if rtcp {
        ("rtcp_sink_0", "rtcp_src_0")
    } else {
        ("rtp_sink_0", "rtp_src_0")
    };
    let mut h = Harness::with_element(enc, Some(sink), Some(src));
    if rtcp {
        h.set_src_caps_str(&format!("application/x-rtcp, ssrc=(uint){SSRC}"));
    } else {
        h.set_src_caps_str(&format!(
            "application/x-rtp, media=(string)audio, clock-rate=(int)8000, payload=(int)96, ssrc=(uint){SSRC}"
        ));
    }
    h
}

fn buf(bytes: &[u8]) -> gst::Buffer {
    gst::Buffer::from_slice(bytes.to_vec())
}

/// Protect `packets` with a `callsealsrtpenc` keyed for `suite`; the output caps too.
fn protect(
    suite: &Suite,
    key: &[u8],
    packets: &[Vec<u8>],
    rtcp: bool,
) -> (Vec<Vec<u8>>, gst::Caps) {
    let (enc, _bus) = element("callsealsrtpenc");
    set_suite(&enc, suite, key);
    let mut h = enc_harness(&enc, rtcp);
    let out = through(&mut h, packets);
    let caps = h.sinkpad().unwrap().current_caps().expect("output caps");
    (out, caps)
}

/// A buffer field of the first structure of `caps`, as bytes.
fn field_bytes(caps: &gst::Caps, field: &str) -> Vec<u8> {
    bytes(
        &caps
            .structure(0)
            .unwrap()
            .get::<gst::Buffer>(field)
            .unwrap(),
    )
}

/// Push each packet through `h` and pull what comes out.
fn through(h: &mut Harness, packets: &[Vec<u8>]) -> Vec<Vec<u8>> {
    packets
        .iter()
        .map(|p| {
            h.push(buf(p)).expect("push");
            bytes(&h.pull().expect("a packet out"))
        })
        .collect()
}

fn set_suite(enc: &gst::Element, suite: &Suite, key: &[u8]) {
    enc.set_property("key", gst::Buffer::from_slice(key.to_vec()));
    enc.set_property_from_str("rtp-cipher", suite.rtp_cipher);
    enc.set_property_from_str("rtp-auth", suite.rtp_auth);
    enc.set_property_from_str("rtcp-cipher", suite.rtcp_cipher);
    enc.set_property_from_str("rtcp-auth", suite.rtcp_auth);
}

fn packets(n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(7);
    (0..n)
        .map(|i| rtp(SSRC, 100 + i as u16, i as u32 * 160, 160, &mut rng))
        .collect()
}

fn dec_harness(caps: Option<gst::Caps>, rtcp: bool) -> (Harness, gst::Element, gst::Bus) {
    let (dec, bus) = element("callsealsrtpdec");
    let (sink, src) = if rtcp {
        ("rtcp_sink", "rtcp_src")
    } else {
        ("rtp_sink", "rtp_src")
    };
    let mut h = Harness::with_element(&dec, Some(sink), Some(src));
    if let Some(caps) = caps {
        h.set_src_caps(caps);
    }
    (h, dec, bus)
}

fn dec_stats(dec: &gst::Element) -> gst::Structure {
    dec.property::<gst::Structure>("stats")
}

fn stream_stats(dec: &gst::Element, ssrc: u32) -> gst::Structure {
    let stats = dec_stats(dec);
    let streams = stats.get::<gst::Array>("streams").unwrap();
    streams
        .iter()
        .map(|v| v.get::<gst::Structure>().unwrap())
        .find(|s| s.get::<u32>("ssrc").unwrap() == ssrc)
        .unwrap_or_else(|| panic!("no stats for SSRC {ssrc:#x} in {stats}"))
}

#[test]
fn enc_caps_carry_the_sink_fields_and_the_key_as_srtpenc_writes_them() {
    for suite in &SUITES {
        let key = random(suite.key_len);
        let (out, caps) = protect(suite, &key, &packets(3), false);
        assert_eq!(out[0].len(), 12 + 160 + suite.rtp_tag, "{}", suite.name);
        let s = caps.structure(0).unwrap();
        assert_eq!(s.name(), "application/x-srtp");
        assert_eq!(s.get::<u32>("ssrc").unwrap(), SSRC);
        assert_eq!(s.get::<i32>("clock-rate").unwrap(), 8000);
        assert_eq!(s.get::<&str>("srtp-cipher").unwrap(), suite.rtp_cipher);
        assert_eq!(s.get::<&str>("srtp-auth").unwrap(), suite.rtp_auth);
        assert_eq!(s.get::<&str>("srtcp-cipher").unwrap(), suite.rtcp_cipher);
        assert_eq!(s.get::<&str>("srtcp-auth").unwrap(), suite.rtcp_auth);
        assert_eq!(bytes(&s.get::<gst::Buffer>("srtp-key").unwrap()), key);
        assert!(!s.has_field("mki"));

        let (out, caps) = protect(
            suite,
            &random(suite.key_len),
            &[rtcp_sr(SSRC, 1, &mut Rng::new(1))],
            true,
        );
        assert_eq!(caps.structure(0).unwrap().name(), "application/x-srtcp");
        assert_eq!(
            out[0].len(),
            52 + 4 + if suite.rtp_tag == 16 { 16 } else { 10 }
        );
    }
}

#[test]
fn enc_properties_round_trip() {
    let (enc, _bus) = element("callsealsrtpenc");
    assert_eq!(enc.property::<Option<gst::Buffer>>("key"), None);
    assert_eq!(
        cipher(&enc, "rtp-cipher"),
        gstcallseal::CipherType::Aes128Icm
    );
    assert_eq!(auth(&enc, "rtp-auth"), gstcallseal::AuthType::HmacSha1_80);
    assert_eq!(enc.property::<u32>("replay-window-size"), 128);
    assert!(!enc.property::<bool>("random-key"));
    let key = random(44);
    set_suite(&enc, &SUITES[3], &key);
    enc.set_property("mki", gst::Buffer::from_slice([1u8, 2]));
    enc.set_property("replay-window-size", 1024u32);
    enc.set_property("random-key", true);
    enc.set_property("soft-limit-packets", 99u64);
    assert_eq!(bytes(&enc.property::<gst::Buffer>("key")), key);
    assert_eq!(bytes(&enc.property::<gst::Buffer>("mki")), [1, 2]);
    assert_eq!(
        cipher(&enc, "rtp-cipher"),
        gstcallseal::CipherType::Aes256Gcm
    );
    assert_eq!(
        cipher(&enc, "rtcp-cipher"),
        gstcallseal::CipherType::Aes256Gcm
    );
    assert_eq!(auth(&enc, "rtcp-auth"), gstcallseal::AuthType::Null);
    assert_eq!(enc.property::<u32>("replay-window-size"), 1024);
    assert!(enc.property::<bool>("random-key"));
    assert_eq!(enc.property::<u64>("soft-limit-packets"), 99);
    // The enum types carry GStreamer's nicks, so launch lines are drop-in.
    let v = glib_enum_nicks(enc.property_value("rtp-cipher").type_());
    assert_eq!(
        v,
        [
            "null",
            "aes-128-icm",
            "aes-256-icm",
            "aes-128-gcm",
            "aes-256-gcm"
        ]
    );
    let v = glib_enum_nicks(enc.property_value("rtp-auth").type_());
    assert_eq!(v, ["null", "hmac-sha1-32", "hmac-sha1-80"]);
}

fn cipher(e: &gst::Element, name: &str) -> gstcallseal::CipherType {
    e.property_value(name).get().unwrap()
}

fn auth(e: &gst::Element, name: &str) -> gstcallseal::AuthType {
    e.property_value(name).get().unwrap()
}

fn glib_enum_nicks(t: gst::glib::Type) -> Vec<String> {
    let class = gst::glib::EnumClass::with_type(t).unwrap();
    class
        .values()
        .iter()
        .map(|v| v.nick().to_string())
        .collect()
}

#[test]
fn enc_mki_goes_into_caps_and_packets_and_both_decoders_take_it() {
    // Both encoders, with an MKI, into both decoders, for every suite (callseal's own elements
    // only for the NULL cipher: see `libsrtp_suites`).
    for suite in &SUITES {
        let libsrtp = libsrtp_suites().any(|s| s.name == suite.name);
        let elements = if libsrtp { 2 } else { 1 };
        for encoder in ["callsealsrtpenc", "srtpenc"].into_iter().take(elements) {
            let key = random(suite.key_len);
            let (enc, _bus) = element(encoder);
            set_suite(&enc, suite, &key);
            enc.set_property("mki", gst::Buffer::from_slice([0xab_u8, 0xcd]));
            let mut h = enc_harness(&enc, false);
            let sent = packets(5);
            let out = through(&mut h, &sent);
            // RFC 3711: payload, MKI, tag; RFC 7714 (AES-GCM): payload and tag, then the MKI.
            assert_eq!(out[0].len(), 172 + 2 + suite.rtp_tag, "{encoder}");
            let at = if suite.rtp_tag == 16 { 172 + 16 } else { 172 };
            assert_eq!(
                &out[0][at..at + 2],
                &[0xab, 0xcd],
                "{} {encoder}",
                suite.name
            );
            let caps = h.sinkpad().unwrap().current_caps().unwrap();
            assert_eq!(field_bytes(&caps, "mki"), [0xab, 0xcd]);
            for decoder in ["callsealsrtpdec", "srtpdec"].into_iter().take(elements) {
                let dec = gst::ElementFactory::make(decoder).build().unwrap();
                let mut hd = Harness::with_element(&dec, Some("rtp_sink"), Some("rtp_src"));
                hd.set_src_caps(caps.clone());
                for (p, s) in out.iter().zip(&sent) {
                    let what = format!("{} {encoder} → {decoder}", suite.name);
                    hd.push(buf(p)).unwrap_or_else(|e| panic!("{what}: {e:?}"));
                    let got = hd.pull().unwrap();
                    assert_eq!(&bytes(&got), s, "{what}");
                }
            }
        }
    }
}

#[test]
fn enc_random_key_is_generated_once_and_published() {
    let (enc, _bus) = element("callsealsrtpenc");
    enc.set_property("random-key", true);
    enc.set_property_from_str("rtp-cipher", "aes-128-gcm");
    enc.set_property_from_str("rtcp-cipher", "aes-128-gcm");
    let mut h = enc_harness(&enc, false);
    let sent = packets(2);
    h.push(buf(&sent[0])).unwrap();
    let p = bytes(&h.pull().unwrap());
    let key = bytes(&enc.property::<gst::Buffer>("key"));
    assert_eq!(key.len(), 28);
    let caps = h.sinkpad().unwrap().current_caps().unwrap();
    assert_eq!(field_bytes(&caps, "srtp-key"), key);
    let (mut hd, _dec, _) = dec_harness(Some(caps), false);
    hd.push(buf(&p)).unwrap();
    assert_eq!(bytes(&hd.pull().unwrap()), sent[0]);
}

#[test]
fn enc_bad_key_and_unsupported_combination_are_element_errors() {
    // A key of the wrong length for the suite.
    let (enc, bus) = element("callsealsrtpenc");
    enc.set_property("key", gst::Buffer::from_slice([1u8; 7]));
    let mut h = Harness::with_element(&enc, Some("rtp_sink_0"), Some("rtp_src_0"));
    h.push_event(gst::event::StreamStart::new("s"));
    // A sticky event is stored on the harness's pad whatever the element answers: the
    // element's answer is the error message.
    h.push_event(gst::event::Caps::new(
        &gst::Caps::builder("application/x-rtp").build(),
    ));
    let err = error_text(&bus).expect("an element error");
    assert!(
        err.contains("key of 7 bytes") && err.contains("30"),
        "{err}"
    );
    assert_eq!(
        h.push(buf(&packets(1)[0])),
        Err(gst::FlowError::NotNegotiated)
    );
    assert!(error_text(&bus).is_some());

    // No key at all.
    let (enc, bus) = element("callsealsrtpenc");
    let mut h = Harness::with_element(&enc, Some("rtp_sink_0"), Some("rtp_src_0"));
    assert_eq!(
        h.push(buf(&packets(1)[0])),
        Err(gst::FlowError::NotNegotiated)
    );
    assert!(error_text(&bus).unwrap().contains("no key"));

    // A combination callseal does not do (RTP and RTCP with different ciphers), named in the
    // error.
    let (enc, bus) = element("callsealsrtpenc");
    enc.set_property("key", gst::Buffer::from_slice(random(46)));
    enc.set_property_from_str("rtp-cipher", "aes-256-icm");
    enc.set_property_from_str("rtcp-cipher", "aes-128-icm");
    let mut h = Harness::with_element(&enc, Some("rtp_sink_0"), Some("rtp_src_0"));
    assert_eq!(
        h.push(buf(&packets(1)[0])),
        Err(gst::FlowError::NotNegotiated)
    );
    let err = error_text(&bus).unwrap();
    assert!(err.contains("rtp-cipher=aes-256-icm"), "{err}");

    // An MKI longer than callseal carries.
    let (enc, bus) = element("callsealsrtpenc");
    enc.set_property("key", gst::Buffer::from_slice(random(30)));
    enc.set_property("mki", gst::Buffer::from_slice([0u8; 5]));
    let mut h = Harness::with_element(&enc, Some("rtp_sink_0"), Some("rtp_src_0"));
    assert_eq!(
        h.push(buf(&packets(1)[0])),
        Err(gst::FlowError::NotNegotiated)
    );
    assert!(error_text(&bus).unwrap().contains("MKI of 5 bytes"));
}

#[test]
fn enc_same_key_under_another_suite_is_refused() {
    let key = random(30);
    let (enc, bus) = element("callsealsrtpenc");
    set_suite(&enc, &SUITES[0], &key);
    let mut h = enc_harness(&enc, false);
    let sent = packets(2);
    h.push(buf(&sent[0])).unwrap();
    h.pull().unwrap();
    enc.set_property_from_str("rtp-auth", "hmac-sha1-32");
    assert_eq!(h.push(buf(&sent[1])), Err(gst::FlowError::NotNegotiated));
    assert!(error_text(&bus).unwrap().contains("set a new key"));
}

#[test]
fn enc_new_key_in_playing_pushes_new_caps_and_keeps_the_index() {
    let suite = &SUITES[0];
    let (enc, _bus) = element("callsealsrtpenc");
    set_suite(&enc, suite, &random(30));
    let mut h = enc_harness(&enc, false);
    let sent = packets(4);
    h.push(buf(&sent[0])).unwrap();
    h.pull().unwrap();
    let key2 = random(30);
    enc.set_property("key", gst::Buffer::from_slice(key2.clone()));
    h.push(buf(&sent[1])).unwrap();
    let p = bytes(&h.pull().unwrap());
    let caps = h.sinkpad().unwrap().current_caps().unwrap();
    assert_eq!(field_bytes(&caps, "srtp-key"), key2);
    let (mut hd, _, _) = dec_harness(
        Some(suite.key_caps("application/x-srtp", &key2, Some(SSRC))),
        false,
    );
    hd.push(buf(&p)).unwrap();
    assert_eq!(bytes(&hd.pull().unwrap()), sent[1]);
}

#[test]
fn enc_refuses_a_repeated_index_and_counts_it() {
    let (enc, _bus) = element("callsealsrtpenc");
    set_suite(&enc, &SUITES[2], &random(28));
    let mut h = enc_harness(&enc, false);
    let sent = packets(2);
    h.push(buf(&sent[0])).unwrap();
    h.pull().unwrap();
    // The same sequence number again would repeat a nonce: dropped, counted.
    h.push(buf(&sent[0])).unwrap();
    assert!(h.try_pull().is_none());
    h.push(buf(&sent[1])).unwrap();
    h.pull().unwrap();
    h.push(buf(&[0x80, 96, 0])).unwrap();
    assert!(h.try_pull().is_none());
    let stats = enc.property::<gst::Structure>("stats");
    let s = stats.get::<gst::Array>("streams").unwrap();
    let s = s.first().unwrap().get::<gst::Structure>().unwrap();
    assert_eq!(s.get::<u32>("ssrc").unwrap(), SSRC);
    assert_eq!(s.get::<u64>("rtp-packets").unwrap(), 2);
    assert_eq!(s.get::<u64>("rtp-bytes").unwrap(), 2 * 172);
    assert_eq!(s.get::<u64>("drop-count").unwrap(), 1);
}

#[test]
fn enc_soft_limit_signal_fires_once() {
    let (enc, _bus) = element("callsealsrtpenc");
    set_suite(&enc, &SUITES[0], &random(30));
    enc.set_property("soft-limit-packets", 3u64);
    let fired = Arc::new(AtomicU32::new(0));
    let f = fired.clone();
    enc.connect("soft-limit", false, move |_| {
        f.fetch_add(1, Ordering::SeqCst);
        None
    });
    let mut h = enc_harness(&enc, false);
    for (i, p) in packets(6).iter().enumerate() {
        h.push(buf(p)).unwrap();
        h.pull().unwrap();
        assert_eq!(
            fired.load(Ordering::SeqCst),
            u32::from(i >= 2),
            "after packet {i}"
        );
    }
}

#[test]
fn enc_request_pads_pair_up_and_release() {
    let (enc, _bus) = element("callsealsrtpenc");
    let a = enc.request_pad_simple("rtp_sink_%u").unwrap();
    let b = enc.request_pad_simple("rtp_sink_%u").unwrap();
    let c = enc.request_pad_simple("rtcp_sink_%u").unwrap();
    assert_eq!(
        (a.name().as_str(), b.name().as_str(), c.name().as_str()),
        ("rtp_sink_0", "rtp_sink_1", "rtcp_sink_0")
    );
    for src in ["rtp_src_0", "rtp_src_1", "rtcp_src_0"] {
        assert!(enc.static_pad(src).is_some(), "{src}");
    }
    enc.release_request_pad(&b);
    assert!(enc.static_pad("rtp_src_1").is_none());
    assert!(enc.static_pad("rtp_sink_1").is_none());
}

#[test]
fn dec_caps_negotiation_strips_the_key_fields() {
    let suite = &SUITES[1];
    let key = random(30);
    let (out, caps) = protect(suite, &key, &packets(2), false);
    let (mut h, _dec, _) = dec_harness(Some(caps), false);
    h.push(buf(&out[0])).unwrap();
    h.pull().unwrap();
    let caps = h.sinkpad().unwrap().current_caps().unwrap();
    let s = caps.structure(0).unwrap();
    assert_eq!(s.name(), "application/x-rtp");
    assert_eq!(s.get::<u32>("ssrc").unwrap(), SSRC);
    assert_eq!(s.get::<i32>("clock-rate").unwrap(), 8000);
    for f in [
        "srtp-key",
        "srtp-cipher",
        "srtp-auth",
        "srtcp-cipher",
        "srtcp-auth",
        "mki",
        "roc",
    ] {
        assert!(!s.has_field(f), "{f} in {s}");
    }
}

#[test]
fn dec_bad_caps_are_element_errors_and_change_nothing() {
    let suite = &SUITES[0];
    let key = random(30);
    let (out, _) = protect(suite, &key, &packets(2), false);
    let good = suite.key_caps("application/x-srtp", &key, Some(SSRC));
    let with = |change: &dyn Fn(&mut gst::StructureRef)| {
        let mut c = good.copy();
        change(c.make_mut().structure_mut(0).unwrap());
        c
    };
    let bad = [
        (
            with(&|s| s.set("srtp-cipher", "aes-512-icm")),
            "unknown value \"aes-512-icm\"",
        ),
        (
            with(&|s| s.set("srtp-key", gst::Buffer::from_slice([0u8; 29]))),
            "key of 29 bytes",
        ),
        (
            with(&|s| s.remove_field("srtcp-auth")),
            "srtcp-auth missing",
        ),
        (
            with(&|s| {
                s.set("srtp-cipher", "null");
                s.set("srtp-auth", "null");
            }),
            "unsupported SRTP combination: rtp-cipher=null",
        ),
        (
            with(&|s| s.set("mki", gst::Buffer::from_slice([0u8; 9]))),
            "MKI of 9 bytes",
        ),
    ];

    let (mut h, dec, bus) = dec_harness(Some(good.clone()), false);
    h.push(buf(&out[0])).unwrap();
    h.pull().unwrap();
    for (caps, what) in bad {
        h.push_event(gst::event::Caps::new(&caps));
        let err = error_text(&bus).expect("an element error");
        assert!(err.contains(what), "{what}: {err}");
    }
    // The key installed before is untouched: the same caps again keep its receiver and its
    // replay state (packet 0 stays a replay), and packet 1 decrypts.
    h.push_event(gst::event::Caps::new(&good));
    h.push(buf(&out[0])).unwrap();
    assert!(h.try_pull().is_none());
    h.push(buf(&out[1])).unwrap();
    assert_eq!(bytes(&h.pull().unwrap()), packets(2)[1]);
    let s = dec_stats(&dec);
    assert_eq!((stat(&s, "recv-count"), stat(&s, "drop-replay")), (2, 1));
}

#[test]
fn dec_drops_and_counts_tampered_replayed_unkeyed_and_malformed_packets() {
    for suite in &SUITES {
        let key = random(suite.key_len);
        let sent = packets(4);
        let (out, _) = protect(suite, &key, &sent, false);
        let (mut h, dec, _) = dec_harness(
            Some(suite.key_caps("application/x-srtp", &key, Some(SSRC))),
            false,
        );
        h.push(buf(&out[0])).unwrap();
        assert_eq!(bytes(&h.pull().unwrap()), sent[0]);
        // Tampered: one bit of the payload, then one of the tag.
        for at in [20, out[1].len() - 1] {
            let mut t = out[1].clone();
            t[at] ^= 0x01;
            h.push(buf(&t)).unwrap();
            assert!(h.try_pull().is_none(), "{}: tampered passed", suite.name);
        }
        // The untouched packet still decrypts after the failures.
        h.push(buf(&out[1])).unwrap();
        assert_eq!(bytes(&h.pull().unwrap()), sent[1]);
        // Replayed.
        h.push(buf(&out[1])).unwrap();
        assert!(h.try_pull().is_none());
        // Unkeyed SSRC (no request-key handler).
        let mut other = out[2].clone();
        other[8..12].copy_from_slice(&0x0bad_f00du32.to_be_bytes());
        h.push(buf(&other)).unwrap();
        assert!(h.try_pull().is_none());
        // Malformed: not RTP, and too short for a tag.
        h.push(buf(&[0x80, 96, 0])).unwrap();
        h.push(buf(&[0x00; 40])).unwrap();
        h.push(buf(&out[3][..13])).unwrap();
        assert!(h.try_pull().is_none());

        let total = dec_stats(&dec);
        assert_eq!(stat(&total, "recv-count"), 2, "{}", suite.name);
        assert_eq!(stat(&total, "drop-authentication"), 2);
        assert_eq!(stat(&total, "drop-replay"), 1);
        assert_eq!(stat(&total, "drop-no-key"), 1);
        assert_eq!(stat(&total, "drop-malformed"), 3, "{}: {total}", suite.name);
        assert_eq!(stat(&total, "recv-drop-count"), 7);
        let s = stream_stats(&dec, SSRC);
        assert_eq!(stat(&s, "recv-count"), 2);
        assert_eq!(stat(&s, "drop-authentication"), 2);
        assert_eq!(stat(&s, "drop-replay"), 1);
        assert_eq!(stat(&s, "drop-malformed"), 1);
        assert_eq!(s.get::<u32>("roc").unwrap(), 0);
    }
}

#[test]
fn dec_rtcp_tampered_and_replayed_are_dropped() {
    let suite = &SUITES[0];
    let key = random(30);
    let mut rng = Rng::new(3);
    let sent = vec![rtcp_sr(SSRC, 1, &mut rng), rtcp_sr(SSRC, 2, &mut rng)];
    let (out, _) = protect(suite, &key, &sent, true);
    let (mut h, dec, _) = dec_harness(
        Some(suite.key_caps("application/x-srtcp", &key, Some(SSRC))),
        true,
    );
    let mut t = out[0].clone();
    t[10] ^= 0x80;
    h.push(buf(&t)).unwrap();
    assert!(h.try_pull().is_none());
    h.push(buf(&out[0])).unwrap();
    assert_eq!(bytes(&h.pull().unwrap()), sent[0]);
    h.push(buf(&out[0])).unwrap();
    assert!(h.try_pull().is_none());
    h.push(buf(&out[1])).unwrap();
    assert_eq!(bytes(&h.pull().unwrap()), sent[1]);
    let s = dec_stats(&dec);
    assert_eq!(
        (
            stat(&s, "recv-count"),
            stat(&s, "drop-authentication"),
            stat(&s, "drop-replay")
        ),
        (2, 1, 1)
    );
}

#[test]
fn dec_request_key_signal_keys_an_unknown_ssrc() {
    let suite = &SUITES[2];
    let key = random(28);
    let sent = packets(3);
    let (out, _) = protect(suite, &key, &sent, false);
    let (mut h, dec, _) = dec_harness(None, false);
    h.set_src_caps_str("application/x-srtp");
    let asked = Arc::new(Mutex::new(Vec::new()));
    let answer = Arc::new(Mutex::new(None::<gst::Caps>));
    let (a, ans) = (asked.clone(), answer.clone());
    dec.connect("request-key", false, move |args| {
        a.lock().unwrap().push(args[1].get::<u32>().unwrap());
        Some(ans.lock().unwrap().clone().to_value())
    });
    h.push(buf(&out[0])).unwrap();
    assert!(h.try_pull().is_none(), "no answer: dropped");
    *answer.lock().unwrap() = Some(suite.key_caps("application/x-srtp", &key, None));
    h.push(buf(&out[1])).unwrap();
    assert_eq!(bytes(&h.pull().unwrap()), sent[1]);
    h.push(buf(&out[2])).unwrap();
    assert_eq!(bytes(&h.pull().unwrap()), sent[2]);
    assert_eq!(
        *asked.lock().unwrap(),
        [SSRC, SSRC],
        "asked until keyed, then no more"
    );
    let s = dec_stats(&dec);
    assert_eq!((stat(&s, "recv-count"), stat(&s, "drop-no-key")), (2, 1));

    // A wrong answer (bad key length) is a warning and a drop, never a panic.
    let (mut h, dec, bus) = dec_harness(None, false);
    h.set_src_caps_str("application/x-srtp");
    dec.connect("request-key", false, move |_| {
        Some(
            Some(Suite::key_caps(
                &SUITES[2],
                "application/x-srtp",
                &[1; 5],
                None,
            ))
            .to_value(),
        )
    });
    h.push(buf(&out[0])).unwrap();
    assert!(h.try_pull().is_none());
    assert!(bus.pop_filtered(&[gst::MessageType::Warning]).is_some());
}

#[test]
fn dec_key_without_ssrc_serves_every_ssrc_and_actions_remove_keys() {
    let suite = &SUITES[0];
    let key = random(30);
    let mut rng = Rng::new(9);
    let (enc, _bus) = element("callsealsrtpenc");
    set_suite(&enc, suite, &key);
    let mut he = enc_harness(&enc, false);
    let sent: Vec<Vec<u8>> = (0..4u16)
        .map(|i| rtp(0x1000 + u32::from(i % 2), 10 + i, 0, 50, &mut rng))
        .collect();
    let out = through(&mut he, &sent);
    let (mut h, dec, _) = dec_harness(
        Some(suite.key_caps("application/x-srtp", &key, None)),
        false,
    );
    h.push(buf(&out[0])).unwrap();
    h.push(buf(&out[1])).unwrap();
    assert_eq!(bytes(&h.pull().unwrap()), sent[0]);
    assert_eq!(bytes(&h.pull().unwrap()), sent[1]);
    assert_eq!(stat(&stream_stats(&dec, 0x1001), "recv-count"), 1);
    dec.emit_by_name::<()>("clear-keys", &[]);
    h.push(buf(&out[2])).unwrap();
    assert!(h.try_pull().is_none());
    assert_eq!(stat(&dec_stats(&dec), "drop-no-key"), 1);

    // remove-key: the SSRC's own key goes.
    let (mut h, dec, _) = dec_harness(
        Some(suite.key_caps("application/x-srtp", &key, Some(0x1001))),
        false,
    );
    h.push(buf(&out[1])).unwrap();
    h.pull().unwrap();
    dec.emit_by_name::<()>("remove-key", &[&0x1001u32]);
    h.push(buf(&out[3])).unwrap();
    assert!(h.try_pull().is_none());
    assert_eq!(stat(&dec_stats(&dec), "drop-no-key"), 1);
}

#[test]
fn dec_replay_window_size_property() {
    let (dec, _bus) = element("callsealsrtpdec");
    assert_eq!(dec.property::<u32>("replay-window-size"), 128);
    dec.set_property("replay-window-size", 64u32);
    assert_eq!(dec.property::<u32>("replay-window-size"), 64);
    let stats = dec_stats(&dec);
    assert_eq!(stats.name(), "application/x-srtp-decoder-stats");
    assert_eq!(
        (stat(&stats, "recv-count"), stat(&stats, "recv-drop-count")),
        (0, 0)
    );

    // With a 64-packet window, a packet 100 behind is too old; with 128 it is not.
    let suite = &SUITES[0];
    let key = random(30);
    let sent = packets(101);
    let (out, _) = protect(suite, &key, &sent, false);
    for (window, passes) in [(64u32, false), (128, true)] {
        let (dec, _bus) = element("callsealsrtpdec");
        dec.set_property("replay-window-size", window);
        let mut h = Harness::with_element(&dec, Some("rtp_sink"), Some("rtp_src"));
        h.set_src_caps(suite.key_caps("application/x-srtp", &key, Some(SSRC)));
        h.push(buf(&out[100])).unwrap();
        h.pull().unwrap();
        h.push(buf(&out[0])).unwrap();
        assert_eq!(h.try_pull().is_some(), passes, "window {window}");
    }
}

#[test]
fn roc_in_caps_sets_the_rollover_counter_on_both_sides() {
    let suite = &SUITES[0];
    let key = random(30);
    let (enc, _bus) = element("callsealsrtpenc");
    set_suite(&enc, suite, &key);
    let mut h = Harness::with_element(&enc, Some("rtp_sink_0"), Some("rtp_src_0"));
    h.set_src_caps_str(&format!(
        "application/x-rtp, payload=(int)96, ssrc=(uint){SSRC}, roc=(uint)3"
    ));
    let sent = packets(2);
    let out = through(&mut h, &sent);
    let s = enc.property::<gst::Structure>("stats");
    let stream = s.get::<gst::Array>("streams").unwrap();
    let stream = stream.first().unwrap().get::<gst::Structure>().unwrap();
    assert_eq!(stream.get::<u32>("roc").unwrap(), 3);
    for (decoder, roc, passes) in [
        ("callsealsrtpdec", Some(3u32), true),
        ("srtpdec", Some(3), true),
        ("callsealsrtpdec", None, false),
    ] {
        init();
        let dec = gst::ElementFactory::make(decoder).build().unwrap();
        let mut hd = Harness::with_element(&dec, Some("rtp_sink"), Some("rtp_src"));
        let mut caps = suite.key_caps("application/x-srtp", &key, Some(SSRC));
        if let Some(roc) = roc {
            caps.make_mut().structure_mut(0).unwrap().set("roc", roc);
        }
        hd.set_src_caps(caps);
        hd.push(buf(&out[0])).unwrap();
        match hd.try_pull() {
            Some(b) => {
                assert!(passes, "{decoder} {roc:?}");
                assert_eq!(bytes(&b), sent[0]);
            }
            None => assert!(!passes, "{decoder} {roc:?}"),
        }
    }
}

#[test]
fn dec_random_bytes_never_pass_and_are_all_counted() {
    init();
    let mut rng = Rng::new(0xdead);
    for suite in &SUITES {
        for rtcp in [false, true] {
            let media = if rtcp {
                "application/x-srtcp"
            } else {
                "application/x-srtp"
            };
            let caps = suite.key_caps(media, &random(suite.key_len), None);
            let (mut h, dec, _) = dec_harness(Some(caps), rtcp);
            let n = 2000;
            for i in 0..n {
                let mut p = vec![0u8; rng.below(300) as usize];
                rng.fill(&mut p);
                if i % 2 == 0 && !p.is_empty() {
                    p[0] = 0x80 | (p[0] & 0x3f); // version 2: gets past the first check
                }
                h.push(buf(&p)).unwrap();
            }
            assert!(
                h.try_pull().is_none(),
                "{}: random bytes passed",
                suite.name
            );
            let s = dec_stats(&dec);
            assert_eq!(stat(&s, "recv-count"), 0);
            assert_eq!(stat(&s, "recv-drop-count"), n, "{s}");
        }
    }
}
