//! LASSO and elastic-net logistic regression against R's glmnet 4.1-6 (`family = "binomial"`).
//!
//! Elastic net: `tests/fixtures/elastic_net_glmnet.json` (`scripts/make-elastic-net-fixture.R`),
//! the same data sets with `alpha = 0.5` (and 0.2 for the wide one), held to the same
//! tolerances.
//!
//! Fixture: `tests/fixtures/lasso_glmnet.json`, written by `scripts/make-fusion-fixtures.R`:
//! a tall data set (n = 120, p = 12, one constant column, columns on very different scales) and
//! a wide one (n = 40, p = 40); glmnet paths at the default `thresh = 1e-7` and at `1e-14`, and
//! `cv.glmnet` with a fixed `foldid` at both thresholds.
//!
//! Because the solver repeats glmnet's steps (not only its optimum), the default-threshold path
//! — which stops short of the exact optimum by up to 1e-2 of the largest coefficient in the wide
//! case (default vs `1e-14` fits in the fixture) — is reproduced to rounding: the same λ sequence
//! (including where the path stops early: 66 λs at `1e-7`, 65 at `1e-14` for the tall case), the
//! same number of coordinate-descent passes, coefficients, deviance ratios and CV curves to
//! 1e-12 relative (observed ≤ 2e-14), the same `lambda.min` and `lambda.1se`.

mod common;

const LASSO: &str = "lasso_glmnet.json";
const NET: &str = "elastic_net_glmnet.json";

use common::*;
use radlsig_fusion::{LassoSettings, cv_lasso, lasso_path};
use serde_json::Value;

fn labels(v: &Value) -> Vec<u8> {
    vec_f64(v).iter().map(|&y| y as u8).collect()
}

/// The glmnet settings of a fixture case: `thresh`, and the case's `alpha` (1 when absent).
fn settings(c: &Value, thresh: f64) -> LassoSettings {
    let alpha = c["alpha"].as_f64().unwrap_or(1.0);
    LassoSettings { thresh, alpha, ..Default::default() }
}

fn check_path(file: &str, case: &str, run: &str, thresh: f64, tol: f64) {
    let fx = fixture(file);
    let c = &fx[case];
    let x = matrix(&c["x"]);
    let y = labels(&c["y"]);
    let r = &c[run];
    let settings = settings(c, thresh);
    let path = lasso_path(x.view(), &y, &settings, None).unwrap();
    let what = format!("{case}/{run}");
    assert_eq!(path.lambda.len(), vec_f64(&r["lambda"]).len(), "{what}: path length");
    assert_close(&format!("{what}: lambda"), &path.lambda, &vec_f64(&r["lambda"]), 1e-12);
    assert_close(&format!("{what}: a0"), &path.intercept, &vec_f64(&r["a0"]), tol);
    assert_close(&format!("{what}: dev.ratio"), &path.dev_ratio, &vec_f64(&r["dev_ratio"]), tol);
    let df: Vec<f64> = path.nonzero().iter().map(|&d| d as f64).collect();
    assert_eq!(df, vec_f64(&r["df"]), "{what}: df");
    assert_close(
        &format!("{what}: nulldev"),
        &[path.null_deviance],
        &[r["nulldev"].as_f64().unwrap()],
        1e-12,
    );
    assert_eq!(
        path.passes as u64,
        r["npasses"].as_u64().unwrap(),
        "{what}: coordinate-descent passes"
    );
    for (pick, beta) in vec_f64(&r["picks"]).iter().zip(r["beta"].as_array().unwrap()) {
        let m = *pick as usize;
        // Relative to the largest coefficient at that λ, so tiny coefficients near a sign
        // change are held to the same absolute accuracy as the rest.
        let reference = vec_f64(beta);
        let scale = reference.iter().fold(1e-300, |a: f64, b| a.max(b.abs()));
        let d = path.beta[m].iter().zip(&reference).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max)
            / scale;
        eprintln!("{what}: beta at λ index {m}: max diff / max |β| = {d:.3e}");
        assert!(
            d <= tol,
            "{what}: beta at λ index {m}: {d:e}\n ours {:?}\n ref  {reference:?}",
            path.beta[m]
        );
        let zero_ours: Vec<bool> = path.beta[m].iter().map(|&b| b == 0.0).collect();
        let zero_ref: Vec<bool> = reference.iter().map(|&b| b == 0.0).collect();
        assert_eq!(zero_ours, zero_ref, "{what}: zero pattern at λ index {m}");
    }
}

fn check_cv(file: &str, case: &str, run: &str, thresh: f64, tol: f64) {
    let fx = fixture(file);
    let c = &fx[case];
    let x = matrix(&c["x"]);
    let y = labels(&c["y"]);
    let folds: Vec<usize> = vec_f64(&c["foldid"]).iter().map(|&f| f as usize).collect();
    let r = &c[run];
    let settings = settings(c, thresh);
    let cv = cv_lasso(x.view(), &y, &folds, &settings).unwrap();
    let what = format!("{case}/{run}");
    assert_close(&format!("{what}: lambda"), &cv.path.lambda, &vec_f64(&r["lambda"]), 1e-12);
    assert_close(&format!("{what}: cvm"), &cv.cvm, &vec_f64(&r["cvm"]), tol);
    assert_close(&format!("{what}: cvsd"), &cv.cvsd, &vec_f64(&r["cvsd"]), tol);
    assert_eq!(cv.index_min, r["index_min"].as_u64().unwrap() as usize, "{what}: lambda.min");
    assert_eq!(cv.index_1se, r["index_1se"].as_u64().unwrap() as usize, "{what}: lambda.1se");
    assert_close(
        &format!("{what}: lambda.min"),
        &[cv.lambda_min()],
        &[r["lambda_min"].as_f64().unwrap()],
        1e-12,
    );
    assert_close(
        &format!("{what}: lambda.1se"),
        &[cv.lambda_1se()],
        &[r["lambda_1se"].as_f64().unwrap()],
        1e-12,
    );
}

#[test]
fn tall_path_default_threshold() {
    check_path(LASSO, "tall", "default", 1e-7, 1e-12);
}

#[test]
fn tall_path_tight_threshold() {
    check_path(LASSO, "tall", "tight", 1e-14, 1e-12);
}

#[test]
fn wide_path_default_threshold() {
    check_path(LASSO, "wide", "default", 1e-7, 1e-12);
}

#[test]
fn wide_path_tight_threshold() {
    check_path(LASSO, "wide", "tight", 1e-14, 1e-12);
}

#[test]
fn tall_cross_validation() {
    check_cv(LASSO, "tall", "cv", 1e-7, 1e-12);
    check_cv(LASSO, "tall", "cv_tight", 1e-14, 1e-12);
}

#[test]
fn wide_cross_validation() {
    check_cv(LASSO, "wide", "cv", 1e-7, 1e-12);
    check_cv(LASSO, "wide", "cv_tight", 1e-14, 1e-12);
}

#[test]
fn elastic_net_paths_equal_glmnets() {
    for case in ["tall_a05", "wide_a05", "wide_a02"] {
        check_path(NET, case, "default", 1e-7, 1e-12);
        check_path(NET, case, "tight", 1e-14, 1e-12);
    }
}

#[test]
fn elastic_net_cross_validation_equals_cv_glmnets() {
    for case in ["tall_a05", "wide_a05", "wide_a02"] {
        check_cv(NET, case, "cv", 1e-7, 1e-12);
        check_cv(NET, case, "cv_tight", 1e-14, 1e-12);
    }
}
