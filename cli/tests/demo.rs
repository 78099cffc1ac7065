//! `callseal demo` end to end: real sockets, a real relay, the binary as users run it.

mod common;

use common::demo;
use serde_json::Value;
use std::process::Output;

/// A short call in text mode: its exit status and what it printed.
fn demo_text(args: &[&str]) -> (Output, String) {
    let mut a = vec!["--fast", "--duration", "1"];
    a.extend_from_slice(args);
    let out = demo(&a);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out, text)
}

fn demo_json(args: &[&str]) -> (Output, Value) {
    let mut a = vec!["--fast", "--duration", "2", "--json"];
    a.extend_from_slice(args);
    let out = demo(&a);
    let v = common::stdout_json(&out);
    (out, v)
}

#[test]
fn clean_call_delivers_every_frame_in_every_layer() {
    for layers in ["both", "srtp", "sframe"] {
        let (out, v) = demo_json(&["--layers", layers]);
        assert!(out.status.success(), "{layers}: {v:#}");
        assert_eq!(v["security"], "end_to_end");
        assert_eq!(v["layers"], layers);
        let codes = &v["security_codes"];
        assert!(codes["caller"].is_string());
        assert_eq!(codes["caller"], codes["callee"]);
        assert_eq!(codes["caller"].as_str().unwrap().len(), 23);
        assert_eq!(v["codes_match"], true);
        assert!(v["frames_sent"].as_u64().unwrap() > 300);
        assert_eq!(v["frames_delivered"], v["frames_sent"], "{v:#}");
        assert_eq!(v["frames_mismatched"], 0);
        assert_eq!(v["rejected_total"], 0, "{v:#}");
        assert_eq!(v["relay"]["plaintext_seen"], 0);
        // The relay holds the hop keys only where there is a hop layer, and reads nothing.
        let relay = &v["relay"];
        assert_eq!(relay["media_readable"], 0, "{layers}: {relay:#}");
        assert_eq!(relay["hop_keys"], layers == "both");
        if layers == "both" {
            assert_eq!(relay["hop_layer_removed"], relay["packets"]);
        } else {
            assert_eq!(relay["hop_layer_removed"], 0);
        }
        assert_eq!(v["rekeys"], 1);
        assert_eq!(v["final_epoch"]["caller"], 1);
        assert_eq!(v["final_epoch"]["callee"], 1);
        let streams = v["streams"].as_array().unwrap();
        assert_eq!(streams.len(), 6);
        for s in streams {
            assert!(s["frames_sent"].as_u64().unwrap() > 0, "{s}");
            assert_eq!(s["frames_delivered"], s["frames_sent"]);
        }
        assert_eq!(v["ok"], true);
    }
}

#[test]
fn injected_packets_are_rejected_and_nothing_forged_is_delivered() {
    for layers in ["both", "srtp", "sframe"] {
        let (out, v) = demo_json(&[
            "--layers",
            layers,
            "--attack",
            "tamper,replay,drop,reorder,reflect",
        ]);
        assert!(out.status.success(), "{layers}: {v:#}");
        let a = &v["attacks"];
        for name in ["tamper", "replay", "drop", "reorder", "reflect"] {
            assert!(
                a[name].as_u64().unwrap() > 0,
                "{layers}: no {name} happened"
            );
        }
        assert_eq!(v["frames_mismatched"], 0);
        assert_eq!(v["frames_duplicated"], 0);
        let injected = v["attack_packets_injected"].as_u64().unwrap();
        let rejected = v["rejected_total"].as_u64().unwrap();
        if layers == "sframe" {
            let incomplete = v["frames_incomplete"].as_u64().unwrap();
            assert!(rejected + incomplete >= injected, "{v:#}");
        } else {
            assert_eq!(rejected, injected, "{v:#}");
        }
        // Dropped packets cost frames; nothing else does.
        assert!(v["frames_delivered"].as_u64() < v["frames_sent"].as_u64());
        assert_eq!(v["relay"]["plaintext_seen"], 0);
        assert_eq!(v["ok"], true);
    }
}

/// The contrast the demo exists for: the relay stands for a media server with the hop-by-hop
/// keys; it reads a standard call, and nothing of an end-to-end one.
#[test]
fn the_relay_reads_a_standard_call() {
    let (out, v) = demo_json(&["--no-e2ee"]);
    assert!(out.status.success(), "{v:#}");
    let relay = &v["relay"];
    assert_eq!(relay["hop_keys"], true);
    assert!(relay["packets"].as_u64().unwrap() > 300);
    assert_eq!(relay["hop_layer_removed"], relay["packets"], "{relay:#}");
    assert_eq!(relay["media_readable"], v["frames_sent"], "{relay:#}");
    // Nothing in clear on the wire: SRTP protects the hop.
    assert_eq!(relay["plaintext_seen"], 0);
    let sample = &relay["sample"];
    assert_eq!(sample["packet_layer"], "srtp_hop");
    assert_eq!(sample["srtp_trailer_bytes"], 16);
    assert_eq!(sample["media_readable"], true);
    assert!(sample["sframe"].is_null());
    assert_eq!(v["ok"], true);

    let (out, text) = demo_text(&["--no-e2ee"]);
    assert!(out.status.success(), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("relay: removed SRTP from"))
        .unwrap_or_else(|| panic!("{text}"));
    let frames = text
        .lines()
        .find_map(|l| l.strip_prefix("frames: "))
        .and_then(|l| l.split(' ').next())
        .unwrap();
    assert!(
        line.ends_with(&format!("read media in {frames} of {frames} frames")),
        "{line}"
    );
    assert!(text.contains("learns: everything"), "{text}");
    assert!(text.contains("result: ok"));
}

#[test]
fn the_relay_reads_nothing_of_an_end_to_end_call() {
    // Both layers: the relay takes the hop layer off and finds SFrame.
    let (out, text) = demo_text(&[]);
    assert!(out.status.success(), "{text}");
    let relay = text
        .lines()
        .find(|l| l.starts_with("relay: "))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        relay.starts_with("relay: removed the hop layer from"),
        "{relay}"
    );
    assert!(relay.contains("read media in 0 of"), "{relay}");
    assert!(
        text.contains("SFrame  KID 1 = epoch 0, caller → callee, video; CTR 0"),
        "{text}"
    );
    assert!(text.contains("learns: ") && text.contains("cannot: read or change the media"));
    // SRTP end to end: the relay has no key at all.
    let (out, text) = demo_text(&["--layers", "srtp"]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("relay: no keys (SRTP is end to end)"),
        "{text}"
    );
    assert!(text.contains("read media in 0 of"), "{text}");
    let (out, v) = demo_json(&["--layers", "srtp"]);
    assert!(out.status.success(), "{v:#}");
    let sample = &v["relay"]["sample"];
    assert_eq!(sample["packet_layer"], "srtp_end_to_end");
    assert!(sample["srtp_trailer_bytes"].is_null());
    assert!(sample["descriptor"].is_null() && sample["sframe"].is_null());
    assert_eq!(sample["rtp"]["payload_type"], 96);
    // Both layers in JSON: the SFrame header parsed, the KID decoded.
    let (out, v) = demo_json(&[]);
    assert!(out.status.success(), "{v:#}");
    let sample = &v["relay"]["sample"];
    assert_eq!(sample["direction"], "caller_to_callee");
    assert_eq!(sample["kind"], "video");
    assert_eq!(sample["packet_layer"], "srtp_hop");
    assert_eq!(sample["srtp_trailer_bytes"], 16);
    // The SFrame RTP descriptor of a frame's first packet: S set, per-frame SFrame.
    assert_eq!(sample["descriptor"]["byte"], 0x80);
    assert_eq!(sample["descriptor"]["s"], true);
    assert_eq!(sample["descriptor"]["t"], false);
    assert_eq!(sample["media_readable"], false);
    let sframe = &sample["sframe"];
    assert_eq!(sframe["kid"], 1);
    assert_eq!(sframe["epoch"], 0);
    assert_eq!(sframe["direction"], "caller_to_callee");
    assert_eq!(sframe["kind"], "video");
}

#[test]
fn a_man_in_the_middle_shows_in_the_codes() {
    let (out, v) = demo_json(&["--attack", "mitm"]);
    assert_eq!(out.status.code(), Some(4), "{v:#}");
    assert_eq!(v["attack"], "mitm");
    assert_eq!(v["codes_match"], false);
    assert_eq!(v["media_sent"], false);
    let codes = &v["security_codes"];
    assert!(codes["caller"].is_string() && codes["callee"].is_string());
    assert_ne!(codes["caller"], codes["callee"]);
    // Each side's code is that of its handshake with the man in the middle.
    assert_eq!(v["mitm_codes"]["caller"], codes["caller"]);
    assert_eq!(v["mitm_codes"]["callee"], codes["callee"]);
    assert_eq!(v["ok"], false);

    let (out, text) = demo_text(&["--attack", "mitm"]);
    assert_eq!(out.status.code(), Some(4), "{text}");
    let code = |who: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(who))
            .map(|c| c.trim().to_owned())
            .unwrap_or_else(|| panic!("{text}"))
    };
    let (alice, bob) = (
        code("alice sees security code"),
        code("bob sees security code"),
    );
    assert_eq!(alice.len(), 23);
    assert_ne!(alice, bob);
    assert!(text.contains("the codes differ: someone is in the middle, hang up"));
    assert!(text.contains("codes match: NO"));
    assert!(!text.contains("result: ok"));
    // With media attacks, or in a standard call, it is refused.
    let out = demo(&["--attack", "mitm,tamper"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("mitm stands alone"));
    let out = demo(&["--attack", "mitm", "--no-e2ee"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs an end-to-end call"));
}

#[test]
fn the_table_fits_100_columns_and_stats_add_latency() {
    let (out, text) = demo_text(&["--attack", "tamper,replay,drop,reorder,reflect"]);
    assert!(out.status.success(), "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
    assert!(!text.contains("p50") && !text.contains("MB/s"), "{text}");
    for words in [
        "caller → callee",
        "callee → caller",
        "screen share",
        "transfer the call",
    ] {
        assert!(text.contains(words), "{words}: {text}");
    }
    assert!(!text.contains("caller_to_callee") && !text.contains("live_captions"));
    let (out, text) = demo_text(&["--stats"]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("protect p50/p99") && text.contains("MB/s"),
        "{text}"
    );
    for line in text.lines() {
        assert!(line.chars().count() <= 100, "{line}");
    }
}

#[test]
fn drops_are_losses_not_rejected_attacks() {
    let (out, v) = demo_json(&["--attack", "drop"]);
    assert!(out.status.success(), "{v:#}");
    assert!(v["attacks"]["drop"].as_u64().unwrap() > 0);
    assert_eq!(v["attack_packets_injected"], 0);
    assert_eq!(v["rejected_total"], 0, "{v:#}");
    assert!(v["frames_delivered"].as_u64() < v["frames_sent"].as_u64());
    assert_eq!(v["ok"], true);
    let (out, text) = demo_text(&["--attack", "drop"]);
    assert!(out.status.success(), "{text}");
    let dropped = text
        .lines()
        .find(|l| l.contains("packets dropped by the relay: lost, not attacks"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(dropped.split(' ').next().unwrap().parse::<u64>().unwrap() > 0);
    assert!(!text.contains("relay attacks:"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with("rejected:")), "{text}");
}

#[test]
fn layers_do_not_apply_to_a_standard_call() {
    let out = demo(&[
        "--fast",
        "--duration",
        "1",
        "--no-e2ee",
        "--layers",
        "sframe",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--layers sframe applies to end-to-end calls"),
        "{err}"
    );
    assert!(err.contains("standard and runs hop-by-hop SRTP"), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn no_e2ee_falls_back_to_standard_encryption() {
    let (out, v) = demo_json(&["--no-e2ee"]);
    assert!(out.status.success(), "{v:#}");
    assert_eq!(v["security"], "standard");
    assert!(v["security_codes"]["caller"].is_null());
    assert_eq!(v["policy"]["decision"], "standard");
    assert_eq!(v["policy"]["reasons"][0]["rule"], "setting_off");
    assert_eq!(v["policy"]["features"]["transfer"], true);
    assert_eq!(v["frames_delivered"], v["frames_sent"]);
}

#[test]
fn require_e2ee_refuses_instead_of_falling_back() {
    let (out, v) = demo_json(&["--no-e2ee", "--require-e2ee"]);
    assert!(!out.status.success());
    assert_eq!(v["security"], "refused");
    let out = demo(&["--fast", "--duration", "1", "--no-e2ee", "--require-e2ee"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("call refused"));
    // Required on both sides that have it on: an end-to-end call.
    let (out, v) = demo_json(&["--require-e2ee"]);
    assert!(out.status.success(), "{v:#}");
    assert_eq!(v["security"], "end_to_end");
}

#[test]
fn policy_store_from_the_admin_cli_decides_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("policy.json");
    let admin = common::policy_admin(&store);
    admin(&["new", "E2EE", "--calling-e2ee", "user-override"]);
    admin(&["grant", "--global", "E2EE"]);
    admin(&["user-setting", "alice@contoso.com", "on"]);
    let path = store.to_str().unwrap();
    // Bob's setting is off: standard, with the reason naming him.
    let (out, v) = demo_json(&["--policy", path]);
    assert!(out.status.success(), "{v:#}");
    assert_eq!(v["security"], "standard");
    assert_eq!(v["policy"]["reasons"][0]["user"], "bob@contoso.com");
    assert_eq!(v["policy"]["reasons"][0]["rule"], "setting_off");
    assert_eq!(v["policy"]["features"]["recording"], true);
    // The policy made the call standard: --layers is not applied, and the demo says so.
    let (out, text) = demo_text(&["--policy", path, "--layers", "sframe"]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("note: --layers sframe applies to end-to-end calls; this standard call"),
        "{text}"
    );
    admin(&["user-setting", "bob@contoso.com", "on"]);
    let (out, v) = demo_json(&["--policy", path]);
    assert!(out.status.success(), "{v:#}");
    assert_eq!(v["security"], "end_to_end");
    assert_eq!(v["policy"]["features"]["recording"], false);
    assert_eq!(v["policy"]["features"]["live_captions"], false);
    assert_eq!(v["policy"]["features"]["add_participant"], false);
    assert_eq!(v["policy"]["add_participant"], false);
    // A policy that lets end-to-end calls add participants: that feature alone comes back.
    admin(&["set", "E2EE", "--allow-add-participant", "on"]);
    let (out, v) = demo_json(&["--policy", path]);
    assert!(out.status.success(), "{v:#}");
    assert_eq!(v["security"], "end_to_end");
    assert_eq!(v["policy"]["add_participant"], true);
    assert_eq!(v["policy"]["features"]["add_participant"], true);
    assert_eq!(v["policy"]["features"]["recording"], false);
    let (out, text) = demo_text(&["--policy", path]);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("available in this call: add a participant"),
        "{text}"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let out = demo(&["--layers", "triple"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("triple"));
    let out = demo(&["--attack", "tamper,nuke"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nuke"));
    let out = demo(&["--duration", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--duration"));
    let out = demo(&["--policy", "/nonexistent/policy.json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/policy.json"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("policy.json");
    std::fs::write(&bad, "{\"version\": 1, \"policies\": 7").unwrap();
    let out = demo(&["--policy", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = demo(&["--fast", "--duration", "1", "--signal-port", &port]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("port in use"));
}

#[test]
fn post_quantum_by_default_and_version_1_on_request() {
    let (out, v) = demo_json(&[]);
    assert!(out.status.success());
    assert_eq!(v["handshake"]["key_agreement"], "x25519+ml-kem-768");
    assert_eq!(v["handshake"]["version"], 2);
    // Without --continuity there is no store, and nothing to say about continuity.
    assert!(v["handshake"]["continuity"]["caller"].is_null());
    let (out, v) = demo_json(&["--no-pq"]);
    assert!(out.status.success());
    assert_eq!(v["handshake"]["key_agreement"], "x25519");
    assert!(v["handshake"]["continuity"]["caller"].is_null());
    let (_, text) = demo_text(&["--pq"]);
    assert!(text.contains("X25519 + ML-KEM-768, post-quantum"), "{text}");
    let out = demo(&["--no-pq", "--continuity", "x.json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--continuity needs"));
}

#[test]
fn continuity_file_second_call_continues_and_corruption_shows_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("continuity.json");
    let f = file.to_str().unwrap();
    let status = |v: &Value| {
        (
            v["handshake"]["continuity"]["caller"].clone(),
            v["handshake"]["continuity"]["callee"].clone(),
        )
    };
    let (out, v) = demo_json(&["--continuity", f]);
    assert!(out.status.success());
    assert_eq!(status(&v), ("new".into(), "new".into()));
    let (out, text) = demo_text(&["--continuity", f]);
    assert!(out.status.success());
    assert!(text.contains("continuity: continued"), "{text}");
    assert!(!text.contains("MISMATCH"), "{text}");
    let (_, v) = demo_json(&["--continuity", f]);
    assert_eq!(status(&v), ("continued".into(), "continued".into()));

    // Both of alice's secrets replaced: nothing she offers matches what bob holds.
    let mut store: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let rec = &mut store["alice@contoso.com"]["bob@contoso.com"];
    rec["newest"] = "ab".repeat(32).into();
    rec["previous"] = "cd".repeat(32).into();
    std::fs::write(&file, store.to_string()).unwrap();
    let (out, text) = demo_text(&["--continuity", f]);
    assert!(out.status.success());
    let code_line = text
        .lines()
        .find(|l| l.contains("alice sees security code"))
        .unwrap();
    assert!(code_line.ends_with("continuity: MISMATCH"), "{text}");
    assert!(text.contains("!!  CONTINUITY MISMATCH"), "{text}");
    // The mismatch started a new chain: the next call continues it.
    let (_, v) = demo_json(&["--continuity", f]);
    assert_eq!(status(&v), ("continued".into(), "continued".into()));

    // A record that no longer parses is reported and taken as lost.
    let mut store: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    store["bob@contoso.com"]["alice@contoso.com"]["newest"] = "zz".into();
    std::fs::write(&file, store.to_string()).unwrap();
    let (_, v) = demo_json(&["--continuity", f]);
    assert_eq!(status(&v), ("mismatch".into(), "mismatch".into()));
    assert!(v["handshake"]["continuity_notes"][0]
        .as_str()
        .unwrap()
        .contains("unusable"));

    // A file that is no store at all: an error, and the file is left as it is.
    std::fs::write(&file, "not json").unwrap();
    let out = demo(&["--fast", "--duration", "1", "--continuity", f]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a continuity store"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not json");
}
