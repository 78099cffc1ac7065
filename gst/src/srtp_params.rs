//! The SRTP parameters as GStreamer speaks them: the cipher and authentication enums of
//! `srtpenc`/`srtpdec` (same values and nicks, so launch lines and caps strings are drop-in),
//! the table that maps them to callseal's suites, and the caps fields that carry a key.

use callseal::srtp::{Mki, SrtpConfig, SrtpReceiver, SrtpSender, MAX_MKI_LEN};
use callseal::{SrtpMasterKey, SrtpSuite};
use gst::glib;

/// The SRTP cipher, as `GstSrtpCipherType`.
#[derive(Debug, Eq, PartialEq, Hash, Clone, Copy, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GstCallsealSrtpCipherType")]
pub enum CipherType {
    #[enum_value(name = "GST_SRTP_CIPHER_NULL", nick = "null")]
    Null = 0,
    #[enum_value(name = "GST_SRTP_CIPHER_AES_128_ICM", nick = "aes-128-icm")]
    Aes128Icm = 1,
    #[enum_value(name = "GST_SRTP_CIPHER_AES_256_ICM", nick = "aes-256-icm")]
    Aes256Icm = 2,
    #[enum_value(name = "GST_SRTP_CIPHER_AES_128_GCM", nick = "aes-128-gcm")]
    Aes128Gcm = 3,
    #[enum_value(name = "GST_SRTP_CIPHER_AES_256_GCM", nick = "aes-256-gcm")]
    Aes256Gcm = 4,
}

/// The SRTP authentication, as `GstSrtpAuthType`.
#[derive(Debug, Eq, PartialEq, Hash, Clone, Copy, glib::Enum)]
#[repr(i32)]
#[enum_type(name = "GstCallsealSrtpAuthType")]
pub enum AuthType {
    #[enum_value(name = "GST_SRTP_AUTH_NULL", nick = "null")]
    Null = 0,
    #[enum_value(name = "GST_SRTP_AUTH_HMAC_SHA1_32", nick = "hmac-sha1-32")]
    HmacSha1_32 = 1,
    #[enum_value(name = "GST_SRTP_AUTH_HMAC_SHA1_80", nick = "hmac-sha1-80")]
    HmacSha1_80 = 2,
}

impl CipherType {
    /// The nick, as written in caps (`srtp-cipher`, `srtcp-cipher`).
    pub fn nick(self) -> &'static str {
        match self {
            CipherType::Null => "null",
            CipherType::Aes128Icm => "aes-128-icm",
            CipherType::Aes256Icm => "aes-256-icm",
            CipherType::Aes128Gcm => "aes-128-gcm",
            CipherType::Aes256Gcm => "aes-256-gcm",
        }
    }

    fn from_nick(nick: &str) -> Option<Self> {
        [
            CipherType::Null,
            CipherType::Aes128Icm,
            CipherType::Aes256Icm,
            CipherType::Aes128Gcm,
            CipherType::Aes256Gcm,
        ]
        .into_iter()
        .find(|c| c.nick() == nick)
    }
}

impl AuthType {
    /// The nick, as written in caps (`srtp-auth`, `srtcp-auth`).
    pub fn nick(self) -> &'static str {
        match self {
            AuthType::Null => "null",
            AuthType::HmacSha1_32 => "hmac-sha1-32",
            AuthType::HmacSha1_80 => "hmac-sha1-80",
        }
    }

    fn from_nick(nick: &str) -> Option<Self> {
        [AuthType::Null, AuthType::HmacSha1_32, AuthType::HmacSha1_80]
            .into_iter()
            .find(|a| a.nick() == nick)
    }
}

/// The four enums that name an SRTP configuration in GStreamer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Params {
    pub rtp_cipher: CipherType,
    pub rtp_auth: AuthType,
    pub rtcp_cipher: CipherType,
    pub rtcp_auth: AuthType,
}

impl Default for Params {
    /// `srtpenc`'s defaults: AES-128-ICM with HMAC-SHA1-80 on RTP and RTCP.
    fn default() -> Self {
        Params {
            rtp_cipher: CipherType::Aes128Icm,
            rtp_auth: AuthType::HmacSha1_80,
            rtcp_cipher: CipherType::Aes128Icm,
            rtcp_auth: AuthType::HmacSha1_80,
        }
    }
}

/// One row of the mapping: the ciphers and authentications (`None`: any, as GStreamer
/// ignores the authentication of the AEAD ciphers) that select a callseal suite.
struct Row {
    rtp_cipher: CipherType,
    rtp_auth: Option<AuthType>,
    rtcp_cipher: CipherType,
    rtcp_auth: Option<AuthType>,
    suite: SrtpSuite,
}

/// Every combination callseal protects. A suite the library gains (AES-256-ICM, NULL) is one
/// more row here.
const ROWS: &[Row] = &[
    Row {
        rtp_cipher: CipherType::Aes128Icm,
        rtp_auth: Some(AuthType::HmacSha1_80),
        rtcp_cipher: CipherType::Aes128Icm,
        rtcp_auth: Some(AuthType::HmacSha1_80),
        suite: SrtpSuite::AesCm128HmacSha1_80,
    },
    // RFC 3711 and libsrtp's profile: the 32-bit tag on SRTP, the 80-bit tag on SRTCP.
    Row {
        rtp_cipher: CipherType::Aes128Icm,
        rtp_auth: Some(AuthType::HmacSha1_32),
        rtcp_cipher: CipherType::Aes128Icm,
        rtcp_auth: Some(AuthType::HmacSha1_80),
        suite: SrtpSuite::AesCm128HmacSha1_32,
    },
    Row {
        rtp_cipher: CipherType::Aes128Gcm,
        rtp_auth: None,
        rtcp_cipher: CipherType::Aes128Gcm,
        rtcp_auth: None,
        suite: SrtpSuite::AeadAes128Gcm,
    },
    Row {
        rtp_cipher: CipherType::Aes256Gcm,
        rtp_auth: None,
        rtcp_cipher: CipherType::Aes256Gcm,
        rtcp_auth: None,
        suite: SrtpSuite::AeadAes256Gcm,
    },
    // RFC 6188: as AES-128-CM, with a 256-bit key.
    Row {
        rtp_cipher: CipherType::Aes256Icm,
        rtp_auth: Some(AuthType::HmacSha1_80),
        rtcp_cipher: CipherType::Aes256Icm,
        rtcp_auth: Some(AuthType::HmacSha1_80),
        suite: SrtpSuite::Aes256CmHmacSha1_80,
    },
    Row {
        rtp_cipher: CipherType::Aes256Icm,
        rtp_auth: Some(AuthType::HmacSha1_32),
        rtcp_cipher: CipherType::Aes256Icm,
        rtcp_auth: Some(AuthType::HmacSha1_80),
        suite: SrtpSuite::Aes256CmHmacSha1_32,
    },
    // Authentication only: choosing the null cipher on the element is the consent the library
    // asks for (srtpenc offers it too).
    Row {
        rtp_cipher: CipherType::Null,
        rtp_auth: Some(AuthType::HmacSha1_80),
        rtcp_cipher: CipherType::Null,
        rtcp_auth: Some(AuthType::HmacSha1_80),
        suite: SrtpSuite::NullHmacSha1_80,
    },
    Row {
        rtp_cipher: CipherType::Null,
        rtp_auth: Some(AuthType::HmacSha1_32),
        rtcp_cipher: CipherType::Null,
        rtcp_auth: Some(AuthType::HmacSha1_80),
        suite: SrtpSuite::NullHmacSha1_32,
    },
];

/// The default configuration, with consent to the NULL cipher for its suites.
fn config(suite: SrtpSuite) -> SrtpConfig {
    if suite.is_null_cipher() {
        SrtpConfig::default().with_null_cipher_allowed()
    } else {
        SrtpConfig::default()
    }
}

impl Params {
    /// The callseal suite these parameters select, or a message naming the combination.
    pub fn suite(&self) -> Result<SrtpSuite, String> {
        let auth_ok = |want: Option<AuthType>, got: AuthType| want.is_none_or(|w| w == got);
        ROWS.iter()
            .find(|r| {
                r.rtp_cipher == self.rtp_cipher
                    && r.rtcp_cipher == self.rtcp_cipher
                    && auth_ok(r.rtp_auth, self.rtp_auth)
                    && auth_ok(r.rtcp_auth, self.rtcp_auth)
            })
            .map(|r| r.suite)
            .ok_or_else(|| {
                format!(
                    "unsupported SRTP combination: rtp-cipher={} rtp-auth={} rtcp-cipher={} \
                     rtcp-auth={} (supported: aes-128-icm, aes-256-icm or null with \
                     hmac-sha1-80 or hmac-sha1-32 on RTP and the same cipher with hmac-sha1-80 \
                     on RTCP; aes-128-gcm or aes-256-gcm on both)",
                    self.rtp_cipher.nick(),
                    self.rtp_auth.nick(),
                    self.rtcp_cipher.nick(),
                    self.rtcp_auth.nick()
                )
            })
    }

    /// The master key ‖ salt length of these parameters' suite.
    pub fn key_len(&self) -> Result<usize, String> {
        self.suite().map(|s| s.key_len() + s.salt_len())
    }
}

/// A key as `srtpenc` puts it in caps and `srtpdec` reads it from there.
pub struct CapsKey {
    pub suite: SrtpSuite,
    pub key: SrtpMasterKey,
    pub mki: Option<(usize, Mki)>,
    /// The `ssrc` field: the key is for this SSRC only; `None`: for every SSRC.
    pub ssrc: Option<u32>,
    /// The `roc` field.
    pub roc: Option<u32>,
    /// A fingerprint of the fields, to tell a repeated caps event from a new key.
    pub fingerprint: [u8; 32],
}

/// The caps fields that carry SRTP keying, removed from the decoder's output caps.
pub const KEY_FIELDS: [&str; 7] = [
    "srtp-key",
    "srtp-cipher",
    "srtp-auth",
    "srtcp-cipher",
    "srtcp-auth",
    "mki",
    "roc",
];

/// An MKI buffer (1 to 4 bytes, big-endian) as callseal's length and value.
pub fn mki_from_bytes(bytes: &[u8]) -> Result<(usize, Mki), String> {
    if bytes.is_empty() || bytes.len() > MAX_MKI_LEN {
        return Err(format!(
            "MKI of {} bytes: callseal carries 1 to {MAX_MKI_LEN}",
            bytes.len()
        ));
    }
    let value = bytes.iter().fold(0u32, |v, b| v << 8 | u32::from(*b));
    Ok((bytes.len(), Mki(value)))
}

/// Build a master key from `srtp-key` bytes (master key ‖ salt) for `params`.
pub fn master_key(params: &Params, bytes: &[u8]) -> Result<(SrtpSuite, SrtpMasterKey), String> {
    let suite = params.suite()?;
    let want = suite.key_len() + suite.salt_len();
    let key = SrtpMasterKey::from_concatenated(suite, bytes).map_err(|_| {
        format!(
            "key of {} bytes: {} needs {want} (master key ‖ salt)",
            bytes.len(),
            suite.name()
        )
    })?;
    Ok((suite, key))
}

fn enum_field<T>(
    s: &gst::StructureRef,
    field: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, String> {
    let nick = s
        .get::<&str>(field)
        .map_err(|_| format!("caps field {field} missing or not a string"))?;
    parse(nick).ok_or_else(|| format!("caps field {field}: unknown value {nick:?}"))
}

/// Whether the structure carries any keying field.
pub fn has_key_fields(s: &gst::StructureRef) -> bool {
    KEY_FIELDS[..5].iter().any(|f| s.has_field(*f))
}

/// Read the keying fields of `srtpdec`'s caps convention.
pub fn caps_key(s: &gst::StructureRef) -> Result<CapsKey, String> {
    let params = Params {
        rtp_cipher: enum_field(s, "srtp-cipher", CipherType::from_nick)?,
        rtp_auth: enum_field(s, "srtp-auth", AuthType::from_nick)?,
        rtcp_cipher: enum_field(s, "srtcp-cipher", CipherType::from_nick)?,
        rtcp_auth: enum_field(s, "srtcp-auth", AuthType::from_nick)?,
    };
    let key_buf = s
        .get::<gst::Buffer>("srtp-key")
        .map_err(|_| "caps field srtp-key missing or not a buffer".to_string())?;
    let key_map = key_buf
        .map_readable()
        .map_err(|_| "caps field srtp-key cannot be read".to_string())?;
    let (suite, key) = master_key(&params, &key_map)?;
    let mki = match s.get_optional::<gst::Buffer>("mki") {
        Ok(Some(b)) => {
            let m = b
                .map_readable()
                .map_err(|_| "caps field mki cannot be read".to_string())?;
            Some(mki_from_bytes(&m)?)
        }
        Ok(None) => None,
        Err(_) => return Err("caps field mki is not a buffer".into()),
    };
    let ssrc = s
        .get_optional::<u32>("ssrc")
        .map_err(|_| "caps field ssrc is not a uint".to_string())?;
    let roc = s
        .get_optional::<u32>("roc")
        .map_err(|_| "caps field roc is not a uint".to_string())?;
    let fingerprint = fingerprint(&params, &key_map, mki);
    Ok(CapsKey {
        suite,
        key,
        mki,
        ssrc,
        roc,
        fingerprint,
    })
}

fn fingerprint(params: &Params, key: &[u8], mki: Option<(usize, Mki)>) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(b"callseal gst srtp key");
    h.update([
        params.rtp_cipher as u8,
        params.rtp_auth as u8,
        params.rtcp_cipher as u8,
        params.rtcp_auth as u8,
    ]);
    if let Some((len, Mki(v))) = mki {
        h.update([len as u8]);
        h.update(v.to_be_bytes());
    }
    h.update(key);
    h.finalize().into()
}

impl CapsKey {
    /// A receiver for this key.
    pub fn receiver(&self, replay_window: u32, max_streams: usize) -> Result<SrtpReceiver, String> {
        let config = config(self.suite)
            .with_replay_window(replay_window)
            .with_max_streams(max_streams)
            .with_mki_len(self.mki.map_or(0, |(len, _)| len));
        let built = match self.mki {
            None => SrtpReceiver::new(&self.key, config),
            Some((_, mki)) => SrtpReceiver::new_with_mki(self.suite, config).and_then(|mut r| {
                r.add_key(mki, &self.key)?;
                Ok(r)
            }),
        };
        let mut rx = built.map_err(|e| format!("cannot build the SRTP receiver: {e}"))?;
        if let (Some(ssrc), Some(roc)) = (self.ssrc, self.roc) {
            rx.set_roc(callseal::Ssrc(ssrc), callseal::Roc(roc))
                .map_err(|e| format!("cannot set the ROC of SSRC {ssrc:#010x}: {e}"))?;
        }
        Ok(rx)
    }
}

/// A sender for `key` under `params` and `mki` (bytes).
pub fn sender(
    params: &Params,
    key: &[u8],
    mki: Option<&[u8]>,
    replay_window: u32,
    soft_limit: Option<u64>,
) -> Result<SrtpSender, String> {
    let (_, master) = master_key(params, key)?;
    let mki = mki.map(mki_from_bytes).transpose()?;
    let mut config = config(params.suite()?)
        .with_replay_window(replay_window)
        .with_mki_len(mki.map_or(0, |(len, _)| len));
    if let Some(limit) = soft_limit {
        config = config.with_soft_limit(limit);
    }
    match mki {
        None => SrtpSender::new(&master, config),
        Some((_, mki)) => SrtpSender::new_with_mki(mki, &master, config),
    }
    .map_err(|e| format!("cannot build the SRTP sender: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_and_the_refusals() {
        let p = |rc, ra, cc, ca| Params {
            rtp_cipher: rc,
            rtp_auth: ra,
            rtcp_cipher: cc,
            rtcp_auth: ca,
        };
        use AuthType as A;
        use CipherType as C;
        assert_eq!(
            Params::default().suite(),
            Ok(SrtpSuite::AesCm128HmacSha1_80)
        );
        assert_eq!(
            p(C::Aes128Icm, A::HmacSha1_32, C::Aes128Icm, A::HmacSha1_80).suite(),
            Ok(SrtpSuite::AesCm128HmacSha1_32)
        );
        for auth in [A::Null, A::HmacSha1_32, A::HmacSha1_80] {
            assert_eq!(
                p(C::Aes128Gcm, auth, C::Aes128Gcm, auth).suite(),
                Ok(SrtpSuite::AeadAes128Gcm)
            );
            assert_eq!(
                p(C::Aes256Gcm, auth, C::Aes256Gcm, A::HmacSha1_80).suite(),
                Ok(SrtpSuite::AeadAes256Gcm)
            );
        }
        for (auth, suite) in [
            (A::HmacSha1_80, SrtpSuite::Aes256CmHmacSha1_80),
            (A::HmacSha1_32, SrtpSuite::Aes256CmHmacSha1_32),
        ] {
            assert_eq!(
                p(C::Aes256Icm, auth, C::Aes256Icm, A::HmacSha1_80).suite(),
                Ok(suite)
            );
        }
        for (auth, suite) in [
            (A::HmacSha1_80, SrtpSuite::NullHmacSha1_80),
            (A::HmacSha1_32, SrtpSuite::NullHmacSha1_32),
        ] {
            assert_eq!(p(C::Null, auth, C::Null, A::HmacSha1_80).suite(), Ok(suite));
        }
        // Neither encryption nor authentication: never.
        let err = p(C::Null, A::Null, C::Null, A::Null).suite().unwrap_err();
        assert!(err.contains("rtp-cipher=null rtp-auth=null"), "{err}");
        // AES-192 has no GStreamer cipher type; a mixed cipher pair is refused.
        assert!(
            p(C::Aes256Icm, A::HmacSha1_80, C::Aes128Icm, A::HmacSha1_80)
                .suite()
                .is_err()
        );
        assert!(
            p(C::Aes128Icm, A::HmacSha1_32, C::Aes128Icm, A::HmacSha1_32)
                .suite()
                .is_err()
        );
        assert!(p(C::Aes128Gcm, A::Null, C::Aes128Icm, A::HmacSha1_80)
            .suite()
            .is_err());
    }

    #[test]
    fn mki_lengths() {
        assert_eq!(mki_from_bytes(&[1, 2]), Ok((2, Mki(0x0102))));
        assert!(mki_from_bytes(&[]).is_err());
        assert!(mki_from_bytes(&[0; 5]).is_err());
    }
}
