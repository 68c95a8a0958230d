//! Habitat radiomics: population-level sub-regions of the tumour found by clustering voxel
//! features, and the usual feature families computed on each sub-region.
//!
//! # Workflow
//!
//! 1. Build a [`HabitatCase`] per patient: one or more co-registered images (sequences, by
//!    name) and the tumour [`Mask`].
//! 2. [`HabitatModel::fit`] on the **training cases only**: voxel features are computed inside
//!    each mask, standardised with statistics pooled over all training voxels, a fixed number
//!    of voxels is drawn from each case, and k-means is fitted on the pooled draw, choosing `k`
//!    by a criterion unless it is fixed. The model is plain data ([`HabitatModel::save`],
//!    [`HabitatModel::load`], serde).
//! 3. [`HabitatModel::assign`] any case (training, validation or test alike): every mask voxel
//!    goes to its nearest centroid, giving a [`HabitatMap`] (labels `1..=k` inside the mask, 0
//!    outside, on the mask's grid; [`HabitatMap::write`] saves it as NIfTI or NRRD).
//! 4. [`HabitatModel::features`] computes, per habitat, descriptors and the extractor's feature
//!    families on the habitat's sub-mask ([`HabitatFeatures`]).
//!    [`HabitatModel::extract_case`] does 3 and 4 in one call.
//!
//! ```no_run
//! use radlsig_radiomics::habitats::{HabitatCase, HabitatModel, HabitatSettings};
//! use radlsig_radiomics::{ExtractionSettings, Extractor};
//! # fn main() -> radlsig_radiomics::Result<()> {
//! # let (train, test): (Vec<HabitatCase>, Vec<HabitatCase>) = (vec![], vec![]);
//! let model = HabitatModel::fit(&HabitatSettings::default(), &train)?;
//! model.save("habitats.json".as_ref())?;
//! let extractor = Extractor::new(ExtractionSettings::default())?;
//! for case in &test {
//!     let (map, features) = model.extract_case(case, &extractor)?;
//!     map.write(format!("{}_habitats.nii.gz", case.id()))?;
//!     println!("{:?}", features.get("habitat1_original_glcm_Contrast"));
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Voxel features
//!
//! For each sequence `s` (the settings' `sequences`, or all of the first training case's, in
//! its order) and each voxel `v` of the mask `M`, with grey levels `I_s` after
//! `caseNormalization` and the **masked neighbourhood** `N(v) = {u ∈ M : ‖u − v‖_∞ ≤ r}` (the
//! `(2r+1)³` cube of Chebyshev radius `r = radius` voxels around `v`, restricted to the mask;
//! it always holds `v`; spacing is ignored):
//!
//! - `intensity` = `I_s(v)`;
//! - `localMean` = `μ(v) = (1/|N|) Σ_{u∈N(v)} I_s(u)` (a smoothed intensity);
//! - `localStd` = `√((1/|N|) Σ_{u∈N(v)} (I_s(u) − μ(v))²)` (population SD; 0 for `|N| = 1`);
//! - `localEntropy` = `−Σ_g p_g log₂ p_g`, where `p_g` is the fraction of `u ∈ N(v)` with bin
//!   `g(u) = ⌊(I_s(u) − m_s)/(w·σ_s)⌋`, `m_s` and `σ_s` the mean and population SD of `I_s`
//!   over all mask voxels of all training cases (pooled; `σ_s = 0` is replaced by 1) and
//!   `w = entropyBinWidth`. Bins are fixed in the pooled scale, so entropies are comparable
//!   across patients; 0 when `N(v)` lies in one bin.
//!
//! A voxel's feature vector lists, for each sequence in order, the requested features in the
//! order of `voxelFeatures` ([`HabitatModel::voxel_feature_names`]: `intensity`,
//! `T1_localEntropy`, …). Each component is standardised, `(f − mean)/SD`, with the mean and
//! population SD of that component over **all** mask voxels of all training cases (an SD of 0
//! is replaced by 1), so that clustering weighs the features equally and one set of centroids
//! applies to every patient.
//!
//! # Clustering
//!
//! From each training case `c` (numbered by position in the training list),
//! `min(voxelsPerCase, |M_c|)` voxels are drawn without replacement (every patient weighs about
//! the same), by `rand::seq::index::sample` on [`kmeans::rng`]`(seed, 2, c, 0)`, and kept in
//! raster order; the draws are stacked in case order. [`kmeans::kmeans`] (greedy k-means++ from
//! the seed, Lloyd iterations to a fixed point, `nInit` restarts, best inertia) clusters them.
//! With `k` unset, every `k ∈ [kMin, kMax]` is fitted and scored on these training voxels —
//! the mean silhouette on `min(silhouetteSampleSize, n)` of them drawn by
//! `rng(seed, 3, 0, 0)` (the same subset for every k), or the Calinski–Harabasz index on all —
//! and the highest score wins (ties: the smaller k; a k whose score cannot be computed is
//! skipped). The centroids are then put in **canonical order**: ascending by their first
//! component (the first voxel feature of the first sequence, standardised), ties broken by the
//! next components; habitat `h` is the `h`-th centroid. With the default features, habitat 1
//! is the darkest. Labels therefore do not depend on k-means' internal numbering, and two seeds
//! that reach the same partition give the same map. Two habitats whose centroids nearly share
//! their first component (e.g. two habitats of equal brightness split by texture) can still
//! swap order between seeds or training sets; put the most telling feature first.
//!
//! Assignment: a voxel goes to the centroid nearest in squared Euclidean distance of its
//! standardised features (ties: the lower habitat). Voxel features, sums and draws are
//! computed in a fixed order whatever the thread count, so the same seed gives the same model
//! and maps bit for bit.
//!
//! # Habitat features and column names
//!
//! For habitat `h` (1-based), in this order:
//!
//! - descriptors, computed on the habitat map: `habitat<h>_descriptor_VolumeFraction`
//!   (`n_h / |M|`), `habitat<h>_descriptor_ConnectedComponents` (number of 26-connected
//!   components of the habitat's voxels, see [`components::connected_components`]; 0 when
//!   empty), `habitat<h>_descriptor_LargestComponentFraction` (voxels of the largest
//!   component / `n_h`; 0 when empty), then where the habitat lies, in physical space (mm,
//!   from the mask's spacing, direction and origin; [`spatial`]):
//!   `habitat<h>_descriptor_CentroidOffset` (`‖c_h − c_M‖₂`, the distance between the
//!   centroids of the habitat's voxel centres and of the whole mask's,
//!   [`spatial::centroid_offset`]) and `habitat<h>_descriptor_CentroidOffsetNormalized` (that
//!   distance over the mask's equivalent-sphere radius `∛(3V/(4π))`, `V` = mask voxels × voxel
//!   volume, [`spatial::centroid_offset_normalized`]); both missing (`None`) when the habitat
//!   is empty in the case. A habitat displaced to one side of the lesion (an eccentric
//!   necrotic core) has a large offset even where its volume, intensities and texture are
//!   those of a centred one;
//! - for each sequence `s`, the extractor's columns on the habitat's sub-mask:
//!   `habitat<h>_<s>_<column>`, e.g. `habitat1_T1_original_glcm_Contrast`, or
//!   `habitat<h>_<column>` (`habitat1_original_glcm_Contrast`) when the case's only sequence is
//!   unnamed (`""`, a plain `Image`/`Mask` manifest). These are computed by
//!   [`Extractor::extract_image_types`] on the sequence's full image with the habitat map as the
//!   label map and `label = h`: exactly the whole-tumour pipeline (normalisation, resampling,
//!   mask checks, re-segmentation, every enabled class, shape included) restricted to the
//!   habitat.
//!
//! **Missing values.** A habitat may be absent or tiny in a patient. Its descriptors are always
//! given, except the two centroid offsets of an empty habitat (`None`: the centroid of no
//! voxel is undefined). Its family features are *missing* — `None` in
//! [`HabitatFeatures::features`], never NaN and never a made-up number — when it has fewer
//! than `minimumHabitatVoxels` voxels, or when the extractor refuses its sub-mask for being
//! too small (its ROI checks: a single voxel, fewer than `minimumROIDimensions` dimensions,
//! not more than `minimumROISize` voxels, or a class that cannot be computed on it). Every
//! missing group is listed with its reason in [`HabitatFeatures::missing`]. A table writer
//! turns `None` into a null cell; the fusion step must impute (e.g. the training median) or
//! drop those columns before fitting a model. Any other extractor error (unreadable settings,
//! non-finite image) is an error.

pub mod components;
pub mod criteria;
pub mod kmeans;
pub mod settings;
pub mod spatial;
mod voxel;

use std::borrow::Borrow;
use std::path::Path;

use ndarray::{Array2, Array3, s};
use radlsig_volume::{
    BoundingBox, GeometryTolerance, Mask, PixelType, Volume, check_geometry, read_volume,
    write_atomically, write_volume,
};
use rand::seq::index;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use settings::{
    CaseNormalization, Criterion, HabitatCount, HabitatSettings, RawHabitatSettings, VoxelFeature,
};
pub use voxel::Standardization;

use crate::extractor::Extractor;
use crate::settings::{ExtractionSettings, ImageType};
use crate::{Error, Result};
use voxel::{CaseVoxels, Moments, VoxelPlan};

/// The habitat descriptors, in output order (column `habitat<h>_descriptor_<name>`).
pub const DESCRIPTORS: [&str; 5] = [
    "VolumeFraction",
    "ConnectedComponents",
    "LargestComponentFraction",
    "CentroidOffset",
    "CentroidOffsetNormalized",
];

/// The format tag of a saved [`HabitatModel`].
pub const MODEL_FORMAT: &str = "radlsig-habitat-model/1";

/// Stream purposes of the seeded draws (see the module docs).
const PURPOSE_CASE_VOXELS: u64 = 2;
const PURPOSE_SILHOUETTE: u64 = 3;

/// One patient: co-registered images (sequences) and the tumour mask.
#[derive(Debug, Clone)]
pub struct HabitatCase {
    id: String,
    images: Vec<(String, Volume)>,
    mask: Mask,
    bbox: BoundingBox,
}

impl HabitatCase {
    /// A case from named images (sequence name → image; `""` for a single unnamed one) and
    /// the tumour mask.
    ///
    /// Fails, naming the case `id` and the sequence, when there is no image, a name repeats,
    /// an image holds non-finite values, an image is not on the mask's grid (same array shape,
    /// and spacing, origin and direction within ITK's default tolerance — resample or
    /// `correctMask` first), or the mask is empty.
    pub fn new(id: impl Into<String>, images: Vec<(String, Volume)>, mask: Mask) -> Result<Self> {
        let id = id.into();
        if images.is_empty() {
            return Err(Error::Roi(format!("case {id}: no image")));
        }
        for (i, (name, image)) in images.iter().enumerate() {
            if images[..i].iter().any(|(n, _)| n == name) {
                return Err(Error::Roi(format!("case {id}: sequence {name:?} given twice")));
            }
            let what = format!("case {id} sequence {name:?}");
            image.check_finite(&what)?;
            check_geometry(
                image.geometry(),
                mask.geometry(),
                GeometryTolerance::default(),
                &format!("{what} image"),
                &format!("case {id} mask"),
            )?;
        }
        let bbox = mask
            .bounding_box()
            .ok_or_else(|| Error::Roi(format!("case {id}: the mask selects no voxel")))?;
        Ok(HabitatCase { id, images, mask, bbox })
    }

    /// A case with one unnamed sequence.
    pub fn single(id: impl Into<String>, image: Volume, mask: Mask) -> Result<Self> {
        HabitatCase::new(id, vec![(String::new(), image)], mask)
    }

    /// Reads a case from files (NRRD or NIfTI): `(sequence name, image path)` pairs and one
    /// label map whose voxels equal to `label` are the tumour (for a multi-sequence manifest,
    /// the first sequence's mask). Errors name the case and the files.
    pub fn read(
        id: impl Into<String>,
        images: &[(String, std::path::PathBuf)],
        mask: &Path,
        label: i64,
    ) -> Result<Self> {
        let id = id.into();
        let labels = read_volume(mask)?;
        let mask_volume = Mask::from_labels(&labels, label, &mask.display().to_string())?;
        let volumes = images
            .iter()
            .map(|(name, path)| Ok((name.clone(), read_volume(path)?)))
            .collect::<Result<Vec<_>>>()?;
        HabitatCase::new(id.clone(), volumes, mask_volume).map_err(|e| {
            let files: Vec<String> = images.iter().map(|(_, p)| p.display().to_string()).collect();
            Error::Input {
                what: format!("{} with mask {}", files.join(", "), mask.display()),
                inner: Box::new(e),
            }
        })
    }

    /// The case identifier (used in messages).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The sequence names, in the order given.
    pub fn sequences(&self) -> impl Iterator<Item = &str> {
        self.images.iter().map(|(n, _)| n.as_str())
    }

    /// The image of sequence `name`.
    pub fn image(&self, name: &str) -> Option<&Volume> {
        self.images.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The tumour mask.
    pub fn mask(&self) -> &Mask {
        &self.mask
    }

    /// The images of `sequences`, in that order; fails naming the first one missing.
    fn images_of(&self, sequences: &[String]) -> Result<Vec<&Volume>> {
        sequences
            .iter()
            .map(|s| {
                self.image(s).ok_or_else(|| {
                    let have: Vec<&str> = self.sequences().collect();
                    Error::Roi(format!(
                        "case {}: no sequence {s:?} (the case has {have:?})",
                        self.id
                    ))
                })
            })
            .collect()
    }

    /// The mask cropped to its bounding box.
    fn mask_crop(&self) -> ndarray::ArrayView3<'_, bool> {
        let (lo, hi) = (self.bbox.lower, self.bbox.upper);
        self.mask.data().slice(s![lo[0]..=hi[0], lo[1]..=hi[1], lo[2]..=hi[2]])
    }
}

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
    format: String,
    settings: HabitatSettings,
    sequences: Vec<String>,
    /// Pooled training grey-level scale per sequence (entropy bins).
    intensity_scales: Vec<Standardization>,
    voxel_feature_names: Vec<String>,
    standardization: Vec<Standardization>,
    k: usize,
    /// `k` rows of standardised voxel features, in canonical order.
    centroids: Vec<Vec<f64>>,
    selection: Vec<KScore>,
    training_cases: usize,
    pooled_voxels: usize,
}

/// A habitat label map: `1..=k` inside the mask, 0 outside, on the mask's grid.
#[derive(Debug, Clone, PartialEq)]
pub struct HabitatMap {
    labels: Volume,
    k: usize,
    counts: Vec<usize>,
}

impl HabitatMap {
    /// The label volume (pixel type `UInt8`).
    pub fn labels(&self) -> &Volume {
        &self.labels
    }
    /// Number of habitats of the model.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Voxels per habitat (index `h − 1`).
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }
    /// The label of voxel `[z, y, x]` (0 outside the mask).
    pub fn label(&self, index: [usize; 3]) -> u8 {
        self.labels.data()[index] as u8
    }
    /// The mask of habitat `h` (1-based).
    pub fn habitat_mask(&self, h: usize) -> Result<Mask> {
        let target = h as f64;
        Ok(Mask::new(self.labels.data().mapv(|v| v == target), *self.labels.geometry())?)
    }
    /// Writes the map (NIfTI `.nii`/`.nii.gz` or NRRD by extension, atomically).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        Ok(write_volume(&self.labels, path)?)
    }
}

/// Why a habitat's family features are missing in a case.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingHabitat {
    /// The habitat (1-based).
    pub habitat: usize,
    /// The sequence.
    pub sequence: String,
    /// The reason, e.g. "habitat has 3 voxels (minimumHabitatVoxels is 27)".
    pub reason: String,
}

/// The habitat features of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct HabitatFeatures {
    /// (column, value) in output order; `None` = missing (module docs).
    pub features: Vec<(String, Option<f64>)>,
    /// The habitat/sequence groups whose family features are missing, with reasons.
    pub missing: Vec<MissingHabitat>,
}

impl HabitatFeatures {
    /// The value of column `name`: `None` when there is no such column, `Some(None)` when it
    /// is missing for this case.
    pub fn get(&self, name: &str) -> Option<Option<f64>> {
        self.features.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
    /// The column names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.features.iter().map(|(n, _)| n.as_str())
    }
}

/// The columns of one extraction with `settings`, in the extractor's output order: the shape
/// classes first, then the other classes per image type.
fn extractor_columns(settings: &ExtractionSettings) -> Vec<String> {
    let mut names = Vec::new();
    let prefix = |t: ImageType| match t {
        ImageType::Original => "original".to_string(),
        other => other.name().to_lowercase(),
    };
    for (class, selection) in settings.feature_classes().iter().filter(|(c, _)| c.is_shape()) {
        for f in selection.names(*class) {
            names.push(format!("original_{}_{f}", class.name()));
        }
    }
    for it in settings.image_types() {
        for (class, selection) in settings.feature_classes().iter().filter(|(c, _)| !c.is_shape()) {
            for f in selection.names(*class) {
                names.push(format!("{}_{}_{f}", prefix(it.image_type), class.name()));
            }
        }
    }
    names
}

/// Whether an extractor error means "this sub-mask is too small" (a missing value) rather
/// than a real failure.
fn is_too_small(e: &Error) -> bool {
    match e {
        Error::Input { inner, .. } => is_too_small(inner),
        Error::Roi(_) => true,
        Error::Volume(radlsig_volume::Error::EmptyMask { .. }) => true,
        _ => false,
    }
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
            return Err(Error::Roi("habitats: no training case to fit on".into()));
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
        let plan = VoxelPlan {
            features,
            radius: settings.radius() as usize,
            entropy_bins: intensity_scales
                .iter()
                .map(|s| (*s, settings.entropy_bin_width() * s.scale))
                .collect(),
        };

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
        VoxelPlan {
            features: self.settings.voxel_features(),
            radius: self.settings.radius() as usize,
            entropy_bins: self
                .intensity_scales
                .iter()
                .map(|s| (*s, self.settings.entropy_bin_width() * s.scale))
                .collect(),
        }
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

    /// The habitat feature columns for `extractor`'s settings, in output order (module docs).
    pub fn feature_names(&self, extractor: &Extractor) -> Vec<String> {
        let columns = extractor_columns(extractor.settings());
        let mut names = Vec::new();
        for h in 1..=self.k {
            for d in DESCRIPTORS {
                names.push(format!("habitat{h}_descriptor_{d}"));
            }
            for s in &self.sequences {
                for c in &columns {
                    names.push(column_name(h, s, c));
                }
            }
        }
        names
    }

    /// The habitat features of `case` given its map (from [`assign`](Self::assign)); the
    /// extractor supplies the feature families and their settings (its `label` is replaced by
    /// each habitat's).
    pub fn features(
        &self,
        case: &HabitatCase,
        map: &HabitatMap,
        extractor: &Extractor,
    ) -> Result<HabitatFeatures> {
        if map.k != self.k || map.labels.geometry() != case.mask.geometry() {
            return Err(Error::Roi(format!(
                "case {}: the habitat map (k = {}) was not made by this model (k = {}) for this case",
                case.id, map.k, self.k
            )));
        }
        let images = case.images_of(&self.sequences)?;
        let columns = extractor_columns(extractor.settings());
        let min_voxels = self.settings.minimum_habitat_voxels();

        // Family features per (habitat, sequence), in parallel, kept in order.
        let jobs: Vec<(usize, usize)> =
            (1..=self.k).flat_map(|h| (0..self.sequences.len()).map(move |s| (h, s))).collect();
        let results: Vec<std::result::Result<Vec<f64>, String>> = jobs
            .par_iter()
            .map(|&(h, s)| -> Result<std::result::Result<Vec<f64>, String>> {
                let n_h = map.counts[h - 1];
                if n_h < min_voxels {
                    return Ok(Err(format!(
                        "habitat has {n_h} voxels (minimumHabitatVoxels is {min_voxels})"
                    )));
                }
                let settings = extractor.settings().clone().with_label(h as i64)?;
                let per_habitat = Extractor::new(settings)?;
                let sequence = &self.sequences[s];
                let image_name = format!("case {} sequence {sequence:?}", case.id);
                let map_name = format!("case {} habitat map (habitat {h})", case.id);
                match per_habitat.extract_image_types(images[s], &map.labels, &image_name, &map_name)
                {
                    Ok(extraction) => {
                        let fv = extraction.into_feature_vector();
                        if !fv.names().eq(columns.iter().map(String::as_str)) {
                            return Err(Error::Settings(format!(
                                "case {}: the extractor's columns differ from the habitat column list",
                                case.id
                            )));
                        }
                        Ok(Ok(fv.features.into_iter().map(|(_, v)| v).collect()))
                    }
                    Err(e) if is_too_small(&e) => Ok(Err(e.to_string())),
                    Err(e) => Err(e),
                }
            })
            .collect::<Result<_>>()?;

        // Descriptors, then families, per habitat.
        let crop = |a: &Array3<f64>| {
            let (lo, hi) = (case.bbox.lower, case.bbox.upper);
            a.slice(s![lo[0]..=hi[0], lo[1]..=hi[1], lo[2]..=hi[2]]).to_owned()
        };
        let labels_crop = crop(map.labels.data());
        let roi = case.mask_crop();
        let geometry = case.mask.geometry();
        let total = case.mask.count() as f64;
        let mut features = Vec::new();
        let mut missing = Vec::new();
        let mut results = results.into_iter();
        for h in 1..=self.k {
            let n_h = map.counts[h - 1];
            let region = labels_crop.mapv(|v| v == h as f64);
            let sizes = components::connected_components(region.view());
            let largest = sizes.iter().copied().max().unwrap_or(0);
            let lower = case.bbox.lower;
            let descriptors = [
                Some(n_h as f64 / total),
                Some(sizes.len() as f64),
                Some(if n_h == 0 { 0.0 } else { largest as f64 / n_h as f64 }),
                spatial::centroid_offset(region.view(), roi, lower, geometry),
                spatial::centroid_offset_normalized(region.view(), roi, lower, geometry),
            ];
            for (d, v) in DESCRIPTORS.iter().zip(descriptors) {
                features.push((format!("habitat{h}_descriptor_{d}"), v));
            }
            for sequence in &self.sequences {
                match results.next() {
                    Some(Ok(values)) => {
                        for (c, v) in columns.iter().zip(values) {
                            features.push((column_name(h, sequence, c), Some(v)));
                        }
                    }
                    Some(Err(reason)) => {
                        for c in &columns {
                            features.push((column_name(h, sequence, c), None));
                        }
                        missing.push(MissingHabitat {
                            habitat: h,
                            sequence: sequence.clone(),
                            reason,
                        });
                    }
                    None => unreachable!("one result per habitat and sequence"),
                }
            }
        }
        Ok(HabitatFeatures { features, missing })
    }

    /// [`assign`](Self::assign) then [`features`](Self::features).
    pub fn extract_case(
        &self,
        case: &HabitatCase,
        extractor: &Extractor,
    ) -> Result<(HabitatMap, HabitatFeatures)> {
        let map = self.assign(case)?;
        let features = self.features(case, &map, extractor)?;
        Ok((map, features))
    }

    /// The model as JSON (floats round-trip exactly).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a habitat model always serialises")
    }

    /// A model from JSON; `what` names the source in errors. Checks the format tag and that
    /// the dimensions agree.
    pub fn from_json(text: &str, what: &str) -> Result<HabitatModel> {
        let bad = |msg: String| Error::Input {
            what: what.to_string(),
            inner: Box::new(Error::Settings(msg)),
        };
        let model: HabitatModel =
            serde_json::from_str(text).map_err(|e| bad(format!("not a habitat model: {e}")))?;
        if model.format != MODEL_FORMAT {
            return Err(bad(format!("format {:?} is not {MODEL_FORMAT:?}", model.format)));
        }
        let width = model.sequences.len() * model.settings.voxel_features().len();
        let consistent = model.k == model.centroids.len()
            && (2..=settings::MAX_HABITATS).contains(&model.k)
            && model.intensity_scales.len() == model.sequences.len()
            && model.standardization.len() == width
            && model.voxel_feature_names.len() == width
            && model.centroids.iter().all(|c| c.len() == width && c.iter().all(|v| v.is_finite()))
            && model.standardization.iter().all(|s| s.scale > 0.0 && s.center.is_finite());
        if !consistent {
            return Err(bad("the model's dimensions or values are inconsistent".into()));
        }
        Ok(model)
    }

    /// Writes the model as JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = self.to_json();
        write_atomically(path, |tmp| -> Result<()> {
            std::fs::write(tmp, json.as_bytes()).map_err(|source| {
                Error::Volume(radlsig_volume::Error::Io { path: path.to_path_buf(), source })
            })
        })
    }

    /// Reads a model written by [`save`](Self::save); errors name the file.
    pub fn load(path: &Path) -> Result<HabitatModel> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            Error::Volume(radlsig_volume::Error::Io { path: path.to_path_buf(), source })
        })?;
        HabitatModel::from_json(&text, &path.display().to_string())
    }
}

/// `habitat<h>_<sequence>_<column>`, or `habitat<h>_<column>` for the unnamed sequence.
fn column_name(h: usize, sequence: &str, column: &str) -> String {
    if sequence.is_empty() {
        format!("habitat{h}_{column}")
    } else {
        format!("habitat{h}_{sequence}_{column}")
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
            .map_err(|e| Error::Roi(format!("habitats: {e} (pooled training voxels)")))
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
            let fits: Vec<(kmeans::KMeans, KScore)> = (min..=max)
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
            let best = best.ok_or_else(|| {
                Error::Roi(format!(
                    "habitats: no k in {min}..={max} could be scored on the pooled training voxels"
                ))
            })?;
            let fit = fits
                .into_iter()
                .nth(best)
                .map(|(f, _)| f)
                .ok_or_else(|| Error::Roi("habitats: internal error choosing k".into()))?;
            Ok((fit, scores))
        }
    }
}
