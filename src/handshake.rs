//! The handshake: three messages over the application's own signaling channel.
//!
//! ```text
//! Caller::offer   ── Offer ──►   Callee::accept
//! Caller::finish  ◄── Answer ──
//!                 ── Confirm ──► Callee::confirm
//! ```
//!
//! Each side sends a fresh ephemeral X25519 public key; the transcript hash
//! `TH = SHA-256(u32be(len(context)) ‖ context ‖ Offer ‖ AnswerBody)` binds the application's
//! call context, both keys, both intents and the negotiated suites. Both sides prove they saw the
//! same transcript and computed the same X25519 result with an HMAC-SHA256 over TH, the callee in
//! the Answer, the caller in the Confirm. Keys are released only after the peer's MAC verified.
//! The byte layout is in `docs/PROTOCOL.md`.
//!
//! A failed step (malformed, forged or unexpected message) returns a typed error and leaves the
//! handshake exactly as it was, so a forged message injected by an attacker does not kill the
//! handshake: the genuine message can still be processed.
//!
//! ```
//! use callseal::handshake::{Callee, Caller, HandshakeConfig};
//! use callseal::Intent;
//! # use rand_core::OsRng;
//! let context = b"call-id 42 | alice@example.com | bob@example.com";
//! let (mut caller, offer) =
//!     Caller::offer(&HandshakeConfig::new(Intent::On), context, &mut OsRng)?;
//! let (mut callee, answer) =
//!     Callee::accept(&HandshakeConfig::new(Intent::On), context, &offer, &mut OsRng)?;
//! let (confirm, at_caller) = caller.finish(&answer)?;
//! let at_callee = callee.confirm(&confirm)?;
//! assert!(at_caller.is_end_to_end());
//! assert_eq!(at_caller.security_code(), at_callee.security_code());
//! println!("security code: {}", at_caller.security_code().unwrap());
//! # Ok::<(), callseal::Error>(())
//! ```

use crate::error::{Error, Malformed, Result};
use crate::schedule::{expand, labels, CallKeys};
use crate::secret::Secret;
use crate::types::{Intent, Role, SframeSuite, SrtpSuite};
use core::fmt;
use hmac::{Hmac, Mac};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroize;

/// The protocol version every message carries.
pub const VERSION: u8 = 1;
/// Message type byte of the Offer.
pub const TYPE_OFFER: u8 = 0x01;
/// Message type byte of the Answer.
pub const TYPE_ANSWER: u8 = 0x02;
/// Message type byte of the Confirm.
pub const TYPE_CONFIRM: u8 = 0x03;
/// The most suites one layer's list may hold in an Offer.
pub const MAX_SUITES: usize = 16;
/// The longest context the application may bind.
pub const MAX_CONTEXT_LEN: usize = 65_535;

const MAC_LEN: usize = 32;
const KEY_LEN: usize = 32;
const OFFER_MIN_LEN: usize = 3 + KEY_LEN + 1 + 2 + 1 + 2;
const OFFER_MAX_LEN: usize = 3 + KEY_LEN + 2 * (1 + 2 * MAX_SUITES);
const ANSWER_BODY_LEN: usize = 3 + KEY_LEN + 2 + 2;
/// Length of the Answer.
pub const ANSWER_LEN: usize = ANSWER_BODY_LEN + MAC_LEN;
/// Length of the Confirm.
pub const CONFIRM_LEN: usize = 2 + MAC_LEN;

/// One side's handshake settings: its E2EE intent and the suites it accepts, in preference
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeConfig {
    /// This user's intent (from the policy's effective setting).
    pub intent: Intent,
    /// SRTP suites, most preferred first.
    pub srtp_suites: Vec<SrtpSuite>,
    /// SFrame suites, most preferred first.
    pub sframe_suites: Vec<SframeSuite>,
}

impl HandshakeConfig {
    /// Every suite of both layers in callseal's default preference order (AES-GCM first).
    pub fn new(intent: Intent) -> Self {
        HandshakeConfig {
            intent,
            srtp_suites: SrtpSuite::ALL.to_vec(),
            sframe_suites: SframeSuite::ALL.to_vec(),
        }
    }

    /// Replace the SRTP suite list.
    pub fn with_srtp_suites(mut self, suites: &[SrtpSuite]) -> Self {
        self.srtp_suites = suites.to_vec();
        self
    }

    /// Replace the SFrame suite list.
    pub fn with_sframe_suites(mut self, suites: &[SframeSuite]) -> Self {
        self.sframe_suites = suites.to_vec();
        self
    }

    fn validate(&self) -> Result<()> {
        fn ok<T: PartialEq>(list: &[T]) -> bool {
            !list.is_empty()
                && list.len() <= MAX_SUITES
                && list.iter().enumerate().all(|(i, s)| !list[..i].contains(s))
        }
        if ok(&self.srtp_suites) && ok(&self.sframe_suites) {
            Ok(())
        } else {
            Err(Error::InvalidConfig)
        }
    }
}

/// The 20-digit security code both users compare: `"ddddd ddddd ddddd ddddd"`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SecurityCode([u8; 23]);

impl SecurityCode {
    /// From the 20 code bytes: four 5-byte big-endian integers, each mod 100000, as 5 digits.
    fn from_bytes(bytes: &[u8; 20]) -> Self {
        let mut out = [b' '; 23];
        for (i, chunk) in bytes.chunks_exact(5).enumerate() {
            let mut v = chunk.iter().fold(0u64, |acc, b| (acc << 8) | *b as u64) % 100_000;
            for d in (0..5).rev() {
                out[i * 6 + d] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
        SecurityCode(out)
    }

    /// The code as users see it.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).expect("ASCII digits and spaces")
    }
}

impl fmt::Display for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for SecurityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecurityCode({})", self.as_str())
    }
}

/// Whether the call is end-to-end, with what it releases.
pub enum Outcome {
    /// Both sides on: end-to-end encryption with the code to compare and the media keys.
    EndToEnd {
        /// The code both users compare.
        security_code: SecurityCode,
        /// The epoch-0 media keys.
        keys: CallKeys,
    },
    /// At least one side off (and neither required): standard hop-by-hop SRTP with keys the
    /// application supplies. No code and no media keys are released.
    Standard,
}

/// A completed handshake, on either side.
pub struct Established {
    role: Role,
    srtp_suite: SrtpSuite,
    sframe_suite: SframeSuite,
    caller_intent: Intent,
    callee_intent: Intent,
    transcript_hash: [u8; 32],
    outcome: Outcome,
}

impl Established {
    /// Which end this is.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The negotiated SRTP suite.
    pub fn srtp_suite(&self) -> SrtpSuite {
        self.srtp_suite
    }

    /// The negotiated SFrame suite.
    pub fn sframe_suite(&self) -> SframeSuite {
        self.sframe_suite
    }

    /// The caller's authenticated intent.
    pub fn caller_intent(&self) -> Intent {
        self.caller_intent
    }

    /// The callee's authenticated intent.
    pub fn callee_intent(&self) -> Intent {
        self.callee_intent
    }

    /// The transcript hash TH (public).
    pub fn transcript_hash(&self) -> &[u8; 32] {
        &self.transcript_hash
    }

    /// Whether the call is end-to-end encrypted.
    pub fn is_end_to_end(&self) -> bool {
        matches!(self.outcome, Outcome::EndToEnd { .. })
    }

    /// The security code, when end-to-end.
    pub fn security_code(&self) -> Option<&SecurityCode> {
        match &self.outcome {
            Outcome::EndToEnd { security_code, .. } => Some(security_code),
            Outcome::Standard => None,
        }
    }

    /// The media keys, when end-to-end.
    pub fn keys(&self) -> Option<&CallKeys> {
        match &self.outcome {
            Outcome::EndToEnd { keys, .. } => Some(keys),
            Outcome::Standard => None,
        }
    }

    /// The outcome, by value.
    pub fn into_outcome(self) -> Outcome {
        self.outcome
    }
}

impl fmt::Debug for Established {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Established")
            .field("role", &self.role)
            .field("srtp_suite", &self.srtp_suite)
            .field("sframe_suite", &self.sframe_suite)
            .field("caller_intent", &self.caller_intent)
            .field("callee_intent", &self.callee_intent)
            .field("end_to_end", &self.is_end_to_end())
            .field("security_code", &self.security_code())
            .finish_non_exhaustive()
    }
}

/// Whether the two intents give an end-to-end call, a standard one, or an error.
fn decide_outcome(caller: Intent, callee: Intent) -> Result<bool> {
    match (caller, callee) {
        (Intent::Required, Intent::Off) | (Intent::Off, Intent::Required) => {
            Err(Error::E2eeRequired)
        }
        (Intent::Off, _) | (_, Intent::Off) => Ok(false),
        _ => Ok(true),
    }
}

fn check_header(msg: &[u8], ty: u8) -> Result<()> {
    if msg.len() < 2 {
        return Err(Malformed::Truncated.into());
    }
    if msg[0] != ty {
        return Err(Malformed::MessageType.into());
    }
    if msg[1] != VERSION {
        return Err(Malformed::Version.into());
    }
    Ok(())
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// A parsed Offer.
struct Offer {
    intent: Intent,
    public: [u8; 32],
    srtp: SuiteList,
    sframe: SuiteList,
}

/// The raw suite identifiers of one layer, in the offerer's order.
struct SuiteList {
    ids: [u16; MAX_SUITES],
    len: usize,
}

impl SuiteList {
    fn ids(&self) -> &[u16] {
        &self.ids[..self.len]
    }

    /// Read `count ‖ ids` at `at`; returns the list and the offset after it.
    fn parse(msg: &[u8], at: usize) -> Result<(SuiteList, usize)> {
        let count = *msg.get(at).ok_or(Malformed::Truncated)? as usize;
        if count == 0 || count > MAX_SUITES {
            return Err(Malformed::Field.into());
        }
        let end = at + 1 + 2 * count;
        if msg.len() < end {
            return Err(Malformed::Truncated.into());
        }
        let mut list = SuiteList {
            ids: [0; MAX_SUITES],
            len: count,
        };
        for i in 0..count {
            let id = u16_at(msg, at + 1 + 2 * i);
            if list.ids[..i].contains(&id) {
                return Err(Malformed::Field.into());
            }
            list.ids[i] = id;
        }
        Ok((list, end))
    }

    /// The first suite of the offerer's list that `ours` accepts.
    fn choose<S: Copy + PartialEq>(&self, from_id: fn(u16) -> Result<S>, ours: &[S]) -> Result<S> {
        let mut any_known = false;
        for id in self.ids() {
            if let Ok(s) = from_id(*id) {
                any_known = true;
                if ours.contains(&s) {
                    return Ok(s);
                }
            }
        }
        Err(if any_known {
            Error::NoCommonSuite
        } else {
            Error::UnsupportedSuite
        })
    }
}

impl Offer {
    fn parse(msg: &[u8]) -> Result<Offer> {
        check_header(msg, TYPE_OFFER)?;
        if msg.len() > OFFER_MAX_LEN {
            return Err(Malformed::Oversized.into());
        }
        if msg.len() < OFFER_MIN_LEN {
            return Err(Malformed::Truncated.into());
        }
        let intent = Intent::from_byte(msg[2])?;
        let mut public = [0u8; 32];
        public.copy_from_slice(&msg[3..35]);
        let (srtp, at) = SuiteList::parse(msg, 35)?;
        let (sframe, end) = SuiteList::parse(msg, at)?;
        if end != msg.len() {
            return Err(Malformed::Length.into());
        }
        Ok(Offer {
            intent,
            public,
            srtp,
            sframe,
        })
    }
}

fn encode_offer(config: &HandshakeConfig, public: &PublicKey) -> Vec<u8> {
    let mut m = Vec::with_capacity(OFFER_MAX_LEN);
    m.extend_from_slice(&[TYPE_OFFER, VERSION, config.intent.byte()]);
    m.extend_from_slice(public.as_bytes());
    m.push(config.srtp_suites.len() as u8);
    for s in &config.srtp_suites {
        m.extend_from_slice(&s.id().to_be_bytes());
    }
    m.push(config.sframe_suites.len() as u8);
    for s in &config.sframe_suites {
        m.extend_from_slice(&s.id().to_be_bytes());
    }
    m
}

/// TH = SHA-256(u32be(len(context)) ‖ context ‖ Offer ‖ AnswerBody).
fn transcript_hash(context: &[u8], offer: &[u8], answer_body: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update((context.len() as u32).to_be_bytes());
    h.update(context);
    h.update(offer);
    h.update(answer_body);
    h.finalize().into()
}

/// The secrets both sides derive from TH and the X25519 result.
struct Derived {
    prk: Secret<32>,
    th: [u8; 32],
}

impl Derived {
    fn new(th: [u8; 32], secret: &StaticSecret, peer: &[u8; 32]) -> Result<Derived> {
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

    fn mac(&self, label: &[u8]) -> [u8; 32] {
        crate::secret::scrubbed(|| self.mac_unscrubbed(label))
    }

    fn mac_unscrubbed(&self, label: &[u8]) -> [u8; 32] {
        let mut m = self.mac_key(label);
        m.update(&self.th);
        let out = m.finalize_reset().into_bytes().into();
        crate::crypto::wipe_mac(&mut m);
        out
    }

    fn verify(&self, label: &[u8], tag: &[u8]) -> Result<()> {
        crate::secret::scrubbed(|| self.verify_unscrubbed(label, tag))
    }

    fn verify_unscrubbed(&self, label: &[u8], tag: &[u8]) -> Result<()> {
        let mut m = self.mac_key(label);
        m.update(&self.th);
        let ok = m.verify_slice_reset(tag).map_err(|_| Error::Authentication);
        crate::crypto::wipe_mac(&mut m);
        ok
    }

    fn release(
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

/// A fresh ephemeral secret and its public key.
fn draw_secret<R: RngCore + CryptoRng>(rng: &mut R) -> (StaticSecret, PublicKey) {
    crate::secret::scrubbed(|| {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        let secret = StaticSecret::from(bytes);
        bytes.zeroize();
        let public = PublicKey::from(&secret);
        (secret, public)
    })
}

fn check_context(context: &[u8]) -> Result<()> {
    if context.len() > MAX_CONTEXT_LEN {
        Err(Error::InvalidConfig)
    } else {
        Ok(())
    }
}

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
    /// Start a call: draw a fresh ephemeral key (32 bytes from `rng`) and make the Offer.
    pub fn offer<R: RngCore + CryptoRng>(
        config: &HandshakeConfig,
        context: &[u8],
        rng: &mut R,
    ) -> Result<(Caller, Vec<u8>)> {
        crate::secret::scrubbed(|| {
            config.validate()?;
            check_context(context)?;
            let (secret, public) = draw_secret(rng);
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
            check_header(answer, TYPE_ANSWER)?;
            match answer.len() {
                n if n < ANSWER_LEN => return Err(Malformed::Truncated.into()),
                n if n > ANSWER_LEN => return Err(Malformed::Oversized.into()),
                _ => {}
            }
            let callee_intent = Intent::from_byte(answer[2])?;
            let mut public = [0u8; 32];
            public.copy_from_slice(&answer[3..35]);
            let srtp = SrtpSuite::from_id(u16_at(answer, 35)).map_err(|_| Malformed::Field)?;
            let sframe = SframeSuite::from_id(u16_at(answer, 37)).map_err(|_| Malformed::Field)?;
            if !st.config.srtp_suites.contains(&srtp) || !st.config.sframe_suites.contains(&sframe)
            {
                return Err(Malformed::Field.into());
            }
            let (body, mac) = answer.split_at(ANSWER_BODY_LEN);
            let th = transcript_hash(&st.context, &st.offer, body);
            let derived = Derived::new(th, &st.secret, &public)?;
            derived.verify(labels::CONFIRM_CALLEE, mac)?;
            decide_outcome(st.config.intent, callee_intent)?;
            let mut confirm = Vec::with_capacity(CONFIRM_LEN);
            confirm.extend_from_slice(&[TYPE_CONFIRM, VERSION]);
            confirm.extend_from_slice(&derived.mac(labels::CONFIRM_CALLER));
            let est =
                derived.release(Role::Caller, srtp, sframe, st.config.intent, callee_intent)?;
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
    /// accepts, draw a fresh ephemeral key (32 bytes from `rng`) and make the Answer.
    pub fn accept<R: RngCore + CryptoRng>(
        config: &HandshakeConfig,
        context: &[u8],
        offer: &[u8],
        rng: &mut R,
    ) -> Result<(Callee, Vec<u8>)> {
        crate::secret::scrubbed(|| {
            config.validate()?;
            check_context(context)?;
            let o = Offer::parse(offer)?;
            let srtp = o.srtp.choose(SrtpSuite::from_id, &config.srtp_suites)?;
            let sframe = o
                .sframe
                .choose(SframeSuite::from_id, &config.sframe_suites)?;
            decide_outcome(o.intent, config.intent)?;
            let (secret, public) = draw_secret(rng);
            let mut answer = Vec::with_capacity(ANSWER_LEN);
            answer.extend_from_slice(&[TYPE_ANSWER, VERSION, config.intent.byte()]);
            answer.extend_from_slice(public.as_bytes());
            answer.extend_from_slice(&srtp.id().to_be_bytes());
            answer.extend_from_slice(&sframe.id().to_be_bytes());
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
            check_header(confirm, TYPE_CONFIRM)?;
            match confirm.len() {
                n if n < CONFIRM_LEN => return Err(Malformed::Truncated.into()),
                n if n > CONFIRM_LEN => return Err(Malformed::Oversized.into()),
                _ => {}
            }
            st.derived.verify(labels::CONFIRM_CALLER, &confirm[2..])?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_code_format() {
        let mut b = [0u8; 20];
        b[4] = 7;
        b[5..10].copy_from_slice(&[0xff; 5]);
        let c = SecurityCode::from_bytes(&b);
        // 0xffffffffff = 1099511627775 -> 27775
        assert_eq!(c.as_str(), "00007 27775 00000 00000");
    }

    #[test]
    fn outcome_table() {
        use Intent::*;
        assert_eq!(decide_outcome(On, On), Ok(true));
        assert_eq!(decide_outcome(Required, On), Ok(true));
        assert_eq!(decide_outcome(Required, Required), Ok(true));
        assert_eq!(decide_outcome(Off, On), Ok(false));
        assert_eq!(decide_outcome(On, Off), Ok(false));
        assert_eq!(decide_outcome(Off, Off), Ok(false));
        assert_eq!(decide_outcome(Required, Off), Err(Error::E2eeRequired));
        assert_eq!(decide_outcome(Off, Required), Err(Error::E2eeRequired));
    }
}
