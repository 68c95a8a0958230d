//! The error type of `radlsig-radiomics`.

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
}

/// The result type of `radlsig-radiomics`.
pub type Result<T> = std::result::Result<T, Error>;
