//! `callsealsframedec`: opens SFrame-sealed frames (RFC 9605), between a depayloader and a
//! decoder, and restores the original caps. Frames that fail to authenticate, replays and
//! frames of unknown keys are dropped and counted, never passed on.

use gst::glib;
use gst::prelude::*;

mod imp;

glib::wrapper! {
    pub struct SframeDec(ObjectSubclass<imp::SframeDec>) @extends gst_base::BaseTransform, gst::Element, gst::Object;
}

pub fn register(plugin: &gst::Plugin) -> Result<(), glib::BoolError> {
    gst::Element::register(
        Some(plugin),
        "callsealsframedec",
        gst::Rank::NONE,
        SframeDec::static_type(),
    )
}
