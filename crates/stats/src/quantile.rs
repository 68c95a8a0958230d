//! Sample quantiles: R's default type 7, and the median.

/// Sample quantile, R's default `quantile(x, p, type = 7)`: with `x` sorted ascending
/// (0-based), `h = (N − 1) p`, `γ = h − ⌊h⌋`,
/// `Q(p) = (1 − γ) x_⌊h⌋ + γ x_⌊h⌋₊₁`.
///
/// Sorts a copy of `values` by [`f64::total_cmp`] and calls [`quantile_type7_sorted`]. NaN for
/// an empty sample.
pub fn quantile_type7(values: &[f64], p: f64) -> f64 {
    let mut x: Vec<f64> = values.to_vec();
    x.sort_unstable_by(f64::total_cmp);
    quantile_type7_sorted(&x, p)
}

/// [`quantile_type7`] of an already sorted sample, for `p ∈ [0, 1]`.
///
/// Where `h` is an integer, or the two neighbours are equal, `Q(p)` is that order statistic
/// itself (no interpolation, so no rounding). Degenerate cases: NaN for an empty sample; a
/// one-value sample is its own quantile for every `p`.
pub fn quantile_type7_sorted(x: &[f64], p: f64) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let index = (x.len() - 1) as f64 * p;
    let lo = index.floor();
    let (lo_i, hi_i) = (lo as usize, index.ceil() as usize);
    let q = x[lo_i];
    if index > lo && x[hi_i] != q {
        let h = index - lo;
        (1.0 - h) * q + h * x[hi_i]
    } else {
        q
    }
}

/// The median of an already sorted sample: the middle value for odd `N`, `½ (x_{N/2−1} +
/// x_{N/2})` (0-based) for even `N`; NaN for an empty sample.
///
/// This is R's `median(x)`. It equals `quantile_type7_sorted(x, 0.5)` except where the sum of
/// the two middle values overflows or is subnormal (`½(a + b)` against `½a + ½b`): it is kept
/// as written because radlsig's training-median fill of missing values has always used it.
pub fn median_sorted(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { sorted[n / 2] } else { 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type7_by_hand() {
        // R: quantile(c(1, 2, 4, 8), c(0.025, 0.5, 0.975)) = 1.075, 3, 7.7:
        // h = 3p → 0.075 (1 + 0.075·1), 1.5 (½·2 + ½·4), 2.925 (0.075·4 + 0.925·8).
        let x = [8.0, 1.0, 4.0, 2.0];
        assert!((quantile_type7(&x, 0.025) - 1.075).abs() < 1e-14);
        assert_eq!(quantile_type7(&x, 0.5), 3.0);
        assert!((quantile_type7(&x, 0.975) - 7.7).abs() < 1e-14);
        assert_eq!((quantile_type7(&x, 0.0), quantile_type7(&x, 1.0)), (1.0, 8.0));
    }

    #[test]
    fn quantile_type7_matches_r() {
        // R 4.x `quantile(v, p, type = 7)`, from crates/evaluate/tests/fixtures/
        // quantile_values.csv and quantile_type7.csv (made by R; 37 values). Python's
        // `statistics.quantiles(v, n = 40 | 10, method = "inclusive")` agrees.
        let v = [
            0.168, 0.808, 0.385, 0.328, 0.602, 0.604, 0.125, 0.295, 0.578, 0.631, 0.512, 0.505,
            0.534, 0.557, 0.868, 0.83, 0.111, 0.704, 0.897, 0.28, 0.228, 0.015, 0.129, 0.093,
            0.237, 0.791, 0.6, 0.91, 0.56, 0.756, 0.379, 0.373, 0.17, 0.453, 0.258, 0.336, 0.89,
        ];
        let r = [
            (0.0, 0.015),
            (0.025, 0.0852),
            (0.1, 0.1274),
            (0.5, 0.505),
            (0.9, 0.8452),
            (0.975, 0.8983),
            (1.0, 0.91),
        ];
        for (p, q) in r {
            assert!((quantile_type7(&v, p) - q).abs() < 1e-12, "p = {p}");
        }
    }

    #[test]
    fn degenerate_samples() {
        assert!(quantile_type7(&[], 0.5).is_nan());
        assert!(quantile_type7_sorted(&[], 0.1).is_nan());
        assert_eq!(quantile_type7(&[4.0], 0.3), 4.0);
        // Equal neighbours: the value itself, not (1 − γ)a + γa (which can be off by an ulp).
        assert_eq!(quantile_type7_sorted(&[0.1, 0.1, 0.1], 0.37), 0.1);
    }

    #[test]
    fn median_by_hand() {
        assert!(median_sorted(&[]).is_nan());
        assert_eq!(median_sorted(&[1.0, 3.0, 10.0]), 3.0);
        assert_eq!(median_sorted(&[1.0, 2.0, 4.0, 8.0]), 3.0);
        assert_eq!(median_sorted(&[5.0]), 5.0);
        // The same bits as the type-7 median away from overflow ...
        for x in [[0.1, 0.2, 0.7, 1.3], [-3.0, 0.1, 0.3, 2.0], [1e-3, 1e300, 1e301, 1e302]] {
            assert_eq!(median_sorted(&x).to_bits(), quantile_type7_sorted(&x, 0.5).to_bits());
        }
        // ... but ½(a + b) overflows where ½a + ½b does not.
        let big = [0.75 * f64::MAX, f64::MAX];
        assert_eq!(median_sorted(&big), f64::INFINITY);
        assert!(quantile_type7_sorted(&big, 0.5).is_finite());
    }
}
