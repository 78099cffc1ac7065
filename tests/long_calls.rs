//! Regression tests for the defects long, mostly idle calls exposed, one or more per defect,
//! each named after it.

mod common;

use callseal::session::{Call, CallConfig, Layers, Packets, MAX_EPOCHS_HELD};
use callseal::sframe::{Grace, SframeConfig, SframeReceiver, SframeSender};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{
    Epoch, Error, Intent, KeyId, MediaKind, Role, SframeSuite, SrtpMasterKey, SrtpSuite, Ssrc,
};
use common::{handshake, hop_keys, Pair, LAYERS};
use std::collections::HashSet;
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn assert_keys_bounded(p: &Pair, what: &str) {
    for call in [&p.a, &p.b] {
        for kind in MediaKind::ALL {
            let n = call.receive_keys(kind);
            assert!(n <= MAX_EPOCHS_HELD, "{what}: {kind:?} holds {n} keys");
        }
    }
}

/// Defect 1: an idle stream broke the call at the 15th rekey, in every layer setting.
#[test]
fn idle_stream_survives_hundreds_of_rekeys() {
    for layers in LAYERS {
        let mut p = Pair::new(layers, 1, |c| c.with_grace(Grace::Frames(4)));
        for i in 0..300u64 {
            let now = ms(i * 100);
            if i % 2 == 0 {
                p.a.rekey(now).unwrap();
            } else {
                p.b.rekey(now).unwrap();
            }
            // Audio only, both ways: video and screen share are idle the whole time.
            for _ in 0..3 {
                let what = format!("{layers:?} rekey {i}");
                assert!(p
                    .send(true, MediaKind::Audio, &[1; 50], now)
                    .expect(&what)
                    .is_some());
                assert!(p
                    .send(false, MediaKind::Audio, &[2; 50], now)
                    .expect(&what)
                    .is_some());
            }
            assert_keys_bounded(&p, &format!("{layers:?} rekey {i}"));
        }
        assert_eq!(p.a.epoch(), Epoch(300), "{layers:?}");
        assert_eq!(p.b.epoch(), Epoch(300), "{layers:?}");
        // The idle streams work the moment they are used again.
        for kind in [MediaKind::Video, MediaKind::Screen] {
            let frame = vec![7u8; 30_000];
            let (e, got) = p.send(true, kind, &frame, ms(40_000)).unwrap().unwrap();
            assert_eq!((e, got), (Epoch(300), frame), "{layers:?} {kind:?}");
        }
    }
}

/// Defect 1, forward secrecy: a stream without traffic retires the previous epoch's key when
/// the grace ends, counted in frames on the other streams or in time with no traffic at all.
#[test]
fn idle_stream_retires_keys_at_the_end_of_the_grace() {
    for layers in LAYERS {
        let mut p = Pair::new(layers, 2, |c| c.with_grace(Grace::Frames(3)));
        p.a.rekey(ms(0)).unwrap();
        p.send(true, MediaKind::Audio, &[1; 40], ms(0))
            .unwrap()
            .unwrap();
        // Epoch 0 in its grace, 1 current, 2 installed ahead.
        assert_eq!(p.b.receive_keys(MediaKind::Screen), 3, "{layers:?}");
        for _ in 0..3 {
            p.send(true, MediaKind::Audio, &[1; 40], ms(0))
                .unwrap()
                .unwrap();
        }
        assert_eq!(p.b.receive_keys(MediaKind::Screen), 2, "{layers:?}");

        let mut p = Pair::new(layers, 3, |c| c.with_grace(Grace::Time(ms(500))));
        p.a.rekey(ms(0)).unwrap();
        p.send(true, MediaKind::Audio, &[1; 40], ms(0))
            .unwrap()
            .unwrap();
        assert_eq!(p.b.receive_keys(MediaKind::Video), 3, "{layers:?}");
        // Nothing arrives at all; time alone ends the grace.
        p.b.handle_timeout(ms(499)).unwrap();
        assert_eq!(p.b.receive_keys(MediaKind::Video), 3, "{layers:?}");
        p.b.handle_timeout(ms(500)).unwrap();
        assert_eq!(p.b.receive_keys(MediaKind::Video), 2, "{layers:?}");
    }
}

/// Defect 1: a rekey is all or nothing, and says why it cannot happen.
#[test]
fn rekey_of_a_standard_call_changes_nothing_and_says_why() {
    let (a, _) = handshake(4, Intent::On, Intent::Off);
    let mut call = Call::new(a, CallConfig::new(Role::Caller), Some(hop_keys(1, 2))).unwrap();
    assert_eq!(call.rekey(ms(0)), Err(Error::NotEndToEnd));
    assert!(!call.rekey_pending());
    assert_eq!(call.epoch(), Epoch(0));
    let mut out = Packets::new();
    call.send_frame(MediaKind::Audio, &[1; 10], 0, ms(0), &mut out)
        .unwrap();
}

/// Defect 2: with SRTP alone the epoch travels as the MKI's low byte; the peer's epoch was lost
/// at every multiple of 256.
#[test]
fn srtp_layer_follows_the_peer_across_epochs_256_and_512() {
    let mut p = Pair::new(Layers::Srtp, 5, |c| c.with_grace(Grace::Frames(2)));
    for i in 0..600u64 {
        let now = ms(i * 10);
        let from_a = i % 3 != 0;
        let (tx, _) = p.ends(from_a);
        tx.rekey(now).unwrap();
        let sent = if from_a { p.a.epoch() } else { p.b.epoch() };
        let (e, _) = p
            .send(from_a, MediaKind::Audio, &[3; 60], now)
            .unwrap()
            .unwrap();
        assert_eq!(e, sent, "step {i}: the frame's own epoch");
        let (e, _) = p
            .send(!from_a, MediaKind::Audio, &[4; 60], now)
            .unwrap()
            .unwrap();
        assert_eq!(p.a.peer_epoch(), p.b.epoch(), "step {i}");
        assert_eq!(p.b.peer_epoch(), p.a.epoch(), "step {i}");
        assert_eq!(e, if from_a { p.b.epoch() } else { p.a.epoch() });
        assert_keys_bounded(&p, &format!("step {i}"));
    }
    assert_eq!(p.a.epoch(), Epoch(600));
    // Interval rekeys keep going past 256 too.
    let mut p = Pair::new(Layers::Srtp, 6, |c| {
        c.with_rekey_interval(ms(20)).with_grace(Grace::Frames(1))
    });
    for i in 0..700u64 {
        let now = ms(i * 10);
        p.a.handle_timeout(now).unwrap();
        p.send(true, MediaKind::Audio, &[5; 30], now)
            .unwrap()
            .unwrap();
        p.send(false, MediaKind::Audio, &[6; 30], now)
            .unwrap()
            .unwrap();
    }
    assert!(p.a.epoch().0 > 300, "{:?}", p.a);
    assert_eq!(p.a.epoch(), p.b.peer_epoch());
}

/// Defect 2: in the SFrame layers a frame reported the receiver's current epoch, not its own.
#[test]
fn received_epoch_is_the_frames_own() {
    for layers in [Layers::Sframe, Layers::Both, Layers::Srtp] {
        let mut p = Pair::new(layers, 7, |c| c.with_grace(Grace::Frames(100)));
        let late = p.packets(true, MediaKind::Audio, &[7; 40], 1, ms(0));
        p.a.rekey(ms(0)).unwrap();
        let (e, _) = p
            .send(true, MediaKind::Audio, &[8; 40], ms(0))
            .unwrap()
            .unwrap();
        assert_eq!(e, Epoch(1), "{layers:?}");
        let (e, f) = common::deliver(&mut p.b, late, ms(0)).unwrap().unwrap();
        assert_eq!((e, f), (Epoch(0), vec![7; 40]), "{layers:?}");
    }
}

/// Defect 3: the three send streams of a call share the hop-by-hop key, and two calls given
/// the same hop keys emitted identical nonces. No (SSRC, packet index) may repeat under one key,
/// over more than a wrap of the sequence numbers.
#[test]
fn hop_by_hop_srtp_never_repeats_a_nonce() {
    for callee_intent in [Intent::On, Intent::Off] {
        let mut nonces = HashSet::new();
        for seed in [10, 11] {
            let (a, _) = handshake(seed, Intent::On, callee_intent);
            // Both calls get the same hop-by-hop keys.
            let mut call =
                Call::new(a, CallConfig::new(Role::Caller), Some(hop_keys(1, 2))).unwrap();
            let mut out = Packets::new();
            // Per SSRC: the last sequence number and the rollover counter, as SRTP counts them.
            let mut last: std::collections::HashMap<Vec<u8>, (u16, u64)> = Default::default();
            for i in 0..70_000u32 {
                out.clear();
                let kind = if i % 100 == 0 {
                    MediaKind::ALL[(i / 100 % 3) as usize]
                } else {
                    MediaKind::Audio
                };
                call.send_frame(kind, &[0; 3000], i, ms(0), &mut out)
                    .unwrap();
                for q in out.iter() {
                    let ssrc = q[8..12].to_vec();
                    let seq = u16::from_be_bytes([q[2], q[3]]);
                    let (prev, roc) = last.get(&ssrc).copied().unwrap_or((seq, 0));
                    let roc = if seq < prev { roc + 1 } else { roc };
                    last.insert(ssrc.clone(), (seq, roc));
                    let index = (roc << 16) | u64::from(seq);
                    assert!(
                        nonces.insert((ssrc, index)),
                        "nonce repeated: {callee_intent:?}"
                    );
                }
            }
            assert!(
                last.values().any(|&(_, roc)| roc >= 1),
                "the audio sequence wrapped"
            );
        }
    }
}

/// Defect 3: SSRCs and first sequence numbers are random for every call (RFC 3550 §5.1), the
/// same at both ends, and six different SSRCs.
#[test]
fn ssrcs_and_first_sequence_numbers_are_fresh_for_every_call() {
    let mut seen = HashSet::new();
    for seed in 20..30 {
        let p = Pair::new(Layers::Both, seed, |c| c);
        assert_eq!(p.a.local_ssrcs(), p.b.remote_ssrcs());
        assert_eq!(p.b.local_ssrcs(), p.a.remote_ssrcs());
        for s in p.a.local_ssrcs().into_iter().chain(p.b.local_ssrcs()) {
            assert!(seen.insert(s), "SSRC {s:?} again");
        }
    }
    let mut p = Pair::new(Layers::Sframe, 40, |c| c);
    let mut q = Pair::new(Layers::Sframe, 41, |c| c);
    let first = |p: &mut Pair| {
        let pk = p.packets(true, MediaKind::Video, &[0; 10], 0, ms(0));
        u16::from_be_bytes([pk[0][2], pk[0][3]])
    };
    assert_ne!(first(&mut p), first(&mut q));
}

/// First sequence numbers are below 2^15 in every call, so a receiver that misses a stream's
/// first packets (media sent before the path was up) has not missed the stream's first wrap:
/// its SRTP would take the rollover counter to be 0 at the first packet it gets and never
/// authenticate another packet of the stream.
#[test]
fn a_receiver_that_misses_a_streams_first_packets_reads_the_rest() {
    let seq = |p: &[u8]| u16::from_be_bytes([p[2], p[3]]);
    for seed in 60..124 {
        let mut p = Pair::new(Layers::Both, seed, |c| c);
        for from_a in [true, false] {
            for kind in MediaKind::ALL {
                let first = seq(&p.packets(from_a, kind, &[0; 10], 0, ms(0))[0]);
                assert!(
                    first < 1 << 15,
                    "seed {seed}: first sequence number {first}"
                );
            }
        }
    }
    for layers in [Layers::Srtp, Layers::Both] {
        let mut p = Pair::new(layers, 124, |c| c);
        // The first 2,000 audio packets never arrive; the next ones open.
        let mut last = 0;
        for n in 0..2000u32 {
            let lost = p.packets(true, MediaKind::Audio, &n.to_be_bytes(), n * 960, ms(0));
            last = seq(&lost[0]);
        }
        for n in 2000..2010u32 {
            let got = p.send(
                true,
                MediaKind::Audio,
                &n.to_be_bytes(),
                ms(20 * u64::from(n)),
            );
            assert_eq!(got.unwrap().map(|(_, f)| f), Some(n.to_be_bytes().to_vec()));
        }
        assert!(
            last < 1 << 15,
            "{layers:?}: no wrap before the first packet that arrived"
        );
    }
}

/// Defect 3: two streams with one SSRC are refused.
#[test]
fn duplicate_ssrcs_are_refused() {
    let cases = [
        ([Ssrc(1), Ssrc(1), Ssrc(2)], [Ssrc(3), Ssrc(4), Ssrc(5)]),
        ([Ssrc(1), Ssrc(2), Ssrc(3)], [Ssrc(4), Ssrc(5), Ssrc(4)]),
        ([Ssrc(1), Ssrc(2), Ssrc(3)], [Ssrc(4), Ssrc(3), Ssrc(6)]),
    ];
    for (local, remote) in cases {
        let (a, _) = handshake(50, Intent::On, Intent::On);
        let cfg = CallConfig::new(Role::Caller).with_ssrcs(local, remote);
        assert_eq!(
            Call::new(a, cfg, Some(hop_keys(1, 2))).err(),
            Some(Error::DuplicateSsrc)
        );
    }
    let (a, _) = handshake(51, Intent::On, Intent::On);
    let cfg = CallConfig::new(Role::Caller)
        .with_ssrcs([Ssrc(1), Ssrc(2), Ssrc(3)], [Ssrc(4), Ssrc(5), Ssrc(6)]);
    let call = Call::new(a, cfg, Some(hop_keys(1, 2))).unwrap();
    assert_eq!(call.local_ssrcs(), [Ssrc(1), Ssrc(2), Ssrc(3)]);
}

/// Defect 6: a grace in time with a huge duration overflowed `now + d` and panicked.
#[test]
fn time_grace_of_any_length_never_panics() {
    for layers in LAYERS {
        for d in [Duration::MAX, Duration::from_secs(u64::MAX / 2)] {
            let mut p = Pair::new(layers, 60, |c| c.with_grace(Grace::Time(d)));
            let now = Duration::from_secs(1 << 40);
            p.a.rekey(now).unwrap();
            p.send(true, MediaKind::Audio, &[1; 50], now)
                .unwrap()
                .unwrap();
            p.b.handle_timeout(Duration::MAX).unwrap();
            p.send(false, MediaKind::Audio, &[1; 50], Duration::MAX)
                .unwrap()
                .unwrap();
        }
    }
}

fn rtp(ssrc: u32, seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 1]);
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend_from_slice(b"payload");
    p
}

/// Defect 7: removing an SRTP stream and sending on its SSRC again restarted its packet
/// indices under the same key (the same nonces); on a receiver, it accepted old packets again.
#[test]
fn removed_srtp_stream_cannot_restart_its_nonces() {
    for suite in SrtpSuite::ALL {
        let key = |b: u8| {
            SrtpMasterKey::new(suite, &vec![b; suite.key_len()], &vec![b; suite.salt_len()])
                .unwrap()
        };
        let mut tx = SrtpSender::new(&key(1), SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&key(1), SrtpConfig::default()).unwrap();
        let first = tx.protect_rtp_vec(&rtp(9, 1)).unwrap();
        rx.unprotect_rtp_vec(&first).unwrap();
        assert_eq!(tx.remove_stream(Ssrc(9)), Ok(true));
        assert_eq!(rx.remove_stream(Ssrc(9)), Ok(true));
        assert_eq!(tx.protect_rtp_vec(&rtp(9, 1)), Err(Error::KeyReuse));
        assert_eq!(
            tx.protect_rtcp_vec(&[0x80, 200, 0, 1, 0, 0, 0, 9]),
            Err(Error::KeyReuse)
        );
        assert_eq!(tx.set_roc(Ssrc(9), callseal::Roc(0)), Err(Error::KeyReuse));
        assert_eq!(rx.unprotect_rtp_vec(&first), Err(Error::KeyReuse));
        // Another SSRC is fine; a new key lets the removed one start over.
        tx.protect_rtp_vec(&rtp(10, 1)).unwrap();
        tx.rekey(&key(2)).unwrap();
        rx.rekey(&key(2)).unwrap();
        let again = tx.protect_rtp_vec(&rtp(9, 1)).unwrap();
        assert_ne!(again, first);
        rx.unprotect_rtp_vec(&again).unwrap();
    }
}

/// Defect 7: a second SFrame sender for one KID and key started its counter at 0 again.
#[test]
fn second_sframe_sender_for_one_key_is_refused() {
    for suite in SframeSuite::ALL {
        let cfg = SframeConfig::new(suite);
        let base = [suite.id() as u8 + 0x60; 32];
        let first = SframeSender::new(&cfg, KeyId(1), &base).unwrap();
        assert_eq!(
            SframeSender::new(&cfg, KeyId(1), &base).err(),
            Some(Error::KeyReuse)
        );
        drop(first);
        // Still refused once the first is gone: its counter is gone with it.
        assert_eq!(
            SframeSender::new(&cfg, KeyId(1), &base).err(),
            Some(Error::KeyReuse)
        );
        // Another KID or another key is another nonce sequence.
        SframeSender::new(&cfg, KeyId(2), &base).unwrap();
        let mut other = base;
        other[0] ^= 1;
        SframeSender::new(&cfg, KeyId(1), &other).unwrap();
    }
}

/// Defect 7: removing an SFrame key and installing its KID again reset the replay window.
#[test]
fn removed_sframe_key_is_never_installed_again() {
    let cfg = SframeConfig::new(SframeSuite::Aes128GcmSha256_128);
    let mut tx = SframeSender::new(&cfg, KeyId(1), &[0x55; 32]).unwrap();
    let mut rx = SframeReceiver::new(cfg).unwrap();
    rx.install_key(KeyId(1), Epoch(0), &[0x55; 32]).unwrap();
    let mut sealed = vec![0u8; 64];
    let n = tx
        .seal_into(b"frame", &mut sealed, callseal::sframe::FrameOptions::NONE)
        .unwrap();
    sealed.truncate(n);
    let mut f = sealed.clone();
    rx.open(&mut f, callseal::sframe::FrameOptions::NONE)
        .unwrap();
    assert!(rx.remove_key(KeyId(1)));
    assert_eq!(
        rx.install_key(KeyId(1), Epoch(0), &[0x55; 32]),
        Err(Error::KeyReuse)
    );
    assert_eq!(
        rx.install_key(KeyId(1), Epoch(3), &[0x56; 32]),
        Err(Error::KeyReuse)
    );
    let mut f = sealed.clone();
    assert_eq!(
        rx.open(&mut f, callseal::sframe::FrameOptions::NONE),
        Err(Error::UnknownKey)
    );
}
