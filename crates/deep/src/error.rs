//! The error type of radlsig-deep.

use std::path::PathBuf;

/// Everything that can go wrong while preprocessing, training or applying a network.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is out of range or inconsistent; `problems` lists every one found.
    #[error("invalid deep-learning configuration{}: {}", source_name(.source_file), .problems.join("; "))]
    Config {
        /// The file the configuration came from, if any.
        source_file: Option<PathBuf>,
        /// One phrase per problem, each naming its setting.
        problems: Vec<String>,
    },
    /// A case's mask selects no voxel, so there is nothing to centre a crop on.
    #[error("case {case}: the mask selects no voxel")]
    EmptyMask {
        /// The case identifier.
        case: String,
    },
    /// A case's images do not fit its mask or the configuration.
    #[error("case {case}: {reason}")]
    Case {
        /// The case identifier.
        case: String,
        /// What is wrong.
        reason: String,
    },
    /// The training or inference data cannot be used as given.
    #[error("{0}")]
    Data(String),
    /// A file or folder could not be read, written or created; the operating-system error is
    /// the source (not repeated in the message, so a `{:#}` chain shows it once).
    #[error("cannot {action} {}", .path.display())]
    Io {
        /// What was being done to `path`: `read`, `write`, `create`, `create the folder`, ….
        action: &'static str,
        /// The file or folder involved.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// A file exists but its content is not what radlsig wrote.
    #[error("{}: {reason}", .path.display())]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Burn could not encode, decode or apply the record of a model or optimizer file; Burn's
    /// error is the source.
    #[error("cannot {action} {}", .path.display())]
    Checkpoint {
        /// What was being done: `decode the weights in`, `encode the optimizer state for`, ….
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// Burn's error.
        #[source]
        source: burn::store::RecordError,
    },
    /// The requested compute device is not compiled into this build.
    #[error(
        "device {name:?} is not available in this build (rebuild with cargo feature {feature:?})"
    )]
    DeviceUnavailable {
        /// The device name as given.
        name: String,
        /// The cargo feature that provides it.
        feature: &'static str,
    },
    /// Training produced a non-finite loss (diverged).
    #[error(
        "training diverged: the loss is {loss} at epoch {epoch}, batch {batch} (lower the learning rate)"
    )]
    Diverged {
        /// Epoch (1-based).
        epoch: usize,
        /// Batch within the epoch (1-based).
        batch: usize,
        /// The loss value.
        loss: f64,
    },
    /// The observer supplied by the caller failed.
    #[error("training observer: {0}")]
    Observer(String),
    /// An error from the volume crate (reading, resampling).
    #[error(transparent)]
    Volume(#[from] radlsig_volume::Error),
}

fn source_name(path: &Option<PathBuf>) -> String {
    path.as_ref().map(|p| format!(" in {}", p.display())).unwrap_or_default()
}

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An [`Error::Io`]: `action` (`"read"`, `"write"`, …) failed on `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Error {
        Error::Io { action, path: path.into(), source }
    }
}
