//! The figures of `callseal bench`, measured by criterion: the same subject and baseline pairs
//! (this bench includes the CLI's `figures.rs`), in the same interleaved way. Criterion
//! decides how many operations each sample holds and times callseal's side of every sample
//! (its report is callseal's time per operation); each sample runs in rounds of at most a
//! couple of hundred microseconds, callseal's and the baseline's in turn (A B, then B A), at
//! the same stack offsets and on the same copies of the runners as `callseal bench`. At the end
//! a table gives, per figure, the ratio over the measured samples' rounds (the baseline's time
//! over callseal's: callseal's throughput as a fraction of the baseline's).
//!
//! `cargo bench --bench bench_ratios` (about 4 minutes; the RustCrypto rows need
//! `--features rustcrypto`, which a workspace build has); a criterion filter picks figures,
//! e.g. `cargo bench --bench bench_ratios -- 160B/srtp`. `BENCH_RATIOS_SIZES=160,1200` sets the
//! payload sizes (default 160, 1200 and 16384).

use callseal::crypto::Backend;
use criterion::{Criterion, Throughput};
use std::time::Duration;

#[allow(dead_code)]
#[path = "../cli/src/bench/figures.rs"]
mod figures;
// Its unit tests run with the CLI's.
#[allow(dead_code, unused_imports)]
#[path = "../cli/src/bench/stats.rs"]
mod stats;

#[cfg(feature = "rustcrypto")]
#[path = "../cli/src/bench/rustcrypto_gcm.rs"]
mod rustcrypto_gcm;

/// Without the `rustcrypto` feature there is no RustCrypto backend, and no row needs its raw
/// AES-GCM.
#[cfg(not(feature = "rustcrypto"))]
mod rustcrypto_gcm {
    use super::figures::{Op, Runner};

    pub fn runner(_: usize, _: Op, _: usize, _: usize) -> callseal::Result<Box<dyn Runner>> {
        Err(callseal::Error::UnsupportedBackend)
    }
}

use figures::{name_columns, pair_of_rounds, round_ops, stack_offset, timed};
use figures::{Op, Placed, Subject};
use stats::Grouped;

/// The round length of `callseal bench`'s default.
const ROUND: Duration = Duration::from_micros(200);
const SAMPLES: usize = 20;

struct Row {
    subject: Subject,
    op: Op,
    size: usize,
    /// Over the measured samples: callseal's nanoseconds per operation, and the ratio.
    ns: f64,
    ratio: Grouped,
}

/// One call of the routine: callseal's time, the operations, and the (stack offset, ratio) of
/// every pair of rounds.
struct Call {
    spent: Duration,
    ops: u64,
    pairs: Vec<(usize, f64)>,
}

fn sizes() -> Vec<usize> {
    std::env::var("BENCH_RATIOS_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![160, 1200, 16384])
}

fn bench(c: &mut Criterion) -> Vec<Row> {
    let backends: Vec<Backend> = Backend::available().collect();
    let mut rows = Vec::new();
    for size in sizes() {
        let mut g = c.benchmark_group(format!("bench_ratios/{size}B"));
        g.throughput(Throughput::Bytes(size as u64));
        for subject in Subject::all(&backends) {
            for op in Op::ALL {
                let mut placed = Placed::new(|| subject.pair(op, size)).expect("runners");
                let (a, b) = &mut placed.pairs[0];
                let n = round_ops(&mut **a, &mut **b, size, ROUND);
                let mut calls: Vec<Call> = Vec::new();
                let mut j = 0usize;
                let id = format!(
                    "{}/{}/{}/{}",
                    subject.layer(),
                    subject.suite(),
                    subject.backend(),
                    op.name()
                );
                g.bench_function(id, |bencher| {
                    bencher.iter_custom(|iters| {
                        let mut spent = Duration::ZERO;
                        let mut ratios = Vec::new();
                        let mut left = iters as usize;
                        while left > 0 {
                            let m = left.min(n);
                            let (ta, tb) = pair_of_rounds(&mut placed.pairs, j, |r| timed(r, m));
                            ratios.push((stack_offset(j), tb.as_secs_f64() / ta.as_secs_f64()));
                            spent += ta;
                            left -= m;
                            j += 1;
                        }
                        calls.push(Call {
                            spent,
                            ops: iters,
                            pairs: ratios,
                        });
                        spent
                    })
                });
                // The last calls are criterion's samples; those before, its warm-up.
                let measured = &calls[calls.len().saturating_sub(SAMPLES)..];
                if measured.is_empty() {
                    continue; // filtered out
                }
                let spent: Duration = measured.iter().map(|c| c.spent).sum();
                let ops: u64 = measured.iter().map(|c| c.ops).sum();
                let pairs: Vec<(usize, f64)> = measured
                    .iter()
                    .flat_map(|c| c.pairs.iter().copied())
                    .collect();
                rows.push(Row {
                    subject,
                    op,
                    size,
                    ns: spent.as_nanos() as f64 / ops as f64,
                    ratio: Grouped::of(&pairs),
                });
            }
        }
        g.finish();
    }
    rows
}

fn main() {
    // On a thread of its own, as `callseal bench` measures: its stack starts at the same place
    // in every run.
    std::thread::spawn(run).join().expect("bench thread");
}

fn run() {
    let mut c = Criterion::default()
        .sample_size(SAMPLES)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    let rows = bench(&mut c);
    c.final_summary();
    if rows.is_empty() {
        return;
    }
    println!("\ncriterion samples, callseal against its baseline (interleaved rounds):");
    let head = name_columns("layer", "suite", "backend", "op");
    println!(
        "{head} {:>7} {:>10} {:>8} {:>7} {:>7}",
        "size", "ns/op", "vs raw", "spread", "pairs"
    );
    for r in rows {
        let s = r.subject;
        println!(
            "{} {:>7} {:>10.1} {:>7.3}x {:>6.1}% {:>7}",
            name_columns(s.layer(), s.suite(), s.backend(), r.op.name()),
            r.size,
            r.ns,
            r.ratio.median,
            r.ratio.spread * 100.0,
            r.ratio.samples
        );
    }
}
