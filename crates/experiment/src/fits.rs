//! Which rows each model is fitted on and which rows it predicts.

use radlsig_cohort::Manifest;
use radlsig_stats::{stratified_folds_of, stratified_holdout};

use crate::config::{ExperimentConfig, SplitConfig};
use crate::error::{Error, Result};

/// One model fit: its training rows and the rows it predicts (with their split names).
#[derive(Clone, Debug, PartialEq)]
pub struct Fit {
    /// `main` for a single split, `r1f1`, `r1f2`, … for cross-validation.
    pub name: String,
    /// Manifest row indices (0-based) the model is fitted on.
    pub train: Vec<usize>,
    /// Rows that are only used for early stopping of the CNN (never for fusion fitting).
    pub early_stopping: Vec<usize>,
    /// Predicted rows and the split each is reported under (training rows included, as
    /// `train`, for a single split).
    pub predict: Vec<(usize, String)>,
}

/// The fits of an experiment, in order. Checks that every training set and every reported
/// split holds every class (both of a 0/1 outcome; each of `cohort.classes`), naming the split,
/// and that no split is empty.
pub fn plan_fits(
    config: &ExperimentConfig,
    manifest: &Manifest,
    labels: &[u8],
    early_stopping_split: Option<&str>,
) -> Result<Vec<Fit>> {
    let n = manifest.cases.len();
    let class_names = config.cohort.class_names();
    let classes = class_names.len() as u8;
    let mut fits = Vec::new();
    let single = |names: Vec<String>| -> Fit {
        let mut train = Vec::new();
        let mut early = Vec::new();
        let mut predict = Vec::new();
        for (i, name) in names.into_iter().enumerate() {
            if name == "train" {
                train.push(i);
            } else if Some(name.as_str()) == early_stopping_split {
                early.push(i);
            }
            predict.push((i, name));
        }
        Fit { name: "main".into(), train, early_stopping: early, predict }
    };
    match &config.split {
        SplitConfig::Manifest { train } => {
            let mut names = Vec::with_capacity(n);
            let mut missing = Vec::new();
            for case in &manifest.cases {
                match case.split.as_deref() {
                    Some(s) if train.iter().any(|t| t == s) => names.push("train".to_string()),
                    Some(s) => names.push(s.to_string()),
                    None => {
                        missing.push(case.row);
                        names.push(String::new());
                    }
                }
            }
            if !missing.is_empty() {
                return Err(Error::Split(format!(
                    "{}: split.method = \"manifest\" but rows {} have no split",
                    manifest.path.display(),
                    list(&missing)
                )));
            }
            fits.push(single(names));
        }
        SplitConfig::Random { validation_fraction, .. } => {
            // Stratified: shuffle each class with the seed (the fusion crate's fold dealer with
            // round(1/fraction) folds would only allow 1/k fractions), then take the first
            // round(fraction × n_c) of each class.
            let names = random_split(labels, classes, *validation_fraction, config.split_seed());
            fits.push(single(names));
        }
        SplitConfig::Centre { external } => {
            let mut names = Vec::with_capacity(n);
            let mut missing = Vec::new();
            for case in &manifest.cases {
                match case.center.as_deref() {
                    Some(c) if external.iter().any(|e| e == c) => {
                        names.push("external".to_string())
                    }
                    Some(_) => names.push("train".to_string()),
                    None => {
                        missing.push(case.row);
                        names.push(String::new());
                    }
                }
            }
            if !missing.is_empty() {
                return Err(Error::Split(format!(
                    "{}: split.method = \"centre\" but rows {} have no center",
                    manifest.path.display(),
                    list(&missing)
                )));
            }
            for e in external {
                if !manifest.cases.iter().any(|c| c.center.as_deref() == Some(e)) {
                    return Err(Error::Split(format!(
                        "split.external: no case of the manifest has center {e:?}"
                    )));
                }
            }
            fits.push(single(names));
        }
        SplitConfig::Kfold { folds, repeats, .. } => {
            for r in 0..*repeats {
                let seed = config.split_seed().wrapping_add(r as u64);
                let fold = stratified_folds_of(labels, classes, *folds, seed).map_err(|e| {
                    Error::Stats {
                        context: format!("split: {folds}-fold cross-validation"),
                        source: Box::new(e),
                    }
                })?;
                for f in 0..*folds {
                    let train = (0..n).filter(|&i| fold[i] != f).collect();
                    let predict = (0..n)
                        .filter(|&i| fold[i] == f)
                        .map(|i| (i, format!("cv{}", r + 1)))
                        .collect();
                    fits.push(Fit {
                        name: format!("r{}f{}", r + 1, f + 1),
                        train,
                        early_stopping: Vec::new(),
                        predict,
                    });
                }
            }
        }
    }
    for fit in &fits {
        let what = format!("the training split of fit {}", fit.name);
        check_classes(&fit.train, labels, &class_names, &what)?;
        if !fit.early_stopping.is_empty() {
            check_classes(&fit.early_stopping, labels, &class_names, "the early-stopping split")?;
        }
        let mut names: Vec<&str> = fit.predict.iter().map(|(_, s)| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        if matches!(config.split, SplitConfig::Kfold { .. }) {
            continue; // a fold is evaluated pooled with the other folds of its repeat
        }
        for name in names {
            let rows: Vec<usize> =
                fit.predict.iter().filter(|(_, s)| s == name).map(|(i, _)| *i).collect();
            check_classes(&rows, labels, &class_names, &format!("split {name:?}"))?;
        }
    }
    Ok(fits)
}

/// Stratified random split names (`train` / `validation`), deterministic for a seed: in each
/// class (0, then 1, … up to `classes − 1`), a seeded shuffle, and the first
/// `round(fraction · n_c)` rows are `validation` ([`stratified_holdout`] with no minimum per
/// side).
pub fn random_split(labels: &[u8], classes: u8, fraction: f64, seed: u64) -> Vec<String> {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let all: Vec<u8> = (0..classes).collect();
    stratified_holdout(labels, &all, fraction, 0, &mut rng)
        .into_iter()
        .map(|held| if held { "validation" } else { "train" }.to_string())
        .collect()
}

fn check_classes(rows: &[usize], labels: &[u8], names: &[String], what: &str) -> Result<()> {
    if rows.is_empty() {
        return Err(Error::Split(format!("{what} is empty")));
    }
    let count = |c: u8| rows.iter().filter(|&&i| labels[i] == c).count();
    if names.len() == 2 {
        let pos = count(1);
        if pos == 0 || pos == rows.len() {
            return Err(Error::Split(format!(
                "{what} has only one class ({} cases, all labelled {}): AUCs and models need both",
                rows.len(),
                if pos == 0 { 0 } else { 1 }
            )));
        }
        return Ok(());
    }
    let missing: Vec<String> = (0..names.len())
        .filter(|&c| count(c as u8) == 0)
        .map(|c| format!("{:?}", names[c]))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Split(format!(
            "{what} ({} cases) has no case of class {}: one-vs-rest models and the Hand & Till \
             AUC need every class",
            rows.len(),
            missing.join(", ")
        )));
    }
    Ok(())
}

fn list(rows: &[usize]) -> String {
    let shown: Vec<String> = rows.iter().take(10).map(|r| r.to_string()).collect();
    if rows.len() > 10 {
        format!("{}, … ({} in all)", shown.join(", "), rows.len())
    } else {
        shown.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_split_is_stratified_and_seeded() {
        let labels: Vec<u8> = (0..50).map(|i| u8::from(i % 5 == 0)).collect(); // 10 positives
        let a = random_split(&labels, 2, 0.2, 7);
        assert_eq!(a, random_split(&labels, 2, 0.2, 7));
        assert_ne!(a, random_split(&labels, 2, 0.2, 8));
        let val = |c: u8| (0..50).filter(|&i| labels[i] == c && a[i] == "validation").count();
        assert_eq!(val(1), 2); // round(0.2 × 10)
        assert_eq!(val(0), 8); // round(0.2 × 40)
    }
}
