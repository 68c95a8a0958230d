//! Resampling onto another voxel grid, reproducing SimpleITK's `ResampleImageFilter` and
//! PyRadiomics' `resampleImage` / `correctMask` bit for bit.
//!
//! # What SimpleITK does, and what this module copies
//!
//! SimpleITK 2.5 (ITK 5.4) resamples with `itk::ResampleImageFilter<In, Out, double>` and an
//! identity transform. For every output scan line (fixed y, z) it maps the output indices
//! `x = 0` and `x = size_x` to continuous input indices and places the points in between by
//! linear interpolation, `start + (x / size_x) · (end − start)`. A point is inside the input
//! when every continuous index `c` satisfies `−0.5 ≤ c < n − 0.5` (ITK's `IsInsideBuffer`, a
//! half-voxel margin); points outside get the default value. Inside points are interpolated in
//! `f64` and cast to the output pixel type by clamping to its range and truncating toward zero
//! (ITK's `CastComponentWithBoundsChecking`; no rounding).
//!
//! The index ↔ physical maps are ITK's: `M = D · diag(spacing)`, physical points
//! `origin + M · i` summed in ITK's order, and continuous indices `M⁻¹ · (p − origin)`. ITK
//! inverts `M` by SVD, which for axis-aligned grids (any signed permutation, i.e. every grid
//! in practice) gives exactly the reciprocal spacings used here; for oblique grids the inverse
//! here may differ from ITK's in the last bit.
//!
//! The kernels ([`Interpolator`]):
//! - **nearest neighbour**: ITK's `Math::Round`, i.e. halves round **up** (`2.5 → 3`,
//!   `−0.5 → 0`), computed as ITK does on x86-64 (`round_half_even(2c + 0.5) >> 1`).
//! - **linear**: ITK's `LinearInterpolateImageFunction`: base index `max(floor(c), 0)`, one
//!   nested `a + (b − a)·d` along x, then y, then z, skipping an axis whose distance is `≤ 0`
//!   or whose upper neighbour is outside the image (so the last half voxel is constant).
//! - **cubic B-spline** (`sitkBSpline`): ITK's `BSplineDecompositionImageFilter` computes the
//!   coefficients with Unser's recursive prefilter (pole `√3 − 2`, gain `(1 − z)(1 − 1/z)`)
//!   along x, then y, then z over the **whole** input image, with mirror boundaries; the
//!   causal initialisation is truncated after 18 terms (tolerance 1e-10) on lines longer than
//!   that. `BSplineInterpolateImageFunction` then evaluates the 4×4×4 tensor-product weights
//!   at `floor(f32(c)) − 1 … + 2` (the index is rounded to `f32` first, as ITK does), mirrors
//!   indices at the borders and sums the 64 terms x-fastest.
//!
//! Every step is done in the same floating-point order as ITK, so outputs match SimpleITK
//! exactly, before and after the cast (tests in `tests/resample.rs`).

use ndarray::{Array3, ArrayView3};

use crate::{BoundingBox, Error, Geometry, Mask, PixelType, Result, Volume};

/// Interpolation kernels, as SimpleITK names them.
///
/// PyRadiomics' `interpolator` setting also accepts `sitkGaussian`, `sitkLabelGaussian` and the
/// windowed-sinc kernels (`sitkHammingWindowedSinc`, …); [`Interpolator::from_sitk_name`]
/// rejects those by name as not implemented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interpolator {
    /// `sitkNearestNeighbor`: the value of the nearest voxel (halves round up).
    NearestNeighbor,
    /// `sitkLinear`: trilinear interpolation.
    Linear,
    /// `sitkBSpline`: cubic B-spline interpolation (spline order 3), PyRadiomics' default.
    BSpline,
}

/// SimpleITK interpolators PyRadiomics accepts that this crate does not implement.
const UNSUPPORTED_SITK_INTERPOLATORS: [&str; 7] = [
    "sitkGaussian",
    "sitkLabelGaussian",
    "sitkHammingWindowedSinc",
    "sitkCosineWindowedSinc",
    "sitkWelchWindowedSinc",
    "sitkLanczosWindowedSinc",
    "sitkBlackmanWindowedSinc",
];

impl Interpolator {
    /// The interpolator a SimpleITK name (`"sitkBSpline"`, `"sitkLinear"`,
    /// `"sitkNearestNeighbor"`) stands for, as PyRadiomics' `interpolator` setting spells it.
    ///
    /// Fails with [`Error::InvalidSetting`] naming the value when it is unknown or one of the
    /// kernels PyRadiomics accepts but radlsig does not implement (`sitkGaussian`, …).
    pub fn from_sitk_name(name: &str) -> Result<Self> {
        match name {
            "sitkNearestNeighbor" => Ok(Interpolator::NearestNeighbor),
            "sitkLinear" => Ok(Interpolator::Linear),
            "sitkBSpline" => Ok(Interpolator::BSpline),
            _ if UNSUPPORTED_SITK_INTERPOLATORS.contains(&name) => Err(Error::InvalidSetting {
                name: "interpolator",
                reason: format!(
                    "{name} is not implemented (supported: sitkNearestNeighbor, sitkLinear, \
                     sitkBSpline)"
                ),
            }),
            _ => Err(Error::InvalidSetting {
                name: "interpolator",
                reason: format!(
                    "unknown interpolator {name:?} (expected sitkNearestNeighbor, sitkLinear or \
                     sitkBSpline)"
                ),
            }),
        }
    }

    /// The SimpleITK name, e.g. `"sitkBSpline"`.
    pub fn sitk_name(self) -> &'static str {
        match self {
            Interpolator::NearestNeighbor => "sitkNearestNeighbor",
            Interpolator::Linear => "sitkLinear",
            Interpolator::BSpline => "sitkBSpline",
        }
    }
}

impl std::fmt::Display for Interpolator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.sitk_name())
    }
}

/// Resamples `volume` onto `grid`, as SimpleITK's `ResampleImageFilter` with an identity
/// transform and the input's pixel type as output type.
///
/// Each output voxel is the `interpolator`'s value at the physical position of the grid point;
/// points outside the input (a continuous index below `−0.5` or at/above `n − 0.5` on some
/// axis) get `default_value`. Values are then cast to the input's
/// [`PixelType`] as ITK does: clamp to the type's range, truncate toward zero
/// (use a `Float64` input to keep the interpolated values). The B-spline coefficients depend on
/// the whole input (see the module docs), so cropping the input first changes the result
/// slightly.
///
/// Fails when the grid's spacing is not positive and finite or a direction matrix is singular.
///
/// ```
/// use ndarray::Array3;
/// use radlsig_volume::{Geometry, Interpolator, PixelType, Volume, resample};
/// // Four voxels 1 mm apart holding 0, 10, 20, 30, sampled every 0.5 mm from x = 1 mm.
/// let data = Array3::from_shape_fn((1, 1, 4), |(_, _, x)| 10.0 * x as f64);
/// let v = Volume::new(data, Geometry::new([4, 1, 1], [1.0; 3]), PixelType::Float64).unwrap();
/// let mut grid = Geometry::new([5, 1, 1], [0.5, 1.0, 1.0]);
/// grid.origin = [1.0, 0.0, 0.0];
/// let out = resample(&v, &grid, Interpolator::Linear, -1.0).unwrap();
/// // x = 3 is the last centre, 3.5 is outside (the half-voxel margin ends there).
/// assert_eq!(out.data().as_slice().unwrap(), &[10.0, 15.0, 20.0, 25.0, 30.0][..]);
/// grid.size[0] = 6;
/// let out = resample(&v, &grid, Interpolator::Linear, -1.0).unwrap();
/// assert_eq!(out.data()[[0, 0, 5]], -1.0);
/// ```
pub fn resample(
    volume: &Volume,
    grid: &Geometry,
    interpolator: Interpolator,
    default_value: f64,
) -> Result<Volume> {
    let input = IndexMap::new(volume.geometry(), "input volume")?;
    let output = IndexMap::new(grid, "output grid")?;
    let pixel_type = volume.pixel_type();
    let default = cast(pixel_type, default_value);
    let [nx, ny, nz] = grid.size;
    let mut out = Array3::from_elem((nz, ny, nx), default);
    if grid.is_empty() || volume.geometry().is_empty() {
        return Volume::new(out, *grid, pixel_type);
    }
    let lines = ScanLines { input: &input, output: &output, size: grid.size };
    let data = volume.view();
    let in_size = volume.geometry().size;
    let sampler = match interpolator {
        Interpolator::NearestNeighbor => Sampler::Nearest,
        Interpolator::Linear => Sampler::Linear,
        Interpolator::BSpline => match lines.support_box(in_size) {
            Some(region) => Sampler::BSpline(BSplineCoefficients::new(data, region)),
            // No grid point falls inside the input: everything is background.
            None => return Volume::new(out, *grid, pixel_type),
        },
    };
    let inside = |c: [f64; 3]| (0..3).all(|a| c[a] >= -0.5 && c[a] < in_size[a] as f64 - 0.5);
    // B-spline points of a line are evaluated in batches (see `BSplineCoefficients::evaluate`).
    let mut batch: Vec<(usize, [f64; 3])> = Vec::with_capacity(nx);
    let mut values = vec![0.0; nx];
    for z in 0..nz {
        for y in 0..ny {
            let (start, step) = lines.line(y, z);
            let mut row = out.slice_mut(ndarray::s![z, y, ..]);
            match &sampler {
                Sampler::Nearest | Sampler::Linear => {
                    for (x, v) in row.iter_mut().enumerate() {
                        let c = ScanLines::point(start, step, x, nx);
                        if inside(c) {
                            let value = match sampler {
                                Sampler::Nearest => nearest(data, c),
                                _ => linear(data, c),
                            };
                            *v = cast(pixel_type, value);
                        }
                    }
                }
                Sampler::BSpline(coefficients) => {
                    batch.clear();
                    batch.extend(
                        (0..nx)
                            .map(|x| (x, ScanLines::point(start, step, x, nx)))
                            .filter(|(_, c)| inside(*c)),
                    );
                    coefficients.evaluate(&batch, in_size, &mut values);
                    for (&(x, _), value) in batch.iter().zip(&values) {
                        row[x] = cast(pixel_type, *value);
                    }
                }
            }
        }
    }
    Volume::new(out, *grid, pixel_type)
}

/// ITK's cast of an interpolated value to the output pixel type ([`PixelType::cast`]: clamp, then
/// truncate toward zero), with `-0.0` from truncating values in (−1, 0) turned into `0.0` as an
/// integer type holds it.
fn cast(pixel_type: PixelType, value: f64) -> f64 {
    let v = pixel_type.cast(value);
    if pixel_type.is_integer() { v + 0.0 } else { v }
}

/// PyRadiomics' `resampleImage`: resamples `image` and the label volume `mask` (not yet
/// thresholded) to `spacing` (x, y, z mm) on a grid around the ROI of `label`. Returns
/// `(image, mask_labels)`, both on the new grid with their input pixel types.
///
/// The steps, as in PyRadiomics 3.1:
/// 1. a spacing of 0 keeps the mask's spacing on that axis, and so does every axis on which
///    the ROI's bounding box is one voxel thick;
/// 2. the ROI must lie within the image's physical extent (as [`correct_mask`] checks);
/// 3. when the resulting spacing equals the image's (`numpy.allclose`: `|a − b| ≤ 1e-8 +
///    1e-5·|b|`), nothing is interpolated: the mask is put on the image grid by nearest
///    neighbour and both are cropped to the ROI's bounding box grown by `pad_distance` voxels
///    (clipped to the image);
/// 4. otherwise, with `r = mask spacing / new spacing` and the ROI's box `[l, l + s)` in mask
///    indices, the new grid spans new indices `floor((l − ½)·r − pad)` to
///    `ceil((l + s − ½)·r + pad)`, clipped to `[0, ceil(n·r) − 1]` (the grid keeps the mask's
///    corner: new index 0 sits at mask index `½(new − old)/old`), with the mask's direction;
///    the image is resampled with `interpolator`, the mask with nearest neighbour, both with
///    background 0.
///
/// Fails with [`Error::InvalidSetting`] for a negative or non-finite spacing,
/// [`Error::EmptyMask`] when `label` is absent, and [`Error::GeometryMismatch`] when the ROI
/// extends outside the image.
pub fn resample_image_and_mask(
    image: &Volume,
    mask: &Volume,
    label: i64,
    spacing: [f64; 3],
    interpolator: Interpolator,
    pad_distance: usize,
) -> Result<(Volume, Volume)> {
    if let Some(bad) = spacing.iter().find(|s| !(s.is_finite() && **s >= 0.0)) {
        return Err(Error::InvalidSetting {
            name: "resampledPixelSpacing",
            reason: format!("{bad} in {spacing:?} is not a spacing ≥ 0 (0 keeps the original)"),
        });
    }
    let mask_grid = *mask.geometry();
    let image_grid = *image.geometry();
    let roi = check_roi(&image_grid, mask, label)?;
    let mut target = [0.0; 3];
    for a in 0..3 {
        // A zero keeps the mask's spacing, as does an axis the ROI spans with a single slice.
        target[a] =
            if spacing[a] == 0.0 || roi.size[a] == 1 { mask_grid.spacing[a] } else { spacing[a] };
    }
    let same_spacing =
        (0..3).all(|a| (image_grid.spacing[a] - target[a]).abs() <= 1e-8 + 1e-5 * target[a].abs());
    if same_spacing {
        let labels = if mask_grid == image_grid {
            mask.clone()
        } else {
            resample(mask, &image_grid, Interpolator::NearestNeighbor, 0.0)?
        };
        let bbox = label_bounding_box(&labels, label, "mask resampled onto the image grid")?;
        let padded = bbox.padded(pad_distance, image_grid.shape_zyx());
        return Ok((image.crop(&padded)?, labels.crop(&padded)?));
    }
    let grid = roi_grid(&mask_grid, &roi, target, pad_distance)?;
    let resampled_image = resample(image, &grid, interpolator, 0.0)?;
    let resampled_mask = resample(mask, &grid, Interpolator::NearestNeighbor, 0.0)?;
    Ok((resampled_image, resampled_mask))
}

/// PyRadiomics' `correctMask` (the path `checkMask` takes when the mask is not on the image
/// grid): checks that the ROI of `label` lies within the image's physical extent, then
/// resamples the label volume `mask` onto `image` by nearest neighbour (background 0, the
/// mask's pixel type).
///
/// The check is PyRadiomics' `_checkROI`: the outer corners of the ROI's bounding box (voxel
/// centres ± half a voxel, in mask indices) are mapped to continuous image indices, which
/// must lie within `[−0.5, n − 0.5]` with a tolerance of 1e-3.
///
/// Fails with [`Error::EmptyMask`] when `label` is absent and [`Error::GeometryMismatch`]
/// naming the ROI's extent when it reaches outside the image.
pub fn correct_mask(image: &Geometry, mask: &Volume, label: i64) -> Result<Volume> {
    check_roi(image, mask, label)?;
    resample(mask, image, Interpolator::NearestNeighbor, 0.0)
}

/// The grid PyRadiomics resamples to before cropping: the same physical extent as `geometry`,
/// voxel spacing `spacing` (x, y, z mm), same direction.
///
/// The corner of the first voxel stays put: new voxel 0 is centred at old continuous index
/// `½(new − old)/old`, and each axis gets `ceil(n · old/new)` voxels. An entry of 0 (or any
/// entry that is not a positive finite number) keeps that axis' spacing and size.
pub fn resampled_grid(geometry: &Geometry, spacing: [f64; 3]) -> Geometry {
    let mut target = geometry.spacing;
    let mut size = geometry.size;
    let mut origin_index = [0.0; 3];
    for a in 0..3 {
        if spacing[a] > 0.0 && spacing[a].is_finite() {
            let old = geometry.spacing[a];
            target[a] = spacing[a];
            let ratio = old / spacing[a];
            size[a] = ((geometry.size[a] as f64 * ratio).ceil() as usize).max(1);
            origin_index[a] = 0.5 * (spacing[a] - old) / old;
        }
    }
    Geometry {
        size,
        spacing: target,
        origin: continuous_index_to_physical(geometry, origin_index),
        direction: geometry.direction,
    }
}

/// The bounding box of an ROI in mask indices, (x, y, z): first index and size, as SimpleITK's
/// `LabelShapeStatisticsImageFilter::GetBoundingBox` gives it.
#[derive(Debug, Clone, Copy)]
struct RoiBox {
    lower: [i64; 3],
    size: [i64; 3],
}

/// PyRadiomics' `_checkROI`: the ROI's bounding box, after checking that it lies within the
/// image's physical extent (tolerance 1e-3 voxel).
fn check_roi(image: &Geometry, mask: &Volume, label: i64) -> Result<RoiBox> {
    let bbox = label_bounding_box(mask, label, "mask")?;
    let shape = bbox.shape();
    let lower = [bbox.lower[2] as i64, bbox.lower[1] as i64, bbox.lower[0] as i64];
    let size = [shape[2] as i64, shape[1] as i64, shape[0] as i64];
    let image_map = IndexMap::new(image, "image")?;
    let mask_grid = mask.geometry();
    let corner = |offset: [i64; 3]| {
        let idx = [0, 1, 2].map(|a| (lower[a] + offset[a]) as f64 - 0.5);
        image_map.physical_to_continuous_index(continuous_index_to_physical(mask_grid, idx))
    };
    let low = corner([0; 3]);
    let high = corner(size);
    let tolerance = 1e-3;
    let outside = (0..3).any(|a| {
        low[a].min(high[a]) < -0.5 - tolerance
            || low[a].max(high[a]) > image.size[a] as f64 - 0.5 + tolerance
    });
    if outside {
        let axes: Vec<String> = (0..3)
            .map(|a| {
                format!(
                    "{} {:.3}..{:.3} (image -0.5..{})",
                    ["x", "y", "z"][a],
                    low[a].min(high[a]),
                    low[a].max(high[a]),
                    image.size[a] as f64 - 0.5
                )
            })
            .collect();
        return Err(Error::GeometryMismatch {
            what: format!("mask ROI of label {label}"),
            reason: format!(
                "the ROI's bounding box extends outside the image's physical extent (in image \
                 voxel indices: {})",
                axes.join(", ")
            ),
        });
    }
    Ok(RoiBox { lower, size })
}

/// The tightest box around the voxels of `labels` equal to `label` (SimpleITK's
/// `LabelShapeStatisticsImageFilter::GetBoundingBox`), found row by row without building a
/// [`Mask`]. Fails as [`Mask::from_labels`] does when no voxel carries the label.
fn label_bounding_box(labels: &Volume, label: i64, what: &str) -> Result<BoundingBox> {
    let target = label as f64;
    let mut lower = [usize::MAX; 3];
    let mut upper = [0usize; 3];
    for (z, plane) in labels.data().outer_iter().enumerate() {
        for (y, row) in plane.outer_iter().enumerate() {
            // Most rows hold no ROI voxel: a branch-free scan per 64 voxels (vectorisable)
            // skips them before the early-exit searches for the row's ends.
            let holds =
                |r: &[f64]| r.chunks(64).any(|c| c.iter().fold(false, |h, &v| h | (v == target)));
            if row.as_slice().is_some_and(|r| !holds(r)) {
                continue;
            }
            let Some(first) = row.iter().position(|&v| v == target) else { continue };
            let last = row.iter().rposition(|&v| v == target).unwrap_or(first);
            for (axis, (lo, hi)) in [(z, z), (y, y), (first, last)].into_iter().enumerate() {
                lower[axis] = lower[axis].min(lo);
                upper[axis] = upper[axis].max(hi);
            }
        }
    }
    if lower[0] == usize::MAX {
        // No voxel carries the label: let `from_labels` word the error (labels present, …).
        Mask::from_labels(labels, label, what)?;
        return Err(Error::EmptyMask { what: what.to_string(), label, present: String::new() });
    }
    Ok(BoundingBox { lower, upper })
}

/// The grid `resampleImage` computes around the ROI (step 4 of [`resample_image_and_mask`]),
/// with numpy's operation order.
fn roi_grid(mask: &Geometry, roi: &RoiBox, target: [f64; 3], pad: usize) -> Result<Geometry> {
    let pad = pad as f64;
    let mut size = [0usize; 3];
    let mut origin_index = [0.0; 3];
    for a in 0..3 {
        let ratio = mask.spacing[a] / target[a];
        let mut lower = ((roi.lower[a] as f64 - 0.5) * ratio - pad).floor();
        let mut upper = (((roi.lower[a] + roi.size[a]) as f64 - 0.5) * ratio + pad).ceil();
        let max_upper = (mask.size[a] as f64 * ratio).ceil() - 1.0;
        if lower < 0.0 {
            lower = 0.0;
        }
        if upper > max_upper {
            upper = max_upper;
        }
        if upper < lower {
            return Err(Error::Shape {
                what: "resample_image_and_mask",
                reason: format!("empty resampling grid along axis {a} (spacing {})", target[a]),
            });
        }
        size[a] = (upper - lower + 1.0) as usize;
        let new_origin_index = 0.5 * (target[a] - mask.spacing[a]) / mask.spacing[a];
        origin_index[a] = new_origin_index + lower / ratio;
    }
    Ok(Geometry {
        size,
        spacing: target,
        origin: continuous_index_to_physical(mask, origin_index),
        direction: mask.direction,
    })
}

/// ITK's `TransformContinuousIndexToPhysicalPoint`: `Σ_c M[r][c]·i[c]` summed from 0, then the
/// origin added.
fn continuous_index_to_physical(g: &Geometry, index: [f64; 3]) -> [f64; 3] {
    let m = index_to_physical_matrix(g);
    let mut p = [0.0; 3];
    for r in 0..3 {
        let mut sum = 0.0;
        for c in 0..3 {
            sum += m[r][c] * index[c];
        }
        p[r] = sum + g.origin[r];
    }
    p
}

/// ITK's `m_IndexToPhysicalPoint = Direction · diag(Spacing)`.
fn index_to_physical_matrix(g: &Geometry) -> [[f64; 3]; 3] {
    let mut m = [[0.0; 3]; 3];
    for (r, row) in m.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = g.direction[3 * r + c] * g.spacing[c];
        }
    }
    m
}

/// The index ↔ physical maps of one grid, with ITK's matrices and operation order.
#[derive(Debug, Clone, Copy)]
struct IndexMap {
    origin: [f64; 3],
    to_physical: [[f64; 3]; 3],
    to_index: [[f64; 3]; 3],
}

impl IndexMap {
    fn new(g: &Geometry, what: &'static str) -> Result<Self> {
        if let Some(bad) = g.spacing.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(Error::InvalidSetting {
                name: "spacing",
                reason: format!("{what} spacing {:?} holds {bad}, which is not > 0", g.spacing),
            });
        }
        let m = index_to_physical_matrix(g);
        let inv = invert(&m).ok_or_else(|| Error::Shape {
            what: "resample",
            reason: format!("{what} direction matrix {:?} is singular", g.direction),
        })?;
        Ok(IndexMap { origin: g.origin, to_physical: m, to_index: inv })
    }

    /// ITK's `TransformIndexToPhysicalPoint`: start from the origin, add `M[r][c]·i[c]`.
    fn index_to_physical(&self, index: [f64; 3]) -> [f64; 3] {
        let mut p = self.origin;
        for (r, pr) in p.iter_mut().enumerate() {
            for (c, ic) in index.iter().enumerate() {
                *pr += self.to_physical[r][c] * ic;
            }
        }
        p
    }

    /// ITK's `TransformPhysicalPointToContinuousIndex`: `M⁻¹ · (p − origin)`, rows summed from 0.
    fn physical_to_continuous_index(&self, p: [f64; 3]) -> [f64; 3] {
        let v = [p[0] - self.origin[0], p[1] - self.origin[1], p[2] - self.origin[2]];
        let mut index = [0.0; 3];
        for (r, ir) in index.iter_mut().enumerate() {
            let mut sum = 0.0;
            for (c, vc) in v.iter().enumerate() {
                sum += self.to_index[r][c] * vc;
            }
            *ir = sum;
        }
        index
    }
}

/// Inverse of `M = D · diag(s)`. For a signed permutation (each row and column one non-zero
/// entry, the case of every axis-aligned grid) the inverse is the transpose with reciprocal
/// entries, which is exactly what ITK's SVD-based inverse yields; otherwise the cofactor
/// formula (equal to ITK's up to rounding).
fn invert(m: &[[f64; 3]; 3]) -> Option<[[f64; 3]; 3]> {
    let nonzero = |r: usize, c: usize| m[r][c] != 0.0;
    let permutation = (0..3).all(|r| (0..3).filter(|&c| nonzero(r, c)).count() == 1)
        && (0..3).all(|c| (0..3).filter(|&r| nonzero(r, c)).count() == 1);
    let mut inv = [[0.0; 3]; 3];
    if permutation {
        for r in 0..3 {
            for c in 0..3 {
                if nonzero(r, c) {
                    inv[c][r] = 1.0 / m[r][c];
                }
            }
        }
        return Some(inv);
    }
    let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if det == 0.0 || !det.is_finite() {
        return None;
    }
    for (r, row) in inv.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            // inv[r][c] = cofactor(c, r) / det
            let (r1, r2) = ((c + 1) % 3, (c + 2) % 3);
            let (c1, c2) = ((r + 1) % 3, (r + 2) % 3);
            *v = (m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]) / det;
        }
    }
    Some(inv)
}

/// The output scan lines of a resampling, mapped into the input's continuous index space as
/// ITK's `LinearThreadedGenerateData` maps them.
struct ScanLines<'a> {
    input: &'a IndexMap,
    output: &'a IndexMap,
    size: [usize; 3],
}

impl ScanLines<'_> {
    /// Continuous input index of output index `x = 0` on line (y, z), and the vector to the
    /// index of `x = size_x`.
    fn line(&self, y: usize, z: usize) -> ([f64; 3], [f64; 3]) {
        let map = |x: usize| {
            let p = self.output.index_to_physical([x as f64, y as f64, z as f64]);
            self.input.physical_to_continuous_index(p)
        };
        let start = map(0);
        let end = map(self.size[0]);
        (start, [end[0] - start[0], end[1] - start[1], end[2] - start[2]])
    }

    /// The point `x` of a line: `start + (x / size_x) · step`.
    fn point(start: [f64; 3], step: [f64; 3], x: usize, nx: usize) -> [f64; 3] {
        let alpha = x as f64 / nx as f64;
        [start[0] + alpha * step[0], start[1] + alpha * step[1], start[2] + alpha * step[2]]
    }

    /// The input index box (x, y, z inclusive bounds) that the cubic B-spline reads for the
    /// grid points inside the input, or `None` when no grid point is inside.
    fn support_box(&self, in_size: [usize; 3]) -> Option<[(usize, usize); 3]> {
        let [nx, ny, nz] = self.size;
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        // Along a line each coordinate is monotonic in x, so its two ends bound it.
        for z in 0..nz {
            for y in 0..ny {
                let (start, step) = self.line(y, z);
                for c in [Self::point(start, step, 0, nx), Self::point(start, step, nx - 1, nx)] {
                    for a in 0..3 {
                        lo[a] = lo[a].min(c[a]);
                        hi[a] = hi[a].max(c[a]);
                    }
                }
            }
        }
        let mut region = [(0, 0); 3];
        for a in 0..3 {
            let n = in_size[a] as f64;
            let (l, h) = (lo[a].max(-0.5), hi[a].min(n - 0.5));
            if l > h || l >= n - 0.5 || h < -0.5 {
                return None;
            }
            let first = (l as f32).floor() as i64 - 1;
            let last = (h as f32).floor() as i64 + 2;
            let (mut min, mut max) = (usize::MAX, 0);
            for k in first..=last {
                let m = mirror(k, in_size[a]);
                min = min.min(m);
                max = max.max(m);
            }
            region[a] = (min, max);
        }
        Some(region)
    }
}

enum Sampler {
    Nearest,
    Linear,
    BSpline(BSplineCoefficients),
}

/// ITK's `Math::Round` on x86-64 (halves up): `round_half_even(2x + 0.5) >> 1`.
fn itk_round(x: f64) -> i64 {
    ((2.0 * x + 0.5).round_ties_even() as i64) >> 1
}

/// ITK's `Math::Floor` on x86-64: `round_half_even(2x − 0.5) >> 1`.
fn itk_floor(x: f64) -> i64 {
    ((2.0 * x - 0.5).round_ties_even() as i64) >> 1
}

/// Nearest-neighbour value at continuous index `c` (inside the image).
fn nearest(data: ArrayView3<'_, f64>, c: [f64; 3]) -> f64 {
    let shape = data.shape();
    let index = |a: usize, n: usize| (itk_round(c[a]).max(0) as usize).min(n - 1);
    data[[index(2, shape[0]), index(1, shape[1]), index(0, shape[2])]]
}

/// ITK's `LinearInterpolateImageFunction` at continuous index `c` (inside the image).
fn linear(data: ArrayView3<'_, f64>, c: [f64; 3]) -> f64 {
    let shape = data.shape();
    let n = [shape[2], shape[1], shape[0]];
    let mut base = [0usize; 3];
    let mut distance = [0.0; 3];
    let mut active = [false; 3];
    for a in 0..3 {
        let b = itk_floor(c[a]).max(0);
        distance[a] = c[a] - b as f64;
        base[a] = (b as usize).min(n[a] - 1);
        active[a] = distance[a] > 0.0 && base[a] + 1 < n[a];
    }
    let [x, y, z] = base;
    let lerp = |a: f64, b: f64, d: f64| a + (b - a) * d;
    let along_x = |yy: usize, zz: usize| {
        let v0 = data[[zz, yy, x]];
        if active[0] { lerp(v0, data[[zz, yy, x + 1]], distance[0]) } else { v0 }
    };
    let along_y = |zz: usize| {
        let v0 = along_x(y, zz);
        if active[1] { lerp(v0, along_x(y + 1, zz), distance[1]) } else { v0 }
    };
    let v0 = along_y(z);
    if active[2] { lerp(v0, along_y(z + 1), distance[2]) } else { v0 }
}

/// ITK's mirror boundary for B-spline indices (`ApplyMirrorBoundaryConditions`), clamped to the
/// image so that degenerate two-voxel axes cannot read outside it.
fn mirror(k: i64, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let end = n as i64 - 1;
    let mut k = k;
    if k < 0 {
        k = -k;
    }
    if k >= end {
        k = end - (k - end);
    }
    k.clamp(0, end) as usize
}

/// Cubic B-spline coefficients of a whole image, kept only on the index box the resampling
/// reads.
struct BSplineCoefficients {
    /// Coefficients on the box, indexed `[z, y, x]` relative to `lower`.
    values: Array3<f64>,
    /// First index of the box, (x, y, z).
    lower: [usize; 3],
}

/// The pole of the cubic B-spline prefilter, `√3 − 2`.
fn cubic_pole() -> f64 {
    3.0f64.sqrt() - 2.0
}

impl BSplineCoefficients {
    /// Runs ITK's `BSplineDecompositionImageFilter` (order 3) on the whole of `data` and keeps
    /// the box `region` ((x, y, z) inclusive bounds).
    ///
    /// The passes go along x, then y, then z, as ITK's. Each pass needs whole lines of the
    /// previous pass, so the x pass covers every line of the image, the y pass only the x
    /// columns of the box, and the z pass only the box's (x, y) columns.
    fn new(data: ArrayView3<'_, f64>, region: [(usize, usize); 3]) -> Self {
        let (nz, ny, nx) = data.dim();
        let [(x0, x1), (y0, y1), (z0, z1)] = region;
        let (wx, wy, wz) = (x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1);
        let filter = LineFilter::cubic();

        // Pass 1, along x: every line of the image, keep columns x0..=x1. Lines are filtered
        // LANES at a time, transposed so that the recursions run side by side (vectorised);
        // each line still sees exactly ITK's sequence of operations.
        const LANES: usize = 16;
        let mut pass_x = Array3::<f64>::zeros((nz, ny, wx));
        let mut buffer = vec![0.0; nx * LANES];
        for z in 0..nz {
            for y_start in (0..ny).step_by(LANES) {
                let lanes = LANES.min(ny - y_start);
                let buf = &mut buffer[..nx * lanes];
                for k in 0..lanes {
                    for (x, v) in data.slice(ndarray::s![z, y_start + k, ..]).iter().enumerate() {
                        buf[x * lanes + k] = *v;
                    }
                }
                filter.apply_lanes(buf, lanes, x0);
                for k in 0..lanes {
                    let mut row = pass_x.slice_mut(ndarray::s![z, y_start + k, ..]);
                    for (x, v) in row.iter_mut().enumerate() {
                        *v = buf[(x0 + x) * lanes + k];
                    }
                }
            }
        }

        // Pass 2, along y: a z slice of pass 1 is ny lines of wx lanes; keep rows y0..=y1.
        let mut pass_y = Array3::<f64>::zeros((nz, wy, wx));
        for z in 0..nz {
            let mut slab = pass_x.index_axis_mut(ndarray::Axis(0), z);
            let slab = slab.as_slice_mut().expect("a fresh array is contiguous");
            filter.apply_lanes(slab, wx, y0);
            let kept = &slab[y0 * wx..(y1 + 1) * wx];
            let mut out = pass_y.index_axis_mut(ndarray::Axis(0), z);
            for (dst, src) in out.iter_mut().zip(kept) {
                *dst = *src;
            }
        }
        drop(pass_x);

        // Pass 3, along z: pass 2 is nz lines of wy·wx lanes; keep slices z0..=z1.
        let all = pass_y.as_slice_mut().expect("a fresh array is contiguous");
        filter.apply_lanes(all, wy * wx, z0);
        let values =
            Array3::from_shape_vec((wz, wy, wx), all[z0 * wy * wx..(z1 + 1) * wy * wx].to_vec())
                .expect("the kept slices have the box's shape");
        BSplineCoefficients { values, lower: [x0, y0, z0] }
    }

    /// ITK's `BSplineInterpolateImageFunction::EvaluateAtContinuousIndex` (order 3) at each
    /// continuous index of `points`, for an image of `size` (x, y, z); results go to `out`.
    ///
    /// Each value is ITK's sequential sum of the 64 terms `((w_x · w_y) · w_z) · c`, x fastest.
    /// That chain of dependent additions is the bottleneck, so `EVAL_LANES` points are summed
    /// side by side; each point's sum keeps ITK's order exactly.
    fn evaluate(&self, points: &[(usize, [f64; 3])], size: [usize; 3], out: &mut [f64]) {
        const EVAL_LANES: usize = 8;
        let coefficients = self.values.as_slice().expect("coefficients are contiguous");
        let (_, wy, wx) = self.values.dim();
        for (chunk, results) in points.chunks(EVAL_LANES).zip(out.chunks_mut(EVAL_LANES)) {
            // Per axis, tap and lane: weight and coefficient offset (lanes innermost).
            let mut weights = [[[0.0; EVAL_LANES]; 4]; 3];
            let mut offsets = [[[0usize; EVAL_LANES]; 4]; 3];
            for l in 0..EVAL_LANES {
                // Short last chunk: repeat its last point in the unused lanes.
                let c = chunk[l.min(chunk.len() - 1)].1;
                for a in 0..3 {
                    // DetermineRegionOfSupport rounds the index to f32 before flooring.
                    let first = (c[a] as f32).floor() as i64 - 1;
                    let w = c[a] - (first + 1) as f64;
                    let w3 = (1.0 / 6.0) * w * w * w;
                    let w0 = (1.0 / 6.0) + 0.5 * w * (w - 1.0) - w3;
                    let w2 = w + w0 - 2.0 * w3;
                    let w1 = 1.0 - w0 - w2 - w3;
                    for (k, wk) in [w0, w1, w2, w3].into_iter().enumerate() {
                        weights[a][k][l] = wk;
                    }
                    let stride = [1, wx, wx * wy][a];
                    for (k, offset) in offsets[a].iter_mut().enumerate() {
                        offset[l] = (mirror(first + k as i64, size[a]) - self.lower[a]) * stride;
                    }
                }
            }
            // ITK multiplies the weights in axis order, ((w_x · w_y) · w_z): the inner product
            // w_x · w_y is the same number whether computed here or inside the sum.
            let mut weights_xy = [[[0.0; EVAL_LANES]; 4]; 4];
            let mut offsets_xy = [[[0usize; EVAL_LANES]; 4]; 4];
            for j in 0..4 {
                for i in 0..4 {
                    for l in 0..EVAL_LANES {
                        weights_xy[j][i][l] = weights[0][i][l] * weights[1][j][l];
                        offsets_xy[j][i][l] = offsets[0][i][l] + offsets[1][j][l];
                    }
                }
            }
            let mut sums = [0.0; EVAL_LANES];
            for k in 0..4 {
                for j in 0..4 {
                    for i in 0..4 {
                        for l in 0..EVAL_LANES {
                            let w = weights_xy[j][i][l] * weights[2][k][l];
                            sums[l] += w * coefficients[offsets_xy[j][i][l] + offsets[2][k][l]];
                        }
                    }
                }
            }
            results.copy_from_slice(&sums[..results.len()]);
        }
    }
}

/// ITK's one-dimensional B-spline prefilter (`DataToCoefficients1D`) for one pole.
struct LineFilter {
    pole: f64,
    gain: f64,
    horizon: usize,
}

impl LineFilter {
    fn cubic() -> Self {
        let z = cubic_pole();
        // ITK: c0 = 1; c0 = c0 * (1 - z) * (1 - 1/z).
        let gain = 1.0 * (1.0 - z) * (1.0 - 1.0 / z);
        // ITK's m_Tolerance = 1e-10 truncates the causal initialisation after this many terms.
        let horizon = ((1e-10f64).ln() / z.abs().ln()).ceil() as usize;
        LineFilter { pole: z, gain, horizon }
    }

    /// Filters `lanes` independent lines stored interleaved: sample `i` of line `l` is
    /// `buf[i * lanes + l]`. Every line gets exactly ITK's operations in ITK's order; only
    /// different lines run side by side. Only samples `keep_from..` are needed afterwards, so
    /// the anticausal recursion (which runs backwards) stops there; the samples before it are
    /// left half-filtered.
    fn apply_lanes(&self, buf: &mut [f64], lanes: usize, keep_from: usize) {
        if lanes == 0 {
            return;
        }
        let n = buf.len() / lanes;
        if n == 1 {
            return; // ITK leaves lines of length 1 unchanged.
        }
        let z = self.pole;
        for v in buf.iter_mut() {
            *v *= self.gain;
        }
        self.initial_causal(buf, n, lanes);
        for i in 1..n {
            let (done, rest) = buf.split_at_mut(i * lanes);
            let previous = &done[(i - 1) * lanes..];
            for (v, p) in rest[..lanes].iter_mut().zip(previous) {
                *v += z * p;
            }
        }
        let anticausal = z / (z * z - 1.0);
        let (head, last) = buf.split_at_mut((n - 1) * lanes);
        for (v, p) in last.iter_mut().zip(&head[(n - 2) * lanes..]) {
            *v = anticausal * (z * p + *v);
        }
        for i in (keep_from..n - 1).rev() {
            let (head, tail) = buf.split_at_mut((i + 1) * lanes);
            for (v, next) in head[i * lanes..].iter_mut().zip(&tail[..lanes]) {
                *v = z * (next - *v);
            }
        }
    }

    /// ITK's `SetInitialCausalCoefficient` (mirror boundaries), for each lane, into sample 0.
    fn initial_causal(&self, buf: &mut [f64], n: usize, lanes: usize) {
        let z = self.pole;
        let mut sums: Vec<f64> = buf[..lanes].to_vec();
        let mut zn = z;
        if self.horizon < n {
            for i in 1..self.horizon {
                for (sum, v) in sums.iter_mut().zip(&buf[i * lanes..(i + 1) * lanes]) {
                    *sum += zn * v;
                }
                zn *= z;
            }
            buf[..lanes].copy_from_slice(&sums);
        } else {
            let iz = 1.0 / z;
            let mut z2n = z.powf((n - 1) as f64);
            for (sum, v) in sums.iter_mut().zip(&buf[(n - 1) * lanes..]) {
                *sum += z2n * v;
            }
            // ITK: `z2n *= z2n * iz`, i.e. z2n · (z2n · iz).
            z2n = z2n * (z2n * iz);
            for i in 1..n - 1 {
                let factor = zn + z2n;
                for (sum, v) in sums.iter_mut().zip(&buf[i * lanes..(i + 1) * lanes]) {
                    *sum += factor * v;
                }
                zn *= z;
                z2n *= iz;
            }
            let denominator = 1.0 - zn * zn;
            for (v, sum) in buf[..lanes].iter_mut().zip(&sums) {
                *v = sum / denominator;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    fn ramp(size: [usize; 3], spacing: [f64; 3], pixel_type: PixelType) -> Volume {
        let data = Array3::from_shape_fn((size[2], size[1], size[0]), |(z, y, x)| {
            (x + 10 * y + 100 * z) as f64
        });
        Volume::new(data, Geometry::new(size, spacing), pixel_type).unwrap()
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for i in [Interpolator::NearestNeighbor, Interpolator::Linear, Interpolator::BSpline] {
            assert_eq!(Interpolator::from_sitk_name(i.sitk_name()).unwrap(), i);
        }
        let err = Interpolator::from_sitk_name("sitkGaussian").unwrap_err().to_string();
        assert!(err.contains("interpolator") && err.contains("sitkGaussian"), "{err}");
        let err = Interpolator::from_sitk_name("bspline").unwrap_err().to_string();
        assert!(err.contains("\"bspline\""), "{err}");
    }

    #[test]
    fn itk_rounding_rounds_halves_up() {
        assert_eq!(itk_round(2.5), 3);
        assert_eq!(itk_round(-0.5), 0);
        assert_eq!(itk_round(-1.5), -1);
        // 2x + 0.5 rounds to 1.5 here, so ITK rounds the largest double below 0.5 up.
        assert_eq!(itk_round(0.49999999999999994), 1);
        assert_eq!(itk_floor(-0.25), -1);
        assert_eq!(itk_floor(2.9999999999999996), 2);
        assert_eq!(itk_floor(3.0), 3);
    }

    #[test]
    fn linear_is_exact_on_a_ramp_and_constant_in_the_last_half_voxel() {
        let v = ramp([4, 3, 2], [1.0; 3], PixelType::Float64);
        // Voxel centre (1.25, 0.5, 0.75): value 1.25 + 10·0.5 + 100·0.75 = 81.25.
        assert_eq!(linear(v.view(), [1.25, 0.5, 0.75]), 81.25);
        // Beyond the last centre along x (x = 3.3): x stays 3, y interpolates.
        assert_eq!(linear(v.view(), [3.3, 1.5, 0.0]), 3.0 + 15.0);
        // Before the first centre (x = -0.4): the first voxel.
        assert_eq!(linear(v.view(), [-0.4, 0.0, 0.0]), 0.0);
    }

    #[test]
    fn half_voxel_margin_decides_what_is_inside() {
        let v = ramp([4, 1, 1], [1.0; 3], PixelType::Int16);
        // Output grid along x at -0.5, 0.5, 1.5, 2.5, 3.5 (input centres 0..3).
        let mut grid = Geometry::new([5, 1, 1], [1.0; 3]);
        grid.origin = [-0.5, 0.0, 0.0];
        let out = resample(&v, &grid, Interpolator::NearestNeighbor, -7.0).unwrap();
        // -0.5 is inside (rounds to 0); 3.5 = n - 0.5 is outside; halves round up.
        assert_eq!(out.data().iter().copied().collect::<Vec<_>>(), vec![0.0, 1.0, 2.0, 3.0, -7.0]);
    }

    #[test]
    fn cast_truncates_like_itk() {
        let v = ramp([3, 1, 1], [1.0; 3], PixelType::Int16);
        let mut grid = Geometry::new([2, 1, 1], [1.0; 3]);
        grid.origin = [0.7, 0.0, 0.0];
        let out = resample(&v, &grid, Interpolator::Linear, 0.0).unwrap();
        // 0.7 → 0, 1.7 → 1 (truncation, not rounding).
        assert_eq!(out.data().iter().copied().collect::<Vec<_>>(), vec![0.0, 1.0]);
    }

    #[test]
    fn bspline_interpolates_the_samples_and_reproduces_cubics_inside() {
        // Lines longer than the 18-term causal horizon and shorter ones (full initialisation).
        for n in [7usize, 30] {
            let data = Array3::from_shape_fn((1, 1, n), |(_, _, x)| ((x * 37) % 11) as f64);
            let v =
                Volume::new(data.clone(), Geometry::new([n, 1, 1], [1.0; 3]), PixelType::Float64)
                    .unwrap();
            let out = resample(&v, v.geometry(), Interpolator::BSpline, 0.0).unwrap();
            for (a, b) in out.data().iter().zip(data.iter()) {
                assert!((a - b).abs() < 1e-9, "n = {n}: {a} vs {b}");
            }
        }
        // A quadratic is a cubic spline: reproduced away from the mirrored borders (whose
        // influence decays as |z|^distance, z = √3 − 2).
        let n = 100;
        let f = |x: f64| 0.5 * x * x - 3.0 * x + 2.0;
        let data = Array3::from_shape_fn((1, 1, n), |(_, _, x)| f(x as f64));
        let v = Volume::new(data, Geometry::new([n, 1, 1], [1.0; 3]), PixelType::Float64).unwrap();
        let mut grid = Geometry::new([10, 1, 1], [0.37, 1.0, 1.0]);
        grid.origin = [45.2, 0.0, 0.0];
        let out = resample(&v, &grid, Interpolator::BSpline, 0.0).unwrap();
        for (i, got) in out.data().iter().enumerate() {
            let x = 45.2 + 0.37 * i as f64;
            assert!((got - f(x)).abs() < 1e-9, "x = {x}: {got} vs {}", f(x));
        }
    }

    #[test]
    fn bspline_keeps_constant_images_constant() {
        let data = Array3::from_elem((5, 6, 7), 100.0);
        let v = Volume::new(data, Geometry::new([7, 6, 5], [1.0; 3]), PixelType::Float64).unwrap();
        let grid = resampled_grid(v.geometry(), [0.7, 1.3, 0.45]);
        let out = resample(&v, &grid, Interpolator::BSpline, -1.0).unwrap();
        // z: ceil(5 / 0.45) = 12 slices from index -0.275; the last, at 4.675, is outside.
        assert_eq!(grid.size, [10, 5, 12]);
        let (outside, inside): (Vec<f64>, Vec<f64>) = out.data().iter().partition(|&&x| x == -1.0);
        assert_eq!(outside.len(), 10 * 5);
        assert!(inside.iter().all(|x| (x - 100.0).abs() < 1e-9));
    }

    #[test]
    fn resampled_grid_keeps_the_corner() {
        let mut g = Geometry::new([10, 10, 5], [0.5, 0.5, 3.0]);
        g.origin = [1.0, 2.0, 3.0];
        let r = resampled_grid(&g, [1.0, 0.0, 2.0]);
        assert_eq!(r.size, [5, 10, 8]);
        assert_eq!(r.spacing, [1.0, 0.5, 2.0]);
        // Corner x = 1 - 0.25 = 0.75, new centre 0.75 + 0.5; z: 3 - 1.5 + 1.
        assert_eq!(r.origin, [1.25, 2.0, 2.5]);
    }

    #[test]
    fn bad_spacing_and_outside_roi_are_rejected() {
        let v = ramp([4, 4, 4], [1.0; 3], PixelType::Int16);
        let grid = Geometry::new([2, 2, 2], [1.0, 0.0, 1.0]);
        let err = resample(&v, &grid, Interpolator::Linear, 0.0).unwrap_err().to_string();
        assert!(err.contains("spacing"), "{err}");

        let mut labels = Array3::zeros((4, 4, 4));
        labels[[1, 1, 1]] = 1.0;
        labels[[2, 2, 2]] = 1.0;
        let mask =
            Volume::new(labels, Geometry::new([4, 4, 4], [1.0; 3]), PixelType::UInt8).unwrap();
        let err = resample_image_and_mask(&v, &mask, 1, [-1.0, 1.0, 1.0], Interpolator::Linear, 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("resampledPixelSpacing"), "{err}");

        // An image covering only x < 1.5 (centres 0, 1) cannot hold the ROI at x = 2.
        let small = Geometry::new([2, 4, 4], [1.0; 3]);
        let err = correct_mask(&small, &mask, 1).unwrap_err().to_string();
        assert!(err.contains("label 1") && err.contains("outside"), "{err}");
        let err = correct_mask(&small, &mask, 3).unwrap_err().to_string();
        assert!(err.contains("label 3"), "{err}");
    }

    #[test]
    fn equal_spacing_only_crops() {
        let v = ramp([6, 6, 6], [1.0; 3], PixelType::Int16);
        let mut labels = Array3::zeros((6, 6, 6));
        labels[[2, 3, 4]] = 1.0;
        labels[[3, 3, 4]] = 1.0;
        let mask = Volume::new(labels, *v.geometry(), PixelType::UInt8).unwrap();
        let (img, m) =
            resample_image_and_mask(&v, &mask, 1, [1.0, 0.0, 1.0], Interpolator::BSpline, 1)
                .unwrap();
        assert_eq!(img.geometry().size, [3, 3, 4]);
        assert_eq!(img.data()[[0, 0, 0]], v.data()[[1, 2, 3]]);
        assert_eq!(m.data()[[1, 1, 1]], 1.0);
    }
}
