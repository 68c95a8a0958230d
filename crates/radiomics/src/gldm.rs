//! Grey Level Dependence Matrix (GLDM) features, PyRadiomics 3.1 `RadiomicsGLDM`
//! (IBSI "neighbouring grey level dependence based features", NGLDM, REK0).
//!
//! A neighbour at Chebyshev distance `δ ∈ distances` of an ROI voxel with grey level `i` is
//! *dependent* on it when it lies in the ROI and its grey level `g` satisfies `|i − g| ≤ α`.
//! Element `P(i, j)` counts the ROI voxels of grey level `i` with `j − 1` dependent neighbours
//! (so `j ≥ 1`, IBSI's `j_k = 1 + …` convention). Neighbours outside the ROI or outside the
//! cropped box do not count; every ROI voxel is a centre, so `N_z = N_p`. With `force2D` only
//! in-plane neighbours are used and all slices go into one matrix (IBSI 2.5D, merged).
//!
//! This matrix is IBSI's NGLDM with PyRadiomics' normalisations: for `α = 0`, `δ = 1` every
//! feature below equals its IBSI counterpart on the digital phantom (3D and 2.5D).
//!
//! # Symbols
//!
//! - `P(i, j)`: the dependence matrix. Rows are the grey levels present in the ROI (`N_g`,
//!   ascending), columns the dependence sizes that occur (`N_d`, ascending; sizes no voxel has
//!   are deleted as in PyRadiomics, so column `k` is not always `j = k + 1`).
//! - `i`: grey level (bin index) of a row; `j`: dependence size of a column (1 + number of
//!   dependent neighbours).
//! - `N_z = Σ_i Σ_j P(i, j)`: the number of dependence zones, equal to `N_p`, the ROI voxels.
//! - `p(i, j) = P(i, j) / N_z`.
//! - `p_g(i) = Σ_j P(i, j)`, `p_d(j) = Σ_i P(i, j)`: marginal counts.
//! - `ε = 2.2 × 10⁻¹⁶` (`numpy.spacing(1)`).
//!
//! # Settings
//!
//! - `distances` (default `[1]`; [`TextureSettings::distances`]): the Chebyshev distances of the
//!   neighbours; all offsets with an infinity norm in the list are used.
//! - `gldm_a` (default 0; [`TextureSettings::gldm_a`]): the coarseness `α`, a non-negative integer
//!   (PyRadiomics' schema rejects anything else, and so does [`Gldm::new`]).
//! - `force2D` / `force2Ddimension` (default false / 0): no neighbour along that array axis.
//!
//! # Deprecated features
//!
//! PyRadiomics' `RadiomicsGLDM` also declares `DependencePercentage` (always 1) and
//! `GrayLevelNonUniformityNormalized` (equal to first-order Uniformity) as deprecated. Naming
//! them in a parameter file is accepted, but they raise a `DeprecationWarning` and **produce no
//! output column**. They are therefore not in [`FEATURES`]; [`DEPRECATED_WITHOUT_VALUE`] lists
//! them so that a parameter-file check can accept and skip them as PyRadiomics does.

use ndarray::Array2;

use crate::extractor::{FeatureValues, evaluate};
use crate::texture::{
    CompactGrid, DiscretisedImage, SizeMatrix, TextureSettings, check_distances, check_force_2d,
    neighbourhood,
};
use crate::{Error, Result, SettingProblem};

/// The features of this family that give a value, as `(PyRadiomics name, deprecated)`, in
/// PyRadiomics' order (alphabetical). None is deprecated; see [`DEPRECATED_WITHOUT_VALUE`].
pub const FEATURES: &[(&str, bool)] = &[
    ("DependenceEntropy", false),
    ("DependenceNonUniformity", false),
    ("DependenceNonUniformityNormalized", false),
    ("DependenceVariance", false),
    ("GrayLevelNonUniformity", false),
    ("GrayLevelVariance", false),
    ("HighGrayLevelEmphasis", false),
    ("LargeDependenceEmphasis", false),
    ("LargeDependenceHighGrayLevelEmphasis", false),
    ("LargeDependenceLowGrayLevelEmphasis", false),
    ("LowGrayLevelEmphasis", false),
    ("SmallDependenceEmphasis", false),
    ("SmallDependenceHighGrayLevelEmphasis", false),
    ("SmallDependenceLowGrayLevelEmphasis", false),
];

/// Deprecated GLDM feature names PyRadiomics accepts in a parameter file but for which it
/// outputs nothing (the feature method raises `DeprecationWarning`, which the extraction loop
/// swallows without storing a value).
pub const DEPRECATED_WITHOUT_VALUE: &[&str] =
    &["DependencePercentage", "GrayLevelNonUniformityNormalized"];

/// The feature functions, in the order of [`FEATURES`].
const FUNCTIONS: [fn(&Gldm) -> f64; 14] = [
    dependence_entropy,
    dependence_non_uniformity,
    dependence_non_uniformity_normalized,
    dependence_variance,
    gray_level_non_uniformity,
    gray_level_variance,
    high_gray_level_emphasis,
    large_dependence_emphasis,
    large_dependence_high_gray_level_emphasis,
    large_dependence_low_gray_level_emphasis,
    low_gray_level_emphasis,
    small_dependence_emphasis,
    small_dependence_high_gray_level_emphasis,
    small_dependence_low_gray_level_emphasis,
];

/// Computes every feature of [`FEATURES`], in that order.
///
/// Fails as [`Gldm::new`] does.
pub fn features(image: &DiscretisedImage, settings: &TextureSettings) -> Result<FeatureValues> {
    Ok(evaluate(&Gldm::new(image, settings)?, FEATURES, &FUNCTIONS))
}

/// The grey level dependence matrix of an ROI with the coefficients PyRadiomics derives from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Gldm {
    /// `P(i, j)`, `N_g × N_d`, with the grey level `i` of each row, the dependence size `j` of
    /// each column, `p_g`, `p_d` and `N_z`.
    dependences: SizeMatrix,
}

impl Gldm {
    /// Counts the dependent neighbours of every ROI voxel and builds the matrix (PyRadiomics'
    /// C `calculate_gldm` and `_calculateMatrix`): one pass over the ROI, each voxel checking
    /// its neighbour offsets in a flat copy of the box with a border of `max(distances)` voxels.
    ///
    /// Fails when the ROI is empty or malformed, when `distances` is empty or holds 0, when
    /// `gldm_a` is not a non-negative integer, when `force_2d_dimension` is not 0, 1 or 2, or
    /// when no neighbour offset fits in the ROI box (PyRadiomics fails there too).
    pub fn new(image: &DiscretisedImage, settings: &TextureSettings) -> Result<Gldm> {
        check_force_2d(settings)?;
        check_distances(&settings.distances)?;
        let alpha = settings.gldm_a;
        if !(alpha >= 0.0 && alpha.fract() == 0.0 && alpha <= u32::MAX as f64) {
            return Err(Error::setting(SettingProblem::out_of_range(
                "gldm_a",
                alpha,
                "a non-negative integer",
            )));
        }
        let alpha = alpha as u32;
        let f2d = settings.force_2d_dimension;
        let (grid, steps) = neighbourhood(image, &settings.distances, f2d, "gldm")?;
        let (index, levels) = (&grid.index, &grid.gray_levels);

        let width = steps.len() + 1;
        let mut counts = vec![0u64; levels.len() * width];
        for &k in &grid.roi {
            let centre = index[k];
            let dependent = if alpha == 0 {
                steps.iter().filter(|&&s| index[k.wrapping_add_signed(s)] == centre).count()
            } else {
                let level = levels[centre as usize];
                steps
                    .iter()
                    .filter(|&&s| {
                        let n = index[k.wrapping_add_signed(s)];
                        n != CompactGrid::OUTSIDE && levels[n as usize].abs_diff(level) <= alpha
                    })
                    .count()
            };
            counts[centre as usize * width + dependent] += 1;
        }

        // Keep the dependence sizes that occur.
        let present: Vec<usize> =
            (0..width).filter(|&d| (0..levels.len()).any(|r| counts[r * width + d] > 0)).collect();
        let matrix = Array2::from_shape_fn((levels.len(), present.len()), |(r, c)| {
            counts[r * width + present[c]] as f64
        });
        let sizes = present.iter().map(|&d| (d + 1) as f64).collect();
        Ok(Gldm::from_matrix(matrix, levels.iter().map(|&g| g as f64).collect(), sizes))
    }

    /// Builds the coefficients from a matrix given directly (rows: `gray_levels`, columns:
    /// `dependence_sizes`), e.g. one written by hand. Rows and columns are used as given.
    ///
    /// # Panics
    ///
    /// When the matrix shape does not match the two vectors.
    pub fn from_matrix(
        matrix: Array2<f64>,
        gray_levels: Vec<f64>,
        dependence_sizes: Vec<f64>,
    ) -> Gldm {
        Gldm { dependences: SizeMatrix::new(matrix, gray_levels, dependence_sizes, "GLDM") }
    }

    /// `P(i, j)`: rows are [`Gldm::gray_levels`], columns [`Gldm::dependence_sizes`] — the
    /// layout of PyRadiomics' `P_gldm` (without its leading voxel axis).
    pub fn matrix(&self) -> &Array2<f64> {
        &self.dependences.matrix
    }

    /// The grey level (bin index) of each row, ascending.
    pub fn gray_levels(&self) -> &[f64] {
        &self.dependences.gray_levels
    }

    /// The dependence size `j` (1 + dependent neighbours) of each column, ascending.
    pub fn dependence_sizes(&self) -> &[f64] {
        &self.dependences.sizes
    }

    /// `N_z`, the number of dependence zones (= ROI voxels).
    pub fn zone_count(&self) -> f64 {
        self.dependences.nz
    }
}

/// Small Dependence Emphasis (IBSI *low dependence emphasis*, SODN; phantom tag `ngl_lde_3D`).
///
/// `SDE = Σ_j p_d(j) / j² / N_z`. Large for heterogeneous textures. (PyRadiomics' docstring
/// writes `i²`; its code, and this function, divide by `j²`.)
pub fn small_dependence_emphasis(m: &Gldm) -> f64 {
    m.dependences.small_emphasis()
}

/// Large Dependence Emphasis (IBSI *high dependence emphasis*, IMOQ; `ngl_hde_3D`).
///
/// `LDE = Σ_j p_d(j) · j² / N_z`. Large for homogeneous textures.
pub fn large_dependence_emphasis(m: &Gldm) -> f64 {
    m.dependences.large_emphasis()
}

/// Gray Level Non-Uniformity (IBSI *grey level non-uniformity*, FP8K; `ngl_glnu_3D`).
///
/// `GLN = Σ_i p_g(i)² / N_z`.
pub fn gray_level_non_uniformity(m: &Gldm) -> f64 {
    m.dependences.gray_level_non_uniformity()
}

/// Dependence Non-Uniformity (IBSI *dependence count non-uniformity*, Z87G; `ngl_dcnu_3D`).
///
/// `DN = Σ_j p_d(j)² / N_z`.
pub fn dependence_non_uniformity(m: &Gldm) -> f64 {
    m.dependences.size_non_uniformity()
}

/// Dependence Non-Uniformity Normalized (IBSI *normalised dependence count non-uniformity*,
/// OKJI; `ngl_dcnu_norm_3D`).
///
/// `DNN = Σ_j p_d(j)² / N_z²`.
pub fn dependence_non_uniformity_normalized(m: &Gldm) -> f64 {
    m.dependences.size_non_uniformity_normalized()
}

/// Gray Level Variance (IBSI *grey level variance*, 1PFV; `ngl_gl_var_3D`).
///
/// `GLV = Σ_i (p_g(i)/N_z) (i − μ)²`, `μ = Σ_i (p_g(i)/N_z) i`. 0 for a single grey level.
pub fn gray_level_variance(m: &Gldm) -> f64 {
    m.dependences.gray_level_variance()
}

/// Dependence Variance (IBSI *dependence count variance*, DNX2; `ngl_dc_var_3D`).
///
/// `DV = Σ_j (p_d(j)/N_z) (j − μ)²`, `μ = Σ_j (p_d(j)/N_z) j`.
pub fn dependence_variance(m: &Gldm) -> f64 {
    m.dependences.size_variance()
}

/// Dependence Entropy (IBSI *dependence count entropy*, FCBV; `ngl_dc_entr_3D`).
///
/// `DE = −Σ_i Σ_j p(i, j) log₂(p(i, j) + ε)`; IBSI has no `ε` (a one-cell matrix gives
/// `≈ −3.2 × 10⁻¹⁶` here, 0 in IBSI).
pub fn dependence_entropy(m: &Gldm) -> f64 {
    m.dependences.entropy()
}

/// Low Gray Level Emphasis (IBSI *low grey level count emphasis*, TL9H; `ngl_lgce_3D`).
///
/// `LGLE = Σ_i p_g(i) / i² / N_z`.
pub fn low_gray_level_emphasis(m: &Gldm) -> f64 {
    m.dependences.low_gray_level_emphasis()
}

/// High Gray Level Emphasis (IBSI *high grey level count emphasis*, OAE7; `ngl_hgce_3D`).
///
/// `HGLE = Σ_i p_g(i) · i² / N_z`.
pub fn high_gray_level_emphasis(m: &Gldm) -> f64 {
    m.dependences.high_gray_level_emphasis()
}

/// Small Dependence Low Gray Level Emphasis (IBSI *low dependence low grey level emphasis*,
/// EQ3F; `ngl_ldlge_3D`).
///
/// `SDLGLE = Σ_i Σ_j P(i, j) / (i² j²) / N_z`.
pub fn small_dependence_low_gray_level_emphasis(m: &Gldm) -> f64 {
    m.dependences.small_low_gray_level_emphasis()
}

/// Small Dependence High Gray Level Emphasis (IBSI *low dependence high grey level emphasis*,
/// JA6D; `ngl_ldhge_3D`).
///
/// `SDHGLE = Σ_i Σ_j P(i, j) · i² / j² / N_z`.
pub fn small_dependence_high_gray_level_emphasis(m: &Gldm) -> f64 {
    m.dependences.small_high_gray_level_emphasis()
}

/// Large Dependence Low Gray Level Emphasis (IBSI *high dependence low grey level emphasis*,
/// NBZI; `ngl_hdlge_3D`).
///
/// `LDLGLE = Σ_i Σ_j P(i, j) · j² / i² / N_z`.
pub fn large_dependence_low_gray_level_emphasis(m: &Gldm) -> f64 {
    m.dependences.large_low_gray_level_emphasis()
}

/// Large Dependence High Gray Level Emphasis (IBSI *high dependence high grey level emphasis*,
/// 9QMG; `ngl_hdhge_3D`).
///
/// `LDHGLE = Σ_i Σ_j P(i, j) · i² j² / N_z`.
pub fn large_dependence_high_gray_level_emphasis(m: &Gldm) -> f64 {
    m.dependences.large_high_gray_level_emphasis()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texture::{docstring_image, image_2d};
    use ndarray::array;

    /// PyRadiomics' own example (class docstring of `RadiomicsGLDM`), α = 0, δ = 1.
    #[test]
    fn docstring_example_matrix() {
        let img = docstring_image();
        let m = Gldm::new(&img, &TextureSettings::default()).unwrap();
        let expected = array![
            [0., 1., 2., 1.],
            [1., 2., 3., 0.],
            [1., 4., 4., 0.],
            [1., 2., 0., 0.],
            [3., 0., 0., 0.],
        ];
        assert_eq!(m.matrix(), &expected);
        assert_eq!(m.dependence_sizes(), &[1., 2., 3., 4.]);
        assert_eq!(m.zone_count(), 25.0);
    }

    /// Hand calculation on a 1×2×3 image, α = 0 and α = 1:
    /// ```text
    /// 1 1 2
    /// 1 3 .
    /// ```
    /// α = 0: the three 1s see each other (2 dependents each → j = 3); the 2 and the 3 have
    /// none (j = 1). P = [[0, 3], [1, 0], [1, 0]] over j = [1, 3].
    /// α = 1: (0,0) sees 1, 1 (the 3 is 2 away) → j = 3; (0,1) sees 1, 2, 1 → j = 4; (1,0)
    /// sees 1, 1 → j = 3; the 2 sees the 1 and the 3 → j = 3; the 3 sees only the 2 → j = 2.
    /// P = [[0, 2, 1], [0, 1, 0], [1, 0, 0]] over j = [2, 3, 4].
    #[test]
    fn hand_calculated_alpha() {
        let img = image_2d(&[&[1, 1, 2], &[1, 3, 0]]);
        let m = Gldm::new(&img, &TextureSettings::default()).unwrap();
        assert_eq!(m.matrix(), &array![[0., 3.], [1., 0.], [1., 0.]]);
        assert_eq!(m.dependence_sizes(), &[1., 3.]);
        // SDE = (2/1 + 3/9)/5, LDE = (2 + 27)/5, DN = (4 + 9)/5.
        assert!((small_dependence_emphasis(&m) - (2.0 + 1.0 / 3.0) / 5.0).abs() < 1e-15);
        assert!((large_dependence_emphasis(&m) - 29.0 / 5.0).abs() < 1e-14);
        assert!((dependence_non_uniformity(&m) - 13.0 / 5.0).abs() < 1e-15);
        // GLN = (9 + 1 + 1)/5; HGLE = (3·1 + 4 + 9)/5.
        assert!((gray_level_non_uniformity(&m) - 11.0 / 5.0).abs() < 1e-15);
        assert!((high_gray_level_emphasis(&m) - 16.0 / 5.0).abs() < 1e-15);

        let s = TextureSettings { gldm_a: 1.0, ..TextureSettings::default() };
        let m1 = Gldm::new(&img, &s).unwrap();
        assert_eq!(m1.matrix(), &array![[0., 2., 1.], [0., 1., 0.], [1., 0., 0.]]);
        assert_eq!(m1.dependence_sizes(), &[2., 3., 4.]);
        // DV: p_d = [1, 3, 1], μ = (2 + 9 + 4)/5 = 3; var = (1 + 0 + 1)/5 = 0.4.
        assert!((dependence_variance(&m1) - 0.4).abs() < 1e-15);
    }

    #[test]
    fn bad_settings_are_errors() {
        let img = image_2d(&[&[1, 2]]);
        for s in [
            TextureSettings { gldm_a: 0.5, ..TextureSettings::default() },
            TextureSettings { gldm_a: -1.0, ..TextureSettings::default() },
            TextureSettings { gldm_a: f64::NAN, ..TextureSettings::default() },
            TextureSettings { distances: vec![], ..TextureSettings::default() },
            TextureSettings { distances: vec![1, 0], ..TextureSettings::default() },
        ] {
            assert!(matches!(Gldm::new(&img, &s), Err(Error::InvalidSettings { .. })), "{s:?}");
        }
    }

    #[test]
    fn feature_table_matches_functions() {
        assert_eq!(FEATURES.len(), FUNCTIONS.len());
        let img = image_2d(&[&[1, 1, 2], &[3, 1, 2]]);
        let m = Gldm::new(&img, &TextureSettings::default()).unwrap();
        let all = features(&img, &TextureSettings::default()).unwrap();
        assert_eq!(all[0], ("DependenceEntropy", dependence_entropy(&m)));
        assert_eq!(
            all[13],
            ("SmallDependenceLowGrayLevelEmphasis", small_dependence_low_gray_level_emphasis(&m))
        );
        assert!(DEPRECATED_WITHOUT_VALUE.iter().all(|d| FEATURES.iter().all(|(n, _)| n != d)));
    }
}
