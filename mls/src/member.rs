//! A member's MLS identity: its credential, signature key and key packages, kept in its own
//! RustCrypto provider (the private halves of its key packages stay there until a welcome
//! uses them).

use crate::error::{Error, Result};
use core::fmt;
use openmls::prelude::tls_codec::Serialize as _;
use openmls::prelude::{
    BasicCredential, Ciphersuite, CredentialWithKey, KeyPackage, OpenMlsProvider as _,
};
use openmls_basic_credential::SignatureKeyPair;
use openmls_rust_crypto::OpenMlsRustCrypto;

/// The MLS cipher suite of every group: X25519, AES-128-GCM, SHA-256, Ed25519 (RFC 9420
/// §17.1, `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519`, the one every implementation must
/// support).
pub const MLS_SUITE: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

/// One participant before and while it is in a group: an identity (a basic credential with the
/// application's name for the user), an Ed25519 signature key, and the key store of its key
/// packages. Join a group with the same `Member` that made the key package the welcome names.
pub struct Member {
    pub(crate) provider: OpenMlsRustCrypto,
    pub(crate) signer: SignatureKeyPair,
    pub(crate) credential: CredentialWithKey,
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member").finish_non_exhaustive()
    }
}

impl Member {
    /// A new member named `identity` (the application's user id; MLS authenticates it only
    /// as far as the application checks credentials). Fresh keys come from the system RNG.
    pub fn new(identity: &[u8]) -> Result<Self> {
        let provider = OpenMlsRustCrypto::default();
        let signer =
            SignatureKeyPair::new(MLS_SUITE.signature_algorithm()).map_err(|_| Error::Internal)?;
        signer
            .store(provider.storage())
            .map_err(|_| Error::Internal)?;
        let credential = CredentialWithKey {
            credential: BasicCredential::new(identity.to_vec()).into(),
            signature_key: signer.public().into(),
        };
        Ok(Member {
            provider,
            signer,
            credential,
        })
    }

    /// A new key package (RFC 9420 §10), serialized as an `MLSMessage`: the bytes a member of
    /// a group passes to [`crate::Group::add`]. Its private keys stay in this member.
    pub fn key_package(&self) -> Result<Vec<u8>> {
        let bundle = KeyPackage::builder()
            .build(
                MLS_SUITE,
                &self.provider,
                &self.signer,
                self.credential.clone(),
            )
            .map_err(|_| Error::Internal)?;
        let msg = openmls::prelude::MlsMessageOut::from(bundle.key_package().clone());
        msg.tls_serialize_detached().map_err(|_| Error::Internal)
    }

    /// The identity this member was made with.
    pub fn identity(&self) -> &[u8] {
        self.credential.credential.serialized_content()
    }
}
