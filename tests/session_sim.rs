//! A deterministic two-endpoint simulator: a network with loss, reordering, duplication and
//! delay, and a hostile relay that tampers, replays, reflects, swaps payloads between streams
//! and cuts traffic. Minutes of simulated call time, all three media kinds, several rekeys.

mod common;

use callseal::handshake::{Callee, Caller, Established, HandshakeConfig};
use callseal::rtp_sframe::SframeMode;
use callseal::session::{Call, CallConfig, Event, Layers, Packets, Rejected, RekeyCause};
use callseal::sframe::Grace;
use callseal::Feature;
use callseal::{Direction, Epoch, Error, Intent, MediaKind, Role, Ssrc};
use common::{deliver, handshake_with, packets, random, InFlight, Pair};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::time::Duration;

const CTX: &[u8] = b"simulated call | alice | bob";

/// A handshake of an `on` caller and a callee with `callee`, from a generator seeded with
/// `seed` in every byte.
fn handshake(seed: u8, callee: Intent) -> (Established, Established) {
    handshake_with(
        &mut ChaCha8Rng::from_seed([seed; 32]),
        CTX,
        Intent::On,
        callee,
    )
}

/// Both ends of an end-to-end call with `layers` and `grace`, from the handshake of `seed`.
fn calls(layers: Layers, grace: Grace, seed: u8) -> [Call; 2] {
    calls_in(layers, SframeMode::PerFrame, grace, seed)
}

/// As [`calls`], with per-frame or per-packet SFrame.
fn calls_in(layers: Layers, mode: SframeMode, grace: Grace, seed: u8) -> [Call; 2] {
    let ends = handshake(seed, Intent::On);
    Pair::from_ends(ends, layers, |c| c.with_grace(grace).with_sframe_mode(mode)).into_calls()
}

/// The frames one side sends: ids in the first bytes so the receiver finds the original.
struct Media {
    rng: ChaCha8Rng,
    side: u8,
    n: [u32; 3],
}

impl Media {
    fn frame(&mut self, kind: MediaKind, lo: usize, hi: usize) -> Vec<u8> {
        let len = lo + self.rng.next_u32() as usize % (hi - lo + 1);
        let mut f = vec![0u8; len.max(6)];
        self.rng.fill_bytes(&mut f);
        f[0] = self.side;
        f[1] = kind as u8;
        f[2..6].copy_from_slice(&self.n[kind as usize].to_be_bytes());
        self.n[kind as usize] += 1;
        f
    }

    /// Frames due in the 10 ms step `step`.
    fn due(&mut self, step: u64) -> Vec<(MediaKind, Vec<u8>)> {
        let ms = step * 10;
        let mut out = Vec::new();
        if ms % 20 == 0 {
            out.push((MediaKind::Audio, self.frame(MediaKind::Audio, 40, 200)));
        }
        if ms % 30 == 0 {
            let key = ms % 2000 == 0;
            let (lo, hi) = if key { (15_000, 25_000) } else { (800, 5_000) };
            out.push((MediaKind::Video, self.frame(MediaKind::Video, lo, hi)));
        }
        if ms % 3000 < 30 && ms % 10 == 0 {
            out.push((
                MediaKind::Screen,
                self.frame(MediaKind::Screen, 30_000, 80_000),
            ));
        }
        out
    }
}

/// What the network and the relay do.
#[derive(Clone, Copy, Default)]
struct Net {
    loss: u32,
    dup: u32,
    jitter_ms: u64,
    tamper: u32,
    replay: u32,
    reflect: u32,
    swap: u32,
    /// Traffic is cut for `cut_ms` every 20 s.
    cut_ms: u64,
}

#[derive(Default, Debug)]
struct Tally {
    sent: [u64; 2],
    delivered: [u64; 2],
    /// What each side learned from its events alone: the epoch it sends with, the peer's,
    /// how many rekeys it started (and why), how many times old keys were retired.
    epoch: [u32; 2],
    peer_epoch: [u32; 2],
    rekeys: [u32; 2],
    interval_rekeys: [u32; 2],
    soft_limits: [u32; 2],
    retired: [u32; 2],
    /// Times `handle_timeout` ran: only when `poll_timeout` said.
    timeouts: [u32; 2],
    mismatched: u64,
    duplicated: u64,
    tampered: u64,
    replayed: u64,
    reflected: u64,
    swapped: u64,
    cut: u64,
    lost: u64,
}

/// Run `seconds` of call time; rekeys at `rekeys` (ms, side).
fn simulate(
    calls: &mut [Call; 2],
    net: Net,
    seconds: u64,
    rekeys: &[(u64, usize)],
    seed: u64,
) -> Tally {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut media = [0u8, 1].map(|side| Media {
        rng: ChaCha8Rng::seed_from_u64(seed * 7 + side as u64),
        side,
        n: [0; 3],
    });
    let mut sent: HashMap<(u8, u8, u32), Vec<u8>> = HashMap::new();
    let mut seen: HashSet<(u8, u8, u32)> = HashSet::new();
    let mut queue = BinaryHeap::new();
    let mut history: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut tally = Tally::default();
    let mut order = 0u64;
    let mut packets = Packets::new();
    let roll =
        |rng: &mut ChaCha8Rng, per_mille: u32| per_mille > 0 && rng.next_u32() % 1000 < per_mille;
    // The last steps only deliver what is still on its way.
    for step in 0..seconds * 100 + 50 {
        let ms = step * 10;
        let sending = step < seconds * 100;
        let now = Duration::from_millis(ms);
        for &(at, side) in rekeys {
            if at == ms {
                calls[side].rekey(now).unwrap();
            }
        }
        for side in 0..2 {
            // Timers run when the call says, never on a guess.
            if calls[side].poll_timeout().is_some_and(|t| t <= now) {
                calls[side].handle_timeout(now).unwrap();
                tally.timeouts[side] += 1;
            }
            let due = if sending {
                media[side].due(step)
            } else {
                Vec::new()
            };
            for (kind, frame) in due {
                packets.clear();
                let ts = (ms * 90) as u32;
                calls[side]
                    .send_frame(kind, &frame, ts, now, &mut packets)
                    .unwrap();
                tally.sent[side] += 1;
                sent.insert(
                    (
                        side as u8,
                        kind as u8,
                        u32::from_be_bytes(frame[2..6].try_into().unwrap()),
                    ),
                    frame,
                );
                for p in packets.iter() {
                    let to = 1 - side;
                    let cut = net.cut_ms > 0 && ms % 20_000 < net.cut_ms;
                    if cut {
                        tally.cut += 1;
                        continue;
                    }
                    if roll(&mut rng, net.loss) {
                        tally.lost += 1;
                        continue;
                    }
                    let delay = 20
                        + if net.jitter_ms > 0 {
                            rng.next_u64() % net.jitter_ms
                        } else {
                            0
                        };
                    let mut push = |bytes: Vec<u8>, to: usize, extra: u64| {
                        order += 1;
                        queue.push(InFlight {
                            at: ms + delay + extra,
                            order,
                            to,
                            bytes,
                        });
                    };
                    if roll(&mut rng, net.tamper) {
                        let mut t = p.to_vec();
                        let bit = rng.next_u32() as usize % (t.len() * 8);
                        t[bit / 8] ^= 1 << (bit % 8);
                        push(t, to, 0);
                        tally.tampered += 1;
                    }
                    if roll(&mut rng, net.reflect) {
                        push(p.to_vec(), side, 0);
                        tally.reflected += 1;
                    }
                    if roll(&mut rng, net.replay) && !history.is_empty() {
                        let i = rng.next_u32() as usize % history.len();
                        let (h_to, h) = history[i].clone();
                        push(h, h_to, 0);
                        tally.replayed += 1;
                    }
                    if roll(&mut rng, net.swap) {
                        // Another stream's payload under this packet's header.
                        if let Some((_, other)) = history
                            .iter()
                            .rev()
                            .find(|(t, h)| *t == to && h[8..12] != p[8..12] && h.len() > 12)
                        {
                            let mut s = p[..12].to_vec();
                            s.extend_from_slice(&other[12..]);
                            push(s, to, 0);
                            tally.swapped += 1;
                        }
                    }
                    if roll(&mut rng, net.dup) {
                        push(p.to_vec(), to, 5);
                    }
                    push(p.to_vec(), to, 0);
                    if history.len() >= 256 {
                        history.remove(0);
                    }
                    history.push((to, p.to_vec()));
                }
            }
        }
        while queue.peek().is_some_and(|f| f.at <= ms) {
            let InFlight { to, mut bytes, .. } = queue.pop().unwrap();
            if let Ok(Some(r)) = calls[to].receive_packet(&mut bytes, now) {
                let id = (
                    r.frame[0],
                    r.frame[1],
                    u32::from_be_bytes(r.frame[2..6].try_into().unwrap()),
                );
                assert_eq!(r.kind as u8, id.1, "frame delivered on another stream");
                match sent.get(&id) {
                    Some(orig) if orig[..] == r.frame[..] && id.0 as usize == 1 - to => {
                        if seen.insert(id) {
                            tally.delivered[to] += 1;
                        } else {
                            tally.duplicated += 1;
                        }
                    }
                    _ => tally.mismatched += 1,
                }
            }
        }
        for (side, call) in calls.iter_mut().enumerate() {
            while let Some(event) = call.poll_event() {
                tally.observe(side, event);
            }
        }
    }
    for (side, call) in calls.iter().enumerate() {
        assert_eq!(call.events_dropped(), 0);
        // The events told the whole story: they agree with the call's own state.
        assert_eq!(tally.epoch[side], call.epoch().0, "{tally:?}");
        assert_eq!(tally.peer_epoch[side], call.peer_epoch().0, "{tally:?}");
    }
    tally
}

impl Tally {
    fn observe(&mut self, side: usize, event: Event) {
        match event {
            Event::RekeyStarted { epoch, cause } => {
                assert_eq!(epoch.0, self.epoch[side] + 1, "{event:?}");
                self.rekeys[side] += 1;
                self.interval_rekeys[side] += u32::from(cause == RekeyCause::Interval);
            }
            Event::EpochStarted { epoch } => {
                assert_eq!(epoch.0, self.epoch[side] + 1, "{event:?}");
                self.epoch[side] = epoch.0;
            }
            Event::PeerMoved { epoch } => {
                assert_eq!(epoch.0, self.peer_epoch[side] + 1, "{event:?}");
                self.peer_epoch[side] = epoch.0;
            }
            Event::KeysRetired { below } => {
                assert!(below.0 <= self.peer_epoch[side], "{event:?}");
                self.retired[side] += 1;
            }
            Event::SoftLimitReached { .. } => self.soft_limits[side] += 1,
            other => panic!("unknown event {other:?}"),
        }
    }
}

fn rejected(c: &Call) -> Rejected {
    let mut r = *c.unattributed();
    for kind in MediaKind::ALL {
        let x = c.stats(c.role().recv_direction(), kind).rejected;
        r.authentication += x.authentication;
        r.replay += x.replay;
        r.too_old += x.too_old;
        r.unknown_key += x.unknown_key;
        r.malformed += x.malformed;
    }
    r
}

fn rekey_schedule() -> Vec<(u64, usize)> {
    // Both sides rekey, several times, sometimes close together.
    vec![
        (20_000, 0),
        (40_000, 1),
        (60_000, 0),
        (60_010, 1),
        (95_000, 1),
        (130_000, 0),
        (160_000, 0),
    ]
}

fn lossy() -> Net {
    Net {
        loss: 10,
        dup: 10,
        jitter_ms: 40,
        ..Net::default()
    }
}

fn check_clean_run(layers: Layers, mode: SframeMode) {
    let mut c = calls_in(layers, mode, Grace::Frames(512), 11);
    let t = simulate(&mut c, lossy(), 180, &rekey_schedule(), 5);
    assert_eq!(t.mismatched, 0, "{t:?}");
    assert_eq!(t.duplicated, 0, "{t:?}");
    assert!(t.epoch[0] >= 5 && t.epoch[0] == t.epoch[1], "{t:?}");
    // Seven rekeys asked for, each a fresh epoch; the peer's previous keys retired on the way.
    assert_eq!(t.rekeys[0] + t.rekeys[1], 7, "{t:?}");
    assert!(t.retired[0] >= 4 && t.retired[1] >= 4, "{t:?}");
    for side in 0..2 {
        // 1% loss per packet: a large frame of 20+ packets is lost more often, so the bound is
        // on frames overall.
        let ratio = t.delivered[1 - side] as f64 / t.sent[side] as f64;
        assert!(ratio > 0.9, "side {side}: {ratio} {t:?}");
        let r = rejected(&c[1 - side]);
        // Without an attacker, only duplicates are rejected; nothing fails authentication and no
        // key is missing across the rekeys.
        assert_eq!(r.authentication, 0, "{r:?}");
        assert_eq!(r.unknown_key, 0, "{r:?}");
        assert_eq!(r.malformed, 0, "{r:?}");
    }
}

#[test]
fn simulated_call_sframe_inside_srtp() {
    check_clean_run(Layers::Both, SframeMode::PerFrame);
}

#[test]
fn simulated_call_srtp_end_to_end() {
    check_clean_run(Layers::Srtp, SframeMode::PerFrame);
}

#[test]
fn simulated_call_sframe_only() {
    check_clean_run(Layers::Sframe, SframeMode::PerFrame);
}

#[test]
fn simulated_call_per_packet_sframe_inside_srtp() {
    check_clean_run(Layers::Both, SframeMode::PerPacket);
}

#[test]
fn simulated_call_per_packet_sframe_only() {
    check_clean_run(Layers::Sframe, SframeMode::PerPacket);
}

#[test]
fn hostile_relay_every_attack_rejected_and_counted() {
    for (layers, mode) in [
        (Layers::Both, SframeMode::PerFrame),
        (Layers::Srtp, SframeMode::PerFrame),
        (Layers::Sframe, SframeMode::PerFrame),
        (Layers::Both, SframeMode::PerPacket),
        (Layers::Sframe, SframeMode::PerPacket),
    ] {
        let mut c = calls_in(layers, mode, Grace::Frames(512), 12);
        let net = Net {
            tamper: 20,
            replay: 20,
            reflect: 20,
            swap: 20,
            cut_ms: 1500,
            ..lossy()
        };
        let t = simulate(&mut c, net, 120, &rekey_schedule()[..4], 9);
        assert_eq!(t.mismatched, 0, "{layers:?} {mode:?} {t:?}");
        assert_eq!(t.duplicated, 0, "{layers:?} {mode:?} {t:?}");
        assert!(
            t.tampered > 50 && t.replayed > 50 && t.reflected > 50 && t.swapped > 50 && t.cut > 0
        );
        let r = [rejected(&c[0]), rejected(&c[1])];
        let total: u64 = r.iter().map(Rejected::total).sum();
        let injected = t.tampered + t.replayed + t.reflected + t.swapped;
        if layers == Layers::Sframe {
            // Without a packet layer a frame is checked once it is whole: one bad fragment
            // costs the frame, and several injected packets can hit the same frame.
            assert!(total > injected / 2, "{layers:?} {mode:?} {r:?} {t:?}");
        } else {
            assert!(total >= injected, "{layers:?} {mode:?} {r:?} {t:?}");
            let auth: u64 = r.iter().map(|x| x.authentication).sum();
            assert!(
                auth >= t.tampered + t.swapped / 2,
                "{layers:?} {mode:?} {r:?} {t:?}"
            );
            let replay: u64 = r.iter().map(|x| x.replay + x.too_old).sum();
            assert!(replay >= t.replayed, "{layers:?} {mode:?} {r:?} {t:?}");
        }
        // Reflected packets carry the receiver's own SSRC: no key for them (a tampered SSRC
        // lands here too).
        let unattributed: u64 = [&c[0], &c[1]]
            .iter()
            .map(|c| c.unattributed().unknown_key)
            .sum();
        assert!(
            unattributed >= t.reflected,
            "{layers:?} {unattributed} {t:?}"
        );
        assert!(t.epoch[0] >= 3, "{t:?}");
    }
}

#[test]
fn tamper_is_rejected_and_state_unchanged() {
    for layers in [Layers::Both, Layers::Srtp, Layers::Sframe] {
        let [mut a, mut b] = calls(layers, Grace::Frames(16), 1);
        let p = packets(&mut a, MediaKind::Audio, b"hello bob", 1000, Duration::ZERO);
        for i in 0..p[0].len() * 8 {
            let mut t = p.clone();
            t[0][i / 8] ^= 1 << (i % 8);
            match deliver(&mut b, t, Duration::ZERO) {
                Err(_) => {}
                // Without SRTP the RTP header and the descriptor are not protected (relays may
                // rewrite them): a flip there may still deliver, but only the original frame.
                Ok(got) => {
                    assert_eq!(layers, Layers::Sframe, "bit {i}");
                    assert!(i < (12 + 1) * 8, "bit {i} of the sealed frame went through");
                    if let Some((_, f)) = got {
                        assert_eq!(f, b"hello bob");
                        b = calls(layers, Grace::Frames(16), 1)
                            .into_iter()
                            .nth(1)
                            .unwrap();
                    }
                }
            }
        }
        assert_eq!(
            deliver(&mut b, p, Duration::ZERO).unwrap().unwrap().1,
            b"hello bob"
        );
    }
}

#[test]
fn replay_is_rejected() {
    for layers in [Layers::Both, Layers::Srtp, Layers::Sframe] {
        let [mut a, mut b] = calls(layers, Grace::Frames(16), 2);
        let p = packets(&mut a, MediaKind::Video, &[7; 5000], 1000, Duration::ZERO);
        assert!(deliver(&mut b, p.clone(), Duration::ZERO)
            .unwrap()
            .is_some());
        assert_eq!(
            deliver(&mut b, p, Duration::ZERO).err(),
            Some(Error::Replay),
            "{layers:?}"
        );
        let r = b
            .stats(Direction::CallerToCallee, MediaKind::Video)
            .rejected;
        assert_eq!(r.replay, 1, "{layers:?}");
    }
}

#[test]
fn reflection_is_rejected() {
    for layers in [Layers::Both, Layers::Srtp, Layers::Sframe] {
        let [mut a, _] = calls(layers, Grace::Frames(16), 3);
        let p = packets(&mut a, MediaKind::Audio, b"echo", 1000, Duration::ZERO);
        assert_eq!(
            deliver(&mut a, p, Duration::ZERO).err(),
            Some(Error::UnknownKey)
        );
        assert_eq!(a.unattributed().unknown_key, 1);
    }
    // Even relabelled with the peer's SSRC, the other direction's keys do not open it.
    let (ea, _) = handshake(4, Intent::On);
    let cfg = CallConfig::new(Role::Caller).with_layers(Layers::Srtp);
    let mut a = Call::new(ea, cfg, None).unwrap();
    let mut p = packets(&mut a, MediaKind::Audio, b"echo", 1000, Duration::ZERO);
    let peer_audio = a.remote_ssrcs()[MediaKind::Audio as usize];
    p[0][8..12].copy_from_slice(&peer_audio.0.to_be_bytes());
    assert_eq!(
        deliver(&mut a, p, Duration::ZERO).err(),
        Some(Error::Authentication)
    );
    // And one SSRC for two streams is refused outright.
    let (ea, _) = handshake(5, Intent::On);
    let same = [Ssrc(1), Ssrc(2), Ssrc(3)];
    let cfg = CallConfig::new(Role::Caller)
        .with_layers(Layers::Srtp)
        .with_ssrcs(same, same);
    assert_eq!(Call::new(ea, cfg, None).err(), Some(Error::DuplicateSsrc));
}

#[test]
fn cross_stream_key_confusion_is_rejected() {
    // An audio packet under the video stream's SSRC: the video keys do not open it.
    for layers in [Layers::Both, Layers::Srtp, Layers::Sframe] {
        let [mut a, mut b] = calls(layers, Grace::Frames(16), 5);
        let audio = packets(
            &mut a,
            MediaKind::Audio,
            b"audio frame",
            1000,
            Duration::ZERO,
        );
        let video_ssrc = a.local_ssrcs()[MediaKind::Video as usize];
        let mut moved = audio.clone();
        moved[0][8..12].copy_from_slice(&video_ssrc.0.to_be_bytes());
        let e = deliver(&mut b, moved, Duration::ZERO).unwrap_err();
        assert!(
            matches!(e, Error::Authentication | Error::UnknownKey),
            "{layers:?} {e:?}"
        );
        // The genuine packet still opens on its own stream.
        assert_eq!(
            deliver(&mut b, audio, Duration::ZERO).unwrap().unwrap().1,
            b"audio frame"
        );
    }
}

#[test]
fn stale_epoch_after_grace_is_rejected() {
    for layers in [Layers::Both, Layers::Srtp, Layers::Sframe] {
        let [mut a, mut b] = calls(layers, Grace::Frames(3), 6);
        let t0 = Duration::ZERO;
        let late = packets(&mut a, MediaKind::Audio, b"epoch 0, late", 1000, t0);
        let stale = packets(&mut a, MediaKind::Audio, b"epoch 0, stale", 1000, t0);
        a.rekey(t0).unwrap();
        assert_eq!(a.epoch(), Epoch(1));
        let new: Vec<_> = (0..5)
            .map(|i| packets(&mut a, MediaKind::Audio, &[i; 50], 1000, t0))
            .collect();
        // The first frame of epoch 1 moves bob to it, and bob follows with his own sending.
        assert!(deliver(&mut b, new[0].clone(), t0).unwrap().is_some());
        assert_eq!(b.epoch(), Epoch(1));
        let reply = packets(&mut b, MediaKind::Audio, b"bob follows", 1000, t0);
        assert!(deliver(&mut a, reply, t0).unwrap().is_some());
        assert_eq!(a.peer_epoch(), Epoch(1));
        // A late epoch-0 frame within the grace still opens.
        assert_eq!(
            deliver(&mut b, late, t0).unwrap().unwrap().1,
            b"epoch 0, late"
        );
        // Past the grace (3 more frames of epoch 1), epoch 0 is gone.
        for p in &new[1..] {
            deliver(&mut b, p.clone(), t0).unwrap().unwrap();
        }
        assert_eq!(
            deliver(&mut b, stale, t0).err(),
            Some(Error::UnknownKey),
            "{layers:?}"
        );
        let r = b
            .stats(Direction::CallerToCallee, MediaKind::Audio)
            .rejected;
        assert_eq!(r.unknown_key, 1, "{layers:?}");
    }
}

#[test]
fn man_in_the_middle_changing_an_intent_is_detected() {
    let mut rng = ChaCha8Rng::from_seed([9; 32]);
    let (mut caller, mut offer) =
        Caller::offer_with_random(&HandshakeConfig::new(Intent::On), CTX, random(&mut rng))
            .unwrap();
    offer[2] = Intent::Off.byte();
    let (_, answer) = Callee::accept_with_random(
        &HandshakeConfig::new(Intent::On),
        CTX,
        &offer,
        random(&mut rng),
    )
    .unwrap();
    assert_eq!(caller.finish(&answer).err(), Some(Error::Authentication));
}

#[test]
fn end_to_end_calls_gate_features() {
    let [a, _] = calls(Layers::Both, Grace::Frames(16), 7);
    for f in Feature::ALL {
        assert_eq!(a.check_feature(f), Err(Error::FeatureUnavailable(f)));
    }
}

#[test]
fn adding_a_participant_follows_the_configuration() {
    // End-to-end, allowed: AddParticipant alone goes through.
    for layers in [Layers::Srtp, Layers::Sframe, Layers::Both] {
        let ends = handshake(10, Intent::On);
        let [a, b] = Pair::from_ends(ends, layers, |c| c.with_add_participant(true)).into_calls();
        for call in [&a, &b] {
            assert!(call.is_end_to_end());
            for f in Feature::ALL {
                let expected = if f == Feature::AddParticipant {
                    Ok(())
                } else {
                    Err(Error::FeatureUnavailable(f))
                };
                assert_eq!(call.check_feature(f), expected, "{layers:?} {f:?}");
            }
        }
    }
    // End-to-end, the default and explicitly off: refused, as in Teams.
    let ends = handshake(11, Intent::On);
    let [a, _] =
        Pair::from_ends(ends, Layers::Both, |c| c.with_add_participant(false)).into_calls();
    assert_eq!(
        a.check_feature(Feature::AddParticipant),
        Err(Error::FeatureUnavailable(Feature::AddParticipant))
    );
    assert!(!CallConfig::new(Role::Caller).add_participant);
    // A standard call can add a participant whatever the configuration says.
    for allow in [false, true] {
        let ends = handshake(12, Intent::Off);
        let [a, _] =
            Pair::from_ends(ends, Layers::Both, |c| c.with_add_participant(allow)).into_calls();
        assert!(!a.is_end_to_end());
        for f in Feature::ALL {
            assert_eq!(a.check_feature(f), Ok(()), "{allow} {f:?}");
        }
    }
}

#[test]
fn standard_call_runs_hop_by_hop_srtp() {
    let (ea, _) = handshake(8, Intent::Off);
    assert!(Call::new(ea, CallConfig::new(Role::Caller), None).is_err());
    let ends = handshake(8, Intent::Off);
    let [mut a, mut b] = Pair::from_ends(ends, Layers::Both, |c| c).into_calls();
    assert!(!a.is_end_to_end());
    assert_eq!(a.layers(), Layers::Srtp);
    for f in Feature::ALL {
        assert!(a.check_feature(f).is_ok());
    }
    assert_eq!(a.rekey(Duration::ZERO).err(), Some(Error::NotEndToEnd));
    let p = packets(
        &mut a,
        MediaKind::Screen,
        &[3; 70_000],
        1000,
        Duration::ZERO,
    );
    assert!(p.iter().all(|p| p.len() <= 1200));
    assert_eq!(
        deliver(&mut b, p, Duration::ZERO).unwrap().unwrap().1,
        vec![3; 70_000]
    );
}

#[test]
fn rekey_on_an_interval_and_at_the_soft_limit() {
    // Interval: every 10 s of call time.
    let configs = [
        CallConfig::sframe_only(Role::Caller).with_rekey_interval(Duration::from_secs(10)),
        CallConfig::sframe_only(Role::Callee),
    ];
    let mut c = Pair::from_configs(handshake(21, Intent::On), configs).into_calls();
    let t = simulate(&mut c, Net::default(), 65, &[], 3);
    assert_eq!(t.mismatched, 0);
    assert_eq!(t.delivered[1], t.sent[0]);
    assert!(t.epoch[0] >= 5, "{t:?}");
    assert_eq!(t.epoch[0], t.epoch[1]);
    // Every rekey came from the caller's interval, and its timer ran once per rekey.
    assert_eq!(t.interval_rekeys[0], t.epoch[0], "{t:?}");
    assert_eq!(t.timeouts[0], t.epoch[0], "{t:?}");
    assert_eq!(t.timeouts[1], 0, "{t:?}");
    // Soft limit: a key seals at most 400 frames; the rekey starts at three quarters.
    let ends = handshake(22, Intent::On);
    let mut c = Pair::from_ends(ends, Layers::Sframe, |c| c.with_frame_limit(400)).into_calls();
    let t = simulate(&mut c, lossy(), 60, &[], 4);
    assert_eq!(t.mismatched, 0);
    // 50 audio frames a second on one key: about one rekey every 6 s, never a refused frame.
    assert!(t.epoch[0] >= 8, "{t:?}");
    assert!(
        t.soft_limits[0] >= 8 && t.rekeys[0] == t.soft_limits[0],
        "{t:?}"
    );
    assert!(t.delivered[1] as f64 > 0.9 * t.sent[0] as f64);
}

#[test]
fn both_ends_export_the_same_secrets_for_the_whole_call() {
    use callseal::rtp_sframe::{packetize_protected, PayloadOrigin, Reassembler, RtpFields};
    use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};

    let mut pair = Pair::new(Layers::Both, 41, |c| c);
    let a1 = pair.a.export_secret(b"label one").unwrap();
    assert!(a1.ct_eq(&pair.b.export_secret(b"label one").unwrap()));
    assert!(!a1.ct_eq(&pair.a.export_secret(b"label two").unwrap()));
    // Rekeys do not change it.
    pair.a.rekey(Duration::from_secs(1)).unwrap();
    pair.send(true, MediaKind::Audio, &[1; 50], Duration::from_secs(1))
        .unwrap();
    assert_eq!(pair.b.epoch().0, 1);
    assert!(a1.ct_eq(&pair.b.export_secret(b"label one").unwrap()));
    // Another call, another secret; a standard call has none.
    let other = Pair::new(Layers::Both, 42, |c| c);
    assert!(!a1.ct_eq(&other.a.export_secret(b"label one").unwrap()));
    let (a, _) = handshake(43, Intent::Off);
    let standard = Call::new(
        a,
        CallConfig::new(Role::Caller),
        Some(common::hop_keys(1, 2)),
    )
    .unwrap();
    assert_eq!(
        standard.export_secret(b"label one").map(|_| ()),
        Err(Error::NotEndToEnd)
    );

    // packetize_protected: SRTP packets within the size, which unprotect and reassemble.
    let keys = common::hop_keys(7, 7);
    let mut tx = SrtpSender::new(&keys.outbound, SrtpConfig::default()).unwrap();
    let mut rx = SrtpReceiver::new(&keys.inbound, SrtpConfig::default()).unwrap();
    let fields = RtpFields {
        ssrc: callseal::Ssrc(9),
        payload_type: 96,
        timestamp: 3000,
        marker: true,
    };
    let payload: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
    let mut out = Packets::new();
    let next = packetize_protected(
        &fields,
        65_534,
        &payload,
        PayloadOrigin::Raw,
        1200,
        Some(&mut tx),
        &mut out,
    )
    .unwrap();
    assert_eq!(out.len(), 5);
    assert_eq!(next, 65_534u16.wrapping_add(5));
    let mut re = Reassembler::new(8192, 16384, 16).unwrap();
    let mut got = None;
    for p in out.iter() {
        assert!(p.len() <= 1200);
        let mut p = p.to_vec();
        let plain = rx.unprotect_rtp(&mut p).unwrap();
        if let Some(r) = re.push(plain).unwrap() {
            got = Some(r.payload.to_vec());
        }
    }
    assert_eq!(got, Some(payload.clone()));
    // No room for a byte of payload, or a packet the sender refuses (an index it used):
    // refused, nothing appended.
    let before = out.len();
    let mut again = |max, seq| {
        packetize_protected(
            &fields,
            seq,
            &payload,
            PayloadOrigin::Raw,
            max,
            Some(&mut tx),
            &mut out,
        )
    };
    assert_eq!(again(28, 0), Err(Error::InvalidConfig));
    assert_eq!(again(1200, 65_535), Err(Error::Replay));
    assert_eq!(out.len(), before);
}
