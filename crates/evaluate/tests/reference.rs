//! Reference tests against R (pROC 1.18.0, stats) and scikit-learn 1.9.1. The fixtures and the
//! scripts that made them: `scripts/make-evaluate-fixtures.{R,py}`.
//!
//! Tolerances: 1e-9 absolute for every deterministic quantity (AUC, DeLong variance/CI/tests,
//! calibration, χ² statistics, correlations), 1e-9 *relative* for the p-values of χ², Fisher and
//! the correlations (some are below 1e-30), bit-for-bit equality for ROC thresholds and Youden
//! thresholds, 1e-12 for sensitivities/specificities, and 1e-12 relative for the special
//! functions. Bootstrap intervals are Monte-Carlo estimates: ours (2,000 replicates) must
//! lie within 0.01 (AUC) and 0.02 (metrics at a threshold, whose bootstrap distribution is
//! discrete) of pROC's (20,000 replicates).

use std::collections::BTreeMap;
use std::path::PathBuf;

use radlsig_evaluate::*;

struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(name: &str) -> Table {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text.lines();
        let header = lines.next().expect("header").split(',').map(str::to_owned).collect();
        let rows = lines
            .filter(|l| !l.is_empty())
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect();
        Table { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    }

    fn f(&self, row: &[String], name: &str) -> f64 {
        let s = &row[self.col(name)];
        s.parse().unwrap_or_else(|_| panic!("{name}: {s:?} is not a number"))
    }

    fn s<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        &row[self.col(name)]
    }
}

/// `(label, score_a, score_b)` per dataset, in file order.
fn datasets() -> BTreeMap<String, (Vec<bool>, Vec<f64>, Vec<f64>)> {
    let t = Table::read("datasets.csv");
    let mut out: BTreeMap<String, (Vec<bool>, Vec<f64>, Vec<f64>)> = BTreeMap::new();
    for r in &t.rows {
        let e = out.entry(t.s(r, "dataset").to_owned()).or_default();
        e.0.push(t.f(r, "label") == 1.0);
        e.1.push(t.f(r, "score_a"));
        e.2.push(t.f(r, "score_b"));
    }
    out
}

fn scores(d: &(Vec<bool>, Vec<f64>, Vec<f64>), which: &str) -> Scores {
    let v = if which == "score_a" { &d.1 } else { &d.2 };
    Scores::new(which, v, &d.0).unwrap()
}

fn close(what: &str, ours: f64, reference: f64, tol: f64) {
    let ok = if reference.is_infinite() || ours.is_infinite() {
        ours == reference
    } else {
        (ours - reference).abs() <= tol
    };
    assert!(ok, "{what}: ours {ours:e}, reference {reference:e}, tolerance {tol:e}");
}

#[test]
fn auc_delong_ci_and_youden_match_proc() {
    let data = datasets();
    let t = Table::read("proc_auc.csv");
    assert_eq!(t.rows.len(), 16);
    for r in &t.rows {
        let (d, s) = (t.s(r, "dataset"), t.s(r, "score"));
        let sc = scores(&data[d], s);
        let what = format!("{d} {s}");
        close(&format!("{what} auc"), auc(&sc), t.f(r, "auc"), 1e-9);
        close(
            &format!("{what} var"),
            delong_placements(&sc).variance(),
            t.f(r, "var_delong"),
            1e-9,
        );
        let ci = ci_auc_delong(&sc, 0.95).unwrap();
        close(&format!("{what} ci low"), ci.low, t.f(r, "ci_low"), 1e-9);
        close(&format!("{what} ci high"), ci.high, t.f(r, "ci_high"), 1e-9);
        let y = youden_threshold(&roc_curve(&sc));
        close(
            &format!("{what} youden threshold"),
            y.threshold.value,
            t.f(r, "youden_threshold"),
            0.0,
        );
        close(&format!("{what} youden se"), y.sensitivity, t.f(r, "youden_sensitivity"), 1e-12);
        close(&format!("{what} youden sp"), y.specificity, t.f(r, "youden_specificity"), 1e-12);
        // The threshold applied to the same data reproduces pROC's coordinates.
        let m = classification_metrics(&sc, y.threshold);
        close(
            &format!("{what} se at threshold"),
            m.sensitivity,
            t.f(r, "youden_sensitivity"),
            1e-12,
        );
        close(
            &format!("{what} sp at threshold"),
            m.specificity,
            t.f(r, "youden_specificity"),
            1e-12,
        );
    }
}

#[test]
fn roc_points_match_proc_exactly() {
    let data = datasets();
    let t = Table::read("proc_roc_points.csv");
    let mut expected: BTreeMap<(String, String), Vec<(f64, f64, f64)>> = BTreeMap::new();
    for r in &t.rows {
        expected.entry((t.s(r, "dataset").into(), t.s(r, "score").into())).or_default().push((
            t.f(r, "threshold"),
            t.f(r, "sensitivity"),
            t.f(r, "specificity"),
        ));
    }
    assert_eq!(expected.len(), 16);
    for ((d, s), pts) in &expected {
        let roc = roc_curve(&scores(&data[d], s));
        assert_eq!(roc.len(), pts.len(), "{d} {s}: number of points");
        for (i, &(thr, se, sp)) in pts.iter().enumerate() {
            // Thresholds are exact (same midpoint arithmetic as pROC).
            assert_eq!(roc.thresholds[i], thr, "{d} {s} threshold {i}");
            close(&format!("{d} {s} se {i}"), roc.sensitivities[i], se, 1e-12);
            close(&format!("{d} {s} sp {i}"), roc.specificities[i], sp, 1e-12);
        }
        close(
            &format!("{d} {s} trapezoid"),
            roc.trapezoidal_auc(),
            auc(&scores(&data[d], s)),
            1e-12,
        );
    }
}

#[test]
fn direction_greater_matches_proc() {
    let data = datasets();
    let t = Table::read("proc_direction_gt.csv");
    let mut expected: BTreeMap<String, Vec<(f64, f64, f64, f64)>> = BTreeMap::new();
    for r in &t.rows {
        expected.entry(t.s(r, "dataset").into()).or_default().push((
            t.f(r, "threshold"),
            t.f(r, "sensitivity"),
            t.f(r, "specificity"),
            t.f(r, "auc"),
        ));
    }
    for (d, pts) in &expected {
        let (y, a, _) = &data[d];
        let sc = Scores::with_direction("a", a, y, Direction::ControlsHigher).unwrap();
        close(&format!("{d} auc >"), auc(&sc), pts[0].3, 1e-9);
        let roc = roc_curve(&sc);
        assert_eq!(roc.len(), pts.len());
        for (i, &(thr, se, sp, _)) in pts.iter().enumerate() {
            assert_eq!(roc.thresholds[i], thr, "{d} > threshold {i}");
            close(&format!("{d} > se {i}"), roc.sensitivities[i], se, 1e-12);
            close(&format!("{d} > sp {i}"), roc.specificities[i], sp, 1e-12);
        }
    }
}

#[test]
fn delong_tests_match_proc() {
    let data = datasets();
    let t = Table::read("proc_delong_tests.csv");
    for r in &t.rows {
        let d = t.s(r, "dataset");
        let (a, b) = (scores(&data[d], "score_a"), scores(&data[d], "score_b"));
        let p = roc_test_delong_paired(&a, &b, 0.95).unwrap();
        close(&format!("{d} paired z"), p.z, t.f(r, "paired_z"), 1e-9);
        close(&format!("{d} paired p"), p.p_value, t.f(r, "paired_p"), 1e-9);
        close(&format!("{d} paired ci low"), p.ci_low, t.f(r, "paired_ci_low"), 1e-9);
        close(&format!("{d} paired ci high"), p.ci_high, t.f(r, "paired_ci_high"), 1e-9);
        let u = roc_test_delong_unpaired(&a, &b).unwrap();
        close(&format!("{d} unpaired D"), u.statistic, t.f(r, "unpaired_d"), 1e-9);
        close(
            &format!("{d} unpaired df"),
            u.df,
            t.f(r, "unpaired_df"),
            1e-9 * t.f(r, "unpaired_df"),
        );
        close(&format!("{d} unpaired p"), u.p_value, t.f(r, "unpaired_p"), 1e-9);
    }
    let c = Table::read("proc_delong_unpaired_cohorts.csv");
    let r = &c.rows[0];
    let u = roc_test_delong_unpaired(
        &scores(&data["normal"], "score_a"),
        &scores(&data["medium"], "score_b"),
    )
    .unwrap();
    close("cohorts D", u.statistic, c.f(r, "d"), 1e-9);
    close("cohorts df", u.df, c.f(r, "df"), 1e-9 * c.f(r, "df"));
    close("cohorts p", u.p_value, c.f(r, "p"), 1e-9);
}

#[test]
fn auc_and_roc_points_match_scikit_learn() {
    let data = datasets();
    let t = Table::read("sklearn_auc.csv");
    for r in &t.rows {
        let (d, s) = (t.s(r, "dataset"), t.s(r, "score"));
        close(&format!("sklearn {d} {s}"), auc(&scores(&data[d], s)), t.f(r, "auc"), 1e-9);
    }
    let p = Table::read("sklearn_roc_points.csv");
    let mut pts: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    for r in &p.rows {
        pts.entry((p.s(r, "dataset").into(), p.s(r, "score").into()))
            .or_default()
            .push((p.f(r, "fpr"), p.f(r, "tpr")));
    }
    for ((d, s), v) in &pts {
        // scikit-learn lists the same points from the highest threshold down.
        let roc = roc_curve(&scores(&data[d], s));
        assert_eq!(roc.len(), v.len(), "{d} {s}");
        for (i, &(fpr, tpr)) in v.iter().rev().enumerate() {
            close(&format!("sklearn {d} {s} fpr {i}"), 1.0 - roc.specificities[i], fpr, 1e-12);
            close(&format!("sklearn {d} {s} tpr {i}"), roc.sensitivities[i], tpr, 1e-12);
        }
    }
}

#[test]
fn quantile_is_r_type_7() {
    let v: Vec<f64> = {
        let t = Table::read("quantile_values.csv");
        t.rows.iter().map(|r| t.f(r, "values")).collect()
    };
    let t = Table::read("quantile_type7.csv");
    for r in &t.rows {
        close(
            &format!("quantile {}", t.f(r, "p")),
            quantile_type7(&v, t.f(r, "p")),
            t.f(r, "q"),
            1e-15,
        );
    }
}

#[test]
fn bootstrap_cis_match_proc_within_monte_carlo_tolerance() {
    let t = Table::read("bootstrap_data.csv");
    let y: Vec<bool> = t.rows.iter().map(|r| t.f(r, "label") == 1.0).collect();
    let x: Vec<f64> = t.rows.iter().map(|r| t.f(r, "score")).collect();
    let sc = Scores::new("bootstrap", &x, &y).unwrap();
    let reference = Table::read("proc_bootstrap.csv");
    let threshold = Threshold {
        value: reference.f(&reference.rows[0], "threshold"),
        direction: Direction::ControlsLower,
    };
    // Our own Youden threshold is pROC's.
    assert_eq!(youden_threshold(&roc_curve(&sc)).threshold, threshold);
    let reps = bootstrap_stratified(&sc, Some(threshold), &BootstrapConfig::new(1)).unwrap();
    assert_eq!(reps.auc.len(), 2000);
    let cis = reps.percentile_cis(0.95);
    for r in &reference.rows {
        let name = reference.s(r, "statistic");
        let (ci, tol) = match name {
            "auc" => (Some(cis.auc), 0.01),
            "sensitivity" => (cis.sensitivity, 0.02),
            "specificity" => (cis.specificity, 0.02),
            "accuracy" => (cis.accuracy, 0.02),
            "ppv" => (cis.ppv, 0.02),
            "npv" => (cis.npv, 0.02),
            other => panic!("unknown statistic {other}"),
        };
        let ci = ci.expect("threshold given");
        close(&format!("bootstrap {name} low"), ci.low, reference.f(r, "low"), tol);
        close(&format!("bootstrap {name} high"), ci.high, reference.f(r, "high"), tol);
    }
}

#[test]
fn calibration_matches_r() {
    let t = Table::read("calibration_data.csv");
    let reference = Table::read("calibration_reference.csv");
    let sk = Table::read("sklearn_brier.csv");
    for r in &reference.rows {
        let d = reference.s(r, "dataset");
        let rows: Vec<&Vec<String>> = t.rows.iter().filter(|x| t.s(x, "dataset") == d).collect();
        let y: Vec<bool> = rows.iter().map(|x| t.f(x, "label") == 1.0).collect();
        let p: Vec<f64> = rows.iter().map(|x| t.f(x, "prob")).collect();
        close(
            &format!("{d} brier"),
            brier_score(d, &p, &y).unwrap(),
            reference.f(r, "brier"),
            1e-12,
        );
        let skr = sk.rows.iter().find(|x| sk.s(x, "dataset") == d).unwrap();
        close(
            &format!("{d} brier sklearn"),
            brier_score(d, &p, &y).unwrap(),
            sk.f(skr, "brier"),
            1e-12,
        );
        close(
            &format!("{d} intercept"),
            calibration_intercept(d, &p, &y).unwrap(),
            reference.f(r, "intercept"),
            1e-9,
        );
        close(
            &format!("{d} slope"),
            calibration_slope(d, &p, &y).unwrap(),
            reference.f(r, "slope"),
            1e-9,
        );
        let hl = hosmer_lemeshow(d, &p, &y, 10).unwrap();
        close(&format!("{d} hl chi2"), hl.statistic, reference.f(r, "hl_chi2"), 1e-9);
        close(&format!("{d} hl df"), hl.df, reference.f(r, "hl_df"), 0.0);
        close(&format!("{d} hl p"), hl.p_value, reference.f(r, "hl_p"), 1e-9);
        for pt in ["0.1", "0.2", "0.35", "0.5"] {
            close(
                &format!("{d} net benefit {pt}"),
                net_benefit(&p, &y, pt.parse().unwrap()),
                reference.f(r, &format!("nb_{pt}")),
                1e-12,
            );
        }
    }
}

#[test]
fn chi_squared_and_fisher_match_r() {
    let t = Table::read("association_tables.csv");
    for r in &t.rows {
        let c = |n: &str| t.f(r, n) as u64;
        let table = TwoByTwo { counts: [[c("a"), c("b")], [c("c"), c("d")]] };
        let what = format!("{:?}", table.counts);
        let plain = chi_squared_test("t", &table, false).unwrap();
        let yates = chi_squared_test("t", &table, true).unwrap();
        close(&format!("{what} chi2"), plain.statistic, t.f(r, "chi2"), 1e-9);
        close(
            &format!("{what} chi2 p"),
            plain.p_value,
            t.f(r, "chi2_p"),
            1e-9 * t.f(r, "chi2_p").max(1e-300),
        );
        close(&format!("{what} yates"), yates.statistic, t.f(r, "chi2_yates"), 1e-9);
        close(
            &format!("{what} yates p"),
            yates.p_value,
            t.f(r, "chi2_yates_p"),
            1e-9 * t.f(r, "chi2_yates_p").max(1e-300),
        );
        close(
            &format!("{what} fisher"),
            fisher_exact_test(&table),
            t.f(r, "fisher_p"),
            1e-9 * t.f(r, "fisher_p").max(1e-300),
        );
    }
}

#[test]
fn correlations_match_r_cor_test() {
    let data = Table::read("correlation_data.csv");
    let t = Table::read("correlation_reference.csv");
    for r in &t.rows {
        let case = t.s(r, "case");
        let rows: Vec<&Vec<String>> =
            data.rows.iter().filter(|x| data.s(x, "case") == case).collect();
        let x: Vec<f64> = rows.iter().map(|v| data.f(v, "x")).collect();
        let y: Vec<f64> = rows.iter().map(|v| data.f(v, "y")).collect();
        let p = pearson_correlation(case, &x, &y).unwrap();
        close(&format!("{case} pearson r"), p.estimate, t.f(r, "pearson_r"), 1e-12);
        close(
            &format!("{case} pearson t"),
            p.statistic,
            t.f(r, "pearson_t"),
            1e-9 * t.f(r, "pearson_t").abs().max(1.0),
        );
        close(
            &format!("{case} pearson p"),
            p.p_value,
            t.f(r, "pearson_p"),
            1e-9 * t.f(r, "pearson_p").max(1e-300),
        );
        let s = spearman_correlation(case, &x, &y).unwrap();
        close(&format!("{case} spearman rho"), s.estimate, t.f(r, "spearman_rho"), 1e-12);
        close(&format!("{case} spearman S"), s.statistic, t.f(r, "spearman_s"), 1e-9);
        close(
            &format!("{case} spearman p"),
            s.p_value,
            t.f(r, "spearman_p"),
            1e-9 * t.f(r, "spearman_p").max(1e-300),
        );
    }
}

#[test]
fn special_functions_match_r() {
    let t = Table::read("special_functions.csv");
    for r in &t.rows {
        let (f, x, value) = (t.s(r, "fn"), t.f(r, "x"), t.f(r, "value"));
        let a = if t.s(r, "a") == "NA" { f64::NAN } else { t.f(r, "a") };
        let ours = match f {
            "pnorm" => special::normal_cdf(x),
            "pnorm_upper" => special::normal_sf(x),
            "qnorm" => special::normal_quantile(x),
            "pt" => special::student_t_cdf(x, a),
            "pt_upper" => special::student_t_sf(x, a),
            "pchisq_upper" => special::chi_squared_sf(x, a),
            other => panic!("unknown function {other}"),
        };
        let tol = 1e-12 * value.abs();
        assert!(
            (ours - value).abs() <= tol.max(1e-300),
            "{f}({x}, {a}): ours {ours:e}, R {value:e}"
        );
    }
}
