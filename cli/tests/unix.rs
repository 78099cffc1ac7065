//! `callseal` behaves like a Unix tool: its messages make sense.

mod common;

use common::callseal;
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
