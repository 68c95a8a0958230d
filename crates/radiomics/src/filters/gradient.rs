//! Gradient magnitude: SimpleITK's `GradientMagnitudeImageFilter`, as PyRadiomics'
//! `getGradientImage` runs it (`UseImageSpacing` = the `gradientUseSpacing` setting).
//!
//! Per voxel and axis (x, y, z in that order), ITK's first-derivative operator is the central
//! difference `g = c·x[i−1] − c·x[i+1]` with `c = 0.5·(1/s)` (`s` the spacing in mm, or
//! `c = 0.5` without spacing); neighbours outside the image repeat the border voxel (ITK's
//! zero-flux Neumann condition). The magnitude `√(g_x² + g_y² + g_z²)` is accumulated in `f64`
//! and stored as `f32` (SimpleITK's output type).

use ndarray::Array3;
use radlsig_volume::{BoundingBox, Volume};

/// The gradient magnitude of `image` inside `region` (an array of the box's shape), `f32`
/// values held in `f64`.
pub fn gradient_magnitude(image: &Volume, region: &BoundingBox, use_spacing: bool) -> Array3<f64> {
    let data = image.data();
    let shape = image.geometry().shape_zyx();
    let spacing = image.geometry().spacing_zyx();
    // Coefficients per array axis; ITK sums the axes in (x, y, z) order.
    let c: [f64; 3] =
        std::array::from_fn(|a| if use_spacing { 0.5 * (1.0 / spacing[a]) } else { 0.5 });
    Array3::from_shape_fn(
        [
            region.upper[0] - region.lower[0] + 1,
            region.upper[1] - region.lower[1] + 1,
            region.upper[2] - region.lower[2] + 1,
        ],
        |(k, j, i)| {
            let p = [region.lower[0] + k, region.lower[1] + j, region.lower[2] + i];
            let mut acc = 0.0f64;
            for axis in [2, 1, 0] {
                let mut lo = p;
                let mut hi = p;
                lo[axis] = p[axis].saturating_sub(1);
                hi[axis] = (p[axis] + 1).min(shape[axis] - 1);
                let g = c[axis] * data[lo] + -c[axis] * data[hi];
                acc += g * g;
            }
            acc.sqrt() as f32 as f64
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use radlsig_volume::{Geometry, PixelType};

    #[test]
    fn central_differences_by_hand() {
        // f = 3x + 2y (x, y in voxels) on a 2×3×4 grid with spacing (2, 1, 1) mm.
        let data = Array3::from_shape_fn((2, 3, 4), |(_, y, x)| 3.0 * x as f64 + 2.0 * y as f64);
        let g = Geometry::new([4, 3, 2], [2.0, 1.0, 1.0]);
        let v = Volume::new(data, g, PixelType::Int16).unwrap();
        let all = BoundingBox { lower: [0, 0, 0], upper: [1, 2, 3] };
        let m = gradient_magnitude(&v, &all, true);
        // Interior x: ∂f/∂x = 3 per voxel / 2 mm = 1.5; ∂f/∂y = 2; z: 0 (replicated border).
        assert!((m[[0, 1, 1]] - (1.5f64 * 1.5 + 4.0).sqrt()).abs() < 1e-6);
        // At x = 0 the border repeats: (f(1) − f(0))/2 voxels → 1.5/2 = 0.75 per mm.
        assert!((m[[0, 1, 0]] - (0.75f64 * 0.75 + 4.0).sqrt()).abs() < 1e-6);
        // Without spacing: 3 and 2 per voxel.
        let m = gradient_magnitude(&v, &all, false);
        assert!((m[[1, 1, 2]] - 13f64.sqrt()).abs() < 1e-6);
    }
}
