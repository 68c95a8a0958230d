//! Timing of the fusion steps at the seed study's size (424 training patients, 1200 radiomics
//! features, 512 CNN features, 3 centres).
//!
//! Run on a quiet machine: `cargo run --release -p radlsig-fusion --example bench`.
//! Prints one line per measurement; nothing is asserted.

use std::time::Instant;

use ndarray::Array2;
use radlsig_fusion::{
    Covariate, CovariateValues, FeatureBlocks, FeatureTable, FusionConfig, LassoSettings,
    PipelineConfig, StepConfig, cv_lasso, fit_signatures, stratified_folds,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn block(
    rng: &mut ChaCha8Rng,
    labels: &[u8],
    centres: &[String],
    p: usize,
    prefix: &str,
) -> FeatureTable {
    let n = labels.len();
    let mut normal = || {
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    // Latent factors make features correlated, as radiomics features are.
    let factors: Vec<Vec<f64>> = (0..n).map(|_| (0..10).map(|_| normal()).collect()).collect();
    let mut x = Array2::<f64>::zeros((n, p));
    for i in 0..n {
        let shift = match centres[i].as_str() {
            "A" => 0.0,
            "B" => 0.5,
            _ => -0.4,
        };
        for j in 0..p {
            let signal = if j < 8 { 0.5 * f64::from(labels[i]) } else { 0.0 };
            x[[i, j]] = signal + factors[i][j % 10] * 0.7 + shift + normal();
        }
    }
    let names = (0..p).map(|j| format!("{prefix}_{j}")).collect();
    let ids = (0..n).map(|i| format!("pt{i}")).collect();
    FeatureTable::new(ids, names, x)
        .unwrap()
        .with_centres(centres.to_vec())
        .unwrap()
        .with_covariate(Covariate {
            name: "age".into(),
            values: CovariateValues::Continuous((0..n).map(|i| 50.0 + (i % 30) as f64).collect()),
        })
        .unwrap()
}

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let n = 424;
    let labels: Vec<u8> = (0..n).map(|i| u8::from(i % 5 < 2)).collect();
    let centres: Vec<String> = (0..n).map(|i| ["A", "B", "C"][i % 3].to_string()).collect();
    let rad = block(&mut rng, &labels, &centres, 1200, "original_feature");
    let deep = block(&mut rng, &labels, &centres, 512, "cnn");

    let folds = stratified_folds(&labels, 10, 1).unwrap();
    let t = Instant::now();
    let cv = cv_lasso(rad.values(), &labels, &folds, &LassoSettings::default()).unwrap();
    println!(
        "cv_lasso 424 × 1200, 10 folds: {:.2} s ({} lambdas, {} passes on full data)",
        t.elapsed().as_secs_f64(),
        cv.path.lambda.len(),
        cv.path.passes
    );

    let mut with_combat = PipelineConfig::recommended();
    with_combat.steps.insert(
        1,
        StepConfig::Combat(radlsig_fusion::CombatConfig {
            covariates: vec!["age".into()],
            ..Default::default()
        }),
    );
    let config = FusionConfig {
        rasig: Some(with_combat),
        radlsig_late: None,
        ..FusionConfig::recommended()
    };
    let blocks = FeatureBlocks { radiomics: Some(rad.clone()), deep: None, clinical: None };
    let t = Instant::now();
    fit_signatures(
        &FusionConfig { dlsig: None, radlsig_early: None, ..config.clone() },
        &blocks,
        &labels,
    )
    .unwrap();
    println!(
        "RAsig (standardize, combat, filters, 10-fold lasso, logistic): {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let blocks = FeatureBlocks { radiomics: Some(rad), deep: Some(deep), clinical: None };
    let t = Instant::now();
    fit_signatures(&FusionConfig::recommended(), &blocks, &labels).unwrap();
    println!(
        "recommended config (RAsig, DLsig, RADLsig early + late with 5-fold stacking): {:.2} s",
        t.elapsed().as_secs_f64()
    );
}
