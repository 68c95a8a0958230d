//! `radlsig evaluate`: ROC/AUC with DeLong and bootstrap CIs, Youden thresholds carried from one
//! split to the others, calibration, and DeLong comparisons of every pair of scores, written as
//! CSV tables and SVG figures (see `radlsig_evaluate` for every column).
//!
//! Everything is computed and rendered in memory first; files are written only when all of it
//! succeeded, each through a temporary file and a rename, so a failure leaves no partial output.

use std::path::PathBuf;

use anyhow::Context;
use radlsig_evaluate::{
    AucCiMethod, BootstrapConfig, Direction, EvaluationPlan, ScaleChoice, ScoreScale,
    evaluate_predictions, evaluation_files, read_predictions,
};
use radlsig_experiment::tables::write_bytes;

/// Flags of `radlsig evaluate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Predictions table, CSV (with a header row) or Parquet: one row per patient.
    #[arg(long, value_name = "FILE")]
    predictions: PathBuf,
    /// Outcome column, 0/1 (1 = positive, e.g. responder or malignant).
    #[arg(long, value_name = "COLUMN")]
    label: String,
    /// Score columns, comma-separated (e.g. RAsig,DLsig,RADLsig); higher = more likely positive.
    #[arg(long, value_name = "COLUMNS", value_delimiter = ',', required = true)]
    scores: Vec<String>,
    /// Split column (e.g. with values train/test); without it all rows are one split "all".
    #[arg(long, value_name = "COLUMN")]
    split: Option<String>,
    /// Choose each score's Youden threshold on this split and apply it unchanged to every split
    /// (default: each split chooses its own).
    #[arg(long, value_name = "SPLIT", requires = "split")]
    threshold_from: Option<String>,
    /// Stratified bootstrap resamples for the metric CIs (0 turns the bootstrap off).
    #[arg(long, value_name = "N", default_value_t = 2000)]
    bootstrap: usize,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Interval written in auc_ci_low/auc_ci_high.
    #[arg(long, value_enum, default_value_t = AucCi::Delong)]
    auc_ci: AucCi,
    /// Confidence level of every interval.
    #[arg(long, default_value_t = 0.95)]
    conf_level: f64,
    /// `<`: controls score lower than cases (pROC's direction "<"); `>`: the reverse.
    #[arg(long, value_parser = ["<", ">"], default_value = "<")]
    direction: String,
    /// What the scores are, for Brier score and calibration: probabilities, logits (linear
    /// predictors), or auto (probability when every value is in [0, 1]).
    #[arg(long, value_enum, default_value_t = Scale::Auto)]
    score_scale: Scale,
    /// Output folder (created if needed); existing files of the same names are replaced.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// `--auc-ci`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AucCi {
    Delong,
    Bootstrap,
}

/// `--score-scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Scale {
    Auto,
    Probability,
    Logit,
}

impl Args {
    /// The checked plan.
    fn plan(&self) -> anyhow::Result<EvaluationPlan> {
        let mut plan = EvaluationPlan::new(&self.label, self.scores.clone(), self.seed);
        plan.split = self.split.clone();
        plan.threshold_from = self.threshold_from.clone();
        plan.conf_level = self.conf_level;
        plan.direction = if self.direction == ">" {
            Direction::ControlsHigher
        } else {
            Direction::ControlsLower
        };
        plan.bootstrap = (self.bootstrap > 0).then_some(BootstrapConfig {
            replicates: self.bootstrap,
            seed: self.seed,
            conf_level: self.conf_level,
        });
        plan.auc_ci = match self.auc_ci {
            AucCi::Delong => AucCiMethod::Delong,
            AucCi::Bootstrap => AucCiMethod::Bootstrap,
        };
        plan.scale = match self.score_scale {
            Scale::Auto => ScaleChoice::Auto,
            Scale::Probability => ScaleChoice::Fixed(ScoreScale::Probability),
            Scale::Logit => ScaleChoice::Fixed(ScoreScale::Logit),
        };
        plan.check().context("checking the evaluate settings")?;
        Ok(plan)
    }
}

/// Computes everything, then writes the outputs.
pub fn run(args: Args) -> anyhow::Result<()> {
    let plan = args.plan()?;
    let table = args.predictions.display().to_string();
    let df = read_predictions(&args.predictions)?;
    let evaluation =
        evaluate_predictions(&df, &plan, &table).with_context(|| format!("evaluating {table}"))?;
    let outputs = evaluation_files(&evaluation, &plan).context("rendering the outputs")?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for (name, bytes) in &outputs {
        write_bytes(&args.out.join(name), bytes)?;
    }
    for w in &evaluation.warnings {
        eprintln!("warning: {w}");
    }
    for c in &evaluation.curves {
        println!(
            "{:<10} {:<16} AUC {:.3} ({:.3}–{:.3})",
            c.split, c.score, c.auc, c.auc_ci.0, c.auc_ci.1
        );
    }
    println!("wrote {} files to {}", outputs.len(), args.out.display());
    Ok(())
}
