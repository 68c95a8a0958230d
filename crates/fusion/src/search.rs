//! Hyper-parameter search inside the training rows: candidate pipelines, each scored by an
//! inner stratified k-fold cross-validation in which every step (scaling, ComBat, selection)
//! and the model are refitted on the inner training part only; the best candidate is then
//! refitted on all the training rows. Run as one fit of the experiment's k-fold split, this is
//! nested cross-validation.
//!
//! A search is written under the pipeline (`[fusion.rasig.search]`). Its `space` maps a key
//! path of the pipeline (`model.c`, `model`, `steps[2].k`) to the values to try: a list (grid
//! search: every combination; random search: one drawn uniformly) or, for random search, a
//! distribution (`{ uniform = [a, b] }`, `{ log_uniform = [a, b] }`, `{ int = [a, b] }`,
//! inclusive). A value may be a whole table (`model = [{ kind = "svm" }, { kind = "random_forest" }]`);
//! shorter paths are applied first, so `model` and `model.c` combine. Every candidate is
//! checked like a written pipeline before anything is fitted, and an error names the space key.
//!
//! Candidates are scored by the mean over inner folds of the fold's AUC (scikit-learn's
//! `GridSearchCV` convention) or, with `metric = "log_loss"`, of the fold's mean log loss; ties
//! go to the earlier candidate. A candidate that fails in a fold (a separated logistic fit, say)
//! is left out with its reason; the search fails only when every candidate does. Candidates
//! with the same steps share their fitted steps within a fold.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::PipelineConfig;
use crate::error::{Error, Result};

/// `[….search]` of a pipeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchConfig {
    /// Inner cross-validation folds (default 5).
    #[serde(default = "default_folds")]
    pub folds: usize,
    /// `grid` (default) or `random`.
    #[serde(default)]
    pub method: SearchMethod,
    /// Random search: candidates drawn (default 20).
    #[serde(default)]
    pub candidates: Option<usize>,
    /// What the inner folds score (default `auc`).
    #[serde(default)]
    pub metric: SearchMetric,
    /// Seed of the inner folds and the random draws (default: the fusion seed).
    #[serde(default)]
    pub seed: Option<u64>,
    /// Key path → values or distribution.
    pub space: BTreeMap<String, SpaceValue>,
}

fn default_folds() -> usize {
    5
}

/// Grid or random search.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMethod {
    /// Every combination of the listed values.
    #[default]
    Grid,
    /// `candidates` draws, seeded.
    Random,
}

/// The inner metric.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMetric {
    /// Mean fold AUC (higher is better).
    #[default]
    Auc,
    /// Mean fold log loss of the probabilities (lower is better).
    LogLoss,
}

impl SearchMetric {
    /// Its name in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SearchMetric::Auc => "AUC",
            SearchMetric::LogLoss => "log loss",
        }
    }
}

/// What a space key tries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SpaceValue {
    /// These values.
    Values(Vec<Value>),
    /// A distribution (random search).
    Distribution(Distribution),
}

/// A distribution of random search.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Uniform on [a, b].
    Uniform([f64; 2]),
    /// log-uniform on [a, b], 0 < a < b.
    LogUniform([f64; 2]),
    /// A uniform integer in [a, b].
    Int([i64; 2]),
}

/// One candidate's inner cross-validation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CandidateScore {
    /// The space key paths and the values this candidate set.
    pub settings: BTreeMap<String, Value>,
    /// Mean over the inner folds (`None`: the candidate failed).
    pub score: Option<f64>,
    /// SD over the inner folds.
    pub sd: Option<f64>,
    /// Why it failed.
    pub failure: Option<String>,
}

/// The search of one fitted signature: every candidate's score and the winner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchSummary {
    /// The inner metric.
    pub metric: SearchMetric,
    /// Inner folds.
    pub folds: usize,
    /// Grid or random.
    pub method: SearchMethod,
    /// Every candidate, in order.
    pub candidates: Vec<CandidateScore>,
    /// Index of the winner in `candidates`.
    pub best: usize,
}

impl SearchSummary {
    /// The winning candidate.
    pub fn winner(&self) -> &CandidateScore {
        &self.candidates[self.best]
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Segment {
    Key(String),
    Index(usize),
}

fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            return None;
        }
        out.push(Segment::Key(name.to_string()));
        let mut rest = rest;
        while !rest.is_empty() {
            let close = rest.find(']')?;
            if !rest.starts_with('[') {
                return None;
            }
            out.push(Segment::Index(rest[1..close].parse().ok()?));
            rest = &rest[close + 1..];
        }
    }
    Some(out)
}

fn set_path(root: &mut Value, path: &[Segment], value: Value) -> std::result::Result<(), String> {
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut cur = root;
    for seg in parents {
        cur = match seg {
            Segment::Key(k) => cur
                .as_object_mut()
                .ok_or("is not a table")?
                .get_mut(k)
                .ok_or_else(|| format!("`{k}` is not set in the pipeline"))?,
            Segment::Index(i) => {
                let a = cur.as_array_mut().ok_or("is not a list")?;
                let len = a.len();
                a.get_mut(*i).ok_or_else(|| format!("index {i} is out of range ({len} entries)"))?
            }
        };
    }
    match last {
        Segment::Key(k) => {
            cur.as_object_mut().ok_or("is not a table")?.insert(k.clone(), value);
        }
        Segment::Index(i) => {
            let a = cur.as_array_mut().ok_or("is not a list")?;
            let len = a.len();
            *a.get_mut(*i).ok_or_else(|| format!("index {i} is out of range ({len} entries)"))? =
                value;
        }
    }
    Ok(())
}

/// A candidate pipeline with the settings that made it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Candidate {
    pub settings: BTreeMap<String, Value>,
    pub pipeline: PipelineConfig,
}

impl SearchConfig {
    /// Checks the search's own settings (`key` = the search's key, e.g. `fusion.rasig.search`).
    pub(crate) fn check(&self, key: &str, problems: &mut Vec<String>) {
        if self.folds < 2 {
            problems.push(format!("{key}.folds: must be ≥ 2, got {}", self.folds));
        }
        if self.space.is_empty() {
            problems.push(format!("{key}.space: names no key to search"));
        }
        match (self.method, self.candidates) {
            (SearchMethod::Grid, Some(_)) => {
                problems.push(format!("{key}.candidates: only random search draws candidates"))
            }
            (SearchMethod::Random, Some(0)) => {
                problems.push(format!("{key}.candidates: must be ≥ 1"))
            }
            _ => {}
        }
        for (path, v) in &self.space {
            let k = format!("{key}.space.\"{path}\"");
            if parse_path(path).is_none() {
                problems.push(format!("{k}: not a key path (e.g. model.c or steps[2].k)"));
            }
            match v {
                SpaceValue::Values(list) if list.is_empty() => {
                    problems.push(format!("{k}: lists no value"))
                }
                SpaceValue::Values(_) => {}
                SpaceValue::Distribution(d) => {
                    if self.method == SearchMethod::Grid {
                        problems.push(format!(
                            "{k}: a distribution needs method = \"random\" (a grid lists values)"
                        ));
                    }
                    let bad = match *d {
                        Distribution::Uniform([a, b]) => {
                            !(a.is_finite() && b.is_finite() && a <= b)
                        }
                        Distribution::LogUniform([a, b]) => !(a > 0.0 && b.is_finite() && a <= b),
                        Distribution::Int([a, b]) => a > b,
                    };
                    if bad {
                        problems.push(format!("{k}: needs a ≤ b (and a > 0 for log_uniform)"));
                    }
                }
            }
        }
    }

    /// The candidates of `base` (its search removed), each checked like a written pipeline;
    /// `key` is the pipeline's key. Random draws use `seed`.
    pub(crate) fn candidates(
        &self,
        base: &PipelineConfig,
        key: &str,
        seed: u64,
    ) -> Result<Vec<Candidate>> {
        let mut base = base.clone();
        base.search = None;
        let root = serde_json::to_value(&base)?;
        let mut problems = Vec::new();
        self.check(&format!("{key}.search"), &mut problems);
        if !problems.is_empty() {
            return Err(Error::Config { problems });
        }
        let mut paths: Vec<(&String, Vec<Segment>)> =
            self.space.keys().map(|p| (p, parse_path(p).expect("checked"))).collect();
        paths.sort_by_key(|(p, segs)| (segs.len(), (*p).clone()));
        let settings: Vec<BTreeMap<String, Value>> = match self.method {
            SearchMethod::Grid => {
                let mut all = vec![BTreeMap::new()];
                for (path, _) in &paths {
                    let SpaceValue::Values(list) = &self.space[*path] else {
                        unreachable!("checked: a grid lists values")
                    };
                    all = all
                        .into_iter()
                        .flat_map(|s| {
                            list.iter().map(move |v| {
                                let mut s = s.clone();
                                s.insert((*path).clone(), v.clone());
                                s
                            })
                        })
                        .collect();
                }
                all
            }
            SearchMethod::Random => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                (0..self.candidates.unwrap_or(20))
                    .map(|_| {
                        paths
                            .iter()
                            .map(|(path, _)| {
                                let v = match &self.space[*path] {
                                    SpaceValue::Values(list) => {
                                        list[rng.random_range(0..list.len())].clone()
                                    }
                                    SpaceValue::Distribution(d) => draw(*d, &mut rng),
                                };
                                ((*path).clone(), v)
                            })
                            .collect()
                    })
                    .collect()
            }
        };
        let mut out: Vec<Candidate> = Vec::new();
        for s in settings {
            let mut v = root.clone();
            let mut ok = true;
            for (path, segs) in &paths {
                if let Err(e) = set_path(&mut v, segs, s[*path].clone()) {
                    problems.push(format!("{key}.search.space.\"{path}\": {e}"));
                    ok = false;
                }
            }
            if !ok {
                continue;
            }
            let described = describe(&s);
            match serde_json::from_value::<PipelineConfig>(v) {
                Err(e) => problems.push(format!("{key}.search.space ({described}): {e}")),
                Ok(p) => {
                    let mut mine = Vec::new();
                    p.check(key, &mut mine);
                    problems.extend(mine.into_iter().map(|m| format!("{m} (search: {described})")));
                    if !out.iter().any(|c| c.pipeline == p) {
                        out.push(Candidate { settings: s, pipeline: p });
                    }
                }
            }
        }
        problems.dedup();
        if problems.is_empty() { Ok(out) } else { Err(Error::Config { problems }) }
    }
}

/// `model.c = 1, steps[2].k = 10`.
pub(crate) fn describe(settings: &BTreeMap<String, Value>) -> String {
    settings.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", ")
}

fn draw(d: Distribution, rng: &mut ChaCha8Rng) -> Value {
    match d {
        Distribution::Uniform([a, b]) => Value::from(a + (b - a) * rng.random::<f64>()),
        Distribution::LogUniform([a, b]) => {
            Value::from((a.ln() + (b.ln() - a.ln()) * rng.random::<f64>()).exp())
        }
        Distribution::Int([a, b]) => Value::from(rng.random_range(a..=b)),
    }
}

/// One fold's score of a candidate's fitted signature: its held-out linear predictors.
pub(crate) fn fold_score(metric: SearchMetric, lp: &[f64], labels: &[u8]) -> f64 {
    match metric {
        SearchMetric::Auc => radlsig_stats::roc_auc(lp, labels).unwrap_or(0.5),
        SearchMetric::LogLoss => {
            // −[y log p + (1 − y) log(1 − p)] = softplus(−lp) for y = 1, softplus(lp) for y = 0.
            let softplus = |z: f64| if z > 0.0 { z + (-z).exp().ln_1p() } else { z.exp().ln_1p() };
            lp.iter()
                .zip(labels)
                .map(|(&z, &y)| if y == 1 { softplus(-z) } else { softplus(z) })
                .sum::<f64>()
                / lp.len() as f64
        }
    }
}

/// Runs `score(candidate, fold)` for every pair in parallel and summarises: mean and SD over
/// folds, failures, the best candidate (`None` when every candidate failed). `score` returns the
/// fold's metric or the failure text.
pub(crate) fn evaluate_candidates(
    candidates: &[Candidate],
    config: &SearchConfig,
    score: impl Fn(usize, usize) -> std::result::Result<f64, String> + Sync,
) -> (Vec<CandidateScore>, Option<usize>) {
    let folds = config.folds;
    let pairs: Vec<(usize, usize)> =
        (0..candidates.len()).flat_map(|c| (0..folds).map(move |f| (c, f))).collect();
    let results: Vec<std::result::Result<f64, String>> =
        pairs.par_iter().map(|&(c, f)| score(c, f)).collect();
    let mut out = Vec::with_capacity(candidates.len());
    for (c, cand) in candidates.iter().enumerate() {
        let mine = &results[c * folds..(c + 1) * folds];
        let failure = mine
            .iter()
            .enumerate()
            .find_map(|(f, r)| r.as_ref().err().map(|e| format!("inner fold {}: {e}", f + 1)));
        let (score, sd) = if failure.is_some() {
            (None, None)
        } else {
            let v: Vec<f64> = mine.iter().map(|r| *r.as_ref().unwrap()).collect();
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let sd = (v.iter().map(|x| (x - m) * (x - m)).sum::<f64>()
                / (v.len() as f64 - 1.0).max(1.0))
            .sqrt();
            (Some(m), Some(sd))
        };
        out.push(CandidateScore { settings: cand.settings.clone(), score, sd, failure });
    }
    let better = |a: f64, b: f64| match config.metric {
        SearchMetric::Auc => a > b,
        SearchMetric::LogLoss => a < b,
    };
    let mut best: Option<usize> = None;
    for (i, c) in out.iter().enumerate() {
        if let Some(s) = c.score
            && best.is_none_or(|b| better(s, out[b].score.unwrap()))
        {
            best = Some(i);
        }
    }
    (out, best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_and_set_nested_values() {
        assert_eq!(
            parse_path("steps[2].k").unwrap(),
            vec![Segment::Key("steps".into()), Segment::Index(2), Segment::Key("k".into())]
        );
        assert!(parse_path("steps[x]").is_none() && parse_path(".c").is_none());
        let mut v = serde_json::json!({ "steps": [{ "kind": "a" }, { "kind": "b", "k": 1 }] });
        set_path(&mut v, &parse_path("steps[1].k").unwrap(), Value::from(7)).unwrap();
        assert_eq!(v["steps"][1]["k"], 7);
        let e = set_path(&mut v, &parse_path("steps[5].k").unwrap(), Value::from(1)).unwrap_err();
        assert_eq!(e, "index 5 is out of range (2 entries)");
    }

    #[test]
    fn a_grid_is_every_combination_and_a_random_search_is_seeded() {
        let text = r#"
steps = [{ kind = "standardize" }, { kind = "mrmr", k = 5 }]
model = { kind = "svm" }
[search]
space = { "model.c" = [0.1, 1.0, 10.0], "steps[1].k" = [2, 4] }
"#;
        let p: PipelineConfig = toml::from_str(text).unwrap();
        let s = p.search.clone().unwrap();
        let c = s.candidates(&p, "rasig", 1).unwrap();
        assert_eq!(c.len(), 6);
        assert!(c.iter().all(|c| c.pipeline.search.is_none()));
        let mut r = s.clone();
        r.method = SearchMethod::Random;
        r.candidates = Some(4);
        r.space.insert(
            "model.gamma".into(),
            SpaceValue::Distribution(Distribution::LogUniform([1e-3, 1.0])),
        );
        let a = r.candidates(&p, "rasig", 1).unwrap();
        assert_eq!(a, r.candidates(&p, "rasig", 1).unwrap());
        assert_ne!(a, r.candidates(&p, "rasig", 2).unwrap());
        for c in &a {
            let g = c.settings["model.gamma"].as_f64().unwrap();
            assert!((1e-3..=1.0).contains(&g));
        }
    }
}
