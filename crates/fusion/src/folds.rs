//! Seeded stratified k-fold assignment: [`radlsig_stats::stratified_folds`] (its own
//! Fisher–Yates shuffle on `ChaCha8Rng::seed_from_u64(seed)`, so fold IDs depend only on the
//! seed, the labels and that code), with its errors reported as this crate's
//! [`Error::Labels`].

use crate::error::{Error, Result};

/// Stratified fold IDs (`0..k`) for 0/1 labels.
///
/// The rows of each class are shuffled (class 0 first, then class 1, with one generator seeded
/// by `seed`) and dealt to folds in turn, the deal continuing from one class into the next. Each
/// fold therefore gets ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of class c and the fold sizes differ by at most
/// one. Needs `k ≥ 2` and at least `k` rows of each class, so every fold holds both classes;
/// otherwise [`Error::Labels`] says which.
pub fn stratified_folds(labels: &[u8], k: usize, seed: u64) -> Result<Vec<usize>> {
    radlsig_stats::stratified_folds(labels, k, seed)
        .map_err(|e| Error::Labels { reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_label_errors_with_the_reason() {
        // The stats crate's message, behind this crate's `labels: ` prefix.
        for (k, reason) in [
            (3, "3-fold stratified splitting needs at least 3 rows of class 1, got 2"),
            (1, "need at least 2 folds, got 1"),
        ] {
            let err = stratified_folds(&[0, 0, 0, 0, 1, 1], k, 1).unwrap_err();
            assert!(matches!(&err, Error::Labels { reason: r } if r == reason), "{err}");
            assert_eq!(err.to_string(), format!("labels: {reason}"));
        }
    }

    #[test]
    fn folds_are_the_shared_assignment() {
        let labels: Vec<u8> = (0..30).map(|i| u8::from(i % 4 == 0)).collect();
        assert_eq!(
            stratified_folds(&labels, 4, 11).unwrap(),
            radlsig_stats::stratified_folds(&labels, 4, 11).unwrap()
        );
    }
}
