//! Hop-by-hop SRTP keys from the standards real clients use: a DTLS-SRTP handshake (WebRTC,
//! RFC 5764) and SDP security descriptions (SIP, RFC 4568). Both give the [`PacketKeys`] of a
//! standard call or of the packet layer of [`Layers::Both`](crate::session::Layers).
//!
//! [`PacketKeys`]: crate::session::PacketKeys

mod dtls_srtp;
mod sdes;

pub use dtls_srtp::{dtls_srtp_keys, exporter_len, DtlsRole, EXPORTER_LABEL};
pub use sdes::{
    sdes_packet_keys, CryptoAttribute, FecOrder, Lifetime, SdesKey, SdesMki, SdesPart, SessionParam,
};
