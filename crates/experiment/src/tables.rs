//! Tables of a run: reading the stage outputs back, leak-free handling of undefined values, the
//! clinical block, the feature blocks a fit sees, and atomic Parquet/CSV writing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use polars::prelude::{
    Column, CsvWriter, DataFrame, DataType, ParquetReader, ParquetWriter, SerReader, SerWriter,
};
use radlsig_cohort::Manifest;
use radlsig_fusion::{FeatureBlocks, FeatureTable};
use radlsig_stats::median_sorted;

use crate::error::{Error, Result};

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
    pub fn read_parquet(path: &Path) -> Result<RawTable> {
        let df = read_parquet(path)?;
        Self::from_frame(&df, &path.display().to_string())
    }

    /// From a frame with an `ID` column and numeric feature columns; `what` names the table in
    /// errors.
    pub fn from_frame(df: &DataFrame, what: &str) -> Result<RawTable> {
        let polars = |e| Error::table(what, e);
        let ids: Vec<String> = df
            .column("ID")
            .map_err(|_| Error::TableContent { what: what.into(), reason: "no ID column".into() })?
            .cast(&DataType::String)
            .map_err(polars)?
            .str()
            .map_err(polars)?
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
            let values: Vec<Option<f64>> = col
                .cast(&DataType::Float64)
                .map_err(polars)?
                .f64()
                .map_err(polars)?
                .iter()
                .collect();
            names.push(name.to_string());
            columns.push(values);
        }
        let values = (0..ids.len()).map(|r| columns.iter().map(|c| c[r]).collect()).collect();
        Ok(RawTable { ids, names, values })
    }

    /// The rows in `manifest` order (every case must be present exactly once).
    pub fn aligned(&self, manifest: &Manifest, what: &str) -> Result<RawTable> {
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
            return Err(Error::TableContent {
                what: what.into(),
                reason: format!("no row for cases {}", missing.join(", ")),
            });
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
            let median = median_sorted(&train_values);
            for i in 0..self.ids.len() {
                out[[i, k]] = ok(self.values[i][j]).unwrap_or(median);
            }
        }
        (kept.iter().map(|&j| self.names[j].clone()).collect(), out, dropped)
    }
}

/// The clinical block: a numeric column per variable whose training values all parse as
/// numbers; otherwise one indicator per level seen in training except the first in sorted
/// order (`sex=M`). Levels not seen in training get all indicators 0; an empty or unparsable
/// numeric cell is an error naming the row.
pub fn clinical_table(
    manifest: &Manifest,
    columns: &[String],
    train: &[usize],
) -> Result<RawTable> {
    let mut names = Vec::new();
    let mut cols: Vec<Vec<Option<f64>>> = Vec::new();
    for column in columns {
        if !manifest.clinical_columns.contains(column) {
            return Err(Error::Config {
                source_file: None,
                problems: vec![format!(
                    "clinical.columns: {column:?} is not a column of {} (it has {})",
                    manifest.path.display(),
                    manifest.clinical_columns.join(", ")
                )],
            });
        }
        let cell = |i: usize| manifest.cases[i].clinical.get(column).map_or("", |s| s.as_str());
        let numeric = train.iter().all(|&i| cell(i).parse::<f64>().is_ok_and(f64::is_finite));
        if numeric {
            let mut values = Vec::new();
            for (i, case) in manifest.cases.iter().enumerate() {
                let v = cell(i).parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                    Error::TableContent {
                        what: format!("{} row {}", manifest.path.display(), case.row),
                        reason: format!(
                            "column {column:?} must be a number (it is numeric in the training \
                             rows), got {:?}",
                            cell(i)
                        ),
                    }
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
) -> Result<FeatureBlocks> {
    let ids: Vec<String> = manifest.cases.iter().map(|c| c.id.clone()).collect();
    let centres: Option<Vec<String>> =
        manifest.cases.iter().map(|c| c.center.clone()).collect::<Option<Vec<_>>>();
    let make = |t: Option<&RawTable>,
                with_centres: bool,
                dropped: &mut Vec<String>|
     -> Result<Option<FeatureTable>> {
        let Some(t) = t else { return Ok(None) };
        let (names, values, gone) = t.complete_for(train);
        dropped.extend(gone);
        let fusion = |e| Error::Fusion {
            context: "building the feature blocks".into(),
            source: Box::new(e),
        };
        let mut table = FeatureTable::new(ids.clone(), names, values).map_err(fusion)?;
        if with_centres && let Some(c) = &centres {
            table = table.with_centres(c.clone()).map_err(fusion)?;
        }
        Ok(Some(table))
    };
    Ok(FeatureBlocks {
        radiomics: make(radiomics, true, dropped)?,
        deep: make(deep, true, dropped)?,
        clinical: make(clinical, false, dropped)?,
    })
}

/// Reads a Parquet table.
pub fn read_parquet(path: &Path) -> Result<DataFrame> {
    let file = File::open(path).map_err(|e| Error::Read { path: path.to_path_buf(), source: e })?;
    ParquetReader::new(file)
        .finish()
        .map_err(|e| Error::table(format!("{}: not a readable Parquet table", path.display()), e))
}

/// The output formats of a table, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// `.csv`: a header row, then one line per row.
    Csv,
    /// `.parquet`.
    Parquet,
}

impl TableFormat {
    /// The format of `path` by its extension (`.csv` or `.parquet`, any case).
    pub fn of(path: &Path) -> Result<TableFormat> {
        let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
        match ext.as_deref() {
            Some("csv") => Ok(TableFormat::Csv),
            Some("parquet") => Ok(TableFormat::Parquet),
            _ => Err(Error::TableContent {
                what: path.display().to_string(),
                reason: "output must end in .csv or .parquet".into(),
            }),
        }
    }
}

/// Writes `df` to `path` as CSV or Parquet (by extension) through a temporary file and a
/// rename, so a failure leaves no partial file.
pub fn write_table(path: &Path, df: &mut DataFrame) -> Result<()> {
    let format = TableFormat::of(path)?;
    radlsig_volume::write_atomically(path, |tmp| -> Result<()> {
        let mut file =
            File::create(tmp).map_err(|e| Error::Write { path: path.into(), source: e })?;
        match format {
            TableFormat::Csv => CsvWriter::new(&mut file).include_header(true).finish(df),
            TableFormat::Parquet => ParquetWriter::new(&mut file).finish(df).map(|_| ()),
        }
        .map_err(|e| Error::table(format!("writing {}", path.display()), e))?;
        file.sync_all().map_err(|e| Error::Write { path: path.into(), source: e })
    })
}

/// Writes bytes to `path` through a temporary file and a rename.
pub fn write_bytes(path: &Path, bytes: &[u8]) -> Result<()> {
    radlsig_volume::write_atomically(path, |tmp| -> Result<()> {
        std::fs::write(tmp, bytes).map_err(|e| Error::Write { path: path.into(), source: e })
    })
}

/// Copies a file through a temporary file and a rename.
pub fn copy_atomically(from: &Path, to: &Path) -> Result<()> {
    let bytes = std::fs::read(from).map_err(|e| Error::Read { path: from.into(), source: e })?;
    write_bytes(to, &bytes)
}

/// The names of `width` embedding columns: `deep_000` … (zero-padded to the width).
fn embedding_names(width: usize) -> Vec<String> {
    let digits = width.saturating_sub(1).to_string().len().max(3);
    (0..width).map(|j| format!("deep_{j:0digits$}")).collect()
}

impl RawTable {
    /// The embedding table's numbers as read back from [`embeddings_frame`]'s Parquet file:
    /// `deep_000` … (the `f32` features widened exactly to `f64`), then `dl_prob`.
    pub fn from_embeddings(e: &radlsig_deep::Embeddings) -> RawTable {
        let mut names = embedding_names(e.features.ncols());
        if e.probabilities.is_some() {
            names.push("dl_prob".into());
        }
        let values = e
            .features
            .rows()
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let p = e.probabilities.as_ref().map(|p| Some(p[i]));
                row.iter().map(|&v| Some(f64::from(v))).chain(p).collect()
            })
            .collect();
        RawTable { ids: e.ids.clone(), names, values }
    }
}

/// The embedding table: `ID`, `deep_000` … (zero-padded to the width), `dl_prob` (not for a
/// frozen pretrained backbone, which has no head).
pub fn embeddings_frame(e: &radlsig_deep::Embeddings) -> Result<DataFrame> {
    let mut columns = vec![Column::new("ID".into(), e.ids.clone())];
    let names = embedding_names(e.features.ncols());
    for (values, name) in e.features.columns().into_iter().zip(names) {
        columns.push(Column::new(name.into(), values.to_vec()));
    }
    if let Some(p) = &e.probabilities {
        columns.push(Column::new("dl_prob".into(), p.clone()));
    }
    DataFrame::new(e.ids.len(), columns)
        .map_err(|e| Error::table("building the embedding table", e))
}

/// `embeddings.parquet` of a run: the single fit's table, or every fit's rows with a `fit`
/// column first.
pub(crate) fn write_embeddings(path: &Path, frames: &[(String, PathBuf)]) -> Result<()> {
    if let [(_, only)] = frames {
        return copy_atomically(only, path);
    }
    let mut all: Option<DataFrame> = None;
    let polars = |e| Error::table(format!("building {}", path.display()), e);
    for (name, p) in frames {
        let mut df = read_parquet(p)?;
        let n = df.height();
        df.insert_column(0, Column::new("fit".into(), vec![name.clone(); n])).map_err(polars)?;
        all = Some(match all {
            None => df,
            Some(mut a) => {
                a.vstack_mut(&df).map_err(polars)?;
                a
            }
        });
    }
    if let Some(mut df) = all {
        write_table(path, &mut df)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embeddings_read_back_as_they_are_built() {
        let e = radlsig_deep::Embeddings {
            ids: vec!["a".into(), "b".into()],
            features: ndarray::array![[0.1f32, -2.5, f32::NAN], [1e-30, 3.0, 0.0]],
            probabilities: Some(vec![0.25, 0.875]),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("e.parquet");
        write_table(&path, &mut embeddings_frame(&e).unwrap()).unwrap();
        let read = RawTable::read_parquet(&path).unwrap();
        let built = RawTable::from_embeddings(&e);
        assert_eq!(read.names, ["deep_000", "deep_001", "deep_002", "dl_prob"]);
        assert_eq!((&read.ids, &read.names), (&built.ids, &built.names));
        let bits = |t: &RawTable| -> Vec<Vec<Option<u64>>> {
            t.values.iter().map(|r| r.iter().map(|v| v.map(f64::to_bits)).collect()).collect()
        };
        assert_eq!(bits(&read), bits(&built));
    }

    #[test]
    fn table_formats_by_extension() {
        assert_eq!(TableFormat::of(Path::new("a/b.CSV")).unwrap(), TableFormat::Csv);
        assert_eq!(TableFormat::of(Path::new("b.parquet")).unwrap(), TableFormat::Parquet);
        let e = TableFormat::of(Path::new("b.xlsx")).unwrap_err().to_string();
        assert!(e.contains("b.xlsx") && e.contains(".csv or .parquet"), "{e}");
    }

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
