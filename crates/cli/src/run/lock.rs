//! `run.lock.toml`: the resolved configuration of a run with everything needed to replay it.

use std::path::Path;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

use super::Prepared;
use super::config::ExperimentConfig;

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
    pub fn to_toml(&self) -> anyhow::Result<String> {
        let body = toml::to_string(self).context("rendering run.lock.toml")?;
        Ok(format!(
            "# Written by `radlsig run`; replay this run exactly with\n#   radlsig run --lock {}\n{body}",
            "runs/NAME/run.lock.toml"
        ))
    }

    /// Reads a lock file.
    pub fn read(path: &Path) -> anyhow::Result<Lock> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the lock file {}", path.display()))?;
        let lock: Lock = toml::from_str(&text)
            .with_context(|| format!("{}: not a radlsig run.lock.toml", path.display()))?;
        lock.config.check().with_context(|| path.display().to_string())?;
        if lock.radlsig_version != env!("CARGO_PKG_VERSION") {
            bail!(
                "{}: written by radlsig {}, this is radlsig {}; check out that version to replay it",
                path.display(),
                lock.radlsig_version,
                env!("CARGO_PKG_VERSION")
            );
        }
        Ok(lock)
    }

    /// Fails when the cohort's files differ from the locked run's.
    pub fn check(&self, digest: &str) -> anyhow::Result<()> {
        if digest != self.cohort_sha256 {
            bail!(
                "the cohort ({}) differs from the locked run's: SHA-256 {digest} instead of {}",
                self.config.cohort.manifest.display(),
                self.cohort_sha256
            );
        }
        let now = git_commit();
        if now != self.git_commit {
            eprintln!(
                "warning: the lock was written at commit {}, this build is at {now}",
                self.git_commit
            );
        }
        Ok(())
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
pub(super) fn resolved_config(
    config: &ExperimentConfig,
    prepared: &Prepared,
) -> anyhow::Result<ExperimentConfig> {
    let mut c = config.clone();
    c.name = Some(config.name().to_string());
    c.cohort.manifest = std::fs::canonicalize(&config.cohort.manifest)
        .unwrap_or_else(|_| config.cohort.manifest.clone());
    if let (Some(r), Some((_, text))) = (&mut c.radiomics, &prepared.extractor) {
        r.params = None;
        r.params_yaml = Some(text.clone());
        r.habitats = None;
        r.habitats_yaml = prepared.habitats.as_ref().map(|(_, t)| t.clone());
    }
    if let (Some(cnn), Some((training, _, sequences))) = (&mut c.cnn, &prepared.cnn) {
        let mut training = training.clone();
        training.preprocess.sequences = sequences.clone();
        cnn.config = None;
        cnn.training = None;
        cnn.resolved_json = Some(training.to_json());
        cnn.threads = Some(prepared.threads);
    }
    Ok(c)
}
