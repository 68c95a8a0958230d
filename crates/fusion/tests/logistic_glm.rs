//! Logistic regression (IRLS) against R's `glm(family = binomial)`, and the ridge safeguard
//! against R's `optim`.
//!
//! Fixture: `tests/fixtures/logistic_glm.json`, written by `scripts/make-fusion-fixtures.R`
//! (n = 150, three predictors). glm is run to `epsilon = 1e-15` so that it sits at the optimum;
//! coefficients and standard errors then agree to 1e-8 relative (observed 7e-15 and 6e-11). glm
//! at its default `epsilon = 1e-8` stops one iteration earlier: its coefficients are within 1e-9,
//! its standard errors (computed from the weights of the previous iteration) within 1e-5.

mod common;

use common::*;
use radlsig_fusion::{Error, logistic_regression};

fn names(p: usize) -> Vec<String> {
    (0..p).map(|j| format!("x{j}")).collect()
}

#[test]
fn coefficients_and_standard_errors_match_glm() {
    let fx = fixture("logistic_glm.json");
    let x = matrix(&fx["x"]);
    let y: Vec<u8> = vec_f64(&fx["y"]).iter().map(|&v| v as u8).collect();
    let f = logistic_regression(x.view(), &y, 0.0, "test", &names(3)).unwrap();
    let mut coef = vec![f.intercept];
    coef.extend(&f.coefficients);
    let mut se = vec![f.intercept_std_error];
    se.extend(&f.std_errors);
    assert_close("glm coefficients", &coef, &vec_f64(&fx["coef"]), 1e-8);
    assert_close("glm standard errors", &se, &vec_f64(&fx["se"]), 1e-8);
    assert_close("glm deviance", &[f.deviance], &[fx["deviance"].as_f64().unwrap()], 1e-10);
    assert_close(
        "glm null deviance",
        &[f.null_deviance],
        &[fx["null_deviance"].as_f64().unwrap()],
        1e-12,
    );
    assert_close(
        "glm default control, coefficients",
        &coef,
        &vec_f64(&fx["coef_default_control"]),
        1e-6,
    );
    assert_close(
        "glm default control, standard errors",
        &se,
        &vec_f64(&fx["se_default_control"]),
        1e-5,
    );
}

#[test]
fn separated_data_is_an_error_without_ridge_and_matches_optim_with_it() {
    let fx = fixture("logistic_glm.json");
    let x = matrix(&fx["separated_x"]);
    let y: Vec<u8> = vec_f64(&fx["separated_y"]).iter().map(|&v| v as u8).collect();
    let err = logistic_regression(x.view(), &y, 0.0, "DLsig", &names(2)).unwrap_err();
    assert!(matches!(err, Error::Separation { .. }), "{err}");
    let ridge = fx["ridge"].as_f64().unwrap();
    let f = logistic_regression(x.view(), &y, ridge, "DLsig", &names(2)).unwrap();
    let mut coef = vec![f.intercept];
    coef.extend(&f.coefficients);
    // optim's BFGS stops with a gradient norm of ~2e-8, so its coefficients are accurate to
    // about that much.
    assert!(fx["ridge_gradient_norm"].as_f64().unwrap() < 1e-6);
    assert_close("ridge coefficients vs optim", &coef, &vec_f64(&fx["ridge_coef"]), 1e-6);
}
