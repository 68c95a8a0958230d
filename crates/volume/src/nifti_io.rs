//! NIfTI-1/NIfTI-2 reading and NIfTI-1 writing through the `nifti` crate.
//!
//! The header's RAS affine becomes an LPS [`Geometry`] as ITK (and so SimpleITK and
//! PyRadiomics) reads it: the sform when its code is set and its 3×3 part is a rotation times a
//! scaling, otherwise the qform (quaternion), otherwise `pixdim` alone; then the x and y rows are
//! negated (RAS → LPS).

use std::path::Path;

use ndarray::{Array3, Axis, Ix3};
use nifti::writer::WriterOptions;
use nifti::{IntoNdArray, NiftiHeader, NiftiObject, NiftiType, ReaderOptions};

use crate::{Error, Geometry, PixelType, Result, Volume};

fn corrupt(path: &Path, reason: impl Into<String>) -> Error {
    Error::Corrupt { path: path.to_path_buf(), reason: reason.into() }
}

/// Reads a `.nii` or `.nii.gz` file. Scaling (`scl_slope`, `scl_inter`) is applied.
pub fn read_nifti(path: &Path) -> Result<Volume> {
    if !path.exists() {
        return Err(Error::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    // The nifti crate may panic on some malformed inputs; keep that inside this call.
    let obj = std::panic::catch_unwind(|| ReaderOptions::new().read_file(path))
        .map_err(|_| corrupt(path, "the NIfTI reader failed on this file"))?
        .map_err(|e| corrupt(path, e.to_string()))?;
    let header = obj.header().clone();
    let pixel_type = pixel_type(path, &header)?;
    let geometry = geometry_from_header(path, &header)?;
    let array = obj.into_volume().into_ndarray::<f64>().map_err(|e| corrupt(path, e.to_string()))?;
    // The nifti crate returns axes in file order (x, y, z, t, …). Drop trailing axes of size 1.
    let mut array = array;
    while array.ndim() > 3 && array.shape()[array.ndim() - 1] == 1 {
        let last = array.ndim() - 1;
        array = array.index_axis_move(Axis(last), 0);
    }
    while array.ndim() < 3 {
        let next = array.ndim();
        array = array.insert_axis(Axis(next));
    }
    if array.ndim() != 3 {
        return Err(corrupt(path, format!("image has shape {:?}; a 3D scalar image is expected", array.shape())));
    }
    let xyz = array.into_dimensionality::<Ix3>().map_err(|e| corrupt(path, e.to_string()))?;
    // (x, y, z) → (z, y, x), copied into standard (C) layout.
    let zyx: Array3<f64> = xyz.reversed_axes().as_standard_layout().into_owned();
    Volume::new(zyx, geometry, pixel_type)
}

/// Where the voxels of a single-file NIfTI-1 image lie, for streaming reads
/// ([`crate::region`]); `None` when the file needs the whole-file reader (NIfTI-2, a header/image
/// pair, intensity scaling, more than three non-trivial dimensions).
pub(crate) fn data_source(path: &Path) -> Result<Option<crate::region::DataSource>> {
    use std::io::Read;
    let bytes = std::fs::read(path).map_err(|source| Error::Io { path: path.to_path_buf(), source })?;
    let compressed = bytes.starts_with(&[0x1f, 0x8b]);
    let mut head = [0u8; 348];
    let read = if compressed {
        flate2::read::MultiGzDecoder::new(&bytes[..]).read_exact(&mut head)
    } else {
        (&bytes[..]).read_exact(&mut head)
    };
    if read.is_err() {
        return Err(corrupt(path, "file is shorter than a NIfTI-1 header"));
    }
    let header = match NiftiHeader::from_reader(&head[..]) {
        Ok(h) => h,
        Err(_) => return Ok(None),
    };
    let scaled = header.scl_slope != 0.0 && (header.scl_slope != 1.0 || header.scl_inter != 0.0);
    let single_file = &header.magic == b"n+1\0";
    let ndim = header.dim[0] as usize;
    let extra_dims = header.dim.iter().skip(4).take(ndim.saturating_sub(3)).any(|&d| d > 1);
    if scaled || !single_file || !(1..=7).contains(&ndim) || extra_dims || header.vox_offset < 348.0 {
        return Ok(None);
    }
    Ok(Some(crate::region::DataSource {
        geometry: geometry_from_header(path, &header)?,
        pixel_type: pixel_type(path, &header)?,
        big_endian: header.endianness == nifti::Endianness::Big,
        compressed,
        bytes,
        payload_start: 0,
        data_offset: header.vox_offset as usize,
    }))
}

fn pixel_type(path: &Path, header: &NiftiHeader) -> Result<PixelType> {
    let t = header.data_type().map_err(|e| corrupt(path, e.to_string()))?;
    let scaled = header.scl_slope != 0.0 && (header.scl_slope != 1.0 || header.scl_inter != 0.0);
    if scaled {
        return Ok(PixelType::Float64);
    }
    Ok(match t {
        NiftiType::Int8 => PixelType::Int8,
        NiftiType::Uint8 => PixelType::UInt8,
        NiftiType::Int16 => PixelType::Int16,
        NiftiType::Uint16 => PixelType::UInt16,
        NiftiType::Int32 => PixelType::Int32,
        NiftiType::Uint32 => PixelType::UInt32,
        NiftiType::Int64 => PixelType::Int64,
        NiftiType::Uint64 => PixelType::UInt64,
        NiftiType::Float32 => PixelType::Float32,
        NiftiType::Float64 => PixelType::Float64,
        other => return Err(corrupt(path, format!("unsupported NIfTI data type {other:?}"))),
    })
}

/// The LPS geometry described by a NIfTI header (see the module docs for the rules).
fn geometry_from_header(path: &Path, h: &NiftiHeader) -> Result<Geometry> {
    let dims = h.dim().map_err(|e| corrupt(path, e.to_string()))?;
    let mut size = [1usize; 3];
    for (s, &d) in size.iter_mut().zip(dims.iter()) {
        *s = d as usize;
    }
    // (rotation·scaling as a row-major 3×3 matrix, translation), both in RAS.
    let sform = || -> Option<([f64; 9], [f64; 3])> {
        if h.sform_code <= 0 {
            return None;
        }
        let m = [
            h.srow_x[0] as f64, h.srow_x[1] as f64, h.srow_x[2] as f64,
            h.srow_y[0] as f64, h.srow_y[1] as f64, h.srow_y[2] as f64,
            h.srow_z[0] as f64, h.srow_z[1] as f64, h.srow_z[2] as f64,
        ];
        let t = [h.srow_x[3] as f64, h.srow_y[3] as f64, h.srow_z[3] as f64];
        // Accept only a rotation times a diagonal scaling: orthogonal columns.
        let col = |c: usize| [m[c], m[3 + c], m[6 + c]];
        let dot = |a: [f64; 3], b: [f64; 3]| a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
        let (c0, c1, c2) = (col(0), col(1), col(2));
        let n = [dot(c0, c0).sqrt(), dot(c1, c1).sqrt(), dot(c2, c2).sqrt()];
        if n.iter().any(|&v| v == 0.0) {
            return None;
        }
        let orthogonal = (dot(c0, c1) / (n[0] * n[1])).abs() < 1e-4
            && (dot(c0, c2) / (n[0] * n[2])).abs() < 1e-4
            && (dot(c1, c2) / (n[1] * n[2])).abs() < 1e-4;
        orthogonal.then_some((m, t))
    };
    let qform = || -> Option<([f64; 9], [f64; 3])> {
        if h.qform_code <= 0 {
            return None;
        }
        let (b, c, d) = (h.quatern_b as f64, h.quatern_c as f64, h.quatern_d as f64);
        let a = (1.0 - (b * b + c * c + d * d)).max(0.0).sqrt();
        let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
        let (dx, dy, dz) = (h.pixdim[1].abs() as f64, h.pixdim[2].abs() as f64, h.pixdim[3].abs() as f64);
        let r = [
            a * a + b * b - c * c - d * d, 2.0 * (b * c - a * d), 2.0 * (b * d + a * c),
            2.0 * (b * c + a * d), a * a + c * c - b * b - d * d, 2.0 * (c * d - a * b),
            2.0 * (b * d - a * c), 2.0 * (c * d + a * b), a * a + d * d - c * c - b * b,
        ];
        let s = [dx, dy, dz * qfac];
        let mut m = [0.0; 9];
        for row in 0..3 {
            for colm in 0..3 {
                m[3 * row + colm] = r[3 * row + colm] * s[colm];
            }
        }
        Some((m, [h.quatern_x as f64, h.quatern_y as f64, h.quatern_z as f64]))
    };
    let (m, t) = sform().or_else(qform).unwrap_or_else(|| {
        let p = |i: usize| if h.pixdim[i] > 0.0 { h.pixdim[i] as f64 } else { 1.0 };
        ([p(1), 0.0, 0.0, 0.0, p(2), 0.0, 0.0, 0.0, p(3)], [0.0; 3])
    });
    let mut spacing = [0.0; 3];
    let mut direction = [0.0; 9];
    for c in 0..3 {
        let norm = (m[c] * m[c] + m[3 + c] * m[3 + c] + m[6 + c] * m[6 + c]).sqrt();
        if norm == 0.0 || !norm.is_finite() {
            return Err(corrupt(path, format!("voxel axis {c} has zero or non-finite length")));
        }
        spacing[c] = norm;
        // RAS → LPS: negate the x and y rows.
        // `+ 0.0` turns the −0.0 of negated zeros into 0.0.
        direction[c] = -m[c] / norm + 0.0;
        direction[3 + c] = -m[3 + c] / norm + 0.0;
        direction[6 + c] = m[6 + c] / norm + 0.0;
    }
    let origin = [-t[0] + 0.0, -t[1] + 0.0, t[2]];
    Ok(Geometry { size, spacing, origin, direction })
}

/// A NIfTI header (sform and qform, both "scanner" code) describing `geometry` in RAS.
fn header_for(geometry: &Geometry) -> NiftiHeader {
    let g = geometry;
    // LPS direction → RAS affine rows.
    let mut m = [0.0f64; 9];
    for c in 0..3 {
        m[c] = -g.direction[c] * g.spacing[c];
        m[3 + c] = -g.direction[3 + c] * g.spacing[c];
        m[6 + c] = g.direction[6 + c] * g.spacing[c];
    }
    let t = [-g.origin[0], -g.origin[1], g.origin[2]];
    let mut h = NiftiHeader {
        sform_code: 1,
        qform_code: 1,
        xyzt_units: 2, // millimetres
        ..NiftiHeader::default()
    };
    h.srow_x = [m[0] as f32, m[1] as f32, m[2] as f32, t[0] as f32];
    h.srow_y = [m[3] as f32, m[4] as f32, m[5] as f32, t[1] as f32];
    h.srow_z = [m[6] as f32, m[7] as f32, m[8] as f32, t[2] as f32];
    // Quaternion of the rotation part (NIfTI's nifti_mat44_to_quatern algorithm, written out).
    let mut r = [0.0f64; 9];
    for row in 0..3 {
        for c in 0..3 {
            r[3 * row + c] = m[3 * row + c] / g.spacing[c];
        }
    }
    let det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6])
        + r[2] * (r[3] * r[7] - r[4] * r[6]);
    let qfac = if det < 0.0 { -1.0 } else { 1.0 };
    if qfac < 0.0 {
        r[2] = -r[2];
        r[5] = -r[5];
        r[8] = -r[8];
    }
    let trace = r[0] + r[4] + r[8];
    let (a, b, c, d);
    if trace > 0.5 {
        let a2 = 0.5 * (1.0 + trace).sqrt();
        a = a2;
        b = 0.25 * (r[7] - r[5]) / a2;
        c = 0.25 * (r[2] - r[6]) / a2;
        d = 0.25 * (r[3] - r[1]) / a2;
    } else {
        let xd = 1.0 + r[0] - (r[4] + r[8]);
        let yd = 1.0 + r[4] - (r[0] + r[8]);
        let zd = 1.0 + r[8] - (r[0] + r[4]);
        let (mut aa, mut bb, mut cc, mut dd);
        if xd > 1.0 {
            bb = 0.5 * xd.sqrt();
            cc = 0.25 * (r[1] + r[3]) / bb;
            dd = 0.25 * (r[2] + r[6]) / bb;
            aa = 0.25 * (r[7] - r[5]) / bb;
        } else if yd > 1.0 {
            cc = 0.5 * yd.sqrt();
            bb = 0.25 * (r[1] + r[3]) / cc;
            dd = 0.25 * (r[5] + r[7]) / cc;
            aa = 0.25 * (r[2] - r[6]) / cc;
        } else {
            dd = 0.5 * zd.sqrt();
            bb = 0.25 * (r[2] + r[6]) / dd;
            cc = 0.25 * (r[5] + r[7]) / dd;
            aa = 0.25 * (r[3] - r[1]) / dd;
        }
        if aa < 0.0 {
            aa = -aa;
            bb = -bb;
            cc = -cc;
            dd = -dd;
        }
        a = aa;
        b = bb;
        c = cc;
        d = dd;
    }
    let _ = a;
    h.quatern_b = b as f32;
    h.quatern_c = c as f32;
    h.quatern_d = d as f32;
    h.quatern_x = t[0] as f32;
    h.quatern_y = t[1] as f32;
    h.quatern_z = t[2] as f32;
    h.pixdim = [qfac as f32, g.spacing[0] as f32, g.spacing[1] as f32, g.spacing[2] as f32, 1.0, 1.0, 1.0, 1.0];
    h
}

/// Writes `volume` as NIfTI-1 to `path` (gzip-compressed when it ends in `.gz`), in the pixel
/// type the volume carries. Output is deterministic: the same volume gives the same bytes.
///
/// `path` must end in `.nii` or `.nii.gz`. This writes in place; use
/// [`write_volume`](crate::write_volume) for an atomic write.
pub fn write_nifti(volume: &Volume, path: &Path) -> Result<()> {
    let header = header_for(volume.geometry());
    let io = |e: nifti::NiftiError| Error::Io {
        path: path.to_path_buf(),
        source: match e {
            nifti::NiftiError::Io(e) => e,
            other => std::io::Error::other(other.to_string()),
        },
    };
    let opts = WriterOptions::new(path).reference_header(&header);
    let opts = if path.to_string_lossy().ends_with(".gz") {
        opts.compression_level(flate2::Compression::new(6))
    } else {
        opts
    };
    let t = volume.pixel_type();
    // The writer takes an array indexed (x, y, z).
    let xyz = volume.data().t();
    macro_rules! write_as {
        ($ty:ty) => {
            opts.write_nifti(&xyz.mapv(|v| t.cast(v) as $ty)).map_err(io)
        };
    }
    match t {
        PixelType::Int8 => write_as!(i8),
        PixelType::UInt8 => write_as!(u8),
        PixelType::Int16 => write_as!(i16),
        PixelType::UInt16 => write_as!(u16),
        PixelType::Int32 => write_as!(i32),
        PixelType::UInt32 => write_as!(u32),
        PixelType::Int64 => write_as!(i64),
        PixelType::UInt64 => write_as!(u64),
        PixelType::Float32 => write_as!(f32),
        PixelType::Float64 => write_as!(f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn round_trip_with_oblique_direction() {
        let dir = tempfile::tempdir().unwrap();
        let (c, s) = (0.3f64.cos(), 0.3f64.sin());
        let g = Geometry {
            size: [4, 3, 2],
            spacing: [0.8, 0.8, 3.0],
            origin: [10.0, -20.0, 5.5],
            direction: [c, -s, 0.0, s, c, 0.0, 0.0, 0.0, 1.0],
        };
        let data = Array3::from_shape_fn((2, 3, 4), |(z, y, x)| (z * 12 + y * 4 + x) as f64);
        let v = Volume::new(data, g, PixelType::Int16).unwrap();
        for name in ["v.nii", "v.nii.gz"] {
            let p = dir.path().join(name);
            write_nifti(&v, &p).unwrap();
            let back = read_nifti(&p).unwrap();
            assert_eq!(back.data(), v.data());
            assert_eq!(back.pixel_type(), PixelType::Int16);
            let bg = back.geometry();
            assert_eq!(bg.size, g.size);
            for i in 0..3 {
                assert_abs_diff_eq!(bg.spacing[i], g.spacing[i], epsilon = 1e-6);
                assert_abs_diff_eq!(bg.origin[i], g.origin[i], epsilon = 1e-5);
            }
            for i in 0..9 {
                assert_abs_diff_eq!(bg.direction[i], g.direction[i], epsilon = 1e-6);
            }
        }
    }

    #[test]
    fn qform_only_header_is_read() {
        let g = Geometry {
            size: [2, 2, 2],
            spacing: [1.0, 2.0, 3.0],
            origin: [1.0, 2.0, 3.0],
            direction: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, -1.0],
        };
        let mut h = header_for(&g);
        h.sform_code = 0;
        h.dim = [3, 2, 2, 2, 1, 1, 1, 1];
        let back = geometry_from_header(Path::new("q.nii"), &h).unwrap();
        for i in 0..9 {
            assert_abs_diff_eq!(back.direction[i], g.direction[i], epsilon = 1e-6);
        }
        assert_abs_diff_eq!(back.origin[2], 3.0, epsilon = 1e-6);
        assert_abs_diff_eq!(back.spacing[2], 3.0, epsilon = 1e-6);
    }
}
