//! Hyper-parameter search by inner cross-validation: the winner on a planted non-linear signal,
//! the inner scores reproduced by hand from refitted pipelines (every step refitted on the inner
//! training part), seeded random search, failing candidates left out, the training rows alone
//! determining the result, and bad ranges named before any fitting.

use ndarray::Array2;
use radlsig_fusion::{
    Error, FeatureBlocks, FeatureTable, FusionConfig, PipelineConfig, SignatureId, fit_signatures,
    stratified_folds,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` rows, 8 features: class 1 when |f0| > 1 (10 % of labels flipped), f1 a weak linear
/// signal, the rest noise.
fn cohort(n: usize, seed: u64) -> (FeatureTable, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut normal = move || {
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let mut x = Array2::<f64>::zeros((n, 8));
    let mut y = Vec::new();
    for i in 0..n {
        for j in 0..8 {
            x[[i, j]] = normal();
        }
        let flip = normal().abs() > 1.645;
        y.push(u8::from((x[[i, 0]].abs() > 1.0) != flip));
        x[[i, 1]] += 0.3 * f64::from(y[i]);
    }
    let ids = (0..n).map(|i| format!("p{i}")).collect();
    (FeatureTable::new(ids, (0..8).map(|j| format!("f{j}")).collect(), x).unwrap(), y)
}

fn blocks(t: &FeatureTable) -> FeatureBlocks {
    FeatureBlocks { radiomics: Some(t.clone()), ..FeatureBlocks::default() }
}

fn config(rasig: &str) -> FusionConfig {
    toml::from_str(&format!("seed = 8\n[rasig]\n{rasig}")).unwrap()
}

const SEARCH: &str = r#"
steps = [{ kind = "standardize" }, { kind = "mrmr", k = 4 }]
model = { kind = "logistic" }
[rasig.search]
folds = 4
space = { "model" = [{ kind = "logistic" }, { kind = "random_forest", trees = 60 }, { kind = "svm", c = 1.0 }], "steps[1].k" = [2, 8] }
"#;

#[test]
fn the_search_picks_a_non_linear_model_and_its_inner_scores_are_refitted_pipelines() {
    let (train, y) = cohort(200, 1);
    let c = config(SEARCH);
    let set = fit_signatures(&c, &blocks(&train), &y).unwrap();
    let fitted = set.get(SignatureId::Rasig).unwrap();
    let s = fitted.search.as_ref().unwrap();
    assert_eq!(s.candidates.len(), 6);
    assert_eq!(s.folds, 4);
    let winner = s.winner();
    let kind = winner.settings["model"]["kind"].as_str().unwrap();
    assert_ne!(kind, "logistic", "{:#?}", s.candidates);
    assert!(fitted.signature.learner.is_some());
    // Every candidate's score is the mean fold AUC of its pipeline refitted on each inner
    // training part (standardisation and mRMR included) and scored on the held-out part.
    let folds = stratified_folds(&y, 4, 8).unwrap();
    for cand in &s.candidates {
        let mut p: PipelineConfig =
            toml::from_str(&SEARCH.replace("[rasig.search]", "[search]")).unwrap();
        p.search = None;
        p.model = serde_json::from_value(cand.settings["model"].clone()).unwrap();
        let k = cand.settings["steps[1].k"].as_u64().unwrap() as usize;
        if let radlsig_fusion::StepConfig::Mrmr { k: kk, .. } = &mut p.steps[1] {
            *kk = k;
        }
        let mut aucs = Vec::new();
        for f in 0..4 {
            let tr: Vec<usize> = (0..y.len()).filter(|&i| folds[i] != f).collect();
            let te: Vec<usize> = (0..y.len()).filter(|&i| folds[i] == f).collect();
            let inner = FusionConfig { seed: 8, rasig: Some(p.clone()), ..FusionConfig::default() };
            let ytr: Vec<u8> = tr.iter().map(|&i| y[i]).collect();
            let fit = fit_signatures(&inner, &blocks(&train.select_rows(&tr)), &ytr).unwrap();
            let lp = fit.signatures[0].signature.linear_predictor(&train.select_rows(&te)).unwrap();
            let yte: Vec<u8> = te.iter().map(|&i| y[i]).collect();
            aucs.push(radlsig_stats::roc_auc(&lp, &yte).unwrap());
        }
        let mean = aucs.iter().sum::<f64>() / 4.0;
        assert!(
            (cand.score.unwrap() - mean).abs() < 1e-12,
            "{:?}: {} vs {mean}",
            cand.settings,
            cand.score.unwrap()
        );
    }
    // The final signature is the winner refitted on all training rows.
    let mut p: PipelineConfig =
        toml::from_str(&SEARCH.replace("[rasig.search]", "[search]")).unwrap();
    p.search = None;
    p.model = serde_json::from_value(winner.settings["model"].clone()).unwrap();
    let k = winner.settings["steps[1].k"].as_u64().unwrap() as usize;
    if let radlsig_fusion::StepConfig::Mrmr { k: kk, .. } = &mut p.steps[1] {
        *kk = k;
    }
    let plain = FusionConfig { seed: 8, rasig: Some(p), ..FusionConfig::default() };
    let refit = fit_signatures(&plain, &blocks(&train), &y).unwrap();
    assert_eq!(refit.signatures[0].signature, fitted.signature);
    // The winner generalises: held-out AUC well above a linear score's.
    let (test, yt) = cohort(300, 2);
    let auc =
        radlsig_stats::roc_auc(&fitted.signature.linear_predictor(&test).unwrap(), &yt).unwrap();
    assert!(auc > 0.8, "held-out AUC of the winner {auc}");
}

#[test]
fn random_search_is_seeded_and_only_training_rows_matter() {
    let (all, y) = cohort(160, 3);
    let text = r#"
steps = [{ kind = "standardize" }]
model = { kind = "svm" }
[rasig.search]
method = "random"
candidates = 5
folds = 3
space = { "model.c" = { log_uniform = [0.01, 100.0] }, "model.gamma" = { log_uniform = [0.001, 1.0] } }
"#;
    let train: Vec<usize> = (0..160).filter(|i| i % 4 != 0).collect();
    let ytr: Vec<u8> = train.iter().map(|&i| y[i]).collect();
    let fit =
        |c: &FusionConfig| fit_signatures(c, &blocks(&all.select_rows(&train)), &ytr).unwrap();
    let a = fit(&config(text));
    assert_eq!(a.to_json(), fit(&config(text)).to_json());
    let b = fit(&config(&text.replace("folds = 3", "folds = 3\nseed = 77")));
    let (sa, sb) =
        (a.signatures[0].search.as_ref().unwrap(), b.signatures[0].search.as_ref().unwrap());
    assert_eq!(sa.candidates.len(), 5);
    assert_ne!(sa.candidates[0].settings, sb.candidates[0].settings);
    // Rows outside the training set (here: any change to the held-out rows' values) cannot
    // move anything: the fit reads only the training rows it is given. Changing one training
    // row does.
    let mut changed = all.values().to_owned();
    for i in (0..160).filter(|i| i % 4 == 0) {
        changed.row_mut(i).mapv_inplace(|v| 3.0 * v + 1.0);
    }
    let other =
        FeatureTable::new(all.row_ids().to_vec(), all.feature_names().to_vec(), changed.clone())
            .unwrap();
    let c = config(text);
    let a2 = fit_signatures(&c, &blocks(&other.select_rows(&train)), &ytr).unwrap();
    assert_eq!(a.to_json(), a2.to_json());
    changed[[1, 0]] += 5.0;
    let other =
        FeatureTable::new(all.row_ids().to_vec(), all.feature_names().to_vec(), changed).unwrap();
    let a3 = fit_signatures(&c, &blocks(&other.select_rows(&train)), &ytr).unwrap();
    assert_ne!(a.to_json(), a3.to_json());
}

#[test]
fn a_candidate_that_fails_in_a_fold_is_left_out_with_its_reason() {
    // f0 separates the classes: a maximum-likelihood logistic fit does not exist.
    let n = 60;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        if j == 0 { (i % 2) as f64 * 3.0 + (i as f64) * 0.01 } else { ((i * 7) % 5) as f64 }
    });
    let y: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
    let t = FeatureTable::new(
        (0..n).map(|i| format!("p{i}")).collect(),
        vec!["a".into(), "b".into()],
        x,
    )
    .unwrap();
    let c = config(
        r#"
model = { kind = "logistic" }
[rasig.search]
folds = 3
space = { "model.ridge" = [0.0, 1.0] }
"#,
    );
    let set = fit_signatures(&c, &blocks(&t), &y).unwrap();
    let s = set.signatures[0].search.as_ref().unwrap();
    assert!(s.candidates[0].score.is_none());
    assert!(
        s.candidates[0].failure.as_ref().unwrap().starts_with("inner fold 1:"),
        "{:?}",
        s.candidates[0]
    );
    assert_eq!(s.best, 1);
    // Every candidate failing is an error naming the search.
    let c = config(
        r#"
model = { kind = "logistic" }
[rasig.search]
folds = 3
space = { "model.ridge" = [0.0] }
"#,
    );
    let e = fit_signatures(&c, &blocks(&t), &y).unwrap_err().to_string();
    assert!(e.contains("fusion.rasig.search: every candidate failed"), "{e}");
}

#[test]
fn bad_search_ranges_are_named_before_any_fitting() {
    let c = config(
        r#"
steps = [{ kind = "standardize" }]
model = { kind = "svm" }
[rasig.search]
folds = 1
candidates = 3
space = { "model.c" = [1.0, -1.0], "steps[4].p" = [0.1], "model.gamma" = { uniform = [0.1, 1.0] }, "a..b" = [1] }
"#,
    );
    let Err(Error::Config { problems }) = c.check("fusion") else { panic!("accepted") };
    for want in [
        "fusion.rasig.search.folds: must be ≥ 2, got 1",
        "fusion.rasig.search.candidates: only random search draws candidates",
        "fusion.rasig.search.space.\"model.gamma\": a distribution needs method = \"random\" (a grid lists values)",
        "fusion.rasig.search.space.\"a..b\": not a key path (e.g. model.c or steps[2].k)",
    ] {
        assert!(problems.iter().any(|p| p == want), "missing {want:?} in {problems:#?}");
    }
    // A grid value out of range is named with the candidate that holds it.
    let c = config(
        r#"
steps = [{ kind = "standardize" }]
model = { kind = "svm" }
[rasig.search]
space = { "model.c" = [1.0, -1.0], "steps[3].p" = [0.1] }
"#,
    );
    let msg = c.check("fusion").unwrap_err().to_string();
    assert!(
        msg.contains(
            "fusion.rasig.search.space.\"steps[3].p\": index 3 is out of range (1 entries)"
        ),
        "{msg}"
    );
    let c = config(
        r#"
steps = [{ kind = "standardize" }]
model = { kind = "svm" }
[rasig.search]
space = { "model.c" = [1.0, -1.0] }
"#,
    );
    let msg = c.check("fusion").unwrap_err().to_string();
    assert!(
        msg.contains("fusion.rasig.model.c: must be > 0, got -1 (search: model.c = -1.0)"),
        "{msg}"
    );
    // A key the model does not have.
    let c =
        config("model = { kind = \"svm\" }\n[rasig.search]\nspace = { \"model.trees\" = [10] }\n");
    let msg = c.check("fusion").unwrap_err().to_string();
    assert!(
        msg.contains("fusion.rasig.search.space (model.trees = 10)") && msg.contains("trees"),
        "{msg}"
    );
    // Inner folds against the training labels: 4 rows of class 1.
    let c = config(
        "model = { kind = \"logistic\" }\n[rasig.search]\nfolds = 5\nspace = { \"model.ridge\" = [0.0, 1.0] }\n",
    );
    let msg = c.check_folds("fusion", &[0, 0, 0, 0, 0, 0, 1, 1, 1, 1]).unwrap_err().to_string();
    assert!(msg.contains("fusion.rasig.search.folds = 5: needs 5 training rows of each class, the smaller class has 4"), "{msg}");
}
