//! `radlsig extract`: PyRadiomics-exact handcrafted features of one case or of a batch.
//!
//! - `radlsig extract --image IMG --mask MASK [--params P.yaml] [--label N] --out OUT.csv`
//!   writes one row: `Image`, `Mask`, then the features in PyRadiomics' order.
//! - `radlsig extract --manifest cases.csv [--params P.yaml] [--label N] --out OUT.parquet
//!   [--jobs N]` reads PyRadiomics' batch CSV (`Image`, `Mask`, optionally `Label`; every
//!   column is carried into the output, in order; relative paths are resolved against the
//!   CSV's folder) and runs the cases in parallel.
//!
//! - `radlsig extract --cohort MANIFEST.csv [--params P.yaml] [--habitats H.yaml|H.toml]
//!   [--fit-split train] [--habitat-maps DIR] [--no-delta] --out OUT.csv|parquet [--jobs N]`
//!   reads a radlsig cohort manifest (`ID`, `label`, `split`, `center`, `Image`/`Mask` or
//!   `Image:<name>`/`Mask:<name>` per sequence or time point; `datasets/README.md`) and writes
//!   `ID`, then `label`, `split`, `center` (each when some case has one), then the features.
//!   Columns (details in `cohort_features`): PyRadiomics' names for a single sequence
//!   (`original_glcm_Contrast`); prefixed by the sequence for several (`T1_original_…`,
//!   `ADC_original_…`); for `pre`/`post` time points (`Image:pre`, or `Image:T1_pre`),
//!   prefixed by the time point (`pre_original_…`, `post_T1_original_…`) plus
//!   `delta_<column>` = post − pre and `reldelta_<column>` = (post − pre)/pre (empty where pre
//!   is 0) unless `--no-delta`. `--habitats` (the habitat table of
//!   `radlsig_radiomics::habitats::settings`, YAML or TOML by extension) adds habitat columns
//!   (`habitat1_descriptor_VolumeFraction`, `habitat1_original_firstorder_Mean`,
//!   `habitat1_T1_…`, `pre_habitat1_…`); the habitat model, including the choice of k, is
//!   fitted on the cases whose `split` is `--fit-split` (default `train`; `all` = every case,
//!   for exploration only: it lets validation and test cases shape the habitats) and applied
//!   to every case. `--habitat-maps DIR` writes each case's habitat label map
//!   (`DIR/<ID>[_pre|_post].nii.gz`) and the fitted model (`DIR/habitat-model.json`). Empty
//!   cells mark values that are undefined (a habitat too small in a case: the count is
//!   printed on stderr).
//!
//! The label is, by precedence: the row's `Label` cell (as in PyRadiomics' batch mode), then
//! `--label`, then the parameter file's `label`, then 1 (for `--cohort`, the mask label; the
//! manifest's `label` column is the outcome).
//!
//! A failing batch case is reported on stderr with its row, files and reason, and the others go
//! on. The output then holds the successful rows only (PyRadiomics writes empty values for
//! failed ones; we leave them out so that every row is a complete feature vector), a summary
//! "N of M cases failed" is printed, and the exit status is 2. Output is written atomically, as
//! CSV or Parquet by its extension; nothing is written when every case fails.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use polars::prelude::{
    Column, CsvReadOptions, CsvWriter, DataFrame, ParquetWriter, PolarsResult, SerReader,
    SerWriter, StringChunked,
};
use radlsig_cohort::Manifest;
use radlsig_radiomics::habitats::{HabitatSettings, RawHabitatSettings};
use radlsig_radiomics::{ExtractionSettings, Extractor, FeatureVector};

use crate::cohort_features::{CohortFeatureOptions, extract_cohort};
use rayon::prelude::*;

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

/// The output table formats, chosen by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Parquet,
}

impl Format {
    fn of(path: &Path) -> anyhow::Result<Format> {
        let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => Ok(Format::Csv),
            Some("parquet") => Ok(Format::Parquet),
            _ => bail!("{}: output must end in .csv or .parquet", path.display()),
        }
    }
}

/// One case of a batch.
struct Case {
    /// 1-based data row of the manifest (the header is line 1, this is line `row + 1`).
    row: usize,
    /// The manifest's cells, in column order (carried into the output).
    cells: Vec<Option<String>>,
    image: PathBuf,
    mask: PathBuf,
    label: Option<i64>,
}

/// Runs `radlsig extract`.
pub fn run(args: Args) -> anyhow::Result<()> {
    // Check everything that does not need a volume first.
    let format = Format::of(&args.out)?;
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
    let extractor = Extractor::new(settings.clone()).with_context(|| match &args.params {
        Some(p) => p.display().to_string(),
        None => "default settings".to_string(),
    })?;
    if args.jobs == Some(0) {
        bail!("--jobs must be at least 1");
    }
    if let Some(cohort) = &args.cohort {
        return run_cohort(cohort, &args, extractor, format);
    }

    // One pool for everything: cases run in parallel in a batch, and the feature classes of a
    // case in parallel too (`--jobs 1` is fully single-threaded).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("starting the worker threads")?;
    pool.install(|| match (&args.image, &args.mask, &args.manifest) {
        (Some(image), Some(mask), None) => {
            let fv = extractor.extract(image, mask).map_err(flatten)?;
            let carried = vec![
                ("Image".to_string(), vec![Some(image.display().to_string())]),
                ("Mask".to_string(), vec![Some(mask.display().to_string())]),
            ];
            write_table(&args.out, format, carried, &[fv])
        }
        (None, None, Some(manifest)) => {
            run_batch(manifest, &settings, &extractor, &args.out, format)
        }
        _ => bail!("give either --image and --mask, or --manifest"),
    })
}

/// `--cohort`: reads the manifest and the habitat settings, then hands over to
/// [`extract_cohort`].
fn run_cohort(
    path: &Path,
    args: &Args,
    extractor: Extractor,
    format: Format,
) -> anyhow::Result<()> {
    let habitats = args.habitats.as_deref().map(read_habitat_settings).transpose()?;
    let manifest = Manifest::load(path)?;
    let fit_rows: Vec<usize> = match &habitats {
        None => Vec::new(),
        Some(_) => {
            let rows: Vec<usize> = manifest
                .cases
                .iter()
                .enumerate()
                .filter(|(_, c)| {
                    args.fit_split == "all" || c.split.as_deref() == Some(&args.fit_split)
                })
                .map(|(i, _)| i)
                .collect();
            if rows.is_empty() {
                bail!(
                    "{}: no case has split {:?} to fit the habitats on (--fit-split; `all` fits on every case)",
                    path.display(),
                    args.fit_split
                );
            }
            rows
        }
    };
    let options = CohortFeatureOptions {
        extractor,
        habitats,
        habitat_maps: args.habitat_maps.clone(),
        delta: !args.no_delta,
        jobs: args.jobs,
    };
    let bar = ProgressBar::new(manifest.cases.len() as u64).with_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} cases [{elapsed_precise} < {eta_precise}]",
        )
        .context("progress bar template")?,
    );
    let features = extract_cohort(&manifest, &options, &fit_rows, &bar)?;
    bar.finish_and_clear();
    for f in &features.failures {
        eprintln!("error: case {} ({} row {}): {}", f.id, path.display(), f.row, f.reason);
    }
    if let Some(model) = &features.habitat_model {
        eprintln!(
            "habitats: k = {} fitted on {} training cases (split {:?})",
            model.k(),
            fit_rows
                .iter()
                .filter(|&&r| !features.failures.iter().any(|f| f.id == manifest.cases[r].id))
                .count(),
            args.fit_split
        );
        if let Some(dir) = &args.habitat_maps {
            model.save(&dir.join("habitat-model.json")).map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    if !features.habitat_gaps.is_empty() {
        let cases: std::collections::BTreeSet<&str> =
            features.habitat_gaps.iter().map(|g| g.id.as_str()).collect();
        eprintln!(
            "note: {} habitat feature groups of {} cases are empty cells (habitat absent or too small)",
            features.habitat_gaps.len(),
            cases.len()
        );
    }
    if features.ids.is_empty() {
        bail!("all {} cases of {} failed; no output written", manifest.cases.len(), path.display());
    }
    let mut df = features.to_dataframe()?;
    let by_id: std::collections::HashMap<&str, &radlsig_cohort::Case> =
        manifest.cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let cases: Vec<&radlsig_cohort::Case> =
        features.ids.iter().map(|id| by_id[id.as_str()]).collect();
    let mut at = 1;
    if manifest.cases.iter().any(|c| c.label.is_some()) {
        let values: Vec<Option<i32>> = cases.iter().map(|c| c.label.map(i32::from)).collect();
        df.insert_column(at, Column::new("label".into(), values))
            .context("building the output table")?;
        at += 1;
    }
    let text_columns: [(&str, fn(&radlsig_cohort::Case) -> Option<String>); 2] =
        [("split", |c| c.split.clone()), ("center", |c| c.center.clone())];
    for (name, get) in text_columns {
        if manifest.cases.iter().any(|c| get(c).is_some()) {
            let values: Vec<Option<String>> = cases.iter().map(|c| get(c)).collect();
            df.insert_column(at, Column::new(name.into(), values))
                .context("building the output table")?;
            at += 1;
        }
    }
    write_frame(&args.out, format, &mut df)?;
    if !features.failures.is_empty() {
        bail!(
            "{} of {} cases failed (see the messages above); {} holds the {} successful rows",
            features.failures.len(),
            manifest.cases.len(),
            args.out.display(),
            features.ids.len()
        );
    }
    Ok(())
}

/// Reads habitat settings: YAML (`.yaml`/`.yml`) or TOML (`.toml`), the habitat table itself.
fn read_habitat_settings(path: &Path) -> anyhow::Result<HabitatSettings> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("toml") => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let raw: RawHabitatSettings =
                toml::from_str(&text).with_context(|| path.display().to_string())?;
            HabitatSettings::try_from(raw).with_context(|| path.display().to_string())
        }
        Some("yaml" | "yml") => {
            HabitatSettings::from_yaml_file(path).map_err(|e| anyhow::anyhow!("{e}"))
        }
        _ => bail!("{}: habitat settings must end in .yaml, .yml or .toml", path.display()),
    }
}

fn run_batch(
    manifest: &Path,
    settings: &ExtractionSettings,
    extractor: &Extractor,
    out: &Path,
    format: Format,
) -> anyhow::Result<()> {
    let (columns, cases) = read_manifest(manifest)?;
    let bar = ProgressBar::new(cases.len() as u64).with_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} cases [{elapsed_precise} < {eta_precise}]",
        )
        .context("progress bar template")?,
    );
    let results: Vec<anyhow::Result<FeatureVector>> = {
        cases
            .par_iter()
            .map(|case| {
                let result = extract_case(case, settings, extractor);
                if let Err(e) = &result {
                    bar.suspend(|| {
                        eprintln!(
                            "error: case {} ({} line {}; image {}, mask {}): {e:#}",
                            case.row,
                            manifest.display(),
                            case.row + 1,
                            case.image.display(),
                            case.mask.display()
                        )
                    });
                }
                bar.inc(1);
                result
            })
            .collect()
    };
    bar.finish_and_clear();

    let failed = results.iter().filter(|r| r.is_err()).count();
    let mut carried: Vec<(String, Vec<Option<String>>)> =
        columns.iter().map(|c| (c.clone(), Vec::new())).collect();
    let mut vectors = Vec::new();
    for (case, result) in cases.iter().zip(results) {
        if let Ok(fv) = result {
            for ((_, values), cell) in carried.iter_mut().zip(&case.cells) {
                values.push(cell.clone());
            }
            vectors.push(fv);
        }
    }
    if vectors.is_empty() {
        bail!("all {} cases of {} failed; no output written", cases.len(), manifest.display());
    }
    write_table(out, format, carried, &vectors)?;
    if failed > 0 {
        bail!(
            "{failed} of {} cases failed (see the messages above); {} holds the {} successful rows",
            cases.len(),
            out.display(),
            vectors.len()
        );
    }
    Ok(())
}

fn extract_case(
    case: &Case,
    settings: &ExtractionSettings,
    extractor: &Extractor,
) -> anyhow::Result<FeatureVector> {
    match case.label {
        Some(label) if label != settings.label() => {
            let per_case = Extractor::new(settings.clone().with_label(label)?)?;
            per_case.extract(&case.image, &case.mask).map_err(flatten)
        }
        _ => extractor.extract(&case.image, &case.mask).map_err(flatten),
    }
}

/// The library's messages already name the file and the problem, including the underlying
/// error's text; printing its `source()` chain as well would repeat the operating-system
/// message ("No such file or directory" twice), so the chain is flattened into one message.
fn flatten(e: radlsig_radiomics::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Reads PyRadiomics' batch CSV: column names and one [`Case`] per row.
fn read_manifest(path: &Path) -> anyhow::Result<(Vec<String>, Vec<Case>)> {
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0)) // every column as text, carried through unchanged
        .try_into_reader_with_file_path(Some(path.to_path_buf()))
        .and_then(|r| r.finish())
        .with_context(|| format!("reading manifest {}", path.display()))?;
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    for required in ["Image", "Mask"] {
        if !names.iter().any(|n| n == required) {
            bail!("{}: no {required} column (columns: {})", path.display(), names.join(", "));
        }
    }
    if df.height() == 0 {
        bail!("{}: no cases", path.display());
    }
    let base = path.parent().unwrap_or(Path::new(""));
    let text_columns: Vec<&StringChunked> = df
        .columns()
        .iter()
        .map(|c| c.str())
        .collect::<PolarsResult<_>>()
        .with_context(|| format!("reading manifest {}", path.display()))?;
    let cell = |col: &str, row: usize| -> Option<String> {
        let i = names.iter().position(|n| n == col)?;
        text_columns[i].get(row).map(str::to_string).filter(|s| !s.trim().is_empty())
    };
    let mut cases = Vec::with_capacity(df.height());
    for row in 0..df.height() {
        let line = row + 2;
        let image = cell("Image", row)
            .with_context(|| format!("{} line {line}: empty Image", path.display()))?;
        let mask = cell("Mask", row)
            .with_context(|| format!("{} line {line}: empty Mask", path.display()))?;
        let label = match cell("Label", row) {
            None => None,
            Some(text) => {
                let label = parse_label(&text).with_context(|| {
                    format!(
                        "{} line {line}: Label {text:?} is not a positive integer",
                        path.display()
                    )
                })?;
                Some(label)
            }
        };
        cases.push(Case {
            row: row + 1,
            cells: text_columns.iter().map(|c| c.get(row).map(str::to_string)).collect(),
            image: base.join(image.trim()),
            mask: base.join(mask.trim()),
            label,
        });
    }
    Ok((names, cases))
}

/// A label cell: a positive integer, also written as `2.0` (as pandas writes integer labels
/// with missing values).
fn parse_label(text: &str) -> Option<i64> {
    let t = text.trim();
    let v = t.parse::<i64>().ok().or_else(|| {
        let f = t.parse::<f64>().ok()?;
        (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
    })?;
    (v > 0).then_some(v)
}

/// Writes the carried text columns followed by one float column per feature, atomically.
fn write_table(
    out: &Path,
    format: Format,
    carried: Vec<(String, Vec<Option<String>>)>,
    vectors: &[FeatureVector],
) -> anyhow::Result<()> {
    let first = &vectors[0];
    let names: Vec<&str> = first.names().collect();
    for (i, fv) in vectors.iter().enumerate().skip(1) {
        if !fv.names().eq(names.iter().copied()) {
            bail!("row {} produced different feature columns from row 1", i + 1);
        }
    }
    for (name, _) in &carried {
        if names.contains(&name.as_str()) {
            bail!("manifest column {name} has the name of a feature");
        }
    }
    if format == Format::Csv {
        // Written directly: a single-case run is a few milliseconds, and Polars' first use
        // alone costs several (it zero-fills an 8 MB buffer at start-up).
        return write_csv(out, &carried, &names, vectors);
    }
    let height = vectors.len();
    let mut columns: Vec<Column> = Vec::with_capacity(carried.len() + names.len());
    for (name, values) in carried {
        columns.push(Column::new(name.into(), values));
    }
    for (j, name) in names.iter().enumerate() {
        let values: Vec<f64> = vectors.iter().map(|fv| fv.features[j].1).collect();
        columns.push(Column::new((*name).into(), values));
    }
    let mut df = DataFrame::new(height, columns).context("building the output table")?;
    write_frame(out, format, &mut df)
}

/// The table as RFC 4180 CSV (a header row; text cells quoted when they hold a comma, quote
/// or line break; missing cells empty; numbers in Rust's shortest round-trip form), atomically.
fn write_csv(
    out: &Path,
    carried: &[(String, Vec<Option<String>>)],
    names: &[&str],
    vectors: &[FeatureVector],
) -> anyhow::Result<()> {
    use std::fmt::Write as _;
    fn cell(text: &str, line: &mut String) {
        if text.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&text.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(text);
        }
    }
    let mut text = String::new();
    let header = carried.iter().map(|(n, _)| n.as_str()).chain(names.iter().copied());
    for (j, name) in header.enumerate() {
        if j > 0 {
            text.push(',');
        }
        cell(name, &mut text);
    }
    text.push('\n');
    for (i, fv) in vectors.iter().enumerate() {
        for (j, (_, values)) in carried.iter().enumerate() {
            if j > 0 {
                text.push(',');
            }
            cell(values[i].as_deref().unwrap_or(""), &mut text);
        }
        for (j, (_, value)) in fv.features.iter().enumerate() {
            if j > 0 || !carried.is_empty() {
                text.push(',');
            }
            let _ = write!(text, "{value:?}");
        }
        text.push('\n');
    }
    radlsig_volume::write_atomically(out, |tmp| -> anyhow::Result<()> {
        let mut file = File::create(tmp).with_context(|| format!("creating {}", out.display()))?;
        std::io::Write::write_all(&mut file, text.as_bytes())
            .and_then(|()| file.sync_all())
            .with_context(|| format!("writing {}", out.display()))
    })
}

/// Writes a table as CSV or Parquet, atomically.
fn write_frame(out: &Path, format: Format, df: &mut DataFrame) -> anyhow::Result<()> {
    radlsig_volume::write_atomically(out, |tmp| -> anyhow::Result<()> {
        let mut file = File::create(tmp).with_context(|| format!("creating {}", out.display()))?;
        match format {
            Format::Csv => CsvWriter::new(&mut file).include_header(true).finish(df),
            Format::Parquet => ParquetWriter::new(&mut file).finish(df).map(|_| ()),
        }
        .with_context(|| format!("writing {}", out.display()))?;
        file.sync_all().with_context(|| format!("writing {}", out.display()))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_formats() {
        assert_eq!(parse_label("2"), Some(2));
        assert_eq!(parse_label(" 7.0 "), Some(7));
        assert_eq!(parse_label("0"), None);
        assert_eq!(parse_label("1.5"), None);
        assert_eq!(parse_label("x"), None);
        assert_eq!(Format::of(Path::new("a/b.CSV")).unwrap(), Format::Csv);
        assert_eq!(Format::of(Path::new("b.parquet")).unwrap(), Format::Parquet);
        assert!(Format::of(Path::new("b.xlsx")).is_err());
    }
}
