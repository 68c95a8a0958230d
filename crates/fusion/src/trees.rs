//! Decision trees (CART), random forests and gradient-boosted trees for 0/1 outcomes, grown
//! the way scikit-learn grows them, so that a fixture made with scikit-learn can check them.
//!
//! A node is split on the feature and threshold that most reduce the weighted impurity of its
//! children (Breiman et al. 1984):
//!
//! - Gini (forests): the split maximises `Σ_child (Σ_k w_k²) / W_child`, which is
//!   `W_node − Σ_child W_child · gini(child)` up to a constant, with
//!   `gini = 1 − Σ_k (w_k / W)²`.
//! - Squared error (boosting): the split maximises `Σ_child S_child² / W_child` with
//!   `S = Σ w·y`, which is the decrease of `Σ w (y − ȳ_child)²`.
//!
//! Candidate thresholds lie halfway (`a/2 + b/2`) between consecutive distinct values of the
//! node's rows (values closer than 1e−7 count as equal); a row goes left when its value is at
//! most the threshold. A node stays a leaf when it is at the depth limit, holds fewer than
//! `min_samples_split` rows or fewer than `2 · min_samples_leaf`, is pure (impurity ≤ machine
//! ε), or has no valid split. The features tried at a node are drawn without replacement until
//! `max_features` non-constant ones have been searched (constant ones do not count).
//!
//! [`RandomForest`]: bootstrap rows (drawn with replacement, used as integer weights), Gini
//! trees grown to purity by default, `max_features = ⌊√p⌋`; the probability is the mean of the
//! trees' leaf class-1 fractions, and out-of-bag probabilities average only trees that did not
//! draw the row. [`GradientBoosting`]: Friedman's (2001) gradient boosting of the binomial
//! deviance — start from the log-odds of the prevalence; stage m fits a squared-error tree to
//! the residuals `y − p` and sets each leaf to the Newton step `Σ w(y − p) / Σ w p(1 − p)`;
//! the log-odds move by the learning rate times the leaf value.

use ndarray::ArrayView2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::logistic::sigmoid;

/// Values closer than this count as equal when looking for thresholds (scikit-learn's
/// `FEATURE_THRESHOLD`).
const FEATURE_THRESHOLD: f64 = 1e-7;

/// A fitted binary tree stored as parallel arrays; node 0 is the root.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    /// Split feature of each node (a column of the model's inputs); −1 at a leaf.
    pub feature: Vec<i32>,
    /// Split threshold (rows with value ≤ threshold go left); 0 at a leaf.
    pub threshold: Vec<f64>,
    /// Left child; 0 at a leaf.
    pub left: Vec<u32>,
    /// Right child; 0 at a leaf.
    pub right: Vec<u32>,
    /// Node value: class-1 fraction (Gini trees) or the leaf's step (boosting).
    pub value: Vec<f64>,
    /// Weighted training rows that reached the node (TreeSHAP's cover).
    pub cover: Vec<f64>,
}

impl Tree {
    /// Number of nodes.
    pub fn n_nodes(&self) -> usize {
        self.feature.len()
    }

    /// Whether node `k` is a leaf.
    pub fn is_leaf(&self, k: usize) -> bool {
        self.feature[k] < 0
    }

    /// The leaf that the row `x` (all inputs, in order) falls into.
    pub fn leaf(&self, x: impl Fn(usize) -> f64) -> usize {
        let mut k = 0;
        while self.feature[k] >= 0 {
            k = if x(self.feature[k] as usize) <= self.threshold[k] {
                self.left[k] as usize
            } else {
                self.right[k] as usize
            };
        }
        k
    }

    /// The value of the leaf that `x` falls into.
    pub fn predict(&self, x: impl Fn(usize) -> f64) -> f64 {
        self.value[self.leaf(x)]
    }

    /// Depth of the deepest leaf (0 for a stump without split).
    pub fn depth(&self) -> usize {
        fn go(t: &Tree, k: usize) -> usize {
            if t.is_leaf(k) {
                0
            } else {
                1 + go(t, t.left[k] as usize).max(go(t, t.right[k] as usize))
            }
        }
        go(self, 0)
    }

    fn push(&mut self, value: f64, cover: f64) -> usize {
        self.feature.push(-1);
        self.threshold.push(0.0);
        self.left.push(0);
        self.right.push(0);
        self.value.push(value);
        self.cover.push(cover);
        self.feature.len() - 1
    }
}

/// The split criterion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Criterion {
    /// Gini impurity of 0/1 targets.
    Gini,
    /// Squared error of real targets.
    SquaredError,
}

/// How a tree grows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TreeParams {
    pub criterion: Criterion,
    /// `None`: no depth limit.
    pub max_depth: Option<usize>,
    pub min_samples_split: usize,
    pub min_samples_leaf: usize,
    /// Features searched per node (≥ 1, capped at the number of features).
    pub max_features: usize,
}

/// Training rows in the layout the builder wants: column-major values and, per feature, the
/// row order sorted by value (shared by every tree of an ensemble).
pub(crate) struct Columns {
    n: usize,
    p: usize,
    /// `values[j * n + i]` = row i, feature j.
    values: Vec<f64>,
    /// `order[j * n ..][..n]` = rows sorted by feature j.
    order: Vec<u32>,
}

impl Columns {
    pub fn new(x: ArrayView2<'_, f64>) -> Columns {
        let (n, p) = x.dim();
        let mut values = vec![0.0; n * p];
        for ((i, j), &v) in x.indexed_iter() {
            values[j * n + i] = v;
        }
        let mut order = vec![0u32; n * p];
        order.par_chunks_mut(n.max(1)).enumerate().for_each(|(j, o)| {
            let col = &values[j * n..(j + 1) * n];
            for (i, r) in o.iter_mut().enumerate() {
                *r = i as u32;
            }
            o.sort_by(|&a, &b| col[a as usize].total_cmp(&col[b as usize]));
        });
        Columns { n, p, values, order }
    }

    fn value(&self, j: usize, i: usize) -> f64 {
        self.values[j * self.n + i]
    }

    fn column(&self, j: usize) -> &[f64] {
        &self.values[j * self.n..(j + 1) * self.n]
    }

    fn sorted(&self, j: usize) -> &[u32] {
        &self.order[j * self.n..(j + 1) * self.n]
    }
}

/// Running sums of one side of a split.
#[derive(Clone, Copy, Default)]
struct Sums {
    /// Σ w.
    w: f64,
    /// Σ w·y (Gini: the class-1 weight).
    wy: f64,
    /// Σ w·y² (squared error only, for the node impurity).
    wyy: f64,
}

impl Sums {
    fn add(&mut self, w: f64, y: f64) {
        self.w += w;
        self.wy += w * y;
        self.wyy += w * y * y;
    }

    fn minus(self, o: Sums) -> Sums {
        Sums { w: self.w - o.w, wy: self.wy - o.wy, wyy: self.wyy - o.wyy }
    }

    /// The side's share of the proxy improvement.
    fn proxy(self, c: Criterion) -> f64 {
        match c {
            Criterion::Gini => {
                let w0 = self.w - self.wy;
                (w0 * w0 + self.wy * self.wy) / self.w
            }
            Criterion::SquaredError => self.wy * self.wy / self.w,
        }
    }

    fn impurity(self, c: Criterion) -> f64 {
        match c {
            Criterion::Gini => {
                let p1 = self.wy / self.w;
                let p0 = (self.w - self.wy) / self.w;
                1.0 - p0 * p0 - p1 * p1
            }
            Criterion::SquaredError => {
                let m = self.wy / self.w;
                self.wyy / self.w - m * m
            }
        }
    }
}

/// Grows one tree on the rows with positive weight.
pub(crate) fn grow_tree(
    cols: &Columns,
    y: &[f64],
    w: &[f64],
    params: &TreeParams,
    rng: &mut ChaCha8Rng,
) -> Tree {
    let mut rows: Vec<u32> = (0..cols.n as u32).filter(|&i| w[i as usize] > 0.0).collect();
    let mut b = Builder {
        cols,
        y,
        w,
        params,
        tree: Tree {
            feature: Vec::new(),
            threshold: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            value: Vec::new(),
            cover: Vec::new(),
        },
        in_node: vec![false; cols.n],
        features: (0..cols.p).collect(),
        buf: Vec::new(),
    };
    let m = rows.len();
    b.grow(&mut rows[..], 0, rng);
    debug_assert!(m > 0 || b.tree.n_nodes() == 1);
    b.tree
}

struct Builder<'a> {
    cols: &'a Columns,
    y: &'a [f64],
    w: &'a [f64],
    params: &'a TreeParams,
    tree: Tree,
    /// Membership marks for the rows of the node being split.
    in_node: Vec<bool>,
    /// Feature indices, permuted in place while drawing.
    features: Vec<usize>,
    /// The node's rows sorted by one feature.
    buf: Vec<u32>,
}

struct Split {
    feature: usize,
    threshold: f64,
    proxy: f64,
}

impl Builder<'_> {
    fn sums(&self, rows: &[u32]) -> Sums {
        let mut s = Sums::default();
        for &i in rows {
            s.add(self.w[i as usize], self.y[i as usize]);
        }
        s
    }

    /// Grows the subtree of `rows` at `depth` and returns its node index.
    fn grow(&mut self, rows: &mut [u32], depth: usize, rng: &mut ChaCha8Rng) -> usize {
        let c = self.params.criterion;
        let total = self.sums(rows);
        let value = if total.w > 0.0 { total.wy / total.w } else { 0.0 };
        let node = self.tree.push(value, total.w);
        let n = rows.len();
        let leaf = self.params.max_depth.is_some_and(|d| depth >= d)
            || n < self.params.min_samples_split
            || n < 2 * self.params.min_samples_leaf
            || total.w <= 0.0
            || total.impurity(c) <= f64::EPSILON;
        if leaf {
            return node;
        }
        let Some(split) = self.best_split(rows, total, rng) else {
            return node;
        };
        // Partition: rows at or below the threshold first (order within a side is irrelevant).
        let col = self.cols.column(split.feature);
        let mut k = 0;
        for i in 0..n {
            if col[rows[i] as usize] <= split.threshold {
                rows.swap(i, k);
                k += 1;
            }
        }
        let (l, r) = rows.split_at_mut(k);
        self.tree.feature[node] = split.feature as i32;
        self.tree.threshold[node] = split.threshold;
        let left = self.grow(l, depth + 1, rng);
        let right = self.grow(r, depth + 1, rng);
        self.tree.left[node] = left as u32;
        self.tree.right[node] = right as u32;
        node
    }

    /// Sorts the node's rows by feature `j` into `self.buf`: by filtering the presorted order
    /// when the node is large, by sorting when it is small.
    fn sort_rows(&mut self, rows: &[u32], j: usize) {
        let n_all = self.cols.n;
        self.buf.clear();
        let m = rows.len();
        if (m as f64) * (m as f64).log2().max(1.0) >= n_all as f64 {
            let in_node = &self.in_node;
            self.buf.extend(self.cols.sorted(j).iter().filter(|&&i| in_node[i as usize]));
        } else {
            self.buf.extend_from_slice(rows);
            let col = self.cols.column(j);
            self.buf.sort_unstable_by(|&a, &b| col[a as usize].total_cmp(&col[b as usize]));
        }
    }

    fn best_split(&mut self, rows: &[u32], total: Sums, rng: &mut ChaCha8Rng) -> Option<Split> {
        let c = self.params.criterion;
        let msl = self.params.min_samples_leaf.max(1);
        let p = self.cols.p;
        let max_features = self.params.max_features.clamp(1, p);
        for &i in rows {
            self.in_node[i as usize] = true;
        }
        let mut best: Option<Split> = None;
        let mut visited = 0;
        let mut drawn = 0;
        while visited < max_features && drawn < p {
            // Fisher–Yates: draw one of the features not drawn yet.
            let f = if max_features < p { rng.random_range(drawn..p) } else { drawn };
            self.features.swap(drawn, f);
            let j = self.features[drawn];
            drawn += 1;
            self.sort_rows(rows, j);
            let m = self.buf.len();
            let lo = self.cols.value(j, self.buf[0] as usize);
            let hi = self.cols.value(j, self.buf[m - 1] as usize);
            if hi <= lo + FEATURE_THRESHOLD {
                continue;
            }
            visited += 1;
            let col = self.cols.column(j);
            let mut left = Sums::default();
            for k in 0..m - 1 {
                let i = self.buf[k] as usize;
                left.add(self.w[i], self.y[i]);
                let v = col[i];
                let next = col[self.buf[k + 1] as usize];
                if next <= v + FEATURE_THRESHOLD {
                    continue;
                }
                let n_left = k + 1;
                if n_left < msl || m - n_left < msl {
                    continue;
                }
                let right = total.minus(left);
                if left.w <= 0.0 || right.w <= 0.0 {
                    continue;
                }
                let proxy = left.proxy(c) + right.proxy(c);
                if best.as_ref().is_none_or(|b| proxy > b.proxy) {
                    best = Some(Split { feature: j, threshold: v / 2.0 + next / 2.0, proxy });
                }
            }
        }
        for &i in rows {
            self.in_node[i as usize] = false;
        }
        best
    }
}

/// Fits one Gini tree (a CART classification tree) on all rows of `x` with 0/1 `labels`,
/// searching every feature at every node (deterministic); leaves hold their class-1 fraction.
pub fn fit_decision_tree(
    x: ArrayView2<'_, f64>,
    labels: &[u8],
    max_depth: Option<usize>,
    min_samples_leaf: usize,
) -> Tree {
    let cols = Columns::new(x);
    let y: Vec<f64> = labels.iter().map(|&l| f64::from(l)).collect();
    let params = TreeParams {
        criterion: Criterion::Gini,
        max_depth,
        min_samples_split: 2,
        min_samples_leaf: min_samples_leaf.max(1),
        max_features: cols.p,
    };
    grow_tree(&cols, &y, &vec![1.0; cols.n], &params, &mut ChaCha8Rng::seed_from_u64(0))
}

/// Settings of a random forest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ForestSettings {
    /// Number of trees.
    pub trees: usize,
    /// Features searched per split.
    pub max_features: usize,
    /// Depth limit (`None`: grown until pure).
    pub max_depth: Option<usize>,
    /// Fewest rows a node needs to be split.
    pub min_samples_split: usize,
    /// Fewest rows a leaf may hold.
    pub min_samples_leaf: usize,
    /// Seed of the bootstrap draws and feature draws.
    pub seed: u64,
}

/// A fitted random forest (module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RandomForest {
    /// The trees; each leaf holds its class-1 fraction.
    pub trees: Vec<Tree>,
}

/// A fitted forest with its out-of-bag probabilities.
#[derive(Clone, Debug, PartialEq)]
pub struct ForestFit {
    /// The forest.
    pub forest: RandomForest,
    /// Out-of-bag class-1 probability per training row (`None` for a row every tree drew).
    pub oob_probability: Vec<Option<f64>>,
}

/// Fits a random forest on the rows of `x` with 0/1 `labels` (module docs).
///
/// Tree t is grown from `ChaCha8Rng::seed_from_u64(s_t)`, where `s_t` is the t-th draw of a
/// generator seeded with `settings.seed`, so the forest does not depend on the thread count.
pub fn fit_random_forest(
    x: ArrayView2<'_, f64>,
    labels: &[u8],
    settings: &ForestSettings,
) -> ForestFit {
    let n = x.nrows();
    let cols = Columns::new(x);
    let y: Vec<f64> = labels.iter().map(|&l| f64::from(l)).collect();
    let params = TreeParams {
        criterion: Criterion::Gini,
        max_depth: settings.max_depth,
        min_samples_split: settings.min_samples_split.max(2),
        min_samples_leaf: settings.min_samples_leaf.max(1),
        max_features: settings.max_features,
    };
    let mut master = ChaCha8Rng::seed_from_u64(settings.seed);
    let seeds: Vec<u64> = (0..settings.trees).map(|_| master.random()).collect();
    let grown: Vec<(Tree, Vec<f64>)> = seeds
        .par_iter()
        .map(|&s| {
            let mut rng = ChaCha8Rng::seed_from_u64(s);
            let mut w = vec![0.0; n];
            for _ in 0..n {
                w[rng.random_range(0..n)] += 1.0;
            }
            let tree = grow_tree(&cols, &y, &w, &params, &mut rng);
            (tree, w)
        })
        .collect();
    let mut oob_sum = vec![0.0; n];
    let mut oob_count = vec![0usize; n];
    for (tree, w) in &grown {
        for i in 0..n {
            if w[i] == 0.0 {
                oob_sum[i] += tree.predict(|j| cols.value(j, i));
                oob_count[i] += 1;
            }
        }
    }
    let oob_probability =
        oob_sum.iter().zip(&oob_count).map(|(&s, &c)| (c > 0).then(|| s / c as f64)).collect();
    ForestFit {
        forest: RandomForest { trees: grown.into_iter().map(|(t, _)| t).collect() },
        oob_probability,
    }
}

impl RandomForest {
    /// The class-1 probability of each row: the mean of the trees' leaf fractions.
    pub fn predict_proba(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.outer_iter()
            .map(|row| {
                let s: f64 = self.trees.iter().map(|t| t.predict(|j| row[j])).sum();
                s / self.trees.len() as f64
            })
            .collect()
    }
}

/// Settings of gradient boosting.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoostingSettings {
    /// Number of stages (trees).
    pub trees: usize,
    /// Shrinkage of each stage.
    pub learning_rate: f64,
    /// Depth of each tree.
    pub max_depth: usize,
    /// Fewest rows a node needs to be split.
    pub min_samples_split: usize,
    /// Fewest rows a leaf may hold.
    pub min_samples_leaf: usize,
    /// Fraction of the rows each stage is fitted on (1: all, deterministic).
    pub subsample: f64,
    /// Features searched per split (all of them: deterministic).
    pub max_features: usize,
    /// Seed of the row subsamples and feature draws.
    pub seed: u64,
}

/// A fitted gradient-boosting model (module docs): log-odds
/// `init + learning_rate × Σ_trees leaf value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GradientBoosting {
    /// The starting log-odds (of the training prevalence).
    pub init: f64,
    /// The shrinkage.
    pub learning_rate: f64,
    /// The stages' trees; each leaf holds its Newton step.
    pub trees: Vec<Tree>,
}

/// Fits gradient-boosted trees on the rows of `x` with 0/1 `labels` (module docs).
pub fn fit_gradient_boosting(
    x: ArrayView2<'_, f64>,
    labels: &[u8],
    settings: &BoostingSettings,
) -> GradientBoosting {
    let n = x.nrows();
    let cols = Columns::new(x);
    let y: Vec<f64> = labels.iter().map(|&l| f64::from(l)).collect();
    let prevalence = (y.iter().sum::<f64>() / n as f64).clamp(f64::EPSILON, 1.0 - f64::EPSILON);
    let init = (prevalence / (1.0 - prevalence)).ln();
    let params = TreeParams {
        criterion: Criterion::SquaredError,
        max_depth: Some(settings.max_depth),
        min_samples_split: settings.min_samples_split.max(2),
        min_samples_leaf: settings.min_samples_leaf.max(1),
        max_features: settings.max_features,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let n_in = ((settings.subsample * n as f64) as usize).clamp(1, n);
    let mut raw = vec![init; n];
    let mut trees = Vec::with_capacity(settings.trees);
    let mut w = vec![1.0; n];
    let mut perm: Vec<usize> = (0..n).collect();
    for _ in 0..settings.trees {
        if n_in < n {
            // A fresh subsample of n_in rows without replacement.
            for k in 0..n_in {
                let r = rng.random_range(k..n);
                perm.swap(k, r);
            }
            w.iter_mut().for_each(|v| *v = 0.0);
            for &i in &perm[..n_in] {
                w[i] = 1.0;
            }
        }
        let p: Vec<f64> = raw.iter().map(|&r| sigmoid(r)).collect();
        let residual: Vec<f64> = y.iter().zip(&p).map(|(y, p)| y - p).collect();
        let mut tree = grow_tree(&cols, &residual, &w, &params, &mut rng);
        // Newton step per leaf over the in-bag rows.
        let leaves: Vec<usize> = (0..n).map(|i| tree.leaf(|j| cols.value(j, i))).collect();
        let mut num = vec![0.0; tree.n_nodes()];
        let mut den = vec![0.0; tree.n_nodes()];
        for i in 0..n {
            num[leaves[i]] += w[i] * residual[i];
            den[leaves[i]] += w[i] * p[i] * (1.0 - p[i]);
        }
        for k in 0..tree.n_nodes() {
            if tree.is_leaf(k) {
                tree.value[k] = if den[k].abs() < 1e-150 { 0.0 } else { num[k] / den[k] };
            }
        }
        for i in 0..n {
            raw[i] += settings.learning_rate * tree.value[leaves[i]];
        }
        trees.push(tree);
    }
    GradientBoosting { init, learning_rate: settings.learning_rate, trees }
}

impl GradientBoosting {
    /// The log-odds of each row.
    pub fn decision_function(&self, x: ArrayView2<'_, f64>) -> Vec<f64> {
        x.outer_iter()
            .map(|row| {
                let s: f64 = self.trees.iter().map(|t| t.predict(|j| row[j])).sum();
                self.init + self.learning_rate * s
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_stump_splits_halfway_between_the_classes() {
        // x = 1, 2, 3 | 10, 11: the Gini-best split is between 3 and 10, at 6.5.
        let x = array![[1.0], [2.0], [3.0], [10.0], [11.0]];
        let cols = Columns::new(x.view());
        let y = [0.0, 0.0, 0.0, 1.0, 1.0];
        let params = TreeParams {
            criterion: Criterion::Gini,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: 1,
        };
        let t = grow_tree(&cols, &y, &[1.0; 5], &params, &mut ChaCha8Rng::seed_from_u64(0));
        assert_eq!(t.n_nodes(), 3);
        assert_eq!(t.feature[0], 0);
        assert_eq!(t.threshold[0], 6.5);
        assert_eq!((t.value[1], t.value[2]), (0.0, 1.0));
        assert_eq!((t.cover[0], t.cover[1], t.cover[2]), (5.0, 3.0, 2.0));
    }

    #[test]
    fn squared_error_split_and_leaf_limits_by_hand() {
        // y = 0, 0, 1, 5 at x = 0, 1, 2, 3. Splits: {0}|{0,1,5}: 0 + 36/3 = 12; {0,0}|{1,5}:
        // 0 + 36/2 = 18; {0,0,1}|{5}: 1/3 + 25 = 25.33 — the best. With min_samples_leaf 2
        // only the middle split is allowed.
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let cols = Columns::new(x.view());
        let y = [0.0, 0.0, 1.0, 5.0];
        let mut params = TreeParams {
            criterion: Criterion::SquaredError,
            max_depth: Some(1),
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: 1,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let t = grow_tree(&cols, &y, &[1.0; 4], &params, &mut rng);
        assert_eq!(t.threshold[0], 2.5);
        assert!((t.value[1] - 1.0 / 3.0).abs() < 1e-15 && t.value[2] == 5.0);
        params.min_samples_leaf = 2;
        let t = grow_tree(&cols, &y, &[1.0; 4], &params, &mut rng);
        assert_eq!(t.threshold[0], 1.5);
        assert_eq!((t.value[1], t.value[2]), (0.0, 3.0));
    }

    #[test]
    fn weights_count_as_repeated_rows_and_zero_weight_rows_are_left_out() {
        // Row 2 (x = 2, y = 1) weighted 0: the split lies between 1 and 3 only if rows 0–1
        // are class 0 and rows 3–4 class 1 — the zero-weight row must not create a threshold.
        let x = array![[0.0], [1.0], [2.0], [3.0], [4.0]];
        let cols = Columns::new(x.view());
        let y = [0.0, 0.0, 1.0, 1.0, 1.0];
        let params = TreeParams {
            criterion: Criterion::Gini,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            max_features: 1,
        };
        let w = [2.0, 1.0, 0.0, 1.0, 3.0];
        let t = grow_tree(&cols, &y, &w, &params, &mut ChaCha8Rng::seed_from_u64(0));
        assert_eq!(t.threshold[0], 2.0);
        assert_eq!((t.cover[0], t.cover[1], t.cover[2]), (7.0, 3.0, 4.0));
    }

    #[test]
    fn one_boosting_stage_is_a_newton_step() {
        // Prevalence 1/2 → init 0, p = 1/2, residuals ±1/2, hessian 1/4. A depth-1 tree
        // separates the classes; leaf steps are (Σ ±1/2)/(n · 1/4) = ±2, so the log-odds are
        // 0 ± learning_rate · 2.
        let x = array![[0.0], [1.0], [2.0], [3.0]];
        let settings = BoostingSettings {
            trees: 1,
            learning_rate: 0.1,
            max_depth: 1,
            min_samples_split: 2,
            min_samples_leaf: 1,
            subsample: 1.0,
            max_features: 1,
            seed: 0,
        };
        let m = fit_gradient_boosting(x.view(), &[0, 0, 1, 1], &settings);
        assert_eq!(m.init, 0.0);
        let f = m.decision_function(x.view());
        for (f, want) in f.iter().zip([-0.2, -0.2, 0.2, 0.2]) {
            assert!((f - want).abs() < 1e-15, "{f} vs {want}");
        }
    }

    #[test]
    fn forests_do_not_depend_on_the_thread_count() {
        let x = ndarray::Array2::from_shape_fn((40, 3), |(i, j)| ((i * 7 + j * 13) % 17) as f64);
        let labels: Vec<u8> = (0..40).map(|i| u8::from(i % 3 == 0)).collect();
        let s = ForestSettings {
            trees: 20,
            max_features: 1,
            max_depth: None,
            min_samples_split: 2,
            min_samples_leaf: 1,
            seed: 5,
        };
        let a = fit_random_forest(x.view(), &labels, &s);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| fit_random_forest(x.view(), &labels, &s));
        assert_eq!(a, b);
    }
}
