//! `callseal demo`: a complete end-to-end encrypted one-to-one call on this machine.
//!
//! Two endpoints with their own UDP sockets on 127.0.0.1, signaling over a loopback TCP
//! connection, and a media relay between them (a UDP forwarder standing for the TURN/SFU hop)
//! that sees every packet and can attack. Audio, video and screen share flow both ways through
//! the chosen layers, with one rekey in the middle of the call.

use crate::demo_policy::{self, PolicyView};
use anyhow::{anyhow, bail, Context as _};
use callseal::handshake::{Callee, Caller, Established, HandshakeConfig};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets, Rejected};
use callseal::{Error, MediaKind, Role, SrtpMasterKey, SrtpSuite};
use clap::{Args, ValueEnum};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One tick of call time.
const TICK: Duration = Duration::from_millis(20);
/// Bytes every frame starts with; the relay looks for them in every packet.
const MARKER: &[u8; 16] = b"PLAINTEXT-MEDIA!";
pub(crate) const CALLER: &str = "alice@contoso.com";
pub(crate) const CALLEE: &str = "bob@contoso.com";

/// Layers on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum LayersArg {
    /// SRTP keyed end-to-end (peer to peer).
    Srtp,
    /// SFrame end-to-end, RTP in clear.
    Sframe,
    /// SFrame end-to-end inside hop-by-hop SRTP.
    Both,
}

/// What the relay does to the media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, ValueEnum)]
enum Attack {
    /// Send a copy of a packet with one bit flipped, ahead of the original.
    Tamper,
    /// Send an old packet again.
    Replay,
    /// Drop a packet.
    Drop,
    /// Hold a packet back and send it after later ones.
    Reorder,
    /// Send a copy of a packet back to its sender.
    Reflect,
}

impl Attack {
    const ALL: [Attack; 5] = [
        Attack::Tamper,
        Attack::Replay,
        Attack::Drop,
        Attack::Reorder,
        Attack::Reflect,
    ];

    fn name(self) -> &'static str {
        match self {
            Attack::Tamper => "tamper",
            Attack::Replay => "replay",
            Attack::Drop => "drop",
            Attack::Reorder => "reorder",
            Attack::Reflect => "reflect",
        }
    }
}

/// Arguments of `callseal demo`.
#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Seconds of call time.
    #[arg(long, default_value_t = 5.0)]
    duration: f64,
    /// Run as fast as the machine allows instead of in real time.
    #[arg(long)]
    fast: bool,
    /// Protection layers.
    #[arg(long, value_enum, default_value = "both")]
    layers: LayersArg,
    /// Attacks the relay makes, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    attack: Vec<Attack>,
    /// Bob has end-to-end encrypted calls off: the call falls back to standard encryption.
    #[arg(long)]
    no_e2ee: bool,
    /// Alice requires end-to-end encryption: the call fails rather than fall back.
    #[arg(long)]
    require_e2ee: bool,
    /// A policy store (JSON, as `callseal policy` writes it) instead of the built-in example.
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// TCP port for signaling (0: any free port).
    #[arg(long, default_value_t = 0)]
    signal_port: u16,
    /// Seed of the media content and of the relay's attacks.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Counters the endpoints and the relay share, for ticking in step.
#[derive(Default)]
struct Shared {
    /// Packets each side sent (0 caller, 1 callee).
    sent: [AtomicU64; 2],
    /// Packets the relay has finished with, by the side that sent them.
    relayed_from: [AtomicU64; 2],
    /// Packets the relay sent to each side.
    relayed_to: [AtomicU64; 2],
    /// Packets the relay holds back (reorder), by the side they go to.
    held_for: [AtomicU64; 2],
    /// Packets each side read from its socket.
    received: [AtomicU64; 2],
    /// Ticks done by the caller (for the progress bar).
    ticks: AtomicU64,
    stop: AtomicBool,
    /// Relay counters.
    plaintext_seen: AtomicU64,
    relay_packets: AtomicU64,
    attacks: [AtomicU64; 5],
    /// Ticks whose packets did not all arrive in time (kernel drops).
    stalls: AtomicU64,
    /// Hash of every frame sent, by (direction, kind, number).
    expected: Mutex<HashMap<(u8, u8, u32), [u8; 32]>>,
}

fn side(role: Role) -> usize {
    match role {
        Role::Caller => 0,
        Role::Callee => 1,
    }
}

/// Latency samples of one stream, in nanoseconds per packet.
#[derive(Default)]
struct Samples {
    protect: Vec<u64>,
    unprotect: Vec<u64>,
    protect_total: Duration,
    unprotect_total: Duration,
}

fn percentile(v: &mut [u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i]
}

/// What one endpoint saw.
struct EndpointReport {
    role: Role,
    code: Option<String>,
    epoch: u32,
    sent: [callseal::session::StreamStats; 3],
    received: [callseal::session::StreamStats; 3],
    unattributed: Rejected,
    delivered_ok: [u64; 3],
    mismatched: [u64; 3],
    duplicated: [u64; 3],
    samples_tx: [Samples; 3],
    samples_rx: [Samples; 3],
    frames_sent: [u64; 3],
}

/// The media an endpoint sends: sizes and timing like Opus audio, a video encoder with key
/// frames every 2 s, and screen share in bursts when the content changes.
struct MediaGen {
    rng: ChaCha8Rng,
    dir: u8,
    numbers: [u32; 3],
    screen_burst: u32,
}

impl MediaGen {
    fn new(seed: u64, role: Role) -> Self {
        MediaGen {
            rng: ChaCha8Rng::seed_from_u64(seed ^ ((side(role) as u64 + 1) * 0x9e37_79b9)),
            dir: role.send_direction() as u8,
            numbers: [0; 3],
            screen_burst: 0,
        }
    }

    fn range(&mut self, lo: u32, hi: u32) -> usize {
        (lo + self.rng.next_u32() % (hi - lo + 1)) as usize
    }

    /// Frames due at `tick`: (kind, bytes, RTP timestamp).
    fn frames(&mut self, tick: u64, out: &mut Vec<(MediaKind, Vec<u8>, u32)>) {
        out.clear();
        let t_ms = tick * 20;
        out.push((
            MediaKind::Audio,
            self.frame(MediaKind::Audio, 60, 160),
            (tick * 960) as u32,
        ));
        // 30 frames per second: a frame whenever the 30 Hz clock moved during this tick.
        if (t_ms * 30 / 1000) != ((t_ms + 20) * 30 / 1000) || tick == 0 {
            let key = (t_ms % 2000) < 20;
            let (lo, hi) = if key {
                (24_000, 40_000)
            } else {
                (2_000, 6_000)
            };
            out.push((
                MediaKind::Video,
                self.frame(MediaKind::Video, lo, hi),
                (t_ms * 90) as u32,
            ));
        }
        // Screen share: the content changes every 1.5 s; each change sends a burst of large
        // frames on consecutive ticks, then a small refresh once a second.
        if t_ms.is_multiple_of(1500) {
            self.screen_burst = 3;
        }
        if self.screen_burst > 0 {
            self.screen_burst -= 1;
            out.push((
                MediaKind::Screen,
                self.frame(MediaKind::Screen, 60_000, 150_000),
                (t_ms * 90) as u32,
            ));
        } else if t_ms % 1000 == 500 {
            out.push((
                MediaKind::Screen,
                self.frame(MediaKind::Screen, 500, 1_500),
                (t_ms * 90) as u32,
            ));
        }
    }

    fn frame(&mut self, kind: MediaKind, lo: u32, hi: u32) -> Vec<u8> {
        let len = self.range(lo, hi);
        let mut f = vec![0u8; len];
        self.rng.fill_bytes(&mut f);
        f[..16].copy_from_slice(MARKER);
        f[16] = self.dir;
        f[17] = kind as u8;
        let n = self.numbers[kind as usize];
        self.numbers[kind as usize] += 1;
        f[18..22].copy_from_slice(&n.to_be_bytes());
        f
    }
}

fn frame_id(f: &[u8]) -> Option<(u8, u8, u32)> {
    if f.len() < 22 || &f[..16] != MARKER {
        return None;
    }
    Some((
        f[16],
        f[17],
        u32::from_be_bytes([f[18], f[19], f[20], f[21]]),
    ))
}

// ---- signaling: length-prefixed messages over TCP ----

fn send_msg(s: &mut TcpStream, ty: u8, body: &[u8]) -> anyhow::Result<()> {
    let mut m = Vec::with_capacity(5 + body.len());
    m.push(ty);
    m.extend_from_slice(&(body.len() as u32).to_be_bytes());
    m.extend_from_slice(body);
    s.write_all(&m).context("signaling write")
}

fn recv_msg(s: &mut TcpStream) -> anyhow::Result<(u8, Vec<u8>)> {
    let mut h = [0u8; 5];
    s.read_exact(&mut h).context("signaling read")?;
    let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as usize;
    if len > 1 << 16 {
        bail!("signaling message too large");
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).context("signaling read")?;
    Ok((h[0], body))
}

const SIG_OFFER: u8 = 1;
const SIG_ANSWER: u8 = 2;
const SIG_CONFIRM: u8 = 3;
const SIG_REFUSED: u8 = 9;

/// What an endpoint needs to run.
struct EndpointSetup {
    role: Role,
    intent: callseal::Intent,
    layers: Layers,
    sock: UdpSocket,
    relay: SocketAddr,
    /// Hop-by-hop SRTP keys (key ‖ salt) for caller→callee and callee→caller, agreed for the
    /// packet layer with the relay hop (DTLS-SRTP in a deployment; drawn here).
    hop_keys: [Vec<u8>; 2],
    shared: Arc<Shared>,
    barrier: Arc<Barrier>,
    ticks: u64,
    fast: bool,
    seed: u64,
}

const CONTEXT: &[u8] = b"callseal demo | call 1 | alice@contoso.com | bob@contoso.com";
const HOP_SUITE: SrtpSuite = SrtpSuite::AeadAes128Gcm;

/// Handshake over the signaling connection; `Err` carries a refusal.
fn handshake(setup: &EndpointSetup, signal: &mut TcpStream) -> anyhow::Result<Established> {
    let cfg = HandshakeConfig::new(setup.intent);
    let mut rng = rand_core::OsRng;
    match setup.role {
        Role::Caller => {
            let (mut caller, offer) = Caller::offer(&cfg, CONTEXT, &mut rng)?;
            send_msg(signal, SIG_OFFER, &offer)?;
            let (ty, answer) = recv_msg(signal)?;
            if ty == SIG_REFUSED {
                return Err(anyhow!(Error::E2eeRequired));
            }
            match caller.finish(&answer) {
                Ok((confirm, est)) => {
                    send_msg(signal, SIG_CONFIRM, &confirm)?;
                    Ok(est)
                }
                Err(e) => {
                    send_msg(signal, SIG_REFUSED, &[])?;
                    Err(anyhow!(e))
                }
            }
        }
        Role::Callee => {
            let (_, offer) = recv_msg(signal)?;
            match Callee::accept(&cfg, CONTEXT, &offer, &mut rng) {
                Ok((mut callee, answer)) => {
                    send_msg(signal, SIG_ANSWER, &answer)?;
                    let (ty, confirm) = recv_msg(signal)?;
                    if ty == SIG_REFUSED {
                        return Err(anyhow!(Error::E2eeRequired));
                    }
                    Ok(callee.confirm(&confirm)?)
                }
                Err(e) => {
                    send_msg(signal, SIG_REFUSED, &[])?;
                    Err(anyhow!(e))
                }
            }
        }
    }
}

/// Packets from side `me` the relay has not passed on yet.
fn in_flight(sh: &Shared, me: usize) -> u64 {
    sh.sent[me].load(SeqCst) - sh.relayed_from[me].load(SeqCst)
}

fn run_endpoint(setup: EndpointSetup, mut signal: TcpStream) -> anyhow::Result<EndpointReport> {
    let est = handshake(&setup, &mut signal)?;
    let code = est.security_code().map(|c| c.as_str().to_owned());
    let me = side(setup.role);
    let peer = 1 - me;
    let hop = |i: usize| SrtpMasterKey::from_concatenated(HOP_SUITE, &setup.hop_keys[i]);
    let packet_keys = PacketKeys {
        outbound: hop(me)?,
        inbound: hop(peer)?,
    };
    let config = CallConfig::new(setup.role).with_layers(setup.layers);
    let mut call = Call::new(est, config, Some(packet_keys))?;

    let sh = &setup.shared;
    let mut gen = MediaGen::new(setup.seed, setup.role);
    let mut frames = Vec::new();
    let mut packets = Packets::new();
    let mut buf = vec![0u8; 65_536];
    let mut report = EndpointReport {
        role: setup.role,
        code,
        epoch: 0,
        sent: Default::default(),
        received: Default::default(),
        unattributed: Rejected::default(),
        delivered_ok: [0; 3],
        mismatched: [0; 3],
        duplicated: [0; 3],
        samples_tx: Default::default(),
        samples_rx: Default::default(),
        frames_sent: [0; 3],
    };
    let mut delivered: HashSet<(u8, u8, u32)> = HashSet::new();
    setup
        .sock
        .set_read_timeout(Some(Duration::from_micros(500)))?;
    let start = Instant::now();
    let recv_dir = setup.role.recv_direction();

    let mut receive = |call: &mut Call,
                       report: &mut EndpointReport,
                       now: Duration,
                       buf: &mut [u8]|
     -> anyhow::Result<bool> {
        let n = match setup.sock.recv_from(buf) {
            Ok((n, _)) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Ok(false)
            }
            Err(e) => return Err(e.into()),
        };
        sh.received[me].fetch_add(1, SeqCst);
        // The stream a packet is on, by its SSRC (for the cost of packets that complete no
        // frame).
        let ssrc = buf
            .get(8..12)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        let stream = call.remote_ssrcs().iter().position(|s| Some(s.0) == ssrc);
        let t0 = Instant::now();
        let result = call.receive_packet(&mut buf[..n], now);
        let dt = t0.elapsed();
        let kind_of = |f: &[u8]| frame_id(f).map(|(_, k, _)| k as usize);
        match result {
            Ok(Some(r)) => {
                let k = r.kind as usize;
                report.samples_rx[k].unprotect.push(dt.as_nanos() as u64);
                report.samples_rx[k].unprotect_total += dt;
                let id = frame_id(r.frame);
                let hash: [u8; 32] = Sha256::digest(r.frame).into();
                let ok = id.is_some_and(|id| {
                    id.0 == recv_dir as u8
                        && kind_of(r.frame) == Some(k)
                        && sh.expected.lock().expect("lock").get(&id) == Some(&hash)
                });
                match id {
                    Some(id) if ok && !delivered.insert(id) => report.duplicated[k] += 1,
                    _ if ok => report.delivered_ok[k] += 1,
                    _ => report.mismatched[k] += 1,
                }
            }
            Ok(None) => {
                // A packet that completes no frame: its cost goes to its stream.
                if let Some(k) = stream {
                    report.samples_rx[k].unprotect.push(dt.as_nanos() as u64);
                    report.samples_rx[k].unprotect_total += dt;
                }
            }
            Err(_) => {}
        }
        Ok(true)
    };

    for tick in 0..setup.ticks {
        let now = TICK * tick as u32;
        if !setup.fast {
            let due = start + now;
            let wait = due.saturating_duration_since(Instant::now());
            // Keep receiving while waiting for the tick.
            let until = Instant::now() + wait;
            while Instant::now() < until {
                receive(&mut call, &mut report, now, &mut buf)?;
            }
        }
        if setup.role == Role::Caller && tick == setup.ticks / 2 {
            call.rekey(now).ok();
        }
        gen.frames(tick, &mut frames);
        for (kind, frame, ts) in &frames {
            let id = frame_id(frame).expect("generated frames carry an id");
            sh.expected
                .lock()
                .expect("lock")
                .insert(id, Sha256::digest(frame).into());
            packets.clear();
            let t0 = Instant::now();
            call.send_frame(*kind, frame, *ts, now, &mut packets)?;
            let dt = t0.elapsed();
            let k = *kind as usize;
            report.frames_sent[k] += 1;
            let per = dt.as_nanos() as u64 / packets.len().max(1) as u64;
            for _ in 0..packets.len() {
                report.samples_tx[k].protect.push(per);
            }
            report.samples_tx[k].protect_total += dt;
            for p in packets.iter() {
                // Keep at most a window of packets between this side and the peer's socket,
                // reading this side's own socket meanwhile, so no socket buffer overflows.
                let deadline = Instant::now() + Duration::from_millis(50);
                while in_flight(sh, me) >= 64 && Instant::now() < deadline {
                    receive(&mut call, &mut report, now, &mut buf)?;
                }
                setup.sock.send_to(p, setup.relay)?;
                sh.sent[me].fetch_add(1, SeqCst);
            }
        }
        setup.barrier.wait();
        // Receive until the relay has passed on everything both sides sent this tick.
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            let settled = sh.relayed_from[peer].load(SeqCst) == sh.sent[peer].load(SeqCst)
                && sh.relayed_from[me].load(SeqCst) == sh.sent[me].load(SeqCst)
                && sh.held_for[me].load(SeqCst) == 0
                && sh.received[me].load(SeqCst) == sh.relayed_to[me].load(SeqCst);
            if settled {
                break;
            }
            if Instant::now() > deadline {
                sh.stalls.fetch_add(1, SeqCst);
                if std::env::var_os("CALLSEAL_DEMO_DEBUG").is_some() {
                    eprintln!(
                        "stall at tick {tick} side {me}: sent {:?} relayed_from {:?} relayed_to {:?} held {:?} received {:?}",
                        sh.sent, sh.relayed_from, sh.relayed_to, sh.held_for, sh.received
                    );
                }
                break;
            }
            receive(&mut call, &mut report, now, &mut buf)?;
        }
        setup.barrier.wait();
        if setup.role == Role::Caller {
            sh.ticks.store(tick + 1, SeqCst);
        }
    }
    report.epoch = call.epoch().0;
    for kind in MediaKind::ALL {
        let k = kind as usize;
        report.sent[k] = *call.stats(setup.role.send_direction(), kind);
        report.received[k] = *call.stats(recv_dir, kind);
    }
    report.unattributed = *call.unattributed();
    Ok(report)
}

/// One direction of the relay: from `from` (the side that sent) to the other side.
struct RelayDir {
    inbound: Arc<UdpSocket>,
    outbound: Arc<UdpSocket>,
    from: usize,
    sender_addr: SocketAddr,
    receiver_addr: SocketAddr,
    attacks: Vec<Attack>,
    seed: u64,
    shared: Arc<Shared>,
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn run_relay(r: RelayDir) -> anyhow::Result<()> {
    let sh = &r.shared;
    let to = 1 - r.from;
    let mut rng = ChaCha8Rng::seed_from_u64(r.seed ^ (0x5eed + r.from as u64));
    let mut history: VecDeque<Vec<u8>> = VecDeque::with_capacity(64);
    let mut held: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut buf = vec![0u8; 65_536];
    r.inbound.set_read_timeout(Some(Duration::from_millis(3)))?;
    let has = |a: Attack| r.attacks.contains(&a);
    let count = |a: Attack| {
        sh.attacks[Attack::ALL.iter().position(|x| *x == a).expect("known")].fetch_add(1, SeqCst)
    };
    // What the relay passed on, for replays: a replay of a packet the receiver never got is
    // indistinguishable from a late packet, so only forwarded packets are replayed.
    let forward = |p: &[u8], history: &mut VecDeque<Vec<u8>>| -> anyhow::Result<()> {
        r.outbound.send_to(p, r.receiver_addr)?;
        sh.relayed_to[to].fetch_add(1, SeqCst);
        if history.len() == 64 {
            history.pop_front();
        }
        history.push_back(p.to_vec());
        Ok(())
    };
    let inject = |p: &[u8]| -> anyhow::Result<()> {
        r.outbound.send_to(p, r.receiver_addr)?;
        sh.relayed_to[to].fetch_add(1, SeqCst);
        Ok(())
    };
    loop {
        let n = match r.inbound.recv_from(&mut buf) {
            Ok((n, _)) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                // Idle: let held packets go.
                for (_, p) in held.drain(..) {
                    forward(&p, &mut history)?;
                    sh.held_for[to].fetch_sub(1, SeqCst);
                }
                if sh.stop.load(SeqCst) {
                    return Ok(());
                }
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let p = &buf[..n];
        sh.relay_packets.fetch_add(1, SeqCst);
        if contains(p, MARKER) {
            sh.plaintext_seen.fetch_add(1, SeqCst);
        }
        let roll = |rng: &mut ChaCha8Rng, percent: u32| rng.next_u32() % 100 < percent;
        if has(Attack::Tamper) && roll(&mut rng, 2) {
            let mut t = p.to_vec();
            let bit = rng.next_u32() as usize % (t.len() * 8);
            t[bit / 8] ^= 1 << (bit % 8);
            inject(&t)?;
            count(Attack::Tamper);
        }
        if has(Attack::Reflect) && roll(&mut rng, 2) {
            r.inbound.send_to(p, r.sender_addr)?;
            sh.relayed_to[r.from].fetch_add(1, SeqCst);
            count(Attack::Reflect);
        }
        if has(Attack::Replay) && roll(&mut rng, 2) && !history.is_empty() {
            let i = rng.next_u32() as usize % history.len();
            inject(&history[i])?;
            count(Attack::Replay);
        }
        if has(Attack::Drop) && roll(&mut rng, 2) {
            count(Attack::Drop);
        } else if has(Attack::Reorder) && roll(&mut rng, 5) {
            held.push((1 + rng.next_u32() % 5, p.to_vec()));
            sh.held_for[to].fetch_add(1, SeqCst);
            count(Attack::Reorder);
        } else {
            forward(p, &mut history)?;
            // Packets held back go out after a few later ones.
            let mut i = 0;
            while i < held.len() {
                held[i].0 -= 1;
                if held[i].0 == 0 {
                    let (_, q) = held.swap_remove(i);
                    forward(&q, &mut history)?;
                    sh.held_for[to].fetch_sub(1, SeqCst);
                } else {
                    i += 1;
                }
            }
        }
        sh.relayed_from[r.from].fetch_add(1, SeqCst);
    }
}

/// A UDP socket on 127.0.0.1 with room for a burst of video and screen-share packets (as much
/// as the system allows, up to 4 MiB).
fn bind_udp() -> anyhow::Result<UdpSocket> {
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)
        .context("creating a UDP socket")?;
    let _ = s.set_recv_buffer_size(4 << 20);
    let _ = s.set_send_buffer_size(4 << 20);
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("valid address");
    s.bind(&addr.into())
        .context("binding a UDP socket on 127.0.0.1")?;
    Ok(s.into())
}

pub(crate) fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    if !(args.duration > 0.0 && args.duration <= 3600.0) {
        bail!("--duration must be between 0 and 3600 seconds");
    }
    let layers = match args.layers {
        LayersArg::Srtp => Layers::Srtp,
        LayersArg::Sframe => Layers::Sframe,
        LayersArg::Both => Layers::Both,
    };
    let policy = demo_policy::decide(
        args.policy.as_deref(),
        CALLER,
        CALLEE,
        args.no_e2ee,
        args.require_e2ee,
    )?;
    let ticks = ((args.duration * 1000.0) / TICK.as_millis() as f64).ceil() as u64;

    let listener = TcpListener::bind(("127.0.0.1", args.signal_port)).with_context(|| {
        format!(
            "cannot listen for signaling on 127.0.0.1:{} (port in use?)",
            args.signal_port
        )
    })?;
    let signal_addr = listener.local_addr()?;
    let caller_sock = bind_udp()?;
    let callee_sock = bind_udp()?;
    let relay_a = Arc::new(bind_udp()?);
    let relay_b = Arc::new(bind_udp()?);
    let shared = Arc::new(Shared::default());
    let barrier = Arc::new(Barrier::new(2));
    let mut hop_keys: [Vec<u8>; 2] = [vec![0u8; 28], vec![0u8; 28]];
    for k in &mut hop_keys {
        rand_core::OsRng.fill_bytes(k);
    }

    let relay = |from: usize,
                 inbound: &Arc<UdpSocket>,
                 outbound: &Arc<UdpSocket>,
                 sender: SocketAddr,
                 receiver: SocketAddr| RelayDir {
        inbound: inbound.clone(),
        outbound: outbound.clone(),
        from,
        sender_addr: sender,
        receiver_addr: receiver,
        attacks: args.attack.clone(),
        seed: args.seed,
        shared: shared.clone(),
    };
    let (caller_addr, callee_addr) = (caller_sock.local_addr()?, callee_sock.local_addr()?);
    let relays = [
        relay(0, &relay_a, &relay_b, caller_addr, callee_addr),
        relay(1, &relay_b, &relay_a, callee_addr, caller_addr),
    ];
    let relay_threads: Vec<_> = relays
        .into_iter()
        .map(|r| thread::spawn(move || run_relay(r)))
        .collect();

    let mk = |role: Role, sock: UdpSocket, relay: SocketAddr| EndpointSetup {
        role,
        intent: if role == Role::Caller {
            policy.caller_intent
        } else {
            policy.callee_intent
        },
        layers,
        sock,
        relay,
        hop_keys: hop_keys.clone(),
        shared: shared.clone(),
        barrier: barrier.clone(),
        ticks,
        fast: args.fast,
        seed: args.seed,
    };
    let caller_setup = mk(Role::Caller, caller_sock, relay_a.local_addr()?);
    let callee_setup = mk(Role::Callee, callee_sock, relay_b.local_addr()?);
    let callee = thread::spawn(move || -> anyhow::Result<EndpointReport> {
        let (signal, _) = listener.accept().context("signaling accept")?;
        let r = run_endpoint(callee_setup, signal);
        if r.is_err() {
            // Let the caller's barrier waits end.
        }
        r
    });
    let caller = thread::spawn(move || -> anyhow::Result<EndpointReport> {
        let signal = TcpStream::connect(signal_addr).context("signaling connect")?;
        run_endpoint(caller_setup, signal)
    });

    let bar = if args.json {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(ticks);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} call time {msg} [{bar:30}] {pos}/{len} ticks",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b
    };
    while !caller.is_finished() || !callee.is_finished() {
        let t = shared.ticks.load(SeqCst);
        bar.set_position(t);
        bar.set_message(format!("{:.1}s", t as f64 * 0.02));
        thread::sleep(Duration::from_millis(50));
    }
    bar.finish_and_clear();
    let caller = caller
        .join()
        .map_err(|_| anyhow!("caller thread panicked"))?;
    let callee = callee
        .join()
        .map_err(|_| anyhow!("callee thread panicked"))?;
    shared.stop.store(true, SeqCst);
    for t in relay_threads {
        t.join().map_err(|_| anyhow!("relay thread panicked"))??;
    }

    let (caller, callee) = match (caller, callee) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let refused = [a.as_ref().err(), b.as_ref().err()]
                .into_iter()
                .flatten()
                .any(|e| e.downcast_ref::<Error>() == Some(&Error::E2eeRequired));
            if refused {
                return refused_report(&args, &policy);
            }
            return Err(a.err().or(b.err()).expect("one side failed"));
        }
    };
    report(&args, layers, &policy, &shared, caller, callee)
}

fn refused_report(args: &DemoArgs, policy: &PolicyView) -> anyhow::Result<ExitCode> {
    if args.json {
        let v = json!({
            "security": "refused",
            "reason": "end-to-end encryption is required but the other side has it off",
            "policy": policy.json(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        policy.print();
        println!("call refused: {CALLER} requires end-to-end encryption and {CALLEE} has it off; no fallback to standard encryption");
    }
    Ok(ExitCode::from(3))
}

fn rejected_json(r: &Rejected) -> Value {
    json!({
        "authentication": r.authentication,
        "replay": r.replay,
        "too_old": r.too_old,
        "unknown_key": r.unknown_key,
        "malformed": r.malformed,
    })
}

fn report(
    args: &DemoArgs,
    layers: Layers,
    policy: &PolicyView,
    shared: &Shared,
    caller: EndpointReport,
    callee: EndpointReport,
) -> anyhow::Result<ExitCode> {
    let e2e = caller.code.is_some();
    let mut eps = [caller, callee];
    let mut rows = Vec::new();
    let mut totals = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut rejected_total = eps[0].unattributed.total() + eps[1].unattributed.total();
    for s in 0..2 {
        let r = 1 - s;
        let dir = eps[s].role.send_direction();
        for kind in MediaKind::ALL {
            let k = kind as usize;
            let sent = eps[s].sent[k];
            let recv = eps[r].received[k];
            let tx = std::mem::take(&mut eps[s].samples_tx[k]);
            let mut rx = std::mem::take(&mut eps[r].samples_rx[k]);
            let mut ptx = tx.protect;
            let busy = tx.protect_total + rx.unprotect_total;
            let mbps = if busy.is_zero() {
                0.0
            } else {
                sent.bytes_protected as f64 / busy.as_secs_f64() / 1e6
            };
            rejected_total += recv.rejected.total();
            totals.0 += eps[s].frames_sent[k];
            totals.1 += eps[r].delivered_ok[k];
            totals.2 += eps[r].mismatched[k];
            totals.3 += eps[r].duplicated[k];
            totals.4 += recv.frames_incomplete;
            rows.push(json!({
                "kind": kind.name(),
                "direction": dir.name(),
                "frames_sent": eps[s].frames_sent[k],
                "frames_delivered": eps[r].delivered_ok[k],
                "frames_mismatched": eps[r].mismatched[k],
                "frames_duplicated": eps[r].duplicated[k],
                "frames_incomplete": recv.frames_incomplete,
                "packets_sent": sent.packets_protected,
                "packets_received": recv.packets_unprotected,
                "bytes_sent": sent.bytes_protected,
                "bytes_delivered": recv.bytes_unprotected,
                "rejected": rejected_json(&recv.rejected),
                "protect_p50_ns": percentile(&mut ptx, 0.5),
                "protect_p99_ns": percentile(&mut ptx, 0.99),
                "unprotect_p50_ns": percentile(&mut rx.unprotect, 0.5),
                "unprotect_p99_ns": percentile(&mut rx.unprotect, 0.99),
                "throughput_mb_per_s": (mbps * 10.0).round() / 10.0,
            }));
        }
    }
    let attacks: serde_json::Map<String, Value> = Attack::ALL
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name().to_owned(), json!(shared.attacks[i].load(SeqCst))))
        .collect();
    let injected = [Attack::Tamper, Attack::Replay, Attack::Reflect]
        .iter()
        .map(|a| {
            shared.attacks[Attack::ALL.iter().position(|x| x == a).expect("known")].load(SeqCst)
        })
        .sum::<u64>();
    let codes_match = eps[0].code == eps[1].code;
    let plaintext_seen = shared.plaintext_seen.load(SeqCst);
    let (frames_sent, delivered, mismatched, duplicated, incomplete) = totals;
    let mut problems = Vec::new();
    if !codes_match {
        problems.push("the security codes differ".to_owned());
    }
    if mismatched > 0 || duplicated > 0 {
        problems.push(format!(
            "{mismatched} frames differed from the original, {duplicated} were delivered twice"
        ));
    }
    if e2e && plaintext_seen > 0 {
        problems.push(format!(
            "the relay saw plaintext in {plaintext_seen} packets"
        ));
    }
    if args.attack.is_empty() {
        if delivered != frames_sent {
            problems.push(format!(
                "{} of {frames_sent} frames were not delivered",
                frames_sent - delivered
            ));
        }
        if rejected_total > 0 {
            problems.push(format!(
                "{rejected_total} packets were rejected without an attack"
            ));
        }
    } else {
        // With SRTP every injected packet is rejected on arrival. Without it, a frame is checked
        // once it is whole: an injected fragment of a frame already delivered waits for a frame
        // that never completes and is given up as incomplete.
        let accounted = if layers == Layers::Sframe && e2e {
            rejected_total + incomplete
        } else {
            rejected_total
        };
        if accounted < injected {
            problems.push(format!(
                "{injected} packets injected by the relay but only {accounted} rejected"
            ));
        }
    }
    let ok = problems.is_empty();
    let security = if e2e { "end_to_end" } else { "standard" };
    let v = json!({
        "security": security,
        "layers": if e2e { layers.name() } else { "srtp" },
        "security_codes": { "caller": eps[0].code, "callee": eps[1].code },
        "codes_match": codes_match,
        "policy": policy.json(),
        "duration_s": args.duration,
        "rekeys": eps[0].epoch.max(eps[1].epoch),
        "final_epoch": { "caller": eps[0].epoch, "callee": eps[1].epoch },
        "frames_sent": frames_sent,
        "frames_delivered": delivered,
        "frames_mismatched": mismatched,
        "frames_duplicated": duplicated,
        "frames_incomplete": incomplete,
        "rejected_total": rejected_total,
        "unattributed_rejected": {
            "caller": rejected_json(&eps[0].unattributed),
            "callee": rejected_json(&eps[1].unattributed),
        },
        "attacks": attacks,
        "attack_packets_injected": injected,
        "relay": {
            "packets": shared.relay_packets.load(SeqCst),
            "plaintext_seen": plaintext_seen,
        },
        "stalls": shared.stalls.load(SeqCst),
        "streams": rows,
        "ok": ok,
        "problems": problems,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_human(&v, policy);
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_human(v: &Value, policy: &PolicyView) {
    policy.print();
    println!();
    match v["security"].as_str() {
        Some("end_to_end") => {
            println!(
                "call: end-to-end encrypted ({} layer{})",
                v["layers"].as_str().unwrap_or(""),
                if v["layers"] == "both" {
                    "s: SFrame inside SRTP"
                } else {
                    ""
                }
            );
            println!(
                "  alice sees security code  {}",
                v["security_codes"]["caller"].as_str().unwrap_or("-")
            );
            println!(
                "  bob sees security code    {}",
                v["security_codes"]["callee"].as_str().unwrap_or("-")
            );
            println!(
                "  codes match: {}",
                if v["codes_match"] == true {
                    "yes"
                } else {
                    "NO"
                }
            );
            println!("  rekeys during the call: {}", v["rekeys"]);
        }
        _ => println!("call: standard encryption (hop-by-hop SRTP); no security code"),
    }
    println!();
    println!(
        "{:<7} {:<17} {:>6} {:>9} {:>7} {:>10} {:>8} {:>22} {:>15} {:>15} {:>8}",
        "stream",
        "direction",
        "frames",
        "delivered",
        "packets",
        "bytes",
        "rejected",
        "auth/replay/old/key/bad",
        "protect p50/p99",
        "unprot. p50/p99",
        "MB/s"
    );
    for r in v["streams"].as_array().into_iter().flatten() {
        let rj = &r["rejected"];
        let total: u64 = [
            "authentication",
            "replay",
            "too_old",
            "unknown_key",
            "malformed",
        ]
        .iter()
        .map(|k| rj[k].as_u64().unwrap_or(0))
        .sum();
        println!(
            "{:<7} {:<17} {:>6} {:>9} {:>7} {:>10} {:>8} {:>22} {:>15} {:>15} {:>8}",
            r["kind"].as_str().unwrap_or(""),
            r["direction"].as_str().unwrap_or(""),
            r["frames_sent"].to_string(),
            r["frames_delivered"].to_string(),
            r["packets_sent"].to_string(),
            r["bytes_sent"].to_string(),
            total,
            format!(
                "{}/{}/{}/{}/{}",
                rj["authentication"],
                rj["replay"],
                rj["too_old"],
                rj["unknown_key"],
                rj["malformed"]
            ),
            format!("{}/{} ns", r["protect_p50_ns"], r["protect_p99_ns"]),
            format!("{}/{} ns", r["unprotect_p50_ns"], r["unprotect_p99_ns"]),
            r["throughput_mb_per_s"].to_string(),
        );
    }
    println!();
    let attacks = &v["attacks"];
    if attacks
        .as_object()
        .is_some_and(|m| m.values().any(|x| x != 0))
    {
        println!(
            "relay attacks: tamper {} replay {} drop {} reorder {} reflect {}; rejected in all: {} (own packets reflected back: {} + {})",
            attacks["tamper"], attacks["replay"], attacks["drop"], attacks["reorder"], attacks["reflect"],
            v["rejected_total"],
            v["unattributed_rejected"]["caller"]["unknown_key"], v["unattributed_rejected"]["callee"]["unknown_key"],
        );
    }
    println!(
        "frames: {} sent, {} delivered equal to the original (SHA-256), {} differed, {} lost",
        v["frames_sent"],
        v["frames_delivered"],
        v["frames_mismatched"],
        v["frames_sent"]
            .as_u64()
            .unwrap_or(0)
            .saturating_sub(v["frames_delivered"].as_u64().unwrap_or(0))
    );
    println!(
        "relay: {} packets seen, plaintext in {}",
        v["relay"]["packets"], v["relay"]["plaintext_seen"]
    );
    if v["ok"] == true {
        println!("result: ok");
    } else {
        for p in v["problems"].as_array().into_iter().flatten() {
            println!("problem: {}", p.as_str().unwrap_or(""));
        }
    }
}
