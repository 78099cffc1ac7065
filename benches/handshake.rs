//! The full handshake (both sides, all three messages) of version 1 (X25519) beside version 2
//! (X25519 + ML-KEM-768, with a retained secret on each side so the continuity work is in it),
//! in one run; and the raw cost of the primitives: four X25519 operations (two public keys, two
//! Diffie-Hellman results) and one ML-KEM-768 key generation, encapsulation and decapsulation.
//! The message sizes of both versions are printed first.

use callseal::handshake::{
    Callee, CalleeRandom, Caller, CallerRandom, HandshakeConfig, PostQuantum, Retained,
};
use callseal::{Intent, Secret};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("handshake");
    let v1 = HandshakeConfig::new(Intent::On);
    let v2 = v1.clone().with_post_quantum(PostQuantum::On);
    let ctx = b"call 1 | alice@example.com | bob@example.com";
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let shared = || Retained::new(Some(Secret::new([3; 32])), Some(Secret::new([4; 32])), true);
    let (alice, bob) = (shared(), shared());

    let sizes = |cfg: &HandshakeConfig, rng: &mut ChaCha20Rng| {
        let mut r = || Secret::new(random(rng));
        let (mut c, o) =
            Caller::offer_with(cfg, ctx, &alice, CallerRandom::new(r(), r(), r())).unwrap();
        let (_, a) = Callee::accept_with(cfg, ctx, &o, &bob, CalleeRandom::new(r(), r())).unwrap();
        let (f, _) = c.finish(&a).unwrap();
        (o.len(), a.len(), f.len())
    };
    for (name, cfg) in [("version 1", &v1), ("version 2", &v2)] {
        let (o, a, f) = sizes(cfg, &mut rng);
        println!(
            "{name}: Offer {o} B, Answer {a} B, Confirm {f} B, {} B in all",
            o + a + f
        );
    }

    g.bench_function("full_both_sides_v1", |b| {
        b.iter(|| {
            let (mut caller, offer) =
                Caller::offer_with_random(&v1, ctx, random(&mut rng)).unwrap();
            let (mut callee, answer) =
                Callee::accept_with_random(&v1, ctx, &offer, random(&mut rng)).unwrap();
            let (confirm, a) = caller.finish(&answer).unwrap();
            let b = callee.confirm(&confirm).unwrap();
            black_box((a, b))
        })
    });
    g.bench_function("full_both_sides_v2", |b| {
        b.iter(|| {
            let mut r = || Secret::new(random(&mut rng));
            let (mut caller, offer) =
                Caller::offer_with(&v2, ctx, &alice, CallerRandom::new(r(), r(), r())).unwrap();
            let (mut callee, answer) =
                Callee::accept_with(&v2, ctx, &offer, &bob, CalleeRandom::new(r(), r())).unwrap();
            let (confirm, a) = caller.finish(&answer).unwrap();
            let b = callee.confirm(&confirm).unwrap();
            black_box((a, b))
        })
    });
    let a = x25519_dalek::StaticSecret::from([1u8; 32]);
    let bs = x25519_dalek::StaticSecret::from([2u8; 32]);
    g.bench_function("raw_x25519_x4", |b| {
        b.iter(|| {
            let pa = x25519_dalek::PublicKey::from(black_box(&a));
            let pb = x25519_dalek::PublicKey::from(black_box(&bs));
            let s1 = a.diffie_hellman(&pb);
            let s2 = bs.diffie_hellman(&pa);
            black_box((s1, s2))
        })
    });
    g.bench_function("raw_mlkem768_keygen_encaps_decaps", |b| {
        use libcrux_ml_kem::mlkem768;
        b.iter(|| {
            let pair = mlkem768::generate_key_pair(black_box([5u8; 64]));
            let (ct, ss) = mlkem768::encapsulate(pair.public_key(), black_box([6u8; 32]));
            let ss2 = mlkem768::decapsulate(pair.private_key(), &ct);
            black_box((ss, ss2))
        })
    });
    g.finish();
}

criterion_group!(benches, handshake);
criterion_main!(benches);

/// The 32 random bytes of one side's ephemeral key, from the seeded generator.
fn random(rng: &mut impl RngCore) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}
