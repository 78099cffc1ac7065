//! `callsealsframeenc`: seals each encoded frame with SFrame (RFC 9605), between an encoder
//! and a payloader. Output caps `application/x-sframe, original-media-type=(string)…` keep the
//! input caps' fields, which `callsealsframedec` restores.

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    pub struct SframeEnc(ObjectSubclass<imp::SframeEnc>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "callsealsframeenc",
        gst::Rank::NONE,
        SframeEnc::static_type(),
    )
}
