//! Seeded stratified k-fold assignment.
//!
//! The shuffle is a Fisher–Yates shuffle driven by `ChaCha8Rng::seed_from_u64(seed)` with our
//! own unbiased bounded draw, so fold IDs depend only on the seed, the labels and this code —
//! not on the version of `rand`'s shuffle helpers.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// Stratified fold IDs (`0..k`) for 0/1 labels.
///
/// The rows of each class are shuffled (class 0 first, then class 1, with one generator seeded
/// by `seed`) and dealt to folds in turn, the deal continuing from one class into the next. Each
/// fold therefore gets ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of class c and the fold sizes differ by at most
/// one. Needs `k ≥ 2` and at least `k` rows of each class, so every fold holds both classes.
pub fn stratified_folds(labels: &[u8], k: usize, seed: u64) -> Result<Vec<usize>> {
    if k < 2 {
        return Err(Error::Labels { reason: format!("need at least 2 folds, got {k}") });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold = vec![0usize; labels.len()];
    let mut dealt = 0usize;
    for class in [0u8, 1u8] {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        if rows.len() < k {
            return Err(Error::Labels {
                reason: format!(
                    "{k}-fold stratified splitting needs at least {k} rows of class {class}, got {}",
                    rows.len()
                ),
            });
        }
        shuffle(&mut rows, &mut rng);
        for &r in &rows {
            fold[r] = dealt % k;
            dealt += 1;
        }
    }
    Ok(fold)
}

/// Fisher–Yates shuffle (Durstenfeld's version: swap position `i` with a uniform `j ≤ i`).
pub(crate) fn shuffle<T>(items: &mut [T], rng: &mut ChaCha8Rng) {
    for i in (1..items.len()).rev() {
        let j = uniform_below(rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// A uniform integer in `0..n` by rejection of the biased top range of a 64-bit draw.
fn uniform_below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    debug_assert!(n > 0);
    let zone = u64::MAX - (u64::MAX % n) - 1;
    loop {
        let v = rng.next_u64();
        if v <= zone {
            return v % n;
        }
    }
}

/// Indices of the rows in fold `f` (`test`) and of all other rows (`train`), in row order.
pub(crate) fn split(fold_ids: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
    let mut train = Vec::new();
    let mut test = Vec::new();
    for (i, &g) in fold_ids.iter().enumerate() {
        if g == f { test.push(i) } else { train.push(i) }
    }
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_balanced_and_seeded() {
        let labels: Vec<u8> = (0..53).map(|i| u8::from(i % 3 == 0)).collect();
        let n1 = labels.iter().filter(|&&l| l == 1).count(); // 18
        let f = stratified_folds(&labels, 5, 7).unwrap();
        for k in 0..5 {
            let size = f.iter().filter(|&&g| g == k).count();
            assert!(size == 10 || size == 11, "fold {k} has {size} rows");
            let pos = (0..53).filter(|&i| f[i] == k && labels[i] == 1).count();
            assert!(pos == n1 / 5 || pos == n1 / 5 + 1);
        }
        assert_eq!(f, stratified_folds(&labels, 5, 7).unwrap());
        assert_ne!(f, stratified_folds(&labels, 5, 8).unwrap());
    }

    #[test]
    fn too_few_rows_of_a_class() {
        let labels = [0, 0, 0, 0, 1, 1];
        assert!(stratified_folds(&labels, 3, 1).is_err());
    }

    #[test]
    fn uniform_below_is_in_range_and_covers() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = [false; 7];
        for _ in 0..500 {
            seen[uniform_below(&mut rng, 7) as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }
}
