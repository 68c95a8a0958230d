//! Finds the project's reference data in `../shared`, beside the checkout, for tests.
//!
//! Nothing from `../shared` is committed: tests read it in place through [`require`]. When the
//! data is missing, [`require`] **panics** if the environment variable `CI` is `true` (CI always
//! has it, so a missing folder there is a broken setup, not a reason to skip) and otherwise
//! prints why the test is skipped and returns `None`.
//!
//! ```no_run
//! let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
//! assert!(dir.join("SOURCE.md").exists());
//! ```
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// The `shared` folder: `$RADLSIG_SHARED` if set, else `../shared` beside the workspace root.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("RADLSIG_SHARED") {
        return PathBuf::from(dir);
    }
    // This crate sits at <root>/crates/testdata.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join("../shared")
}

/// Whether this run is CI (`CI=true`), where missing reference data is an error.
pub fn in_ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

/// The path of `relative` inside the shared folder, if it exists.
///
/// # Panics
///
/// When it does not exist and [`in_ci`] is true.
pub fn require(relative: &str) -> Option<PathBuf> {
    let path = shared_dir().join(relative);
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "reference data {} is missing (set RADLSIG_SHARED or place the shared folder beside the checkout)",
        path.display()
    );
    if in_ci() {
        panic!("{msg}");
    }
    eprintln!("skipping: {msg}");
    None
}

/// The Mann–Whitney AUC of `scores` for the cases where `positive` is true against the others,
/// by brute force: the share of (positive, negative) pairs where the positive scores higher,
/// ties counting ½. An independent reference for tests (O(n²), no ranks), not the product's
/// AUC (`radlsig-evaluate`).
pub fn pairwise_auc(scores: &[f64], positive: &[bool]) -> f64 {
    let (mut wins, mut pairs) = (0.0f64, 0usize);
    for (a, &pa) in scores.iter().zip(positive) {
        for (b, &pb) in scores.iter().zip(positive) {
            if pa && !pb {
                pairs += 1;
                wins += if a > b {
                    1.0
                } else if a == b {
                    0.5
                } else {
                    0.0
                };
            }
        }
    }
    wins / pairs as f64
}
