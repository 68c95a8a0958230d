//! LASSO and elastic-net logistic regression as R's `glmnet` 4.1 (`family = "binomial"`,
//! `alpha`) computes it, and cross-validation of λ as `cv.glmnet`.
//!
//! # Objective
//!
//! `min_{β₀, β} −(1/n) Σ_i [y_i (β₀ + x_iᵀβ) − ln(1 + e^{β₀ + x_iᵀβ})] + λ [α ‖β‖₁ +
//! (1 − α) ‖β‖²₂ / 2]`, the intercept unpenalised (`α = 1`, the default: the LASSO). With `standardize = true` (glmnet's default) the columns are centred and scaled
//! to unit population variance before fitting and the coefficients are returned on the original
//! scale (`β_j / s_j`, `β₀ − Σ β_j m_j / s_j`).
//!
//! # Algorithm (the same steps, in the same order, as glmnet's `lognet` solver)
//!
//! - λ path: `λ_max = max_j |x̃_jᵀ(y − ȳ)| / (n · max(α, 10⁻³))` on the standardised columns; then
//!   `λ_m = λ_max · r^{m/(nlambda−1)}` with `r = lambda.min.ratio` (`0.01` if `n < p`, else
//!   `1e−4`). Like glmnet, the solver starts the path at an "infinite" λ (the null model) and
//!   the first λ is reported as the geometric extrapolation `exp(2 ln λ₁ − ln λ₂) = λ_max`.
//! - Each λ: outer IRLS loop (quadratic approximation with weights `w p(1−p)`, probabilities
//!   set to 0/1 beyond `|η| > ln(1/pmin − 1)`, `pmin = 1e−9`) around cyclic coordinate descent
//!   with soft thresholding, `β_j ← S(u_j, λα) / (v_j + λ(1 − α))`. Coordinate descent runs full
//!   passes over the sequential-strong-rule set (`|∇_j| > α(2λ_m − λ_{m−1})`) and passes over
//!   the active set in between; it stops when
//!   `max_j v_j Δβ_j² < thresh · D₀` (`D₀` the null deviance per observation). IRLS stops when
//!   the same bound holds between outer iterations, after which the KKT conditions are checked
//!   for every feature outside the strong set and violators are added.
//! - The path stops early, as glmnet's does, after at least 5 λs once the fraction of deviance
//!   explained grows by less than `1e−5` or exceeds `0.999`.
//!
//! Replicating the steps, not only the optimum, makes the coefficients agree with glmnet's at
//! its default `thresh = 1e−7` to the rounding of the sums (see `tests/lasso_glmnet.rs` for the
//! tolerances), and makes the early stopping, hence the λ sequence, the same.
//!
//! # Cross-validation (`cv.glmnet`, `type.measure = "deviance"`, `alignment = "lambda"`)
//!
//! Every fold fits its own path on the other folds; its coefficients are linearly interpolated
//! in λ at the full-data λs (`lambda.interp`, clamped to the fold's range); held-out binomial
//! deviance `−2[y ln p + (1−y) ln(1−p)]` with `p` clamped to `[1e−5, 1 − 1e−5]` is averaged per
//! fold, and `cvm`, `cvsd` are the fold-size-weighted mean and standard error over folds
//! (`grouped = TRUE`; with fewer than 3 rows per fold, the per-row version as cv.glmnet).
//! `lambda.min` is the largest λ reaching the minimum `cvm`, `lambda.1se` the largest λ with
//! `cvm ≤ cvm_min + cvsd_min`.

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// glmnet's `glmnet.control()` constants.
const PMIN: f64 = 1e-9;
const BIG: f64 = 9.9e35;
const EPS_FLMIN: f64 = 1e-6;
const MNLAM: usize = 5;
const FDEV: f64 = 1e-5;
const DEVMAX: f64 = 0.999;
/// `cv.lognet`'s probability clamp for the deviance.
const CV_PROB_MIN: f64 = 1e-5;

/// Settings of one glmnet fit (glmnet's arguments with their defaults).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LassoSettings {
    /// Standardise columns internally (`standardize`, default true).
    #[serde(default = "default_true")]
    pub standardize: bool,
    /// Coordinate-descent convergence threshold (`thresh`, default `1e-7`).
    #[serde(default = "default_thresh")]
    pub thresh: f64,
    /// Limit on the total number of coordinate-descent passes along the path (`maxit`, default
    /// 100000).
    #[serde(default = "default_maxit")]
    pub maxit: usize,
    /// Number of λs (`nlambda`, default 100).
    #[serde(default = "default_nlambda")]
    pub nlambda: usize,
    /// Smallest λ as a fraction of `λ_max` (`lambda.min.ratio`); default `0.01` when `n < p`,
    /// else `1e-4`.
    #[serde(default)]
    pub lambda_min_ratio: Option<f64>,
    /// The elastic-net mixing `α` (`alpha`, default 1: the LASSO); `α < 1` adds the ridge part
    /// `λ (1 − α) ‖β‖²₂ / 2` to `λ α ‖β‖₁`, in (0, 1].
    #[serde(default = "default_alpha", skip_serializing_if = "is_lasso")]
    pub alpha: f64,
}

fn default_alpha() -> f64 {
    1.0
}
fn is_lasso(alpha: &f64) -> bool {
    *alpha == 1.0
}

fn default_true() -> bool {
    true
}
fn default_thresh() -> f64 {
    1e-7
}
fn default_maxit() -> usize {
    100_000
}
fn default_nlambda() -> usize {
    100
}

impl Default for LassoSettings {
    fn default() -> Self {
        LassoSettings {
            standardize: default_true(),
            thresh: default_thresh(),
            maxit: default_maxit(),
            nlambda: default_nlambda(),
            lambda_min_ratio: None,
            alpha: default_alpha(),
        }
    }
}

/// A LASSO path: coefficients on the original feature scale at each λ.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LassoPath {
    /// λ values, decreasing (glmnet's `fit$lambda`).
    pub lambda: Vec<f64>,
    /// Intercept per λ (`fit$a0`).
    pub intercept: Vec<f64>,
    /// Coefficients per λ, then per feature (`fit$beta`, transposed).
    pub beta: Vec<Vec<f64>>,
    /// Fraction of null deviance explained per λ (`fit$dev.ratio`).
    pub dev_ratio: Vec<f64>,
    /// Null deviance `−2 Σ ln L₀` (`fit$nulldev`).
    pub null_deviance: f64,
    /// Total coordinate-descent passes (`fit$npasses`).
    pub passes: usize,
    /// Set when the path was cut short because `maxit` passes were used up (glmnet's
    /// non-fatal warning): the λs before that point are returned.
    pub truncated: Option<String>,
}

impl LassoPath {
    /// Number of non-zero coefficients per λ.
    pub fn nonzero(&self) -> Vec<usize> {
        self.beta.iter().map(|b| b.iter().filter(|&&c| c != 0.0).count()).collect()
    }
}

/// Which λ the CV rule picks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum LambdaRule {
    /// `lambda.min`: the λ with the smallest CV deviance.
    #[serde(rename = "min")]
    Min,
    /// `lambda.1se`: the largest λ within one standard error of the minimum (default; sparser).
    #[default]
    #[serde(rename = "1se")]
    OneSe,
}

/// Cross-validation of a LASSO path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvLasso {
    /// The full-data path.
    pub path: LassoPath,
    /// Mean CV deviance per λ (`cvm`).
    pub cvm: Vec<f64>,
    /// Its standard error per λ (`cvsd`).
    pub cvsd: Vec<f64>,
    /// Non-zero coefficients per λ (`nzero`).
    pub nzero: Vec<usize>,
    /// Index of `lambda.min` in `path.lambda`.
    pub index_min: usize,
    /// Index of `lambda.1se` in `path.lambda`.
    pub index_1se: usize,
    /// Fold of each row (`0..k`).
    pub fold_ids: Vec<usize>,
}

impl CvLasso {
    /// `lambda.min`.
    pub fn lambda_min(&self) -> f64 {
        self.path.lambda[self.index_min]
    }
    /// `lambda.1se`.
    pub fn lambda_1se(&self) -> f64 {
        self.path.lambda[self.index_1se]
    }
    /// The path index the rule picks.
    pub fn index(&self, rule: LambdaRule) -> usize {
        match rule {
            LambdaRule::Min => self.index_min,
            LambdaRule::OneSe => self.index_1se,
        }
    }
}

/// Fits a glmnet binomial LASSO path on `x` (`rows × features`, finite) and 0/1 labels `y`.
///
/// `lambda = None` computes glmnet's sequence (module docs); `Some(λs)` fits exactly those
/// values (sorted decreasingly, no early stopping), as `glmnet(x, y, lambda = λs)`.
pub fn lasso_path(
    x: ArrayView2<'_, f64>,
    y: &[u8],
    settings: &LassoSettings,
    lambda: Option<&[f64]>,
) -> Result<LassoPath> {
    let n = x.nrows();
    let p = x.ncols();
    if y.len() != n {
        return Err(Error::Shape {
            what: "lasso".into(),
            reason: format!("{} labels for {n} rows", y.len()),
        });
    }
    if p == 0 {
        return Err(Error::Shape { what: "lasso".into(), reason: "no feature columns".into() });
    }
    let w = 1.0 / n as f64;
    // Column-major copy, centred and (optionally) scaled; constant columns are excluded (`ju`).
    let mut xs = vec![0.0; n * p];
    let mut xm = vec![0.0; p];
    let mut xsd = vec![1.0; p];
    let mut ju = vec![false; p];
    for j in 0..p {
        let col = x.column(j);
        ju[j] = col.iter().any(|&v| v != col[0]);
        let c = &mut xs[j * n..(j + 1) * n];
        for i in 0..n {
            c[i] = col[i];
        }
        if !ju[j] {
            continue;
        }
        let m: f64 = c.iter().map(|v| w * v).sum();
        xm[j] = m;
        for v in c.iter_mut() {
            *v -= m;
        }
        if settings.standardize {
            let s = c.iter().map(|v| w * v * v).sum::<f64>().sqrt();
            xsd[j] = s;
            for v in c.iter_mut() {
                *v /= s;
            }
        }
    }
    let yf: Vec<f64> = y.iter().map(|&v| f64::from(v)).collect();

    let (flmin, ulam): (f64, Vec<f64>) = match lambda {
        Some(l) => {
            let mut l = l.to_vec();
            l.sort_by(|a, b| b.total_cmp(a));
            (1.0, l)
        }
        None => (settings.lambda_min_ratio.unwrap_or(if n < p { 0.01 } else { 1e-4 }), Vec::new()),
    };
    let nlam = if flmin >= 1.0 { ulam.len() } else { settings.nlambda };

    let mut s = Solver::new(&xs, n, p, &yf, w, ju, settings)?;
    let alf = if flmin < 1.0 { EPS_FLMIN.max(flmin).powf(1.0 / (nlam as f64 - 1.0)) } else { 1.0 };
    let mnl = MNLAM.min(nlam);
    let mut lambdas = Vec::new();
    let mut a0s = Vec::new();
    let mut betas: Vec<Vec<f64>> = Vec::new();
    let mut devs: Vec<f64> = Vec::new();
    let mut truncated = None;
    let mut lmda_curr = 0.0;
    for m in 0..nlam {
        let mut alm0 = lmda_curr;
        let alm = if flmin >= 1.0 {
            ulam[m]
        } else if m > 1 {
            alm0 * alf
        } else if m == 0 {
            BIG
        } else {
            alm0 = (0..p).filter(|&j| s.ju[j]).map(|j| s.ga[j]).fold(0.0, f64::max)
                / settings.alpha.max(1e-3);
            alm0 * alf
        };
        lmda_curr = alm;
        match s.fit_point(alm, alm0) {
            Ok(()) => {}
            Err(MaxPasses) => {
                truncated = Some(format!(
                    "convergence for the {}th lambda value not reached after maxit = {} \
                     passes; solutions for larger lambdas returned",
                    m + 1,
                    settings.maxit
                ));
                break;
            }
        }
        // Store (original scale later).
        let mut beta = vec![0.0; p];
        for &k in &s.active {
            beta[k] = s.b[k];
        }
        lambdas.push(alm);
        a0s.push(s.b0);
        let me = s.active.iter().filter(|&&k| s.b[k] != 0.0).count();
        betas.push(beta);
        let devi = s.deviance_current();
        let dev = (s.dev1 - devi) / s.dev0;
        let prev = if m == 0 { 0.0 } else { devs[m - 1] };
        devs.push(dev);
        let lmu = m + 1;
        if lmu < mnl || flmin >= 1.0 {
            continue;
        }
        if me > p + 1 || dev - prev < FDEV || dev > DEVMAX {
            break;
        }
        if s.var_too_small() {
            break;
        }
    }
    if lambdas.is_empty() {
        return Err(Error::NotConverged {
            what: "lasso: the first lambda of the path".into(),
            iterations: settings.maxit,
        });
    }
    // Back to the original scale, in glmnet's order of operations.
    for (k, beta) in betas.iter_mut().enumerate() {
        for j in 0..p {
            beta[j] /= xsd[j];
        }
        for &j in &s.active {
            a0s[k] -= beta[j] * xm[j];
        }
    }
    if flmin < 1.0 && lambdas.len() > 2 {
        lambdas[0] = (2.0 * lambdas[1].ln() - lambdas[2].ln()).exp();
    }
    Ok(LassoPath {
        lambda: lambdas,
        intercept: a0s,
        beta: betas,
        dev_ratio: devs,
        null_deviance: s.dev0 * 2.0 * n as f64,
        passes: s.nlp,
        truncated,
    })
}

/// Marker: the pass limit was reached.
struct MaxPasses;

/// State of glmnet's two-class point solver, kept along the path (warm starts).
struct Solver<'a> {
    x: &'a [f64],
    n: usize,
    p: usize,
    y: &'a [f64],
    w: f64,
    ju: Vec<bool>,
    b0: f64,
    b: Vec<f64>,
    bs0: f64,
    bs: Vec<f64>,
    q: Vec<f64>,
    v: Vec<f64>,
    r: Vec<f64>,
    xmz: f64,
    xv: Vec<f64>,
    ga: Vec<f64>,
    strong: Vec<bool>,
    /// Features in the order they entered the active set (they never leave it).
    active: Vec<usize>,
    is_active: Vec<bool>,
    nlp: usize,
    maxit: usize,
    /// `α`: the L1 share of the penalty.
    alpha: f64,
    thr: f64,
    dev1: f64,
    dev0: f64,
    dlx: f64,
    fmax: f64,
    vmin: f64,
}

impl<'a> Solver<'a> {
    fn new(
        x: &'a [f64],
        n: usize,
        p: usize,
        y: &'a [f64],
        w: f64,
        ju: Vec<bool>,
        settings: &LassoSettings,
    ) -> Result<Solver<'a>> {
        let q0: f64 = y.iter().map(|&v| w * v).sum();
        if q0 <= PMIN || q0 >= 1.0 - PMIN {
            return Err(Error::Labels { reason: "lasso needs both classes".into() });
        }
        let bz = radlsig_stats::logit(q0);
        let vi = q0 * (1.0 - q0);
        let dev1 = -(bz * q0 + (1.0 - q0).ln());
        let mut s = Solver {
            x,
            n,
            p,
            y,
            w,
            ju,
            b0: bz,
            b: vec![0.0; p],
            bs0: 0.0,
            bs: vec![0.0; p],
            q: vec![q0; n],
            v: vec![vi * w; n],
            r: y.iter().map(|&yi| w * (yi - q0)).collect(),
            xmz: vi,
            xv: vec![0.0; p],
            ga: vec![0.0; p],
            strong: vec![false; p],
            active: Vec::new(),
            is_active: vec![false; p],
            nlp: 0,
            maxit: settings.maxit,
            alpha: settings.alpha,
            thr: settings.thresh * dev1,
            dev1,
            dev0: dev1,
            dlx: 0.0,
            fmax: (1.0 / PMIN - 1.0).ln(),
            vmin: (1.0 + PMIN) * PMIN * (1.0 - PMIN),
        };
        for j in 0..p {
            if s.ju[j] {
                s.ga[j] = s.grad(j).abs();
            }
        }
        Ok(s)
    }

    fn col(&self, j: usize) -> &[f64] {
        &self.x[j * self.n..(j + 1) * self.n]
    }

    /// `rᵀ x_j`.
    fn grad(&self, j: usize) -> f64 {
        self.r.iter().zip(self.col(j)).map(|(r, x)| r * x).sum()
    }

    fn var_too_small(&self) -> bool {
        self.xmz <= self.vmin
    }

    /// glmnet's `dev2`: `−Σ w [y ln p + (1−y) ln(1−p)]`, `p` clamped to `[pmin, 1 − pmin]`.
    fn deviance_current(&self) -> f64 {
        let mut s = 0.0;
        for i in 0..self.n {
            let pi = self.q[i].clamp(PMIN, 1.0 - PMIN);
            s -= self.w * (self.y[i] * pi.ln() + (1.0 - self.y[i]) * (1.0 - pi).ln());
        }
        s
    }

    /// Solves at λ = `lam` (previous λ `prev` for the strong rule), warm-started.
    fn fit_point(&mut self, lam: f64, prev: f64) -> std::result::Result<(), MaxPasses> {
        let tlam = self.alpha * (2.0 * lam - prev);
        for k in 0..self.p {
            if !self.strong[k] && self.ju[k] && self.ga[k] > tlam {
                self.strong[k] = true;
            }
        }
        self.irls(lam)
    }

    fn irls(&mut self, lam: f64) -> std::result::Result<(), MaxPasses> {
        loop {
            if self.nlp > self.maxit {
                return Err(MaxPasses);
            }
            // setup_wls
            self.bs0 = self.b0;
            for &k in &self.active {
                self.bs[k] = self.b[k];
            }
            for j in 0..self.p {
                if self.strong[j] {
                    let c = self.col(j);
                    self.xv[j] = self.v.iter().zip(c).map(|(v, x)| v * x * x).sum();
                }
            }
            // wls
            loop {
                if self.pass(lam, true)? {
                    break;
                }
                while !self.pass(lam, false)? {}
            }
            // update_irls
            for i in 0..self.n {
                let mut fi = self.b0;
                for &k in &self.active {
                    fi += self.b[k] * self.x[k * self.n + i];
                }
                self.q[i] = if fi < -self.fmax {
                    0.0
                } else if fi > self.fmax {
                    1.0
                } else {
                    1.0 / (1.0 + (-fi).exp())
                };
            }
            for i in 0..self.n {
                self.v[i] = self.w * self.q[i] * (1.0 - self.q[i]);
            }
            self.xmz = self.v.iter().sum();
            if self.var_too_small() {
                return Ok(());
            }
            for i in 0..self.n {
                self.r[i] = self.w * (self.y[i] - self.q[i]);
            }
            let d0 = self.b0 - self.bs0;
            let mut converged = self.xmz * d0 * d0 <= self.thr;
            if converged {
                for &k in &self.active {
                    let d = self.b[k] - self.bs[k];
                    if self.xv[k] * d * d > self.thr {
                        converged = false;
                        break;
                    }
                }
            }
            if converged {
                for k in 0..self.p {
                    if !self.strong[k] && self.ju[k] {
                        self.ga[k] = self.grad(k).abs();
                    }
                }
                let mut added = false;
                for k in 0..self.p {
                    if !self.strong[k] && self.ju[k] && self.ga[k] > lam * self.alpha {
                        self.strong[k] = true;
                        added = true;
                    }
                }
                if !added {
                    return Ok(());
                }
            }
        }
    }

    /// One coordinate-descent pass (over the strong set if `full`, else over the active set)
    /// plus the intercept; `Ok(true)` when converged.
    fn pass(&mut self, lam: f64, full: bool) -> std::result::Result<bool, MaxPasses> {
        self.nlp += 1;
        self.dlx = 0.0;
        if full {
            for k in 0..self.p {
                if self.strong[k] {
                    self.update(k, lam);
                }
            }
        } else {
            for idx in 0..self.active.len() {
                let k = self.active[idx];
                self.update(k, lam);
            }
        }
        // Intercept.
        let d = self.r.iter().sum::<f64>() / self.xmz;
        if d != 0.0 {
            self.b0 += d;
            self.dlx = self.dlx.max(self.xmz * d * d);
            for i in 0..self.n {
                self.r[i] -= d * self.v[i];
            }
        }
        if self.dlx < self.thr {
            return Ok(true);
        }
        if self.nlp > self.maxit {
            return Err(MaxPasses);
        }
        Ok(false)
    }

    fn update(&mut self, k: usize, lam: f64) {
        let gk = self.grad(k);
        let old = self.b[k];
        let xv = self.xv[k];
        let u = gk + old * xv;
        let vv = u.abs() - lam * self.alpha;
        let denominator = xv + lam * (1.0 - self.alpha);
        let new = if vv > 0.0 { (vv.copysign(u) / denominator).clamp(-BIG, BIG) } else { 0.0 };
        if new == old {
            return;
        }
        if !self.is_active[k] {
            self.is_active[k] = true;
            self.active.push(k);
        }
        self.b[k] = new;
        let diff = new - old;
        self.dlx = self.dlx.max(xv * diff * diff);
        let n = self.n;
        let col = &self.x[k * n..(k + 1) * n];
        for ((r, v), x) in self.r.iter_mut().zip(&self.v).zip(col) {
            *r -= diff * v * x;
        }
    }
}

/// glmnet's `lambda.interp` followed by R's `approx`: for each `s`, the pair of path indices and
/// the weight of the left one.
fn lambda_interp(lambda: &[f64], s: &[f64]) -> Vec<(usize, usize, f64)> {
    let k = lambda.len();
    if k == 1 {
        return s.iter().map(|_| (0, 0, 1.0)).collect();
    }
    let (l0, lk) = (lambda[0], lambda[k - 1]);
    let norm: Vec<f64> = lambda.iter().map(|&l| (l0 - l) / (l0 - lk)).collect();
    let lo = norm.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = norm.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    s.iter()
        .map(|&sv| {
            let mut sfrac = (l0 - sv) / (l0 - lk);
            if sfrac < lo {
                sfrac = lo;
            }
            if sfrac > hi {
                sfrac = hi;
            }
            let coord = approx_index(&norm, sfrac);
            let left = coord.floor() as usize; // 1-based
            let right = coord.ceil() as usize;
            let (l, r) = (left - 1, right - 1);
            let mut frac = (sfrac - norm[r]) / (norm[l] - norm[r]);
            if left == right || (norm[l] - norm[r]).abs() < f64::EPSILON {
                frac = 1.0;
            }
            (l, r, frac)
        })
        .collect()
}

/// R's `approx(x, seq_along(x), v)$y` for increasing `x` and `v` inside its range.
fn approx_index(x: &[f64], v: f64) -> f64 {
    let (mut i, mut j) = (0usize, x.len() - 1);
    while i + 1 < j {
        let ij = (i + j) / 2;
        if v < x[ij] {
            j = ij;
        } else {
            i = ij;
        }
    }
    let (yi, yj) = ((i + 1) as f64, (j + 1) as f64);
    if v == x[j] {
        return yj;
    }
    if v == x[i] {
        return yi;
    }
    yi + (yj - yi) * ((v - x[i]) / (x[j] - x[i]))
}

/// Cross-validates the LASSO path with the given fold of each row (`0..k`), as
/// `cv.glmnet(x, y, family = "binomial", foldid = fold_ids + 1)` (module docs).
///
/// Folds are fitted in parallel; each is deterministic and they are combined in fold order, so
/// the result does not depend on the number of threads.
pub fn cv_lasso(
    x: ArrayView2<'_, f64>,
    y: &[u8],
    fold_ids: &[usize],
    settings: &LassoSettings,
) -> Result<CvLasso> {
    let n = x.nrows();
    if fold_ids.len() != n {
        return Err(Error::Shape {
            what: "lasso cross-validation".into(),
            reason: format!("{} fold IDs for {n} rows", fold_ids.len()),
        });
    }
    let k = fold_ids.iter().copied().max().map_or(0, |m| m + 1);
    if k < 3 {
        return Err(Error::Shape {
            what: "lasso cross-validation".into(),
            reason: format!("needs at least 3 folds, got {k}"),
        });
    }
    let path = lasso_path(x, y, settings, None)?;
    let nl = path.lambda.len();
    // Per fold: held-out rows and their link predictions at every full-data λ.
    type FoldPredictions = Result<(Vec<usize>, Vec<Vec<f64>>)>;
    let fold_preds: Vec<FoldPredictions> = (0..k)
        .into_par_iter()
        .map(|f| {
            let (train, test) = radlsig_stats::fold_split(fold_ids, f);
            let xt = x.select(ndarray::Axis(0), &train);
            let yt: Vec<u8> = train.iter().map(|&i| y[i]).collect();
            let fp = lasso_path(xt.view(), &yt, settings, None)?;
            let interp = lambda_interp(&fp.lambda, &path.lambda);
            // preds[row][λ] = link.
            let preds = test
                .iter()
                .map(|&i| {
                    let xi = x.row(i);
                    interp
                        .iter()
                        .map(|&(l, r, frac)| {
                            let a0 = fp.intercept[l] * frac + fp.intercept[r] * (1.0 - frac);
                            let mut eta = a0;
                            for j in 0..xi.len() {
                                let bj = fp.beta[l][j] * frac + fp.beta[r][j] * (1.0 - frac);
                                eta += xi[j] * bj;
                            }
                            eta
                        })
                        .collect()
                })
                .collect();
            Ok((test, preds))
        })
        .collect();
    // cvraw[row][λ]
    let mut cvraw = vec![vec![0.0; nl]; n];
    for fp in fold_preds {
        let (test, preds) = fp?;
        for (t, &i) in test.iter().enumerate() {
            for l in 0..nl {
                let p = (1.0 / (1.0 + (-preds[t][l]).exp())).clamp(CV_PROB_MIN, 1.0 - CV_PROB_MIN);
                let yi = f64::from(y[i]);
                let lp = (1.0 - yi) * (1.0 - p).ln() + yi * p.ln();
                cvraw[i][l] = -2.0 * lp;
            }
        }
    }
    let grouped = n as f64 / k as f64 >= 3.0;
    let (cvm, cvsd) = if grouped {
        let sizes: Vec<f64> =
            (0..k).map(|f| fold_ids.iter().filter(|&&g| g == f).count() as f64).collect();
        let total: f64 = sizes.iter().sum();
        let mut cvm = vec![0.0; nl];
        let mut cvsd = vec![0.0; nl];
        for l in 0..nl {
            let means: Vec<f64> = (0..k)
                .map(|f| {
                    let s: f64 = (0..n).filter(|&i| fold_ids[i] == f).map(|i| cvraw[i][l]).sum();
                    s / sizes[f]
                })
                .collect();
            let m = (0..k).map(|f| means[f] * sizes[f]).sum::<f64>() / total;
            let v = (0..k).map(|f| (means[f] - m).powi(2) * sizes[f]).sum::<f64>() / total;
            cvm[l] = m;
            cvsd[l] = (v / (k as f64 - 1.0)).sqrt();
        }
        (cvm, cvsd)
    } else {
        let mut cvm = vec![0.0; nl];
        let mut cvsd = vec![0.0; nl];
        for l in 0..nl {
            let m = (0..n).map(|i| cvraw[i][l]).sum::<f64>() / n as f64;
            let v = (0..n).map(|i| (cvraw[i][l] - m).powi(2)).sum::<f64>() / n as f64;
            cvm[l] = m;
            cvsd[l] = (v / (n as f64 - 1.0)).sqrt();
        }
        (cvm, cvsd)
    };
    let cvmin = cvm.iter().copied().fold(f64::INFINITY, f64::min);
    let index_min = cvm.iter().position(|&c| c <= cvmin).expect("cvm is not empty");
    let semin = cvm[index_min] + cvsd[index_min];
    let index_1se = cvm.iter().position(|&c| c <= semin).expect("index_min qualifies");
    let nzero = path.nonzero();
    Ok(CvLasso { path, cvm, cvsd, nzero, index_min, index_1se, fold_ids: fold_ids.to_vec() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn approx_matches_r_at_knots_and_between() {
        let x = [0.0, 0.25, 1.0];
        assert_eq!(approx_index(&x, 0.0), 1.0);
        assert_eq!(approx_index(&x, 0.25), 2.0);
        assert_eq!(approx_index(&x, 1.0), 3.0);
        assert_abs_diff_eq!(approx_index(&x, 0.625), 2.5);
    }

    #[test]
    fn interpolation_clamps_outside_the_fold_path() {
        let lam = [1.0, 0.5, 0.25];
        let r = lambda_interp(&lam, &[2.0, 0.75, 0.1]);
        assert_eq!((r[0].0, r[0].1, r[0].2), (0, 0, 1.0));
        // 0.75 is halfway between 1.0 and 0.5 → left 0, right 1, weight ½.
        assert_eq!((r[1].0, r[1].1), (0, 1));
        assert_abs_diff_eq!(r[1].2, 0.5, epsilon = 1e-15);
        assert_eq!((r[2].0, r[2].1, r[2].2), (2, 2, 1.0));
    }

    #[test]
    fn lambda_max_zeroes_every_coefficient() {
        // The first λ is λ_max = max_j |x̃_jᵀ(y − ȳ)|/n on standardised columns. Two columns,
        // y = (0, 0, 1, 1), x₁ = (−1, −1, 1, 1) (already standardised: mean 0, population sd 1)
        // → |Σ x₁ (y − ½)|/4 = (4·½)/4 = ½.
        let x = ndarray::array![[-1.0, 0.3], [-1.0, -0.2], [1.0, 0.1], [1.0, 0.0]];
        let path = lasso_path(x.view(), &[0, 0, 1, 1], &LassoSettings::default(), None).unwrap();
        assert_abs_diff_eq!(path.lambda[0], 0.5, epsilon = 1e-12);
        assert!(path.beta[0].iter().all(|&b| b == 0.0));
        assert_abs_diff_eq!(path.intercept[0], 0.0, epsilon = 1e-12);
    }
}
