use std::sync::{LazyLock, Mutex};

use crate::lock;
use callseal::sframe::{FrameOptions, SframeConfig, SframeSender, MAX_OVERHEAD};
use callseal::KeyId;
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use gst_base::subclass::prelude::*;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::sframe_params::{self, SframeSuiteType};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "callsealsframeenc",
        gst::DebugColorFlags::empty(),
        Some("callseal SFrame encoder"),
    )
});

const DEFAULT_SUITE: SframeSuiteType = SframeSuiteType::Aes128GcmSha256_128;

struct State {
    suite: SframeSuiteType,
    key_id: u64,
    key: Option<gst::Buffer>,
    /// Built once per suite, KID and key, and kept across restarts: its counter goes on.
    sender: Option<SframeSender>,
    built_for: Option<(SframeSuiteType, u64, Zeroizing<Vec<u8>>)>,
    /// A property changed since the sender was built.
    dirty: bool,
    frames: u64,
    bytes: u64,
}

impl Default for State {
    fn default() -> Self {
        State {
            suite: DEFAULT_SUITE,
            key_id: 0,
            key: None,
            sender: None,
            built_for: None,
            dirty: false,
            frames: 0,
            bytes: 0,
        }
    }
}

#[derive(Default)]
pub struct SframeEnc {
    state: Mutex<State>,
}

impl SframeEnc {
    fn ensure_sender(&self, state: &mut State) -> Result<(), String> {
        if state.sender.is_some() && !state.dirty {
            return Ok(());
        }
        let key = match &state.key {
            Some(k) => Zeroizing::new(
                k.map_readable()
                    .map_err(|_| "cannot read the key".to_string())?
                    .to_vec(),
            ),
            None => {
                return Err("no key: set the key property (the base key, 16 to 64 bytes)".into())
            }
        };
        let wanted = (state.suite, state.key_id, key);
        let same = state.built_for.as_ref().is_some_and(|(suite, kid, key)| {
            *suite == wanted.0 && *kid == wanted.1 && bool::from(key.as_slice().ct_eq(&wanted.2))
        });
        if state.sender.is_some() && same {
            state.dirty = false;
            return Ok(());
        }
        let config = SframeConfig::new(wanted.0.suite());
        let sender = SframeSender::new(&config, KeyId(wanted.1), &wanted.2).map_err(|e| {
            format!(
                "cannot build the SFrame sender (suite {}, key id {}, {}-byte key): {e}",
                wanted.0.suite(),
                wanted.1,
                wanted.2.len()
            )
        })?;
        state.sender = Some(sender);
        state.built_for = Some(wanted);
        state.dirty = false;
        Ok(())
    }
}

#[glib::object_subclass]
impl ObjectSubclass for SframeEnc {
    const NAME: &'static str = "GstCallsealSframeEnc";
    type Type = super::SframeEnc;
    type ParentType = gst_base::BaseTransform;
}

impl ObjectImpl for SframeEnc {
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
                    .blurb("The KID written in every frame's header")
                    .mutable_ready()
                    .build(),
                glib::ParamSpecBoxed::builder::<gst::Buffer>("key")
                    .nick("Base key")
                    .blurb("The base key of the KID, 16 to 64 bytes")
                    .mutable_playing()
                    .build(),
                glib::ParamSpecBoxed::builder::<gst::Structure>("stats")
                    .nick("Statistics")
                    .blurb("frames, bytes (sealed), rekey-soon")
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
            other => unreachable!("no property {other}"),
        }
        state.dirty = true;
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        let state = lock(&self.state);
        match pspec.name() {
            "suite" => state.suite.to_value(),
            "key-id" => state.key_id.to_value(),
            "key" => state.key.to_value(),
            "stats" => gst::Structure::builder("application/x-sframe-encoder-stats")
                .field("frames", state.frames)
                .field("bytes", state.bytes)
                .field(
                    "rekey-soon",
                    state.sender.as_ref().is_some_and(|s| s.rekey_soon()),
                )
                .build()
                .to_value(),
            other => unreachable!("no property {other}"),
        }
    }
}

impl GstObjectImpl for SframeEnc {}

impl ElementImpl for SframeEnc {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "callseal SFrame encoder",
                "Filter/Encryptor",
                "Seals encoded frames with SFrame (RFC 9605), end to end",
                "callseal developers",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> =
            LazyLock::new(|| sframe_params::templates(gst::PadDirection::Sink));
        TEMPLATES.as_ref()
    }
}

impl BaseTransformImpl for SframeEnc {
    const MODE: gst_base::subclass::BaseTransformMode =
        gst_base::subclass::BaseTransformMode::NeverInPlace;
    const PASSTHROUGH_ON_SAME_CAPS: bool = false;
    const TRANSFORM_IP_ON_PASSTHROUGH: bool = false;

    fn transform_caps(
        &self,
        direction: gst::PadDirection,
        caps: &gst::Caps,
        filter: Option<&gst::Caps>,
    ) -> Option<gst::Caps> {
        let out = sframe_params::transform_caps(gst::PadDirection::Sink, direction, caps, filter);
        gst::debug!(CAT, imp = self, "{direction:?} {caps} -> {out}");
        Some(out)
    }

    fn transform_size(
        &self,
        direction: gst::PadDirection,
        _caps: &gst::Caps,
        size: usize,
        _othercaps: &gst::Caps,
    ) -> Option<usize> {
        if direction == gst::PadDirection::Sink {
            size.checked_add(MAX_OVERHEAD)
        } else {
            Some(size)
        }
    }

    fn transform(
        &self,
        inbuf: &gst::Buffer,
        outbuf: &mut gst::BufferRef,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut state = lock(&self.state);
        if let Err(e) = self.ensure_sender(&mut state) {
            drop(state);
            gst::element_imp_error!(self, gst::StreamError::Encode, ["{}", e]);
            return Err(gst::FlowError::NotNegotiated);
        }
        let input = inbuf.map_readable().map_err(|_| gst::FlowError::Error)?;
        let sealed = {
            let mut out = outbuf.map_writable().map_err(|_| gst::FlowError::Error)?;
            let sender = state.sender.as_mut().expect("built above");
            sender.seal_into(&input, &mut out, FrameOptions::NONE)
        };
        match sealed {
            Ok(n) => {
                outbuf.set_size(n);
                state.frames += 1;
                state.bytes += input.len() as u64;
                Ok(gst::FlowSuccess::Ok)
            }
            Err(e) => {
                drop(state);
                gst::element_imp_error!(
                    self,
                    gst::StreamError::Encode,
                    ["cannot seal a frame: {}", e]
                );
                Err(gst::FlowError::Error)
            }
        }
    }
}
