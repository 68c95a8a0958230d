//! Stage 4, **signatures**: every configured signature fitted on the training rows of each fit
//! only (`signature.json`), then applied to the rows that fit predicts (`predictions.parquet`:
//! ID, fit, split, label, signature, linear_predictor, score).

use std::collections::BTreeMap;

use polars::prelude::{Column, DataFrame};
use radlsig_fusion::{
    FeatureBlocks, FittedSignature, PermutationSettings, SignatureId, SignatureSet, fit_signatures,
    sigmoid,
};

use crate::cohort::Cohort;
use crate::config::ExperimentConfig;
use crate::error::{Error, Result};
use crate::explanations::{ExplanationRow, ShapRow, explain_fit};
use crate::plan::Experiment;
use crate::tables::{RawTable, blocks_for, clinical_table};

/// The short column name of a signature in the wide tables.
pub fn column_name(id: SignatureId) -> &'static str {
    match id {
        SignatureId::Rasig => "RAsig",
        SignatureId::Dlsig => "DLsig",
        SignatureId::RadlsigEarly => "RADLsig_early",
        SignatureId::RadlsigLate => "RADLsig_late",
        SignatureId::Clinical => "Clinical",
        SignatureId::Combined => "Combined",
    }
}

/// One row of `predictions.parquet`.
#[derive(Debug, Clone)]
pub(crate) struct PredictionRow {
    pub id: String,
    pub split: String,
    pub label: u8,
    pub signature: String,
    pub linear_predictor: f64,
    pub fit: String,
}

/// The fitted signatures of every fit and their predictions.
pub(crate) struct Fitted {
    /// (fit name, its signatures), in fit order.
    pub sets: Vec<(String, SignatureSet)>,
    /// Every prediction, fit by fit.
    pub rows: Vec<PredictionRow>,
    /// Feature columns left out per fit (undefined in a training row).
    pub dropped: BTreeMap<String, Vec<String>>,
    /// (column name, display name) of each signature, in fit order.
    pub signatures: Vec<(String, String)>,
    /// What the fits worked around (an empty selection, a constant stack component), fit by
    /// fit.
    pub warnings: Vec<FitWarning>,
    /// What drives each signature (`explanations.csv`), fit by fit.
    pub explanations: Vec<ExplanationRow>,
    /// TreeSHAP values of the tree models' predicted rows (`shap.parquet`).
    pub shap: Vec<ShapRow>,
}

/// A warning of one signature of one fit.
#[derive(Debug, Clone)]
pub(crate) struct FitWarning {
    pub fit: String,
    pub signature: String,
    pub warning: radlsig_fusion::FitWarning,
}

impl FitWarning {
    /// Whether it comes from a stacking fold (the inner cross-validation of late fusion or the
    /// combined model) rather than from the fit itself.
    pub fn is_inner(&self) -> bool {
        self.warning.stacking_fold.is_some()
    }
}

/// The feature blocks of fit `f` (every manifest row; the clinical encoding and the columns
/// kept learnt on its training rows), recording the columns it left out in `dropped`.
pub(crate) fn fit_blocks(
    experiment: &Experiment,
    cohort: &Cohort,
    radiomics: Option<&RawTable>,
    deep: Option<&[RawTable]>,
    f: usize,
    dropped: &mut BTreeMap<String, Vec<String>>,
) -> Result<FeatureBlocks> {
    let (m, fit) = (&cohort.manifest, &cohort.fits[f]);
    let clinical = experiment
        .config
        .clinical
        .as_ref()
        .map(|c| clinical_table(m, &c.columns, &fit.train))
        .transpose()?;
    let mut left_out = Vec::new();
    let blocks = blocks_for(
        m,
        radiomics,
        deep.map(|d| &d[f]),
        clinical.as_ref(),
        &fit.train,
        &mut left_out,
    )?;
    if !left_out.is_empty() {
        dropped.insert(fit.name.clone(), left_out);
    }
    Ok(blocks)
}

/// The warnings of a fit's signatures, their names suffixed by `suffix` (`[class]` for a
/// one-vs-rest set).
pub(crate) fn fit_warnings(
    fit: &str,
    signatures: &[FittedSignature],
    suffix: &str,
) -> Vec<FitWarning> {
    signatures
        .iter()
        .flat_map(|s| {
            s.warnings.iter().map(move |w| FitWarning {
                fit: fit.to_string(),
                signature: format!("{}{suffix}", s.signature.id.name()),
                warning: w.clone(),
            })
        })
        .collect()
}

/// The permutation importance of the explanations: `evaluation.permutation_repeats` at the
/// evaluation's confidence level, with the experiment seed.
pub(crate) fn permutation_settings(config: &ExperimentConfig) -> PermutationSettings {
    PermutationSettings {
        repeats: config.evaluation.permutation_repeats,
        conf_level: config.evaluation.conf_level,
        seed: config.seed,
    }
}

/// Fits the signatures of every fit on its training rows and predicts its rows.
pub(crate) fn run(
    experiment: &Experiment,
    cohort: &Cohort,
    radiomics: Option<&RawTable>,
    deep: Option<&[RawTable]>,
) -> Result<Fitted> {
    let config = &experiment.config;
    let m = &cohort.manifest;
    let mut sets: Vec<(String, SignatureSet)> = Vec::new();
    let mut rows: Vec<PredictionRow> = Vec::new();
    let mut dropped_all: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut warnings = Vec::new();
    let (mut explanations, mut shap) = (Vec::new(), Vec::new());
    let permutation = permutation_settings(config);
    let ids: Vec<String> = m.cases.iter().map(|c| c.id.clone()).collect();
    for (f, fit) in cohort.fits.iter().enumerate() {
        let blocks = fit_blocks(experiment, cohort, radiomics, deep, f, &mut dropped_all)?;
        let fusion = |what: &str| {
            let context = format!("{what} the signatures of fit {}", fit.name);
            move |e| Error::Fusion { context, source: Box::new(e) }
        };
        let train_labels: Vec<u8> = fit.train.iter().map(|&i| cohort.labels[i]).collect();
        let set = fit_signatures(&config.fusion, &blocks.select_rows(&fit.train), &train_labels)
            .map_err(fusion("fitting"))?;
        let predict_rows: Vec<usize> = fit.predict.iter().map(|(i, _)| *i).collect();
        let lps = set
            .linear_predictors(&blocks.select_rows(&predict_rows))
            .map_err(fusion("applying"))?;
        for (id, lp) in &lps {
            for (k, (i, split)) in fit.predict.iter().enumerate() {
                rows.push(PredictionRow {
                    id: m.cases[*i].id.clone(),
                    split: split.clone(),
                    label: cohort.labels[*i],
                    signature: column_name(*id).to_string(),
                    linear_predictor: lp[k],
                    fit: fit.name.clone(),
                });
            }
        }
        warnings.extend(fit_warnings(&fit.name, &set.signatures, ""));
        let (e, s) =
            explain_fit(fit, &set.signatures, &blocks, &ids, &cohort.labels, &permutation)?;
        explanations.extend(e);
        shap.extend(s);
        sets.push((fit.name.clone(), set));
    }
    let signatures: Vec<(String, String)> = sets[0]
        .1
        .signatures
        .iter()
        .map(|s| (column_name(s.signature.id).to_string(), s.signature.id.name().to_string()))
        .collect();
    Ok(Fitted { sets, rows, dropped: dropped_all, signatures, warnings, explanations, shap })
}

impl Fitted {
    /// `signature.json`: the single fit's set, or every fit's by name.
    pub fn to_json(&self) -> Result<String> {
        if self.sets.len() == 1 {
            return Ok(self.sets[0].1.to_json());
        }
        let map: BTreeMap<&str, &SignatureSet> =
            self.sets.iter().map(|(n, s)| (n.as_str(), s)).collect();
        serde_json::to_string_pretty(&map).map_err(|e| Error::Json {
            what: "rendering signature.json".into(),
            source: Box::new(e),
        })
    }

    /// `predictions.parquet`: one row per (fit, case, signature).
    pub fn long_predictions(&self) -> Result<DataFrame> {
        let rows = &self.rows;
        let text = |f: fn(&PredictionRow) -> &String| -> Vec<String> {
            rows.iter().map(|r| f(r).clone()).collect()
        };
        let columns = vec![
            Column::new("ID".into(), text(|r| &r.id)),
            Column::new("fit".into(), text(|r| &r.fit)),
            Column::new("split".into(), text(|r| &r.split)),
            Column::new(
                "label".into(),
                rows.iter().map(|r| i32::from(r.label)).collect::<Vec<_>>(),
            ),
            Column::new("signature".into(), text(|r| &r.signature)),
            Column::new(
                "linear_predictor".into(),
                rows.iter().map(|r| r.linear_predictor).collect::<Vec<_>>(),
            ),
            Column::new(
                "score".into(),
                rows.iter().map(|r| sigmoid(r.linear_predictor)).collect::<Vec<_>>(),
            ),
        ];
        DataFrame::new(rows.len(), columns)
            .map_err(|e| Error::table("building predictions.parquet", e))
    }

    /// One row per (fit, ID, split) with a probability column per signature: what the
    /// evaluation reads.
    pub fn wide_predictions(&self) -> Result<DataFrame> {
        let mut keys: Vec<(String, String, String, u8)> = Vec::new();
        let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        let mut scores: Vec<Vec<f64>> = vec![Vec::new(); self.signatures.len()];
        for r in &self.rows {
            let k = (r.fit.clone(), r.id.clone(), r.split.clone());
            let row = *index.entry(k).or_insert_with(|| {
                keys.push((r.fit.clone(), r.id.clone(), r.split.clone(), r.label));
                for s in scores.iter_mut() {
                    s.push(f64::NAN);
                }
                keys.len() - 1
            });
            let j = self
                .signatures
                .iter()
                .position(|(c, _)| *c == r.signature)
                .expect("every prediction row is of a fitted signature");
            scores[j][row] = sigmoid(r.linear_predictor);
        }
        let mut columns = vec![
            Column::new("ID".into(), keys.iter().map(|k| k.1.clone()).collect::<Vec<_>>()),
            Column::new("split".into(), keys.iter().map(|k| k.2.clone()).collect::<Vec<_>>()),
            Column::new("label".into(), keys.iter().map(|k| i32::from(k.3)).collect::<Vec<_>>()),
        ];
        for ((c, _), s) in self.signatures.iter().zip(scores) {
            columns.push(Column::new(c.as_str().into(), s));
        }
        DataFrame::new(keys.len(), columns)
            .map_err(|e| Error::table("building the wide predictions", e))
    }
}
