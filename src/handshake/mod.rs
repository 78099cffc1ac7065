//! The handshake: three messages over the application's own signaling channel.
//!
//! ```text
//! Caller::offer   ── Offer ──►   Callee::accept
//! Caller::finish  ◄── Answer ──
//!                 ── Confirm ──► Callee::confirm
//! ```
//!
//! Each side sends a fresh ephemeral X25519 public key; the transcript hash
//! `TH = SHA-256(u32be(len(context)) ‖ context ‖ Offer ‖ AnswerBody)` binds the application's
//! call context, both keys, both intents and the negotiated suites. Both sides prove they saw the
//! same transcript and computed the same X25519 result with an HMAC-SHA256 over TH, the callee in
//! the Answer, the caller in the Confirm. Keys are released only after the peer's MAC verified.
//! The byte layout is in `docs/PROTOCOL.md`.
//!
//! A failed step (malformed, forged or unexpected message) returns a typed error and leaves the
//! handshake exactly as it was, so a forged message injected by an attacker does not kill the
//! handshake: the genuine message can still be processed.
//!
//! ```
//! use callseal::handshake::{Callee, Caller, HandshakeConfig};
//! use callseal::Intent;
//! let context = b"call-id 42 | alice@example.com | bob@example.com";
//! let (mut caller, offer) =
//!     Caller::offer(&HandshakeConfig::new(Intent::On), context)?;
//! let (mut callee, answer) =
//!     Callee::accept(&HandshakeConfig::new(Intent::On), context, &offer)?;
//! let (confirm, at_caller) = caller.finish(&answer)?;
//! let at_callee = callee.confirm(&confirm)?;
//! assert!(at_caller.is_end_to_end());
//! assert_eq!(at_caller.security_code(), at_callee.security_code());
//! println!("security code: {}", at_caller.security_code().unwrap());
//! # Ok::<(), callseal::Error>(())
//! ```

mod callee;
mod caller;
mod code;
mod continuity;
mod kem;
mod keys;
mod messages;
mod outcome;
mod random;

pub use crate::schedule::Version;
pub use callee::Callee;
pub use caller::Caller;
pub use code::SecurityCode;
pub use continuity::{ContinuityStatus, Retained};
pub use messages::MAX_SUITES;
pub use outcome::{Established, Outcome};
pub use random::{CalleeRandom, CallerRandom};

use crate::error::{Error, Result};
use crate::types::{Intent, SframeSuite, SrtpSuite};
use core::fmt;
use core::str::FromStr;

/// Whether a side uses the hybrid post-quantum handshake (version 2: X25519 and ML-KEM-768).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PostQuantum {
    /// A caller sends version 1. A callee answers in the version of the Offer it received.
    #[default]
    Off,
    /// A caller sends version 2. A callee answers in the version of the Offer it received.
    On,
    /// As `On`, and a version-1 Offer or Answer is refused with
    /// [`Error::PostQuantumRequired`]: never a downgrade to X25519 alone.
    Required,
}

impl PostQuantum {
    /// `off`, `on` or `required`.
    pub fn name(self) -> &'static str {
        match self {
            PostQuantum::Off => "off",
            PostQuantum::On => "on",
            PostQuantum::Required => "required",
        }
    }

    /// The version a caller with this setting sends.
    fn offer_version(self) -> Version {
        match self {
            PostQuantum::Off => Version::V1,
            PostQuantum::On | PostQuantum::Required => Version::V2,
        }
    }

    /// Whether a message of `version` from the peer is acceptable.
    fn accepts(self, version: Version) -> Result<()> {
        if self == PostQuantum::Required && version == Version::V1 {
            Err(Error::PostQuantumRequired)
        } else {
            Ok(())
        }
    }
}

impl fmt::Display for PostQuantum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PostQuantum {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "off" => Ok(PostQuantum::Off),
            "on" => Ok(PostQuantum::On),
            "required" => Ok(PostQuantum::Required),
            _ => Err(Error::UnknownName),
        }
    }
}

/// The longest context the application may bind.
pub const MAX_CONTEXT_LEN: usize = 65_535;

/// One side's handshake settings: its E2EE intent and the suites it accepts, in preference
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandshakeConfig {
    /// This user's intent (from the policy's effective setting).
    pub intent: Intent,
    /// SRTP suites, most preferred first.
    pub srtp_suites: Vec<SrtpSuite>,
    /// SFrame suites, most preferred first.
    pub sframe_suites: Vec<SframeSuite>,
    /// The post-quantum setting: which version a caller sends, and whether version 1 is
    /// refused. `Off` by default, so that version-1 peers keep working.
    pub post_quantum: PostQuantum,
}

impl HandshakeConfig {
    /// Every suite of both layers the handshake negotiates, in callseal's default preference
    /// order (AES-GCM first): [`SrtpSuite::HANDSHAKE`] and [`SframeSuite::ALL`].
    pub fn new(intent: Intent) -> Self {
        HandshakeConfig {
            intent,
            srtp_suites: SrtpSuite::HANDSHAKE.to_vec(),
            sframe_suites: SframeSuite::ALL.to_vec(),
            post_quantum: PostQuantum::Off,
        }
    }

    /// Replace the post-quantum setting.
    pub fn with_post_quantum(mut self, setting: PostQuantum) -> Self {
        self.post_quantum = setting;
        self
    }

    /// Replace the SRTP suite list.
    pub fn with_srtp_suites(mut self, suites: &[SrtpSuite]) -> Self {
        self.srtp_suites = suites.to_vec();
        self
    }

    /// Replace the SFrame suite list.
    pub fn with_sframe_suites(mut self, suites: &[SframeSuite]) -> Self {
        self.sframe_suites = suites.to_vec();
        self
    }

    /// What either side checks before it starts: both suite lists (SRTP suites from
    /// [`SrtpSuite::HANDSHAKE`] only), and the context's length.
    fn validate(&self, context: &[u8]) -> Result<()> {
        fn ok<T: PartialEq>(list: &[T]) -> bool {
            !list.is_empty()
                && list.len() <= MAX_SUITES
                && list.iter().enumerate().all(|(i, s)| !list[..i].contains(s))
        }
        let negotiable = self
            .srtp_suites
            .iter()
            .all(|s| SrtpSuite::HANDSHAKE.contains(s));
        if ok(&self.srtp_suites)
            && negotiable
            && ok(&self.sframe_suites)
            && context.len() <= MAX_CONTEXT_LEN
        {
            Ok(())
        } else {
            Err(Error::InvalidConfig)
        }
    }
}
