//! Timing harness for `scripts/bench-evaluate.sh` (not a test): AUC on 10⁶ cases, DeLong's paired
//! test on 10⁵, 2,000 stratified bootstrap AUCs on 10⁴, read from the CSV files the script
//! generates. Prints `name seconds` lines (best of 3 runs; file reading is not timed).
//!
//! `cargo run --release -p radlsig-evaluate --example bench_evaluate -- DIR`

use std::time::Instant;

use radlsig_evaluate::{
    BootstrapConfig, Scores, auc, bootstrap_stratified, roc_test_delong_paired,
};

/// Columns of a numeric CSV with a header row.
fn read(path: &std::path::Path) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let width = lines.next().expect("header").split(',').count();
    let mut cols = vec![Vec::new(); width];
    for l in lines {
        for (c, v) in cols.iter_mut().zip(l.split(',')) {
            c.push(v.parse::<f64>().expect("number"));
        }
    }
    cols
}

fn best_of_3(mut f: impl FnMut() -> f64) -> (f64, f64) {
    let mut best = f64::INFINITY;
    let mut value = 0.0;
    for _ in 0..3 {
        let t = Instant::now();
        value = f();
        best = best.min(t.elapsed().as_secs_f64());
    }
    (best, value)
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("usage: bench_evaluate DIR"));
    let labels = |c: &[f64]| c.iter().map(|&v| v == 1.0).collect::<Vec<bool>>();

    let a = read(&dir.join("auc_1e6.csv"));
    let y = labels(&a[0]);
    let (t, v) = best_of_3(|| auc(&Scores::new("auc", &a[1], &y).expect("valid data")));
    println!("auc_1e6 {t:.6} {v:.12}");

    let d = read(&dir.join("delong_1e5.csv"));
    let y = labels(&d[0]);
    let (t, v) = best_of_3(|| {
        let s1 = Scores::new("a", &d[1], &y).expect("valid data");
        let s2 = Scores::new("b", &d[2], &y).expect("valid data");
        roc_test_delong_paired(&s1, &s2, 0.95).expect("paired").z
    });
    println!("delong_paired_1e5 {t:.6} {v:.12}");

    let b = read(&dir.join("boot_1e4.csv"));
    let y = labels(&b[0]);
    let (t, v) = best_of_3(|| {
        let s = Scores::new("boot", &b[1], &y).expect("valid data");
        let reps = bootstrap_stratified(&s, None, &BootstrapConfig::new(1)).expect("bootstrap");
        reps.percentile_cis(0.95).auc.low
    });
    println!("bootstrap_2000_1e4 {t:.6} {v:.12}");
}
