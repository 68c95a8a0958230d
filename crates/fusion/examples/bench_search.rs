//! Benchmark of a nested cross-validated hyper-parameter search (`scripts/bench-search.py`
//! runs it beside scikit-learn's `GridSearchCV` inside `cross_val_score` on the same data).
//!
//! Usage: `bench_search COHORT.csv SEARCH.toml OUTER_FOLDS` — the CSV holds `label` then the
//! feature columns; the TOML is a `FusionConfig` with one searched `rasig` pipeline. Prints one
//! line: seconds, the number of candidates, and the outer folds' AUCs.

use std::time::Instant;

use ndarray::Array2;
use radlsig_fusion::{FeatureBlocks, FeatureTable, FusionConfig, fit_signatures, stratified_folds};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: bench_search COHORT.csv SEARCH.toml OUTER_FOLDS");
        std::process::exit(2);
    }
    let text = std::fs::read_to_string(&args[1]).expect("cohort csv");
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
    let rows: Vec<Vec<f64>> =
        lines.map(|l| l.split(',').map(|v| v.parse().unwrap()).collect()).collect();
    let (n, p) = (rows.len(), header.len() - 1);
    let labels: Vec<u8> = rows.iter().map(|r| r[0] as u8).collect();
    let x = Array2::from_shape_fn((n, p), |(i, j)| rows[i][j + 1]);
    let table =
        FeatureTable::new((0..n).map(|i| format!("p{i}")).collect(), header[1..].to_vec(), x)
            .unwrap();
    let config: FusionConfig =
        toml::from_str(&std::fs::read_to_string(&args[2]).expect("search toml")).unwrap();
    let outer: usize = args[3].parse().unwrap();
    let start = Instant::now();
    let folds = stratified_folds(&labels, outer, config.seed).unwrap();
    let mut aucs = Vec::new();
    let mut candidates = 0;
    for f in 0..outer {
        let tr: Vec<usize> = (0..n).filter(|&i| folds[i] != f).collect();
        let te: Vec<usize> = (0..n).filter(|&i| folds[i] == f).collect();
        let ytr: Vec<u8> = tr.iter().map(|&i| labels[i]).collect();
        let blocks =
            FeatureBlocks { radiomics: Some(table.select_rows(&tr)), ..FeatureBlocks::default() };
        let set = fit_signatures(&config, &blocks, &ytr).unwrap();
        let s = &set.signatures[0];
        candidates = s.search.as_ref().map_or(0, |s| s.candidates.len());
        let lp = s.signature.linear_predictor(&table.select_rows(&te)).unwrap();
        let yte: Vec<u8> = te.iter().map(|&i| labels[i]).collect();
        aucs.push(radlsig_stats::roc_auc(&lp, &yte).unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    let list: Vec<String> = aucs.iter().map(|a| format!("{a:.4}")).collect();
    println!("{secs:.3} {candidates} {}", list.join(","));
}
