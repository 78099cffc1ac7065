//! The call session: the handshake's outcome, both protection layers and in-call rekey, for the
//! whole life of a one-to-one call.
//!
//! A [`Call`] is sans-IO: the application hands it encoded frames and received packets, and
//! passes the time in; it returns packets to send and frames to decode. Three streams flow each
//! way (audio, video, screen share), each with its own keys.
//!
//! **Layers** ([`Layers`]): SRTP only (the peer-to-peer call: SRTP keyed end-to-end from the
//! handshake), SFrame only (frames sealed end-to-end, RTP in clear), or SFrame inside SRTP (the
//! default: frames sealed end-to-end, packets protected hop-by-hop with keys the application
//! supplies, e.g. from DTLS-SRTP with the relay). A call whose handshake outcome is standard
//! runs SRTP with the application's keys only.
//!
//! **Rekey.** Either side calls [`Call::rekey`] (or lets it happen at a soft usage limit or on
//! [`CallConfig::rekey_interval`]): it moves its sending to the next epoch. The epoch travels in
//! every frame (the SFrame KID) or packet (a one-byte SRTP MKI holding the epoch's low byte).
//! The receiver has the next epoch's keys installed ahead of time, so the first frame of the new
//! epoch authenticates, moves the receiver to it, and makes it follow with its own sending. The
//! previous epoch's keys stay usable for [`CallConfig::grace`], then they are zeroized. A side
//! rekeys again only after it has seen the peer reach its epoch, so neither side is ever more
//! than one epoch ahead.
//!
//! ```
//! use callseal::handshake::{Callee, Caller, HandshakeConfig};
//! use callseal::session::{Call, CallConfig, Packets};
//! use callseal::{Intent, MediaKind, Role, Ssrc};
//! use core::time::Duration;
//! # use rand_core::OsRng;
//!
//! // The handshake, over the application's signaling.
//! let ctx = b"call 42 | alice | bob";
//! let cfg = HandshakeConfig::new(Intent::On);
//! let (mut caller, offer) = Caller::offer(&cfg, ctx, &mut OsRng)?;
//! let (mut callee, answer) = Callee::accept(&cfg, ctx, &offer, &mut OsRng)?;
//! let (confirm, caller_done) = caller.finish(&answer)?;
//! let callee_done = callee.confirm(&confirm)?;
//! assert_eq!(caller_done.security_code(), callee_done.security_code());
//!
//! // Both ends of the call: SFrame end-to-end, no relay keys needed in this example.
//! let mut alice = Call::new(caller_done, CallConfig::sframe_only(Role::Caller), None)?;
//! let mut bob = Call::new(callee_done, CallConfig::sframe_only(Role::Callee), None)?;
//!
//! let mut packets = Packets::new();
//! let frame = vec![0x5a; 3000]; // an encoded video frame
//! alice.send_frame(MediaKind::Video, &frame, 90_000, Duration::ZERO, &mut packets)?;
//! let mut got = None;
//! for i in 0..packets.len() {
//!     let mut p = packets.get(i).to_vec(); // what travels over UDP
//!     if let Some(r) = bob.receive_packet(&mut p, Duration::ZERO)? {
//!         got = Some((r.kind, r.frame.to_vec()));
//!     }
//! }
//! assert_eq!(got, Some((MediaKind::Video, frame)));
//!
//! // Rekey: alice's next frame uses epoch 1; bob follows when it authenticates.
//! alice.rekey(Duration::from_secs(1))?;
//! packets.clear();
//! alice.send_frame(MediaKind::Audio, &[1; 80], 960, Duration::from_secs(1), &mut packets)?;
//! let mut p = packets.get(0).to_vec();
//! assert!(bob.receive_packet(&mut p, Duration::from_secs(1))?.is_some());
//! assert_eq!(bob.epoch().0, 1);
//! # Ok::<(), callseal::Error>(())
//! ```

mod packetize;

use crate::error::{Error, Malformed, Result};
use crate::handshake::{Established, Outcome};
use crate::policy::{CallSecurity, Feature};
use crate::schedule::CallKeys;
use crate::secret::SrtpMasterKey;
use crate::sframe::{FrameOptions, Grace, SframeConfig, SframeReceiver, SframeSender};
use crate::srtp::{Mki, SrtpConfig, SrtpReceiver, SrtpSender};
use crate::types::{Direction, Epoch, MediaKind, Role, SrtpSuite, Ssrc};
use core::fmt;
use core::time::Duration;
use packetize::{Fragment, Reassembled, Reassembler, FRAGMENT_HEADER_LEN, RTP_HEADER_LEN};

/// Which protection layers a call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layers {
    /// SRTP keyed end-to-end from the handshake (peer-to-peer calls).
    Srtp,
    /// SFrame end-to-end; RTP travels without SRTP.
    Sframe,
    /// SFrame end-to-end inside SRTP protected hop-by-hop with the application's keys.
    Both,
}

impl Layers {
    /// `srtp`, `sframe` or `both`.
    pub fn name(self) -> &'static str {
        match self {
            Layers::Srtp => "srtp",
            Layers::Sframe => "sframe",
            Layers::Both => "both",
        }
    }

    /// From `srtp`, `sframe` or `both`.
    pub fn from_name(s: &str) -> Result<Self> {
        match s {
            "srtp" => Ok(Layers::Srtp),
            "sframe" => Ok(Layers::Sframe),
            "both" => Ok(Layers::Both),
            _ => Err(Error::InvalidConfig),
        }
    }

    fn frame_layer(self) -> bool {
        matches!(self, Layers::Sframe | Layers::Both)
    }
}

/// How a call runs. Start from [`CallConfig::new`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallConfig {
    /// The protection layers (default [`Layers::Both`]).
    pub layers: Layers,
    /// Replay window of every receive stream, packets or frames (default 128).
    pub replay_window: u32,
    /// How long the previous epoch's keys stay usable after the peer's first frame or packet
    /// of a new epoch (default 512 frames).
    pub grace: Grace,
    /// Rekey on this interval of call time, if set.
    pub rekey_interval: Option<Duration>,
    /// Largest RTP packet the call sends, headers and tag included (default 1200).
    pub max_packet: usize,
    /// Largest frame a receiver reassembles (default 4 MiB).
    pub max_frame: usize,
    /// Frames a receive stream reassembles at once (default 8).
    pub frames_in_flight: usize,
    /// This side's SSRC for audio, video and screen share.
    pub local_ssrcs: [Ssrc; 3],
    /// The peer's SSRC for audio, video and screen share.
    pub remote_ssrcs: [Ssrc; 3],
    /// RTP payload types of audio, video and screen share (default 111, 96, 97).
    pub payload_types: [u8; 3],
    /// Frames one SFrame key seals before it must be replaced; a rekey starts at three
    /// quarters of it (default 2^32).
    pub frame_limit: u64,
}

/// The SSRCs a side uses when the application does not pick them: the caller 0x0ca1_1e00 + kind,
/// the callee 0x0ca1_1ee0 + kind.
fn default_ssrcs(role: Role) -> [Ssrc; 3] {
    let base = match role {
        Role::Caller => 0x0ca1_1e00,
        Role::Callee => 0x0ca1_1ee0,
    };
    [Ssrc(base), Ssrc(base + 1), Ssrc(base + 2)]
}

impl CallConfig {
    /// The defaults for the side playing `role`, with SFrame inside SRTP.
    pub fn new(role: Role) -> Self {
        let peer = match role {
            Role::Caller => Role::Callee,
            Role::Callee => Role::Caller,
        };
        CallConfig {
            layers: Layers::Both,
            replay_window: crate::DEFAULT_REPLAY_WINDOW,
            grace: Grace::Frames(512),
            rekey_interval: None,
            max_packet: 1200,
            max_frame: 4 << 20,
            frames_in_flight: 8,
            local_ssrcs: default_ssrcs(role),
            remote_ssrcs: default_ssrcs(peer),
            payload_types: [111, 96, 97],
            frame_limit: 1 << 32,
        }
    }

    /// The defaults with SFrame only.
    pub fn sframe_only(role: Role) -> Self {
        Self::new(role).with_layers(Layers::Sframe)
    }

    /// With other layers.
    pub fn with_layers(mut self, layers: Layers) -> Self {
        self.layers = layers;
        self
    }

    /// With a rekey interval.
    pub fn with_rekey_interval(mut self, every: Duration) -> Self {
        self.rekey_interval = Some(every);
        self
    }

    /// With another grace.
    pub fn with_grace(mut self, grace: Grace) -> Self {
        self.grace = grace;
        self
    }

    /// With another replay window.
    pub fn with_replay_window(mut self, size: u32) -> Self {
        self.replay_window = size;
        self
    }

    /// With another SFrame frame limit.
    pub fn with_frame_limit(mut self, frames: u64) -> Self {
        self.frame_limit = frames;
        self
    }
}

/// The hop-by-hop SRTP keys of a call (standard calls, and the packet layer of
/// [`Layers::Both`]): what this side sends with, and what it receives with.
#[derive(Debug)]
pub struct PacketKeys {
    /// Protects what this side sends.
    pub outbound: SrtpMasterKey,
    /// Unprotects what this side receives.
    pub inbound: SrtpMasterKey,
}

/// Packets and frames rejected on a receive stream, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rejected {
    /// The tag or MAC did not verify.
    pub authentication: u64,
    /// Already received.
    pub replay: u64,
    /// Older than the replay window.
    pub too_old: u64,
    /// No key for it (unknown SSRC, KID, MKI or a retired epoch).
    pub unknown_key: u64,
    /// Could not be parsed.
    pub malformed: u64,
}

impl Rejected {
    /// Every rejection.
    pub fn total(&self) -> u64 {
        self.authentication + self.replay + self.too_old + self.unknown_key + self.malformed
    }

    fn count(&mut self, e: Error) {
        match e {
            Error::Authentication => self.authentication += 1,
            Error::Replay => self.replay += 1,
            Error::TooOld => self.too_old += 1,
            Error::UnknownKey => self.unknown_key += 1,
            _ => self.malformed += 1,
        }
    }
}

/// What one stream did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamStats {
    /// Frames sealed and sent.
    pub frames_protected: u64,
    /// Packets protected and sent.
    pub packets_protected: u64,
    /// Frame bytes sent (before protection).
    pub bytes_protected: u64,
    /// Frames received, authenticated and delivered.
    pub frames_unprotected: u64,
    /// Packets received and authenticated.
    pub packets_unprotected: u64,
    /// Frame bytes delivered.
    pub bytes_unprotected: u64,
    /// Rejections by reason.
    pub rejected: Rejected,
    /// Frames given up incomplete (a packet lost) when newer frames needed the room.
    pub frames_incomplete: u64,
}

/// A batch of packets to send, reused from frame to frame so sending allocates nothing once it
/// has grown to the largest frame.
#[derive(Debug, Default)]
pub struct Packets {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Packets {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forget the packets, keep the memory.
    pub fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }

    /// How many packets.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Packet `i`.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.data[start..self.ends[i]]
    }

    /// Every packet, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// A frame delivered by [`Call::receive_packet`].
#[derive(Debug)]
pub struct Received<'a> {
    /// Which stream it came on.
    pub kind: MediaKind,
    /// The RTP timestamp of the frame.
    pub timestamp: u32,
    /// The epoch the frame's keys belong to (0 in standard calls and hop-by-hop layers).
    pub epoch: Epoch,
    /// The frame, as the peer's encoder made it.
    pub frame: &'a [u8],
}

/// The sending half of one stream.
struct TxStream {
    seq: u16,
    srtp: Option<SrtpSender>,
    sframe: Option<SframeSender>,
}

/// The receiving half of one stream.
struct RxStream {
    srtp: Option<SrtpReceiver>,
    sframe: Option<SframeReceiver>,
    reassembly: Reassembler,
    /// SRTP epochs (by MKI) the receiver still accepts, and the grace of the older one.
    srtp_epochs: EpochGrace,
}

/// Packet-layer epochs: the newest epoch seen, and until when the one before stays.
#[derive(Debug, Default, Clone, Copy)]
struct EpochGrace {
    current: Epoch,
    retiring: Option<(Epoch, u64, Option<Duration>)>,
}

/// One end of an end-to-end encrypted (or standard) one-to-one call.
pub struct Call {
    role: Role,
    e2e: bool,
    config: CallConfig,
    srtp_suite: SrtpSuite,
    sframe_config: Option<SframeConfig>,
    /// Media keys of epoch `epoch + 1` (end-to-end calls).
    next_keys: Option<CallKeys>,
    epoch: Epoch,
    peer_epoch: Epoch,
    rekey_wanted: bool,
    last_rekey: Duration,
    tx: [TxStream; 3],
    rx: [RxStream; 3],
    stats: [[StreamStats; 3]; 2],
    unattributed: Rejected,
    scratch: Vec<u8>,
}

/// The one-byte SRTP MKI naming an epoch's keys: its low byte.
fn mki(epoch: Epoch) -> Mki {
    Mki(epoch.0 & 0xff)
}

impl Call {
    /// Start the call from a completed handshake.
    ///
    /// End-to-end outcome: [`Layers::Srtp`] keys SRTP from the handshake and needs no
    /// `packet_keys`; [`Layers::Sframe`] needs none; [`Layers::Both`] needs them for its
    /// hop-by-hop packet layer. Standard outcome: the call runs SRTP with `packet_keys` only,
    /// whatever `config.layers` says. Missing keys: [`Error::InvalidConfig`].
    pub fn new(
        handshake: Established,
        config: CallConfig,
        packet_keys: Option<PacketKeys>,
    ) -> Result<Call> {
        if config.max_packet < RTP_HEADER_LEN + FRAGMENT_HEADER_LEN + 64 || config.max_frame == 0 {
            return Err(Error::InvalidConfig);
        }
        let role = handshake.role();
        let srtp_suite = handshake.srtp_suite();
        let sframe_suite = handshake.sframe_suite();
        let keys = match handshake.into_outcome() {
            Outcome::EndToEnd { keys, .. } => Some(keys),
            Outcome::Standard => None,
        };
        let e2e = keys.is_some();
        let mut config = config;
        if !e2e {
            config.layers = Layers::Srtp;
        }
        let hop_by_hop = !e2e || config.layers == Layers::Both;
        let packet_layer = config.layers != Layers::Sframe;
        if hop_by_hop && packet_keys.is_none() {
            return Err(Error::InvalidConfig);
        }
        let sframe_config = config.layers.frame_layer().then(|| {
            SframeConfig::new(sframe_suite)
                .with_replay_window(config.replay_window)
                .with_grace(config.grace)
                .with_frame_limit(config.frame_limit)
        });
        let srtp_config = SrtpConfig {
            replay_window: config.replay_window,
            mki_len: if hop_by_hop { 0 } else { 1 },
            ..SrtpConfig::default()
        };

        let send = role.send_direction();
        let recv = role.recv_direction();
        let mut tx = Vec::with_capacity(3);
        let mut rx = Vec::with_capacity(3);
        for kind in MediaKind::ALL {
            let mut t = TxStream {
                seq: 0,
                srtp: None,
                sframe: None,
            };
            let mut r = RxStream {
                srtp: None,
                sframe: None,
                reassembly: Reassembler::new(config.frames_in_flight, config.max_frame),
                srtp_epochs: EpochGrace::default(),
            };
            if hop_by_hop && packet_layer {
                if let Some(pk) = &packet_keys {
                    t.srtp = Some(SrtpSender::new(&pk.outbound, srtp_config)?);
                    r.srtp = Some(SrtpReceiver::new(&pk.inbound, srtp_config)?);
                }
            }
            if let Some(k) = &keys {
                if !hop_by_hop && packet_layer {
                    let out = k.stream(send, kind).into_srtp_master_key(srtp_suite)?;
                    t.srtp = Some(SrtpSender::new_with_mki(mki(k.epoch()), &out, srtp_config)?);
                    let inb = k.stream(recv, kind).into_srtp_master_key(srtp_suite)?;
                    let mut receiver = SrtpReceiver::new_with_mki(srtp_suite, srtp_config)?;
                    receiver.add_key(mki(k.epoch()), &inb)?;
                    r.srtp = Some(receiver);
                }
                if let Some(sc) = &sframe_config {
                    t.sframe = Some(SframeSender::for_stream(sc, &k.stream(send, kind))?);
                    let mut receiver = SframeReceiver::new(*sc)?;
                    receiver.install_stream(&k.stream(recv, kind))?;
                    r.sframe = Some(receiver);
                }
            }
            tx.push(t);
            rx.push(r);
        }
        let mut call = Call {
            role,
            e2e,
            srtp_suite: packet_keys
                .as_ref()
                .map_or(srtp_suite, |pk| pk.outbound.suite()),
            config,
            sframe_config,
            next_keys: None,
            epoch: Epoch(0),
            peer_epoch: Epoch(0),
            rekey_wanted: false,
            last_rekey: Duration::ZERO,
            tx: tx.try_into().map_err(|_| Error::InvalidConfig)?,
            rx: rx.try_into().map_err(|_| Error::InvalidConfig)?,
            stats: Default::default(),
            unattributed: Rejected::default(),
            scratch: Vec::new(),
        };
        if let Some(k) = keys {
            let next = k.next_epoch();
            call.install_rx_epoch(&next)?;
            call.next_keys = Some(next);
        }
        Ok(call)
    }

    /// Install the receive keys of `keys`' epoch ahead of the peer's switch.
    fn install_rx_epoch(&mut self, keys: &CallKeys) -> Result<()> {
        let recv = self.role.recv_direction();
        let e2e_srtp = self.config.layers == Layers::Srtp && self.e2e;
        for kind in MediaKind::ALL {
            let rx = &mut self.rx[kind as usize];
            if let Some(r) = &mut rx.sframe {
                r.install_stream(&keys.stream(recv, kind))?;
            }
            if e2e_srtp {
                if let Some(ctx) = &mut rx.srtp {
                    let k = keys
                        .stream(recv, kind)
                        .into_srtp_master_key(self.srtp_suite)?;
                    ctx.add_key(mki(keys.epoch()), &k)?;
                }
            }
        }
        Ok(())
    }

    /// Move this side's sending to the next epoch, and install the receive keys of the one
    /// after it.
    fn advance(&mut self, now: Duration) -> Result<()> {
        let Some(keys) = self.next_keys.take() else {
            return Err(Error::InvalidConfig);
        };
        let send = self.role.send_direction();
        let e2e_srtp = self.config.layers == Layers::Srtp;
        for kind in MediaKind::ALL {
            let tx = &mut self.tx[kind as usize];
            if let Some(sc) = &self.sframe_config {
                tx.sframe = Some(SframeSender::for_stream(sc, &keys.stream(send, kind))?);
            }
            if e2e_srtp {
                if let Some(ctx) = &mut tx.srtp {
                    let k = keys
                        .stream(send, kind)
                        .into_srtp_master_key(self.srtp_suite)?;
                    ctx.add_key(mki(keys.epoch()), &k)?;
                    ctx.set_active_key(mki(keys.epoch()))?;
                    ctx.remove_key(mki(self.epoch))?;
                }
            }
        }
        self.epoch = keys.epoch();
        let next = keys.next_epoch();
        self.install_rx_epoch(&next)?;
        self.next_keys = Some(next);
        self.rekey_wanted = false;
        self.last_rekey = now;
        Ok(())
    }

    /// Whether the call is end-to-end encrypted.
    pub fn is_end_to_end(&self) -> bool {
        self.e2e
    }

    /// Which end this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The layers in use.
    pub fn layers(&self) -> Layers {
        self.config.layers
    }

    /// The epoch this side sends with.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The newest epoch the peer was seen sending with.
    pub fn peer_epoch(&self) -> Epoch {
        self.peer_epoch
    }

    /// Whether a rekey was asked for and waits for the peer to reach this side's epoch.
    pub fn rekey_pending(&self) -> bool {
        self.rekey_wanted
    }

    /// The largest packet [`Call::send_frame`] produces.
    pub fn max_packet_len(&self) -> usize {
        self.config.max_packet
    }

    /// Whether `feature` may be used in this call: end-to-end calls refuse the features of
    /// [`Feature::ALL`] with [`Error::FeatureUnavailable`].
    pub fn check_feature(&self, feature: Feature) -> Result<()> {
        self.security().check(feature)
    }

    /// End-to-end or standard.
    pub fn security(&self) -> CallSecurity {
        if self.e2e {
            CallSecurity::EndToEnd
        } else {
            CallSecurity::Standard
        }
    }

    /// The counters of one stream: `direction` is the role's send direction for what this side
    /// sent, its receive direction for what it received.
    pub fn stats(&self, direction: Direction, kind: MediaKind) -> &StreamStats {
        &self.stats[direction as usize][kind as usize]
    }

    /// Packets rejected before they could be tied to a stream (an SSRC this side does not
    /// receive, such as its own packets reflected back, or no RTP header at all).
    pub fn unattributed(&self) -> &Rejected {
        &self.unattributed
    }

    /// Ask for the next epoch. It starts at once when the peer has reached this side's
    /// epoch, else as soon as it does ([`Call::rekey_pending`]). Standard calls have no
    /// epochs: [`Error::InvalidConfig`].
    pub fn rekey(&mut self, now: Duration) -> Result<()> {
        if !self.e2e {
            return Err(Error::InvalidConfig);
        }
        self.rekey_wanted = true;
        self.try_rekey(now)
    }

    fn try_rekey(&mut self, now: Duration) -> Result<()> {
        if self.rekey_wanted && self.peer_epoch >= self.epoch {
            self.advance(now)?;
        }
        Ok(())
    }

    /// Let time pass: the rekey interval and time-bounded grace periods.
    pub fn poll(&mut self, now: Duration) -> Result<()> {
        if !self.e2e {
            return Ok(());
        }
        if let Some(every) = self.config.rekey_interval {
            if now.saturating_sub(self.last_rekey) >= every {
                self.rekey_wanted = true;
            }
        }
        for rx in &mut self.rx {
            if let Some(r) = &mut rx.sframe {
                r.advance_time(now);
            }
            retire_srtp(rx, 0, now);
        }
        self.try_rekey(now)
    }

    /// Seal `frame` (end-to-end layer), cut it into RTP packets of at most
    /// [`CallConfig::max_packet`] bytes and protect each (packet layer), appending them to
    /// `out`. `timestamp` is the frame's RTP timestamp.
    pub fn send_frame(
        &mut self,
        kind: MediaKind,
        frame: &[u8],
        timestamp: u32,
        now: Duration,
        out: &mut Packets,
    ) -> Result<()> {
        self.poll(now)?;
        let k = kind as usize;
        let overhead = self.packet_overhead();
        let payload_room = self.config.max_packet - RTP_HEADER_LEN - overhead;
        let tx = &mut self.tx[k];
        let sealed: &[u8] = match &mut tx.sframe {
            Some(s) => {
                let need = frame.len() + s.max_overhead();
                if self.scratch.len() < need {
                    self.scratch.resize(need, 0);
                }
                let n = s.seal_into(frame, &mut self.scratch, FrameOptions::NONE)?;
                if s.rekey_soon() {
                    self.rekey_wanted = true;
                }
                &self.scratch[..n]
            }
            None => frame,
        };
        let (count, chunk) = Fragment::plan(sealed.len(), payload_room)?;
        let ssrc = self.config.local_ssrcs[k];
        let pt = self.config.payload_types[k];
        let first_packet = out.len();
        for index in 0..count {
            let body_start = index as usize * chunk as usize;
            let body = &sealed[body_start..(body_start + chunk as usize).min(sealed.len())];
            let start = out.data.len();
            let plain_len = RTP_HEADER_LEN + FRAGMENT_HEADER_LEN + body.len();
            out.data.resize(start + plain_len + overhead, 0);
            let p = &mut out.data[start..];
            let last = index + 1 == count;
            p[0] = 0x80;
            p[1] = pt | if last { 0x80 } else { 0 };
            p[2..4].copy_from_slice(&tx.seq.to_be_bytes());
            p[4..8].copy_from_slice(&timestamp.to_be_bytes());
            p[8..12].copy_from_slice(&ssrc.0.to_be_bytes());
            Fragment {
                index,
                count,
                chunk,
            }
            .write(&mut p[RTP_HEADER_LEN..]);
            p[RTP_HEADER_LEN + FRAGMENT_HEADER_LEN..plain_len].copy_from_slice(body);
            let n = match &mut tx.srtp {
                Some(ctx) => match ctx.protect_rtp(p, plain_len) {
                    Ok(n) => n,
                    Err(e) => {
                        // Nothing of this frame is sent.
                        out.data.truncate(if first_packet == 0 {
                            0
                        } else {
                            out.ends[first_packet - 1]
                        });
                        out.ends.truncate(first_packet);
                        return Err(e);
                    }
                },
                None => plain_len,
            };
            out.data.truncate(start + n);
            out.ends.push(start + n);
            tx.seq = tx.seq.wrapping_add(1);
            if tx.srtp.as_ref().is_some_and(|c| c.rekey_soon()) {
                self.rekey_wanted = true;
            }
        }
        let st = &mut self.stats[self.role.send_direction() as usize][k];
        st.frames_protected += 1;
        st.packets_protected += count as u64;
        st.bytes_protected += frame.len() as u64;
        Ok(())
    }

    fn packet_overhead(&self) -> usize {
        match self.config.layers {
            Layers::Sframe => 0,
            Layers::Both => self.srtp_suite.srtp_overhead(),
            Layers::Srtp if self.e2e => self.srtp_suite.srtp_overhead() + 1,
            Layers::Srtp => self.srtp_suite.srtp_overhead(),
        }
    }

    /// Take one received packet (unprotected in place): returns the frame it completes, if
    /// any. A rejected packet or frame returns its error, is counted in
    /// [`Call::stats`] (or [`Call::unattributed`]) and changes no stream state.
    pub fn receive_packet<'a>(
        &'a mut self,
        packet: &'a mut [u8],
        now: Duration,
    ) -> Result<Option<Received<'a>>> {
        let recv = self.role.recv_direction() as usize;
        if packet.len() < RTP_HEADER_LEN || packet[0] >> 6 != 2 {
            self.unattributed
                .count(Error::Malformed(Malformed::Truncated));
            return Err(Malformed::Truncated.into());
        }
        let ssrc = Ssrc(u32::from_be_bytes([
            packet[8], packet[9], packet[10], packet[11],
        ]));
        let Some(k) = self.config.remote_ssrcs.iter().position(|s| *s == ssrc) else {
            self.unattributed.count(Error::UnknownKey);
            return Err(Error::UnknownKey);
        };
        let kind = MediaKind::ALL[k];
        match self.receive_on(k, packet, now) {
            Ok(Some((start, end, timestamp, epoch))) => {
                self.note_peer_epoch(epoch, now)?;
                let frame = self.rx[k].reassembly.completed(start, end);
                Ok(Some(Received {
                    kind,
                    timestamp,
                    epoch,
                    frame,
                }))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                self.stats[recv][k].rejected.count(e);
                Err(e)
            }
        }
    }

    /// The packet and frame pipeline of stream `k`; on a completed frame returns where it lies
    /// in the reassembly buffer, its timestamp and its epoch.
    fn receive_on(
        &mut self,
        k: usize,
        packet: &mut [u8],
        now: Duration,
    ) -> Result<Option<(usize, usize, u32, Epoch)>> {
        let recv = self.role.recv_direction() as usize;
        let e2e_srtp = self.e2e && self.config.layers == Layers::Srtp;
        let mki_len = usize::from(e2e_srtp);
        let rx = &mut self.rx[k];
        let mut epoch = Epoch(0);
        let plain: &mut [u8] = match &mut rx.srtp {
            Some(ctx) => {
                if e2e_srtp {
                    // RFC 3711 puts the MKI before the tag; RFC 7714 (AEAD) after it.
                    let tag = self.srtp_suite.srtp_tag_len();
                    let behind = if self.srtp_suite.is_aead() { 0 } else { tag };
                    let at = packet
                        .len()
                        .checked_sub(behind + mki_len)
                        .filter(|at| *at >= RTP_HEADER_LEN + tag)
                        .ok_or(Malformed::Truncated)?;
                    epoch = packet_epoch(rx.srtp_epochs.current, packet[at]);
                }
                ctx.unprotect_rtp(packet)?
            }
            None => packet,
        };
        if e2e_srtp {
            srtp_epoch_seen(rx, epoch, self.config.grace, now);
        }
        let timestamp = u32::from_be_bytes([plain[4], plain[5], plain[6], plain[7]]);
        let header_len = rtp_header_len(plain)?;
        let st = &mut self.stats[recv][k];
        st.packets_unprotected += 1;
        let evicted = rx.reassembly.evicted();
        let result = rx.reassembly.push(timestamp, &plain[header_len..]);
        st.frames_incomplete += rx.reassembly.evicted() - evicted;
        let slot = match result? {
            Reassembled::Pending => return Ok(None),
            Reassembled::Duplicate => return Err(Error::Replay),
            Reassembled::Complete(slot) => slot,
        };
        let frame = rx.reassembly.take(slot);
        let base = frame.as_ptr() as usize;
        let (start, len) = match &mut rx.sframe {
            Some(r) => {
                let opened = r.open_at(frame, FrameOptions::NONE, now)?;
                epoch = r.current_epoch().unwrap_or(Epoch(0));
                (opened.as_ptr() as usize - base, opened.len())
            }
            None => (0, frame.len()),
        };
        st.frames_unprotected += 1;
        st.bytes_unprotected += len as u64;
        Ok(Some((start, start + len, timestamp, epoch)))
    }

    /// The peer was seen at `epoch`: follow it there.
    fn note_peer_epoch(&mut self, epoch: Epoch, now: Duration) -> Result<()> {
        if !self.e2e || epoch <= self.peer_epoch {
            return Ok(());
        }
        self.peer_epoch = epoch;
        while self.epoch < epoch {
            self.advance(now)?;
        }
        self.try_rekey(now)
    }
}

/// The full epoch of a packet whose MKI byte is `low`, near `current`.
fn packet_epoch(current: Epoch, low: u8) -> Epoch {
    let cur = current.0;
    let candidate = (cur & !0xff) | low as u32;
    let e = if candidate > cur.saturating_add(1) {
        candidate.saturating_sub(0x100)
    } else if candidate.saturating_add(0xff) < cur {
        candidate.saturating_add(0x100)
    } else {
        candidate
    };
    Epoch(e)
}

/// An authenticated packet of `epoch` arrived: switch to it and start the grace of the one
/// before, or count the grace down.
fn srtp_epoch_seen(rx: &mut RxStream, epoch: Epoch, grace: Grace, now: Duration) {
    let g = &mut rx.srtp_epochs;
    if epoch > g.current {
        if let (Some(ctx), Some((old, _, _))) = (&mut rx.srtp, g.retiring.take()) {
            // Already gone is fine.
            let _ = ctx.remove_key(mki(old));
        }
        let previous = g.current;
        g.current = epoch;
        g.retiring = Some(match grace {
            Grace::Frames(n) => (previous, n, None),
            Grace::Time(d) => (previous, u64::MAX, Some(now + d)),
        });
    }
    retire_srtp(rx, u64::from(epoch == rx.srtp_epochs.current), now);
}

/// Count `packets` of the current epoch against the grace and retire the old key when over.
fn retire_srtp(rx: &mut RxStream, packets: u64, now: Duration) {
    let Some((old, left, until)) = rx.srtp_epochs.retiring else {
        return;
    };
    let left = left.saturating_sub(packets);
    if left == 0 || until.is_some_and(|t| now >= t) {
        if let Some(ctx) = &mut rx.srtp {
            let _ = ctx.remove_key(mki(old));
        }
        rx.srtp_epochs.retiring = None;
    } else {
        rx.srtp_epochs.retiring = Some((old, left, until));
    }
}

/// Length of the RTP header (fixed part, CSRCs and extension) of a packet.
fn rtp_header_len(p: &[u8]) -> Result<usize> {
    let cc = (p[0] & 0x0f) as usize;
    let mut len = RTP_HEADER_LEN + 4 * cc;
    if p[0] & 0x10 != 0 {
        let ext = p.get(len + 2..len + 4).ok_or(Malformed::Truncated)?;
        len += 4 + 4 * u16::from_be_bytes([ext[0], ext[1]]) as usize;
    }
    if len > p.len() {
        return Err(Malformed::Truncated.into());
    }
    Ok(len)
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("role", &self.role)
            .field("end_to_end", &self.e2e)
            .field("layers", &self.config.layers)
            .field("epoch", &self.epoch)
            .field("peer_epoch", &self.peer_epoch)
            .finish_non_exhaustive()
    }
}
