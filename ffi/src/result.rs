//! Result codes and their messages.

use callseal::Error;
use std::ffi::{c_char, CStr};

/// The result of every function. Values are stable; new ones are only ever added.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallsealResult {
    /// Success.
    Ok = 0,
    /// A null pointer, an unknown enum value, or a length out of range.
    InvalidArgument = 1,
    /// An output buffer is too small; the needed size was written to the length out-parameter.
    BufferTooSmall = 2,
    /// A tag or MAC did not verify.
    Authentication = 3,
    /// Already received (or, protecting, a sequence number already used).
    Replay = 4,
    /// Older than the replay window.
    TooOld = 5,
    /// No key for this packet or frame.
    UnknownKey = 6,
    /// Bytes that could not be parsed.
    Malformed = 7,
    /// A counter reached its limit: rekey.
    LimitReached = 8,
    /// The two sides share no cipher suite.
    NoCommonSuite = 9,
    /// A suite callseal does not know.
    UnsupportedSuite = 10,
    /// The peer sent a low-order X25519 key.
    NonContributory = 11,
    /// One side requires end-to-end encryption and the other has it off: the call fails.
    E2eeRequired = 12,
    /// A function called in the wrong state (a handshake step twice, a rekey of a standard
    /// call).
    WrongState = 13,
    /// The feature is unavailable in an end-to-end encrypted call.
    FeatureUnavailable = 14,
    /// A key or salt of the wrong length.
    InvalidKeyLength = 15,
    /// Too many streams (SSRCs) for one context.
    TooManyStreams = 16,
    /// The policy store could not be read.
    PolicyStore = 17,
    /// The operating system gave no randomness.
    Random = 18,
    /// A panic was caught at the boundary (a bug in callseal).
    Panic = 19,
    /// Refused: it would reuse a key's nonces or replay window (a second SFrame sender for one
    /// key and KID, a removed KID or SSRC used again under the same key).
    KeyReuse = 20,
    /// The frame is larger than the call carries (`callseal_call_max_frame_len`).
    FrameTooLarge = 21,
}

impl From<Error> for CallsealResult {
    fn from(e: Error) -> Self {
        match e {
            Error::Authentication => CallsealResult::Authentication,
            Error::Replay => CallsealResult::Replay,
            Error::TooOld => CallsealResult::TooOld,
            Error::UnknownKey => CallsealResult::UnknownKey,
            Error::BufferTooSmall { .. } => CallsealResult::BufferTooSmall,
            Error::Malformed(_) => CallsealResult::Malformed,
            Error::LimitReached | Error::KeyExpired => CallsealResult::LimitReached,
            Error::InvalidKeyLength => CallsealResult::InvalidKeyLength,
            Error::InvalidConfig => CallsealResult::InvalidArgument,
            Error::NoCommonSuite => CallsealResult::NoCommonSuite,
            Error::UnsupportedSuite => CallsealResult::UnsupportedSuite,
            Error::NonContributory => CallsealResult::NonContributory,
            Error::E2eeRequired => CallsealResult::E2eeRequired,
            Error::HandshakeState | Error::NotEndToEnd => CallsealResult::WrongState,
            Error::FeatureUnavailable(_) => CallsealResult::FeatureUnavailable,
            Error::TooManyStreams => CallsealResult::TooManyStreams,
            Error::KeyReuse => CallsealResult::KeyReuse,
            Error::FrameTooLarge { .. } => CallsealResult::FrameTooLarge,
            Error::StreamStarted | Error::CounterBackwards | Error::RemoveActiveKey => {
                CallsealResult::WrongState
            }
            Error::SuiteMismatch => CallsealResult::UnsupportedSuite,
            // Duplicate SSRC, MKI or KID, a full key store, an MKI that does not fit, a stale
            // epoch, missing hop keys, an unknown name or backend, and any later error.
            _ => CallsealResult::InvalidArgument,
        }
    }
}

/// A static, NUL-terminated message for a result code. Takes any integer: a value that is no
/// `CALLSEAL_RESULT_*` gets a message saying so.
#[no_mangle]
pub extern "C" fn callseal_result_message(code: i32) -> *const c_char {
    let s: &'static CStr = match code {
        0 => c"ok",
        1 => c"invalid argument (null pointer, unknown value or length out of range)",
        2 => c"buffer too small (the needed size was reported)",
        3 => c"authentication failed",
        4 => c"replayed packet or frame (or a sequence number already protected)",
        5 => c"packet or frame older than the replay window",
        6 => c"unknown or retired key",
        7 => c"malformed input",
        8 => c"counter limit reached: rekey required",
        9 => c"no cipher suite in common",
        10 => c"unsupported cipher suite",
        11 => c"non-contributory X25519 result",
        12 => c"end-to-end encryption required but the other side has it off",
        13 => c"called in the wrong state",
        14 => c"feature unavailable in an end-to-end encrypted call",
        15 => c"key or salt length does not match the suite",
        16 => c"too many streams for this context",
        17 => c"the policy store could not be read",
        18 => c"no randomness from the operating system",
        19 => c"internal error (panic caught at the C boundary)",
        20 => c"refused: it would reuse a key's nonces or replay window",
        21 => c"frame larger than the call carries",
        _ => c"unknown result code",
    };
    s.as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_a_message_and_any_integer_is_safe() {
        let unknown = unsafe { CStr::from_ptr(callseal_result_message(1000)) };
        assert_eq!(unknown.to_str().unwrap(), "unknown result code");
        for code in [-1, i32::MIN, i32::MAX, 22, 1000] {
            let m = unsafe { CStr::from_ptr(callseal_result_message(code)) };
            assert_eq!(m, unknown, "{code}");
        }
        for code in 0..=21 {
            let m = unsafe { CStr::from_ptr(callseal_result_message(code)) };
            assert!(!m.to_bytes().is_empty() && m != unknown, "{code}");
        }
        assert_eq!(
            CallsealResult::FrameTooLarge as i32,
            21,
            "values are stable and dense"
        );
    }
}
