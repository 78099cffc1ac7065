//! The SFrame header (RFC 9605 §4.3): a config byte, then the KID and the CTR when they do not
//! fit in it.

use crate::error::{Error, Malformed, Result};
use crate::types::{FrameCounter, KeyId};

/// An SFrame header: the key identifier and the frame counter.
///
/// Both are encoded as compact big-endian integers: a value below 8 lives in the config byte,
/// a larger one follows it in the fewest bytes that hold it (KID first, then CTR). Decoding is
/// strict: a value that is not minimally encoded is [`Malformed::Field`], so every `(KID, CTR)`
/// pair has exactly one header.
///
/// ```text
///  0 1 2 3 4 5 6 7
/// +-+-----+-+-----+---------------------+---------------------+
/// |X|  K  |Y|  C  | KID (K+1 bytes if X) | CTR (C+1 bytes if Y) |
/// +-+-----+-+-----+---------------------+---------------------+
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    kid: KeyId,
    ctr: FrameCounter,
}

/// Bytes after the config byte that encode `v` (0 when it fits in 3 bits).
#[inline]
const fn ext_len(v: u64) -> usize {
    if v < 8 {
        0
    } else {
        8 - (v.leading_zeros() as usize / 8)
    }
}

/// Read a compact value whose 3-bit field is `field`, extended when `extended`; returns the value
/// and the bytes it took from `rest`.
#[inline]
fn read_value(field: u8, extended: bool, rest: &[u8]) -> Result<(u64, usize)> {
    if !extended {
        return Ok((u64::from(field), 0));
    }
    let len = usize::from(field) + 1;
    let v = match rest.get(..8) {
        // One 8-byte load, shifted down to the field's bytes.
        Some(word) if len <= 8 => {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            u64::from_be_bytes(w) >> (64 - 8 * len as u32)
        }
        _ => rest
            .get(..len)
            .ok_or(Malformed::Truncated)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    };
    if ext_len(v) != len {
        return Err(Error::Malformed(Malformed::Field));
    }
    Ok((v, len))
}

impl Header {
    /// The longest header: the config byte, an 8-byte KID and an 8-byte CTR.
    pub const MAX_LEN: usize = 17;

    /// A header for `kid` and `ctr`.
    pub const fn new(kid: KeyId, ctr: FrameCounter) -> Self {
        Header { kid, ctr }
    }

    /// The key identifier.
    pub const fn kid(&self) -> KeyId {
        self.kid
    }

    /// The frame counter.
    pub const fn ctr(&self) -> FrameCounter {
        self.ctr
    }

    /// The length of the encoded header, 1 to [`Header::MAX_LEN`] bytes.
    #[inline]
    pub const fn encoded_len(&self) -> usize {
        1 + ext_len(self.kid.0) + ext_len(self.ctr.0)
    }

    /// Write the encoded header right-aligned into `out`: it is `out[MAX_LEN - len..]`; the
    /// bytes before it are overwritten too. Built in registers and written with a byte and one
    /// 16-byte value, so that reading it back soon after (as AES-GCM does with its additional
    /// data) is forwarded from the stores instead of stalling on a mix of narrow ones.
    #[inline]
    pub(crate) fn write_right_aligned(&self, out: &mut [u8; Header::MAX_LEN]) -> usize {
        let (kid, ctr) = (self.kid.0, self.ctr.0);
        let (klen, clen) = (ext_len(kid), ext_len(ctr));
        let len = 1 + klen + clen;
        let k = if klen == 0 {
            (kid as u8) << 4
        } else {
            0x80 | (((klen - 1) as u8) << 4)
        };
        let c = if clen == 0 {
            ctr as u8
        } else {
            0x08 | (clen - 1) as u8
        };
        let config = k | c;
        let kid_part = if klen == 0 { 0 } else { u128::from(kid) };
        let ctr_part = if clen == 0 { 0 } else { u128::from(ctr) };
        // KID and CTR take at most 16 bytes; the config byte joins them when it fits.
        let mut tail = (kid_part << (8 * clen)) | ctr_part;
        if len <= 16 {
            tail |= u128::from(config) << (8 * (len - 1));
        }
        out[0] = config;
        out[1..].copy_from_slice(&tail.to_be_bytes());
        len
    }

    /// Write the header at the start of `out`; returns its length.
    ///
    /// Fails with [`Error::BufferTooSmall`] when `out` is shorter than
    /// [`Header::encoded_len`].
    #[inline]
    pub fn encode(&self, out: &mut [u8]) -> Result<usize> {
        let mut bytes = [0u8; Header::MAX_LEN];
        let len = self.write_right_aligned(&mut bytes);
        out.get_mut(..len)
            .ok_or(Error::BufferTooSmall { needed: len })?
            .copy_from_slice(&bytes[Header::MAX_LEN - len..]);
        Ok(len)
    }

    /// Parse the header at the start of `buf`; returns it and its encoded length.
    ///
    /// Errors: [`Malformed::Truncated`] when `buf` ends inside the header, [`Malformed::Field`]
    /// when the KID or the CTR is not minimally encoded.
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<(Header, usize)> {
        let (&config, rest) = buf.split_first().ok_or(Malformed::Truncated)?;
        let (kid, klen) = read_value((config >> 4) & 7, config & 0x80 != 0, rest)?;
        let (ctr, clen) = read_value(config & 7, config & 0x08 != 0, &rest[klen..])?;
        Ok((Header::new(KeyId(kid), FrameCounter(ctr)), 1 + klen + clen))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn short_and_long_forms() {
        let mut b = [0u8; Header::MAX_LEN];
        let h = Header::new(KeyId(3), FrameCounter(5));
        assert_eq!(h.encode(&mut b), Ok(1));
        assert_eq!(b[0], 0x35);
        let h = Header::new(KeyId(0x123), FrameCounter(0x4567));
        assert_eq!(h.encode(&mut b), Ok(5));
        assert_eq!(&b[..5], &[0x99, 0x01, 0x23, 0x45, 0x67]);
        let h = Header::new(KeyId(u64::MAX), FrameCounter(u64::MAX));
        assert_eq!(h.encode(&mut b), Ok(17));
        assert_eq!(b[0], 0xff);
        assert_eq!(Header::decode(&b), Ok((h, 17)));
        assert_eq!(
            h.encode(&mut b[..16]),
            Err(Error::BufferTooSmall { needed: 17 })
        );
    }

    #[test]
    fn rejects_truncated_and_non_minimal() {
        let t = Err(Error::Malformed(Malformed::Truncated));
        let f = Err(Error::Malformed(Malformed::Field));
        assert_eq!(Header::decode(&[]), t);
        assert_eq!(Header::decode(&[0x08]), t);
        assert_eq!(Header::decode(&[0x90, 0x01]), t);
        assert_eq!(Header::decode(&[0x88, 0x08]), t);
        // 7 in an extended field belongs in the config byte.
        assert_eq!(Header::decode(&[0x08, 0x07]), f);
        assert_eq!(Header::decode(&[0x80, 0x07]), f);
        // A leading zero byte is not minimal.
        assert_eq!(Header::decode(&[0x09, 0x00, 0xff]), f);
        assert_eq!(Header::decode(&[0x90, 0x00, 0x08]), f);
        assert_eq!(
            Header::decode(&[0x08, 0x08, 0xaa]),
            Ok((Header::new(KeyId(0), FrameCounter(8)), 2))
        );
    }

    proptest! {
        #[test]
        fn round_trip(kid in any::<u64>(), ctr in any::<u64>(), shift in 0u32..64, tail in proptest::collection::vec(any::<u8>(), 0..4)) {
            let h = Header::new(KeyId(kid >> shift), FrameCounter(ctr >> (63 - shift)));
            let mut b = [0u8; Header::MAX_LEN + 4];
            let n = h.encode(&mut b).unwrap();
            prop_assert_eq!(n, h.encoded_len());
            b[n..n + tail.len()].copy_from_slice(&tail);
            prop_assert_eq!(Header::decode(&b[..n + tail.len()]), Ok((h, n)));
            for cut in 0..n {
                prop_assert_eq!(Header::decode(&b[..cut]), Err(Error::Malformed(Malformed::Truncated)));
            }
        }

        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..20)) {
            if let Ok((h, n)) = Header::decode(&bytes) {
                let mut b = [0u8; Header::MAX_LEN];
                prop_assert_eq!(h.encode(&mut b), Ok(n));
                prop_assert_eq!(&b[..n], &bytes[..n]);
            }
        }
    }
}
