//! `rtpsframedepay`: the receiver of the RTP payload format for SFrame (IETF AVTCORE
//! `draft-ietf-avtcore-rtp-sframe-02`) through callseal's `Reassembler`: packets indexed by
//! sequence number, the smallest S…E run of consecutive packets that agree on T, payload type
//! and timestamp handed out whole, as one `application/x-sframe` buffer with the original caps.
//! A frame with a packet missing is never passed on: it is dropped and counted.

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    pub struct SframeDepay(ObjectSubclass<imp::SframeDepay>) @extends gst_rtp::RTPBaseDepayload, gst::Element, gst::Object;
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "rtpsframedepay",
        gst::Rank::NONE,
        SframeDepay::static_type(),
    )
}
