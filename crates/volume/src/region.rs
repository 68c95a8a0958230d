//! Reading only what an extraction needs: a file's header, its mask as booleans, or the voxels
//! of one box of the image.
//!
//! A CT of 512×512×60 voxels decodes to 16 million `f64`s, while the ROI and its padding are
//! usually a few hundred thousand. These readers stream the (gzip) data plane by plane, decode
//! only the rows of the box, and stop after its last plane. Values are identical to
//! [`read_volume`](crate::read_volume) followed by [`Volume::crop`].
//!
//! Stopping early means a gzip stream is not read to its end, where its checksum lies; a
//! truncated file is still caught by comparing the gzip trailer's size field (the length of the
//! uncompressed stream modulo 2³²) with the length the header implies. Any file whose layout the
//! streaming path does not handle is read whole.

use std::collections::BTreeSet;
use std::io::{self, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use ndarray::Array3;

use crate::nrrd::{decode_values, pixel_width};
use crate::{BoundingBox, Error, Format, Geometry, Mask, PixelType, Result, Volume, read_volume};

/// The voxel data of a file: its grid and type, and where the values start in the stream.
pub(crate) struct DataSource {
    pub(crate) geometry: Geometry,
    pub(crate) pixel_type: PixelType,
    pub(crate) big_endian: bool,
    /// Whether `bytes[payload_start..]` is gzip-compressed.
    pub(crate) compressed: bool,
    pub(crate) bytes: Vec<u8>,
    pub(crate) payload_start: usize,
    /// Offset of the first voxel in the (decompressed) payload.
    pub(crate) data_offset: usize,
}

fn corrupt(path: &Path, reason: impl Into<String>) -> Error {
    Error::Corrupt { path: path.to_path_buf(), reason: reason.into() }
}

fn data_source(path: &Path) -> Result<Option<DataSource>> {
    if !path.exists() {
        return Err(Error::Io {
            path: path.to_path_buf(),
            source: io::Error::new(io::ErrorKind::NotFound, "no such file"),
        });
    }
    match Format::from_path(path) {
        Some(Format::Nrrd) => crate::nrrd::data_source(path),
        Some(Format::Nifti) => crate::nifti_io::data_source(path),
        None => Err(Error::UnknownFormat { path: path.to_path_buf() }),
    }
}

impl DataSource {
    /// A reader positioned at the first voxel, after checking the data is all there.
    fn voxels(&self, path: &Path) -> Result<Box<dyn Read + '_>> {
        let payload = &self.bytes[self.payload_start..];
        let expected = self.data_offset + self.geometry.len() * pixel_width(self.pixel_type);
        let mut reader: Box<dyn Read + '_> = if self.compressed {
            // Size field of the gzip trailer: the uncompressed length modulo 2^32.
            let trailer = payload.len().checked_sub(4).map(|i| &payload[i..]);
            let isize = trailer.map(|t| u32::from_le_bytes([t[0], t[1], t[2], t[3]]));
            if isize != Some(expected as u32) {
                return Err(corrupt(path, "gzip data is truncated or holds more than one image"));
            }
            Box::new(MultiGzDecoder::new(payload))
        } else {
            if payload.len() < expected {
                return Err(corrupt(
                    path,
                    format!("data holds {} bytes, expected {expected} (file truncated?)", payload.len()),
                ));
            }
            Box::new(payload)
        };
        skip(&mut reader, self.data_offset as u64).map_err(|e| decode_error(path, e))?;
        Ok(reader)
    }
}

fn skip(reader: &mut impl Read, n: u64) -> io::Result<()> {
    let copied = io::copy(&mut reader.take(n), &mut io::sink())?;
    if copied < n { Err(io::ErrorKind::UnexpectedEof.into()) } else { Ok(()) }
}

fn decode_error(path: &Path, e: io::Error) -> Error {
    corrupt(path, format!("data cannot be decoded: {e}"))
}

/// The grid and pixel type of an image file, without decoding its voxels.
pub fn read_header(path: impl AsRef<Path>) -> Result<(Geometry, PixelType)> {
    let path = path.as_ref();
    match data_source(path)? {
        Some(src) => Ok((src.geometry, src.pixel_type)),
        None => {
            let v = read_volume(path)?;
            Ok((*v.geometry(), v.pixel_type()))
        }
    }
}

/// The part of an image inside `bbox` (array indices `[z, y, x]` of the file's grid), with its
/// origin moved to the box's first voxel — the same volume as `read_volume(path)?.crop(bbox)`,
/// without decoding the rest of the file. Fails when the box does not fit the file's grid.
pub fn read_volume_region(path: impl AsRef<Path>, bbox: &BoundingBox) -> Result<Volume> {
    let path = path.as_ref();
    let Some(src) = data_source(path)? else {
        return read_volume(path)?.crop(bbox);
    };
    let g = src.geometry;
    let [nz, ny, nx] = g.shape_zyx();
    if (0..3).any(|a| bbox.lower[a] > bbox.upper[a] || bbox.upper[a] >= [nz, ny, nx][a]) {
        return Err(Error::Shape {
            what: "read_volume_region",
            reason: format!("box {bbox:?} does not fit {} of array shape {:?}", path.display(), [nz, ny, nx]),
        });
    }
    let width = pixel_width(src.pixel_type);
    let plane_bytes = ny * nx * width;
    let mut reader = src.voxels(path)?;
    skip(&mut reader, (bbox.lower[0] * plane_bytes) as u64).map_err(|e| decode_error(path, e))?;
    let shape = bbox.shape();
    let mut values = Vec::with_capacity(shape.iter().product());
    let mut plane = vec![0u8; plane_bytes];
    for _ in bbox.lower[0]..=bbox.upper[0] {
        reader.read_exact(&mut plane).map_err(|e| decode_error(path, e))?;
        for y in bbox.lower[1]..=bbox.upper[1] {
            let start = (y * nx + bbox.lower[2]) * width;
            let row = &plane[start..start + shape[2] * width];
            values.extend(decode_values(row, src.pixel_type, src.big_endian));
        }
    }
    let data = Array3::from_shape_vec(shape, values).map_err(|e| corrupt(path, e.to_string()))?;
    Volume::new(data, g.sub_grid(bbox.lower, shape), src.pixel_type)
}

/// The voxels of a label file equal to `label`, decoded straight to booleans — the same mask as
/// `Mask::from_labels(&read_volume(path)?, label, …)` at a fraction of the memory.
///
/// Fails like [`Mask::from_labels`] when no voxel carries the label (listing the labels
/// present), and with [`Error::NonFinite`] when the file holds NaN or infinite values.
pub fn read_label_mask(path: impl AsRef<Path>, label: i64) -> Result<Mask> {
    let path = path.as_ref();
    let what = path.display().to_string();
    let Some(src) = data_source(path)? else {
        let labels = read_volume(path)?;
        labels.check_finite(&what)?;
        return Mask::from_labels(&labels, label, &what);
    };
    let g = src.geometry;
    let [nz, ny, nx] = g.shape_zyx();
    let width = pixel_width(src.pixel_type);
    let target = label as f64;
    let mut reader = src.voxels(path)?;
    let mut data = Vec::with_capacity(g.len());
    let mut present = BTreeSet::new();
    let mut non_finite = 0usize;
    let mut plane = vec![0u8; ny * nx * width];
    for _ in 0..nz {
        reader.read_exact(&mut plane).map_err(|e| decode_error(path, e))?;
        for v in decode_values(&plane, src.pixel_type, src.big_endian) {
            if !v.is_finite() {
                non_finite += 1;
            } else if v != 0.0 && v != target && present.len() < 10 {
                present.insert(v as i64);
            }
            data.push(v == target);
        }
    }
    if non_finite > 0 {
        return Err(Error::NonFinite { path: path.to_path_buf(), count: non_finite });
    }
    if !data.iter().any(|&b| b) {
        let present = if present.is_empty() {
            " (the mask is empty)".to_string()
        } else {
            let list: Vec<String> = present.iter().map(i64::to_string).collect();
            format!(" (labels present: {})", list.join(", "))
        };
        return Err(Error::EmptyMask { what, label, present });
    }
    let data = Array3::from_shape_vec([nz, ny, nx], data).map_err(|e| corrupt(path, e.to_string()))?;
    Mask::new(data, g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{NrrdEncoding, nrrd_bytes, write_volume};

    fn sample() -> Volume {
        let data = Array3::from_shape_fn((5, 6, 7), |(z, y, x)| ((z * 31 + y * 7 + x * 3) % 11) as f64 - 3.0);
        let mut g = Geometry::new([7, 6, 5], [0.7, 0.8, 2.5]);
        g.origin = [3.0, -4.0, 10.0];
        Volume::new(data, g, PixelType::Int16).unwrap()
    }

    #[test]
    fn region_equals_full_read_then_crop_in_every_format() {
        let dir = tempfile::tempdir().unwrap();
        let v = sample();
        let bbox = BoundingBox { lower: [1, 2, 3], upper: [3, 5, 4] };
        for name in ["a.nrrd", "a.nii.gz", "a.nii"] {
            let p = dir.path().join(name);
            write_volume(&v, &p).unwrap();
            let region = read_volume_region(&p, &bbox).unwrap();
            assert_eq!(region, read_volume(&p).unwrap().crop(&bbox).unwrap(), "{name}");
            // NIfTI stores spacing as f32: compare with the file's own full read.
            let full = read_volume(&p).unwrap();
            assert_eq!(read_header(&p).unwrap(), (*full.geometry(), PixelType::Int16), "{name}");
        }
        let raw = dir.path().join("raw.nrrd");
        std::fs::write(&raw, nrrd_bytes(&v, NrrdEncoding::Raw)).unwrap();
        assert_eq!(read_volume_region(&raw, &bbox).unwrap(), v.crop(&bbox).unwrap());
        let too_big = BoundingBox { lower: [0, 0, 0], upper: [5, 0, 0] };
        assert!(read_volume_region(&raw, &too_big).is_err());
    }

    #[test]
    fn label_mask_equals_from_labels_and_lists_present_labels() {
        let dir = tempfile::tempdir().unwrap();
        let v = sample();
        for name in ["m.nrrd", "m.nii.gz"] {
            let p = dir.path().join(name);
            write_volume(&v, &p).unwrap();
            let full = read_volume(&p).unwrap();
            assert_eq!(read_label_mask(&p, 4).unwrap(), Mask::from_labels(&full, 4, "m").unwrap(), "{name}");
            assert_eq!(read_label_mask(&p, 4).unwrap().count(), Mask::from_labels(&v, 4, "m").unwrap().count());
            let err = read_label_mask(&p, 40).unwrap_err().to_string();
            assert!(err.contains(name) && err.contains("label 40") && err.contains("-3, -2"), "{err}");
        }
    }

    #[test]
    fn truncated_gzip_is_caught_without_reading_to_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.nrrd");
        let mut bytes = nrrd_bytes(&sample(), NrrdEncoding::Gzip);
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&p, bytes).unwrap();
        let bbox = BoundingBox { lower: [0, 0, 0], upper: [0, 0, 0] };
        let err = read_volume_region(&p, &bbox).unwrap_err().to_string();
        assert!(err.contains("t.nrrd") && err.contains("truncated"), "{err}");
        assert!(read_label_mask(&p, 1).is_err());
    }

    #[test]
    fn non_finite_labels_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut v = sample().with_data(sample().data().clone(), PixelType::Float32).unwrap();
        v.data_mut()[[0, 0, 0]] = f64::NAN;
        let p = dir.path().join("nan.nii.gz");
        write_volume(&v, &p).unwrap();
        let err = read_label_mask(&p, 4).unwrap_err().to_string();
        assert!(err.contains("nan.nii.gz") && err.contains("non-finite"), "{err}");
    }
}
