//! PyRadiomics' batch mode: a CSV of cases in, one feature row per case out.
//!
//! [`BatchManifest::read`] reads PyRadiomics' batch CSV: a header row with at least `Image` and
//! `Mask` (and optionally `Label`) columns, then one case per row. Every column is kept as text
//! and carried into the output, in order; blank cells are missing; relative paths are resolved
//! against the CSV's folder. A row's `Label` cell, when given, overrides the settings' `label`
//! for that case, as in PyRadiomics ([`BatchCase::extract`]).
//!
//! [`FeatureTable`] holds the rows to write (carried text columns, then one column per
//! feature) and writes them as CSV ([`FeatureTable::write_csv`]).
//!
//! ```no_run
//! use radlsig_radiomics::batch::{BatchManifest, FeatureTable};
//! use radlsig_radiomics::{ExtractionSettings, Extractor};
//! # fn main() -> radlsig_radiomics::Result<()> {
//! let batch = BatchManifest::read("cases.csv".as_ref())?;
//! let extractor = Extractor::new(ExtractionSettings::default())?;
//! let results = batch.extract(&extractor, &|_, _| {});
//! let table = FeatureTable::from_batch(&batch, results)?;
//! table.write_csv("features.csv".as_ref())?;
//! # Ok(())
//! # }
//! ```

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::{Error, Extractor, FeatureVector, Result};

/// PyRadiomics' batch CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchManifest {
    /// The CSV file.
    pub path: PathBuf,
    /// The column names, in file order.
    pub columns: Vec<String>,
    /// The cases, in file order.
    pub cases: Vec<BatchCase>,
}

/// One case (row) of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchCase {
    /// 1-based data row of the CSV (the header is line 1, this is line `row + 1`).
    pub row: usize,
    /// The row's cells, in column order (`None`: blank), carried into the output.
    pub cells: Vec<Option<String>>,
    /// The image, resolved against the CSV's folder.
    pub image: PathBuf,
    /// The mask, resolved against the CSV's folder.
    pub mask: PathBuf,
    /// The row's `Label`, when the column exists and the cell is not blank.
    pub label: Option<i64>,
}

impl BatchManifest {
    /// Reads a batch CSV. Fails, naming the file (and the line), when it cannot be read,
    /// lacks an `Image` or `Mask` column, has no row, has a row with an empty `Image` or
    /// `Mask`, or a `Label` that is not a positive integer ([`parse_label`]).
    pub fn read(path: &Path) -> Result<BatchManifest> {
        let read_error = |source| Error::BatchRead { path: path.to_path_buf(), source };
        let mut reader = csv::ReaderBuilder::new().from_path(path).map_err(read_error)?;
        let columns: Vec<String> =
            reader.headers().map_err(read_error)?.iter().map(str::to_string).collect();
        let column = |name: &str| columns.iter().position(|c| c == name);
        let (Some(image_at), Some(mask_at)) = (column("Image"), column("Mask")) else {
            let missing = if column("Image").is_none() { "Image" } else { "Mask" };
            return Err(Error::BatchColumn {
                path: path.to_path_buf(),
                column: missing,
                columns: columns.clone(),
            });
        };
        let label_at = column("Label");
        let base = path.parent().unwrap_or(Path::new(""));
        let mut cases = Vec::new();
        for (row, record) in reader.records().enumerate() {
            let record = record.map_err(read_error)?;
            let line = row + 2;
            // Every column as text; an empty cell is missing.
            let cells: Vec<Option<String>> =
                record.iter().map(|c| (!c.is_empty()).then(|| c.to_string())).collect();
            let text = |at: usize| cells[at].as_deref().filter(|s| !s.trim().is_empty());
            let required = |at: usize, column: &'static str| {
                text(at).ok_or_else(|| Error::BatchEmptyCell {
                    path: path.to_path_buf(),
                    line,
                    column,
                })
            };
            let image = required(image_at, "Image")?;
            let mask = required(mask_at, "Mask")?;
            let label = match label_at.and_then(text) {
                None => None,
                Some(t) => Some(parse_label(t).ok_or_else(|| Error::BatchLabel {
                    path: path.to_path_buf(),
                    line,
                    text: t.to_string(),
                })?),
            };
            cases.push(BatchCase {
                row: row + 1,
                image: base.join(image.trim()),
                mask: base.join(mask.trim()),
                label,
                cells,
            });
        }
        if cases.is_empty() {
            return Err(Error::NoCases { path: path.to_path_buf() });
        }
        Ok(BatchManifest { path: path.to_path_buf(), columns, cases })
    }

    /// Extracts every case in parallel (on the current rayon pool), returning the results in
    /// row order. `done` is called once per case as it finishes, with its error if it failed
    /// (for progress and messages), possibly from several threads.
    pub fn extract(
        &self,
        extractor: &Extractor,
        done: &(dyn Fn(&BatchCase, Option<&Error>) + Sync),
    ) -> Vec<Result<FeatureVector>> {
        self.cases
            .par_iter()
            .map(|case| {
                let result = case.extract(extractor);
                done(case, result.as_ref().err());
                result
            })
            .collect()
    }
}

impl BatchCase {
    /// Extracts this case's features: with `extractor`, or with its settings and this row's
    /// `Label` when that differs from the settings' `label`.
    pub fn extract(&self, extractor: &Extractor) -> Result<FeatureVector> {
        match self.label {
            Some(label) if label != extractor.settings().label() => {
                let per_case = Extractor::new(extractor.settings().clone().with_label(label)?)?;
                per_case.extract(&self.image, &self.mask)
            }
            _ => extractor.extract(&self.image, &self.mask),
        }
    }
}

/// A `Label` cell: a positive integer, also written as `2.0` (as pandas writes integer labels
/// with missing values).
pub fn parse_label(text: &str) -> Option<i64> {
    let t = text.trim();
    let v = t.parse::<i64>().ok().or_else(|| {
        let f = t.parse::<f64>().ok()?;
        (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
    })?;
    (v > 0).then_some(v)
}

/// Feature rows ready to be written: carried text columns, then one float column per feature.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureTable {
    /// Text columns carried from the input (name, one cell per row; `None`: missing).
    pub carried: Vec<(String, Vec<Option<String>>)>,
    /// The feature column names, in order.
    pub names: Vec<String>,
    /// `rows[row][feature]`.
    pub rows: Vec<Vec<f64>>,
}

impl FeatureTable {
    /// The table of `vectors` (one row each) after the `carried` columns (one cell per row).
    ///
    /// Fails when a vector's feature names differ from the first one's, or a carried column
    /// has the name of a feature.
    pub fn new(
        carried: Vec<(String, Vec<Option<String>>)>,
        vectors: Vec<FeatureVector>,
    ) -> Result<FeatureTable> {
        let names: Vec<String> =
            vectors.first().map(|v| v.names().map(str::to_string).collect()).unwrap_or_default();
        for (i, fv) in vectors.iter().enumerate().skip(1) {
            if !fv.names().eq(names.iter().map(String::as_str)) {
                return Err(Error::RowColumns { row: i + 1 });
            }
        }
        if let Some((name, _)) = carried.iter().find(|(name, _)| names.contains(name)) {
            return Err(Error::ColumnClash { name: name.clone() });
        }
        let rows = vectors
            .into_iter()
            .map(|fv| fv.features.into_iter().map(|(_, v)| v).collect())
            .collect();
        Ok(FeatureTable { carried, names, rows })
    }

    /// The successful cases of a batch: each row's cells carried under the CSV's column
    /// names, then its features. `results` are [`BatchManifest::extract`]'s, in row order.
    pub fn from_batch(
        batch: &BatchManifest,
        results: Vec<Result<FeatureVector>>,
    ) -> Result<FeatureTable> {
        let mut carried: Vec<(String, Vec<Option<String>>)> =
            batch.columns.iter().map(|c| (c.clone(), Vec::new())).collect();
        let mut vectors = Vec::new();
        for (case, result) in batch.cases.iter().zip(results) {
            if let Ok(fv) = result {
                for (j, (_, values)) in carried.iter_mut().enumerate() {
                    values.push(case.cells.get(j).cloned().flatten());
                }
                vectors.push(fv);
            }
        }
        FeatureTable::new(carried, vectors)
    }

    /// Writes the table as RFC 4180 CSV, atomically: a header row; text cells quoted when they
    /// hold a comma, quote or line break; missing cells empty; numbers in Rust's shortest
    /// round-trip form (`0.1`, `3.0`, `NaN`).
    pub fn write_csv(&self, out: &Path) -> Result<()> {
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
        let header = self.carried.iter().map(|(n, _)| n).chain(&self.names);
        for (j, name) in header.enumerate() {
            if j > 0 {
                text.push(',');
            }
            cell(name, &mut text);
        }
        text.push('\n');
        for (i, row) in self.rows.iter().enumerate() {
            for (j, (_, values)) in self.carried.iter().enumerate() {
                if j > 0 {
                    text.push(',');
                }
                cell(values[i].as_deref().unwrap_or(""), &mut text);
            }
            for (j, value) in row.iter().enumerate() {
                if j > 0 || !self.carried.is_empty() {
                    text.push(',');
                }
                let _ = write!(text, "{value:?}");
            }
            text.push('\n');
        }
        let write_error = |source| Error::Write { path: out.to_path_buf(), source };
        radlsig_volume::write_atomically(out, |tmp| -> Result<()> {
            let mut file = File::create(tmp).map_err(write_error)?;
            std::io::Write::write_all(&mut file, text.as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(write_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(parse_label("2"), Some(2));
        assert_eq!(parse_label(" 7.0 "), Some(7));
        assert_eq!(parse_label("0"), None);
        assert_eq!(parse_label("1.5"), None);
        assert_eq!(parse_label("x"), None);
    }

    #[test]
    fn manifest_cells_paths_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cases.csv");
        std::fs::write(
            &path,
            "Patient,Image,Mask,Label,Note\np1,a.nrrd,/abs/m.nrrd,,\"x, \"\"y\"\"\"\np2, b.nrrd ,m.nrrd,2.0, \n",
        )
        .unwrap();
        let b = BatchManifest::read(&path).unwrap();
        assert_eq!(b.columns, ["Patient", "Image", "Mask", "Label", "Note"]);
        assert_eq!(b.cases.len(), 2);
        let (p1, p2) = (&b.cases[0], &b.cases[1]);
        assert_eq!((p1.row, p2.row), (1, 2));
        assert_eq!(p1.image, dir.path().join("a.nrrd"));
        assert_eq!(p1.mask, PathBuf::from("/abs/m.nrrd"));
        assert_eq!(p1.label, None);
        assert_eq!(p1.cells[3], None);
        assert_eq!(p1.cells[4].as_deref(), Some("x, \"y\""));
        assert_eq!(p2.image, dir.path().join("b.nrrd"));
        assert_eq!(p2.label, Some(2));
        // A blank cell of spaces is carried as written.
        assert_eq!(p2.cells[4].as_deref(), Some(" "));

        let fails = |text: &str, needles: &[&str]| {
            std::fs::write(&path, text).unwrap();
            let e = BatchManifest::read(&path).unwrap_err().chain().to_string();
            for n in needles {
                assert!(e.contains(n), "{n:?} missing from {e}");
            }
        };
        // A byte-order mark (as Excel writes) is not part of the first column's name.
        std::fs::write(&path, "\u{feff}Image,Mask\na.nrrd,m.nrrd\n").unwrap();
        assert_eq!(BatchManifest::read(&path).unwrap().columns, ["Image", "Mask"]);
        fails("Image,Label\na.nrrd,1\n", &["cases.csv", "no Mask column", "Image, Label"]);
        fails("Image,Mask\n", &["cases.csv: no cases"]);
        fails("Image,Mask\na,m\n ,m\n", &["cases.csv line 3: empty Image"]);
        fails(
            "Image,Mask,Label\na,m,1\na,m,0\n",
            &["line 3: Label \"0\" is not a positive integer"],
        );
        fails("Image,Mask\na,m,x\n", &["reading manifest", "cases.csv"]);
    }

    #[test]
    fn csv_quotes_and_round_trip_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("t.csv");
        let table = FeatureTable {
            carried: vec![("ID".into(), vec![Some("a,\"b\"".into()), None])],
            names: vec!["f1".into(), "f2".into()],
            rows: vec![vec![0.1, 3.0], vec![f64::NAN, -2.5e-300]],
        };
        table.write_csv(&out).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text, "ID,f1,f2\n\"a,\"\"b\"\"\",0.1,3.0\n,NaN,-2.5e-300\n");
        let bare = FeatureTable { carried: vec![], ..table };
        bare.write_csv(&out).unwrap();
        assert!(std::fs::read_to_string(&out).unwrap().starts_with("f1,f2\n0.1,3.0\n"));
    }
}
