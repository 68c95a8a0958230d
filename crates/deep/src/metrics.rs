//! The area under the ROC curve, used for early stopping and the per-epoch table.
//!
//! It is the Mann–Whitney AUC of `radlsig-stats` (the crate below this one that holds the
//! shared statistics), so the validation AUC that picks the CNN's epoch is the same count, to
//! the bit, as the AUC `radlsig-evaluate` reports.

/// Area under the ROC curve of `scores` for binary `labels` (1 = positive), by the
/// Mann–Whitney U statistic: [`radlsig_stats::roc_auc`].
///
/// `AUC = U / (n₁ n₀)`, the fraction of positive–negative pairs in which the positive scores
/// higher, ties counting ½ (what `pROC::auc` and scikit-learn's `roc_auc_score` report).
///
/// Degenerate cases: `None` when there is no positive or no negative, or when any score is
/// NaN (no number would be meaningful). Labels other than 0 and 1 count as positive when
/// non-zero.
///
/// # Panics
///
/// When `scores` and `labels` differ in length (a programming error, not a data error).
pub use radlsig_stats::roc_auc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epoch_with_one_class_or_a_nan_score_has_no_auc() {
        // The per-epoch table records `None` for these rather than a made-up number.
        assert_eq!(roc_auc(&[0.3, 0.9, 0.1], &[1, 1, 1]), None);
        assert_eq!(roc_auc(&[0.3, 0.9, 0.1], &[0, 0, 0]), None);
        assert_eq!(roc_auc(&[0.3, f64::NAN, 0.1], &[0, 1, 1]), None);
        // Otherwise the pairwise count: 0.9 beats 0.3, 0.1 loses → ½.
        assert_eq!(roc_auc(&[0.3, 0.9, 0.1], &[0, 1, 1]), Some(0.5));
    }
}
