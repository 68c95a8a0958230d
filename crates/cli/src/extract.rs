//! `radlsig extract`: PyRadiomics-exact handcrafted features of one case (`--image`/`--mask`:
//! one row of `Image`, `Mask`, then the features), of PyRadiomics' batch CSV (`--manifest`;
//! `radlsig_radiomics::batch`) or of a radlsig cohort manifest (`--cohort`: `ID`, then
//! `label`, `split`, `center` where some case has one, then the columns of
//! `radlsig_radiomics::cohort`: per sequence, per `pre`/`post` time point with deltas unless
//! `--no-delta`, per habitat with `--habitats`, the model fitted on the `--fit-split` cases).
//!
//! The label is, by precedence: a batch row's `Label` cell, `--label`, the parameter file's
//! `label`, then 1 (for `--cohort`, the mask label; the manifest's `label` is the outcome).
//!
//! A failing case is reported on stderr with its row, files and reason, and the others go on:
//! the output holds the successful rows only (PyRadiomics writes empty values for failed ones;
//! we leave them out so that every row is a complete feature vector), "N of M cases failed" is
//! printed and the exit status is 2. Output is written atomically, as CSV or Parquet by its
//! extension; nothing is written when every case fails.

use std::path::PathBuf;

use anyhow::bail;
use radlsig_experiment::{ExtractInput, ExtractRequest, extract};

/// Flags of `radlsig extract`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["image", "manifest", "cohort"])))]
pub struct Args {
    /// Image file (NRRD or NIfTI) of a single case.
    #[arg(long, requires = "mask", value_name = "IMG")]
    image: Option<PathBuf>,
    /// Mask (label map) of the single case.
    #[arg(long, requires = "image", value_name = "MASK")]
    mask: Option<PathBuf>,
    /// PyRadiomics batch CSV with columns Image, Mask and optionally Label.
    #[arg(long, conflicts_with_all = ["image", "mask"], value_name = "CSV")]
    manifest: Option<PathBuf>,
    /// radlsig cohort manifest (ID, label, split, center, Image[:<name>], Mask[:<name>]).
    #[arg(long, conflicts_with_all = ["image", "mask", "manifest"], value_name = "CSV")]
    cohort: Option<PathBuf>,
    /// Habitat settings (YAML or TOML): adds habitat features (needs --cohort).
    #[arg(long, requires = "cohort", value_name = "FILE")]
    habitats: Option<PathBuf>,
    /// The split the habitat model is fitted on (`all`: every case).
    #[arg(long, requires = "habitats", default_value = "train", value_name = "SPLIT")]
    fit_split: String,
    /// Folder for each case's habitat label map (NIfTI) and the fitted habitat model.
    #[arg(long, requires = "habitats", value_name = "DIR")]
    habitat_maps: Option<PathBuf>,
    /// No delta_/reldelta_ columns for a pre/post cohort.
    #[arg(long, requires = "cohort")]
    no_delta: bool,
    /// PyRadiomics parameter file (YAML); PyRadiomics' defaults when absent.
    #[arg(long, value_name = "YAML")]
    params: Option<PathBuf>,
    /// Label of the ROI in the mask (overrides the parameter file's `label`).
    #[arg(long)]
    label: Option<i64>,
    /// Output table: `.csv` or `.parquet`.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Worker threads: cases of a batch, and feature classes of a case, run in parallel
    /// (default: all cores; 1 = single-threaded).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
}

/// Runs `radlsig extract`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let input = match (args.image, args.mask, args.manifest, args.cohort) {
        (Some(image), Some(mask), None, None) => ExtractInput::Case { image, mask },
        (None, None, Some(batch), None) => ExtractInput::Batch(batch),
        (None, None, None, Some(manifest)) => ExtractInput::Cohort {
            manifest,
            habitats: args.habitats,
            fit_split: args.fit_split,
            habitat_maps: args.habitat_maps,
            delta: !args.no_delta,
        },
        _ => bail!("give either --image and --mask, --manifest, or --cohort"),
    };
    let request = ExtractRequest {
        input,
        params: args.params,
        label: args.label,
        out: args.out,
        jobs: args.jobs,
    };
    let outcome = extract(&request, &crate::Bars::default())?;
    if outcome.failed > 0 {
        let (failed, cases, out) = (outcome.failed, outcome.cases, request.out.display());
        let ok = cases - failed;
        bail!(
            "{failed} of {cases} cases failed (see the messages above); {out} holds the {ok} successful rows"
        );
    }
    Ok(())
}
