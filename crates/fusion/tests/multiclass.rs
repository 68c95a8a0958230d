//! Multi-class outcomes by one-vs-rest: each class's signatures are the binary fits of that
//! class against the rest, class probabilities sum to 1, a planted three-class signal is
//! recovered on new rows (macro one-vs-rest and Hand & Till AUC), and bad class labels are named.

use ndarray::Array2;
use radlsig_fusion::{
    FeatureBlocks, FeatureTable, FusionConfig, SignatureId, check_class_labels, fit_one_vs_rest,
    fit_signatures,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Three ordered classes (HER2-zero, -low, -positive): f0 rises with the class, f1 separates
/// the middle class (|f1| large), f2–f5 are noise.
fn cohort(n: usize, seed: u64) -> (FeatureTable, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut normal = move || {
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let mut x = Array2::<f64>::zeros((n, 6));
    let mut y = Vec::new();
    for i in 0..n {
        let c = i % 3;
        y.push(c);
        for j in 0..6 {
            x[[i, j]] = normal();
        }
        x[[i, 0]] += 1.2 * c as f64;
        if c == 1 {
            x[[i, 1]] *= 3.0;
        }
    }
    let ids = (0..n).map(|i| format!("p{i}")).collect();
    (FeatureTable::new(ids, (0..6).map(|j| format!("f{j}")).collect(), x).unwrap(), y)
}

fn classes() -> Vec<String> {
    ["HER2-zero", "HER2-low", "HER2-positive"].map(String::from).to_vec()
}

#[test]
fn one_vs_rest_fits_each_class_against_the_rest_and_recovers_a_planted_signal() {
    let (train, y) = cohort(300, 1);
    let (test, y_test) = cohort(300, 2);
    let config: FusionConfig = toml::from_str(
        "seed = 4\n[rasig]\nsteps = [{ kind = \"standardize\" }]\nmodel = { kind = \"random_forest\", trees = 100 }\n",
    )
    .unwrap();
    let blocks =
        |t: &FeatureTable| FeatureBlocks { radiomics: Some(t.clone()), ..FeatureBlocks::default() };
    let ovr = fit_one_vs_rest(&config, &blocks(&train), &y, &classes()).unwrap();
    assert_eq!(ovr.sets.len(), 3);
    // Class 1's set is the binary fit of (y == 1).
    let y1: Vec<u8> = y.iter().map(|&l| u8::from(l == 1)).collect();
    assert_eq!(fit_signatures(&config, &blocks(&train), &y1).unwrap(), ovr.sets[1]);
    let probs = ovr.class_probabilities(&blocks(&test)).unwrap();
    assert_eq!(probs.len(), 1);
    let (id, p) = &probs[0];
    assert_eq!(*id, SignatureId::Rasig);
    for row in p.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }
    let flat: Vec<f64> = p.iter().copied().collect();
    let auc = radlsig_evaluate::multiclass_auc("RAsig", &flat, &y_test, 3).unwrap();
    eprintln!(
        "held-out macro AUC {:.3}, Hand & Till {:.3}, per class {:?}",
        auc.macro_ovr, auc.hand_till, auc.one_vs_rest
    );
    assert!(auc.macro_ovr > 0.75 && auc.hand_till > 0.75, "{auc:?}");
    // The middle class is found by f1's spread, which a forest sees.
    assert!(auc.one_vs_rest[1] > 0.7, "{auc:?}");
}

#[test]
fn bad_class_labels_are_named() {
    let c = classes();
    let msg = |labels: &[usize], classes: &[String]| {
        check_class_labels(labels, classes).unwrap_err().to_string()
    };
    assert_eq!(
        msg(&[0, 0, 1, 1, 2, 3], &c),
        "labels: row 5: label 3 is not a class (0..2 for HER2-zero, HER2-low, HER2-positive)"
    );
    assert_eq!(
        msg(&[0, 0, 1, 1, 2], &c),
        "labels: class 2 (HER2-positive) has 1 training row; one-vs-rest needs at least 2"
    );
    assert!(msg(&[0, 1, 0, 1], &c[..2]).contains("at least 3 classes, got 2"));
}
