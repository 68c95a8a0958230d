//! Mann–Whitney U test against R's `wilcox.test(x1, x0, exact = FALSE, correct = TRUE)`.
//!
//! Fixture: `tests/fixtures/mann_whitney_r.json`, written by `scripts/make-fusion-fixtures.R`:
//! five cases with heavy ties, small and tiny (3e-17) p-values and no effect. W must agree
//! exactly; p-values to 1e-12 relative (observed: rounding of the normal tail).

mod common;

use common::*;
use ndarray::Array1;
use radlsig_fusion::mann_whitney;

#[test]
fn statistic_and_p_value_match_wilcox_test() {
    let fx = fixture("mann_whitney_r.json");
    for (i, case) in fx["cases"].as_array().unwrap().iter().enumerate() {
        let x = Array1::from(vec_f64(&case["x"]));
        let y: Vec<u8> = vec_f64(&case["y"]).iter().map(|&v| v as u8).collect();
        let r = mann_whitney(x.view(), &y);
        assert_eq!(r.w, case["w"].as_f64().unwrap(), "case {i}: W");
        let p = case["p"].as_f64().unwrap();
        let d = (r.p_value - p).abs() / p;
        eprintln!("case {i}: p ours {:e} R {p:e} rel diff {d:.2e}", r.p_value);
        assert!(d <= 1e-12, "case {i}: p {} vs {p}", r.p_value);
    }
}
