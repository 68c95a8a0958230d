//! Scores of one predictor split by outcome, the empirical ROC curve and its AUC, with pROC's
//! conventions.
//!
//! Symbols: `m` cases (label 1) with scores `X_i`, `n` controls (label 0) with scores `Y_j`. With
//! [`Direction::ControlsLower`] (pROC `direction = "<"`, the default), a higher score means a case.

use polars::prelude::*;
use rayon::slice::ParallelSliceMut;

use crate::error::{Error, Result};

/// The fewest controls and the fewest cases a [`Scores`] accepts: DeLong's variance divides by
/// `m − 1` and `n − 1`.
pub const MIN_PER_CLASS: usize = 2;

/// Which way a score points (pROC `direction`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// Controls score lower than cases (pROC `"<"`): positive when `score ≥ threshold`. The default.
    #[default]
    ControlsLower,
    /// Controls score higher than cases (pROC `">"`): positive when `score ≤ threshold`.
    ControlsHigher,
}

impl Direction {
    /// pROC's spelling, `"<"` or `">"`.
    pub fn as_proc_str(self) -> &'static str {
        match self {
            Direction::ControlsLower => "<",
            Direction::ControlsHigher => ">",
        }
    }

    /// `+1` or `−1`: the factor that turns a score into an oriented score (higher = case).
    pub(crate) fn sign(self) -> f64 {
        match self {
            Direction::ControlsLower => 1.0,
            Direction::ControlsHigher => -1.0,
        }
    }
}

/// The scores of one predictor, split into controls (label 0) and cases (label 1) in their input
/// order, checked to be finite with at least [`MIN_PER_CLASS`] of each class.
///
/// Values are stored *oriented*: multiplied by −1 for [`Direction::ControlsHigher`], so that every
/// algorithm can assume "higher = case". `-0.0` is stored as `0.0` so it ties with `0.0`.
#[derive(Clone, Debug)]
pub struct Scores {
    subject: String,
    direction: Direction,
    controls: Vec<f64>,
    cases: Vec<f64>,
}

impl Scores {
    /// Splits `scores` by `labels` (`true` = case), direction [`Direction::ControlsLower`].
    ///
    /// `subject` names the data in error messages, e.g. `score "RAsig" in split "test"`.
    pub fn new(subject: impl Into<String>, scores: &[f64], labels: &[bool]) -> Result<Self> {
        Self::with_direction(subject, scores, labels, Direction::ControlsLower)
    }

    /// As [`Scores::new`] with an explicit direction.
    pub fn with_direction(
        subject: impl Into<String>,
        scores: &[f64],
        labels: &[bool],
        direction: Direction,
    ) -> Result<Self> {
        let subject = subject.into();
        if scores.len() != labels.len() {
            return Err(Error::LengthMismatch { subject, left: scores.len(), right: labels.len() });
        }
        let sign = direction.sign();
        let (mut controls, mut cases) = (Vec::new(), Vec::new());
        for (row, (&s, &l)) in scores.iter().zip(labels).enumerate() {
            if !s.is_finite() {
                return Err(Error::NonFiniteScore { subject, row: row + 1, value: s });
            }
            let v = sign * s + 0.0;
            if l { cases.push(v) } else { controls.push(v) }
        }
        Self::checked(subject, direction, controls, cases)
    }

    /// From already separated controls and cases (scores in their own units).
    pub fn from_classes(
        subject: impl Into<String>,
        controls: &[f64],
        cases: &[f64],
        direction: Direction,
    ) -> Result<Self> {
        let subject = subject.into();
        let sign = direction.sign();
        let oriented = |v: &[f64], offset: usize| -> Result<Vec<f64>> {
            v.iter()
                .enumerate()
                .map(|(i, &s)| {
                    if s.is_finite() {
                        Ok(sign * s + 0.0)
                    } else {
                        Err(Error::NonFiniteScore {
                            subject: subject.clone(),
                            row: offset + i + 1,
                            value: s,
                        })
                    }
                })
                .collect()
        };
        let c = oriented(controls, 0)?;
        let k = oriented(cases, controls.len())?;
        Self::checked(subject, direction, c, k)
    }

    fn checked(
        subject: String,
        direction: Direction,
        controls: Vec<f64>,
        cases: Vec<f64>,
    ) -> Result<Self> {
        if controls.len() < MIN_PER_CLASS || cases.len() < MIN_PER_CLASS {
            return Err(Error::TooFewPerClass {
                subject,
                controls: controls.len(),
                cases: cases.len(),
                min: MIN_PER_CLASS,
            });
        }
        Ok(Scores { subject, direction, controls, cases })
    }

    /// The name used in messages.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The direction.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Oriented control scores (× −1 for [`Direction::ControlsHigher`]), input order.
    pub fn oriented_controls(&self) -> &[f64] {
        &self.controls
    }

    /// Oriented case scores, input order.
    pub fn oriented_cases(&self) -> &[f64] {
        &self.cases
    }

    /// `n`, the number of controls.
    pub fn n_controls(&self) -> usize {
        self.controls.len()
    }

    /// `m`, the number of cases.
    pub fn n_cases(&self) -> usize {
        self.cases.len()
    }
}

/// A `u64` whose unsigned order is the numeric order of a finite `f64` (sign bit flipped for
/// positives, all bits flipped for negatives). Scores are stored with `-0.0` normalised to `0.0`,
/// so equal keys mean equal scores; integer keys sort faster than `f64::total_cmp`.
pub(crate) fn order_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

/// The inverse of [`order_key`].
pub(crate) fn from_order_key(k: u64) -> f64 {
    if k >> 63 == 1 { f64::from_bits(k & !(1 << 63)) } else { f64::from_bits(!k) }
}

/// Sorted order keys of `v` (parallel for large inputs).
pub(crate) fn sorted_keys(v: &[f64]) -> Vec<u64> {
    let mut s: Vec<u64> = v.iter().map(|&x| order_key(x)).collect();
    if s.len() > 50_000 {
        s.par_sort_unstable();
    } else {
        s.sort_unstable();
    }
    s
}

/// Area under the empirical ROC curve, the Mann–Whitney statistic with ties counted as half
/// (pROC `auc`, scikit-learn `roc_auc_score`):
///
/// `AUC = 1/(m n) Σ_i Σ_j [X_i > Y_j] + ½ [X_i = Y_j]`
///
/// computed by sorting each class once (O(N log N)) and an exact integer count of `2 U` over the
/// sorted classes ([`radlsig_stats::auc_sorted`]).
/// Degenerate cases: perfect separation gives 1, all scores tied gives ½.
pub fn auc(scores: &Scores) -> f64 {
    let (controls, cases) =
        rayon::join(|| sorted_keys(&scores.controls), || sorted_keys(&scores.cases));
    radlsig_stats::auc_sorted(&controls, &cases)
}

/// The empirical ROC curve at every threshold, in pROC's order and with pROC's thresholds.
///
/// For [`Direction::ControlsLower`] the thresholds are `−∞`, the midpoints `(u_k + u_{k+1})/2`
/// between consecutive distinct scores `u_1 < … < u_K`, and `+∞`, ascending (K + 1 points); a case is
/// called positive when `score ≥ threshold`, so sensitivity falls from 1 to 0 and specificity rises
/// from 0 to 1. Where rounding makes a midpoint equal the lower neighbour it is moved to the upper
/// one, and a midpoint whose sum overflows is computed as `u_k/2 + u_{k+1}/2`, as pROC does.
/// For [`Direction::ControlsHigher`] (pROC `">"`) a case is positive when `score ≤ threshold`
/// and pROC lists the thresholds descending (`+∞` first), so again sensitivity falls from 1 to 0
/// and specificity rises; where a midpoint rounds to the upper neighbour it is moved to the lower
/// one (pROC's rule for `">"`).
#[derive(Clone, Debug, PartialEq)]
pub struct RocCurve {
    /// Thresholds, pROC order.
    pub thresholds: Vec<f64>,
    /// `TP / m` at each threshold.
    pub sensitivities: Vec<f64>,
    /// `TN / n` at each threshold.
    pub specificities: Vec<f64>,
    /// The direction the curve was built with.
    pub direction: Direction,
}

/// Builds the [`RocCurve`] of `scores` (pROC `roc(response, predictor, direction)`).
pub fn roc_curve(scores: &Scores) -> RocCurve {
    let controls = sorted_keys(&scores.controls);
    let cases = sorted_keys(&scores.cases);
    let (m, n) = (cases.len(), controls.len());
    let mut values = Vec::new();
    let mut counts = Vec::new();
    for g in radlsig_stats::tie_groups(&controls, &cases) {
        values.push(from_order_key(g.value));
        counts.push((g.negatives, g.positives));
    }
    let k = values.len();
    let mut thresholds = Vec::with_capacity(k + 1);
    thresholds.push(f64::NEG_INFINITY);
    for w in values.windows(2) {
        let mut t = (w[0] + w[1]) / 2.0;
        if !(t.abs() <= 1e100) {
            t = w[0] / 2.0 + w[1] / 2.0;
        }
        if t == w[0] {
            t = w[1];
        }
        thresholds.push(t);
    }
    thresholds.push(f64::INFINITY);
    // At threshold j (1 ≤ j ≤ K − 1), positives are the groups j..K (0-based).
    let mut sens = Vec::with_capacity(k + 1);
    let mut spec = Vec::with_capacity(k + 1);
    let (mut tn, mut fn_) = (0usize, 0usize);
    sens.push(1.0);
    spec.push(0.0);
    for &(nc, nk) in &counts {
        tn += nc;
        fn_ += nk;
        sens.push((m - fn_) as f64 / m as f64);
        spec.push(tn as f64 / n as f64);
    }
    let direction = scores.direction;
    if direction == Direction::ControlsHigher {
        // Oriented thresholds t' correspond to t = −t'; pROC lists them descending in t, which is
        // the oriented order.
        thresholds.iter_mut().for_each(|t| *t = -*t);
    }
    RocCurve { thresholds, sensitivities: sens, specificities: spec, direction }
}

impl RocCurve {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.thresholds.len()
    }

    /// Always false: a curve has at least the two end points.
    pub fn is_empty(&self) -> bool {
        self.thresholds.is_empty()
    }

    /// Area by the trapezoidal rule over the points (pROC `auc.roc`); equals [`auc`] up to rounding.
    pub fn trapezoidal_auc(&self) -> f64 {
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.sort_by(|&a, &b| self.specificities[a].total_cmp(&self.specificities[b]));
        idx.windows(2)
            .map(|w| {
                (self.specificities[w[1]] - self.specificities[w[0]])
                    * (self.sensitivities[w[1]] + self.sensitivities[w[0]])
                    / 2.0
            })
            .sum()
    }

    /// The curve as a table with columns `threshold`, `sensitivity`, `specificity`,
    /// `false_positive_rate` (= 1 − specificity), one row per point, pROC order.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let fpr: Vec<f64> = self.specificities.iter().map(|s| 1.0 - s).collect();
        Ok(DataFrame::new_infer_height(vec![
            Column::new("threshold".into(), &self.thresholds),
            Column::new("sensitivity".into(), &self.sensitivities),
            Column::new("specificity".into(), &self.specificities),
            Column::new("false_positive_rate".into(), fpr),
        ])?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    fn scores(c: &[f64], k: &[f64]) -> Scores {
        Scores::from_classes("test", c, k, Direction::ControlsLower).unwrap()
    }

    #[test]
    fn hand_computed_auc_with_ties() {
        // Controls 1,2,3; cases 2,3,4. Pairs (case > control): 4 beats 3; 3 beats 1,2, ties 3;
        // 2 beats 1, ties 2. U = 3 + 2.5 + 1.5 = 7 → 7/9.
        assert_abs_diff_eq!(
            auc(&scores(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0])),
            7.0 / 9.0,
            epsilon = 1e-15
        );
    }

    #[test]
    fn hand_computed_curve() {
        let r = roc_curve(&scores(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0]));
        assert_eq!(r.thresholds, vec![f64::NEG_INFINITY, 1.5, 2.5, 3.5, f64::INFINITY]);
        assert_eq!(r.sensitivities, vec![1.0, 1.0, 2.0 / 3.0, 1.0 / 3.0, 0.0]);
        assert_eq!(r.specificities, vec![0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0, 1.0]);
        assert_abs_diff_eq!(r.trapezoidal_auc(), 7.0 / 9.0, epsilon = 1e-15);
    }

    #[test]
    fn degenerate_auc() {
        assert_eq!(auc(&scores(&[0.0, 0.1], &[0.5, 0.9])), 1.0);
        assert_eq!(auc(&scores(&[0.5, 0.5], &[0.5, 0.5])), 0.5);
        assert_eq!(auc(&scores(&[0.5, 0.9], &[0.0, 0.1])), 0.0);
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        assert_eq!(auc(&scores(&[-0.0, -1.0], &[0.0, 1.0])), 0.875);
    }

    #[test]
    fn controls_higher_flips() {
        let s = Scores::from_classes(
            "t",
            &[1.0, 2.0, 3.0],
            &[2.0, 3.0, 4.0],
            Direction::ControlsHigher,
        )
        .unwrap();
        assert_abs_diff_eq!(auc(&s), 2.0 / 9.0, epsilon = 1e-15);
        let r = roc_curve(&s);
        assert_eq!(r.thresholds, vec![f64::INFINITY, 3.5, 2.5, 1.5, f64::NEG_INFINITY]);
        // At 2.5 the cases ≤ 2.5 are {2}: sensitivity 1/3.
        assert_eq!(r.sensitivities, vec![1.0, 2.0 / 3.0, 1.0 / 3.0, 0.0, 0.0]);
    }

    #[test]
    fn too_few_and_nan_are_rejected() {
        assert!(matches!(
            Scores::new("s", &[0.1, 0.2, 0.3], &[false, true, true]),
            Err(Error::TooFewPerClass { .. })
        ));
        assert!(matches!(
            Scores::new("s", &[0.1, f64::NAN, 0.3, 0.4], &[false, false, true, true]),
            Err(Error::NonFiniteScore { row: 2, .. })
        ));
        assert!(matches!(
            Scores::new("s", &[0.1], &[false, true]),
            Err(Error::LengthMismatch { .. })
        ));
    }
}
