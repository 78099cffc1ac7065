//! What the demo prints at the end: the report of the call, as a table or as JSON, or the
//! refusal.

use super::args::{Attack, DemoArgs};
use super::endpoint::EndpointReport;
use super::{Shared, CALLEE, CALLER};
use crate::demo_policy::PolicyView;
use callseal::session::{Layers, Rejected};
use callseal::MediaKind;
use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::atomic::Ordering::SeqCst;

fn percentile(v: &mut [u64], p: f64) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    let i = ((v.len() - 1) as f64 * p).round() as usize;
    v[i]
}

pub(super) fn refused_report(args: &DemoArgs, policy: &PolicyView) -> anyhow::Result<ExitCode> {
    if args.json {
        let v = json!({
            "security": "refused",
            "reason": "end-to-end encryption is required but the other side has it off",
            "policy": policy.json(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        policy.print();
        println!("call refused: {CALLER} requires end-to-end encryption and {CALLEE} has it off; no fallback to standard encryption");
    }
    Ok(ExitCode::from(3))
}

fn rejected_json(r: &Rejected) -> Value {
    json!({
        "authentication": r.authentication,
        "replay": r.replay,
        "too_old": r.too_old,
        "unknown_key": r.unknown_key,
        "malformed": r.malformed,
    })
}

pub(super) fn report(
    args: &DemoArgs,
    layers: Layers,
    policy: &PolicyView,
    shared: &Shared,
    caller: EndpointReport,
    callee: EndpointReport,
) -> anyhow::Result<ExitCode> {
    let e2e = caller.code.is_some();
    let mut eps = [caller, callee];
    let mut rows = Vec::new();
    let mut totals = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut rejected_total = eps[0].unattributed.total() + eps[1].unattributed.total();
    for s in 0..2 {
        let r = 1 - s;
        let dir = eps[s].role.send_direction();
        for kind in MediaKind::ALL {
            let k = kind as usize;
            let sent = eps[s].sent[k];
            let recv = eps[r].received[k];
            let tx = std::mem::take(&mut eps[s].samples_tx[k]);
            let mut rx = std::mem::take(&mut eps[r].samples_rx[k]);
            let mut ptx = tx.protect;
            let busy = tx.protect_total + rx.unprotect_total;
            let mbps = if busy.is_zero() {
                0.0
            } else {
                sent.bytes_protected as f64 / busy.as_secs_f64() / 1e6
            };
            rejected_total += recv.rejected.total();
            totals.0 += eps[s].frames_sent[k];
            totals.1 += eps[r].delivered_ok[k];
            totals.2 += eps[r].mismatched[k];
            totals.3 += eps[r].duplicated[k];
            totals.4 += recv.frames_incomplete;
            rows.push(json!({
                "kind": kind.name(),
                "direction": dir.name(),
                "frames_sent": eps[s].frames_sent[k],
                "frames_delivered": eps[r].delivered_ok[k],
                "frames_mismatched": eps[r].mismatched[k],
                "frames_duplicated": eps[r].duplicated[k],
                "frames_incomplete": recv.frames_incomplete,
                "packets_sent": sent.packets_protected,
                "packets_received": recv.packets_unprotected,
                "bytes_sent": sent.bytes_protected,
                "bytes_delivered": recv.bytes_unprotected,
                "rejected": rejected_json(&recv.rejected),
                "protect_p50_ns": percentile(&mut ptx, 0.5),
                "protect_p99_ns": percentile(&mut ptx, 0.99),
                "unprotect_p50_ns": percentile(&mut rx.unprotect, 0.5),
                "unprotect_p99_ns": percentile(&mut rx.unprotect, 0.99),
                "throughput_mb_per_s": (mbps * 10.0).round() / 10.0,
            }));
        }
    }
    let attacks: serde_json::Map<String, Value> = Attack::ALL
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name().to_owned(), json!(shared.attacks[i].load(SeqCst))))
        .collect();
    let injected = [Attack::Tamper, Attack::Replay, Attack::Reflect]
        .iter()
        .map(|a| {
            shared.attacks[Attack::ALL.iter().position(|x| x == a).expect("known")].load(SeqCst)
        })
        .sum::<u64>();
    let codes_match = eps[0].code == eps[1].code;
    let plaintext_seen = shared.plaintext_seen.load(SeqCst);
    let (frames_sent, delivered, mismatched, duplicated, incomplete) = totals;
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
        // With SRTP every injected packet is rejected on arrival. Without it, a frame is checked
        // once it is whole: an injected fragment of a frame already delivered waits for a frame
        // that never completes and is given up as incomplete.
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
    let ok = problems.is_empty();
    let security = if e2e { "end_to_end" } else { "standard" };
    let v = json!({
        "security": security,
        "layers": if e2e { layers.name() } else { "srtp" },
        "security_codes": { "caller": eps[0].code, "callee": eps[1].code },
        "codes_match": codes_match,
        "policy": policy.json(),
        "duration_s": args.duration,
        "rekeys": eps[0].epoch.max(eps[1].epoch),
        "final_epoch": { "caller": eps[0].epoch, "callee": eps[1].epoch },
        "frames_sent": frames_sent,
        "frames_delivered": delivered,
        "frames_mismatched": mismatched,
        "frames_duplicated": duplicated,
        "frames_incomplete": incomplete,
        "rejected_total": rejected_total,
        "unattributed_rejected": {
            "caller": rejected_json(&eps[0].unattributed),
            "callee": rejected_json(&eps[1].unattributed),
        },
        "attacks": attacks,
        "attack_packets_injected": injected,
        "relay": {
            "packets": shared.relay_packets.load(SeqCst),
            "plaintext_seen": plaintext_seen,
        },
        "stalls": shared.stalls.load(SeqCst),
        "streams": rows,
        "ok": ok,
        "problems": problems,
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_human(&v, policy);
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn print_human(v: &Value, policy: &PolicyView) {
    policy.print();
    println!();
    match v["security"].as_str() {
        Some("end_to_end") => {
            println!(
                "call: end-to-end encrypted ({} layer{})",
                v["layers"].as_str().unwrap_or(""),
                if v["layers"] == "both" {
                    "s: SFrame inside SRTP"
                } else {
                    ""
                }
            );
            println!(
                "  alice sees security code  {}",
                v["security_codes"]["caller"].as_str().unwrap_or("-")
            );
            println!(
                "  bob sees security code    {}",
                v["security_codes"]["callee"].as_str().unwrap_or("-")
            );
            println!(
                "  codes match: {}",
                if v["codes_match"] == true {
                    "yes"
                } else {
                    "NO"
                }
            );
            println!("  rekeys during the call: {}", v["rekeys"]);
        }
        _ => println!("call: standard encryption (hop-by-hop SRTP); no security code"),
    }
    println!();
    println!(
        "{:<7} {:<17} {:>6} {:>9} {:>7} {:>10} {:>8} {:>22} {:>15} {:>15} {:>8}",
        "stream",
        "direction",
        "frames",
        "delivered",
        "packets",
        "bytes",
        "rejected",
        "auth/replay/old/key/bad",
        "protect p50/p99",
        "unprot. p50/p99",
        "MB/s"
    );
    for r in v["streams"].as_array().into_iter().flatten() {
        let rj = &r["rejected"];
        let total: u64 = [
            "authentication",
            "replay",
            "too_old",
            "unknown_key",
            "malformed",
        ]
        .iter()
        .map(|k| rj[k].as_u64().unwrap_or(0))
        .sum();
        println!(
            "{:<7} {:<17} {:>6} {:>9} {:>7} {:>10} {:>8} {:>22} {:>15} {:>15} {:>8}",
            r["kind"].as_str().unwrap_or(""),
            r["direction"].as_str().unwrap_or(""),
            r["frames_sent"].to_string(),
            r["frames_delivered"].to_string(),
            r["packets_sent"].to_string(),
            r["bytes_sent"].to_string(),
            total,
            format!(
                "{}/{}/{}/{}/{}",
                rj["authentication"],
                rj["replay"],
                rj["too_old"],
                rj["unknown_key"],
                rj["malformed"]
            ),
            format!("{}/{} ns", r["protect_p50_ns"], r["protect_p99_ns"]),
            format!("{}/{} ns", r["unprotect_p50_ns"], r["unprotect_p99_ns"]),
            r["throughput_mb_per_s"].to_string(),
        );
    }
    println!();
    let attacks = &v["attacks"];
    if attacks
        .as_object()
        .is_some_and(|m| m.values().any(|x| x != 0))
    {
        println!(
            "relay attacks: tamper {} replay {} drop {} reorder {} reflect {}; rejected in all: {} (own packets reflected back: {} + {})",
            attacks["tamper"], attacks["replay"], attacks["drop"], attacks["reorder"], attacks["reflect"],
            v["rejected_total"],
            v["unattributed_rejected"]["caller"]["unknown_key"], v["unattributed_rejected"]["callee"]["unknown_key"],
        );
    }
    println!(
        "frames: {} sent, {} delivered equal to the original (SHA-256), {} differed, {} lost",
        v["frames_sent"],
        v["frames_delivered"],
        v["frames_mismatched"],
        v["frames_sent"]
            .as_u64()
            .unwrap_or(0)
            .saturating_sub(v["frames_delivered"].as_u64().unwrap_or(0))
    );
    println!(
        "relay: {} packets seen, plaintext in {}",
        v["relay"]["packets"], v["relay"]["plaintext_seen"]
    );
    if v["ok"] == true {
        println!("result: ok");
    } else {
        for p in v["problems"].as_array().into_iter().flatten() {
            println!("problem: {}", p.as_str().unwrap_or(""));
        }
    }
}
