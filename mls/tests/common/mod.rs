//! The shared harness of the group tests: a group of named members built by one of them
//! adding the others, with every commit delivered to everyone else.

#![allow(dead_code)]

pub mod call;

use callseal::sframe::FrameOptions;
use callseal::{MediaKind, SframeSuite};
use callseal_mls::{Error, Group, Member, Opened};

pub const SUITE: SframeSuite = SframeSuite::Aes128GcmSha256_128;

/// The members of one group, in the order they joined (index 0 created it).
pub struct Harness {
    pub members: Vec<Group>,
}

impl Harness {
    /// A group of `n` members: member 0 creates it and adds the others one by one.
    pub fn new(n: usize) -> Self {
        let creator = Group::create(Member::new(b"member-0").unwrap(), SUITE).unwrap();
        let mut h = Harness {
            members: vec![creator],
        };
        for i in 1..n {
            h.add(0, format!("member-{i}").as_bytes());
        }
        h
    }

    /// Member `by` adds a newcomer named `name`; every other member processes the commit.
    pub fn add(&mut self, by: usize, name: &[u8]) -> usize {
        let newcomer = Member::new(name).unwrap();
        let invite = self.members[by]
            .add(&newcomer.key_package().unwrap())
            .unwrap();
        self.deliver(by, &invite.commit);
        self.members
            .push(Group::join(newcomer, &invite.welcome, SUITE).unwrap());
        self.members.len() - 1
    }

    /// Deliver a commit made by member `from` to every other member.
    pub fn deliver(&mut self, from: usize, commit: &[u8]) {
        for (i, g) in self.members.iter_mut().enumerate() {
            if i != from && g.is_active() {
                g.process(commit).unwrap();
            }
        }
    }

    /// The members' group codes are all equal; returns it.
    pub fn common_code(&self) -> String {
        let first = self.members[0].security_code().to_string();
        for g in self.active() {
            assert_eq!(g.security_code().to_string(), first);
        }
        first
    }

    pub fn active(&self) -> impl Iterator<Item = &Group> {
        self.members.iter().filter(|g| g.is_active())
    }
}

/// Seal `frame` as `kind` by `g`.
pub fn seal(g: &mut Group, kind: MediaKind, frame: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; frame.len() + g.max_overhead()];
    let n = g
        .seal_into(kind, frame, &mut out, FrameOptions::NONE)
        .unwrap();
    out.truncate(n);
    out
}

/// Open a copy of `sealed` at `g`.
pub fn open(g: &mut Group, sealed: &[u8]) -> Result<(u32, MediaKind, Vec<u8>), Error> {
    let mut buf = sealed.to_vec();
    let Opened {
        sender,
        kind,
        frame,
    } = g.open(&mut buf, FrameOptions::NONE)?;
    Ok((sender, kind, frame.to_vec()))
}

/// A small deterministic generator (xorshift64*), so runs repeat exactly.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
