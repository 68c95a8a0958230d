//! Grey Level Co-occurrence Matrix (GLCM) features, as PyRadiomics 3.1 `glcm.py` computes them
//! (IBSI family "Grey level co-occurrence based features", `LFYI`).
//!
//! A GLCM `P(i, j | δ, θ)` counts how often a voxel with grey level `i` has a neighbour with grey
//! level `j` at offset `θ` of Chebyshev length `δ`, both voxels in the ROI. [`Glcm::new`] builds
//! one matrix per angle (13 in 3D for `δ = 1`, 4 with `force2D`), in the order of [`angles`], in
//! one pass over the ROI.
//!
//! # Symbols
//!
//! - `ε` = `np.spacing(1)` = 2.220446049250313e-16 ([`f64::EPSILON`]).
//! - `N_g`: the **highest** grey level (bin index) in the ROI. PyRadiomics uses it (not the
//!   number of levels present) in the `p_{x+y}` / `p_{x−y}` ranges and in `Idn` / `Idmn`.
//! - `i`, `j`: grey levels present in the ROI. Rows and columns of levels absent from the ROI are
//!   deleted, so the matrix is `n × n` with `n ≤ N_g`, but the formulas use the grey-level values
//!   `i`, `j` themselves, not the row positions.
//! - `P(i, j)`: the co-occurrence counts of one angle (or of the merged angles, see below), made
//!   symmetrical (`P + Pᵀ`) by default.
//! - `p(i, j) = P(i, j) / Σ P`: the normalised matrix.
//! - `p_x(i) = Σ_j p(i, j)`, `p_y(j) = Σ_i p(i, j)`: marginal row and column probabilities.
//! - `μ_x = Σ_{i,j} p(i, j) i`, `μ_y = Σ_{i,j} p(i, j) j`.
//! - `σ_x = (Σ_{i,j} p(i, j) (i − μ_x)²)^½`, `σ_y = (Σ_{i,j} p(i, j) (j − μ_y)²)^½`.
//! - `p_{x+y}(k) = Σ_{i+j=k} p(i, j)` for `k = 2, …, 2N_g`.
//! - `p_{x−y}(k) = Σ_{|i−j|=k} p(i, j)` for `k = 0, …, N_g − 1`.
//! - `HX = −Σ_i p_x(i) log₂(p_x(i) + ε)`, `HY = −Σ_j p_y(j) log₂(p_y(j) + ε)`.
//! - `HXY = −Σ_{i,j} p(i, j) log₂(p(i, j) + ε)`.
//! - `HXY1 = −Σ_{i,j} p(i, j) log₂(p_x(i) p_y(j) + ε)`.
//! - `HXY2 = −Σ_{i,j} p_x(i) p_y(j) log₂(p_x(i) p_y(j) + ε)`.
//!
//! # Aggregation over angles
//!
//! With the default `weightingNorm` (none), every feature is computed on each angle's matrix and
//! the values are averaged, skipping NaN (`np.nanmean`); this is IBSI's "3D, averaged" (`ITBB`),
//! or "2.5D, direction-merged" (`JJUI`) with `force2D`. Angles without any co-occurrence are
//! dropped first. With a `weightingNorm`, the symmetrical matrices are multiplied by a weight
//! `w = exp(−‖d‖²)` (`d`: the offset in mm under that norm; `w = 1` for `no_weighting`) and
//! summed into one matrix before normalisation; with `no_weighting` this is IBSI's "3D, merged"
//! (`IAZD`), or "2.5D, merged" (`ZW7Z`) with `force2D`.
//!
//! # Settings ([`TextureSettings`], PyRadiomics names and defaults)
//!
//! - `distances` `[1]`: Chebyshev distances of the neighbours; the angles of all distances are
//!   used together (`δ = 1`: 13 angles; `δ = 2`: 49).
//! - `symmetricalGLCM` `true`: count every pair in both directions (`P + Pᵀ`), as Haralick and
//!   IBSI do.
//! - `weightingNorm` `None`: see above (`manhattan`, `euclidean`, `infinity`, `no_weighting`).
//! - `force2D` `false` / `force2Ddimension` `0`: no neighbour is taken along that array axis.
//!
//! # Degenerate cases
//!
//! [`Glcm::new`] fails when the ROI is empty, when no angle fits in the ROI box, or when no two
//! ROI voxels are neighbours (PyRadiomics would return NaN for every feature). A ROI with one
//! grey level (a flat region) gives a `1 × 1` matrix `p = [[1]]`; PyRadiomics' conventions for
//! it are kept (Correlation 1, Imc1 0, Imc2 0, MCC 1, JointEntropy `−log₂(1 + ε) ≈ −3.2e−16`).
//!
//! # Deprecated features
//!
//! PyRadiomics also names `Dissimilarity`, `Homogeneity1`, `Homogeneity2` and `SumVariance`
//! (deprecated); they raise instead of returning a value, so PyRadiomics never outputs them. They
//! are listed in [`DEPRECATED_WITHOUT_VALUE`], not in [`FEATURES`]. They equal
//! [`difference_average`], [`id`], [`idm`] and [`cluster_tendency`].

use ndarray::ArrayView3;

use crate::extractor::{FeatureValues, evaluate};
use crate::texture::{
    CompactGrid, DiscretisedImage, TextureSettings, WeightingNorm, angles, check_distances,
    check_force_2d, roi_grid, shape_of,
};
use crate::{Error, Result};

/// `ε` in the entropies and denominators: `np.spacing(1)`.
const EPS: f64 = f64::EPSILON;

/// Every GLCM feature PyRadiomics 3.1 computes, as (name, deprecated?), in PyRadiomics' order.
pub const FEATURES: &[(&str, bool)] = &[
    ("Autocorrelation", false),
    ("ClusterProminence", false),
    ("ClusterShade", false),
    ("ClusterTendency", false),
    ("Contrast", false),
    ("Correlation", false),
    ("DifferenceAverage", false),
    ("DifferenceEntropy", false),
    ("DifferenceVariance", false),
    ("Id", false),
    ("Idm", false),
    ("Idmn", false),
    ("Idn", false),
    ("Imc1", false),
    ("Imc2", false),
    ("InverseVariance", false),
    ("JointAverage", false),
    ("JointEnergy", false),
    ("JointEntropy", false),
    ("MCC", false),
    ("MaximumProbability", false),
    ("SumAverage", false),
    ("SumEntropy", false),
    ("SumSquares", false),
];

/// Deprecated PyRadiomics GLCM feature names that yield no value (PyRadiomics logs a
/// deprecation message and outputs nothing). A parameter file may name them; they are skipped.
pub const DEPRECATED_WITHOUT_VALUE: &[&str] =
    &["Dissimilarity", "Homogeneity1", "Homogeneity2", "SumVariance"];

/// All GLCM features of `image`, one per entry of [`FEATURES`], in the same order.
pub fn features(image: &DiscretisedImage, settings: &TextureSettings) -> Result<FeatureValues> {
    let glcm = Glcm::new(image, settings)?;
    let functions: [fn(&Glcm) -> f64; 24] = [
        autocorrelation,
        cluster_prominence,
        cluster_shade,
        cluster_tendency,
        contrast,
        correlation,
        difference_average,
        difference_entropy,
        difference_variance,
        id,
        idm,
        idmn,
        idn,
        imc1,
        imc2,
        inverse_variance,
        joint_average,
        joint_energy,
        joint_entropy,
        mcc,
        maximum_probability,
        sum_average,
        sum_entropy,
        sum_squares,
    ];
    Ok(evaluate(&glcm, FEATURES, &functions))
}

/// Per-matrix quantities PyRadiomics keeps in `coefficients` (symbols: module docs).
#[derive(Debug, Clone)]
struct Coefficients {
    /// `p_x(i)`, one per present grey level.
    px: Vec<f64>,
    /// `p_y(j)`, one per present grey level.
    py: Vec<f64>,
    /// `μ_x`.
    ux: f64,
    /// `μ_y`.
    uy: f64,
    /// `p_{x+y}(k)` for `k = 2 … 2N_g` (position `k − 2`).
    p_sum: Vec<f64>,
    /// `p_{x−y}(k)` for `k = 0 … N_g − 1`.
    p_diff: Vec<f64>,
    /// `HXY`.
    hxy: f64,
}

/// The normalised co-occurrence matrices of a ROI with their marginals, built once; every
/// feature function reduces them.
#[derive(Debug, Clone)]
pub struct Glcm {
    /// Grey levels present in the ROI (row/column labels), ascending.
    gray_levels: Vec<f64>,
    /// `N_g`, the highest grey level in the ROI.
    ng: f64,
    /// Matrices `p`, `[matrix][i][j]`, each `n × n` and summing to 1.
    p: Vec<f64>,
    /// Number of matrices (angles kept, or 1 when merged).
    n_matrices: usize,
    /// The angles (`[z, y, x]` offsets) behind each matrix; all angles when merged.
    angles: Vec<[i32; 3]>,
    /// Whether the angles were merged into one matrix (`weightingNorm` set).
    merged: bool,
    /// Per-matrix coefficients.
    coefficients: Vec<Coefficients>,
}

impl Glcm {
    /// Builds the GLCMs of `image` as PyRadiomics' `_calculateMatrix`: counts co-occurrences per
    /// angle (C `calculate_glcm`), deletes rows/columns of grey levels absent from the ROI, adds
    /// the transpose (`symmetricalGLCM`), applies `weightingNorm` (weighted sum into one
    /// matrix), drops empty angles and normalises each matrix to sum 1.
    ///
    /// Fails on invalid `distances` or `force2Ddimension`, on an empty ROI, when no angle fits in
    /// the ROI box, or when no two ROI voxels are neighbours along any angle.
    pub fn new(image: &DiscretisedImage, settings: &TextureSettings) -> Result<Glcm> {
        check_distances(&settings.distances)?;
        check_force_2d(settings)?;
        let shape = shape_of(image);
        let all_angles = angles(shape, &settings.distances, false, settings.force_2d_dimension);
        // The border only has to hold the longest step of a kept angle (< the box size).
        let border = all_angles.iter().flatten().map(|c| c.unsigned_abs() as usize).max();
        let grid = roi_grid(image, border.unwrap_or(1), "glcm")?;
        let n = grid.gray_levels.len();
        if all_angles.is_empty() {
            return Err(Error::NoOffsets { family: "glcm", shape });
        }
        let nn = n * n;
        let na = all_angles.len();

        // One pass over the ROI: for each voxel, each angle's neighbour (C `calculate_glcm`:
        // P[i][j] counts centre level i with level j at +angle).
        let offsets: Vec<isize> = all_angles.iter().map(|&a| grid.offset(a)).collect();
        let mut counts = vec![0u32; na * nn];
        for &v in &grid.roi {
            let row = grid.index[v] as usize * n;
            for (a, &off) in offsets.iter().enumerate() {
                let neighbour = grid.index[v.wrapping_add_signed(off)];
                if neighbour != CompactGrid::OUTSIDE {
                    counts[a * nn + row + neighbour as usize] += 1;
                }
            }
        }
        let mut mats: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
        if settings.symmetrical_glcm {
            for m in mats.chunks_exact_mut(nn) {
                for i in 0..n {
                    m[i * n + i] *= 2.0;
                    for j in i + 1..n {
                        let s = m[i * n + j] + m[j * n + i];
                        m[i * n + j] = s;
                        m[j * n + i] = s;
                    }
                }
            }
        }

        let merged = settings.weighting_norm != WeightingNorm::None;
        let (mut mats, n_matrices) = if merged {
            let mut sum = vec![0.0; nn];
            for (m, &angle) in mats.chunks_exact(nn).zip(&all_angles) {
                let w = settings.weighting_norm.weight(angle, image.spacing_zyx).unwrap_or(1.0);
                for (s, &x) in sum.iter_mut().zip(m) {
                    *s += x * w;
                }
            }
            (sum, 1)
        } else {
            (mats, na)
        };
        let mut kept_angles = all_angles.clone();
        let mut sums: Vec<f64> = mats.chunks_exact(nn).map(|m| m.iter().sum()).collect();
        let mut n_matrices = n_matrices;
        if n_matrices > 1 && sums.contains(&0.0) {
            let keep: Vec<bool> = sums.iter().map(|&s| s != 0.0).collect();
            let mut kept = Vec::with_capacity(mats.len());
            for (m, &k) in mats.chunks_exact(nn).zip(&keep) {
                if k {
                    kept.extend_from_slice(m);
                }
            }
            mats = kept;
            kept_angles =
                all_angles.iter().zip(&keep).filter(|(_, k)| **k).map(|(a, _)| *a).collect();
            sums.retain(|&s| s != 0.0);
            n_matrices = sums.len();
        }
        if n_matrices == 0 || sums.iter().any(|&s| !(s > 0.0)) {
            return Err(Error::EmptyMatrix {
                family: "glcm",
                reason: "no two ROI voxels are neighbours along any angle; the co-occurrence \
                         matrix is empty",
            });
        }
        for (m, &s) in mats.chunks_exact_mut(nn).zip(&sums) {
            for x in m {
                *x /= s;
            }
        }

        let gray_levels: Vec<f64> = grid.gray_levels.iter().map(|&g| g as f64).collect();
        let ng = grid.gray_levels[n - 1];
        let coefficients =
            mats.chunks_exact(nn).map(|m| Coefficients::new(m, &grid.gray_levels, ng)).collect();
        Ok(Glcm {
            gray_levels,
            ng: ng as f64,
            p: mats,
            n_matrices,
            angles: if merged { all_angles } else { kept_angles },
            merged,
            coefficients,
        })
    }

    /// The normalised matrices, shape `(matrices, n, n)` indexed `[matrix, i, j]` (PyRadiomics
    /// stores `(1, n, n, matrices)`).
    pub fn matrices(&self) -> ArrayView3<'_, f64> {
        let n = self.gray_levels.len();
        ArrayView3::from_shape((self.n_matrices, n, n), &self.p)
            .expect("the matrix buffer holds n_matrices × n × n values")
    }

    /// The grey levels present in the ROI (row and column labels), ascending.
    pub fn gray_levels(&self) -> &[f64] {
        &self.gray_levels
    }

    /// `N_g`: the highest grey level in the ROI.
    pub fn ng(&self) -> f64 {
        self.ng
    }

    /// The angles behind the matrices: one per matrix, or every angle merged into the single
    /// matrix when [`Glcm::is_merged`].
    pub fn angles(&self) -> &[[i32; 3]] {
        &self.angles
    }

    /// Whether the angles were merged into one matrix (a `weightingNorm` was set).
    pub fn is_merged(&self) -> bool {
        self.merged
    }

    /// Number of matrices the features are averaged over.
    pub fn matrix_count(&self) -> usize {
        self.n_matrices
    }

    /// The value of `f` on each matrix, averaged without NaN (`np.nanmean`).
    fn mean_over_matrices(&self, mut f: impl FnMut(Matrix<'_>) -> f64) -> f64 {
        let n = self.gray_levels.len();
        nan_mean(
            self.p
                .chunks_exact(n * n)
                .zip(&self.coefficients)
                .map(|(p, c)| f(Matrix { p, n, levels: &self.gray_levels, c })),
        )
    }
}

impl Coefficients {
    fn new(p: &[f64], levels: &[u32], ng: u32) -> Coefficients {
        let n = levels.len();
        let mut px = vec![0.0; n];
        let mut py = vec![0.0; n];
        let (mut ux, mut uy, mut hxy) = (0.0, 0.0, 0.0);
        let mut p_sum = vec![0.0; 2 * ng as usize - 1];
        let mut p_diff = vec![0.0; ng as usize];
        for i in 0..n {
            let gi = levels[i];
            for j in 0..n {
                let v = p[i * n + j];
                let gj = levels[j];
                px[i] += v;
                py[j] += v;
                ux += gi as f64 * v;
                uy += gj as f64 * v;
                if v != 0.0 {
                    hxy -= v * (v + EPS).log2();
                }
                p_sum[(gi + gj - 2) as usize] += v;
                p_diff[gi.abs_diff(gj) as usize] += v;
            }
        }
        Coefficients { px, py, ux, uy, p_sum, p_diff, hxy }
    }
}

/// One normalised matrix with its coefficients.
#[derive(Clone, Copy)]
struct Matrix<'a> {
    p: &'a [f64],
    n: usize,
    levels: &'a [f64],
    c: &'a Coefficients,
}

impl Matrix<'_> {
    /// `Σ_{i,j} p(i, j) f(i, j)` over grey-level values.
    fn sum(&self, f: impl Fn(f64, f64) -> f64) -> f64 {
        let mut s = 0.0;
        for (i, row) in self.p.chunks_exact(self.n).enumerate() {
            let gi = self.levels[i];
            for (j, &v) in row.iter().enumerate() {
                s += v * f(gi, self.levels[j]);
            }
        }
        s
    }
}

/// Mean of the non-NaN values (`np.nanmean`); NaN when there is none.
fn nan_mean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for v in values.filter(|v| !v.is_nan()) {
        sum += v;
        count += 1;
    }
    if count == 0 { f64::NAN } else { sum / count as f64 }
}

/// `−Σ q log₂(q + ε)`.
fn entropy(q: &[f64]) -> f64 {
    -q.iter().map(|&v| v * (v + EPS).log2()).sum::<f64>()
}

/// Autocorrelation (PyRadiomics feature 1); IBSI "Autocorrelation" `QWB0`, phantom tag
/// `cm_auto_corr`.
///
/// `Σ_{i,j} p(i, j) i j`. Same definition as IBSI.
pub fn autocorrelation(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| m.sum(|i, j| i * j))
}

/// Joint Average (2); IBSI "Joint average" `60VM`, phantom tag `cm_joint_avg`.
///
/// `μ_x = Σ_{i,j} p(i, j) i`. It ignores the distribution of `j`, so it equals IBSI's only for a
/// symmetrical GLCM (the default). PyRadiomics averages it with a plain mean, which is the same
/// here since no matrix yields NaN.
pub fn joint_average(glcm: &Glcm) -> f64 {
    let ux: f64 = glcm.coefficients.iter().map(|c| c.ux).sum();
    ux / glcm.n_matrices as f64
}

/// Cluster Prominence (3); IBSI "Cluster prominence" `AE86`, phantom tag `cm_clust_prom`.
///
/// `Σ_{i,j} (i + j − μ_x − μ_y)⁴ p(i, j)`. Same as IBSI.
pub fn cluster_prominence(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        let mu = m.c.ux + m.c.uy;
        m.sum(|i, j| (i + j - mu).powi(4))
    })
}

/// Cluster Shade (4); IBSI "Cluster shade" `7NFM`, phantom tag `cm_clust_shade`.
///
/// `Σ_{i,j} (i + j − μ_x − μ_y)³ p(i, j)`. Same as IBSI. 0 for a flat region.
pub fn cluster_shade(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        let mu = m.c.ux + m.c.uy;
        m.sum(|i, j| (i + j - mu).powi(3))
    })
}

/// Cluster Tendency (5); IBSI "Cluster tendency" `DG8W`, phantom tag `cm_clust_tend`; also
/// equal to IBSI "Sum variance" `OEEB` (`cm_sum_var`), PyRadiomics' deprecated SumVariance.
///
/// `Σ_{i,j} (i + j − μ_x − μ_y)² p(i, j)`. Same as IBSI.
pub fn cluster_tendency(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        let mu = m.c.ux + m.c.uy;
        m.sum(|i, j| (i + j - mu).powi(2))
    })
}

/// Contrast (6); IBSI "Contrast" `ACUI`, phantom tag `cm_contrast`.
///
/// `Σ_{i,j} (i − j)² p(i, j)`. Same as IBSI.
pub fn contrast(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| m.sum(|i, j| (i - j).powi(2)))
}

/// Correlation (7); IBSI "Correlation" `NI2N`, phantom tag `cm_corr`.
///
/// `Σ_{i,j} p(i, j) (i − μ_x)(j − μ_y) / (σ_x σ_y + ε)`. When `σ_x σ_y = 0` (one grey level
/// along that angle, e.g. a flat region) the angle's value is 1 (PyRadiomics' convention; IBSI
/// leaves it undefined). Otherwise as IBSI.
pub fn correlation(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        let (ux, uy) = (m.c.ux, m.c.uy);
        let sx = m.sum(|i, _| (i - ux).powi(2)).sqrt();
        let sy = m.sum(|_, j| (j - uy).powi(2)).sqrt();
        if sx * sy == 0.0 {
            return 1.0;
        }
        m.sum(|i, j| (i - ux) * (j - uy)) / (sx * sy + EPS)
    })
}

/// Difference Average (8); IBSI "Difference average" `TF7R`, phantom tag `cm_diff_avg`; also
/// IBSI "Dissimilarity" `8S9J` (`cm_dissimilarity`), PyRadiomics' deprecated Dissimilarity.
///
/// `Σ_{k=0}^{N_g−1} k p_{x−y}(k)`. Same as IBSI.
pub fn difference_average(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| m.c.p_diff.iter().enumerate().map(|(k, &v)| k as f64 * v).sum())
}

/// Difference Entropy (9); IBSI "Difference entropy" `NTRS`, phantom tag `cm_diff_entr`.
///
/// `−Σ_{k=0}^{N_g−1} p_{x−y}(k) log₂(p_{x−y}(k) + ε)`. IBSI has no `ε` (difference ≤ 1e−15).
pub fn difference_entropy(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| entropy(&m.c.p_diff))
}

/// Difference Variance (10); IBSI "Difference variance" `D3YU`, phantom tag `cm_diff_var`.
///
/// `Σ_{k=0}^{N_g−1} (k − DA)² p_{x−y}(k)` with `DA` the angle's difference average. Same as
/// IBSI.
pub fn difference_variance(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        let da: f64 = m.c.p_diff.iter().enumerate().map(|(k, &v)| k as f64 * v).sum();
        m.c.p_diff.iter().enumerate().map(|(k, &v)| v * (k as f64 - da).powi(2)).sum()
    })
}

/// Joint Energy (11); IBSI "Angular second moment" `8ZQL`, phantom tag `cm_energy`.
///
/// `Σ_{i,j} p(i, j)²`. Same as IBSI.
pub fn joint_energy(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| m.p.iter().map(|v| v * v).sum())
}

/// Joint Entropy (12); IBSI "Joint entropy" `TU9B`, phantom tag `cm_joint_entr`.
///
/// `HXY = −Σ_{i,j} p(i, j) log₂(p(i, j) + ε)`. IBSI has no `ε`; because of it a flat region
/// gives `−log₂(1 + ε) ≈ −3.2e−16` instead of 0.
pub fn joint_entropy(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| m.c.hxy)
}

/// Informational Measure of Correlation 1 (13); IBSI "Information correlation 1" `R8DG`,
/// phantom tag `cm_info_corr1`.
///
/// `(HXY − HXY1) / max(HX, HY)`; 0 for an angle where `max(HX, HY) = 0` (flat region).
/// IBSI divides by `HX`, the same for a symmetrical GLCM.
pub fn imc1(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        let hx = entropy(&m.c.px);
        let hy = entropy(&m.c.py);
        let mut hxy1 = 0.0;
        for i in 0..m.n {
            for j in 0..m.n {
                let v = m.p[i * m.n + j];
                if v != 0.0 {
                    hxy1 -= v * (m.c.px[i] * m.c.py[j] + EPS).log2();
                }
            }
        }
        let div = hx.max(hy);
        if div == 0.0 { 0.0 } else { (m.c.hxy - hxy1) / div }
    })
}

/// Informational Measure of Correlation 2 (14); IBSI "Information correlation 2" `JN9H`,
/// phantom tag `cm_info_corr2`.
///
/// `√(1 − exp(−2 (HXY2 − HXY)))`; 0 for an angle where `HXY2 = HXY` exactly (flat region). When
/// rounding makes `HXY > HXY2` the root is NaN and that angle is skipped by the average, as in
/// PyRadiomics. Same as IBSI otherwise.
pub fn imc2(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        let mut hxy2 = 0.0;
        for &px in &m.c.px {
            for &py in &m.c.py {
                let q = px * py;
                hxy2 -= q * (q + EPS).log2();
            }
        }
        if hxy2 == m.c.hxy { 0.0 } else { (1.0 - (-2.0 * (hxy2 - m.c.hxy)).exp()).sqrt() }
    })
}

/// Inverse Difference Moment (15); IBSI "Inverse difference moment" `WF0Z`, phantom tag
/// `cm_inv_diff_mom`; PyRadiomics' deprecated Homogeneity2.
///
/// `Σ_{k=0}^{N_g−1} p_{x−y}(k) / (1 + k²)`. Same as IBSI.
pub fn idm(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        m.c.p_diff.iter().enumerate().map(|(k, &v)| v / (1.0 + (k as f64).powi(2))).sum()
    })
}

/// Maximal Correlation Coefficient (16). Not an IBSI feature (no code, no phantom value).
///
/// `√λ₂`, with `λ₂` the second-largest eigenvalue of
/// `Q(i, j) = Σ_k p(i, k) p(j, k) / (p_x(i) p_y(k) + ε)`. `Q` is not symmetric, but (up to `ε`)
/// it is similar to the symmetric positive semi-definite `S = C Cᵀ` with
/// `C(i, k) = p(i, k) / √(p_x(i) p_y(k) + ε)`; its eigenvalues are taken from `S`
/// (Householder tridiagonalisation and implicit QL), which agrees with PyRadiomics' numpy
/// `eigvals(Q)` to about 1e−15. A negative `λ₂` (rounding, when the angle has fewer than two
/// grey levels) gives NaN for that angle, which the average skips, as numpy's `sqrt` does for
/// real eigenvalues. When the ROI has one grey level the result is 1 (PyRadiomics' convention).
pub fn mcc(glcm: &Glcm) -> f64 {
    let n = glcm.gray_levels.len();
    if n < 2 {
        return 1.0;
    }
    let mut s = vec![0.0; n * n];
    let mut c = vec![0.0; n * n];
    glcm.mean_over_matrices(|m| {
        for i in 0..n {
            for k in 0..n {
                c[i * n + k] = m.p[i * n + k] / (m.c.px[i] * m.c.py[k] + EPS).sqrt();
            }
        }
        for i in 0..n {
            for j in 0..=i {
                let v = dot(&c[i * n..(i + 1) * n], &c[j * n..(j + 1) * n]);
                s[i * n + j] = v;
                s[j * n + i] = v;
            }
        }
        let mut eig = symmetric_eigenvalues(&mut s, n);
        eig.sort_by(f64::total_cmp);
        eig[n - 2].sqrt()
    })
}

/// Inverse Difference Moment Normalized (17); IBSI "Normalised inverse difference moment"
/// `1QCO`, phantom tag `cm_inv_diff_mom_norm`.
///
/// `Σ_{k=0}^{N_g−1} p_{x−y}(k) / (1 + k²/N_g²)`, with `N_g` the highest grey level in the ROI.
/// IBSI normalises by its `N_g`, the number of bins; they agree whenever the highest bin is
/// occupied, which PyRadiomics' binning from the ROI minimum ensures (phantom: both 6).
pub fn idmn(glcm: &Glcm) -> f64 {
    let ng2 = glcm.ng * glcm.ng;
    glcm.mean_over_matrices(|m| {
        m.c.p_diff.iter().enumerate().map(|(k, &v)| v / (1.0 + (k as f64).powi(2) / ng2)).sum()
    })
}

/// Inverse Difference (18); IBSI "Inverse difference" `IB1Z`, phantom tag `cm_inv_diff`;
/// PyRadiomics' deprecated Homogeneity1.
///
/// `Σ_{k=0}^{N_g−1} p_{x−y}(k) / (1 + k)`. Same as IBSI.
pub fn id(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        m.c.p_diff.iter().enumerate().map(|(k, &v)| v / (1.0 + k as f64)).sum()
    })
}

/// Inverse Difference Normalized (19); IBSI "Normalised inverse difference" `NDRX`, phantom tag
/// `cm_inv_diff_norm`.
///
/// `Σ_{k=0}^{N_g−1} p_{x−y}(k) / (1 + k/N_g)`, with `N_g` the highest grey level in the ROI
/// (see [`idmn`] on IBSI's `N_g`).
pub fn idn(glcm: &Glcm) -> f64 {
    let ng = glcm.ng;
    glcm.mean_over_matrices(|m| {
        m.c.p_diff.iter().enumerate().map(|(k, &v)| v / (1.0 + k as f64 / ng)).sum()
    })
}

/// Inverse Variance (20); IBSI "Inverse variance" `E8JP`, phantom tag `cm_inv_var`.
///
/// `Σ_{k=1}^{N_g−1} p_{x−y}(k) / k²` (`k = 0` skipped). Same as IBSI. 0 for a flat region.
pub fn inverse_variance(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        m.c.p_diff.iter().enumerate().skip(1).map(|(k, &v)| v / (k as f64).powi(2)).sum()
    })
}

/// Maximum Probability (21); IBSI "Joint maximum" `GYBY`, phantom tag `cm_joint_max`.
///
/// `max_{i,j} p(i, j)`. Same as IBSI.
pub fn maximum_probability(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| m.p.iter().copied().fold(f64::NEG_INFINITY, f64::max))
}

/// Sum Average (22); IBSI "Sum average" `ZGXS`, phantom tag `cm_sum_avg`.
///
/// `Σ_{k=2}^{2N_g} k p_{x+y}(k)`; equals `μ_x + μ_y` (twice [`joint_average`] for a symmetrical
/// GLCM). Same as IBSI.
pub fn sum_average(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        m.c.p_sum.iter().enumerate().map(|(k, &v)| (k + 2) as f64 * v).sum()
    })
}

/// Sum Entropy (23); IBSI "Sum entropy" `P6QZ`, phantom tag `cm_sum_entr`.
///
/// `−Σ_{k=2}^{2N_g} p_{x+y}(k) log₂(p_{x+y}(k) + ε)`. IBSI has no `ε` (difference ≤ 1e−15).
pub fn sum_entropy(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| entropy(&m.c.p_sum))
}

/// Sum of Squares (24); IBSI "Joint variance" `UR99`, phantom tag `cm_joint_var`.
///
/// `Σ_{i,j} (i − μ_x)² p(i, j)`: the variance of the `i` distribution, equal to IBSI's for a
/// symmetrical GLCM (the default).
pub fn sum_squares(glcm: &Glcm) -> f64 {
    glcm.mean_over_matrices(|m| {
        let ux = m.c.ux;
        m.sum(|i, _| (i - ux).powi(2))
    })
}

/// `Σ a_k b_k` with four partial sums (vectorisable; the order differs from a plain loop only
/// in rounding).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4.remainder().iter().zip(b4.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in a4.zip(b4) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Eigenvalues (unordered) of the symmetric `n × n` matrix `a` (row-major; overwritten):
/// Householder reduction to tridiagonal form, then the implicit QL method with Wilkinson shifts.
fn symmetric_eigenvalues(a: &mut [f64], n: usize) -> Vec<f64> {
    let (mut d, mut e) = tridiagonalise(a, n);
    tridiagonal_ql(&mut d, &mut e);
    d
}

/// Reduces the symmetric `a` to tridiagonal form `T = Hᵀ A H` by Householder reflections;
/// returns the diagonal `d` (length n) and the sub-diagonal `e` (`e[i] = T[i + 1][i]`,
/// length n, last entry 0).
fn tridiagonalise(a: &mut [f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut e = vec![0.0; n];
    let mut v = vec![0.0; n];
    let mut p = vec![0.0; n];
    for k in 0..n.saturating_sub(2) {
        // Reflect x = A[k+1.., k] onto −sign(x₀)‖x‖ e₁.
        let scale: f64 = (k + 1..n).map(|i| a[i * n + k].abs()).sum();
        if scale == 0.0 {
            e[k] = 0.0;
            continue;
        }
        let mut norm2 = 0.0;
        for i in k + 1..n {
            v[i] = a[i * n + k] / scale;
            norm2 += v[i] * v[i];
        }
        let alpha = -v[k + 1].signum() * norm2.sqrt();
        e[k] = alpha * scale;
        v[k + 1] -= alpha;
        let vnorm2: f64 = (k + 1..n).map(|i| v[i] * v[i]).sum();
        if vnorm2 == 0.0 {
            continue;
        }
        // A ← H A H with H = I − 2 v vᵀ / (vᵀv) on the trailing block: with p = β A v and
        // q = p − (β vᵀp / 2) v, A ← A − v qᵀ − q vᵀ (row-wise, both triangles).
        let beta = 2.0 / vnorm2;
        let vt = &v[k + 1..n];
        for i in k + 1..n {
            p[i] = beta * dot(&a[i * n + k + 1..(i + 1) * n], vt);
        }
        let kk = 0.5 * beta * vt.iter().zip(&p[k + 1..n]).map(|(x, y)| x * y).sum::<f64>();
        for i in k + 1..n {
            p[i] -= kk * v[i];
        }
        let pt = &p[k + 1..n];
        for i in k + 1..n {
            let (vi, pi) = (v[i], p[i]);
            let row = &mut a[i * n + k + 1..(i + 1) * n];
            for ((x, &vj), &pj) in row.iter_mut().zip(vt).zip(pt) {
                *x -= vi * pj + pi * vj;
            }
        }
    }
    if n >= 2 {
        e[n - 2] = a[(n - 1) * n + n - 2];
    }
    let d = (0..n).map(|i| a[i * n + i]).collect();
    (d, e)
}

/// Eigenvalues of the symmetric tridiagonal matrix (diagonal `d`, sub-diagonal `e`, `e[n−1]`
/// unused) by the implicit QL method with Wilkinson shifts; they replace `d`.
fn tridiagonal_ql(d: &mut [f64], e: &mut [f64]) {
    let n = d.len();
    for l in 0..n {
        for _iteration in 0..64 {
            // Find the first negligible sub-diagonal element at or after l.
            let mut m = l;
            while m + 1 < n {
                let dd = d[m].abs() + d[m + 1].abs();
                if e[m].abs() <= f64::EPSILON * dd {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            // Wilkinson shift from the leading 2 × 2 block.
            let mut g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let mut r = (g * g + 1.0).sqrt();
            g = d[m] - d[l] + e[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut deflated = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                // No overflow risk: the entries are products of probabilities (≤ 1).
                r = (f * f + g * g).sqrt();
                e[i + 1] = r;
                if r == 0.0 {
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
            }
            if deflated {
                continue;
            }
            d[l] -= p;
            e[l] = g;
            e[m] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `H D H` with a Householder reflection `H` has the eigenvalues `D`.
    #[test]
    fn eigenvalues_of_a_reflected_diagonal_matrix() {
        let n = 6;
        let diag = [3.5, -1.0, 0.0, 2.25, 1e-3, 7.0];
        let v: Vec<f64> = (0..n).map(|i| 1.0 + 0.3 * i as f64).collect();
        let vv: f64 = v.iter().map(|x| x * x).sum();
        let h = |i: usize, j: usize| (if i == j { 1.0 } else { 0.0 }) - 2.0 * v[i] * v[j] / vv;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (0..n).map(|k| h(i, k) * diag[k] * h(k, j)).sum();
            }
        }
        let mut got = symmetric_eigenvalues(&mut a, n);
        got.sort_by(f64::total_cmp);
        let mut want = diag.to_vec();
        want.sort_by(f64::total_cmp);
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-13, "{got:?} vs {want:?}");
        }
    }

    /// The tridiagonal Toeplitz matrix (2 on the diagonal, −1 beside it) has eigenvalues
    /// `2 − 2 cos(kπ/(n+1))`, k = 1…n.
    #[test]
    fn eigenvalues_of_the_second_difference_matrix() {
        let n = 9;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            a[i * n + i] = 2.0;
            if i + 1 < n {
                a[i * n + i + 1] = -1.0;
                a[(i + 1) * n + i] = -1.0;
            }
        }
        let mut got = symmetric_eigenvalues(&mut a, n);
        got.sort_by(f64::total_cmp);
        for (k, g) in got.iter().enumerate() {
            let want = 2.0 - 2.0 * ((k + 1) as f64 * std::f64::consts::PI / (n + 1) as f64).cos();
            assert!((g - want).abs() < 1e-13);
        }
        // Degenerate sizes.
        assert_eq!(symmetric_eigenvalues(&mut [4.0], 1), vec![4.0]);
        let mut two = [1.0, 2.0, 2.0, 1.0];
        let mut got = symmetric_eigenvalues(&mut two, 2);
        got.sort_by(f64::total_cmp);
        assert!((got[0] + 1.0).abs() < 1e-15 && (got[1] - 3.0).abs() < 1e-15);
    }

    #[test]
    fn nan_mean_skips_nan() {
        assert_eq!(nan_mean([1.0, f64::NAN, 3.0].into_iter()), 2.0);
        assert!(nan_mean([f64::NAN].into_iter()).is_nan());
    }
}
