//! `callseal vectors handshake` reproduces every run of tests/vectors/handshake.json.

use std::process::Command;

mod common;

#[test]
fn cli_reproduces_vectors_file() {
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("../../tests/vectors/handshake.json")).unwrap();
    for run in doc["runs"].as_array().unwrap() {
        let ctx = hex::decode(run["context"].as_str().unwrap()).unwrap();
        let ctx = String::from_utf8(ctx).unwrap();
        let got = common::json_of(&[
            "vectors",
            "handshake",
            "--seed",
            run["seed"].as_str().unwrap(),
            "--caller-intent",
            run["caller"]["intent"].as_str().unwrap(),
            "--callee-intent",
            run["callee"]["intent"].as_str().unwrap(),
            "--context",
            &ctx,
        ]);
        assert_eq!(&got, run);
    }
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
