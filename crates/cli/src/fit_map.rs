//! `radlsig fit-map MODEL --b B… --out DIR IMAGE…`: quantitative maps of a diffusion series
//! (one 3D image per b-value), fitted voxel by voxel on a mask or everywhere.

use std::path::PathBuf;

use anyhow::Context;
use radlsig_maps::{IvimMethod, MapModel, Series, fit_maps, write_maps};
use radlsig_volume::{Mask, read_volume};

/// The signal model.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Model {
    /// Mono-exponential ADC, least squares of ln S (maps S0, ADC, rmse).
    Adc,
    /// Mono-exponential ADC, least squares of S.
    AdcNonlinear,
    /// IVIM, segmented: D above the threshold, f from the intercept, then D* (S0, f, Dstar, D, rmse).
    IvimSegmented,
    /// IVIM, all four parameters by least squares from the segmented fit.
    Ivim,
}

/// Flags of `radlsig fit-map`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The signal model.
    #[arg(value_enum)]
    model: Model,
    /// The b-values (s/mm²), one per image, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    b: Vec<f64>,
    /// The images (NIfTI or NRRD), one per b-value, in the order of --b.
    #[arg(required = true)]
    images: Vec<PathBuf>,
    /// Fit only inside this mask (label map).
    #[arg(long)]
    mask: Option<PathBuf>,
    /// The mask's label.
    #[arg(long, default_value_t = 1)]
    label: i64,
    /// IVIM: perfusion is neglected above this b-value.
    #[arg(long, default_value_t = 200.0)]
    threshold: f64,
    /// Output folder (NAME.nii.gz per map).
    #[arg(long)]
    out: PathBuf,
}

/// Reads, fits and writes the maps.
pub fn run(args: Args) -> anyhow::Result<()> {
    let series = Series::read(&args.images, &args.b)?;
    let mask = match &args.mask {
        Some(path) => {
            let labels =
                read_volume(path).with_context(|| format!("reading {}", path.display()))?;
            let what = path.display().to_string();
            let mask = Mask::from_labels(&labels, args.label, &what)
                .with_context(|| format!("the mask {what}"))?;
            series.check_mask(&mask, path)?;
            Some(mask)
        }
        None => None,
    };
    let model = match args.model {
        Model::Adc => MapModel::Adc { nonlinear: false },
        Model::AdcNonlinear => MapModel::Adc { nonlinear: true },
        Model::IvimSegmented => {
            MapModel::Ivim { threshold: args.threshold, method: IvimMethod::Segmented }
        }
        Model::Ivim => MapModel::Ivim { threshold: args.threshold, method: IvimMethod::Full },
    };
    let maps = fit_maps(&series, mask.as_ref(), model)?;
    for path in write_maps(&args.out, &maps)? {
        println!("{}", path.display());
    }
    Ok(())
}
