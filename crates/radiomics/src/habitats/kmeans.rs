//! k-means clustering: greedy k-means++ seeding, Lloyd iterations to a fixed point, several
//! seeded restarts keeping the best inertia.
//!
//! Everything is deterministic for a seed: each restart draws from its own ChaCha8 stream
//! ([`rng`]), runs sequentially, and restarts are compared in index order, so the result does
//! not depend on the number of threads that ran them.
//!
//! **Seeding** (scikit-learn's greedy k-means++, `_kmeans_plusplus`): the first centre is a
//! uniformly drawn point; each further centre is the best of `2 + ⌊ln k⌋` candidates drawn with
//! probability proportional to `D(x)²`, the squared distance to the nearest centre so far
//! (inverse-CDF on the running sum, first index whose cumulative sum reaches the draw), where
//! "best" is the candidate giving the smallest total `Σ D(x)²` (ties: the first drawn).
//!
//! **Lloyd iterations**: assign every point to its nearest centre (squared Euclidean distance;
//! ties to the lower index), then move each centre to the mean of its points (summed in point
//! order). A centre left without points is moved onto the point farthest from its own centre
//! (ties: lower index; a point is used once per iteration). Iterations stop when an assignment
//! step changes no label (a fixed point of Lloyd's algorithm) or after `max_iter` updates; the
//! reported labels and inertia `Σ ‖x − c(x)‖²` are those of the final centres.

use ndarray::{Array2, ArrayView1, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::{Error, Result};

/// A fitted clustering.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeans {
    /// Cluster centres, one row per cluster (`k × d`).
    pub centroids: Array2<f64>,
    /// Cluster index of each point (`0..k`).
    pub labels: Vec<usize>,
    /// Sum of squared distances of the points to their centres.
    pub inertia: f64,
    /// Lloyd updates run by the kept restart.
    pub iterations: usize,
    /// Whether the kept restart reached a fixed point before `max_iter`.
    pub converged: bool,
}

/// The random stream for one purpose: ChaCha8 keyed by the 32 bytes
/// `seed ‖ purpose ‖ a ‖ b` (each a little-endian `u64`), so that streams for different
/// purposes, k values, restarts or cases are independent and need no shared state.
pub fn rng(seed: u64, purpose: u64, a: u64, b: u64) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    for (i, v) in [seed, purpose, a, b].into_iter().enumerate() {
        key[8 * i..8 * i + 8].copy_from_slice(&v.to_le_bytes());
    }
    ChaCha8Rng::from_seed(key)
}

/// The stream purpose of k-means restarts (`a` = k, `b` = restart).
pub const PURPOSE_KMEANS: u64 = 1;

/// Squared Euclidean distance.
#[inline]
pub fn squared_distance(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The nearest centre of `point` (ties: lower index) and its squared distance.
#[inline]
pub fn nearest(point: ArrayView1<'_, f64>, centroids: ArrayView2<'_, f64>) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centroids.outer_iter().enumerate() {
        let d = squared_distance(point, c);
        if d < best.1 {
            best = (j, d);
        }
    }
    best
}

/// k-means of the rows of `points` with `n_init` restarts (best inertia kept; ties: the lower
/// restart). Restart `r` draws from [`rng`]`(seed, PURPOSE_KMEANS, k, r)`.
///
/// Fails when `k` is 0, there are fewer points than `k`, or a coordinate is not finite.
pub fn kmeans(
    points: ArrayView2<'_, f64>,
    k: usize,
    n_init: usize,
    max_iter: usize,
    seed: u64,
) -> Result<KMeans> {
    let n = points.nrows();
    if k == 0 || n < k {
        return Err(Error::TooFewPoints { points: n, clusters: k });
    }
    if points.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinitePoint);
    }
    // At least one restart runs, so there is a best one.
    let runs: Vec<KMeans> = (0..n_init.max(1))
        .into_par_iter()
        .map(|r| {
            let mut rng = rng(seed, PURPOSE_KMEANS, k as u64, r as u64);
            let init = kmeans_plus_plus(points, k, &mut rng);
            lloyd(points, init, max_iter)
        })
        .collect();
    let mut runs = runs.into_iter();
    let mut best = runs.next().expect("n_init.max(1) >= 1 restarts ran");
    for run in runs {
        if run.inertia < best.inertia {
            best = run;
        }
    }
    Ok(best)
}

/// Greedy k-means++ seeding (module docs). `points` must hold at least one row.
pub fn kmeans_plus_plus<R: Rng>(points: ArrayView2<'_, f64>, k: usize, rng: &mut R) -> Array2<f64> {
    let n = points.nrows();
    let d = points.ncols();
    let mut centroids = Array2::<f64>::zeros((k, d));
    let first = rng.random_range(0..n);
    centroids.row_mut(0).assign(&points.row(first));
    let mut closest: Vec<f64> =
        points.outer_iter().map(|p| squared_distance(p, points.row(first))).collect();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut cumulative = vec![0.0; n];
    for c in 1..k {
        let mut running = 0.0;
        for (cum, v) in cumulative.iter_mut().zip(&closest) {
            running += v;
            *cum = running;
        }
        let potential = running;
        let mut best: Option<(usize, f64, Vec<f64>)> = None;
        for _ in 0..trials {
            let draw = rng.random::<f64>() * potential;
            // numpy's searchsorted(side="left"): first index whose cumulative sum ≥ draw.
            let candidate = cumulative.partition_point(|&s| s < draw).min(n - 1);
            let updated: Vec<f64> = points
                .outer_iter()
                .zip(&closest)
                .map(|(p, &old)| old.min(squared_distance(p, points.row(candidate))))
                .collect();
            let total: f64 = updated.iter().sum();
            if best.as_ref().is_none_or(|b| total < b.1) {
                best = Some((candidate, total, updated));
            }
        }
        if let Some((candidate, _, updated)) = best {
            centroids.row_mut(c).assign(&points.row(candidate));
            closest = updated;
        }
    }
    centroids
}

/// Lloyd iterations from `centroids` (module docs).
pub fn lloyd(points: ArrayView2<'_, f64>, mut centroids: Array2<f64>, max_iter: usize) -> KMeans {
    let n = points.nrows();
    let (k, d) = centroids.dim();
    let mut labels: Vec<usize> = vec![usize::MAX; n];
    let mut distances = vec![0.0; n];
    let mut iterations = 0;
    let mut converged = false;
    loop {
        // Assignment.
        let mut changed = false;
        for (i, p) in points.outer_iter().enumerate() {
            let (j, dist) = nearest(p, centroids.view());
            if labels[i] != j {
                labels[i] = j;
                changed = true;
            }
            distances[i] = dist;
        }
        if !changed {
            converged = true;
            break;
        }
        if iterations == max_iter {
            break;
        }
        // Update.
        let mut sums = Array2::<f64>::zeros((k, d));
        let mut counts = vec![0usize; k];
        for (p, &j) in points.outer_iter().zip(&labels) {
            let mut row = sums.row_mut(j);
            row += &p;
            counts[j] += 1;
        }
        let mut used = vec![false; n];
        for (j, &count) in counts.iter().enumerate() {
            if count > 0 {
                let mean = &sums.row(j) / count as f64;
                centroids.row_mut(j).assign(&mean);
            } else {
                // Empty cluster: move it onto the farthest point not used yet.
                let mut far: Option<usize> = None;
                for i in 0..n {
                    if !used[i] && far.is_none_or(|f| distances[i] > distances[f]) {
                        far = Some(i);
                    }
                }
                if let Some(f) = far {
                    used[f] = true;
                    distances[f] = 0.0;
                    centroids.row_mut(j).assign(&points.row(f));
                }
            }
        }
        iterations += 1;
    }
    let inertia = distances.iter().sum();
    KMeans { centroids, labels, inertia, iterations, converged }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn two_obvious_clusters() {
        // Optimum by hand: {0, 1, 2} around 1 and {10, 11, 12} around 11 (1-D, 2 clusters);
        // inertia 2·(1 + 0 + 1) = 4.
        let x = array![[0.0], [10.0], [1.0], [11.0], [2.0], [12.0]];
        let fit = kmeans(x.view(), 2, 3, 100, 42).unwrap();
        assert!(fit.converged);
        assert_eq!(fit.inertia, 4.0);
        let mut c: Vec<f64> = fit.centroids.column(0).to_vec();
        c.sort_by(f64::total_cmp);
        assert_eq!(c, [1.0, 11.0]);
        assert_eq!(fit.labels[0], fit.labels[2]);
        assert_eq!(fit.labels[1], fit.labels[3]);
        assert_ne!(fit.labels[0], fit.labels[1]);
    }

    #[test]
    fn four_corners_of_a_square() {
        // Four tight groups of 3 points at the corners of a 10×10 square; the optimum puts one
        // centre at each group mean. Each group is {c, c+(1,0), c+(0,1)}, mean c+(1/3,1/3),
        // within-group sum of squares 2·(1/9+1/9) + (4/9+1/9)·2 = 4/3, so inertia 16/3.
        let mut rows = Vec::new();
        for c in [[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]] {
            rows.extend([c, [c[0] + 1.0, c[1]], [c[0], c[1] + 1.0]]);
        }
        let x = Array2::from_shape_fn((12, 2), |(i, j)| rows[i][j]);
        let fit = kmeans(x.view(), 4, 8, 100, 1).unwrap();
        approx::assert_abs_diff_eq!(fit.inertia, 16.0 / 3.0, epsilon = 1e-12);
        for g in 0..4 {
            assert_eq!(fit.labels[3 * g], fit.labels[3 * g + 1]);
            assert_eq!(fit.labels[3 * g], fit.labels[3 * g + 2]);
        }
    }

    #[test]
    fn lloyd_fixed_point_and_empty_cluster() {
        // Centres 6 and 100: every point goes to centre 0 (squared distances 36, 25, 36), so
        // centre 1 is empty after the first assignment. Update: centre 0 = 13/3, centre 1
        // moves onto the farthest point, the first of the two at 36: point 0. Next assignment
        // {0, 1} → centre 1, {12} → centre 0; update 12 and 0.5; the next assignment changes
        // nothing. Inertia 0.25 + 0.25 + 0 = 0.5.
        let x = array![[0.0], [1.0], [12.0]];
        let fit = lloyd(x.view(), array![[6.0], [100.0]], 10);
        assert!(fit.converged);
        assert_eq!(fit.iterations, 2);
        assert_eq!(fit.inertia, 0.5);
        assert_eq!(fit.labels, [1, 1, 0]);
        assert_eq!(fit.centroids, array![[12.0], [0.5]]);
    }

    #[test]
    fn deterministic_and_thread_independent() {
        let x = Array2::from_shape_fn((200, 3), |(i, j)| ((i * 7919 + j * 104729) % 1000) as f64);
        let a = kmeans(x.view(), 5, 6, 50, 9).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| kmeans(x.view(), 5, 6, 50, 9)).unwrap();
        assert_eq!(a, b);
        let errors = kmeans(x.view(), 201, 1, 10, 0).unwrap_err().to_string();
        assert!(errors.contains("200 points cannot form 201"), "{errors}");
    }
}
