// Every handshake message at every step, in both versions: an Offer to a callee, an Answer to a
// caller that sent a genuine Offer, a Confirm to a callee that sent a genuine Answer. Version 2
// runs with retained secrets on both sides (one shared), so the continuity fields and the
// ML-KEM key and ciphertext are all in play. Whatever the bytes, no panic; a failed step leaves
// the state usable, so the genuine message still completes it.
use callseal::handshake::{
    CalleeRandom, CallerRandom, Callee, Caller, HandshakeConfig, PostQuantum, Retained,
};
use callseal::{Intent, Secret};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const CTX: &[u8] = b"fuzz call";

/// The fuzz target body: runs one input. The first byte picks the step (mod 3) and the version
/// (1 below 128, 2 from 128 on).
pub fn handshake(data: &[u8]) {
    let Some((&step, msg)) = data.split_first() else { return };
    let pq = if step >= 128 { PostQuantum::On } else { PostQuantum::Off };
    let cfg = HandshakeConfig::new(Intent::On).with_post_quantum(pq);
    let mut rng = ChaCha20Rng::from_seed([step; 32]);
    let mut r = || Secret::new(random(&mut rng));
    let (caller_rec, callee_rec) = if pq == PostQuantum::On {
        (
            Retained::new(Some(Secret::new([1; 32])), Some(Secret::new([2; 32])), true),
            Retained::new(Some(Secret::new([2; 32])), None, false),
        )
    } else {
        (Retained::none(), Retained::none())
    };
    let (mut caller, offer) =
        Caller::offer_with(&cfg, CTX, &caller_rec, CallerRandom::new(r(), r(), r())).unwrap();
    let mut accept = |o: &[u8]| {
        Callee::accept_with(&cfg, CTX, o, &callee_rec, CalleeRandom::new(r(), r()))
    };
    match step % 3 {
        0 => {
            if let Ok((mut callee, answer)) = accept(msg) {
                // A forged Offer the callee answered: the caller never completes with it
                // unless it is the genuine Offer.
                if let Ok((confirm, _)) = caller.finish(&answer) {
                    assert_eq!(msg, &offer[..], "only the genuine offer may pass");
                    callee.confirm(&confirm).unwrap();
                }
            }
        }
        1 => {
            let forged = caller.finish(msg);
            let (_, answer) = accept(&offer).unwrap();
            match forged {
                Ok(_) => assert_eq!(msg, &answer[..], "only the genuine answer may pass"),
                Err(_) => {
                    caller.finish(&answer).unwrap();
                }
            }
        }
        _ => {
            let (mut callee, answer) = accept(&offer).unwrap();
            let (confirm, _) = caller.finish(&answer).unwrap();
            match callee.confirm(msg) {
                Ok(_) => assert_eq!(msg, &confirm[..], "only the genuine confirm may pass"),
                Err(_) => {
                    callee.confirm(&confirm).unwrap();
                }
            }
        }
    }
}

/// 32 bytes from `rng`: the randomness of one side's ephemeral key.
fn random(rng: &mut impl rand_chacha::rand_core::RngCore) -> [u8; 32] {
    let mut b = [0u8; 32];
    rng.fill_bytes(&mut b);
    b
}
