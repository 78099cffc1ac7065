//! SRTP and SRTCP for pipelines that packetize themselves.

use crate::result::CallsealResult;
use crate::util::{
    add, arg, boxed, bytes, bytes_mut, free, guard, handle, len_ok, packet_len_ok, put, srtp_suite,
    Res,
};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::SrtpMasterKey;

/// SRTP suite (protection profile 1): AES-CM, 128-bit key, 112-bit salt, HMAC-SHA1 80-bit tag.
pub const CALLSEAL_SRTP_AES_CM_128_HMAC_SHA1_80: u16 = 1;
/// SRTP suite (protection profile 2): as profile 1 with a 32-bit SRTP tag.
pub const CALLSEAL_SRTP_AES_CM_128_HMAC_SHA1_32: u16 = 2;
/// SRTP suite (protection profile 7): AEAD_AES_128_GCM, 128-bit key, 96-bit salt.
pub const CALLSEAL_SRTP_AEAD_AES_128_GCM: u16 = 7;
/// SRTP suite (protection profile 8): AEAD_AES_256_GCM, 256-bit key, 96-bit salt.
pub const CALLSEAL_SRTP_AEAD_AES_256_GCM: u16 = 8;
/// SRTP suite AES_256_CM_HMAC_SHA1_80 (RFC 6188): AES-256-CM, 256-bit key, 112-bit salt,
/// HMAC-SHA1 80-bit tag. DTLS-SRTP assigns it no protection profile; 0x0101 is callseal's number.
pub const CALLSEAL_SRTP_AES_256_CM_HMAC_SHA1_80: u16 = 0x0101;
/// SRTP suite AES_256_CM_HMAC_SHA1_32 (RFC 6188): as 0x0101 with a 32-bit SRTP tag.
pub const CALLSEAL_SRTP_AES_256_CM_HMAC_SHA1_32: u16 = 0x0102;
/// SRTP suite AES_192_CM_HMAC_SHA1_80 (RFC 6188): AES-192-CM, 192-bit key, 112-bit salt,
/// HMAC-SHA1 80-bit tag (callseal's number, as 0x0101).
pub const CALLSEAL_SRTP_AES_192_CM_HMAC_SHA1_80: u16 = 0x0103;
/// SRTP suite AES_192_CM_HMAC_SHA1_32 (RFC 6188): as 0x0103 with a 32-bit SRTP tag.
pub const CALLSEAL_SRTP_AES_192_CM_HMAC_SHA1_32: u16 = 0x0104;
/// Master key ‖ master salt of the AES-128-CM suites: 16 + 14 bytes.
pub const CALLSEAL_SRTP_AES_CM_128_KEY_AND_SALT_LEN: usize = 30;
/// Master key ‖ master salt of the AES-256-CM suites: 32 + 14 bytes.
pub const CALLSEAL_SRTP_AES_256_CM_KEY_AND_SALT_LEN: usize = 46;
/// Master key ‖ master salt of the AES-192-CM suites: 24 + 14 bytes.
pub const CALLSEAL_SRTP_AES_192_CM_KEY_AND_SALT_LEN: usize = 38;
/// Master key ‖ master salt of AEAD_AES_128_GCM: 16 + 12 bytes.
pub const CALLSEAL_SRTP_AEAD_AES_128_GCM_KEY_AND_SALT_LEN: usize = 28;
/// Master key ‖ master salt of AEAD_AES_256_GCM: 32 + 12 bytes.
pub const CALLSEAL_SRTP_AEAD_AES_256_GCM_KEY_AND_SALT_LEN: usize = 44;
/// The default replay window, in packets.
pub const CALLSEAL_REPLAY_WINDOW_DEFAULT: u32 = 128;
/// The smallest replay window.
pub const CALLSEAL_REPLAY_WINDOW_MIN: u32 = 64;
/// The largest replay window.
pub const CALLSEAL_REPLAY_WINDOW_MAX: u32 = 32768;

/// An SRTP/SRTCP sender.
pub struct CallsealSrtpSender(SrtpSender);
/// An SRTP/SRTCP receiver.
pub struct CallsealSrtpReceiver(SrtpReceiver);

/// The most bytes SRTP protect adds to an RTP packet of `suite` (`CALLSEAL_SRTP_*`); 0 for an
/// unknown suite.
#[no_mangle]
pub extern "C" fn callseal_srtp_overhead(suite: u16) -> usize {
    srtp_suite(suite).map_or(0, |s| s.srtp_overhead())
}

/// The most bytes SRTCP protect adds to an RTCP packet of `suite`; 0 for an unknown suite.
#[no_mangle]
pub extern "C" fn callseal_srtcp_overhead(suite: u16) -> usize {
    srtp_suite(suite).map_or(0, |s| s.srtcp_overhead())
}

/// The master key length of `suite` in bytes (16, 24 or 32); 0 for an unknown suite.
#[no_mangle]
pub extern "C" fn callseal_srtp_key_len(suite: u16) -> usize {
    srtp_suite(suite).map_or(0, |s| s.key_len())
}

/// The master salt length of `suite` in bytes (14 or 12); 0 for an unknown suite.
#[no_mangle]
pub extern "C" fn callseal_srtp_salt_len(suite: u16) -> usize {
    srtp_suite(suite).map_or(0, |s| s.salt_len())
}

fn master(suite: u16, key_and_salt: &[u8]) -> Res<SrtpMasterKey> {
    Ok(SrtpMasterKey::from_concatenated(
        srtp_suite(suite)?,
        key_and_salt,
    )?)
}

fn config(replay_window: u32) -> Res<SrtpConfig> {
    let c = SrtpConfig::default().with_replay_window(replay_window);
    c.validate().map_err(|_| CallsealResult::InvalidArgument)?;
    Ok(c)
}

/// An SRTP sender for `suite` with master key ‖ master salt (`callseal_srtp_key_len` +
/// `callseal_srtp_salt_len` bytes).
///
/// The sender never protects two packets of one SSRC with the same sequence number and
/// rollover counter (that would repeat the keystream): protecting a sequence number already
/// used is `CALLSEAL_RESULT_REPLAY`, one `CALLSEAL_REPLAY_WINDOW_DEFAULT` (128) or more behind
/// the highest `CALLSEAL_RESULT_TOO_OLD`. Give every packet of a stream the next sequence
/// number. It protects up to 64 SSRCs (`CALLSEAL_RESULT_TOO_MANY_STREAMS` beyond).
///
/// One master key belongs to one sender: two senders given the same key repeat the keystream
/// (and, with AES-GCM, allow forgeries) for every SSRC and sequence number they share, and
/// callseal cannot see that across handles. Keys from DTLS-SRTP or SDES are fresh for every
/// session and direction; use each in one sender. The NULL-cipher profiles (5, 6) are refused
/// with `CALLSEAL_RESULT_INVALID_ARGUMENT`: they do not encrypt.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_sender_new(
    suite: u16,
    key_and_salt: *const u8,
    len: usize,
    out: *mut *mut CallsealSrtpSender,
) -> CallsealResult {
    guard(|| {
        let k = unsafe { bytes(key_and_salt, len) }?;
        arg(out)?;
        let s = SrtpSender::new(&master(suite, k)?, SrtpConfig::default())?;
        unsafe { put(out, boxed(CallsealSrtpSender(s))) };
        Ok(())
    })
}

/// An SRTP receiver for `suite` with master key ‖ master salt, and a replay window of
/// `CALLSEAL_REPLAY_WINDOW_DEFAULT` packets per SSRC.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_receiver_new(
    suite: u16,
    key_and_salt: *const u8,
    len: usize,
    out: *mut *mut CallsealSrtpReceiver,
) -> CallsealResult {
    unsafe {
        callseal_srtp_receiver_new_with_replay_window(
            suite,
            key_and_salt,
            len,
            CALLSEAL_REPLAY_WINDOW_DEFAULT,
            out,
        )
    }
}

/// An SRTP receiver with a replay window of `replay_window` packets per SSRC
/// (`CALLSEAL_REPLAY_WINDOW_MIN` to `CALLSEAL_REPLAY_WINDOW_MAX`).
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_receiver_new_with_replay_window(
    suite: u16,
    key_and_salt: *const u8,
    len: usize,
    replay_window: u32,
    out: *mut *mut CallsealSrtpReceiver,
) -> CallsealResult {
    guard(|| {
        let k = unsafe { bytes(key_and_salt, len) }?;
        arg(out)?;
        let cfg = config(replay_window)?;
        let r = SrtpReceiver::new(&master(suite, k)?, cfg)?;
        unsafe { put(out, boxed(CallsealSrtpReceiver(r))) };
        Ok(())
    })
}

/// Free an SRTP sender (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_sender_free(s: *mut CallsealSrtpSender) {
    unsafe { free(s) }
}

/// Free an SRTP receiver (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_receiver_free(r: *mut CallsealSrtpReceiver) {
    unsafe { free(r) }
}

/// Protect in place: every check first, then only the `len + overhead` bytes are touched.
unsafe fn protect_with(
    buf: *mut u8,
    len: usize,
    cap: usize,
    out_len: *mut usize,
    overhead: usize,
    f: impl FnOnce(&mut [u8], usize) -> callseal::Result<usize>,
) -> Res<()> {
    arg(out_len)?;
    arg(buf)?;
    len_ok(cap)?;
    packet_len_ok(len)?;
    if len > cap {
        return Err(CallsealResult::InvalidArgument);
    }
    let needed = add(len, overhead)?;
    if cap < needed {
        unsafe { put(out_len, needed) };
        return Err(CallsealResult::BufferTooSmall);
    }
    let b = unsafe { bytes_mut(buf, needed) }?;
    let n = f(b, len)?;
    unsafe { put(out_len, n) };
    Ok(())
}

/// Protect the RTP packet `buf[..len]` in place; `buf` has `cap` bytes (at least `len` plus
/// `callseal_srtp_overhead`). Writes the protected length to `*out_len`. A packet is at most
/// 65,599 bytes (a UDP payload and the trailer); a longer `len` is an invalid argument. A sequence number
/// already protected on this SSRC is `CALLSEAL_RESULT_REPLAY`.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_protect_rtp(
    s: *mut CallsealSrtpSender,
    buf: *mut u8,
    len: usize,
    cap: usize,
    out_len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let s = unsafe { handle(s) }?;
        let o = s.0.srtp_overhead();
        unsafe { protect_with(buf, len, cap, out_len, o, |b, l| s.0.protect_rtp(b, l)) }
    })
}

/// Protect the RTCP packet `buf[..len]` in place, as `callseal_srtp_protect_rtp`, with room
/// for `callseal_srtcp_overhead` more bytes.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_protect_rtcp(
    s: *mut CallsealSrtpSender,
    buf: *mut u8,
    len: usize,
    cap: usize,
    out_len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let s = unsafe { handle(s) }?;
        let o = s.0.srtcp_overhead();
        unsafe { protect_with(buf, len, cap, out_len, o, |b, l| s.0.protect_rtcp(b, l)) }
    })
}

/// Unprotect the SRTP packet `buf[..len]` in place; writes the RTP packet's length (it starts
/// at `buf`) to `*out_len`. A rejected packet changes nothing in the receiver, so the genuine
/// packet is still accepted after a forged one. After `CALLSEAL_RESULT_AUTHENTICATION` the
/// AES-GCM suites leave the encrypted payload of `buf` zeroed (the AES-CM suites leave `buf`
/// untouched); other errors never touch `buf`.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_unprotect_rtp(
    r: *mut CallsealSrtpReceiver,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let r = unsafe { handle(r) }?;
        arg(out_len)?;
        let b = unsafe { bytes_mut(buf, packet_len_ok(len)?) }?;
        let n = r.0.unprotect_rtp(b)?.len();
        unsafe { put(out_len, n) };
        Ok(())
    })
}

/// Unprotect the SRTCP packet `buf[..len]` in place, as `callseal_srtp_unprotect_rtp`.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_unprotect_rtcp(
    r: *mut CallsealSrtpReceiver,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let r = unsafe { handle(r) }?;
        arg(out_len)?;
        let b = unsafe { bytes_mut(buf, packet_len_ok(len)?) }?;
        let n = r.0.unprotect_rtcp(b)?.len();
        unsafe { put(out_len, n) };
        Ok(())
    })
}
