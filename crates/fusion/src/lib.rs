//! Harmonisation, feature selection and logistic/LASSO signatures, every step fitted on the
//! training split only and then applied.
//!
//! The main types:
//!
//! - [`FeatureTable`] — a feature matrix (rows = patients) with row IDs, optional centre labels
//!   and [`Covariate`]s; [`TrainSet`] — training rows plus 0/1 labels, checked (finite values,
//!   both classes). Fitting functions take a `TrainSet`, so they never see other rows.
//! - [`FusionConfig`] — which signatures to fit and how: a [`PipelineConfig`] per signature
//!   ([`StepConfig`] steps: `standardize`, `combat`, `near_zero_variance`, `mann_whitney`,
//!   `correlation`, `mrmr`, `lasso`, `pca`; then a [`ModelConfig`]), DLsig from CNN features or
//!   from the CNN probability ([`DlSigConfig`]), late fusion ([`LateFusionConfig`]) and a combined model
//!   ([`CombinedConfig`]). Unknown keys fail at parse time; [`FusionConfig::check`] lists every
//!   bad value with its key.
//! - [`fit_signatures`] — fits them all on [`FeatureBlocks`] (radiomics, deep, clinical) of the
//!   training rows and returns a [`SignatureSet`] of [`FittedSignature`]s.
//! - [`Signature`] — a self-contained score (inputs, per-feature [`Transform`]s, components,
//!   intercept and [`Term`]s) with [`Signature::linear_predictor`],
//!   [`Signature::predict_proba`], [`Signature::formula`] and JSON round-tripping.
//!
//! The numerical pieces are public too and checked against their references: [`fit_combat`]
//! (neuroCombat), [`lasso_path`] / [`cv_lasso`] (glmnet / cv.glmnet), [`logistic_regression`]
//! (glm), [`mann_whitney`] (wilcox.test), [`fit_pca`] (scikit-learn's PCA), the filters ([`near_zero_variance`],
//! [`mann_whitney_filter`], [`correlation_filter`], [`mrmr`]) and [`stratified_folds`].
//!
//! ```
//! use ndarray::array;
//! use radlsig_fusion::{logistic_regression, sigmoid};
//! // One binary predictor: the fit reproduces the 2×2 table (1/4 vs 3/4 positives).
//! let x = array![[0.0], [0.0], [0.0], [0.0], [1.0], [1.0], [1.0], [1.0]];
//! let fit = logistic_regression(x.view(), &[0, 0, 0, 1, 0, 1, 1, 1], 0.0, "demo", &["x".into()])
//!     .unwrap();
//! assert!((sigmoid(fit.intercept) - 0.25).abs() < 1e-12);
//! assert!((sigmoid(fit.intercept + fit.coefficients[0]) - 0.75).abs() < 1e-12);
//! ```
#![deny(missing_docs)]

mod combat;
mod config;
mod data;
mod error;
mod explain;
mod folds;
mod lasso;
mod learner;
mod linalg;
mod logistic;
mod multiclass;
mod pca;
mod pipeline;
mod search;
mod selection;
mod shap;
mod signature;
mod standardize;
mod svm;
mod trees;

pub use combat::{
    CombatConfig, CombatEstimates, CombatModel, DesignColumn, NewDataCovariates, UnseenCentre,
    combat_harmonise, fit_combat,
};
pub use config::{
    BoostingConfig, CombinedConfig, DlSigConfig, EmptySelectionPolicy, ForestConfig, FusionConfig,
    Gamma, KernelKind, LassoStepConfig, LateFusionConfig, MaxFeatures, MaxFeaturesRule,
    ModelConfig, PipelineConfig, SignatureId, StackWeights, StepConfig, SvmConfig,
};
pub use data::{Covariate, CovariateValues, FeatureTable, TrainSet};
pub use error::{Error, Result};
pub use explain::{
    Importance, ImportanceMethod, PermutationSettings, coefficients, mean_abs_shap,
    permutation_importance, shap_values,
};
pub use folds::stratified_folds;
pub use lasso::{CvLasso, LambdaRule, LassoPath, LassoSettings, cv_lasso, lasso_path};
pub use learner::{FittedLearner, Learner, ShapValues, fit_learner};
pub use logistic::{LogisticFit, logistic_regression, sigmoid};
pub use multiclass::{OneVsRest, check_class_labels, fit_one_vs_rest};
pub use pca::{PcaKeep, PcaModel, fit_pca};
pub use pipeline::{
    CvCurve, EmptySelection, FittedPipeline, FittedStep, LassoSelection, LogitTransform,
    PipelineFit, Transform, fit_pipeline, fit_pipeline_or_empty,
};
pub use search::{
    CandidateScore, Distribution, SearchConfig, SearchMethod, SearchMetric, SearchSummary,
    SpaceValue,
};
pub use selection::{
    CorrelationMethod, FeatureFilter, MannWhitney, column_variances, correlation_filter,
    equal_frequency_codes, mann_whitney, mann_whitney_filter, mrmr, mutual_information,
    near_zero_variance, pearson,
};
pub use shap::{tree_expected_value, tree_shap};
pub use signature::{
    FeatureBlocks, FitWarning, FittedSignature, PROBABILITY_EPS, Signature, SignatureSet, Term,
    TermSource, fit_signatures,
};
pub use standardize::Standardizer;
pub use svm::{
    Kernel, SvmDual, SvmModel, SvmSettings, fit_svm, gamma_scale, platt_sigmoid, solve_svm,
    solve_svm_gram,
};
pub use trees::{
    BoostingSettings, ForestFit, ForestSettings, GradientBoosting, RandomForest, Tree,
    fit_decision_tree, fit_gradient_boosting, fit_random_forest,
};
