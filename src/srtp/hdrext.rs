//! Encrypted header extensions (RFC 6904): the data of the RFC 8285 header extension
//! elements whose IDs were negotiated for encryption, XORed with an AES-CM keystream of their
//! own key (KDF label 6) and salt (label 7), at the packet's IV.
//!
//! The keystream runs over the extension block after its 4-byte header, byte for byte: the
//! byte at offset `i` of the block takes keystream byte `i`, and only the data bytes of the
//! chosen elements are changed (the element headers, the other elements and the padding stay
//! as they are). One-byte (`0xBEDE`) and two-byte (`0x100X`) blocks alike; a block of another
//! profile is left alone. The structure is checked before anything is changed.

use super::cipher::{cm_iv, CmCipher};
use crate::error::{Malformed, Result};
use crate::secret::Secret;

/// The set of RFC 8285 extension IDs (1..=255) whose data is encrypted (RFC 6904).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExtensionIds([u64; 4]);

impl ExtensionIds {
    /// No ID: nothing is encrypted.
    pub const NONE: ExtensionIds = ExtensionIds([0; 4]);

    /// With `id` too (0 is the padding byte, never an element: ignored).
    pub fn with(mut self, id: u8) -> Self {
        if id != 0 {
            self.0[(id >> 6) as usize] |= 1 << (id & 63);
        }
        self
    }

    /// Whether `id` is in the set.
    #[inline]
    pub fn contains(self, id: u8) -> bool {
        self.0[(id >> 6) as usize] >> (id & 63) & 1 == 1
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == [0; 4]
    }
}

impl core::fmt::Debug for ExtensionIds {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set()
            .entries((1..=255u8).filter(|&i| self.contains(i)))
            .finish()
    }
}

/// Where an RFC 8285 extension block sits in a packet.
#[derive(Clone, Copy)]
pub(super) struct Block {
    /// First byte after the 4-byte block header.
    start: usize,
    /// One past its last byte.
    end: usize,
    two_byte: bool,
}

/// The RFC 8285 extension block of the RTP packet `p` (header already parsed, so the lengths
/// are consistent), or `None` (no extension, or one of another profile).
#[inline]
pub(super) fn block(p: &[u8]) -> Option<Block> {
    if p[0] & 0x10 == 0 {
        return None;
    }
    let at = 12 + 4 * (p[0] & 0x0f) as usize;
    let profile = u16::from_be_bytes([p[at], p[at + 1]]);
    let words = u16::from_be_bytes([p[at + 2], p[at + 3]]) as usize;
    let two_byte = match profile {
        0xbede => false,
        x if x & 0xfff0 == 0x1000 => true,
        _ => return None,
    };
    Some(Block {
        start: at + 4,
        end: at + 4 + 4 * words,
        two_byte,
    })
}

/// Call `f(packet, offset, len)` for the data of every element of `b` in `ids` (offset from
/// the block start); an element that runs past the block is [`Malformed::Length`]. `f` may
/// change data bytes: the walk reads only IDs and lengths, which stay in the clear.
#[inline]
fn each_chosen(
    p: &mut [u8],
    b: Block,
    ids: ExtensionIds,
    mut f: impl FnMut(&mut [u8], usize, usize),
) -> Result<()> {
    let mut i = b.start;
    while i < b.end {
        let (id, len, head) = if b.two_byte {
            let id = p[i];
            if id == 0 {
                i += 1;
                continue;
            }
            if i + 1 >= b.end {
                return Err(Malformed::Length.into());
            }
            (id, p[i + 1] as usize, 2)
        } else {
            let id = p[i] >> 4;
            if id == 0 {
                i += 1;
                continue;
            }
            if id == 15 {
                break; // RFC 8285 §4.2: stop processing the block
            }
            (id, (p[i] & 0x0f) as usize + 1, 1)
        };
        let data = i + head;
        if data + len > b.end {
            return Err(Malformed::Length.into());
        }
        if ids.contains(id) {
            f(p, data - b.start, len);
        }
        i = data + len;
    }
    Ok(())
}

/// Check the elements of `b` before anything is changed.
pub(super) fn check(p: &mut [u8], b: Block, ids: ExtensionIds) -> Result<()> {
    each_chosen(p, b, ids, |_, _, _| {})
}

/// The header extension cipher of one master key.
pub(crate) struct HeaderCipher {
    pub(super) cipher: CmCipher,
    pub(super) salt: Secret<14>,
}

/// Keystream bytes made at once.
const CHUNK: usize = 64;

impl HeaderCipher {
    /// XOR the keystream into the data of the chosen elements of `b` (checked with [`check`]).
    pub(super) fn apply(&self, p: &mut [u8], b: Block, ids: ExtensionIds, ssrc: u32, index: u64) {
        let iv = u128::from_be_bytes(cm_iv(self.salt.expose(), ssrc, index));
        let mut ks = [0u8; CHUNK];
        let mut have: Option<usize> = None;
        let _ = each_chosen(p, b, ids, |p, off, len| {
            for k in off..off + len {
                let chunk = k / CHUNK;
                if have != Some(chunk) {
                    ks = [0; CHUNK];
                    let ctr = iv.wrapping_add((chunk * CHUNK / 16) as u128);
                    self.cipher.apply(&ctr.to_be_bytes(), &mut ks);
                    have = Some(chunk);
                }
                p[b.start + k] ^= ks[k % CHUNK];
            }
        });
        ks.fill(0);
    }
}
