//! The handshake: Offer, Answer, Confirm, and the completed handshake with its security code.

use crate::result::CallsealResult;
use crate::util::{arg, boxed, bytes, bytes_mut, free, guard, handle, intent, len_ok, put};
use callseal::handshake::{Callee, Caller, Established, HandshakeConfig};
use std::ffi::c_char;

/// Intent: end-to-end encryption off.
pub const CALLSEAL_INTENT_OFF: u32 = 0;
/// Intent: on (used when the other side has it on too).
pub const CALLSEAL_INTENT_ON: u32 = 1;
/// Intent: required (the call fails rather than run without it).
pub const CALLSEAL_INTENT_REQUIRED: u32 = 2;
/// The longest Offer.
pub const CALLSEAL_OFFER_MAX_LEN: usize = 101;
/// The Answer's length.
pub const CALLSEAL_ANSWER_LEN: usize = 71;
/// The Confirm's length.
pub const CALLSEAL_CONFIRM_LEN: usize = 34;
/// Bytes a security code needs, with its terminating NUL.
pub const CALLSEAL_SECURITY_CODE_LEN: usize = 24;

/// The caller's side of a handshake.
pub struct CallsealCaller(Caller);
/// The callee's side of a handshake.
pub struct CallsealCallee(Callee);
/// A completed handshake.
pub struct CallsealEstablished(pub(crate) Option<Established>);

/// Start a call as the caller (`intent_value` one of `CALLSEAL_INTENT_*`): writes the Offer
/// to `offer_out` and its length to `*offer_len`, and makes `*caller_out`. `offer_out` must
/// have room for `CALLSEAL_OFFER_MAX_LEN` bytes (else `CALLSEAL_RESULT_BUFFER_TOO_SMALL`, with
/// that maximum as the needed size: the exact length is known only once the Offer is made).
/// `context` binds the call (call id, both user ids), at most 65,535 bytes.
#[no_mangle]
pub unsafe extern "C" fn callseal_caller_offer(
    intent_value: u32,
    context: *const u8,
    context_len: usize,
    offer_out: *mut u8,
    offer_cap: usize,
    offer_len: *mut usize,
    caller_out: *mut *mut CallsealCaller,
) -> CallsealResult {
    guard(|| {
        let ctx = unsafe { bytes(context, context_len) }?;
        arg(offer_len)?;
        arg(caller_out)?;
        len_ok(offer_cap)?;
        let cfg = HandshakeConfig::new(intent(intent_value)?);
        if offer_cap < CALLSEAL_OFFER_MAX_LEN {
            // The exact length is known only once the Offer is made; nothing is made yet.
            unsafe { put(offer_len, CALLSEAL_OFFER_MAX_LEN) };
            return Err(CallsealResult::BufferTooSmall);
        }
        arg(offer_out)?;
        let (caller, offer) = Caller::offer(&cfg, ctx)?;
        let out = unsafe { bytes_mut(offer_out, offer.len()) }?;
        out.copy_from_slice(&offer);
        unsafe {
            put(offer_len, offer.len());
            put(caller_out, boxed(CallsealCaller(caller)));
        }
        Ok(())
    })
}

/// Read the Answer: writes the Confirm (`CALLSEAL_CONFIRM_LEN` bytes) to `confirm_out` and
/// makes `*established_out`. On an error nothing changes and the genuine Answer can still be
/// processed.
#[no_mangle]
pub unsafe extern "C" fn callseal_caller_finish(
    caller: *mut CallsealCaller,
    answer: *const u8,
    answer_len: usize,
    confirm_out: *mut u8,
    confirm_cap: usize,
    confirm_len: *mut usize,
    established_out: *mut *mut CallsealEstablished,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(caller) }?;
        let a = unsafe { bytes(answer, answer_len) }?;
        arg(established_out)?;
        arg(confirm_len)?;
        len_ok(confirm_cap)?;
        if confirm_cap < CALLSEAL_CONFIRM_LEN {
            unsafe { put(confirm_len, CALLSEAL_CONFIRM_LEN) };
            return Err(CallsealResult::BufferTooSmall);
        }
        arg(confirm_out)?;
        let (confirm, est) = c.0.finish(a)?;
        let out = unsafe { bytes_mut(confirm_out, confirm.len()) }?;
        out.copy_from_slice(&confirm);
        unsafe {
            put(confirm_len, confirm.len());
            put(established_out, boxed(CallsealEstablished(Some(est))));
        }
        Ok(())
    })
}

/// Free a caller handle (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_caller_free(caller: *mut CallsealCaller) {
    unsafe { free(caller) }
}

/// Read the Offer as the callee: writes the Answer (`CALLSEAL_ANSWER_LEN` bytes) to
/// `answer_out` and makes `*callee_out`.
#[no_mangle]
pub unsafe extern "C" fn callseal_callee_accept(
    intent_value: u32,
    context: *const u8,
    context_len: usize,
    offer: *const u8,
    offer_len: usize,
    answer_out: *mut u8,
    answer_cap: usize,
    answer_len: *mut usize,
    callee_out: *mut *mut CallsealCallee,
) -> CallsealResult {
    guard(|| {
        let ctx = unsafe { bytes(context, context_len) }?;
        let o = unsafe { bytes(offer, offer_len) }?;
        arg(callee_out)?;
        arg(answer_len)?;
        len_ok(answer_cap)?;
        let cfg = HandshakeConfig::new(intent(intent_value)?);
        if answer_cap < CALLSEAL_ANSWER_LEN {
            unsafe { put(answer_len, CALLSEAL_ANSWER_LEN) };
            return Err(CallsealResult::BufferTooSmall);
        }
        arg(answer_out)?;
        let (callee, answer) = Callee::accept(&cfg, ctx, o)?;
        let out = unsafe { bytes_mut(answer_out, answer.len()) }?;
        out.copy_from_slice(&answer);
        unsafe {
            put(answer_len, answer.len());
            put(callee_out, boxed(CallsealCallee(callee)));
        }
        Ok(())
    })
}

/// Read the Confirm: makes `*established_out`. On an error nothing changes.
#[no_mangle]
pub unsafe extern "C" fn callseal_callee_confirm(
    callee: *mut CallsealCallee,
    confirm: *const u8,
    confirm_len: usize,
    established_out: *mut *mut CallsealEstablished,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(callee) }?;
        let m = unsafe { bytes(confirm, confirm_len) }?;
        arg(established_out)?;
        let est = c.0.confirm(m)?;
        unsafe { put(established_out, boxed(CallsealEstablished(Some(est)))) };
        Ok(())
    })
}

/// Free a callee handle (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_callee_free(callee: *mut CallsealCallee) {
    unsafe { free(callee) }
}

/// Whether the call is end-to-end encrypted: writes 1 or 0 to `*out`.
#[no_mangle]
pub unsafe extern "C" fn callseal_established_is_end_to_end(
    est: *const CallsealEstablished,
    out: *mut i32,
) -> CallsealResult {
    guard(|| {
        let e = unsafe { handle(est.cast_mut()) }?;
        arg(out)?;
        let e = e.0.as_ref().ok_or(CallsealResult::WrongState)?;
        unsafe { put(out, i32::from(e.is_end_to_end())) };
        Ok(())
    })
}

/// The security code, NUL-terminated, into `out` (`cap` at least `CALLSEAL_SECURITY_CODE_LEN`,
/// else `CALLSEAL_RESULT_BUFFER_TOO_SMALL`; the size needed is that constant, so there is no
/// length out-parameter). A standard call has none: `CALLSEAL_RESULT_WRONG_STATE`.
#[no_mangle]
pub unsafe extern "C" fn callseal_established_security_code(
    est: *const CallsealEstablished,
    out: *mut c_char,
    cap: usize,
) -> CallsealResult {
    guard(|| {
        let e = unsafe { handle(est.cast_mut()) }?;
        arg(out)?;
        len_ok(cap)?;
        let e = e.0.as_ref().ok_or(CallsealResult::WrongState)?;
        let code = e.security_code().ok_or(CallsealResult::WrongState)?;
        if cap < CALLSEAL_SECURITY_CODE_LEN {
            return Err(CallsealResult::BufferTooSmall);
        }
        let buf = unsafe { bytes_mut(out.cast(), CALLSEAL_SECURITY_CODE_LEN) }?;
        buf[..23].copy_from_slice(code.as_str().as_bytes());
        buf[23] = 0;
        Ok(())
    })
}

/// Free a completed handshake (null is a no-op); its keys are zeroized.
#[no_mangle]
pub unsafe extern "C" fn callseal_established_free(est: *mut CallsealEstablished) {
    unsafe { free(est) }
}
