//! `callseal demo --participants 3` end to end: the binary as users run it, real sockets, a
//! forwarding unit with a hop-by-hop SRTP leg per participant, MLS keying SFrame.

mod common;

use common::demo;
use serde_json::Value;
use std::process::Output;

fn group_json(args: &[&str]) -> (Output, Value) {
    let mut a = vec!["--participants", "3", "--fast", "--duration", "2", "--json"];
    a.extend_from_slice(args);
    let out = demo(&a);
    let v = common::stdout_json(&out);
    (out, v)
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

fn code(v: &Value) -> &str {
    let c = v.as_str().unwrap_or_else(|| panic!("not a code: {v}"));
    assert_eq!(c.len(), 23, "{c}");
    assert!(
        c.split(' ')
            .all(|g| g.len() == 5 && g.bytes().all(|b| b.is_ascii_digit())),
        "{c}"
    );
    c
}

#[test]
fn three_participants_share_the_group_code_and_every_frame_and_carol_is_locked_out() {
    let (out, v) = group_json(&["--layers", "both"]);
    assert!(out.status.success(), "{v:#}");
    assert_eq!(v["ok"], true, "{v:#}");
    assert_eq!(v["problems"], serde_json::json!([]));
    assert_eq!(v["security"], "end_to_end");
    assert_eq!(v["layers"], "both");
    // The one-to-one call the group grew from: both sides show the same 20-digit code.
    assert_eq!(
        code(&v["security_codes"]["caller"]),
        code(&v["security_codes"]["callee"])
    );
    assert_eq!(v["codes_match"], true);
    assert_eq!(v["policy"]["features"]["add_participant"], true);
    // The fields scripts read, in their order (README, "Three participants").
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&v),
        [
            "security",
            "layers",
            "security_codes",
            "codes_match",
            "handshake",
            "policy",
            "duration_s",
            "frames_sent",
            "frames_delivered",
            "frames_mismatched",
            "frames_duplicated",
            "rejected_total",
            "relay",
            "group",
            "ok",
            "problems"
        ]
    );
    assert_eq!(
        keys(&v["group"]),
        [
            "participants",
            "add",
            "epochs",
            "escalation_code",
            "escalation_in_flight",
            "codes",
            "codes_match",
            "one_to_one_kept",
            "code_after_removal",
            "code_changed",
            "members",
            "pairs",
            "pairwise_frames",
            "group_frames",
            "lost",
            "removed_rejected",
            "removed_unreadable",
            "self_updates",
            "signaling_messages",
            "signaling_bytes"
        ]
    );
    let g = &v["group"];
    assert_eq!(g["participants"], 3);
    assert_eq!(g["add"]["allowed"], true);
    assert_eq!(g["add"]["newcomer"], "carol@contoso.com");

    // The group code: equal on all three sides, new at each membership change.
    let c = &g["codes"];
    let with_carol = code(&c["alice"]);
    assert_eq!(code(&c["bob"]), with_carol);
    assert_eq!(code(&c["carol"]), with_carol);
    assert_eq!(g["codes_match"], true);
    let two = code(&g["escalation_code"]);
    assert_ne!(two, with_carol);
    let after = code(&g["code_after_removal"]["alice"]);
    assert_eq!(code(&g["code_after_removal"]["bob"]), after);
    assert_ne!(after, with_carol);
    assert_ne!(after, two);
    assert_eq!(g["code_changed"], true);
    assert_eq!(g["one_to_one_kept"], true);
    let e = &g["epochs"];
    assert!(u(&e["escalated"]) < u(&e["joined"]) && u(&e["joined"]) < u(&e["removed"]));
    assert!(u(&e["last"]) >= u(&e["removed"]));

    // Nothing lost, on either side of the move to the group's keys.
    let sent = u(&v["frames_sent"]);
    assert!(sent > 400, "{sent}");
    assert_eq!(u(&v["frames_delivered"]), sent);
    assert_eq!(v["frames_mismatched"], 0);
    assert_eq!(v["frames_duplicated"], 0);
    assert_eq!(v["rejected_total"], 0);
    assert_eq!(g["lost"], 0);
    let (pairwise, group) = (u(&g["pairwise_frames"]), u(&g["group_frames"]));
    assert!(pairwise > 0 && group > 0, "{g:#}");
    assert_eq!(pairwise + group, sent);
    assert!(u(&g["escalation_in_flight"]) > 0);
    let pairs = g["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 6);
    for p in pairs {
        assert!(u(&p["frames_sent"]) > 0, "{p}");
        assert_eq!(p["frames_delivered"], p["frames_sent"], "{p}");
        assert_eq!(
            u(&p["on_call_keys"]) + u(&p["on_group_keys"]),
            u(&p["frames_delivered"])
        );
        assert_eq!(p["lost"], 0);
        // Only alice and bob had a one-to-one call.
        if p["from"] == "carol" || p["to"] == "carol" {
            assert_eq!(p["on_call_keys"], 0, "{p}");
        }
    }
    for name in ["alice", "bob", "carol"] {
        let m = &g["members"][name];
        assert_eq!(m["user"], format!("{name}@contoso.com"));
        assert!(m["leaf"].is_u64(), "{m}");
        for kind in ["audio", "video", "screen"] {
            assert!(u(&m["frames_sent"][kind]) > 0, "{name} {kind}: {m}");
        }
        assert_eq!(m["frames_delivered"], m["frames_expected"]);
        assert!(u(&m["frames_expected"]) > 0);
    }

    // Carol removed: what she still sends is rejected, what the others send she cannot read,
    // and her own side refuses to send once she knows.
    let r = &g["removed_rejected"];
    assert!(u(&r["frames_sent"]) > 0, "{r}");
    assert!(u(&r["packets"]) > 0);
    assert_eq!(r["packets_rejected"], r["packets"], "{r}");
    assert_eq!(r["frames_delivered"], 0);
    let reasons = r["reasons"].as_object().unwrap();
    assert!(reasons.keys().all(|k| k.contains("unknown")), "{r}");
    assert_eq!(reasons.values().map(u).sum::<u64>(), u(&r["packets"]));
    let un = &g["removed_unreadable"];
    assert!(u(&un["frames_sent"]) > 0, "{un}");
    assert_eq!(un["frames_read"], 0);
    // Before she applies the commit, what is sealed under its epoch waits for it; after, it
    // is refused. Either way she reads none of it.
    assert!(
        u(&un["frames_held"]) + u(&un["packets_refused"]) > 0,
        "{un}"
    );
    assert_eq!(un["send_refused"], true);

    // The forwarding unit holds every leg's hop keys and reads none of the media.
    let relay = &v["relay"];
    assert_eq!(relay["hop_keys"], true);
    assert!(u(&relay["packets"]) > sent);
    assert_eq!(relay["hop_layer_removed"], relay["packets"]);
    assert_eq!(relay["media_readable"], 0);
    assert_eq!(relay["plaintext_seen"], 0);
    assert!(u(&g["signaling_messages"]) >= 10);
}

#[test]
fn every_side_prints_the_group_code_within_100_columns() {
    let out = demo(&["--participants", "3", "--fast", "--duration", "1"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
    let group_code = |who: &str| -> Vec<String> {
        let prefix = format!("  {who} sees group code");
        text.lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|c| c.trim().to_owned())
            .collect()
    };
    let (a, b, c) = (group_code("alice"), group_code("bob"), group_code("carol"));
    // With carol, then after her removal (alice and bob only).
    assert_eq!((a.len(), b.len(), c.len()), (2, 2, 1), "{text}");
    assert_eq!(a[0], c[0]);
    assert_eq!(b[0], c[0]);
    assert_eq!(a[1], b[1]);
    assert_ne!(a[1], a[0]);
    assert!(text.contains("  alice sees security code  "), "{text}");
    assert!(text.contains("group codes match: yes"), "{text}");
    assert!(text.contains("the code changes: yes"), "{text}");
    assert!(text.contains(", 0 frames delivered"), "{text}");
    assert!(text.contains("0 differed, 0 lost"), "{text}");
    assert!(text.contains("read media in 0 of"), "{text}");
    assert!(text.ends_with("result: ok\n"), "{text}");
}

#[test]
fn the_two_party_demo_is_the_default_and_has_no_group() {
    let out = demo(&["--fast", "--duration", "1", "--json"]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v.get("group").is_none(), "{v:#}");
    // The built-in policy of the two-party demo keeps Teams' rule.
    assert_eq!(v["policy"]["features"]["add_participant"], false);
    let out = demo(&["--participants", "2", "--fast", "--duration", "1", "--json"]);
    assert!(out.status.success());
    let w: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(w.get("group").is_none());
    assert_eq!(w["streams"].as_array().unwrap().len(), 6);
}

#[test]
fn combinations_the_group_demo_cannot_run_are_usage_errors() {
    let usage = |args: &[&str], says: &str| {
        let out = demo(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    };
    usage(&["--participants", "4"], "--participants");
    usage(&["--participants", "1"], "--participants");
    usage(&["--participants", "three"], "--participants");
    usage(
        &["--participants", "3", "--fast", "--duration", "0.1"],
        "at least 0.12 s",
    );
    let three = |more: &[&str]| {
        let mut a = vec!["--participants", "3", "--fast", "--duration", "1"];
        a.extend_from_slice(more);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let cases: [(&[&str], &str); 8] = [
        (&["--no-e2ee"], "leave --no-e2ee out"),
        (&["--layers", "srtp"], "--layers srtp is not available"),
        (&["--layers", "sframe"], "--layers sframe is not available"),
        (
            &["--attack", "tamper"],
            "--attack tamper runs in the two-party demo only",
        ),
        (
            &["--attack", "mitm"],
            "--attack mitm runs in the two-party demo only",
        ),
        (&["--continuity", "x.json"], "--continuity"),
        (&["--stats"], "--stats"),
        (&["--continuity", "x.json", "--stats"], "--continuity"),
    ];
    for (more, says) in cases {
        let a = three(more);
        usage(&a.iter().map(String::as_str).collect::<Vec<_>>(), says);
    }
}

#[test]
fn the_policy_decides_whether_carol_may_be_added() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("policy.json");
    let admin = common::policy_admin(&store);
    admin(&["new", "E2EE", "--calling-e2ee", "user-override"]);
    admin(&["grant", "--global", "E2EE"]);
    for user in ["alice", "bob"] {
        admin(&["user-setting", &format!("{user}@contoso.com"), "on"]);
    }
    let path = store.to_str().unwrap();
    let run = || {
        let out = demo(&[
            "--participants",
            "3",
            "--fast",
            "--duration",
            "1",
            "--policy",
            path,
        ]);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        (out, err)
    };
    // Teams' rule by default: an end-to-end call adds no one.
    let (out, err) = run();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("does not let the end-to-end call add carol@contoso.com"),
        "{err}"
    );
    assert!(
        err.contains("alice@contoso.com: their policy does not let"),
        "{err}"
    );
    // Adding allowed, but carol has end-to-end calls off: still refused, naming her.
    admin(&["set", "E2EE", "--allow-add-participant", "on"]);
    let (out, err) = run();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("carol@contoso.com: end-to-end encrypted calls are off"),
        "{err}"
    );
    assert!(!err.contains("alice@contoso.com:"), "{err}");
    admin(&["user-setting", "carol@contoso.com", "on"]);
    let (out, err) = run();
    assert!(out.status.success(), "{err}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("policy ({path})")), "{text}");
    assert!(text.ends_with("result: ok\n"), "{text}");
}
