//! Grey Level Size Zone Matrix (GLSZM) features, PyRadiomics 3.1 `RadiomicsGLSZM`
//! (IBSI "grey level size zone based features", 9SAK).
//!
//! A *zone* is a connected group of ROI voxels sharing one discretised grey level. Voxels are
//! connected when their Chebyshev distance is 1: 26-connectivity in 3D, 8-connectivity in-plane
//! with `force2D` (PyRadiomics builds its neighbour offsets with `distances = [1]` whatever the
//! `distances` setting says, so that setting does not affect this family). Element `P(i, j)` of
//! the matrix counts the zones of grey level `i` and size `j` voxels. There is one matrix for the
//! whole ROI (no angles); with `force2D` zones never cross slices but the zones of all slices go
//! into the same matrix (IBSI's 2.5D "merged" aggregation, not its slice-averaged 2D).
//!
//! # Symbols
//!
//! - `P(i, j)`: the size zone matrix. Rows are the grey levels present in the ROI (`N_g` of
//!   them, ascending; absent levels are deleted), columns the zone sizes that occur (`N_s` of
//!   them, ascending; sizes with no zone are deleted as in PyRadiomics, so column `j` is not
//!   always size `j + 1`).
//! - `i`: the grey level (bin index) of a row; `j`: the zone size (voxels) of a column.
//! - `N_z = Σ_i Σ_j P(i, j)`: the number of zones, `1 ≤ N_z ≤ N_p`.
//! - `N_p = Σ_j j · Σ_i P(i, j)`: the number of voxels in the ROI.
//! - `p(i, j) = P(i, j) / N_z`: the normalised matrix.
//! - `p_g(i) = Σ_j P(i, j)` and `p_s(j) = Σ_i P(i, j)`: the marginal zone counts.
//! - `ε = 2.2 × 10⁻¹⁶` (`numpy.spacing(1)`).
//!
//! # Settings
//!
//! - `force2D` / `force2Ddimension` (default false / 0; [`TextureSettings::force_2d_dimension`]):
//!   zones grow only within planes orthogonal to that array axis.
//! - `distances` is not used (see above).
//!
//! The formulas are PyRadiomics'; each feature's documentation gives its IBSI name and code. On
//! the IBSI digital phantom every feature agrees with the IBSI 3D (and, with `force2D`, 2.5D)
//! reference values.

use ndarray::Array2;

use crate::Result;
use crate::extractor::{FeatureValues, evaluate};
use crate::texture::{
    CompactGrid, DiscretisedImage, SizeMatrix, TextureSettings, check_force_2d, neighbourhood,
};

/// The features of this family as `(PyRadiomics name, deprecated)`, in PyRadiomics' order
/// (`getFeatureNames`, alphabetical). None is deprecated.
pub const FEATURES: &[(&str, bool)] = &[
    ("GrayLevelNonUniformity", false),
    ("GrayLevelNonUniformityNormalized", false),
    ("GrayLevelVariance", false),
    ("HighGrayLevelZoneEmphasis", false),
    ("LargeAreaEmphasis", false),
    ("LargeAreaHighGrayLevelEmphasis", false),
    ("LargeAreaLowGrayLevelEmphasis", false),
    ("LowGrayLevelZoneEmphasis", false),
    ("SizeZoneNonUniformity", false),
    ("SizeZoneNonUniformityNormalized", false),
    ("SmallAreaEmphasis", false),
    ("SmallAreaHighGrayLevelEmphasis", false),
    ("SmallAreaLowGrayLevelEmphasis", false),
    ("ZoneEntropy", false),
    ("ZonePercentage", false),
    ("ZoneVariance", false),
];

/// The feature functions, in the order of [`FEATURES`].
const FUNCTIONS: [fn(&Glszm) -> f64; 16] = [
    gray_level_non_uniformity,
    gray_level_non_uniformity_normalized,
    gray_level_variance,
    high_gray_level_zone_emphasis,
    large_area_emphasis,
    large_area_high_gray_level_emphasis,
    large_area_low_gray_level_emphasis,
    low_gray_level_zone_emphasis,
    size_zone_non_uniformity,
    size_zone_non_uniformity_normalized,
    small_area_emphasis,
    small_area_high_gray_level_emphasis,
    small_area_low_gray_level_emphasis,
    zone_entropy,
    zone_percentage,
    zone_variance,
];

/// Computes every feature of [`FEATURES`], in that order.
///
/// Fails as [`Glszm::new`] does.
pub fn features(image: &DiscretisedImage, settings: &TextureSettings) -> Result<FeatureValues> {
    Ok(evaluate(&Glszm::new(image, settings)?, FEATURES, &FUNCTIONS))
}

/// The grey level size zone matrix of an ROI with the coefficients PyRadiomics derives from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Glszm {
    /// `P(i, j)`, `N_g × N_s`, with the grey level `i` of each row, the zone size `j` of each
    /// column, `p_g`, `p_s` and `N_z`.
    zones: SizeMatrix,
    /// `N_p`.
    np: f64,
}

impl Glszm {
    /// Finds the zones of `image`'s ROI and builds the matrix (PyRadiomics' C
    /// `calculate_glszm` followed by `_calculateCoefficients`).
    ///
    /// Zones are grown by an iterative depth-first flood fill over a flat copy of the ROI with
    /// a one-voxel border, so each ROI voxel is visited once and checks its 26 (8 in-plane)
    /// neighbours without bounds checks.
    ///
    /// Fails when the ROI is empty or malformed (`levels` and `mask` differ in shape, or an ROI
    /// voxel is in bin 0), when `force_2d_dimension` is not 0, 1 or 2, or when no neighbour
    /// offset fits in the ROI box (a box of one voxel; PyRadiomics fails there too).
    pub fn new(image: &DiscretisedImage, settings: &TextureSettings) -> Result<Glszm> {
        check_force_2d(settings)?;
        let (grid, steps) = neighbourhood(image, &[1], settings.force_2d_dimension, "glszm")?;
        let CompactGrid { mut index, roi, gray_levels, .. } = grid;

        // Flood fill; a visited voxel is marked OUTSIDE so it is neither revisited nor joined.
        let n_levels = gray_levels.len();
        let mut zones: Vec<(u32, usize)> = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        let mut max_size = 0usize;
        for &start in &roi {
            let level = index[start];
            if level == CompactGrid::OUTSIDE {
                continue;
            }
            index[start] = CompactGrid::OUTSIDE;
            stack.push(start);
            let mut size = 0usize;
            while let Some(k) = stack.pop() {
                size += 1;
                for &step in &steps {
                    let j = k.wrapping_add_signed(step);
                    if index[j] == level {
                        index[j] = CompactGrid::OUTSIDE;
                        stack.push(j);
                    }
                }
            }
            max_size = max_size.max(size);
            zones.push((level, size));
        }

        // Keep only the sizes that occur, ascending.
        let mut column = vec![usize::MAX; max_size + 1];
        for &(_, size) in &zones {
            column[size] = 0;
        }
        let mut zone_sizes = Vec::new();
        for (size, c) in column.iter_mut().enumerate() {
            if *c == 0 {
                *c = zone_sizes.len();
                zone_sizes.push(size as f64);
            }
        }
        let mut matrix = Array2::<f64>::zeros((n_levels, zone_sizes.len()));
        for &(level, size) in &zones {
            matrix[[level as usize, column[size]]] += 1.0;
        }
        Ok(Glszm::from_matrix(matrix, gray_levels.iter().map(|&g| g as f64).collect(), zone_sizes))
    }

    /// Builds the coefficients from a matrix given directly (rows: `gray_levels`, columns:
    /// `zone_sizes`), e.g. one written out by hand. Columns and rows are used as given.
    ///
    /// # Panics
    ///
    /// When the matrix shape does not match the two vectors.
    pub fn from_matrix(matrix: Array2<f64>, gray_levels: Vec<f64>, zone_sizes: Vec<f64>) -> Glszm {
        let zones = SizeMatrix::new(matrix, gray_levels, zone_sizes, "GLSZM");
        let mut np = zones.ps.iter().zip(&zones.sizes).map(|(p, j)| p * j).sum::<f64>();
        if np == 0.0 {
            np = 1.0;
        }
        Glszm { zones, np }
    }

    /// `P(i, j)`: rows are [`Glszm::gray_levels`], columns [`Glszm::zone_sizes`] — the layout
    /// of PyRadiomics' `P_glszm` (without its leading voxel axis).
    pub fn matrix(&self) -> &Array2<f64> {
        &self.zones.matrix
    }

    /// The grey level (bin index) of each row, ascending.
    pub fn gray_levels(&self) -> &[f64] {
        &self.zones.gray_levels
    }

    /// The zone size of each column, ascending.
    pub fn zone_sizes(&self) -> &[f64] {
        &self.zones.sizes
    }

    /// `N_z`, the number of zones.
    pub fn zone_count(&self) -> f64 {
        self.zones.nz
    }

    /// `N_p`, the number of ROI voxels represented by the matrix.
    pub fn voxel_count(&self) -> f64 {
        self.np
    }
}

/// Small Area Emphasis (IBSI *small zone emphasis*, 5QRC; phantom tag `szm_sze_3D`).
///
/// `SAE = Σ_j p_s(j) / j² / N_z`. Large for fine textures (many small zones).
pub fn small_area_emphasis(m: &Glszm) -> f64 {
    m.zones.small_emphasis()
}

/// Large Area Emphasis (IBSI *large zone emphasis*, 48P8; `szm_lze_3D`).
///
/// `LAE = Σ_j p_s(j) · j² / N_z`. Large for coarse textures.
pub fn large_area_emphasis(m: &Glszm) -> f64 {
    m.zones.large_emphasis()
}

/// Gray Level Non-Uniformity (IBSI *grey level non-uniformity*, JNSA; `szm_glnu_3D`).
///
/// `GLN = Σ_i p_g(i)² / N_z`. Low when zones are spread evenly over the grey levels.
pub fn gray_level_non_uniformity(m: &Glszm) -> f64 {
    m.zones.gray_level_non_uniformity()
}

/// Gray Level Non-Uniformity Normalized (IBSI *normalised grey level non-uniformity*, Y1RO;
/// `szm_glnu_norm_3D`).
///
/// `GLNN = Σ_i p_g(i)² / N_z²`.
pub fn gray_level_non_uniformity_normalized(m: &Glszm) -> f64 {
    m.zones.gray_level_non_uniformity_normalized()
}

/// Size-Zone Non-Uniformity (IBSI *zone size non-uniformity*, 4JP3; `szm_zsnu_3D`).
///
/// `SZN = Σ_j p_s(j)² / N_z`. Low when zones are spread evenly over the sizes.
pub fn size_zone_non_uniformity(m: &Glszm) -> f64 {
    m.zones.size_non_uniformity()
}

/// Size-Zone Non-Uniformity Normalized (IBSI *normalised zone size non-uniformity*, VB3A;
/// `szm_zsnu_norm_3D`).
///
/// `SZNN = Σ_j p_s(j)² / N_z²`.
pub fn size_zone_non_uniformity_normalized(m: &Glszm) -> f64 {
    m.zones.size_non_uniformity_normalized()
}

/// Zone Percentage (IBSI *zone percentage*, P30P; `szm_z_perc_3D`).
///
/// `ZP = N_z / N_p`, in `[1/N_p, 1]`; 1 when every voxel is its own zone.
pub fn zone_percentage(m: &Glszm) -> f64 {
    m.zones.nz / m.np
}

/// Gray Level Variance (IBSI *grey level variance*, BYLV; `szm_gl_var_3D`).
///
/// `GLV = Σ_i (p_g(i)/N_z) (i − μ)²` with `μ = Σ_i (p_g(i)/N_z) i`. 0 for a single grey level.
pub fn gray_level_variance(m: &Glszm) -> f64 {
    m.zones.gray_level_variance()
}

/// Zone Variance (IBSI *zone size variance*, 3NSA; `szm_zs_var_3D`).
///
/// `ZV = Σ_j (p_s(j)/N_z) (j − μ)²` with `μ = Σ_j (p_s(j)/N_z) j`. 0 when all zones have one size.
pub fn zone_variance(m: &Glszm) -> f64 {
    m.zones.size_variance()
}

/// Zone Entropy (IBSI *zone size entropy*, GU8N; `szm_zs_entr_3D`).
///
/// `ZE = −Σ_i Σ_j p(i, j) log₂(p(i, j) + ε)`. IBSI has no `ε`; with it a matrix holding a single
/// zone class gives `−log₂(1 + ε) ≈ −3.2 × 10⁻¹⁶` instead of 0, as in PyRadiomics.
pub fn zone_entropy(m: &Glszm) -> f64 {
    m.zones.entropy()
}

/// Low Gray Level Zone Emphasis (IBSI *low grey level zone emphasis*, XMSY; `szm_lgze_3D`).
///
/// `LGLZE = Σ_i p_g(i) / i² / N_z`.
pub fn low_gray_level_zone_emphasis(m: &Glszm) -> f64 {
    m.zones.low_gray_level_emphasis()
}

/// High Gray Level Zone Emphasis (IBSI *high grey level zone emphasis*, 5GN9; `szm_hgze_3D`).
///
/// `HGLZE = Σ_i p_g(i) · i² / N_z`.
pub fn high_gray_level_zone_emphasis(m: &Glszm) -> f64 {
    m.zones.high_gray_level_emphasis()
}

/// Small Area Low Gray Level Emphasis (IBSI *small zone low grey level emphasis*, 5RAI;
/// `szm_szlge_3D`).
///
/// `SALGLE = Σ_i Σ_j P(i, j) / (i² j²) / N_z`.
pub fn small_area_low_gray_level_emphasis(m: &Glszm) -> f64 {
    m.zones.small_low_gray_level_emphasis()
}

/// Small Area High Gray Level Emphasis (IBSI *small zone high grey level emphasis*, HW1V;
/// `szm_szhge_3D`).
///
/// `SAHGLE = Σ_i Σ_j P(i, j) · i² / j² / N_z`.
pub fn small_area_high_gray_level_emphasis(m: &Glszm) -> f64 {
    m.zones.small_high_gray_level_emphasis()
}

/// Large Area Low Gray Level Emphasis (IBSI *large zone low grey level emphasis*, YH51;
/// `szm_lzlge_3D`).
///
/// `LALGLE = Σ_i Σ_j P(i, j) · j² / i² / N_z`.
pub fn large_area_low_gray_level_emphasis(m: &Glszm) -> f64 {
    m.zones.large_low_gray_level_emphasis()
}

/// Large Area High Gray Level Emphasis (IBSI *large zone high grey level emphasis*, J17V;
/// `szm_lzhge_3D`).
///
/// `LAHGLE = Σ_i Σ_j P(i, j) · i² j² / N_z`.
pub fn large_area_high_gray_level_emphasis(m: &Glszm) -> f64 {
    m.zones.large_high_gray_level_emphasis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texture::{docstring_image, image_2d};
    use ndarray::array;

    /// PyRadiomics' own example (class docstring of `RadiomicsGLSZM`), 8-connected.
    #[test]
    fn docstring_example_matrix() {
        let img = docstring_image();
        let m = Glszm::new(&img, &TextureSettings::default()).unwrap();
        // Sizes 1..=5 all occur, so no column is dropped.
        let expected = array![
            [0., 0., 0., 1., 0.],
            [1., 0., 0., 0., 1.],
            [1., 0., 1., 0., 1.],
            [1., 1., 0., 0., 0.],
            [3., 0., 0., 0., 0.],
        ];
        assert_eq!(m.matrix(), &expected);
        assert_eq!(m.zone_sizes(), &[1., 2., 3., 4., 5.]);
        assert_eq!(m.zone_count(), 11.0);
        assert_eq!(m.voxel_count(), 25.0);
    }

    /// Hand calculation on a 1×3×4 image:
    /// ```text
    /// 1 1 2 2
    /// 1 3 3 2
    /// 3 . 3 3      (. = outside the ROI)
    /// ```
    /// 8-connected zones: level 1 one zone of 3 voxels, level 2 one of 3, level 3 one of 5 (the
    /// two 3s of row 1, the 3s at (2,2) and (2,3), and (2,0), which touches (1,1) diagonally).
    /// Sizes 3 and 5 occur, so the columns are [3, 5] and N_p = 11.
    #[test]
    fn hand_calculated_features() {
        let img = image_2d(&[&[1, 1, 2, 2], &[1, 3, 3, 2], &[3, 0, 3, 3]]);
        let m = Glszm::new(&img, &TextureSettings::default()).unwrap();
        assert_eq!(m.matrix(), &array![[1., 0.], [1., 0.], [0., 1.]]);
        assert_eq!(m.zone_sizes(), &[3., 5.]);
        // N_z = 3, N_p = 11.
        assert_eq!(zone_percentage(&m), 3.0 / 11.0);
        // SAE = (2/9 + 1/25)/3.
        assert!((small_area_emphasis(&m) - (2.0 / 9.0 + 1.0 / 25.0) / 3.0).abs() < 1e-15);
        // LAE = (2·9 + 25)/3.
        assert!((large_area_emphasis(&m) - 43.0 / 3.0).abs() < 1e-13);
        // GLN = (1+1+1)/3 = 1; SZN = (4+1)/3.
        assert_eq!(gray_level_non_uniformity(&m), 1.0);
        assert!((size_zone_non_uniformity(&m) - 5.0 / 3.0).abs() < 1e-15);
        // GLV: μ = 2, var = (1 + 0 + 1)/3.
        assert!((gray_level_variance(&m) - 2.0 / 3.0).abs() < 1e-15);
        // LAHGLE = (1·9 + 4·9 + 9·25)/3 = 90.
        assert!((large_area_high_gray_level_emphasis(&m) - 90.0).abs() < 1e-12);
        // ZE = log2(3) (three equally likely cells), up to ε.
        assert!((zone_entropy(&m) - 3f64.log2()).abs() < 1e-14);
    }

    #[test]
    fn flat_roi_is_one_zone() {
        let img = image_2d(&[&[2, 2], &[2, 2]]);
        let m = Glszm::new(&img, &TextureSettings::default()).unwrap();
        assert_eq!(m.matrix(), &array![[1.]]);
        assert_eq!(gray_level_variance(&m), 0.0);
        assert_eq!(zone_variance(&m), 0.0);
        // −log2(1 + ε), PyRadiomics' value for a single zone.
        assert_eq!(zone_entropy(&m), -(1.0 + f64::EPSILON).log2());
        assert!(zone_entropy(&m) < 0.0 && zone_entropy(&m) > -1e-15);
    }

    #[test]
    fn bad_inputs_are_errors() {
        let mut img = image_2d(&[&[1, 2]]);
        img.mask.fill(false);
        assert!(Glszm::new(&img, &TextureSettings::default()).is_err());
        let single = image_2d(&[&[3]]);
        assert!(Glszm::new(&single, &TextureSettings::default()).is_err());
        let s = TextureSettings { force_2d_dimension: Some(3), ..TextureSettings::default() };
        assert!(Glszm::new(&image_2d(&[&[1, 2]]), &s).is_err());
        let mut zero = image_2d(&[&[1, 2]]);
        zero.levels[[0, 0, 0]] = 0;
        zero.mask[[0, 0, 0]] = true;
        assert!(Glszm::new(&zero, &TextureSettings::default()).is_err());
    }

    #[test]
    fn feature_table_matches_functions() {
        assert_eq!(FEATURES.len(), FUNCTIONS.len());
        let img = image_2d(&[&[1, 1, 2], &[3, 1, 2]]);
        let m = Glszm::new(&img, &TextureSettings::default()).unwrap();
        let all = features(&img, &TextureSettings::default()).unwrap();
        assert_eq!(all[10], ("SmallAreaEmphasis", small_area_emphasis(&m)));
        assert_eq!(all[13], ("ZoneEntropy", zone_entropy(&m)));
    }
}
