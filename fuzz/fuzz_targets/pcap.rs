#![no_main]
#[allow(dead_code, unreachable_pub)]
#[path = "../../cli/src/srtp_cmd.rs"]
mod srtp_cmd;
mod body {
    include!("../../cli/tests/fuzz_bodies/pcap.rs");
}
libfuzzer_sys::fuzz_target!(|data: &[u8]| body::pcap(data));
