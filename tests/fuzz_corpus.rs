//! Replays the committed fuzz corpus (fuzz/corpus/TARGET/*) through the fuzz target bodies on
//! the stable toolchain, so every input that ever mattered stays a regression test.

use std::path::Path;

mod bodies {
    pub(crate) mod handshake {
        include!("fuzz_bodies/handshake.rs");
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
