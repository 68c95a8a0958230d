//! The apparent diffusion coefficient (ADC) of a diffusion-weighted series:
//! the mono-exponential model `S(b) = S₀ · exp(−b · ADC)`.
//!
//! * [`adc_log_linear`]: ordinary least squares of `ln S` on `b` (the scanner's ADC map),
//!   `ADC = −Σ(b − b̄)(ln S − m̄) / Σ(b − b̄)²`, `ln S₀ = m̄ + ADC · b̄`.
//! * [`adc_nonlinear`]: least squares of `S` itself (Levenberg–Marquardt from the log-linear
//!   estimate, `S₀ ≥ 0`, `0 ≤ ADC ≤ 1` in the units of `1/b`), which weighs the low-b signals
//!   as the noise does rather than the log transform's `1/S²`.
//!
//! Units follow the b-values: with b in s/mm², ADC is in mm²/s (tissue ≈ 0.5–3 × 10⁻³).

use crate::error::{Error, Result};
use crate::lm::{Model, least_squares_line, levenberg_marquardt};

/// A fitted mono-exponential decay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdcFit {
    /// The signal at b = 0.
    pub s0: f64,
    /// The ADC (units of 1/b).
    pub adc: f64,
    /// Root mean square of `S − Ŝ` over the b-values (the residual map).
    pub rmse: f64,
}

/// Checks a protocol: at least two distinct finite b-values ≥ 0.
pub(crate) fn check_b_values(b: &[f64], what: &str) -> Result<()> {
    if let Some(v) = b.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(Error::Protocol {
            what: what.into(),
            reason: format!("b-value {v} is not finite and ≥ 0"),
        });
    }
    let mut distinct: Vec<f64> = b.to_vec();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < 2 {
        return Err(Error::Protocol {
            what: what.into(),
            reason: format!("a diffusion fit needs at least two distinct b-values, got {b:?}"),
        });
    }
    Ok(())
}

fn rmse(b: &[f64], s: &[f64], f: impl Fn(f64) -> f64) -> f64 {
    (b.iter().zip(s).map(|(&b, &s)| (s - f(b)).powi(2)).sum::<f64>() / b.len() as f64).sqrt()
}

/// The log-linear ADC fit of signals `s` at b-values `b` (module docs). `None` when a signal is
/// not positive (its logarithm is undefined: background, or noise at high b) or the b-values
/// are all the same.
pub fn adc_log_linear(b: &[f64], s: &[f64]) -> Option<AdcFit> {
    debug_assert_eq!(b.len(), s.len());
    if s.iter().any(|&v| !(v > 0.0) || !v.is_finite()) {
        return None;
    }
    let m: Vec<f64> = s.iter().map(|v| v.ln()).collect();
    let (ln_s0, slope) = least_squares_line(b, &m)?;
    let (s0, adc) = (ln_s0.exp(), -slope);
    Some(AdcFit { s0, adc, rmse: rmse(b, s, |x| s0 * (-x * adc).exp()) })
}

struct MonoExp<'a> {
    b: &'a [f64],
}

impl Model<2> for MonoExp<'_> {
    fn eval(&self, i: usize, t: &[f64; 2]) -> (f64, [f64; 2]) {
        let e = (-self.b[i] * t[1]).exp();
        (t[0] * e, [e, -self.b[i] * t[0] * e])
    }
    fn len(&self) -> usize {
        self.b.len()
    }
}

/// The non-linear ADC fit (module docs), started from the log-linear fit of the positive
/// signals (else from `S₀ = max S`, ADC = 10⁻³). `None` when no signal is positive.
pub fn adc_nonlinear(b: &[f64], s: &[f64]) -> Option<AdcFit> {
    let s_max = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !(s_max > 0.0) || s.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let start = adc_log_linear(b, s).map_or([s_max, 1e-3], |f| [f.s0, f.adc.clamp(0.0, 1.0)]);
    let fit = levenberg_marquardt(&MonoExp { b }, s, start, [0.0, 0.0], [f64::INFINITY, 1.0]);
    let [s0, adc] = fit.theta;
    Some(AdcFit { s0, adc, rmse: (fit.sse / b.len() as f64).sqrt() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noiseless_decays_are_recovered_exactly() {
        let b = [0.0, 50.0, 100.0, 400.0, 800.0, 1000.0];
        let s: Vec<f64> = b.iter().map(|&x| 1200.0 * (-x * 1.1e-3f64).exp()).collect();
        for fit in [adc_log_linear(&b, &s).unwrap(), adc_nonlinear(&b, &s).unwrap()] {
            assert!((fit.adc - 1.1e-3).abs() < 1e-12, "{fit:?}");
            assert!((fit.s0 - 1200.0).abs() < 1e-7, "{fit:?}");
            assert!(fit.rmse < 1e-8);
        }
    }

    #[test]
    fn by_hand_two_points() {
        // Two points: ADC = ln(S₁/S₂)/(b₂ − b₁) = ln(2)/500 exactly, through both points.
        let fit = adc_log_linear(&[0.0, 500.0], &[100.0, 50.0]).unwrap();
        assert!((fit.adc - 2f64.ln() / 500.0).abs() < 1e-15);
        assert!((fit.s0 - 100.0).abs() < 1e-10);
        assert!(adc_log_linear(&[0.0, 500.0], &[100.0, 0.0]).is_none());
        assert!(check_b_values(&[500.0, 500.0], "dwi").is_err());
    }
}
