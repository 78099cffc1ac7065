//! Hostile input: tampered, truncated, replayed or foreign commits and welcomes, and frames
//! under KIDs no member holds, give a typed error, never a panic, and change nothing.

mod common;

use callseal::sframe::{FrameOptions, SframeConfig, SframeSender};
use callseal::{KeyId, MediaKind};
use callseal_mls::{Error, Group, GroupEvent, GroupKid, Member};
use common::{open, seal, Harness, SUITE};

/// Positions spread over a message: every byte of the first 64, then every 7th.
fn positions(len: usize) -> impl Iterator<Item = usize> {
    (0..len.min(64)).chain((64..len).step_by(7))
}

#[test]
fn a_tampered_commit_is_refused_and_changes_nothing() {
    let mut h = Harness::new(3);
    let commit = h.members[0].self_update().unwrap();
    let bob = &mut h.members[1];
    let (epoch, code) = (bob.epoch(), bob.security_code());
    let mut tried = 0;
    for i in positions(commit.len()) {
        for flip in [0x01u8, 0x80] {
            let mut bad = commit.clone();
            bad[i] ^= flip;
            let err = bob.process(&bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidCommit | Error::Malformed | Error::NotACommit
                ),
                "byte {i}: {err:?}"
            );
            assert_eq!((bob.epoch(), bob.security_code()), (epoch, code.clone()));
            tried += 1;
        }
    }
    assert!(tried > 100);
    for len in [0, 1, commit.len() / 2, commit.len() - 1] {
        assert_eq!(bob.process(&commit[..len]), Err(Error::Malformed));
    }
    let mut longer = commit.clone();
    longer.push(0);
    assert_eq!(bob.process(&longer), Err(Error::Malformed));
    // The genuine commit still applies afterwards.
    assert!(matches!(
        bob.process(&commit),
        Ok(GroupEvent::NewEpoch { .. })
    ));
}

#[test]
fn a_replayed_commit_is_refused() {
    let mut h = Harness::new(3);
    let commit = h.members[2].self_update().unwrap();
    h.deliver(2, &commit);
    let code = h.common_code();
    for i in 0..2 {
        assert_eq!(h.members[i].process(&commit), Err(Error::InvalidCommit));
    }
    // The committer refuses its own commit too.
    assert_eq!(h.members[2].process(&commit), Err(Error::InvalidCommit));
    assert_eq!(h.common_code(), code);
}

#[test]
fn a_commit_of_another_group_is_refused() {
    let mut ours = Harness::new(2);
    let code = ours.common_code();
    let mut theirs = Harness::new(2);
    let commit = theirs.members[0].self_update().unwrap();
    assert_eq!(ours.members[1].process(&commit), Err(Error::InvalidCommit));
    assert_eq!(ours.common_code(), code);
}

#[test]
fn messages_of_the_wrong_kind_are_refused() {
    let mut h = Harness::new(2);
    let carol = Member::new(b"carol").unwrap();
    let kp = carol.key_package().unwrap();
    // A key package is no commit, and no welcome.
    assert_eq!(h.members[1].process(&kp), Err(Error::NotACommit));
    let invite = h.members[0].add(&kp).unwrap();
    assert_eq!(
        h.members[1].process(&invite.welcome),
        Err(Error::NotACommit)
    );
    // A commit is no key package and no welcome.
    assert_eq!(h.members[0].add(&invite.commit), Err(Error::Malformed));
    assert_eq!(
        Group::join(Member::new(b"dave").unwrap(), &invite.commit, SUITE).unwrap_err(),
        Error::Malformed
    );
    // A welcome for someone else does not open.
    assert_eq!(
        Group::join(Member::new(b"eve").unwrap(), &invite.welcome, SUITE).unwrap_err(),
        Error::InvalidWelcome
    );
}

#[test]
fn a_tampered_key_package_is_refused() {
    let mut h = Harness::new(2);
    let kp = Member::new(b"carol").unwrap().key_package().unwrap();
    let epoch = h.members[0].epoch();
    for i in positions(kp.len()) {
        let mut bad = kp.clone();
        bad[i] ^= 0x04;
        let err = h.members[0].add(&bad).unwrap_err();
        assert!(
            matches!(err, Error::InvalidKeyPackage | Error::Malformed),
            "byte {i}: {err:?}"
        );
        assert_eq!(h.members[0].epoch(), epoch);
    }
}

#[test]
fn a_tampered_welcome_is_refused() {
    let mut h = Harness::new(2);
    // One newcomer per attempt: a welcome is opened with the newcomer's key package keys.
    let sample = {
        let carol = Member::new(b"carol").unwrap();
        h.members[0]
            .add(&carol.key_package().unwrap())
            .unwrap()
            .welcome
    };
    let len = sample.len();
    let spots: Vec<usize> = (0..12)
        .map(|k| k * len / 12)
        .chain([len - 1, len - 20])
        .collect();
    for i in spots {
        let newcomer = Member::new(b"newcomer").unwrap();
        let invite = h.members[0].add(&newcomer.key_package().unwrap()).unwrap();
        let mut bad = invite.welcome.clone();
        bad[i] ^= 0x10;
        let err = Group::join(newcomer, &bad, SUITE).unwrap_err();
        assert!(
            matches!(err, Error::InvalidWelcome | Error::Malformed),
            "byte {i}: {err:?}"
        );
    }
    let newcomer = Member::new(b"late").unwrap();
    let invite = h.members[0].add(&newcomer.key_package().unwrap()).unwrap();
    assert_eq!(
        Group::join(newcomer, &invite.welcome[..invite.welcome.len() - 1], SUITE).unwrap_err(),
        Error::Malformed
    );
}

#[test]
fn frames_under_unknown_kids_are_refused() {
    let mut h = Harness::new(3);
    let epoch = h.members[0].epoch();
    let config = SframeConfig::new(SUITE);
    let base = h.members[0]
        .export_secret(callseal_mls::SFRAME_EXPORTER_LABEL, b"", SUITE.key_len())
        .unwrap();
    let unknown = Err(Error::Frame(callseal::Error::UnknownKey));
    // A leaf no member holds, the right key otherwise.
    let kid = GroupKid::new(MediaKind::Audio, 7, epoch).unwrap().kid();
    // A KID outside the scheme (media kind 3), and one of a past epoch.
    let bad_kind = KeyId(3 << 24);
    let old = GroupKid::new(MediaKind::Audio, 1, epoch - 2).unwrap().kid();
    for kid in [kid, bad_kind, old] {
        let mut tx = SframeSender::dangerous_new_unguarded(&config, kid, &base).unwrap();
        let mut out = [0u8; 64];
        let n = tx
            .seal_into(b"frame", &mut out, FrameOptions::NONE)
            .unwrap();
        for g in &mut h.members {
            assert_eq!(open(g, &out[..n]), unknown.clone());
        }
    }
    // Truncated and garbage frames.
    let sealed = seal(&mut h.members[0], MediaKind::Video, b"frame");
    for len in 0..sealed.len() {
        let err = open(&mut h.members[1], &sealed[..len]).unwrap_err();
        assert!(matches!(err, Error::Frame(_)), "{len}: {err:?}");
    }
    let mut flipped = sealed.clone();
    *flipped.last_mut().unwrap() ^= 1;
    assert_eq!(
        open(&mut h.members[1], &flipped),
        Err(Error::Frame(callseal::Error::Authentication))
    );
    // None of it changed the receiver: the genuine frame opens.
    assert_eq!(open(&mut h.members[1], &sealed).unwrap().2, b"frame");
}

/// A small deterministic generator (xorshift64*).
fn next(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

#[test]
fn random_and_mangled_bytes_give_typed_errors() {
    let mut h = Harness::new(3);
    let commit = h.members[0].self_update().unwrap();
    let kp = Member::new(b"carol").unwrap().key_package().unwrap();
    let frame = seal(&mut h.members[1], MediaKind::Audio, b"frame");
    let (epoch, code) = (h.members[2].epoch(), h.members[2].security_code());
    let mut s = 0x0dd_ba11u64;
    for round in 0..3000 {
        // Random bytes, or a genuine message with a few bytes replaced, cut or extended.
        let base: &[u8] = match round % 4 {
            0 => &[],
            1 => &commit,
            2 => &kp,
            _ => &frame,
        };
        let mut bytes = base.to_vec();
        if bytes.is_empty() {
            bytes = (0..next(&mut s) % 300)
                .map(|_| next(&mut s) as u8)
                .collect();
        } else {
            for _ in 0..1 + next(&mut s) % 4 {
                let i = (next(&mut s) as usize) % bytes.len();
                bytes[i] = next(&mut s) as u8;
            }
            match next(&mut s) % 4 {
                0 => bytes.truncate((next(&mut s) as usize) % bytes.len()),
                1 => bytes.extend((0..next(&mut s) % 9).map(|_| next(&mut s) as u8)),
                _ => {}
            }
        }
        if bytes == base {
            // A replacement by the same byte, no cut, no extension: the genuine message, which
            // may rightly apply.
            continue;
        }
        let g = &mut h.members[2];
        let _ = g.process(&bytes);
        if round % 16 == 0 {
            // Adding from mangled bytes: refused, or (should the key package survive) a new
            // member; both are fine, neither panics. Only refusals keep the epoch.
            let mut g1 = Harness::new(1);
            let _ = g1.members[0].add(&bytes);
            let _ = Group::join(Member::new(b"x").unwrap(), &bytes, SUITE);
        }
        let mut buf = bytes.clone();
        let _ = g.open(&mut buf, FrameOptions::NONE);
        assert_eq!((g.epoch(), g.security_code()), (epoch, code.clone()));
    }
    // The genuine commit still applies.
    assert!(h.members[2].process(&commit).is_ok());
}
