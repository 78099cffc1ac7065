#![no_main]
include!("../../tests/fuzz_bodies/policy_store.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| policy_store(data));
