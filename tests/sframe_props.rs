//! Property tests of the frame layer: round trips, tampering, the replay window against a
//! model, and epoch switches under reordering.

use callseal::sframe::{CallKid, FrameOptions, Grace, SEAL_HEADROOM};
use callseal::sframe::{SframeConfig, SframeReceiver, SframeSender};
use callseal::{Direction, Epoch, Error, FrameCounter, KeyId, MediaKind, SframeSuite};
use core::time::Duration;
use proptest::prelude::*;
use std::collections::BTreeSet;

fn any_suite() -> impl Strategy<Value = SframeSuite> {
    proptest::sample::select(SframeSuite::ALL.to_vec())
}

fn seal(tx: &mut SframeSender, frame: &[u8], opts: FrameOptions<'_>) -> Vec<u8> {
    let mut out = vec![0u8; frame.len() + tx.max_overhead()];
    let n = tx.seal_into(frame, &mut out, opts).unwrap();
    out.truncate(n);
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the suite, KID, counter, metadata and clear prefix, both seal forms open to
    /// the original frame, and agree byte for byte.
    #[test]
    fn round_trip(
        suite in any_suite(),
        kid in any::<u64>(),
        kid_shift in 0u32..64,
        start in any::<u64>(),
        ctr_shift in 0u32..64,
        frame in proptest::collection::vec(any::<u8>(), 0..3000),
        metadata in proptest::collection::vec(any::<u8>(), 0..40),
        prefix_seed in any::<usize>(),
        base in proptest::array::uniform32(any::<u8>()),
    ) {
        let kid = KeyId(kid >> kid_shift);
        let start = FrameCounter((start >> ctr_shift).min(u64::MAX - 3));
        let prefix = prefix_seed % (frame.len().min(20) + 1);
        let opts = FrameOptions::default().with_metadata(&metadata).with_clear_prefix(prefix);
        let config = SframeConfig::new(suite);
        let mut a = SframeSender::dangerous_new_unguarded(&config, kid, &base).unwrap();
        let mut b = SframeSender::dangerous_new_unguarded(&config, kid, &base).unwrap();
        a.skip_to(start).unwrap();
        b.skip_to(start).unwrap();
        let mut rx = SframeReceiver::new(config).unwrap();
        rx.install_key(kid, Epoch(0), &base).unwrap();

        let expect = a.sealed_len(frame.len());
        let mut sealed = seal(&mut a, &frame, opts);
        prop_assert_eq!(sealed.len(), expect);
        prop_assert!(sealed.len() <= frame.len() + suite.max_overhead());

        let mut buf = vec![0u8; SEAL_HEADROOM + frame.len() + suite.tag_len()];
        buf[SEAL_HEADROOM..][..frame.len()].copy_from_slice(&frame);
        let in_place = b.seal_in_place(&mut buf, frame.len(), opts).unwrap();
        prop_assert_eq!(&sealed[..], &in_place[..]);

        prop_assert_eq!(rx.open(&mut sealed, opts).unwrap(), &frame[..]);
        let mut next = seal(&mut a, &frame, opts);
        prop_assert_eq!(rx.open(&mut next, opts).unwrap(), &frame[..]);
    }

    /// Flipping any single bit of a sealed frame (clear prefix, header, ciphertext or tag) or
    /// of its metadata makes the open fail and changes nothing: the genuine frame still opens
    /// afterwards, exactly once.
    #[test]
    fn any_flipped_bit_fails_without_state_change(
        suite in any_suite(),
        kid in 0u64..40,
        skip in 0u64..600,
        len in 0usize..300,
        prefix_seed in any::<usize>(),
        bit_seed in any::<usize>(),
        in_metadata in proptest::bool::weighted(0.1),
        opened_before in 0usize..6,
    ) {
        let base = [0x5au8; 32];
        let frame: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x3c).collect();
        let metadata = *b"meta";
        let prefix = prefix_seed % (len.min(12) + 1);
        let opts = FrameOptions::default().with_metadata(&metadata).with_clear_prefix(prefix);
        let config = SframeConfig::new(suite);
        let mut tx = SframeSender::dangerous_new_unguarded(&config, KeyId(kid), &base).unwrap();
        let mut rx = SframeReceiver::new(config).unwrap();
        // Neighbouring KIDs are installed too, so a flipped KID bit often names a real key.
        for k in [kid, kid ^ 1, kid ^ 2, kid ^ 16, kid ^ 32] {
            rx.install_key(KeyId(k), Epoch(0), &base).unwrap();
        }
        tx.skip_to(FrameCounter(skip)).unwrap();
        let earlier: Vec<Vec<u8>> = (0..opened_before).map(|_| seal(&mut tx, &frame, opts)).collect();
        for f in &earlier {
            rx.open(&mut f.clone(), opts).unwrap();
        }
        let genuine = seal(&mut tx, &frame, opts);
        let keys = rx.key_count();

        let mut tampered = genuine.clone();
        let mut meta = metadata;
        if in_metadata {
            meta[bit_seed / 8 % meta.len()] ^= 1 << (bit_seed % 8);
        } else {
            let bit = bit_seed % (tampered.len() * 8);
            tampered[bit / 8] ^= 1 << (bit % 8);
        }
        let topts = FrameOptions::default().with_metadata(&meta).with_clear_prefix(prefix);
        let err = rx.open(&mut tampered, topts).unwrap_err();
        prop_assert!(
            matches!(
                err,
                Error::Authentication | Error::Malformed(_) | Error::UnknownKey | Error::Replay | Error::TooOld
            ),
            "{:?}", err
        );
        prop_assert_eq!(rx.key_count(), keys);
        prop_assert_eq!(rx.current_epoch(), if opened_before > 0 { Some(Epoch(0)) } else { None });
        let mut again = genuine.clone();
        prop_assert_eq!(rx.open(&mut again, opts).unwrap(), &frame[..]);
        let mut again = genuine.clone();
        prop_assert_eq!(rx.open(&mut again, opts), Err(Error::Replay));
    }

    /// The receiver's replay screening against a model (the set of accepted counters and the
    /// highest): frames delivered in any order, with duplicates and forgeries.
    #[test]
    fn replay_window_matches_model(
        window in 64u32..400,
        n in 1usize..1200,
        deliveries in proptest::collection::vec((any::<usize>(), proptest::bool::weighted(0.15)), 1..500),
    ) {
        let suite = SframeSuite::AesCtr128HmacSha256_32;
        let base = [9u8; 16];
        let config = SframeConfig::new(suite).with_replay_window(window);
        let mut tx = SframeSender::dangerous_new_unguarded(&config, KeyId(300), &base).unwrap();
        let mut rx = SframeReceiver::new(config).unwrap();
        rx.install_key(KeyId(300), Epoch(0), &base).unwrap();
        let frames: Vec<Vec<u8>> = (0..n).map(|i| seal(&mut tx, &i.to_be_bytes(), FrameOptions::NONE)).collect();

        let mut seen = BTreeSet::new();
        let mut top: Option<u64> = None;
        for (pick, forge) in deliveries {
            let idx = (pick % n) as u64;
            let expect = match top {
                Some(t) if idx <= t && t - idx >= u64::from(window) => Err(Error::TooOld),
                _ if seen.contains(&idx) => Err(Error::Replay),
                _ if forge => Err(Error::Authentication),
                _ => Ok(()),
            };
            let mut f = frames[idx as usize].clone();
            if forge {
                let last = f.len() - 1;
                f[last] ^= 0x80;
            }
            let got = rx.open(&mut f, FrameOptions::NONE).map(|p| {
                assert_eq!(p, &(idx as usize).to_be_bytes());
            });
            prop_assert_eq!(got, expect);
            if expect.is_ok() {
                seen.insert(idx);
                top = Some(top.map_or(idx, |t| t.max(idx)));
            }
        }
    }

    /// An epoch switch while frames of both epochs and several media kinds arrive reordered:
    /// every frame of the old epoch that arrives within the grace opens, every frame of the new
    /// epoch opens, and old frames after the grace give UnknownKey.
    #[test]
    fn epoch_switch_under_reordering_loses_nothing_within_grace(
        suite in any_suite(),
        old_frames in 1usize..60,
        new_frames in 1usize..60,
        grace_frames in 0u64..40,
        by_time in any::<bool>(),
        grace_ms in 0u64..400,
        swaps in proptest::collection::vec((any::<usize>(), 1usize..12), 0..80),
        kinds in proptest::collection::vec(0u8..3, 120),
    ) {
        let dir = Direction::CalleeToCaller;
        let grace = if by_time {
            Grace::Time(Duration::from_millis(grace_ms))
        } else {
            Grace::Frames(grace_frames)
        };
        let config = SframeConfig::new(suite).with_grace(grace);
        let mut rx = SframeReceiver::new(config).unwrap();
        let base = |e: u32, k: MediaKind| [e as u8 + 1, k.byte() + 1].repeat(8);
        let mut senders = Vec::new();
        for e in 0..2u32 {
            let mut row = Vec::new();
            for kind in MediaKind::ALL {
                let kid = CallKid::new(Epoch(e), dir, kind).kid();
                rx.install_key(kid, Epoch(e), &base(e, kind)).unwrap();
                row.push(SframeSender::dangerous_new_unguarded(&config, kid, &base(e, kind)).unwrap());
            }
            senders.push(row);
        }
        // Send order: all old frames, then all new ones, 10 ms apart.
        let mut sent = Vec::new();
        for (i, e) in core::iter::repeat_n(0, old_frames).chain(core::iter::repeat_n(1, new_frames)).enumerate() {
            let kind = MediaKind::from_byte(kinds[i % kinds.len()]).unwrap();
            let payload = (i as u32).to_be_bytes();
            let f = seal(&mut senders[e][kind.byte() as usize], &payload, FrameOptions::NONE);
            sent.push((e, i, f));
        }
        // Reordering: bounded displacements.
        let mut order = sent;
        for (at, dist) in swaps {
            let a = at % order.len();
            let b = (a + dist).min(order.len() - 1);
            order.swap(a, b);
        }
        let mut new_opened = 0u64;
        let mut switch_at: Option<Duration> = None;
        for (step, (epoch, i, frame)) in order.into_iter().enumerate() {
            let now = Duration::from_millis(10 * step as u64);
            let mut f = frame;
            let got = rx.open_at(&mut f, FrameOptions::NONE, now).map(|p| p.to_vec());
            let within_grace = match (switch_at, grace) {
                (None, _) => true,
                (Some(_), Grace::Frames(g)) => new_opened < g,
                (Some(t), Grace::Time(d)) => now < t + d,
            };
            if epoch == 1 || within_grace {
                prop_assert_eq!(got, Ok((i as u32).to_be_bytes().to_vec()), "epoch {} frame {}", epoch, i);
            } else {
                prop_assert_eq!(got, Err(Error::UnknownKey));
            }
            if epoch == 1 {
                if switch_at.is_none() {
                    switch_at = Some(now);
                } else {
                    new_opened += 1;
                }
            }
        }
        prop_assert_eq!(rx.current_epoch(), Some(Epoch(1)));
    }
}
