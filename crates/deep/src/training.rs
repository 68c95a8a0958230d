//! Training: the loss, one optimisation step, the epoch loop with early stopping, per-epoch
//! checkpoints and resuming.
//!
//! What a run writes in its output folder, and how, is described in [`crate::run_dir`]
//! ([`RunPaths`]): the resolved configuration before the first epoch, the best epoch's weights,
//! a checkpoint after every epoch (written so that an interruption at any point leaves the
//! previous one intact), and a [`TrainingSummary`] when the run ends.
//!
//! # Reproducibility
//!
//! All randomness comes from ChaCha streams derived from the seed: the weights
//! ([`Cnn3d::new`]), the inner validation split, each epoch's order, each sample's augmentation
//! and each batch's dropout mask are functions of `(seed, epoch, position)` only. With the CPU
//! backend and a fixed thread count, two runs with one seed produce bit-identical weights,
//! and a resumed run ends with the same bits as an uninterrupted one, on one kind of CPU: the
//! matrix kernels are picked at run time by CPU features (AVX-512, AVX2/FMA, …), so two CPU
//! kinds may differ at rounding level.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Tensor;
use burn::tensor::activation::{log_softmax, softmax};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::augment::{augment, mix, sample_rng};
use crate::config::{ClassWeightRule, ClassWeights, TrainingConfig};
use crate::data::{VolumeBatch, batch};
use crate::device::ComputeDevice;
use crate::inference::{TrainedModel, predict_batches};
use crate::metrics::roc_auc;
use crate::model::{Cnn3d, dropout_mask};
use crate::preprocess::Sample;
use crate::pretrained::{WeightFile, load_backbone};
use crate::run_dir::{
    EpochRecord, RunPaths, RunStatus, TrainingSummary, epoch_folder, load_module, load_optimizer,
    read_json, save_module, save_optimizer, write_atomic, write_json,
};
use crate::{Error, Result};

/// What the observer tells the loop after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop now, as an interruption would (the epoch's checkpoint is already written).
    Stop,
}

/// Facts about the run, given to the observer before the first epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingPlan {
    /// Epochs configured.
    pub epochs: usize,
    /// The first epoch that will run (greater than 1 when resuming).
    pub first_epoch: usize,
    /// Cases used for the optimisation.
    pub train_cases: usize,
    /// Cases used for early stopping.
    pub validation_cases: usize,
    /// Whether those come from an inner split of the training cases.
    pub inner_split: bool,
    /// Optimisation steps per epoch.
    pub batches_per_epoch: usize,
    /// Training class weights `[w₀, w₁]`.
    pub class_weights: [f64; 2],
}

/// `training on 128 cases, validating on 32 (inner split); class weights 1.000/1.000`.
impl std::fmt::Display for TrainingPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "training on {} cases, validating on {} ({}); class weights {:.3}/{:.3}",
            self.train_cases,
            self.validation_cases,
            if self.inner_split { "inner split" } else { "validation split" },
            self.class_weights[0],
            self.class_weights[1]
        )
    }
}

/// Receives progress; the command line draws its progress bar and writes the per-epoch table
/// from these calls. Every method has a do-nothing default.
pub trait TrainingObserver {
    /// Before the first epoch.
    fn start(&mut self, _plan: &TrainingPlan) {}
    /// After each optimisation step: epoch and batch (from 1), batches per epoch, the
    /// epoch's running mean loss.
    fn batch(&mut self, _epoch: usize, _batch: usize, _batches: usize, _loss: f64) {}
    /// After each epoch's checkpoint is written, with the whole history so far (including
    /// epochs before a resume). An `Err` aborts training with [`Error::Observer`].
    fn epoch(&mut self, _history: &[EpochRecord]) -> std::result::Result<Control, String> {
        Ok(Control::Continue)
    }
}

/// An observer that does nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl TrainingObserver for Silent {}

/// Run-time choices that are not part of the model's configuration.
#[derive(Debug, Clone, Default)]
pub struct TrainOptions {
    /// The backend.
    pub device: ComputeDevice,
    /// Continue the run in the output folder from its last checkpoint. Without it, a folder
    /// that already holds a run is an error.
    pub resume: bool,
    /// Where the stem and the residual stages of a fresh run start from (fine-tuning); `None`:
    /// weights drawn from the seed. Given exactly when the configuration's
    /// `pretrained_sha256` is set; a resumed run takes every weight from its checkpoint.
    pub init: Option<Init>,
}

/// Pretrained weights for the stem and the residual stages; the embedding layer and the head
/// are always new (drawn from the seed).
#[derive(Debug, Clone)]
pub enum Init {
    /// A pretrained ResNet ([`WeightFile`]); the configuration's model is its
    /// [`crate::backbone_config`].
    Weights(Arc<WeightFile>),
    /// The folder of a radlsig model (`radlsig train-cnn` on another cohort): the
    /// configuration's model must equal that model's up to the pooling (embedding width and
    /// dropout may differ).
    Model(PathBuf),
}

/// The per-run counters saved with each checkpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CheckpointState {
    /// Epochs finished.
    epoch: usize,
    /// Folder of the checkpoint, relative to `checkpoint/`.
    folder: String,
    best_epoch: Option<usize>,
    best_val_auc: Option<f64>,
    best_val_loss: f64,
    epochs_since_best: usize,
    history: Vec<EpochRecord>,
    /// Set when the run ended (completed or stopped early).
    finished: Option<RunStatus>,
    validation_ids: Vec<String>,
}

/// Class-weighted cross-entropy, `−Σ_i w_{y_i} log softmax(z_i)_{y_i} / Σ_i w_{y_i}`
/// (PyTorch's `cross_entropy(weight=w, reduction="mean")`).
///
/// # Shapes
/// `logits`: `[batch, 2]`; `targets`: `[batch, 2]` weighted one-hot ([`VolumeBatch::targets`]).
pub fn weighted_cross_entropy(logits: Tensor<2>, targets: Tensor<2>, weight_sum: f64) -> Tensor<1> {
    (log_softmax(logits, 1) * targets).sum().mul_scalar(-1.0 / weight_sum)
}

/// Trains a network on `train` and returns the model of the best validation epoch.
///
/// Early stopping uses `validation` when given, else a stratified inner split of `train`
/// (`validation_fraction`, seeded). Test cases must never be passed here. Every case needs a
/// label and the preprocessed shape of the first; both classes must occur in the training and
/// the validation cases. `config.model.in_channels` may be 0 (taken from the data).
pub fn train(
    config: &TrainingConfig,
    train: &[Sample],
    validation: Option<&[Sample]>,
    out_dir: &Path,
    options: &TrainOptions,
    observer: &mut dyn TrainingObserver,
) -> Result<TrainedModel> {
    let config_error = |problems: Vec<String>| Error::Config { source_file: None, problems };
    config.check().map_err(config_error)?;
    let shape = check_samples(train, None, "training")?;
    let mut config = config.clone();
    if config.model.in_channels == 0 {
        config.model.in_channels = shape[0];
    }
    if config.model.in_channels != shape[0] {
        return Err(config_error(vec![format!(
            "model.in_channels = {} but the cases have {} channels",
            config.model.in_channels, shape[0]
        )]));
    }
    if config.pretrained_sha256.is_some() != options.init.is_some() {
        return Err(config_error(vec![
            "pretrained_sha256 and the pretrained weights (TrainOptions::init) go together".into(),
        ]));
    }

    // Validation cases: given, or an inner split.
    let (train_part, validation_part, inner_split): (Vec<&Sample>, Vec<&Sample>, bool) =
        match validation {
            Some(v) => {
                check_samples(v, Some(shape), "validation")?;
                (train.iter().collect(), v.iter().collect(), false)
            }
            None => {
                let (t, v) = stratified_split(train, config.validation_fraction, config.seed);
                (t, v, true)
            }
        };
    check_both_classes(&train_part, "training")?;
    check_both_classes(&validation_part, "validation")?;
    let class_weights = class_weights(&config.class_weights, &train_part);

    let device = options.device.device()?;
    let train_device = device.clone().autodiff();
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io("create the folder", out_dir, e))?;
    let paths = RunPaths::new(out_dir);

    // Fresh start or resume.
    let fresh = || -> (Cnn3d, ModuleOptimizer) {
        (Cnn3d::new(&config.model, config.seed, &train_device), adamw(&config))
    };
    let (mut model, mut optimizer, mut state) = if paths.state.exists() {
        if !options.resume {
            return Err(Error::Data(format!(
                "{} already holds a training run; pass resume to continue it or choose another output folder",
                out_dir.display()
            )));
        }
        let saved = TrainingConfig::from_json_file(&paths.config)?;
        if saved != config {
            return Err(Error::Data(format!(
                "the configuration differs from the interrupted run's {}; resume needs the same settings",
                paths.config.display()
            )));
        }
        let state: CheckpointState = read_json(&paths.state)?;
        let (model, optimizer) = fresh();
        let saved = paths.epoch_checkpoint(&state.folder);
        let model = load_module(model, &saved.model)?;
        let optimizer = load_optimizer(optimizer, &saved.optimizer)?;
        let split_ids: Vec<String> = validation_part.iter().map(|s| s.id.clone()).collect();
        if split_ids != state.validation_ids {
            return Err(Error::Data(
                "the validation cases differ from the interrupted run's".into(),
            ));
        }
        (model, optimizer, state)
    } else {
        let model = initial_model(&config, options.init.as_ref(), &train_device)?;
        write_atomic(&paths.config, config.to_json().as_bytes())?;
        let optimizer = adamw(&config);
        let state = CheckpointState {
            epoch: 0,
            folder: String::new(),
            best_epoch: None,
            best_val_auc: None,
            best_val_loss: f64::INFINITY,
            epochs_since_best: 0,
            history: Vec::new(),
            finished: None,
            validation_ids: validation_part.iter().map(|s| s.id.clone()).collect(),
        };
        (model, optimizer, state)
    };

    // The embedding layer and the head step at the scheduled rate, the rest at its
    // backbone_learning_rate_scale multiple (one optimizer: its state is per parameter).
    let head_ids = model.head_param_ids();
    let batches_per_epoch = train_part.len().div_ceil(config.batch_size);
    let total_steps = batches_per_epoch * config.epochs;
    observer.start(&TrainingPlan {
        epochs: config.epochs,
        first_epoch: state.epoch + 1,
        train_cases: train_part.len(),
        validation_cases: validation_part.len(),
        inner_split,
        batches_per_epoch,
        class_weights,
    });
    let image_channels = shape[0] - usize::from(config.preprocess.mask_channel);
    let validation_labels: Vec<u8> = validation_part.iter().map(|s| s.label.unwrap_or(0)).collect();
    let mut status = state.finished;

    while status.is_none() && state.epoch < config.epochs {
        let epoch = state.epoch; // 0-based index of the epoch being run
        let started = Instant::now();
        let mut order: Vec<usize> = (0..train_part.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(mix(&[
            config.seed,
            0x0DE5_0001,
            epoch as u64,
        ])));
        let mut loss_sum = 0.0;
        let mut weight_total = 0.0;
        let mut scores = Vec::with_capacity(order.len());
        let mut labels = Vec::with_capacity(order.len());
        let first_lr = config.learning_rate_at(epoch * batches_per_epoch, total_steps, epoch);
        for (b, chunk) in order.chunks(config.batch_size).enumerate() {
            let step = epoch * batches_per_epoch + b;
            let volumes: Vec<ndarray::Array4<f32>> = chunk
                .par_iter()
                .enumerate()
                .map(|(i, &index)| {
                    let sample = &train_part[index].volume;
                    if config.augmentation.enabled {
                        let mut rng = sample_rng(config.seed, epoch, b * config.batch_size + i);
                        augment(sample.view(), image_channels, &config.augmentation, &mut rng)
                    } else {
                        sample.clone()
                    }
                })
                .collect();
            let batch_labels: Vec<u8> =
                chunk.iter().map(|&i| train_part[i].label.unwrap_or(0)).collect();
            let VolumeBatch { volumes, targets, weight_sum, .. } = batch(
                volumes.iter().map(|v| v.view()),
                &batch_labels,
                class_weights,
                &train_device,
            );
            let keep = (config.model.dropout > 0.0).then(|| {
                let mut rng = ChaCha8Rng::seed_from_u64(mix(&[
                    config.seed,
                    0xD80F_0001,
                    epoch as u64,
                    b as u64,
                ]));
                dropout_mask(
                    chunk.len(),
                    config.model.embedding,
                    config.model.dropout,
                    &mut rng,
                    &train_device,
                )
            });
            let output = model.forward(volumes, keep);
            let loss = weighted_cross_entropy(output.logits.clone(), targets, weight_sum);
            let loss_value = loss.clone().into_scalar::<f32>() as f64;
            if !loss_value.is_finite() {
                return Err(Error::Diverged { epoch: epoch + 1, batch: b + 1, loss: loss_value });
            }
            let mut gradients = loss.backward();
            let head_grads = GradientsParams::from_params(&mut gradients, &model, &head_ids);
            let backbone_grads = GradientsParams::from_grads(gradients, &model);
            let lr = config.learning_rate_at(step, total_steps, epoch);
            model = optimizer.step(lr * config.backbone_learning_rate_scale, model, backbone_grads);
            model = optimizer.step(lr, model, head_grads);

            let probabilities =
                softmax(output.logits.detach(), 1).try_into_vec_as::<f32>().map_err(|e| {
                    Error::Data(format!("reading probabilities from the device: {e:?}"))
                })?;
            scores.extend(probabilities.chunks(2).map(|p| p[1] as f64));
            labels.extend_from_slice(&batch_labels);
            loss_sum += loss_value * weight_sum;
            weight_total += weight_sum;
            observer.batch(epoch + 1, b + 1, batches_per_epoch, loss_sum / weight_total);
        }

        // Validation in inference mode.
        let inference = model.valid();
        let val_scores =
            predict_batches(&inference, &validation_part, config.batch_size, &device)?.1;
        let val_auc = roc_auc(&val_scores, &validation_labels);
        let val_loss = weighted_log_loss(&val_scores, &validation_labels, class_weights);
        let train_auc = roc_auc(&scores, &labels);
        // Better: a higher validation AUC, or the same AUC with a lower validation loss.
        let improved = match (val_auc, state.best_val_auc) {
            (Some(a), Some(best)) => a > best || (a == best && val_loss < state.best_val_loss),
            (Some(_), None) => true,
            (None, _) => false,
        };
        state.epoch = epoch + 1;
        if improved {
            state.best_val_auc = val_auc;
            state.best_val_loss = val_loss;
            state.best_epoch = Some(epoch + 1);
            state.epochs_since_best = 0;
            save_module(&model, &paths.model)?;
        } else {
            state.epochs_since_best += 1;
        }
        state.history.push(EpochRecord {
            epoch: epoch + 1,
            loss: loss_sum / weight_total,
            train_auc,
            val_auc,
            val_loss,
            learning_rate: first_lr,
            seconds: started.elapsed().as_secs_f64(),
            best: improved,
        });
        if config.patience > 0 && state.epochs_since_best >= config.patience {
            status = Some(RunStatus::EarlyStopped);
        } else if state.epoch == config.epochs {
            status = Some(RunStatus::Completed);
        }
        state.finished = status;
        write_checkpoint(&paths, &mut state, &model, &optimizer)?;
        match observer.epoch(&state.history).map_err(Error::Observer)? {
            Control::Continue => {}
            Control::Stop if status.is_none() => status = Some(RunStatus::Interrupted),
            Control::Stop => {}
        }
    }

    let status = status.unwrap_or(RunStatus::Completed);
    let summary = TrainingSummary {
        status,
        best_epoch: state.best_epoch,
        best_val_auc: state.best_val_auc,
        epochs_run: state.epoch,
        train_cases: train_part.len(),
        validation_ids: state.validation_ids.clone(),
        inner_split,
        device: options.device.name().to_string(),
        history: state.history.clone(),
    };
    if status != RunStatus::Interrupted {
        write_json(&paths.summary, &summary)?;
    }
    let mut trained = TrainedModel::load(out_dir, options.device)?;
    trained.summary = Some(summary);
    Ok(trained)
}

/// The network a fresh run starts from: weights drawn from the seed, with the stem and the
/// stages of `init` when given.
fn initial_model(
    config: &TrainingConfig,
    init: Option<&Init>,
    device: &burn::tensor::Device,
) -> Result<Cnn3d> {
    let model = Cnn3d::new(&config.model, config.seed, device);
    match init {
        None => Ok(model),
        Some(Init::Weights(file)) => load_backbone(model, &config.model, file),
        Some(Init::Model(dir)) => {
            let paths = RunPaths::new(dir);
            let source = TrainingConfig::from_json_file(&paths.config)?.model;
            if config.model.clone().with_head_of(&source) != source {
                return Err(Error::Config {
                    source_file: Some(paths.config.clone()),
                    problems: vec![format!(
                        "the pretrained model's architecture {source:?} differs from the run's \
                         {:?} before the embedding layer",
                        config.model
                    )],
                });
            }
            let source = load_module(Cnn3d::new(&source, 0, device), &paths.model)?;
            Ok(model.with_backbone_of(source))
        }
    }
}

fn adamw(config: &TrainingConfig) -> ModuleOptimizer {
    let o = &config.optimizer;
    AdamWConfig::new()
        .with_beta_1(o.beta_1 as f32)
        .with_beta_2(o.beta_2 as f32)
        .with_epsilon(o.epsilon as f32)
        .with_weight_decay(o.weight_decay as f32)
        .init()
}

/// Checks that every sample has a label and the shape `shape` (or the first one's); returns it.
fn check_samples(samples: &[Sample], shape: Option<[usize; 4]>, what: &str) -> Result<[usize; 4]> {
    let first = samples.first().ok_or_else(|| Error::Data(format!("no {what} cases")))?;
    let s = first.volume.shape();
    let expected = shape.unwrap_or([s[0], s[1], s[2], s[3]]);
    let mut ids = BTreeSet::new();
    for sample in samples {
        if sample.label.is_none() {
            return Err(Error::Data(format!("{what} case {} has no label", sample.id)));
        }
        if sample.volume.shape() != expected {
            return Err(Error::Data(format!(
                "{what} case {} has input shape {:?}, expected {expected:?}",
                sample.id,
                sample.volume.shape()
            )));
        }
        if !ids.insert(sample.id.as_str()) {
            return Err(Error::Data(format!("{what} case id {} occurs twice", sample.id)));
        }
    }
    Ok(expected)
}

fn check_both_classes(samples: &[&Sample], what: &str) -> Result<()> {
    let positives = samples.iter().filter(|s| s.label == Some(1)).count();
    if positives == 0 || positives == samples.len() {
        return Err(Error::Data(format!(
            "the {what} cases ({}) need both classes for a validation AUC; they have {positives} positive",
            samples.len()
        )));
    }
    Ok(())
}

/// A stratified split: in each class, a seeded shuffle, and `round(fraction · n_c)` cases
/// (at least 1, at most `n_c − 1`) go to validation. Both parts keep the input order.
fn stratified_split(samples: &[Sample], fraction: f64, seed: u64) -> (Vec<&Sample>, Vec<&Sample>) {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(&[seed, 0x5B17_0001]));
    // Classes 0 then 1, at least one case of each on either side; unlabelled cases stay.
    let labels: Vec<Option<u8>> = samples.iter().map(|s| s.label).collect();
    let held_out =
        radlsig_stats::stratified_holdout(&labels, &[Some(0), Some(1)], fraction, 1, &mut rng);
    let train = samples.iter().zip(&held_out).filter(|(_, h)| !**h).map(|(s, _)| s).collect();
    let validation = samples.iter().zip(&held_out).filter(|(_, h)| **h).map(|(s, _)| s).collect();
    (train, validation)
}

/// `−Σ_i w_{y_i} log p_i(y_i) / Σ_i w_{y_i}` from class-1 probabilities (clamped to
/// `[1e-7, 1 − 1e-7]` so that a confident mistake costs a finite amount).
fn weighted_log_loss(probabilities: &[f64], labels: &[u8], weights: [f64; 2]) -> f64 {
    let mut total = 0.0;
    let mut weight_sum = 0.0;
    for (&p, &y) in probabilities.iter().zip(labels) {
        let class = usize::from(y != 0);
        let p = p.clamp(1e-7, 1.0 - 1e-7);
        total -= weights[class] * if class == 1 { p.ln() } else { (1.0 - p).ln() };
        weight_sum += weights[class];
    }
    total / weight_sum
}

fn class_weights(rule: &ClassWeights, samples: &[&Sample]) -> [f64; 2] {
    match rule {
        ClassWeights::Explicit(w) => *w,
        ClassWeights::Rule(ClassWeightRule::None) => [1.0, 1.0],
        ClassWeights::Rule(ClassWeightRule::Balanced) => {
            let n = samples.len() as f64;
            let n1 = samples.iter().filter(|s| s.label == Some(1)).count() as f64;
            [n / (2.0 * (n - n1)), n / (2.0 * n1)]
        }
    }
}

fn write_checkpoint(
    paths: &RunPaths,
    state: &mut CheckpointState,
    model: &Cnn3d,
    optimizer: &ModuleOptimizer,
) -> Result<()> {
    let previous = state.folder.clone();
    state.folder = epoch_folder(state.epoch);
    let files = paths.epoch_checkpoint(&state.folder);
    std::fs::create_dir_all(&files.folder)
        .map_err(|e| Error::io("create the folder", &files.folder, e))?;
    save_module(model, &files.model)?;
    save_optimizer(optimizer, &files.optimizer)?;
    write_json(&paths.state, state)?;
    if !previous.is_empty() && previous != state.folder {
        // The old checkpoint is no longer referenced; failing to delete it is harmless.
        let _ = std::fs::remove_dir_all(paths.epoch_checkpoint(&previous).folder);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array4;

    fn sample(id: usize, label: u8) -> Sample {
        Sample { id: format!("c{id}"), label: Some(label), volume: Array4::zeros((1, 2, 2, 2)) }
    }

    #[test]
    fn split_is_stratified_seeded_and_disjoint() {
        let samples: Vec<Sample> = (0..50).map(|i| sample(i, u8::from(i % 5 == 0))).collect();
        let (t, v) = stratified_split(&samples, 0.2, 3);
        assert_eq!(v.len(), 10); // 2 of 10 positives + 8 of 40 negatives
        assert_eq!(v.iter().filter(|s| s.label == Some(1)).count(), 2);
        assert_eq!(t.len() + v.len(), 50);
        let (t2, v2) = stratified_split(&samples, 0.2, 3);
        assert_eq!(
            v.iter().map(|s| &s.id).collect::<Vec<_>>(),
            v2.iter().map(|s| &s.id).collect::<Vec<_>>()
        );
        assert_eq!(t.len(), t2.len());
        let (_, v3) = stratified_split(&samples, 0.2, 4);
        assert_ne!(
            v.iter().map(|s| &s.id).collect::<Vec<_>>(),
            v3.iter().map(|s| &s.id).collect::<Vec<_>>()
        );
    }

    #[test]
    fn weighted_log_loss_by_hand() {
        // −(2 ln 0.75 + 1 ln 0.5) / 3 with class 1 weighted 2.
        let loss = weighted_log_loss(&[0.75, 0.5], &[1, 0], [1.0, 2.0]);
        assert!((loss + (2.0 * 0.75f64.ln() + 0.5f64.ln()) / 3.0).abs() < 1e-15);
    }

    #[test]
    fn balanced_weights_by_hand() {
        // 8 negatives, 2 positives: w0 = 10 / 16, w1 = 10 / 4.
        let samples: Vec<Sample> = (0..10).map(|i| sample(i, u8::from(i < 2))).collect();
        let refs: Vec<&Sample> = samples.iter().collect();
        assert_eq!(
            class_weights(&ClassWeights::Rule(ClassWeightRule::Balanced), &refs),
            [0.625, 2.5]
        );
    }

    #[test]
    fn weighted_cross_entropy_by_hand() {
        let device = burn::tensor::Device::flex();
        // logits (0, ln 3): p = (1/4, 3/4). Row 1 label 1 weight 2, row 2 label 0 weight 1 with
        // logits (0, 0): p = ½. Loss = −(2 ln ¾ + 1 ln ½) / 3.
        let logits = Tensor::<2>::from_data([[0.0f32, 3f32.ln()], [0.0, 0.0]], &device);
        let targets = Tensor::<2>::from_data([[0.0f32, 2.0], [1.0, 0.0]], &device);
        let loss = weighted_cross_entropy(logits, targets, 3.0).into_scalar::<f32>() as f64;
        let expected = -(2.0 * 0.75f64.ln() + 0.5f64.ln()) / 3.0;
        assert!((loss - expected).abs() < 1e-6, "{loss} vs {expected}");
    }
}
