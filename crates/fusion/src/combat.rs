//! ComBat harmonisation across centres: the location/scale model with parametric empirical Bayes
//! priors of Johnson, Li & Rabinovic (2007), as implemented by `neuroCombat` 0.2.12 (Fortin et
//! al.), fitted on training rows and applied to any rows from a seen centre.
//!
//! # Model
//!
//! For feature `g`, row `j` from centre `i`, with covariate design row `z_j`:
//!
//! `x_ijg = α_g + z_j β_g + γ_ig + δ_ig ε_ijg`, `ε ~ N(0, σ_g²)`.
//!
//! Fitting (all sums over training rows):
//!
//! 1. Least squares of `x_g` on the design `[centre indicators | covariates]` (no separate
//!    intercept: the indicators span it; categorical covariates enter as indicators of every level
//!    but the first in sorted order) gives `B̂_g`. The grand mean is
//!    `α̂_g = Σ_i (n_i / n) B̂_ig`, the pooled variance `σ̂_g² = Σ_j (x_jg − d_j B̂_g)² / n` (divisor
//!    `n`, as neuroCombat), and the covariate effect `z_j β̂_g` uses the covariate part of `B̂_g`.
//! 2. Standardised data `s_jg = (x_jg − α̂_g − z_j β̂_g) / σ̂_g`.
//! 3. Per centre: `γ̂_ig` = least-squares centre effect of `s` (the centre mean), `δ̂_ig` = sample
//!    variance (ddof 1) of `s` in the centre, replaced by 1 where it is 0.
//! 4. Priors across features: `γ̄_i`, `τ̄_i²` = mean and variance (ddof 1) of `γ̂_i·`;
//!    inverse-gamma `a_i = (2s² + m²)/s²`, `b_i = (m s² + m³)/s²` from mean `m` and variance `s²` of
//!    `δ̂_i·`.
//! 5. Posterior means by neuroCombat's fixed-point iteration (`it_sol`): repeat
//!    `γ* = (τ̄² n_i γ̂ + δ* γ̄) / (τ̄² n_i + δ*)`, `δ* = (½ Σ_j (s_j − γ*)² + b) / (n_i/2 + a − 1)`
//!    until the largest relative change `|new − old| / old` (signed denominator, exactly as
//!    neuroCombat and R's `sva::ComBat`) is at most `1e-4`.
//!    `mean_only`: `γ* = (τ̄² γ̂ + γ̄) / (τ̄² + 1)`, `δ* = 1`. Without empirical Bayes: `γ* = γ̂`,
//!    `δ* = δ̂`.
//!
//! Application to row `j` of centre `i`:
//! `x*_jg = σ̂_g (s_jg − γ*_ig) / sqrt(δ*_ig) + α̂_g + z_j β̂_g` — applied to the training rows this
//! is neuroCombat's output. With a reference centre (`ref_centre`, neuroCombat's `ref_batch`) the
//! reference column of the design is all ones, `α̂_g` is its coefficient, `σ̂_g²` is computed on
//! its rows only, its `γ* = 0`, `δ* = 1`, and its rows are returned unchanged.
//!
//! Covariates of new rows: [`NewDataCovariates::Observed`] (default) uses each row's own
//! covariates, which needs them at prediction time (so never use the outcome as a covariate).
//! [`NewDataCovariates::TrainingMean`] replaces `z_j β̂_g` by its training mean, as
//! `neuroCombatFromTraining` does; it is then used for training rows as well so that training and
//! new rows are harmonised by one function.
//!
//! Only the parametric empirical Bayes variant (and no EB) is implemented, not neuroCombat's
//! non-parametric one. Missing values are rejected, not skipped.

use std::collections::BTreeSet;

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::data::{Covariate, CovariateValues, FeatureTable};
use crate::error::{Error, Result};
use crate::linalg::{cholesky, cholesky_solve};

/// What to do with rows from a centre that was not in the training data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnseenCentre {
    /// Fail with an error naming the centre (default: a silently unharmonised row could bias
    /// every score computed from it).
    #[default]
    Error,
    /// Leave those rows unchanged (`γ* = 0`, `δ* = 1`, which is the identity map).
    Identity,
}

/// Which covariate values enter the covariate effect `z β̂` when the model is applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NewDataCovariates {
    /// Each row's own covariates (the ComBat model; reproduces neuroCombat on training rows).
    #[default]
    Observed,
    /// The training mean of the covariate effect (`neuroCombatFromTraining`).
    TrainingMean,
}

/// ComBat settings (a pipeline step `{ kind = "combat", … }`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CombatConfig {
    /// Covariates kept in the design (names of the table's covariates), default none.
    #[serde(default)]
    pub covariates: Vec<String>,
    /// Adjust only the centre means (`δ* = 1`), default false.
    #[serde(default)]
    pub mean_only: bool,
    /// Shrink the centre effects by empirical Bayes (default true); false uses `γ̂`, `δ̂`.
    #[serde(default = "default_true")]
    pub empirical_bayes: bool,
    /// Reference centre left unchanged (neuroCombat's `ref_batch`), default none.
    #[serde(default)]
    pub ref_centre: Option<String>,
    /// Rows from centres not seen in training: `"error"` (default) or `"identity"`.
    #[serde(default)]
    pub unseen_centre: UnseenCentre,
    /// Covariates of new rows: `"observed"` (default) or `"training_mean"`.
    #[serde(default)]
    pub new_data_covariates: NewDataCovariates,
}

fn default_true() -> bool {
    true
}

impl Default for CombatConfig {
    fn default() -> Self {
        CombatConfig {
            covariates: Vec::new(),
            mean_only: false,
            empirical_bayes: true,
            ref_centre: None,
            unseen_centre: UnseenCentre::Error,
            new_data_covariates: NewDataCovariates::Observed,
        }
    }
}

/// One covariate column of the ComBat design matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DesignColumn {
    /// The covariate's value.
    Continuous {
        /// Covariate name.
        covariate: String,
    },
    /// 1 where the categorical covariate equals `level`, else 0.
    Level {
        /// Covariate name.
        covariate: String,
        /// The level this column indicates.
        level: String,
        /// All training levels (a new row's level must be one of them).
        levels: Vec<String>,
    },
}

/// A fitted ComBat model: everything needed to harmonise a row, per feature and centre.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CombatModel {
    /// Feature names, in column order.
    pub features: Vec<String>,
    /// Training centres, sorted.
    pub centres: Vec<String>,
    /// The reference centre, if any.
    pub ref_centre: Option<String>,
    /// Covariate columns of the design, in order.
    pub design: Vec<DesignColumn>,
    /// `α̂_g` per feature.
    pub grand_mean: Vec<f64>,
    /// `σ̂_g²` per feature.
    pub var_pooled: Vec<f64>,
    /// `β̂` per design column, then per feature.
    pub covariate_coefficients: Vec<Vec<f64>>,
    /// Training mean of `z_j β̂_g` per feature (used by [`NewDataCovariates::TrainingMean`]).
    pub covariate_effect_mean: Vec<f64>,
    /// `γ*` per centre (in [`CombatModel::centres`] order), then per feature.
    pub gamma_star: Vec<Vec<f64>>,
    /// `δ*` per centre, then per feature.
    pub delta_star: Vec<Vec<f64>>,
    /// Policy for unseen centres.
    pub unseen_centre: UnseenCentre,
    /// Policy for new rows' covariates.
    pub new_data_covariates: NewDataCovariates,
}

/// Intermediate ComBat estimates (neuroCombat's `estimates`), per centre then feature; returned
/// by [`fit_combat`] for checking and reporting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CombatEstimates {
    /// `γ̂`.
    pub gamma_hat: Vec<Vec<f64>>,
    /// `δ̂` (1 where the centre variance is 0 or with `mean_only`).
    pub delta_hat: Vec<Vec<f64>>,
    /// `γ̄` per centre.
    pub gamma_bar: Vec<f64>,
    /// `τ̄²` per centre.
    pub t2: Vec<f64>,
    /// Inverse-gamma `a` per centre (absent with `mean_only`).
    pub a_prior: Option<Vec<f64>>,
    /// Inverse-gamma `b` per centre (absent with `mean_only`).
    pub b_prior: Option<Vec<f64>>,
}

/// Iteration limit of the EB fixed point (neuroCombat has none; it converges in tens).
const MAX_EB_ITERATIONS: usize = 10_000;

/// Fits ComBat on training rows `x` (columns `features`) from `rows` (the table whose rows `x`
/// holds: centres, covariates, row IDs).
///
/// Fails when the table has no centres, a covariate is missing, a centre has fewer than two
/// rows, there are fewer than two centres or two features, the design is singular, or a
/// feature has zero residual variance.
pub fn fit_combat(
    x: ArrayView2<'_, f64>,
    features: &[String],
    rows: &FeatureTable,
    config: &CombatConfig,
) -> Result<(CombatModel, CombatEstimates)> {
    let n = x.nrows();
    let n_feat = x.ncols();
    let centres_of_rows =
        rows.centres().ok_or_else(|| Error::MissingCentres { step: "combat".into() })?;
    let centres: Vec<String> =
        centres_of_rows.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
    let nb = centres.len();
    if nb < 2 {
        return Err(Error::Combat {
            reason: format!("needs at least 2 centres in the training data, got {nb}"),
        });
    }
    if n_feat < 2 {
        return Err(Error::Combat {
            reason: format!("needs at least 2 features for its priors, got {n_feat}"),
        });
    }
    let batch: Vec<usize> = centres_of_rows
        .iter()
        .map(|c| centres.binary_search(c).expect("centre levels come from these rows"))
        .collect();
    let batch_rows: Vec<Vec<usize>> =
        (0..nb).map(|b| (0..n).filter(|&j| batch[j] == b).collect()).collect();
    for (b, r) in batch_rows.iter().enumerate() {
        if r.len() < 2 {
            return Err(Error::Combat {
                reason: format!(
                    "centre `{}` has {} training row(s); at least 2 are needed",
                    centres[b],
                    r.len()
                ),
            });
        }
    }
    let ref_level = match &config.ref_centre {
        None => None,
        Some(r) => Some(centres.iter().position(|c| c == r).ok_or_else(|| Error::Combat {
            reason: format!("ref_centre `{r}` is not among the training centres {centres:?}"),
        })?),
    };

    // Design: centre indicators (reference column all ones), then covariate columns.
    let design_cols = design_columns(rows, &config.covariates)?;
    let zcov = covariate_matrix(rows, &design_cols)?;
    let q = design_cols.len();
    let mut design = Array2::<f64>::zeros((n, nb + q));
    for j in 0..n {
        design[[j, batch[j]]] = 1.0;
        if let Some(r) = ref_level {
            design[[j, r]] = 1.0;
        }
        for c in 0..q {
            design[[j, nb + c]] = zcov[[j, c]];
        }
    }
    let dtd = design.t().dot(&design);
    let chol = cholesky(&dtd).ok_or_else(|| Error::Singular {
        what: "combat design (centre indicators and covariates)".into(),
    })?;
    let dtx = design.t().dot(&x);
    let mut b_hat = Array2::<f64>::zeros((nb + q, n_feat));
    for g in 0..n_feat {
        let col = cholesky_solve(&chol, &dtx.column(g).to_owned());
        b_hat.column_mut(g).assign(&col);
    }

    // Grand mean, pooled variance, covariate effect.
    let mut grand_mean = vec![0.0; n_feat];
    for g in 0..n_feat {
        grand_mean[g] = match ref_level {
            Some(r) => b_hat[[r, g]],
            None => (0..nb).map(|b| (batch_rows[b].len() as f64 / n as f64) * b_hat[[b, g]]).sum(),
        };
    }
    let fitted = design.dot(&b_hat);
    let var_rows: Vec<usize> = match ref_level {
        Some(r) => batch_rows[r].clone(),
        None => (0..n).collect(),
    };
    let mut var_pooled = vec![0.0; n_feat];
    for g in 0..n_feat {
        let ss: f64 = var_rows.iter().map(|&j| (x[[j, g]] - fitted[[j, g]]).powi(2)).sum();
        var_pooled[g] = ss / var_rows.len() as f64;
        if var_pooled[g].is_nan() || var_pooled[g] <= 0.0 {
            return Err(Error::ZeroVariance {
                step: "combat (add a near_zero_variance step before it)".into(),
                feature: features[g].clone(),
            });
        }
    }
    let beta_cov = b_hat.slice(ndarray::s![nb.., ..]).to_owned();
    let mod_mean = zcov.dot(&beta_cov); // n × features
    let covariate_effect_mean: Vec<f64> =
        (0..n_feat).map(|g| mod_mean.column(g).sum() / n as f64).collect();

    // Standardised data.
    let mut s = Array2::<f64>::zeros((n, n_feat));
    for j in 0..n {
        for g in 0..n_feat {
            s[[j, g]] = (x[[j, g]] - grand_mean[g] - mod_mean[[j, g]]) / var_pooled[g].sqrt();
        }
    }

    // Location/scale estimates per centre.
    let bdesign = design.slice(ndarray::s![.., ..nb]).to_owned();
    let btb = bdesign.t().dot(&bdesign);
    let bchol =
        cholesky(&btb).ok_or_else(|| Error::Singular { what: "combat centre design".into() })?;
    let bts = bdesign.t().dot(&s);
    let mut gamma_hat = vec![vec![0.0; n_feat]; nb];
    for g in 0..n_feat {
        let col = cholesky_solve(&bchol, &bts.column(g).to_owned());
        for (row, &c) in gamma_hat.iter_mut().zip(col.iter()) {
            row[g] = c;
        }
    }
    let mut delta_hat = vec![vec![1.0; n_feat]; nb];
    if !config.mean_only {
        for b in 0..nb {
            for g in 0..n_feat {
                let v = sample_variance(batch_rows[b].iter().map(|&j| s[[j, g]]));
                delta_hat[b][g] = if v == 0.0 { 1.0 } else { v };
            }
        }
    }
    let gamma_bar: Vec<f64> = gamma_hat.iter().map(|v| mean(v)).collect();
    let t2: Vec<f64> = gamma_hat.iter().map(|v| sample_variance(v.iter().copied())).collect();
    let (a_prior, b_prior) = if config.mean_only {
        (None, None)
    } else {
        let a = delta_hat
            .iter()
            .map(|d| {
                let (m, s2) = (mean(d), sample_variance(d.iter().copied()));
                (2.0 * s2 + m * m) / s2
            })
            .collect::<Vec<_>>();
        let bp = delta_hat
            .iter()
            .map(|d| {
                let (m, s2) = (mean(d), sample_variance(d.iter().copied()));
                (m * s2 + m * m * m) / s2
            })
            .collect::<Vec<_>>();
        (Some(a), Some(bp))
    };

    let (mut gamma_star, mut delta_star) = if !config.empirical_bayes {
        (gamma_hat.clone(), delta_hat.clone())
    } else if config.mean_only {
        let gs = (0..nb)
            .map(|b| {
                gamma_hat[b].iter().map(|&gh| postmean(gh, gamma_bar[b], 1.0, 1.0, t2[b])).collect()
            })
            .collect();
        (gs, vec![vec![1.0; n_feat]; nb])
    } else {
        let a = a_prior.as_ref().expect("set when !mean_only");
        let bp = b_prior.as_ref().expect("set when !mean_only");
        let mut gs = Vec::with_capacity(nb);
        let mut ds = Vec::with_capacity(nb);
        for b in 0..nb {
            let (g, d) = it_sol(
                &s,
                &batch_rows[b],
                &gamma_hat[b],
                &delta_hat[b],
                gamma_bar[b],
                t2[b],
                a[b],
                bp[b],
                &centres[b],
            )?;
            gs.push(g);
            ds.push(d);
        }
        (gs, ds)
    };
    if let Some(r) = ref_level {
        gamma_star[r] = vec![0.0; n_feat];
        delta_star[r] = vec![1.0; n_feat];
    }
    for (b, row) in gamma_star.iter().chain(delta_star.iter()).enumerate() {
        if row.iter().any(|v| !v.is_finite()) {
            return Err(Error::Combat {
                reason: format!(
                    "non-finite centre estimates for centre `{}` (too few rows or features?)",
                    centres[b % nb]
                ),
            });
        }
    }

    let model = CombatModel {
        features: features.to_vec(),
        centres,
        ref_centre: config.ref_centre.clone(),
        design: design_cols,
        grand_mean,
        var_pooled,
        covariate_coefficients: (0..q).map(|c| beta_cov.row(c).to_vec()).collect(),
        covariate_effect_mean,
        gamma_star,
        delta_star,
        unseen_centre: config.unseen_centre,
        new_data_covariates: config.new_data_covariates,
    };
    let estimates = CombatEstimates { gamma_hat, delta_hat, gamma_bar, t2, a_prior, b_prior };
    Ok((model, estimates))
}

/// neuroCombat's `postmean`: `(t2 n γ̂ + d γ̄) / (t2 n + d)`.
fn postmean(g_hat: f64, g_bar: f64, n: f64, d_star: f64, t2: f64) -> f64 {
    (t2 * n * g_hat + d_star * g_bar) / (t2 * n + d_star)
}

/// neuroCombat's `postvar`: `(½ sum2 + b) / (n/2 + a − 1)`.
fn postvar(sum2: f64, n: f64, a: f64, b: f64) -> f64 {
    (0.5 * sum2 + b) / (n / 2.0 + a - 1.0)
}

/// numpy's `ndarray.max()`: NaN if any element is NaN.
fn np_max(v: impl Iterator<Item = f64>) -> f64 {
    let mut m = f64::NEG_INFINITY;
    for x in v {
        if x.is_nan() {
            return f64::NAN;
        }
        if x > m {
            m = x;
        }
    }
    m
}

/// neuroCombat's `it_sol` for one centre.
#[allow(clippy::too_many_arguments)]
fn it_sol(
    s: &Array2<f64>,
    rows: &[usize],
    g_hat: &[f64],
    d_hat: &[f64],
    g_bar: f64,
    t2: f64,
    a: f64,
    b: f64,
    centre: &str,
) -> Result<(Vec<f64>, Vec<f64>)> {
    const CONV: f64 = 1e-4;
    let n = rows.len() as f64;
    let nf = g_hat.len();
    let mut g_old = g_hat.to_vec();
    let mut d_old = d_hat.to_vec();
    let mut change = 1.0;
    let mut count = 0;
    while change > CONV {
        if count == MAX_EB_ITERATIONS {
            return Err(Error::NotConverged {
                what: format!("combat empirical Bayes for centre `{centre}`"),
                iterations: count,
            });
        }
        let g_new: Vec<f64> = (0..nf).map(|g| postmean(g_hat[g], g_bar, n, d_old[g], t2)).collect();
        let d_new: Vec<f64> = (0..nf)
            .map(|g| {
                let sum2: f64 = rows.iter().map(|&j| (s[[j, g]] - g_new[g]).powi(2)).sum();
                postvar(sum2, n, a, b)
            })
            .collect();
        let cg = np_max((0..nf).map(|g| (g_new[g] - g_old[g]).abs() / g_old[g]));
        let cd = np_max((0..nf).map(|g| (d_new[g] - d_old[g]).abs() / d_old[g]));
        // Python's built-in max(cg, cd).
        change = if cd > cg { cd } else { cg };
        g_old = g_new;
        d_old = d_new;
        count += 1;
    }
    Ok((g_old, d_old))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Variance with divisor `n − 1`.
fn sample_variance(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = v.clone().count() as f64;
    let m = v.clone().sum::<f64>() / n;
    v.map(|x| (x - m) * (x - m)).sum::<f64>() / (n - 1.0)
}

/// The covariate columns of the design: categorical covariates first (one indicator per level
/// but the first, sorted), then continuous ones, each group in config order — neuroCombat's
/// order.
fn design_columns(rows: &FeatureTable, names: &[String]) -> Result<Vec<DesignColumn>> {
    let mut cat = Vec::new();
    let mut cont = Vec::new();
    for name in names {
        let c = rows.covariate(name).ok_or_else(|| Error::Covariate {
            name: name.clone(),
            reason: "named in combat.covariates but not in the table".into(),
        })?;
        match &c.values {
            CovariateValues::Continuous(v) => {
                if let Some(i) = v.iter().position(|x| !x.is_finite()) {
                    return Err(Error::Covariate {
                        name: name.clone(),
                        reason: format!("not finite in row `{}`", rows.row_ids()[i]),
                    });
                }
                cont.push(DesignColumn::Continuous { covariate: name.clone() });
            }
            CovariateValues::Categorical(v) => {
                let levels: Vec<String> =
                    v.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect();
                for level in levels.iter().skip(1) {
                    cat.push(DesignColumn::Level {
                        covariate: name.clone(),
                        level: level.clone(),
                        levels: levels.clone(),
                    });
                }
            }
        }
    }
    cat.extend(cont);
    Ok(cat)
}

/// The `rows × columns` covariate part of the design for the table's rows.
fn covariate_matrix(rows: &FeatureTable, cols: &[DesignColumn]) -> Result<Array2<f64>> {
    let n = rows.n_rows();
    let mut z = Array2::<f64>::zeros((n, cols.len()));
    for (c, col) in cols.iter().enumerate() {
        let name = match col {
            DesignColumn::Continuous { covariate } | DesignColumn::Level { covariate, .. } => {
                covariate
            }
        };
        let cov: &Covariate = rows.covariate(name).ok_or_else(|| Error::Covariate {
            name: name.clone(),
            reason: "needed by the combat model but not in the table".into(),
        })?;
        match (col, &cov.values) {
            (DesignColumn::Continuous { .. }, CovariateValues::Continuous(v)) => {
                for j in 0..n {
                    if !v[j].is_finite() {
                        return Err(Error::Covariate {
                            name: name.clone(),
                            reason: format!("not finite in row `{}`", rows.row_ids()[j]),
                        });
                    }
                    z[[j, c]] = v[j];
                }
            }
            (DesignColumn::Level { level, levels, .. }, CovariateValues::Categorical(v)) => {
                for j in 0..n {
                    if !levels.contains(&v[j]) {
                        return Err(Error::Covariate {
                            name: name.clone(),
                            reason: format!(
                                "level `{}` in row `{}` was not in the training data",
                                v[j],
                                rows.row_ids()[j]
                            ),
                        });
                    }
                    z[[j, c]] = f64::from(u8::from(&v[j] == level));
                }
            }
            _ => {
                return Err(Error::Covariate {
                    name: name.clone(),
                    reason: "continuous in one table and categorical in the other".into(),
                });
            }
        }
    }
    Ok(z)
}

impl CombatModel {
    /// Harmonises `x` (columns [`CombatModel::features`]) whose rows are those of `rows` (centres,
    /// covariates and row IDs are read from it).
    pub fn transform(&self, x: ArrayView2<'_, f64>, rows: &FeatureTable) -> Result<Array2<f64>> {
        let n = x.nrows();
        let n_feat = self.features.len();
        let centres =
            rows.centres().ok_or_else(|| Error::MissingCentres { step: "combat".into() })?;
        // Covariate effect per row and feature.
        let effect: Array2<f64> = if self.design.is_empty() {
            Array2::zeros((n, n_feat))
        } else {
            match self.new_data_covariates {
                NewDataCovariates::Observed => {
                    let z = covariate_matrix(rows, &self.design)?;
                    let beta = Array2::from_shape_fn((self.design.len(), n_feat), |(c, g)| {
                        self.covariate_coefficients[c][g]
                    });
                    z.dot(&beta)
                }
                NewDataCovariates::TrainingMean => {
                    Array2::from_shape_fn((n, n_feat), |(_, g)| self.covariate_effect_mean[g])
                }
            }
        };
        let mut out = x.to_owned();
        for j in 0..n {
            let b = match self.centres.binary_search(&centres[j]) {
                Ok(b) => Some(b),
                Err(_) => match self.unseen_centre {
                    UnseenCentre::Error => {
                        return Err(Error::UnseenCentre {
                            centre: centres[j].clone(),
                            row: rows.row_ids()[j].clone(),
                        });
                    }
                    UnseenCentre::Identity => None,
                },
            };
            let Some(b) = b else { continue };
            if self.ref_centre.as_deref() == Some(centres[j].as_str()) {
                continue;
            }
            for g in 0..n_feat {
                let sd = self.var_pooled[g].sqrt();
                let mean = self.grand_mean[g] + effect[[j, g]];
                let s = (x[[j, g]] - mean) / sd;
                out[[j, g]] =
                    (s - self.gamma_star[b][g]) / self.delta_star[b][g].sqrt() * sd + mean;
            }
        }
        Ok(out)
    }

    /// The same model restricted to `keep` (a subset of its features, in that order).
    pub(crate) fn restrict(&self, keep: &[String]) -> CombatModel {
        let idx: Vec<usize> = crate::data::positions(&self.features, keep)
            .into_iter()
            .map(|j| j.expect("keep ⊆ features"))
            .collect();
        let pick = |v: &Vec<f64>| idx.iter().map(|&i| v[i]).collect::<Vec<_>>();
        CombatModel {
            features: keep.to_vec(),
            centres: self.centres.clone(),
            ref_centre: self.ref_centre.clone(),
            design: self.design.clone(),
            grand_mean: pick(&self.grand_mean),
            var_pooled: pick(&self.var_pooled),
            covariate_coefficients: self.covariate_coefficients.iter().map(pick).collect(),
            covariate_effect_mean: pick(&self.covariate_effect_mean),
            gamma_star: self.gamma_star.iter().map(pick).collect(),
            delta_star: self.delta_star.iter().map(pick).collect(),
            unseen_centre: self.unseen_centre,
            new_data_covariates: self.new_data_covariates,
        }
    }
}

/// Convenience: ComBat-harmonised training data (fit, then apply to the same rows).
pub fn combat_harmonise(
    x: ArrayView2<'_, f64>,
    features: &[String],
    rows: &FeatureTable,
    config: &CombatConfig,
) -> Result<Array2<f64>> {
    let (model, _) = fit_combat(x, features, rows, config)?;
    model.transform(x, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    fn table(x: Array2<f64>, centres: &[&str]) -> FeatureTable {
        let n = x.nrows();
        let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
        FeatureTable::new((0..n).map(|i| format!("r{i}")).collect(), names, x)
            .unwrap()
            .with_centres(centres.iter().map(|c| c.to_string()).collect())
            .unwrap()
    }

    #[test]
    fn without_eb_centre_means_and_variances_are_pooled() {
        // Feature f0: centre A = {0, 2}, B = {10, 14}. Centre means 1 and 12, grand mean
        // (2/4)·1 + (2/4)·12 = 6.5, residuals ±1, ±2 → σ² = (1+1+4+4)/4 = 2.5. Without EB each
        // centre is moved to the grand mean.
        let x = array![[0.0, 1.0], [2.0, 2.0], [10.0, 0.0], [14.0, 5.0]];
        let t = table(x.clone(), &["A", "A", "B", "B"]);
        let cfg = CombatConfig { empirical_bayes: false, ..Default::default() };
        let names: Vec<String> = vec!["f0".into(), "f1".into()];
        let (m, est) = fit_combat(x.view(), &names, &t, &cfg).unwrap();
        assert_abs_diff_eq!(m.grand_mean[0], 6.5, epsilon = 1e-12);
        assert_abs_diff_eq!(m.var_pooled[0], 2.5, epsilon = 1e-12);
        // s for A: (0−6.5)/√2.5, (2−6.5)/√2.5 → mean −5.5/√2.5.
        assert_abs_diff_eq!(est.gamma_hat[0][0], -5.5 / 2.5f64.sqrt(), epsilon = 1e-12);
        let h = m.transform(x.view(), &t).unwrap();
        assert_abs_diff_eq!((h[[0, 0]] + h[[1, 0]]) / 2.0, 6.5, epsilon = 1e-12);
        assert_abs_diff_eq!((h[[2, 0]] + h[[3, 0]]) / 2.0, 6.5, epsilon = 1e-12);
    }

    #[test]
    fn unseen_centre_errors_or_is_identity() {
        let x = array![[0.0, 1.0], [2.0, 2.0], [10.0, 0.0], [14.0, 5.0]];
        let t = table(x.clone(), &["A", "A", "B", "B"]);
        let names: Vec<String> = vec!["f0".into(), "f1".into()];
        let (mut m, _) = fit_combat(x.view(), &names, &t, &CombatConfig::default()).unwrap();
        let new = table(array![[1.0, 1.0]], &["C"]);
        let err = m.transform(new.values(), &new).unwrap_err().to_string();
        assert!(err.contains("centre `C` (row `r0`) was not in the training data"), "{err}");
        m.unseen_centre = UnseenCentre::Identity;
        assert_eq!(m.transform(new.values(), &new).unwrap(), array![[1.0, 1.0]]);
    }

    #[test]
    fn one_row_centre_is_rejected() {
        let x = array![[0.0, 1.0], [2.0, 2.0], [10.0, 0.0]];
        let t = table(x.clone(), &["A", "A", "B"]);
        let names: Vec<String> = vec!["f0".into(), "f1".into()];
        let err = fit_combat(x.view(), &names, &t, &CombatConfig::default()).unwrap_err();
        assert!(err.to_string().contains("centre `B` has 1 training row(s)"), "{err}");
    }
}
