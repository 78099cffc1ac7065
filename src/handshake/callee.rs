//! The callee's side of the handshake: reads the Offer, sends the Answer, reads the Confirm.

use super::continuity::{ContinuityStatus, Retained};
use super::kem;
use super::keys::{draw_secret, transcript_hash, ContinuityInput, Derived, Hybrid};
use super::messages::{encode_answer_body, parse_confirm, AnswerV2, Offer};
use super::outcome::decide_outcome;
use super::random::CalleeRandom;
use super::{Established, HandshakeConfig};
use crate::error::{Error, Result};
use crate::schedule::Version;
use crate::secret::Secret;
use crate::types::{Intent, Role, SframeSuite, SrtpSuite};
use core::fmt;

/// The callee's side: reads the Offer, sends the Answer, reads the Confirm.
pub struct Callee {
    state: Option<CalleeState>,
}

struct CalleeState {
    version: Version,
    derived: Derived,
    srtp: SrtpSuite,
    sframe: SframeSuite,
    caller_intent: Intent,
    callee_intent: Intent,
    /// Version 2: the continuity outcome, the matched secret and this side's verified mark.
    continuity: Option<(ContinuityStatus, Option<Secret<32>>, bool)>,
}

impl Callee {
    /// Read the Offer, choose the caller's most preferred suite of each layer that `config`
    /// accepts, draw fresh randomness from the operating system's random source and make the
    /// Answer, in the version of the Offer (unless `config.post_quantum` is `required` and the
    /// Offer is of version 1: [`Error::PostQuantumRequired`]). No retained secret.
    /// [`Error::RandomUnavailable`] when the system has none to give.
    pub fn accept(
        config: &HandshakeConfig,
        context: &[u8],
        offer: &[u8],
    ) -> Result<(Callee, Vec<u8>)> {
        Self::accept_with(
            config,
            context,
            offer,
            &Retained::none(),
            CalleeRandom::from_os()?,
        )
    }

    /// As [`Callee::accept`], with the secrets retained for this caller from earlier calls
    /// (used by a version-2 Offer).
    pub fn accept_with_retained(
        config: &HandshakeConfig,
        context: &[u8],
        offer: &[u8],
        retained: &Retained,
    ) -> Result<(Callee, Vec<u8>)> {
        Self::accept_with(config, context, offer, retained, CalleeRandom::from_os()?)
    }

    /// As [`Callee::accept`], the ephemeral key made of `random` (see
    /// [`Caller::offer_with_random`](super::Caller::offer_with_random)). Version 1 only: a
    /// version-2 Offer needs the ML-KEM randomness too ([`Callee::accept_with`]) and is
    /// [`Error::InvalidConfig`] here.
    pub fn accept_with_random(
        config: &HandshakeConfig,
        context: &[u8],
        offer: &[u8],
        random: [u8; 32],
    ) -> Result<(Callee, Vec<u8>)> {
        let random = CalleeRandom::new(Secret::new(random), Secret::zero());
        if Offer::parse(offer)?.version == Version::V2 {
            return Err(Error::InvalidConfig);
        }
        Self::accept_with(config, context, offer, &Retained::none(), random)
    }

    /// The Answer to `offer`, matching its continuity ids against `retained` (version 2), all
    /// randomness from `random`. The secrets of `retained` are copied; the application keeps
    /// its record until [`Established::take_retained`] gives the next one.
    pub fn accept_with(
        config: &HandshakeConfig,
        context: &[u8],
        offer: &[u8],
        retained: &Retained,
        random: CalleeRandom,
    ) -> Result<(Callee, Vec<u8>)> {
        crate::secret::scrubbed(|| {
            config.validate(context)?;
            let (secret, public) = draw_secret(&random.x25519);
            let o = Offer::parse(offer)?;
            config.post_quantum.accepts(o.version)?;
            let srtp = o.srtp.choose(SrtpSuite::from_id, &config.srtp_suites)?;
            let sframe = o
                .sframe
                .choose(SframeSuite::from_id, &config.sframe_suites)?;
            decide_outcome(o.intent, config.intent)?;
            let (mut answer, kem_ss, continuity) = match &o.kem_ek {
                None => (
                    encode_answer_body(config.intent, &public, srtp, sframe, None),
                    None,
                    None,
                ),
                Some(ek) => {
                    let (ct, ss) = kem::encapsulate(ek, random.kem_m.expose())?;
                    let found = retained.find(o.ids());
                    let holds = !retained.is_empty();
                    let v2 = AnswerV2 {
                        kem_ct: &ct,
                        matched: found.map(|(i, _)| i),
                        callee_holds: holds,
                    };
                    let body = encode_answer_body(config.intent, &public, srtp, sframe, Some(v2));
                    let status = ContinuityStatus::decide(o.id_count, found.is_some(), holds);
                    let matched = found.map(|(_, s)| Secret::new(*s.expose()));
                    (body, Some(ss), Some((status, matched, retained.verified())))
                }
            };
            let th = transcript_hash(context, offer, &answer);
            let hybrid = kem_ss.as_ref().map(|kem| Hybrid {
                kem,
                retained: continuity.as_ref().and_then(|(_, m, _)| m.as_ref()),
            });
            let derived = Derived::new(th, &secret, &o.public, hybrid)?;
            answer.extend_from_slice(&derived.mac(derived.labels().confirm_callee));
            let state = CalleeState {
                version: o.version,
                derived,
                srtp,
                sframe,
                caller_intent: o.intent,
                callee_intent: config.intent,
                continuity,
            };
            Ok((Callee { state: Some(state) }, answer))
        })
    }

    /// Read the Confirm: verify the caller's MAC and release the outcome. On error nothing
    /// changes and a genuine Confirm can still be processed.
    pub fn confirm(&mut self, confirm: &[u8]) -> Result<Established> {
        crate::secret::scrubbed(|| {
            let st = self.state.as_ref().ok_or(Error::HandshakeState)?;
            let mac = parse_confirm(confirm, st.version)?;
            st.derived.verify(st.derived.labels().confirm_caller, mac)?;
            let st = self.state.take().ok_or(Error::HandshakeState)?;
            let continuity =
                st.continuity
                    .as_ref()
                    .map(|(status, matched, verified)| ContinuityInput {
                        status: *status,
                        matched: matched.as_ref(),
                        verified: *verified,
                    });
            st.derived.release(
                Role::Callee,
                st.srtp,
                st.sframe,
                st.caller_intent,
                st.callee_intent,
                continuity,
            )
        })
    }
}

impl fmt::Debug for Callee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callee")
            .field("awaiting_confirm", &self.state.is_some())
            .field("version", &self.state.as_ref().map(|s| s.version))
            .finish_non_exhaustive()
    }
}
