//! What both sides derive: the fresh ephemeral key, the transcript hash, the secret from TH and
//! the X25519 result, the MACs over TH, and the code and media keys released at the end.

use super::outcome::decide_outcome;
use super::{Established, Outcome, SecurityCode};
use crate::error::{Error, Result};
use crate::schedule::{expand, labels, CallKeys};
use crate::secret::Secret;
use crate::types::{Intent, Role, SframeSuite, SrtpSuite};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroize;

/// TH = SHA-256(u32be(len(context)) ‖ context ‖ Offer ‖ AnswerBody).
pub(super) fn transcript_hash(context: &[u8], offer: &[u8], answer_body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((context.len() as u32).to_be_bytes());
    h.update(context);
    h.update(offer);
    h.update(answer_body);
    h.finalize().into()
}

/// The secrets both sides derive from TH and the X25519 result.
pub(super) struct Derived {
    prk: Secret<32>,
    th: [u8; 32],
}

impl Derived {
    pub(super) fn new(th: [u8; 32], secret: &StaticSecret, peer: &[u8; 32]) -> Result<Derived> {
        crate::secret::scrubbed(|| Self::new_unscrubbed(th, secret, peer))
    }

    fn new_unscrubbed(th: [u8; 32], secret: &StaticSecret, peer: &[u8; 32]) -> Result<Derived> {
        let dh = secret.diffie_hellman(&PublicKey::from(*peer));
        if !dh.was_contributory() {
            return Err(Error::NonContributory);
        }
        let (mut prk, mut hk) = hkdf::Hkdf::<Sha256>::extract(Some(&th), dh.as_bytes());
        crate::crypto::wipe_hkdf(&mut hk);
        let mut out = Secret::<32>::zero();
        out.expose_mut().copy_from_slice(&prk);
        prk.zeroize();
        Ok(Derived { prk: out, th })
    }

    fn mac_key(&self, label: &[u8]) -> Hmac<Sha256> {
        let mut key = Secret::<32>::zero();
        expand(self.prk.expose(), &[label], key.expose_mut());
        <Hmac<Sha256> as Mac>::new_from_slice(key.expose()).expect("any key length")
    }

    pub(super) fn mac(&self, label: &[u8]) -> [u8; 32] {
        crate::secret::scrubbed(|| self.mac_unscrubbed(label))
    }

    fn mac_unscrubbed(&self, label: &[u8]) -> [u8; 32] {
        let mut m = self.mac_key(label);
        m.update(&self.th);
        let out = m.finalize_reset().into_bytes().into();
        crate::crypto::wipe_mac(&mut m);
        out
    }

    pub(super) fn verify(&self, label: &[u8], tag: &[u8]) -> Result<()> {
        crate::secret::scrubbed(|| self.verify_unscrubbed(label, tag))
    }

    fn verify_unscrubbed(&self, label: &[u8], tag: &[u8]) -> Result<()> {
        let mut m = self.mac_key(label);
        m.update(&self.th);
        let ok = m.verify_slice_reset(tag).map_err(|_| Error::Authentication);
        crate::crypto::wipe_mac(&mut m);
        ok
    }

    pub(super) fn release(
        self,
        role: Role,
        srtp_suite: SrtpSuite,
        sframe_suite: SframeSuite,
        caller_intent: Intent,
        callee_intent: Intent,
    ) -> Result<Established> {
        let outcome = if decide_outcome(caller_intent, callee_intent)? {
            let mut code = [0u8; 20];
            expand(self.prk.expose(), &[labels::SECURITY_CODE], &mut code);
            let security_code = SecurityCode::from_bytes(&code);
            code.zeroize();
            let mut media = Secret::<32>::zero();
            expand(self.prk.expose(), &[labels::MEDIA], media.expose_mut());
            Outcome::EndToEnd {
                security_code,
                keys: CallKeys::new(media, srtp_suite, sframe_suite),
            }
        } else {
            Outcome::Standard
        };
        Ok(Established {
            role,
            srtp_suite,
            sframe_suite,
            caller_intent,
            callee_intent,
            transcript_hash: self.th,
            outcome,
        })
    }
}

/// 32 bytes from the operating system's random source.
pub(super) fn os_random() -> Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| Error::RandomUnavailable)?;
    Ok(bytes)
}

/// The ephemeral secret made of `random` (wiped) and its public key.
pub(super) fn draw_secret(random: [u8; 32]) -> (StaticSecret, PublicKey) {
    crate::secret::scrubbed(|| {
        let mut bytes = random;
        let secret = StaticSecret::from(bytes);
        bytes.zeroize();
        let public = PublicKey::from(&secret);
        (secret, public)
    })
}
