//! `run.lock.toml`: the resolved configuration of a run with everything needed to replay it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cohort::Cohort;
use crate::config::ExperimentConfig;
use crate::error::{Error, Result};
use crate::plan::Experiment;

/// The burn version radlsig is built with (pinned in the workspace).
const BURN_VERSION: &str = "0.22.1";

/// The lock file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// radlsig version that wrote it.
    pub radlsig_version: String,
    /// Git commit of the radlsig source tree it was built from (`unknown` outside a checkout,
    /// `-dirty` with uncommitted changes).
    pub git_commit: String,
    /// Burn version.
    pub burn_version: String,
    /// SHA-256 of the manifest and of every image and mask, in manifest order.
    pub cohort_sha256: String,
    /// Worker threads (CNN training is bit-identical for a seed and thread count).
    pub threads: usize,
    /// The resolved experiment configuration (parameter files inlined, paths absolute, the
    /// CNN configuration complete, every default filled in).
    pub config: ExperimentConfig,
}

impl Lock {
    /// A lock for a run.
    pub fn new(config: ExperimentConfig, digest: &str, threads: usize) -> Lock {
        Lock {
            radlsig_version: env!("CARGO_PKG_VERSION").into(),
            git_commit: git_commit(),
            burn_version: BURN_VERSION.into(),
            cohort_sha256: digest.into(),
            threads,
            config,
        }
    }

    /// TOML text.
    pub fn to_toml(&self) -> Result<String> {
        let body = toml::to_string(self)
            .map_err(|e| Error::TomlRender { what: "run.lock.toml".into(), source: Box::new(e) })?;
        Ok(format!(
            "# Written by `radlsig run`; replay this run exactly with\n#   radlsig run --lock {}\n{body}",
            "runs/NAME/run.lock.toml"
        ))
    }

    /// Reads a lock file (its configuration is checked when the caller builds the
    /// [`Experiment`] from [`Lock::config`]).
    pub fn read(path: &Path) -> Result<Lock> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Read { path: path.to_path_buf(), source: e })?;
        let mut lock: Lock = toml::from_str(&text)
            .map_err(|e| Error::Parse { path: path.to_path_buf(), source: Box::new(e) })?;
        lock.config.source_file = Some(path.to_path_buf());
        if lock.radlsig_version != env!("CARGO_PKG_VERSION") {
            return Err(Error::Lock {
                path: path.to_path_buf(),
                reason: format!(
                    "written by radlsig {}, this is radlsig {}; check out that version to replay it",
                    lock.radlsig_version,
                    env!("CARGO_PKG_VERSION")
                ),
            });
        }
        Ok(lock)
    }

    /// Fails when the cohort's files differ from the locked run's; a warning (returned) when
    /// this build is at another commit than the one that wrote the lock.
    pub fn check(&self, digest: &str) -> Result<Option<String>> {
        if digest != self.cohort_sha256 {
            return Err(Error::Lock {
                path: self.config.cohort.manifest.clone(),
                reason: format!(
                    "the cohort differs from the locked run's: SHA-256 {digest} instead of {}",
                    self.cohort_sha256
                ),
            });
        }
        let now = git_commit();
        Ok((now != self.git_commit).then(|| {
            format!("the lock was written at commit {}, this build is at {now}", self.git_commit)
        }))
    }
}

/// The git commit of the source tree radlsig was built from.
fn git_commit() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match run(&["rev-parse", "HEAD"]) {
        Some(commit) if !commit.is_empty() => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty { format!("{commit}-dirty") } else { commit }
        }
        _ => "unknown".into(),
    }
}

/// The configuration made self-contained: see [`Lock::config`].
pub(crate) fn resolved_config(experiment: &Experiment, cohort: &Cohort) -> ExperimentConfig {
    let config = &experiment.config;
    let mut c = config.clone();
    c.name = Some(config.name().to_string());
    c.cohort.manifest = std::fs::canonicalize(&config.cohort.manifest)
        .unwrap_or_else(|_| config.cohort.manifest.clone());
    if let (Some(r), Some(plan)) = (&mut c.radiomics, &experiment.radiomics) {
        r.params = None;
        r.params_yaml = Some(plan.params_text.clone());
        r.habitats = None;
        r.habitats_yaml = plan.habitats.as_ref().map(|(_, t)| t.clone());
    }
    if let (Some(cnn), Some(training)) = (&mut c.cnn, cohort.cnn_training(experiment)) {
        cnn.config = None;
        cnn.training = None;
        cnn.resolved_json = Some(training.to_json());
        cnn.threads = Some(cohort.threads);
        if let (Some(p), Some(plan)) =
            (&mut cnn.pretrained, experiment.cnn.as_ref().and_then(|c| c.pretrained.as_ref()))
        {
            p.file = std::fs::canonicalize(&p.file).unwrap_or_else(|_| p.file.clone());
            p.sha256 = Some(plan.sha256.clone());
        }
    }
    c
}
