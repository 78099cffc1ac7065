//! The policy part of the demo: the decision for the two users, and the intents they bring to
//! the handshake.

use crate::demo::print_wrapped;
use crate::policy_cmd::decision_json;
use crate::policy_file;
use anyhow::Context as _;
use callseal::policy::{AddDecision, CallKind, CallingE2ee, Decision, PolicyStore, Rule};
use callseal::{CallSecurity, Feature, Intent};
use serde_json::{json, Value};
use std::path::Path;

/// The policy decision as the demo shows it.
pub(crate) struct PolicyView {
    pub(crate) caller_intent: Intent,
    pub(crate) callee_intent: Intent,
    decision: Decision,
    source: String,
    /// For a group call: whether the newcomer may be added to the end-to-end call.
    pub(crate) add: Option<AddDecision>,
}

/// The built-in example: a policy that lets users turn E2EE on, granted to the group both
/// users are in, and both users' settings on. For a group call (`group`), the policy also lets
/// end-to-end calls add participants, and the newcomer is in the group with her setting on.
fn example(group: bool) -> PolicyStore {
    let mut s = PolicyStore::default();
    let id = s
        .new_policy(
            "E2EE-Calls",
            CallingE2ee::DisabledUserOverride,
            "Users can turn end-to-end encrypted calls on",
        )
        .expect("a fresh store");
    if group {
        s.set_allow_add_participant(&id, true)
            .expect("the policy exists");
    }
    let users: &[&str] = if group {
        &[
            super::demo::CALLER,
            super::demo::CALLEE,
            super::demo::NEWCOMER,
        ]
    } else {
        &[super::demo::CALLER, super::demo::CALLEE]
    };
    for user in users {
        s.group_add("calling", user);
        s.user_mut(user).end_to_end_encrypted_calls = true;
    }
    s.grant_group("calling", Some((&id, 1)))
        .expect("the policy exists");
    s
}

impl PolicyView {
    /// The call will be end-to-end encrypted (not standard, not refused).
    pub(crate) fn end_to_end(&self) -> bool {
        self.decision.security == CallSecurity::EndToEnd && !self.decision.refused
    }

    /// The call may grow (the policies of both parties allow adding participants).
    pub(crate) fn add_participant(&self) -> bool {
        self.decision.add_participant
    }

    pub(crate) fn json(&self) -> Value {
        let mut v = decision_json(&self.decision, CallKind::OneToOne);
        v["decision"] = json!(self.decision.security.name());
        v["store"] = json!(self.source);
        v["features"] = self.features();
        v
    }

    fn features(&self) -> Value {
        Feature::ALL
            .iter()
            .map(|f| (f.name().to_owned(), json!(self.decision.check(*f).is_ok())))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    pub(crate) fn print(&self) {
        let d = &self.decision;
        println!(
            "policy ({}): {}{}; intents: alice {}, bob {}",
            self.source,
            match d.security {
                CallSecurity::EndToEnd => "end-to-end encrypted",
                _ => "standard encryption",
            },
            if d.refused {
                ", refused: E2EE is required"
            } else {
                ""
            },
            d.caller_intent.name(),
            d.callee_intent.name()
        );
        for r in &d.reasons {
            println!("  reason: {}: {}", r.user, rule_words(r.rule));
        }
        let (off, on): (Vec<Feature>, Vec<Feature>) =
            Feature::ALL.into_iter().partition(|f| d.check(*f).is_err());
        let list = |fs: &[Feature]| fs.iter().map(|f| feature_words(*f)).collect::<Vec<_>>();
        if !off.is_empty() {
            print_wrapped("  unavailable in this call: ", &list(&off).join(", "));
        }
        if !on.is_empty() && !d.refused {
            print_wrapped("  available in this call: ", &list(&on).join(", "));
        }
    }
}

/// A feature in the words a person reads (the JSON keeps [`Feature::name`]).
fn feature_words(f: Feature) -> &'static str {
    match f {
        Feature::LiveCaptions => "live captions",
        Feature::Transcription => "transcription",
        Feature::Transfer => "transfer the call",
        Feature::Merge => "merge calls",
        Feature::Park => "park",
        Feature::ConsultThenTransfer => "consult then transfer",
        Feature::TransferToDevice => "transfer to another device",
        Feature::AddParticipant => "add a participant",
        Feature::Recording => "recording",
        _ => f.name(),
    }
}

/// A reason in the words a person reads (the JSON keeps [`Rule::name`]).
pub(crate) fn rule_words(r: Rule) -> &'static str {
    match r {
        Rule::PolicyDisabled => "their policy has end-to-end encryption off",
        Rule::SettingOff => "end-to-end encrypted calls are off in their settings",
        Rule::ComplianceRecording => "their calls are under compliance recording",
        Rule::CallKindNotEligible => "only one-to-one calls can be end-to-end encrypted",
        Rule::E2eeRequired => "they require end-to-end encryption",
        Rule::AddParticipantDisabled => {
            "their policy does not let end-to-end calls add participants"
        }
    }
}

/// The decision for a call of `caller` and `callee`; with a `newcomer`, also whether the call
/// may add them (the built-in example then lets end-to-end calls add participants).
pub(crate) fn decide(
    store: Option<&Path>,
    caller: &str,
    callee: &str,
    newcomer: Option<&str>,
    no_e2ee: bool,
    require: bool,
) -> anyhow::Result<PolicyView> {
    let (mut s, source) = match store {
        Some(p) => {
            if !p.exists() {
                anyhow::bail!("cannot read the policy store {}: no such file", p.display());
            }
            let s = policy_file::read(p).context("--policy")?;
            (s, p.display().to_string())
        }
        None => (example(newcomer.is_some()), "built-in example".to_owned()),
    };
    if no_e2ee {
        s.user_mut(callee).end_to_end_encrypted_calls = false;
    }
    if require {
        s.user_mut(caller).require_e2ee = true;
    }
    let decision = s.decide(caller, callee, CallKind::OneToOne);
    let add = newcomer.map(|n| s.decide_add(&[caller, callee], n));
    Ok(PolicyView {
        caller_intent: decision.caller_intent,
        callee_intent: decision.callee_intent,
        decision,
        source,
        add,
    })
}
