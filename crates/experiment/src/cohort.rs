//! The cohort of a run: the manifest, its labels, the fits, the CNN's channels, the thread
//! count and the cohort digest — everything read and checked after the configuration and
//! before the first stage.

use radlsig_cohort::Manifest;
use radlsig_deep::{TrainingConfig, resolve_sequences};

use crate::cache::cohort_digest;
use crate::error::{Error, Result};
use crate::fits::{Fit, plan_fits};
use crate::lock::Lock;
use crate::plan::Experiment;

/// A run's cohort, checked against its experiment.
#[derive(Debug, Clone)]
pub struct Cohort {
    /// The manifest.
    pub manifest: Manifest,
    /// The outcome of every case (0/1, or the class index of a multi-class outcome), in
    /// manifest order.
    pub labels: Vec<u8>,
    /// The classes of a multi-class outcome (`cohort.classes`), in label order.
    pub classes: Option<Vec<String>>,
    /// The model fits, in order.
    pub fits: Vec<Fit>,
    /// The manifest sequences the CNN takes as channels (empty without a CNN).
    pub sequences: Vec<String>,
    /// SHA-256 of the manifest and every image and mask.
    pub digest: String,
    /// Worker threads of the process.
    pub threads: usize,
    /// A warning for the log (the lock was written by another commit).
    pub warning: Option<String>,
}

impl Cohort {
    /// Loads the manifest of `experiment` and checks it: every file present, every case
    /// labelled, every split with both classes, the CNN's sequences in the manifest. Sets the
    /// process's thread count (the lock's, else the config's, else all cores; once per
    /// process) and, with a lock, checks the cohort's files against it.
    pub fn load(experiment: &Experiment, lock: Option<&Lock>) -> Result<Cohort> {
        let config = &experiment.config;
        let manifest_error = |source| Error::Manifest {
            context: "cohort.manifest".into(),
            path: config.cohort.manifest.clone(),
            source: Box::new(source),
        };
        let classes = config.cohort.classes.clone();
        let manifest = match &classes {
            None => Manifest::load(&config.cohort.manifest),
            Some(c) => Manifest::load_with_classes(&config.cohort.manifest, c),
        }
        .map_err(manifest_error)?;
        let labels = manifest.require_labels().map_err(manifest_error)?;
        let early = experiment.cnn.as_ref().and_then(|c| c.early_stopping_split.as_deref());
        let fits = plan_fits(config, &manifest, &labels, early)?;
        let sequences = match &experiment.cnn {
            Some(c) => resolve_sequences(&c.training.preprocess, &manifest)
                .map_err(|e| Error::deep("cnn", e))?,
            None => Vec::new(),
        };
        let wanted = lock.map(|l| l.threads).or(experiment.cnn.as_ref().and_then(|c| c.threads));
        if let Some(n) = wanted {
            // Fails only when the global pool already exists (then it is kept).
            let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
        }
        let threads = rayon::current_num_threads();
        if let Some(n) = wanted
            && n != threads
        {
            return Err(Error::Threads { wanted: n, have: threads });
        }
        let digest = cohort_digest(&manifest)?;
        let warning = match lock {
            Some(lock) => lock.check(&digest)?,
            None => None,
        };
        Ok(Cohort { manifest, labels, classes, fits, sequences, digest, threads, warning })
    }

    /// The CNN's training configuration with its channels resolved against this manifest.
    pub fn cnn_training(&self, experiment: &Experiment) -> Option<TrainingConfig> {
        experiment.cnn.as_ref().map(|c| {
            let mut training = c.training.clone();
            training.preprocess.sequences = self.sequences.clone();
            training
        })
    }

    /// Cases with label 1.
    pub fn positives(&self) -> usize {
        self.labels.iter().filter(|&&l| l == 1).count()
    }

    /// The cases of each class, as `name n` (`0 n, 1 n` for a 0/1 outcome).
    pub fn class_counts(&self) -> String {
        crate::config::class_names(self.classes.as_deref())
            .iter()
            .enumerate()
            .map(|(c, name)| {
                format!("{name} {}", self.labels.iter().filter(|&&l| usize::from(l) == c).count())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}
