//! Costs of a group call, measured in one run:
//! - per frame through the sessions (send + receive, SFrame inside hop-by-hop SRTP, 160 B audio
//!   and 12 KiB video frames): a member of a 3-member `GroupCall` against the one-to-one `Call`
//!   it grew from;
//! - per frame (seal + open, 1,200 bytes): a member of a 3-member group against a one-to-one
//!   stream keyed directly (the same SFrame suite, sender and receiver);
//! - MLS commit processing in a group of 8: a join (commit by a member, applied by another,
//!   welcome opened by the newcomer) and a removal (commit made, commit applied).
//!
//! `cargo run --release -p callseal-mls --example bench`

use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, Intent, KeyId, MediaKind, Role, SframeSuite, SrtpMasterKey, SrtpSuite};
use callseal_mls::{Group, GroupCall, GroupCallConfig, Member};
use std::time::{Duration, Instant};

const SUITE: SframeSuite = SframeSuite::Aes128GcmSha256_128;
const FRAME: usize = 1200;
/// Frames per chunk; the two cases run in alternating chunks and each reports its median
/// chunk, so a busy machine skews both alike.
const FRAMES: u32 = 10_000;
const CHUNKS: usize = 31;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

struct OneToOne {
    tx: SframeSender,
    rx: SframeReceiver,
}

impl OneToOne {
    fn new() -> Self {
        let config = SframeConfig::new(SUITE);
        let base = [7u8; 16];
        let tx = SframeSender::dangerous_new_unguarded(&config, KeyId(1), &base).unwrap();
        let mut rx = SframeReceiver::new(config).unwrap();
        rx.install_key(KeyId(1), Epoch(0), &base).unwrap();
        OneToOne { tx, rx }
    }

    fn chunk(&mut self) -> Duration {
        let frame = [0x5au8; FRAME];
        let mut buf = [0u8; FRAME + 64];
        let start = Instant::now();
        for _ in 0..FRAMES {
            let n = self
                .tx
                .seal_into(&frame, &mut buf, FrameOptions::NONE)
                .unwrap();
            self.rx.open(&mut buf[..n], FrameOptions::NONE).unwrap();
        }
        start.elapsed() / FRAMES
    }
}

fn group(n: usize) -> Vec<Group> {
    let mut g = vec![Group::create(Member::new(b"m0").unwrap(), SUITE).unwrap()];
    for i in 1..n {
        let m = Member::new(format!("m{i}").as_bytes()).unwrap();
        let invite = g[0].add(&m.key_package().unwrap()).unwrap();
        for other in &mut g[1..] {
            other.process(&invite.commit).unwrap();
        }
        g.push(Group::join(m, &invite.welcome, SUITE).unwrap());
    }
    g
}

fn group_chunk(g: &mut [Group]) -> Duration {
    let frame = [0x5au8; FRAME];
    let mut buf = [0u8; FRAME + 64];
    let (a, rest) = g.split_at_mut(1);
    let start = Instant::now();
    for _ in 0..FRAMES {
        let n = a[0]
            .seal_into(MediaKind::Video, &frame, &mut buf, FrameOptions::NONE)
            .unwrap();
        rest[0].open(&mut buf[..n], FrameOptions::NONE).unwrap();
    }
    start.elapsed() / FRAMES
}

fn leg_key(seed: u8) -> SrtpMasterKey {
    let suite = SrtpSuite::AeadAes128Gcm;
    SrtpMasterKey::new(
        suite,
        &vec![seed; suite.key_len()],
        &vec![seed; suite.salt_len()],
    )
    .unwrap()
}

/// Keys of a sender whose packets go straight to a receiver holding `(in, out)` swapped.
fn keys(out: u8, inb: u8) -> PacketKeys {
    PacketKeys::new(leg_key(out), leg_key(inb))
}

/// Both ends of an end-to-end call allowed to grow.
fn calls() -> (Call, Call) {
    let cfg = HandshakeConfig::new(Intent::On);
    let (mut caller, offer) = Caller::offer(&cfg, b"bench").unwrap();
    let (mut callee, answer) = Callee::accept(&cfg, b"bench", &offer).unwrap();
    let (confirm, a) = caller.finish(&answer).unwrap();
    let b = callee.confirm(&confirm).unwrap();
    let config = |role| {
        CallConfig::new(role)
            .with_layers(Layers::Both)
            .with_add_participant(true)
    };
    (
        Call::new(a, config(Role::Caller), Some(keys(1, 2))).unwrap(),
        Call::new(b, config(Role::Callee), Some(keys(2, 1))).unwrap(),
    )
}

/// Alice and Bob of a 3-member group call grown from a call, Alice's packets going straight
/// to Bob (the unit's re-protection left out, as the one-to-one case has none).
fn group_calls() -> (GroupCall, GroupCall, GroupCall) {
    let (a, b) = calls();
    let config = GroupCallConfig::default()
        .with_max_frame(64 * 1024)
        .with_update_interval(None);
    let now = Duration::ZERO;
    let bob = Member::new(b"bob").unwrap();
    let (mut alice, welcome) = GroupCall::escalate(
        a,
        Member::new(b"alice").unwrap(),
        &bob.key_package().unwrap(),
        config,
        Some(&keys(3, 4)),
        now,
    )
    .unwrap();
    let mut bob =
        GroupCall::accept_escalation(b, bob, &welcome, config, Some(&keys(4, 3)), now).unwrap();
    let carol = Member::new(b"carol").unwrap();
    let invite = alice.add(&carol.key_package().unwrap(), now).unwrap();
    bob.process(&invite.commit, now).unwrap();
    let suite = alice.group().suite();
    let carol = GroupCall::join(
        carol,
        &invite.welcome,
        suite,
        config,
        Some(&keys(5, 6)),
        now,
    )
    .unwrap();
    (alice, bob, carol)
}

/// `frames` frames of `len` bytes sent by `send` and received by `receive`; time per frame.
fn session_chunk(
    len: usize,
    frames: u32,
    send: &mut dyn FnMut(&[u8], u32, &mut Packets),
    receive: &mut dyn FnMut(&mut [u8]) -> bool,
) -> Duration {
    let frame = vec![0x5au8; len];
    let mut packets = Packets::with_capacity(2 * len + 4096, 64);
    let mut wire = vec![0u8; 2048];
    let start = Instant::now();
    for i in 0..frames {
        packets.clear();
        send(&frame, i, &mut packets);
        let mut done = false;
        for p in packets.iter() {
            let w = &mut wire[..p.len()];
            w.copy_from_slice(p);
            done |= receive(w);
        }
        assert!(done);
    }
    start.elapsed() / frames
}

fn sessions() {
    let (mut a, mut b) = calls();
    let (mut ga, mut gb, _carol) = group_calls();
    let now = Duration::ZERO;
    for (kind, len, frames) in [
        (MediaKind::Audio, 160, 20_000),
        (MediaKind::Video, 12 * 1024, 2_000),
    ] {
        let (mut ones, mut grps) = (vec![], vec![]);
        for _ in 0..CHUNKS {
            ones.push(session_chunk(
                len,
                frames,
                &mut |f, ts, out| a.send_frame(kind, f, ts, now, out).unwrap(),
                &mut |p| b.receive_packet(p, now).unwrap().is_some(),
            ));
            grps.push(session_chunk(
                len,
                frames,
                &mut |f, ts, out| ga.send_frame(kind, f, ts, now, out).unwrap(),
                &mut |p| gb.receive_packet(p, now).unwrap().is_some(),
            ));
        }
        let (one, grp) = (median(ones), median(grps));
        println!(
            "session per frame ({kind}, {len} B, send + receive, SFrame in SRTP): one-to-one Call {one:?}, GroupCall member {grp:?} ({:.2}x)",
            grp.as_secs_f64() / one.as_secs_f64()
        );
    }
}

fn main() {
    sessions();
    let mut pair = OneToOne::new();
    let mut g3 = group(3);
    let (mut ones, mut grps) = (vec![], vec![]);
    for _ in 0..CHUNKS {
        ones.push(pair.chunk());
        grps.push(group_chunk(&mut g3));
    }
    let (one, grp) = (median(ones), median(grps));
    println!(
        "per frame ({FRAME} B, seal + open, {SUITE}): one-to-one {one:?}, group member {grp:?} ({:.2}x)",
        grp.as_secs_f64() / one.as_secs_f64()
    );
    let (mut add_commit, mut add_apply, mut add_join) = (vec![], vec![], vec![]);
    let (mut rm_commit, mut rm_apply) = (vec![], vec![]);
    for _ in 0..15 {
        let mut g = group(7);
        let m = Member::new(b"m7").unwrap();
        let kp = m.key_package().unwrap();
        let t = Instant::now();
        let invite = g[0].add(&kp).unwrap();
        add_commit.push(t.elapsed());
        let t = Instant::now();
        g[1].process(&invite.commit).unwrap();
        add_apply.push(t.elapsed());
        for other in &mut g[2..] {
            other.process(&invite.commit).unwrap();
        }
        let t = Instant::now();
        let newcomer = Group::join(m, &invite.welcome, SUITE).unwrap();
        add_join.push(t.elapsed());
        g.push(newcomer);
        assert_eq!(g[0].members().len(), 8);
        let t = Instant::now();
        let commit = g[0].remove(5).unwrap();
        rm_commit.push(t.elapsed());
        let t = Instant::now();
        g[1].process(&commit).unwrap();
        rm_apply.push(t.elapsed());
    }
    println!(
        "join into 8 members: commit {:?}, applied by a member {:?}, welcome opened {:?}",
        median(add_commit),
        median(add_apply),
        median(add_join)
    );
    println!(
        "removal from 8 members: commit {:?}, applied by a member {:?}",
        median(rm_commit),
        median(rm_apply)
    );
}
