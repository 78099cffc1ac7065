//! The three messages on the wire: their type bytes and lengths, encoding the Offer, the
//! Answer and the Confirm, and parsing them with a typed error for every way they can be
//! malformed. The byte layout is in `docs/PROTOCOL.md`.

use super::kem::{CT_LEN, EK_LEN};
use super::HandshakeConfig;
use crate::error::{Error, Malformed, Result};
use crate::schedule::Version;
use crate::types::{Intent, SframeSuite, SrtpSuite};
use x25519_dalek::PublicKey;

/// Message type byte of the Offer.
pub(crate) const TYPE_OFFER: u8 = 0x01;
/// Message type byte of the Answer.
pub(crate) const TYPE_ANSWER: u8 = 0x02;
/// Message type byte of the Confirm.
pub(crate) const TYPE_CONFIRM: u8 = 0x03;
/// The most suites one layer's list may hold in an Offer.
pub const MAX_SUITES: usize = 16;

/// The most continuity ids a version-2 Offer carries.
pub(crate) const MAX_CONTINUITY_IDS: usize = 2;
/// Length of a continuity id.
pub(crate) const CONTINUITY_ID_LEN: usize = 8;

const MAC_LEN: usize = 32;
const KEY_LEN: usize = 32;
const OFFER_MIN_LEN: usize = 3 + KEY_LEN + 1 + 2 + 1 + 2;
const OFFER_MAX_LEN: usize = 3 + KEY_LEN + 2 * (1 + 2 * MAX_SUITES);
/// Version 2 adds the encapsulation key, and the count of continuity ids and the ids.
const OFFER2_MIN_LEN: usize = OFFER_MIN_LEN + EK_LEN + 1;
const OFFER2_MAX_LEN: usize = OFFER_MAX_LEN + EK_LEN + 1 + MAX_CONTINUITY_IDS * CONTINUITY_ID_LEN;
const ANSWER_BODY_LEN: usize = 3 + KEY_LEN + 2 + 2;
/// Version 2 adds the ciphertext, the matched id and whether the callee holds a secret.
const ANSWER2_BODY_LEN: usize = ANSWER_BODY_LEN + CT_LEN + 2;
/// Length of the Confirm (both versions).
pub(crate) const CONFIRM_LEN: usize = 2 + MAC_LEN;

/// Length of the Answer of `version`.
pub(crate) fn answer_len(version: Version) -> usize {
    match version {
        Version::V1 => ANSWER_BODY_LEN + MAC_LEN,
        Version::V2 => ANSWER2_BODY_LEN + MAC_LEN,
    }
}

/// The type byte, then the version byte: the version of the message.
fn check_header(msg: &[u8], ty: u8) -> Result<Version> {
    if msg.len() < 2 {
        return Err(Malformed::Truncated.into());
    }
    if msg[0] != ty {
        return Err(Malformed::MessageType.into());
    }
    Version::from_byte(msg[1])
}

/// The header of a message of fixed length (the Answer, the Confirm), which must be of
/// `version`, then its length.
fn check_fixed_len(msg: &[u8], ty: u8, version: Version, len: usize) -> Result<()> {
    if check_header(msg, ty)? != version {
        return Err(Malformed::Version.into());
    }
    match msg.len() {
        n if n < len => Err(Malformed::Truncated.into()),
        n if n > len => Err(Malformed::Oversized.into()),
        _ => Ok(()),
    }
}

/// The version byte of a message, when it has one (for a side that must refuse version 1
/// before anything else).
pub(super) fn version_of(msg: &[u8]) -> Option<u8> {
    msg.get(1).copied()
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// A parsed Offer.
pub(super) struct Offer {
    pub(super) version: Version,
    pub(super) intent: Intent,
    pub(super) public: [u8; 32],
    pub(super) srtp: SuiteList,
    pub(super) sframe: SuiteList,
    /// Version 2: the caller's ML-KEM-768 encapsulation key.
    pub(super) kem_ek: Option<[u8; EK_LEN]>,
    /// Version 2: the continuity ids, newest first (`ids[..id_count]`).
    pub(super) ids: [[u8; CONTINUITY_ID_LEN]; MAX_CONTINUITY_IDS],
    pub(super) id_count: usize,
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
        let version = check_header(msg, TYPE_OFFER)?;
        let (min, max) = match version {
            Version::V1 => (OFFER_MIN_LEN, OFFER_MAX_LEN),
            Version::V2 => (OFFER2_MIN_LEN, OFFER2_MAX_LEN),
        };
        if msg.len() > max {
            return Err(Malformed::Oversized.into());
        }
        if msg.len() < min {
            return Err(Malformed::Truncated.into());
        }
        let intent = Intent::from_byte(msg[2])?;
        let mut public = [0u8; 32];
        public.copy_from_slice(&msg[3..35]);
        let mut at = 35;
        let kem_ek = match version {
            Version::V1 => None,
            Version::V2 => {
                let mut ek = [0u8; EK_LEN];
                ek.copy_from_slice(&msg[at..at + EK_LEN]);
                at += EK_LEN;
                Some(ek)
            }
        };
        let (srtp, at) = SuiteList::parse(msg, at)?;
        let (sframe, mut end) = SuiteList::parse(msg, at)?;
        let mut ids = [[0u8; CONTINUITY_ID_LEN]; MAX_CONTINUITY_IDS];
        let mut id_count = 0;
        if version == Version::V2 {
            id_count = *msg.get(end).ok_or(Malformed::Truncated)? as usize;
            if id_count > MAX_CONTINUITY_IDS {
                return Err(Malformed::Field.into());
            }
            end += 1;
            for id in ids.iter_mut().take(id_count) {
                let bytes = msg
                    .get(end..end + CONTINUITY_ID_LEN)
                    .ok_or(Malformed::Truncated)?;
                id.copy_from_slice(bytes);
                end += CONTINUITY_ID_LEN;
            }
            if id_count == 2 && ids[0] == ids[1] {
                return Err(Malformed::Field.into());
            }
        }
        if end != msg.len() {
            return Err(Malformed::Length.into());
        }
        Ok(Offer {
            version,
            intent,
            public,
            srtp,
            sframe,
            kem_ek,
            ids,
            id_count,
        })
    }

    /// The continuity ids, newest first.
    pub(super) fn ids(&self) -> &[[u8; CONTINUITY_ID_LEN]] {
        &self.ids[..self.id_count]
    }
}

/// The Offer: version 1 when `kem_ek` is `None`, else version 2 with the encapsulation key
/// and the continuity ids.
pub(super) fn encode_offer(
    config: &HandshakeConfig,
    public: &PublicKey,
    kem_ek: Option<&[u8; EK_LEN]>,
    ids: &[[u8; CONTINUITY_ID_LEN]],
) -> Vec<u8> {
    let version = if kem_ek.is_some() {
        Version::V2
    } else {
        Version::V1
    };
    let mut m = Vec::with_capacity(OFFER2_MAX_LEN);
    m.extend_from_slice(&[TYPE_OFFER, version.byte(), config.intent.byte()]);
    m.extend_from_slice(public.as_bytes());
    if let Some(ek) = kem_ek {
        m.extend_from_slice(ek);
    }
    m.push(config.srtp_suites.len() as u8);
    for s in &config.srtp_suites {
        m.extend_from_slice(&srtp_wire_id(*s).to_be_bytes());
    }
    m.push(config.sframe_suites.len() as u8);
    for s in &config.sframe_suites {
        m.extend_from_slice(&s.id().to_be_bytes());
    }
    if kem_ek.is_some() {
        m.push(ids.len() as u8);
        for id in ids {
            m.extend_from_slice(id);
        }
    }
    m
}

/// A parsed Answer: the callee's intent, key and chosen suites, and the MAC after the body.
pub(super) struct Answer<'a> {
    pub(super) version: Version,
    pub(super) intent: Intent,
    pub(super) public: [u8; 32],
    pub(super) srtp: SrtpSuite,
    pub(super) sframe: SframeSuite,
    /// Version 2: the ML-KEM-768 ciphertext.
    pub(super) kem_ct: Option<&'a [u8; CT_LEN]>,
    /// Version 2: the position of the offered continuity id the callee matched.
    pub(super) matched: Option<usize>,
    /// Version 2: whether the callee holds a retained secret for the caller.
    pub(super) callee_holds: bool,
    /// The AnswerBody, as the transcript hash covers it.
    pub(super) body: &'a [u8],
    /// The callee's MAC.
    pub(super) mac: &'a [u8],
}

impl<'a> Answer<'a> {
    /// Parse an Answer to an Offer of `version`; an Answer of another version is
    /// [`Malformed::Version`].
    pub(super) fn parse(msg: &'a [u8], version: Version) -> Result<Answer<'a>> {
        check_fixed_len(msg, TYPE_ANSWER, version, answer_len(version))?;
        let intent = Intent::from_byte(msg[2])?;
        let mut public = [0u8; 32];
        public.copy_from_slice(&msg[3..35]);
        let mut at = 35;
        let kem_ct = match version {
            Version::V1 => None,
            Version::V2 => {
                let ct: &[u8; CT_LEN] = msg[at..at + CT_LEN].try_into().expect("length checked");
                at += CT_LEN;
                Some(ct)
            }
        };
        let srtp = SrtpSuite::from_id(u16_at(msg, at)).map_err(|_| Malformed::Field)?;
        let sframe = SframeSuite::from_id(u16_at(msg, at + 2)).map_err(|_| Malformed::Field)?;
        at += 4;
        let (mut matched, mut callee_holds) = (None, false);
        if version == Version::V2 {
            matched = match msg[at] {
                0 => None,
                n @ 1..=2 => Some(n as usize - 1),
                _ => return Err(Malformed::Field.into()),
            };
            callee_holds = match msg[at + 1] {
                0 => false,
                1 => true,
                _ => return Err(Malformed::Field.into()),
            };
            // A callee that matched an id holds a secret.
            if matched.is_some() && !callee_holds {
                return Err(Malformed::Field.into());
            }
            at += 2;
        }
        let (body, mac) = msg.split_at(at);
        Ok(Answer {
            version,
            intent,
            public,
            srtp,
            sframe,
            kem_ct,
            matched,
            callee_holds,
            body,
            mac,
        })
    }
}

/// What a version-2 Answer adds: the ciphertext and the continuity answer.
pub(super) struct AnswerV2<'a> {
    pub(super) kem_ct: &'a [u8; CT_LEN],
    pub(super) matched: Option<usize>,
    pub(super) callee_holds: bool,
}

/// The AnswerBody, with room for the MAC the callee appends once it has the transcript hash:
/// version 1, or version 2 with `v2`.
pub(super) fn encode_answer_body(
    intent: Intent,
    public: &PublicKey,
    srtp: SrtpSuite,
    sframe: SframeSuite,
    v2: Option<AnswerV2<'_>>,
) -> Vec<u8> {
    let version = if v2.is_some() {
        Version::V2
    } else {
        Version::V1
    };
    let mut answer = Vec::with_capacity(answer_len(version));
    answer.extend_from_slice(&[TYPE_ANSWER, version.byte(), intent.byte()]);
    answer.extend_from_slice(public.as_bytes());
    if let Some(v2) = &v2 {
        answer.extend_from_slice(v2.kem_ct);
    }
    answer.extend_from_slice(&srtp_wire_id(srtp).to_be_bytes());
    answer.extend_from_slice(&sframe.id().to_be_bytes());
    if let Some(v2) = &v2 {
        answer.push(v2.matched.map_or(0, |i| i as u8 + 1));
        answer.push(v2.callee_holds as u8);
    }
    answer
}

/// The protection profile number of an SRTP suite the handshake negotiates: the configuration
/// was validated to hold only [`SrtpSuite::HANDSHAKE`] suites, which all have one.
fn srtp_wire_id(s: SrtpSuite) -> u16 {
    s.id()
        .expect("handshake suites have a protection profile number")
}

/// The caller's MAC in a Confirm of `version`.
pub(super) fn parse_confirm(msg: &[u8], version: Version) -> Result<&[u8]> {
    check_fixed_len(msg, TYPE_CONFIRM, version, CONFIRM_LEN)?;
    Ok(&msg[2..])
}

/// The Confirm carrying the caller's MAC.
pub(super) fn encode_confirm(version: Version, mac: &[u8; 32]) -> Vec<u8> {
    let mut confirm = Vec::with_capacity(CONFIRM_LEN);
    confirm.extend_from_slice(&[TYPE_CONFIRM, version.byte()]);
    confirm.extend_from_slice(mac);
    confirm
}
