//! The `pca` step against scikit-learn's `PCA` (`scripts/make-pca-fixture.py`, fixture
//! `tests/fixtures/pca_sklearn.json`): means, components (scikit-learn's sign convention),
//! explained variances and the scores of new rows to 1e-9; and a DLsig whose pipeline ends in
//! PCA reads the raw features and scores new rows through standardisation and the components.

use ndarray::Array2;
use radlsig_fusion::{
    FeatureBlocks, FeatureTable, FusionConfig, PcaKeep, SignatureId, Transform, fit_pca,
    fit_signatures,
};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pca_sklearn.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect())
        .collect();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn vector(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{what}[{i}]: {g} vs scikit-learn's {w}");
    }
}

#[test]
fn components_variances_and_scores_equal_scikit_learns() {
    let all = fixture();
    for case in all["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&case["x"]);
        let names: Vec<String> = (0..x.ncols()).map(|j| format!("f{j}")).collect();
        let keep = match case["n_components"].as_u64() {
            Some(k) => PcaKeep::Components(k as usize),
            None => PcaKeep::Variance(case["n_components"].as_f64().unwrap()),
        };
        let model = fit_pca(x.view(), &names, keep).unwrap();
        let components = matrix(&case["components"]);
        assert_eq!(model.outputs.len(), components.nrows(), "{name}: number of components");
        close(&model.means, &vector(&case["mean"]), &format!("{name} mean"));
        for (k, row) in components.rows().into_iter().enumerate() {
            close(&model.loadings[k], &row.to_vec(), &format!("{name} component {k}"));
        }
        close(&model.explained_variance, &vector(&case["explained_variance"]), name);
        close(&model.explained_variance_ratio, &vector(&case["explained_variance_ratio"]), name);
        let scores = model.transform(matrix(&case["new"]).view());
        let want = matrix(&case["transform"]);
        close(
            &scores.iter().copied().collect::<Vec<_>>(),
            &want.iter().copied().collect::<Vec<_>>(),
            name,
        );
        eprintln!(
            "{name}: {} components match scikit-learn {}",
            model.outputs.len(),
            all["sklearn"]
        );
    }
}

#[test]
fn a_dlsig_on_principal_components_reads_the_raw_features() {
    let all = fixture();
    let case = &all["cases"].as_array().unwrap()[0];
    let x = matrix(&case["x"]);
    let n = x.nrows();
    let labels: Vec<u8> = (0..n).map(|i| u8::from(x[[i, 0]] + x[[i, 3]] > 3.5)).collect();
    let ids: Vec<String> = (0..n).map(|i| format!("pt{i}")).collect();
    let names: Vec<String> = (0..x.ncols()).map(|j| format!("cnn_{j}")).collect();
    let table = FeatureTable::new(ids, names.clone(), x.clone()).unwrap();
    let blocks = FeatureBlocks { radiomics: None, deep: Some(table.clone()), clinical: None };
    let config: FusionConfig = toml::from_str(
        r#"
seed = 3
[dlsig]
source = "features"
steps = [{ kind = "standardize" }, { kind = "pca", components = 2 }]
model = { kind = "logistic", ridge = 0.5 }
"#,
    )
    .unwrap();
    let set = fit_signatures(&config, &blocks, &labels).unwrap();
    let dl = &set.get(SignatureId::Dlsig).unwrap().signature;
    assert_eq!(dl.inputs, names, "the signature reads the raw features");
    assert_eq!(dl.terms.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["pc1", "pc2"]);
    assert!(matches!(dl.preprocessing.as_slice(), [Transform::Standardize(_), Transform::Pca(_)]));
    assert!(dl.to_string().contains("pc1, pc2 are the principal components of 6 features"));

    // The score of new rows by hand: z-scores with the training mean and population SD, then
    // the components of the z-scored training rows (checked against scikit-learn above).
    let mean: Vec<f64> = (0..6).map(|j| x.column(j).sum() / n as f64).collect();
    let sd: Vec<f64> = (0..6)
        .map(|j| (x.column(j).iter().map(|v| (v - mean[j]).powi(2)).sum::<f64>() / n as f64).sqrt())
        .collect();
    let z =
        |m: &Array2<f64>| Array2::from_shape_fn(m.dim(), |(i, j)| (m[[i, j]] - mean[j]) / sd[j]);
    let pca = fit_pca(z(&x).view(), &names, PcaKeep::Components(2)).unwrap();
    let new = matrix(&case["new"]);
    let scores = pca.transform(z(&new).view());
    let ids: Vec<String> = (0..new.nrows()).map(|i| format!("new{i}")).collect();
    let new_table = FeatureTable::new(ids, names, new).unwrap();
    let lp = dl.linear_predictor(&new_table).unwrap();
    for (i, got) in lp.iter().enumerate() {
        let want = dl.intercept
            + dl.terms[0].coefficient * scores[[i, 0]]
            + dl.terms[1].coefficient * scores[[i, 1]];
        assert!((got - want).abs() < 1e-10, "row {i}: {got} vs {want}");
    }
}
