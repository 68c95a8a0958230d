//! radlsig-stats: the statistics formulas the other radlsig crates share, each written once,
//! on plain slices, at the bottom of the dependency graph (it depends on no radlsig crate).
//!
//! # Overview
//!
//! * Ranks: [`mid_ranks`] (R `rank`, ties averaged), [`has_ties`].
//! * Mann–Whitney U and the AUC: [`roc_auc`] on scores and 0/1 labels, [`mann_whitney_u`]
//!   ([`MannWhitneyU`]: `U`, AUC and the tie term of its variance), and the exact `2U` count
//!   on sorted classes the evaluation builds on ([`tie_groups`], [`twice_u`],
//!   [`auc_from_twice_u`], [`auc_sorted`]). One count serves every caller, bit for bit.
//! * The logistic link: [`logistic`] (sigmoid) and [`logit`].
//! * Quantiles: [`quantile_type7`] / [`quantile_type7_sorted`] (R's default) and
//!   [`median_sorted`].
//! * Correlation coefficients: [`pearson`] (R `cor`) and [`spearman`] (Pearson of mid-ranks);
//!   `None` for a constant variable, so each caller keeps its own convention there.
//! * Seeded splits: [`stratified_holdout`] (a validation split on the generator it is given),
//!   [`stratified_folds`] (k-fold IDs from a seed, with this crate's own [`shuffle`]) and
//!   [`fold_split`].
//!
//! Every function documents its formula and its degenerate cases (empty input, ties, one
//! class, a constant variable), and is tested against an independent reference: hand
//! calculations, brute-force pairwise counts, and values computed by R.
//!
//! # Example
//!
//! ```
//! use radlsig_stats::{logistic, logit, mid_ranks, quantile_type7, roc_auc};
//!
//! // Positives 0.8, 0.4, 0.35 against negatives 0.1, 0.4, 0.7, 0.2: 8.5 of 12 pairs won.
//! let scores = [0.8, 0.1, 0.4, 0.4, 0.7, 0.35, 0.2];
//! let labels = [1, 0, 1, 0, 0, 1, 0];
//! assert_eq!(roc_auc(&scores, &labels), Some(8.5 / 12.0));
//! assert_eq!(mid_ranks(&[10.0, 20.0, 10.0, 5.0]), [2.5, 4.0, 2.5, 1.0]);
//! assert_eq!(quantile_type7(&[8.0, 1.0, 4.0, 2.0], 0.5), 3.0);
//! assert!((logistic(logit(0.25)) - 0.25).abs() < 1e-15);
//! ```
#![deny(missing_docs)]

mod auc;
mod correlation;
mod error;
mod link;
mod quantile;
mod ranks;
mod split;

pub use auc::{
    MannWhitneyU, TieGroup, TieGroups, auc_from_twice_u, auc_sorted, mann_whitney_u, roc_auc,
    tie_groups, twice_u,
};
pub use correlation::{pearson, spearman};
pub use error::{Error, Result};
pub use link::{logistic, logit};
pub use quantile::{median_sorted, quantile_type7, quantile_type7_sorted};
pub use ranks::{has_ties, mid_ranks};
pub use split::{fold_split, shuffle, stratified_folds, stratified_folds_of, stratified_holdout};
