//! DTLS-SRTP keying against a real DTLS 1.2 stack: OpenSSL (the `openssl` crate) runs the
//! handshake over loopback UDP with `use_srtp` for each protection profile; both sides export
//! the keying material, callseal builds its SRTP contexts from it (`keying::dtls_srtp_keys`),
//! and packets callseal protects are unprotected by libsrtp with keys cut from the same export
//! by hand, as RFC 5764 §4.2 lays it out, and back.

use callseal::keying::{dtls_srtp_keys, exporter_len, DtlsRole, EXPORTER_LABEL};
use callseal::srtp::{SrtpConfig, SrtpReceiver, SrtpSender};
use callseal::SrtpSuite;
use callseal_interop::libsrtp;
use openssl::asn1::Asn1Time;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{Ssl, SslContext, SslMethod, SslVerifyMode};
use openssl::x509::{X509Name, X509};
use std::io::{self, Read, Write};
use std::net::UdpSocket;
use std::sync::Arc;
use std::time::Duration;

/// A connected UDP socket as the byte stream OpenSSL's DTLS reads and writes: one datagram
/// a call.
#[derive(Debug)]
struct Udp(Arc<UdpSocket>);

impl Read for Udp {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.recv(buf)
    }
}

impl Write for Udp {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.send(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// OpenSSL's name of the DTLS-SRTP profile of `suite`.
fn openssl_profile(suite: SrtpSuite) -> &'static str {
    match suite {
        SrtpSuite::AesCm128HmacSha1_80 => "SRTP_AES128_CM_SHA1_80",
        SrtpSuite::AesCm128HmacSha1_32 => "SRTP_AES128_CM_SHA1_32",
        SrtpSuite::AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
        SrtpSuite::AeadAes256Gcm => "SRTP_AEAD_AES_256_GCM",
        other => panic!("{other:?} is not negotiated here"),
    }
}

/// A self-signed P-256 certificate, as WebRTC endpoints use.
fn certificate() -> (PKey<Private>, X509) {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_text("CN", "callseal dtls-srtp test")
        .unwrap();
    let name = name.build();
    let mut x = X509::builder().unwrap();
    x.set_version(2).unwrap();
    x.set_subject_name(&name).unwrap();
    x.set_issuer_name(&name).unwrap();
    x.set_pubkey(&key).unwrap();
    x.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    x.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    x.sign(&key, MessageDigest::sha256()).unwrap();
    (key, x.build())
}

/// Two UDP sockets on loopback, connected to each other.
fn socket_pair() -> (Arc<UdpSocket>, Arc<UdpSocket>) {
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    a.connect(b.local_addr().unwrap()).unwrap();
    b.connect(a.local_addr().unwrap()).unwrap();
    for s in [&a, &b] {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    }
    (Arc::new(a), Arc::new(b))
}

/// What one side of the handshake ends with: the negotiated profile number and the export.
struct Exported {
    profile: u16,
    keying_material: Vec<u8>,
}

fn context(profile: &str, cert: Option<&(PKey<Private>, X509)>) -> SslContext {
    let mut ctx = SslContext::builder(SslMethod::dtls()).unwrap();
    ctx.set_tlsext_use_srtp(profile).unwrap();
    if let Some((key, x)) = cert {
        ctx.set_private_key(key).unwrap();
        ctx.set_certificate(x).unwrap();
    }
    // The peers authenticate each other by the certificate fingerprint in the application's
    // signaling, not by a certificate chain.
    ctx.set_verify(SslVerifyMode::NONE);
    ctx.build()
}

fn export(ssl: &openssl::ssl::SslRef, len: usize) -> Exported {
    let profile = ssl.selected_srtp_profile().expect("use_srtp negotiated");
    let mut keying_material = vec![0u8; len];
    ssl.export_keying_material(&mut keying_material, EXPORTER_LABEL, None)
        .unwrap();
    Exported {
        profile: profile.id().as_raw() as u16,
        keying_material,
    }
}

/// A DTLS 1.2 handshake offering only `suite`'s profile; returns (client, server) exports and
/// the sockets, now free for media.
fn handshake(suite: SrtpSuite) -> (Exported, Exported, Arc<UdpSocket>, Arc<UdpSocket>) {
    let (client_sock, server_sock) = socket_pair();
    let len = exporter_len(suite);
    let cert = certificate();
    let server_ctx = context(openssl_profile(suite), Some(&cert));
    let server_udp = Udp(server_sock.clone());
    let server = std::thread::spawn(move || {
        let mut ssl = Ssl::new(&server_ctx).unwrap();
        ssl.set_mtu(1200).unwrap();
        let stream = ssl.accept(server_udp).expect("the DTLS server handshake");
        export(stream.ssl(), len)
    });
    let client_ctx = context(openssl_profile(suite), None);
    let mut ssl = Ssl::new(&client_ctx).unwrap();
    ssl.set_mtu(1200).unwrap();
    let stream = ssl
        .connect(Udp(client_sock.clone()))
        .expect("the DTLS client handshake");
    assert_eq!(stream.ssl().version_str(), "DTLSv1.2");
    let client = export(stream.ssl(), len);
    let server = server.join().unwrap();
    (client, server, client_sock, server_sock)
}

/// Master key ‖ master salt of one direction, cut from the export by hand (RFC 5764 §4.2):
/// client key, server key, client salt, server salt.
fn by_hand(suite: SrtpSuite, export: &[u8], client_writes: bool) -> Vec<u8> {
    let (k, s) = (suite.key_len(), suite.salt_len());
    let (key, salt) = if client_writes {
        (&export[..k], &export[2 * k..2 * k + s])
    } else {
        (&export[k..2 * k], &export[2 * k + s..])
    };
    [key, salt].concat()
}

fn rtp(seq: u16, ssrc: u32, len: usize) -> Vec<u8> {
    let mut p = vec![0x80, 96];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 960).to_be_bytes());
    p.extend_from_slice(&ssrc.to_be_bytes());
    p.extend((0..len).map(|i| (i as u8) ^ (seq as u8)));
    p
}

#[test]
fn dtls_srtp_keys_interoperate_with_openssl_and_libsrtp() {
    // The protection profiles WebRTC negotiates (the NULL ones are for tests and gear only).
    for suite in SrtpSuite::HANDSHAKE {
        let (client, server, client_sock, server_sock) = handshake(suite);
        // Both sides negotiated the profile offered and exported the same bytes.
        assert_eq!(Some(client.profile), suite.id(), "{suite:?}");
        assert_eq!(Some(server.profile), suite.id(), "{suite:?}");
        assert_eq!(client.keying_material, server.keying_material);
        let negotiated = SrtpSuite::from_id(client.profile).unwrap();
        assert_eq!(negotiated, suite);

        // callseal on the client side, libsrtp on the server side.
        let keys = dtls_srtp_keys(negotiated, &client.keying_material, DtlsRole::Client).unwrap();
        let server_keys =
            dtls_srtp_keys(negotiated, &server.keying_material, DtlsRole::Server).unwrap();
        assert_eq!(
            server_keys.inbound.dangerous_key(),
            keys.outbound.dangerous_key()
        );
        let mut tx = SrtpSender::new(&keys.outbound, SrtpConfig::default()).unwrap();
        let mut rx = SrtpReceiver::new(&keys.inbound, SrtpConfig::default()).unwrap();
        let export = &server.keying_material;
        let mut lib_rx = libsrtp(suite, &by_hand(suite, export, true), true);
        let mut lib_tx = libsrtp(suite, &by_hand(suite, export, false), false);

        let mut buf = vec![0u8; 2048];
        for i in 0..200u16 {
            let seq = 65_500u16.wrapping_add(i);
            // callseal protects, the packet crosses loopback UDP, libsrtp unprotects.
            let plain = rtp(seq, 0x1111_2222, 40 + usize::from(i) * 5);
            let wire = tx.protect_rtp_vec(&plain).unwrap();
            client_sock.send(&wire).unwrap();
            let n = server_sock.recv(&mut buf).unwrap();
            let mut got = buf[..n].to_vec();
            lib_rx.unprotect(&mut got).unwrap();
            assert_eq!(got, plain, "{suite:?}: libsrtp read callseal's packet {i}");

            // And back: libsrtp protects, callseal unprotects.
            let plain = rtp(seq, 0x3333_4444, 1000 - usize::from(i) * 3);
            let mut wire = plain.clone();
            lib_tx.protect(&mut wire).unwrap();
            server_sock.send(&wire).unwrap();
            let n = client_sock.recv(&mut buf).unwrap();
            let opened = rx.unprotect_rtp(&mut buf[..n]).unwrap();
            assert_eq!(
                opened,
                &plain[..],
                "{suite:?}: callseal read libsrtp's packet {i}"
            );
        }
        // A packet protected with the wrong direction's key does not authenticate.
        let mut wrong = SrtpSender::new(&keys.inbound, SrtpConfig::default()).unwrap();
        let mut bad = wrong.protect_rtp_vec(&rtp(7, 0x1111_2222, 100)).unwrap();
        assert!(lib_rx.unprotect(&mut bad).is_err(), "{suite:?}");
    }
}
