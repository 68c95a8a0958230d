//! Calibration of predicted probabilities: Brier score, logistic recalibration intercept and slope,
//! the Hosmer–Lemeshow test, and decision-curve net benefit.
//!
//! Symbols: `N` patients with outcome `y_i ∈ {0, 1}` and predicted probability `p_i`,
//! `lp_i = logit(p_i) = ln(p_i / (1 − p_i))`.

use polars::prelude::*;
use radlsig_stats::quantile_type7_sorted;

use crate::error::{Error, Result};
use crate::special::chi_squared_sf;

/// What a score column holds, for the statistics that need probabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreScale {
    /// Predicted probabilities in [0, 1].
    Probability,
    /// Linear predictors (log-odds, e.g. a LASSO "rad-score"); turned into probabilities by the
    /// logistic function `1 / (1 + e^{−s})`.
    Logit,
}

impl ScoreScale {
    /// `"probability"` or `"logit"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ScoreScale::Probability => "probability",
            ScoreScale::Logit => "logit",
        }
    }

    /// The probabilities that `scores` on this scale stand for.
    pub fn to_probabilities(self, scores: &[f64]) -> Vec<f64> {
        match self {
            ScoreScale::Probability => scores.to_vec(),
            ScoreScale::Logit => scores.iter().map(|&s| logistic(s)).collect(),
        }
    }
}

pub use radlsig_stats::{logistic, logit};

/// Checks lengths and that every probability is in [0, 1] (`open = false`) or (0, 1) (`open = true`).
fn check(
    subject: &str,
    statistic: &'static str,
    probs: &[f64],
    labels: &[bool],
    open: bool,
) -> Result<()> {
    if probs.len() != labels.len() {
        return Err(Error::LengthMismatch {
            subject: subject.to_owned(),
            left: probs.len(),
            right: labels.len(),
        });
    }
    if probs.is_empty() {
        return Err(Error::Undefined {
            subject: subject.to_owned(),
            statistic,
            reason: "no observations".into(),
        });
    }
    for (row, &p) in probs.iter().enumerate() {
        let ok = if open { p > 0.0 && p < 1.0 } else { (0.0..=1.0).contains(&p) };
        if !ok {
            let range = if open { "(0, 1)" } else { "[0, 1]" };
            return Err(Error::InvalidProbability {
                subject: subject.to_owned(),
                statistic,
                range,
                row: row + 1,
                value: p,
            });
        }
    }
    Ok(())
}

/// Brier score `1/N Σ (p_i − y_i)²` (scikit-learn `brier_score_loss`). Needs `p ∈ [0, 1]`.
pub fn brier_score(subject: &str, probs: &[f64], labels: &[bool]) -> Result<f64> {
    check(subject, "Brier score", probs, labels, false)?;
    Ok(probs.iter().zip(labels).map(|(&p, &y)| (p - f64::from(u8::from(y))).powi(2)).sum::<f64>()
        / probs.len() as f64)
}

/// Checks the inputs of the two recalibration models and returns `(lp, y)`.
fn recalibration_data(
    subject: &str,
    statistic: &'static str,
    probs: &[f64],
    labels: &[bool],
) -> Result<(Vec<f64>, Vec<f64>)> {
    check(subject, statistic, probs, labels, true)?;
    if labels.iter().all(|&l| l) || labels.iter().all(|&l| !l) {
        return Err(Error::Undefined {
            subject: subject.to_owned(),
            statistic,
            reason: "the outcome has one class only".into(),
        });
    }
    let lp = probs.iter().map(|&p| logit(p)).collect();
    let y = labels.iter().map(|&l| f64::from(u8::from(l))).collect();
    Ok((lp, y))
}

/// Calibration intercept ("calibration-in-the-large"): `a` in `logit P(y = 1) = a + lp`, the
/// maximum-likelihood intercept with `lp` as offset (R `glm(y ~ offset(lp), family = binomial)`);
/// 0 when the average prediction matches the event rate. Needs `p ∈ (0, 1)` and both outcomes.
///
/// Fitted by Newton–Raphson (= IRLS) with step halving to a relative step of 1e-13. R's `glm` stops
/// at a relative deviance change of 1e-8, so reference values must be fitted with a tighter
/// `glm.control(epsilon = …)`.
pub fn calibration_intercept(subject: &str, probs: &[f64], labels: &[bool]) -> Result<f64> {
    let (lp, y) = recalibration_data(subject, "calibration intercept", probs, labels)?;
    Ok(fit_logistic(subject, "calibration intercept", &lp, &y, false)?.0)
}

/// Calibration slope: `b` in `logit P(y = 1) = c + b·lp` (R `glm(y ~ lp, family = binomial)`);
/// 1 when perfectly calibrated, below 1 when predictions are too extreme (overfitting). Needs
/// `p ∈ (0, 1)` and both outcomes; fitted as [`calibration_intercept`].
///
/// Degenerate cases: when `lp` separates the outcomes perfectly the slope is infinite and
/// [`Error::NoConvergence`] is returned (after at most 200 iterations); a constant `lp` gives
/// [`Error::Undefined`].
pub fn calibration_slope(subject: &str, probs: &[f64], labels: &[bool]) -> Result<f64> {
    let (lp, y) = recalibration_data(subject, "calibration slope", probs, labels)?;
    if lp.iter().all(|&v| v == lp[0]) {
        return Err(Error::Undefined {
            subject: subject.to_owned(),
            statistic: "calibration slope",
            reason: "all predictions are equal".into(),
        });
    }
    Ok(fit_logistic(subject, "calibration slope", &lp, &y, true)?.1)
}

/// Log-likelihood of `logit P = a + b x` (with `b` fixed to 1 when `!free_slope`).
fn log_likelihood(x: &[f64], y: &[f64], a: f64, b: f64) -> f64 {
    x.iter()
        .zip(y)
        .map(|(&xi, &yi)| {
            let eta = a + b * xi;
            // y η − ln(1 + e^η), stable for large |η|.
            yi * eta - if eta > 0.0 { eta + (-eta).exp().ln_1p() } else { eta.exp().ln_1p() }
        })
        .sum()
}

/// Newton–Raphson for `logit P = a + b x` (free slope) or `a + x` (offset), with step halving.
/// Returns `(a, b)`.
fn fit_logistic(
    subject: &str,
    statistic: &'static str,
    x: &[f64],
    y: &[f64],
    free_slope: bool,
) -> Result<(f64, f64)> {
    const MAX_ITER: usize = 200;
    let (mut a, mut b) = (0.0, 1.0);
    let mut ll = log_likelihood(x, y, a, b);
    for _ in 0..MAX_ITER {
        // Score U and information I.
        let (mut ua, mut ub, mut iaa, mut iab, mut ibb) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (&xi, &yi) in x.iter().zip(y) {
            let p = logistic(a + b * xi);
            let w = p * (1.0 - p);
            ua += yi - p;
            ub += (yi - p) * xi;
            iaa += w;
            iab += w * xi;
            ibb += w * xi * xi;
        }
        let (da, db) = if free_slope {
            let det = iaa * ibb - iab * iab;
            if !(det > 0.0) {
                break;
            }
            ((ibb * ua - iab * ub) / det, (iaa * ub - iab * ua) / det)
        } else {
            if !(iaa > 0.0) {
                break;
            }
            (ua / iaa, 0.0)
        };
        let mut step = 1.0;
        let (mut na, mut nb, mut nll);
        loop {
            na = a + step * da;
            nb = b + step * db;
            nll = log_likelihood(x, y, na, nb);
            if nll >= ll - 1e-12 * ll.abs() || step < 1e-10 {
                break;
            }
            step /= 2.0;
        }
        let converged = (na - a).abs() <= 1e-13 * (1.0 + na.abs())
            && (nb - b).abs() <= 1e-13 * (1.0 + nb.abs());
        a = na;
        b = nb;
        ll = nll;
        if !a.is_finite() || !b.is_finite() {
            break;
        }
        if converged {
            return Ok((a, b));
        }
    }
    Err(Error::NoConvergence { subject: subject.to_owned(), statistic, iterations: MAX_ITER })
}

/// One risk group of the Hosmer–Lemeshow test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RiskGroup {
    /// Lower break (exclusive, except for the first group).
    pub lower: f64,
    /// Upper break (inclusive).
    pub upper: f64,
    /// Patients in the group.
    pub n: usize,
    /// Mean predicted probability.
    pub mean_predicted: f64,
    /// Observed events `Σ y`.
    pub observed: f64,
    /// Expected events `Σ p`.
    pub expected: f64,
}

/// The Hosmer–Lemeshow goodness-of-fit test.
#[derive(Clone, Debug, PartialEq)]
pub struct HosmerLemeshow {
    /// `Σ_g (O_g − E_g)²/E_g + (O'_g − E'_g)²/E'_g` over events and non-events.
    pub statistic: f64,
    /// Degrees of freedom, `groups − 2`.
    pub df: f64,
    /// `P[χ²_df > statistic]`.
    pub p_value: f64,
    /// The groups, lowest risk first.
    pub groups: Vec<RiskGroup>,
}

/// Hosmer–Lemeshow test with `g` groups by quantiles of predicted risk (g = 10: deciles).
///
/// Grouping rule (that of R `ResourceSelection::hoslem.test`): breaks are the distinct values of
/// `quantile(p, (0:g)/g)` (type 7), and the groups are `[b_0, b_1], (b_1, b_2], …, (b_{k−1}, b_k]`
/// (R `cut(p, breaks, include.lowest = TRUE)`). `E_g = Σ p`, `E'_g = Σ (1 − p)`, `O_g = Σ y`,
/// `O'_g = n_g − O_g`. When ties merge breaks there are fewer than `g` groups; the degrees of
/// freedom are then (groups formed − 2), whereas `hoslem.test` keeps `g − 2`. Needs `p ∈ (0, 1)`
/// (so no expected count is zero) and at least 3 groups.
pub fn hosmer_lemeshow(
    subject: &str,
    probs: &[f64],
    labels: &[bool],
    g: usize,
) -> Result<HosmerLemeshow> {
    check(subject, "Hosmer–Lemeshow test", probs, labels, true)?;
    let groups = risk_groups(probs, labels, g);
    if groups.len() < 3 {
        return Err(Error::Undefined {
            subject: subject.to_owned(),
            statistic: "Hosmer–Lemeshow test",
            reason: format!("only {} distinct risk groups (needs 3)", groups.len()),
        });
    }
    let statistic = groups
        .iter()
        .map(|gr| {
            let (o0, e0) = (gr.n as f64 - gr.observed, gr.n as f64 - gr.expected);
            (gr.observed - gr.expected).powi(2) / gr.expected + (o0 - e0).powi(2) / e0
        })
        .sum::<f64>();
    let df = groups.len() as f64 - 2.0;
    Ok(HosmerLemeshow { statistic, df, p_value: chi_squared_sf(statistic, df), groups })
}

/// The non-empty risk groups of [`hosmer_lemeshow`]'s rule; also used for calibration plots.
/// The breaks are [`radlsig_stats::quantile_type7_sorted`] of the probabilities; an empty
/// sample has no groups.
pub fn risk_groups(probs: &[f64], labels: &[bool], g: usize) -> Vec<RiskGroup> {
    let mut sorted_p = probs.to_vec();
    sorted_p.sort_unstable_by(f64::total_cmp);
    let mut breaks: Vec<f64> =
        (0..=g).map(|k| quantile_type7_sorted(&sorted_p, k as f64 / g as f64)).collect();
    breaks.dedup();
    let k = breaks.len().saturating_sub(1).max(1);
    let mut acc = vec![(0usize, 0.0f64, 0.0f64); k];
    for (&p, &y) in probs.iter().zip(labels) {
        let i = breaks[1..].partition_point(|&b| b < p).min(k - 1);
        acc[i].0 += 1;
        acc[i].1 += f64::from(u8::from(y));
        acc[i].2 += p;
    }
    acc.iter()
        .enumerate()
        .filter(|(_, a)| a.0 > 0)
        .map(|(i, &(n, o, e))| RiskGroup {
            lower: breaks[i],
            upper: *breaks.get(i + 1).unwrap_or(&breaks[i]),
            n,
            mean_predicted: e / n as f64,
            observed: o,
            expected: e,
        })
        .collect()
}

/// Net benefit of treating patients with `p ≥ pt` (Vickers & Elkin 2006):
/// `NB(pt) = TP/N − FP/N · pt/(1 − pt)`. Needs `0 ≤ pt < 1`.
pub fn net_benefit(probs: &[f64], labels: &[bool], pt: f64) -> f64 {
    let n = probs.len() as f64;
    let (mut tp, mut fp) = (0usize, 0usize);
    for (&p, &y) in probs.iter().zip(labels) {
        if p >= pt {
            if y { tp += 1 } else { fp += 1 }
        }
    }
    tp as f64 / n - fp as f64 / n * pt / (1.0 - pt)
}

/// The default grid of threshold probabilities: 0.01, 0.02, …, 0.99.
pub fn default_threshold_grid() -> Vec<f64> {
    (1..=99).map(|k| k as f64 / 100.0).collect()
}

/// Decision curve over `grid`: columns `threshold_probability`, `net_benefit`,
/// `net_benefit_treat_all` (`prevalence − (1 − prevalence)·pt/(1 − pt)`) and
/// `net_benefit_treat_none` (0). Needs `p ∈ [0, 1]` and every `pt ∈ [0, 1)`.
pub fn decision_curve(
    subject: &str,
    probs: &[f64],
    labels: &[bool],
    grid: &[f64],
) -> Result<DataFrame> {
    check(subject, "net benefit", probs, labels, false)?;
    if let Some(&bad) = grid.iter().find(|&&pt| !(0.0..1.0).contains(&pt)) {
        return Err(Error::InvalidSetting {
            setting: "threshold probability",
            reason: format!("must be in [0, 1), got {bad}"),
        });
    }
    let prevalence = labels.iter().filter(|&&l| l).count() as f64 / labels.len() as f64;
    let nb: Vec<f64> = grid.iter().map(|&pt| net_benefit(probs, labels, pt)).collect();
    let all: Vec<f64> =
        grid.iter().map(|&pt| prevalence - (1.0 - prevalence) * pt / (1.0 - pt)).collect();
    Ok(DataFrame::new_infer_height(vec![
        Column::new("threshold_probability".into(), grid),
        Column::new("net_benefit".into(), nb),
        Column::new("net_benefit_treat_all".into(), all),
        Column::new("net_benefit_treat_none".into(), vec![0.0; grid.len()]),
    ])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn brier_by_hand() {
        // ((0.1)² + (0.2)² + (0.7)²)/3 = 0.54/3.
        assert_abs_diff_eq!(
            brier_score("t", &[0.1, 0.8, 0.7], &[false, true, false]).unwrap(),
            0.18,
            epsilon = 1e-15
        );
        assert!(brier_score("t", &[1.2], &[true]).is_err());
    }

    #[test]
    fn intercept_with_constant_lp_is_logit_of_event_rate() {
        // lp ≡ 0: the offset model is intercept-only, so a = logit(mean y) = logit(1/4).
        let y = [true, false, false, false];
        assert_abs_diff_eq!(
            calibration_intercept("t", &[0.5; 4], &y).unwrap(),
            logit(0.25),
            epsilon = 1e-12
        );
        assert!(matches!(calibration_slope("t", &[0.5; 4], &y), Err(Error::Undefined { .. })));
    }

    #[test]
    fn separation_is_reported() {
        let (p, y) = ([0.1, 0.2, 0.8, 0.9], [false, false, true, true]);
        assert!(matches!(calibration_slope("t", &p, &y), Err(Error::NoConvergence { .. })));
        assert!(calibration_intercept("t", &p, &y).is_ok());
    }

    #[test]
    fn risk_groups_by_hand() {
        // 0.1 … 0.8, g = 4: breaks at the type-7 quantiles 0.1, 0.275, 0.45, 0.625, 0.8, and
        // groups [0.1, 0.275], (0.275, 0.45], … of two each.
        let p = [0.8, 0.1, 0.4, 0.3, 0.6, 0.2, 0.7, 0.5];
        let y = [true, false, false, true, true, false, true, false];
        let g = risk_groups(&p, &y, 4);
        assert_eq!(g.iter().map(|g| g.n).collect::<Vec<_>>(), vec![2, 2, 2, 2]);
        assert_abs_diff_eq!(g[1].lower, 0.275, epsilon = 1e-15);
        assert_abs_diff_eq!(g[1].expected, 0.7, epsilon = 1e-15);
        assert_eq!(g[3].observed, 2.0);
        // Ties merge breaks: all equal → one group.
        assert_eq!(risk_groups(&[0.3; 5], &[true, false, true, false, false], 10).len(), 1);
        assert!(risk_groups(&[], &[], 10).is_empty());
    }

    #[test]
    fn net_benefit_by_hand() {
        // pt = 0.5: treated p ≥ 0.5 → TP 1 (0.8), FP 1 (0.7): 1/4 − 1/4 · 1 = 0.
        assert_eq!(net_benefit(&[0.1, 0.8, 0.7, 0.3], &[false, true, false, true], 0.5), 0.0);
        // pt = 0.2: TP 2, FP 1 → 2/4 − 1/4 · 0.25 = 0.4375.
        assert_abs_diff_eq!(
            net_benefit(&[0.1, 0.8, 0.7, 0.3], &[false, true, false, true], 0.2),
            0.4375,
            epsilon = 1e-15
        );
    }
}
