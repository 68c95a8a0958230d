//! radlsig experiments: RAsig, DLsig and RADLsig from one configuration
//! (`experiments/NAME.toml`), as `radlsig run` and `radlsig demo` run them.
//!
//! - [`ExperimentConfig`] is the file as written (serde, unknown keys rejected by name);
//!   [`Experiment`] is the checked plan built from it once (`TryFrom<ExperimentConfig>`: every
//!   value and cross-reference, the radiomics, habitat and CNN settings, the device).
//! - [`run_experiment`] runs the stages in order into `runs/NAME`, reporting progress to an
//!   [`Observer`]:
//!   1. **check** — [`Cohort::load`]: the manifest (every file present, every case labelled),
//!      the fits (both classes in every split), the CNN's channels, the thread count, and the
//!      cohort digest (against the lock when replaying one).
//!   2. **features** — handcrafted radiomics of every case (`features.parquet`).
//!   3. **cnn** — the 3D CNN trained on the training rows of each fit, then the embeddings and
//!      `dl_prob` of every case (`embeddings.parquet`).
//!   4. **signatures** — every configured signature fitted on the training rows only
//!      (`signature.json`) and applied to every row (`predictions.parquet`: ID, fit, split,
//!      label, signature, linear_predictor, score).
//!   5. **evaluation** — AUC with CIs, sensitivity/specificity at the training Youden
//!      threshold, DeLong comparisons (`metrics.csv`, `comparisons.csv`, `roc.csv`, `roc.svg`,
//!      `calibration.svg`), `report.html`, and [`Lock`] (`run.lock.toml`), from which a run is
//!      replayed exactly.
//!
//! A multi-class outcome (`[cohort] classes`) takes stages 4 and 5 from `multiclass`:
//! one-vs-rest signatures, Hand & Till and macro AUCs with bootstrap CIs, per-class DeLong CIs,
//! paired bootstrap differences, and its own report.
//!
//! The features, CNN and embedding stages are cached in `runs/NAME/cache/` under a SHA-256 of
//! everything they depend on (the bytes of the running executable and of the manifest and
//! every image and mask, the settings, the training rows): a re-run of the same build skips
//! them, and a changed setting re-runs only the stages that depend on it. Signatures and
//! evaluation take well under a second and always run. An interrupted CNN stage resumes from
//! its last epoch checkpoint.
//!
//! Outputs are written to temporary files and renamed; every table is byte-identical between
//! two runs of the same config on the same thread count (nothing time-dependent is written).
//!
//! ```no_run
//! use radlsig_experiment::{Experiment, Quiet, run_experiment};
//!
//! let experiment = Experiment::from_file("experiments/demo.toml".as_ref())?;
//! let summary = run_experiment(&experiment, "runs".as_ref(), None, &Quiet)?;
//! print!("{}", summary.text());
//! # Ok::<(), radlsig_experiment::Error>(())
//! ```

#![deny(missing_docs)]

mod cache;
mod cnn;
mod cohort;
mod config;
mod demo;
mod error;
mod evaluation;
mod explanations;
mod extract;
mod features;
mod fits;
mod lock;
mod multiclass;
mod observer;
mod plan;
mod report;
mod run;
mod signatures;
pub mod tables;

pub use cnn::{EpochTable, embed_manifest, train_on_manifest};
pub use cohort::Cohort;
pub use config::{
    ClinicalSection, CnnSection, CohortSection, EvaluationSection, ExperimentConfig,
    RadiomicsSection, SplitConfig,
};
pub use demo::{DEMO_TOML, demo_experiment, ensure_demo_cohort};
pub use error::{Error, Result};
pub use extract::{ExtractInput, ExtractOutcome, ExtractRequest, extract};
pub use features::{batch_frame, cohort_frame, feature_frame, write_feature_table};
pub use fits::Fit;
pub use lock::Lock;
pub use observer::{Observer, Quiet};
pub use plan::{CnnPlan, Experiment, RadiomicsPlan};
pub use run::{RunSummary, run_experiment};
pub use signatures::column_name;
