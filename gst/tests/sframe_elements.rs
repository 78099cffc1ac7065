//! `gst_check::Harness` tests of `callsealsframeenc` and `callsealsframedec`: caps wrapping and
//! restoring, every suite, every property, the `request-key` signal, bad keys and caps as
//! element errors, tampered and replayed frames dropped and counted.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use gst::prelude::*;
use gst_check::Harness;

const SUITES: [&str; 5] = [
    "aes-128-ctr-hmac-sha256-80",
    "aes-128-ctr-hmac-sha256-64",
    "aes-128-ctr-hmac-sha256-32",
    "aes-128-gcm-sha256-128",
    "aes-256-gcm-sha512-128",
];
const TAG: [usize; 5] = [10, 8, 4, 16, 16];
const VP8_CAPS: &str = "video/x-vp8, width=(int)320, height=(int)240, framerate=(fraction)30/1";

fn element(factory: &str, suite: &str, kid: u64, key: Option<&[u8]>) -> (gst::Element, gst::Bus) {
    let (e, bus) = watched(factory);
    e.set_property_from_str("suite", suite);
    e.set_property("key-id", kid);
    if let Some(key) = key {
        e.set_property("key", gst::Buffer::from_slice(key.to_vec()));
    }
    (e, bus)
}

fn frames(n: usize) -> Vec<Vec<u8>> {
    let mut rng = Rng::new(11);
    (0..n)
        .map(|i| {
            let mut f = vec![0u8; 1 + (i * 997) % 5000];
            rng.fill(&mut f);
            f
        })
        .collect()
}

/// Seal `frames` with a fresh encoder; the sealed frames and the output caps.
fn seal(suite: &str, kid: u64, key: &[u8], frames: &[Vec<u8>]) -> (Vec<Vec<u8>>, gst::Caps) {
    let (enc, _bus) = element("callsealsframeenc", suite, kid, Some(key));
    let mut h = Harness::with_element(&enc, Some("sink"), Some("src"));
    h.set_src_caps_str(VP8_CAPS);
    let sealed = frames
        .iter()
        .map(|f| {
            h.push(gst::Buffer::from_slice(f.clone())).expect("push");
            bytes(&h.pull().expect("a sealed frame"))
        })
        .collect();
    let caps = h.sinkpad().unwrap().current_caps().expect("caps");
    (sealed, caps)
}

fn dec_harness(
    suite: &str,
    kid: u64,
    key: Option<&[u8]>,
    caps: &gst::Caps,
) -> (Harness, gst::Element, gst::Bus) {
    let (dec, bus) = element("callsealsframedec", suite, kid, key);
    let mut h = Harness::with_element(&dec, Some("sink"), Some("src"));
    h.set_src_caps(caps.clone());
    (h, dec, bus)
}

fn stat_of(e: &gst::Element, field: &str) -> u64 {
    stat(&e.property::<gst::Structure>("stats"), field)
}

#[test]
fn every_suite_round_trips_and_the_caps_are_restored() {
    for (suite, tag) in SUITES.iter().zip(TAG) {
        let key = random(32);
        let sent = frames(40);
        let (sealed, caps) = seal(suite, 5, &key, &sent);
        // KID 5 and CTR < 8 fit in the config byte; later CTRs take one more byte.
        assert_eq!(sealed[0].len(), sent[0].len() + 1 + tag, "{suite}");
        assert_eq!(sealed[20].len(), sent[20].len() + 2 + tag, "{suite}");
        let s = caps.structure(0).unwrap();
        assert_eq!(s.name(), "application/x-sframe");
        assert_eq!(s.get::<&str>("original-media-type").unwrap(), "video/x-vp8");
        assert_eq!(s.get::<i32>("width").unwrap(), 320);

        let (mut h, dec, _) = dec_harness(suite, 5, Some(&key), &caps);
        for (c, f) in sealed.iter().zip(&sent) {
            h.push(gst::Buffer::from_slice(c.clone())).unwrap();
            assert_eq!(&bytes(&h.pull().unwrap()), f, "{suite}");
        }
        let out_caps = h.sinkpad().unwrap().current_caps().unwrap();
        assert_eq!(out_caps, gst::Caps::from_str_checked(VP8_CAPS));
        assert_eq!(stat_of(&dec, "frames"), 40);
        assert_eq!(stat_of(&dec, "drop-count"), 0);
    }
}

trait FromStrChecked {
    fn from_str_checked(s: &str) -> gst::Caps;
}

impl FromStrChecked for gst::Caps {
    fn from_str_checked(s: &str) -> gst::Caps {
        s.parse().expect("caps")
    }
}

#[test]
fn tampered_replayed_unknown_and_malformed_frames_are_dropped_and_counted() {
    for suite in SUITES {
        let key = random(16);
        let sent = frames(4);
        let (sealed, caps) = seal(suite, 9, &key, &sent);
        let (mut h, dec, _) = dec_harness(suite, 9, Some(&key), &caps);
        for at in [0usize, 3, sealed[0].len() - 1] {
            let mut t = sealed[0].clone();
            t[at] ^= 0x04;
            h.push(gst::Buffer::from_slice(t)).unwrap();
            assert!(
                h.try_pull().is_none(),
                "{suite}: a tampered frame passed (byte {at})"
            );
        }
        h.push(gst::Buffer::from_slice(sealed[0].clone())).unwrap();
        assert_eq!(bytes(&h.pull().unwrap()), sent[0]);
        h.push(gst::Buffer::from_slice(sealed[0].clone())).unwrap();
        assert!(h.try_pull().is_none(), "replay passed");
        h.push(gst::Buffer::from_slice(vec![0x0f])).unwrap();
        assert!(h.try_pull().is_none(), "malformed passed");
        h.push(gst::Buffer::from_slice(sealed[1].clone())).unwrap();
        assert_eq!(bytes(&h.pull().unwrap()), sent[1]);
        let s = dec.property::<gst::Structure>("stats");
        assert_eq!(stat(&s, "frames"), 2, "{suite}: {s}");
        assert_eq!(stat(&s, "drop-replay"), 1);
        assert_eq!(stat(&s, "drop-malformed"), 1);
        // Flipping the KID bits may name an unknown key; every other flip fails the tag.
        assert_eq!(
            stat(&s, "drop-authentication") + stat(&s, "drop-no-key"),
            3,
            "{s}"
        );
        assert_eq!(stat(&s, "drop-count"), 5);
    }
}

#[test]
fn request_key_answers_an_unknown_kid() {
    let key = random(32);
    let sent = frames(3);
    let (sealed, caps) = seal(SUITES[3], 77, &key, &sent);
    let (mut h, dec, _) = dec_harness(SUITES[3], 0, None, &caps);
    let asked = Arc::new(Mutex::new(Vec::new()));
    let answer = Arc::new(Mutex::new(None::<gst::Buffer>));
    let (a, ans) = (asked.clone(), answer.clone());
    dec.connect("request-key", false, move |args| {
        a.lock().unwrap().push(args[1].get::<u64>().unwrap());
        Some(ans.lock().unwrap().clone().to_value())
    });
    h.push(gst::Buffer::from_slice(sealed[0].clone())).unwrap();
    assert!(h.try_pull().is_none());
    *answer.lock().unwrap() = Some(gst::Buffer::from_slice(key.clone()));
    h.push(gst::Buffer::from_slice(sealed[1].clone())).unwrap();
    assert_eq!(bytes(&h.pull().unwrap()), sent[1]);
    h.push(gst::Buffer::from_slice(sealed[2].clone())).unwrap();
    assert_eq!(bytes(&h.pull().unwrap()), sent[2]);
    assert_eq!(*asked.lock().unwrap(), [77, 77]);
    assert_eq!(stat_of(&dec, "drop-no-key"), 1);
    assert_eq!(stat_of(&dec, "frames"), 2);
}

#[test]
fn properties_round_trip() {
    let key = random(20);
    let (enc, _) = element("callsealsframeenc", SUITES[4], u64::MAX, Some(&key));
    assert_eq!(enc.property::<u64>("key-id"), u64::MAX);
    assert_eq!(bytes(&enc.property::<gst::Buffer>("key")), key);
    assert_eq!(
        enc.property_value("suite")
            .get::<gstcallseal::SframeSuiteType>()
            .unwrap(),
        gstcallseal::SframeSuiteType::Aes256GcmSha512_128
    );
    let s = enc.property::<gst::Structure>("stats");
    assert_eq!((stat(&s, "frames"), stat(&s, "bytes")), (0, 0));
    assert!(!s.get::<bool>("rekey-soon").unwrap());

    let (dec, _) = element("callsealsframedec", SUITES[0], 3, Some(&key));
    assert_eq!(dec.property::<u32>("replay-window-size"), 128);
    dec.set_property("replay-window-size", 1024u32);
    assert_eq!(dec.property::<u32>("replay-window-size"), 1024);
    assert_eq!(dec.property::<u64>("key-id"), 3);
    assert_eq!(
        dec.property_value("suite")
            .get::<gstcallseal::SframeSuiteType>()
            .unwrap(),
        gstcallseal::SframeSuiteType::AesCtr128HmacSha256_80
    );
    let class = gst::glib::EnumClass::with_type(dec.property_value("suite").type_()).unwrap();
    let nicks: Vec<&str> = class.values().iter().map(|v| v.nick()).collect();
    assert_eq!(nicks, SUITES);
    let values: Vec<i32> = class.values().iter().map(|v| v.value()).collect();
    assert_eq!(values, [1, 2, 3, 4, 5], "the RFC 9605 suite numbers");

    // A replay window of 64 frames: a frame 100 behind is too old.
    let sent = frames(101);
    let key = random(16);
    let (sealed, caps) = seal(SUITES[3], 1, &key, &sent);
    for (window, passes) in [(64u32, false), (128, true)] {
        let (dec, _) = element("callsealsframedec", SUITES[3], 1, Some(&key));
        dec.set_property("replay-window-size", window);
        let mut h = Harness::with_element(&dec, Some("sink"), Some("src"));
        h.set_src_caps(caps.clone());
        h.push(gst::Buffer::from_slice(sealed[100].clone()))
            .unwrap();
        h.pull().unwrap();
        h.push(gst::Buffer::from_slice(sealed[0].clone())).unwrap();
        assert_eq!(h.try_pull().is_some(), passes, "window {window}");
    }
}

#[test]
fn bad_keys_and_caps_are_element_errors() {
    // A base key too short, no key, and a second encoder for a suite, KID and key already
    // used (it would repeat nonces).
    let used = random(32);
    seal(SUITES[0], 2, &used, &frames(1));
    let cases: [(&str, u64, Option<&[u8]>, &str); 3] = [
        (SUITES[3], 1, Some(&[1; 5]), "5-byte key"),
        (SUITES[3], 1, None, "no key"),
        (SUITES[0], 2, Some(&used), "reuse"),
    ];
    for (suite, kid, key, what) in cases {
        let (enc, bus) = element("callsealsframeenc", suite, kid, key);
        let mut h = Harness::with_element(&enc, Some("sink"), Some("src"));
        h.set_src_caps_str(VP8_CAPS);
        assert_eq!(
            h.push(gst::Buffer::from_slice(vec![1, 2, 3])),
            Err(gst::FlowError::NotNegotiated)
        );
        let err = error_text(&bus).expect("an element error");
        assert!(err.contains(what), "{what}: {err}");
    }

    // The decoder: a bad key.
    let (sealed, caps) = seal(SUITES[3], 1, &random(16), &frames(1));
    let (mut h, _dec, bus) = dec_harness(SUITES[3], 1, Some(&[0; 3]), &caps);
    assert_eq!(
        h.push(gst::Buffer::from_slice(sealed[0].clone())),
        Err(gst::FlowError::NotNegotiated)
    );
    assert!(error_text(&bus)
        .unwrap()
        .contains("cannot install the key of KID 1 (3 bytes)"));

    // The decoder: caps that are not sealed frames of a known media type.
    let (dec, bus) = element("callsealsframedec", SUITES[3], 1, Some(&random(16)));
    let mut h = Harness::with_element(&dec, Some("sink"), Some("src"));
    h.push_event(gst::event::StreamStart::new("s"));
    h.push_event(gst::event::Caps::new(
        &"application/x-sframe".parse::<gst::Caps>().unwrap(),
    ));
    h.push_event(gst::event::Segment::new(&gst::FormattedSegment::<
        gst::ClockTime,
    >::new()));
    assert!(h.push(gst::Buffer::from_slice(sealed[0].clone())).is_err());
    let err = error_text(&bus).expect("an element error");
    assert!(err.contains("original-media-type"), "{err}");
}

#[test]
fn random_bytes_never_pass_and_are_all_counted() {
    let mut rng = Rng::new(0xbeef);
    for suite in SUITES {
        let key = random(16);
        let (_, caps) = seal(suite, 0, &key, &frames(1));
        let (mut h, dec, _) = dec_harness(suite, 0, Some(&key), &caps);
        let n = 2000;
        for _ in 0..n {
            let mut f = vec![0u8; rng.below(300) as usize];
            rng.fill(&mut f);
            h.push(gst::Buffer::from_slice(f)).unwrap();
        }
        assert!(h.try_pull().is_none(), "{suite}: random bytes passed");
        assert_eq!(stat_of(&dec, "frames"), 0);
        assert_eq!(stat_of(&dec, "drop-count"), n);
    }
}
