//! Throughput of `callsealsrtpenc` beside `srtpenc` (libsrtp) in the same GStreamer pipeline,
//! `appsrc → encoder → fakesink`, on 1,200-byte RTP packets, for the four suites both do.
//!
//! ```text
//! cargo run -p gst-plugin-callseal --release --example srtpenc_throughput [-- PACKETS ROUNDS]
//! ```
//!
//! Rounds are interleaved (callseal, libsrtp, pass-through, callseal, …) so that a change of
//! machine load hits every encoder alike; each figure is the median of the rounds. Rates are
//! packets per second of the process's CPU time (all its threads: appsrc's, the streaming
//! thread, the pushing one), which other processes on a shared machine disturb far less than
//! wall time; the wall-time ratio is printed beside. The pass-through column (`identity` in
//! the encoder's place) is what the pipeline itself costs.

use std::time::{Duration, Instant};

use gst::prelude::*;

const PAYLOAD: usize = 1200 - 12;
const SSRC: u32 = 0x0bad_cafe;

struct Suite {
    name: &'static str,
    props: &'static str,
}

const SUITES: [Suite; 4] = [
    Suite {
        name: "AES_CM_128_HMAC_SHA1_80",
        props: "rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-80 rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80",
    },
    Suite {
        name: "AES_CM_128_HMAC_SHA1_32",
        props: "rtp-cipher=aes-128-icm rtp-auth=hmac-sha1-32 rtcp-cipher=aes-128-icm rtcp-auth=hmac-sha1-80",
    },
    Suite {
        name: "AEAD_AES_128_GCM",
        props: "rtp-cipher=aes-128-gcm rtp-auth=null rtcp-cipher=aes-128-gcm rtcp-auth=null",
    },
    Suite {
        name: "AEAD_AES_256_GCM",
        props: "rtp-cipher=aes-256-gcm rtp-auth=null rtcp-cipher=aes-256-gcm rtcp-auth=null",
    },
];

/// `count` RTP packets of 1,200 bytes with consecutive sequence numbers.
fn packets(count: usize) -> Vec<gst::Buffer> {
    (0..count)
        .map(|i| {
            let mut p = vec![0u8; 12 + PAYLOAD];
            p[0] = 0x80;
            p[1] = 96;
            p[2..4].copy_from_slice(&(i as u16).to_be_bytes());
            p[4..8].copy_from_slice(&(i as u32 * 3000).to_be_bytes());
            p[8..12].copy_from_slice(&SSRC.to_be_bytes());
            for (j, b) in p[12..].iter_mut().enumerate() {
                *b = (i + j) as u8;
            }
            gst::Buffer::from_slice(p)
        })
        .collect()
}

/// CPU time of the whole process (every thread).
fn cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to write.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Push every packet through `appsrc → element → fakesink`, one buffer at a time (`batch`
/// 1) or in buffer lists of `batch`, as RTP payloaders push them; the CPU and wall time to EOS.
fn round(element: &str, input: &[gst::Buffer], batch: usize) -> (Duration, Duration) {
    let line = format!(
        "appsrc name=src format=time block=true max-buffers=256 \
           caps=\"application/x-rtp,media=(string)video,clock-rate=(int)90000,payload=(int)96,ssrc=(uint){SSRC}\" \
         ! {element} ! fakesink sync=false"
    );
    let pipeline = gst::parse::launch(&line)
        .expect("the launch line parses")
        .downcast::<gst::Pipeline>()
        .expect("a pipeline");
    let src = pipeline
        .by_name("src")
        .unwrap()
        .downcast::<gst_app::AppSrc>()
        .unwrap();
    let bus = pipeline.bus().unwrap();
    pipeline.set_state(gst::State::Playing).expect("PLAYING");
    let start = Instant::now();
    let cpu_start = cpu_time();
    if batch == 1 {
        for b in input {
            src.push_buffer(b.clone()).expect("push");
        }
    } else {
        for chunk in input.chunks(batch) {
            let mut list = gst::BufferList::new_sized(chunk.len());
            let l = list.get_mut().unwrap();
            for b in chunk {
                l.add(b.clone());
            }
            src.push_buffer_list(list).expect("push");
        }
    }
    src.end_of_stream().expect("EOS");
    let msg = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(600),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("EOS in time");
    let elapsed = (cpu_time() - cpu_start, start.elapsed());
    if let gst::MessageView::Error(e) = msg.view() {
        panic!("{element}: {} {:?}", e.error(), e.debug());
    }
    pipeline.set_state(gst::State::Null).unwrap();
    elapsed
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    gst::init().expect("GStreamer");
    gstcallseal::plugin_register_static().expect("the plugin");
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().map_or(100_000, |a| a.parse().expect("PACKETS"));
    let rounds: usize = args.next().map_or(5, |a| a.parse().expect("ROUNDS"));
    let input = packets(count);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!(
        "{count} RTP packets of 1200 bytes per round, {rounds} interleaved rounds, median; {cpu}"
    );
    for batch in [1usize, 32] {
        println!();
        if batch == 1 {
            println!("one buffer per push:");
        } else {
            println!("buffer lists of {batch}:");
        }
        println!(
            "{:<26} {:>14} {:>14} {:>8} {:>8} {:>18}",
            "suite", "callseal pkt/s", "srtpenc pkt/s", "ratio", "wall", "pass-through pkt/s"
        );
        for suite in &SUITES {
            let mut rates: [Vec<f64>; 6] = Default::default();
            let rate = |d: Duration| count as f64 / d.as_secs_f64();
            for _ in 0..rounds {
                let elements = [
                    format!("callsealsrtpenc random-key=true {}", suite.props),
                    format!("srtpenc random-key=true {}", suite.props),
                    "identity".to_string(),
                ];
                for (i, e) in elements.iter().enumerate() {
                    let (cpu, wall) = round(e, &input, batch);
                    rates[i].push(rate(cpu));
                    rates[i + 3].push(rate(wall));
                }
            }
            let [o, t, p, ow, tw, _] = rates.map(median);
            println!(
                "{:<26} {:>14.0} {:>14.0} {:>7.2}x {:>7.2}x {:>18.0}",
                suite.name,
                o,
                t,
                o / t,
                ow / tw,
                p
            );
        }
    }
}
