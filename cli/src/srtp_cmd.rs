//! `callseal srtp encrypt|decrypt`: SRTP over pcap captures.
//!
//! Reads a capture (classic pcap, or pcapng, which is written out as classic pcap), protects or
//! unprotects every RTP and RTCP packet carried in UDP over IPv4 or IPv6 on Ethernet, fixes the
//! UDP length, the IP length and the checksums for the new payload size, and writes every other
//! packet through unchanged. RTP and RTCP are told apart by payload type range (RFC 5761 §4).
//! `-` names standard input or output. A per-SSRC summary goes to stderr.

#[path = "srtp_key.rs"]
mod key;

use anyhow::{bail, Context};
use callseal::srtp::{is_rtcp, SrtpConfig, SrtpReceiver, SrtpSender, MAX_STREAMS};
use callseal::{Error, Roc, SrtpSuite, Ssrc};
use clap::{Args, Subcommand};
use etherparse::{NetSlice, SlicedPacket, TransportSlice, UdpHeader};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader, PcapWriter};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::{Block, PcapNgReader};
use pcap_file::{DataLink, TsResolution};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// SRTP capture commands.
#[derive(Subcommand)]
pub(crate) enum SrtpCommand {
    /// Unprotect the SRTP and SRTCP packets of a capture.
    Decrypt(PcapArgs),
    /// Protect the RTP and RTCP packets of a capture.
    Encrypt(PcapArgs),
}

/// The replay window when neither `--replay-window` nor the key's `WSH=` gives one.
const DEFAULT_REPLAY_WINDOW: u32 = 1024;

/// Arguments of `encrypt` and `decrypt`.
#[derive(Args)]
pub(crate) struct PcapArgs {
    /// Protection profile, in any case: AEAD_AES_128_GCM, AEAD_AES_256_GCM,
    /// AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32, AES_256_CM_HMAC_SHA1_80,
    /// AES_256_CM_HMAC_SHA1_32, AES_192_CM_HMAC_SHA1_80 or AES_192_CM_HMAC_SHA1_32. Optional
    /// when --key is an a=crypto line, which names it.
    #[arg(long, value_parser = key::parse_suite)]
    suite: Option<SrtpSuite>,
    /// The SDP key: base64 of master key ‖ master salt; `inline:KEY|LIFETIME|MKI:LENGTH` (the
    /// MKI part turns on MKI); a whole `a=crypto:TAG SUITE inline:…` line; or `@FILE` to read
    /// any of these from FILE (a file of several lines, such as an SDP, is searched for its
    /// a=crypto line).
    #[arg(long)]
    key: String,
    /// Replay window per SSRC (64..=32768) [default: the key's WSH=, else 1024].
    #[arg(long)]
    replay_window: Option<u32>,
    /// The rollover counter the streams start at, for a capture that begins in the middle of
    /// a call (as libsrtp's `rtp_decoder -r`): every stream's, or only --ssrc's [default: 0].
    #[arg(long, value_name = "ROC")]
    roc: Option<u32>,
    /// Give --roc to this SSRC alone (decimal or 0x hex); the others start at 0.
    #[arg(long, value_name = "SSRC", requires = "roc", value_parser = parse_ssrc)]
    ssrc: Option<u32>,
    /// Print only warnings and errors, not the per-SSRC summary.
    #[arg(short, long)]
    quiet: bool,
    /// The input capture (pcap or pcapng); `-` reads standard input.
    input: PathBuf,
    /// The output capture (classic pcap); `-` writes standard output.
    output: PathBuf,
}

/// What a run did.
pub(crate) struct Summary {
    /// RTP and RTCP packets that could not be processed (written unchanged).
    pub(crate) failed: u64,
}

/// Run a command; `stdout` is where the output `-` goes.
pub(crate) fn run(c: SrtpCommand, stdout: &mut dyn Write) -> anyhow::Result<Summary> {
    match c {
        SrtpCommand::Decrypt(a) => process(a, Mode::Decrypt, stdout),
        SrtpCommand::Encrypt(a) => process(a, Mode::Encrypt, stdout),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Encrypt,
    Decrypt,
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
        Error::KeyExpired => "key_expired",
        Error::TooManyStreams => "too_many_streams",
        _ => "other",
    }
}

enum Ctx {
    Tx(SrtpSender),
    Rx(SrtpReceiver),
}

/// An SSRC in decimal or `0x` hexadecimal.
fn parse_ssrc(s: &str) -> Result<u32, String> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    }
    .map_err(|_| format!("{s:?} is not an SSRC (a 32-bit number, decimal or 0x hex)"))
}

/// Where the streams start: `--roc` for all, or for `--ssrc` alone.
#[derive(Clone, Copy)]
struct StartAt {
    roc: u32,
    ssrc: Option<u32>,
}

impl Ctx {
    /// The sender (with the first key) or the receiver (with every key).
    fn new(
        mode: Mode,
        k: &key::Keys,
        replay_window: u32,
        start: Option<StartAt>,
    ) -> anyhow::Result<Ctx> {
        let mut config = SrtpConfig::default()
            .with_replay_window(replay_window)
            .with_max_streams(MAX_STREAMS)
            .with_mki_len(k.mki_len());
        if let Some(StartAt { roc, ssrc: None }) = start {
            config = config.with_initial_roc(Roc(roc));
        }
        let mut ctx = Self::keyed(mode, k, config)?;
        if let Some(StartAt {
            roc,
            ssrc: Some(ssrc),
        }) = start
        {
            match &mut ctx {
                Ctx::Tx(s) => s.set_roc(Ssrc(ssrc), Roc(roc))?,
                Ctx::Rx(r) => r.set_roc(Ssrc(ssrc), Roc(roc))?,
            }
        }
        Ok(ctx)
    }

    fn keyed(mode: Mode, k: &key::Keys, config: SrtpConfig) -> anyhow::Result<Ctx> {
        let first = &k.keys[0];
        Ok(match (mode, first.mki) {
            (Mode::Encrypt, None) => Ctx::Tx(SrtpSender::new(&first.master, config)?),
            (Mode::Encrypt, Some((mki, _))) => {
                Ctx::Tx(SrtpSender::new_with_mki(mki, &first.master, config)?)
            }
            (Mode::Decrypt, None) => Ctx::Rx(SrtpReceiver::new(&first.master, config)?),
            (Mode::Decrypt, Some(_)) => {
                let mut r = SrtpReceiver::new_with_mki(k.suite, config)?;
                for p in &k.keys {
                    let (mki, _) = p.mki.expect("every key has an MKI");
                    r.add_key(mki, &p.master)?;
                }
                Ctx::Rx(r)
            }
        })
    }

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

/// A path for messages.
fn name(path: &Path, stdio: &str) -> String {
    if path == Path::new("-") {
        stdio.to_owned()
    } else {
        path.display().to_string()
    }
}

/// A packet of the capture.
struct Frame {
    timestamp: Duration,
    orig_len: u32,
    data: Vec<u8>,
    /// The link type of its interface.
    datalink: DataLink,
    /// Whether its interface counts time in units finer than a microsecond.
    fine_time: bool,
}

/// The first bytes of a pcapng capture (the Section Header Block type, the same in either
/// byte order).
const PCAPNG_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];

/// What to do with a pcapng capture that cannot be read here.
const CONVERT: &str = "if Wireshark reads it, convert it to classic pcap: \
                       editcap -F pcap in.pcapng out.pcap (or tshark -F pcap -r in.pcapng -w out.pcap)";

enum Reader {
    Pcap(PcapReader<Box<dyn Read>>),
    PcapNg(PcapNgReader<Box<dyn Read>>),
}

/// The packets of a capture, classic pcap or pcapng.
struct Source {
    reader: Reader,
    /// The first packet of a pcapng capture, read to learn the output's header.
    peeked: Option<Frame>,
}

impl Source {
    /// Open a capture, and give the header of the classic pcap to write: the input's, or for
    /// pcapng the link type and time resolution of the first packet's interface.
    fn open(mut input: Box<dyn Read>, name: &str) -> anyhow::Result<(Source, PcapHeader)> {
        let mut magic = Vec::with_capacity(4);
        input
            .by_ref()
            .take(4)
            .read_to_end(&mut magic)
            .with_context(|| format!("reading {name}"))?;
        let pcapng = magic == PCAPNG_MAGIC;
        let input: Box<dyn Read> = Box::new(io::Cursor::new(magic).chain(input));
        if !pcapng {
            let reader = PcapReader::new(input)
                .with_context(|| format!("{name} is neither a pcap nor a pcapng capture"))?;
            let header = reader.header();
            let source = Source {
                reader: Reader::Pcap(reader),
                peeked: None,
            };
            return Ok((source, header));
        }
        let reader =
            PcapNgReader::new(input).with_context(|| format!("reading {name}; {CONVERT}"))?;
        let mut source = Source {
            reader: Reader::PcapNg(reader),
            peeked: None,
        };
        source.peeked = source.next_frame().transpose()?;
        let Reader::PcapNg(reader) = &source.reader else {
            unreachable!("read as pcapng")
        };
        let header = PcapHeader {
            datalink: match (&source.peeked, reader.interfaces().first()) {
                (Some(f), _) => f.datalink,
                (None, Some(i)) => i.linktype,
                (None, None) => DataLink::ETHERNET,
            },
            // libpcap's largest; pcapng's 0 means no limit.
            snaplen: 262_144,
            ts_resolution: if source.peeked.as_ref().is_some_and(|f| f.fine_time) {
                TsResolution::NanoSecond
            } else {
                TsResolution::MicroSecond
            },
            ..PcapHeader::default()
        };
        Ok((source, header))
    }

    /// The next packet.
    fn next_frame(&mut self) -> Option<anyhow::Result<Frame>> {
        if let Some(f) = self.peeked.take() {
            return Some(Ok(f));
        }
        let r = match &mut self.reader {
            Reader::Pcap(r) => {
                let datalink = r.header().datalink;
                r.next_packet()?.map(|p| Frame {
                    timestamp: p.timestamp,
                    orig_len: p.orig_len,
                    data: p.data.into_owned(),
                    datalink,
                    fine_time: false,
                })
            }
            Reader::PcapNg(r) => return next_pcapng_frame(r),
        };
        Some(r.context("reading the capture"))
    }
}

/// The next packet of a pcapng capture; blocks that hold none are skipped.
fn next_pcapng_frame(r: &mut PcapNgReader<Box<dyn Read>>) -> Option<anyhow::Result<Frame>> {
    loop {
        let block = match r.next_block()? {
            Ok(b) => b,
            Err(e) => return Some(Err(e).context(format!("reading the capture; {CONVERT}"))),
        };
        let (interface, ticks, orig_len, data) = match block {
            // pcap-file gives the timestamp in the interface's units, as nanoseconds.
            Block::EnhancedPacket(p) => (
                p.interface_id,
                u64::try_from(p.timestamp.as_nanos()).unwrap_or(u64::MAX),
                p.original_len,
                p.data.into_owned(),
            ),
            Block::Packet(p) => (
                u32::from(p.interface_id),
                p.timestamp,
                p.original_len,
                p.data.into_owned(),
            ),
            Block::SimplePacket(p) => (0, 0, p.original_len, p.data.into_owned()),
            _ => continue,
        };
        let Some(idb) = r.interfaces().get(interface as usize) else {
            return Some(Err(anyhow::anyhow!(
                "a packet of the capture is on interface {interface}, which is not described"
            )));
        };
        let (timestamp, fine_time) = pcapng_time(idb, ticks);
        return Some(Ok(Frame {
            timestamp,
            orig_len,
            data,
            datalink: idb.linktype,
            fine_time,
        }));
    }
}

/// A pcapng timestamp of `ticks` in its interface's units (`if_tsresol`: microseconds unless
/// it says otherwise, `if_tsoffset` seconds added); and whether the units are finer than a
/// microsecond.
fn pcapng_time(idb: &InterfaceDescriptionBlock, ticks: u64) -> (Duration, bool) {
    let (mut resolution, mut offset) = (6u8, 0u64);
    for o in &idb.options {
        match o {
            InterfaceDescriptionOption::IfTsResol(r) => resolution = *r,
            InterfaceDescriptionOption::IfTsOffset(s) => offset = *s,
            _ => {}
        }
    }
    let exponent = u32::from(resolution & 0x7f);
    let per_second = if resolution & 0x80 == 0 {
        10u128.checked_pow(exponent)
    } else {
        2u128.checked_pow(exponent)
    };
    let Some(per_second) = per_second.filter(|n| *n > 0) else {
        return (Duration::ZERO, false);
    };
    let nanos = u128::from(ticks) * 1_000_000_000 / per_second;
    let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
    let time = Duration::new(secs.saturating_add(offset), (nanos % 1_000_000_000) as u32);
    (time, per_second > 1_000_000)
}

/// Open the input (`-`: standard input).
fn open_input(path: &Path) -> anyhow::Result<Box<dyn Read>> {
    if path == Path::new("-") {
        let stdin = io::stdin();
        if stdin.is_terminal() {
            bail!("no capture on standard input (a terminal): pipe one in or name a file");
        }
        return Ok(Box::new(stdin.lock()));
    }
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(Box::new(BufReader::new(file)))
}

/// Open the output (`-`: `stdout`, never a terminal).
fn open_output<'a>(path: &Path, stdout: &'a mut dyn Write) -> anyhow::Result<Box<dyn Write + 'a>> {
    if path == Path::new("-") {
        if io::stdout().is_terminal() {
            bail!("not writing a binary capture to a terminal: redirect standard output or name a file");
        }
        return Ok(Box::new(BufWriter::new(stdout)));
    }
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(Box::new(BufWriter::new(file)))
}

/// The per-SSRC count of packets, processed or failed by reason.
#[derive(Default)]
struct Tally {
    packets: u64,
    done: u64,
    failed: BTreeMap<&'static str, u64>,
}

/// `auth=3 replay=1`, or `-`.
fn reasons(failed: &BTreeMap<&'static str, u64>) -> String {
    if failed.is_empty() {
        return "-".to_owned();
    }
    let parts: Vec<String> = failed.iter().map(|(r, n)| format!("{r}={n}")).collect();
    parts.join(" ")
}

fn process(a: PcapArgs, mode: Mode, stdout: &mut dyn Write) -> anyhow::Result<Summary> {
    let keys = key::read(&a.key, a.suite)?;
    let replay_window = a
        .replay_window
        .or(keys.replay_window)
        .unwrap_or(DEFAULT_REPLAY_WINDOW);
    let start = a.roc.map(|roc| StartAt { roc, ssrc: a.ssrc });
    let mut ctx = Ctx::new(mode, &keys, replay_window, start)?;

    let input_name = name(&a.input, "standard input");
    let (mut source, header) = Source::open(open_input(&a.input)?, &input_name)?;
    let mut writer = PcapWriter::with_header(open_output(&a.output, stdout)?, header)?;
    let ethernet = header.datalink == DataLink::ETHERNET;
    if !ethernet {
        eprintln!(
            "link type {:?} is not Ethernet: every packet passes through unchanged",
            header.datalink
        );
    }

    let mut tally: BTreeMap<(u32, &'static str), Tally> = BTreeMap::new();
    let (mut total, mut passed) = (0u64, 0u64);
    while let Some(frame) = source.next_frame() {
        let frame = frame?;
        if frame.datalink != header.datalink {
            bail!(
                "the capture mixes link types ({:?} and {:?}); a classic pcap holds one: \
                 keep one interface's packets first",
                header.datalink,
                frame.datalink
            );
        }
        total += 1;
        let data = &frame.data[..];
        let complete = frame.orig_len as usize == data.len();
        let located = if ethernet && complete {
            locate_udp(data)
        } else {
            None
        };
        let mut replaced = None;
        if let Some(at) = located {
            let udp_payload = &data[at.udp_off + 8..at.udp_off + 8 + at.payload_len];
            if let Some((rtcp, ssrc)) = classify(udp_payload) {
                let t = tally
                    .entry((ssrc, if rtcp { "RTCP" } else { "RTP" }))
                    .or_default();
                t.packets += 1;
                match ctx.apply(udp_payload, rtcp) {
                    Ok(out) => {
                        t.done += 1;
                        replaced = Some(rebuild(data, &at, &out)?);
                    }
                    Err(e) => *t.failed.entry(reason(e)).or_default() += 1,
                }
            }
        }
        let packet = match replaced {
            Some(new) => {
                let len = new.len() as u32;
                PcapPacket::new_owned(frame.timestamp, len, new)
            }
            None => {
                passed += 1;
                PcapPacket::new(frame.timestamp, frame.orig_len, data)
            }
        };
        writer
            .write_packet(&packet)
            .with_context(|| format!("writing {}", name(&a.output, "standard output")))?;
    }
    writer
        .into_writer()
        .flush()
        .with_context(|| format!("writing {}", name(&a.output, "standard output")))?;

    let verb = if mode == Mode::Encrypt {
        "encrypted"
    } else {
        "decrypted"
    };
    let mut all_failed = BTreeMap::new();
    for t in tally.values() {
        for (r, n) in &t.failed {
            *all_failed.entry(*r).or_default() += n;
        }
    }
    let failed: u64 = all_failed.values().sum();
    let srtp_packets: u64 = tally.values().map(|t| t.packets).sum();
    if !a.quiet {
        eprintln!("{total} packets read; {passed} written unchanged");
        eprintln!(
            "{:<10} {:<5} {:>8} {:>10}  failed",
            "ssrc", "kind", "packets", verb
        );
        for ((ssrc, kind), t) in &tally {
            eprintln!(
                "0x{ssrc:08x} {kind:<5} {:>8} {:>10}  {}",
                t.packets,
                t.done,
                reasons(&t.failed)
            );
        }
    }
    if failed > 0 {
        eprintln!(
            "callseal: {failed} of {srtp_packets} RTP/RTCP packets were not {verb} ({}); they are written unchanged",
            reasons(&all_failed)
        );
    }
    Ok(Summary { failed })
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
) -> anyhow::Result<Summary> {
    let a = PcapArgs {
        suite: Some(key::parse_suite(suite).map_err(anyhow::Error::msg)?),
        key: key.to_owned(),
        replay_window: None,
        roc: None,
        ssrc: None,
        quiet: true,
        input,
        output,
    };
    let mode = if decrypt {
        Mode::Decrypt
    } else {
        Mode::Encrypt
    };
    process(a, mode, &mut io::sink())
}
