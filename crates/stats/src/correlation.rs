//! Correlation coefficients: Pearson's r and Spearman's ρ (the coefficients only; tests of
//! them live with the evaluation that reports them).

use crate::ranks::mid_ranks;

/// Pearson's product-moment correlation, R's `cor(x, y)`:
///
/// `r = S_xy / (√S_xx · √S_yy)`, with `S_xy = Σ (x_i − x̄)(y_i − ȳ)`, `S_xx`, `S_yy` likewise,
/// the means and sums taken in index order, and `r` clamped to `[−1, 1]` against rounding.
///
/// Degenerate cases: `None` when either variable is constant (`S_xx = 0` or `S_yy = 0`; R gives
/// NA), which covers fewer than 2 pairs; a NaN value gives `Some(NaN)`. Callers that want a
/// number there choose it (the correlation filter of radlsig-fusion uses 0, "no measurable
/// association").
///
/// # Panics
///
/// When `x` and `y` differ in length (a programming error).
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    assert_eq!(x.len(), y.len(), "pearson: one y per x");
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Spearman's rank correlation ρ, R's `cor(x, y, method = "spearman")`: [`pearson`] of the
/// mid-ranks ([`mid_ranks`]), so ties get the average of their ranks. Without ties this is
/// `1 − 6 Σ d_i² / (n(n² − 1))` (`d_i` the rank differences).
///
/// Degenerate cases as [`pearson`]: `None` when either variable is constant.
///
/// # Panics
///
/// When `x` and `y` differ in length.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    assert_eq!(x.len(), y.len(), "spearman: one y per x");
    pearson(&mid_ranks(x), &mid_ranks(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_hand() {
        // x = 1..4, y = 1, 3, 2, 4: deviations (−1.5, −.5, .5, 1.5) and (−1.5, .5, −.5, 1.5),
        // S_xy = 4, S_xx = S_yy = 5 → r = 0.8; ranks = values, Σd² = 2 → ρ = 1 − 12/60 = 0.8.
        let (x, y) = ([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 4.0]);
        assert!((pearson(&x, &y).unwrap() - 0.8).abs() < 1e-15);
        assert!((spearman(&x, &y).unwrap() - 0.8).abs() < 1e-15);
        // With ties: ranks (1, 2.5, 2.5, 4) and (1, 2, 3.5, 3.5): S_xy = 3.75, S_xx = S_yy = 4.5
        // → ρ = 5/6.
        let rho = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 2.0, 3.0, 3.0]).unwrap();
        assert!((rho - 5.0 / 6.0).abs() < 1e-15);
    }

    #[test]
    #[allow(clippy::excessive_precision)] // R's 17 significant digits, as it printed them
    fn matches_r_cor() {
        // R 4.x `cor(x, y)` and `cor(x, y, method = "spearman")` on case n6 of
        // crates/evaluate/tests/fixtures/correlation_{data,reference}.csv (made by R).
        let x = [
            -0.76679603536161056,
            -0.81645834416837171,
            -0.141535185922747,
            -0.27760502982922203,
            0.43630689842828357,
            -1.1868725249672079,
        ];
        let y = [
            0.42519087222192531,
            -0.83464868706672313,
            -0.38961978359249505,
            -0.64054192059439818,
            1.7138774466957747,
            -1.6557696719464781,
        ];
        assert!((pearson(&x, &y).unwrap() - 0.78741194122198288).abs() < 1e-14);
        assert!((spearman(&x, &y).unwrap() - 0.82857142857142851).abs() < 1e-14);
    }

    #[test]
    fn perfect_and_monotone() {
        let x: Vec<f64> = (0..10).map(f64::from).collect();
        let line: Vec<f64> = x.iter().map(|v| 1.0 - 3.0 * v).collect();
        let r = pearson(&x, &line).unwrap();
        assert!(r >= -1.0 && (r + 1.0).abs() < 1e-15);
        // exp is monotone: ρ = 1 (to rounding, never above), r well below.
        let e: Vec<f64> = x.iter().map(|v| (3.0 * v).exp()).collect();
        let rho = spearman(&x, &e).unwrap();
        assert!(rho <= 1.0 && (rho - 1.0).abs() < 1e-15);
        assert!(pearson(&x, &e).unwrap() < 0.7);
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0]), None);
        assert_eq!(pearson(&[2.0; 3], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0], &[2.0]), None);
        assert_eq!(pearson(&[], &[]), None);
        assert_eq!(spearman(&[4.0; 5], &[1.0, 2.0, 3.0, 4.0, 5.0]), None);
        assert!(pearson(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0]).unwrap().is_nan());
    }

    #[test]
    #[should_panic(expected = "one y per x")]
    fn length_mismatch_panics() {
        pearson(&[1.0, 2.0], &[1.0]);
    }
}
