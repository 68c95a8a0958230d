//! `radlsig run experiments/NAME.toml`: RAsig, DLsig and RADLsig from one experiment config
//! (the stages and outputs: `radlsig_experiment`).

use std::path::PathBuf;

use radlsig_experiment::{Experiment, ExperimentConfig, Lock, run_experiment};

/// Flags of `radlsig run`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["config", "lock"])))]
pub struct Args {
    /// Experiment configuration (TOML), e.g. experiments/demo.toml.
    #[arg(value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// Replay a run exactly from its run.lock.toml (same resolved settings, seeds and thread
    /// count; fails when the cohort's files changed).
    #[arg(long, value_name = "LOCK", conflicts_with = "config")]
    lock: Option<PathBuf>,
    /// Folder of the runs (outputs go to RUNS/NAME).
    #[arg(long, default_value = "runs", value_name = "DIR")]
    runs: PathBuf,
    /// Run the experiment on another cohort (replaces `cohort.manifest`; recorded in the lock).
    #[arg(long, value_name = "CSV", conflicts_with = "lock")]
    manifest: Option<PathBuf>,
    /// Another run name (replaces `name`: outputs go to RUNS/NAME).
    #[arg(long, value_name = "NAME", conflicts_with = "lock")]
    name: Option<String>,
}

/// Runs `radlsig run`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (config, lock) = match (&args.config, &args.lock) {
        (Some(path), _) => {
            let mut config = ExperimentConfig::from_file(path)?;
            if let Some(m) = &args.manifest {
                config.cohort.manifest = m.clone();
            }
            if let Some(n) = &args.name {
                config.name = Some(n.clone());
            }
            (config, None)
        }
        (None, Some(path)) => {
            let lock = Lock::read(path)?;
            (lock.config.clone(), Some(lock))
        }
        (None, None) => unreachable!("clap requires a config or --lock"),
    };
    let experiment = Experiment::try_from(config)?;
    let summary = run_experiment(&experiment, &args.runs, lock.as_ref(), &crate::Bars::default())?;
    print!("{}", summary.text());
    Ok(())
}
