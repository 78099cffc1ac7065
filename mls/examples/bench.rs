//! Costs of a group call, measured in one run:
//! - per frame (seal + open, 1,200 bytes): a member of a 3-member group against a one-to-one
//!   stream keyed directly (the same SFrame suite, sender and receiver);
//! - MLS commit processing in a group of 8: a join (commit by a member, applied by another,
//!   welcome opened by the newcomer) and a removal (commit made, commit applied).
//!
//! `cargo run --release -p callseal-mls --example bench`

use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, KeyId, MediaKind, SframeSuite};
use callseal_mls::{Group, Member};
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

fn main() {
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
