//! Tree and SVM models against scikit-learn 1.9 and shap 0.51
//! (`scripts/make-model-fixtures.py`, fixture `tests/fixtures/models_sklearn.json`):
//!
//! - gradient boosting and a single Gini tree: the same predictions as scikit-learn's
//!   `GradientBoostingClassifier` / `DecisionTreeClassifier` (to 1e-9), and TreeSHAP values equal
//!   to the `shap` package's `TreeExplainer` (to 1e-9);
//! - random forest (seeded differently from scikit-learn): the out-of-bag AUC and the AUC on new
//!   rows within 0.01 of scikit-learn's mean over 5 seeds;
//! - SVM (linear and RBF, tol 1e-12): decision values of new rows to 1e-6, and a Platt sigmoid at
//!   least as good as scikit-learn's `_sigmoid_calibration` (its loss no higher, its
//!   probabilities within 1e-6).

mod common;

use common::{assert_close, fixture, matrix, vec_f64};
use radlsig_fusion::{
    BoostingSettings, ForestSettings, Kernel, fit_decision_tree, fit_gradient_boosting,
    fit_random_forest, platt_sigmoid, solve_svm, solve_svm_gram, tree_expected_value, tree_shap,
};
use serde_json::Value;

fn labels(v: &Value) -> Vec<u8> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u8).collect()
}

#[test]
fn gradient_boosting_and_its_shap_values_equal_scikit_learn_and_shap() {
    let all = fixture("models_sklearn.json");
    for case in all["boosting"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let s = &case["settings"];
        let settings = BoostingSettings {
            trees: s["n_estimators"].as_u64().unwrap() as usize,
            learning_rate: s["learning_rate"].as_f64().unwrap(),
            max_depth: s["max_depth"].as_u64().unwrap() as usize,
            min_samples_split: 2,
            min_samples_leaf: s.get("min_samples_leaf").and_then(Value::as_u64).unwrap_or(1)
                as usize,
            subsample: 1.0,
            max_features: usize::MAX,
            seed: 0,
        };
        let (x, new) = (matrix(&case["x"]), matrix(&case["new"]));
        let m = fit_gradient_boosting(x.view(), &labels(&case["y"]), &settings);
        assert_close(
            &format!("boosting {name}: training log-odds"),
            &m.decision_function(x.view()),
            &vec_f64(&case["train_decision"]),
            1e-9,
        );
        assert_close(
            &format!("boosting {name}: new rows' log-odds"),
            &m.decision_function(new.view()),
            &vec_f64(&case["new_decision"]),
            1e-9,
        );
        let expected: f64 =
            m.init + m.learning_rate * m.trees.iter().map(tree_expected_value).sum::<f64>();
        assert_close(
            &format!("boosting {name}: expected value"),
            &[expected],
            &[case["expected_value"].as_f64().unwrap()],
            1e-9,
        );
        let want = matrix(&case["shap"]);
        for (r, row) in new.outer_iter().enumerate() {
            let mut phi = vec![0.0; x.ncols()];
            for t in &m.trees {
                tree_shap(t, &row.to_vec(), m.learning_rate, &mut phi);
            }
            assert_close(
                &format!("boosting {name}: SHAP of row {r}"),
                &phi,
                &want.row(r).to_vec(),
                1e-9,
            );
        }
    }
}

#[test]
fn a_gini_tree_and_its_shap_values_equal_scikit_learn_and_shap() {
    let all = fixture("models_sklearn.json");
    let case = &all["tree"];
    let (x, new) = (matrix(&case["x"]), matrix(&case["new"]));
    let depth = case["max_depth"].as_u64().unwrap() as usize;
    let msl = case["min_samples_leaf"].as_u64().unwrap() as usize;
    let t = fit_decision_tree(x.view(), &labels(&case["y"]), Some(depth), msl);
    assert_eq!(t.n_nodes() as u64, case["n_nodes"].as_u64().unwrap(), "node count");
    let proba: Vec<f64> = new.outer_iter().map(|r| t.predict(|j| r[j])).collect();
    assert_close("tree: class-1 probability", &proba, &vec_f64(&case["new_proba"]), 1e-12);
    assert_close(
        "tree: expected value",
        &[tree_expected_value(&t)],
        &[case["expected_value"].as_f64().unwrap()],
        1e-12,
    );
    let want = matrix(&case["shap"]);
    for (r, row) in new.outer_iter().enumerate() {
        let mut phi = vec![0.0; x.ncols()];
        tree_shap(&t, &row.to_vec(), 1.0, &mut phi);
        assert_close(&format!("tree: SHAP of row {r}"), &phi, &want.row(r).to_vec(), 1e-9);
        // Local accuracy: Σφ + E f = f(x).
        let sum: f64 = phi.iter().sum::<f64>() + tree_expected_value(&t);
        assert!((sum - proba[r]).abs() < 1e-12, "row {r}: Σφ + E = {sum} ≠ {}", proba[r]);
    }
}

#[test]
fn random_forest_auc_matches_scikit_learn_within_0_01() {
    let all = fixture("models_sklearn.json");
    let case = &all["forest"];
    let (x, new) = (matrix(&case["x"]), matrix(&case["new"]));
    let (y, new_y) = (labels(&case["y"]), labels(&case["new_y"]));
    let p = x.ncols();
    let settings = ForestSettings {
        trees: case["trees"].as_u64().unwrap() as usize,
        max_features: (p as f64).sqrt() as usize,
        max_depth: None,
        min_samples_split: 2,
        min_samples_leaf: 1,
        seed: 2026,
    };
    let fit = fit_random_forest(x.view(), &y, &settings);
    let oob: Vec<f64> = fit.oob_probability.iter().map(|p| p.expect("500 trees")).collect();
    let oob_auc = radlsig_stats::roc_auc(&oob, &y).unwrap();
    let new_auc = radlsig_stats::roc_auc(&fit.forest.predict_proba(new.view()), &new_y).unwrap();
    let (want_oob, want_new) =
        (case["oob_auc_mean"].as_f64().unwrap(), case["new_auc_mean"].as_f64().unwrap());
    eprintln!(
        "forest: OOB AUC {oob_auc:.4} (scikit-learn {want_oob:.4} ± {:.4}), new rows {new_auc:.4} \
         (scikit-learn {want_new:.4} ± {:.4})",
        case["oob_auc_sd"].as_f64().unwrap(),
        case["new_auc_sd"].as_f64().unwrap()
    );
    assert!((oob_auc - want_oob).abs() < 0.01, "OOB AUC {oob_auc} vs {want_oob}");
    assert!((new_auc - want_new).abs() < 0.01, "new-row AUC {new_auc} vs {want_new}");
}

#[test]
fn svm_decision_values_and_platt_sigmoid_equal_scikit_learn() {
    let all = fixture("models_sklearn.json");
    for case in all["svm"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let kernel = match case["kernel"].as_str().unwrap() {
            "linear" => Kernel::Linear,
            _ => Kernel::Rbf { gamma: case["gamma"].as_f64().unwrap() },
        };
        let (x, new) = (matrix(&case["x"]), matrix(&case["new"]));
        let y = labels(&case["y"]);
        let c = case["c"].as_f64().unwrap();
        let dual = solve_svm(x.view(), &y, kernel, c, 1e-12, "svm").unwrap();
        let f = |r: &[f64]| -> f64 {
            (0..x.nrows())
                .map(|i| {
                    let s = if y[i] == 1 { 1.0 } else { -1.0 };
                    dual.alpha[i] * s * kernel.eval(&x.row(i).to_vec(), r)
                })
                .sum::<f64>()
                - dual.rho
        };
        // On raw features, to 1e-5: LIBSVM caches the kernel in float32, so scikit-learn
        // solves a problem perturbed by ~1e-7 relative.
        let got: Vec<f64> = new.outer_iter().map(|r| f(&r.to_vec())).collect();
        assert_close(
            &format!("svm {name}: decision values"),
            &got,
            &vec_f64(&case["new_decision"]),
            1e-5,
        );
        assert_close(
            &format!("svm {name}: intercept"),
            &[-dual.rho],
            &[case["intercept"].as_f64().unwrap()],
            1e-5,
        );
        let support = |alpha: &[f64]| -> Vec<u64> {
            (0..alpha.len()).filter(|&i| alpha[i] > 0.0).map(|i| i as u64).collect()
        };
        // scikit-learn lists support vectors class by class; compare the sets.
        let want_support = |key: &str| -> Vec<u64> {
            let mut v: Vec<u64> =
                case[key].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
            v.sort_unstable();
            v
        };
        assert_eq!(support(&dual.alpha), want_support("support"), "svm {name}: support vectors");

        // The same problem exactly: a float32-exact Gram matrix, to 1e-6.
        // The fixture writes float32's shortest decimals; the cast recovers the float32 values.
        let f32_exact = |v: &Value| matrix(v).mapv(|a| f64::from(a as f32));
        let (k, k_new) = (f32_exact(&case["gram"]), f32_exact(&case["gram_new"]));
        let dual = solve_svm_gram(k.view(), &y, c, 1e-12, "svm").unwrap();
        let got: Vec<f64> = k_new
            .outer_iter()
            .map(|r| {
                (0..x.nrows())
                    .map(|i| dual.alpha[i] * if y[i] == 1 { 1.0 } else { -1.0 } * r[i])
                    .sum::<f64>()
                    - dual.rho
            })
            .collect();
        assert_close(
            &format!("svm {name}: decision values, precomputed Gram"),
            &got,
            &vec_f64(&case["gram_new_decision"]),
            1e-6,
        );
        assert_close(
            &format!("svm {name}: intercept, precomputed Gram"),
            &[-dual.rho],
            &[case["gram_intercept"].as_f64().unwrap()],
            1e-6,
        );
        assert_eq!(support(&dual.alpha), want_support("gram_support"), "svm {name}: support");

        // Platt on scikit-learn's training decision values.
        let train = vec_f64(&case["train_decision"]);
        let (a, b) = platt_sigmoid(&train, &y);
        let (wa, wb) = (case["platt_a"].as_f64().unwrap(), case["platt_b"].as_f64().unwrap());
        let ours_loss = platt_loss(&train, &y, a, b);
        let theirs = case["platt_loss"].as_f64().unwrap();
        eprintln!(
            "svm {name}: Platt A, B = {a:.9}, {b:.9} (scikit-learn {wa:.9}, {wb:.9}); loss \
             {ours_loss:.12} vs {theirs:.12}"
        );
        assert!(ours_loss <= theirs + 1e-12, "svm {name}: Platt loss {ours_loss} > {theirs}");
        let p = |a: f64, b: f64| -> Vec<f64> {
            train.iter().map(|&fi| 1.0 / (1.0 + (a * fi + b).exp())).collect()
        };
        assert_close(&format!("svm {name}: Platt probabilities"), &p(a, b), &p(wa, wb), 1e-6);
    }
}

/// Σ t z + log(1 + e^{−z}) with z = A f + B, the cross-entropy of the script.
fn platt_loss(f: &[f64], y: &[u8], a: f64, b: f64) -> f64 {
    let n1 = y.iter().filter(|&&l| l == 1).count() as f64;
    let n0 = y.len() as f64 - n1;
    f.iter()
        .zip(y)
        .map(|(&fi, &l)| {
            let t = if l == 1 { (n1 + 1.0) / (n1 + 2.0) } else { 1.0 / (n0 + 2.0) };
            let z = a * fi + b;
            let softplus = if z > 0.0 { (-z).exp().ln_1p() } else { -z + z.exp().ln_1p() };
            t * z + softplus
        })
        .sum()
}
