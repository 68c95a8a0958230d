//! AUCs of multi-class outcomes (e.g. HER2-zero vs -low vs -positive) from a matrix of class
//! probabilities `p̂(k | x)`, one column per class.
//!
//! * Hand & Till (2001) `M = 2 / (c(c − 1)) Σ_{i<j} Â(i, j)` with `Â(i, j) = ½ [A(i|j) +
//!   A(j|i)]`, where `A(i|j)` is the probability that a random member of class `i` has a higher
//!   `p̂(i | x)` than a random member of class `j` (ties count ½), computed on the rows of the two
//!   classes only — R pROC's `multiclass.roc(response, predictor_matrix, direction = ">")`.
//! * Macro one-vs-rest: the mean over classes of the AUC of `p̂(k | x)` for class `k` against
//!   all other rows (scikit-learn's `roc_auc_score(multi_class = "ovr", average = "macro")`).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::bootstrap::BootstrapConfig;
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

/// The multi-class AUCs of every bootstrap replicate of one prediction.
#[derive(Clone, Debug, PartialEq)]
pub struct MulticlassReplicates {
    /// Hand & Till's `M` of each replicate.
    pub hand_till: Vec<f64>,
    /// The macro one-vs-rest AUC of each replicate.
    pub macro_ovr: Vec<f64>,
}

/// Stratified bootstrap of the multi-class AUCs of several predictions of the same rows
/// (`predictions[s]` row-major, `labels.len()` rows × `classes`), paired: every prediction is
/// scored on the same resamples, so differences between them have percentile intervals too.
///
/// Replicate `r` draws, with ChaCha8 stream `r` of `config.seed`, `n_c` rows with replacement
/// from the `n_c` rows of each class in turn (class 0 first). With two classes this is the
/// draw of [`crate::bootstrap_stratified`] (controls, then cases), so a 0/1 outcome gets the
/// same replicates as the binary bootstrap.
pub fn bootstrap_multiclass(
    subject: &str,
    predictions: &[&[f64]],
    labels: &[usize],
    classes: usize,
    config: &BootstrapConfig,
) -> Result<Vec<MulticlassReplicates>> {
    config.check()?;
    for p in predictions {
        multiclass_auc(subject, p, labels, classes)?; // every input check, once
    }
    let members: Vec<Vec<usize>> =
        (0..classes).map(|c| (0..labels.len()).filter(|&r| labels[r] == c).collect()).collect();
    let per_replicate: Vec<Vec<(f64, f64)>> = (0..config.replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
            rng.set_stream(r as u64);
            let mut rows = Vec::with_capacity(labels.len());
            let mut y = Vec::with_capacity(labels.len());
            for (c, m) in members.iter().enumerate() {
                for _ in 0..m.len() {
                    rows.push(m[rng.random_range(0..m.len())]);
                    y.push(c);
                }
            }
            predictions
                .iter()
                .map(|p| {
                    let resampled: Vec<f64> = rows
                        .iter()
                        .flat_map(|&row| p[row * classes..(row + 1) * classes].iter().copied())
                        .collect();
                    let m = multiclass_auc(subject, &resampled, &y, classes)
                        .expect("a resample keeps every class and finite values");
                    (m.hand_till, m.macro_ovr)
                })
                .collect()
        })
        .collect();
    Ok((0..predictions.len())
        .map(|s| MulticlassReplicates {
            hand_till: per_replicate.iter().map(|r| r[s].0).collect(),
            macro_ovr: per_replicate.iter().map(|r| r[s].1).collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_classes_bootstrap_as_the_binary_bootstrap() {
        // p(1 | x) as the score: Hand & Till's M of two classes is the AUC of p(1 | x), and the
        // draws are the binary bootstrap's, so every replicate agrees with it.
        let scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.2, 0.9, 0.55, 0.3, 0.65, 0.5, 0.45];
        let labels = [0usize, 0, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1];
        let p: Vec<f64> = scores.iter().flat_map(|&s| [1.0 - s, s]).collect();
        let config = BootstrapConfig { replicates: 300, seed: 9, conf_level: 0.95 };
        let ours = bootstrap_multiclass("t", &[&p], &labels, 2, &config).unwrap();
        let flags: Vec<bool> = labels.iter().map(|&l| l == 1).collect();
        let binary = crate::bootstrap_stratified(
            &crate::Scores::new("t", &scores, &flags).unwrap(),
            None,
            &config,
        )
        .unwrap();
        for (a, b) in ours[0].hand_till.iter().zip(&binary.auc) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
        assert_eq!(ours[0].hand_till, ours[0].macro_ovr);
    }

    #[test]
    fn the_bootstrap_is_paired_and_seeded() {
        let labels = [0usize, 0, 0, 1, 1, 1, 2, 2, 2];
        let perfect: Vec<f64> = labels
            .iter()
            .flat_map(|&l| (0..3).map(move |k| if k == l { 0.8 } else { 0.1 }))
            .collect();
        let noisy: Vec<f64> = (0..27).map(|i| ((i * 7919) % 97) as f64 / 97.0).collect();
        let config = BootstrapConfig { replicates: 50, seed: 3, conf_level: 0.95 };
        let a = bootstrap_multiclass("t", &[&perfect, &noisy], &labels, 3, &config).unwrap();
        assert!(a[0].hand_till.iter().chain(&a[0].macro_ovr).all(|&v| v == 1.0));
        let b = bootstrap_multiclass("t", &[&noisy], &labels, 3, &config).unwrap();
        assert_eq!(a[1], b[0], "a prediction's replicates do not depend on the others");
        let c = bootstrap_multiclass(
            "t",
            &[&noisy],
            &labels,
            3,
            &BootstrapConfig { seed: 4, ..config },
        )
        .unwrap();
        assert_ne!(b[0], c[0]);
    }

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
