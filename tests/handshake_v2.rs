//! Handshake version 2 (hybrid X25519 + ML-KEM-768, key continuity): the vectors file, every
//! continuity transition, the post-quantum setting against version-1 peers, and properties.

mod common;
mod handshake_vectors;

use callseal::handshake::{
    Callee, CalleeRandom, Caller, CallerRandom, ContinuityStatus, Established, HandshakeConfig,
    PostQuantum, Retained, Version,
};
use callseal::{Direction, Error, Intent, Malformed, MediaKind, Secret};
use common::{random, Handshake};
use handshake_vectors::hex_of;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde_json::Value;
use sha2::Sha256;

const CTX: &[u8] = b"call 9 | alice@example.com | bob@example.com";
const EK: core::ops::Range<usize> = 35..35 + 1184;
const CT: core::ops::Range<usize> = 35..35 + 1088;

fn pq(intent: Intent) -> HandshakeConfig {
    HandshakeConfig::new(intent).with_post_quantum(PostQuantum::On)
}

/// A version-2 handshake in `ctx` from `seed`, with these records.
fn run(
    seed: [u8; 32],
    ctx: &[u8],
    (ci, cr): (Intent, &Retained),
    (ei, er): (Intent, &Retained),
) -> Result<Handshake, Error> {
    Handshake::run_with(
        &mut ChaCha20Rng::from_seed(seed),
        ctx,
        (&pq(ci), cr),
        (&pq(ei), er),
    )
}

/// The caller's randomness (X25519, d, z), drawn from `rng`.
fn caller_random(rng: &mut ChaCha20Rng) -> CallerRandom {
    let mut r = || Secret::new(random(rng));
    CallerRandom::new(r(), r(), r())
}

/// The callee's randomness (X25519, m), drawn from `rng`.
fn callee_random(rng: &mut ChaCha20Rng) -> CalleeRandom {
    let mut r = || Secret::new(random(rng));
    CalleeRandom::new(r(), r())
}

fn secret(b: u8) -> Secret<32> {
    Secret::new([b; 32])
}

fn record(secrets: &[u8]) -> Retained {
    let mut it = secrets.iter().map(|b| secret(*b));
    Retained::new(it.next(), it.next(), false)
}

/// Every stream secret of epoch 0, as bytes.
fn stream_keys(e: &Established) -> Vec<[u8; 32]> {
    let Some(k) = e.keys() else { return vec![] };
    let mut out = Vec::new();
    for d in Direction::ALL {
        for m in MediaKind::ALL {
            out.push(*k.stream(d, m).secret().dangerous_expose());
        }
    }
    out
}

fn continuity_id(rs: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(rs).unwrap();
    m.update(b"callseal v2 continuity id");
    m.finalize().into_bytes()[..8].to_vec()
}

fn retained_of(v: &Value) -> (Vec<Vec<u8>>, Retained) {
    let list: Vec<Vec<u8>> = v.as_array().unwrap().iter().map(hex_of).collect();
    let mut it = list.iter().map(|b| Secret::from_slice(b).unwrap());
    let r = Retained::new(it.next(), it.next(), false);
    (list, r)
}

#[test]
fn vectors_file_reproduces() {
    let doc: Value =
        serde_json::from_str(include_str!("vectors/handshake-v2.json")).expect("valid JSON");
    let runs = doc["runs"].as_array().expect("runs");
    let status_of = |s: &str| {
        runs.iter()
            .filter(|r| r["continuity"]["status"] == s)
            .count()
    };
    assert!(status_of("new") >= 1 && status_of("continued") >= 2 && status_of("mismatch") >= 1);
    for r in runs {
        assert_eq!(r["version"], 2);
        let seed: [u8; 32] = hex_of(&r["seed"]).try_into().unwrap();
        let ctx = hex_of(&r["context"]);
        let intent = |side: &str| {
            r[side]["intent"]
                .as_str()
                .unwrap()
                .parse::<Intent>()
                .unwrap()
        };
        let (caller_rs, caller_rec) = retained_of(&r["caller"]["retained"]);
        let (callee_rs, callee_rec) = retained_of(&r["callee"]["retained"]);
        let mut got = run(
            seed,
            &ctx,
            (intent("caller"), &caller_rec),
            (intent("callee"), &callee_rec),
        )
        .unwrap();

        // The randomness: the ChaCha20 stream's bytes 0..160.
        let mut stream = [0u8; 160];
        ChaCha20Rng::from_seed(seed).fill_bytes(&mut stream);
        assert_eq!(hex_of(&r["caller"]["ephemeral_secret"]), &stream[..32]);
        assert_eq!(hex_of(&r["callee"]["ephemeral_secret"]), &stream[32..64]);
        assert_eq!(hex_of(&r["caller"]["kem_d"]), &stream[64..96]);
        assert_eq!(hex_of(&r["caller"]["kem_z"]), &stream[96..128]);
        assert_eq!(hex_of(&r["callee"]["kem_m"]), &stream[128..160]);

        // The messages and what both ends made of them.
        handshake_vectors::check_messages(&got.offer, &got.answer, &got.confirm, r);
        assert_eq!(&got.offer[EK], &hex_of(&r["caller"]["kem_ek"])[..]);
        assert_eq!(&got.answer[CT], &hex_of(&r["kem_ct"])[..]);
        for e in [&got.caller, &got.callee] {
            assert_eq!(e.version(), Version::V2);
            assert_eq!(e.transcript_hash().to_vec(), hex_of(&r["transcript_hash"]));
            assert_eq!(e.srtp_suite().name(), r["srtp_suite"]);
            assert_eq!(e.sframe_suite().name(), r["sframe_suite"]);
            assert_eq!(e.is_end_to_end(), r["outcome"] == "end_to_end");
            assert_eq!(e.continuity().unwrap().name(), r["continuity"]["status"]);
            match e.security_code() {
                Some(c) => assert_eq!(c.as_str(), r["security_code"].as_str().unwrap()),
                None => assert!(r["security_code"].is_null()),
            }
        }

        // The two secrets the library never shows, recomputed with the primitives.
        let x: [u8; 32] = stream[..32].try_into().unwrap();
        let peer: [u8; 32] = got.answer[3..35].try_into().unwrap();
        assert_eq!(
            x25519_dalek::x25519(x, peer).to_vec(),
            hex_of(&r["shared_secret"])
        );
        let pair = libcrux_ml_kem::mlkem768::generate_key_pair(stream[64..128].try_into().unwrap());
        assert_eq!(&pair.pk()[..], &got.offer[EK]);
        let ct = libcrux_ml_kem::mlkem768::MlKem768Ciphertext::try_from(&got.answer[CT]).unwrap();
        let ss = libcrux_ml_kem::mlkem768::decapsulate(pair.private_key(), &ct);
        assert_eq!(ss.to_vec(), hex_of(&r["kem_shared_secret"]));
        let m: [u8; 32] = stream[128..160].try_into().unwrap();
        let (ct2, ss2) = libcrux_ml_kem::mlkem768::encapsulate(pair.public_key(), m);
        assert_eq!((&ct2.as_slice()[..], ss2), (&got.answer[CT], ss));

        // Continuity: the ids of the caller's record, the match, the next secret.
        let c = &r["continuity"];
        let ids: Vec<Vec<u8>> = caller_rs.iter().map(|s| continuity_id(s)).collect();
        let offered: Vec<Vec<u8>> = c["offered_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(hex_of)
            .collect();
        assert_eq!(offered, ids);
        let matched = ids
            .iter()
            .find(|id| callee_rs.iter().any(|s| &continuity_id(s) == *id));
        match matched {
            Some(id) => assert_eq!(&hex_of(&c["matched_id"]), id),
            None => assert!(c["matched_id"].is_null()),
        }
        let next_a = got.caller.take_retained();
        let next_b = got.callee.take_retained();
        match (&next_a, &next_b) {
            (Some(a), Some(b)) => {
                let want = hex_of(&c["next_retained_secret"]);
                assert_eq!(a.newest().unwrap().dangerous_expose().to_vec(), want);
                assert_eq!(b.newest().unwrap().dangerous_expose().to_vec(), want);
            }
            (None, None) => assert!(c["next_retained_secret"].is_null()),
            _ => panic!("one side released a retained secret"),
        }

        // The media keys of epochs 0 and 1.
        if r["outcome"] != "end_to_end" {
            assert!(r["media_secret"].is_null());
            continue;
        }
        let callseal::handshake::Outcome::EndToEnd { keys, .. } = got.caller.into_outcome() else {
            unreachable!()
        };
        handshake_vectors::check_epochs(keys, r);
    }
}

/// Two parties' stores and a call between them that updates both, as an application does.
struct Peers {
    alice: Retained,
    bob: Retained,
    n: u8,
}

impl Peers {
    fn new() -> Self {
        Peers {
            alice: Retained::none(),
            bob: Retained::none(),
            n: 0,
        }
    }

    /// One call, alice calling bob; both store their next record.
    fn call(&mut self) -> (ContinuityStatus, bool, bool) {
        self.n += 1;
        let mut h = run(
            [self.n; 32],
            CTX,
            (Intent::On, &self.alice),
            (Intent::On, &self.bob),
        )
        .unwrap();
        assert_eq!(h.caller.continuity(), h.callee.continuity());
        assert_eq!(h.caller.security_code(), h.callee.security_code());
        let out = (
            h.caller.continuity().unwrap(),
            h.caller.verified(),
            h.callee.verified(),
        );
        self.alice = h.caller.take_retained().unwrap();
        self.bob = h.callee.take_retained().unwrap();
        assert!(h.caller.take_retained().is_none(), "released once");
        out
    }

    /// A call whose Confirm is lost: alice finished and stored, bob never confirmed.
    fn call_losing_confirm(&mut self) {
        self.n += 1;
        let mut rng = ChaCha20Rng::from_seed([self.n; 32]);
        let (mut c, offer) =
            Caller::offer_with(&pq(Intent::On), CTX, &self.alice, caller_random(&mut rng)).unwrap();
        let (_, answer) = Callee::accept_with(
            &pq(Intent::On),
            CTX,
            &offer,
            &self.bob,
            callee_random(&mut rng),
        )
        .unwrap();
        let (_confirm_lost, mut at_alice) = c.finish(&answer).unwrap();
        self.alice = at_alice.take_retained().unwrap();
    }
}

#[test]
fn new_then_continued_and_verified_carried() {
    let mut p = Peers::new();
    assert_eq!(p.call(), (ContinuityStatus::New, false, false));
    assert_eq!(p.call(), (ContinuityStatus::Continued, false, false));
    // The users compare the code once.
    p.alice.mark_verified();
    p.bob.mark_verified();
    assert_eq!(p.call(), (ContinuityStatus::Continued, true, true));
    assert_eq!(p.call(), (ContinuityStatus::Continued, true, true));
    assert!(p.alice.verified() && p.bob.verified());
    // The stored record: the newest and the one that matched.
    assert!(p.alice.newest().is_some() && p.alice.previous().is_some());
}

#[test]
fn lost_confirm_continues_on_the_previous_secret() {
    let mut p = Peers::new();
    p.call();
    p.alice.mark_verified();
    p.bob.mark_verified();
    p.call_losing_confirm();
    // Alice moved on, bob did not: alice's previous secret is bob's newest.
    assert!(p.alice.previous().unwrap().ct_eq(p.bob.newest().unwrap()));
    assert_eq!(p.call(), (ContinuityStatus::Continued, true, true));
    // Several lost in a row: alice keeps the secret that matched as her previous one, which
    // is bob's newest all along, so the chain still continues.
    p.call_losing_confirm();
    p.call_losing_confirm();
    p.call_losing_confirm();
    assert!(p.alice.previous().unwrap().ct_eq(p.bob.newest().unwrap()));
    assert_eq!(p.call(), (ContinuityStatus::Continued, true, true));
    // Once a call completes, both hold the same newest secret again.
    assert!(p.alice.newest().unwrap().ct_eq(p.bob.newest().unwrap()));
}

#[test]
fn callee_ahead_continues_too() {
    // Alice lost her last record (restored an older backup), bob holds the newer one and the
    // previous: bob's previous is alice's newest.
    let mut p = Peers::new();
    p.call();
    let old = p.alice.newest().map(|s| Secret::new(*s.dangerous_expose()));
    p.call();
    p.alice = Retained::new(old, None, false);
    assert_eq!(p.call().0, ContinuityStatus::Continued);
}

#[test]
fn mismatch_drops_the_verified_mark() {
    let mut p = Peers::new();
    p.call();
    p.alice.mark_verified();
    p.bob.mark_verified();
    // Alice's store is corrupted: another secret in its place.
    p.alice = Retained::new(Some(secret(0xee)), None, true);
    assert_eq!(p.call(), (ContinuityStatus::Mismatch, false, false));
    assert!(!p.alice.verified() && !p.bob.verified());
    // The next call continues the chain the mismatch started, unverified.
    assert_eq!(p.call(), (ContinuityStatus::Continued, false, false));
    // A new device on bob's side (nothing stored) is a mismatch for both too.
    p.bob = Retained::none();
    assert_eq!(p.call().0, ContinuityStatus::Mismatch);
}

#[test]
fn man_in_the_middle_on_a_later_call_shows_mismatch() {
    let mut p = Peers::new();
    p.call();
    p.call();
    // Mallory answers alice as if she were bob; she holds nothing of theirs.
    let h = run(
        [0x77; 32],
        CTX,
        (Intent::On, &p.alice),
        (Intent::On, &Retained::none()),
    )
    .unwrap();
    assert_eq!(h.caller.continuity(), Some(ContinuityStatus::Mismatch));
    // Claiming a match she cannot back: the MAC fails (she lacks the secret).
    let mut rng = ChaCha20Rng::from_seed([0x78; 32]);
    let (mut caller, offer) =
        Caller::offer_with(&pq(Intent::On), CTX, &p.alice, caller_random(&mut rng)).unwrap();
    let forged_rec = Retained::new(Some(secret(0x99)), None, false);
    let (_, mut answer) = Callee::accept_with(
        &pq(Intent::On),
        CTX,
        &offer,
        &forged_rec,
        callee_random(&mut rng),
    )
    .unwrap();
    let at = answer.len() - 32 - 2;
    answer[at] = 1;
    assert_eq!(caller.finish(&answer).err(), Some(Error::Authentication));
}

#[test]
fn standard_call_reports_continuity_but_releases_no_secret() {
    let rec = record(&[5]);
    let mut h = run(
        [4; 32],
        CTX,
        (Intent::On, &rec),
        (Intent::Off, &record(&[5])),
    )
    .unwrap();
    for e in [&mut h.caller, &mut h.callee] {
        assert!(!e.is_end_to_end());
        assert_eq!(e.continuity(), Some(ContinuityStatus::Continued));
        assert!(e.take_retained().is_none());
    }
}

#[test]
fn continuity_fields_and_version_rewritten_are_caught() {
    let alice = record(&[1, 2]);
    let bob = record(&[1]);
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let (mut caller, offer) =
        Caller::offer_with(&pq(Intent::On), CTX, &alice, caller_random(&mut rng)).unwrap();
    let cfg = pq(Intent::On);
    let mut answer_to =
        |o: &[u8], rec: &Retained| Callee::accept_with(&cfg, CTX, o, rec, callee_random(&mut rng));
    let n = offer.len();
    assert_eq!(offer[n - 17], 2, "two ids at the end");
    // Stripped ids: the callee sees none, and the caller's MAC check fails.
    let mut stripped = offer[..n - 16].to_vec();
    *stripped.last_mut().unwrap() = 0;
    let (_, a) = answer_to(&stripped, &bob).unwrap();
    assert_eq!(caller.finish(&a).err(), Some(Error::Authentication));
    // Rewritten ids (the newest replaced by the previous one's twin): duplicate ids refused.
    let mut dup = offer.clone();
    let (first, second) = dup[n - 16..].split_at_mut(8);
    first.copy_from_slice(second);
    assert_eq!(
        answer_to(&dup, &bob).err(),
        Some(Error::Malformed(Malformed::Field))
    );
    // A count beyond two.
    let mut many = offer.clone();
    many[n - 17] = 3;
    assert_eq!(
        answer_to(&many, &bob).err(),
        Some(Error::Malformed(Malformed::Field))
    );
    // The version byte rewritten: as version 1 the Offer is far too long.
    let mut v1 = offer.clone();
    v1[1] = 1;
    assert_eq!(
        answer_to(&v1, &bob).err(),
        Some(Error::Malformed(Malformed::Oversized))
    );

    let (mut callee, answer) = answer_to(&offer, &bob).unwrap();
    let body_end = answer.len() - 32;
    // The matched position, the "holds" flag: rewritten → MAC; out of range → malformed.
    for (at, value, want) in [
        (body_end - 2, 0u8, Error::Authentication),
        (body_end - 2, 2, Error::Authentication),
        (body_end - 2, 3, Error::Malformed(Malformed::Field)),
        (body_end - 1, 0, Error::Malformed(Malformed::Field)),
        (body_end - 1, 2, Error::Malformed(Malformed::Field)),
        (1, 1, Error::Malformed(Malformed::Version)),
        (1, 3, Error::Malformed(Malformed::Version)),
    ] {
        let mut a = answer.clone();
        a[at] = value;
        assert_eq!(caller.finish(&a).err(), Some(want), "byte {at} = {value}");
    }
    // Matching the second id when only one was offered is malformed.
    let one = record(&[1]);
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let (mut c1, o1) =
        Caller::offer_with(&pq(Intent::On), CTX, &one, caller_random(&mut rng)).unwrap();
    let (_, mut a1) = Callee::accept_with(&cfg, CTX, &o1, &one, callee_random(&mut rng)).unwrap();
    let at = a1.len() - 34;
    a1[at] = 2;
    assert_eq!(
        c1.finish(&a1).err(),
        Some(Error::Malformed(Malformed::Field))
    );

    // A Confirm of version 1 is refused; the genuine messages still complete both sides.
    let (confirm, at_caller) = caller.finish(&answer).unwrap();
    let mut c = confirm.clone();
    c[1] = 1;
    assert_eq!(
        callee.confirm(&c).err(),
        Some(Error::Malformed(Malformed::Version))
    );
    let at_callee = callee.confirm(&confirm).unwrap();
    assert_eq!(at_caller.continuity(), Some(ContinuityStatus::Continued));
    assert_eq!(at_callee.continuity(), Some(ContinuityStatus::Continued));
    assert_eq!(at_caller.security_code(), at_callee.security_code());
}

#[test]
fn post_quantum_setting_against_version_1() {
    let off = HandshakeConfig::new(Intent::On);
    let on = off.clone().with_post_quantum(PostQuantum::On);
    let required = off.clone().with_post_quantum(PostQuantum::Required);
    let none = Retained::none();
    let go = |c: &HandshakeConfig, e: &HandshakeConfig| {
        Handshake::run_with(
            &mut ChaCha20Rng::from_seed([8; 32]),
            CTX,
            (c, &none),
            (e, &none),
        )
    };
    // Off sends version 1; a callee answers in the version of the Offer, whatever its setting,
    // unless it requires version 2.
    let h = go(&off, &on).unwrap();
    assert_eq!((h.offer[1], h.answer[1], h.confirm[1]), (1, 1, 1));
    assert_eq!(h.callee.version(), Version::V1);
    assert_eq!(h.caller.continuity(), None);
    assert_eq!(go(&off, &required).err(), Some(Error::PostQuantumRequired));
    // On and required send version 2; an off callee answers it in version 2.
    for c in [&on, &required] {
        let h = go(c, &off).unwrap();
        assert_eq!((h.offer[1], h.answer[1], h.confirm[1]), (2, 2, 2));
        assert!(h.caller.is_post_quantum() && h.callee.is_post_quantum());
        assert_eq!(h.offer.len(), 1240);
        assert_eq!(h.answer.len(), 1161);
    }
    // The version-1 Offer and Answer: an X25519-only exchange in the same call.
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let (_, v1_offer) = Caller::offer_with_random(&off, CTX, random(&mut rng)).unwrap();
    let (_, v1_answer) =
        Callee::accept_with_random(&off, CTX, &v1_offer, random(&mut rng)).unwrap();
    for (caller_cfg, want) in [
        (&required, Error::PostQuantumRequired),
        (&on, Error::Malformed(Malformed::Version)),
    ] {
        let (mut caller, v2_offer) =
            Caller::offer_with(caller_cfg, CTX, &none, caller_random(&mut rng)).unwrap();
        // A version-1 Answer to a version-2 Offer never completes: no silent downgrade.
        assert_eq!(caller.finish(&v1_answer).err(), Some(want));
        // An attacker who strips the KEM fields to make a version-1 Offer of it gets a
        // version-1 Answer from the callee, which the caller refuses just the same.
        let mut stripped = v2_offer[..35].to_vec();
        stripped[1] = 1;
        stripped.extend_from_slice(&v2_offer[35 + 1184..v2_offer.len() - 1]);
        let (_, a) = Callee::accept_with_random(&off, CTX, &stripped, [7; 32]).unwrap();
        assert_eq!(caller.finish(&a).err(), Some(want));
        // The genuine version-2 Answer still completes the handshake.
        let (_, a) =
            Callee::accept_with(&off, CTX, &v2_offer, &none, callee_random(&mut rng)).unwrap();
        assert!(caller.finish(&a).unwrap().1.is_post_quantum());
    }
    // Version 2 needs ML-KEM randomness: the 32-byte entry points refuse it.
    assert_eq!(
        Caller::offer_with_random(&on, CTX, [1; 32]).err(),
        Some(Error::InvalidConfig)
    );
    let h = go(&on, &on).unwrap();
    assert_eq!(
        Callee::accept_with_random(&off, CTX, &h.offer, [1; 32]).err(),
        Some(Error::InvalidConfig)
    );
}

#[test]
fn debug_never_shows_secrets() {
    let rec = record(&[0xab, 0xcd]);
    let mut h = run(
        [10; 32],
        CTX,
        (Intent::On, &rec),
        (Intent::On, &record(&[0xab])),
    )
    .unwrap();
    let next = h.caller.take_retained().unwrap();
    let dumped = format!("{:?} {:?} {:?} {:?}", h.caller, h.callee, rec, next);
    for s in [
        hex::encode(next.newest().unwrap().dangerous_expose()),
        hex::encode([0xab; 4]),
        hex::encode([0xcd; 4]),
    ] {
        assert!(!dumped.contains(&s[..8]), "{dumped}");
    }
    assert!(
        !dumped.contains("171, 171") && !dumped.contains("205, 205"),
        "{dumped}"
    );
    assert!(
        dumped.contains("Continued") && dumped.contains("V2"),
        "{dumped}"
    );
}

fn intent() -> impl Strategy<Value = Intent> {
    prop_oneof![Just(Intent::Off), Just(Intent::On), Just(Intent::Required)]
}

/// A record of 0 to 2 secrets from a pool of four, so that both sides sometimes share one.
fn stored() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(1u8..=4, 0..=2)
        .prop_filter("distinct", |v| v.len() < 2 || v[0] != v[1])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Both sides agree on outcome, code, keys, continuity and the next secret.
    #[test]
    fn both_sides_agree(seed in any::<[u8; 32]>(), ctx in proptest::collection::vec(any::<u8>(), 0..100),
                        ci in intent(), ce in intent(), a in stored(), b in stored()) {
        let r = run(seed, &ctx, (ci, &record(&a)), (ce, &record(&b)));
        if matches!((ci, ce), (Intent::Required, Intent::Off) | (Intent::Off, Intent::Required)) {
            prop_assert_eq!(r.err(), Some(Error::E2eeRequired));
            return Ok(());
        }
        let mut r = r.unwrap();
        let e2e = ci != Intent::Off && ce != Intent::Off;
        let want = if a.iter().any(|x| b.contains(x)) {
            ContinuityStatus::Continued
        } else if a.is_empty() && b.is_empty() {
            ContinuityStatus::New
        } else {
            ContinuityStatus::Mismatch
        };
        prop_assert_eq!(r.caller.continuity(), Some(want));
        prop_assert_eq!(r.callee.continuity(), Some(want));
        prop_assert_eq!(r.caller.is_end_to_end(), e2e);
        prop_assert_eq!(r.caller.security_code(), r.callee.security_code());
        prop_assert_eq!(stream_keys(&r.caller), stream_keys(&r.callee));
        prop_assert_eq!(stream_keys(&r.caller).len(), if e2e { 6 } else { 0 });
        match (r.caller.take_retained(), r.callee.take_retained()) {
            (Some(x), Some(y)) => {
                prop_assert!(e2e);
                prop_assert!(x.newest().unwrap().ct_eq(y.newest().unwrap()));
                prop_assert_eq!(x.previous().is_some(), want == ContinuityStatus::Continued);
            }
            (None, None) => prop_assert!(!e2e),
            _ => prop_assert!(false, "one side released a secret"),
        }
    }

    /// A different context on one side never yields equal keys.
    #[test]
    fn different_context_never_agrees(seed in any::<[u8; 32]>(), a in proptest::collection::vec(any::<u8>(), 0..64),
                                      b in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assume!(a != b);
        let cfg = pq(Intent::On);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let (mut caller, offer) = Caller::offer_with(&cfg, &a, &Retained::none(),
            caller_random(&mut rng)).unwrap();
        let (_, answer) = Callee::accept_with(&cfg, &b, &offer, &Retained::none(),
            callee_random(&mut rng)).unwrap();
        prop_assert_eq!(caller.finish(&answer).err(), Some(Error::Authentication));
    }

    /// Any single flipped bit in any message (the KEM fields and the continuity fields
    /// included) gives an error or a different code, never equal keys.
    #[test]
    fn flipped_bit_never_agrees(seed in any::<[u8; 32]>(), which in 0usize..3, bit in any::<usize>()) {
        let cfg = pq(Intent::On);
        let (ra, rb) = (record(&[1, 2]), record(&[2]));
        let mut rng = ChaCha20Rng::from_seed(seed);
        let (mut caller, mut offer) = Caller::offer_with(&cfg, CTX, &ra,
            caller_random(&mut rng)).unwrap();
        if which == 0 {
            let i = bit % (offer.len() * 8);
            offer[i / 8] ^= 1 << (i % 8);
        }
        let Ok((mut callee, mut answer)) = Callee::accept_with(&cfg, CTX, &offer, &rb,
            callee_random(&mut rng)) else { return Ok(()) };
        if which == 1 {
            let i = bit % (answer.len() * 8);
            answer[i / 8] ^= 1 << (i % 8);
        }
        let Ok((mut confirm, at_caller)) = caller.finish(&answer) else { return Ok(()) };
        if which == 2 {
            let i = bit % (confirm.len() * 8);
            confirm[i / 8] ^= 1 << (i % 8);
        }
        match callee.confirm(&confirm) {
            Err(_) => {}
            Ok(at_callee) => {
                prop_assert!(which != 2, "a flipped Confirm was accepted");
                prop_assert_ne!(at_caller.security_code(), at_callee.security_code());
                prop_assert_ne!(stream_keys(&at_caller), stream_keys(&at_callee));
            }
        }
    }
}
