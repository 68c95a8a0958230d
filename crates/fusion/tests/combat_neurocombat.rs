//! ComBat against the `neuroCombat` Python package (0.2.12).
//!
//! Fixture: `tests/fixtures/combat_neurocombat.json`, written by
//! `scripts/make-fusion-fixtures.py` (60 rows, 3 centres, 6 features, age + sex covariates).
//! Tolerance 1e-8 relative (absolute below 1): the algorithm is the same closed form plus the
//! same EB fixed point with the same stopping rule; observed differences are ~1e-13, from
//! neuroCombat's explicit matrix inverse against our Cholesky solve and summation order.

mod common;

use common::*;
use radlsig_fusion::{
    CombatConfig, Covariate, CovariateValues, FeatureTable, NewDataCovariates, fit_combat,
};
use serde_json::Value;

const TOL: f64 = 1e-8;

fn table(x: &Value, batch: &Value, age: &Value, sex: &Value) -> FeatureTable {
    let x = matrix(x);
    let n = x.nrows();
    let names = (0..x.ncols()).map(|j| format!("f{j}")).collect();
    FeatureTable::new((0..n).map(|i| format!("row{i}")).collect(), names, x)
        .unwrap()
        .with_centres(vec_str(batch))
        .unwrap()
        .with_covariate(Covariate {
            name: "age".into(),
            values: CovariateValues::Continuous(vec_f64(age)),
        })
        .unwrap()
        .with_covariate(Covariate {
            name: "sex".into(),
            values: CovariateValues::Categorical(vec_str(sex)),
        })
        .unwrap()
}

/// `skip_priors_of`: a centre whose inverse-gamma priors are not compared. For the reference
/// centre `δ̂` is n/(n−1) for every feature up to rounding, so its prior variance is ~1e−31
/// and `a`, `b` are rounding noise (~1e31) in both implementations; they are never used (its
/// `γ*`, `δ*` are fixed at 0, 1), and everything that is used is compared.
fn check(run: &str, config: CombatConfig, skip_priors_of: Option<usize>) {
    let fx = fixture("combat_neurocombat.json");
    let t = table(&fx["x"], &fx["batch"], &fx["age"], &fx["sex"]);
    let r = &fx[run];
    let names = t.feature_names().to_vec();
    let (model, est) = fit_combat(t.values(), &names, &t, &config).unwrap();
    let data = model.transform(t.values(), &t).unwrap();
    assert_close(&format!("{run}: data"), &flat(&data), &flat_json(&r["data"]), TOL);
    assert_close(
        &format!("{run}: gamma_star"),
        &model.gamma_star.concat(),
        &flat_json(&r["gamma_star"]),
        TOL,
    );
    assert_close(
        &format!("{run}: delta_star"),
        &model.delta_star.concat(),
        &flat_json(&r["delta_star"]),
        TOL,
    );
    assert_close(&format!("{run}: var_pooled"), &model.var_pooled, &vec_f64(&r["var_pooled"]), TOL);
    assert_close(&format!("{run}: grand_mean"), &model.grand_mean, &vec_f64(&r["grand_mean"]), TOL);
    assert_close(
        &format!("{run}: gamma_hat"),
        &est.gamma_hat.concat(),
        &flat_json(&r["gamma_hat"]),
        TOL,
    );
    assert_close(
        &format!("{run}: delta_hat"),
        &est.delta_hat.concat(),
        &flat_json(&r["delta_hat"]),
        TOL,
    );
    assert_close(&format!("{run}: gamma_bar"), &est.gamma_bar, &vec_f64(&r["gamma_bar"]), TOL);
    assert_close(&format!("{run}: t2"), &est.t2, &vec_f64(&r["t2"]), TOL);
    if let Some(a) = &est.a_prior {
        let keep = |v: &[f64]| -> Vec<f64> {
            v.iter()
                .enumerate()
                .filter(|(i, _)| Some(*i) != skip_priors_of)
                .map(|(_, x)| *x)
                .collect()
        };
        let b = est.b_prior.as_ref().unwrap();
        assert_close(&format!("{run}: a_prior"), &keep(a), &keep(&vec_f64(&r["a_prior"])), TOL);
        assert_close(&format!("{run}: b_prior"), &keep(b), &keep(&vec_f64(&r["b_prior"])), TOL);
    } else {
        assert!(r["a_prior"].is_null());
    }
}

fn with_covariates() -> CombatConfig {
    CombatConfig { covariates: vec!["age".into(), "sex".into()], ..Default::default() }
}

#[test]
fn parametric_eb_with_covariates() {
    check("default", with_covariates(), None);
}

#[test]
fn mean_only() {
    check("mean_only", CombatConfig { mean_only: true, ..with_covariates() }, None);
}

#[test]
fn without_empirical_bayes() {
    check("no_eb", CombatConfig { empirical_bayes: false, ..with_covariates() }, None);
}

#[test]
fn without_covariates() {
    check("no_covariates", CombatConfig::default(), None);
}

#[test]
fn reference_centre() {
    let cfg = CombatConfig { ref_centre: Some("siteB".into()), ..with_covariates() };
    check("ref_batch", cfg, Some(1));
}

#[test]
fn new_rows_as_neurocombat_from_training() {
    let fx = fixture("combat_neurocombat.json");
    let t = table(&fx["x"], &fx["batch"], &fx["age"], &fx["sex"]);
    let names = t.feature_names().to_vec();
    let cfg =
        CombatConfig { new_data_covariates: NewDataCovariates::TrainingMean, ..with_covariates() };
    let (model, _) = fit_combat(t.values(), &names, &t, &cfg).unwrap();
    let nt = &fx["from_training"];
    let new = table(&nt["x"], &nt["batch"], &nt["age"], &nt["sex"]);
    let data = model.transform(new.values(), &new).unwrap();
    assert_close("from_training: data", &flat(&data), &flat_json(&nt["data"]), TOL);
}

#[test]
fn observed_covariates_on_training_rows_reproduce_the_fit_output() {
    // The default mode applied to the training rows is neuroCombat's own output (checked in
    // `parametric_eb_with_covariates`); applied to a subset of them it gives the same rows,
    // since each row is harmonised on its own.
    let fx = fixture("combat_neurocombat.json");
    let t = table(&fx["x"], &fx["batch"], &fx["age"], &fx["sex"]);
    let names = t.feature_names().to_vec();
    let (model, _) = fit_combat(t.values(), &names, &t, &with_covariates()).unwrap();
    let sub = t.select_rows(&[5, 0, 17]);
    let data = model.transform(sub.values(), &sub).unwrap();
    let all = matrix(&fx["default"]["data"]);
    let expected: Vec<f64> = [5, 0, 17].iter().flat_map(|&i| all.row(i).to_vec()).collect();
    assert_close("subset of training rows", &flat(&data), &expected, TOL);
}

#[test]
fn unseen_covariate_level_names_the_row() {
    let fx = fixture("combat_neurocombat.json");
    let t = table(&fx["x"], &fx["batch"], &fx["age"], &fx["sex"]);
    let names = t.feature_names().to_vec();
    let (model, _) = fit_combat(t.values(), &names, &t, &with_covariates()).unwrap();
    let nt = &fx["from_training"];
    let mut sex = vec_str(&nt["sex"]);
    sex[2] = "X".into();
    let new = table(&nt["x"], &nt["batch"], &nt["age"], &Value::from(sex));
    let err = model.transform(new.values(), &new).unwrap_err().to_string();
    assert_eq!(err, "covariate `sex`: level `X` in row `row2` was not in the training data");
}
