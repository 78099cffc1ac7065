// A call's receive path: arbitrary packets to a callee in each layer setting, per-frame and
// per-packet SFrame. No panic; with a
// packet layer a genuine frame still arrives intact afterwards; without one, whatever is
// delivered is the genuine frame. The file that includes this one declares the shared test
// harness (tests/common) as `crate::common`.
use callseal::rtp_sframe::SframeMode;
use callseal::session::{Call, Layers, Packets};
use callseal::{Intent, MediaKind};
use crate::common::{handshake_with, Pair};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// Two ends of an end-to-end call with `layers`.
pub fn call_pair(layers: Layers, seed: u64) -> (Call, Call) {
    call_pair_in(layers, SframeMode::PerFrame, seed)
}

/// Two ends of an end-to-end call with `layers` and per-frame or per-packet SFrame.
pub fn call_pair_in(layers: Layers, mode: SframeMode, seed: u64) -> (Call, Call) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ends = handshake_with(&mut rng, b"fuzz", Intent::On, Intent::On);
    let [a, b] = Pair::from_ends(ends, layers, |c| c.with_sframe_mode(mode)).into_calls();
    (a, b)
}

/// The fuzz target body: runs one input.
pub fn session(data: &[u8]) {
    let Some((&sel, mut rest)) = data.split_first() else { return };
    let layers = [Layers::Both, Layers::Srtp, Layers::Sframe][(sel % 3) as usize];
    let mode = [SframeMode::PerFrame, SframeMode::PerPacket][(sel / 3 % 2) as usize];
    let (mut a, mut b) = call_pair_in(layers, mode, 1);
    let frame = vec![0x42u8; 3000];
    let mut packets = Packets::new();
    a.send_frame(MediaKind::Video, &frame, 7, Duration::ZERO, &mut packets)
        .unwrap();
    // The input is a sequence of length-prefixed packets.
    while let Some((&len, tail)) = rest.split_first() {
        let len = (len as usize * 8).min(tail.len());
        let mut p = tail[..len].to_vec();
        if let Ok(Some(r)) = b.receive_packet(&mut p, Duration::ZERO) {
            assert_eq!(r.frame, &frame[..], "a forged frame was delivered");
        }
        rest = &tail[len..];
    }
    let mut delivered = None;
    for p in packets.iter() {
        let mut p = p.to_vec();
        if let Ok(Some(r)) = b.receive_packet(&mut p, Duration::ZERO) {
            delivered = Some(r.frame.to_vec());
        }
    }
    match delivered {
        Some(f) => assert_eq!(f, frame),
        // Without SRTP a relay can spoil reassembly (never content); with it, nothing can.
        None => assert_eq!(layers, Layers::Sframe, "the genuine frame was lost"),
    }
}
