//! All 297 RFC 9605 Appendix C vectors through the public API: header encoding and decoding
//! (C.1), the AES-CTR-HMAC AEAD (C.2) and full SFrame encryption and decryption (C.3).

use callseal::crypto::Backend;
use callseal::sframe::{DerivedKey, FrameOptions, Header, SframeAead};
use callseal::sframe::{SframeConfig, SframeReceiver, SframeSender};
use callseal::{Epoch, FrameCounter, KeyId, SframeSuite};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/rfc9605-sframe.json")).unwrap()
}

fn hx(v: &Value, k: &str) -> Vec<u8> {
    hex::decode(v[k].as_str().unwrap_or_else(|| panic!("{k}"))).unwrap()
}

fn num(v: &Value, k: &str) -> u64 {
    v[k].as_u64().unwrap_or_else(|| panic!("{k}"))
}

fn suite(v: &Value) -> SframeSuite {
    let s = SframeSuite::from_id(num(v, "cipher_suite") as u16).unwrap();
    assert_eq!(s.name(), v["cipher_suite_name"].as_str().unwrap());
    s
}

fn header_vectors() -> usize {
    let v = vectors();
    let cases = v["header"].as_array().unwrap();
    for c in cases {
        let (kid, ctr, encoded) = (num(c, "kid"), num(c, "ctr"), hx(c, "encoded"));
        let h = Header::new(KeyId(kid), FrameCounter(ctr));
        let mut buf = [0u8; Header::MAX_LEN];
        let n = h.encode(&mut buf).unwrap();
        assert_eq!(&buf[..n], &encoded[..], "encode kid={kid} ctr={ctr}");
        assert_eq!(h.encoded_len(), n);
        assert_eq!(
            Header::decode(&encoded),
            Ok((h, encoded.len())),
            "decode {c}"
        );
    }
    cases.len()
}

fn aead_vectors() -> usize {
    let v = vectors();
    let cases = v["aes_ctr_hmac"].as_array().unwrap();
    for c in cases {
        let s = suite(c);
        let key = hx(c, "key");
        assert_eq!([hx(c, "enc_key"), hx(c, "auth_key")].concat(), key);
        let aead = SframeAead::new(s, &key).unwrap();
        let nonce: [u8; 12] = hx(c, "nonce").try_into().unwrap();
        let mut ct = hx(c, "ct");
        assert_eq!(ct.len(), hx(c, "pt").len() + s.tag_len());
        let pt = aead.open_in_place(&nonce, &hx(c, "aad"), &mut ct).unwrap();
        assert_eq!(pt, &hx(c, "pt")[..], "{}", s.name());
        // Any other AAD fails, and leaves the ciphertext as it was.
        let mut ct = hx(c, "ct");
        assert!(aead.open_in_place(&nonce, b"other", &mut ct).is_err());
        assert_eq!(ct, hx(c, "ct"));
    }
    cases.len()
}

fn sframe_vectors(backend: Backend) -> usize {
    let v = vectors();
    let cases = v["sframe"].as_array().unwrap();
    for c in cases {
        let s = suite(c);
        let (kid, ctr) = (KeyId(num(c, "kid")), FrameCounter(num(c, "ctr")));
        let base = hx(c, "base_key");
        let label =
            |text: &str| [text.as_bytes(), &kid.0.to_be_bytes(), &s.id().to_be_bytes()].concat();
        assert_eq!(label("SFrame 1.0 Secret key "), hx(c, "sframe_key_label"));
        assert_eq!(label("SFrame 1.0 Secret salt "), hx(c, "sframe_salt_label"));

        let d = DerivedKey::derive(s, kid, &base).unwrap();
        assert_eq!(
            d.dangerous_key(),
            &hx(c, "sframe_key")[..],
            "{} key",
            s.name()
        );
        assert_eq!(
            &d.dangerous_salt()[..],
            &hx(c, "sframe_salt")[..],
            "{} salt",
            s.name()
        );
        let nonce = d.nonce(ctr);
        assert_eq!(&nonce[..], &hx(c, "nonce")[..]);

        let metadata = hx(c, "metadata");
        let mut header = [0u8; Header::MAX_LEN];
        let hlen = Header::new(kid, ctr).encode(&mut header).unwrap();
        assert_eq!([&header[..hlen], &metadata[..]].concat(), hx(c, "aad"));

        // Sealing with the sender, its counter moved to the vector's CTR.
        let config = SframeConfig::new(s).with_backend(backend);
        // The vector's own key and counter.
        let mut tx = SframeSender::dangerous_new_unguarded(&config, kid, &base).unwrap();
        tx.skip_to(ctr).unwrap();
        let pt = hx(c, "pt");
        let mut out = vec![0u8; pt.len() + s.max_overhead()];
        let opts = FrameOptions::default().with_metadata(&metadata);
        let n = tx.seal_into(&pt, &mut out, opts).unwrap();
        assert_eq!(&out[..n], &hx(c, "ct")[..], "{} seal", s.name());

        // Opening with the receiver.
        let mut rx = SframeReceiver::new(config).unwrap();
        rx.install_key(kid, Epoch(0), &base).unwrap();
        let mut ct = hx(c, "ct");
        assert_eq!(
            rx.open(&mut ct, opts).unwrap(),
            &pt[..],
            "{} open",
            s.name()
        );

        // And with the bare AEAD under the derived key.
        let aead = SframeAead::with_backend(s, d.dangerous_key(), backend).unwrap();
        let mut ct = hx(c, "ct");
        let got = aead
            .open_in_place(&nonce, &hx(c, "aad"), &mut ct[hlen..])
            .unwrap();
        assert_eq!(got, &pt[..]);
    }
    cases.len()
}

#[test]
fn rfc9605_appendix_c() {
    // Every AES-GCM backend this build has seals and opens the same bytes.
    let backends: Vec<Backend> = Backend::available().collect();
    for &b in &backends {
        assert_eq!(sframe_vectors(b), 5, "{b}");
    }
    let counts = (header_vectors(), aead_vectors(), 5 * backends.len());
    assert_eq!(counts, (289, 3, 5 * backends.len()));
    let suites: Vec<u64> = vectors()["sframe"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| num(c, "cipher_suite"))
        .collect();
    assert_eq!(suites, [1, 2, 3, 4, 5]);
    println!(
        "RFC 9605 vectors: {} passed (backends: {backends:?})",
        counts.0 + counts.1 + counts.2
    );
}

#[test]
fn suite_table_matches() {
    for c in vectors()["cipher_suites"].as_array().unwrap() {
        let s = SframeSuite::from_id(num(c, "cipher_suite") as u16).unwrap();
        assert_eq!(s.name(), c["name"].as_str().unwrap());
        assert_eq!(s.key_len() as u64, num(c, "Nk"));
        assert_eq!(s.nonce_len() as u64, num(c, "Nn"));
        assert_eq!(s.tag_len() as u64, num(c, "Nt"));
        assert_eq!(s.max_overhead(), Header::MAX_LEN + s.tag_len());
    }
}
