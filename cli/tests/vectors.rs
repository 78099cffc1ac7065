//! `callseal vectors handshake` reproduces every run of tests/vectors/handshake.json.

use std::process::Command;

mod common;

#[test]
fn cli_reproduces_vectors_file() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/vectors/handshake.json")).unwrap();
    for run in doc["runs"].as_array().unwrap() {
        assert_prints(&mut vectors_command(run, &[]), run);
    }
}

/// `callseal vectors handshake` with `extra` and the seed, intents and context of `run`.
fn vectors_command(run: &serde_json::Value, extra: &[&str]) -> Command {
    let ctx = hex::decode(run["context"].as_str().unwrap()).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_callseal"));
    cmd.args(["vectors", "handshake"])
        .args(extra)
        .arg("--seed")
        .arg(run["seed"].as_str().unwrap())
        .arg("--caller-intent")
        .arg(run["caller"]["intent"].as_str().unwrap())
        .arg("--callee-intent")
        .arg(run["callee"]["intent"].as_str().unwrap())
        .arg("--context")
        .arg(String::from_utf8(ctx).unwrap());
    cmd
}

/// The command succeeds and prints exactly `run`.
fn assert_prints(cmd: &mut Command, run: &serde_json::Value) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(&got, run);
}

#[test]
fn cli_rejects_bad_seed_and_refused_intents() {
    let bin = env!("CARGO_BIN_EXE_callseal");
    let out = Command::new(bin)
        .args(["vectors", "handshake", "--seed", "zz"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--seed"));
    let out = Command::new(bin)
        .args(["vectors", "handshake", "--seed", &"00".repeat(32)])
        .args(["--caller-intent", "required", "--callee-intent", "off"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("requires end-to-end"));
}

#[test]
fn cli_reproduces_version_2_vectors_file() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/vectors/handshake-v2.json")).unwrap();
    for run in doc["runs"].as_array().unwrap() {
        let list = |side: &str| -> Vec<String> {
            let v = run[side]["retained"].as_array().unwrap();
            v.iter().map(|s| s.as_str().unwrap().to_owned()).collect()
        };
        let mut cmd = vectors_command(run, &["--version", "2"]);
        for (side, flag) in [
            ("caller", "--caller-retained"),
            ("callee", "--callee-retained"),
        ] {
            if !list(side).is_empty() {
                cmd.arg(flag).arg(list(side).join(","));
            }
        }
        assert_prints(&mut cmd, run);
    }
}

#[test]
fn cli_rejects_bad_retained_secrets() {
    let bin = env!("CARGO_BIN_EXE_callseal");
    let seed = "00".repeat(32);
    for (args, says) in [
        (vec!["--caller-retained", "11"], "32 bytes"),
        (vec!["--caller-retained", "zz"], "not hex"),
        (
            vec![
                "--callee-retained",
                &*format!("{0},{0},{0}", "11".repeat(32)),
            ],
            "at most two",
        ),
    ] {
        let out = Command::new(bin)
            .args(["vectors", "handshake", "--version", "2", "--seed", &seed])
            .args(&args)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(says),
            "{args:?}"
        );
    }
    let out = Command::new(bin)
        .args(["vectors", "handshake", "--seed", &seed])
        .args(["--caller-retained", &"11".repeat(32)])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--version 2"));
}
