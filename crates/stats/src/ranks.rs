//! Ranks with ties: the mid-ranks R's `rank(x)` gives, and whether a sample has ties at all.

/// Mid-ranks (average ranks), 1-based: R's `rank(x, ties.method = "average")`.
///
/// With `x` sorted ascending, the values `x_(i+1) = … = x_(j)` of a tie group (positions
/// `i + 1 ..= j`, 1-based) all get the mean of their positions, `r = (i + 1 + j) / 2`, so the
/// ranks always sum to `n(n + 1)/2`. Every rank is a multiple of ½ and exact in `f64`.
///
/// Values are ordered by [`f64::total_cmp`] and grouped by `==`, so `-0.0` ties with `0.0`; a
/// NaN equals nothing and gets a rank of its own (NaNs with the sign bit clear rank above every
/// number). Degenerate cases: an empty sample gives an empty vector; a constant sample gives
/// `(n + 1)/2` everywhere.
pub fn mid_ranks(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && x[idx[j]] == x[idx[i]] {
            j += 1;
        }
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &idx[i..j] {
            ranks[k] = r;
        }
        i = j;
    }
    ranks
}

/// Whether two values of `x` are equal (`==`, so `-0.0` ties with `0.0` and NaN ties with
/// nothing). False for an empty or one-value sample.
pub fn has_ties(x: &[f64]) -> bool {
    let mut v = x.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Independent reference: the rank of `x_i` is 1 + #{x_j < x_i} + ½ #{j ≠ i: x_j = x_i}.
    fn counted_ranks(x: &[f64]) -> Vec<f64> {
        x.iter()
            .enumerate()
            .map(|(i, &v)| {
                let below = x.iter().filter(|&&w| w < v).count() as f64;
                let tied = x.iter().enumerate().filter(|&(j, &w)| j != i && w == v).count();
                1.0 + below + tied as f64 / 2.0
            })
            .collect()
    }

    #[test]
    fn ranks_average_ties() {
        // R: rank(c(10, 20, 10, 5)) = 2.5 4.0 2.5 1.0.
        assert_eq!(mid_ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
        // Positives {3, 5}, negatives {1, 3, 4} of fusion's Mann–Whitney example:
        // 1 → 1, 3 → 2.5 (twice), 4 → 4, 5 → 5.
        assert_eq!(mid_ranks(&[3.0, 5.0, 1.0, 3.0, 4.0]), vec![2.5, 5.0, 1.0, 2.5, 4.0]);
    }

    #[test]
    fn ranks_match_counting_on_many_ties() {
        let x: Vec<f64> = (0..60).map(|i| ((i * 37) % 11) as f64 - 5.0).collect();
        assert_eq!(mid_ranks(&x), counted_ranks(&x));
        let sum: f64 = mid_ranks(&x).iter().sum();
        assert_eq!(sum, 60.0 * 61.0 / 2.0);
    }

    #[test]
    fn degenerate_samples() {
        assert!(mid_ranks(&[]).is_empty());
        assert_eq!(mid_ranks(&[7.0; 4]), vec![2.5; 4]);
        // -0.0 ties with 0.0; NaN ranks alone, above the numbers.
        assert_eq!(mid_ranks(&[0.0, -0.0, f64::NAN, -1.0]), vec![2.5, 2.5, 4.0, 1.0]);
    }

    #[test]
    fn ties_are_detected() {
        assert!(!has_ties(&[]));
        assert!(!has_ties(&[1.0]));
        assert!(!has_ties(&[3.0, 1.0, 2.0]));
        assert!(has_ties(&[3.0, 1.0, 3.0]));
        assert!(has_ties(&[0.0, -0.0]));
        assert!(!has_ties(&[f64::NAN, f64::NAN]));
    }
}
