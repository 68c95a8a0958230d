//! Where a habitat lies within the tumour: centroid-based spatial descriptors in physical
//! space (mm).
//!
//! A region is a boolean array indexed `[z, y, x]` that covers a box of the volume's grid
//! whose first voxel is grid voxel `lower` (`[z, y, x]`; `[0, 0, 0]` for the whole grid), so
//! that the descriptors can be computed on a bounding-box crop. Voxel `[z, y, x]` of the
//! region sits at the physical point `P(i) = O + D·diag(s)·i` of the continuous index
//! `i = (x + lower_x, y + lower_y, z + lower_z)` (origin `O`, direction `D`, spacing `s` of the
//! [`Geometry`]; [`Geometry::index_to_physical`]). Since `P` is affine, the physical centroid
//! of a set of voxels is `P` of their mean index.

use ndarray::ArrayView3;
use radlsig_volume::Geometry;

/// The physical centroid (mm, LPS) of the voxels of `region`: `P((1/n) Σ_v i_v)`, the mean of
/// the voxel centres' physical points (module docs for `lower` and `P`).
///
/// Index sums are exact integers in `f64` (below 2⁵³), so the result does not depend on the
/// summation order. `None` for an empty region.
pub fn centroid(
    region: ArrayView3<'_, bool>,
    lower: [usize; 3],
    geometry: &Geometry,
) -> Option<[f64; 3]> {
    let (mut n, mut sum) = (0usize, [0.0f64; 3]);
    for ((z, y, x), &inside) in region.indexed_iter() {
        if inside {
            n += 1;
            sum[0] += (x + lower[2]) as f64;
            sum[1] += (y + lower[1]) as f64;
            sum[2] += (z + lower[0]) as f64;
        }
    }
    (n > 0).then(|| geometry.index_to_physical(sum.map(|s| s / n as f64)))
}

/// `CentroidOffset`: the distance (mm) between the habitat's physical centroid and the whole
/// ROI's, `‖c_h − c_M‖₂` with `c` from [`centroid`] (`habitat` and `roi` cover the same box,
/// starting at grid voxel `lower`).
///
/// 0 when the habitat is centred in the ROI (for instance a concentric core, or the habitat
/// being the whole ROI); it grows as the habitat sits off to one side. Invariant to
/// translation and rotation of the grid. `None` when the habitat or the ROI is empty.
pub fn centroid_offset(
    habitat: ArrayView3<'_, bool>,
    roi: ArrayView3<'_, bool>,
    lower: [usize; 3],
    geometry: &Geometry,
) -> Option<f64> {
    let c_h = centroid(habitat, lower, geometry)?;
    let c_m = centroid(roi, lower, geometry)?;
    Some(((c_h[0] - c_m[0]).powi(2) + (c_h[1] - c_m[1]).powi(2) + (c_h[2] - c_m[2]).powi(2)).sqrt())
}

/// The radius (mm) of the sphere with the ROI's volume, `∛(3V/(4π))` with
/// `V = N_M · s_x s_y s_z` (the voxel-count volume, PyRadiomics' `VoxelVolume`).
///
/// 0 for an empty ROI.
pub fn equivalent_sphere_radius(roi_voxels: usize, geometry: &Geometry) -> f64 {
    let volume = roi_voxels as f64 * geometry.voxel_volume();
    (3.0 * volume / (4.0 * std::f64::consts::PI)).cbrt()
}

/// `CentroidOffsetNormalized`: [`centroid_offset`] divided by the ROI's
/// [`equivalent_sphere_radius`], `‖c_h − c_M‖₂ / ∛(3V/(4π))` — dimensionless, so that lesions
/// of different sizes compare (a habitat displaced by a fixed fraction of the lesion's size
/// has the same value in a small and a large lesion).
///
/// `None` when the habitat or the ROI is empty.
pub fn centroid_offset_normalized(
    habitat: ArrayView3<'_, bool>,
    roi: ArrayView3<'_, bool>,
    lower: [usize; 3],
    geometry: &Geometry,
) -> Option<f64> {
    let offset = centroid_offset(habitat, roi, lower, geometry)?;
    let n = roi.iter().filter(|&&b| b).count();
    Some(offset / equivalent_sphere_radius(n, geometry))
}
