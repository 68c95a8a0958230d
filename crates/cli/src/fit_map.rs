//! `radlsig fit-map MODEL (--b B… | --flip A… --tr TR | --ti TI…) --out DIR IMAGE…`:
//! quantitative maps of a series (one 3D image per b-value, flip angle or inversion time),
//! fitted voxel by voxel on a mask or everywhere.

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
    /// T1 by variable flip angle (DESPOT1 line, then least squares): M0, T1, rmse.
    T1Vfa,
    /// T1 by inversion recovery of magnitude images (polarity restored, RD-NLS).
    T1Ir,
}

/// Flags of `radlsig fit-map`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The signal model.
    #[arg(value_enum)]
    model: Model,
    /// ADC/IVIM: the b-values (s/mm²), one per image, comma-separated.
    #[arg(long, value_delimiter = ',')]
    b: Vec<f64>,
    /// T1 VFA: the flip angles (degrees), one per image.
    #[arg(long, value_delimiter = ',')]
    flip: Vec<f64>,
    /// T1 VFA: the repetition time (the unit of T1).
    #[arg(long)]
    tr: Option<f64>,
    /// T1 inversion recovery: the inversion times, one per image.
    #[arg(long, value_delimiter = ',')]
    ti: Vec<f64>,
    /// T1 inversion recovery: the T1 range searched, `MIN,MAX` (the unit of TI).
    #[arg(long, value_delimiter = ',', num_args = 2, default_values_t = [10.0, 5000.0])]
    t1_range: Vec<f64>,
    /// The images (NIfTI or NRRD), one per acquisition value, in the order of the values.
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
    let (values, flag) = match args.model {
        Model::Adc | Model::AdcNonlinear | Model::IvimSegmented | Model::Ivim => (&args.b, "--b"),
        Model::T1Vfa => (&args.flip, "--flip"),
        Model::T1Ir => (&args.ti, "--ti"),
    };
    let given = [("--b", &args.b), ("--flip", &args.flip), ("--ti", &args.ti)];
    if values.is_empty() {
        anyhow::bail!("fit-map {:?} takes its acquisition values from {flag}", args.model);
    }
    if let Some((other, _)) = given.iter().find(|(f, v)| *f != flag && !v.is_empty()) {
        anyhow::bail!("fit-map {:?} takes {flag}, not {other}", args.model);
    }
    let series = Series::read(&args.images, values)?;
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
        Model::T1Vfa => MapModel::T1Vfa {
            tr: args.tr.filter(|t| *t > 0.0).context("fit-map t1-vfa needs --tr > 0")?,
        },
        Model::T1Ir => {
            MapModel::T1InversionRecovery { t1_min: args.t1_range[0], t1_max: args.t1_range[1] }
        }
    };
    let fit = fit_maps(&series, mask.as_ref(), model)?;
    if fit.unfitted > 0 {
        eprintln!(
            "warning: {} of {} voxels could not be fitted (a non-positive signal); they are 0 \
             in the maps",
            fit.unfitted,
            fit.fitted + fit.unfitted
        );
    }
    for path in write_maps(&args.out, &fit.maps)? {
        println!("{}", path.display());
    }
    Ok(())
}
