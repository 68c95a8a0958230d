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

use crate::config::{
    DlSigConfig, EmptySelectionPolicy, FusionConfig, ModelConfig, PipelineConfig, SignatureId,
    StackWeights, StepConfig, SvmConfig,
};
use crate::data::{FeatureTable, TrainSet, check_labels};
use crate::error::{Error, Result};
use crate::folds::stratified_folds;
use crate::learner::{FittedLearner, fit_learner};
use crate::logistic::{LogisticFit, logistic_regression, sigmoid};
use crate::pipeline::{
    EmptySelection, FittedPipeline, LogitTransform, PipelineFit, Transform, fit_pipeline_or_empty,
};
use crate::search::{
    SearchConfig, SearchMetric, SearchSummary, describe, evaluate_candidates, fold_score,
};

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
    /// A non-linear model whose log-odds are added to the formula (random forest, gradient
    /// boosting, SVM); absent for the linear models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learner: Option<FittedLearner>,
}

impl Signature {
    /// The linear predictor (log-odds) for every row of `table`, which must hold every input of
    /// this signature and its components (finite).
    pub fn linear_predictor(&self, table: &FeatureTable) -> Result<Vec<f64>> {
        let cur = self.preprocess(table)?;
        let mut lp = vec![self.intercept; table.n_rows()];
        for term in &self.terms {
            let values = self.term_values(term, &cur, table)?;
            for (l, v) in lp.iter_mut().zip(values) {
                *l += term.coefficient * v;
            }
        }
        if let Some(learner) = &self.learner {
            let x = cur.select_features(&learner.features, &self.name)?;
            for (l, v) in lp.iter_mut().zip(learner.model.log_odds(x.values())) {
                *l += v;
            }
        }
        Ok(lp)
    }

    /// What `term` multiplies on each row: the preprocessed feature's values (from `pre`, the
    /// output of [`Signature::preprocess`] of `table`) or the component signature's log-odds.
    pub(crate) fn term_values(
        &self,
        term: &Term,
        pre: &FeatureTable,
        table: &FeatureTable,
    ) -> Result<Vec<f64>> {
        Ok(match term.source {
            TermSource::Feature => pre
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
        })
    }

    /// The inputs of this signature read from `table` (finite) and put through its
    /// preprocessing: the features its terms and learner read.
    pub fn preprocess(&self, table: &FeatureTable) -> Result<FeatureTable> {
        let mut cur = table.select_features(&self.inputs, &self.name)?;
        cur.check_finite("new data")?;
        for t in &self.preprocessing {
            if let Transform::Logit(l) = t {
                check_probability(&cur, &l.feature)?;
            }
            cur = t.apply(&cur)?;
        }
        Ok(cur)
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
        if let Some(l) = &self.learner {
            let shown: Vec<&str> = l.features.iter().take(6).map(String::as_str).collect();
            let more = if l.features.len() > 6 { ", …" } else { "" };
            return format!(
                "{} = log-odds of {} on {} features ({}{more})",
                self.score_name,
                l.model.describe(),
                l.features.len(),
                shown.join(", ")
            );
        }
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
                Transform::Pca(p) => writeln!(
                    f,
                    "{pad}  {} are the principal components of {} features (training rows; \
                     {:.1} % of their variance)",
                    p.outputs.join(", "),
                    p.inputs.len(),
                    100.0 * p.explained_variance_ratio.iter().sum::<f64>()
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

/// Something a fit had to work around: a selection that kept no feature, a stack component
/// with constant out-of-fold scores (see [`FittedSignature::warnings`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FitWarning {
    /// The stacking fold (from 1) of late fusion's or the combined model's inner
    /// cross-validation whose fit it comes from; `None`: the fit itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacking_fold: Option<usize>,
    /// What happened, with the setting involved.
    pub text: String,
}

impl FitWarning {
    /// A warning of the fit itself.
    pub fn new(text: String) -> FitWarning {
        FitWarning { stacking_fold: None, text }
    }
}

/// `stacking fold 2: …` for a stacking fold's warning, the text otherwise.
impl fmt::Display for FitWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stacking_fold {
            Some(k) => write!(f, "stacking fold {k}: {}", self.text),
            None => f.write_str(&self.text),
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
    /// How the stack weighed its components (late fusion and combined model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<StackSummary>,
    /// What the fit had to work around: a selection that kept no feature (the signature is
    /// then the intercept-only model), a component with constant out-of-fold scores. The run
    /// prints them as warnings and the report lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<FitWarning>,
    /// The hyper-parameter search that chose this signature's pipeline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchSummary>,
}

impl FittedSignature {
    /// Whether this is the intercept-only model: no term, a constant score.
    pub fn is_intercept_only(&self) -> bool {
        self.signature.learner.is_none()
            && self.signature.terms.iter().all(|t| t.coefficient == 0.0)
    }
}

/// How a stack (late fusion, combined model) weighed its components, from their out-of-fold
/// scores on the training rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StackSummary {
    /// The weighting.
    pub weights: StackWeights,
    /// The components, in term order.
    pub components: Vec<String>,
    /// Out-of-fold AUC of each component on the training rows (`None`: constant scores).
    pub component_auc: Vec<Option<f64>>,
    /// `convex`: the weight of each standardised component (they sum to 1).
    pub convex_weights: Option<Vec<f64>>,
    /// Out-of-fold AUC of the stacked score on the training rows.
    pub stack_auc: Option<f64>,
}

/// The convex weights' grid step.
const CONVEX_STEP: f64 = 0.05;

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
                DlSigConfig::Probability { feature, ridge } => self.fit_probability_signature(
                    self.train.block(Block::Deep, id)?,
                    feature,
                    *ridge,
                ),
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
                let seed = l.seed.unwrap_or(c.seed);
                self.fit_stack(id, &parts, None, l.folds, seed, l.ridge, l.weights, done)
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
                    StackWeights::Logistic,
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
        if let Some(search) = &config.search {
            return self.fit_searched(id, config, search, table);
        }
        let train = TrainSet::new(table, self.labels)?;
        let fit = fit_pipeline_or_empty(&config.steps, &train, self.config.seed, id.key())?;
        self.finish_pipeline_signature(id, &config.model, fit, table)
    }

    /// `id` fitted by the best candidate of `search` (module `search`): every candidate scored
    /// by an inner cross-validation of these training rows, then the winner refitted on all of
    /// them. Candidates with the same steps share each inner fold's fitted steps.
    fn fit_searched(
        &self,
        id: SignatureId,
        config: &PipelineConfig,
        search: &SearchConfig,
        table: &FeatureTable,
    ) -> Result<FittedSignature> {
        let seed = search.seed.unwrap_or(self.config.seed);
        let key = format!("fusion.{}", id.key());
        let candidates = search.candidates(config, &key, seed)?;
        let fold_ids = stratified_folds(self.labels, search.folds, seed)?;
        // Distinct step lists and, per (steps, fold), the steps fitted on the inner training
        // part with its held-out rows.
        let mut groups: Vec<&[StepConfig]> = Vec::new();
        let group_of: Vec<usize> = candidates
            .iter()
            .map(|c| match groups.iter().position(|g| *g == c.pipeline.steps.as_slice()) {
                Some(g) => g,
                None => {
                    groups.push(&c.pipeline.steps);
                    groups.len() - 1
                }
            })
            .collect();
        struct InnerFold {
            train: FeatureTable,
            labels: Vec<u8>,
            test: FeatureTable,
            test_labels: Vec<u8>,
        }
        let inner: Vec<InnerFold> = (0..search.folds)
            .map(|f| {
                let (tr, te) = radlsig_stats::fold_split(&fold_ids, f);
                InnerFold {
                    train: table.select_rows(&tr),
                    labels: tr.iter().map(|&i| self.labels[i]).collect(),
                    test: table.select_rows(&te),
                    test_labels: te.iter().map(|&i| self.labels[i]).collect(),
                }
            })
            .collect();
        let pairs: Vec<(usize, usize)> =
            (0..groups.len()).flat_map(|g| (0..search.folds).map(move |f| (g, f))).collect();
        let steps_fitted: Vec<std::result::Result<PipelineFit, String>> = pairs
            .par_iter()
            .map(|&(g, f)| {
                let fold = &inner[f];
                let train = TrainSet::new(&fold.train, &fold.labels).map_err(|e| e.to_string())?;
                fit_pipeline_or_empty(groups[g], &train, self.config.seed, id.key())
                    .map_err(|e| e.to_string())
            })
            .collect();
        let (scores, best) = evaluate_candidates(&candidates, search, |c, f| {
            let fold = &inner[f];
            let fit = steps_fitted[group_of[c] * search.folds + f].clone()?;
            let fitter = Fitter { config: self.config, train: self.train, labels: &fold.labels };
            // Scored by AUC, an SVM candidate needs only its decision values (the ranking of
            // any increasing Platt sigmoid): no Platt cross-validation per inner fold.
            let model = match (&candidates[c].pipeline.model, search.metric) {
                (ModelConfig::Svm(svm), SearchMetric::Auc) => {
                    ModelConfig::Svm(SvmConfig { platt_folds: 0, ..svm.clone() })
                }
                (model, _) => model.clone(),
            };
            let fitted = fitter
                .finish_pipeline_signature(id, &model, fit, &fold.train)
                .map_err(|e| e.to_string())?;
            let lp = fitted.signature.linear_predictor(&fold.test).map_err(|e| e.to_string())?;
            Ok(fold_score(search.metric, &lp, &fold.test_labels))
        });
        let Some(best) = best else {
            let reasons: Vec<String> = scores
                .iter()
                .map(|c| {
                    format!("{}: {}", describe(&c.settings), c.failure.as_deref().unwrap_or(""))
                })
                .collect();
            return Err(Error::Config {
                problems: vec![format!(
                    "{key}.search: every candidate failed in the inner cross-validation ({})",
                    reasons.join("; ")
                )],
            });
        };
        let mut fitted = self.fit_pipeline_signature(id, &candidates[best].pipeline, table)?;
        fitted.search = Some(SearchSummary {
            metric: search.metric,
            folds: search.folds,
            method: search.method,
            candidates: scores,
            best,
        });
        Ok(fitted)
    }

    /// The signature of a fitted pipeline `fit` (of these training rows `table`) and `model`.
    fn finish_pipeline_signature(
        &self,
        id: SignatureId,
        model: &ModelConfig,
        fit: PipelineFit,
        table: &FeatureTable,
    ) -> Result<FittedSignature> {
        if let Some(empty) = &fit.empty {
            return self.intercept_only(id, empty, fit.pipeline, table);
        }
        let (pipeline, out) = (fit.pipeline, fit.output);
        let names = out.feature_names().to_vec();
        let mut learner = None;
        let (intercept, terms, model) = match model {
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
            m @ (ModelConfig::RandomForest(_)
            | ModelConfig::GradientBoosting(_)
            | ModelConfig::Svm(_)) => {
                let what = format!("{}.model ({})", id.key(), m.kind());
                let fitted = fit_learner(m, out.values(), self.labels, self.config.seed, &what)?
                    .expect("a non-linear model");
                learner = Some(FittedLearner { features: names.clone(), model: fitted });
                (0.0, Vec::new(), None)
            }
        };
        let (inputs, preprocessing) = pipeline.preprocessing_for(&names);
        let signature = Signature {
            id,
            name: id.name().into(),
            score_name: id.score_name().into(),
            inputs,
            preprocessing,
            components: Vec::new(),
            intercept,
            terms,
            learner,
        };
        let train_linear_predictor = signature.linear_predictor(table)?;
        Ok(FittedSignature {
            signature,
            pipeline: Some(pipeline),
            model,
            train_linear_predictor,
            stack_inputs: None,
            stack: None,
            warnings: Vec::new(),
            search: None,
        })
    }

    /// The error that `empty` is with `on_empty_selection = "error"`; `Ok` otherwise.
    fn allow_empty(&self, empty: &EmptySelection) -> Result<()> {
        match self.config.on_empty_selection {
            EmptySelectionPolicy::Error => Err(empty.to_error()),
            EmptySelectionPolicy::Intercept => Ok(()),
        }
    }

    /// The intercept-only signature of `id` after `empty` left no feature (or the error that
    /// names the step, with `on_empty_selection = "error"`): the constant score
    /// `logit(mean y)`, which is where glmnet's path starts (its null model) and the maximum-
    /// likelihood logistic fit without a feature.
    fn intercept_only(
        &self,
        id: SignatureId,
        empty: &EmptySelection,
        pipeline: FittedPipeline,
        table: &FeatureTable,
    ) -> Result<FittedSignature> {
        self.allow_empty(empty)?;
        let n = self.labels.len();
        let prevalence = self.labels.iter().filter(|&&l| l == 1).count() as f64 / n as f64;
        let intercept = radlsig_stats::logit(prevalence);
        let signature = Signature {
            id,
            name: id.name().into(),
            score_name: id.score_name().into(),
            inputs: Vec::new(),
            preprocessing: Vec::new(),
            components: Vec::new(),
            intercept,
            terms: Vec::new(),
            learner: None,
        };
        let train_linear_predictor = signature.linear_predictor(table)?;
        Ok(FittedSignature {
            signature,
            pipeline: Some(pipeline),
            model: None,
            train_linear_predictor,
            stack_inputs: None,
            stack: None,
            warnings: vec![FitWarning::new(format!(
                "{empty}; {} is the intercept-only model (constant score {intercept:.4}, the \
                 logit of the training prevalence {prevalence:.3}: AUC 0.5)",
                id.name()
            ))],
            search: None,
        })
    }

    fn fit_probability_signature(
        &self,
        table: &FeatureTable,
        feature: &str,
        ridge: f64,
    ) -> Result<FittedSignature> {
        let id = SignatureId::Dlsig;
        let one = table.select_features(&[feature.to_string()], "dlsig (probability)")?;
        TrainSet::new(&one, self.labels)?;
        check_probability(&one, feature)?;
        let logit =
            Transform::Logit(LogitTransform { feature: feature.into(), eps: PROBABILITY_EPS });
        let x = logit.apply(&one)?;
        let names = vec![feature.to_string()];
        let fit = logistic_regression(x.values(), self.labels, ridge, id.name(), &names).map_err(
            |e| {
                let hint = format!(
                    "set {}.ridge > 0 (the probability separates the training classes)",
                    id.key()
                );
                separation_hint(e, hint)
            },
        )?;
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
            learner: None,
        };
        let train_linear_predictor = signature.linear_predictor(table)?;
        Ok(FittedSignature {
            signature,
            pipeline: None,
            model: Some(fit),
            train_linear_predictor,
            stack_inputs: None,
            stack: None,
            warnings: Vec::new(),
            search: None,
        })
    }

    /// The stack of `parts` on their out-of-fold scores (plus, for the combined model, the
    /// clinical pipeline's output features), with the full-training fits of `parts` as
    /// components: a logistic regression on all of them, or (`weights = "convex"`, late
    /// fusion) the convex combination chosen by out-of-fold AUC and calibrated by a one-term
    /// logistic regression. A component whose out-of-fold scores are constant (the intercept-
    /// only model in every fold) gets coefficient 0 and a warning.
    #[allow(clippy::too_many_arguments)]
    fn fit_stack(
        &self,
        id: SignatureId,
        parts: &[SignatureId],
        clinical: Option<&PipelineConfig>,
        folds: usize,
        seed: u64,
        ridge: f64,
        weights: StackWeights,
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
        let (oof, mut warnings) = self.out_of_fold(parts, folds, seed)?;
        // Clinical part (combined model): the clinical pipeline's outputs, in sample.
        let (clin_pipeline, clin_out) = match clinical {
            Some(p) => {
                let table = self.train.block(Block::Clinical, id)?;
                let train = TrainSet::new(table, self.labels)?;
                let fit = fit_pipeline_or_empty(&p.steps, &train, self.config.seed, "clinical")?;
                if let Some(empty) = &fit.empty {
                    self.allow_empty(empty)?;
                    warnings.push(FitWarning::new(format!(
                        "{empty}; {} has no clinical variable, only signature scores",
                        id.name()
                    )));
                }
                (Some(fit.pipeline), Some(fit.output))
            }
            None => (None, None),
        };
        let n = self.labels.len();
        let clin_names: Vec<String> =
            clin_out.as_ref().map(|o| o.feature_names().to_vec()).unwrap_or_default();
        let component_auc: Vec<Option<f64>> = oof
            .iter()
            .map(|z| if is_constant(z) { None } else { radlsig_stats::roc_auc(z, self.labels) })
            .collect();
        let mut active = Vec::new();
        for (k, z) in oof.iter().enumerate() {
            if is_constant(z) {
                warnings.push(FitWarning::new(format!(
                    "{}: the out-of-fold scores of {} are constant (the intercept-only model in \
                     every stacking fold); it gets coefficient 0",
                    id.name(),
                    components[k].name
                )));
            } else {
                active.push(k);
            }
        }
        let convex = weights == StackWeights::Convex && clin_names.is_empty() && parts.len() == 2;
        // Columns of the regression: clinical outputs, then the active components' scores (or,
        // convex, their one combined score).
        let mut coefficients = vec![0.0; parts.len()];
        let mut std_errors: Vec<Option<f64>> = vec![None; parts.len()];
        let (fit, clin_coef, convex_weights, intercept) = if convex {
            let c = convex_combination(&oof, &active, self.labels);
            let (x, names) = if active.is_empty() {
                (Array2::zeros((n, 0)), Vec::new())
            } else {
                let x = Array2::from_shape_vec((n, 1), c.combined).expect("one column");
                (x, vec![format!("{} (convex combination)", id.name())])
            };
            let fit = logistic_regression(x.view(), self.labels, ridge, id.name(), &names)
                .map_err(|e| stack_hint(e, id))?;
            let b = fit.coefficients.first().copied().unwrap_or(0.0);
            let intercept = if b > 0.0 || active.is_empty() {
                for (k, ck) in c.coefficients.iter().enumerate() {
                    coefficients[k] = b * ck;
                }
                fit.intercept + b * c.shift
            } else {
                // The combined out-of-fold score ranks against the labels: a recalibration
                // would turn the components' orientation round (a negative weight, which the
                // convex stack exists to forbid). Keep the components' own log-odds, weighted.
                warnings.push(FitWarning::new(format!(
                    "{}: the out-of-fold scores of the chosen combination rank against the \
                     training labels (calibration slope {b:.3}); the fusion keeps the \
                     components' own calibration, weighted {}",
                    id.name(),
                    components
                        .iter()
                        .zip(&c.weights)
                        .map(|(s, w)| format!("{} {w:.2}", s.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
                coefficients.clone_from(&c.weights);
                0.0
            };
            (fit, Vec::new(), Some(c.weights), intercept)
        } else {
            let mut names = clin_names.clone();
            names.extend(active.iter().map(|&k| components[k].name.clone()));
            let mut x = Array2::<f64>::zeros((n, names.len()));
            if let Some(o) = &clin_out {
                x.slice_mut(ndarray::s![.., ..clin_names.len()]).assign(&o.values());
            }
            for (j, &k) in active.iter().enumerate() {
                for i in 0..n {
                    x[[i, clin_names.len() + j]] = oof[k][i];
                }
            }
            let fit = logistic_regression(x.view(), self.labels, ridge, id.name(), &names)
                .map_err(|e| stack_hint(e, id))?;
            for (j, &k) in active.iter().enumerate() {
                coefficients[k] = fit.coefficients[clin_names.len() + j];
                std_errors[k] = Some(fit.std_errors[clin_names.len() + j]);
            }
            let clin_coef: Vec<(f64, f64)> =
                (0..clin_names.len()).map(|j| (fit.coefficients[j], fit.std_errors[j])).collect();
            let intercept = fit.intercept;
            (fit, clin_coef, None, intercept)
        };
        let mut terms: Vec<Term> = clin_names
            .iter()
            .zip(&clin_coef)
            .map(|(name, &(c, se))| Term {
                name: name.clone(),
                source: TermSource::Feature,
                coefficient: c,
                std_error: Some(se),
            })
            .collect();
        terms.extend(components.iter().enumerate().map(|(k, c)| Term {
            name: c.name.clone(),
            source: TermSource::Signature,
            coefficient: coefficients[k],
            std_error: std_errors[k],
        }));
        let stack_score: Vec<f64> = (0..n)
            .map(|i| {
                let clin: f64 = clin_out.as_ref().map_or(0.0, |o| {
                    (0..clin_names.len()).map(|j| clin_coef[j].0 * o.values()[[i, j]]).sum()
                });
                clin + (0..parts.len()).map(|k| coefficients[k] * oof[k][i]).sum::<f64>()
            })
            .collect();
        let (inputs, preprocessing) = match &clin_pipeline {
            Some(p) => p.preprocessing_for(&clin_names),
            None => (clin_names.clone(), Vec::new()),
        };
        let signature = Signature {
            id,
            name: id.name().into(),
            score_name: id.score_name().into(),
            inputs,
            preprocessing,
            components,
            intercept,
            terms,
            learner: None,
        };
        let train_linear_predictor = signature.linear_predictor(&self.train.joined()?)?;
        let stack = StackSummary {
            weights: if convex { StackWeights::Convex } else { StackWeights::Logistic },
            components: signature.components.iter().map(|c| c.name.clone()).collect(),
            component_auc,
            convex_weights,
            stack_auc: if is_constant(&stack_score) {
                None
            } else {
                radlsig_stats::roc_auc(&stack_score, self.labels)
            },
        };
        Ok(FittedSignature {
            signature,
            pipeline: clin_pipeline,
            model: Some(fit),
            train_linear_predictor,
            stack_inputs: Some(oof),
            stack: Some(stack),
            warnings,
            search: None,
        })
    }

    /// Out-of-fold linear predictors of `parts` on the training rows: stratified `folds`-fold
    /// split from `seed`; each fold's signatures are fitted on the other folds (the whole
    /// pipeline, CV included) and scored on it. Folds run in parallel and are combined in fold
    /// order.
    /// The fits' warnings come back prefixed with their fold.
    fn out_of_fold(
        &self,
        parts: &[SignatureId],
        folds: usize,
        seed: u64,
    ) -> Result<(Vec<Vec<f64>>, Vec<FitWarning>)> {
        let fold_ids = stratified_folds(self.labels, folds, seed)?;
        let n = self.labels.len();
        // Per fold: held-out rows, each part's linear predictor on them, the fits' warnings.
        type FoldScores = Result<(Vec<usize>, Vec<Vec<f64>>, Vec<FitWarning>)>;
        let per_fold: Vec<FoldScores> =
            (0..folds)
                .into_par_iter()
                .map(|f| {
                    let (train_idx, test_idx) = radlsig_stats::fold_split(&fold_ids, f);
                    let sub = self.train.select_rows(&train_idx);
                    let sub_labels: Vec<u8> = train_idx.iter().map(|&i| self.labels[i]).collect();
                    let fitter = self.with(&sub, &sub_labels);
                    let test = self.train.select_rows(&test_idx).joined()?;
                    let mut done = BTreeMap::new();
                    let mut scores = Vec::with_capacity(parts.len());
                    let mut warnings = Vec::new();
                    for &p in parts {
                        let fitted = fitter.fit(p, &done)?;
                        scores.push(fitted.signature.linear_predictor(&test)?);
                        warnings.extend(fitted.warnings.iter().map(|w| FitWarning {
                            stacking_fold: Some(f + 1),
                            text: w.to_string(),
                        }));
                        done.insert(p, fitted);
                    }
                    Ok((test_idx, scores, warnings))
                })
                .collect();
        let mut out = vec![vec![0.0; n]; parts.len()];
        let mut warnings = Vec::new();
        for r in per_fold {
            let (test_idx, scores, w) = r?;
            warnings.extend(w);
            for (k, s) in scores.iter().enumerate() {
                for (t, &i) in test_idx.iter().enumerate() {
                    out[k][i] = s[t];
                }
            }
        }
        Ok((out, warnings))
    }
}

/// A separation of a stack names the stack's own ridge key: its out-of-fold scores separate
/// the training classes.
fn stack_hint(e: Error, id: SignatureId) -> Error {
    separation_hint(
        e,
        format!(
            "set {}.ridge > 0 (the out-of-fold scores separate the training classes)",
            id.key()
        ),
    )
}

/// A separation error with `hint` (the key that would fix it) instead of the model's default.
fn separation_hint(e: Error, hint: String) -> Error {
    match e {
        Error::Separation { model, features, detail, .. } => {
            Error::Separation { model, features, detail, hint }
        }
        e => e,
    }
}

/// Whether every value of `z` is the same (a constant score ranks nothing).
fn is_constant(z: &[f64]) -> bool {
    z.iter().all(|&v| v == z[0])
}

/// The sample standard deviation of `z` (`n − 1`).
fn sd(z: &[f64]) -> f64 {
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    (z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// A convex combination of out-of-fold scores (see [`convex_combination`]).
struct Convex {
    /// The weight `w_k` of each standardised component (0 for inactive ones; they sum to 1
    /// unless no component is active).
    weights: Vec<f64>,
    /// The coefficient of each component's raw score, `w_k / sd_k`.
    coefficients: Vec<f64>,
    /// The combined score of every row.
    combined: Vec<f64>,
    /// `−Σ w_k mean_k / sd_k`, so that `Σ coefficient_k s_k + shift` is the combined score.
    shift: f64,
}

/// The convex late fusion of the out-of-fold scores `oof` of the `active` (non-constant)
/// components: each standardised, `z_k = (s_k − mean_k) / sd_k`, combined as `Σ w_k z_k` with
/// `w` on the simplex grid of step [`CONVEX_STEP`] (two components: `w, 1 − w`) that maximises
/// the out-of-fold AUC. Ties go to the weight nearest the better single component, so a
/// component at chance adds nothing unless it helps the ranking.
///
fn convex_combination(oof: &[Vec<f64>], active: &[usize], labels: &[u8]) -> Convex {
    let n = labels.len();
    let mut coef = vec![0.0; oof.len()];
    let stats: Vec<(f64, f64)> =
        oof.iter().map(|z| (z.iter().sum::<f64>() / n as f64, sd(z))).collect();
    let standardised = |k: usize| -> Vec<f64> {
        let (m, s) = stats[k];
        oof[k].iter().map(|v| (v - m) / s).collect()
    };
    let w: Vec<(usize, f64)> = match active {
        [] => Vec::new(),
        [k] => vec![(*k, 1.0)],
        [a, b, ..] => {
            let (za, zb) = (standardised(*a), standardised(*b));
            let auc = |z: &[f64]| radlsig_stats::roc_auc(z, labels).unwrap_or(0.5);
            // The end of the grid that the better single component sits at.
            let prefer = if auc(&za) >= auc(&zb) { 1.0 } else { 0.0 };
            let steps = (1.0 / CONVEX_STEP).round() as usize;
            let mut best = (f64::NEG_INFINITY, f64::INFINITY, prefer);
            for i in 0..=steps {
                let wa = i as f64 / steps as f64;
                let c: Vec<f64> =
                    za.iter().zip(&zb).map(|(x, y)| wa * x + (1.0 - wa) * y).collect();
                let a = auc(&c);
                let distance = (wa - prefer).abs();
                if a > best.0 + 1e-12 || ((a - best.0).abs() <= 1e-12 && distance < best.1) {
                    best = (a, distance, wa);
                }
            }
            vec![(*a, best.2), (*b, 1.0 - best.2)]
        }
    };
    let mut combined = vec![0.0; n];
    let mut shift = 0.0;
    let mut weights = vec![0.0; oof.len()];
    for &(k, wk) in &w {
        let (m, s) = stats[k];
        weights[k] = wk;
        coef[k] = wk / s;
        shift -= wk * m / s;
        for (c, v) in combined.iter_mut().zip(&oof[k]) {
            *c += wk * (v - m) / s;
        }
    }
    Convex { weights, coefficients: coef, combined, shift }
}
