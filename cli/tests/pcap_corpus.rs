//! Replays the committed corpus of the pcap reader's fuzz target (fuzz/corpus/pcap/*).

#[allow(dead_code, unreachable_pub)]
#[path = "../src/srtp_cmd.rs"]
mod srtp_cmd;

mod body {
    include!("fuzz_bodies/pcap.rs");
}

#[test]
fn corpus_pcap() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/pcap");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        body::pcap(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n > 0);
}
