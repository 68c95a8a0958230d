//! Explanations of fitted signatures: coefficients and standardised coefficients by hand,
//! permutation importance on a planted signal (and reproducible from its seed), and SHAP values
//! that add up to the tree models' outputs.

use ndarray::Array2;
use radlsig_fusion::{
    FeatureBlocks, FeatureTable, FusionConfig, ImportanceMethod, Learner, PermutationSettings,
    SignatureId, coefficients, fit_signatures, mean_abs_shap, permutation_importance, shap_values,
    sigmoid,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` rows, 6 features: f0 carries a strong signal, f1 a weak one, f2–f5 are noise; f0 on a
/// scale of 10.
fn cohort(n: usize, seed: u64) -> (FeatureTable, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut normal = move || {
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let mut x = Array2::<f64>::zeros((n, 6));
    let mut y = Vec::new();
    for i in 0..n {
        let c = u8::from(i % 2 == 0);
        y.push(c);
        for j in 0..6 {
            x[[i, j]] = normal();
        }
        x[[i, 0]] = 10.0 * (x[[i, 0]] + 1.5 * f64::from(c));
        x[[i, 1]] += 0.4 * f64::from(c);
    }
    let ids = (0..n).map(|i| format!("p{i}")).collect();
    (FeatureTable::new(ids, (0..6).map(|j| format!("f{j}")).collect(), x).unwrap(), y)
}

fn fit(model: &str, steps: &str, table: &FeatureTable, y: &[u8]) -> radlsig_fusion::Signature {
    let c: FusionConfig =
        toml::from_str(&format!("seed = 5\n[rasig]\nsteps = [{steps}]\nmodel = {model}\n"))
            .unwrap();
    let blocks = FeatureBlocks { radiomics: Some(table.clone()), ..FeatureBlocks::default() };
    fit_signatures(&c, &blocks, y).unwrap().get(SignatureId::Rasig).unwrap().signature.clone()
}

#[test]
fn standardised_coefficients_are_beta_times_the_training_sd() {
    let (train, y) = cohort(200, 1);
    let sig = fit("{ kind = \"logistic\" }", "", &train, &y);
    let imp = coefficients(&sig, &train).unwrap();
    assert_eq!(imp.len(), 12);
    for t in &sig.terms {
        let x = train.column(&t.name).unwrap().to_vec();
        let m = x.iter().sum::<f64>() / x.len() as f64;
        let sd = (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt();
        let get =
            |method| imp.iter().find(|i| i.feature == t.name && i.method == method).unwrap().value;
        assert_eq!(get(ImportanceMethod::Coefficient), t.coefficient);
        assert!(
            (get(ImportanceMethod::StandardisedCoefficient) - t.coefficient * sd).abs() < 1e-12
        );
    }
    // f0's raw coefficient is small (its scale is 10) but its standardised one is the largest.
    let std: Vec<f64> = imp
        .iter()
        .filter(|i| i.method == ImportanceMethod::StandardisedCoefficient)
        .map(|i| i.value.abs())
        .collect();
    assert!(std[0] > std[1..].iter().cloned().fold(0.0, f64::max), "{std:?}");
    // A forest has no coefficients.
    assert!(
        coefficients(&fit("{ kind = \"random_forest\", trees = 10 }", "", &train, &y), &train)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn permutation_importance_finds_the_planted_signal_reproducibly() {
    let (train, y) = cohort(200, 2);
    let (test, y_test) = cohort(150, 3);
    let settings = PermutationSettings { repeats: 60, conf_level: 0.95, seed: 9 };
    for model in ["{ kind = \"logistic\" }", "{ kind = \"random_forest\", trees = 100 }"] {
        let sig = fit(model, "{ kind = \"standardize\" }", &train, &y);
        let imp = permutation_importance(&sig, &test, &y_test, &settings).unwrap();
        assert_eq!(imp.len(), 6);
        for i in &imp {
            let (lo, hi) = i.ci.unwrap();
            assert!(lo <= i.value && i.value <= hi, "{i:?}");
        }
        // f0: a large drop, its CI above 0; the noise features' CIs cover 0.
        let (lo, _) = imp[0].ci.unwrap();
        assert!(imp[0].value > 0.15 && lo > 0.05, "{model}: {:?}", imp[0]);
        for i in &imp[2..] {
            let (lo, hi) = i.ci.unwrap();
            assert!(lo <= 0.0 && hi >= -0.05 && i.value.abs() < 0.05, "{model}: {i:?}");
        }
        // Same seed, any thread count: the same numbers.
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let again = pool.install(|| permutation_importance(&sig, &test, &y_test, &settings));
        assert_eq!(again.unwrap(), imp);
    }
    // One class only: a labels error.
    let sig = fit("{ kind = \"logistic\" }", "", &train, &y);
    let err = permutation_importance(&sig, &test, &vec![1; test.n_rows()], &settings).unwrap_err();
    assert!(err.to_string().starts_with("labels:"), "{err}");
}

#[test]
fn shap_values_add_up_to_the_tree_models_outputs() {
    let (train, y) = cohort(160, 4);
    let (test, _) = cohort(40, 5);
    for model in
        ["{ kind = \"random_forest\", trees = 60 }", "{ kind = \"gradient_boosting\", trees = 40 }"]
    {
        let sig = fit(model, "{ kind = \"standardize\" }", &train, &y);
        let (features, shap) = shap_values(&sig, &test).unwrap().unwrap();
        assert_eq!(features.len(), 6);
        let lp = sig.linear_predictor(&test).unwrap();
        for (i, &l) in lp.iter().enumerate() {
            let total = shap.values.row(i).sum() + shap.expected;
            let want = match &sig.learner.as_ref().unwrap().model {
                Learner::RandomForest(_) => sigmoid(l),
                _ => l,
            };
            assert!((total - want).abs() < 1e-9, "{model} row {i}: {total} vs {want}");
        }
        let m = mean_abs_shap(&features, &shap);
        assert!(m[0].value > m[2].value && m[0].value > m[3].value, "{model}: {m:?}");
    }
    // SVMs and linear models have none.
    let sig = fit("{ kind = \"svm\" }", "{ kind = \"standardize\" }", &train, &y);
    assert!(shap_values(&sig, &test).unwrap().is_none());
}
