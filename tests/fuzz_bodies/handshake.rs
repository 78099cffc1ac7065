// Every handshake message at every step: an Offer to a callee, an Answer to a caller that sent
// a genuine Offer, a Confirm to a callee that sent a genuine Answer. Whatever the bytes, no
// panic; a failed step leaves the state usable, so the genuine message still completes it.
use callseal::handshake::{Callee, Caller, HandshakeConfig};
use callseal::Intent;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;

const CTX: &[u8] = b"fuzz call";

/// The fuzz target body: runs one input.
pub fn handshake(data: &[u8]) {
    let Some((&step, msg)) = data.split_first() else { return };
    let cfg = HandshakeConfig::new(Intent::On);
    let mut rng = ChaCha20Rng::from_seed([step; 32]);
    let (mut caller, offer) = Caller::offer_with_random(&cfg, CTX, random(&mut rng)).unwrap();
    match step % 3 {
        0 => {
            let _ = Callee::accept_with_random(&cfg, CTX, msg, random(&mut rng));
        }
        1 => {
            let forged = caller.finish(msg);
            let (_, answer) = Callee::accept_with_random(&cfg, CTX, &offer, random(&mut rng)).unwrap();
            match forged {
                Ok(_) => assert_eq!(msg, &answer[..], "only the genuine answer may pass"),
                Err(_) => {
                    caller.finish(&answer).unwrap();
                }
            }
        }
        _ => {
            let (mut callee, answer) = Callee::accept_with_random(&cfg, CTX, &offer, random(&mut rng)).unwrap();
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
