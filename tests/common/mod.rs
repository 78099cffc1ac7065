//! The test harness shared by the integration tests (and by the fuzz targets and benchmarks
//! that include it by path): a handshake ([`Handshake`], [`handshake`]), two ends of a call
//! ([`Pair`]) and a counting allocator ([`alloc`]).
//!
//! Every helper takes what makes a run what it is (the generator, the context, the intents,
//! the configurations) from its caller, so a test that moves here runs on the same inputs.
#![allow(dead_code)]

pub mod alloc;

use callseal::handshake::{
    Callee, CalleeRandom, Caller, CallerRandom, Established, HandshakeConfig, Retained,
};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::{Error, Intent, MediaKind, Role, Secret, SrtpMasterKey, SrtpSuite};
use rand_chacha::rand_core::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Duration;

/// Every layer setting.
pub const LAYERS: [Layers; 3] = [Layers::Both, Layers::Srtp, Layers::Sframe];

/// A completed handshake: its three messages and what each end made of it.
pub struct Handshake {
    pub offer: Vec<u8>,
    pub answer: Vec<u8>,
    pub confirm: Vec<u8>,
    pub caller: Established,
    pub callee: Established,
}

impl Handshake {
    /// Run a handshake in `ctx`: the caller's offer, the callee's answer, the caller's
    /// confirm and the callee's check of it, each drawing from `rng` in that order. Returns
    /// the first step's error.
    pub fn run<R: RngCore + CryptoRng>(
        rng: &mut R,
        ctx: &[u8],
        caller: &HandshakeConfig,
        callee: &HandshakeConfig,
    ) -> Result<Handshake, Error> {
        let (c, offer) = Caller::offer_with_random(caller, ctx, random(rng))?;
        let (d, answer) = Callee::accept_with_random(callee, ctx, &offer, random(rng))?;
        Self::complete((c, offer), (d, answer))
    }

    /// A handshake of any version in `ctx` with these retained records, drawing from `rng` as
    /// the test vectors do: the caller's X25519 secret, the callee's, then the caller's ML-KEM
    /// seeds `d` and `z` and the callee's `m` (32 bytes each). Returns the first step's error.
    pub fn run_with<R: RngCore + CryptoRng>(
        rng: &mut R,
        ctx: &[u8],
        caller: (&HandshakeConfig, &Retained),
        callee: (&HandshakeConfig, &Retained),
    ) -> Result<Handshake, Error> {
        let [cx, ex, d, z, m] = core::array::from_fn(|_| Secret::new(random(rng)));
        let (c, offer) = Caller::offer_with(caller.0, ctx, caller.1, CallerRandom::new(cx, d, z))?;
        let (e, answer) =
            Callee::accept_with(callee.0, ctx, &offer, callee.1, CalleeRandom::new(ex, m))?;
        Self::complete((c, offer), (e, answer))
    }

    /// The Confirm from the caller, and the callee's check of it.
    fn complete(
        (mut c, offer): (Caller, Vec<u8>),
        (mut e, answer): (Callee, Vec<u8>),
    ) -> Result<Handshake, Error> {
        let (confirm, at_caller) = c.finish(&answer)?;
        let at_callee = e.confirm(&confirm)?;
        Ok(Handshake {
            offer,
            answer,
            confirm,
            caller: at_caller,
            callee: at_callee,
        })
    }

    /// The caller's end and the callee's.
    pub fn ends(self) -> (Established, Established) {
        (self.caller, self.callee)
    }
}

/// A completed handshake in `ctx`, drawing from `rng`, between a caller and a callee with
/// these intents and otherwise default configurations.
pub fn handshake_with<R: RngCore + CryptoRng>(
    rng: &mut R,
    ctx: &[u8],
    caller: Intent,
    callee: Intent,
) -> (Established, Established) {
    let cfg = HandshakeConfig::new;
    Handshake::run(rng, ctx, &cfg(caller), &cfg(callee))
        .unwrap()
        .ends()
}

/// A completed handshake between a caller and a callee with these intents, from `seed`.
pub fn handshake(seed: u64, caller: Intent, callee: Intent) -> (Established, Established) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    handshake_with(&mut rng, b"call | alice | bob", caller, callee)
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
    /// An end-to-end call with `layers` from the [`handshake`] of `seed`, each side's
    /// configuration adjusted by `tweak`.
    pub fn new(layers: Layers, seed: u64, tweak: impl Fn(CallConfig) -> CallConfig) -> Pair {
        Pair::from_ends(handshake(seed, Intent::On, Intent::On), layers, tweak)
    }

    /// A call between the ends of a handshake (caller, callee), with `layers`, each side's
    /// configuration adjusted by `tweak`.
    pub fn from_ends(
        ends: (Established, Established),
        layers: Layers,
        tweak: impl Fn(CallConfig) -> CallConfig,
    ) -> Pair {
        let cfg = |role| tweak(CallConfig::new(role).with_layers(layers));
        Pair::from_configs(ends, [cfg(Role::Caller), cfg(Role::Callee)])
    }

    /// A call between the ends of a handshake (caller, callee), each with its own
    /// configuration. A side whose configuration has both layers gets the [`hop_keys`]
    /// (caller 1 out and 2 in, callee the reverse), as a standard call needs them too; a
    /// side with one layer gets none.
    pub fn from_configs((a, b): (Established, Established), [ca, cb]: [CallConfig; 2]) -> Pair {
        let hop =
            |cfg: &CallConfig, out, inb| (cfg.layers == Layers::Both).then(|| hop_keys(out, inb));
        let (ha, hb) = (hop(&ca, 1, 2), hop(&cb, 2, 1));
        Pair {
            a: Call::new(a, ca, ha).unwrap(),
            b: Call::new(b, cb, hb).unwrap(),
            packets: Packets::new(),
        }
    }

    /// The two ends, caller first, for code that picks one by index.
    pub fn into_calls(self) -> [Call; 2] {
        [self.a, self.b]
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
        packets(self.ends(from_a).0, kind, frame, ts, now)
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

/// The packets of one frame sent by `tx`, not delivered.
pub fn packets(
    tx: &mut Call,
    kind: MediaKind,
    frame: &[u8],
    ts: u32,
    now: Duration,
) -> Vec<Vec<u8>> {
    let mut out = Packets::new();
    tx.send_frame(kind, frame, ts, now, &mut out).unwrap();
    out.iter().map(<[u8]>::to_vec).collect()
}

/// Deliver `packets` to `rx` in order, stopping at the first error; returns the epoch and bytes of the last frame delivered.
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

/// 32 bytes from `rng`: the randomness of one side's ephemeral key.
pub fn random(rng: &mut impl rand_chacha::rand_core::RngCore) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}
