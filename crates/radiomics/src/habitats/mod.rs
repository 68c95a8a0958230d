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

mod case;
pub mod components;
pub mod criteria;
mod features;
pub mod kmeans;
mod map;
mod model;
mod persist;
pub mod settings;
pub mod spatial;
mod voxel;

pub use case::HabitatCase;
pub use features::{DESCRIPTORS, HabitatFeatures, MissingHabitat};
pub use map::HabitatMap;
pub use model::{HabitatModel, KScore};
pub use persist::MODEL_FORMAT;
pub use settings::{
    CaseNormalization, Criterion, HabitatCount, HabitatSettings, RawHabitatSettings, VoxelFeature,
    read_habitat_settings,
};
pub use voxel::Standardization;
