//! The checks and conversions every function of the C ABI goes through.

use crate::result::CallsealResult;
use callseal::{Intent, MediaKind, SframeSuite, SrtpSuite};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

pub(crate) type Res<T> = Result<T, CallsealResult>;

/// Run `f` inside the panic boundary.
pub(crate) fn guard(f: impl FnOnce() -> Res<()>) -> CallsealResult {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => CallsealResult::Ok,
        Ok(Err(e)) => e,
        Err(_) => CallsealResult::Panic,
    }
}

/// A pointer that must not be null.
pub(crate) fn arg<T>(p: *const T) -> Res<*const T> {
    if p.is_null() {
        Err(CallsealResult::InvalidArgument)
    } else {
        Ok(p)
    }
}

/// A length that can describe an object in memory (at most `PTRDIFF_MAX`).
pub(crate) fn len_ok(len: usize) -> Res<usize> {
    if len > isize::MAX as usize {
        Err(CallsealResult::InvalidArgument)
    } else {
        Ok(len)
    }
}

/// The largest RTP or RTCP packet there can be (a UDP datagram's payload), plus room for the
/// SRTP trailer: any longer "packet" is a length out of range.
pub(crate) const MAX_PACKET_LEN: usize = 65_535 + 64;

/// A packet length in range.
pub(crate) fn packet_len_ok(len: usize) -> Res<usize> {
    if len > MAX_PACKET_LEN {
        Err(CallsealResult::InvalidArgument)
    } else {
        Ok(len)
    }
}

/// `a + b`, or an invalid argument when that overflows or leaves what memory can hold.
pub(crate) fn add(a: usize, b: usize) -> Res<usize> {
    a.checked_add(b)
        .ok_or(CallsealResult::InvalidArgument)
        .and_then(len_ok)
}

/// A byte slice from C; a null pointer is allowed only with length 0.
pub(crate) unsafe fn bytes<'a>(p: *const u8, len: usize) -> Res<&'a [u8]> {
    len_ok(len)?;
    if len == 0 {
        return Ok(&[]);
    }
    arg(p)?;
    // SAFETY: the caller promises `p` points to `len` readable bytes; `len` fits an object.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A mutable byte slice from C, non-null, of the `len` bytes that will be used.
pub(crate) unsafe fn bytes_mut<'a>(p: *mut u8, len: usize) -> Res<&'a mut [u8]> {
    len_ok(len)?;
    arg(p)?;
    // SAFETY: the caller promises `p` points to at least `len` writable bytes it owns.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// Whether the byte ranges `[a, a + a_len)` and `[b, b + b_len)` share a byte.
pub(crate) fn overlap(a: *const u8, a_len: usize, b: *const u8, b_len: usize) -> bool {
    let (a, b) = (a as usize, b as usize);
    a_len != 0 && b_len != 0 && a < b.saturating_add(b_len) && b < a.saturating_add(a_len)
}

/// Write `v` to `out`, checked non-null before.
pub(crate) unsafe fn put<T>(out: *mut T, v: T) {
    // SAFETY: the caller checked `out` with `arg` and the C caller promises it is writable.
    unsafe { out.write(v) };
}

/// The handle behind `h`.
pub(crate) unsafe fn handle<'a, T>(h: *mut T) -> Res<&'a mut T> {
    arg(h)?;
    // SAFETY: a live handle from this library, used by one thread at a time.
    Ok(unsafe { &mut *h })
}

pub(crate) fn boxed<T>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

pub(crate) unsafe fn free<T>(h: *mut T) {
    if !h.is_null() {
        // A panic in a destructor must not unwind into C either.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: a handle from `boxed`, freed once.
            drop(unsafe { Box::from_raw(h) });
        }));
    }
}

pub(crate) fn intent(i: u32) -> Res<Intent> {
    Intent::from_byte(u8::try_from(i).map_err(|_| CallsealResult::InvalidArgument)?)
        .map_err(|_| CallsealResult::InvalidArgument)
}

pub(crate) fn kind(k: u32) -> Res<MediaKind> {
    MediaKind::from_byte(u8::try_from(k).map_err(|_| CallsealResult::InvalidArgument)?)
        .map_err(|_| CallsealResult::InvalidArgument)
}

/// A `CALLSEAL_SRTP_*` number: the DTLS-SRTP protection profile, or callseal's number for an
/// RFC 6188 suite, which has none.
pub(crate) fn srtp_suite(code: u16) -> Res<SrtpSuite> {
    use crate::srtp::*;
    Ok(match code {
        CALLSEAL_SRTP_AES_256_CM_HMAC_SHA1_80 => SrtpSuite::Aes256CmHmacSha1_80,
        CALLSEAL_SRTP_AES_256_CM_HMAC_SHA1_32 => SrtpSuite::Aes256CmHmacSha1_32,
        CALLSEAL_SRTP_AES_192_CM_HMAC_SHA1_80 => SrtpSuite::Aes192CmHmacSha1_80,
        CALLSEAL_SRTP_AES_192_CM_HMAC_SHA1_32 => SrtpSuite::Aes192CmHmacSha1_32,
        id => SrtpSuite::from_id(id).map_err(|_| CallsealResult::UnsupportedSuite)?,
    })
}

pub(crate) fn sframe_suite(id: u16) -> Res<SframeSuite> {
    SframeSuite::from_id(id).map_err(|_| CallsealResult::UnsupportedSuite)
}

pub(crate) fn micros(us: u64) -> Duration {
    Duration::from_micros(us)
}
