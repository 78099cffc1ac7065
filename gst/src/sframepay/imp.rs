use std::sync::{LazyLock, Mutex};

use callseal::rtp_sframe::{plan, Descriptor, PayloadOrigin, DESCRIPTOR_LEN, RTP_HEADER_LEN};
use gst::glib;
use gst::subclass::prelude::*;
use gst_rtp::prelude::*;
use gst_rtp::subclass::prelude::*;

use crate::lock;
use crate::sframe_params::{self, RTP_ENCODING_NAME, SFRAME_MEDIA_TYPE};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "rtpsframepay",
        gst::DebugColorFlags::empty(),
        Some("RTP payloader for SFrame"),
    )
});

#[derive(Default)]
struct State {
    /// Video: the frame's last packet carries the marker bit, as video payload formats set it.
    video: bool,
}

#[derive(Default)]
pub struct SframePay {
    state: Mutex<State>,
}

#[glib::object_subclass]
impl ObjectSubclass for SframePay {
    const NAME: &'static str = "GstRtpSframePay";
    type Type = super::SframePay;
    type ParentType = gst_rtp::RTPBasePayload;
}

impl ObjectImpl for SframePay {}

impl GstObjectImpl for SframePay {}

impl ElementImpl for SframePay {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "RTP SFrame payloader",
                "Codec/Payloader/Network/RTP",
                "Cuts SFrame ciphertexts of whole frames over RTP packets \
                 (RTP payload format for SFrame, per-frame mode)",
                "callseal developers",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(|| sframe_params::payload_format_templates(gst::PadDirection::Src));
        TEMPLATES.as_ref()
    }
}

impl RTPBasePayloadImpl for SframePay {
    fn set_caps(&self, caps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let s = caps
            .structure(0)
            .filter(|_| sframe_params::is_wrapped(caps))
            .ok_or_else(|| {
                gst::loggable_error!(
                    CAT,
                    "caps are not {SFRAME_MEDIA_TYPE} with {}: {caps}",
                    sframe_params::ORIGINAL_MEDIA_TYPE
                )
            })?;
        let (media, clock_rate) = sframe_params::rtp_media_and_clock_rate(s).ok_or_else(|| {
            gst::loggable_error!(CAT, "audio caps without a positive rate: {caps}")
        })?;
        lock(&self.state).video = media == "video";
        let obj = self.obj();
        obj.set_options(media, true, RTP_ENCODING_NAME, clock_rate);
        let fields = sframe_params::sframe_to_rtp_fields(s);
        obj.set_outcaps(Some(&fields))
            .map_err(|e| gst::loggable_error!(CAT, "{e}"))?;
        gst::debug!(
            CAT,
            imp = self,
            "{caps} -> {media}, clock rate {clock_rate}"
        );
        Ok(())
    }

    fn handle_buffer(&self, buffer: gst::Buffer) -> Result<gst::FlowSuccess, gst::FlowError> {
        let video = lock(&self.state).video;
        let obj = self.obj();
        let mtu = obj.mtu() as usize;
        let max_payload = mtu.saturating_sub(RTP_HEADER_LEN);
        let frame = buffer.map_readable().map_err(|_| {
            gst::element_imp_error!(self, gst::ResourceError::Read, ["Cannot read the frame"]);
            gst::FlowError::Error
        })?;
        let Ok((count, chunk)) = plan(frame.len(), max_payload) else {
            gst::element_imp_error!(
                self,
                gst::LibraryError::Settings,
                ["mtu {mtu} leaves no room for a byte of payload behind the RTP header and the SFrame descriptor"]
            );
            return Err(gst::FlowError::NotNegotiated);
        };
        let mut list = gst::BufferList::new_sized(count);
        {
            let list = list.get_mut().expect("new list");
            for i in 0..count {
                let from = (i * chunk).min(frame.len());
                let fragment = &frame[from..(from + chunk).min(frame.len())];
                let d = Descriptor::nth(i, count, PayloadOrigin::Raw);
                let mut out =
                    gst::Buffer::new_rtp_with_sizes((DESCRIPTOR_LEN + fragment.len()) as u32, 0, 0)
                        .map_err(|_| gst::FlowError::Error)?;
                {
                    let out = out.get_mut().expect("new buffer");
                    let mut rtp = gst_rtp::RTPBuffer::from_buffer_writable(out)
                        .map_err(|_| gst::FlowError::Error)?;
                    rtp.set_marker(video && d.end);
                    let payload = rtp.payload_mut().map_err(|_| gst::FlowError::Error)?;
                    payload[0] = d.to_byte();
                    payload[DESCRIPTOR_LEN..].copy_from_slice(fragment);
                }
                {
                    let out = out.get_mut().expect("new buffer");
                    out.set_pts(buffer.pts());
                    out.set_dts(buffer.dts());
                    if i == 0 && buffer.flags().contains(gst::BufferFlags::DISCONT) {
                        out.set_flags(gst::BufferFlags::DISCONT);
                    }
                }
                list.add(out);
            }
        }
        drop(frame);
        obj.push_list(list)
    }
}
