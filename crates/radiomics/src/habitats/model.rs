//! Fitting the habitat model on training cases (voxel features, pooled standardisation,
//! k-means with k chosen by a criterion) and assigning habitats to a case.

use std::borrow::Borrow;

use ndarray::{Array2, Array3};
use radlsig_volume::{PixelType, Volume};
use rand::seq::index;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::persist::MODEL_FORMAT;
use super::voxel::{self, CaseVoxels, Moments, Standardization, VoxelPlan};
use super::{
    CaseNormalization, Criterion, HabitatCase, HabitatCount, HabitatMap, HabitatSettings,
    VoxelFeature, criteria, kmeans,
};
use crate::{Error, Result};

/// Stream purposes of the seeded draws (see the module docs).
const PURPOSE_CASE_VOXELS: u64 = 2;
const PURPOSE_SILHOUETTE: u64 = 3;

/// The k and score of one candidate clustering (provenance of the choice of k).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KScore {
    /// Number of clusters.
    pub k: usize,
    /// The criterion's value (`None`: fixed k, or the criterion could not be computed).
    pub score: Option<f64>,
    /// k-means inertia on the pooled standardised training voxels.
    pub inertia: f64,
}

/// A fitted habitat model: everything needed to assign habitats to a new case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HabitatModel {
    /// [`MODEL_FORMAT`].
    pub(super) format: String,
    pub(super) settings: HabitatSettings,
    pub(super) sequences: Vec<String>,
    /// Pooled training grey-level scale per sequence (entropy bins).
    pub(super) intensity_scales: Vec<Standardization>,
    pub(super) voxel_feature_names: Vec<String>,
    pub(super) standardization: Vec<Standardization>,
    pub(super) k: usize,
    /// `k` rows of standardised voxel features, in canonical order.
    pub(super) centroids: Vec<Vec<f64>>,
    pub(super) selection: Vec<KScore>,
    pub(super) training_cases: usize,
    pub(super) pooled_voxels: usize,
}

/// Per-case outcome of the second fitting pass.
struct CaseDraw {
    moments: Vec<Moments>,
    rows: Array2<f64>,
}

impl HabitatModel {
    /// Fits the model on training cases (module docs). Nothing from other splits may be
    /// passed here.
    pub fn fit(settings: &HabitatSettings, cases: &[HabitatCase]) -> Result<HabitatModel> {
        HabitatModel::fit_with(settings, cases.len(), |i| Ok(&cases[i]))
    }

    /// As [`fit`](Self::fit), loading training case `i` (for `i` in `0..n`) on demand, so that
    /// a large cohort need not sit in memory; `load` is called once or twice per case (twice
    /// when `localEntropy` is requested; case 0 once more when `sequences` is not set),
    /// possibly from several threads.
    pub fn fit_with<C, F>(settings: &HabitatSettings, n: usize, load: F) -> Result<HabitatModel>
    where
        C: Borrow<HabitatCase>,
        F: Fn(usize) -> Result<C> + Sync,
    {
        if n == 0 {
            return Err(Error::NoTrainingCase);
        }
        let sequences: Vec<String> = match settings.sequences() {
            Some(list) => list.to_vec(),
            None => load(0)?.borrow().sequences().map(str::to_string).collect(),
        };
        let features = settings.voxel_features();
        let normalization = settings.case_normalization();

        // Pass 1: pooled grey-level scale per sequence (only the entropy bins need it).
        let intensity_scales: Vec<Standardization> =
            if features.contains(&VoxelFeature::LocalEntropy) {
                let per_case: Vec<Vec<Moments>> = (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let case = load(i)?;
                        let case = case.borrow();
                        let images = case.images_of(&sequences)?;
                        let crops = voxel::normalised_crops(
                            &images,
                            case.mask.view(),
                            &case.bbox,
                            normalization,
                        );
                        Ok(voxel::intensity_moments(&crops, case.mask_crop()))
                    })
                    .collect::<Result<_>>()?;
                pooled(&per_case, sequences.len())
                    .into_iter()
                    .map(Standardization::from_moments)
                    .collect()
            } else {
                vec![Standardization { center: 0.0, scale: 1.0 }; sequences.len()]
            };
        let plan = voxel_plan(settings, &intensity_scales);

        // Pass 2: voxel features, their pooled moments, and each case's draw.
        let draws: Vec<CaseDraw> = (0..n)
            .into_par_iter()
            .map(|i| {
                let case = load(i)?;
                let case = case.borrow();
                let voxels = case_voxels(case, &sequences, normalization, &plan)?;
                let moments = (0..voxels.features.ncols())
                    .map(|j| Moments::of(voxels.features.column(j).iter().copied()))
                    .collect();
                let total = voxels.features.nrows();
                let take = settings.voxels_per_case().min(total);
                let mut rng = kmeans::rng(settings.seed(), PURPOSE_CASE_VOXELS, i as u64, 0);
                let mut picked = index::sample(&mut rng, total, take).into_vec();
                picked.sort_unstable();
                let rows = voxels.features.select(ndarray::Axis(0), &picked);
                Ok(CaseDraw { moments, rows })
            })
            .collect::<Result<_>>()?;
        let width = sequences.len() * features.len();
        let moments: Vec<Vec<Moments>> = draws.iter().map(|d| d.moments.clone()).collect();
        let standardization: Vec<Standardization> =
            pooled(&moments, width).into_iter().map(Standardization::from_moments).collect();
        let pooled_voxels: usize = draws.iter().map(|d| d.rows.nrows()).sum();
        let mut points = Array2::<f64>::zeros((pooled_voxels, width));
        let mut at = 0;
        for d in &draws {
            for row in d.rows.outer_iter() {
                for (j, v) in row.iter().enumerate() {
                    points[[at, j]] = standardization[j].apply(*v);
                }
                at += 1;
            }
        }

        // Cluster, choosing k on the training voxels.
        let (fit, selection) = cluster(points.view(), settings)?;
        let mut centroids: Vec<Vec<f64>> = fit.centroids.outer_iter().map(|r| r.to_vec()).collect();
        centroids.sort_by(|a, b| {
            a.iter()
                .zip(b)
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let voxel_feature_names = sequences
            .iter()
            .flat_map(|s| {
                features.iter().map(move |f| {
                    if s.is_empty() { f.name().to_string() } else { format!("{s}_{}", f.name()) }
                })
            })
            .collect();
        Ok(HabitatModel {
            format: MODEL_FORMAT.to_string(),
            settings: settings.clone(),
            sequences,
            intensity_scales,
            voxel_feature_names,
            standardization,
            k: centroids.len(),
            centroids,
            selection,
            training_cases: n,
            pooled_voxels,
        })
    }

    /// The number of habitats.
    pub fn k(&self) -> usize {
        self.k
    }
    /// The settings it was fitted with.
    pub fn settings(&self) -> &HabitatSettings {
        &self.settings
    }
    /// The sequences clustered, in order.
    pub fn sequences(&self) -> &[String] {
        &self.sequences
    }
    /// Names of the voxel feature components (`intensity`, `T1_localEntropy`, …).
    pub fn voxel_feature_names(&self) -> &[String] {
        &self.voxel_feature_names
    }
    /// The standardisation of each voxel feature component (pooled training mean and SD).
    pub fn standardization(&self) -> &[Standardization] {
        &self.standardization
    }
    /// The centroids in standardised voxel-feature space, habitat 1 first.
    pub fn centroids(&self) -> &[Vec<f64>] {
        &self.centroids
    }
    /// The candidate k values with their scores and inertias.
    pub fn selection(&self) -> &[KScore] {
        &self.selection
    }
    /// Number of training cases fitted on.
    pub fn training_cases(&self) -> usize {
        self.training_cases
    }
    /// Number of pooled training voxels clustered.
    pub fn pooled_voxels(&self) -> usize {
        self.pooled_voxels
    }

    fn plan(&self) -> VoxelPlan<'_> {
        voxel_plan(&self.settings, &self.intensity_scales)
    }

    /// The habitat map of `case`: each mask voxel labelled with its nearest centroid.
    pub fn assign(&self, case: &HabitatCase) -> Result<HabitatMap> {
        let voxels =
            case_voxels(case, &self.sequences, self.settings.case_normalization(), &self.plan())?;
        let centroids = Array2::from_shape_fn((self.k, self.standardization.len()), |(i, j)| {
            self.centroids[i][j]
        });
        let labels: Vec<usize> = (0..voxels.features.nrows())
            .into_par_iter()
            .map(|i| {
                let row = voxels.features.row(i);
                let z: ndarray::Array1<f64> =
                    row.iter().zip(&self.standardization).map(|(v, s)| s.apply(*v)).collect();
                kmeans::nearest(z.view(), centroids.view()).0
            })
            .collect();
        let mut data = Array3::<f64>::zeros(case.mask.data().raw_dim());
        let mut counts = vec![0usize; self.k];
        for (pos, &l) in voxels.positions.iter().zip(&labels) {
            data[*pos] = (l + 1) as f64;
            counts[l] += 1;
        }
        let labels = Volume::new(data, *case.mask.geometry(), PixelType::UInt8)?;
        Ok(HabitatMap { labels, k: self.k, counts })
    }
}

/// The voxel features of `settings`, with entropy bins in the pooled grey-level scale of each
/// sequence (`intensity_scales`).
fn voxel_plan<'a>(
    settings: &'a HabitatSettings,
    intensity_scales: &[Standardization],
) -> VoxelPlan<'a> {
    VoxelPlan {
        features: settings.voxel_features(),
        radius: settings.radius() as usize,
        entropy_bins: intensity_scales
            .iter()
            .map(|s| (*s, settings.entropy_bin_width() * s.scale))
            .collect(),
    }
}

/// Moments per component, merged over cases in case order.
fn pooled(per_case: &[Vec<Moments>], width: usize) -> Vec<Moments> {
    let mut total = vec![Moments::default(); width];
    for case in per_case {
        for (t, m) in total.iter_mut().zip(case) {
            *t = t.merge(*m);
        }
    }
    total
}

/// Voxel features of one case.
fn case_voxels(
    case: &HabitatCase,
    sequences: &[String],
    normalization: CaseNormalization,
    plan: &VoxelPlan<'_>,
) -> Result<CaseVoxels> {
    let images = case.images_of(sequences)?;
    let crops = voxel::normalised_crops(&images, case.mask.view(), &case.bbox, normalization);
    Ok(voxel::voxel_features(&crops, case.mask_crop(), case.bbox.lower, plan))
}

/// k-means on the pooled standardised voxels, with k fixed or chosen (module docs).
fn cluster(
    points: ndarray::ArrayView2<'_, f64>,
    settings: &HabitatSettings,
) -> Result<(kmeans::KMeans, Vec<KScore>)> {
    let fit_k = |k: usize| {
        kmeans::kmeans(points, k, settings.n_init(), settings.max_iter(), settings.seed())
            .map_err(|e| Error::Clustering { source: Box::new(e) })
    };
    match settings.count() {
        HabitatCount::Fixed(k) => {
            let fit = fit_k(k)?;
            let score = KScore { k, score: None, inertia: fit.inertia };
            Ok((fit, vec![score]))
        }
        HabitatCount::Choose { min, max, criterion } => {
            let n = points.nrows();
            let subset: Vec<usize> = match criterion {
                Criterion::Silhouette => {
                    let mut rng = kmeans::rng(settings.seed(), PURPOSE_SILHOUETTE, 0, 0);
                    let take = settings.silhouette_sample_size().min(n);
                    let mut picked = index::sample(&mut rng, n, take).into_vec();
                    picked.sort_unstable();
                    picked
                }
                Criterion::CalinskiHarabasz => Vec::new(),
            };
            let sub_points = points.select(ndarray::Axis(0), &subset);
            let mut fits: Vec<(kmeans::KMeans, KScore)> = (min..=max)
                .into_par_iter()
                .map(|k| {
                    let fit = fit_k(k)?;
                    let score = match criterion {
                        Criterion::Silhouette => {
                            let labels: Vec<usize> =
                                subset.iter().map(|&i| fit.labels[i]).collect();
                            criteria::silhouette_score(sub_points.view(), &labels).ok()
                        }
                        Criterion::CalinskiHarabasz => {
                            criteria::calinski_harabasz_score(points, &fit.labels).ok()
                        }
                    }
                    .filter(|s| s.is_finite());
                    let inertia = fit.inertia;
                    Ok((fit, KScore { k, score, inertia }))
                })
                .collect::<Result<_>>()?;
            let mut best: Option<usize> = None;
            for (i, (_, s)) in fits.iter().enumerate() {
                if let Some(v) = s.score
                    && best.is_none_or(|b| fits[b].1.score.is_none_or(|bv| v > bv))
                {
                    best = Some(i);
                }
            }
            let scores: Vec<KScore> = fits.iter().map(|(_, s)| *s).collect();
            let best = best.ok_or(Error::NoScorableK { min, max })?;
            let fit = fits.swap_remove(best).0;
            Ok((fit, scores))
        }
    }
}
