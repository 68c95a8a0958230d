//! Intravoxel incoherent motion (Le Bihan 1988): the bi-exponential
//! `S(b) = S₀ [f · exp(−b D*) + (1 − f) · exp(−b D)]`, with the tissue diffusion `D`, the
//! pseudo-diffusion `D* > D` of perfusing blood and its signal fraction `f`.
//!
//! * [`ivim_segmented`]: the two-step fit used in most clinical IVIM studies. Above the
//!   b-threshold (200 s/mm² by default) the perfusion term has decayed, so a log-linear fit of
//!   `S(b) ≈ S₀′ exp(−b D)` on those b-values gives `D` and the intercept `S₀′`; with `S₀` the
//!   mean signal at the lowest b-value (which must be 0), `f = 1 − S₀′/S₀`; then `D*` is the
//!   least-squares fit of the full model with `S₀`, `f` and `D` held.
//! * [`ivim_full`]: least squares of all four parameters at once (Levenberg–Marquardt from the
//!   segmented estimate) — DIPY's `IvimModel` (`fit_method = "trr"`) ends with the same fit
//!   from its own segmented start.
//!
//! Bounds (b in s/mm²): `S₀ ≥ 0`, `0 ≤ f ≤ 1`, `0 ≤ D ≤ 0.005` mm²/s (free water at body
//! temperature ≈ 0.003) and `0.005 ≤ D* ≤ 1`. Keeping D* above every D removes the model's
//! label switching: without it a noisy voxel's best fit can be the swapped solution (f near
//! 1, the slow "perfusion" term playing tissue), which has the lower sum of squares but no
//! meaning.

use crate::adc::{adc_log_linear, check_b_values};
use crate::error::{Error, Result};
use crate::lm::{Model, levenberg_marquardt};

/// A fitted IVIM decay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct IvimFit {
    /// The signal at b = 0.
    pub s0: f64,
    /// The perfusion fraction `f`.
    pub f: f64,
    /// The pseudo-diffusion coefficient `D*` (units of 1/b).
    pub d_star: f64,
    /// The diffusion coefficient `D` (units of 1/b).
    pub d: f64,
    /// Root mean square of `S − Ŝ` over the b-values.
    pub rmse: f64,
}

impl IvimFit {
    /// The model's signal at `b`.
    pub fn signal(&self, b: f64) -> f64 {
        self.s0 * (self.f * (-b * self.d_star).exp() + (1.0 - self.f) * (-b * self.d).exp())
    }
}

/// An IVIM protocol: its b-values and the threshold above which perfusion is neglected.
#[derive(Clone, Debug, PartialEq)]
pub struct IvimProtocol {
    b: Vec<f64>,
    threshold: f64,
    /// Indices of the b-values above the threshold, and of those at b = 0.
    high: Vec<usize>,
    zero: Vec<usize>,
}

impl IvimProtocol {
    /// Checks the protocol: b = 0 present, at least two distinct b-values above `threshold`
    /// and one between 0 and it (else D* is not identifiable). `what` names the series.
    pub fn new(b: &[f64], threshold: f64, what: &str) -> Result<IvimProtocol> {
        check_b_values(b, what)?;
        let bad = |reason: String| Err(Error::Protocol { what: what.into(), reason });
        let zero: Vec<usize> = (0..b.len()).filter(|&i| b[i] == 0.0).collect();
        let high: Vec<usize> = (0..b.len()).filter(|&i| b[i] > threshold).collect();
        if zero.is_empty() {
            return bad(format!("IVIM needs a b = 0 image, b-values {b:?}"));
        }
        let mut distinct_high: Vec<f64> = high.iter().map(|&i| b[i]).collect();
        distinct_high.dedup();
        if distinct_high.len() < 2 {
            return bad(format!(
                "IVIM needs at least two b-values above the threshold {threshold}, got {b:?}"
            ));
        }
        if !b.iter().any(|&v| v > 0.0 && v <= threshold) {
            return bad(format!(
                "IVIM needs a b-value between 0 and the threshold {threshold} (D* is fitted \
                 there), got {b:?}"
            ));
        }
        Ok(IvimProtocol { b: b.to_vec(), threshold, high, zero })
    }

    /// The b-values.
    pub fn b_values(&self) -> &[f64] {
        &self.b
    }

    /// The threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }
}

struct Perfusion<'a> {
    b: &'a [f64],
    s0: f64,
    f: f64,
    d: f64,
}

impl Model<1> for Perfusion<'_> {
    fn eval(&self, i: usize, t: &[f64; 1]) -> (f64, [f64; 1]) {
        let b = self.b[i];
        let e = (-b * t[0]).exp();
        let v = self.s0 * (self.f * e + (1.0 - self.f) * (-b * self.d).exp());
        (v, [-self.s0 * self.f * b * e])
    }
    fn len(&self) -> usize {
        self.b.len()
    }
}

struct Full<'a> {
    b: &'a [f64],
}

impl Model<4> for Full<'_> {
    /// θ = (S₀, f, D*, D).
    fn eval(&self, i: usize, t: &[f64; 4]) -> (f64, [f64; 4]) {
        let b = self.b[i];
        let (s0, f, ds, d) = (t[0], t[1], t[2], t[3]);
        let (ep, ed) = ((-b * ds).exp(), (-b * d).exp());
        let shape = f * ep + (1.0 - f) * ed;
        (s0 * shape, [shape, s0 * (ep - ed), -s0 * f * b * ep, -s0 * (1.0 - f) * b * ed])
    }
    fn len(&self) -> usize {
        self.b.len()
    }
}

/// Bounds of (S₀, f, D*, D) (module docs).
pub const LOWER: [f64; 4] = [0.0, 0.0, 0.005, 0.0];
/// Upper bounds of (S₀, f, D*, D) (module docs).
pub const UPPER: [f64; 4] = [f64::INFINITY, 1.0, 1.0, 0.005];

/// The segmented IVIM fit of signals `s` (module docs). `None` when a signal above the
/// threshold or at b = 0 is not positive.
pub fn ivim_segmented(protocol: &IvimProtocol, s: &[f64]) -> Option<IvimFit> {
    let b = &protocol.b;
    debug_assert_eq!(b.len(), s.len());
    if s.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let hb: Vec<f64> = protocol.high.iter().map(|&i| b[i]).collect();
    let hs: Vec<f64> = protocol.high.iter().map(|&i| s[i]).collect();
    let tissue = adc_log_linear(&hb, &hs)?;
    let s0 = protocol.zero.iter().map(|&i| s[i]).sum::<f64>() / protocol.zero.len() as f64;
    if !(s0 > 0.0) {
        return None;
    }
    let d = tissue.adc.clamp(LOWER[3], UPPER[3]);
    let f = (1.0 - tissue.s0 / s0).clamp(0.0, 1.0);
    // D* from a start ten times D (at least 0.01), by the one-parameter fit.
    let model = Perfusion { b, s0, f, d };
    let fit = levenberg_marquardt(&model, s, [(10.0 * d).max(0.01)], [LOWER[2]], [UPPER[2]]);
    Some(IvimFit { s0, f, d_star: fit.theta[0], d, rmse: (fit.sse / b.len() as f64).sqrt() })
}

/// The full bi-exponential IVIM fit of signals `s` (module docs), from the segmented fit.
/// Where that ends on a bound of `f` or `D*` (at `f = 0` the data say nothing of `D*`, and
/// the descent stalls), it restarts from `f = 0.1` with `D*` = 0.01, 0.03 and 0.1 and keeps
/// the lowest sum of squares.
pub fn ivim_full(protocol: &IvimProtocol, s: &[f64]) -> Option<IvimFit> {
    let start = ivim_segmented(protocol, s)?;
    let b = &protocol.b;
    let model = Full { b };
    let run = |t: [f64; 4]| levenberg_marquardt(&model, s, t, LOWER, UPPER);
    let mut best = run([start.s0, start.f, start.d_star, start.d]);
    let [_, f, d_star, _] = best.theta;
    if f <= LOWER[1] || f >= UPPER[1] || d_star <= LOWER[2] || d_star >= UPPER[2] {
        for ds in [0.01, 0.03, 0.1] {
            let fit = run([start.s0, 0.1, ds, start.d]);
            if fit.sse < best.sse {
                best = fit;
            }
        }
    }
    let [s0, f, d_star, d] = best.theta;
    Some(IvimFit { s0, f, d_star, d, rmse: (best.sse / b.len() as f64).sqrt() })
}

/// How the IVIM parameters are fitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IvimMethod {
    /// [`ivim_segmented`].
    Segmented,
    /// [`ivim_full`].
    Full,
}

/// Fits every voxel of `signals` (voxel-major: voxel `v`'s signals at the protocol's b-values
/// are `signals[v·n_b..(v+1)·n_b]`) in parallel; `None` for a voxel whose signals cannot be
/// fitted (background: a non-positive signal at b = 0 or above the threshold).
pub fn ivim_voxels(
    protocol: &IvimProtocol,
    signals: &[f64],
    method: IvimMethod,
) -> Vec<Option<IvimFit>> {
    use rayon::prelude::*;
    let n_b = protocol.b.len();
    assert_eq!(signals.len() % n_b, 0, "signals hold {n_b} values per voxel");
    signals
        .par_chunks(n_b)
        .map(|s| match method {
            IvimMethod::Segmented => ivim_segmented(protocol, s),
            IvimMethod::Full => ivim_full(protocol, s),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: [f64; 10] = [0.0, 10.0, 20.0, 40.0, 80.0, 150.0, 300.0, 500.0, 800.0, 1000.0];

    #[test]
    fn a_noiseless_decay_is_recovered_by_the_full_fit() {
        let truth = IvimFit { s0: 1000.0, f: 0.12, d_star: 0.02, d: 0.9e-3, rmse: 0.0 };
        let s: Vec<f64> = B.iter().map(|&b| truth.signal(b)).collect();
        let p = IvimProtocol::new(&B, 200.0, "dwi").unwrap();
        let fit = ivim_full(&p, &s).unwrap();
        for (got, want) in [(fit.s0, 1000.0), (fit.f, 0.12), (fit.d_star, 0.02), (fit.d, 0.9e-3)] {
            assert!(((got - want) / want).abs() < 1e-6, "{fit:?}");
        }
        // The segmented fit is biased by the perfusion left above the threshold (e^{−300·0.02}
        // ≈ 0.25 %), a little: D within 1 %, f within 5 %.
        let seg = ivim_segmented(&p, &s).unwrap();
        assert!(((seg.d - 0.9e-3) / 0.9e-3).abs() < 0.01, "{seg:?}");
        assert!(((seg.f - 0.12) / 0.12).abs() < 0.05, "{seg:?}");
    }

    #[test]
    fn protocols_that_cannot_identify_the_model_are_rejected() {
        let err = IvimProtocol::new(&[10.0, 300.0, 800.0], 200.0, "dwi.nii").unwrap_err();
        assert!(err.to_string().contains("dwi.nii") && err.to_string().contains("b = 0"), "{err}");
        let err = IvimProtocol::new(&[0.0, 50.0, 800.0], 200.0, "dwi").unwrap_err();
        assert!(err.to_string().contains("two b-values above"), "{err}");
        let err = IvimProtocol::new(&[0.0, 300.0, 800.0], 200.0, "dwi").unwrap_err();
        assert!(err.to_string().contains("between 0 and the threshold"), "{err}");
    }
}
