//! 3D shape features, as PyRadiomics 3.1 `shape.py` (class `shape`) computes them (IBSI family
//! "Morphological features", `HCUG`).
//!
//! # What is computed from what
//!
//! - The **mesh** features (volume `V`, surface area `A`, the ratios built on them and the
//!   maximum diameters) come from a marching cubes triangle mesh of the mask, with vertices
//!   half-way between ROI and non-ROI voxel centres (module `mesh`, which follows PyRadiomics'
//!   `cshape.c` exactly, including its triangulation and orientation).
//! - The **PCA** features (axis lengths, elongation, flatness) come from the eigenvalues
//!   `λ_least ≤ λ_minor ≤ λ_major` of the covariance of the voxel-centre coordinates in mm,
//!   normalised by `N_v` (not `N_v − 1`).
//! - `VoxelVolume` counts voxels.
//!
//! # Input and frame
//!
//! [`Shape::new`] takes the mask with its geometry (spacing from it; the direction matrix is
//! ignored, as in PyRadiomics, which works in index space scaled by the spacing: no length
//! depends on the direction). Like PyRadiomics' extractor (`computeShape` crops the mask to the
//! ROI's bounding box **without** `padDistance`, and the shape class pads it with one zero
//! voxel), it crops the mask to the tight bounding box of the ROI and pads it with one layer of
//! zeros before meshing. The results are therefore the same bits whatever padding the mask
//! passed in has. (The frame matters in the last bits: PyRadiomics' mesh is not always closed —
//! an ambiguous face can be split differently by the two cubes sharing it, because indices with
//! corner 7 inside are complemented — so the sum of signed tetrahedra depends slightly on the
//! origin.)
//!
//! # Symbols
//!
//! - `N_v`: number of ROI voxels; `N_f`: number of mesh triangles with vertices `a_i, b_i, c_i`.
//! - `V = Σ_i a_i · (b_i × c_i) / 6` (mm³), `A = Σ_i ½ |(a_i − c_i) × (b_i − c_i)|` (mm²).
//! - `λ_least ≤ λ_minor ≤ λ_major`: eigenvalues of `C = (1/N_v) Σ_k (x_k − x̄)(x_k − x̄)ᵀ` over the
//!   voxel-centre coordinates `x_k` (mm). Eigenvalues in `(−1e−10, 0)` (rounding) are set to 0,
//!   as PyRadiomics does.
//!
//! # Degenerate cases
//!
//! An empty mask is an error. A single voxel gives an octahedron (`V` = voxel volume / 6) and
//! all eigenvalues 0: the axis lengths are 0 and [`elongation`] / [`flatness`] are `0/0` = NaN,
//! as in PyRadiomics. A ROI one voxel thick has `λ_least` = 0 in exact arithmetic, so
//! [`least_axis_length`] and [`flatness`] are 0 here; PyRadiomics (LAPACK `dgeev`) may return
//! a rounding-noise value there instead (of the order of 1e−7 mm or below).
//!
//! # Deprecated features
//!
//! `Compactness1`, `Compactness2` and `SphericalDisproportion` are marked deprecated in
//! PyRadiomics (computed only when named); they are functions of `V` and `A` like
//! [`sphericity`].

use ndarray::{Array3, s};
use radlsig_volume::Mask;

use crate::extractor::{FeatureValues, evaluate};
use crate::mesh::{Mesh3d, mesh_3d};
use crate::{Error, Result};

/// Every shape feature PyRadiomics 3.1 computes, as (name, deprecated?), in PyRadiomics'
/// (alphabetical) order.
pub const FEATURES: &[(&str, bool)] = &[
    ("Compactness1", true),
    ("Compactness2", true),
    ("Elongation", false),
    ("Flatness", false),
    ("LeastAxisLength", false),
    ("MajorAxisLength", false),
    ("Maximum2DDiameterColumn", false),
    ("Maximum2DDiameterRow", false),
    ("Maximum2DDiameterSlice", false),
    ("Maximum3DDiameter", false),
    ("MeshVolume", false),
    ("MinorAxisLength", false),
    ("SphericalDisproportion", true),
    ("Sphericity", false),
    ("SurfaceArea", false),
    ("SurfaceVolumeRatio", false),
    ("VoxelVolume", false),
];

/// All shape features of `mask`, one per entry of [`FEATURES`], in the same order.
///
/// Fails when the mask selects no voxel.
pub fn features(mask: &Mask) -> Result<FeatureValues> {
    let shape = Shape::new(mask)?;
    let functions: [fn(&Shape) -> f64; 17] = [
        compactness1,
        compactness2,
        elongation,
        flatness,
        least_axis_length,
        major_axis_length,
        maximum_2d_diameter_column,
        maximum_2d_diameter_row,
        maximum_2d_diameter_slice,
        maximum_3d_diameter,
        mesh_volume,
        minor_axis_length,
        spherical_disproportion,
        sphericity,
        surface_area,
        surface_volume_ratio,
        voxel_volume,
    ];
    Ok(evaluate(&shape, FEATURES, &functions))
}

/// The mesh and PCA quantities of a ROI, computed once; every feature function reads them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    mesh: Mesh3d,
    voxel_count: usize,
    spacing_zyx: [f64; 3],
    eigenvalues: [f64; 3],
}

impl Shape {
    /// Meshes the ROI of `mask` (cropped to its bounding box and padded with one layer of
    /// zeros, see the module docs) and computes the PCA eigenvalues of its voxel centres.
    ///
    /// Fails when the mask selects no voxel.
    pub fn new(mask: &Mask) -> Result<Shape> {
        let padded = crop_and_pad(mask)?;
        let spacing_zyx = mask.geometry().spacing_zyx();
        let mesh = mesh_3d(padded.view(), spacing_zyx);
        let voxels: Vec<[usize; 3]> =
            padded.indexed_iter().filter(|(_, m)| **m).map(|((z, y, x), _)| [z, y, x]).collect();
        let eigenvalues = principal_moments(&voxels, spacing_zyx);
        Ok(Shape { mesh, voxel_count: voxels.len(), spacing_zyx, eigenvalues })
    }

    /// Number of ROI voxels `N_v`.
    pub fn voxel_count(&self) -> usize {
        self.voxel_count
    }

    /// `[λ_least, λ_minor, λ_major]` (mm²), ascending.
    pub fn eigenvalues(&self) -> [f64; 3] {
        self.eigenvalues
    }
}

/// The ROI's tight bounding box with one layer of `false` around it.
fn crop_and_pad(mask: &Mask) -> Result<Array3<bool>> {
    let bbox = mask.bounding_box().ok_or_else(|| Error::EmptyRoi { what: "shape".into() })?;
    let [nz, ny, nx] = bbox.shape();
    let mut padded = Array3::from_elem((nz + 2, ny + 2, nx + 2), false);
    let (lo, hi) = (bbox.lower, bbox.upper);
    padded.slice_mut(s![1..=nz, 1..=ny, 1..=nx]).assign(&mask.view().slice(s![
        lo[0]..=hi[0],
        lo[1]..=hi[1],
        lo[2]..=hi[2]
    ]));
    Ok(padded)
}

/// Eigenvalues `λ_1 ≤ … ≤ λ_N` of the covariance (normalised by the number of points) of the
/// physical coordinates `index · spacing` of `points`, with values in `(−1e−10, 0)` set to 0 —
/// PyRadiomics' PCA in `shape.py` and `shape2D.py`. `points` must not be empty.
///
/// PyRadiomics forms `Pᵀ P` from the centred coordinates `P` (divided by `√N`) and calls
/// `numpy.linalg.eigvals`. Here the eigenvalues are the squared singular values of the same
/// `P`, by one-sided Jacobi rotations: the same values to rounding, but a rank-deficient ROI
/// (collinear voxel centres, a one-voxel-thick slab) gets its zero eigenvalues to about
/// `ε² λ_max` instead of `ε λ_max`, so the axis lengths that are 0 in exact arithmetic come out
/// below 1e−14 mm rather than as `√ε`-sized noise (where LAPACK returns such noise PyRadiomics
/// reports it, or 0 when it is negative; 0 is the value it approximates).
pub(crate) fn principal_moments<const N: usize>(
    points: &[[usize; N]],
    spacing: [f64; N],
) -> [f64; N] {
    let n = points.len() as f64;
    let mut mean = [0.0f64; N];
    for p in points {
        for d in 0..N {
            mean[d] += p[d] as f64 * spacing[d];
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let scale = n.sqrt();
    // Columns of P: centred coordinates along each axis, divided by √N.
    let mut columns: [Vec<f64>; N] = std::array::from_fn(|d| {
        points.iter().map(|p| (p[d] as f64 * spacing[d] - mean[d]) / scale).collect()
    });
    orthogonalise_columns(&mut columns);
    let mut eigenvalues: [f64; N] =
        std::array::from_fn(|d| columns[d].iter().map(|v| v * v).sum::<f64>());
    for e in &mut eigenvalues {
        if *e < 0.0 && *e > -1e-10 {
            *e = 0.0;
        }
    }
    eigenvalues.sort_by(f64::total_cmp);
    eigenvalues
}

/// One-sided Jacobi (Hestenes): rotates pairs of columns until all are mutually orthogonal
/// to working precision. Rotations keep `Pᵀ P`'s eigenvalues; afterwards the squared column
/// norms are those eigenvalues (the squared singular values of `P`).
fn orthogonalise_columns<const N: usize>(columns: &mut [Vec<f64>; N]) {
    for _sweep in 0..60 {
        let mut rotated = false;
        for i in 0..N {
            for j in i + 1..N {
                let (mut alpha, mut beta, mut gamma) = (0.0f64, 0.0f64, 0.0f64);
                for (a, b) in columns[i].iter().zip(&columns[j]) {
                    alpha += a * a;
                    beta += b * b;
                    gamma += a * b;
                }
                if gamma == 0.0 || gamma.abs() <= f64::EPSILON * (alpha * beta).sqrt() {
                    continue;
                }
                rotated = true;
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = if zeta.abs() > 1e150 {
                    0.5 / zeta
                } else {
                    zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt())
                };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                let (left, right) = columns.split_at_mut(j);
                for (a, b) in left[i].iter_mut().zip(right[0].iter_mut()) {
                    let (x, y) = (*a, *b);
                    *a = c * x - s * y;
                    *b = s * x + c * y;
                }
            }
        }
        if !rotated {
            break;
        }
    }
}

/// `4 √λ`, or NaN when `λ < 0` (PyRadiomics' guard; cannot happen for a covariance after the
/// rounding correction above).
fn axis_length(lambda: f64) -> f64 {
    if lambda < 0.0 { f64::NAN } else { lambda.sqrt() * 4.0 }
}

/// `√(λ_small / λ_large)`, or NaN when either is negative; `0/0` (a single voxel) is NaN.
fn axis_ratio(small: f64, large: f64) -> f64 {
    if small < 0.0 || large < 0.0 { f64::NAN } else { (small / large).sqrt() }
}

/// `(36 π V²)^{1/3}`, the surface area of the sphere of volume `V`, evaluated as PyRadiomics.
fn sphere_area(volume: f64) -> f64 {
    (36.0 * std::f64::consts::PI * volume.powf(2.0)).powf(1.0 / 3.0)
}

/// Mesh volume; IBSI "Volume (mesh)" `RNU0`, phantom tag `morph_volume`.
///
/// `V = Σ_{i=1}^{N_f} a_i · (b_i × c_i) / 6`: the signed volumes of the tetrahedra spanned by
/// each triangle and the origin, with PyRadiomics' outward normals (so no absolute value is
/// needed; IBSI takes `|Σ|`, the same for a correctly oriented mesh). Always > 0 for a
/// non-empty ROI (a single voxel gives 1/6 of its volume).
pub fn mesh_volume(shape: &Shape) -> f64 {
    shape.mesh.volume
}

/// Voxel volume; IBSI "Volume (voxel counting)" `YEKZ`, phantom tag `morph_vol_approx`.
///
/// `V_voxel = N_v · (Δz Δx Δy)` (evaluated in that order, as PyRadiomics). Not used by the
/// other features.
pub fn voxel_volume(shape: &Shape) -> f64 {
    let [z, y, x] = shape.spacing_zyx;
    shape.voxel_count as f64 * (z * x * y)
}

/// Surface area; IBSI "Surface area (mesh)" `C0JK`, phantom tag `morph_area_mesh`.
///
/// `A = Σ_{i=1}^{N_f} ½ |(a_i − c_i) × (b_i − c_i)|`, the summed triangle areas of the mesh.
pub fn surface_area(shape: &Shape) -> f64 {
    shape.mesh.surface_area
}

/// Surface area to volume ratio; IBSI "Surface to volume ratio" `2PR5`, phantom tag `morph_av`.
///
/// `A / V` (mm⁻¹; not dimensionless).
pub fn surface_volume_ratio(shape: &Shape) -> f64 {
    shape.mesh.surface_area / shape.mesh.volume
}

/// Sphericity; IBSI "Sphericity" `QCFX`, phantom tag `morph_sphericity`.
///
/// `(36 π V²)^{1/3} / A`, in `(0, 1]` (1 for a sphere). Same definition in IBSI.
pub fn sphericity(shape: &Shape) -> f64 {
    sphere_area(shape.mesh.volume) / shape.mesh.surface_area
}

/// Compactness 1 (deprecated in PyRadiomics); IBSI "Compactness 1" `SKGS`, phantom tag
/// `morph_comp_1`.
///
/// `V / (A^{3/2} √π)`, in `(0, 1/(6π)]`. Same definition in IBSI.
pub fn compactness1(shape: &Shape) -> f64 {
    shape.mesh.volume / (shape.mesh.surface_area.powf(1.5) * std::f64::consts::PI.sqrt())
}

/// Compactness 2 (deprecated in PyRadiomics); IBSI "Compactness 2" `BQWJ`, phantom tag
/// `morph_comp_2`.
///
/// `36 π V² / A³` = sphericity³, in `(0, 1]`. Same definition in IBSI.
pub fn compactness2(shape: &Shape) -> f64 {
    let (v, a) = (shape.mesh.volume, shape.mesh.surface_area);
    (36.0 * std::f64::consts::PI) * v.powf(2.0) / a.powf(3.0)
}

/// Spherical disproportion (deprecated in PyRadiomics); IBSI "Spherical disproportion" `KRCK`,
/// phantom tag `morph_sph_dispr`.
///
/// `A / (36 π V²)^{1/3}` = 1 / sphericity, ≥ 1. Same definition in IBSI. (IBSI's
/// "Asphericity" `25C7`, `morph_asphericity`, is this minus 1; PyRadiomics has no such feature.)
pub fn spherical_disproportion(shape: &Shape) -> f64 {
    shape.mesh.surface_area / sphere_area(shape.mesh.volume)
}

/// Maximum 3D diameter; IBSI "Maximum 3D diameter" `L0JK`, phantom tag `morph_diam`.
///
/// The largest Euclidean distance (mm) between two mesh vertices. Computed over the vertices
/// that can end a farthest pair (module `mesh` docs), with PyRadiomics' arithmetic, so it equals
/// PyRadiomics' all-pairs maximum bit for bit. Same definition in IBSI.
pub fn maximum_3d_diameter(shape: &Shape) -> f64 {
    shape.mesh.diameters[3]
}

/// Maximum 2D diameter (Slice); no IBSI equivalent (IBSI defines morphology in 3D only, `DHQ4`).
///
/// The largest distance (mm) between two mesh vertices with the same `z` coordinate (array
/// axis 0): the row–column plane, axial for axial scans. Vertices on edges along `z` lie on
/// half-integer slice positions, and pairs there count too.
pub fn maximum_2d_diameter_slice(shape: &Shape) -> f64 {
    shape.mesh.diameters[0]
}

/// Maximum 2D diameter (Column); no IBSI equivalent (IBSI defines morphology in 3D only, `DHQ4`).
///
/// The largest distance (mm) between two mesh vertices with the same `y` coordinate (array
/// axis 1): the row–slice plane, coronal for axial scans.
pub fn maximum_2d_diameter_column(shape: &Shape) -> f64 {
    shape.mesh.diameters[1]
}

/// Maximum 2D diameter (Row); no IBSI equivalent (IBSI defines morphology in 3D only, `DHQ4`).
///
/// The largest distance (mm) between two mesh vertices with the same `x` coordinate (array
/// axis 2): the column–slice plane, sagittal for axial scans.
pub fn maximum_2d_diameter_row(shape: &Shape) -> f64 {
    shape.mesh.diameters[2]
}

/// Major axis length; IBSI "Major axis length" `TDIC`, phantom tag `morph_pca_maj_axis`.
///
/// `4 √λ_major` (mm). **Differs from IBSI**: PyRadiomics normalises the covariance by `N_v`,
/// IBSI's reference values use `N_v − 1` (sample covariance), so IBSI's value is this times
/// `√(N_v / (N_v − 1))`. 0 for a single voxel.
pub fn major_axis_length(shape: &Shape) -> f64 {
    axis_length(shape.eigenvalues[2])
}

/// Minor axis length; IBSI "Minor axis length" `P9VJ`, phantom tag `morph_pca_min_axis`.
///
/// `4 √λ_minor` (mm). Differs from IBSI by the factor `√(N_v / (N_v − 1))`, as
/// [`major_axis_length`].
pub fn minor_axis_length(shape: &Shape) -> f64 {
    axis_length(shape.eigenvalues[1])
}

/// Least axis length; IBSI "Least axis length" `7J51`, phantom tag `morph_pca_least_axis`.
///
/// `4 √λ_least` (mm); 0 for a ROI one voxel thick. Differs from IBSI by the factor
/// `√(N_v / (N_v − 1))`, as [`major_axis_length`].
pub fn least_axis_length(shape: &Shape) -> f64 {
    axis_length(shape.eigenvalues[0])
}

/// Elongation; IBSI "Elongation" `Q3CK`, phantom tag `morph_pca_elongation`.
///
/// `√(λ_minor / λ_major)`, in `[0, 1]` (1: circular cross-section). NaN for a single voxel
/// (`0/0`), as PyRadiomics. Same as IBSI (the normalisation cancels).
pub fn elongation(shape: &Shape) -> f64 {
    axis_ratio(shape.eigenvalues[1], shape.eigenvalues[2])
}

/// Flatness; IBSI "Flatness" `N17B`, phantom tag `morph_pca_flatness`.
///
/// `√(λ_least / λ_major)`, in `[0, 1]` (0: a flat, one-slice ROI). NaN for a single voxel
/// (`0/0`), as PyRadiomics. Same as IBSI (the normalisation cancels).
pub fn flatness(shape: &Shape) -> f64 {
    axis_ratio(shape.eigenvalues[0], shape.eigenvalues[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_of_a_tilted_rectangle() {
        // Points (x, y) = (0,0), (1,1), (2,2), (1,0), (2,1), (3,2), unit spacing, by hand:
        // var x = 5.5/6 = 11/12, var y = 4/6 = 2/3, cov = 4/6 = 2/3 (normalised by N = 6).
        // Eigenvalues of [[a, c], [c, b]]: (a + b)/2 ± √(((a − b)/2)² + c²).
        let pts = [[0, 0], [1, 1], [2, 2], [1, 0], [2, 1], [3, 2]];
        let e = principal_moments(&pts, [1.0, 1.0]);
        let (a, b, c) = (11.0 / 12.0, 2.0 / 3.0, 2.0 / 3.0);
        let r = (((a - b) / 2.0f64).powi(2) + c * c).sqrt();
        assert!((e[0] - ((a + b) / 2.0 - r)).abs() < 1e-15, "{e:?}");
        assert!((e[1] - ((a + b) / 2.0 + r)).abs() < 1e-15, "{e:?}");
    }

    #[test]
    fn collinear_points_give_a_negligible_eigenvalue() {
        // Voxel centres on a diagonal line with anisotropic spacing: rank 1 in exact arithmetic.
        let pts = [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 7]];
        let e = principal_moments(&pts, [2.1, 0.664062, 0.7]);
        // Σ of squared half-spacings times the variance of 1..5 (2): λ_max = 2 Σ s².
        let want = 2.0 * (2.1f64 * 2.1 + 0.664062 * 0.664062 + 0.49);
        assert!((e[2] - want).abs() < 1e-14 * want, "{e:?}");
        assert!(e[0].sqrt() < 1e-14 && e[1].sqrt() < 1e-14, "{e:?}");
    }

    #[test]
    fn covariance_of_a_rectangle_of_points() {
        // Points (0,0), (0,2), (1,0), (1,2) with spacing (3, 0.5): coordinates (0|3, 0|1);
        // variances 9/4 and 1/4, no covariance.
        let pts = [[0, 0], [0, 2], [1, 0], [1, 2]];
        let e = principal_moments(&pts, [3.0, 0.5]);
        assert!((e[0] - 0.25).abs() < 1e-15 && (e[1] - 2.25).abs() < 1e-15, "{e:?}");
    }
}
