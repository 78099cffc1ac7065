//! `callseal srtp decrypt --roc ROC [--ssrc SSRC]`: a capture that starts in the middle of a
//! call, at sequence number 60,000 of rollover counter 3, decodes (libsrtp's `rtp_decoder -r`);
//! without the option, or with the ROC given to another SSRC, its packets fail.

mod common;

use base64::Engine;
use callseal::srtp::{SrtpConfig, SrtpSender};
use callseal::{Roc, SrtpMasterKey, SrtpSuite, Ssrc};
use common::{read, rtp, timestamp, udp4};
use pcap_file::pcap::{PcapPacket, PcapWriter};
use std::path::Path;

const LATE: u32 = 0x1a7e_0003;
const FRESH: u32 = 0x0000_f00d;

/// Run `callseal ARGS`, expecting exit status `status`; its stderr.
fn run_status(args: &[&str], status: i32) -> String {
    let out = common::callseal().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(status), "{args:?}: {stderr}");
    stderr
}

/// The stream `LATE` seen from sequence number 60,000 of ROC 3 across the wrap into ROC 4
/// (8,000 packets), and a stream `FRESH` that starts at ROC 0. Returns the RTP packets.
fn capture(path: &Path, key: &[u8]) -> Vec<Vec<u8>> {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let master = SrtpMasterKey::from_concatenated(suite, key).unwrap();
    let mut tx = SrtpSender::new(&master, SrtpConfig::default()).unwrap();
    tx.set_roc(Ssrc(LATE), Roc(3)).unwrap();
    let mut plain = vec![];
    let mut w = PcapWriter::new(std::fs::File::create(path).unwrap()).unwrap();
    for i in 0..8000u32 {
        let seq = 60_000u16.wrapping_add(i as u16);
        let mut packets = vec![rtp(LATE, seq, 0, None, 40 + (i as usize % 200))];
        if i % 100 == 0 {
            packets.push(rtp(FRESH, (i / 100) as u16, 0, None, 20));
        }
        for p in packets {
            let frame = udp4(&tx.protect_rtp_vec(&p).unwrap(), false);
            let n = plain.len();
            w.write_packet(&PcapPacket::new(timestamp(n), frame.len() as u32, &frame))
                .unwrap();
            plain.push(p);
        }
    }
    assert_eq!(tx.roc(Ssrc(LATE)), Some(Roc(4)));
    plain
}

/// The RTP packets of a decrypted capture.
fn payloads(path: &Path) -> Vec<Vec<u8>> {
    read(path)
        .into_iter()
        .map(|(_, f)| f[14 + 20 + 8..].to_vec())
        .collect()
}

#[test]
fn a_capture_starting_at_roc_3_decodes_with_roc_options() {
    let dir = tempfile::tempdir().unwrap();
    let (input, output) = (dir.path().join("in.pcap"), dir.path().join("out.pcap"));
    let key: Vec<u8> = (0..30u8).map(|i| i.wrapping_mul(77) ^ 0x3c).collect();
    let plain = capture(&input, &key);
    let b64 = base64::engine::general_purpose::STANDARD.encode(&key);
    let (inp, out) = (input.to_str().unwrap(), output.to_str().unwrap());
    let decrypt = |extra: &[&str], status: i32| {
        let mut args = vec![
            "srtp",
            "decrypt",
            "--suite",
            "AES_CM_128_HMAC_SHA1_80",
            "--key",
            &b64,
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[inp, out]);
        run_status(&args, status)
    };

    // ROC 3 for every stream: the late one decodes, the fresh one (at ROC 0) does not.
    let s = decrypt(&["--roc", "3"], 5);
    assert!(s.contains("0x1a7e0003 RTP       8000       8000  -"), "{s}");
    assert!(
        s.contains("0x0000f00d RTP         80          0  auth=80"),
        "{s}"
    );
    let got = payloads(&output);
    for (i, (g, p)) in got.iter().zip(&plain).enumerate() {
        if p[8..12] == LATE.to_be_bytes() {
            assert_eq!(g, p, "packet {i}");
        }
    }

    // ROC 3 for the late SSRC alone (hex or decimal): everything decodes.
    for ssrc in ["0x1a7e0003", &LATE.to_string()] {
        let s = decrypt(&["--roc", "3", "--ssrc", ssrc], 0);
        assert!(s.contains("0x1a7e0003 RTP       8000       8000  -"), "{s}");
        assert!(s.contains("0x0000f00d RTP         80         80  -"), "{s}");
        assert_eq!(payloads(&output), plain);
    }

    // Without the options, or with the ROC given to another SSRC, the late stream fails.
    for extra in [&[][..], &["--roc", "3", "--ssrc", "0x0000f00d"]] {
        let s = decrypt(extra, 5);
        assert!(
            s.contains("0x1a7e0003 RTP       8000          0  auth=8000"),
            "{s}"
        );
    }
    // --ssrc alone, or a malformed one, is refused before anything is read.
    let s = decrypt(&["--ssrc", "0x1a7e0003"], 2);
    assert!(s.contains("--roc"), "{s}");
    let s = decrypt(&["--roc", "3", "--ssrc", "0xnope"], 2);
    assert!(s.contains("not an SSRC"), "{s}");
}
