//! Neighbouring Gray Tone Difference Matrix (NGTDM) features, PyRadiomics 3.1
//! `RadiomicsNGTDM` (IBSI "neighbourhood grey tone difference based features", IPET).
//!
//! For every ROI voxel `k` with grey level `i`, the mean grey level `Ā_k` of its neighbours is
//! taken over the offsets whose Chebyshev norm is in `distances`, the centre excluded, counting
//! only neighbours inside the ROI (and inside the cropped box). The matrix holds per grey level
//! the voxel count `n_i` and the sum `s_i = Σ_k |i − Ā_k|`. With `force2D` only in-plane
//! neighbours are used and all slices go into one matrix (IBSI 2.5D, merged).
//!
//! **Voxels without any neighbour in the ROI** (isolated voxels) are counted in `n_i` and add
//! 0 to `s_i` — PyRadiomics' C code sets their difference to 0 rather than skipping them. IBSI
//! leaves them out of `n_i` and `N_{v,c}`, so the two differ on ROIs with isolated voxels.
//!
//! # Symbols
//!
//! - `i`: a grey level (bin index) present in the ROI; rows of the matrix are these levels,
//!   ascending (levels with `n_i = 0` are deleted, as in PyRadiomics).
//! - `n_i`: the number of ROI voxels with grey level `i` (isolated voxels included).
//! - `s_i = Σ_{k: X_k = i} |i − Ā_k|` (0 for an isolated voxel).
//! - `N_{v,p} = Σ_i n_i`: here always `N_p`, the ROI voxel count.
//! - `p_i = n_i / N_{v,p}`.
//! - `N_{g,p}`: the number of grey levels with `p_i ≠ 0`.
//!
//! Double sums `Σ_i Σ_j` run over pairs of present grey levels (`p_i ≠ 0` and `p_j ≠ 0`).
//!
//! # Settings
//!
//! - `distances` (default `[1]`; [`TextureSettings::distances`]): Chebyshev norms of the neighbour
//!   offsets. Only offsets whose norm is *listed* are used: `[2]` alone skips the 26 nearest
//!   neighbours (IBSI's `δ = 2` corresponds to `[1, 2]`).
//! - `force2D` / `force2Ddimension` (default false / 0): no neighbour along that array axis.

use ndarray::Array2;

use crate::Result;
use crate::extractor::{FeatureValues, evaluate};
use crate::texture::{
    CompactGrid, DiscretisedImage, TextureSettings, check_distances, check_force_2d, neighbourhood,
};

/// The features of this family as `(PyRadiomics name, deprecated)`, in PyRadiomics' order
/// (alphabetical). None is deprecated.
pub const FEATURES: &[(&str, bool)] = &[
    ("Busyness", false),
    ("Coarseness", false),
    ("Complexity", false),
    ("Contrast", false),
    ("Strength", false),
];

/// The feature functions, in the order of [`FEATURES`].
const FUNCTIONS: [fn(&Ngtdm) -> f64; 5] = [busyness, coarseness, complexity, contrast, strength];

/// Coarseness of a ROI with `Σ p_i s_i = 0` (a flat ROI), PyRadiomics' and IBSI's convention.
pub const MAX_COARSENESS: f64 = 1e6;

/// Computes every feature of [`FEATURES`], in that order.
///
/// Fails as [`Ngtdm::new`] does.
pub fn features(image: &DiscretisedImage, settings: &TextureSettings) -> Result<FeatureValues> {
    Ok(evaluate(&Ngtdm::new(image, settings)?, FEATURES, &FUNCTIONS))
}

/// The neighbouring grey tone difference matrix of an ROI with PyRadiomics' coefficients.
#[derive(Debug, Clone, PartialEq)]
pub struct Ngtdm {
    /// `n_i`.
    counts: Vec<f64>,
    /// `s_i`.
    differences: Vec<f64>,
    /// `i`.
    gray_levels: Vec<f64>,
    /// `p_i`.
    p: Vec<f64>,
    /// `N_{v,p}`.
    nvp: f64,
    /// `N_{g,p}`.
    ngp: f64,
}

impl Ngtdm {
    /// Builds the matrix in one pass over the ROI (PyRadiomics' C `calculate_ngtdm`):
    /// each voxel sums its neighbours' grey levels in a flat copy of the box with a border of
    /// `max(distances)` voxels. Voxels are visited in C order and `s_i` accumulated in that
    /// order, as PyRadiomics does, so `s_i` agrees bit for bit.
    ///
    /// Fails when the ROI is empty or malformed, when `distances` is empty or holds 0, when
    /// `force_2d_dimension` is not 0, 1 or 2, or when no neighbour offset fits in the ROI box
    /// (PyRadiomics fails there too).
    pub fn new(image: &DiscretisedImage, settings: &TextureSettings) -> Result<Ngtdm> {
        check_force_2d(settings)?;
        check_distances(&settings.distances)?;
        let f2d = settings.force_2d_dimension;
        let (grid, steps) = neighbourhood(image, &settings.distances, f2d, "ngtdm")?;
        let levels: Vec<f64> = grid.gray_levels.iter().map(|&g| g as f64).collect();

        let mut counts = vec![0.0f64; levels.len()];
        let mut differences = vec![0.0f64; levels.len()];
        // Neighbour counts and level sums are integers: summing them as integers is exact and
        // gives the same doubles as PyRadiomics' double accumulators (exact below 2^53), while
        // avoiding a chain of floating-point additions per voxel.
        let int_levels = &grid.gray_levels;
        for &k in &grid.roi {
            let centre = grid.index[k] as usize;
            let (mut count, mut sum) = (0u32, 0u64);
            for &s in &steps {
                let n = grid.index[k.wrapping_add_signed(s)];
                if n != CompactGrid::OUTSIDE {
                    count += 1;
                    sum += u64::from(int_levels[n as usize]);
                }
            }
            let diff =
                if count == 0 { 0.0 } else { levels[centre] - sum as f64 / f64::from(count) };
            counts[centre] += 1.0;
            differences[centre] += diff.abs();
        }
        Ok(Ngtdm::from_columns(counts, differences, levels))
    }

    /// Builds the coefficients from the three matrix columns given directly (e.g. written by
    /// hand): `n_i`, `s_i` and the grey levels `i`. Rows with `n_i = 0` are deleted, as in
    /// PyRadiomics.
    ///
    /// # Panics
    ///
    /// When the three vectors differ in length.
    pub fn from_columns(counts: Vec<f64>, differences: Vec<f64>, gray_levels: Vec<f64>) -> Ngtdm {
        assert!(
            counts.len() == differences.len() && counts.len() == gray_levels.len(),
            "NGTDM shape"
        );
        let keep: Vec<usize> = (0..counts.len()).filter(|&r| counts[r] != 0.0).collect();
        let counts: Vec<f64> = keep.iter().map(|&r| counts[r]).collect();
        let differences: Vec<f64> = keep.iter().map(|&r| differences[r]).collect();
        let gray_levels: Vec<f64> = keep.iter().map(|&r| gray_levels[r]).collect();
        let nvp: f64 = counts.iter().sum();
        let p: Vec<f64> = counts.iter().map(|n| n / nvp).collect();
        let ngp = p.iter().filter(|&&p| p > 0.0).count() as f64;
        Ngtdm { counts, differences, gray_levels, p, nvp, ngp }
    }

    /// The matrix as PyRadiomics returns it (without its leading voxel axis): one row per grey
    /// level present, columns `[n_i, s_i, i]`.
    pub fn matrix(&self) -> Array2<f64> {
        Array2::from_shape_fn((self.counts.len(), 3), |(r, c)| match c {
            0 => self.counts[r],
            1 => self.differences[r],
            _ => self.gray_levels[r],
        })
    }

    /// `n_i`, per row.
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }

    /// `s_i`, per row.
    pub fn differences(&self) -> &[f64] {
        &self.differences
    }

    /// The grey level `i` of each row, ascending.
    pub fn gray_levels(&self) -> &[f64] {
        &self.gray_levels
    }

    /// `p_i`, per row.
    pub fn probabilities(&self) -> &[f64] {
        &self.p
    }

    /// `N_{v,p}`.
    pub fn voxel_count(&self) -> f64 {
        self.nvp
    }

    /// `Σ_i Σ_j f(i, j)` over the pairs of rows whose `p` are both non-zero.
    fn pair_sum(&self, f: impl Fn(usize, usize) -> f64) -> f64 {
        let mut total = 0.0;
        for a in (0..self.p.len()).filter(|&a| self.p[a] != 0.0) {
            for b in (0..self.p.len()).filter(|&b| self.p[b] != 0.0) {
                total += f(a, b);
            }
        }
        total
    }
}

/// Coarseness (IBSI *coarseness*, QCDE; phantom tag `ngt_coarseness_3D`).
///
/// `Coarseness = 1 / Σ_i p_i s_i`, or [`MAX_COARSENESS`] (10⁶) when the sum is 0 (a flat ROI).
/// High for locally uniform textures.
pub fn coarseness(m: &Ngtdm) -> f64 {
    let sum: f64 = m.p.iter().zip(&m.differences).map(|(p, s)| p * s).sum();
    if sum != 0.0 { 1.0 / sum } else { MAX_COARSENESS }
}

/// Contrast (IBSI *contrast*, 65HE; `ngt_contrast_3D`).
///
/// `Contrast = [Σ_i Σ_j p_i p_j (i − j)² / (N_{g,p}(N_{g,p} − 1))] · Σ_i s_i / N_{v,p}`;
/// 0 when `N_{g,p} = 1`. IBSI divides by `N_{v,c}` (voxels with a neighbour) instead of
/// `N_{v,p}`; they differ only when the ROI has isolated voxels.
pub fn contrast(m: &Ngtdm) -> f64 {
    let div = m.ngp * (m.ngp - 1.0);
    if div == 0.0 {
        return 0.0;
    }
    let i = &m.gray_levels;
    let spread = m.pair_sum(|a, b| m.p[a] * m.p[b] * (i[a] - i[b]) * (i[a] - i[b]));
    spread * m.differences.iter().sum::<f64>() / m.nvp / div
}

/// Busyness (IBSI *busyness*, NQ30; `ngt_busyness_3D`).
///
/// `Busyness = Σ_i p_i s_i / Σ_i Σ_j |i p_i − j p_j|`; 0 when the denominator is 0
/// (`N_{g,p} = 1`). High for rapid changes between a voxel and its neighbourhood.
pub fn busyness(m: &Ngtdm) -> f64 {
    let i = &m.gray_levels;
    let denominator = m.pair_sum(|a, b| (i[a] * m.p[a] - i[b] * m.p[b]).abs());
    if denominator == 0.0 {
        return 0.0;
    }
    m.p.iter().zip(&m.differences).map(|(p, s)| p * s).sum::<f64>() / denominator
}

/// Complexity (IBSI *complexity*, HDEZ; `ngt_complexity_3D`).
///
/// `Complexity = Σ_i Σ_j |i − j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_{v,p}`; 0 for a flat
/// ROI. (IBSI divides by `N_{v,c}`; see [`contrast`].)
pub fn complexity(m: &Ngtdm) -> f64 {
    let i = &m.gray_levels;
    let (p, s) = (&m.p, &m.differences);
    m.pair_sum(|a, b| (i[a] - i[b]).abs() * (p[a] * s[a] + p[b] * s[b]) / (p[a] + p[b])) / m.nvp
}

/// Strength (IBSI *strength*, 1X9X; `ngt_strength_3D`).
///
/// `Strength = Σ_i Σ_j (p_i + p_j)(i − j)² / Σ_i s_i`; 0 when `Σ_i s_i = 0` (a flat ROI).
pub fn strength(m: &Ngtdm) -> f64 {
    let total: f64 = m.differences.iter().sum();
    if total == 0.0 {
        return 0.0;
    }
    let i = &m.gray_levels;
    m.pair_sum(|a, b| (m.p[a] + m.p[b]) * (i[a] - i[b]) * (i[a] - i[b])) / total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texture::image_2d;

    /// PyRadiomics' own example (class docstring of `RadiomicsNGTDM`), δ = 1, 8 neighbours.
    #[test]
    fn docstring_example_matrix() {
        let img = image_2d(&[&[1, 2, 5, 2], &[3, 5, 1, 3], &[1, 3, 5, 5], &[3, 1, 1, 1]]);
        let m = Ngtdm::new(&img, &TextureSettings::default()).unwrap();
        assert_eq!(m.gray_levels(), &[1., 2., 3., 5.]);
        assert_eq!(m.counts(), &[6., 2., 4., 4.]);
        // s_1 = |1−10/3| + |1−30/8| + |1−15/5| + |1−13/5| + |1−15/5| + |1−11/3| (docstring).
        let s1 = 7.0 / 3.0 + 22.0 / 8.0 + 2.0 + 8.0 / 5.0 + 2.0 + 8.0 / 3.0;
        assert!((m.differences()[0] - s1).abs() < 1e-14);
        assert!((m.differences()[1] - 2.0).abs() < 1e-15);
        // s_3 = |3−12/5| + |3−18/5| + |3−20/8| + |3−5/3| (the docstring's 3.03 is a typo: 3.033…).
        assert!((m.differences()[2] - (0.6 + 0.6 + 0.5 + 4.0 / 3.0)).abs() < 1e-14);
        assert!((m.differences()[3] - 10.075).abs() < 1e-13);
    }

    /// Hand calculation, 1×1×3 line `1 2 .` and an isolated `3` two voxels away:
    /// ```text
    /// 1 2 . 3
    /// ```
    /// The 1 sees the 2 (|1 − 2| = 1), the 2 sees the 1 (1), the 3 sees nothing (0, but counted).
    /// n = [1, 1, 1], s = [1, 1, 0], p = 1/3 each, N_vp = 3, N_gp = 3.
    #[test]
    fn hand_calculated_features_with_isolated_voxel() {
        let img = image_2d(&[&[1, 2, 0, 3]]);
        let m = Ngtdm::new(&img, &TextureSettings::default()).unwrap();
        assert_eq!(m.counts(), &[1., 1., 1.]);
        assert_eq!(m.differences(), &[1., 1., 0.]);
        // Coarseness = 1 / (2/3).
        assert!((coarseness(&m) - 1.5).abs() < 1e-15);
        // Contrast: Σ p_i p_j (i−j)² = (1/9)·2·(1 + 4 + 1) = 4/3; × Σs/N_vp = 2/3; / (3·2).
        assert!((contrast(&m) - (4.0 / 3.0) * (2.0 / 3.0) / 6.0).abs() < 1e-15);
        // Busyness: (2/3) / Σ|i p_i − j p_j| = (2/3) / (2·(1 + 2 + 1)/3).
        assert!((busyness(&m) - (2.0 / 3.0) / (8.0 / 3.0)).abs() < 1e-15);
        // Complexity (t = 1/3): pairs (1,2): 1·(t + t)/(2t) = 1; (1,3): 2·(t + 0)/(2t) = 1;
        // (2,3): 1·t/(2t) = 0.5; each twice → 5, / N_vp = 5/3.
        assert!((complexity(&m) - 5.0 / 3.0).abs() < 1e-15);
        // Strength: Σ (p_i + p_j)(i−j)² = 2t·2·6 = 8, / Σs = 2 → 4.
        assert!((strength(&m) - 4.0).abs() < 1e-14);
    }

    #[test]
    fn flat_roi_degenerate_values() {
        let img = image_2d(&[&[4, 4, 4], &[4, 4, 4]]);
        let m = Ngtdm::new(&img, &TextureSettings::default()).unwrap();
        assert_eq!(coarseness(&m), 1e6);
        assert_eq!(contrast(&m), 0.0);
        assert_eq!(busyness(&m), 0.0);
        assert_eq!(complexity(&m), 0.0);
        assert_eq!(strength(&m), 0.0);
    }

    #[test]
    fn distance_two_alone_skips_nearest_neighbours() {
        // 1×1×3: with distances [2] the middle voxel has no neighbour, the ends see each other.
        let img = image_2d(&[&[1, 5, 3]]);
        let s = TextureSettings { distances: vec![2], ..TextureSettings::default() };
        let m = Ngtdm::new(&img, &s).unwrap();
        assert_eq!(m.differences(), &[2., 2., 0.]);
        assert_eq!(m.gray_levels(), &[1., 3., 5.]);
    }

    #[test]
    fn feature_table_matches_functions() {
        assert_eq!(FEATURES.len(), FUNCTIONS.len());
        let img = image_2d(&[&[1, 1, 2], &[3, 1, 2]]);
        let m = Ngtdm::new(&img, &TextureSettings::default()).unwrap();
        let all = features(&img, &TextureSettings::default()).unwrap();
        assert_eq!(all[2], ("Complexity", complexity(&m)));
        assert_eq!(all[4], ("Strength", strength(&m)));
    }
}
