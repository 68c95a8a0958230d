//! The error type of `radlsig-volume`.

use std::path::PathBuf;

/// Everything that can go wrong while reading, checking or transforming a volume.
///
/// Messages are short lowercase phrases that name the file, shape or setting involved, so a
/// user who sees only the message knows which input to fix.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be opened, read or written; the operating-system error is the source.
    #[error("cannot access {path}")]
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// The file's extension names no format this crate reads.
    #[error("{path}: unknown image format (expected .nrrd, .nhdr, .nii or .nii.gz)")]
    UnknownFormat {
        /// The offending file.
        path: PathBuf,
    },
    /// The file is not a valid image of its format (bad header, truncated data, …).
    #[error("{path}: corrupt or unsupported file: {reason}")]
    Corrupt {
        /// The offending file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The image holds NaN or infinite voxels.
    #[error("{path}: image holds {count} non-finite (NaN or infinite) voxels")]
    NonFinite {
        /// The offending file (or a description of the in-memory volume).
        path: PathBuf,
        /// How many voxels are not finite.
        count: usize,
    },
    /// Two volumes that must share a grid do not.
    #[error("{what}: {reason}")]
    GeometryMismatch {
        /// Which pair of volumes was compared (usually the two file names).
        what: String,
        /// The first property that differs, with both values.
        reason: String,
    },
    /// The mask selects no voxel for the requested label.
    #[error("{what}: mask holds no voxel with label {label}{present}")]
    EmptyMask {
        /// The mask file or a description of it.
        what: String,
        /// The label that was asked for.
        label: i64,
        /// A note listing the labels that are present, if any.
        present: String,
    },
    /// A setting is outside its valid range.
    #[error("invalid setting {name}: {reason}")]
    InvalidSetting {
        /// The setting's name, as in a PyRadiomics parameter file when there is one.
        name: &'static str,
        /// Why the value is not accepted.
        reason: String,
    },
    /// The operation produced or received an array of an unusable shape.
    #[error("{what}: {reason}")]
    Shape {
        /// The operation.
        what: &'static str,
        /// The problem, with the shapes involved.
        reason: String,
    },
}

/// The result type of `radlsig-volume`.
pub type Result<T> = std::result::Result<T, Error>;
