//! The cohort manifest: a CSV with one row per patient (format in `datasets/README.md`).
//!
//! Columns, by exact (case-sensitive) name:
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `ID` | yes | patient identifier, unique, non-empty |
//! | `label` | no | outcome, `0` or `1` (also `0.0`/`1.0`); an empty cell is "unlabelled". A multi-class manifest ([`Manifest::load_with_classes`]) holds a class name or its index `0..K` |
//! | `split` | no | free text, conventionally `train`, `val`, `test`; empty cell = none |
//! | `center` | no | acquisition centre, free text; empty cell = none |
//! | `Image`, `Mask` | one pair | the image and its mask, for a cohort with a single sequence |
//! | `Image:<name>`, `Mask:<name>` | one pair per name | one pair per sequence or time point (`Image:T1`, `Image:ADC`, `Image:pre`, `Image:post`, …) |
//! | anything else | no | clinical covariates, kept as text in [`Case::clinical`] |
//!
//! Paths are relative to the folder holding the manifest (absolute paths are kept). Every case
//! must have every image and mask. [`Manifest::load`] checks all of this up front and reports
//! **every** problem in one [`Error::Manifest`], each with its row: rows are numbered from 1
//! for the first data row (the header is not counted), so data row `r` is line `r + 1` of a
//! file without multi-line cells. Only the existence of the files is checked at load; the
//! images' contents and geometry are checked when they are read ([`ImagePair::read`]).
//!
//! A column whose name looks like a reserved one but is not spelled exactly (`Label`, `id`,
//! `centre`, `image`, `Image_T1`, `Mask:` with no name, …) is rejected as an unknown column
//! rather than silently kept as a clinical covariate.
//!
//! The `label` column may be absent (a manifest for inference only); [`Manifest::require_labels`]
//! is the check for code that needs every label.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use radlsig_volume::{GeometryTolerance, Mask, Volume, read_image_and_mask, write_atomically};

use crate::error::{Error, Problem, ProblemKind, Result};

/// A loaded and validated cohort manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The manifest file (as given to [`Manifest::load`], or where it is to be written).
    pub path: PathBuf,
    /// The cases, in file order.
    pub cases: Vec<Case>,
    /// The sequence (or time point) names, in column order; `""` for the plain `Image`/`Mask`
    /// pair.
    pub sequences: Vec<String>,
    /// The clinical covariate columns, in column order.
    pub clinical_columns: Vec<String>,
}

/// One patient of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// 1-based data row as a user sees it (the header is not counted: data row `r` is line
    /// `r + 1`). Cases built in code number their rows the same way.
    pub row: usize,
    /// The patient identifier.
    pub id: String,
    /// The outcome, if known: 0/1, or the class index (`0..K`, in the order the classes were
    /// given) of a manifest loaded with [`Manifest::load_with_classes`].
    pub label: Option<u8>,
    /// The split (`train`, `val`, `test`, …), if given.
    pub split: Option<String>,
    /// The acquisition centre, if given.
    pub center: Option<String>,
    /// Clinical covariates by column name, as text (an empty cell is an empty string).
    pub clinical: BTreeMap<String, String>,
    /// Image and mask per sequence name (`""` for the plain `Image`/`Mask` pair).
    pub images: BTreeMap<String, ImagePair>,
}

/// An image and its mask, with paths resolved against the manifest's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePair {
    /// The image file.
    pub image: PathBuf,
    /// The mask (label map) file.
    pub mask: PathBuf,
}

impl ImagePair {
    /// Reads the image and the mask's `label`, checking that both are finite and share a grid
    /// within `tolerance` (see [`radlsig_volume::read_image_and_mask`]).
    pub fn read(&self, label: i64, tolerance: GeometryTolerance) -> Result<(Volume, Mask)> {
        Ok(read_image_and_mask(&self.image, &self.mask, label, tolerance)?)
    }
}

/// What a header cell is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Column {
    Id,
    Label,
    Split,
    Center,
    Image(String),
    Mask(String),
    Clinical(String),
    /// Rejected (the problem is already recorded).
    Invalid,
}

/// The reserved names and their exact spelling, for near-miss detection.
const RESERVED: &[(&str, &str)] = &[
    ("id", "ID"),
    ("label", "label"),
    ("split", "split"),
    ("center", "center"),
    ("centre", "center"),
    ("image", "Image"),
    ("mask", "Mask"),
];

fn classify(name: &str) -> std::result::Result<Column, String> {
    match name {
        "ID" => return Ok(Column::Id),
        "label" => return Ok(Column::Label),
        "split" => return Ok(Column::Split),
        "center" => return Ok(Column::Center),
        "Image" => return Ok(Column::Image(String::new())),
        "Mask" => return Ok(Column::Mask(String::new())),
        "" => return Err("empty column name".into()),
        _ => {}
    }
    for (prefix, make) in
        [("Image:", Column::Image as fn(String) -> Column), ("Mask:", Column::Mask)]
    {
        if let Some(seq) = name.strip_prefix(prefix) {
            if seq.trim().is_empty() {
                return Err(format!("{name:?} names no sequence (write {prefix}<name>)"));
            }
            return Ok(make(seq.to_string()));
        }
    }
    let lower = name.to_ascii_lowercase();
    if let Some((_, exact)) = RESERVED.iter().find(|(l, _)| *l == lower) {
        return Err(format!(
            "{name:?} (did you mean {exact:?}? reserved names are case-sensitive)"
        ));
    }
    for (prefix, exact) in [("image", "Image"), ("mask", "Mask")] {
        if let Some(rest) = lower.strip_prefix(prefix)
            && rest.starts_with([':', '_', '-', ' ', '.'])
        {
            return Err(format!("{name:?} (image columns are written {exact} or {exact}:<name>)"));
        }
    }
    Ok(Column::Clinical(name.to_string()))
}

/// Parses a label cell: `0`/`1` (any number equal to them, such as `1.0`); empty is `None`.
/// With `classes`, a class name (exactly as given) or its index `0..K` (any number equal to
/// one).
fn parse_label(cell: &str, classes: Option<&[String]>) -> std::result::Result<Option<u8>, ()> {
    if cell.is_empty() {
        return Ok(None);
    }
    let k = classes.map_or(2, <[String]>::len);
    if let Some(i) = classes.and_then(|c| c.iter().position(|name| name == cell)) {
        return Ok(Some(i as u8));
    }
    match cell.parse::<f64>() {
        Ok(v) if v >= 0.0 && v.fract() == 0.0 && v < k as f64 => Ok(Some(v as u8)),
        _ => Err(()),
    }
}

/// Most classes a multi-class outcome may have (labels are stored as `u8`).
pub const MAX_CLASSES: usize = 255;

fn non_empty(cell: &str) -> Option<String> {
    (!cell.is_empty()).then(|| cell.to_string())
}

impl Manifest {
    /// Reads and validates a manifest; see the module docs for the format and the checks.
    ///
    /// Fails with [`Error::Manifest`] listing every problem (with its row) when any is found,
    /// with [`Error::Io`] when the file cannot be opened.
    pub fn load(path: &Path) -> Result<Manifest> {
        Self::load_labelled(path, None)
    }

    /// [`Manifest::load`] for a multi-class outcome: a `label` cell holds one of `classes` (or
    /// its index), stored as the index. A cell that is neither is a problem of its row. At
    /// most [`MAX_CLASSES`] classes.
    pub fn load_with_classes(path: &Path, classes: &[String]) -> Result<Manifest> {
        assert!(classes.len() <= MAX_CLASSES, "at most {MAX_CLASSES} classes");
        Self::load_labelled(path, Some(classes))
    }

    fn load_labelled(path: &Path, classes: Option<&[String]>) -> Result<Manifest> {
        let file = std::fs::File::open(path)
            .map_err(|source| Error::Io { path: path.to_path_buf(), error: source })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut reader =
            csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(file);
        let headers = reader
            .headers()
            .map_err(|e| Error::Csv {
                path: path.to_path_buf(),
                reason: format!("unreadable header: {e}"),
            })?
            .clone();
        let mut problems = Vec::new();
        let header_problem =
            |column: &str, kind| Problem { row: None, column: Some(column.to_string()), kind };

        // Header.
        let mut columns = Vec::with_capacity(headers.len());
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for name in headers.iter() {
            let count = seen.entry(name).or_default();
            *count += 1;
            if *count == 2 {
                problems.push(header_problem(name, ProblemKind::DuplicateColumn));
            }
            if *count > 1 {
                columns.push(Column::Invalid);
                continue;
            }
            match classify(name) {
                Ok(c) => columns.push(c),
                Err(reason) => {
                    problems.push(header_problem(name, ProblemKind::UnknownColumn { reason }));
                    columns.push(Column::Invalid);
                }
            }
        }
        if !columns.contains(&Column::Id) {
            problems.push(Problem { row: None, column: None, kind: ProblemKind::MissingIdColumn });
        }
        let image_seqs: Vec<&String> = columns
            .iter()
            .filter_map(|c| if let Column::Image(s) = c { Some(s) } else { None })
            .collect();
        let mask_seqs: Vec<&String> = columns
            .iter()
            .filter_map(|c| if let Column::Mask(s) = c { Some(s) } else { None })
            .collect();
        let column_name = |kind: &str, seq: &str| {
            if seq.is_empty() { kind.to_string() } else { format!("{kind}:{seq}") }
        };
        for s in &image_seqs {
            if !mask_seqs.contains(s) {
                let partner = column_name("Mask", s);
                problems.push(header_problem(
                    &column_name("Image", s),
                    ProblemKind::UnpairedColumn { partner },
                ));
            }
        }
        for s in &mask_seqs {
            if !image_seqs.contains(s) {
                let partner = column_name("Image", s);
                problems.push(header_problem(
                    &column_name("Mask", s),
                    ProblemKind::UnpairedColumn { partner },
                ));
            }
        }
        let sequences: Vec<String> =
            image_seqs.iter().filter(|s| mask_seqs.contains(s)).map(|s| s.to_string()).collect();
        if sequences.is_empty() {
            problems.push(Problem { row: None, column: None, kind: ProblemKind::NoImageColumns });
        }
        if sequences.len() > 1 && sequences.iter().any(String::is_empty) {
            let reason =
                "plain Image/Mask cannot be combined with named Image:<name>/Mask:<name> columns"
                    .to_string();
            problems.push(header_problem("Image", ProblemKind::UnknownColumn { reason }));
        }
        let clinical_columns: Vec<String> = columns
            .iter()
            .filter_map(|c| if let Column::Clinical(s) = c { Some(s.clone()) } else { None })
            .collect();

        // Rows.
        let mut cases = Vec::new();
        let mut first_row_of: HashMap<String, usize> = HashMap::new();
        for (i, record) in reader.records().enumerate() {
            let row = i + 1;
            let mut problem = |column: Option<&str>, kind| {
                problems.push(Problem { row: Some(row), column: column.map(str::to_string), kind })
            };
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    problem(None, ProblemKind::Unreadable { reason: e.to_string() });
                    continue;
                }
            };
            if record.len() != headers.len() {
                problem(
                    None,
                    ProblemKind::WrongCellCount { expected: headers.len(), found: record.len() },
                );
                continue;
            }
            let mut case = Case {
                row,
                id: String::new(),
                label: None,
                split: None,
                center: None,
                clinical: BTreeMap::new(),
                images: BTreeMap::new(),
            };
            let mut image_cells: BTreeMap<&str, (Option<PathBuf>, Option<PathBuf>)> =
                BTreeMap::new();
            for ((column, name), cell) in columns.iter().zip(headers.iter()).zip(record.iter()) {
                match column {
                    Column::Id => {
                        if cell.is_empty() {
                            problem(Some(name), ProblemKind::EmptyId);
                        } else if let Some(&first_row) = first_row_of.get(cell) {
                            problem(
                                Some(name),
                                ProblemKind::DuplicateId { id: cell.to_string(), first_row },
                            );
                        } else {
                            first_row_of.insert(cell.to_string(), row);
                        }
                        case.id = cell.to_string();
                    }
                    Column::Label => match parse_label(cell, classes) {
                        Ok(label) => case.label = label,
                        Err(()) => problem(
                            Some(name),
                            match classes {
                                None => ProblemKind::BadLabel { value: cell.to_string() },
                                Some(c) => ProblemKind::BadClass {
                                    value: cell.to_string(),
                                    classes: c.to_vec(),
                                },
                            },
                        ),
                    },
                    Column::Split => case.split = non_empty(cell),
                    Column::Center => case.center = non_empty(cell),
                    Column::Clinical(c) => {
                        case.clinical.insert(c.clone(), cell.to_string());
                    }
                    Column::Image(seq) | Column::Mask(seq) => {
                        if !sequences.contains(seq) {
                            continue;
                        }
                        let resolved = if cell.is_empty() {
                            problem(Some(name), ProblemKind::EmptyPath);
                            None
                        } else {
                            let p = base.join(cell);
                            if !p.is_file() {
                                problem(Some(name), ProblemKind::MissingFile { path: p.clone() });
                            }
                            Some(p)
                        };
                        let entry = image_cells.entry(seq.as_str()).or_default();
                        if matches!(column, Column::Image(_)) {
                            entry.0 = resolved;
                        } else {
                            entry.1 = resolved;
                        }
                    }
                    Column::Invalid => {}
                }
            }
            for (seq, cells) in image_cells {
                if let (Some(image), Some(mask)) = cells {
                    case.images.insert(seq.to_string(), ImagePair { image, mask });
                }
            }
            cases.push(case);
        }
        if !problems.is_empty() {
            return Err(Error::Manifest { path: path.to_path_buf(), problems });
        }
        Ok(Manifest { path: path.to_path_buf(), cases, sequences, clinical_columns })
    }

    /// The labels of all cases, in case order; fails with [`Error::Manifest`] listing every
    /// case without a label (one header-level problem when no case has one).
    pub fn require_labels(&self) -> Result<Vec<u8>> {
        let missing: Vec<&Case> = self.cases.iter().filter(|c| c.label.is_none()).collect();
        if missing.is_empty() {
            return Ok(self.cases.iter().filter_map(|c| c.label).collect());
        }
        let problems = if missing.len() == self.cases.len() {
            vec![Problem {
                row: None,
                column: Some("label".into()),
                kind: ProblemKind::MissingLabel,
            }]
        } else {
            missing
                .iter()
                .map(|c| Problem {
                    row: Some(c.row),
                    column: Some("label".into()),
                    kind: ProblemKind::MissingLabel,
                })
                .collect()
        };
        Err(Error::Manifest { path: self.path.clone(), problems })
    }

    /// The number of cases.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether the manifest holds no case.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// Writes the manifest as CSV to `path`, atomically.
    ///
    /// Columns: `ID`; `label`, `split` and `center` when at least one case has a value; the
    /// clinical columns in order; then `Image`/`Mask` (or `Image:<name>`/`Mask:<name>`) per
    /// sequence. Paths inside `path`'s folder are written relative to it, others absolute.
    /// Fails when a path is not valid UTF-8 or a case lacks one of [`Manifest::sequences`].
    pub fn write(&self, path: &Path) -> Result<()> {
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let has_label = self.cases.iter().any(|c| c.label.is_some());
        let has_split = self.cases.iter().any(|c| c.split.is_some());
        let has_center = self.cases.iter().any(|c| c.center.is_some());
        let mut header: Vec<String> = vec!["ID".into()];
        if has_label {
            header.push("label".into());
        }
        if has_split {
            header.push("split".into());
        }
        if has_center {
            header.push("center".into());
        }
        header.extend(self.clinical_columns.iter().cloned());
        for s in &self.sequences {
            for kind in ["Image", "Mask"] {
                header.push(if s.is_empty() { kind.to_string() } else { format!("{kind}:{s}") });
            }
        }
        let mut rows = Vec::with_capacity(self.cases.len());
        for case in &self.cases {
            let mut cells: Vec<String> = vec![case.id.clone()];
            if has_label {
                cells.push(case.label.map(|l| l.to_string()).unwrap_or_default());
            }
            if has_split {
                cells.push(case.split.clone().unwrap_or_default());
            }
            if has_center {
                cells.push(case.center.clone().unwrap_or_default());
            }
            for c in &self.clinical_columns {
                cells.push(case.clinical.get(c).cloned().unwrap_or_default());
            }
            for s in &self.sequences {
                let pair = case.images.get(s).ok_or_else(|| Error::Csv {
                    path: path.to_path_buf(),
                    reason: format!("case {:?} has no image for sequence {s:?}", case.id),
                })?;
                cells.push(relative_text(&pair.image, &base, path)?);
                cells.push(relative_text(&pair.mask, &base, path)?);
            }
            rows.push(cells);
        }
        let csv_error =
            |e: csv::Error| Error::Csv { path: path.to_path_buf(), reason: e.to_string() };
        write_atomically(path, |tmp| -> Result<()> {
            let mut w = csv::Writer::from_path(tmp).map_err(csv_error)?;
            w.write_record(&header).map_err(csv_error)?;
            for r in &rows {
                w.write_record(r).map_err(csv_error)?;
            }
            w.flush().map_err(|source| Error::Io { path: path.to_path_buf(), error: source })
        })
    }
}

/// `file` as text relative to `base` when it lies inside it, else absolute.
fn relative_text(file: &Path, base: &Path, manifest: &Path) -> Result<String> {
    let lexical = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let rel = match file.strip_prefix(base) {
        Ok(r) if !base.as_os_str().is_empty() || file.is_relative() => r.to_path_buf(),
        _ => {
            let (f, b) = (lexical(file), lexical(base));
            f.strip_prefix(&b).map(Path::to_path_buf).unwrap_or(f)
        }
    };
    rel.to_str().map(str::to_string).ok_or_else(|| Error::Csv {
        path: manifest.to_path_buf(),
        reason: format!("path {} is not valid UTF-8", file.display()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, names: &[&str]) {
        for n in names {
            let p = dir.join(n);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, b"x").unwrap();
        }
    }

    fn problems(err: Error) -> Vec<Problem> {
        match err {
            Error::Manifest { problems, .. } => problems,
            other => panic!("expected a manifest error, got {other}"),
        }
    }

    #[test]
    fn loads_a_multi_sequence_manifest() {
        let dir = tempfile::tempdir().unwrap();
        touch(
            dir.path(),
            &["i/a_t1.nii", "i/a_adc.nii", "m/a.nii", "i/b_t1.nii", "i/b_adc.nii", "m/b.nii"],
        );
        let text = "\u{feff}ID,label,split,center,age,\"sex, at birth\",Image:T1,Mask:T1,Image:ADC,Mask:ADC\n\
                    a,1,train,A,61,F,i/a_t1.nii,m/a.nii,i/a_adc.nii,m/a.nii\n\
                    b,0.0,,B, ,M,i/b_t1.nii,m/b.nii,i/b_adc.nii,m/b.nii\n";
        let path = dir.path().join("cases.csv");
        std::fs::write(&path, text).unwrap();
        let m = Manifest::load(&path).unwrap();
        assert_eq!(m.sequences, ["T1", "ADC"]);
        assert_eq!(m.clinical_columns, ["age", "sex, at birth"]);
        assert_eq!(m.cases.len(), 2);
        let (a, b) = (&m.cases[0], &m.cases[1]);
        assert_eq!(
            (a.row, a.id.as_str(), a.label, a.split.as_deref(), a.center.as_deref()),
            (1, "a", Some(1), Some("train"), Some("A"))
        );
        assert_eq!((b.row, b.label, b.split.as_deref()), (2, Some(0), None));
        assert_eq!(b.clinical["age"], "");
        assert_eq!(a.clinical["sex, at birth"], "F");
        assert_eq!(a.images["ADC"].image, dir.path().join("i/a_adc.nii"));
        assert_eq!(a.images["T1"].mask, dir.path().join("m/a.nii"));
        assert_eq!(m.require_labels().unwrap(), [1, 0]);

        // Write to another name in the same folder and read back: the same manifest.
        let out = dir.path().join("copy.csv");
        m.write(&out).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.starts_with(
                "ID,label,split,center,age,\"sex, at birth\",Image:T1,Mask:T1,Image:ADC,Mask:ADC\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("\na,1,train,A,61,F,i/a_t1.nii,m/a.nii,i/a_adc.nii,m/a.nii\n"),
            "{text}"
        );
        let back = Manifest::load(&out).unwrap();
        assert_eq!(back.cases, m.cases);
    }

    #[test]
    fn reports_every_problem_with_its_row() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["a.nii", "a_m.nii"]);
        let text = "ID,label,Label,centre,Image,Mask,weight\n\
                    a,1,x,y,a.nii,a_m.nii,70\n\
                    b,2,x,y,b.nii,a_m.nii,80\n\
                    a,1,x,y,a.nii,,90\n\
                    ,yes,x,y,a.nii,a_m.nii,1\n\
                    c,1,x\n";
        let path = dir.path().join("bad.csv");
        std::fs::write(&path, text).unwrap();
        let err = Manifest::load(&path).unwrap_err();
        let message = err.to_string();
        let found = problems(err);
        let summary: Vec<(Option<usize>, Option<&str>, &ProblemKind)> =
            found.iter().map(|p| (p.row, p.column.as_deref(), &p.kind)).collect();
        assert!(
            matches!(summary[0], (None, Some("Label"), ProblemKind::UnknownColumn { .. })),
            "{summary:?}"
        );
        assert!(
            matches!(summary[1], (None, Some("centre"), ProblemKind::UnknownColumn { .. })),
            "{summary:?}"
        );
        assert_eq!(
            summary[2],
            (Some(2), Some("label"), &ProblemKind::BadLabel { value: "2".into() })
        );
        assert_eq!(summary[3].0, Some(2));
        assert!(
            matches!(summary[3].2, ProblemKind::MissingFile { path } if path.ends_with("b.nii"))
        );
        assert_eq!(
            summary[4],
            (Some(3), Some("ID"), &ProblemKind::DuplicateId { id: "a".into(), first_row: 1 })
        );
        assert_eq!(summary[5], (Some(3), Some("Mask"), &ProblemKind::EmptyPath));
        assert_eq!(summary[6], (Some(4), Some("ID"), &ProblemKind::EmptyId));
        assert_eq!(
            summary[7],
            (Some(4), Some("label"), &ProblemKind::BadLabel { value: "yes".into() })
        );
        assert_eq!(
            summary[8],
            (Some(5), None, &ProblemKind::WrongCellCount { expected: 7, found: 3 })
        );
        assert_eq!(found.len(), 9);
        assert!(message.contains("9 problems in manifest"), "{message}");
        assert!(
            message.contains("row 2, column label: label must be 0 or 1, found \"2\""),
            "{message}"
        );
        assert!(message.contains("did you mean \"label\""), "{message}");
        assert!(message.contains("did you mean \"center\""), "{message}");
    }

    #[test]
    fn header_problems() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.csv");
        std::fs::write(&path, "patient,Image:T1,Mask:T2,Image_ADC,Mask:,x,x\n").unwrap();
        let found = problems(Manifest::load(&path).unwrap_err());
        let kinds: Vec<String> = found.iter().map(|p| p.to_string()).collect();
        assert_eq!(kinds.len(), 7, "{kinds:#?}");
        assert!(kinds[0].starts_with("header, column Image_ADC: unknown column"), "{kinds:#?}");
        assert!(kinds[1].starts_with("header, column Mask:: unknown column"), "{kinds:#?}");
        assert_eq!(kinds[2], "header, column x: column appears more than once");
        assert_eq!(kinds[3], "header: no ID column");
        assert_eq!(kinds[4], "header, column Image:T1: no matching Mask:T1 column");
        assert_eq!(kinds[5], "header, column Mask:T2: no matching Image:T2 column");
        assert!(kinds[6].starts_with("header: no image columns"), "{kinds:#?}");
    }

    #[test]
    fn labels_may_be_absent_until_required() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["a.nii", "b.nii"]);
        let path = dir.path().join("infer.csv");
        std::fs::write(&path, "ID,Image,Mask\na,a.nii,a.nii\nb,b.nii,b.nii\n").unwrap();
        let m = Manifest::load(&path).unwrap();
        assert_eq!(m.sequences, [""]);
        assert!(m.cases.iter().all(|c| c.label.is_none()));
        let found = problems(m.require_labels().unwrap_err());
        assert_eq!(
            found,
            [Problem { row: None, column: Some("label".into()), kind: ProblemKind::MissingLabel }]
        );

        std::fs::write(&path, "ID,label,Image,Mask\na,,a.nii,a.nii\nb,1,b.nii,b.nii\n").unwrap();
        let m = Manifest::load(&path).unwrap();
        let found = problems(m.require_labels().unwrap_err());
        assert_eq!(
            found,
            [Problem {
                row: Some(1),
                column: Some("label".into()),
                kind: ProblemKind::MissingLabel
            }]
        );
    }

    #[test]
    fn multi_class_labels_are_names_or_indices() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), &["a.nii"]);
        let path = dir.path().join("her2.csv");
        std::fs::write(
            &path,
            "ID,label,Image,Mask\na,low,a.nii,a.nii\nb,2,a.nii,a.nii\nc,zero,a.nii,a.nii\n\
             d,3,a.nii,a.nii\ne,Low,a.nii,a.nii\nf,1.5,a.nii,a.nii\ng,,a.nii,a.nii\n",
        )
        .unwrap();
        let classes: Vec<String> = ["zero", "low", "positive"].map(String::from).to_vec();
        let found = problems(Manifest::load_with_classes(&path, &classes).unwrap_err());
        let bad: Vec<(Option<usize>, String)> =
            found.iter().map(|p| (p.row, p.kind.to_string())).collect();
        let message = |v: &str| {
            format!(
                "label must be one of \"zero\", \"low\", \"positive\" (or its index 0..2), \
                 found {v:?}"
            )
        };
        assert_eq!(
            bad,
            [(Some(4), message("3")), (Some(5), message("Low")), (Some(6), message("1.5"))]
        );
        std::fs::write(
            &path,
            "ID,label,Image,Mask\na,low,a.nii,a.nii\nb,2,a.nii,a.nii\nc,zero,a.nii,a.nii\n\
             g,,a.nii,a.nii\n",
        )
        .unwrap();
        let m = Manifest::load_with_classes(&path, &classes).unwrap();
        let labels: Vec<Option<u8>> = m.cases.iter().map(|c| c.label).collect();
        assert_eq!(labels, [Some(1), Some(2), Some(0), None]);
        // The binary reading of the same file rejects the class names and index 2.
        let found = problems(Manifest::load(&path).unwrap_err());
        assert_eq!(found.len(), 3, "{found:?}");
    }

    #[test]
    fn mixing_plain_and_named_images_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mix.csv");
        std::fs::write(&path, "ID,Image,Mask,Image:pre,Mask:pre\n").unwrap();
        let found = problems(Manifest::load(&path).unwrap_err());
        assert_eq!(found.len(), 1);
        assert!(matches!(found[0].kind, ProblemKind::UnknownColumn { .. }));
    }

    #[test]
    fn missing_manifest_is_an_io_error() {
        let err = Manifest::load(Path::new("/nonexistent/cases.csv")).unwrap_err();
        assert!(matches!(err, Error::Io { .. }));
        assert!(err.to_string().starts_with("/nonexistent/cases.csv: "));
    }
}
