//! Live interoperability tests of callseal against real peers; the tests are in `tests/`.

use callseal::crypto::Backend;
use callseal::SrtpSuite;
use srtp::{CryptoPolicy, Session, StreamPolicy};

/// Every AES-GCM backend this build of callseal has, with its position: every interop test runs
/// once per backend (the position gives each run keys of its own).
pub fn backends() -> impl Iterator<Item = (u64, Backend)> {
    Backend::available().enumerate().map(|(i, b)| (i as u64, b))
}

/// Each of `items` once per backend.
pub fn with_backends<T: Clone>(items: impl IntoIterator<Item = T>) -> Vec<(u64, Backend, T)> {
    let items: Vec<T> = items.into_iter().collect();
    backends()
        .flat_map(|(i, b)| items.iter().cloned().map(move |t| (i, b, t)))
        .collect()
}

/// libsrtp's policy for the RTP packets of `suite`.
pub fn policy(suite: SrtpSuite) -> CryptoPolicy {
    match suite {
        SrtpSuite::AesCm128HmacSha1_80 => CryptoPolicy::aes_cm_128_hmac_sha1_80(),
        SrtpSuite::AesCm128HmacSha1_32 => CryptoPolicy::aes_cm_128_hmac_sha1_32(),
        SrtpSuite::AeadAes128Gcm => CryptoPolicy::aes_gcm_128_16_auth(),
        SrtpSuite::AeadAes256Gcm => CryptoPolicy::aes_gcm_256_16_auth(),
    }
}

/// RTCP always uses the 80-bit tag with the AES-CM suites (RFC 5764 §4.1.2).
pub fn rtcp_policy(suite: SrtpSuite) -> CryptoPolicy {
    match suite {
        SrtpSuite::AesCm128HmacSha1_32 => CryptoPolicy::aes_cm_128_hmac_sha1_80(),
        s => policy(s),
    }
}

/// A libsrtp session for `suite` with master key ‖ master salt `km`: receiving (`inbound`)
/// or sending, replay window 128.
pub fn libsrtp(suite: SrtpSuite, km: &[u8], inbound: bool) -> Session {
    let p = StreamPolicy {
        rtp: policy(suite),
        rtcp: rtcp_policy(suite),
        key: km,
        window_size: 128,
        allow_repeat_tx: false,
        encrypt_extension_headers: &[],
    };
    if inbound {
        Session::with_inbound_template(p).unwrap()
    } else {
        Session::with_outbound_template(p).unwrap()
    }
}
