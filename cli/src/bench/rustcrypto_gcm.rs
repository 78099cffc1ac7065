//! RustCrypto's bare AES-GCM as a baseline of `callseal bench`. A file of its own so that the
//! criterion bench, which has `aes-gcm` only with the `rustcrypto` feature, can leave it out.

use super::figures::{nonce, raw_runner, Message, Op, RawCipher, Runner};
use aes_gcm::aead::consts::{U12, U16};
use aes_gcm::aead::{AeadCore, AeadInOut};
use aes_gcm::KeyInit;

struct Gcm<A>(A);

impl<A> RawCipher for Gcm<A>
where
    A: AeadInOut + AeadCore<NonceSize = U12, TagSize = U16>,
{
    fn seal(&mut self, i: u64, mut m: Message<'_>) {
        let (aad, body, tag) = m.parts();
        let t = self
            .0
            .encrypt_inout_detached(&nonce(i).into(), aad, body.into())
            .expect("seal");
        tag.copy_from_slice(&t);
    }

    fn open(&mut self, i: u64, mut m: Message<'_>) {
        let (aad, body, tag) = m.parts();
        let tag: &[u8; 16] = (&*tag).try_into().expect("16-byte tag");
        self.0
            .decrypt_inout_detached(&nonce(i).into(), aad, body.into(), tag.into())
            .expect("open");
    }
}

/// AES-GCM with a `key_len`-byte key over messages of an `aad`-byte header and `size` bytes.
pub fn runner(
    key_len: usize,
    op: Op,
    size: usize,
    aad: usize,
) -> callseal::Result<Box<dyn Runner>> {
    Ok(match key_len {
        16 => raw_runner(
            Gcm(aes_gcm::Aes128Gcm::new(&[7; 16].into())),
            op,
            size,
            aad,
            16,
        ),
        32 => raw_runner(
            Gcm(aes_gcm::Aes256Gcm::new(&[7; 32].into())),
            op,
            size,
            aad,
            16,
        ),
        _ => return Err(callseal::Error::InvalidKeyLength),
    })
}
