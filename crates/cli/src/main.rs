//! The `radlsig` command. It only wires things together: each subcommand parses its flags,
//! turns them into a checked plan, and hands it to one library entry point. The subcommand
//! modules import only libraries; what they share (progress bars, the compute flags) is here.

use std::process::ExitCode;
use std::sync::Mutex;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use radlsig_deep::{ComputeDevice, Control, EpochRecord, TrainingObserver, TrainingPlan};

/// mimalloc, keeping freed memory mapped (see `radlsig_alloc`): the CNN allocates and frees
/// activation-sized buffers every layer and step, which glibc hands back to the kernel and
/// page-faults in again.
#[global_allocator]
static GLOBAL: radlsig_alloc::MiMalloc = radlsig_alloc::MiMalloc;

mod demo;
mod embed;
mod evaluate;
mod extract;
mod fit_map;
mod import;
mod info;
mod run;
mod synth;
mod train_cnn;

/// Radiomics, deep-learning and fused signatures from CT/MRI volumes and tumour masks.
#[derive(Debug, Parser)]
#[command(name = "radlsig", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the geometry, pixel type and value range of image or mask files.
    Info(info::Args),
    /// Extract PyRadiomics-exact handcrafted features of one case or a batch manifest.
    Extract(extract::Args),
    /// Generate a seeded synthetic cohort (NIfTI images, masks, manifest, planted ground truth).
    Synth(synth::Args),
    /// Fit quantitative MRI maps (ADC, IVIM) voxel by voxel from one image per b-value.
    FitMap(fit_map::Args),
    /// Import a public data set (MedMNIST 3D .npz) as NIfTI files and a manifest.
    Import(import::Args),
    /// Evaluate prediction scores: ROC/AUC with DeLong and bootstrap CIs, thresholds, calibration.
    Evaluate(evaluate::Args),
    /// Train the 3D CNN on tumour-centred crops of a cohort (checkpoints every epoch, --resume).
    TrainCnn(train_cnn::Args),
    /// Deep features (ID, deep_000…, dl_prob) of a cohort's cases from a trained CNN.
    Embed(embed::Args),
    /// Run an experiment (experiments/NAME.toml): features, CNN, RAsig/DLsig/RADLsig, evaluation.
    Run(run::Args),
    /// Make the default synthetic cohort and run experiments/demo.toml end to end.
    Demo(demo::Args),
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Info(args) => info::run(args),
        Command::Extract(args) => extract::run(args),
        Command::Synth(args) => synth::run(args),
        Command::FitMap(args) => fit_map::run(args),
        Command::Import(args) => import::run(args),
        Command::Evaluate(args) => evaluate::run(args),
        Command::TrainCnn(args) => train_cnn::run(args),
        Command::Embed(args) => embed::run(args),
        Command::Run(args) => run::run(args),
        Command::Demo(args) => demo::run(args),
    }
}

fn main() -> ExitCode {
    radlsig_alloc::keep_freed_memory();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A progress bar on stderr with an indicatif template.
fn bar(len: usize, template: &str) -> ProgressBar {
    let style =
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len as u64).with_style(style)
}

/// The progress of a run on stderr: one bar per counted step, notes as lines, an epoch bar
/// for CNN training.
#[derive(Default)]
struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Replaces the current bar (clearing the old one from the terminal).
    fn set(&self, new: Option<ProgressBar>) {
        let mut current = self.current.lock().expect("no thread panics while holding the bar");
        if let Some(old) = std::mem::replace(&mut *current, new) {
            old.finish_and_clear();
        }
    }
}

impl radlsig_experiment::Observer for Bars {
    fn begin(&self, what: &str, len: usize) {
        self.set(Some(bar(len, &format!("{what} {{pos}}/{{len}} {{wide_bar}} {{eta}}"))));
    }

    fn advance(&self) {
        if let Some(b) = &*self.current.lock().expect("no thread panics while holding the bar") {
            b.inc(1);
        }
    }

    fn end(&self) {
        self.set(None);
    }

    fn note(&self, line: &str) {
        match &*self.current.lock().expect("no thread panics while holding the bar") {
            Some(b) => b.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    fn training(&self) -> Box<dyn TrainingObserver + '_> {
        Box::new(EpochBar::default())
    }
}

/// The epoch progress bar of CNN training, with one line per finished epoch; cleared when
/// dropped.
#[derive(Default)]
struct EpochBar {
    bar: Option<ProgressBar>,
}

impl Drop for EpochBar {
    fn drop(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

impl TrainingObserver for EpochBar {
    fn start(&mut self, plan: &TrainingPlan) {
        let remaining = (plan.epochs + 1).saturating_sub(plan.first_epoch) * plan.batches_per_epoch;
        self.bar = Some(bar(remaining, "epoch {prefix} {wide_bar} {pos}/{len} {msg} {eta}"));
        eprintln!("{plan}");
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
            bar.println(last.to_string());
        }
        Ok(Control::Continue)
    }
}

/// Backend, threads and ROI label, shared by `train-cnn` and `embed`.
#[derive(Debug, clap::Args)]
struct CnnArgs {
    /// Compute backend: cpu (default), ndarray or wgpu (the last two need the cargo features
    /// `ndarray` / `gpu`).
    #[arg(long, default_value = "cpu", value_name = "DEVICE")]
    device: ComputeDevice,
    /// CPU threads (default: all cores). Results are bit-reproducible for a given seed and
    /// thread count.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Label of the ROI in the mask files.
    #[arg(long, default_value_t = 1)]
    label: i64,
}

impl CnnArgs {
    /// Sizes the global thread pool (used by the CPU backend and by preprocessing).
    fn apply(&self) -> anyhow::Result<()> {
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
