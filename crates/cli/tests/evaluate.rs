//! End-to-end tests of `radlsig evaluate` against R pROC values committed with radlsig-evaluate
//! (`crates/evaluate/tests/fixtures`, made by `scripts/make-evaluate-fixtures.R`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../evaluate/tests/fixtures")
}

/// A CSV file as (header, rows of cells).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(str::to_owned).collect();
    (header, lines.map(|l| l.split(',').map(str::to_owned).collect()).collect())
}

fn cell<'a>(table: &'a (Vec<String>, Vec<Vec<String>>), row: usize, column: &str) -> &'a str {
    let j =
        table.0.iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
    &table.1[row][j]
}

fn num(table: &(Vec<String>, Vec<Vec<String>>), row: usize, column: &str) -> f64 {
    cell(table, row, column)
        .parse()
        .unwrap_or_else(|_| panic!("{column}: {:?}", cell(table, row, column)))
}

/// Writes `predictions.csv` with columns patient,label,RAsig,DLsig,split from the pROC datasets
/// `train` (split "train") and `test` (split "test").
fn predictions(dir: &Path, train: &str, test: &str) -> PathBuf {
    let data = read_csv(&fixtures().join("datasets.csv"));
    let mut out = String::from("patient,label,RAsig,DLsig,split\n");
    for (i, r) in data.1.iter().enumerate() {
        let split = if r[0] == train {
            "train"
        } else if r[0] == test {
            "test"
        } else {
            continue;
        };
        out += &format!("p{i},{},{},{},{split}\n", r[1], r[2], r[3]);
    }
    let path = dir.join("predictions.csv");
    std::fs::write(&path, out).unwrap();
    path
}

fn radlsig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radlsig")).args(args).output().expect("running radlsig")
}

fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
        }
        Err(_) => Vec::new(),
    }
}

#[test]
fn evaluate_metrics_and_comparisons_match_proc() {
    let dir = tempfile::tempdir().unwrap();
    let pred = predictions(dir.path(), "normal", "medium");
    let out = dir.path().join("out");
    let o = radlsig(&[
        "evaluate",
        "--predictions",
        pred.to_str().unwrap(),
        "--label",
        "label",
        "--scores",
        "RAsig,DLsig",
        "--split",
        "split",
        "--threshold-from",
        "train",
        "--bootstrap",
        "500",
        "--seed",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    let mut files = files_in(&out);
    files.sort();
    assert_eq!(
        files,
        [
            "calibration.csv",
            "calibration.svg",
            "comparisons.csv",
            "decision_curve.csv",
            "metrics.csv",
            "roc.csv",
            "roc.svg",
            "settings.csv"
        ]
    );

    let reference = read_csv(&fixtures().join("proc_auc.csv"));
    let metrics = read_csv(&out.join("metrics.csv"));
    assert_eq!(metrics.1.len(), 4);
    // Rows: train RAsig, train DLsig, test RAsig, test DLsig (split order of first appearance).
    let refs = [
        ("normal", "score_a"),
        ("normal", "score_b"),
        ("medium", "score_a"),
        ("medium", "score_b"),
    ];
    for (row, (d, s)) in refs.iter().enumerate() {
        let r = reference.1.iter().position(|x| x[0] == *d && x[1] == *s).unwrap();
        for (ours, theirs) in [("auc", "auc"), ("auc_ci_low", "ci_low"), ("auc_ci_high", "ci_high")]
        {
            let (a, b) = (num(&metrics, row, ours), num(&reference, r, theirs));
            assert!((a - b).abs() < 1e-9, "{d} {s} {ours}: {a} vs pROC {b}");
        }
        assert_eq!(cell(&metrics, row, "auc_ci_method"), "delong");
        assert_eq!(cell(&metrics, row, "threshold_from"), "train");
        assert_eq!(num(&metrics, row, "bootstrap_replicates"), 500.0);
        let (lo, hi, v) = (
            num(&metrics, row, "sensitivity_ci_low"),
            num(&metrics, row, "sensitivity_ci_high"),
            num(&metrics, row, "sensitivity"),
        );
        assert!(lo <= v && v <= hi, "{d} {s}: sensitivity {v} outside its CI [{lo}, {hi}]");
    }
    // The training threshold is pROC's Youden threshold on the training data...
    for (row, s) in [(0, "score_a"), (1, "score_b")] {
        let r = reference.1.iter().position(|x| x[0] == "normal" && x[1] == s).unwrap();
        assert_eq!(num(&metrics, row, "threshold"), num(&reference, r, "youden_threshold"));
        assert!(
            (num(&metrics, row, "sensitivity") - num(&reference, r, "youden_sensitivity")).abs()
                < 1e-12
        );
        assert_eq!(num(&metrics, row + 2, "threshold"), num(&reference, r, "youden_threshold"));
    }
    // ...and is applied unchanged to the test split: count by hand.
    let data = read_csv(&fixtures().join("datasets.csv"));
    let thr = num(&metrics, 2, "threshold");
    let test: Vec<&Vec<String>> = data.1.iter().filter(|r| r[0] == "medium").collect();
    let tp = test.iter().filter(|r| r[1] == "1" && r[2].parse::<f64>().unwrap() >= thr).count();
    let cases = test.iter().filter(|r| r[1] == "1").count();
    assert_eq!(num(&metrics, 2, "tp"), tp as f64);
    assert!((num(&metrics, 2, "sensitivity") - tp as f64 / cases as f64).abs() < 1e-15);

    let tests = read_csv(&fixtures().join("proc_delong_tests.csv"));
    let comparisons = read_csv(&out.join("comparisons.csv"));
    assert_eq!(comparisons.1.len(), 2);
    for (row, d) in [(0, "normal"), (1, "medium")] {
        let r = tests.1.iter().position(|x| x[0] == d).unwrap();
        for (ours, theirs) in
            [("z", "paired_z"), ("p_value", "paired_p"), ("difference_ci_low", "paired_ci_low")]
        {
            let (a, b) = (num(&comparisons, row, ours), num(&tests, r, theirs));
            assert!((a - b).abs() < 1e-9, "{d} {ours}: {a} vs pROC {b}");
        }
    }
    let svg = std::fs::read_to_string(out.join("roc.svg")).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("RAsig: AUC 0.725"),
        "legend missing in roc.svg"
    );
}

#[test]
fn evaluate_bootstrap_is_reproducible_and_selectable() {
    let dir = tempfile::tempdir().unwrap();
    let pred = predictions(dir.path(), "normal", "medium");
    let run = |out: &str| {
        let out = dir.path().join(out);
        let o = radlsig(&[
            "evaluate",
            "--predictions",
            pred.to_str().unwrap(),
            "--label",
            "label",
            "--scores",
            "RAsig",
            "--auc-ci",
            "bootstrap",
            "--bootstrap",
            "300",
            "--seed",
            "5",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "stderr: {}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(out.join("metrics.csv")).unwrap()
    };
    let (a, b) = (run("a"), run("b"));
    assert_eq!(a, b, "same seed, different bytes");
    let m = read_csv(&dir.path().join("a/metrics.csv"));
    assert_eq!(cell(&m, 0, "auc_ci_method"), "bootstrap");
    assert_eq!(cell(&m, 0, "split"), "all");
}

/// Runs with bad input and checks the error names the problem and nothing was written.
fn fails_cleanly(csv: &str, extra: &[&str], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let pred = dir.path().join("p.csv");
    std::fs::write(&pred, csv).unwrap();
    let out = dir.path().join("out");
    let mut args = vec![
        "evaluate",
        "--predictions",
        pred.to_str().unwrap(),
        "--label",
        "y",
        "--scores",
        "s1,s2",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = radlsig(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "stderr: {stderr}");
    for e in expected {
        assert!(stderr.contains(e), "error {stderr:?} does not mention {e:?}");
    }
    assert!(files_in(&out).is_empty(), "files written despite the error: {:?}", files_in(&out));
}

#[test]
fn evaluate_bad_input_gives_clear_errors_and_no_output() {
    let good = "y,s1,s2,split\n0,0.1,0.2,train\n0,0.3,0.1,train\n1,0.7,0.8,train\n1,0.9,0.4,train\n0,0.2,0.3,test\n0,0.4,0.6,test\n1,0.8,0.7,test\n1,0.6,0.9,test\n";
    // One class only in a split.
    fails_cleanly(
        &good
            .replace("1,0.8,0.7,test", "0,0.8,0.7,test")
            .replace("1,0.6,0.9,test", "0,0.6,0.9,test"),
        &["--split", "split"],
        &["split \"test\"", "at least 2"],
    );
    // Fewer than two cases in a split.
    fails_cleanly(
        &good.replace("1,0.8,0.7,test", "0,0.8,0.7,test"),
        &["--split", "split"],
        &["\"s1\"", "split \"test\"", "got 3 and 1"],
    );
    // NaN and empty scores.
    fails_cleanly(
        &good.replace("0,0.3,0.1,train", "0,NaN,0.1,train"),
        &[],
        &["\"s1\"", "row 2", "not a finite number"],
    );
    fails_cleanly(
        &good.replace("0,0.3,0.1,train", "0,0.3,,train"),
        &[],
        &["\"s2\"", "missing value in row 2"],
    );
    // Labels other than 0/1.
    fails_cleanly(
        &good.replace("1,0.7,0.8,train", "2,0.7,0.8,train"),
        &[],
        &["label column \"y\"", "value 2 in row 3", "not 0 or 1"],
    );
    // Missing columns.
    fails_cleanly(good, &["--split", "fold"], &["column \"fold\" not found"]);
    fails_cleanly(
        &good.replace("s2", "other"),
        &[],
        &["column \"s2\" not found", "y, s1, other, split"],
    );
    // Unknown split for the threshold.
    fails_cleanly(
        good,
        &["--split", "split", "--threshold-from", "training"],
        &["split \"training\" not found", "train, test"],
    );
}
