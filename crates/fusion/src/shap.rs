//! SHAP values of tree models: the exact path-dependent TreeSHAP of Lundberg, Erion & Lee
//! (2018, "Consistent individualized feature attribution for tree ensembles", Algorithm 2).
//!
//! For one row x and one tree, φ_i is the Shapley value of feature i in the game
//! `v(S) = E[f(x) | x_S]`, where the expectation over the features outside S follows the
//! training rows down the tree: at a split on a feature outside S both children are taken,
//! weighted by their share of the node's training cover. The algorithm walks every root-to-leaf
//! path once, keeping for the unique features on the path the fraction of "zero" paths (feature
//! outside S: the cover share) and "one" paths (feature in S: 1 if x goes that way, else 0), and
//! the permutation weights of every subset size (EXTEND); UNWIND removes a feature when it is
//! split on again. The values add up: `Σ_i φ_i + E[f] = f(x)` with `E[f]` the cover-weighted
//! mean of the leaf values. An ensemble's values are the sum (boosting, times the learning rate)
//! or the mean (forests) of its trees'.

use crate::trees::Tree;

#[derive(Clone, Copy)]
struct PathElement {
    /// The feature split on (`usize::MAX` for the root's placeholder).
    feature: usize,
    zero: f64,
    one: f64,
    weight: f64,
}

/// The cover-weighted mean of a tree's leaf values, `E[f]` over its training rows.
pub fn tree_expected_value(tree: &Tree) -> f64 {
    let mut s = 0.0;
    for k in 0..tree.n_nodes() {
        if tree.is_leaf(k) {
            s += tree.cover[k] * tree.value[k];
        }
    }
    s / tree.cover[0]
}

/// Adds `scale` × the SHAP values of `tree` at row `x` to `phi` (one entry per input feature).
pub fn tree_shap(tree: &Tree, x: &[f64], scale: f64, phi: &mut [f64]) {
    recurse(tree, x, scale, phi, &[], 0, 1.0, 1.0, usize::MAX);
}

/// Appends a feature with its zero and one fractions (`depth` = elements before it).
fn extend(path: &mut Vec<PathElement>, zero: f64, one: f64, feature: usize) {
    let depth = path.len();
    path.push(PathElement { feature, zero, one, weight: if depth == 0 { 1.0 } else { 0.0 } });
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / d1;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 / d1;
    }
}

/// Removes element `index` of the path (last index `depth`), undoing its weights.
fn unwind(path: &mut Vec<PathElement>, depth: usize, index: usize) {
    let (one, zero) = (path[index].one, path[index].zero);
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].weight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next * d1 / ((i + 1) as f64 * one);
            next = tmp - path[i].weight * zero * (depth - i) as f64 / d1;
        } else {
            path[i].weight = path[i].weight * d1 / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
    path.truncate(depth);
}

/// Σ of the permutation weights with element `index` unwound, without changing the path.
fn unwound_sum(path: &[PathElement], depth: usize, index: usize) -> f64 {
    let (one, zero) = (path[index].one, path[index].zero);
    let d1 = (depth + 1) as f64;
    let mut next = path[depth].weight;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = next * d1 / ((i + 1) as f64 * one);
            total += tmp;
            next = path[i].weight - tmp * zero * ((depth - i) as f64 / d1);
        } else if zero != 0.0 {
            total += (path[i].weight / zero) / ((depth - i) as f64 / d1);
        }
    }
    total
}

#[allow(clippy::too_many_arguments)]
fn recurse(
    tree: &Tree,
    x: &[f64],
    scale: f64,
    phi: &mut [f64],
    parent: &[PathElement],
    node: usize,
    zero: f64,
    one: f64,
    feature: usize,
) {
    let mut path = Vec::with_capacity(parent.len() + 1);
    path.extend_from_slice(parent);
    extend(&mut path, zero, one, feature);
    let mut depth = path.len() - 1;
    if tree.is_leaf(node) {
        let v = tree.value[node] * scale;
        for i in 1..=depth {
            let w = unwound_sum(&path, depth, i);
            let el = path[i];
            phi[el.feature] += w * (el.one - el.zero) * v;
        }
        return;
    }
    let split = tree.feature[node] as usize;
    let (l, r) = (tree.left[node] as usize, tree.right[node] as usize);
    let (hot, cold) = if x[split] <= tree.threshold[node] { (l, r) } else { (r, l) };
    let w = tree.cover[node];
    let (hot_zero, cold_zero) = (tree.cover[hot] / w, tree.cover[cold] / w);
    let (mut in_zero, mut in_one) = (1.0, 1.0);
    // A feature split on again: undo its earlier split, then redo it here.
    if let Some(k) = (1..=depth).find(|&k| path[k].feature == split) {
        in_zero = path[k].zero;
        in_one = path[k].one;
        unwind(&mut path, depth, k);
        depth -= 1;
    }
    debug_assert_eq!(path.len(), depth + 1);
    recurse(tree, x, scale, phi, &path, hot, hot_zero * in_zero, in_one, split);
    recurse(tree, x, scale, phi, &path, cold, cold_zero * in_zero, 0.0, split);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A depth-2 tree on features 0 and 1: x0 ≤ 0 → (x1 ≤ 0 → 1 | 3), x0 > 0 → 5; covers
    /// 10 = (6 = 2 + 4) + 4.
    fn tree() -> Tree {
        Tree {
            feature: vec![0, 1, -1, -1, -1],
            threshold: vec![0.0, 0.0, 0.0, 0.0, 0.0],
            left: vec![1, 3, 0, 0, 0],
            right: vec![2, 4, 0, 0, 0],
            value: vec![0.0, 0.0, 5.0, 1.0, 3.0],
            cover: vec![10.0, 6.0, 4.0, 2.0, 4.0],
        }
    }

    #[test]
    fn shapley_values_of_a_small_tree_by_hand() {
        // v(∅) = E f = (2·1 + 4·3 + 4·5)/10 = 3.4. Row x = (−1, −1) reaches the leaf 1.
        // v({0}) = (2·1 + 4·3)/6 = 7/3; v({1}) = 0.6 · 1 + 0.4 · 5 = 2.6; v({0,1}) = 1.
        // φ0 = ½[(v0 − v∅) + (v01 − v1)] = ½[(7/3 − 3.4) + (1 − 2.6)] = −1.3333…
        // φ1 = ½[(v1 − v∅) + (v01 − v0)] = ½[(2.6 − 3.4) + (1 − 7/3)] = −1.0666…
        let t = tree();
        assert!((tree_expected_value(&t) - 3.4).abs() < 1e-12);
        let mut phi = [0.0; 2];
        tree_shap(&t, &[-1.0, -1.0], 1.0, &mut phi);
        assert!((phi[0] - 0.5 * ((7.0 / 3.0 - 3.4) + (1.0 - 2.6))).abs() < 1e-12, "{phi:?}");
        assert!((phi[1] - 0.5 * ((2.6 - 3.4) + (1.0 - 7.0 / 3.0))).abs() < 1e-12, "{phi:?}");
        // Row (1, −1) reaches the leaf 5: v({0}) = v({0,1}) = 5, v({1}) = 2.6 still, so
        // φ0 = ½[(5 − 3.4) + (5 − 2.6)] = 2, φ1 = ½[(2.6 − 3.4) + 0] = −0.4; scaled by 2.
        let mut phi = [0.0; 2];
        tree_shap(&t, &[1.0, -1.0], 2.0, &mut phi);
        assert!((phi[0] - 4.0).abs() < 1e-12 && (phi[1] + 0.8).abs() < 1e-12, "{phi:?}");
    }

    #[test]
    fn a_feature_split_twice_on_a_path_is_counted_once() {
        // x0 ≤ 0 → (x0 ≤ −1 → 0 | 2), else 4; covers 8 = (4 = 1 + 3) + 4. Only x0 matters, so
        // φ0 = f(x) − E f for every row.
        let t = Tree {
            feature: vec![0, 0, -1, -1, -1],
            threshold: vec![0.0, -1.0, 0.0, 0.0, 0.0],
            left: vec![1, 3, 0, 0, 0],
            right: vec![2, 4, 0, 0, 0],
            value: vec![0.0, 0.0, 4.0, 0.0, 2.0],
            cover: vec![8.0, 4.0, 4.0, 1.0, 3.0],
        };
        let e = tree_expected_value(&t);
        for (x, f) in [(-2.0, 0.0), (-0.5, 2.0), (3.0, 4.0)] {
            let mut phi = [0.0; 2];
            tree_shap(&t, &[x, 0.0], 1.0, &mut phi);
            assert!((phi[0] - (f - e)).abs() < 1e-12 && phi[1] == 0.0, "x = {x}: {phi:?}");
        }
    }
}
