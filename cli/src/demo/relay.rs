//! The media relay between the endpoints, one thread a direction: a UDP forwarder standing for
//! the media server on the path (a TURN relay, an SFU, a Teams media relay). It sees every
//! packet; where the call has a hop layer it holds the hop-by-hop SRTP keys, as such a server
//! does, and takes that layer off a copy of each packet to see what it can read; it forwards
//! the original bytes unchanged and makes the attacks asked for.

use super::args::Attack;
use super::media::{frame_id, MARKER};
use super::report::{DescriptorFields, RelaySample, RtpFields, SframeFields};
use super::Shared;
use callseal::rtp_sframe::{Descriptor, PayloadOrigin, DESCRIPTOR_LEN};
use callseal::session::CallConfig;
use callseal::sframe::{CallKid, Header};
use callseal::srtp::{RtpHeader, SrtpReceiver};
use callseal::{Direction, MediaKind, Role};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Duration;

/// The packet layer as the relay meets it.
pub(super) enum PacketLayer {
    /// Hop-by-hop SRTP, with the key of this direction: a standard call, or an end-to-end call
    /// with both layers.
    Hop(Box<SrtpReceiver>),
    /// SRTP keyed end to end (peer to peer): the relay holds no key.
    EndToEnd,
    /// No SRTP: RTP in clear around SFrame.
    Clear,
}

impl PacketLayer {
    /// The name in the report's sample.
    fn name(&self) -> &'static str {
        match self {
            PacketLayer::Hop(_) => "srtp_hop",
            PacketLayer::EndToEnd => "srtp_end_to_end",
            PacketLayer::Clear => "none",
        }
    }
}

/// One direction of the relay: from `from` (the side that sent) to the other side.
pub(super) struct RelayDir {
    pub(super) inbound: Arc<UdpSocket>,
    pub(super) outbound: Arc<UdpSocket>,
    pub(super) from: usize,
    pub(super) sender_addr: SocketAddr,
    pub(super) receiver_addr: SocketAddr,
    pub(super) layer: PacketLayer,
    pub(super) attacks: Vec<Attack>,
    pub(super) seed: u64,
    pub(super) shared: Arc<Shared>,
}

pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The media kind of an RTP payload type, as the call's configuration assigns them.
fn kind_of(payload_type: u8) -> Option<MediaKind> {
    let types = CallConfig::new(Role::Caller).payload_types;
    let i = types.iter().position(|t| *t == payload_type)?;
    Some(MediaKind::ALL[i])
}

/// The media in clear in an RTP packet without SRTP: a frame's start, with the marker and id
/// the demo's media carries, behind the SFrame RTP descriptor.
pub(super) fn reads_media(rtp: &[u8]) -> bool {
    RtpHeader::parse(rtp).is_ok_and(|h| {
        h.payload()
            .get(DESCRIPTOR_LEN..)
            .and_then(frame_id)
            .is_some()
    })
}

const LEARNS_SFRAME: &str = "who calls whom and when, the media kind, packet and frame sizes, \
                             the key epoch (from the KID)";
const CANNOT_SFRAME: &str = "read or change the media: SFrame sealed it with keys only alice \
                             and bob hold";

/// What the relay can tell of one packet: `wire` as it arrived, `clear` the RTP packet
/// without SRTP where the relay could take it off (or there was none).
fn sample(from: usize, wire: &[u8], clear: Option<&[u8]>, layer: &PacketLayer) -> RelaySample {
    let h = RtpHeader::parse(wire).expect("a sampled packet is RTP");
    let seen = clear.and_then(|c| RtpHeader::parse(c).ok());
    let payload = seen.as_ref().map(|c| c.payload());
    let descriptor = payload.and_then(|p| p.first()).map(|&b| {
        let d = Descriptor::from_byte(b);
        DescriptorFields {
            byte: b,
            s: d.start,
            e: d.end,
            t: d.origin == PayloadOrigin::Packetized,
        }
    });
    let body = payload.map(|p| &p[DESCRIPTOR_LEN.min(p.len())..]);
    let readable = clear.is_some_and(reads_media);
    // An SFrame header starts the sealed frame, so the first packet of a frame (S) carries it.
    let sframe = body
        .filter(|_| !readable && descriptor.is_some_and(|d| d.s))
        .and_then(|b| Header::decode(b).ok())
        .and_then(|(header, len)| {
            let kid = CallKid::parse(header.kid()).ok()?;
            Some(SframeFields {
                kid: header.kid().0,
                ctr: header.ctr().0,
                header_bytes: len,
                epoch: kid.epoch.0,
                direction: kid.direction.name(),
                kind: kid.kind.name(),
            })
        });
    let payload_bytes = match body {
        Some(b) => b.len() - sframe.as_ref().map_or(0, |s| s.header_bytes),
        None => h.payload().len(),
    };
    let (learns, cannot) = match layer {
        PacketLayer::Hop(_) if readable => (
            "everything: it took SRTP off with the hop keys and holds the media in clear, as \
             the media server of a standard call does",
            "nothing is kept from it: standard encryption protects each network hop, not the \
             media from end to end",
        ),
        PacketLayer::Hop(_) | PacketLayer::Clear => (LEARNS_SFRAME, CANNOT_SFRAME),
        PacketLayer::EndToEnd => (
            "who calls whom and when, the media kind (payload type), packet sizes",
            "read or change anything after the RTP header: SRTP is keyed end to end, and \
             the relay holds no key",
        ),
    };
    RelaySample {
        direction: Direction::ALL[from].name(),
        kind: kind_of(h.payload_type()).map_or("unknown", |k| k.name()),
        packet_bytes: wire.len(),
        rtp: RtpFields {
            version: h.version(),
            payload_type: h.payload_type(),
            marker: h.marker(),
            sequence: h.sequence_number().0,
            timestamp: h.timestamp(),
            ssrc: h.ssrc().0,
            header_bytes: h.header_len(),
        },
        packet_layer: layer.name(),
        srtp_trailer_bytes: match layer {
            PacketLayer::Hop(_) => clear.map(|c| wire.len() - c.len()),
            _ => None,
        },
        descriptor,
        sframe,
        payload_bytes,
        media_readable: readable,
        learns,
        cannot,
    }
}

/// Looks at one packet as the media server would: takes the hop layer off a copy where it
/// holds the key, counts what it could read, and keeps the first video packet from the caller
/// as the sample.
fn inspect(from: usize, layer: &mut PacketLayer, sh: &Shared, p: &[u8], scratch: &mut [u8]) {
    if contains(p, MARKER) {
        sh.plaintext_seen.fetch_add(1, SeqCst);
    }
    let clear: Option<&[u8]> = match layer {
        PacketLayer::Hop(rx) => {
            let copy = &mut scratch[..p.len()];
            copy.copy_from_slice(p);
            match rx.unprotect_rtp(copy) {
                Ok(rtp) => {
                    sh.hop_layer_removed.fetch_add(1, SeqCst);
                    Some(rtp)
                }
                Err(_) => None,
            }
        }
        PacketLayer::EndToEnd => None,
        PacketLayer::Clear => Some(p),
    };
    if clear.is_some_and(reads_media) {
        sh.media_readable.fetch_add(1, SeqCst);
    }
    let video =
        RtpHeader::parse(p).is_ok_and(|h| kind_of(h.payload_type()) == Some(MediaKind::Video));
    if from == 0 && video {
        let mut kept = sh.sample.lock().expect("lock");
        if kept.is_none() {
            *kept = Some(sample(from, p, clear, layer));
        }
    }
}

pub(super) fn run_relay(mut r: RelayDir) -> anyhow::Result<()> {
    let sh = &r.shared;
    let to = 1 - r.from;
    let mut rng = ChaCha8Rng::seed_from_u64(r.seed ^ (0x5eed + r.from as u64));
    let mut history: VecDeque<Vec<u8>> = VecDeque::with_capacity(64);
    let mut held: Vec<(u32, Vec<u8>)> = Vec::new();
    let mut buf = vec![0u8; 65_536];
    let mut scratch = vec![0u8; 65_536];
    r.inbound.set_read_timeout(Some(Duration::from_millis(3)))?;
    let has = |a: Attack| r.attacks.contains(&a);
    let count = |a: Attack| sh.attacks[a.index()].fetch_add(1, SeqCst);
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
        inspect(r.from, &mut r.layer, sh, p, &mut scratch);
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
