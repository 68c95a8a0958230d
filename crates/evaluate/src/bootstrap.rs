//! Stratified bootstrap of the AUC and of the metrics at a fixed threshold, and percentile
//! confidence intervals (pROC `ci.auc(method = "bootstrap", boot.stratified = TRUE)` and
//! `ci.coords(..., input = "threshold")`).
//!
//! Each replicate draws `n` controls from the controls and `m` cases from the cases, with
//! replacement. Replicate `r` uses its own ChaCha8 stream (`seed`, stream `r`), so the result is the
//! same whatever the number of threads. The AUC of a replicate is computed by counting, in O(N + K)
//! (K distinct scores), from the dense ranks of the original scores: no sort per replicate.

use radlsig_stats::{auc_from_twice_u, twice_u};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::delong::check_conf_level;
use crate::error::{Error, Result};
use crate::roc::{Scores, from_order_key, sorted_keys};
use crate::threshold::{ClassificationMetrics, Threshold};

/// Settings of a bootstrap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BootstrapConfig {
    /// Number of resamples (pROC `boot.n`); 2,000 by default.
    pub replicates: usize,
    /// Seed of the random streams.
    pub seed: u64,
    /// Confidence level of the percentile intervals, 0.95 by default.
    pub conf_level: f64,
}

impl BootstrapConfig {
    /// 2,000 replicates at 95 % with the given seed.
    pub fn new(seed: u64) -> Self {
        BootstrapConfig { replicates: 2000, seed, conf_level: 0.95 }
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.replicates < 2 {
            return Err(Error::InvalidSetting {
                setting: "bootstrap replicates",
                reason: format!("must be at least 2, got {}", self.replicates),
            });
        }
        check_conf_level(self.conf_level)
    }
}

/// The statistics of every bootstrap replicate, in replicate order.
#[derive(Clone, Debug, PartialEq)]
pub struct BootstrapReplicates {
    /// AUC of each replicate.
    pub auc: Vec<f64>,
    /// Metrics at the threshold in each replicate (empty when no threshold was given).
    pub metrics: Vec<ClassificationMetrics>,
}

/// A percentile confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PercentileCi {
    /// Lower limit, quantile `α/2`.
    pub low: f64,
    /// Upper limit, quantile `1 − α/2`.
    pub high: f64,
    /// Replicates the statistic was defined in (PPV/NPV are undefined when a replicate has nobody
    /// called positive/negative; those replicates are left out, as pROC does with NA).
    pub replicates: usize,
}

/// Sample quantile, R's default `quantile(x, p, type = 7)`: with `x` sorted and `h = (N − 1) p`,
/// `Q = (1 − γ) x_⌊h⌋ + γ x_⌊h⌋₊₁`, `γ = h − ⌊h⌋` (0-based). NaN for an empty sample.
pub use radlsig_stats::quantile_type7;
use radlsig_stats::quantile_type7_sorted;

/// Percentile interval of `values` at `conf_level` (type-7 quantiles at `α/2` and `1 − α/2`, as
/// pROC's `quantile(aucs, c(0.025, 0.975))`), ignoring NaN entries.
pub fn percentile_ci(values: &[f64], conf_level: f64) -> PercentileCi {
    let mut x: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    x.sort_unstable_by(f64::total_cmp);
    let alpha = 1.0 - conf_level;
    PercentileCi {
        low: quantile_type7_sorted(&x, alpha / 2.0),
        high: quantile_type7_sorted(&x, 1.0 - alpha / 2.0),
        replicates: x.len(),
    }
}

/// Runs the stratified bootstrap of `scores`: the AUC of every replicate and, when `threshold` is
/// given, the [`ClassificationMetrics`] at that fixed threshold on the same resample.
pub fn bootstrap_stratified(
    scores: &Scores,
    threshold: Option<Threshold>,
    config: &BootstrapConfig,
) -> Result<BootstrapReplicates> {
    config.check()?;
    let controls = scores.oriented_controls();
    let cases = scores.oriented_cases();
    // Dense ranks of each observation among the distinct values.
    let (sorted_controls, sorted_cases) = (sorted_keys(controls), sorted_keys(cases));
    let distinct: Vec<f64> = radlsig_stats::tie_groups(&sorted_controls, &sorted_cases)
        .map(|g| from_order_key(g.value))
        .collect();
    let rank = |v: f64| distinct.partition_point(|&u| u < v) as u32;
    let control_rank: Vec<u32> = controls.iter().map(|&v| rank(v)).collect();
    let case_rank: Vec<u32> = cases.iter().map(|&v| rank(v)).collect();
    let t = threshold.map(|t| {
        let sign = scores.direction().sign();
        let positive =
            |v: &[f64]| v.iter().map(|&x| t.is_positive(sign * x)).collect::<Vec<bool>>();
        (positive(controls), positive(cases))
    });
    let k = distinct.len();
    let (n, m) = (controls.len(), cases.len());
    let results: Vec<(f64, Option<ClassificationMetrics>)> = (0..config.replicates)
        .into_par_iter()
        .map_init(
            || (vec![0u32; k], vec![0u32; k]),
            |(cc, kc), r| {
                let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
                rng.set_stream(r as u64);
                cc.iter_mut().for_each(|c| *c = 0);
                kc.iter_mut().for_each(|c| *c = 0);
                let (mut fp, mut tp) = (0usize, 0usize);
                for _ in 0..n {
                    let i = rng.random_range(0..n);
                    cc[control_rank[i] as usize] += 1;
                    if let Some((pc, _)) = &t {
                        fp += usize::from(pc[i]);
                    }
                }
                for _ in 0..m {
                    let i = rng.random_range(0..m);
                    kc[case_rank[i] as usize] += 1;
                    if let Some((_, pk)) = &t {
                        tp += usize::from(pk[i]);
                    }
                }
                // Counts per distinct value, ascending: the tie groups of the resample.
                let groups = cc.iter().zip(kc.iter()).map(|(&c, &x)| (c as usize, x as usize));
                let auc = auc_from_twice_u(twice_u(groups), n, m);
                let metrics =
                    t.as_ref().map(|_| ClassificationMetrics::from_counts(tp, fp, n - fp, m - tp));
                (auc, metrics)
            },
        )
        .collect();
    let auc = results.iter().map(|r| r.0).collect();
    let metrics = results.into_iter().filter_map(|r| r.1).collect();
    Ok(BootstrapReplicates { auc, metrics })
}

/// Percentile intervals of every bootstrapped statistic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BootstrapCis {
    /// AUC.
    pub auc: PercentileCi,
    /// Sensitivity at the threshold.
    pub sensitivity: Option<PercentileCi>,
    /// Specificity at the threshold.
    pub specificity: Option<PercentileCi>,
    /// Accuracy at the threshold.
    pub accuracy: Option<PercentileCi>,
    /// PPV at the threshold.
    pub ppv: Option<PercentileCi>,
    /// NPV at the threshold.
    pub npv: Option<PercentileCi>,
}

impl BootstrapReplicates {
    /// Percentile intervals of all statistics at `conf_level`.
    pub fn percentile_cis(&self, conf_level: f64) -> BootstrapCis {
        let ci = |f: &dyn Fn(&ClassificationMetrics) -> f64| {
            if self.metrics.is_empty() {
                None
            } else {
                Some(percentile_ci(&self.metrics.iter().map(f).collect::<Vec<_>>(), conf_level))
            }
        };
        BootstrapCis {
            auc: percentile_ci(&self.auc, conf_level),
            sensitivity: ci(&|m| m.sensitivity),
            specificity: ci(&|m| m.specificity),
            accuracy: ci(&|m| m.accuracy),
            ppv: ci(&|m| m.ppv.unwrap_or(f64::NAN)),
            npv: ci(&|m| m.npv.unwrap_or(f64::NAN)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roc::Direction;

    #[test]
    fn percentile_ci_leaves_out_nan_replicates() {
        // Type-7 quantiles of the 4 defined values 1, 2, 4, 8 (R: 1.075 and 7.7 at 95 %).
        let ci = percentile_ci(&[8.0, f64::NAN, 1.0, 4.0, f64::NAN, 2.0], 0.95);
        assert_eq!(ci.replicates, 4);
        assert!((ci.low - 1.075).abs() < 1e-14 && (ci.high - 7.7).abs() < 1e-14);
        let none = percentile_ci(&[f64::NAN], 0.95);
        assert!(none.low.is_nan() && none.high.is_nan() && none.replicates == 0);
    }

    #[test]
    fn same_seed_same_result_any_thread_count() {
        let s = Scores::from_classes(
            "t",
            &[0.1, 0.4, 0.35, 0.8, 0.2],
            &[0.9, 0.6, 0.3, 0.7],
            Direction::ControlsLower,
        )
        .unwrap();
        let cfg = BootstrapConfig { replicates: 200, seed: 7, conf_level: 0.95 };
        let thr = Some(Threshold { value: 0.5, direction: Direction::ControlsLower });
        let a = bootstrap_stratified(&s, thr, &cfg).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| bootstrap_stratified(&s, thr, &cfg).unwrap());
        assert_eq!(a, b);
        let c = bootstrap_stratified(&s, thr, &BootstrapConfig { seed: 8, ..cfg }).unwrap();
        assert_ne!(a.auc, c.auc);
    }

    #[test]
    fn perfect_separation_stays_perfect() {
        let s = Scores::from_classes("t", &[0.0, 0.1, 0.2], &[0.5, 0.9], Direction::ControlsLower)
            .unwrap();
        let r = bootstrap_stratified(&s, None, &BootstrapConfig::new(1)).unwrap();
        assert!(r.auc.iter().all(|&a| a == 1.0));
        let ci = r.percentile_cis(0.95);
        assert_eq!((ci.auc.low, ci.auc.high, ci.sensitivity), (1.0, 1.0, None));
    }
}
