//! The KID scheme of a callseal call: the key identifier names the epoch, the direction and the
//! media kind of the stream, so a receiver finds the key from the header alone.

use crate::error::{Error, Malformed, Result};
use crate::types::{Direction, Epoch, KeyId, MediaKind};

/// The stream a call KID names: `KID = (epoch << 3) | (direction << 2) | kind`.
///
/// `direction` is [`Direction::byte`] (0 caller → callee, 1 callee → caller) and `kind` is
/// [`MediaKind::byte`] (0 audio, 1 video, 2 screen; 3 is invalid). Epoch 0 KIDs are 0 to 7 and
/// fit in the SFrame config byte; epoch `e` takes `ceil(log2(8e + 8) / 8)` more bytes.
///
/// Each stream's base key is its own [`crate::schedule::StreamSecret`], so a key installed under one
/// KID never opens a frame of another stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallKid {
    /// The key epoch.
    pub epoch: Epoch,
    /// Which way the stream flows.
    pub direction: Direction,
    /// What it carries.
    pub kind: MediaKind,
}

impl CallKid {
    /// The KID of one stream.
    pub const fn new(epoch: Epoch, direction: Direction, kind: MediaKind) -> Self {
        CallKid {
            epoch,
            direction,
            kind,
        }
    }

    /// Encode as an SFrame KID.
    pub fn kid(self) -> KeyId {
        KeyId(
            (u64::from(self.epoch.0) << 3)
                | (u64::from(self.direction.byte()) << 2)
                | u64::from(self.kind.byte()),
        )
    }

    /// Parse an SFrame KID. Fails with [`Malformed::Field`] for kind 3 or an epoch above
    /// `u32::MAX`.
    pub fn parse(kid: KeyId) -> Result<Self> {
        let epoch = u32::try_from(kid.0 >> 3).map_err(|_| Error::Malformed(Malformed::Field))?;
        Ok(CallKid {
            epoch: Epoch(epoch),
            direction: Direction::from_byte(((kid.0 >> 2) & 1) as u8)?,
            kind: MediaKind::from_byte((kid.0 & 3) as u8)?,
        })
    }
}

impl From<CallKid> for KeyId {
    fn from(k: CallKid) -> KeyId {
        k.kid()
    }
}

impl TryFrom<KeyId> for CallKid {
    type Error = Error;

    fn try_from(kid: KeyId) -> Result<Self> {
        CallKid::parse(kid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn layout() {
        let k = CallKid::new(Epoch(0), Direction::CallerToCallee, MediaKind::Audio);
        assert_eq!(k.kid(), KeyId(0));
        let k = CallKid::new(Epoch(0), Direction::CalleeToCaller, MediaKind::Screen);
        assert_eq!(k.kid(), KeyId(6));
        let k = CallKid::new(Epoch(5), Direction::CalleeToCaller, MediaKind::Video);
        assert_eq!(k.kid(), KeyId(0b10_1101));
        let k = CallKid::new(
            Epoch(u32::MAX),
            Direction::CalleeToCaller,
            MediaKind::Screen,
        );
        assert_eq!(k.kid(), KeyId((u64::from(u32::MAX) << 3) | 6));
        assert_eq!(CallKid::parse(k.kid()), Ok(k));
        let bad = Err(Error::Malformed(Malformed::Field));
        assert_eq!(CallKid::parse(KeyId(3)), bad);
        assert_eq!(CallKid::parse(KeyId(8 + 7)), bad);
        assert_eq!(CallKid::parse(KeyId(1 << 35)), bad);
    }

    proptest! {
        #[test]
        fn round_trip(epoch in any::<u32>(), d in 0u8..2, m in 0u8..3) {
            let k = CallKid::new(
                Epoch(epoch),
                Direction::from_byte(d).unwrap(),
                MediaKind::from_byte(m).unwrap(),
            );
            prop_assert_eq!(CallKid::try_from(KeyId::from(k)), Ok(k));
        }

        #[test]
        fn parse_total(kid in any::<u64>()) {
            match CallKid::parse(KeyId(kid)) {
                Ok(k) => prop_assert_eq!(k.kid(), KeyId(kid)),
                Err(e) => prop_assert_eq!(e, Error::Malformed(Malformed::Field)),
            }
        }
    }
}
