//! The test harness shared by the integration tests: two ends of a call ([`Pair`]) and a
//! counting allocator ([`alloc`]).
#![allow(dead_code)]

pub mod alloc;

use callseal::handshake::{Callee, Caller, Established, HandshakeConfig};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::{Error, Intent, MediaKind, Role, SrtpMasterKey, SrtpSuite};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// Every layer setting.
pub const LAYERS: [Layers; 3] = [Layers::Both, Layers::Srtp, Layers::Sframe];

/// A completed handshake between a caller and a callee with these intents, from `seed`.
pub fn handshake(seed: u64, caller: Intent, callee: Intent) -> (Established, Established) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let ctx = b"call | alice | bob";
    let (mut c, offer) = Caller::offer(&HandshakeConfig::new(caller), ctx, &mut rng).unwrap();
    let (mut d, answer) =
        Callee::accept(&HandshakeConfig::new(callee), ctx, &offer, &mut rng).unwrap();
    let (confirm, a) = c.finish(&answer).unwrap();
    (a, d.confirm(&confirm).unwrap())
}

/// Hop-by-hop SRTP keys: `out` protects, `inb` unprotects.
pub fn hop_keys(out: u8, inb: u8) -> PacketKeys {
    let k = |x: u8| SrtpMasterKey::new(SrtpSuite::AeadAes128Gcm, &[x; 16], &[x; 12]).unwrap();
    PacketKeys::new(k(out), k(inb))
}

/// Two ends of one call: `a` the caller, `b` the callee.
pub struct Pair {
    pub a: Call,
    pub b: Call,
    packets: Packets,
}

impl Pair {
    /// An end-to-end call with `layers`, each side's configuration adjusted by `tweak`.
    pub fn new(layers: Layers, seed: u64, tweak: impl Fn(CallConfig) -> CallConfig) -> Pair {
        let (a, b) = handshake(seed, Intent::On, Intent::On);
        let hop = layers == Layers::Both;
        let cfg = |role| tweak(CallConfig::new(role).with_layers(layers));
        Pair {
            a: Call::new(a, cfg(Role::Caller), hop.then(|| hop_keys(1, 2))).unwrap(),
            b: Call::new(b, cfg(Role::Callee), hop.then(|| hop_keys(2, 1))).unwrap(),
            packets: Packets::new(),
        }
    }

    /// One end and the other: `from_a` picks the sender.
    pub fn ends(&mut self, from_a: bool) -> (&mut Call, &mut Call) {
        if from_a {
            (&mut self.a, &mut self.b)
        } else {
            (&mut self.b, &mut self.a)
        }
    }

    /// The packets of one frame sent by `a` (or `b`), not delivered.
    pub fn packets(
        &mut self,
        from_a: bool,
        kind: MediaKind,
        frame: &[u8],
        ts: u32,
        now: Duration,
    ) -> Vec<Vec<u8>> {
        let mut out = Packets::new();
        let tx = if from_a { &mut self.a } else { &mut self.b };
        tx.send_frame(kind, frame, ts, now, &mut out).unwrap();
        out.iter().map(<[u8]>::to_vec).collect()
    }

    /// Send one frame from `a` (or `b`) and deliver every packet in order; returns the epoch
    /// and bytes of the frame delivered, if one was.
    pub fn send(
        &mut self,
        from_a: bool,
        kind: MediaKind,
        frame: &[u8],
        now: Duration,
    ) -> Result<Option<(callseal::Epoch, Vec<u8>)>, Error> {
        self.packets.clear();
        let ts = (now.as_millis() as u32).wrapping_mul(90);
        let (tx, rx) = if from_a {
            (&mut self.a, &mut self.b)
        } else {
            (&mut self.b, &mut self.a)
        };
        tx.send_frame(kind, frame, ts, now, &mut self.packets)?;
        deliver(rx, self.packets.iter().map(<[u8]>::to_vec), now)
    }
}

/// Deliver `packets` to `rx` in order; returns the epoch and bytes of the last frame delivered.
pub fn deliver(
    rx: &mut Call,
    packets: impl IntoIterator<Item = Vec<u8>>,
    now: Duration,
) -> Result<Option<(callseal::Epoch, Vec<u8>)>, Error> {
    let mut got = None;
    for mut p in packets {
        if let Some(r) = rx.receive_packet(&mut p, now)? {
            got = Some((r.epoch, r.frame.to_vec()));
        }
    }
    Ok(got)
}

/// A packet on the simulated network; a [`std::collections::BinaryHeap`] of them pops the
/// earliest arrival first.
#[derive(PartialEq, Eq)]
pub struct InFlight {
    /// When it arrives.
    pub at: u64,
    /// Sent order, to break ties.
    pub order: u64,
    /// The end it goes to.
    pub to: usize,
    pub bytes: Vec<u8>,
}

impl Ord for InFlight {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (o.at, o.order).cmp(&(self.at, self.order))
    }
}

impl PartialOrd for InFlight {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
