//! The policy decision for a call.

use crate::result::CallsealResult;
use crate::util::{arg, bytes, guard, put};
use callseal::policy::{CallKind, PolicyStore, Rule};
use callseal::CallSecurity;
use std::ffi::{c_char, CStr};

/// Call kind: an unscheduled one-to-one VoIP call (the only kind E2EE applies to).
pub const CALLSEAL_CALL_KIND_ONE_TO_ONE: u32 = 0;
/// Call kind: a meeting.
pub const CALLSEAL_CALL_KIND_MEETING: u32 = 1;
/// Call kind: a group call.
pub const CALLSEAL_CALL_KIND_GROUP: u32 = 2;
/// Call kind: a PSTN call.
pub const CALLSEAL_CALL_KIND_PSTN: u32 = 3;

/// Reason bit: the user's policy is `Disabled`.
pub const CALLSEAL_REASON_POLICY_DISABLED: u32 = 1 << 0;
/// Reason bit: the policy allows E2EE but the user's own setting is off.
pub const CALLSEAL_REASON_SETTING_OFF: u32 = 1 << 1;
/// Reason bit: the user is under compliance recording.
pub const CALLSEAL_REASON_COMPLIANCE_RECORDING: u32 = 1 << 2;
/// Reason bit: the call is not an unscheduled one-to-one VoIP call.
pub const CALLSEAL_REASON_CALL_KIND_NOT_ELIGIBLE: u32 = 1 << 3;
/// Reason bit: the user requires E2EE and the other side cannot use it (the call fails).
pub const CALLSEAL_REASON_E2EE_REQUIRED: u32 = 1 << 4;
/// Reason bit: the user's policy does not let end-to-end calls add participants (a reason an
/// add is refused; a call's decision never carries it).
pub const CALLSEAL_REASON_ADD_PARTICIPANT_DISABLED: u32 = 1 << 5;

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
    /// How many reasons apply, both users together.
    pub reasons: u32,
    /// The reasons about the caller: `CALLSEAL_REASON_*` bits.
    pub caller_reasons: u32,
    /// The reasons about the callee: `CALLSEAL_REASON_*` bits.
    pub callee_reasons: u32,
}

fn bit(rule: Rule) -> u32 {
    match rule {
        Rule::PolicyDisabled => CALLSEAL_REASON_POLICY_DISABLED,
        Rule::SettingOff => CALLSEAL_REASON_SETTING_OFF,
        Rule::ComplianceRecording => CALLSEAL_REASON_COMPLIANCE_RECORDING,
        Rule::CallKindNotEligible => CALLSEAL_REASON_CALL_KIND_NOT_ELIGIBLE,
        Rule::E2eeRequired => CALLSEAL_REASON_E2EE_REQUIRED,
        Rule::AddParticipantDisabled => CALLSEAL_REASON_ADD_PARTICIPANT_DISABLED,
    }
}

/// The stable name of one `CALLSEAL_REASON_*` bit (`"policy_disabled"`, `"setting_off"`,
/// ...), as `callseal policy` prints it; `"unknown"` for anything else.
#[no_mangle]
pub extern "C" fn callseal_reason_name(reason_bit: u32) -> *const c_char {
    let s: &'static CStr = match reason_bit {
        CALLSEAL_REASON_POLICY_DISABLED => c"policy_disabled",
        CALLSEAL_REASON_SETTING_OFF => c"setting_off",
        CALLSEAL_REASON_COMPLIANCE_RECORDING => c"compliance_recording",
        CALLSEAL_REASON_CALL_KIND_NOT_ELIGIBLE => c"call_kind_not_eligible",
        CALLSEAL_REASON_E2EE_REQUIRED => c"e2ee_required",
        CALLSEAL_REASON_ADD_PARTICIPANT_DISABLED => c"add_participant_disabled",
        _ => c"unknown",
    };
    s.as_ptr()
}

/// Decide a call between two users (NUL-terminated UTF-8 names) from a policy store: its JSON
/// text, as `callseal policy` writes it, or null and 0 for the defaults (every user on the
/// `Global` policy, `Disabled`). `kind_value` is one of `CALLSEAL_CALL_KIND_*`.
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
        let text = unsafe { bytes(store_json, store_len) }?;
        arg(caller)?;
        arg(callee)?;
        arg(out)?;
        let kind = [
            CallKind::OneToOne,
            CallKind::Meeting,
            CallKind::Group,
            CallKind::Pstn,
        ]
        .get(usize::try_from(kind_value).unwrap_or(usize::MAX))
        .copied()
        .ok_or(CallsealResult::InvalidArgument)?;
        let name = |p: *const c_char| -> Result<&str, CallsealResult> {
            // SAFETY: checked non-null; the caller promises a NUL-terminated string.
            unsafe { CStr::from_ptr(p) }
                .to_str()
                .map_err(|_| CallsealResult::InvalidArgument)
        };
        let (caller, callee) = (name(caller)?, name(callee)?);
        let store = if text.is_empty() {
            PolicyStore::default()
        } else {
            let text = std::str::from_utf8(text).map_err(|_| CallsealResult::PolicyStore)?;
            PolicyStore::from_json(text).map_err(|_| CallsealResult::PolicyStore)?
        };
        let d = store.decide(caller, callee, kind);
        let reasons_of = |user: &str| {
            d.reasons
                .iter()
                .filter(|r| r.user == user)
                .fold(0, |acc, r| acc | bit(r.rule))
        };
        let decision = CallsealDecision {
            end_to_end: i32::from(d.security == CallSecurity::EndToEnd),
            refused: i32::from(d.refused),
            caller_intent: d.caller_intent as u32,
            callee_intent: d.callee_intent as u32,
            reasons: d.reasons.len() as u32,
            caller_reasons: reasons_of(caller),
            callee_reasons: reasons_of(callee),
        };
        unsafe { put(out, decision) };
        Ok(())
    })
}
