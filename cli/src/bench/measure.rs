//! The interleaved measurement of one figure: rounds of the subject and of its baseline in
//! turn, A B B A A B …, each round a batch of operations prepared outside the timed region and
//! sized to take about the round time, so that a slow spell of the machine hits both alike.
//! With several streams every thread runs the same round at the same time.

use super::figures::STACK_OFFSETS;
use super::figures::{pair_of_rounds, round_ops, stack_offset, Pair, Placed, Runner};
use super::stats::{median, Grouped};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// How long to measure a figure.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    /// The target length of one round.
    pub round: Duration,
    /// Pairs of rounds are measured until this much time has passed…
    pub budget: Duration,
    /// …and at least this many were (rounded up to whole cycles of the stack offsets).
    pub min_pairs: usize,
}

/// Pairs of rounds run first and not counted: caches, branch predictors and clocks settle.
const WARM_UP_PAIRS: usize = 2;
/// An upper bound on the pairs of one figure, however long the budget (whole cycles of the
/// stack offsets).
const MAX_PAIRS: usize = 100_000 / (2 * STACK_OFFSETS) * (2 * STACK_OFFSETS);

/// The figures of one subject against its baseline.
#[derive(Clone, Copy, Debug)]
pub struct Measured {
    /// Operations per round (per stream).
    pub round_ops: usize,
    /// Median nanoseconds per operation and stream.
    pub subject_ns: f64,
    pub baseline_ns: f64,
    /// Over the pairs of rounds: the baseline's time over the subject's, that is the subject's
    /// throughput as a fraction of the baseline's.
    pub ratio: Grouped,
}

/// Measure the pair `make` builds (once per stream), on `threads` streams at once. Every
/// stream runs on a thread of its own, the first alone also when there is one: a thread's
/// stack starts at the same place in its page in every run, where the main thread's moves
/// with the address space layout (and with it, by several percent, the figures of the
/// smallest packets).
pub fn interleaved<F>(make: &F, size: usize, threads: usize, plan: Plan) -> anyhow::Result<Measured>
where
    F: Fn() -> anyhow::Result<Pair> + Sync,
{
    // Fail here, not on a stream: every stream builds its own.
    drop(make()?);
    let threads = threads.max(1);
    let sync = Lockstep {
        barrier: Barrier::new(threads),
        stop: AtomicBool::new(false),
        round_ops: AtomicUsize::new(1),
    };
    let per_stream = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let sync = &sync;
                s.spawn(move || {
                    let mut placed = Placed::new(make).expect("runners built before");
                    if t == 0 {
                        let (a, b) = &mut placed.pairs[0];
                        let n = round_ops(&mut **a, &mut **b, size, plan.round);
                        sync.round_ops.store(n, Ordering::SeqCst);
                    }
                    sync.barrier.wait();
                    let n = sync.round_ops.load(Ordering::SeqCst);
                    let lockstep = (threads > 1).then_some((sync, t == 0));
                    rounds(&mut placed.pairs, n, plan, lockstep)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("bench thread"))
            .collect::<Vec<_>>()
    });
    Ok(summarize(sync.round_ops.into_inner(), &per_stream))
}

struct Lockstep {
    barrier: Barrier,
    stop: AtomicBool,
    /// Operations per round, as the first stream found.
    round_ops: AtomicUsize,
}

/// Time one round of `r`, every stream starting it together.
fn round(r: &mut dyn Runner, n: usize, sync: Option<(&Lockstep, bool)>) -> Duration {
    r.prepare(n);
    if let Some((s, _)) = sync {
        s.barrier.wait();
    }
    let t = Instant::now();
    r.run(n);
    t.elapsed()
}

/// Pairs of rounds of a subject and its baseline, alternating which goes first and which copy
/// of them runs, until the plan is met; with several streams the first decides for all when
/// to stop.
fn rounds(
    pairs: &mut [Pair],
    n: usize,
    plan: Plan,
    sync: Option<(&Lockstep, bool)>,
) -> Vec<(Duration, Duration)> {
    let mut times = Vec::new();
    let start = Instant::now();
    for k in 0.. {
        // The pair's number among those counted: its copy of the runners, its stack offset
        // and which runs first.
        let j = times.len();
        let (ta, tb) = pair_of_rounds(pairs, j, |r| round(r, n, sync));
        if k >= WARM_UP_PAIRS {
            times.push((ta, tb));
        }
        // Whole cycles of the stack offsets, each offset as often as the others.
        let cycle = times.len() % (2 * STACK_OFFSETS) == 0;
        let done = times.len() >= MAX_PAIRS
            || (cycle && times.len() >= plan.min_pairs && start.elapsed() >= plan.budget);
        match sync {
            None if done => break,
            None => {}
            Some((s, leader)) => {
                s.barrier.wait();
                if leader {
                    s.stop.store(done, Ordering::SeqCst);
                }
                s.barrier.wait();
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
            }
        }
    }
    times
}

/// Each pair's wall-clock times are those of its slowest stream.
fn summarize(n: usize, per_stream: &[Vec<(Duration, Duration)>]) -> Measured {
    let pairs = per_stream.iter().map(Vec::len).min().unwrap_or(0);
    let wall = |k: usize, pick: fn(&(Duration, Duration)) -> Duration| {
        per_stream
            .iter()
            .map(|s| pick(&s[k]))
            .max()
            .unwrap_or_default()
            .as_nanos() as f64
    };
    let a: Vec<f64> = (0..pairs).map(|k| wall(k, |p| p.0)).collect();
    let b: Vec<f64> = (0..pairs).map(|k| wall(k, |p| p.1)).collect();
    let ratios: Vec<(usize, f64)> = a
        .iter()
        .zip(&b)
        .enumerate()
        .map(|(k, (a, b))| (stack_offset(k), b / a))
        .collect();
    Measured {
        round_ops: n,
        subject_ns: median(&a) / n as f64,
        baseline_ns: median(&b) / n as f64,
        ratio: Grouped::of(&ratios),
    }
}
