//! SDP security descriptions for media streams (RFC 4568): the `a=crypto` attribute.
//!
//! ```text
//! a=crypto:<tag> <crypto-suite> inline:<key‖salt base64>[|<lifetime>][|<MKI>:<length>][;inline:…] [<session-params>]
//! ```
//!
//! A side's `a=crypto` line carries the key it sends with (RFC 4568 §6.1): the offerer's line
//! keys what the offerer sends, the answerer's what the answerer sends ([`sdes_packet_keys`]).

use crate::error::{Error, Result};
use crate::secret::SrtpMasterKey;
use crate::session::PacketKeys;
use crate::types::SrtpSuite;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use core::fmt;
use core::fmt::Write as _;
use zeroize::Zeroizing;

/// Which part of an `a=crypto` line is wrong ([`Error::Sdes`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SdesPart {
    /// Not of the form `a=crypto:TAG SUITE KEY-PARAMS [SESSION-PARAMS]`.
    Attribute,
    /// The tag is not a number of 1 to 9 digits.
    Tag,
    /// The crypto suite is not one callseal implements.
    Suite,
    /// A key parameter does not start with the `inline:` key method.
    KeyMethod,
    /// The key and salt are not valid base64.
    Key,
    /// The key and salt are not as long as the suite's master key and salt together.
    KeyLength,
    /// The key lifetime is neither a number nor `2^N`, or is 0 or more than 2^48 packets.
    Lifetime,
    /// The MKI is not `VALUE:LENGTH` with a length of 1 to 128 bytes that holds the value.
    Mki,
    /// Several keys without an MKI each, or with MKIs of different lengths or equal values.
    MkiSet,
    /// A session parameter callseal does not know, or a bad value of one it knows.
    SessionParam,
}

impl fmt::Display for SdesPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SdesPart::Attribute => "not of the form a=crypto:TAG SUITE inline:KEY [PARAMS]",
            SdesPart::Tag => "the tag is not a number of 1 to 9 digits",
            SdesPart::Suite => "the crypto suite is not supported",
            SdesPart::KeyMethod => "a key parameter does not start with inline:",
            SdesPart::Key => "the key is not valid base64",
            SdesPart::KeyLength => "the key is not as long as the suite's master key and salt",
            SdesPart::Lifetime => "the key lifetime is not 1 to 2^48 packets, as a number or 2^N",
            SdesPart::Mki => "the MKI is not VALUE:LENGTH (1 to 128 bytes holding the value)",
            SdesPart::MkiSet => "several keys need an MKI each, distinct and of one length",
            SdesPart::SessionParam => "a session parameter is unknown or has a bad value",
        })
    }
}

fn bad<T>(part: SdesPart) -> Result<T> {
    Err(Error::Sdes(part))
}

/// The lifetime of a key: how many packets it may protect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lifetime {
    /// Written `2^N`.
    PowerOfTwo(u8),
    /// Written as a decimal number.
    Packets(u64),
}

impl Lifetime {
    /// How many packets: `2^64` saturates to `u64::MAX`.
    pub fn packets(self) -> u64 {
        match self {
            Lifetime::PowerOfTwo(n) => 1u64.checked_shl(u32::from(n)).unwrap_or(u64::MAX),
            Lifetime::Packets(n) => n,
        }
    }
}

/// The master key index of a key: `VALUE:LENGTH`, LENGTH in bytes (1 to 128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SdesMki {
    /// The MKI value.
    pub value: u64,
    /// Its length on the wire in bytes.
    pub len: u8,
}

/// One key parameter: `inline:KEY‖SALT[|LIFETIME][|MKI:LENGTH]`.
#[derive(Debug)]
pub struct SdesKey {
    /// The master key and salt, with the lifetime when the line gives one
    /// ([`SrtpMasterKey::lifetime`]).
    pub master: SrtpMasterKey,
    /// The key lifetime, if given.
    pub lifetime: Option<Lifetime>,
    /// The MKI, if given.
    pub mki: Option<SdesMki>,
}

/// `FEC_ORDER`: whether FEC applies before or after SRTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FecOrder {
    /// `FEC_SRTP`: FEC first, then SRTP.
    FecSrtp,
    /// `SRTP_FEC`: SRTP first, then FEC.
    SrtpFec,
}

/// An SRTP session parameter (RFC 4568 §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionParam {
    /// `KDR=n`: the key derivation rate is 2^n (0 to 24; callseal derives once, n = 0).
    Kdr(u8),
    /// `UNENCRYPTED_SRTP`.
    UnencryptedSrtp,
    /// `UNENCRYPTED_SRTCP`.
    UnencryptedSrtcp,
    /// `UNAUTHENTICATED_SRTP`.
    UnauthenticatedSrtp,
    /// `FEC_ORDER=FEC_SRTP|SRTP_FEC`.
    FecOrder(FecOrder),
    /// `WSH=n`: the replay window, at least 64 packets.
    Wsh(u32),
}

/// One `a=crypto` attribute.
#[derive(Debug)]
pub struct CryptoAttribute {
    /// The tag that identifies it in an offer and its answer (1 to 999,999,999).
    pub tag: u32,
    /// The crypto suite.
    pub suite: SrtpSuite,
    /// One key, or several with distinct MKIs of one length.
    pub keys: Vec<SdesKey>,
    /// The session parameters, in their order.
    pub params: Vec<SessionParam>,
}

impl CryptoAttribute {
    /// The attribute of one key, without lifetime, MKI or session parameters.
    pub fn new(tag: u32, master: SrtpMasterKey) -> Self {
        CryptoAttribute {
            tag,
            suite: master.suite(),
            keys: vec![SdesKey {
                master,
                lifetime: None,
                mki: None,
            }],
            params: Vec::new(),
        }
    }

    /// Parse an `a=crypto` line: the whole line, or its value after `a=crypto:` (or
    /// `crypto:`). Suite names are read without regard to case. [`Error::Sdes`] names the
    /// part that is wrong; a key never appears in an error.
    pub fn parse(line: &str) -> Result<Self> {
        let line = line.trim();
        let value = line
            .strip_prefix("a=crypto:")
            .or_else(|| line.strip_prefix("crypto:"))
            .unwrap_or(line);
        let mut fields = value.split_ascii_whitespace();
        let (Some(tag), Some(suite), Some(keys)) = (fields.next(), fields.next(), fields.next())
        else {
            return bad(SdesPart::Attribute);
        };
        if tag.is_empty() || tag.len() > 9 || !tag.bytes().all(|b| b.is_ascii_digit()) {
            return bad(SdesPart::Tag);
        }
        let tag: u32 = tag.parse().map_err(|_| Error::Sdes(SdesPart::Tag))?;
        let suite = SrtpSuite::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(suite))
            .ok_or(Error::Sdes(SdesPart::Suite))?;
        let keys = keys
            .split(';')
            .map(|k| key_param(suite, k))
            .collect::<Result<Vec<_>>>()?;
        if keys.len() > 1 {
            let len = keys[0].mki.map(|m| m.len);
            let distinct = (0..keys.len()).all(|i| {
                keys[..i]
                    .iter()
                    .all(|k| k.mki.map(|m| m.value) != keys[i].mki.map(|m| m.value))
            });
            if len.is_none() || keys.iter().any(|k| k.mki.map(|m| m.len) != len) || !distinct {
                return bad(SdesPart::MkiSet);
            }
        }
        let params = fields.map(session_param).collect::<Result<Vec<_>>>()?;
        Ok(CryptoAttribute {
            tag,
            suite,
            keys,
            params,
        })
    }

    /// The line, `a=crypto:` included. It holds the keys: it is wiped when dropped; keep it
    /// out of logs.
    pub fn to_line(&self) -> Zeroizing<String> {
        // Sized once, so that no copy of a key is left behind in a freed buffer.
        let mut s = Zeroizing::new(String::with_capacity(
            64 + 160 * self.keys.len() + 32 * self.params.len(),
        ));
        let _ = write!(s, "a=crypto:{} {} ", self.tag, self.suite.name());
        for (i, k) in self.keys.iter().enumerate() {
            if i > 0 {
                s.push(';');
            }
            s.push_str("inline:");
            let mut raw = Zeroizing::new([0u8; 64]);
            let key = k.master.dangerous_key();
            let salt = k.master.dangerous_salt();
            raw[..key.len()].copy_from_slice(key);
            raw[key.len()..key.len() + salt.len()].copy_from_slice(salt);
            STANDARD.encode_string(&raw[..key.len() + salt.len()], &mut s);
            match k.lifetime {
                Some(Lifetime::PowerOfTwo(n)) => {
                    let _ = write!(s, "|2^{n}");
                }
                Some(Lifetime::Packets(n)) => {
                    let _ = write!(s, "|{n}");
                }
                None => {}
            }
            if let Some(m) = k.mki {
                let _ = write!(s, "|{}:{}", m.value, m.len);
            }
        }
        for p in &self.params {
            let _ = match p {
                SessionParam::Kdr(n) => write!(s, " KDR={n}"),
                SessionParam::UnencryptedSrtp => write!(s, " UNENCRYPTED_SRTP"),
                SessionParam::UnencryptedSrtcp => write!(s, " UNENCRYPTED_SRTCP"),
                SessionParam::UnauthenticatedSrtp => write!(s, " UNAUTHENTICATED_SRTP"),
                SessionParam::FecOrder(FecOrder::FecSrtp) => write!(s, " FEC_ORDER=FEC_SRTP"),
                SessionParam::FecOrder(FecOrder::SrtpFec) => write!(s, " FEC_ORDER=SRTP_FEC"),
                SessionParam::Wsh(n) => write!(s, " WSH={n}"),
            };
        }
        s
    }

    /// The replay window the `WSH=` parameter asks for, if any.
    pub fn replay_window(&self) -> Option<u32> {
        self.params.iter().find_map(|p| match p {
            SessionParam::Wsh(n) => Some(*n),
            _ => None,
        })
    }
}

/// `inline:KEY‖SALT[|LIFETIME][|MKI:LENGTH]`.
fn key_param(suite: SrtpSuite, p: &str) -> Result<SdesKey> {
    let Some(info) = p.strip_prefix("inline:") else {
        return bad(SdesPart::KeyMethod);
    };
    let mut parts = info.split('|');
    let b64 = parts.next().unwrap_or_default();
    let mut raw = Zeroizing::new([0u8; 96]);
    let n = STANDARD
        .decode_slice(b64, &mut raw[..])
        .or_else(|_| STANDARD_NO_PAD.decode_slice(b64, &mut raw[..]));
    let n = match n {
        Ok(n) => n,
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => return bad(SdesPart::KeyLength),
        Err(_) => return bad(SdesPart::Key),
    };
    let master = SrtpMasterKey::from_concatenated(suite, &raw[..n])
        .map_err(|_| Error::Sdes(SdesPart::KeyLength))?;
    let (mut lifetime, mut mki) = (None, None);
    for (i, part) in parts.enumerate() {
        // The lifetime comes first, and the MKI (which has a colon) last.
        if let Some((v, l)) = part.split_once(':') {
            if mki.is_some() {
                return bad(SdesPart::Mki);
            }
            mki = Some(parse_mki(v, l)?);
        } else if i == 0 && lifetime.is_none() {
            lifetime = Some(parse_lifetime(part)?);
        } else {
            return bad(SdesPart::Lifetime);
        }
    }
    // The key carries its lifetime, so a sender keyed from the line enforces it; an SRTP key
    // never protects more than 2^48 packets (RFC 3711 §9.2), so a longer lifetime is wrong.
    let master = match lifetime {
        Some(l) => master
            .with_lifetime(l.packets())
            .map_err(|_| Error::Sdes(SdesPart::Lifetime))?,
        None => master,
    };
    Ok(SdesKey {
        master,
        lifetime,
        mki,
    })
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_lifetime(s: &str) -> Result<Lifetime> {
    let lifetime = match s.strip_prefix("2^") {
        Some(n) if digits(n) => n
            .parse::<u8>()
            .ok()
            .filter(|n| *n <= 64)
            .map(Lifetime::PowerOfTwo),
        Some(_) => None,
        None if digits(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Lifetime::Packets),
        None => None,
    };
    lifetime.ok_or(Error::Sdes(SdesPart::Lifetime))
}

fn parse_mki(value: &str, len: &str) -> Result<SdesMki> {
    if !digits(value) || !digits(len) || len.len() > 3 {
        return bad(SdesPart::Mki);
    }
    let value: u64 = value.parse().map_err(|_| Error::Sdes(SdesPart::Mki))?;
    let len: u8 = len.parse().map_err(|_| Error::Sdes(SdesPart::Mki))?;
    if !(1..=128).contains(&len) || (len < 8 && value >> (8 * u32::from(len)) != 0) {
        return bad(SdesPart::Mki);
    }
    Ok(SdesMki { value, len })
}

fn session_param(p: &str) -> Result<SessionParam> {
    let number = |n: &str| -> Option<u32> { digits(n).then(|| n.parse().ok()).flatten() };
    let param = match p.split_once('=') {
        None => match p {
            "UNENCRYPTED_SRTP" => Some(SessionParam::UnencryptedSrtp),
            "UNENCRYPTED_SRTCP" => Some(SessionParam::UnencryptedSrtcp),
            "UNAUTHENTICATED_SRTP" => Some(SessionParam::UnauthenticatedSrtp),
            _ => None,
        },
        Some(("KDR", n)) => number(n)
            .filter(|n| *n <= 24)
            .map(|n| SessionParam::Kdr(n as u8)),
        Some(("WSH", n)) => number(n).filter(|n| *n >= 64).map(SessionParam::Wsh),
        Some(("FEC_ORDER", "FEC_SRTP")) => Some(SessionParam::FecOrder(FecOrder::FecSrtp)),
        Some(("FEC_ORDER", "SRTP_FEC")) => Some(SessionParam::FecOrder(FecOrder::SrtpFec)),
        Some(_) => None,
    };
    param.ok_or(Error::Sdes(SdesPart::SessionParam))
}

/// The hop-by-hop SRTP keys of this side from the offer and answer: it sends with the first
/// key of its own `a=crypto` line and receives with the first key of the peer's (RFC 4568
/// §6.1). [`Error::SuiteMismatch`] when the two lines name different suites (an answer takes
/// the offer's suite).
pub fn sdes_packet_keys(local: &CryptoAttribute, remote: &CryptoAttribute) -> Result<PacketKeys> {
    if local.suite != remote.suite {
        return Err(Error::SuiteMismatch);
    }
    let copy =
        |k: &SrtpMasterKey| SrtpMasterKey::new(k.suite(), k.dangerous_key(), k.dangerous_salt());
    match (local.keys.first(), remote.keys.first()) {
        (Some(out), Some(inb)) => Ok(PacketKeys::new(copy(&out.master)?, copy(&inb.master)?)),
        _ => bad(SdesPart::Attribute),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY30: &str = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

    #[test]
    fn every_part_has_its_error() {
        let ok = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|2^20|1:4");
        assert!(CryptoAttribute::parse(&ok).is_ok());
        let cases = [
            (
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80".to_owned(),
                SdesPart::Attribute,
            ),
            (
                format!("a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:{KEY30}"),
                SdesPart::Tag,
            ),
            (
                format!("a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}"),
                SdesPart::Tag,
            ),
            (
                format!("a=crypto:1 F8_128_HMAC_SHA1_80 inline:{KEY30}"),
                SdesPart::Suite,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:{KEY30}"),
                SdesPart::KeyMethod,
            ),
            (
                "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1u*CVe".to_owned(),
                SdesPart::Key,
            ),
            (
                format!("a=crypto:1 AEAD_AES_128_GCM inline:{KEY30}"),
                SdesPart::KeyLength,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}{KEY30}{KEY30}"),
                SdesPart::KeyLength,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|2^x"),
                SdesPart::Lifetime,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|2^65"),
                SdesPart::Lifetime,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|0"),
                SdesPart::Lifetime,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|1:4|2^20"),
                SdesPart::Lifetime,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|256:1"),
                SdesPart::Mki,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|1:0"),
                SdesPart::Mki,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|1:129"),
                SdesPart::Mki,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30};inline:{KEY30}"),
                SdesPart::MkiSet,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|1:4;inline:{KEY30}|1:4"),
                SdesPart::MkiSet,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|1:4;inline:{KEY30}|2:2"),
                SdesPart::MkiSet,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30} WSH=10"),
                SdesPart::SessionParam,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30} KDR=25"),
                SdesPart::SessionParam,
            ),
            (
                format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30} FEC_KEY=x"),
                SdesPart::SessionParam,
            ),
        ];
        for (line, part) in cases {
            let err = CryptoAttribute::parse(&line).err();
            assert_eq!(err, Some(Error::Sdes(part)), "{line}");
            // No key material in what an error says.
            assert!(!Error::Sdes(part).to_string().contains("PS1u"));
        }
    }

    #[test]
    fn debug_redacts_the_keys() {
        let a = CryptoAttribute::parse(&format!(
            "a=crypto:7 AES_CM_128_HMAC_SHA1_32 inline:{KEY30}"
        ))
        .unwrap();
        let d = format!("{a:?}");
        assert!(d.contains("redacted") && !d.contains("PS1u"), "{d}");
    }
}
