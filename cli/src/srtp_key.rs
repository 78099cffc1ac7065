//! The `--suite` and `--key` of `callseal srtp`: an SDP security description (RFC 4568) in the
//! forms people have at hand.
//!
//! - `BASE64`: master key ‖ master salt;
//! - `inline:BASE64[|LIFETIME][|MKI:LENGTH]`: the key parameter of an `a=crypto` line; the
//!   lifetime (`2^N` or a number, at most 2^48) becomes the key's lifetime;
//! - `a=crypto:TAG SUITE inline:…[;inline:…] [SESSION-PARAMS]`: the whole line, which names
//!   the suite (several keys need an MKI each; encrypting uses the first);
//! - `@FILE`: any of these read from FILE, which keeps the key off the command line. A file of
//!   several lines (an SDP) must hold exactly one `a=crypto` line, or one for `--suite`.
//!
//! Suite names are read without regard to case. Errors never show key material.

use anyhow::{bail, Context as _};
use callseal::keying::{CryptoAttribute, SdesPart, SessionParam};
use callseal::srtp::Mki;
use callseal::{SrtpMasterKey, SrtpSuite};
use zeroize::Zeroizing;

/// An SRTP protection profile by name, in any case (the `--suite` value parser).
pub(crate) fn parse_suite(s: &str) -> Result<SrtpSuite, String> {
    SrtpSuite::ALL
        .into_iter()
        .find(|x| x.name().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| {
            format!(
                "unknown suite {s:?}; one of: {}",
                SrtpSuite::ALL.map(|s| s.name()).join(", ")
            )
        })
}

/// One key of the description.
pub(crate) struct KeyParam {
    pub(crate) master: SrtpMasterKey,
    /// The MKI and its length in bytes.
    pub(crate) mki: Option<(Mki, usize)>,
}

/// What `--key` (with `--suite`) says.
pub(crate) struct Keys {
    pub(crate) suite: SrtpSuite,
    /// One key, or several with distinct MKIs of one length.
    pub(crate) keys: Vec<KeyParam>,
    /// The `WSH=` session parameter: the replay window.
    pub(crate) replay_window: Option<u32>,
}

impl Keys {
    /// The MKI length (0: none).
    pub(crate) fn mki_len(&self) -> usize {
        self.keys[0].mki.map_or(0, |(_, l)| l)
    }
}

/// Read `--key`, for `suite` when `--suite` was given.
pub(crate) fn read(arg: &str, suite: Option<SrtpSuite>) -> anyhow::Result<Keys> {
    match arg.strip_prefix('@') {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the key file {path}"))?;
            parse(
                line_of(&text, suite).with_context(|| format!("key file {path}"))?,
                suite,
            )
            .with_context(|| format!("key file {path}"))
        }
        None => parse(arg, suite),
    }
}

/// The line of a key file to read: its only line, else its only `a=crypto` line (for `suite`).
fn line_of(text: &str, suite: Option<SrtpSuite>) -> anyhow::Result<&str> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if let [line] = lines[..] {
        return Ok(line);
    }
    let crypto: Vec<&str> = lines
        .into_iter()
        .filter(|l| l.starts_with("a=crypto:"))
        .filter(|l| {
            suite.is_none_or(|s| l.split_whitespace().nth(1).map(parse_suite) == Some(Ok(s)))
        })
        .collect();
    let for_suite = suite.map_or(String::new(), |s| format!(" for {s}"));
    match crypto[..] {
        [line] => Ok(line),
        [] => bail!("no key, and no a=crypto line{for_suite}"),
        _ => bail!(
            "{} a=crypto lines{for_suite}: keep one in the file{}",
            crypto.len(),
            if suite.is_none() {
                " or choose with --suite"
            } else {
                ""
            }
        ),
    }
}

/// Parse one `--key` text with the library's RFC 4568 parser: a bare key or `inline:` value
/// is read as the key parameter of a line for `suite`.
fn parse(text: &str, suite: Option<SrtpSuite>) -> anyhow::Result<Keys> {
    let text = text.trim();
    let attribute = if text.starts_with("a=crypto:") || text.starts_with("crypto:") {
        let named = text
            .split_whitespace()
            .nth(1)
            .and_then(|n| parse_suite(n).ok());
        let a = CryptoAttribute::parse(text).map_err(|e| sdes_error(e, named))?;
        if let Some(s) = suite.filter(|s| *s != a.suite) {
            bail!("--suite {s} disagrees with the a=crypto line's {}", a.suite);
        }
        a
    } else {
        let suite = suite.context(
            "--suite is needed: the key does not name its suite (an a=crypto line does)",
        )?;
        if text.contains(char::is_whitespace) || text.contains(';') {
            bail!(
                "the key is not valid base64: a key is one `[inline:]BASE64[|LIFETIME][|MKI:LENGTH]`, without spaces"
            );
        }
        let inline = if text.starts_with("inline:") {
            ""
        } else {
            "inline:"
        };
        let line = Zeroizing::new(format!("1 {} {inline}{text}", suite.name()));
        CryptoAttribute::parse(&line).map_err(|e| sdes_error(e, Some(suite)))?
    };
    let mut replay_window = None;
    for p in &attribute.params {
        match p {
            SessionParam::Wsh(n) => replay_window = Some(*n),
            SessionParam::Kdr(0) => {} // no key derivation rate: what callseal does
            other => bail!("the session parameter {other:?} is not supported"),
        }
    }
    let keys = attribute
        .keys
        .into_iter()
        .map(|k| {
            let mki = match k.mki {
                Some(m) if m.len > 4 => {
                    bail!(
                        "MKI length {} is more than the 4 bytes callseal takes",
                        m.len
                    )
                }
                Some(m) => Some((Mki(m.value as u32), usize::from(m.len))),
                None => None,
            };
            Ok(KeyParam {
                master: k.master,
                mki,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(Keys {
        suite: attribute.suite,
        keys,
        replay_window,
    })
}

/// The library's error, which names the part of the line that is wrong (never the key), for
/// a line of `suite` when it is known.
fn sdes_error(e: callseal::Error, suite: Option<SrtpSuite>) -> anyhow::Error {
    match (e, suite) {
        (callseal::Error::Sdes(SdesPart::Suite), _) => anyhow::anyhow!(
            "{e}; one of: {}",
            SrtpSuite::ALL.map(|s| s.name()).join(", ")
        ),
        (callseal::Error::Sdes(SdesPart::KeyLength), Some(s)) => anyhow::anyhow!(
            "{e}: {s} needs {} bytes of master key and salt",
            s.key_len() + s.salt_len()
        ),
        (e, _) => anyhow::Error::new(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY30: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0e";

    #[test]
    fn suites_in_any_case() {
        assert_eq!(
            parse_suite("aes_cm_128_hmac_sha1_80"),
            Ok(SrtpSuite::AesCm128HmacSha1_80)
        );
        assert_eq!(
            parse_suite("Aead_Aes_256_Gcm"),
            Ok(SrtpSuite::AeadAes256Gcm)
        );
        assert_eq!(
            parse_suite("aes_256_cm_hmac_sha1_80"),
            Ok(SrtpSuite::Aes256CmHmacSha1_80)
        );
        assert_eq!(
            parse_suite("AES_192_CM_HMAC_SHA1_32"),
            Ok(SrtpSuite::Aes192CmHmacSha1_32)
        );
        assert!(parse_suite("AES_CM_256_HMAC_SHA1_80")
            .unwrap_err()
            .contains("AES_192_CM_HMAC_SHA1_80"));
    }

    #[test]
    fn every_form() {
        let cm = Some(SrtpSuite::AesCm128HmacSha1_80);
        let k = parse(KEY30, cm).unwrap();
        assert_eq!((k.keys.len(), k.mki_len()), (1, 0));
        let k = parse(&format!("inline:{KEY30}|2^31|7:2"), cm).unwrap();
        assert_eq!(k.keys[0].mki, Some((Mki(7), 2)));
        assert!(parse(KEY30, None)
            .err()
            .expect("an error")
            .to_string()
            .contains("--suite"));

        let line = format!("a=crypto:1 aes_cm_128_hmac_sha1_80 inline:{KEY30}|2^20|1:4;inline:{KEY30}|2^20|2:4 WSH=128");
        let k = parse(&line, None).unwrap();
        assert_eq!(k.suite, SrtpSuite::AesCm128HmacSha1_80);
        assert_eq!(k.keys.len(), 2);
        assert_eq!(k.keys[1].mki, Some((Mki(2), 4)));
        assert_eq!(k.keys[1].master.lifetime(), 1 << 20);
        assert_eq!(k.replay_window, Some(128));
        let k = parse(&format!("inline:{KEY30}|1000"), cm).unwrap();
        assert_eq!(k.keys[0].master.lifetime(), 1000);
        assert_eq!(parse(KEY30, cm).unwrap().keys[0].master.lifetime(), 1 << 48);
        assert!(parse(&line, cm).is_ok());
        let err = parse(&line, Some(SrtpSuite::AeadAes128Gcm))
            .err()
            .expect("an error");
        assert!(err.to_string().contains("disagrees"), "{err}");

        for bad in [
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY30}"),
            format!("a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:{KEY30}"),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30} UNENCRYPTED_SRTP"),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30};inline:{KEY30}"),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|forever"),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|2^49"),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|2^64"),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|0"),
            format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}|256:1"),
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80".to_owned(),
        ] {
            let err = parse(&bad, None).err().expect("an error").to_string();
            assert!(!err.contains(KEY30), "{err}");
        }
    }

    #[test]
    fn the_line_of_a_file() {
        let sdp = format!(
            "v=0\nm=audio 5004 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{KEY30}\n\
             a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:{KEY30}\n"
        );
        let err = line_of(&sdp, None).unwrap_err().to_string();
        assert!(
            err.contains("2 a=crypto lines") && err.contains("--suite"),
            "{err}"
        );
        let line = line_of(&sdp, Some(SrtpSuite::AesCm128HmacSha1_32)).unwrap();
        assert!(line.starts_with("a=crypto:2 "));
        assert_eq!(line_of(&format!("# key\n{KEY30}\n"), None).unwrap(), KEY30);
        assert!(line_of("v=0\ns=-\n", None).is_err());
    }
}
