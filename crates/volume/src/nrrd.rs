//! NRRD reading and writing (attached or detached data; raw, gzip and ASCII encodings).
//!
//! Follows the NRRD0004/0005 format specification (teem.sourceforge.net/nrrd/format.html) for
//! the fields a 3D medical volume uses, and converts the physical frame to LPS the way ITK's
//! `NrrdImageIO` does: a `right-anterior-superior` header has its x and y components negated.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use ndarray::Array3;

use crate::{Error, Geometry, IDENTITY_DIRECTION, PixelType, Result, Volume};

/// How the data of a written NRRD file is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NrrdEncoding {
    /// Uncompressed little-endian bytes.
    Raw,
    /// gzip-compressed little-endian bytes.
    Gzip,
}

fn corrupt(path: &Path, reason: impl Into<String>) -> Error {
    Error::Corrupt { path: path.to_path_buf(), reason: reason.into() }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// Reads a NRRD file (`.nrrd` with attached data, or a `.nhdr` header with a detached file).
pub fn read_nrrd(path: &Path) -> Result<Volume> {
    let bytes = fs::read(path).map_err(io_err(path))?;
    let (header, data_start) = split_header(path, &bytes)?;
    let header = Header::parse(path, header)?;

    let detached;
    let payload: &[u8] = match &header.data_file {
        None => &bytes[data_start..],
        Some(file) => {
            let dir = path.parent().unwrap_or_else(|| Path::new("."));
            let data_path = dir.join(file);
            detached = fs::read(&data_path).map_err(io_err(&data_path))?;
            &detached
        }
    };
    let n = header.sizes.iter().product::<usize>();
    let width = header.pixel_type_width();
    let expected = n * width;
    let values = match header.encoding.as_str() {
        "raw" => {
            let raw = skip_bytes(path, payload, header.byte_skip, expected)?;
            decode_values(raw, header.pixel_type, header.big_endian)
        }
        "gzip" | "gz" => {
            let mut out = Vec::with_capacity(expected + 1);
            MultiGzDecoder::new(payload)
                .read_to_end(&mut out)
                .map_err(|e| corrupt(path, format!("gzip data cannot be decoded: {e}")))?;
            let raw = skip_bytes(path, &out, header.byte_skip, expected)?;
            decode_values(raw, header.pixel_type, header.big_endian)
        }
        "ascii" | "text" | "txt" => {
            let text = std::str::from_utf8(payload)
                .map_err(|_| corrupt(path, "ASCII data is not valid text"))?;
            let values: std::result::Result<Vec<f64>, _> =
                text.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).map(str::parse).collect();
            let values = values.map_err(|e| corrupt(path, format!("ASCII data: {e}")))?;
            if values.len() != n {
                return Err(corrupt(path, format!("ASCII data holds {} values, expected {n}", values.len())));
            }
            values
        }
        other => return Err(corrupt(path, format!("unsupported encoding {other:?}"))),
    };
    header.into_volume(path, values)
}

fn skip_bytes<'a>(path: &Path, data: &'a [u8], skip: i64, expected: usize) -> Result<&'a [u8]> {
    let start = if skip == -1 {
        data.len().checked_sub(expected).ok_or_else(|| {
            corrupt(path, format!("data holds {} bytes, expected {expected}", data.len()))
        })?
    } else {
        usize::try_from(skip).map_err(|_| corrupt(path, format!("byte skip {skip} is not allowed")))?
    };
    if data.len() < start + expected {
        return Err(corrupt(
            path,
            format!("data holds {} bytes, expected {expected} (file truncated?)", data.len().saturating_sub(start)),
        ));
    }
    Ok(&data[start..start + expected])
}

/// Splits the file into the header text and the offset where attached data begins.
fn split_header<'a>(path: &Path, bytes: &'a [u8]) -> Result<(&'a str, usize)> {
    if !bytes.starts_with(b"NRRD000") {
        return Err(corrupt(path, "missing NRRD magic line"));
    }
    // The header ends at the first empty line ("\n\n", or "\r\n\r\n" in a CRLF file), or at the
    // end of a detached header file. Only the bytes before the first "\n\n" can hold a CRLF
    // blank line, so the data is never scanned twice.
    let (header_end, data_start) = match bytes.windows(2).position(|w| w == b"\n\n") {
        Some(p) => match bytes[..p + 2].windows(4).position(|w| w == b"\r\n\r\n") {
            Some(q) => (q, q + 4),
            None => (p, p + 2),
        },
        None => match bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(q) => (q, q + 4),
            None => (bytes.len(), bytes.len()),
        },
    };
    let header = std::str::from_utf8(&bytes[..header_end])
        .map_err(|_| corrupt(path, "header is not valid text"))?;
    Ok((header, data_start))
}

struct Header {
    pixel_type: PixelType,
    sizes: Vec<usize>,
    directions: Vec<Option<[f64; 3]>>,
    spacings: Option<Vec<f64>>,
    origin: Option<[f64; 3]>,
    space_sign: [f64; 3],
    encoding: String,
    big_endian: bool,
    data_file: Option<PathBuf>,
    byte_skip: i64,
}

impl Header {
    fn parse(path: &Path, text: &str) -> Result<Header> {
        let mut pixel_type = None;
        let mut dimension = None;
        let mut sizes = None;
        let mut directions = None;
        let mut spacings = None;
        let mut origin = None;
        let mut space_sign = [1.0; 3];
        let mut encoding = None;
        let mut big_endian = false;
        let mut data_file = None;
        let mut byte_skip = 0i64;
        for line in text.lines().skip(1) {
            let line = line.trim_end_matches('\r');
            if line.starts_with('#') || line.trim().is_empty() || line.contains(":=") {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else {
                return Err(corrupt(path, format!("header line {line:?} is not `field: value`")));
            };
            let value = value.trim();
            match key.trim().to_ascii_lowercase().as_str() {
                "type" => pixel_type = Some(parse_type(path, value)?),
                "dimension" => dimension = Some(parse_num::<usize>(path, "dimension", value)?),
                "sizes" => {
                    sizes = Some(
                        value
                            .split_whitespace()
                            .map(|v| parse_num::<usize>(path, "sizes", v))
                            .collect::<Result<Vec<_>>>()?,
                    )
                }
                "space directions" => directions = Some(parse_directions(path, value)?),
                "spacings" => {
                    spacings = Some(
                        value
                            .split_whitespace()
                            .map(|v| if v == "nan" { Ok(f64::NAN) } else { parse_num::<f64>(path, "spacings", v) })
                            .collect::<Result<Vec<_>>>()?,
                    )
                }
                "space origin" => origin = Some(parse_vector(path, value)?),
                "space" => {
                    space_sign = match value.to_ascii_lowercase().as_str() {
                        "left-posterior-superior" | "lps" | "3d-right-handed" | "scanner-xyz" => [1.0, 1.0, 1.0],
                        "right-anterior-superior" | "ras" => [-1.0, -1.0, 1.0],
                        "left-anterior-superior" | "las" => [1.0, -1.0, 1.0],
                        other => return Err(corrupt(path, format!("unsupported space {other:?}"))),
                    }
                }
                "space dimension" => {
                    if parse_num::<usize>(path, "space dimension", value)? != 3 {
                        return Err(corrupt(path, "only 3D physical space is supported"));
                    }
                }
                "encoding" => encoding = Some(value.to_ascii_lowercase()),
                "endian" => big_endian = value.eq_ignore_ascii_case("big"),
                "data file" | "datafile" => {
                    if value.starts_with("LIST") || value.contains('%') {
                        return Err(corrupt(path, "multi-file detached data is not supported"));
                    }
                    data_file = Some(PathBuf::from(value));
                }
                "byte skip" | "byteskip" => byte_skip = parse_num::<i64>(path, "byte skip", value)?,
                "line skip" | "lineskip" => {
                    if parse_num::<usize>(path, "line skip", value)? != 0 {
                        return Err(corrupt(path, "line skip is not supported"));
                    }
                }
                _ => {} // kinds, thicknesses, units, labels, …: not needed for a volume
            }
        }
        let pixel_type = pixel_type.ok_or_else(|| corrupt(path, "header has no `type` field"))?;
        let sizes = sizes.ok_or_else(|| corrupt(path, "header has no `sizes` field"))?;
        let dimension = dimension.unwrap_or(sizes.len());
        if sizes.len() != dimension {
            return Err(corrupt(path, format!("`sizes` has {} entries for dimension {dimension}", sizes.len())));
        }
        let encoding = encoding.ok_or_else(|| corrupt(path, "header has no `encoding` field"))?;
        let directions = directions.unwrap_or_else(|| vec![None; dimension]);
        if directions.len() != dimension {
            return Err(corrupt(path, "`space directions` does not have one entry per axis"));
        }
        Ok(Header {
            pixel_type,
            sizes,
            directions,
            spacings,
            origin,
            space_sign,
            encoding,
            big_endian,
            data_file,
            byte_skip,
        })
    }

    fn pixel_type_width(&self) -> usize {
        pixel_width(self.pixel_type)
    }

    fn into_volume(self, path: &Path, values: Vec<f64>) -> Result<Volume> {
        let geometry = self.geometry(path)?;
        let data = Array3::from_shape_vec(geometry.shape_zyx(), values)
            .map_err(|e| corrupt(path, format!("data does not fit sizes {:?}: {e}", self.sizes)))?;
        Volume::new(data, geometry, self.pixel_type)
    }

    /// The LPS grid the header describes.
    fn geometry(&self, path: &Path) -> Result<Geometry> {
        // Keep the spatial axes (those with a direction, or all when none has); extra axes must
        // have size 1 (a vector axis of length 1, a 2D slice stored as 3D, …).
        let spatial: Vec<usize> = if self.directions.iter().any(Option::is_some) {
            (0..self.sizes.len()).filter(|&a| self.directions[a].is_some()).collect()
        } else {
            (0..self.sizes.len()).collect()
        };
        for (a, &s) in self.sizes.iter().enumerate() {
            if !spatial.contains(&a) && s != 1 {
                return Err(corrupt(path, format!("non-spatial axis {a} has size {s}; only scalar volumes are supported")));
            }
        }
        if spatial.len() < 2 || spatial.len() > 3 {
            return Err(corrupt(path, format!("{} spatial axes; a 2D or 3D image is expected", spatial.len())));
        }
        let mut size = [1usize; 3];
        let mut spacing = [1.0f64; 3];
        let mut direction = IDENTITY_DIRECTION;
        for (k, &a) in spatial.iter().enumerate() {
            size[k] = self.sizes[a];
            match self.directions[a] {
                Some(v) => {
                    let v = [v[0] * self.space_sign[0], v[1] * self.space_sign[1], v[2] * self.space_sign[2]];
                    let norm = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
                    if norm == 0.0 || !norm.is_finite() {
                        return Err(corrupt(path, format!("space direction of axis {a} has length {norm}")));
                    }
                    spacing[k] = norm;
                    for r in 0..3 {
                        direction[3 * r + k] = v[r] / norm;
                    }
                }
                None => {
                    if let Some(sp) = self.spacings.as_ref().and_then(|s| s.get(a)).filter(|s| s.is_finite()) {
                        spacing[k] = *sp;
                    }
                }
            }
        }
        let origin = self.origin.map_or([0.0; 3], |o| {
            [o[0] * self.space_sign[0], o[1] * self.space_sign[1], o[2] * self.space_sign[2]]
        });
        Ok(Geometry { size, spacing, origin, direction })
    }
}

/// Where the voxels of a NRRD file lie, for streaming reads ([`crate::region`]); `None` when the
/// file's layout needs the whole-file reader (ASCII data, a byte skip counted from the end).
pub(crate) fn data_source(path: &Path) -> Result<Option<crate::region::DataSource>> {
    let bytes = fs::read(path).map_err(io_err(path))?;
    let (header, data_start) = split_header(path, &bytes)?;
    let header = Header::parse(path, header)?;
    let geometry = header.geometry(path)?;
    let compressed = match header.encoding.as_str() {
        "raw" => false,
        "gzip" | "gz" => true,
        _ => return Ok(None),
    };
    if header.byte_skip < 0 {
        return Ok(None);
    }
    let (bytes, payload_start) = match &header.data_file {
        None => (bytes, data_start),
        Some(file) => {
            let dir = path.parent().unwrap_or_else(|| Path::new("."));
            let data_path = dir.join(file);
            (fs::read(&data_path).map_err(io_err(&data_path))?, 0)
        }
    };
    Ok(Some(crate::region::DataSource {
        geometry,
        pixel_type: header.pixel_type,
        big_endian: header.big_endian,
        compressed,
        bytes,
        payload_start,
        data_offset: header.byte_skip as usize,
    }))
}

fn parse_num<T: std::str::FromStr>(path: &Path, field: &str, v: &str) -> Result<T> {
    v.trim().parse().map_err(|_| corrupt(path, format!("field `{field}` has a bad value {v:?}")))
}

fn parse_type(path: &Path, v: &str) -> Result<PixelType> {
    Ok(match v {
        "signed char" | "int8" | "int8_t" => PixelType::Int8,
        "uchar" | "unsigned char" | "uint8" | "uint8_t" => PixelType::UInt8,
        "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => PixelType::Int16,
        "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => PixelType::UInt16,
        "int" | "signed int" | "int32" | "int32_t" => PixelType::Int32,
        "uint" | "unsigned int" | "uint32" | "uint32_t" => PixelType::UInt32,
        "longlong" | "long long" | "long long int" | "signed long long" | "signed long long int" | "int64"
        | "int64_t" => PixelType::Int64,
        "ulonglong" | "unsigned long long" | "unsigned long long int" | "uint64" | "uint64_t" => PixelType::UInt64,
        "float" => PixelType::Float32,
        "double" => PixelType::Float64,
        other => return Err(corrupt(path, format!("unsupported pixel type {other:?}"))),
    })
}

fn parse_vector(path: &Path, v: &str) -> Result<[f64; 3]> {
    let inner = v.trim().trim_start_matches('(').trim_end_matches(')');
    let parts: Vec<&str> = inner.split(',').collect();
    if parts.len() != 3 {
        return Err(corrupt(path, format!("vector {v:?} does not have 3 components")));
    }
    let mut out = [0.0; 3];
    for (o, p) in out.iter_mut().zip(parts) {
        *o = parse_num(path, "vector", p)?;
    }
    Ok(out)
}

fn parse_directions(path: &Path, v: &str) -> Result<Vec<Option<[f64; 3]>>> {
    v.split_whitespace()
        .map(|tok| if tok == "none" { Ok(None) } else { parse_vector(path, tok).map(Some) })
        .collect()
}

pub(crate) fn pixel_width(t: PixelType) -> usize {
    match t {
        PixelType::Int8 | PixelType::UInt8 => 1,
        PixelType::Int16 | PixelType::UInt16 => 2,
        PixelType::Int32 | PixelType::UInt32 | PixelType::Float32 => 4,
        PixelType::Int64 | PixelType::UInt64 | PixelType::Float64 => 8,
    }
}

pub(crate) fn decode_values(bytes: &[u8], t: PixelType, big: bool) -> Vec<f64> {
    // One tight loop per type into a pre-sized buffer: the compiler vectorises the byte-order
    // conversion and the widening to f64.
    fn convert<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> f64) -> Vec<f64> {
        let mut out = Vec::with_capacity(bytes.len() / N);
        out.extend(bytes.chunks_exact(N).map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            f(a)
        }));
        out
    }
    macro_rules! conv {
        ($ty:ty, $n:expr) => {
            if big {
                convert::<$n>(bytes, |a| <$ty>::from_be_bytes(a) as f64)
            } else {
                convert::<$n>(bytes, |a| <$ty>::from_le_bytes(a) as f64)
            }
        };
    }
    match t {
        PixelType::Int8 => conv!(i8, 1),
        PixelType::UInt8 => conv!(u8, 1),
        PixelType::Int16 => conv!(i16, 2),
        PixelType::UInt16 => conv!(u16, 2),
        PixelType::Int32 => conv!(i32, 4),
        PixelType::UInt32 => conv!(u32, 4),
        PixelType::Int64 => conv!(i64, 8),
        PixelType::UInt64 => conv!(u64, 8),
        PixelType::Float32 => conv!(f32, 4),
        PixelType::Float64 => conv!(f64, 8),
    }
}

pub(crate) fn encode_values(volume: &Volume) -> Vec<u8> {
    let t = volume.pixel_type();
    let mut out = Vec::with_capacity(volume.data().len() * pixel_width(t));
    for &v in volume.data().iter() {
        let v = t.cast(v);
        match t {
            PixelType::Int8 => out.extend((v as i8).to_le_bytes()),
            PixelType::UInt8 => out.extend((v as u8).to_le_bytes()),
            PixelType::Int16 => out.extend((v as i16).to_le_bytes()),
            PixelType::UInt16 => out.extend((v as u16).to_le_bytes()),
            PixelType::Int32 => out.extend((v as i32).to_le_bytes()),
            PixelType::UInt32 => out.extend((v as u32).to_le_bytes()),
            PixelType::Int64 => out.extend((v as i64).to_le_bytes()),
            PixelType::UInt64 => out.extend((v as u64).to_le_bytes()),
            PixelType::Float32 => out.extend((v as f32).to_le_bytes()),
            PixelType::Float64 => out.extend(v.to_le_bytes()),
        }
    }
    out
}

fn type_name(t: PixelType) -> &'static str {
    match t {
        PixelType::Int8 => "signed char",
        PixelType::UInt8 => "unsigned char",
        PixelType::Int16 => "short",
        PixelType::UInt16 => "unsigned short",
        PixelType::Int32 => "int",
        PixelType::UInt32 => "unsigned int",
        PixelType::Int64 => "long long",
        PixelType::UInt64 => "unsigned long long",
        PixelType::Float32 => "float",
        PixelType::Float64 => "double",
    }
}

/// The bytes of a NRRD file with attached data holding `volume` in the LPS frame.
pub fn nrrd_bytes(volume: &Volume, encoding: NrrdEncoding) -> Vec<u8> {
    let g = volume.geometry();
    let mut header = String::from("NRRD0004\n# written by radlsig\n");
    header.push_str(&format!("type: {}\ndimension: 3\nspace: left-posterior-superior\n", type_name(volume.pixel_type())));
    header.push_str(&format!("sizes: {} {} {}\n", g.size[0], g.size[1], g.size[2]));
    let axis = |c: usize| {
        let d = &g.direction;
        format!("({:?},{:?},{:?})", d[c] * g.spacing[c], d[3 + c] * g.spacing[c], d[6 + c] * g.spacing[c])
    };
    header.push_str(&format!("space directions: {} {} {}\n", axis(0), axis(1), axis(2)));
    header.push_str("kinds: domain domain domain\nendian: little\n");
    header.push_str(match encoding {
        NrrdEncoding::Raw => "encoding: raw\n",
        NrrdEncoding::Gzip => "encoding: gzip\n",
    });
    header.push_str(&format!("space origin: ({:?},{:?},{:?})\n\n", g.origin[0], g.origin[1], g.origin[2]));
    let mut bytes = header.into_bytes();
    let data = encode_values(volume);
    match encoding {
        NrrdEncoding::Raw => bytes.extend(data),
        NrrdEncoding::Gzip => {
            let mut enc = GzEncoder::new(Vec::new(), Compression::default());
            enc.write_all(&data).expect("writing to a Vec cannot fail");
            bytes.extend(enc.finish().expect("writing to a Vec cannot fail"));
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    fn sample() -> Volume {
        let data = Array3::from_shape_fn((3, 4, 5), |(z, y, x)| (100 * z + 10 * y + x) as f64 - 50.0);
        let g = Geometry {
            size: [5, 4, 3],
            spacing: [0.5, 0.75, 3.0],
            origin: [-10.0, 20.5, 3.25],
            direction: [1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0],
        };
        Volume::new(data, g, PixelType::Int16).unwrap()
    }

    #[test]
    fn round_trip_raw_and_gzip() {
        let dir = tempfile::tempdir().unwrap();
        for enc in [NrrdEncoding::Raw, NrrdEncoding::Gzip] {
            let p = dir.path().join("v.nrrd");
            fs::write(&p, nrrd_bytes(&sample(), enc)).unwrap();
            let back = read_nrrd(&p).unwrap();
            assert_eq!(back, sample());
        }
    }

    #[test]
    fn ras_header_is_converted_to_lps() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("ras.nrrd");
        let mut bytes = b"NRRD0004\ntype: uchar\ndimension: 3\nspace: right-anterior-superior\nsizes: 2 1 1\n\
space directions: (2,0,0) (0,3,0) (0,0,4)\nendian: little\nencoding: raw\nspace origin: (1,2,3)\n\n"
            .to_vec();
        bytes.extend([7u8, 9]);
        fs::write(&p, bytes).unwrap();
        let v = read_nrrd(&p).unwrap();
        assert_eq!(v.geometry().origin, [-1.0, -2.0, 3.0]);
        assert_eq!(v.geometry().spacing, [2.0, 3.0, 4.0]);
        assert_eq!(v.geometry().direction, [-1.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(v.data().as_slice().unwrap(), &[7.0, 9.0]);
    }

    #[test]
    fn truncated_data_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.nrrd");
        let mut bytes = nrrd_bytes(&sample(), NrrdEncoding::Raw);
        bytes.truncate(bytes.len() - 7);
        fs::write(&p, bytes).unwrap();
        let err = read_nrrd(&p).unwrap_err().to_string();
        assert!(err.contains("t.nrrd") && err.contains("truncated"), "{err}");

        let mut gz = nrrd_bytes(&sample(), NrrdEncoding::Gzip);
        gz.truncate(gz.len() - 9);
        fs::write(&p, gz).unwrap();
        let err = read_nrrd(&p).unwrap_err().to_string();
        assert!(err.contains("t.nrrd") && err.contains("gzip"), "{err}");
    }

    #[test]
    fn garbage_is_not_a_nrrd() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.nrrd");
        fs::write(&p, b"hello world").unwrap();
        let err = read_nrrd(&p).unwrap_err().to_string();
        assert!(err.contains("g.nrrd") && err.contains("magic"), "{err}");
    }
}
