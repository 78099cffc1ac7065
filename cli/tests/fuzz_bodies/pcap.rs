// The pcap reader of `callseal srtp`: any capture bytes give a processed capture or an error,
// never a panic. Shared by the fuzz target (fuzz/fuzz_targets/pcap.rs) and the corpus replay
// test (cli/tests/pcap_corpus.rs).

/// A 30-byte AES_CM_128_HMAC_SHA1_80 key, base64.
const KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";

/// The body: the first byte chooses decrypt or encrypt, the rest is the capture.
pub fn pcap(data: &[u8]) {
    let Some((&sel, capture)) = data.split_first() else {
        return;
    };
    let dir = std::env::temp_dir();
    let input = dir.join(format!("callseal-fuzz-{}.pcap", std::process::id()));
    std::fs::write(&input, capture).expect("temp dir writable");
    let _ = super::srtp_cmd::process_paths(
        input.clone(),
        "/dev/null".into(),
        "AES_CM_128_HMAC_SHA1_80",
        KEY,
        sel & 1 == 0,
    );
    let _ = std::fs::remove_file(&input);
}
