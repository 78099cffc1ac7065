//! One end of a call: sending frames, receiving packets, and what it counts.

use super::config::{CallConfig, Layers, PacketKeys};
use super::epochs::{mki, packet_epoch, EpochState, MAX_EPOCHS_HELD};
use super::events::{Event, EventQueue};
use super::packets::Packets;
use super::stats::{Rejected, StreamStats};
use crate::error::{Error, Malformed, Result};
use crate::handshake::{Established, Outcome};
use crate::rtp_sframe::{
    append_packet, chunks, finish_packet, packet_info, plan, write_head, Assembled, Depacketizer,
    Descriptor, Log, PacketInfo, PayloadOrigin, Pushed, RtpFields, SframeKeying, SframeMode,
    DESCRIPTOR_LEN, RTP_HEADER_LEN,
};
use crate::schedule::RtpParams;
use crate::security::{CallSecurity, Feature};
use crate::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
use crate::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use crate::types::{Direction, Epoch, MediaKind, Role, SrtpSuite, Ssrc};
use core::fmt;
use core::time::Duration;

/// A frame delivered by [`Call::receive_packet`].
#[derive(Debug)]
pub struct Received<'a> {
    /// Which stream it came on.
    pub kind: MediaKind,
    /// The RTP timestamp of the frame.
    pub timestamp: u32,
    /// The epoch of the keys that opened the frame (0 in standard calls).
    pub epoch: Epoch,
    /// The frame, as the peer's encoder made it.
    pub frame: &'a [u8],
}

/// The sending half of one stream.
pub(crate) struct TxStream {
    pub(crate) seq: u16,
    pub(crate) srtp: Option<SrtpSender>,
    pub(crate) sframe: Option<SframeSender>,
}

/// The receiving half of one stream.
pub(crate) struct RxStream {
    pub(crate) srtp: Option<SrtpReceiver>,
    pub(crate) sframe: Option<SframeReceiver>,
    /// SFrame ciphertexts (or, without SFrame, plain frames) from RTP packets.
    depack: Depacketizer,
    /// Frames from the opened payloads of per-packet SFrame.
    inner: Depacketizer,
}

/// Where a delivered frame lies until it is handed out.
enum FrameAt {
    Packet(core::ops::Range<usize>),
    Log(core::ops::Range<usize>),
    Buffer(core::ops::Range<usize>),
}

/// One end of an end-to-end encrypted (or standard) one-to-one call.
///
/// # Example
///
/// A call with SRTP keyed end-to-end (a peer-to-peer call), driven by its timer and events.
///
/// ```
/// use callseal::handshake::{Callee, Caller, HandshakeConfig};
/// use callseal::session::{Call, CallConfig, Event, Layers, Packets};
/// use callseal::{Intent, MediaKind, Role};
/// use core::time::Duration;
///
/// let cfg = HandshakeConfig::new(Intent::On);
/// let (mut caller, offer) = Caller::offer(&cfg, b"call 1")?;
/// let (mut callee, answer) = Callee::accept(&cfg, b"call 1", &offer)?;
/// let (confirm, a) = caller.finish(&answer)?;
/// let b = callee.confirm(&confirm)?;
///
/// let config = |role| {
///     CallConfig::new(role)
///         .with_layers(Layers::Srtp)
///         .with_rekey_interval(Duration::from_secs(60))
/// };
/// let mut alice = Call::new(a, config(Role::Caller), None)?;
/// let mut bob = Call::new(b, config(Role::Callee), None)?;
/// assert_eq!(alice.poll_timeout(), Some(Duration::from_secs(60)));
///
/// let now = Duration::from_secs(60);
/// alice.handle_timeout(now)?; // the interval: alice starts epoch 1
/// let mut packets = Packets::new();
/// alice.send_frame(MediaKind::Audio, &[0xf8; 100], 48_000, now, &mut packets)?;
/// let mut wire = packets.get(0).to_vec();
/// let got = bob.receive_packet(&mut wire, now)?.expect("a one-packet frame");
/// assert_eq!((got.kind, got.epoch.0), (MediaKind::Audio, 1));
/// assert!(matches!(bob.poll_event(), Some(Event::PeerMoved { .. })));
/// # Ok::<(), callseal::Error>(())
/// ```
pub struct Call {
    pub(crate) role: Role,
    pub(crate) e2e: bool,
    pub(crate) config: CallConfig,
    pub(crate) srtp_suite: SrtpSuite,
    pub(crate) sframe_config: Option<SframeConfig>,
    pub(crate) epochs: EpochState,
    local_ssrcs: [Ssrc; 3],
    remote_ssrcs: [Ssrc; 3],
    pub(crate) tx: [TxStream; 3],
    pub(crate) rx: [RxStream; 3],
    log: Log,
    frame_buf: Vec<u8>,
    stats: [[StreamStats; 3]; 2],
    unattributed: Rejected,
    scratch: Vec<u8>,
    pub(crate) events: EventQueue,
    /// The exporter secret of an end-to-end call (see [`Call::export_secret`]).
    exporter: Option<crate::secret::Secret<32>>,
}

/// Index entries per receive stream: room for two frames of the most packets one can have.
fn index_entries(config: &CallConfig, chunk: usize) -> usize {
    let per_frame = (config.max_frame + crate::sframe::MAX_OVERHEAD).div_ceil(chunk);
    (2 * per_frame).next_power_of_two().clamp(64, 1 << 15)
}

impl Call {
    /// Start the call from a completed handshake.
    ///
    /// End-to-end outcome: [`Layers::Srtp`] keys SRTP from the handshake and needs no
    /// `packet_keys`; [`Layers::Sframe`] needs none; [`Layers::Both`] needs them for its
    /// hop-by-hop packet layer. Standard outcome: the call runs SRTP with `packet_keys` only,
    /// whatever `config.layers` says.
    ///
    /// The six SSRCs and the first sequence numbers come from the handshake unless the
    /// configuration names SSRCs ([`CallConfig::with_ssrcs`]).
    ///
    /// Errors: [`Error::InvalidConfig`] for a configuration [`CallConfig::validate`] refuses,
    /// [`Error::MissingPacketKeys`] when the call needs hop-by-hop keys and has none,
    /// [`Error::UnsupportedSuite`] for hop-by-hop keys of a NULL-cipher suite (a call's media
    /// is always encrypted), [`Error::DuplicateSsrc`] when two streams would share an SSRC.
    pub fn new(
        handshake: Established,
        config: CallConfig,
        packet_keys: Option<PacketKeys>,
    ) -> Result<Call> {
        crate::secret::scrubbed(|| {
            config.validate()?;
            let sealed_max = config.max_frame + crate::sframe::MAX_OVERHEAD;
            let role = handshake.role();
            let srtp_suite = handshake.srtp_suite();
            let sframe_suite = handshake.sframe_suite();
            let rtp = RtpParams::derive_for(handshake.version(), handshake.transcript_hash());
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
            let packet_keys = if hop_by_hop {
                Some(packet_keys.ok_or(Error::MissingPacketKeys)?)
            } else {
                None
            };
            let send = role.send_direction() as usize;
            let recv = role.recv_direction() as usize;
            let local_ssrcs = config.local_ssrcs.unwrap_or(rtp.ssrcs[send]);
            let remote_ssrcs = config.remote_ssrcs.unwrap_or(rtp.ssrcs[recv]);
            let all = [local_ssrcs, remote_ssrcs].concat();
            if (0..all.len()).any(|i| all[..i].contains(&all[i])) {
                return Err(Error::DuplicateSsrc);
            }
            let sframe_config = config.layers.frame_layer().then(|| {
                SframeConfig::new(sframe_suite)
                    .with_replay_window(config.replay_window)
                    .with_grace(config.grace)
                    .with_frame_limit(config.frame_limit)
                    .with_max_keys(MAX_EPOCHS_HELD + 1)
                    .with_backend(config.backend)
            });
            let srtp_config = SrtpConfig {
                replay_window: config.replay_window,
                mki_len: if hop_by_hop { 0 } else { 1 },
                ..SrtpConfig::default()
            }
            .with_backend(config.backend);
            let srtp_suite = packet_keys
                .as_ref()
                .map_or(srtp_suite, |pk| pk.outbound.suite());
            if let Some(pk) = &packet_keys {
                // Authentication-only SRTP never carries a call's media.
                if pk.outbound.suite().is_null_cipher() || pk.inbound.suite().is_null_cipher() {
                    return Err(Error::UnsupportedSuite);
                }
            }
            let overhead = packet_overhead(config.layers, e2e, srtp_suite);
            // Per-packet SFrame takes a descriptor and an SFrame overhead more per packet.
            let chunk = config.max_packet
                - RTP_HEADER_LEN
                - overhead
                - 2 * DESCRIPTOR_LEN
                - crate::sframe::MAX_OVERHEAD;
            let entries = index_entries(&config, chunk);

            let tx_stream = |k: usize| -> Result<TxStream> {
                let mut t = TxStream {
                    seq: rtp.first_seqs[send][k],
                    srtp: None,
                    sframe: None,
                };
                if let Some(pk) = &packet_keys {
                    t.srtp = Some(SrtpSender::new(&pk.outbound, srtp_config)?);
                }
                if let Some(keys) = &keys {
                    let kind = MediaKind::ALL[k];
                    if !hop_by_hop && packet_layer {
                        let out = keys
                            .stream(role.send_direction(), kind)
                            .into_srtp_master_key(srtp_suite)?;
                        t.srtp = Some(SrtpSender::new_with_mki(
                            mki(keys.epoch()),
                            &out,
                            srtp_config,
                        )?);
                    }
                    if let Some(sc) = &sframe_config {
                        let per_ssrc = config.sframe_keying == SframeKeying::PerSsrc;
                        t.sframe = Some(SframeSender::for_call_stream(
                            sc,
                            &keys.stream(role.send_direction(), kind),
                            per_ssrc.then_some(local_ssrcs[k]),
                        )?);
                    }
                }
                Ok(t)
            };
            let rx_stream = || -> Result<RxStream> {
                let mut r = RxStream {
                    srtp: None,
                    sframe: None,
                    depack: Depacketizer::new(entries),
                    inner: Depacketizer::new(entries),
                };
                if let Some(pk) = &packet_keys {
                    r.srtp = Some(SrtpReceiver::new(&pk.inbound, srtp_config)?);
                } else if e2e && packet_layer {
                    r.srtp = Some(SrtpReceiver::new_with_mki(srtp_suite, srtp_config)?);
                }
                if let Some(sc) = &sframe_config {
                    r.sframe = Some(SframeReceiver::managed(*sc)?);
                }
                Ok(r)
            };
            // Built in place, never through a vector that would be freed with keys in it.
            // Each on a zeroed stack: a stream is built next to where the keys of the one before
            // were, and its padding must not pick up their bytes.
            use crate::secret::scrubbed;
            let mut tx = [
                scrubbed(|| tx_stream(0))?,
                scrubbed(|| tx_stream(1))?,
                scrubbed(|| tx_stream(2))?,
            ];
            let mut rx = [
                scrubbed(rx_stream)?,
                scrubbed(rx_stream)?,
                scrubbed(rx_stream)?,
            ];
            // Every SRTP stream's state is made now, not when its first packet comes: a stream that
            // starts late in the call (screen share) allocates nothing then.
            for k in 0..3 {
                if let Some(ctx) = &mut tx[k].srtp {
                    ctx.set_roc(local_ssrcs[k], crate::types::Roc(0))?;
                }
                if let Some(ctx) = &mut rx[k].srtp {
                    ctx.set_roc(remote_ssrcs[k], crate::types::Roc(0))?;
                }
            }
            let frame_buf_len = sealed_max;
            let mut call = Call {
                role,
                e2e,
                srtp_suite,
                sframe_config,
                epochs: EpochState::new(keys.as_ref().and_then(|k| k.derive_next())),
                local_ssrcs,
                remote_ssrcs,
                tx,
                rx,
                log: Log::new(config.reassembly_budget),
                frame_buf: vec![0; frame_buf_len],
                stats: Default::default(),
                unattributed: Rejected::default(),
                // The largest sealed frame, so that sending never allocates.
                scratch: if sframe_config.is_some() {
                    vec![0; sealed_max]
                } else {
                    Vec::new()
                },
                events: EventQueue::new(),
                exporter: keys.as_ref().map(|k| k.exporter()),
                config,
            };
            if let Some(k) = &keys {
                call.install_first_epochs(k)?;
            }
            Ok(call)
        })
    }

    /// A secret for another use of this end-to-end call, equal on both ends and independent
    /// of every media key: `HKDF-Expand(exporter, label, 32)`, where `exporter =
    /// HKDF-Expand(media[0], "callseal v1 exporter", 32)` (`v2` in a version-2 call) is fixed
    /// for the whole call, rekeys or not. Different labels give independent secrets; a group
    /// call grown from this call binds its MLS group to the call with one
    /// (`callseal-mls`). Errors: [`Error::NotEndToEnd`] in a standard call.
    pub fn export_secret(&self, label: &[u8]) -> Result<crate::secret::Secret<32>> {
        let exporter = self.exporter.as_ref().ok_or(Error::NotEndToEnd)?;
        let mut out = crate::secret::Secret::<32>::zero();
        crate::schedule::expand(exporter.expose(), &[label], out.expose_mut());
        Ok(out)
    }

    /// Whether the call is end-to-end encrypted.
    pub fn is_end_to_end(&self) -> bool {
        self.e2e
    }

    /// Which end this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The SFrame suite of the frame layer, when the call has one.
    pub fn sframe_suite(&self) -> Option<crate::types::SframeSuite> {
        self.sframe_config.as_ref().map(|c| c.suite)
    }

    /// The layers in use.
    pub fn layers(&self) -> Layers {
        self.config.layers
    }

    /// The epoch this side sends with.
    pub fn epoch(&self) -> Epoch {
        self.epochs.send
    }

    /// The newest epoch the peer was seen sending with.
    pub fn peer_epoch(&self) -> Epoch {
        self.epochs.peer
    }

    /// Whether a rekey was asked for and waits for the peer to reach this side's epoch.
    pub fn rekey_pending(&self) -> bool {
        self.epochs.rekey_wanted
    }

    /// The largest packet [`Call::send_frame`] produces.
    pub fn max_packet_len(&self) -> usize {
        self.config.max_packet
    }

    /// The largest frame [`Call::send_frame`] takes.
    pub fn max_frame_len(&self) -> usize {
        self.config.max_frame
    }

    /// This side's SSRCs: audio, video, screen share.
    pub fn local_ssrcs(&self) -> [Ssrc; 3] {
        self.local_ssrcs
    }

    /// The peer's SSRCs: audio, video, screen share.
    pub fn remote_ssrcs(&self) -> [Ssrc; 3] {
        self.remote_ssrcs
    }

    /// How many end-to-end receive keys the stream of `kind` holds now: at most
    /// [`MAX_EPOCHS_HELD`], one per epoch (0 in a standard call).
    pub fn receive_keys(&self, kind: MediaKind) -> usize {
        let rx = &self.rx[kind as usize];
        match (&rx.sframe, &rx.srtp) {
            (Some(r), _) => r.key_count(),
            (None, Some(ctx)) if self.e2e => ctx.key_count(),
            _ => 0,
        }
    }

    /// Whether `feature` may be used in this call: end-to-end calls refuse the features of
    /// [`Feature::ALL`] with [`Error::FeatureUnavailable`], except [`Feature::AddParticipant`]
    /// when the configuration allows it ([`CallConfig::with_add_participant`]); a standard
    /// call allows them all.
    pub fn check_feature(&self, feature: Feature) -> Result<()> {
        match feature {
            Feature::AddParticipant if self.e2e && self.config.add_participant => Ok(()),
            _ => self.security().check(feature),
        }
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

    /// Let time pass: the rekey interval, and a grace measured in time (which retires the
    /// previous epoch's keys even when nothing arrives). Call it at
    /// [`Call::poll_timeout`]; calling it at other times is harmless.
    pub fn handle_timeout(&mut self, now: Duration) -> Result<()> {
        self.tick(now)
    }

    /// The next event, oldest first ([`Event`]). Take them after every call that may move
    /// epochs ([`Call::send_frame`], [`Call::receive_packet`], [`Call::rekey`],
    /// [`Call::handle_timeout`]); at most [`EVENT_QUEUE_LEN`](super::EVENT_QUEUE_LEN) wait, and older ones are dropped
    /// ([`Call::events_dropped`]).
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop()
    }

    /// Events dropped because the application did not take them in time.
    pub fn events_dropped(&self) -> u64 {
        self.events.dropped()
    }

    /// Seal `frame` (end-to-end layer), cut it into RTP packets of at most
    /// [`CallConfig::max_packet`] bytes and protect each (packet layer), appending them to
    /// `out`. `timestamp` is the frame's RTP timestamp.
    ///
    /// Errors, with nothing of the frame appended: [`Error::FrameTooLarge`] past
    /// [`CallConfig::max_frame`], [`Error::LimitReached`] when a key is used up.
    pub fn send_frame(
        &mut self,
        kind: MediaKind,
        frame: &[u8],
        timestamp: u32,
        now: Duration,
        out: &mut Packets,
    ) -> Result<()> {
        if frame.len() > self.config.max_frame {
            return Err(Error::FrameTooLarge {
                max: self.config.max_frame,
            });
        }
        self.tick(now)?;
        let k = kind as usize;
        let overhead = packet_overhead(self.config.layers, self.e2e, self.srtp_suite);
        let payload_room = self.config.max_packet - RTP_HEADER_LEN - overhead;
        let e2e_srtp = self.e2e && self.config.layers == Layers::Srtp;
        let tx = &mut self.tx[k];
        let mut soft_limit = false;
        let fields = RtpFields {
            ssrc: self.local_ssrcs[k],
            payload_type: self.config.payload_types[k],
            timestamp,
            marker: true,
        };
        let first_packet = out.len();
        let first_seq = tx.seq;
        let per_packet = self.config.sframe_mode == SframeMode::PerPacket;
        let count = match &mut tx.sframe {
            Some(s) if per_packet => {
                // The media packetization (descriptor ‖ fragment, T = 0) first, then each
                // packet's payload sealed alone and sent as one whole ciphertext (S = E = T = 1).
                let room = payload_room - 2 * DESCRIPTOR_LEN - s.max_overhead();
                let (count, chunk) = plan(frame.len(), room + DESCRIPTOR_LEN)?;
                if s.frames_left() < count as u64 {
                    return Err(Error::LimitReached);
                }
                let outer = Descriptor::nth(0, 1, PayloadOrigin::Packetized);
                for (i, fragment) in chunks(frame, chunk, count).enumerate() {
                    let inner = &mut self.scratch[..DESCRIPTOR_LEN + fragment.len()];
                    inner[0] = Descriptor::nth(i, count, PayloadOrigin::Raw).to_byte();
                    inner[DESCRIPTOR_LEN..].copy_from_slice(fragment);
                    let start = out.data.len();
                    out.data
                        .resize(start + self.config.max_packet + overhead, 0);
                    let p = &mut out.data[start..];
                    // The marker bit of the media packetization: the frame's last packet.
                    let marked = RtpFields {
                        marker: i + 1 == count,
                        ..fields
                    };
                    write_head(p, &marked, tx.seq, outer);
                    let at = RTP_HEADER_LEN + DESCRIPTOR_LEN;
                    let sent = s
                        .seal_into(inner, &mut p[at..], FrameOptions::NONE)
                        .and_then(|n| {
                            finish_packet(&mut tx.seq, tx.srtp.as_mut(), out, start, at + n)
                        });
                    if let Err(e) = sent {
                        out.truncate(first_packet);
                        tx.seq = first_seq;
                        return Err(e);
                    }
                }
                soft_limit |= s.rekey_soon();
                count
            }
            sframe => {
                let sealed: &[u8] = match sframe {
                    Some(s) => {
                        let need = frame.len() + s.max_overhead();
                        if self.scratch.len() < need {
                            self.scratch.resize(need, 0);
                        }
                        let n = s.seal_into(frame, &mut self.scratch, FrameOptions::NONE)?;
                        soft_limit |= s.rekey_soon();
                        &self.scratch[..n]
                    }
                    None => frame,
                };
                let (count, chunk) = plan(sealed.len(), payload_room)?;
                for (i, fragment) in chunks(sealed, chunk, count).enumerate() {
                    let start = out.data.len();
                    let plain_len = RTP_HEADER_LEN + DESCRIPTOR_LEN + fragment.len();
                    let d = Descriptor::nth(i, count, PayloadOrigin::Raw);
                    append_packet(&mut out.data, &fields, tx.seq, d, fragment, overhead);
                    if let Err(e) =
                        finish_packet(&mut tx.seq, tx.srtp.as_mut(), out, start, plain_len)
                    {
                        // Nothing of this frame is sent.
                        out.truncate(first_packet);
                        tx.seq = first_seq;
                        return Err(e);
                    }
                }
                count
            }
        };
        if e2e_srtp && tx.srtp.as_ref().is_some_and(|c| c.rekey_soon()) {
            soft_limit = true;
        }
        if soft_limit {
            self.soft_limit(kind);
        }
        let st = &mut self.stats[self.role.send_direction() as usize][k];
        st.frames_protected += 1;
        st.packets_protected += count as u64;
        st.bytes_protected += frame.len() as u64;
        Ok(())
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
        let Some(k) = self.remote_ssrcs.iter().position(|s| *s == ssrc) else {
            self.unattributed.count(Error::UnknownKey);
            return Err(Error::UnknownKey);
        };
        match self.receive_on(k, packet, now) {
            Ok(Some((at, timestamp, epoch))) => {
                let frame: &[u8] = match at {
                    FrameAt::Packet(r) => &packet[r],
                    FrameAt::Log(r) => self.log.bytes(r),
                    FrameAt::Buffer(r) => &self.frame_buf[r],
                };
                Ok(Some(Received {
                    kind: MediaKind::ALL[k],
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

    /// The packet and frame pipeline of stream `k`; on a completed frame returns where it lies,
    /// its timestamp and its epoch.
    fn receive_on(
        &mut self,
        k: usize,
        packet: &mut [u8],
        now: Duration,
    ) -> Result<Option<(FrameAt, u32, Epoch)>> {
        let recv = self.role.recv_direction() as usize;
        let e2e_srtp = self.e2e && self.config.layers == Layers::Srtp;
        let mut srtp_epoch = Epoch(0);
        let plain_len = match &mut self.rx[k].srtp {
            Some(ctx) => {
                if e2e_srtp {
                    // RFC 3711 puts the MKI before the tag; RFC 7714 (AEAD) after it.
                    let tag = self.srtp_suite.srtp_tag_len();
                    let behind = if self.srtp_suite.is_aead() { 0 } else { tag };
                    let at = packet
                        .len()
                        .checked_sub(behind + 1)
                        .filter(|at| *at >= RTP_HEADER_LEN + tag)
                        .ok_or(Malformed::Truncated)?;
                    srtp_epoch =
                        packet_epoch(self.epochs.peer, packet[at]).ok_or(Error::UnknownKey)?;
                }
                ctx.unprotect_rtp(packet)?.len()
            }
            None => packet.len(),
        };
        self.stats[recv][k].packets_unprotected += 1;
        if e2e_srtp {
            // The packet authenticated under its epoch's key.
            self.peer_seen(srtp_epoch, now)?;
        }
        let (info, body) = packet_info(&packet[..plain_len])?;
        let timestamp = info.timestamp;
        let sealed_max = self.config.max_frame + crate::sframe::MAX_OVERHEAD;
        let rx = &mut self.rx[k];
        let incomplete = rx.depack.incomplete() + rx.inner.incomplete();
        let replaced = rx.depack.replaced() + rx.inner.replaced();
        let per_packet = rx.sframe.is_some() && self.config.sframe_mode == SframeMode::PerPacket;
        // The T bit is not authenticated: the call takes only the mode both ends agreed on,
        // and per-packet SFrame puts one whole ciphertext in each packet.
        let expected = if per_packet {
            PayloadOrigin::Packetized
        } else {
            PayloadOrigin::Raw
        };
        if info.origin != expected || (per_packet && !(info.start && info.end)) {
            return Err(Malformed::Field.into());
        }
        // Per-packet SFrame: the packet's ciphertext opens first, then its payload (descriptor
        // ‖ fragment) goes to the frame stage like a packet of the SRTP-only layer.
        let (stage, info, body, mut epoch) = match &mut rx.sframe {
            Some(r) if per_packet => {
                rx.inner.check(&info, &self.log)?;
                let sealed = &mut packet[body.clone()];
                let base = sealed.as_ptr() as usize;
                let (plain, e) = r.open_epoch(sealed, FrameOptions::NONE)?;
                let from = body.start + (plain.as_ptr() as usize - base);
                let opened = from..from + plain.len();
                // The packet authenticated under its epoch's key.
                self.peer_seen(e, now)?;
                let rx = &mut self.rx[k];
                let (d, _) = Descriptor::split(&packet[opened.clone()])?;
                let inner = PacketInfo {
                    start: d.start,
                    end: d.end,
                    origin: d.origin,
                    ..info
                };
                if d.origin != PayloadOrigin::Raw {
                    rx.inner.single(info.seq, &self.log);
                    return Err(Malformed::Field.into());
                }
                (
                    &mut rx.inner,
                    inner,
                    opened.start + DESCRIPTOR_LEN..opened.end,
                    Some(e),
                )
            }
            _ => (&mut rx.depack, info, body, None),
        };
        let single = info.start && info.end;
        let at = if single {
            // Recorded only once it opened: a forged copy that comes first must not make the
            // genuine packet a duplicate.
            stage.check(&info, &self.log)?;
            FrameAt::Packet(body)
        } else {
            let pushed = stage.push(&info, &packet[body], &mut self.log);
            let assembled = match pushed {
                Ok(Pushed::Complete { start, end }) => {
                    Some(stage.assemble(start, end, &self.log, &mut self.frame_buf, sealed_max))
                }
                _ => None,
            };
            let rx = &self.rx[k];
            let st = &mut self.stats[recv][k];
            st.frames_incomplete += rx.depack.incomplete() + rx.inner.incomplete() - incomplete;
            // A copy of a packet still waiting for its frame took its place: one was dropped.
            st.rejected.replay += rx.depack.replaced() + rx.inner.replaced() - replaced;
            pushed?;
            match assembled.transpose()? {
                None | Some(Assembled::Lost) => return Ok(None),
                Some(Assembled::Log(r)) => FrameAt::Log(r),
                Some(Assembled::Buffer(n)) => FrameAt::Buffer(0..n),
            }
        };
        let rx = &mut self.rx[k];
        let at = match &mut rx.sframe {
            Some(r) if epoch.is_none() => {
                let (buf, range) = match &at {
                    FrameAt::Packet(r) => (&mut packet[..], r.clone()),
                    FrameAt::Log(r) => (self.log.bytes_mut(r.clone()), 0..r.len()),
                    FrameAt::Buffer(r) => (&mut self.frame_buf[..], r.clone()),
                };
                let sealed = &mut buf[range.clone()];
                let base = sealed.as_ptr() as usize;
                let (plain, e) = r.open_epoch(sealed, FrameOptions::NONE)?;
                let from = plain.as_ptr() as usize - base;
                let to = from + plain.len();
                epoch = Some(e);
                match at {
                    FrameAt::Packet(r) => FrameAt::Packet(r.start + from..r.start + to),
                    FrameAt::Log(r) => FrameAt::Log(r.start + from..r.start + to),
                    FrameAt::Buffer(r) => FrameAt::Buffer(r.start + from..r.start + to),
                }
            }
            _ => at,
        };
        if single {
            let stage = if per_packet {
                &mut rx.inner
            } else {
                &mut rx.depack
            };
            stage.single(info.seq, &self.log);
        }
        let epoch = match epoch {
            Some(e) if !per_packet => {
                // The frame authenticated under its epoch's key.
                self.peer_seen(e, now)?;
                e
            }
            Some(e) => e,
            None => srtp_epoch,
        };
        let len = match &at {
            FrameAt::Packet(r) | FrameAt::Log(r) | FrameAt::Buffer(r) => r.len(),
        };
        let st = &mut self.stats[recv][k];
        st.frames_unprotected += 1;
        st.bytes_unprotected += len as u64;
        Ok(Some((at, timestamp, epoch)))
    }
}

/// The bytes after an SRTP packet's payload header: the overhead of the packet layer.
fn packet_overhead(layers: Layers, e2e: bool, suite: SrtpSuite) -> usize {
    match layers {
        Layers::Sframe => 0,
        Layers::Both => suite.srtp_overhead(),
        Layers::Srtp if e2e => suite.srtp_overhead() + 1,
        Layers::Srtp => suite.srtp_overhead(),
    }
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("role", &self.role)
            .field("end_to_end", &self.e2e)
            .field("layers", &self.config.layers)
            .field("epoch", &self.epochs.send)
            .field("peer_epoch", &self.epochs.peer)
            .finish_non_exhaustive()
    }
}
