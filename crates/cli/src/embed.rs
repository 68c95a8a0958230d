//! `radlsig embed --model DIR --manifest M --out emb.parquet`: deep features of every case.
//!
//! The cases are preprocessed exactly as the model's training cases were (its `config.json`:
//! crop, spacing, intensity, sequences), every case of the manifest whatever its split. The
//! table has `ID`, `deep_000` … (the embedding layer's outputs) and `dl_prob` (the predicted
//! probability of class 1), one row per case in manifest order; `.parquet` or `.csv` by
//! extension, written atomically.

use std::path::PathBuf;

use radlsig_experiment::embed_manifest;
use radlsig_experiment::tables::{TableFormat, embeddings_frame, write_table};

use crate::CnnArgs;

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
    compute: CnnArgs,
    /// Folder of a preprocessing cache to read and fill (default: none).
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
}

/// Runs `radlsig embed`.
pub fn run(args: Args) -> anyhow::Result<()> {
    TableFormat::of(&args.out)?;
    args.compute.apply()?;
    let embeddings = embed_manifest(
        &args.model,
        &args.manifest,
        args.compute.device,
        args.compute.label,
        args.cache.as_deref(),
        &crate::Bars::default(),
    )?;
    write_table(&args.out, &mut embeddings_frame(&embeddings)?)?;
    eprintln!(
        "wrote {} cases × {} deep features to {}",
        embeddings.ids.len(),
        embeddings.features.ncols(),
        args.out.display()
    );
    Ok(())
}
