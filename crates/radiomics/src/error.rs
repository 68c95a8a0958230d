//! The error type of `radlsig-radiomics`.

use std::fmt;
use std::path::PathBuf;

/// Everything that can go wrong while configuring or computing features.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An image or mask problem from the volume layer (I/O, geometry, empty mask, …).
    #[error(transparent)]
    Volume(#[from] radlsig_volume::Error),
    /// A parameter file or setting is invalid; the message names the key.
    #[error("{0}")]
    Settings(String),
    /// The ROI cannot give the requested features (too few voxels or dimensions, …).
    #[error("{0}")]
    Roi(String),
    /// An error while processing a named input; `what` names the file (or files) concerned.
    #[error("{what}: {inner}")]
    Input {
        /// The file or files the error concerns.
        what: String,
        /// The underlying error.
        inner: Box<Error>,
    },

    /// A TOML settings file does not parse or does not fit the schema.
    #[error("{}: cannot parse the TOML", path.display())]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's error, naming the key and position.
        #[source]
        source: toml::de::Error,
    },
    /// A settings file whose extension names no format it can be read as.
    #[error("{}: {what} must end in {expected}", path.display())]
    SettingsFormat {
        /// The file.
        path: PathBuf,
        /// What the file holds (e.g. `habitat settings`).
        what: &'static str,
        /// The accepted extensions, in words.
        expected: &'static str,
    },

    // --- Cohorts and batches ---
    /// An error of one case of a cohort.
    #[error("case {id}")]
    Case {
        /// The case ID.
        id: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },
    /// Fitting the habitat model of a cohort failed.
    #[error("fitting the habitat model")]
    HabitatFit {
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// The habitat features of a case could not be computed.
    #[error("habitats")]
    Habitats {
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// A manifest with no case.
    #[error("{}: no cases", path.display())]
    NoCases {
        /// The manifest.
        path: PathBuf,
    },
    /// A manifest's image pair that a case lacks.
    #[error("no image {name:?}")]
    NoImagePair {
        /// The pair's name (`""`, `T1`, `T1_pre`).
        name: String,
    },
    /// The manifest's image names do not pair up as pre/post time points.
    #[error(
        "the manifest's image columns do not pair up as pre/post time points ({} {} no partner); delta features need every Image:<seq>_pre to have its Image:<seq>_post (turn delta off to extract them as separate sequences)",
        unpaired.join(", "),
        if unpaired.len() == 1 { "has" } else { "have" }
    )]
    UnpairedTimePoints {
        /// The names without a partner, in manifest order.
        unpaired: Vec<String>,
    },
    /// The pre and post time points of a case gave different columns.
    #[error("the pre and post time points gave different feature columns")]
    TimePointColumns,
    /// A case's columns differ from those of the first successful case.
    #[error("its feature columns differ from those of case {first}")]
    CaseColumns {
        /// The first successful case.
        first: String,
    },
    /// No case of a manifest has the split habitats are to be fitted on.
    #[error(
        "{}: no case has split {split:?} to fit the habitats on (`all` fits on every case)",
        path.display()
    )]
    NoFitCase {
        /// The manifest.
        path: PathBuf,
        /// The split asked for.
        split: String,
    },
    /// A habitat fit row outside the manifest.
    #[error("habitat fit row {row} is outside {} ({cases} cases)", path.display())]
    FitRowOutside {
        /// The row (0-based).
        row: usize,
        /// The manifest.
        path: PathBuf,
        /// Its number of cases.
        cases: usize,
    },
    /// The habitat settings name a sequence the manifest does not have.
    #[error(
        "habitats: sequences lists {sequence:?}, which {} does not have (it has {available:?})",
        path.display()
    )]
    HabitatSequence {
        /// The sequence.
        sequence: String,
        /// The manifest.
        path: PathBuf,
        /// The sequences it has.
        available: Vec<String>,
    },
    /// No training case of a cohort could be read.
    #[error("habitats: none of the {cases} training cases could be read (see the failures)")]
    NoReadableTrainingCase {
        /// Number of training cases.
        cases: usize,
    },
    /// Two case IDs map to one habitat-map file name.
    #[error("cases {first:?} and {second:?} would write the same habitat map file {stem}.nii.gz")]
    MapFileClash {
        /// One case ID.
        first: String,
        /// The other.
        second: String,
        /// The shared file stem.
        stem: String,
    },
    /// A folder could not be created.
    #[error("creating the {what} {}", path.display())]
    CreateDir {
        /// What the folder is for.
        what: &'static str,
        /// The folder.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The worker threads could not be started.
    #[error("starting the worker threads")]
    ThreadPool {
        /// Rayon's error.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    /// A batch CSV (PyRadiomics' batch mode) could not be read.
    #[error("reading manifest {}", path.display())]
    BatchRead {
        /// The CSV file.
        path: PathBuf,
        /// The CSV reader's error.
        #[source]
        source: csv::Error,
    },
    /// A batch CSV lacks a required column.
    #[error("{}: no {column} column (columns: {})", path.display(), columns.join(", "))]
    BatchColumn {
        /// The CSV file.
        path: PathBuf,
        /// The missing column.
        column: &'static str,
        /// The columns it has.
        columns: Vec<String>,
    },
    /// A batch CSV row with an empty required cell.
    #[error("{} line {line}: empty {column}", path.display())]
    BatchEmptyCell {
        /// The CSV file.
        path: PathBuf,
        /// The line (the header is line 1).
        line: usize,
        /// The column.
        column: &'static str,
    },
    /// A batch CSV row whose `Label` is not a positive integer.
    #[error("{} line {line}: Label {text:?} is not a positive integer", path.display())]
    BatchLabel {
        /// The CSV file.
        path: PathBuf,
        /// The line (the header is line 1).
        line: usize,
        /// The cell.
        text: String,
    },
    /// Feature rows of one table with different columns.
    #[error("row {row} produced different feature columns from row 1")]
    RowColumns {
        /// The 1-based row.
        row: usize,
    },
    /// A carried column with the name of a feature column.
    #[error("manifest column {name} has the name of a feature")]
    ColumnClash {
        /// The column name.
        name: String,
    },
    /// An output file could not be written.
    #[error("writing {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The message followed by those of its sources, `a: b: c` (as `anyhow` prints an error
    /// with `{:#}`).
    pub fn chain(&self) -> Chain<'_> {
        Chain(self)
    }
}

/// An error with its sources, as [`Error::chain`] displays it.
#[derive(Debug, Clone, Copy)]
pub struct Chain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut next = self.0.source();
        while let Some(e) = next {
            write!(f, ": {e}")?;
            next = e.source();
        }
        Ok(())
    }
}

/// The result type of `radlsig-radiomics`.
pub type Result<T> = std::result::Result<T, Error>;
