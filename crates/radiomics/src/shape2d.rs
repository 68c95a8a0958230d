//! 2D shape features of a single-slice ROI, as PyRadiomics 3.1 `shape2D.py` (class `shape2D`)
//! computes them. IBSI defines morphological features in 3D only (`DHQ4`), so none of these
//! has an IBSI code.
//!
//! # Input
//!
//! PyRadiomics computes shape2D only with `force2D: true`, and only for a mask that is one
//! voxel thick along `force2Ddimension` (the out-of-plane array axis: 0 = z for axial slices);
//! otherwise it raises a `ValueError`. [`Shape2D::new`] takes that dimension and fails the same
//! way. As for [`crate::shape`], the mask is cropped to the ROI's tight bounding box (what
//! PyRadiomics' `computeShape` hands over), the out-of-plane axis is dropped and the slice is
//! padded with one pixel of zeros, so the result does not depend on the padding passed in.
//! The pixel spacing is the mask's spacing along the two remaining axes (in array order).
//!
//! # Symbols
//!
//! - `N_p`: number of ROI pixels; `N_f`: number of contour lines with ends `a_i, b_i` (mm),
//!   from marching squares (module `mesh`, as PyRadiomics' `cshape.c`).
//! - `A = ½ Σ_i (a_i × b_i)`: the signed areas of the triangles spanned by each line and the
//!   origin; the parts outside the ROI cancel (mm²).
//! - `P = Σ_i |a_i − b_i|` (mm).
//! - `λ_minor ≤ λ_major`: eigenvalues of the covariance (normalised by `N_p`) of the pixel-centre
//!   coordinates in mm (see [`crate::shape`]).
//!
//! # Degenerate cases
//!
//! A single pixel gives a diamond (`A` = half the pixel area) and both eigenvalues 0: the axis
//! lengths are 0 and [`elongation`] is `0/0` = NaN, as in PyRadiomics.

use ndarray::{Array2, Axis, s};
use radlsig_volume::Mask;

use crate::extractor::{FeatureValues, evaluate};
use crate::mesh::{Mesh2d, mesh_2d};
use crate::shape::principal_moments;
use crate::{Error, Result, SettingProblem};

/// Every shape2D feature PyRadiomics 3.1 computes, as (name, deprecated?), in PyRadiomics'
/// (alphabetical) order.
pub const FEATURES: &[(&str, bool)] = &[
    ("Elongation", false),
    ("MajorAxisLength", false),
    ("MaximumDiameter", false),
    ("MeshSurface", false),
    ("MinorAxisLength", false),
    ("Perimeter", false),
    ("PerimeterSurfaceRatio", false),
    ("PixelSurface", false),
    ("SphericalDisproportion", true),
    ("Sphericity", false),
];

/// All shape2D features of `mask`, one per entry of [`FEATURES`], in the same order;
/// `force_2d_dimension` is PyRadiomics' `force2Ddimension` (array axis 0, 1 or 2).
///
/// Fails when the mask selects no voxel, when `force_2d_dimension` > 2, or when the ROI is
/// more than one voxel thick along it.
pub fn features(mask: &Mask, force_2d_dimension: usize) -> Result<FeatureValues> {
    let shape = Shape2D::new(mask, force_2d_dimension)?;
    let functions: [fn(&Shape2D) -> f64; 10] = [
        elongation,
        major_axis_length,
        maximum_diameter,
        mesh_surface,
        minor_axis_length,
        perimeter,
        perimeter_surface_ratio,
        pixel_surface,
        spherical_disproportion,
        sphericity,
    ];
    Ok(evaluate(&shape, FEATURES, &functions))
}

/// The contour and PCA quantities of a single-slice ROI, computed once; every feature function
/// reads them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape2D {
    mesh: Mesh2d,
    pixel_count: usize,
    pixel_spacing: [f64; 2],
    eigenvalues: [f64; 2],
}

impl Shape2D {
    /// Builds the contour of the ROI slice of `mask` and the PCA eigenvalues of its pixel
    /// centres; `force_2d_dimension` is the out-of-plane array axis (see the module docs).
    ///
    /// Fails when the mask selects no voxel, when `force_2d_dimension` > 2, or when the ROI is
    /// more than one voxel thick along that axis.
    pub fn new(mask: &Mask, force_2d_dimension: usize) -> Result<Shape2D> {
        const AXES: [&str; 3] = ["z", "y", "x"];
        if force_2d_dimension > 2 {
            return Err(Error::setting(SettingProblem::out_of_range(
                "force2Ddimension",
                force_2d_dimension,
                "0, 1 or 2 (an array axis)",
            )));
        }
        let bbox = mask.bounding_box().ok_or_else(|| Error::EmptyRoi { what: "shape2D".into() })?;
        let extent = bbox.shape();
        if extent[force_2d_dimension] > 1 {
            return Err(Error::RoiNotFlat {
                dimension: force_2d_dimension,
                axis: AXES[force_2d_dimension],
                extent: extent[force_2d_dimension],
            });
        }
        let (lo, hi) = (bbox.lower, bbox.upper);
        let roi = mask.view().slice_move(s![lo[0]..=hi[0], lo[1]..=hi[1], lo[2]..=hi[2]]);
        let slice = roi.index_axis_move(Axis(force_2d_dimension), 0);
        let (ny, nx) = slice.dim();
        let mut padded = Array2::from_elem((ny + 2, nx + 2), false);
        padded.slice_mut(s![1..=ny, 1..=nx]).assign(&slice);

        let spacing_zyx = mask.geometry().spacing_zyx();
        let kept: Vec<f64> =
            (0..3).filter(|&a| a != force_2d_dimension).map(|a| spacing_zyx[a]).collect();
        let pixel_spacing = [kept[0], kept[1]];
        let mesh = mesh_2d(padded.view(), pixel_spacing);
        let pixels: Vec<[usize; 2]> =
            padded.indexed_iter().filter(|(_, m)| **m).map(|((y, x), _)| [y, x]).collect();
        let eigenvalues = principal_moments(&pixels, pixel_spacing);
        Ok(Shape2D { mesh, pixel_count: pixels.len(), pixel_spacing, eigenvalues })
    }

    /// Number of ROI pixels `N_p`.
    pub fn pixel_count(&self) -> usize {
        self.pixel_count
    }

    /// `[λ_minor, λ_major]` (mm²), ascending.
    pub fn eigenvalues(&self) -> [f64; 2] {
        self.eigenvalues
    }
}

/// Mesh surface (area of the contour polygon); no IBSI equivalent.
///
/// `A = ½ Σ_{i=1}^{N_f} (a_i × b_i)` (mm²): signed triangle areas between each contour line
/// and the origin. A single pixel gives half its area.
pub fn mesh_surface(shape: &Shape2D) -> f64 {
    shape.mesh.surface
}

/// Pixel surface; no IBSI equivalent (the 2D analogue of "Volume (voxel counting)").
///
/// `N_p · (Δ₂ Δ₁)` with `Δ₁, Δ₂` the in-plane spacings in array order (evaluated as
/// PyRadiomics). Not used by the other features.
pub fn pixel_surface(shape: &Shape2D) -> f64 {
    let [y, x] = shape.pixel_spacing;
    shape.pixel_count as f64 * (x * y)
}

/// Perimeter; no IBSI equivalent.
///
/// `P = Σ_{i=1}^{N_f} |a_i − b_i|` (mm), the length of the marching squares contour.
pub fn perimeter(shape: &Shape2D) -> f64 {
    shape.mesh.perimeter
}

/// Perimeter to surface ratio; no IBSI equivalent.
///
/// `P / A` (mm⁻¹; not dimensionless).
pub fn perimeter_surface_ratio(shape: &Shape2D) -> f64 {
    shape.mesh.perimeter / shape.mesh.surface
}

/// Sphericity (2D: circularity); no IBSI equivalent.
///
/// `2 √(π A) / P`, the perimeter of the circle of area `A` over `P`, in `(0, 1]`.
pub fn sphericity(shape: &Shape2D) -> f64 {
    (2.0 * (std::f64::consts::PI * shape.mesh.surface).sqrt()) / shape.mesh.perimeter
}

/// Spherical disproportion (deprecated in PyRadiomics); no IBSI equivalent.
///
/// `P / (2 √(π A))` = 1 / [`sphericity`], ≥ 1.
pub fn spherical_disproportion(shape: &Shape2D) -> f64 {
    1.0 / sphericity(shape)
}

/// Maximum diameter; no IBSI equivalent (IBSI's "Maximum 3D diameter" is 3D).
///
/// The largest distance (mm) between two contour vertices, equal bit for bit to PyRadiomics'
/// all-pairs maximum (computed over the convex hull's vertices).
pub fn maximum_diameter(shape: &Shape2D) -> f64 {
    shape.mesh.diameter
}

/// Major axis length; no IBSI equivalent.
///
/// `4 √λ_major` (mm), normalisation by `N_p` as in [`crate::shape::major_axis_length`]; 0 for a
/// single pixel.
pub fn major_axis_length(shape: &Shape2D) -> f64 {
    axis_length(shape.eigenvalues[1])
}

/// Minor axis length; no IBSI equivalent.
///
/// `4 √λ_minor` (mm); 0 for a ROI one pixel wide.
pub fn minor_axis_length(shape: &Shape2D) -> f64 {
    axis_length(shape.eigenvalues[0])
}

/// Elongation; no IBSI equivalent (IBSI's "Elongation" `Q3CK` is the 3D version).
///
/// `√(λ_minor / λ_major)`, in `[0, 1]`; NaN for a single pixel (`0/0`), as PyRadiomics.
pub fn elongation(shape: &Shape2D) -> f64 {
    let [minor, major] = shape.eigenvalues;
    if minor < 0.0 || major < 0.0 { f64::NAN } else { (minor / major).sqrt() }
}

/// `4 √λ`, or NaN when `λ < 0` (PyRadiomics' guard).
fn axis_length(lambda: f64) -> f64 {
    if lambda < 0.0 { f64::NAN } else { lambda.sqrt() * 4.0 }
}
