//! What the demo prints at the end: the report of the call, as a table or as JSON, or the
//! refusal.
//!
//! `--json` prints [`CallReport`] (or [`RefusedReport`]) as serde writes it: the field names,
//! their nesting and their order below are what scripts read. The table is made from the same
//! values.

use super::args::{Attack, DemoArgs};
use super::endpoint::{EndpointReport, Keying};
use super::mitm::MitmCodes;
use super::{hop_layer, Shared, CALLEE, CALLER};
use crate::demo_policy::PolicyView;
use crate::Exit;
use callseal::session::{Layers, Rejected};
use callseal::MediaKind;
use serde::Serialize;
use serde_json::Value;
use std::process::ExitCode;
use std::sync::atomic::Ordering::SeqCst;

/// How the call is protected, as the report names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Security {
    /// End-to-end encrypted: `end_to_end`.
    EndToEnd,
    /// Standard encryption, hop-by-hop SRTP: `standard`.
    Standard,
    /// No call: end-to-end encryption is required and the other side has it off: `refused`.
    Refused,
}

/// One value for each side of the call.
#[derive(Debug, Serialize)]
pub(super) struct BySide<T> {
    pub(super) caller: T,
    pub(super) callee: T,
}

/// Packets rejected, by reason (the counters of [`Rejected`]).
#[derive(Debug, Serialize)]
struct RejectedCounts {
    authentication: u64,
    replay: u64,
    too_old: u64,
    unknown_key: u64,
    malformed: u64,
}

impl From<&Rejected> for RejectedCounts {
    fn from(r: &Rejected) -> Self {
        RejectedCounts {
            authentication: r.authentication,
            replay: r.replay,
            too_old: r.too_old,
            unknown_key: r.unknown_key,
            malformed: r.malformed,
        }
    }
}

impl RejectedCounts {
    /// Every rejection.
    fn total(&self) -> u64 {
        self.authentication + self.replay + self.too_old + self.unknown_key + self.malformed
    }
}

/// How often the relay made each attack (in the order of [`Attack::ALL`]).
#[derive(Debug, Serialize)]
struct AttackCounts {
    tamper: u64,
    replay: u64,
    drop: u64,
    reorder: u64,
    reflect: u64,
}

impl AttackCounts {
    fn load(shared: &Shared) -> Self {
        let n = |a: Attack| shared.attacks[a.index()].load(SeqCst);
        AttackCounts {
            tamper: n(Attack::Tamper),
            replay: n(Attack::Replay),
            drop: n(Attack::Drop),
            reorder: n(Attack::Reorder),
            reflect: n(Attack::Reflect),
        }
    }

    /// Packets the relay added to the media: tampered copies, replays and reflections.
    fn injected(&self) -> u64 {
        self.tamper + self.replay + self.reflect
    }
}

/// What the relay saw.
#[derive(Debug, Serialize)]
pub(super) struct RelayCounts {
    /// Packets it received.
    pub(super) packets: u64,
    /// Packets with a frame's marker in clear, as they arrived (before any key of the relay).
    pub(super) plaintext_seen: u64,
    /// The relay was given the hop-by-hop SRTP keys, as a media server is: in a standard call,
    /// and in an end-to-end call with both layers.
    pub(super) hop_keys: bool,
    /// Packets it took the hop-by-hop SRTP off with those keys.
    pub(super) hop_layer_removed: u64,
    /// Frames whose media it read in clear, with whatever keys it held: packets that carried a
    /// frame's start (its marker and id) readable.
    pub(super) media_readable: u64,
    /// The first video packet from the caller, as the relay saw it.
    pub(super) sample: Option<RelaySample>,
}

/// The RTP header of the sampled packet.
#[derive(Debug, Serialize)]
pub(super) struct RtpFields {
    pub(super) version: u8,
    pub(super) payload_type: u8,
    pub(super) marker: bool,
    pub(super) sequence: u16,
    pub(super) timestamp: u32,
    pub(super) ssrc: u32,
    pub(super) header_bytes: usize,
}

/// The SFrame RTP payload descriptor of the sampled packet: its byte and its S (first packet
/// of the frame), E (last) and T (per-packet SFrame) bits.
#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct DescriptorFields {
    pub(super) byte: u8,
    pub(super) s: bool,
    pub(super) e: bool,
    pub(super) t: bool,
}

/// The SFrame header of the sampled packet, its KID decoded as the call's KID scheme.
#[derive(Debug, Serialize)]
pub(super) struct SframeFields {
    pub(super) kid: u64,
    pub(super) ctr: u64,
    pub(super) header_bytes: usize,
    pub(super) epoch: u32,
    pub(super) direction: &'static str,
    pub(super) kind: &'static str,
}

/// One packet as the relay saw it, and what that tells it.
#[derive(Debug, Serialize)]
pub(super) struct RelaySample {
    pub(super) direction: &'static str,
    /// From the payload type.
    pub(super) kind: &'static str,
    pub(super) packet_bytes: usize,
    pub(super) rtp: RtpFields,
    /// `srtp_hop` (hop-by-hop SRTP, the relay holds its key), `srtp_end_to_end` (no key) or
    /// `none`.
    pub(super) packet_layer: &'static str,
    /// The SRTP trailer (the tag) the relay took off; null when it took none off.
    pub(super) srtp_trailer_bytes: Option<usize>,
    /// Null when the relay cannot see it (SRTP end to end).
    pub(super) descriptor: Option<DescriptorFields>,
    /// Null when there is none or the relay cannot see it.
    pub(super) sframe: Option<SframeFields>,
    /// The bytes after every header the relay could read: media in clear if `media_readable`,
    /// else ciphertext.
    pub(super) payload_bytes: usize,
    pub(super) media_readable: bool,
    pub(super) learns: &'static str,
    pub(super) cannot: &'static str,
}

/// One media stream in one direction.
#[derive(Debug, Serialize)]
struct StreamReport {
    kind: &'static str,
    direction: &'static str,
    frames_sent: u64,
    /// Frames delivered equal to the original (SHA-256).
    frames_delivered: u64,
    frames_mismatched: u64,
    frames_duplicated: u64,
    frames_incomplete: u64,
    packets_sent: u64,
    packets_received: u64,
    bytes_sent: u64,
    bytes_delivered: u64,
    rejected: RejectedCounts,
    protect_p50_ns: u64,
    protect_p99_ns: u64,
    unprotect_p50_ns: u64,
    unprotect_p99_ns: u64,
    /// Frame bytes over the time spent protecting and unprotecting them, to 0.1 MB/s.
    throughput_mb_per_s: f64,
}

/// The report of a call that took place.
#[derive(Debug, Serialize)]
pub(super) struct CallReport {
    security: Security,
    /// The layers the media went through (`srtp` for standard encryption).
    layers: &'static str,
    /// The code each side shows (none for standard encryption).
    security_codes: BySide<Option<String>>,
    codes_match: bool,
    /// The handshake: its version and each side's continuity outcome.
    handshake: HandshakeView,
    /// The policy decision, as [`PolicyView::json`] gives it.
    policy: Value,
    duration_s: f64,
    rekeys: u32,
    final_epoch: BySide<u32>,
    frames_sent: u64,
    frames_delivered: u64,
    frames_mismatched: u64,
    frames_duplicated: u64,
    frames_incomplete: u64,
    /// Every packet rejected, on a stream or not.
    rejected_total: u64,
    /// Packets rejected that belong to no stream of the receiver (its own, reflected back).
    unattributed_rejected: BySide<RejectedCounts>,
    attacks: AttackCounts,
    attack_packets_injected: u64,
    relay: RelayCounts,
    stalls: u64,
    streams: Vec<StreamReport>,
    ok: bool,
    problems: Vec<String>,
}

/// The report of a call that was refused.
#[derive(Debug, Serialize)]
struct RefusedReport {
    security: Security,
    reason: &'static str,
    policy: Value,
}

/// The report of a call a man in the middle stood in (`--attack mitm`): the codes, and no
/// media.
#[derive(Debug, Serialize)]
struct MitmReport {
    security: Security,
    /// `mitm`.
    attack: &'static str,
    /// The code each side shows.
    security_codes: BySide<Option<String>>,
    codes_match: bool,
    /// The handshake: its version and each side's continuity outcome.
    handshake: HandshakeView,
    /// The codes the man in the middle holds: of its handshake with the caller and with the
    /// callee.
    mitm_codes: BySide<String>,
    /// Always false: the users compare the codes and hang up before any media.
    media_sent: bool,
    policy: Value,
    ok: bool,
    problems: Vec<String>,
}

/// The handshake as both sides saw it: the key agreement, and with `--continuity` each side's
/// continuity outcome (`new`, `continued`, `mismatch`) and any note on its stored record.
#[derive(Debug, Serialize)]
pub(super) struct HandshakeView {
    /// `x25519+ml-kem-768` (version 2, post-quantum) or `x25519` (version 1).
    key_agreement: &'static str,
    version: u8,
    continuity: BySide<Option<&'static str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    continuity_notes: Vec<String>,
}

impl HandshakeView {
    pub(super) fn new(caller: &Keying, callee: &Keying) -> Self {
        let pq = caller.post_quantum && callee.post_quantum;
        HandshakeView {
            key_agreement: if pq { "x25519+ml-kem-768" } else { "x25519" },
            version: if pq { 2 } else { 1 },
            continuity: BySide {
                caller: caller.continuity,
                callee: callee.continuity,
            },
            continuity_notes: [&caller.note, &callee.note]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
        }
    }

    fn mismatch(&self) -> bool {
        self.continuity.caller == Some("mismatch") || self.continuity.callee == Some("mismatch")
    }
}

/// A number written as the JSON writes it (`8.0`, not `8`), for the table.
fn json_number(x: f64) -> String {
    Value::from(x).to_string()
}

/// Prints the refusal; the exit status is 3.
pub(super) fn refused(args: &DemoArgs, policy: &PolicyView) -> anyhow::Result<ExitCode> {
    if args.json {
        let v = RefusedReport {
            security: Security::Refused,
            reason: "end-to-end encryption is required but the other side has it off",
            policy: policy.json(),
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        policy.print();
        println!("call refused: {CALLER} requires end-to-end encryption and {CALLEE} has it off; no fallback to standard encryption");
    }
    Ok(Exit::E2eeRequired.into())
}

/// Prints the codes of a call with a man in the middle; the exit status is 4 when they differ,
/// as they must.
pub(super) fn mitm(
    args: &DemoArgs,
    policy: &PolicyView,
    caller: EndpointReport,
    callee: EndpointReport,
    held: MitmCodes,
) -> anyhow::Result<ExitCode> {
    let codes_match = caller.code == callee.code;
    let handshake = HandshakeView::new(&caller.keying, &callee.keying);
    let problems = if codes_match {
        vec!["the security codes match: the man in the middle went unseen".to_owned()]
    } else {
        vec!["the security codes differ: someone is in the middle".to_owned()]
    };
    let report = MitmReport {
        security: Security::EndToEnd,
        attack: "mitm",
        security_codes: BySide {
            caller: caller.code,
            callee: callee.code,
        },
        codes_match,
        handshake,
        mitm_codes: BySide {
            caller: held.with_caller,
            callee: held.with_callee,
        },
        media_sent: false,
        policy: policy.json(),
        ok: false,
        problems,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        report.print_human(policy);
    }
    Ok(if codes_match {
        ExitCode::FAILURE
    } else {
        Exit::CodesDiffer.into()
    })
}

impl MitmReport {
    fn print_human(&self, policy: &PolicyView) {
        policy.print();
        println!();
        println!("attack: a man in the middle on the signaling ran a handshake with each side");
        print_codes(&self.security_codes, self.codes_match, &self.handshake);
        println!(
            "  the man in the middle holds {} with alice",
            self.mitm_codes.caller
        );
        println!(
            "                          and {} with bob",
            self.mitm_codes.callee
        );
        println!();
        if self.codes_match {
            println!("problem: {}", self.problems.join("; "));
            return;
        }
        let line = "!".repeat(68);
        println!("{line}");
        println!("!!  WARNING: the codes differ: someone is in the middle, hang up  !!");
        println!("{line}");
        println!("no media was sent: the users compare the codes and hang up first");
        println!(
            "result: man in the middle detected (exit status {})",
            Exit::CodesDiffer as u8
        );
    }
}

/// The last lines of a report: `result: ok`, or each problem.
pub(super) fn print_result(ok: bool, problems: &[String]) {
    if ok {
        println!("result: ok");
    } else {
        for p in problems {
            println!("problem: {p}");
        }
    }
}

/// The key agreement, the codes both sides show with each side's continuity outcome beside
/// its code, and whether the codes match. A continuity mismatch is shown loudly.
pub(super) fn print_codes(codes: &BySide<Option<String>>, codes_match: bool, hs: &HandshakeView) {
    println!(
        "  key agreement: {} (handshake version {})",
        match hs.version {
            2 => "X25519 + ML-KEM-768, post-quantum",
            _ => "X25519",
        },
        hs.version
    );
    let beside = |c: Option<&str>| match c {
        Some("mismatch") => "   continuity: MISMATCH".to_owned(),
        Some(c) => format!("   continuity: {c}"),
        None => String::new(),
    };
    println!(
        "  alice sees security code  {}{}",
        codes.caller.as_deref().unwrap_or("-"),
        beside(hs.continuity.caller)
    );
    println!(
        "  bob sees security code    {}{}",
        codes.callee.as_deref().unwrap_or("-"),
        beside(hs.continuity.callee)
    );
    println!("  codes match: {}", if codes_match { "yes" } else { "NO" });
    for note in &hs.continuity_notes {
        print_wrapped("  continuity store: ", note);
    }
    if hs.mismatch() {
        let text = [
            "CONTINUITY MISMATCH: a side held a secret from an earlier call and it",
            "did not match: a new device, a lost store, or a man in the middle.",
            "Compare the security code above before you trust this call.",
        ];
        let line = "!".repeat(78);
        println!("  {line}");
        for t in text {
            println!("  !!  {t:<70}  !!");
        }
        println!("  {line}");
    }
}

impl CallReport {
    /// The report from what both endpoints saw and what the relay counted.
    pub(super) fn new(
        args: &DemoArgs,
        layers: Layers,
        policy: &PolicyView,
        shared: &Shared,
        caller: EndpointReport,
        callee: EndpointReport,
    ) -> Self {
        let e2e = caller.code.is_some();
        let eps = [caller, callee];
        let mut streams = Vec::new();
        for s in 0..2 {
            let r = 1 - s;
            let dir = eps[s].role.send_direction();
            for kind in MediaKind::ALL {
                let k = kind as usize;
                let sent = eps[s].sent[k];
                let recv = eps[r].received[k];
                let tx = &eps[s].samples_tx[k];
                let rx = &eps[r].samples_rx[k];
                let busy = tx.protect_total + rx.unprotect_total;
                let mbps = if busy.is_zero() {
                    0.0
                } else {
                    sent.bytes_protected as f64 / busy.as_secs_f64() / 1e6
                };
                streams.push(StreamReport {
                    kind: kind.name(),
                    direction: dir.name(),
                    frames_sent: eps[s].frames_sent[k],
                    frames_delivered: eps[r].delivered_ok[k],
                    frames_mismatched: eps[r].mismatched[k],
                    frames_duplicated: eps[r].duplicated[k],
                    frames_incomplete: recv.frames_incomplete,
                    packets_sent: sent.packets_protected,
                    packets_received: recv.packets_unprotected,
                    bytes_sent: sent.bytes_protected,
                    bytes_delivered: recv.bytes_unprotected,
                    rejected: (&recv.rejected).into(),
                    protect_p50_ns: tx.protect.percentile(0.5),
                    protect_p99_ns: tx.protect.percentile(0.99),
                    unprotect_p50_ns: rx.unprotect.percentile(0.5),
                    unprotect_p99_ns: rx.unprotect.percentile(0.99),
                    throughput_mb_per_s: (mbps * 10.0).round() / 10.0,
                });
            }
        }
        let [caller, callee] = eps;
        let total = |f: fn(&StreamReport) -> u64| streams.iter().map(f).sum::<u64>();
        let frames_sent = total(|s| s.frames_sent);
        let delivered = total(|s| s.frames_delivered);
        let mismatched = total(|s| s.frames_mismatched);
        let duplicated = total(|s| s.frames_duplicated);
        let incomplete = total(|s| s.frames_incomplete);
        let unattributed = BySide {
            caller: RejectedCounts::from(&caller.unattributed),
            callee: RejectedCounts::from(&callee.unattributed),
        };
        let rejected_total = unattributed.caller.total()
            + unattributed.callee.total()
            + total(|s| s.rejected.total());
        let attacks = AttackCounts::load(shared);
        let injected = attacks.injected();
        let codes_match = caller.code == callee.code;
        let handshake = HandshakeView::new(&caller.keying, &callee.keying);
        let hop_keys = hop_layer(e2e, layers);
        let relay = RelayCounts {
            packets: shared.relay_packets.load(SeqCst),
            plaintext_seen: shared.plaintext_seen.load(SeqCst),
            hop_keys,
            hop_layer_removed: shared.hop_layer_removed.load(SeqCst),
            media_readable: shared.media_readable.load(SeqCst),
            sample: shared.sample.lock().expect("lock").take(),
        };
        let plaintext_seen = relay.plaintext_seen;
        let mut problems = Vec::new();
        if !codes_match {
            problems.push("the security codes differ".to_owned());
        }
        if mismatched > 0 || duplicated > 0 {
            problems.push(format!(
                "{mismatched} frames differed from the original, {duplicated} were delivered twice"
            ));
        }
        if e2e && plaintext_seen > 0 {
            problems.push(format!(
                "the relay saw plaintext in {plaintext_seen} packets"
            ));
        }
        // What the demo shows: a media server holding the hop keys reads a standard call, and
        // nothing of an end-to-end one.
        if e2e && relay.media_readable > 0 {
            problems.push(format!(
                "the relay read the media of {} frames of an end-to-end call",
                relay.media_readable
            ));
        }
        if !e2e && relay.media_readable == 0 {
            problems.push(
                "the relay, holding the hop keys, could not read the media of a standard call"
                    .to_owned(),
            );
        }
        if args.attack.is_empty() {
            if delivered != frames_sent {
                problems.push(format!(
                    "{} of {frames_sent} frames were not delivered",
                    frames_sent - delivered
                ));
            }
            if rejected_total > 0 {
                problems.push(format!(
                    "{rejected_total} packets were rejected without an attack"
                ));
            }
        } else {
            // With SRTP every injected packet is rejected on arrival. Without it, a frame is
            // checked once it is whole: an injected fragment of a frame already delivered waits
            // for a frame that never completes and is given up as incomplete.
            let accounted = if layers == Layers::Sframe && e2e {
                rejected_total + incomplete
            } else {
                rejected_total
            };
            if accounted < injected {
                problems.push(format!(
                    "{injected} packets injected by the relay but only {accounted} rejected"
                ));
            }
        }
        CallReport {
            security: if e2e {
                Security::EndToEnd
            } else {
                Security::Standard
            },
            layers: if e2e { layers.name() } else { "srtp" },
            security_codes: BySide {
                caller: caller.code,
                callee: callee.code,
            },
            codes_match,
            handshake,
            policy: policy.json(),
            duration_s: args.duration,
            rekeys: caller.epoch.max(callee.epoch),
            final_epoch: BySide {
                caller: caller.epoch,
                callee: callee.epoch,
            },
            frames_sent,
            frames_delivered: delivered,
            frames_mismatched: mismatched,
            frames_duplicated: duplicated,
            frames_incomplete: incomplete,
            rejected_total,
            unattributed_rejected: unattributed,
            attacks,
            attack_packets_injected: injected,
            relay,
            stalls: shared.stalls.load(SeqCst),
            streams,
            ok: problems.is_empty(),
            problems,
        }
    }

    /// Prints the report, as JSON or as a table; the exit status says whether the call was ok.
    pub(super) fn print(&self, args: &DemoArgs, policy: &PolicyView) -> anyhow::Result<ExitCode> {
        if args.json {
            println!("{}", serde_json::to_string_pretty(self)?);
        } else {
            self.print_human(args, policy);
        }
        Ok(if self.ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        })
    }

    fn print_human(&self, args: &DemoArgs, policy: &PolicyView) {
        policy.print();
        println!();
        match self.security {
            Security::EndToEnd => {
                println!(
                    "call: end-to-end encrypted ({})",
                    match self.layers {
                        "both" => "both layers: SFrame inside SRTP",
                        "srtp" => "srtp layer: SRTP keyed end to end",
                        _ => "sframe layer: SFrame, RTP in clear",
                    }
                );
                print_codes(&self.security_codes, self.codes_match, &self.handshake);
                println!("  rekeys during the call: {}", self.rekeys);
            }
            _ => {
                println!("call: standard encryption (hop-by-hop SRTP); no security code");
                if let Some(layers) = args.layers {
                    print_wrapped(
                        "  note: ",
                        &format!(
                            "--layers {} applies to end-to-end calls; this standard call runs \
                             hop-by-hop SRTP",
                            Layers::from(layers).name()
                        ),
                    );
                }
            }
        }
        println!();
        self.print_table();
        if args.stats {
            println!();
            self.print_stats();
        }
        println!();
        self.print_attacks();
        println!(
            "frames: {} sent, {} delivered equal to the original (SHA-256), {} differed, {} lost",
            self.frames_sent,
            self.frames_delivered,
            self.frames_mismatched,
            self.frames_sent.saturating_sub(self.frames_delivered)
        );
        if let Some(sample) = &self.relay.sample {
            println!();
            sample.print();
        }
        println!();
        self.print_relay();
        print_result(self.ok, &self.problems);
    }

    /// The streams: what was sent, delivered and rejected (at most 100 columns).
    fn print_table(&self) {
        let row = |cells: [&dyn std::fmt::Display; 8]| {
            println!(
                "{:<13} {:<16} {:>6} {:>9} {:>5} {:>7} {:>11} {:>8}",
                cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6], cells[7]
            )
        };
        row([
            &"stream",
            &"direction",
            &"frames",
            &"delivered",
            &"lost",
            &"packets",
            &"bytes",
            &"rejected",
        ]);
        for r in &self.streams {
            row([
                &words(r.kind),
                &words(r.direction),
                &r.frames_sent,
                &r.frames_delivered,
                &r.frames_sent.saturating_sub(r.frames_delivered),
                &r.packets_sent,
                &r.bytes_sent,
                &r.rejected.total(),
            ]);
        }
    }

    /// `--stats`: the time each packet took to protect and unprotect, and the throughput.
    fn print_stats(&self) {
        println!(
            "{:<13} {:<16} {:>18} {:>18} {:>8}",
            "latency", "direction", "protect p50/p99", "unprotect p50/p99", "MB/s"
        );
        for r in &self.streams {
            println!(
                "{:<13} {:<16} {:>18} {:>18} {:>8}",
                words(r.kind),
                words(r.direction),
                format!("{}/{} ns", r.protect_p50_ns, r.protect_p99_ns),
                format!("{}/{} ns", r.unprotect_p50_ns, r.unprotect_p99_ns),
                json_number(r.throughput_mb_per_s),
            );
        }
    }

    /// The packets rejected, by reason (the reasons that happened), when there were any.
    fn print_rejected(&self) {
        if self.rejected_total == 0 {
            return;
        }
        let by_side = [
            &self.unattributed_rejected.caller,
            &self.unattributed_rejected.callee,
        ];
        let all = self.streams.iter().map(|s| &s.rejected).chain(by_side);
        let mut sum = [0u64; 5];
        for r in all {
            let n = [
                r.authentication,
                r.replay,
                r.too_old,
                r.unknown_key,
                r.malformed,
            ];
            for (s, n) in sum.iter_mut().zip(n) {
                *s += n;
            }
        }
        let reasons = [
            "failed authentication",
            "replays",
            "too old",
            "under an unknown key",
            "malformed",
        ];
        let named: Vec<String> = sum
            .iter()
            .zip(reasons)
            .filter(|(n, _)| **n > 0)
            .map(|(n, reason)| format!("{n} {reason}"))
            .collect();
        print_wrapped(
            "rejected: ",
            &format!("{} packets: {}", self.rejected_total, named.join(", ")),
        );
        let (a, b) = (by_side[0].total(), by_side[1].total());
        if a + b > 0 {
            println!("  of them own packets the relay sent back: {a} to alice, {b} to bob");
        }
    }

    /// What the relay did to the media: injected packets (rejected), late ones, dropped ones
    /// (losses, not attacks any key could stop).
    fn print_attacks(&self) {
        let a = &self.attacks;
        if a.injected() > 0 {
            println!(
                "relay attacks: {} tampered copies, {} replays, {} reflections: {} packets injected",
                a.tamper, a.replay, a.reflect, self.attack_packets_injected
            );
        }
        self.print_rejected();
        if a.injected() > 0 {
            println!(
                "forged frames delivered: {}",
                self.frames_mismatched + self.frames_duplicated
            );
        }
        if a.reorder > 0 {
            println!(
                "{} packets held back and sent late by the relay: put back in order",
                a.reorder
            );
        }
        if a.drop > 0 {
            println!(
                "{} packets dropped by the relay: lost, not attacks (no encryption stops a drop)",
                a.drop
            );
        }
    }

    /// What the relay could read, with the keys it held.
    fn print_relay(&self) {
        let r = &self.relay;
        let read = format!(
            "read media in {} of {} frames",
            r.media_readable, self.frames_sent
        );
        match (self.security, r.hop_keys) {
            (Security::EndToEnd, true) => println!(
                "relay: removed the hop layer from {} packets with its keys; {read}",
                r.hop_layer_removed
            ),
            (Security::EndToEnd, false) if self.layers == "srtp" => println!(
                "relay: no keys (SRTP is end to end); {} packets seen; {read}",
                r.packets
            ),
            (Security::EndToEnd, false) => println!(
                "relay: no hop layer (RTP in clear); {} packets seen; {read}",
                r.packets
            ),
            _ => {
                println!(
                    "relay: removed SRTP from {} packets with the hop keys; {read}",
                    r.hop_layer_removed
                );
                println!(
                    "  standard encryption protects each hop: the media server reads the call"
                );
            }
        }
    }
}

impl RelaySample {
    /// The packet, annotated: each header the relay can parse, and what it learns.
    fn print(&self) {
        println!(
            "one packet as the relay sees it (the first video packet, {}):",
            words(self.direction)
        );
        let h = &self.rtp;
        println!(
            "  RTP     V={} PT={} ({}) M={} seq={} ts={} SSRC={:#010x}, {}-byte header",
            h.version,
            h.payload_type,
            words(self.kind),
            u8::from(h.marker),
            h.sequence,
            h.timestamp,
            h.ssrc,
            h.header_bytes
        );
        match (self.packet_layer, self.srtp_trailer_bytes) {
            ("srtp_hop", Some(tag)) => {
                println!("  SRTP    {tag}-byte tag, removed with the relay's hop key")
            }
            ("srtp_end_to_end", _) => println!(
                "  SRTP    keyed end to end: {} bytes of ciphertext and tag, no key at the relay",
                self.payload_bytes
            ),
            _ => println!("  SRTP    none: the RTP packet travels in clear"),
        }
        if let Some(d) = &self.descriptor {
            let place = match (d.s, d.e) {
                (true, true) => "the only packet of its frame",
                (true, false) => "the first packet of its frame",
                (false, true) => "the last packet of its frame",
                (false, false) => "a middle packet of its frame",
            };
            println!(
                "  frame   SFrame RTP descriptor 0x{:02x}: S={} E={} T={}, {place}",
                d.byte, d.s as u8, d.e as u8, d.t as u8
            );
        }
        if let Some(sf) = &self.sframe {
            println!(
                "  SFrame  KID {} = epoch {}, {}, {}; CTR {}; {}-byte header",
                sf.kid,
                sf.epoch,
                words(sf.direction),
                words(sf.kind),
                sf.ctr,
                sf.header_bytes
            );
        }
        if self.media_readable {
            println!(
                "  media   {} bytes in clear: the relay reads the frame",
                self.payload_bytes
            );
        } else if self.packet_layer != "srtp_end_to_end" {
            println!(
                "  media   {} bytes sealed with SFrame: ciphertext to the relay",
                self.payload_bytes
            );
        }
        println!("  packet  {} bytes on the wire", self.packet_bytes);
        print_wrapped("  learns: ", self.learns);
        print_wrapped("  cannot: ", self.cannot);
    }
}

/// The words a person reads for a name of the report: a direction or a media kind.
pub(super) fn words(name: &str) -> &str {
    match name {
        "caller_to_callee" => "caller → callee",
        "callee_to_caller" => "callee → caller",
        "screen" => "screen share",
        other => other,
    }
}

/// The widest line the demo prints.
const COLUMNS: usize = 100;

/// `text` after `first`, its words wrapped at [`COLUMNS`], the lines after the first lined up
/// under its first word.
fn wrap(first: &str, text: &str) -> Vec<String> {
    let indent = first.chars().count();
    let mut lines = Vec::new();
    let mut line = first.to_owned();
    let mut len = indent;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if len > indent && len + 1 + w > COLUMNS {
            lines.push(std::mem::replace(&mut line, " ".repeat(indent)));
            len = indent;
        }
        if len > indent {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += w;
    }
    lines.push(line);
    lines
}

/// Prints `text` after `first`, wrapped at [`COLUMNS`] (see [`wrap`]).
pub(crate) fn print_wrapped(first: &str, text: &str) {
    for line in wrap(first, text) {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// `value` as serde writes it is the concatenation of `parts`.
    fn assert_json(value: &impl Serialize, parts: &[&str]) {
        assert_eq!(serde_json::to_string(value).unwrap(), parts.concat());
    }

    fn rejected(authentication: u64, unknown_key: u64) -> RejectedCounts {
        RejectedCounts {
            authentication,
            replay: 0,
            too_old: 0,
            unknown_key,
            malformed: 0,
        }
    }

    /// What scripts read: the field names, their nesting and order, and how numbers are written.
    #[test]
    fn call_report_json_keeps_its_fields_and_their_order() {
        let report = CallReport {
            security: Security::EndToEnd,
            layers: "both",
            security_codes: BySide {
                caller: Some("11111 22222 33333 44444".to_owned()),
                callee: None,
            },
            codes_match: false,
            handshake: HandshakeView::new(
                &Keying {
                    post_quantum: true,
                    continuity: Some("continued"),
                    note: None,
                },
                &Keying {
                    post_quantum: true,
                    continuity: Some("mismatch"),
                    note: Some("n".to_owned()),
                },
            ),
            policy: json!({ "decision": "end_to_end" }),
            duration_s: 2.0,
            rekeys: 1,
            final_epoch: BySide {
                caller: 1,
                callee: 0,
            },
            frames_sent: 10,
            frames_delivered: 9,
            frames_mismatched: 0,
            frames_duplicated: 0,
            frames_incomplete: 1,
            rejected_total: 3,
            unattributed_rejected: BySide {
                caller: rejected(0, 0),
                callee: rejected(0, 2),
            },
            attacks: AttackCounts {
                tamper: 1,
                replay: 0,
                drop: 2,
                reorder: 0,
                reflect: 0,
            },
            attack_packets_injected: 1,
            relay: RelayCounts {
                packets: 20,
                plaintext_seen: 0,
                hop_keys: true,
                hop_layer_removed: 20,
                media_readable: 0,
                sample: None,
            },
            stalls: 0,
            streams: vec![StreamReport {
                kind: "audio",
                direction: "caller_to_callee",
                frames_sent: 10,
                frames_delivered: 9,
                frames_mismatched: 0,
                frames_duplicated: 0,
                frames_incomplete: 1,
                packets_sent: 10,
                packets_received: 9,
                bytes_sent: 1000,
                bytes_delivered: 900,
                rejected: rejected(1, 0),
                protect_p50_ns: 1500,
                protect_p99_ns: 9000,
                unprotect_p50_ns: 1600,
                unprotect_p99_ns: 9100,
                throughput_mb_per_s: 8.0,
            }],
            ok: false,
            problems: vec!["the security codes differ".to_owned()],
        };
        let rejected_json = |a, k| {
            format!(
                r#"{{"authentication":{a},"replay":0,"too_old":0,"unknown_key":{k},"malformed":0}}"#
            )
        };
        assert_json(
            &report,
            &[
                r#"{"security":"end_to_end","layers":"both","#,
                r#""security_codes":{"caller":"11111 22222 33333 44444","callee":null},"#,
                r#""codes_match":false,"handshake":{"key_agreement":"x25519+ml-kem-768","#,
                r#""version":2,"continuity":{"caller":"continued","callee":"mismatch"},"#,
                r#""continuity_notes":["n"]},"#,
                r#""policy":{"decision":"end_to_end"},"duration_s":2.0,"#,
                r#""rekeys":1,"final_epoch":{"caller":1,"callee":0},"#,
                r#""frames_sent":10,"frames_delivered":9,"frames_mismatched":0,"#,
                r#""frames_duplicated":0,"frames_incomplete":1,"rejected_total":3,"#,
                &format!(
                    r#""unattributed_rejected":{{"caller":{},"callee":{}}},"#,
                    rejected_json(0, 0),
                    rejected_json(0, 2)
                ),
                r#""attacks":{"tamper":1,"replay":0,"drop":2,"reorder":0,"reflect":0},"#,
                r#""attack_packets_injected":1,"#,
                r#""relay":{"packets":20,"plaintext_seen":0,"hop_keys":true,"#,
                r#""hop_layer_removed":20,"media_readable":0,"sample":null},"#,
                r#""stalls":0,"#,
                r#""streams":[{"kind":"audio","direction":"caller_to_callee","#,
                r#""frames_sent":10,"frames_delivered":9,"frames_mismatched":0,"#,
                r#""frames_duplicated":0,"frames_incomplete":1,"packets_sent":10,"#,
                r#""packets_received":9,"bytes_sent":1000,"bytes_delivered":900,"#,
                &format!(r#""rejected":{},"#, rejected_json(1, 0)),
                r#""protect_p50_ns":1500,"protect_p99_ns":9000,"#,
                r#""unprotect_p50_ns":1600,"unprotect_p99_ns":9100,"#,
                r#""throughput_mb_per_s":8.0}],"#,
                r#""ok":false,"problems":["the security codes differ"]}"#,
            ],
        );
    }

    #[test]
    fn refused_report_json_keeps_its_fields_and_their_order() {
        let report = RefusedReport {
            security: Security::Refused,
            reason: "r",
            policy: json!({ "decision": "standard" }),
        };
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            r#"{"security":"refused","reason":"r","policy":{"decision":"standard"}}"#
        );
    }

    #[test]
    fn relay_sample_json_keeps_its_fields_and_their_order() {
        let sample = RelaySample {
            direction: "caller_to_callee",
            kind: "video",
            packet_bytes: 1200,
            rtp: RtpFields {
                version: 2,
                payload_type: 96,
                marker: false,
                sequence: 7,
                timestamp: 0,
                ssrc: 42,
                header_bytes: 12,
            },
            packet_layer: "srtp_hop",
            srtp_trailer_bytes: Some(16),
            descriptor: Some(DescriptorFields {
                byte: 0x80,
                s: true,
                e: false,
                t: false,
            }),
            sframe: Some(SframeFields {
                kid: 9,
                ctr: 3,
                header_bytes: 2,
                epoch: 1,
                direction: "caller_to_callee",
                kind: "video",
            }),
            payload_bytes: 1164,
            media_readable: false,
            learns: "l",
            cannot: "c",
        };
        assert_json(
            &sample,
            &[
                r#"{"direction":"caller_to_callee","kind":"video","packet_bytes":1200,"#,
                r#""rtp":{"version":2,"payload_type":96,"marker":false,"sequence":7,"#,
                r#""timestamp":0,"ssrc":42,"header_bytes":12},"#,
                r#""packet_layer":"srtp_hop","srtp_trailer_bytes":16,"#,
                r#""descriptor":{"byte":128,"s":true,"e":false,"t":false},"#,
                r#""sframe":{"kid":9,"ctr":3,"header_bytes":2,"epoch":1,"#,
                r#""direction":"caller_to_callee","kind":"video"},"#,
                r#""payload_bytes":1164,"media_readable":false,"learns":"l","cannot":"c"}"#,
            ],
        );
    }

    #[test]
    fn mitm_report_json_keeps_its_fields_and_their_order() {
        let report = MitmReport {
            security: Security::EndToEnd,
            attack: "mitm",
            security_codes: BySide {
                caller: Some("a".to_owned()),
                callee: Some("b".to_owned()),
            },
            codes_match: false,
            handshake: HandshakeView::new(&Keying::default(), &Keying::default()),
            mitm_codes: BySide {
                caller: "a".to_owned(),
                callee: "b".to_owned(),
            },
            media_sent: false,
            policy: json!({}),
            ok: false,
            problems: vec!["p".to_owned()],
        };
        assert_json(
            &report,
            &[
                r#"{"security":"end_to_end","attack":"mitm","#,
                r#""security_codes":{"caller":"a","callee":"b"},"codes_match":false,"#,
                r#""handshake":{"key_agreement":"x25519","version":1,"#,
                r#""continuity":{"caller":null,"callee":null}},"#,
                r#""mitm_codes":{"caller":"a","callee":"b"},"media_sent":false,"policy":{},"#,
                r#""ok":false,"problems":["p"]}"#,
            ],
        );
    }

    #[test]
    fn wrapped_lines_fit_and_line_up() {
        let text = "live captions, transcription, transfer the call, merge calls, park, \
                    consult then transfer, transfer to another device, add a participant, \
                    recording";
        let lines = wrap("  unavailable in this call: ", text);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(line.chars().count() <= COLUMNS, "{line}");
        }
        assert!(lines[1].starts_with(&" ".repeat(28)));
        assert_eq!(
            lines.concat().split_whitespace().count(),
            text.split_whitespace().count() + 4
        );
        assert_eq!(wrap("x: ", ""), ["x: "]);
    }

    #[test]
    fn the_table_writes_numbers_as_the_json_does() {
        assert_eq!(json_number(8.0), "8.0");
        assert_eq!(json_number(0.0), "0.0");
        assert_eq!(json_number(279.5), "279.5");
    }
}
