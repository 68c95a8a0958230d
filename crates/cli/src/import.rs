//! `radlsig import medmnist FILE.npz --out DIR`: a public data set as NIfTI files and a
//! manifest (the layout and conventions are documented in `radlsig_cohort::import_medmnist`
//! and `datasets/README.md`).

use std::path::PathBuf;

use anyhow::Context;
use radlsig_cohort::{MedMnistOptions, import_medmnist};

/// Flags of `radlsig import`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    source: Source,
}

/// The data sets `radlsig import` reads.
#[derive(Debug, clap::Subcommand)]
enum Source {
    /// A MedMNIST 3D .npz archive (e.g. AdrenalMNIST3D), keeping the official train/val/test split.
    Medmnist(MedMnistArgs),
}

/// Flags of `radlsig import medmnist`.
#[derive(Debug, clap::Args)]
struct MedMnistArgs {
    /// The .npz archive.
    #[arg(value_name = "FILE.npz")]
    file: PathBuf,
    /// Output folder (must be empty or absent unless --force).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Isotropic voxel spacing in mm (default 64/D: MedMNIST resized 64 mm crops to D³ voxels).
    #[arg(long, value_name = "MM")]
    spacing: Option<f64>,
    /// Import only the first N cases of each split.
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Write into a non-empty output folder, overwriting files of the same names.
    #[arg(long)]
    force: bool,
}

/// Runs the import and prints a summary.
pub fn run(args: Args) -> anyhow::Result<()> {
    match args.source {
        Source::Medmnist(a) => {
            let options =
                MedMnistOptions { spacing: a.spacing, limit: a.limit, overwrite: a.force };
            let import = import_medmnist(&a.file, &a.out, &options).with_context(|| {
                format!("importing {} into {}", a.file.display(), a.out.display())
            })?;
            println!("wrote {import} to {}", a.out.display());
            println!("  manifest {}", import.manifest.path.display());
            if !import.empty.is_empty() {
                eprintln!(
                    "warning: {} images have no non-zero voxel (their masks are empty): {}",
                    import.empty.len(),
                    import.empty.join(", ")
                );
            }
            Ok(())
        }
    }
}
