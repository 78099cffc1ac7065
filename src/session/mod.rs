//! The call session: policy, handshake and media streams together.
mod packetize;
