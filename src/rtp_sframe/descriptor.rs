//! The one-byte SFrame payload descriptor and how a payload is cut into packets.

use crate::error::{Error, Malformed, Result};

/// Bytes of the SFrame payload descriptor in front of every RTP payload.
pub const DESCRIPTOR_LEN: usize = 1;
/// Fixed RTP header length (no CSRCs, no extension), as the call session writes it.
pub const RTP_HEADER_LEN: usize = 12;

const S_BIT: u8 = 0x80;
const E_BIT: u8 = 0x40;
const T_BIT: u8 = 0x20;

/// What an SFrame ciphertext protects: the T bit of the descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadOrigin {
    /// T = 0: a whole media frame (per-frame SFrame), or, without SFrame, the plain frame.
    Raw,
    /// T = 1: the payload of one media-format-specific RTP packet (per-packet SFrame).
    Packetized,
}

/// The first byte of every SFrame RTP payload: `S E T x x x x x`, most significant bit first.
/// S marks the first packet of an SFrame ciphertext, E the last, T the payload origin; the five
/// reserved bits are sent as 0 and ignored on receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Descriptor {
    /// S: the first packet of the ciphertext.
    pub start: bool,
    /// E: the last packet of the ciphertext.
    pub end: bool,
    /// T: raw (0) or packetized (1).
    pub origin: PayloadOrigin,
}

impl Descriptor {
    /// The descriptor of packet `index` of `count` carrying content of `origin`.
    pub fn nth(index: usize, count: usize, origin: PayloadOrigin) -> Descriptor {
        Descriptor {
            start: index == 0,
            end: index + 1 == count,
            origin,
        }
    }

    /// The descriptor byte.
    pub fn to_byte(self) -> u8 {
        let mut b = 0;
        if self.start {
            b |= S_BIT;
        }
        if self.end {
            b |= E_BIT;
        }
        if self.origin == PayloadOrigin::Packetized {
            b |= T_BIT;
        }
        b
    }

    /// Read a descriptor byte; the reserved bits are ignored, as the draft asks.
    pub fn from_byte(b: u8) -> Descriptor {
        Descriptor {
            start: b & S_BIT != 0,
            end: b & E_BIT != 0,
            origin: if b & T_BIT != 0 {
                PayloadOrigin::Packetized
            } else {
                PayloadOrigin::Raw
            },
        }
    }

    /// Split an RTP payload into its descriptor and the fragment behind it:
    /// [`Malformed::Truncated`] for an empty payload.
    pub fn split(payload: &[u8]) -> Result<(Descriptor, &[u8])> {
        match payload.split_first() {
            Some((b, rest)) => Ok((Descriptor::from_byte(*b), rest)),
            None => Err(Malformed::Truncated.into()),
        }
    }
}

/// How `len` bytes are cut for RTP payloads of at most `max_payload` bytes, descriptor included:
/// `(count, chunk)`, every fragment but the last carrying exactly `chunk` bytes. An empty
/// payload still takes one packet. [`Error::InvalidConfig`] when `max_payload` leaves no room
/// behind the descriptor.
pub fn plan(len: usize, max_payload: usize) -> Result<(usize, usize)> {
    let chunk = max_payload
        .checked_sub(DESCRIPTOR_LEN)
        .filter(|c| *c > 0)
        .ok_or(Error::InvalidConfig)?;
    Ok((len.div_ceil(chunk).max(1), chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_descriptor_byte_round_trips_its_bits() {
        for b in 0..=255u8 {
            let d = Descriptor::from_byte(b);
            // The reserved bits are dropped, the S, E and T bits kept.
            assert_eq!(d.to_byte(), b & 0xe0);
            assert_eq!(Descriptor::from_byte(d.to_byte()), d);
        }
        let d = Descriptor::nth(0, 1, PayloadOrigin::Packetized);
        assert_eq!(d.to_byte(), 0xe0);
        assert_eq!(Descriptor::nth(0, 3, PayloadOrigin::Raw).to_byte(), 0x80);
        assert_eq!(Descriptor::nth(1, 3, PayloadOrigin::Raw).to_byte(), 0x00);
        assert_eq!(Descriptor::nth(2, 3, PayloadOrigin::Raw).to_byte(), 0x40);
        assert!(Descriptor::split(&[]).is_err());
        assert_eq!(Descriptor::split(&[0xc0, 7]).unwrap().1, &[7]);
    }

    #[test]
    fn plans() {
        assert_eq!(plan(5000, 1001).unwrap(), (5, 1000));
        assert_eq!(plan(5001, 1001).unwrap(), (6, 1000));
        assert_eq!(plan(0, 1001).unwrap(), (1, 1000));
        assert!(plan(10, 1).is_err());
        assert!(plan(10, 0).is_err());
    }
}
