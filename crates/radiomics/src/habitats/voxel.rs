//! Voxel-level features inside the mask (definitions in the [`habitats`](super) module docs).

use ndarray::{Array2, Array3, ArrayView3, s};
use radlsig_volume::{BoundingBox, Volume};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::settings::{CaseNormalization, VoxelFeature};

/// Count, mean and sum of squared deviations of a set of values; merged exactly in a fixed
/// order (Chan et al.'s pairwise update), so pooled statistics do not depend on threads.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Moments {
    pub count: usize,
    pub mean: f64,
    pub m2: f64,
}

impl Moments {
    /// Two-pass moments of `values`.
    pub fn of(values: impl Iterator<Item = f64> + Clone) -> Moments {
        let (count, sum) = values.clone().fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
        if count == 0 {
            return Moments::default();
        }
        let mean = sum / count as f64;
        let m2 = values.map(|v| (v - mean) * (v - mean)).sum();
        Moments { count, mean, m2 }
    }

    /// The moments of the union of two sets.
    pub fn merge(self, other: Moments) -> Moments {
        if self.count == 0 {
            return other;
        }
        if other.count == 0 {
            return self;
        }
        let n = (self.count + other.count) as f64;
        let delta = other.mean - self.mean;
        let mean = self.mean + delta * other.count as f64 / n;
        let m2 = self.m2 + other.m2 + delta * delta * self.count as f64 * other.count as f64 / n;
        Moments { count: self.count + other.count, mean, m2 }
    }

    /// Population standard deviation (ddof 0).
    pub fn sd(self) -> f64 {
        if self.count == 0 { 0.0 } else { (self.m2 / self.count as f64).sqrt() }
    }
}

/// A location and a scale: `(x − center)/scale`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Standardization {
    /// Subtracted first.
    pub center: f64,
    /// Then divided by (never 0).
    pub scale: f64,
}

impl Standardization {
    /// From pooled moments: the mean and the population SD, or scale 1 when the SD is 0.
    pub(crate) fn from_moments(m: Moments) -> Standardization {
        let sd = m.sd();
        Standardization { center: m.mean, scale: if sd > 0.0 && sd.is_finite() { sd } else { 1.0 } }
    }

    /// `(x − center)/scale`.
    #[inline]
    pub fn apply(self, x: f64) -> f64 {
        (x - self.center) / self.scale
    }
}

/// What [`voxel_features`] computes.
#[derive(Debug, Clone)]
pub(crate) struct VoxelPlan<'a> {
    pub features: &'a [VoxelFeature],
    pub radius: usize,
    /// Per sequence: the pooled training intensity scale and the entropy bin width in grey
    /// levels (`entropyBinWidth × σ`); only read when `LocalEntropy` is requested.
    pub entropy_bins: Vec<(Standardization, f64)>,
}

/// The in-mask voxels of one case and their features.
#[derive(Debug, Clone)]
pub(crate) struct CaseVoxels {
    /// Full-grid `[z, y, x]` index of each in-mask voxel, in raster order.
    pub positions: Vec<[usize; 3]>,
    /// One row per voxel: for each sequence, each requested feature (sequence-major).
    pub features: Array2<f64>,
}

/// The images (cropped to `bbox`) after `caseNormalization`, one per sequence.
pub(crate) fn normalised_crops(
    images: &[&Volume],
    mask: ArrayView3<'_, bool>,
    bbox: &BoundingBox,
    normalization: CaseNormalization,
) -> Vec<Array3<f64>> {
    let (lo, hi) = (bbox.lower, bbox.upper);
    let slice = s![lo[0]..=hi[0], lo[1]..=hi[1], lo[2]..=hi[2]];
    let crop_mask = mask.slice(slice);
    images
        .iter()
        .map(|image| {
            let crop = image.data().slice(slice).to_owned();
            match normalization {
                CaseNormalization::None => crop,
                CaseNormalization::ZScore => {
                    let values =
                        crop.iter().zip(crop_mask.iter()).filter(|(_, m)| **m).map(|(v, _)| *v);
                    let z = Standardization::from_moments(Moments::of(values));
                    crop.mapv(|v| z.apply(v))
                }
            }
        })
        .collect()
}

/// Moments of the (normalised) grey levels inside the mask, per sequence.
pub(crate) fn intensity_moments(crops: &[Array3<f64>], mask: ArrayView3<'_, bool>) -> Vec<Moments> {
    crops
        .iter()
        .map(|c| Moments::of(c.iter().zip(mask.iter()).filter(|(_, m)| **m).map(|(v, _)| *v)))
        .collect()
}

/// Shannon entropy (log₂) of the bin indices in `bins` (sorted in place); 0 for one bin.
fn entropy_of_bins(bins: &mut [i64]) -> f64 {
    bins.sort_unstable();
    let n = bins.len() as f64;
    let mut h = 0.0;
    let mut i = 0;
    while i < bins.len() {
        let mut j = i + 1;
        while j < bins.len() && bins[j] == bins[i] {
            j += 1;
        }
        let p = (j - i) as f64 / n;
        h -= p * p.log2();
        i = j;
    }
    // −0.0 for a single bin; return +0.0.
    h + 0.0
}

/// Voxel features of every in-mask voxel (crops from [`normalised_crops`], `mask` cropped to
/// the same box at `offset` in the full grid).
pub(crate) fn voxel_features(
    crops: &[Array3<f64>],
    mask: ArrayView3<'_, bool>,
    offset: [usize; 3],
    plan: &VoxelPlan<'_>,
) -> CaseVoxels {
    let (nz, ny, nx) = mask.dim();
    let r = plan.radius;
    let width = crops.len() * plan.features.len();
    let per_plane: Vec<(Vec<[usize; 3]>, Vec<f64>)> = (0..nz)
        .into_par_iter()
        .map(|z| {
            let mut positions = Vec::new();
            let mut rows = Vec::new();
            let mut values: Vec<f64> = Vec::new();
            let mut bins: Vec<i64> = Vec::new();
            let mut neighbours: Vec<[usize; 3]> = Vec::new();
            for y in 0..ny {
                for x in 0..nx {
                    if !mask[[z, y, x]] {
                        continue;
                    }
                    positions.push([z + offset[0], y + offset[1], x + offset[2]]);
                    neighbours.clear();
                    for z2 in z.saturating_sub(r)..=(z + r).min(nz - 1) {
                        for y2 in y.saturating_sub(r)..=(y + r).min(ny - 1) {
                            for x2 in x.saturating_sub(r)..=(x + r).min(nx - 1) {
                                if mask[[z2, y2, x2]] {
                                    neighbours.push([z2, y2, x2]);
                                }
                            }
                        }
                    }
                    for (s, crop) in crops.iter().enumerate() {
                        values.clear();
                        values.extend(neighbours.iter().map(|v| crop[*v]));
                        let n = values.len() as f64;
                        let mean = values.iter().sum::<f64>() / n;
                        for f in plan.features {
                            let v = match f {
                                VoxelFeature::Intensity => crop[[z, y, x]],
                                VoxelFeature::LocalMean => mean,
                                VoxelFeature::LocalStd => {
                                    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>()
                                        / n)
                                        .sqrt()
                                }
                                VoxelFeature::LocalEntropy => {
                                    let (scale, w) = plan.entropy_bins[s];
                                    bins.clear();
                                    bins.extend(
                                        values
                                            .iter()
                                            .map(|v| ((v - scale.center) / w).floor() as i64),
                                    );
                                    entropy_of_bins(&mut bins)
                                }
                            };
                            rows.push(v);
                        }
                    }
                }
            }
            (positions, rows)
        })
        .collect();
    let total: usize = per_plane.iter().map(|(p, _)| p.len()).sum();
    let mut positions = Vec::with_capacity(total);
    let mut flat = Vec::with_capacity(total * width);
    for (p, rows) in per_plane {
        positions.extend(p);
        flat.extend(rows);
    }
    let features = Array2::from_shape_vec((total, width), flat)
        .expect("each voxel contributes one row of `width` values");
    CaseVoxels { positions, features }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn moments_merge_exactly() {
        let all = [1.0, 2.0, 4.0, 8.0, 16.0];
        let whole = Moments::of(all.iter().copied());
        let merged =
            Moments::of(all[..2].iter().copied()).merge(Moments::of(all[2..].iter().copied()));
        assert_eq!(whole.count, merged.count);
        approx::assert_abs_diff_eq!(whole.mean, 6.2, epsilon = 1e-15);
        approx::assert_abs_diff_eq!(merged.mean, 6.2, epsilon = 1e-14);
        // Σ(x − 6.2)² = 27.04 + 17.64 + 4.84 + 3.24 + 96.04 = 148.8.
        approx::assert_abs_diff_eq!(whole.m2, 148.8, epsilon = 1e-12);
        approx::assert_abs_diff_eq!(merged.m2, 148.8, epsilon = 1e-12);
    }

    #[test]
    fn local_features_by_hand() {
        // A 1×1×4 row, mask on the first three voxels, radius 1, values 0, 3, 9, (99 outside).
        let crop = Array3::from_shape_vec((1, 1, 4), vec![0.0, 3.0, 9.0, 99.0]).unwrap();
        let mask = Array3::from_shape_vec((1, 1, 4), vec![true, true, true, false]).unwrap();
        let features = [
            VoxelFeature::Intensity,
            VoxelFeature::LocalMean,
            VoxelFeature::LocalStd,
            VoxelFeature::LocalEntropy,
        ];
        // Bins of width 4 from centre 1: floor((v − 1)/4) = −1, 0, 2.
        let bins = vec![(Standardization { center: 1.0, scale: 2.0 }, 4.0)];
        let plan = VoxelPlan { features: &features, radius: 1, entropy_bins: bins };
        let out = voxel_features(&[crop], mask.view(), [5, 6, 7], &plan);
        assert_eq!(out.positions, [[5, 6, 7], [5, 6, 8], [5, 6, 9]]);
        // Voxel 0: neighbours {0, 3}: mean 1.5, SD 1.5, two bins → entropy 1.
        // Voxel 1: {0, 3, 9}: mean 4, SD √((16 + 1 + 25)/3) = √14, three bins → log₂ 3.
        // Voxel 2: {3, 9} (99 is outside the mask): mean 6, SD 3, entropy 1.
        let expected =
            [[0.0, 1.5, 1.5, 1.0], [3.0, 4.0, 14f64.sqrt(), 3f64.log2()], [9.0, 6.0, 3.0, 1.0]];
        for (row, want) in out.features.outer_iter().zip(expected) {
            for (g, w) in row.iter().zip(want) {
                approx::assert_abs_diff_eq!(*g, w, epsilon = 1e-14);
            }
        }
        let mut one = [4, 4, 4];
        assert_eq!(entropy_of_bins(&mut one).to_bits(), 0f64.to_bits());
    }
}
