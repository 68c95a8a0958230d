//! Stage 5, **evaluation**: AUC with DeLong CIs, sensitivity/specificity at the training Youden
//! threshold with bootstrap CIs, DeLong comparisons (`metrics.csv`, `comparisons.csv`,
//! `roc.csv`, `roc.svg`, `calibration.svg`), then `signature.json`, `predictions.parquet`,
//! `run.lock.toml` and `report.html`.

use std::path::Path;

use radlsig_evaluate::{
    AucCiMethod, BootstrapConfig, Direction, Evaluation, EvaluationPlan, ScaleChoice, ScoreScale,
    calibration_svg, csv_bytes, evaluate_predictions, roc_svg,
};

use crate::cnn::CnnOutputs;
use crate::cohort::Cohort;
use crate::error::{Error, Result};
use crate::explanations::{explanations_table, shap_table};
use crate::lock::{Lock, resolved_config};
use crate::observer::Observer;
use crate::plan::Experiment;
use crate::report::{ReportInput, html};
use crate::signatures::Fitted;
use crate::tables::{write_bytes, write_table};

/// The evaluation plan of a run: the signatures' probabilities by split, DeLong CIs, Youden
/// thresholds from `evaluation.threshold_from` (none with k-fold CV, whose splits are the
/// repeats' pooled out-of-fold predictions), stratified bootstrap with the experiment seed.
fn plan(experiment: &Experiment, fitted: &Fitted) -> Result<EvaluationPlan> {
    let config = &experiment.config;
    let mut plan = EvaluationPlan::new(
        "label",
        fitted.signatures.iter().map(|(c, _)| c.clone()).collect(),
        config.seed,
    );
    plan.split = Some("split".into());
    plan.threshold_from =
        if experiment.is_kfold() { None } else { config.evaluation.threshold_from.clone() };
    plan.conf_level = config.evaluation.conf_level;
    plan.direction = Direction::ControlsLower;
    plan.auc_ci = AucCiMethod::Delong;
    plan.bootstrap = (config.evaluation.bootstrap > 0).then_some(BootstrapConfig {
        replicates: config.evaluation.bootstrap,
        seed: config.seed,
        conf_level: config.evaluation.conf_level,
    });
    plan.scale = ScaleChoice::Fixed(ScoreScale::Probability);
    plan.check()
        .map_err(|e| Error::Evaluate { context: "evaluation".into(), source: Box::new(e) })?;
    Ok(plan)
}

/// Evaluates the predictions and writes every output of the run into `dir`.
pub(crate) fn run(
    experiment: &Experiment,
    cohort: &Cohort,
    fitted: &Fitted,
    cnn: Option<&CnnOutputs>,
    dir: &Path,
    observer: &dyn Observer,
) -> Result<Evaluation> {
    let evaluate = |context: &str| {
        let context = context.to_string();
        move |e| Error::Evaluate { context, source: Box::new(e) }
    };
    let wide = fitted.wide_predictions()?;
    let plan = plan(experiment, fitted)?;
    let evaluation =
        evaluate_predictions(&wide, &plan, "predictions").map_err(evaluate("evaluating"))?;
    for w in &evaluation.warnings {
        observer.note(&format!("warning: {w}"));
    }
    write_bytes(&dir.join("signature.json"), fitted.to_json()?.as_bytes())?;
    write_table(&dir.join("predictions.parquet"), &mut fitted.long_predictions()?)?;
    let explanations = explanations_table(&fitted.explanations)?;
    write_bytes(
        &dir.join("explanations.csv"),
        &csv_bytes(&explanations).map_err(evaluate("explanations.csv"))?,
    )?;
    if !fitted.shap.is_empty() {
        write_table(&dir.join("shap.parquet"), &mut shap_table(&fitted.shap)?)?;
    }
    for (name, table) in [
        ("metrics.csv", &evaluation.metrics),
        ("comparisons.csv", &evaluation.comparisons),
        ("roc.csv", &evaluation.roc),
    ] {
        write_bytes(&dir.join(name), &csv_bytes(table).map_err(evaluate(name))?)?;
    }
    let roc = roc_svg(&evaluation).map_err(evaluate("roc.svg"))?;
    write_bytes(&dir.join("roc.svg"), roc.as_bytes())?;
    let calibration = calibration_svg(&evaluation).map_err(evaluate("calibration.svg"))?;
    write_bytes(&dir.join("calibration.svg"), calibration.as_bytes())?;
    let lock = Lock::new(resolved_config(experiment, cohort), &cohort.digest, cohort.threads);
    write_bytes(&dir.join("run.lock.toml"), lock.to_toml()?.as_bytes())?;
    let report = html(&ReportInput {
        config: &experiment.config,
        manifest: &cohort.manifest,
        labels: &cohort.labels,
        fits: &cohort.fits,
        evaluation: &evaluation,
        sets: &fitted.sets,
        cnn_dirs: cnn.map_or(&[], |c| c.model_dirs.as_slice()),
        dropped: &fitted.dropped,
        warnings: &fitted.warnings,
        explanations: &fitted.explanations,
        lock: &lock,
        roc_svg: &roc,
    });
    write_bytes(&dir.join("report.html"), report.as_bytes())?;
    Ok(evaluation)
}
