//! The `sframe` crate's MLS support (`sframe::mls`, RFC 9605 §5.2) as the oracle: from the
//! same MLS exporter, its KIDs and its sealed frames equal ours, and each side opens the
//! other's.

mod common;

use callseal::MediaKind;
use callseal_mls::{Group, GroupKid, EPOCH_BITS, INDEX_BITS};
use common::{open, seal, Harness};
use sframe::frame::{EncryptedFrameView, MediaFrameView, MonotonicCounter};
use sframe::key::{DecryptionKey, EncryptionKey};
use sframe::mls::{MlsExporter, MlsKeyId, MlsKeyIdBitRange};
use sframe::CipherSuite;

/// One member's MLS exporter, as the `sframe` crate asks for it.
struct Exporter<'a>(&'a Group);

impl MlsExporter for Exporter<'_> {
    type BaseKey = Vec<u8>;
    type Error = callseal_mls::Error;

    fn export_secret(
        &self,
        label: &str,
        context: &[u8],
        key_length: usize,
    ) -> Result<Vec<u8>, Self::Error> {
        Ok(self.0.export_secret(label, context, key_length)?.to_vec())
    }
}

const THEIRS: CipherSuite = CipherSuite::AesGcm128Sha256;

fn their_kid(kind: MediaKind, leaf: u32, epoch: u64) -> MlsKeyId {
    let bits = MlsKeyIdBitRange::new(EPOCH_BITS as u8, INDEX_BITS as u8);
    MlsKeyId::try_new(u64::from(kind.byte()), epoch, u64::from(leaf), bits).unwrap()
}

fn their_seal(key: &EncryptionKey, ctr: u64, frame: &[u8]) -> Vec<u8> {
    let mut counter = MonotonicCounter::with_start_value(ctr, u64::MAX);
    let media = MediaFrameView::try_new(&mut counter, frame).unwrap();
    let mut buf = Vec::new();
    media
        .encrypt_into(key, &mut buf)
        .unwrap()
        .sframe_cipher_text()
        .to_vec()
}

#[test]
fn kids_and_frames_equal_the_sframe_crate_both_ways() {
    let mut h = Harness::new(3);
    // A few epochs in, each member having refreshed its leaf once.
    for i in 0..3 {
        let c = h.members[i].self_update().unwrap();
        h.deliver(i, &c);
    }
    let epoch = h.members[0].epoch();
    let mut checked = 0;
    for from in 0..3 {
        let leaf = h.members[from].own_leaf();
        for kind in MediaKind::ALL {
            let ours = GroupKid::new(kind, leaf, epoch).unwrap().kid();
            let key_id = their_kid(kind, leaf, epoch);
            assert_eq!(u64::from(key_id), ours.0);
            let enc = EncryptionKey::derive_from_mls(THEIRS, &Exporter(&h.members[from]), key_id)
                .unwrap();
            for n in 0..4u64 {
                let plain = format!("{kind} {n} of leaf {leaf}").into_bytes();
                // Ours seals frame n (counter n): the sframe crate seals the same bytes.
                let sealed = seal(&mut h.members[from], kind, &plain);
                assert_eq!(sealed, their_seal(&enc, n, &plain));
                for to in (0..3).filter(|&to| to != from) {
                    // The sframe crate opens ours with the key the receiver exports ...
                    let dec =
                        DecryptionKey::derive_from_mls(THEIRS, &Exporter(&h.members[to]), key_id)
                            .unwrap();
                    let view = EncryptedFrameView::try_new(&sealed).unwrap();
                    let mut out = Vec::new();
                    assert_eq!(view.decrypt_into(&dec, &mut out).unwrap().payload(), plain);
                    // ... and ours opens what the sframe crate sealed (counters after ours).
                    let theirs = their_seal(&enc, 100 + n, &plain);
                    assert_eq!(
                        open(&mut h.members[to], &theirs),
                        Ok((leaf, kind, plain.clone()))
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 3 * 3 * 4 * 2);
}

#[test]
fn the_next_epochs_kid_under_this_epochs_exporter_does_not_open() {
    let mut h = Harness::new(2);
    let next = h.members[0].epoch() + 1;
    // Keyed from the exporter of this epoch, under the KID member 0 has in the next one.
    let kid = their_kid(MediaKind::Audio, 0, next);
    let stale = EncryptionKey::derive_from_mls(THEIRS, &Exporter(&h.members[0]), kid).unwrap();
    let c = h.members[1].self_update().unwrap();
    h.deliver(1, &c);
    assert_eq!(h.members[0].epoch(), next);
    let sealed = their_seal(&stale, 0, b"stale");
    assert_eq!(
        open(&mut h.members[1], &sealed),
        Err(callseal_mls::Error::Frame(callseal::Error::Authentication))
    );
    // The genuine frame of the new epoch under that KID opens.
    let fresh = seal(&mut h.members[0], MediaKind::Audio, b"fresh");
    assert_eq!(open(&mut h.members[1], &fresh).unwrap().2, b"fresh");
}
