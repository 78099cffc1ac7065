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
mod keys;
mod messages;
mod outcome;

pub use callee::Callee;
pub use caller::Caller;
pub use code::SecurityCode;
pub use messages::MAX_SUITES;
pub use outcome::{Established, Outcome};

use crate::error::{Error, Result};
use crate::types::{Intent, SframeSuite, SrtpSuite};

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
}

impl HandshakeConfig {
    /// Every suite of both layers the handshake negotiates, in callseal's default preference
    /// order (AES-GCM first): [`SrtpSuite::HANDSHAKE`] and [`SframeSuite::ALL`].
    pub fn new(intent: Intent) -> Self {
        HandshakeConfig {
            intent,
            srtp_suites: SrtpSuite::HANDSHAKE.to_vec(),
            sframe_suites: SframeSuite::ALL.to_vec(),
        }
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
