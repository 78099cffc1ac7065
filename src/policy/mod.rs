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
//! Beyond Teams, a policy may let end-to-end calls add participants
//! ([`EncryptionPolicy::allow_add_participant`], off by default, so Teams' behaviour stays the
//! default: an end-to-end call cannot add anyone). [`Decision::add_participant`] says whether a
//! call may grow (always in a standard call; in an end-to-end call only when both parties'
//! policies allow it) and [`Decision::check`] gates [`Feature::AddParticipant`] by it.
//! [`PolicyStore::decide_add`] decides one add with every reason: each participant whose policy
//! does not allow adding ([`Rule::AddParticipantDisabled`]), and why the newcomer cannot use
//! end-to-end encryption. A refused add leaves the call as it is, end-to-end: nobody is ever
//! let in by falling back to standard encryption.
//!
//! The store is plain data with a JSON form ([`PolicyStore::from_json`],
//! [`PolicyStore::to_json`]); reading and writing files is the application's part (the
//! `callseal policy` command does it atomically, under a lock).
//!
//! [`Intent`]: crate::Intent
//! [`Intent::Required`]: crate::Intent::Required
//! [`Feature::AddParticipant`]: crate::Feature::AddParticipant

mod admin;
mod decide;
mod model;
mod store;

pub use admin::{identity_of, AdminError};
pub use decide::{AddDecision, CallKind, Decision, Effective, Reason, Rule};
pub use model::{CallingE2ee, EncryptionPolicy, Group, GroupGrant, PolicyStore, User, GLOBAL};
pub use store::StoreError;

#[cfg(test)]
mod tests;
