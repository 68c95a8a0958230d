//! End-to-end checks of training on tiny synthetic volumes (seconds each on two cores).
//!
//! The synthetic task: a bright cube in class 1, a dim one in class 0, at random positions
//! in 8³ volumes with noise; a network that learns anything separates them.

use std::path::Path;

use ndarray::Array4;
use radlsig_deep::{
    Cnn3dConfig, ComputeDevice, Control, EpochRecord, RunStatus, Sample, Silent, TrainOptions,
    TrainedModel, TrainingConfig, TrainingObserver, embed, train,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn synthetic(n: usize, seed: u64) -> Vec<Sample> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let label = (i % 2) as u8;
            let level = if label == 1 { 1.0 } else { 0.3 };
            let [z0, y0, x0] =
                [rng.random_range(1..4), rng.random_range(1..4), rng.random_range(1..4)];
            let mut v = Array4::from_shape_fn((1, 8, 8, 8), |_| rng.random_range(-0.2f32..0.2));
            for z in z0..z0 + 3 {
                for y in y0..y0 + 3 {
                    for x in x0..x0 + 3 {
                        v[[0, z, y, x]] += level;
                    }
                }
            }
            Sample { id: format!("case{i:03}"), label: Some(label), volume: v }
        })
        .collect()
}

fn tiny_config(epochs: usize) -> TrainingConfig {
    let mut c = TrainingConfig::default();
    c.model = Cnn3dConfig::new()
        .with_stem_width(4)
        .with_stem_stride(1)
        .with_widths(vec![8])
        .with_blocks(vec![1])
        .with_strides(vec![2])
        .with_embedding(8)
        .with_dropout(0.2);
    c.preprocess.crop_size = 8;
    c.preprocess.mask_channel = false;
    c.augmentation.max_shift = 1;
    c.epochs = epochs;
    c.batch_size = 8;
    c.learning_rate = 1e-2;
    c.patience = 0;
    c
}

fn options() -> TrainOptions {
    TrainOptions { device: ComputeDevice::Cpu, resume: false, init: None }
}

/// The values of a run's best model (files also hold random parameter ids, so bytes differ).
fn weights(dir: &Path) -> Vec<(String, Vec<f32>)> {
    TrainedModel::load(dir, ComputeDevice::Cpu).unwrap().network().parameters()
}

/// The weights of the last checkpoint (epoch 4), by value.
fn load_checkpoint(dir: &Path) -> Vec<(String, Vec<f32>)> {
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(dir.join("config.json"), copy.path().join("config.json")).unwrap();
    std::fs::copy(dir.join("checkpoint/epoch-0004/model.bpk"), copy.path().join("model.bpk"))
        .unwrap();
    weights(copy.path())
}

#[test]
fn learns_a_tiny_set_to_full_training_accuracy() {
    let samples = synthetic(24, 1);
    let mut config = tiny_config(30);
    config.augmentation.enabled = false;
    config.model.dropout = 0.0;
    let dir = tempfile::tempdir().unwrap();
    // Validate on the training cases themselves: this test is about fitting.
    let model =
        train(&config, &samples, Some(&samples), dir.path(), &options(), &mut Silent).unwrap();
    let out = embed(&model, &samples).unwrap();
    let probabilities = out.probabilities.as_ref().unwrap();
    let correct = probabilities
        .iter()
        .zip(&samples)
        .filter(|(p, s)| (**p > 0.5) == (s.label == Some(1)))
        .count();
    assert_eq!(
        correct,
        samples.len(),
        "training accuracy {correct}/{}: {:?}",
        samples.len(),
        probabilities
    );
    let summary = model.summary.as_ref().unwrap();
    assert_eq!(summary.status, RunStatus::Completed);
    assert_eq!(summary.best_val_auc, Some(1.0));
    assert_eq!(out.features.dim(), (24, 8));
}

#[test]
fn same_seed_same_bits_and_save_load_round_trip() {
    let samples = synthetic(16, 2);
    let config = tiny_config(2);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let model_a = train(&config, &samples, None, a.path(), &options(), &mut Silent).unwrap();
    let model_b = train(&config, &samples, None, b.path(), &options(), &mut Silent).unwrap();
    let (wa, wb) = (weights(a.path()), weights(b.path()));
    assert!(wa == wb, "same seed, different weights");
    assert!(
        wa.iter().any(|(name, _)| name.ends_with("running_var")),
        "running statistics are saved"
    );
    let ea = embed(&model_a, &samples).unwrap();
    let eb = embed(&model_b, &samples).unwrap();
    assert_eq!(ea, eb);
    // Reloaded from disk: identical outputs.
    let reloaded = TrainedModel::load(a.path(), ComputeDevice::Cpu).unwrap();
    assert_eq!(embed(&reloaded, &samples).unwrap(), ea);
    assert_eq!(reloaded.config(), model_a.config());
    // A different seed gives different weights.
    let c = tempfile::tempdir().unwrap();
    train(&config.clone().with_seed(43), &samples, None, c.path(), &options(), &mut Silent)
        .unwrap();
    assert!(weights(a.path()) != weights(c.path()), "another seed gave the same weights");
}

/// Stops after `after` epochs, as an interruption would.
struct StopAfter(usize);

impl TrainingObserver for StopAfter {
    fn epoch(&mut self, history: &[EpochRecord]) -> Result<Control, String> {
        Ok(if history.len() >= self.0 { Control::Stop } else { Control::Continue })
    }
}

#[test]
fn resume_ends_where_an_uninterrupted_run_ends() {
    let samples = synthetic(16, 3);
    let config = tiny_config(4);
    let whole = tempfile::tempdir().unwrap();
    let full = train(&config, &samples, None, whole.path(), &options(), &mut Silent).unwrap();
    assert_eq!(full.summary.as_ref().unwrap().status, RunStatus::Completed);

    let parts = tempfile::tempdir().unwrap();
    let first =
        train(&config, &samples, None, parts.path(), &options(), &mut StopAfter(2)).unwrap();
    assert_eq!(first.summary.as_ref().unwrap().status, RunStatus::Interrupted);
    // Without `resume`, the folder is refused.
    let refused =
        train(&config, &samples, None, parts.path(), &options(), &mut Silent).unwrap_err();
    assert!(refused.to_string().contains("resume"), "{refused}");
    let resumed_options = TrainOptions { resume: true, ..options() };
    let resumed =
        train(&config, &samples, None, parts.path(), &resumed_options, &mut Silent).unwrap();
    let summary = resumed.summary.as_ref().unwrap();
    assert_eq!(summary.status, RunStatus::Completed);
    assert_eq!(summary.history.len(), 4);

    assert!(weights(whole.path()) == weights(parts.path()), "best model differs after resume");
    let whole_last = load_checkpoint(whole.path());
    assert!(whole_last == load_checkpoint(parts.path()), "last checkpoint differs after resume");
    let full_history: Vec<_> =
        full.summary.as_ref().unwrap().history.iter().map(|h| (h.loss, h.val_auc)).collect();
    let resumed_history: Vec<_> = summary.history.iter().map(|h| (h.loss, h.val_auc)).collect();
    assert_eq!(full_history, resumed_history);
    // Resuming with other settings is refused.
    let err = train(
        &config.clone().with_epochs(5),
        &samples,
        None,
        parts.path(),
        &resumed_options,
        &mut Silent,
    )
    .unwrap_err();
    assert!(err.to_string().contains("configuration differs"), "{err}");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let samples = synthetic(8, 4);
    let dir = tempfile::tempdir().unwrap();
    let config = tiny_config(1);
    let mut unlabelled = samples.clone();
    unlabelled[3].label = None;
    let err = train(&config, &unlabelled, None, dir.path(), &options(), &mut Silent).unwrap_err();
    assert!(err.to_string().contains("case003 has no label"), "{err}");
    let one_class: Vec<Sample> = samples.iter().filter(|s| s.label == Some(0)).cloned().collect();
    let err = train(&config, &one_class, None, dir.path(), &options(), &mut Silent).unwrap_err();
    assert!(err.to_string().contains("both classes"), "{err}");
    let mut mixed = samples.clone();
    mixed[2].volume = Array4::zeros((1, 6, 6, 6));
    let err = train(&config, &mixed, None, dir.path(), &options(), &mut Silent).unwrap_err();
    assert!(err.to_string().contains("case002 has input shape [1, 6, 6, 6]"), "{err}");
}
