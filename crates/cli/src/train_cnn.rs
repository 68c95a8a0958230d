//! `radlsig train-cnn --manifest M [--config C.toml] --out DIR`: trains the 3D CNN.
//!
//! Cases whose `split` is empty or `train` are trained on; `val`/`validation` cases, when
//! present, drive early stopping (otherwise a seeded inner split of the training cases does);
//! every other split (`test`, …) is never read. Preprocessed crops are cached in `DIR/cache`
//! (or `--cache`). The output folder receives `config.json`, `model.bpk`, the per-epoch
//! checkpoint, `training.json`, and `epochs.csv`, rewritten after every epoch (columns `epoch`,
//! `loss`, `train_auc`, `val_auc`, `val_loss`, `learning_rate`, `seconds`, `best`). After an
//! interruption, the same command with `--resume` continues from the last finished epoch.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use polars::prelude::{Column, CsvWriter, DataFrame, SerWriter};
use radlsig_cohort::Manifest;
use radlsig_deep::{
    ComputeDevice, Control, EpochRecord, PreprocessCache, RunPaths, RunStatus, TrainOptions,
    TrainingConfig, TrainingObserver, TrainingPlan, prepare_samples, resolve_sequences,
    split_cases, train,
};

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

/// Backend and threads, shared by `train-cnn` and `embed`.
#[derive(Debug, clap::Args)]
pub struct ComputeArgs {
    /// Compute backend: cpu (default), ndarray or wgpu (the last two need the cargo features
    /// `ndarray` / `gpu`).
    #[arg(long, default_value = "cpu", value_name = "DEVICE")]
    pub device: ComputeDevice,
    /// CPU threads (default: all cores). Results are bit-reproducible for a given seed and
    /// thread count.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

impl ComputeArgs {
    /// Sizes the global thread pool (used by the CPU backend and by preprocessing).
    pub fn apply(&self) -> anyhow::Result<()> {
        if let Some(n) = self.threads {
            if n == 0 {
                bail!("--threads must be at least 1");
            }
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build_global()
                .context("setting up the thread pool")?;
        }
        Ok(())
    }
}

/// Runs `radlsig train-cnn`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => TrainingConfig::from_toml_file(path)?,
        None => TrainingConfig::default(),
    };
    args.compute.apply()?;
    // Fail on an unavailable backend before reading any volume.
    args.compute.device.device()?;
    let manifest = Manifest::load(&args.manifest)
        .with_context(|| format!("loading {}", args.manifest.display()))?;
    let split = split_cases(&manifest);
    if split.train.is_empty() {
        bail!("{}: no training cases (split empty or \"train\")", args.manifest.display());
    }
    let sequences = resolve_sequences(&config.preprocess, &manifest)?;
    let mut config = config;
    config.preprocess.sequences = sequences.clone();
    eprintln!(
        "{} training, {} validation, {} held-out cases (never read); channels: {}{}",
        split.train.len(),
        split.validation.len(),
        split.held_out.len(),
        sequences
            .iter()
            .map(|s| if s.is_empty() { "image" } else { s.as_str() })
            .collect::<Vec<_>>()
            .join(", "),
        if config.preprocess.mask_channel { ", mask" } else { "" }
    );

    let cache = PreprocessCache::new(args.cache.clone().unwrap_or_else(|| args.out.join("cache")))?;
    let bar = bar(
        split.train.len() + split.validation.len(),
        "preprocessing {pos}/{len} {wide_bar} {eta}",
    );
    let tick = || bar.inc(1);
    let train_samples = prepare_samples(
        &split.train,
        &sequences,
        &config.preprocess,
        args.label,
        Some(&cache),
        &tick,
    )?;
    let validation_samples = prepare_samples(
        &split.validation,
        &sequences,
        &config.preprocess,
        args.label,
        Some(&cache),
        &tick,
    )?;
    bar.finish_and_clear();

    let options = TrainOptions { device: args.compute.device, resume: args.resume };
    let mut observer = CliObserver { table: RunPaths::new(&args.out).epochs, bar: None };
    let validation = (!validation_samples.is_empty()).then_some(validation_samples.as_slice());
    let model = train(&config, &train_samples, validation, &args.out, &options, &mut observer)?;
    if let Some(bar) = observer.bar.take() {
        bar.finish_and_clear();
    }
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

/// A progress bar on stderr.
pub fn bar(len: usize, template: &str) -> ProgressBar {
    let style =
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len as u64).with_style(style)
}

/// Draws the epoch progress bar and rewrites `epochs.csv` after each epoch.
pub(crate) struct CliObserver {
    pub(crate) table: PathBuf,
    pub(crate) bar: Option<ProgressBar>,
}

impl TrainingObserver for CliObserver {
    fn start(&mut self, plan: &TrainingPlan) {
        let remaining = (plan.epochs + 1).saturating_sub(plan.first_epoch) * plan.batches_per_epoch;
        self.bar = Some(bar(remaining, "epoch {prefix} {wide_bar} {pos}/{len} {msg} {eta}"));
        eprintln!(
            "training on {} cases, validating on {} ({}); class weights {:.3}/{:.3}",
            plan.train_cases,
            plan.validation_cases,
            if plan.inner_split { "inner split" } else { "validation split" },
            plan.class_weights[0],
            plan.class_weights[1]
        );
    }

    fn batch(&mut self, epoch: usize, _batch: usize, _batches: usize, loss: f64) {
        if let Some(bar) = &self.bar {
            bar.set_prefix(epoch.to_string());
            bar.set_message(format!("loss {loss:.4}"));
            bar.inc(1);
        }
    }

    fn epoch(&mut self, history: &[EpochRecord]) -> Result<Control, String> {
        if let (Some(bar), Some(last)) = (&self.bar, history.last()) {
            let auc = |a: Option<f64>| a.map_or("-".into(), |v| format!("{v:.4}"));
            bar.println(format!(
                "epoch {:>3}  loss {:.4}  train AUC {}  val AUC {}  lr {:.2e}  {:.1}s{}",
                last.epoch,
                last.loss,
                auc(last.train_auc),
                auc(last.val_auc),
                last.learning_rate,
                last.seconds,
                if last.best { "  *" } else { "" }
            ));
        }
        write_epochs(&self.table, history).map_err(|e| format!("{e:#}"))?;
        Ok(Control::Continue)
    }
}

/// The per-epoch table as CSV, atomically.
fn write_epochs(path: &Path, history: &[EpochRecord]) -> anyhow::Result<()> {
    let col = |name: &str, f: &dyn Fn(&EpochRecord) -> f64| -> Column {
        Column::new(name.into(), history.iter().map(f).collect::<Vec<f64>>())
    };
    let opt = |name: &str, f: &dyn Fn(&EpochRecord) -> Option<f64>| -> Column {
        Column::new(name.into(), history.iter().map(f).collect::<Vec<Option<f64>>>())
    };
    let columns = vec![
        Column::new("epoch".into(), history.iter().map(|h| h.epoch as u32).collect::<Vec<u32>>()),
        col("loss", &|h| h.loss),
        opt("train_auc", &|h| h.train_auc),
        opt("val_auc", &|h| h.val_auc),
        col("val_loss", &|h| h.val_loss),
        col("learning_rate", &|h| h.learning_rate),
        col("seconds", &|h| h.seconds),
        Column::new("best".into(), history.iter().map(|h| h.best).collect::<Vec<bool>>()),
    ];
    let mut df = DataFrame::new(history.len(), columns).context("building the epoch table")?;
    radlsig_volume::write_atomically(path, |tmp| -> anyhow::Result<()> {
        let mut file = File::create(tmp).with_context(|| format!("creating {}", path.display()))?;
        CsvWriter::new(&mut file)
            .include_header(true)
            .finish(&mut df)
            .with_context(|| format!("writing {}", path.display()))
    })
}
