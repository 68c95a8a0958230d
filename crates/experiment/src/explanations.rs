//! What drives each signature, written with it: `explanations.csv` (coefficients and
//! standardised coefficients on the training rows, mean |SHAP| of tree models on the training
//! rows and on each evaluated split, permutation AUC importance with bootstrap CIs on each
//! evaluated split) and `shap.parquet` (the TreeSHAP value of every feature for every
//! predicted row of a tree model). See `radlsig_fusion::explain` for the definitions.

use polars::prelude::{Column, DataFrame};
use radlsig_fusion::{
    FeatureBlocks, FittedSignature, Importance, PermutationSettings, coefficients, mean_abs_shap,
    permutation_importance, shap_values,
};

use crate::error::{Error, Result};
use crate::fits::Fit;
use crate::signatures::column_name;

/// One row of `explanations.csv`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ExplanationRow {
    pub fit: String,
    pub signature: String,
    /// `train` for coefficients; the evaluated split otherwise.
    pub split: String,
    pub importance: Importance,
}

/// One row of `shap.parquet`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ShapRow {
    pub fit: String,
    pub signature: String,
    pub id: String,
    pub split: String,
    pub feature: String,
    pub shap: f64,
    pub expected: f64,
    pub scale: &'static str,
}

/// The explanations of one fit's signatures. `blocks` hold every manifest row (fit rows are
/// manifest indices), `labels` every row's label; permutation importance runs on each split
/// the fit predicts other than `train` (`repeats = 0`: not at all).
pub(crate) fn explain_fit(
    fit: &Fit,
    signatures: &[FittedSignature],
    blocks: &FeatureBlocks,
    ids: &[String],
    labels: &[u8],
    permutation: &PermutationSettings,
) -> Result<(Vec<ExplanationRow>, Vec<ShapRow>)> {
    let fusion = |what: String| move |e| Error::Fusion { context: what, source: Box::new(e) };
    let joined = |rows: &[usize]| blocks.select_rows(rows).joined();
    let train = joined(&fit.train).map_err(fusion(format!("explaining fit {}", fit.name)))?;
    let mut splits: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, s) in &fit.predict {
        if s == "train" {
            continue;
        }
        match splits.iter_mut().find(|(n, _)| n == s) {
            Some((_, rows)) => rows.push(*i),
            None => splits.push((s.clone(), vec![*i])),
        }
    }
    let mut out = Vec::new();
    let mut shap_rows = Vec::new();
    for s in signatures {
        let sig = &s.signature;
        let name = column_name(sig.id).to_string();
        let context = |what: &str| format!("{what} {} of fit {}", sig.name, fit.name);
        let row = |split: &str, importance: Importance| ExplanationRow {
            fit: fit.name.clone(),
            signature: name.clone(),
            split: split.to_string(),
            importance,
        };
        for i in coefficients(sig, &train).map_err(fusion(context("the coefficients of")))? {
            out.push(row("train", i));
        }
        if let Some((features, shap)) =
            shap_values(sig, &train).map_err(fusion(context("SHAP values of")))?
        {
            out.extend(mean_abs_shap(&features, &shap).into_iter().map(|i| row("train", i)));
            for (split, rows) in &splits {
                let table = joined(rows).map_err(fusion(context("SHAP values of")))?;
                let (_, v) = shap_values(sig, &table)
                    .map_err(fusion(context("SHAP values of")))?
                    .expect("a tree learner");
                out.extend(mean_abs_shap(&features, &v).into_iter().map(|i| row(split, i)));
            }
            let predicted: Vec<usize> = fit.predict.iter().map(|(i, _)| *i).collect();
            let table = joined(&predicted).map_err(fusion(context("SHAP values of")))?;
            let (_, v) = shap_values(sig, &table)
                .map_err(fusion(context("SHAP values of")))?
                .expect("a tree learner");
            for (k, (i, split)) in fit.predict.iter().enumerate() {
                for (j, f) in features.iter().enumerate() {
                    shap_rows.push(ShapRow {
                        fit: fit.name.clone(),
                        signature: name.clone(),
                        id: ids[*i].clone(),
                        split: split.clone(),
                        feature: f.clone(),
                        shap: v.values[[k, j]],
                        expected: v.expected,
                        scale: v.scale,
                    });
                }
            }
        }
        if permutation.repeats > 0 && !sig.all_inputs().is_empty() {
            for (split, rows) in &splits {
                let table = joined(rows).map_err(fusion(context("permuting the inputs of")))?;
                let y: Vec<u8> = rows.iter().map(|&i| labels[i]).collect();
                let imp = permutation_importance(sig, &table, &y, permutation)
                    .map_err(fusion(context(&format!("permutation importance on {split} of"))))?;
                out.extend(imp.into_iter().map(|i| row(split, i)));
            }
        }
    }
    Ok((out, shap_rows))
}

/// `explanations.csv`.
pub(crate) fn explanations_table(rows: &[ExplanationRow]) -> Result<DataFrame> {
    let text =
        |f: &dyn Fn(&ExplanationRow) -> String| -> Vec<String> { rows.iter().map(f).collect() };
    let columns = vec![
        Column::new("fit".into(), text(&|r| r.fit.clone())),
        Column::new("signature".into(), text(&|r| r.signature.clone())),
        Column::new("split".into(), text(&|r| r.split.clone())),
        Column::new("feature".into(), text(&|r| r.importance.feature.clone())),
        Column::new("method".into(), text(&|r| r.importance.method.as_str().to_string())),
        Column::new("value".into(), rows.iter().map(|r| r.importance.value).collect::<Vec<_>>()),
        Column::new(
            "ci_lower".into(),
            rows.iter().map(|r| r.importance.ci.map(|c| c.0)).collect::<Vec<_>>(),
        ),
        Column::new(
            "ci_upper".into(),
            rows.iter().map(|r| r.importance.ci.map(|c| c.1)).collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| Error::table("building explanations.csv", e))
}

/// `shap.parquet`.
pub(crate) fn shap_table(rows: &[ShapRow]) -> Result<DataFrame> {
    let text = |f: &dyn Fn(&ShapRow) -> String| -> Vec<String> { rows.iter().map(f).collect() };
    let columns = vec![
        Column::new("fit".into(), text(&|r| r.fit.clone())),
        Column::new("signature".into(), text(&|r| r.signature.clone())),
        Column::new("ID".into(), text(&|r| r.id.clone())),
        Column::new("split".into(), text(&|r| r.split.clone())),
        Column::new("feature".into(), text(&|r| r.feature.clone())),
        Column::new("shap".into(), rows.iter().map(|r| r.shap).collect::<Vec<_>>()),
        Column::new("expected".into(), rows.iter().map(|r| r.expected).collect::<Vec<_>>()),
        Column::new("scale".into(), text(&|r| r.scale.to_string())),
    ];
    DataFrame::new(rows.len(), columns).map_err(|e| Error::table("building shap.parquet", e))
}
