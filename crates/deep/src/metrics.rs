//! The area under the ROC curve, used for early stopping and the per-epoch table.
//!
//! This is a small self-contained Mann–Whitney AUC: `radlsig-evaluate` (a higher layer) has the
//! full ROC machinery, and this crate may not depend on it.

/// Area under the ROC curve of `scores` for binary `labels` (1 = positive), by the
/// Mann–Whitney U statistic.
///
/// `AUC = (Σ_{i ∈ pos} r_i − n₁(n₁ + 1)/2) / (n₁ n₀)`, where `r_i` are the mid-ranks of the
/// scores among all `n₁ + n₀` cases (ties share the mean of their ranks, so a tied
/// positive–negative pair counts ½). This equals the fraction of positive–negative pairs in
/// which the positive scores higher, which is what `pROC::auc` and scikit-learn's
/// `roc_auc_score` report.
///
/// Degenerate cases: `None` when there is no positive or no negative, or when any score is
/// NaN (no number would be meaningful). Labels other than 0 and 1 count as positive when
/// non-zero.
///
/// # Panics
///
/// When `scores` and `labels` differ in length (a programming error, not a data error).
pub fn roc_auc(scores: &[f64], labels: &[u8]) -> Option<f64> {
    assert_eq!(scores.len(), labels.len(), "roc_auc: one label per score");
    if scores.iter().any(|s| s.is_nan()) {
        return None;
    }
    let n_pos = labels.iter().filter(|&&l| l != 0).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the (1-based) mid-ranks of the positives.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start + 1 ..= end share their mean.
        let mid_rank = (start + 1 + end) as f64 / 2.0;
        let positives = order[start..end].iter().filter(|&&i| labels[i] != 0).count();
        rank_sum += mid_rank * positives as f64;
        start = end;
    }
    let n1 = n_pos as f64;
    let n0 = n_neg as f64;
    Some((rank_sum - n1 * (n1 + 1.0) / 2.0) / (n1 * n0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    /// Pairwise definition, the independent reference: P(score⁺ > score⁻) + ½ P(tie).
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

    #[test]
    fn hand_calculation_with_ties() {
        // Positives 0.8, 0.4, 0.35; negatives 0.1, 0.4, 0.7, 0.2.
        // Pairs (pos > neg): 0.8 beats all 4; 0.4 beats 0.1, 0.2, ties 0.4 (½), loses to 0.7
        // → 2.5; 0.35 beats 0.1, 0.2 → 2. Total 8.5 of 12 pairs.
        let scores = [0.8, 0.1, 0.4, 0.4, 0.7, 0.35, 0.2];
        let labels = [1, 0, 1, 0, 0, 1, 0];
        assert_abs_diff_eq!(roc_auc(&scores, &labels).unwrap(), 8.5 / 12.0, epsilon = 1e-15);
    }

    #[test]
    fn perfect_inverse_and_constant() {
        assert_eq!(roc_auc(&[0.1, 0.2, 0.9, 0.8], &[0, 0, 1, 1]), Some(1.0));
        assert_eq!(roc_auc(&[0.9, 0.8, 0.1, 0.2], &[0, 0, 1, 1]), Some(0.0));
        assert_eq!(roc_auc(&[0.5; 4], &[0, 1, 0, 1]), Some(0.5));
    }

    #[test]
    fn degenerate_inputs_give_none() {
        assert_eq!(roc_auc(&[0.1, 0.2], &[1, 1]), None);
        assert_eq!(roc_auc(&[0.1, 0.2], &[0, 0]), None);
        assert_eq!(roc_auc(&[], &[]), None);
        assert_eq!(roc_auc(&[0.1, f64::NAN], &[0, 1]), None);
    }

    #[test]
    fn matches_pairwise_definition_on_many_ties() {
        let scores: Vec<f64> = (0..40).map(|i| ((i * 7) % 5) as f64 / 4.0).collect();
        let labels: Vec<u8> = (0..40).map(|i| ((i * 3) % 7 < 3) as u8).collect();
        assert_abs_diff_eq!(
            roc_auc(&scores, &labels).unwrap(),
            pairwise(&scores, &labels),
            epsilon = 1e-12
        );
    }
}
