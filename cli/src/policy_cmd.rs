//! `callseal policy ...`: the E2EE policy admin, with the verbs admins know from the Teams
//! cmdlets (Get, New, Set, Remove, Grant).

use crate::{output, policy_file};
use anyhow::{bail, Context as _};
use callseal::policy::{
    identity_of, AddDecision, CallKind, CallingE2ee, Decision, Effective, PolicyStore,
};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Policy admin arguments.
#[derive(Args)]
pub(crate) struct PolicyArgs {
    /// The store file (else CALLSEAL_POLICY_STORE, else ~/.config/callseal/policy.json).
    #[arg(long, global = true)]
    store: Option<PathBuf>,
    /// Print JSON for scripts instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum E2eeArg {
    /// Users cannot use end-to-end encrypted calls.
    Disabled,
    /// Users can turn end-to-end encrypted calls on (DisabledUserOverride).
    UserOverride,
}

impl From<E2eeArg> for CallingE2ee {
    fn from(a: E2eeArg) -> Self {
        match a {
            E2eeArg::Disabled => CallingE2ee::Disabled,
            E2eeArg::UserOverride => CallingE2ee::DisabledUserOverride,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum OnOff {
    On,
    Off,
}

impl OnOff {
    fn on(self) -> bool {
        matches!(self, OnOff::On)
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum KindArg {
    /// An unscheduled one-to-one VoIP call.
    OneToOne,
    /// A meeting.
    Meeting,
    /// A group call.
    Group,
    /// A call with the phone network.
    Pstn,
}

impl From<KindArg> for CallKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::OneToOne => CallKind::OneToOne,
            KindArg::Meeting => CallKind::Meeting,
            KindArg::Group => CallKind::Group,
            KindArg::Pstn => CallKind::Pstn,
        }
    }
}

#[derive(Subcommand)]
enum Verb {
    /// Show one policy, or all.
    Get {
        /// `Global`, `Tag:<name>` or `<name>`.
        identity: Option<String>,
    },
    /// Create a named policy (Tag:NAME).
    New {
        /// The policy name.
        name: String,
        /// Whether users may turn end-to-end encrypted calls on.
        #[arg(long, value_enum)]
        calling_e2ee: E2eeArg,
        /// Free text.
        #[arg(long, default_value = "")]
        description: String,
        /// Whether end-to-end calls may add participants (default off, as in Teams).
        #[arg(long, value_enum, default_value = "off")]
        allow_add_participant: OnOff,
    },
    /// Change a policy.
    Set {
        /// `Global`, `Tag:<name>` or `<name>`.
        identity: String,
        /// Whether users may turn end-to-end encrypted calls on.
        #[arg(long, value_enum)]
        calling_e2ee: Option<E2eeArg>,
        /// Free text.
        #[arg(long)]
        description: Option<String>,
        /// Whether end-to-end calls may add participants.
        #[arg(long, value_enum)]
        allow_add_participant: Option<OnOff>,
        /// Reset Global to its defaults (Disabled, no description, adding participants off).
        #[arg(long, conflicts_with_all = ["calling_e2ee", "description", "allow_add_participant"])]
        reset: bool,
    },
    /// Remove a named policy (and take back its grants). Global can only be reset.
    Remove {
        /// `Tag:<name>` or `<name>`.
        identity: String,
    },
    /// Grant a policy to a user, a group (with a rank) or the whole organization.
    Grant(GrantArgs),
    /// Group membership (what a directory would supply).
    #[command(subcommand)]
    Group(GroupVerb),
    /// A user's own setting: end-to-end encrypted calls on or off.
    UserSetting {
        /// The user.
        user: String,
        /// on or off.
        #[arg(value_enum)]
        state: OnOff,
    },
    /// Whether a user is under a compliance-recording policy.
    ComplianceRecording {
        /// The user.
        user: String,
        /// on or off.
        #[arg(value_enum)]
        state: OnOff,
    },
    /// Require end-to-end encryption (calls fail rather than fall back), org-wide or per user.
    #[command(group(ArgGroup::new("scope").required(true).args(["org", "user"])))]
    RequireE2ee {
        /// For the whole organization.
        #[arg(long)]
        org: bool,
        /// For one user.
        #[arg(long)]
        user: Option<String>,
        /// on or off.
        #[arg(value_enum)]
        state: OnOff,
    },
    /// A user's effective policy, setting and handshake intent.
    Effective {
        /// The user.
        user: String,
    },
    /// Decide a call: end-to-end or standard, with every reason.
    Decide {
        /// The calling user.
        caller: String,
        /// The called user.
        callee: String,
        /// The kind of call.
        #[arg(long, value_enum, default_value = "one-to-one")]
        kind: KindArg,
    },
    /// Decide whether an end-to-end call may add a participant, with every reason. A refused
    /// add leaves the call end-to-end as it is; like `decide`, it is an answer, not an error
    /// (exit status 0).
    DecideAdd {
        /// The user to add.
        newcomer: String,
        /// A user in the call now (repeat for each; at least one).
        #[arg(long = "participant", value_name = "USER", required = true)]
        participants: Vec<String>,
    },
}

#[derive(Args)]
#[command(group(ArgGroup::new("target").required(true).args(["user", "group", "global"])))]
#[command(group(ArgGroup::new("what").required(true).args(["policy", "none"])))]
#[command(group(ArgGroup::new("rank_or_none").multiple(true).args(["rank", "none"])))]
struct GrantArgs {
    /// Grant to this user.
    #[arg(long)]
    user: Option<String>,
    /// Grant to this group (with --rank, which taking it back with --none does without).
    #[arg(long, requires = "rank_or_none")]
    group: Option<String>,
    /// The group grant's rank: the lowest rank among a user's groups applies.
    #[arg(long, conflicts_with_all = ["user", "global"])]
    rank: Option<u32>,
    /// Make the policy the organization's default.
    #[arg(long)]
    global: bool,
    /// Take the grant back instead.
    #[arg(long)]
    none: bool,
    /// The policy: `Global`, `Tag:<name>` or `<name>`.
    policy: Option<String>,
}

#[derive(Subcommand)]
enum GroupVerb {
    /// Add a user to a group.
    Add {
        /// The group.
        group: String,
        /// The user.
        user: String,
    },
    /// Remove a user from a group.
    Remove {
        /// The group.
        group: String,
        /// The user.
        user: String,
    },
}

fn name_ok(kind: &str, name: &str) -> anyhow::Result<()> {
    if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
        bail!("{kind} name {name:?} is empty, too long or has control characters");
    }
    Ok(())
}

fn identity(s: &str) -> anyhow::Result<String> {
    Ok(identity_of(s)?)
}

fn policy_json(store: &PolicyStore, id: &str) -> Value {
    let p = store.policy(id).expect("checked");
    json!({
        "identity": p.identity,
        "description": p.description,
        "calling_end_to_end_encryption": p.calling_end_to_end_encryption.name(),
        "allow_add_participant": p.allow_add_participant,
    })
}

fn effective_json(user: &str, e: &Effective) -> Value {
    json!({
        "user": user,
        "policy": e.policy,
        "source": e.source,
        "calling_end_to_end_encryption": e.calling_end_to_end_encryption.name(),
        "allow_add_participant": e.allow_add_participant,
        "setting": if e.setting_on { "on" } else { "off" },
        "compliance_recording": e.compliance_recording,
        "require_e2ee": e.require_e2ee,
        "intent": e.intent.name(),
        "reasons": e.reasons.iter().map(|r| r.name()).collect::<Vec<_>>(),
    })
}

/// The JSON of a decision, as `decide --json` prints it.
pub(crate) fn decision_json(d: &Decision, kind: CallKind) -> Value {
    json!({
        "security": d.security.name(),
        "reasons": d.reasons.iter().map(|r| json!({"user": r.user, "rule": r.rule.name()})).collect::<Vec<_>>(),
        "refused": d.refused,
        "caller_intent": d.caller_intent.name(),
        "callee_intent": d.callee_intent.name(),
        "kind": kind.name(),
        "add_participant": d.add_participant,
    })
}

/// The JSON of an add, as `decide-add --json` prints it.
pub(crate) fn add_decision_json(d: &AddDecision, newcomer: &str, participants: &[String]) -> Value {
    json!({
        "allowed": d.allowed,
        "newcomer": newcomer,
        "participants": participants,
        "reasons": d.reasons.iter().map(|r| json!({"user": r.user, "rule": r.rule.name()})).collect::<Vec<_>>(),
    })
}

fn on_off(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

/// The line a verb prints: `v` with --json, else `text`.
fn say(out: &mut String, json_out: bool, v: Value, text: String) {
    if json_out {
        out.push_str(&v.to_string());
    } else {
        out.push_str(&text);
    }
    out.push('\n');
}

/// The users of a call the store knows nothing about (no entry, in no group): the
/// organization's defaults apply to them, which a misspelt name also gets.
fn unknown_users<'a>(store: &PolicyStore, users: &[&'a str]) -> Vec<&'a str> {
    let mut unknown: Vec<&str> = Vec::new();
    for u in users {
        let known =
            store.users.contains_key(*u) || store.groups.values().any(|g| g.members.contains(*u));
        if !known && !unknown.contains(u) {
            unknown.push(u);
        }
    }
    unknown
}

/// The text lines that tell which users got the organization's defaults.
fn defaults_lines(out: &mut String, store: &PolicyStore, unknown: &[&str]) -> anyhow::Result<()> {
    for u in unknown {
        writeln!(
            out,
            "defaults: {u} is not in the store: the organization's defaults apply \
             (policy {}, end-to-end encrypted calls off)",
            store.effective(u).policy
        )?;
    }
    Ok(())
}

pub(crate) fn run(a: PolicyArgs) -> anyhow::Result<ExitCode> {
    let path = policy_file::store_path(a.store)?;
    let js = a.json;
    // What the verb prints, written at the end in one go.
    let mut out = String::new();
    match a.verb {
        Verb::Get { identity: id } => {
            let store = policy_file::read(&path)?;
            let ids: Vec<String> = match id {
                Some(i) => {
                    let i = identity(&i)?;
                    if store.policy(&i).is_none() {
                        bail!("no policy with identity {i:?}");
                    }
                    vec![i]
                }
                None => store.policies.iter().map(|p| p.identity.clone()).collect(),
            };
            if js {
                let list: Vec<Value> = ids.iter().map(|i| policy_json(&store, i)).collect();
                writeln!(
                    out,
                    "{}",
                    if list.len() == 1 {
                        list[0].clone()
                    } else {
                        Value::Array(list)
                    }
                )?;
            } else {
                writeln!(
                    out,
                    "{:<28} {:<28} {:<20} Description",
                    "Identity", "CallingEndToEndEncryption", "AllowAddParticipant"
                )?;
                for i in &ids {
                    let p = store.policy(i).expect("listed");
                    writeln!(
                        out,
                        "{:<28} {:<28} {:<20} {}",
                        p.identity,
                        p.calling_end_to_end_encryption.name(),
                        on_off(p.allow_add_participant),
                        p.description
                    )?;
                }
                if store.global_policy != callseal::policy::GLOBAL {
                    writeln!(out, "(organization default: {})", store.global_policy)?;
                }
            }
        }
        Verb::New {
            name,
            calling_e2ee,
            description,
            allow_add_participant,
        } => {
            let id = policy_file::update(&path, |s| {
                let id = s.new_policy(&name, calling_e2ee.into(), &description)?;
                s.set_allow_add_participant(&id, allow_add_participant.on())?;
                Ok(id)
            })?;
            let store = policy_file::read(&path)?;
            say(
                &mut out,
                js,
                policy_json(&store, &id),
                format!("created {id}"),
            );
        }
        Verb::Set {
            identity: id,
            calling_e2ee,
            description,
            allow_add_participant,
            reset,
        } => {
            let id = identity(&id)?;
            policy_file::update(&path, |s| {
                if reset {
                    if id != callseal::policy::GLOBAL {
                        bail!("--reset is for Global; remove a named policy instead");
                    }
                    s.reset_global();
                    Ok(())
                } else {
                    s.set_policy(&id, calling_e2ee.map(Into::into), description.as_deref())?;
                    if let Some(allow) = allow_add_participant {
                        s.set_allow_add_participant(&id, allow.on())?;
                    }
                    Ok(())
                }
            })?;
            let store = policy_file::read(&path)?;
            say(
                &mut out,
                js,
                policy_json(&store, &id),
                format!("updated {id}"),
            );
        }
        Verb::Remove { identity: id } => {
            let id = identity(&id)?;
            let taken = policy_file::update(&path, |s| Ok(s.remove_policy(&id)?))?;
            say(
                &mut out,
                js,
                json!({"removed": id, "grants_taken_back": taken}),
                format!("removed {id} ({taken} grants taken back)"),
            );
        }
        Verb::Grant(g) => {
            let policy = match (&g.policy, g.none) {
                (Some(p), false) => Some(identity(p)?),
                (None, true) => None,
                _ => bail!("give a POLICY or --none, not both"),
            };
            let p = policy.as_deref();
            let (target, text) = if let Some(u) = &g.user {
                name_ok("user", u)?;
                policy_file::update(&path, |s| Ok(s.grant_user(u, p)?))?;
                (json!({"user": u}), format!("user {u}"))
            } else if let Some(gr) = &g.group {
                name_ok("group", gr)?;
                // Taking a grant back needs no rank.
                let grant = match p {
                    Some(p) => Some((p, g.rank.context("--group needs --rank")?)),
                    None => None,
                };
                policy_file::update(&path, |s| Ok(s.grant_group(gr, grant)?))?;
                let rank = grant.map(|(_, r)| r);
                let text = match rank {
                    Some(r) => format!("group {gr} (rank {r})"),
                    None => format!("group {gr}"),
                };
                (json!({"group": gr, "rank": rank}), text)
            } else {
                policy_file::update(&path, |s| Ok(s.grant_global(p)?))?;
                (json!({"global": true}), "the organization".to_owned())
            };
            let what = p.unwrap_or("nothing (grant taken back)");
            say(
                &mut out,
                js,
                json!({"granted": p, "to": target}),
                format!("granted {what} to {text}"),
            );
        }
        Verb::Group(GroupVerb::Add { group, user }) => {
            name_ok("group", &group)?;
            name_ok("user", &user)?;
            policy_file::update(&path, |s| {
                s.group_add(&group, &user);
                Ok(())
            })?;
            say(
                &mut out,
                js,
                json!({"group": group, "added": user}),
                format!("added {user} to {group}"),
            );
        }
        Verb::Group(GroupVerb::Remove { group, user }) => {
            policy_file::update(&path, |s| Ok(s.group_remove(&group, &user)?))?;
            say(
                &mut out,
                js,
                json!({"group": group, "removed": user}),
                format!("removed {user} from {group}"),
            );
        }
        Verb::UserSetting { user, state } => {
            name_ok("user", &user)?;
            policy_file::update(&path, |s| {
                s.user_mut(&user).end_to_end_encrypted_calls = state.on();
                Ok(())
            })?;
            let v = on_off(state.on());
            say(
                &mut out,
                js,
                json!({"user": user, "setting": v}),
                format!("{user}: end-to-end encrypted calls {v}"),
            );
        }
        Verb::ComplianceRecording { user, state } => {
            name_ok("user", &user)?;
            policy_file::update(&path, |s| {
                s.user_mut(&user).compliance_recording = state.on();
                Ok(())
            })?;
            let v = on_off(state.on());
            say(
                &mut out,
                js,
                json!({"user": user, "compliance_recording": state.on()}),
                format!("{user}: compliance recording {v}"),
            );
        }
        Verb::RequireE2ee { org, user, state } => {
            let v = on_off(state.on());
            match user {
                Some(u) if !org => {
                    name_ok("user", &u)?;
                    policy_file::update(&path, |s| {
                        s.user_mut(&u).require_e2ee = state.on();
                        Ok(())
                    })?;
                    say(
                        &mut out,
                        js,
                        json!({"user": u, "require_e2ee": state.on()}),
                        format!("{u}: require E2EE {v}"),
                    );
                }
                _ => {
                    policy_file::update(&path, |s| {
                        s.require_e2ee = state.on();
                        Ok(())
                    })?;
                    say(
                        &mut out,
                        js,
                        json!({"org": true, "require_e2ee": state.on()}),
                        format!("organization: require E2EE {v}"),
                    );
                }
            }
        }
        Verb::Effective { user } => {
            let store = policy_file::read(&path)?;
            let e = store.effective(&user);
            if js {
                writeln!(out, "{}", effective_json(&user, &e))?;
            } else {
                writeln!(out, "user                           {user}")?;
                writeln!(
                    out,
                    "policy                         {} (from {})",
                    e.policy, e.source
                )?;
                writeln!(
                    out,
                    "CallingEndToEndEncryption      {}",
                    e.calling_end_to_end_encryption.name()
                )?;
                writeln!(
                    out,
                    "AllowAddParticipant            {}",
                    on_off(e.allow_add_participant)
                )?;
                writeln!(
                    out,
                    "end-to-end encrypted calls     {}",
                    on_off(e.setting_on)
                )?;
                writeln!(
                    out,
                    "compliance recording           {}",
                    on_off(e.compliance_recording)
                )?;
                writeln!(
                    out,
                    "require E2EE                   {}",
                    on_off(e.require_e2ee)
                )?;
                writeln!(out, "handshake intent               {}", e.intent.name())?;
                for r in &e.reasons {
                    writeln!(out, "reason                         {}", r.name())?;
                }
            }
        }
        Verb::Decide {
            caller,
            callee,
            kind,
        } => {
            let store = policy_file::read(&path)?;
            let kind: CallKind = kind.into();
            let d = store.decide(&caller, &callee, kind);
            let unknown = unknown_users(&store, &[&caller, &callee]);
            if js {
                let mut v = decision_json(&d, kind);
                v["defaults_for"] = json!(unknown);
                writeln!(out, "{v}")?;
            } else {
                writeln!(out, "call {caller} -> {callee} ({})", kind.name())?;
                writeln!(
                    out,
                    "security: {}{}",
                    d.security.name(),
                    if d.refused {
                        " (the call fails: E2EE is required)"
                    } else {
                        ""
                    }
                )?;
                writeln!(
                    out,
                    "intents: caller {}, callee {}",
                    d.caller_intent.name(),
                    d.callee_intent.name()
                )?;
                if !d.refused {
                    writeln!(
                        out,
                        "add a participant: {}",
                        if d.add_participant {
                            "allowed"
                        } else {
                            "not allowed (end-to-end, and a policy does not allow it)"
                        }
                    )?;
                }
                for r in &d.reasons {
                    writeln!(out, "reason: {}: {}", r.user, r.rule.name())?;
                }
                defaults_lines(&mut out, &store, &unknown)?;
            }
        }
        Verb::DecideAdd {
            newcomer,
            participants,
        } => {
            let store = policy_file::read(&path)?;
            let names: Vec<&str> = participants.iter().map(String::as_str).collect();
            let d = store.decide_add(&names, &newcomer);
            if js {
                writeln!(out, "{}", add_decision_json(&d, &newcomer, &participants))?;
            } else {
                writeln!(
                    out,
                    "add {newcomer} to the end-to-end call of {}",
                    participants.join(", ")
                )?;
                if d.allowed {
                    writeln!(out, "allowed: the call stays end-to-end, as a group")?;
                } else {
                    writeln!(
                        out,
                        "refused: the call stays as it is, end-to-end, without {newcomer}"
                    )?;
                }
                for r in &d.reasons {
                    writeln!(out, "reason: {}: {}", r.user, r.rule.name())?;
                }
                let mut everyone = names.clone();
                everyone.push(&newcomer);
                defaults_lines(&mut out, &store, &unknown_users(&store, &everyone))?;
            }
        }
    }
    output::print(&out)?;
    Ok(ExitCode::SUCCESS)
}
