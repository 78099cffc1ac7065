//! `callseal bench`: protect and unprotect throughput of every suite of both layers, with each
//! AES-GCM backend the build has, each figure measured against the raw construction of its
//! family (the baseline) in interleaved rounds; with the `peers` feature, libsrtp and the
//! `sframe` crate beside them, against the same baselines.

use anyhow::bail;
use callseal::crypto::Backend;
use clap::Args;
use serde_json::json;
use std::process::ExitCode;
use std::time::Duration;

mod figures;
mod measure;
#[cfg(feature = "peers")]
mod peers;
mod rustcrypto_gcm;
mod stats;

use figures::{name_columns, Baseline, Op, Pair, Subject};
use measure::{Measured, Plan};

/// Arguments of `callseal bench`.
#[derive(Args, Debug)]
pub(crate) struct BenchArgs {
    /// Payload sizes in bytes (1 to 1048576), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "160,1200,16384,102400",
          value_parser = bounded::<1, { 1 << 20 }>)]
    sizes: Vec<usize>,
    /// Independent streams on this many threads, 1 to 256 (also measured on one thread, for
    /// the scaling).
    #[arg(long, default_value_t = 1, value_parser = bounded::<1, 256>)]
    threads: usize,
    /// Milliseconds measured per figure, 5 to 60000 (the subject's and its baseline's rounds
    /// together).
    #[arg(long, default_value_t = 100, value_parser = bounded::<5, 60_000>)]
    time_ms: usize,
    /// One JSON record per measurement instead of a table.
    #[arg(long)]
    json: bool,
    /// The AES-GCM backend of the GCM suites: `ring`, `rustcrypto`, or `all` (side by side).
    #[arg(long, default_value = "all", value_parser = ["ring", "rustcrypto", "all"])]
    backend: String,
    /// Microseconds one round of operations should take, 10 to 100000; the subject's and the
    /// baseline's rounds alternate.
    #[arg(long, default_value_t = 200, value_parser = bounded::<10, 100_000>)]
    round_us: usize,
    /// Warn when a ratio's spread (interquartile range over median of the per-round ratios)
    /// is above this many percent.
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true, value_parser = percent)]
    warn_spread: f64,
}

/// A whole number from `LO` to `HI`.
fn bounded<const LO: usize, const HI: usize>(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (LO..=HI).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from {LO} to {HI}")),
    }
}

/// A percentage, 0 or more.
fn percent(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if p >= 0.0 && p.is_finite() => Ok(p),
        _ => Err("expected a percentage, 0 or more".into()),
    }
}

/// What a row measures: a callseal layer and suite, or a peer.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Row {
    Callseal(Subject),
    #[cfg(feature = "peers")]
    Peer(peers::Peer),
}

impl Row {
    fn layer(self) -> &'static str {
        match self {
            Row::Callseal(s) => s.layer(),
            #[cfg(feature = "peers")]
            Row::Peer(p) => p.layer(),
        }
    }

    fn suite(self) -> &'static str {
        match self {
            Row::Callseal(s) => s.suite(),
            #[cfg(feature = "peers")]
            Row::Peer(p) => p.suite(),
        }
    }

    fn backend(self) -> &'static str {
        match self {
            Row::Callseal(s) => s.backend(),
            #[cfg(feature = "peers")]
            Row::Peer(p) => p.backend(),
        }
    }

    fn baseline(self) -> Baseline {
        match self {
            Row::Callseal(s) => s.baseline(),
            #[cfg(feature = "peers")]
            Row::Peer(p) => p.baseline(),
        }
    }

    fn pair(self, op: Op, size: usize) -> anyhow::Result<Pair> {
        match self {
            Row::Callseal(s) => Ok(s.pair(op, size)?),
            #[cfg(feature = "peers")]
            Row::Peer(p) => p.pair(op, size),
        }
    }
}

struct Figure {
    row: Row,
    op: Op,
    size: usize,
    threads: usize,
    m: Measured,
}

impl Figure {
    /// Layer, suite, backend and op, as table columns.
    fn name(&self) -> String {
        name_columns(
            self.row.layer(),
            self.row.suite(),
            self.row.backend(),
            self.op.name(),
        )
    }

    /// Aggregate MB/s of all streams, from the median round.
    fn mb_per_s(&self, ns: f64) -> f64 {
        self.threads as f64 * self.size as f64 * 1e3 / ns
    }
}

/// With the `peers` feature, libsrtp's and the `sframe` crate's rows.
fn peer_rows() -> Vec<Row> {
    #[cfg(feature = "peers")]
    return peers::Peer::all().into_iter().map(Row::Peer).collect();
    #[cfg(not(feature = "peers"))]
    Vec::new()
}

fn backends(arg: &str) -> anyhow::Result<Vec<Backend>> {
    if arg == "all" {
        return Ok(Backend::available().collect());
    }
    let b: Backend = arg
        .parse()
        .map_err(|_| anyhow::anyhow!("--backend must be ring, rustcrypto or all"))?;
    if !b.is_available() {
        bail!("this build has no {b} backend");
    }
    Ok(vec![b])
}

pub(crate) fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    let plan = Plan {
        round: Duration::from_micros(args.round_us as u64),
        budget: Duration::from_millis(args.time_ms as u64),
        min_pairs: 2 * figures::STACK_OFFSETS,
    };
    let limit = args.warn_spread / 100.0;
    let rows: Vec<Row> = Subject::all(&backends(&args.backend)?)
        .into_iter()
        .map(Row::Callseal)
        .chain(peer_rows())
        .collect();
    let thread_counts: Vec<usize> = if args.threads > 1 {
        vec![1, args.threads]
    } else {
        vec![1]
    };
    let total = (rows.len() * 2 * args.sizes.len() * thread_counts.len()) as u64;
    let bar = if args.json {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(total)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg:40} [{bar:30}] {pos}/{len}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut figures = Vec::new();
    for &size in &args.sizes {
        for &row in &rows {
            for op in Op::ALL {
                for &threads in &thread_counts {
                    bar.set_message(format!("{} {} {size} B x{threads}", row.suite(), op.name()));
                    let m = measure::interleaved(&|| row.pair(op, size), size, threads, plan)?;
                    figures.push(Figure {
                        row,
                        op,
                        size,
                        threads,
                        m,
                    });
                    bar.inc(1);
                }
            }
        }
    }
    figures.sort_by_key(|f| f.threads);
    bar.finish_and_clear();
    if args.json {
        print_json(&figures, limit);
    } else {
        print_table(&figures, &args, limit);
    }
    warn(&figures, limit, args.warn_spread);
    Ok(ExitCode::SUCCESS)
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

fn print_json(figures: &[Figure], limit: f64) {
    for f in figures {
        let r = f.m.ratio;
        println!(
            "{}",
            json!({
                "layer": f.row.layer(),
                "suite": f.row.suite(),
                "backend": f.row.backend(),
                "op": f.op.name(),
                "size": f.size,
                "threads": f.threads,
                "ns_per_op": round(f.m.subject_ns, 1),
                "mb_per_s": round(f.mb_per_s(f.m.subject_ns), 1),
                "ratio_to_raw": round(r.median, 3),
                "baseline": f.row.baseline().name(),
                "baseline_ns_per_op": round(f.m.baseline_ns, 1),
                "baseline_mb_per_s": round(f.mb_per_s(f.m.baseline_ns), 1),
                "spread": round(r.spread, 4),
                "placement_spread": round(r.between, 4),
                "samples": r.samples,
                "round_ops": f.m.round_ops,
                "warning": r.too_noisy(limit),
            })
        );
    }
}

fn print_table(figures: &[Figure], args: &BenchArgs, limit: f64) {
    let threads = figures.iter().map(|f| f.threads);
    let mut counts: Vec<usize> = threads.collect();
    counts.dedup();
    for &t in &counts {
        println!("\n{t} thread{}:", if t == 1 { "" } else { "s" });
        let head = name_columns("layer", "suite", "backend", "op");
        println!(
            "{head} {:>7} {:>10} {:>9}  {:<37} {:>9} {:>7} {:>7} {:>9}",
            "size", "ns/op", "MB/s", "baseline", "MB/s", "vs raw", "spread", "placement"
        );
        for f in figures.iter().filter(|f| f.threads == t) {
            let r = f.m.ratio;
            println!(
                "{} {:>7} {:>10.1} {:>9.1}  {:<37} {:>9.1} {:>6.3}x {:>6.1}% {:>8.1}%{}",
                f.name(),
                f.size,
                f.m.subject_ns,
                f.mb_per_s(f.m.subject_ns),
                f.row.baseline().name(),
                f.mb_per_s(f.m.baseline_ns),
                r.median,
                r.spread * 100.0,
                r.between * 100.0,
                if r.too_noisy(limit) { " !" } else { "" }
            );
        }
    }
    if args.threads > 1 {
        println!(
            "\nscaling, {} threads over 1 thread (throughput):",
            args.threads
        );
        for f in figures.iter().filter(|f| f.threads == args.threads) {
            let one = figures
                .iter()
                .find(|o| o.threads == 1 && o.row == f.row && o.op == f.op && o.size == f.size)
                .map(|o| o.mb_per_s(o.m.subject_ns))
                .unwrap_or(f64::NAN);
            let scaling = f.mb_per_s(f.m.subject_ns) / one;
            println!("{} {:>8} B  {scaling:>5.2}x", f.name(), f.size);
        }
    }
}

/// On stderr, the figures whose spread is above the limit.
fn warn(figures: &[Figure], limit: f64, percent: f64) {
    let noisy: Vec<&Figure> = figures
        .iter()
        .filter(|f| f.m.ratio.too_noisy(limit))
        .collect();
    if noisy.is_empty() {
        return;
    }
    eprintln!(
        "warning: {} of {} ratios spread more than {percent}% from round to round; do not trust \
         them (a busy machine: measure again when it is quieter, or with a longer --time-ms):",
        noisy.len(),
        figures.len()
    );
    for f in noisy {
        let r = f.m.ratio;
        eprintln!(
            "  {} {:>7} B x{}: {:.3}x, spread {:.1}% over {} pairs",
            f.name(),
            f.size,
            f.threads,
            r.median,
            r.spread * 100.0,
            r.samples
        );
    }
}
