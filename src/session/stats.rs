//! What a call counts: per stream, and what could not be tied to a stream.

use crate::error::Error;

/// Packets and frames rejected on a receive stream, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejected {
    /// The tag or MAC did not verify.
    pub authentication: u64,
    /// Already received; also a packet still waiting for the rest of its frame when a later
    /// packet with its sequence number takes its place (one of the two is dropped).
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

    pub(crate) fn count(&mut self, e: Error) {
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
#[non_exhaustive]
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
    /// Frames given up with packets missing (newer packets took their place).
    pub frames_incomplete: u64,
}
