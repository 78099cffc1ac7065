use std::sync::{LazyLock, Mutex};

use crate::lock;
use callseal::sframe::{FrameOptions, Header, SframeConfig, SframeReceiver};
use callseal::{Epoch, Error, KeyId, DEFAULT_REPLAY_WINDOW};
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;

use crate::sframe_params::{self, SframeSuiteType};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "callsealsframedec",
        gst::DebugColorFlags::empty(),
        Some("callseal SFrame decoder"),
    )
});

const DEFAULT_SUITE: SframeSuiteType = SframeSuiteType::Aes128GcmSha256_128;

#[derive(Default)]
struct Counters {
    frames: u64,
    authentication: u64,
    replay: u64,
    no_key: u64,
    malformed: u64,
    other: u64,
}

struct State {
    suite: SframeSuiteType,
    key_id: u64,
    key: Option<gst::Buffer>,
    replay_window: u32,
    /// Built at start (or at the first frame after a property changed), with the key of the
    /// properties installed; `request-key` adds keys.
    rx: Option<SframeReceiver>,
    dirty: bool,
    counters: Counters,
}

impl Default for State {
    fn default() -> Self {
        State {
            suite: DEFAULT_SUITE,
            key_id: 0,
            key: None,
            replay_window: DEFAULT_REPLAY_WINDOW,
            rx: None,
            dirty: true,
            counters: Counters::default(),
        }
    }
}

#[derive(Default)]
pub struct SframeDec {
    state: Mutex<State>,
}

fn install(rx: &mut SframeReceiver, kid: u64, key: &gst::Buffer) -> Result<(), String> {
    let map = key
        .map_readable()
        .map_err(|_| "cannot read the key".to_string())?;
    rx.install_key(KeyId(kid), Epoch(0), &map).map_err(|e| {
        format!(
            "cannot install the key of KID {kid} ({} bytes): {e}",
            map.len()
        )
    })
}

impl SframeDec {
    fn ensure_receiver(&self, state: &mut State) -> Result<(), String> {
        if state.rx.is_some() && !state.dirty {
            return Ok(());
        }
        let config = SframeConfig::new(state.suite.suite()).with_replay_window(state.replay_window);
        let mut rx = SframeReceiver::new(config)
            .map_err(|e| format!("cannot build the SFrame receiver: {e}"))?;
        if let Some(key) = &state.key {
            install(&mut rx, state.key_id, key)?;
        }
        state.rx = Some(rx);
        state.dirty = false;
        Ok(())
    }

    fn count(&self, state: &mut State, e: Error) {
        let c = &mut state.counters;
        let n = match e {
            Error::Authentication => &mut c.authentication,
            Error::Replay | Error::TooOld => &mut c.replay,
            Error::UnknownKey => &mut c.no_key,
            Error::Malformed(_) => &mut c.malformed,
            _ => &mut c.other,
        };
        *n += 1;
    }

    /// Ask the application for the key of `kid` (the lock is not held).
    fn request_key(&self, kid: u64) {
        let key = self
            .obj()
            .emit_by_name::<Option<gst::Buffer>>("request-key", &[&kid]);
        let Some(key) = key else { return };
        let mut state = lock(&self.state);
        let installed = match state.rx.as_mut() {
            Some(rx) if !rx.has_key(KeyId(kid)) => install(rx, kid, &key),
            _ => Ok(()),
        };
        drop(state);
        if let Err(e) = installed {
            gst::element_imp_warning!(self, gst::StreamError::DecryptNokey, ["request-key: {}", e]);
        }
    }
}

#[glib::object_subclass]
impl ObjectSubclass for SframeDec {
    const NAME: &'static str = "GstCallsealSframeDec";
    type Type = super::SframeDec;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for SframeDec {
    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecEnum::builder_with_default("suite", DEFAULT_SUITE)
                    .nick("Cipher suite")
                    .blurb("SFrame cipher suite (RFC 9605 §4.5)")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt64::builder("key-id")
                    .nick("Key id")
                    .blurb("The KID of the key property")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecBoxed::builder::<gst::Buffer>("key")
                    .nick("Base key")
                    .blurb("The base key of key-id, 16 to 64 bytes (other KIDs: request-key)")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecUInt::builder("replay-window-size")
                    .nick("Replay window size")
                    .blurb("Replay window per KID, in frames")
                    .minimum(callseal::MIN_REPLAY_WINDOW)
                    .maximum(callseal::MAX_REPLAY_WINDOW)
                    .default_value(DEFAULT_REPLAY_WINDOW)
                    .mutable_ready()
                    .build(),
                glib::ParamSpecBoxed::builder::<gst::Structure>("stats")
                    .nick("Statistics")
                    .blurb("frames (opened), drop-count, and drops by reason")
                    .read_only()
                    .build(),
            ]
        });
        PROPS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut state = lock(&self.state);
        match pspec.name() {
            "suite" => state.suite = value.get().expect("type checked upstream"),
            "key-id" => state.key_id = value.get().expect("type checked upstream"),
            "key" => state.key = value.get().expect("type checked upstream"),
            "replay-window-size" => {
                state.replay_window = value.get().expect("type checked upstream")
            }
            other => unreachable!("no property {other}"),
        }
        state.dirty = true;
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let state = lock(&self.state);
        let c = &state.counters;
        match pspec.name() {
            "suite" => state.suite.to_value(),
            "key-id" => state.key_id.to_value(),
            "key" => state.key.to_value(),
            "replay-window-size" => state.replay_window.to_value(),
            "stats" => gst::Structure::builder("application/x-sframe-decoder-stats")
                .field("frames", c.frames)
                .field(
                    "drop-count",
                    c.authentication + c.replay + c.no_key + c.malformed + c.other,
                )
                .field("drop-authentication", c.authentication)
                .field("drop-replay", c.replay)
                .field("drop-no-key", c.no_key)
                .field("drop-malformed", c.malformed)
                .field("drop-other", c.other)
                .build()
                .to_value(),
            other => unreachable!("no property {other}"),
        }
    }

    fn signals() -> &'static [glib::subclass::Signal] {
        static SIGNALS: LazyLock<Vec<glib::subclass::Signal>> = LazyLock::new(|| {
            vec![glib::subclass::Signal::builder("request-key")
                .param_types([u64::static_type()])
                .return_type::<gst::Buffer>()
                .run_last()
                .build()]
        });
        SIGNALS.as_ref()
    }
}

impl GstObjectImpl for SframeDec {}

impl ElementImpl for SframeDec {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "callseal SFrame decoder",
                "Filter/Decryptor",
                "Opens SFrame-sealed frames (RFC 9605); drops and counts what fails to authenticate",
                "callseal developers",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(|| sframe_params::templates(gst::PadDirection::Src));
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for SframeDec {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::AlwaysInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn transform_caps(
        &self,
        direction: gst::PadDirection,
        caps: &gst::Caps,
        filter: Option<&gst::Caps>,
    ) -> Option<gst::Caps> {
        let out = sframe_params::transform_caps(gst::PadDirection::Src, direction, caps, filter);
        gst::debug!(CAT, imp = self, "{direction:?} {caps} -> {out}");
        Some(out)
    }

    fn sink_event(&self, event: gst::Event) -> bool {
        if let gst::EventView::Caps(c) = event.view() {
            if !sframe_params::is_wrapped(c.caps()) {
                gst::element_imp_error!(
                    self,
                    gst::StreamError::Format,
                    [
                        "caps are not {} with {}: {}",
                        sframe_params::SFRAME_MEDIA_TYPE,
                        sframe_params::ORIGINAL_MEDIA_TYPE,
                        c.caps()
                    ]
                );
                return false;
            }
        }
        self.parent_sink_event(event)
    }

    fn transform_ip(&self, buf: &mut gst::BufferRef) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut map = buf.map_writable().map_err(|_| gst::FlowError::Error)?;
        let kid = Header::decode(&map).map(|(h, _)| h.kid().0);
        let unknown = {
            let mut state = lock(&self.state);
            if let Err(e) = self.ensure_receiver(&mut state) {
                drop(state);
                gst::element_imp_error!(self, gst::StreamError::Decrypt, ["{}", e]);
                return Err(gst::FlowError::NotNegotiated);
            }
            match kid {
                Ok(kid) => !state.rx.as_ref().expect("built above").has_key(KeyId(kid)),
                Err(_) => false,
            }
        };
        if let (true, Ok(kid)) = (unknown, kid) {
            self.request_key(kid);
        }
        let mut state = lock(&self.state);
        let state = &mut *state;
        let rx = state.rx.as_mut().ok_or(gst::FlowError::NotNegotiated)?;
        let opened = rx
            .open(&mut map, FrameOptions::NONE)
            .map(|plain| (plain.as_ptr(), plain.len()));
        match opened {
            Ok((ptr, len)) => {
                let offset = ptr as usize - map.as_ptr() as usize;
                map.copy_within(offset..offset + len, 0);
                drop(map);
                buf.set_size(len);
                state.counters.frames += 1;
                Ok(gst::FlowSuccess::Ok)
            }
            Err(e) => {
                self.count(state, e);
                gst::debug!(CAT, imp = self, "dropping a frame: {e}");
                Ok(gst_base::BASE_TRANSFORM_FLOW_DROPPED)
            }
        }
    }
}
