//! `callseal srtp encrypt` then `decrypt` on a capture built here gives back the original
//! packets; the encrypted capture has consistent lengths and checksums; other traffic passes
//! through unchanged.

use base64::Engine;
use etherparse::{NetSlice, PacketBuilder, SlicedPacket, TransportSlice, UdpHeader};
use pcap_file::pcap::{PcapPacket, PcapReader, PcapWriter};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 1];
const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 2];

fn rtp(ssrc: u32, seq: u16, csrcs: u8, ext_words: Option<u16>, payload_len: usize) -> Vec<u8> {
    let mut p = vec![
        0x80 | csrcs | if ext_words.is_some() { 0x10 } else { 0 },
        111,
    ];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(seq as u32 * 960).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    for i in 0..csrcs as u32 {
        p.extend_from_slice(&(0xc5c0 + i).to_be_bytes());
    }
    if let Some(w) = ext_words {
        p.extend_from_slice(&[0xbe, 0xde]);
        p.extend_from_slice(&w.to_be_bytes());
        p.resize(p.len() + 4 * w as usize, 0x22);
    }
    p.extend((0..payload_len).map(|i| (i * 7 + seq as usize) as u8));
    p
}

fn rtcp_sr(ssrc: u32, n: u32) -> Vec<u8> {
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&n.to_be_bytes());
    p.extend_from_slice(&[9u8; 20]);
    p
}

fn udp4(payload: &[u8], zero_checksum: bool) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
        .udp(40000, 5004);
    let mut f = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut f, payload).unwrap();
    if zero_checksum {
        f[14 + 20 + 6] = 0;
        f[14 + 20 + 7] = 0;
    }
    f
}

fn udp6(payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6([0xfd; 16], [0xfe; 16], 64)
        .udp(40002, 5006);
    let mut f = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut f, payload).unwrap();
    f
}

/// The capture: RTP over IPv4 (one stream without UDP checksum) and IPv6 crossing a sequence
/// number wrap, with CSRCs and extensions; RTCP; and TCP, STUN-like UDP and ARP to pass through.
fn build_capture(path: &Path) -> Vec<Vec<u8>> {
    let mut frames = vec![];
    for i in 0..300u32 {
        let seq = 65400u16.wrapping_add(i as u16);
        let csrcs = if i % 7 == 0 { 2 } else { 0 };
        let ext = (i % 5 == 0).then_some(1 + (i % 3) as u16);
        frames.push(udp4(
            &rtp(0xaaaa_0001, seq, csrcs, ext, (i as usize * 37) % 1200),
            i % 2 == 0 && i > 200,
        ));
        frames.push(udp6(&rtp(0xbbbb_0002, seq.wrapping_add(100), 0, ext, 160)));
        if i % 50 == 0 {
            frames.push(udp4(&rtcp_sr(0xaaaa_0001, i), false));
            frames.push(udp6(&rtcp_sr(0xbbbb_0002, i)));
            let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
                .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
                .tcp(443, 50000, i, 1000);
            let mut f = vec![];
            b.write(&mut f, b"tcp payload passes through").unwrap();
            frames.push(f);
            // STUN binding request: first byte 0x00, not RTP.
            frames.push(udp4(
                &[
                    0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                ],
                false,
            ));
            let mut arp = vec![0xff; 6];
            arp.extend_from_slice(&MAC_A);
            arp.extend_from_slice(&[0x08, 0x06]);
            arp.extend_from_slice(&[0u8; 28]);
            frames.push(arp);
        }
    }
    let mut w = PcapWriter::new(std::fs::File::create(path).unwrap()).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(
            Duration::from_micros(1_000_000 + 20_000 * i as u64),
            f.len() as u32,
            f,
        ))
        .unwrap();
    }
    frames
}

fn read(path: &Path) -> Vec<(Duration, Vec<u8>)> {
    let mut r = PcapReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = vec![];
    while let Some(p) = r.next_packet() {
        let p = p.unwrap();
        assert_eq!(p.orig_len as usize, p.data.len());
        out.push((p.timestamp, p.data.into_owned()));
    }
    out
}

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
