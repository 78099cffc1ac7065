//! The full handshake (both sides, all three messages) beside the raw cost of its four X25519
//! operations (two public keys, two Diffie-Hellman results).

use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::Intent;
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn handshake(c: &mut Criterion) {
    let mut g = c.benchmark_group("handshake");
    let cfg = HandshakeConfig::new(Intent::On);
    let ctx = b"call 1 | alice@example.com | bob@example.com";
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    g.bench_function("full_both_sides", |b| {
        b.iter(|| {
            let (mut caller, offer) =
                Caller::offer_with_random(&cfg, ctx, random(&mut rng)).unwrap();
            let (mut callee, answer) =
                Callee::accept_with_random(&cfg, ctx, &offer, random(&mut rng)).unwrap();
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
    g.finish();
}

criterion_group!(benches, handshake);
criterion_main!(benches);

/// The 32 random bytes of one side's ephemeral key, from the seeded generator.
fn random(rng: &mut impl rand_chacha::rand_core::RngCore) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}
