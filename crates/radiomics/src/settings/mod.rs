//! Extraction settings: PyRadiomics parameter files, checked once before any volume is read.
//!
//! A parameter file has up to four top-level keys, as in PyRadiomics:
//!
//! ```yaml
//! setting:        # preprocessing and feature settings (binWidth, label, resampledPixelSpacing, …)
//!   binWidth: 25
//! imageType:      # the images features are computed on, with per-image-type setting overrides
//!   Original: {}
//! featureClass:   # the feature classes, each with all (non-deprecated) features or a list
//!   shape:
//!   firstorder: []
//!   glcm: [Contrast, Correlation]
//! voxelSetting:   # voxel-based extraction (parsed; radlsig extracts segment-based features)
//!   kernelRadius: 2
//! ```
//!
//! Parsing has two stages. [`RawParams`] mirrors the file: serde with PyRadiomics' key names and
//! `deny_unknown_fields`, so a misspelt key is an error that names it (it is public so that
//! experiment configs can embed the same table, in YAML, TOML or JSON). [`ExtractionSettings`] is the
//! checked plan made from it by `TryFrom`: every range of PyRadiomics' `paramSchema.yaml` is
//! checked, all problems are reported at once, feature class and feature names are checked
//! against the implemented families, and PyRadiomics' defaults (`_getDefaultSettings` and the
//! feature classes' own defaults) are filled in — in [`RawSettings::pyradiomics_defaults`], the
//! one place they live.
//!
//! Differences from PyRadiomics, all in the direction of refusing instead of guessing:
//! `resampledPixelSpacing` with `interpolator: null` (PyRadiomics silently skips resampling),
//! `featureClass: shape2D` without `force2D` (PyRadiomics logs a warning and skips it), vector
//! masks (`label_channel` other than 0), and per-image-type overrides of preprocessing settings
//! (PyRadiomics ignores them) are errors. When a parameter file has no `featureClass`, all
//! classes are enabled as in PyRadiomics, except that `shape2D` is enabled only with `force2D`
//! (where PyRadiomics would skip it with a warning).
//!
//! The module is split by stage: [`raw`] holds the serde types with PyRadiomics' key names,
//! [`checked`] the types the library takes, and `checks` the schema and range checks that
//! turn the first into the second.

pub mod checked;
mod checks;
pub mod raw;

pub use checked::{
    ExtractionSettings, FeatureClass, FeatureSelection, FeatureSettings, FilterSettings, ImageType,
    ImageTypeSettings, Normalization, Resampling, Resegmentation, VoxelSettings,
};
pub use raw::{OrderedMap, RawFloat, RawInterpolator, RawParams, RawSettings, RawVoxelSettings};
