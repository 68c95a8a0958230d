//! radlsig-evaluate: how good is a signature? ROC curves and AUCs with DeLong and bootstrap
//! confidence intervals, DeLong's tests, Youden thresholds carried from training to test data,
//! calibration (Brier, intercept, slope, Hosmer–Lemeshow, decision curves) and the group
//! comparisons papers report (χ², Fisher, Pearson, Spearman) — with R pROC's conventions, so the
//! numbers agree with pROC to 1e-9 — and the tables and SVG figures `radlsig evaluate` writes.
//!
//! # Overview
//!
//! * [`Scores`]: one predictor's scores split into controls and cases (checked: finite, ≥ 2 per
//!   class), with a [`Direction`].
//! * [`roc_curve`] → [`RocCurve`], [`auc`] (Mann–Whitney, O(N log N)).
//! * [`ci_auc_delong`], [`roc_test_delong_paired`], [`roc_test_delong_unpaired`] (fast DeLong).
//! * [`bootstrap_stratified`] → [`BootstrapReplicates`] → percentile CIs (seeded, parallel,
//!   independent of the thread count).
//! * [`youden_threshold`] → [`Threshold`] → [`classification_metrics`].
//! * [`brier_score`], [`calibration_intercept`], [`calibration_slope`], [`hosmer_lemeshow`],
//!   [`net_benefit`], [`decision_curve`].
//! * [`multiclass_auc`] → [`MulticlassAuc`]: Hand & Till's M (pROC's `multiclass.roc`) and the
//!   macro one-vs-rest AUC of a class-probability matrix.
//! * [`chi_squared_test`], [`fisher_exact_test`], [`pearson_correlation`],
//!   [`spearman_correlation`].
//! * [`evaluate_predictions`] runs all of it over a predictions table and returns an
//!   [`Evaluation`] of Polars `DataFrame`s with stable column names (listed there);
//!   [`roc_svg`] and [`calibration_svg`] draw it.
//!
//! # Example
//!
//! ```
//! use radlsig_evaluate::{Scores, auc, ci_auc_delong};
//!
//! let scores = [0.1, 0.4, 0.35, 0.8, 0.7, 0.9];
//! let labels = [false, false, true, true, false, true];
//! let s = Scores::new("demo", &scores, &labels).unwrap();
//! assert!((auc(&s) - 7.0 / 9.0).abs() < 1e-15);
//! let ci = ci_auc_delong(&s, 0.95).unwrap();
//! assert!(ci.low < ci.auc && ci.auc < ci.high);
//! ```
#![deny(missing_docs)]

mod association;
mod bootstrap;
mod calibration;
mod delong;
mod error;
mod multiclass;
mod output;
mod plot;
mod report;
mod roc;
pub mod special;
mod threshold;

pub use association::{
    ChiSquaredTest, Correlation, CorrelationPValue, TwoByTwo, average_ranks, chi_squared_test,
    correlation_frame, fisher_exact_test, pearson_correlation, spearman_correlation,
    two_by_two_frame,
};
pub use bootstrap::{
    BootstrapCis, BootstrapConfig, BootstrapReplicates, PercentileCi, bootstrap_stratified,
    percentile_ci, quantile_type7,
};
pub use calibration::{
    HosmerLemeshow, RiskGroup, ScoreScale, brier_score, calibration_intercept, calibration_slope,
    decision_curve, default_threshold_grid, hosmer_lemeshow, logistic, logit, net_benefit,
    risk_groups,
};
pub use delong::{
    AucCi, DelongPairedTest, DelongPlacements, DelongUnpairedTest, ci_auc_delong,
    delong_placements, roc_test_delong_paired, roc_test_delong_unpaired,
};
pub use error::{Error, Result};
pub use multiclass::{MulticlassAuc, MulticlassReplicates, bootstrap_multiclass, multiclass_auc};
pub use output::{csv_bytes, evaluation_files};
pub use plot::{calibration_svg, roc_svg};
pub use report::{
    AucCiMethod, CurveSummary, Evaluation, EvaluationPlan, ScaleChoice, evaluate_predictions,
    read_predictions,
};
pub use roc::{Direction, MIN_PER_CLASS, RocCurve, Scores, auc, roc_curve};
pub use threshold::{
    ClassificationMetrics, Threshold, YoudenPoint, classification_metrics, youden_threshold,
};
