//! The caller's side of the handshake: sends the Offer, reads the Answer, sends the Confirm.

use super::keys::{draw_secret, os_random, transcript_hash, Derived};
use super::messages::{encode_confirm, encode_offer, Answer};
use super::outcome::decide_outcome;
use super::{Established, HandshakeConfig};
use crate::error::{Error, Malformed, Result};
use crate::schedule::labels;
use crate::types::Role;
use core::fmt;
use x25519_dalek::StaticSecret;

/// The caller's side: sends the Offer, reads the Answer, sends the Confirm.
pub struct Caller {
    state: Option<CallerState>,
}

struct CallerState {
    secret: StaticSecret,
    config: HandshakeConfig,
    context: Vec<u8>,
    offer: Vec<u8>,
}

impl Caller {
    /// Start a call: draw a fresh ephemeral key from the operating system's random source and
    /// make the Offer. [`Error::RandomUnavailable`] when the system has none to give.
    pub fn offer(config: &HandshakeConfig, context: &[u8]) -> Result<(Caller, Vec<u8>)> {
        Self::offer_with_random(config, context, os_random()?)
    }

    /// As [`Caller::offer`], the ephemeral key made of `random`: 32 bytes the application drew
    /// from a cryptographically secure generator of its choice (any `rand` version, a
    /// deterministic one in tests), used for this handshake only. They are wiped here.
    pub fn offer_with_random(
        config: &HandshakeConfig,
        context: &[u8],
        random: [u8; 32],
    ) -> Result<(Caller, Vec<u8>)> {
        crate::secret::scrubbed(|| {
            let (secret, public) = draw_secret(random);
            config.validate(context)?;
            let offer = encode_offer(config, &public);
            let state = CallerState {
                secret,
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
            let a = Answer::parse(answer)?;
            if !st.config.srtp_suites.contains(&a.srtp)
                || !st.config.sframe_suites.contains(&a.sframe)
            {
                return Err(Malformed::Field.into());
            }
            let th = transcript_hash(&st.context, &st.offer, a.body);
            let derived = Derived::new(th, &st.secret, &a.public)?;
            derived.verify(labels::CONFIRM_CALLEE, a.mac)?;
            decide_outcome(st.config.intent, a.intent)?;
            let confirm = encode_confirm(&derived.mac(labels::CONFIRM_CALLER));
            let est =
                derived.release(Role::Caller, a.srtp, a.sframe, st.config.intent, a.intent)?;
            self.state = None;
            Ok((confirm, est))
        })
    }
}

impl fmt::Debug for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Caller")
            .field("awaiting_answer", &self.state.is_some())
            .finish_non_exhaustive()
    }
}
