#![no_main]
#[path = "../../tests/common/mod.rs"]
mod common;
// The attacker uses the session body's call pair, not its fuzz entry point.
#[allow(dead_code)]
mod session {
    include!("../../tests/fuzz_bodies/session.rs");
}
mod attacker {
    include!("../../tests/fuzz_bodies/attacker.rs");
}
libfuzzer_sys::fuzz_target!(|data: &[u8]| attacker::attacker(data));
