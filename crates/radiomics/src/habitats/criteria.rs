//! Internal clustering criteria that choose the number of habitats, with scikit-learn's
//! definitions (`sklearn.metrics.silhouette_score`, `calinski_harabasz_score`, Euclidean).
//!
//! Both take the points as rows and one label per point; the clusters are the distinct labels
//! present. Both need `2 ≤ L ≤ n − 1` distinct labels for `n` points (scikit-learn raises
//! otherwise; so do these, with an error).

use ndarray::{Array1, Array2, ArrayView2};
use rayon::prelude::*;

use super::kmeans::squared_distance;
use crate::{Error, Result};

/// Labels renumbered `0..L` in order of first appearance, and `L`.
fn compact_labels(
    labels: &[usize],
    n: usize,
    criterion: &'static str,
) -> Result<(Vec<usize>, usize)> {
    if labels.len() != n {
        return Err(Error::LabelCount { criterion, labels: labels.len(), points: n });
    }
    let mut seen: Vec<usize> = Vec::new();
    let compact: Vec<usize> = labels
        .iter()
        .map(|l| match seen.iter().position(|s| s == l) {
            Some(i) => i,
            None => {
                seen.push(*l);
                seen.len() - 1
            }
        })
        .collect();
    let count = seen.len();
    if count < 2 || count > n.saturating_sub(1) {
        return Err(Error::ClusterCount { criterion, clusters: count, points: n });
    }
    Ok((compact, count))
}

/// Mean silhouette coefficient; IBSI has no such feature (a clustering criterion).
///
/// For point `i` in cluster `C`, `a(i)` is its mean distance to the other points of `C` and
/// `b(i)` the smallest mean distance to the points of another cluster;
/// `s(i) = (b − a)/max(a, b)`, with `s(i) = 0` when `C` is a singleton or `max(a, b) = 0`.
/// The score is the mean of `s(i)` over all points, in `[−1, 1]`; larger means tighter,
/// better separated clusters. Cost `O(n²d)`: call it on a subsample.
pub fn silhouette_score(points: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let n = points.nrows();
    let (labels, count) = compact_labels(labels, n, "silhouette")?;
    let mut sizes = vec![0usize; count];
    for &l in &labels {
        sizes[l] += 1;
    }
    let per_point: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut sums = vec![0.0; count];
            let p = points.row(i);
            for (j, q) in points.outer_iter().enumerate() {
                sums[labels[j]] += squared_distance(p, q).sqrt();
            }
            let own = labels[i];
            if sizes[own] == 1 {
                return 0.0;
            }
            let a = sums[own] / (sizes[own] - 1) as f64;
            let b = (0..count)
                .filter(|&c| c != own)
                .map(|c| sums[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let m = a.max(b);
            if m > 0.0 { (b - a) / m } else { 0.0 }
        })
        .collect();
    Ok(per_point.iter().sum::<f64>() / n as f64)
}

/// Calinski–Harabasz index (variance ratio criterion).
///
/// With `n` points, `L` clusters, overall mean `m`, cluster means `m_c` and sizes `n_c`:
/// `B = Σ_c n_c ‖m_c − m‖²`, `W = Σ_c Σ_{i∈c} ‖x_i − m_c‖²`, and the index is
/// `(B/(L − 1)) / (W/(n − L))`; 1 when `W = 0` (scikit-learn's convention). Larger is better.
pub fn calinski_harabasz_score(points: ArrayView2<'_, f64>, labels: &[usize]) -> Result<f64> {
    let n = points.nrows();
    let (labels, count) = compact_labels(labels, n, "calinski-harabasz")?;
    let d = points.ncols();
    let mut sums = Array2::<f64>::zeros((count, d));
    let mut sizes = vec![0usize; count];
    for (p, &l) in points.outer_iter().zip(&labels) {
        let mut row = sums.row_mut(l);
        row += &p;
        sizes[l] += 1;
    }
    let mean: Array1<f64> = sums.sum_axis(ndarray::Axis(0)) / n as f64;
    let means: Vec<Array1<f64>> = (0..count).map(|c| &sums.row(c) / sizes[c] as f64).collect();
    let between: f64 =
        (0..count).map(|c| sizes[c] as f64 * squared_distance(means[c].view(), mean.view())).sum();
    let within: f64 =
        points.outer_iter().zip(&labels).map(|(p, &l)| squared_distance(p, means[l].view())).sum();
    if within == 0.0 {
        return Ok(1.0);
    }
    Ok(between * (n - count) as f64 / (within * (count - 1) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn by_hand() {
        // Points 0, 1 (cluster a) and 4 (cluster b), 1-D.
        // s(0): a = 1, b = 4 → 3/4; s(1): a = 1, b = 3 → 2/3; s(4): singleton → 0.
        let x = array![[0.0], [1.0], [4.0]];
        let s = silhouette_score(x.view(), &[7, 7, 3]).unwrap();
        approx::assert_abs_diff_eq!(s, (0.75 + 2.0 / 3.0) / 3.0, epsilon = 1e-15);
        // CH: m = 5/3, means 0.5 and 4; B = 2·(7/6)² + (7/3)² = 49/18 + 98/18 = 49/6;
        // W = 0.25 + 0.25 = 0.5; (B/1)/(W/1) = 49/3.
        let ch = calinski_harabasz_score(x.view(), &[7, 7, 3]).unwrap();
        approx::assert_abs_diff_eq!(ch, 49.0 / 3.0, epsilon = 1e-12);
        // One label, or every point its own label: refused.
        assert!(silhouette_score(x.view(), &[1, 1, 1]).is_err());
        assert!(calinski_harabasz_score(x.view(), &[0, 1, 2]).is_err());
        assert!(silhouette_score(x.view(), &[0, 1]).is_err());
    }
}
