//! The frame layer: SFrame (RFC 9605).
//!
//! Each encoded audio, video or screen-share frame is sealed by its sender before
//! packetization and opened only by its receiver, so relays and SFUs can route and rewrite RTP
//! but never read or undetectably alter media.
//!
//! ```text
//!  sealed frame = [clear prefix] ‖ header ‖ ciphertext ‖ tag
//!  header       = config byte ‖ KID ‖ CTR                      (1 to 17 bytes, §4.3)
//!  key, salt    = HKDF(base key of the KID, suite)             (§4.4.2)
//!  nonce        = salt XOR CTR                                 (§4.4.3)
//!  AAD          = header ‖ metadata ‖ [clear prefix]
//! ```
//!
//! All five suites of RFC 9605 are supported: `AES_128_CTR_HMAC_SHA256_80`, `_64`, `_32`
//! (AES-CTR + HMAC-SHA256, §4.5.1) and `AES_128_GCM_SHA256_128`, `AES_256_GCM_SHA512_128`
//! (ring's AES-GCM).
//!
//! - [`SframeSender`] holds one key and a private counter that never wraps.
//! - [`SframeReceiver`] holds a bounded store of keys by KID, a replay window per KID, and
//!   epochs: a new epoch is accepted with its first authenticated frame, the previous one stays
//!   usable for a [`Grace`], then its keys are zeroized.
//! - [`CallKid`] is the KID scheme of a call: `KID = epoch << 3 | direction << 2 | kind`, each
//!   with its own [`crate::schedule::StreamSecret`] as base key.
//!
//! Cipher contexts are built when a key is installed, never per frame; sealing and opening
//! work on caller-owned buffers and allocate nothing.
//!
//! # Clear prefix
//!
//! Some codecs need their first bytes readable by a relay (a VP8 payload header, an Opus TOC
//! byte). [`FrameOptions::with_clear_prefix`] keeps the first `n` bytes of a frame in clear,
//! in front of the SFrame header, and authenticates them as additional data after the
//! metadata: the rest of the sealed frame is then a standard RFC 9605 ciphertext whose
//! metadata is `metadata ‖ prefix`. The prefix length is not on the wire: the receiver passes
//! the same `n` to [`SframeReceiver::open`], derived the same way the sender did (a fixed
//! length per codec, or read from the clear bytes themselves). A different `n` fails
//! authentication. The default is no prefix.
//!
//! ```
//! use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender, SEAL_HEADROOM};
//! use callseal::{Epoch, KeyId, SframeSuite};
//!
//! let config = SframeConfig::new(SframeSuite::Aes128GcmSha256_128);
//! let base_key = [7u8; 32];
//! let mut tx = SframeSender::new(&config, KeyId(4), &base_key)?;
//! let mut rx = SframeReceiver::new(config)?;
//! rx.install_key(KeyId(4), Epoch(0), &base_key)?;
//!
//! let frame = b"encoded frame";
//! let mut buf = vec![0u8; frame.len() + tx.max_overhead()];
//! let n = tx.seal_into(frame, &mut buf, FrameOptions::NONE)?;
//! let plain = rx.open(&mut buf[..n], FrameOptions::NONE)?;
//! assert_eq!(plain, frame);
//!
//! // In place, with headroom in front and room for the tag behind.
//! let mut buf = vec![0u8; SEAL_HEADROOM + frame.len() + tx.max_overhead()];
//! buf[SEAL_HEADROOM..][..frame.len()].copy_from_slice(frame);
//! let sealed = tx.seal_in_place(&mut buf, frame.len(), FrameOptions::NONE)?;
//! assert_eq!(rx.open(sealed, FrameOptions::NONE)?, frame);
//! # Ok::<(), callseal::Error>(())
//! ```

use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::replay::{DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW, MIN_REPLAY_WINDOW};
use crate::types::SframeSuite;
use core::time::Duration;

mod header;
mod key;
mod kid;
mod receiver;
mod sender;

pub use header::Header;
pub use key::{
    DerivedKey, SframeAead, MAX_BASE_KEY_LEN, MAX_CLEAR_BYTES, MIN_BASE_KEY_LEN, NONCE_LEN,
};
pub use kid::CallKid;
pub(crate) use receiver::PreparedKey;
pub use receiver::SframeReceiver;
pub use sender::{SframeSender, SEAL_HEADROOM};

/// How long the previous epoch's keys stay usable after a new epoch's first frame
/// authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grace {
    /// Until this many more frames of the new epoch (any KID) have authenticated. `0` retires
    /// the previous epoch at the switch.
    Frames(u64),
    /// Until this much time after the switch, as the caller tells it through
    /// [`SframeReceiver::open_at`] or [`SframeReceiver::advance_time`].
    Time(Duration),
}

/// The default grace: 512 frames of the new epoch.
pub const DEFAULT_GRACE: Grace = Grace::Frames(512);

/// The default size of the key store: enough for three media kinds in three epochs with
/// room to spare.
pub const DEFAULT_MAX_KEYS: usize = 16;

/// The most bytes sealing adds to a frame under any suite: the longest header and tag.
pub const MAX_OVERHEAD: usize = Header::MAX_LEN + 16;

/// The largest key store that can be configured.
pub const MAX_KEYS: usize = 1024;

/// Configuration of a sender or a receiver.
///
/// Start from [`SframeConfig::new`] and change fields; constructors check the ranges and fail
/// with [`Error::InvalidConfig`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SframeConfig {
    /// The cipher suite.
    pub suite: SframeSuite,
    /// Receiver: replay window per KID, in frames
    /// ([`MIN_REPLAY_WINDOW`]..=[`MAX_REPLAY_WINDOW`], default [`DEFAULT_REPLAY_WINDOW`]).
    pub replay_window: u32,
    /// Receiver: how long the previous epoch stays usable (default [`DEFAULT_GRACE`]).
    pub grace: Grace,
    /// Receiver: the most keys held at once (1..=[`MAX_KEYS`], default
    /// [`DEFAULT_MAX_KEYS`]).
    pub max_keys: usize,
    /// Sender: the most frames one key seals, at least 1 (default `u64::MAX`). The counter
    /// never wraps: beyond it sealing fails with [`Error::LimitReached`];
    /// [`SframeSender::rekey_soon`] turns true at three quarters of it.
    pub frame_limit: u64,
    /// Where AES-GCM comes from (default [`Backend::Ring`]).
    pub backend: Backend,
}

impl SframeConfig {
    /// The defaults for `suite`.
    pub const fn new(suite: SframeSuite) -> Self {
        SframeConfig {
            suite,
            replay_window: DEFAULT_REPLAY_WINDOW,
            grace: DEFAULT_GRACE,
            max_keys: DEFAULT_MAX_KEYS,
            frame_limit: u64::MAX,
            backend: Backend::Ring,
        }
    }

    /// With another replay window.
    pub const fn with_replay_window(mut self, frames: u32) -> Self {
        self.replay_window = frames;
        self
    }

    /// With another grace.
    pub const fn with_grace(mut self, grace: Grace) -> Self {
        self.grace = grace;
        self
    }

    /// With another key store size.
    pub const fn with_max_keys(mut self, keys: usize) -> Self {
        self.max_keys = keys;
        self
    }

    /// With another frame limit.
    pub const fn with_frame_limit(mut self, frames: u64) -> Self {
        self.frame_limit = frames;
        self
    }

    /// With another crypto backend.
    pub const fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Check every range; [`Error::UnsupportedBackend`] for a backend this build lacks.
    pub fn validate(&self) -> Result<()> {
        if !self.backend.is_available() {
            return Err(Error::UnsupportedBackend);
        }
        let ok = (MIN_REPLAY_WINDOW..=MAX_REPLAY_WINDOW).contains(&self.replay_window)
            && (1..=MAX_KEYS).contains(&self.max_keys)
            && self.frame_limit >= 1;
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidConfig)
        }
    }
}

/// What a frame carries besides its bytes: application metadata authenticated with it, and a
/// clear prefix length. Sender and receiver must pass the same. The default is neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FrameOptions<'a> {
    metadata: &'a [u8],
    clear_prefix: usize,
}

impl<'a> FrameOptions<'a> {
    /// No metadata, no clear prefix.
    pub const NONE: FrameOptions<'static> = FrameOptions {
        metadata: &[],
        clear_prefix: 0,
    };

    /// Authenticate `metadata` (RFC 9605 §4.4.3: `AAD = header ‖ metadata`). It is not part of
    /// the sealed frame; the receiver gets it by other means (an RTP header extension, say).
    pub const fn with_metadata(mut self, metadata: &'a [u8]) -> Self {
        self.metadata = metadata;
        self
    }

    /// Keep the first `n` bytes of the frame in clear (authenticated, never encrypted).
    pub const fn with_clear_prefix(mut self, n: usize) -> Self {
        self.clear_prefix = n;
        self
    }

    /// The metadata.
    pub const fn metadata(&self) -> &'a [u8] {
        self.metadata
    }

    /// The clear prefix length.
    pub const fn clear_prefix(&self) -> usize {
        self.clear_prefix
    }
}

#[cfg(test)]
mod tests;
