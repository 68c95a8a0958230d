//! The error type of `radlsig-experiment`.
//!
//! Each variant names what was being done (the config key, the file, the fit) and carries the
//! lower crate's error as its `#[source]`, never repeating its text: the binary prints the chain
//! with `{:#}` ("cohort.manifest: runs/x.csv: No such file or directory (os error 2)").

use std::path::PathBuf;

/// Everything that can go wrong in an experiment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The experiment (or lock) file is not valid TOML for the config's types: an unknown key,
    /// a wrong type, a missing section.
    #[error("{}", .path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML error, which names the key and line.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// Values that parse but cannot work together; one phrase per problem, each naming its key.
    #[error("{}bad experiment configuration:\n  {}", origin(.source_file), .problems.join("\n  "))]
    Config {
        /// The experiment file, when the config came from one.
        source_file: Option<PathBuf>,
        /// Every problem found, each starting with its key.
        problems: Vec<String>,
    },
    /// A file could not be read.
    #[error("cannot read {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A file or folder could not be written or created.
    #[error("cannot write {}", .path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A table could not be read, built or written.
    #[error("{what}")]
    Table {
        /// The table or file, and what was being done.
        what: String,
        /// Polars' error.
        #[source]
        source: Box<polars::error::PolarsError>,
    },
    /// A table that radlsig wrote does not hold what it should.
    #[error("{what}: {reason}")]
    TableContent {
        /// The table or file.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The cohort manifest could not be loaded or lacks what the experiment needs (the
    /// source names the file).
    #[error("{context}")]
    Manifest {
        /// The config key or step that read it (`cohort.manifest`).
        context: String,
        /// The manifest file.
        path: PathBuf,
        /// The manifest error.
        #[source]
        source: Box<radlsig_cohort::Error>,
    },
    /// The cohort cannot be split as configured (a case without a split or centre, a split
    /// with one class, an empty split).
    #[error("{0}")]
    Split(String),
    /// Radiomics settings or extraction failed.
    #[error("{context}")]
    Radiomics {
        /// The config key or step (`radiomics.params`, `radiomics.habitats`).
        context: String,
        /// The radiomics error.
        #[source]
        source: Box<radlsig_radiomics::Error>,
    },
    /// Handcrafted features could not be extracted for some cases.
    #[error("feature extraction failed for {} of {total} cases:\n  {}", .failures.len(), .failures.join("\n  "))]
    Features {
        /// Cases in the cohort.
        total: usize,
        /// One line per failed case: row, ID, reason.
        failures: Vec<String>,
    },
    /// The CNN configuration, training or embedding failed.
    #[error("{context}")]
    Deep {
        /// The config key or step (`cnn.config …`, `training the CNN of fit main`).
        context: String,
        /// The deep-learning error.
        #[source]
        source: Box<radlsig_deep::Error>,
    },
    /// A signature could not be fitted or applied.
    #[error("{context}")]
    Fusion {
        /// The fit or step.
        context: String,
        /// The fusion error.
        #[source]
        source: Box<radlsig_fusion::Error>,
    },
    /// A seeded split could not be drawn (too few cases of a class for the folds).
    #[error("{context}")]
    Stats {
        /// The config key or step.
        context: String,
        /// The statistics error.
        #[source]
        source: Box<radlsig_stats::Error>,
    },
    /// The evaluation could not be computed or rendered.
    #[error("{context}")]
    Evaluate {
        /// The step.
        context: String,
        /// The evaluation error.
        #[source]
        source: Box<radlsig_evaluate::Error>,
    },
    /// The thread count of the run cannot be honoured.
    #[error("cannot run on {wanted} threads: the thread pool already has {have}")]
    Threads {
        /// Threads asked for (lock or config).
        wanted: usize,
        /// Threads of the existing global pool.
        have: usize,
    },
    /// A lock file cannot be replayed by this build or on this cohort.
    #[error("{}: {reason}", .path.display())]
    Lock {
        /// The lock file, or the manifest it names.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A JSON document (signature, configuration) could not be parsed or rendered.
    #[error("{what}")]
    Json {
        /// The document and what was being done with it.
        what: String,
        /// serde_json's error.
        #[source]
        source: Box<serde_json::Error>,
    },
    /// The lock could not be rendered as TOML.
    #[error("rendering {what}")]
    TomlRender {
        /// The document.
        what: String,
        /// The TOML serialiser's error.
        #[source]
        source: Box<toml::ser::Error>,
    },
    /// A volume-layer error (atomic writes).
    #[error(transparent)]
    Volume(Box<radlsig_volume::Error>),
}

fn origin(path: &Option<PathBuf>) -> String {
    path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default()
}

impl From<radlsig_volume::Error> for Error {
    fn from(e: radlsig_volume::Error) -> Error {
        Error::Volume(Box::new(e))
    }
}

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An [`Error::Table`] for `what`.
    pub(crate) fn table(what: impl Into<String>, source: polars::error::PolarsError) -> Error {
        Error::Table { what: what.into(), source: Box::new(source) }
    }

    /// An [`Error::Deep`] for `context`.
    pub(crate) fn deep(context: impl Into<String>, source: radlsig_deep::Error) -> Error {
        Error::Deep { context: context.into(), source: Box::new(source) }
    }

    /// An [`Error::Radiomics`] for `context`.
    pub(crate) fn radiomics(context: impl Into<String>, source: radlsig_radiomics::Error) -> Error {
        Error::Radiomics { context: context.into(), source: Box::new(source) }
    }
}
