//! Z-score standardisation with training means and standard deviations.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Per-feature z-score `z = (x − mean) / scale`, fitted on training rows.
///
/// `mean` is the training mean and `scale` the population standard deviation
/// `sqrt(Σ(x − mean)² / n)` (ddof = 0, as scikit-learn's `StandardScaler`). A constant training
/// feature gets `scale = 1` (also as scikit-learn), so it maps to 0 rather than NaN; a
/// `near_zero_variance` step removes such features.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Feature names, in column order.
    pub features: Vec<String>,
    /// Training mean per feature.
    pub means: Vec<f64>,
    /// Training population standard deviation per feature (1 where it is 0).
    pub scales: Vec<f64>,
}

impl Standardizer {
    /// Fits means and scales on training rows `x` (`rows × features`, finite).
    pub fn fit(x: ArrayView2<'_, f64>, features: &[String]) -> Standardizer {
        let n = x.nrows() as f64;
        let mut means = Vec::with_capacity(x.ncols());
        let mut scales = Vec::with_capacity(x.ncols());
        for col in x.columns() {
            let mean = col.sum() / n;
            let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            means.push(mean);
            scales.push(if var > 0.0 { var.sqrt() } else { 1.0 });
        }
        Standardizer { features: features.to_vec(), means, scales }
    }

    /// Applies the fitted transform to `x`, whose columns are [`Standardizer::features`].
    pub fn transform(&self, x: ArrayView2<'_, f64>) -> Array2<f64> {
        let mut out = x.to_owned();
        for (j, mut col) in out.columns_mut().into_iter().enumerate() {
            let (m, s) = (self.means[j], self.scales[j]);
            col.mapv_inplace(|v| (v - m) / s);
        }
        out
    }

    /// The same transform restricted to `keep` (a subset of its features, in that order).
    pub(crate) fn restrict(&self, keep: &[String]) -> Standardizer {
        let idx: Vec<usize> = crate::data::positions(&self.features, keep)
            .into_iter()
            .map(|j| j.expect("keep ⊆ features"))
            .collect();
        Standardizer {
            features: keep.to_vec(),
            means: idx.iter().map(|&i| self.means[i]).collect(),
            scales: idx.iter().map(|&i| self.scales[i]).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn population_sd_and_constant_features() {
        // Column a: 1, 2, 3, 6 → mean 3, Σ(x−3)² = 4+1+0+9 = 14, sd = sqrt(14/4).
        let x = array![[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [6.0, 5.0]];
        let s = Standardizer::fit(x.view(), &["a".into(), "c".into()]);
        assert_abs_diff_eq!(s.means[0], 3.0);
        assert_abs_diff_eq!(s.scales[0], (14.0f64 / 4.0).sqrt(), epsilon = 1e-15);
        assert_eq!(s.scales[1], 1.0);
        let z = s.transform(array![[6.0, 7.0]].view());
        assert_abs_diff_eq!(z[[0, 0]], 3.0 / (3.5f64).sqrt(), epsilon = 1e-15);
        assert_abs_diff_eq!(z[[0, 1]], 2.0);
    }
}
