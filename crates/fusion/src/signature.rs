//! Signatures: the fitted scores (RAsig, DLsig, RADLsig by early or late fusion, clinical and
//! combined models) and the functions that fit them on training rows.
//!
//! A [`Signature`] is self-contained data: the raw input features it reads, the per-feature
//! transforms that prepare them (standardisation means/SDs, ComBat parameters per centre, logit),
//! the component signatures whose scores it uses (late fusion, combined model), and the formula
//! `score = intercept + Σ coefficient × term`. Saved as JSON it documents exactly how to compute
//! the score; [`Signature::formula`] prints it like a paper's Rad-score.

use std::collections::BTreeMap;
use std::fmt;

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::config::{DlSigConfig, FusionConfig, ModelConfig, PipelineConfig, SignatureId};
use crate::data::{FeatureTable, TrainSet, check_labels};
use crate::error::{Error, Result};
use crate::folds::stratified_folds;
use crate::logistic::{LogisticFit, logistic_regression, sigmoid};
use crate::pipeline::{FittedPipeline, LogitTransform, Transform, fit_pipeline};

/// Probabilities of a `dl_prob` column are clamped to `[1e−7, 1 − 1e−7]` before the logit (a
/// float32 softmax saturates at about that distance from 0 and 1).
pub const PROBABILITY_EPS: f64 = 1e-7;

/// What a term of the formula multiplies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermSource {
    /// A preprocessed input feature.
    Feature,
    /// The linear predictor (log-odds) of a component signature.
    Signature,
}

/// One `coefficient × value` term.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Term {
    /// Feature or component-signature name.
    pub name: String,
    /// Whether `name` is a feature or a component signature.
    pub source: TermSource,
    /// The coefficient (log-odds per unit).
    pub coefficient: f64,
    /// Its standard error (logistic refits; absent for LASSO coefficients).
    pub std_error: Option<f64>,
}

/// A fitted, self-contained score (module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// Which signature.
    pub id: SignatureId,
    /// Display name (`RAsig`, …).
    pub name: String,
    /// Name of the score in the formula (`Rad-score`, …).
    pub score_name: String,
    /// Raw feature columns read from the table, before preprocessing.
    pub inputs: Vec<String>,
    /// Per-feature transforms applied in order to the inputs.
    pub preprocessing: Vec<Transform>,
    /// Signatures whose linear predictors are terms.
    pub components: Vec<Signature>,
    /// Intercept.
    pub intercept: f64,
    /// Terms.
    pub terms: Vec<Term>,
}

impl Signature {
    /// The linear predictor (log-odds) for every row of `table`, which must hold every input of
    /// this signature and its components (finite).
    pub fn linear_predictor(&self, table: &FeatureTable) -> Result<Vec<f64>> {
        let mut cur = table.select_features(&self.inputs, &self.name)?;
        cur.check_finite("new data")?;
        for t in &self.preprocessing {
            if let Transform::Logit(l) = t {
                check_probability(&cur, &l.feature)?;
            }
            cur = t.apply(&cur)?;
        }
        let mut lp = vec![self.intercept; table.n_rows()];
        for term in &self.terms {
            let values: Vec<f64> = match term.source {
                TermSource::Feature => cur
                    .column(&term.name)
                    .ok_or_else(|| Error::MissingFeature {
                        name: term.name.clone(),
                        context: self.name.clone(),
                    })?
                    .to_vec(),
                TermSource::Signature => self
                    .components
                    .iter()
                    .find(|c| c.name == term.name)
                    .ok_or_else(|| Error::MissingFeature {
                        name: term.name.clone(),
                        context: format!("{} (component signature)", self.name),
                    })?
                    .linear_predictor(table)?,
            };
            for (l, v) in lp.iter_mut().zip(values) {
                *l += term.coefficient * v;
            }
        }
        Ok(lp)
    }

    /// Predicted probabilities `1 / (1 + e^{−lp})`.
    pub fn predict_proba(&self, table: &FeatureTable) -> Result<Vec<f64>> {
        Ok(self.linear_predictor(table)?.into_iter().map(sigmoid).collect())
    }

    /// Every raw feature this signature and its components read.
    pub fn all_inputs(&self) -> Vec<String> {
        let mut out = self.inputs.clone();
        for c in &self.components {
            for i in c.all_inputs() {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        out
    }

    /// The formula, e.g. `Rad-score = 0.1234 + 0.8500 × original_glcm_Idmn − 0.3300 × …`
    /// (four decimals; the JSON holds the full values). Feature terms name the preprocessed
    /// feature (`logit(dl_prob)` for a probability), signature terms the component's score.
    pub fn formula(&self) -> String {
        let mut s = format!("{} = {}", self.score_name, signed(self.intercept));
        let dup_scores = self
            .components
            .iter()
            .any(|c| self.components.iter().filter(|d| d.score_name == c.score_name).count() > 1);
        for t in &self.terms {
            let label = match t.source {
                TermSource::Signature => {
                    let c = self.components.iter().find(|c| c.name == t.name);
                    match c {
                        Some(c) if !dup_scores => c.score_name.clone(),
                        _ => t.name.clone(),
                    }
                }
                TermSource::Feature => {
                    let logit = self
                        .preprocessing
                        .iter()
                        .any(|p| matches!(p, Transform::Logit(l) if l.feature == t.name));
                    if logit { format!("logit({})", t.name) } else { t.name.clone() }
                }
            };
            let sign = if t.coefficient < 0.0 { '−' } else { '+' };
            s.push_str(&format!(" {sign} {:.4} × {label}", t.coefficient.abs()));
        }
        s
    }

    /// JSON text (pretty-printed), byte-identical for identical fits.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("signatures hold only finite numbers and strings")
    }

    /// Reads a signature saved by [`Signature::to_json`].
    pub fn from_json(text: &str) -> Result<Signature> {
        Ok(serde_json::from_str(text)?)
    }
}

impl Signature {
    fn write_indented(&self, f: &mut fmt::Formatter<'_>, indent: usize) -> fmt::Result {
        let pad = "  ".repeat(indent);
        writeln!(f, "{pad}{}: {}", self.name, self.formula())?;
        for t in &self.preprocessing {
            match t {
                Transform::Standardize(_) => writeln!(
                    f,
                    "{pad}  features are first standardised: (x − training mean) / training SD"
                )?,
                Transform::Combat(c) => writeln!(
                    f,
                    "{pad}  features are then ComBat-harmonised across centres {}",
                    c.centres.join(", ")
                )?,
                Transform::Logit(l) => writeln!(
                    f,
                    "{pad}  {} is clamped to [{:e}, 1 − {:e}] before the logit",
                    l.feature, l.eps, l.eps
                )?,
            }
        }
        for c in &self.components {
            c.write_indented(f, indent + 1)?;
        }
        Ok(())
    }
}

impl fmt::Display for Signature {
    /// The formula, then one line per preprocessing step, then the components, indented.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_indented(f, 0)
    }
}

/// `x` with four decimals and a true minus sign.
fn signed(x: f64) -> String {
    if x < 0.0 { format!("−{:.4}", -x) } else { format!("{x:.4}") }
}

fn check_probability(table: &FeatureTable, feature: &str) -> Result<()> {
    let col = table.column(feature).ok_or_else(|| Error::MissingFeature {
        name: feature.to_string(),
        context: "dlsig (probability)".into(),
    })?;
    if let Some(i) = col.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::NotAProbability {
            feature: feature.to_string(),
            row: table.row_ids()[i].clone(),
            value: col[i],
        });
    }
    Ok(())
}

/// The feature blocks of one set of rows (all blocks hold the same row IDs in the same order).
///
/// A `combat` step reads centres and covariates from the table it is fitted on (the block, or
/// the radiomics block joined with the deep block for early fusion); signatures are applied to
/// [`FeatureBlocks::joined`], which takes them from the first block that has them. So attach
/// centres and covariates at least to the radiomics block (and to the deep block if DLsig uses
/// ComBat).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FeatureBlocks {
    /// Handcrafted radiomics features (RAsig).
    pub radiomics: Option<FeatureTable>,
    /// CNN embeddings and/or the CNN probability column (DLsig).
    pub deep: Option<FeatureTable>,
    /// Clinical variables, numerically encoded (clinical and combined models).
    pub clinical: Option<FeatureTable>,
}

impl FeatureBlocks {
    fn present(&self) -> Vec<&FeatureTable> {
        [&self.radiomics, &self.deep, &self.clinical].into_iter().flatten().collect()
    }

    /// Number of rows; fails when blocks disagree or none is present.
    pub fn n_rows(&self) -> Result<usize> {
        let blocks = self.present();
        let first = blocks.first().ok_or_else(|| Error::Shape {
            what: "feature blocks".into(),
            reason: "no block is present".into(),
        })?;
        for b in &blocks[1..] {
            if b.row_ids() != first.row_ids() {
                return Err(Error::Shape {
                    what: "feature blocks".into(),
                    reason: "the blocks do not hold the same row IDs in the same order".into(),
                });
            }
        }
        Ok(first.n_rows())
    }

    /// The rows at `indices` of every block.
    pub fn select_rows(&self, indices: &[usize]) -> FeatureBlocks {
        FeatureBlocks {
            radiomics: self.radiomics.as_ref().map(|t| t.select_rows(indices)),
            deep: self.deep.as_ref().map(|t| t.select_rows(indices)),
            clinical: self.clinical.as_ref().map(|t| t.select_rows(indices)),
        }
    }

    /// All present blocks side by side (radiomics, deep, clinical), the table signatures are
    /// applied to. Feature names must be unique across blocks.
    pub fn joined(&self) -> Result<FeatureTable> {
        self.n_rows()?;
        let blocks = self.present();
        let mut out = blocks[0].clone();
        for b in &blocks[1..] {
            out = out.hstack(b)?;
        }
        Ok(out)
    }

    fn block(&self, which: Block, id: SignatureId) -> Result<&FeatureTable> {
        let b = match which {
            Block::Radiomics => &self.radiomics,
            Block::Deep => &self.deep,
            Block::Clinical => &self.clinical,
        };
        b.as_ref().ok_or_else(|| Error::Shape {
            what: id.key().to_string(),
            reason: format!("the {} block is missing", which.name()),
        })
    }
}

#[derive(Clone, Copy)]
enum Block {
    Radiomics,
    Deep,
    Clinical,
}

impl Block {
    fn name(self) -> &'static str {
        match self {
            Block::Radiomics => "radiomics",
            Block::Deep => "deep",
            Block::Clinical => "clinical",
        }
    }
}

/// A fitted signature with what the runner reports besides the formula.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedSignature {
    /// The signature.
    pub signature: Signature,
    /// The full fitted pipeline (every step's details: filters' scores, the LASSO CV curve).
    pub pipeline: Option<FittedPipeline>,
    /// The final logistic fit (deviances, iterations), when the model is a logistic refit.
    pub model: Option<LogisticFit>,
    /// In-sample linear predictor of the training rows, in row order.
    pub train_linear_predictor: Vec<f64>,
    /// Out-of-fold linear predictors of the components on the training rows, one vector per
    /// component (late fusion and combined model): the data the stacking regression was fitted
    /// on.
    pub stack_inputs: Option<Vec<Vec<f64>>>,
}

/// Every configured signature, fitted on one training split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignatureSet {
    /// The configuration used (with defaults filled in).
    pub config: FusionConfig,
    /// Fitted signatures, in [`SignatureId`] order.
    pub signatures: Vec<FittedSignature>,
}

impl SignatureSet {
    /// The fitted signature `id`, if configured.
    pub fn get(&self, id: SignatureId) -> Option<&FittedSignature> {
        self.signatures.iter().find(|s| s.signature.id == id)
    }

    /// Linear predictors of every signature on `blocks` (validation or test rows).
    pub fn linear_predictors(
        &self,
        blocks: &FeatureBlocks,
    ) -> Result<Vec<(SignatureId, Vec<f64>)>> {
        let table = blocks.joined()?;
        self.signatures
            .iter()
            .map(|s| Ok((s.signature.id, s.signature.linear_predictor(&table)?)))
            .collect()
    }

    /// JSON text (pretty-printed), byte-identical for identical fits.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("fits hold only finite numbers and strings")
    }
}

/// Fits every signature configured in `config` on the training rows `train` with 0/1 `labels`.
///
/// Order: RAsig, DLsig, RADLsig early, RADLsig late (its RAsig/DLsig components are the full-
/// training fits above; the stack is fitted on their out-of-fold scores), clinical, combined.
/// The result depends only on `train`, `labels` and `config` (seeds included).
pub fn fit_signatures(
    config: &FusionConfig,
    train: &FeatureBlocks,
    labels: &[u8],
) -> Result<SignatureSet> {
    config.check("fusion")?;
    let n = train.n_rows()?;
    check_labels(labels, n)?;
    let fitter = Fitter { config, train, labels };
    let mut done: BTreeMap<SignatureId, FittedSignature> = BTreeMap::new();
    let ids = [
        (SignatureId::Rasig, config.rasig.is_some()),
        (SignatureId::Dlsig, config.dlsig.is_some()),
        (SignatureId::RadlsigEarly, config.radlsig_early.is_some()),
        (SignatureId::RadlsigLate, config.radlsig_late.is_some()),
        (SignatureId::Clinical, config.clinical.is_some()),
        (SignatureId::Combined, config.combined.is_some()),
    ];
    for (id, wanted) in ids {
        if wanted {
            let f = fitter.fit(id, &done)?;
            done.insert(id, f);
        }
    }
    Ok(SignatureSet { config: config.clone(), signatures: done.into_values().collect() })
}

/// Fits one signature of `config` on some rows.
struct Fitter<'a> {
    config: &'a FusionConfig,
    train: &'a FeatureBlocks,
    labels: &'a [u8],
}

impl Fitter<'_> {
    fn with<'b>(&'b self, train: &'b FeatureBlocks, labels: &'b [u8]) -> Fitter<'b> {
        Fitter { config: self.config, train, labels }
    }

    /// Fits `id`, reusing already fitted components from `done`.
    fn fit(
        &self,
        id: SignatureId,
        done: &BTreeMap<SignatureId, FittedSignature>,
    ) -> Result<FittedSignature> {
        let c = self.config;
        match id {
            SignatureId::Rasig => {
                let p = c.rasig.as_ref().expect("checked by caller");
                self.fit_pipeline_signature(id, p, self.train.block(Block::Radiomics, id)?)
            }
            SignatureId::Dlsig => match c.dlsig.as_ref().expect("checked by caller") {
                d @ DlSigConfig::Features { .. } => {
                    let p = d.pipeline().expect("features");
                    self.fit_pipeline_signature(id, &p, self.train.block(Block::Deep, id)?)
                }
                DlSigConfig::Probability { feature } => {
                    self.fit_probability_signature(self.train.block(Block::Deep, id)?, feature)
                }
            },
            SignatureId::RadlsigEarly => {
                let p = c.radlsig_early.as_ref().expect("checked by caller");
                let joined = self
                    .train
                    .block(Block::Radiomics, id)?
                    .hstack(self.train.block(Block::Deep, id)?)?;
                self.fit_pipeline_signature(id, p, &joined)
            }
            SignatureId::RadlsigLate => {
                let l = c.radlsig_late.as_ref().expect("checked by caller");
                let parts = [SignatureId::Rasig, SignatureId::Dlsig];
                self.fit_stack(id, &parts, None, l.folds, l.seed.unwrap_or(c.seed), l.ridge, done)
            }
            SignatureId::Clinical => {
                let p = c.clinical.as_ref().expect("checked by caller");
                self.fit_pipeline_signature(id, p, self.train.block(Block::Clinical, id)?)
            }
            SignatureId::Combined => {
                let k = c.combined.as_ref().expect("checked by caller");
                let clinical = c.clinical.as_ref().expect("checked: combined needs clinical");
                self.fit_stack(
                    id,
                    &k.signatures,
                    Some(clinical),
                    k.folds,
                    k.seed.unwrap_or(c.seed),
                    k.ridge,
                    done,
                )
            }
        }
    }

    fn fit_pipeline_signature(
        &self,
        id: SignatureId,
        config: &PipelineConfig,
        table: &FeatureTable,
    ) -> Result<FittedSignature> {
        let train = TrainSet::new(table, self.labels)?;
        let (pipeline, out) = fit_pipeline(&config.steps, &train, self.config.seed, id.key())?;
        let names = out.feature_names().to_vec();
        let (intercept, terms, model) = match &config.model {
            ModelConfig::Logistic { ridge } => {
                let fit =
                    logistic_regression(out.values(), self.labels, *ridge, id.name(), &names)?;
                let terms = names
                    .iter()
                    .zip(fit.coefficients.iter().zip(&fit.std_errors))
                    .map(|(n, (&c, &se))| Term {
                        name: n.clone(),
                        source: TermSource::Feature,
                        coefficient: c,
                        std_error: Some(se),
                    })
                    .collect();
                (fit.intercept, terms, Some(fit))
            }
            ModelConfig::Lasso {} => {
                let l = pipeline.final_lasso().expect("checked: lasso is the last step");
                let terms = l
                    .inputs
                    .iter()
                    .zip(&l.coefficients)
                    .filter(|(_, c)| **c != 0.0)
                    .map(|(n, &c)| Term {
                        name: n.clone(),
                        source: TermSource::Feature,
                        coefficient: c,
                        std_error: None,
                    })
                    .collect();
                (l.intercept, terms, None)
            }
        };
        let needed: Vec<String> = names;
        let signature = Signature {
            id,
            name: id.name().into(),
            score_name: id.score_name().into(),
            inputs: needed.clone(),
            preprocessing: pipeline.transforms_for(&needed),
            components: Vec::new(),
            intercept,
            terms,
        };
        let train_linear_predictor = signature.linear_predictor(table)?;
        Ok(FittedSignature {
            signature,
            pipeline: Some(pipeline),
            model,
            train_linear_predictor,
            stack_inputs: None,
        })
    }

    fn fit_probability_signature(
        &self,
        table: &FeatureTable,
        feature: &str,
    ) -> Result<FittedSignature> {
        let id = SignatureId::Dlsig;
        let one = table.select_features(&[feature.to_string()], "dlsig (probability)")?;
        TrainSet::new(&one, self.labels)?;
        check_probability(&one, feature)?;
        let logit =
            Transform::Logit(LogitTransform { feature: feature.into(), eps: PROBABILITY_EPS });
        let x = logit.apply(&one)?;
        let names = vec![feature.to_string()];
        let fit = logistic_regression(x.values(), self.labels, 0.0, id.name(), &names)?;
        let signature = Signature {
            id,
            name: id.name().into(),
            score_name: id.score_name().into(),
            inputs: names.clone(),
            preprocessing: vec![logit],
            components: Vec::new(),
            intercept: fit.intercept,
            terms: vec![Term {
                name: feature.into(),
                source: TermSource::Feature,
                coefficient: fit.coefficients[0],
                std_error: Some(fit.std_errors[0]),
            }],
        };
        let train_linear_predictor = signature.linear_predictor(table)?;
        Ok(FittedSignature {
            signature,
            pipeline: None,
            model: Some(fit),
            train_linear_predictor,
            stack_inputs: None,
        })
    }

    /// Logistic regression on the out-of-fold scores of `parts` (plus, for the combined model,
    /// the clinical pipeline's output features), with the full-training fits of `parts` as
    /// components.
    #[allow(clippy::too_many_arguments)]
    fn fit_stack(
        &self,
        id: SignatureId,
        parts: &[SignatureId],
        clinical: Option<&PipelineConfig>,
        folds: usize,
        seed: u64,
        ridge: f64,
        done: &BTreeMap<SignatureId, FittedSignature>,
    ) -> Result<FittedSignature> {
        let mut components = Vec::with_capacity(parts.len());
        for &p in parts {
            let s = match done.get(&p) {
                Some(f) => f.signature.clone(),
                None => self.fit(p, done)?.signature,
            };
            components.push(s);
        }
        let oof = self.out_of_fold(parts, folds, seed)?;
        // Clinical part (combined model): the clinical pipeline's outputs, in sample.
        let (clin_pipeline, clin_out) = match clinical {
            Some(p) => {
                let table = self.train.block(Block::Clinical, id)?;
                let train = TrainSet::new(table, self.labels)?;
                let (pipe, out) = fit_pipeline(&p.steps, &train, self.config.seed, "clinical")?;
                (Some(pipe), Some(out))
            }
            None => (None, None),
        };
        let n = self.labels.len();
        let clin_names: Vec<String> =
            clin_out.as_ref().map(|o| o.feature_names().to_vec()).unwrap_or_default();
        let mut names = clin_names.clone();
        names.extend(components.iter().map(|c| c.name.clone()));
        let mut x = Array2::<f64>::zeros((n, names.len()));
        if let Some(o) = &clin_out {
            x.slice_mut(ndarray::s![.., ..clin_names.len()]).assign(&o.values());
        }
        for (k, scores) in oof.iter().enumerate() {
            for i in 0..n {
                x[[i, clin_names.len() + k]] = scores[i];
            }
        }
        let fit = logistic_regression(x.view(), self.labels, ridge, id.name(), &names)?;
        let terms = names
            .iter()
            .enumerate()
            .map(|(j, name)| Term {
                name: name.clone(),
                source: if j < clin_names.len() {
                    TermSource::Feature
                } else {
                    TermSource::Signature
                },
                coefficient: fit.coefficients[j],
                std_error: Some(fit.std_errors[j]),
            })
            .collect();
        let signature = Signature {
            id,
            name: id.name().into(),
            score_name: id.score_name().into(),
            inputs: clin_names.clone(),
            preprocessing: clin_pipeline
                .as_ref()
                .map(|p| p.transforms_for(&clin_names))
                .unwrap_or_default(),
            components,
            intercept: fit.intercept,
            terms,
        };
        let train_linear_predictor = signature.linear_predictor(&self.train.joined()?)?;
        Ok(FittedSignature {
            signature,
            pipeline: clin_pipeline,
            model: Some(fit),
            train_linear_predictor,
            stack_inputs: Some(oof),
        })
    }

    /// Out-of-fold linear predictors of `parts` on the training rows: stratified `folds`-fold
    /// split from `seed`; each fold's signatures are fitted on the other folds (the whole
    /// pipeline, CV included) and scored on it. Folds run in parallel and are combined in fold
    /// order.
    fn out_of_fold(&self, parts: &[SignatureId], folds: usize, seed: u64) -> Result<Vec<Vec<f64>>> {
        let fold_ids = stratified_folds(self.labels, folds, seed)?;
        let n = self.labels.len();
        // Per fold: held-out rows and each part's linear predictor on them.
        type FoldScores = Result<(Vec<usize>, Vec<Vec<f64>>)>;
        let per_fold: Vec<FoldScores> = (0..folds)
            .into_par_iter()
            .map(|f| {
                let (train_idx, test_idx) = radlsig_stats::fold_split(&fold_ids, f);
                let sub = self.train.select_rows(&train_idx);
                let sub_labels: Vec<u8> = train_idx.iter().map(|&i| self.labels[i]).collect();
                let fitter = self.with(&sub, &sub_labels);
                let test = self.train.select_rows(&test_idx).joined()?;
                let mut done = BTreeMap::new();
                let mut scores = Vec::with_capacity(parts.len());
                for &p in parts {
                    let fitted = fitter.fit(p, &done)?;
                    scores.push(fitted.signature.linear_predictor(&test)?);
                    done.insert(p, fitted);
                }
                Ok((test_idx, scores))
            })
            .collect();
        let mut out = vec![vec![0.0; n]; parts.len()];
        for r in per_fold {
            let (test_idx, scores) = r?;
            for (k, s) in scores.iter().enumerate() {
                for (t, &i) in test_idx.iter().enumerate() {
                    out[k][i] = s[t];
                }
            }
        }
        Ok(out)
    }
}
