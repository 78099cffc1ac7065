//! The GStreamer plugin `callseal`: callseal's SRTP and SFrame layers as elements.
//!
//! - `callsealsrtpenc` / `callsealsrtpdec`: SRTP and SRTCP (RFC 3711, RFC 7714), with the pads,
//!   properties, caps and signals of gst-plugins-bad's `srtpenc` / `srtpdec`.
//! - `callsealsframeenc` / `callsealsframedec`: SFrame (RFC 9605) on encoded frames.
//! - `rtpsframepay` / `rtpsframedepay`: the RTP payload format for SFrame
//!   (`draft-ietf-avtcore-rtp-sframe-02`, per-frame mode).

use gst::glib;

mod out_pool;
mod sframe_params;
mod sframedec;
mod sframedepay;
mod sframeenc;
mod sframepay;
mod srtp_params;
mod srtpdec;
mod srtpenc;

pub use sframe_params::SframeSuiteType;
pub use srtp_params::{AuthType, CipherType};

/// Lock `m`; a panic elsewhere while it was held leaves the state as consistent as any
/// single step does, so the lock is taken anyway.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn plugin_init(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    srtpenc::register(plugin)?;
    srtpdec::register(plugin)?;
    sframeenc::register(plugin)?;
    sframedec::register(plugin)?;
    sframepay::register(plugin)?;
    sframedepay::register(plugin)?;
    Ok(())
}

gst::plugin_define!(
    callseal,
    env!("CARGO_PKG_DESCRIPTION"),
    plugin_init,
    concat!(env!("CARGO_PKG_VERSION"), "-", env!("COMMIT_ID")),
    "MIT/X11",
    env!("CARGO_PKG_NAME"),
    env!("CARGO_PKG_NAME"),
    "https://crates.io/crates/callseal",
    env!("BUILD_REL_DATE")
);
