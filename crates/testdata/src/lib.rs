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
/// A missing file is an error (a panic: the test fails) in CI and wherever the shared folder
/// itself is present — then the file should be there, and a test that quietly passed without
/// it would hide the problem. Only when the whole shared folder is absent (a checkout without
/// the reference data) does the test skip: it returns `None`, and the first skip of a `cargo
/// test` run prints one summary line on stderr saying so.
///
/// # Panics
///
/// When the file does not exist and [`in_ci`] is true or the shared folder exists.
pub fn require(relative: &str) -> Option<PathBuf> {
    let dir = shared_dir();
    let path = dir.join(relative);
    if path.exists() {
        return Some(path);
    }
    if in_ci() || dir.is_dir() {
        panic!(
            "reference data {} is missing from {} (set RADLSIG_SHARED to another copy of the \
             shared folder)",
            relative,
            dir.display()
        );
    }
    announce_skips(&dir);
    None
}

/// Prints, once per `cargo test` run, that tests are skipped for want of the shared folder.
///
/// Every test binary of one run is a child of the same `cargo` process, so a marker file named
/// after that process (its PID and start time, so a reused PID does not match) in the temporary
/// folder tells the later binaries that the line was printed. The line goes straight to the
/// process's stderr, past the test harness's output capture.
fn announce_skips(dir: &Path) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if first_in_this_cargo_run() {
            let line = format!(
                "note: the shared reference folder {} is missing: the tests that need it are \
                 skipped (they pass without checking anything); set RADLSIG_SHARED, or CI=true to \
                 make them fail\n",
                dir.display()
            );
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        }
    });
}

/// Whether no other test binary of this `cargo test` run has claimed the skip message yet.
#[cfg(unix)]
fn first_in_this_cargo_run() -> bool {
    let parent = std::os::unix::process::parent_id();
    // Field 22 of /proc/PID/stat (the start time), counted after the parenthesised name.
    let started = std::fs::read_to_string(format!("/proc/{parent}/stat"))
        .ok()
        .and_then(|s| s.rsplit(')').next()?.split_whitespace().nth(19).map(str::to_owned))
        .unwrap_or_default();
    let marker = std::env::temp_dir().join(format!("radlsig-shared-missing-{parent}-{started}"));
    std::fs::OpenOptions::new().write(true).create_new(true).open(marker).is_ok()
}

/// Elsewhere every test binary says it once.
#[cfg(not(unix))]
fn first_in_this_cargo_run() -> bool {
    true
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
