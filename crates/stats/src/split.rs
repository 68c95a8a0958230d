//! Seeded splits of labelled rows: a stratified hold-out, stratified k-fold assignment, and the
//! shuffle the folds use.
//!
//! Two shuffles, on purpose. The hold-out uses `rand`'s [`SliceRandom::shuffle`] on the
//! generator it is given, which is what radlsig's validation splits have always drawn; the
//! folds use [`shuffle`], a Fisher–Yates shuffle with its own unbiased bounded draw, so fold IDs
//! depend only on the seed, the labels and this code, not on the version of `rand`'s shuffle
//! helpers. Changing either would change every split drawn so far.

use rand::seq::SliceRandom;
use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// Stratified hold-out: for each class in `classes`, in that order, shuffles the rows of the
/// class with `rng` ([`SliceRandom::shuffle`]) and holds out the first
/// `k = clamp(round(fraction · n_c), m, n_c − m)` of them, `m = min_per_side`. Returns one flag
/// per row, `true` = held out; rows whose label is in no class are never held out.
///
/// `min_per_side = 0` takes `round(fraction · n_c)` as it is (at most `n_c`); `min_per_side = 1`
/// leaves at least one row of each class on either side and leaves whole (unshuffled) a class
/// with fewer than 2 rows. In general a class with fewer than `2m` rows is left whole and
/// draws nothing from `rng`. `round` rounds half away from zero; a negative or NaN `fraction`
/// gives `k = m`.
///
/// The draws depend on the generator's state, the class order and the class sizes only, so
/// one seed gives one split.
pub fn stratified_holdout<L, R>(
    labels: &[L],
    classes: &[L],
    fraction: f64,
    min_per_side: usize,
    rng: &mut R,
) -> Vec<bool>
where
    L: Copy + PartialEq,
    R: Rng + ?Sized,
{
    let mut held_out = vec![false; labels.len()];
    for &class in classes {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        let n = members.len();
        if n < 2 * min_per_side {
            continue;
        }
        members.shuffle(rng);
        let k = ((fraction * n as f64).round() as usize).clamp(min_per_side, n - min_per_side);
        for &i in &members[..k] {
            held_out[i] = true;
        }
    }
    held_out
}

/// Stratified fold IDs (`0..k`) for 0/1 labels: [`stratified_folds_of`] with classes 0, 1.
///
/// Errors: [`Error::TooFewFolds`] for `k < 2`, [`Error::TooFewInClass`] when a class has fewer
/// than `k` rows (some fold would miss it).
pub fn stratified_folds(labels: &[u8], k: usize, seed: u64) -> Result<Vec<usize>> {
    stratified_folds_of(labels, 2, k, seed)
}

/// Stratified fold IDs (`0..k`) for labels `0..classes`.
///
/// The rows of each class are shuffled with [`shuffle`] (class 0 first, then 1, 2, …, with one
/// `ChaCha8Rng::seed_from_u64(seed)`) and dealt to folds in turn, the deal continuing from one
/// class into the next. Each fold therefore gets ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of class c and the
/// fold sizes differ by at most one. Rows with other labels get fold 0 and draw nothing.
///
/// Errors: [`Error::TooFewFolds`] for `k < 2`, [`Error::TooFewInClass`] when a class has fewer
/// than `k` rows (some fold would miss it).
pub fn stratified_folds_of(labels: &[u8], classes: u8, k: usize, seed: u64) -> Result<Vec<usize>> {
    if k < 2 {
        return Err(Error::TooFewFolds { folds: k });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold = vec![0usize; labels.len()];
    let mut dealt = 0usize;
    for class in 0..classes {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        if rows.len() < k {
            return Err(Error::TooFewInClass { folds: k, class, rows: rows.len() });
        }
        shuffle(&mut rows, &mut rng);
        for &r in &rows {
            fold[r] = dealt % k;
            dealt += 1;
        }
    }
    Ok(fold)
}

/// Fisher–Yates shuffle (Durstenfeld's version: for `i = n − 1, …, 1` swap position `i` with a
/// uniform `j ≤ i`), `j` drawn by rejection from 64-bit words of `rng` so that it is exactly
/// uniform. Fewer than 2 items draw nothing.
pub fn shuffle<T, R: RngCore + ?Sized>(items: &mut [T], rng: &mut R) {
    for i in (1..items.len()).rev() {
        let j = uniform_below(rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// A uniform integer in `0..n` by rejection of the biased top range of a 64-bit draw.
fn uniform_below<R: RngCore + ?Sized>(rng: &mut R, n: u64) -> u64 {
    debug_assert!(n > 0);
    let zone = u64::MAX - (u64::MAX % n) - 1;
    loop {
        let v = rng.next_u64();
        if v <= zone {
            return v % n;
        }
    }
}

/// The rows of fold `f` (`test`) and all other rows (`train`), each in row order:
/// `(train, test)`.
pub fn fold_split(fold_ids: &[usize], f: usize) -> (Vec<usize>, Vec<usize>) {
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

    /// The stratified split of the `radlsig` runner (`random_split` in
    /// crates/cli/src/run/split.rs at the time this crate was made), copied as it was.
    fn runner_random_split(labels: &[u8], fraction: f64, seed: u64) -> Vec<String> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut names = vec!["train".to_string(); labels.len()];
        for class in [0u8, 1] {
            let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
            rows.shuffle(&mut rng);
            let k = (fraction * rows.len() as f64).round() as usize;
            for &i in &rows[..k.min(rows.len())] {
                names[i] = "validation".to_string();
            }
        }
        names
    }

    /// The CNN's inner validation split (`stratified_split` in crates/deep/src/training.rs at
    /// the time this crate was made, on the generator it seeded), copied as it was.
    fn cnn_split(labels: &[Option<u8>], fraction: f64, rng: &mut ChaCha8Rng) -> Vec<bool> {
        let mut held_out = vec![false; labels.len()];
        for class in [0u8, 1] {
            let mut members: Vec<usize> =
                (0..labels.len()).filter(|&i| labels[i] == Some(class)).collect();
            if members.len() < 2 {
                continue;
            }
            members.shuffle(rng);
            let k =
                ((fraction * members.len() as f64).round() as usize).clamp(1, members.len() - 1);
            for &i in &members[..k] {
                held_out[i] = true;
            }
        }
        held_out
    }

    fn rows(flags: &[bool]) -> Vec<usize> {
        (0..flags.len()).filter(|&i| flags[i]).collect()
    }

    #[test]
    fn holdout_reproduces_the_runner_split_pinned() {
        // Computed with the runner's `random_split` before this crate existed.
        let labels = [0u8, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0];
        let held = |fraction: f64, seed: u64| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rows(&stratified_holdout(&labels, &[0, 1], fraction, 0, &mut rng))
        };
        // 7 negatives, 5 positives: round(1.75) = 2 and round(1.25) = 1 held out ...
        assert_eq!(held(0.25, 42), vec![1, 2, 3]);
        // ... and round(3.5) = 4, round(2.5) = 3 (half away from zero).
        assert_eq!(held(0.5, 7), vec![0, 3, 4, 5, 6, 9, 10]);
    }

    #[test]
    fn holdout_reproduces_the_cnn_split_pinned() {
        // Computed with the CNN's `stratified_split` algorithm before this crate existed.
        let labels: [Option<u8>; 11] = [
            Some(1),
            Some(0),
            None,
            Some(0),
            Some(1),
            Some(0),
            Some(0),
            Some(1),
            Some(0),
            None,
            Some(0),
        ];
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let held = stratified_holdout(&labels, &[Some(0), Some(1)], 0.2, 1, &mut rng);
        assert_eq!(rows(&held), vec![7, 8]);
        // One positive only: it stays in training and draws nothing; 4 negatives, round(2) = 2.
        let one: [Option<u8>; 5] = [Some(0), Some(1), Some(0), Some(0), Some(0)];
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let held = stratified_holdout(&one, &[Some(0), Some(1)], 0.5, 1, &mut rng);
        assert_eq!(rows(&held), vec![0, 2]);
    }

    #[test]
    fn holdout_matches_both_former_splits_on_many_inputs() {
        let mut gen_rng = ChaCha8Rng::seed_from_u64(99);
        for case in 0..400u64 {
            let n = gen_rng.random_range(0..40);
            let labels: Vec<u8> = (0..n).map(|_| gen_rng.random_range(0..3)).collect();
            let fraction = [0.0, 0.1, 0.2, 0.25, 0.3, 0.5, 0.7, 1.0][case as usize % 8];
            let names = runner_random_split(&labels, fraction, case);
            let mut rng = ChaCha8Rng::seed_from_u64(case);
            let held = stratified_holdout(&labels, &[0, 1], fraction, 0, &mut rng);
            let expected: Vec<bool> = names.iter().map(|s| s == "validation").collect();
            assert_eq!(held, expected, "runner split, case {case}");

            let optional: Vec<Option<u8>> =
                labels.iter().map(|&l| if l == 2 { None } else { Some(l) }).collect();
            let mut a = ChaCha8Rng::seed_from_u64(case ^ 0x5B17);
            let mut b = a.clone();
            let held = stratified_holdout(&optional, &[Some(0), Some(1)], fraction, 1, &mut a);
            assert_eq!(held, cnn_split(&optional, fraction, &mut b), "CNN split, case {case}");
            // Both generators end in the same state: the same number of draws.
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn holdout_keeps_a_minimum_on_each_side() {
        let labels: Vec<u8> = (0..10).map(|i| u8::from(i < 3)).collect();
        for fraction in [0.0, 0.01, 0.99, 1.0] {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let held = stratified_holdout(&labels, &[0, 1], fraction, 1, &mut rng);
            for class in [0, 1] {
                let (n, h) = (0..10)
                    .filter(|&i| labels[i] == class)
                    .fold((0, 0), |(n, h), i| (n + 1, h + usize::from(held[i])));
                assert!((1..n).contains(&h), "fraction {fraction}, class {class}: {h} of {n}");
            }
        }
        // Without a minimum, fraction 0 holds out nothing and 1 everything.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        assert!(stratified_holdout(&labels, &[0, 1], 0.0, 0, &mut rng).iter().all(|&h| !h));
        assert!(stratified_holdout(&labels, &[0, 1], 1.0, 0, &mut rng).iter().all(|&h| h));
    }

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
    fn folds_pinned() {
        // Computed with radlsig-fusion's `stratified_folds` before it moved here.
        let labels: Vec<u8> = (0..13).map(|i| u8::from(i % 3 == 0)).collect();
        assert_eq!(
            stratified_folds(&labels, 3, 7).unwrap(),
            vec![0, 0, 1, 2, 0, 1, 2, 0, 1, 1, 2, 2, 0]
        );
    }

    #[test]
    fn too_few_rows_of_a_class() {
        let labels = [0, 0, 0, 0, 1, 1];
        let err = stratified_folds(&labels, 3, 1).unwrap_err();
        assert_eq!(err, Error::TooFewInClass { folds: 3, class: 1, rows: 2 });
        assert_eq!(
            err.to_string(),
            "3-fold stratified splitting needs at least 3 rows of class 1, got 2"
        );
        let err = stratified_folds(&labels, 1, 1).unwrap_err();
        assert_eq!(err.to_string(), "need at least 2 folds, got 1");
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

    #[test]
    fn shuffle_permutes_and_short_slices_draw_nothing() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut v: Vec<usize> = (0..20).collect();
        shuffle(&mut v, &mut rng);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
        assert_ne!(v, sorted);
        let (mut a, mut b) = (ChaCha8Rng::seed_from_u64(4), ChaCha8Rng::seed_from_u64(4));
        shuffle(&mut [1], &mut a);
        shuffle::<u8, _>(&mut [], &mut a);
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn fold_split_by_hand() {
        let (train, test) = fold_split(&[0, 1, 2, 1, 0], 1);
        assert_eq!((train, test), (vec![0, 2, 4], vec![1, 3]));
    }
}
