//! Errors of the map fits.

/// What can go wrong before a fit.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The acquisition cannot support the model (too few or repeated b-values, no b = 0).
    #[error("{what}: {reason}")]
    Protocol {
        /// The series (its file or folder).
        what: String,
        /// What is missing.
        reason: String,
    },
    /// A file of the series or the mask could not be read or written.
    #[error("{path}: {source}")]
    Volume {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: radlsig_volume::Error,
    },
    /// The images of a series do not fit together, or do not fit the mask.
    #[error("{path}: {reason}")]
    Series {
        /// The file that does not fit.
        path: std::path::PathBuf,
        /// How.
        reason: String,
    },
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
