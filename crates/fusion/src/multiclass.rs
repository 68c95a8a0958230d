//! Multi-class outcomes (HER2-zero vs -low vs -positive) by one-vs-rest: for each class c, every
//! configured signature is fitted, as for a binary outcome, on the labels `y = 1` for class c
//! and `y = 0` for the others (the same training rows, pipelines, searches and seeds). A row's
//! class probabilities under a signature are its K one-vs-rest probabilities normalised to sum
//! to 1, `p_c = σ(lp_c) / Σ_k σ(lp_k)` (scikit-learn's `OneVsRestClassifier.predict_proba`),
//! the input of the macro one-vs-rest and Hand & Till AUCs (`radlsig_evaluate::multiclass_auc`).

use ndarray::Array2;

use crate::config::{FusionConfig, SignatureId};
use crate::error::{Error, Result};
use crate::logistic::sigmoid;
use crate::signature::{FeatureBlocks, SignatureSet, fit_signatures};

/// The one-vs-rest signature sets of a K-class outcome, one per class.
#[derive(Clone, Debug, PartialEq)]
pub struct OneVsRest {
    /// Class names, in label order (label k is `classes[k]`).
    pub classes: Vec<String>,
    /// `sets[k]`: the signatures of class k against the rest.
    pub sets: Vec<SignatureSet>,
}

/// Checks class labels `0..K` for `classes`: every label in range, K ≥ 3, and every class with
/// at least two training rows (and two outside it).
pub fn check_class_labels(labels: &[usize], classes: &[String]) -> Result<()> {
    let k = classes.len();
    let bad = |reason: String| Err(Error::Labels { reason });
    if k < 3 {
        return bad(format!(
            "a multi-class outcome needs at least 3 classes, got {k} (use a 0/1 label for two)"
        ));
    }
    if let Some((i, l)) = labels.iter().enumerate().find(|(_, l)| **l >= k) {
        return bad(format!(
            "row {i}: label {l} is not a class (0..{} for {})",
            k - 1,
            classes.join(", ")
        ));
    }
    for (c, name) in classes.iter().enumerate() {
        let n = labels.iter().filter(|&&l| l == c).count();
        if n < 2 {
            return bad(format!(
                "class {c} ({name}) has {n} training row{}; one-vs-rest needs at least 2",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    Ok(())
}

/// Fits the one-vs-rest signatures of `config` on the training rows `train` with class labels
/// `0..K` (module docs). An error names the class whose fit failed.
pub fn fit_one_vs_rest(
    config: &FusionConfig,
    train: &FeatureBlocks,
    labels: &[usize],
    classes: &[String],
) -> Result<OneVsRest> {
    check_class_labels(labels, classes)?;
    let sets = classes
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let y: Vec<u8> = labels.iter().map(|&l| u8::from(l == c)).collect();
            fit_signatures(config, train, &y).map_err(|e| Error::Labels {
                reason: format!("one-vs-rest fit of class {c} ({name}) against the rest: {e}"),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(OneVsRest { classes: classes.to_vec(), sets })
}

impl OneVsRest {
    /// For each signature, the rows' class probabilities (rows × K, each row summing to 1).
    pub fn class_probabilities(
        &self,
        blocks: &FeatureBlocks,
    ) -> Result<Vec<(SignatureId, Array2<f64>)>> {
        let per_class: Vec<Vec<(SignatureId, Vec<f64>)>> =
            self.sets.iter().map(|s| s.linear_predictors(blocks)).collect::<Result<_>>()?;
        let k = self.classes.len();
        let mut out = Vec::new();
        for (j, (id, lp0)) in per_class[0].iter().enumerate() {
            let n = lp0.len();
            let mut p = Array2::<f64>::zeros((n, k));
            for (c, lps) in per_class.iter().enumerate() {
                debug_assert_eq!(lps[j].0, *id);
                for (i, &l) in lps[j].1.iter().enumerate() {
                    p[[i, c]] = sigmoid(l);
                }
            }
            for mut row in p.rows_mut() {
                let s = row.sum();
                row.mapv_inplace(|v| v / s);
            }
            out.push((*id, p));
        }
        Ok(out)
    }
}
