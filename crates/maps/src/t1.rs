//! T1 relaxation maps.
//!
//! * [`t1_vfa`]: variable flip angle (spoiled gradient echo, DESPOT1; Deoni 2003):
//!   `S(α) = M₀ sin α (1 − E₁)/(1 − E₁ cos α)`, `E₁ = exp(−TR/T1)`. Linear in the transformed
//!   signals, `S/sin α = E₁ · S/tan α + M₀(1 − E₁)`: the least-squares line through
//!   `(S/tan α, S/sin α)` gives `E₁` (slope) and `M₀` (intercept / (1 − E₁)), then a
//!   Levenberg–Marquardt fit of `S` itself refines `(M₀, T1)` from there.
//! * [`t1_inversion_recovery`]: inversion recovery magnitude images,
//!   `|S(TI)| = |a + b · exp(−TI/T1)|` (Barral 2010's RD-NLS: `a ≈ M₀`, `b ≈ −2M₀` for a perfect
//!   inversion, the inversion efficiency left free). For each polarity restoration (the first
//!   k signals, by TI, negated) `a` and `b` are linear least squares for a given T1, and T1 is
//!   found by a log-spaced grid and golden-section search of the residual; the polarity with
//!   the lowest residual wins.
//!
//! Times (TR, TI, T1) share their unit (ms by convention); flip angles are in degrees.

use crate::lm::{Model, least_squares_line, levenberg_marquardt};

/// A fitted T1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct T1Fit {
    /// Equilibrium magnetisation `M₀` (VFA) or `a` (inversion recovery).
    pub m0: f64,
    /// T1 (the unit of TR / TI).
    pub t1: f64,
    /// Root mean square of `S − Ŝ`.
    pub rmse: f64,
}

struct Spgr<'a> {
    alpha: &'a [f64],
    tr: f64,
}

impl Model<2> for Spgr<'_> {
    /// θ = (M₀, T1).
    fn eval(&self, i: usize, t: &[f64; 2]) -> (f64, [f64; 2]) {
        let (sa, ca) = self.alpha[i].sin_cos();
        let e = (-self.tr / t[1]).exp();
        let den = 1.0 - e * ca;
        let shape = sa * (1.0 - e) / den;
        // ∂shape/∂E = sa · (−den + (1 − E) cos α)/den² = sa (cos α − 1)/den².
        let d_shape_d_e = sa * (ca - 1.0) / (den * den);
        let d_e_d_t1 = e * self.tr / (t[1] * t[1]);
        (t[0] * shape, [shape, t[0] * d_shape_d_e * d_e_d_t1])
    }
    fn len(&self) -> usize {
        self.alpha.len()
    }
}

/// The VFA T1 fit of signals `s` at flip angles `flip_degrees` and repetition time `tr`
/// (module docs). `None` when fewer than two distinct angles, a signal is not finite, or the
/// line gives no `0 < E₁ < 1` (no T1).
pub fn t1_vfa(flip_degrees: &[f64], s: &[f64], tr: f64) -> Option<T1Fit> {
    let alpha: Vec<f64> = flip_degrees.iter().map(|a| a.to_radians()).collect();
    if s.iter().any(|v| !v.is_finite()) || !(tr > 0.0) {
        return None;
    }
    let x: Vec<f64> = alpha.iter().zip(s).map(|(a, s)| s / a.tan()).collect();
    let y: Vec<f64> = alpha.iter().zip(s).map(|(a, s)| s / a.sin()).collect();
    let n = x.len() as f64;
    let (intercept, e1) = least_squares_line(&x, &y)?;
    if !(e1 > 0.0 && e1 < 1.0) {
        return None;
    }
    let m0 = intercept / (1.0 - e1);
    let t1 = -tr / e1.ln();
    let fit = levenberg_marquardt(
        &Spgr { alpha: &alpha, tr },
        s,
        [m0, t1],
        [0.0, 1e-6 * tr],
        [f64::INFINITY, 1e6 * tr],
    );
    Some(T1Fit { m0: fit.theta[0], t1: fit.theta[1], rmse: (fit.sse / n).sqrt() })
}

/// For a given T1, the least-squares `(a, b)` of `y ≈ a + b·exp(−TI/T1)` and its residual.
fn linear_ab(ti: &[f64], y: &[f64], t1: f64) -> (f64, f64, f64) {
    let x: Vec<f64> = ti.iter().map(|t| (-t / t1).exp()).collect();
    // Every exp(−TI/T1) equal (T1 far above the TIs): the best constant.
    let (a, b) =
        least_squares_line(&x, y).unwrap_or_else(|| (y.iter().sum::<f64>() / y.len() as f64, 0.0));
    let sse = x.iter().zip(y).map(|(xi, yi)| (yi - a - b * xi).powi(2)).sum();
    (a, b, sse)
}

/// The inversion-recovery T1 fit of magnitude signals `s` at inversion times `ti` (module
/// docs), T1 searched in `[t1_min, t1_max]`. `None` when fewer than three distinct TIs or a
/// signal is not finite.
pub fn t1_inversion_recovery(ti: &[f64], s: &[f64], t1_min: f64, t1_max: f64) -> Option<T1Fit> {
    if s.iter().any(|v| !v.is_finite()) || ti.len() < 3 || !(t1_min > 0.0 && t1_max > t1_min) {
        return None;
    }
    let mut order: Vec<usize> = (0..ti.len()).collect();
    order.sort_by(|&i, &j| ti[i].total_cmp(&ti[j]));
    let t: Vec<f64> = order.iter().map(|&i| ti[i]).collect();
    let mag: Vec<f64> = order.iter().map(|&i| s[i].abs()).collect();
    let (lo, hi) = (t1_min.ln(), t1_max.ln());
    let mut best: Option<(f64, f64, f64, f64)> = None; // (sse, a, b, t1)
    let mut y = mag.clone();
    for k in 0..=t.len() {
        if k > 0 {
            y[k - 1] = -mag[k - 1];
        }
        let cost = |u: f64| linear_ab(&t, &y, u.exp()).2;
        // A log-spaced grid, then golden-section search around its best point.
        let grid = 200;
        let step = (hi - lo) / grid as f64;
        let (g, _) = (0..=grid)
            .map(|i| (i, cost(lo + step * i as f64)))
            .fold((0, f64::INFINITY), |acc, (i, c)| if c < acc.1 { (i, c) } else { acc });
        let (mut a, mut b) =
            ((lo + step * (g as f64 - 1.0)).max(lo), (lo + step * (g as f64 + 1.0)).min(hi));
        let r = (5f64.sqrt() - 1.0) / 2.0;
        let (mut c, mut d) = (b - r * (b - a), a + r * (b - a));
        let (mut fc, mut fd) = (cost(c), cost(d));
        for _ in 0..100 {
            if fc < fd {
                b = d;
                d = c;
                fd = fc;
                c = b - r * (b - a);
                fc = cost(c);
            } else {
                a = c;
                c = d;
                fc = fd;
                d = a + r * (b - a);
                fd = cost(d);
            }
            if (b - a).abs() < 1e-12 {
                break;
            }
        }
        let t1 = (0.5 * (a + b)).exp();
        let (pa, pb, sse) = linear_ab(&t, &y, t1);
        if best.is_none_or(|bst| sse < bst.0) {
            best = Some((sse, pa, pb, t1));
        }
    }
    let (sse, a, _, t1) = best?;
    Some(T1Fit { m0: a, t1, rmse: (sse / t.len() as f64).sqrt() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noiseless_vfa_and_inversion_recovery_are_recovered() {
        let (m0, t1, tr): (f64, f64, f64) = (1500.0, 1100.0, 15.0);
        let angles = [2.0, 5.0, 10.0, 15.0, 20.0];
        let s: Vec<f64> = angles
            .iter()
            .map(|a: &f64| {
                let (sa, ca) = a.to_radians().sin_cos();
                let e = (-tr / t1).exp();
                m0 * sa * (1.0 - e) / (1.0 - e * ca)
            })
            .collect();
        let fit = t1_vfa(&angles, &s, tr).unwrap();
        assert!(((fit.t1 - t1) / t1).abs() < 1e-9 && ((fit.m0 - m0) / m0).abs() < 1e-9, "{fit:?}");

        // Imperfect inversion (b = −1.9 a), magnitude images.
        let ti = [50.0, 150.0, 400.0, 800.0, 1500.0, 3000.0];
        let s: Vec<f64> =
            ti.iter().map(|t: &f64| (1000.0f64 - 1900.0 * (-t / 900.0f64).exp()).abs()).collect();
        let fit = t1_inversion_recovery(&ti, &s, 10.0, 5000.0).unwrap();
        assert!(((fit.t1 - 900.0) / 900.0).abs() < 1e-8, "{fit:?}");
        assert!(((fit.m0 - 1000.0) / 1000.0).abs() < 1e-8, "{fit:?}");
    }
}
