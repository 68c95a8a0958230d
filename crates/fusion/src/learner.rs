//! The non-linear models of a signature (random forest, gradient boosting, SVM): fitted on a
//! pipeline's output features, scored as log-odds, explained by TreeSHAP where they are trees.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::config::{BoostingConfig, ForestConfig, Gamma, KernelKind, ModelConfig, SvmConfig};
use crate::error::Result;
use crate::shap::{tree_expected_value, tree_shap};
use crate::signature::PROBABILITY_EPS;
use crate::svm::{Kernel, SvmModel, SvmSettings, fit_svm, gamma_scale};
use crate::trees::{
    BoostingSettings, ForestSettings, GradientBoosting, RandomForest, Tree, fit_gradient_boosting,
    fit_random_forest,
};

/// A fitted non-linear model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Learner {
    /// A random forest; log-odds of the mean class-1 fraction, clamped to
    /// `[1e−7, 1 − 1e−7]` (a forest's probability can be exactly 0 or 1).
    RandomForest(RandomForest),
    /// Gradient-boosted trees; their log-odds.
    GradientBoosting(GradientBoosting),
    /// An SVM; Platt's log-odds.
    Svm(SvmModel),
}

/// A learner with the names of its input columns, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedLearner {
    /// The preprocessed features it reads, in column order.
    pub features: Vec<String>,
    /// The model.
    pub model: Learner,
}

/// SHAP values of rows: `values[[row, feature]]`, with `Σ_j values[[i, j]] + expected = f(x_i)`
/// on the model's SHAP scale (probability for a forest, log-odds for boosting).
#[derive(Clone, Debug, PartialEq)]
pub struct ShapValues {
    /// One row per input row, one column per feature.
    pub values: Array2<f64>,
    /// `E[f]` over the training rows.
    pub expected: f64,
    /// What f is: `probability` or `log-odds`.
    pub scale: &'static str,
}

impl Learner {
    /// The log-odds of each row of `x` (columns in the learner's feature order).
    pub fn log_odds(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        match self {
            Learner::RandomForest(f) => f
                .predict_proba(x)
                .into_iter()
                .map(|p| radlsig_stats::logit(p.clamp(PROBABILITY_EPS, 1.0 - PROBABILITY_EPS)))
                .collect(),
            Learner::GradientBoosting(g) => g.decision_function(x),
            Learner::Svm(s) => s.log_odds(x),
        }
    }

    /// A short description for the formula line.
    pub fn describe(&self) -> String {
        match self {
            Learner::RandomForest(f) => format!("a random forest of {} trees", f.trees.len()),
            Learner::GradientBoosting(g) => format!(
                "gradient boosting of {} trees (learning rate {})",
                g.trees.len(),
                g.learning_rate
            ),
            Learner::Svm(s) => {
                let kernel = match s.kernel {
                    Kernel::Linear => "linear".to_string(),
                    Kernel::Rbf { gamma } => format!("RBF, γ = {gamma:.4}"),
                };
                format!("an SVM ({kernel}; {} support vectors), Platt-scaled", s.dual_coef.len())
            }
        }
    }

    /// TreeSHAP values of the rows of `x` for the tree models; `None` for an SVM.
    pub fn shap(&self, x: ArrayView2<'_, f64>) -> Option<ShapValues> {
        let (trees, scale, base, what): (&[Tree], f64, f64, _) = match self {
            Learner::RandomForest(f) => (&f.trees, 1.0 / f.trees.len() as f64, 0.0, "probability"),
            Learner::GradientBoosting(g) => (&g.trees, g.learning_rate, g.init, "log-odds"),
            Learner::Svm(_) => return None,
        };
        let (n, p) = x.dim();
        let mut values = Array2::<f64>::zeros((n, p));
        for (i, row) in x.outer_iter().enumerate() {
            let row = row.to_vec();
            let mut phi = vec![0.0; p];
            for t in trees {
                tree_shap(t, &row, scale, &mut phi);
            }
            for (j, v) in phi.into_iter().enumerate() {
                values[[i, j]] = v;
            }
        }
        let expected = base + scale * trees.iter().map(tree_expected_value).sum::<f64>();
        Some(ShapValues { values, expected, scale: what })
    }
}

/// Fits the learner that `model` names on `x` (training rows, preprocessed features) and 0/1
/// `labels`; `None` for the linear models. `seed` is the fusion seed, used where the model's
/// own is not set.
pub fn fit_learner(
    model: &ModelConfig,
    x: ArrayView2<'_, f64>,
    labels: &[u8],
    seed: u64,
    what: &str,
) -> Result<Option<Learner>> {
    let p = x.ncols();
    Ok(Some(match model {
        ModelConfig::Logistic { .. } | ModelConfig::Lasso {} => return Ok(None),
        ModelConfig::RandomForest(ForestConfig {
            trees,
            max_features,
            max_depth,
            min_samples_split,
            min_samples_leaf,
            seed: own,
        }) => {
            let settings = ForestSettings {
                trees: *trees,
                max_features: max_features.resolve(p),
                max_depth: *max_depth,
                min_samples_split: *min_samples_split,
                min_samples_leaf: *min_samples_leaf,
                seed: own.unwrap_or(seed),
            };
            Learner::RandomForest(fit_random_forest(x, labels, &settings).forest)
        }
        ModelConfig::GradientBoosting(BoostingConfig {
            trees,
            learning_rate,
            max_depth,
            min_samples_split,
            min_samples_leaf,
            subsample,
            max_features,
            seed: own,
        }) => {
            let settings = BoostingSettings {
                trees: *trees,
                learning_rate: *learning_rate,
                max_depth: *max_depth,
                min_samples_split: *min_samples_split,
                min_samples_leaf: *min_samples_leaf,
                subsample: *subsample,
                max_features: max_features.resolve(p),
                seed: own.unwrap_or(seed),
            };
            Learner::GradientBoosting(fit_gradient_boosting(x, labels, &settings))
        }
        ModelConfig::Svm(SvmConfig { kernel, c, gamma, tol, platt_folds, seed: own }) => {
            let kernel = match (kernel, gamma) {
                (KernelKind::Linear, _) => Kernel::Linear,
                (KernelKind::Rbf, Gamma::Scale) => Kernel::Rbf { gamma: gamma_scale(x) },
                (KernelKind::Rbf, Gamma::Value(g)) => Kernel::Rbf { gamma: *g },
            };
            let settings = SvmSettings {
                kernel,
                c: *c,
                tol: *tol,
                platt_folds: *platt_folds,
                seed: own.unwrap_or(seed),
            };
            Learner::Svm(fit_svm(x, labels, &settings, what)?)
        }
    }))
}
