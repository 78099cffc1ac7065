//! A deterministic group simulator: members join and leave mid-call while frames travel a
//! network that loses, reorders and duplicates them. Every frame delivered once opens to the
//! original; a copy is refused as a replay; no frame in flight across an epoch change is lost;
//! a removed member's later frames are refused and later frames are unreadable to it.

mod common;

use callseal::MediaKind;
use callseal_mls::Error;
use common::{open, seal, Harness, Rng};

struct Packet {
    from: usize,
    leaf: u32,
    kind: MediaKind,
    plain: Vec<u8>,
    sealed: Vec<u8>,
    /// The members removed when it was sealed.
    removed_then: Vec<usize>,
    /// How many members the group had had when it was sealed (later joiners lack its key).
    members_then: usize,
    /// Held back across one membership change already.
    held: bool,
}

/// Send one frame from every active member per round, shuffle the network, deliver all but
/// a random quarter, which stays in flight across whatever happens before the next run (one
/// epoch change: as with the one-to-one call's rekey, keys two epochs old are gone).
fn run(
    h: &mut Harness,
    net: &mut Vec<Packet>,
    rng: &mut Rng,
    rounds: usize,
    removed: &[usize],
    stats: &mut Stats,
) {
    for round in 0..rounds {
        for from in 0..h.members.len() {
            // Removed members keep sending with the keys they held (they never saw the commit).
            if !h.members[from].is_active() {
                continue;
            }
            let kind = MediaKind::ALL[(round + from) % 3];
            let plain = format!("{from}:{round}:{kind}:{}", rng.next()).into_bytes();
            let sealed = seal(&mut h.members[from], kind, &plain);
            net.push(Packet {
                from,
                leaf: h.members[from].own_leaf(),
                kind,
                plain,
                sealed,
                removed_then: removed.to_vec(),
                members_then: h.members.len(),
                held: false,
            });
        }
    }
    // Reorder (a bounded shuffle: each packet moves up to 8 places).
    for i in 0..net.len() {
        let j = (i + rng.below(8) as usize).min(net.len() - 1);
        net.swap(i, j);
    }
    let mut in_flight = Vec::new();
    for mut p in net.drain(..) {
        if !p.held && rng.below(100) < 25 {
            p.held = true;
            in_flight.push(p);
            continue;
        }
        if rng.below(100) < 5 {
            stats.lost += 1;
            continue;
        }
        let copies = if rng.below(100) < 5 { 2 } else { 1 };
        for copy in 0..copies {
            for to in (0..p.members_then).filter(|&to| to != p.from) {
                let got = open(&mut h.members[to], &p.sealed);
                if removed.contains(&to) {
                    if p.removed_then.contains(&to) {
                        // Sealed after `to` was removed: unreadable to it.
                        assert!(got.is_err());
                        stats.unreadable += 1;
                    }
                } else if removed.contains(&p.from) {
                    // From a removed member: refused, whenever it was sealed.
                    assert_eq!(got, Err(Error::Frame(callseal::Error::UnknownKey)));
                    stats.refused += 1;
                } else if copy == 0 {
                    assert_eq!(got, Ok((p.leaf, p.kind, p.plain.clone())));
                    stats.delivered += 1;
                } else {
                    assert_eq!(got, Err(Error::Frame(callseal::Error::Replay)));
                    stats.replays += 1;
                }
            }
        }
    }
    *net = in_flight;
}

#[derive(Default, Debug)]
struct Stats {
    delivered: usize,
    lost: usize,
    replays: usize,
    refused: usize,
    unreadable: usize,
}

fn simulate(members: usize, seed: u64) -> Stats {
    let mut rng = Rng(seed);
    let mut stats = Stats::default();
    let mut h = Harness::new(2);
    let mut net = Vec::new();
    run(&mut h, &mut net, &mut rng, 4, &[], &mut stats);
    // The others join one at a time, mid-call, each added by a random member; frames sealed
    // before each commit are still travelling when it lands.
    for i in 2..members {
        let by = rng.below(h.members.len() as u64) as usize;
        h.add(by, format!("joiner-{i}").as_bytes());
        h.common_code();
        run(&mut h, &mut net, &mut rng, 3, &[], &mut stats);
    }
    // Members are removed (one of three, two of more); they never apply the commit and keep
    // sending.
    let mut removed = Vec::new();
    for _ in 0..(members - 1) / 2 {
        let victim = loop {
            let v = rng.below(h.members.len() as u64) as usize;
            if v != 0 && !removed.contains(&v) {
                break v;
            }
        };
        let leaf = h.members[victim].own_leaf();
        let commit = h.members[0].remove(leaf).unwrap();
        removed.push(victim);
        for (i, g) in h.members.iter_mut().enumerate() {
            if i != 0 && !removed.contains(&i) {
                g.process(&commit).unwrap();
            }
        }
        run(&mut h, &mut net, &mut rng, 4, &removed, &mut stats);
    }
    // A self-update by a remaining member, frames in flight across it.
    let from = (1..h.members.len()).find(|i| !removed.contains(i)).unwrap();
    let commit = h.members[from].self_update().unwrap();
    for (i, g) in h.members.iter_mut().enumerate() {
        if i != from && !removed.contains(&i) {
            g.process(&commit).unwrap();
        }
    }
    run(&mut h, &mut net, &mut rng, 4, &removed, &mut stats);
    // Drain what is still in flight.
    while !net.is_empty() {
        run(&mut h, &mut net, &mut rng, 0, &removed, &mut stats);
    }
    stats
}

#[test]
fn three_members_join_and_leave_under_loss_reordering_and_duplication() {
    for seed in 1..4 {
        let s = simulate(3, seed);
        assert!(
            s.delivered > 30 && s.refused > 0 && s.unreadable > 0,
            "{s:?}"
        );
    }
}

#[test]
fn eight_members_join_and_leave_under_loss_reordering_and_duplication() {
    let s = simulate(8, 0x5eed);
    eprintln!("{s:?}");
    assert!(
        s.delivered > 500 && s.lost > 0 && s.replays > 0 && s.refused > 0 && s.unreadable > 0,
        "{s:?}"
    );
}
