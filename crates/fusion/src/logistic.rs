//! Unpenalised (or ridge-safeguarded) logistic regression by iteratively reweighted least
//! squares, as R's `glm(family = binomial)`.
//!
//! # Estimator
//!
//! Maximises `ℓ(β) = Σ_i [y_i η_i − ln(1 + e^{η_i})] − (ridge/2) Σ_{j≥1} β_j²` with
//! `η = β₀ + xᵀβ` (`ridge = 0`: the maximum-likelihood fit of `glm`). Newton/IRLS from glm's
//! start `μ = (y + ½)/2`: weights `w = μ(1 − μ)`, working response `z = η + (y − μ)/w`,
//! `β ← (XᵀWX + R)⁻¹ XᵀW z` with `R = diag(0, ridge, …)`, halving the step if the penalised
//! deviance rises. It stops when no coefficient moves by more than `1e−10 (1 + |β_j|)`, which is
//! tighter than glm's deviance criterion (`1e−8`) so the result is the optimum to rounding.
//! Standard errors are `sqrt(diag((XᵀWX + R)⁻¹))` at the final `β` (for `ridge = 0` glm's
//! `summary()` values; with a ridge they are the usual penalised-Hessian approximation).
//!
//! # Separation
//!
//! When a combination of features separates the classes (completely or quasi-completely) the
//! maximum-likelihood estimate does not exist: coefficients diverge and fitted probabilities go to
//! 0 or 1. With `ridge = 0` this is reported as [`Error::Separation`] — detected as glm's warning
//! "fitted probabilities numerically 0 or 1 occurred" (a fitted probability within `10 ε` of
//! either bound) or as non-convergence with fitted probabilities within `1e−8` of either bound —
//! rather than returning huge meaningless coefficients. Setting `ridge > 0` (a documented L2 safeguard on the
//! non-intercept coefficients, on the scale of the features given) always gives a finite fit.

use ndarray::{Array1, Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::linalg::{cholesky, cholesky_inverse, cholesky_solve};

/// What a [`Error::Separation`] of a signature's model suggests.
pub(crate) const RIDGE_HINT: &str = "set model.ridge > 0 or select fewer features";

/// Maximum IRLS iterations.
const MAXIT: usize = 100;

/// A fitted logistic regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogisticFit {
    /// `β₀`.
    pub intercept: f64,
    /// `β_j`, in feature order.
    pub coefficients: Vec<f64>,
    /// Standard error of `β₀`.
    pub intercept_std_error: f64,
    /// Standard errors of `β_j`.
    pub std_errors: Vec<f64>,
    /// Residual deviance `−2 Σ ln L` (without the ridge term).
    pub deviance: f64,
    /// Null deviance of the intercept-only model.
    pub null_deviance: f64,
    /// IRLS iterations used.
    pub iterations: usize,
    /// The ridge penalty used (0: maximum likelihood).
    pub ridge: f64,
}

impl LogisticFit {
    /// `β₀ + xᵀβ` for every row of `x` (columns in the fitted feature order).
    pub fn linear_predictor(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.outer_iter()
            .map(|row| {
                self.intercept + row.iter().zip(&self.coefficients).map(|(v, b)| v * b).sum::<f64>()
            })
            .collect()
    }

    /// Fitted probabilities `1 / (1 + e^{−(β₀ + xᵀβ)})`.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        self.linear_predictor(x).into_iter().map(sigmoid).collect()
    }
}

/// `σ(η) = 1 / (1 + e^{−η})`: the logistic function of radlsig-stats under the name the fits
/// use.
pub use radlsig_stats::logistic as sigmoid;

fn binomial_deviance(y: &[f64], mu: &[f64]) -> f64 {
    let mut d = 0.0;
    for (&yi, &mi) in y.iter().zip(mu) {
        // y ln(y/μ) + (1−y) ln((1−y)/(1−μ)) with 0 ln 0 = 0.
        d += if yi > 0.5 { -mi.ln() } else { -(1.0 - mi).ln() };
    }
    2.0 * d
}

/// Fits `logit P(y = 1) = β₀ + xᵀβ` on `x` (`rows × features`, finite) and 0/1 labels (module
/// docs). `model` and `features` name the fit in errors.
pub fn logistic_regression(
    x: ArrayView2<'_, f64>,
    y: &[u8],
    ridge: f64,
    model: &str,
    features: &[String],
) -> Result<LogisticFit> {
    let n = x.nrows();
    let p = x.ncols();
    if y.len() != n {
        return Err(Error::Shape {
            what: model.to_string(),
            reason: format!("{} labels for {n} rows", y.len()),
        });
    }
    let yf: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();
    let ybar = yf.iter().sum::<f64>() / n as f64;
    let null_deviance = binomial_deviance(&yf, &vec![ybar; n]);
    // Design with intercept.
    let mut design = Array2::<f64>::ones((n, p + 1));
    design.slice_mut(ndarray::s![.., 1..]).assign(&x);
    let penalty = |beta: &Array1<f64>| ridge * beta.iter().skip(1).map(|b| b * b).sum::<f64>();
    let objective = |beta: &Array1<f64>| -> f64 {
        let eta = design.dot(beta);
        let mu: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
        binomial_deviance(&yf, &mu) + penalty(beta)
    };
    let all_names = || features.join(", ");

    // glm's start: μ = (y + ½)/2, η = logit μ; first step from there.
    let mut eta: Array1<f64> =
        yf.iter().map(|&v| ((v + 0.5) / 2.0 / (1.0 - (v + 0.5) / 2.0)).ln()).collect();
    let mut beta: Option<Array1<f64>> = None;
    let mut converged = false;
    let mut iterations = 0;
    while iterations < MAXIT {
        iterations += 1;
        let mu: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
        let w: Vec<f64> = mu.iter().map(|&m| (m * (1.0 - m)).max(f64::MIN_POSITIVE)).collect();
        let z: Vec<f64> = (0..n).map(|i| eta[i] + (yf[i] - mu[i]) / w[i]).collect();
        let (xtwx, xtwz) = weighted_normal_equations(&design, &w, &z, ridge);
        let Some(l) = cholesky(&xtwx) else {
            // Weights collapse when the fit runs off to separation.
            if ridge == 0.0 && mu.iter().any(|&m| !(1e-8..=1.0 - 1e-8).contains(&m)) {
                return Err(Error::Separation {
                    model: model.to_string(),
                    features: all_names(),
                    hint: RIDGE_HINT.into(),
                    detail: "the information matrix vanished as fitted probabilities went to \
                             0 or 1"
                        .into(),
                });
            }
            return Err(Error::Singular {
                what: format!("{model}: logistic regression on {}", all_names()),
            });
        };
        let mut new = cholesky_solve(&l, &xtwz);
        if let Some(old) = &beta {
            // Step halving if the penalised deviance rises.
            let f_old = objective(old);
            let mut f_new = objective(&new);
            let mut halvings = 0;
            let bound = f_old + 1e-12 * f_old.abs().max(1.0);
            while (f_new.is_nan() || f_new > bound) && halvings < 30 {
                new = (&new + old) / 2.0;
                f_new = objective(&new);
                halvings += 1;
            }
            let step = new
                .iter()
                .zip(old.iter())
                .map(|(a, b)| (a - b).abs() / (1.0 + b.abs()))
                .fold(0.0, f64::max);
            if step < 1e-10 {
                converged = true;
            }
        }
        eta = design.dot(&new);
        beta = Some(new);
        if converged {
            break;
        }
    }
    let beta = beta.expect("at least one iteration");
    let mu: Vec<f64> = eta.iter().map(|&e| sigmoid(e)).collect();
    let extreme = |tol: f64| mu.iter().any(|&m| m < tol || m > 1.0 - tol);
    if ridge == 0.0 {
        if converged && extreme(10.0 * f64::EPSILON) {
            return Err(Error::Separation {
                model: model.to_string(),
                features: all_names(),
                hint: RIDGE_HINT.into(),
                detail: "fitted probabilities numerically 0 or 1".into(),
            });
        }
        if !converged && extreme(1e-8) {
            return Err(Error::Separation {
                model: model.to_string(),
                features: all_names(),
                hint: RIDGE_HINT.into(),
                detail: format!(
                    "coefficients still growing after {MAXIT} iterations with fitted \
                     probabilities within 1e-8 of 0 or 1"
                ),
            });
        }
    }
    if !converged {
        return Err(Error::NotConverged {
            what: format!("{model}: logistic regression"),
            iterations: MAXIT,
        });
    }
    let w: Vec<f64> = mu.iter().map(|&m| m * (1.0 - m)).collect();
    let (xtwx, _) = weighted_normal_equations(&design, &w, &vec![0.0; n], ridge);
    let l = cholesky(&xtwx).ok_or_else(|| Error::Singular {
        what: format!("{model}: information matrix of {}", all_names()),
    })?;
    let cov = cholesky_inverse(&l);
    let se: Vec<f64> = (0..=p).map(|j| cov[[j, j]].sqrt()).collect();
    Ok(LogisticFit {
        intercept: beta[0],
        coefficients: beta.iter().skip(1).copied().collect(),
        intercept_std_error: se[0],
        std_errors: se[1..].to_vec(),
        deviance: binomial_deviance(&yf, &mu),
        null_deviance,
        iterations,
        ridge,
    })
}

/// `XᵀWX + R` and `XᵀWz`.
fn weighted_normal_equations(
    design: &Array2<f64>,
    w: &[f64],
    z: &[f64],
    ridge: f64,
) -> (Array2<f64>, Array1<f64>) {
    let k = design.ncols();
    let mut xtwx = Array2::<f64>::zeros((k, k));
    let mut xtwz = Array1::<f64>::zeros(k);
    for (i, row) in design.outer_iter().enumerate() {
        for a in 0..k {
            let wa = w[i] * row[a];
            xtwz[a] += wa * z[i];
            for b in 0..=a {
                xtwx[[a, b]] += wa * row[b];
            }
        }
    }
    for a in 0..k {
        for b in 0..a {
            xtwx[[b, a]] = xtwx[[a, b]];
        }
        if a > 0 {
            xtwx[[a, a]] += ridge;
        }
    }
    (xtwx, xtwz)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn binary_predictor_has_closed_form() {
        // One 0/1 predictor: the MLE reproduces the 2×2 table. x = 0: 1 of 4 positive,
        // x = 1: 3 of 4 positive → β₀ = ln(1/3), β₁ = ln(3) − ln(1/3) = 2 ln 3;
        // SE(β₁)² = 1/1 + 1/3 + 1/3 + 1/1 = 8/3, SE(β₀)² = 1/1 + 1/3 = 4/3.
        let x = array![[0.0], [0.0], [0.0], [0.0], [1.0], [1.0], [1.0], [1.0]];
        let y = [0, 0, 0, 1, 0, 1, 1, 1];
        let f = logistic_regression(x.view(), &y, 0.0, "t", &["x".into()]).unwrap();
        assert_abs_diff_eq!(f.intercept, (1.0f64 / 3.0).ln(), epsilon = 1e-12);
        assert_abs_diff_eq!(f.coefficients[0], 2.0 * 3f64.ln(), epsilon = 1e-12);
        assert_abs_diff_eq!(f.std_errors[0], (8.0f64 / 3.0).sqrt(), epsilon = 1e-10);
        assert_abs_diff_eq!(f.intercept_std_error, (4.0f64 / 3.0).sqrt(), epsilon = 1e-10);
        let p = f.predict_proba(array![[0.0], [1.0]].view());
        assert_abs_diff_eq!(p[0], 0.25, epsilon = 1e-12);
        assert_abs_diff_eq!(p[1], 0.75, epsilon = 1e-12);
    }

    #[test]
    fn complete_separation_is_an_error_and_ridge_fixes_it() {
        let x = array![[1.0], [2.0], [3.0], [4.0], [5.0], [6.0]];
        let y = [0, 0, 0, 1, 1, 1];
        let err = logistic_regression(x.view(), &y, 0.0, "RAsig", &["f".into()]).unwrap_err();
        assert!(matches!(err, Error::Separation { .. }), "{err}");
        assert!(err.to_string().starts_with("RAsig: the classes are separated by f"), "{err}");
        let f = logistic_regression(x.view(), &y, 1.0, "RAsig", &["f".into()]).unwrap();
        // Stationarity of the penalised likelihood: Σ(y − μ) = 0, Σ x(y − μ) = ridge·β₁.
        let mu: Vec<f64> =
            (0..6).map(|i| sigmoid(f.intercept + f.coefficients[0] * x[[i, 0]])).collect();
        let g0: f64 = (0..6).map(|i| f64::from(y[i]) - mu[i]).sum();
        let g1: f64 = (0..6).map(|i| x[[i, 0]] * (f64::from(y[i]) - mu[i])).sum();
        assert_abs_diff_eq!(g0, 0.0, epsilon = 1e-10);
        assert_abs_diff_eq!(g1, 1.0 * f.coefficients[0], epsilon = 1e-10);
    }
}
