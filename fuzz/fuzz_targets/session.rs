#![no_main]
include!("../../tests/fuzz_bodies/session.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| session(data));
