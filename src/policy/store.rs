//! The store's JSON form: read with an error that names the place, written human-readable.

use super::{PolicyStore, GLOBAL};
use core::fmt;
use std::collections::BTreeSet;

/// The format version this build reads and writes.
pub(crate) const VERSION: u32 = 1;

/// A policy store that cannot be read.
///
/// Unlike [`crate::Error`], which carries no strings by design (it is on the hot path and
/// must never echo attacker bytes into logs), this error is for an admin reading a file: it
/// names the place (line, column and the JSON path of the field) and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError {
    /// 1-based line, when the error is tied to one.
    pub line: Option<usize>,
    /// 1-based column, when the error is tied to one.
    pub column: Option<usize>,
    /// The JSON path of the field, e.g. `users.alice.compliance_recording`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "line {l}, column {c}")?,
            _ => f.write_str("store")?,
        }
        if !self.path.is_empty() && self.path != "." && self.path != "?" {
            write!(f, ", at {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for StoreError {}

fn invalid(path: String, message: String) -> StoreError {
    StoreError {
        line: None,
        column: None,
        path,
        message,
    }
}

impl PolicyStore {
    /// Parse and check a store. Unknown fields, wrong types, a missing `Global` policy, a
    /// reference to a policy that does not exist and an unsupported version are errors.
    pub fn from_json(text: &str) -> Result<Self, StoreError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let store: PolicyStore = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let message = inner.to_string();
            // serde_json appends " at line L column C"; keep the message without it.
            let message = match message.rfind(" at line ") {
                Some(i) => message[..i].to_owned(),
                None => message,
            };
            StoreError {
                line: Some(inner.line()),
                column: Some(inner.column()),
                path,
                message,
            }
        })?;
        store.validate()?;
        Ok(store)
    }

    /// The store as pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the store always serializes");
        s.push('\n');
        s
    }

    fn validate(&self) -> Result<(), StoreError> {
        if self.version != VERSION {
            return Err(invalid(
                "version".into(),
                format!(
                    "unsupported version {} (this build reads {VERSION})",
                    self.version
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, p) in self.policies.iter().enumerate() {
            let at = format!("policies[{i}].identity");
            if p.identity != GLOBAL && super::identity_of(&p.identity).as_deref() != Ok(&p.identity)
            {
                return Err(invalid(
                    at,
                    format!("{:?} is neither Global nor Tag:<name>", p.identity),
                ));
            }
            if !seen.insert(p.identity.as_str()) {
                return Err(invalid(at, format!("duplicate policy {:?}", p.identity)));
            }
        }
        if !seen.contains(GLOBAL) {
            return Err(invalid(
                "policies".into(),
                "the Global policy is missing".into(),
            ));
        }
        let known = |p: &str, at: String| {
            if seen.contains(p) {
                Ok(())
            } else {
                Err(invalid(at, format!("no policy with identity {p:?}")))
            }
        };
        known(&self.global_policy, "global_policy".into())?;
        for (name, g) in &self.groups {
            if let Some(gr) = &g.grant {
                known(&gr.policy, format!("groups.{name}.grant.policy"))?;
            }
        }
        for (name, u) in &self.users {
            if let Some(p) = &u.policy {
                known(p, format!("users.{name}.policy"))?;
            }
        }
        Ok(())
    }
}
