//! How a run reports progress: the binary draws progress bars and prints notes; a library
//! caller or a test can stay silent ([`Quiet`]).

use radlsig_deep::{Silent, TrainingObserver};

/// Receives a run's progress. Steps are counted (`begin`, `advance` per item, `end`); notes are
/// lines for the log ("features: cached (…)", warnings). `advance` is called from worker
/// threads, hence `Sync`.
pub trait Observer: Sync {
    /// A counted step begins: `what` (`features`, `preprocessing`, `embedding`) over `len` items.
    fn begin(&self, what: &str, len: usize);
    /// One item of the current step is done.
    fn advance(&self);
    /// The current step is over.
    fn end(&self);
    /// A line for the log.
    fn note(&self, line: &str);
    /// The observer of one CNN training run (per batch and per epoch).
    fn training(&self) -> Box<dyn TrainingObserver + '_>;
}

/// An observer that shows nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {
    fn begin(&self, _what: &str, _len: usize) {}
    fn advance(&self) {}
    fn end(&self) {}
    fn note(&self, _line: &str) {}
    fn training(&self) -> Box<dyn TrainingObserver + '_> {
        Box::new(Silent)
    }
}
