//! The call's events and timer: an application learns of every rekey, peer move, key
//! retirement and soft limit from `poll_event`, and of when to call `handle_timeout` from
//! `poll_timeout`, without ever reading `epoch()`.

mod common;

use callseal::session::{Call, Event, Layers, RekeyCause, EVENT_QUEUE_LEN};
use callseal::sframe::Grace;
use callseal::{Epoch, Intent, MediaKind, Role};
use common::{Pair, LAYERS};
use std::time::Duration;

fn events(call: &mut Call) -> Vec<Event> {
    std::iter::from_fn(|| call.poll_event()).collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn a_rekey_is_told_step_by_step_on_both_sides() {
    for layers in LAYERS {
        let mut p = Pair::new(layers, 1, |c| c.with_grace(Grace::Frames(1)));
        assert_eq!(events(&mut p.a), []);
        p.a.rekey(ms(10)).unwrap();
        assert_eq!(
            events(&mut p.a),
            [
                Event::RekeyStarted {
                    epoch: Epoch(1),
                    cause: RekeyCause::Requested
                },
                Event::EpochStarted { epoch: Epoch(1) }
            ],
            "{layers:?}"
        );
        p.send(true, MediaKind::Audio, &[1; 100], ms(20)).unwrap();
        assert_eq!(
            events(&mut p.b),
            [
                Event::PeerMoved { epoch: Epoch(1) },
                Event::EpochStarted { epoch: Epoch(1) }
            ],
            "{layers:?}"
        );
        p.send(false, MediaKind::Audio, &[2; 100], ms(30)).unwrap();
        assert_eq!(
            events(&mut p.a),
            [Event::PeerMoved { epoch: Epoch(1) }],
            "{layers:?}"
        );
        // A grace of one more frame of the new epoch, then epoch 0 is gone.
        p.send(true, MediaKind::Video, &[3; 3000], ms(40)).unwrap();
        assert_eq!(
            events(&mut p.b),
            [Event::KeysRetired { below: Epoch(1) }],
            "{layers:?}"
        );
        assert_eq!(p.b.receive_keys(MediaKind::Screen), 2, "{layers:?}");
    }
}

/// Driven only by `poll_timeout`: the interval rekey fires exactly when it says, and a grace
/// measured in time ends at the instant it names.
#[test]
fn poll_timeout_names_every_timer() {
    for layers in LAYERS {
        let mut p = Pair::new(layers, 2, |c| {
            c.with_rekey_interval(ms(1000))
                .with_grace(Grace::Time(ms(300)))
        });
        assert_eq!(p.a.poll_timeout(), Some(ms(1000)), "{layers:?}");
        // Just before, nothing happens.
        p.a.handle_timeout(ms(999)).unwrap();
        assert_eq!(events(&mut p.a), []);
        let t = p.a.poll_timeout().unwrap();
        p.a.handle_timeout(t).unwrap();
        assert_eq!(
            events(&mut p.a),
            [
                Event::RekeyStarted {
                    epoch: Epoch(1),
                    cause: RekeyCause::Interval
                },
                Event::EpochStarted { epoch: Epoch(1) }
            ],
            "{layers:?}"
        );
        assert_eq!(p.a.poll_timeout(), Some(ms(2000)), "{layers:?}");
        // The peer follows at 1,100 ms; its grace ends at 1,400 ms, before its interval.
        p.send(true, MediaKind::Audio, &[1; 100], ms(1100)).unwrap();
        events(&mut p.b);
        assert_eq!(p.b.poll_timeout(), Some(ms(1400)), "{layers:?}");
        p.b.handle_timeout(ms(1400)).unwrap();
        assert_eq!(
            events(&mut p.b),
            [Event::KeysRetired { below: Epoch(1) }],
            "{layers:?}"
        );
        assert_eq!(p.b.poll_timeout(), Some(ms(2100)), "{layers:?}");
        // A rekey waiting for the peer has no timer: it starts on the peer's traffic.
        p.b.handle_timeout(ms(2100)).unwrap();
        assert_eq!(
            events(&mut p.b),
            [
                Event::RekeyStarted {
                    epoch: Epoch(2),
                    cause: RekeyCause::Interval
                },
                Event::EpochStarted { epoch: Epoch(2) }
            ]
        );
        p.a.handle_timeout(ms(2000)).unwrap();
        assert_eq!(
            events(&mut p.a),
            [Event::RekeyStarted {
                epoch: Epoch(2),
                cause: RekeyCause::Interval
            }]
        );
        assert!(p.a.rekey_pending());
        assert_eq!(p.a.poll_timeout(), None, "{layers:?}");
    }
}

#[test]
fn a_soft_limit_is_told_once_and_starts_a_rekey() {
    let mut p = Pair::new(Layers::Sframe, 3, |c| c.with_frame_limit(8));
    for i in 0..5 {
        p.send(true, MediaKind::Video, &[i; 500], ms(u64::from(i)))
            .unwrap();
    }
    assert_eq!(events(&mut p.a), []);
    // Three quarters of the limit used: told once, and a rekey wanted...
    p.send(true, MediaKind::Video, &[5; 500], ms(5)).unwrap();
    assert_eq!(
        events(&mut p.a),
        [
            Event::SoftLimitReached {
                kind: MediaKind::Video
            },
            Event::RekeyStarted {
                epoch: Epoch(1),
                cause: RekeyCause::SoftLimit
            }
        ]
    );
    // ...which the next frame goes out under.
    assert_eq!(
        p.send(true, MediaKind::Video, &[6; 500], ms(6))
            .unwrap()
            .unwrap()
            .0,
        Epoch(1)
    );
    assert_eq!(events(&mut p.a), [Event::EpochStarted { epoch: Epoch(1) }]);
}

#[test]
fn a_standard_call_has_no_events_and_no_timer() {
    let (a, _) = common::handshake(4, Intent::On, Intent::Off);
    let mut call = Call::new(
        a,
        callseal::session::CallConfig::new(Role::Caller).with_rekey_interval(ms(10)),
        Some(common::hop_keys(1, 2)),
    )
    .unwrap();
    assert!(!call.is_end_to_end());
    call.handle_timeout(ms(100)).unwrap();
    assert_eq!(call.poll_timeout(), None);
    assert_eq!(call.poll_event(), None);
}

/// An application that never takes its events loses the oldest, counted; the queue never
/// grows.
#[test]
fn untaken_events_are_bounded() {
    let mut p = Pair::new(Layers::Sframe, 5, |c| c.with_grace(Grace::Frames(1)));
    for i in 0..100u64 {
        let now = ms(10 * i);
        p.a.rekey(now).unwrap();
        p.send(true, MediaKind::Audio, &[1; 50], now).unwrap();
        p.send(false, MediaKind::Audio, &[2; 50], now).unwrap();
    }
    let kept = events(&mut p.a);
    assert_eq!(kept.len(), EVENT_QUEUE_LEN);
    assert!(p.a.events_dropped() > 0);
    assert_eq!(kept.last(), Some(&Event::KeysRetired { below: Epoch(99) }));
    assert_eq!(p.a.epoch(), Epoch(100));
}
