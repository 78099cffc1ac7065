//! The call session: frames in, packets out, packets in, frames out.

use crate::handshake::CallsealEstablished;
use crate::result::CallsealResult;
use crate::util::{
    arg, boxed, bytes, bytes_mut, free, guard, handle, kind, micros, packet_len_ok, put, srtp_suite,
};
use callseal::session::{Call, CallConfig, Event, Layers, PacketKeys, Packets, RekeyCause};
use callseal::sframe::Grace;
use callseal::{Direction, Epoch, Feature, Role, SrtpMasterKey};

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
    unsafe {
        callseal_call_new_with_options(
            est,
            layers,
            hop_suite,
            hop_outbound,
            hop_outbound_len,
            hop_inbound,
            hop_inbound_len,
            std::ptr::null(),
            call_out,
        )
    }
}

/// What a call may be given beyond its layers and keys (`callseal_call_new_with_options`).
/// Fill it with `callseal_call_options_init`, then change what you need: `size` lets a newer
/// library tell an older struct apart.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallsealCallOptions {
    /// `sizeof(CallsealCallOptions)`, set by `callseal_call_options_init`.
    pub size: u32,
    /// SRTP and SFrame replay window, in packets or frames (default 128, at most 32,768).
    pub replay_window: u32,
    /// Rekey every this many microseconds of call time; 0 (the default) never on time.
    pub rekey_interval_us: u64,
    /// The previous epoch's keys stay for this many more frames of the new epoch (default
    /// 512), unless `grace_us` is set.
    pub grace_frames: u64,
    /// When not 0: the previous epoch's keys stay this many microseconds instead.
    pub grace_us: u64,
    /// Frames one SFrame key may seal (default 2^32); a rekey starts at three quarters.
    pub frame_limit: u64,
}

impl Default for CallsealCallOptions {
    fn default() -> Self {
        let c = CallConfig::new(Role::Caller);
        CallsealCallOptions {
            size: core::mem::size_of::<CallsealCallOptions>() as u32,
            replay_window: c.replay_window,
            rekey_interval_us: 0,
            grace_frames: match c.grace {
                Grace::Frames(n) => n,
                Grace::Time(_) => 0,
            },
            grace_us: 0,
            frame_limit: c.frame_limit,
        }
    }
}

impl CallsealCallOptions {
    fn config(&self, role: Role, layers: Layers) -> Result<CallConfig, CallsealResult> {
        if self.size as usize != core::mem::size_of::<CallsealCallOptions>() {
            return Err(CallsealResult::InvalidArgument);
        }
        let mut c = CallConfig::new(role)
            .with_layers(layers)
            .with_replay_window(self.replay_window)
            .with_frame_limit(self.frame_limit)
            .with_grace(if self.grace_us != 0 {
                Grace::Time(micros(self.grace_us))
            } else {
                Grace::Frames(self.grace_frames)
            });
        if self.rekey_interval_us != 0 {
            c = c.with_rekey_interval(micros(self.rekey_interval_us));
        }
        c.validate().map_err(|_| CallsealResult::InvalidArgument)?;
        Ok(c)
    }
}

/// Fill `*out` with the defaults of `callseal_call_new`.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_options_init(
    out: *mut CallsealCallOptions,
) -> CallsealResult {
    guard(|| {
        arg(out)?;
        unsafe { put(out, CallsealCallOptions::default()) };
        Ok(())
    })
}

/// Start a call from a completed handshake, with `options` (from
/// `callseal_call_options_init`, then changed; null for the defaults); otherwise as
/// `callseal_call_new`. Options out of range are `CALLSEAL_RESULT_INVALID_ARGUMENT` with the
/// handshake untouched.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_new_with_options(
    est: *mut *mut CallsealEstablished,
    layers: u32,
    hop_suite: u16,
    hop_outbound: *const u8,
    hop_outbound_len: usize,
    hop_inbound: *const u8,
    hop_inbound_len: usize,
    options: *const CallsealCallOptions,
    call_out: *mut *mut CallsealCall,
) -> CallsealResult {
    guard(|| {
        arg(est)?;
        arg(call_out)?;
        let options = if options.is_null() {
            CallsealCallOptions::default()
        } else {
            // SAFETY: non-null; the caller promises it points to an initialised options struct.
            unsafe { *options }
        };
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
            Some(PacketKeys::new(
                SrtpMasterKey::from_concatenated(suite, out)?,
                SrtpMasterKey::from_concatenated(suite, inb)?,
            ))
        };
        // SAFETY: checked non-null; the caller promises it points to a handle pointer.
        let taken = unsafe { handle(*est) }?;
        let e = taken.0.as_ref().ok_or(CallsealResult::WrongState)?;
        let config = options.config(e.role(), layers)?;
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
        let call = Call::new(e, config, keys)?;
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

/// Let time pass: a rekey interval and a grace measured in time. Call it at the time
/// `callseal_call_poll_timeout` gives; calling it at other times is harmless.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_handle_timeout(
    call: *mut CallsealCall,
    now_us: u64,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call) }?;
        Ok(c.call.handle_timeout(micros(now_us))?)
    })
}

/// No timer runs (`callseal_call_poll_timeout`).
pub const CALLSEAL_NO_TIMEOUT: u64 = u64::MAX;

/// Writes to `*at_us` the call time (microseconds) at which `callseal_call_handle_timeout`
/// next has work (a rekey interval, the end of a grace measured in time), or
/// `CALLSEAL_NO_TIMEOUT`.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_poll_timeout(
    call: *const CallsealCall,
    at_us: *mut u64,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call.cast_mut()) }?;
        arg(at_us)?;
        let at = c.call.poll_timeout().map_or(CALLSEAL_NO_TIMEOUT, |t| {
            u64::try_from(t.as_micros()).unwrap_or(CALLSEAL_NO_TIMEOUT - 1)
        });
        unsafe { put(at_us, at) };
        Ok(())
    })
}

/// Event: none waiting (`callseal_call_poll_event`).
pub const CALLSEAL_EVENT_NONE: u32 = 0;
/// Event: this side wants to move to `epoch` for `cause`; its sending switches when the peer
/// has reached its epoch (`CALLSEAL_EVENT_EPOCH_STARTED` follows).
pub const CALLSEAL_EVENT_REKEY_STARTED: u32 = 1;
/// Event: this side sends with `epoch` from now on.
pub const CALLSEAL_EVENT_EPOCH_STARTED: u32 = 2;
/// Event: the first media of the peer's `epoch` authenticated.
pub const CALLSEAL_EVENT_PEER_MOVED: u32 = 3;
/// Event: the receive keys of every epoch below `epoch` are zeroized on every stream.
pub const CALLSEAL_EVENT_KEYS_RETIRED: u32 = 4;
/// Event: the send key of the stream `media_kind` reached its soft usage limit (once per
/// epoch); a rekey starts when an epoch is left.
pub const CALLSEAL_EVENT_SOFT_LIMIT_REACHED: u32 = 5;

/// Rekey cause: `callseal_call_rekey`.
pub const CALLSEAL_REKEY_REQUESTED: u32 = 0;
/// Rekey cause: the rekey interval passed.
pub const CALLSEAL_REKEY_INTERVAL: u32 = 1;
/// Rekey cause: a send key reached its soft usage limit.
pub const CALLSEAL_REKEY_SOFT_LIMIT: u32 = 2;

/// One event of a call. Fields an event kind does not use are 0.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallsealEvent {
    /// `CALLSEAL_EVENT_*`.
    pub kind: u32,
    /// The epoch the event names.
    pub epoch: u32,
    /// `CALLSEAL_REKEY_*`, for `CALLSEAL_EVENT_REKEY_STARTED`.
    pub cause: u32,
    /// `CALLSEAL_KIND_*`, for `CALLSEAL_EVENT_SOFT_LIMIT_REACHED`.
    pub media_kind: u32,
}

impl From<Event> for CallsealEvent {
    fn from(e: Event) -> Self {
        let ev = |kind, epoch: Epoch| CallsealEvent {
            kind,
            epoch: epoch.0,
            ..Default::default()
        };
        match e {
            Event::RekeyStarted { epoch, cause } => CallsealEvent {
                cause: match cause {
                    RekeyCause::Interval => CALLSEAL_REKEY_INTERVAL,
                    RekeyCause::SoftLimit => CALLSEAL_REKEY_SOFT_LIMIT,
                    _ => CALLSEAL_REKEY_REQUESTED,
                },
                ..ev(CALLSEAL_EVENT_REKEY_STARTED, epoch)
            },
            Event::EpochStarted { epoch } => ev(CALLSEAL_EVENT_EPOCH_STARTED, epoch),
            Event::PeerMoved { epoch } => ev(CALLSEAL_EVENT_PEER_MOVED, epoch),
            Event::KeysRetired { below } => ev(CALLSEAL_EVENT_KEYS_RETIRED, below),
            Event::SoftLimitReached { kind } => CallsealEvent {
                media_kind: kind as u32,
                ..ev(CALLSEAL_EVENT_SOFT_LIMIT_REACHED, Epoch(0))
            },
            _ => CallsealEvent::default(),
        }
    }
}

/// Take the oldest waiting event into `*out` (`kind` `CALLSEAL_EVENT_NONE` when none waits).
/// Take events after every call that may move epochs (send, receive, rekey, handle_timeout);
/// at most 64 wait, older ones are dropped.
#[no_mangle]
pub unsafe extern "C" fn callseal_call_poll_event(
    call: *mut CallsealCall,
    out: *mut CallsealEvent,
) -> CallsealResult {
    guard(|| {
        let c = unsafe { handle(call) }?;
        arg(out)?;
        let e = c
            .call
            .poll_event()
            .map(CallsealEvent::from)
            .unwrap_or_default();
        unsafe { put(out, e) };
        Ok(())
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
