//! `radlsig train-cnn --manifest M [--config C.toml] --out DIR`: trains the 3D CNN.
//!
//! Cases whose `split` is empty or `train` are trained on; `val`/`validation` cases, when
//! present, drive early stopping (otherwise a seeded inner split of the training cases does);
//! every other split (`test`, …) is never read. Preprocessed crops are cached in `DIR/cache`
//! (or `--cache`). The output folder receives `config.json`, `model.bpk`, the per-epoch
//! checkpoint, `training.json`, and `epochs.csv`, rewritten after every epoch (columns `epoch`,
//! `loss`, `train_auc`, `val_auc`, `val_loss`, `learning_rate`, `seconds`, `best`). After an
//! interruption, the same command with `--resume` continues from the last finished epoch.

use std::path::PathBuf;

use anyhow::Context;
use radlsig_deep::{RunStatus, TrainOptions, TrainingConfig};
use radlsig_experiment::train_on_manifest;

use crate::CnnArgs;

/// Flags of `radlsig train-cnn`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Cohort manifest (CSV with ID, label, split, Image, Mask columns).
    #[arg(long, value_name = "CSV")]
    manifest: PathBuf,
    /// Training configuration (TOML); defaults when absent.
    #[arg(long, value_name = "TOML")]
    config: Option<PathBuf>,
    /// Output folder for the model, checkpoints and tables.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Continue the interrupted run in --out from its last checkpoint.
    #[arg(long)]
    resume: bool,
    #[command(flatten)]
    compute: CnnArgs,
    /// Folder of the preprocessing cache (default: DIR/cache).
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
}

/// Runs `radlsig train-cnn`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => TrainingConfig::from_toml_file(path)?,
        None => TrainingConfig::default(),
    };
    args.compute.apply()?;
    let cache = args.cache.clone().unwrap_or_else(|| args.out.join("cache"));
    let options = TrainOptions { device: args.compute.device, resume: args.resume, init: None };
    let model = train_on_manifest(
        &args.manifest,
        &config,
        args.compute.label,
        &cache,
        &args.out,
        &options,
        &crate::Bars::default(),
    )?;
    let summary = model.summary.as_ref().context("training returned no summary")?;
    match summary.status {
        RunStatus::Interrupted => eprintln!("{summary}; continue with --resume"),
        _ => eprintln!("{summary}; model in {}", args.out.display()),
    }
    Ok(())
}
