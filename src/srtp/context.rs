//! What the sender and the receiver share: [`Context`], the settings, key ring and per-SSRC
//! streams of one direction, with the key and stream management that is the same in both.

use super::cipher::{KeyCipher, Layout};
use super::kdf::SessionKeys;
use super::keyring::{KeyRing, NewKey, PreparedKey};
use super::streams::{SrtcpState, Streams};
use super::{Mki, SrtpConfig};
#[cfg(doc)]
use super::{SrtpReceiver, SrtpSender};
use crate::error::{Error, Result};
use crate::secret::SrtpMasterKey;
use crate::types::{PacketIndex, Roc, SrtcpIndex, SrtpSuite, Ssrc};
use core::fmt;

fn mki_len_checked(suite: SrtpSuite, config: &SrtpConfig, with_mki: bool) -> Result<()> {
    config.validate()?;
    if suite.is_null_cipher() && !config.allow_null_cipher {
        return Err(Error::InvalidConfig);
    }
    if let Some(rcc) = config.rcc {
        rcc.check(suite)?;
    }
    if config.cryptex && (config.rcc.is_some() || suite.is_null_cipher()) {
        return Err(Error::InvalidConfig);
    }
    // RFC 6904: the AES-CM suites, and never together with cryptex (RFC 9335 §4).
    let ext = !config.encrypted_extensions.is_empty();
    if ext && (config.cryptex || config.rcc.is_some() || suite.is_aead() || suite.is_null_cipher())
    {
        return Err(Error::InvalidConfig);
    }
    if with_mki != (config.mki_len != 0) {
        return Err(Error::MkiMismatch);
    }
    Ok(())
}

/// The state of one direction: settings, master keys and per-SSRC streams, each stream with
/// the direction's SRTCP state `C`. [`SrtpSender`] and [`SrtpReceiver`] each hold one and add
/// their packet paths; the methods here are the ones both have, documented on the public types.
pub(super) struct Context<C> {
    pub(super) config: SrtpConfig,
    pub(super) layout: Layout,
    pub(super) keys: KeyRing,
    pub(super) streams: Streams<C>,
}

impl<C: SrtcpState> Context<C> {
    fn empty(suite: SrtpSuite, config: SrtpConfig) -> Self {
        Context {
            layout: Layout::new(suite, config.rcc),
            keys: KeyRing::new(
                suite,
                config.mki_len,
                config.backend,
                !config.encrypted_extensions.is_empty(),
            ),
            streams: Streams::new(&config),
            config,
        }
    }

    /// One master key and no MKI (`config.mki_len` must be 0).
    pub(super) fn new(key: &SrtpMasterKey, config: SrtpConfig) -> Result<Self> {
        crate::secret::scrubbed(|| {
            mki_len_checked(key.suite(), &config, false)?;
            let mut s = Self::empty(key.suite(), config);
            let c = s.keys.cipher_for(key)?;
            s.keys.replace_single(c)?;
            Ok(s)
        })
    }

    /// With MKI (`config.mki_len` 1..=4) and no key yet.
    pub(super) fn with_mki(suite: SrtpSuite, config: SrtpConfig) -> Result<Self> {
        mki_len_checked(suite, &config, true)?;
        Ok(Self::empty(suite, config))
    }

    /// Keyed with session keys directly, skipping the key derivation (no MKI).
    pub(super) fn from_session_keys(keys: &SessionKeys, config: SrtpConfig) -> Result<Self> {
        crate::secret::scrubbed(|| {
            mki_len_checked(keys.suite(), &config, false)?;
            let mut s = Self::empty(keys.suite(), config);
            s.keys.replace_single(NewKey::unlimited(KeyCipher::new(
                keys,
                config.backend,
                !config.encrypted_extensions.is_empty(),
            )?))?;
            Ok(s)
        })
    }

    /// Replace the master key (contexts without MKI), keeping every stream.
    pub(super) fn rekey(&mut self, key: &SrtpMasterKey) -> Result<()> {
        crate::secret::scrubbed(|| {
            if self.keys.mki_len != 0 {
                return Err(Error::MkiMismatch);
            }
            let c = self.keys.cipher_for(key)?;
            self.keys.replace_single(c)?;
            self.streams.purge_retired(&self.keys);
            Ok(())
        })
    }

    /// Add a master key under `mki` (contexts with MKI).
    pub(super) fn add_key(&mut self, mki: Mki, key: &SrtpMasterKey) -> Result<()> {
        crate::secret::scrubbed(|| {
            let c = self.keys.cipher_for(key)?;
            self.keys.add(mki, c).map(|_| ())
        })
    }

    /// Drop the key at `i` in the ring.
    pub(super) fn remove_key_at(&mut self, i: usize) {
        self.keys.remove(i);
        self.streams.purge_retired(&self.keys);
    }

    /// Derive and check a key to add later, without touching the context.
    pub(super) fn prepare_key(&self, mki: Mki, key: &SrtpMasterKey) -> Result<PreparedKey> {
        crate::secret::scrubbed(|| {
            let c = self.keys.cipher_for(key)?;
            Ok(PreparedKey(self.keys.check_add(mki, c)?))
        })
    }

    /// Start the stream `ssrc` at rollover counter `roc`, before its first RTP packet.
    pub(super) fn set_roc(&mut self, ssrc: Ssrc, roc: Roc) -> Result<()> {
        let s = self.streams.entry(ssrc.0, &self.keys)?.or_start()?;
        if s.rtp.top().is_some() {
            return Err(Error::StreamStarted);
        }
        s.first_roc = roc.0;
        Ok(())
    }

    /// The highest RTP packet index of `ssrc`.
    pub(super) fn highest_index(&self, ssrc: Ssrc) -> Option<PacketIndex> {
        self.streams.get(ssrc.0)?.rtp.top().map(PacketIndex)
    }

    /// The current rollover counter of `ssrc`.
    pub(super) fn roc(&self, ssrc: Ssrc) -> Option<Roc> {
        Some(self.streams.get(ssrc.0)?.roc())
    }

    /// The SRTCP index of `ssrc`.
    pub(super) fn srtcp_index(&self, ssrc: Ssrc) -> Option<SrtcpIndex> {
        self.streams.get(ssrc.0)?.rtcp.srtcp_index()
    }

    /// Forget the stream `ssrc`; returns whether it existed.
    pub(super) fn remove_stream(&mut self, ssrc: Ssrc) -> Result<bool> {
        self.streams.remove(ssrc.0, &self.keys)
    }

    /// The `Debug` output of the type `name` that holds this context: no key material.
    pub(super) fn debug(&self, name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(name)
            .field("suite", &self.keys.suite)
            .field("config", &self.config)
            .field("keys", &self.keys.slots.len())
            .field("streams", &self.streams.len())
            .finish_non_exhaustive()
    }
}
