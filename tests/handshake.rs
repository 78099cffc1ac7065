//! The handshake: vectors, property tests, every malformed-message class, intents, redaction.

mod common;
mod handshake_vectors;

use callseal::handshake::Established;
use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::{Direction, Error, Intent, Malformed, MediaKind, SframeSuite, SrtpSuite};
use common::{random, Handshake};
use handshake_vectors::hex_of;
use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde_json::Value;

const CTX: &[u8] = b"call 7 | alice@example.com | bob@example.com";

/// The handshake of these configurations in `ctx`, from a ChaCha20 generator seeded with `seed`.
fn run_with(
    seed: [u8; 32],
    ctx: &[u8],
    caller_cfg: &HandshakeConfig,
    callee_cfg: &HandshakeConfig,
) -> Result<Handshake, Error> {
    Handshake::run(
        &mut ChaCha20Rng::from_seed(seed),
        ctx,
        caller_cfg,
        callee_cfg,
    )
}

fn run(seed: [u8; 32], caller: Intent, callee: Intent) -> Result<Handshake, Error> {
    run_with(
        seed,
        CTX,
        &HandshakeConfig::new(caller),
        &HandshakeConfig::new(callee),
    )
}

/// Every stream secret of epochs 0 and 1, as bytes.
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

#[test]
fn vectors_file_reproduces() {
    let doc: Value =
        serde_json::from_str(include_str!("vectors/handshake.json")).expect("valid JSON");
    let runs = doc["runs"].as_array().expect("runs");
    assert!(runs.len() >= 3);
    assert!(runs.iter().any(|r| r["outcome"] == "standard"));
    assert!(runs.iter().any(|r| r["outcome"] == "end_to_end"));
    for r in runs {
        let seed: [u8; 32] = hex_of(&r["seed"]).try_into().unwrap();
        let ctx = hex_of(&r["context"]);
        let ci = r["caller"]["intent"]
            .as_str()
            .unwrap()
            .parse::<Intent>()
            .unwrap();
        let ce = r["callee"]["intent"]
            .as_str()
            .unwrap()
            .parse::<Intent>()
            .unwrap();
        let got = run_with(
            seed,
            &ctx,
            &HandshakeConfig::new(ci),
            &HandshakeConfig::new(ce),
        )
        .unwrap();
        handshake_vectors::check_messages(&got.offer, &got.answer, &got.confirm, r);
        assert_eq!(
            got.caller.transcript_hash().to_vec(),
            hex_of(&r["transcript_hash"])
        );
        assert_eq!(got.caller.srtp_suite().name(), r["srtp_suite"]);
        assert_eq!(got.caller.sframe_suite().name(), r["sframe_suite"]);
        let e2e = r["outcome"] == "end_to_end";
        assert_eq!(got.caller.is_end_to_end(), e2e);
        assert_eq!(got.callee.is_end_to_end(), e2e);
        match got.callee.security_code() {
            Some(c) => assert_eq!(c.as_str(), r["security_code"].as_str().unwrap()),
            None => assert!(r["security_code"].is_null()),
        }
        if !e2e {
            assert!(r["media_secret"].is_null());
            assert_eq!(r["streams"].as_array().unwrap().len(), 0);
            continue;
        }
        let k0 = got.caller.into_outcome();
        let callseal::handshake::Outcome::EndToEnd { keys, .. } = k0 else {
            unreachable!()
        };
        handshake_vectors::check_epochs(keys, r);
    }
}

#[test]
fn required_against_off_fails_both_ways() {
    assert_eq!(
        run([1; 32], Intent::Required, Intent::Off).err(),
        Some(Error::E2eeRequired)
    );
    assert_eq!(
        run([1; 32], Intent::Off, Intent::Required).err(),
        Some(Error::E2eeRequired)
    );
    // An intent changed on the wire from `on` to `off` is caught by the MAC, never accepted
    // as a downgrade.
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    let (mut caller, offer) = Caller::offer_with_random(
        &HandshakeConfig::new(Intent::Required),
        CTX,
        random(&mut rng),
    )
    .unwrap();
    let (_, mut answer) = Callee::accept_with_random(
        &HandshakeConfig::new(Intent::On),
        CTX,
        &offer,
        random(&mut rng),
    )
    .unwrap();
    answer[2] = Intent::Off.byte();
    assert_eq!(caller.finish(&answer).err(), Some(Error::Authentication));
}

#[test]
fn standard_outcome_releases_nothing() {
    let r = run([3; 32], Intent::On, Intent::Off).unwrap();
    for e in [&r.caller, &r.callee] {
        assert!(!e.is_end_to_end());
        assert!(e.security_code().is_none());
        assert!(e.keys().is_none());
    }
    assert_eq!(r.caller.transcript_hash(), r.callee.transcript_hash());
}

#[test]
fn all_zero_and_low_order_public_keys_rejected() {
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let cfg = HandshakeConfig::new(Intent::On);
    let (mut caller, offer) = Caller::offer_with_random(&cfg, CTX, random(&mut rng)).unwrap();
    // Low-order points: 0, 1 and an order-8 point.
    let order8 =
        hex::decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800").unwrap();
    for bad in [
        [0u8; 32].to_vec(),
        {
            let mut one = [0u8; 32];
            one[0] = 1;
            one.to_vec()
        },
        order8,
    ] {
        let mut o = offer.clone();
        o[3..35].copy_from_slice(&bad);
        assert_eq!(
            Callee::accept_with_random(&cfg, CTX, &o, random(&mut rng)).err(),
            Some(Error::NonContributory)
        );
        let (_, mut answer) =
            Callee::accept_with_random(&cfg, CTX, &offer, random(&mut rng)).unwrap();
        answer[3..35].copy_from_slice(&bad);
        assert_eq!(caller.finish(&answer).err(), Some(Error::NonContributory));
    }
    // The caller's state survived every bad answer.
    let (_, answer) = Callee::accept_with_random(&cfg, CTX, &offer, random(&mut rng)).unwrap();
    assert!(caller.finish(&answer).is_ok());
}

#[test]
fn malformed_offers() {
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let cfg = HandshakeConfig::new(Intent::On);
    let (_, offer) = Caller::offer_with_random(&cfg, CTX, random(&mut rng)).unwrap();
    let accept = |o: &[u8]| {
        Callee::accept_with_random(&cfg, CTX, o, random(&mut ChaCha20Rng::from_seed([6; 32])))
            .expect_err("must fail")
    };
    let m = |x: Malformed| Error::Malformed(x);
    assert_eq!(accept(&[]), m(Malformed::Truncated));
    assert_eq!(accept(&offer[..1]), m(Malformed::Truncated));
    for n in 2..offer.len() {
        let e = accept(&offer[..n]);
        assert!(
            matches!(
                e,
                Error::Malformed(Malformed::Truncated | Malformed::Length)
            ),
            "{n}: {e:?}"
        );
    }
    let mut o = offer.clone();
    o[0] = 2;
    assert_eq!(accept(&o), m(Malformed::MessageType));
    let mut o = offer.clone();
    o[1] = 3;
    assert_eq!(accept(&o), m(Malformed::Version));
    // Version 2 is known, and this Offer is far too short for it.
    let mut o = offer.clone();
    o[1] = 2;
    assert_eq!(accept(&o), m(Malformed::Truncated));
    let mut o = offer.clone();
    o[2] = 3;
    assert_eq!(accept(&o), m(Malformed::Field));
    let mut o = offer.clone();
    o.push(0);
    assert_eq!(accept(&o), m(Malformed::Length));
    let mut o = offer.clone();
    o.resize(200, 0);
    assert_eq!(accept(&o), m(Malformed::Oversized));
    // Zero suites in a list.
    let mut o = offer[..35].to_vec();
    o.extend_from_slice(&[0, 2, 0, 4, 0, 5]);
    assert_eq!(accept(&o), m(Malformed::Field));
    // More suites than allowed.
    let mut o = offer[..35].to_vec();
    o.push(17);
    o.extend((0..17u16).flat_map(|i| (i + 100).to_be_bytes()));
    o.extend_from_slice(&[1, 0, 4]);
    assert!(matches!(accept(&o), Error::Malformed(_)));
    // A duplicate suite.
    let mut o = offer[..35].to_vec();
    o.extend_from_slice(&[2, 0, 7, 0, 7, 1, 0, 4]);
    assert_eq!(accept(&o), m(Malformed::Field));
    // Only unknown suites: unsupported; known ones the callee refuses: no common suite.
    let mut o = offer[..35].to_vec();
    o.extend_from_slice(&[1, 0x12, 0x34, 1, 0, 4]);
    assert_eq!(accept(&o), Error::UnsupportedSuite);
    let strict = HandshakeConfig::new(Intent::On).with_srtp_suites(&[SrtpSuite::AeadAes256Gcm]);
    let mut o = offer[..35].to_vec();
    o.extend_from_slice(&[1, 0, 7, 1, 0, 4]);
    assert_eq!(
        Callee::accept_with_random(&strict, CTX, &o, random(&mut rng)).err(),
        Some(Error::NoCommonSuite)
    );
}

#[test]
fn negotiation_follows_caller_preference() {
    let caller = HandshakeConfig::new(Intent::On)
        .with_srtp_suites(&[SrtpSuite::AesCm128HmacSha1_80, SrtpSuite::AeadAes128Gcm])
        .with_sframe_suites(&[
            SframeSuite::AesCtr128HmacSha256_64,
            SframeSuite::Aes256GcmSha512_128,
        ]);
    let callee = HandshakeConfig::new(Intent::On)
        .with_srtp_suites(&[SrtpSuite::AeadAes128Gcm, SrtpSuite::AesCm128HmacSha1_80])
        .with_sframe_suites(&[SframeSuite::Aes256GcmSha512_128]);
    let r = run_with([7; 32], CTX, &caller, &callee).unwrap();
    assert_eq!(r.caller.srtp_suite(), SrtpSuite::AesCm128HmacSha1_80);
    assert_eq!(r.callee.sframe_suite(), SframeSuite::Aes256GcmSha512_128);
    assert_eq!(
        r.caller.keys().unwrap().srtp_suite(),
        SrtpSuite::AesCm128HmacSha1_80
    );
    let bad = HandshakeConfig::new(Intent::On).with_srtp_suites(&[]);
    assert!(matches!(
        Caller::offer_with_random(&bad, CTX, random(&mut ChaCha20Rng::from_seed([0; 32]))),
        Err(Error::InvalidConfig)
    ));
}

/// The handshake carries protection profile numbers, so it negotiates only the suites that have
/// one: a configuration naming an RFC 6188 suite is refused by both sides before anything is
/// sent, and the default offer is exactly [`SrtpSuite::HANDSHAKE`].
#[test]
fn only_handshake_suites_are_negotiated() {
    assert_eq!(
        HandshakeConfig::new(Intent::On).srtp_suites,
        SrtpSuite::HANDSHAKE.to_vec()
    );
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let good = HandshakeConfig::new(Intent::On);
    let (_, offer) = Caller::offer_with_random(&good, CTX, random(&mut rng)).unwrap();
    for suite in SrtpSuite::ALL
        .into_iter()
        .filter(|s| !SrtpSuite::HANDSHAKE.contains(s))
    {
        let bad =
            HandshakeConfig::new(Intent::On).with_srtp_suites(&[SrtpSuite::AeadAes128Gcm, suite]);
        assert!(matches!(
            Caller::offer_with_random(&bad, CTX, random(&mut rng)),
            Err(Error::InvalidConfig)
        ));
        assert!(matches!(
            Callee::accept_with_random(&bad, CTX, &offer, random(&mut rng)),
            Err(Error::InvalidConfig)
        ));
    }
}

#[test]
fn malformed_answers_and_confirms_leave_state_unchanged() {
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let cfg = HandshakeConfig::new(Intent::On);
    let (mut caller, offer) = Caller::offer_with_random(&cfg, CTX, random(&mut rng)).unwrap();
    let (mut callee, answer) =
        Callee::accept_with_random(&cfg, CTX, &offer, random(&mut rng)).unwrap();
    let m = |x: Malformed| Some(Error::Malformed(x));
    assert_eq!(caller.finish(&answer[..5]).err(), m(Malformed::Truncated));
    let mut long = answer.clone();
    long.push(0);
    assert_eq!(caller.finish(&long).err(), m(Malformed::Oversized));
    assert_eq!(caller.finish(&offer).err(), m(Malformed::MessageType));
    let mut a = answer.clone();
    a[1] = 9;
    assert_eq!(caller.finish(&a).err(), m(Malformed::Version));
    let mut a = answer.clone();
    a[36] = 0x03; // a suite that was never offered
    assert_eq!(caller.finish(&a).err(), m(Malformed::Field));
    let mut a = answer.clone();
    let last = a.len() - 1;
    a[last] ^= 1;
    assert_eq!(caller.finish(&a).err(), Some(Error::Authentication));
    assert_eq!(callee.confirm(&answer).err(), m(Malformed::MessageType));

    let (confirm, at_caller) = caller.finish(&answer).unwrap();
    assert_eq!(caller.finish(&answer).err(), Some(Error::HandshakeState));
    // The Confirm: version, type and a 32-byte MAC (docs/PROTOCOL.md).
    assert_eq!(confirm.len(), 34);
    assert_eq!(callee.confirm(&confirm[..3]).err(), m(Malformed::Truncated));
    let mut c = confirm.clone();
    c.push(1);
    assert_eq!(callee.confirm(&c).err(), m(Malformed::Oversized));
    let mut c = confirm.clone();
    c[1] = 0;
    assert_eq!(callee.confirm(&c).err(), m(Malformed::Version));
    let mut c = confirm.clone();
    c[10] ^= 0x80;
    assert_eq!(callee.confirm(&c).err(), Some(Error::Authentication));
    let at_callee = callee.confirm(&confirm).unwrap();
    assert_eq!(callee.confirm(&confirm).err(), Some(Error::HandshakeState));
    assert_eq!(at_caller.security_code(), at_callee.security_code());
}

#[test]
fn debug_never_shows_key_material() {
    let r = run([9; 32], Intent::On, Intent::On).unwrap();
    let keys = r.caller.keys().unwrap();
    let secrets = [
        hex::encode(keys.media_secret().dangerous_expose()),
        hex::encode(
            keys.stream(Direction::CallerToCallee, MediaKind::Audio)
                .secret()
                .dangerous_expose(),
        ),
    ];
    let dumped = format!(
        "{:?} {:?} {:?} {:?}",
        r.caller,
        r.callee,
        keys,
        keys.stream(Direction::CallerToCallee, MediaKind::Audio)
    );
    for s in secrets {
        assert!(!dumped.contains(&s[..8]), "{dumped}");
    }
    // No raw byte arrays either.
    assert!(!dumped.contains("[") || !dumped.contains(", "), "{dumped}");
    assert!(dumped.contains("AEAD_AES_128_GCM") || dumped.contains("AeadAes128Gcm"));
}

fn intent() -> impl Strategy<Value = Intent> {
    prop_oneof![Just(Intent::Off), Just(Intent::On), Just(Intent::Required)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Both sides agree on outcome, code and every stream key.
    #[test]
    fn both_sides_agree(seed in any::<[u8; 32]>(), ctx in proptest::collection::vec(any::<u8>(), 0..200),
                        ci in intent(), ce in intent()) {
        let r = run_with(seed, &ctx, &HandshakeConfig::new(ci), &HandshakeConfig::new(ce));
        let refused = matches!((ci, ce), (Intent::Required, Intent::Off) | (Intent::Off, Intent::Required));
        if refused {
            prop_assert_eq!(r.err(), Some(Error::E2eeRequired));
            return Ok(());
        }
        let r = r.unwrap();
        let e2e = ci != Intent::Off && ce != Intent::Off;
        prop_assert_eq!(r.caller.is_end_to_end(), e2e);
        prop_assert_eq!(r.callee.is_end_to_end(), e2e);
        prop_assert_eq!(r.caller.security_code(), r.callee.security_code());
        prop_assert_eq!(stream_keys(&r.caller), stream_keys(&r.callee));
        prop_assert_eq!(stream_keys(&r.caller).len(), if e2e { 6 } else { 0 });
    }

    /// A different context on one side never yields equal keys.
    #[test]
    fn different_context_never_agrees(seed in any::<[u8; 32]>(), a in proptest::collection::vec(any::<u8>(), 0..64),
                                      b in proptest::collection::vec(any::<u8>(), 0..64)) {
        prop_assume!(a != b);
        let cfg = HandshakeConfig::new(Intent::On);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let (mut caller, offer) = Caller::offer_with_random(&cfg, &a, random(&mut rng)).unwrap();
        let (_, answer) = Callee::accept_with_random(&cfg, &b, &offer, random(&mut rng)).unwrap();
        prop_assert_eq!(caller.finish(&answer).err(), Some(Error::Authentication));
    }

    /// Any single flipped bit in any message gives an error or a different code, never
    /// equal keys.
    #[test]
    fn flipped_bit_never_agrees(seed in any::<[u8; 32]>(), which in 0usize..3, bit in any::<usize>()) {
        let cfg = HandshakeConfig::new(Intent::On);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let (mut caller, mut offer) = Caller::offer_with_random(&cfg, CTX, random(&mut rng)).unwrap();
        if which == 0 {
            let i = bit % (offer.len() * 8);
            offer[i / 8] ^= 1 << (i % 8);
        }
        let (mut callee, mut answer) = match Callee::accept_with_random(&cfg, CTX, &offer, random(&mut rng)) {
            Ok(x) => x,
            Err(_) => return Ok(()),
        };
        if which == 1 {
            let i = bit % (answer.len() * 8);
            answer[i / 8] ^= 1 << (i % 8);
        }
        let (mut confirm, at_caller) = match caller.finish(&answer) {
            Ok(x) => x,
            Err(_) => return Ok(()),
        };
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
