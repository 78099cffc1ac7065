#![no_main]
include!("../../tests/fuzz_bodies/depacketize.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| depacketize(data));
