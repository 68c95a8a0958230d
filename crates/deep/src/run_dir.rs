//! The folder of a training run: its file names, the records it holds, and how they are read and
//! written.
//!
//! # What a run folder holds
//!
//! - `config.json` — the resolved [`crate::TrainingConfig`], before the first epoch;
//! - `model.bpk` — the weights of the epoch with the best validation AUC (Burn's burnpack
//!   format), rewritten when the AUC improves: this is the trained model;
//! - `checkpoint/epoch-NNNN/{model,optimizer}.bpk` and `checkpoint/state.json` — the state after
//!   the last finished epoch (weights with BatchNorm statistics, AdamW moments, counters and
//!   the history), written every epoch so that `resume` continues an interrupted run;
//! - `training.json` — a [`TrainingSummary`] when the run ends;
//! - `epochs.csv` — the per-epoch table ([`EpochRecord`]s), which the command line writes
//!   after every epoch (this crate never reads it).
//!
//! Every file is written to a temporary name and renamed, and `state.json` is written last,
//! so an interruption at any point leaves the previous epoch's checkpoint intact.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::ModuleOptimizer;
use burn::store::ModuleRecord;
use burn::tensor::Bytes;
use serde::{Deserialize, Serialize};

use crate::model::Cnn3d;
use crate::{Error, Result};

/// The paths of a run folder's files (see the module docs), from the folder alone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RunPaths {
    /// The run folder itself.
    pub dir: PathBuf,
    /// `config.json`: the resolved training configuration.
    pub config: PathBuf,
    /// `model.bpk`: the weights of the best epoch.
    pub model: PathBuf,
    /// `training.json`: the [`TrainingSummary`], once the run has ended.
    pub summary: PathBuf,
    /// `epochs.csv`: the per-epoch table the command line writes.
    pub epochs: PathBuf,
    /// `checkpoint/`: the last finished epoch's state, present once an epoch has ended.
    pub checkpoint: PathBuf,
    /// `checkpoint/state.json`: the counters and history of that checkpoint, written last.
    pub state: PathBuf,
}

impl RunPaths {
    /// The paths of the run folder `dir`.
    pub fn new(dir: &Path) -> RunPaths {
        let checkpoint = dir.join("checkpoint");
        RunPaths {
            dir: dir.to_path_buf(),
            config: dir.join("config.json"),
            model: dir.join("model.bpk"),
            summary: dir.join("training.json"),
            epochs: dir.join("epochs.csv"),
            state: checkpoint.join("state.json"),
            checkpoint,
        }
    }

    /// The files of the checkpoint folder `checkpoint/<name>` (a name of [`epoch_folder`]).
    pub(crate) fn epoch_checkpoint(&self, name: &str) -> EpochCheckpoint {
        let folder = self.checkpoint.join(name);
        EpochCheckpoint {
            model: folder.join("model.bpk"),
            optimizer: folder.join("optimizer.bpk"),
            folder,
        }
    }
}

/// The name of the checkpoint folder of the state after `epoch` (1-based): `epoch-NNNN`.
pub(crate) fn epoch_folder(epoch: usize) -> String {
    format!("epoch-{epoch:04}")
}

/// The files of one epoch's checkpoint folder.
pub(crate) struct EpochCheckpoint {
    /// `checkpoint/epoch-NNNN`.
    pub(crate) folder: PathBuf,
    /// The weights with BatchNorm statistics.
    pub(crate) model: PathBuf,
    /// The AdamW moments.
    pub(crate) optimizer: PathBuf,
}

/// One row of the per-epoch table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean class-weighted cross-entropy over the epoch's training batches.
    pub loss: f64,
    /// AUC of the training predictions made during the epoch (augmented inputs, training
    /// mode); `None` when a class is missing.
    pub train_auc: Option<f64>,
    /// AUC on the validation cases after the epoch (inference mode).
    pub val_auc: Option<f64>,
    /// Class-weighted cross-entropy on the validation cases (inference mode, training class
    /// weights); breaks ties between epochs of equal validation AUC.
    pub val_loss: f64,
    /// Learning rate of the epoch's first step.
    pub learning_rate: f64,
    /// Wall-clock seconds of the epoch, validation included.
    pub seconds: f64,
    /// Whether this epoch's weights became the saved model (best validation AUC so far).
    pub best: bool,
}

/// One line per epoch, as the command line prints it: `epoch   3  loss 0.6931  train AUC
/// 0.5120  val AUC 0.6000  lr 1.00e-3  2.5s` (`-` for an undefined AUC; `  *` marks the epoch
/// that became the model).
impl std::fmt::Display for EpochRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let auc = |a: Option<f64>| a.map_or("-".into(), |v| format!("{v:.4}"));
        write!(
            f,
            "epoch {:>3}  loss {:.4}  train AUC {}  val AUC {}  lr {:.2e}  {:.1}s{}",
            self.epoch,
            self.loss,
            auc(self.train_auc),
            auc(self.val_auc),
            self.learning_rate,
            self.seconds,
            if self.best { "  *" } else { "" }
        )
    }
}

/// How the run ended, in words: `finished after 20 epochs, best epoch 14 (validation AUC
/// 0.8123)`, `stopped early after …`, or `interrupted after epoch 3`.
impl std::fmt::Display for TrainingSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self.status {
            RunStatus::Interrupted => {
                return write!(f, "interrupted after epoch {}", self.epochs_run);
            }
            RunStatus::EarlyStopped => "stopped early",
            RunStatus::Completed => "finished",
        };
        write!(f, "{how} after {} epochs, ", self.epochs_run)?;
        match (self.best_epoch, self.best_val_auc) {
            (Some(e), Some(auc)) => write!(f, "best epoch {e} (validation AUC {auc:.4})"),
            _ => write!(f, "no epoch improved"),
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// All configured epochs ran.
    Completed,
    /// Early stopping: `patience` epochs without a better validation AUC.
    EarlyStopped,
    /// The observer asked to stop; `resume` continues from the last checkpoint.
    Interrupted,
}

/// The summary written as `training.json` when a run ends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// How the run ended.
    pub status: RunStatus,
    /// Epoch whose weights are the model.
    pub best_epoch: Option<usize>,
    /// Its validation AUC.
    pub best_val_auc: Option<f64>,
    /// Epochs that ran.
    pub epochs_run: usize,
    /// Cases used for the optimisation.
    pub train_cases: usize,
    /// The validation cases (ids).
    pub validation_ids: Vec<String>,
    /// Whether they come from an inner split of the training cases.
    pub inner_split: bool,
    /// The backend.
    pub device: String,
    /// The per-epoch history.
    pub history: Vec<EpochRecord>,
}

/// Writes the weights (with BatchNorm statistics) of `model` to `path` (burnpack).
pub(crate) fn save_module(model: &Cnn3d, path: &Path) -> Result<()> {
    let bytes = model.clone().into_record().into_bytes().map_err(|source| Error::Checkpoint {
        action: "encode the weights for",
        path: path.to_path_buf(),
        source,
    })?;
    write_atomic(path, &bytes)
}

/// `model` with the weights of the burnpack file `path`.
pub(crate) fn load_module(model: Cnn3d, path: &Path) -> Result<Cnn3d> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    let checkpoint_error = |action: &'static str| {
        move |source| Error::Checkpoint { action, path: path.to_path_buf(), source }
    };
    let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(checkpoint_error("decode the weights in"))?;
    model.try_load_record(record).map_err(checkpoint_error("load into the network the weights in"))
}

/// Writes the state of `optimizer` to `path`.
pub(crate) fn save_optimizer(optimizer: &ModuleOptimizer, path: &Path) -> Result<()> {
    let bytes = optimizer.into_bytes().map_err(|source| Error::Checkpoint {
        action: "encode the optimizer state for",
        path: path.to_path_buf(),
        source,
    })?;
    write_atomic(path, &bytes)
}

/// `optimizer` with the state saved in `path`.
pub(crate) fn load_optimizer(optimizer: ModuleOptimizer, path: &Path) -> Result<ModuleOptimizer> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
    optimizer.from_bytes(Bytes::from_bytes_vec(bytes)).map_err(|source| Error::Checkpoint {
        action: "decode the optimizer state in",
        path: path.to_path_buf(),
        source,
    })
}

/// Writes `bytes` to `path` through a temporary file renamed into place.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    radlsig_volume::write_atomically(path, |tmp| {
        std::fs::write(tmp, bytes).map_err(|e| Error::io("write", path, e))
    })
}

/// Writes `value` to `path` as pretty-printed JSON, atomically.
pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    write_atomic(path, serde_json::to_string_pretty(value).unwrap_or_default().as_bytes())
}

/// The JSON file `path` as a `T`.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Format { path: path.to_path_buf(), reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_of_a_run_folder() {
        let paths = RunPaths::new(Path::new("runs/a"));
        let names = [
            (&paths.config, "runs/a/config.json"),
            (&paths.model, "runs/a/model.bpk"),
            (&paths.summary, "runs/a/training.json"),
            (&paths.epochs, "runs/a/epochs.csv"),
            (&paths.checkpoint, "runs/a/checkpoint"),
            (&paths.state, "runs/a/checkpoint/state.json"),
        ];
        for (path, expected) in names {
            assert_eq!(path, Path::new(expected));
        }
        let epoch = paths.epoch_checkpoint(&epoch_folder(7));
        assert_eq!(epoch.folder, Path::new("runs/a/checkpoint/epoch-0007"));
        assert_eq!(epoch.model, Path::new("runs/a/checkpoint/epoch-0007/model.bpk"));
        assert_eq!(epoch.optimizer, Path::new("runs/a/checkpoint/epoch-0007/optimizer.bpk"));
    }

    #[test]
    fn io_errors_name_the_file_once() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let missing = dir.path().join("training.json");
        let error = read_json::<TrainingSummary>(&missing).expect_err("no such file");
        let message = error.to_string();
        assert_eq!(message, format!("cannot read {}", missing.display()));
        let cause = std::error::Error::source(&error).expect("the OS error is the source");
        assert!(!message.contains(&cause.to_string()), "{message} repeats {cause}");
    }
}
