//! A long call, simulated deterministically in every layer setting: audio always on, video off
//! for minutes at a time, screen share about a tenth of the time, loss, reordering and
//! duplication, and a rekey on an interval that carries the call across epochs 256 and 512.
//!
//! Every delivered frame must equal the original and arrive once; both ends must end on the same
//! epoch; no receive stream may ever hold more than `MAX_EPOCHS_HELD` epochs of keys; and the
//! memory the two calls hold must not grow after the first minute.
//!
//! `cargo test` runs 10 minutes of call time with a rekey every second (about 600 epochs).
//! `CALLSEAL_SOAK=full` runs 4 hours with a rekey every 20 s (720 epochs), as CI does in release.

mod common;

use callseal::session::{Call, Layers, Packets, MAX_EPOCHS_HELD};
use callseal::sframe::Grace;
use callseal::MediaKind;
use common::{alloc, InFlight, Pair};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

#[global_allocator]
static A: alloc::Counting = alloc::Counting;

/// Bytes allocated minus bytes freed inside the calls' own methods, on this thread.
mod held {
    use super::alloc;
    use std::cell::Cell;

    thread_local! {
        static BYTES: Cell<isize> = const { Cell::new(0) };
    }

    /// Run `f`, counting what it leaves allocated.
    pub fn inside<R>(f: impl FnOnce() -> R) -> R {
        let before = alloc::thread_net();
        let r = f();
        let grown = alloc::thread_net() - before;
        BYTES.with(|b| b.set(b.get() + grown));
        r
    }

    pub fn bytes() -> isize {
        BYTES.with(|b| b.get())
    }

    /// `n` bytes counted inside belong to the test (a copy of a delivered frame).
    pub fn not_the_calls(n: usize) {
        BYTES.with(|b| b.set(b.get() - n as isize));
    }
}

struct Plan {
    seconds: u64,
    rekey_every: Duration,
    /// Video on and off spans, and screen-share spans, in seconds.
    video_span: (u64, u64),
    screen_span: (u64, u64),
}

impl Plan {
    fn from_env() -> Plan {
        if std::env::var("CALLSEAL_SOAK").as_deref() == Ok("full") {
            Plan {
                seconds: 4 * 3600,
                rekey_every: Duration::from_secs(20),
                video_span: (60, 300),
                screen_span: (60, 240),
            }
        } else {
            Plan {
                seconds: 600,
                rekey_every: Duration::from_secs(1),
                video_span: (30, 120),
                screen_span: (15, 60),
            }
        }
    }
}

/// On/off spans from a seeded generator: `on(t)` says whether a medium is on at second `t`.
struct Spans {
    edges: Vec<u64>,
}

impl Spans {
    /// `on_share` is the share of time on (in percent); spans last `lo..=hi` seconds.
    fn new(
        rng: &mut ChaCha8Rng,
        seconds: u64,
        lo: u64,
        hi: u64,
        on_share: u64,
        start_on: bool,
    ) -> Self {
        let mut edges = Vec::new();
        let mut t = 0;
        let mut on = start_on;
        while t < seconds {
            let span = lo + rng.next_u64() % (hi - lo + 1);
            // Off spans are stretched so that the medium is on `on_share` percent of the time.
            t += if on {
                span
            } else {
                span * (100 - on_share) / on_share
            };
            edges.push(t);
            on = !on;
        }
        Spans { edges }
    }

    fn on(&self, t_ms: u64, start_on: bool) -> bool {
        let flips = self.edges.iter().take_while(|&&e| e * 1000 <= t_ms).count();
        (flips % 2 == 0) == start_on
    }
}

/// The frame with id `n` of stream `kind` sent by `side`: its bytes follow from those three,
/// so the receiver checks a delivered frame without anything stored.
fn frame(side: u8, kind: MediaKind, n: u32, burst: bool) -> Vec<u8> {
    let h = (u64::from(n) ^ (u64::from(side) << 40) ^ ((kind as u64) << 48))
        .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let len = match kind {
        MediaKind::Audio => 40 + (h % 160) as usize,
        MediaKind::Video if n % 60 == 0 => 15_000 + (h % 10_000) as usize,
        MediaKind::Video => 800 + (h % 4_200) as usize,
        MediaKind::Screen if burst => 30_000 + (h % 90_000) as usize,
        MediaKind::Screen => 500 + (h % 1_000) as usize,
    };
    let mut f = vec![0u8; len];
    f[0] = side;
    f[1] = kind as u8;
    f[2..6].copy_from_slice(&n.to_be_bytes());
    f[6] = u8::from(burst);
    let mut x = h | 1;
    for b in &mut f[7..] {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    f
}

/// Frame ids delivered, per sending side and stream.
#[derive(Default)]
struct Delivered(Vec<u64>);

impl Delivered {
    /// Record `n`; false if it was delivered before.
    fn insert(&mut self, n: u32) -> bool {
        let (w, b) = (n as usize / 64, 1u64 << (n % 64));
        if self.0.len() <= w {
            self.0.resize(w + 1, 0);
        }
        let new = self.0[w] & b == 0;
        self.0[w] |= b;
        new
    }
}

fn soak(layers: Layers, seed: u64) {
    let plan = Plan::from_env();
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let video = Spans::new(
        &mut rng,
        plan.seconds,
        plan.video_span.0,
        plan.video_span.1,
        50,
        true,
    );
    let screen = Spans::new(
        &mut rng,
        plan.seconds,
        plan.screen_span.0,
        plan.screen_span.1,
        10,
        false,
    );

    let mut p = held::inside(|| {
        Pair::new(layers, seed, |c| {
            c.with_rekey_interval(plan.rekey_every)
                .with_grace(Grace::Frames(256))
        })
    });
    let mut out = Packets::with_capacity(2 << 20, 2048);
    let mut queue = BinaryHeap::new();
    let mut order = 0u64;
    let mut next_id = [[0u32; 3]; 2];
    let mut delivered: [[Delivered; 3]; 2] = Default::default();
    let (mut sent, mut got, mut mismatched, mut duplicated) = ([0u64; 2], [0u64; 2], 0u64, 0u64);
    let (mut lost, mut dups) = (0u64, 0u64);
    let mut peak_keys = 0usize;
    let (mut peak_first_minute, mut peak_after) = (0isize, 0isize);
    let mut epochs_crossed = Vec::new();
    let steps = plan.seconds * 100;
    // The last second only delivers what is still on its way.
    for step in 0..steps + 100 {
        let ms = step * 10;
        let now = Duration::from_millis(ms);
        let sending = step < steps;
        for side in 0..2 {
            let call = if side == 0 { &mut p.a } else { &mut p.b };
            if call.poll_timeout().is_some_and(|t| t <= now) {
                held::inside(|| call.handle_timeout(now)).unwrap();
            }
            // Events are taken after every step, as an application takes them.
            held::inside(|| while call.poll_event().is_some() {});
            if !sending {
                continue;
            }
            let mut due = Vec::new();
            if ms % 20 == 0 {
                due.push((MediaKind::Audio, false));
            }
            if ms % 30 == 0 && video.on(ms, true) {
                due.push((MediaKind::Video, false));
            }
            if screen.on(ms, false) {
                // The content changes every 4 s: three large frames, then a small refresh a
                // second.
                let t = ms % 4000;
                if t < 30 {
                    due.push((MediaKind::Screen, true));
                } else if t % 1000 == 0 {
                    due.push((MediaKind::Screen, false));
                }
            }
            for (kind, burst) in due {
                let n = next_id[side][kind as usize];
                next_id[side][kind as usize] += 1;
                let f = frame(side as u8, kind, n, burst);
                out.clear();
                let ts = (ms * 90) as u32;
                held::inside(|| call.send_frame(kind, &f, ts, now, &mut out)).unwrap();
                sent[side] += 1;
                for q in out.iter() {
                    if rng.next_u32() % 1000 < 10 {
                        lost += 1;
                        continue;
                    }
                    let delay = 20 + rng.next_u64() % 40;
                    let copies = if rng.next_u32() % 1000 < 5 { 2 } else { 1 };
                    dups += copies - 1;
                    for c in 0..copies {
                        order += 1;
                        queue.push(InFlight {
                            at: ms + delay + c * 7,
                            order,
                            to: 1 - side,
                            bytes: q.to_vec(),
                        });
                    }
                }
            }
        }
        while queue.peek().is_some_and(|f| f.at <= ms) {
            let InFlight { to, mut bytes, .. } = queue.pop().unwrap();
            let call: &mut Call = if to == 0 { &mut p.a } else { &mut p.b };
            let r = held::inside(|| {
                call.receive_packet(&mut bytes, now)
                    .ok()
                    .flatten()
                    .map(|r| (r.kind, r.frame.to_vec()))
            });
            if let Some((kind, f)) = r {
                held::not_the_calls(f.capacity());
                let (side, n) = (
                    f[0] as usize,
                    u32::from_be_bytes(f[2..6].try_into().unwrap()),
                );
                let ok = side == 1 - to
                    && f[1] == kind as u8
                    && f == frame(side as u8, kind, n, f[6] == 1);
                if !ok {
                    mismatched += 1;
                } else if delivered[side][kind as usize].insert(n) {
                    got[side] += 1;
                } else {
                    duplicated += 1;
                }
            }
        }
        for call in [&p.a, &p.b] {
            for kind in MediaKind::ALL {
                let k = call.receive_keys(kind);
                assert!(
                    k <= MAX_EPOCHS_HELD,
                    "{layers:?} at {ms} ms: {kind:?} holds {k} keys"
                );
                peak_keys = peak_keys.max(k);
            }
        }
        let h = held::bytes();
        if ms <= 60_000 {
            peak_first_minute = peak_first_minute.max(h);
        } else {
            peak_after = peak_after.max(h);
        }
        for e in [256, 512] {
            if p.a.epoch().0 == e && !epochs_crossed.contains(&e) {
                epochs_crossed.push(e);
            }
        }
    }
    let report = format!(
        "{layers:?}: {} s of call time in {:.1} s; epochs {} / {}; frames sent {:?}, delivered {:?}; \
         packets lost {lost}, duplicated {dups}; peak keys per stream {peak_keys}; \
         memory held by both calls: {} bytes in the first minute, at most {} after",
        plan.seconds,
        started.elapsed().as_secs_f64(),
        p.a.epoch().0,
        p.b.epoch().0,
        sent,
        got,
        peak_first_minute,
        peak_after,
    );
    eprintln!("{report}");
    assert_eq!(mismatched, 0, "{report}");
    assert_eq!(duplicated, 0, "{report}");
    assert_eq!(p.a.epoch(), p.b.epoch(), "{report}");
    assert_eq!(epochs_crossed, [256, 512], "{report}");
    assert!(
        p.a.epoch().0 as u64 >= plan.seconds * 1000 / plan.rekey_every.as_millis() as u64 * 9 / 10,
        "{report}"
    );
    for side in 0..2 {
        // 1% of packets lost: large frames of many packets are lost more often.
        assert!(got[side] as f64 > 0.95 * sent[side] as f64, "{report}");
    }
    assert!(peak_after <= peak_first_minute, "{report}");
    assert_eq!(peak_keys, MAX_EPOCHS_HELD, "{report}");
}

#[test]
fn soak_sframe_inside_srtp() {
    soak(Layers::Both, 1);
}

#[test]
fn soak_srtp_end_to_end() {
    soak(Layers::Srtp, 2);
}

#[test]
fn soak_sframe_only() {
    soak(Layers::Sframe, 3);
}
