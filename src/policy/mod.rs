//! End-to-end encryption policy, as in Teams: who may use it, when a call is end-to-end, and
//! what is unavailable in an end-to-end call.
//!
//! The model follows Teams' *enhanced encryption policy*:
//! - A policy has an identity (`Global`, or `Tag:<name>` for a named policy), a description,
//!   and [`CallingE2ee`]: `Disabled`, or `DisabledUserOverride` ("users can turn it on"). The
//!   `Global` policy exists from the start and is `Disabled`.
//! - Which policy applies to a user: a policy granted to the user directly; else the policy
//!   granted to the user's groups with the best (lowest) rank; else the organization's default
//!   (the `Global` policy unless another was granted `--global`).
//! - Each user has one setting, end-to-end encrypted calls on or off, stored once per user so
//!   every device reads the same value. A user under compliance recording cannot use E2EE.
//! - Only unscheduled one-to-one VoIP calls are eligible ([`CallKind::OneToOne`]).
//!
//! [`PolicyStore::decide`] gives the call's security with every reason that applies, and the
//! handshake [`Intent`] of each side, so the outcome is authenticated by the handshake. A
//! "require E2EE" option (organization-wide or per user) maps to [`Intent::Required`]: such a
//! call fails rather than fall back, going beyond Teams, which always falls back silently.
//!
//! The store is plain data with a JSON form ([`PolicyStore::from_json`],
//! [`PolicyStore::to_json`]); reading and writing files is the application's part (the
//! `callseal policy` command does it atomically, under a lock).

mod store;

pub use store::StoreError;

use crate::error::{Error, Result};
use crate::security::CallSecurity;
use crate::types::Intent;
use core::fmt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A policy's `calling_end_to_end_encryption` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CallingE2ee {
    /// Users under the policy cannot use end-to-end encrypted calls.
    Disabled,
    /// Users can turn end-to-end encrypted calls on.
    DisabledUserOverride,
}

impl CallingE2ee {
    /// The Teams value, `Disabled` or `DisabledUserOverride`.
    pub fn name(self) -> &'static str {
        match self {
            CallingE2ee::Disabled => "Disabled",
            CallingE2ee::DisabledUserOverride => "DisabledUserOverride",
        }
    }
}

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

impl CallKind {
    /// `one-to-one`, `meeting`, `group` or `pstn`.
    pub fn name(self) -> &'static str {
        match self {
            CallKind::OneToOne => "one-to-one",
            CallKind::Meeting => "meeting",
            CallKind::Group => "group",
            CallKind::Pstn => "pstn",
        }
    }

    /// From its name.
    pub fn from_name(s: &str) -> Result<Self> {
        match s {
            "one-to-one" => Ok(CallKind::OneToOne),
            "meeting" => Ok(CallKind::Meeting),
            "group" => Ok(CallKind::Group),
            "pstn" => Ok(CallKind::Pstn),
            _ => Err(Error::InvalidConfig),
        }
    }
}

/// An enhanced encryption policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptionPolicy {
    /// `Global` or `Tag:<name>`.
    pub identity: String,
    /// Free text for admins.
    #[serde(default)]
    pub description: String,
    /// Whether users may turn end-to-end encrypted calls on.
    pub calling_end_to_end_encryption: CallingE2ee,
}

/// The identity of the policy every organization has.
pub const GLOBAL: &str = "Global";

/// A policy granted to a group, with its rank (lower wins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupGrant {
    /// The granted policy's identity.
    pub policy: String,
    /// The rank: when a user's groups have different policies, the lowest rank applies.
    pub rank: u32,
}

/// A group: its members (a directory would supply them) and its grant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// User names.
    #[serde(default)]
    pub members: BTreeSet<String>,
    /// The policy granted to the group, if any.
    #[serde(default)]
    pub grant: Option<GroupGrant>,
}

/// What is stored once per user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// A policy granted to the user directly.
    #[serde(default)]
    pub policy: Option<String>,
    /// The user's setting: end-to-end encrypted calls on or off (off by default).
    #[serde(default)]
    pub end_to_end_encrypted_calls: bool,
    /// The user is under a compliance-recording policy.
    #[serde(default)]
    pub compliance_recording: bool,
    /// The user requires end-to-end encryption: calls fail rather than fall back.
    #[serde(default)]
    pub require_e2ee: bool,
}

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
}

impl Rule {
    /// A stable name, e.g. `policy_disabled`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::PolicyDisabled => "policy_disabled",
            Rule::SettingOff => "setting_off",
            Rule::ComplianceRecording => "compliance_recording",
            Rule::CallKindNotEligible => "call_kind_not_eligible",
            Rule::E2eeRequired => "e2ee_required",
        }
    }
}

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
}

/// The whole policy state of an organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyStore {
    /// The format version: 1.
    pub version: u32,
    /// Organization-wide "require E2EE".
    #[serde(default)]
    pub require_e2ee: bool,
    /// The organization's default policy (`Global` unless another was granted globally).
    pub global_policy: String,
    /// Every policy, `Global` first.
    pub policies: Vec<EncryptionPolicy>,
    /// Groups by name.
    #[serde(default)]
    pub groups: BTreeMap<String, Group>,
    /// Users by name.
    #[serde(default)]
    pub users: BTreeMap<String, User>,
}

impl Default for PolicyStore {
    fn default() -> Self {
        PolicyStore {
            version: store::VERSION,
            require_e2ee: false,
            global_policy: GLOBAL.to_owned(),
            policies: vec![EncryptionPolicy {
                identity: GLOBAL.to_owned(),
                description: String::new(),
                calling_end_to_end_encryption: CallingE2ee::Disabled,
            }],
            groups: BTreeMap::new(),
            users: BTreeMap::new(),
        }
    }
}

/// An admin operation that cannot be done.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminError {
    /// No policy has this identity.
    NoSuchPolicy(String),
    /// A policy with this identity exists already.
    PolicyExists(String),
    /// `Global` cannot be removed, only reset.
    GlobalCannotBeRemoved,
    /// A policy name that is not a valid `Tag:<name>` (letters, digits, `-`, `_`, `.`).
    InvalidName(String),
    /// The user is not a member of the group.
    NotAMember {
        /// The group.
        group: String,
        /// The user.
        user: String,
    },
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::NoSuchPolicy(p) => write!(f, "no policy with identity {p:?}"),
            AdminError::PolicyExists(p) => write!(f, "a policy with identity {p:?} exists already"),
            AdminError::GlobalCannotBeRemoved => {
                f.write_str("the Global policy cannot be removed, only reset (set Global --reset)")
            }
            AdminError::InvalidName(n) => write!(
                f,
                "{n:?} is not a valid policy name (letters, digits, '-', '_' and '.', at most 64)"
            ),
            AdminError::NotAMember { group, user } => {
                write!(f, "{user:?} is not a member of group {group:?}")
            }
        }
    }
}

impl std::error::Error for AdminError {}

/// `Tag:<name>` for a policy name, or the identity itself when given in that form.
pub fn identity_of(name: &str) -> core::result::Result<String, AdminError> {
    if name == GLOBAL {
        return Ok(GLOBAL.to_owned());
    }
    let bare = name.strip_prefix("Tag:").unwrap_or(name);
    let ok = !bare.is_empty()
        && bare.len() <= 64
        && bare
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(format!("Tag:{bare}"))
    } else {
        Err(AdminError::InvalidName(name.to_owned()))
    }
}

impl PolicyStore {
    /// The policy with `identity`.
    pub fn policy(&self, identity: &str) -> Option<&EncryptionPolicy> {
        self.policies.iter().find(|p| p.identity == identity)
    }

    fn require_policy(&self, identity: &str) -> core::result::Result<(), AdminError> {
        self.policy(identity)
            .map(|_| ())
            .ok_or_else(|| AdminError::NoSuchPolicy(identity.to_owned()))
    }

    /// Add a named policy (`new`).
    pub fn new_policy(
        &mut self,
        name: &str,
        setting: CallingE2ee,
        description: &str,
    ) -> core::result::Result<String, AdminError> {
        let identity = identity_of(name)?;
        if self.policy(&identity).is_some() {
            return Err(AdminError::PolicyExists(identity));
        }
        self.policies.push(EncryptionPolicy {
            identity: identity.clone(),
            description: description.to_owned(),
            calling_end_to_end_encryption: setting,
        });
        Ok(identity)
    }

    /// Change a policy (`set`).
    pub fn set_policy(
        &mut self,
        identity: &str,
        setting: Option<CallingE2ee>,
        description: Option<&str>,
    ) -> core::result::Result<(), AdminError> {
        let p = self
            .policies
            .iter_mut()
            .find(|p| p.identity == identity)
            .ok_or_else(|| AdminError::NoSuchPolicy(identity.to_owned()))?;
        if let Some(s) = setting {
            p.calling_end_to_end_encryption = s;
        }
        if let Some(d) = description {
            p.description = d.to_owned();
        }
        Ok(())
    }

    /// Reset `Global` to its defaults.
    pub fn reset_global(&mut self) {
        let default = PolicyStore::default().policies.remove(0);
        if let Some(p) = self.policies.iter_mut().find(|p| p.identity == GLOBAL) {
            *p = default;
        }
    }

    /// Remove a named policy (`remove`); its grants are taken back. Returns how many.
    pub fn remove_policy(&mut self, identity: &str) -> core::result::Result<usize, AdminError> {
        if identity == GLOBAL {
            return Err(AdminError::GlobalCannotBeRemoved);
        }
        self.require_policy(identity)?;
        self.policies.retain(|p| p.identity != identity);
        let mut taken = 0;
        for u in self.users.values_mut() {
            if u.policy.as_deref() == Some(identity) {
                u.policy = None;
                taken += 1;
            }
        }
        for g in self.groups.values_mut() {
            if g.grant.as_ref().is_some_and(|gr| gr.policy == identity) {
                g.grant = None;
                taken += 1;
            }
        }
        if self.global_policy == identity {
            self.global_policy = GLOBAL.to_owned();
            taken += 1;
        }
        Ok(taken)
    }

    /// Grant a policy to a user (`None` takes the grant back).
    pub fn grant_user(
        &mut self,
        user: &str,
        policy: Option<&str>,
    ) -> core::result::Result<(), AdminError> {
        if let Some(p) = policy {
            self.require_policy(p)?;
        }
        self.users.entry(user.to_owned()).or_default().policy = policy.map(str::to_owned);
        Ok(())
    }

    /// Grant a policy to a group with a rank (`None` takes the grant back).
    pub fn grant_group(
        &mut self,
        group: &str,
        policy: Option<(&str, u32)>,
    ) -> core::result::Result<(), AdminError> {
        if let Some((p, _)) = policy {
            self.require_policy(p)?;
        }
        self.groups.entry(group.to_owned()).or_default().grant =
            policy.map(|(p, rank)| GroupGrant {
                policy: p.to_owned(),
                rank,
            });
        Ok(())
    }

    /// Make a policy the organization's default (`None`: back to `Global`).
    pub fn grant_global(&mut self, policy: Option<&str>) -> core::result::Result<(), AdminError> {
        let p = policy.unwrap_or(GLOBAL);
        self.require_policy(p)?;
        self.global_policy = p.to_owned();
        Ok(())
    }

    /// Add a user to a group (both exist once named).
    pub fn group_add(&mut self, group: &str, user: &str) {
        self.users.entry(user.to_owned()).or_default();
        self.groups
            .entry(group.to_owned())
            .or_default()
            .members
            .insert(user.to_owned());
    }

    /// Remove a user from a group.
    pub fn group_remove(
        &mut self,
        group: &str,
        user: &str,
    ) -> core::result::Result<(), AdminError> {
        let removed = self
            .groups
            .get_mut(group)
            .is_some_and(|g| g.members.remove(user));
        if removed {
            Ok(())
        } else {
            Err(AdminError::NotAMember {
                group: group.to_owned(),
                user: user.to_owned(),
            })
        }
    }

    /// The user's entry, created when first named.
    pub fn user_mut(&mut self, user: &str) -> &mut User {
        self.users.entry(user.to_owned()).or_default()
    }

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
        Decision {
            security,
            refused,
            reasons,
            caller_intent: intents[0],
            callee_intent: intents[1],
        }
    }
}

#[cfg(test)]
mod tests;
