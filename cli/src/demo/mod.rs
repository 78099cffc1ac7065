//! `callseal demo`: a complete end-to-end encrypted one-to-one call on this machine.
//!
//! Two endpoints with their own UDP sockets on 127.0.0.1, signaling over a loopback TCP
//! connection, and a media relay between them (a UDP forwarder standing for the media server
//! on the path) that sees every packet, holds the hop-by-hop keys where the call has a hop
//! layer, reports what it could read, and can attack. Audio, video and screen share flow both
//! ways through the chosen layers, with one rekey in the middle of the call.
//!
//! [`run`] sets the call up and waits for it; the parts live beside it: [`args`] (the
//! command-line options), [`signaling`] (the handshake over TCP), [`mitm`] (a man in the
//! middle on it), [`endpoint`] (one side of the call), [`media`] (the frames they send),
//! [`relay`] (the hop between them, and its attacks) and [`report`] (what is printed at the
//! end).

mod args;
mod check;
mod endpoint;
mod group;
mod media;
mod mitm;
mod relay;
mod report;
mod signaling;

pub(crate) use args::DemoArgs;
pub(crate) use report::print_wrapped;

use crate::demo_policy;
use anyhow::{anyhow, bail, Context as _};
use args::Attack;
use callseal::session::Layers;
use callseal::srtp::{SrtpConfig, SrtpReceiver};
use callseal::{Error, Role, SrtpMasterKey};
use endpoint::{run_endpoint, ContinuitySetup, EndpointReport, EndpointSetup, HOP_SUITE};
use rand_chacha::rand_core::RngCore;
use relay::{run_relay, PacketLayer, RelayDir};
use report::{CallReport, RelaySample};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::Duration;

/// One tick of call time.
const TICK: Duration = Duration::from_millis(20);
pub(crate) const CALLER: &str = "alice@contoso.com";
pub(crate) const CALLEE: &str = "bob@contoso.com";
/// The participant the group demo adds.
pub(crate) const NEWCOMER: &str = "carol@contoso.com";

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
    hop_layer_removed: AtomicU64,
    media_readable: AtomicU64,
    /// The first video packet from the caller, as the relay saw it.
    sample: Mutex<Option<RelaySample>>,
    attacks: [AtomicU64; 5],
    /// Ticks whose packets did not all arrive in time (kernel drops).
    stalls: AtomicU64,
    /// Hash of the frames sent, by (direction, kind, number): the newest of each stream.
    expected: Mutex<check::Originals>,
}

/// The call has a hop layer, whose keys the relay holds as a media server does: a standard
/// call, and an end-to-end call with both layers.
fn hop_layer(e2e: bool, layers: Layers) -> bool {
    !e2e || layers == Layers::Both
}

fn side(role: Role) -> usize {
    match role {
        Role::Caller => 0,
        Role::Callee => 1,
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
    if args.participants == 3 {
        return group::run(&args);
    }
    if let (true, Some(layers)) = (args.no_e2ee, args.layers) {
        bail!(
            "--layers {} applies to end-to-end calls; with --no-e2ee the call is standard and \
             runs hop-by-hop SRTP: leave --layers out",
            Layers::from(layers).name()
        );
    }
    if args.continuity.is_some() && args.no_pq {
        bail!(
            "--continuity needs the post-quantum handshake (version 2), which carries the \
             retained secrets: leave --no-pq out"
        );
    }
    if args.mitm() && args.attack.iter().any(|a| *a != Attack::Mitm) {
        bail!("--attack mitm stands alone: the users hang up at the codes, before any media");
    }
    let layers = args.layers.map_or(Layers::Both, Layers::from);
    let policy = demo_policy::decide(
        args.policy.as_deref(),
        CALLER,
        CALLEE,
        None,
        args.no_e2ee,
        args.require_e2ee,
    )?;
    let e2e = policy.end_to_end();
    if args.mitm() && !e2e {
        bail!(
            "--attack mitm needs an end-to-end call: a standard call has no security code to \
             compare (its keys are the service's)"
        );
    }
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

    // The relay holds the hop-by-hop keys of the direction it forwards, where there are any.
    let packet_layer = |from: usize| -> anyhow::Result<PacketLayer> {
        Ok(if hop_layer(e2e, layers) {
            let key = SrtpMasterKey::from_concatenated(HOP_SUITE, &hop_keys[from])?;
            PacketLayer::Hop(Box::new(SrtpReceiver::new(&key, SrtpConfig::default())?))
        } else if layers == Layers::Srtp {
            PacketLayer::EndToEnd
        } else {
            PacketLayer::Clear
        })
    };
    let relay = |from: usize,
                 inbound: &Arc<UdpSocket>,
                 outbound: &Arc<UdpSocket>,
                 sender: SocketAddr,
                 receiver: SocketAddr|
     -> anyhow::Result<RelayDir> {
        Ok(RelayDir {
            inbound: inbound.clone(),
            outbound: outbound.clone(),
            from,
            sender_addr: sender,
            receiver_addr: receiver,
            layer: packet_layer(from)?,
            attacks: args.attack.clone(),
            seed: args.seed,
            shared: shared.clone(),
        })
    };
    let (caller_addr, callee_addr) = (caller_sock.local_addr()?, callee_sock.local_addr()?);
    let mut relay_threads = Vec::new();
    // With a man in the middle the users hang up at the codes: no media, nothing to relay.
    if !args.mitm() {
        for r in [
            relay(0, &relay_a, &relay_b, caller_addr, callee_addr)?,
            relay(1, &relay_b, &relay_a, callee_addr, caller_addr)?,
        ] {
            relay_threads.push(thread::spawn(move || run_relay(r)));
        }
    }

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
        handshake_only: args.mitm(),
        fast: args.fast,
        seed: args.seed,
        post_quantum: args.post_quantum(),
        continuity: args.continuity.clone().map(|path| {
            let (owner, peer) = if role == Role::Caller {
                (CALLER, CALLEE)
            } else {
                (CALLEE, CALLER)
            };
            ContinuitySetup { path, owner, peer }
        }),
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
    // The man in the middle takes the caller's signaling and makes its own to the callee.
    let (mitm, caller_signal_addr) = if args.mitm() {
        let l = TcpListener::bind("127.0.0.1:0").context("man in the middle: listen")?;
        let addr = l.local_addr()?;
        (
            Some({
                let pq = args.post_quantum();
                thread::spawn(move || mitm::run_mitm(l, signal_addr, pq))
            }),
            addr,
        )
    } else {
        (None, signal_addr)
    };
    let caller = thread::spawn(move || -> anyhow::Result<EndpointReport> {
        let signal = TcpStream::connect(caller_signal_addr).context("signaling connect")?;
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

    if let Some(mitm) = mitm {
        let held = mitm
            .join()
            .map_err(|_| anyhow!("man in the middle thread panicked"))??;
        return report::mitm(&args, &policy, caller?, callee?, held);
    }

    let (caller, callee) = match (caller, callee) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            let refused = [a.as_ref().err(), b.as_ref().err()]
                .into_iter()
                .flatten()
                .any(|e| e.downcast_ref::<Error>() == Some(&Error::E2eeRequired));
            if refused {
                return report::refused(&args, &policy);
            }
            return Err(a.err().or(b.err()).expect("one side failed"));
        }
    };
    CallReport::new(&args, layers, &policy, &shared, caller, callee).print(&args, &policy)
}
