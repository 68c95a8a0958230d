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
use crate::signatures::FitWarning;
use crate::{cnn, evaluation, features, multiclass, signatures};

/// What a finished run reports.
#[derive(Debug)]
pub struct RunSummary {
    /// The output folder.
    pub dir: PathBuf,
    /// The evaluation of a 0/1 outcome (`None` for a multi-class one).
    pub evaluation: Option<Evaluation>,
    /// The printed results table.
    pub results: String,
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
            self.results,
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
    // Every cross-validation of the fusion against each fit's training labels (each class
    // against the rest for a multi-class outcome), before any work.
    let outcomes: Vec<(String, Option<u8>)> = match &cohort.classes {
        None => vec![(String::new(), None)],
        Some(c) => {
            c.iter().enumerate().map(|(i, n)| (format!(", {n} vs rest"), Some(i as u8))).collect()
        }
    };
    for fit in &cohort.fits {
        for (what, class) in &outcomes {
            let labels: Vec<u8> = fit
                .train
                .iter()
                .map(|&i| match class {
                    None => cohort.labels[i],
                    Some(c) => u8::from(cohort.labels[i] == *c),
                })
                .collect();
            experiment.config.fusion.check_folds("fusion", &labels).map_err(|e| Error::Fusion {
                context: format!("fit {} ({} training rows{what})", fit.name, labels.len()),
                source: Box::new(e),
            })?;
        }
    }
    if let Some(w) = &cohort.warning {
        observer.note(&format!("warning: {w}"));
    }
    let dir = runs.join(experiment.name());
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache).map_err(|e| Error::Write { path: cache.clone(), source: e })?;
    let mut timings = vec![("check".to_string(), start.elapsed().as_secs_f64())];
    let n_fits = cohort.fits.len();
    let counts = match &cohort.classes {
        None => format!("{} with label 1", cohort.positives()),
        Some(_) => cohort.class_counts(),
    };
    observer.note(&format!(
        "{}: {} cases ({counts}), {n_fits} fit{}",
        experiment.name(),
        cohort.manifest.cases.len(),
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
    if cohort.classes.is_some() {
        let fitted = multiclass::fit(experiment, &cohort, radiomics.as_ref(), deep)?;
        note_fits(observer, &fitted.dropped, &fitted.warnings);
        timings.push(("fusion".into(), t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let results = multiclass::run(experiment, &cohort, &fitted, &dir, observer)?;
        timings.push(("evaluation".into(), t.elapsed().as_secs_f64()));
        return Ok(RunSummary {
            dir,
            evaluation: None,
            results,
            signatures: fitted.signatures,
            timings,
        });
    }
    let fitted = signatures::run(experiment, &cohort, radiomics.as_ref(), deep)?;
    note_fits(observer, &fitted.dropped, &fitted.warnings);
    timings.push(("fusion".into(), t.elapsed().as_secs_f64()));

    let t = Instant::now();
    let evaluation = evaluation::run(experiment, &cohort, &fitted, cnn.as_ref(), &dir, observer)?;
    timings.push(("evaluation".into(), t.elapsed().as_secs_f64()));
    Ok(RunSummary {
        dir,
        results: text_table(&evaluation),
        evaluation: Some(evaluation),
        signatures: fitted.signatures,
        timings,
    })
}

/// Logs the feature columns each fit left out and the fits' warnings.
fn note_fits(
    observer: &dyn Observer,
    dropped: &std::collections::BTreeMap<String, Vec<String>>,
    warnings: &[FitWarning],
) {
    for (fit, dropped) in dropped {
        observer.note(&format!(
            "fit {fit}: {} feature column(s) left out (undefined in a training row): {}",
            dropped.len(),
            dropped.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    for w in warnings.iter().filter(|w| !w.is_inner()) {
        observer.note(&format!("warning: fit {}: {}", w.fit, w.warning));
    }
    let inner = warnings.iter().filter(|w| w.is_inner()).count();
    if inner > 0 {
        observer.note(&format!(
            "warning: {inner} stacking fold(s) fitted an intercept-only component (listed in \
             report.html)"
        ));
    }
}
