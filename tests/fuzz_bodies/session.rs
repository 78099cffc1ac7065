// A call's receive path: arbitrary packets to a callee in each layer setting. No panic; with a
// packet layer a genuine frame still arrives intact afterwards; without one, whatever is
// delivered is the genuine frame.
use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::{Intent, MediaKind, Role, SrtpMasterKey, SrtpSuite};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// Two ends of an end-to-end call with `layers`.
pub fn call_pair(layers: Layers, seed: u64) -> (Call, Call) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cfg = HandshakeConfig::new(Intent::On);
    let (mut caller, offer) = Caller::offer(&cfg, b"fuzz", &mut rng).unwrap();
    let (mut callee, answer) = Callee::accept(&cfg, b"fuzz", &offer, &mut rng).unwrap();
    let (confirm, a) = caller.finish(&answer).unwrap();
    let b = callee.confirm(&confirm).unwrap();
    let k = |x: u8| SrtpMasterKey::new(SrtpSuite::AeadAes128Gcm, &[x; 16], &[x; 12]).unwrap();
    let hop = |o, i| (layers == Layers::Both).then(|| PacketKeys::new(k(o), k(i)));
    (
        Call::new(a, CallConfig::new(Role::Caller).with_layers(layers), hop(1, 2)).unwrap(),
        Call::new(b, CallConfig::new(Role::Callee).with_layers(layers), hop(2, 1)).unwrap(),
    )
}

/// The fuzz target body: runs one input.
pub fn session(data: &[u8]) {
    let Some((&sel, mut rest)) = data.split_first() else { return };
    let layers = [Layers::Both, Layers::Srtp, Layers::Sframe][(sel % 3) as usize];
    let (mut a, mut b) = call_pair(layers, 1);
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
