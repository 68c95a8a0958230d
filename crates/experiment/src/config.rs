//! The experiment configuration of `radlsig run` (`experiments/NAME.toml`).
//!
//! ```toml
//! name = "demo"                  # default: the file's stem; outputs go to runs/NAME/
//! seed = 1                       # default seed of the split (and nothing else)
//!
//! [cohort]
//! manifest = "../datasets/generated/demo/manifest.csv"   # relative to this file
//! label = 1                      # ROI label in the mask files (default 1)
//! # classes = ["zero", "low", "positive"]  # a multi-class outcome (≥ 3 classes): the manifest's
//! #   label cells hold these names (or indices 0..K); one-vs-rest signatures, Hand & Till and
//! #   macro AUCs (no [cnn] stage)
//!
//! [split]                        # how patients are split (default: method = "manifest")
//! method = "random"              # "random" | "manifest" | "centre" | "kfold"
//! validation_fraction = 0.2      # random: stratified by label, seeded
//! # method = "manifest": the manifest's `split` column; `train` is fitted on, every other
//! #   value (val, test, …) is a split that is only evaluated
//! # method = "centre": external = ["C"]  (cases of these centres are the external split)
//! # method = "kfold":  folds = 5, repeats = 1  (stratified; out-of-fold predictions)
//!
//! [radiomics]                    # RAsig features; omit the section for no radiomics
//! params = "params.yaml"         # PyRadiomics parameter file, or inline text:
//! # params_yaml = "setting:\n  binWidth: 25\n"
//! # habitats = "habitats.yaml" / habitats_yaml = "…"  (habitat features, fitted on train)
//! delta = true                   # delta_/reldelta_ columns for pre/post cohorts
//!
//! [cnn]                          # DLsig embeddings; omit for no CNN
//! config = "cnn.toml"            # radlsig train-cnn configuration, or inline:
//! # [cnn.training]  epochs = 10 …   (the same keys as a train-cnn TOML file)
//! device = "cpu"                 # cpu | ndarray | wgpu (the last two need cargo features)
//! threads = 2                    # CPU threads; results are bit-identical for a seed and thread count
//! # early_stopping_split = "val"  # manifest split for early stopping (default: inner split of train)
//!
//! [clinical]                     # clinical block (for fusion.clinical / fusion.combined)
//! columns = ["age", "sex"]       # numeric if every value parses, else categorical (one-hot)
//!
//! [fusion]                       # radlsig_fusion::FusionConfig: rasig, dlsig, radlsig_early, …
//!
//! [evaluation]
//! bootstrap = 2000               # stratified bootstrap resamples for the metric CIs (0 = off)
//! conf_level = 0.95
//! threshold_from = "train"       # Youden thresholds chosen on this split, applied to all
//! permutation_repeats = 100      # permutation importance on each evaluated split (0 = off)
//! ```
//!
//! Every section rejects unknown keys, naming them. This is the raw configuration as written;
//! [`crate::Experiment`] (`TryFrom<ExperimentConfig>`) checks every value and cross-reference
//! once and reads the files it names. The lock (`run.lock.toml`) records the configuration made
//! self-contained (parameter files inlined, the CNN configuration fully resolved), which
//! `radlsig run --lock` replays.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

use radlsig_fusion::FusionConfig;
use serde::{Deserialize, Serialize};

/// The whole experiment.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Name of the run (the output folder `runs/NAME`); default: the config file's stem.
    #[serde(default)]
    pub name: Option<String>,
    /// Default seed of the split.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The cohort.
    pub cohort: CohortSection,
    /// The split.
    #[serde(default)]
    pub split: SplitConfig,
    /// Handcrafted radiomics features.
    #[serde(default)]
    pub radiomics: Option<RadiomicsSection>,
    /// The 3D CNN.
    #[serde(default)]
    pub cnn: Option<CnnSection>,
    /// Clinical variables.
    #[serde(default)]
    pub clinical: Option<ClinicalSection>,
    /// Signatures to fit.
    pub fusion: FusionConfig,
    /// Evaluation settings.
    #[serde(default)]
    pub evaluation: EvaluationSection,
    /// The file this configuration was read from (named in error messages; not serialised).
    #[serde(skip)]
    pub source_file: Option<PathBuf>,
}

fn default_seed() -> u64 {
    1
}
impl CohortSection {
    /// The outcome's class names in label order: `cohort.classes`, or `0`, `1` for a 0/1
    /// outcome.
    pub fn class_names(&self) -> Vec<String> {
        class_names(self.classes.as_deref())
    }
}

/// `classes`, or `0`, `1` for a 0/1 outcome.
pub(crate) fn class_names(classes: Option<&[String]>) -> Vec<String> {
    classes.map_or_else(|| vec!["0".into(), "1".into()], <[String]>::to_vec)
}

fn default_label() -> i64 {
    1
}
fn default_true() -> bool {
    true
}
fn default_fraction() -> f64 {
    0.2
}
fn default_folds() -> usize {
    5
}
fn default_repeats() -> usize {
    1
}
fn default_train_names() -> Vec<String> {
    vec!["train".into()]
}
fn default_device() -> String {
    "cpu".into()
}
fn default_bootstrap() -> usize {
    2000
}
fn default_conf_level() -> f64 {
    0.95
}
fn default_threshold_from() -> Option<String> {
    Some("train".into())
}

/// `[cohort]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortSection {
    /// Cohort manifest (see datasets/README.md), relative to the config file.
    pub manifest: PathBuf,
    /// ROI label in the mask files.
    #[serde(default = "default_label")]
    pub label: i64,
    /// The classes of a multi-class outcome, in label order (absent: a 0/1 outcome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
}

/// `[split]`, tagged by `method`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum SplitConfig {
    /// The manifest's `split` column: rows whose split is in `train` are fitted on; every other
    /// split is evaluated only.
    Manifest {
        /// Split values that are training data (default `["train"]`).
        #[serde(default = "default_train_names")]
        train: Vec<String>,
    },
    /// Stratified random split into `train` and `validation`.
    Random {
        /// Fraction of each class in `validation` (default 0.2: the 8:2 split).
        #[serde(default = "default_fraction")]
        validation_fraction: f64,
        /// Seed (default: the experiment seed).
        #[serde(default)]
        seed: Option<u64>,
    },
    /// External validation by centre: the listed centres are split `external`.
    Centre {
        /// Centres held out.
        external: Vec<String>,
    },
    /// Repeated stratified k-fold cross-validation: every case is predicted by the model
    /// fitted without its fold (split `cv`, one evaluation per repeat: `cv1`, `cv2`, …).
    Kfold {
        /// Folds (default 5).
        #[serde(default = "default_folds")]
        folds: usize,
        /// Repeats with different fold assignments (default 1).
        #[serde(default = "default_repeats")]
        repeats: usize,
        /// Seed (default: the experiment seed).
        #[serde(default)]
        seed: Option<u64>,
    },
}

impl Default for SplitConfig {
    fn default() -> Self {
        SplitConfig::Manifest { train: default_train_names() }
    }
}

/// `[radiomics]`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RadiomicsSection {
    /// PyRadiomics parameter file (YAML), relative to the config file.
    #[serde(default)]
    pub params: Option<PathBuf>,
    /// The parameter file's text inline (instead of `params`).
    #[serde(default)]
    pub params_yaml: Option<String>,
    /// Habitat settings file (YAML), relative to the config file.
    #[serde(default)]
    pub habitats: Option<PathBuf>,
    /// Habitat settings inline (instead of `habitats`).
    #[serde(default)]
    pub habitats_yaml: Option<String>,
    /// `delta_`/`reldelta_` columns for cohorts with pre/post time points (default true).
    #[serde(default = "default_true")]
    pub delta: bool,
}

/// `[cnn]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CnnSection {
    /// `radlsig train-cnn` configuration file (TOML), relative to the config file.
    #[serde(default)]
    pub config: Option<PathBuf>,
    /// The same configuration inline.
    #[serde(default)]
    pub training: Option<toml::Table>,
    /// The configuration fully resolved (JSON, as the model folder's `config.json`); written
    /// by the lock file.
    #[serde(default)]
    pub resolved_json: Option<String>,
    /// Compute backend.
    #[serde(default = "default_device")]
    pub device: String,
    /// CPU threads (default: all cores). Recorded in the lock file.
    #[serde(default)]
    pub threads: Option<usize>,
    /// A split of the manifest whose cases drive the CNN's early stopping (e.g. `val` with
    /// `split.method = "manifest"`: model selection on the validation set, as MedMNIST does);
    /// default: an inner split of the training rows.
    #[serde(default)]
    pub early_stopping_split: Option<String>,
    /// `scratch` (default): a CNN trained on the training rows of every fit; `frozen`: the
    /// pretrained backbone of `cnn.pretrained` as a fixed feature extractor (its pooled maps
    /// are the deep features, no training, no `dl_prob`); `finetune`: the pretrained backbone
    /// under a new embedding layer and head, trained on the training rows of every fit as
    /// `scratch` is (early stopping too), the backbone at a lower learning rate.
    #[serde(default)]
    pub mode: CnnMode,
    /// The pretrained backbone (`mode = "frozen"` or `"finetune"`).
    #[serde(default)]
    pub pretrained: Option<PretrainedSection>,
}

/// `cnn.mode`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CnnMode {
    /// A CNN trained from scratch per fit.
    #[default]
    Scratch,
    /// A pretrained backbone, frozen.
    Frozen,
    /// A pretrained backbone under a new head, fine-tuned per fit.
    Finetune,
}

impl CnnMode {
    /// The name in the configuration.
    pub fn name(self) -> &'static str {
        match self {
            CnnMode::Scratch => "scratch",
            CnnMode::Frozen => "frozen",
            CnnMode::Finetune => "finetune",
        }
    }
}

/// `[cnn.pretrained]`: a pretrained 3D ResNet (see `radlsig_deep::WeightFile`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrainedSection {
    /// PyTorch (`.pth`/`.pt`) or safetensors weights with MedicalNet/MONAI names, or the
    /// folder of a `radlsig train-cnn` model trained on another cohort (transfer: its
    /// embedding layer and `dl_prob`, with its own preprocessing); relative to the config
    /// file; nothing is downloaded.
    pub file: PathBuf,
    /// Strides and dilations of the stages: `medicalnet` (default) or `monai`.
    #[serde(default)]
    pub layout: radlsig_deep::ResnetLayout,
    /// SHA-256 of the file: written by the lock, checked when given.
    #[serde(default)]
    pub sha256: Option<String>,
    /// `mode = "finetune"`: the backbone's learning rate as a multiple of the scheduled one
    /// (the new embedding layer and head get the scheduled rate), in (0, 1]; default 0.1.
    #[serde(default)]
    pub backbone_learning_rate_scale: Option<f64>,
}

/// `[clinical]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClinicalSection {
    /// Manifest columns to use.
    pub columns: Vec<String>,
}

/// `[evaluation]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSection {
    /// Stratified bootstrap resamples for the metric CIs (0 = off).
    #[serde(default = "default_bootstrap")]
    pub bootstrap: usize,
    /// Confidence level.
    #[serde(default = "default_conf_level")]
    pub conf_level: f64,
    /// Split on which Youden thresholds are chosen (then applied to every split).
    #[serde(default = "default_threshold_from")]
    pub threshold_from: Option<String>,
    /// Repeats of the permutation importance on each evaluated split (a stratified bootstrap
    /// resample and a permutation each; 0 = off).
    #[serde(default = "default_permutation_repeats")]
    pub permutation_repeats: usize,
}

fn default_permutation_repeats() -> usize {
    100
}

impl Default for EvaluationSection {
    fn default() -> Self {
        EvaluationSection {
            bootstrap: default_bootstrap(),
            conf_level: default_conf_level(),
            threshold_from: default_threshold_from(),
            permutation_repeats: default_permutation_repeats(),
        }
    }
}

impl ExperimentConfig {
    /// Parses TOML text; `source` names the file in errors, and relative paths are resolved
    /// against `base`. Nothing is checked beyond the TOML types and unknown keys: that is
    /// [`crate::Experiment::try_from`]'s job.
    pub fn from_toml_str(text: &str, source: &Path, base: &Path) -> Result<Self> {
        let mut config: ExperimentConfig = toml::from_str(text)
            .map_err(|e| Error::Parse { path: source.to_path_buf(), source: Box::new(e) })?;
        config.resolve_paths(base);
        config.source_file = Some(source.to_path_buf());
        Ok(config)
    }

    /// Reads an experiment file; the run's name defaults to the file's stem.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Read { path: path.to_path_buf(), source: e })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut config = Self::from_toml_str(&text, path, base)?;
        if config.name.is_none() {
            config.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        let join = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        join(&mut self.cohort.manifest);
        if let Some(r) = &mut self.radiomics {
            r.params.as_mut().map(join);
            r.habitats.as_mut().map(join);
        }
        if let Some(c) = &mut self.cnn {
            c.config.as_mut().map(join);
            if let Some(p) = &mut c.pretrained {
                join(&mut p.file);
            }
        }
    }

    /// The run's name.
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or("experiment")
    }

    /// The split seed.
    pub fn split_seed(&self) -> u64 {
        match &self.split {
            SplitConfig::Random { seed, .. } | SplitConfig::Kfold { seed, .. } => {
                seed.unwrap_or(self.seed)
            }
            _ => self.seed,
        }
    }
}

impl RadiomicsSection {
    /// The PyRadiomics parameter text (empty: PyRadiomics' defaults).
    pub fn params_text(&self) -> Result<String> {
        read_inline_or_file(&self.params_yaml, &self.params)
    }

    /// The habitat settings text, if habitats are configured.
    pub fn habitats_text(&self) -> Result<Option<String>> {
        if self.habitats.is_none() && self.habitats_yaml.is_none() {
            return Ok(None);
        }
        read_inline_or_file(&self.habitats_yaml, &self.habitats).map(Some)
    }
}

fn read_inline_or_file(inline: &Option<String>, file: &Option<PathBuf>) -> Result<String> {
    match (inline, file) {
        (Some(text), _) => Ok(text.clone()),
        (None, Some(path)) => {
            std::fs::read_to_string(path).map_err(|e| Error::Read { path: path.clone(), source: e })
        }
        (None, None) => Ok(String::new()),
    }
}

impl CnnSection {
    /// The training configuration, fully resolved and checked.
    pub fn training_config(&self) -> Result<radlsig_deep::TrainingConfig> {
        if let Some(json) = &self.resolved_json {
            let config: radlsig_deep::TrainingConfig = serde_json::from_str(json).map_err(|e| {
                Error::Json { what: "cnn.resolved_json".into(), source: Box::new(e) }
            })?;
            if let Err(problems) = config.check() {
                return Err(Error::Config {
                    source_file: None,
                    problems: problems.iter().map(|p| format!("cnn.resolved_json: {p}")).collect(),
                });
            }
            return Ok(config);
        }
        if let Some(path) = &self.config {
            return radlsig_deep::TrainingConfig::from_toml_file(path)
                .map_err(|e| Error::deep(format!("cnn.config {}", path.display()), e));
        }
        let text = match &self.training {
            Some(table) => toml::to_string(table).map_err(|e| Error::TomlRender {
                what: "cnn.training".into(),
                source: Box::new(e),
            })?,
            None => String::new(),
        };
        radlsig_deep::TrainingConfig::from_toml_str(&text, Some(Path::new("cnn.training")))
            .map_err(|e| Error::deep("cnn.training", e))
    }
}
