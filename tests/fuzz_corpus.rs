//! Replays the committed fuzz corpus (fuzz/corpus/TARGET/*) through the fuzz target bodies on
//! the stable toolchain, so every input that ever mattered stays a regression test.

mod common;

use std::path::Path;

mod bodies {
    pub(crate) mod handshake {
        include!("fuzz_bodies/handshake.rs");
    }
    pub(crate) mod srtp {
        include!("fuzz_bodies/srtp.rs");
    }
    pub(crate) mod sframe {
        include!("fuzz_bodies/sframe.rs");
    }
    pub(crate) mod policy_store {
        include!("fuzz_bodies/policy_store.rs");
    }
    pub(crate) mod session {
        include!("fuzz_bodies/session.rs");
    }
    pub(crate) mod attacker {
        include!("fuzz_bodies/attacker.rs");
    }
    pub(crate) mod depacketize {
        include!("fuzz_bodies/depacketize.rs");
    }
}

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        run(&data);
        n += 1;
    }
    assert!(n > 0, "empty corpus for {target}");
}

#[test]
fn corpus_handshake() {
    replay("handshake", bodies::handshake::handshake);
}

#[test]
fn corpus_srtp() {
    replay("srtp", bodies::srtp::srtp);
}

#[test]
fn corpus_sframe() {
    replay("sframe", bodies::sframe::sframe);
}

#[test]
fn corpus_policy_store() {
    replay("policy_store", bodies::policy_store::policy_store);
}

#[test]
fn corpus_session() {
    replay("session", bodies::session::session);
}

#[test]
fn corpus_attacker() {
    replay("attacker", bodies::attacker::attacker);
}

#[test]
fn corpus_depacketize() {
    replay("depacketize", bodies::depacketize::depacketize);
}
