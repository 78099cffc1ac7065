//! A running end-to-end one-to-one call grows into a group call and shrinks back, through a
//! forwarding unit with hop-by-hop SRTP per leg: no frame lost at the move from the call's keys
//! to the group's, everyone hears everyone, a removed member is locked out both ways, and the
//! keys of the one-to-one call go at the end of their grace.

mod common;

use callseal::session::Packets;
use callseal::{Error as CoreError, Feature, MediaKind};
use callseal_mls::{Error, GroupCall, GroupCallConfig, GroupEvent, Member, Sender};
use common::call::{escalate, frame, one_to_one, take, Got, Sfu};
use core::time::Duration;
#[allow(unused_imports)]
use Feature as _;

const SUITE: callseal::SframeSuite = callseal::SframeSuite::Aes128GcmSha256_128;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn config() -> GroupCallConfig {
    GroupCallConfig::default()
        .with_max_frame(64 * 1024)
        .with_update_interval(None)
}

/// Sizes from one packet to several.
fn size(i: usize) -> usize {
    200 + 1700 * i
}

/// What `send` makes of frame `n` of every kind, forwarded by the unit from leg `from`.
fn send_all(
    send: &mut dyn FnMut(MediaKind, &[u8], &mut Packets),
    who: u8,
    n: u32,
    sfu: &mut Sfu,
    from: usize,
) -> Vec<(usize, Vec<u8>)> {
    let mut packets = Packets::new();
    for (i, kind) in MediaKind::ALL.into_iter().enumerate() {
        send(kind, &frame(who, kind, n, size(i)), &mut packets);
    }
    sfu.forward(from, &packets)
}

fn group_send(
    gc: &mut GroupCall,
    who: u8,
    n: u32,
    sfu: &mut Sfu,
    from: usize,
    now: Duration,
) -> Vec<(usize, Vec<u8>)> {
    send_all(
        &mut |kind, f, out| gc.send_frame(kind, f, n * 960, now, out).unwrap(),
        who,
        n,
        sfu,
        from,
    )
}

/// Deliver to participant `to` the packets meant for it; returns its frames.
fn deliver(
    gc: &mut GroupCall,
    to: usize,
    wire: &mut [(usize, Vec<u8>)],
    now: Duration,
) -> Vec<Got> {
    let mut got = Vec::new();
    for (dest, p) in wire.iter_mut() {
        if *dest == to {
            got.extend(take(gc, p, now));
        }
    }
    got
}

/// Every kind of frame `n` of `who` is in `got`, from `sender`, byte for byte.
fn expect_all(got: &[Got], sender: Sender, who: u8, n: u32) {
    for (i, kind) in MediaKind::ALL.into_iter().enumerate() {
        let want = (sender, kind, frame(who, kind, n, size(i)));
        assert!(got.contains(&want), "{sender:?} {kind} frame {n} missing");
    }
}

/// Every packet meant for `to` is refused with `want`.
fn refused(gc: &mut GroupCall, to: usize, wire: &mut [(usize, Vec<u8>)], want: Error) {
    let mut n = 0;
    for (dest, p) in wire.iter_mut() {
        if *dest == to {
            assert_eq!(gc.receive_packet(p, ms(0)).map(|_| ()), Err(want));
            n += 1;
        }
    }
    assert!(n > 0);
}

/// Of the packets meant for `to`, none completes a frame and some are refused.
fn unreadable(gc: &mut GroupCall, to: usize, wire: &mut [(usize, Vec<u8>)]) {
    let mut refused = 0;
    for (dest, p) in wire.iter_mut() {
        if *dest == to {
            match gc.receive_packet(p, ms(0)) {
                Ok(None) => {}
                Ok(Some(r)) => panic!("{:?} {} frame read", r.sender, r.kind),
                Err(_) => refused += 1,
            }
        }
    }
    assert!(refused > 0);
}

fn grow(sfu: &mut Sfu, t: Duration) -> (GroupCall, GroupCall, Vec<Got>, Vec<Got>) {
    grow_with(sfu, t, config())
}

fn grow_with(
    sfu: &mut Sfu,
    t: Duration,
    config: GroupCallConfig,
) -> (GroupCall, GroupCall, Vec<Got>, Vec<Got>) {
    let (mut alice_call, bob_call, _) = one_to_one(sfu, true);
    // Frames Alice sent on the call, still in flight when the call grows.
    let mut in_flight = send_all(
        &mut |kind, f, out| alice_call.send_frame(kind, f, 0, t, out).unwrap(),
        1,
        0,
        sfu,
        0,
    );
    let (mut alice, welcome, bob) = escalate(alice_call, config, Some(&Sfu::keys(0)), t);
    assert!(!alice.sends_on_group_keys());
    // Until Bob is seen on the group's keys, Alice stays on the call's: frame 1 too.
    in_flight.extend(group_send(&mut alice, 1, 1, sfu, 0, t));
    let mut bob =
        GroupCall::accept_escalation(bob_call, bob, &welcome, config, Some(&Sfu::keys(1)), t)
            .unwrap();
    assert!(bob.sends_on_group_keys());
    assert_eq!(alice.security_code(), bob.security_code());
    assert_eq!(alice.original_peer(), Some(bob.own_leaf()));
    assert_eq!(bob.original_peer(), Some(alice.own_leaf()));

    // Bob's first group frames reach Alice before her call frames reach him.
    let mut wire = group_send(&mut bob, 2, 0, sfu, 1, t);
    let at_alice = deliver(&mut alice, 0, &mut wire, t);
    expect_all(&at_alice, Sender::Member(bob.own_leaf()), 2, 0);
    assert!(alice.sends_on_group_keys());
    // Alice's call frames arrive late and reversed: all delivered.
    in_flight.reverse();
    let at_bob = deliver(&mut bob, 1, &mut in_flight, t);
    expect_all(&at_bob, Sender::Pairwise, 1, 0);
    expect_all(&at_bob, Sender::Pairwise, 1, 1);
    (alice, bob, at_alice, at_bob)
}

#[test]
fn a_call_grows_to_three_and_shrinks_back_without_losing_a_frame() {
    let mut sfu = Sfu::default();
    let t = ms(1000);
    let (mut alice, mut bob, _, _) = grow(&mut sfu, t);
    let carol_leg = sfu.leg();
    let two_code = alice.security_code();

    // Alice's first group frames.
    let mut wire = group_send(&mut alice, 1, 2, &mut sfu, 0, t);
    expect_all(
        &deliver(&mut bob, 1, &mut wire, t),
        Sender::Member(alice.own_leaf()),
        1,
        2,
    );

    // Carol joins.
    let carol = Member::new(b"carol").unwrap();
    let invite = alice.add(&carol.key_package().unwrap(), t).unwrap();
    assert!(matches!(
        bob.process(&invite.commit, t),
        Ok(GroupEvent::NewEpoch { .. })
    ));
    let mut carol =
        GroupCall::join(carol, &invite.welcome, SUITE, config(), Some(&carol_leg), t).unwrap();
    let code = carol.security_code();
    assert_eq!(alice.security_code(), code);
    assert_eq!(bob.security_code(), code);
    assert_ne!(code, two_code, "the code changes with the membership");
    assert_eq!(carol.original_peer(), None);
    assert_eq!(
        alice.original_peer(),
        Some(bob.own_leaf()),
        "kept what they verified"
    );

    // Everyone hears everyone, every kind.
    let leaves = [alice.own_leaf(), bob.own_leaf(), carol.own_leaf()];
    for n in 3..6 {
        let calls = [&mut alice, &mut bob, &mut carol];
        for from in 0..3 {
            let mut wire = group_send(calls[from], from as u8 + 1, n, &mut sfu, from, t);
            for to in (0..3).filter(|to| *to != from) {
                let got = deliver(calls[to], to, &mut wire, t);
                expect_all(&got, Sender::Member(leaves[from]), from as u8 + 1, n);
            }
        }
    }

    // Carol sends before she learns she is removed: Alice and Bob refuse it.
    let mut carol_late = group_send(&mut carol, 3, 6, &mut sfu, 2, t);
    let commit = alice.remove(carol.own_leaf(), t).unwrap();
    assert!(matches!(
        bob.process(&commit, t),
        Ok(GroupEvent::NewEpoch { .. })
    ));
    refused(
        &mut alice,
        0,
        &mut carol_late,
        Error::Frame(CoreError::UnknownKey),
    );
    refused(
        &mut bob,
        1,
        &mut carol_late,
        Error::Frame(CoreError::UnknownKey),
    );
    // What Alice sends next Carol cannot read, before and after she processes the commit:
    // before, it waits for a commit that removes her; after, it is refused.
    let mut next = group_send(&mut alice, 1, 7, &mut sfu, 0, t);
    let mut again = next.clone();
    assert!(deliver(&mut carol, 2, &mut next, t).is_empty());
    assert_eq!(carol.held_frames(), 3);
    assert_eq!(carol.process(&commit, t), Ok(GroupEvent::Removed));
    assert!(carol.poll_frame().is_none());
    refused(
        &mut carol,
        2,
        &mut again,
        Error::Frame(CoreError::UnknownKey),
    );
    assert_eq!(
        carol.send_frame(MediaKind::Audio, b"x", 0, t, &mut Packets::new()),
        Err(Error::Removed)
    );
    expect_all(
        &deliver(&mut bob, 1, &mut next, t),
        Sender::Member(leaves[0]),
        1,
        7,
    );

    // Back to two, still on the group's keys; the code moved back to a two-member code.
    assert_eq!(alice.security_code(), bob.security_code());
    assert_ne!(alice.security_code(), code);
    assert_eq!(alice.original_peer(), Some(bob.own_leaf()));
    let mut wire = group_send(&mut bob, 2, 8, &mut sfu, 1, t);
    expect_all(
        &deliver(&mut alice, 0, &mut wire, t),
        Sender::Member(leaves[1]),
        2,
        8,
    );
}

#[test]
fn growing_a_call_follows_the_policy_setting() {
    // Teams' rule, the default: an end-to-end call cannot add a participant.
    let mut sfu = Sfu::default();
    let (alice_call, _, _) = one_to_one(&mut sfu, false);
    let bob = Member::new(b"bob").unwrap();
    let refused = GroupCall::escalate(
        alice_call,
        Member::new(b"alice").unwrap(),
        &bob.key_package().unwrap(),
        config(),
        Some(&Sfu::keys(0)),
        ms(0),
    );
    assert_eq!(
        refused.map(|_| ()),
        Err(Error::Frame(CoreError::FeatureUnavailable(
            Feature::AddParticipant
        )))
    );
}

#[test]
fn a_welcome_not_bound_to_this_call_is_refused() {
    let mut sfu = Sfu::default();
    let (_, bob_call, _) = one_to_one(&mut sfu, true);
    let (other_alice, _, _) = one_to_one(&mut sfu, true);
    let bob = Member::new(b"bob").unwrap();
    // The same key package, a group grown from another call.
    let (_, welcome) = GroupCall::escalate(
        other_alice,
        Member::new(b"alice").unwrap(),
        &bob.key_package().unwrap(),
        config(),
        None,
        ms(0),
    )
    .unwrap();
    let refused = GroupCall::accept_escalation(
        bob_call,
        bob,
        &welcome,
        config(),
        Some(&Sfu::keys(1)),
        ms(0),
    );
    assert_eq!(refused.map(|_| ()), Err(Error::InvalidWelcome));

    // A plain welcome, with no binding at all.
    let (_, bob_call, _) = one_to_one(&mut sfu, true);
    let bob = Member::new(b"bob").unwrap();
    let mut eve = callseal_mls::Group::create(Member::new(b"eve").unwrap(), SUITE).unwrap();
    let invite = eve.add(&bob.key_package().unwrap()).unwrap();
    let refused =
        GroupCall::accept_escalation(bob_call, bob, &invite.welcome, config(), None, ms(0));
    assert_eq!(refused.map(|_| ()), Err(Error::InvalidWelcome));
}

#[test]
fn a_member_cannot_send_as_another() {
    let mut sfu = Sfu::default();
    let t = ms(1000);
    let (mut alice, mut bob, _, _) = grow(&mut sfu, t);
    let carol_leg = sfu.leg();
    let carol = Member::new(b"carol").unwrap();
    let invite = alice.add(&carol.key_package().unwrap(), t).unwrap();
    bob.process(&invite.commit, t).unwrap();
    let mut carol =
        GroupCall::join(carol, &invite.welcome, SUITE, config(), Some(&carol_leg), t).unwrap();
    let bob_ssrcs = bob.ssrcs();
    // Bob's newest audio sequence number: the unit's legs keep one SRTP stream per SSRC, so
    // the forged packet follows on from it.
    let mut bobs = Packets::new();
    bob.send_frame(MediaKind::Audio, b"bob", 0, t, &mut bobs)
        .unwrap();
    let mut wire = sfu.forward(1, &bobs);
    deliver(&mut alice, 0, &mut wire, t);
    let bob_seq = u16::from_be_bytes([bobs.get(0)[2], bobs.get(0)[3]]);
    let mut sent = |text: &[u8], n: u32| {
        let mut packets = Packets::new();
        carol
            .send_frame(MediaKind::Audio, text, n * 960, t, &mut packets)
            .unwrap();
        packets
    };
    let (first, second, third) = (
        sent(b"I am bob", 0),
        sent(b"I am bob", 1),
        sent(b"I am carol", 2),
    );
    // Carol's frame (her KID) on Bob's SSRC.
    let mut wire = sfu.forward_with(2, &first, |p| {
        p[2..4].copy_from_slice(&bob_seq.wrapping_add(1).to_be_bytes());
        p[8..12].copy_from_slice(&bob_ssrcs[0].0.to_be_bytes());
    });
    refused(&mut alice, 0, &mut wire, Error::SenderMismatch);
    // Bob's leaf in the KID of Carol's frame on her own SSRC.
    let bob_leaf = bob.own_leaf() as u8;
    let mut wire = sfu.forward_with(2, &second, |p| {
        // RTP header, descriptor, SFrame config byte (X = 1, K = KID length - 1), the KID:
        // big-endian kind ‖ leaf ‖ 16 bits of epoch.
        let config = p[13];
        assert_eq!(config & 0x80, 0x80);
        let kid_len = usize::from((config >> 4) & 7) + 1;
        p[14 + kid_len - 3] = bob_leaf;
    });
    refused(&mut alice, 0, &mut wire, Error::SenderMismatch);
    // Carol's next frame, as she sealed it, opens as hers.
    let mut wire = sfu.forward(2, &third);
    let got = deliver(&mut alice, 0, &mut wire, t);
    let want = (
        Sender::Member(carol.own_leaf()),
        MediaKind::Audio,
        b"I am carol".to_vec(),
    );
    assert_eq!(got, vec![want]);
}

#[test]
fn the_calls_keys_go_at_the_end_of_their_grace() {
    let mut sfu = Sfu::default();
    let t = ms(1000);
    let (mut alice_call, mut bob_call, _) = one_to_one(&mut sfu, true);
    // A frame Bob sent on the call, held back by the network.
    let mut late = send_all(
        &mut |kind, f, out| bob_call.send_frame(kind, f, 0, t, out).unwrap(),
        2,
        0,
        &mut sfu,
        1,
    );
    let mut later = late.clone();
    let _ = &mut alice_call;
    let (mut alice, welcome, bob) = escalate(
        alice_call,
        config().with_grace(ms(500)),
        Some(&Sfu::keys(0)),
        t,
    );
    let mut bob =
        GroupCall::accept_escalation(bob_call, bob, &welcome, config(), Some(&Sfu::keys(1)), t)
            .unwrap();
    let mut wire = group_send(&mut bob, 2, 1, &mut sfu, 1, t);
    deliver(&mut alice, 0, &mut wire, t);
    // Both on the group's keys: the call's stay for the grace, then go.
    assert_eq!(alice.poll_timeout(), Some(t + ms(500)));
    alice.handle_timeout(t + ms(499)).unwrap();
    assert!(alice.pairwise_active());
    expect_all(
        &deliver(&mut alice, 0, &mut late, t + ms(499)),
        Sender::Pairwise,
        2,
        0,
    );
    alice.handle_timeout(t + ms(500)).unwrap();
    assert!(!alice.pairwise_active());
    assert_eq!(alice.poll_timeout(), None);
    refused(
        &mut alice,
        0,
        &mut later,
        Error::Frame(CoreError::UnknownKey),
    );
    // The bond to the call stays: the group was keyed from it.
    assert_eq!(alice.original_peer(), Some(bob.own_leaf()));
}

#[test]
fn self_updates_on_the_interval_keep_frames_flowing_and_the_code() {
    let mut sfu = Sfu::default();
    let t = ms(1000);
    let every = Duration::from_secs(60);
    let (mut alice, mut bob, _, _) =
        grow_with(&mut sfu, t, config().with_update_interval(Some(every)));
    // One committer on the timer: the lowest leaf (Alice created the group).
    assert!(alice.own_leaf() < bob.own_leaf());
    let (code, epoch) = (alice.security_code(), alice.group().epoch());
    let mut updates = 0;
    let mut n = 10;
    while updates < 5 {
        let now = alice.poll_timeout().unwrap();
        assert!(now <= t + every * (updates + 1));
        if let Some(commit) = alice.handle_timeout(now).unwrap() {
            updates += 1;
            assert!(matches!(
                bob.process(&commit, now),
                Ok(GroupEvent::NewEpoch { .. })
            ));
        }
        let mut wire = group_send(&mut alice, 1, n, &mut sfu, 0, now);
        let got = deliver(&mut bob, 1, &mut wire, now);
        expect_all(&got, Sender::Member(alice.own_leaf()), 1, n);
        let mut wire = group_send(&mut bob, 2, n, &mut sfu, 1, now);
        let got = deliver(&mut alice, 0, &mut wire, now);
        expect_all(&got, Sender::Member(bob.own_leaf()), 2, n);
        n += 1;
        // Bob never commits on the timer.
        let bob_next = bob.poll_timeout();
        assert!(bob
            .handle_timeout(bob_next.unwrap_or(now))
            .unwrap()
            .is_none());
    }
    assert_eq!(alice.group().epoch(), epoch + 5);
    assert_eq!(bob.group().epoch(), epoch + 5);
    assert_eq!(
        alice.security_code(),
        code,
        "the same members: the same code"
    );
    assert_eq!(bob.security_code(), code);
}

#[test]
fn a_stale_epoch_is_refused_after_its_grace() {
    let mut sfu = Sfu::default();
    let t = ms(1000);
    let (mut alice, mut bob, _, _) = grow_with(&mut sfu, t, config().with_grace(ms(300)));
    // Two frames Bob sealed in this epoch, held back by the network.
    let mut early = group_send(&mut bob, 2, 1, &mut sfu, 1, t);
    let mut late = group_send(&mut bob, 2, 2, &mut sfu, 1, t);
    let commit = alice.self_update(t).unwrap();
    bob.process(&commit, t).unwrap();
    // Within the grace the previous epoch still opens; after it, its keys are gone.
    alice.handle_timeout(t + ms(299)).unwrap();
    expect_all(
        &deliver(&mut alice, 0, &mut early, t + ms(299)),
        Sender::Member(1),
        2,
        1,
    );
    assert!(alice.poll_timeout().is_some_and(|at| at <= t + ms(300)));
    alice.handle_timeout(t + ms(300)).unwrap();
    assert_eq!(alice.group().epochs_held().count(), 1);
    unreadable(&mut alice, 0, &mut late);
    // The current epoch flows.
    let mut wire = group_send(&mut bob, 2, 3, &mut sfu, 1, t + ms(300));
    expect_all(
        &deliver(&mut alice, 0, &mut wire, t + ms(300)),
        Sender::Member(1),
        2,
        3,
    );
}

/// Alice and Bob grown from their call, Carol added: `(sfu, alice, bob, carol)`.
fn three(t: Duration) -> (Sfu, GroupCall, GroupCall, GroupCall) {
    let mut sfu = Sfu::default();
    let (mut alice, mut bob, _, _) = grow(&mut sfu, t);
    let carol_leg = sfu.leg();
    let carol = Member::new(b"carol").unwrap();
    let invite = alice.add(&carol.key_package().unwrap(), t).unwrap();
    bob.process(&invite.commit, t).unwrap();
    let carol =
        GroupCall::join(carol, &invite.welcome, SUITE, config(), Some(&carol_leg), t).unwrap();
    (sfu, alice, bob, carol)
}

#[test]
fn a_member_who_leaves_is_committed_out_by_the_lowest_leaf() {
    let t = ms(1000);
    let (mut sfu, mut alice, mut bob, mut carol) = three(t);
    let code = alice.security_code();
    let proposal = carol.leave().unwrap();
    // A mangled proposal is refused and keeps nothing.
    let mut forged = proposal.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert!(bob.process(&forged, t).is_err());
    assert!(bob.group().pending_leaves().is_empty());
    // Bob keeps the proposal; Alice, the lowest leaf, commits it.
    let carol_leaf = carol.own_leaf();
    assert_eq!(
        bob.process(&proposal, t),
        Ok(GroupEvent::LeaveProposed { leaf: carol_leaf })
    );
    let Ok(GroupEvent::LeaveCommitted { leaf, commit, .. }) = alice.process(&proposal, t) else {
        panic!("the lowest leaf commits the leave");
    };
    assert_eq!(leaf, carol_leaf);
    // Carol sent before she applies the commit: refused by both.
    let mut late = group_send(&mut carol, 3, 1, &mut sfu, 2, t);
    assert!(matches!(
        bob.process(&commit, t),
        Ok(GroupEvent::NewEpoch { .. })
    ));
    refused(
        &mut alice,
        0,
        &mut late,
        Error::Frame(CoreError::UnknownKey),
    );
    refused(&mut bob, 1, &mut late, Error::Frame(CoreError::UnknownKey));
    assert_eq!(carol.process(&commit, t), Ok(GroupEvent::Removed));
    let mut next = group_send(&mut alice, 1, 2, &mut sfu, 0, t);
    refused(
        &mut carol,
        2,
        &mut next,
        Error::Frame(CoreError::UnknownKey),
    );
    expect_all(&deliver(&mut bob, 1, &mut next, t), Sender::Member(0), 1, 2);
    assert_eq!(alice.security_code(), bob.security_code());
    assert_ne!(alice.security_code(), code);
    assert_eq!(alice.group().members().len(), 2);
}

#[test]
fn when_an_original_party_leaves_the_bond_to_the_call_goes() {
    let t = ms(1000);
    let (mut sfu, mut alice, mut bob, mut carol) = three(t);
    // Alice, the lowest leaf, leaves: Bob is the lowest of those who stay and commits.
    let proposal = alice.leave().unwrap();
    assert!(matches!(
        carol.process(&proposal, t),
        Ok(GroupEvent::LeaveProposed { .. })
    ));
    let Ok(GroupEvent::LeaveCommitted { commit, .. }) = bob.process(&proposal, t) else {
        panic!("bob commits");
    };
    assert!(matches!(
        carol.process(&commit, t),
        Ok(GroupEvent::NewEpoch { .. })
    ));
    assert_eq!(alice.process(&commit, t), Ok(GroupEvent::Removed));
    // Bob and Carol go on; Bob's one-to-one call partner is gone, and with it that bond.
    assert_eq!(bob.original_peer(), None);
    assert!(!bob.pairwise_active());
    let mut wire = group_send(&mut carol, 3, 1, &mut sfu, 2, t);
    expect_all(
        &deliver(&mut bob, 1, &mut wire, t),
        Sender::Member(carol.own_leaf()),
        3,
        1,
    );
    assert_eq!(bob.security_code(), carol.security_code());
}

#[test]
fn frames_of_an_epoch_whose_commit_is_late_wait_for_it() {
    let t = ms(1000);
    let (mut sfu, mut alice, mut bob, mut carol) = three(t);
    // Alice moves to a new epoch; her frames reach Bob and Carol before her commit does.
    let commit = alice.self_update(t).unwrap();
    let mut wire = group_send(&mut alice, 1, 1, &mut sfu, 0, t);
    assert!(deliver(&mut bob, 1, &mut wire, t).is_empty());
    assert_eq!(bob.held_frames(), 3);
    assert!(bob.poll_frame().is_none(), "not before the commit");
    bob.process(&commit, t).unwrap();
    let mut got = Vec::new();
    while let Some(r) = bob.poll_frame() {
        let r = r.unwrap();
        got.push((r.sender, r.kind, r.frame.to_vec()));
    }
    expect_all(&got, Sender::Member(alice.own_leaf()), 1, 1);
    assert_eq!(bob.held_frames(), 0);

    // Held frames whose commit never comes go at the end of the grace.
    assert!(deliver(&mut carol, 2, &mut wire, t).is_empty());
    assert_eq!(carol.held_frames(), 3);
    assert!(carol
        .poll_timeout()
        .is_some_and(|at| at <= t + config().grace));
    carol.handle_timeout(t + config().grace).unwrap();
    assert_eq!(carol.held_frames(), 0);

    // A removal: Carol holds what Alice sends next, and opens none of it once she learns.
    carol.process(&commit, t).unwrap();
    let commit = alice.remove(carol.own_leaf(), t).unwrap();
    let mut wire = group_send(&mut alice, 1, 2, &mut sfu, 0, t);
    assert!(deliver(&mut carol, 2, &mut wire, t).is_empty());
    assert!(deliver(&mut bob, 1, &mut wire, t).is_empty());
    assert_eq!(carol.process(&commit, t), Ok(GroupEvent::Removed));
    assert!(carol.poll_frame().is_none());
    bob.process(&commit, t).unwrap();
    let mut got = Vec::new();
    while let Some(r) = bob.poll_frame() {
        let r = r.unwrap();
        got.push((r.sender, r.kind, r.frame.to_vec()));
    }
    expect_all(&got, Sender::Member(alice.own_leaf()), 1, 2);
}

#[test]
fn a_long_call_through_hundreds_of_epochs_with_an_idle_member() {
    let t0 = ms(1000);
    let (mut sfu, mut alice, mut bob, mut carol) = three(t0);
    let grace = config().grace;
    let first = alice.group().epoch();
    let mut now = t0;
    for n in 0..300u32 {
        now += ms(700);
        // Alice and Bob take turns; Carol applies every commit and sends nothing.
        let (commit, to) = if n % 2 == 0 {
            (alice.self_update(now).unwrap(), [&mut bob, &mut carol])
        } else {
            (bob.self_update(now).unwrap(), [&mut alice, &mut carol])
        };
        for gc in to {
            gc.process(&commit, now).unwrap();
        }
        for gc in [&mut alice, &mut bob, &mut carol] {
            gc.handle_timeout(now).unwrap();
            // Epochs go by time: a 2 s grace at one epoch per 0.7 s holds at most 4 (once the
            // three epochs of the call's first second are past their grace).
            let held = gc.group().epochs_held().count();
            assert!(n < 3 || held <= 4, "{n}: {held} epochs held");
        }
        // Audio only: video and screen share stay idle the whole call.
        let mut packets = Packets::new();
        let f = frame(1, MediaKind::Audio, n, 120);
        alice
            .send_frame(MediaKind::Audio, &f, n, now, &mut packets)
            .unwrap();
        let mut wire = sfu.forward(0, &packets);
        let got = deliver(&mut bob, 1, &mut wire, now);
        assert_eq!(got, vec![(Sender::Member(0), MediaKind::Audio, f)]);
    }
    assert_eq!(alice.group().epoch(), first + 300);
    // After a quiet grace, each side holds the current epoch's keys only, idle streams too.
    now += grace;
    for gc in [&mut alice, &mut bob, &mut carol] {
        gc.handle_timeout(now).unwrap();
        assert_eq!(gc.group().epochs_held().count(), 1);
    }
    // Carol, idle all along, reads every kind at once, and the code never moved.
    let mut wire = group_send(&mut alice, 1, 1000, &mut sfu, 0, now);
    expect_all(
        &deliver(&mut carol, 2, &mut wire, now),
        Sender::Member(0),
        1,
        1000,
    );
    assert_eq!(carol.security_code(), alice.security_code());
}

/// Every member's streams start below sequence number 2^15: a member that misses a stream's
/// first packets (Carol above, idle for hundreds of packets) has not missed its first wrap,
/// whose rollover counter its leg's SRTP could not know.
#[test]
fn first_sequence_numbers_leave_room_before_the_wrap() {
    let t = ms(1000);
    for _ in 0..2 {
        let (mut sfu, mut alice, mut bob, mut carol) = three(t);
        for (from, gc) in [&mut alice, &mut bob, &mut carol].into_iter().enumerate() {
            let mut packets = Packets::new();
            for kind in MediaKind::ALL {
                gc.send_frame(kind, b"first", 0, t, &mut packets).unwrap();
            }
            for p in sfu.forward(from, &packets) {
                let seq = u16::from_be_bytes([p.1[2], p.1[3]]);
                assert!(seq < 1 << 15, "first sequence number {seq}");
            }
        }
    }
}

/// Without hop-by-hop SRTP on the legs anyone on the path can inject packets: a forged copy
/// of a one-packet frame that comes first is refused and does not lock the genuine frame out;
/// a copy of the genuine frame after it is a replay.
#[test]
fn a_forged_copy_that_comes_first_does_not_lock_the_genuine_frame_out() {
    let mut sfu = Sfu::default();
    let t = ms(1000);
    let (alice_call, bob_call, _) = one_to_one(&mut sfu, true);
    let (mut alice, welcome, bob) = escalate(alice_call, config(), None, t);
    let mut bob = GroupCall::accept_escalation(bob_call, bob, &welcome, config(), None, t).unwrap();
    let mut packets = Packets::new();
    bob.send_frame(MediaKind::Audio, b"hello", 0, t, &mut packets)
        .unwrap();
    assert_eq!(packets.len(), 1);
    let genuine = packets.get(0).to_vec();
    for at in [genuine.len() - 1, 20] {
        let mut forged = genuine.clone();
        forged[at] ^= 1;
        assert_eq!(
            alice.receive_packet(&mut forged, t).map(|_| ()),
            Err(Error::Frame(CoreError::Authentication))
        );
    }
    let got = take(&mut alice, &mut genuine.clone(), t);
    let want = (
        Sender::Member(bob.own_leaf()),
        MediaKind::Audio,
        b"hello".to_vec(),
    );
    assert_eq!(got, Some(want));
    assert_eq!(
        alice.receive_packet(&mut genuine.clone(), t).map(|_| ()),
        Err(Error::Frame(CoreError::Replay))
    );
}

#[test]
fn two_group_calls_side_by_side_and_hostile_lengths() {
    let t = ms(1000);
    let (mut sfu, mut alice, mut bob, _) = three(t);
    // A second call, whose forwarding unit even uses the same leg keys.
    let (mut other_sfu, mut other_alice, _, _) = three(t);
    let mut theirs = group_send(&mut other_alice, 1, 1, &mut other_sfu, 0, t);
    refused(
        &mut bob,
        1,
        &mut theirs,
        Error::Frame(CoreError::UnknownKey),
    );
    // Ours still flows.
    let mut ours = group_send(&mut alice, 1, 1, &mut sfu, 0, t);
    expect_all(&deliver(&mut bob, 1, &mut ours, t), Sender::Member(0), 1, 1);

    // Lengths: nothing, a truncated header, a huge packet; a frame over the maximum.
    let truncated = Error::Frame(CoreError::Malformed(callseal::Malformed::Truncated));
    for len in [0, 1, 11] {
        assert_eq!(
            bob.receive_packet(&mut vec![0x80; len], t).map(|_| ()),
            Err(truncated)
        );
    }
    let mut huge = vec![0u8; 1 << 20];
    huge[0] = 0x80;
    huge[8..12].copy_from_slice(&alice.ssrcs()[0].0.to_be_bytes());
    assert!(bob.receive_packet(&mut huge, t).is_err());
    let mut packets = Packets::new();
    let too_big = vec![0u8; 64 * 1024 + 1];
    assert_eq!(
        alice.send_frame(MediaKind::Video, &too_big, 0, t, &mut packets),
        Err(Error::Frame(CoreError::FrameTooLarge { max: 64 * 1024 }))
    );
    assert!(packets.is_empty());
    let mut ours = group_send(&mut alice, 1, 2, &mut sfu, 0, t);
    expect_all(&deliver(&mut bob, 1, &mut ours, t), Sender::Member(0), 1, 2);
}
