//! The caller's side of the handshake: sends the Offer, reads the Answer, sends the Confirm.

use super::continuity::{ContinuityStatus, Retained};
use super::kem::KemKeyPair;
use super::keys::{draw_secret, transcript_hash, ContinuityInput, Derived, Hybrid};
use super::messages::{encode_confirm, encode_offer, version_of, Answer};
use super::outcome::decide_outcome;
use super::random::CallerRandom;
use super::{Established, HandshakeConfig, PostQuantum};
use crate::error::{Error, Malformed, Result};
use crate::schedule::Version;
use crate::secret::Secret;
use crate::types::Role;
use core::fmt;
use x25519_dalek::StaticSecret;

/// The caller's side: sends the Offer, reads the Answer, sends the Confirm.
pub struct Caller {
    state: Option<CallerState>,
}

struct CallerState {
    version: Version,
    secret: StaticSecret,
    /// Version 2: the ML-KEM-768 key pair whose encapsulation key is in the Offer.
    kem: Option<KemKeyPair>,
    /// Version 2: the retained secrets whose ids are in the Offer.
    retained: Retained,
    config: HandshakeConfig,
    context: Vec<u8>,
    offer: Vec<u8>,
}

impl Caller {
    /// Start a call: draw fresh randomness from the operating system's random source and make
    /// the Offer, of version 1 or 2 as `config.post_quantum` says, with no retained secret.
    /// [`Error::RandomUnavailable`] when the system has none to give.
    pub fn offer(config: &HandshakeConfig, context: &[u8]) -> Result<(Caller, Vec<u8>)> {
        Self::offer_with(config, context, &Retained::none(), CallerRandom::from_os()?)
    }

    /// As [`Caller::offer`], offering the secrets retained for this peer from earlier calls
    /// (version 2; a version-1 Offer carries none).
    pub fn offer_with_retained(
        config: &HandshakeConfig,
        context: &[u8],
        retained: &Retained,
    ) -> Result<(Caller, Vec<u8>)> {
        Self::offer_with(config, context, retained, CallerRandom::from_os()?)
    }

    /// As [`Caller::offer`], the ephemeral key made of `random`: 32 bytes the application drew
    /// from a cryptographically secure generator of its choice (any `rand` version, a
    /// deterministic one in tests), used for this handshake only. They are wiped here.
    /// Version 1 only: version 2 also needs the ML-KEM seeds ([`Caller::offer_with`]), so a
    /// `config` with post-quantum on is [`Error::InvalidConfig`].
    pub fn offer_with_random(
        config: &HandshakeConfig,
        context: &[u8],
        random: [u8; 32],
    ) -> Result<(Caller, Vec<u8>)> {
        let random = CallerRandom::new(Secret::new(random), Secret::zero(), Secret::zero());
        if config.post_quantum != PostQuantum::Off {
            return Err(Error::InvalidConfig);
        }
        Self::offer_with(config, context, &Retained::none(), random)
    }

    /// The Offer of `config.post_quantum`'s version, with the ids of `retained` (version 2)
    /// and all randomness from `random`. The secrets of `retained` are copied; the application
    /// keeps its record until [`Established::take_retained`] gives the next one.
    pub fn offer_with(
        config: &HandshakeConfig,
        context: &[u8],
        retained: &Retained,
        random: CallerRandom,
    ) -> Result<(Caller, Vec<u8>)> {
        crate::secret::scrubbed(|| {
            config.validate(context)?;
            let (secret, public) = draw_secret(&random.x25519);
            let version = config.post_quantum.offer_version();
            let (kem, retained, offer) = match version {
                Version::V1 => (
                    None,
                    Retained::none(),
                    encode_offer(config, &public, None, &[]),
                ),
                Version::V2 => {
                    let kem = KemKeyPair::generate(random.kem_d.expose(), random.kem_z.expose());
                    let (ids, n) = retained.ids();
                    let offer = encode_offer(config, &public, Some(&kem.ek), &ids[..n]);
                    (Some(kem), retained.copy(), offer)
                }
            };
            let state = CallerState {
                version,
                secret,
                kem,
                retained,
                config: config.clone(),
                context: context.to_vec(),
                offer: offer.clone(),
            };
            Ok((Caller { state: Some(state) }, offer))
        })
    }

    /// Read the Answer: verify the callee's MAC, then make the Confirm and release the outcome.
    /// On error nothing changes and a genuine Answer can still be processed.
    pub fn finish(&mut self, answer: &[u8]) -> Result<(Vec<u8>, Established)> {
        crate::secret::scrubbed(|| {
            let st = self.state.as_ref().ok_or(Error::HandshakeState)?;
            if version_of(answer) == Some(Version::V1.byte()) {
                st.config.post_quantum.accepts(Version::V1)?;
            }
            let a = Answer::parse(answer, st.version)?;
            if !st.config.srtp_suites.contains(&a.srtp)
                || !st.config.sframe_suites.contains(&a.sframe)
            {
                return Err(Malformed::Field.into());
            }
            let th = transcript_hash(&st.context, &st.offer, a.body);
            let (hybrid_parts, continuity) = match (&st.kem, a.kem_ct) {
                (Some(kem), Some(ct)) => {
                    let offered = st.retained.ids().1;
                    let matched = match a.matched {
                        None => None,
                        Some(i) if i < offered => st.retained.at(i),
                        // The callee matched an id that was never offered.
                        Some(_) => return Err(Malformed::Field.into()),
                    };
                    let status =
                        ContinuityStatus::decide(offered, matched.is_some(), a.callee_holds);
                    (Some((kem.decapsulate(ct), matched)), Some(status))
                }
                _ => (None, None),
            };
            let hybrid = hybrid_parts.as_ref().map(|(kem, retained)| Hybrid {
                kem,
                retained: *retained,
            });
            let derived = Derived::new(th, &st.secret, &a.public, hybrid)?;
            derived.verify(derived.labels().confirm_callee, a.mac)?;
            decide_outcome(st.config.intent, a.intent)?;
            let confirm = encode_confirm(a.version, &derived.mac(derived.labels().confirm_caller));
            let continuity = continuity.map(|status| ContinuityInput {
                status,
                matched: hybrid_parts.as_ref().and_then(|(_, m)| *m),
                verified: st.retained.verified(),
            });
            let est = derived.release(
                Role::Caller,
                a.srtp,
                a.sframe,
                st.config.intent,
                a.intent,
                continuity,
            )?;
            self.state = None;
            Ok((confirm, est))
        })
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("awaiting_answer", &self.state.is_some())
            .field("version", &self.state.as_ref().map(|s| s.version))
            .finish_non_exhaustive()
    }
}
