//! From a case's images and mask to the network's input: one cube of `crop_size³` voxels per
//! channel, centred on the tumour, on an isotropic grid, with intensities normalised per
//! modality.
//!
//! The steps, for each case:
//! 0. every sequence after the first (the reference, whose grid the mask shares) that lies on
//!    another grid — PET at 4–5 mm beside MR at 1 mm — is resampled (linear) onto the
//!    reference grid; the mask is the reference's;
//! 1. the crop centre is the mask's bounding-box centre or its centroid ([`CropCenter`]),
//!    in the mask's continuous voxel index;
//! 2. with a configured `spacing`, each image is resampled (linear, as SimpleITK) straight onto
//!    a cube grid of `crop_size` voxels at `spacing` mm, centred on that point and with the
//!    image's direction; the mask is resampled by nearest neighbour. Without one, the cube is
//!    cut from the native grid (no interpolation). Resampling, cropping and padding are one
//!    step: voxels of the cube outside the image are padding;
//! 3. intensities are normalised per channel ([`Intensity`]); padding becomes 0 in every
//!    channel, after normalisation;
//! 4. the images become channels in the order given (one per sequence), followed by the mask
//!    as a 0/1 channel when `mask_channel` is set.
//!
//! [`PreprocessCache`] keeps the resulting tensors on disk, keyed by the configuration and the
//! input files' size and modification time.

use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use burn::config::Config;
use ndarray::{Array3, Array4, ArrayView3, Axis};
use radlsig_volume::{
    BoundingBox, Geometry, GeometryTolerance, Interpolator, Mask, PixelType, Volume, resample,
    write_atomically,
};
use serde::{Deserialize, Serialize};

use crate::Error;

/// Where the crop cube is centred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CropCenter {
    /// The centre of the mask's bounding box, `(lower + upper) / 2` per axis.
    BoundingBox,
    /// The mask's centroid: the mean voxel index of the region.
    Centroid,
}

/// Intensity normalisation of the image channels.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intensity {
    /// CT: clip to the window `[low, high]` (HU) and map it linearly to `[0, 1]`.
    Ct {
        /// Lower and upper window limits.
        window: [f64; 2],
    },
    /// MR: z-score, `(v − μ) / σ` with the mean and (population, ddof = 0) standard deviation
    /// of the image inside the mask at its native resolution.
    Mr,
    /// Raw values, unchanged.
    None,
}

/// How cases become network inputs; see the module docs.
#[derive(Config, Debug, PartialEq)]
pub struct PreprocessConfig {
    /// Voxels along each side of the crop cube.
    #[config(default = 32)]
    pub crop_size: usize,
    /// Isotropic voxel spacing (mm) to resample to; `None` cuts the cube from the native grid.
    #[config(default = "Some(1.0)")]
    pub spacing: Option<f64>,
    /// Where the cube is centred.
    #[config(default = "CropCenter::BoundingBox")]
    pub center: CropCenter,
    /// Intensity normalisation of every image channel.
    #[config(default = "Intensity::Mr")]
    pub intensity: Intensity,
    /// Whether the mask is appended as a last 0/1 channel.
    #[config(default = true)]
    pub mask_channel: bool,
    /// The sequences used as channels, in order (names from the manifest; `[""]` for a
    /// single unnamed image). Empty: every sequence of the cohort, in manifest order. The
    /// resolved list is what a trained model's `config.json` records.
    #[config(default = "Vec::new()")]
    pub sequences: Vec<String>,
}

impl PreprocessConfig {
    /// Number of network input channels for `n_images` image channels.
    pub fn channels(&self, n_images: usize) -> usize {
        n_images + usize::from(self.mask_channel)
    }

    /// Problems with the settings, each naming its key (empty when all is well).
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !(4..=512).contains(&self.crop_size) {
            problems.push(format!("preprocess.crop_size = {} is not in 4..=512", self.crop_size));
        }
        if let Some(s) = self.spacing
            && !(s.is_finite() && s > 0.0)
        {
            problems.push(format!("preprocess.spacing = {s} is not a positive number of mm"));
        }
        if let Intensity::Ct { window: [lo, hi] } = self.intensity
            && !(lo.is_finite() && hi.is_finite() && lo < hi)
        {
            problems
                .push(format!("preprocess.intensity.ct.window = [{lo}, {hi}] needs low < high"));
        }
        problems
    }
}

/// One case ready for preprocessing: its images (one per sequence, in channel order) and the
/// mask, all on the same grid.
#[derive(Debug, Clone)]
pub struct CaseImages {
    /// The case identifier.
    pub id: String,
    /// The outcome, if known.
    pub label: Option<u8>,
    /// One image per sequence, in channel order.
    pub images: Vec<Volume>,
    /// The region of interest.
    pub mask: Mask,
}

/// A preprocessed case: the network input and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The case identifier.
    pub id: String,
    /// The outcome, if known.
    pub label: Option<u8>,
    /// The input tensor, `[channels, depth, height, width]` (array axes z, y, x).
    pub volume: Array4<f32>,
}

/// Turns a case into the network input of `config`; see the module docs for the steps.
///
/// Fails with [`Error::EmptyMask`] when the mask selects no voxel, [`Error::Case`] when the
/// case has no image, an image's grid shape differs from the mask's, or (for
/// [`Intensity::Mr`]) the intensity inside the mask is constant, and with the volume crate's
/// error when resampling fails.
pub fn preprocess(case: &CaseImages, config: &PreprocessConfig) -> crate::Result<Array4<f32>> {
    let case_error = |reason: String| Error::Case { case: case.id.clone(), reason };
    if case.images.is_empty() {
        return Err(case_error("no image to preprocess".into()));
    }
    let mask_shape = case.mask.geometry().shape_zyx();
    if case.images[0].geometry().shape_zyx() != mask_shape {
        return Err(case_error(format!(
            "image 0 (the reference sequence) has grid shape {:?} (z, y, x) but the mask has \
             {mask_shape:?}",
            case.images[0].geometry().shape_zyx()
        )));
    }
    let on_reference = on_reference_grid(case).map_err(case_error)?;
    let images: Vec<&Volume> = on_reference.iter().map(|v| v.as_ref()).collect();
    let bbox =
        case.mask.bounding_box().ok_or_else(|| Error::EmptyMask { case: case.id.clone() })?;
    let centre = crop_centre(&case.mask, &bbox, config.center);
    let n = config.crop_size;
    let channels = config.channels(images.len());
    let mut out = Array4::<f32>::zeros((channels, n, n, n));

    // Crop (and resample) every image and the mask; NaN marks padding in the images.
    let (crops, mask_crop) = match config.spacing {
        None => {
            let start = native_start(centre, n);
            let crops: Vec<Array3<f64>> =
                images.iter().map(|im| crop_native(im.view(), start, n, f64::NAN)).collect();
            let mask = case.mask.view().mapv(|b| if b { 1.0 } else { 0.0 });
            (crops, crop_native(mask.view(), start, n, 0.0))
        }
        Some(spacing) => {
            let grid = cube_grid(case.mask.geometry(), centre, n, spacing);
            let mut crops = Vec::with_capacity(images.len());
            for image in &images {
                crops.push(resample_region(image, &grid, Interpolator::Linear, f64::NAN)?);
            }
            let mask_volume = mask_as_volume(&case.mask)?;
            let mask = resample_region(&mask_volume, &grid, Interpolator::NearestNeighbor, 0.0)?;
            (crops, mask)
        }
    };

    for (c, (crop, image)) in crops.iter().zip(&images).enumerate() {
        let normalise = normaliser(config.intensity, image, &case.mask).map_err(case_error)?;
        let mut channel = out.index_axis_mut(Axis(0), c);
        ndarray::Zip::from(&mut channel).and(crop).for_each(|o, &v| {
            *o = if v.is_nan() { 0.0 } else { normalise(v) as f32 };
        });
    }
    if config.mask_channel {
        let mut channel = out.index_axis_mut(Axis(0), channels - 1);
        ndarray::Zip::from(&mut channel)
            .and(&mask_crop)
            .for_each(|o, &v| *o = (v > 0.5) as u8 as f32);
    }
    Ok(out)
}

/// Every image of `case` on the reference grid (the first sequence's, which the mask shares):
/// a later sequence on another grid (PET at 4 mm beside MR at 1 mm, another field of view) is
/// resampled onto it by linear interpolation before anything else, so that the crop, the mask
/// and the intensity statistics are the reference's. Fails when a resampled sequence does not
/// cover every mask voxel.
fn on_reference_grid(case: &CaseImages) -> std::result::Result<Vec<Cow<'_, Volume>>, String> {
    let reference = case.mask.geometry();
    let mut out = Vec::with_capacity(case.images.len());
    for (i, image) in case.images.iter().enumerate() {
        if image.geometry().check_same_grid(reference, GeometryTolerance::default()).is_ok() {
            out.push(Cow::Borrowed(image));
            continue;
        }
        // As float64, so that NaN can mark the reference voxels outside this image.
        let float = Volume::new(image.view().to_owned(), *image.geometry(), PixelType::Float64)
            .map_err(|e| e.to_string())?;
        let resampled = resample(&float, reference, Interpolator::Linear, f64::NAN)
            .map_err(|e| format!("resampling image {i} onto the reference grid: {e}"))?;
        let values = case.mask.values(&resampled).map_err(|e| e.to_string())?;
        let missing = values.iter().filter(|v| v.is_nan()).count();
        if missing > 0 {
            return Err(format!(
                "image {i} (grid {:?} at {:?} mm) does not cover {missing} of the mask's voxels \
                 on the reference grid",
                image.geometry().size,
                image.geometry().spacing
            ));
        }
        out.push(Cow::Owned(resampled));
    }
    Ok(out)
}

/// The crop centre in continuous array index `[z, y, x]`.
fn crop_centre(mask: &Mask, bbox: &BoundingBox, center: CropCenter) -> [f64; 3] {
    match center {
        CropCenter::BoundingBox => {
            [0, 1, 2].map(|a| (bbox.lower[a] as f64 + bbox.upper[a] as f64) / 2.0)
        }
        CropCenter::Centroid => {
            let mut sum = [0.0f64; 3];
            let mut count = 0usize;
            for ((z, y, x), &inside) in mask.data().indexed_iter() {
                if inside {
                    sum[0] += z as f64;
                    sum[1] += y as f64;
                    sum[2] += x as f64;
                    count += 1;
                }
            }
            // `count > 0`: the caller found a bounding box.
            sum.map(|s| s / count as f64)
        }
    }
}

/// First index `[z, y, x]` of a native-grid cube of `n` voxels whose centre, `start + (n−1)/2`,
/// is the voxel grid point nearest `centre` (halves round up).
fn native_start(centre: [f64; 3], n: usize) -> [isize; 3] {
    centre.map(|c| (c - (n as f64 - 1.0) / 2.0 + 0.5).floor() as isize)
}

/// The `n³` block of `data` starting at `start` (which may lie outside), with `fill` where it
/// leaves the array.
fn crop_native(data: ArrayView3<'_, f64>, start: [isize; 3], n: usize, fill: f64) -> Array3<f64> {
    let shape = data.shape();
    let mut out = Array3::from_elem((n, n, n), fill);
    // The overlap of [start, start + n) with [0, shape) on each axis, in source indices.
    let range = |a: usize| {
        let lo = start[a].max(0);
        let hi = (start[a] + n as isize).min(shape[a] as isize);
        (lo, hi)
    };
    let (rz, ry, rx) = (range(0), range(1), range(2));
    if rz.0 >= rz.1 || ry.0 >= ry.1 || rx.0 >= rx.1 {
        return out;
    }
    let src = data.slice(ndarray::s![rz.0..rz.1, ry.0..ry.1, rx.0..rx.1]);
    let dst_lo = [rz.0 - start[0], ry.0 - start[1], rx.0 - start[2]];
    out.slice_mut(ndarray::s![
        dst_lo[0]..dst_lo[0] + (rz.1 - rz.0),
        dst_lo[1]..dst_lo[1] + (ry.1 - ry.0),
        dst_lo[2]..dst_lo[2] + (rx.1 - rx.0)
    ])
    .assign(&src);
    out
}

/// The cube grid: `n` voxels per side at `spacing` mm, direction of `geometry`, centred on the
/// physical point of array index `centre` (`[z, y, x]`) of `geometry`.
fn cube_grid(geometry: &Geometry, centre: [f64; 3], n: usize, spacing: f64) -> Geometry {
    let p = geometry.index_to_physical([centre[2], centre[1], centre[0]]);
    let half = spacing * (n as f64 - 1.0) / 2.0;
    let d = &geometry.direction;
    // origin = p − D · (half, half, half)
    let origin = [0, 1, 2].map(|r| p[r] - (d[3 * r] + d[3 * r + 1] + d[3 * r + 2]) * half);
    Geometry { size: [n; 3], spacing: [spacing; 3], origin, direction: geometry.direction }
}

/// Resamples `volume` onto `grid`, first cutting out the part of the volume the grid can reach
/// (with a two-voxel margin), so that a large CT is never resampled or copied whole.
fn resample_region(
    volume: &Volume,
    grid: &Geometry,
    interpolator: Interpolator,
    default_value: f64,
) -> crate::Result<Array3<f64>> {
    let geometry = volume.geometry();
    let shape = geometry.shape_zyx();
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for corner in 0..8 {
        let index = [0, 1, 2]
            .map(|a| if corner & (1 << a) == 0 { -0.5 } else { grid.size[a] as f64 - 0.5 });
        let physical = grid.index_to_physical(index);
        let i = geometry.physical_to_index(physical)?; // (x, y, z)
        for a in 0..3 {
            lo[a] = lo[a].min(i[a]);
            hi[a] = hi[a].max(i[a]);
        }
    }
    // (x, y, z) continuous bounds → inclusive [z, y, x] voxel box, clipped to the image.
    let mut lower = [0usize; 3];
    let mut upper = [0usize; 3];
    for a in 0..3 {
        let zyx = 2 - a;
        let l = (lo[a].floor() - 2.0).max(0.0);
        let u = (hi[a].ceil() + 2.0).min(shape[zyx] as f64 - 1.0);
        if l > u {
            // The cube misses the image entirely: all padding.
            return Ok(Array3::from_elem(grid.shape_zyx(), default_value));
        }
        lower[zyx] = l as usize;
        upper[zyx] = u as usize;
    }
    let region = volume.crop(&BoundingBox { lower, upper })?;
    // Interpolate in f64: resampling casts to the volume's pixel type, and truncating an
    // interpolated CT value to an integer (as SimpleITK would) loses up to one unit.
    let pixel_type = if interpolator == Interpolator::NearestNeighbor {
        region.pixel_type()
    } else {
        PixelType::Float64
    };
    let region_grid = *region.geometry();
    let region = Volume::new(region.into_data(), region_grid, pixel_type)?;
    Ok(resample(&region, grid, interpolator, default_value)?.into_data())
}

fn mask_as_volume(mask: &Mask) -> crate::Result<Volume> {
    let data = mask.view().mapv(|b| if b { 1.0 } else { 0.0 });
    Ok(Volume::new(data, *mask.geometry(), PixelType::UInt8)?)
}

/// The per-voxel intensity map of `intensity` for `image`.
fn normaliser(
    intensity: Intensity,
    image: &Volume,
    mask: &Mask,
) -> std::result::Result<Box<dyn Fn(f64) -> f64>, String> {
    Ok(match intensity {
        Intensity::Ct { window: [lo, hi] } => {
            Box::new(move |v| ((v - lo) / (hi - lo)).clamp(0.0, 1.0))
        }
        Intensity::None => Box::new(|v| v),
        Intensity::Mr => {
            let values = mask.values(image).map_err(|e| e.to_string())?;
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            let sd = var.sqrt();
            if !(sd > 0.0) || !sd.is_finite() {
                return Err(format!(
                    "MR z-score: the image is constant ({mean}) inside the mask; use intensity \"none\" or a CT window"
                ));
            }
            Box::new(move |v| (v - mean) / sd)
        }
    })
}

/// A folder of preprocessed tensors, so that repeated runs skip reading and resampling.
///
/// An entry's key is a hash of the preprocessing configuration, the case identifier and each
/// input file's path, size and modification time: editing a file or a setting makes a new
/// entry. Entries are written atomically and checked on reading (magic, shape, length); a
/// damaged entry is recomputed.
#[derive(Debug, Clone)]
pub struct PreprocessCache {
    dir: PathBuf,
}

const CACHE_MAGIC: &[u8; 8] = b"RLSGPRE1";

impl PreprocessCache {
    /// A cache in `dir` (created when missing).
    pub fn new(dir: impl Into<PathBuf>) -> crate::Result<PreprocessCache> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| Error::io("create the folder", &dir, e))?;
        Ok(PreprocessCache { dir })
    }

    /// The cache key of a case: a hash of `config`, `case_id` and the identity (path, size,
    /// modification time) of each of `files`.
    pub fn key(config: &PreprocessConfig, case_id: &str, files: &[&Path]) -> crate::Result<String> {
        let mut text = serde_json::to_string(config).map_err(|e| Error::Data(e.to_string()))?;
        text.push('\u{1}');
        text.push_str(case_id);
        for path in files {
            let meta =
                std::fs::metadata(path).map_err(|e| Error::io("read the metadata of", *path, e))?;
            let modified = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            text.push_str(&format!("\u{1}{}\u{1}{}\u{1}{modified}", path.display(), meta.len()));
        }
        let bytes = text.as_bytes();
        Ok(format!(
            "{:016x}{:016x}",
            fnv1a(bytes, 0xcbf2_9ce4_8422_2325),
            fnv1a(bytes, 0x8422_2325_cbf2_9ce4)
        ))
    }

    /// The cached tensor for `key`, or the result of `compute` (then stored).
    pub fn get_or_insert(
        &self,
        key: &str,
        compute: impl FnOnce() -> crate::Result<Array4<f32>>,
    ) -> crate::Result<Array4<f32>> {
        let path = self.dir.join(format!("{key}.f32"));
        if let Ok(volume) = read_tensor(&path) {
            return Ok(volume);
        }
        let volume = compute()?;
        write_atomically(&path, |tmp| write_tensor(tmp, &volume))?;
        Ok(volume)
    }
}

/// 64-bit FNV-1a with a chosen offset basis (two bases give a 128-bit key).
fn fnv1a(bytes: &[u8], basis: u64) -> u64 {
    bytes.iter().fold(basis, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

fn write_tensor(path: &Path, volume: &Array4<f32>) -> crate::Result<()> {
    let mut bytes = Vec::with_capacity(40 + 4 * volume.len());
    bytes.extend_from_slice(CACHE_MAGIC);
    for &d in volume.shape() {
        bytes.extend_from_slice(&(d as u64).to_le_bytes());
    }
    for v in volume.iter() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    let mut file = std::fs::File::create(path).map_err(|e| Error::io("create", path, e))?;
    file.write_all(&bytes).map_err(|e| Error::io("write", path, e))
}

fn read_tensor(path: &Path) -> crate::Result<Array4<f32>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|e| Error::io("read", path, e))?;
    let bad = |reason: &str| Error::Format { path: path.to_path_buf(), reason: reason.to_string() };
    if bytes.len() < 40 || &bytes[..8] != CACHE_MAGIC {
        return Err(bad("not a radlsig preprocessing cache entry"));
    }
    let dim = |i: usize| {
        u64::from_le_bytes(bytes[8 + 8 * i..16 + 8 * i].try_into().unwrap_or([0; 8])) as usize
    };
    let shape = [dim(0), dim(1), dim(2), dim(3)];
    let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if count.and_then(|c| c.checked_mul(4)).map(|b| b + 40) != Some(bytes.len()) {
        return Err(bad("truncated cache entry"));
    }
    let values: Vec<f32> =
        bytes[40..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Array4::from_shape_vec(shape, values).map_err(|e| bad(&e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use radlsig_volume::Geometry;

    fn volume(data: Array3<f64>, spacing: [f64; 3]) -> Volume {
        let [z, y, x] = [data.shape()[0], data.shape()[1], data.shape()[2]];
        Volume::new(data, Geometry::new([x, y, z], spacing), PixelType::Float64).unwrap()
    }

    fn mask(data: Array3<bool>, spacing: [f64; 3]) -> Mask {
        let [z, y, x] = [data.shape()[0], data.shape()[1], data.shape()[2]];
        Mask::new(data, Geometry::new([x, y, z], spacing)).unwrap()
    }

    #[test]
    fn native_start_centres_the_cube() {
        // Box 10..=13: centre 11.5; a 4-cube starts at 10, a 32-cube at -4 (centre 11.5).
        assert_eq!(native_start([11.5, 11.5, 11.5], 4), [10, 10, 10]);
        assert_eq!(native_start([11.5, 0.0, 11.5], 32), [-4, -15, -4]);
        // Odd size on an integer centre: centred exactly.
        assert_eq!(native_start([5.0, 5.0, 5.0], 3), [4, 4, 4]);
    }

    #[test]
    fn cube_grid_is_centred_with_flipped_direction() {
        let mut g = Geometry::new([10, 10, 10], [2.0, 2.0, 2.0]);
        g.direction = [-1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let grid = cube_grid(&g, [4.0, 4.0, 4.0], 5, 1.0);
        // Centre voxel (2, 2, 2) of the cube sits on physical point of index (4, 4, 4) of g.
        let centre = grid.index_to_physical([2.0, 2.0, 2.0]);
        let expected = g.index_to_physical([4.0, 4.0, 4.0]);
        for a in 0..3 {
            assert!((centre[a] - expected[a]).abs() < 1e-12, "{centre:?} vs {expected:?}");
        }
        assert_eq!(grid.direction, g.direction);
    }

    #[test]
    fn ct_window_maps_to_unit_interval() {
        let image = volume(Array3::from_elem((2, 2, 2), 0.0), [1.0; 3]);
        let m = mask(Array3::from_elem((2, 2, 2), true), [1.0; 3]);
        let f = normaliser(Intensity::Ct { window: [-100.0, 300.0] }, &image, &m).unwrap();
        assert_eq!(f(-200.0), 0.0);
        assert_eq!(f(100.0), 0.5);
        assert_eq!(f(1000.0), 1.0);
    }

    #[test]
    fn mr_z_score_uses_values_inside_mask() {
        // Inside: 1, 2, 3, 6 → mean 3, population variance (4 + 1 + 0 + 9)/4 = 3.5.
        let data =
            Array3::from_shape_vec((1, 1, 6), vec![1.0, 2.0, 3.0, 6.0, 100.0, -50.0]).unwrap();
        let inside =
            Array3::from_shape_vec((1, 1, 6), vec![true, true, true, true, false, false]).unwrap();
        let f =
            normaliser(Intensity::Mr, &volume(data, [1.0; 3]), &mask(inside, [1.0; 3])).unwrap();
        assert!((f(3.0)).abs() < 1e-15);
        assert!((f(6.0) - 3.0 / 3.5f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn cache_round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let cache = PreprocessCache::new(dir.path()).unwrap();
        let v = Array4::from_shape_fn((2, 3, 3, 3), |(c, z, y, x)| {
            (c * 27 + z * 9 + y * 3 + x) as f32 * 0.5
        });
        let got = cache.get_or_insert("k", || Ok(v.clone())).unwrap();
        assert_eq!(got, v);
        // The second call reads the file, not `compute`.
        let again = cache.get_or_insert("k", || Err(Error::Data("not called".into()))).unwrap();
        assert_eq!(again, v);
        std::fs::write(dir.path().join("k.f32"), b"RLSGPRE1 short").unwrap();
        let recomputed = cache.get_or_insert("k", || Ok(v.clone())).unwrap();
        assert_eq!(recomputed, v);
    }
}
