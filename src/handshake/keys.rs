//! What both sides derive: the fresh ephemeral key, the transcript hash, the secret from TH and
//! the X25519 result, the MACs over TH, and the code and media keys released at the end.

use super::continuity::{next_record, ContinuityStatus};
use super::outcome::decide_outcome;
use super::{Established, Outcome, SecurityCode};
use crate::error::{Error, Result};
use crate::schedule::{expand, labels, CallKeys, Version};
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

/// What version 2 adds to the key: the ML-KEM shared secret and the matched retained secret
/// (32 zero bytes when none matched).
pub(super) struct Hybrid<'a> {
    pub(super) kem: &'a Secret<32>,
    pub(super) retained: Option<&'a Secret<32>>,
}

/// What version 2 reports and hands out at the end: the continuity outcome, the secret that
/// matched, and the verified mark of this side's record.
pub(super) struct ContinuityInput<'a> {
    pub(super) status: ContinuityStatus,
    pub(super) matched: Option<&'a Secret<32>>,
    pub(super) verified: bool,
}

/// The secrets both sides derive from TH, the X25519 result and, in version 2, the ML-KEM
/// shared secret and the retained secret.
pub(super) struct Derived {
    version: Version,
    prk: Secret<32>,
    th: [u8; 32],
}

impl Derived {
    /// `prk = HKDF-Extract(TH, dh)` in version 1; `HKDF-Extract(TH, dh ‖ ss_kem ‖ rs)` in
    /// version 2 (`hybrid` given).
    pub(super) fn new(
        th: [u8; 32],
        secret: &StaticSecret,
        peer: &[u8; 32],
        hybrid: Option<Hybrid<'_>>,
    ) -> Result<Derived> {
        crate::secret::scrubbed(|| Self::new_unscrubbed(th, secret, peer, hybrid))
    }

    fn new_unscrubbed(
        th: [u8; 32],
        secret: &StaticSecret,
        peer: &[u8; 32],
        hybrid: Option<Hybrid<'_>>,
    ) -> Result<Derived> {
        let dh = secret.diffie_hellman(&PublicKey::from(*peer));
        if !dh.was_contributory() {
            return Err(Error::NonContributory);
        }
        let mut ikm = [0u8; 96];
        ikm[..32].copy_from_slice(dh.as_bytes());
        let (version, ikm_len) = match &hybrid {
            None => (Version::V1, 32),
            Some(h) => {
                ikm[32..64].copy_from_slice(h.kem.expose());
                if let Some(rs) = h.retained {
                    ikm[64..].copy_from_slice(rs.expose());
                }
                (Version::V2, 96)
            }
        };
        let (mut prk, mut hk) = hkdf::Hkdf::<Sha256>::extract(Some(&th), &ikm[..ikm_len]);
        ikm.zeroize();
        crate::crypto::wipe_hkdf(&mut hk);
        let mut out = Secret::<32>::zero();
        out.expose_mut().copy_from_slice(&prk);
        prk.zeroize();
        Ok(Derived {
            version,
            prk: out,
            th,
        })
    }

    /// The labels of this handshake's version.
    pub(super) fn labels(&self) -> &'static labels::Labels {
        self.version.labels()
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

    #[allow(clippy::too_many_arguments)]
    pub(super) fn release(
        self,
        role: Role,
        srtp_suite: SrtpSuite,
        sframe_suite: SframeSuite,
        caller_intent: Intent,
        callee_intent: Intent,
        continuity: Option<ContinuityInput<'_>>,
    ) -> Result<Established> {
        let labels = self.labels();
        let e2e = decide_outcome(caller_intent, callee_intent)?;
        let outcome = if e2e {
            let mut code = [0u8; 20];
            expand(self.prk.expose(), &[labels.security_code], &mut code);
            let security_code = SecurityCode::from_bytes(&code);
            code.zeroize();
            let mut media = Secret::<32>::zero();
            expand(self.prk.expose(), &[labels.media], media.expose_mut());
            Outcome::EndToEnd {
                security_code,
                keys: CallKeys::new(self.version, media, srtp_suite, sframe_suite),
            }
        } else {
            Outcome::Standard
        };
        let (status, verified, retained) = match continuity {
            None => (None, false, None),
            Some(c) => {
                let verified = c.verified && c.status == ContinuityStatus::Continued;
                // The next retained secret only comes with an end-to-end outcome.
                let retained = e2e.then(|| {
                    let mut next = Secret::<32>::zero();
                    expand(self.prk.expose(), &[labels::CONTINUITY], next.expose_mut());
                    next_record(next, c.status, c.matched, verified)
                });
                (Some(c.status), verified, retained)
            }
        };
        Ok(Established {
            version: self.version,
            continuity: status,
            verified,
            retained,
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

/// The ephemeral secret made of `random` and its public key.
pub(super) fn draw_secret(random: &Secret<32>) -> (StaticSecret, PublicKey) {
    crate::secret::scrubbed(|| {
        let secret = StaticSecret::from(*random.expose());
        let public = PublicKey::from(&secret);
        (secret, public)
    })
}
