//! The receiving end: a bounded key store by KID, a replay window per KID, and epochs with a
//! grace period for the previous one.

use crate::error::{Error, Malformed, Result};
use crate::replay::ReplayWindow;
use crate::schedule::{CallKeys, StreamSecret};
use crate::secret::wipe_spare;
use crate::sframe::header::Header;
use crate::sframe::key::{AadParts, FrameKey, MAX_CLEAR_BYTES};
use crate::sframe::kid::CallKid;
use crate::sframe::{FrameOptions, Grace, SframeConfig};
use crate::types::{Direction, Epoch, KeyId, MediaKind, SframeSuite};
use core::fmt;
use core::time::Duration;

struct Slot {
    kid: KeyId,
    epoch: Epoch,
    key: FrameKey,
    window: ReplayWindow,
}

/// The previous epochs' keys (every epoch below `below`) stay usable until either bound ends.
#[derive(Debug, Clone, Copy)]
struct GraceState {
    below: Epoch,
    frames_left: u64,
    until: Option<Duration>,
}

/// Opens frames of any installed key, found by the KID in the header.
///
/// Per frame: parse the header, find the key (unknown or retired KID: [`Error::UnknownKey`]),
/// screen the counter against that KID's replay window ([`Error::Replay`], [`Error::TooOld`]),
/// authenticate and decrypt, and only then record the counter. A failed open changes no
/// state.
///
/// **Epochs.** Every key belongs to an epoch. Keys of a newer epoch can be installed ahead of
/// time; the first frame that authenticates under one makes it the current epoch. The keys of
/// the epoch that was current until then stay usable for the [`Grace`] of the configuration
/// (a number of frames of the new epoch, or a time after the switch); then they are dropped
/// and zeroized and their KIDs give [`Error::UnknownKey`]. Keys two or more epochs old are
/// dropped at the switch itself. Time is never read from a clock: the caller passes it to
/// [`SframeReceiver::open_at`] or [`SframeReceiver::advance_time`] as a [`Duration`] since
/// any monotonic origin of its choosing.
///
/// The store holds at most [`SframeConfig::max_keys`] keys, allocated when the receiver is
/// built; installing a key allocates its replay window once; opening allocates nothing.
///
/// # Example
///
/// A receiver with a key per KID; a frame under a KID it does not hold is refused.
///
/// ```
/// use callseal::sframe::{FrameOptions, SframeConfig, SframeReceiver, SframeSender};
/// use callseal::{Epoch, Error, KeyId, SframeSuite};
///
/// let config = SframeConfig::new(SframeSuite::AesCtr128HmacSha256_80);
/// let (alice_key, bob_key) = ([1u8; 16], [2u8; 16]);
/// let mut rx = SframeReceiver::new(config)?;
/// rx.install_key(KeyId(1), Epoch(0), &alice_key)?;
/// rx.install_key(KeyId(2), Epoch(0), &bob_key)?;
///
/// let mut alice = SframeSender::new(&config, KeyId(1), &alice_key)?;
/// let mut sealed = vec![0u8; 64];
/// let n = alice.seal_into(b"hello", &mut sealed, FrameOptions::NONE)?;
/// assert_eq!(rx.open(&mut sealed[..n], FrameOptions::NONE)?, b"hello");
///
/// let mut carol = SframeSender::new(&config, KeyId(3), &[3u8; 16])?;
/// let n = carol.seal_into(b"hello", &mut sealed, FrameOptions::NONE)?;
/// assert_eq!(rx.open(&mut sealed[..n], FrameOptions::NONE).unwrap_err(), Error::UnknownKey);
/// # Ok::<(), callseal::Error>(())
/// ```
pub struct SframeReceiver {
    config: SframeConfig,
    slots: Vec<Slot>,
    current: Option<Epoch>,
    grace: Option<GraceState>,
    now: Duration,
    /// KIDs taken out with [`SframeReceiver::remove_key`]: never installed again.
    removed: Vec<KeyId>,
    /// The owner (a call) retires epochs itself: no switch or grace here.
    managed: bool,
}

/// A key derived and checked, ready to go into the store without failing.
pub(crate) struct PreparedKey(Slot);

impl Drop for SframeReceiver {
    /// Drop the keys (each wipes its contexts), then zero the whole store, padding included.
    fn drop(&mut self) {
        self.slots.clear();
        wipe_spare(&mut self.slots);
    }
}

impl SframeReceiver {
    /// An empty receiver.
    pub fn new(config: SframeConfig) -> Result<Self> {
        config.validate()?;
        Ok(SframeReceiver {
            slots: Vec::with_capacity(config.max_keys),
            config,
            current: None,
            grace: None,
            now: Duration::ZERO,
            removed: Vec::new(),
            managed: false,
        })
    }

    /// A receiver whose epochs are retired by its owner ([`SframeReceiver::retire_below`]),
    /// not by its own grace (the configuration's [`Grace`] is not used): the call session
    /// counts the grace across all its streams, so that a stream without traffic retires its
    /// keys as the others do; a group call keeps several epochs and retires them by time.
    pub fn managed(config: SframeConfig) -> Result<Self> {
        let mut r = Self::new(config)?;
        r.managed = true;
        Ok(r)
    }

    /// The configuration.
    pub fn config(&self) -> &SframeConfig {
        &self.config
    }

    /// The newest epoch a frame has authenticated under, if any.
    pub fn current_epoch(&self) -> Option<Epoch> {
        self.current
    }

    /// Whether a key for `kid` is installed (and not retired).
    pub fn has_key(&self, kid: KeyId) -> bool {
        self.slots.iter().any(|s| s.kid == kid)
    }

    /// How many keys are installed.
    pub fn key_count(&self) -> usize {
        self.slots.len()
    }

    fn check_install(&self, kid: KeyId, epoch: Epoch, extra: usize) -> Result<()> {
        if self.removed.contains(&kid) {
            return Err(Error::KeyReuse);
        }
        if self.has_key(kid) {
            return Err(Error::DuplicateKid);
        }
        if self.current.is_some_and(|c| epoch < c) {
            return Err(Error::StaleEpoch);
        }
        if self.slots.len() + extra > self.config.max_keys {
            return Err(Error::TooManyKeys);
        }
        Ok(())
    }

    fn slot(&self, kid: KeyId, epoch: Epoch, base_key: &[u8]) -> Result<Slot> {
        Ok(Slot {
            kid,
            epoch,
            key: FrameKey::derive(self.config.suite, kid, base_key, self.config.backend)?,
            window: ReplayWindow::new(self.config.replay_window)?,
        })
    }

    /// Install the base key of `kid`, which belongs to `epoch`.
    ///
    /// Fails with [`Error::DuplicateKid`] when `kid` is already installed (re-keying a KID
    /// would reset its replay window), [`Error::StaleEpoch`] when `epoch` is older than the
    /// current epoch, [`Error::TooManyKeys`] when the store is full; with [`Error::KeyReuse`] when `kid` was taken out with
    /// [`SframeReceiver::remove_key`] (installing it again would start a fresh replay window,
    /// and every frame received under it before would open again); with
    /// [`Error::InvalidKeyLength`] for a base key under 16 bytes.
    pub fn install_key(&mut self, kid: KeyId, epoch: Epoch, base_key: &[u8]) -> Result<()> {
        crate::secret::scrubbed(|| {
            self.check_install(kid, epoch, 1)?;
            let slot = self.slot(kid, epoch, base_key)?;
            self.slots.push(slot);
            Ok(())
        })
    }

    /// Derive and check the key of one call stream without installing it (the call installs
    /// the keys of its three streams all together or not at all).
    /// With `ssrc`, the base key is the stream secret's per-SSRC key
    /// ([`crate::rtp_sframe::ssrc_base_key`]).
    pub(crate) fn prepare_stream(
        &self,
        stream: &StreamSecret,
        ssrc: Option<crate::types::Ssrc>,
    ) -> Result<PreparedKey> {
        crate::secret::scrubbed(|| {
            let kid = CallKid::new(stream.epoch(), stream.direction(), stream.kind()).kid();
            self.check_install(kid, stream.epoch(), 1)?;
            let per_ssrc = ssrc.map(|ssrc| {
                crate::rtp_sframe::ssrc_base_key(self.config.suite, stream.secret().expose(), ssrc)
            });
            let base = match &per_ssrc {
                Some(k) => k.dangerous_expose(),
                None => stream.secret().expose(),
            };
            Ok(PreparedKey(self.slot(kid, stream.epoch(), base)?))
        })
    }

    /// Install a key from [`SframeReceiver::prepare_stream`]. Nothing else may have been
    /// installed in between: the store's room was checked then, so this cannot fail.
    pub(crate) fn commit(&mut self, key: PreparedKey) {
        debug_assert!(self.slots.len() < self.config.max_keys);
        self.slots.push(key.0);
    }

    /// Install one call stream under its [`CallKid`]; returns the KID.
    pub fn install_stream(&mut self, stream: &StreamSecret) -> Result<KeyId> {
        let kid = CallKid::new(stream.epoch(), stream.direction(), stream.kind()).kid();
        self.install_key(kid, stream.epoch(), stream.secret().expose())?;
        Ok(kid)
    }

    /// Install the audio, video and screen keys of `direction` at the epoch of `keys` (a
    /// receiver passes [`crate::Role::recv_direction`]), all three or none. Fails with
    /// [`Error::SuiteMismatch`] when `keys` were negotiated for another SFrame suite, or as
    /// [`SframeReceiver::install_key`] does.
    pub fn install_call_keys(&mut self, keys: &CallKeys, direction: Direction) -> Result<()> {
        crate::secret::scrubbed(|| {
            if keys.sframe_suite() != self.config.suite {
                return Err(Error::SuiteMismatch);
            }
            let epoch = keys.epoch();
            let kid = |kind| CallKid::new(epoch, direction, kind).kid();
            for (i, kind) in MediaKind::ALL.into_iter().enumerate() {
                self.check_install(kid(kind), epoch, MediaKind::ALL.len() - i)?;
            }
            let mut slots = Vec::with_capacity(MediaKind::ALL.len());
            for kind in MediaKind::ALL {
                let stream = keys.stream(direction, kind);
                slots.push(self.slot(kid(kind), epoch, stream.secret().expose())?);
            }
            self.slots.append(&mut slots);
            wipe_spare(&mut slots);
            Ok(())
        })
    }

    /// Remove and zeroize the key of `kid`; returns whether there was one. The KID can never be
    /// installed in this receiver again ([`Error::KeyReuse`]); the receiver remembers it in 8
    /// bytes. To replace keys over a long session, install them under a new epoch: keys retired
    /// by epoch leave nothing behind.
    pub fn remove_key(&mut self, kid: KeyId) -> bool {
        let before = self.slots.len();
        self.slots.retain(|s| s.kid != kid);
        wipe_spare(&mut self.slots);
        let removed = self.slots.len() != before;
        if removed && !self.removed.contains(&kid) {
            self.removed.push(kid);
        }
        removed
    }

    /// Tell the receiver the time (a [`Duration`] since the caller's monotonic origin; a time
    /// earlier than one already given is ignored). Retires the previous epoch's keys when a
    /// [`Grace::Time`] has run out.
    pub fn advance_time(&mut self, now: Duration) {
        self.now = self.now.max(now);
        if let Some(g) = self.grace {
            if g.until.is_some_and(|t| self.now >= t) {
                self.retire_below(g.below);
                self.grace = None;
            }
        }
    }

    /// Drop and zeroize the keys of every epoch below `epoch`, as the grace does for the
    /// previous epoch. For an owner that moves through epochs without traffic in between (a
    /// group whose membership changes twice before a frame arrives): the store keeps only
    /// the epochs it still needs. Unlike [`SframeReceiver::remove_key`] it leaves nothing
    /// behind; their KIDs may be installed again, under an epoch not older than the current
    /// one, with a new base key.
    pub fn retire_below(&mut self, epoch: Epoch) {
        if self.slots.iter().any(|s| s.epoch < epoch) {
            self.slots.retain(|s| s.epoch >= epoch);
            wipe_spare(&mut self.slots);
        }
    }

    /// Record an authenticated frame of `epoch`: switch epochs, count down the grace.
    #[inline]
    fn authenticated(&mut self, epoch: Epoch) {
        if self.grace.is_none() && self.current == Some(epoch) {
            return;
        }
        if self.managed {
            if !matches!(self.current, Some(c) if c >= epoch) {
                self.current = Some(epoch);
            }
            return;
        }
        self.epoch_change(epoch);
    }

    #[inline(never)]
    fn epoch_change(&mut self, epoch: Epoch) {
        match self.current {
            Some(c) if epoch < c => {}
            Some(c) if epoch == c => {
                if let Some(g) = &mut self.grace {
                    g.frames_left = g.frames_left.saturating_sub(1);
                    if g.frames_left == 0 {
                        let below = g.below;
                        self.grace = None;
                        self.retire_below(below);
                    }
                }
            }
            previous => {
                if let Some(p) = previous {
                    self.retire_below(p);
                }
                self.current = Some(epoch);
                let (frames_left, until) = match self.config.grace {
                    Grace::Frames(n) => (n, None),
                    Grace::Time(d) => (u64::MAX, Some(self.now.saturating_add(d))),
                };
                self.grace = None;
                if frames_left == 0 || until.is_some_and(|t| self.now >= t) {
                    self.retire_below(epoch);
                } else if self.slots.iter().any(|s| s.epoch < epoch) {
                    self.grace = Some(GraceState {
                        below: epoch,
                        frames_left,
                        until,
                    });
                }
            }
        }
    }

    /// Open a sealed frame in place; returns the plaintext, a sub-slice of `frame`.
    ///
    /// `opts` must match the sender's: the same metadata and the same clear prefix length
    /// (else [`Error::Authentication`]). With a clear prefix of `n` bytes, the frame is
    /// `prefix ‖ header ‖ ciphertext ‖ tag` and the returned slice is `prefix ‖ plaintext`,
    /// the frame as it was before sealing.
    ///
    /// Errors: [`Malformed`] for a truncated or non-minimal header, a frame shorter than the
    /// tag or the clear prefix, or metadata and prefix above
    /// [`MAX_CLEAR_BYTES`](crate::sframe::MAX_CLEAR_BYTES); [`Error::UnknownKey`];
    /// [`Error::Replay`]; [`Error::TooOld`]; [`Error::Authentication`]. None of them changes
    /// the receiver. All but [`Error::Authentication`] leave `frame` untouched, so a frame
    /// whose key is not yet installed can be kept and retried. After an authentication failure
    /// the AES-CTR-HMAC suites leave `frame` untouched too (the tag is checked before
    /// decrypting); the AES-GCM suites leave its ciphertext bytes zeroed (ring wipes
    /// unauthenticated plaintext). RFC 9605 §4.4.4 requires discarding such a frame anyway.
    pub fn open<'a>(
        &mut self,
        frame: &'a mut [u8],
        opts: FrameOptions<'_>,
    ) -> Result<&'a mut [u8]> {
        self.open_epoch(frame, opts).map(|(plain, _)| plain)
    }

    /// [`SframeReceiver::open`], also returning the epoch of the key that opened the frame.
    #[inline]
    pub(crate) fn open_epoch<'a>(
        &mut self,
        frame: &'a mut [u8],
        opts: FrameOptions<'_>,
    ) -> Result<(&'a mut [u8], Epoch)> {
        let n = opts.clear_prefix;
        if opts.metadata.len().saturating_add(n) > MAX_CLEAR_BYTES {
            return Err(Error::Malformed(Malformed::Oversized));
        }
        let sealed = frame.get(n..).ok_or(Malformed::Truncated)?;
        let (header, hlen) = Header::decode(sealed)?;
        let tag_len = self.config.suite.tag_len();
        let body_len = sealed
            .len()
            .checked_sub(hlen + tag_len)
            .ok_or(Malformed::Truncated)?;
        let epoch = {
            let slot = self
                .slots
                .iter_mut()
                .find(|s| s.kid == header.kid())
                .ok_or(Error::UnknownKey)?;
            let ctr = header.ctr();
            slot.window.check(ctr.0)?;
            let (head, rest) = frame.split_at_mut(n + hlen);
            let (prefix, hdr) = head.split_at(n);
            let aad = AadParts {
                header: hdr,
                metadata: opts.metadata,
                prefix,
            };
            slot.key
                .aead()
                .open_parts(&slot.key.nonce(ctr), aad, rest)?;
            slot.window.commit(ctr.0);
            slot.epoch
        };
        self.authenticated(epoch);
        if n > 0 {
            frame.copy_within(..n, hlen);
        }
        Ok((&mut frame[hlen..hlen + n + body_len], epoch))
    }

    /// [`SframeReceiver::advance_time`] to `now`, then [`SframeReceiver::open`]. Use this
    /// form with [`Grace::Time`].
    pub fn open_at<'a>(
        &mut self,
        frame: &'a mut [u8],
        opts: FrameOptions<'_>,
        now: Duration,
    ) -> Result<&'a mut [u8]> {
        self.advance_time(now);
        self.open(frame, opts)
    }

    /// The cipher suite.
    pub fn suite(&self) -> SframeSuite {
        self.config.suite
    }
}

impl fmt::Debug for SframeReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut l = f.debug_struct("SframeReceiver");
        l.field("suite", &self.config.suite)
            .field("current", &self.current)
            .field("keys", &self.slots.len());
        if let Some(g) = &self.grace {
            l.field("grace", g);
        }
        l.finish_non_exhaustive()
    }
}
