//! The key ring: the master keys a context holds (one without MKI, up to [`MAX_KEYS`] with),
//! each with its cipher contexts, packet counts and order of arrival.

use super::cipher::KeyCipher;
use super::kdf::SessionKeys;
use super::{Mki, MAX_KEYS};
use crate::crypto::Backend;
use crate::error::{Error, Result};
use crate::secret::{wipe_spare, SrtpMasterKey, MAX_KEY_LIFETIME};
use crate::types::SrtpSuite;

pub(super) struct KeySlot {
    pub(super) mki: [u8; 4],
    pub(super) cipher: KeyCipher,
    pub(super) srtp_used: u64,
    pub(super) srtcp_used: u64,
    /// The key's lifetime: the most SRTP packets, and the most SRTCP packets, it protects.
    pub(super) lifetime: u64,
    /// Order of arrival in this context, from 1: an SSRC removed while this key was held may
    /// not start over until the key is gone.
    serial: u64,
}

/// A master key's cipher contexts and lifetime, not yet in a ring.
pub(super) struct NewKey {
    pub(super) cipher: KeyCipher,
    pub(super) lifetime: u64,
}

impl NewKey {
    /// Contexts with the longest lifetime (session keys given directly carry none).
    pub(super) fn unlimited(cipher: KeyCipher) -> Self {
        NewKey {
            cipher,
            lifetime: MAX_KEY_LIFETIME,
        }
    }
}

/// A key derived and checked, ready to join a key ring without failing.
pub(crate) struct PreparedKey(pub(super) KeySlot);

/// The master keys of a context: one without MKI, up to [`MAX_KEYS`] with.
pub(super) struct KeyRing {
    pub(super) suite: SrtpSuite,
    backend: Backend,
    /// Whether each key also gets its RFC 6904 header extension cipher.
    header_ext: bool,
    pub(super) mki_len: usize,
    pub(super) slots: Vec<KeySlot>,
    serials: u64,
}

impl Drop for KeyRing {
    /// Drop the keys (each wipes its contexts), then zero the whole buffer: the bytes of a
    /// key's padding, and of the larger variant a smaller one does not use, come from wherever
    /// the key was built and may hold other secrets.
    fn drop(&mut self) {
        self.clear();
    }
}

impl KeyRing {
    pub(super) fn new(
        suite: SrtpSuite,
        mki_len: usize,
        backend: Backend,
        header_ext: bool,
    ) -> Self {
        KeyRing {
            suite,
            backend,
            header_ext,
            mki_len,
            slots: Vec::with_capacity(if mki_len == 0 { 1 } else { MAX_KEYS }),
            serials: 0,
        }
    }

    fn next_serial(&mut self) -> u64 {
        self.serials += 1;
        self.serials
    }

    /// The newest key's serial (0 before any key).
    pub(super) fn newest_serial(&self) -> u64 {
        self.slots.iter().map(|s| s.serial).max().unwrap_or(0)
    }

    /// Whether a key that arrived at or before `serial` is still held.
    pub(super) fn holds_serial_up_to(&self, serial: u64) -> bool {
        self.slots.iter().any(|s| s.serial <= serial)
    }

    fn encode(&self, mki: Mki) -> Result<[u8; 4]> {
        let m = self.mki_len;
        if m == 0 {
            return Err(Error::MkiMismatch);
        }
        if m < 4 && mki.0 >> (8 * m) != 0 {
            return Err(Error::MkiTooLong);
        }
        let mut out = [0u8; 4];
        out[..m].copy_from_slice(&mki.0.to_be_bytes()[4 - m..]);
        Ok(out)
    }

    fn position(&self, mki: &[u8]) -> Option<usize> {
        self.slots
            .iter()
            .position(|s| &s.mki[..self.mki_len] == mki)
    }

    /// The key a received packet names with its MKI bytes (ignored without MKI).
    #[inline]
    pub(super) fn for_packet(&self, mki: &[u8]) -> Result<&KeySlot> {
        if self.mki_len == 0 {
            return self.slots.first().ok_or(Error::UnknownKey);
        }
        match self.slots.iter().find(|s| &s.mki[..self.mki_len] == mki) {
            Some(s) => Ok(s),
            None => Err(Error::UnknownKey),
        }
    }

    pub(super) fn cipher_for(&self, key: &SrtpMasterKey) -> Result<NewKey> {
        if key.suite() != self.suite {
            return Err(Error::SuiteMismatch);
        }
        Ok(NewKey {
            cipher: KeyCipher::new(&SessionKeys::derive(key), self.backend, self.header_ext)?,
            lifetime: key.lifetime(),
        })
    }

    pub(super) fn add(&mut self, mki: Mki, key: NewKey) -> Result<usize> {
        let slot = self.check_add(mki, key)?;
        self.push(slot);
        Ok(self.slots.len() - 1)
    }

    /// The slot `mki` would take, checked against the ring as it is now.
    pub(super) fn check_add(&self, mki: Mki, key: NewKey) -> Result<KeySlot> {
        let bytes = self.encode(mki)?;
        if self.position(&bytes[..self.mki_len]).is_some() {
            return Err(Error::DuplicateMki);
        }
        if self.slots.len() >= MAX_KEYS {
            return Err(Error::TooManyKeys);
        }
        Ok(KeySlot {
            mki: bytes,
            cipher: key.cipher,
            srtp_used: 0,
            srtcp_used: 0,
            lifetime: key.lifetime,
            serial: 0,
        })
    }

    pub(super) fn push(&mut self, mut slot: KeySlot) {
        debug_assert!(self.slots.len() < MAX_KEYS);
        slot.serial = self.next_serial();
        self.slots.push(slot);
    }

    pub(super) fn find(&self, mki: Mki) -> Result<usize> {
        let bytes = self.encode(mki)?;
        self.position(&bytes[..self.mki_len])
            .ok_or(Error::UnknownKey)
    }

    pub(super) fn replace_single(&mut self, key: NewKey) -> Result<()> {
        if self.mki_len != 0 {
            return Err(Error::MkiMismatch);
        }
        self.clear();
        let serial = self.next_serial();
        self.slots.push(KeySlot {
            mki: [0; 4],
            cipher: key.cipher,
            srtp_used: 0,
            srtcp_used: 0,
            lifetime: key.lifetime,
            serial,
        });
        Ok(())
    }

    /// Drop the key at `i` (it wipes its contexts) and zero the spare capacity.
    pub(super) fn remove(&mut self, i: usize) {
        drop(self.slots.remove(i));
        wipe_spare(&mut self.slots);
    }

    /// Drop every key (each wipes its contexts) and zero the spare capacity.
    pub(super) fn clear(&mut self) {
        self.slots.clear();
        wipe_spare(&mut self.slots);
    }

    pub(super) fn mki_of(&self, i: usize) -> Mki {
        let mut b = [0u8; 4];
        b[4 - self.mki_len..].copy_from_slice(&self.slots[i].mki[..self.mki_len]);
        Mki(u32::from_be_bytes(b))
    }
}
