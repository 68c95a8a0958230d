//! `radlsig embed --model DIR --manifest M --out emb.parquet`: deep features of every case.
//!
//! The cases are preprocessed exactly as the model's training cases were (its `config.json`:
//! crop, spacing, intensity, sequences), every case of the manifest whatever its split. The
//! table has `ID`, `deep_000` … (the embedding layer's outputs) and `dl_prob` (the predicted
//! probability of class 1), one row per case in manifest order; `.parquet` or `.csv` by
//! extension, written atomically.

use std::fs::File;
use std::path::PathBuf;

use anyhow::{Context, bail};
use polars::prelude::{Column, CsvWriter, DataFrame, ParquetWriter, SerWriter};
use radlsig_cohort::Manifest;
use radlsig_deep::{PreprocessCache, TrainedModel, embed, prepare_samples, resolve_sequences};

use crate::train_cnn::{ComputeArgs, bar};

/// Flags of `radlsig embed`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder of a model trained by `radlsig train-cnn`.
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// Cohort manifest of the cases to embed.
    #[arg(long, value_name = "CSV")]
    manifest: PathBuf,
    /// Output table, `.parquet` or `.csv`.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    compute: ComputeArgs,
    /// Folder of a preprocessing cache to read and fill (default: none).
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Label of the ROI in the mask files.
    #[arg(long, default_value_t = 1)]
    label: i64,
}

/// Runs `radlsig embed`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let ext = args.out.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    let parquet = match ext.as_deref() {
        Some("parquet") => true,
        Some("csv") => false,
        _ => bail!("{}: output must end in .parquet or .csv", args.out.display()),
    };
    args.compute.apply()?;
    let model = TrainedModel::load(&args.model, args.compute.device)
        .with_context(|| format!("loading the model in {}", args.model.display()))?;
    let manifest = Manifest::load(&args.manifest)
        .with_context(|| format!("loading {}", args.manifest.display()))?;
    let mut preprocess = model.config().preprocess.clone();
    let sequences = resolve_sequences(&preprocess, &manifest)?;
    preprocess.sequences = sequences.clone();
    let cache = args.cache.as_ref().map(PreprocessCache::new).transpose()?;
    let cases: Vec<_> = manifest.cases.iter().collect();
    let progress = bar(cases.len(), "preprocessing {pos}/{len} {wide_bar} {eta}");
    let samples =
        prepare_samples(&cases, &sequences, &preprocess, args.label, cache.as_ref(), &|| {
            progress.inc(1)
        })?;
    progress.finish_and_clear();
    let embeddings = embed(&model, &samples)?;

    let width = embeddings.features.ncols();
    let mut df = embeddings_frame(&embeddings)?;
    radlsig_volume::write_atomically(&args.out, |tmp| -> anyhow::Result<()> {
        let mut file =
            File::create(tmp).with_context(|| format!("creating {}", args.out.display()))?;
        if parquet {
            ParquetWriter::new(&mut file).finish(&mut df).map(|_| ())
        } else {
            CsvWriter::new(&mut file).include_header(true).finish(&mut df)
        }
        .with_context(|| format!("writing {}", args.out.display()))
    })?;
    eprintln!(
        "wrote {} cases × {width} deep features to {}",
        embeddings.ids.len(),
        args.out.display()
    );
    Ok(())
}

/// The embedding table: `ID`, `deep_000` … (zero-padded to the width), `dl_prob`.
pub(crate) fn embeddings_frame(e: &radlsig_deep::Embeddings) -> anyhow::Result<DataFrame> {
    let width = e.features.ncols();
    let digits = width.saturating_sub(1).to_string().len().max(3);
    let mut columns = vec![Column::new("ID".into(), e.ids.clone())];
    for (j, values) in e.features.columns().into_iter().enumerate() {
        columns.push(Column::new(format!("deep_{j:0digits$}").into(), values.to_vec()));
    }
    columns.push(Column::new("dl_prob".into(), e.probabilities.clone()));
    DataFrame::new(e.ids.len(), columns).context("building the embedding table")
}
