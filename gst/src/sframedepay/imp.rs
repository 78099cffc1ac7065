use std::sync::{LazyLock, Mutex};

use callseal::rtp_sframe::{PayloadOrigin, Reassembler};
use callseal::{Error, Malformed};
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_rtp::prelude::*;
use gst_rtp::subclass::prelude::*;

use crate::lock;
use crate::sframe_params;

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "rtpsframedepay",
        gst::DebugColorFlags::empty(),
        Some("RTP depayloader for SFrame"),
    )
});

const DEFAULT_MAX_FRAME_SIZE: u32 = 1 << 20;
const DEFAULT_BUDGET: u32 = 4 << 20;
const DEFAULT_MAX_PACKETS: u32 = 1024;

#[derive(Default)]
struct Counters {
    frames: u64,
    packets: u64,
    duplicate: u64,
    malformed: u64,
    oversized: u64,
    packetized: u64,
}

struct State {
    max_frame_size: u32,
    budget: u32,
    max_packets: u32,
    /// Made on the way to PAUSED, from the properties.
    rx: Option<Reassembler>,
    counters: Counters,
}

impl Default for State {
    fn default() -> Self {
        State {
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            budget: DEFAULT_BUDGET,
            max_packets: DEFAULT_MAX_PACKETS,
            rx: None,
            counters: Counters::default(),
        }
    }
}

#[derive(Default)]
pub struct SframeDepay {
    state: Mutex<State>,
}

#[glib::object_subclass]
impl ObjectSubclass for SframeDepay {
    const NAME: &'static str = "GstRtpSframeDepay";
    type Type = super::SframeDepay;
    type ParentType = gst_rtp::RTPBaseDepayload;
}

impl ObjectImpl for SframeDepay {
    fn constructed(&self) {
        self.parent_constructed();
        // The receiver algorithm indexes packets by sequence number itself and tells copies
        // from late packets: the base class must not drop late packets before it sees them.
        self.obj().set_max_reorder(0);
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecUInt::builder("max-frame-size")
                    .nick("Largest frame")
                    .blurb("Bytes of the largest SFrame ciphertext put together; longer runs are dropped")
                    .minimum(1)
                    .maximum(1 << 30)
                    .default_value(DEFAULT_MAX_FRAME_SIZE)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("budget")
                    .nick("Bytes in flight")
                    .blurb("Bytes of packet payloads held while frames are incomplete (at least twice max-frame-size); the oldest are given up first")
                    .minimum(2)
                    .maximum(1 << 31)
                    .default_value(DEFAULT_BUDGET)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("max-packets")
                    .nick("Packets per frame")
                    .blurb("Packets of the longest frame (1 to 16384); the sequence-number index holds twice as many (at least 64)")
                    .minimum(1)
                    .maximum(1 << 14)
                    .default_value(DEFAULT_MAX_PACKETS)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecBoxed::builder::<gst::Structure>("stats")
                    .nick("Statistics")
                    .blurb("frames, packets, drop-count, and drops by reason")
                    .read_only()
                    .build(),
            ]
        });
        PROPS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut state = lock(&self.state);
        match pspec.name() {
            "max-frame-size" => state.max_frame_size = value.get().expect("type checked upstream"),
            "budget" => state.budget = value.get().expect("type checked upstream"),
            "max-packets" => state.max_packets = value.get().expect("type checked upstream"),
            other => unreachable!("no property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let state = lock(&self.state);
        let c = &state.counters;
        match pspec.name() {
            "max-frame-size" => state.max_frame_size.to_value(),
            "budget" => state.budget.to_value(),
            "max-packets" => state.max_packets.to_value(),
            "stats" => {
                let lost = state.rx.as_ref().map_or(0, Reassembler::incomplete);
                gst::Structure::builder("application/x-sframe-depayloader-stats")
                    .field("frames", c.frames)
                    .field("packets", c.packets)
                    .field(
                        "drop-count",
                        lost + c.duplicate + c.malformed + c.oversized + c.packetized,
                    )
                    .field("drop-lost", lost)
                    .field("drop-duplicate", c.duplicate)
                    .field("drop-malformed", c.malformed)
                    .field("drop-oversized", c.oversized)
                    .field("drop-packetized", c.packetized)
                    .build()
                    .to_value()
            }
            other => unreachable!("no property {other}"),
        }
    }
}

impl GstObjectImpl for SframeDepay {}

impl ElementImpl for SframeDepay {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "RTP SFrame depayloader",
                "Codec/Depayloader/Network/RTP",
                "Puts SFrame ciphertexts of whole frames back together from RTP packets \
                 (RTP payload format for SFrame); frames with a packet missing are dropped and counted",
                "callseal developers",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(|| sframe_params::payload_format_templates(gst::PadDirection::Sink));
        TEMPLATES.as_ref()
    }

    fn change_state(
        &self,
        transition: gst::StateChange,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        match transition {
            gst::StateChange::ReadyToPaused => {
                let mut state = lock(&self.state);
                let made = Reassembler::new(
                    state.max_frame_size as usize,
                    state.budget as usize,
                    state.max_packets as usize,
                );
                match made {
                    Ok(rx) => {
                        state.rx = Some(rx);
                        state.counters = Counters::default();
                    }
                    Err(e) => {
                        let (frame, budget) = (state.max_frame_size, state.budget);
                        drop(state);
                        gst::element_imp_error!(
                            self,
                            gst::LibraryError::Settings,
                            ["budget {budget} must be at least twice max-frame-size {frame}: {e}"]
                        );
                        return Err(gst::StateChangeError);
                    }
                }
            }
            gst::StateChange::PausedToReady => lock(&self.state).rx = None,
            _ => {}
        }
        self.parent_change_state(transition)
    }
}

impl RTPBaseDepayloadImpl for SframeDepay {
    fn set_caps(&self, caps: &gst::Caps) -> Result<(), gst::LoggableError> {
        let out = caps
            .structure(0)
            .and_then(sframe_params::rtp_to_sframe_caps)
            .ok_or_else(|| {
                gst::element_imp_error!(
                    self,
                    gst::StreamError::Format,
                    [
                        "RTP caps without {}: {caps}",
                        sframe_params::ORIGINAL_MEDIA_TYPE
                    ]
                );
                gst::loggable_error!(
                    CAT,
                    "caps without {}: {caps}",
                    sframe_params::ORIGINAL_MEDIA_TYPE
                )
            })?;
        gst::debug!(CAT, imp = self, "{caps} -> {out}");
        if self.obj().src_pad().push_event(gst::event::Caps::new(&out)) {
            Ok(())
        } else {
            Err(gst::loggable_error!(CAT, "downstream refused {out}"))
        }
    }

    fn process_rtp_packet(
        &self,
        rtp_buffer: &gst_rtp::RTPBuffer<gst_rtp::rtp_buffer::Readable>,
    ) -> Option<gst::Buffer> {
        let packet = rtp_buffer.buffer().map_readable().ok()?;
        let mut state = lock(&self.state);
        let State { rx, counters, .. } = &mut *state;
        let rx = rx.as_mut()?;
        counters.packets += 1;
        match rx.push(&packet) {
            Ok(Some(frame)) if frame.origin == PayloadOrigin::Packetized => {
                // Per-packet SFrame: each packet is a ciphertext of a media packet, which this
                // element does not depacketize.
                counters.packetized += 1;
                gst::debug!(CAT, imp = self, "dropped a packetized (T = 1) payload");
                None
            }
            Ok(Some(frame)) => {
                counters.frames += 1;
                Some(gst::Buffer::from_slice(frame.payload.to_vec()))
            }
            Ok(None) => None,
            Err(e) => {
                match e {
                    Error::Replay => counters.duplicate += 1,
                    Error::Malformed(Malformed::Oversized) => counters.oversized += 1,
                    _ => counters.malformed += 1,
                }
                gst::debug!(CAT, imp = self, "dropped a packet: {e}");
                None
            }
        }
    }
}
