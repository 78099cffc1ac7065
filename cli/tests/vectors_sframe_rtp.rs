//! `callseal vectors sframe-rtp`: the record checked from the outside. The packets are read
//! with a parser written here from the draft (not the library's), the ciphertexts opened with
//! the library's SFrame receiver, and the packets also put back together by its receiver.

use callseal::rtp_sframe::Reassembler;
use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver};
use callseal::{Epoch, KeyId, SframeSuite};
use serde_json::Value;
use std::process::Command;

mod common;

const SEED: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

fn record(args: &[&str]) -> Value {
    common::json_of(&[&["vectors", "sframe-rtp", "--seed", SEED], args].concat())
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// Check every stream of a record; `per_packet` says which mode it should be in.
fn check(v: &Value, per_packet: bool, mtu: usize) {
    assert_eq!(v["source"], "draft-ietf-avtcore-rtp-sframe-02");
    assert_eq!(v["cipher_suite"], 4);
    let streams = v["streams"].as_array().unwrap();
    assert_eq!(
        streams
            .iter()
            .map(|s| s["kind"].clone())
            .collect::<Vec<_>>(),
        ["audio", "video", "screen"]
    );
    for s in streams {
        let mut rx =
            SframeReceiver::new(SframeConfig::new(SframeSuite::Aes128GcmSha256_128)).unwrap();
        let kid = KeyId(s["kid"].as_u64().unwrap());
        rx.install_key(kid, Epoch(0), &bytes(&s["base_key"]))
            .unwrap();
        let mut reassembler = Reassembler::new(1 << 16, 1 << 18, 256).unwrap();
        let mut seq = s["first_sequence_number"].as_u64().unwrap() as u16;
        for f in s["frames"].as_array().unwrap() {
            let frame = bytes(&f["frame"]);
            let cts: Vec<Vec<u8>> = f["sframe_ciphertexts"]
                .as_array()
                .unwrap()
                .iter()
                .map(bytes)
                .collect();
            let packets: Vec<Vec<u8>> = f["rtp_packets"]
                .as_array()
                .unwrap()
                .iter()
                .map(bytes)
                .collect();
            // The draft's packetization, read by hand.
            let mut payloads = Vec::new();
            for (i, p) in packets.iter().enumerate() {
                assert!(p.len() <= mtu);
                assert_eq!(p[0], 0x80, "version 2, no padding, extension or CSRC");
                assert_eq!(u64::from(p[1] & 0x7f), s["payload_type"].as_u64().unwrap());
                assert_eq!(u16::from_be_bytes([p[2], p[3]]), seq);
                seq = seq.wrapping_add(1);
                assert_eq!(
                    u64::from(u32::from_be_bytes([p[4], p[5], p[6], p[7]])),
                    f["timestamp"].as_u64().unwrap()
                );
                assert_eq!(
                    u64::from(u32::from_be_bytes([p[8], p[9], p[10], p[11]])),
                    s["ssrc"].as_u64().unwrap()
                );
                let (first, last) = (i == 0, i + 1 == packets.len());
                let d = p[12];
                assert_eq!(d & 0x1f, 0, "reserved bits are 0");
                if per_packet {
                    assert_eq!(d, 0xe0, "S, E and T on every packet");
                    payloads.push(p[13..].to_vec());
                } else {
                    assert_eq!(d & 0x80 != 0, first, "S on the first packet only");
                    assert_eq!(d & 0x40 != 0, last, "E on the last packet only");
                    assert_eq!(d & 0x20, 0, "T = 0");
                    if first {
                        payloads.push(Vec::new());
                    }
                    payloads.last_mut().unwrap().extend_from_slice(&p[13..]);
                }
                assert_eq!(
                    p[1] & 0x80 != 0,
                    last,
                    "the marker bit on the frame's last packet"
                );
                // The library's receiver agrees.
                let got = reassembler.push(p).unwrap();
                if per_packet || last {
                    assert_eq!(got.unwrap().payload, payloads.last().unwrap().as_slice());
                } else {
                    assert!(got.is_none());
                }
            }
            assert_eq!(payloads, cts);
            // The ciphertexts open to the frame.
            let mut opened = Vec::new();
            for ct in &cts {
                let mut ct = ct.clone();
                let plain = rx.open(&mut ct, FrameOptions::NONE).unwrap();
                if per_packet {
                    // callseal's media packetization inside: a descriptor with T = 0.
                    assert_eq!(plain[0] & 0x20, 0);
                    opened.extend_from_slice(&plain[1..]);
                } else {
                    opened.extend_from_slice(plain);
                }
            }
            assert_eq!(opened, frame);
        }
    }
}

#[test]
fn per_frame_and_per_packet_records_check_out() {
    check(&record(&[]), false, 1200);
    check(&record(&["--mode", "frame", "--mtu", "300"]), false, 300);
    let v = record(&["--mode", "packet", "--mtu", "300"]);
    assert_eq!(v["mode"], "packet");
    check(&v, true, 300);
    // Deterministic: the same seed, the same record.
    assert_eq!(record(&["--mtu", "300"]), record(&["--mtu", "300"]));
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        &["--mtu", "99"][..],
        &["--mode", "slice"],
        &["--mtu", "70000"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_callseal"))
            .args(["vectors", "sframe-rtp", "--seed", SEED])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_callseal"))
        .args(["vectors", "sframe-rtp", "--seed", "abcd"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--seed"));
}
