//! Deep-learning signatures for radlsig: a 3D CNN trained with [Burn](https://burn.dev) on
//! tumour-centred crops, its checkpoints, and deep-feature embeddings.
//!
//! The main types:
//!
//! - [`PreprocessConfig`] and [`preprocess`] — a case's images and mask ([`CaseImages`]) to a
//!   `[channels, depth, height, width]` cube: isotropic resampling, a crop centred on the mask,
//!   padding, intensity normalisation per modality, the mask as an optional channel.
//!   [`PreprocessCache`] keeps the cubes on disk.
//! - [`AugmentationConfig`] and [`augment`] — seeded flips, 90° rotations, shifts, intensity
//!   changes and noise.
//! - [`Cnn3dConfig`] and [`Cnn3d`] — the residual 3D CNN (BatchNorm, ReLU, dropout, global
//!   average pooling, an embedding layer, a two-class head), with a ResNet-18-3D preset.
//! - [`TrainingConfig`] — everything a run needs (TOML in, `config.json` out); [`train`] runs
//!   AdamW with a learning-rate schedule, class-weighted cross-entropy and early stopping on
//!   the validation AUC ([`roc_auc`]), checkpointing every epoch and resuming.
//! - [`RunPaths`] — the files of a run folder (`config.json`, `model.bpk`, `checkpoint/`,
//!   `training.json` with its [`TrainingSummary`], `epochs.csv`).
//! - [`TrainedModel`] and [`embed`] — a trained model rebuilt from its folder, and the deep
//!   features and probabilities of new cases.
//! - [`split_cases`], [`resolve_sequences`] and [`prepare_samples`] — a cohort manifest's
//!   cases sorted into training, validation and held-out (test) cases, read and preprocessed.
//! - [`WeightFile`], [`backbone_config`] and [`load_backbone`] — a pretrained 3D ResNet
//!   (MedicalNet / MONAI names; PyTorch `.pth`/`.pt` or safetensors) as a [`Cnn3d`], whose
//!   globally pooled maps ([`Cnn3d::pooled`]) are the frozen backbone's deep features; with
//!   [`Init`] in [`TrainOptions`], [`train`] fine-tunes such a backbone (or another radlsig
//!   model's) under a new head, the backbone at `backbone_learning_rate_scale` × the rate.
//! - [`ComputeDevice`] — the backend, always named explicitly: `cpu` (Burn's flex backend, the
//!   default and the only one CI builds), `ndarray` and `wgpu` behind cargo features.
//!
//! ```no_run
//! use radlsig_deep::{ComputeDevice, Silent, TrainOptions, TrainingConfig, embed, train};
//! # fn demo(train_cases: Vec<radlsig_deep::Sample>) -> radlsig_deep::Result<()> {
//! let config = TrainingConfig::default().with_epochs(5);
//! let options = TrainOptions { device: ComputeDevice::Cpu, resume: false, init: None };
//! let model = train(&config, &train_cases, None, "run".as_ref(), &options, &mut Silent)?;
//! let embeddings = embed(&model, &train_cases)?;
//! assert_eq!(embeddings.features.ncols(), config.model.embedding);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod augment;
mod cohort;
mod config;
mod data;
mod device;
mod error;
mod inference;
mod metrics;
mod model;
mod preprocess;
mod pretrained;
mod run_dir;
mod training;

pub use augment::{AugmentationConfig, augment, sample_rng};
pub use cohort::{CohortSplit, prepare_samples, read_case, resolve_sequences, split_cases};
pub use config::{ClassWeightRule, ClassWeights, OptimizerConfig, Schedule, TrainingConfig};
pub use data::{VolumeBatch, batch, stack_volumes};
pub use device::ComputeDevice;
pub use error::{Error, Result};
pub use inference::{Embeddings, TrainedModel, embed};
pub use metrics::roc_auc;
pub use model::{
    Cnn3d, Cnn3dConfig, Cnn3dOutput, ConvBn3d, ModelPreset, ResidualBlock3d, Shortcut, dropout_mask,
};
pub use preprocess::{
    CaseImages, CropCenter, Intensity, PreprocessCache, PreprocessConfig, Sample, preprocess,
};
pub use pretrained::{Backbone, ResnetLayout, WeightFile, backbone_config, load_backbone};
// The kernels crate's operations, re-exported so that callers of radlsig-deep keep their paths.
pub use radlsig_kernels::{BatchNormExt, Conv3dExt, batch_norm, conv3d, conv3d_affine};
pub use run_dir::{EpochRecord, RunPaths, RunStatus, TrainingSummary};
pub use training::{
    Control, Init, Silent, TrainOptions, TrainingObserver, TrainingPlan, train,
    weighted_cross_entropy,
};
