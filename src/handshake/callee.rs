//! The callee's side of the handshake: reads the Offer, sends the Answer, reads the Confirm.

use super::keys::{draw_secret, os_random, transcript_hash, Derived};
use super::messages::{encode_answer_body, parse_confirm, Offer};
use super::outcome::decide_outcome;
use super::{Established, HandshakeConfig};
use crate::error::{Error, Result};
use crate::schedule::labels;
use crate::types::{Intent, Role, SframeSuite, SrtpSuite};
use core::fmt;

/// The callee's side: reads the Offer, sends the Answer, reads the Confirm.
pub struct Callee {
    state: Option<CalleeState>,
}

struct CalleeState {
    derived: Derived,
    srtp: SrtpSuite,
    sframe: SframeSuite,
    caller_intent: Intent,
    callee_intent: Intent,
}

impl Callee {
    /// Read the Offer, choose the caller's most preferred suite of each layer that `config`
    /// accepts, draw a fresh ephemeral key from the operating system's random source and make
    /// the Answer. [`Error::RandomUnavailable`] when the system has none to give.
    pub fn accept(
        config: &HandshakeConfig,
        context: &[u8],
        offer: &[u8],
    ) -> Result<(Callee, Vec<u8>)> {
        Self::accept_with_random(config, context, offer, os_random()?)
    }

    /// As [`Callee::accept`], the ephemeral key made of `random` (see
    /// [`Caller::offer_with_random`](super::Caller::offer_with_random)).
    pub fn accept_with_random(
        config: &HandshakeConfig,
        context: &[u8],
        offer: &[u8],
        random: [u8; 32],
    ) -> Result<(Callee, Vec<u8>)> {
        crate::secret::scrubbed(|| {
            let (secret, public) = draw_secret(random);
            config.validate(context)?;
            let o = Offer::parse(offer)?;
            let srtp = o.srtp.choose(SrtpSuite::from_id, &config.srtp_suites)?;
            let sframe = o
                .sframe
                .choose(SframeSuite::from_id, &config.sframe_suites)?;
            decide_outcome(o.intent, config.intent)?;
            let mut answer = encode_answer_body(config.intent, &public, srtp, sframe);
            let th = transcript_hash(context, offer, &answer);
            let derived = Derived::new(th, &secret, &o.public)?;
            answer.extend_from_slice(&derived.mac(labels::CONFIRM_CALLEE));
            let state = CalleeState {
                derived,
                srtp,
                sframe,
                caller_intent: o.intent,
                callee_intent: config.intent,
            };
            Ok((Callee { state: Some(state) }, answer))
        })
    }

    /// Read the Confirm: verify the caller's MAC and release the outcome. On error nothing
    /// changes and a genuine Confirm can still be processed.
    pub fn confirm(&mut self, confirm: &[u8]) -> Result<Established> {
        crate::secret::scrubbed(|| {
            let st = self.state.as_ref().ok_or(Error::HandshakeState)?;
            let mac = parse_confirm(confirm)?;
            st.derived.verify(labels::CONFIRM_CALLER, mac)?;
            let st = self.state.take().ok_or(Error::HandshakeState)?;
            st.derived.release(
                Role::Callee,
                st.srtp,
                st.sframe,
                st.caller_intent,
                st.callee_intent,
            )
        })
    }
}

impl fmt::Debug for Callee {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callee")
            .field("awaiting_confirm", &self.state.is_some())
            .finish_non_exhaustive()
    }
}
