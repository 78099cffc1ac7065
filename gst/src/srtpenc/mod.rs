//! `callsealsrtpenc`: protects RTP and RTCP with SRTP/SRTCP, a drop-in for `srtpenc`.
//!
//! Request pads `rtp_sink_%u` and `rtcp_sink_%u`, each with its sometimes pad `rtp_src_%u` or
//! `rtcp_src_%u`. The output caps (`application/x-srtp`, `application/x-srtcp`) carry the sink
//! caps' fields and the key (`srtp-key`, `srtp-cipher`, `srtp-auth`, `srtcp-cipher`,
//! `srtcp-auth`, `mki`), as `srtpenc` writes them, so `srtpdec` and `callsealsrtpdec` key from
//! them.

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    pub struct SrtpEnc(ObjectSubclass<imp::SrtpEnc>) @extends gst::Element, gst::Object;
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "callsealsrtpenc",
        gst::Rank::NONE,
        SrtpEnc::static_type(),
    )
}
