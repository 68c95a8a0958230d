//! Feature tables of a run: reading the stage outputs back, leak-free handling of undefined
//! values, the clinical block, and the feature blocks a fit sees.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, bail};
use ndarray::Array2;
use polars::prelude::{DataFrame, DataType, ParquetReader, SerReader};
use radlsig_cohort::Manifest;
use radlsig_fusion::{FeatureBlocks, FeatureTable};

/// A table of named numeric columns by case ID; `None` = undefined (e.g. an empty habitat).
#[derive(Clone, Debug, PartialEq)]
pub struct RawTable {
    /// Case IDs.
    pub ids: Vec<String>,
    /// Column names.
    pub names: Vec<String>,
    /// `[row][column]`.
    pub values: Vec<Vec<Option<f64>>>,
}

impl RawTable {
    /// Reads a Parquet table written by a stage: `ID` first, then numeric columns; other
    /// non-numeric columns (label, split, center) are skipped.
    pub fn read_parquet(path: &Path) -> anyhow::Result<RawTable> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let df = ParquetReader::new(file)
            .finish()
            .with_context(|| format!("{}: not a readable Parquet table", path.display()))?;
        Self::from_frame(&df).with_context(|| path.display().to_string())
    }

    /// From a frame with an `ID` column and numeric feature columns.
    pub fn from_frame(df: &DataFrame) -> anyhow::Result<RawTable> {
        let ids: Vec<String> = df
            .column("ID")
            .context("no ID column")?
            .cast(&DataType::String)?
            .str()?
            .iter()
            .map(|v| v.unwrap_or_default().to_string())
            .collect();
        let mut names = Vec::new();
        let mut columns = Vec::new();
        for col in df.columns() {
            let name = col.name().as_str();
            if name == "ID" || !col.dtype().is_primitive_numeric() {
                continue;
            }
            if matches!(name, "label") {
                continue;
            }
            let values: Vec<Option<f64>> = col.cast(&DataType::Float64)?.f64()?.iter().collect();
            names.push(name.to_string());
            columns.push(values);
        }
        let values = (0..ids.len()).map(|r| columns.iter().map(|c| c[r]).collect()).collect();
        Ok(RawTable { ids, names, values })
    }

    /// The rows in `manifest` order (every case must be present exactly once).
    pub fn aligned(&self, manifest: &Manifest, what: &str) -> anyhow::Result<RawTable> {
        let index: BTreeMap<&str, usize> =
            self.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let mut values = Vec::with_capacity(manifest.cases.len());
        let mut missing = Vec::new();
        for case in &manifest.cases {
            match index.get(case.id.as_str()) {
                Some(&i) => values.push(self.values[i].clone()),
                None => missing.push(case.id.clone()),
            }
        }
        if !missing.is_empty() {
            bail!("{what}: no row for cases {}", missing.join(", "));
        }
        Ok(RawTable {
            ids: manifest.cases.iter().map(|c| c.id.clone()).collect(),
            names: self.names.clone(),
            values,
        })
    }

    /// A complete numeric table for one fit, decided on the training rows only: columns with
    /// an undefined or non-finite value in any training row are dropped, and an undefined or
    /// non-finite value of another row is replaced by the column's training median. Nothing
    /// about the other rows changes what is kept or the values filled in.
    pub fn complete_for(&self, train: &[usize]) -> (Vec<String>, Array2<f64>, Vec<String>) {
        let ok = |v: Option<f64>| v.filter(|x| x.is_finite());
        let mut kept = Vec::new();
        let mut dropped = Vec::new();
        for (j, name) in self.names.iter().enumerate() {
            if train.iter().all(|&i| ok(self.values[i][j]).is_some()) {
                kept.push(j);
            } else {
                dropped.push(name.clone());
            }
        }
        let mut out = Array2::<f64>::zeros((self.ids.len(), kept.len()));
        for (k, &j) in kept.iter().enumerate() {
            let mut train_values: Vec<f64> =
                train.iter().filter_map(|&i| ok(self.values[i][j])).collect();
            train_values.sort_by(f64::total_cmp);
            let median = median(&train_values);
            for i in 0..self.ids.len() {
                out[[i, k]] = ok(self.values[i][j]).unwrap_or(median);
            }
        }
        (kept.iter().map(|&j| self.names[j].clone()).collect(), out, dropped)
    }
}

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 { sorted[n / 2] } else { 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]) }
}

/// The clinical block: a numeric column per variable whose training values all parse as
/// numbers; otherwise one indicator per level seen in training except the first in sorted
/// order (`sex=M`). Levels not seen in training get all indicators 0; an empty or unparsable
/// numeric cell is an error naming the row.
pub fn clinical_table(
    manifest: &Manifest,
    columns: &[String],
    train: &[usize],
) -> anyhow::Result<RawTable> {
    let mut names = Vec::new();
    let mut cols: Vec<Vec<Option<f64>>> = Vec::new();
    for column in columns {
        if !manifest.clinical_columns.contains(column) {
            bail!(
                "clinical.columns: {column:?} is not a column of {} (it has {})",
                manifest.path.display(),
                manifest.clinical_columns.join(", ")
            );
        }
        let cell = |i: usize| manifest.cases[i].clinical.get(column).map_or("", |s| s.as_str());
        let numeric = train.iter().all(|&i| cell(i).parse::<f64>().is_ok_and(f64::is_finite));
        if numeric {
            let mut values = Vec::new();
            for (i, case) in manifest.cases.iter().enumerate() {
                let v =
                    cell(i).parse::<f64>().ok().filter(|v| v.is_finite()).with_context(|| {
                        format!(
                            "{} row {}: column {column:?} must be a number (it is numeric in the \
                         training rows), got {:?}",
                            manifest.path.display(),
                            case.row,
                            cell(i)
                        )
                    })?;
                values.push(Some(v));
            }
            names.push(column.clone());
            cols.push(values);
        } else {
            let levels: BTreeSet<&str> = train.iter().map(|&i| cell(i)).collect();
            for level in levels.iter().skip(1) {
                names.push(format!("{column}={level}"));
                cols.push(
                    (0..manifest.cases.len())
                        .map(|i| Some(f64::from(u8::from(cell(i) == *level))))
                        .collect(),
                );
            }
        }
    }
    let n = manifest.cases.len();
    Ok(RawTable {
        ids: manifest.cases.iter().map(|c| c.id.clone()).collect(),
        names,
        values: (0..n).map(|r| cols.iter().map(|c| c[r]).collect()).collect(),
    })
}

/// The three blocks of all rows for one fit (completed on its training rows), with the
/// manifest's centres attached to the radiomics and deep blocks when every case has one.
pub fn blocks_for(
    manifest: &Manifest,
    radiomics: Option<&RawTable>,
    deep: Option<&RawTable>,
    clinical: Option<&RawTable>,
    train: &[usize],
    dropped: &mut Vec<String>,
) -> anyhow::Result<FeatureBlocks> {
    let ids: Vec<String> = manifest.cases.iter().map(|c| c.id.clone()).collect();
    let centres: Option<Vec<String>> =
        manifest.cases.iter().map(|c| c.center.clone()).collect::<Option<Vec<_>>>();
    let make = |t: Option<&RawTable>,
                with_centres: bool,
                dropped: &mut Vec<String>|
     -> anyhow::Result<Option<FeatureTable>> {
        let Some(t) = t else { return Ok(None) };
        let (names, values, gone) = t.complete_for(train);
        dropped.extend(gone);
        let mut table = FeatureTable::new(ids.clone(), names, values)?;
        if with_centres && let Some(c) = &centres {
            table = table.with_centres(c.clone())?;
        }
        Ok(Some(table))
    };
    Ok(FeatureBlocks {
        radiomics: make(radiomics, true, dropped)?,
        deep: make(deep, true, dropped)?,
        clinical: make(clinical, false, dropped)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_uses_training_rows_only() {
        let t = RawTable {
            ids: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            names: vec!["x".into(), "y".into()],
            values: vec![
                vec![Some(1.0), Some(1.0)],
                vec![Some(3.0), None],
                vec![Some(10.0), Some(2.0)],
                vec![None, Some(f64::NAN)],
            ],
        };
        // Train on rows 0–2: y is undefined in row 1, so it is dropped; x's median (1, 3, 10)
        // is 3, filled into row 3.
        let (names, values, dropped) = t.complete_for(&[0, 1, 2]);
        assert_eq!(names, vec!["x".to_string()]);
        assert_eq!(dropped, vec!["y".to_string()]);
        assert_eq!(values.column(0).to_vec(), vec![1.0, 3.0, 10.0, 3.0]);
        // Changing a non-training row changes nothing else.
        let mut t2 = t.clone();
        t2.values[3] = vec![Some(100.0), Some(5.0)];
        let (names2, values2, _) = t2.complete_for(&[0, 1, 2]);
        assert_eq!(names2, names);
        assert_eq!(values2.slice(ndarray::s![..3, ..]), values.slice(ndarray::s![..3, ..]));
    }
}
