//! The logistic function and its inverse, the logit: the link of logistic regression.

/// The logistic function (sigmoid) `σ(x) = 1 / (1 + e^{−x})`, evaluated without overflow.
///
/// For `x ≥ 0` it is computed as written; for `x < 0` as `e^x / (1 + e^x)`, so `e^{−x}` never
/// overflows and tiny probabilities keep their relative precision. `σ(±∞) = 1, 0`; NaN stays
/// NaN.
pub fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// The logit `ln(p / (1 − p))`, the inverse of [`logistic`].
///
/// `logit(0) = −∞`, `logit(1) = +∞`; outside `[0, 1]` (and for NaN) the result is NaN.
pub fn logit(p: f64) -> f64 {
    (p / (1.0 - p)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        assert_eq!(logistic(0.0), 0.5);
        // σ(ln 3) = 3/4, σ(−ln 3) = 1/4.
        assert!((logistic(3f64.ln()) - 0.75).abs() < 1e-15);
        assert!((logistic(-(3f64.ln())) - 0.25).abs() < 1e-15);
        assert_eq!(logit(0.5), 0.0);
        assert!((logit(0.25) - (1.0f64 / 3.0).ln()).abs() < 1e-15);
        assert_eq!((logit(0.0), logit(1.0)), (f64::NEG_INFINITY, f64::INFINITY));
        assert!(logit(1.5).is_nan() && logistic(f64::NAN).is_nan());
    }

    #[test]
    fn extreme_arguments_neither_overflow_nor_lose_precision() {
        assert_eq!((logistic(f64::INFINITY), logistic(f64::NEG_INFINITY)), (1.0, 0.0));
        assert_eq!(logistic(1000.0), 1.0);
        // σ(−800) = e^{−800}/(1 + e^{−800}) is subnormal but not 0 (1/(1 + e^{800}) would be).
        assert!(logistic(-700.0) > 0.0);
        assert!((logistic(-700.0) / (-700f64).exp() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn symmetry_and_inverse() {
        for i in -60..=60 {
            let x = i as f64 / 4.0;
            // σ(−x) = 1 − σ(x).
            assert!((logistic(-x) - (1.0 - logistic(x))).abs() < 1e-15, "{x}");
            // logit(σ(x)) = x, to a few ulps of σ's relative error.
            assert!(
                (logit(logistic(x)) - x).abs() < 1e-13 * (1.0 + x.abs()) * x.abs().exp(),
                "{x}"
            );
        }
    }
}
