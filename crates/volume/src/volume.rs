//! The [`Volume`] and [`Mask`] types, bounding boxes and cropping.

use std::collections::BTreeSet;

use ndarray::{Array3, ArrayView3, s};

use crate::{Error, Geometry, GeometryTolerance, Result};

/// The pixel type a volume had in its file.
///
/// Voxels are always held as `f64` (exact for every integer type up to 32 bits), but some
/// operations must behave as SimpleITK does on the original type: resampling casts its output
/// back to it, for example.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum PixelType {
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float32,
    Float64,
}

impl PixelType {
    /// Whether the type holds integers.
    pub fn is_integer(self) -> bool {
        !matches!(self, PixelType::Float32 | PixelType::Float64)
    }

    /// The smallest and largest value the type can hold.
    pub fn range(self) -> (f64, f64) {
        match self {
            PixelType::Int8 => (i8::MIN as f64, i8::MAX as f64),
            PixelType::UInt8 => (0.0, u8::MAX as f64),
            PixelType::Int16 => (i16::MIN as f64, i16::MAX as f64),
            PixelType::UInt16 => (0.0, u16::MAX as f64),
            PixelType::Int32 => (i32::MIN as f64, i32::MAX as f64),
            PixelType::UInt32 => (0.0, u32::MAX as f64),
            PixelType::Int64 => (i64::MIN as f64, i64::MAX as f64),
            PixelType::UInt64 => (0.0, u64::MAX as f64),
            PixelType::Float32 => (f32::MIN as f64, f32::MAX as f64),
            PixelType::Float64 => (f64::MIN, f64::MAX),
        }
    }

    /// Converts a computed value to this type the way ITK's filters do when they write an
    /// integer output: clamp to the type's range, then truncate toward zero. Float32 rounds to
    /// the nearest `f32`.
    pub fn cast(self, value: f64) -> f64 {
        match self {
            PixelType::Float64 => value,
            PixelType::Float32 => value as f32 as f64,
            _ => {
                let (lo, hi) = self.range();
                // `+ 0.0` turns the −0.0 that truncating (−1, 0) gives into the integer 0.
                value.clamp(lo, hi).trunc() + 0.0
            }
        }
    }
}

/// A 3D image: voxel values on a [`Geometry`].
///
/// The array is indexed `[z, y, x]` (x fastest in memory, as in the files); the geometry's
/// fields are in (x, y, z) order. See [`Geometry`] for the conventions.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    data: Array3<f64>,
    geometry: Geometry,
    pixel_type: PixelType,
}

impl Volume {
    /// A volume from an array indexed `[z, y, x]` and its geometry.
    ///
    /// Fails when the array's shape is not the geometry's `[z, y, x]` shape.
    pub fn new(data: Array3<f64>, geometry: Geometry, pixel_type: PixelType) -> Result<Self> {
        let shape = data.shape();
        if shape != geometry.shape_zyx() {
            return Err(Error::Shape {
                what: "Volume::new",
                reason: format!(
                    "array shape {shape:?} (z, y, x) does not match grid size {:?} (x, y, z)",
                    geometry.size
                ),
            });
        }
        Ok(Volume { data, geometry, pixel_type })
    }

    /// The voxel array, indexed `[z, y, x]`.
    pub fn data(&self) -> &Array3<f64> {
        &self.data
    }

    /// A read-only view of the voxel array, indexed `[z, y, x]`.
    pub fn view(&self) -> ArrayView3<'_, f64> {
        self.data.view()
    }

    /// The voxel array, mutably. The shape cannot change.
    pub fn data_mut(&mut self) -> &mut Array3<f64> {
        &mut self.data
    }

    /// Consumes the volume, returning its array.
    pub fn into_data(self) -> Array3<f64> {
        self.data
    }

    /// The grid the volume sits on.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The pixel type the volume had in its file.
    pub fn pixel_type(&self) -> PixelType {
        self.pixel_type
    }

    /// The same grid with other voxel values and pixel type.
    pub fn with_data(&self, data: Array3<f64>, pixel_type: PixelType) -> Result<Volume> {
        Volume::new(data, self.geometry, pixel_type)
    }

    /// Counts the voxels that are NaN or infinite.
    pub fn count_non_finite(&self) -> usize {
        self.data.iter().filter(|v| !v.is_finite()).count()
    }

    /// Fails with [`Error::NonFinite`] naming `what` when any voxel is NaN or infinite.
    pub fn check_finite(&self, what: &str) -> Result<()> {
        match self.count_non_finite() {
            0 => Ok(()),
            count => Err(Error::NonFinite { path: what.into(), count }),
        }
    }

    /// The part of the volume inside `bbox`, with its origin moved to the box's first voxel.
    pub fn crop(&self, bbox: &BoundingBox) -> Result<Volume> {
        bbox.check_within(&self.geometry, "Volume::crop")?;
        let data = self.data.slice(bbox.slice_info()).to_owned();
        Ok(Volume {
            data,
            geometry: self.geometry.sub_grid(bbox.lower, bbox.shape()),
            pixel_type: self.pixel_type,
        })
    }

    /// The smallest and largest finite voxel values (`None` when no voxel is finite).
    pub fn finite_range(&self) -> Option<(f64, f64)> {
        self.data.iter().filter(|v| v.is_finite()).fold(None, |range, &v| match range {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
    }

    /// The distinct values of the volume, sorted (for label volumes).
    pub fn distinct_values(&self) -> Vec<f64> {
        let mut values: Vec<f64> = self.data.iter().copied().filter(|v| v.is_finite()).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        values
    }
}

/// A binary region of interest on a [`Geometry`], indexed `[z, y, x]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    data: Array3<bool>,
    geometry: Geometry,
}

impl Mask {
    /// A mask from a boolean array indexed `[z, y, x]` and its geometry.
    pub fn new(data: Array3<bool>, geometry: Geometry) -> Result<Self> {
        if data.shape() != geometry.shape_zyx() {
            return Err(Error::Shape {
                what: "Mask::new",
                reason: format!(
                    "array shape {:?} (z, y, x) does not match grid size {:?} (x, y, z)",
                    data.shape(),
                    geometry.size
                ),
            });
        }
        Ok(Mask { data, geometry })
    }

    /// The voxels of `labels` equal to `label`.
    ///
    /// Fails with [`Error::EmptyMask`] when no voxel carries the label; the message names
    /// `what` (usually the mask file) and the labels that are present.
    pub fn from_labels(labels: &Volume, label: i64, what: &str) -> Result<Mask> {
        let target = label as f64;
        let data = labels.data.mapv(|v| v == target);
        if !data.iter().any(|&b| b) {
            let present: BTreeSet<i64> = labels
                .data
                .iter()
                .filter(|v| v.is_finite() && **v != 0.0 && v.fract() == 0.0)
                .map(|&v| v as i64)
                .take(10_000)
                .collect();
            let present = if present.is_empty() {
                " (the mask is empty)".to_string()
            } else {
                let list: Vec<String> = present.iter().take(10).map(i64::to_string).collect();
                format!(" (labels present: {})", list.join(", "))
            };
            return Err(Error::EmptyMask { what: what.to_string(), label, present });
        }
        Ok(Mask { data, geometry: labels.geometry })
    }

    /// The boolean array, indexed `[z, y, x]`.
    pub fn data(&self) -> &Array3<bool> {
        &self.data
    }

    /// A read-only view of the boolean array, indexed `[z, y, x]`.
    pub fn view(&self) -> ArrayView3<'_, bool> {
        self.data.view()
    }

    /// The grid the mask sits on.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// Number of voxels in the region.
    pub fn count(&self) -> usize {
        self.data.iter().filter(|&&b| b).count()
    }

    /// The tightest box around the region, or `None` when the mask is empty.
    pub fn bounding_box(&self) -> Option<BoundingBox> {
        let mut lower = [usize::MAX; 3];
        let mut upper = [0usize; 3];
        let mut any = false;
        // Row by row: whole empty rows (the common case in a large image) are skipped with one
        // vectorisable `contains`, and only rows holding the ROI are searched for their ends.
        for (z, plane) in self.data.outer_iter().enumerate() {
            for (y, row) in plane.outer_iter().enumerate() {
                let (first, last) = match row.as_slice() {
                    Some(r) if !any_true(r) => continue,
                    Some(r) => match r.iter().position(|&b| b) {
                        Some(f) => (f, r.iter().rposition(|&b| b).unwrap_or(f)),
                        None => continue,
                    },
                    None => match row.iter().position(|&b| b) {
                        Some(f) => {
                            (f, row.len() - 1 - row.iter().rev().position(|&b| b).unwrap_or(0))
                        }
                        None => continue,
                    },
                };
                any = true;
                for (axis, (lo, hi)) in [(z, z), (y, y), (first, last)].into_iter().enumerate() {
                    lower[axis] = lower[axis].min(lo);
                    upper[axis] = upper[axis].max(hi);
                }
            }
        }
        any.then_some(BoundingBox { lower, upper })
    }

    /// The part of the mask inside `bbox`, with its origin moved to the box's first voxel.
    pub fn crop(&self, bbox: &BoundingBox) -> Result<Mask> {
        bbox.check_within(&self.geometry, "Mask::crop")?;
        Ok(Mask {
            data: self.data.slice(bbox.slice_info()).to_owned(),
            geometry: self.geometry.sub_grid(bbox.lower, bbox.shape()),
        })
    }

    /// The values of `image` inside the mask, in array (z, y, x) order.
    ///
    /// Fails when the image is on a different grid (exactly: use
    /// [`check_geometry`] with a tolerance first where files may differ slightly).
    pub fn values(&self, image: &Volume) -> Result<Vec<f64>> {
        if image.data.shape() != self.data.shape() {
            return Err(Error::Shape {
                what: "Mask::values",
                reason: format!(
                    "image shape {:?} differs from mask shape {:?}",
                    image.data.shape(),
                    self.data.shape()
                ),
            });
        }
        Ok(image.data.iter().zip(self.data.iter()).filter(|(_, m)| **m).map(|(v, _)| *v).collect())
    }

    /// A mask on the same grid with another array.
    pub fn with_data(&self, data: Array3<bool>) -> Result<Mask> {
        Mask::new(data, self.geometry)
    }
}

/// Whether any element is true; a branch-free fold per 64-element chunk so the compiler can
/// vectorise the scan of mostly empty rows.
fn any_true(values: &[bool]) -> bool {
    values.chunks(64).any(|c| c.iter().fold(false, |acc, &b| acc | b))
}

/// An inclusive box of array indices, `[z, y, x]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoundingBox {
    /// First index inside the box along z, y, x.
    pub lower: [usize; 3],
    /// Last index inside the box along z, y, x (inclusive).
    pub upper: [usize; 3],
}

impl BoundingBox {
    /// Number of voxels along z, y, x.
    pub fn shape(&self) -> [usize; 3] {
        [
            self.upper[0] - self.lower[0] + 1,
            self.upper[1] - self.lower[1] + 1,
            self.upper[2] - self.lower[2] + 1,
        ]
    }

    /// The box grown by `distance` voxels on every side, clipped to a grid of `shape_zyx`.
    ///
    /// This is PyRadiomics' `padDistance` in `cropToTumorMask`: padding never leaves the image.
    pub fn padded(&self, distance: usize, shape_zyx: [usize; 3]) -> BoundingBox {
        let mut out = *self;
        for axis in 0..3 {
            out.lower[axis] = self.lower[axis].saturating_sub(distance);
            out.upper[axis] = (self.upper[axis] + distance).min(shape_zyx[axis] - 1);
        }
        out
    }

    fn check_within(&self, geometry: &Geometry, what: &'static str) -> Result<()> {
        let shape = geometry.shape_zyx();
        let ok = (0..3).all(|a| self.lower[a] <= self.upper[a] && self.upper[a] < shape[a]);
        if ok {
            Ok(())
        } else {
            Err(Error::Shape {
                what,
                reason: format!("box {self:?} does not fit in array shape {shape:?}"),
            })
        }
    }

    fn slice_info(
        &self,
    ) -> ndarray::SliceInfo<[ndarray::SliceInfoElem; 3], ndarray::Ix3, ndarray::Ix3> {
        s![
            self.lower[0]..=self.upper[0],
            self.lower[1]..=self.upper[1],
            self.lower[2]..=self.upper[2]
        ]
    }
}

/// Checks that `mask` lies on the same grid as `image` within `tolerance`.
///
/// The error names both files (`image_name`, `mask_name`) and the first property that differs.
pub fn check_geometry(
    image: &Geometry,
    mask: &Geometry,
    tolerance: GeometryTolerance,
    image_name: &str,
    mask_name: &str,
) -> Result<()> {
    image.check_same_grid(mask, tolerance).map_err(|reason| Error::GeometryMismatch {
        what: format!("mask {mask_name} does not fit image {image_name}"),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    fn labels() -> Volume {
        let mut a = Array3::<f64>::zeros((4, 5, 6));
        a[[1, 2, 3]] = 1.0;
        a[[2, 3, 4]] = 1.0;
        a[[3, 0, 0]] = 2.0;
        Volume::new(a, Geometry::new([6, 5, 4], [1.0, 1.0, 1.0]), PixelType::Int16).unwrap()
    }

    #[test]
    fn mask_from_label_and_bounding_box() {
        let m = Mask::from_labels(&labels(), 1, "m.nrrd").unwrap();
        assert_eq!(m.count(), 2);
        let bb = m.bounding_box().unwrap();
        assert_eq!(bb, BoundingBox { lower: [1, 2, 3], upper: [2, 3, 4] });
        // A strided (non-contiguous) view gives the same box.
        let flipped =
            Mask::new(m.data().slice(ndarray::s![.., .., ..;-1]).to_owned(), *m.geometry())
                .unwrap();
        assert_eq!(
            flipped.bounding_box().unwrap(),
            BoundingBox { lower: [1, 2, 1], upper: [2, 3, 2] }
        );
        let empty =
            Mask::new(Array3::from_elem((2, 2, 2), false), Geometry::new([2, 2, 2], [1.0; 3]))
                .unwrap();
        assert_eq!(empty.bounding_box(), None);
        assert_eq!(bb.shape(), [2, 2, 2]);
        let p = bb.padded(5, [4, 5, 6]);
        assert_eq!(p, BoundingBox { lower: [0, 0, 0], upper: [3, 4, 5] });
    }

    #[test]
    fn absent_label_lists_present_ones() {
        let err = Mask::from_labels(&labels(), 7, "m.nrrd").unwrap_err().to_string();
        assert!(err.contains("m.nrrd") && err.contains("label 7") && err.contains("1, 2"), "{err}");
    }

    #[test]
    fn crop_keeps_values_and_moves_origin() {
        let v = labels();
        let bb = BoundingBox { lower: [1, 2, 3], upper: [2, 3, 4] };
        let c = v.crop(&bb).unwrap();
        assert_eq!(c.data()[[0, 0, 0]], 1.0);
        assert_eq!(c.data()[[1, 1, 1]], 1.0);
        assert_eq!(c.geometry().origin, [3.0, 2.0, 1.0]);
        let bad = BoundingBox { lower: [0, 0, 0], upper: [4, 0, 0] };
        assert!(v.crop(&bad).is_err());
    }

    #[test]
    fn cast_clamps_then_truncates() {
        assert_eq!(PixelType::Int16.cast(-2.7), -2.0);
        assert!(PixelType::Int16.cast(-0.4).is_sign_positive());
        assert_eq!(PixelType::Int16.cast(40000.0), 32767.0);
        assert_eq!(PixelType::UInt8.cast(-3.0), 0.0);
        assert_eq!(PixelType::Float64.cast(0.1), 0.1);
    }

    #[test]
    fn finite_range_skips_non_finite_voxels() {
        let g = Geometry::new([3, 1, 1], [1.0; 3]);
        let data = Array3::from_shape_vec((1, 1, 3), vec![f64::NAN, -2.5, 4.0]).unwrap();
        let v = Volume::new(data, g, PixelType::Float32).unwrap();
        assert_eq!(v.finite_range(), Some((-2.5, 4.0)));
        assert_eq!(v.count_non_finite(), 1);
        let none = Array3::from_elem((1, 1, 3), f64::INFINITY);
        assert_eq!(v.with_data(none, PixelType::Float32).unwrap().finite_range(), None);
    }
}
