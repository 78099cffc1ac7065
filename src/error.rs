//! The one error type of the crate.

use core::fmt;

/// Every way a callseal operation can fail.
///
/// The variants carry no strings and no secret-dependent detail. Authentication failures are a
/// single detail-free [`Error::Authentication`]; replay, too-old, unknown-key and
/// buffer-too-small stay distinct so callers can count them.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Error {
    /// An authentication tag or MAC did not verify. Deliberately carries no detail.
    Authentication,
    /// The packet or frame was already received (it is inside the replay window).
    Replay,
    /// The packet or frame is older than the replay window reaches.
    TooOld,
    /// No key is known for this SSRC, key id or epoch (never installed, or already retired).
    UnknownKey,
    /// The caller's buffer is too small; `needed` is the total length it must have.
    BufferTooSmall {
        /// Bytes the buffer must hold for the operation to succeed.
        needed: usize,
    },
    /// Input bytes could not be parsed.
    Malformed(Malformed),
    /// A counter (packet index, frame counter, SRTCP index) has reached its limit: rekey.
    LimitReached,
    /// The SRTP master key has protected as many packets as its lifetime allows
    /// ([`SrtpMasterKey::with_lifetime`](crate::SrtpMasterKey::with_lifetime)): rekey.
    KeyExpired,
    /// An all-zero key where one is refused: the NULL-cipher SRTP suites, whose
    /// authentication key is all the protection there is.
    WeakKey,
    /// A key or salt of the wrong length for the suite.
    InvalidKeyLength,
    /// A configuration value is out of its documented range (see the `validate` method of
    /// each configuration).
    InvalidConfig,
    /// A name that callseal does not know (of a layer setting, an intent, a call kind, a media
    /// kind, …), given to `FromStr`.
    UnknownName,
    /// A key for another cipher suite than the context's (an SRTP master key, or call keys
    /// negotiated for another SFrame suite).
    SuiteMismatch,
    /// An SRTP operation for contexts with MKI on one without (or the other way round): a
    /// rekey or a single key on a context with MKI, `add_key` on one without.
    MkiMismatch,
    /// An MKI value that does not fit in the context's `mki_len` bytes.
    MkiTooLong,
    /// An SRTP key with an MKI the context already holds.
    DuplicateMki,
    /// An SFrame key with a KID the receiver already holds (re-keying a KID would reset its
    /// replay window).
    DuplicateKid,
    /// The key store is full (16 SRTP keys with MKI; `SframeConfig::max_keys` SFrame keys).
    TooManyKeys,
    /// The SRTP sender's active key cannot be removed: make another key active first.
    RemoveActiveKey,
    /// An SFrame key of an epoch older than the receiver's current one.
    StaleEpoch,
    /// The stream already carried a packet: its rollover counter can no longer be set.
    StreamStarted,
    /// The SFrame counter can only move forward.
    CounterBackwards,
    /// The call needs hop-by-hop SRTP keys (a standard call, or SFrame inside SRTP) and got
    /// none.
    MissingPacketKeys,
    /// The two sides share no cipher suite for one of the layers.
    NoCommonSuite,
    /// A cipher suite name or identifier that callseal does not know.
    UnsupportedSuite,
    /// The X25519 result was all zeros: the peer sent a low-order public key.
    NonContributory,
    /// One side requires end-to-end encryption and the other has it off: the call must fail
    /// rather than downgrade.
    E2eeRequired,
    /// This side's post-quantum setting is `required` and the peer sent a version-1 (X25519
    /// only) Offer or Answer: the call must fail rather than downgrade.
    PostQuantumRequired,
    /// A handshake step was called in the wrong state (for example twice).
    HandshakeState,
    /// A context already tracks as many streams (SSRCs) as it was configured for.
    TooManyStreams,
    /// The feature is unavailable in this call (see [`crate::Feature`]).
    FeatureUnavailable(crate::Feature),
    /// The operation would restart a nonce sequence or a replay window under a key already
    /// used: an SSRC removed from an SRTP context while a key it used is still held, a KID
    /// removed from an SFrame receiver, or a second SFrame sender for a KID and base key.
    KeyReuse,
    /// The operation needs an end-to-end encrypted call (a rekey of a standard call).
    NotEndToEnd,
    /// The frame is larger than the call carries (`CallConfig::max_frame`): the receiver could
    /// never reassemble it.
    FrameTooLarge {
        /// The largest frame the call carries.
        max: usize,
    },
    /// Two streams of a call were given the same SSRC.
    DuplicateSsrc,
    /// The operating system's random source failed (the handshake needs 32 random bytes).
    RandomUnavailable,
    /// A crypto backend this build does not have (see [`crate::crypto::Backend`]).
    UnsupportedBackend,
    /// An SDP `a=crypto` line (RFC 4568) that could not be read: which part is wrong.
    Sdes(crate::keying::SdesPart),
}

/// What was wrong with bytes that could not be parsed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Malformed {
    /// The input ends before a complete header or message.
    Truncated,
    /// The input is longer than the format allows.
    Oversized,
    /// The version field is not one callseal speaks.
    Version,
    /// The message type is not the one expected at this step.
    MessageType,
    /// A field holds a value the format does not allow.
    Field,
    /// A length field disagrees with the bytes present.
    Length,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Authentication => f.write_str("authentication failed"),
            Error::Replay => f.write_str("replayed packet or frame"),
            Error::TooOld => f.write_str("packet or frame older than the replay window"),
            Error::UnknownKey => f.write_str("unknown or retired key"),
            Error::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            Error::Malformed(m) => write!(f, "malformed input: {m}"),
            Error::LimitReached => f.write_str("counter limit reached: rekey required"),
            Error::KeyExpired => f.write_str("the key's lifetime is used up: rekey required"),
            Error::WeakKey => f.write_str("all-zero key refused for this suite"),
            Error::InvalidKeyLength => f.write_str("key or salt length does not match the suite"),
            Error::InvalidConfig => f.write_str("configuration value out of range"),
            Error::UnknownName => f.write_str("unknown name"),
            Error::SuiteMismatch => f.write_str("key for another cipher suite than the context's"),
            Error::MkiMismatch => f.write_str(
                "operation for SRTP contexts with MKI on one without, or the other way round",
            ),
            Error::MkiTooLong => f.write_str("MKI value does not fit in the MKI length"),
            Error::DuplicateMki => f.write_str("a key with this MKI is already held"),
            Error::DuplicateKid => f.write_str("a key with this KID is already held"),
            Error::TooManyKeys => f.write_str("key store full"),
            Error::RemoveActiveKey => f.write_str("the active key cannot be removed"),
            Error::StaleEpoch => f.write_str("key of an epoch older than the current one"),
            Error::StreamStarted => {
                f.write_str("the stream already carried a packet: its ROC is set")
            }
            Error::CounterBackwards => f.write_str("the frame counter only moves forward"),
            Error::MissingPacketKeys => f.write_str("this call needs hop-by-hop SRTP keys"),
            Error::NoCommonSuite => f.write_str("no cipher suite in common"),
            Error::UnsupportedSuite => f.write_str("unsupported cipher suite"),
            Error::NonContributory => f.write_str("non-contributory X25519 result"),
            Error::E2eeRequired => {
                f.write_str("end-to-end encryption required but the other side has it off")
            }
            Error::PostQuantumRequired => f.write_str(
                "post-quantum key agreement required but the other side sent version 1",
            ),
            Error::HandshakeState => f.write_str("handshake step called in the wrong state"),
            Error::TooManyStreams => f.write_str("too many streams (SSRCs) for this context"),
            Error::FeatureUnavailable(feat) => {
                write!(
                    f,
                    "{} is unavailable in an end-to-end encrypted call",
                    feat.name()
                )
            }
            Error::KeyReuse => f.write_str(
                "refused: this would reuse a key's nonces or replay window (a removed SSRC or KID, or a second sender for one key)",
            ),
            Error::NotEndToEnd => f.write_str("only an end-to-end encrypted call can do this"),
            Error::FrameTooLarge { max } => {
                write!(f, "frame larger than the call carries ({max} bytes at most)")
            }
            Error::DuplicateSsrc => f.write_str("two streams of the call have the same SSRC"),
            Error::RandomUnavailable => f.write_str("the system's random source failed"),
            Error::UnsupportedBackend => {
                f.write_str("crypto backend not built in (enable its cargo feature)")
            }
            Error::Sdes(part) => write!(f, "malformed a=crypto line: {part}"),
        }
    }
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Malformed::Truncated => "truncated",
            Malformed::Oversized => "oversized",
            Malformed::Version => "unsupported version",
            Malformed::MessageType => "unexpected message type",
            Malformed::Field => "invalid field value",
            Malformed::Length => "length field mismatch",
        })
    }
}

impl std::error::Error for Error {}

impl From<Malformed> for Error {
    fn from(m: Malformed) -> Self {
        Error::Malformed(m)
    }
}

/// The crate's result type.
pub type Result<T> = core::result::Result<T, Error>;
