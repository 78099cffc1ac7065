//! The error type of group calls: small, typed, without strings.

use core::fmt;

/// What went wrong. Every variant is detail-free so callers can count them; none of the
/// failing operations changes the group or its keys.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// The frame layer refused (unknown KID, replay, authentication, buffer too small, ...).
    Frame(callseal::Error),
    /// Bytes that do not decode as the MLS message expected (key package, commit, welcome).
    Malformed,
    /// A key package that does not verify or does not fit the group (signature, suite,
    /// lifetime, a member already in the group).
    InvalidKeyPackage,
    /// A welcome that does not open: not for this member's key package, tampered, or
    /// inconsistent with the group it describes.
    InvalidWelcome,
    /// A commit that the group refuses: forged, tampered, for another group or epoch, or
    /// replayed.
    InvalidCommit,
    /// A handshake message that is not a commit, nor a member's proposal to leave (other
    /// proposals and application messages are not part of this protocol).
    NotACommit,
    /// This member was removed from the group: it holds no keys any more.
    Removed,
    /// No member sits at that leaf index.
    UnknownMember,
    /// Removing oneself is done by another member's commit.
    RemoveSelf,
    /// The group would exceed [`crate::MAX_MEMBERS`].
    GroupFull,
    /// A frame whose KID names another member (or another stream) than the SSRC that carried
    /// it.
    SenderMismatch,
    /// The MLS epoch no longer fits the frame layer's 32-bit epoch.
    EpochOverflow,
    /// The MLS library failed in a way no input explains (randomness, storage).
    Internal,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Frame(e) => write!(f, "frame layer: {e}"),
            Error::Malformed => f.write_str("malformed MLS message"),
            Error::InvalidKeyPackage => f.write_str("invalid key package"),
            Error::InvalidWelcome => f.write_str("invalid welcome"),
            Error::InvalidCommit => f.write_str("invalid commit"),
            Error::NotACommit => f.write_str("not a commit"),
            Error::Removed => f.write_str("removed from the group"),
            Error::UnknownMember => f.write_str("unknown member"),
            Error::RemoveSelf => f.write_str("a member cannot remove itself"),
            Error::GroupFull => f.write_str("group full"),
            Error::SenderMismatch => f.write_str("frame key id names another sender"),
            Error::EpochOverflow => f.write_str("epoch overflow"),
            Error::Internal => f.write_str("internal MLS failure"),
        }
    }
}

impl std::error::Error for Error {}

impl From<callseal::Error> for Error {
    fn from(e: callseal::Error) -> Self {
        Error::Frame(e)
    }
}

/// The result type of this crate.
pub type Result<T> = core::result::Result<T, Error>;
