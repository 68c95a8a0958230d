//! Times one training epoch and one embedding pass of a synthetic cohort (see `scripts/bench-cnn`).
//!
//! Usage: `bench_cnn [--config C.toml] [--cases N] [--crop N] [--channels N] [--repeat R] [--device cpu|ndarray|wgpu]`.
//! Prints one JSON object: the resolved architecture and milliseconds per step.

use std::time::Instant;

/// The allocator of the `radlsig` binary (set up the same way in `main`), so the bench times
/// what users run.
#[global_allocator]
static GLOBAL: radlsig_alloc::MiMalloc = radlsig_alloc::MiMalloc;

use ndarray::Array4;
use radlsig_deep::{ComputeDevice, Sample, Silent, TrainOptions, TrainingConfig, embed};
use rand::{Rng, SeedableRng};

fn main() {
    radlsig_alloc::keep_freed_memory();
    let args: Vec<String> = std::env::args().collect();
    let get =
        |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let mut config = match get("--config") {
        Some(path) => TrainingConfig::from_toml_file(path.as_ref()).expect("config"),
        None => TrainingConfig::default(),
    };
    let cases: usize = get("--cases").map_or(64, |v| v.parse().expect("--cases"));
    let crop: usize =
        get("--crop").map_or(config.preprocess.crop_size, |v| v.parse().expect("--crop"));
    let channels: usize = get("--channels").map_or(1, |v| v.parse().expect("--channels"));
    let repeat: usize = get("--repeat").map_or(1, |v| v.parse().expect("--repeat"));
    let device: ComputeDevice =
        get("--device").map_or(ComputeDevice::Cpu, |v| v.parse().expect("--device"));
    config.preprocess.crop_size = crop;
    config.preprocess.mask_channel = false;
    config.epochs = repeat;
    config.patience = 0;
    config.augmentation.enabled = false;

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let samples: Vec<Sample> = (0..cases)
        .map(|i| Sample {
            id: format!("case{i:04}"),
            label: Some((i % 2) as u8),
            volume: Array4::from_shape_fn((channels, crop, crop, crop), |_| rng.random::<f32>()),
        })
        .collect();
    let validation: Vec<Sample> = samples[..4].to_vec();
    let dir = tempfile::tempdir().expect("temporary folder");
    let options = TrainOptions { device, resume: false, init: None };
    let started = Instant::now();
    let model = radlsig_deep::train(
        &config,
        &samples,
        Some(&validation),
        dir.path(),
        &options,
        &mut Silent,
    )
    .expect("training");
    let train_seconds = started.elapsed().as_secs_f64();
    let history = model.summary.as_ref().map(|s| s.history.clone()).unwrap_or_default();
    let epoch_seconds: Vec<f64> = history.iter().map(|h| h.seconds).collect();
    let best_epoch = epoch_seconds.iter().copied().fold(f64::INFINITY, f64::min);
    let steps = cases.div_ceil(config.batch_size);
    let mut embed_seconds = f64::INFINITY;
    for _ in 0..repeat.max(1) {
        let started = Instant::now();
        let embeddings = embed(&model, &samples).expect("embedding");
        embed_seconds = embed_seconds.min(started.elapsed().as_secs_f64());
        assert_eq!(embeddings.ids.len(), cases);
    }
    println!(
        "{{\"impl\": \"radlsig\", \"device\": \"{device}\", \"cases\": {cases}, \"batch\": {}, \"crop\": {crop}, \"channels\": {channels}, \"steps_per_epoch\": {steps}, \"epoch_s\": {best_epoch:.3}, \"train_ms_per_step\": {:.1}, \"embed_s\": {embed_seconds:.3}, \"embed_ms_per_batch\": {:.1}, \"total_train_s\": {train_seconds:.2}, \"model\": {}}}",
        config.batch_size,
        1000.0 * best_epoch / steps as f64,
        1000.0 * embed_seconds / steps as f64,
        serde_json::to_string(&config.model).unwrap_or_default(),
    );
}
