//! `radlsig demo`: the README's main command. Makes the default synthetic cohort
//! (`radlsig synth` defaults: seed 1, 200 cases of 64×64×24 voxels, 3 centres, planted
//! global and spatial signal) in `datasets/generated/demo` unless it is already there, then runs
//! `experiments/demo.toml` (compiled into the binary; the file in the repository is the same
//! text) into `runs/demo` and prints signature × split × AUC [95% CI], sensitivity,
//! specificity and the DeLong tests of RADLsig against RAsig and DLsig.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use radlsig_cohort::{Manifest, SynthConfig, generate};

use crate::run::{ExperimentConfig, run_experiment};
use crate::train_cnn::bar;

/// The demo experiment (the same text as `experiments/demo.toml`).
pub const DEMO_TOML: &str = include_str!("../../../experiments/demo.toml");

/// Flags of `radlsig demo`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder of the demo cohort (made when it holds no manifest.csv).
    #[arg(long, default_value = "datasets/generated/demo", value_name = "DIR")]
    cohort: PathBuf,
    /// Folder of the runs (outputs go to RUNS/demo).
    #[arg(long, default_value = "runs", value_name = "DIR")]
    runs: PathBuf,
    /// CPU threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
}

/// Runs `radlsig demo`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let start = Instant::now();
    let manifest = args.cohort.join("manifest.csv");
    if manifest.exists() {
        Manifest::load(&manifest).with_context(|| {
            format!("{} exists but is not a usable cohort; remove the folder", manifest.display())
        })?;
        eprintln!("demo cohort: {} (already made)", args.cohort.display());
    } else {
        let config = SynthConfig::default();
        let progress = bar(config.cases, "synth {pos}/{len} {wide_bar} {eta}");
        let tick = || progress.inc(1);
        generate(&config, &args.cohort, false, &tick)
            .with_context(|| format!("making the demo cohort in {}", args.cohort.display()))?;
        progress.finish_and_clear();
        eprintln!(
            "demo cohort: {} cases written to {} in {:.1} s",
            config.cases,
            args.cohort.display(),
            start.elapsed().as_secs_f64()
        );
    }
    let mut config = ExperimentConfig::from_toml_str(
        DEMO_TOML,
        "experiments/demo.toml".as_ref(),
        "experiments".as_ref(),
    )?;
    config.name = Some("demo".into());
    config.cohort.manifest = manifest;
    if let (Some(cnn), Some(n)) = (&mut config.cnn, args.threads) {
        cnn.threads = Some(n);
    }
    let summary = run_experiment(&config, &args.runs, None)?;
    summary.print();
    println!("demo finished in {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}
