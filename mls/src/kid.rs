//! The KID of a group frame (RFC 9605 §5.2): context bits (the media kind), the sender's leaf
//! index, the low bits of the MLS epoch.

use crate::error::{Error, Result};
use callseal::{KeyId, MediaKind};

/// Bits of the MLS epoch a KID carries (`E` in RFC 9605 §5.2).
pub const EPOCH_BITS: u32 = 16;
/// Bits of the sender's leaf index a KID carries (`S` in RFC 9605 §5.2).
pub const INDEX_BITS: u32 = 8;

/// The stream a group KID names:
/// `KID = (kind << (S + E)) | (leaf << E) | (epoch mod 2^E)` with `S` = [`INDEX_BITS`] and `E`
/// = [`EPOCH_BITS`]; `kind` is [`MediaKind::byte`] (0 audio, 1 video, 2 screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupKid {
    /// What the stream carries (the RFC's context field).
    pub kind: MediaKind,
    /// The sender's MLS leaf index.
    pub leaf: u32,
    /// The low [`EPOCH_BITS`] bits of the MLS epoch.
    pub epoch_low: u16,
}

impl GroupKid {
    /// The KID of `kind` sent by `leaf` in MLS epoch `epoch`. Fails with
    /// [`Error::GroupFull`] for a leaf index that does not fit [`INDEX_BITS`].
    pub fn new(kind: MediaKind, leaf: u32, epoch: u64) -> Result<Self> {
        if leaf >= 1 << INDEX_BITS {
            return Err(Error::GroupFull);
        }
        Ok(GroupKid {
            kind,
            leaf,
            epoch_low: (epoch & ((1 << EPOCH_BITS) - 1)) as u16,
        })
    }

    /// Encode as an SFrame KID.
    pub fn kid(self) -> KeyId {
        KeyId(
            (u64::from(self.kind.byte()) << (INDEX_BITS + EPOCH_BITS))
                | (u64::from(self.leaf) << EPOCH_BITS)
                | u64::from(self.epoch_low),
        )
    }

    /// Parse an SFrame KID; [`Error::Frame`] with [`callseal::Error::UnknownKey`] for a KID
    /// outside the scheme (no group key can have it).
    pub fn parse(kid: KeyId) -> Result<Self> {
        let kind = kid.0 >> (INDEX_BITS + EPOCH_BITS);
        let kind = u8::try_from(kind)
            .ok()
            .and_then(|k| MediaKind::from_byte(k).ok())
            .ok_or(Error::Frame(callseal::Error::UnknownKey))?;
        Ok(GroupKid {
            kind,
            leaf: ((kid.0 >> EPOCH_BITS) & ((1 << INDEX_BITS) - 1)) as u32,
            epoch_low: (kid.0 & ((1 << EPOCH_BITS) - 1)) as u16,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_round_trip() {
        let k = GroupKid::new(MediaKind::Audio, 0, 0).unwrap();
        assert_eq!(k.kid(), KeyId(0));
        let k = GroupKid::new(MediaKind::Screen, 3, 0x1_0005).unwrap();
        assert_eq!(k.kid(), KeyId((2 << 24) | (3 << 16) | 5));
        assert_eq!(GroupKid::parse(k.kid()), Ok(k));
        for kid in [0u64, 1, 0xff_ffff, 0x2ff_ffff, 0x155_0007] {
            assert_eq!(GroupKid::parse(KeyId(kid)).unwrap().kid(), KeyId(kid));
        }
        let unknown = Err(Error::Frame(callseal::Error::UnknownKey));
        assert_eq!(GroupKid::parse(KeyId(3 << 24)), unknown);
        assert_eq!(GroupKid::parse(KeyId(u64::MAX)), unknown);
        assert_eq!(
            GroupKid::new(MediaKind::Video, 256, 1),
            Err(Error::GroupFull)
        );
    }
}
