//! The man in the middle of `--attack mitm`: it sits on the signaling path, answers the
//! caller's handshake as if it were the callee and calls the callee as if it were the caller,
//! with randomness of its own. Both ends complete a handshake, each with it, and so hold keys
//! it holds too; what gives it away is the security code, made from each handshake's
//! transcript: the two ends show different codes.

use super::signaling::{recv_msg, send_msg, CONTEXT, SIG_ANSWER, SIG_CONFIRM, SIG_OFFER};
use anyhow::{bail, Context as _};
use callseal::handshake::{Callee, Caller, Established, HandshakeConfig, PostQuantum};
use callseal::Intent;
use std::net::{SocketAddr, TcpListener, TcpStream};

/// The codes the man in the middle holds: one for each handshake it ran.
pub(super) struct MitmCodes {
    pub(super) with_caller: String,
    pub(super) with_callee: String,
}

/// A signaling message of the type expected, or an error naming the step.
fn expect(stream: &mut TcpStream, ty: u8, step: &str) -> anyhow::Result<Vec<u8>> {
    let (got, body) = recv_msg(stream)?;
    if got != ty {
        bail!("man in the middle: the {step} did not come (message type {got})");
    }
    Ok(body)
}

fn code(est: &Established) -> anyhow::Result<String> {
    est.security_code()
        .map(|c| c.as_str().to_owned())
        .context("man in the middle: the handshake gave no security code")
}

/// Takes the caller's signaling connection on `listener`, opens one to the callee at
/// `callee`, and runs a handshake on each, with the post-quantum setting of the call.
pub(super) fn run_mitm(
    listener: TcpListener,
    callee: SocketAddr,
    post_quantum: PostQuantum,
) -> anyhow::Result<MitmCodes> {
    let (mut caller_side, _) = listener.accept().context("man in the middle: accept")?;
    let mut callee_side = TcpStream::connect(callee).context("man in the middle: connect")?;
    // It answers in the caller's version and calls in the same; it holds no retained secret.
    let cfg = HandshakeConfig::new(Intent::On).with_post_quantum(post_quantum);
    // The caller's offer, answered as if by the callee...
    let offer = expect(&mut caller_side, SIG_OFFER, "caller's offer")?;
    let (mut as_callee, answer) = Callee::accept(&cfg, CONTEXT, &offer)?;
    // ...and an offer of its own to the callee, as if from the caller.
    let (mut as_caller, own_offer) = Caller::offer(&cfg, CONTEXT)?;
    send_msg(&mut callee_side, SIG_OFFER, &own_offer)?;
    let callee_answer = expect(&mut callee_side, SIG_ANSWER, "callee's answer")?;
    let (confirm, with_callee) = as_caller.finish(&callee_answer)?;
    send_msg(&mut callee_side, SIG_CONFIRM, &confirm)?;
    send_msg(&mut caller_side, SIG_ANSWER, &answer)?;
    let caller_confirm = expect(&mut caller_side, SIG_CONFIRM, "caller's confirm")?;
    let with_caller = as_callee.confirm(&caller_confirm)?;
    Ok(MitmCodes {
        with_caller: code(&with_caller)?,
        with_callee: code(&with_callee)?,
    })
}
