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
//!
//! [`Intent`]: crate::Intent
//! [`Intent::Required`]: crate::Intent::Required

mod admin;
mod decide;
mod model;
mod store;

pub use admin::{identity_of, AdminError};
pub use decide::{CallKind, Decision, Effective, Reason, Rule};
pub use model::{CallingE2ee, EncryptionPolicy, Group, GroupGrant, PolicyStore, User, GLOBAL};
pub use store::StoreError;

#[cfg(test)]
mod tests;
