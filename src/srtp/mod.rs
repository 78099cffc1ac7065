//! The packet layer: SRTP and SRTCP (RFC 3711, RFC 7714), byte-compatible with libsrtp.
//!
//! - [`SrtpSender`] protects RTP and RTCP packets, [`SrtpReceiver`] unprotects them. The two
//!   directions are separate types: a key protects in one direction only.
//! - Suites: AEAD_AES_128_GCM, AEAD_AES_256_GCM (RFC 7714), AES_CM_128_HMAC_SHA1_80 and
//!   AES_CM_128_HMAC_SHA1_32 (RFC 3711; SRTCP always carries the 80-bit tag).
//! - Keys: the RFC 3711 key derivation ([`SessionKeys::derive`], AES-CM PRF, key derivation
//!   rate 0) from an [`SrtpMasterKey`](crate::SrtpMasterKey); cipher contexts are built once
//!   per key. [`SrtpSender::rekey`] replaces the key and keeps every stream's ROC, index and
//!   replay state. With an MKI ([`SrtpConfig::mki_len`] 1..=4, RFC 3711 §3.1) several keys
//!   are held at once and each packet names its key, so packets of an old and a new key both
//!   decrypt during a changeover.
//! - Hot path on caller-owned buffers: [`SrtpSender::protect_rtp`] works in place with room
//!   for [`SrtpSender::srtp_overhead`] more bytes; [`SrtpReceiver::unprotect_rtp`] works in
//!   place and returns the plaintext slice. No allocation per packet; a new SSRC allocates its
//!   state once, and the number of SSRCs is bounded ([`SrtpConfig::max_streams`]).
//! - Options deployments ask for: key lifetimes ([`SrtpMasterKey::with_lifetime`](crate::SrtpMasterKey::with_lifetime)),
//!   an initial ROC for receivers that join mid-stream ([`SrtpConfig::initial_roc`]), and the
//!   ROC carried in band (RFC 4771, [`SrtpConfig::rcc`], [`Rcc`]), and cryptex (RFC 9335,
//!   [`SrtpConfig::cryptex`]): CSRCs and header extensions encrypted with the payload, or
//!   chosen header extensions encrypted by ID (RFC 6904, [`SrtpConfig::encrypted_extensions`]).
//! - [`RtpHeader`] and [`RtcpHeader`] are zero-copy header views with typed errors.
//!
//! ```
//! use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
//! use callseal::{SrtpMasterKey, SrtpSuite};
//!
//! let suite = SrtpSuite::AeadAes128Gcm;
//! let key = || SrtpMasterKey::new(suite, &[7; 16], &[9; 12]).unwrap();
//! let mut tx = SrtpSender::new(&key(), SrtpConfig::default())?;
//! let mut rx = SrtpReceiver::new(&key(), SrtpConfig::default())?;
//!
//! let rtp = [0x80, 96, 0, 1, 0, 0, 0, 0, 0xca, 0xfe, 0xba, 0xbe, b'h', b'i'];
//! let mut buf = [0u8; 1500];
//! buf[..rtp.len()].copy_from_slice(&rtp);
//! let n = tx.protect_rtp(&mut buf, rtp.len())?;
//! assert_eq!(n, rtp.len() + suite.srtp_overhead());
//! let protected = buf[..n].to_vec();
//! assert_eq!(rx.unprotect_rtp(&mut buf[..n])?, &rtp[..]);
//! // The same packet again is a replay, and changes nothing.
//! let mut again = protected.clone();
//! assert_eq!(rx.unprotect_rtp(&mut again), Err(callseal::Error::Replay));
//! assert_eq!(again, protected);
//! # Ok::<(), callseal::Error>(())
//! ```

mod cipher;
mod context;
mod cryptex;
mod hdrext;
mod header;
mod index;
mod kdf;
mod keyring;
mod rcc;
mod receiver;
mod sender;
mod streams;

pub use cryptex::CRYPTEX_OVERHEAD;
pub use hdrext::ExtensionIds;
pub use header::{is_rtcp, RtcpHeader, RtpHeader, RTCP_HEADER_LEN, RTP_FIXED_HEADER_LEN};
pub use kdf::SessionKeys;
pub(crate) use keyring::PreparedKey;
pub use rcc::{Rcc, RccMode};
pub use receiver::SrtpReceiver;
pub use sender::SrtpSender;

use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::replay::{DEFAULT_REPLAY_WINDOW, MAX_REPLAY_WINDOW, MIN_REPLAY_WINDOW};
use crate::types::Roc;

/// The most master keys a context holds at once (with MKI).
pub const MAX_KEYS: usize = 16;
/// The default bound on the number of SSRCs a context tracks.
pub const DEFAULT_MAX_STREAMS: usize = 64;
/// The largest [`SrtpConfig::max_streams`].
pub const MAX_STREAMS: usize = 1 << 16;
/// The largest MKI length in bytes.
pub const MAX_MKI_LEN: usize = 4;
/// The default [`SrtpConfig::soft_limit`]: 2^24 packets before the 2^48 hard limit.
pub const DEFAULT_SOFT_LIMIT: u64 = (1 << 48) - (1 << 24);

/// A master key identifier (RFC 3711 §3.1): carried in every packet in
/// [`SrtpConfig::mki_len`] bytes, big-endian. The value must fit in that many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mki(pub u32);

/// Settings of an [`SrtpSender`] or [`SrtpReceiver`]. Checked when the context is built
/// ([`Error::InvalidConfig`] when out of range).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SrtpConfig {
    /// Replay window per SSRC, in packets: 64..=32768, default 128. The sender uses a window
    /// of the same size to refuse protecting one index twice.
    pub replay_window: u32,
    /// The most SSRCs tracked at once: 1..=65536, default 64. A packet of one more SSRC is
    /// [`Error::TooManyStreams`].
    pub max_streams: usize,
    /// MKI length in bytes: 0 (no MKI, the default) or 1..=4.
    pub mki_len: usize,
    /// After this many SRTP packets under one key, [`SrtpSender::rekey_soon`] turns true:
    /// 1..=2^48, default 2^48 − 2^24.
    pub soft_limit: u64,
    /// Where AES-GCM comes from (default [`Backend::Ring`]); the AES-CM suites do not use it.
    pub backend: Backend,
    /// The rollover counter every new stream starts at (default 0): for a receiver that
    /// joins a stream in the middle, such as a capture that starts late (libsrtp's
    /// `rtp_decoder -r`). [`SrtpSender::set_roc`] / [`SrtpReceiver::set_roc`] set one SSRC's.
    pub initial_roc: Roc,
    /// The ROC carried in band (RFC 4771), off by default. Both ends must agree on it; see
    /// [`Rcc`] for the modes (two of which give up integrity protection) and the suites that
    /// can carry it ([`Error::InvalidConfig`] for the others).
    pub rcc: Option<Rcc>,
    /// Consent to a NULL-cipher suite ([`SrtpSuite::NULL`](crate::SrtpSuite::NULL):
    /// authentication only, the media is **not encrypted**), for tests, measurement and gear
    /// that uses them. Off by default: a context for a NULL-cipher key without it is
    /// [`Error::InvalidConfig`]. The handshake and the call session never use these suites.
    pub allow_null_cipher: bool,
    /// Cryptex (RFC 9335), off by default: the sender encrypts the CSRCs and the RFC 8285
    /// header extensions (one- and two-byte) with the payload, marking them `0xC0DE` /
    /// `0xC2DE`, and adds an empty extension to a packet with CSRCs only
    /// ([`CRYPTEX_OVERHEAD`] bytes more); the receiver decrypts packets so marked and takes
    /// the others as usual. Not with [`SrtpConfig::rcc`] or a NULL-cipher suite
    /// ([`Error::InvalidConfig`]).
    pub cryptex: bool,
    /// RFC 6904: the RFC 8285 header extension IDs whose data is encrypted (none by default),
    /// with a key and salt of their own. The AES-CM suites only, and not with cryptex or RCC
    /// ([`Error::InvalidConfig`]).
    pub encrypted_extensions: ExtensionIds,
}

impl Default for SrtpConfig {
    fn default() -> Self {
        SrtpConfig {
            replay_window: DEFAULT_REPLAY_WINDOW,
            max_streams: DEFAULT_MAX_STREAMS,
            mki_len: 0,
            soft_limit: DEFAULT_SOFT_LIMIT,
            backend: Backend::Ring,
            initial_roc: Roc(0),
            rcc: None,
            allow_null_cipher: false,
            cryptex: false,
            encrypted_extensions: ExtensionIds::NONE,
        }
    }
}

impl SrtpConfig {
    /// With another replay window.
    pub fn with_replay_window(mut self, packets: u32) -> Self {
        self.replay_window = packets;
        self
    }

    /// With another bound on the SSRCs tracked.
    pub fn with_max_streams(mut self, streams: usize) -> Self {
        self.max_streams = streams;
        self
    }

    /// With another MKI length (0 for none).
    pub fn with_mki_len(mut self, bytes: usize) -> Self {
        self.mki_len = bytes;
        self
    }

    /// With another soft limit.
    pub fn with_soft_limit(mut self, packets: u64) -> Self {
        self.soft_limit = packets;
        self
    }

    /// With another initial rollover counter for new streams.
    pub fn with_initial_roc(mut self, roc: Roc) -> Self {
        self.initial_roc = roc;
        self
    }

    /// With the ROC carried in band: `mode` and R (`rate`).
    pub fn with_rcc(mut self, mode: RccMode, rate: u16) -> Self {
        self.rcc = Some(Rcc { mode, rate });
        self
    }

    /// Allowing a NULL-cipher suite (see [`SrtpConfig::allow_null_cipher`]).
    pub fn with_null_cipher_allowed(mut self) -> Self {
        self.allow_null_cipher = true;
        self
    }

    /// With cryptex (RFC 9335) on or off.
    pub fn with_cryptex(mut self, on: bool) -> Self {
        self.cryptex = on;
        self
    }

    /// With the data of header extension `id` encrypted (RFC 6904).
    pub fn with_encrypted_extension(mut self, id: u8) -> Self {
        self.encrypted_extensions = self.encrypted_extensions.with(id);
        self
    }

    /// With another crypto backend.
    pub fn with_backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Check every field's range; [`Error::UnsupportedBackend`] for a backend this build lacks.
    pub fn validate(&self) -> Result<()> {
        if !self.backend.is_available() {
            return Err(Error::UnsupportedBackend);
        }
        let ok = (MIN_REPLAY_WINDOW..=MAX_REPLAY_WINDOW).contains(&self.replay_window)
            && (1..=MAX_STREAMS).contains(&self.max_streams)
            && self.mki_len <= MAX_MKI_LEN
            && (1..=1u64 << 48).contains(&self.soft_limit);
        if ok {
            Ok(())
        } else {
            Err(Error::InvalidConfig)
        }
    }
}

#[cfg(test)]
mod tests;
