#![no_main]
include!("../../tests/fuzz_bodies/srtp.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| srtp(data));
