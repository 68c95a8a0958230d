//! Typed, validated configuration of the pipelines and signatures.
//!
//! Every struct rejects unknown keys (`deny_unknown_fields`), so a misspelt setting fails at
//! parse time with its name. [`FusionConfig::check`] then verifies every range and every
//! cross-reference at once and lists all problems, each with its full key
//! (`fusion.rasig.steps[2].p: …`). Nothing is fitted before it passes; the fitting functions
//! call it themselves.
//!
//! A TOML example (the runner nests it under `[fusion]`):
//!
//! ```toml
//! seed = 20240601
//! [rasig]
//! steps = [
//!   { kind = "standardize" },
//!   { kind = "combat", covariates = ["age"] },
//!   { kind = "near_zero_variance", threshold = 1e-8 },
//!   { kind = "mann_whitney", p = 0.05 },
//!   { kind = "correlation", max_abs_r = 0.9 },
//!   { kind = "mrmr", k = 20 },
//!   { kind = "lasso", folds = 10, rule = "1se" },
//! ]
//! model = { kind = "logistic" }
//! [dlsig]
//! source = "probability"
//! feature = "dl_prob"
//! [radlsig_late]
//! folds = 5
//! ```

use serde::{Deserialize, Serialize};

use crate::combat::CombatConfig;
use crate::error::{Error, Result};
use crate::lasso::{LambdaRule, LassoSettings};
use crate::search::SearchConfig;
use crate::selection::CorrelationMethod;

/// One step of a pipeline, tagged by `kind`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum StepConfig {
    /// Z-score with training mean and population SD ([`crate::Standardizer`]).
    Standardize {},
    /// ComBat harmonisation across centres ([`crate::fit_combat`]).
    Combat(CombatConfig),
    /// Drop features whose training variance is at most `threshold`.
    NearZeroVariance {
        /// Variance threshold (default 0: constant features only).
        #[serde(default)]
        threshold: f64,
    },
    /// Keep features whose Mann–Whitney p-value is below `p`.
    MannWhitney {
        /// Significance level (default 0.05).
        #[serde(default = "default_p")]
        p: f64,
    },
    /// Of two features with `|r| > max_abs_r`, keep the more relevant.
    Correlation {
        /// Correlation cut (default 0.9).
        #[serde(default = "default_max_abs_r")]
        max_abs_r: f64,
        /// `"pearson"` (default) or `"spearman"`.
        #[serde(default)]
        method: CorrelationMethod,
    },
    /// mRMR (MID) top-`k`.
    Mrmr {
        /// Number of features to keep.
        k: usize,
        /// Equal-frequency bins for the mutual information (default 5).
        #[serde(default = "default_bins")]
        bins: usize,
    },
    /// LASSO (or, with `alpha < 1`, elastic-net) logistic regression with cross-validated λ;
    /// keeps the non-zero coefficients.
    Lasso(LassoStepConfig),
    /// Principal components of the features (training rows), replacing them by `pc1, pc2, …`
    /// ([`crate::fit_pca`]); give `components` or `variance`.
    Pca {
        /// Keep this many components (at most the rank of the centred training rows).
        #[serde(default)]
        components: Option<usize>,
        /// Keep the fewest whose cumulative explained-variance ratio exceeds this, in (0, 1).
        #[serde(default)]
        variance: Option<f64>,
    },
}

fn default_p() -> f64 {
    0.05
}
fn default_max_abs_r() -> f64 {
    0.9
}
fn default_bins() -> usize {
    5
}
fn default_lasso_folds() -> usize {
    10
}
fn default_stack_folds() -> usize {
    5
}
fn default_seed() -> u64 {
    2024
}
fn default_prob_feature() -> String {
    "dl_prob".into()
}

impl StepConfig {
    /// The `kind` tag, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            StepConfig::Standardize {} => "standardize",
            StepConfig::Combat(_) => "combat",
            StepConfig::NearZeroVariance { .. } => "near_zero_variance",
            StepConfig::MannWhitney { .. } => "mann_whitney",
            StepConfig::Correlation { .. } => "correlation",
            StepConfig::Mrmr { .. } => "mrmr",
            StepConfig::Lasso(_) => "lasso",
            StepConfig::Pca { .. } => "pca",
        }
    }
}

/// The `lasso` step: glmnet settings plus the cross-validation that picks λ.
///
/// The glmnet keys (`standardize`, `thresh`, `maxit`, `nlambda`, `lambda_min_ratio`) sit beside
/// `folds`, `rule` and `seed` in the step's table; they are a [`LassoSettings`], which holds
/// their defaults (glmnet's), so those are written in one place.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LassoStepConfig {
    /// Stratified CV folds (default 10).
    #[serde(default = "default_lasso_folds")]
    pub folds: usize,
    /// `"1se"` (default) or `"min"`.
    #[serde(default)]
    pub rule: LambdaRule,
    /// Seed of the fold assignment (default: the fusion seed).
    #[serde(default)]
    pub seed: Option<u64>,
    /// The glmnet settings (defaults: [`LassoSettings::default`]).
    #[serde(flatten)]
    pub glmnet: LassoSettings,
}

impl Default for LassoStepConfig {
    fn default() -> Self {
        LassoStepConfig {
            folds: default_lasso_folds(),
            rule: LambdaRule::OneSe,
            seed: None,
            glmnet: LassoSettings::default(),
        }
    }
}

impl LassoStepConfig {
    /// The glmnet settings.
    pub fn settings(&self) -> LassoSettings {
        self.glmnet.clone()
    }
}

/// The model fitted on a pipeline's output features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ModelConfig {
    /// Logistic regression refitted by IRLS on the selected features (default).
    Logistic {
        /// L2 safeguard against separation (default 0: maximum likelihood).
        #[serde(default)]
        ridge: f64,
    },
    /// Use the last `lasso` step's coefficients directly as the score (the common "Rad-score =
    /// LASSO formula"); needs a `lasso` step last.
    Lasso {},
    /// A random forest of Gini trees on bootstrap rows (scikit-learn's
    /// `RandomForestClassifier`); the score is the logit of the trees' mean class-1 fraction.
    RandomForest(ForestConfig),
    /// Gradient-boosted trees of the binomial deviance (scikit-learn's
    /// `GradientBoostingClassifier`); the score is the boosted log-odds.
    GradientBoosting(BoostingConfig),
    /// A C-SVM (scikit-learn's `SVC`) with Platt-scaled probabilities; the score is Platt's
    /// log-odds `−(A f + B)` of the decision value f.
    Svm(SvmConfig),
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig::Logistic { ridge: 0.0 }
    }
}

impl ModelConfig {
    /// The `kind` tag, for messages and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelConfig::Logistic { .. } => "logistic",
            ModelConfig::Lasso {} => "lasso",
            ModelConfig::RandomForest(_) => "random_forest",
            ModelConfig::GradientBoosting(_) => "gradient_boosting",
            ModelConfig::Svm(_) => "svm",
        }
    }

    fn check(&self, key: &str, steps: &[StepConfig], problems: &mut Vec<String>) {
        let k = format!("{key}.model");
        fn at_least(problems: &mut Vec<String>, key: &str, name: &str, v: usize, min: usize) {
            if v < min {
                problems.push(format!("{key}.{name}: must be ≥ {min}, got {v}"));
            }
        }
        match self {
            ModelConfig::Logistic { ridge } => {
                if !(ridge.is_finite() && *ridge >= 0.0) {
                    problems.push(format!("{k}.ridge: must be ≥ 0, got {ridge}"));
                }
            }
            ModelConfig::Lasso {} => {
                if !matches!(steps.last(), Some(StepConfig::Lasso(_))) {
                    problems.push(format!(
                        "{key}.model: kind = \"lasso\" needs a lasso step as the last step"
                    ));
                }
            }
            ModelConfig::RandomForest(f) => {
                at_least(problems, &k, "trees", f.trees, 1);
                at_least(problems, &k, "min_samples_leaf", f.min_samples_leaf, 1);
                at_least(problems, &k, "min_samples_split", f.min_samples_split, 2);
                if let Some(d) = f.max_depth {
                    at_least(problems, &k, "max_depth", d, 1);
                }
                f.max_features.check(&format!("{k}.max_features"), problems);
            }
            ModelConfig::GradientBoosting(b) => {
                at_least(problems, &k, "trees", b.trees, 1);
                at_least(problems, &k, "max_depth", b.max_depth, 1);
                at_least(problems, &k, "min_samples_leaf", b.min_samples_leaf, 1);
                at_least(problems, &k, "min_samples_split", b.min_samples_split, 2);
                if !(b.learning_rate > 0.0 && b.learning_rate <= 1.0) {
                    problems.push(format!(
                        "{k}.learning_rate: must be in (0, 1], got {}",
                        b.learning_rate
                    ));
                }
                if !(b.subsample > 0.0 && b.subsample <= 1.0) {
                    problems.push(format!("{k}.subsample: must be in (0, 1], got {}", b.subsample));
                }
                b.max_features.check(&format!("{k}.max_features"), problems);
            }
            ModelConfig::Svm(v) => {
                if !(v.c.is_finite() && v.c > 0.0) {
                    problems.push(format!("{k}.c: must be > 0, got {}", v.c));
                }
                if let Gamma::Value(g) = v.gamma
                    && !(g.is_finite() && g > 0.0)
                {
                    problems.push(format!("{k}.gamma: must be > 0 or \"scale\", got {g}"));
                }
                if v.kernel == KernelKind::Linear && v.gamma != Gamma::default() {
                    problems.push(format!("{k}.gamma: only the rbf kernel has a gamma"));
                }
                if !(v.tol.is_finite() && v.tol > 0.0) {
                    problems.push(format!("{k}.tol: must be > 0, got {}", v.tol));
                }
                at_least(problems, &k, "platt_folds", v.platt_folds, 2);
            }
        }
    }
}

/// How many features a tree searches per split.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MaxFeatures {
    /// `"sqrt"` (⌊√p⌋), `"log2"` (⌊log₂ p⌋) or `"all"`.
    Rule(MaxFeaturesRule),
    /// A fraction in (0, 1] of the features (at least one).
    Fraction(f64),
}

/// The named rules of [`MaxFeatures`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaxFeaturesRule {
    /// ⌊√p⌋.
    Sqrt,
    /// ⌊log₂ p⌋.
    Log2,
    /// Every feature.
    All,
}

impl MaxFeatures {
    /// The number of features of `p` (at least 1).
    pub fn resolve(self, p: usize) -> usize {
        let n = match self {
            MaxFeatures::Rule(MaxFeaturesRule::Sqrt) => (p as f64).sqrt() as usize,
            MaxFeatures::Rule(MaxFeaturesRule::Log2) => (p as f64).log2() as usize,
            MaxFeatures::Rule(MaxFeaturesRule::All) => p,
            MaxFeatures::Fraction(f) => (f * p as f64) as usize,
        };
        n.clamp(1, p.max(1))
    }

    fn check(self, key: &str, problems: &mut Vec<String>) {
        if let MaxFeatures::Fraction(f) = self
            && !(f > 0.0 && f <= 1.0)
        {
            problems
                .push(format!("{key}: must be \"sqrt\", \"log2\", \"all\" or in (0, 1], got {f}"));
        }
    }
}

/// A random forest (`model = { kind = "random_forest", trees = 500 }`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForestConfig {
    /// Trees (default 500).
    #[serde(default = "default_forest_trees")]
    pub trees: usize,
    /// Features searched per split (default `"sqrt"`).
    #[serde(default = "default_sqrt")]
    pub max_features: MaxFeatures,
    /// Depth limit (default none: grown until pure).
    #[serde(default)]
    pub max_depth: Option<usize>,
    /// Fewest rows a node needs to be split (default 2).
    #[serde(default = "default_two")]
    pub min_samples_split: usize,
    /// Fewest rows in a leaf (default 1).
    #[serde(default = "default_one")]
    pub min_samples_leaf: usize,
    /// Seed of the bootstrap and feature draws (default: the fusion seed).
    #[serde(default)]
    pub seed: Option<u64>,
}

impl Default for ForestConfig {
    fn default() -> Self {
        ForestConfig {
            trees: default_forest_trees(),
            max_features: default_sqrt(),
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            seed: None,
        }
    }
}

/// Gradient boosting (`model = { kind = "gradient_boosting", learning_rate = 0.05 }`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoostingConfig {
    /// Stages (default 100).
    #[serde(default = "default_boosting_trees")]
    pub trees: usize,
    /// Shrinkage (default 0.1).
    #[serde(default = "default_learning_rate")]
    pub learning_rate: f64,
    /// Depth of each tree (default 3).
    #[serde(default = "default_three")]
    pub max_depth: usize,
    /// Fewest rows a node needs to be split (default 2).
    #[serde(default = "default_two")]
    pub min_samples_split: usize,
    /// Fewest rows in a leaf (default 1).
    #[serde(default = "default_one")]
    pub min_samples_leaf: usize,
    /// Fraction of rows per stage (default 1: deterministic).
    #[serde(default = "default_subsample")]
    pub subsample: f64,
    /// Features searched per split (default `"all"`).
    #[serde(default = "default_all")]
    pub max_features: MaxFeatures,
    /// Seed of row subsamples and feature draws (default: the fusion seed).
    #[serde(default)]
    pub seed: Option<u64>,
}

impl Default for BoostingConfig {
    fn default() -> Self {
        BoostingConfig {
            trees: default_boosting_trees(),
            learning_rate: default_learning_rate(),
            max_depth: 3,
            min_samples_split: 2,
            min_samples_leaf: 1,
            subsample: 1.0,
            max_features: default_all(),
            seed: None,
        }
    }
}

/// An SVM's kernel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KernelKind {
    /// Linear.
    Linear,
    /// Radial basis function (default).
    #[default]
    Rbf,
}

/// An RBF kernel's γ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Gamma {
    /// `"scale"`: `1 / (p · var(X))` of the training rows (scikit-learn's default).
    #[default]
    #[serde(with = "scale_tag")]
    Scale,
    /// A fixed γ > 0.
    Value(f64),
}

mod scale_tag {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("scale")
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<(), D::Error> {
        let s = String::deserialize(d)?;
        if s == "scale" { Ok(()) } else { Err(D::Error::custom("expected \"scale\" or a number")) }
    }
}

/// A C-SVM (`model = { kind = "svm", kernel = "rbf", c = 1.0 }`). Standardise the features
/// first (a `standardize` step): the kernel compares raw scales.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SvmConfig {
    /// Kernel (default `rbf`).
    #[serde(default)]
    pub kernel: KernelKind,
    /// Box constraint C > 0 (default 1).
    #[serde(default = "default_c")]
    pub c: f64,
    /// RBF γ (default `"scale"`).
    #[serde(default)]
    pub gamma: Gamma,
    /// KKT tolerance (default 1e−3, as scikit-learn).
    #[serde(default = "default_svm_tol")]
    pub tol: f64,
    /// Folds of the out-of-fold decision values Platt's sigmoid is fitted on (default 5).
    #[serde(default = "default_platt_folds")]
    pub platt_folds: usize,
    /// Seed of those folds (default: the fusion seed).
    #[serde(default)]
    pub seed: Option<u64>,
}

impl Default for SvmConfig {
    fn default() -> Self {
        SvmConfig {
            kernel: KernelKind::Rbf,
            c: 1.0,
            gamma: Gamma::Scale,
            tol: default_svm_tol(),
            platt_folds: default_platt_folds(),
            seed: None,
        }
    }
}

fn default_forest_trees() -> usize {
    500
}
fn default_boosting_trees() -> usize {
    100
}
fn default_learning_rate() -> f64 {
    0.1
}
fn default_subsample() -> f64 {
    1.0
}
fn default_one() -> usize {
    1
}
fn default_two() -> usize {
    2
}
fn default_three() -> usize {
    3
}
fn default_sqrt() -> MaxFeatures {
    MaxFeatures::Rule(MaxFeaturesRule::Sqrt)
}
fn default_all() -> MaxFeatures {
    MaxFeatures::Rule(MaxFeaturesRule::All)
}
fn default_c() -> f64 {
    1.0
}
fn default_svm_tol() -> f64 {
    1e-3
}
fn default_platt_folds() -> usize {
    5
}

/// A pipeline: steps fitted in order on the training rows, then a model.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineConfig {
    /// Preprocessing and selection steps, in order.
    #[serde(default)]
    pub steps: Vec<StepConfig>,
    /// The final model.
    #[serde(default)]
    pub model: ModelConfig,
    /// A hyper-parameter search over this pipeline's settings, scored by inner
    /// cross-validation of the training rows (module `search`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchConfig>,
}

impl PipelineConfig {
    /// The pipeline of Pan et al. (seed study): standardise, drop constant features, Mann–Whitney
    /// p < 0.05, correlation redundancy |r| > 0.9, 10-fold LASSO with the 1-SE rule, logistic
    /// refit.
    pub fn recommended() -> PipelineConfig {
        PipelineConfig {
            steps: vec![
                StepConfig::Standardize {},
                StepConfig::NearZeroVariance { threshold: 1e-8 },
                StepConfig::MannWhitney { p: 0.05 },
                StepConfig::Correlation { max_abs_r: 0.9, method: CorrelationMethod::Pearson },
                StepConfig::Lasso(LassoStepConfig::default()),
            ],
            model: ModelConfig::default(),
            search: None,
        }
    }

    pub(crate) fn check(&self, key: &str, problems: &mut Vec<String>) {
        if let Some(s) = &self.search {
            s.check(&format!("{key}.search"), problems);
        }
        for (i, step) in self.steps.iter().enumerate() {
            let k = format!("{key}.steps[{i}]");
            match step {
                StepConfig::Standardize {} => {}
                StepConfig::Combat(c) => {
                    for (j, a) in c.covariates.iter().enumerate() {
                        if c.covariates[..j].contains(a) {
                            problems.push(format!("{k}.covariates: `{a}` is listed twice"));
                        }
                    }
                    if c.ref_centre.as_deref() == Some("") {
                        problems.push(format!("{k}.ref_centre: must not be empty"));
                    }
                }
                StepConfig::NearZeroVariance { threshold } => {
                    if !(threshold.is_finite() && *threshold >= 0.0) {
                        problems.push(format!("{k}.threshold: must be ≥ 0, got {threshold}"));
                    }
                }
                StepConfig::MannWhitney { p } => {
                    if !(*p > 0.0 && *p <= 1.0) {
                        problems.push(format!("{k}.p: must be in (0, 1], got {p}"));
                    }
                }
                StepConfig::Correlation { max_abs_r, .. } => {
                    if !(*max_abs_r > 0.0 && *max_abs_r <= 1.0) {
                        problems.push(format!("{k}.max_abs_r: must be in (0, 1], got {max_abs_r}"));
                    }
                }
                StepConfig::Pca { components, variance } => match (components, variance) {
                    (Some(0), None) => problems.push(format!("{k}.components: must be ≥ 1")),
                    (Some(_), None) => {}
                    (None, Some(v)) if !(*v > 0.0 && *v < 1.0) => {
                        problems.push(format!("{k}.variance: must be in (0, 1), got {v}"))
                    }
                    (None, Some(_)) => {}
                    _ => problems.push(format!("{k}: give one of components or variance")),
                },
                StepConfig::Mrmr { k: top, bins } => {
                    if *top == 0 {
                        problems.push(format!("{k}.k: must be ≥ 1"));
                    }
                    if *bins < 2 {
                        problems.push(format!("{k}.bins: must be ≥ 2, got {bins}"));
                    }
                }
                StepConfig::Lasso(LassoStepConfig { folds, glmnet: l, .. }) => {
                    if *folds < 3 {
                        problems
                            .push(format!("{k}.folds: must be ≥ 3 (as cv.glmnet), got {folds}"));
                    }
                    if l.nlambda < 3 {
                        problems.push(format!("{k}.nlambda: must be ≥ 3, got {}", l.nlambda));
                    }
                    if !(l.thresh.is_finite() && l.thresh > 0.0) {
                        problems.push(format!("{k}.thresh: must be > 0, got {}", l.thresh));
                    }
                    if l.maxit == 0 {
                        problems.push(format!("{k}.maxit: must be ≥ 1"));
                    }
                    if !(l.alpha > 0.0 && l.alpha <= 1.0) {
                        problems.push(format!("{k}.alpha: must be in (0, 1], got {}", l.alpha));
                    }
                    if let Some(r) = l.lambda_min_ratio
                        && !(r > 0.0 && r < 1.0)
                    {
                        problems.push(format!("{k}.lambda_min_ratio: must be in (0, 1), got {r}"));
                    }
                }
            }
        }
        self.model.check(key, &self.steps, problems);
    }
}

/// Where DLsig comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case", deny_unknown_fields)]
pub enum DlSigConfig {
    /// CNN embeddings (the deep block) through a pipeline, like RAsig.
    Features {
        /// Steps, as in [`PipelineConfig`].
        #[serde(default)]
        steps: Vec<StepConfig>,
        /// Model, as in [`PipelineConfig`].
        #[serde(default)]
        model: ModelConfig,
        /// Search, as in [`PipelineConfig`].
        #[serde(default, skip_serializing_if = "Option::is_none")]
        search: Option<SearchConfig>,
    },
    /// The CNN's own probability (one column of the deep block) recalibrated by a logistic
    /// regression on its logit.
    Probability {
        /// The column holding the probability (default `dl_prob`).
        #[serde(default = "default_prob_feature")]
        feature: String,
        /// Ridge penalty of the recalibration (default 0, the maximum-likelihood fit): > 0 where
        /// a pretrained model's probability separates the few training cases.
        #[serde(default)]
        ridge: f64,
    },
}

impl DlSigConfig {
    /// The pipeline when DLsig is built from features.
    pub fn pipeline(&self) -> Option<PipelineConfig> {
        match self {
            DlSigConfig::Features { steps, model, search } => Some(PipelineConfig {
                steps: steps.clone(),
                model: model.clone(),
                search: search.clone(),
            }),
            DlSigConfig::Probability { .. } => None,
        }
    }
}

/// How late fusion weighs RAsig and DLsig; both are fitted on the components' out-of-fold
/// (inner cross-validation) scores of the training rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StackWeights {
    /// `w·z_RA + (1 − w)·z_DL` of the out-of-fold scores standardised by their SDs, with `w` on
    /// a grid of step 0.05 chosen by out-of-fold AUC, then calibrated by a one-term logistic
    /// regression (default). Neither weight can turn negative, and a component at chance gets
    /// `w` at or near 0, so the fusion cannot fall far below its better component.
    #[default]
    Convex,
    /// Unconstrained logistic regression on the out-of-fold scores (free weights).
    Logistic,
}

/// Late fusion: RAsig and DLsig stacked on out-of-fold training scores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LateFusionConfig {
    /// Stratified folds for the out-of-fold scores (default 5).
    #[serde(default = "default_stack_folds")]
    pub folds: usize,
    /// Seed of the fold assignment (default: the fusion seed).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Ridge safeguard of the stacking regression (default 0).
    #[serde(default)]
    pub ridge: f64,
    /// How the weights are chosen (default `convex`).
    #[serde(default)]
    pub weights: StackWeights,
}

impl Default for LateFusionConfig {
    fn default() -> Self {
        LateFusionConfig {
            folds: default_stack_folds(),
            seed: None,
            ridge: 0.0,
            weights: StackWeights::default(),
        }
    }
}

/// What a signature becomes when a selection step of its pipeline keeps no feature (the
/// LASSO's cross-validation prefers the null model, no p-value passes the filter).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmptySelectionPolicy {
    /// The intercept-only model, as glmnet's path starts: a constant score, the logit of the
    /// training prevalence, with a warning that names the step (default). One fold of a
    /// cross-validation whose features carry no signal does not end the run.
    #[default]
    Intercept,
    /// An error that names the step.
    Error,
}

/// The signatures this crate fits, in the order they are fitted and reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureId {
    /// Radiomics signature.
    Rasig,
    /// Deep-learning signature.
    Dlsig,
    /// Radiomics + deep features selected together.
    RadlsigEarly,
    /// Logistic stack of RAsig and DLsig.
    RadlsigLate,
    /// Clinical model.
    Clinical,
    /// Clinical variables plus signature scores (nomogram).
    Combined,
}

impl SignatureId {
    /// Display name (`RAsig`, `RADLsig (late fusion)`, …).
    pub fn name(self) -> &'static str {
        match self {
            SignatureId::Rasig => "RAsig",
            SignatureId::Dlsig => "DLsig",
            SignatureId::RadlsigEarly => "RADLsig (early fusion)",
            SignatureId::RadlsigLate => "RADLsig (late fusion)",
            SignatureId::Clinical => "Clinical model",
            SignatureId::Combined => "Combined model",
        }
    }

    /// Name of its score in formulas (`Rad-score`, …).
    pub fn score_name(self) -> &'static str {
        match self {
            SignatureId::Rasig => "Rad-score",
            SignatureId::Dlsig => "DL-score",
            SignatureId::RadlsigEarly | SignatureId::RadlsigLate => "RADL-score",
            SignatureId::Clinical => "Clinical score",
            SignatureId::Combined => "Combined score",
        }
    }

    /// The config key (`rasig`, `radlsig_late`, …).
    pub fn key(self) -> &'static str {
        match self {
            SignatureId::Rasig => "rasig",
            SignatureId::Dlsig => "dlsig",
            SignatureId::RadlsigEarly => "radlsig_early",
            SignatureId::RadlsigLate => "radlsig_late",
            SignatureId::Clinical => "clinical",
            SignatureId::Combined => "combined",
        }
    }
}

/// Combined model: clinical variables (through the `clinical` pipeline's steps) plus the
/// out-of-fold scores of the listed signatures, in one logistic regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CombinedConfig {
    /// Signatures whose scores enter the model (`rasig`, `dlsig`, `radlsig_early`,
    /// `radlsig_late`).
    pub signatures: Vec<SignatureId>,
    /// Stratified folds for the out-of-fold scores (default 5).
    #[serde(default = "default_stack_folds")]
    pub folds: usize,
    /// Seed of the fold assignment (default: the fusion seed).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Ridge safeguard (default 0).
    #[serde(default)]
    pub ridge: f64,
}

/// All signatures to fit. A missing section is not fitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FusionConfig {
    /// Default seed of every fold assignment (default 2024).
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// What a signature whose selection keeps no feature becomes (default `intercept`).
    #[serde(default)]
    pub on_empty_selection: EmptySelectionPolicy,
    /// RAsig pipeline (radiomics block).
    #[serde(default)]
    pub rasig: Option<PipelineConfig>,
    /// DLsig (deep block).
    #[serde(default)]
    pub dlsig: Option<DlSigConfig>,
    /// RADLsig by early fusion (radiomics and deep blocks joined, then the pipeline).
    #[serde(default)]
    pub radlsig_early: Option<PipelineConfig>,
    /// RADLsig by late fusion (needs `rasig` and `dlsig`).
    #[serde(default)]
    pub radlsig_late: Option<LateFusionConfig>,
    /// Clinical model (clinical block).
    #[serde(default)]
    pub clinical: Option<PipelineConfig>,
    /// Combined model (needs `clinical` and the listed signatures).
    #[serde(default)]
    pub combined: Option<CombinedConfig>,
}

impl Default for FusionConfig {
    fn default() -> Self {
        FusionConfig {
            seed: default_seed(),
            on_empty_selection: EmptySelectionPolicy::default(),
            rasig: None,
            dlsig: None,
            radlsig_early: None,
            radlsig_late: None,
            clinical: None,
            combined: None,
        }
    }
}

impl FusionConfig {
    /// The seed study's design: RAsig and DLsig (from CNN features) with
    /// [`PipelineConfig::recommended`], RADLsig by early and by late fusion.
    pub fn recommended() -> FusionConfig {
        let p = PipelineConfig::recommended();
        FusionConfig {
            rasig: Some(p.clone()),
            dlsig: Some(DlSigConfig::Features {
                steps: p.steps.clone(),
                model: p.model.clone(),
                search: None,
            }),
            radlsig_early: Some(p),
            radlsig_late: Some(LateFusionConfig::default()),
            ..FusionConfig::default()
        }
    }

    /// Checks every cross-validation of the configuration against the training labels before
    /// anything is fitted: a `lasso` step's `folds` and a stack's `folds` need that many
    /// training rows of each class — of all the training rows, or, for a signature fitted
    /// inside a stack's folds, of the training part of its smallest stacking fold (a class of
    /// `n_c` rows loses at most `⌈n_c / K⌉` of them to a held-out fold of `K`). Lists every
    /// problem with its key (`fusion.rasig.steps[4].folds`).
    pub fn check_folds(&self, key: &str, labels: &[u8]) -> Result<()> {
        let k = |s: &str| if key.is_empty() { s.to_string() } else { format!("{key}.{s}") };
        let n1 = labels.iter().filter(|&&l| l == 1).count();
        let all = [labels.len() - n1, n1];
        let inner = |counts: [usize; 2], folds: usize| counts.map(|c| c - c.div_ceil(folds.max(1)));
        let pipeline = |id: SignatureId| -> Option<PipelineConfig> {
            match id {
                SignatureId::Rasig => self.rasig.clone(),
                SignatureId::Dlsig => self.dlsig.as_ref().and_then(DlSigConfig::pipeline),
                SignatureId::RadlsigEarly => self.radlsig_early.clone(),
                SignatureId::Clinical => self.clinical.clone(),
                SignatureId::RadlsigLate | SignatureId::Combined => None,
            }
        };
        // (key, folds, the class counts it splits, where): every cross-validation.
        let mut splits: Vec<(String, usize, [usize; 2], String)> = Vec::new();
        // A pipeline's own cross-validations: a search's inner folds, then in every candidate
        // (fitted on an inner fold's training part) lasso steps' folds and an SVM's Platt folds.
        let lasso = |id: SignatureId, counts: [usize; 2], place: &str, splits: &mut Vec<_>| {
            let Some(p) = pipeline(id) else { return };
            let (pipelines, counts, place) = match &p.search {
                Some(s) => {
                    let what = k(&format!("{}.search.folds", id.key()));
                    splits.push((what, s.folds, counts, place.to_string()));
                    let seed = s.seed.unwrap_or(self.seed);
                    let all = s.candidates(&p, id.key(), seed).unwrap_or_default();
                    let at = format!(
                        " (in the training part of a {} fold)",
                        k(&format!("{}.search", id.key()))
                    );
                    (all.into_iter().map(|c| c.pipeline).collect(), inner(counts, s.folds), at)
                }
                None => (vec![p], counts, place.to_string()),
            };
            for p in pipelines {
                for (i, step) in p.steps.iter().enumerate() {
                    if let StepConfig::Lasso(l) = step {
                        let what = k(&format!("{}.steps[{i}].folds", id.key()));
                        splits.push((what, l.folds, counts, place.clone()));
                    }
                }
                if let ModelConfig::Svm(v) = &p.model {
                    let what = k(&format!("{}.model.platt_folds", id.key()));
                    splits.push((what, v.platt_folds, counts, place.clone()));
                }
            }
        };
        let base = [SignatureId::Rasig, SignatureId::Dlsig, SignatureId::RadlsigEarly];
        for id in base.into_iter().chain([SignatureId::Clinical]) {
            lasso(id, all, "", &mut splits);
        }
        // Late fusion on `counts` rows: its folds, and its components inside them.
        // `outer`: the stack it sits in (` of a fusion.combined fold`), or "".
        let late = |counts: [usize; 2], outer: &str, splits: &mut Vec<_>| {
            if let Some(l) = &self.radlsig_late {
                let own = match outer.strip_prefix(" of ") {
                    Some(stack) => format!(" (in the training part of {stack})"),
                    None => String::new(),
                };
                splits.push((k("radlsig_late.folds"), l.folds, counts, own));
                let inside = inner(counts, l.folds);
                let at = format!(" (in the training part of a {} fold{outer})", k("radlsig_late"));
                lasso(SignatureId::Rasig, inside, &at, splits);
                lasso(SignatureId::Dlsig, inside, &at, splits);
            }
        };
        late(all, "", &mut splits);
        if let Some(c) = &self.combined {
            splits.push((k("combined.folds"), c.folds, all, String::new()));
            let inside = inner(all, c.folds);
            let at = format!(" (in the training part of a {} fold)", k("combined"));
            for &id in &c.signatures {
                if id == SignatureId::RadlsigLate {
                    late(inside, &format!(" of a {} fold", k("combined")), &mut splits);
                } else {
                    lasso(id, inside, &at, &mut splits);
                }
            }
        }
        let mut problems = Vec::new();
        for (what, folds, counts, place) in splits {
            let smaller = counts[0].min(counts[1]);
            if folds > smaller {
                problems.push(format!(
                    "{what} = {folds}: needs {folds} training rows of each class{place}, the \
                     smaller class has {smaller}"
                ));
            }
        }
        problems.dedup();
        if problems.is_empty() { Ok(()) } else { Err(Error::Config { problems }) }
    }

    /// Checks every setting; `key` is the prefix of the section (e.g. `fusion`). Lists all
    /// problems in one [`Error::Config`].
    pub fn check(&self, key: &str) -> Result<()> {
        let mut problems = Vec::new();
        let k = |s: &str| if key.is_empty() { s.to_string() } else { format!("{key}.{s}") };
        if let Some(p) = &self.rasig {
            p.check(&k("rasig"), &mut problems);
        }
        match &self.dlsig {
            Some(DlSigConfig::Probability { feature, ridge }) => {
                if feature.is_empty() {
                    problems.push(format!("{}.feature: must not be empty", k("dlsig")));
                }
                if !(ridge.is_finite() && *ridge >= 0.0) {
                    problems.push(format!("{}.ridge: must be ≥ 0, got {ridge}", k("dlsig")));
                }
            }
            Some(d @ DlSigConfig::Features { .. }) => {
                d.pipeline().expect("features").check(&k("dlsig"), &mut problems);
            }
            _ => {}
        }
        if let Some(p) = &self.radlsig_early {
            p.check(&k("radlsig_early"), &mut problems);
        }
        if let Some(l) = &self.radlsig_late {
            if self.rasig.is_none() || self.dlsig.is_none() {
                problems.push(format!(
                    "{}: late fusion needs both {} and {}",
                    k("radlsig_late"),
                    k("rasig"),
                    k("dlsig")
                ));
            }
            check_stack(&k("radlsig_late"), l.folds, l.ridge, &mut problems);
        }
        if let Some(p) = &self.clinical {
            p.check(&k("clinical"), &mut problems);
        }
        // Every candidate of a search, drawn with the seed the fit will use.
        for id in [
            SignatureId::Rasig,
            SignatureId::Dlsig,
            SignatureId::RadlsigEarly,
            SignatureId::Clinical,
        ] {
            let p = match id {
                SignatureId::Rasig => self.rasig.clone(),
                SignatureId::Dlsig => self.dlsig.as_ref().and_then(DlSigConfig::pipeline),
                SignatureId::RadlsigEarly => self.radlsig_early.clone(),
                _ => self.clinical.clone(),
            };
            if let Some(p) = p
                && let Some(s) = &p.search
                && let Err(Error::Config { problems: mine }) =
                    s.candidates(&p, &k(id.key()), s.seed.unwrap_or(self.seed))
            {
                for m in mine {
                    if !problems.contains(&m) {
                        problems.push(m);
                    }
                }
            }
        }
        if let Some(c) = &self.combined {
            let key = k("combined");
            if self.clinical.is_none() {
                problems.push(format!("{key}: needs a {} section", k("clinical")));
            }
            if c.signatures.is_empty() {
                problems.push(format!("{key}.signatures: must list at least one signature"));
            }
            for (i, s) in c.signatures.iter().enumerate() {
                if c.signatures[..i].contains(s) {
                    problems.push(format!("{key}.signatures: `{}` is listed twice", s.key()));
                }
                let configured = match s {
                    SignatureId::Rasig => self.rasig.is_some(),
                    SignatureId::Dlsig => self.dlsig.is_some(),
                    SignatureId::RadlsigEarly => self.radlsig_early.is_some(),
                    SignatureId::RadlsigLate => self.radlsig_late.is_some(),
                    SignatureId::Clinical | SignatureId::Combined => {
                        problems.push(format!(
                            "{key}.signatures: `{}` cannot be a component (clinical variables \
                             enter directly)",
                            s.key()
                        ));
                        true
                    }
                };
                if !configured {
                    problems.push(format!(
                        "{key}.signatures: `{}` is not configured ({} is missing)",
                        s.key(),
                        k(s.key())
                    ));
                }
            }
            check_stack(&key, c.folds, c.ridge, &mut problems);
        }
        if problems.is_empty() { Ok(()) } else { Err(Error::Config { problems }) }
    }
}

fn check_stack(key: &str, folds: usize, ridge: f64, problems: &mut Vec<String>) {
    if folds < 2 {
        problems.push(format!("{key}.folds: must be ≥ 2, got {folds}"));
    }
    if !(ridge.is_finite() && ridge >= 0.0) {
        problems.push(format!("{key}.ridge: must be ≥ 0, got {ridge}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_example_parses_and_checks() {
        let text = r#"
seed = 20240601
[rasig]
steps = [
  { kind = "standardize" },
  { kind = "combat", covariates = ["age"] },
  { kind = "near_zero_variance", threshold = 1e-8 },
  { kind = "mann_whitney", p = 0.05 },
  { kind = "correlation", max_abs_r = 0.9 },
  { kind = "mrmr", k = 20 },
  { kind = "lasso", folds = 10, rule = "1se" },
]
model = { kind = "logistic" }
[dlsig]
source = "probability"
feature = "dl_prob"
[radlsig_late]
folds = 5
"#;
        let c: FusionConfig = toml::from_str(text).unwrap();
        c.check("fusion").unwrap();
        assert_eq!(c.rasig.as_ref().unwrap().steps.len(), 7);
        assert_eq!(
            c.rasig.unwrap().steps[6],
            StepConfig::Lasso(LassoStepConfig { rule: LambdaRule::OneSe, ..Default::default() })
        );
    }

    #[test]
    fn unknown_keys_are_rejected_by_name() {
        let bad = [
            ("[rasig]\nsteps = [{ kind = \"mann_whitney\", pp = 0.1 }]", "pp"),
            ("[rasig]\nsteps = [{ kind = \"standardize\", center = true }]", "center"),
            ("[rasig]\nsteps = [{ kind = \"lasso\", fold = 5 }]", "fold"),
            ("[rasig]\nsteps = [{ kind = \"combat\", covariate = [\"age\"] }]", "covariate"),
            ("[rasig]\nsteps = [{ kind = \"ica\" }]", "ica"),
            ("[rasig]\nsteps = [{ kind = \"pca\", component = 3 }]", "component"),
            ("[dlsig]\nsource = \"probability\"\ncolumn = \"p\"", "column"),
            ("[dlsig]\nsource = \"features\"\nstep = []", "step"),
            ("[radlsig_late]\nfold = 3", "fold"),
            ("seeds = 1", "seeds"),
        ];
        for (text, key) in bad {
            let err = toml::from_str::<FusionConfig>(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn lasso_glmnet_keys_sit_beside_the_cv_keys() {
        let text = r#"
[rasig]
steps = [{ kind = "lasso", folds = 4, rule = "min", thresh = 1e-6, nlambda = 40, maxit = 9 }]
"#;
        let c: FusionConfig = toml::from_str(text).unwrap();
        let StepConfig::Lasso(l) = &c.rasig.unwrap().steps[0] else { panic!("a lasso step") };
        assert_eq!((l.folds, l.rule, l.seed), (4, LambdaRule::Min, None));
        let expected =
            LassoSettings { thresh: 1e-6, nlambda: 40, maxit: 9, ..LassoSettings::default() };
        assert_eq!(l.settings(), expected);
        // Defaults are glmnet's, from LassoSettings.
        assert_eq!(LassoStepConfig::default().settings(), LassoSettings::default());
        // A misspelt glmnet key is still rejected by name.
        let err = toml::from_str::<FusionConfig>(
            "[rasig]\nsteps = [{ kind = \"lasso\", nlambdas = 40 }]",
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `nlambdas`"), "{err}");
    }

    #[test]
    fn check_lists_every_problem_with_its_key() {
        let text = r#"
[rasig]
steps = [
  { kind = "mann_whitney", p = 1.5 },
  { kind = "lasso", folds = 2, alpha = 0.0 },
  { kind = "mrmr", k = 0 },
  { kind = "pca" },
  { kind = "pca", components = 2, variance = 0.9 },
  { kind = "pca", variance = 1.0 },
]
model = { kind = "lasso" }
[radlsig_late]
folds = 1
[combined]
signatures = ["rasig", "dlsig", "rasig"]
"#;
        let c: FusionConfig = toml::from_str(text).unwrap();
        let Err(Error::Config { problems }) = c.check("fusion") else { panic!("should fail") };
        let expected = [
            "fusion.rasig.steps[0].p: must be in (0, 1], got 1.5",
            "fusion.rasig.steps[1].folds: must be ≥ 3 (as cv.glmnet), got 2",
            "fusion.rasig.steps[1].alpha: must be in (0, 1], got 0",
            "fusion.rasig.steps[2].k: must be ≥ 1",
            "fusion.rasig.steps[3]: give one of components or variance",
            "fusion.rasig.steps[4]: give one of components or variance",
            "fusion.rasig.steps[5].variance: must be in (0, 1), got 1",
            "fusion.rasig.model: kind = \"lasso\" needs a lasso step as the last step",
            "fusion.radlsig_late: late fusion needs both fusion.rasig and fusion.dlsig",
            "fusion.radlsig_late.folds: must be ≥ 2, got 1",
            "fusion.combined: needs a fusion.clinical section",
            "fusion.combined.signatures: `dlsig` is not configured (fusion.dlsig is missing)",
            "fusion.combined.signatures: `rasig` is listed twice",
        ];
        assert_eq!(problems, expected);
    }

    #[test]
    fn folds_are_checked_against_the_training_labels_before_any_fit() {
        let c: FusionConfig = toml::from_str(
            r#"
[rasig]
steps = [{ kind = "standardize" }, { kind = "lasso", folds = 7 }]
[dlsig]
source = "features"
steps = [{ kind = "lasso", folds = 5 }]
[radlsig_late]
folds = 8
"#,
        )
        .unwrap();
        // 7 of 30 positive. RAsig's 7 folds fit all 7 positives; inside a late-fusion fold of 8
        // a class of 7 loses ⌈7/8⌉ = 1, leaving 6 (< 7: a problem; DLsig's 5 still fit).
        // Late fusion's 8 folds need 8.
        let labels: Vec<u8> = (0..30).map(|i| u8::from(i < 7)).collect();
        let Err(Error::Config { problems }) = c.check_folds("fusion", &labels) else {
            panic!("should fail")
        };
        assert_eq!(
            problems,
            [
                "fusion.radlsig_late.folds = 8: needs 8 training rows of each class, the smaller \
                 class has 7",
                "fusion.rasig.steps[1].folds = 7: needs 7 training rows of each class (in the \
                 training part of a fusion.radlsig_late fold), the smaller class has 6",
            ]
        );
        let labels: Vec<u8> = (0..30).map(|i| u8::from(i < 12)).collect();
        c.check_folds("fusion", &labels).unwrap();
    }

    #[test]
    fn recommended_config_checks() {
        FusionConfig::recommended().check("fusion").unwrap();
    }

    #[test]
    fn resolved_config_round_trips_through_toml_and_json() {
        let mut c = FusionConfig::recommended();
        c.dlsig = Some(DlSigConfig::Probability { feature: "p".into(), ridge: 0.0 });
        c.rasig.as_mut().unwrap().steps.push(StepConfig::Combat(CombatConfig {
            covariates: vec!["age".into()],
            ref_centre: Some("A".into()),
            ..Default::default()
        }));
        let text = toml::to_string(&c).unwrap();
        assert_eq!(toml::from_str::<FusionConfig>(&text).unwrap(), c, "{text}");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<FusionConfig>(&json).unwrap(), c);
    }
}
