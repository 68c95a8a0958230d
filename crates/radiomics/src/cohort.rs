//! Cohort-level handcrafted features: every case of a [`Manifest`], every sequence and time
//! point, optionally habitat features and delta features, as one table in manifest order.
//!
//! Used by `radlsig extract --cohort` and by the experiment runner (`radlsig run`), which turn
//! [`CohortFeatures`] into a table. This module wires the [`Extractor`] and the
//! [`HabitatModel`] together over a manifest; it computes no feature itself.
//!
//! # Column names
//!
//! The manifest's image pairs are read as *sequences* and, when their names say so, *time
//! points*. A name is a time point when it is `pre` or `post`, or ends in `_pre`/`_post`
//! (`T1_pre`, the sequence `T1` at time point `pre`, as `radlsig synth --sequences 2
//! --time-points 2` writes them). The manifest has time points when every pair's name has one
//! and the sequences at `pre` are exactly those at `post`; otherwise every name is a plain
//! sequence (with `delta` on, a manifest that has both `pre` and `post` names that do not pair
//! up is refused up front, naming the unpaired ones).
//!
//! - **One unnamed sequence** (plain `Image`/`Mask`): PyRadiomics' names,
//!   `original_glcm_Contrast`.
//! - **Named sequences** (`Image:T1`, `Image:ADC`): each column prefixed by its sequence,
//!   `T1_original_glcm_Contrast`, `ADC_original_glcm_Contrast`, sequences in manifest order.
//! - **Time points**: the columns a single-time-point cohort would have, prefixed by the time
//!   point: `pre_original_glcm_Contrast` (`Image:pre`), or `pre_T1_original_glcm_Contrast`
//!   (`Image:T1_pre`; the time point comes first so that every column of one time point shares
//!   one prefix, and `delta_T1_…` reads like `pre_T1_…`). All `pre_` columns come first, then
//!   all `post_` columns, then (with `delta`) `delta_<column>` = post − pre and
//!   `reldelta_<column>` = (post − pre)/pre for every `pre_<column>`, in the same order.
//!   `reldelta_` is `None` (an empty cell) where pre is 0; both are `None` where either value is.
//! - **Habitats** (module [`crate::habitats`] gives the names): after a time point's
//!   (or the cohort's) whole-tumour columns, `habitat<h>_descriptor_VolumeFraction`,
//!   `habitat<h>_descriptor_ConnectedComponents`, `habitat<h>_descriptor_LargestComponentFraction`,
//!   `habitat<h>_descriptor_CentroidOffset`, `habitat<h>_descriptor_CentroidOffsetNormalized`
//!   and the feature families per habitat, `habitat<h>_original_glcm_Contrast` for one unnamed
//!   sequence or `habitat<h>_T1_original_glcm_Contrast` per sequence (descriptors are not
//!   per sequence: the sequences are clustered together). With time points they are prefixed
//!   like the rest (`pre_habitat1_T1_…`) and get `delta_`/`reldelta_` columns too.
//!
//! A non-finite value (a feature undefined for a case) is `None` as well, never NaN.
//!
//! # Habitats
//!
//! One [`HabitatModel`] is fitted on the cases of `fit_rows` only (the training split; the
//! number of habitats is chosen there when the settings do not fix it, by the settings'
//! criterion on those rows' voxels alone) and applied to every case. Each case (each time
//! point, with time points) is one [`HabitatCase`] holding its sequences — by sequence name,
//! without the time point, so that one model serves both time points and `pre_habitat1` and
//! `post_habitat1` are the same sub-region and their delta means something — and the mask of
//! its first sequence (all its images must lie on that mask's grid). With time points, both
//! time points of every fit row are training cases. Fit rows are used in ascending order
//! whatever order they are given in. A fit row whose images cannot be read is a failed case
//! and is left out of the fit.
//!
//! # Failures and determinism
//!
//! Bad settings, a `fit_rows` entry outside the manifest, no readable fit row, a habitat
//! `sequences` entry the manifest does not have, or a habitat-map folder that cannot be made
//! fail the whole call before any feature is computed. A case that fails (an unreadable or
//! mismatched file) is recorded in [`CohortFeatures::failures`] with its ID, manifest row and
//! the error (naming the file) and the others go on. Cases run in parallel on a pool of
//! `jobs` threads; results are kept in manifest order and the numbers do not depend on the
//! thread count.

use std::collections::HashMap;
use std::path::PathBuf;

use radlsig_cohort::{Case, ImagePair, Manifest};
use rayon::prelude::*;

use crate::habitats::{HabitatCase, HabitatModel, HabitatSettings};
use crate::{Error, Extractor, Result, SettingProblem};

/// The time points recognised in sequence names, in output order.
const TIME_POINTS: [&str; 2] = ["pre", "post"];

/// What [`extract_cohort`] computes.
#[derive(Debug, Clone)]
pub struct CohortFeatureOptions {
    /// PyRadiomics settings (also the feature families computed per habitat, and the mask label).
    pub extractor: Extractor,
    /// Habitat settings; `None` = no habitat features.
    pub habitats: Option<HabitatSettings>,
    /// Folder where each case's habitat label map is written as NIfTI
    /// (`<ID>.nii.gz`, or `<ID>_pre.nii.gz`/`<ID>_post.nii.gz`; characters of the ID other than
    /// letters, digits, `-`, `_` and `.` become `_`), created if missing.
    pub habitat_maps: Option<PathBuf>,
    /// Add `delta_`/`reldelta_` columns when the manifest has `pre`/`post` time points.
    pub delta: bool,
    /// Worker threads (`None`: all cores).
    pub jobs: Option<usize>,
}

/// A case that could not be extracted.
#[derive(Debug)]
pub struct CaseFailure {
    /// The case's ID.
    pub id: String,
    /// Its manifest data row, 1-based as in manifest errors (data row `r` is line `r + 1`).
    pub row: usize,
    /// Why; the error names the file involved.
    pub error: Error,
}

impl CaseFailure {
    /// The error with its causes, `a: b: c`, for a message.
    pub fn reason(&self) -> String {
        self.error.chain().to_string()
    }
}

/// A habitat whose family features are missing in one case (its volume fraction and component
/// descriptors are still given; its centroid offsets are empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HabitatGap {
    /// The case's ID.
    pub id: String,
    /// The time point (`pre`/`post`), if the manifest has time points.
    pub time_point: Option<String>,
    /// The habitat (1-based).
    pub habitat: usize,
    /// The sequence (`""` for a single unnamed one).
    pub sequence: String,
    /// Why, e.g. "habitat has 3 voxels (minimumHabitatVoxels is 27)".
    pub reason: String,
}

/// The features of a cohort.
#[derive(Debug)]
pub struct CohortFeatures {
    /// Case IDs, in manifest order, successful cases only.
    pub ids: Vec<String>,
    /// The manifest index (0-based) of each successful case, parallel to `ids`.
    pub rows: Vec<usize>,
    /// Column names, in a fixed order (module docs).
    pub names: Vec<String>,
    /// `values[case][column]`; `None` only where a value is undefined (an empty or tiny
    /// habitat, a relative change from 0, a non-finite feature).
    pub values: Vec<Vec<Option<f64>>>,
    /// The cases that failed, in manifest order.
    pub failures: Vec<CaseFailure>,
    /// The fitted habitat model (k chosen, centroids), when habitats were requested.
    pub habitat_model: Option<HabitatModel>,
    /// The training cases the habitat model was fitted on (fit rows whose images could be
    /// read); 0 without habitats.
    pub habitat_fit_cases: usize,
    /// Habitats whose family features are missing, per case, in manifest order.
    pub habitat_gaps: Vec<HabitatGap>,
}

/// The `label`, `split` and `center` of the successful cases of a cohort (in the order of
/// [`CohortFeatures::ids`]), each given when some case of the manifest has one: the columns a
/// table puts after `ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseColumns {
    /// `label` (the outcome), when some case has one.
    pub label: Option<Vec<Option<u8>>>,
    /// `split`, then `center`, each when some case has one.
    pub text: Vec<(&'static str, Vec<Option<String>>)>,
}

impl CohortFeatures {
    /// The outcome and grouping columns of the successful cases ([`CaseColumns`]);
    /// `manifest` is the one the features were extracted from.
    pub fn case_columns(&self, manifest: &Manifest) -> CaseColumns {
        let cases: Vec<&Case> = self.rows.iter().map(|&r| &manifest.cases[r]).collect();
        let label = manifest
            .cases
            .iter()
            .any(|c| c.label.is_some())
            .then(|| cases.iter().map(|c| c.label).collect());
        type Field = fn(&Case) -> &Option<String>;
        let fields: [(&'static str, Field); 2] =
            [("split", |c| &c.split), ("center", |c| &c.center)];
        let text = fields
            .into_iter()
            .filter(|(_, get)| manifest.cases.iter().any(|c| get(c).is_some()))
            .map(|(name, get)| (name, cases.iter().map(|c| get(c).clone()).collect()))
            .collect();
        CaseColumns { label, text }
    }
}

/// One image pair of a case and the sequence name it has inside a habitat case.
#[derive(Debug, Clone)]
struct Channel {
    /// The manifest's name (`T1_pre`, `ADC`, `""`).
    manifest_name: String,
    /// The sequence without its time point (`T1`, `ADC`, `""`).
    sequence: String,
}

impl Channel {
    /// The case's image pair of this channel.
    fn pair<'a>(&self, case: &'a Case) -> Result<&'a ImagePair> {
        case.images
            .get(&self.manifest_name)
            .ok_or_else(|| Error::NoImagePair { name: self.manifest_name.clone() })
    }
}

/// The images read together: all of a case's, or those of one time point.
#[derive(Debug, Clone)]
struct Group {
    time_point: Option<&'static str>,
    channels: Vec<Channel>,
}

/// The sequence of a time-point name and its time point: `pre` → (`""`, pre),
/// `T1_post` → (`T1`, post).
fn split_time_point(name: &str) -> Option<(&str, &'static str)> {
    TIME_POINTS.iter().find_map(|&tp| {
        if name == tp {
            Some(("", tp))
        } else {
            name.strip_suffix(tp)?.strip_suffix('_').filter(|s| !s.is_empty()).map(|s| (s, tp))
        }
    })
}

/// How the manifest's sequences are grouped (module docs).
fn groups(sequences: &[String], delta: bool) -> Result<Vec<Group>> {
    let plain = || {
        vec![Group {
            time_point: None,
            channels: sequences
                .iter()
                .map(|s| Channel { manifest_name: s.clone(), sequence: s.clone() })
                .collect(),
        }]
    };
    let parsed: Vec<Option<(&str, &str)>> = sequences.iter().map(|s| split_time_point(s)).collect();
    let at = |tp: &str| -> Vec<&str> {
        parsed.iter().flatten().filter(|(_, t)| *t == tp).map(|(s, _)| *s).collect()
    };
    let (pre, post) = (at("pre"), at("post"));
    if pre.is_empty() || post.is_empty() {
        return Ok(plain());
    }
    let mut unpaired: Vec<String> = Vec::new();
    for (name, p) in sequences.iter().zip(&parsed) {
        match p {
            None => unpaired.push(name.clone()),
            Some((s, "pre")) if !post.contains(s) => unpaired.push(name.clone()),
            Some((s, _)) if !pre.contains(s) => unpaired.push(name.clone()),
            _ => {}
        }
    }
    if !unpaired.is_empty() {
        if delta {
            return Err(Error::UnpairedTimePoints { unpaired });
        }
        return Ok(plain());
    }
    Ok(TIME_POINTS
        .iter()
        .map(|&tp| Group {
            time_point: Some(tp),
            channels: pre
                .iter()
                .map(|s| Channel {
                    manifest_name: if s.is_empty() { tp.to_string() } else { format!("{s}_{tp}") },
                    sequence: s.to_string(),
                })
                .collect(),
        })
        .collect())
}

/// `prefix` + `_` + `name`, or `name` alone for an empty prefix.
fn prefixed(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}_{name}") }
}

/// A file-name-safe version of a case ID.
fn file_stem(id: &str) -> String {
    let stem: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    if stem.trim_matches('.').is_empty() { format!("_{stem}") } else { stem }
}

/// The habitat case of `group` for `case`: its sequences and the first sequence's mask.
fn read_habitat_case(case: &Case, group: &Group, label: i64) -> Result<HabitatCase> {
    let mut images = Vec::with_capacity(group.channels.len());
    let mut mask = None;
    for ch in &group.channels {
        let pair = ch.pair(case)?;
        images.push((ch.sequence.clone(), pair.image.clone()));
        mask.get_or_insert_with(|| pair.mask.clone());
    }
    let mask = mask.ok_or_else(|| Error::NoImage { case: case.id.clone() })?;
    HabitatCase::read(case.id.clone(), &images, &mask, label)
}

/// The manifest rows (0-based) whose `split` is `split` (`all`: every row), the training
/// rows to fit habitats on. Fails when there is none.
pub fn fit_rows(manifest: &Manifest, split: &str) -> Result<Vec<usize>> {
    let rows: Vec<usize> = (0..manifest.cases.len())
        .filter(|&r| split == "all" || manifest.cases[r].split.as_deref() == Some(split))
        .collect();
    if rows.is_empty() {
        return Err(Error::NoFitCase { path: manifest.path.clone(), split: split.to_string() });
    }
    Ok(rows)
}

/// Non-finite values are undefined.
fn defined(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// One successful case: (name, value) in column order, and its habitat gaps.
type CaseResult = (Vec<(String, Option<f64>)>, Vec<HabitatGap>);

/// Extracts the features of every case of `manifest` (module docs for the columns).
///
/// `fit_rows`: manifest row indices (0-based) the habitat model is fitted on — the training
/// split only, never validation or test rows; ignored without habitats. `tick` is called once
/// per case as it finishes (for a progress bar sized to `manifest.cases.len()`), possibly from
/// several threads.
pub fn extract_cohort(
    manifest: &Manifest,
    options: &CohortFeatureOptions,
    fit_rows: &[usize],
    tick: &(dyn Fn() + Sync),
) -> Result<CohortFeatures> {
    // Everything that does not need a volume first.
    if options.jobs == Some(0) {
        return Err(Error::setting(SettingProblem::out_of_range("jobs", 0, ">= 1")));
    }
    if manifest.cases.is_empty() {
        return Err(Error::NoCases { path: manifest.path.clone() });
    }
    let groups = groups(&manifest.sequences, options.delta).map_err(|e| Error::Input {
        what: manifest.path.display().to_string(),
        source: Box::new(e),
    })?;
    let label = options.extractor.settings().label();
    let mut fit: Vec<usize> = Vec::new();
    if let Some(settings) = &options.habitats {
        if let Some(&row) = fit_rows.iter().find(|&&r| r >= manifest.cases.len()) {
            return Err(Error::FitRowOutside {
                row,
                path: manifest.path.clone(),
                cases: manifest.cases.len(),
            });
        }
        fit = fit_rows.to_vec();
        fit.sort_unstable();
        fit.dedup();
        if fit.is_empty() {
            return Err(Error::NoTrainingCase);
        }
        if let Some(wanted) = settings.sequences() {
            let have: Vec<String> = groups[0].channels.iter().map(|c| c.sequence.clone()).collect();
            if let Some(s) = wanted.iter().find(|s| !have.contains(s)) {
                return Err(Error::HabitatSequence {
                    sequence: s.clone(),
                    path: manifest.path.clone(),
                    available: have,
                });
            }
        }
    }
    if let Some(dir) = &options.habitat_maps {
        if options.habitats.is_none() {
            return Err(Error::setting(SettingProblem::refused(
                "habitat_maps",
                "habitat maps need habitat settings",
            )));
        }
        std::fs::create_dir_all(dir).map_err(|source| Error::CreateDir {
            what: "habitat map folder",
            path: dir.clone(),
            source,
        })?;
        let mut seen: HashMap<String, &str> = HashMap::new();
        for case in &manifest.cases {
            let stem = file_stem(&case.id);
            if let Some(other) = seen.insert(stem.clone(), &case.id) {
                return Err(Error::MapFileClash {
                    first: other.to_string(),
                    second: case.id.clone(),
                    stem,
                });
            }
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs.unwrap_or(0))
        .build()
        .map_err(|source| Error::ThreadPool { source })?;

    pool.install(|| {
        // Fit rows that cannot be read are failed cases, left out of the fit.
        let mut early: Vec<Option<Error>> = (0..manifest.cases.len()).map(|_| None).collect();
        let mut fit_cases = 0;
        let model = match &options.habitats {
            None => None,
            Some(settings) => {
                let checks: Vec<Option<Error>> = fit
                    .par_iter()
                    .map(|&r| {
                        groups
                            .iter()
                            .find_map(|g| read_habitat_case(&manifest.cases[r], g, label).err())
                    })
                    .collect();
                for (&r, check) in fit.iter().zip(checks) {
                    early[r] = check;
                }
                let usable: Vec<usize> =
                    fit.iter().copied().filter(|&r| early[r].is_none()).collect();
                if usable.is_empty() {
                    return Err(Error::NoReadableTrainingCase { cases: fit.len() });
                }
                fit_cases = usable.len();
                let training: Vec<(usize, &Group)> =
                    usable.iter().flat_map(|&r| groups.iter().map(move |g| (r, g))).collect();
                let model = HabitatModel::fit_with(settings, training.len(), |i| {
                    let (r, g) = training[i];
                    let case = &manifest.cases[r];
                    read_habitat_case(case, g, label)
                        .map_err(|e| Error::Case { id: case.id.clone(), source: Box::new(e) })
                })
                .map_err(|e| Error::HabitatFit { source: Box::new(e) })?;
                Some(model)
            }
        };

        let results: Vec<Option<Result<CaseResult>>> = manifest
            .cases
            .par_iter()
            .zip(&early)
            .map(|(case, early)| {
                let result = early
                    .is_none()
                    .then(|| extract_case(case, &groups, options, model.as_ref(), label));
                tick();
                result
            })
            .collect();

        let mut out = CohortFeatures {
            ids: Vec::new(),
            rows: Vec::new(),
            names: Vec::new(),
            values: Vec::new(),
            failures: Vec::new(),
            habitat_model: None,
            habitat_fit_cases: fit_cases,
            habitat_gaps: Vec::new(),
        };
        let cases = manifest.cases.iter().enumerate();
        for (((i, case), result), early) in cases.zip(results).zip(early) {
            let fail = |error: Error| CaseFailure { id: case.id.clone(), row: case.row, error };
            let result = match (result, early) {
                (Some(result), _) => result,
                (None, Some(e)) => Err(e),
                (None, None) => unreachable!("a case is skipped only for its fit-row error"),
            };
            match result {
                Err(e) => out.failures.push(fail(e)),
                Ok((columns, gaps)) => {
                    if out.ids.is_empty() {
                        out.names = columns.iter().map(|(n, _)| n.clone()).collect();
                    } else if !columns.iter().map(|(n, _)| n).eq(out.names.iter()) {
                        out.failures.push(fail(Error::CaseColumns { first: out.ids[0].clone() }));
                        continue;
                    }
                    out.ids.push(case.id.clone());
                    out.rows.push(i);
                    out.values.push(columns.into_iter().map(|(_, v)| v).collect());
                    out.habitat_gaps.extend(gaps);
                }
            }
        }
        out.habitat_model = model;
        Ok(out)
    })
}

/// The columns of one case (module docs).
fn extract_case(
    case: &Case,
    groups: &[Group],
    options: &CohortFeatureOptions,
    model: Option<&HabitatModel>,
    label: i64,
) -> Result<CaseResult> {
    // Per group: (base name, value), the base name lacking the time point's prefix.
    let mut blocks: Vec<Vec<(String, Option<f64>)>> = Vec::with_capacity(groups.len());
    let mut gaps = Vec::new();
    for group in groups {
        let mut block = Vec::new();
        for ch in &group.channels {
            let pair = ch.pair(case)?;
            let fv = options.extractor.extract(&pair.image, &pair.mask)?;
            for (name, v) in fv.features {
                block.push((prefixed(&ch.sequence, &name), defined(v)));
            }
        }
        if let Some(model) = model {
            let habitat_case = read_habitat_case(case, group, label)?;
            let (map, features) = model
                .extract_case(&habitat_case, &options.extractor)
                .map_err(|e| Error::Habitats { source: Box::new(e) })?;
            if let Some(dir) = &options.habitat_maps {
                let stem = file_stem(&case.id);
                let file = match group.time_point {
                    Some(tp) => dir.join(format!("{stem}_{tp}.nii.gz")),
                    None => dir.join(format!("{stem}.nii.gz")),
                };
                map.write(&file)?;
            }
            block.extend(features.features.into_iter().map(|(n, v)| (n, v.and_then(defined))));
            gaps.extend(features.missing.into_iter().map(|m| HabitatGap {
                id: case.id.clone(),
                time_point: group.time_point.map(str::to_string),
                habitat: m.habitat,
                sequence: m.sequence,
                reason: m.reason,
            }));
        }
        blocks.push(block);
    }

    let mut columns: Vec<(String, Option<f64>)> = Vec::new();
    for (group, block) in groups.iter().zip(&blocks) {
        let prefix = group.time_point.unwrap_or("");
        columns.extend(block.iter().map(|(n, v)| (prefixed(prefix, n), *v)));
    }
    if options.delta
        && let [pre, post] = blocks.as_slice()
        && groups[0].time_point.is_some()
    {
        if !pre.iter().map(|(n, _)| n).eq(post.iter().map(|(n, _)| n)) {
            return Err(Error::TimePointColumns);
        }
        let pairs = || pre.iter().zip(post).map(|((n, a), (_, b))| (n, *a, *b));
        columns.extend(pairs().map(|(n, a, b)| (format!("delta_{n}"), delta(a, b))));
        columns.extend(pairs().map(|(n, a, b)| (format!("reldelta_{n}"), relative_delta(a, b))));
    }
    Ok((columns, gaps))
}

/// The absolute change `post − pre`; `None` when either is undefined.
fn delta(pre: Option<f64>, post: Option<f64>) -> Option<f64> {
    defined(post? - pre?)
}

/// The relative change `(post − pre)/pre`; `None` when either is undefined or `pre` is 0.
fn relative_delta(pre: Option<f64>, post: Option<f64>) -> Option<f64> {
    let (pre, post) = (pre?, post?);
    if pre == 0.0 { None } else { defined((post - pre) / pre) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn time_points_are_recognised_by_name() {
        assert_eq!(split_time_point("pre"), Some(("", "pre")));
        assert_eq!(split_time_point("T1_post"), Some(("T1", "post")));
        assert_eq!(split_time_point("_post"), None);
        assert_eq!(split_time_point("T1post"), None);
        assert_eq!(split_time_point("T1"), None);

        let g = groups(&names(&["T1_pre", "ADC_pre", "T1_post", "ADC_post"]), true).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].time_point, Some("post"));
        let m: Vec<&str> = g[1].channels.iter().map(|c| c.manifest_name.as_str()).collect();
        assert_eq!(m, ["T1_post", "ADC_post"]);
        let s: Vec<&str> = g[0].channels.iter().map(|c| c.sequence.as_str()).collect();
        assert_eq!(s, ["T1", "ADC"]);

        let g = groups(&names(&["pre", "post"]), false).unwrap();
        assert_eq!(g[0].channels[0].sequence, "");
        assert_eq!(g[0].channels[0].manifest_name, "pre");

        // Plain sequences, and time points that do not pair up.
        let g = groups(&names(&["T1", "ADC"]), true).unwrap();
        assert_eq!((g.len(), g[0].time_point), (1, None));
        let g = groups(&names(&["T1_pre"]), true).unwrap();
        assert_eq!(g.len(), 1);
        let e = groups(&names(&["T1_pre", "ADC_post"]), true).unwrap_err().to_string();
        assert!(e.contains("T1_pre, ADC_post have no partner"), "{e}");
        assert_eq!(groups(&names(&["T1_pre", "ADC_post"]), false).unwrap().len(), 1);
    }

    #[test]
    fn deltas_by_hand() {
        assert_eq!(delta(Some(2.0), Some(5.0)), Some(3.0));
        assert_eq!(relative_delta(Some(2.0), Some(5.0)), Some(1.5));
        assert_eq!(relative_delta(Some(-4.0), Some(-2.0)), Some(-0.5));
        assert_eq!(relative_delta(Some(0.0), Some(5.0)), None);
        assert_eq!(delta(None, Some(5.0)), None);
        assert_eq!(relative_delta(Some(1.0), None), None);
        assert_eq!(delta(Some(f64::MAX), Some(f64::INFINITY)), None);
    }

    /// A manifest of three cases without images: `train`, `test` and no split.
    fn three_cases() -> Manifest {
        let case = |row: usize, split: Option<&str>| Case {
            row,
            id: format!("c{row}"),
            label: None,
            split: split.map(str::to_string),
            center: None,
            clinical: Default::default(),
            images: Default::default(),
        };
        Manifest {
            path: "m.csv".into(),
            cases: vec![case(1, Some("train")), case(2, Some("test")), case(3, None)],
            sequences: vec![String::new()],
            clinical_columns: Vec::new(),
        }
    }

    #[test]
    fn fit_rows_follow_the_split() {
        let manifest = three_cases();
        assert_eq!(fit_rows(&manifest, "train").unwrap(), [0]);
        assert_eq!(fit_rows(&manifest, "all").unwrap(), [0, 1, 2]);
        let e = fit_rows(&manifest, "val").unwrap_err().to_string();
        assert!(e.contains("m.csv") && e.contains("no case has split \"val\""), "{e}");
    }

    #[test]
    fn case_columns_follow_the_successful_cases() {
        let mut manifest = three_cases();
        manifest.cases[1].label = Some(1);
        let features = CohortFeatures {
            ids: vec!["c1".into(), "c3".into()],
            rows: vec![0, 2],
            names: Vec::new(),
            values: vec![Vec::new(), Vec::new()],
            failures: Vec::new(),
            habitat_model: None,
            habitat_fit_cases: 0,
            habitat_gaps: Vec::new(),
        };
        // c2, the only labelled case, failed: the label column is still there, empty.
        let c = features.case_columns(&manifest);
        assert_eq!(c.label, Some(vec![None, None]));
        assert_eq!(c.text, vec![("split", vec![Some("train".to_string()), None])]);
        manifest.cases[1].label = None;
        assert_eq!(features.case_columns(&manifest).label, None);
    }

    #[test]
    fn map_file_names() {
        assert_eq!(file_stem("case0001"), "case0001");
        assert_eq!(file_stem("a/b c"), "a_b_c");
        assert_eq!(file_stem(".."), "_..");
        assert_eq!(prefixed("", "x"), "x");
        assert_eq!(prefixed("T1", "x"), "T1_x");
    }
}
