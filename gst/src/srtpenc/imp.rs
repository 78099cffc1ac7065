use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use crate::lock;
use callseal::srtp::SrtpSender;
use callseal::{Error, Ssrc};
use gst::glib;
use gst::prelude::*;
use gst::subclass::prelude::*;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::out_pool::OutPool;
use crate::srtp_params::{self, AuthType, CipherType, Params};

static CAT: LazyLock<gst::DebugCategory> = LazyLock::new(|| {
    gst::DebugCategory::new(
        "callsealsrtpenc",
        gst::DebugColorFlags::empty(),
        Some("callseal SRTP encoder"),
    )
});

/// `srtpenc`'s replay window default.
const DEFAULT_REPLAY_WINDOW: u32 = 128;

#[derive(Default)]
struct Settings {
    key: Option<gst::Buffer>,
    params: Params,
    mki: Option<gst::Buffer>,
    random_key: bool,
    replay_window: u32,
    soft_limit: Option<u64>,
}

#[derive(Default, Clone, Copy)]
struct StreamCounters {
    rtp_packets: u64,
    rtp_bytes: u64,
    rtcp_packets: u64,
    dropped: u64,
}

/// What a sender was built from.
struct Built {
    key: Zeroizing<Vec<u8>>,
    params: Params,
    mki: Option<Vec<u8>>,
}

#[derive(Default)]
struct State {
    settings: Settings,
    /// The sender of every pad (one key, one packet index per SSRC). Built once per key.
    sender: Option<SrtpSender>,
    /// The settings the sender was built with: the key bytes, parameters and MKI.
    built_for: Option<Built>,
    /// Bumped whenever the sender changes key: the pads push new caps.
    generation: u64,
    /// The settings changed: rebuild the sender before the next packet.
    dirty: bool,
    soft_limit_signalled: bool,
    counters: BTreeMap<u32, StreamCounters>,
    pool: OutPool,
}

/// Why a batch of packets stops.
enum Fatal {
    /// No usable key or settings: an element error, not negotiated.
    NotNegotiated(String),
    /// The sender refuses to go on (counter exhausted, too many SSRCs): an element error.
    Error(String),
    /// A GStreamer failure (mapping, allocation).
    Flow(gst::FlowError),
}

/// One sink pad's link to its source pad.
struct PadLink {
    src: gst::Pad,
    rtcp: bool,
    sink_caps: Mutex<Option<gst::Caps>>,
    /// The generation of the caps last pushed on `src` (0: none yet).
    pushed: AtomicU64,
}

#[derive(Default)]
pub struct SrtpEnc {
    state: Mutex<State>,
    links: Mutex<BTreeMap<String, Arc<PadLink>>>,
}

fn buffer_bytes(b: &gst::Buffer) -> Result<Zeroizing<Vec<u8>>, String> {
    b.map_readable()
        .map(|m| Zeroizing::new(m.to_vec()))
        .map_err(|_| "cannot read the buffer".to_string())
}

impl SrtpEnc {
    /// Build or re-key the sender when the settings changed. Errors name the problem.
    fn ensure_sender(&self, state: &mut State) -> Result<(), String> {
        if state.sender.is_some() && !state.dirty {
            return Ok(());
        }
        if state.settings.key.is_none() && state.settings.random_key {
            let len = state.settings.params.key_len()?;
            let mut bytes = Zeroizing::new(vec![0u8; len]);
            getrandom::fill(&mut bytes).map_err(|_| "the system's random source failed")?;
            state.settings.key = Some(gst::Buffer::from_slice(bytes.to_vec()));
        }
        let key = match &state.settings.key {
            Some(k) => buffer_bytes(k)?,
            None => {
                return Err("no key: set the key property (master key ‖ salt) or random-key".into())
            }
        };
        let params = state.settings.params;
        let mki = match &state.settings.mki {
            Some(m) => Some(buffer_bytes(m)?.to_vec()),
            None => None,
        };
        if let Some(old) = &state.built_for {
            let same_key = bool::from(old.key.as_slice().ct_eq(key.as_slice()));
            if same_key && old.params == params && old.mki == mki {
                state.dirty = false;
                return Ok(());
            }
            if same_key {
                // The same master key under another suite or MKI derives the same session
                // keys: the packet indices would start again and repeat keystream.
                return Err(
                    "the cipher, authentication or MKI changed but the key did not: set a new key"
                        .into(),
                );
            }
        }
        let (suite, master) = srtp_params::master_key(&params, &key)?;
        match state.sender.as_mut() {
            // A new key for the same suite: every SSRC keeps its index and rollover counter.
            Some(sender)
                if sender.suite() == suite && mki.is_none() && sender.config().mki_len == 0 =>
            {
                sender
                    .rekey(&master)
                    .map_err(|e| format!("cannot re-key the SRTP sender: {e}"))?;
            }
            _ => {
                state.sender = Some(srtp_params::sender(
                    &params,
                    &key,
                    mki.as_deref(),
                    state.settings.replay_window,
                    state.settings.soft_limit,
                )?);
            }
        }
        state.built_for = Some(Built { key, params, mki });
        state.generation += 1;
        state.soft_limit_signalled = false;
        state.dirty = false;
        Ok(())
    }

    /// The source caps for `sink_caps`: their fields under the SRTP or SRTCP name, plus the
    /// key fields as `srtpenc` writes them.
    fn src_caps(&self, state: &State, sink_caps: &gst::Caps, rtcp: bool) -> gst::Caps {
        let name = if rtcp {
            "application/x-srtcp"
        } else {
            "application/x-srtp"
        };
        let mut caps = sink_caps.copy();
        let p = state.settings.params;
        for s in caps.make_mut().iter_mut() {
            s.set_name(name);
            if let Some(key) = &state.settings.key {
                s.set("srtp-key", key);
            }
            s.set("srtp-cipher", p.rtp_cipher.nick());
            s.set("srtp-auth", p.rtp_auth.nick());
            s.set("srtcp-cipher", p.rtcp_cipher.nick());
            s.set("srtcp-auth", p.rtcp_auth.nick());
            if let Some(mki) = &state.settings.mki {
                s.set("mki", mki);
            }
        }
        caps
    }

    fn push_caps(&self, link: &PadLink, caps: gst::Caps, generation: u64) -> bool {
        if CAT.above_threshold(gst::DebugLevel::Debug) {
            // The log shows the caps without the key.
            let mut shown = caps.copy();
            for s in shown.make_mut().iter_mut() {
                if s.has_field("srtp-key") {
                    s.set("srtp-key", "(redacted)");
                }
            }
            gst::debug!(CAT, imp = self, "caps on {}: {shown}", link.src.name());
        }
        link.pushed.store(generation, Ordering::Release);
        link.src.push_event(gst::event::Caps::new(&caps))
    }

    fn sink_event(&self, pad: &gst::Pad, link: &PadLink, event: gst::Event) -> bool {
        if let gst::EventView::Caps(c) = event.view() {
            let sink_caps = c.caps_owned();
            let (caps, generation) = {
                let mut state = lock(&self.state);
                if let Err(e) = self.ensure_sender(&mut state) {
                    drop(state);
                    gst::element_imp_error!(self, gst::StreamError::Encode, ["{}", e]);
                    return false;
                }
                if !link.rtcp {
                    if let (Ok(ssrc), Ok(roc)) = (
                        sink_caps
                            .structure(0)
                            .map_or(Err(()), |s| s.get::<u32>("ssrc").map_err(|_| ())),
                        sink_caps
                            .structure(0)
                            .map_or(Err(()), |s| s.get::<u32>("roc").map_err(|_| ())),
                    ) {
                        if let Some(sender) = state.sender.as_mut() {
                            if sender.roc(Ssrc(ssrc)).is_none() {
                                if let Err(e) = sender.set_roc(Ssrc(ssrc), callseal::Roc(roc)) {
                                    drop(state);
                                    gst::element_imp_error!(
                                        self,
                                        gst::StreamError::Encode,
                                        ["cannot set the ROC of SSRC {:#010x}: {}", ssrc, e]
                                    );
                                    return false;
                                }
                            }
                        }
                    }
                }
                (
                    self.src_caps(&state, &sink_caps, link.rtcp),
                    state.generation,
                )
            };
            *lock(&link.sink_caps) = Some(sink_caps);
            return self.push_caps(link, caps, generation);
        }
        // Each sink pad's events go to its own source pad only.
        let _ = pad;
        link.src.push_event(event)
    }

    /// Protect one packet into a fresh output buffer. `Ok(None)`: dropped and counted (a
    /// packet that cannot be protected: malformed, or an index already used).
    fn protect(
        &self,
        state: &mut State,
        link: &PadLink,
        buffer: &gst::BufferRef,
        signal_soft_limit: &mut bool,
    ) -> Result<Option<gst::Buffer>, Fatal> {
        let sender = state.sender.as_mut().expect("built before");
        let input = buffer
            .map_readable()
            .map_err(|_| Fatal::Flow(gst::FlowError::Error))?;
        let len = input.len();
        let overhead = if link.rtcp {
            sender.srtcp_overhead()
        } else {
            sender.srtp_overhead()
        };
        let mut out = state.pool.acquire(len + overhead).map_err(Fatal::Flow)?;
        let result = {
            let out_mut = out.get_mut().expect("a fresh buffer is writable");
            let protected = {
                let mut map = out_mut
                    .map_writable()
                    .map_err(|_| Fatal::Flow(gst::FlowError::Error))?;
                map[..len].copy_from_slice(&input);
                if link.rtcp {
                    sender.protect_rtcp(&mut map, len)
                } else {
                    sender.protect_rtp(&mut map, len)
                }
            };
            if let Ok(n) = protected {
                out_mut.set_size(n);
                out_mut.set_pts(buffer.pts());
                out_mut.set_dts(buffer.dts());
                out_mut.set_duration(buffer.duration());
                out_mut.set_flags(buffer.flags());
            }
            protected
        };
        let ssrc_at = if link.rtcp { 4 } else { 8 };
        let ssrc = input
            .get(ssrc_at..ssrc_at + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        match result {
            Ok(_) => {
                if let Some(ssrc) = ssrc {
                    let c = state.counters.entry(ssrc).or_default();
                    if link.rtcp {
                        c.rtcp_packets += 1;
                    } else {
                        c.rtp_packets += 1;
                        c.rtp_bytes += len as u64;
                    }
                }
                if sender.rekey_soon() && !state.soft_limit_signalled {
                    state.soft_limit_signalled = true;
                    *signal_soft_limit = true;
                }
                Ok(Some(out))
            }
            Err(e @ (Error::LimitReached | Error::TooManyStreams)) => {
                Err(Fatal::Error(format!("cannot protect: {e}")))
            }
            Err(e) => {
                if let Some(c) = ssrc.and_then(|s| state.counters.get_mut(&s)) {
                    c.dropped += 1;
                }
                gst::warning!(
                    CAT,
                    imp = self,
                    "dropping a packet that cannot be protected: {e}"
                );
                Ok(None)
            }
        }
    }

    /// Protect every buffer of `input` under one lock; new caps first when the key changed,
    /// the `soft-limit` signal after.
    fn process<'a>(
        &self,
        link: &PadLink,
        input: impl Iterator<Item = &'a gst::BufferRef>,
        mut output: impl FnMut(gst::Buffer),
    ) -> Result<(), gst::FlowError> {
        let mut signal_soft_limit = false;
        let mut new_caps = None;
        let result = {
            let mut state = lock(&self.state);
            match self.ensure_sender(&mut state) {
                Err(e) => Err(Fatal::NotNegotiated(e)),
                Ok(()) => {
                    if link.pushed.load(Ordering::Acquire) != state.generation {
                        if let Some(sink_caps) = lock(&link.sink_caps).as_ref() {
                            new_caps = Some((
                                self.src_caps(&state, sink_caps, link.rtcp),
                                state.generation,
                            ));
                        }
                    }
                    input
                        .map(|b| self.protect(&mut state, link, b, &mut signal_soft_limit))
                        .try_for_each(|r| r.map(|out| out.into_iter().for_each(&mut output)))
                }
            }
        };
        match result {
            Ok(()) => {}
            Err(Fatal::NotNegotiated(e)) => {
                gst::element_imp_error!(self, gst::StreamError::Encode, ["{}", e]);
                return Err(gst::FlowError::NotNegotiated);
            }
            Err(Fatal::Error(e)) => {
                gst::element_imp_error!(self, gst::StreamError::Encode, ["{}", e]);
                return Err(gst::FlowError::Error);
            }
            Err(Fatal::Flow(f)) => return Err(f),
        }
        if let Some((caps, generation)) = new_caps {
            self.push_caps(link, caps, generation);
        }
        if signal_soft_limit {
            self.obj().emit_by_name::<()>("soft-limit", &[]);
        }
        Ok(())
    }

    fn chain(
        &self,
        link: &PadLink,
        buffer: gst::Buffer,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut out = None;
        self.process(link, std::iter::once(buffer.as_ref()), |b| out = Some(b))?;
        match out {
            Some(b) => link.src.push(b),
            None => Ok(gst::FlowSuccess::Ok),
        }
    }

    fn chain_list(
        &self,
        link: &PadLink,
        list: gst::BufferList,
    ) -> Result<gst::FlowSuccess, gst::FlowError> {
        let mut out = gst::BufferList::new_sized(list.len());
        {
            let out = out.get_mut().expect("a new list");
            self.process(link, list.iter(), |b| out.add(b))?;
        }
        if out.is_empty() {
            return Ok(gst::FlowSuccess::Ok);
        }
        link.src.push_list(out)
    }

    fn stats(&self) -> gst::Structure {
        let state = lock(&self.state);
        let streams = state.counters.iter().map(|(ssrc, c)| {
            let roc = state
                .sender
                .as_ref()
                .and_then(|s| s.roc(Ssrc(*ssrc)))
                .map_or(0, |r| r.0);
            gst::Structure::builder("application/x-srtp-stream")
                .field("ssrc", *ssrc)
                .field("roc", roc)
                .field("rtp-packets", c.rtp_packets)
                .field("rtp-bytes", c.rtp_bytes)
                .field("rtcp-packets", c.rtcp_packets)
                .field("drop-count", c.dropped)
                .build()
                .to_send_value()
        });
        gst::Structure::builder("application/x-srtp-encoder-stats")
            .field("streams", gst::Array::from_values(streams))
            .build()
    }

    fn new_pair(&self, templ: &gst::PadTemplate, name: Option<&str>) -> Option<gst::Pad> {
        let rtcp = templ.name_template().starts_with("rtcp");
        let prefix = if rtcp { "rtcp" } else { "rtp" };
        let mut links = lock(&self.links);
        let index = match name.and_then(|n| n.strip_prefix(&format!("{prefix}_sink_"))) {
            Some(i) => i.parse::<u32>().ok()?,
            None => (0..)
                .find(|i| !links.contains_key(&format!("{prefix}_sink_{i}")))
                .expect("a free index"),
        };
        let sink_name = format!("{prefix}_sink_{index}");
        if links.contains_key(&sink_name) {
            gst::warning!(CAT, imp = self, "pad {sink_name} already exists");
            return None;
        }
        let obj = self.obj();
        let src_templ = obj
            .pad_template(&format!("{prefix}_src_%u"))
            .expect("template");
        let src = gst::Pad::builder_from_template(&src_templ)
            .name(format!("{prefix}_src_{index}"))
            .iterate_internal_links_function(|pad, parent| {
                SrtpEnc::catch_panic_pad_function(
                    parent,
                    || gst::Iterator::from_vec(vec![]),
                    |imp| imp.internal_links(pad),
                )
            })
            .build();
        let link = Arc::new(PadLink {
            src: src.clone(),
            rtcp,
            sink_caps: Mutex::new(None),
            pushed: AtomicU64::new(0),
        });
        let (l1, l2, l4, src3) = (link.clone(), link.clone(), link.clone(), src.clone());
        let sink = gst::Pad::builder_from_template(templ)
            .name(sink_name.clone())
            .chain_function(move |_pad, parent, buffer| {
                SrtpEnc::catch_panic_pad_function(
                    parent,
                    || Err(gst::FlowError::Error),
                    |imp| imp.chain(&l1, buffer),
                )
            })
            .chain_list_function(move |_pad, parent, list| {
                SrtpEnc::catch_panic_pad_function(
                    parent,
                    || Err(gst::FlowError::Error),
                    |imp| imp.chain_list(&l4, list),
                )
            })
            .event_function(move |pad, parent, event| {
                SrtpEnc::catch_panic_pad_function(
                    parent,
                    || false,
                    |imp| imp.sink_event(pad, &l2, event),
                )
            })
            .iterate_internal_links_function(move |_pad, _parent| {
                gst::Iterator::from_vec(vec![src3.clone()])
            })
            .build();
        links.insert(sink_name, link);
        drop(links);
        src.set_active(true).ok()?;
        obj.add_pad(&src).ok()?;
        sink.set_active(true).ok()?;
        obj.add_pad(&sink).ok()?;
        Some(sink)
    }

    fn internal_links(&self, pad: &gst::Pad) -> gst::Iterator<gst::Pad> {
        let links = lock(&self.links);
        let other = links.iter().find_map(|(sink_name, l)| {
            if &l.src == pad {
                self.obj().static_pad(sink_name)
            } else if pad.name() == sink_name.as_str() {
                Some(l.src.clone())
            } else {
                None
            }
        });
        gst::Iterator::from_vec(other.into_iter().collect())
    }
}

#[glib::object_subclass]
impl ObjectSubclass for SrtpEnc {
    const NAME: &'static str = "GstCallsealSrtpEnc";
    type Type = super::SrtpEnc;
    type ParentType = gst::Element;
}

impl ObjectImpl for SrtpEnc {
    fn constructed(&self) {
        self.parent_constructed();
        lock(&self.state).settings.replay_window = DEFAULT_REPLAY_WINDOW;
    }

    fn properties() -> &'static [glib::ParamSpec] {
        static PROPS: LazyLock<Vec<glib::ParamSpec>> = LazyLock::new(|| {
            vec![
                glib::ParamSpecBoxed::builder::<gst::Buffer>("key")
                    .nick("Key")
                    .blurb("Master key ‖ master salt (30 bytes for AES-128-ICM, 28 for AES-128-GCM, 44 for AES-256-GCM)")
                    .mutable_playing()
                    .build(),
                glib::ParamSpecEnum::builder_with_default("rtp-cipher", CipherType::Aes128Icm)
                    .nick("RTP Cipher")
                    .blurb("RTP Cipher")
                    .build(),
                glib::ParamSpecEnum::builder_with_default("rtp-auth", AuthType::HmacSha1_80)
                    .nick("RTP Authentication")
                    .blurb("RTP Authentication")
                    .build(),
                glib::ParamSpecEnum::builder_with_default("rtcp-cipher", CipherType::Aes128Icm)
                    .nick("RTCP Cipher")
                    .blurb("RTCP Cipher")
                    .build(),
                glib::ParamSpecEnum::builder_with_default("rtcp-auth", AuthType::HmacSha1_80)
                    .nick("RTCP Authentication")
                    .blurb("RTCP Authentication")
                    .build(),
                glib::ParamSpecBoxed::builder::<gst::Buffer>("mki")
                    .nick("MKI")
                    .blurb("Master key identifier, 1 to 4 bytes (none: no MKI)")
                    .mutable_playing()
                    .build(),
                glib::ParamSpecBoolean::builder("random-key")
                    .nick("Generate random key")
                    .blurb("Generate a random key if no key is set")
                    .default_value(false)
                    .build(),
                glib::ParamSpecUInt::builder("replay-window-size")
                    .nick("Replay window size")
                    .blurb("Size of the window that refuses protecting one packet index twice")
                    .minimum(64)
                    .maximum(32768)
                    .default_value(DEFAULT_REPLAY_WINDOW)
                    .build(),
                glib::ParamSpecUInt64::builder("soft-limit-packets")
                    .nick("Soft limit")
                    .blurb("Packets under one key before the soft-limit signal (0: callseal's default, 2^48 - 2^24)")
                    .default_value(0)
                    .build(),
                glib::ParamSpecBoxed::builder::<gst::Structure>("stats")
                    .nick("Statistics")
                    .blurb("Per-SSRC counters: ssrc, roc, rtp-packets, rtp-bytes, rtcp-packets, drop-count")
                    .read_only()
                    .build(),
            ]
        });
        PROPS.as_ref()
    }

    fn set_property(&self, _id: usize, value: &glib::Value, pspec: &glib::ParamSpec) {
        let mut state = lock(&self.state);
        let s = &mut state.settings;
        match pspec.name() {
            "key" => s.key = value.get().expect("type checked upstream"),
            "rtp-cipher" => s.params.rtp_cipher = value.get().expect("type checked upstream"),
            "rtp-auth" => s.params.rtp_auth = value.get().expect("type checked upstream"),
            "rtcp-cipher" => s.params.rtcp_cipher = value.get().expect("type checked upstream"),
            "rtcp-auth" => s.params.rtcp_auth = value.get().expect("type checked upstream"),
            "mki" => s.mki = value.get().expect("type checked upstream"),
            "random-key" => s.random_key = value.get().expect("type checked upstream"),
            "replay-window-size" => s.replay_window = value.get().expect("type checked upstream"),
            "soft-limit-packets" => {
                let v: u64 = value.get().expect("type checked upstream");
                s.soft_limit = (v != 0).then_some(v);
            }
            other => unreachable!("no property {other}"),
        }
        state.dirty = true;
    }

    fn property(&self, _id: usize, pspec: &glib::ParamSpec) -> glib::Value {
        if pspec.name() == "stats" {
            return self.stats().to_value();
        }
        let state = lock(&self.state);
        let s = &state.settings;
        match pspec.name() {
            "key" => s.key.to_value(),
            "rtp-cipher" => s.params.rtp_cipher.to_value(),
            "rtp-auth" => s.params.rtp_auth.to_value(),
            "rtcp-cipher" => s.params.rtcp_cipher.to_value(),
            "rtcp-auth" => s.params.rtcp_auth.to_value(),
            "mki" => s.mki.to_value(),
            "random-key" => s.random_key.to_value(),
            "replay-window-size" => s.replay_window.to_value(),
            "soft-limit-packets" => s.soft_limit.unwrap_or(0).to_value(),
            other => unreachable!("no property {other}"),
        }
    }

    fn signals() -> &'static [glib::subclass::Signal] {
        static SIGNALS: LazyLock<Vec<glib::subclass::Signal>> = LazyLock::new(|| {
            vec![glib::subclass::Signal::builder("soft-limit")
                .run_last()
                .build()]
        });
        SIGNALS.as_ref()
    }
}

impl GstObjectImpl for SrtpEnc {}

impl ElementImpl for SrtpEnc {
    fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
        static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
            gst::subclass::ElementMetadata::new(
                "callseal SRTP encoder",
                "Filter/Network/SRTP",
                "Protects RTP and RTCP with SRTP/SRTCP (RFC 3711, RFC 7714); a drop-in for srtpenc",
                "callseal developers",
            )
        });
        Some(&*META)
    }

    fn pad_templates() -> &'static [gst::PadTemplate] {
        static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
            let t = |name: &str, dir, presence, caps: &str| {
                gst::PadTemplate::new(name, dir, presence, &gst::Caps::builder(caps).build())
                    .expect("valid template")
            };
            vec![
                t(
                    "rtp_sink_%u",
                    gst::PadDirection::Sink,
                    gst::PadPresence::Request,
                    "application/x-rtp",
                ),
                t(
                    "rtp_src_%u",
                    gst::PadDirection::Src,
                    gst::PadPresence::Sometimes,
                    "application/x-srtp",
                ),
                t(
                    "rtcp_sink_%u",
                    gst::PadDirection::Sink,
                    gst::PadPresence::Request,
                    "application/x-rtcp",
                ),
                t(
                    "rtcp_src_%u",
                    gst::PadDirection::Src,
                    gst::PadPresence::Sometimes,
                    "application/x-srtcp",
                ),
            ]
        });
        TEMPLATES.as_ref()
    }

    fn request_new_pad(
        &self,
        templ: &gst::PadTemplate,
        name: Option<&str>,
        _caps: Option<&gst::Caps>,
    ) -> Option<gst::Pad> {
        self.new_pair(templ, name)
    }

    fn release_pad(&self, pad: &gst::Pad) {
        let link = lock(&self.links).remove(pad.name().as_str());
        let obj = self.obj();
        if let Some(link) = link {
            let _ = link.src.set_active(false);
            let _ = obj.remove_pad(&link.src);
        }
        let _ = pad.set_active(false);
        let _ = obj.remove_pad(pad);
    }

    fn change_state(
        &self,
        transition: gst::StateChange,
    ) -> Result<gst::StateChangeSuccess, gst::StateChangeError> {
        let ret = self.parent_change_state(transition)?;
        if transition == gst::StateChange::PausedToReady {
            lock(&self.state).pool.stop();
        }
        Ok(ret)
    }
}
