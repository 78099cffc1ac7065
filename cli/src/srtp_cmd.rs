//! `callseal srtp encrypt|decrypt`: SRTP over pcap captures.
//!
//! Reads a classic pcap file, protects or unprotects every RTP and RTCP packet carried in UDP
//! over IPv4 or IPv6 on Ethernet, fixes the UDP length, the IP length and the checksums for the
//! new payload size, and writes every other packet through unchanged. RTP and RTCP are told
//! apart by payload type range (RFC 5761 §4). A per-SSRC summary goes to stderr.

use anyhow::{bail, Context};
use base64::Engine;
use callseal::srtp::Mki;
use callseal::srtp::{is_rtcp, SrtpConfig, SrtpReceiver, SrtpSender, MAX_STREAMS};
use callseal::{Error, SrtpMasterKey, SrtpSuite};
use clap::{Args, Subcommand};
use etherparse::{NetSlice, SlicedPacket, TransportSlice, UdpHeader};
use pcap_file::pcap::{PcapPacket, PcapReader, PcapWriter};
use pcap_file::DataLink;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;
use std::process::ExitCode;

/// SRTP capture commands.
#[derive(Subcommand)]
pub(crate) enum SrtpCommand {
    /// Unprotect the SRTP and SRTCP packets of a capture.
    Decrypt(PcapArgs),
    /// Protect the RTP and RTCP packets of a capture.
    Encrypt(PcapArgs),
}

/// Arguments of `encrypt` and `decrypt`.
#[derive(Args)]
pub(crate) struct PcapArgs {
    /// Protection profile: AEAD_AES_128_GCM, AEAD_AES_256_GCM, AES_CM_128_HMAC_SHA1_80 or
    /// AES_CM_128_HMAC_SHA1_32.
    #[arg(long)]
    suite: String,
    /// The SDP a=crypto key: base64 of master key ‖ master salt, optionally written as
    /// `inline:KEY|LIFETIME|MKI:LENGTH` (the MKI part turns on MKI).
    #[arg(long)]
    key: String,
    /// Replay window per SSRC (64..=32768).
    #[arg(long, default_value_t = 1024)]
    replay_window: u32,
    /// The input capture (classic pcap).
    input: PathBuf,
    /// The output capture.
    output: PathBuf,
}

pub(crate) fn run(c: SrtpCommand) -> anyhow::Result<ExitCode> {
    match c {
        SrtpCommand::Decrypt(a) => process(a, Mode::Decrypt),
        SrtpCommand::Encrypt(a) => process(a, Mode::Encrypt),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Encrypt,
    Decrypt,
}

/// An SDP `a=crypto` key parameter.
struct KeyParam {
    master: SrtpMasterKey,
    mki: Option<(Mki, usize)>,
}

fn parse_key(suite: SrtpSuite, s: &str) -> anyhow::Result<KeyParam> {
    let s = s.trim();
    let s = s.strip_prefix("inline:").unwrap_or(s);
    let mut parts = s.split('|');
    let b64 = parts.next().unwrap_or_default();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64))
        .context("the key is not valid base64")?;
    let master = SrtpMasterKey::from_concatenated(suite, &raw).map_err(|_| {
        anyhow::anyhow!(
            "{suite} needs {} bytes of master key and salt, the key has {}",
            suite.key_len() + suite.salt_len(),
            raw.len()
        )
    })?;
    let mut mki = None;
    for p in parts {
        // Lifetime ("2^31" or a number) is informational here; "VALUE:LENGTH" is the MKI.
        if let Some((v, l)) = p.split_once(':') {
            let value: u32 = v.parse().context("MKI value")?;
            let len: usize = l.parse().context("MKI length")?;
            if !(1..=4).contains(&len) {
                bail!("MKI length {len} is out of 1..=4");
            }
            mki = Some((Mki(value), len));
        }
    }
    Ok(KeyParam { master, mki })
}

/// Why a packet was not processed, for the summary.
fn reason(e: Error) -> &'static str {
    match e {
        Error::Authentication => "auth",
        Error::Replay => "replay",
        Error::TooOld => "too_old",
        Error::UnknownKey => "unknown_key",
        Error::Malformed(_) => "malformed",
        Error::LimitReached => "limit",
        Error::TooManyStreams => "too_many_streams",
        _ => "other",
    }
}

#[derive(Default)]
struct Tally {
    packets: u64,
    done: u64,
    failed: BTreeMap<&'static str, u64>,
}

enum Ctx {
    Tx(SrtpSender),
    Rx(SrtpReceiver),
}

impl Ctx {
    /// Process one RTP or RTCP datagram; `Ok(None)` never happens, an error is counted.
    fn apply(&mut self, payload: &[u8], rtcp: bool) -> Result<Vec<u8>, Error> {
        match (self, rtcp) {
            (Ctx::Tx(s), false) => s.protect_rtp_vec(payload),
            (Ctx::Tx(s), true) => s.protect_rtcp_vec(payload),
            (Ctx::Rx(r), false) => r.unprotect_rtp_vec(payload),
            (Ctx::Rx(r), true) => r.unprotect_rtcp_vec(payload),
        }
    }
}

/// Where the UDP datagram sits in an Ethernet frame.
struct UdpAt {
    ip_off: usize,
    udp_off: usize,
    payload_len: usize,
    v4: bool,
}

/// Find an unfragmented UDP datagram in the frame, with every length consistent.
fn locate_udp(frame: &[u8]) -> Option<UdpAt> {
    let sliced = SlicedPacket::from_ethernet(frame).ok()?;
    let base = frame.as_ptr() as usize;
    let (ip_off, v4) = match &sliced.net {
        Some(NetSlice::Ipv4(ip)) if !ip.is_payload_fragmented() => {
            (ip.header().slice().as_ptr() as usize - base, true)
        }
        Some(NetSlice::Ipv6(ip)) if !ip.is_payload_fragmented() => {
            (ip.header().slice().as_ptr() as usize - base, false)
        }
        _ => return None,
    };
    let Some(TransportSlice::Udp(udp)) = &sliced.transport else {
        return None;
    };
    let udp_off = udp.slice().as_ptr() as usize - base;
    Some(UdpAt {
        ip_off,
        udp_off,
        payload_len: udp.payload().len(),
        v4,
    })
}

/// The frame with its UDP payload replaced, lengths and checksums fixed.
fn rebuild(frame: &[u8], at: &UdpAt, payload: &[u8]) -> anyhow::Result<Vec<u8>> {
    let payload_start = at.udp_off + 8;
    let mut out = Vec::with_capacity(frame.len() + payload.len());
    out.extend_from_slice(&frame[..payload_start]);
    out.extend_from_slice(payload);
    // Anything after the datagram (Ethernet padding or trailer) is kept.
    out.extend_from_slice(&frame[payload_start + at.payload_len..]);

    let udp_len = 8 + payload.len();
    let udp_len16 = u16::try_from(udp_len).context("UDP datagram too long")?;
    out[at.udp_off + 4..at.udp_off + 6].copy_from_slice(&udp_len16.to_be_bytes());
    let old_checksum = u16::from_be_bytes([frame[at.udp_off + 6], frame[at.udp_off + 7]]);
    let udp = UdpHeader {
        source_port: u16::from_be_bytes([frame[at.udp_off], frame[at.udp_off + 1]]),
        destination_port: u16::from_be_bytes([frame[at.udp_off + 2], frame[at.udp_off + 3]]),
        length: udp_len16,
        checksum: 0,
    };
    let ip = at.ip_off;
    let checksum = if at.v4 {
        let ihl = 4 * (out[ip] & 0x0f) as usize;
        let total = u16::try_from(ihl + (at.udp_off - ip - ihl) + udp_len)
            .context("IPv4 packet too long")?;
        out[ip + 2..ip + 4].copy_from_slice(&total.to_be_bytes());
        let (hdr, _) = etherparse::Ipv4Header::from_slice(&out[ip..])?;
        let hc = hdr.calc_header_checksum();
        out[ip + 10..ip + 12].copy_from_slice(&hc.to_be_bytes());
        if old_checksum == 0 {
            0 // the sender did not use the optional IPv4 UDP checksum
        } else {
            udp.calc_checksum_ipv4_raw(hdr.source, hdr.destination, payload)?
        }
    } else {
        let plen = u16::try_from(at.udp_off - ip - 40 + udp_len).context("IPv6 packet too long")?;
        out[ip + 4..ip + 6].copy_from_slice(&plen.to_be_bytes());
        let src: [u8; 16] = out[ip + 8..ip + 24].try_into()?;
        let dst: [u8; 16] = out[ip + 24..ip + 40].try_into()?;
        udp.calc_checksum_ipv6_raw(src, dst, payload)?
    };
    out[at.udp_off + 6..at.udp_off + 8].copy_from_slice(&checksum.to_be_bytes());
    Ok(out)
}

fn process(a: PcapArgs, mode: Mode) -> anyhow::Result<ExitCode> {
    let suite = str::parse::<SrtpSuite>(&a.suite).map_err(|_| {
        anyhow::anyhow!(
            "unknown suite {:?}; one of: {}",
            a.suite,
            SrtpSuite::ALL.map(|s| s.name()).join(", ")
        )
    })?;
    let key = parse_key(suite, &a.key)?;
    let config = SrtpConfig::default()
        .with_replay_window(a.replay_window)
        .with_max_streams(MAX_STREAMS)
        .with_mki_len(key.mki.map_or(0, |(_, l)| l));
    let mut ctx = match (mode, key.mki) {
        (Mode::Encrypt, None) => Ctx::Tx(SrtpSender::new(&key.master, config)?),
        (Mode::Encrypt, Some((mki, _))) => {
            Ctx::Tx(SrtpSender::new_with_mki(mki, &key.master, config)?)
        }
        (Mode::Decrypt, None) => Ctx::Rx(SrtpReceiver::new(&key.master, config)?),
        (Mode::Decrypt, Some((mki, _))) => {
            let mut r = SrtpReceiver::new_with_mki(suite, config)?;
            r.add_key(mki, &key.master)?;
            Ctx::Rx(r)
        }
    };

    let input = File::open(&a.input).with_context(|| format!("opening {}", a.input.display()))?;
    let mut reader = PcapReader::new(BufReader::new(input))
        .with_context(|| format!("{} is not a classic pcap file", a.input.display()))?;
    let header = reader.header();
    let output =
        File::create(&a.output).with_context(|| format!("creating {}", a.output.display()))?;
    let mut writer = PcapWriter::with_header(BufWriter::new(output), header)?;
    let ethernet = header.datalink == DataLink::ETHERNET;
    if !ethernet {
        eprintln!(
            "link type {:?} is not Ethernet: every packet passes through unchanged",
            header.datalink
        );
    }

    let mut tally: BTreeMap<(u32, &'static str), Tally> = BTreeMap::new();
    let (mut total, mut passed) = (0u64, 0u64);
    while let Some(packet) = reader.next_packet() {
        let packet = packet.context("reading the capture")?;
        total += 1;
        let frame: &[u8] = &packet.data;
        let complete = packet.orig_len as usize == frame.len();
        let located = if ethernet && complete {
            locate_udp(frame)
        } else {
            None
        };
        let mut replaced = None;
        if let Some(at) = located {
            let udp_payload = &frame[at.udp_off + 8..at.udp_off + 8 + at.payload_len];
            if let Some((rtcp, ssrc)) = classify(udp_payload) {
                let t = tally
                    .entry((ssrc, if rtcp { "RTCP" } else { "RTP" }))
                    .or_default();
                t.packets += 1;
                match ctx.apply(udp_payload, rtcp) {
                    Ok(out) => {
                        t.done += 1;
                        replaced = Some(rebuild(frame, &at, &out)?);
                    }
                    Err(e) => *t.failed.entry(reason(e)).or_default() += 1,
                }
            }
        }
        match replaced {
            Some(data) => {
                let len = data.len() as u32;
                writer.write_packet(&PcapPacket::new_owned(packet.timestamp, len, data))?;
            }
            None => {
                passed += 1;
                writer.write_packet(&packet)?;
            }
        }
    }

    let verb = if mode == Mode::Encrypt {
        "encrypted"
    } else {
        "decrypted"
    };
    eprintln!("{total} packets read; {passed} written unchanged");
    eprintln!(
        "{:<10} {:<5} {:>8} {:>10}  failed",
        "ssrc", "kind", "packets", verb
    );
    for ((ssrc, kind), t) in &tally {
        let failed: Vec<String> = t.failed.iter().map(|(r, n)| format!("{r}={n}")).collect();
        eprintln!(
            "0x{ssrc:08x} {kind:<5} {:>8} {:>10}  {}",
            t.packets,
            t.done,
            if failed.is_empty() {
                "-".to_string()
            } else {
                failed.join(" ")
            }
        );
    }
    writer
        .into_writer()
        .into_inner()
        .context("writing the capture")?;
    Ok(ExitCode::SUCCESS)
}

/// RTP or RTCP (version 2, long enough for its header): `(is_rtcp, ssrc)`.
fn classify(p: &[u8]) -> Option<(bool, u32)> {
    if p.len() < 8 || p[0] >> 6 != 2 {
        return None;
    }
    if is_rtcp(p) {
        return Some((true, u32::from_be_bytes(p[4..8].try_into().ok()?)));
    }
    if p.len() < 12 {
        return None;
    }
    Some((false, u32::from_be_bytes(p[8..12].try_into().ok()?)))
}

/// Run `decrypt` (or `encrypt`) on the capture at `input`, writing `output`: the entry point
/// of the pcap reader's fuzz target and of its corpus replay test.
#[allow(dead_code)] // not called by the binary itself
pub(crate) fn process_paths(
    input: PathBuf,
    output: PathBuf,
    suite: &str,
    key: &str,
    decrypt: bool,
) -> anyhow::Result<ExitCode> {
    let a = PcapArgs {
        suite: suite.to_owned(),
        key: key.to_owned(),
        replay_window: 1024,
        input,
        output,
    };
    process(
        a,
        if decrypt {
            Mode::Decrypt
        } else {
            Mode::Encrypt
        },
    )
}
