// The MLS message path of a group call session: a welcome to the other end of the call, a commit
// to a member, a welcome to a newcomer, a member's leave proposal, each mangled by the input (or
// replaced by it), and raw bytes as a commit and as a packet. No panic; a refused message changes nothing (the genuine
// one still applies after it and frames still flow); an accepted one is the genuine one or joins
// the same group. The file that includes this one declares the group tests' shared harness
// (mls/tests/common) as `crate::common`.
use crate::common::call::{escalate, frame, one_to_one, Sfu};
use callseal::session::Packets;
use callseal::MediaKind;
use callseal_mls::{GroupCall, GroupCallConfig, Member, Sender};
use std::time::Duration;

/// `msg` changed by `edits`: pairs of a position (two bytes) and a byte to xor there; a first
/// byte with its high bit set cuts the message at the first position instead.
fn mangle(msg: &[u8], edits: &[u8]) -> Vec<u8> {
    let mut m = msg.to_vec();
    let Some((&mode, edits)) = edits.split_first() else {
        return m;
    };
    for e in edits.chunks_exact(3) {
        let at = usize::from(u16::from_be_bytes([e[0], e[1]])) % (m.len() + 1);
        if mode & 0x80 != 0 {
            m.truncate(at);
            break;
        }
        if at < m.len() {
            m[at] ^= e[2];
        }
    }
    m
}

/// `from` (on leg `legs.0`) sends an audio frame; `to` (on leg `legs.1`) must get it whole.
fn flows(from: &mut GroupCall, legs: (usize, usize), to: &mut GroupCall, sfu: &mut Sfu, n: u32) {
    let t = Duration::from_secs(2);
    let f = frame(9, MediaKind::Audio, n, 300);
    let mut packets = Packets::new();
    from.send_frame(MediaKind::Audio, &f, n, t, &mut packets)
        .unwrap();
    let mut got = None;
    for (_, mut p) in sfu.forward(legs.0, &packets).into_iter().filter(|(d, _)| *d == legs.1) {
        if let Some(r) = to.receive_packet(&mut p, t).unwrap() {
            got = Some((r.sender, r.frame.to_vec()));
        }
    }
    assert_eq!(got, Some((Sender::Member(from.own_leaf()), f)));
}

/// The fuzz target body: runs one input.
pub fn group_session(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let t = Duration::from_secs(1);
    let config = GroupCallConfig::default()
        .with_max_frame(4096)
        .with_update_interval(None);
    let mut sfu = Sfu::default();
    let (alice_call, bob_call, _) = one_to_one(&mut sfu, true);
    let (mut alice, welcome, bob_member) = escalate(alice_call, config, Some(&Sfu::keys(0)), t);
    if sel % 5 == 0 {
        let w = mangle(&welcome, rest);
        if let Ok(bob) =
            GroupCall::accept_escalation(bob_call, bob_member, &w, config, Some(&Sfu::keys(1)), t)
        {
            assert_eq!(bob.security_code(), alice.security_code());
        }
        return;
    }
    let mut bob =
        GroupCall::accept_escalation(bob_call, bob_member, &welcome, config, Some(&Sfu::keys(1)), t)
            .unwrap();
    let carol_leg = sfu.leg();
    let carol = Member::new(b"carol").unwrap();
    let invite = alice.add(&carol.key_package().unwrap(), t).unwrap();
    match sel % 5 {
        1 => {
            let (epoch, code) = (bob.group().epoch(), bob.security_code());
            let m = mangle(&invite.commit, rest);
            if bob.process(&m, t).is_err() {
                assert_eq!((bob.group().epoch(), bob.security_code()), (epoch, code));
                bob.process(&invite.commit, t).unwrap();
            }
            assert_eq!(bob.security_code(), alice.security_code());
            flows(&mut alice, (0, 1), &mut bob, &mut sfu, 1);
            flows(&mut bob, (1, 0), &mut alice, &mut sfu, 2);
        }
        2 => {
            let w = mangle(&invite.welcome, rest);
            let suite = callseal::SframeSuite::Aes128GcmSha256_128;
            if let Ok(carol) = GroupCall::join(carol, &w, suite, config, Some(&carol_leg), t) {
                assert_eq!(carol.security_code(), alice.security_code());
            }
        }
        3 => {
            bob.process(&invite.commit, t).unwrap();
            let suite = callseal::SframeSuite::Aes128GcmSha256_128;
            let mut carol =
                GroupCall::join(carol, &invite.welcome, suite, config, Some(&carol_leg), t).unwrap();
            let proposal = carol.leave().unwrap();
            let m = mangle(&proposal, rest);
            let epoch = bob.group().epoch();
            match bob.process(&m, t) {
                Ok(callseal_mls::GroupEvent::LeaveProposed { leaf }) => {
                    assert_eq!(leaf, carol.own_leaf())
                }
                Ok(e) => panic!("{e:?}"),
                Err(_) => assert!(bob.group().pending_leaves().is_empty()),
            }
            assert_eq!(bob.group().epoch(), epoch);
            flows(&mut alice, (0, 1), &mut bob, &mut sfu, 1);
        }
        _ => {
            let epoch = bob.group().epoch();
            assert!(bob.process(rest, t).is_err());
            assert_eq!(bob.group().epoch(), epoch);
            let mut p = rest.to_vec();
            let _ = bob.receive_packet(&mut p, t);
            bob.process(&invite.commit, t).unwrap();
            flows(&mut alice, (0, 1), &mut bob, &mut sfu, 1);
        }
    }
}
