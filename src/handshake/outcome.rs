//! What a completed handshake releases: whether the call is end-to-end, and if so the code to
//! compare and the media keys.

use super::continuity::{ContinuityStatus, Retained};
use super::SecurityCode;
use crate::error::{Error, Result};
use crate::schedule::{CallKeys, Version};
use crate::types::{Intent, Role, SframeSuite, SrtpSuite};
use core::fmt;

/// Whether the call is end-to-end, with what it releases.
pub enum Outcome {
    /// Both sides on: end-to-end encryption with the code to compare and the media keys.
    EndToEnd {
        /// The code both users compare.
        security_code: SecurityCode,
        /// The epoch-0 media keys.
        keys: CallKeys,
    },
    /// At least one side off (and neither required): standard hop-by-hop SRTP with keys the
    /// application supplies. No code and no media keys are released.
    Standard,
}

/// A completed handshake, on either side.
pub struct Established {
    pub(super) version: Version,
    pub(super) continuity: Option<ContinuityStatus>,
    pub(super) verified: bool,
    pub(super) retained: Option<Retained>,
    pub(super) role: Role,
    pub(super) srtp_suite: SrtpSuite,
    pub(super) sframe_suite: SframeSuite,
    pub(super) caller_intent: Intent,
    pub(super) callee_intent: Intent,
    pub(super) transcript_hash: [u8; 32],
    pub(super) outcome: Outcome,
}

impl Established {
    /// Which end this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The protocol version of the handshake: [`Version::V2`] is the hybrid post-quantum one.
    pub fn version(&self) -> Version {
        self.version
    }

    /// Whether the key agreement included ML-KEM-768 (version 2).
    pub fn is_post_quantum(&self) -> bool {
        self.version == Version::V2
    }

    /// The continuity outcome (version 2; `None` in version 1), the same on both sides and
    /// authenticated by the MACs. Show [`ContinuityStatus::Mismatch`] loudly, next to the
    /// security code.
    pub fn continuity(&self) -> Option<ContinuityStatus> {
        self.continuity
    }

    /// Whether this side's record was marked verified and the call continued it: the users
    /// compared the code on an earlier call of this chain. Always `false` on `new` and
    /// `mismatch`.
    pub fn verified(&self) -> bool {
        self.verified
    }

    /// The record to store for the peer in place of the one given to the handshake (version
    /// 2, end-to-end outcome only; once): the next retained secret as the newest, on
    /// `continued` the matched one as the previous and the verified mark carried. `None` in
    /// version 1, in a standard call, and after it was taken; then keep the old record.
    pub fn take_retained(&mut self) -> Option<Retained> {
        self.retained.take()
    }

    /// The negotiated SRTP suite.
    pub fn srtp_suite(&self) -> SrtpSuite {
        self.srtp_suite
    }

    /// The negotiated SFrame suite.
    pub fn sframe_suite(&self) -> SframeSuite {
        self.sframe_suite
    }

    /// The caller's authenticated intent.
    pub fn caller_intent(&self) -> Intent {
        self.caller_intent
    }

    /// The callee's authenticated intent.
    pub fn callee_intent(&self) -> Intent {
        self.callee_intent
    }

    /// The transcript hash TH (public).
    pub fn transcript_hash(&self) -> &[u8; 32] {
        &self.transcript_hash
    }

    /// Whether the call is end-to-end encrypted.
    pub fn is_end_to_end(&self) -> bool {
        matches!(self.outcome, Outcome::EndToEnd { .. })
    }

    /// The security code, when end-to-end.
    pub fn security_code(&self) -> Option<&SecurityCode> {
        match &self.outcome {
            Outcome::EndToEnd { security_code, .. } => Some(security_code),
            Outcome::Standard => None,
        }
    }

    /// The media keys, when end-to-end.
    pub fn keys(&self) -> Option<&CallKeys> {
        match &self.outcome {
            Outcome::EndToEnd { keys, .. } => Some(keys),
            Outcome::Standard => None,
        }
    }

    /// The outcome, by value.
    pub fn into_outcome(self) -> Outcome {
        self.outcome
    }
}

impl fmt::Debug for Established {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Established")
            .field("version", &self.version)
            .field("role", &self.role)
            .field("srtp_suite", &self.srtp_suite)
            .field("sframe_suite", &self.sframe_suite)
            .field("caller_intent", &self.caller_intent)
            .field("callee_intent", &self.callee_intent)
            .field("end_to_end", &self.is_end_to_end())
            .field("security_code", &self.security_code())
            .field("continuity", &self.continuity)
            .field("verified", &self.verified)
            .finish_non_exhaustive()
    }
}

/// Whether the two intents give an end-to-end call, a standard one, or an error.
pub(super) fn decide_outcome(caller: Intent, callee: Intent) -> Result<bool> {
    match (caller, callee) {
        (Intent::Required, Intent::Off) | (Intent::Off, Intent::Required) => {
            Err(Error::E2eeRequired)
        }
        (Intent::Off, _) | (_, Intent::Off) => Ok(false),
        _ => Ok(true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_table() {
        use Intent::*;
        assert_eq!(decide_outcome(On, On), Ok(true));
        assert_eq!(decide_outcome(Required, On), Ok(true));
        assert_eq!(decide_outcome(Required, Required), Ok(true));
        assert_eq!(decide_outcome(Off, On), Ok(false));
        assert_eq!(decide_outcome(On, Off), Ok(false));
        assert_eq!(decide_outcome(Off, Off), Ok(false));
        assert_eq!(decide_outcome(Required, Off), Err(Error::E2eeRequired));
        assert_eq!(decide_outcome(Off, Required), Err(Error::E2eeRequired));
    }
}
