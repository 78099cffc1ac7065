//! Zero-copy views of RTP and RTCP headers.

use crate::error::{Malformed, Result};
use crate::types::{SeqNum, Ssrc};

/// Length of the fixed RTP header.
pub const RTP_FIXED_HEADER_LEN: usize = 12;
/// Length of the RTCP header that SRTCP leaves in the clear (common header and sender SSRC).
pub const RTCP_HEADER_LEN: usize = 8;

/// A borrowed, validated RTP header (RFC 3550 §5.1), with its CSRC list and extension.
///
/// Parsing checks the version (2), that the CSRC list is present, and that the header extension
/// fits in the bytes given; it copies nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpHeader<'a> {
    bytes: &'a [u8],
    header_len: usize,
}

impl<'a> RtpHeader<'a> {
    /// Parse the header at the start of `packet`.
    ///
    /// Errors: [`Malformed::Truncated`] when the fixed header, the CSRC list or the extension
    /// header is cut short; [`Malformed::Version`] when the version is not 2;
    /// [`Malformed::Length`] when the extension length field runs past the end of `packet`.
    #[inline]
    pub fn parse(packet: &'a [u8]) -> Result<Self> {
        if packet.len() < RTP_FIXED_HEADER_LEN {
            return Err(Malformed::Truncated.into());
        }
        let b0 = packet[0];
        if b0 >> 6 != 2 {
            return Err(Malformed::Version.into());
        }
        let mut header_len = RTP_FIXED_HEADER_LEN + 4 * (b0 & 0x0f) as usize;
        if packet.len() < header_len {
            return Err(Malformed::Truncated.into());
        }
        if b0 & 0x10 != 0 {
            if packet.len() < header_len + 4 {
                return Err(Malformed::Truncated.into());
            }
            let words = u16::from_be_bytes([packet[header_len + 2], packet[header_len + 3]]);
            header_len += 4 + 4 * words as usize;
            if packet.len() < header_len {
                return Err(Malformed::Length.into());
            }
        }
        Ok(RtpHeader {
            bytes: packet,
            header_len,
        })
    }

    /// The version field (always 2 once parsed).
    pub fn version(&self) -> u8 {
        self.bytes[0] >> 6
    }

    /// The padding bit.
    pub fn padding(&self) -> bool {
        self.bytes[0] & 0x20 != 0
    }

    /// The extension bit.
    pub fn has_extension(&self) -> bool {
        self.bytes[0] & 0x10 != 0
    }

    /// The number of CSRCs (0..=15).
    pub fn csrc_count(&self) -> u8 {
        self.bytes[0] & 0x0f
    }

    /// The marker bit.
    pub fn marker(&self) -> bool {
        self.bytes[1] & 0x80 != 0
    }

    /// The payload type (7 bits).
    pub fn payload_type(&self) -> u8 {
        self.bytes[1] & 0x7f
    }

    /// The sequence number.
    #[inline]
    pub fn sequence_number(&self) -> SeqNum {
        SeqNum(u16::from_be_bytes([self.bytes[2], self.bytes[3]]))
    }

    /// The timestamp.
    pub fn timestamp(&self) -> u32 {
        u32::from_be_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }

    /// The synchronization source.
    #[inline]
    pub fn ssrc(&self) -> Ssrc {
        Ssrc(u32::from_be_bytes([
            self.bytes[8],
            self.bytes[9],
            self.bytes[10],
            self.bytes[11],
        ]))
    }

    /// The `i`-th contributing source, if there are more than `i`.
    pub fn csrc(&self, i: usize) -> Option<Ssrc> {
        if i >= self.csrc_count() as usize {
            return None;
        }
        let o = RTP_FIXED_HEADER_LEN + 4 * i;
        Some(Ssrc(u32::from_be_bytes([
            self.bytes[o],
            self.bytes[o + 1],
            self.bytes[o + 2],
            self.bytes[o + 3],
        ])))
    }

    /// All contributing sources.
    pub fn csrcs(&self) -> impl Iterator<Item = Ssrc> + '_ {
        (0..self.csrc_count() as usize).filter_map(move |i| self.csrc(i))
    }

    fn extension_offset(&self) -> Option<usize> {
        self.has_extension()
            .then(|| RTP_FIXED_HEADER_LEN + 4 * self.csrc_count() as usize)
    }

    /// The 16-bit profile field of the header extension (for example `0xBEDE` for RFC 8285
    /// one-byte extensions), if there is an extension.
    pub fn extension_profile(&self) -> Option<u16> {
        self.extension_offset()
            .map(|o| u16::from_be_bytes([self.bytes[o], self.bytes[o + 1]]))
    }

    /// The length of the extension data in bytes (the length field times 4), if there is an
    /// extension.
    pub fn extension_len(&self) -> Option<usize> {
        self.extension_offset()
            .map(|o| 4 * u16::from_be_bytes([self.bytes[o + 2], self.bytes[o + 3]]) as usize)
    }

    /// The extension data (after the 4-byte extension header), if there is an extension.
    pub fn extension_data(&self) -> Option<&'a [u8]> {
        let o = self.extension_offset()?;
        Some(&self.bytes[o + 4..self.header_len])
    }

    /// The length of the whole header: fixed part, CSRCs and extension.
    #[inline]
    pub fn header_len(&self) -> usize {
        self.header_len
    }

    /// The header bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        &self.bytes[..self.header_len]
    }

    /// Everything after the header in the slice given to [`RtpHeader::parse`].
    pub fn payload(&self) -> &'a [u8] {
        &self.bytes[self.header_len..]
    }
}

/// A borrowed view of the first RTCP header of a (compound) RTCP packet (RFC 3550 §6.4): the
/// common header and the sender SSRC, the part SRTCP leaves in the clear.
///
/// Parsing checks the version (2) and that 8 bytes are present. The length field is reported but
/// not checked against the packet: it covers the first RTCP packet of a compound packet only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtcpHeader<'a> {
    bytes: &'a [u8],
}

impl<'a> RtcpHeader<'a> {
    /// Parse the header at the start of `packet`.
    ///
    /// Errors: [`Malformed::Truncated`] below 8 bytes; [`Malformed::Version`] when the version
    /// is not 2.
    #[inline]
    pub fn parse(packet: &'a [u8]) -> Result<Self> {
        if packet.len() < RTCP_HEADER_LEN {
            return Err(Malformed::Truncated.into());
        }
        if packet[0] >> 6 != 2 {
            return Err(Malformed::Version.into());
        }
        Ok(RtcpHeader { bytes: packet })
    }

    /// The version field (always 2 once parsed).
    pub fn version(&self) -> u8 {
        self.bytes[0] >> 6
    }

    /// The padding bit.
    pub fn padding(&self) -> bool {
        self.bytes[0] & 0x20 != 0
    }

    /// The 5-bit count field (reception report count, source count or subtype).
    pub fn count(&self) -> u8 {
        self.bytes[0] & 0x1f
    }

    /// The packet type (200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, ...).
    pub fn packet_type(&self) -> u8 {
        self.bytes[1]
    }

    /// The length field: the first RTCP packet's length in 32-bit words minus one.
    pub fn length_words(&self) -> u16 {
        u16::from_be_bytes([self.bytes[2], self.bytes[3]])
    }

    /// The sender's SSRC.
    #[inline]
    pub fn ssrc(&self) -> Ssrc {
        Ssrc(u32::from_be_bytes([
            self.bytes[4],
            self.bytes[5],
            self.bytes[6],
            self.bytes[7],
        ]))
    }

    /// The 8 header bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        &self.bytes[..RTCP_HEADER_LEN]
    }
}

/// RTP/RTCP demultiplexing on one port (RFC 5761 §4): `true` when the second byte is in
/// 192..=223, the RTCP packet types that cannot be an RTP marker bit and payload type in use.
/// Expects a version-2 packet of at least 2 bytes; shorter input is not RTCP.
#[inline]
pub fn is_rtcp(packet: &[u8]) -> bool {
    packet.len() >= 2 && (192..=223).contains(&packet[1])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn rtp_fields() {
        let mut p = vec![0x92, 0xe0, 0x12, 0x34, 1, 2, 3, 4, 0xca, 0xfe, 0xba, 0xbe];
        p.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]); // 2 CSRCs
        p.extend_from_slice(&[0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0]); // extension, 1 word
        p.extend_from_slice(b"payload");
        let h = RtpHeader::parse(&p).unwrap();
        assert_eq!(h.version(), 2);
        assert!(!h.padding());
        assert!(h.has_extension());
        assert_eq!(h.csrc_count(), 2);
        assert!(h.marker());
        assert_eq!(h.payload_type(), 0x60);
        assert_eq!(h.sequence_number(), SeqNum(0x1234));
        assert_eq!(h.timestamp(), 0x01020304);
        assert_eq!(h.ssrc(), Ssrc(0xcafebabe));
        assert_eq!(h.csrcs().collect::<Vec<_>>(), vec![Ssrc(1), Ssrc(2)]);
        assert_eq!(h.csrc(2), None);
        assert_eq!(h.extension_profile(), Some(0xbede));
        assert_eq!(h.extension_len(), Some(4));
        assert_eq!(h.extension_data(), Some(&[0x10, 0xaa, 0, 0][..]));
        assert_eq!(h.header_len(), 28);
        assert_eq!(h.payload(), b"payload");
    }

    #[test]
    fn rtp_errors() {
        let t = Error::Malformed(Malformed::Truncated);
        assert_eq!(RtpHeader::parse(&[0x80; 11]), Err(t));
        assert_eq!(
            RtpHeader::parse(&[0x40; 12]),
            Err(Error::Malformed(Malformed::Version))
        );
        // 1 CSRC announced, none present.
        assert_eq!(
            RtpHeader::parse(&[0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(t)
        );
        // Extension bit without extension header.
        assert_eq!(
            RtpHeader::parse(&[0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            Err(t)
        );
        // Extension length past the end.
        let p = [
            0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 2, 0, 0, 0, 0,
        ];
        assert_eq!(
            RtpHeader::parse(&p),
            Err(Error::Malformed(Malformed::Length))
        );
        let h = RtpHeader::parse(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap();
        assert_eq!(h.extension_len(), None);
        assert!(h.payload().is_empty());
    }

    #[test]
    fn rtcp_fields_and_demux() {
        let p = [0x81, 200, 0, 6, 0xca, 0xfe, 0xba, 0xbe, 9];
        let h = RtcpHeader::parse(&p).unwrap();
        assert_eq!(h.count(), 1);
        assert_eq!(h.packet_type(), 200);
        assert_eq!(h.length_words(), 6);
        assert_eq!(h.ssrc(), Ssrc(0xcafebabe));
        assert_eq!(h.as_bytes(), &p[..8]);
        assert!(is_rtcp(&p));
        assert!(!is_rtcp(&[0x80, 0x60]));
        assert!(!is_rtcp(&[0x80, 0xe0]));
        assert!(!is_rtcp(&[0x80]));
        assert_eq!(
            RtcpHeader::parse(&p[..7]),
            Err(Error::Malformed(Malformed::Truncated))
        );
        assert_eq!(
            RtcpHeader::parse(&[0, 200, 0, 0, 0, 0, 0, 0]),
            Err(Error::Malformed(Malformed::Version))
        );
    }
}
