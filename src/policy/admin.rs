//! Administering the store: adding, changing and removing policies, granting them to users,
//! groups and the whole organization, and group membership.

use super::{CallingE2ee, EncryptionPolicy, GroupGrant, PolicyStore, User, GLOBAL};
use core::fmt;

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

    fn policy_mut(
        &mut self,
        identity: &str,
    ) -> core::result::Result<&mut EncryptionPolicy, AdminError> {
        self.policies
            .iter_mut()
            .find(|p| p.identity == identity)
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
            allow_add_participant: false,
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
        let p = self.policy_mut(identity)?;
        if let Some(s) = setting {
            p.calling_end_to_end_encryption = s;
        }
        if let Some(d) = description {
            p.description = d.to_owned();
        }
        Ok(())
    }

    /// Let end-to-end encrypted calls of users under a policy add participants, or not
    /// (`set --allow-add-participant`). Off, the Teams behaviour, is the default of every policy.
    pub fn set_allow_add_participant(
        &mut self,
        identity: &str,
        allow: bool,
    ) -> core::result::Result<(), AdminError> {
        self.policy_mut(identity)?.allow_add_participant = allow;
        Ok(())
    }

    /// Reset `Global` to its defaults (`Disabled`, no description, adding participants off).
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
}
