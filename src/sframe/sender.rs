//! The sending end of one SFrame key.

use crate::error::{Error, Malformed, Result};
use crate::schedule::StreamSecret;
use crate::sframe::header::Header;
use crate::sframe::key::{AadParts, FrameKey, MAX_CLEAR_BYTES};
use crate::sframe::kid::CallKid;
use crate::sframe::{FrameOptions, SframeConfig};
use crate::types::{FrameCounter, KeyId, SframeSuite};
use core::fmt;
use sha2::{Digest, Sha256};
use std::sync::Mutex;

/// Headroom [`SframeSender::seal_in_place`] needs in front of the frame: the longest header.
pub const SEAL_HEADROOM: usize = Header::MAX_LEN;

/// Seals frames under one key (one KID). The frame counter is private, starts at 0, only
/// moves forward and never wraps: after [`SframeConfig::frame_limit`] frames every seal fails
/// with [`Error::LimitReached`], and [`SframeSender::rekey_soon`] turns true at three quarters
/// of it.
///
/// Not `Clone`: two senders with one key would reuse nonces. For the same reason a process
/// builds at most one sender for a given suite, KID and base key: [`SframeSender::new`] keeps a
/// fingerprint (16 bytes of SHA-256 over them, under a label of its own) of every sender it
/// built and refuses another one with [`Error::KeyReuse`], even after the first was dropped.
/// Across processes that guard cannot reach: derive a fresh base key for every session (as
/// the call session does from its handshake), never store one and use it again.
///
/// # Example
///
/// ```
/// use callseal::sframe::{FrameOptions, SframeConfig, SframeSender};
/// use callseal::{Error, KeyId, SframeSuite};
///
/// let config = SframeConfig::new(SframeSuite::Aes128GcmSha256_128);
/// let base_key = [9u8; 32]; // a fresh key from the application's key exchange
/// let mut tx = SframeSender::new(&config, KeyId(2), &base_key)?;
/// let frame = b"an encoded frame";
/// let mut out = vec![0u8; frame.len() + tx.max_overhead()];
/// let n = tx.seal_into(frame, &mut out, FrameOptions::NONE)?;
/// assert_eq!(n, frame.len() + 1 + 16); // a 1-byte header (small KID, counter 0) and the tag
/// // A second sender for the same key would repeat nonces: refused.
/// assert_eq!(
///     SframeSender::new(&config, KeyId(2), &base_key).unwrap_err(),
///     Error::KeyReuse
/// );
/// # Ok::<(), callseal::Error>(())
/// ```
pub struct SframeSender {
    suite: SframeSuite,
    kid: KeyId,
    key: FrameKey,
    tag_len: usize,
    next: u64,
    limit: u64,
}

/// Fingerprints of every suite, KID and base key a sender was built for in this process,
/// sorted.
static BUILT: Mutex<Vec<[u8; 16]>> = Mutex::new(Vec::new());

/// Record that a sender for `suite`, `kid` and `base_key` exists; [`Error::KeyReuse`] if one
/// was built before.
fn claim(suite: SframeSuite, kid: KeyId, base_key: &[u8]) -> Result<()> {
    let mut h = Sha256::new();
    h.update(b"callseal sframe sender");
    h.update(suite.id().to_be_bytes());
    h.update(kid.0.to_be_bytes());
    h.update(base_key);
    let digest = h.finalize();
    let mut fp = [0u8; 16];
    fp.copy_from_slice(&digest[..16]);
    // A panic elsewhere while the lock was held leaves the set itself intact.
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    match built.binary_search(&fp) {
        Ok(_) => Err(Error::KeyReuse),
        Err(at) => {
            built.insert(at, fp);
            Ok(())
        }
    }
}

impl SframeSender {
    /// A sender for `kid` whose base key is `base_key` (at least 16 bytes).
    ///
    /// Errors: [`Error::InvalidConfig`], [`Error::InvalidKeyLength`], and [`Error::KeyReuse`]
    /// when this process already built a sender for the same suite, KID and base key (its
    /// counter would start again at 0 and repeat every nonce).
    pub fn new(config: &SframeConfig, kid: KeyId, base_key: &[u8]) -> Result<Self> {
        let sender = Self::unchecked(config, kid, base_key)?;
        claim(config.suite, kid, base_key)?;
        Ok(sender)
    }

    /// [`SframeSender::new`] without the process-wide guard against a second sender for one
    /// suite, KID and base key. For test vectors and benchmarks that seal with fixed keys, and
    /// for an application that keeps each key's counter itself and resumes it with
    /// [`SframeSender::skip_to`]. Two senders for one key and KID repeat nonces: with this
    /// constructor, preventing that is the caller's job.
    pub fn dangerous_new_unguarded(
        config: &SframeConfig,
        kid: KeyId,
        base_key: &[u8],
    ) -> Result<Self> {
        Self::unchecked(config, kid, base_key)
    }

    pub(crate) fn unchecked(config: &SframeConfig, kid: KeyId, base_key: &[u8]) -> Result<Self> {
        crate::secret::scrubbed(|| {
            config.validate()?;
            Ok(SframeSender {
                suite: config.suite,
                kid,
                key: FrameKey::derive(config.suite, kid, base_key, config.backend)?,
                tag_len: config.suite.tag_len(),
                next: 0,
                limit: config.frame_limit,
            })
        })
    }

    /// The sender of one stream of a call ([`crate::schedule::CallKeys::stream`]): the KID is
    /// the [`CallKid`] of the stream's epoch, direction and kind, the base key the stream
    /// secret, which never leaves the crate. For an application that runs its own media stack
    /// and uses callseal as its frame transform; the receiving end installs the same stream
    /// with [`SframeReceiver::install_stream`](super::SframeReceiver::install_stream). Errors
    /// as [`SframeSender::new`].
    pub fn for_stream(config: &SframeConfig, stream: &StreamSecret) -> Result<Self> {
        let kid = CallKid::new(stream.epoch(), stream.direction(), stream.kind()).kid();
        Self::new(config, kid, stream.secret().expose())
    }

    /// [`SframeSender::for_stream`] for the call session, which builds exactly one sender per
    /// stream secret (stream secrets are fresh for every handshake), so it keeps no
    /// fingerprint.
    /// With `ssrc`, the base key is the stream secret's per-SSRC key
    /// ([`crate::rtp_sframe::ssrc_base_key`]).
    pub(crate) fn for_call_stream(
        config: &SframeConfig,
        stream: &StreamSecret,
        ssrc: Option<crate::types::Ssrc>,
    ) -> Result<Self> {
        let kid = CallKid::new(stream.epoch(), stream.direction(), stream.kind()).kid();
        match ssrc {
            Some(ssrc) => {
                let base =
                    crate::rtp_sframe::ssrc_base_key(config.suite, stream.secret().expose(), ssrc);
                Self::unchecked(config, kid, base.dangerous_expose())
            }
            None => Self::unchecked(config, kid, stream.secret().expose()),
        }
    }

    /// The KID every frame carries.
    pub fn kid(&self) -> KeyId {
        self.kid
    }

    /// The cipher suite.
    pub fn suite(&self) -> SframeSuite {
        self.suite
    }

    /// The counter the next frame will carry.
    pub fn next_counter(&self) -> FrameCounter {
        FrameCounter(self.next)
    }

    /// How many more frames this key may seal.
    pub fn frames_left(&self) -> u64 {
        self.limit.saturating_sub(self.next)
    }

    /// True once three quarters of the frame limit are used: install the next epoch's keys
    /// and switch before [`Error::LimitReached`].
    pub fn rekey_soon(&self) -> bool {
        self.next >= self.limit - self.limit / 4
    }

    /// Move the counter forward to `ctr` (never back: [`Error::CounterBackwards`] if `ctr` is
    /// below [`SframeSender::next_counter`]). Skipping counters never reuses a nonce.
    pub fn skip_to(&mut self, ctr: FrameCounter) -> Result<()> {
        if ctr.0 < self.next {
            return Err(Error::CounterBackwards);
        }
        self.next = ctr.0;
        Ok(())
    }

    /// The most bytes a seal adds to a frame, for sizing buffers once:
    /// [`SframeSuite::max_overhead`].
    pub fn max_overhead(&self) -> usize {
        self.suite.max_overhead()
    }

    /// The exact length the next sealed frame of `frame_len` bytes will have.
    pub fn sealed_len(&self, frame_len: usize) -> usize {
        frame_len
            + Header::new(self.kid, FrameCounter(self.next)).encoded_len()
            + self.suite.tag_len()
    }

    #[inline(always)]
    fn begin(&self, frame_len: usize, opts: &FrameOptions<'_>) -> Result<Header> {
        if opts.clear_prefix > frame_len {
            return Err(Error::Malformed(Malformed::Truncated));
        }
        if opts.metadata.len().saturating_add(opts.clear_prefix) > MAX_CLEAR_BYTES {
            return Err(Error::Malformed(Malformed::Oversized));
        }
        if self.next >= self.limit {
            return Err(Error::LimitReached);
        }
        Ok(Header::new(self.kid, FrameCounter(self.next)))
    }

    /// Seal `frame` into `out`; returns the sealed length, `frame.len()` plus the header and
    /// the tag (at most [`SframeSuite::max_overhead`] more).
    ///
    /// Output: `clear prefix ‖ header ‖ ciphertext ‖ tag`, where the first
    /// `opts.clear_prefix` bytes of `frame` stay in clear. The additional data is
    /// `header ‖ metadata ‖ clear prefix`, so `out[clear_prefix..len]` is an RFC 9605 SFrame
    /// ciphertext whose metadata is `metadata ‖ clear prefix`.
    ///
    /// Errors, all leaving the sender unchanged: [`Error::BufferTooSmall`],
    /// [`Error::LimitReached`], [`Malformed::Truncated`] when the clear prefix is longer than
    /// the frame, [`Malformed::Oversized`] when metadata and prefix exceed
    /// [`MAX_CLEAR_BYTES`](crate::sframe::MAX_CLEAR_BYTES).
    pub fn seal_into(
        &mut self,
        frame: &[u8],
        out: &mut [u8],
        opts: FrameOptions<'_>,
    ) -> Result<usize> {
        let header = self.begin(frame.len(), &opts)?;
        let hlen = header.encoded_len();
        let tag_len = self.tag_len;
        let needed = frame.len() + hlen + tag_len;
        let out = out
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed })?;
        let n = opts.clear_prefix;
        let (prefix, payload) = frame.split_at(n);
        let (head, rest) = out.split_at_mut(n + hlen);
        head[..n].copy_from_slice(prefix);
        header.encode(&mut head[n..])?;
        let (body, tag) = rest.split_at_mut(payload.len());
        body.copy_from_slice(payload);
        let aad = AadParts {
            header: &head[n..],
            metadata: opts.metadata,
            prefix,
        };
        self.key
            .aead()
            .seal_parts(&self.key.nonce(header.ctr()), aad, body, tag)?;
        self.next += 1;
        Ok(needed)
    }

    /// Seal in place. The frame is `buf[SEAL_HEADROOM..SEAL_HEADROOM + len]`, and `buf` must
    /// hold the tag after it (`SEAL_HEADROOM + len + tag_len` bytes in all, else
    /// [`Error::BufferTooSmall`]). Returns the sealed frame, a sub-slice of `buf` that ends
    /// with the tag and starts `header length` bytes before `SEAL_HEADROOM`. Layout, additional
    /// data and errors are those of [`SframeSender::seal_into`]; the frame bytes are never
    /// copied, only the clear prefix moves. The headroom in front of the returned slice is
    /// scratch: its bytes may change.
    pub fn seal_in_place<'a>(
        &mut self,
        buf: &'a mut [u8],
        len: usize,
        opts: FrameOptions<'_>,
    ) -> Result<&'a mut [u8]> {
        let header = self.begin(len, &opts)?;
        let tag_len = self.tag_len;
        let needed = len.saturating_add(SEAL_HEADROOM + tag_len);
        let buf = buf
            .get_mut(..needed)
            .ok_or(Error::BufferTooSmall { needed })?;
        let n = opts.clear_prefix;
        let hlen = if n == 0 {
            // Straight into the headroom; the bytes before the header are scratch.
            let head: &mut [u8; SEAL_HEADROOM] = (&mut buf[..SEAL_HEADROOM])
                .try_into()
                .map_err(|_| Error::BufferTooSmall { needed })?;
            header.write_right_aligned(head)
        } else {
            let hlen = header.encoded_len();
            buf.copy_within(SEAL_HEADROOM..SEAL_HEADROOM + n, SEAL_HEADROOM - hlen);
            header.encode(&mut buf[SEAL_HEADROOM - hlen + n..])?;
            hlen
        };
        let start = SEAL_HEADROOM - hlen;
        let sealed = &mut buf[start..];
        let (head, rest) = sealed.split_at_mut(n + hlen);
        let (body, tag) = rest.split_at_mut(len - n);
        let (prefix, hdr) = head.split_at(n);
        let aad = AadParts {
            header: hdr,
            metadata: opts.metadata,
            prefix,
        };
        self.key
            .aead()
            .seal_parts(&self.key.nonce(header.ctr()), aad, body, tag)?;
        self.next += 1;
        Ok(sealed)
    }
}

impl fmt::Debug for SframeSender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SframeSender")
            .field("suite", &self.suite)
            .field("kid", &self.kid)
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}
