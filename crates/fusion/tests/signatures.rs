//! End-to-end checks of the signatures on a small synthetic cohort: leakage, reproducibility,
//! the saved formula reproducing the predictions by hand, and clear errors.

use ndarray::Array2;
use radlsig_fusion::{
    Covariate, CovariateValues, Error, FeatureBlocks, FeatureTable, FusionConfig, SignatureId,
    fit_signatures,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// 240 patients from 3 centres. Radiomics: 30 features, the first 4 informative (two of them
/// nearly collinear), feature 10 constant, centre shifts on every feature. Deep: 12 embedding
/// features (the first 3 informative) and `dl_prob`. Clinical: age and a 0/1 sex column.
fn cohort(seed: u64) -> (FeatureBlocks, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut normal = move || {
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let n = 240;
    let centres: Vec<String> = (0..n).map(|i| ["A", "B", "C"][i % 3].to_string()).collect();
    let shift = |c: &str| match c {
        "A" => 0.0,
        "B" => 0.8,
        _ => -0.5,
    };
    let mut labels = Vec::with_capacity(n);
    let mut rad = Array2::<f64>::zeros((n, 30));
    let mut deep = Array2::<f64>::zeros((n, 13));
    let mut age = Vec::with_capacity(n);
    let mut sex = Array2::<f64>::zeros((n, 2));
    for i in 0..n {
        let y = u8::from(i % 5 < 2);
        labels.push(y);
        let yf = f64::from(y);
        let a = 60.0 + 8.0 * normal();
        age.push(a.round());
        let s = shift(&centres[i]);
        for j in 0..30 {
            let signal = match j {
                0 => 1.2 * yf,
                1 => -0.9 * yf,
                2 => 0.7 * yf,
                3 => 0.0,
                _ => 0.0,
            };
            rad[[i, j]] = 5.0 + j as f64 + signal + s * (1.0 + 0.1 * j as f64) + normal();
        }
        rad[[i, 3]] = rad[[i, 0]] + 0.05 * normal(); // redundant with feature 0
        rad[[i, 10]] = 2.0; // constant
        for j in 0..12 {
            let signal = if j < 3 { 0.8 * yf } else { 0.0 };
            deep[[i, j]] = signal + 0.3 * s + normal();
        }
        let logit = -0.4 + 1.2 * (yf - 0.4) + 1.2 * normal();
        deep[[i, 12]] = 1.0 / (1.0 + (-logit).exp());
        sex[[i, 0]] = (a - 60.0) / 10.0 + 0.3 * yf;
        sex[[i, 1]] = f64::from(u8::from(normal() > 0.0));
    }
    let ids: Vec<String> = (0..n).map(|i| format!("pt{i:03}")).collect();
    let with_meta = |t: FeatureTable| {
        t.with_centres(centres.clone())
            .unwrap()
            .with_covariate(Covariate {
                name: "age".into(),
                values: CovariateValues::Continuous(age.clone()),
            })
            .unwrap()
    };
    let rad_names = (0..30).map(|j| format!("original_feature_{j}")).collect();
    let mut deep_names: Vec<String> = (0..12).map(|j| format!("cnn_{j}")).collect();
    deep_names.push("dl_prob".into());
    let blocks = FeatureBlocks {
        radiomics: Some(with_meta(FeatureTable::new(ids.clone(), rad_names, rad).unwrap())),
        deep: Some(with_meta(FeatureTable::new(ids.clone(), deep_names, deep).unwrap())),
        clinical: Some(
            FeatureTable::new(ids, vec!["age_decades".into(), "sex_male".into()], sex).unwrap(),
        ),
    };
    (blocks, labels)
}

fn config() -> FusionConfig {
    let text = r#"
seed = 7
[rasig]
steps = [
  { kind = "near_zero_variance", threshold = 1e-8 },
  { kind = "standardize" },
  { kind = "combat", covariates = ["age"] },
  { kind = "mann_whitney", p = 0.2 },
  { kind = "correlation", max_abs_r = 0.9 },
  { kind = "mrmr", k = 5 },
  { kind = "lasso", folds = 5, rule = "min" },
]
[dlsig]
source = "features"
steps = [{ kind = "standardize" }, { kind = "lasso", folds = 5, rule = "min" }]
[radlsig_early]
steps = [
  { kind = "standardize" },
  { kind = "mann_whitney", p = 0.05 },
  { kind = "lasso", folds = 5, rule = "min" },
]
model = { kind = "lasso" }
[radlsig_late]
folds = 4
[clinical]
steps = [{ kind = "standardize" }]
[combined]
signatures = ["radlsig_late"]
folds = 3
"#;
    toml::from_str(text).unwrap()
}

fn split(n: usize) -> (Vec<usize>, Vec<usize>) {
    // Every 4th patient to validation.
    ((0..n).filter(|i| i % 4 != 0).collect(), (0..n).filter(|i| i % 4 == 0).collect())
}

fn labels_of(labels: &[u8], idx: &[usize]) -> Vec<u8> {
    idx.iter().map(|&i| labels[i]).collect()
}

#[test]
fn fits_every_signature_and_round_trips_json() {
    let (blocks, labels) = cohort(1);
    let (tr, va) = split(labels.len());
    let set =
        fit_signatures(&config(), &blocks.select_rows(&tr), &labels_of(&labels, &tr)).unwrap();
    let ids: Vec<SignatureId> = set.signatures.iter().map(|s| s.signature.id).collect();
    assert_eq!(
        ids,
        [
            SignatureId::Rasig,
            SignatureId::Dlsig,
            SignatureId::RadlsigEarly,
            SignatureId::RadlsigLate,
            SignatureId::Clinical,
            SignatureId::Combined
        ]
    );
    let val = blocks.select_rows(&va).joined().unwrap();
    for s in &set.signatures {
        let sig = &s.signature;
        let back = radlsig_fusion::Signature::from_json(&sig.to_json()).unwrap();
        assert_eq!(&back, sig);
        let p = sig.predict_proba(&val).unwrap();
        assert_eq!(p.len(), va.len());
        assert!(p.iter().all(|&q| q > 0.0 && q < 1.0));
        eprintln!("{sig}");
    }
    // The informative radiomics features survive; the constant and the redundant copy do not.
    let ra = &set.get(SignatureId::Rasig).unwrap().signature;
    let names: Vec<&str> = ra.terms.iter().map(|t| t.name.as_str()).collect();
    assert!(names.contains(&"original_feature_0") || names.contains(&"original_feature_3"));
    assert!(!(names.contains(&"original_feature_0") && names.contains(&"original_feature_3")));
    assert!(!names.contains(&"original_feature_10"));
    assert!(ra.formula().starts_with("Rad-score = "));
    let late = &set.get(SignatureId::RadlsigLate).unwrap().signature;
    assert!(late.formula().contains("× Rad-score") && late.formula().contains("× DL-score"));
}

#[test]
fn validation_rows_cannot_change_any_fitted_parameter() {
    let (blocks, labels) = cohort(2);
    let (tr, va) = split(labels.len());
    let y = labels_of(&labels, &tr);
    let before = fit_signatures(&config(), &blocks.select_rows(&tr), &y).unwrap().to_json();
    // Perturb every validation row arbitrarily (values, NaN, centre, covariate) in the full data
    // and split again.
    let mut tables = [blocks.radiomics.clone().unwrap(), blocks.deep.clone().unwrap()];
    for t in tables.iter_mut() {
        let mut v = t.values().to_owned();
        let mut centres = t.centres().unwrap().to_vec();
        for &i in &va {
            for j in 0..v.ncols() {
                v[[i, j]] = if j % 3 == 0 { f64::NAN } else { 1e6 * (i + j) as f64 };
            }
            centres[i] = "Z".into();
        }
        let age: Vec<f64> =
            (0..v.nrows()).map(|i| if va.contains(&i) { -1.0 } else { 0.0 }).collect();
        *t = FeatureTable::new(t.row_ids().to_vec(), t.feature_names().to_vec(), v)
            .unwrap()
            .with_centres(centres)
            .unwrap()
            .with_covariate(Covariate {
                name: "age".into(),
                values: CovariateValues::Continuous(
                    // Training rows keep their ages.
                    match &t.covariate("age").unwrap().values {
                        CovariateValues::Continuous(a) => a
                            .iter()
                            .zip(&age)
                            .map(|(x, d)| if *d < 0.0 { f64::NAN } else { *x })
                            .collect(),
                        CovariateValues::Categorical(_) => unreachable!(),
                    },
                ),
            })
            .unwrap();
    }
    let mut labels2 = labels.clone();
    for &i in &va {
        labels2[i] = 1 - labels2[i];
    }
    let perturbed = FeatureBlocks {
        radiomics: Some(tables[0].clone()),
        deep: Some(tables[1].clone()),
        clinical: blocks.clinical.clone(),
    };
    let after = fit_signatures(&config(), &perturbed.select_rows(&tr), &labels_of(&labels2, &tr))
        .unwrap()
        .to_json();
    assert!(before == after, "fitted parameters changed when only validation rows changed");
}

#[test]
fn same_seed_same_bytes_any_thread_count_other_seed_other_folds() {
    let (blocks, labels) = cohort(3);
    let (tr, _) = split(labels.len());
    let (b, y) = (blocks.select_rows(&tr), labels_of(&labels, &tr));
    let a1 = fit_signatures(&config(), &b, &y).unwrap().to_json();
    let a2 = fit_signatures(&config(), &b, &y).unwrap().to_json();
    assert_eq!(a1, a2);
    // Folds run in parallel; one thread gives the same bytes.
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
    let a1_serial = one.install(|| fit_signatures(&config(), &b, &y).unwrap().to_json());
    assert_eq!(a1, a1_serial);
    let mut c = config();
    c.seed = 8;
    let a3 = fit_signatures(&c, &b, &y).unwrap();
    // The seed is recorded, and it moves the CV folds.
    assert_eq!(a3.config.seed, 8);
    assert_ne!(a1, a3.to_json());
}

/// The ComBat-then-formula score computed by hand from signature.json, as a reader of the file
/// would.
fn score_by_hand(sig: &Value, table: &FeatureTable, row: usize) -> f64 {
    let inputs: Vec<&str> =
        sig["inputs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let mut x: Vec<f64> = inputs.iter().map(|f| table.column(f).unwrap()[row]).collect();
    let centre = &table.centres().unwrap()[row];
    let age = match &table.covariate("age").unwrap().values {
        CovariateValues::Continuous(a) => a[row],
        CovariateValues::Categorical(_) => unreachable!(),
    };
    for step in sig["preprocessing"].as_array().unwrap() {
        match step["kind"].as_str().unwrap() {
            "standardize" => {
                for (k, v) in x.iter_mut().enumerate() {
                    *v = (*v - step["means"][k].as_f64().unwrap())
                        / step["scales"][k].as_f64().unwrap();
                }
            }
            "combat" => {
                let c =
                    step["centres"].as_array().unwrap().iter().position(|c| c == centre).unwrap();
                assert_eq!(step["design"][0]["covariate"], "age");
                for (k, v) in x.iter_mut().enumerate() {
                    let grand = step["grand_mean"][k].as_f64().unwrap();
                    let var = step["var_pooled"][k].as_f64().unwrap();
                    let beta = step["covariate_coefficients"][0][k].as_f64().unwrap();
                    let gamma = step["gamma_star"][c][k].as_f64().unwrap();
                    let delta = step["delta_star"][c][k].as_f64().unwrap();
                    let mean = grand + beta * age;
                    let s = (*v - mean) / var.sqrt();
                    *v = (s - gamma) / delta.sqrt() * var.sqrt() + mean;
                }
            }
            other => panic!("unexpected step {other}"),
        }
    }
    let mut lp = sig["intercept"].as_f64().unwrap();
    for t in sig["terms"].as_array().unwrap() {
        let k = inputs.iter().position(|f| *f == t["name"].as_str().unwrap()).unwrap();
        lp += t["coefficient"].as_f64().unwrap() * x[k];
    }
    lp
}

#[test]
fn the_saved_formula_applied_by_hand_reproduces_the_predictions() {
    let (blocks, labels) = cohort(4);
    let (tr, va) = split(labels.len());
    let set =
        fit_signatures(&config(), &blocks.select_rows(&tr), &labels_of(&labels, &tr)).unwrap();
    let val = blocks.select_rows(&va).joined().unwrap();
    let fitted = set.get(SignatureId::Rasig).unwrap();
    let json: Value = serde_json::from_str(&fitted.signature.to_json()).unwrap();
    let lp = fitted.signature.linear_predictor(&val).unwrap();
    for (row, &l) in lp.iter().enumerate() {
        let hand = score_by_hand(&json, &val, row);
        assert!((hand - l).abs() <= 1e-12 * l.abs().max(1.0), "row {row}: {hand} vs {l}");
    }
    // The pruned signature equals the full fitted pipeline followed by the formula.
    let train = blocks.select_rows(&tr).joined().unwrap();
    let full = fitted.pipeline.as_ref().unwrap().transform(&train).unwrap();
    for (i, &l) in fitted.train_linear_predictor.iter().enumerate() {
        let mut by_pipeline = fitted.signature.intercept;
        for t in &fitted.signature.terms {
            by_pipeline += t.coefficient * full.column(&t.name).unwrap()[i];
        }
        assert!((by_pipeline - l).abs() <= 1e-12 * l.abs().max(1.0));
    }
    // Late fusion: intercept + a × RAsig + b × DLsig on the components' linear predictors.
    let late = &set.get(SignatureId::RadlsigLate).unwrap().signature;
    let ra = set.get(SignatureId::Rasig).unwrap().signature.linear_predictor(&val).unwrap();
    let dl = set.get(SignatureId::Dlsig).unwrap().signature.linear_predictor(&val).unwrap();
    let stacked = late.linear_predictor(&val).unwrap();
    for i in 0..va.len() {
        let hand =
            late.intercept + late.terms[0].coefficient * ra[i] + late.terms[1].coefficient * dl[i];
        assert!((hand - stacked[i]).abs() <= 1e-12 * hand.abs().max(1.0));
    }
}

#[test]
fn dl_probability_is_recalibrated_on_its_logit() {
    let (blocks, labels) = cohort(5);
    let (tr, va) = split(labels.len());
    let c = FusionConfig {
        dlsig: Some(toml::from_str("source = \"probability\"").unwrap()),
        ..FusionConfig::default()
    };
    let set = fit_signatures(&c, &blocks.select_rows(&tr), &labels_of(&labels, &tr)).unwrap();
    let sig = &set.get(SignatureId::Dlsig).unwrap().signature;
    assert_eq!(sig.inputs, ["dl_prob"]);
    assert!(sig.formula().contains("× logit(dl_prob)"), "{}", sig.formula());
    let val = blocks.select_rows(&va).joined().unwrap();
    let lp = sig.linear_predictor(&val).unwrap();
    let p = val.column("dl_prob").unwrap();
    for i in 0..va.len() {
        let hand = sig.intercept + sig.terms[0].coefficient * (p[i] / (1.0 - p[i])).ln();
        assert!((hand - lp[i]).abs() < 1e-12);
    }
    // A value outside [0, 1] is named.
    let mut bad = val.values().to_owned();
    let j = val.feature_index("dl_prob").unwrap();
    bad[[2, j]] = 1.5;
    let bad = FeatureTable::new(val.row_ids().to_vec(), val.feature_names().to_vec(), bad).unwrap();
    let err = sig.linear_predictor(&bad).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "feature `dl_prob` must be a probability in [0, 1], got 1.5 in row `{}`",
            val.row_ids()[2]
        )
    );
}

#[test]
fn bad_inputs_fail_early_with_names() {
    let (blocks, labels) = cohort(6);
    let (tr, va) = split(labels.len());
    let y = labels_of(&labels, &tr);
    // NaN in a training row names the feature and the row.
    let mut b = blocks.select_rows(&tr);
    let r = b.radiomics.take().unwrap();
    let mut v = r.values().to_owned();
    v[[5, 7]] = f64::NAN;
    b.radiomics = Some(
        FeatureTable::new(r.row_ids().to_vec(), r.feature_names().to_vec(), v)
            .unwrap()
            .with_centres(r.centres().unwrap().to_vec())
            .unwrap()
            .with_covariate(r.covariates()[0].clone())
            .unwrap(),
    );
    let err = fit_signatures(&config(), &b, &y).unwrap_err().to_string();
    assert_eq!(
        err,
        format!(
            "training data: feature `original_feature_7` is not finite (NaN) in row `{}`",
            r.row_ids()[5]
        )
    );
    // A bad config names its key before anything is fitted.
    let mut c = config();
    c.rasig.as_mut().unwrap().steps[3] = toml::from_str("kind = \"mann_whitney\"\np = 0").unwrap();
    let err = fit_signatures(&c, &blocks.select_rows(&tr), &y).unwrap_err();
    assert!(matches!(err, Error::Config { .. }));
    assert_eq!(
        err.to_string(),
        "invalid fusion config: fusion.rasig.steps[3].p: must be in (0, 1], got 0"
    );
    // An unseen centre in validation rows is named.
    let set = fit_signatures(&config(), &blocks.select_rows(&tr), &y).unwrap();
    let val = blocks.select_rows(&va).joined().unwrap();
    let mut centres = val.centres().unwrap().to_vec();
    centres[1] = "D".into();
    let val = val.with_centres(centres).unwrap();
    let err = set.get(SignatureId::Rasig).unwrap().signature.linear_predictor(&val).unwrap_err();
    assert!(
        err.to_string().starts_with(&format!("combat: centre `D` (row `{}`)", val.row_ids()[1])),
        "{err}"
    );
    // A missing block names the signature.
    let mut b = blocks.select_rows(&tr);
    b.deep = None;
    let err = fit_signatures(&config(), &b, &y).unwrap_err().to_string();
    assert_eq!(err, "dlsig: the deep block is missing");
}
