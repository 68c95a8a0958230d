//! PyRadiomics' voxel-wise intensity filters: `Square`, `SquareRoot`, `Logarithm` and
//! `Exponential` (`getSquareImage` … `getExponentialImage` in `imageoperations.py`).
//!
//! Each one rescales with `M = max(|x|)` over the **whole** image (not only the ROI), computes
//! in `f64` and returns a `Float64` image. The formulas, with `x` the original and `f(x)` the
//! filtered intensity:
//!
//! - square: `f(x) = (c·x)²`, `c = 1/√M`;
//! - square root: `f(x) = √(M·x)` for `x > 0`, `−√(−M·x)` for `x < 0`, 0 for 0;
//! - logarithm: `g(x) = ln(x + 1)` for `x > 0`, `−ln(1 − x)` for `x < 0`, 0 for 0; then
//!   `f(x) = g(x)·(M / max|g|)`;
//! - exponential: `f(x) = exp(c·x)`, `c = ln(M)/M`.
//!
//! A zero image (`M = 0`) has no rescaling factor: PyRadiomics divides by zero (NaN or infinite
//! values), radlsig refuses.

use ndarray::Array3;
use radlsig_volume::{BoundingBox, Volume};

use crate::{Error, Result};

/// `M = max(|x|)` over the whole image, refusing 0 (the filters divide by it).
fn max_abs(image: &Volume, filter: &'static str) -> Result<f64> {
    let m = image.data().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if m > 0.0 && m.is_finite() { Ok(m) } else { Err(Error::FilterScale { filter, max: m }) }
}

/// Square of the intensities rescaled by `c = 1/√M`: `f(x) = (c·x)²` (`getSquareImage`).
pub fn square(image: &Volume, region: &BoundingBox) -> Result<Array3<f64>> {
    let c = 1.0 / max_abs(image, "Square")?.sqrt();
    Ok(map_region(image, region, |x| {
        let v = c * x;
        v * v
    }))
}

/// Signed square root scaled by `M`: `√(M·x)`, `−√(−M·x)` for negative `x`
/// (`getSquareRootImage`).
pub fn square_root(image: &Volume, region: &BoundingBox) -> Result<Array3<f64>> {
    let m = max_abs(image, "SquareRoot")?;
    Ok(map_region(image, region, |x| {
        if x > 0.0 {
            (x * m).sqrt()
        } else if x < 0.0 {
            -(-x * m).sqrt()
        } else {
            x
        }
    }))
}

/// Signed `ln(|x| + 1)`, rescaled so that the largest absolute value is `M`
/// (`getLogarithmImage`).
pub fn logarithm(image: &Volume, region: &BoundingBox) -> Result<Array3<f64>> {
    let m = max_abs(image, "Logarithm")?;
    let g = |x: f64| {
        if x > 0.0 {
            (x + 1.0).ln()
        } else if x < 0.0 {
            -(-(x - 1.0)).ln()
        } else {
            x
        }
    };
    // max|g| over the whole image, as PyRadiomics takes it after the transform.
    let g_max = image.data().iter().fold(0.0f64, |acc, &x| acc.max(g(x).abs()));
    let factor = m / g_max;
    Ok(map_region(image, region, |x| g(x) * factor))
}

/// `exp(c·x)` with `c = ln(M)/M` (`getExponentialImage`).
pub fn exponential(image: &Volume, region: &BoundingBox) -> Result<Array3<f64>> {
    let m = max_abs(image, "Exponential")?;
    let c = m.ln() / m;
    Ok(map_region(image, region, |x| (c * x).exp()))
}

/// `f` applied to every voxel of `image` inside `region`.
fn map_region(image: &Volume, region: &BoundingBox, f: impl Fn(f64) -> f64) -> Array3<f64> {
    super::region_view(image, region).mapv(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use radlsig_volume::{Geometry, PixelType};

    fn image(values: &[f64]) -> (Volume, BoundingBox) {
        let data = Array3::from_shape_vec((1, 1, values.len()), values.to_vec()).unwrap();
        let g = Geometry::new([values.len(), 1, 1], [1.0; 3]);
        let r = BoundingBox { lower: [0, 0, 0], upper: [0, 0, values.len() - 1] };
        (Volume::new(data, g, PixelType::Int16).unwrap(), r)
    }

    #[test]
    fn formulas_by_hand() {
        // M = 4.
        let (v, r) = image(&[-4.0, -1.0, 0.0, 1.0, 2.0]);
        let sq = square(&v, &r).unwrap();
        assert_eq!(sq.as_slice().unwrap(), &[4.0, 0.25, 0.0, 0.25, 1.0]);
        let sr = square_root(&v, &r).unwrap();
        assert_eq!(sr.as_slice().unwrap(), &[-4.0, -2.0, 0.0, 2.0, 8f64.sqrt()]);
        // g = −ln 5, −ln 2, 0, ln 2, ln 3; max|g| = ln 5; factor 4/ln 5.
        let lg = logarithm(&v, &r).unwrap();
        let f = 4.0 / 5f64.ln();
        let want = [-5f64.ln() * f, -2f64.ln() * f, 0.0, 2f64.ln() * f, 3f64.ln() * f];
        for (a, b) in lg.iter().zip(want) {
            assert!((a - b).abs() < 1e-14, "{a} {b}");
        }
        assert!((lg[[0, 0, 0]] + 4.0).abs() < 1e-14);
        // exp(x·ln4/4): at x = M the value is M, at 0 it is 1.
        let ex = exponential(&v, &r).unwrap();
        assert!((ex[[0, 0, 2]] - 1.0).abs() < 1e-15);
        assert!((ex[[0, 0, 0]] - 0.25).abs() < 1e-15);
    }

    #[test]
    fn zero_image_is_refused() {
        let (v, r) = image(&[0.0, 0.0]);
        assert!(square(&v, &r).unwrap_err().to_string().contains("Square"));
        assert!(exponential(&v, &r).is_err());
    }
}
