//! From a cohort manifest to preprocessed samples: which cases train, which validate, which
//! sequences become channels, and reading plus preprocessing (cached, in parallel).

use radlsig_cohort::{Case, Manifest};
use radlsig_volume::GeometryTolerance;
use rayon::prelude::*;

use crate::preprocess::{CaseImages, PreprocessCache, PreprocessConfig, Sample, preprocess};
use crate::{Error, Result};

/// The cases of a manifest by their role in training.
#[derive(Debug, Clone, Default)]
pub struct CohortSplit<'a> {
    /// `split` empty or `train`: used for optimisation (and the inner validation split when
    /// there are no validation cases).
    pub train: Vec<&'a Case>,
    /// `split` = `val` or `validation`: used for early stopping only.
    pub validation: Vec<&'a Case>,
    /// Every other split (`test`, external sets, …): never seen by training.
    pub held_out: Vec<&'a Case>,
}

/// Sorts a manifest's cases by split; see [`CohortSplit`].
pub fn split_cases(manifest: &Manifest) -> CohortSplit<'_> {
    let mut split = CohortSplit::default();
    for case in &manifest.cases {
        match case.split.as_deref() {
            None | Some("train") => split.train.push(case),
            Some("val" | "validation") => split.validation.push(case),
            Some(_) => split.held_out.push(case),
        }
    }
    split
}

/// The sequences used as channels: the configured ones (each must be in the manifest), or
/// every sequence of the manifest, in column order.
pub fn resolve_sequences(config: &PreprocessConfig, manifest: &Manifest) -> Result<Vec<String>> {
    if config.sequences.is_empty() {
        return Ok(manifest.sequences.clone());
    }
    let missing: Vec<&String> =
        config.sequences.iter().filter(|s| !manifest.sequences.contains(s)).collect();
    if !missing.is_empty() {
        let name = |s: &String| {
            if s.is_empty() { "Image (unnamed)".to_string() } else { format!("Image:{s}") }
        };
        return Err(Error::Data(format!(
            "{}: preprocess.sequences names {} but the manifest has {}",
            manifest.path.display(),
            missing.iter().map(|s| name(s)).collect::<Vec<_>>().join(", "),
            manifest.sequences.iter().map(name).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(config.sequences.clone())
}

/// Reads a case's images (one per sequence, in order) and the mask of the first sequence,
/// selecting `label`. Every error names the case.
pub fn read_case(case: &Case, sequences: &[String], label: i64) -> Result<CaseImages> {
    let case_error = |reason: String| Error::Case { case: case.id.clone(), reason };
    let mut images = Vec::with_capacity(sequences.len());
    let mut mask = None;
    for sequence in sequences {
        let pair = case
            .images
            .get(sequence)
            .ok_or_else(|| case_error(format!("no image for sequence {sequence:?}")))?;
        let (image, m) = pair.read(label, GeometryTolerance::default()).map_err(|e| match e {
            radlsig_cohort::Error::Volume(radlsig_volume::Error::EmptyMask { .. }) => {
                Error::EmptyMask { case: case.id.clone() }
            }
            other => case_error(other.to_string()),
        })?;
        images.push(image);
        mask.get_or_insert(m);
    }
    let mask = mask.ok_or_else(|| case_error("no sequence to read".into()))?;
    Ok(CaseImages { id: case.id.clone(), label: case.label, images, mask })
}

/// Reads and preprocesses `cases` in parallel (results in input order), through `cache` when
/// given; `progress` is called once per finished case.
pub fn prepare_samples(
    cases: &[&Case],
    sequences: &[String],
    config: &PreprocessConfig,
    label: i64,
    cache: Option<&PreprocessCache>,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<Sample>> {
    let mut config = config.clone();
    config.sequences = sequences.to_vec();
    cases
        .par_iter()
        .map(|case| {
            let compute = || preprocess(&read_case(case, sequences, label)?, &config);
            let volume = match cache {
                Some(cache) => {
                    let mut files = Vec::new();
                    for s in sequences {
                        if let Some(pair) = case.images.get(s) {
                            files.push(pair.image.as_path());
                            files.push(pair.mask.as_path());
                        }
                    }
                    let key = PreprocessCache::key(
                        &config,
                        &format!("{}\u{1}label={label}", case.id),
                        &files,
                    )
                    .map_err(|e| Error::Case { case: case.id.clone(), reason: e.to_string() })?;
                    cache.get_or_insert(&key, compute)?
                }
                None => compute()?,
            };
            progress();
            Ok(Sample { id: case.id.clone(), label: case.label, volume })
        })
        .collect()
}
