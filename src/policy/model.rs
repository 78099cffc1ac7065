//! The policy model: enhanced encryption policies, what is granted to groups and users, each
//! user's own settings, and the store that holds them all.

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

names!(CallingE2ee, crate::Error::UnknownName, "The Teams setting, `Disabled` or `DisabledUserOverride`.", {
    Disabled => "Disabled",
    DisabledUserOverride => "DisabledUserOverride",
});

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
    /// Whether an end-to-end encrypted call of a user under this policy may add a participant
    /// (and stay end-to-end, as a group). Off by default, as in Teams, where an end-to-end call
    /// cannot add anyone; a store written before this setting existed reads as off.
    #[serde(default)]
    pub allow_add_participant: bool,
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

/// The whole policy state of an organization.
///
/// # Example
///
/// The Teams setup: E2EE off by default, a policy that lets users turn it on granted to a
/// group, and a call that is end-to-end only when both users have the setting on.
///
/// ```
/// use callseal::policy::{CallKind, CallingE2ee, PolicyStore};
/// use callseal::{CallSecurity, Feature};
///
/// let mut store = PolicyStore::default();
/// let tag = store.new_policy("E2EE-Calls", CallingE2ee::DisabledUserOverride, "")?;
/// for user in ["alice@contoso.com", "bob@contoso.com"] {
///     store.group_add("calling", user);
/// }
/// store.grant_group("calling", Some((&tag, 1)))?;
/// store.user_mut("alice@contoso.com").end_to_end_encrypted_calls = true;
///
/// let d = store.decide("alice@contoso.com", "bob@contoso.com", CallKind::OneToOne);
/// assert_eq!(d.security, CallSecurity::Standard); // bob has not turned it on
///
/// store.user_mut("bob@contoso.com").end_to_end_encrypted_calls = true;
/// let d = store.decide("alice@contoso.com", "bob@contoso.com", CallKind::OneToOne);
/// assert_eq!(d.security, CallSecurity::EndToEnd);
/// assert!(d.security.check(Feature::Recording).is_err());
///
/// // The store is JSON an admin tool can keep.
/// assert_eq!(PolicyStore::from_json(&store.to_json()).unwrap(), store);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
            version: super::store::VERSION,
            require_e2ee: false,
            global_policy: GLOBAL.to_owned(),
            policies: vec![EncryptionPolicy {
                identity: GLOBAL.to_owned(),
                description: String::new(),
                calling_end_to_end_encryption: CallingE2ee::Disabled,
                allow_add_participant: false,
            }],
            groups: BTreeMap::new(),
            users: BTreeMap::new(),
        }
    }
}
