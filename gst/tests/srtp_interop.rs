//! Interop through GStreamer with libsrtp inside gst-plugins-bad: `callsealsrtpenc` →
//! `srtpdec` and `srtpenc` → `callsealsrtpdec`, for all four suites, RTP and RTCP, thousands
//! of packets (across a sequence-number rollover), every one byte-equal after the round trip.

mod common;

use std::time::Duration;

use common::*;
use gst::prelude::*;

const RTP_PACKETS: usize = 3000;
const RTCP_PACKETS: usize = 300;

/// `batch` > 1: the RTP packets go in buffer lists of that many, as payloaders push them.
fn round_trip(suite: &Suite, encoder: &str, decoder: &str, batch: usize) {
    init();
    let key = random(suite.key_len);
    let ssrc = 0x1234_5678u32;
    let launch = format!(
        "appsrc name=rtp format=time caps=\"application/x-rtp,media=(string)video,clock-rate=(int)90000,payload=(int)96\" \
           ! enc.rtp_sink_0 \
         appsrc name=rtcp format=time caps=\"application/x-rtcp\" ! enc.rtcp_sink_0 \
         {encoder} name=enc key={key} {props} \
         enc.rtp_src_0 ! dec.rtp_sink  enc.rtcp_src_0 ! dec.rtcp_sink \
         {decoder} name=dec \
         dec.rtp_src ! appsink name=rtp_out sync=false  dec.rtcp_src ! appsink name=rtcp_out sync=false",
        key = hex(&key),
        props = suite.enc_props(),
    );
    let pipeline = gst::parse::launch(&launch)
        .expect("the launch line parses")
        .downcast::<gst::Pipeline>()
        .expect("a pipeline");
    let rtp_src: gst_app::AppSrc = by_name(&pipeline, "rtp");
    let rtcp_src: gst_app::AppSrc = by_name(&pipeline, "rtcp");
    let rtp_out = collect(&by_name(&pipeline, "rtp_out"));
    let rtcp_out = collect(&by_name(&pipeline, "rtcp_out"));

    let mut rng = Rng::new(0x5eed ^ suite.key_len as u64 ^ suite.rtp_tag as u64);
    let rtp_in: Vec<Vec<u8>> = (0..RTP_PACKETS)
        .map(|i| {
            let len = rng.below(1200) as usize;
            // From 64000 on: the sequence number wraps and the ROC moves to 1.
            rtp(
                ssrc,
                64000u16.wrapping_add(i as u16),
                i as u32 * 3000,
                len,
                &mut rng,
            )
        })
        .collect();
    let rtcp_in: Vec<Vec<u8>> = (0..RTCP_PACKETS)
        .map(|i| rtcp_sr(ssrc, i as u32, &mut rng))
        .collect();

    if decoder == "srtpdec" {
        // srtpdec keys from the caps only when they name an SSRC, and then without its lock:
        // first caps events arriving at once on its RTP and RTCP pads (two streaming threads)
        // can leave one pad with a session that is then replaced, every packet of it dropped
        // (gst-plugins-bad 1.22, gst_srtp_dec_sink_setcaps). Without `ssrc` in the caps it asks
        // through request-key from its chain function, under its lock.
        let caps = suite.key_caps("application/x-srtp", &key, None);
        pipeline
            .by_name("dec")
            .unwrap()
            .connect("request-key", false, move |_| Some(caps.to_value()));
    }
    pipeline.set_state(gst::State::Playing).expect("PLAYING");
    for (n, chunk) in rtp_in.chunks(batch).enumerate() {
        if batch == 1 {
            rtp_src
                .push_buffer(gst::Buffer::from_slice(chunk[0].clone()))
                .expect("push");
        } else {
            let mut list = gst::BufferList::new_sized(chunk.len());
            for p in chunk {
                list.get_mut()
                    .unwrap()
                    .add(gst::Buffer::from_slice(p.clone()));
            }
            rtp_src.push_buffer_list(list).expect("push");
        }
        for i in n * batch..n * batch + chunk.len() {
            if i % 10 == 0 {
                rtcp_src
                    .push_buffer(gst::Buffer::from_slice(rtcp_in[i / 10].clone()))
                    .expect("push");
            }
        }
    }
    rtp_src.end_of_stream().expect("EOS");
    rtcp_src.end_of_stream().expect("EOS");
    run_to_eos(&pipeline, Duration::from_secs(60));

    let rtp_got = rtp_out.lock().unwrap();
    let rtcp_got = rtcp_out.lock().unwrap();
    assert_eq!(
        rtp_got.len(),
        RTP_PACKETS,
        "{}: RTP packets through",
        suite.name
    );
    assert_eq!(
        rtcp_got.len(),
        RTCP_PACKETS,
        "{}: RTCP packets through",
        suite.name
    );
    for (i, (got, sent)) in rtp_got.iter().zip(&rtp_in).enumerate() {
        assert_eq!(got, sent, "{} RTP packet {i}", suite.name);
    }
    for (i, (got, sent)) in rtcp_got.iter().zip(&rtcp_in).enumerate() {
        assert_eq!(got, sent, "{} RTCP packet {i}", suite.name);
    }
    if decoder == "callsealsrtpdec" {
        let dec = pipeline.by_name("dec").unwrap();
        let stats = dec.property::<gst::Structure>("stats");
        assert_eq!(
            stat(&stats, "recv-count"),
            (RTP_PACKETS + RTCP_PACKETS) as u64
        );
        assert_eq!(stat(&stats, "recv-drop-count"), 0);
    }
}

#[test]
fn callsealsrtpenc_to_srtpdec_all_suites() {
    for suite in libsrtp_suites() {
        round_trip(suite, "callsealsrtpenc", "srtpdec", 1);
    }
}

#[test]
fn srtpenc_to_callsealsrtpdec_all_suites() {
    for suite in libsrtp_suites() {
        round_trip(suite, "srtpenc", "callsealsrtpdec", 1);
    }
}

/// Both ends callseal, for completeness of the matrix.
#[test]
fn callsealsrtpenc_to_callsealsrtpdec_all_suites() {
    for suite in &SUITES {
        round_trip(suite, "callsealsrtpenc", "callsealsrtpdec", 1);
    }
}

/// Buffer lists (the encoder protects a list under one lock and pushes a list). The decoder is
/// callseal's: GStreamer 1.22's `srtpdec` unreferences a buffer it did not own when the buffer
/// is shared (as every buffer of a list is), in `gst_srtp_dec_decode_buffer`'s
/// `gst_buffer_make_writable` on a local copy of the pointer.
#[test]
fn callsealsrtpenc_buffer_lists_all_suites() {
    for suite in &SUITES {
        round_trip(suite, "callsealsrtpenc", "callsealsrtpdec", 16);
    }
}
