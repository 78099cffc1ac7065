//! `callseal srtp encrypt` then `decrypt` on a capture built here gives back the original
//! packets; the encrypted capture has consistent lengths and checksums; other traffic passes
//! through unchanged.

mod common;

use base64::Engine;
use common::{build_capture, read};
use etherparse::{NetSlice, SlicedPacket, TransportSlice, UdpHeader};
use std::process::Command;

fn callseal(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_callseal"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    stderr
}

/// Lengths and checksums of an Ethernet/IP/UDP frame are consistent.
fn check_udp_frame(f: &[u8]) -> Option<usize> {
    let s = SlicedPacket::from_ethernet(f).unwrap();
    let Some(TransportSlice::Udp(udp)) = &s.transport else {
        return None;
    };
    let payload = udp.payload();
    assert_eq!(udp.length() as usize, 8 + payload.len());
    let h = UdpHeader {
        source_port: udp.source_port(),
        destination_port: udp.destination_port(),
        length: udp.length(),
        checksum: 0,
    };
    match &s.net {
        Some(NetSlice::Ipv4(ip)) => {
            let hdr = ip.header().to_header();
            assert_eq!(hdr.header_checksum, hdr.calc_header_checksum());
            assert_eq!(hdr.total_len as usize, hdr.header_len() + 8 + payload.len());
            if udp.checksum() != 0 {
                assert_eq!(udp.checksum(), h.calc_checksum_ipv4(&hdr, payload).unwrap());
            }
        }
        Some(NetSlice::Ipv6(ip)) => {
            let hdr = ip.header().to_header();
            assert_eq!(hdr.payload_length as usize, 8 + payload.len());
            assert_eq!(udp.checksum(), h.calc_checksum_ipv6(&hdr, payload).unwrap());
        }
        None => panic!("no IP"),
    }
    Some(payload.len())
}

#[test]
fn encrypt_then_decrypt_round_trips_every_suite() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    let frames = build_capture(&input);
    let original = read(&input);
    assert_eq!(original.len(), frames.len());
    for (suite, key_len, overhead_rtp, overhead_rtcp) in [
        ("AEAD_AES_128_GCM", 28, 16, 20),
        ("AEAD_AES_256_GCM", 44, 16, 20),
        ("AES_CM_128_HMAC_SHA1_80", 30, 10, 14),
        ("AES_CM_128_HMAC_SHA1_32", 30, 4, 14),
    ] {
        let key: Vec<u8> = (0..key_len as u8)
            .map(|i| i.wrapping_mul(31).wrapping_add(5))
            .collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&key);
        for (key_arg, mki_len) in [(b64.clone(), 0usize), (format!("inline:{b64}|2^31|7:2"), 2)] {
            let enc = dir.path().join("enc.pcap");
            let dec = dir.path().join("dec.pcap");
            let s = callseal(&[
                "srtp",
                "encrypt",
                "--suite",
                suite,
                "--key",
                &key_arg,
                input.to_str().unwrap(),
                enc.to_str().unwrap(),
            ]);
            assert!(s.contains("0xaaaa0001 RTP        300        300  -"), "{s}");
            assert!(s.contains("0xbbbb0002 RTCP         6          6  -"), "{s}");
            let encrypted = read(&enc);
            assert_eq!(encrypted.len(), original.len());
            let mut changed = 0;
            for ((t0, a), (t1, b)) in original.iter().zip(&encrypted) {
                assert_eq!(t0, t1);
                let Some(plain_len) = check_udp_frame(a) else {
                    assert_eq!(a, b, "non-UDP traffic must pass through");
                    continue;
                };
                let enc_len = check_udp_frame(b).unwrap();
                let payload = &a[a.len() - plain_len..];
                if payload[0] >> 6 != 2 {
                    assert_eq!(a, b, "non-RTP UDP must pass through");
                } else if payload[1] == 200 {
                    assert_eq!(enc_len, plain_len + overhead_rtcp + mki_len);
                    changed += 1;
                } else {
                    assert_eq!(enc_len, plain_len + overhead_rtp + mki_len);
                    changed += 1;
                }
            }
            assert_eq!(changed, 600 + 12);
            let s = callseal(&[
                "srtp",
                "decrypt",
                "--suite",
                suite,
                "--key",
                &key_arg,
                enc.to_str().unwrap(),
                dec.to_str().unwrap(),
            ]);
            assert!(s.contains("0xbbbb0002 RTP        300        300  -"), "{s}");
            assert_eq!(read(&dec), original, "{suite}: decrypt(encrypt(x)) != x");

            // Decrypting the encrypted capture again with another key fails every packet and
            // changes nothing.
            let mut wrong = key.clone();
            wrong[0] ^= 1;
            let wrong = base64::engine::general_purpose::STANDARD.encode(&wrong);
            let wrong = if mki_len == 0 {
                wrong
            } else {
                format!("inline:{wrong}|2^31|7:2")
            };
            let s = callseal(&[
                "srtp",
                "decrypt",
                "--suite",
                suite,
                "--key",
                &wrong,
                enc.to_str().unwrap(),
                dec.to_str().unwrap(),
            ]);
            assert!(
                s.contains("0xaaaa0001 RTP        300          0  auth=300"),
                "{s}"
            );
            assert_eq!(read(&dec), encrypted);
        }
    }
}

#[test]
fn bad_arguments_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    build_capture(&input);
    let out = dir.path().join("out.pcap");
    for (suite, key) in [
        ("NOPE", "AAAA"),
        ("AEAD_AES_128_GCM", "not base64!"),
        ("AEAD_AES_128_GCM", "AAAA"),
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_callseal"))
            .args([
                "srtp",
                "decrypt",
                "--suite",
                suite,
                "--key",
                key,
                input.to_str().unwrap(),
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert!(!o.status.success());
        assert!(!o.stderr.is_empty());
    }
}
