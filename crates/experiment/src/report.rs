//! The printed results table and `report.html`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use polars::prelude::{DataFrame, DataType};
use radlsig_cohort::Manifest;
use radlsig_evaluate::Evaluation;
use radlsig_fusion::SignatureSet;

use crate::cohort::Cohort;
use crate::config::ExperimentConfig;
use crate::explanations::ExplanationRow;
use crate::fits::Fit;
use crate::lock::Lock;
use crate::multiclass::{ClassComparison, ClassFitted, ClassMetric};
use crate::signatures::FitWarning;

/// A column as optional floats (None when absent or null).
fn floats(df: &DataFrame, name: &str) -> Vec<Option<f64>> {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::Float64).ok())
        .and_then(|c| c.f64().ok().map(|v| v.iter().collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

/// A column as strings.
fn strings(df: &DataFrame, name: &str) -> Vec<String> {
    df.column(name)
        .ok()
        .and_then(|c| c.cast(&DataType::String).ok())
        .and_then(|c| c.str().ok().map(|v| v.iter().map(|s| s.unwrap_or("").to_string()).collect()))
        .unwrap_or_else(|| vec![String::new(); df.height()])
}

fn f3(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.3}"))
}

fn p_value(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(p) if p < 0.001 => "<0.001".into(),
        Some(p) => format!("{p:.3}"),
    }
}

/// One metrics row, formatted.
struct MetricRow {
    split: String,
    score: String,
    n: String,
    auc: String,
    sensitivity: String,
    specificity: String,
    accuracy: String,
}

fn metric_rows(e: &Evaluation) -> Vec<MetricRow> {
    let m = &e.metrics;
    let split = strings(m, "split");
    let score = strings(m, "score");
    let n = floats(m, "n");
    let (auc, lo, hi) = (floats(m, "auc"), floats(m, "auc_ci_low"), floats(m, "auc_ci_high"));
    let with_ci = |v: &[Option<f64>], name: &str, i: usize| {
        let lo = floats(m, &format!("{name}_ci_low"))[i];
        let hi = floats(m, &format!("{name}_ci_high"))[i];
        match (lo, hi) {
            (Some(l), Some(h)) => format!("{} [{l:.3}–{h:.3}]", f3(v[i])),
            _ => f3(v[i]),
        }
    };
    let (sens, spec, acc) =
        (floats(m, "sensitivity"), floats(m, "specificity"), floats(m, "accuracy"));
    (0..m.height())
        .map(|i| MetricRow {
            split: split[i].clone(),
            score: score[i].clone(),
            n: n[i].map_or("–".into(), |v| format!("{v:.0}")),
            auc: match (lo[i], hi[i]) {
                (Some(l), Some(h)) => format!("{} [{l:.3}–{h:.3}]", f3(auc[i])),
                _ => f3(auc[i]),
            },
            sensitivity: with_ci(&sens, "sensitivity", i),
            specificity: with_ci(&spec, "specificity", i),
            accuracy: with_ci(&acc, "accuracy", i),
        })
        .collect()
}

/// DeLong comparisons of RADLsig against RAsig and DLsig (or all pairs when there is no
/// RADLsig): split, pair, AUC difference, p.
fn comparison_rows(e: &Evaluation) -> Vec<[String; 4]> {
    let c = &e.comparisons;
    let (split, a, b) = (strings(c, "split"), strings(c, "score_a"), strings(c, "score_b"));
    let (d, p) = (floats(c, "auc_difference"), floats(c, "p_value"));
    let any_radl = a.iter().chain(b.iter()).any(|s| s.starts_with("RADLsig"));
    (0..c.height())
        .filter(|&i| {
            let radl = a[i].starts_with("RADLsig") || b[i].starts_with("RADLsig");
            let other = ["RAsig", "DLsig"].contains(&a[i].as_str())
                || ["RAsig", "DLsig"].contains(&b[i].as_str());
            !any_radl || (radl && other)
        })
        .map(|i| {
            // Name the fused signature first, so that ΔAUC > 0 means fusion is better.
            if b[i].starts_with("RADLsig") && !a[i].starts_with("RADLsig") {
                let d = d[i].map(|v| -v);
                [split[i].clone(), format!("{} vs {}", b[i], a[i]), f3(d), p_value(p[i])]
            } else {
                [split[i].clone(), format!("{} vs {}", a[i], b[i]), f3(d[i]), p_value(p[i])]
            }
        })
        .collect()
}

/// The signatures whose AUC CI includes 0.5 on a split ("at chance"), or lies below it
/// ("below chance"), as `signature on split (AUC a [lo–hi])`.
fn chance_rows(e: &Evaluation) -> Vec<String> {
    let m = &e.metrics;
    let (split, score) = (strings(m, "split"), strings(m, "score"));
    let (auc, lo, hi) = (floats(m, "auc"), floats(m, "auc_ci_low"), floats(m, "auc_ci_high"));
    (0..m.height())
        .filter_map(|i| {
            let (a, l, h) = (auc[i]?, lo[i]?, hi[i]?);
            let what = if h < 0.5 {
                "below chance"
            } else if l <= 0.5 {
                "at chance"
            } else {
                return None;
            };
            Some(format!("{} on {}: {what} (AUC {a:.3} [{l:.3}–{h:.3}])", score[i], split[i]))
        })
        .collect()
}

/// The table `radlsig run` and `radlsig demo` print: AUC with CI, sensitivity and specificity
/// per signature and split, then the DeLong tests of RADLsig against RAsig and DLsig.
pub fn text_table(e: &Evaluation) -> String {
    let rows = metric_rows(e);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<14} {:<11} {:>4}  {:<22} {:<22} {:<22}",
        "signature", "split", "n", "AUC [95% CI]", "sensitivity", "specificity"
    );
    for r in &rows {
        let _ = writeln!(
            out,
            "{:<14} {:<11} {:>4}  {:<22} {:<22} {:<22}",
            r.score, r.split, r.n, r.auc, r.sensitivity, r.specificity
        );
    }
    let comparisons = comparison_rows(e);
    if !comparisons.is_empty() {
        let _ = writeln!(out, "\nDeLong tests (paired, two-sided)");
        let _ = writeln!(out, "{:<11} {:<28} {:>8} {:>8}", "split", "comparison", "ΔAUC", "p");
        for [s, pair, d, p] in &comparisons {
            let _ = writeln!(out, "{s:<11} {pair:<28} {d:>8} {p:>8}");
        }
    }
    let chance = chance_rows(e);
    if !chance.is_empty() {
        let _ = writeln!(out, "\nno discrimination shown (the AUC's 95% CI includes 0.5):");
        for c in &chance {
            let _ = writeln!(out, "  {c}");
        }
    }
    out.push('\n');
    out
}

/// What the HTML report shows.
pub(crate) struct ReportInput<'a> {
    pub config: &'a ExperimentConfig,
    pub manifest: &'a Manifest,
    pub labels: &'a [u8],
    pub fits: &'a [Fit],
    pub evaluation: &'a Evaluation,
    pub sets: &'a [(String, SignatureSet)],
    pub cnn_dirs: &'a [(String, PathBuf)],
    pub dropped: &'a BTreeMap<String, Vec<String>>,
    pub warnings: &'a [FitWarning],
    pub explanations: &'a [ExplanationRow],
    pub lock: &'a Lock,
    pub roc_svg: &'a str,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn table(out: &mut String, header: &[&str], rows: &[Vec<String>]) {
    out.push_str("<table><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr>\n");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", esc(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// How each fit's stacks (late fusion, combined model) weighed their components, with the
/// components' out-of-fold AUCs on the training rows: where a component sits at 0.5 there, the
/// stack has nothing to gain from it.
/// Which pipeline each hyper-parameter search chose, per fit, on which inner metric.
fn search_table(o: &mut String, sets: &[(String, SignatureSet)]) {
    let mut rows = Vec::new();
    for (fit, set) in sets {
        for s in &set.signatures {
            let Some(search) = &s.search else { continue };
            let w = search.winner();
            let scored = search.candidates.iter().filter(|c| c.score.is_some()).count();
            let runner_up = search
                .candidates
                .iter()
                .enumerate()
                .filter(|(i, c)| *i != search.best && c.score.is_some())
                .map(|(_, c)| c.score.unwrap())
                .fold(None, |best: Option<f64>, v| {
                    Some(match (best, search.metric) {
                        (None, _) => v,
                        (Some(b), radlsig_fusion::SearchMetric::Auc) => b.max(v),
                        (Some(b), radlsig_fusion::SearchMetric::LogLoss) => b.min(v),
                    })
                });
            let settings: Vec<String> =
                w.settings.iter().map(|(k, v)| format!("{k} = {v}")).collect();
            rows.push(vec![
                fit.clone(),
                s.signature.id.name().to_string(),
                format!(
                    "{} of {} ({}; {} failed)",
                    search.best + 1,
                    search.candidates.len(),
                    match search.method {
                        radlsig_fusion::SearchMethod::Grid => "grid",
                        radlsig_fusion::SearchMethod::Random => "random",
                    },
                    search.candidates.len() - scored
                ),
                settings.join(", "),
                format!(
                    "{} {:.3} ± {:.3} ({}-fold)",
                    search.metric.as_str(),
                    w.score.unwrap_or(f64::NAN),
                    w.sd.unwrap_or(f64::NAN),
                    search.folds
                ),
                runner_up.map_or("–".into(), |v| format!("{v:.3}")),
            ]);
        }
    }
    if rows.is_empty() {
        return;
    }
    o.push_str(
        "<h3>Hyper-parameter search</h3>\n<p>Each search scored its candidates by an inner \
         stratified cross-validation of the fit's training rows only (every step and the model \
         refitted in each inner fold), then refitted the winner on all of them. Every \
         candidate's score is in <code>signature.json</code> (<code>search</code>).</p>\n",
    );
    table(
        o,
        &["fit", "signature", "winner", "settings", "inner score (mean ± SD)", "next best"],
        &rows,
    );
}

/// The top features of each signature of the first fit: permutation importance on the first
/// evaluated split (with its CI), else |standardised coefficient| or mean |SHAP| on the
/// training rows.
fn explanations_section(o: &mut String, rows: &[ExplanationRow], fit: Option<&str>) {
    let Some(fit) = fit else { return };
    let rows: Vec<&ExplanationRow> = rows.iter().filter(|r| r.fit == fit).collect();
    if rows.is_empty() {
        return;
    }
    o.push_str(
        "<h3>What drives each signature</h3>\n<p>The ten most important features of each \
         signature. Permutation importance: the mean drop in AUC when the feature's values are \
         permuted among the rows of the evaluated split, over stratified bootstrap resamples, \
         with its percentile interval (an interval that covers 0: no evidence the feature \
         matters). Without an evaluated split: |standardised coefficient| (log-odds per \
         training SD) or mean |SHAP| on the training rows. All values are in \
         <code>explanations.csv</code>; per-row SHAP values of tree models in \
         <code>shap.parquet</code>.</p>\n",
    );
    let mut signatures: Vec<&str> = Vec::new();
    for r in &rows {
        if !signatures.contains(&r.signature.as_str()) {
            signatures.push(&r.signature);
        }
    }
    for sig in signatures {
        let mine: Vec<&&ExplanationRow> = rows.iter().filter(|r| r.signature == sig).collect();
        let pick = |method: &str, split: Option<&str>| -> Vec<&&ExplanationRow> {
            let first = mine
                .iter()
                .find(|r| {
                    r.importance.method.as_str() == method && split.is_none_or(|s| r.split == s)
                })
                .map(|r| r.split.clone());
            mine.iter()
                .filter(|r| {
                    r.importance.method.as_str() == method && Some(&r.split) == first.as_ref()
                })
                .copied()
                .collect()
        };
        let (chosen, title) = {
            let perm = pick("permutation_auc", None);
            if !perm.is_empty() {
                let split = perm[0].split.clone();
                (perm, format!("{sig}: permutation importance (ΔAUC) on {split}"))
            } else {
                let c = pick("standardised_coefficient", Some("train"));
                if !c.is_empty() {
                    (c, format!("{sig}: |standardised coefficient| (training rows)"))
                } else {
                    (
                        pick("mean_abs_shap", Some("train")),
                        format!("{sig}: mean |SHAP| (training rows)"),
                    )
                }
            }
        };
        if chosen.is_empty() {
            continue;
        }
        let mut bars: Vec<(String, f64, Option<(f64, f64)>)> = chosen
            .iter()
            .map(|r| {
                let v = r.importance.value;
                let v = if r.importance.ci.is_none() { v.abs() } else { v };
                (r.importance.feature.clone(), v, r.importance.ci)
            })
            .collect();
        bars.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        bars.truncate(10);
        o.push_str(&importance_svg(&title, &bars));
        o.push('\n');
    }
}

/// A horizontal bar chart of (label, value, optional CI), largest first.
fn importance_svg(title: &str, bars: &[(String, f64, Option<(f64, f64)>)]) -> String {
    let (label_w, plot_w, row_h, top) = (300.0, 360.0, 22.0, 30.0);
    let lo = bars.iter().map(|b| b.2.map_or(b.1, |c| c.0)).fold(0.0_f64, f64::min);
    let hi = bars.iter().map(|b| b.2.map_or(b.1, |c| c.1)).fold(0.0_f64, f64::max);
    let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
    let x = |v: f64| label_w + (v - lo) / span * plot_w;
    let height = top + row_h * bars.len() as f64 + 24.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\"><text x=\"4\" y=\"16\" \
         font-weight=\"bold\">{}</text>",
        esc(title),
        w = label_w + plot_w + 20.0
    );
    for (i, (label, v, ci)) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let (a, b) = if *v >= 0.0 { (x(0.0), x(*v)) } else { (x(*v), x(0.0)) };
        let shown: String = if label.chars().count() > 44 {
            format!("{}…", label.chars().take(43).collect::<String>())
        } else {
            label.clone()
        };
        let _ = write!(
            s,
            "<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{}</text><rect x=\"{a:.1}\" \
             y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h}\" fill=\"#4a78b5\"><title>{}: {v:.4}</title></rect>",
            esc(&shown),
            esc(label),
            tx = label_w - 6.0,
            ty = y + 14.0,
            w = (b - a).max(0.5),
            h = row_h - 6.0
        );
        if let Some((l, u)) = ci {
            let cy = y + (row_h - 6.0) / 2.0;
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" y1=\"{cy:.1}\" x2=\"{:.1}\" y2=\"{cy:.1}\" stroke=\"black\"/>",
                x(*l),
                x(*u)
            );
        }
    }
    let base = top + row_h * bars.len() as f64;
    let _ = write!(
        s,
        "<line x1=\"{z:.1}\" y1=\"{top}\" x2=\"{z:.1}\" y2=\"{base}\" stroke=\"#888\"/>\
         <text x=\"{l:.1}\" y=\"{ty}\">{lo:.3}</text><text x=\"{r:.1}\" y=\"{ty}\" \
         text-anchor=\"end\">{hi:.3}</text></svg>",
        z = x(0.0),
        l = label_w,
        r = label_w + plot_w,
        ty = base + 16.0
    );
    s
}

fn stack_table(o: &mut String, sets: &[(String, SignatureSet)]) {
    let mut rows = Vec::new();
    for (fit, set) in sets {
        for s in &set.signatures {
            let Some(st) = &s.stack else { continue };
            let weights = match &st.convex_weights {
                Some(w) => st
                    .components
                    .iter()
                    .zip(w)
                    .map(|(c, w)| format!("{c} {w:.2}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                None => "logistic (free)".into(),
            };
            let aucs = st
                .components
                .iter()
                .zip(&st.component_auc)
                .map(|(c, a)| format!("{c} {}", a.map_or("constant".into(), |a| format!("{a:.3}"))))
                .collect::<Vec<_>>()
                .join(", ");
            rows.push(vec![
                fit.clone(),
                s.signature.id.name().to_string(),
                weights,
                aucs,
                f3(st.stack_auc),
            ]);
        }
    }
    if rows.is_empty() {
        return;
    }
    o.push_str(
        "<h3>Stacking</h3>\n<p>Weights of the components (convex: on their standardised \
         out-of-fold scores, chosen by out-of-fold AUC) and the out-of-fold AUCs on the \
         training rows that chose them.</p>\n",
    );
    table(
        o,
        &["fit", "signature", "weights", "component out-of-fold AUC", "stack out-of-fold AUC"],
        &rows,
    );
}

/// A self-contained HTML page (no scripts, no external files).
pub(crate) fn html(r: &ReportInput<'_>) -> String {
    let mut o = String::new();
    let name = esc(r.config.name());
    head(&mut o, &name);

    // Cohort.
    o.push_str("<h2>Cohort and split</h2>\n");
    let _ = writeln!(
        o,
        "<p>Manifest <code>{}</code>: {} cases, {} with label 1. Split: <code>{}</code>.</p>",
        esc(&r.manifest.path.display().to_string()),
        r.manifest.cases.len(),
        r.labels.iter().filter(|&&l| l == 1).count(),
        esc(&format!("{:?}", r.config.split))
    );
    let mut counts: BTreeMap<(String, String), [usize; 2]> = BTreeMap::new();
    for fit in r.fits.iter().take(1) {
        for (i, split) in &fit.predict {
            counts.entry((fit.name.clone(), split.clone())).or_default()[r.labels[*i] as usize] +=
                1;
        }
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|((_, s), [n0, n1])| {
            vec![s.clone(), (n0 + n1).to_string(), n1.to_string(), n0.to_string()]
        })
        .collect();
    table(&mut o, &["split", "cases", "label 1", "label 0"], &rows);
    if r.fits.len() > 1 {
        let _ = writeln!(
            o,
            "<p>{} fits (cross-validation); each case is predicted by the fit that did not train on it.</p>",
            r.fits.len()
        );
    }

    // Metrics.
    o.push_str("<h2>Discrimination</h2>\n<p>AUC with DeLong 95% CI; sensitivity, specificity and accuracy at the Youden threshold");
    if let Some(t) = &r.config.evaluation.threshold_from {
        let _ =
            write!(o, " chosen on <code>{}</code> and applied unchanged to every split", esc(t));
    }
    o.push_str(", with stratified bootstrap CIs.</p>\n");
    let rows: Vec<Vec<String>> = metric_rows(r.evaluation)
        .into_iter()
        .map(|m| vec![m.score, m.split, m.n, m.auc, m.sensitivity, m.specificity, m.accuracy])
        .collect();
    table(
        &mut o,
        &["signature", "split", "n", "AUC [95% CI]", "sensitivity", "specificity", "accuracy"],
        &rows,
    );
    let chance = chance_rows(r.evaluation);
    if !chance.is_empty() {
        o.push_str(
            "<p><b>No discrimination shown</b> (the AUC's 95% CI includes 0.5, or lies below \
             it):</p><ul>",
        );
        for c in &chance {
            let _ = write!(o, "<li>{}</li>", esc(c));
        }
        o.push_str("</ul>\n");
    }
    let comparisons = comparison_rows(r.evaluation);
    if !comparisons.is_empty() {
        o.push_str("<h3>DeLong tests (paired, two-sided)</h3>\n");
        let rows: Vec<Vec<String>> = comparisons.into_iter().map(|c| c.to_vec()).collect();
        table(&mut o, &["split", "comparison", "ΔAUC", "p"], &rows);
    }
    o.push_str("<h3>ROC curves</h3>\n");
    o.push_str(r.roc_svg);
    o.push_str("\n<p>More: <code>metrics.csv</code>, <code>comparisons.csv</code>, <code>roc.csv</code>, <code>calibration.svg</code>, <code>predictions.parquet</code>.</p>\n");

    // Signatures.
    o.push_str(
        "<h2>Signatures</h2>\n<p>Log-odds scores. Each feature enters after its pipeline's \
         transforms (standardisation with training means and SDs, ComBat where configured, logit \
         of a probability), whose parameters are in <code>signature.json</code>; the score of a \
         signature is the probability <code>1 / (1 + e^−score)</code> in \
         <code>predictions.parquet</code>.</p>\n",
    );
    for (fit, set) in r.sets.iter().take(1) {
        if r.sets.len() > 1 {
            let _ = writeln!(
                o,
                "<p>Shown: fit <code>{}</code> (all fits are in <code>signature.json</code>).</p>",
                esc(fit)
            );
        }
        for s in &set.signatures {
            let _ = writeln!(
                o,
                "<h3>{}</h3>\n<pre>{}</pre>",
                esc(s.signature.id.name()),
                esc(&s.signature.formula())
            );
        }
    }
    stack_table(&mut o, r.sets);
    search_table(&mut o, r.sets);
    explanations_section(&mut o, r.explanations, r.sets.first().map(|(f, _)| f.as_str()));
    fit_notes(&mut o, r.warnings, r.dropped);

    // CNN.
    if !r.cnn_dirs.is_empty() {
        o.push_str("<h2>CNN</h2>\n");
        let mut rows = Vec::new();
        for (fit, dir) in r.cnn_dirs {
            let summary = std::fs::read_to_string(radlsig_deep::RunPaths::new(dir).summary)
                .ok()
                .and_then(|t| serde_json::from_str::<radlsig_deep::TrainingSummary>(&t).ok());
            if let Some(s) = summary {
                rows.push(vec![
                    fit.clone(),
                    format!("{:?}", s.status),
                    s.epochs_run.to_string(),
                    s.best_epoch.map_or("–".into(), |e| e.to_string()),
                    f3(s.best_val_auc),
                    if s.inner_split {
                        "inner split of train".into()
                    } else {
                        "early-stopping split".into()
                    },
                ]);
            }
        }
        table(
            &mut o,
            &["fit", "status", "epochs", "best epoch", "early-stopping AUC", "early stopping on"],
            &rows,
        );
    }

    reproducibility(&mut o, r.lock, &name);
    o.push_str("</body></html>\n");
    o
}

/// The page's head and title.
fn head(o: &mut String, name: &str) {
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>radlsig — {name}</title>\
         <style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;\
         text-align:left;font-size:14px}}th{{background:#f0f0f0}}code,pre{{background:#f7f7f7;\
         padding:2px 4px}}pre{{padding:8px;overflow-x:auto}}</style></head><body>\n\
         <h1>radlsig run: {name}</h1>\n"
    );
}

/// Versions, threads, the cohort digest and how to replay the run.
fn reproducibility(o: &mut String, lock: &Lock, name: &str) {
    o.push_str("<h2>Reproducibility</h2>\n");
    let _ = writeln!(
        o,
        "<p>radlsig {} (commit <code>{}</code>), burn {}, {} threads; cohort SHA-256 <code>{}</code>. \
         Replay with <code>radlsig run --lock runs/{name}/run.lock.toml</code>.</p>",
        esc(&lock.radlsig_version),
        esc(&lock.git_commit),
        esc(&lock.burn_version),
        lock.threads,
        esc(&lock.cohort_sha256),
    );
}

/// What the report of a multi-class run shows.
pub(crate) struct MulticlassReportInput<'a> {
    pub config: &'a ExperimentConfig,
    pub cohort: &'a Cohort,
    pub fitted: &'a ClassFitted,
    pub metrics: &'a [ClassMetric],
    pub comparisons: &'a [ClassComparison],
    pub lock: &'a Lock,
}

/// `report.html` of a multi-class run (`crate::multiclass`).
pub(crate) fn multiclass_html(r: &MulticlassReportInput<'_>) -> String {
    let mut o = String::new();
    let name = esc(r.config.name());
    head(&mut o, &name);
    let (cohort, fitted) = (r.cohort, r.fitted);
    let k = fitted.classes.len();
    o.push_str("<h2>Cohort and split</h2>\n");
    let _ = writeln!(
        o,
        "<p>Manifest <code>{}</code>: {} cases of {k} classes ({}). Split: <code>{}</code>.</p>",
        esc(&cohort.manifest.path.display().to_string()),
        cohort.manifest.cases.len(),
        esc(&cohort.class_counts()),
        esc(&format!("{:?}", r.config.split))
    );
    let mut counts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for fit in cohort.fits.iter().take(1) {
        for (i, split) in &fit.predict {
            counts.entry(split.clone()).or_insert_with(|| vec![0; k])
                [usize::from(cohort.labels[*i])] += 1;
        }
    }
    let rows: Vec<Vec<String>> = counts
        .iter()
        .map(|(s, n)| {
            let mut row = vec![s.clone(), n.iter().sum::<usize>().to_string()];
            row.extend(n.iter().map(usize::to_string));
            row
        })
        .collect();
    let mut header = vec!["split", "cases"];
    header.extend(fitted.classes.iter().map(String::as_str));
    table(&mut o, &header, &rows);

    o.push_str(
        "<h2>Discrimination</h2>\n<p>Hand &amp; Till's multi-class AUC <i>M</i> (the mean over \
         pairs of classes of ½[A(i|j) + A(j|i)], pROC's <code>multiclass.roc</code>) and the \
         macro average of the one-vs-rest AUCs, with stratified bootstrap percentile CIs; each \
         class's one-vs-rest AUC with its DeLong CI. Class probabilities are the one-vs-rest \
         signatures' probabilities normalised to sum to 1.</p>\n",
    );
    let cell = |m: Option<&ClassMetric>| {
        m.map_or("–".to_string(), |m| match m.ci {
            Some((l, h)) => format!("{:.3} [{l:.3}, {h:.3}]", m.estimate),
            None => format!("{:.3}", m.estimate),
        })
    };
    let find = |m: &ClassMetric, metric: &str, class: &str| {
        r.metrics.iter().find(|x| {
            x.metric == metric
                && x.signature == m.signature
                && x.split == m.split
                && x.class == class
        })
    };
    let rows: Vec<Vec<String>> = r
        .metrics
        .iter()
        .filter(|m| m.metric == "hand_till_auc")
        .map(|m| {
            let mut row =
                vec![m.signature.clone(), m.split.clone(), m.n.to_string(), cell(Some(m))];
            row.push(cell(find(m, "macro_auc", "")));
            row.extend(fitted.classes.iter().map(|c| cell(find(m, "auc_one_vs_rest", c))));
            row
        })
        .collect();
    let ovr: Vec<String> = fitted.classes.iter().map(|c| format!("{c} vs rest")).collect();
    let mut header = vec!["signature", "split", "n", "Hand & Till AUC", "macro AUC"];
    header.extend(ovr.iter().map(String::as_str));
    table(&mut o, &header, &rows);
    if !r.comparisons.is_empty() {
        o.push_str(
            "<h3>Paired comparisons</h3>\n<p>Difference in Hand &amp; Till's <i>M</i> on the \
             same bootstrap resamples (an interval that covers 0: no difference shown).</p>\n",
        );
        let rows: Vec<Vec<String>> = r
            .comparisons
            .iter()
            .map(|c| {
                vec![
                    c.split.clone(),
                    format!("{} − {}", c.a, c.b),
                    format!("{:+.3}", c.difference),
                    c.ci.map_or("–".into(), |(l, h)| format!("[{l:+.3}, {h:+.3}]")),
                ]
            })
            .collect();
        table(&mut o, &["split", "comparison", "ΔM", "95% CI"], &rows);
    }
    o.push_str("<p>More: <code>metrics.csv</code> (also each pair's Â(i, j)), <code>comparisons.csv</code>, <code>predictions.parquet</code>.</p>\n");

    o.push_str(
        "<h2>Signatures</h2>\n<p>One signature per class against the rest, each a log-odds \
         score as for a 0/1 outcome; all fits and classes are in <code>signature.json</code>.</p>\n",
    );
    let mut flat: Vec<(String, SignatureSet)> = Vec::new();
    for (fit, ovr) in &fitted.sets {
        for (c, set) in ovr.classes.iter().zip(&ovr.sets) {
            flat.push((format!("{fit} [{c}]"), set.clone()));
        }
    }
    if let Some((fit, ovr)) = fitted.sets.first() {
        for (c, set) in ovr.classes.iter().zip(&ovr.sets) {
            for s in &set.signatures {
                let _ = writeln!(
                    o,
                    "<h3>{} — {} vs rest (fit {})</h3>\n<pre>{}</pre>",
                    esc(s.signature.id.name()),
                    esc(c),
                    esc(fit),
                    esc(&s.signature.formula())
                );
            }
        }
    }
    search_table(&mut o, &flat);
    explanations_section(
        &mut o,
        &fitted.explanations,
        fitted.sets.first().map(|(f, _)| f.as_str()),
    );
    fit_notes(&mut o, &fitted.warnings, &fitted.dropped);
    reproducibility(&mut o, r.lock, &name);
    o.push_str("</body></html>\n");
    o
}

/// What the fits worked around, and the feature columns they left out.
fn fit_notes(o: &mut String, warnings: &[FitWarning], dropped: &BTreeMap<String, Vec<String>>) {
    if !warnings.is_empty() {
        o.push_str(
            "<h3>Warnings</h3>\n<p>What the fits worked around. A selection that keeps no \
             feature gives the intercept-only model (a constant score: AUC 0.5 on the rows that \
             fit predicts); a stack component whose out-of-fold scores are constant gets \
             weight 0. Set <code>fusion.on_empty_selection = \"error\"</code> to stop instead.\
             </p>\n",
        );
        let rows: Vec<Vec<String>> = warnings
            .iter()
            .map(|w| vec![w.fit.clone(), w.signature.clone(), w.warning.to_string()])
            .collect();
        table(o, &["fit", "signature", "warning"], &rows);
    }
    if !dropped.is_empty() {
        o.push_str(
            "<p>Feature columns left out because a training row had no defined value:</p><ul>",
        );
        for (fit, d) in dropped {
            let _ = write!(o, "<li>fit {}: {}</li>", esc(fit), esc(&d.join(", ")));
        }
        o.push_str("</ul>\n");
    }
}
