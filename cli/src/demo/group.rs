//! `callseal demo --participants 3`: a one-to-one end-to-end call that grows into a group call
//! and shrinks back, through a relay that acts as a selective forwarding unit.
//!
//! Alice calls Bob (the handshake and the 20-digit code of the two-party demo); after a while
//! Alice adds Carol: the call escalates to an MLS group bound to it, Carol joins from a welcome,
//! and all three show the group's code and send audio, video and screen share to the others.
//! The forwarding unit holds one hop-by-hop SRTP leg per participant: it takes the hop layer
//! off what a participant sends and puts the next leg's on for each other participant, reading
//! the RTP headers and nothing of the media (SFrame, keyed from MLS). Then Alice removes Carol:
//! the code changes, what Carol still sends is rejected by Alice and Bob, what they send is
//! unreadable to her, and the two go on on the group's keys.
//!
//! One thread runs everyone, in a fixed order, so the run is the same every time: every packet
//! goes through real UDP sockets on 127.0.0.1 (participant → unit → participant), signaling
//! (the handshake, key packages, welcomes, commits) through a loopback TCP server.

use super::args::DemoArgs;
use super::check::{Arrival, Originals, Seen};
use super::endpoint::{Keying, HOP_SUITE};
use super::media::{frame_id, MediaGen, MARKER};
use super::relay::{contains, reads_media};
use super::report::{print_codes, print_result, BySide, HandshakeView, RelayCounts, Security};
use super::signaling::{recv_msg, send_msg, CONTEXT};
use super::{bind_udp, print_wrapped, CALLEE, CALLER, NEWCOMER, TICK};
use crate::demo_policy::{self, rule_words, PolicyView};
use crate::policy_cmd::add_decision_json;
use crate::Exit;
use anyhow::{anyhow, bail, Context as _};
use callseal::handshake::{Callee, Caller, Established, HandshakeConfig};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{MediaKind, Role, SframeSuite, SrtpMasterKey, Ssrc};
use callseal_mls::{GroupCall, GroupCallConfig, GroupEvent, Member, Sender};
use clap::ValueEnum as _;
use rand_core::RngCore as _;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// The participants, in the order they join: their names in the story and their users.
const NAMES: [&str; 3] = ["alice", "bob", "carol"];
const USERS: [&str; 3] = [CALLER, CALLEE, NEWCOMER];
const ALICE: usize = 0;
const BOB: usize = 1;
const CAROL: usize = 2;

/// The fewest ticks the story fits in: a tick one-to-one, the escalation, Carol's arrival, a
/// tick of three, the removal, a tick of two.
const MIN_TICKS: u64 = 6;

/// The largest UDP datagram.
const MAX_DATAGRAM: usize = 65_536;

/// Signaling message types of the group demo (after those of the handshake).
const SIG_KEY_PACKAGE: u8 = 20;
const SIG_WELCOME: u8 = 21;
const SIG_COMMIT: u8 = 22;

/// Why `--participants 3` cannot run with these options (a usage error), if it cannot.
fn refusal(args: &DemoArgs) -> Option<String> {
    if args.no_e2ee {
        return Some(
            "--participants 3 grows an end-to-end call into a group without leaving end-to-end \
             encryption: leave --no-e2ee out"
                .to_owned(),
        );
    }
    if let Some(layers) = args.layers.map(Layers::from) {
        if layers != Layers::Both {
            return Some(format!(
                "--participants 3 runs SFrame inside hop-by-hop SRTP (one leg per participant to \
                 the forwarding unit): --layers {} is not available, leave --layers out",
                layers.name()
            ));
        }
    }
    if !args.attack.is_empty() {
        let names: Vec<String> = args
            .attack
            .iter()
            .filter_map(|a| a.to_possible_value())
            .map(|v| v.get_name().to_owned())
            .collect();
        return Some(format!(
            "--attack {} runs in the two-party demo only: leave --participants out",
            names.join(",")
        ));
    }
    if args.continuity.is_some() {
        return Some(
            "--continuity runs in the two-party demo only: leave --participants out".to_owned(),
        );
    }
    if args.stats {
        return Some(
            "--stats runs in the two-party demo only: leave --participants out".to_owned(),
        );
    }
    let ticks = (args.duration * 1000.0 / TICK.as_millis() as f64).ceil() as u64;
    if ticks < MIN_TICKS {
        return Some(format!(
            "--participants 3 needs at least {} s of call time (--duration)",
            MIN_TICKS as f64 * TICK.as_secs_f64()
        ));
    }
    None
}

/// Signaling: a server on loopback TCP that every participant is connected to and that
/// passes messages between them (the handshake, key packages, welcomes, commits), in order.
struct Signaling {
    /// The participants' ends.
    clients: Vec<TcpStream>,
    /// The server's end of each participant's connection.
    server: Vec<TcpStream>,
    listener: TcpListener,
    messages: u64,
    bytes: u64,
}

impl Signaling {
    fn new(port: u16) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).with_context(|| {
            format!("cannot listen for signaling on 127.0.0.1:{port} (port in use?)")
        })?;
        let mut s = Signaling {
            clients: Vec::new(),
            server: Vec::new(),
            listener,
            messages: 0,
            bytes: 0,
        };
        s.connect()?;
        s.connect()?;
        Ok(s)
    }

    /// A new participant connects.
    fn connect(&mut self) -> anyhow::Result<()> {
        let addr = self.listener.local_addr()?;
        let client = TcpStream::connect(addr).context("signaling connect")?;
        let (server, _) = self.listener.accept().context("signaling accept")?;
        for s in [&client, &server] {
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            s.set_nodelay(true)?;
        }
        self.clients.push(client);
        self.server.push(server);
        Ok(())
    }

    /// Participant `from` sends a message to `to`; the server passes it on. `to` reads it with
    /// [`Signaling::take`] when it gets to it.
    fn post(&mut self, from: usize, to: usize, ty: u8, body: &[u8]) -> anyhow::Result<()> {
        send_msg(&mut self.clients[from], ty, body)?;
        let (t, b) = recv_msg(&mut self.server[from])?;
        send_msg(&mut self.server[to], t, &b)?;
        self.messages += 1;
        self.bytes += body.len() as u64;
        Ok(())
    }

    /// The next message for `to`, which must be of type `ty`.
    fn take(&mut self, to: usize, ty: u8) -> anyhow::Result<Vec<u8>> {
        let (t, body) = recv_msg(&mut self.clients[to])?;
        if t != ty {
            bail!("signaling: message {t} where {ty} was expected");
        }
        Ok(body)
    }

    /// [`Signaling::post`] then [`Signaling::take`].
    fn carry(&mut self, from: usize, to: usize, ty: u8, body: &[u8]) -> anyhow::Result<Vec<u8>> {
        self.post(from, to, ty, body)?;
        self.take(to, ty)
    }
}

/// Fresh hop-by-hop SRTP keys (key ‖ salt) of one leg: up (participant → unit) and down.
fn leg_keys() -> [Zeroizing<Vec<u8>>; 2] {
    let len = HOP_SUITE.key_len() + HOP_SUITE.salt_len();
    core::array::from_fn(|_| {
        let mut k = Zeroizing::new(vec![0u8; len]);
        rand_core::OsRng.fill_bytes(&mut k);
        k
    })
}

/// The participant's side of a leg: sends with the up key, receives with the down key.
fn packet_keys(keys: &[Zeroizing<Vec<u8>>; 2]) -> anyhow::Result<PacketKeys> {
    Ok(PacketKeys::new(
        SrtpMasterKey::from_concatenated(HOP_SUITE, &keys[0])?,
        SrtpMasterKey::from_concatenated(HOP_SUITE, &keys[1])?,
    ))
}

fn leg_srtp_config() -> SrtpConfig {
    let mut c = SrtpConfig::default();
    // Every member's three streams on one leg, and the one-to-one call's.
    c.max_streams = 3 * callseal_mls::MAX_MEMBERS + 3;
    c
}

/// One participant's leg at the forwarding unit.
struct Leg {
    sock: UdpSocket,
    /// Where the participant is.
    participant: SocketAddr,
    /// Takes the hop layer off what the participant sends.
    up: SrtpReceiver,
    /// Puts the hop layer on what the participant receives.
    down: SrtpSender,
    open: bool,
}

/// The relay as a selective forwarding unit: every packet one participant sends reaches every
/// other, hop-by-hop SRTP taken off on the sender's leg and put on each receiver's. It holds the
/// hop keys, as a media server does, and counts what it could read with them.
struct Sfu {
    legs: Vec<Leg>,
    buf: Vec<u8>,
    out: Vec<u8>,
    packets: u64,
    plaintext_seen: u64,
    hop_layer_removed: u64,
    media_readable: u64,
    forwarded: u64,
    /// Packets whose hop layer did not verify (none without an attacker).
    hop_rejected: u64,
}

impl Sfu {
    fn new() -> Self {
        Sfu {
            legs: Vec::new(),
            buf: vec![0; MAX_DATAGRAM],
            out: vec![0; MAX_DATAGRAM],
            packets: 0,
            plaintext_seen: 0,
            hop_layer_removed: 0,
            media_readable: 0,
            forwarded: 0,
            hop_rejected: 0,
        }
    }

    /// A leg for the participant at `participant`, keyed with `keys`; returns the address the
    /// participant sends to.
    fn open_leg(
        &mut self,
        participant: SocketAddr,
        keys: &[Zeroizing<Vec<u8>>; 2],
    ) -> anyhow::Result<SocketAddr> {
        let sock = bind_udp()?;
        sock.set_read_timeout(Some(Duration::from_secs(2)))?;
        let addr = sock.local_addr()?;
        self.legs.push(Leg {
            sock,
            participant,
            up: SrtpReceiver::new(
                &SrtpMasterKey::from_concatenated(HOP_SUITE, &keys[0])?,
                leg_srtp_config(),
            )?,
            down: SrtpSender::new(
                &SrtpMasterKey::from_concatenated(HOP_SUITE, &keys[1])?,
                leg_srtp_config(),
            )?,
            open: true,
        });
        Ok(addr)
    }

    /// Take the next packet on leg `from` and forward it to every other open leg; returns
    /// which legs it went to.
    fn relay_one(&mut self, from: usize) -> anyhow::Result<[bool; 3]> {
        let mut to = [false; 3];
        let n = self.legs[from]
            .sock
            .recv(&mut self.buf)
            .context("forwarding unit: a packet did not arrive on 127.0.0.1")?;
        self.packets += 1;
        if contains(&self.buf[..n], MARKER) {
            self.plaintext_seen += 1;
        }
        let len = match self.legs[from].up.unprotect_rtp(&mut self.buf[..n]) {
            Ok(plain) => plain.len(),
            Err(_) => {
                self.hop_rejected += 1;
                return Ok(to);
            }
        };
        self.hop_layer_removed += 1;
        if reads_media(&self.buf[..len]) {
            self.media_readable += 1;
        }
        for (i, leg) in self.legs.iter_mut().enumerate() {
            if i == from || !leg.open {
                continue;
            }
            self.out[..len].copy_from_slice(&self.buf[..len]);
            let m = leg.down.protect_rtp(&mut self.out, len)?;
            leg.sock.send_to(&self.out[..m], leg.participant)?;
            self.forwarded += 1;
            to[i] = true;
        }
        Ok(to)
    }
}

/// The keys a participant's media runs on.
enum Keys {
    /// The one-to-one call.
    Call(Box<Call>),
    /// The group call.
    Group(Box<GroupCall>),
    /// Not in the call (not yet, or removed).
    Out,
}

/// One participant: its socket, its media, its call, and the packets it read but has not yet
/// processed (a receive queue: packets in flight).
struct Participant {
    sock: UdpSocket,
    /// Its leg at the forwarding unit.
    sfu: SocketAddr,
    leg: usize,
    keys: Keys,
    gen: MediaGen,
    /// The tick it joined at: its media starts then (a key frame, a screen-share burst).
    joined_at: u64,
    /// Packets read, each in a buffer of [`MAX_DATAGRAM`] bytes with its length.
    inbox: Vec<(Vec<u8>, usize)>,
    /// Buffers of packets processed, to read the next ones into.
    spare: Vec<Vec<u8>>,
    frames_sent: [u64; 3],
}

impl Participant {
    fn new(index: usize, seed: u64, joined_at: u64) -> anyhow::Result<Self> {
        let sock = bind_udp()?;
        sock.set_read_timeout(Some(Duration::from_secs(2)))?;
        Ok(Participant {
            sock,
            sfu: "127.0.0.1:0".parse().expect("valid address"),
            leg: usize::MAX,
            keys: Keys::Out,
            gen: MediaGen::with_sender(seed, index, index as u8),
            joined_at,
            inbox: Vec::new(),
            spare: Vec::new(),
            frames_sent: [0; 3],
        })
    }

    /// Read one packet from the socket into the receive queue.
    fn read_one(&mut self) -> anyhow::Result<()> {
        let mut b = self.spare.pop().unwrap_or_else(|| vec![0; MAX_DATAGRAM]);
        let n = self
            .sock
            .recv(&mut b)
            .context("a forwarded packet did not arrive on 127.0.0.1")?;
        self.inbox.push((b, n));
        Ok(())
    }

    fn group(&mut self) -> anyhow::Result<&mut GroupCall> {
        match &mut self.keys {
            Keys::Group(g) => Ok(g),
            _ => Err(anyhow!("not in the group call")),
        }
    }
}

/// One sender → receiver pair: frames meant for the receiver and what became of them.
#[derive(Debug, Default, Clone, Copy)]
struct PairCount {
    sent: u64,
    on_call_keys: u64,
    on_group_keys: u64,
}

/// What the run counted.
#[derive(Default)]
struct Tally {
    pairs: [[PairCount; 3]; 3],
    /// Frames sent by kind, per sender, while someone was there to receive them.
    sent_by_kind: [[u64; 3]; 3],
    /// SHA-256 of the frames sent, by (sender, kind, number): the newest of each stream.
    expected: Originals,
    /// Frames delivered, by receiver and (sender, kind, number).
    delivered: [Seen; 3],
    mismatched: u64,
    duplicated: u64,
    /// Packets rejected where none should be.
    rejected_unexpected: u64,
    unexpected_reasons: BTreeMap<String, u64>,
    /// Frames Alice sent on the call's keys at the escalation, delivered after Bob moved.
    in_flight_delivered: u64,
    /// Carol is removed: her packets are expected to be refused, and she to read nothing.
    carol_removed: bool,
    removed_frames_sent: u64,
    removed_packets_sent: u64,
    removed_packets_rejected: u64,
    removed_reasons: BTreeMap<String, u64>,
    removed_frames_delivered: u64,
    unreadable_frames_sent: u64,
    unreadable_packets_refused: u64,
    removed_frames_read: u64,
    self_updates: u64,
}

impl Tally {
    /// A frame `to` received, from the member at `leaf` (`None`: the other end of the
    /// one-to-one call, on its keys): checked against the original. Returns whether it came on
    /// the call's keys.
    fn deliver(
        &mut self,
        leaves: &[Option<u32>; 3],
        to: usize,
        leaf: Option<u32>,
        kind: MediaKind,
        frame: &[u8],
    ) -> bool {
        let t = self;
        let claimed = match leaf {
            None => 1 - to.min(1),
            Some(l) => match leaves.iter().position(|x| *x == Some(l)) {
                Some(i) => i,
                None => {
                    t.mismatched += 1;
                    return false;
                }
            },
        };
        if t.carol_removed && (to == CAROL) {
            t.removed_frames_read += 1;
            return false;
        }
        if t.carol_removed && claimed == CAROL {
            t.removed_frames_delivered += 1;
            return false;
        }
        let ok = frame_id(frame).filter(|id| {
            id.0 as usize == claimed
                && id.1 == kind as u8
                && t.expected.matches(*id, frame)
                && to != claimed
        });
        match ok.map(|id| t.delivered[to].arrive(id)) {
            Some(Arrival::First) => {}
            Some(Arrival::Again) => {
                t.duplicated += 1;
                return false;
            }
            Some(Arrival::TooOld) | None => {
                t.mismatched += 1;
                return false;
            }
        }
        let pair = &mut t.pairs[claimed][to];
        if leaf.is_none() {
            pair.on_call_keys += 1;
        } else {
            pair.on_group_keys += 1;
        }
        leaf.is_none()
    }
}

/// Everyone and everything of the run.
struct World {
    parts: Vec<Participant>,
    sfu: Sfu,
    signaling: Signaling,
    tally: Tally,
    /// Each participant's leaf in the group, once it has one.
    leaves: [Option<u32>; 3],
    /// Carol's group SSRCs (to tell her packets at the others).
    carol_ssrcs: [Ssrc; 3],
    packets: Packets,
    frames: Vec<(MediaKind, Vec<u8>, u32)>,
}

impl World {
    /// Who is in the call now (and receives).
    fn present(&self) -> Vec<usize> {
        (0..self.parts.len())
            .filter(|i| !matches!(self.parts[*i].keys, Keys::Out))
            .collect()
    }

    /// Participant `i`'s one-to-one call, to grow into a group.
    fn take_call(&mut self, i: usize) -> anyhow::Result<Call> {
        match std::mem::replace(&mut self.parts[i].keys, Keys::Out) {
            Keys::Call(call) => Ok(*call),
            _ => bail!("{} has no one-to-one call", NAMES[i]),
        }
    }

    /// Participant `i` is in the group call `gc`, at its leaf.
    fn enter_group(&mut self, i: usize, gc: GroupCall) {
        self.leaves[i] = Some(gc.own_leaf());
        self.parts[i].keys = Keys::Group(Box::new(gc));
    }

    /// Participant `from` sends `packets`: each goes through its socket to the unit, which
    /// forwards it; each receiver reads it into its queue.
    fn transmit(&mut self, from: usize) -> anyhow::Result<u64> {
        let mut n = 0;
        for p in self.packets.iter() {
            let part = &self.parts[from];
            part.sock.send_to(p, part.sfu)?;
            let to = self.sfu.relay_one(part.leg)?;
            for (i, part) in self.parts.iter_mut().enumerate() {
                if part.leg < 3 && to[part.leg] {
                    debug_assert_ne!(i, from);
                    part.read_one()?;
                }
            }
            n += 1;
        }
        Ok(n)
    }

    /// Participant `from` makes its frames of `tick` and sends them, each to everyone present;
    /// with `deliver`, everyone then processes what it received.
    fn send_tick(
        &mut self,
        from: usize,
        tick: u64,
        now: Duration,
        deliver: bool,
    ) -> anyhow::Result<()> {
        let mut frames = std::mem::take(&mut self.frames);
        let part = &mut self.parts[from];
        part.gen.frames(tick - part.joined_at, &mut frames);
        let present = self.present();
        let result = (|| {
            for (kind, frame, ts) in &frames {
                let id = frame_id(frame).expect("generated frames carry an id");
                self.tally.expected.record(id, frame);
                self.packets.clear();
                let k = *kind as usize;
                match &mut self.parts[from].keys {
                    Keys::Call(c) => c.send_frame(*kind, frame, *ts, now, &mut self.packets)?,
                    Keys::Group(g) => g.send_frame(*kind, frame, *ts, now, &mut self.packets)?,
                    Keys::Out => bail!("{} is not in the call", NAMES[from]),
                }
                self.parts[from].frames_sent[k] += 1;
                let packets = self.transmit(from)?;
                if from == CAROL && self.tally.carol_removed {
                    self.tally.removed_frames_sent += 1;
                    self.tally.removed_packets_sent += packets * (present.len() as u64 - 1);
                } else {
                    self.tally.sent_by_kind[from][k] += 1;
                    for to in present.iter().copied().filter(|t| *t != from) {
                        if to == CAROL && self.tally.carol_removed {
                            self.tally.unreadable_frames_sent += 1;
                        } else {
                            self.tally.pairs[from][to].sent += 1;
                        }
                    }
                }
                if deliver {
                    for to in 0..self.parts.len() {
                        self.process(to, now)?;
                    }
                }
            }
            Ok(())
        })();
        self.frames = frames;
        result
    }

    /// Participant `to` processes the packets in its receive queue; returns the frames
    /// delivered on the call's keys.
    fn process(&mut self, to: usize, now: Duration) -> anyhow::Result<u64> {
        let part = &mut self.parts[to];
        let tally = &mut self.tally;
        let leaves = &self.leaves;
        let mut on_call = 0;
        for (b, n) in part.inbox.iter_mut() {
            let p = &mut b[..*n];
            let from_carol = p.len() >= 12
                && self
                    .carol_ssrcs
                    .contains(&Ssrc(u32::from_be_bytes([p[8], p[9], p[10], p[11]])));
            let refused = match &mut part.keys {
                Keys::Call(c) => match c.receive_packet(p, now) {
                    Ok(Some(r)) => {
                        on_call += u64::from(tally.deliver(leaves, to, None, r.kind, r.frame));
                        None
                    }
                    Ok(None) => None,
                    Err(e) => Some(e.to_string()),
                },
                Keys::Group(g) => match g.receive_packet(p, now) {
                    Ok(Some(r)) => {
                        let leaf = match r.sender {
                            Sender::Pairwise => None,
                            Sender::Member(leaf) => Some(leaf),
                        };
                        on_call += u64::from(tally.deliver(leaves, to, leaf, r.kind, r.frame));
                        None
                    }
                    Ok(None) => None,
                    Err(e) => Some(e.to_string()),
                },
                Keys::Out => Some("not in the call".to_owned()),
            };
            if let Some(reason) = refused {
                let t = &mut *tally;
                if t.carol_removed && from_carol && to != CAROL {
                    t.removed_packets_rejected += 1;
                    *t.removed_reasons.entry(reason).or_default() += 1;
                } else if t.carol_removed && to == CAROL {
                    t.unreadable_packets_refused += 1;
                } else {
                    t.rejected_unexpected += 1;
                    *t.unexpected_reasons.entry(reason).or_default() += 1;
                }
            }
        }
        part.spare.extend(part.inbox.drain(..).map(|(b, _)| b));
        Ok(on_call)
    }

    /// Everyone present sends its frames of `tick`, and everyone processes what it got.
    fn tick(&mut self, tick: u64, now: Duration) -> anyhow::Result<()> {
        for from in self.present() {
            self.send_tick(from, tick, now, true)?;
        }
        self.timers(now)
    }

    /// Let time pass on every call: the one-to-one call's timers, the end of the grace of its
    /// keys, the group's self-updates (whose commits go to every other member).
    fn timers(&mut self, now: Duration) -> anyhow::Result<()> {
        for i in 0..self.parts.len() {
            let commit = match &mut self.parts[i].keys {
                Keys::Call(c) => {
                    c.handle_timeout(now)?;
                    while c.poll_event().is_some() {}
                    None
                }
                Keys::Group(g) => g.handle_timeout(now)?,
                Keys::Out => None,
            };
            if let Some(commit) = commit {
                self.tally.self_updates += 1;
                for to in self.present().into_iter().filter(|t| *t != i) {
                    let c = self.signaling.carry(i, to, SIG_COMMIT, &commit)?;
                    self.parts[to].group()?.process(&c, now)?;
                }
            }
        }
        Ok(())
    }
}

/// The handshake of the one-to-one call, over the signaling server.
fn handshake(
    sig: &mut Signaling,
    policy: &PolicyView,
    args: &DemoArgs,
) -> anyhow::Result<(Established, Established)> {
    let cfg = |intent| HandshakeConfig::new(intent).with_post_quantum(args.post_quantum());
    let (mut caller, offer) = Caller::offer(&cfg(policy.caller_intent), CONTEXT)?;
    let offer = sig.carry(ALICE, BOB, super::signaling::SIG_OFFER, &offer)?;
    let (mut callee, answer) = Callee::accept(&cfg(policy.callee_intent), CONTEXT, &offer)?;
    let answer = sig.carry(BOB, ALICE, super::signaling::SIG_ANSWER, &answer)?;
    let (confirm, a) = caller.finish(&answer)?;
    let confirm = sig.carry(ALICE, BOB, super::signaling::SIG_CONFIRM, &confirm)?;
    let b = callee.confirm(&confirm)?;
    Ok((a, b))
}

/// One sender → receiver pair in the report.
#[derive(Debug, Serialize)]
struct PairReport {
    from: &'static str,
    to: &'static str,
    frames_sent: u64,
    /// Frames delivered equal to the original (SHA-256).
    frames_delivered: u64,
    /// Of them, delivered on the one-to-one call's keys.
    on_call_keys: u64,
    /// Of them, delivered on the group's keys.
    on_group_keys: u64,
    lost: u64,
}

/// One participant in the report.
#[derive(Debug, Serialize)]
struct MemberReport {
    user: &'static str,
    /// Its leaf index in the MLS group (null before it is in the group).
    leaf: Option<u32>,
    /// Frames it sent to the others (counted once per frame), by kind.
    frames_sent: KindCounts,
    /// Frames meant for it, and those delivered equal to the original.
    frames_expected: u64,
    frames_delivered: u64,
}

#[derive(Debug, Serialize)]
struct KindCounts {
    audio: u64,
    video: u64,
    screen: u64,
}

/// The three participants' values.
#[derive(Debug, Serialize)]
struct ByMember<T> {
    alice: T,
    bob: T,
    carol: T,
}

/// The two who stay's values.
#[derive(Debug, Serialize)]
struct ByStayer<T> {
    alice: T,
    bob: T,
}

/// What Carol sent after her removal, at Alice and Bob.
#[derive(Debug, Serialize)]
struct RemovedRejected {
    /// Frames Carol sent after the commit that removed her (before she applied it).
    frames_sent: u64,
    /// Their packets, as forwarded to Alice and Bob.
    packets: u64,
    /// Of them, rejected (all, for the demo to pass).
    packets_rejected: u64,
    /// Why, with the number of packets: the error as the group call reports it.
    reasons: BTreeMap<String, u64>,
    /// Frames of hers delivered all the same (0 for the demo to pass).
    frames_delivered: u64,
}

/// What Alice and Bob sent after the removal, at Carol.
#[derive(Debug, Serialize)]
struct RemovedUnreadable {
    /// Frames forwarded to Carol after her removal (before the unit dropped her leg).
    frames_sent: u64,
    /// Of them, read by Carol (0 for the demo to pass).
    frames_read: u64,
    /// Packets Carol's group call refused (once she applied the commit).
    packets_refused: u64,
    /// Frames that reached her before the commit, sealed under the epoch that removes her:
    /// they waited for it, and none opened.
    frames_held: u64,
    /// Carol's next frame once she applied the commit: refused at her own side.
    send_refused: bool,
}

/// The group part of the report.
#[derive(Debug, Serialize)]
struct GroupReport {
    participants: u8,
    /// Whether the policy lets the call add Carol (`callseal policy decide-add` JSON).
    add: Value,
    /// Epoch of the MLS group after the escalation, after Carol joined, after her removal, at
    /// the end.
    epochs: Epochs,
    /// The two-member group's code right after the escalation (Alice's and Bob's sides).
    escalation_code: String,
    /// Frames Alice sent on the call's keys that were in flight when Bob moved to the group's
    /// keys: all delivered.
    escalation_in_flight: u64,
    /// The group code every participant shows once Carol joined.
    codes: ByMember<String>,
    codes_match: bool,
    /// Alice and Bob are still bound to the one-to-one call they verified.
    one_to_one_kept: bool,
    /// The code after Carol's removal, on the two sides that stay.
    code_after_removal: ByStayer<String>,
    /// The code changed at the removal (and matches on both sides).
    code_changed: bool,
    members: ByMember<MemberReport>,
    pairs: Vec<PairReport>,
    /// Frames delivered on the one-to-one call's keys and on the group's.
    pairwise_frames: u64,
    group_frames: u64,
    lost: u64,
    removed_rejected: RemovedRejected,
    removed_unreadable: RemovedUnreadable,
    /// Commits of periodic self-updates (every 60 s).
    self_updates: u64,
    /// Signaling messages and their bytes (handshake, key packages, welcomes, commits).
    signaling_messages: u64,
    signaling_bytes: u64,
}

#[derive(Debug, Serialize)]
struct Epochs {
    escalated: u64,
    joined: u64,
    removed: u64,
    last: u64,
}

/// The report of the group demo: the fields of the two-party report that apply, and `group`.
#[derive(Debug, Serialize)]
struct GroupCallReport {
    security: Security,
    layers: &'static str,
    /// The one-to-one call's code, on each side (what Alice and Bob compared).
    security_codes: BySide<Option<String>>,
    codes_match: bool,
    handshake: HandshakeView,
    policy: Value,
    duration_s: f64,
    /// Frames meant for a receiver (a frame sent to two counts twice), and what became of them.
    frames_sent: u64,
    frames_delivered: u64,
    frames_mismatched: u64,
    frames_duplicated: u64,
    /// Packets rejected where none should be (Carol's after her removal are under `group`).
    rejected_total: u64,
    relay: RelayCounts,
    group: GroupReport,
    ok: bool,
    problems: Vec<String>,
}

/// `callseal demo --participants 3`.
pub(super) fn run(args: &DemoArgs) -> anyhow::Result<ExitCode> {
    if let Some(why) = refusal(args) {
        eprintln!("callseal: {why}");
        return Ok(Exit::Usage.into());
    }
    let policy = demo_policy::decide(
        args.policy.as_deref(),
        CALLER,
        CALLEE,
        Some(NEWCOMER),
        false,
        args.require_e2ee,
    )?;
    if !policy.end_to_end() {
        bail!(
            "the policy makes the call of {CALLER} and {CALLEE} a standard call: the group \
             demo needs an end-to-end call"
        );
    }
    let add = policy.add.clone().expect("decided with a newcomer");
    if !add.allowed {
        let reasons: Vec<String> = add
            .reasons
            .iter()
            .map(|r| format!("{}: {}", r.user, rule_words(r.rule)))
            .collect();
        bail!(
            "the policy does not let the end-to-end call add {NEWCOMER} ({}): the call would \
             stay one-to-one, end-to-end",
            reasons.join("; ")
        );
    }
    let ticks = (args.duration * 1000.0 / TICK.as_millis() as f64).ceil() as u64;
    let esc = (ticks * 3 / 10).max(1);
    let join = esc + 1;
    let rem = (ticks * 7 / 10).max(join + 1);

    let mut signaling = Signaling::new(args.signal_port)?;
    let (est_a, est_b) = handshake(&mut signaling, &policy, args)?;
    let code = |e: &Established| e.security_code().map(|c| c.as_str().to_owned());
    let codes_1to1 = BySide {
        caller: code(&est_a),
        callee: code(&est_b),
    };
    let keying = |e: &Established| Keying {
        post_quantum: e.is_post_quantum(),
        continuity: None,
        note: None,
    };
    let hs = HandshakeView::new(&keying(&est_a), &keying(&est_b));

    let mut w = World {
        parts: (0..2)
            .map(|i| Participant::new(i, args.seed, 0))
            .collect::<anyhow::Result<_>>()?,
        sfu: Sfu::new(),
        signaling,
        tally: Tally::default(),
        leaves: [None; 3],
        carol_ssrcs: [Ssrc(0); 3],
        packets: Packets::new(),
        frames: Vec::new(),
    };
    let mut leg_secrets = Vec::new();
    for (i, (est, role)) in [(est_a, Role::Caller), (est_b, Role::Callee)]
        .into_iter()
        .enumerate()
    {
        let keys = leg_keys();
        w.parts[i].sfu = w.sfu.open_leg(w.parts[i].sock.local_addr()?, &keys)?;
        w.parts[i].leg = i;
        let config = CallConfig::new(role)
            .with_layers(Layers::Both)
            .with_add_participant(policy.add_participant());
        w.parts[i].keys = Keys::Call(Box::new(Call::new(est, config, Some(packet_keys(&keys)?))?));
        leg_secrets.push(keys);
    }
    let suite = match &w.parts[ALICE].keys {
        Keys::Call(c) => c.sframe_suite().unwrap_or(SframeSuite::Aes128GcmSha256_128),
        _ => unreachable!("alice is in the call"),
    };
    let config = GroupCallConfig::default();

    let start = Instant::now();
    let mut epochs = Epochs {
        escalated: 0,
        joined: 0,
        removed: 0,
        last: 0,
    };
    let mut escalation_code = String::new();
    let mut codes = Vec::new();
    let mut one_to_one_kept = false;
    let mut after_removal = Vec::new();
    let mut send_refused = false;
    let mut held_at_removal = 0;
    for tick in 0..ticks {
        let now = TICK * tick as u32;
        if !args.fast {
            std::thread::sleep((start + now).saturating_duration_since(Instant::now()));
        }
        if tick == esc {
            // Bob's key package reaches Alice; Alice grows the call into a group of the two,
            // bound to the call, and sends the welcome to Bob.
            let bob = Member::new(CALLEE.as_bytes())?;
            let kp = w
                .signaling
                .carry(BOB, ALICE, SIG_KEY_PACKAGE, &bob.key_package()?)?;
            let (gc, welcome) = GroupCall::escalate(
                w.take_call(ALICE)?,
                Member::new(CALLER.as_bytes())?,
                &kp,
                config,
                Some(&packet_keys(&leg_secrets[ALICE])?),
                now,
            )?;
            w.enter_group(ALICE, gc);
            w.signaling.post(ALICE, BOB, SIG_WELCOME, &welcome)?;
            // Alice's frames of this tick still go on the call's keys, and are in flight when
            // Bob takes the welcome.
            w.send_tick(ALICE, tick, now, false)?;
            let welcome = w.signaling.take(BOB, SIG_WELCOME)?;
            let gc = GroupCall::accept_escalation(
                w.take_call(BOB)?,
                bob,
                &welcome,
                config,
                Some(&packet_keys(&leg_secrets[BOB])?),
                now,
            )?;
            w.enter_group(BOB, gc);
            // Bob sends on the group's keys at once; Alice follows when she sees his frames.
            w.send_tick(BOB, tick, now, false)?;
            w.process(ALICE, now)?;
            if !w.parts[ALICE].group()?.sends_on_group_keys() {
                bail!("alice did not move to the group's keys on bob's first group frames");
            }
            w.tally.in_flight_delivered = w.process(BOB, now)?;
            epochs.escalated = w.parts[ALICE].group()?.group().epoch();
            escalation_code = w.parts[ALICE].group()?.security_code().as_str().to_owned();
            if w.parts[BOB].group()?.security_code().as_str() != escalation_code {
                bail!("alice and bob show different group codes after the escalation");
            }
            w.timers(now)?;
            continue;
        }
        if tick == join {
            // Carol connects; her key package reaches Alice, who adds her: the commit goes to
            // Bob, the welcome to Carol, and the unit opens a leg for her.
            w.signaling.connect()?;
            w.parts.push(Participant::new(CAROL, args.seed, tick)?);
            let carol = Member::new(NEWCOMER.as_bytes())?;
            let kp = w
                .signaling
                .carry(CAROL, ALICE, SIG_KEY_PACKAGE, &carol.key_package()?)?;
            let invite = w.parts[ALICE].group()?.add(&kp, now)?;
            let commit = w.signaling.carry(ALICE, BOB, SIG_COMMIT, &invite.commit)?;
            match w.parts[BOB].group()?.process(&commit, now)? {
                GroupEvent::NewEpoch { .. } => {}
                other => bail!("bob: carol's commit gave {other:?}"),
            }
            let welcome = w
                .signaling
                .carry(ALICE, CAROL, SIG_WELCOME, &invite.welcome)?;
            let keys = leg_keys();
            w.parts[CAROL].sfu = w.sfu.open_leg(w.parts[CAROL].sock.local_addr()?, &keys)?;
            w.parts[CAROL].leg = CAROL;
            let gc = GroupCall::join(
                carol,
                &welcome,
                suite,
                config,
                Some(&packet_keys(&keys)?),
                now,
            )?;
            w.carol_ssrcs = gc.ssrcs();
            w.enter_group(CAROL, gc);
            leg_secrets.push(keys);
            for i in 0..3 {
                codes.push(w.parts[i].group()?.security_code().as_str().to_owned());
            }
            epochs.joined = w.parts[ALICE].group()?.group().epoch();
            let (a, b) = (w.leaves[ALICE], w.leaves[BOB]);
            one_to_one_kept = w.parts[ALICE].group()?.original_peer() == b
                && w.parts[BOB].group()?.original_peer() == a
                && w.parts[CAROL].group()?.original_peer().is_none();
        }
        if tick == rem {
            // Alice removes Carol: Bob applies the commit at once; Carol's copy is on its way
            // while she still sends.
            let leaf = w.leaves[CAROL].expect("carol is in the group");
            let commit = w.parts[ALICE].group()?.remove(leaf, now)?;
            let c = w.signaling.carry(ALICE, BOB, SIG_COMMIT, &commit)?;
            w.parts[BOB].group()?.process(&c, now)?;
            w.signaling.post(ALICE, CAROL, SIG_COMMIT, &commit)?;
            w.tally.carol_removed = true;
            w.send_tick(CAROL, tick, now, true)?;
            w.send_tick(ALICE, tick, now, true)?;
            w.send_tick(BOB, tick, now, true)?;
            let c = w.signaling.take(CAROL, SIG_COMMIT)?;
            let carol = w.parts[CAROL].group()?;
            // What reached her sealed under the epoch that removes her waited for its commit;
            // the commit tells her she is out, and none of it opens.
            held_at_removal = carol.held_frames() as u64;
            if carol.process(&c, now)? != GroupEvent::Removed {
                bail!("carol did not learn of her removal");
            }
            if carol.poll_frame().is_some() {
                bail!("carol opened a frame sent after her removal");
            }
            send_refused = carol.send_frame(MediaKind::Audio, MARKER, 0, now, &mut Packets::new())
                == Err(callseal_mls::Error::Removed);
            w.parts[CAROL].keys = Keys::Out;
            w.sfu.legs[CAROL].open = false;
            for i in [ALICE, BOB] {
                after_removal.push(w.parts[i].group()?.security_code().as_str().to_owned());
            }
            epochs.removed = w.parts[ALICE].group()?.group().epoch();
            w.timers(now)?;
            continue;
        }
        w.tick(tick, now)?;
    }
    epochs.last = w.parts[ALICE].group()?.group().epoch();
    drop(leg_secrets);

    let report = build_report(
        args,
        &policy,
        &w,
        hs,
        codes_1to1,
        GroupFacts {
            add: add_decision_json(&add, NEWCOMER, &[CALLER.to_owned(), CALLEE.to_owned()]),
            epochs,
            escalation_code,
            codes,
            one_to_one_kept,
            after_removal,
            send_refused,
            held_at_removal,
        },
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print_human(&policy, &w);
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What the story recorded on its way, for the report.
struct GroupFacts {
    add: Value,
    epochs: Epochs,
    escalation_code: String,
    codes: Vec<String>,
    one_to_one_kept: bool,
    after_removal: Vec<String>,
    send_refused: bool,
    held_at_removal: u64,
}

fn build_report(
    args: &DemoArgs,
    policy: &PolicyView,
    w: &World,
    handshake: HandshakeView,
    security_codes: BySide<Option<String>>,
    f: GroupFacts,
) -> GroupCallReport {
    let t = &w.tally;
    let mut pairs = Vec::new();
    for (from, row) in t.pairs.iter().enumerate() {
        for (to, p) in row.iter().enumerate() {
            if from == to {
                continue;
            }
            let delivered = p.on_call_keys + p.on_group_keys;
            pairs.push(PairReport {
                from: NAMES[from],
                to: NAMES[to],
                frames_sent: p.sent,
                frames_delivered: delivered,
                on_call_keys: p.on_call_keys,
                on_group_keys: p.on_group_keys,
                lost: p.sent.saturating_sub(delivered),
            });
        }
    }
    let sum = |f: fn(&PairReport) -> u64| pairs.iter().map(f).sum::<u64>();
    let frames_sent = sum(|p| p.frames_sent);
    let frames_delivered = sum(|p| p.frames_delivered);
    let pairwise_frames = sum(|p| p.on_call_keys);
    let group_frames = sum(|p| p.on_group_keys);
    let lost = sum(|p| p.lost);
    let member = |i: usize| {
        let into = |f: fn(&PairReport) -> u64| {
            pairs
                .iter()
                .filter(|p| p.to == NAMES[i])
                .map(f)
                .sum::<u64>()
        };
        let k = t.sent_by_kind[i];
        MemberReport {
            user: USERS[i],
            leaf: w.leaves[i],
            frames_sent: KindCounts {
                audio: k[0],
                video: k[1],
                screen: k[2],
            },
            frames_expected: into(|p| p.frames_sent),
            frames_delivered: into(|p| p.frames_delivered),
        }
    };
    let codes_match = f.codes.len() == 3 && f.codes.iter().all(|c| *c == f.codes[0]);
    let code_changed = f.after_removal.len() == 2
        && f.after_removal[0] == f.after_removal[1]
        && Some(&f.after_removal[0]) != f.codes.first();
    let removed_rejected = RemovedRejected {
        frames_sent: t.removed_frames_sent,
        packets: t.removed_packets_sent,
        packets_rejected: t.removed_packets_rejected,
        reasons: t.removed_reasons.clone(),
        frames_delivered: t.removed_frames_delivered,
    };
    let removed_unreadable = RemovedUnreadable {
        frames_sent: t.unreadable_frames_sent,
        frames_read: t.removed_frames_read,
        packets_refused: t.unreadable_packets_refused,
        frames_held: f.held_at_removal,
        send_refused: f.send_refused,
    };
    let relay = RelayCounts {
        packets: w.sfu.packets,
        plaintext_seen: w.sfu.plaintext_seen,
        hop_keys: true,
        hop_layer_removed: w.sfu.hop_layer_removed,
        media_readable: w.sfu.media_readable,
        sample: None,
    };
    let one_code_match =
        security_codes.caller.is_some() && security_codes.caller == security_codes.callee;

    let mut problems = Vec::new();
    if !one_code_match {
        problems.push("the one-to-one security codes differ".to_owned());
    }
    if !codes_match {
        problems.push("the participants show different group codes".to_owned());
    }
    if !f.one_to_one_kept {
        problems.push("alice and bob lost the bond to the call they verified".to_owned());
    }
    if !code_changed {
        problems
            .push("the group code did not change (alike on both sides) at the removal".to_owned());
    }
    if t.mismatched > 0 || t.duplicated > 0 {
        problems.push(format!(
            "{} frames differed from the original, {} were delivered twice",
            t.mismatched, t.duplicated
        ));
    }
    if lost > 0 {
        problems.push(format!("{lost} of {frames_sent} frames were not delivered"));
    }
    if t.rejected_unexpected > 0 {
        problems.push(format!(
            "{} packets were rejected without an attack",
            t.rejected_unexpected
        ));
    }
    if pairwise_frames == 0 || group_frames == 0 || t.in_flight_delivered == 0 {
        problems.push("the call did not run on both the call's and the group's keys".to_owned());
    }
    if removed_rejected.frames_sent == 0
        || removed_rejected.packets_rejected != removed_rejected.packets
        || removed_rejected.frames_delivered > 0
    {
        problems.push(format!(
            "of {} packets carol sent after her removal, {} were rejected and {} frames delivered",
            removed_rejected.packets,
            removed_rejected.packets_rejected,
            removed_rejected.frames_delivered
        ));
    }
    if removed_unreadable.frames_sent == 0 || removed_unreadable.frames_read > 0 {
        problems.push(format!(
            "carol read {} of the {} frames sent after her removal",
            removed_unreadable.frames_read, removed_unreadable.frames_sent
        ));
    }
    if !f.send_refused {
        problems.push("carol could still send once she knew she was removed".to_owned());
    }
    if relay.plaintext_seen > 0 || relay.media_readable > 0 {
        problems.push(format!(
            "the forwarding unit saw plaintext in {} packets and read the media of {} frames",
            relay.plaintext_seen, relay.media_readable
        ));
    }
    if w.sfu.hop_rejected > 0 {
        problems.push(format!(
            "{} packets failed the hop layer at the forwarding unit",
            w.sfu.hop_rejected
        ));
    }
    let by = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    GroupCallReport {
        security: Security::EndToEnd,
        layers: Layers::Both.name(),
        codes_match: one_code_match,
        security_codes,
        handshake,
        policy: policy.json(),
        duration_s: args.duration,
        frames_sent,
        frames_delivered,
        frames_mismatched: t.mismatched,
        frames_duplicated: t.duplicated,
        rejected_total: t.rejected_unexpected,
        relay,
        group: GroupReport {
            participants: 3,
            add: f.add,
            epochs: f.epochs,
            escalation_code: f.escalation_code,
            escalation_in_flight: t.in_flight_delivered,
            codes: ByMember {
                alice: by(&f.codes, 0),
                bob: by(&f.codes, 1),
                carol: by(&f.codes, 2),
            },
            codes_match,
            one_to_one_kept: f.one_to_one_kept,
            code_after_removal: ByStayer {
                alice: by(&f.after_removal, 0),
                bob: by(&f.after_removal, 1),
            },
            code_changed,
            members: ByMember {
                alice: member(ALICE),
                bob: member(BOB),
                carol: member(CAROL),
            },
            pairs,
            pairwise_frames,
            group_frames,
            lost,
            removed_rejected,
            removed_unreadable,
            self_updates: t.self_updates,
            signaling_messages: w.signaling.messages,
            signaling_bytes: w.signaling.bytes,
        },
        ok: problems.is_empty(),
        problems,
    }
}

impl GroupCallReport {
    fn print_human(&self, policy: &PolicyView, w: &World) {
        let g = &self.group;
        policy.print();
        print_wrapped(
            "  add carol: ",
            "allowed: both parties' policies let end-to-end calls add participants, and carol \
             can use end-to-end encryption",
        );
        println!();
        println!("call: alice calls bob, end-to-end encrypted (both layers: SFrame inside SRTP)");
        print_codes(&self.security_codes, self.codes_match, &self.handshake);
        println!();
        println!(
            "alice adds carol: the call becomes an MLS group (RFC 9420) keying SFrame (RFC 9605 \
             §5.2)"
        );
        print_wrapped(
            "  escalation: ",
            &format!(
                "alice makes a group of alice and bob bound to their call (epoch {}), bob \
                 accepts its welcome; {} frames alice sent on the call's keys were in flight \
                 when bob moved to the group's keys: all delivered",
                g.epochs.escalated, g.escalation_in_flight
            ),
        );
        println!("  alice and bob see group code  {}", g.escalation_code);
        print_wrapped(
            "  join: ",
            &format!(
                "carol joins from alice's welcome, bob applies alice's commit (epoch {})",
                g.epochs.joined
            ),
        );
        println!("  alice sees group code  {}", g.codes.alice);
        println!("  bob sees group code    {}", g.codes.bob);
        println!("  carol sees group code  {}", g.codes.carol);
        println!(
            "  group codes match: {}",
            if g.codes_match { "yes" } else { "NO" }
        );
        print_wrapped(
            "  verification: ",
            if g.one_to_one_kept {
                "alice and bob keep what they verified in their one-to-one call (the group is \
                 bound to it); carol is verified by the group code"
            } else {
                "LOST: alice and bob are no longer bound to their one-to-one call"
            },
        );
        print_wrapped(
            "  relay: ",
            "now a selective forwarding unit: one hop-by-hop SRTP leg per participant, every \
             sender's packets forwarded to the others",
        );
        println!();
        self.print_pairs();
        println!();
        let r = &g.removed_rejected;
        let u = &g.removed_unreadable;
        println!(
            "alice removes carol (epoch {}): the code changes: {}",
            g.epochs.removed,
            if g.code_changed { "yes" } else { "NO" }
        );
        println!("  alice sees group code  {}", g.code_after_removal.alice);
        println!("  bob sees group code    {}", g.code_after_removal.bob);
        let reasons: Vec<String> = r
            .reasons
            .iter()
            .map(|(why, n)| format!("{n} {why}"))
            .collect();
        print_wrapped(
            "  carol's next frames: ",
            &format!(
                "{} frames ({} packets at alice and bob) sent before she applied the commit: {} \
                 packets rejected ({}), {} frames delivered",
                r.frames_sent,
                r.packets,
                r.packets_rejected,
                reasons.join(", "),
                r.frames_delivered
            ),
        );
        print_wrapped(
            "  to carol: ",
            &format!(
                "{} frames alice and bob sent next: {} read ({} waited for the commit that removes \
                 her, {} packets refused after it); once she applied the commit her own next \
                 frame was {}",
                u.frames_sent,
                u.frames_read,
                u.frames_held,
                u.packets_refused,
                if u.send_refused {
                    "refused (removed)"
                } else {
                    "SENT"
                }
            ),
        );
        println!(
            "  alice and bob continue on the group's keys (epoch {} at the end, {} self-updates)",
            g.epochs.last, g.self_updates
        );
        println!();
        println!(
            "frames: {} sent, {} delivered equal to the original (SHA-256), {} differed, {} lost",
            self.frames_sent, self.frames_delivered, self.frames_mismatched, g.lost
        );
        println!(
            "  delivered on the one-to-one call's keys: {}, on the group's keys: {}",
            g.pairwise_frames, g.group_frames
        );
        println!(
            "signaling: {} messages, {} bytes (handshake, key packages, welcomes, commits)",
            g.signaling_messages, g.signaling_bytes
        );
        println!();
        print_wrapped(
            "relay: ",
            &format!(
                "removed the hop layer from {} packets with its keys (one leg per participant), \
                 forwarded {}; read media in {} of {} frames",
                self.relay.hop_layer_removed,
                w.sfu.forwarded,
                self.relay.media_readable,
                w.parts
                    .iter()
                    .map(|p| p.frames_sent.iter().sum::<u64>())
                    .sum::<u64>()
            ),
        );
        print_result(self.ok, &self.problems);
    }

    /// Frames per sender and receiver, and what each sent by kind.
    fn print_pairs(&self) {
        let g = &self.group;
        let row = |c: [&dyn std::fmt::Display; 7]| {
            println!(
                "{:<6} {:<6} {:>7} {:>10} {:>10} {:>11} {:>5}",
                c[0], c[1], c[2], c[3], c[4], c[5], c[6]
            )
        };
        row([
            &"from",
            &"to",
            &"frames",
            &"delivered",
            &"call keys",
            &"group keys",
            &"lost",
        ]);
        for p in &g.pairs {
            row([
                &p.from,
                &p.to,
                &p.frames_sent,
                &p.frames_delivered,
                &p.on_call_keys,
                &p.on_group_keys,
                &p.lost,
            ]);
        }
        for (name, m) in NAMES
            .iter()
            .zip([&g.members.alice, &g.members.bob, &g.members.carol])
        {
            println!(
                "{name} sent {} audio, {} video, {} screen-share frames; received {} of {}",
                m.frames_sent.audio,
                m.frames_sent.video,
                m.frames_sent.screen,
                m.frames_delivered,
                m.frames_expected
            );
        }
    }
}
