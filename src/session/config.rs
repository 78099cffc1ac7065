//! How a call runs: its layers, limits, keys for the hop, and RTP identifiers.

use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::rtp_sframe::{SframeKeying, SframeMode, DESCRIPTOR_LEN, RTP_HEADER_LEN};
use crate::secret::SrtpMasterKey;
use crate::sframe::Grace;
use crate::types::{Role, Ssrc};
use core::time::Duration;

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
    pub(crate) fn frame_layer(self) -> bool {
        matches!(self, Layers::Sframe | Layers::Both)
    }
}

names!(Layers, crate::Error::UnknownName, "`srtp`, `sframe` or `both`.", {
    Srtp => "srtp",
    Sframe => "sframe",
    Both => "both",
});

/// The default largest frame a call carries: 1 MiB.
pub const DEFAULT_MAX_FRAME: usize = 1 << 20;
/// The default reassembly budget of a call: 4 MiB.
pub const DEFAULT_REASSEMBLY_BUDGET: usize = 4 << 20;

/// How a call runs. Start from [`CallConfig::new`].
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallConfig {
    /// The protection layers (default [`Layers::Both`]).
    pub layers: Layers,
    /// Replay window of every receive stream, packets or frames (default 128).
    pub replay_window: u32,
    /// How long the previous epoch's receive keys stay after the peer's first frame (packet,
    /// with SRTP alone) of a new epoch: frames (packets) of the new epoch on any of the call's
    /// streams, or call time (default 512 frames).
    pub grace: Grace,
    /// Rekey on this interval of call time, if set.
    pub rekey_interval: Option<Duration>,
    /// Largest RTP packet the call sends, headers and tag included (default 1200).
    pub max_packet: usize,
    /// Largest frame the call carries, before sealing (default [`DEFAULT_MAX_FRAME`]). Sending a
    /// larger frame is [`Error::FrameTooLarge`]; a receiver gives up any larger one. Both ends
    /// must use the same value.
    pub max_frame: usize,
    /// The bytes of frames in flight the receive side holds while it puts them back together:
    /// a log of received payload, allocated once when the call starts (default
    /// [`DEFAULT_REASSEMBLY_BUDGET`], at least twice `max_frame` plus the SFrame overhead).
    /// Besides it the call allocates one buffer of `max_frame` for a frame that has to be
    /// copied to be made whole, and an index of a few thousand 40-byte entries per stream.
    /// Traffic, genuine or forged, never makes the call allocate more; frames beyond the budget
    /// are lost (the oldest first) and counted in [`StreamStats::frames_incomplete`](super::StreamStats).
    pub reassembly_budget: usize,
    /// This side's SSRC for audio, video and screen share; by default (`None`) both ends
    /// derive all six SSRCs from the handshake (see [`crate::schedule::RtpParams`]).
    pub local_ssrcs: Option<[Ssrc; 3]>,
    /// The peer's SSRC for audio, video and screen share; `None` as for `local_ssrcs`.
    pub remote_ssrcs: Option<[Ssrc; 3]>,
    /// RTP payload types of audio, video and screen share (default 111, 96, 97).
    pub payload_types: [u8; 3],
    /// Frames one SFrame key seals before it must be replaced; a rekey starts at three
    /// quarters of it (default 2^32).
    pub frame_limit: u64,
    /// Where AES-GCM comes from, in both layers (default [`Backend::Ring`]).
    pub backend: Backend,
    /// How the call carries SFrame over RTP (default [`SframeMode::PerFrame`]). Both ends
    /// must use the same: the T bit that tells them apart is not authenticated, so a receiver
    /// takes only packets of this mode ([`Malformed::Field`](crate::Malformed) otherwise).
    pub sframe_mode: SframeMode,
    /// Where the SFrame keys come from (default [`SframeKeying::Streams`], the KID scheme;
    /// [`SframeKeying::PerSsrc`] adds the draft's per-SSRC derivation). Both ends the same.
    pub sframe_keying: SframeKeying,
    /// Whether this end-to-end call may add a participant (default `false`, as in Teams):
    /// [`Call::check_feature`](super::Call::check_feature) then lets
    /// [`Feature::AddParticipant`](crate::Feature::AddParticipant) through. Set it from the
    /// policy's decision (`callseal::policy::Decision::add_participant`); every other feature
    /// stays unavailable in an end-to-end call.
    pub add_participant: bool,
}

impl CallConfig {
    /// The defaults for the side playing `role`, with SFrame inside SRTP.
    pub fn new(role: Role) -> Self {
        let _ = role;
        CallConfig {
            layers: Layers::Both,
            replay_window: crate::DEFAULT_REPLAY_WINDOW,
            grace: Grace::Frames(512),
            rekey_interval: None,
            max_packet: 1200,
            max_frame: DEFAULT_MAX_FRAME,
            reassembly_budget: DEFAULT_REASSEMBLY_BUDGET,
            local_ssrcs: None,
            remote_ssrcs: None,
            payload_types: [111, 96, 97],
            frame_limit: 1 << 32,
            backend: Backend::Ring,
            sframe_mode: SframeMode::PerFrame,
            sframe_keying: SframeKeying::Streams,
            add_participant: false,
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

    /// With another largest packet (default 1,200 bytes, the RTP packet before the packet
    /// layer's trailer).
    pub fn with_max_packet(mut self, bytes: usize) -> Self {
        self.max_packet = bytes;
        self
    }

    /// With other RTP payload types for audio, video and screen share (default 111, 96, 97).
    pub fn with_payload_types(mut self, types: [u8; 3]) -> Self {
        self.payload_types = types;
        self
    }

    /// With the largest frame and the reassembly budget.
    pub fn with_max_frame(mut self, max_frame: usize, reassembly_budget: usize) -> Self {
        self.max_frame = max_frame;
        self.reassembly_budget = reassembly_budget;
        self
    }

    /// With per-frame or per-packet SFrame (both ends the same).
    pub fn with_sframe_mode(mut self, mode: SframeMode) -> Self {
        self.sframe_mode = mode;
        self
    }

    /// With SFrame keys from the KID scheme alone or per SSRC (both ends the same).
    pub fn with_sframe_keying(mut self, keying: SframeKeying) -> Self {
        self.sframe_keying = keying;
        self
    }

    /// Whether this end-to-end call may add a participant (default `false`).
    pub fn with_add_participant(mut self, allow: bool) -> Self {
        self.add_participant = allow;
        self
    }

    /// With another crypto backend.
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// With SSRCs the application chose (signaled in its SDP, say): this side's and the
    /// peer's, audio, video and screen share. All six must differ.
    pub fn with_ssrcs(mut self, local: [Ssrc; 3], remote: [Ssrc; 3]) -> Self {
        self.local_ssrcs = Some(local);
        self.remote_ssrcs = Some(remote);
        self
    }

    /// Whether [`Call::new`](super::Call::new) takes this configuration:
    /// [`Error::InvalidConfig`] for a packet size under 82 bytes (room for a 69-byte payload) or over 65,535, an empty
    /// `max_frame`, a reassembly budget under twice `max_frame` (plus the SFrame overhead), a
    /// replay window outside
    /// [`MIN_REPLAY_WINDOW`](crate::MIN_REPLAY_WINDOW)..=[`MAX_REPLAY_WINDOW`](crate::MAX_REPLAY_WINDOW),
    /// or a frame limit of 0; [`Error::UnsupportedBackend`] for a backend this build lacks.
    pub fn validate(&self) -> Result<()> {
        if !self.backend.is_available() {
            return Err(Error::UnsupportedBackend);
        }
        let sealed_max = self.max_frame.saturating_add(crate::sframe::MAX_OVERHEAD);
        let min_packet = RTP_HEADER_LEN + DESCRIPTOR_LEN + 69;
        let ok = (min_packet..=65_535).contains(&self.max_packet)
            && self.max_frame != 0
            && self.reassembly_budget >= sealed_max.saturating_mul(2)
            && (crate::MIN_REPLAY_WINDOW..=crate::MAX_REPLAY_WINDOW).contains(&self.replay_window)
            && self.frame_limit != 0;
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidConfig)
        }
    }
}

/// The hop-by-hop SRTP keys of a call (standard calls, and the packet layer of
/// [`Layers::Both`]): what this side sends with, and what it receives with.
///
/// The three send streams of the call share the outbound key, as SRTP streams of one session
/// do, and only their SSRCs keep their nonces apart. The call makes sure of that: the six
/// SSRCs of a call are different, and the SSRCs and first sequence numbers are fresh for every
/// call (derived from its handshake), so two calls given the same keys never protect two
/// packets under one SSRC and index. What the application must do: keep a hop key to one
/// peer and one direction (as DTLS-SRTP and SDES give them), and never give a call SSRCs of
/// its own choosing that another call with the same key also uses.
#[derive(Debug)]
#[non_exhaustive]
pub struct PacketKeys {
    /// Protects what this side sends.
    pub outbound: SrtpMasterKey,
    /// Unprotects what this side receives.
    pub inbound: SrtpMasterKey,
}

impl PacketKeys {
    /// What this side sends with (`outbound`) and receives with (`inbound`).
    pub fn new(outbound: SrtpMasterKey, inbound: SrtpMasterKey) -> Self {
        PacketKeys { outbound, inbound }
    }
}
