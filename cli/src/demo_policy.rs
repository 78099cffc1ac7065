//! The policy part of the demo: which intents the two users bring to the handshake.

use callseal::Intent;
use serde_json::{json, Value};
use std::path::Path;

/// The policy decision as the demo shows it.
pub(crate) struct PolicyView {
    pub(crate) caller_intent: Intent,
    pub(crate) callee_intent: Intent,
    decision: &'static str,
    reasons: Vec<String>,
}

impl PolicyView {
    pub(crate) fn json(&self) -> Value {
        json!({
            "decision": self.decision,
            "reasons": self.reasons,
            "caller_intent": self.caller_intent.name(),
            "callee_intent": self.callee_intent.name(),
        })
    }

    pub(crate) fn print(&self) {
        println!(
            "policy: {} (caller intent {}, callee intent {})",
            self.decision,
            self.caller_intent.name(),
            self.callee_intent.name()
        );
        for r in &self.reasons {
            println!("  reason: {r}");
        }
    }
}

pub(crate) fn decide(
    _store: Option<&Path>,
    _caller: &str,
    callee: &str,
    no_e2ee: bool,
    require: bool,
) -> anyhow::Result<PolicyView> {
    let caller_intent = if require {
        Intent::Required
    } else {
        Intent::On
    };
    let callee_intent = if no_e2ee { Intent::Off } else { Intent::On };
    let mut reasons = Vec::new();
    if no_e2ee {
        reasons.push(format!(
            "{callee}: end-to-end encrypted calls setting is off"
        ));
    }
    Ok(PolicyView {
        caller_intent,
        callee_intent,
        decision: if no_e2ee { "standard" } else { "end_to_end" },
        reasons,
    })
}
