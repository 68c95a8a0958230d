//! What the texture families (GLCM, GLRLM, GLSZM, GLDM, NGTDM) share: the discretised ROI,
//! the texture settings and the neighbour offsets ("angles").

use ndarray::{Array2, Array3};
use radlsig_volume::{Binning, Mask, Volume, discretise};

use crate::{Error, Result, SettingProblem};

/// The ROI as the texture families see it: cropped to the mask's bounding box (plus padding),
/// grey levels discretised to 1-based bin indices inside the mask.
///
/// Arrays are indexed `[z, y, x]`; `levels` is 0 outside the mask and never read there.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscretisedImage {
    /// Bin index (1 = lowest bin) inside the mask, 0 outside.
    pub levels: Array3<u32>,
    /// The region of interest.
    pub mask: Array3<bool>,
    /// Voxel spacing in mm along z, y, x (used by distance weighting).
    pub spacing_zyx: [f64; 3],
}

impl DiscretisedImage {
    /// Crops `image` and `mask` to the mask's bounding box grown by `pad_distance` voxels
    /// (clipped to the image) and discretises the ROI's grey levels — PyRadiomics'
    /// `cropToTumorMask` followed by `binImage`. The box size matters: PyRadiomics drops the
    /// angles that do not fit in it (see [`angles`]).
    ///
    /// Fails when the mask is empty or not on the image's array shape.
    pub fn new(image: &Volume, mask: &Mask, binning: Binning, pad_distance: usize) -> Result<Self> {
        let bbox = mask
            .bounding_box()
            .ok_or_else(|| Error::EmptyRoi { what: "discretisation".into() })?
            .padded(pad_distance, image.geometry().shape_zyx());
        let image = image.crop(&bbox)?;
        let mask = mask.crop(&bbox)?;
        let values = mask.values(&image)?;
        let (bins, _edges) = discretise(&values, binning)?;
        let mut levels = Array3::<u32>::zeros(mask.data().raw_dim());
        let inside = levels.iter_mut().zip(mask.data().iter()).filter(|(_, m)| **m);
        for ((level, _), bin) in inside.zip(bins) {
            *level = bin;
        }
        Ok(DiscretisedImage {
            levels,
            mask: mask.data().clone(),
            spacing_zyx: image.geometry().spacing_zyx(),
        })
    }

    /// The distinct grey levels (bin indices) present in the ROI, ascending.
    pub fn gray_levels(&self) -> Vec<u32> {
        let mut present: Vec<u32> = self
            .levels
            .iter()
            .zip(self.mask.iter())
            .filter(|(_, m)| **m)
            .map(|(l, _)| *l)
            .collect();
        present.sort_unstable();
        present.dedup();
        present
    }

    /// The highest bin index in the ROI (`N_g` in PyRadiomics), 0 for an empty ROI.
    pub fn max_level(&self) -> u32 {
        self.levels
            .iter()
            .zip(self.mask.iter())
            .filter(|(_, m)| **m)
            .map(|(l, _)| *l)
            .max()
            .unwrap_or(0)
    }

    /// Number of voxels in the ROI (`N_p`).
    pub fn voxel_count(&self) -> usize {
        self.mask.iter().filter(|&&m| m).count()
    }
}

/// How the matrices of different angles are weighted and merged (`weightingNorm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightingNorm {
    /// No weighting: features are computed per angle and averaged (PyRadiomics' default, None).
    #[default]
    None,
    /// Weight `exp(−‖d‖²)` with the Manhattan norm of the offset in mm; matrices summed.
    Manhattan,
    /// Weight `exp(−‖d‖²)` with the Euclidean norm of the offset in mm; matrices summed.
    Euclidean,
    /// Weight `exp(−‖d‖²)` with the Chebyshev norm of the offset in mm; matrices summed.
    Infinity,
    /// Weight 1; matrices of all angles summed into one (`no_weighting`).
    NoWeighting,
}

impl WeightingNorm {
    /// The weight PyRadiomics gives an angle (offset in voxels, `[z, y, x]`) under this norm,
    /// or `None` when matrices are not merged.
    pub fn weight(self, angle: [i32; 3], spacing_zyx: [f64; 3]) -> Option<f64> {
        let d = [
            (angle[0].abs() as f64) * spacing_zyx[0],
            (angle[1].abs() as f64) * spacing_zyx[1],
            (angle[2].abs() as f64) * spacing_zyx[2],
        ];
        match self {
            WeightingNorm::None => None,
            WeightingNorm::Infinity => Some((-d[0].max(d[1]).max(d[2]).powi(2)).exp()),
            WeightingNorm::Euclidean => Some((-(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])).exp()),
            WeightingNorm::Manhattan => Some((-(d[0] + d[1] + d[2]).powi(2)).exp()),
            WeightingNorm::NoWeighting => Some(1.0),
        }
    }
}

/// Settings shared by the texture families, with PyRadiomics' names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TextureSettings {
    /// `distances`: Chebyshev distances of the neighbours (default `[1]`).
    pub distances: Vec<u32>,
    /// `symmetricalGLCM` (default true).
    pub symmetrical_glcm: bool,
    /// `weightingNorm` (default none).
    pub weighting_norm: WeightingNorm,
    /// `gldm_a`: the coarseness parameter α of GLDM dependence (default 0).
    pub gldm_a: f64,
    /// `force2D` with `force2Ddimension`: the array axis (0 = z, 1 = y, 2 = x) along which no
    /// neighbour is taken, or `None` for 3D (default).
    pub force_2d_dimension: Option<usize>,
}

impl Default for TextureSettings {
    fn default() -> Self {
        TextureSettings {
            distances: vec![1],
            symmetrical_glcm: true,
            weighting_norm: WeightingNorm::None,
            gldm_a: 0.0,
            force_2d_dimension: None,
        }
    }
}

/// The neighbour offsets (`[z, y, x]`, in voxels) PyRadiomics uses for an ROI box of
/// `size_zyx` — its C `build_angles`, in the same order.
///
/// Offsets are enumerated with every component running from `+max(distances)` down to
/// `−max(distances)` (x fastest); an offset is kept when it is not zero, fits inside the box
/// (`|offset| < size` per axis), has no component along the excluded `force_2d` axis, and its
/// Chebyshev norm is one of `distances`. With `bidirectional == false` only the first half is
/// returned (for each kept offset its mirror image is dropped): 13 offsets in 3D and 4 in 2D for
/// distance 1, starting `(1, 1, 1), (1, 1, 0), (1, 1, −1), …` as in PyRadiomics' matrices.
pub fn angles(
    size_zyx: [usize; 3],
    distances: &[u32],
    bidirectional: bool,
    force_2d: Option<usize>,
) -> Vec<[i32; 3]> {
    let max_d = distances.iter().copied().max().unwrap_or(0) as i32;
    if max_d < 1 || distances.iter().any(|&d| d < 1) {
        return Vec::new();
    }
    let n_offsets = 2 * max_d + 1;
    let mut all = Vec::new();
    for code in 0..n_offsets.pow(3) {
        let offset = [
            max_d - (code / (n_offsets * n_offsets)) % n_offsets,
            max_d - (code / n_offsets) % n_offsets,
            max_d - code % n_offsets,
        ];
        let valid = (0..3).all(|a| {
            let size = size_zyx[a] as i32;
            !(force_2d == Some(a) && offset[a] != 0) && offset[a] < size && offset[a] > -size
        });
        let dist = offset.iter().map(|o| o.abs()).max().unwrap_or(0);
        if valid && dist >= 1 && distances.contains(&(dist as u32)) {
            all.push(offset);
        }
    }
    if !bidirectional {
        // The enumeration is point-symmetric: the second half mirrors the first.
        all.truncate(all.len() / 2);
    }
    all
}

/// The ROI re-indexed for the matrix builders: a flat array over the cropped box grown by
/// `border` voxels on every side, holding for each voxel the 0-based position of its grey level
/// in `gray_levels` (the levels present in the ROI), or [`CompactGrid::OUTSIDE`] outside the ROI
/// and in the border. A builder can then step up to `border` voxels from any ROI voxel in any
/// direction without bounds checks: a step that leaves the box lands on `OUTSIDE`, which is how
/// PyRadiomics treats neighbours outside its box.
pub(crate) struct CompactGrid {
    /// Grey-level position per voxel of the grown box, C order (`[z, y, x]`, x fastest).
    pub(crate) index: Vec<u32>,
    /// Flat strides of the grown box.
    pub(crate) strides: [usize; 3],
    /// Shape `[z, y, x]` of the box without the border.
    pub(crate) shape: [usize; 3],
    /// Border width in voxels.
    pub(crate) border: usize,
    /// Flat index (into `index`) of every ROI voxel, ascending (C order).
    pub(crate) roi: Vec<usize>,
    /// The grey levels (bin indices) present in the ROI, ascending.
    pub(crate) gray_levels: Vec<u32>,
}

impl CompactGrid {
    /// Marks voxels outside the ROI.
    pub(crate) const OUTSIDE: u32 = u32::MAX;

    /// Builds the grid of `image` with a border of `border` voxels.
    pub(crate) fn new(image: &DiscretisedImage, border: usize) -> CompactGrid {
        let levels = image.levels.as_standard_layout();
        let mask = image.mask.as_standard_layout();
        let levels = levels.as_slice().expect("a standard-layout array is contiguous");
        let mask = mask.as_slice().expect("a standard-layout array is contiguous");
        let sh = image.levels.shape();
        let shape = [sh[0], sh[1], sh[2]];
        let grown = [shape[0] + 2 * border, shape[1] + 2 * border, shape[2] + 2 * border];
        let strides = [grown[1] * grown[2], grown[2], 1];
        // ROI voxels (grown-box flat index, level) in C order, and which levels occur (a
        // presence table avoids sorting the ROI).
        let mut roi = Vec::new();
        let mut roi_levels = Vec::new();
        let mut present: Vec<bool> = Vec::new();
        let row = shape[2].max(1);
        let rows = levels.chunks_exact(row).zip(mask.chunks_exact(row));
        for (r, (levels, mask)) in rows.enumerate() {
            let (z, y) = (r / shape[1], r % shape[1]);
            let start = (z + border) * strides[0] + (y + border) * strides[1] + border;
            for (x, (&level, _)) in levels.iter().zip(mask).enumerate().filter(|(_, (_, m))| **m) {
                roi.push(start + x);
                roi_levels.push(level);
                let level = level as usize;
                if level >= present.len() {
                    present.resize(level + 1, false);
                }
                present[level] = true;
            }
        }
        let mut position = vec![CompactGrid::OUTSIDE; present.len()];
        let mut gray_levels = Vec::new();
        for (level, _) in present.iter().enumerate().filter(|(_, p)| **p) {
            position[level] = gray_levels.len() as u32;
            gray_levels.push(level as u32);
        }
        let mut index = vec![CompactGrid::OUTSIDE; grown[0] * grown[1] * grown[2]];
        for (&flat, &level) in roi.iter().zip(&roi_levels) {
            index[flat] = position[level as usize];
        }
        CompactGrid { index, strides, shape, border, roi, gray_levels }
    }

    /// The flat step of an offset `[z, y, x]` (|component| ≤ `border`).
    pub(crate) fn offset(&self, angle: [i32; 3]) -> isize {
        angle[0] as isize * self.strides[0] as isize
            + angle[1] as isize * self.strides[1] as isize
            + angle[2] as isize
    }

    /// The `[z, y, x]` position in the box (without border) of a flat index.
    pub(crate) fn coordinates(&self, flat: usize) -> [usize; 3] {
        let b = self.border;
        let (s0, s1) = (self.strides[0], self.strides[1]);
        [flat / s0 - b, (flat % s0) / s1 - b, flat % s1 - b]
    }
}

/// A grey level × size matrix, the layout GLSZM (zone sizes) and GLDM (dependence sizes)
/// share, with its marginals and the reductions their features have in common.
///
/// `P(i, j)`: rows are the grey levels `i`, columns the sizes `j`; `p_g(i) = Σ_j P(i, j)`,
/// `p_s(j) = Σ_i P(i, j)` and `N_z = Σ_i Σ_j P(i, j)` (taken as 1 for an empty matrix, as in
/// PyRadiomics, so that no reduction divides by 0).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SizeMatrix {
    /// `P(i, j)`.
    pub(crate) matrix: Array2<f64>,
    /// The grey level of each row (`i`).
    pub(crate) gray_levels: Vec<f64>,
    /// The size of each column (`j`).
    pub(crate) sizes: Vec<f64>,
    /// `p_g(i)`.
    pub(crate) pg: Vec<f64>,
    /// `p_s(j)`.
    pub(crate) ps: Vec<f64>,
    /// `N_z`.
    pub(crate) nz: f64,
}

impl SizeMatrix {
    /// The marginals of `matrix` (rows `gray_levels`, columns `sizes`), used as given.
    ///
    /// # Panics
    ///
    /// When the matrix shape does not match the two vectors (`family` names the matrix).
    pub(crate) fn new(
        matrix: Array2<f64>,
        gray_levels: Vec<f64>,
        sizes: Vec<f64>,
        family: &str,
    ) -> SizeMatrix {
        assert_eq!(matrix.dim(), (gray_levels.len(), sizes.len()), "{family} shape");
        let pg: Vec<f64> = matrix.rows().into_iter().map(|r| r.sum()).collect();
        let ps: Vec<f64> = matrix.columns().into_iter().map(|c| c.sum()).collect();
        let mut nz = ps.iter().sum::<f64>();
        if nz == 0.0 {
            nz = 1.0;
        }
        SizeMatrix { matrix, gray_levels, sizes, pg, ps, nz }
    }

    /// `Σ_j p_s(j) / j² / N_z`.
    pub(crate) fn small_emphasis(&self) -> f64 {
        self.ps.iter().zip(&self.sizes).map(|(p, j)| p / (j * j)).sum::<f64>() / self.nz
    }

    /// `Σ_j p_s(j) · j² / N_z`.
    pub(crate) fn large_emphasis(&self) -> f64 {
        self.ps.iter().zip(&self.sizes).map(|(p, j)| p * (j * j)).sum::<f64>() / self.nz
    }

    /// `Σ_i p_g(i)² / N_z`.
    pub(crate) fn gray_level_non_uniformity(&self) -> f64 {
        self.pg.iter().map(|p| p * p).sum::<f64>() / self.nz
    }

    /// `Σ_i p_g(i)² / N_z²`.
    pub(crate) fn gray_level_non_uniformity_normalized(&self) -> f64 {
        self.pg.iter().map(|p| p * p).sum::<f64>() / (self.nz * self.nz)
    }

    /// `Σ_j p_s(j)² / N_z`.
    pub(crate) fn size_non_uniformity(&self) -> f64 {
        self.ps.iter().map(|p| p * p).sum::<f64>() / self.nz
    }

    /// `Σ_j p_s(j)² / N_z²`.
    pub(crate) fn size_non_uniformity_normalized(&self) -> f64 {
        self.ps.iter().map(|p| p * p).sum::<f64>() / (self.nz * self.nz)
    }

    /// `Σ_i (p_g(i)/N_z) (i − μ)²` with `μ = Σ_i (p_g(i)/N_z) i`.
    pub(crate) fn gray_level_variance(&self) -> f64 {
        variance(&self.pg, &self.gray_levels, self.nz)
    }

    /// `Σ_j (p_s(j)/N_z) (j − μ)²` with `μ = Σ_j (p_s(j)/N_z) j`.
    pub(crate) fn size_variance(&self) -> f64 {
        variance(&self.ps, &self.sizes, self.nz)
    }

    /// `−Σ_i Σ_j p(i, j) log₂(p(i, j) + ε)` with `p = P / N_z`.
    pub(crate) fn entropy(&self) -> f64 {
        -self
            .matrix
            .iter()
            .map(|c| {
                let p = c / self.nz;
                p * (p + f64::EPSILON).log2()
            })
            .sum::<f64>()
    }

    /// `Σ_i p_g(i) / i² / N_z`.
    pub(crate) fn low_gray_level_emphasis(&self) -> f64 {
        self.pg.iter().zip(&self.gray_levels).map(|(p, i)| p / (i * i)).sum::<f64>() / self.nz
    }

    /// `Σ_i p_g(i) · i² / N_z`.
    pub(crate) fn high_gray_level_emphasis(&self) -> f64 {
        self.pg.iter().zip(&self.gray_levels).map(|(p, i)| p * (i * i)).sum::<f64>() / self.nz
    }

    /// `Σ_i Σ_j P(i, j) / (i² j²) / N_z`.
    pub(crate) fn small_low_gray_level_emphasis(&self) -> f64 {
        self.weighted(|i, j| 1.0 / ((i * i) * (j * j)))
    }

    /// `Σ_i Σ_j P(i, j) · i² / j² / N_z`.
    pub(crate) fn small_high_gray_level_emphasis(&self) -> f64 {
        self.weighted(|i, j| (i * i) / (j * j))
    }

    /// `Σ_i Σ_j P(i, j) · j² / i² / N_z`.
    pub(crate) fn large_low_gray_level_emphasis(&self) -> f64 {
        self.weighted(|i, j| (j * j) / (i * i))
    }

    /// `Σ_i Σ_j P(i, j) · i² j² / N_z`.
    pub(crate) fn large_high_gray_level_emphasis(&self) -> f64 {
        self.weighted(|i, j| (i * i) * (j * j))
    }

    /// `Σ_i Σ_j P(i, j) · w(i, j)`, then divided by `N_z`.
    fn weighted(&self, w: impl Fn(f64, f64) -> f64) -> f64 {
        let mut total = 0.0;
        for (row, &i) in self.matrix.rows().into_iter().zip(&self.gray_levels) {
            for (&p, &j) in row.iter().zip(&self.sizes) {
                total += p * w(i, j);
            }
        }
        total / self.nz
    }
}

/// `Σ_k (c_k/n) (v_k − μ)²` with `μ = Σ_k (c_k/n) v_k`: the variance PyRadiomics computes from a
/// marginal `c` over the values `v`.
fn variance(counts: &[f64], values: &[f64], n: f64) -> f64 {
    let mu: f64 = counts.iter().zip(values).map(|(c, v)| (c / n) * v).sum();
    counts.iter().zip(values).map(|(c, v)| (c / n) * (v - mu) * (v - mu)).sum()
}

/// Lays out `image` for a texture family's matrix builder (`family` names it in errors):
/// [`CompactGrid`] with a border of `border` voxels, after checking what `CompactGrid` takes
/// for granted: `levels` and `mask` share one shape, the ROI is not empty and no ROI voxel has
/// bin index 0 (bins start at 1).
pub(crate) fn roi_grid(
    image: &DiscretisedImage,
    border: usize,
    family: &'static str,
) -> Result<CompactGrid> {
    if image.levels.shape() != image.mask.shape() {
        return Err(Error::ShapeMismatch {
            what: family.to_string(),
            image: image.levels.shape().to_vec(),
            mask: image.mask.shape().to_vec(),
        });
    }
    let grid = CompactGrid::new(image, border);
    match grid.gray_levels.first() {
        None => Err(Error::EmptyRoi { what: family.to_string() }),
        Some(0) => Err(Error::ZeroGrayLevel { family }),
        Some(_) => Ok(grid),
    }
}

/// The ROI grid of `image` and the flat steps of its neighbour offsets, for the GLSZM, GLDM
/// and NGTDM builders: [`angles`] in both directions at `distances` (none along `force_2d`),
/// on a [`roi_grid`] whose border holds the longest of them.
///
/// Fails when no offset fits in the ROI box (PyRadiomics fails there too), or as [`roi_grid`]
/// does.
pub(crate) fn neighbourhood(
    image: &DiscretisedImage,
    distances: &[u32],
    force_2d: Option<usize>,
    family: &'static str,
) -> Result<(CompactGrid, Vec<isize>)> {
    let shape = shape_of(image);
    let offsets = angles(shape, distances, true, force_2d);
    if offsets.is_empty() {
        return Err(Error::NoOffsets { family, shape });
    }
    let border = distances.iter().copied().max().unwrap_or(1) as usize;
    let grid = roi_grid(image, border, family)?;
    let steps = offsets.iter().map(|&a| grid.offset(a)).collect();
    Ok((grid, steps))
}

/// Checks `force2Ddimension`: 0, 1 or 2 (an array axis) when set.
pub(crate) fn check_force_2d(settings: &TextureSettings) -> Result<()> {
    match settings.force_2d_dimension {
        Some(d) if d > 2 => {
            Err(Error::setting(SettingProblem::out_of_range("force2Ddimension", d, "0, 1 or 2")))
        }
        _ => Ok(()),
    }
}

/// The `[z, y, x]` shape of the ROI box.
pub(crate) fn shape_of(image: &DiscretisedImage) -> [usize; 3] {
    let s = image.levels.shape();
    [s[0], s[1], s[2]]
}

/// Checks the `distances` setting (GLCM, GLDM, NGTDM): non-empty, every distance ≥ 1.
pub(crate) fn check_distances(distances: &[u32]) -> Result<()> {
    if distances.is_empty() || distances.contains(&0) {
        return Err(Error::setting(SettingProblem::out_of_range(
            "distances",
            format!("{distances:?}"),
            "a non-empty list of integers ≥ 1",
        )));
    }
    Ok(())
}

/// A one-slice discretised image for unit tests: `rows[y][x]` are the bin indices, 0 outside
/// the ROI.
#[cfg(test)]
pub(crate) fn image_2d(rows: &[&[u32]]) -> DiscretisedImage {
    let (ny, nx) = (rows.len(), rows[0].len());
    let levels = Array3::from_shape_fn((1, ny, nx), |(_, y, x)| rows[y][x]);
    let mask = levels.mapv(|l| l > 0);
    DiscretisedImage { levels, mask, spacing_zyx: [1.0; 3] }
}

/// The 5 × 5 example image of PyRadiomics' GLSZM and GLDM class docstrings, for unit tests.
#[cfg(test)]
pub(crate) fn docstring_image() -> DiscretisedImage {
    image_2d(&[
        &[5, 2, 5, 4, 4],
        &[3, 3, 3, 1, 3],
        &[2, 1, 1, 1, 3],
        &[4, 2, 2, 2, 3],
        &[3, 5, 3, 3, 2],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discretised_roi_by_hand() {
        use radlsig_volume::{Geometry, PixelType};
        // 1×3×4 image, ROI = the middle row; bin width 10 from min 12: edges 10, 20, …
        let data = ndarray::Array3::from_shape_vec(
            (1, 3, 4),
            (0..12).map(|v| 10.0 + 3.0 * v as f64).collect(),
        )
        .unwrap();
        let g = Geometry::new([4, 3, 1], [0.5, 0.5, 2.0]);
        let img = Volume::new(data, g, PixelType::Int16).unwrap();
        let mut m = ndarray::Array3::from_elem((1, 3, 4), false);
        for x in 0..4 {
            m[[0, 1, x]] = true;
        }
        let mask = Mask::new(m, g).unwrap();
        // ROI values 22, 25, 28, 31 → ⌊v/10⌋ − ⌊22/10⌋ + 1 = 1, 1, 1, 2.
        let d = DiscretisedImage::new(&img, &mask, Binning::Width(10.0), 0).unwrap();
        assert_eq!(d.levels.shape(), &[1, 1, 4]);
        assert_eq!(d.levels.iter().copied().collect::<Vec<_>>(), vec![1, 1, 1, 2]);
        assert_eq!(d.gray_levels(), vec![1, 2]);
        assert_eq!(d.spacing_zyx, [2.0, 0.5, 0.5]);
        // Padding 5 is clipped to the image: the whole 1×3×4 array.
        let p = DiscretisedImage::new(&img, &mask, Binning::Width(10.0), 5).unwrap();
        assert_eq!(p.levels.shape(), &[1, 3, 4]);
        assert_eq!(p.voxel_count(), 4);
    }

    #[test]
    fn thirteen_angles_in_pyradiomics_order() {
        // The 13 angles listed in ../shared/pyradiomics-data/SOURCE.md for the baseline matrices.
        let expected = [
            [1, 1, 1],
            [1, 1, 0],
            [1, 1, -1],
            [1, 0, 1],
            [1, 0, 0],
            [1, 0, -1],
            [1, -1, 1],
            [1, -1, 0],
            [1, -1, -1],
            [0, 1, 1],
            [0, 1, 0],
            [0, 1, -1],
            [0, 0, 1],
        ];
        assert_eq!(angles([5, 5, 5], &[1], false, None), expected.to_vec());
        assert_eq!(angles([5, 5, 5], &[1], true, None).len(), 26);
    }

    #[test]
    fn force_2d_and_thin_boxes_drop_angles() {
        // In-plane (no z step): (0,1,1), (0,1,0), (0,1,-1), (0,0,1).
        assert_eq!(
            angles([5, 5, 5], &[1], false, Some(0)),
            vec![[0, 1, 1], [0, 1, 0], [0, 1, -1], [0, 0, 1]]
        );
        // A single-slice box cannot step in z either.
        assert_eq!(angles([1, 5, 5], &[1], false, None).len(), 4);
        // Distance 2 alone: (2d+1)^3 - (2d-1)^3 = 98 offsets, half of them.
        assert_eq!(angles([9, 9, 9], &[2], false, None).len(), 49);
        assert_eq!(angles([9, 9, 9], &[1, 2], false, None).len(), 62);
    }

    #[test]
    fn weights_follow_the_norms() {
        let sp = [2.0, 0.5, 0.5];
        assert_eq!(WeightingNorm::None.weight([1, 1, 0], sp), None);
        assert_eq!(WeightingNorm::NoWeighting.weight([1, 1, 0], sp), Some(1.0));
        assert_eq!(WeightingNorm::Infinity.weight([1, 1, 0], sp), Some((-4.0f64).exp()));
        assert_eq!(WeightingNorm::Euclidean.weight([1, 1, 0], sp), Some((-4.25f64).exp()));
        assert_eq!(WeightingNorm::Manhattan.weight([1, 1, 0], sp), Some((-6.25f64).exp()));
    }
}
