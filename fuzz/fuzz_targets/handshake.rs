#![no_main]
include!("../../tests/fuzz_bodies/handshake.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| handshake(data));
