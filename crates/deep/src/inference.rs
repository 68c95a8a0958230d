//! A trained model rebuilt from its folder, and deep-feature extraction.

use std::path::{Path, PathBuf};

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use ndarray::Array2;

use crate::config::TrainingConfig;
use crate::data::stack_volumes;
use crate::device::ComputeDevice;
use crate::model::Cnn3d;
use crate::preprocess::{CaseImages, Sample, preprocess};
use crate::run_dir::{RunPaths, TrainingSummary, load_module, read_json};
use crate::{Error, Result};

/// A network ready for inference: its configuration and the weights of the best epoch.
#[derive(Debug)]
pub struct TrainedModel {
    config: TrainingConfig,
    model: Cnn3d,
    device: Device,
    dir: PathBuf,
    /// The run's summary (`training.json`), when the run has ended.
    pub summary: Option<TrainingSummary>,
}

/// Deep features and predicted probabilities of a set of cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// Case identifiers, in input order.
    pub ids: Vec<String>,
    /// One row per case: the embedding layer's output (`deep_000`, `deep_001`, …).
    pub features: Array2<f32>,
    /// The predicted probability of class 1 (`dl_prob`); `None` for a frozen pretrained
    /// backbone, which has no trained head.
    pub probabilities: Option<Vec<f64>>,
}

impl TrainedModel {
    /// Rebuilds the model of the run in `dir` from its `config.json` and `model.bpk` on `device`.
    pub fn load(dir: &Path, device: ComputeDevice) -> Result<TrainedModel> {
        let paths = RunPaths::new(dir);
        if !paths.config.exists() {
            return Err(Error::Data(format!(
                "{} is not a trained model folder (no config.json)",
                dir.display()
            )));
        }
        let config = TrainingConfig::from_json_file(&paths.config)?;
        if config.model.in_channels == 0 {
            return Err(Error::Format {
                path: paths.config.clone(),
                reason: "model.in_channels is 0 (not a config written by training)".into(),
            });
        }
        let device = device.device()?;
        let model = load_module(Cnn3d::new(&config.model, config.seed, &device), &paths.model)?;
        let summary = paths.summary.exists().then(|| read_json(&paths.summary)).transpose()?;
        Ok(TrainedModel { config, model, device, dir: dir.to_path_buf(), summary })
    }

    /// The configuration the model was trained with.
    pub fn config(&self) -> &TrainingConfig {
        &self.config
    }

    /// The folder the model was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The network (inference mode).
    pub fn network(&self) -> &Cnn3d {
        &self.model
    }

    /// Preprocesses a case exactly as the training cases were.
    pub fn preprocess(&self, case: &CaseImages) -> Result<Sample> {
        Ok(Sample {
            id: case.id.clone(),
            label: case.label,
            volume: preprocess(case, &self.config.preprocess)?,
        })
    }
}

/// The deep features and class-1 probabilities of `samples` (preprocessed with the model's
/// configuration, e.g. by [`TrainedModel::preprocess`]).
///
/// Fails with [`Error::Data`] naming the first case whose input shape differs from the model's.
pub fn embed(model: &TrainedModel, samples: &[Sample]) -> Result<Embeddings> {
    let n = model.config.preprocess.crop_size;
    let expected = [model.config.model.in_channels, n, n, n];
    if let Some(bad) = samples.iter().find(|s| s.volume.shape() != expected) {
        return Err(Error::Data(format!(
            "case {} has input shape {:?}; the model expects {expected:?} (preprocess with the model's configuration)",
            bad.id,
            bad.volume.shape()
        )));
    }
    let refs: Vec<&Sample> = samples.iter().collect();
    let (features, probabilities) =
        predict_batches(&model.model, &refs, model.config.batch_size, &model.device)?;
    Ok(Embeddings {
        ids: samples.iter().map(|s| s.id.clone()).collect(),
        features,
        probabilities: Some(probabilities),
    })
}

/// Embeddings and class-1 probabilities of `samples` through `model` (inference mode) on
/// `device`: in batches of `batch_size`, or, where [`Cnn3d::channels_last`] runs, every sample
/// through the convolutions at once and the head in batches of `batch_size`.
pub(crate) fn predict_batches(
    model: &Cnn3d,
    samples: &[&Sample],
    batch_size: usize,
    device: &Device,
) -> Result<(Array2<f32>, Vec<f64>)> {
    let mut rows = Vec::new();
    let mut probabilities = Vec::with_capacity(samples.len());
    let mut width = 0;
    // Where the channels-last path runs, all samples go through the convolutions at once (one
    // parallel region, read in place), and the head runs in batches.
    let views: Option<Vec<&[f32]>> = samples.iter().map(|s| s.volume.as_slice()).collect();
    let pooled = match (samples.first().map(|s| s.volume.shape()), views) {
        (Some(&[c, d, h, w]), Some(views))
            if samples.iter().all(|s| s.volume.shape() == [c, d, h, w]) =>
        {
            model.channels_last([c, d, h, w], device).map(|net| (net.pooled(&views), net.width()))
        }
        _ => None,
    };
    for (i, chunk) in samples.chunks(batch_size.max(1)).enumerate() {
        let output = match &pooled {
            Some((pooled, c)) => {
                let part = pooled[i * batch_size.max(1) * c..][..chunk.len() * c].to_vec();
                model
                    .head(Tensor::from_data(TensorData::new(part, [chunk.len(), *c]), device), None)
            }
            None => {
                model.forward(stack_volumes(chunk.iter().map(|s| s.volume.view()), device), None)
            }
        };
        let [_, e] = output.embedding.dims();
        width = e;
        let read = |what: &str, e: burn::tensor::TensorReadError| {
            Error::Data(format!("reading {what} from the device: {e:?}"))
        };
        rows.extend(output.embedding.try_into_vec_as::<f32>().map_err(|e| read("embeddings", e))?);
        let p = softmax(output.logits, 1)
            .try_into_vec_as::<f32>()
            .map_err(|e| read("probabilities", e))?;
        probabilities.extend(p.chunks(2).map(|p| p[1] as f64));
    }
    let features = Array2::from_shape_vec((samples.len(), width), rows)
        .map_err(|e| Error::Data(format!("embedding table: {e}")))?;
    Ok((features, probabilities))
}
