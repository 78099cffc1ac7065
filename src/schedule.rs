//! The key schedule: HKDF-SHA256 labels, call keys, epochs and stream keys.
//!
//! Each step consumes the one before: the handshake's pseudorandom key gives the epoch-0 media
//! secret ([`CallKeys`]); [`CallKeys::next_epoch`] consumes it for the next epoch and zeroizes
//! the old secret; [`CallKeys::stream`] derives a [`StreamSecret`] per direction and media kind,
//! which is either the SFrame base key or, through [`StreamSecret::into_srtp_master_key`], an
//! SRTP master key and salt.

use crate::error::Result;
use crate::secret::{Secret, SrtpMasterKey};
use crate::types::{Direction, Epoch, MediaKind, SframeSuite, SrtpSuite, Ssrc};
use core::fmt;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroize;

/// The protocol versions of the handshake and the key schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// Version 1: X25519 alone.
    V1,
    /// Version 2: X25519 and ML-KEM-768 (hybrid post-quantum), with key continuity.
    V2,
}

impl Version {
    /// The version byte every handshake message carries (`0x01`, `0x02`).
    pub fn byte(self) -> u8 {
        match self {
            Version::V1 => 1,
            Version::V2 => 2,
        }
    }

    /// The version of a version byte; [`Malformed::Version`](crate::Malformed::Version) for any
    /// other.
    pub fn from_byte(b: u8) -> Result<Version> {
        match b {
            1 => Ok(Version::V1),
            2 => Ok(Version::V2),
            _ => Err(crate::Malformed::Version.into()),
        }
    }

    /// The HKDF labels of this version.
    pub(crate) fn labels(self) -> &'static labels::Labels {
        match self {
            Version::V1 => &labels::V1,
            Version::V2 => &labels::V2,
        }
    }
}

/// Every HKDF label of the protocol, in one place.
pub(crate) mod labels {
    /// The labels of one protocol version: version 2 has every label of version 1 with `v2`
    /// in place of `v1`.
    pub(crate) struct Labels {
        /// Key of the MAC that ends the Answer.
        pub(crate) confirm_callee: &'static [u8],
        /// Key of the MAC that ends the Confirm.
        pub(crate) confirm_caller: &'static [u8],
        /// The 20 security code bytes.
        pub(crate) security_code: &'static [u8],
        /// The epoch-0 media secret.
        pub(crate) media: &'static [u8],
        /// The next epoch's media secret.
        pub(crate) epoch: &'static [u8],
        /// A stream secret (followed by the direction byte and the kind byte).
        pub(crate) stream: &'static [u8],
        /// An SRTP master key and salt.
        pub(crate) srtp: &'static [u8],
        /// The SSRCs and first sequence numbers of a call's six streams (from TH; public
        /// values).
        pub(crate) rtp: &'static [u8],
        /// The call's exporter secret, from the epoch-0 media secret (followed, per export,
        /// by the application's label).
        pub(crate) exporter: &'static [u8],
    }

    /// Version 1.
    pub(crate) const V1: Labels = Labels {
        confirm_callee: b"callseal v1 confirm callee",
        confirm_caller: b"callseal v1 confirm caller",
        security_code: b"callseal v1 security code",
        media: b"callseal v1 media",
        epoch: b"callseal v1 epoch",
        stream: b"callseal v1 stream",
        srtp: b"callseal v1 srtp",
        rtp: b"callseal v1 rtp",
        exporter: b"callseal v1 exporter",
    };

    /// Version 2.
    pub(crate) const V2: Labels = Labels {
        confirm_callee: b"callseal v2 confirm callee",
        confirm_caller: b"callseal v2 confirm caller",
        security_code: b"callseal v2 security code",
        media: b"callseal v2 media",
        epoch: b"callseal v2 epoch",
        stream: b"callseal v2 stream",
        srtp: b"callseal v2 srtp",
        rtp: b"callseal v2 rtp",
        exporter: b"callseal v2 exporter",
    };

    /// Version 2: the continuity id of a retained secret, the first 8 bytes of
    /// HMAC-SHA256(retained secret, this label).
    pub(crate) const CONTINUITY_ID: &[u8] = b"callseal v2 continuity id";
    /// Version 2: the next retained secret, HKDF-Expand(prk, this label, 32).
    pub(crate) const CONTINUITY: &[u8] = b"callseal v2 continuity";
}

/// First RTP sequence numbers are below 2^15, as libwebrtc starts its streams: a stream's first
/// wrap is then at least 32,768 packets away. An SRTP receiver that missed a stream's first
/// packets takes the rollover counter to be 0 at the first packet it gets (RFC 3711 §3.3.1); had
/// the sequence number wrapped in between, it would never authenticate another packet of that
/// stream.
pub const FIRST_SEQ_MASK: u16 = 0x7fff;

/// The SSRC and first RTP sequence number of each of a call's six streams, both directions'
/// and every media kind's, as both ends derive them from the handshake's transcript hash.
///
/// `HKDF-Expand(TH, "callseal v1 rtp" ‖ n, 36)` for `n = 0, 1, …` until the six SSRCs are
/// pairwise different (in practice `n = 0`): bytes `4i..4i+4` are the SSRC of stream `i` and
/// bytes `24+2i..26+2i` its first sequence number, big-endian, its top bit cleared
/// ([`FIRST_SEQ_MASK`]), where stream `i` is `3 * direction + kind` (caller → callee audio,
/// video, screen, then callee → caller).
/// TH is public, and so are SSRCs and sequence numbers; what this buys is what RFC 3550 §5.1
/// asks of them: values no one could predict before the call, different in every call, so
/// that two calls given the same hop-by-hop SRTP key never protect two packets under one
/// SSRC and index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpParams {
    /// SSRCs by `[direction][kind]`.
    pub ssrcs: [[Ssrc; 3]; 2],
    /// First sequence numbers by `[direction][kind]`.
    pub first_seqs: [[u16; 3]; 2],
}

impl RtpParams {
    /// Derive from the transcript hash `th` of a completed version-1 handshake.
    pub fn derive(th: &[u8; 32]) -> RtpParams {
        Self::derive_for(Version::V1, th)
    }

    /// Derive from the transcript hash `th` of a completed handshake of `version` (its label
    /// is `callseal v1 rtp` or `callseal v2 rtp`).
    pub fn derive_for(version: Version, th: &[u8; 32]) -> RtpParams {
        let mut n = 0u8;
        loop {
            let mut out = [0u8; 36];
            expand(th, &[version.labels().rtp, &[n]], &mut out);
            let mut p = RtpParams {
                ssrcs: [[Ssrc(0); 3]; 2],
                first_seqs: [[0; 3]; 2],
            };
            for i in 0..6 {
                let b = &out[4 * i..4 * i + 4];
                p.ssrcs[i / 3][i % 3] = Ssrc(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                p.first_seqs[i / 3][i % 3] =
                    u16::from_be_bytes([out[24 + 2 * i], out[25 + 2 * i]]) & FIRST_SEQ_MASK;
            }
            let all = p.ssrcs.concat();
            let distinct = (0..6).all(|i| !all[..i].contains(&all[i]));
            if distinct {
                return p;
            }
            n = n.wrapping_add(1);
        }
    }
}

/// HKDF-Expand(prk, info_parts…, out.len()) with SHA-256. `prk` is at least 32 bytes.
/// The keyed state is wiped before it goes out of scope.
pub(crate) fn expand(prk: &[u8], info: &[&[u8]], out: &mut [u8]) {
    crate::secret::scrubbed(|| {
        let mut hk = Hkdf::<Sha256>::from_prk(prk).expect("PRK is at least the hash length");
        hk.expand_multi_info(info, out)
            .expect("output length is far below 255 * 32");
        crate::crypto::wipe_hkdf(&mut hk);
    })
}

/// The media keys of an end-to-end call at one epoch. Not `Clone`; zeroized on drop.
pub struct CallKeys {
    version: Version,
    epoch: Epoch,
    media: Secret<32>,
    srtp_suite: SrtpSuite,
    sframe_suite: SframeSuite,
}

impl CallKeys {
    pub(crate) fn new(
        version: Version,
        media: Secret<32>,
        srtp_suite: SrtpSuite,
        sframe_suite: SframeSuite,
    ) -> Self {
        CallKeys {
            version,
            epoch: Epoch(0),
            media,
            srtp_suite,
            sframe_suite,
        }
    }

    /// The protocol version whose labels derive these keys.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The epoch these keys belong to.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The negotiated SRTP suite.
    pub fn srtp_suite(&self) -> SrtpSuite {
        self.srtp_suite
    }

    /// The negotiated SFrame suite.
    pub fn sframe_suite(&self) -> SframeSuite {
        self.sframe_suite
    }

    /// The media secret of this epoch. Exposed for test vectors; never log it.
    pub fn media_secret(&self) -> &Secret<32> {
        &self.media
    }

    /// Move to the next epoch: `media[e+1] = HKDF-Expand(media[e], "callseal v1 epoch", 32)`
    /// (`v2` in a version-2 call).
    /// The old secret is zeroized when `self` is dropped here. Past epoch 2^32 − 1 there is
    /// none: [`Error::LimitReached`](crate::Error::LimitReached).
    pub fn next_epoch(self) -> Result<CallKeys> {
        self.derive_next().ok_or(crate::Error::LimitReached)
    }

    /// The next epoch's keys, leaving these in place; `None` after the last epoch.
    pub(crate) fn derive_next(&self) -> Option<CallKeys> {
        let epoch = Epoch(self.epoch.0.checked_add(1)?);
        let mut next = Secret::<32>::zero();
        expand(
            self.media.expose(),
            &[self.version.labels().epoch],
            next.expose_mut(),
        );
        Some(CallKeys {
            version: self.version,
            epoch,
            media: next,
            srtp_suite: self.srtp_suite,
            sframe_suite: self.sframe_suite,
        })
    }

    /// The call's exporter secret: `HKDF-Expand(media[e], "callseal v1 exporter", 32)` (`v2`
    /// in a version-2 call), taken from the epoch-0 keys so that it does not change with
    /// rekeys. [`crate::session::Call::export_secret`] derives labelled secrets from it.
    pub(crate) fn exporter(&self) -> Secret<32> {
        let mut s = Secret::<32>::zero();
        expand(
            self.media.expose(),
            &[self.version.labels().exporter],
            s.expose_mut(),
        );
        s
    }

    /// The secret of one of the six streams of this epoch.
    pub fn stream(&self, direction: Direction, kind: MediaKind) -> StreamSecret {
        let mut s = Secret::<32>::zero();
        expand(
            self.media.expose(),
            &[
                self.version.labels().stream,
                &[direction.byte()],
                &[kind.byte()],
            ],
            s.expose_mut(),
        );
        StreamSecret {
            version: self.version,
            epoch: self.epoch,
            direction,
            kind,
            secret: s,
        }
    }
}

impl fmt::Debug for CallKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallKeys")
            .field("version", &self.version)
            .field("epoch", &self.epoch)
            .field("srtp_suite", &self.srtp_suite)
            .field("sframe_suite", &self.sframe_suite)
            .finish_non_exhaustive()
    }
}

/// The secret of one stream (epoch × direction × media kind): the SFrame base key, or the
/// input of the SRTP master key. Not `Clone`; zeroized on drop.
pub struct StreamSecret {
    version: Version,
    epoch: Epoch,
    direction: Direction,
    kind: MediaKind,
    secret: Secret<32>,
}

impl StreamSecret {
    /// The epoch.
    pub fn epoch(&self) -> Epoch {
        self.epoch
    }

    /// The direction.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// The media kind.
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// The secret bytes: the SFrame base key of this stream. Never log them.
    pub fn secret(&self) -> &Secret<32> {
        &self.secret
    }

    /// Consume into the SFrame base key.
    pub fn into_sframe_base_key(self) -> Secret<32> {
        let StreamSecret { secret, .. } = self;
        secret
    }

    /// Consume into the SRTP master key ‖ master salt of `suite`:
    /// `HKDF-Expand(stream_secret, "callseal v1 srtp", key_len + salt_len)` (`v2` in a
    /// version-2 call).
    pub fn into_srtp_master_key(self, suite: SrtpSuite) -> Result<SrtpMasterKey> {
        let mut okm = [0u8; 46];
        let n = suite.key_len() + suite.salt_len();
        expand(
            self.secret.expose(),
            &[self.version.labels().srtp],
            &mut okm[..n],
        );
        let k = SrtpMasterKey::from_concatenated(suite, &okm[..n]);
        okm.zeroize();
        k
    }
}

impl fmt::Debug for StreamSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSecret")
            .field("epoch", &self.epoch)
            .field("direction", &self.direction)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_rfc5869_vectors() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../tests/vectors/rfc5869-hkdf-sha256.json"))
                .unwrap();
        let cases = v["vectors"]
            .as_array()
            .or(v["test_cases"].as_array())
            .unwrap();
        assert_eq!(cases.len(), 3);
        for c in cases {
            let h = |k: &str| hex::decode(c[k].as_str().unwrap()).unwrap();
            let (ikm, salt, info, prk, okm) = (h("ikm"), h("salt"), h("info"), h("prk"), h("okm"));
            let (got_prk, _) = Hkdf::<Sha256>::extract(Some(&salt), &ikm);
            assert_eq!(got_prk.as_slice(), &prk[..]);
            let mut out = vec![0u8; okm.len()];
            expand(&prk, &[&info], &mut out);
            assert_eq!(out, okm);
        }
    }

    #[test]
    fn epochs_and_streams_differ() {
        let k = CallKeys::new(
            Version::V1,
            Secret::new([1; 32]),
            SrtpSuite::AeadAes128Gcm,
            SframeSuite::Aes128GcmSha256_128,
        );
        let a = k.stream(Direction::CallerToCallee, MediaKind::Audio);
        let v = k.stream(Direction::CallerToCallee, MediaKind::Video);
        let b = k.stream(Direction::CalleeToCaller, MediaKind::Audio);
        assert!(!a.secret().ct_eq(v.secret()));
        assert!(!a.secret().ct_eq(b.secret()));
        let k1 = k.next_epoch().unwrap();
        assert_eq!(k1.epoch(), Epoch(1));
        let a1 = k1.stream(Direction::CallerToCallee, MediaKind::Audio);
        assert!(!a.secret().ct_eq(a1.secret()));
        let a1_hex = hex::encode(a1.secret().expose());
        let a1_dbg = format!("{a1:?}");
        let m = a1.into_srtp_master_key(SrtpSuite::AeadAes256Gcm).unwrap();
        assert_eq!(
            (m.dangerous_key().len(), m.dangerous_salt().len()),
            (32, 12)
        );
        let d = format!("{k1:?} {a:?} {m:?} {a1_dbg}");
        for secret in [
            hex::encode(k1.media_secret().expose()),
            hex::encode(a.secret().expose()),
            a1_hex,
            hex::encode(m.dangerous_key()),
        ] {
            assert!(!d.contains(&secret[..8]), "{d}");
        }
        assert!(!d.contains(", 1") && !d.contains("[1"), "{d}");
    }
}
