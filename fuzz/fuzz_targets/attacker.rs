#![no_main]
#[path = "../../tests/common/mod.rs"]
mod common;
mod session {
    include!("../../tests/fuzz_bodies/session.rs");
}
mod attacker {
    include!("../../tests/fuzz_bodies/attacker.rs");
}
libfuzzer_sys::fuzz_target!(|data: &[u8]| attacker::attacker(data));
