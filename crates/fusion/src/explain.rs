//! Explanations of a fitted signature: which features drive its score.
//!
//! - Coefficients (linear signatures): each term's coefficient β (log-odds per unit of the
//!   preprocessed feature) and its standardised coefficient β·SD, the log-odds per training
//!   SD of the feature (sample SD, n − 1), comparable across features whatever their units.
//! - Permutation importance (Breiman 2001; Fisher, Rudin & Dominici 2019), for any signature:
//!   the drop in AUC on the evaluated rows when one raw input's values are permuted among them,
//!   which breaks its link to the outcome and keeps its distribution. Each of R repeats draws a
//!   stratified bootstrap resample of the rows (each class resampled to its own size) and one
//!   permutation of the feature; the importance is the mean drop over the repeats and its CI
//!   the percentile interval of the R drops (sampling and permutation variability together).
//!   The resamples are shared by all features (paired), the permutations are drawn per feature
//!   from the seed, so results depend only on the seed.
//! - Mean |SHAP| (tree learners): TreeSHAP values of each row ([`crate::tree_shap`]), averaged
//!   in absolute value, on the learner's scale (probability for a forest, log-odds for
//!   boosting).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::data::{FeatureTable, check_labels};
use crate::error::{Error, Result};
use crate::learner::ShapValues;
use crate::signature::Signature;

/// How an importance was measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportanceMethod {
    /// β, log-odds per unit of the preprocessed feature.
    Coefficient,
    /// β × training SD of the preprocessed feature.
    StandardisedCoefficient,
    /// Mean AUC drop when the raw input is permuted.
    PermutationAuc,
    /// Mean |SHAP value|.
    MeanAbsShap,
}

impl ImportanceMethod {
    /// The name written in tables.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportanceMethod::Coefficient => "coefficient",
            ImportanceMethod::StandardisedCoefficient => "standardised_coefficient",
            ImportanceMethod::PermutationAuc => "permutation_auc",
            ImportanceMethod::MeanAbsShap => "mean_abs_shap",
        }
    }
}

/// One feature's importance.
#[derive(Clone, Debug, PartialEq)]
pub struct Importance {
    /// The feature (raw input for permutation importance; the preprocessed feature or
    /// component signature otherwise).
    pub feature: String,
    /// How it was measured.
    pub method: ImportanceMethod,
    /// The value.
    pub value: f64,
    /// Its confidence interval (permutation importance).
    pub ci: Option<(f64, f64)>,
}

/// The coefficients and standardised coefficients of a linear signature's terms, the SDs taken
/// on `train` (the rows it was fitted on; component-signature terms use the SD of the
/// component's log-odds). Empty for a signature with a learner or no terms.
pub fn coefficients(signature: &Signature, train: &FeatureTable) -> Result<Vec<Importance>> {
    if signature.learner.is_some() || signature.terms.is_empty() {
        return Ok(Vec::new());
    }
    let pre = signature.preprocess(train)?;
    let mut out = Vec::new();
    for t in &signature.terms {
        let values = signature.term_values(t, &pre, train)?;
        out.push(Importance {
            feature: t.name.clone(),
            method: ImportanceMethod::Coefficient,
            value: t.coefficient,
            ci: None,
        });
        out.push(Importance {
            feature: t.name.clone(),
            method: ImportanceMethod::StandardisedCoefficient,
            value: t.coefficient * sample_sd(&values),
            ci: None,
        });
    }
    Ok(out)
}

fn sample_sd(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 2 {
        return 0.0;
    }
    let m = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// Settings of [`permutation_importance`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PermutationSettings {
    /// Repeats R (bootstrap resample + permutation each), ≥ 1.
    pub repeats: usize,
    /// Level of the percentile interval (e.g. 0.95).
    pub conf_level: f64,
    /// Seed of the resamples and permutations.
    pub seed: u64,
}

/// The permutation importance of every raw input of `signature` (and its components) on the
/// rows of `table` with 0/1 `labels` (module docs), in the signature's input order.
pub fn permutation_importance(
    signature: &Signature,
    table: &FeatureTable,
    labels: &[u8],
    settings: &PermutationSettings,
) -> Result<Vec<Importance>> {
    check_labels(labels, table.n_rows())?;
    if settings.repeats == 0 {
        return Err(Error::Shape {
            what: "permutation importance".into(),
            reason: "needs at least 1 repeat".into(),
        });
    }
    let n = labels.len();
    let base = signature.linear_predictor(table)?;
    let mut master = ChaCha8Rng::seed_from_u64(settings.seed);
    let by_class: [Vec<usize>; 2] =
        [0, 1].map(|c| (0..n).filter(|&i| labels[i] == c).collect::<Vec<_>>());
    let resamples: Vec<Vec<usize>> = (0..settings.repeats)
        .map(|_| {
            let mut idx = Vec::with_capacity(n);
            for class in &by_class {
                for _ in 0..class.len() {
                    idx.push(class[master.random_range(0..class.len())]);
                }
            }
            idx
        })
        .collect();
    let auc_on = |score: &[f64], idx: &[usize]| -> f64 {
        let s: Vec<f64> = idx.iter().map(|&i| score[i]).collect();
        let y: Vec<u8> = idx.iter().map(|&i| labels[i]).collect();
        radlsig_stats::roc_auc(&s, &y).expect("both classes in a stratified resample")
    };
    let base_auc: Vec<f64> = resamples.iter().map(|idx| auc_on(&base, idx)).collect();
    let inputs = signature.all_inputs();
    let feature_seeds: Vec<u64> = inputs.iter().map(|_| master.random()).collect();
    let alpha = (1.0 - settings.conf_level) / 2.0;
    inputs
        .par_iter()
        .zip(&feature_seeds)
        .map(|(name, &seed)| {
            let j = table.feature_index(name).ok_or_else(|| Error::MissingFeature {
                name: name.clone(),
                context: format!("{} (permutation importance)", signature.name),
            })?;
            let column = table.values().column(j).to_vec();
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut drops = Vec::with_capacity(settings.repeats);
            for (idx, &b) in resamples.iter().zip(&base_auc) {
                let mut permuted = column.clone();
                radlsig_stats::shuffle(&mut permuted, &mut rng);
                let lp = signature.linear_predictor(&table.with_column(j, &permuted))?;
                drops.push(b - auc_on(&lp, idx));
            }
            let mean = drops.iter().sum::<f64>() / drops.len() as f64;
            let ci = (
                radlsig_stats::quantile_type7(&drops, alpha),
                radlsig_stats::quantile_type7(&drops, 1.0 - alpha),
            );
            Ok(Importance {
                feature: name.clone(),
                method: ImportanceMethod::PermutationAuc,
                value: mean,
                ci: Some(ci),
            })
        })
        .collect()
}

/// The TreeSHAP values of the rows of `table` for a signature with a tree learner, with the
/// learner's feature names; `None` for other signatures.
pub fn shap_values(
    signature: &Signature,
    table: &FeatureTable,
) -> Result<Option<(Vec<String>, ShapValues)>> {
    let Some(l) = &signature.learner else { return Ok(None) };
    let pre = signature.preprocess(table)?;
    let x = pre.select_features(&l.features, &signature.name)?;
    Ok(l.model.shap(x.values()).map(|s| (l.features.clone(), s)))
}

/// Mean |SHAP| per feature.
pub fn mean_abs_shap(features: &[String], shap: &ShapValues) -> Vec<Importance> {
    let n = shap.values.nrows().max(1) as f64;
    features
        .iter()
        .enumerate()
        .map(|(j, f)| Importance {
            feature: f.clone(),
            method: ImportanceMethod::MeanAbsShap,
            value: shap.values.column(j).iter().map(|v| v.abs()).sum::<f64>() / n,
            ci: None,
        })
        .collect()
}
