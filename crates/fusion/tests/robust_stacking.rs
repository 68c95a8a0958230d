//! Robust cross-validation of the signatures: a selection that keeps no feature gives the
//! intercept-only model (never an abort), a stack component with constant scores gets weight
//! 0, and convex late fusion chooses its weight by out-of-fold AUC (checked against a brute-force
//! pairwise AUC over the same grid).

use ndarray::Array2;
use radlsig_fusion::{
    Error, FeatureBlocks, FeatureTable, FusionConfig, SignatureId, StackWeights, fit_signatures,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` patients, 2 of 5 positive. Radiomics: 8 features, the first two informative. Deep: 6
/// features of pure noise (a CNN at chance).
fn cohort(n: usize, seed: u64) -> (FeatureBlocks, Vec<u8>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut normal = move || {
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 5 < 2)).collect();
    let mut rad = Array2::<f64>::zeros((n, 8));
    let mut deep = Array2::<f64>::zeros((n, 6));
    for i in 0..n {
        let y = f64::from(labels[i]);
        for j in 0..8 {
            let signal = match j {
                0 => 1.3 * y,
                1 => -1.0 * y,
                _ => 0.0,
            };
            rad[[i, j]] = signal + normal();
        }
        for j in 0..6 {
            deep[[i, j]] = normal();
        }
    }
    let ids: Vec<String> = (0..n).map(|i| format!("pt{i:03}")).collect();
    let blocks = FeatureBlocks {
        radiomics: Some(
            FeatureTable::new(ids.clone(), (0..8).map(|j| format!("rad_{j}")).collect(), rad)
                .unwrap(),
        ),
        deep: Some(
            FeatureTable::new(ids, (0..6).map(|j| format!("cnn_{j}")).collect(), deep).unwrap(),
        ),
        clinical: None,
    };
    (blocks, labels)
}

fn config(dl_steps: &str, weights: &str) -> FusionConfig {
    let text = format!(
        r#"
seed = 11
[rasig]
steps = [{{ kind = "standardize" }}, {{ kind = "lasso", folds = 5, rule = "min" }}]
[dlsig]
source = "features"
steps = {dl_steps}
[radlsig_late]
folds = 5
weights = "{weights}"
"#
    );
    toml::from_str(&text).unwrap()
}

/// P(score⁺ > score⁻) + ½ P(tie), pair by pair: independent of the crate's rank-based AUC.
fn pairwise_auc(scores: &[f64], labels: &[u8]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (i, &si) in scores.iter().enumerate() {
        for (j, &sj) in scores.iter().enumerate() {
            if labels[i] == 1 && labels[j] == 0 {
                pairs += 1.0;
                wins += if si > sj {
                    1.0
                } else if si == sj {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    wins / pairs
}

#[test]
fn an_empty_selection_is_the_intercept_only_model_and_the_stack_gives_it_weight_zero() {
    let (blocks, labels) = cohort(100, 1);
    // No p-value of pure noise is below 1e-12: the DLsig selection keeps nothing.
    let c = config(r#"[{ kind = "standardize" }, { kind = "mann_whitney", p = 1e-12 }]"#, "convex");
    let set = fit_signatures(&c, &blocks, &labels).expect("an empty selection does not abort");
    let dl = set.get(SignatureId::Dlsig).unwrap();
    assert!(dl.is_intercept_only());
    assert!(dl.signature.terms.is_empty() && dl.signature.inputs.is_empty());
    // 40 positives of 100: logit(0.4) = ln(40 / 60).
    assert!((dl.signature.intercept - (40.0f64 / 60.0).ln()).abs() < 1e-15);
    assert!(dl.train_linear_predictor.iter().all(|&v| v == dl.signature.intercept));
    assert_eq!(dl.warnings.len(), 1);
    assert!(
        dl.warnings[0].text.starts_with(
            "dlsig.steps[1] (mann_whitney): no feature is left (no Mann–Whitney p-value is \
             below p = 0.000000000001); DLsig is the intercept-only model (constant score -0.4055"
        ),
        "{}",
        dl.warnings[0]
    );
    // Late fusion: DLsig's out-of-fold scores are constant, so it gets coefficient 0 and the
    // fused score is RAsig recalibrated.
    let late = set.get(SignatureId::RadlsigLate).unwrap();
    let terms = &late.signature.terms;
    assert_eq!(terms[1].name, "DLsig");
    assert_eq!(terms[1].coefficient, 0.0);
    assert!(terms[0].coefficient > 0.0);
    let stack = late.stack.as_ref().unwrap();
    assert_eq!(stack.component_auc[1], None);
    assert_eq!(stack.convex_weights.as_deref(), Some(&[1.0, 0.0][..]));
    assert!(
        late.warnings
            .iter()
            .any(|w| w.text.contains("the out-of-fold scores of DLsig are constant"))
    );
    assert_eq!(
        late.warnings.iter().filter(|w| w.stacking_fold.is_some()).count(),
        5,
        "every stacking fold's DLsig is the intercept-only model: {:?}",
        late.warnings
    );
    // Applied to new rows, DLsig is constant and RADLsig ranks them as RAsig does.
    let lps = set.linear_predictors(&blocks.select_rows(&(0..20).collect::<Vec<_>>())).unwrap();
    let get = |id| lps.iter().find(|(i, _)| *i == id).unwrap().1.clone();
    let (ra, dlv, fused) =
        (get(SignatureId::Rasig), get(SignatureId::Dlsig), get(SignatureId::RadlsigLate));
    assert!(dlv.iter().all(|&v| v == dlv[0]));
    for i in 0..20 {
        let hand = late.signature.intercept + terms[0].coefficient * ra[i];
        assert!((hand - fused[i]).abs() < 1e-12 * hand.abs().max(1.0));
    }

    // The same fit with on_empty_selection = "error" names the step.
    let strict =
        FusionConfig { on_empty_selection: radlsig_fusion::EmptySelectionPolicy::Error, ..c };
    match fit_signatures(&strict, &blocks, &labels) {
        Err(e @ Error::NoFeatureSelected { .. }) => assert!(
            e.to_string().starts_with("dlsig.steps[1] (mann_whitney): no feature is left"),
            "{e}"
        ),
        other => panic!("expected the empty-selection error, got {other:?}"),
    }
}

#[test]
fn a_lasso_that_prefers_the_null_model_gives_glmnets_null_intercept() {
    // Pure noise and lambda.1se: cross-validation prefers the null model.
    let (blocks, labels) = cohort(60, 3);
    let c = config(
        r#"[{ kind = "standardize" }, { kind = "lasso", folds = 5, rule = "1se" }]"#,
        "convex",
    );
    let set = fit_signatures(&c, &blocks, &labels).unwrap();
    let dl = set.get(SignatureId::Dlsig).unwrap();
    assert!(dl.is_intercept_only(), "{:?}", dl.signature.terms);
    // glmnet's path starts at the null model; its intercept there is the same constant.
    let lasso = dl.pipeline.as_ref().unwrap().final_lasso().unwrap();
    assert!(lasso.coefficients.iter().all(|&b| b == 0.0));
    assert!((lasso.intercept - dl.signature.intercept).abs() < 1e-9);
    assert!(dl.warnings[0].text.contains("dlsig.steps[1] (lasso): no feature is left"));
}

#[test]
fn convex_late_fusion_takes_the_weight_with_the_best_out_of_fold_auc() {
    let (blocks, labels) = cohort(150, 5);
    // DLsig keeps noise features (lambda.min on noise), so its scores vary but carry nothing.
    let c = config(
        r#"[{ kind = "standardize" }, { kind = "lasso", folds = 5, rule = "min", nlambda = 100 }]"#,
        "convex",
    );
    let set = fit_signatures(&c, &blocks, &labels).unwrap();
    let late = set.get(SignatureId::RadlsigLate).unwrap();
    let stack = late.stack.as_ref().unwrap();
    assert_eq!(stack.weights, StackWeights::Convex);
    let oof = late.stack_inputs.as_ref().unwrap();
    let standardise = |z: &[f64]| -> Vec<f64> {
        let n = z.len() as f64;
        let m = z.iter().sum::<f64>() / n;
        let s = (z.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        z.iter().map(|v| (v - m) / s).collect()
    };
    let (za, zb) = (standardise(&oof[0]), standardise(&oof[1]));
    let grid: Vec<(f64, f64)> = (0..=20)
        .map(|i| {
            let w = f64::from(i) / 20.0;
            let c: Vec<f64> = za.iter().zip(&zb).map(|(a, b)| w * a + (1.0 - w) * b).collect();
            (w, pairwise_auc(&c, &labels))
        })
        .collect();
    let best = grid.iter().map(|g| g.1).fold(f64::NEG_INFINITY, f64::max);
    let w = stack.convex_weights.as_ref().unwrap();
    assert!((w[0] + w[1] - 1.0).abs() < 1e-12);
    let chosen = grid.iter().find(|g| (g.0 - w[0]).abs() < 1e-9).expect("w on the grid");
    assert!((chosen.1 - best).abs() < 1e-12, "chosen {chosen:?}, best {best}, grid {grid:?}");
    assert!((stack.stack_auc.unwrap() - best).abs() < 1e-12);
    // Radiomics carries the signal: it gets most of the weight, and the stack's out-of-fold
    // AUC is at least each component's.
    assert!(w[0] >= 0.5, "{w:?}");
    let (auc_ra, auc_dl) = (stack.component_auc[0].unwrap(), stack.component_auc[1].unwrap());
    assert!((auc_ra - pairwise_auc(&oof[0], &labels)).abs() < 1e-12);
    assert!(best >= auc_ra && best >= auc_dl);
    // Both weights are ≥ 0 and the formula holds: intercept + a·RAsig + b·DLsig.
    let t = &late.signature.terms;
    assert!(t[0].coefficient > 0.0 && t[1].coefficient >= 0.0);

    // weights = "logistic" is the free stack.
    let c = config(
        r#"[{ kind = "standardize" }, { kind = "lasso", folds = 5, rule = "min", nlambda = 100 }]"#,
        "logistic",
    );
    let set = fit_signatures(&c, &blocks, &labels).unwrap();
    let stack = set.get(SignatureId::RadlsigLate).unwrap().stack.clone().unwrap();
    assert_eq!(stack.weights, StackWeights::Logistic);
    assert!(stack.convex_weights.is_none());
}

/// On pure noise, a stack's out-of-fold scores can rank against the labels. The convex stack
/// never turns a component round: its coefficients stay ≥ 0 on every seed, and where the
/// calibration slope would be negative the fusion keeps the components' own log-odds with the
/// chosen weights (intercept 0, a warning).
#[test]
fn convex_late_fusion_never_inverts_its_components() {
    let text = r#"
seed = 3
[rasig]
steps = [{ kind = "standardize" }]
model = { kind = "logistic", ridge = 1.0 }
[dlsig]
source = "features"
steps = [{ kind = "standardize" }]
model = { kind = "logistic", ridge = 1.0 }
[radlsig_late]
folds = 4
"#;
    let config: FusionConfig = toml::from_str(text).unwrap();
    let mut inverted = 0;
    for seed in 0..40 {
        let (mut blocks, labels) = cohort(40, 100 + seed);
        // No signal anywhere: keep two noise columns of each block.
        let keep = |t: &FeatureTable, names: &[&str]| {
            t.select_features(&names.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "test")
                .unwrap()
        };
        let rad = keep(blocks.radiomics.as_ref().unwrap(), &["rad_5", "rad_6"]);
        let deep = keep(blocks.deep.as_ref().unwrap(), &["cnn_0", "cnn_1"]);
        blocks.radiomics = Some(rad);
        blocks.deep = Some(deep);
        let set = fit_signatures(&config, &blocks, &labels).unwrap();
        let late = set.get(SignatureId::RadlsigLate).unwrap();
        let t = &late.signature.terms;
        assert!(t.iter().all(|t| t.coefficient >= 0.0), "seed {seed}: {t:?}");
        if late.warnings.iter().any(|w| w.text.contains("rank against the training labels")) {
            inverted += 1;
            let w = late.stack.as_ref().unwrap().convex_weights.clone().unwrap();
            assert_eq!(late.signature.intercept, 0.0);
            assert_eq!((t[0].coefficient, t[1].coefficient), (w[0], w[1]));
            let table = blocks.joined().unwrap();
            let ra =
                set.get(SignatureId::Rasig).unwrap().signature.linear_predictor(&table).unwrap();
            let dl =
                set.get(SignatureId::Dlsig).unwrap().signature.linear_predictor(&table).unwrap();
            let fused = late.signature.linear_predictor(&table).unwrap();
            for i in 0..fused.len() {
                let hand = w[0] * ra[i] + w[1] * dl[i];
                assert!((hand - fused[i]).abs() < 1e-12 * hand.abs().max(1.0));
            }
        }
    }
    assert!(inverted > 0, "no seed of pure noise ranked against its labels out of fold");
}

/// A pretrained model's probability can separate a small training set: the maximum-likelihood
/// recalibration then does not exist, the error names `dlsig.ridge`, and a ridge gives a fit
/// whose score ranks the cases as the probability does.
#[test]
fn a_separating_probability_needs_the_dlsig_ridge_and_gets_it() {
    let n = 30;
    let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 3 == 0)).collect();
    let p: Vec<f64> =
        (0..n).map(|i| 0.25 + 0.5 * f64::from(labels[i]) + 0.01 * ((i * 7) % 11) as f64).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("pt{i:02}")).collect();
    let deep = FeatureTable::new(
        ids,
        vec!["dl_prob".into()],
        Array2::from_shape_vec((n, 1), p.clone()).unwrap(),
    )
    .unwrap();
    let blocks = FeatureBlocks { radiomics: None, deep: Some(deep), clinical: None };
    let config = |ridge: &str| -> FusionConfig {
        toml::from_str(&format!("[dlsig]\nsource = \"probability\"\n{ridge}")).unwrap()
    };
    let err = fit_signatures(&config(""), &blocks, &labels).unwrap_err();
    assert!(matches!(err, Error::Separation { .. }), "{err}");
    assert!(err.to_string().contains("set dlsig.ridge > 0"), "{err}");
    let set = fit_signatures(&config("ridge = 0.5"), &blocks, &labels).unwrap();
    let dl = set.get(SignatureId::Dlsig).unwrap();
    assert!(dl.signature.terms[0].coefficient > 0.0);
    let lp = &dl.train_linear_predictor;
    assert_eq!(pairwise_auc(lp, &labels), 1.0);
    assert_eq!(pairwise_auc(lp, &labels), pairwise_auc(&p, &labels));
    let err = fit_signatures(&config("ridge = -1.0"), &blocks, &labels).unwrap_err();
    assert!(err.to_string().contains("dlsig.ridge: must be ≥ 0"), "{err}");
}
