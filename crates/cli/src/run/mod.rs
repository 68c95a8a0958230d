//! `radlsig run experiments/NAME.toml`: RAsig, DLsig and RADLsig from one experiment config.
//!
//! Stages, each with a progress bar:
//!
//! 1. **check** — the config (unknown keys, ranges, every cross-reference), the manifest (every
//!    file present, every case labelled), the split (both classes in every split), the
//!    radiomics, habitat and CNN settings and the device — all before any work starts.
//! 2. **features** — handcrafted radiomics of every case (`features.parquet`).
//! 3. **cnn** — the 3D CNN trained on the training rows of each fit (early stopping on an inner
//!    split of them, or on `cnn.early_stopping_split`), then embeddings and `dl_prob` of every
//!    case (`embeddings.parquet`).
//! 4. **fusion** — every configured signature fitted on the training rows only
//!    (`signature.json`), then applied to every row (`predictions.parquet`: ID, split, label,
//!    signature, linear_predictor, score).
//! 5. **evaluation** — AUC with CIs, sensitivity/specificity at the training Youden threshold,
//!    DeLong comparisons (`metrics.csv`, `comparisons.csv`, `roc.svg`, `calibration.svg`),
//!    `report.html`, and `run.lock.toml`.
//!
//! The features, CNN and embedding stages are cached in `runs/NAME/cache/` under a SHA-256 of
//! everything they depend on (the bytes of the `radlsig` executable and of the manifest and
//! every image and mask, the settings, the training rows): a re-run of the same build skips
//! them, and a changed setting re-runs only the stages that depend on it. Fusion and evaluation take well under a second and
//! always run. An interrupted CNN stage resumes from its last epoch checkpoint.
//!
//! Outputs are written to temporary files and renamed; every table is byte-identical between
//! two runs of the same config on the same thread count (nothing time-dependent is written).

mod config;
mod lock;
mod report;
mod split;
mod tables;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use polars::prelude::{Column, DataFrame, ParquetWriter, SerReader};
use radlsig_cohort::Manifest;
use radlsig_deep::{
    ComputeDevice, PreprocessCache, TrainOptions, TrainedModel, TrainingConfig, embed,
    prepare_samples, resolve_sequences, train,
};
use radlsig_evaluate::{
    AucCiMethod, BootstrapConfig, Direction, Evaluation, EvaluationPlan, ScaleChoice, ScoreScale,
    calibration_svg, evaluate_predictions, roc_svg,
};
use radlsig_fusion::{SignatureId, SignatureSet, fit_signatures, sigmoid};
use radlsig_radiomics::{ExtractionSettings, Extractor};
use sha2::{Digest, Sha256};

pub use config::ExperimentConfig;
pub use lock::Lock;
use split::Fit;
use tables::RawTable;

use crate::cohort_features::{CohortFeatureOptions, extract_cohort};
use crate::evaluate::{csv_bytes, write_file as write_bytes};
use crate::train_cnn::{CliObserver, bar};

/// Flags of `radlsig run`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["config", "lock"])))]
pub struct Args {
    /// Experiment configuration (TOML), e.g. experiments/demo.toml.
    #[arg(value_name = "CONFIG")]
    config: Option<PathBuf>,
    /// Replay a run exactly from its run.lock.toml (same resolved settings, seeds and thread
    /// count; fails when the cohort's files changed).
    #[arg(long, value_name = "LOCK", conflicts_with = "config")]
    lock: Option<PathBuf>,
    /// Folder of the runs (outputs go to RUNS/NAME).
    #[arg(long, default_value = "runs", value_name = "DIR")]
    runs: PathBuf,
    /// Run the experiment on another cohort (replaces `cohort.manifest`; recorded in the lock).
    #[arg(long, value_name = "CSV", conflicts_with = "lock")]
    manifest: Option<PathBuf>,
    /// Another run name (replaces `name`: outputs go to RUNS/NAME).
    #[arg(long, value_name = "NAME", conflicts_with = "lock")]
    name: Option<String>,
}

/// Runs `radlsig run`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (config, lock) = match (&args.config, &args.lock) {
        (Some(path), None) => {
            let mut config = ExperimentConfig::from_file(path)?;
            if let Some(m) = &args.manifest {
                config.cohort.manifest = m.clone();
            }
            if let Some(n) = &args.name {
                config.name = Some(n.clone());
                config.check().context("--name")?;
            }
            (config, None)
        }
        (None, Some(path)) => {
            let lock = Lock::read(path)?;
            (lock.config.clone(), Some(lock))
        }
        _ => bail!("give an experiment file or --lock"),
    };
    let summary = run_experiment(&config, &args.runs, lock.as_ref())?;
    summary.print();
    Ok(())
}

/// What a finished run reports.
pub struct RunSummary {
    /// The output folder.
    pub dir: PathBuf,
    /// The evaluation.
    pub evaluation: Evaluation,
    /// Signature display names by column name.
    pub signatures: Vec<(String, String)>,
    /// Seconds per stage.
    pub timings: Vec<(String, f64)>,
}

impl RunSummary {
    /// Prints the results table and where the outputs are.
    pub fn print(&self) {
        print!("{}", report::text_table(&self.evaluation, &self.signatures));
        let timings: Vec<String> =
            self.timings.iter().map(|(s, t)| format!("{s} {t:.1} s")).collect();
        println!("stages: {}", timings.join(", "));
        println!("report: {}", self.dir.join("report.html").display());
    }
}

/// The short column name of a signature in the wide tables.
pub fn column_name(id: SignatureId) -> &'static str {
    match id {
        SignatureId::Rasig => "RAsig",
        SignatureId::Dlsig => "DLsig",
        SignatureId::RadlsigEarly => "RADLsig_early",
        SignatureId::RadlsigLate => "RADLsig_late",
        SignatureId::Clinical => "Clinical",
        SignatureId::Combined => "Combined",
    }
}

/// Everything checked before the first stage runs.
struct Prepared {
    manifest: Manifest,
    labels: Vec<u8>,
    fits: Vec<Fit>,
    extractor: Option<(Extractor, String)>,
    habitats: Option<(radlsig_radiomics::habitats::HabitatSettings, String)>,
    cnn: Option<(TrainingConfig, ComputeDevice, Vec<String>)>,
    digest: String,
    threads: usize,
}

fn prepare(config: &ExperimentConfig, lock: Option<&Lock>) -> anyhow::Result<Prepared> {
    config.check()?;
    let manifest = Manifest::load(&config.cohort.manifest)
        .with_context(|| format!("cohort.manifest {}", config.cohort.manifest.display()))?;
    let labels = manifest
        .require_labels()
        .with_context(|| format!("cohort.manifest {}", manifest.path.display()))?;
    let early = config.cnn.as_ref().and_then(|c| c.early_stopping_split.as_deref());
    let fits = split::plan_fits(config, &manifest, &labels, early)?;
    let extractor = match &config.radiomics {
        Some(r) => {
            let text = r.params_text()?;
            let settings = if text.trim().is_empty() {
                ExtractionSettings::default()
            } else {
                ExtractionSettings::from_yaml_str(&text, "radiomics.params")?
            };
            let settings = settings.with_label(config.cohort.label).context("cohort.label")?;
            Some((Extractor::new(settings).context("radiomics.params")?, text))
        }
        None => None,
    };
    let habitats = match config.radiomics.as_ref().map(|r| r.habitats_text()).transpose()? {
        Some(Some(text)) => {
            if matches!(config.split, config::SplitConfig::Kfold { .. }) {
                bail!(
                    "radiomics.habitats: habitats are fitted on the training rows; with \
                       split.method = \"kfold\" that would need one feature table per fold \
                       (not supported)"
                );
            }
            let settings = radlsig_radiomics::habitats::HabitatSettings::from_yaml_str(
                &text,
                "radiomics.habitats",
            )?;
            Some((settings, text))
        }
        _ => None,
    };
    let cnn = match &config.cnn {
        Some(c) => {
            let training = c.training_config()?;
            let device: ComputeDevice =
                c.device.parse().map_err(|e: String| anyhow::anyhow!("cnn.device: {e}"))?;
            device.device().context("cnn.device")?;
            let sequences = resolve_sequences(&training.preprocess, &manifest)?;
            Some((training, device, sequences))
        }
        None => None,
    };
    // The thread count: the lock's, else the config's, else all cores. Set once, for the
    // whole process (CNN results are bit-identical for a seed and thread count).
    let wanted = lock.map(|l| l.threads).or(config.cnn.as_ref().and_then(|c| c.threads));
    if let Some(n) = wanted {
        // Fails only when the global pool already exists (then it is kept).
        let _ = rayon::ThreadPoolBuilder::new().num_threads(n).build_global();
    }
    let threads = rayon::current_num_threads();
    if let Some(n) = wanted
        && n != threads
    {
        bail!("cannot run on {n} threads: the thread pool already has {threads}");
    }
    let digest = cohort_digest(&manifest)?;
    if let Some(lock) = lock {
        lock.check(&digest)?;
    }
    Ok(Prepared { manifest, labels, fits, extractor, habitats, cnn, digest, threads })
}

/// SHA-256 of the manifest file and of every image and mask it names (in manifest order).
fn cohort_digest(manifest: &Manifest) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    let mut add = |path: &Path| -> anyhow::Result<()> {
        let mut file =
            File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        let mut buf = vec![0u8; 1 << 16];
        hasher
            .update(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
        loop {
            let n = file.read(&mut buf).with_context(|| format!("reading {}", path.display()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(())
    };
    add(&manifest.path)?;
    for case in &manifest.cases {
        for pair in case.images.values() {
            add(&pair.image)?;
            add(&pair.mask)?;
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of the running `radlsig` executable, computed once: cached stages are reused only
/// by the very build that made them (a code change within a version must not serve stale
/// features or models).
fn build_digest() -> &'static str {
    static DIGEST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DIGEST.get_or_init(|| {
        let mut hasher = Sha256::new();
        hasher.update(env!("CARGO_PKG_VERSION"));
        if let Ok(exe) = std::env::current_exe()
            && let Ok(bytes) = std::fs::read(&exe)
        {
            hasher.update(&bytes);
        }
        hex(&hasher.finalize())
    })
}

/// A cache key: SHA-256 of the build and of the parts, each length-prefixed.
fn key(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(build_digest());
    for p in parts {
        hasher.update((p.len() as u64).to_le_bytes());
        hasher.update(p.as_bytes());
    }
    hex(&hasher.finalize())[..20].to_string()
}

/// Runs an experiment into `runs/NAME`; see the module docs.
pub fn run_experiment(
    config: &ExperimentConfig,
    runs: &Path,
    lock: Option<&Lock>,
) -> anyhow::Result<RunSummary> {
    let start = Instant::now();
    let prepared = prepare(config, lock)?;
    let dir = runs.join(config.name());
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache)
        .with_context(|| format!("cannot create the run folder {}", cache.display()))?;
    let mut timings = vec![("check".to_string(), start.elapsed().as_secs_f64())];
    let m = &prepared.manifest;
    eprintln!(
        "{}: {} cases ({} with label 1), {} fit{}",
        config.name(),
        m.cases.len(),
        prepared.labels.iter().filter(|&&l| l == 1).count(),
        prepared.fits.len(),
        if prepared.fits.len() == 1 { "" } else { "s" }
    );

    // Stage 2: radiomics features.
    let t = Instant::now();
    let radiomics = match &prepared.extractor {
        Some((extractor, params)) => {
            let fit_rows = &prepared.fits[0].train;
            let fit_ids: Vec<&str> = fit_rows.iter().map(|&i| m.cases[i].id.as_str()).collect();
            let habitat_text = prepared.habitats.as_ref().map_or("", |(_, t)| t.as_str());
            let delta = config.radiomics.as_ref().is_some_and(|r| r.delta);
            let k = key(&[
                "features",
                &prepared.digest,
                params,
                &config.cohort.label.to_string(),
                habitat_text,
                &delta.to_string(),
                &if habitat_text.is_empty() { String::new() } else { fit_ids.join("\u{1}") },
            ]);
            let cached = cache.join(format!("features-{k}.parquet"));
            if cached.exists() {
                eprintln!("features: cached ({})", cached.display());
            } else {
                let options = CohortFeatureOptions {
                    extractor: extractor.clone(),
                    habitats: prepared.habitats.as_ref().map(|(s, _)| s.clone()),
                    habitat_maps: prepared.habitats.as_ref().map(|_| dir.join("habitat-maps")),
                    delta,
                    jobs: None,
                };
                let progress = bar(m.cases.len(), "features {pos}/{len} {wide_bar} {eta}");
                let features = extract_cohort(m, &options, fit_rows, &progress)?;
                progress.finish_and_clear();
                if !features.failures.is_empty() {
                    let lines: Vec<String> = features
                        .failures
                        .iter()
                        .map(|f| format!("row {} ({}): {}", f.row, f.id, f.reason))
                        .collect();
                    bail!(
                        "feature extraction failed for {} of {} cases:\n  {}",
                        lines.len(),
                        m.cases.len(),
                        lines.join("\n  ")
                    );
                }
                write_parquet(&cached, &mut features.to_dataframe()?)?;
            }
            copy_atomically(&cached, &dir.join("features.parquet"))?;
            Some(RawTable::read_parquet(&cached)?.aligned(m, "features.parquet")?)
        }
        None => None,
    };
    timings.push(("features".into(), t.elapsed().as_secs_f64()));

    // Stage 3: the CNN and its embeddings, one per fit.
    let t = Instant::now();
    let mut deep: Vec<Option<RawTable>> = vec![None; prepared.fits.len()];
    let mut cnn_dirs = Vec::new();
    if let Some((training, device, sequences)) = &prepared.cnn {
        let mut training = training.clone();
        training.preprocess.sequences = sequences.clone();
        let pre_cache = PreprocessCache::new(cache.join("preprocess"))?;
        let mut frames = Vec::new();
        for (f, fit) in prepared.fits.iter().enumerate() {
            let ids = |rows: &[usize]| -> String {
                rows.iter().map(|&i| m.cases[i].id.as_str()).collect::<Vec<_>>().join("\u{1}")
            };
            let k = key(&[
                "cnn",
                &prepared.digest,
                &training.to_json(),
                &config.cohort.label.to_string(),
                device.name(),
                &prepared.threads.to_string(),
                &ids(&fit.train),
                &ids(&fit.early_stopping),
            ]);
            let model_dir = cache.join(format!("cnn-{k}"));
            let run_paths = radlsig_deep::RunPaths::new(&model_dir);
            let model = if run_paths.summary.exists() {
                eprintln!("cnn {}: cached ({})", fit.name, model_dir.display());
                TrainedModel::load(&model_dir, *device)?
            } else {
                let cases = |rows: &[usize]| rows.iter().map(|&i| &m.cases[i]).collect::<Vec<_>>();
                let progress = bar(
                    fit.train.len() + fit.early_stopping.len(),
                    "preprocessing {pos}/{len} {wide_bar} {eta}",
                );
                let tick = || progress.inc(1);
                let prepare = |rows: &[usize]| {
                    prepare_samples(
                        &cases(rows),
                        sequences,
                        &training.preprocess,
                        config.cohort.label,
                        Some(&pre_cache),
                        &tick,
                    )
                };
                let train_samples = prepare(&fit.train)?;
                let early_samples = prepare(&fit.early_stopping)?;
                progress.finish_and_clear();
                let resume = run_paths.checkpoint.exists();
                let options = TrainOptions { device: *device, resume };
                let mut observer = CliObserver { table: run_paths.epochs, bar: None };
                let validation = (!early_samples.is_empty()).then_some(early_samples.as_slice());
                eprintln!("cnn {}: training{}", fit.name, if resume { " (resumed)" } else { "" });
                let model = train(
                    &training,
                    &train_samples,
                    validation,
                    &model_dir,
                    &options,
                    &mut observer,
                )
                .with_context(|| format!("training the CNN of fit {}", fit.name))?;
                if let Some(b) = observer.bar.take() {
                    b.finish_and_clear();
                }
                model
            };
            let ek = key(&["embeddings", &k]);
            let emb_path = cache.join(format!("embeddings-{ek}.parquet"));
            if !emb_path.exists() {
                let all: Vec<_> = m.cases.iter().collect();
                let progress = bar(all.len(), "embedding {pos}/{len} {wide_bar} {eta}");
                let tick = || progress.inc(1);
                let samples = prepare_samples(
                    &all,
                    sequences,
                    &model.config().preprocess,
                    config.cohort.label,
                    Some(&pre_cache),
                    &tick,
                )?;
                progress.finish_and_clear();
                let e = embed(&model, &samples)?;
                write_parquet(&emb_path, &mut crate::embed::embeddings_frame(&e)?)?;
            }
            let table = RawTable::read_parquet(&emb_path)?.aligned(m, "embeddings")?;
            frames.push((fit.name.clone(), emb_path.clone()));
            deep[f] = Some(table);
            cnn_dirs.push((fit.name.clone(), model_dir));
        }
        write_embeddings(&dir.join("embeddings.parquet"), &frames)?;
    }
    timings.push(("cnn".into(), t.elapsed().as_secs_f64()));

    // Stage 4: fusion, per fit.
    let t = Instant::now();
    let clinical_columns = config.clinical.as_ref().map(|c| c.columns.clone());
    let mut sets: Vec<(String, SignatureSet)> = Vec::new();
    let mut rows: Vec<PredictionRow> = Vec::new();
    let mut dropped_all: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (f, fit) in prepared.fits.iter().enumerate() {
        let clinical = clinical_columns
            .as_ref()
            .map(|cols| tables::clinical_table(m, cols, &fit.train))
            .transpose()?;
        let mut dropped = Vec::new();
        let blocks = tables::blocks_for(
            m,
            radiomics.as_ref(),
            deep[f].as_ref(),
            clinical.as_ref(),
            &fit.train,
            &mut dropped,
        )?;
        if !dropped.is_empty() {
            dropped_all.insert(fit.name.clone(), dropped);
        }
        let train_labels: Vec<u8> = fit.train.iter().map(|&i| prepared.labels[i]).collect();
        let set = fit_signatures(&config.fusion, &blocks.select_rows(&fit.train), &train_labels)
            .with_context(|| format!("fitting the signatures of fit {}", fit.name))?;
        let predict_rows: Vec<usize> = fit.predict.iter().map(|(i, _)| *i).collect();
        let lps = set.linear_predictors(&blocks.select_rows(&predict_rows))?;
        for (id, lp) in &lps {
            for (k, (i, split)) in fit.predict.iter().enumerate() {
                rows.push(PredictionRow {
                    id: m.cases[*i].id.clone(),
                    split: split.clone(),
                    label: prepared.labels[*i],
                    signature: column_name(*id).to_string(),
                    linear_predictor: lp[k],
                    fit: fit.name.clone(),
                });
            }
        }
        sets.push((fit.name.clone(), set));
    }
    for (fit, dropped) in &dropped_all {
        eprintln!(
            "fit {fit}: {} feature column(s) left out (undefined in a training row): {}",
            dropped.len(),
            dropped.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
        );
    }
    let signatures: Vec<(String, String)> = sets[0]
        .1
        .signatures
        .iter()
        .map(|s| (column_name(s.signature.id).to_string(), s.signature.id.name().to_string()))
        .collect();
    timings.push(("fusion".into(), t.elapsed().as_secs_f64()));

    // Stage 5: evaluation and outputs.
    let t = Instant::now();
    let kfold = matches!(config.split, config::SplitConfig::Kfold { .. });
    let wide = wide_predictions(&rows, &signatures)?;
    let mut plan = EvaluationPlan::new(
        "label",
        signatures.iter().map(|(c, _)| c.clone()).collect(),
        config.seed,
    );
    plan.split = Some("split".into());
    plan.threshold_from = if kfold { None } else { config.evaluation.threshold_from.clone() };
    plan.conf_level = config.evaluation.conf_level;
    plan.direction = Direction::ControlsLower;
    plan.auc_ci = AucCiMethod::Delong;
    plan.bootstrap = (config.evaluation.bootstrap > 0).then(|| BootstrapConfig {
        replicates: config.evaluation.bootstrap,
        seed: config.seed,
        conf_level: config.evaluation.conf_level,
    });
    plan.scale = ScaleChoice::Fixed(ScoreScale::Probability);
    plan.check().context("evaluation")?;
    let evaluation = evaluate_predictions(&wide, &plan, "predictions")?;
    for w in &evaluation.warnings {
        eprintln!("warning: {w}");
    }

    let signature_json = if sets.len() == 1 {
        sets[0].1.to_json()
    } else {
        let map: BTreeMap<&str, &SignatureSet> =
            sets.iter().map(|(n, s)| (n.as_str(), s)).collect();
        serde_json::to_string_pretty(&map).context("signature.json")?
    };
    write_bytes(&dir.join("signature.json"), signature_json.as_bytes())?;
    write_parquet(&dir.join("predictions.parquet"), &mut long_predictions(&rows)?)?;
    write_csv(&dir.join("metrics.csv"), &evaluation.metrics)?;
    write_csv(&dir.join("comparisons.csv"), &evaluation.comparisons)?;
    write_csv(&dir.join("roc.csv"), &evaluation.roc)?;
    let roc = roc_svg(&evaluation)?;
    write_bytes(&dir.join("roc.svg"), roc.as_bytes())?;
    write_bytes(&dir.join("calibration.svg"), calibration_svg(&evaluation)?.as_bytes())?;
    let resolved = lock::resolved_config(config, &prepared)?;
    let lock = Lock::new(resolved, &prepared.digest, prepared.threads);
    write_bytes(&dir.join("run.lock.toml"), lock.to_toml()?.as_bytes())?;
    let html = report::html(&report::ReportInput {
        config,
        manifest: m,
        labels: &prepared.labels,
        fits: &prepared.fits,
        evaluation: &evaluation,
        sets: &sets,
        cnn_dirs: &cnn_dirs,
        dropped: &dropped_all,
        lock: &lock,
        roc_svg: &roc,
    });
    write_bytes(&dir.join("report.html"), html.as_bytes())?;
    timings.push(("evaluation".into(), t.elapsed().as_secs_f64()));
    Ok(RunSummary { dir, evaluation, signatures, timings })
}

/// One row of `predictions.parquet`.
struct PredictionRow {
    id: String,
    split: String,
    label: u8,
    signature: String,
    linear_predictor: f64,
    fit: String,
}

fn long_predictions(rows: &[PredictionRow]) -> anyhow::Result<DataFrame> {
    let columns = vec![
        Column::new("ID".into(), rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>()),
        Column::new("fit".into(), rows.iter().map(|r| r.fit.clone()).collect::<Vec<_>>()),
        Column::new("split".into(), rows.iter().map(|r| r.split.clone()).collect::<Vec<_>>()),
        Column::new("label".into(), rows.iter().map(|r| i32::from(r.label)).collect::<Vec<_>>()),
        Column::new(
            "signature".into(),
            rows.iter().map(|r| r.signature.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "linear_predictor".into(),
            rows.iter().map(|r| r.linear_predictor).collect::<Vec<_>>(),
        ),
        Column::new(
            "score".into(),
            rows.iter().map(|r| sigmoid(r.linear_predictor)).collect::<Vec<_>>(),
        ),
    ];
    Ok(DataFrame::new(rows.len(), columns)?)
}

/// One row per (fit, ID, split) with a probability column per signature.
fn wide_predictions(
    rows: &[PredictionRow],
    signatures: &[(String, String)],
) -> anyhow::Result<DataFrame> {
    let mut keys: Vec<(String, String, String, u8)> = Vec::new();
    let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    let mut scores: Vec<Vec<f64>> = vec![Vec::new(); signatures.len()];
    for r in rows {
        let k = (r.fit.clone(), r.id.clone(), r.split.clone());
        let row = *index.entry(k).or_insert_with(|| {
            keys.push((r.fit.clone(), r.id.clone(), r.split.clone(), r.label));
            for s in scores.iter_mut() {
                s.push(f64::NAN);
            }
            keys.len() - 1
        });
        let j = signatures.iter().position(|(c, _)| *c == r.signature).context("signature")?;
        scores[j][row] = sigmoid(r.linear_predictor);
    }
    let mut columns = vec![
        Column::new("ID".into(), keys.iter().map(|k| k.1.clone()).collect::<Vec<_>>()),
        Column::new("split".into(), keys.iter().map(|k| k.2.clone()).collect::<Vec<_>>()),
        Column::new("label".into(), keys.iter().map(|k| i32::from(k.3)).collect::<Vec<_>>()),
    ];
    for ((c, _), s) in signatures.iter().zip(scores) {
        columns.push(Column::new(c.as_str().into(), s));
    }
    Ok(DataFrame::new(keys.len(), columns)?)
}

/// `embeddings.parquet`: the single fit's table, or every fit's rows with a `fit` column.
fn write_embeddings(path: &Path, frames: &[(String, PathBuf)]) -> anyhow::Result<()> {
    if let [(_, only)] = frames {
        return copy_atomically(only, path);
    }
    let mut all: Option<DataFrame> = None;
    for (name, p) in frames {
        let file = File::open(p).with_context(|| format!("cannot open {}", p.display()))?;
        let mut df = polars::prelude::ParquetReader::new(file).finish()?;
        let n = df.height();
        df.insert_column(0, Column::new("fit".into(), vec![name.clone(); n]))?;
        all = Some(match all {
            None => df,
            Some(mut a) => {
                a.vstack_mut(&df)?;
                a
            }
        });
    }
    if let Some(mut df) = all {
        write_parquet(path, &mut df)?;
    }
    Ok(())
}

fn write_parquet(path: &Path, df: &mut DataFrame) -> anyhow::Result<()> {
    radlsig_volume::write_atomically(path, |tmp| -> anyhow::Result<()> {
        let mut file = File::create(tmp).with_context(|| format!("creating {}", path.display()))?;
        ParquetWriter::new(&mut file)
            .finish(df)
            .map(|_| ())
            .with_context(|| format!("writing {}", path.display()))
    })
}

fn write_csv(path: &Path, df: &DataFrame) -> anyhow::Result<()> {
    write_bytes(path, &csv_bytes(df, &path.display().to_string())?)
}

fn copy_atomically(from: &Path, to: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(from).with_context(|| format!("reading {}", from.display()))?;
    write_bytes(to, &bytes)
}
