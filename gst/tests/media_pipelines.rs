//! Real media over loopback UDP: VP8 video and Opus audio through both layers
//! (encoder → `callsealsframeenc` → `rtpsframepay` → `callsealsrtpenc` → `udpsink`, and back
//! through `callsealsrtpdec` → `rtpsframedepay` → `callsealsframedec` → decoder). The decoded
//! frames must equal, checksum for checksum, those of the same pipeline without encryption
//! (`rtpgstpay` and `rtpgstdepay` in place of the SFrame payload format, which carries only
//! sealed frames). A `breakmydata` in the middle (before the SRTP decoder, or between the
//! depayloader and the SFrame decoder) makes the decoders drop and count, and what they pass on
//! is only frames the sender sealed.

mod common;

use std::collections::hash_map::DefaultHasher;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use gst::prelude::*;

const SSRC: u32 = 0x5151_0001;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Media {
    Vp8,
    Opus,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flip {
    None,
    /// `breakmydata` between `udpsrc` and the SRTP decoder.
    Packets,
    /// `breakmydata` between the depayloader and the SFrame decoder.
    Frames,
}

struct Keys {
    srtp: Vec<u8>,
    sframe: Vec<u8>,
    kid: u64,
}

struct Outcome {
    /// Checksums of the frames the sender's codec produced.
    sent: Vec<u64>,
    /// Checksums of what reached the receiver's appsink.
    received: Vec<u64>,
    srtp_stats: Option<gst::Structure>,
    depay_stats: Option<gst::Structure>,
    sframe_stats: Option<gst::Structure>,
}

fn checksum(b: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    b.hash(&mut h);
    h.finish()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
}

fn launch(line: &str) -> gst::Pipeline {
    gst::parse::launch(line)
        .unwrap_or_else(|e| panic!("{line}: {e}"))
        .downcast::<gst::Pipeline>()
        .expect("a pipeline")
}

/// Record the checksum of every buffer leaving `pad`.
fn probe(pad: &gst::Pad) -> Arc<Mutex<Vec<u64>>> {
    let out = Arc::new(Mutex::new(Vec::new()));
    let o = out.clone();
    pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
        if let Some(buf) = info.buffer() {
            if let Ok(map) = buf.map_readable() {
                o.lock().unwrap().push(checksum(&map));
            }
        }
        gst::PadProbeReturn::Ok
    });
    out
}

fn run(media: Media, keys: Option<&Keys>, flip: Flip, frames: usize) -> Outcome {
    init();
    let port = free_udp_port();
    let (source, encoder, decoder, decoded_caps, rtp_media) = match media {
        Media::Vp8 => (
            format!("videotestsrc num-buffers={frames} pattern=ball ! video/x-raw,format=I420,width=320,height=240,framerate=30/1"),
            "vp8enc name=codec deadline=1 threads=1 cpu-used=4 keyframe-max-dist=30",
            "vp8dec",
            "video/x-raw",
            "media=(string)video,clock-rate=(int)90000,original-media-type=(string)video/x-vp8",
        ),
        Media::Opus => (
            format!("audiotestsrc num-buffers={frames} wave=sine freq=440 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=1"),
            "opusenc name=codec",
            "opusdec",
            "audio/x-raw",
            "media=(string)audio,clock-rate=(int)48000,original-media-type=(string)audio/x-opus,\
             rate=(int)48000,channels=(int)1,channel-mapping-family=(int)0,stream-count=(int)1,\
             coupled-count=(int)0",
        ),
    };
    let suite = "aes-256-gcm-sha512-128";
    let (send_layers, recv_caps, srtp_dec, depay, sframe_dec) = match keys {
        Some(k) => (
            format!(
                "callsealsframeenc suite={suite} key-id={kid} key={sf} ! rtpsframepay ssrc={SSRC} \
                 ! callsealsrtpenc key={srtp} rtp-cipher=aes-128-gcm rtcp-cipher=aes-128-gcm",
                kid = k.kid,
                sf = hex(&k.sframe),
                srtp = hex(&k.srtp)
            ),
            format!(
                "application/x-srtp,{rtp_media},encoding-name=(string)SFRAME,\
                 payload=(int)96,ssrc=(uint){SSRC},srtp-key=(buffer){srtp},srtp-cipher=(string)aes-128-gcm,\
                 srtp-auth=(string)hmac-sha1-80,srtcp-cipher=(string)aes-128-gcm,srtcp-auth=(string)hmac-sha1-80",
                srtp = hex(&k.srtp)
            ),
            "callsealsrtpdec name=srtpdec !".to_string(),
            "rtpsframedepay name=depay",
            format!(
                "callsealsframedec name=sframedec suite={suite} key-id={kid} key={sf} !",
                kid = k.kid,
                sf = hex(&k.sframe)
            ),
        ),
        None => (
            format!("rtpgstpay config-interval=1 ssrc={SSRC}"),
            "application/x-rtp,media=(string)application,clock-rate=(int)90000,encoding-name=(string)X-GST,payload=(int)96"
                .to_string(),
            String::new(),
            "rtpgstdepay",
            String::new(),
        ),
    };
    // A fixed seed: the same bytes flip in every run. The rate leaves most packets and
    // frames intact, so some frames get through.
    let (flip_packets, flip_frames) = match flip {
        Flip::None => ("", ""),
        Flip::Packets => ("breakmydata probability=0.0003 seed=7 !", ""),
        Flip::Frames => ("", "breakmydata probability=0.001 seed=7 !"),
    };
    // With bits flipped, the receiver keeps the authenticated encoded frames (to check that
    // each is one the sender sealed) rather than feeding a codec a stream with gaps.
    let tail = if flip == Flip::None {
        format!("{decoder} ! {decoded_caps}")
    } else {
        "identity".to_string()
    };
    let receiver = launch(&format!(
        "udpsrc address=127.0.0.1 port={port} caps=\"{recv_caps}\" buffer-size=4194304 ! {flip_packets} {srtp_dec} \
         {depay} ! {flip_frames} {sframe_dec} {tail} ! appsink name=out sync=false"
    ));
    let sender = launch(&format!(
        "{source} ! {encoder} ! {send_layers} ! udpsink host=127.0.0.1 port={port} sync=true"
    ));
    let received = collect(&by_name(&receiver, "out"));
    let sent = probe(
        &by_name::<gst::Element>(&sender, "codec")
            .static_pad("src")
            .unwrap(),
    );

    receiver
        .set_state(gst::State::Playing)
        .expect("receiver PLAYING");
    receiver
        .state(gst::ClockTime::from_seconds(5))
        .0
        .expect("receiver started");
    run_to_eos(&sender, Duration::from_secs(60));
    // Wait for the last packets to arrive: a frame out for every frame the encoder made (Opus
    // makes one more than the source's buffers, for its look-ahead), or none for 2 s.
    let want = sent.lock().unwrap().len();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = (usize::MAX, Instant::now());
    while Instant::now() < deadline {
        let n = received.lock().unwrap().len();
        if n >= want || (n == last.0 && last.1.elapsed() > Duration::from_secs(2)) {
            break;
        }
        if n != last.0 {
            last = (n, Instant::now());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if let Some(gst::MessageView::Error(e)) = receiver
        .bus()
        .unwrap()
        .pop_filtered(&[gst::MessageType::Error])
        .as_ref()
        .map(|m| m.view())
    {
        panic!("receiver error: {} {:?}", e.error(), e.debug());
    }
    let srtp_stats = receiver
        .by_name("srtpdec")
        .map(|e| e.property::<gst::Structure>("stats"));
    let depay_stats = receiver
        .by_name("depay")
        .map(|e| e.property::<gst::Structure>("stats"));
    let sframe_stats = receiver
        .by_name("sframedec")
        .map(|e| e.property::<gst::Structure>("stats"));
    receiver.set_state(gst::State::Null).expect("NULL");
    let received = received
        .lock()
        .unwrap()
        .iter()
        .map(|b| checksum(b))
        .collect();
    let sent = sent.lock().unwrap().clone();
    Outcome {
        sent,
        received,
        srtp_stats,
        depay_stats,
        sframe_stats,
    }
}

fn keys() -> Keys {
    Keys {
        srtp: random(28),
        sframe: random(32),
        kid: 42,
    }
}

fn decoded_frames_equal_the_plain_pipeline(media: Media, frames: usize) {
    let plain = run(media, None, Flip::None, frames);
    let sealed = run(media, Some(&keys()), Flip::None, frames);
    assert!(plain.sent.len() >= frames, "{media:?}: the codec's frames");
    assert_eq!(
        plain.sent, sealed.sent,
        "{media:?}: the encoder is deterministic"
    );
    assert!(
        plain.received.len() >= frames,
        "{media:?}: {} decoded plain",
        plain.received.len()
    );
    assert_eq!(
        sealed.received, plain.received,
        "{media:?}: decoded frames differ"
    );
    let srtp = sealed.srtp_stats.unwrap();
    assert_eq!(stat(&srtp, "recv-drop-count"), 0, "{srtp}");
    let depay = sealed.depay_stats.unwrap();
    assert_eq!(stat(&depay, "frames"), sealed.sent.len() as u64, "{depay}");
    assert_eq!(stat(&depay, "drop-count"), 0, "{depay}");
    let sframe = sealed.sframe_stats.unwrap();
    assert_eq!(
        stat(&sframe, "frames"),
        sealed.sent.len() as u64,
        "{sframe}"
    );
    assert_eq!(stat(&sframe, "drop-count"), 0, "{sframe}");
}

#[test]
fn vp8_video_through_both_layers_decodes_as_without_encryption() {
    decoded_frames_equal_the_plain_pipeline(Media::Vp8, 60);
}

#[test]
fn opus_audio_through_both_layers_decodes_as_without_encryption() {
    decoded_frames_equal_the_plain_pipeline(Media::Opus, 100);
}

fn flipped_bits_are_dropped_and_counted(media: Media, flip: Flip, frames: usize) {
    let out = run(media, Some(&keys()), flip, frames);
    let sent: HashSet<u64> = out.sent.iter().copied().collect();
    let srtp = out.srtp_stats.unwrap();
    let sframe = out.sframe_stats.unwrap();
    assert!(
        !out.received.is_empty(),
        "{media:?} {flip:?}: something got through: {srtp} {sframe}"
    );
    for c in &out.received {
        assert!(
            sent.contains(c),
            "{media:?} {flip:?}: a frame the sender never sealed was passed on"
        );
    }
    match flip {
        Flip::Packets => {
            assert!(stat(&srtp, "drop-authentication") > 0, "{srtp}");
            // The frames those packets belonged to never leave the depayloader in part.
            let depay = out.depay_stats.unwrap();
            assert_eq!(stat(&depay, "frames"), out.received.len() as u64, "{depay}");
        }
        Flip::Frames => {
            assert_eq!(stat(&srtp, "recv-drop-count"), 0, "{srtp}");
            assert!(stat(&sframe, "drop-count") > 0, "{sframe}");
        }
        Flip::None => unreachable!(),
    }
    assert_eq!(stat(&sframe, "frames"), out.received.len() as u64);
}

#[test]
fn vp8_flipped_packets_are_dropped_by_the_srtp_decoder() {
    flipped_bits_are_dropped_and_counted(Media::Vp8, Flip::Packets, 60);
}

#[test]
fn vp8_flipped_frames_are_dropped_by_the_sframe_decoder() {
    flipped_bits_are_dropped_and_counted(Media::Vp8, Flip::Frames, 60);
}

#[test]
fn opus_flipped_packets_and_frames_are_dropped() {
    flipped_bits_are_dropped_and_counted(Media::Opus, Flip::Packets, 100);
    flipped_bits_are_dropped_and_counted(Media::Opus, Flip::Frames, 100);
}
