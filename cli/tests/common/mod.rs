//! What the tests of the `callseal` binary share: running it, and captures to feed it.

#![allow(dead_code)] // each test file uses some of it

use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapPacket, PcapReader, PcapWriter};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The binary under test.
pub fn callseal() -> Command {
    Command::new(env!("CARGO_BIN_EXE_callseal"))
}

/// Run `callseal ARGS`, which must succeed, and read its standard output as JSON.
pub fn json_of<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> serde_json::Value {
    let out = callseal().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `callseal demo ARGS`, run to its end.
pub fn demo(args: &[&str]) -> Output {
    callseal()
        .arg("demo")
        .args(args)
        .output()
        .expect("run callseal demo")
}

/// The standard output of a run as JSON (whatever its exit status); shows both outputs when it
/// is not.
pub fn stdout_json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `callseal policy --store STORE ARGS`, which must succeed.
pub fn policy_admin(store: &Path) -> impl Fn(&[&str]) + '_ {
    move |args: &[&str]| {
        let out = callseal()
            .arg("policy")
            .arg("--store")
            .arg(store)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
    }
}

/// Run `args` with standard output a pipe that is closed after the first line (or at once when
/// `first_line` is false), as `callseal … | head -1` does.
pub fn with_closed_stdout(args: &[&str], first_line: bool) -> Output {
    let mut child = callseal()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    if first_line {
        let mut line = Vec::new();
        BufReader::new(stdout).read_until(b'\n', &mut line).unwrap();
        assert!(!line.is_empty(), "{args:?} printed nothing");
    } else {
        drop(stdout);
    }
    child.wait_with_output().unwrap()
}

pub const MAC_A: [u8; 6] = [2, 0, 0, 0, 0, 1];
pub const MAC_B: [u8; 6] = [2, 0, 0, 0, 0, 2];

pub fn rtp(ssrc: u32, seq: u16, csrcs: u8, ext_words: Option<u16>, payload_len: usize) -> Vec<u8> {
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

pub fn rtcp_sr(ssrc: u32, n: u32) -> Vec<u8> {
    let mut p = vec![0x80, 200, 0, 6];
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(&n.to_be_bytes());
    p.extend_from_slice(&[9u8; 20]);
    p
}

pub fn udp4(payload: &[u8], zero_checksum: bool) -> Vec<u8> {
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

pub fn udp6(payload: &[u8]) -> Vec<u8> {
    let b = PacketBuilder::ethernet2(MAC_A, MAC_B)
        .ipv6([0xfd; 16], [0xfe; 16], 64)
        .udp(40002, 5006);
    let mut f = Vec::with_capacity(b.size(payload.len()));
    b.write(&mut f, payload).unwrap();
    f
}

/// The capture of [`frames`], written as classic pcap at `path`.
pub fn build_capture(path: &Path) -> Vec<Vec<u8>> {
    let frames = frames();
    let mut w = PcapWriter::new(std::fs::File::create(path).unwrap()).unwrap();
    for (i, f) in frames.iter().enumerate() {
        w.write_packet(&PcapPacket::new(timestamp(i), f.len() as u32, f))
            .unwrap();
    }
    frames
}

/// When the `i`th frame of a capture was seen.
pub fn timestamp(i: usize) -> Duration {
    Duration::from_micros(1_000_000 + 20_000 * i as u64)
}

/// The frames of the capture: RTP over IPv4 (one stream without UDP checksum) and IPv6
/// crossing a sequence number wrap, with CSRCs and extensions; RTCP; and TCP, STUN-like UDP and
/// ARP to pass through.
pub fn frames() -> Vec<Vec<u8>> {
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
    frames
}

/// The packets of a classic pcap capture.
pub fn read(path: &Path) -> Vec<(Duration, Vec<u8>)> {
    read_bytes(&std::fs::read(path).unwrap())
}

/// The packets of a classic pcap capture in memory.
pub fn read_bytes(capture: &[u8]) -> Vec<(Duration, Vec<u8>)> {
    let mut r = PcapReader::new(capture).unwrap();
    let mut out = vec![];
    while let Some(p) = r.next_packet() {
        let p = p.unwrap();
        assert_eq!(p.orig_len as usize, p.data.len());
        out.push((p.timestamp, p.data.into_owned()));
    }
    out
}
