#![no_main]
#[path = "../../tests/common/mod.rs"]
mod common;
include!("../../tests/fuzz_bodies/session.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| session(data));
