//! Newtypes for every meaningful integer, and the suite and role enums.

use crate::error::{Error, Result};
use core::fmt;

macro_rules! newtype {
    ($(#[$m:meta])* $name:ident($inner:ty)) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub $inner);

        impl From<$inner> for $name {
            fn from(v: $inner) -> Self {
                $name(v)
            }
        }

        impl From<$name> for $inner {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }
    };
}

newtype!(
    /// RTP synchronization source identifier.
    Ssrc(u32)
);
newtype!(
    /// RTP sequence number.
    SeqNum(u16)
);
newtype!(
    /// SRTP rollover counter: how many times the sequence number wrapped.
    Roc(u32)
);
newtype!(
    /// SRTP packet index, `ROC * 2^16 + SEQ` (48 bits).
    PacketIndex(u64)
);
newtype!(
    /// SRTCP index (31 bits).
    SrtcpIndex(u32)
);
newtype!(
    /// SFrame key identifier.
    KeyId(u64)
);
newtype!(
    /// SFrame frame counter.
    FrameCounter(u64)
);
newtype!(
    /// Key epoch of a call: 0 after the handshake, +1 at every in-call rekey.
    Epoch(u32)
);

impl PacketIndex {
    /// The largest index SRTP allows (2^48 - 1).
    pub const MAX: PacketIndex = PacketIndex((1 << 48) - 1);

    /// Build from rollover counter and sequence number.
    pub fn new(roc: Roc, seq: SeqNum) -> Self {
        PacketIndex(((roc.0 as u64) << 16) | seq.0 as u64)
    }

    /// The rollover counter part.
    pub fn roc(self) -> Roc {
        Roc((self.0 >> 16) as u32)
    }

    /// The sequence number part.
    pub fn seq(self) -> SeqNum {
        SeqNum(self.0 as u16)
    }
}

/// Which way a stream flows in a one-to-one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// From the caller (who sent the Offer) to the callee.
    CallerToCallee = 0,
    /// From the callee to the caller.
    CalleeToCaller = 1,
}

impl Direction {
    /// Both directions.
    pub const ALL: [Direction; 2] = [Direction::CallerToCallee, Direction::CalleeToCaller];

    /// The byte used in key derivation labels.
    pub fn byte(self) -> u8 {
        self as u8
    }

    /// From the label byte.
    pub fn from_byte(b: u8) -> Result<Self> {
        match b {
            0 => Ok(Direction::CallerToCallee),
            1 => Ok(Direction::CalleeToCaller),
            _ => Err(Error::Malformed(crate::error::Malformed::Field)),
        }
    }

    /// The other direction.
    pub fn reverse(self) -> Self {
        match self {
            Direction::CallerToCallee => Direction::CalleeToCaller,
            Direction::CalleeToCaller => Direction::CallerToCallee,
        }
    }
}

names!(Direction, crate::Error::UnknownName, "`caller_to_callee` or `callee_to_caller`.", {
    CallerToCallee => "caller_to_callee",
    CalleeToCaller => "callee_to_caller",
});

/// The kind of media a stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MediaKind {
    /// Audio frames.
    Audio = 0,
    /// Camera video frames.
    Video = 1,
    /// Screen-share frames.
    Screen = 2,
}

impl MediaKind {
    /// All three kinds.
    pub const ALL: [MediaKind; 3] = [MediaKind::Audio, MediaKind::Video, MediaKind::Screen];

    /// The byte used in key derivation labels.
    pub fn byte(self) -> u8 {
        self as u8
    }

    /// From the label byte.
    pub fn from_byte(b: u8) -> Result<Self> {
        match b {
            0 => Ok(MediaKind::Audio),
            1 => Ok(MediaKind::Video),
            2 => Ok(MediaKind::Screen),
            _ => Err(Error::Malformed(crate::error::Malformed::Field)),
        }
    }
}

names!(MediaKind, crate::Error::UnknownName, "`audio`, `video` or `screen`.", {
    Audio => "audio",
    Video => "video",
    Screen => "screen",
});

/// Which end of the handshake this endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sent the Offer.
    Caller,
    /// Answered it.
    Callee,
}

impl Role {
    /// The direction this role sends in.
    pub fn send_direction(self) -> Direction {
        match self {
            Role::Caller => Direction::CallerToCallee,
            Role::Callee => Direction::CalleeToCaller,
        }
    }

    /// The direction this role receives.
    pub fn recv_direction(self) -> Direction {
        self.send_direction().reverse()
    }
}

names!(Role, crate::Error::UnknownName, "`caller` or `callee`.", {
    Caller => "caller",
    Callee => "callee",
});

/// A user's end-to-end encryption intent for one call, carried in the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Intent {
    /// End-to-end encryption off for this user: the call uses standard encryption.
    Off = 0,
    /// On: end-to-end when the other side is on too, else standard.
    On = 1,
    /// Required: end-to-end or the call fails; never a silent downgrade.
    Required = 2,
}

impl Intent {
    /// The wire byte.
    pub fn byte(self) -> u8 {
        self as u8
    }

    /// From the wire byte.
    pub fn from_byte(b: u8) -> Result<Self> {
        match b {
            0 => Ok(Intent::Off),
            1 => Ok(Intent::On),
            2 => Ok(Intent::Required),
            _ => Err(Error::Malformed(crate::error::Malformed::Field)),
        }
    }
}

names!(Intent, crate::Error::UnknownName, "`off`, `on` or `required`.", {
    Off => "off",
    On => "on",
    Required => "required",
});

/// An SRTP protection profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SrtpSuite {
    /// RFC 7714 AES-128-GCM, 16-byte tag.
    AeadAes128Gcm,
    /// RFC 7714 AES-256-GCM, 16-byte tag.
    AeadAes256Gcm,
    /// RFC 3711 AES-128-CM with HMAC-SHA1, 80-bit tag.
    AesCm128HmacSha1_80,
    /// RFC 3711 AES-128-CM with HMAC-SHA1, 32-bit SRTP tag (80-bit on SRTCP).
    AesCm128HmacSha1_32,
    /// RFC 6188 AES-256-CM with HMAC-SHA1, 80-bit tag; AES-256 as the key derivation PRF.
    Aes256CmHmacSha1_80,
    /// RFC 6188 AES-256-CM with HMAC-SHA1, 32-bit SRTP tag (80-bit on SRTCP).
    Aes256CmHmacSha1_32,
    /// RFC 6188 AES-192-CM with HMAC-SHA1, 80-bit tag; AES-192 as the key derivation PRF.
    Aes192CmHmacSha1_80,
    /// RFC 6188 AES-192-CM with HMAC-SHA1, 32-bit SRTP tag (80-bit on SRTCP).
    Aes192CmHmacSha1_32,
    /// RFC 5764 NULL cipher with HMAC-SHA1, 80-bit tag: authentication only, the media is
    /// **not encrypted**. Not in [`SrtpSuite::ALL`]: a context takes it only with
    /// [`SrtpConfig::allow_null_cipher`](crate::srtp::SrtpConfig::allow_null_cipher); the
    /// handshake and the call session never use it.
    NullHmacSha1_80,
    /// RFC 5764 NULL cipher with HMAC-SHA1, 32-bit SRTP tag (80-bit on SRTCP); as
    /// [`SrtpSuite::NullHmacSha1_80`], **not encrypted**.
    NullHmacSha1_32,
}

impl SrtpSuite {
    /// All suites: the four the handshake negotiates ([`SrtpSuite::HANDSHAKE`], in callseal's
    /// default preference order), then the RFC 6188 AES-256-CM and AES-192-CM suites.
    pub const ALL: [SrtpSuite; 8] = [
        SrtpSuite::AeadAes128Gcm,
        SrtpSuite::AeadAes256Gcm,
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::AesCm128HmacSha1_32,
        SrtpSuite::Aes256CmHmacSha1_80,
        SrtpSuite::Aes256CmHmacSha1_32,
        SrtpSuite::Aes192CmHmacSha1_80,
        SrtpSuite::Aes192CmHmacSha1_32,
    ];

    /// The NULL-cipher suites (authentication only, no encryption), kept out of
    /// [`SrtpSuite::ALL`] so that nothing that walks the suites picks one by accident.
    pub const NULL: [SrtpSuite; 2] = [SrtpSuite::NullHmacSha1_80, SrtpSuite::NullHmacSha1_32];

    /// The suites callseal's handshake offers and accepts, in its default preference order:
    /// the ones with a DTLS-SRTP protection profile number, the number the handshake carries.
    /// The RFC 6188 suites have none and are for standard SRTP (SDES, libsrtp peers) only.
    pub const HANDSHAKE: [SrtpSuite; 4] = [
        SrtpSuite::AeadAes128Gcm,
        SrtpSuite::AeadAes256Gcm,
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::AesCm128HmacSha1_32,
    ];

    /// The DTLS-SRTP protection profile number (RFC 5764, RFC 7714), used on the wire; `None`
    /// for the RFC 6188 suites, to which the registry assigns none.
    pub fn id(self) -> Option<u16> {
        match self {
            SrtpSuite::AesCm128HmacSha1_80 => Some(0x0001),
            SrtpSuite::AesCm128HmacSha1_32 => Some(0x0002),
            SrtpSuite::AeadAes128Gcm => Some(0x0007),
            SrtpSuite::AeadAes256Gcm => Some(0x0008),
            SrtpSuite::NullHmacSha1_80 => Some(0x0005),
            SrtpSuite::NullHmacSha1_32 => Some(0x0006),
            SrtpSuite::Aes256CmHmacSha1_80
            | SrtpSuite::Aes256CmHmacSha1_32
            | SrtpSuite::Aes192CmHmacSha1_80
            | SrtpSuite::Aes192CmHmacSha1_32 => None,
        }
    }

    /// From the protection profile number (the NULL-cipher profiles 5 and 6 included).
    pub fn from_id(id: u16) -> Result<Self> {
        Self::ALL
            .into_iter()
            .chain(Self::NULL)
            .find(|x| x.id() == Some(id))
            .ok_or(Error::UnsupportedSuite)
    }

    /// Whether this is a NULL-cipher suite: packets are authenticated, **not encrypted**.
    pub fn is_null_cipher(self) -> bool {
        matches!(
            self,
            SrtpSuite::NullHmacSha1_80 | SrtpSuite::NullHmacSha1_32
        )
    }

    /// Master key length in bytes (16, 24 or 32; 16 for the NULL-cipher suites, whose keys are
    /// derived with AES-128 as libsrtp does).
    pub fn key_len(self) -> usize {
        match self {
            SrtpSuite::AeadAes256Gcm
            | SrtpSuite::Aes256CmHmacSha1_80
            | SrtpSuite::Aes256CmHmacSha1_32 => 32,
            SrtpSuite::Aes192CmHmacSha1_80 | SrtpSuite::Aes192CmHmacSha1_32 => 24,
            _ => 16,
        }
    }

    /// Master salt length in bytes (12 for AES-GCM, 14 for AES-CM).
    pub fn salt_len(self) -> usize {
        match self {
            SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm => 12,
            _ => 14,
        }
    }

    /// Whether this is an AEAD (AES-GCM) suite.
    pub fn is_aead(self) -> bool {
        matches!(self, SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm)
    }

    /// Authentication tag length appended to each SRTP packet.
    pub fn srtp_tag_len(self) -> usize {
        match self {
            SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm => 16,
            SrtpSuite::AesCm128HmacSha1_80
            | SrtpSuite::Aes256CmHmacSha1_80
            | SrtpSuite::Aes192CmHmacSha1_80
            | SrtpSuite::NullHmacSha1_80 => 10,
            SrtpSuite::AesCm128HmacSha1_32
            | SrtpSuite::Aes256CmHmacSha1_32
            | SrtpSuite::Aes192CmHmacSha1_32
            | SrtpSuite::NullHmacSha1_32 => 4,
        }
    }

    /// Authentication tag length appended to each SRTCP packet (80 bits for every HMAC-SHA1
    /// suite, the _32 ones included: RFC 5764 §4.1.2, RFC 6188 §5).
    pub fn srtcp_tag_len(self) -> usize {
        match self {
            SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm => 16,
            _ => 10,
        }
    }

    /// The most bytes SRTP protect adds to an RTP packet.
    pub fn srtp_overhead(self) -> usize {
        self.srtp_tag_len()
    }

    /// The most bytes SRTCP protect adds to an RTCP packet (tag plus the 4-byte E‖index word).
    pub fn srtcp_overhead(self) -> usize {
        self.srtcp_tag_len() + 4
    }
}

names!(SrtpSuite, crate::Error::UnsupportedSuite, "The RFC name, e.g. `AEAD_AES_128_GCM`.", {
    AeadAes128Gcm => "AEAD_AES_128_GCM",
    AeadAes256Gcm => "AEAD_AES_256_GCM",
    AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
    AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
    Aes256CmHmacSha1_80 => "AES_256_CM_HMAC_SHA1_80",
    Aes256CmHmacSha1_32 => "AES_256_CM_HMAC_SHA1_32",
    Aes192CmHmacSha1_80 => "AES_192_CM_HMAC_SHA1_80",
    Aes192CmHmacSha1_32 => "AES_192_CM_HMAC_SHA1_32",
    NullHmacSha1_80 => "NULL_HMAC_SHA1_80",
    NullHmacSha1_32 => "NULL_HMAC_SHA1_32",
});

/// An SFrame cipher suite (RFC 9605 §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SframeSuite {
    /// 0x0001, AES-128-CTR with HMAC-SHA256, 80-bit tag.
    AesCtr128HmacSha256_80,
    /// 0x0002, AES-128-CTR with HMAC-SHA256, 64-bit tag.
    AesCtr128HmacSha256_64,
    /// 0x0003, AES-128-CTR with HMAC-SHA256, 32-bit tag.
    AesCtr128HmacSha256_32,
    /// 0x0004, AES-128-GCM with HKDF-SHA256, 128-bit tag.
    Aes128GcmSha256_128,
    /// 0x0005, AES-256-GCM with HKDF-SHA512, 128-bit tag.
    Aes256GcmSha512_128,
}

impl SframeSuite {
    /// All suites, in callseal's default preference order.
    pub const ALL: [SframeSuite; 5] = [
        SframeSuite::Aes128GcmSha256_128,
        SframeSuite::Aes256GcmSha512_128,
        SframeSuite::AesCtr128HmacSha256_80,
        SframeSuite::AesCtr128HmacSha256_64,
        SframeSuite::AesCtr128HmacSha256_32,
    ];

    /// The RFC 9605 cipher suite number, used on the wire.
    pub fn id(self) -> u16 {
        match self {
            SframeSuite::AesCtr128HmacSha256_80 => 0x0001,
            SframeSuite::AesCtr128HmacSha256_64 => 0x0002,
            SframeSuite::AesCtr128HmacSha256_32 => 0x0003,
            SframeSuite::Aes128GcmSha256_128 => 0x0004,
            SframeSuite::Aes256GcmSha512_128 => 0x0005,
        }
    }

    /// From the cipher suite number.
    pub fn from_id(id: u16) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.id() == id)
            .ok_or(Error::UnsupportedSuite)
    }

    /// Nk: the AEAD key length.
    pub fn key_len(self) -> usize {
        match self {
            SframeSuite::Aes256GcmSha512_128 => 32,
            SframeSuite::Aes128GcmSha256_128 => 16,
            // AES-CTR-HMAC: the derived key is the encryption key and the auth key.
            _ => 48,
        }
    }

    /// Nn: the nonce length.
    pub fn nonce_len(self) -> usize {
        12
    }

    /// Nt: the tag length.
    pub fn tag_len(self) -> usize {
        match self {
            SframeSuite::AesCtr128HmacSha256_80 => 10,
            SframeSuite::AesCtr128HmacSha256_64 => 8,
            SframeSuite::AesCtr128HmacSha256_32 => 4,
            _ => 16,
        }
    }

    /// The most bytes sealing adds to a frame: the longest header (1 + 8 + 8) plus the tag.
    pub fn max_overhead(self) -> usize {
        17 + self.tag_len()
    }
}

names!(SframeSuite, crate::Error::UnsupportedSuite, "The RFC 9605 name, e.g. `AES_128_GCM_SHA256_128`.", {
    AesCtr128HmacSha256_80 => "AES_128_CTR_HMAC_SHA256_80",
    AesCtr128HmacSha256_64 => "AES_128_CTR_HMAC_SHA256_64",
    AesCtr128HmacSha256_32 => "AES_128_CTR_HMAC_SHA256_32",
    Aes128GcmSha256_128 => "AES_128_GCM_SHA256_128",
    Aes256GcmSha512_128 => "AES_256_GCM_SHA512_128",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_names_and_ids_round_trip() {
        for s in SrtpSuite::ALL {
            assert_eq!(s.name().parse::<SrtpSuite>(), Ok(s));
            if let Some(id) = s.id() {
                assert_eq!(SrtpSuite::from_id(id), Ok(s));
            }
        }
        for s in SrtpSuite::HANDSHAKE {
            assert!(s.id().is_some(), "{s}");
            assert!(!s.is_null_cipher());
        }
        for s in SrtpSuite::NULL {
            assert!(s.is_null_cipher() && !SrtpSuite::ALL.contains(&s));
            assert_eq!(s.name().parse::<SrtpSuite>(), Ok(s));
            assert_eq!(SrtpSuite::from_id(s.id().unwrap()), Ok(s));
        }
        for s in SframeSuite::ALL {
            assert_eq!(s.name().parse::<SframeSuite>(), Ok(s));
            assert_eq!(SframeSuite::from_id(s.id()), Ok(s));
        }
        assert_eq!(SrtpSuite::from_id(3), Err(Error::UnsupportedSuite));
        assert_eq!(
            str::parse::<SframeSuite>("nope"),
            Err(Error::UnsupportedSuite)
        );
    }

    #[test]
    fn packet_index_parts() {
        let i = PacketIndex::new(Roc(7), SeqNum(0xfffe));
        assert_eq!(i.0, 7 * 65536 + 0xfffe);
        assert_eq!(i.roc(), Roc(7));
        assert_eq!(i.seq(), SeqNum(0xfffe));
    }
}
