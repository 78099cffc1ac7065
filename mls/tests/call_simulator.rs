//! A deterministic simulator of group call sessions: a one-to-one call grows to 3 and to 8
//! participants and shrinks again (removals and members leaving), with self-updates whose
//! commits reach the members late (after frames of the new epoch), through a forwarding unit
//! whose network loses, reorders and duplicates packets. Every frame whose packets all arrived
//! is delivered once and equal to what was sent, whatever epoch changes happened while it was
//! in flight (the move from the call's keys to the group's included); a removed member's
//! frames still in flight are refused, and nothing sent after a removal reaches the removed
//! member.

mod common;

use callseal::session::{Call, Packets};
use callseal::{Error as CoreError, MediaKind};
use callseal_mls::{Error, GroupCall, GroupCallConfig, GroupEvent, Member, Sender};
use common::call::{frame, one_to_one, Sfu};
use common::Rng;
use core::time::Duration;
use std::collections::{BTreeMap, BTreeSet};

/// One participant: its call until the group exists, then its group call.
enum Side {
    Call(Call),
    Group(GroupCall),
    /// Removed from the group; the unit still forwards to it (it does not know).
    Removed(GroupCall),
    Gone,
}

/// A frame: who sent it (participant index), its stream, its number.
type FrameId = (usize, MediaKind, u32);

struct InFlight {
    to: usize,
    frame: FrameId,
    /// Ticks left before it arrives.
    delay: u64,
    packet: Vec<u8>,
}

struct Sim {
    rng: Rng,
    sfu: Sfu,
    sides: Vec<Side>,
    /// Participant index → its leg of the unit (the same index).
    net: Vec<InFlight>,
    sent: BTreeMap<FrameId, (Vec<u8>, usize)>,
    /// Per receiver: packets of each frame that arrived (at least once).
    arrived: Vec<BTreeMap<FrameId, BTreeSet<usize>>>,
    delivered: Vec<BTreeSet<FrameId>>,
    /// Frames that must not be delivered to a receiver (a removed member's in flight, or
    /// anything to a removed member after its removal).
    refused: Vec<BTreeSet<FrameId>>,
    packet_no: BTreeMap<FrameId, usize>,
    now: Duration,
    counter: u32,
    lossy: bool,
    config: GroupCallConfig,
    /// Packets a removed member received and could not open.
    unreadable_to_removed: usize,
    /// Commits on their way to a member: `(to, ticks left, commit)`.
    late: Vec<(usize, u64, Vec<u8>)>,
    /// Frames that came before their epoch's commit and were delivered after it.
    held_delivered: usize,
}

const SUITE: callseal::SframeSuite = callseal::SframeSuite::Aes128GcmSha256_128;

impl Sim {
    fn new(seed: u64) -> Self {
        let mut sfu = Sfu::default();
        let (a, b, _) = one_to_one(&mut sfu, true);
        Sim {
            rng: Rng(seed | 1),
            sfu,
            sides: vec![Side::Call(a), Side::Call(b)],
            net: Vec::new(),
            sent: BTreeMap::new(),
            arrived: vec![BTreeMap::new(), BTreeMap::new()],
            delivered: vec![BTreeSet::new(), BTreeSet::new()],
            refused: vec![BTreeSet::new(), BTreeSet::new()],
            packet_no: BTreeMap::new(),
            now: Duration::from_secs(1),
            counter: 0,
            lossy: true,
            unreadable_to_removed: 0,
            late: Vec::new(),
            held_delivered: 0,
            config: GroupCallConfig::default()
                .with_max_frame(16 * 1024)
                .with_update_interval(None),
        }
    }

    fn group(&mut self, i: usize) -> &mut GroupCall {
        match &mut self.sides[i] {
            Side::Group(g) => g,
            _ => panic!("participant {i} has no group call"),
        }
    }

    fn active(&self) -> Vec<usize> {
        (0..self.sides.len())
            .filter(|i| matches!(self.sides[*i], Side::Call(_) | Side::Group(_)))
            .collect()
    }

    /// Every active participant sends one frame of a random kind and size (1 to 4 packets).
    fn send_round(&mut self) {
        for from in self.active() {
            let kind = MediaKind::ALL[self.rng.below(3) as usize];
            let len = 20 + self.rng.below(4000) as usize;
            self.counter += 1;
            let n = self.counter;
            let f = frame(from as u8, kind, n, len);
            let mut packets = Packets::new();
            let now = self.now;
            match &mut self.sides[from] {
                Side::Call(c) => c.send_frame(kind, &f, n, now, &mut packets).unwrap(),
                Side::Group(g) => g.send_frame(kind, &f, n, now, &mut packets).unwrap(),
                Side::Removed(_) | Side::Gone => unreachable!(),
            }
            let id = (from, kind, n);
            self.sent.insert(id, (f, packets.len()));
            let mut per_to: BTreeMap<usize, usize> = BTreeMap::new();
            for (to, packet) in self.sfu.forward(from, &packets) {
                if to >= self.sides.len() || matches!(self.sides[to], Side::Gone) {
                    continue;
                }
                if matches!(self.sides[to], Side::Removed(_)) {
                    self.refused[to].insert(id);
                }
                let no = per_to.entry(to).or_default();
                self.packet_no.insert(id, packets.len());
                let copies = if self.lossy && self.rng.below(20) == 0 {
                    2
                } else {
                    1
                };
                for _ in 0..copies {
                    if self.lossy && self.rng.below(25) == 0 {
                        continue; // lost
                    }
                    self.arrived[to].entry(id).or_default().insert(*no);
                    let delay = if self.lossy { self.rng.below(4) } else { 0 };
                    self.net.push(InFlight {
                        to,
                        frame: id,
                        delay,
                        packet: packet.clone(),
                    });
                }
                *no += 1;
            }
        }
    }

    /// Packets whose delay is over arrive, in a shuffled order.
    fn deliver_due(&mut self, flush: bool) {
        let mut due = Vec::new();
        let mut keep = Vec::new();
        for mut p in self.net.drain(..) {
            if flush || p.delay == 0 {
                due.push(p);
            } else {
                p.delay -= 1;
                keep.push(p);
            }
        }
        self.net = keep;
        for i in (1..due.len()).rev() {
            let j = self.rng.below(i as u64 + 1) as usize;
            due.swap(i, j);
        }
        let now = self.now;
        for mut p in due {
            let to = p.to;
            let got = match &mut self.sides[to] {
                Side::Call(c) => c
                    .receive_packet(&mut p.packet, now)
                    .map(|r| r.map(|r| (Sender::Pairwise, r.kind, r.frame.to_vec())))
                    .map_err(Error::Frame),
                Side::Group(g) => g
                    .receive_packet(&mut p.packet, now)
                    .map(|r| r.map(|r| (r.sender, r.kind, r.frame.to_vec()))),
                Side::Removed(g) => {
                    // Nothing sent after its removal opens for it.
                    let r = g.receive_packet(&mut p.packet, now).map(|r| r.is_some());
                    assert_eq!(r, Err(Error::Frame(CoreError::UnknownKey)));
                    self.unreadable_to_removed += 1;
                    continue;
                }
                Side::Gone => continue,
            };
            match got {
                Ok(Some((_, kind, bytes))) => {
                    let id = self.record(to, kind, &bytes);
                    assert_eq!(id, p.frame, "a frame delivered for another");
                }
                Ok(None) => {}
                // A duplicate.
                Err(Error::Frame(CoreError::Replay)) => {}
                // A removed member's packets.
                Err(Error::Frame(CoreError::UnknownKey)) if self.refused[to].contains(&p.frame) => {
                }
                Err(e) => panic!("{:?} at {to}: {e}", p.frame),
            }
        }
    }

    /// A frame `to` got: it is the one sent, byte for byte, once, and not one it must not get.
    fn record(&mut self, to: usize, kind: MediaKind, bytes: &[u8]) -> FrameId {
        let n = u32::from_be_bytes(bytes[2..6].try_into().unwrap());
        let id = (bytes[0] as usize, kind, n);
        assert_eq!(bytes, self.sent[&id].0, "a frame changed on the way");
        assert!(!self.refused[to].contains(&id), "{id:?} reached {to}");
        assert!(
            self.delivered[to].insert(id),
            "{id:?} delivered twice to {to}"
        );
        id
    }

    /// Commits that reach their member late (the signaling slower than the media), in the
    /// order they were made: those due now, or all of them.
    fn late_commits(&mut self, all: bool) {
        let now = self.now;
        let mut waiting: BTreeSet<usize> = BTreeSet::new();
        let mut keep = Vec::new();
        for (to, ticks, commit) in std::mem::take(&mut self.late) {
            if !all && (ticks > 0 || waiting.contains(&to)) {
                waiting.insert(to);
                keep.push((to, ticks.saturating_sub(1), commit));
                continue;
            }
            let Side::Group(g) = &mut self.sides[to] else {
                continue;
            };
            g.process(&commit, now).unwrap();
            // Frames of the new epoch that came first waited for it.
            let mut got = Vec::new();
            while let Some(r) = g.poll_frame() {
                let r = r.unwrap();
                got.push((r.kind, r.frame.to_vec()));
            }
            self.held_delivered += got.len();
            for (kind, bytes) in got {
                self.record(to, kind, &bytes);
            }
        }
        self.late = keep;
    }

    fn tick(&mut self) {
        self.send_round();
        self.deliver_due(false);
        self.late_commits(false);
        self.now += Duration::from_millis(20);
        for i in self.active() {
            if let Side::Group(g) = &mut self.sides[i] {
                g.handle_timeout(self.now).unwrap();
            }
        }
    }

    /// Participant 0 grows the call; participant 1 accepts.
    fn escalate(&mut self) {
        let (Side::Call(a), Side::Call(b)) = (
            std::mem::replace(&mut self.sides[0], Side::Gone),
            std::mem::replace(&mut self.sides[1], Side::Gone),
        ) else {
            panic!("not a call");
        };
        let bob = Member::new(b"p1").unwrap();
        let (ga, welcome) = GroupCall::escalate(
            a,
            Member::new(b"p0").unwrap(),
            &bob.key_package().unwrap(),
            self.config,
            Some(&Sfu::keys(0)),
            self.now,
        )
        .unwrap();
        let gb = GroupCall::accept_escalation(
            b,
            bob,
            &welcome,
            self.config,
            Some(&Sfu::keys(1)),
            self.now,
        )
        .unwrap();
        self.sides[0] = Side::Group(ga);
        self.sides[1] = Side::Group(gb);
    }

    /// Participant `by` adds a newcomer; every member applies the commit at once.
    fn add(&mut self, by: usize) -> usize {
        self.late_commits(true);
        let i = self.sides.len();
        let keys = self.sfu.leg();
        let m = Member::new(format!("p{i}").as_bytes()).unwrap();
        let now = self.now;
        let invite = self.group(by).add(&m.key_package().unwrap(), now).unwrap();
        self.commit_to_all(by, &invite.commit);
        let g = GroupCall::join(m, &invite.welcome, SUITE, self.config, Some(&keys), now).unwrap();
        self.sides.push(Side::Group(g));
        self.arrived.push(BTreeMap::new());
        self.delivered.push(BTreeSet::new());
        self.refused.push(BTreeSet::new());
        i
    }

    fn commit_to_all(&mut self, by: usize, commit: &[u8]) -> Vec<(usize, GroupEvent)> {
        self.late_commits(true);
        let now = self.now;
        let mut events = Vec::new();
        for i in self.active() {
            if i != by {
                events.push((i, self.group(i).process(commit, now).unwrap()));
            }
        }
        events
    }

    /// Participant `who` leaves: its proposal reaches every other member, the lowest leaf of
    /// those who stay commits it, the commit reaches everyone else.
    fn leave(&mut self, who: usize) {
        self.late_commits(true);
        let now = self.now;
        let proposal = self.group(who).leave().unwrap();
        let mut commits = Vec::new();
        for i in self.active() {
            if i != who {
                match self.group(i).process(&proposal, now).unwrap() {
                    GroupEvent::LeaveCommitted { commit, .. } => commits.push((i, commit)),
                    GroupEvent::LeaveProposed { .. } => {}
                    e => panic!("{e:?}"),
                }
            }
        }
        let [(by, commit)] = &commits[..] else {
            panic!("one member commits a leave, not {}", commits.len());
        };
        let events = self.commit_to_all(*by, commit);
        self.gone(who, &events);
    }

    /// Participant `by` removes participant `who`: its frames in flight are refused, and it
    /// is gone.
    fn remove(&mut self, by: usize, who: usize) {
        self.late_commits(true);
        let leaf = self.group(who).own_leaf();
        let now = self.now;
        let commit = self.group(by).remove(leaf, now).unwrap();
        let events = self.commit_to_all(by, &commit);
        self.gone(who, &events);
    }

    /// `who` is out: its frames in flight are refused, it receives on but opens nothing.
    fn gone(&mut self, who: usize, events: &[(usize, GroupEvent)]) {
        assert!(events.contains(&(who, GroupEvent::Removed)));
        for p in &self.net {
            // Its frames in flight are refused; what was in flight to it no longer matters.
            if p.frame.0 == who || p.to == who {
                self.refused[p.to].insert(p.frame);
            }
        }
        let Side::Group(g) = std::mem::replace(&mut self.sides[who], Side::Gone) else {
            unreachable!()
        };
        self.sides[who] = Side::Removed(g);
    }

    /// Participant `by` moves the group to a new epoch; its commit reaches each other member
    /// 0 to 3 ticks later, while frames of the new epoch are already on their way.
    fn self_update(&mut self, by: usize) {
        self.late_commits(true);
        let now = self.now;
        let commit = self.group(by).self_update(now).unwrap();
        for to in self.active() {
            if to != by {
                let ticks = self.rng.below(4);
                self.late.push((to, ticks, commit.clone()));
            }
        }
    }

    /// Every frame whose packets all arrived somewhere was delivered there, unless refused.
    fn check(&mut self) {
        self.deliver_due(true);
        self.late_commits(true);
        let mut complete = 0;
        for to in 0..self.sides.len() {
            for (id, got) in &self.arrived[to] {
                if got.len() == self.packet_no[id] && !self.refused[to].contains(id) {
                    complete += 1;
                    assert!(self.delivered[to].contains(id), "{id:?} lost at {to}");
                }
            }
        }
        // A floor, so that a run that delivers next to nothing cannot pass.
        assert!(complete > 50, "too few frames: {complete}");
        let codes: BTreeSet<String> = self
            .active()
            .into_iter()
            .map(|i| self.group(i).security_code().to_string())
            .collect();
        assert_eq!(codes.len(), 1, "every participant shows the same code");
    }
}

fn run(seed: u64, size: usize) {
    let mut sim = Sim::new(seed);
    for _ in 0..10 {
        sim.tick();
    }
    // The call grows while its frames are in flight.
    sim.escalate();
    for _ in 0..6 {
        sim.tick();
    }
    while sim.sides.len() < size {
        let by = sim.active()[sim.rng.below(sim.active().len() as u64) as usize];
        sim.add(by);
        for _ in 0..3 {
            sim.tick();
        }
        let by = sim.active()[0];
        sim.self_update(by);
        sim.tick();
    }
    for _ in 0..6 {
        sim.tick();
    }
    // Removals mid-call, until the two who started the call are left.
    while sim.active().len() > 2 {
        let others: Vec<usize> = sim.active().into_iter().filter(|i| *i > 1).collect();
        let who = others[sim.rng.below(others.len() as u64) as usize];
        match sim.rng.below(3) {
            0 => sim.remove(0, who),
            1 => sim.remove(1, who),
            _ => sim.leave(who),
        }
        for _ in 0..3 {
            sim.tick();
        }
    }
    sim.self_update(1);
    for _ in 0..10 {
        sim.tick();
    }
    sim.check();
    assert!(sim.unreadable_to_removed > 0);
    assert!(sim.held_delivered > 0, "no frame came before its commit");
    assert_eq!(sim.group(0).original_peer(), Some(sim.group(1).own_leaf()));
}

#[test]
fn three_participants_under_loss_reordering_and_duplication() {
    for seed in 1..=4 {
        run(seed, 3);
    }
}

#[test]
fn eight_participants_under_loss_reordering_and_duplication() {
    for seed in 11..=12 {
        run(seed, 8);
    }
}
