//! `callseal srtp encrypt` then `decrypt` on a capture built here gives back the original
//! packets; the encrypted capture has consistent lengths and checksums; other traffic passes
//! through unchanged. Captures come from files or standard input (and pcapng), keys in every
//! SDP form, and the exit status says whether every packet was processed.

mod common;

use base64::Engine;
use common::{build_capture, read};
use etherparse::{NetSlice, SlicedPacket, TransportSlice, UdpHeader};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::DataLink;
use std::process::Output;
use std::time::Duration;

/// Run `callseal ARGS` and check its exit status; its stderr.
fn run_status(args: &[&str], status: i32) -> String {
    let out = common::callseal().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(status), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// Run `callseal ARGS`, which succeeds; its stderr.
fn callseal(args: &[&str]) -> String {
    run_status(args, 0)
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
        ("AES_256_CM_HMAC_SHA1_80", 46, 10, 14),
        ("AES_256_CM_HMAC_SHA1_32", 46, 4, 14),
        ("AES_192_CM_HMAC_SHA1_80", 38, 10, 14),
        ("AES_192_CM_HMAC_SHA1_32", 38, 4, 14),
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
            // The exit status says so: 5.
            let s = run_status(
                &[
                    "srtp",
                    "decrypt",
                    "--suite",
                    suite,
                    "--key",
                    &wrong,
                    enc.to_str().unwrap(),
                    dec.to_str().unwrap(),
                ],
                5,
            );
            assert!(
                s.contains("0xaaaa0001 RTP        300          0  auth=300"),
                "{s}"
            );
            assert!(
                s.contains("callseal: 612 of 612 RTP/RTCP packets were not decrypted (auth=612)"),
                "{s}"
            );
            assert_eq!(read(&dec), encrypted);
        }
    }
}

/// A key of `len` bytes (30 for AES-CM-128, 28 for AES-128-GCM), base64.
fn key_b64(len: usize, seed: u8) -> String {
    let key: Vec<u8> = (0..len as u8)
        .map(|i| i.wrapping_mul(31).wrapping_add(seed))
        .collect();
    base64::engine::general_purpose::STANDARD.encode(key)
}

/// `callseal srtp VERB ARGS… IN OUT` with files, which succeeds; the output capture.
fn capture_through(verb: &str, args: &[&str], input: &std::path::Path) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.pcap");
    let mut a = vec!["srtp", verb];
    a.extend_from_slice(args);
    a.extend([input.to_str().unwrap(), out.to_str().unwrap()]);
    callseal(&a);
    std::fs::read(out).unwrap()
}

/// Run with `stdin` on standard input; the output.
fn with_stdin(args: &[&str], stdin: Vec<u8>) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = common::callseal()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || pipe.write_all(&stdin));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

#[test]
fn exit_statuses_say_what_went_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    build_capture(&input);
    let not_a_capture = dir.path().join("notes.txt");
    std::fs::write(&not_a_capture, "not a capture\n").unwrap();
    let (i, o) = (input.to_str().unwrap(), dir.path().join("out.pcap"));
    let o = o.to_str().unwrap();
    let cm = "AES_CM_128_HMAC_SHA1_80";
    let key = key_b64(30, 5);
    for (args, status, message) in [
        // Usage errors, found by the argument parser: 2.
        (
            vec!["--suite", "NOPE", "--key", &key, i, o],
            2,
            "one of: AEAD_AES_128_GCM",
        ),
        (vec!["--suite", cm, i, o], 2, "--key"),
        (vec!["--suite", cm, "--key", &key, i], 2, "<OUTPUT>"),
        // Everything else: 1.
        (
            vec!["--suite", cm, "--key", "not base64!", i, o],
            1,
            "base64",
        ),
        (
            vec!["--suite", cm, "--key", "AAAA", i, o],
            1,
            "needs 30 bytes",
        ),
        (vec!["--key", &key, i, o], 1, "--suite is needed"),
        (
            vec!["--suite", cm, "--key", &key, "/no/such.pcap", o],
            1,
            "opening /no/such.pcap",
        ),
        (
            vec![
                "--suite",
                cm,
                "--key",
                &key,
                not_a_capture.to_str().unwrap(),
                o,
            ],
            1,
            "neither a pcap nor a pcapng capture",
        ),
        (
            vec!["--suite", cm, "--key", &key, i, "/no/such/dir/out.pcap"],
            1,
            "creating",
        ),
        (
            vec!["--suite", cm, "--key", "@/no/such.key", i, o],
            1,
            "reading the key file",
        ),
    ] {
        let mut a = vec!["srtp", "decrypt"];
        a.extend(args);
        let err = run_status(&a, status);
        assert!(err.contains(message), "{a:?}: {err}");
        assert!(!err.contains(&key), "the key is never printed: {err}");
    }
}

#[test]
fn standard_input_and_output_carry_the_capture() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    build_capture(&input);
    let key = key_b64(30, 5);
    let args = ["--suite", "AES_CM_128_HMAC_SHA1_80", "--key", &key];
    let by_file = capture_through("encrypt", &args, &input);

    let mut a = vec!["srtp", "encrypt"];
    a.extend(args);
    a.extend(["-", "-"]);
    let enc = with_stdin(&a, std::fs::read(&input).unwrap());
    assert!(enc.status.success());
    // Standard output carries the capture alone; the summary goes to stderr.
    assert_eq!(enc.stdout, by_file);
    let err = String::from_utf8(enc.stderr).unwrap();
    assert!(
        err.contains("0xaaaa0001 RTP        300        300  -"),
        "{err}"
    );

    a[1] = "decrypt";
    let dec = with_stdin(&a, enc.stdout);
    assert!(dec.status.success());
    assert_eq!(common::read_bytes(&dec.stdout), read(&input));
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    build_capture(&input);
    let key = key_b64(30, 5);
    let args = [
        "srtp",
        "encrypt",
        "--suite",
        "AES_CM_128_HMAC_SHA1_80",
        "--key",
        &key,
        input.to_str().unwrap(),
        "-",
    ];
    let out = common::with_closed_stdout(&args, false);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("callseal:"),
        "{err}"
    );
}

/// `frames` as pcapng at `path`, on interfaces of `linktypes` (frame `i` on interface
/// `i % linktypes.len()`), counting time in `10^-resolution` s (pcapng's default: 6).
fn write_pcapng(
    path: &std::path::Path,
    frames: &[Vec<u8>],
    linktypes: &[DataLink],
    resolution: Option<u8>,
) {
    let mut w = PcapNgWriter::new(std::fs::File::create(path).unwrap()).unwrap();
    for linktype in linktypes {
        w.write_pcapng_block(InterfaceDescriptionBlock {
            linktype: *linktype,
            snaplen: 0,
            options: resolution
                .map(InterfaceDescriptionOption::IfTsResol)
                .into_iter()
                .collect(),
        })
        .unwrap();
    }
    let per_second = 10u128.pow(resolution.unwrap_or(6).into());
    for (i, f) in frames.iter().enumerate() {
        // pcap-file takes the timestamp in the interface's units, as nanoseconds.
        let ticks = common::timestamp(i).as_nanos() * per_second / 1_000_000_000;
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: (i % linktypes.len()) as u32,
            timestamp: Duration::from_nanos(ticks as u64),
            original_len: f.len() as u32,
            data: f[..].into(),
            options: vec![],
        })
        .unwrap();
    }
}

#[test]
fn pcapng_is_read_and_written_as_pcap() {
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("in.pcap");
    let frames = build_capture(&pcap);
    let key = key_b64(28, 9);
    let args = ["--suite", "AEAD_AES_128_GCM", "--key", &key];
    let from_pcap = capture_through("encrypt", &args, &pcap);
    let ng = dir.path().join("in.pcapng");
    // Microseconds, pcapng's default, and nanoseconds, which the output keeps.
    for (resolution, magic) in [(None, 0xa1b2c3d4u32), (Some(9), 0xa1b23c4d)] {
        write_pcapng(&ng, &frames, &[DataLink::ETHERNET], resolution);
        let from_pcapng = capture_through("encrypt", &args, &ng);
        assert_eq!(from_pcapng[..4], magic.to_be_bytes(), "{resolution:?}");
        assert_eq!(
            common::read_bytes(&from_pcapng),
            common::read_bytes(&from_pcap),
            "{resolution:?}"
        );
    }

    // What cannot be written as one classic pcap, or read, is refused.
    write_pcapng(
        &ng,
        &frames,
        &[DataLink::ETHERNET, DataLink::LINUX_SLL],
        None,
    );
    let o = dir.path().join("out.pcap");
    let mut a = vec!["srtp", "encrypt"];
    a.extend(args);
    a.extend([ng.to_str().unwrap(), o.to_str().unwrap()]);
    let err = run_status(&a, 1);
    assert!(err.contains("mixes link types"), "{err}");
    let mut broken = vec![0x0a, 0x0d, 0x0d, 0x0a];
    broken.extend([0xff; 40]);
    std::fs::write(&ng, broken).unwrap();
    let err = run_status(&a, 1);
    assert!(err.contains("editcap -F pcap in.pcapng out.pcap"), "{err}");
}

#[test]
fn suite_names_in_any_case() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    build_capture(&input);
    let key = key_b64(30, 5);
    let upper = capture_through(
        "encrypt",
        &["--suite", "AES_CM_128_HMAC_SHA1_80", "--key", &key],
        &input,
    );
    let lower = capture_through(
        "encrypt",
        &["--suite", "aes_cm_128_hmac_sha1_80", "--key", &key],
        &input,
    );
    assert_eq!(upper, lower);
}

#[test]
fn keys_from_a_crypto_lines_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    build_capture(&input);
    let (k1, k2) = (key_b64(30, 5), key_b64(30, 6));
    let inline = format!("inline:{k1}|2^31|1:1");
    let expected = capture_through(
        "encrypt",
        &["--suite", "AES_CM_128_HMAC_SHA1_80", "--key", &inline],
        &input,
    );

    // The a=crypto line names the suite; --suite may repeat it, in any case.
    let line = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {inline}");
    assert_eq!(
        capture_through("encrypt", &["--key", &line], &input),
        expected
    );
    let args = ["--suite", "aes_cm_128_hmac_sha1_80", "--key", &line];
    assert_eq!(capture_through("encrypt", &args, &input), expected);
    let o = dir.path().join("out.pcap");
    let (i, o) = (input.to_str().unwrap(), o.to_str().unwrap());
    let err = run_status(
        &[
            "srtp",
            "encrypt",
            "--suite",
            "AEAD_AES_128_GCM",
            "--key",
            &line,
            i,
            o,
        ],
        1,
    );
    assert!(
        err.contains(
            "--suite AEAD_AES_128_GCM disagrees with the a=crypto line's AES_CM_128_HMAC_SHA1_80"
        ),
        "{err}"
    );

    // A file with the line, the inline key or the bare key.
    let file = dir.path().join("key");
    let at_file = format!("@{}", file.display());
    std::fs::write(&file, format!("{line}\r\n")).unwrap();
    assert_eq!(
        capture_through("encrypt", &["--key", &at_file], &input),
        expected
    );
    std::fs::write(&file, format!("# the call of 9 May\n{inline}\n")).unwrap();
    let args = ["--suite", "AES_CM_128_HMAC_SHA1_80", "--key", &at_file];
    assert_eq!(capture_through("encrypt", &args, &input), expected);

    // An SDP: the a=crypto line of the suite.
    let gcm = key_b64(28, 7);
    std::fs::write(
        &file,
        format!(
            "v=0\r\nm=audio 5004 RTP/SAVP 111\r\na=crypto:1 AEAD_AES_128_GCM inline:{gcm}\r\n{line}\r\n"
        ),
    )
    .unwrap();
    let err = run_status(&["srtp", "encrypt", "--key", &at_file, i, o], 1);
    assert!(
        err.contains("2 a=crypto lines") && err.contains("--suite"),
        "{err}"
    );
    assert!(!err.contains(&k1) && !err.contains(&gcm), "{err}");
    let args = ["--suite", "AES_CM_128_HMAC_SHA1_80", "--key", &at_file];
    assert_eq!(capture_through("encrypt", &args, &input), expected);

    // Several keys, told apart by their MKI: the receiver takes them all.
    let two = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{k2}|2^31|2:1;{inline}");
    let enc = dir.path().join("enc.pcap");
    std::fs::write(&enc, &expected).unwrap();
    let dec = capture_through("decrypt", &["--key", &two], &enc);
    assert_eq!(common::read_bytes(&dec), read(&input));

    // Decrypting with the key as an a=crypto line, and as a key file holding that line.
    let dec = capture_through("decrypt", &["--key", &line], &enc);
    assert_eq!(common::read_bytes(&dec), read(&input));
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let dec = capture_through("decrypt", &["--key", &at_file], &enc);
    assert_eq!(common::read_bytes(&dec), read(&input));

    // A broken line: the message says which part is wrong, and never shows the key.
    for (broken, says) in [
        (
            format!("a=crypto:x AES_CM_128_HMAC_SHA1_80 {inline}"),
            "the tag",
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_99 {inline}"),
            "the crypto suite",
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {k1}"),
            "inline:",
        ),
        (
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AB*D".to_owned(),
            "base64",
        ),
        (
            format!("a=crypto:1 AEAD_AES_128_GCM {inline}"),
            "as long as the suite's",
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{k1}|2^x"),
            "lifetime",
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{k1}|300:1"),
            "the MKI",
        ),
        (
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {inline} WSH=3"),
            "session parameter",
        ),
    ] {
        let err = run_status(&["srtp", "decrypt", "--key", &broken, i, o], 1);
        assert!(err.contains(says), "{broken}: {err}");
        assert!(!err.contains(&k1), "{err}");
    }
}

#[test]
fn quiet_prints_only_what_went_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pcap");
    build_capture(&input);
    let (enc, dec) = (dir.path().join("enc.pcap"), dir.path().join("dec.pcap"));
    let (i, e, d) = (
        input.to_str().unwrap(),
        enc.to_str().unwrap(),
        dec.to_str().unwrap(),
    );
    let (key, wrong) = (key_b64(30, 5), key_b64(30, 6));
    let cm = "AES_CM_128_HMAC_SHA1_80";
    let err = run_status(
        &["srtp", "encrypt", "-q", "--suite", cm, "--key", &key, i, e],
        0,
    );
    assert_eq!(err, "");
    let err = run_status(
        &[
            "srtp", "decrypt", "--quiet", "--suite", cm, "--key", &wrong, e, d,
        ],
        5,
    );
    assert_eq!(
        err,
        "callseal: 612 of 612 RTP/RTCP packets were not decrypted (auth=612); they are written unchanged\n"
    );
}
