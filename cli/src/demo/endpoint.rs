//! One endpoint of the call: the handshake, then every tick its frames sent through the call's
//! layers to the relay, and what comes back received, checked against the originals and timed.

use super::check::{Arrival, Latencies, Seen};
use super::media::{frame_id, MediaGen};
use super::signaling::handshake;
use super::{side, Shared, TICK};
use anyhow::Context as _;
use callseal::handshake::Retained;
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets, Rejected};
use callseal::{MediaKind, Role, SrtpMasterKey, SrtpSuite};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

/// The suite of the hop-by-hop SRTP keys.
pub(super) const HOP_SUITE: SrtpSuite = SrtpSuite::AeadAes128Gcm;

/// What an endpoint needs to run.
pub(super) struct EndpointSetup {
    pub(super) role: Role,
    pub(super) intent: callseal::Intent,
    pub(super) layers: Layers,
    pub(super) sock: UdpSocket,
    pub(super) relay: SocketAddr,
    /// Hop-by-hop SRTP keys (key ‖ salt) for caller→callee and callee→caller, agreed for the
    /// packet layer with the relay hop (DTLS-SRTP in a deployment; drawn here).
    pub(super) hop_keys: [Vec<u8>; 2],
    pub(super) shared: Arc<Shared>,
    pub(super) barrier: Arc<Barrier>,
    pub(super) ticks: u64,
    /// Stop after the handshake: no media (the man in the middle is seen in the codes).
    pub(super) handshake_only: bool,
    pub(super) fast: bool,
    pub(super) seed: u64,
    pub(super) post_quantum: callseal::handshake::PostQuantum,
    /// `--continuity`: where this user's retained secrets for the peer are kept.
    pub(super) continuity: Option<ContinuitySetup>,
}

/// This user's record in the continuity store, read before the call and replaced after it.
pub(super) struct ContinuitySetup {
    pub(super) path: std::path::PathBuf,
    pub(super) owner: &'static str,
    pub(super) peer: &'static str,
}

/// What one side's handshake gave besides the code: whether it was post-quantum (version 2),
/// its continuity outcome, and a note when the stored record could not be used.
#[derive(Debug, Clone, Default)]
pub(super) struct Keying {
    pub(super) post_quantum: bool,
    pub(super) continuity: Option<&'static str>,
    pub(super) note: Option<String>,
}

/// Latency samples of one stream, in nanoseconds per packet.
#[derive(Default)]
pub(super) struct Samples {
    pub(super) protect: Latencies,
    pub(super) unprotect: Latencies,
    pub(super) protect_total: Duration,
    pub(super) unprotect_total: Duration,
}

/// What one endpoint saw.
pub(super) struct EndpointReport {
    pub(super) role: Role,
    pub(super) code: Option<String>,
    /// The handshake of this side: its version and continuity.
    pub(super) keying: Keying,
    pub(super) epoch: u32,
    pub(super) sent: [callseal::session::StreamStats; 3],
    pub(super) received: [callseal::session::StreamStats; 3],
    pub(super) unattributed: Rejected,
    pub(super) delivered_ok: [u64; 3],
    pub(super) mismatched: [u64; 3],
    pub(super) duplicated: [u64; 3],
    pub(super) samples_tx: [Samples; 3],
    pub(super) samples_rx: [Samples; 3],
    pub(super) frames_sent: [u64; 3],
}

impl EndpointReport {
    /// The report of a side that has done its handshake and sent nothing yet.
    fn new(role: Role, code: Option<String>, keying: Keying) -> Self {
        EndpointReport {
            role,
            code,
            keying,
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
        }
    }
}

/// Packets from side `me` the relay has not passed on yet.
fn in_flight(sh: &Shared, me: usize) -> u64 {
    sh.sent[me].load(SeqCst) - sh.relayed_from[me].load(SeqCst)
}

pub(super) fn run_endpoint(
    setup: EndpointSetup,
    mut signal: TcpStream,
) -> anyhow::Result<EndpointReport> {
    let (retained, note) = match &setup.continuity {
        Some(c) => crate::continuity_file::load(&c.path, c.owner, c.peer)?,
        None => (Retained::none(), None),
    };
    let mut est = handshake(&setup, &retained, &mut signal)?;
    let code = est.security_code().map(|c| c.as_str().to_owned());
    if let (Some(c), Some(next)) = (&setup.continuity, est.take_retained()) {
        crate::continuity_file::store(&c.path, c.owner, c.peer, &next).context("--continuity")?;
    }
    let keying = Keying {
        post_quantum: est.is_post_quantum(),
        // Shown only when the call keeps a store: without one every call is `new`.
        continuity: setup
            .continuity
            .as_ref()
            .and(est.continuity())
            .map(|c| c.name()),
        note,
    };
    if setup.handshake_only {
        return Ok(EndpointReport::new(setup.role, code, keying));
    }
    let me = side(setup.role);
    let peer = 1 - me;
    let hop = |i: usize| SrtpMasterKey::from_concatenated(HOP_SUITE, &setup.hop_keys[i]);
    let packet_keys = PacketKeys::new(hop(me)?, hop(peer)?);
    let config = CallConfig::new(setup.role).with_layers(setup.layers);
    let mut call = Call::new(est, config, Some(packet_keys))?;

    let sh = &setup.shared;
    let mut gen = MediaGen::new(setup.seed, setup.role);
    let mut frames = Vec::new();
    let mut packets = Packets::new();
    let mut buf = vec![0u8; 65_536];
    let mut report = EndpointReport::new(setup.role, code, keying);
    let mut delivered = Seen::default();
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
                let ok = id.filter(|id| {
                    id.0 == recv_dir as u8
                        && kind_of(r.frame) == Some(k)
                        && sh.expected.lock().expect("lock").matches(*id, r.frame)
                });
                match ok.map(|id| delivered.arrive(id)) {
                    Some(Arrival::First) => report.delivered_ok[k] += 1,
                    Some(Arrival::Again) => report.duplicated[k] += 1,
                    Some(Arrival::TooOld) | None => report.mismatched[k] += 1,
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
            sh.expected.lock().expect("lock").record(id, frame);
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
