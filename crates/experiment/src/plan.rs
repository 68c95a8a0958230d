//! The checked experiment: every value and cross-reference of an [`ExperimentConfig`] checked
//! once, and the settings files it names read and parsed, before any volume is read.
//!
//! [`Experiment::try_from`] is the only place a configuration is checked: `radlsig run`, `radlsig
//! demo` and `radlsig run --lock` edit the raw configuration (another manifest, name or thread
//! count) and then build the plan from it. The cohort itself (manifest, labels, fits) is read
//! by [`crate::Cohort::load`] from a plan.

use radlsig_deep::{ComputeDevice, TrainingConfig};
use radlsig_radiomics::habitats::HabitatSettings;
use radlsig_radiomics::{ExtractionSettings, Extractor};

use crate::config::{CnnMode, ExperimentConfig, PretrainedSection, SplitConfig};
use crate::error::{Error, Result};

/// A checked experiment.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The configuration as given (before its files were read).
    pub config: ExperimentConfig,
    /// The handcrafted-feature stage, if configured.
    pub radiomics: Option<RadiomicsPlan>,
    /// The CNN stage, if configured.
    pub cnn: Option<CnnPlan>,
}

/// What the features stage extracts.
#[derive(Debug, Clone)]
pub struct RadiomicsPlan {
    /// The PyRadiomics settings, with the cohort's mask label.
    pub extractor: Extractor,
    /// The parameter file's text (recorded in the lock).
    pub params_text: String,
    /// Habitat settings and their text, if configured.
    pub habitats: Option<(HabitatSettings, String)>,
    /// `delta_`/`reldelta_` columns for pre/post cohorts.
    pub delta: bool,
}

/// What the CNN stage trains.
#[derive(Debug, Clone)]
pub struct CnnPlan {
    /// The training configuration (its sequences resolved against the manifest later).
    pub training: TrainingConfig,
    /// The compute backend, checked to be available in this build.
    pub device: ComputeDevice,
    /// CPU threads asked for (`None`: all cores).
    pub threads: Option<usize>,
    /// A manifest split driving early stopping, instead of an inner split of train.
    pub early_stopping_split: Option<String>,
    /// Scratch, frozen or fine-tuned.
    pub mode: CnnMode,
    /// The pretrained backbone (`cnn.mode = "frozen"` or `"finetune"`), read and checked.
    pub pretrained: Option<PretrainedPlan>,
}

/// Where a pretrained backbone comes from.
#[derive(Debug, Clone)]
pub enum PretrainedSource {
    /// A PyTorch or safetensors weight file (MedicalNet/MONAI names), read once.
    Weights(std::sync::Arc<radlsig_deep::WeightFile>),
    /// A `radlsig train-cnn` model folder (transfer from another cohort), with its own
    /// preprocessing: frozen, its embedding layer and its `dl_prob`; fine-tuned, its stem and
    /// stages under a new head.
    Model(std::path::PathBuf),
}

impl PretrainedSource {
    /// The weight file or the model folder.
    pub fn path(&self) -> &std::path::Path {
        match self {
            PretrainedSource::Weights(file) => file.path(),
            PretrainedSource::Model(dir) => dir,
        }
    }
}

/// A pretrained backbone, checked.
#[derive(Debug, Clone)]
pub struct PretrainedPlan {
    /// The weights.
    pub source: PretrainedSource,
    /// Strides and dilations.
    pub layout: radlsig_deep::ResnetLayout,
    /// SHA-256 of the file (of a model folder: of its `config.json` and `model.bpk`).
    pub sha256: String,
    /// The backbone's learning-rate multiple when fine-tuning.
    pub backbone_learning_rate_scale: f64,
}

impl TryFrom<ExperimentConfig> for Experiment {
    type Error = Error;

    /// Checks every key (listing all problems at once), then reads and checks the radiomics,
    /// habitat and CNN settings and the device.
    fn try_from(config: ExperimentConfig) -> Result<Experiment> {
        let problems = problems(&config);
        if !problems.is_empty() {
            return Err(Error::Config { source_file: config.source_file.clone(), problems });
        }
        let radiomics = match &config.radiomics {
            Some(r) => {
                let params_text = r.params_text()?;
                let settings = if params_text.trim().is_empty() {
                    ExtractionSettings::default()
                } else {
                    ExtractionSettings::from_yaml_str(&params_text, "radiomics.params")
                        .map_err(|e| Error::radiomics("radiomics.params", e))?
                };
                let settings = settings
                    .with_label(config.cohort.label)
                    .map_err(|e| Error::radiomics("cohort.label", e))?;
                let extractor = Extractor::new(settings)
                    .map_err(|e| Error::radiomics("radiomics.params", e))?;
                let habitats = match r.habitats_text()? {
                    Some(text) => {
                        let settings = HabitatSettings::from_yaml_str(&text, "radiomics.habitats")
                            .map_err(|e| Error::radiomics("radiomics.habitats", e))?;
                        Some((settings, text))
                    }
                    None => None,
                };
                Some(RadiomicsPlan { extractor, params_text, habitats, delta: r.delta })
            }
            None => None,
        };
        let cnn = match &config.cnn {
            Some(c) => {
                let training = c.training_config()?;
                let device: ComputeDevice = c.device.parse().map_err(|e: String| {
                    Error::Config { source_file: None, problems: vec![format!("cnn.device: {e}")] }
                })?;
                device.device().map_err(|e| Error::deep("cnn.device", e))?;
                let pretrained = match &c.pretrained {
                    Some(p) => Some(read_pretrained(p)?),
                    None => None,
                };
                Some(CnnPlan {
                    training,
                    device,
                    threads: c.threads,
                    early_stopping_split: c.early_stopping_split.clone(),
                    mode: c.mode,
                    pretrained,
                })
            }
            None => None,
        };
        Ok(Experiment { config, radiomics, cnn })
    }
}

impl Experiment {
    /// Reads and checks an experiment file.
    pub fn from_file(path: &std::path::Path) -> Result<Experiment> {
        Experiment::try_from(ExperimentConfig::from_file(path)?)
    }

    /// The run's name (the output folder `runs/NAME`).
    pub fn name(&self) -> &str {
        self.config.name()
    }

    /// Whether the split is k-fold cross-validation (one fit per fold, out-of-fold predictions).
    pub fn is_kfold(&self) -> bool {
        matches!(self.config.split, SplitConfig::Kfold { .. })
    }
}

/// Every problem that can be seen without reading a file, each naming its key.
fn problems(config: &ExperimentConfig) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(name) = &config.name
        && (name.is_empty() || name.contains(['/', '\\']) || name == "." || name == "..")
    {
        problems.push(format!("name: {name:?} is not a valid folder name"));
    }
    match &config.split {
        SplitConfig::Manifest { train } if train.is_empty() => {
            problems.push("split.train: must name at least one split".into())
        }
        SplitConfig::Random { validation_fraction: f, .. } if !(*f > 0.0 && *f < 1.0) => {
            problems.push(format!("split.validation_fraction: must be in (0, 1), got {f}"))
        }
        SplitConfig::Centre { external } if external.is_empty() => {
            problems.push("split.external: must name at least one centre".into())
        }
        SplitConfig::Kfold { folds, repeats, .. } => {
            if *folds < 2 {
                problems.push(format!("split.folds: must be ≥ 2, got {folds}"));
            }
            if *repeats < 1 {
                problems.push("split.repeats: must be ≥ 1".into());
            }
        }
        _ => {}
    }
    if let Some(classes) = &config.cohort.classes {
        let mut sorted: Vec<&String> = classes.iter().collect();
        sorted.sort();
        sorted.dedup();
        if classes.len() < 3 {
            problems.push(format!(
                "cohort.classes: a multi-class outcome needs at least 3 classes, got {} (leave \
                 the key out for a 0/1 label)",
                classes.len()
            ));
        } else if classes.len() > radlsig_cohort::MAX_CLASSES {
            problems.push(format!(
                "cohort.classes: at most {} classes, got {}",
                radlsig_cohort::MAX_CLASSES,
                classes.len()
            ));
        } else if sorted.len() != classes.len() {
            problems.push("cohort.classes: a class is named twice".into());
        } else if classes.iter().any(|c| c.trim().is_empty()) {
            problems.push("cohort.classes: a class name is empty".into());
        }
        if config.cnn.is_some() {
            problems.push(
                "cnn: the CNN trains a binary head; a multi-class outcome (cohort.classes) takes \
                 radiomics and clinical signatures only"
                    .into(),
            );
        }
    }
    if let Some(r) = &config.radiomics {
        if r.params.is_some() && r.params_yaml.is_some() {
            problems.push("radiomics: give params or params_yaml, not both".into());
        }
        if r.habitats.is_some() && r.habitats_yaml.is_some() {
            problems.push("radiomics: give habitats or habitats_yaml, not both".into());
        }
        if (r.habitats.is_some() || r.habitats_yaml.is_some())
            && matches!(config.split, SplitConfig::Kfold { .. })
        {
            problems.push(
                "radiomics.habitats: habitats are fitted on the training rows; with \
                 split.method = \"kfold\" that would need one feature table per fold \
                 (not supported)"
                    .into(),
            );
        }
    }
    if let Some(c) = &config.cnn {
        match (c.mode, &c.pretrained) {
            (CnnMode::Frozen | CnnMode::Finetune, None) => {
                problems.push(format!(
                    "cnn.mode = \"{}\" needs a [cnn.pretrained] file",
                    c.mode.name()
                ));
            }
            (CnnMode::Scratch, Some(_)) => problems.push(
                "cnn.pretrained: a pretrained backbone is used with cnn.mode = \"frozen\" or \
                 \"finetune\""
                    .into(),
            ),
            _ => {}
        }
        if let Some(scale) = c.pretrained.as_ref().and_then(|p| p.backbone_learning_rate_scale) {
            if c.mode != CnnMode::Finetune {
                problems.push(
                    "cnn.pretrained.backbone_learning_rate_scale: only with cnn.mode = \
                     \"finetune\""
                        .into(),
                );
            } else if !(scale > 0.0 && scale <= 1.0) {
                problems.push(format!(
                    "cnn.pretrained.backbone_learning_rate_scale: {scale} must be in (0, 1]"
                ));
            }
        }
        let weight_file = c.pretrained.as_ref().is_some_and(|p| !p.file.is_dir());
        if c.mode == CnnMode::Frozen
            && weight_file
            && matches!(config.fusion.dlsig, Some(radlsig_fusion::DlSigConfig::Probability { .. }))
        {
            problems.push(
                "fusion.dlsig: source = \"probability\" reads dl_prob, which a frozen backbone \
                 (no trained head) does not give; use source = \"features\""
                    .into(),
            );
        }
        if c.mode == CnnMode::Frozen && c.early_stopping_split.is_some() {
            problems.push("cnn.early_stopping_split: a frozen backbone is not trained".into());
        }
        let given = [c.config.is_some(), c.training.is_some(), c.resolved_json.is_some()];
        if given.iter().filter(|g| **g).count() > 1 {
            problems.push("cnn: give one of config, training, resolved_json".into());
        }
        if c.threads == Some(0) {
            problems.push("cnn.threads: must be ≥ 1".into());
        }
    }
    let e = &config.evaluation;
    if !(e.conf_level > 0.0 && e.conf_level < 1.0) {
        problems.push(format!("evaluation.conf_level: must be in (0, 1), got {}", e.conf_level));
    }
    let f = &config.fusion;
    if config.radiomics.is_none() && (f.rasig.is_some() || f.radlsig_early.is_some()) {
        problems.push("fusion.rasig / fusion.radlsig_early need a [radiomics] section".into());
    }
    if config.cnn.is_none() && (f.dlsig.is_some() || f.radlsig_early.is_some()) {
        problems.push("fusion.dlsig / fusion.radlsig_early need a [cnn] section".into());
    }
    if config.clinical.is_none() && f.clinical.is_some() {
        problems.push("fusion.clinical needs a [clinical] section".into());
    }
    if f.rasig.is_none() && f.dlsig.is_none() && f.radlsig_early.is_none() && f.clinical.is_none() {
        problems.push("fusion: configures no signature".into());
    }
    if let Err(err) = f.check("fusion") {
        problems.push(err.to_string());
    }
    problems
}

/// Reads the weights of `cnn.pretrained` and checks its SHA-256 when the config gives one.
fn read_pretrained(p: &PretrainedSection) -> Result<PretrainedPlan> {
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|e| Error::Read { path: path.to_path_buf(), source: e })
    };
    let (bytes, model) = if p.file.is_dir() {
        // A radlsig model folder: its configuration and its weights.
        let paths = radlsig_deep::RunPaths::new(&p.file);
        let mut bytes = read(&paths.config)?;
        bytes.extend(read(&paths.model)?);
        (bytes, true)
    } else {
        (read(&p.file)?, false)
    };
    let sha256 = crate::cache::sha256_hex(&bytes);
    if let Some(expected) = &p.sha256
        && *expected != sha256
    {
        return Err(Error::Config {
            source_file: None,
            problems: vec![format!(
                "cnn.pretrained.sha256: {} has SHA-256 {sha256}, not the {expected} given (a \
                 locked run's weights changed?)",
                p.file.display()
            )],
        });
    }
    let source = if model {
        PretrainedSource::Model(p.file.clone())
    } else {
        let file = radlsig_deep::WeightFile::read(&p.file)
            .map_err(|e| Error::deep("cnn.pretrained.file", e))?;
        PretrainedSource::Weights(std::sync::Arc::new(file))
    };
    Ok(PretrainedPlan {
        source,
        layout: p.layout,
        sha256,
        backbone_learning_rate_scale: p.backbone_learning_rate_scale.unwrap_or(0.1),
    })
}
