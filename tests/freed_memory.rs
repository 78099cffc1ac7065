//! Defect 5: key material was left in freed memory (the vector that held the epoch-0 send
//! contexts, HKDF states, secrets moved out of heap blocks). An allocator scans every block
//! freed during a whole call (handshake, call, ten rekeys, drop) for every key, salt, PRK and
//! secret of it, derived here independently from the handshake's inputs.

mod common;

use callseal::handshake::{Callee, Caller, Established, HandshakeConfig};
use callseal::session::{Call, CallConfig, Layers, PacketKeys, Packets};
use callseal::sframe::{CallKid, DerivedKey, Grace};
use callseal::srtp::SessionKeys;
use callseal::{Direction, Epoch, Intent, MediaKind, Role, SrtpMasterKey, SrtpSuite};
use common::{alloc, LAYERS};
use hkdf::Hkdf;
use rand_chacha::rand_core::{CryptoRng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sha2::Sha256;
use std::time::Duration;
use zeroize::Zeroizing;

#[global_allocator]
static A: alloc::Counting = alloc::Counting;

/// The randomness the handshake draws, recorded: the ephemeral X25519 secrets.
struct Recording {
    rng: ChaCha8Rng,
    drawn: Vec<Zeroizing<Vec<u8>>>,
}

impl RngCore for Recording {
    fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }
    fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.rng.fill_bytes(dest);
        self.drawn.push(Zeroizing::new(dest.to_vec()));
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_chacha::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for Recording {}

/// The test's own copies of secrets are wiped when freed (see `alloc::scan_freed`).
type Bytes = Zeroizing<Vec<u8>>;

fn expand(prk: &[u8], info: &[&[u8]], len: usize) -> Bytes {
    let mut out = Zeroizing::new(vec![0u8; len]);
    Hkdf::<Sha256>::from_prk(prk)
        .unwrap()
        .expand_multi_info(info, &mut out)
        .unwrap();
    out
}

/// Hop-by-hop keys that look like keys (not runs of one byte that a frame could contain),
/// made on the stack: the application's own copies are not the library's to wipe.
fn hop(out: u8, inb: u8) -> PacketKeys {
    let k = |b: u8| {
        let mut bytes = [0u8; 30];
        Hkdf::<Sha256>::from_prk(&[b; 32])
            .unwrap()
            .expand(b"hop key", &mut bytes)
            .unwrap();
        SrtpMasterKey::from_concatenated(SrtpSuite::AesCm128HmacSha1_80, &bytes).unwrap()
    };
    PacketKeys::new(k(out), k(inb))
}

/// Every secret of the SRTP master key `m`: the master key and salt, and the session keys.
fn srtp_secrets(m: &SrtpMasterKey, name: &str, out: &mut Vec<(Bytes, String)>) {
    out.push((
        Zeroizing::new(m.dangerous_key().to_vec()),
        format!("{name} master key"),
    ));
    out.push((
        Zeroizing::new(m.dangerous_salt().to_vec()),
        format!("{name} master salt"),
    ));
    let s = SessionKeys::derive(m);
    for (bytes, what) in [
        (s.dangerous_srtp_key(), "SRTP key"),
        (s.dangerous_srtp_salt(), "SRTP salt"),
        (s.dangerous_srtp_auth_key(), "SRTP auth key"),
        (s.dangerous_srtcp_key(), "SRTCP key"),
        (s.dangerous_srtcp_salt(), "SRTCP salt"),
        (s.dangerous_srtcp_auth_key(), "SRTCP auth key"),
    ] {
        if !bytes.is_empty() {
            out.push((Zeroizing::new(bytes.to_vec()), format!("{name} {what}")));
        }
    }
}

/// What a call's secrets are derived from: its recorded randomness, its transcript hash and
/// its suites.
struct Inputs {
    drawn: Vec<Zeroizing<Vec<u8>>>,
    th: [u8; 32],
    srtp_suite: SrtpSuite,
    sframe_suite: callseal::SframeSuite,
    both: bool,
}

/// One whole call: handshake, ten rekeys with traffic on every stream, drop.
fn call(layers: Layers, seed: u64) -> Inputs {
    let mut rng = Recording {
        rng: ChaCha8Rng::seed_from_u64(seed),
        drawn: Vec::new(),
    };
    let ctx = b"freed memory | alice | bob";
    let cfg = HandshakeConfig::new(Intent::On).with_srtp_suites(&[SrtpSuite::AesCm128HmacSha1_80]);
    // Kept on the heap, as an application would, and moved out of it.
    let (caller, offer) = Caller::offer_with_random(&cfg, ctx, common::random(&mut rng)).unwrap();
    let mut caller = Box::new(caller);
    let (callee, answer) =
        Callee::accept_with_random(&cfg, ctx, &offer, common::random(&mut rng)).unwrap();
    let mut callee = Box::new(callee);
    let (confirm, at_a) = caller.finish(&answer).unwrap();
    let at_a: Box<Established> = Box::new(at_a);
    let at_b: Box<Established> = Box::new(callee.confirm(&confirm).unwrap());
    drop((caller, callee));
    let th = *at_a.transcript_hash();
    let (srtp_suite, sframe_suite) = (at_a.srtp_suite(), at_a.sframe_suite());
    let config = |role| {
        CallConfig::new(role)
            .with_layers(layers)
            .with_grace(Grace::Frames(2))
    };
    let both = layers == Layers::Both;
    let mut a = Box::new(Call::new(*at_a, config(Role::Caller), both.then(|| hop(1, 2))).unwrap());
    let mut b = Box::new(Call::new(*at_b, config(Role::Callee), both.then(|| hop(2, 1))).unwrap());
    let mut out = Packets::new();
    let mut step = |from_a: bool, a: &mut Call, b: &mut Call, n: u32| {
        let (tx, rx) = if from_a { (a, b) } else { (b, a) };
        for kind in MediaKind::ALL {
            out.clear();
            let frame = vec![n as u8; 100 + 3000 * kind as usize];
            tx.send_frame(kind, &frame, n, Duration::ZERO, &mut out)
                .unwrap();
            let mut got = false;
            for p in out.iter() {
                let mut p = p.to_vec();
                got |= rx.receive_packet(&mut p, Duration::ZERO).unwrap().is_some();
            }
            assert!(got);
        }
    };
    for i in 0..10u32 {
        for n in 0..3 {
            step(true, &mut a, &mut b, i * 10 + n);
            step(false, &mut a, &mut b, i * 10 + n);
        }
        if i % 2 == 0 {
            a.rekey(Duration::ZERO)
        } else {
            b.rekey(Duration::ZERO)
        }
        .unwrap();
    }
    step(true, &mut a, &mut b, 200);
    step(false, &mut a, &mut b, 200);
    assert_eq!(a.epoch(), Epoch(10));
    drop((a, b));
    Inputs {
        drawn: rng.drawn,
        th,
        srtp_suite,
        sframe_suite,
        both,
    }
}

/// Every secret of a call, derived here from its inputs.
fn secrets(inputs: &Inputs) -> Vec<(Bytes, String)> {
    let Inputs {
        drawn,
        th,
        srtp_suite,
        sframe_suite,
        both,
    } = inputs;
    let (srtp_suite, sframe_suite, both) = (*srtp_suite, *sframe_suite, *both);
    let mut secrets = Vec::new();
    assert_eq!(drawn.len(), 2);
    let scalar = |i: usize| -> [u8; 32] { drawn[i].as_slice().try_into().unwrap() };
    for (i, s) in drawn.iter().enumerate() {
        secrets.push((s.clone(), format!("ephemeral secret {i}")));
    }
    let peer = x25519_dalek::x25519(scalar(1), x25519_dalek::X25519_BASEPOINT_BYTES);
    let dh = Zeroizing::new(x25519_dalek::x25519(scalar(0), peer));
    secrets.push((Zeroizing::new(dh.to_vec()), "X25519 shared secret".into()));
    let (prk, _) = Hkdf::<Sha256>::extract(Some(th), &dh[..]);
    let prk = Zeroizing::new(prk.to_vec());
    secrets.push((prk.clone(), "PRK".into()));
    for label in [
        &b"callseal v1 confirm callee"[..],
        b"callseal v1 confirm caller",
    ] {
        secrets.push((expand(&prk, &[label], 32), "confirm MAC key".into()));
    }
    let mut media = expand(&prk, &[b"callseal v1 media"], 32);
    for e in 0..=12u32 {
        secrets.push((media.clone(), format!("media secret of epoch {e}")));
        for dir in Direction::ALL {
            for kind in MediaKind::ALL {
                let name = format!("epoch {e} {dir:?} {kind:?}");
                let stream = expand(
                    &media,
                    &[b"callseal v1 stream", &[dir.byte()], &[kind.byte()]],
                    32,
                );
                secrets.push((stream.clone(), format!("stream secret {name}")));
                let n = srtp_suite.key_len() + srtp_suite.salt_len();
                let m = SrtpMasterKey::from_concatenated(
                    srtp_suite,
                    &expand(&stream, &[b"callseal v1 srtp"], n),
                )
                .unwrap();
                srtp_secrets(&m, &name, &mut secrets);
                let kid = CallKid::new(Epoch(e), dir, kind).kid();
                let d = DerivedKey::derive(sframe_suite, kid, &stream).unwrap();
                secrets.push((
                    Zeroizing::new(d.dangerous_key().to_vec()),
                    format!("SFrame key {name}"),
                ));
                secrets.push((
                    Zeroizing::new(d.dangerous_salt().to_vec()),
                    format!("SFrame salt {name}"),
                ));
            }
        }
        media = expand(&media, &[b"callseal v1 epoch"], 32);
    }
    if both {
        let h = hop(1, 2);
        srtp_secrets(&h.outbound, "hop out", &mut secrets);
        srtp_secrets(&h.inbound, "hop in", &mut secrets);
    }
    secrets
}

/// Overwrite 256 KiB of this thread's stack below the caller.
#[inline(never)]
fn zero_stack() {
    let mut area = [0u8; 256 * 1024];
    std::hint::black_box(&mut area);
}

/// The scanner is process-wide: one test at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn no_key_material_in_freed_memory() {
    let _serial = SERIAL.lock().unwrap();
    alloc::poison_freed();
    for (i, layers) in LAYERS.into_iter().enumerate() {
        let seed = 100 + i as u64;
        // A first run names the secrets; the same call again is scanned.
        let mut patterns = Vec::new();
        for (s, name) in secrets(&call(layers, seed)) {
            assert!(s.len() >= 12, "{name}");
            // Handed over to the scanner, which wipes them when it is done.
            patterns.push((s[..12].to_vec(), format!("{name} (first bytes)")));
            patterns.push((s[s.len() - 12..].to_vec(), format!("{name} (last bytes)")));
        }
        let n = patterns.len();
        // The first run (and this test's own derivations) leave the same secrets in this
        // thread's stack; the second run must not pick those up as its own.
        zero_stack();
        alloc::scan_freed(patterns);
        // What the run returns holds the recorded randomness: freed after the scan.
        let inputs = call(layers, seed);
        let found = alloc::stop_scan();
        drop(inputs);
        assert!(found.is_empty(), "{layers:?}: {found:#?}");
        assert!(n > 1000, "{n} patterns");
    }
}

/// The scanner itself: a key left in a freed vector is found.
#[test]
fn the_scanner_finds_a_key_left_in_freed_memory() {
    let _serial = SERIAL.lock().unwrap();
    let key = expand(&[7; 32], &[b"scanner"], 32);
    alloc::scan_freed(vec![(key[..12].to_vec(), "planted".into())]);
    let v: Vec<u8> = key.to_vec();
    drop(v);
    let found = alloc::stop_scan();
    assert!(found.iter().any(|f| f.starts_with("planted")), "{found:?}");
}

/// One version-2 handshake with continuity from fixed inputs: the caller offers two retained
/// secrets, the callee holds the older one. Both ends take their next record; everything is
/// dropped before it returns, except the transcript hash.
fn handshake_v2(inputs: &[[u8; 32]; 5]) -> [u8; 32] {
    use callseal::handshake::{CalleeRandom, CallerRandom, PostQuantum, Retained};
    use callseal::Secret;
    let s = |i: usize| Secret::new(inputs[i]);
    let cfg = HandshakeConfig::new(Intent::On).with_post_quantum(PostQuantum::On);
    let (r1, r2) = (retained_v2(1), retained_v2(2));
    let alice = Retained::new(Some(Secret::new(r1)), Some(Secret::new(r2)), true);
    let bob = Retained::new(Some(Secret::new(r2)), None, true);
    let ctx = b"freed memory v2 | alice | bob";
    let (caller, offer) =
        Caller::offer_with(&cfg, ctx, &alice, CallerRandom::new(s(0), s(2), s(3))).unwrap();
    let mut caller = Box::new(caller);
    let (callee, answer) =
        Callee::accept_with(&cfg, ctx, &offer, &bob, CalleeRandom::new(s(1), s(4))).unwrap();
    let mut callee = Box::new(callee);
    let (confirm, mut at_a) = caller.finish(&answer).unwrap();
    let mut at_b = callee.confirm(&confirm).unwrap();
    let next = (at_a.take_retained().unwrap(), at_b.take_retained().unwrap());
    assert_eq!(
        at_a.continuity(),
        Some(callseal::handshake::ContinuityStatus::Continued)
    );
    let th = *at_a.transcript_hash();
    drop((caller, callee, at_a, at_b, next, alice, bob));
    th
}

/// A retained secret of the version-2 test that looks like a key.
fn retained_v2(n: u8) -> [u8; 32] {
    let mut out = [0u8; 32];
    Hkdf::<Sha256>::from_prk(&[n; 32])
        .unwrap()
        .expand(b"retained", &mut out)
        .unwrap();
    out
}

/// Every secret of [`handshake_v2`], derived here from its inputs: the randomness, the ML-KEM
/// decapsulation key and shared secret, the X25519 result, the retained secrets, the PRK and
/// what comes from it.
fn secrets_v2(inputs: &[[u8; 32]; 5], th: &[u8; 32]) -> Vec<(Bytes, String)> {
    use libcrux_ml_kem::mlkem768;
    let mut out: Vec<(Bytes, String)> = Vec::new();
    let names = [
        "caller X25519",
        "callee X25519",
        "ML-KEM d",
        "ML-KEM z",
        "ML-KEM m",
    ];
    for (i, name) in names.iter().enumerate() {
        out.push((Zeroizing::new(inputs[i].to_vec()), (*name).into()));
    }
    let mut seed = Zeroizing::new([0u8; 64]);
    seed[..32].copy_from_slice(&inputs[2]);
    seed[32..].copy_from_slice(&inputs[3]);
    let pair = mlkem768::generate_key_pair(*seed);
    // FIPS 203: dk = dk_pke (1,152 bytes, secret) ‖ ek (public) ‖ H(ek) ‖ z (an input above).
    let dk = Zeroizing::new(pair.sk().to_vec());
    for at in [0, 560, 1152 - 32] {
        out.push((
            Zeroizing::new(dk[at..at + 32].to_vec()),
            format!("ML-KEM decapsulation key at {at}"),
        ));
    }
    let (_, ss) = mlkem768::encapsulate(pair.public_key(), inputs[4]);
    out.push((Zeroizing::new(ss.to_vec()), "ML-KEM shared secret".into()));
    let peer = x25519_dalek::x25519(inputs[1], x25519_dalek::X25519_BASEPOINT_BYTES);
    let dh = x25519_dalek::x25519(inputs[0], peer);
    out.push((Zeroizing::new(dh.to_vec()), "X25519 shared secret".into()));
    let (r1, r2) = (retained_v2(1), retained_v2(2));
    out.push((Zeroizing::new(r1.to_vec()), "retained secret 1".into()));
    out.push((Zeroizing::new(r2.to_vec()), "retained secret 2".into()));
    let mut ikm = Zeroizing::new(Vec::new());
    ikm.extend_from_slice(&dh);
    ikm.extend_from_slice(&ss);
    ikm.extend_from_slice(&r2);
    let (prk, _) = Hkdf::<Sha256>::extract(Some(th), &ikm);
    let prk = Zeroizing::new(prk.to_vec());
    out.push((prk.clone(), "PRK".into()));
    for label in [
        &b"callseal v2 confirm callee"[..],
        b"callseal v2 confirm caller",
        b"callseal v2 media",
        b"callseal v2 continuity",
    ] {
        out.push((
            expand(&prk, &[label], 32),
            String::from_utf8_lossy(label).into(),
        ));
    }
    out
}

#[test]
fn no_key_material_in_freed_memory_after_a_version_2_handshake() {
    let _serial = SERIAL.lock().unwrap();
    alloc::poison_freed();
    let mut rng = ChaCha8Rng::seed_from_u64(200);
    let mut inputs = [[0u8; 32]; 5];
    for i in &mut inputs {
        rng.fill_bytes(i);
    }
    let th = handshake_v2(&inputs);
    let mut patterns = Vec::new();
    for (s, name) in secrets_v2(&inputs, &th) {
        patterns.push((s[..12].to_vec(), format!("{name} (first bytes)")));
        patterns.push((s[s.len() - 12..].to_vec(), format!("{name} (last bytes)")));
    }
    zero_stack();
    alloc::scan_freed(patterns);
    assert_eq!(handshake_v2(&inputs), th);
    let found = alloc::stop_scan();
    assert!(found.is_empty(), "{found:#?}");
}
