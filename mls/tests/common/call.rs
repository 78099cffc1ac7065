//! A one-to-one call to grow, and a forwarding unit with a hop-by-hop SRTP leg per participant.

use callseal::handshake::{Callee, Caller, HandshakeConfig, SecurityCode};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{Intent, MediaKind, Role, SrtpMasterKey, SrtpSuite};
use callseal_mls::{GroupCall, GroupCallConfig, GroupReceived, Member, Sender};
use core::time::Duration;

pub const LEG_SUITE: SrtpSuite = SrtpSuite::AeadAes128Gcm;

/// A key of `LEG_SUITE` from a seed.
pub fn leg_key(seed: u8) -> SrtpMasterKey {
    let key: Vec<u8> = (0..LEG_SUITE.key_len())
        .map(|i| seed ^ (i as u8 * 7))
        .collect();
    let salt: Vec<u8> = (0..LEG_SUITE.salt_len())
        .map(|i| seed.wrapping_add(i as u8))
        .collect();
    SrtpMasterKey::new(LEG_SUITE, &key, &salt).unwrap()
}

/// One participant's leg to the forwarding unit: the keys it holds, the unit's two contexts.
pub struct Leg {
    up: SrtpReceiver,
    down: SrtpSender,
}

fn leg_config() -> SrtpConfig {
    let mut c = SrtpConfig::default();
    c.max_streams = 3 * 64;
    c
}

/// A selective forwarding unit: every packet a participant sends reaches every other
/// participant, hop-by-hop SRTP removed on the sender's leg and applied on each receiver's. It
/// reads the RTP headers and nothing of the media.
#[derive(Default)]
pub struct Sfu {
    legs: Vec<Leg>,
}

impl Sfu {
    /// A new leg; returns the participant's keys for it.
    pub fn leg(&mut self) -> PacketKeys {
        let n = self.legs.len();
        let (up, down) = (2 * n as u8 + 1, 2 * n as u8 + 2);
        self.legs.push(Leg {
            up: SrtpReceiver::new(&leg_key(up), leg_config()).unwrap(),
            down: SrtpSender::new(&leg_key(down), leg_config()).unwrap(),
        });
        Self::keys(n)
    }

    /// The participant's keys of leg `n` (again).
    pub fn keys(n: usize) -> PacketKeys {
        PacketKeys::new(leg_key(2 * n as u8 + 1), leg_key(2 * n as u8 + 2))
    }

    /// What participant `from` sent, as each other participant receives it: `(to, packet)`.
    pub fn forward(&mut self, from: usize, packets: &Packets) -> Vec<(usize, Vec<u8>)> {
        self.forward_with(from, packets, |_| {})
    }

    /// [`Sfu::forward`], `change` applied to each RTP packet between the legs (what a
    /// participant could have put in it before protecting it on its leg).
    pub fn forward_with(
        &mut self,
        from: usize,
        packets: &Packets,
        mut change: impl FnMut(&mut Vec<u8>),
    ) -> Vec<(usize, Vec<u8>)> {
        let mut out = Vec::new();
        for p in packets.iter() {
            let mut p = p.to_vec();
            let mut plain = self.legs[from].up.unprotect_rtp(&mut p).unwrap().to_vec();
            change(&mut plain);
            for (to, leg) in self.legs.iter_mut().enumerate() {
                if to != from {
                    out.push((to, leg.down.protect_rtp_vec(&plain).unwrap()));
                }
            }
        }
        out
    }
}

/// A completed end-to-end handshake and both ends of the call, hop-by-hop keyed on legs 0
/// and 1 of `sfu`, adding participants allowed or not; and the code the two users compared.
pub fn one_to_one(sfu: &mut Sfu, allow_add: bool) -> (Call, Call, SecurityCode) {
    let cfg = HandshakeConfig::new(Intent::On);
    let ctx = b"call 7 | alice | bob";
    let (mut caller, offer) = Caller::offer(&cfg, ctx).unwrap();
    let (mut callee, answer) = Callee::accept(&cfg, ctx, &offer).unwrap();
    let (confirm, a) = caller.finish(&answer).unwrap();
    let b = callee.confirm(&confirm).unwrap();
    let code = a.security_code().unwrap().clone();
    let config = |role| {
        CallConfig::new(role)
            .with_layers(Layers::Both)
            .with_add_participant(allow_add)
    };
    let alice = Call::new(a, config(Role::Caller), Some(sfu.leg())).unwrap();
    let bob = Call::new(b, config(Role::Callee), Some(sfu.leg())).unwrap();
    (alice, bob, code)
}

/// The frame `n` of `who`'s `kind` stream: its bytes name all three, so a frame delivered to
/// the wrong place or mixed up shows.
pub fn frame(who: u8, kind: MediaKind, n: u32, len: usize) -> Vec<u8> {
    let mut f = vec![who; len];
    f[0] = who;
    f[1] = kind.byte();
    f[2..6].copy_from_slice(&n.to_be_bytes());
    for (i, b) in f.iter_mut().enumerate().skip(6) {
        *b = (i as u8).wrapping_mul(31) ^ who ^ (n as u8);
    }
    f
}

/// A frame as the test keeps it: who sent it (by the receiver's account), its stream, bytes.
pub type Got = (Sender, MediaKind, Vec<u8>);

/// Deliver one packet; a completed frame is returned.
pub fn take(gc: &mut GroupCall, packet: &mut [u8], now: Duration) -> Option<Got> {
    gc.receive_packet(packet, now).unwrap().map(
        |GroupReceived {
             sender,
             kind,
             frame,
             ..
         }| (sender, kind, frame.to_vec()),
    )
}

/// Alice grows `call` into a group with Bob's key package: her group call, the welcome for
/// Bob, and Bob's member (which made the key package).
pub fn escalate(
    call: Call,
    config: GroupCallConfig,
    keys: Option<&PacketKeys>,
    t: Duration,
) -> (GroupCall, Vec<u8>, Member) {
    let bob = Member::new(b"bob").unwrap();
    let (alice, welcome) = GroupCall::escalate(
        call,
        Member::new(b"alice").unwrap(),
        &bob.key_package().unwrap(),
        config,
        keys,
        t,
    )
    .unwrap();
    (alice, welcome, bob)
}
