//! The `radlsig` command. It only wires things together: each subcommand parses its flags,
//! turns them into a checked plan, and hands it to one library entry point.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc, keeping freed memory mapped (see `radlsig_alloc`): the CNN allocates and frees
/// activation-sized buffers every layer and step, which glibc hands back to the kernel and
/// page-faults in again.
#[global_allocator]
static GLOBAL: radlsig_alloc::MiMalloc = radlsig_alloc::MiMalloc;

mod demo;
mod embed;
mod evaluate;
mod extract;
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
