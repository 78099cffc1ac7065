//! Two endpoints of an end-to-end encrypted call in one process: the handshake over an
//! in-memory "signaling channel", both security codes, then ten seconds of call time with
//! audio and video both ways through SFrame inside hop-by-hop SRTP, a rekey on an interval
//! driven by `poll_timeout`, and the events each side sees.
//!
//! `cargo run --example two_endpoints`

use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::session::{Call, CallConfig, Event, Layers, PacketKeys, Packets};
use callseal::{Intent, MediaKind, Role, SrtpMasterKey, SrtpSuite};
use std::time::Duration;

fn main() -> Result<(), callseal::Error> {
    // The handshake: three messages the application carries over its own signaling.
    let context = b"call 7 | alice@contoso.com | bob@contoso.com";
    let config = HandshakeConfig::new(Intent::On);
    let (mut caller, offer) = Caller::offer(&config, context)?;
    let (mut callee, answer) = Callee::accept(&config, context, &offer)?;
    let (confirm, alice_keys) = caller.finish(&answer)?;
    let bob_keys = callee.confirm(&confirm)?;
    let code = alice_keys.security_code().expect("end-to-end");
    println!("alice sees {code}");
    println!(
        "bob sees   {}",
        bob_keys.security_code().expect("end-to-end")
    );
    println!(
        "offer {} B, answer {} B, confirm {} B",
        offer.len(),
        answer.len(),
        confirm.len()
    );

    // Hop-by-hop SRTP keys, as DTLS-SRTP with the relay would give them (fixed here).
    let hop = |k: u8| SrtpMasterKey::new(SrtpSuite::AeadAes128Gcm, &[k; 16], &[k; 12]);
    let (ab, ba) = (1, 2);
    let call_config = |role| {
        CallConfig::new(role)
            .with_layers(Layers::Both)
            .with_rekey_interval(Duration::from_secs(4))
    };
    let mut alice = Call::new(
        alice_keys,
        call_config(Role::Caller),
        Some(PacketKeys::new(hop(ab)?, hop(ba)?)),
    )?;
    let mut bob = Call::new(
        bob_keys,
        call_config(Role::Callee),
        Some(PacketKeys::new(hop(ba)?, hop(ab)?)),
    )?;

    // Ten seconds of media in 20 ms ticks: an audio frame each tick, a video frame every
    // other. Timers fire when poll_timeout says; events are taken after every step.
    let mut packets = Packets::new();
    let mut delivered = [0u32; 2];
    for tick in 0..500u32 {
        let now = Duration::from_millis(20 * u64::from(tick));
        for (from_alice, side) in [(true, 0), (false, 1)] {
            let (tx, rx) = if from_alice {
                (&mut alice, &mut bob)
            } else {
                (&mut bob, &mut alice)
            };
            if tx.poll_timeout().is_some_and(|t| t <= now) {
                tx.handle_timeout(now)?;
            }
            let ts = 48 * 20 * tick;
            packets.clear();
            tx.send_frame(MediaKind::Audio, &[side as u8; 120], ts, now, &mut packets)?;
            if tick % 2 == 0 {
                let video = vec![tick as u8; 3000 + (tick as usize % 7) * 500];
                tx.send_frame(MediaKind::Video, &video, ts, now, &mut packets)?;
            }
            for p in packets.iter() {
                let mut wire = p.to_vec(); // what the relay forwards
                if rx.receive_packet(&mut wire, now)?.is_some() {
                    delivered[side] += 1;
                }
            }
            for call in [&mut *tx, &mut *rx] {
                let who = if call.role() == Role::Caller {
                    "alice"
                } else {
                    "bob  "
                };
                while let Some(event) = call.poll_event() {
                    println!("{:>6} ms  {who}  {}", now.as_millis(), describe(event));
                }
            }
        }
    }
    println!(
        "frames delivered: alice -> bob {}, bob -> alice {}; epochs {} and {}",
        delivered[0],
        delivered[1],
        alice.epoch().0,
        bob.epoch().0
    );
    assert_eq!(delivered, [750, 750]);
    Ok(())
}

fn describe(event: Event) -> String {
    match event {
        Event::RekeyStarted { epoch, cause } => format!("rekey to epoch {} ({cause:?})", epoch.0),
        Event::EpochStarted { epoch } => format!("now sends with epoch {}", epoch.0),
        Event::PeerMoved { epoch } => format!("peer moved to epoch {}", epoch.0),
        Event::KeysRetired { below } => format!("keys below epoch {} zeroized", below.0),
        Event::SoftLimitReached { kind } => format!("{kind} key nearly used up"),
        other => format!("{other:?}"),
    }
}
