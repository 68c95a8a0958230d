//! The error type of `radlsig-cohort`.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while reading or writing a cohort.
///
/// Messages are short lowercase phrases that name the file, row, column or setting involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A manifest has one or more problems; all of them are listed, each with its row.
    #[error("{path}: {} problem{} in manifest:\n{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, ProblemList(problems))]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// Every problem found, in file order (header problems first).
        problems: Vec<Problem>,
    },
    /// A file could not be read or written. The operating system's message is part of this
    /// message, and not also given as the error's `source()`, so that a chain printed with
    /// `{:#}` states it once.
    #[error("{path}: {error}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The operating-system error.
        error: std::io::Error,
    },
    /// A CSV file could not be parsed or written at all (not a per-row problem).
    #[error("{path}: {reason}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// What the CSV library reported.
        reason: String,
    },
    /// A generator or importer setting is out of its valid range.
    #[error("invalid setting {name}: {reason}")]
    InvalidSetting {
        /// The setting's name (as the command-line flag spells it, without dashes).
        name: &'static str,
        /// Why the value is not accepted.
        reason: String,
    },
    /// A NumPy `.npz` archive could not be read or does not hold what the importer expects.
    #[error("{path}: {reason}")]
    Npz {
        /// The archive.
        path: PathBuf,
        /// What is wrong (missing array, wrong dtype or shape, …).
        reason: String,
    },
    /// The output folder already holds files.
    #[error("{path}: output folder is not empty (choose another or allow overwriting)")]
    OutputNotEmpty {
        /// The folder.
        path: PathBuf,
    },
    /// An error from the volume layer (reading or writing an image).
    #[error(transparent)]
    Volume(#[from] radlsig_volume::Error),
}

/// The result type of `radlsig-cohort`.
pub type Result<T> = std::result::Result<T, Error>;

/// One problem found in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based data row (the header is not counted; data row `r` is line `r + 1` of a file
    /// without multi-line cells), or `None` for a header problem.
    pub row: Option<usize>,
    /// The column involved, if any.
    pub column: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
}

/// The kinds of manifest problem.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The header has no `ID` column.
    MissingIdColumn,
    /// The header has no `Image`/`Mask` column pair.
    NoImageColumns,
    /// A column name is not recognised (a near miss of a reserved name, a malformed
    /// `Image:`/`Mask:` name, an empty name).
    UnknownColumn {
        /// Why it is not accepted, with the likely intended name where there is one.
        reason: String,
    },
    /// A column name appears twice.
    DuplicateColumn,
    /// An `Image` column has no matching `Mask` column or the other way round.
    UnpairedColumn {
        /// The missing partner's name.
        partner: String,
    },
    /// A row has a different number of cells than the header.
    WrongCellCount {
        /// Cells in the header.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },
    /// The `ID` cell is empty.
    EmptyId,
    /// The ID was already used by an earlier row.
    DuplicateId {
        /// The ID.
        id: String,
        /// The data row that first used it.
        first_row: usize,
    },
    /// The `label` cell is neither 0 nor 1.
    BadLabel {
        /// The cell's text.
        value: String,
    },
    /// The `label` cell of a multi-class manifest is none of its classes.
    BadClass {
        /// The cell's text.
        value: String,
        /// The classes.
        classes: Vec<String>,
    },
    /// A label is required (by [`Manifest::require_labels`](crate::Manifest::require_labels))
    /// but the cell is empty or the column is absent.
    MissingLabel,
    /// An `Image` or `Mask` cell is empty.
    EmptyPath,
    /// The file an `Image` or `Mask` cell names does not exist.
    MissingFile {
        /// The resolved path.
        path: PathBuf,
    },
    /// The row could not be decoded (invalid UTF-8 and the like).
    Unreadable {
        /// What the CSV library reported.
        reason: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.row {
            Some(row) => write!(f, "row {row}")?,
            None => write!(f, "header")?,
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.kind)
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::MissingIdColumn => write!(f, "no ID column"),
            ProblemKind::NoImageColumns => {
                write!(
                    f,
                    "no image columns (expected Image and Mask, or Image:<name> and Mask:<name>)"
                )
            }
            ProblemKind::UnknownColumn { reason } => write!(f, "unknown column: {reason}"),
            ProblemKind::DuplicateColumn => write!(f, "column appears more than once"),
            ProblemKind::UnpairedColumn { partner } => write!(f, "no matching {partner} column"),
            ProblemKind::WrongCellCount { expected, found } => {
                write!(f, "{found} cells where the header has {expected}")
            }
            ProblemKind::EmptyId => write!(f, "empty ID"),
            ProblemKind::DuplicateId { id, first_row } => {
                write!(f, "duplicate ID {id:?} (first used in row {first_row})")
            }
            ProblemKind::BadLabel { value } => write!(f, "label must be 0 or 1, found {value:?}"),
            ProblemKind::BadClass { value, classes } => write!(
                f,
                "label must be one of {} (or its index 0..{}), found {value:?}",
                classes.iter().map(|c| format!("{c:?}")).collect::<Vec<_>>().join(", "),
                classes.len() - 1
            ),
            ProblemKind::MissingLabel => write!(f, "label is missing"),
            ProblemKind::EmptyPath => write!(f, "empty path"),
            ProblemKind::MissingFile { path } => {
                write!(f, "file {} does not exist", path.display())
            }
            ProblemKind::Unreadable { reason } => write!(f, "unreadable row: {reason}"),
        }
    }
}

/// Formats problems one per line, indented.
struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "  {p}")?;
        }
        Ok(())
    }
}
