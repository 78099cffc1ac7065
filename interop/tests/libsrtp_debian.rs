//! Live interoperability with Debian's libsrtp 2.5 (package `libsrtp2-1`), loaded at run time,
//! where the libsrtp 2.3 the `srtp` crate builds lacks a feature: RFC 6904 encrypted header
//! extensions in the two-byte form (libsrtp 2.3 takes only the one-byte one). Both forms, both
//! ways, 5,000 packets each across the lossy, reordering network.
//!
//! The library is opened with `RTLD_DEEPBIND`, so its own calls stay inside it and never reach
//! the libsrtp 2.3 linked into this test; the structures are the same in both versions.

use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::{SrtpMasterKey, SrtpSuite};
use callseal_interop::{callseal_receive, deliver, extension_packets, ENCRYPTED_IDS};
use libloading::os::unix::{Library, Symbol, RTLD_LOCAL, RTLD_NOW};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use srtp::sys;
use std::ffi::{c_char, c_int, c_void, CStr};

/// glibc's `RTLD_DEEPBIND`.
const RTLD_DEEPBIND: c_int = 0x0008;
const SSRC: u32 = 0xdeb1_a025;

type Status = sys::srtp_err_status_t;
type SetPolicy = unsafe extern "C" fn(*mut sys::srtp_crypto_policy_t);
type Packet = unsafe extern "C" fn(sys::srtp_t, *mut c_void, *mut c_int) -> Status;

/// The few functions of libsrtp 2.5 the test calls.
struct Libsrtp25 {
    _lib: Library,
    create: unsafe extern "C" fn(*mut sys::srtp_t, *const sys::srtp_policy_t) -> Status,
    dealloc: unsafe extern "C" fn(sys::srtp_t) -> Status,
    protect: Packet,
    unprotect: Packet,
    policies: [(SrtpSuite, SetPolicy); 4],
    rtcp_default: SetPolicy,
}

/// The function `name` of `lib`, of type `T`.
///
/// # Safety
///
/// `T` must be the function's C signature.
unsafe fn get<T: Copy>(lib: &Library, name: &[u8]) -> T {
    let s: Symbol<T> = lib.get(name).unwrap();
    *s
}

impl Libsrtp25 {
    fn open() -> Self {
        // SAFETY: loading a C library whose initialisers are libsrtp's and OpenSSL's; every
        // symbol is read with the signature of libsrtp 2.5's srtp.h.
        unsafe {
            let lib = Library::open(Some("libsrtp2.so.1"), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND)
                .expect("Debian's libsrtp 2.5 is needed: apt-get install libsrtp2-1");
            let init: unsafe extern "C" fn() -> Status = get(&lib, b"srtp_init");
            assert_eq!(init(), 0);
            let version: unsafe extern "C" fn() -> *const c_char =
                get(&lib, b"srtp_get_version_string");
            let v = CStr::from_ptr(version()).to_string_lossy().into_owned();
            eprintln!("loaded {v}");
            assert!(v.starts_with("libsrtp2 2.5"), "{v}");
            let setter = |n: &[u8]| -> SetPolicy { get(&lib, n) };
            Libsrtp25 {
                create: get(&lib, b"srtp_create"),
                dealloc: get(&lib, b"srtp_dealloc"),
                protect: get(&lib, b"srtp_protect"),
                unprotect: get(&lib, b"srtp_unprotect"),
                policies: [
                    (
                        SrtpSuite::AesCm128HmacSha1_80,
                        setter(b"srtp_crypto_policy_set_rtp_default"),
                    ),
                    (
                        SrtpSuite::AesCm128HmacSha1_32,
                        setter(b"srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32"),
                    ),
                    (
                        SrtpSuite::Aes256CmHmacSha1_80,
                        setter(b"srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80"),
                    ),
                    (
                        SrtpSuite::Aes256CmHmacSha1_32,
                        setter(b"srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32"),
                    ),
                ],
                rtcp_default: setter(b"srtp_crypto_policy_set_rtcp_default"),
                _lib: lib,
            }
        }
    }

    /// A session for `suite` with master key ‖ salt `km`, encrypting the extensions `ids`.
    fn session<'a>(
        &'a self,
        suite: SrtpSuite,
        km: &[u8],
        ids: &[c_int],
        inbound: bool,
    ) -> Session<'a> {
        let set = self.policies.iter().find(|(s, _)| *s == suite).unwrap().1;
        let mut key = km.to_vec();
        let mut ids = ids.to_vec();
        // SAFETY: an all-zero srtp_policy_t is libsrtp's unset policy; the setters fill the
        // crypto policies; key and ids outlive srtp_create, which copies what it keeps.
        unsafe {
            let mut p: sys::srtp_policy_t = std::mem::zeroed();
            p.ssrc.type_ = if inbound {
                sys::srtp_ssrc_type_t_ssrc_any_inbound
            } else {
                sys::srtp_ssrc_type_t_ssrc_any_outbound
            };
            set(&mut p.rtp);
            (self.rtcp_default)(&mut p.rtcp);
            p.key = key.as_mut_ptr();
            p.window_size = 128;
            p.enc_xtn_hdr = ids.as_mut_ptr();
            p.enc_xtn_hdr_count = ids.len() as c_int;
            let mut s: sys::srtp_t = std::ptr::null_mut();
            assert_eq!((self.create)(&mut s, &p), 0, "srtp_create");
            Session { lib: self, s }
        }
    }
}

struct Session<'a> {
    lib: &'a Libsrtp25,
    s: sys::srtp_t,
}

impl Session<'_> {
    fn call(&mut self, f: Packet, buf: &mut Vec<u8>) -> Status {
        let n = buf.len();
        buf.resize(n + sys::SRTP_MAX_TRAILER_LEN as usize, 0);
        let mut len = n as c_int;
        // SAFETY: the buffer holds the packet and SRTP_MAX_TRAILER_LEN bytes of room.
        let r = unsafe { f(self.s, buf.as_mut_ptr().cast(), &mut len) };
        buf.truncate(if r == 0 { len as usize } else { n });
        r
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        // SAFETY: created by srtp_create, freed once.
        unsafe {
            (self.lib.dealloc)(self.s);
        }
    }
}

/// libsrtp's srtp_err_status_replay_fail and srtp_err_status_replay_old.
fn is_replay(status: Status) -> bool {
    status == 9 || status == 10
}

#[test]
fn encrypted_header_extensions_both_forms_both_ways() {
    let lib = Libsrtp25::open();
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let ids: Vec<c_int> = ENCRYPTED_IDS.iter().map(|&i| i as c_int).collect();
    let cfg = ENCRYPTED_IDS.iter().fold(SrtpConfig::default(), |c, &id| {
        c.with_encrypted_extension(id)
    });
    for (suite, _) in lib.policies {
        let mut km = vec![0u8; suite.key_len() + suite.salt_len()];
        rng.fill(&mut km[..]);
        let master = || SrtpMasterKey::from_concatenated(suite, &km).unwrap();
        let plain = extension_packets(&mut rng, 5000, SSRC, true);

        let mut tx = SrtpSender::new(&master(), cfg).unwrap();
        let mut lib_tx = lib.session(suite, &km, &ids, false);
        let protected: Vec<Vec<u8>> = plain
            .iter()
            .map(|p| tx.protect_rtp_vec(p).unwrap())
            .collect();
        // Byte for byte what libsrtp 2.5 makes of the same packets.
        for (p, ours) in plain.iter().zip(&protected) {
            let mut theirs = p.clone();
            assert_eq!(lib_tx.call(lib.protect, &mut theirs), 0);
            assert_eq!(&theirs, ours, "{suite}");
        }
        let mut lib_rx = lib.session(suite, &km, &ids, true);
        let (ok, dups) = deliver(&mut rng, &plain, &protected, |buf| {
            match lib_rx.call(lib.unprotect, buf) {
                0 => Ok(()),
                e => Err(is_replay(e)),
            }
        });
        eprintln!("{suite} RFC 6904, both forms: callseal -> libsrtp 2.5: {ok} recovered, {dups} duplicates refused");

        let mut rx = SrtpReceiver::new(&master(), cfg).unwrap();
        let mut lib_tx = lib.session(suite, &km, &ids, false);
        let protected: Vec<Vec<u8>> = plain
            .iter()
            .map(|p| {
                let mut b = p.clone();
                assert_eq!(lib_tx.call(lib.protect, &mut b), 0);
                b
            })
            .collect();
        let (ok, dups) = deliver(&mut rng, &plain, &protected, |buf| {
            callseal_receive(buf, |b| rx.unprotect_rtp(b).map(|p| p.len()))
        });
        eprintln!("{suite} RFC 6904, both forms: libsrtp 2.5 -> callseal: {ok} recovered, {dups} duplicates refused");
    }
}
