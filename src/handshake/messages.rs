//! The three messages on the wire: their type bytes and lengths, encoding the Offer, the
//! Answer and the Confirm, and parsing them with a typed error for every way they can be
//! malformed. The byte layout is in `docs/PROTOCOL.md`.

use super::HandshakeConfig;
use crate::error::{Error, Malformed, Result};
use crate::types::{Intent, SframeSuite, SrtpSuite};
use x25519_dalek::PublicKey;

/// The protocol version every message carries.
pub(crate) const VERSION: u8 = 1;
/// Message type byte of the Offer.
pub(crate) const TYPE_OFFER: u8 = 0x01;
/// Message type byte of the Answer.
pub(crate) const TYPE_ANSWER: u8 = 0x02;
/// Message type byte of the Confirm.
pub(crate) const TYPE_CONFIRM: u8 = 0x03;
/// The most suites one layer's list may hold in an Offer.
pub const MAX_SUITES: usize = 16;

const MAC_LEN: usize = 32;
const KEY_LEN: usize = 32;
const OFFER_MIN_LEN: usize = 3 + KEY_LEN + 1 + 2 + 1 + 2;
const OFFER_MAX_LEN: usize = 3 + KEY_LEN + 2 * (1 + 2 * MAX_SUITES);
const ANSWER_BODY_LEN: usize = 3 + KEY_LEN + 2 + 2;
/// Length of the Answer.
pub(crate) const ANSWER_LEN: usize = ANSWER_BODY_LEN + MAC_LEN;
/// Length of the Confirm.
pub(crate) const CONFIRM_LEN: usize = 2 + MAC_LEN;

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

/// The header of a message of fixed length `len` (the Answer, the Confirm), then its length.
fn check_fixed_len(msg: &[u8], ty: u8, len: usize) -> Result<()> {
    check_header(msg, ty)?;
    match msg.len() {
        n if n < len => Err(Malformed::Truncated.into()),
        n if n > len => Err(Malformed::Oversized.into()),
        _ => Ok(()),
    }
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// A parsed Offer.
pub(super) struct Offer {
    pub(super) intent: Intent,
    pub(super) public: [u8; 32],
    pub(super) srtp: SuiteList,
    pub(super) sframe: SuiteList,
}

/// The raw suite identifiers of one layer, in the offerer's order.
pub(super) struct SuiteList {
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
    pub(super) fn choose<S: Copy + PartialEq>(
        &self,
        from_id: fn(u16) -> Result<S>,
        ours: &[S],
    ) -> Result<S> {
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
    pub(super) fn parse(msg: &[u8]) -> Result<Offer> {
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

pub(super) fn encode_offer(config: &HandshakeConfig, public: &PublicKey) -> Vec<u8> {
    let mut m = Vec::with_capacity(OFFER_MAX_LEN);
    m.extend_from_slice(&[TYPE_OFFER, VERSION, config.intent.byte()]);
    m.extend_from_slice(public.as_bytes());
    m.push(config.srtp_suites.len() as u8);
    for s in &config.srtp_suites {
        m.extend_from_slice(&srtp_wire_id(*s).to_be_bytes());
    }
    m.push(config.sframe_suites.len() as u8);
    for s in &config.sframe_suites {
        m.extend_from_slice(&s.id().to_be_bytes());
    }
    m
}

/// A parsed Answer: the callee's intent, key and chosen suites, and the MAC after the body.
pub(super) struct Answer<'a> {
    pub(super) intent: Intent,
    pub(super) public: [u8; 32],
    pub(super) srtp: SrtpSuite,
    pub(super) sframe: SframeSuite,
    /// The AnswerBody, as the transcript hash covers it.
    pub(super) body: &'a [u8],
    /// The callee's MAC.
    pub(super) mac: &'a [u8],
}

impl<'a> Answer<'a> {
    pub(super) fn parse(msg: &'a [u8]) -> Result<Answer<'a>> {
        check_fixed_len(msg, TYPE_ANSWER, ANSWER_LEN)?;
        let intent = Intent::from_byte(msg[2])?;
        let mut public = [0u8; 32];
        public.copy_from_slice(&msg[3..35]);
        let srtp = SrtpSuite::from_id(u16_at(msg, 35)).map_err(|_| Malformed::Field)?;
        let sframe = SframeSuite::from_id(u16_at(msg, 37)).map_err(|_| Malformed::Field)?;
        let (body, mac) = msg.split_at(ANSWER_BODY_LEN);
        Ok(Answer {
            intent,
            public,
            srtp,
            sframe,
            body,
            mac,
        })
    }
}

/// The AnswerBody, with room for the MAC the callee appends once it has the transcript hash.
pub(super) fn encode_answer_body(
    intent: Intent,
    public: &PublicKey,
    srtp: SrtpSuite,
    sframe: SframeSuite,
) -> Vec<u8> {
    let mut answer = Vec::with_capacity(ANSWER_LEN);
    answer.extend_from_slice(&[TYPE_ANSWER, VERSION, intent.byte()]);
    answer.extend_from_slice(public.as_bytes());
    answer.extend_from_slice(&srtp_wire_id(srtp).to_be_bytes());
    answer.extend_from_slice(&sframe.id().to_be_bytes());
    answer
}

/// The protection profile number of an SRTP suite the handshake negotiates: the configuration
/// was validated to hold only [`SrtpSuite::HANDSHAKE`] suites, which all have one.
fn srtp_wire_id(s: SrtpSuite) -> u16 {
    s.id()
        .expect("handshake suites have a protection profile number")
}

/// The caller's MAC in a Confirm.
pub(super) fn parse_confirm(msg: &[u8]) -> Result<&[u8]> {
    check_fixed_len(msg, TYPE_CONFIRM, CONFIRM_LEN)?;
    Ok(&msg[2..])
}

/// The Confirm carrying the caller's MAC.
pub(super) fn encode_confirm(mac: &[u8; 32]) -> Vec<u8> {
    let mut confirm = Vec::with_capacity(CONFIRM_LEN);
    confirm.extend_from_slice(&[TYPE_CONFIRM, VERSION]);
    confirm.extend_from_slice(mac);
    confirm
}
