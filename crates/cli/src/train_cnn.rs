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

use crate::ComputeArgs;

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
    compute: ComputeArgs,
    /// Folder of the preprocessing cache (default: DIR/cache).
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Label of the ROI in the mask files.
    #[arg(long, default_value_t = 1)]
    label: i64,
}

/// Runs `radlsig train-cnn`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => TrainingConfig::from_toml_file(path)?,
        None => TrainingConfig::default(),
    };
    args.compute.apply()?;
    let cache = args.cache.clone().unwrap_or_else(|| args.out.join("cache"));
    let options = TrainOptions { device: args.compute.device, resume: args.resume };
    let model = train_on_manifest(
        &args.manifest,
        &config,
        args.label,
        &cache,
        &args.out,
        &options,
        &crate::Bars::default(),
    )?;
    let summary = model.summary.as_ref().context("training returned no summary")?;
    let best = match (summary.best_epoch, summary.best_val_auc) {
        (Some(e), Some(auc)) => format!("best epoch {e} (validation AUC {auc:.4})"),
        _ => "no epoch improved".to_string(),
    };
    match summary.status {
        RunStatus::Interrupted => {
            eprintln!("interrupted after epoch {}; continue with --resume", summary.epochs_run)
        }
        status => eprintln!(
            "{} after {} epochs, {best}; model in {}",
            if status == RunStatus::EarlyStopped { "stopped early" } else { "finished" },
            summary.epochs_run,
            args.out.display()
        ),
    }
    Ok(())
}
