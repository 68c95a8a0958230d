//! The training configuration: one typed struct, read from TOML, checked as a whole, written
//! as `config.json` beside the checkpoints.
//!
//! A TOML file may set any subset of the keys; the rest keep their defaults (the `Default
//! value` of each field below). Unknown keys are rejected by name. Every range is checked
//! before anything is read, and all problems are reported together.
//!
//! ```toml
//! seed = 7
//! epochs = 40
//! batch_size = 16
//! learning_rate = 1e-3
//! schedule = { step = { every = 10, gamma = 0.5 } }   # or "cosine", "constant"
//! class_weights = "balanced"                          # or "none", or [1.0, 3.0]
//! patience = 10                                       # 0: no early stopping
//! validation_fraction = 0.2
//! backbone_learning_rate_scale = 1.0                  # 0.1: fine-tune a pretrained backbone
//!
//! [preprocess]
//! crop_size = 32
//! spacing = 1.0                                       # mm, or "native" (no resampling)
//! center = "centroid"                                 # or "bounding_box"
//! intensity = { ct = { window = [-160.0, 240.0] } }   # or "mr", "none"
//! mask_channel = true
//!
//! [augmentation]
//! max_shift = 3
//!
//! [model]
//! preset = "resnet18"                                 # then override single keys
//! embedding = 128
//!
//! [optimizer]
//! weight_decay = 1e-2
//! ```

use std::path::Path;

use burn::config::Config;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::augment::AugmentationConfig;
use crate::model::{Cnn3dConfig, ModelPreset};
use crate::preprocess::{CropCenter, Intensity, PreprocessConfig};

/// Learning-rate schedule over the optimisation steps of the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// The base learning rate throughout.
    Constant,
    /// Cosine annealing from the base rate at step 0 to `min_learning_rate` after the last
    /// step: `lr(t) = lr_min + ½ (lr − lr_min)(1 + cos(π t / T))`.
    Cosine,
    /// `lr · gamma^⌊epoch / every⌋`.
    Step {
        /// Epochs between decays.
        every: usize,
        /// Decay factor.
        gamma: f64,
    },
}

/// How the two classes are weighted in the cross-entropy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClassWeights {
    /// A named rule.
    Rule(ClassWeightRule),
    /// Explicit weights `[w₀, w₁]`.
    Explicit([f64; 2]),
}

/// Named class-weight rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassWeightRule {
    /// `w_c = n / (2 n_c)` over the training cases (scikit-learn's "balanced").
    Balanced,
    /// Both weights 1.
    None,
}

/// AdamW settings, with PyTorch's defaults written out (Burn's own defaults differ).
#[derive(Config, Debug, PartialEq)]
pub struct OptimizerConfig {
    /// Decay of the first-moment estimate (PyTorch `betas[0]`).
    #[config(default = 0.9)]
    pub beta_1: f64,
    /// Decay of the second-moment estimate (PyTorch `betas[1]`).
    #[config(default = 0.999)]
    pub beta_2: f64,
    /// Added to the root of the second moment (PyTorch `eps`).
    #[config(default = 1e-8)]
    pub epsilon: f64,
    /// Decoupled weight decay: each step multiplies the weights by `1 − lr · weight_decay`
    /// (PyTorch `AdamW(weight_decay=…)`, whose default is 0.01).
    #[config(default = 1e-2)]
    pub weight_decay: f64,
}

/// Everything a training run needs besides the data; see the module docs.
#[derive(Config, Debug, PartialEq)]
pub struct TrainingConfig {
    /// The network.
    pub model: Cnn3dConfig,
    /// The optimiser.
    pub optimizer: OptimizerConfig,
    /// Preprocessing of the cases.
    pub preprocess: PreprocessConfig,
    /// Augmentation of training batches.
    pub augmentation: AugmentationConfig,
    /// Seed of every random step (weights, split, order, augmentation, dropout).
    #[config(default = 42)]
    pub seed: u64,
    /// Maximum number of epochs.
    #[config(default = 30)]
    pub epochs: usize,
    /// Cases per optimisation step.
    #[config(default = 16)]
    pub batch_size: usize,
    /// Base learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Final learning rate of the cosine schedule.
    #[config(default = 0.0)]
    pub min_learning_rate: f64,
    /// The learning-rate schedule.
    #[config(default = "Schedule::Cosine")]
    pub schedule: Schedule,
    /// Class weights of the cross-entropy.
    #[config(default = "ClassWeights::Rule(ClassWeightRule::Balanced)")]
    pub class_weights: ClassWeights,
    /// Stop after this many epochs without a better validation AUC (0: never stop early).
    #[config(default = 10)]
    pub patience: usize,
    /// Fraction of the training cases held out (stratified) for early stopping when no
    /// validation cases are given.
    #[config(default = 0.2)]
    pub validation_fraction: f64,
    /// The learning rate of the stem and the residual stages as a multiple of the scheduled
    /// rate; the embedding layer and the head always get the scheduled rate. Below 1 when
    /// fine-tuning a pretrained backbone (e.g. 0.1), in (0, 1].
    #[config(default = 1.0)]
    pub backbone_learning_rate_scale: f64,
    /// SHA-256 of the pretrained weights the stem and stages started from (fine-tuning; set by
    /// the caller with [`crate::TrainOptions::init`]); `None`: weights drawn from the seed.
    pub pretrained_sha256: Option<String>,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig::new(
            Cnn3dConfig::new(),
            OptimizerConfig::new(),
            PreprocessConfig::new(),
            AugmentationConfig::new(),
        )
    }
}

impl TrainingConfig {
    /// Reads a TOML file (see the module docs) over the defaults and checks it.
    pub fn from_toml_file(path: &Path) -> crate::Result<TrainingConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        Self::from_toml_str(&text, Some(path))
    }

    /// Parses TOML text (see the module docs) over the defaults and checks it; `source` names
    /// the file in errors.
    pub fn from_toml_str(text: &str, source: Option<&Path>) -> crate::Result<TrainingConfig> {
        let config_error = |problems: Vec<String>| Error::Config {
            source_file: source.map(Path::to_path_buf),
            problems,
        };
        let raw: RawTraining =
            toml::from_str(text).map_err(|e| config_error(vec![e.to_string()]))?;
        let config = raw.apply(TrainingConfig::default());
        config.check().map_err(|problems| config_error(problems))?;
        Ok(config)
    }

    /// Reads a `config.json` written by a training run.
    pub fn from_json_file(path: &Path) -> crate::Result<TrainingConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        let config: TrainingConfig = serde_json::from_str(&text).map_err(|e| Error::Format {
            path: path.to_path_buf(),
            reason: format!("not a training config: {e}"),
        })?;
        config.check().map_err(|problems| Error::Config {
            source_file: Some(path.to_path_buf()),
            problems,
        })?;
        Ok(config)
    }

    /// The configuration as pretty JSON (the content of `config.json`).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| burn::config::config_to_json(self))
    }

    /// Every problem with the settings, each naming its key.
    pub fn check(&self) -> std::result::Result<(), Vec<String>> {
        let mut problems = Vec::new();
        problems.extend(self.model.problems());
        problems.extend(self.preprocess.problems());
        problems.extend(self.augmentation.problems());
        let o = &self.optimizer;
        if !(0.0..1.0).contains(&o.beta_1) || !(0.0..1.0).contains(&o.beta_2) {
            problems.push(format!(
                "optimizer.beta_1 = {}, beta_2 = {} must be in [0, 1)",
                o.beta_1, o.beta_2
            ));
        }
        if !(o.epsilon > 0.0 && o.epsilon.is_finite()) {
            problems.push(format!("optimizer.epsilon = {} must be > 0", o.epsilon));
        }
        if !(o.weight_decay >= 0.0 && o.weight_decay.is_finite()) {
            problems.push(format!("optimizer.weight_decay = {} must be ≥ 0", o.weight_decay));
        }
        if self.epochs == 0 {
            problems.push("epochs must be ≥ 1".into());
        }
        if self.batch_size == 0 {
            problems.push("batch_size must be ≥ 1".into());
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            problems.push(format!("learning_rate = {} must be > 0", self.learning_rate));
        }
        if !(self.min_learning_rate >= 0.0 && self.min_learning_rate <= self.learning_rate) {
            problems.push(format!(
                "min_learning_rate = {} must be in [0, learning_rate = {}]",
                self.min_learning_rate, self.learning_rate
            ));
        }
        if let Schedule::Step { every, gamma } = self.schedule
            && (every == 0 || !(gamma > 0.0 && gamma <= 1.0))
        {
            problems.push(format!(
                "schedule.step: every = {every} must be ≥ 1 and gamma = {gamma} in (0, 1]"
            ));
        }
        if let ClassWeights::Explicit(w) = self.class_weights
            && !w.iter().all(|v| v.is_finite() && *v > 0.0)
        {
            problems.push(format!("class_weights = {w:?} must be two positive numbers"));
        }
        let scale = self.backbone_learning_rate_scale;
        if !(scale > 0.0 && scale <= 1.0) {
            problems.push(format!("backbone_learning_rate_scale = {scale} must be in (0, 1]"));
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            problems.push(format!(
                "validation_fraction = {} must be in (0, 1)",
                self.validation_fraction
            ));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }

    /// The learning rate of optimisation step `step` (0-based) of `total_steps`, in epoch
    /// `epoch` (0-based).
    pub fn learning_rate_at(&self, step: usize, total_steps: usize, epoch: usize) -> f64 {
        match self.schedule {
            Schedule::Constant => self.learning_rate,
            Schedule::Cosine => {
                let t = step as f64 / total_steps.max(1) as f64;
                self.min_learning_rate
                    + 0.5
                        * (self.learning_rate - self.min_learning_rate)
                        * (1.0 + (std::f64::consts::PI * t).cos())
            }
            Schedule::Step { every, gamma } => {
                self.learning_rate * gamma.powi((epoch / every.max(1)) as i32)
            }
        }
    }
}

/// Copies every `Some` field of a raw section onto the config.
macro_rules! apply_fields {
    ($raw:expr, $target:expr, $($field:ident),* $(,)?) => {
        $(if let Some(v) = $raw.$field { $target.$field = v; })*
    };
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTraining {
    seed: Option<u64>,
    epochs: Option<usize>,
    batch_size: Option<usize>,
    learning_rate: Option<f64>,
    min_learning_rate: Option<f64>,
    schedule: Option<Schedule>,
    class_weights: Option<ClassWeights>,
    patience: Option<usize>,
    validation_fraction: Option<f64>,
    backbone_learning_rate_scale: Option<f64>,
    model: Option<RawModel>,
    optimizer: Option<RawOptimizer>,
    preprocess: Option<RawPreprocess>,
    augmentation: Option<RawAugmentation>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    preset: Option<ModelPreset>,
    stem_width: Option<usize>,
    stem_kernel: Option<usize>,
    stem_stride: Option<usize>,
    widths: Option<Vec<usize>>,
    blocks: Option<Vec<usize>>,
    strides: Option<Vec<usize>>,
    embedding: Option<usize>,
    dropout: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptimizer {
    beta_1: Option<f64>,
    beta_2: Option<f64>,
    epsilon: Option<f64>,
    weight_decay: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPreprocess {
    crop_size: Option<usize>,
    spacing: Option<RawSpacing>,
    center: Option<CropCenter>,
    intensity: Option<Intensity>,
    mask_channel: Option<bool>,
    sequences: Option<Vec<String>>,
}

/// `spacing = 1.0` (mm) or `spacing = "native"` (no resampling).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSpacing {
    Mm(f64),
    Named(NativeSpacing),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum NativeSpacing {
    Native,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAugmentation {
    enabled: Option<bool>,
    flip: Option<bool>,
    rotate90: Option<bool>,
    max_shift: Option<usize>,
    intensity_scale: Option<f64>,
    intensity_shift: Option<f64>,
    noise_std: Option<f64>,
}

impl RawTraining {
    fn apply(self, mut c: TrainingConfig) -> TrainingConfig {
        apply_fields!(
            self,
            c,
            seed,
            epochs,
            batch_size,
            learning_rate,
            min_learning_rate,
            schedule,
            class_weights,
            patience,
            validation_fraction,
            backbone_learning_rate_scale
        );
        if let Some(m) = self.model {
            if let Some(preset) = m.preset {
                c.model = Cnn3dConfig::preset(preset);
            }
            apply_fields!(
                m,
                c.model,
                stem_width,
                stem_kernel,
                stem_stride,
                widths,
                blocks,
                strides,
                embedding,
                dropout
            );
        }
        if let Some(o) = self.optimizer {
            apply_fields!(o, c.optimizer, beta_1, beta_2, epsilon, weight_decay);
        }
        if let Some(p) = self.preprocess {
            apply_fields!(p, c.preprocess, crop_size, center, intensity, mask_channel, sequences);
            match p.spacing {
                Some(RawSpacing::Mm(s)) => c.preprocess.spacing = Some(s),
                Some(RawSpacing::Named(NativeSpacing::Native)) => c.preprocess.spacing = None,
                None => {}
            }
        }
        if let Some(a) = self.augmentation {
            apply_fields!(
                a,
                c.augmentation,
                enabled,
                flip,
                rotate90,
                max_shift,
                intensity_scale,
                intensity_shift,
                noise_std
            );
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_overrides_defaults_and_preset() {
        let text = r#"
            seed = 7
            schedule = { step = { every = 10, gamma = 0.5 } }
            class_weights = [1.0, 3.0]
            [preprocess]
            crop_size = 28
            spacing = "native"
            intensity = { ct = { window = [0.0, 255.0] } }
            [model]
            preset = "resnet18"
            embedding = 128
        "#;
        let c = TrainingConfig::from_toml_str(text, None).unwrap();
        assert_eq!(c.seed, 7);
        assert_eq!(c.epochs, 30);
        assert_eq!(c.schedule, Schedule::Step { every: 10, gamma: 0.5 });
        assert_eq!(c.class_weights, ClassWeights::Explicit([1.0, 3.0]));
        assert_eq!(c.preprocess.intensity, Intensity::Ct { window: [0.0, 255.0] });
        assert_eq!(c.preprocess.spacing, None);
        assert_eq!(
            TrainingConfig::from_toml_str("[preprocess]\nspacing = 0.8", None)
                .unwrap()
                .preprocess
                .spacing,
            Some(0.8)
        );
        assert_eq!(c.model.widths, vec![64, 128, 256, 512]);
        assert_eq!(c.model.embedding, 128);
        // JSON round trip (config.json).
        let back: TrainingConfig = serde_json::from_str(&c.to_json()).unwrap();
        assert_eq!(back, c);
    }

    #[test]
    fn unknown_keys_and_all_range_problems_are_reported() {
        let err = TrainingConfig::from_toml_str("sede = 1", None).unwrap_err().to_string();
        assert!(err.contains("sede"), "{err}");
        let text = "epochs = 0\nlearning_rate = -1.0\n[model]\ndropout = 1.5";
        let err =
            TrainingConfig::from_toml_str(text, Some(Path::new("c.toml"))).unwrap_err().to_string();
        for key in ["c.toml", "epochs", "learning_rate", "model.dropout"] {
            assert!(err.contains(key), "{key} missing from {err}");
        }
    }

    #[test]
    fn schedules_by_hand() {
        let mut c = TrainingConfig::default().with_learning_rate(1.0).with_min_learning_rate(0.0);
        assert_eq!(c.learning_rate_at(0, 10, 0), 1.0);
        assert!((c.learning_rate_at(5, 10, 0) - 0.5).abs() < 1e-15);
        assert!(c.learning_rate_at(10, 10, 0).abs() < 1e-15);
        c.schedule = Schedule::Step { every: 2, gamma: 0.5 };
        assert_eq!(c.learning_rate_at(0, 10, 3), 0.5);
        assert_eq!(c.learning_rate_at(0, 10, 4), 0.25);
    }
}
