//! The fragment header that cuts a frame into RTP packets.
//!
//! The payload of every packet starts with a 6-byte fragment header:
//! `u16be index ‖ u16be count ‖ u16be chunk`, where every fragment but the last carries exactly
//! `chunk` bytes. Fragments of one frame share the RTP timestamp and have consecutive sequence
//! numbers; the RTP marker bit is set on the last. The receiver puts frames back together by
//! sequence number ([`super::depacketize`]): the header only marks where a frame starts and
//! ends, and is checked against the packets that arrived. Nothing in it sizes a buffer.

use crate::error::{Error, Malformed, Result};

/// Bytes of the fragment header.
pub(crate) const FRAGMENT_HEADER_LEN: usize = 6;
/// Fixed RTP header length the session writes (no CSRCs, no extension).
pub(crate) const RTP_HEADER_LEN: usize = 12;

/// Where one fragment of a frame lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fragment {
    pub(crate) index: u16,
    pub(crate) count: u16,
    pub(crate) chunk: u16,
}

impl Fragment {
    /// How a frame of `len` bytes is cut for payloads of at most `max_payload` bytes.
    pub(crate) fn plan(len: usize, max_payload: usize) -> Result<(u16, u16)> {
        let chunk = max_payload
            .checked_sub(FRAGMENT_HEADER_LEN)
            .filter(|c| *c > 0)
            .ok_or(Error::InvalidConfig)?
            .min(u16::MAX as usize);
        let count = len.div_ceil(chunk).max(1);
        let count = u16::try_from(count).map_err(|_| Error::BufferTooSmall {
            needed: chunk * u16::MAX as usize,
        })?;
        Ok((count, chunk as u16))
    }

    pub(crate) fn write(&self, out: &mut [u8]) {
        out[0..2].copy_from_slice(&self.index.to_be_bytes());
        out[2..4].copy_from_slice(&self.count.to_be_bytes());
        out[4..6].copy_from_slice(&self.chunk.to_be_bytes());
    }

    pub(crate) fn read(payload: &[u8]) -> Result<(Fragment, &[u8])> {
        if payload.len() < FRAGMENT_HEADER_LEN {
            return Err(Malformed::Truncated.into());
        }
        let f = Fragment {
            index: u16::from_be_bytes([payload[0], payload[1]]),
            count: u16::from_be_bytes([payload[2], payload[3]]),
            chunk: u16::from_be_bytes([payload[4], payload[5]]),
        };
        let body = &payload[FRAGMENT_HEADER_LEN..];
        let last = u32::from(f.index) + 1 == u32::from(f.count);
        let ok = f.count > 0
            && f.index < f.count
            && f.chunk > 0
            && if last {
                body.len() <= f.chunk as usize
            } else {
                body.len() == f.chunk as usize
            };
        if !ok {
            return Err(Malformed::Field.into());
        }
        Ok((f, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_and_header_round_trip() {
        assert_eq!(Fragment::plan(5000, 1206).unwrap(), (5, 1200));
        assert_eq!(Fragment::plan(0, 1206).unwrap(), (1, 1200));
        assert!(Fragment::plan(10, 6).is_err());
        let f = Fragment {
            index: 2,
            count: 5,
            chunk: 1200,
        };
        let mut p = vec![0u8; FRAGMENT_HEADER_LEN];
        f.write(&mut p);
        p.extend_from_slice(&[9; 1200]);
        assert_eq!(Fragment::read(&p).unwrap().0, f);
    }

    #[test]
    fn bad_headers_rejected() {
        assert!(Fragment::read(&[0, 0, 0]).is_err());
        assert!(Fragment::read(&[0, 1, 0, 1, 0, 0]).is_err()); // chunk 0
        assert!(Fragment::read(&[0, 2, 0, 2, 0, 4, 1, 2, 3, 4]).is_err()); // index >= count
        assert!(Fragment::read(&[0, 0, 0, 2, 0, 4, 1, 2, 3]).is_err()); // short middle fragment
        assert!(Fragment::read(&[0, 1, 0, 2, 0, 4, 1, 2, 3, 4, 5]).is_err()); // long last fragment
                                                                              // Index and count at their maximum (found by fuzzing: an overflow in the last-fragment
                                                                              // test).
        assert!(Fragment::read(&[0xff, 0xff, 0xff, 0xff, 0, 1, 7]).is_err());
        assert!(Fragment::read(&[0xff, 0xfe, 0xff, 0xff, 0, 1, 7]).is_ok());
    }
}
