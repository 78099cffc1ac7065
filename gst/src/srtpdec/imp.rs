use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, Mutex};

use crate::lock;
use callseal::srtp::SrtpReceiver;
use callseal::{Error, Ssrc};
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use subtle::ConstantTimeEq;

use crate::srtp_params::{self, CapsKey};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "callsealsrtpdec",
        gst::DebugColorFlags::empty(),
        Some("callseal SRTP decoder"),
    )
});

const DEFAULT_REPLAY_WINDOW: u32 = 128;
/// SSRCs a key for every SSRC (caps without `ssrc`) tracks at once.
const MAX_STREAMS_PER_KEY: usize = 1024;

/// Why a packet was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drop {
    /// The tag did not verify (tampered, or the wrong key).
    Authentication,
    /// Already received, or older than the replay window.
    Replay,
    /// No key for the SSRC (none in caps, none from `request-key`), or an unknown MKI.
    NoKey,
    /// Not an RTP or RTCP packet, or too short for its suite.
    Malformed,
    /// Anything else (too many SSRCs under one key).
    Other,
}

impl Drop {
    fn of(e: Error) -> Drop {
        match e {
            Error::Authentication => Drop::Authentication,
            Error::Replay | Error::TooOld => Drop::Replay,
            Error::UnknownKey => Drop::NoKey,
            Error::Malformed(_) | Error::BufferTooSmall { .. } => Drop::Malformed,
            _ => Drop::Other,
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Counters {
    recv: u32,
    dropped: u32,
    authentication: u32,
    replay: u32,
    no_key: u32,
    malformed: u32,
    other: u32,
}

impl Counters {
    fn count(&mut self, outcome: Result<(), Drop>) {
        match outcome {
            Ok(()) => self.recv = self.recv.saturating_add(1),
            Err(why) => {
                self.dropped = self.dropped.saturating_add(1);
                let c = match why {
                    Drop::Authentication => &mut self.authentication,
                    Drop::Replay => &mut self.replay,
                    Drop::NoKey => &mut self.no_key,
                    Drop::Malformed => &mut self.malformed,
                    Drop::Other => &mut self.other,
                };
                *c = c.saturating_add(1);
            }
        }
    }

    fn fields(&self, b: gst::structure::Builder) -> gst::structure::Builder {
        b.field("recv-count", self.recv)
            .field("recv-drop-count", self.dropped)
            .field("drop-authentication", self.authentication)
            .field("drop-replay", self.replay)
            .field("drop-no-key", self.no_key)
            .field("drop-malformed", self.malformed)
            .field("drop-other", self.other)
    }
}

/// A receiver and the fingerprint of the caps fields it was built from.
struct Keyed {
    rx: SrtpReceiver,
    fingerprint: [u8; 32],
}

struct State {
    replay_window: u32,
    /// The key for every SSRC without one of its own (caps without `ssrc`).
    default: Option<Keyed>,
    /// Keys for one SSRC each (caps with `ssrc`, or `request-key`).
    per_ssrc: HashMap<u32, Keyed>,
    /// Counters of the SSRCs that have a key of their own or have authenticated a packet: a
    /// bounded set, whatever unauthenticated packets claim.
    streams: BTreeMap<u32, Counters>,
    totals: Counters,
}

impl Default for State {
    fn default() -> Self {
        State {
            replay_window: DEFAULT_REPLAY_WINDOW,
            default: None,
            per_ssrc: HashMap::new(),
            streams: BTreeMap::new(),
            totals: Counters::default(),
        }
    }
}

pub struct SrtpDec {
    state: Mutex<State>,
    rtp_src: gst::Pad,
    rtcp_src: gst::Pad,
}

/// The SSRC a packet claims (the RTP header's, or the first RTCP packet's sender).
fn packet_ssrc(data: &[u8], rtcp: bool) -> Option<u32> {
    let at = if rtcp { 4 } else { 8 };
    if data.first().is_none_or(|b| b >> 6 != 2) {
        return None;
    }
    let b = data.get(at..at + 4)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl SrtpDec {
    /// Install `key` (from caps or `request-key`); the same key again keeps its receiver and
    /// its replay state.
    fn install(&self, state: &mut State, key: &CapsKey, ssrc: Option<u32>) -> Result<(), String> {
        let current = match ssrc {
            Some(s) => state.per_ssrc.get(&s),
            None => state.default.as_ref(),
        };
        if current.is_some_and(|k| bool::from(k.fingerprint.ct_eq(&key.fingerprint))) {
            return Ok(());
        }
        let max_streams = if ssrc.is_some() {
            1
        } else {
            MAX_STREAMS_PER_KEY
        };
        let keyed = Keyed {
            rx: key.receiver(state.replay_window, max_streams)?,
            fingerprint: key.fingerprint,
        };
        match ssrc {
            Some(s) => {
                state.per_ssrc.insert(s, keyed);
                state.streams.entry(s).or_default();
            }
            None => state.default = Some(keyed),
        }
        gst::info!(
            CAT,
            imp = self,
            "installed a {} key for {}",
            key.suite,
            ssrc.map_or("every SSRC".to_string(), |s| format!("SSRC {s:#010x}"))
        );
        Ok(())
    }

    fn sink_event(&self, pad: &gst::Pad, event: gst::Event, rtcp: bool) -> bool {
        let src = if rtcp { &self.rtcp_src } else { &self.rtp_src };
        let gst::EventView::Caps(c) = event.view() else {
            // Each sink pad's events go to its own source pad only.
            let _ = pad;
            return src.push_event(event);
        };
        let caps = c.caps_owned();
        let Some(s) = caps.structure(0) else {
            gst::element_imp_error!(self, gst::StreamError::Format, ["empty caps"]);
            return false;
        };
        if srtp_params::has_key_fields(s) {
            let installed = srtp_params::caps_key(s).and_then(|key| {
                let mut state = lock(&self.state);
                self.install(&mut state, &key, key.ssrc)
            });
            if let Err(e) = installed {
                gst::element_imp_error!(
                    self,
                    gst::StreamError::DecryptNokey,
                    ["bad SRTP caps: {}", e]
                );
                return false;
            }
        }
        let mut out = caps.copy();
        for s in out.make_mut().iter_mut() {
            s.set_name(if rtcp {
                "application/x-rtcp"
            } else {
                "application/x-rtp"
            });
            s.remove_fields(srtp_params::KEY_FIELDS);
        }
        src.push_event(gst::event::Caps::new(&out))
    }

    /// Ask the application for the key of `ssrc` (the lock is not held).
    fn request_key(&self, ssrc: u32) -> bool {
        let caps = self
            .obj()
            .emit_by_name::<Option<gst::Caps>>("request-key", &[&ssrc]);
        let Some(caps) = caps else {
            return false;
        };
        let result = caps
            .structure(0)
            .ok_or_else(|| "empty caps".to_string())
            .and_then(srtp_params::caps_key)
            .and_then(|key| {
                let mut state = lock(&self.state);
                self.install(&mut state, &key, Some(ssrc))
            });
        match result {
            Ok(()) => true,
            Err(e) => {
                gst::element_imp_warning!(
                    self,
                    gst::StreamError::DecryptNokey,
                    [
                        "request-key answered bad caps for SSRC {:#010x}: {}",
                        ssrc,
                        e
                    ]
                );
                false
            }
        }
    }

    fn chain(
        &self,
        mut buffer: gst::Buffer,
        rtcp: bool,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let ssrc = {
            let map = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
            packet_ssrc(&map, rtcp)
        };
        let Some(ssrc) = ssrc else {
            lock(&self.state).totals.count(Err(Drop::Malformed));
            gst::debug!(CAT, imp = self, "dropping a packet that is not RTP/RTCP");
            return Ok(gst::FlowSuccess::Ok);
        };
        let keyed = {
            let state = lock(&self.state);
            state.per_ssrc.contains_key(&ssrc) || state.default.is_some()
        };
        if !keyed && !self.request_key(ssrc) {
            lock(&self.state).totals.count(Err(Drop::NoKey));
            gst::debug!(
                CAT,
                imp = self,
                "dropping a packet of SSRC {ssrc:#010x}: no key"
            );
            return Ok(gst::FlowSuccess::Ok);
        }
        let outcome = {
            let mut state = lock(&self.state);
            let state = &mut *state;
            let rx = match state.per_ssrc.get_mut(&ssrc) {
                Some(k) => &mut k.rx,
                None => match state.default.as_mut() {
                    Some(k) => &mut k.rx,
                    // Keys cleared since the check above.
                    None => return Ok(self.count_drop(state, ssrc, Drop::NoKey)),
                },
            };
            let b = buffer.make_mut();
            let result = {
                let mut map = b.map_writable().map_err(|_| gst::FlowError::Error)?;
                let r = if rtcp {
                    rx.unprotect_rtcp(&mut map)
                } else {
                    rx.unprotect_rtp(&mut map)
                };
                r.map(|plain| plain.len())
            };
            match result {
                Ok(n) => {
                    b.set_size(n);
                    state.streams.entry(ssrc).or_default().count(Ok(()));
                    state.totals.count(Ok(()));
                    Ok(())
                }
                Err(e) => {
                    self.count_drop(state, ssrc, Drop::of(e));
                    Err(e)
                }
            }
        };
        match outcome {
            Ok(()) => {
                let src = if rtcp { &self.rtcp_src } else { &self.rtp_src };
                src.push(buffer)
            }
            Err(e) => {
                gst::debug!(
                    CAT,
                    imp = self,
                    "dropping a packet of SSRC {ssrc:#010x}: {e}"
                );
                Ok(gst::FlowSuccess::Ok)
            }
        }
    }

    fn count_drop(&self, state: &mut State, ssrc: u32, why: Drop) -> gst::FlowSuccess {
        if let Some(c) = state.streams.get_mut(&ssrc) {
            c.count(Err(why));
        }
        state.totals.count(Err(why));
        gst::FlowSuccess::Ok
    }

    fn stats(&self) -> gst::Structure {
        let state = lock(&self.state);
        let streams = state.streams.iter().map(|(ssrc, c)| {
            let rx = state
                .per_ssrc
                .get(ssrc)
                .or(state.default.as_ref())
                .map(|k| &k.rx);
            let roc = rx.and_then(|rx| rx.roc(Ssrc(*ssrc))).map_or(0, |r| r.0);
            c.fields(
                gst::Structure::builder("application/x-srtp-stream")
                    .field("ssrc", *ssrc)
                    .field("roc", roc),
            )
            .build()
            .to_send_value()
        });
        let b = gst::Structure::builder("application/x-srtp-decoder-stats")
            .field("streams", gst::Array::from_values(streams));
        state.totals.fields(b).build()
    }

    fn clear_keys(&self) {
        let mut state = lock(&self.state);
        state.default = None;
        state.per_ssrc.clear();
        state.streams.clear();
    }

    fn remove_key(&self, ssrc: u32) {
        let mut state = lock(&self.state);
        state.per_ssrc.remove(&ssrc);
        state.streams.remove(&ssrc);
    }
}

#[glib::object_subclass]
impl ObjectSubclass for SrtpDec {
    const NAME: &'static str = "GstCallsealSrtpDec";
    type Type = super::SrtpDec;
    type ParentType = gst::Element;

    fn with_class(klass: &Self::Class) -> Self {
        let src = |name: &'static str| {
            let sink = if name == "rtp_src" {
                "rtp_sink"
            } else {
                "rtcp_sink"
            };
            gst::Pad::builder_from_template(&klass.pad_template(name).expect("template"))
                .iterate_internal_links_function(move |_pad, parent| {
                    let other = parent.and_then(|p| {
                        p.downcast_ref::<gst::Element>()
                            .and_then(|e| e.static_pad(sink))
                    });
                    gst::Iterator::from_vec(other.into_iter().collect())
                })
                .build()
        };
        SrtpDec {
            state: Mutex::new(State::default()),
            rtp_src: src("rtp_src"),
            rtcp_src: src("rtcp_src"),
        }
    }
}

impl ObjectImpl for SrtpDec {
    fn constructed(&self) {
        self.parent_constructed();
        let obj = self.obj();
        for rtcp in [false, true] {
            let name = if rtcp { "rtcp_sink" } else { "rtp_sink" };
            let sink = gst::Pad::builder_from_template(&obj.pad_template(name).expect("template"))
                .chain_function(move |_pad, parent, buffer| {
                    SrtpDec::catch_panic_pad_function(
                        parent,
                        || Err(gst::FlowError::Error),
                        |imp| imp.chain(buffer, rtcp),
                    )
                })
                .event_function(move |pad, parent, event| {
                    SrtpDec::catch_panic_pad_function(
                        parent,
                        || false,
                        |imp| imp.sink_event(pad, event, rtcp),
                    )
                })
                .iterate_internal_links_function(move |_pad, parent| {
                    let other = parent.and_then(|p| {
                        p.downcast_ref::<gst::Element>()
                            .and_then(|e| e.static_pad(if rtcp { "rtcp_src" } else { "rtp_src" }))
                    });
                    gst::Iterator::from_vec(other.into_iter().collect())
                })
                .build();
            obj.add_pad(&sink).expect("a new pad");
            let src = if rtcp { &self.rtcp_src } else { &self.rtp_src };
            obj.add_pad(src).expect("a new pad");
        }
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecUInt::builder("replay-window-size")
                    .nick("Replay window size")
                    .blurb("Size of the replay protection window (for keys installed after)")
                    .minimum(64)
                    .maximum(32768)
                    .default_value(DEFAULT_REPLAY_WINDOW)
                    .build(),
                glib::ParamSpecBoxed::builder::<gst::Structure>("stats")
                    .nick("Statistics")
                    .blurb("recv-count, recv-drop-count, drops by reason, and per-SSRC counters")
                    .read_only()
                    .build(),
            ]
        });
        PROPS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        match pspec.name() {
            "replay-window-size" => {
                lock(&self.state).replay_window = value.get().expect("type checked upstream")
            }
            other => unreachable!("no property {other}"),
        }
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        match pspec.name() {
            "replay-window-size" => lock(&self.state).replay_window.to_value(),
            "stats" => self.stats().to_value(),
            other => unreachable!("no property {other}"),
        }
    }

    fn signals() -> &'static [glib::subclass::Signal] {
        static SIGNALS: LazyLock<Vec<glib::subclass::Signal>> = LazyLock::new(|| {
            vec![
                glib::subclass::Signal::builder("request-key")
                    .param_types([u32::static_type()])
                    .return_type::<gst::Caps>()
                    .run_last()
                    .build(),
                glib::subclass::Signal::builder("clear-keys")
                    .action()
                    .class_handler(|_, args| {
                        let obj = args[0].get::<super::SrtpDec>().expect("the element");
                        obj.imp().clear_keys();
                        None
                    })
                    .build(),
                glib::subclass::Signal::builder("remove-key")
                    .param_types([u32::static_type()])
                    .action()
                    .class_handler(|_, args| {
                        let obj = args[0].get::<super::SrtpDec>().expect("the element");
                        let ssrc = args[1].get::<u32>().expect("an SSRC");
                        obj.imp().remove_key(ssrc);
                        None
                    })
                    .build(),
            ]
        });
        SIGNALS.as_ref()
    }
}

impl GstObjectImpl for SrtpDec {}

impl ElementImpl for SrtpDec {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "callseal SRTP decoder",
                "Filter/Network/SRTP",
                "Checks and decrypts SRTP/SRTCP (RFC 3711, RFC 7714); a drop-in for srtpdec",
                "callseal developers",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let t = |name: &str, dir, caps: &str| {
                gst::PadTemplate::new(
                    name,
                    dir,
                    gst::PadPresence::Always,
                    &gst::Caps::builder(caps).build(),
                )
                .expect("valid template")
            };
            vec![
                t("rtp_sink", gst::PadDirection::Sink, "application/x-srtp"),
                t("rtp_src", gst::PadDirection::Src, "application/x-rtp"),
                t("rtcp_sink", gst::PadDirection::Sink, "application/x-srtcp"),
                t("rtcp_src", gst::PadDirection::Src, "application/x-rtcp"),
            ]
        });
        TEMPLATES.as_ref()
    }
}
