#![no_main]
#[path = "../../mls/tests/common/mod.rs"]
mod common;
include!("../../mls/tests/fuzz_bodies/group_session.rs");
libfuzzer_sys::fuzz_target!(|data: &[u8]| group_session(data));
