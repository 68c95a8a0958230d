//! AUCs of multi-class outcomes (e.g. HER2-zero vs -low vs -positive) from a matrix of class
//! probabilities `p̂(k | x)`, one column per class.
//!
//! * Hand & Till (2001) `M = 2 / (c(c − 1)) Σ_{i<j} Â(i, j)` with `Â(i, j) = ½ [A(i|j) +
//!   A(j|i)]`, where `A(i|j)` is the probability that a random member of class `i` has a higher
//!   `p̂(i | x)` than a random member of class `j` (ties count ½), computed on the rows of the two
//!   classes only — R pROC's `multiclass.roc(response, predictor_matrix, direction = ">")`.
//! * Macro one-vs-rest: the mean over classes of the AUC of `p̂(k | x)` for class `k` against
//!   all other rows (scikit-learn's `roc_auc_score(multi_class = "ovr", average = "macro")`).

use crate::error::{Error, Result};

/// The AUCs of a multi-class prediction (module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct MulticlassAuc {
    /// Hand & Till's `M`.
    pub hand_till: f64,
    /// `(i, j, Â(i, j))` for every pair of classes `i < j`.
    pub pairs: Vec<(usize, usize, f64)>,
    /// The macro average of the one-vs-rest AUCs.
    pub macro_ovr: f64,
    /// The one-vs-rest AUC of each class.
    pub one_vs_rest: Vec<f64>,
}

/// `P(a > b) + ½ P(a = b)` over all pairs of `a ∈ high`, `b ∈ low`, by mid-ranks.
fn auc(high: &[f64], low: &[f64]) -> f64 {
    let labels: Vec<u8> =
        std::iter::repeat_n(1u8, high.len()).chain(std::iter::repeat_n(0u8, low.len())).collect();
    let scores: Vec<f64> = high.iter().chain(low).copied().collect();
    radlsig_stats::roc_auc(&scores, &labels).expect("both groups are non-empty")
}

/// Hand & Till's `M` and the macro one-vs-rest AUC of `probabilities` (row `r` holds `p̂(k | x_r)`
/// for the `classes` classes, row-major, `labels.len()` rows) against `labels` in
/// `0..classes`. `subject` names the predictions in errors.
///
/// Fails when a label is out of range, a value is not finite, or a class has no row.
pub fn multiclass_auc(
    subject: &str,
    probabilities: &[f64],
    labels: &[usize],
    classes: usize,
) -> Result<MulticlassAuc> {
    let n = labels.len();
    if classes < 2 || probabilities.len() != n * classes {
        return Err(Error::LengthMismatch {
            subject: format!("{subject}: {classes} classes"),
            left: probabilities.len(),
            right: n * classes,
        });
    }
    if let Some(i) = probabilities.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFiniteScore {
            subject: subject.to_string(),
            row: i / classes + 1,
            value: probabilities[i],
        });
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (r, &y) in labels.iter().enumerate() {
        let slot = members.get_mut(y).ok_or_else(|| Error::Undefined {
            subject: subject.to_string(),
            statistic: "multi-class AUC",
            reason: format!("row {}: class {y} is not in 0..{classes}", r + 1),
        })?;
        slot.push(r);
    }
    if let Some(k) = members.iter().position(Vec::is_empty) {
        return Err(Error::Undefined {
            subject: subject.to_string(),
            statistic: "multi-class AUC",
            reason: format!("class {k} has no row"),
        });
    }
    let p = |r: usize, k: usize| probabilities[r * classes + k];
    let column = |rows: &[usize], k: usize| rows.iter().map(|&r| p(r, k)).collect::<Vec<f64>>();
    let mut pairs = Vec::new();
    for i in 0..classes {
        for j in i + 1..classes {
            let a_ij = auc(&column(&members[i], i), &column(&members[j], i));
            let a_ji = auc(&column(&members[j], j), &column(&members[i], j));
            pairs.push((i, j, 0.5 * (a_ij + a_ji)));
        }
    }
    let hand_till =
        2.0 / (classes * (classes - 1)) as f64 * pairs.iter().map(|&(_, _, a)| a).sum::<f64>();
    let one_vs_rest: Vec<f64> = (0..classes)
        .map(|k| {
            let rest: Vec<usize> = (0..n).filter(|&r| labels[r] != k).collect();
            auc(&column(&members[k], k), &column(&rest, k))
        })
        .collect();
    let macro_ovr = one_vs_rest.iter().sum::<f64>() / classes as f64;
    Ok(MulticlassAuc { hand_till, pairs, macro_ovr, one_vs_rest })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_classes_by_hand() {
        // Class 0: rows 0, 1; class 1: row 2; class 2: row 3.
        let p = [
            0.7, 0.2, 0.1, // class 0
            0.3, 0.4, 0.3, // class 0
            0.5, 0.4, 0.1, // class 1
            0.2, 0.2, 0.6, // class 2
        ];
        let m = multiclass_auc("t", &p, &[0, 0, 1, 2], 3).unwrap();
        // A(0|1): p0 of {0.7, 0.3} vs {0.5} = ½; A(1|0): p1 of {0.4} vs {0.2, 0.4} = (1 + ½)/2.
        // A(0|2) = 1 (0.7, 0.3 > 0.2); A(2|0) = 1 (0.6 > 0.1, 0.3);
        // A(1|2) = 1 (0.4 > 0.2); A(2|1) = 1 (0.6 > 0.1).
        assert_eq!(m.pairs, vec![(0, 1, 0.5 * (0.5 + 0.75)), (0, 2, 1.0), (1, 2, 1.0)]);
        assert!((m.hand_till - (0.625 + 1.0 + 1.0) / 3.0).abs() < 1e-15);
        // One vs rest: class 0 {0.7, 0.3} vs {0.5, 0.2} = 3/4; class 1 {0.4} vs {0.2, 0.4, 0.2}
        // = (1 + ½ + 1)/3; class 2 {0.6} vs {0.1, 0.3, 0.1} = 1.
        assert_eq!(m.one_vs_rest, vec![0.75, 2.5 / 3.0, 1.0]);
    }

    #[test]
    fn bad_input_is_named() {
        let err = multiclass_auc("HER2", &[0.5, 0.5, 0.2, 0.8], &[0, 0], 2).unwrap_err();
        assert!(err.to_string().contains("class 1 has no row"), "{err}");
        let err = multiclass_auc("HER2", &[0.5, 0.5, 0.2, 0.8], &[0, 3], 2).unwrap_err();
        assert!(err.to_string().contains("class 3 is not in 0..2"), "{err}");
        let err = multiclass_auc("HER2", &[0.5, f64::NAN, 0.2, 0.8], &[0, 1], 2).unwrap_err();
        assert!(err.to_string().contains("row 1"), "{err}");
    }
}
