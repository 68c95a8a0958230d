//! Fine-tuning: a pretrained backbone (a PyTorch fixture of `scripts/make_pretrained_fixture.py`,
//! or another radlsig model) under a new embedding layer and head, the backbone at a lower
//! learning rate.
//!
//! The reference is AdamW's first step by hand: with the moments' bias correction, m̂ = g and
//! v̂ = g², so without weight decay every parameter moves by `lr · g / (|g| + ε)` — at most `lr`,
//! and `lr` to within ε/|g| wherever the gradient is not tiny. After one step the backbone's
//! parameters must therefore sit within `lr · scale` of the pretrained values (and reach it
//! somewhere), and the new layers within `lr` of their seeded initial values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use burn::tensor::Device;
use ndarray::Array4;
use radlsig_deep::{
    Cnn3d, Cnn3dConfig, ComputeDevice, Control, EpochRecord, Init, ResnetLayout, Sample, Schedule,
    Silent, TrainOptions, TrainedModel, TrainingConfig, TrainingObserver, WeightFile,
    backbone_config, load_backbone, train,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn weight_file() -> WeightFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pretrained/resnet10_b.safetensors");
    WeightFile::read(&path).unwrap()
}

/// Bright or dim cubes in noise, 16³, one channel.
fn samples(n: usize, seed: u64) -> Vec<Sample> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let label = (i % 2) as u8;
            let level = if label == 1 { 1.0 } else { 0.2 };
            let mut v = Array4::from_shape_fn((1, 16, 16, 16), |_| rng.random_range(-0.3f32..0.3));
            let o = rng.random_range(2..8);
            for z in o..o + 6 {
                for y in o..o + 6 {
                    for x in o..o + 6 {
                        v[[0, z, y, x]] += level;
                    }
                }
            }
            Sample { id: format!("c{seed}-{i:02}"), label: Some(label), volume: v }
        })
        .collect()
}

/// One optimisation step per epoch (every training case in one batch), constant rate, no
/// weight decay, augmentation or dropout.
fn one_step_config(model: Cnn3dConfig, scale: f64) -> TrainingConfig {
    let mut c = TrainingConfig::default();
    c.model = model;
    c.preprocess.crop_size = 16;
    c.preprocess.mask_channel = false;
    c.augmentation.enabled = false;
    c.optimizer.weight_decay = 0.0;
    c.schedule = Schedule::Constant;
    c.learning_rate = 1e-3;
    c.epochs = 1;
    c.batch_size = 8;
    c.patience = 0;
    c.backbone_learning_rate_scale = scale;
    c.pretrained_sha256 = Some("fixture".into());
    c
}

/// Every trained parameter of a network (not BatchNorm's running statistics, which the forward
/// pass updates), by path, as f64.
fn parameters(model: &Cnn3d) -> BTreeMap<String, Vec<f64>> {
    model
        .parameters()
        .into_iter()
        .filter(|(path, _)| !path.ends_with("running_mean") && !path.ends_with("running_var"))
        .map(|(path, v)| (path, v.into_iter().map(f64::from).collect()))
        .collect()
}

/// The largest `|after − before|` less the f32 rounding of the values (2 ulp of the larger).
fn largest_step(before: &[f64], after: &[f64]) -> f64 {
    before
        .iter()
        .zip(after)
        .map(|(x, y)| (x - y).abs() - 2.0 * f64::from(f32::EPSILON) * x.abs().max(y.abs()))
        .fold(0.0, f64::max)
}

fn is_new_layer(path: &str) -> bool {
    path.starts_with("embedding.") || path.starts_with("head.")
}

/// The largest step (f32 rounding aside) of the backbone's and of the new layers' parameters from `before` to
/// `after`.
fn largest_steps(before: &Cnn3d, after: &Cnn3d) -> (f64, f64) {
    let (b, a) = (parameters(before), parameters(after));
    assert_eq!(b.keys().collect::<Vec<_>>(), a.keys().collect::<Vec<_>>());
    let mut steps = (0.0f64, 0.0f64);
    for (path, old) in &b {
        let worst = largest_step(old, &a[path]);
        let slot = if is_new_layer(path) { &mut steps.1 } else { &mut steps.0 };
        *slot = slot.max(worst);
    }
    steps
}

fn options(init: Option<Init>) -> TrainOptions {
    TrainOptions { device: ComputeDevice::Cpu, resume: false, init }
}

#[test]
fn a_finetuned_backbone_starts_from_the_file_and_steps_at_its_scaled_rate() {
    let file = Arc::new(weight_file());
    let base = Cnn3dConfig::new().with_embedding(8).with_dropout(0.0);
    let model = backbone_config(&file, ResnetLayout::Medicalnet, 1, &base).unwrap();
    let config = one_step_config(model, 0.1);
    let dir = tempfile::tempdir().unwrap();
    let (train_cases, validation) = (samples(8, 1), samples(6, 2));
    let init = Some(Init::Weights(file.clone()));
    let trained =
        train(&config, &train_cases, Some(&validation), dir.path(), &options(init), &mut Silent)
            .unwrap();
    assert_eq!(trained.summary.as_ref().unwrap().best_epoch, Some(1));

    // The start, built independently: seeded weights, then the file's backbone.
    let device = Device::flex();
    let start =
        load_backbone(Cnn3d::new(&config.model, config.seed, &device), &config.model, &file)
            .unwrap();
    let (backbone, head) = largest_steps(&start, trained.network());
    let lr = config.learning_rate;
    eprintln!("largest steps: backbone {backbone:e} (lr·0.1 = {:e}), head {head:e}", lr * 0.1);
    assert!(backbone <= lr * 0.1 * (1.0 + 1e-4) && backbone >= lr * 0.1 * 0.9, "{backbone}");
    assert!(head <= lr * (1.0 + 1e-4) && head >= lr * 0.9, "{head}");
    // The same run from a scale of 1 moves the backbone by the full rate.
    let full = one_step_config(config.model.clone(), 1.0);
    let dir = tempfile::tempdir().unwrap();
    let init = Some(Init::Weights(file));
    let trained =
        train(&full, &train_cases, Some(&validation), dir.path(), &options(init), &mut Silent)
            .unwrap();
    let (backbone, _) = largest_steps(&start, trained.network());
    assert!(backbone <= lr * (1.0 + 1e-4) && backbone >= lr * 0.9, "{backbone}");
}

/// Stops after the first epoch, as an interruption would.
struct StopAfterOne;

impl TrainingObserver for StopAfterOne {
    fn epoch(&mut self, _history: &[EpochRecord]) -> Result<Control, String> {
        Ok(Control::Stop)
    }
}

/// The best model's values (saved files also hold random parameter ids).
fn values(dir: &Path) -> Vec<(String, Vec<f32>)> {
    TrainedModel::load(dir, ComputeDevice::Cpu).unwrap().network().parameters()
}

#[test]
fn transfer_from_a_radlsig_model_resumes_bit_for_bit_and_checks_the_architecture() {
    // A source model trained from scratch on one cohort.
    let scratch = Cnn3dConfig::new()
        .with_stem_width(4)
        .with_widths(vec![8, 8])
        .with_embedding(6)
        .with_dropout(0.0)
        .with_in_channels(1);
    let mut source_config = one_step_config(scratch.clone(), 1.0);
    source_config.pretrained_sha256 = None;
    let source_dir = tempfile::tempdir().unwrap();
    let source = train(
        &source_config,
        &samples(8, 3),
        Some(&samples(6, 4)),
        source_dir.path(),
        &options(None),
        &mut Silent,
    )
    .unwrap();

    // Fine-tuned on another cohort with a new, wider head: one step from the source's backbone.
    let target = scratch.clone().with_embedding(10);
    let config = one_step_config(target.clone(), 0.5);
    let init = || Some(Init::Model(PathBuf::from(source_dir.path())));
    let (cases, validation) = (samples(8, 5), samples(6, 6));
    let dir = tempfile::tempdir().unwrap();
    let tuned =
        train(&config, &cases, Some(&validation), dir.path(), &options(init()), &mut Silent)
            .unwrap();
    let start = Cnn3d::new(&config.model, config.seed, &Device::flex());
    let source_params = parameters(source.network());
    let tuned_params = parameters(tuned.network());
    let start_params = parameters(&start);
    let lr = config.learning_rate;
    for (path, values) in &tuned_params {
        let from = if is_new_layer(path) { &start_params[path] } else { &source_params[path] };
        let worst = largest_step(from, values);
        let bound = if is_new_layer(path) { lr } else { lr * 0.5 };
        assert!(worst <= bound * (1.0 + 1e-4), "{path}: moved {worst} from its start");
    }

    // Two epochs, interrupted after the first and resumed, end on the same bits.
    let two = config.clone().with_epochs(2);
    let whole = tempfile::tempdir().unwrap();
    train(&two, &cases, Some(&validation), whole.path(), &options(init()), &mut Silent).unwrap();
    let parts = tempfile::tempdir().unwrap();
    train(&two, &cases, Some(&validation), parts.path(), &options(init()), &mut StopAfterOne)
        .unwrap();
    let resume = TrainOptions { resume: true, ..options(init()) };
    train(&two, &cases, Some(&validation), parts.path(), &resume, &mut Silent).unwrap();
    assert!(values(whole.path()) == values(parts.path()), "the resumed fine-tuning differs");
    let reloaded = TrainedModel::load(parts.path(), ComputeDevice::Cpu).unwrap();
    assert_eq!(reloaded.config().pretrained_sha256.as_deref(), Some("fixture"));

    // Another backbone architecture is refused, naming the source's config.json.
    let other = one_step_config(target.with_widths(vec![8, 16]), 0.5);
    let dir = tempfile::tempdir().unwrap();
    let err = train(&other, &cases, Some(&validation), dir.path(), &options(init()), &mut Silent)
        .unwrap_err()
        .to_string();
    assert!(err.contains("config.json") && err.contains("differs"), "{err}");
    assert!(!dir.path().join("config.json").exists(), "a refused run left its config.json");

    // Weights without their SHA-256 in the configuration, or the reverse, are refused.
    let mut unrecorded = config.clone();
    unrecorded.pretrained_sha256 = None;
    let dir = tempfile::tempdir().unwrap();
    let err =
        train(&unrecorded, &cases, Some(&validation), dir.path(), &options(init()), &mut Silent)
            .unwrap_err();
    assert!(err.to_string().contains("pretrained_sha256"), "{err}");
    let err = train(&config, &cases, Some(&validation), dir.path(), &options(None), &mut Silent)
        .unwrap_err();
    assert!(err.to_string().contains("pretrained_sha256"), "{err}");
}
