#![no_main]
include!("../../tests/fuzz_bodies/sframe.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| sframe(data));
