//! `callseal` behaves like a Unix tool: its help says what it is and what its exit statuses
//! mean, usage errors exit with 2 and other errors with 1, and a closed pipe (`callseal … |
//! head -1`) ends it quietly.

mod common;

use common::{callseal, with_closed_stdout};
use std::process::Output;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The status was `status` and nothing panicked.
fn assert_status(args: &[&str], out: &Output, status: i32) {
    let args = &args[..args.len().min(3)]; // the long ones are not worth printing
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(status), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
}

#[test]
fn help_says_what_the_tool_is_and_its_exit_statuses() {
    let out = callseal().arg("--help").output().unwrap();
    assert_status(&["--help"], &out, 0);
    let help = text(&out.stdout);
    assert!(
        help.starts_with("callseal: end-to-end encrypted calls — demo, SRTP capture tools"),
        "{help}"
    );
    for line in [
        "Exit status:",
        "  0  success",
        "  1  an error",
        "  2  a usage error",
        "  3  the demo's call was refused",
        "  4  the demo's security codes differ (a man in the middle)",
        "  5  srtp: some packets failed",
    ] {
        assert!(help.contains(line), "{line:?} in {help}");
    }
    let out = callseal()
        .args(["srtp", "decrypt", "--help"])
        .output()
        .unwrap();
    let help = text(&out.stdout);
    assert!(
        help.contains("  5  srtp: some packets failed") && !help.contains("  3  "),
        "{help}"
    );
}

#[test]
fn usage_errors_exit_with_2_and_other_errors_with_1() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().to_str().unwrap(); // a directory is no store
    for (args, status) in [
        (&["--no-such-option"][..], 2),
        (&["no-such-command"], 2),
        (&["srtp", "decrypt"], 2),
        (&["policy", "grant", "--group", "g", "P"], 2),
        (&["vectors", "handshake", "--seed", "zz"], 1),
        (&["policy", "--store", store, "get"], 1),
    ] {
        let out = callseal().args(args).output().unwrap();
        assert_status(args, &out, status);
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn demo_duration_must_be_positive() {
    for (d, message) in [
        ("0", "duration must be a positive number of seconds"),
        ("-1", "duration must be a positive number of seconds"),
        ("-0.5", "duration must be a positive number of seconds"),
        ("4000", "duration must be at most 3600 seconds"),
        ("soon", "\"soon\" is not a number of seconds"),
    ] {
        let args = ["demo", "--duration", d];
        let out = callseal().args(args).output().unwrap();
        assert_status(&args, &out, 2);
        let err = text(&out.stderr);
        assert!(
            err.contains(&format!("invalid value '{d}' for '--duration")) && err.contains(message),
            "{err}"
        );
    }
}

/// `args` with its standard output closed (after the first line, or at once) ends with status
/// 0, no panic and no message.
fn quiet_on_closed_pipe(args: &[&str], first_line: bool) {
    let out = with_closed_stdout(args, first_line);
    assert_status(args, &out, 0);
    let err = text(&out.stderr);
    assert!(!err.contains("callseal:"), "{:?}: {err}", &args[..2]);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    // Outputs larger than a pipe holds, so that the writer is still writing when it closes.
    let seed = "00".repeat(32);
    let context = "c".repeat(60_000);
    quiet_on_closed_pipe(
        &[
            "vectors",
            "handshake",
            "--seed",
            &seed,
            "--context",
            &context,
        ],
        true,
    );

    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("policy.json");
    let store = store.to_str().unwrap();
    let long = "d".repeat(60_000);
    for name in ["A", "B"] {
        let args = ["policy", "--store", store, "new", name];
        let out = callseal()
            .args(args)
            .args(["--calling-e2ee", "disabled", "--description", &long])
            .output()
            .unwrap();
        assert_status(&args, &out, 0);
    }
    quiet_on_closed_pipe(&["policy", "--store", store, "get"], true);
    quiet_on_closed_pipe(&["policy", "--store", store, "get", "--json"], false);

    // The demo prints its report at the end of the call, long after the pipe closed.
    quiet_on_closed_pipe(&["demo", "--fast", "--duration", "0.5"], false);
    quiet_on_closed_pipe(&["--help"], false);
}
