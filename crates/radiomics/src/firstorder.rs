//! First-order statistics: how the grey levels inside the ROI are distributed — PyRadiomics'
//! `firstorder` class.
//!
//! Symbols used in the formulas below:
//!
//! - `X` — the `N_p` grey levels of the ROI (after any normalisation, resampling and
//!   re-segmentation; never discretised), in array order `[z, y, x]`;
//! - `c` — `voxelArrayShift`, added to `X` in Energy, TotalEnergy and RootMeanSquared only;
//! - `X̄` — the mean of `X`;
//! - `P_k` — the k-th percentile of `X` with numpy's default ("linear") interpolation: with
//!   `X` sorted ascending and `v = (N_p − 1)·k/100`, `P_k = X₍⌊v⌋₎ + (v − ⌊v⌋)(X₍⌊v⌋+1₎ − X₍⌊v⌋₎)`;
//! - `p(i)` — the fraction of ROI voxels in grey-level bin `i` after discretisation
//!   (`binWidth` or `binCount`), over the `N_g` bins that hold at least one voxel;
//! - `ε` — the machine epsilon `2.2 × 10⁻¹⁶` (numpy's `spacing(1)`).
//!
//! The [`Intensities`] of an ROI are built once; each feature is then a function of them, named
//! after the PyRadiomics feature in snake case. Sums are evaluated with numpy's pairwise
//! summation ([`numpy_sum`]) in PyRadiomics' order, so values agree with PyRadiomics to the last
//! few units in the last place.
//!
//! Where PyRadiomics and IBSI differ (Kurtosis is not excess kurtosis; the shift `c`; Entropy's
//! `ε`; TotalEnergy and StandardDeviation have no IBSI counterpart) the functions follow
//! PyRadiomics and say so; `crates/radiomics/README.md` has the table.

use radlsig_volume::{Binning, Mask, Volume, discretise};

use crate::extractor::FeatureValues;
use crate::{Error, Result};

/// The features of this class as (PyRadiomics name, deprecated?), in PyRadiomics' order
/// (alphabetical by method name, as `getFeatureNames` lists them).
pub const FEATURES: &[(&str, bool)] = &[
    ("10Percentile", false),
    ("90Percentile", false),
    ("Energy", false),
    ("Entropy", false),
    ("InterquartileRange", false),
    ("Kurtosis", false),
    ("Maximum", false),
    ("MeanAbsoluteDeviation", false),
    ("Mean", false),
    ("Median", false),
    ("Minimum", false),
    ("Range", false),
    ("RobustMeanAbsoluteDeviation", false),
    ("RootMeanSquared", false),
    ("Skewness", false),
    ("StandardDeviation", true),
    ("TotalEnergy", false),
    ("Uniformity", false),
    ("Variance", false),
];

/// The ROI as first-order statistics see it: grey levels, their discretised histogram, the
/// voxel volume and the shift `c`.
#[derive(Debug, Clone, PartialEq)]
pub struct Intensities {
    /// Grey levels in array order (the order matters for the last bits of sums).
    values: Vec<f64>,
    /// The same grey levels, sorted ascending.
    sorted: Vec<f64>,
    /// `p(i)` of the occupied bins, by ascending bin index.
    probabilities: Vec<f64>,
    /// Volume of one voxel in mm³ (product of the spacings, x·y·z).
    voxel_volume: f64,
    /// `voxelArrayShift`.
    shift: f64,
    /// `X̄`, computed once.
    mean: f64,
}

impl Intensities {
    /// The statistics' input from the ROI grey levels `values` (array order), their bin indices
    /// `bins` (same order, from [`discretise`]), the voxel volume in mm³ and `voxelArrayShift`.
    ///
    /// Fails when the ROI is empty, holds a non-finite grey level, or `bins` does not have one
    /// entry per value.
    pub fn new(
        values: Vec<f64>,
        bins: &[u32],
        voxel_volume: f64,
        voxel_array_shift: f64,
    ) -> Result<Self> {
        if values.is_empty() {
            return Err(Error::EmptyRoi { what: "firstorder".into() });
        }
        if bins.len() != values.len() {
            return Err(Error::CountMismatch {
                what: "first-order statistics",
                found: bins.len(),
                found_name: "bin indices",
                expected: values.len(),
                expected_name: "grey levels",
            });
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::NonFiniteGrayLevel { value: *bad });
        }
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        // numpy.unique(..., return_counts=True): counts of the occupied bins, ascending.
        let mut levels = bins.to_vec();
        levels.sort_unstable();
        let mut counts: Vec<usize> = Vec::new();
        for (i, level) in levels.iter().enumerate() {
            if i > 0 && levels[i - 1] == *level {
                if let Some(last) = counts.last_mut() {
                    *last += 1;
                }
            } else {
                counts.push(1);
            }
        }
        let total = bins.len() as f64;
        let probabilities = counts.iter().map(|&c| c as f64 / total).collect();
        let mean = numpy_sum(&values) / values.len() as f64;
        Ok(Intensities {
            values,
            sorted,
            probabilities,
            voxel_volume,
            shift: voxel_array_shift,
            mean,
        })
    }

    /// The input for the ROI `mask` of `image` (same grid), discretised with `binning`; the
    /// voxel volume is `spacing_x · spacing_y · spacing_z`, as numpy's
    /// `multiply.reduce(GetSpacing())`.
    ///
    /// PyRadiomics computes the statistics on the image cropped to the ROI's bounding box; the
    /// values and their order are the same without cropping.
    pub fn from_roi(
        image: &Volume,
        mask: &Mask,
        binning: Binning,
        voxel_array_shift: f64,
    ) -> Result<Self> {
        let values = mask.values(image)?;
        if values.is_empty() {
            return Err(Error::EmptyRoi { what: "firstorder".into() });
        }
        let (bins, _edges) = discretise(&values, binning)?;
        Self::new(values, &bins, image.geometry().voxel_volume(), voxel_array_shift)
    }

    /// Number of ROI voxels `N_p`.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the ROI is empty (never true for a constructed value).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `p(i)` of the occupied bins, ascending by bin.
    pub fn probabilities(&self) -> &[f64] {
        &self.probabilities
    }

    fn n(&self) -> f64 {
        self.values.len() as f64
    }

    /// `(1/N_p) Σ (X(i) − X̄)^k`, numpy-style (`_moment` in PyRadiomics).
    fn central_moment(&self, k: i32) -> f64 {
        let powered: Vec<f64> = self
            .values
            .iter()
            .map(|&x| {
                let d = x - self.mean;
                if k == 2 { d * d } else { d.powf(k as f64) }
            })
            .collect();
        numpy_sum(&powered) / self.n()
    }

    /// numpy's `percentile(X, q)` with linear interpolation.
    fn percentile(&self, q: f64) -> f64 {
        let n = self.sorted.len();
        let virtual_index = (n as f64 - 1.0) * (q / 100.0);
        if virtual_index >= (n - 1) as f64 {
            return self.sorted[n - 1];
        }
        let below = virtual_index.floor();
        let i = below as usize;
        let (a, b) = (self.sorted[i], self.sorted[i + 1]);
        let gamma = virtual_index - below;
        // numpy's _lerp: from the nearer end, for monotonicity.
        let diff = b - a;
        if gamma >= 0.5 { b - diff * (1.0 - gamma) } else { a + diff * gamma }
    }
}

/// One value per entry of [`FEATURES`], in that order (deprecated features included; the
/// extractor picks the enabled ones).
pub fn features(roi: &Intensities) -> Result<FeatureValues> {
    let values = [
        percentile_10(roi),
        percentile_90(roi),
        energy(roi),
        entropy(roi),
        interquartile_range(roi),
        kurtosis(roi),
        maximum(roi),
        mean_absolute_deviation(roi),
        mean(roi),
        median(roi),
        minimum(roi),
        range(roi),
        robust_mean_absolute_deviation(roi),
        root_mean_squared(roi),
        skewness(roi),
        standard_deviation(roi),
        total_energy(roi),
        uniformity(roi),
        variance(roi),
    ];
    Ok(FEATURES.iter().map(|(name, _)| *name).zip(values).collect())
}

/// **Energy** (IBSI *intensity-based energy*, N8CA; digital phantom tag `stat_energy`):
/// `Σ (X(i) + c)²`.
///
/// IBSI has no shift; it equals IBSI for `voxelArrayShift` 0. Volume-confounded: grows with
/// `N_p`.
pub fn energy(roi: &Intensities) -> f64 {
    let squares: Vec<f64> = roi
        .values
        .iter()
        .map(|&x| {
            let s = x + roi.shift;
            s * s
        })
        .collect();
    numpy_sum(&squares)
}

/// **TotalEnergy** (no IBSI counterpart): `V_voxel · Σ (X(i) + c)²`, Energy scaled by the
/// voxel volume in mm³.
pub fn total_energy(roi: &Intensities) -> f64 {
    energy(roi) * roi.voxel_volume
}

/// **Entropy** (IBSI *intensity histogram entropy*, TLU2; tag `ih_entropy`):
/// `−Σ_i p(i) log₂(p(i) + ε)` over the occupied bins.
///
/// IBSI has no `ε`; the difference is below 1e-15. 0 for a single-bin ROI (up to `ε`).
pub fn entropy(roi: &Intensities) -> f64 {
    let terms: Vec<f64> =
        roi.probabilities.iter().map(|&p| p * (p + f64::EPSILON).log2()).collect();
    -numpy_sum(&terms)
}

/// **Minimum** (IBSI *minimum intensity*, 1GSF; tag `stat_min`): `min(X)`.
pub fn minimum(roi: &Intensities) -> f64 {
    roi.sorted[0]
}

/// **10Percentile** (IBSI *10th intensity percentile*, QG58; tag `stat_p10`): `P_10`.
pub fn percentile_10(roi: &Intensities) -> f64 {
    roi.percentile(10.0)
}

/// **90Percentile** (IBSI *90th intensity percentile*, 8DWT; tag `stat_p90`): `P_90`.
///
/// IBSI notes that implementations differ on the phantom (4 or 4.2); numpy's linear
/// interpolation gives 4.
pub fn percentile_90(roi: &Intensities) -> f64 {
    roi.percentile(90.0)
}

/// **Maximum** (IBSI *maximum intensity*, 84IY; tag `stat_max`): `max(X)`.
pub fn maximum(roi: &Intensities) -> f64 {
    roi.sorted[roi.sorted.len() - 1]
}

/// **Mean** (IBSI *mean intensity*, Q4LE; tag `stat_mean`): `X̄ = (1/N_p) Σ X(i)`.
pub fn mean(roi: &Intensities) -> f64 {
    roi.mean
}

/// **Median** (IBSI *median intensity*, Y12H; tag `stat_median`): the sample median of `X`,
/// the mean of the two middle values when `N_p` is even.
pub fn median(roi: &Intensities) -> f64 {
    let n = roi.sorted.len();
    if n % 2 == 1 { roi.sorted[n / 2] } else { (roi.sorted[n / 2 - 1] + roi.sorted[n / 2]) / 2.0 }
}

/// **InterquartileRange** (IBSI *intensity interquartile range*, SALO; tag `stat_iqr`):
/// `P_75 − P_25`.
pub fn interquartile_range(roi: &Intensities) -> f64 {
    roi.percentile(75.0) - roi.percentile(25.0)
}

/// **Range** (IBSI *intensity range*, 2OJQ; tag `stat_range`): `max(X) − min(X)`.
pub fn range(roi: &Intensities) -> f64 {
    maximum(roi) - minimum(roi)
}

/// **MeanAbsoluteDeviation** (IBSI *intensity-based mean absolute deviation*, 4FUA; tag
/// `stat_mad`): `(1/N_p) Σ |X(i) − X̄|`.
pub fn mean_absolute_deviation(roi: &Intensities) -> f64 {
    let deviations: Vec<f64> = roi.values.iter().map(|&x| (x - roi.mean).abs()).collect();
    numpy_sum(&deviations) / roi.n()
}

/// **RobustMeanAbsoluteDeviation** (IBSI *intensity-based robust mean absolute deviation*,
/// 1128; tag `stat_rmad`): the mean absolute deviation of `X₁₀₋₉₀ = {x ∈ X : P_10 ≤ x ≤ P_90}`
/// from its own mean, `(1/N₁₀₋₉₀) Σ |X₁₀₋₉₀(i) − X̄₁₀₋₉₀|`.
///
/// The subset is never empty (it holds the values at or between the two percentiles).
pub fn robust_mean_absolute_deviation(roi: &Intensities) -> f64 {
    let (p10, p90) = (percentile_10(roi), percentile_90(roi));
    // PyRadiomics sets the excluded voxels to NaN and uses nanmean, which sums the whole
    // array with NaN replaced by 0: the zeros keep their places in the pairwise sum.
    let kept: Vec<bool> = roi.values.iter().map(|&x| !(x - p10 < 0.0 || x - p90 > 0.0)).collect();
    let count = kept.iter().filter(|&&k| k).count() as f64;
    let masked: Vec<f64> =
        roi.values.iter().zip(&kept).map(|(&x, &k)| if k { x } else { 0.0 }).collect();
    let subset_mean = numpy_sum(&masked) / count;
    let deviations: Vec<f64> = roi
        .values
        .iter()
        .zip(&kept)
        .map(|(&x, &k)| if k { (x - subset_mean).abs() } else { 0.0 })
        .collect();
    numpy_sum(&deviations) / count
}

/// **RootMeanSquared** (IBSI *root mean square intensity*, 5ZWQ; tag `stat_rms`):
/// `√((1/N_p) Σ (X(i) + c)²)`.
///
/// Equals IBSI for `voxelArrayShift` 0.
pub fn root_mean_squared(roi: &Intensities) -> f64 {
    (energy(roi) / roi.n()).sqrt()
}

/// **StandardDeviation** (deprecated in PyRadiomics; no IBSI counterpart, it is the square root
/// of IBSI's variance ECT3): `√((1/N_p) Σ (X(i) − X̄)²)`, population standard deviation.
pub fn standard_deviation(roi: &Intensities) -> f64 {
    let squares: Vec<f64> = roi
        .values
        .iter()
        .map(|&x| {
            let d = x - roi.mean;
            d * d
        })
        .collect();
    (numpy_sum(&squares) / roi.n()).sqrt()
}

/// **Skewness** (IBSI *intensity skewness*, KE2A; tag `stat_skew`): `μ₃ / μ₂^{3/2}` with the
/// central moments `μ_k = (1/N_p) Σ (X(i) − X̄)^k`.
///
/// Degenerate case: when `μ₂` is exactly 0 (a flat ROI) the value is 0, as in IBSI and
/// PyRadiomics. As in PyRadiomics, the test is on the computed `μ₂`: a flat ROI whose mean is
/// not exactly representable can leave rounding noise instead.
pub fn skewness(roi: &Intensities) -> f64 {
    let m2 = roi.central_moment(2);
    let m3 = roi.central_moment(3);
    if m2 == 0.0 { 0.0 } else { m3 / m2.powf(1.5) }
}

/// **Kurtosis** (IBSI *(excess) intensity kurtosis*, IPH6, minus 3; tag `stat_kurt`):
/// `μ₄ / μ₂²`.
///
/// **Differs from IBSI:** PyRadiomics does not subtract 3, so this is IBSI's value + 3.
/// Degenerate case: 0 when `μ₂` is exactly 0 (IBSI's excess kurtosis is also 0 there, so the
/// "+3" relation does not hold for a flat ROI).
pub fn kurtosis(roi: &Intensities) -> f64 {
    let m2 = roi.central_moment(2);
    let m4 = roi.central_moment(4);
    if m2 == 0.0 { 0.0 } else { m4 / (m2 * m2) }
}

/// **Variance** (IBSI *intensity variance*, ECT3; tag `stat_var`): `(1/N_p) Σ (X(i) − X̄)²`,
/// without bias correction (ddof 0), as IBSI.
///
/// PyRadiomics squares its standard deviation, so this does too (it can differ from the direct
/// sum in the last bit).
pub fn variance(roi: &Intensities) -> f64 {
    let sd = standard_deviation(roi);
    sd * sd
}

/// **Uniformity** (IBSI *intensity histogram uniformity*, BJ5W; tag `ih_uniformity`):
/// `Σ_i p(i)²`. 1 for a single-bin ROI; at least `1/N_g`.
pub fn uniformity(roi: &Intensities) -> f64 {
    let squares: Vec<f64> = roi.probabilities.iter().map(|&p| p * p).collect();
    numpy_sum(&squares)
}

/// numpy's float64 `sum` along a contiguous axis: pairwise summation with an 8-way unrolled
/// base case of at most 128 elements (`pairwise_sum_DOUBLE`). Reproducing it keeps our sums
/// within an ulp or so of PyRadiomics' for any ROI size.
pub fn numpy_sum(values: &[f64]) -> f64 {
    let n = values.len();
    if n < 8 {
        values.iter().fold(0.0, |acc, &v| acc + v)
    } else if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&values[..8]);
        let full = n - n % 8;
        let mut i = 8;
        while i < full {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += values[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &values[full..] {
            res += v;
        }
        res
    } else {
        let mut half = n / 2;
        half -= half % 8;
        numpy_sum(&values[..half]) + numpy_sum(&values[half..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn roi(values: &[f64], bin_width: f64, shift: f64) -> Intensities {
        let (bins, _) = discretise(values, Binning::Width(bin_width)).unwrap();
        Intensities::new(values.to_vec(), &bins, 2.0, shift).unwrap()
    }

    #[test]
    fn hand_computed_statistics() {
        // X = 1, 2, 3, 4, 10: mean 4, deviations −3 −2 −1 0 6.
        let r = roi(&[3.0, 1.0, 10.0, 2.0, 4.0], 1.0, 0.0);
        assert_eq!(mean(&r), 4.0);
        assert_eq!(minimum(&r), 1.0);
        assert_eq!(maximum(&r), 10.0);
        assert_eq!(range(&r), 9.0);
        assert_eq!(median(&r), 3.0);
        // v = 4·0.1 = 0.4 → 1 + 0.4·(2 − 1); v = 3.6 → 4 + 0.6·6 (from the upper end).
        assert_relative_eq!(percentile_10(&r), 1.4, max_relative = 1e-15);
        assert_relative_eq!(percentile_90(&r), 7.6, max_relative = 1e-15);
        // P25 = 2, P75 = 4.
        assert_eq!(interquartile_range(&r), 2.0);
        // μ2 = (9+4+1+0+36)/5 = 10, μ3 = (−27−8−1+0+216)/5 = 36, μ4 = (81+16+1+0+1296)/5 = 278.8
        assert_relative_eq!(variance(&r), 10.0, max_relative = 1e-15);
        assert_relative_eq!(standard_deviation(&r), 10f64.sqrt(), max_relative = 1e-15);
        assert_relative_eq!(skewness(&r), 36.0 / 10f64.powf(1.5), max_relative = 1e-14);
        assert_relative_eq!(kurtosis(&r), 2.788, max_relative = 1e-14);
        assert_relative_eq!(mean_absolute_deviation(&r), 12.0 / 5.0, max_relative = 1e-15);
        // Subset [1.4, 7.6] = {3, 2, 4}: mean 3, |dev| = 0, 1, 1.
        assert_relative_eq!(robust_mean_absolute_deviation(&r), 2.0 / 3.0, max_relative = 1e-15);
        assert_eq!(energy(&r), 130.0);
        assert_eq!(total_energy(&r), 260.0);
        assert_relative_eq!(root_mean_squared(&r), 26f64.sqrt(), max_relative = 1e-15);
        // Five bins of one voxel each: entropy log2(5), uniformity 1/5.
        assert_relative_eq!(entropy(&r), 5f64.log2(), max_relative = 1e-14);
        assert_relative_eq!(uniformity(&r), 0.2, max_relative = 1e-15);
    }

    #[test]
    fn shift_changes_only_the_energies() {
        let a = roi(&[-3.0, 5.0, 7.0, 1.0], 2.0, 0.0);
        let b = roi(&[-3.0, 5.0, 7.0, 1.0], 2.0, 10.0);
        // (7² + 15² + 17² + 11²) = 684
        assert_eq!(energy(&b), 684.0);
        assert_relative_eq!(root_mean_squared(&b), (684.0f64 / 4.0).sqrt(), max_relative = 1e-15);
        assert_eq!(mean(&a), mean(&b));
        assert_eq!(variance(&a), variance(&b));
    }

    #[test]
    fn flat_roi_is_degenerate_not_nan() {
        let r = roi(&[5.0; 7], 25.0, 0.0);
        assert_eq!(variance(&r), 0.0);
        assert_eq!(skewness(&r), 0.0);
        assert_eq!(kurtosis(&r), 0.0);
        assert_eq!(uniformity(&r), 1.0);
        assert!(entropy(&r).abs() < 1e-15);
        assert_eq!(robust_mean_absolute_deviation(&r), 0.0);
        assert_eq!(median(&r), 5.0);
    }

    #[test]
    fn even_count_median_and_single_voxel() {
        let r = roi(&[4.0, 1.0, 3.0, 2.0], 1.0, 0.0);
        assert_eq!(median(&r), 2.5);
        let one = roi(&[7.0], 1.0, 0.0);
        assert_eq!(percentile_10(&one), 7.0);
        assert_eq!(percentile_90(&one), 7.0);
        assert_eq!(kurtosis(&one), 0.0);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(Intensities::new(vec![], &[], 1.0, 0.0).is_err());
        assert!(Intensities::new(vec![1.0, f64::NAN], &[1, 1], 1.0, 0.0).is_err());
        assert!(Intensities::new(vec![1.0, 2.0], &[1], 1.0, 0.0).is_err());
    }

    #[test]
    fn features_follow_the_registry() {
        let r = roi(&[3.0, 1.0, 10.0, 2.0, 4.0], 1.0, 0.0);
        let f = features(&r).unwrap();
        assert_eq!(f.len(), FEATURES.len());
        assert_eq!(f[8], ("Mean", 4.0));
        assert_eq!(f[2], ("Energy", 130.0));
    }

    #[test]
    fn pairwise_sum_matches_numpy_structure() {
        // Exact small-integer data: any order gives the same sum; checks coverage of all paths.
        for n in [0usize, 1, 7, 8, 9, 127, 128, 129, 1000, 4097] {
            let v: Vec<f64> = (0..n).map(|i| (i % 17) as f64).collect();
            let expect: f64 = v.iter().sum();
            assert_eq!(numpy_sum(&v), expect, "n = {n}");
        }
        // numpy: np.sum([1e16, 1.0, -1e16, 1.0, 0, 0, 0, 0, 1.0]) = 1.0 (8-lane base case:
        // lanes (1e16, 1.0), (1.0, -1e16)... then the ninth element added last).
        let v = [1e16, 1.0, -1e16, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0];
        let lanes = ((1e16 + 1.0) + (-1e16 + 1.0)) + 0.0;
        assert_eq!(numpy_sum(&v), lanes + 1.0);
    }
}
