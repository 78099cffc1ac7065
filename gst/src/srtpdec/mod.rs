//! `callsealsrtpdec`: checks and decrypts SRTP and SRTCP, a drop-in for `srtpdec`.
//!
//! Always pads `rtp_sink`, `rtp_src`, `rtcp_sink`, `rtcp_src`. Keys come from the sink caps in
//! `srtpdec`'s convention (with an `ssrc` field: for that SSRC; without: for every SSRC), or,
//! for an SSRC without a key, from the `request-key` signal. Tampered, replayed, unkeyed and
//! malformed packets are dropped and counted in `stats`, never passed on.

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    pub struct SrtpDec(ObjectSubclass<imp::SrtpDec>) @extends gst::Element, gst::Object;
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "callsealsrtpdec",
        gst::Rank::NONE,
        SrtpDec::static_type(),
    )
}
