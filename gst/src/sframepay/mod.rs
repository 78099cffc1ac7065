//! `rtpsframepay`: the RTP payload format for SFrame (IETF AVTCORE
//! `draft-ietf-avtcore-rtp-sframe-02`), per-frame mode. Each `application/x-sframe` buffer (one
//! SFrame ciphertext of a whole frame, as `callsealsframeenc` makes it) is cut over consecutive
//! RTP packets of at most `mtu` bytes behind the one-byte descriptor: S on the first, E on the
//! last, T = 0.

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    pub struct SframePay(ObjectSubclass<imp::SframePay>) @extends gst_rtp::RTPBasePayload, gst::Element, gst::Object;
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "rtpsframepay",
        gst::Rank::NONE,
        SframePay::static_type(),
    )
}
