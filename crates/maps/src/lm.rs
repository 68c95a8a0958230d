//! A small bounded Levenberg–Marquardt least-squares solver for the signal models of this
//! crate (2–4 parameters, tens of measurements, millions of voxels: no allocation per call).
//!
//! Minimises `Φ(θ) = Σ_i (y_i − m(x_i; θ))²` with Marquardt's scaling: each step solves
//! `(JᵀJ + λ diag(JᵀJ)) δ = Jᵀr` (`r = y − m`, `J = ∂m/∂θ`), accepts it when `Φ` decreases
//! (then λ ← λ/10) and otherwise retries with λ ← 10λ. Parameters are clamped to their box after
//! every step (a projected step). Stops when the relative decrease of `Φ` and the relative step
//! are both below `1e-12`, or after 200 steps.

/// The least-squares line `y ≈ a + b·x`: `b = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²`, `a = ȳ − b·x̄`,
/// returned as `(a, b)`; `None` when every `x` is the same (no slope). The linear steps of the
/// fits (log-linear ADC, the DESPOT1 line, inversion recovery at a given T1) share it.
pub(crate) fn least_squares_line(x: &[f64], y: &[f64]) -> Option<(f64, f64)> {
    debug_assert_eq!(x.len(), y.len());
    let n = x.len() as f64;
    let (xm, ym) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - xm).powi(2)).sum();
    if !(sxx > 0.0) {
        return None;
    }
    let b = x.iter().zip(y).map(|(a, c)| (a - xm) * (c - ym)).sum::<f64>() / sxx;
    Some((ym - b * xm, b))
}

/// The model: for measurement `i`, its value and its gradient in the parameters.
pub(crate) trait Model<const P: usize> {
    /// `m(x_i; θ)` and `∂m/∂θ` at `θ`.
    fn eval(&self, i: usize, theta: &[f64; P]) -> (f64, [f64; P]);
    /// The number of measurements.
    fn len(&self) -> usize;
}

/// The result of a fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct LmFit<const P: usize> {
    pub theta: [f64; P],
    /// `Φ` at `theta`.
    pub sse: f64,
}

fn sse<const P: usize, M: Model<P>>(m: &M, y: &[f64], theta: &[f64; P]) -> f64 {
    (0..m.len()).map(|i| (y[i] - m.eval(i, theta).0).powi(2)).sum()
}

/// Solves the `P × P` system `a x = b` by Gaussian elimination with partial pivoting; `None`
/// when it is singular.
fn solve<const P: usize>(mut a: [[f64; P]; P], mut b: [f64; P]) -> Option<[f64; P]> {
    for col in 0..P {
        let pivot = (col..P).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for r in col + 1..P {
            let f = a[r][col] / a[col][col];
            for c in col..P {
                a[r][c] -= f * a[col][c];
            }
            b[r] -= f * b[col];
        }
    }
    let mut x = [0.0; P];
    for r in (0..P).rev() {
        let s: f64 = (r + 1..P).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Fits `model` to `y` from `start`, each parameter kept in `[lower_k, upper_k]`.
pub(crate) fn levenberg_marquardt<const P: usize, M: Model<P>>(
    model: &M,
    y: &[f64],
    start: [f64; P],
    lower: [f64; P],
    upper: [f64; P],
) -> LmFit<P> {
    let clamp = |t: [f64; P]| {
        let mut out = t;
        for k in 0..P {
            out[k] = t[k].clamp(lower[k], upper[k]);
        }
        out
    };
    let mut theta = clamp(start);
    let mut phi = sse(model, y, &theta);
    let mut lambda = 1e-3;
    for _ in 0..200 {
        let mut jtj = [[0.0; P]; P];
        let mut jtr = [0.0; P];
        for i in 0..model.len() {
            let (v, g) = model.eval(i, &theta);
            let r = y[i] - v;
            for a in 0..P {
                jtr[a] += g[a] * r;
                for b in 0..P {
                    jtj[a][b] += g[a] * g[b];
                }
            }
        }
        let mut improved = false;
        while lambda < 1e12 {
            let mut a = jtj;
            for k in 0..P {
                a[k][k] += lambda * jtj[k][k].max(1e-300);
            }
            let Some(delta) = solve(a, jtr) else {
                lambda *= 10.0;
                continue;
            };
            let mut next = theta;
            for k in 0..P {
                next[k] += delta[k];
            }
            let next = clamp(next);
            let phi_next = sse(model, y, &next);
            if phi_next < phi {
                let step: f64 = (0..P)
                    .map(|k| ((next[k] - theta[k]) / theta[k].abs().max(1e-300)).abs())
                    .fold(0.0, f64::max);
                let decrease = (phi - phi_next) / phi.max(1e-300);
                theta = next;
                phi = phi_next;
                lambda = (lambda / 10.0).max(1e-12);
                improved = true;
                if decrease < 1e-12 && step < 1e-12 {
                    return LmFit { theta, sse: phi };
                }
                break;
            }
            lambda *= 10.0;
        }
        if !improved {
            break;
        }
    }
    LmFit { theta, sse: phi }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Line<'a>(&'a [f64]);
    impl Model<2> for Line<'_> {
        fn eval(&self, i: usize, t: &[f64; 2]) -> (f64, [f64; 2]) {
            (t[0] + t[1] * self.0[i], [1.0, self.0[i]])
        }
        fn len(&self) -> usize {
            self.0.len()
        }
    }

    #[test]
    fn a_linear_model_gets_the_least_squares_line() {
        // y = 1 + 2x with residuals (+1, −1, −1, +1) orthogonal to 1 and x: the fit is (1, 2).
        let x = [0.0, 1.0, 2.0, 3.0];
        let y = [2.0, 2.0, 4.0, 8.0];
        let fit = levenberg_marquardt(&Line(&x), &y, [0.0, 0.0], [-10.0; 2], [10.0; 2]);
        assert!((fit.theta[0] - 1.0).abs() < 1e-9 && (fit.theta[1] - 2.0).abs() < 1e-9, "{fit:?}");
        assert!((fit.sse - 4.0).abs() < 1e-9);
        // The closed-form line of the same points, and no line through one x.
        let (a, b) = least_squares_line(&x, &y).unwrap();
        assert!((a - 1.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12, "{a} {b}");
        assert_eq!(least_squares_line(&[3.0, 3.0], &[1.0, 2.0]), None);
        // A bound that binds: the slope at its upper bound 1.5.
        let fit = levenberg_marquardt(&Line(&x), &y, [0.0, 0.0], [-10.0; 2], [10.0, 1.5]);
        assert_eq!(fit.theta[1], 1.5);
    }
}
