//! `radlsig extract`: the features stage on its own, for one case, a PyRadiomics batch CSV or a
//! radlsig cohort manifest, written as one CSV or Parquet table.
//!
//! - **One case** (`Image`, `Mask`, then the features in PyRadiomics' order).
//! - **A batch** (`radlsig_radiomics::batch`): every manifest column carried, then the features.
//! - **A cohort** (`radlsig_radiomics::cohort`): `ID`, then `label`, `split`, `center` where some
//!   case has one, then the columns per sequence, per `pre`/`post` time point (with deltas) and
//!   per habitat, the habitat model fitted on the cases of one split.
//!
//! The mask label is, by precedence: a batch row's `Label` cell, the request's label, the
//! parameter file's `label`, then 1. A case that fails is reported (a note naming its row, files
//! and reason) and the others go on: the table holds the successful rows only, so that every
//! row is a complete feature vector. Nothing is written when every case fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use radlsig_cohort::Manifest;
use radlsig_radiomics::batch::{BatchManifest, FeatureTable};
use radlsig_radiomics::cohort::{CohortFeatureOptions, extract_cohort, fit_rows};
use radlsig_radiomics::habitats::read_habitat_settings;
use radlsig_radiomics::{ExtractionSettings, Extractor};

use crate::error::{Error, Result};
use crate::features::{cohort_frame, write_feature_table};
use crate::observer::Observer;
use crate::tables::{TableFormat, write_table};

/// What to extract features of.
#[derive(Debug, Clone)]
pub enum ExtractInput {
    /// One image and its mask.
    Case {
        /// The image (NRRD or NIfTI).
        image: PathBuf,
        /// The label map.
        mask: PathBuf,
    },
    /// PyRadiomics' batch CSV (`Image`, `Mask`, optionally `Label`).
    Batch(PathBuf),
    /// A radlsig cohort manifest.
    Cohort {
        /// The manifest.
        manifest: PathBuf,
        /// Habitat settings (YAML or TOML), for habitat features.
        habitats: Option<PathBuf>,
        /// The split the habitat model is fitted on (`all`: every case).
        fit_split: String,
        /// Folder for each case's habitat map and the fitted model (`habitat-model.json`).
        habitat_maps: Option<PathBuf>,
        /// `delta_`/`reldelta_` columns for a pre/post cohort.
        delta: bool,
    },
}

/// A `radlsig extract` run.
#[derive(Debug, Clone)]
pub struct ExtractRequest {
    /// The cases.
    pub input: ExtractInput,
    /// PyRadiomics parameter file (YAML); PyRadiomics' defaults when absent.
    pub params: Option<PathBuf>,
    /// Mask label overriding the parameter file's.
    pub label: Option<i64>,
    /// The output table, `.csv` or `.parquet`.
    pub out: PathBuf,
    /// Worker threads (`None`: all cores; 1: single-threaded).
    pub jobs: Option<usize>,
}

/// How many cases an extraction wrote and how many failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractOutcome {
    /// Cases asked for.
    pub cases: usize,
    /// Cases that failed (reported as notes, left out of the table).
    pub failed: usize,
}

/// Runs an extraction: checks everything that needs no volume first (the output's format and
/// folder, the settings, the thread count), then extracts and writes the table atomically.
pub fn extract(request: &ExtractRequest, observer: &dyn Observer) -> Result<ExtractOutcome> {
    let out = &request.out;
    TableFormat::of(out)?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        return Err(Error::TableContent {
            what: out.display().to_string(),
            reason: format!("output folder {} does not exist", parent.display()),
        });
    }
    let mut settings = match &request.params {
        Some(p) => ExtractionSettings::from_yaml_file(p)
            .map_err(|e| Error::radiomics(p.display().to_string(), e))?,
        None => ExtractionSettings::default(),
    };
    if let Some(label) = request.label {
        settings = settings.with_label(label).map_err(|e| Error::radiomics("--label", e))?;
    }
    let extractor = Extractor::new(settings).map_err(|e| match &request.params {
        Some(p) => Error::radiomics(p.display().to_string(), e),
        None => Error::radiomics("default settings", e),
    })?;
    if request.jobs == Some(0) {
        return Err(Error::Config {
            source_file: None,
            problems: vec!["--jobs must be at least 1".into()],
        });
    }
    if let ExtractInput::Cohort { manifest, habitats, fit_split, habitat_maps, delta } =
        &request.input
    {
        let options = CohortFeatureOptions {
            extractor,
            habitats: None,
            habitat_maps: habitat_maps.clone(),
            delta: *delta,
            jobs: request.jobs,
        };
        return cohort(manifest, habitats.as_deref(), fit_split, options, out, observer);
    }
    // One pool for everything: cases run in parallel in a batch, and the feature classes of a
    // case in parallel too (`jobs = 1` is fully single-threaded).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(request.jobs.unwrap_or(0))
        .build()
        .map_err(|e| Error::Config {
            source_file: None,
            problems: vec![format!("cannot start the worker threads: {e}")],
        })?;
    pool.install(|| match &request.input {
        ExtractInput::Case { image, mask } => {
            let fv =
                extractor.extract(image, mask).map_err(|e| Error::radiomics("extracting", e))?;
            let cell = |p: &Path| vec![Some(p.display().to_string())];
            let carried = vec![("Image".into(), cell(image)), ("Mask".into(), cell(mask))];
            let table = FeatureTable::new(carried, vec![fv])
                .map_err(|e| Error::radiomics("the feature table", e))?;
            write_feature_table(out, &table)?;
            Ok(ExtractOutcome { cases: 1, failed: 0 })
        }
        ExtractInput::Batch(path) => batch(path, &extractor, out, observer),
        ExtractInput::Cohort { .. } => unreachable!("handled above"),
    })
}

/// PyRadiomics' batch mode.
fn batch(
    path: &Path,
    extractor: &Extractor,
    out: &Path,
    observer: &dyn Observer,
) -> Result<ExtractOutcome> {
    let batch = BatchManifest::read(path).map_err(|e| Error::radiomics("the batch manifest", e))?;
    observer.begin("cases", batch.cases.len());
    let results = batch.extract(extractor, &|case, error| {
        if let Some(e) = error {
            observer.note(&format!(
                "error: case {} ({} line {}; image {}, mask {}): {}",
                case.row,
                path.display(),
                case.row + 1,
                case.image.display(),
                case.mask.display(),
                e.chain()
            ));
        }
        observer.advance();
    });
    observer.end();
    let (cases, failed) = (results.len(), results.iter().filter(|r| r.is_err()).count());
    if failed == cases {
        return Err(all_failed(cases, path));
    }
    let table = FeatureTable::from_batch(&batch, results)
        .map_err(|e| Error::radiomics("the feature table", e))?;
    write_feature_table(out, &table)?;
    Ok(ExtractOutcome { cases, failed })
}

/// A cohort manifest.
fn cohort(
    path: &Path,
    habitats: Option<&Path>,
    fit_split: &str,
    mut options: CohortFeatureOptions,
    out: &Path,
    observer: &dyn Observer,
) -> Result<ExtractOutcome> {
    options.habitats = habitats
        .map(read_habitat_settings)
        .transpose()
        .map_err(|e| Error::radiomics("--habitats", e))?;
    let manifest = Manifest::load(path).map_err(|source| Error::Manifest {
        context: "loading".into(),
        path: path.to_path_buf(),
        source: Box::new(source),
    })?;
    let fit_rows = match options.habitats {
        Some(_) => {
            fit_rows(&manifest, fit_split).map_err(|e| Error::radiomics("--fit-split", e))?
        }
        None => Vec::new(),
    };
    observer.begin("cases", manifest.cases.len());
    let features = extract_cohort(&manifest, &options, &fit_rows, &|| observer.advance());
    observer.end();
    let features = features.map_err(|e| Error::radiomics("feature extraction", e))?;
    for f in &features.failures {
        let (id, row) = (&f.id, f.row);
        observer.note(&format!("error: case {id} ({} row {row}): {}", path.display(), f.reason()));
    }
    if let Some(model) = &features.habitat_model {
        let (k, n) = (model.k(), features.habitat_fit_cases);
        observer
            .note(&format!("habitats: k = {k} fitted on {n} training cases (split {fit_split:?})"));
        if let Some(dir) = &options.habitat_maps {
            model
                .save(&dir.join("habitat-model.json"))
                .map_err(|e| Error::radiomics("the habitat model", e))?;
        }
    }
    if !features.habitat_gaps.is_empty() {
        let cases: BTreeSet<&str> = features.habitat_gaps.iter().map(|g| g.id.as_str()).collect();
        observer.note(&format!(
            "note: {} habitat feature groups of {} cases are empty cells (habitat absent or too small)",
            features.habitat_gaps.len(),
            cases.len()
        ));
    }
    let cases = manifest.cases.len();
    if features.ids.is_empty() {
        return Err(all_failed(cases, path));
    }
    write_table(out, &mut cohort_frame(&features, &manifest)?)?;
    Ok(ExtractOutcome { cases, failed: features.failures.len() })
}

fn all_failed(cases: usize, path: &Path) -> Error {
    Error::TableContent {
        what: path.display().to_string(),
        reason: format!("all {cases} cases failed; no output written"),
    }
}
