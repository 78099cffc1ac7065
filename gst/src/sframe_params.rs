//! What the SFrame elements share: the suite enum and the caps that wrap the original media.

use callseal::SframeSuite;
use gst::glib;

/// An SFrame cipher suite (RFC 9605 §4.5); the values are the RFC's suite numbers.
#[derive(Debug, Eq, PartialEq, Hash, Clone, Copy, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GstCallsealSframeSuite")]
pub enum SframeSuiteType {
    #[enum_value(
        name = "AES_128_CTR_HMAC_SHA256_80",
        nick = "aes-128-ctr-hmac-sha256-80"
    )]
    AesCtr128HmacSha256_80 = 1,
    #[enum_value(
        name = "AES_128_CTR_HMAC_SHA256_64",
        nick = "aes-128-ctr-hmac-sha256-64"
    )]
    AesCtr128HmacSha256_64 = 2,
    #[enum_value(
        name = "AES_128_CTR_HMAC_SHA256_32",
        nick = "aes-128-ctr-hmac-sha256-32"
    )]
    AesCtr128HmacSha256_32 = 3,
    #[enum_value(name = "AES_128_GCM_SHA256_128", nick = "aes-128-gcm-sha256-128")]
    Aes128GcmSha256_128 = 4,
    #[enum_value(name = "AES_256_GCM_SHA512_128", nick = "aes-256-gcm-sha512-128")]
    Aes256GcmSha512_128 = 5,
}

impl SframeSuiteType {
    /// callseal's suite.
    pub fn suite(self) -> SframeSuite {
        SframeSuite::from_id(self as u16).expect("the values are RFC 9605 suite numbers")
    }
}

/// Whether caps name sealed frames of a known media type.
pub fn is_wrapped(caps: &gst::CapsRef) -> bool {
    !caps.is_empty()
        && caps
            .iter()
            .all(|s| s.name() == SFRAME_MEDIA_TYPE && s.get::<&str>(ORIGINAL_MEDIA_TYPE).is_ok())
}

/// The media type of sealed frames.
pub const SFRAME_MEDIA_TYPE: &str = "application/x-sframe";
/// The field that keeps the original media type.
pub const ORIGINAL_MEDIA_TYPE: &str = "original-media-type";

/// `video/x-vp8, width=…` → `application/x-sframe, original-media-type=video/x-vp8, width=…`.
pub fn wrap(caps: &gst::Caps) -> gst::Caps {
    if caps.is_any() {
        return gst::Caps::builder(SFRAME_MEDIA_TYPE).build();
    }
    let mut out = gst::Caps::new_empty();
    {
        let out = out.get_mut().expect("new caps");
        for (s, f) in caps.iter_with_features() {
            let mut s = s.to_owned();
            let name = s.name().to_string();
            s.set_name(SFRAME_MEDIA_TYPE);
            s.set(ORIGINAL_MEDIA_TYPE, name);
            out.append_structure_full(s, Some(f.to_owned()));
        }
    }
    out
}

/// The inverse of [`wrap`]. A structure without the original media type (a template) stands
/// for any media; the decoder refuses such caps in a caps event ([`is_wrapped`]).
pub fn unwrap(caps: &gst::Caps) -> gst::Caps {
    if caps.is_any() {
        return gst::Caps::new_any();
    }
    let mut out = gst::Caps::new_empty();
    {
        let out_mut = out.get_mut().expect("new caps");
        for (s, f) in caps.iter_with_features() {
            match s.get::<&str>(ORIGINAL_MEDIA_TYPE) {
                Ok(name) if s.name() == SFRAME_MEDIA_TYPE => {
                    let mut s = s.to_owned();
                    s.set_name(name);
                    s.remove_field(ORIGINAL_MEDIA_TYPE);
                    out_mut.append_structure_full(s, Some(f.to_owned()));
                }
                _ => return gst::Caps::new_any(),
            }
        }
    }
    out
}

/// The caps across an SFrame element: from its unsealed side (`direction` is that side's pad
/// direction) to its sealed side, wrapped, and back, unwrapped.
pub fn transform_caps(
    unsealed_side: gst::PadDirection,
    direction: gst::PadDirection,
    caps: &gst::Caps,
    filter: Option<&gst::Caps>,
) -> gst::Caps {
    let out = if direction == unsealed_side {
        wrap(caps)
    } else {
        unwrap(caps)
    };
    match filter {
        Some(f) => f.intersect_with_mode(&out, gst::CapsIntersectMode::First),
        None => out,
    }
}

/// The pad templates of an SFrame element: any media on its unsealed side, sealed frames on
/// the other.
pub fn templates(unsealed_side: gst::PadDirection) -> Vec<gst::PadTemplate> {
    let sealed = gst::Caps::builder(SFRAME_MEDIA_TYPE).build();
    sink_and_src(unsealed_side, &gst::Caps::new_any(), &sealed)
}

/// An always sink and an always source template: `caps` on `side`, `other` on the other.
fn sink_and_src(
    side: gst::PadDirection,
    caps: &gst::Caps,
    other: &gst::Caps,
) -> Vec<gst::PadTemplate> {
    [
        ("sink", gst::PadDirection::Sink),
        ("src", gst::PadDirection::Src),
    ]
    .into_iter()
    .map(|(name, dir)| {
        let caps = if dir == side { caps } else { other };
        gst::PadTemplate::new(name, dir, gst::PadPresence::Always, caps).expect("valid template")
    })
    .collect()
}

/// The RTP encoding name of the RTP payload format for SFrame in GStreamer caps.
pub const RTP_ENCODING_NAME: &str = "SFRAME";

/// Fields of `application/x-rtp` caps that belong to RTP (and SRTP), not to the sealed media:
/// they are not carried from `application/x-sframe` caps into RTP caps, nor back.
const RTP_FIELDS: &[&str] = &[
    "media",
    "payload",
    "clock-rate",
    "encoding-name",
    "encoding-params",
    "ssrc",
    "clock-base",
    "seqnum-base",
    "seqnum-offset",
    "timestamp-offset",
    "npt-start",
    "npt-stop",
    "play-speed",
    "play-scale",
    "onvif-mode",
    "srtp-key",
    "srtp-cipher",
    "srtp-auth",
    "srtcp-cipher",
    "srtcp-auth",
    "roc",
    "mki",
];

fn is_rtp_field(name: &str) -> bool {
    RTP_FIELDS.contains(&name)
        || name.starts_with("a-")
        || name.starts_with("x-")
        || name.starts_with("rtcp-fb-")
        || name.starts_with("extmap-")
}

/// The RTP `media` and clock rate of sealed frames of `original` media type (a
/// `video/…`, `audio/…` or other type, with the original caps' `rate` for audio): the payload
/// format takes them from the media format, as the draft says. `None` for audio without a rate.
pub fn rtp_media_and_clock_rate(s: &gst::StructureRef) -> Option<(&'static str, u32)> {
    let original = s.get::<&str>(ORIGINAL_MEDIA_TYPE).ok()?;
    if original.starts_with("audio/") {
        let rate = s.get::<i32>("rate").ok()?;
        Some(("audio", u32::try_from(rate).ok().filter(|r| *r > 0)?))
    } else if original.starts_with("video/") {
        Some(("video", 90_000))
    } else {
        Some(("application", 90_000))
    }
}

/// The media fields of `application/x-sframe` caps (`original-media-type` and the original
/// caps' fields) as fields for `application/x-rtp` caps; fields named like RTP's are left out.
pub fn sframe_to_rtp_fields(s: &gst::StructureRef) -> gst::Structure {
    let mut out = gst::Structure::new_empty("application/x-rtp");
    for (name, value) in s.iter() {
        if !is_rtp_field(name) {
            out.set_value(name, value.clone());
        }
    }
    out
}

/// `application/x-rtp, encoding-name=SFRAME, original-media-type=…, …` → the
/// `application/x-sframe` caps of the sealed frames; `None` without `original-media-type`.
pub fn rtp_to_sframe_caps(s: &gst::StructureRef) -> Option<gst::Caps> {
    s.get::<&str>(ORIGINAL_MEDIA_TYPE).ok()?;
    let mut out = gst::Structure::new_empty(SFRAME_MEDIA_TYPE);
    for (name, value) in s.iter() {
        if !is_rtp_field(name) {
            out.set_value(name, value.clone());
        }
    }
    Some(gst::Caps::from(out))
}

/// The pad templates of the RTP payload format elements: RTP packets of the `SFRAME` encoding
/// on `rtp_side`, sealed frames on the other.
pub fn payload_format_templates(rtp_side: gst::PadDirection) -> Vec<gst::PadTemplate> {
    let rtp = gst::Caps::builder("application/x-rtp")
        .field("media", gst::List::new(["video", "audio", "application"]))
        .field("clock-rate", gst::IntRange::new(1, i32::MAX))
        .field("encoding-name", RTP_ENCODING_NAME)
        .build();
    let sealed = gst::Caps::builder(SFRAME_MEDIA_TYPE).build();
    sink_and_src(rtp_side, &rtp, &sealed)
}
