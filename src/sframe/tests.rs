use super::*;
use crate::error::Malformed;
use crate::schedule::CallKeys;
use crate::secret::Secret;
use crate::types::{Direction, Epoch, FrameCounter, KeyId, MediaKind, SrtpSuite};

const BASE: [u8; 32] = [0x42; 32];

/// The base key of test `tag`: a process builds one sender per suite, KID and base key, so
/// every test that builds senders has a key of its own.
fn base(tag: u8) -> [u8; 32] {
    let mut k = BASE;
    k[0] = tag;
    k
}

fn pair(suite: SframeSuite, kid: u64, tag: u8) -> (SframeSender, SframeReceiver) {
    let c = SframeConfig::new(suite);
    let base = base(tag);
    let tx = SframeSender::new(&c, KeyId(kid), &base).unwrap();
    let mut rx = SframeReceiver::new(c).unwrap();
    rx.install_key(KeyId(kid), Epoch(0), &base).unwrap();
    (tx, rx)
}

fn seal(tx: &mut SframeSender, frame: &[u8], opts: FrameOptions<'_>) -> Vec<u8> {
    let mut out = vec![0u8; frame.len() + tx.max_overhead()];
    let n = tx.seal_into(frame, &mut out, opts).unwrap();
    out.truncate(n);
    out
}

#[test]
fn round_trip_every_suite_both_forms() {
    for suite in SframeSuite::ALL {
        let (mut tx, mut rx) = pair(suite, 0x1234, 1);
        let meta = b"rtp header extension";
        for (len, prefix) in [(0, 0), (1, 0), (1, 1), (100, 10), (5000, 0), (70_000, 3)] {
            let frame: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let opts = FrameOptions::default()
                .with_metadata(meta)
                .with_clear_prefix(prefix);
            let expect_len = tx.sealed_len(len);
            let mut sealed = seal(&mut tx, &frame, opts);
            assert_eq!(sealed.len(), expect_len);
            assert!(sealed.len() <= len + suite.max_overhead());
            assert_eq!(&sealed[..prefix], &frame[..prefix], "prefix stays in clear");
            if len > prefix + 16 {
                assert_ne!(&sealed[sealed.len() - len..][..16], &frame[len - 16..]);
            }
            assert_eq!(rx.open(&mut sealed, opts).unwrap(), &frame[..]);

            let mut buf = vec![0u8; SEAL_HEADROOM + len + suite.tag_len()];
            buf[SEAL_HEADROOM..SEAL_HEADROOM + len].copy_from_slice(&frame);
            let expect_len = tx.sealed_len(len);
            let sealed = tx.seal_in_place(&mut buf, len, opts).unwrap();
            assert_eq!(sealed.len(), expect_len);
            let mut copy = sealed.to_vec();
            assert_eq!(rx.open(sealed, opts).unwrap(), &frame[..]);
            assert_eq!(rx.open(&mut copy, opts), Err(Error::Replay));
        }
    }
}

#[test]
fn in_place_and_into_agree() {
    for suite in SframeSuite::ALL {
        let (mut a, _) = pair(suite, 9, 2);
        // Two senders with one key, to compare their output: only the crate can build that.
        let c = SframeConfig::new(suite);
        let mut b = SframeSender::unchecked(&c, KeyId(9), &base(2)).unwrap();
        for len in [0usize, 3, 40] {
            let frame = vec![0xa5u8; len];
            let opts = FrameOptions::default()
                .with_metadata(b"m")
                .with_clear_prefix(len.min(2));
            let x = seal(&mut a, &frame, opts);
            let mut buf = vec![0u8; SEAL_HEADROOM + len + suite.tag_len() + 5];
            buf[SEAL_HEADROOM..][..len].copy_from_slice(&frame);
            let y = b.seal_in_place(&mut buf, len, opts).unwrap();
            assert_eq!(x, y);
        }
    }
}

#[test]
fn sealing_errors_leave_sender_unchanged() {
    let suite = SframeSuite::Aes128GcmSha256_128;
    let (mut tx, _) = pair(suite, 1, 3);
    let frame = [1u8; 10];
    let mut small = [0u8; 10 + 1 + 15];
    assert_eq!(
        tx.seal_into(&frame, &mut small, FrameOptions::NONE),
        Err(Error::BufferTooSmall { needed: 27 })
    );
    let mut buf = [0u8; SEAL_HEADROOM + 10 + 15];
    assert_eq!(
        tx.seal_in_place(&mut buf, 10, FrameOptions::NONE).err(),
        Some(Error::BufferTooSmall { needed: 43 })
    );
    let mut out = [0u8; 64];
    assert_eq!(
        tx.seal_into(&frame, &mut out, FrameOptions::NONE.with_clear_prefix(11)),
        Err(Error::Malformed(Malformed::Truncated))
    );
    let big = [0u8; MAX_CLEAR_BYTES];
    assert_eq!(
        tx.seal_into(
            &frame,
            &mut out,
            FrameOptions::default()
                .with_metadata(&big)
                .with_clear_prefix(1)
        ),
        Err(Error::Malformed(Malformed::Oversized))
    );
    assert_eq!(
        tx.seal_in_place(&mut buf, usize::MAX, FrameOptions::NONE)
            .err(),
        Some(Error::BufferTooSmall { needed: usize::MAX })
    );
    assert_eq!(tx.next_counter(), FrameCounter(0));
    assert!(tx
        .seal_into(
            &frame,
            &mut out,
            FrameOptions::default().with_metadata(&big)
        )
        .is_ok());
    assert_eq!(tx.next_counter(), FrameCounter(1));
}

#[test]
fn counter_never_wraps() {
    let c = SframeConfig::new(SframeSuite::AesCtr128HmacSha256_32).with_frame_limit(8);
    let mut tx = SframeSender::new(&c, KeyId(1), &base(4)).unwrap();
    let mut out = [0u8; 64];
    for i in 0..8u64 {
        assert_eq!(tx.rekey_soon(), i >= 6, "{i}");
        assert_eq!(tx.frames_left(), 8 - i);
        tx.seal_into(b"x", &mut out, FrameOptions::NONE).unwrap();
    }
    assert!(tx.rekey_soon());
    assert_eq!(
        tx.seal_into(b"x", &mut out, FrameOptions::NONE),
        Err(Error::LimitReached)
    );
    let mut buf = [0u8; 64];
    assert_eq!(
        tx.seal_in_place(&mut buf, 1, FrameOptions::NONE).err(),
        Some(Error::LimitReached)
    );
    assert_eq!(tx.frames_left(), 0);

    // The full 64-bit space: the last counter is u64::MAX - 1.
    let c = SframeConfig::new(SframeSuite::Aes128GcmSha256_128);
    let mut tx = SframeSender::new(&c, KeyId(1), &base(5)).unwrap();
    assert_eq!(tx.skip_to(FrameCounter(u64::MAX - 1)), Ok(()));
    assert_eq!(tx.skip_to(FrameCounter(5)), Err(Error::CounterBackwards));
    let n = tx.seal_into(b"last", &mut out, FrameOptions::NONE).unwrap();
    assert_eq!(n, 4 + 1 + 8 + 16, "short KID, 8-byte CTR");
    assert_eq!(
        tx.seal_into(b"x", &mut out, FrameOptions::NONE),
        Err(Error::LimitReached)
    );
    assert!(SframeSender::new(&c.with_frame_limit(0), KeyId(1), &base(6)).is_err());
}

#[test]
fn receiver_screens_before_and_records_after() {
    for suite in SframeSuite::ALL {
        let (mut tx, mut rx) = pair(suite, 77, 7);
        let frames: Vec<Vec<u8>> = (0..300)
            .map(|i| seal(&mut tx, &[i as u8; 33], FrameOptions::NONE))
            .collect();
        let mut f = frames[200].clone();
        assert!(rx.open(&mut f, FrameOptions::NONE).is_ok());
        let mut f = frames[200].clone();
        assert_eq!(rx.open(&mut f, FrameOptions::NONE), Err(Error::Replay));
        let mut f = frames[72].clone();
        assert_eq!(rx.open(&mut f, FrameOptions::NONE), Err(Error::TooOld));
        let mut f = frames[73].clone();
        assert!(rx.open(&mut f, FrameOptions::NONE).is_ok());

        // A forged frame with a fresh counter fails and is not recorded.
        let mut forged = frames[250].clone();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        let before = forged.clone();
        assert_eq!(
            rx.open(&mut forged, FrameOptions::NONE),
            Err(Error::Authentication)
        );
        if suite.tag_len() < 16 {
            assert_eq!(forged, before, "CTR-HMAC leaves the frame intact");
        }
        let mut f = frames[250].clone();
        assert_eq!(rx.open(&mut f, FrameOptions::NONE).unwrap(), &[250u8; 33]);

        // Wrong metadata or prefix: authentication.
        let mut f = frames[251].clone();
        assert_eq!(
            rx.open(&mut f, FrameOptions::default().with_metadata(b"x")),
            Err(Error::Authentication)
        );
        let mut f = frames[252].clone();
        f[0] ^= 0x70; // another KID in the short form
        assert_eq!(rx.open(&mut f, FrameOptions::NONE), Err(Error::UnknownKey));
        let mut f = frames[252].clone();
        let n = f.len();
        assert_eq!(
            rx.open(
                &mut f[..n - 20],
                FrameOptions::NONE.with_clear_prefix(n - 20)
            ),
            Err(Error::Malformed(Malformed::Truncated))
        );
        assert_eq!(
            rx.open(&mut f[..3], FrameOptions::NONE),
            Err(Error::Malformed(Malformed::Truncated))
        );
        assert_eq!(
            rx.open(&mut f, FrameOptions::NONE.with_clear_prefix(n + 1)),
            Err(Error::Malformed(Malformed::Truncated))
        );
        assert_eq!(
            rx.open(
                &mut f,
                FrameOptions::default()
                    .with_metadata(b"m")
                    .with_clear_prefix(usize::MAX)
            ),
            Err(Error::Malformed(Malformed::Oversized))
        );
        assert_eq!(rx.open(&mut f, FrameOptions::NONE).unwrap(), &[252u8; 33]);
    }
}

#[test]
fn replay_window_is_configurable() {
    let c = SframeConfig::new(SframeSuite::Aes128GcmSha256_128).with_replay_window(1000);
    let base = base(8);
    let mut tx = SframeSender::new(&c, KeyId(1), &base).unwrap();
    let mut rx = SframeReceiver::new(c).unwrap();
    rx.install_key(KeyId(1), Epoch(0), &base).unwrap();
    let mut first = seal(&mut tx, b"a", FrameOptions::NONE);
    tx.skip_to(FrameCounter(999)).unwrap();
    let mut last = seal(&mut tx, b"b", FrameOptions::NONE);
    rx.open(&mut last, FrameOptions::NONE).unwrap();
    rx.open(&mut first, FrameOptions::NONE).unwrap();
    for bad in [63, 32769] {
        assert_eq!(
            SframeReceiver::new(c.with_replay_window(bad)).err(),
            Some(Error::InvalidConfig)
        );
    }
}

#[test]
fn key_store_is_bounded_and_strict() {
    let c = SframeConfig::new(SframeSuite::Aes128GcmSha256_128).with_max_keys(2);
    let mut rx = SframeReceiver::new(c).unwrap();
    rx.install_key(KeyId(1), Epoch(0), &BASE).unwrap();
    assert_eq!(
        rx.install_key(KeyId(1), Epoch(0), &BASE),
        Err(Error::DuplicateKid)
    );
    rx.install_key(KeyId(2), Epoch(0), &BASE).unwrap();
    assert_eq!(
        rx.install_key(KeyId(3), Epoch(0), &BASE),
        Err(Error::TooManyKeys)
    );
    assert!(rx.remove_key(KeyId(1)));
    assert!(!rx.remove_key(KeyId(1)));
    // A removed KID never comes back: its replay window would start over.
    assert_eq!(
        rx.install_key(KeyId(1), Epoch(0), &BASE),
        Err(Error::KeyReuse)
    );
    rx.install_key(KeyId(3), Epoch(0), &BASE).unwrap();
    assert_eq!(rx.key_count(), 2);
    assert!(rx.remove_key(KeyId(3)));
    assert_eq!(
        rx.install_key(KeyId(4), Epoch(0), &[0; 15]),
        Err(Error::InvalidKeyLength)
    );
    assert_eq!(rx.key_count(), 1);
    assert!(SframeReceiver::new(c.with_max_keys(0)).is_err());
}

fn call_keys(suite: SframeSuite) -> CallKeys {
    CallKeys::new(
        crate::schedule::Version::V1,
        Secret::new([5; 32]),
        SrtpSuite::AeadAes128Gcm,
        suite,
    )
}

#[test]
fn call_kids_separate_streams() {
    for suite in SframeSuite::ALL {
        let keys = call_keys(suite);
        let c = SframeConfig::new(suite);
        let mut rx = SframeReceiver::new(c).unwrap();
        rx.install_call_keys(&keys, Direction::CallerToCallee)
            .unwrap();
        assert_eq!(rx.key_count(), 3);
        for kind in MediaKind::ALL {
            let kid = CallKid::new(Epoch(0), Direction::CallerToCallee, kind).kid();
            assert!(rx.has_key(kid));
        }
        let mut video = SframeSender::for_call_stream(
            &c,
            &keys.stream(Direction::CallerToCallee, MediaKind::Video),
            None,
        )
        .unwrap();
        assert_eq!(video.kid(), KeyId(1));
        let mut f = seal(&mut video, b"video frame", FrameOptions::NONE);
        let good = f.clone();
        // Relabel the video frame as audio: the audio key does not open it.
        f[0] = (f[0] & 0x8f) | (MediaKind::Audio.byte() << 4);
        assert_eq!(
            rx.open(&mut f, FrameOptions::NONE),
            Err(Error::Authentication)
        );
        let mut f = good.clone();
        f[0] = (f[0] & 0x8f) | (MediaKind::Screen.byte() << 4);
        assert_eq!(
            rx.open(&mut f, FrameOptions::NONE),
            Err(Error::Authentication)
        );
        let mut f = good.clone();
        assert_eq!(rx.open(&mut f, FrameOptions::NONE).unwrap(), b"video frame");

        // The other direction's frames: unknown key, and relabelled, not authentic.
        let mut back = SframeSender::for_call_stream(
            &c,
            &keys.stream(Direction::CalleeToCaller, MediaKind::Audio),
            None,
        )
        .unwrap();
        assert_eq!(back.kid(), KeyId(4));
        let mut f = seal(&mut back, b"audio", FrameOptions::NONE);
        assert_eq!(
            rx.open(&mut f.clone(), FrameOptions::NONE),
            Err(Error::UnknownKey)
        );
        f[0] &= 0x8f;
        assert_eq!(
            rx.open(&mut f, FrameOptions::NONE),
            Err(Error::Authentication)
        );

        assert_eq!(
            rx.install_call_keys(&keys, Direction::CallerToCallee),
            Err(Error::DuplicateKid)
        );
        assert_eq!(rx.key_count(), 3);
        let other = if suite == SframeSuite::Aes128GcmSha256_128 {
            SframeSuite::Aes256GcmSha512_128
        } else {
            SframeSuite::Aes128GcmSha256_128
        };
        assert_eq!(
            rx.install_call_keys(&call_keys(other), Direction::CalleeToCaller),
            Err(Error::SuiteMismatch)
        );
    }
}

struct Call {
    c: SframeConfig,
    rx: SframeReceiver,
    epochs: Vec<CallKeys>,
}

impl Call {
    fn new(grace: Grace) -> Self {
        let c = SframeConfig::new(SframeSuite::Aes128GcmSha256_128).with_grace(grace);
        let mut rx = SframeReceiver::new(c).unwrap();
        let k0 = call_keys(c.suite);
        rx.install_call_keys(&k0, Direction::CalleeToCaller)
            .unwrap();
        let k1 = call_keys(c.suite).next_epoch().unwrap();
        rx.install_call_keys(&k1, Direction::CalleeToCaller)
            .unwrap();
        Call {
            c,
            rx,
            epochs: vec![k0, k1],
        }
    }

    fn sender(&self, epoch: usize, kind: MediaKind) -> SframeSender {
        let s = self.epochs[epoch].stream(Direction::CalleeToCaller, kind);
        SframeSender::for_call_stream(&self.c, &s, None).unwrap()
    }
}

#[test]
fn epoch_switch_with_frame_grace() {
    let mut call = Call::new(Grace::Frames(3));
    let mut a0 = call.sender(0, MediaKind::Audio);
    let mut v0 = call.sender(0, MediaKind::Video);
    let mut a1 = call.sender(1, MediaKind::Audio);
    let rx = &mut call.rx;
    let late: Vec<Vec<u8>> = (0..5)
        .map(|_| seal(&mut a0, b"old", FrameOptions::NONE))
        .collect();
    let late_video = seal(&mut v0, b"old video", FrameOptions::NONE);
    rx.open(&mut late[0].clone(), FrameOptions::NONE).unwrap();
    assert_eq!(rx.current_epoch(), Some(Epoch(0)));
    assert_eq!(rx.key_count(), 6);

    rx.open(
        &mut seal(&mut a1, b"new", FrameOptions::NONE),
        FrameOptions::NONE,
    )
    .unwrap();
    assert_eq!(rx.current_epoch(), Some(Epoch(1)));
    // Old frames still open during the grace, and do not use it up.
    rx.open(&mut late[2].clone(), FrameOptions::NONE).unwrap();
    rx.open(&mut late[1].clone(), FrameOptions::NONE).unwrap();
    rx.open(
        &mut seal(&mut a1, b"new", FrameOptions::NONE),
        FrameOptions::NONE,
    )
    .unwrap();
    rx.open(&mut late_video.clone(), FrameOptions::NONE)
        .unwrap();
    rx.open(
        &mut seal(&mut a1, b"new", FrameOptions::NONE),
        FrameOptions::NONE,
    )
    .unwrap();
    rx.open(&mut late[3].clone(), FrameOptions::NONE).unwrap();
    assert_eq!(rx.key_count(), 6);
    // The third frame of the new epoch ends the grace: epoch 0 keys are gone.
    rx.open(
        &mut seal(&mut a1, b"new", FrameOptions::NONE),
        FrameOptions::NONE,
    )
    .unwrap();
    assert_eq!(rx.key_count(), 3);
    assert_eq!(
        rx.open(&mut late[4].clone(), FrameOptions::NONE),
        Err(Error::UnknownKey)
    );
    // A retired epoch cannot come back.
    assert_eq!(
        rx.install_call_keys(&call.epochs[0], Direction::CalleeToCaller),
        Err(Error::StaleEpoch)
    );
}

#[test]
fn epoch_switch_with_time_grace() {
    let second = core::time::Duration::from_secs(1);
    let mut call = Call::new(Grace::Time(2 * second));
    let mut a0 = call.sender(0, MediaKind::Audio);
    let mut a1 = call.sender(1, MediaKind::Audio);
    let rx = &mut call.rx;
    let late: Vec<Vec<u8>> = (0..4)
        .map(|_| seal(&mut a0, b"old", FrameOptions::NONE))
        .collect();
    rx.open_at(&mut late[0].clone(), FrameOptions::NONE, 10 * second)
        .unwrap();
    rx.open_at(
        &mut seal(&mut a1, b"new", FrameOptions::NONE),
        FrameOptions::NONE,
        11 * second,
    )
    .unwrap();
    for _ in 0..100 {
        rx.open(
            &mut seal(&mut a1, b"new", FrameOptions::NONE),
            FrameOptions::NONE,
        )
        .unwrap();
    }
    rx.open_at(&mut late[1].clone(), FrameOptions::NONE, 12 * second)
        .unwrap();
    // Time going backwards is ignored.
    rx.advance_time(second);
    rx.open(&mut late[2].clone(), FrameOptions::NONE).unwrap();
    rx.advance_time(13 * second);
    assert_eq!(rx.key_count(), 3);
    assert_eq!(
        rx.open(&mut late[3].clone(), FrameOptions::NONE),
        Err(Error::UnknownKey)
    );
}

#[test]
fn two_epochs_old_is_dropped_at_switch() {
    let mut call = Call::new(Grace::Frames(1000));
    let k2 = call_keys(call.c.suite)
        .next_epoch()
        .unwrap()
        .next_epoch()
        .unwrap();
    call.rx
        .install_call_keys(&k2, Direction::CalleeToCaller)
        .unwrap();
    call.epochs.push(k2);
    let mut a0 = call.sender(0, MediaKind::Audio);
    let mut a1 = call.sender(1, MediaKind::Audio);
    let mut a2 = call.sender(2, MediaKind::Audio);
    let rx = &mut call.rx;
    let mut old = seal(&mut a0, b"0", FrameOptions::NONE);
    rx.open(
        &mut seal(&mut a1, b"1", FrameOptions::NONE),
        FrameOptions::NONE,
    )
    .unwrap();
    rx.open(
        &mut seal(&mut a2, b"2", FrameOptions::NONE),
        FrameOptions::NONE,
    )
    .unwrap();
    assert_eq!(rx.current_epoch(), Some(Epoch(2)));
    assert_eq!(
        rx.open(&mut old, FrameOptions::NONE),
        Err(Error::UnknownKey)
    );
    rx.open(
        &mut seal(&mut a1, b"1", FrameOptions::NONE),
        FrameOptions::NONE,
    )
    .unwrap();
    assert_eq!(rx.key_count(), 6);
}

#[test]
fn zero_grace_retires_at_switch() {
    let mut call = Call::new(Grace::Frames(0));
    let mut a0 = call.sender(0, MediaKind::Audio);
    let mut a1 = call.sender(1, MediaKind::Audio);
    let mut old = seal(&mut a0, b"0", FrameOptions::NONE);
    call.rx
        .open(
            &mut seal(&mut a1, b"1", FrameOptions::NONE),
            FrameOptions::NONE,
        )
        .unwrap();
    assert_eq!(
        call.rx.open(&mut old, FrameOptions::NONE),
        Err(Error::UnknownKey)
    );
}

#[test]
fn debug_shows_no_key_material() {
    let (tx, rx) = pair(SframeSuite::AesCtr128HmacSha256_80, 3, 9);
    let d = DerivedKey::derive(SframeSuite::AesCtr128HmacSha256_80, KeyId(3), &BASE).unwrap();
    let text = format!("{tx:?} {rx:?} {d:?}");
    for secret in [&BASE[..], d.dangerous_key(), &d.dangerous_salt()[..]] {
        assert!(!text.contains(&hex::encode(&secret[..4])), "{text}");
        assert!(
            !text.contains(&format!("{}, {}", secret[0], secret[1])),
            "{text}"
        );
    }
    assert!(text.contains("SframeSender") && text.contains("AesCtr128HmacSha256_80"));
}
