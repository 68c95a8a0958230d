//! The error type of radlsig-evaluate.

/// Everything that can go wrong while evaluating predictions.
///
/// Messages name the column, split or setting involved, so a user can find the bad input.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Scores and labels (or two paired score vectors) differ in length.
    #[error("{subject}: {left} scores but {right} labels")]
    LengthMismatch {
        /// What was being built, e.g. `score "RAsig" in split "test"`.
        subject: String,
        /// Number of scores.
        left: usize,
        /// Number of labels.
        right: usize,
    },
    /// A score is NaN or infinite.
    #[error("{subject}: score {value} in row {row} is not a finite number")]
    NonFiniteScore {
        /// The score column and split.
        subject: String,
        /// 1-based position within the data handed over (the data row of a table).
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// A label is missing or not 0/1.
    #[error("label column {column:?}: value {value} in row {row} is not 0 or 1")]
    InvalidLabel {
        /// The label column.
        column: String,
        /// 1-based data row.
        row: usize,
        /// The offending value, as text (`null` when missing).
        value: String,
    },
    /// A cell is empty (null) where a value is required.
    #[error("column {column:?}: missing value in row {row}")]
    MissingValue {
        /// The column.
        column: String,
        /// 1-based data row.
        row: usize,
    },
    /// Fewer than the minimum number of controls or cases.
    #[error(
        "{subject}: needs at least {min} controls (label 0) and {min} cases (label 1), got {controls} and {cases}"
    )]
    TooFewPerClass {
        /// The score column and split.
        subject: String,
        /// Number of label-0 rows.
        controls: usize,
        /// Number of label-1 rows.
        cases: usize,
        /// The minimum per class.
        min: usize,
    },
    /// Two score vectors for a paired test do not come from the same patients.
    #[error("paired test of {a:?} and {b:?}: the scores do not share the same controls and cases")]
    NotPaired {
        /// First score.
        a: String,
        /// Second score.
        b: String,
    },
    /// A probability outside the range a statistic needs.
    #[error("{subject}: {statistic} needs probabilities in {range}, got {value} in row {row}")]
    InvalidProbability {
        /// The score column and split.
        subject: String,
        /// The statistic, e.g. `calibration slope`.
        statistic: &'static str,
        /// `[0, 1]` or `(0, 1)`.
        range: &'static str,
        /// 1-based data row.
        row: usize,
        /// The offending value.
        value: f64,
    },
    /// An iterative fit did not converge (typically perfect separation).
    #[error(
        "{subject}: {statistic} did not converge after {iterations} iterations (perfect separation?)"
    )]
    NoConvergence {
        /// The score column and split.
        subject: String,
        /// The statistic being fitted.
        statistic: &'static str,
        /// Iterations tried.
        iterations: usize,
    },
    /// A statistic is undefined for these data (for example a correlation with a constant vector).
    #[error("{subject}: {statistic} is undefined: {reason}")]
    Undefined {
        /// The data involved.
        subject: String,
        /// The statistic.
        statistic: &'static str,
        /// Why.
        reason: String,
    },
    /// A setting is out of range.
    #[error("setting {setting}: {reason}")]
    InvalidSetting {
        /// The setting name, e.g. `bootstrap replicates`.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A required column is missing from the predictions table.
    #[error("column {column:?} not found in {table} (columns: {available})")]
    MissingColumn {
        /// The missing column.
        column: String,
        /// The table, usually a file name.
        table: String,
        /// Comma-separated list of the columns present.
        available: String,
    },
    /// A column has a type that cannot be used.
    #[error("column {column:?} has type {dtype}, expected {expected}")]
    ColumnType {
        /// The column.
        column: String,
        /// Its Polars type.
        dtype: String,
        /// What was expected.
        expected: &'static str,
    },
    /// Reading a predictions file failed.
    #[error("reading {path}: {message}")]
    Read {
        /// The file.
        path: String,
        /// What failed.
        message: String,
    },
    /// Drawing a plot failed.
    #[error("drawing {plot}: {message}")]
    Plot {
        /// The plot, e.g. `roc.svg`.
        plot: &'static str,
        /// What failed.
        message: String,
    },
    /// A Polars operation failed.
    #[error(transparent)]
    Polars(#[from] polars::error::PolarsError),
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
