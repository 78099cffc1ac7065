//! Three members exchange frames of every media kind; membership changes move the group to a
//! new epoch with new frame keys and a new group code; a removed member reads nothing sent
//! after its removal and what it sends is refused.

mod common;

use callseal::MediaKind;
use callseal_mls::{Error, GroupEvent};
use common::{open, seal, Harness};

fn frame(from: usize, kind: MediaKind, n: usize) -> Vec<u8> {
    let mut f = format!("{kind} frame {n} from {from} ").into_bytes();
    f.resize(f.len() + 37 * (n % 5), n as u8);
    f
}

/// Every active member sends every kind; every other active member opens each frame and
/// gets the sender's leaf, the kind and the bytes.
fn everyone_hears_everyone(h: &mut Harness, round: usize) {
    let n = h.members.len();
    for from in 0..n {
        if !h.members[from].is_active() {
            continue;
        }
        for kind in MediaKind::ALL {
            let plain = frame(from, kind, round);
            let sealed = seal(&mut h.members[from], kind, &plain);
            assert!(!sealed.windows(plain.len()).any(|w| w == plain));
            let leaf = h.members[from].own_leaf();
            let to_all: Vec<usize> = (0..n)
                .filter(|&to| to != from && h.members[to].is_active())
                .collect();
            for to in to_all {
                assert_eq!(
                    open(&mut h.members[to], &sealed),
                    Ok((leaf, kind, plain.clone())),
                    "{from} -> {to}, {kind}"
                );
            }
            // Its own frames are not for itself.
            assert_eq!(
                open(&mut h.members[from], &sealed),
                Err(Error::Frame(callseal::Error::UnknownKey))
            );
        }
    }
}

#[test]
fn three_members_exchange_audio_video_and_screen() {
    let mut h = Harness::new(3);
    assert_eq!(h.members[0].members(), vec![0, 1, 2]);
    for (i, g) in h.members.iter().enumerate() {
        assert_eq!(g.own_leaf(), i as u32);
        assert_eq!(g.epoch(), 2);
    }
    for round in 0..4 {
        everyone_hears_everyone(&mut h, round);
    }
}

#[test]
fn a_replayed_frame_is_refused_per_sender() {
    let mut h = Harness::new(3);
    let a = seal(&mut h.members[0], MediaKind::Video, b"keyframe");
    let b = seal(&mut h.members[1], MediaKind::Video, b"keyframe");
    assert!(open(&mut h.members[2], &a).is_ok());
    assert!(open(&mut h.members[2], &b).is_ok());
    assert_eq!(
        open(&mut h.members[2], &a),
        Err(Error::Frame(callseal::Error::Replay))
    );
    assert_eq!(
        open(&mut h.members[2], &b),
        Err(Error::Frame(callseal::Error::Replay))
    );
}

#[test]
fn the_group_code_is_equal_everywhere_and_changes_with_membership_only() {
    let mut h = Harness::new(2);
    let two = h.common_code();
    assert_eq!(two.len(), 23);
    h.add(1, b"carol");
    let three = h.common_code();
    assert_ne!(three, two);
    let commit = h.members[0].remove(2).unwrap();
    h.deliver(0, &commit);
    let back_to_two = h.common_code();
    assert_ne!(back_to_two, three);
    assert_ne!(back_to_two, two);
    // A self-update is a new epoch (new epoch code) but the same members: the code to
    // compare stays.
    let epoch_code = h.members[0].epoch_code();
    let commit = h.members[1].self_update().unwrap();
    h.deliver(1, &commit);
    assert_eq!(h.common_code(), back_to_two);
    assert_ne!(h.members[0].epoch_code(), epoch_code);
    assert_eq!(h.members[0].epoch_code(), h.members[1].epoch_code());
}

#[test]
fn a_removed_member_reads_nothing_after_and_is_refused() {
    let mut h = Harness::new(3);
    everyone_hears_everyone(&mut h, 0);
    // Bob seals a frame before the removal; it is in flight while the epoch changes.
    let in_flight = seal(&mut h.members[1], MediaKind::Audio, b"before the removal");
    let carol_leaf = h.members[2].own_leaf();
    let commit = h.members[0].remove(carol_leaf).unwrap();
    // Bob applies it; carol has not seen it yet.
    assert_eq!(
        h.members[1].process(&commit),
        Ok(GroupEvent::NewEpoch {
            epoch: 3,
            removed: vec![carol_leaf]
        })
    );
    assert_eq!(h.members[0].members(), vec![0, 1]);
    // The frame sealed before the removal is not lost.
    assert_eq!(
        open(&mut h.members[0], &in_flight).unwrap().2,
        b"before the removal"
    );
    // Frames sent after the removal: carol cannot open any of them.
    for kind in MediaKind::ALL {
        for from in 0..2 {
            let sealed = seal(&mut h.members[from], kind, b"after the removal");
            assert_eq!(
                open(&mut h.members[2], &sealed),
                Err(Error::Frame(callseal::Error::UnknownKey))
            );
            assert!(open(&mut h.members[1 - from], &sealed).is_ok());
        }
        // What carol still sends with the keys she held is refused by both.
        let sealed = seal(&mut h.members[2], kind, b"from the removed member");
        for to in 0..2 {
            assert_eq!(
                open(&mut h.members[to], &sealed),
                Err(Error::Frame(callseal::Error::UnknownKey))
            );
        }
    }
    // Once carol applies the commit she knows, and holds no keys.
    assert_eq!(h.members[2].process(&commit), Ok(GroupEvent::Removed));
    assert!(!h.members[2].is_active());
    let mut out = [0u8; 64];
    assert_eq!(
        h.members[2].seal_into(
            MediaKind::Audio,
            b"x",
            &mut out,
            callseal::sframe::FrameOptions::NONE
        ),
        Err(Error::Removed)
    );
    assert_eq!(h.members[2].self_update(), Err(Error::Removed));
    everyone_hears_everyone(&mut h, 1);
}

#[test]
fn a_leaf_freed_by_a_removal_is_reused_with_new_keys() {
    let mut h = Harness::new(3);
    let commit = h.members[0].remove(1).unwrap();
    h.deliver(0, &commit);
    let dave = h.add(2, b"dave");
    assert_eq!(h.members[dave].own_leaf(), 1);
    assert_eq!(h.members[0].leaf_of(b"dave"), Some(1));
    assert_eq!(h.members[0].leaf_of(b"member-1"), None);
    h.common_code();
    everyone_hears_everyone(&mut h, 2);
}

#[test]
fn self_updates_rekey_without_losing_frames() {
    let mut h = Harness::new(3);
    for round in 0..3 {
        let before = seal(&mut h.members[2], MediaKind::Screen, b"old epoch");
        let epoch = h.members[0].epoch();
        let commit = h.members[round].self_update().unwrap();
        h.deliver(round, &commit);
        for g in &h.members {
            assert_eq!(g.epoch(), epoch + 1);
        }
        everyone_hears_everyone(&mut h, round);
        // A frame of the previous epoch still opens within the grace.
        for to in 0..2 {
            assert_eq!(open(&mut h.members[to], &before).unwrap().2, b"old epoch");
        }
    }
}

#[test]
fn epochs_without_traffic_do_not_fill_the_key_store() {
    // Eight members hold 21 receive keys an epoch; 60 epochs without a frame in between would
    // hold 1,260 keys if none were retired.
    let mut h = Harness::new(8);
    for i in 0..60 {
        let by = i % 8;
        let commit = h.members[by].self_update().unwrap();
        h.deliver(by, &commit);
    }
    h.common_code();
    everyone_hears_everyone(&mut h, 0);
}

#[test]
fn debug_shows_no_key_material() {
    let h = Harness::new(2);
    let g = &h.members[1];
    let base = g
        .export_secret(
            callseal_mls::SFRAME_EXPORTER_LABEL,
            b"",
            common::SUITE.key_len(),
        )
        .unwrap();
    let shown = format!("{g:?}");
    assert_eq!(
        shown,
        "Group { epoch: 1, leaf: 1, suite: Aes128GcmSha256_128, .. }"
    );
    let hex: String = base.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!shown.contains(&hex));
    let member = callseal_mls::Member::new(b"dave").unwrap();
    assert_eq!(format!("{member:?}"), "Member { .. }");
    assert_eq!(member.identity(), b"dave");
}
