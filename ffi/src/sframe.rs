//! SFrame for pipelines that packetize themselves.

use crate::result::CallsealResult;
use crate::srtp::CALLSEAL_REPLAY_WINDOW_DEFAULT;
use crate::util::{
    arg, boxed, bytes, bytes_mut, free, guard, handle, len_ok, overlap, put, sframe_suite,
};
use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, KeyId, SframeSuite};

/// SFrame suite 1: AES_128_CTR_HMAC_SHA256_80.
pub const CALLSEAL_SFRAME_AES_128_CTR_HMAC_SHA256_80: u16 = 1;
/// SFrame suite 2: AES_128_CTR_HMAC_SHA256_64.
pub const CALLSEAL_SFRAME_AES_128_CTR_HMAC_SHA256_64: u16 = 2;
/// SFrame suite 3: AES_128_CTR_HMAC_SHA256_32.
pub const CALLSEAL_SFRAME_AES_128_CTR_HMAC_SHA256_32: u16 = 3;
/// SFrame suite 4: AES_128_GCM_SHA256_128.
pub const CALLSEAL_SFRAME_AES_128_GCM_SHA256_128: u16 = 4;
/// SFrame suite 5: AES_256_GCM_SHA512_128.
pub const CALLSEAL_SFRAME_AES_256_GCM_SHA512_128: u16 = 5;
/// The shortest SFrame base key, in bytes.
pub const CALLSEAL_SFRAME_MIN_BASE_KEY_LEN: usize = 16;
/// The longest SFrame base key, in bytes.
pub const CALLSEAL_SFRAME_MAX_BASE_KEY_LEN: usize = 64;

/// An SFrame sender (one key, one KID).
pub struct CallsealSframeSender(SframeSender);
/// An SFrame receiver (keys by KID).
pub struct CallsealSframeReceiver(SframeReceiver);

/// The most bytes sealing adds to a frame of `suite` (`CALLSEAL_SFRAME_*`); 0 for an unknown
/// suite.
#[no_mangle]
pub extern "C" fn callseal_sframe_overhead(suite: u16) -> usize {
    SframeSuite::from_id(suite).map_or(0, |s| s.max_overhead())
}

/// An SFrame sender for `suite`, key id `kid` and a base key of
/// `CALLSEAL_SFRAME_MIN_BASE_KEY_LEN` to `CALLSEAL_SFRAME_MAX_BASE_KEY_LEN` bytes.
///
/// A process builds at most one sender for a suite, KID and base key: another one would start
/// its counter at 0 again and repeat every nonce. It is refused with
/// `CALLSEAL_RESULT_KEY_REUSE`, even after the first was freed. Use a fresh base key (or KID)
/// for a new sender.
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_sender_new(
    suite: u16,
    kid: u64,
    base_key: *const u8,
    base_key_len: usize,
    out: *mut *mut CallsealSframeSender,
) -> CallsealResult {
    guard(|| {
        let k = unsafe { bytes(base_key, base_key_len) }?;
        arg(out)?;
        let cfg = SframeConfig::new(sframe_suite(suite)?);
        let s = SframeSender::new(&cfg, KeyId(kid), k)?;
        unsafe { put(out, boxed(CallsealSframeSender(s))) };
        Ok(())
    })
}

/// Seal `frame` into `out` (capacity `cap`, at least the frame plus `callseal_sframe_overhead`);
/// writes the sealed length to `*out_len`. `frame` and `out` must not overlap
/// (`CALLSEAL_RESULT_INVALID_ARGUMENT`).
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_seal(
    s: *mut CallsealSframeSender,
    frame: *const u8,
    frame_len: usize,
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let s = unsafe { handle(s) }?;
        let f = unsafe { bytes(frame, frame_len) }?;
        arg(out_len)?;
        arg(out)?;
        len_ok(cap)?;
        let needed = s.0.sealed_len(frame_len);
        len_ok(needed)?;
        if cap < needed {
            unsafe { put(out_len, needed) };
            return Err(CallsealResult::BufferTooSmall);
        }
        if overlap(frame, frame_len, out, needed) {
            return Err(CallsealResult::InvalidArgument);
        }
        let o = unsafe { bytes_mut(out, needed) }?;
        let n = s.0.seal_into(f, o, FrameOptions::NONE)?;
        unsafe { put(out_len, n) };
        Ok(())
    })
}

/// Free an SFrame sender (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_sender_free(s: *mut CallsealSframeSender) {
    unsafe { free(s) }
}

/// An empty SFrame receiver for `suite`, with a replay window of
/// `CALLSEAL_REPLAY_WINDOW_DEFAULT` frames per KID.
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_receiver_new(
    suite: u16,
    out: *mut *mut CallsealSframeReceiver,
) -> CallsealResult {
    unsafe {
        callseal_sframe_receiver_new_with_replay_window(suite, CALLSEAL_REPLAY_WINDOW_DEFAULT, out)
    }
}

/// An empty SFrame receiver with a replay window of `replay_window` frames per KID
/// (`CALLSEAL_REPLAY_WINDOW_MIN` to `CALLSEAL_REPLAY_WINDOW_MAX`).
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_receiver_new_with_replay_window(
    suite: u16,
    replay_window: u32,
    out: *mut *mut CallsealSframeReceiver,
) -> CallsealResult {
    guard(|| {
        arg(out)?;
        let cfg = SframeConfig::new(sframe_suite(suite)?).with_replay_window(replay_window);
        cfg.validate()
            .map_err(|_| CallsealResult::InvalidArgument)?;
        let r = SframeReceiver::new(cfg)?;
        unsafe { put(out, boxed(CallsealSframeReceiver(r))) };
        Ok(())
    })
}

/// Install the base key of `kid` (`CALLSEAL_SFRAME_MIN_BASE_KEY_LEN` to
/// `CALLSEAL_SFRAME_MAX_BASE_KEY_LEN` bytes), which belongs to `epoch`.
///
/// Refused: a KID removed before (`CALLSEAL_RESULT_KEY_REUSE`: its replay window would start
/// over); with `CALLSEAL_RESULT_INVALID_ARGUMENT`, a KID already installed, a full store (16
/// keys), or an epoch older than the newest one a frame was opened with.
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_receiver_add_key(
    r: *mut CallsealSframeReceiver,
    kid: u64,
    epoch: u32,
    base_key: *const u8,
    base_key_len: usize,
) -> CallsealResult {
    guard(|| {
        let r = unsafe { handle(r) }?;
        let k = unsafe { bytes(base_key, base_key_len) }?;
        Ok(r.0.install_key(KeyId(kid), Epoch(epoch), k)?)
    })
}

/// Remove and zeroize the key of `kid` (`CALLSEAL_RESULT_UNKNOWN_KEY` if there is none). The
/// KID can never be installed in this receiver again.
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_receiver_remove_key(
    r: *mut CallsealSframeReceiver,
    kid: u64,
) -> CallsealResult {
    guard(|| {
        let r = unsafe { handle(r) }?;
        if r.0.remove_key(KeyId(kid)) {
            Ok(())
        } else {
            Err(CallsealResult::UnknownKey)
        }
    })
}

/// Open the sealed frame `buf[..len]` in place: the frame is `buf[*offset .. *offset +
/// *frame_len]`. A rejected frame changes nothing in the receiver; after
/// `CALLSEAL_RESULT_AUTHENTICATION` the AES-GCM suites (4, 5) leave the ciphertext bytes of
/// `buf` zeroed (the AES-CTR-HMAC suites leave `buf` untouched), so keep a copy to retry.
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_open(
    r: *mut CallsealSframeReceiver,
    buf: *mut u8,
    len: usize,
    offset: *mut usize,
    frame_len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let r = unsafe { handle(r) }?;
        arg(offset)?;
        arg(frame_len)?;
        let b = unsafe { bytes_mut(buf, len) }?;
        let base = b.as_ptr() as usize;
        let plain = r.0.open(b, FrameOptions::NONE)?;
        let (at, n) = (plain.as_ptr() as usize - base, plain.len());
        unsafe {
            put(offset, at);
            put(frame_len, n);
        }
        Ok(())
    })
}

/// Free an SFrame receiver (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_receiver_free(r: *mut CallsealSframeReceiver) {
    unsafe { free(r) }
}
