//! Support vector machines for 0/1 outcomes (C-SVC) with Platt-scaled probabilities.
//!
//! The dual problem (Cortes & Vapnik 1995), with `y_i = ±1`:
//! `min_α ½ αᵀQα − Σα_i` subject to `0 ≤ α_i ≤ C`, `Σ y_i α_i = 0`, where
//! `Q_ij = y_i y_j K(x_i, x_j)`, is solved by sequential minimal optimisation with the
//! second-order working-set selection of Fan, Chen & Lin (2005) — the algorithm of LIBSVM,
//! which scikit-learn's `SVC` wraps — until the maximal violating pair violates the KKT
//! conditions by less than `tol`. The decision value is `f(x) = Σ α_i y_i K(x_i, x) − ρ`, with
//! ρ the mean of `y_i ∇_i` over free support vectors (`0 < α_i < C`), or the middle of the
//! feasible interval when there are none. Kernels: linear `xᵀz` and RBF `exp(−γ‖x − z‖²)`.
//!
//! Probabilities follow Platt (1999) as improved by Lin, Lin & Weng (2007):
//! `P(y = 1 | f) = 1 / (1 + exp(A f + B))`, with A and B minimising the cross-entropy against
//! the smoothed targets `(N₊ + 1)/(N₊ + 2)` and `1/(N₋ + 2)`, by Newton's method with a
//! backtracking line search. The decision values the sigmoid is fitted on are out-of-fold
//! (an SVM's training-row values are optimistic), from seeded stratified folds of the training
//! rows, as LIBSVM does with 5 folds.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::folds::stratified_folds;

/// LIBSVM's floor for a non-positive curvature `K_ii + K_jj − 2K_ij`.
const TAU: f64 = 1e-12;

/// The kernel.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Kernel {
    /// `K(x, z) = xᵀz`.
    Linear,
    /// `K(x, z) = exp(−γ ‖x − z‖²)`.
    Rbf {
        /// γ > 0.
        gamma: f64,
    },
}

impl Kernel {
    /// `K(a, b)`.
    pub fn eval(&self, a: &[f64], b: &[f64]) -> f64 {
        match *self {
            Kernel::Linear => a.iter().zip(b).map(|(x, z)| x * z).sum(),
            Kernel::Rbf { gamma } => {
                let d: f64 = a.iter().zip(b).map(|(x, z)| (x - z) * (x - z)).sum();
                (-gamma * d).exp()
            }
        }
    }
}

/// scikit-learn's `gamma = "scale"`: `1 / (p · var(X))`, the variance taken over every entry
/// of the training matrix (1 when it is 0).
pub fn gamma_scale(x: ArrayView2<'_, f64>) -> f64 {
    let (n, p) = x.dim();
    let m = x.iter().sum::<f64>() / (n * p) as f64;
    let var = x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n * p) as f64;
    if var > 0.0 { 1.0 / (p as f64 * var) } else { 1.0 }
}

/// A fitted SVM: support vectors with their `α_i y_i`, and ρ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SvmModel {
    /// The kernel.
    pub kernel: Kernel,
    /// Support vectors (rows), in training-row order.
    pub support_vectors: Vec<Vec<f64>>,
    /// `α_i y_i` of each support vector.
    pub dual_coef: Vec<f64>,
    /// The offset: `f(x) = Σ dual_coef_i K(sv_i, x) − rho`.
    pub rho: f64,
    /// Platt's slope A (`P = 1/(1 + exp(A f + B))`; A < 0 when f ranks class 1 higher).
    pub platt_a: f64,
    /// Platt's intercept B.
    pub platt_b: f64,
}

impl SvmModel {
    /// The decision value of one row.
    pub fn decision(&self, x: &[f64]) -> f64 {
        let s: f64 = self
            .support_vectors
            .iter()
            .zip(&self.dual_coef)
            .map(|(sv, c)| c * self.kernel.eval(sv, x))
            .sum();
        s - self.rho
    }

    /// The decision value of each row of `x`.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.outer_iter().map(|r| self.decision(&r.to_vec())).collect()
    }

    /// The Platt log-odds `−(A f + B)` of each row.
    pub fn log_odds(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        self.decision_function(x).into_iter().map(|f| -(self.platt_a * f + self.platt_b)).collect()
    }
}

/// The solved dual: `α`, ρ, iterations.
#[derive(Clone, Debug, PartialEq)]
pub struct SvmDual {
    /// α per training row.
    pub alpha: Vec<f64>,
    /// ρ.
    pub rho: f64,
    /// SMO iterations used.
    pub iterations: usize,
}

/// Solves the C-SVC dual for rows `x` with 0/1 labels (module docs).
pub fn solve_svm(
    x: ArrayView2<'_, f64>,
    labels: &[u8],
    kernel: Kernel,
    c: f64,
    tol: f64,
    what: &str,
) -> Result<SvmDual> {
    let n = x.nrows();
    let rows: Vec<Vec<f64>> = x.outer_iter().map(|r| r.to_vec()).collect();
    let mut k = Array2::<f64>::zeros((n, n));
    for i in 0..n {
        for j in 0..=i {
            let v = kernel.eval(&rows[i], &rows[j]);
            k[[i, j]] = v;
            k[[j, i]] = v;
        }
    }
    solve_svm_gram(k.view(), labels, c, tol, what)
}

/// Solves the C-SVC dual given the Gram matrix `k` (`K(x_i, x_j)`, symmetric) of the
/// training rows.
pub fn solve_svm_gram(
    k: ArrayView2<'_, f64>,
    labels: &[u8],
    c: f64,
    tol: f64,
    what: &str,
) -> Result<SvmDual> {
    let n = k.nrows();
    // Row-major copy: the loops below read whole rows K(i, ·).
    let k: Vec<f64> = k.iter().copied().collect();
    let row = |i: usize| &k[i * n..(i + 1) * n];
    let diag: Vec<f64> = (0..n).map(|i| k[i * n + i]).collect();
    let y: Vec<f64> = labels.iter().map(|&l| if l == 1 { 1.0 } else { -1.0 }).collect();
    let mut alpha = vec![0.0; n];
    let mut g = vec![-1.0; n];
    let upper = |a: f64| a >= c;
    let lower = |a: f64| a <= 0.0;
    let max_iter = 10_000_000usize.max(100 * n);
    let mut iterations = 0;
    // Shrinking (Joachims 1999; LIBSVM's heuristic): every min(n, 1000) iterations, rows at a
    // bound whose gradient says they will stay there leave the active set, and the working
    // set and gradient updates run over the active rows only. The full gradient is rebuilt
    // from α (∇_t = y_t Σ_j y_j α_j K_tj − 1) once the active problem is nearly solved and
    // before optimality is declared, so the result is checked on every row.
    let mut active: Vec<usize> = (0..n).collect();
    let mut unshrunk = false;
    let mut counter = n.min(1000);
    let reconstruct = |g: &mut [f64], alpha: &[f64]| {
        for (t, gt) in g.iter_mut().enumerate() {
            let kt = row(t);
            let s: f64 = (0..n).filter(|&j| alpha[j] > 0.0).map(|j| y[j] * alpha[j] * kt[j]).sum();
            *gt = y[t] * s - 1.0;
        }
    };
    loop {
        counter -= 1;
        if counter == 0 {
            counter = n.min(1000);
            let (mut g1, mut g2) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
            for &t in &active {
                if y[t] > 0.0 {
                    if !upper(alpha[t]) {
                        g1 = g1.max(-g[t]);
                    }
                    if !lower(alpha[t]) {
                        g2 = g2.max(g[t]);
                    }
                } else {
                    if !lower(alpha[t]) {
                        g1 = g1.max(g[t]);
                    }
                    if !upper(alpha[t]) {
                        g2 = g2.max(-g[t]);
                    }
                }
            }
            if !unshrunk && g1 + g2 <= 10.0 * tol {
                unshrunk = true;
                reconstruct(&mut g, &alpha);
                active = (0..n).collect();
            }
            active.retain(|&t| {
                let shrunk = if upper(alpha[t]) {
                    if y[t] > 0.0 { -g[t] > g1 } else { -g[t] > g2 }
                } else if lower(alpha[t]) {
                    if y[t] > 0.0 { g[t] > g2 } else { g[t] > g1 }
                } else {
                    false
                };
                !shrunk
            });
        }
        // Working set: i maximises −y_t ∇_t over I_up; j minimises the second-order gain.
        let mut gmax = f64::NEG_INFINITY;
        let mut i_sel = None;
        for &t in &active {
            if y[t] > 0.0 {
                if !upper(alpha[t]) && -g[t] >= gmax {
                    gmax = -g[t];
                    i_sel = Some(t);
                }
            } else if !lower(alpha[t]) && g[t] >= gmax {
                gmax = g[t];
                i_sel = Some(t);
            }
        }
        let mut gmax2 = f64::NEG_INFINITY;
        let mut j_sel = None;
        let mut obj_min = f64::INFINITY;
        if let Some(i) = i_sel {
            let ki = row(i);
            for &t in &active {
                let q_it = y[i] * y[t] * ki[t];
                if y[t] > 0.0 {
                    if !lower(alpha[t]) {
                        let grad_diff = gmax + g[t];
                        gmax2 = gmax2.max(g[t]);
                        if grad_diff > 0.0 {
                            let quad = diag[i] + diag[t] - 2.0 * y[i] * q_it;
                            let obj =
                                -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU };
                            if obj <= obj_min {
                                obj_min = obj;
                                j_sel = Some(t);
                            }
                        }
                    }
                } else if !upper(alpha[t]) {
                    let grad_diff = gmax - g[t];
                    gmax2 = gmax2.max(-g[t]);
                    if grad_diff > 0.0 {
                        let quad = diag[i] + diag[t] + 2.0 * y[i] * q_it;
                        let obj = -(grad_diff * grad_diff) / if quad > 0.0 { quad } else { TAU };
                        if obj <= obj_min {
                            obj_min = obj;
                            j_sel = Some(t);
                        }
                    }
                }
            }
        }
        let optimal = match (i_sel, j_sel) {
            (Some(_), Some(_)) => gmax + gmax2 < tol,
            _ => true,
        };
        if optimal {
            if active.len() == n {
                break;
            }
            // Optimal on the active rows: check every row with the full gradient.
            // The next selection runs on every row before shrinking again (a violating pair among
            // the rows just brought back must be found, not shrunk away once more).
            reconstruct(&mut g, &alpha);
            active = (0..n).collect();
            counter = 2;
            continue;
        }
        let (Some(i), Some(j)) = (i_sel, j_sel) else { unreachable!("not optimal") };
        if iterations >= max_iter {
            return Err(Error::NotConverged { what: what.into(), iterations });
        }
        iterations += 1;
        let (old_i, old_j) = (alpha[i], alpha[j]);
        let q_ij = y[i] * y[j] * k[i * n + j];
        if y[i] != y[j] {
            let mut quad = diag[i] + diag[j] + 2.0 * q_ij;
            if quad <= 0.0 {
                quad = TAU;
            }
            let delta = (-g[i] - g[j]) / quad;
            let diff = alpha[i] - alpha[j];
            alpha[i] += delta;
            alpha[j] += delta;
            if diff > 0.0 {
                if alpha[j] < 0.0 {
                    alpha[j] = 0.0;
                    alpha[i] = diff;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = -diff;
            }
            if diff > 0.0 {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = c - diff;
                }
            } else if alpha[j] > c {
                alpha[j] = c;
                alpha[i] = c + diff;
            }
        } else {
            let mut quad = diag[i] + diag[j] - 2.0 * q_ij;
            if quad <= 0.0 {
                quad = TAU;
            }
            let delta = (g[i] - g[j]) / quad;
            let sum = alpha[i] + alpha[j];
            alpha[i] -= delta;
            alpha[j] += delta;
            if sum > c {
                if alpha[i] > c {
                    alpha[i] = c;
                    alpha[j] = sum - c;
                }
            } else if alpha[j] < 0.0 {
                alpha[j] = 0.0;
                alpha[i] = sum;
            }
            if sum > c {
                if alpha[j] > c {
                    alpha[j] = c;
                    alpha[i] = sum - c;
                }
            } else if alpha[i] < 0.0 {
                alpha[i] = 0.0;
                alpha[j] = sum;
            }
        }
        let (di, dj) = (alpha[i] - old_i, alpha[j] - old_j);
        // K is symmetric: column i is row i.
        let (ci, cj) = (y[i] * di, y[j] * dj);
        let (ki, kj) = (row(i), row(j));
        if active.len() == n {
            for ((gt, yt), (kit, kjt)) in g.iter_mut().zip(&y).zip(ki.iter().zip(kj)) {
                *gt += yt * (ci * kit + cj * kjt);
            }
        } else {
            for &t in &active {
                g[t] += y[t] * (ci * ki[t] + cj * kj[t]);
            }
        }
    }
    // ρ from the free support vectors, or the middle of the feasible interval.
    let (mut ub, mut lb) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut free, mut sum_free) = (0usize, 0.0);
    for t in 0..n {
        let yg = y[t] * g[t];
        if upper(alpha[t]) {
            if y[t] < 0.0 { ub = ub.min(yg) } else { lb = lb.max(yg) }
        } else if lower(alpha[t]) {
            if y[t] > 0.0 { ub = ub.min(yg) } else { lb = lb.max(yg) }
        } else {
            free += 1;
            sum_free += yg;
        }
    }
    let rho = if free > 0 { sum_free / free as f64 } else { (ub + lb) / 2.0 };
    Ok(SvmDual { alpha, rho, iterations })
}

/// Settings of an SVM fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvmSettings {
    /// The kernel (with γ resolved).
    pub kernel: Kernel,
    /// The box constraint C > 0.
    pub c: f64,
    /// KKT tolerance (scikit-learn's `tol`, default 1e−3).
    pub tol: f64,
    /// Folds of the out-of-fold decision values Platt's sigmoid is fitted on (≥ 2); 0 fits no
    /// sigmoid (`A = −1, B = 0`: the log-odds are the decision values), which ranks rows as
    /// any increasing sigmoid does — what a hyper-parameter search scored by AUC uses for its
    /// candidates, as scikit-learn's AUC scorer uses `decision_function`.
    pub platt_folds: usize,
    /// Seed of those folds.
    pub seed: u64,
}

/// Fits an SVM on the rows of `x` with 0/1 labels, then its Platt sigmoid on out-of-fold
/// decision values (module docs).
pub fn fit_svm(
    x: ArrayView2<'_, f64>,
    labels: &[u8],
    settings: &SvmSettings,
    what: &str,
) -> Result<SvmModel> {
    let model = |x: ArrayView2<'_, f64>, labels: &[u8]| -> Result<SvmModel> {
        let dual = solve_svm(x, labels, settings.kernel, settings.c, settings.tol, what)?;
        let mut support_vectors = Vec::new();
        let mut dual_coef = Vec::new();
        for (i, &a) in dual.alpha.iter().enumerate() {
            if a > 0.0 {
                support_vectors.push(x.row(i).to_vec());
                dual_coef.push(if labels[i] == 1 { a } else { -a });
            }
        }
        Ok(SvmModel {
            kernel: settings.kernel,
            support_vectors,
            dual_coef,
            rho: dual.rho,
            platt_a: 0.0,
            platt_b: 0.0,
        })
    };
    let mut full = model(x, labels)?;
    if settings.platt_folds == 0 {
        full.platt_a = -1.0;
        return Ok(full);
    }
    let folds = stratified_folds(labels, settings.platt_folds, settings.seed)?;
    let mut oof = vec![0.0; labels.len()];
    for f in 0..settings.platt_folds {
        let train: Vec<usize> = (0..labels.len()).filter(|&i| folds[i] != f).collect();
        let test: Vec<usize> = (0..labels.len()).filter(|&i| folds[i] == f).collect();
        let xt = x.select(ndarray::Axis(0), &train);
        let yt: Vec<u8> = train.iter().map(|&i| labels[i]).collect();
        let m = model(xt.view(), &yt)?;
        for &i in &test {
            oof[i] = m.decision(&x.row(i).to_vec());
        }
    }
    let (a, b) = platt_sigmoid(&oof, labels);
    full.platt_a = a;
    full.platt_b = b;
    Ok(full)
}

/// Platt's sigmoid `(A, B)` for decision values `f` and 0/1 labels (module docs): Newton's
/// method with backtracking from `A = 0`, `B = ln((N₋ + 1)/(N₊ + 1))`, to a gradient below
/// 1e−12 (or no further decrease).
pub fn platt_sigmoid(f: &[f64], labels: &[u8]) -> (f64, f64) {
    let n1 = labels.iter().filter(|&&l| l == 1).count() as f64;
    let n0 = labels.len() as f64 - n1;
    let hi = (n1 + 1.0) / (n1 + 2.0);
    let lo = 1.0 / (n0 + 2.0);
    let t: Vec<f64> = labels.iter().map(|&l| if l == 1 { hi } else { lo }).collect();
    // Cross-entropy of P = 1/(1 + e^{Af+B}), computed stably.
    let loss = |a: f64, b: f64| -> f64 {
        f.iter()
            .zip(&t)
            .map(|(&fi, &ti)| {
                let z = a * fi + b;
                if z >= 0.0 {
                    ti * z + (-z).exp().ln_1p()
                } else {
                    (ti - 1.0) * z + z.exp().ln_1p()
                }
            })
            .sum()
    };
    let (mut a, mut b) = (0.0, ((n0 + 1.0) / (n1 + 1.0)).ln());
    let mut fval = loss(a, b);
    for _ in 0..200 {
        let (mut h11, mut h22, mut h21, mut g1, mut g2) = (1e-12, 1e-12, 0.0, 0.0, 0.0);
        for (&fi, &ti) in f.iter().zip(&t) {
            let z = a * fi + b;
            // p = P(y = 1) = 1/(1 + e^z), q = 1 − p.
            let (p, q) = if z >= 0.0 {
                let e = (-z).exp();
                (e / (1.0 + e), 1.0 / (1.0 + e))
            } else {
                let e = z.exp();
                (1.0 / (1.0 + e), e / (1.0 + e))
            };
            let d2 = p * q;
            h11 += fi * fi * d2;
            h22 += d2;
            h21 += fi * d2;
            let d1 = ti - p;
            g1 += fi * d1;
            g2 += d1;
        }
        if g1.abs() < 1e-12 && g2.abs() < 1e-12 {
            break;
        }
        let det = h11 * h22 - h21 * h21;
        let da = -(h22 * g1 - h21 * g2) / det;
        let db = -(-h21 * g1 + h11 * g2) / det;
        let gd = g1 * da + g2 * db;
        let mut step = 1.0;
        let mut moved = false;
        while step >= 1e-10 {
            let (na, nb) = (a + step * da, b + step * db);
            let nf = loss(na, nb);
            if nf < fval + 1e-4 * step * gd {
                (a, b, fval) = (na, nb, nf);
                moved = true;
                break;
            }
            step /= 2.0;
        }
        if !moved {
            break;
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn two_points_give_the_hard_margin_by_hand() {
        // x = −1 (class 0) and x = +1 (class 1), linear kernel, C large: w = 1, b = 0,
        // α = ½ each (w = Σ α y x = ½ + ½), ρ = 0.
        let x = array![[-1.0], [1.0]];
        let d = solve_svm(x.view(), &[0, 1], Kernel::Linear, 10.0, 1e-12, "svm").unwrap();
        assert!((d.alpha[0] - 0.5).abs() < 1e-12 && (d.alpha[1] - 0.5).abs() < 1e-12);
        assert!(d.rho.abs() < 1e-12);
        // C = 0.1 caps both α: w = 0.2, and both points are bounded SVs.
        let d = solve_svm(x.view(), &[0, 1], Kernel::Linear, 0.1, 1e-12, "svm").unwrap();
        assert_eq!(d.alpha, vec![0.1, 0.1]);
    }

    #[test]
    fn platt_recovers_a_known_sigmoid_direction() {
        // Decision values that rank class 1 higher: A must be negative.
        let f = [-2.0, -1.0, -0.5, 0.3, 0.5, 1.0, 2.0, -0.2];
        let y = [0, 0, 0, 1, 1, 1, 1, 1];
        let (a, _) = platt_sigmoid(&f, &y);
        assert!(a < 0.0);
    }

    #[test]
    fn gamma_scale_is_one_over_p_times_the_variance() {
        // Entries 0, 2, 4, 6: mean 3, variance 5; p = 2 → γ = 1/10.
        let x = array![[0.0, 2.0], [4.0, 6.0]];
        assert!((gamma_scale(x.view()) - 0.1).abs() < 1e-15);
    }
}
