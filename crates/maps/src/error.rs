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
}

/// Results of this crate.
pub type Result<T> = std::result::Result<T, Error>;
