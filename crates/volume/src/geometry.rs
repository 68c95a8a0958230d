//! Voxel grid geometry: size, spacing, origin and direction in physical (LPS) space.

use crate::{Error, Result};

/// Where a voxel grid sits in physical space, in ITK/SimpleITK conventions.
///
/// All three-element fields are in **(x, y, z)** order, as ITK and the NRRD/NIfTI headers write
/// them; the voxel arrays of [`Volume`](crate::Volume) are indexed **[z, y, x]**, as numpy arrays
/// from SimpleITK are (and as PyRadiomics' texture angles are written). Physical coordinates are
/// in millimetres in the LPS frame (ITK's), whatever frame the file used.
///
/// The physical point of continuous index `i = (x, y, z)` is `origin + D · diag(spacing) · i`,
/// where `D = direction` is a row-major 3×3 matrix whose column `j` is the unit vector of grid
/// axis `j`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Number of voxels along x, y, z.
    pub size: [usize; 3],
    /// Voxel spacing in mm along x, y, z.
    pub spacing: [f64; 3],
    /// Physical position (mm, LPS) of the centre of voxel (0, 0, 0).
    pub origin: [f64; 3],
    /// Direction cosines, row-major: `direction[3 * r + c]` is component `r` of axis `c`.
    pub direction: [f64; 9],
}

/// The identity direction matrix.
pub const IDENTITY_DIRECTION: [f64; 9] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];

/// Coordinate and direction tolerances of a geometry comparison.
///
/// Mirrors ITK's `VerifyInputInformation`, which PyRadiomics relies on through its
/// `geometryTolerance` setting: origins and spacings may differ by at most
/// `coordinate × spacing_x` (absolute, per component), directions by at most `direction`
/// (absolute, per element); sizes must be equal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeometryTolerance {
    /// Relative coordinate tolerance (ITK's `CoordinateTolerance`, default 1e-6).
    pub coordinate: f64,
    /// Absolute direction tolerance (ITK's `DirectionTolerance`, default 1e-6).
    pub direction: f64,
}

impl Default for GeometryTolerance {
    fn default() -> Self {
        GeometryTolerance { coordinate: 1e-6, direction: 1e-6 }
    }
}

impl GeometryTolerance {
    /// The same tolerance for coordinates and directions, as PyRadiomics' `geometryTolerance`.
    pub fn uniform(tolerance: f64) -> Self {
        GeometryTolerance { coordinate: tolerance, direction: tolerance }
    }
}

impl Geometry {
    /// A grid of `size` voxels (x, y, z) with the given spacing, origin 0 and identity direction.
    pub fn new(size: [usize; 3], spacing: [f64; 3]) -> Self {
        Geometry { size, spacing, origin: [0.0; 3], direction: IDENTITY_DIRECTION }
    }

    /// The array shape `[z, y, x]` of volumes on this grid.
    pub fn shape_zyx(&self) -> [usize; 3] {
        [self.size[2], self.size[1], self.size[0]]
    }

    /// The spacing in `[z, y, x]` order, matching the array axes.
    pub fn spacing_zyx(&self) -> [f64; 3] {
        [self.spacing[2], self.spacing[1], self.spacing[0]]
    }

    /// Number of voxels in the grid.
    pub fn len(&self) -> usize {
        self.size.iter().product()
    }

    /// Whether the grid holds no voxel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Volume of one voxel in mm³.
    pub fn voxel_volume(&self) -> f64 {
        self.spacing.iter().product()
    }

    /// Physical point (mm, LPS) of a continuous index given in (x, y, z) order.
    pub fn index_to_physical(&self, index: [f64; 3]) -> [f64; 3] {
        let d = &self.direction;
        let s = [index[0] * self.spacing[0], index[1] * self.spacing[1], index[2] * self.spacing[2]];
        let mut p = self.origin;
        for (r, pr) in p.iter_mut().enumerate() {
            *pr += d[3 * r] * s[0] + d[3 * r + 1] * s[1] + d[3 * r + 2] * s[2];
        }
        p
    }

    /// Continuous index (x, y, z) of a physical point; the inverse of
    /// [`index_to_physical`](Self::index_to_physical).
    ///
    /// Fails when the direction matrix is singular.
    pub fn physical_to_index(&self, point: [f64; 3]) -> Result<[f64; 3]> {
        let inv = invert3(&self.direction).ok_or_else(|| Error::Shape {
            what: "physical_to_index",
            reason: format!("direction matrix {:?} is singular", self.direction),
        })?;
        let v = [point[0] - self.origin[0], point[1] - self.origin[1], point[2] - self.origin[2]];
        let mut idx = [0.0; 3];
        for (c, ic) in idx.iter_mut().enumerate() {
            *ic = (inv[3 * c] * v[0] + inv[3 * c + 1] * v[1] + inv[3 * c + 2] * v[2])
                / self.spacing[c];
        }
        Ok(idx)
    }

    /// Checks that `other` describes the same grid within `tolerance`.
    ///
    /// Returns a description of the first difference found, naming the property and both
    /// values, in the order ITK checks them: size, origin, spacing, direction.
    pub fn check_same_grid(
        &self,
        other: &Geometry,
        tolerance: GeometryTolerance,
    ) -> std::result::Result<(), String> {
        if self.size != other.size {
            return Err(format!("size {:?} differs from {:?}", other.size, self.size));
        }
        let coordinate_tol = tolerance.coordinate * self.spacing[0];
        let origin_differs =
            self.origin.iter().zip(&other.origin).any(|(a, b)| (a - b).abs() > coordinate_tol);
        if origin_differs {
            return Err(format!(
                "origin {:?} differs from {:?} (tolerance {coordinate_tol:e} mm)",
                other.origin, self.origin
            ));
        }
        let spacing_differs =
            self.spacing.iter().zip(&other.spacing).any(|(a, b)| (a - b).abs() > coordinate_tol);
        if spacing_differs {
            return Err(format!(
                "spacing {:?} differs from {:?} (tolerance {coordinate_tol:e} mm)",
                other.spacing, self.spacing
            ));
        }
        let direction_differs = self
            .direction
            .iter()
            .zip(&other.direction)
            .any(|(a, b)| (a - b).abs() > tolerance.direction);
        if direction_differs {
            return Err(format!(
                "direction {:?} differs from {:?} (tolerance {:e})",
                other.direction, self.direction, tolerance.direction
            ));
        }
        Ok(())
    }

    /// The sub-grid that starts at array index `lower` (`[z, y, x]`) and has `shape_zyx` voxels.
    ///
    /// Its origin is the physical position of `lower`; spacing and direction are kept, as
    /// SimpleITK's `Crop`/region extraction does.
    pub fn sub_grid(&self, lower_zyx: [usize; 3], shape_zyx: [usize; 3]) -> Geometry {
        let origin = self.index_to_physical([
            lower_zyx[2] as f64,
            lower_zyx[1] as f64,
            lower_zyx[0] as f64,
        ]);
        Geometry {
            size: [shape_zyx[2], shape_zyx[1], shape_zyx[0]],
            spacing: self.spacing,
            origin,
            direction: self.direction,
        }
    }
}

/// Inverse of a row-major 3×3 matrix, or `None` when it is singular.
pub(crate) fn invert3(m: &[f64; 9]) -> Option<[f64; 9]> {
    let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
        + m[2] * (m[3] * m[7] - m[4] * m[6]);
    if det.abs() < 1e-12 {
        return None;
    }
    let inv_det = 1.0 / det;
    Some([
        (m[4] * m[8] - m[5] * m[7]) * inv_det,
        (m[2] * m[7] - m[1] * m[8]) * inv_det,
        (m[1] * m[5] - m[2] * m[4]) * inv_det,
        (m[5] * m[6] - m[3] * m[8]) * inv_det,
        (m[0] * m[8] - m[2] * m[6]) * inv_det,
        (m[2] * m[3] - m[0] * m[5]) * inv_det,
        (m[3] * m[7] - m[4] * m[6]) * inv_det,
        (m[1] * m[6] - m[0] * m[7]) * inv_det,
        (m[0] * m[4] - m[1] * m[3]) * inv_det,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn physical_round_trip_with_flipped_axis() {
        let g = Geometry {
            size: [4, 5, 6],
            spacing: [0.78125, 0.78125, 6.5],
            origin: [-100.0, 120.0, -30.0],
            direction: [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0],
        };
        // Voxel (1, 2, 3): x = -100 + 0.78125, y = 120 - 2 * 0.78125, z = -30 + 3 * 6.5.
        let p = g.index_to_physical([1.0, 2.0, 3.0]);
        assert_abs_diff_eq!(p[0], -99.21875, epsilon = 1e-12);
        assert_abs_diff_eq!(p[1], 118.4375, epsilon = 1e-12);
        assert_abs_diff_eq!(p[2], -10.5, epsilon = 1e-12);
        let i = g.physical_to_index(p).unwrap();
        assert_abs_diff_eq!(i[0], 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(i[1], 2.0, epsilon = 1e-12);
        assert_abs_diff_eq!(i[2], 3.0, epsilon = 1e-12);
    }

    #[test]
    fn grid_check_names_the_first_difference() {
        let a = Geometry::new([4, 4, 4], [1.0, 1.0, 2.0]);
        let mut b = a;
        b.origin[2] += 5e-7; // within 1e-6 * spacing_x
        assert!(a.check_same_grid(&b, GeometryTolerance::default()).is_ok());
        b.origin[2] += 1e-3;
        let msg = a.check_same_grid(&b, GeometryTolerance::default()).unwrap_err();
        assert!(msg.starts_with("origin"), "{msg}");
        assert!(a.check_same_grid(&b, GeometryTolerance::uniform(1e-2)).is_ok());
        let mut c = a;
        c.size = [4, 4, 5];
        assert!(a.check_same_grid(&c, GeometryTolerance::default()).unwrap_err().starts_with("size"));
    }

    #[test]
    fn sub_grid_moves_origin_along_direction() {
        let mut g = Geometry::new([10, 10, 10], [2.0, 3.0, 4.0]);
        g.direction = [-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0];
        let s = g.sub_grid([1, 2, 3], [4, 5, 6]);
        assert_eq!(s.size, [6, 5, 4]);
        assert_eq!(s.origin, [-6.0, -6.0, 4.0]);
    }
}
