//! Stages 4 and 5 for a multi-class outcome (`cohort.classes`, e.g. HER2-zero vs -low vs
//! -positive).
//!
//! **Signatures**: every configured signature is fitted one-vs-rest on each fit's training rows
//! (`radlsig_fusion::fit_one_vs_rest`: class c against the others, with the same pipelines,
//! searches and seeds as a 0/1 outcome), and a predicted row's class probabilities are its
//! one-vs-rest probabilities normalised to sum to 1. `signature.json` holds, per fit, the
//! classes and one signature set per class; `predictions.parquet` one row per (fit, case,
//! signature) with the class label and a `p_<class>` column per class.
//!
//! **Evaluation**, per signature and evaluated split (k-fold: each repeat's pooled out-of-fold
//! predictions): Hand & Till's `M` and the macro one-vs-rest AUC with stratified bootstrap
//! percentile CIs (`evaluation.bootstrap` resamples, the experiment seed; resampled within each
//! class), each class's one-vs-rest AUC with its DeLong CI, and the pairwise `Â(i, j)` of Hand &
//! Till (`metrics.csv`); the paired bootstrap difference in `M` between every two signatures on
//! the same resamples (`comparisons.csv`). Explanations are those of each class's signature
//! (`RAsig[low]`: class `low` against the rest; permutation importance on that binary AUC).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use polars::prelude::{Column, DataFrame};
use radlsig_evaluate::{
    BootstrapConfig, Scores, bootstrap_multiclass, ci_auc_delong, csv_bytes, multiclass_auc,
    percentile_ci,
};
use radlsig_fusion::{OneVsRest, fit_one_vs_rest};

use crate::cohort::Cohort;
use crate::error::{Error, Result};
use crate::explanations::{ExplanationRow, ShapRow, explain_fit, explanations_table, shap_table};
use crate::lock::{Lock, resolved_config};
use crate::observer::Observer;
use crate::plan::Experiment;
use crate::report::{MulticlassReportInput, multiclass_html};
use crate::signatures::{FitWarning, column_name, fit_blocks, fit_warnings, permutation_settings};
use crate::tables::{RawTable, write_bytes, write_table};

/// One predicted row: its class probabilities under one signature.
#[derive(Debug, Clone)]
pub(crate) struct ClassPrediction {
    pub id: String,
    pub fit: String,
    pub split: String,
    /// The class index.
    pub label: u8,
    pub signature: String,
    /// `p̂(k | x)` for every class, summing to 1.
    pub probabilities: Vec<f64>,
}

/// The one-vs-rest signatures of every fit and their predictions.
pub(crate) struct ClassFitted {
    /// The classes, in label order.
    pub classes: Vec<String>,
    /// (fit name, its one-vs-rest sets), in fit order.
    pub sets: Vec<(String, OneVsRest)>,
    pub rows: Vec<ClassPrediction>,
    pub dropped: BTreeMap<String, Vec<String>>,
    /// (column name, display name) of each signature.
    pub signatures: Vec<(String, String)>,
    pub warnings: Vec<FitWarning>,
    pub explanations: Vec<ExplanationRow>,
    pub shap: Vec<ShapRow>,
}

/// Stage 4 for a multi-class outcome (module docs).
pub(crate) fn fit(
    experiment: &Experiment,
    cohort: &Cohort,
    radiomics: Option<&RawTable>,
    deep: Option<&[RawTable]>,
) -> Result<ClassFitted> {
    let config = &experiment.config;
    let classes = cohort.classes.clone().expect("a multi-class cohort");
    let m = &cohort.manifest;
    let ids: Vec<String> = m.cases.iter().map(|c| c.id.clone()).collect();
    let permutation = permutation_settings(config);
    let mut out = ClassFitted {
        classes: classes.clone(),
        sets: Vec::new(),
        rows: Vec::new(),
        dropped: BTreeMap::new(),
        signatures: Vec::new(),
        warnings: Vec::new(),
        explanations: Vec::new(),
        shap: Vec::new(),
    };
    for (f, fit) in cohort.fits.iter().enumerate() {
        let blocks = fit_blocks(experiment, cohort, radiomics, deep, f, &mut out.dropped)?;
        let fusion = |what: &str| {
            let context = format!("{what} the one-vs-rest signatures of fit {}", fit.name);
            move |e| Error::Fusion { context, source: Box::new(e) }
        };
        let train_labels: Vec<usize> =
            fit.train.iter().map(|&i| usize::from(cohort.labels[i])).collect();
        let ovr = fit_one_vs_rest(
            &config.fusion,
            &blocks.select_rows(&fit.train),
            &train_labels,
            &classes,
        )
        .map_err(fusion("fitting"))?;
        let predict_rows: Vec<usize> = fit.predict.iter().map(|(i, _)| *i).collect();
        let probabilities = ovr
            .class_probabilities(&blocks.select_rows(&predict_rows))
            .map_err(fusion("applying"))?;
        for (id, p) in &probabilities {
            for (k, (i, split)) in fit.predict.iter().enumerate() {
                out.rows.push(ClassPrediction {
                    id: ids[*i].clone(),
                    fit: fit.name.clone(),
                    split: split.clone(),
                    label: cohort.labels[*i],
                    signature: column_name(*id).to_string(),
                    probabilities: p.row(k).to_vec(),
                });
            }
        }
        for (c, set) in ovr.sets.iter().enumerate() {
            let suffix = format!("[{}]", classes[c]);
            out.warnings.extend(fit_warnings(&fit.name, &set.signatures, &suffix));
            let y: Vec<u8> = cohort.labels.iter().map(|&l| u8::from(usize::from(l) == c)).collect();
            let (mut e, mut s) =
                explain_fit(fit, &set.signatures, &blocks, &ids, &y, &permutation)?;
            e.iter_mut().for_each(|r| r.signature.push_str(&suffix));
            s.iter_mut().for_each(|r| r.signature.push_str(&suffix));
            out.explanations.extend(e);
            out.shap.extend(s);
        }
        if f == 0 {
            out.signatures = probabilities
                .iter()
                .map(|(id, _)| (column_name(*id).to_string(), id.name().to_string()))
                .collect();
        }
        out.sets.push((fit.name.clone(), ovr));
    }
    Ok(out)
}

/// One row of `metrics.csv` of a multi-class run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClassMetric {
    pub signature: String,
    pub split: String,
    pub n: usize,
    /// `hand_till_auc`, `macro_auc`, `auc_one_vs_rest` or `auc_pair`.
    pub metric: &'static str,
    /// The class (one vs rest) or the pair `i|j`; empty for the overall AUCs.
    pub class: String,
    pub estimate: f64,
    /// The CI (bootstrap percentile for M and macro, DeLong for one vs rest; none for pairs).
    pub ci: Option<(f64, f64)>,
}

/// One row of `comparisons.csv` of a multi-class run: `M(a) − M(b)` with its paired bootstrap
/// percentile interval.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ClassComparison {
    pub split: String,
    pub a: String,
    pub b: String,
    pub difference: f64,
    pub ci: Option<(f64, f64)>,
}

/// The multi-class metrics and comparisons of every evaluated split (module docs).
pub(crate) fn evaluate(
    experiment: &Experiment,
    fitted: &ClassFitted,
) -> Result<(Vec<ClassMetric>, Vec<ClassComparison>)> {
    let config = &experiment.config.evaluation;
    let k = fitted.classes.len();
    let mut splits: Vec<&str> = Vec::new();
    for r in &fitted.rows {
        if !splits.contains(&r.split.as_str()) {
            splits.push(&r.split);
        }
    }
    let (mut metrics, mut comparisons) = (Vec::new(), Vec::new());
    let evaluate = |subject: &str| {
        let context = format!("evaluating {subject}");
        move |e| Error::Evaluate { context, source: Box::new(e) }
    };
    for split in splits {
        // Rows in one order for every signature (fit, then ID), so the bootstrap is paired.
        let mut labels: Vec<usize> = Vec::new();
        let mut matrices: Vec<Vec<f64>> = vec![Vec::new(); fitted.signatures.len()];
        let mut keys: Vec<(&str, &str)> = Vec::new();
        for (j, (column, _)) in fitted.signatures.iter().enumerate() {
            let mut rows: Vec<&ClassPrediction> =
                fitted.rows.iter().filter(|r| r.split == split && r.signature == *column).collect();
            rows.sort_by(|a, b| (&a.fit, &a.id).cmp(&(&b.fit, &b.id)));
            let these: Vec<(&str, &str)> =
                rows.iter().map(|r| (r.fit.as_str(), r.id.as_str())).collect();
            if j == 0 {
                keys = these;
                labels = rows.iter().map(|r| usize::from(r.label)).collect();
            } else {
                assert_eq!(these, keys, "every signature predicts the same rows");
            }
            matrices[j] = rows.iter().flat_map(|r| r.probabilities.iter().copied()).collect();
        }
        let n = labels.len();
        let subject = |s: &str| format!("signature {s:?} in split {split:?}");
        let replicates = (config.bootstrap > 0)
            .then(|| {
                let refs: Vec<&[f64]> = matrices.iter().map(Vec::as_slice).collect();
                let boot = BootstrapConfig {
                    replicates: config.bootstrap,
                    seed: experiment.config.seed,
                    conf_level: config.conf_level,
                };
                bootstrap_multiclass(&format!("split {split:?}"), &refs, &labels, k, &boot)
            })
            .transpose()
            .map_err(evaluate(&format!("split {split:?}")))?;
        let ci = |values: &[f64]| {
            let c = percentile_ci(values, config.conf_level);
            (c.low, c.high)
        };
        for (j, (column, _)) in fitted.signatures.iter().enumerate() {
            let auc = multiclass_auc(&subject(column), &matrices[j], &labels, k)
                .map_err(evaluate(&subject(column)))?;
            let row = |metric, class: String, estimate, ci| ClassMetric {
                signature: column.clone(),
                split: split.to_string(),
                n,
                metric,
                class,
                estimate,
                ci,
            };
            let boot = replicates.as_ref().map(|r| &r[j]);
            metrics.push(row(
                "hand_till_auc",
                String::new(),
                auc.hand_till,
                boot.map(|b| ci(&b.hand_till)),
            ));
            metrics.push(row(
                "macro_auc",
                String::new(),
                auc.macro_ovr,
                boot.map(|b| ci(&b.macro_ovr)),
            ));
            for (c, name) in fitted.classes.iter().enumerate() {
                let p: Vec<f64> = (0..n).map(|r| matrices[j][r * k + c]).collect();
                let y: Vec<bool> = labels.iter().map(|&l| l == c).collect();
                let what = format!("{} (class {name} vs rest)", subject(column));
                let scores = Scores::new(what.clone(), &p, &y).map_err(evaluate(&what))?;
                let d = ci_auc_delong(&scores, config.conf_level).map_err(evaluate(&what))?;
                debug_assert!((d.auc - auc.one_vs_rest[c]).abs() < 1e-12);
                metrics.push(row("auc_one_vs_rest", name.clone(), d.auc, Some((d.low, d.high))));
            }
            for &(a, b, v) in &auc.pairs {
                let pair = format!("{}|{}", fitted.classes[a], fitted.classes[b]);
                metrics.push(row("auc_pair", pair, v, None));
            }
        }
        let hand_till: Vec<f64> = metrics
            .iter()
            .filter(|m| m.split == split && m.metric == "hand_till_auc")
            .map(|m| m.estimate)
            .collect();
        for a in 0..fitted.signatures.len() {
            for b in a + 1..fitted.signatures.len() {
                let ci = replicates.as_ref().map(|r| {
                    let d: Vec<f64> =
                        r[a].hand_till.iter().zip(&r[b].hand_till).map(|(x, y)| x - y).collect();
                    ci(&d)
                });
                comparisons.push(ClassComparison {
                    split: split.to_string(),
                    a: fitted.signatures[a].0.clone(),
                    b: fitted.signatures[b].0.clone(),
                    difference: hand_till[a] - hand_till[b],
                    ci,
                });
            }
        }
    }
    Ok((metrics, comparisons))
}

fn metrics_table(rows: &[ClassMetric]) -> Result<DataFrame> {
    let text = |f: &dyn Fn(&ClassMetric) -> String| -> Vec<String> { rows.iter().map(f).collect() };
    let columns = vec![
        Column::new("signature".into(), text(&|r| r.signature.clone())),
        Column::new("split".into(), text(&|r| r.split.clone())),
        Column::new("n".into(), rows.iter().map(|r| r.n as u32).collect::<Vec<_>>()),
        Column::new("metric".into(), text(&|r| r.metric.to_string())),
        Column::new("class".into(), text(&|r| r.class.clone())),
        Column::new("estimate".into(), rows.iter().map(|r| r.estimate).collect::<Vec<_>>()),
        Column::new("lower".into(), rows.iter().map(|r| r.ci.map(|c| c.0)).collect::<Vec<_>>()),
        Column::new("upper".into(), rows.iter().map(|r| r.ci.map(|c| c.1)).collect::<Vec<_>>()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| Error::table("building metrics.csv", e))
}

fn comparisons_table(rows: &[ClassComparison]) -> Result<DataFrame> {
    let text =
        |f: &dyn Fn(&ClassComparison) -> String| -> Vec<String> { rows.iter().map(f).collect() };
    let columns = vec![
        Column::new("split".into(), text(&|r| r.split.clone())),
        Column::new("a".into(), text(&|r| r.a.clone())),
        Column::new("b".into(), text(&|r| r.b.clone())),
        Column::new("metric".into(), vec!["hand_till_auc".to_string(); rows.len()]),
        Column::new("difference".into(), rows.iter().map(|r| r.difference).collect::<Vec<_>>()),
        Column::new("lower".into(), rows.iter().map(|r| r.ci.map(|c| c.0)).collect::<Vec<_>>()),
        Column::new("upper".into(), rows.iter().map(|r| r.ci.map(|c| c.1)).collect::<Vec<_>>()),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| Error::table("building comparisons.csv", e))
}

impl ClassFitted {
    /// `predictions.parquet`: one row per (fit, case, signature), a `p_<class>` column per class.
    fn predictions(&self) -> Result<DataFrame> {
        let rows = &self.rows;
        let text = |f: fn(&ClassPrediction) -> &String| -> Vec<String> {
            rows.iter().map(|r| f(r).clone()).collect()
        };
        let mut columns = vec![
            Column::new("ID".into(), text(|r| &r.id)),
            Column::new("fit".into(), text(|r| &r.fit)),
            Column::new("split".into(), text(|r| &r.split)),
            Column::new(
                "label".into(),
                rows.iter().map(|r| self.classes[usize::from(r.label)].clone()).collect::<Vec<_>>(),
            ),
            Column::new("signature".into(), text(|r| &r.signature)),
        ];
        for (c, name) in self.classes.iter().enumerate() {
            columns.push(Column::new(
                format!("p_{name}").into(),
                rows.iter().map(|r| r.probabilities[c]).collect::<Vec<_>>(),
            ));
        }
        DataFrame::new(rows.len(), columns)
            .map_err(|e| Error::table("building predictions.parquet", e))
    }

    /// `signature.json`: per fit, the classes and each class's signature set.
    fn to_json(&self) -> Result<String> {
        let fits: BTreeMap<&str, serde_json::Value> = self
            .sets
            .iter()
            .map(|(fit, ovr)| {
                let sets: serde_json::Map<String, serde_json::Value> = ovr
                    .classes
                    .iter()
                    .zip(&ovr.sets)
                    .map(|(c, s)| Ok((c.clone(), serde_json::to_value(s)?)))
                    .collect::<std::result::Result<_, serde_json::Error>>()?;
                Ok((
                    fit.as_str(),
                    serde_json::json!({ "classes": ovr.classes, "one_vs_rest": sets }),
                ))
            })
            .collect::<std::result::Result<_, serde_json::Error>>()
            .map_err(|e| Error::Json {
                what: "rendering signature.json".into(),
                source: Box::new(e),
            })?;
        serde_json::to_string_pretty(&fits).map_err(|e| Error::Json {
            what: "rendering signature.json".into(),
            source: Box::new(e),
        })
    }
}

/// The printed results table: Hand & Till's M and the macro AUC of each signature and split.
pub(crate) fn text_table(metrics: &[ClassMetric]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{:<16} {:<12} {:>5}  {:<22} {:<22}",
        "signature", "split", "n", "Hand & Till AUC", "macro AUC"
    );
    let cell = |m: Option<&ClassMetric>| {
        m.map_or("–".to_string(), |m| match m.ci {
            Some((l, h)) => format!("{:.3} [{l:.3}, {h:.3}]", m.estimate),
            None => format!("{:.3}", m.estimate),
        })
    };
    for m in metrics.iter().filter(|m| m.metric == "hand_till_auc") {
        let macro_auc = metrics
            .iter()
            .find(|x| x.metric == "macro_auc" && x.signature == m.signature && x.split == m.split);
        let _ = writeln!(
            o,
            "{:<16} {:<12} {:>5}  {:<22} {:<22}",
            m.signature,
            m.split,
            m.n,
            cell(Some(m)),
            cell(macro_auc)
        );
    }
    o
}

/// Stage 5 for a multi-class outcome: evaluates and writes every output of the run into `dir`
/// (module docs); returns the printed results table.
pub(crate) fn run(
    experiment: &Experiment,
    cohort: &Cohort,
    fitted: &ClassFitted,
    dir: &Path,
    observer: &dyn Observer,
) -> Result<String> {
    let (metrics, comparisons) = evaluate(experiment, fitted)?;
    let csv = |name: &str, df: &DataFrame| -> Result<()> {
        let bytes = csv_bytes(df)
            .map_err(|e| Error::Evaluate { context: name.to_string(), source: Box::new(e) })?;
        write_bytes(&dir.join(name), &bytes)
    };
    write_bytes(&dir.join("signature.json"), fitted.to_json()?.as_bytes())?;
    write_table(&dir.join("predictions.parquet"), &mut fitted.predictions()?)?;
    csv("explanations.csv", &explanations_table(&fitted.explanations)?)?;
    if !fitted.shap.is_empty() {
        write_table(&dir.join("shap.parquet"), &mut shap_table(&fitted.shap)?)?;
    }
    csv("metrics.csv", &metrics_table(&metrics)?)?;
    csv("comparisons.csv", &comparisons_table(&comparisons)?)?;
    let lock = Lock::new(resolved_config(experiment, cohort), &cohort.digest, cohort.threads);
    write_bytes(&dir.join("run.lock.toml"), lock.to_toml()?.as_bytes())?;
    let report = multiclass_html(&MulticlassReportInput {
        config: &experiment.config,
        cohort,
        fitted,
        metrics: &metrics,
        comparisons: &comparisons,
        lock: &lock,
    });
    write_bytes(&dir.join("report.html"), report.as_bytes())?;
    if metrics.iter().any(|m| m.metric == "hand_till_auc" && m.ci.is_some_and(|c| c.0 <= 0.5)) {
        observer.note(
            "warning: a signature's Hand & Till AUC interval reaches 0.5 (no discrimination \
             shown; see report.html)",
        );
    }
    Ok(text_table(&metrics))
}
