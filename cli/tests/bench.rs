//! `callseal bench`: every suite of both layers against the baseline of its family, each figure
//! with its median and spread, the JSON fields, the warning, and usage errors.

mod common;

use common::callseal;
use serde_json::Value;
use std::collections::BTreeSet;

/// A short run: one small size, short rounds, a few milliseconds per figure.
const QUICK: [&str; 6] = ["--sizes", "64", "--time-ms", "5", "--round-us", "20"];

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = callseal().arg("bench").args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn records(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn json_has_every_suite_its_baseline_and_spread() {
    let mut args = QUICK.to_vec();
    args.extend(["--json", "--backend", "ring"]);
    let (status, stdout, stderr) = run(&args);
    assert_eq!(status, Some(0), "{stderr}");
    let recs = records(&stdout);
    // 8 SRTP suites, the 2 NULL-cipher ones and 5 SFrame suites, protect and unprotect.
    assert_eq!(recs.len(), 30, "{stdout}");
    let mut seen = BTreeSet::new();
    for r in &recs {
        for field in [
            "layer",
            "suite",
            "backend",
            "op",
            "size",
            "threads",
            "ns_per_op",
            "mb_per_s",
            "ratio_to_raw",
            "baseline",
            "baseline_ns_per_op",
            "baseline_mb_per_s",
            "spread",
            "placement_spread",
            "samples",
            "round_ops",
            "warning",
        ] {
            assert!(r.get(field).is_some(), "{field} missing in {r}");
        }
        let suite = r["suite"].as_str().unwrap();
        let baseline = r["baseline"].as_str().unwrap();
        // The baseline is the raw construction of the suite's family.
        let expected = match suite {
            "AES_CM_128_HMAC_SHA1_80" => "AES_128_CTR+HMAC_SHA1_80/rustcrypto",
            "AES_CM_128_HMAC_SHA1_32" => "AES_128_CTR+HMAC_SHA1_32/rustcrypto",
            "AES_192_CM_HMAC_SHA1_80" => "AES_192_CTR+HMAC_SHA1_80/rustcrypto",
            "AES_192_CM_HMAC_SHA1_32" => "AES_192_CTR+HMAC_SHA1_32/rustcrypto",
            "AES_256_CM_HMAC_SHA1_80" => "AES_256_CTR+HMAC_SHA1_80/rustcrypto",
            "AES_256_CM_HMAC_SHA1_32" => "AES_256_CTR+HMAC_SHA1_32/rustcrypto",
            "NULL_HMAC_SHA1_80" => "HMAC_SHA1_80/rustcrypto",
            "NULL_HMAC_SHA1_32" => "HMAC_SHA1_32/rustcrypto",
            "AES_128_CTR_HMAC_SHA256_80" => "AES_128_CTR+HMAC_SHA256_80/rustcrypto",
            "AES_128_CTR_HMAC_SHA256_64" => "AES_128_CTR+HMAC_SHA256_64/rustcrypto",
            "AES_128_CTR_HMAC_SHA256_32" => "AES_128_CTR+HMAC_SHA256_32/rustcrypto",
            "AEAD_AES_128_GCM" | "AES_128_GCM_SHA256_128" => "AES_128_GCM/ring",
            "AEAD_AES_256_GCM" | "AES_256_GCM_SHA512_128" => "AES_256_GCM/ring",
            other => panic!("unexpected suite {other}"),
        };
        assert_eq!(baseline, expected, "{r}");
        let gcm = expected.contains("GCM");
        assert_eq!(r["backend"], if gcm { "ring" } else { "-" }, "{r}");
        assert_eq!(r["size"], 64);
        assert_eq!(r["threads"], 1);
        let ratio = r["ratio_to_raw"].as_f64().unwrap();
        assert!(ratio > 0.05 && ratio < 20.0, "{r}");
        let spread = r["spread"].as_f64().unwrap();
        assert!(spread >= 0.0 && spread.is_finite(), "{r}");
        // At least two whole cycles of the stack offsets were measured.
        assert!(r["samples"].as_u64().unwrap() >= 32, "{r}");
        assert!(r["round_ops"].as_u64().unwrap() >= 1, "{r}");
        // The figures agree with each other: MB/s from ns/op and the size, within 1% and the
        // rounding of MB/s to one decimal (a slow build's 4.95 MB/s prints as 4.9).
        let ns = r["ns_per_op"].as_f64().unwrap();
        let mbs = r["mb_per_s"].as_f64().unwrap();
        let exact = 64.0 * 1e3 / ns;
        assert!((mbs - exact).abs() <= 0.05 + 0.01 * exact, "{r}");
        assert!(seen.insert((
            r["layer"].to_string(),
            suite.to_owned(),
            r["op"].to_string()
        )));
    }
}

#[test]
fn table_names_each_figure_and_the_scaling_over_threads() {
    let mut args = QUICK.to_vec();
    args.extend(["--backend", "ring", "--threads", "2"]);
    let (status, stdout, stderr) = run(&args);
    assert_eq!(status, Some(0), "{stderr}");
    for want in [
        "1 thread:",
        "2 threads:",
        "vs raw",
        "spread",
        "baseline",
        "scaling, 2 threads over 1 thread",
        "AES_128_CTR+HMAC_SHA1_80/rustcrypto",
        "AES_128_CTR+HMAC_SHA256_64/rustcrypto",
        "AES_256_GCM/ring",
        "AES_256_CTR+HMAC_SHA1_32/rustcrypto",
        "HMAC_SHA1_80/rustcrypto",
    ] {
        assert!(stdout.contains(want), "{want:?} in {stdout}");
    }
    // Every suite, protect and unprotect, on one thread and on two.
    let rows = stdout
        .lines()
        .filter(|l| l.starts_with("srtp ") || l.starts_with("sframe "))
        .count();
    assert_eq!(rows, 30 * 2 + 30, "{stdout}");
}

#[test]
fn a_spread_above_the_limit_is_a_warning() {
    // No measurement on a real machine has a spread of exactly 0 in every figure.
    let mut args = QUICK.to_vec();
    args.extend(["--json", "--backend", "ring", "--warn-spread", "0"]);
    let (status, stdout, stderr) = run(&args);
    assert_eq!(status, Some(0), "{stderr}");
    let warned = records(&stdout)
        .iter()
        .filter(|r| r["warning"] == true)
        .count();
    assert!(warned > 0, "{stdout}");
    assert!(
        stderr.contains(&format!(
            "warning: {warned} of 30 ratios spread more than 0%"
        )),
        "{stderr}"
    );
    // With a generous limit nothing is.
    let mut args = QUICK.to_vec();
    args.extend(["--json", "--backend", "ring", "--warn-spread", "1000"]);
    let (status, stdout, stderr) = run(&args);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(records(&stdout).iter().all(|r| r["warning"] == false));
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        &["--threads", "0"][..],
        &["--threads", "257"],
        &["--sizes", "0"],
        &["--sizes", "160,x"],
        &["--sizes", "2000000"],
        &["--time-ms", "1"],
        &["--round-us", "5"],
        &["--warn-spread", "-1"],
        &["--warn-spread", "NaN"],
        &["--backend", "openssl"],
    ] {
        let (status, _, stderr) = run(args);
        assert_eq!(status, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("invalid value"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}
