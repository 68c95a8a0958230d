//! Whole-table evaluation: from a predictions table (one row per patient: label, one column per
//! score, optional split) to the metrics, comparison, ROC, calibration and decision-curve tables
//! that `radlsig evaluate` writes. The column names are listed on [`Evaluation`].

use std::path::Path;

use polars::prelude::*;

use crate::association::{TwoByTwo, chi_squared_test, fisher_exact_test};
use crate::bootstrap::{BootstrapCis, BootstrapConfig, PercentileCi, bootstrap_stratified};
use crate::calibration::{
    RiskGroup, ScoreScale, brier_score, calibration_intercept, calibration_slope, decision_curve,
    default_threshold_grid, hosmer_lemeshow, risk_groups,
};
use crate::delong::{check_conf_level, ci_auc_delong, roc_test_delong_paired};
use crate::error::{Error, Result};
use crate::roc::{Direction, RocCurve, Scores, roc_curve};
use crate::threshold::{Threshold, classification_metrics, youden_threshold};

/// Which interval goes into `auc_ci_low`/`auc_ci_high`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AucCiMethod {
    /// DeLong (pROC's default). The default.
    #[default]
    Delong,
    /// Stratified bootstrap percentile interval (needs a bootstrap).
    Bootstrap,
}

impl AucCiMethod {
    /// `"delong"` or `"bootstrap"`.
    pub fn as_str(self) -> &'static str {
        match self {
            AucCiMethod::Delong => "delong",
            AucCiMethod::Bootstrap => "bootstrap",
        }
    }
}

/// How the scale of each score column is decided, for the calibration statistics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScaleChoice {
    /// Probability if every value of the column is in [0, 1], logit otherwise; the choice is
    /// written in the `score_scale` column. The default.
    #[default]
    Auto,
    /// Every score is on this scale.
    Fixed(ScoreScale),
}

/// A checked description of what to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub struct EvaluationPlan {
    /// The 0/1 outcome column.
    pub label: String,
    /// The score columns, in output order.
    pub scores: Vec<String>,
    /// The split column (e.g. `train`/`test`); `None` evaluates all rows as split `all`.
    pub split: Option<String>,
    /// The split on which each score's Youden threshold is chosen and then applied to every split;
    /// `None` chooses it on each split itself (optimistic outside training data).
    pub threshold_from: Option<String>,
    /// Direction of every score.
    pub direction: Direction,
    /// Confidence level of every interval.
    pub conf_level: f64,
    /// Which AUC interval goes in the metrics.
    pub auc_ci: AucCiMethod,
    /// Stratified bootstrap for the metric CIs (and the AUC CI with [`AucCiMethod::Bootstrap`]).
    /// The same seed is used for every score of a split, so they share resamples.
    pub bootstrap: Option<BootstrapConfig>,
    /// Score scale for calibration.
    pub scale: ScaleChoice,
    /// Hosmer–Lemeshow groups (10 = deciles).
    pub hosmer_lemeshow_groups: usize,
}

impl EvaluationPlan {
    /// Defaults: no split, DeLong AUC CI at 95 %, 2,000 bootstrap replicates with `seed`,
    /// direction "<", automatic scale, 10 Hosmer–Lemeshow groups.
    pub fn new(label: impl Into<String>, scores: Vec<String>, seed: u64) -> Self {
        EvaluationPlan {
            label: label.into(),
            scores,
            split: None,
            threshold_from: None,
            direction: Direction::ControlsLower,
            conf_level: 0.95,
            auc_ci: AucCiMethod::Delong,
            bootstrap: Some(BootstrapConfig::new(seed)),
            scale: ScaleChoice::Auto,
            hosmer_lemeshow_groups: 10,
        }
    }

    /// Checks the settings against each other (not against data).
    pub fn check(&self) -> Result<()> {
        let bad =
            |setting: &'static str, reason: String| Err(Error::InvalidSetting { setting, reason });
        check_conf_level(self.conf_level)?;
        if self.scores.is_empty() {
            return bad("scores", "no score column given".into());
        }
        for (i, s) in self.scores.iter().enumerate() {
            if self.scores[..i].contains(s) {
                return bad("scores", format!("column {s:?} is given twice"));
            }
            if *s == self.label || Some(s) == self.split.as_ref() {
                return bad("scores", format!("column {s:?} is also the label or split column"));
            }
        }
        if self.threshold_from.is_some() && self.split.is_none() {
            return bad("threshold from", "needs a split column".into());
        }
        if self.auc_ci == AucCiMethod::Bootstrap && self.bootstrap.is_none() {
            return bad("auc ci", "bootstrap interval asked for but the bootstrap is off".into());
        }
        if let Some(b) = &self.bootstrap {
            if b.replicates < 2 {
                return bad(
                    "bootstrap replicates",
                    format!("must be at least 2, got {}", b.replicates),
                );
            }
        }
        if self.hosmer_lemeshow_groups < 3 {
            return bad(
                "hosmer-lemeshow groups",
                format!("must be at least 3, got {}", self.hosmer_lemeshow_groups),
            );
        }
        Ok(())
    }

    /// The resolved settings as a two-column table (`setting`, `value`), to be saved beside the
    /// outputs.
    pub fn to_frame(&self) -> Result<DataFrame> {
        let b = self.bootstrap;
        let rows: Vec<(&str, String)> = vec![
            ("label", self.label.clone()),
            ("scores", self.scores.join(",")),
            ("split", self.split.clone().unwrap_or_default()),
            ("threshold_from", self.threshold_from.clone().unwrap_or_default()),
            ("direction", self.direction.as_proc_str().into()),
            ("conf_level", self.conf_level.to_string()),
            ("auc_ci", self.auc_ci.as_str().into()),
            ("bootstrap_replicates", b.map_or(0, |b| b.replicates).to_string()),
            ("bootstrap_seed", b.map(|b| b.seed.to_string()).unwrap_or_default()),
            ("bootstrap_stratified", "true".into()),
            (
                "score_scale",
                match self.scale {
                    ScaleChoice::Auto => "auto".into(),
                    ScaleChoice::Fixed(s) => s.as_str().into(),
                },
            ),
            ("hosmer_lemeshow_groups", self.hosmer_lemeshow_groups.to_string()),
            ("radlsig_evaluate_version", env!("CARGO_PKG_VERSION").into()),
        ];
        Ok(DataFrame::new_infer_height(vec![
            Column::new("setting".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
            Column::new("value".into(), rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>()),
        ])?)
    }
}

/// One curve of one score on one split, for plots.
#[derive(Clone, Debug, PartialEq)]
pub struct CurveSummary {
    /// Split name.
    pub split: String,
    /// Score name.
    pub score: String,
    /// AUC.
    pub auc: f64,
    /// AUC interval from [`EvaluationPlan::auc_ci`].
    pub auc_ci: (f64, f64),
    /// The ROC curve.
    pub roc: RocCurve,
    /// Hosmer–Lemeshow risk groups (empty when the score has no probability interpretation).
    pub risk_groups: Vec<RiskGroup>,
}

/// Everything [`evaluate_predictions`] computes.
///
/// # Column names (stable)
///
/// `metrics` — one row per split × score:
/// `split`, `score`, `score_scale`, `n`, `positives`, `negatives`, `auc`, `auc_se` (DeLong),
/// `auc_ci_low`, `auc_ci_high`, `auc_ci_method` (`delong` | `bootstrap`), `threshold`,
/// `threshold_from` (the split the Youden threshold was chosen on), `tp`, `fp`, `tn`, `fn`,
/// `sensitivity`, `specificity`, `accuracy`, `ppv`, `npv`, each followed by `<name>_ci_low` and
/// `<name>_ci_high` (stratified bootstrap percentile CIs at the fixed threshold; null without
/// bootstrap), `bootstrap_replicates`, `brier`, `calibration_intercept`, `calibration_slope`,
/// `hl_chi2`, `hl_df`, `hl_p` (Hosmer–Lemeshow), `chi2_yates`, `chi2_yates_p`, `fisher_p`
/// (predicted group at the threshold × outcome).
///
/// `comparisons` — one row per split × pair of scores (in the order given): `split`, `score_a`,
/// `score_b`, `auc_a`, `auc_b`, `auc_difference`, `difference_ci_low`, `difference_ci_high`,
/// `z`, `p_value` (DeLong's paired test).
///
/// `roc` — `split`, `score`, `threshold`, `sensitivity`, `specificity` (pROC order).
///
/// `calibration` — `split`, `score`, `group`, `lower`, `upper`, `n`, `mean_predicted`,
/// `observed_rate`, `expected_events`, `observed_events` (Hosmer–Lemeshow risk groups).
///
/// `decision_curve` — `split`, `score`, `threshold_probability`, `net_benefit`,
/// `net_benefit_treat_all`, `net_benefit_treat_none`.
///
/// Statistics that are undefined for a score (calibration of a perfectly separating score, χ² when
/// the threshold puts everybody in one group, PPV with no positive call) are null, and a line in
/// `warnings` says why.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Metrics, one row per split × score.
    pub metrics: DataFrame,
    /// DeLong paired comparisons, one row per split × pair of scores.
    pub comparisons: DataFrame,
    /// Every ROC point.
    pub roc: DataFrame,
    /// Hosmer–Lemeshow risk groups.
    pub calibration: DataFrame,
    /// Net benefit over 0.01, …, 0.99.
    pub decision_curve: DataFrame,
    /// Curves for plotting, split-major in table order.
    pub curves: Vec<CurveSummary>,
    /// Split names in order of first appearance.
    pub splits: Vec<String>,
    /// Why some statistics are null.
    pub warnings: Vec<String>,
}

/// Reads a predictions table from CSV (header row, types inferred) or Parquet, by extension.
pub fn read_predictions(path: &Path) -> Result<DataFrame> {
    let err = |message: String| Error::Read { path: path.display().to_string(), message };
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
            .map_err(|e| err(e.to_string())),
        Some("parquet") | Some("pq") => {
            let file = std::fs::File::open(path).map_err(|e| err(e.to_string()))?;
            ParquetReader::new(file).finish().map_err(|e| err(e.to_string()))
        }
        _ => Err(err("unknown format: expected a .csv or .parquet file".into())),
    }
}

fn column<'a>(df: &'a DataFrame, name: &str, table: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| Error::MissingColumn {
        column: name.to_owned(),
        table: table.to_owned(),
        available: df.get_column_names().iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", "),
    })
}

/// A numeric (or boolean) column as `f64`, nulls as `None`.
fn float_values(df: &DataFrame, name: &str, table: &str) -> Result<Vec<Option<f64>>> {
    let col = column(df, name, table)?;
    let dtype = col.dtype();
    if !(dtype.is_primitive_numeric() || dtype.is_bool() || dtype.is_null()) {
        return Err(Error::ColumnType {
            column: name.to_owned(),
            dtype: dtype.to_string(),
            expected: "numbers",
        });
    }
    let cast = col.cast(&DataType::Float64)?;
    Ok(cast.f64()?.iter().collect())
}

fn labels(df: &DataFrame, plan: &EvaluationPlan, table: &str) -> Result<Vec<bool>> {
    float_values(df, &plan.label, table)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Some(x) if x == 0.0 => Ok(false),
            Some(x) if x == 1.0 => Ok(true),
            other => Err(Error::InvalidLabel {
                column: plan.label.clone(),
                row: i + 1,
                value: other.map_or("null".into(), |x| x.to_string()),
            }),
        })
        .collect()
}

fn scores(df: &DataFrame, name: &str, table: &str) -> Result<Vec<f64>> {
    float_values(df, name, table)?
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            None => Err(Error::MissingValue { column: name.to_owned(), row: i + 1 }),
            Some(x) if !x.is_finite() => Err(Error::NonFiniteScore {
                subject: format!("score column {name:?}"),
                row: i + 1,
                value: x,
            }),
            Some(x) => Ok(x),
        })
        .collect()
}

/// `(split name, rows)` in order of first appearance.
fn splits(df: &DataFrame, plan: &EvaluationPlan, table: &str) -> Result<Vec<(String, Vec<usize>)>> {
    let Some(name) = &plan.split else {
        return Ok(vec![("all".to_owned(), (0..df.height()).collect())]);
    };
    let col = column(df, name, table)?.cast(&DataType::String)?;
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, v) in col.str()?.iter().enumerate() {
        let v = v.ok_or_else(|| Error::MissingValue { column: name.clone(), row: i + 1 })?;
        match out.iter_mut().find(|(s, _)| s == v) {
            Some((_, rows)) => rows.push(i),
            None => out.push((v.to_owned(), vec![i])),
        }
    }
    Ok(out)
}

/// Accumulates the columns of the metrics table.
#[derive(Default)]
struct MetricColumns {
    text: Vec<(&'static str, Vec<Option<String>>)>,
    ints: Vec<(&'static str, Vec<Option<u64>>)>,
    floats: Vec<(&'static str, Vec<Option<f64>>)>,
    order: Vec<(&'static str, u8)>,
}

impl MetricColumns {
    fn text(&mut self, name: &'static str, v: Option<String>) {
        match self.text.iter_mut().find(|c| c.0 == name) {
            Some(c) => c.1.push(v),
            None => {
                self.order.push((name, 0));
                self.text.push((name, vec![v]));
            }
        }
    }
    fn int(&mut self, name: &'static str, v: Option<u64>) {
        match self.ints.iter_mut().find(|c| c.0 == name) {
            Some(c) => c.1.push(v),
            None => {
                self.order.push((name, 1));
                self.ints.push((name, vec![v]));
            }
        }
    }
    fn float(&mut self, name: &'static str, v: Option<f64>) {
        match self.floats.iter_mut().find(|c| c.0 == name) {
            Some(c) => c.1.push(v),
            None => {
                self.order.push((name, 2));
                self.floats.push((name, vec![v]));
            }
        }
    }
    fn finish(self) -> Result<DataFrame> {
        let cols = self
            .order
            .iter()
            .map(|&(name, kind)| match kind {
                0 => Column::new(
                    name.into(),
                    &self.text.iter().find(|c| c.0 == name).expect("recorded column").1,
                ),
                1 => Column::new(
                    name.into(),
                    &self.ints.iter().find(|c| c.0 == name).expect("recorded column").1,
                ),
                _ => Column::new(
                    name.into(),
                    &self.floats.iter().find(|c| c.0 == name).expect("recorded column").1,
                ),
            })
            .collect();
        Ok(DataFrame::new_infer_height(cols)?)
    }
}

fn subset<T: Copy>(v: &[T], rows: &[usize]) -> Vec<T> {
    rows.iter().map(|&i| v[i]).collect()
}

/// Evaluates every score of `plan` on every split of `df`.
///
/// Everything is checked before anything is computed: missing columns, labels other than 0/1,
/// null or non-finite scores, an unknown `threshold_from` split, and fewer than two controls or
/// cases in any split give an error naming the column and split. `table` names `df` in messages
/// (usually the file name).
pub fn evaluate_predictions(
    df: &DataFrame,
    plan: &EvaluationPlan,
    table: &str,
) -> Result<Evaluation> {
    plan.check()?;
    let y = labels(df, plan, table)?;
    let columns: Vec<Vec<f64>> =
        plan.scores.iter().map(|s| scores(df, s, table)).collect::<Result<_>>()?;
    let splits = splits(df, plan, table)?;
    if let Some(from) = &plan.threshold_from {
        if !splits.iter().any(|(s, _)| s == from) {
            return Err(Error::InvalidSetting {
                setting: "threshold from",
                reason: format!(
                    "split {from:?} not found in column {:?} (splits: {})",
                    plan.split.as_deref().unwrap_or(""),
                    splits.iter().map(|s| s.0.as_str()).collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    // Build (and so check) every Scores first.
    let mut built: Vec<Vec<Scores>> = Vec::new();
    for (split, rows) in &splits {
        let ys = subset(&y, rows);
        let mut per_score = Vec::new();
        for (name, values) in plan.scores.iter().zip(&columns) {
            per_score.push(Scores::with_direction(
                format!("score {name:?} in split {split:?}"),
                &subset(values, rows),
                &ys,
                plan.direction,
            )?);
        }
        built.push(per_score);
    }
    let scales: Vec<ScoreScale> = columns
        .iter()
        .map(|v| match plan.scale {
            ScaleChoice::Fixed(s) => s,
            ScaleChoice::Auto => {
                if v.iter().all(|x| (0.0..=1.0).contains(x)) {
                    ScoreScale::Probability
                } else {
                    ScoreScale::Logit
                }
            }
        })
        .collect();
    // Thresholds: chosen on `threshold_from` (or on each split).
    let rocs: Vec<Vec<RocCurve>> =
        built.iter().map(|s| s.iter().map(roc_curve).collect()).collect();
    let from_index =
        plan.threshold_from.as_ref().and_then(|f| splits.iter().position(|(s, _)| s == f));
    let mut warnings = Vec::new();
    let mut m = MetricColumns::default();
    let mut comparisons = MetricColumns::default();
    let mut roc_parts = Vec::new();
    let mut calibration_parts = Vec::new();
    let mut decision_parts = Vec::new();
    let mut curves = Vec::new();
    for (si, (split, rows)) in splits.iter().enumerate() {
        let ys = subset(&y, rows);
        for (k, name) in plan.scores.iter().enumerate() {
            let s = &built[si][k];
            let roc = &rocs[si][k];
            let (threshold_split, youden) = match from_index {
                Some(f) => (&splits[f].0, youden_threshold(&rocs[f][k])),
                None => (split, youden_threshold(roc)),
            };
            let threshold: Threshold = youden.threshold;
            let delong = ci_auc_delong(s, plan.conf_level)?;
            let boot: Option<BootstrapCis> = match &plan.bootstrap {
                Some(cfg) => Some(
                    bootstrap_stratified(
                        s,
                        Some(threshold),
                        &BootstrapConfig { conf_level: plan.conf_level, ..*cfg },
                    )?
                    .percentile_cis(plan.conf_level),
                ),
                None => None,
            };
            let (ci_low, ci_high) = match (plan.auc_ci, &boot) {
                (AucCiMethod::Bootstrap, Some(b)) => (b.auc.low, b.auc.high),
                _ => (delong.low, delong.high),
            };
            let metrics = classification_metrics(s, threshold);
            m.text("split", Some(split.clone()));
            m.text("score", Some(name.clone()));
            m.text("score_scale", Some(scales[k].as_str().into()));
            m.int("n", Some(rows.len() as u64));
            m.int("positives", Some(s.n_cases() as u64));
            m.int("negatives", Some(s.n_controls() as u64));
            m.float("auc", Some(delong.auc));
            m.float("auc_se", Some(delong.standard_error));
            m.float("auc_ci_low", Some(ci_low));
            m.float("auc_ci_high", Some(ci_high));
            m.text("auc_ci_method", Some(plan.auc_ci.as_str().into()));
            m.float("threshold", Some(threshold.value));
            m.text("threshold_from", Some(threshold_split.clone()));
            m.int("tp", Some(metrics.true_positives as u64));
            m.int("fp", Some(metrics.false_positives as u64));
            m.int("tn", Some(metrics.true_negatives as u64));
            m.int("fn", Some(metrics.false_negatives as u64));
            let ci = |c: Option<PercentileCi>| {
                (
                    c.map(|c| c.low).filter(|v| !v.is_nan()),
                    c.map(|c| c.high).filter(|v| !v.is_nan()),
                )
            };
            let b = boot.as_ref();
            let rates: [(
                &'static str,
                &'static str,
                &'static str,
                Option<f64>,
                Option<PercentileCi>,
            ); 5] = [
                (
                    "sensitivity",
                    "sensitivity_ci_low",
                    "sensitivity_ci_high",
                    Some(metrics.sensitivity),
                    b.and_then(|b| b.sensitivity),
                ),
                (
                    "specificity",
                    "specificity_ci_low",
                    "specificity_ci_high",
                    Some(metrics.specificity),
                    b.and_then(|b| b.specificity),
                ),
                (
                    "accuracy",
                    "accuracy_ci_low",
                    "accuracy_ci_high",
                    Some(metrics.accuracy),
                    b.and_then(|b| b.accuracy),
                ),
                ("ppv", "ppv_ci_low", "ppv_ci_high", metrics.ppv, b.and_then(|b| b.ppv)),
                ("npv", "npv_ci_low", "npv_ci_high", metrics.npv, b.and_then(|b| b.npv)),
            ];
            for (name_v, name_lo, name_hi, v, c) in rates {
                let (lo, hi) = ci(c);
                m.float(name_v, v);
                m.float(name_lo, lo);
                m.float(name_hi, hi);
            }
            if metrics.ppv.is_none() || metrics.npv.is_none() {
                warnings.push(format!("score {name:?} in split {split:?}: threshold {} calls every patient {}; PPV or NPV is undefined", threshold.value, if metrics.ppv.is_none() { "negative" } else { "positive" }));
            }
            m.int("bootstrap_replicates", plan.bootstrap.map(|b| b.replicates as u64));
            // Calibration on the probability scale.
            let subject = format!("score {name:?} in split {split:?}");
            let probs = scales[k].to_probabilities(&subset(&columns[k], rows));
            let mut note = |r: Result<f64>| match r {
                Ok(v) => Some(v),
                Err(e) => {
                    warnings.push(e.to_string());
                    None
                }
            };
            let brier = note(brier_score(&subject, &probs, &ys));
            let intercept = note(calibration_intercept(&subject, &probs, &ys));
            let slope = note(calibration_slope(&subject, &probs, &ys));
            m.float("brier", brier);
            m.float("calibration_intercept", intercept);
            m.float("calibration_slope", slope);
            match hosmer_lemeshow(&subject, &probs, &ys, plan.hosmer_lemeshow_groups) {
                Ok(hl) => {
                    m.float("hl_chi2", Some(hl.statistic));
                    m.float("hl_df", Some(hl.df));
                    m.float("hl_p", Some(hl.p_value));
                }
                Err(e) => {
                    warnings.push(e.to_string());
                    m.float("hl_chi2", None);
                    m.float("hl_df", None);
                    m.float("hl_p", None);
                }
            }
            // Predicted group × outcome.
            let group: Vec<bool> =
                subset(&columns[k], rows).iter().map(|&v| threshold.is_positive(v)).collect();
            let table2 = TwoByTwo::from_pairs(&subject, &group, &ys)?;
            match chi_squared_test(&subject, &table2, true) {
                Ok(t) => {
                    m.float("chi2_yates", Some(t.statistic));
                    m.float("chi2_yates_p", Some(t.p_value));
                    m.float("fisher_p", Some(fisher_exact_test(&table2)));
                }
                Err(e) => {
                    warnings.push(e.to_string());
                    m.float("chi2_yates", None);
                    m.float("chi2_yates_p", None);
                    m.float("fisher_p", None);
                }
            }
            // Long tables.
            let mut roc_df = roc.to_frame()?.select(["threshold", "sensitivity", "specificity"])?;
            prepend_keys(&mut roc_df, split, name)?;
            roc_parts.push(roc_df);
            let probability_ok = probs.iter().all(|p| *p > 0.0 && *p < 1.0);
            let groups = if probability_ok {
                risk_groups(&probs, &ys, plan.hosmer_lemeshow_groups)
            } else {
                Vec::new()
            };
            let mut cal = DataFrame::new_infer_height(vec![
                Column::new("group".into(), (1..=groups.len() as u64).collect::<Vec<_>>()),
                Column::new("lower".into(), groups.iter().map(|g| g.lower).collect::<Vec<_>>()),
                Column::new("upper".into(), groups.iter().map(|g| g.upper).collect::<Vec<_>>()),
                Column::new("n".into(), groups.iter().map(|g| g.n as u64).collect::<Vec<_>>()),
                Column::new(
                    "mean_predicted".into(),
                    groups.iter().map(|g| g.mean_predicted).collect::<Vec<_>>(),
                ),
                Column::new(
                    "observed_rate".into(),
                    groups.iter().map(|g| g.observed / g.n as f64).collect::<Vec<_>>(),
                ),
                Column::new(
                    "expected_events".into(),
                    groups.iter().map(|g| g.expected).collect::<Vec<_>>(),
                ),
                Column::new(
                    "observed_events".into(),
                    groups.iter().map(|g| g.observed).collect::<Vec<_>>(),
                ),
            ])?;
            prepend_keys(&mut cal, split, name)?;
            calibration_parts.push(cal);
            if let Ok(mut dc) = decision_curve(&subject, &probs, &ys, &default_threshold_grid()) {
                prepend_keys(&mut dc, split, name)?;
                decision_parts.push(dc);
            }
            curves.push(CurveSummary {
                split: split.clone(),
                score: name.clone(),
                auc: delong.auc,
                auc_ci: (ci_low, ci_high),
                roc: roc.clone(),
                risk_groups: groups,
            });
        }
        for a in 0..plan.scores.len() {
            for b in a + 1..plan.scores.len() {
                let t = roc_test_delong_paired(&built[si][a], &built[si][b], plan.conf_level)?;
                comparisons.text("split", Some(split.clone()));
                comparisons.text("score_a", Some(plan.scores[a].clone()));
                comparisons.text("score_b", Some(plan.scores[b].clone()));
                comparisons.float("auc_a", Some(t.auc_a));
                comparisons.float("auc_b", Some(t.auc_b));
                comparisons.float("auc_difference", Some(t.difference));
                comparisons.float("difference_ci_low", Some(t.ci_low));
                comparisons.float("difference_ci_high", Some(t.ci_high));
                comparisons.float("z", Some(t.z));
                comparisons.float("p_value", Some(t.p_value));
            }
        }
    }
    let comparisons = if comparisons.order.is_empty() {
        DataFrame::new_infer_height(
            ["split", "score_a", "score_b"]
                .iter()
                .map(|n| Column::new((*n).into(), Vec::<String>::new()))
                .chain(
                    [
                        "auc_a",
                        "auc_b",
                        "auc_difference",
                        "difference_ci_low",
                        "difference_ci_high",
                        "z",
                        "p_value",
                    ]
                    .iter()
                    .map(|n| Column::new((*n).into(), Vec::<f64>::new())),
                )
                .collect(),
        )?
    } else {
        comparisons.finish()?
    };
    Ok(Evaluation {
        metrics: m.finish()?,
        comparisons,
        roc: concat(roc_parts)?,
        calibration: concat(calibration_parts)?,
        decision_curve: concat(decision_parts)?,
        curves,
        splits: splits.into_iter().map(|s| s.0).collect(),
        warnings,
    })
}

/// Puts `split` and `score` columns in front of `df`.
fn prepend_keys(df: &mut DataFrame, split: &str, score: &str) -> Result<()> {
    let h = df.height();
    let mut cols = vec![
        Column::new("split".into(), vec![split; h]),
        Column::new("score".into(), vec![score; h]),
    ];
    cols.extend(df.columns().iter().cloned());
    *df = DataFrame::new_infer_height(cols)?;
    Ok(())
}

fn concat(parts: Vec<DataFrame>) -> Result<DataFrame> {
    let mut iter = parts.into_iter();
    let Some(mut first) = iter.next() else { return Ok(DataFrame::empty()) };
    for p in iter {
        first.vstack_mut(&p)?;
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> DataFrame {
        DataFrame::new_infer_height(vec![
            Column::new("y".into(), [0i64, 0, 0, 1, 1, 1]),
            Column::new("lp".into(), [-2.0, 0.5, -1.0, 1.5, -0.2, 2.5]),
        ])
        .unwrap()
    }

    #[test]
    fn plan_checks_settings() {
        let mut plan = EvaluationPlan::new("y", vec!["lp".into(), "lp".into()], 1);
        assert!(matches!(plan.check(), Err(Error::InvalidSetting { setting: "scores", .. })));
        plan.scores = vec!["lp".into()];
        plan.threshold_from = Some("train".into());
        assert!(matches!(
            plan.check(),
            Err(Error::InvalidSetting { setting: "threshold from", .. })
        ));
        plan.threshold_from = None;
        plan.bootstrap = None;
        plan.auc_ci = AucCiMethod::Bootstrap;
        assert!(plan.check().is_err());
    }

    #[test]
    fn logits_are_detected_and_calibrated_on_the_probability_scale() {
        let mut plan = EvaluationPlan::new("y", vec!["lp".into()], 1);
        plan.bootstrap = None;
        let e = evaluate_predictions(&frame(), &plan, "frame").unwrap();
        let m = &e.metrics;
        assert_eq!(m.column("score_scale").unwrap().str().unwrap().get(0), Some("logit"));
        // Brier on logistic(lp) by hand.
        let probs: Vec<f64> = [-2.0f64, 0.5, -1.0, 1.5, -0.2, 2.5]
            .iter()
            .map(|&v| 1.0 / (1.0 + (-v).exp()))
            .collect();
        let y = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let brier = probs.iter().zip(y).map(|(p, y)| (p - y) * (p - y)).sum::<f64>() / 6.0;
        let ours = m.column("brier").unwrap().f64().unwrap().get(0).unwrap();
        assert!((ours - brier).abs() < 1e-15);
        // No bootstrap: the metric CIs are null.
        assert_eq!(m.column("sensitivity_ci_low").unwrap().f64().unwrap().get(0), None);
        // One score: an empty comparisons table with its columns.
        assert_eq!(e.comparisons.height(), 0);
        assert_eq!(e.comparisons.width(), 10);
    }
}
