//! `radlsig demo`, README's main command: the default synthetic cohort (`radlsig synth`
//! defaults: seed 1, 200 cases of 64×64×24 voxels, 3 centres, planted global and spatial
//! signal) and `experiments/demo.toml` run on it.

use std::path::{Path, PathBuf};

use radlsig_cohort::{Manifest, SynthConfig, generate};

use crate::config::ExperimentConfig;
use crate::error::{Error, Result};
use crate::observer::Observer;
use crate::plan::Experiment;

/// The demo experiment (the same text as `experiments/demo.toml`, compiled in).
pub const DEMO_TOML: &str = include_str!("../../../experiments/demo.toml");

/// Makes the demo cohort in `dir` unless it already holds one; returns its manifest path and,
/// when it was made now, its number of cases. A folder with a `manifest.csv` that does not
/// load is an error (never overwritten).
pub fn ensure_demo_cohort(dir: &Path, observer: &dyn Observer) -> Result<(PathBuf, Option<usize>)> {
    let manifest = dir.join("manifest.csv");
    if manifest.exists() {
        Manifest::load(&manifest).map_err(|source| Error::Manifest {
            context: "the demo cohort is not usable (remove its folder to remake it):".into(),
            path: manifest.clone(),
            source: Box::new(source),
        })?;
        return Ok((manifest, None));
    }
    let config = SynthConfig::default();
    observer.begin("synth", config.cases);
    let made = generate(&config, dir, false, &|| observer.advance());
    observer.end();
    made.map_err(|source| Error::Manifest {
        context: "making the demo cohort in".into(),
        path: dir.to_path_buf(),
        source: Box::new(source),
    })?;
    Ok((manifest, Some(config.cases)))
}

/// The demo experiment on the cohort of `manifest`, named `demo`, on `threads` CPU threads.
pub fn demo_experiment(manifest: PathBuf, threads: Option<usize>) -> Result<Experiment> {
    let mut config = ExperimentConfig::from_toml_str(
        DEMO_TOML,
        Path::new("experiments/demo.toml"),
        Path::new("experiments"),
    )?;
    config.name = Some("demo".into());
    config.cohort.manifest = manifest;
    if let (Some(cnn), Some(n)) = (&mut config.cnn, threads) {
        cnn.threads = Some(n);
    }
    Experiment::try_from(config)
}
