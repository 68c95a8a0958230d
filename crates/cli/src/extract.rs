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

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use radlsig_cohort::Manifest;
use radlsig_experiment::tables::{TableFormat, write_table};
use radlsig_experiment::{cohort_frame, write_feature_table};
use radlsig_radiomics::batch::{BatchManifest, FeatureTable};
use radlsig_radiomics::cohort::{CohortFeatureOptions, extract_cohort, fit_rows};
use radlsig_radiomics::habitats::read_habitat_settings;
use radlsig_radiomics::{ExtractionSettings, Extractor};

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
    // Check everything that does not need a volume first.
    TableFormat::of(&args.out)?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty())
        && !parent.is_dir()
    {
        bail!("{}: output folder {} does not exist", args.out.display(), parent.display());
    }
    let mut settings = match &args.params {
        Some(p) => ExtractionSettings::from_yaml_file(p)?,
        None => ExtractionSettings::default(),
    };
    if let Some(label) = args.label {
        settings = settings.with_label(label).context("--label")?;
    }
    let extractor = Extractor::new(settings).with_context(|| match &args.params {
        Some(p) => p.display().to_string(),
        None => "default settings".to_string(),
    })?;
    if args.jobs == Some(0) {
        bail!("--jobs must be at least 1");
    }
    if let Some(cohort) = &args.cohort {
        return run_cohort(cohort, &args, extractor);
    }
    // One pool for everything: cases run in parallel in a batch, and the feature classes of a
    // case in parallel too (`--jobs 1` is fully single-threaded).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("starting the worker threads")?;
    pool.install(|| match (&args.image, &args.mask, &args.manifest) {
        (Some(image), Some(mask), None) => {
            let fv = extractor.extract(image, mask)?;
            let cell = |p: &Path| vec![Some(p.display().to_string())];
            let carried = vec![("Image".into(), cell(image)), ("Mask".into(), cell(mask))];
            Ok(write_feature_table(&args.out, &FeatureTable::new(carried, vec![fv])?)?)
        }
        (None, None, Some(manifest)) => run_batch(manifest, &extractor, &args.out),
        _ => bail!("give either --image and --mask, or --manifest"),
    })
}

/// A progress bar over `n` cases.
fn progress(n: usize) -> anyhow::Result<ProgressBar> {
    let template = "{bar:40} {pos}/{len} cases [{elapsed_precise} < {eta_precise}]";
    let style = ProgressStyle::with_template(template).context("progress bar template")?;
    Ok(ProgressBar::new(n as u64).with_style(style))
}

/// `--manifest`: PyRadiomics' batch mode.
fn run_batch(path: &Path, extractor: &Extractor, out: &Path) -> anyhow::Result<()> {
    let batch = BatchManifest::read(path)?;
    let bar = progress(batch.cases.len())?;
    let results = batch.extract(extractor, &|case, error| {
        if let Some(e) = error {
            let (row, image, mask) = (case.row, case.image.display(), case.mask.display());
            let at = format!("{} line {}", path.display(), row + 1);
            bar.suspend(|| {
                eprintln!("error: case {row} ({at}; image {image}, mask {mask}): {}", e.chain())
            });
        }
        bar.inc(1);
    });
    bar.finish_and_clear();
    let (total, failed) = (results.len(), results.iter().filter(|r| r.is_err()).count());
    if failed == total {
        bail!("all {total} cases of {} failed; no output written", path.display());
    }
    write_feature_table(out, &FeatureTable::from_batch(&batch, results)?)?;
    summary(failed, total, out)
}

/// The exit of a run with `failed` of `total` cases failed, the others written to `out`.
fn summary(failed: usize, total: usize, out: &Path) -> anyhow::Result<()> {
    if failed > 0 {
        let (ok, out) = (total - failed, out.display());
        bail!(
            "{failed} of {total} cases failed (see the messages above); {out} holds the {ok} successful rows"
        );
    }
    Ok(())
}

/// `--cohort`: reads the manifest and the habitat settings, then hands over to
/// [`extract_cohort`].
fn run_cohort(path: &Path, args: &Args, extractor: Extractor) -> anyhow::Result<()> {
    let habitats = args.habitats.as_deref().map(read_habitat_settings).transpose()?;
    let manifest = Manifest::load(path)?;
    let fit_rows = match habitats {
        Some(_) => fit_rows(&manifest, &args.fit_split).context("--fit-split")?,
        None => Vec::new(),
    };
    let options = CohortFeatureOptions {
        extractor,
        habitats,
        habitat_maps: args.habitat_maps.clone(),
        delta: !args.no_delta,
        jobs: args.jobs,
    };
    let bar = progress(manifest.cases.len())?;
    let features = extract_cohort(&manifest, &options, &fit_rows, &|| bar.inc(1))?;
    bar.finish_and_clear();
    for f in &features.failures {
        eprintln!("error: case {} ({} row {}): {}", f.id, path.display(), f.row, f.reason());
    }
    if let Some(model) = &features.habitat_model {
        let (k, n, split) = (model.k(), features.habitat_fit_cases, &args.fit_split);
        eprintln!("habitats: k = {k} fitted on {n} training cases (split {split:?})");
        if let Some(dir) = &args.habitat_maps {
            model.save(&dir.join("habitat-model.json"))?;
        }
    }
    if !features.habitat_gaps.is_empty() {
        let cases: BTreeSet<&str> = features.habitat_gaps.iter().map(|g| g.id.as_str()).collect();
        eprintln!(
            "note: {} habitat feature groups of {} cases are empty cells (habitat absent or too small)",
            features.habitat_gaps.len(),
            cases.len()
        );
    }
    let total = manifest.cases.len();
    if features.ids.is_empty() {
        bail!("all {total} cases of {} failed; no output written", path.display());
    }
    write_table(&args.out, &mut cohort_frame(&features, &manifest)?)?;
    summary(features.failures.len(), total, &args.out)
}
