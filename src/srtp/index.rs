//! Packet index estimation (RFC 3711 §3.3.1 and Appendix A), as libsrtp does it.

use crate::error::{Error, Result};

/// Half the sequence number space.
const SEQ_MEDIAN: u64 = 1 << 15;

/// Estimate the 48-bit packet index of a packet with sequence number `seq`, given the highest
/// index accepted so far on the stream (`None` before the first packet) and the ROC to assume
/// for the first packet.
///
/// This is RFC 3711 Appendix A: the ROC of the highest index, one less or one more, whichever
/// puts the packet closest to it. Like libsrtp, while the highest index is at most 2^15 the ROC
/// is taken as 0 (a guess of -1 would be meaningless). Past ROC 2^32 - 1 the index does not
/// exist: [`Error::LimitReached`].
#[inline]
pub(crate) fn estimate(highest: Option<u64>, first_roc: u32, seq: u16) -> Result<u64> {
    let seq = seq as u64;
    let Some(h) = highest else {
        return Ok(((first_roc as u64) << 16) | seq);
    };
    if h <= SEQ_MEDIAN {
        return Ok(seq);
    }
    let roc = h >> 16;
    let s_l = h & 0xffff;
    let v = if s_l < SEQ_MEDIAN {
        if seq > s_l && seq - s_l > SEQ_MEDIAN {
            roc - 1
        } else {
            roc
        }
    } else if s_l - SEQ_MEDIAN > seq {
        roc + 1
    } else {
        roc
    };
    if v > u32::MAX as u64 {
        return Err(Error::LimitReached);
    }
    Ok((v << 16) | seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_packet_and_small_indices() {
        assert_eq!(estimate(None, 0, 7), Ok(7));
        assert_eq!(estimate(None, 3, 7), Ok(3 << 16 | 7));
        assert_eq!(estimate(Some(100), 0, 40000), Ok(40000));
        assert_eq!(estimate(Some(32768), 0, 65535), Ok(65535));
    }

    #[test]
    fn wraps_both_ways() {
        let h = 5 << 16 | 65500;
        assert_eq!(estimate(Some(h), 0, 10), Ok(6 << 16 | 10));
        assert_eq!(estimate(Some(h), 0, 65000), Ok(5 << 16 | 65000));
        let h = 5 << 16 | 10;
        assert_eq!(estimate(Some(h), 0, 65500), Ok(4 << 16 | 65500));
        assert_eq!(estimate(Some(h), 0, 20), Ok(5 << 16 | 20));
        // Exactly half the space ahead when below the median: forward.
        assert_eq!(estimate(Some(h), 0, 10 + 32768), Ok(5 << 16 | 32778));
    }

    #[test]
    fn roc_limit() {
        let h = (u32::MAX as u64) << 16 | 65535;
        assert_eq!(estimate(Some(h), 0, 0), Err(Error::LimitReached));
        assert_eq!(estimate(Some(h), 0, 65534), Ok(h - 1));
    }
}
