//! What the plugin's tests share: plugin registration, the four SRTP suites as GStreamer
//! names them, packet makers, random keys, and a pipeline runner.
#![allow(dead_code)]

use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use gst::prelude::*;

/// Initialise GStreamer and register the plugin from this build.
pub fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        gst::init().expect("GStreamer initialises");
        gstcallseal::plugin_register_static().expect("the plugin registers");
    });
}

/// One SRTP suite as GStreamer's properties and caps name it.
#[derive(Debug, Clone, Copy)]
pub struct Suite {
    pub name: &'static str,
    pub rtp_cipher: &'static str,
    pub rtp_auth: &'static str,
    pub rtcp_cipher: &'static str,
    pub rtcp_auth: &'static str,
    /// Master key ‖ salt.
    pub key_len: usize,
    pub rtp_tag: usize,
}

pub const SUITES: [Suite; 8] = [
    Suite {
        name: "AES_CM_128_HMAC_SHA1_80",
        rtp_cipher: "aes-128-icm",
        rtp_auth: "hmac-sha1-80",
        rtcp_cipher: "aes-128-icm",
        rtcp_auth: "hmac-sha1-80",
        key_len: 30,
        rtp_tag: 10,
    },
    Suite {
        name: "AES_CM_128_HMAC_SHA1_32",
        rtp_cipher: "aes-128-icm",
        rtp_auth: "hmac-sha1-32",
        rtcp_cipher: "aes-128-icm",
        rtcp_auth: "hmac-sha1-80",
        key_len: 30,
        rtp_tag: 4,
    },
    Suite {
        name: "AEAD_AES_128_GCM",
        rtp_cipher: "aes-128-gcm",
        rtp_auth: "null",
        rtcp_cipher: "aes-128-gcm",
        rtcp_auth: "null",
        key_len: 28,
        rtp_tag: 16,
    },
    Suite {
        name: "AEAD_AES_256_GCM",
        rtp_cipher: "aes-256-gcm",
        rtp_auth: "null",
        rtcp_cipher: "aes-256-gcm",
        rtcp_auth: "null",
        key_len: 44,
        rtp_tag: 16,
    },
    Suite {
        name: "AES_256_CM_HMAC_SHA1_80",
        rtp_cipher: "aes-256-icm",
        rtp_auth: "hmac-sha1-80",
        rtcp_cipher: "aes-256-icm",
        rtcp_auth: "hmac-sha1-80",
        key_len: 46,
        rtp_tag: 10,
    },
    Suite {
        name: "AES_256_CM_HMAC_SHA1_32",
        rtp_cipher: "aes-256-icm",
        rtp_auth: "hmac-sha1-32",
        rtcp_cipher: "aes-256-icm",
        rtcp_auth: "hmac-sha1-80",
        key_len: 46,
        rtp_tag: 4,
    },
    Suite {
        name: "NULL_HMAC_SHA1_80",
        rtp_cipher: "null",
        rtp_auth: "hmac-sha1-80",
        rtcp_cipher: "null",
        rtcp_auth: "hmac-sha1-80",
        key_len: 30,
        rtp_tag: 10,
    },
    Suite {
        name: "NULL_HMAC_SHA1_32",
        rtp_cipher: "null",
        rtp_auth: "hmac-sha1-32",
        rtcp_cipher: "null",
        rtcp_auth: "hmac-sha1-80",
        key_len: 30,
        rtp_tag: 4,
    },
];

/// The suites GStreamer's own srtpenc/srtpdec share with callseal. With the null cipher they
/// take a master key of 0 bytes (libsrtp then authenticates with keys derived from zeros:
/// anyone can forge such packets), where callseal takes a real 30-byte key and refuses an
/// all-zero one; so the NULL-cipher suites run callseal to callseal only.
pub fn libsrtp_suites() -> impl Iterator<Item = &'static Suite> {
    SUITES.iter().filter(|s| s.rtp_cipher != "null")
}

impl Suite {
    /// The properties of `srtpenc`/`callsealsrtpenc` for this suite, as a launch-line fragment.
    pub fn enc_props(&self) -> String {
        format!(
            "rtp-cipher={} rtp-auth={} rtcp-cipher={} rtcp-auth={}",
            self.rtp_cipher, self.rtp_auth, self.rtcp_cipher, self.rtcp_auth
        )
    }

    /// `application/x-srtp` (or `-srtcp`) caps that key `srtpdec`/`callsealsrtpdec`.
    pub fn key_caps(&self, media: &str, key: &[u8], ssrc: Option<u32>) -> gst::Caps {
        let mut b = gst::Caps::builder(media)
            .field("srtp-key", gst::Buffer::from_slice(key.to_vec()))
            .field("srtp-cipher", self.rtp_cipher)
            .field("srtp-auth", self.rtp_auth)
            .field("srtcp-cipher", self.rtcp_cipher)
            .field("srtcp-auth", self.rtcp_auth);
        if let Some(ssrc) = ssrc {
            b = b.field("ssrc", ssrc);
        }
        b.build()
    }
}

/// Random bytes from the system.
pub fn random(n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    getrandom::fill(&mut v).expect("random bytes");
    v
}

/// A key as a launch-line property value (hex).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A small deterministic generator for packet contents.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next() as u8;
        }
    }
}

/// An RTP packet: version 2, payload type 96, `payload_len` bytes of payload.
pub fn rtp(ssrc: u32, seq: u16, ts: u32, payload_len: usize, rng: &mut Rng) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&ts.to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    let at = p.len();
    p.resize(at + payload_len, 0);
    rng.fill(&mut p[at..]);
    p
}

/// An RTCP sender report of `ssrc` with one report block.
pub fn rtcp_sr(ssrc: u32, n: u32, rng: &mut Rng) -> Vec<u8> {
    let mut p = vec![0x81, 200, 0, 12];
    p.extend_from_slice(&ssrc.to_be_bytes());
    let mut body = [0u8; 44];
    rng.fill(&mut body);
    body[8..12].copy_from_slice(&n.to_be_bytes());
    p.extend_from_slice(&body);
    p
}

/// Collects the bytes of every buffer an appsink receives.
pub fn collect(sink: &gst_app::AppSink) -> Arc<Mutex<Vec<Vec<u8>>>> {
    let out = Arc::new(Mutex::new(Vec::new()));
    let o = out.clone();
    sink.set_callbacks(
        gst_app::AppSinkCallbacks::builder()
            .new_sample(move |s| {
                let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                let buf = sample.buffer().ok_or(gst::FlowError::Error)?;
                let map = buf.map_readable().map_err(|_| gst::FlowError::Error)?;
                o.lock().unwrap().push(map.to_vec());
                Ok(gst::FlowSuccess::Ok)
            })
            .build(),
    );
    out
}

/// Run `pipeline` until EOS (or fail on an error message or after `timeout`).
pub fn run_to_eos(pipeline: &gst::Pipeline, timeout: Duration) {
    let bus = pipeline.bus().expect("a pipeline has a bus");
    pipeline.set_state(gst::State::Playing).expect("PLAYING");
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_nseconds(timeout.as_nanos() as u64),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    pipeline.set_state(gst::State::Null).expect("NULL");
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Eos(_)) => {}
        Some(gst::MessageView::Error(e)) => {
            panic!("pipeline error: {} ({:?})", e.error(), e.debug())
        }
        _ => panic!("no EOS within {timeout:?}"),
    }
}

/// The element named `name` in `pipeline`, as `T`.
pub fn by_name<T: IsA<gst::Element>>(pipeline: &gst::Pipeline, name: &str) -> T {
    pipeline
        .by_name(name)
        .unwrap_or_else(|| panic!("no element {name}"))
        .downcast::<T>()
        .unwrap_or_else(|_| panic!("{name} has another type"))
}

/// A `u32` or `u64` counter of a stats structure, as `u64`.
pub fn stat(s: &gst::StructureRef, field: &str) -> u64 {
    s.get::<u32>(field)
        .map(u64::from)
        .or_else(|_| s.get::<u64>(field))
        .unwrap_or_else(|_| panic!("no counter {field} in {s}"))
}

/// A new `factory` element watched by a bus of its own (a harness element has no pipeline).
pub fn watched(factory: &str) -> (gst::Element, gst::Bus) {
    init();
    let e = gst::ElementFactory::make(factory).build().expect(factory);
    let bus = gst::Bus::new();
    e.set_bus(Some(&bus));
    (e, bus)
}

/// The text and debug detail of the next error message on `bus`.
pub fn error_text(bus: &gst::Bus) -> Option<String> {
    bus.pop_filtered(&[gst::MessageType::Error])
        .map(|m| match m.view() {
            gst::MessageView::Error(e) => format!(
                "{} {}",
                e.error(),
                e.debug().map(|d| d.to_string()).unwrap_or_default()
            ),
            _ => unreachable!("filtered"),
        })
}

/// A buffer's bytes.
pub fn bytes(b: &gst::Buffer) -> Vec<u8> {
    b.map_readable().expect("readable").to_vec()
}
