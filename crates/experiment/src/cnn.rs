//! Stage 3, **cnn**: the 3D CNN trained on the training rows of each fit (early stopping on an
//! inner split of them, or on `cnn.early_stopping_split`), then the embeddings and `dl_prob` of
//! every case (`embeddings.parquet`). Each model and each embedding table is cached under a key
//! of everything it depends on; an interrupted training resumes from its last epoch checkpoint.

use std::path::{Path, PathBuf};

use polars::prelude::{Column, DataFrame};
use radlsig_cohort::Manifest;
use radlsig_deep::{
    Backbone, ComputeDevice, Control, Embeddings, EpochRecord, Init, PreprocessCache, RunPaths,
    TrainOptions, TrainedModel, TrainingConfig, TrainingObserver, TrainingPlan, backbone_config,
    embed, prepare_samples, resolve_sequences, split_cases, train,
};

use crate::cache::key;
use crate::cohort::Cohort;
use crate::config::CnnMode;
use crate::error::{Error, Result};
use crate::fits::Fit;
use crate::observer::Observer;
use crate::plan::{Experiment, PretrainedPlan, PretrainedSource};
use crate::tables::{RawTable, write_embeddings, write_table};

/// The CNN stage's results: per fit, its embedding table (manifest order) and model folder.
pub(crate) struct CnnOutputs {
    /// `tables[f]`: the embeddings of fit `f`.
    pub tables: Vec<RawTable>,
    /// (fit name, model folder), in fit order.
    pub model_dirs: Vec<(String, PathBuf)>,
}

/// Trains (or loads from the cache) one CNN per fit and embeds every case with it.
pub(crate) fn run(
    experiment: &Experiment,
    cohort: &Cohort,
    dir: &Path,
    observer: &dyn Observer,
) -> Result<Option<CnnOutputs>> {
    let (Some(plan), Some(training)) = (&experiment.cnn, cohort.cnn_training(experiment)) else {
        return Ok(None);
    };
    let m = &cohort.manifest;
    let label = experiment.config.cohort.label;
    let cache = dir.join("cache");
    let pre_cache = PreprocessCache::new(cache.join("preprocess"))
        .map_err(|e| Error::deep("the preprocessing cache", e))?;
    let (training, init) = match (plan.mode, &plan.pretrained) {
        (CnnMode::Frozen, Some(pretrained)) => {
            let table =
                frozen(experiment, cohort, &training, pretrained, &pre_cache, dir, observer)?;
            return Ok(Some(CnnOutputs {
                tables: vec![table; cohort.fits.len()],
                model_dirs: Vec::new(),
            }));
        }
        (CnnMode::Finetune, Some(pretrained)) => {
            let (training, init) = finetuned(training, pretrained, cohort)?;
            observer.note(&format!(
                "cnn: fine-tuning {} (ResNet, blocks {:?}, widths {:?}) under a new head, the \
                 backbone at {} × the learning rate",
                pretrained.source.path().display(),
                training.model.blocks,
                training.model.widths,
                training.backbone_learning_rate_scale
            ));
            (training, Some(init))
        }
        _ => (training, None),
    };
    let mut tables = Vec::new();
    let mut frames = Vec::new();
    let mut model_dirs = Vec::new();
    for fit in &cohort.fits {
        let ids = |rows: &[usize]| -> String {
            rows.iter().map(|&i| m.cases[i].id.as_str()).collect::<Vec<_>>().join("\u{1}")
        };
        let k = key(&[
            "cnn",
            &cohort.digest,
            &training.to_json(),
            &label.to_string(),
            plan.device.name(),
            &cohort.threads.to_string(),
            &ids(&fit.train),
            &ids(&fit.early_stopping),
        ]);
        let model_dir = cache.join(format!("cnn-{k}"));
        let model = if RunPaths::new(&model_dir).summary.exists() {
            observer.note(&format!("cnn {}: cached ({})", fit.name, model_dir.display()));
            TrainedModel::load(&model_dir, plan.device)
                .map_err(|e| Error::deep(format!("loading the CNN of fit {}", fit.name), e))?
        } else {
            let init = init.clone();
            train_fit(experiment, cohort, fit, &training, init, &pre_cache, &model_dir, observer)?
        };
        let ek = key(&["embeddings", &k]);
        let emb_path = cache.join(format!("embeddings-{ek}.parquet"));
        let table = if emb_path.exists() {
            RawTable::read_parquet(&emb_path)?.aligned(m, "embeddings")?
        } else {
            let samples =
                every_case(cohort, &model.config().preprocess, label, &pre_cache, observer)?;
            let e = embed(&model, &samples).map_err(|e| {
                Error::deep(format!("embedding with the CNN of fit {}", fit.name), e)
            })?;
            write_table(&emb_path, &mut crate::tables::embeddings_frame(&e)?)?;
            // Every case of the manifest, in its order.
            RawTable::from_embeddings(&e)
        };
        tables.push(table);
        frames.push((fit.name.clone(), emb_path));
        model_dirs.push((fit.name.clone(), model_dir));
    }
    write_embeddings(&dir.join("embeddings.parquet"), &frames)?;
    Ok(Some(CnnOutputs { tables, model_dirs }))
}

/// `cnn.mode = "frozen"`: the pooled features of the pretrained backbone for every case of the
/// manifest (one table for every fit: nothing in it depends on the training rows), cached
/// under the weights' SHA-256 and the preprocessing; written as `embeddings.parquet`.
fn frozen(
    experiment: &Experiment,
    cohort: &Cohort,
    training: &TrainingConfig,
    pretrained: &PretrainedPlan,
    pre_cache: &PreprocessCache,
    dir: &Path,
    observer: &dyn Observer,
) -> Result<RawTable> {
    let m = &cohort.manifest;
    let device = experiment.cnn.as_ref().map(|c| c.device).unwrap_or_default();
    // The preprocessing: the experiment's for a backbone, a transferred model's own (its
    // sequences those of this cohort), read from its config.json without its weights.
    let preprocess = match &pretrained.source {
        PretrainedSource::Weights(_) => training.preprocess.clone(),
        PretrainedSource::Model(dir) => transferred_config(dir, cohort)?.preprocess,
    };
    let channels = preprocess.channels(cohort.sequences.len());
    let k = key(&[
        "frozen",
        &cohort.digest,
        &pretrained.sha256,
        &format!("{:?}", pretrained.layout),
        &serde_json::to_string(&preprocess).expect("a config serialises"),
        &channels.to_string(),
        device.name(),
        &cohort.threads.to_string(),
    ]);
    let path = dir.join("cache").join(format!("embeddings-{k}.parquet"));
    let table = if path.exists() {
        observer.note(&format!("cnn: cached ({})", path.display()));
        RawTable::read_parquet(&path)?.aligned(m, "embeddings")?
    } else {
        let label = experiment.config.cohort.label;
        let samples = every_case(cohort, &preprocess, label, pre_cache, observer)?;
        let e = match &pretrained.source {
            PretrainedSource::Weights(file) => {
                let backbone = Backbone::load(file, pretrained.layout, channels, device)
                    .map_err(|e| Error::deep("cnn.pretrained", e))?;
                let c = backbone.config();
                observer.note(&format!(
                    "cnn: frozen backbone {} (ResNet, blocks {:?}, widths {:?}, {:?} layout): \
                     {} features",
                    file.path().display(),
                    c.blocks,
                    c.widths,
                    pretrained.layout,
                    c.pooled_width()
                ));
                backbone.embed(&samples, training.batch_size)
            }
            PretrainedSource::Model(dir) => {
                let model = TrainedModel::load(dir, device)
                    .map_err(|e| Error::deep(format!("cnn.pretrained {}", dir.display()), e))?;
                observer.note(&format!(
                    "cnn: frozen model {} (transferred; its preprocessing): {} features and \
                     dl_prob",
                    dir.display(),
                    model.config().model.embedding
                ));
                embed(&model, &samples)
            }
        }
        .map_err(|e| Error::deep("embedding with the frozen backbone", e))?;
        write_table(&path, &mut crate::tables::embeddings_frame(&e)?)?;
        RawTable::from_embeddings(&e)
    };
    crate::tables::copy_atomically(&path, &dir.join("embeddings.parquet"))?;
    Ok(table)
}

/// The configuration of a transferred model (`cnn.pretrained` names a `radlsig train-cnn`
/// folder), read from its `config.json` without its weights, with this cohort's sequences.
fn transferred_config(dir: &Path, cohort: &Cohort) -> Result<TrainingConfig> {
    let mut config = TrainingConfig::from_json_file(&RunPaths::new(dir).config)
        .map_err(|e| Error::deep(format!("cnn.pretrained {}", dir.display()), e))?;
    config.preprocess.sequences = cohort.sequences.clone();
    Ok(config)
}

/// `cnn.mode = "finetune"`: the training configuration with the pretrained backbone's
/// architecture (read off the weight file, or a transferred model's own, with its
/// preprocessing) under the configured embedding layer and head, its SHA-256 and the
/// backbone's learning-rate multiple; and the weights to start from.
fn finetuned(
    mut training: TrainingConfig,
    pretrained: &PretrainedPlan,
    cohort: &Cohort,
) -> Result<(TrainingConfig, Init)> {
    let init = match &pretrained.source {
        PretrainedSource::Weights(file) => {
            let channels = training.preprocess.channels(cohort.sequences.len());
            training.model = backbone_config(file, pretrained.layout, channels, &training.model)
                .map_err(|e| Error::deep("cnn.pretrained", e))?;
            Init::Weights(file.clone())
        }
        PretrainedSource::Model(dir) => {
            let source = transferred_config(dir, cohort)?;
            training.model = source.model.with_head_of(&training.model);
            training.preprocess = source.preprocess;
            Init::Model(dir.clone())
        }
    };
    training.pretrained_sha256 = Some(pretrained.sha256.clone());
    training.backbone_learning_rate_scale = pretrained.backbone_learning_rate_scale;
    Ok((training, init))
}

/// Every case of the manifest (in its order), read and preprocessed with `preprocess` through
/// the cache, for embedding.
fn every_case(
    cohort: &Cohort,
    preprocess: &radlsig_deep::PreprocessConfig,
    label: i64,
    cache: &PreprocessCache,
    observer: &dyn Observer,
) -> Result<Vec<radlsig_deep::Sample>> {
    let all: Vec<_> = cohort.manifest.cases.iter().collect();
    observer.begin("embedding", all.len());
    let samples = prepare_samples(&all, &cohort.sequences, preprocess, label, Some(cache), &|| {
        observer.advance()
    });
    observer.end();
    samples.map_err(|e| Error::deep("preparing the cases to embed", e))
}

/// Trains the CNN of one fit into `model_dir` (resuming an interrupted run there), from `init`
/// when fine-tuning.
#[allow(clippy::too_many_arguments)]
fn train_fit(
    experiment: &Experiment,
    cohort: &Cohort,
    fit: &Fit,
    training: &radlsig_deep::TrainingConfig,
    init: Option<Init>,
    pre_cache: &PreprocessCache,
    model_dir: &Path,
    observer: &dyn Observer,
) -> Result<TrainedModel> {
    let m = &cohort.manifest;
    let device = experiment.cnn.as_ref().map(|c| c.device).unwrap_or_default();
    let cases = |rows: &[usize]| rows.iter().map(|&i| &m.cases[i]).collect::<Vec<_>>();
    observer.begin("preprocessing", fit.train.len() + fit.early_stopping.len());
    let prepare = |rows: &[usize]| {
        prepare_samples(
            &cases(rows),
            &cohort.sequences,
            &training.preprocess,
            experiment.config.cohort.label,
            Some(pre_cache),
            &|| observer.advance(),
        )
    };
    let samples = prepare(&fit.train).and_then(|t| Ok((t, prepare(&fit.early_stopping)?)));
    observer.end();
    let (train_samples, early_samples) =
        samples.map_err(|e| Error::deep(format!("preparing the cases of fit {}", fit.name), e))?;
    let paths = RunPaths::new(model_dir);
    let resume = paths.checkpoint.exists();
    let options = TrainOptions { device, resume, init };
    let mut table = EpochTable::new(paths.epochs, observer.training());
    let validation = (!early_samples.is_empty()).then_some(early_samples.as_slice());
    observer.note(&format!("cnn {}: training{}", fit.name, if resume { " (resumed)" } else { "" }));
    train(training, &train_samples, validation, model_dir, &options, &mut table)
        .map_err(|e| Error::deep(format!("training the CNN of fit {}", fit.name), e))
}

/// `radlsig train-cnn`: trains the CNN of `config` on the cases of `manifest` whose split is
/// empty or `train`; `val`/`validation` cases, when present, drive early stopping (otherwise a
/// seeded inner split of the training cases does), and every other split (`test`, …) is never
/// read. Crops are cached in `cache`; `out` receives the model folder and `epochs.csv`.
pub fn train_on_manifest(
    manifest: &Path,
    config: &TrainingConfig,
    label: i64,
    cache: &Path,
    out: &Path,
    options: &TrainOptions,
    observer: &dyn Observer,
) -> Result<TrainedModel> {
    options.device.device().map_err(|e| Error::deep("--device", e))?;
    let manifest = load_manifest(manifest)?;
    let split = split_cases(&manifest);
    if split.train.is_empty() {
        return Err(Error::Split(format!(
            "{}: no training cases (split empty or \"train\")",
            manifest.path.display()
        )));
    }
    let sequences = resolve_sequences(&config.preprocess, &manifest)
        .map_err(|e| Error::deep("preprocess.sequences", e))?;
    let mut config = config.clone();
    config.preprocess.sequences = sequences.clone();
    observer.note(&format!(
        "{} training, {} validation, {} held-out cases (never read); channels: {}{}",
        split.train.len(),
        split.validation.len(),
        split.held_out.len(),
        sequences
            .iter()
            .map(|s| if s.is_empty() { "image" } else { s.as_str() })
            .collect::<Vec<_>>()
            .join(", "),
        if config.preprocess.mask_channel { ", mask" } else { "" }
    ));
    let cache =
        PreprocessCache::new(cache).map_err(|e| Error::deep("the preprocessing cache", e))?;
    observer.begin("preprocessing", split.train.len() + split.validation.len());
    let prepare = |cases: &[&radlsig_cohort::Case]| {
        prepare_samples(cases, &sequences, &config.preprocess, label, Some(&cache), &|| {
            observer.advance()
        })
    };
    let samples = prepare(&split.train).and_then(|t| Ok((t, prepare(&split.validation)?)));
    observer.end();
    let (train_samples, validation_samples) =
        samples.map_err(|e| Error::deep("preparing the training cases", e))?;
    let mut table = EpochTable::new(RunPaths::new(out).epochs, observer.training());
    let validation = (!validation_samples.is_empty()).then_some(validation_samples.as_slice());
    train(&config, &train_samples, validation, out, options, &mut table)
        .map_err(|e| Error::deep("training the CNN", e))
}

/// `radlsig embed`: the embeddings and `dl_prob` of every case of `manifest` (whatever its
/// split), preprocessed exactly as the model's training cases were (its `config.json`: crop,
/// spacing, intensity, sequences).
pub fn embed_manifest(
    model: &Path,
    manifest: &Path,
    device: ComputeDevice,
    label: i64,
    cache: Option<&Path>,
    observer: &dyn Observer,
) -> Result<Embeddings> {
    let model = TrainedModel::load(model, device)
        .map_err(|e| Error::deep(format!("loading the model in {}", model.display()), e))?;
    let manifest = load_manifest(manifest)?;
    let mut preprocess = model.config().preprocess.clone();
    let sequences = resolve_sequences(&preprocess, &manifest)
        .map_err(|e| Error::deep("the model's preprocess.sequences", e))?;
    preprocess.sequences = sequences.clone();
    let cache = cache
        .map(PreprocessCache::new)
        .transpose()
        .map_err(|e| Error::deep("the preprocessing cache", e))?;
    let cases: Vec<_> = manifest.cases.iter().collect();
    observer.begin("preprocessing", cases.len());
    let samples = prepare_samples(&cases, &sequences, &preprocess, label, cache.as_ref(), &|| {
        observer.advance()
    });
    observer.end();
    let samples = samples.map_err(|e| Error::deep("preparing the cases", e))?;
    embed(&model, &samples).map_err(|e| Error::deep("embedding", e))
}

fn load_manifest(path: &Path) -> Result<Manifest> {
    Manifest::load(path).map_err(|source| Error::Manifest {
        context: "loading".into(),
        path: path.to_path_buf(),
        source: Box::new(source),
    })
}

/// A training observer that rewrites the per-epoch table (`epochs.csv`: `epoch`, `loss`,
/// `train_auc`, `val_auc`, `val_loss`, `learning_rate`, `seconds`, `best`) atomically after
/// every epoch, then hands each event on to another observer (the binary's progress bar).
pub struct EpochTable<'a> {
    path: PathBuf,
    inner: Box<dyn TrainingObserver + 'a>,
}

impl<'a> EpochTable<'a> {
    /// Writes `path` and forwards to `inner`.
    pub fn new(path: PathBuf, inner: Box<dyn TrainingObserver + 'a>) -> EpochTable<'a> {
        EpochTable { path, inner }
    }
}

impl TrainingObserver for EpochTable<'_> {
    fn start(&mut self, plan: &TrainingPlan) {
        self.inner.start(plan);
    }

    fn batch(&mut self, epoch: usize, batch: usize, batches: usize, loss: f64) {
        self.inner.batch(epoch, batch, batches, loss);
    }

    fn epoch(&mut self, history: &[EpochRecord]) -> std::result::Result<Control, String> {
        let control = self.inner.epoch(history)?;
        write_epochs(&self.path, history).map_err(|e| error_chain(&e))?;
        Ok(control)
    }
}

/// An error and its sources, `: `-separated (the observer protocol takes a message).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The per-epoch table as CSV, atomically.
fn write_epochs(path: &Path, history: &[EpochRecord]) -> Result<()> {
    let col = |name: &str, f: &dyn Fn(&EpochRecord) -> f64| -> Column {
        Column::new(name.into(), history.iter().map(f).collect::<Vec<f64>>())
    };
    let opt = |name: &str, f: &dyn Fn(&EpochRecord) -> Option<f64>| -> Column {
        Column::new(name.into(), history.iter().map(f).collect::<Vec<Option<f64>>>())
    };
    let columns = vec![
        Column::new("epoch".into(), history.iter().map(|h| h.epoch as u32).collect::<Vec<u32>>()),
        col("loss", &|h| h.loss),
        opt("train_auc", &|h| h.train_auc),
        opt("val_auc", &|h| h.val_auc),
        col("val_loss", &|h| h.val_loss),
        col("learning_rate", &|h| h.learning_rate),
        col("seconds", &|h| h.seconds),
        Column::new("best".into(), history.iter().map(|h| h.best).collect::<Vec<bool>>()),
    ];
    let mut df = DataFrame::new(history.len(), columns)
        .map_err(|e| Error::table("building the epoch table", e))?;
    write_table(path, &mut df)
}
