//! The C ABI of callseal, for media pipelines (GStreamer elements, FFmpeg-based tools, WebRTC
//! native stacks, mobile apps).
//!
//! Conventions, for every function:
//! - It returns a [`CallsealResult`] (stable values; `callseal_result_message` turns one into a
//!   static string), and runs inside a panic boundary: a panic becomes
//!   `CALLSEAL_RESULT_PANIC`, never an unwind into C.
//! - Null pointers are checked: a null handle or buffer is `CALLSEAL_RESULT_INVALID_ARGUMENT`.
//! - Output buffers come with their capacity. When one is too small the result is
//!   `CALLSEAL_RESULT_BUFFER_TOO_SMALL`, the needed size is written to the length
//!   out-parameter, and nothing is written to the buffer.
//! - Handles come from `*_new` (or a function that makes one) and go to `*_free`. Freeing
//!   null is a no-op; freeing zeroizes the keys the handle holds. Freeing twice, or using a
//!   handle after freeing it, is undefined behaviour.
//! - Time is passed in as microseconds since any monotonic origin of the caller's choosing.
//! - Randomness comes from the operating system.

#![allow(clippy::missing_safety_doc)]

use callseal::handshake::{Callee, Caller, Established, HandshakeConfig};
use callseal::policy::{CallKind, CallSecurity, Feature, PolicyStore};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{
    Direction, Epoch, Error, Intent, KeyId, MediaKind, SframeSuite, SrtpMasterKey, SrtpSuite,
};
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// The result of every function. Values are stable.
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
    /// Already received.
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
    /// A function called in the wrong state (a handshake step twice, say).
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
            Error::LimitReached => CallsealResult::LimitReached,
            Error::InvalidKeyLength => CallsealResult::InvalidKeyLength,
            Error::InvalidConfig => CallsealResult::InvalidArgument,
            Error::NoCommonSuite => CallsealResult::NoCommonSuite,
            Error::UnsupportedSuite => CallsealResult::UnsupportedSuite,
            Error::NonContributory => CallsealResult::NonContributory,
            Error::E2eeRequired => CallsealResult::E2eeRequired,
            Error::HandshakeState => CallsealResult::WrongState,
            Error::FeatureUnavailable(_) => CallsealResult::FeatureUnavailable,
            Error::TooManyStreams => CallsealResult::TooManyStreams,
            _ => CallsealResult::InvalidArgument,
        }
    }
}

/// A static, NUL-terminated message for a result code.
#[no_mangle]
pub extern "C" fn callseal_result_message(code: CallsealResult) -> *const c_char {
    let s: &'static CStr = match code {
        CallsealResult::Ok => c"ok",
        CallsealResult::InvalidArgument => {
            c"invalid argument (null pointer, unknown value or length out of range)"
        }
        CallsealResult::BufferTooSmall => c"buffer too small (the needed size was reported)",
        CallsealResult::Authentication => c"authentication failed",
        CallsealResult::Replay => c"replayed packet or frame",
        CallsealResult::TooOld => c"packet or frame older than the replay window",
        CallsealResult::UnknownKey => c"unknown or retired key",
        CallsealResult::Malformed => c"malformed input",
        CallsealResult::LimitReached => c"counter limit reached: rekey required",
        CallsealResult::NoCommonSuite => c"no cipher suite in common",
        CallsealResult::UnsupportedSuite => c"unsupported cipher suite",
        CallsealResult::NonContributory => c"non-contributory X25519 result",
        CallsealResult::E2eeRequired => {
            c"end-to-end encryption required but the other side has it off"
        }
        CallsealResult::WrongState => c"called in the wrong state",
        CallsealResult::FeatureUnavailable => {
            c"feature unavailable in an end-to-end encrypted call"
        }
        CallsealResult::InvalidKeyLength => c"key or salt length does not match the suite",
        CallsealResult::TooManyStreams => c"too many streams for this context",
        CallsealResult::PolicyStore => c"the policy store could not be read",
        CallsealResult::Random => c"no randomness from the operating system",
        CallsealResult::Panic => c"internal error (panic caught at the C boundary)",
    };
    s.as_ptr()
}

/// Run `f` inside the panic boundary.
fn guard(f: impl FnOnce() -> Result<(), CallsealResult>) -> CallsealResult {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => CallsealResult::Ok,
        Ok(Err(e)) => e,
        Err(_) => CallsealResult::Panic,
    }
}

fn arg<T>(p: *const T) -> Result<*const T, CallsealResult> {
    if p.is_null() {
        Err(CallsealResult::InvalidArgument)
    } else {
        Ok(p)
    }
}

/// A byte slice from C; a null pointer is allowed only with length 0.
unsafe fn bytes<'a>(p: *const u8, len: usize) -> Result<&'a [u8], CallsealResult> {
    if len == 0 {
        return Ok(&[]);
    }
    arg(p)?;
    // SAFETY: the caller promises `p` points to `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// A mutable byte slice from C, non-null.
unsafe fn bytes_mut<'a>(p: *mut u8, len: usize) -> Result<&'a mut [u8], CallsealResult> {
    arg(p)?;
    // SAFETY: the caller promises `p` points to `len` writable bytes it owns.
    Ok(unsafe { std::slice::from_raw_parts_mut(p, len) })
}

/// Copy `data` to `out` (capacity `cap`), writing its length to `out_len`.
unsafe fn emit(
    data: &[u8],
    out: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> Result<(), CallsealResult> {
    arg(out_len)?;
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { *out_len = data.len() };
    if data.len() > cap {
        return Err(CallsealResult::BufferTooSmall);
    }
    // SAFETY: as `bytes_mut`.
    unsafe { bytes_mut(out, cap) }?[..data.len()].copy_from_slice(data);
    Ok(())
}

unsafe fn set<T>(out: *mut T, v: T) -> Result<(), CallsealResult> {
    arg(out)?;
    // SAFETY: checked non-null; the caller promises it is writable.
    unsafe { out.write(v) };
    Ok(())
}

unsafe fn handle<'a, T>(h: *mut T) -> Result<&'a mut T, CallsealResult> {
    arg(h)?;
    // SAFETY: a live handle from this library, used by one thread at a time.
    Ok(unsafe { &mut *h })
}

fn boxed<T>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

unsafe fn free<T>(h: *mut T) {
    if !h.is_null() {
        // A panic in a destructor must not unwind into C either.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: a handle from `boxed`, freed once.
            drop(unsafe { Box::from_raw(h) });
        }));
    }
}

fn intent(i: u32) -> Result<Intent, CallsealResult> {
    Intent::from_byte(u8::try_from(i).map_err(|_| CallsealResult::InvalidArgument)?)
        .map_err(|_| CallsealResult::InvalidArgument)
}

fn kind(k: u32) -> Result<MediaKind, CallsealResult> {
    MediaKind::from_byte(u8::try_from(k).map_err(|_| CallsealResult::InvalidArgument)?)
        .map_err(|_| CallsealResult::InvalidArgument)
}

fn srtp_suite(id: u16) -> Result<SrtpSuite, CallsealResult> {
    SrtpSuite::from_id(id).map_err(|_| CallsealResult::UnsupportedSuite)
}

fn sframe_suite(id: u16) -> Result<SframeSuite, CallsealResult> {
    SframeSuite::from_id(id).map_err(|_| CallsealResult::UnsupportedSuite)
}

fn micros(us: u64) -> Duration {
    Duration::from_micros(us)
}

// ---- handshake ----

/// Intent values: off.
pub const CALLSEAL_INTENT_OFF: u32 = 0;
/// Intent values: on.
pub const CALLSEAL_INTENT_ON: u32 = 1;
/// Intent values: required.
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
pub struct CallsealEstablished(Option<Established>);

/// Start a call as the caller: writes the Offer to `offer_out` and makes `*caller_out`.
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
        arg(caller_out)?;
        let cfg = HandshakeConfig::new(intent(intent_value)?);
        let (caller, offer) = Caller::offer(&cfg, ctx, &mut rand_core::OsRng)?;
        unsafe { emit(&offer, offer_out, offer_cap, offer_len) }?;
        unsafe { set(caller_out, boxed(CallsealCaller(caller))) }
    })
}

/// Read the Answer: writes the Confirm to `confirm_out` and makes `*established_out`. On an
/// error nothing changes and the genuine Answer can still be processed.
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
        if confirm_cap < CALLSEAL_CONFIRM_LEN {
            unsafe { *confirm_len = CALLSEAL_CONFIRM_LEN };
            return Err(CallsealResult::BufferTooSmall);
        }
        arg(confirm_out)?;
        let (confirm, est) = c.0.finish(a)?;
        unsafe { emit(&confirm, confirm_out, confirm_cap, confirm_len) }?;
        unsafe { set(established_out, boxed(CallsealEstablished(Some(est)))) }
    })
}

/// Free a caller handle (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_caller_free(caller: *mut CallsealCaller) {
    unsafe { free(caller) }
}

/// Read the Offer as the callee: writes the Answer to `answer_out` and makes `*callee_out`.
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
        if answer_cap < CALLSEAL_ANSWER_LEN {
            unsafe { *answer_len = CALLSEAL_ANSWER_LEN };
            return Err(CallsealResult::BufferTooSmall);
        }
        arg(answer_out)?;
        let cfg = HandshakeConfig::new(intent(intent_value)?);
        let (callee, answer) = Callee::accept(&cfg, ctx, o, &mut rand_core::OsRng)?;
        unsafe { emit(&answer, answer_out, answer_cap, answer_len) }?;
        unsafe { set(callee_out, boxed(CallsealCallee(callee))) }
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
        unsafe { set(established_out, boxed(CallsealEstablished(Some(est)))) }
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
        let e = e.0.as_ref().ok_or(CallsealResult::WrongState)?;
        unsafe { set(out, i32::from(e.is_end_to_end())) }
    })
}

/// The security code, NUL-terminated, into `out` (at least `CALLSEAL_SECURITY_CODE_LEN`
/// bytes). A standard call has none: `CALLSEAL_RESULT_WRONG_STATE`.
#[no_mangle]
pub unsafe extern "C" fn callseal_established_security_code(
    est: *const CallsealEstablished,
    out: *mut c_char,
    cap: usize,
) -> CallsealResult {
    guard(|| {
        let e = unsafe { handle(est.cast_mut()) }?;
        let e = e.0.as_ref().ok_or(CallsealResult::WrongState)?;
        let code = e.security_code().ok_or(CallsealResult::WrongState)?;
        if cap < CALLSEAL_SECURITY_CODE_LEN {
            return Err(CallsealResult::BufferTooSmall);
        }
        let buf = unsafe { bytes_mut(out.cast(), cap) }?;
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

// ---- the call session ----

/// A call session.
pub struct CallsealCall {
    call: Call,
    /// The frame the last `callseal_call_receive_packet` completed.
    frame: Vec<u8>,
}

/// A batch of packets to send.
pub struct CallsealPackets(Packets);

/// Layers: SRTP keyed end-to-end.
pub const CALLSEAL_LAYERS_SRTP: u32 = 0;
/// Layers: SFrame end-to-end.
pub const CALLSEAL_LAYERS_SFRAME: u32 = 1;
/// Layers: SFrame inside hop-by-hop SRTP.
pub const CALLSEAL_LAYERS_BOTH: u32 = 2;

/// Per-stream counters.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct CallsealStats {
    /// Frames sealed and sent.
    pub frames_protected: u64,
    /// Packets protected and sent.
    pub packets_protected: u64,
    /// Frames delivered.
    pub frames_unprotected: u64,
    /// Packets authenticated.
    pub packets_unprotected: u64,
    /// Rejected: authentication.
    pub rejected_authentication: u64,
    /// Rejected: replay.
    pub rejected_replay: u64,
    /// Rejected: too old.
    pub rejected_too_old: u64,
    /// Rejected: unknown key.
    pub rejected_unknown_key: u64,
    /// Rejected: malformed.
    pub rejected_malformed: u64,
}

/// Start a call from a completed handshake, which it consumes (`*est` is freed and set to
/// null, whatever the result). `layers` is one of `CALLSEAL_LAYERS_*`. The hop-by-hop SRTP
/// keys (key ‖ salt of `hop_suite`, a protection profile number) are needed by standard calls
/// and `CALLSEAL_LAYERS_BOTH`; pass null and 0 otherwise.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_new(
    est: *mut *mut CallsealEstablished,
    layers: u32,
    hop_suite: u16,
    hop_outbound: *const u8,
    hop_outbound_len: usize,
    hop_inbound: *const u8,
    hop_inbound_len: usize,
    call_out: *mut *mut CallsealCall,
) -> CallsealResult {
    guard(|| {
        arg(est)?;
        let taken = unsafe { *est };
        unsafe { *est = std::ptr::null_mut() };
        let taken = unsafe { handle(taken) }?;
        let e = taken.0.take().ok_or(CallsealResult::WrongState)?;
        unsafe { free(taken as *mut CallsealEstablished) };
        arg(call_out)?;
        let layers = match layers {
            CALLSEAL_LAYERS_SRTP => Layers::Srtp,
            CALLSEAL_LAYERS_SFRAME => Layers::Sframe,
            CALLSEAL_LAYERS_BOTH => Layers::Both,
            _ => return Err(CallsealResult::InvalidArgument),
        };
        let out = unsafe { bytes(hop_outbound, hop_outbound_len) }?;
        let inb = unsafe { bytes(hop_inbound, hop_inbound_len) }?;
        let keys = if out.is_empty() && inb.is_empty() {
            None
        } else {
            let suite = srtp_suite(hop_suite)?;
            Some(PacketKeys {
                outbound: SrtpMasterKey::from_concatenated(suite, out)?,
                inbound: SrtpMasterKey::from_concatenated(suite, inb)?,
            })
        };
        let role = e.role();
        let call = Call::new(e, CallConfig::new(role).with_layers(layers), keys)?;
        unsafe {
            set(
                call_out,
                boxed(CallsealCall {
                    call,
                    frame: Vec::new(),
                }),
            )
        }
    })
}

/// Free a call (null is a no-op); its keys are zeroized.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_free(call: *mut CallsealCall) {
    unsafe { free(call) }
}

/// The largest packet `callseal_call_send_frame` makes.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_max_packet_len(
    call: *const CallsealCall,
    out: *mut usize,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call.cast_mut()) }?;
        unsafe { set(out, c.call.max_packet_len()) }
    })
}

/// An empty packet batch (reused from frame to frame).
#[no_mangle]
pub unsafe extern "C" fn callseal_packets_new(out: *mut *mut CallsealPackets) -> CallsealResult {
    guard(|| unsafe { set(out, boxed(CallsealPackets(Packets::new()))) })
}

/// Free a packet batch (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_packets_free(p: *mut CallsealPackets) {
    unsafe { free(p) }
}

/// How many packets the batch holds.
#[no_mangle]
pub unsafe extern "C" fn callseal_packets_count(
    p: *const CallsealPackets,
    out: *mut usize,
) -> CallsealResult {
    guard(|| {
        let p = unsafe { handle(p.cast_mut()) }?;
        unsafe { set(out, p.0.len()) }
    })
}

/// Packet `index` of the batch: a pointer valid until the batch changes, and its length.
#[no_mangle]
pub unsafe extern "C" fn callseal_packets_get(
    p: *const CallsealPackets,
    index: usize,
    data: *mut *const u8,
    len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let p = unsafe { handle(p.cast_mut()) }?;
        if index >= p.0.len() {
            return Err(CallsealResult::InvalidArgument);
        }
        let pkt = p.0.get(index);
        unsafe { set(data, pkt.as_ptr()) }?;
        unsafe { set(len, pkt.len()) }
    })
}

/// Seal `frame` of stream `kind` (0 audio, 1 video, 2 screen), cut it into RTP packets and
/// protect them: the batch `out` is cleared and filled.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_send_frame(
    call: *mut CallsealCall,
    kind_value: u32,
    frame: *const u8,
    frame_len: usize,
    rtp_timestamp: u32,
    now_us: u64,
    out: *mut CallsealPackets,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call) }?;
        let f = unsafe { bytes(frame, frame_len) }?;
        let p = unsafe { handle(out) }?;
        p.0.clear();
        c.call.send_frame(
            kind(kind_value)?,
            f,
            rtp_timestamp,
            micros(now_us),
            &mut p.0,
        )?;
        Ok(())
    })
}

/// Take one received packet (unprotected in place in `packet`). When it completes a frame,
/// `*frame_len` is its length and `*frame` points at it (valid until the next call on this
/// handle) and `*kind_out` is its stream; otherwise `*frame` is null and `*frame_len` 0.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_receive_packet(
    call: *mut CallsealCall,
    packet: *mut u8,
    packet_len: usize,
    now_us: u64,
    kind_out: *mut u32,
    frame: *mut *const u8,
    frame_len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call) }?;
        let p = unsafe { bytes_mut(packet, packet_len) }?;
        arg(kind_out)?;
        arg(frame)?;
        arg(frame_len)?;
        unsafe {
            *frame = std::ptr::null();
            *frame_len = 0;
        }
        if let Some(r) = c.call.receive_packet(p, micros(now_us))? {
            let k = r.kind;
            c.frame.clear();
            c.frame.extend_from_slice(r.frame);
            unsafe {
                *kind_out = k as u32;
                *frame = c.frame.as_ptr();
                *frame_len = c.frame.len();
            }
        }
        Ok(())
    })
}

/// Move this side to the next key epoch (end-to-end calls); the peer follows in band.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_rekey(
    call: *mut CallsealCall,
    now_us: u64,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call) }?;
        Ok(c.call.rekey(micros(now_us))?)
    })
}

/// The epoch this side sends with.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_epoch(
    call: *const CallsealCall,
    out: *mut u32,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call.cast_mut()) }?;
        unsafe { set(out, c.call.epoch().0) }
    })
}

/// Whether a feature (0 live captions, 1 transcription, 2 transfer, 3 merge, 4 park,
/// 5 consult-then-transfer, 6 transfer to another device, 7 add participant, 8 recording) may
/// be used: `CALLSEAL_RESULT_FEATURE_UNAVAILABLE` in an end-to-end call.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_check_feature(
    call: *const CallsealCall,
    feature: u32,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call.cast_mut()) }?;
        let f = Feature::ALL
            .get(feature as usize)
            .ok_or(CallsealResult::InvalidArgument)?;
        Ok(c.call.check_feature(*f)?)
    })
}

/// The counters of one stream: `direction` 0 caller→callee, 1 callee→caller; `kind` 0 audio,
/// 1 video, 2 screen.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_stats(
    call: *const CallsealCall,
    direction: u32,
    kind_value: u32,
    out: *mut CallsealStats,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call.cast_mut()) }?;
        let d = Direction::from_byte(
            u8::try_from(direction).map_err(|_| CallsealResult::InvalidArgument)?,
        )
        .map_err(|_| CallsealResult::InvalidArgument)?;
        let s = c.call.stats(d, kind(kind_value)?);
        let r = s.rejected;
        unsafe {
            set(
                out,
                CallsealStats {
                    frames_protected: s.frames_protected,
                    packets_protected: s.packets_protected,
                    frames_unprotected: s.frames_unprotected,
                    packets_unprotected: s.packets_unprotected,
                    rejected_authentication: r.authentication,
                    rejected_replay: r.replay,
                    rejected_too_old: r.too_old,
                    rejected_unknown_key: r.unknown_key,
                    rejected_malformed: r.malformed,
                },
            )
        }
    })
}

// ---- SRTP for pipelines that packetize themselves ----

/// An SRTP/SRTCP sender.
pub struct CallsealSrtpSender(SrtpSender);
/// An SRTP/SRTCP receiver.
pub struct CallsealSrtpReceiver(SrtpReceiver);

/// The most bytes SRTP protect adds to an RTP packet of `suite` (a protection profile
/// number: 1, 2, 7, 8); 0 for an unknown suite.
#[no_mangle]
pub extern "C" fn callseal_srtp_overhead(suite: u16) -> usize {
    SrtpSuite::from_id(suite).map_or(0, |s| s.srtp_overhead())
}

/// The most bytes SRTCP protect adds to an RTCP packet of `suite`; 0 for an unknown suite.
#[no_mangle]
pub extern "C" fn callseal_srtcp_overhead(suite: u16) -> usize {
    SrtpSuite::from_id(suite).map_or(0, |s| s.srtcp_overhead())
}

fn master(suite: u16, key_and_salt: &[u8]) -> Result<SrtpMasterKey, CallsealResult> {
    Ok(SrtpMasterKey::from_concatenated(
        srtp_suite(suite)?,
        key_and_salt,
    )?)
}

/// An SRTP sender for `suite` with master key ‖ master salt.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_sender_new(
    suite: u16,
    key_and_salt: *const u8,
    len: usize,
    out: *mut *mut CallsealSrtpSender,
) -> CallsealResult {
    guard(|| {
        let k = master(suite, unsafe { bytes(key_and_salt, len) }?)?;
        let s = SrtpSender::new(&k, SrtpConfig::default())?;
        unsafe { set(out, boxed(CallsealSrtpSender(s))) }
    })
}

/// An SRTP receiver for `suite` with master key ‖ master salt.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_receiver_new(
    suite: u16,
    key_and_salt: *const u8,
    len: usize,
    out: *mut *mut CallsealSrtpReceiver,
) -> CallsealResult {
    guard(|| {
        let k = master(suite, unsafe { bytes(key_and_salt, len) }?)?;
        let r = SrtpReceiver::new(&k, SrtpConfig::default())?;
        unsafe { set(out, boxed(CallsealSrtpReceiver(r))) }
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

unsafe fn protect_with(
    buf: *mut u8,
    len: usize,
    cap: usize,
    out_len: *mut usize,
    overhead: usize,
    f: impl FnOnce(&mut [u8], usize) -> callseal::Result<usize>,
) -> Result<(), CallsealResult> {
    arg(out_len)?;
    if len > cap {
        return Err(CallsealResult::InvalidArgument);
    }
    if cap < len + overhead {
        unsafe { *out_len = len + overhead };
        return Err(CallsealResult::BufferTooSmall);
    }
    let b = unsafe { bytes_mut(buf, cap) }?;
    let n = f(b, len)?;
    unsafe { *out_len = n };
    Ok(())
}

/// Protect the RTP packet `buf[..len]` in place; `buf` has `cap` bytes (at least `len` plus
/// the overhead). Writes the protected length to `*out_len`.
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

/// Protect the RTCP packet `buf[..len]` in place, as `callseal_srtp_protect_rtp`.
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
/// at `buf`) to `*out_len`.
#[no_mangle]
pub unsafe extern "C" fn callseal_srtp_unprotect_rtp(
    r: *mut CallsealSrtpReceiver,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
) -> CallsealResult {
    guard(|| {
        let r = unsafe { handle(r) }?;
        let b = unsafe { bytes_mut(buf, len) }?;
        let n = r.0.unprotect_rtp(b)?.len();
        unsafe { set(out_len, n) }
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
        let b = unsafe { bytes_mut(buf, len) }?;
        let n = r.0.unprotect_rtcp(b)?.len();
        unsafe { set(out_len, n) }
    })
}

// ---- SFrame for pipelines that packetize themselves ----

/// An SFrame sender (one key, one KID).
pub struct CallsealSframeSender(SframeSender);
/// An SFrame receiver (keys by KID).
pub struct CallsealSframeReceiver(SframeReceiver);

/// The most bytes sealing adds to a frame of `suite` (an RFC 9605 suite number, 1 to 5); 0 for
/// an unknown suite.
#[no_mangle]
pub extern "C" fn callseal_sframe_overhead(suite: u16) -> usize {
    SframeSuite::from_id(suite).map_or(0, |s| s.max_overhead())
}

/// An SFrame sender for `suite`, key id `kid` and a base key of at least 16 bytes.
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_sender_new(
    suite: u16,
    kid: u64,
    base_key: *const u8,
    base_key_len: usize,
    out: *mut *mut CallsealSframeSender,
) -> CallsealResult {
    guard(|| {
        let cfg = SframeConfig::new(sframe_suite(suite)?);
        let k = unsafe { bytes(base_key, base_key_len) }?;
        let s = SframeSender::new(&cfg, KeyId(kid), k)?;
        unsafe { set(out, boxed(CallsealSframeSender(s))) }
    })
}

/// Seal `frame` into `out` (capacity `cap`, at least the frame plus the overhead); writes
/// the sealed length to `*out_len`.
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
        let needed = s.0.sealed_len(frame_len);
        if cap < needed {
            unsafe { *out_len = needed };
            return Err(CallsealResult::BufferTooSmall);
        }
        let o = unsafe { bytes_mut(out, cap) }?;
        let n = s.0.seal_into(f, o, FrameOptions::NONE)?;
        unsafe { set(out_len, n) }
    })
}

/// Free an SFrame sender (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_sender_free(s: *mut CallsealSframeSender) {
    unsafe { free(s) }
}

/// An empty SFrame receiver for `suite`.
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_receiver_new(
    suite: u16,
    out: *mut *mut CallsealSframeReceiver,
) -> CallsealResult {
    guard(|| {
        let r = SframeReceiver::new(SframeConfig::new(sframe_suite(suite)?))?;
        unsafe { set(out, boxed(CallsealSframeReceiver(r))) }
    })
}

/// Install the base key of `kid`, which belongs to `epoch`.
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

/// Open the sealed frame `buf[..len]` in place: the frame is `buf[*offset .. *offset +
/// *frame_len]`.
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
            *offset = at;
            *frame_len = n;
        }
        Ok(())
    })
}

/// Free an SFrame receiver (null is a no-op).
#[no_mangle]
pub unsafe extern "C" fn callseal_sframe_receiver_free(r: *mut CallsealSframeReceiver) {
    unsafe { free(r) }
}

// ---- policy ----

/// The policy decision for a call between two users.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct CallsealDecision {
    /// 1 when the call is end-to-end, 0 when standard.
    pub end_to_end: i32,
    /// 1 when the call fails (a side requires E2EE the other cannot use).
    pub refused: i32,
    /// The caller's handshake intent (`CALLSEAL_INTENT_*`).
    pub caller_intent: u32,
    /// The callee's handshake intent.
    pub callee_intent: u32,
    /// How many reasons apply.
    pub reasons: u32,
}

/// Decide a call from a policy store (its JSON text, as `callseal policy` writes it) between
/// two users (NUL-terminated UTF-8 names); `kind` 0 one-to-one, 1 meeting, 2 group, 3 PSTN.
#[no_mangle]
pub unsafe extern "C" fn callseal_policy_decide(
    store_json: *const u8,
    store_len: usize,
    caller: *const c_char,
    callee: *const c_char,
    kind_value: u32,
    out: *mut CallsealDecision,
) -> CallsealResult {
    guard(|| {
        let text = std::str::from_utf8(unsafe { bytes(store_json, store_len) }?)
            .map_err(|_| CallsealResult::PolicyStore)?;
        let store = PolicyStore::from_json(text).map_err(|_| CallsealResult::PolicyStore)?;
        let name = |p: *const c_char| -> Result<String, CallsealResult> {
            arg(p)?;
            // SAFETY: the caller promises a NUL-terminated string.
            let s = unsafe { CStr::from_ptr(p) };
            Ok(s.to_str()
                .map_err(|_| CallsealResult::InvalidArgument)?
                .to_owned())
        };
        let kind = [
            CallKind::OneToOne,
            CallKind::Meeting,
            CallKind::Group,
            CallKind::Pstn,
        ]
        .get(kind_value as usize)
        .copied()
        .ok_or(CallsealResult::InvalidArgument)?;
        let d = store.decide(&name(caller)?, &name(callee)?, kind);
        unsafe {
            set(
                out,
                CallsealDecision {
                    end_to_end: i32::from(d.security == CallSecurity::EndToEnd),
                    refused: i32::from(d.refused),
                    caller_intent: d.caller_intent as u32,
                    callee_intent: d.callee_intent as u32,
                    reasons: d.reasons.len() as u32,
                },
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_arguments_are_errors_not_crashes() {
        unsafe {
            assert_eq!(
                callseal_caller_offer(
                    1,
                    std::ptr::null(),
                    0,
                    std::ptr::null_mut(),
                    0,
                    std::ptr::null_mut(),
                    std::ptr::null_mut()
                ),
                CallsealResult::InvalidArgument
            );
            assert_eq!(
                callseal_caller_finish(
                    std::ptr::null_mut(),
                    std::ptr::null(),
                    0,
                    std::ptr::null_mut(),
                    0,
                    std::ptr::null_mut(),
                    std::ptr::null_mut()
                ),
                CallsealResult::InvalidArgument
            );
            callseal_caller_free(std::ptr::null_mut());
            callseal_call_free(std::ptr::null_mut());
        }
    }

    #[test]
    fn panics_stop_at_the_boundary() {
        assert_eq!(guard(|| panic!("boom")), CallsealResult::Panic);
    }

    #[test]
    fn every_code_has_a_message() {
        use CallsealResult::*;
        let all = [
            Ok,
            InvalidArgument,
            BufferTooSmall,
            Authentication,
            Replay,
            TooOld,
            UnknownKey,
            Malformed,
            LimitReached,
            NoCommonSuite,
            UnsupportedSuite,
            NonContributory,
            E2eeRequired,
            WrongState,
            FeatureUnavailable,
            InvalidKeyLength,
            TooManyStreams,
            PolicyStore,
            Random,
            Panic,
        ];
        for (i, c) in all.into_iter().enumerate() {
            assert_eq!(c as usize, i, "values are stable and dense");
            let m = unsafe { CStr::from_ptr(callseal_result_message(c)) };
            assert!(!m.to_bytes().is_empty());
        }
    }
}
