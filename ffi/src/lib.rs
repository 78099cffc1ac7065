//! The C ABI of callseal, for media pipelines (GStreamer elements, FFmpeg-based tools, WebRTC
//! native stacks, mobile apps).
//!
//! Conventions, for every function:
//! - It returns a [`CallsealResult`] (stable values; `callseal_result_message` turns any
//!   integer into a static string), and runs inside a panic boundary: a panic becomes
//!   `CALLSEAL_RESULT_PANIC`, never an unwind into C.
//! - Every argument is checked before any work is done: a null handle, buffer or
//!   out-pointer, an out-of-range value or a length above `PTRDIFF_MAX` is
//!   `CALLSEAL_RESULT_INVALID_ARGUMENT` (an unknown cipher suite is
//!   `CALLSEAL_RESULT_UNSUPPORTED_SUITE`), and then nothing was changed, nothing allocated,
//!   nothing written. Size arithmetic never overflows. An input given as null with length 0
//!   is empty; an output buffer given as null with capacity 0 is too small. The input and
//!   output buffers of one call must not overlap.
//! - Output buffers come with their capacity. When one is too small the result is
//!   `CALLSEAL_RESULT_BUFFER_TOO_SMALL`, the needed size is written to the length
//!   out-parameter, and nothing is written to the buffer. callseal only ever touches the bytes
//!   it needs of a buffer, never all of a capacity it was told of.
//! - Handles come from `*_new` (or a function that makes one) and go to `*_free`. Freeing
//!   null is a no-op; freeing zeroizes the keys the handle holds. Freeing twice, or using a
//!   handle after freeing it, is undefined behaviour.
//! - Time is passed in as microseconds since any monotonic origin of the caller's choosing.
//! - Randomness comes from the operating system.
//!
//! Threads: any function may be called from any thread. A handle is not locked inside: use
//! each handle from one thread at a time (it may move between threads); different handles may
//! be used on different threads at once.

#![allow(clippy::missing_safety_doc)]

mod call;
mod handshake;
mod policy;
mod result;
mod sframe;
mod srtp;
mod util;

pub use call::*;
pub use handshake::*;
pub use policy::*;
pub use result::*;
pub use sframe::*;
pub use srtp::*;

/// The major version of this library.
pub const CALLSEAL_VERSION_MAJOR: u32 = 0;
/// The minor version of this library.
pub const CALLSEAL_VERSION_MINOR: u32 = 1;
/// The patch version of this library.
pub const CALLSEAL_VERSION_PATCH: u32 = 0;

/// The version of the library linked in, `"MAJOR.MINOR.PATCH"` (compare it with the
/// `CALLSEAL_VERSION_*` macros of the header compiled against).
#[no_mangle]
pub extern "C" fn callseal_version() -> *const std::ffi::c_char {
    c"0.1.0".as_ptr()
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod version_tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn the_version_is_the_crates() {
        let v = unsafe { CStr::from_ptr(callseal_version()) }
            .to_str()
            .unwrap();
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
        let parts: Vec<u32> = v.split('.').map(|p| p.parse().unwrap()).collect();
        assert_eq!(
            parts,
            [
                CALLSEAL_VERSION_MAJOR,
                CALLSEAL_VERSION_MINOR,
                CALLSEAL_VERSION_PATCH
            ]
        );
    }
}
