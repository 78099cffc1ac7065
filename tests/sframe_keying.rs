//! The draft's per-SSRC key derivation as a call option: both ends with it talk, through
//! rekeys and in both layer settings with SFrame; an end with it and one without do not (the
//! keys really differ); and per-packet SFrame runs with it too.

mod common;

use callseal::rtp_sframe::{SframeKeying, SframeMode};
use callseal::session::{CallConfig, Layers};
use callseal::Intent;
use callseal::{Error, MediaKind, Role};
use common::{handshake, Pair};
use std::time::Duration;

#[test]
fn per_ssrc_keys_carry_a_call_through_rekeys() {
    for layers in [Layers::Sframe, Layers::Both] {
        for mode in [SframeMode::PerFrame, SframeMode::PerPacket] {
            let mut p = Pair::new(layers, 3, |c| {
                c.with_sframe_keying(SframeKeying::PerSsrc)
                    .with_sframe_mode(mode)
            });
            let frame: Vec<u8> = (0..5000u32).map(|i| i as u8).collect();
            for step in 0..4u64 {
                let now = Duration::from_secs(step);
                if step == 2 {
                    p.a.rekey(now).unwrap();
                }
                for kind in MediaKind::ALL {
                    for from_a in [true, false] {
                        let (_, got) = p.send(from_a, kind, &frame, now).unwrap().unwrap();
                        assert_eq!(got, frame, "{layers:?} {mode:?} {kind:?}");
                    }
                }
            }
            assert_eq!(p.a.epoch().0, 1);
            assert_eq!(p.b.peer_epoch().0, 1);
        }
    }
}

#[test]
fn per_ssrc_keys_differ_from_the_kid_schemes() {
    let cfg = |role, keying| {
        CallConfig::new(role)
            .with_layers(Layers::Sframe)
            .with_sframe_keying(keying)
    };
    let mut p = Pair::from_configs(
        handshake(4, Intent::On, Intent::On),
        [
            cfg(Role::Caller, SframeKeying::PerSsrc),
            cfg(Role::Callee, SframeKeying::Streams),
        ],
    );
    for kind in MediaKind::ALL {
        assert_eq!(
            p.send(true, kind, &[7; 300], Duration::ZERO).err(),
            Some(Error::Authentication),
            "{kind:?}"
        );
    }
}
