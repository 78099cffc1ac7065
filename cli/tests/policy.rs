//! `callseal policy`: a scripted admin session, concurrent admins, and broken stores.

use std::path::Path;
use std::process::{Command, Output};

fn policy(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_callseal"))
        .arg("policy")
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run callseal policy")
}

fn ok(store: &Path, args: &[&str]) -> String {
    let out = policy(store, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(store: &Path, args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&ok(store, &a)).unwrap()
}

#[test]
fn scripted_admin_session() {
    let dir = tempfile::tempdir().unwrap();
    let s = &dir.path().join("policy.json");
    // A missing store reads as the defaults: Global, Disabled.
    assert!(!s.exists());
    let g = json(s, &["get", "Global"]);
    assert_eq!(g["calling_end_to_end_encryption"], "Disabled");
    let d = json(s, &["decide", "alice", "bob"]);
    assert_eq!(d["security"], "standard");
    assert_eq!(d["reasons"][0]["user"], "alice");
    assert_eq!(d["reasons"][0]["rule"], "policy_disabled");
    assert!(!s.exists(), "reads do not create the store");

    assert_eq!(
        ok(
            s,
            &[
                "new",
                "E2EE-Calls",
                "--calling-e2ee",
                "user-override",
                "--description",
                "Users may turn E2EE on"
            ]
        ),
        "created Tag:E2EE-Calls\n"
    );
    assert!(s.exists(), "the first write creates the store");
    ok(s, &["group", "add", "calling", "alice"]);
    ok(s, &["group", "add", "calling", "bob"]);
    assert_eq!(
        ok(
            s,
            &["grant", "--group", "calling", "--rank", "1", "E2EE-Calls"]
        ),
        "granted Tag:E2EE-Calls to group calling (rank 1)\n"
    );
    // The policy allows it, but the users' settings are off.
    let d = json(s, &["decide", "alice", "bob"]);
    assert_eq!(d["security"], "standard");
    let rules: Vec<_> = d["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["user"].as_str().unwrap(), r["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rules,
        vec![("alice", "setting_off"), ("bob", "setting_off")]
    );
    // User override: both turn it on.
    ok(s, &["user-setting", "alice", "on"]);
    ok(s, &["user-setting", "bob", "on"]);
    let d = json(s, &["decide", "alice", "bob"]);
    assert_eq!(d["security"], "end_to_end");
    assert_eq!(d["reasons"].as_array().unwrap().len(), 0);
    let e = json(s, &["effective", "bob"]);
    assert_eq!(e["policy"], "Tag:E2EE-Calls");
    assert_eq!(e["source"], "group:calling");
    assert_eq!(e["intent"], "on");
    // Compliance recording makes E2EE unavailable.
    ok(s, &["compliance-recording", "bob", "on"]);
    let d = json(s, &["decide", "alice", "bob"]);
    assert_eq!(d["security"], "standard");
    assert_eq!(
        d["reasons"],
        serde_json::json!([{"user": "bob", "rule": "compliance_recording"}])
    );
    let text = ok(s, &["decide", "alice", "bob"]);
    assert!(
        text.contains("security: standard") && text.contains("reason: bob: compliance_recording"),
        "{text}"
    );
    // Meetings are never eligible.
    ok(s, &["compliance-recording", "bob", "off"]);
    let d = json(s, &["decide", "alice", "bob", "--kind", "meeting"]);
    assert_eq!(d["security"], "standard");
    assert_eq!(d["reasons"][0]["rule"], "call_kind_not_eligible");
    // A direct grant beats the group.
    ok(s, &["new", "NoE2EE", "--calling-e2ee", "disabled"]);
    ok(s, &["grant", "--user", "bob", "NoE2EE"]);
    assert_eq!(json(s, &["effective", "bob"])["source"], "user");
    ok(s, &["grant", "--user", "bob", "--none"]);
    assert_eq!(json(s, &["effective", "bob"])["source"], "group:calling");
    // Require E2EE: a call against an "off" user is refused.
    ok(s, &["require-e2ee", "--user", "alice", "on"]);
    ok(s, &["user-setting", "bob", "off"]);
    let d = json(s, &["decide", "alice", "bob"]);
    assert_eq!(d["refused"], true);
    assert_eq!(d["caller_intent"], "required");
    // Table output for people.
    let t = ok(s, &["get"]);
    assert!(
        t.contains("Tag:E2EE-Calls") && t.contains("DisabledUserOverride"),
        "{t}"
    );
    // Errors: granting what does not exist, removing Global.
    let out = policy(s, &["grant", "--user", "carol", "Tag:Missing"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Tag:Missing"));
    let out = policy(s, &["remove", "Global"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("reset"));
    ok(s, &["set", "Global", "--calling-e2ee", "user-override"]);
    ok(s, &["set", "Global", "--reset"]);
    assert_eq!(
        json(s, &["get", "Global"])["calling_end_to_end_encryption"],
        "Disabled"
    );
    ok(s, &["remove", "NoE2EE"]);
    assert!(!policy(s, &["get", "NoE2EE"]).status.success());
}

#[test]
fn concurrent_admins_lose_no_update() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("policy.json");
    ok(&s, &["new", "P", "--calling-e2ee", "user-override"]);
    let workers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|who| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..200 {
                    ok(&s, &["grant", "--user", &format!("{who}{i}"), "P"]);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let store: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&s).unwrap()).unwrap();
    let users = store["users"].as_object().unwrap();
    assert_eq!(users.len(), 400);
    assert!(users.values().all(|u| u["policy"] == "Tag:P"));
}

#[test]
fn broken_stores_are_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("policy.json");
    ok(&s, &["new", "P", "--calling-e2ee", "user-override"]);
    ok(&s, &["user-setting", "alice", "on"]);
    let good = std::fs::read(&s).unwrap();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..good.len() / 2].to_vec(), "line"),
        (
            String::from_utf8(good.clone())
                .unwrap()
                .replace(
                    "\"end_to_end_encrypted_calls\": true",
                    "\"end_to_end_encrypted_calls\": \"yes\"",
                )
                .into_bytes(),
            "users.alice.end_to_end_encrypted_calls",
        ),
    ];
    for (bad, place) in cases {
        std::fs::write(&s, &bad).unwrap();
        for args in [
            &["get"][..],
            &["grant", "--user", "bob", "P"],
            &["user-setting", "bob", "on"],
        ] {
            let out = policy(&s, args);
            assert!(!out.status.success(), "{args:?}");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(place) && err.contains("policy.json"), "{err}");
            assert_eq!(std::fs::read(&s).unwrap(), bad, "the store was changed");
        }
    }
}

/// The store `s` with a policy P that users may turn on, granted to the group `calling` with
/// `user` in it.
fn granted_to_group(s: &Path, user: &str) {
    ok(s, &["new", "P", "--calling-e2ee", "user-override"]);
    ok(s, &["group", "add", "calling", user]);
    ok(s, &["grant", "--group", "calling", "--rank", "1", "P"]);
}

#[test]
fn unknown_users_get_the_defaults_and_are_told_so() {
    let dir = tempfile::tempdir().unwrap();
    let s = &dir.path().join("policy.json");
    granted_to_group(s, "alice@contoso.com");
    ok(s, &["user-setting", "alice@contoso.com", "on"]);
    // bob is misspelt: the store knows nothing of him.
    let text = ok(s, &["decide", "alice@contoso.com", "bob@contoso.con"]);
    assert!(
        text.contains(
            "defaults: bob@contoso.con is not in the store: the organization's defaults apply \
             (policy Global, end-to-end encrypted calls off)"
        ) && !text.contains("defaults: alice"),
        "{text}"
    );
    let d = json(s, &["decide", "alice@contoso.com", "bob@contoso.con"]);
    assert_eq!(d["defaults_for"], serde_json::json!(["bob@contoso.con"]));
    assert_eq!(d["reasons"][0]["rule"], "policy_disabled");
    // Known users: none.
    ok(s, &["group", "add", "calling", "bob@contoso.com"]);
    let d = json(s, &["decide", "alice@contoso.com", "bob@contoso.com"]);
    assert_eq!(d["defaults_for"], serde_json::json!([]));
    assert!(!ok(s, &["decide", "alice@contoso.com", "bob@contoso.com"]).contains("defaults"));
}

#[test]
fn a_group_grant_is_taken_back_without_a_rank() {
    let dir = tempfile::tempdir().unwrap();
    let s = &dir.path().join("policy.json");
    granted_to_group(s, "alice");
    assert_eq!(json(s, &["effective", "alice"])["source"], "group:calling");
    assert_eq!(
        ok(s, &["grant", "--group", "calling", "--none"]),
        "granted nothing (grant taken back) to group calling\n"
    );
    assert_eq!(json(s, &["effective", "alice"])["source"], "global");
    let g = json(s, &["grant", "--group", "calling", "--none"]);
    assert_eq!(
        g,
        serde_json::json!({"granted": null, "to": {"group": "calling", "rank": null}})
    );
    // Granting still needs the rank, and a rank needs a group: usage errors.
    for args in [
        &["grant", "--group", "calling", "P"][..],
        &["grant", "--user", "alice", "--rank", "1", "P"],
    ] {
        let out = policy(s, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--"),
            "{args:?}"
        );
    }
}

#[test]
fn allow_add_participant_is_set_shown_and_reset() {
    let dir = tempfile::tempdir().unwrap();
    let s = &dir.path().join("policy.json");
    // Off by default, for Global and a new policy alike.
    assert_eq!(json(s, &["get", "Global"])["allow_add_participant"], false);
    let p = json(s, &["new", "P", "--calling-e2ee", "user-override"]);
    assert_eq!(p["allow_add_participant"], false);
    let q = json(
        s,
        &[
            "new",
            "Q",
            "--calling-e2ee",
            "user-override",
            "--allow-add-participant",
            "on",
        ],
    );
    assert_eq!(q["allow_add_participant"], true);
    let p = json(s, &["set", "P", "--allow-add-participant", "on"]);
    assert_eq!(p["allow_add_participant"], true);
    // Changing another setting leaves it alone.
    let p = json(s, &["set", "P", "--description", "grows"]);
    assert_eq!(p["allow_add_participant"], true);
    assert_eq!(
        json(s, &["set", "P", "--allow-add-participant", "off"])["allow_add_participant"],
        false
    );
    // The table has a column for it.
    ok(s, &["set", "Global", "--allow-add-participant", "on"]);
    let t = ok(s, &["get"]);
    let line = |id: &str| {
        t.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{id} in {t}"))
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
    };
    assert!(
        t.lines().next().unwrap().contains("AllowAddParticipant"),
        "{t}"
    );
    assert_eq!(line("Global"), ["Global", "Disabled", "on"]);
    assert_eq!(line("Tag:P "), ["Tag:P", "DisabledUserOverride", "off"]);
    assert_eq!(line("Tag:Q"), ["Tag:Q", "DisabledUserOverride", "on"]);
    // Reset turns it off; it cannot be combined with a change.
    ok(s, &["set", "Global", "--reset"]);
    assert_eq!(json(s, &["get", "Global"])["allow_add_participant"], false);
    let out = policy(
        s,
        &["set", "Global", "--reset", "--allow-add-participant", "on"],
    );
    assert_eq!(out.status.code(), Some(2));
    for bad in ["yes", "true", ""] {
        let out = policy(s, &["set", "P", "--allow-add-participant", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
    // `effective` shows the user's.
    ok(s, &["grant", "--user", "alice", "Q"]);
    assert_eq!(
        json(s, &["effective", "alice"])["allow_add_participant"],
        true
    );
    assert!(ok(s, &["effective", "alice"]).contains("AllowAddParticipant            on"));
}

#[test]
fn decide_add_gives_every_reason() {
    let dir = tempfile::tempdir().unwrap();
    let s = &dir.path().join("policy.json");
    granted_to_group(s, "alice");
    ok(s, &["group", "add", "calling", "bob"]);
    for u in ["alice", "bob"] {
        ok(s, &["user-setting", u, "on"]);
    }
    // An end-to-end call, and by default (Teams) it cannot add anyone.
    let d = json(s, &["decide", "alice", "bob"]);
    assert_eq!(d["security"], "end_to_end");
    assert_eq!(d["add_participant"], false);
    let text = ok(s, &["decide", "alice", "bob"]);
    assert!(text.contains("add a participant: not allowed"), "{text}");
    let carol = [
        "decide-add",
        "carol",
        "--participant",
        "alice",
        "--participant",
        "bob",
    ];
    assert_eq!(
        json(s, &carol),
        serde_json::json!({
            "allowed": false,
            "newcomer": "carol",
            "participants": ["alice", "bob"],
            "reasons": [
                {"user": "alice", "rule": "add_participant_disabled"},
                {"user": "bob", "rule": "add_participant_disabled"},
                {"user": "carol", "rule": "policy_disabled"},
            ],
        })
    );
    // The policy allows adding: the call may grow, but carol cannot use E2EE yet. A refused
    // add is an answer, as a refused `decide` is: exit status 0 (`ok` checks it).
    ok(s, &["set", "P", "--allow-add-participant", "on"]);
    let d = json(s, &["decide", "alice", "bob"]);
    assert_eq!(
        (&d["security"], &d["add_participant"]),
        (&"end_to_end".into(), &true.into())
    );
    ok(s, &["group", "add", "calling", "carol"]);
    let v = json(s, &carol);
    assert_eq!(v["allowed"], false);
    assert_eq!(
        v["reasons"],
        serde_json::json!([{"user": "carol", "rule": "setting_off"}])
    );
    let text = ok(s, &carol);
    assert!(
        text.contains("refused: the call stays as it is, end-to-end, without carol")
            && text.contains("reason: carol: setting_off"),
        "{text}"
    );
    // Compliance recording refuses her too.
    ok(s, &["user-setting", "carol", "on"]);
    ok(s, &["compliance-recording", "carol", "on"]);
    assert_eq!(
        json(s, &carol)["reasons"],
        serde_json::json!([{"user": "carol", "rule": "compliance_recording"}])
    );
    ok(s, &["compliance-recording", "carol", "off"]);
    // Allowed.
    let v = json(s, &carol);
    assert_eq!(
        (v["allowed"].clone(), v["reasons"].clone()),
        (true.into(), serde_json::json!([]))
    );
    let text = ok(s, &carol);
    assert!(
        text.contains("allowed: the call stays end-to-end"),
        "{text}"
    );
    // One participant under a policy that does not allow adding is enough to refuse.
    ok(s, &["new", "NoAdd", "--calling-e2ee", "user-override"]);
    ok(s, &["grant", "--user", "bob", "NoAdd"]);
    assert_eq!(
        json(s, &carol)["reasons"],
        serde_json::json!([{"user": "bob", "rule": "add_participant_disabled"}])
    );
    // A name the store does not know gets the defaults, and the text says so.
    let text = ok(s, &["decide-add", "dave", "--participant", "alice"]);
    assert!(
        text.contains("reason: dave: policy_disabled")
            && text.contains("defaults: dave is not in the store"),
        "{text}"
    );
    // At least one participant: a usage error without.
    let out = policy(s, &["decide-add", "carol"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--participant"));
}
