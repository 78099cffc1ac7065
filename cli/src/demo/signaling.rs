//! Signaling: length-prefixed messages over TCP, and the handshake the endpoints run over
//! them.

use super::endpoint::EndpointSetup;
use anyhow::{anyhow, bail, Context as _};
use callseal::handshake::{Callee, Caller, Established, HandshakeConfig, Retained};
use callseal::{Error, Role};
use std::io::{Read, Write};
use std::net::TcpStream;

pub(super) fn send_msg(s: &mut TcpStream, ty: u8, body: &[u8]) -> anyhow::Result<()> {
    let mut m = Vec::with_capacity(5 + body.len());
    m.push(ty);
    m.extend_from_slice(&(body.len() as u32).to_be_bytes());
    m.extend_from_slice(body);
    s.write_all(&m).context("signaling write")
}

pub(super) fn recv_msg(s: &mut TcpStream) -> anyhow::Result<(u8, Vec<u8>)> {
    let mut h = [0u8; 5];
    s.read_exact(&mut h).context("signaling read")?;
    let len = u32::from_be_bytes([h[1], h[2], h[3], h[4]]) as usize;
    if len > 1 << 16 {
        bail!("signaling message too large");
    }
    let mut body = vec![0u8; len];
    s.read_exact(&mut body).context("signaling read")?;
    Ok((h[0], body))
}

pub(super) const SIG_OFFER: u8 = 1;
pub(super) const SIG_ANSWER: u8 = 2;
pub(super) const SIG_CONFIRM: u8 = 3;
pub(super) const SIG_REFUSED: u8 = 9;

pub(super) const CONTEXT: &[u8] = b"callseal demo | call 1 | alice@contoso.com | bob@contoso.com";

/// Handshake over the signaling connection, offering or matching the secrets `retained` from
/// earlier calls; `Err` carries a refusal.
pub(super) fn handshake(
    setup: &EndpointSetup,
    retained: &Retained,
    signal: &mut TcpStream,
) -> anyhow::Result<Established> {
    let cfg = HandshakeConfig::new(setup.intent).with_post_quantum(setup.post_quantum);
    match setup.role {
        Role::Caller => {
            let (mut caller, offer) = Caller::offer_with_retained(&cfg, CONTEXT, retained)?;
            send_msg(signal, SIG_OFFER, &offer)?;
            let (ty, answer) = recv_msg(signal)?;
            if ty == SIG_REFUSED {
                return Err(anyhow!(Error::E2eeRequired));
            }
            match caller.finish(&answer) {
                Ok((confirm, est)) => {
                    send_msg(signal, SIG_CONFIRM, &confirm)?;
                    Ok(est)
                }
                Err(e) => {
                    send_msg(signal, SIG_REFUSED, &[])?;
                    Err(anyhow!(e))
                }
            }
        }
        Role::Callee => {
            let (_, offer) = recv_msg(signal)?;
            match Callee::accept_with_retained(&cfg, CONTEXT, &offer, retained) {
                Ok((mut callee, answer)) => {
                    send_msg(signal, SIG_ANSWER, &answer)?;
                    let (ty, confirm) = recv_msg(signal)?;
                    if ty == SIG_REFUSED {
                        return Err(anyhow!(Error::E2eeRequired));
                    }
                    Ok(callee.confirm(&confirm)?)
                }
                Err(e) => {
                    send_msg(signal, SIG_REFUSED, &[])?;
                    Err(anyhow!(e))
                }
            }
        }
    }
}
