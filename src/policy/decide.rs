//! Deciding a call's security: each user's effective policy and intent, the decision for a
//! call from both parties, and whether an end-to-end call may add a participant, with every
//! reason that applies.

use super::{CallingE2ee, EncryptionPolicy, PolicyStore, GLOBAL};

use crate::error::Result;
use crate::security::{CallSecurity, Feature};
use crate::types::Intent;

/// The kind of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallKind {
    /// An unscheduled one-to-one VoIP call: the only kind eligible for E2EE.
    OneToOne,
    /// A scheduled or ad-hoc meeting.
    Meeting,
    /// A group call.
    Group,
    /// A call to or from the phone network.
    Pstn,
}

names!(CallKind, crate::Error::UnknownName, "`one-to-one`, `meeting`, `group` or `pstn`.", {
    OneToOne => "one-to-one",
    Meeting => "meeting",
    Group => "group",
    Pstn => "pstn",
});

/// Why a call is not end-to-end (or fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The user's policy is `Disabled`.
    PolicyDisabled,
    /// The user's policy allows E2EE but the user's setting is off.
    SettingOff,
    /// The user is under compliance recording.
    ComplianceRecording,
    /// The call is not an unscheduled one-to-one VoIP call.
    CallKindNotEligible,
    /// The user requires E2EE and the other side cannot use it: the call fails.
    E2eeRequired,
    /// The user's policy does not let end-to-end encrypted calls add participants.
    AddParticipantDisabled,
}

names!(Rule, crate::Error::UnknownName, "e.g. `policy_disabled`.", {
    PolicyDisabled => "policy_disabled",
    SettingOff => "setting_off",
    ComplianceRecording => "compliance_recording",
    CallKindNotEligible => "call_kind_not_eligible",
    E2eeRequired => "e2ee_required",
    AddParticipantDisabled => "add_participant_disabled",
});

/// One reason, naming the user it is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reason {
    /// The user.
    pub user: String,
    /// The rule.
    pub rule: Rule,
}

/// One user's effective E2EE state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effective {
    /// The policy that applies.
    pub policy: String,
    /// Where it comes from: `user`, `group:<name>` or `global`.
    pub source: String,
    /// Its setting.
    pub calling_end_to_end_encryption: CallingE2ee,
    /// Whether the policy lets the user's end-to-end calls add participants.
    pub allow_add_participant: bool,
    /// The user's own setting.
    pub setting_on: bool,
    /// Under compliance recording.
    pub compliance_recording: bool,
    /// Requires E2EE (the user's or the organization's option).
    pub require_e2ee: bool,
    /// The intent the user brings to a handshake.
    pub intent: Intent,
    /// Why the intent is off, if it is.
    pub reasons: Vec<Rule>,
}

/// The decision for one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// End-to-end or standard.
    pub security: CallSecurity,
    /// The call fails: one side requires E2EE and the other cannot use it.
    pub refused: bool,
    /// Every reason that applies.
    pub reasons: Vec<Reason>,
    /// The caller's handshake intent.
    pub caller_intent: Intent,
    /// The callee's handshake intent.
    pub callee_intent: Intent,
    /// Whether a participant may be added: always in a standard call; in an end-to-end call
    /// only when both parties' effective policies allow it (the call then grows as an
    /// end-to-end group). [`PolicyStore::decide_add`] gives the reasons for a given newcomer.
    pub add_participant: bool,
}

impl Decision {
    /// The feature gate of this call: as [`CallSecurity::check`], except that
    /// [`Feature::AddParticipant`] follows [`Decision::add_participant`]. In an end-to-end call
    /// every other feature stays refused with
    /// [`Error::FeatureUnavailable`](crate::Error::FeatureUnavailable).
    pub fn check(&self, feature: Feature) -> Result<()> {
        match (self.security, feature) {
            (CallSecurity::EndToEnd, Feature::AddParticipant) if self.add_participant => Ok(()),
            _ => self.security.check(feature),
        }
    }
}

/// Whether an end-to-end call may grow by one participant, from [`PolicyStore::decide_add`].
///
/// A refused add leaves the call as it is: end-to-end, with the participants it has. Nothing
/// here ever makes the call fall back to standard encryption to let someone in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddDecision {
    /// The newcomer may be added: no reason applies.
    pub allowed: bool,
    /// Every reason the add is refused, each naming its user: a participant whose policy does
    /// not allow adding ([`Rule::AddParticipantDisabled`]), and why the newcomer cannot use
    /// end-to-end encryption ([`Rule::PolicyDisabled`], [`Rule::SettingOff`],
    /// [`Rule::ComplianceRecording`]).
    pub reasons: Vec<Reason>,
}

impl PolicyStore {
    /// The policy that applies to `user`, and where it comes from.
    pub fn effective_policy(&self, user: &str) -> (&EncryptionPolicy, String) {
        let global = || {
            self.policy(&self.global_policy)
                .or_else(|| self.policy(GLOBAL))
                .unwrap_or(&self.policies[0])
        };
        if let Some(p) = self
            .users
            .get(user)
            .and_then(|u| u.policy.as_deref())
            .and_then(|p| self.policy(p))
        {
            return (p, "user".to_owned());
        }
        let best = self
            .groups
            .iter()
            .filter(|(_, g)| g.members.contains(user))
            .filter_map(|(name, g)| g.grant.as_ref().map(|gr| (gr.rank, name, gr)))
            .min_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        if let Some((_, name, gr)) = best {
            if let Some(p) = self.policy(&gr.policy) {
                return (p, format!("group:{name}"));
            }
        }
        (global(), "global".to_owned())
    }

    /// The user's effective E2EE state and handshake intent.
    pub fn effective(&self, user: &str) -> Effective {
        let (policy, source) = self.effective_policy(user);
        let u = self.users.get(user).cloned().unwrap_or_default();
        let mut reasons = Vec::new();
        match policy.calling_end_to_end_encryption {
            CallingE2ee::Disabled => reasons.push(Rule::PolicyDisabled),
            CallingE2ee::DisabledUserOverride if !u.end_to_end_encrypted_calls => {
                reasons.push(Rule::SettingOff)
            }
            CallingE2ee::DisabledUserOverride => {}
        }
        if u.compliance_recording {
            reasons.push(Rule::ComplianceRecording);
        }
        let require = u.require_e2ee || self.require_e2ee;
        let intent = match (reasons.is_empty(), require) {
            (false, _) => Intent::Off,
            (true, true) => Intent::Required,
            (true, false) => Intent::On,
        };
        Effective {
            policy: policy.identity.clone(),
            source,
            calling_end_to_end_encryption: policy.calling_end_to_end_encryption,
            allow_add_participant: policy.allow_add_participant,
            setting_on: u.end_to_end_encrypted_calls,
            compliance_recording: u.compliance_recording,
            require_e2ee: require,
            intent,
            reasons,
        }
    }

    /// Decide a call between `caller` and `callee`.
    pub fn decide(&self, caller: &str, callee: &str, kind: CallKind) -> Decision {
        let sides = [
            (caller, self.effective(caller)),
            (callee, self.effective(callee)),
        ];
        let mut reasons = Vec::new();
        for (user, e) in &sides {
            for rule in &e.reasons {
                reasons.push(Reason {
                    user: (*user).to_owned(),
                    rule: *rule,
                });
            }
        }
        let eligible = kind == CallKind::OneToOne;
        if !eligible {
            reasons.push(Reason {
                user: caller.to_owned(),
                rule: Rule::CallKindNotEligible,
            });
        }
        let intents = sides
            .each_ref()
            .map(|(_, e)| if eligible { e.intent } else { Intent::Off });
        let refused = eligible
            && intents.contains(&Intent::Off)
            && sides
                .iter()
                .any(|(_, e)| e.require_e2ee && e.reasons.is_empty());
        if refused {
            for (user, e) in &sides {
                if e.require_e2ee && e.reasons.is_empty() {
                    reasons.push(Reason {
                        user: (*user).to_owned(),
                        rule: Rule::E2eeRequired,
                    });
                }
            }
        }
        let security = if intents.contains(&Intent::Off) {
            CallSecurity::Standard
        } else {
            CallSecurity::EndToEnd
        };
        let add_participant = security == CallSecurity::Standard
            || sides.iter().all(|(_, e)| e.allow_add_participant);
        Decision {
            security,
            refused,
            reasons,
            caller_intent: intents[0],
            callee_intent: intents[1],
            add_participant,
        }
    }

    /// Whether the end-to-end call of `participants` may add `newcomer` and stay end-to-end.
    ///
    /// Every participant's effective policy must allow adding participants (else
    /// [`Rule::AddParticipantDisabled`] for that participant, once however often it is named),
    /// and the newcomer must be able to use end-to-end encryption (else the reasons of its
    /// [`Effective::reasons`]); the newcomer's own policy need not allow adding. The add is
    /// allowed when no reason applies. A refused add changes nothing: the call stays
    /// end-to-end with the participants it has, never falling back to let the newcomer in.
    pub fn decide_add(&self, participants: &[&str], newcomer: &str) -> AddDecision {
        let mut reasons = Vec::new();
        for (i, user) in participants.iter().enumerate() {
            if participants[..i].contains(user) || self.effective(user).allow_add_participant {
                continue;
            }
            reasons.push(Reason {
                user: (*user).to_owned(),
                rule: Rule::AddParticipantDisabled,
            });
        }
        for rule in self.effective(newcomer).reasons {
            reasons.push(Reason {
                user: newcomer.to_owned(),
                rule,
            });
        }
        AddDecision {
            allowed: reasons.is_empty(),
            reasons,
        }
    }
}
