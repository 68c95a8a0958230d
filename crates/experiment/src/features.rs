//! Stage 2, **features**: handcrafted radiomics of every case (`features.parquet`), with delta
//! columns for pre/post cohorts and habitat features fitted on the training rows of the first
//! fit, cached under a key of everything they depend on.

use std::path::Path;

use polars::prelude::{Column, DataFrame};
use radlsig_cohort::Manifest;
use radlsig_radiomics::batch::FeatureTable;
use radlsig_radiomics::cohort::{
    CaseColumns, CohortFeatureOptions, CohortFeatures, extract_cohort,
};

use crate::cache::key;
use crate::cohort::Cohort;
use crate::error::{Error, Result};
use crate::observer::Observer;
use crate::plan::RadiomicsPlan;
use crate::tables::{RawTable, TableFormat, copy_atomically, write_table};

/// The feature table of the cohort (manifest order), from the cache when this build already
/// extracted it with the same settings and training rows; `features.parquet` in `dir`.
pub(crate) fn run(
    plan: &RadiomicsPlan,
    label: i64,
    cohort: &Cohort,
    dir: &Path,
    observer: &dyn Observer,
) -> Result<RawTable> {
    let m = &cohort.manifest;
    let fit_rows = &cohort.fits[0].train;
    let fit_ids: Vec<&str> = fit_rows.iter().map(|&i| m.cases[i].id.as_str()).collect();
    let habitat_text = plan.habitats.as_ref().map_or("", |(_, t)| t.as_str());
    let k = key(&[
        "features",
        &cohort.digest,
        &plan.params_text,
        &label.to_string(),
        habitat_text,
        &plan.delta.to_string(),
        &if habitat_text.is_empty() { String::new() } else { fit_ids.join("\u{1}") },
    ]);
    let cached = dir.join("cache").join(format!("features-{k}.parquet"));
    if cached.exists() {
        observer.note(&format!("features: cached ({})", cached.display()));
    } else {
        let options = CohortFeatureOptions {
            extractor: plan.extractor.clone(),
            habitats: plan.habitats.as_ref().map(|(s, _)| s.clone()),
            habitat_maps: plan.habitats.as_ref().map(|_| dir.join("habitat-maps")),
            delta: plan.delta,
            jobs: None,
        };
        observer.begin("features", m.cases.len());
        let features = extract_cohort(m, &options, fit_rows, &|| observer.advance());
        observer.end();
        let features = features.map_err(|e| Error::radiomics("feature extraction", e))?;
        if !features.failures.is_empty() {
            return Err(Error::Features {
                total: m.cases.len(),
                failures: features
                    .failures
                    .iter()
                    .map(|f| format!("row {} ({}): {}", f.row, f.id, f.reason()))
                    .collect(),
            });
        }
        write_table(&cached, &mut feature_frame(&features)?)?;
        copy_atomically(&cached, &dir.join("features.parquet"))?;
        // Every case succeeded, so the rows are the manifest's, in its order.
        return Ok(RawTable { ids: features.ids, names: features.names, values: features.values });
    }
    copy_atomically(&cached, &dir.join("features.parquet"))?;
    RawTable::read_parquet(&cached)?.aligned(m, "features.parquet")
}

/// The feature table of a cohort: `ID` (text) first, then one float column per feature, null
/// where a value is undefined.
pub fn feature_frame(features: &CohortFeatures) -> Result<DataFrame> {
    let mut columns = Vec::with_capacity(features.names.len() + 1);
    columns.push(Column::new("ID".into(), features.ids.clone()));
    for (j, name) in features.names.iter().enumerate() {
        let values: Vec<Option<f64>> = features.values.iter().map(|row| row[j]).collect();
        columns.push(Column::new(name.as_str().into(), values));
    }
    DataFrame::new(features.ids.len(), columns)
        .map_err(|e| Error::table("building the feature table", e))
}

/// The table `radlsig extract --cohort` writes: `ID`, then `label`, `split` and `center`
/// where some case of `manifest` has one, then the features.
pub fn cohort_frame(features: &CohortFeatures, manifest: &Manifest) -> Result<DataFrame> {
    let mut df = feature_frame(features)?;
    let CaseColumns { label, text } = features.case_columns(manifest);
    let label = label.map(|v| {
        Column::new("label".into(), v.into_iter().map(|l| l.map(i32::from)).collect::<Vec<_>>())
    });
    let text = text.into_iter().map(|(name, values)| Column::new(name.into(), values));
    for (at, column) in label.into_iter().chain(text).enumerate() {
        df.insert_column(at + 1, column)
            .map_err(|e| Error::table("building the cohort feature table", e))?;
    }
    Ok(df)
}

/// A batch's feature table as a frame: the carried manifest columns (text), then one float
/// column per feature.
pub fn batch_frame(table: &FeatureTable) -> Result<DataFrame> {
    let mut columns: Vec<Column> = Vec::with_capacity(table.carried.len() + table.names.len());
    for (name, values) in &table.carried {
        columns.push(Column::new(name.into(), values));
    }
    for (j, name) in table.names.iter().enumerate() {
        let values: Vec<f64> = table.rows.iter().map(|row| row[j]).collect();
        columns.push(Column::new(name.into(), values));
    }
    DataFrame::new(table.rows.len(), columns)
        .map_err(|e| Error::table("building the feature table", e))
}

/// Writes a batch's feature table to `out`, atomically: CSV through the radiomics crate's own
/// writer (a single case then costs milliseconds; Polars' first use alone costs several), or
/// Parquet.
pub fn write_feature_table(out: &Path, table: &FeatureTable) -> Result<()> {
    match TableFormat::of(out)? {
        TableFormat::Csv => {
            table.write_csv(out).map_err(|e| Error::radiomics("the feature table", e))
        }
        TableFormat::Parquet => write_table(out, &mut batch_frame(table)?),
    }
}
