//! A whole run: the stages in order, each timed, into `runs/NAME`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use radlsig_evaluate::Evaluation;

use crate::cohort::Cohort;
use crate::error::{Error, Result};
use crate::lock::Lock;
use crate::observer::Observer;
use crate::plan::Experiment;
use crate::report::text_table;
use crate::{cnn, evaluation, features, signatures};

/// What a finished run reports.
#[derive(Debug)]
pub struct RunSummary {
    /// The output folder.
    pub dir: PathBuf,
    /// The evaluation.
    pub evaluation: Evaluation,
    /// (column name, display name) of each signature.
    pub signatures: Vec<(String, String)>,
    /// Seconds per stage: check, features, cnn, fusion, evaluation.
    pub timings: Vec<(String, f64)>,
}

impl RunSummary {
    /// The results table, the stage timings and where the report is, as printed by
    /// `radlsig run` and `radlsig demo`.
    pub fn text(&self) -> String {
        let timings: Vec<String> =
            self.timings.iter().map(|(s, t)| format!("{s} {t:.1} s")).collect();
        format!(
            "{}stages: {}\nreport: {}\n",
            text_table(&self.evaluation),
            timings.join(", "),
            self.dir.join("report.html").display()
        )
    }
}

/// Runs `experiment` into `runs/NAME` (module docs of the crate for the stages and outputs).
/// With `lock`, the run replays it: its thread count, and a check that the cohort's files are
/// the locked run's. Nothing is written before the cohort has been checked.
pub fn run_experiment(
    experiment: &Experiment,
    runs: &Path,
    lock: Option<&Lock>,
    observer: &dyn Observer,
) -> Result<RunSummary> {
    let start = Instant::now();
    let cohort = Cohort::load(experiment, lock)?;
    // Every cross-validation of the fusion against each fit's training labels, before any work.
    for fit in &cohort.fits {
        let labels: Vec<u8> = fit.train.iter().map(|&i| cohort.labels[i]).collect();
        experiment.config.fusion.check_folds("fusion", &labels).map_err(|e| Error::Fusion {
            context: format!("fit {} ({} training rows)", fit.name, labels.len()),
            source: Box::new(e),
        })?;
    }
    if let Some(w) = &cohort.warning {
        observer.note(&format!("warning: {w}"));
    }
    let dir = runs.join(experiment.name());
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).map_err(|e| Error::Write { path: cache.clone(), source: e })?;
    let mut timings = vec![("check".to_string(), start.elapsed().as_secs_f64())];
    let n_fits = cohort.fits.len();
    observer.note(&format!(
        "{}: {} cases ({} with label 1), {n_fits} fit{}",
        experiment.name(),
        cohort.manifest.cases.len(),
        cohort.positives(),
        if n_fits == 1 { "" } else { "s" }
    ));

    let t = Instant::now();
    let label = experiment.config.cohort.label;
    let radiomics = experiment
        .radiomics
        .as_ref()
        .map(|plan| features::run(plan, label, &cohort, &dir, observer))
        .transpose()?;
    timings.push(("features".into(), t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let cnn = cnn::run(experiment, &cohort, &dir, observer)?;
    timings.push(("cnn".into(), t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let deep = cnn.as_ref().map(|c| c.tables.as_slice());
    let fitted = signatures::run(experiment, &cohort, radiomics.as_ref(), deep)?;
    for (fit, dropped) in &fitted.dropped {
        observer.note(&format!(
            "fit {fit}: {} feature column(s) left out (undefined in a training row): {}",
            dropped.len(),
            dropped.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    for w in fitted.warnings.iter().filter(|w| !w.is_inner()) {
        observer.note(&format!("warning: fit {}: {}", w.fit, w.warning));
    }
    let inner = fitted.warnings.iter().filter(|w| w.is_inner()).count();
    if inner > 0 {
        observer.note(&format!(
            "warning: {inner} stacking fold(s) fitted an intercept-only component (listed in \
             report.html)"
        ));
    }
    timings.push(("fusion".into(), t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let evaluation = evaluation::run(experiment, &cohort, &fitted, cnn.as_ref(), &dir, observer)?;
    timings.push(("evaluation".into(), t.elapsed().as_secs_f64()));
    Ok(RunSummary { dir, evaluation, signatures: fitted.signatures, timings })
}
