//! Regression tests for the defects found in the C ABI, one or more per defect, each named
//! after it. They call the `extern "C"` functions as a C program would.

use super::*;
use std::ffi::CStr;
use std::ptr::{null, null_mut};

/// The integration tests' counting allocator; these tests count the bytes each thread has
/// allocated and not freed.
#[allow(dead_code)]
#[path = "../../tests/common/alloc.rs"]
mod alloc;

#[global_allocator]
static A: alloc::Counting = alloc::Counting;

const KEY28: [u8; 28] = [9; 28];
const RTP: [u8; 20] = [
    0x80, 96, 0, 1, 0, 0, 0, 1, 0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 5, 6, 7, 8,
];

fn established_pair(callee_intent: u32) -> (*mut CallsealEstablished, *mut CallsealEstablished) {
    unsafe {
        let (mut offer, mut answer, mut confirm) = ([0u8; 128], [0u8; 128], [0u8; 64]);
        let (mut ol, mut al, mut cl) = (0, 0, 0);
        let (mut caller, mut callee) = (null_mut(), null_mut());
        let (mut a, mut b) = (null_mut(), null_mut());
        let ctx = b"abi tests";
        assert_eq!(
            callseal_caller_offer(
                1,
                ctx.as_ptr(),
                ctx.len(),
                offer.as_mut_ptr(),
                128,
                &mut ol,
                &mut caller
            ),
            CallsealResult::Ok
        );
        assert_eq!(
            callseal_callee_accept(
                callee_intent,
                ctx.as_ptr(),
                ctx.len(),
                offer.as_ptr(),
                ol,
                answer.as_mut_ptr(),
                128,
                &mut al,
                &mut callee
            ),
            CallsealResult::Ok
        );
        assert_eq!(
            callseal_caller_finish(
                caller,
                answer.as_ptr(),
                al,
                confirm.as_mut_ptr(),
                64,
                &mut cl,
                &mut a
            ),
            CallsealResult::Ok
        );
        assert_eq!(
            callseal_callee_confirm(callee, confirm.as_ptr(), cl, &mut b),
            CallsealResult::Ok
        );
        callseal_caller_free(caller);
        callseal_callee_free(callee);
        (a, b)
    }
}

/// Constructors given a NULL out-pointer built the handle first and leaked it, keys unwiped.
#[test]
fn null_out_pointer_builds_and_leaks_nothing() {
    unsafe {
        let before = alloc::thread_net();
        let r = [
            callseal_srtp_sender_new(7, KEY28.as_ptr(), 28, null_mut()),
            callseal_srtp_receiver_new(7, KEY28.as_ptr(), 28, null_mut()),
            callseal_srtp_receiver_new_with_replay_window(7, KEY28.as_ptr(), 28, 256, null_mut()),
            callseal_sframe_sender_new(4, 1, KEY28.as_ptr(), 28, null_mut()),
            callseal_sframe_receiver_new(4, null_mut()),
            callseal_sframe_receiver_new_with_replay_window(4, 256, null_mut()),
            callseal_packets_new(null_mut()),
        ];
        assert!(
            r.iter().all(|r| *r == CallsealResult::InvalidArgument),
            "{r:?}"
        );
        assert_eq!(alloc::thread_net(), before, "a handle was built and leaked");
        // The SFrame sender was never built, so its key is not taken either.
        let mut s = null_mut();
        assert_eq!(
            callseal_sframe_sender_new(4, 1, KEY28.as_ptr(), 28, &mut s),
            CallsealResult::Ok
        );
        callseal_sframe_sender_free(s);
    }
}

/// `call_new` consumed the handshake before checking `call_out`.
#[test]
fn call_new_checks_everything_before_consuming_the_handshake() {
    unsafe {
        let (mut a, b) = established_pair(CALLSEAL_INTENT_ON);
        let bad = [
            callseal_call_new(
                &mut a,
                CALLSEAL_LAYERS_SFRAME,
                0,
                null(),
                0,
                null(),
                0,
                null_mut(),
            ),
            callseal_call_new(&mut a, 9, 0, null(), 0, null(), 0, &mut null_mut()),
            callseal_call_new(
                &mut a,
                CALLSEAL_LAYERS_BOTH,
                0,
                null(),
                0,
                null(),
                0,
                &mut null_mut(),
            ),
            callseal_call_new(
                &mut a,
                CALLSEAL_LAYERS_BOTH,
                3,
                KEY28.as_ptr(),
                28,
                KEY28.as_ptr(),
                28,
                &mut null_mut(),
            ),
            callseal_call_new(
                &mut a,
                CALLSEAL_LAYERS_BOTH,
                7,
                KEY28.as_ptr(),
                27,
                KEY28.as_ptr(),
                28,
                &mut null_mut(),
            ),
        ];
        assert_eq!(
            bad,
            [
                CallsealResult::InvalidArgument,
                CallsealResult::InvalidArgument,
                CallsealResult::InvalidArgument,
                CallsealResult::UnsupportedSuite,
                CallsealResult::InvalidKeyLength
            ]
        );
        assert!(!a.is_null(), "the handshake is still the caller's");
        let mut call = null_mut();
        assert_eq!(
            callseal_call_new(
                &mut a,
                CALLSEAL_LAYERS_SFRAME,
                0,
                null(),
                0,
                null(),
                0,
                &mut call
            ),
            CallsealResult::Ok
        );
        assert!(a.is_null() && !call.is_null());
        callseal_call_free(call);
        callseal_established_free(b);
    }
}

/// Unprotect with `out_len == NULL` decrypted in place and used up the packet's replay slot.
#[test]
fn unprotect_without_out_len_keeps_the_packet() {
    unsafe {
        let (mut tx, mut rx) = (null_mut(), null_mut());
        callseal_srtp_sender_new(7, KEY28.as_ptr(), 28, &mut tx);
        callseal_srtp_receiver_new(7, KEY28.as_ptr(), 28, &mut rx);
        let mut buf = [0u8; 64];
        buf[..20].copy_from_slice(&RTP);
        let mut n = 0;
        assert_eq!(
            callseal_srtp_protect_rtp(tx, buf.as_mut_ptr(), 20, 64, &mut n),
            CallsealResult::Ok
        );
        let sent = buf;
        assert_eq!(
            callseal_srtp_unprotect_rtp(rx, buf.as_mut_ptr(), n, null_mut()),
            CallsealResult::InvalidArgument
        );
        assert_eq!(buf, sent, "the packet is untouched");
        let mut out = 0;
        assert_eq!(
            callseal_srtp_unprotect_rtp(rx, buf.as_mut_ptr(), n, &mut out),
            CallsealResult::Ok
        );
        assert_eq!(&buf[..out], &RTP);
        // SRTCP the same way.
        let rtcp = [0x80u8, 200, 0, 1, 0xca, 0xfe, 0xba, 0xbe];
        buf[..8].copy_from_slice(&rtcp);
        assert_eq!(
            callseal_srtp_protect_rtcp(tx, buf.as_mut_ptr(), 8, 64, &mut n),
            CallsealResult::Ok
        );
        let sent = buf;
        assert_eq!(
            callseal_srtp_unprotect_rtcp(rx, buf.as_mut_ptr(), n, null_mut()),
            CallsealResult::InvalidArgument
        );
        assert_eq!(buf, sent);
        assert_eq!(
            callseal_srtp_unprotect_rtcp(rx, buf.as_mut_ptr(), n, &mut out),
            CallsealResult::Ok
        );
        callseal_srtp_sender_free(tx);
        callseal_srtp_receiver_free(rx);
    }
}

/// The RFC 6188 suites by their C numbers: lengths, overheads and a round trip each.
#[test]
fn rfc6188_suites_from_c() {
    let suites = [
        (CALLSEAL_SRTP_AES_256_CM_HMAC_SHA1_80, 32, 10),
        (CALLSEAL_SRTP_AES_256_CM_HMAC_SHA1_32, 32, 4),
        (CALLSEAL_SRTP_AES_192_CM_HMAC_SHA1_80, 24, 10),
        (CALLSEAL_SRTP_AES_192_CM_HMAC_SHA1_32, 24, 4),
    ];
    for (suite, key_len, tag) in suites {
        assert_eq!(callseal_srtp_key_len(suite), key_len);
        assert_eq!(callseal_srtp_salt_len(suite), 14);
        assert_eq!(callseal_srtp_overhead(suite), tag);
        assert_eq!(callseal_srtcp_overhead(suite), 14);
        let km = [0x42u8; 46];
        let len = key_len + 14;
        assert_eq!(
            len,
            if key_len == 32 {
                CALLSEAL_SRTP_AES_256_CM_KEY_AND_SALT_LEN
            } else {
                CALLSEAL_SRTP_AES_192_CM_KEY_AND_SALT_LEN
            }
        );
        unsafe {
            let (mut tx, mut rx) = (null_mut(), null_mut());
            assert_eq!(
                callseal_srtp_sender_new(suite, km.as_ptr(), len, &mut tx),
                CallsealResult::Ok
            );
            assert_eq!(
                callseal_srtp_receiver_new(suite, km.as_ptr(), len, &mut rx),
                CallsealResult::Ok
            );
            assert_eq!(
                callseal_srtp_sender_new(suite, km.as_ptr(), 30, &mut null_mut()),
                CallsealResult::InvalidKeyLength
            );
            let mut buf = [0u8; 64];
            buf[..20].copy_from_slice(&RTP);
            let (mut n, mut out) = (0, 0);
            assert_eq!(
                callseal_srtp_protect_rtp(tx, buf.as_mut_ptr(), 20, 64, &mut n),
                CallsealResult::Ok
            );
            assert_eq!(n, 20 + tag);
            assert_ne!(&buf[12..20], &RTP[12..]);
            assert_eq!(
                callseal_srtp_unprotect_rtp(rx, buf.as_mut_ptr(), n, &mut out),
                CallsealResult::Ok
            );
            assert_eq!(&buf[..out], &RTP);
            callseal_srtp_sender_free(tx);
            callseal_srtp_receiver_free(rx);
        }
    }
}

/// The NULL-cipher profiles (5 and 6) are refused by the C ABI: it has no way to consent.
#[test]
fn null_cipher_suites_are_refused() {
    let km = [0x42u8; 30];
    for suite in [5, 6] {
        unsafe {
            let (mut tx, mut rx) = (null_mut(), null_mut());
            assert_eq!(
                callseal_srtp_sender_new(suite, km.as_ptr(), 30, &mut tx),
                CallsealResult::InvalidArgument
            );
            assert!(tx.is_null());
            assert_eq!(
                callseal_srtp_receiver_new(suite, km.as_ptr(), 30, &mut rx),
                CallsealResult::InvalidArgument
            );
            assert!(rx.is_null());
        }
    }
}

/// `callseal_result_message` took the enum by value: 1000 or -1 were undefined behaviour.
#[test]
fn result_message_takes_any_integer() {
    for code in [-1, 1000, i32::MIN, i32::MAX, 22] {
        let m = unsafe { CStr::from_ptr(callseal_result_message(code)) };
        assert_eq!(m.to_str().unwrap(), "unknown result code");
    }
}

/// Lengths were not range-checked: `(size_t)-1` crashed protect and unprotect, `SIZE_MAX`
/// reached a panic.
#[test]
fn huge_lengths_are_refused_before_any_work() {
    unsafe {
        let (mut tx, mut rx, mut stx, mut srx) = (null_mut(), null_mut(), null_mut(), null_mut());
        callseal_srtp_sender_new(7, KEY28.as_ptr(), 28, &mut tx);
        callseal_srtp_receiver_new(7, KEY28.as_ptr(), 28, &mut rx);
        callseal_sframe_sender_new(4, 77, [5u8; 32].as_ptr(), 32, &mut stx);
        callseal_sframe_receiver_new(4, &mut srx);
        let mut buf = [0u8; 64];
        buf[..20].copy_from_slice(&RTP);
        let mut n = 0;
        for huge in [usize::MAX, usize::MAX - 10, isize::MAX as usize + 1] {
            let r = [
                callseal_srtp_protect_rtp(tx, buf.as_mut_ptr(), 20, huge, &mut n),
                callseal_srtp_protect_rtp(tx, buf.as_mut_ptr(), huge, huge, &mut n),
                callseal_srtp_protect_rtcp(tx, buf.as_mut_ptr(), huge - 1, huge, &mut n),
                callseal_srtp_unprotect_rtp(rx, buf.as_mut_ptr(), huge, &mut n),
                callseal_srtp_unprotect_rtcp(rx, buf.as_mut_ptr(), huge, &mut n),
                callseal_sframe_seal(stx, buf.as_ptr(), huge, buf.as_mut_ptr(), 64, &mut n),
                callseal_sframe_seal(stx, buf.as_ptr(), 3, buf.as_mut_ptr(), huge, &mut n),
                callseal_sframe_open(srx, buf.as_mut_ptr(), huge, &mut n, &mut n),
                callseal_srtp_sender_new(7, KEY28.as_ptr(), huge, &mut null_mut()),
            ];
            assert!(
                r.iter().all(|r| *r == CallsealResult::InvalidArgument),
                "{huge}: {r:?}"
            );
        }
        // Nothing was used up: the first packet still protects with sequence number 1.
        assert_eq!(
            callseal_srtp_protect_rtp(tx, buf.as_mut_ptr(), 20, 64, &mut n),
            CallsealResult::Ok
        );
        callseal_srtp_sender_free(tx);
        callseal_srtp_receiver_free(rx);
        callseal_sframe_sender_free(stx);
        callseal_sframe_receiver_free(srx);
    }
}

/// `call_send_frame` accepted frames the receiver could never reassemble (5 MiB, lost).
#[test]
fn frames_the_peer_cannot_take_are_refused_by_the_sender() {
    unsafe {
        let (mut a, b) = established_pair(CALLSEAL_INTENT_ON);
        let mut call = null_mut();
        callseal_call_new(
            &mut a,
            CALLSEAL_LAYERS_SFRAME,
            0,
            null(),
            0,
            null(),
            0,
            &mut call,
        );
        let mut max = 0;
        assert_eq!(
            callseal_call_max_frame_len(call, &mut max),
            CallsealResult::Ok
        );
        assert_eq!(max, 1 << 20);
        let mut batch = null_mut();
        callseal_packets_new(&mut batch);
        let big = vec![1u8; 5 << 20];
        assert_eq!(
            callseal_call_send_frame(
                call,
                CALLSEAL_KIND_SCREEN,
                big.as_ptr(),
                big.len(),
                0,
                0,
                batch
            ),
            CallsealResult::FrameTooLarge
        );
        let mut count = 9;
        callseal_packets_count(batch, &mut count);
        assert_eq!(count, 0);
        assert_eq!(
            callseal_call_send_frame(call, CALLSEAL_KIND_SCREEN, big.as_ptr(), max, 0, 0, batch),
            CallsealResult::Ok
        );
        callseal_packets_free(batch);
        callseal_call_free(call);
        callseal_established_free(b);
    }
}

/// `call_rekey` on a standard call said INVALID_ARGUMENT instead of WRONG_STATE.
#[test]
fn rekey_of_a_standard_call_is_the_wrong_state() {
    unsafe {
        let (mut a, b) = established_pair(CALLSEAL_INTENT_OFF);
        let mut call = null_mut();
        assert_eq!(
            callseal_call_new(
                &mut a,
                CALLSEAL_LAYERS_BOTH,
                7,
                KEY28.as_ptr(),
                28,
                [8u8; 28].as_ptr(),
                28,
                &mut call
            ),
            CallsealResult::Ok
        );
        assert_eq!(callseal_call_rekey(call, 0), CallsealResult::WrongState);
        callseal_call_free(call);
        callseal_established_free(b);
    }
}

/// `policy_decide` could not ask for the default policy, and gave reasons only as a count.
#[test]
fn policy_decide_takes_the_defaults_and_names_the_reasons() {
    unsafe {
        let mut d = CallsealDecision::default();
        assert_eq!(
            callseal_policy_decide(
                null(),
                0,
                c"alice".as_ptr(),
                c"bob".as_ptr(),
                CALLSEAL_CALL_KIND_ONE_TO_ONE,
                &mut d
            ),
            CallsealResult::Ok
        );
        assert_eq!(d.end_to_end, 0);
        assert_eq!(d.caller_reasons, CALLSEAL_REASON_POLICY_DISABLED);
        assert_eq!(d.callee_reasons, CALLSEAL_REASON_POLICY_DISABLED);
        assert_eq!(d.reasons, 2);
        let name = CStr::from_ptr(callseal_reason_name(CALLSEAL_REASON_POLICY_DISABLED));
        assert_eq!(name.to_str().unwrap(), "policy_disabled");
        let unknown = CStr::from_ptr(callseal_reason_name(1 << 20));
        assert_eq!(unknown.to_str().unwrap(), "unknown");
        assert_eq!(
            callseal_policy_decide(
                null(),
                0,
                c"a".as_ptr(),
                c"b".as_ptr(),
                CALLSEAL_CALL_KIND_PSTN,
                &mut d
            ),
            CallsealResult::Ok
        );
        assert_ne!(d.caller_reasons & CALLSEAL_REASON_CALL_KIND_NOT_ELIGIBLE, 0);
        assert_eq!(
            callseal_policy_decide(null(), 0, c"a".as_ptr(), c"b".as_ptr(), 4, &mut d),
            CallsealResult::InvalidArgument
        );
        assert_eq!(
            callseal_policy_decide(b"{".as_ptr(), 1, c"a".as_ptr(), c"b".as_ptr(), 0, &mut d),
            CallsealResult::PolicyStore
        );
    }
}

/// The header had no constants for suites and key lengths, and the replay window could not be
/// set from C.
#[test]
fn constants_key_lengths_and_replay_window_from_c() {
    assert_eq!(callseal_srtp_key_len(CALLSEAL_SRTP_AEAD_AES_256_GCM), 32);
    assert_eq!(
        callseal_srtp_key_len(CALLSEAL_SRTP_AEAD_AES_128_GCM)
            + callseal_srtp_salt_len(CALLSEAL_SRTP_AEAD_AES_128_GCM),
        CALLSEAL_SRTP_AEAD_AES_128_GCM_KEY_AND_SALT_LEN
    );
    assert_eq!(
        callseal_srtp_key_len(CALLSEAL_SRTP_AES_CM_128_HMAC_SHA1_32)
            + callseal_srtp_salt_len(CALLSEAL_SRTP_AES_CM_128_HMAC_SHA1_32),
        CALLSEAL_SRTP_AES_CM_128_KEY_AND_SALT_LEN
    );
    assert_eq!(callseal_srtp_key_len(3), 0);
    assert_eq!(
        callseal_sframe_overhead(CALLSEAL_SFRAME_AES_256_GCM_SHA512_128),
        33
    );
    unsafe {
        let mut rx = null_mut();
        for (w, ok) in [(63, false), (64, true), (32768, true), (32769, false)] {
            let r =
                callseal_srtp_receiver_new_with_replay_window(7, KEY28.as_ptr(), 28, w, &mut rx);
            assert_eq!(r == CallsealResult::Ok, ok, "{w}");
            callseal_srtp_receiver_free(rx);
            rx = null_mut();
            let mut srx = null_mut();
            let r = callseal_sframe_receiver_new_with_replay_window(4, w, &mut srx);
            assert_eq!(r == CallsealResult::Ok, ok, "{w}");
            callseal_sframe_receiver_free(srx);
        }
        // The sender refuses a sequence number it already used.
        let mut tx = null_mut();
        callseal_srtp_sender_new(7, KEY28.as_ptr(), 28, &mut tx);
        let mut buf = [0u8; 64];
        let mut n = 0;
        buf[..20].copy_from_slice(&RTP);
        assert_eq!(
            callseal_srtp_protect_rtp(tx, buf.as_mut_ptr(), 20, 64, &mut n),
            CallsealResult::Ok
        );
        buf[..20].copy_from_slice(&RTP);
        assert_eq!(
            callseal_srtp_protect_rtp(tx, buf.as_mut_ptr(), 20, 64, &mut n),
            CallsealResult::Replay
        );
        callseal_srtp_sender_free(tx);
    }
}

/// A second SFrame sender for one key and KID through the C ABI is refused.
#[test]
fn a_second_sframe_sender_for_one_key_is_refused() {
    unsafe {
        let key = [0x33u8; 32];
        let (mut a, mut b) = (null_mut(), null_mut());
        assert_eq!(
            callseal_sframe_sender_new(4, 12, key.as_ptr(), 32, &mut a),
            CallsealResult::Ok
        );
        callseal_sframe_sender_free(a);
        assert_eq!(
            callseal_sframe_sender_new(4, 12, key.as_ptr(), 32, &mut b),
            CallsealResult::KeyReuse
        );
        assert!(b.is_null());
        let mut r = null_mut();
        callseal_sframe_receiver_new(4, &mut r);
        assert_eq!(
            callseal_sframe_receiver_add_key(r, 5, 0, key.as_ptr(), 32),
            CallsealResult::Ok
        );
        assert_eq!(
            callseal_sframe_receiver_remove_key(r, 5),
            CallsealResult::Ok
        );
        assert_eq!(
            callseal_sframe_receiver_remove_key(r, 5),
            CallsealResult::UnknownKey
        );
        assert_eq!(
            callseal_sframe_receiver_add_key(r, 5, 0, key.as_ptr(), 32),
            CallsealResult::KeyReuse
        );
        callseal_sframe_receiver_free(r);
    }
}

#[test]
fn panics_stop_at_the_boundary() {
    assert_eq!(util::guard(|| panic!("boom")), CallsealResult::Panic);
}

/// The header and the crate agree on the version.
#[test]
fn the_header_carries_the_crates_version() {
    let header = include_str!("../include/callseal.h");
    let v = env!("CARGO_PKG_VERSION");
    assert!(header.contains(&format!("#define CALLSEAL_VERSION_STRING \"{v}\"")));
    let got = unsafe { CStr::from_ptr(callseal_version()) };
    assert_eq!(got.to_str().unwrap(), v);
}

fn poll_events(call: *mut CallsealCall) -> Vec<CallsealEvent> {
    let mut out = Vec::new();
    loop {
        let mut e = CallsealEvent {
            kind: 99,
            ..Default::default()
        };
        assert_eq!(
            unsafe { callseal_call_poll_event(call, &mut e) },
            CallsealResult::Ok
        );
        if e.kind == CALLSEAL_EVENT_NONE {
            assert_eq!(e, CallsealEvent::default());
            return out;
        }
        out.push(e);
    }
}

fn event(kind: u32, epoch: u32, cause: u32) -> CallsealEvent {
    CallsealEvent {
        kind,
        epoch,
        cause,
        media_kind: 0,
    }
}

/// The session's events and timer from C: options set the interval and a grace in time,
/// `poll_timeout` names the instant, and every epoch move comes out as an event.
#[test]
fn events_and_timer_from_c() {
    unsafe {
        let (mut ea, mut eb) = established_pair(CALLSEAL_INTENT_ON);
        let mut opts = CallsealCallOptions {
            size: 0,
            ..Default::default()
        };
        assert_eq!(callseal_call_options_init(&mut opts), CallsealResult::Ok);
        assert_eq!(opts, CallsealCallOptions::default());
        opts.rekey_interval_us = 1_000_000;
        opts.grace_us = 300_000;
        let new = |est: &mut *mut CallsealEstablished, o: &CallsealCallOptions| {
            let mut call = null_mut();
            let r = callseal_call_new_with_options(
                est,
                CALLSEAL_LAYERS_SFRAME,
                0,
                null(),
                0,
                null(),
                0,
                o,
                &mut call,
            );
            (r, call)
        };
        // Out-of-range options leave the handshake with the caller.
        for bad in [
            CallsealCallOptions { size: 8, ..opts },
            CallsealCallOptions {
                replay_window: 1 << 20,
                ..opts
            },
            CallsealCallOptions {
                frame_limit: 0,
                ..opts
            },
        ] {
            assert_eq!(new(&mut ea, &bad).0, CallsealResult::InvalidArgument);
            assert!(!ea.is_null());
        }
        let (r, a) = new(&mut ea, &opts);
        assert_eq!(r, CallsealResult::Ok);
        let (r, b) = new(&mut eb, &opts);
        assert_eq!(r, CallsealResult::Ok);
        let mut at = 0;
        assert_eq!(callseal_call_poll_timeout(a, &mut at), CallsealResult::Ok);
        assert_eq!(at, 1_000_000);
        assert_eq!(callseal_call_handle_timeout(a, at), CallsealResult::Ok);
        assert_eq!(
            poll_events(a),
            [
                event(CALLSEAL_EVENT_REKEY_STARTED, 1, CALLSEAL_REKEY_INTERVAL),
                event(CALLSEAL_EVENT_EPOCH_STARTED, 1, 0)
            ]
        );
        // One frame to the peer: it moves, follows, and its grace runs 300 ms.
        let mut batch = null_mut();
        callseal_packets_new(&mut batch);
        let frame = [7u8; 300];
        let now = 1_100_000;
        assert_eq!(
            callseal_call_send_frame(a, CALLSEAL_KIND_AUDIO, frame.as_ptr(), 300, 0, now, batch),
            CallsealResult::Ok
        );
        let (mut data, mut len) = (null(), 0);
        callseal_packets_get(batch, 0, &mut data, &mut len);
        let mut packet = std::slice::from_raw_parts(data, len).to_vec();
        let (mut kind, mut got, mut got_len) = (9, null(), 0);
        assert_eq!(
            callseal_call_receive_packet(
                b,
                packet.as_mut_ptr(),
                packet.len(),
                now,
                &mut kind,
                &mut got,
                &mut got_len
            ),
            CallsealResult::Ok
        );
        assert_eq!(got_len, 300);
        assert_eq!(
            poll_events(b),
            [
                event(CALLSEAL_EVENT_PEER_MOVED, 1, 0),
                event(CALLSEAL_EVENT_EPOCH_STARTED, 1, 0)
            ]
        );
        assert_eq!(callseal_call_poll_timeout(b, &mut at), CallsealResult::Ok);
        assert_eq!(at, now + 300_000);
        assert_eq!(callseal_call_handle_timeout(b, at), CallsealResult::Ok);
        assert_eq!(poll_events(b), [event(CALLSEAL_EVENT_KEYS_RETIRED, 1, 0)]);
        // NULLs are refused; a standard call has no timer.
        assert_eq!(
            callseal_call_poll_event(a, null_mut()),
            CallsealResult::InvalidArgument
        );
        assert_eq!(
            callseal_call_poll_timeout(null(), &mut at),
            CallsealResult::InvalidArgument
        );
        let (mut sa, sb) = established_pair(CALLSEAL_INTENT_OFF);
        let mut std_call = null_mut();
        callseal_call_new(
            &mut sa,
            CALLSEAL_LAYERS_BOTH,
            7,
            KEY28.as_ptr(),
            28,
            [8u8; 28].as_ptr(),
            28,
            &mut std_call,
        );
        assert_eq!(
            callseal_call_poll_timeout(std_call, &mut at),
            CallsealResult::Ok
        );
        assert_eq!(at, CALLSEAL_NO_TIMEOUT);
        callseal_call_free(std_call);
        callseal_established_free(sb);
        callseal_packets_free(batch);
        callseal_call_free(a);
        callseal_call_free(b);
    }
}
