//! `radlsig demo`: the README's main command. Makes the default synthetic cohort in
//! `datasets/generated/demo` unless it is already there, then runs `experiments/demo.toml`
//! (compiled into the binary) into `runs/demo` and prints signature × split × AUC [95% CI],
//! sensitivity, specificity and the DeLong tests of RADLsig against RAsig and DLsig.

use std::path::PathBuf;
use std::time::Instant;

use radlsig_experiment::{demo_experiment, ensure_demo_cohort, run_experiment};

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
    let bars = crate::Bars::default();
    let (manifest, made) = ensure_demo_cohort(&args.cohort, &bars)?;
    if let Some(cases) = made {
        eprintln!(
            "demo cohort: {cases} cases written to {} in {:.1} s",
            args.cohort.display(),
            start.elapsed().as_secs_f64()
        );
    } else {
        eprintln!("demo cohort: {} (already made)", args.cohort.display());
    }
    let experiment = demo_experiment(manifest, args.threads)?;
    let summary = run_experiment(&experiment, &args.runs, None, &bars)?;
    print!("{}", summary.text());
    println!("demo finished in {:.0} s", start.elapsed().as_secs_f64());
    Ok(())
}
