//! Cohorts for radlsig: manifests, synthetic cohorts and importers.
//!
//! The main types:
//!
//! - [`Manifest`] — a cohort as a CSV with one row per patient ([`Case`]: ID, label, split,
//!   centre, clinical covariates and one [`ImagePair`] per sequence or time point), loaded with
//!   [`Manifest::load`], which reports every problem at once with its row, and written with
//!   [`Manifest::write`]. The format is documented in the [`manifest`] module and in
//!   `datasets/README.md`.
//! - [`SynthConfig`] — a seeded synthetic cohort with a planted label ([`LatentModel`]:
//!   a global part, a spatial part, optionally a delta part, and noise); [`generate`] writes it
//!   as NIfTI files, a manifest and `truth.csv`; [`SynthConfig::plan`] and
//!   [`CohortPlan::render`] give the same cases in memory.
//! - [`import_medmnist`] — a MedMNIST 3D `.npz` (AdrenalMNIST3D) as NIfTI files and a
//!   manifest keeping the official split.
//!
//! ```
//! use radlsig_cohort::SynthConfig;
//! let plan = SynthConfig { cases: 10, ..SynthConfig::default() }.plan().unwrap();
//! let case = plan.render(0).unwrap();
//! assert_eq!(case.geometry.size, [64, 64, 24]);
//! assert!(case.time_points[0].lesion.mask_voxels > 100);
//! ```
#![deny(missing_docs)]

mod error;
pub mod manifest;
mod medmnist;
pub mod synth;

pub use error::{Error, Problem, ProblemKind, Result};
pub use manifest::{Case, ImagePair, MAX_CLASSES, Manifest};
pub use medmnist::{MEDMNIST_SPLITS, MedMnistImport, MedMnistOptions, import_medmnist};
pub use synth::{
    CohortPlan, ImagingEffects, LatentModel, LatentShares, Scanner, Sequences, SynthConfig,
    TimePoints, generate, parse_grid_size, parse_split_fractions,
};
