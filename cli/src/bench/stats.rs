//! The statistics of `callseal bench`: medians, quartiles and the relative spread of a set of
//! samples, and when a spread is too high for the median to be trusted.

/// The `q`-quantile (0 to 1) of `sorted`, interpolated linearly between the two nearest ranks;
/// NaN when there are no samples.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        }
    }
}

/// The median of `samples` (in any order); NaN when there are none.
pub fn median(samples: &[f64]) -> f64 {
    Summary::of(samples).median
}

/// The median of a set of samples and how widely they spread around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    pub median: f64,
    /// The interquartile range over the median: half the samples lie in a band this wide, as a
    /// fraction of the median (0.05 is ±2.5% around it).
    pub spread: f64,
    pub samples: usize,
}

impl Summary {
    pub fn of(samples: &[f64]) -> Summary {
        let mut v: Vec<f64> = samples.iter().copied().filter(|x| !x.is_nan()).collect();
        v.sort_by(f64::total_cmp);
        let median = quantile(&v, 0.5);
        let iqr = quantile(&v, 0.75) - quantile(&v, 0.25);
        Summary {
            median,
            spread: if median != 0.0 {
                (iqr / median).abs()
            } else {
                f64::NAN
            },
            samples: v.len(),
        }
    }
}

/// Samples taken in groups, each group under other conditions that move the figure (where
/// the stack lies, say): the median of the groups' medians, how widely the samples spread
/// around their own group's median (the noise), and how widely the group medians spread (how
/// much the conditions matter).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grouped {
    pub median: f64,
    /// Interquartile range over median of every sample divided by its group's median.
    pub spread: f64,
    /// Interquartile range over median of the group medians.
    pub between: f64,
    pub samples: usize,
}

impl Grouped {
    /// Of `(group, sample)` pairs, groups numbered from 0.
    pub fn of(samples: &[(usize, f64)]) -> Grouped {
        let groups = samples.iter().map(|s| s.0 + 1).max().unwrap_or(0);
        let medians: Vec<f64> = (0..groups)
            .map(|g| {
                let v: Vec<f64> = samples.iter().filter(|s| s.0 == g).map(|s| s.1).collect();
                median(&v)
            })
            .collect();
        let within: Vec<f64> = samples.iter().map(|&(g, x)| x / medians[g]).collect();
        let between = Summary::of(&medians);
        let noise = Summary::of(&within);
        Grouped {
            median: between.median,
            spread: noise.spread,
            between: between.spread,
            samples: noise.samples,
        }
    }

    /// Whether the noise is above `limit` (a fraction), or unknown: then the median is not a
    /// figure to trust.
    pub fn too_noisy(&self, limit: f64) -> bool {
        self.spread.is_nan() || self.spread > limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_unsorted_samples() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
        // NaN samples are left out, not sorted to one end.
        assert_eq!(median(&[f64::NAN, 1.0, 5.0, 3.0]), 3.0);
    }

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let v = [10.0, 20.0, 30.0, 40.0, 50.0];
        assert_eq!(quantile(&v, 0.0), 10.0);
        assert_eq!(quantile(&v, 0.25), 20.0);
        assert_eq!(quantile(&v, 0.5), 30.0);
        assert_eq!(quantile(&v, 1.0), 50.0);
        assert_eq!(quantile(&[10.0, 20.0], 0.25), 12.5);
        assert_eq!(quantile(&v, 2.0), 50.0);
    }

    #[test]
    fn spread_is_the_interquartile_range_over_the_median() {
        // Quartiles 0.95 and 1.05 around a median of 1.0.
        let s = Summary::of(&[0.9, 0.95, 1.0, 1.05, 1.1]);
        assert_eq!(s.median, 1.0);
        assert!((s.spread - 0.10).abs() < 1e-12);
        assert_eq!(s.samples, 5);
        // One wild sample moves neither the median nor the spread much.
        let t = Summary::of(&[0.9, 0.95, 1.0, 1.05, 1.1, 1.0, 1.0, 40.0]);
        assert_eq!(t.median, 1.0);
        assert!(t.spread < 0.11);
        // Scale-free: the same samples ten times larger spread alike.
        let u = Summary::of(&[9.0, 9.5, 10.0, 10.5, 11.0]);
        assert!((u.spread - s.spread).abs() < 1e-12);
        assert_eq!(Summary::of(&[2.0; 9]).spread, 0.0);
    }

    #[test]
    fn warning_threshold() {
        let one = |v: &[f64]| Grouped::of(&v.iter().map(|&x| (0, x)).collect::<Vec<_>>());
        let tight = one(&[0.99, 1.0, 1.0, 1.01]);
        assert!(!tight.too_noisy(0.05));
        let loose = one(&[0.8, 0.9, 1.0, 1.1, 1.2]);
        assert!((loose.spread - 0.2).abs() < 1e-12);
        assert_eq!(loose.between, 0.0);
        assert!(loose.too_noisy(0.05));
        assert!(!loose.too_noisy(0.25));
        assert!(
            !one(&[2.0; 9]).too_noisy(0.0),
            "at the limit is still trusted"
        );
        // No samples, or a zero median: nothing to trust.
        assert!(one(&[]).too_noisy(0.05));
        assert!(one(&[0.0, 0.0]).too_noisy(0.05));
    }

    #[test]
    fn groups_separate_noise_from_conditions() {
        // Three conditions at 0.9, 1.0 and 1.1, each with ±1% of noise.
        let mut samples = Vec::new();
        for (g, m) in [0.9, 1.0, 1.1].into_iter().enumerate() {
            for e in [0.99, 1.0, 1.01, 1.0] {
                samples.push((g, m * e));
            }
        }
        let r = Grouped::of(&samples);
        assert!((r.median - 1.0).abs() < 1e-12);
        assert_eq!(r.samples, 12);
        // The noise: quartiles of 0.9975 and 1.0025 around 1.
        assert!((r.spread - 0.005).abs() < 1e-9, "{}", r.spread);
        assert!((r.between - 0.1).abs() < 1e-9, "{}", r.between);
        assert!(!r.too_noisy(0.05));
        // Pooled, the same samples look ten times noisier.
        let pooled: Vec<f64> = samples.iter().map(|s| s.1).collect();
        assert!(Summary::of(&pooled).spread > 0.1);
        // One wild group moves the median of the medians little.
        samples.extend([(3, 5.0), (3, 5.0)]);
        let w = Grouped::of(&samples);
        assert!((w.median - 1.05).abs() < 1e-9);
    }
}
