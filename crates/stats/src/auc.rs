//! The Mann–Whitney U statistic and the area under the ROC curve it equals.
//!
//! Symbols: `n₀` negatives (controls, label 0) with scores `Y_j`, `n₁` positives (cases,
//! label 1) with scores `X_i`.
//!
//! `U = Σ_i Σ_j ([X_i > Y_j] + ½ [X_i = Y_j])` and `AUC = U / (n₁ n₀)` (pROC `auc`,
//! scikit-learn `roc_auc_score`, R's `wilcox.test(x, y)$statistic` for `U`). `U` equals the
//! rank-sum form `Σ_i r(X_i) − n₁(n₁ + 1)/2` with mid-ranks `r` over the pooled sample.
//!
//! # One count for every caller
//!
//! Everything here counts `2U` exactly, as an integer, over the tie groups of the two sorted
//! classes ([`tie_groups`], [`twice_u`]) and divides once ([`auc_from_twice_u`]). The rank-sum
//! form, the pairwise count and `2U` are the same integer (halved) and exact in `f64` while
//! `2 n₁ n₀ < 2⁵³`, so `U/(n₁ n₀)`, `2U/(2 n₁ n₀)` and the pairwise mean are one correctly
//! rounded quotient: the three formulas the crates used before give the same bits (tested
//! below).

/// One distinct value of the pooled sample and how many negatives and positives hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TieGroup<T> {
    /// The value.
    pub value: T,
    /// Negatives equal to it.
    pub negatives: usize,
    /// Positives equal to it.
    pub positives: usize,
}

/// The iterator of [`tie_groups`].
#[derive(Clone, Debug)]
pub struct TieGroups<'a, T> {
    negatives: &'a [T],
    positives: &'a [T],
    i: usize,
    j: usize,
}

/// The distinct values of two ascending slices, in ascending order, each with its count in
/// either slice (a merge of the two sorted classes, O(n₀ + n₁)).
///
/// Values are compared with `<` and `==`, so `f64` slices sorted by [`f64::total_cmp`] group
/// `-0.0` with `0.0`. A value that equals nothing, itself included (NaN), forms a group of one;
/// the counts are then meaningless but the iteration still ends.
pub fn tie_groups<'a, T: Copy + PartialOrd>(
    negatives: &'a [T],
    positives: &'a [T],
) -> TieGroups<'a, T> {
    TieGroups { negatives, positives, i: 0, j: 0 }
}

impl<T: Copy + PartialOrd> Iterator for TieGroups<'_, T> {
    type Item = TieGroup<T>;

    fn next(&mut self) -> Option<TieGroup<T>> {
        let (value, from_negatives) = match (self.negatives.get(self.i), self.positives.get(self.j))
        {
            (Some(&a), Some(&b)) => {
                if b < a {
                    (b, false)
                } else {
                    (a, true)
                }
            }
            (Some(&a), None) => (a, true),
            (None, Some(&b)) => (b, false),
            (None, None) => return None,
        };
        let (i0, j0) = (self.i, self.j);
        while self.i < self.negatives.len() && self.negatives[self.i] == value {
            self.i += 1;
        }
        while self.j < self.positives.len() && self.positives[self.j] == value {
            self.j += 1;
        }
        if self.i == i0 && self.j == j0 {
            if from_negatives {
                self.i += 1;
            } else {
                self.j += 1;
            }
        }
        Some(TieGroup { value, negatives: self.i - i0, positives: self.j - j0 })
    }
}

/// `2U`, counted exactly, from `(negatives, positives)` counts of tie groups in ascending order
/// of value: each positive of a group beats the negatives of all lower groups (2 each) and ties
/// with the negatives of its own group (1 each),
/// `2U = Σ_g k_g (2 Σ_{h<g} c_h + c_g)` with `c_g` negatives and `k_g` positives in group `g`.
///
/// The groups may come from [`tie_groups`] or from counts on a grid of distinct values (the
/// bootstrap's resampled classes). No groups gives 0.
pub fn twice_u(groups: impl IntoIterator<Item = (usize, usize)>) -> u128 {
    let (mut below, mut twice_u) = (0u128, 0u128);
    for (negatives, positives) in groups {
        twice_u += positives as u128 * (2 * below + negatives as u128);
        below += negatives as u128;
    }
    twice_u
}

/// `AUC = 2U / (2 n₀ n₁)`, the fraction of (positive, negative) pairs in which the positive
/// scores higher, ties counting ½. NaN (0/0) when a class is empty.
pub fn auc_from_twice_u(twice_u: u128, n_negative: usize, n_positive: usize) -> f64 {
    twice_u as f64 / (2.0 * n_negative as f64 * n_positive as f64)
}

/// The AUC of two ascending slices (negatives, positives) by [`tie_groups`], [`twice_u`] and
/// [`auc_from_twice_u`], in O(n₀ + n₁). Perfect separation gives 1, all values tied ½, a
/// reversed separation 0, an empty class NaN.
pub fn auc_sorted<T: Copy + PartialOrd>(negatives: &[T], positives: &[T]) -> f64 {
    let groups = tie_groups(negatives, positives).map(|g| (g.negatives, g.positives));
    auc_from_twice_u(twice_u(groups), negatives.len(), positives.len())
}

/// The Mann–Whitney U statistic of two samples, with what the normal approximation of its test
/// needs (see [`mann_whitney_u`]).
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct MannWhitneyU {
    /// `2U`, exact.
    pub twice_u: u128,
    /// `n₀`.
    pub n_negative: usize,
    /// `n₁`.
    pub n_positive: usize,
    /// `Σ_g (t_g³ − t_g)` over the tie groups of the pooled sample (`t_g` values each), the
    /// tie correction of the variance of `U`; 0 without ties. Summed in ascending order of
    /// value, each term in `f64`.
    pub tie_sum: f64,
}

impl MannWhitneyU {
    /// `U = 2U / 2` (R's `W`), exact.
    pub fn u(&self) -> f64 {
        self.twice_u as f64 / 2.0
    }

    /// `AUC = U / (n₁ n₀)` ([`auc_from_twice_u`]); NaN when a class is empty.
    pub fn auc(&self) -> f64 {
        auc_from_twice_u(self.twice_u, self.n_negative, self.n_positive)
    }
}

/// [`MannWhitneyU`] of `positives` against `negatives` (unsorted), in O(N log N): each class is
/// sorted by [`f64::total_cmp`] and the tie groups of the pooled sample are walked once.
///
/// `None` when any value is NaN (no order, so no statistic). Empty classes are allowed (then
/// `U = 0` and the AUC is NaN).
pub fn mann_whitney_u(negatives: &[f64], positives: &[f64]) -> Option<MannWhitneyU> {
    if negatives.iter().chain(positives).any(|v| v.is_nan()) {
        return None;
    }
    let sorted = |v: &[f64]| {
        let mut s = v.to_vec();
        s.sort_unstable_by(f64::total_cmp);
        s
    };
    let (neg, pos) = (sorted(negatives), sorted(positives));
    let mut tie_sum = 0.0;
    let groups = tie_groups(&neg, &pos).map(|g| {
        let t = (g.negatives + g.positives) as f64;
        tie_sum += t * t * t - t;
        (g.negatives, g.positives)
    });
    let twice_u = twice_u(groups);
    Some(MannWhitneyU { twice_u, n_negative: neg.len(), n_positive: pos.len(), tie_sum })
}

/// Area under the ROC curve of `scores` for binary `labels` (non-zero = positive), the
/// Mann–Whitney `U / (n₁ n₀)` (module docs).
///
/// Degenerate cases: `None` when there is no positive or no negative, or when any score is
/// NaN (no number would be meaningful).
///
/// # Panics
///
/// When `scores` and `labels` differ in length (a programming error, not a data error).
pub fn roc_auc(scores: &[f64], labels: &[u8]) -> Option<f64> {
    assert_eq!(scores.len(), labels.len(), "roc_auc: one label per score");
    let (mut negatives, mut positives) = (Vec::new(), Vec::new());
    for (&s, &l) in scores.iter().zip(labels) {
        if l != 0 { positives.push(s) } else { negatives.push(s) }
    }
    if negatives.is_empty() || positives.is_empty() {
        return None;
    }
    mann_whitney_u(&negatives, &positives).map(|u| u.auc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ranks::mid_ranks;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The independent reference: the pairwise definition, P(score⁺ > score⁻) + ½ P(tie).
    /// `wins` is a sum of halves and `pairs` an integer, both exact, so the quotient is the
    /// correctly rounded AUC.
    fn pairwise(scores: &[f64], labels: &[u8]) -> f64 {
        let mut wins = 0.0;
        let mut pairs = 0.0;
        for (i, &li) in labels.iter().enumerate() {
            for (j, &lj) in labels.iter().enumerate() {
                if li == 1 && lj == 0 {
                    pairs += 1.0;
                    wins += match scores[i].partial_cmp(&scores[j]).unwrap() {
                        std::cmp::Ordering::Greater => 1.0,
                        std::cmp::Ordering::Equal => 0.5,
                        std::cmp::Ordering::Less => 0.0,
                    };
                }
            }
        }
        wins / pairs
    }

    /// The rank-sum form radlsig-deep and radlsig-fusion used before this crate:
    /// `W = Σ r(positives) − n₁(n₁ + 1)/2`, `AUC = W / (n₁ n₀)`.
    fn rank_sum_w_and_auc(scores: &[f64], labels: &[u8]) -> (f64, f64) {
        let r = mid_ranks(scores);
        let n1 = labels.iter().filter(|&&l| l == 1).count() as f64;
        let n0 = scores.len() as f64 - n1;
        let rank_sum: f64 = (0..scores.len()).filter(|&i| labels[i] == 1).map(|i| r[i]).sum();
        let w = rank_sum - n1 * (n1 + 1.0) / 2.0;
        (w, w / (n1 * n0))
    }

    fn classes(scores: &[f64], labels: &[u8]) -> (Vec<f64>, Vec<f64>) {
        let pick = |c: u8| -> Vec<f64> {
            (0..scores.len()).filter(|&i| labels[i] == c).map(|i| scores[i]).collect()
        };
        (pick(0), pick(1))
    }

    #[test]
    fn hand_calculation_with_ties() {
        // Positives 0.8, 0.4, 0.35; negatives 0.1, 0.4, 0.7, 0.2.
        // Pairs (pos > neg): 0.8 beats all 4; 0.4 beats 0.1, 0.2, ties 0.4 (½), loses to 0.7
        // → 2.5; 0.35 beats 0.1, 0.2 → 2. Total 8.5 of 12 pairs.
        let scores = [0.8, 0.1, 0.4, 0.4, 0.7, 0.35, 0.2];
        let labels = [1, 0, 1, 0, 0, 1, 0];
        assert_eq!(roc_auc(&scores, &labels), Some(8.5 / 12.0));
        // Controls 1, 2, 3; cases 2, 3, 4: 4 beats 3; 3 beats 1, 2, ties 3; 2 beats 1, ties 2.
        // U = 3 + 2.5 + 1.5 = 7 → 7/9.
        assert_eq!(auc_sorted(&[1.0, 2.0, 3.0], &[2.0, 3.0, 4.0]), 7.0 / 9.0);
    }

    #[test]
    fn mann_whitney_by_hand() {
        // Positives {3, 5}, negatives {1, 3, 4}: pairs 3>1, 3=3 (½), 5>1,3,4 → U = 4.5;
        // AUC = 4.5/6 = 0.75; one tie pair (t = 2): Σ(t³ − t) = 6.
        let u = mann_whitney_u(&[1.0, 3.0, 4.0], &[3.0, 5.0]).unwrap();
        assert_eq!((u.twice_u, u.u(), u.auc(), u.tie_sum), (9, 4.5, 0.75, 6.0));
        assert_eq!((u.n_negative, u.n_positive), (3, 2));
        // Three tie groups of sizes 3, 2, 1: Σ(t³ − t) = 24 + 6 + 0.
        let u = mann_whitney_u(&[1.0, 1.0, 2.0], &[1.0, 2.0, 9.0]).unwrap();
        assert_eq!(u.tie_sum, 30.0);
        // U by hand: 1 ties 1,1 (1); 2 beats 1,1, ties 2 (2.5); 9 beats 3 → 6.5.
        assert_eq!(u.u(), 6.5);
    }

    #[test]
    fn perfect_inverse_and_constant() {
        assert_eq!(roc_auc(&[0.1, 0.2, 0.9, 0.8], &[0, 0, 1, 1]), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.8, 0.1, 0.2], &[0, 0, 1, 1]), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &[0, 1, 0, 1]), Some(0.5));
        // Labels other than 0 count as positive.
        assert_eq!(roc_auc(&[0.1, 0.2, 0.9, 0.8], &[0, 0, 2, 7]), Some(1.0));
    }

    #[test]
    fn degenerate_inputs() {
        assert_eq!(roc_auc(&[0.1, 0.2], &[1, 1]), None);
        assert_eq!(roc_auc(&[0.1, 0.2], &[0, 0]), None);
        assert_eq!(roc_auc(&[], &[]), None);
        assert_eq!(roc_auc(&[0.1, f64::NAN], &[0, 1]), None);
        assert_eq!(mann_whitney_u(&[1.0], &[f64::NAN]), None);
        let empty = mann_whitney_u(&[], &[1.0, 2.0]).unwrap();
        assert_eq!((empty.u(), empty.tie_sum), (0.0, 0.0));
        assert!(empty.auc().is_nan());
        assert!(auc_sorted::<u64>(&[], &[]).is_nan());
        assert_eq!(twice_u([]), 0);
    }

    #[test]
    #[should_panic(expected = "one label per score")]
    fn length_mismatch_panics() {
        roc_auc(&[0.1, 0.2], &[0]);
    }

    #[test]
    fn negative_zero_ties_with_zero() {
        // Controls −1, −0; cases 0, 1: 0 beats −1, ties −0 (1.5); 1 beats both (2) → 3.5/4.
        assert_eq!(roc_auc(&[-0.0, -1.0, 0.0, 1.0], &[0, 0, 1, 1]), Some(0.875));
        let mut neg = [-0.0, 0.0, -0.0];
        neg.sort_by(f64::total_cmp);
        let groups: Vec<_> = tie_groups(&neg, &[0.0]).collect();
        assert_eq!(groups.len(), 1);
        assert_eq!((groups[0].negatives, groups[0].positives), (3, 1));
    }

    #[test]
    fn tie_groups_merge_in_order_and_end_on_nan() {
        let g: Vec<_> = tie_groups(&[1u64, 1, 3, 7], &[0u64, 3, 3, 8])
            .map(|g| (g.value, g.negatives, g.positives))
            .collect();
        assert_eq!(g, vec![(0, 0, 1), (1, 2, 0), (3, 1, 2), (7, 1, 0), (8, 0, 1)]);
        // NaN equals nothing: each forms a group of one and the walk still ends.
        let g: Vec<_> = tie_groups(&[1.0, f64::NAN], &[f64::NAN]).collect();
        assert_eq!(g.iter().map(|g| g.negatives + g.positives).sum::<usize>(), 3);
    }

    #[test]
    fn count_rank_sum_and_pairwise_agree_bit_for_bit() {
        // The formulas the crates used before (exact 2U over sorted classes, rank-sum W, the
        // pairwise mean) are one quotient: equal bits, on tie-heavy and on tie-free data.
        let mut rng = ChaCha8Rng::seed_from_u64(20240601);
        for case in 0..300 {
            let n = rng.random_range(2..80);
            let levels = if case % 3 == 0 { 1_000_000 } else { rng.random_range(1..8) };
            let scores: Vec<f64> =
                (0..n).map(|_| rng.random_range(0..levels) as f64 / 4.0 - 1.0).collect();
            let mut labels: Vec<u8> = (0..n).map(|_| rng.random_range(0..2)).collect();
            labels[0] = 0;
            labels[1] = 1;
            let (neg, pos) = classes(&scores, &labels);
            let u = mann_whitney_u(&neg, &pos).unwrap();
            let (w, rank_auc) = rank_sum_w_and_auc(&scores, &labels);
            let brute = pairwise(&scores, &labels);
            assert_eq!(u.u().to_bits(), w.to_bits(), "case {case}");
            assert_eq!(u.auc().to_bits(), rank_auc.to_bits(), "case {case}");
            assert_eq!(u.auc().to_bits(), brute.to_bits(), "case {case}");
            assert_eq!(roc_auc(&scores, &labels).unwrap().to_bits(), brute.to_bits());
            let sort = |mut v: Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v
            };
            assert_eq!(auc_sorted(&sort(neg), &sort(pos)).to_bits(), brute.to_bits());
        }
    }

    #[test]
    fn tie_sum_matches_group_sizes_counted_directly() {
        let x: Vec<f64> = (0..50).map(|i| ((i * 7) % 5) as f64).collect();
        let labels: Vec<u8> = (0..50).map(|i| u8::from((i * 3) % 7 < 3)).collect();
        let (neg, pos) = classes(&x, &labels);
        // Each of the 5 values occurs 10 times: 5 · (1000 − 10).
        assert_eq!(mann_whitney_u(&neg, &pos).unwrap().tie_sum, 5.0 * 990.0);
    }
}
