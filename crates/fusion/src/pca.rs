//! Principal component analysis fitted on training rows: the `pca` step, which replaces its
//! input features by their first principal components `pc1, pc2, …` (e.g. the 512 pooled maps of
//! a frozen backbone by ten components before a LASSO or a ridge refit).
//!
//! With the training rows `X` (n × p) centred by their means `μ`, the components are the
//! unit eigenvectors `v_k` of the sample covariance `S = Xᶜᵀ Xᶜ / (n − 1)` with the largest
//! eigenvalues `λ_k` (the explained variances); a row `x` scores `pc_k = (x − μ) · v_k`. The
//! sign of each `v_k` makes its largest-magnitude loading positive (scikit-learn's convention
//! since 1.5, `svd_flip(u_based_decision=False)`), so the components are defined, not an
//! artefact of the solver. Where `p > n` the eigenvectors come from the `n × n` Gram matrix
//! `Xᶜ Xᶜᵀ` (`v_k = Xᶜᵀ u_k / √((n − 1) λ_k)`), which has the same non-zero spectrum.
//!
//! `components = k` keeps `k`, at most `min(n − 1, p)` (the rank of centred data: a fold with
//! fewer rows gets fewer components, recorded in the fitted step); `variance = v` keeps the
//! fewest whose cumulative explained-variance ratio exceeds `v` (scikit-learn's
//! `PCA(n_components=v)`).

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// How many components a `pca` step keeps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PcaKeep {
    /// The first `k` (at most the rank of the centred training rows).
    Components(usize),
    /// The fewest whose cumulative explained-variance ratio exceeds this fraction in (0, 1).
    Variance(f64),
}

/// A fitted `pca` step (module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PcaModel {
    /// Input features, in table order.
    pub inputs: Vec<String>,
    /// Their training means `μ`.
    pub means: Vec<f64>,
    /// Output names, `pc1`, `pc2`, ….
    pub outputs: Vec<String>,
    /// `loadings[k][j]`: the loading of input `j` on component `k` (each row a unit vector).
    pub loadings: Vec<Vec<f64>>,
    /// Explained variance `λ_k` of each kept component (sample variance, `n − 1`).
    pub explained_variance: Vec<f64>,
    /// `λ_k / Σ_j S_jj`.
    pub explained_variance_ratio: Vec<f64>,
}

/// Fits the principal components of the training rows `x` (n × p, columns named `names`).
///
/// Fails, saying why, when there are fewer than two rows or the rows do not vary (no component
/// exists).
pub fn fit_pca(
    x: ArrayView2<'_, f64>,
    names: &[String],
    keep: PcaKeep,
) -> std::result::Result<PcaModel, String> {
    let (n, p) = x.dim();
    if n < 2 || p == 0 {
        return Err(format!("{n} training rows and {p} features: need ≥ 2 rows and ≥ 1 feature"));
    }
    let means: Vec<f64> = (0..p).map(|j| x.column(j).sum() / n as f64).collect();
    let centred = DMatrix::from_fn(n, p, |i, j| x[[i, j]] - means[j]);
    let total: f64 = centred.iter().map(|v| v * v).sum::<f64>() / (n - 1) as f64;
    if !(total > 0.0) {
        return Err("the training rows do not vary: no principal component".into());
    }
    // Eigenpairs (λ, v) of S, largest first.
    let mut pairs: Vec<(f64, Vec<f64>)> = if p <= n {
        let cov = centred.transpose() * &centred / (n - 1) as f64;
        let eig = SymmetricEigen::new(cov);
        (0..p)
            .map(|k| (eig.eigenvalues[k], eig.eigenvectors.column(k).iter().copied().collect()))
            .collect()
    } else {
        let gram = &centred * centred.transpose();
        let eig = SymmetricEigen::new(gram);
        (0..n)
            .map(|k| {
                let lambda = eig.eigenvalues[k] / (n - 1) as f64;
                let v = centred.transpose() * eig.eigenvectors.column(k);
                let norm = v.norm();
                let v = if norm > 0.0 { v / norm } else { v };
                (lambda, v.iter().copied().collect())
            })
            .collect()
    };
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let rank_cap = (n - 1).min(p);
    // Components with (numerically) no variance are not directions of the data.
    let positive = pairs.iter().take(rank_cap).filter(|(l, _)| *l > total * 1e-12).count();
    let ratios: Vec<f64> = pairs.iter().map(|(l, _)| l.max(0.0) / total).collect();
    let k = match keep {
        PcaKeep::Components(k) => k.min(positive),
        PcaKeep::Variance(v) => {
            let mut cumulative = 0.0;
            let mut k = positive;
            for (i, r) in ratios.iter().take(positive).enumerate() {
                cumulative += r;
                if cumulative > v {
                    k = i + 1;
                    break;
                }
            }
            k
        }
    };
    if k == 0 {
        return Err("no component with positive variance".into());
    }
    let mut loadings = Vec::with_capacity(k);
    for (_, v) in pairs.iter().take(k) {
        // The largest-magnitude loading positive (the first of equal magnitudes).
        let big = v.iter().copied().fold(0.0f64, |m, a| if a.abs() > m.abs() { a } else { m });
        let sign = if big < 0.0 { -1.0 } else { 1.0 };
        loadings.push(v.iter().map(|a| a * sign).collect());
    }
    Ok(PcaModel {
        inputs: names.to_vec(),
        means,
        outputs: (1..=k).map(|i| format!("pc{i}")).collect(),
        loadings,
        explained_variance: pairs.iter().take(k).map(|(l, _)| *l).collect(),
        explained_variance_ratio: ratios[..k].to_vec(),
    })
}

impl PcaModel {
    /// The component scores `(x − μ) · v_k` of the rows of `x` (its columns the inputs).
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let p = self.means.len();
        let loadings = Array2::from_shape_fn((self.outputs.len(), p), |(k, j)| self.loadings[k][j]);
        let means = ndarray::ArrayView1::from(&self.means[..]);
        let centred = &x - &means;
        centred.dot(&loadings.t())
    }

    /// The same components restricted to the outputs in `keep` (a signature that reads only
    /// some of them).
    pub(crate) fn restrict(&self, keep: &[String]) -> PcaModel {
        let idx: Vec<usize> = self
            .outputs
            .iter()
            .enumerate()
            .filter(|(_, o)| keep.contains(o))
            .map(|(k, _)| k)
            .collect();
        PcaModel {
            inputs: self.inputs.clone(),
            means: self.means.clone(),
            outputs: idx.iter().map(|&k| self.outputs[k].clone()).collect(),
            loadings: idx.iter().map(|&k| self.loadings[k].clone()).collect(),
            explained_variance: idx.iter().map(|&k| self.explained_variance[k]).collect(),
            explained_variance_ratio: idx
                .iter()
                .map(|&k| self.explained_variance_ratio[k])
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn two_features_by_hand() {
        // Points on the line y = x plus ±0.1 across it: S = [[a, b], [b, a]] with eigenvectors
        // (1, 1)/√2 (variance a + b) and (1, −1)/√2 (a − b).
        let x =
            array![[-2.0, -2.0], [-1.0, -1.0], [1.0, 1.0], [2.0, 2.0], [0.1, -0.1], [-0.1, 0.1]];
        let names = vec!["a".to_string(), "b".to_string()];
        let m = fit_pca(x.view(), &names, PcaKeep::Components(2)).unwrap();
        let h = std::f64::consts::FRAC_1_SQRT_2;
        let (a, b) = ((10.0 + 0.02) / 5.0, (10.0 - 0.02) / 5.0);
        for (got, want) in m.loadings[0].iter().zip([h, h]) {
            assert!((got - want).abs() < 1e-12);
        }
        // (1, −1)/√2 up to a sign (its two loadings tie on magnitude).
        let dot = m.loadings[1][0] * h - m.loadings[1][1] * h;
        assert!((dot.abs() - 1.0).abs() < 1e-12);
        assert!((m.explained_variance[0] - (a + b)).abs() < 1e-12);
        assert!((m.explained_variance[1] - (a - b)).abs() < 1e-12);
        let scores = m.transform(array![[1.0, 1.0]].view());
        assert!((scores[[0, 0]] - 2.0 * h).abs() < 1e-12 && scores[[0, 1]].abs() < 1e-12);
        // variance = 0.99 needs only the first component (ratio 0.998).
        let v = fit_pca(x.view(), &names, PcaKeep::Variance(0.99)).unwrap();
        assert_eq!(v.outputs, vec!["pc1"]);
    }

    #[test]
    fn constant_rows_are_an_error() {
        let x = array![[1.0, 2.0], [1.0, 2.0], [1.0, 2.0]];
        let err = fit_pca(x.view(), &["a".into(), "b".into()], PcaKeep::Components(1)).unwrap_err();
        assert!(err.to_string().contains("do not vary"), "{err}");
    }
}
