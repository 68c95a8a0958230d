//! The error type of the functions that can reject their input (the stratified folds).

/// What went wrong.
///
/// The messages are the ones `radlsig-fusion` has always reported (it wraps them as
/// `labels: …`), so they are kept word for word.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer than 2 folds were asked for.
    #[error("need at least 2 folds, got {folds}")]
    TooFewFolds {
        /// The number of folds asked for.
        folds: usize,
    },
    /// A class has fewer rows than there are folds, so some fold would miss it.
    #[error(
        "{folds}-fold stratified splitting needs at least {folds} rows of class {class}, got {rows}"
    )]
    TooFewInClass {
        /// The number of folds asked for.
        folds: usize,
        /// The class (0 or 1; `0..K` for a multi-class outcome).
        class: u8,
        /// Its number of rows.
        rows: usize,
    },
}

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
