//! Pipelines: configured steps fitted in order on training rows only, then applied to any rows.
//!
//! [`fit_pipeline`] takes a [`TrainSet`] — the training rows and nothing else — so no fitted
//! parameter can depend on validation or test rows. Each step is fitted on the output of the
//! previous one; the result, a [`FittedPipeline`], is plain serialisable data that
//! [`FittedPipeline::transform`] applies to new rows. A step changes values column by column
//! (standardisation, ComBat), keeps a subset of columns (the filters, LASSO), or replaces every
//! column by new ones (`pca`: `pc1, pc2, …`).

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::combat::{CombatModel, fit_combat};
use crate::config::StepConfig;
use crate::data::{FeatureTable, TrainSet};
use crate::error::{Error, Result};
use crate::folds::stratified_folds;
use crate::lasso::{LambdaRule, cv_lasso};
use crate::pca::{PcaKeep, PcaModel, fit_pca};
use crate::selection::{
    FeatureFilter, correlation_filter, mann_whitney_filter, mrmr, near_zero_variance,
};
use crate::standardize::Standardizer;

/// The cross-validation curve of a `lasso` step (cv.glmnet's `lambda`, `cvm`, `cvsd`, `nzero`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvCurve {
    /// λ values of the full-data path, decreasing.
    pub lambda: Vec<f64>,
    /// Mean CV binomial deviance.
    pub cvm: Vec<f64>,
    /// Its standard error.
    pub cvsd: Vec<f64>,
    /// Non-zero coefficients.
    pub nzero: Vec<usize>,
    /// Index of `lambda.min`.
    pub index_min: usize,
    /// Index of `lambda.1se`.
    pub index_1se: usize,
}

/// A fitted `lasso` step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LassoSelection {
    /// Input features.
    pub inputs: Vec<String>,
    /// Features with a non-zero coefficient at the chosen λ (input order).
    pub kept: Vec<String>,
    /// The rule that chose λ.
    pub rule: LambdaRule,
    /// Seed of the CV folds.
    pub seed: u64,
    /// Number of CV folds.
    pub folds: usize,
    /// The chosen λ.
    pub lambda: f64,
    /// Its index in the path.
    pub index: usize,
    /// Intercept at the chosen λ (on the step's input scale).
    pub intercept: f64,
    /// Coefficient of every input at the chosen λ (on the step's input scale).
    pub coefficients: Vec<f64>,
    /// The CV curve.
    pub cv: CvCurve,
}

/// One fitted step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FittedStep {
    /// Z-score.
    Standardize(Standardizer),
    /// ComBat.
    Combat(CombatModel),
    /// Near-zero-variance filter (scores: variances).
    NearZeroVariance(FeatureFilter),
    /// Mann–Whitney filter (scores: p-values).
    MannWhitney(FeatureFilter),
    /// Correlation-redundancy filter (scores: relevance `|AUC − ½|`).
    Correlation(FeatureFilter),
    /// mRMR (scores: relevance `I(X;Y)`; kept in selection order).
    Mrmr(FeatureFilter),
    /// LASSO selection.
    Lasso(LassoSelection),
    /// Principal components.
    Pca(PcaModel),
}

/// A pipeline fitted on training rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FittedPipeline {
    /// Input feature names (the training table's columns).
    pub inputs: Vec<String>,
    /// Fitted steps, in order.
    pub steps: Vec<FittedStep>,
    /// Output feature names.
    pub outputs: Vec<String>,
}

/// A per-feature value transform, the part of a fitted pipeline that a signature keeps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Transform {
    /// `z = (x − mean) / scale`.
    Standardize(Standardizer),
    /// ComBat with per-centre parameters.
    Combat(CombatModel),
    /// `ln(p / (1 − p))` of a probability clamped to `[eps, 1 − eps]`.
    Logit(LogitTransform),
    /// Principal-component scores, which replace their inputs.
    Pca(PcaModel),
}

/// Logit of a probability feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogitTransform {
    /// The probability column.
    pub feature: String,
    /// Clamp: probabilities below `eps` or above `1 − eps` are moved there first.
    pub eps: f64,
}

impl Transform {
    /// The features it reads (and changes, or with `pca` replaces).
    pub fn features(&self) -> Vec<String> {
        match self {
            Transform::Standardize(s) => s.features.clone(),
            Transform::Combat(c) => c.features.clone(),
            Transform::Logit(l) => vec![l.feature.clone()],
            Transform::Pca(p) => p.inputs.clone(),
        }
    }

    /// Applies it to the table's columns of the same names; other columns are unchanged (a
    /// `pca` transform drops its inputs and appends its components).
    pub fn apply(&self, table: &FeatureTable) -> Result<FeatureTable> {
        let names = self.features();
        let idx = table.feature_indices(&names, "signature preprocessing")?;
        let sub = table.values().select(ndarray::Axis(1), &idx);
        if let Transform::Pca(p) = self {
            let scores = p.transform(sub.view());
            let mut used = vec![false; table.n_features()];
            for &j in &idx {
                used[j] = true;
            }
            let rest: Vec<usize> = (0..table.n_features()).filter(|&j| !used[j]).collect();
            let mut names: Vec<String> =
                rest.iter().map(|&j| table.feature_names()[j].clone()).collect();
            names.extend(p.outputs.iter().cloned());
            let values = ndarray::concatenate(
                ndarray::Axis(1),
                &[table.values().select(ndarray::Axis(1), &rest).view(), scores.view()],
            )
            .expect("same rows");
            return Ok(table.with_values(names, values));
        }
        let out: Array2<f64> = match self {
            Transform::Standardize(s) => s.transform(sub.view()),
            Transform::Combat(c) => c.transform(sub.view(), table)?,
            Transform::Logit(l) => sub.mapv(|p| {
                let q = p.clamp(l.eps, 1.0 - l.eps);
                radlsig_stats::logit(q)
            }),
            Transform::Pca(_) => unreachable!("applied above"),
        };
        let mut values = table.values().to_owned();
        for (k, &j) in idx.iter().enumerate() {
            values.column_mut(j).assign(&out.column(k));
        }
        Ok(table.with_values(table.feature_names().to_vec(), values))
    }
}

impl StepConfig {
    /// Fits this step on the training rows. `seed` is the default seed of CV folds (a `lasso`
    /// step's own `seed` wins) and `name` names the step in errors (`rasig.steps[3] (lasso)`).
    ///
    /// Fails with [`Error::NoFeatureSelected`] when a selection step would keep nothing.
    pub fn fit(&self, train: &TrainSet<'_>, seed: u64, name: &str) -> Result<FittedStep> {
        match self.fit_or_empty(train, seed, name)? {
            (_, Some(empty)) => Err(empty.to_error()),
            (fitted, None) => Ok(fitted),
        }
    }

    /// As [`StepConfig::fit`], but a selection step that keeps nothing is returned as fitted,
    /// with the [`EmptySelection`] that says why.
    fn fit_or_empty(
        &self,
        train: &TrainSet<'_>,
        seed: u64,
        name: &str,
    ) -> Result<(FittedStep, Option<EmptySelection>)> {
        let labels = train.labels();
        let table = train.table();
        let x: ArrayView2<'_, f64> = table.values();
        let names = table.feature_names();
        let (fitted, detail) = match self {
            StepConfig::Standardize {} => {
                return Ok((FittedStep::Standardize(Standardizer::fit(x, names)), None));
            }
            StepConfig::Combat(c) => {
                return Ok((FittedStep::Combat(fit_combat(x, names, table, c)?.0), None));
            }
            StepConfig::Pca { components, variance } => {
                let keep = match (components, variance) {
                    (Some(k), _) => PcaKeep::Components(*k),
                    (None, Some(v)) => PcaKeep::Variance(*v),
                    (None, None) => unreachable!("checked: components or variance"),
                };
                let model = fit_pca(x, names, keep)
                    .map_err(|reason| Error::Pca { step: name.to_string(), reason })?;
                return Ok((FittedStep::Pca(model), None));
            }
            StepConfig::NearZeroVariance { threshold } => (
                FittedStep::NearZeroVariance(near_zero_variance(x, names, *threshold)),
                format!("every training variance is ≤ threshold = {threshold}"),
            ),
            StepConfig::MannWhitney { p } => (
                FittedStep::MannWhitney(mann_whitney_filter(x, names, labels, *p)),
                format!("no Mann–Whitney p-value is below p = {p}"),
            ),
            StepConfig::Correlation { max_abs_r, method } => (
                FittedStep::Correlation(correlation_filter(x, names, labels, *max_abs_r, *method)),
                String::new(),
            ),
            StepConfig::Mrmr { k, bins } => {
                (FittedStep::Mrmr(mrmr(x, names, labels, *k, *bins)), String::new())
            }
            StepConfig::Lasso(l) => {
                let lasso_seed = l.seed.unwrap_or(seed);
                let folds = stratified_folds(labels, l.folds, lasso_seed)?;
                let cv = cv_lasso(x, labels, &folds, &l.settings())?;
                let index = cv.index(l.rule);
                let coefficients = cv.path.beta[index].clone();
                let kept: Vec<String> = names
                    .iter()
                    .zip(&coefficients)
                    .filter(|(_, c)| **c != 0.0)
                    .map(|(n, _)| n.clone())
                    .collect();
                let lambda = cv.path.lambda[index];
                let rule = match l.rule {
                    LambdaRule::Min => "min",
                    LambdaRule::OneSe => "1se",
                };
                let sel = LassoSelection {
                    inputs: names.to_vec(),
                    kept,
                    rule: l.rule,
                    seed: lasso_seed,
                    folds: l.folds,
                    lambda,
                    index,
                    intercept: cv.path.intercept[index],
                    coefficients,
                    cv: CvCurve {
                        lambda: cv.path.lambda.clone(),
                        cvm: cv.cvm.clone(),
                        cvsd: cv.cvsd.clone(),
                        nzero: cv.nzero.clone(),
                        index_min: cv.index_min,
                        index_1se: cv.index_1se,
                    },
                };
                (
                    FittedStep::Lasso(sel),
                    format!(
                        "rule = \"{rule}\" chose lambda = {lambda:.4e}, where every coefficient \
                         is 0; {}",
                        if l.rule == LambdaRule::Min {
                            "the cross-validation prefers the null model: the features carry \
                             no detectable signal for these training rows"
                        } else {
                            "try rule = \"min\""
                        }
                    ),
                )
            }
        };
        let empty = fitted
            .kept()
            .is_some_and(|k| k.is_empty())
            .then(|| EmptySelection { step: name.to_string(), detail });
        Ok((fitted, empty))
    }
}

impl FittedStep {
    /// The features a selection step keeps (`None` for value transforms, which keep all).
    pub fn kept(&self) -> Option<&[String]> {
        match self {
            FittedStep::Standardize(_) | FittedStep::Combat(_) | FittedStep::Pca(_) => None,
            FittedStep::NearZeroVariance(f)
            | FittedStep::MannWhitney(f)
            | FittedStep::Correlation(f)
            | FittedStep::Mrmr(f) => Some(&f.kept),
            FittedStep::Lasso(l) => Some(&l.kept),
        }
    }

    /// Applies the fitted step to `table` (the previous step's output): value transforms
    /// change the columns of their features, selection steps keep their features. Centres,
    /// covariates and row IDs are read from `table` where needed.
    pub fn transform(&self, table: &FeatureTable) -> Result<FeatureTable> {
        match self {
            FittedStep::Standardize(s) => Transform::Standardize(s.clone()).apply(table),
            FittedStep::Combat(c) => Transform::Combat(c.clone()).apply(table),
            FittedStep::Pca(p) => Transform::Pca(p.clone()).apply(table),
            _ => {
                let kept = self.kept().expect("selection steps keep a list");
                table.select_features(kept, "pipeline step")
            }
        }
    }
}

/// Fits `steps` in order on the training rows — each step on the previous step's output — and
/// returns the fitted pipeline and the transformed training table. `seed` is the default seed of
/// any CV folds; `key` names the pipeline in errors (`rasig`, …).
///
/// Fails with [`Error::NoFeatureSelected`] when a selection step keeps nothing;
/// [`fit_pipeline_or_empty`] returns that case as a result instead.
pub fn fit_pipeline(
    steps: &[StepConfig],
    train: &TrainSet<'_>,
    seed: u64,
    key: &str,
) -> Result<(FittedPipeline, FeatureTable)> {
    let fit = fit_pipeline_or_empty(steps, train, seed, key)?;
    match fit.empty {
        Some(e) => Err(e.to_error()),
        None => Ok((fit.pipeline, fit.output)),
    }
}

/// A selection step that kept no feature: the pipeline's output is empty, and a signature
/// built on it is the intercept-only (null) model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmptySelection {
    /// The step (`rasig.steps[3] (lasso)`).
    pub step: String,
    /// Why it kept nothing, with the setting that caused it.
    pub detail: String,
}

impl EmptySelection {
    /// As an [`Error::NoFeatureSelected`] (where a run must stop).
    pub fn to_error(&self) -> Error {
        Error::NoFeatureSelected { step: self.step.clone(), detail: self.detail.clone() }
    }
}

impl std::fmt::Display for EmptySelection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: no feature is left ({})", self.step, self.detail)
    }
}

/// A pipeline fitted on training rows (see [`fit_pipeline_or_empty`]).
#[derive(Clone, Debug)]
pub struct PipelineFit {
    /// The fitted steps, up to and including the step that kept nothing, if one did.
    pub pipeline: FittedPipeline,
    /// The transformed training table (no columns when `empty` is set).
    pub output: FeatureTable,
    /// The step that kept no feature; the steps after it were not fitted.
    pub empty: Option<EmptySelection>,
}

/// As [`fit_pipeline`], but a selection step that keeps nothing ends the pipeline there: the
/// result has no output features and says which step emptied it, so that the caller can fall
/// back to the intercept-only model (one cross-validation fold whose LASSO prefers the null
/// model must not end a whole run).
pub fn fit_pipeline_or_empty(
    steps: &[StepConfig],
    train: &TrainSet<'_>,
    seed: u64,
    key: &str,
) -> Result<PipelineFit> {
    let labels = train.labels();
    let mut cur = train.table().clone();
    let mut fitted = Vec::with_capacity(steps.len());
    let mut empty = None;
    for (i, step) in steps.iter().enumerate() {
        let name = format!("{key}.steps[{i}] ({})", step.kind());
        let (f, e) = step.fit_or_empty(&TrainSet::new(&cur, labels)?, seed, &name)?;
        cur = f.transform(&cur)?;
        fitted.push(f);
        if e.is_some() {
            empty = e;
            break;
        }
    }
    let pipeline = FittedPipeline {
        inputs: train.table().feature_names().to_vec(),
        steps: fitted,
        outputs: cur.feature_names().to_vec(),
    };
    Ok(PipelineFit { pipeline, output: cur, empty })
}

impl FittedPipeline {
    /// Applies the fitted steps to `table` (which must hold every input feature, finite).
    pub fn transform(&self, table: &FeatureTable) -> Result<FeatureTable> {
        let mut cur = table.select_features(&self.inputs, "pipeline input")?;
        cur.check_finite("new data")?;
        for step in &self.steps {
            cur = step.transform(&cur)?;
        }
        Ok(cur)
    }

    /// What a signature needs to recompute the output features `needed` from raw inputs: those
    /// inputs and the value transforms restricted to what they compute, in pipeline order
    /// (filters only chose features). Walked from the last step back: a `pca` step needs every
    /// one of its inputs for any of its components. The inputs keep the order of `needed` (a
    /// `pca` step's inputs take the place of its components, in its input order), and so do
    /// the transforms' features.
    pub fn preprocessing_for(&self, needed: &[String]) -> (Vec<String>, Vec<Transform>) {
        let mut need: Vec<String> = needed.to_vec();
        let mut transforms = Vec::new();
        for step in self.steps.iter().rev() {
            match step {
                FittedStep::Standardize(st) => {
                    transforms.push(Transform::Standardize(st.restrict(&need)));
                }
                FittedStep::Combat(c) => transforms.push(Transform::Combat(c.restrict(&need))),
                FittedStep::Pca(p) => {
                    let read: Vec<String> =
                        need.iter().filter(|n| p.outputs.contains(n)).cloned().collect();
                    need.retain(|n| !p.outputs.contains(n));
                    if !read.is_empty() {
                        transforms.push(Transform::Pca(p.restrict(&read)));
                        let mut have: std::collections::HashSet<String> =
                            need.iter().cloned().collect();
                        for input in &p.inputs {
                            if have.insert(input.clone()) {
                                need.push(input.clone());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        transforms.reverse();
        (need, transforms)
    }

    /// The last step if it is a `lasso` step.
    pub fn final_lasso(&self) -> Option<&LassoSelection> {
        match self.steps.last() {
            Some(FittedStep::Lasso(l)) => Some(l),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn train_table() -> (FeatureTable, Vec<u8>) {
        // a separates the classes perfectly, b is noise, c is constant.
        let x = array![
            [1.0, 5.0, 3.0],
            [2.0, 1.0, 3.0],
            [3.0, 4.0, 3.0],
            [4.0, 2.0, 3.0],
            [5.0, 3.0, 3.0],
            [6.0, 6.0, 3.0]
        ];
        let t = FeatureTable::new(
            (0..6).map(|i| format!("r{i}")).collect(),
            vec!["a".into(), "b".into(), "c".into()],
            x,
        )
        .unwrap();
        (t, vec![0, 0, 0, 1, 1, 1])
    }

    #[test]
    fn steps_chain_and_transform_new_rows_with_training_parameters() {
        let (t, y) = train_table();
        let steps: Vec<StepConfig> =
            vec![StepConfig::NearZeroVariance { threshold: 0.0 }, StepConfig::Standardize {}];
        let (p, out) = fit_pipeline(&steps, &TrainSet::new(&t, &y).unwrap(), 1, "t").unwrap();
        assert_eq!(p.outputs, ["a", "b"]);
        assert_eq!(out.feature_names(), ["a", "b"]);
        // a: mean 3.5, population SD sqrt(17.5/6).
        let new = FeatureTable::new(
            vec!["v".into()],
            vec!["c".into(), "b".into(), "a".into()],
            array![[f64::NAN, 3.5, 3.5 + (17.5f64 / 6.0).sqrt()]],
        );
        // NaN in a column the pipeline reads is an error; `c` is read (it is an input).
        let new = new.unwrap();
        assert!(p.transform(&new).is_err());
        let new = FeatureTable::new(
            vec!["v".into()],
            vec!["c".into(), "b".into(), "a".into()],
            array![[0.0, 3.5, 3.5 + (17.5f64 / 6.0).sqrt()]],
        )
        .unwrap();
        let z = p.transform(&new).unwrap();
        assert!((z.values()[[0, 0]] - 1.0).abs() < 1e-15);
        assert!(z.values()[[0, 1]].abs() < 1e-15);
    }

    #[test]
    fn an_empty_selection_names_the_step() {
        let (t, y) = train_table();
        let steps = vec![StepConfig::MannWhitney { p: 1e-9 }];
        let err = fit_pipeline(&steps, &TrainSet::new(&t, &y).unwrap(), 1, "rasig").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rasig.steps[0] (mann_whitney): no feature is left (no Mann–Whitney p-value is below \
             p = 0.000000001)"
        );
    }
}
