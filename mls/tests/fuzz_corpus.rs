//! Replays the committed corpus of the `group_session` fuzz target (fuzz/corpus/group_session)
//! through its body on the stable toolchain, plus inputs that reach each of its paths.

mod common;

mod body {
    include!("fuzz_bodies/group_session.rs");
}

#[test]
fn corpus_group_session() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/group_session");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        body::group_session(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n > 0, "empty corpus");
}

#[test]
fn each_path_of_the_body() {
    for sel in 0..5u8 {
        // Unchanged, one byte flipped, cut short, raw bytes.
        for edits in [
            &[][..],
            &[0, 0, 40, 0x01],
            &[0x80, 0, 20, 0],
            &[0x16, 0x03, 0x01],
        ] {
            let mut input = vec![sel];
            input.extend_from_slice(edits);
            body::group_session(&input);
        }
    }
}
