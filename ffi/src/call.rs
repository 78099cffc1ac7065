//! The call session: frames in, packets out, packets in, frames out.

use crate::handshake::CallsealEstablished;
use crate::result::CallsealResult;
use crate::util::{
    arg, boxed, bytes, bytes_mut, free, guard, handle, kind, micros, packet_len_ok, put, srtp_suite,
};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::{Direction, Feature, SrtpMasterKey};

/// Layers: SRTP keyed end-to-end (peer-to-peer calls).
pub const CALLSEAL_LAYERS_SRTP: u32 = 0;
/// Layers: SFrame end-to-end, RTP without SRTP.
pub const CALLSEAL_LAYERS_SFRAME: u32 = 1;
/// Layers: SFrame end-to-end inside hop-by-hop SRTP.
pub const CALLSEAL_LAYERS_BOTH: u32 = 2;

/// Media kind: audio.
pub const CALLSEAL_KIND_AUDIO: u32 = 0;
/// Media kind: video.
pub const CALLSEAL_KIND_VIDEO: u32 = 1;
/// Media kind: screen share.
pub const CALLSEAL_KIND_SCREEN: u32 = 2;

/// Direction: caller to callee.
pub const CALLSEAL_DIRECTION_CALLER_TO_CALLEE: u32 = 0;
/// Direction: callee to caller.
pub const CALLSEAL_DIRECTION_CALLEE_TO_CALLER: u32 = 1;

/// Feature: live captions.
pub const CALLSEAL_FEATURE_LIVE_CAPTIONS: u32 = 0;
/// Feature: transcription.
pub const CALLSEAL_FEATURE_TRANSCRIPTION: u32 = 1;
/// Feature: call transfer.
pub const CALLSEAL_FEATURE_TRANSFER: u32 = 2;
/// Feature: call merge.
pub const CALLSEAL_FEATURE_MERGE: u32 = 3;
/// Feature: call park.
pub const CALLSEAL_FEATURE_PARK: u32 = 4;
/// Feature: consult, then transfer.
pub const CALLSEAL_FEATURE_CONSULT_THEN_TRANSFER: u32 = 5;
/// Feature: transfer to another device.
pub const CALLSEAL_FEATURE_TRANSFER_TO_DEVICE: u32 = 6;
/// Feature: adding a participant.
pub const CALLSEAL_FEATURE_ADD_PARTICIPANT: u32 = 7;
/// Feature: recording.
pub const CALLSEAL_FEATURE_RECORDING: u32 = 8;

/// A call session.
pub struct CallsealCall {
    call: Call,
    /// The frame the last `callseal_call_receive_packet` completed.
    frame: Vec<u8>,
}

/// A batch of packets to send.
pub struct CallsealPackets(Packets);

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

/// Start a call from a completed handshake. `layers` is one of `CALLSEAL_LAYERS_*`. The
/// hop-by-hop SRTP keys (key ‖ salt of `hop_suite`, one of `CALLSEAL_SRTP_*`, for each
/// direction) are needed by standard calls and `CALLSEAL_LAYERS_BOTH`; with the other layers
/// of an end-to-end call they are not used (pass null and 0). A standard call runs SRTP with
/// the hop keys whatever `layers` says: an application that always passes
/// `CALLSEAL_LAYERS_BOTH` and its hop keys gets SFrame inside SRTP when the call is end-to-end
/// and plain SRTP when it is not.
///
/// Every argument is checked first: on `CALLSEAL_RESULT_INVALID_ARGUMENT`,
/// `CALLSEAL_RESULT_UNSUPPORTED_SUITE` or `CALLSEAL_RESULT_INVALID_KEY_LENGTH` the handshake
/// is untouched and still the caller's. Past those checks the handshake is consumed whatever
/// the result: `*est` is freed and set to null.
///
/// The call carries frames of at most `callseal_call_max_frame_len` bytes (1 MiB), holds up to
/// 4 MiB of frames in flight, and allocates its buffers once, here.
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
        // SAFETY: checked non-null; the caller promises it points to a handle pointer.
        let taken = unsafe { handle(*est) }?;
        let e = taken.0.as_ref().ok_or(CallsealResult::WrongState)?;
        let hop_by_hop = !e.is_end_to_end() || layers == Layers::Both;
        if hop_by_hop && keys.is_none() {
            return Err(CallsealResult::InvalidArgument);
        }
        // All checked: the handshake is consumed from here on.
        let e = taken.0.take().ok_or(CallsealResult::WrongState)?;
        unsafe {
            free(*est);
            put(est, std::ptr::null_mut());
        }
        let role = e.role();
        let call = Call::new(e, CallConfig::new(role).with_layers(layers), keys)?;
        unsafe {
            put(
                call_out,
                boxed(CallsealCall {
                    call,
                    frame: Vec::new(),
                }),
            )
        };
        Ok(())
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
        arg(out)?;
        unsafe { put(out, c.call.max_packet_len()) };
        Ok(())
    })
}

/// The largest frame `callseal_call_send_frame` takes (and the peer reassembles).
#[no_mangle]
pub unsafe extern "C" fn callseal_call_max_frame_len(
    call: *const CallsealCall,
    out: *mut usize,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call.cast_mut()) }?;
        arg(out)?;
        unsafe { put(out, c.call.max_frame_len()) };
        Ok(())
    })
}

/// An empty packet batch (reused from frame to frame).
#[no_mangle]
pub unsafe extern "C" fn callseal_packets_new(out: *mut *mut CallsealPackets) -> CallsealResult {
    guard(|| {
        arg(out)?;
        unsafe { put(out, boxed(CallsealPackets(Packets::new()))) };
        Ok(())
    })
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
        arg(out)?;
        unsafe { put(out, p.0.len()) };
        Ok(())
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
        arg(data)?;
        arg(len)?;
        if index >= p.0.len() {
            return Err(CallsealResult::InvalidArgument);
        }
        let pkt = p.0.get(index);
        unsafe {
            put(data, pkt.as_ptr());
            put(len, pkt.len());
        }
        Ok(())
    })
}

/// Seal `frame` of stream `kind_value` (`CALLSEAL_KIND_*`), cut it into RTP packets and protect
/// them: the batch `out` is cleared and filled. A frame larger than
/// `callseal_call_max_frame_len` is refused with `CALLSEAL_RESULT_FRAME_TOO_LARGE` (the peer
/// could never put it back together), and the batch is left empty.
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
        let k = kind(kind_value)?;
        p.0.clear();
        c.call
            .send_frame(k, f, rtp_timestamp, micros(now_us), &mut p.0)?;
        Ok(())
    })
}

/// Take one received packet (unprotected in place in `packet`, at most 65,599 bytes). When it
/// completes a frame,
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
        arg(kind_out)?;
        arg(frame)?;
        arg(frame_len)?;
        let p = unsafe { bytes_mut(packet, packet_len_ok(packet_len)?) }?;
        unsafe {
            put(frame, std::ptr::null());
            put(frame_len, 0);
        }
        if let Some(r) = c.call.receive_packet(p, micros(now_us))? {
            let k = r.kind;
            c.frame.clear();
            c.frame.extend_from_slice(r.frame);
            unsafe {
                put(kind_out, k as u32);
                put(frame, c.frame.as_ptr());
                put(frame_len, c.frame.len());
            }
        }
        Ok(())
    })
}

/// Move this side to the next key epoch (end-to-end calls); the peer follows in band. A
/// standard call has no epochs: `CALLSEAL_RESULT_WRONG_STATE`.
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

/// Let time pass: a rekey interval and a grace measured in time.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_poll(
    call: *mut CallsealCall,
    now_us: u64,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call) }?;
        Ok(c.call.poll(micros(now_us))?)
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
        arg(out)?;
        unsafe { put(out, c.call.epoch().0) };
        Ok(())
    })
}

/// Whether a feature (`CALLSEAL_FEATURE_*`) may be used:
/// `CALLSEAL_RESULT_FEATURE_UNAVAILABLE` in an end-to-end call.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_check_feature(
    call: *const CallsealCall,
    feature: u32,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call.cast_mut()) }?;
        let f = usize::try_from(feature)
            .ok()
            .and_then(|i| Feature::ALL.get(i))
            .ok_or(CallsealResult::InvalidArgument)?;
        Ok(c.call.check_feature(*f)?)
    })
}

/// The counters of one stream: `direction` one of `CALLSEAL_DIRECTION_*`, `kind_value` one of
/// `CALLSEAL_KIND_*`.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_stats(
    call: *const CallsealCall,
    direction: u32,
    kind_value: u32,
    out: *mut CallsealStats,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call.cast_mut()) }?;
        arg(out)?;
        let d = u8::try_from(direction)
            .ok()
            .and_then(|d| Direction::from_byte(d).ok())
            .ok_or(CallsealResult::InvalidArgument)?;
        let s = c.call.stats(d, kind(kind_value)?);
        let r = s.rejected;
        unsafe {
            put(
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
        };
        Ok(())
    })
}
