//! Choosing a threshold (Youden's J) and the confusion-matrix metrics at a threshold.
//!
//! A threshold chosen on one split (training) is applied unchanged to another: [`youden_threshold`]
//! returns a [`Threshold`], and [`classification_metrics`] evaluates any [`Scores`] at it.

use crate::roc::{Direction, RocCurve, Scores};

/// A decision threshold in the score's own units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    /// The cut-off.
    pub value: f64,
    /// [`Direction::ControlsLower`]: positive when `score ≥ value`; [`Direction::ControlsHigher`]:
    /// positive when `score ≤ value` (pROC's rule in both cases).
    pub direction: Direction,
}

impl Threshold {
    /// Whether a score (own units) is called positive.
    pub fn is_positive(self, score: f64) -> bool {
        match self.direction {
            Direction::ControlsLower => score >= self.value,
            Direction::ControlsHigher => score <= self.value,
        }
    }
}

/// The point of a ROC curve that maximises Youden's J.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct YoudenPoint {
    /// The threshold.
    pub threshold: Threshold,
    /// Sensitivity there.
    pub sensitivity: f64,
    /// Specificity there.
    pub specificity: f64,
    /// `J = sensitivity + specificity − 1`.
    pub youden_j: f64,
}

/// The threshold maximising Youden's `J = Se + Sp − 1` (pROC
/// `coords(roc, "best", best.method = "youden")`).
///
/// Like pROC, `Se + Sp` is compared exactly in floating point over all points of
/// [`crate::roc_curve`]. **Ties:** pROC returns every maximising point; we return the *first* in
/// pROC's order, i.e. the most sensitive of the equally good cut-offs (the lowest threshold for
/// the default direction, the highest for [`Direction::ControlsHigher`]). If no point beats the trivial ones (`J = 0`, e.g. all scores tied) the
/// result is pROC's first row, the infinite threshold that calls everybody positive.
pub fn youden_threshold(roc: &RocCurve) -> YoudenPoint {
    let mut best = 0;
    let mut best_crit = f64::NEG_INFINITY;
    for (i, (&se, &sp)) in roc.sensitivities.iter().zip(&roc.specificities).enumerate() {
        let crit = se + sp;
        if crit > best_crit {
            best_crit = crit;
            best = i;
        }
    }
    YoudenPoint {
        threshold: Threshold { value: roc.thresholds[best], direction: roc.direction },
        sensitivity: roc.sensitivities[best],
        specificity: roc.specificities[best],
        youden_j: best_crit - 1.0,
    }
}

/// Confusion-matrix counts and the rates derived from them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClassificationMetrics {
    /// Cases called positive.
    pub true_positives: usize,
    /// Controls called positive.
    pub false_positives: usize,
    /// Controls called negative.
    pub true_negatives: usize,
    /// Cases called negative.
    pub false_negatives: usize,
    /// `TP / (TP + FN)`.
    pub sensitivity: f64,
    /// `TN / (TN + FP)`.
    pub specificity: f64,
    /// `(TP + TN) / N`.
    pub accuracy: f64,
    /// `TP / (TP + FP)`; `None` when nobody is called positive.
    pub ppv: Option<f64>,
    /// `TN / (TN + FN)`; `None` when nobody is called negative.
    pub npv: Option<f64>,
}

impl ClassificationMetrics {
    /// From the four counts (cases = TP + FN ≥ 1 and controls = TN + FP ≥ 1 assumed).
    pub fn from_counts(tp: usize, fp: usize, tn: usize, fn_: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { None } else { Some(a as f64 / b as f64) };
        ClassificationMetrics {
            true_positives: tp,
            false_positives: fp,
            true_negatives: tn,
            false_negatives: fn_,
            sensitivity: tp as f64 / (tp + fn_) as f64,
            specificity: tn as f64 / (tn + fp) as f64,
            accuracy: (tp + tn) as f64 / (tp + fp + tn + fn_) as f64,
            ppv: ratio(tp, tp + fp),
            npv: ratio(tn, tn + fn_),
        }
    }
}

/// Sensitivity, specificity, accuracy, PPV and NPV of `scores` at `threshold` (pROC
/// `coords(roc, threshold, input = "threshold", ret = c("sensitivity", …))`).
///
/// `threshold.direction` is used as given, so a threshold chosen on training data is applied to
/// test data unchanged even if the test scores were built with another direction.
pub fn classification_metrics(scores: &Scores, threshold: Threshold) -> ClassificationMetrics {
    // Scores are stored oriented by their own direction; undo it to compare in score units.
    let sign = scores.direction().sign();
    let tp = scores.oriented_cases().iter().filter(|&&x| threshold.is_positive(sign * x)).count();
    let fp =
        scores.oriented_controls().iter().filter(|&&y| threshold.is_positive(sign * y)).count();
    ClassificationMetrics::from_counts(tp, fp, scores.n_controls() - fp, scores.n_cases() - tp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roc::roc_curve;

    #[test]
    fn youden_picks_first_of_tied_maxima() {
        // Controls 1,2,3; cases 2,3,4: Se+Sp = 1, 4/3, 4/3, 4/3, 1 at −∞, 1.5, 2.5, 3.5, ∞ — three
        // tied maxima in exact arithmetic. In floating point 1 + 1/3, 2/3 + 2/3 and 1/3 + 1 are all
        // 1.3333333333333333, so the first (1.5) is chosen.
        let s =
            Scores::from_classes("t", &[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0], Direction::ControlsLower)
                .unwrap();
        let y = youden_threshold(&roc_curve(&s));
        assert_eq!(y.threshold.value, 1.5);
        assert_eq!((y.sensitivity, y.specificity), (1.0, 1.0 / 3.0));
    }

    #[test]
    fn metrics_by_hand() {
        // Threshold 2.5: cases ≥ 2.5: 3,4 → TP 2, FN 1; controls ≥ 2.5: 3 → FP 1, TN 2.
        let s =
            Scores::from_classes("t", &[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0], Direction::ControlsLower)
                .unwrap();
        let m = classification_metrics(
            &s,
            Threshold { value: 2.5, direction: Direction::ControlsLower },
        );
        assert_eq!(
            (m.true_positives, m.false_positives, m.true_negatives, m.false_negatives),
            (2, 1, 2, 1)
        );
        assert_eq!(m.ppv, Some(2.0 / 3.0));
        assert_eq!(m.accuracy, 4.0 / 6.0);
        let all = classification_metrics(
            &s,
            Threshold { value: f64::INFINITY, direction: Direction::ControlsLower },
        );
        assert_eq!((all.ppv, all.npv), (None, Some(0.5)));
    }
}
