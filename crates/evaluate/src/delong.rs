//! DeLong's nonparametric variance of an AUC, its confidence interval, and DeLong's tests comparing
//! two AUCs (pROC `ci.auc(method = "delong")`, `roc.test(method = "delong")`).
//!
//! The structural components ("placements") are computed with the midrank idea of Sun & Xu (2014):
//! one sort of all scores and one pass over the tie groups, O(N log N), instead of the O(m n) pair
//! loop. For case `i` and control `j`:
//!
//! `V10_i = (#{Y_j < X_i} + ½ #{Y_j = X_i}) / n`,  `V01_j = (#{X_i > Y_j} + ½ #{X_i = Y_j}) / m`,
//!
//! so `AUC = mean(V10) = mean(V01)`, and
//!
//! `S10 = Σ (V10_i − AUC)² / (m − 1)`,  `S01 = Σ (V01_j − AUC)² / (n − 1)`,  `Var(AUC) = S10/m + S01/n`.

use crate::error::{Error, Result};
use rayon::slice::ParallelSliceMut;

use crate::roc::{Scores, order_key};
use crate::special::{normal_quantile, normal_two_sided_p, student_t_two_sided_p};

/// DeLong's structural components of one AUC.
#[derive(Clone, Debug, PartialEq)]
pub struct DelongPlacements {
    /// The AUC (exact Mann–Whitney value).
    pub auc: f64,
    /// `V10_i`, one per case, in the cases' input order.
    pub cases: Vec<f64>,
    /// `V01_j`, one per control, in the controls' input order.
    pub controls: Vec<f64>,
}

/// Computes [`DelongPlacements`] (pROC's internal `delongPlacements`): one sort of all `N` scores
/// (kept with their row), then one pass over the tie groups in ascending order, where every case
/// of a group gets `(2·controls below + controls in the group) / 2n` and every control
/// `(2·cases above + cases in the group) / 2m` (the midrank formulas of Sun & Xu 2014).
pub fn delong_placements(scores: &Scores) -> DelongPlacements {
    let (controls, cases) = (scores.oriented_controls(), scores.oriented_cases());
    let (n, m) = (controls.len(), cases.len());
    // Rows 0..n are controls, n..n+m cases; sorted by an order-preserving integer key of the score.
    let mut items: Vec<(u64, u32)> =
        controls.iter().chain(cases).enumerate().map(|(i, &v)| (order_key(v), i as u32)).collect();
    if items.len() > 50_000 {
        items.par_sort_unstable_by_key(|a| a.0);
    } else {
        items.sort_unstable_by_key(|a| a.0);
    }
    let mut v10 = vec![0.0; m];
    let mut v01 = vec![0.0; n];
    let (mut controls_below, mut cases_below) = (0usize, 0usize);
    let mut twice_u: u128 = 0;
    let mut start = 0;
    while start < items.len() {
        let key = items[start].0;
        let mut end = start;
        let mut controls_here = 0usize;
        while end < items.len() && items[end].0 == key {
            controls_here += usize::from((items[end].1 as usize) < n);
            end += 1;
        }
        let cases_here = end - start - controls_here;
        let case_value = (2 * controls_below + controls_here) as f64 / (2.0 * n as f64);
        let control_value =
            (2 * (m - cases_below - cases_here) + cases_here) as f64 / (2.0 * m as f64);
        for &(_, row) in &items[start..end] {
            let row = row as usize;
            if row < n {
                v01[row] = control_value;
            } else {
                v10[row - n] = case_value;
            }
        }
        twice_u += cases_here as u128 * (2 * controls_below + controls_here) as u128;
        controls_below += controls_here;
        cases_below += cases_here;
        start = end;
    }
    let auc = twice_u as f64 / (2.0 * n as f64 * m as f64);
    DelongPlacements { auc, cases: v10, controls: v01 }
}

impl DelongPlacements {
    /// `S10 = Σ (V10_i − AUC)² / (m − 1)`.
    pub fn s10(&self) -> f64 {
        covariance(&self.cases, self.auc, &self.cases, self.auc)
    }

    /// `S01 = Σ (V01_j − AUC)² / (n − 1)`.
    pub fn s01(&self) -> f64 {
        covariance(&self.controls, self.auc, &self.controls, self.auc)
    }

    /// DeLong's variance of the AUC, `S10/m + S01/n`.
    pub fn variance(&self) -> f64 {
        self.s10() / self.cases.len() as f64 + self.s01() / self.controls.len() as f64
    }
}

/// `Σ (a_i − ma)(b_i − mb) / (len − 1)`.
fn covariance(a: &[f64], ma: f64, b: &[f64], mb: f64) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum::<f64>() / (a.len() as f64 - 1.0)
}

/// Checks a confidence level is in (0, 1).
pub(crate) fn check_conf_level(conf_level: f64) -> Result<()> {
    if conf_level > 0.0 && conf_level < 1.0 {
        Ok(())
    } else {
        Err(Error::InvalidSetting {
            setting: "confidence level",
            reason: format!("must be in (0, 1), got {conf_level}"),
        })
    }
}

/// An AUC with DeLong's standard error and confidence interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AucCi {
    /// The AUC.
    pub auc: f64,
    /// DeLong's standard error `√Var(AUC)`.
    pub standard_error: f64,
    /// Lower limit.
    pub low: f64,
    /// Upper limit.
    pub high: f64,
    /// The confidence level, e.g. 0.95.
    pub conf_level: f64,
}

/// DeLong confidence interval of one AUC (pROC `ci.auc(roc, method = "delong")`):
///
/// `AUC ± Φ⁻¹(1 − α/2) · √Var(AUC)`, each limit clipped to [0, 1] as pROC does.
///
/// Degenerate cases: perfect separation and all-tied scores have zero variance, so the interval
/// collapses to the AUC (pROC warns that such an interval "can be misleading").
pub fn ci_auc_delong(scores: &Scores, conf_level: f64) -> Result<AucCi> {
    check_conf_level(conf_level)?;
    let p = delong_placements(scores);
    let se = p.variance().max(0.0).sqrt();
    let alpha = 1.0 - conf_level;
    let low = p.auc + se * normal_quantile(alpha / 2.0);
    let high = p.auc + se * normal_quantile(1.0 - alpha / 2.0);
    Ok(AucCi {
        auc: p.auc,
        standard_error: se,
        low: low.clamp(0.0, 1.0),
        high: high.clamp(0.0, 1.0),
        conf_level,
    })
}

/// DeLong's test for two correlated AUCs measured on the same patients.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DelongPairedTest {
    /// AUC of the first score.
    pub auc_a: f64,
    /// AUC of the second score.
    pub auc_b: f64,
    /// `auc_a − auc_b`.
    pub difference: f64,
    /// Standard error of the difference, `√(L S Lᵀ)` with `L = (1, −1)`.
    pub standard_error: f64,
    /// `z = difference / standard_error`.
    pub z: f64,
    /// Two-sided p-value `2 Φ(−|z|)`.
    pub p_value: f64,
    /// Lower limit of the CI of the difference, `difference − Φ⁻¹(1 − α/2) · standard_error`.
    pub ci_low: f64,
    /// Upper limit of the CI of the difference.
    pub ci_high: f64,
}

/// DeLong's paired test (pROC `roc.test(roc1, roc2, method = "delong", paired = TRUE)`).
///
/// `S = S10/m + S01/n` where `S10`, `S01` are the 2×2 covariance matrices of the placements of the
/// two scores, `z = (AUC_a − AUC_b) / √(S_aa + S_bb − 2 S_ab)`, `p = 2 Φ(−|z|)`.
///
/// Both [`Scores`] must have been built from the same labels (same rows, same order). Degenerate
/// case, as pROC: a zero standard error with a zero difference gives `z = 0`, `p = 1` (two curves
/// with AUC = 1); with a nonzero difference `z = ±∞`, `p = 0`.
pub fn roc_test_delong_paired(a: &Scores, b: &Scores, conf_level: f64) -> Result<DelongPairedTest> {
    check_conf_level(conf_level)?;
    if a.n_cases() != b.n_cases() || a.n_controls() != b.n_controls() {
        return Err(Error::NotPaired { a: a.subject().to_owned(), b: b.subject().to_owned() });
    }
    let (pa, pb) = rayon::join(|| delong_placements(a), || delong_placements(b));
    let (m, n) = (a.n_cases() as f64, a.n_controls() as f64);
    let s10_ab = covariance(&pa.cases, pa.auc, &pb.cases, pb.auc);
    let s01_ab = covariance(&pa.controls, pa.auc, &pb.controls, pb.auc);
    let var = pa.variance() + pb.variance() - 2.0 * (s10_ab / m + s01_ab / n);
    let se = var.max(0.0).sqrt();
    let difference = pa.auc - pb.auc;
    let z = if se == 0.0 && difference == 0.0 { 0.0 } else { difference / se };
    let crit = normal_quantile(1.0 - (1.0 - conf_level) / 2.0);
    Ok(DelongPairedTest {
        auc_a: pa.auc,
        auc_b: pb.auc,
        difference,
        standard_error: se,
        z,
        p_value: normal_two_sided_p(z),
        ci_low: difference - crit * se,
        ci_high: difference + crit * se,
    })
}

/// DeLong's test for two AUCs from independent cohorts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DelongUnpairedTest {
    /// AUC of the first score.
    pub auc_a: f64,
    /// AUC of the second score.
    pub auc_b: f64,
    /// `auc_a − auc_b`.
    pub difference: f64,
    /// pROC's statistic `D = difference / √(Var_a + Var_b)`.
    pub statistic: f64,
    /// Welch–Satterthwaite degrees of freedom
    /// `(Var_a + Var_b)² / (Var_a²/(N_a − 1) + Var_b²/(N_b − 1))`, `N` = patients per cohort.
    pub df: f64,
    /// Two-sided p-value `2 P[T_df > |D|]`.
    pub p_value: f64,
}

/// DeLong's unpaired test (pROC `roc.test(roc1, roc2, method = "delong", paired = FALSE)`), a
/// t test on `D` with Welch–Satterthwaite degrees of freedom.
///
/// Degenerate case: when both variances are zero, `D` is 0 (equal AUCs, p = 1) or ±∞ (p = 0) and
/// `df` is NaN (pROC gives NaN for all three).
pub fn roc_test_delong_unpaired(a: &Scores, b: &Scores) -> Result<DelongUnpairedTest> {
    let pa = delong_placements(a);
    let pb = delong_placements(b);
    let (va, vb) = (pa.variance(), pb.variance());
    let na = (a.n_cases() + a.n_controls()) as f64;
    let nb = (b.n_cases() + b.n_controls()) as f64;
    let difference = pa.auc - pb.auc;
    let s = va + vb;
    let df = s * s / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let (statistic, p_value) = if s <= 0.0 {
        if difference == 0.0 { (0.0, 1.0) } else { (difference.signum() * f64::INFINITY, 0.0) }
    } else {
        let d = difference / s.sqrt();
        (d, student_t_two_sided_p(d, df))
    };
    Ok(DelongUnpairedTest { auc_a: pa.auc, auc_b: pb.auc, difference, statistic, df, p_value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roc::Direction;
    use approx::assert_abs_diff_eq;

    #[test]
    fn hand_computed_placements() {
        // Controls 1,2,3; cases 2,3,4 (AUC 7/9).
        // V10: case 2 → (1 + ½)/3 = 0.5; case 3 → (2 + ½)/3; case 4 → 1.
        // V01: control 1 → 1; control 2 → (2 + ½)/3; control 3 → (1 + ½)/3.
        let s =
            Scores::from_classes("t", &[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0], Direction::ControlsLower)
                .unwrap();
        let p = delong_placements(&s);
        assert_abs_diff_eq!(p.auc, 7.0 / 9.0, epsilon = 1e-15);
        assert_eq!(p.cases, vec![0.5, 2.5 / 3.0, 1.0]);
        assert_eq!(p.controls, vec![1.0, 2.5 / 3.0, 0.5]);
        // Both S10 and S01 = ((.5−7/9)² + (5/6−7/9)² + (1−7/9)²)/2 = (25/324 + 1/324 + 16/324)/2 = 21/324.
        assert_abs_diff_eq!(p.s10(), 21.0 / 324.0, epsilon = 1e-15);
        assert_abs_diff_eq!(p.variance(), 2.0 * 21.0 / 324.0 / 3.0, epsilon = 1e-15);
    }

    #[test]
    fn perfect_curves_have_zero_variance() {
        let s =
            Scores::from_classes("t", &[0.0, 0.1], &[0.5, 0.9], Direction::ControlsLower).unwrap();
        let ci = ci_auc_delong(&s, 0.95).unwrap();
        assert_eq!((ci.auc, ci.low, ci.high), (1.0, 1.0, 1.0));
        let t = roc_test_delong_paired(&s, &s, 0.95).unwrap();
        assert_eq!((t.z, t.p_value), (0.0, 1.0));
    }

    #[test]
    fn bad_conf_level() {
        let s =
            Scores::from_classes("t", &[0.0, 0.1], &[0.5, 0.9], Direction::ControlsLower).unwrap();
        assert!(ci_auc_delong(&s, 1.5).is_err());
    }
}
