//! Filter-type feature selection: near-zero variance, univariate Mann–Whitney test,
//! correlation redundancy and mRMR. Each filter only chooses columns; none changes values.

use std::f64::consts::SQRT_2;

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

/// The result of a filter step: which inputs were kept, and the per-input score it used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureFilter {
    /// Input feature names, in column order.
    pub inputs: Vec<String>,
    /// Kept feature names, in output column order.
    pub kept: Vec<String>,
    /// What `scores` holds (e.g. `variance`, `p_value`, `relevance_abs_auc_minus_half`).
    pub score_name: String,
    /// One score per input.
    pub scores: Vec<f64>,
}

/// Mann–Whitney U test of one feature between the positive and the negative class.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannWhitney {
    /// `W = Σ rank(positives) − n₁(n₁+1)/2`, R's `wilcox.test(x[y==1], x[y==0])$statistic`:
    /// the number of (positive, negative) pairs with the positive larger, ties counting ½.
    pub w: f64,
    /// `W / (n₁ n₀)`: the AUC of the raw feature for predicting the positive class.
    pub auc: f64,
    /// Two-sided p-value of the normal approximation with tie and continuity correction.
    pub p_value: f64,
}

/// Mann–Whitney U test (Wilcoxon rank-sum) of `x` between `labels == 1` and `labels == 0`, as
/// R's `wilcox.test(x1, x0, exact = FALSE, correct = TRUE)`.
///
/// Ranks are mid-ranks over both classes. With `n = n₁ + n₀` and tie-group sizes `t`:
/// `z = W − n₁n₀/2`,
/// `σ = sqrt(n₁n₀/12 · ((n + 1) − Σ(t³ − t) / (n(n − 1))))`,
/// `z' = (z − ½·sign(z)) / σ`, `p = 2 min(Φ(z'), 1 − Φ(z'))`.
///
/// `W` and the AUC are [`radlsig_stats::mann_whitney_u`]'s exact count, `Σ(t³ − t)` its tie
/// term; labels other than 1 count as negatives.
///
/// Degenerate cases: all values tied gives `σ = 0`; R returns NaN there, this returns `p = 1`
/// (no evidence of a difference) so that a constant feature is simply not selected. A NaN value
/// gives NaN for all three fields (no order, so no test), which no filter selects.
pub fn mann_whitney(x: ArrayView1<'_, f64>, labels: &[u8]) -> MannWhitney {
    let n = x.len();
    let (mut negatives, mut positives) = (Vec::new(), Vec::new());
    for i in 0..n {
        if labels[i] == 1 { positives.push(x[i]) } else { negatives.push(x[i]) }
    }
    let Some(u) = radlsig_stats::mann_whitney_u(&negatives, &positives) else {
        return MannWhitney { w: f64::NAN, auc: f64::NAN, p_value: f64::NAN };
    };
    let n1 = u.n_positive as f64;
    let n0 = u.n_negative as f64;
    let w = u.u();
    let tie_term = u.tie_sum;
    let nf = n as f64;
    let sigma = ((n1 * n0 / 12.0) * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)))).sqrt();
    let z = w - n1 * n0 / 2.0;
    let p_value = if sigma > 0.0 {
        let correction = 0.5 * z.signum() * f64::from(u8::from(z != 0.0));
        let zc = (z - correction) / sigma;
        // 2 min(Φ(z'), 1 − Φ(z')) = 2 Q(|z'|) = erfc(|z'|/√2), from musl's erfc (< 1 ulp).
        libm::erfc(zc.abs() / SQRT_2).min(1.0)
    } else {
        1.0
    };
    MannWhitney { w, auc: u.auc(), p_value }
}

/// Population variance (ddof 0) of each column.
pub fn column_variances(x: ArrayView2<'_, f64>) -> Vec<f64> {
    let n = x.nrows() as f64;
    x.columns()
        .into_iter()
        .map(|c| {
            let m = c.sum() / n;
            c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n
        })
        .collect()
}

/// Near-zero-variance filter: keeps features whose population variance (ddof 0) is strictly
/// above `threshold` (scikit-learn's `VarianceThreshold`; `threshold = 0` removes constants).
pub fn near_zero_variance(
    x: ArrayView2<'_, f64>,
    names: &[String],
    threshold: f64,
) -> FeatureFilter {
    let scores = column_variances(x);
    let kept = names.iter().zip(&scores).filter(|(_, v)| **v > threshold).map(|(n, _)| n.clone());
    FeatureFilter {
        inputs: names.to_vec(),
        kept: kept.collect(),
        score_name: "variance".into(),
        scores,
    }
}

/// Univariate filter: keeps features whose Mann–Whitney p-value ([`mann_whitney`]) is below `p`
/// (`p_value < p`).
pub fn mann_whitney_filter(
    x: ArrayView2<'_, f64>,
    names: &[String],
    labels: &[u8],
    p: f64,
) -> FeatureFilter {
    let scores: Vec<f64> =
        x.columns().into_iter().map(|c| mann_whitney(c, labels).p_value).collect();
    let kept = names.iter().zip(&scores).filter(|(_, s)| **s < p).map(|(n, _)| n.clone());
    FeatureFilter {
        inputs: names.to_vec(),
        kept: kept.collect(),
        score_name: "p_value".into(),
        scores,
    }
}

/// Which correlation coefficient the redundancy filter uses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationMethod {
    /// Pearson's r.
    #[default]
    Pearson,
    /// Spearman's ρ: Pearson's r of mid-ranks ([`radlsig_stats::spearman`]).
    Spearman,
}

/// Pearson correlation of two columns ([`radlsig_stats::pearson`]); 0 when either is constant
/// or holds a NaN (no linear association can be measured, so neither is called redundant).
///
/// # Panics
///
/// When the columns differ in length.
pub fn pearson(a: ArrayView1<'_, f64>, b: ArrayView1<'_, f64>) -> f64 {
    pearson_or_zero(&a.to_vec(), &b.to_vec())
}

fn pearson_or_zero(a: &[f64], b: &[f64]) -> f64 {
    radlsig_stats::pearson(a, b).filter(|r| !r.is_nan()).unwrap_or(0.0)
}

/// Correlation-redundancy filter.
///
/// Relevance of a feature is `|AUC − 0.5|` (its Mann–Whitney AUC, so the direction of the effect
/// does not matter). Features are visited from the most to the least relevant (ties: earlier
/// column first) and a feature is kept unless its `|r|` with an already-kept feature exceeds
/// `max_abs_r`. So of any pair above the cut, the more relevant one survives, and the result
/// does not depend on the column order except through exact ties.
pub fn correlation_filter(
    x: ArrayView2<'_, f64>,
    names: &[String],
    labels: &[u8],
    max_abs_r: f64,
    method: CorrelationMethod,
) -> FeatureFilter {
    let m = x.ncols();
    let relevance: Vec<f64> =
        x.columns().into_iter().map(|c| (mann_whitney(c, labels).auc - 0.5).abs()).collect();
    // Spearman's ρ is Pearson's r of the mid-ranks: rank each column once.
    let cols: Vec<Vec<f64>> = match method {
        CorrelationMethod::Pearson => x.columns().into_iter().map(|c| c.to_vec()).collect(),
        CorrelationMethod::Spearman => {
            x.columns().into_iter().map(|c| radlsig_stats::mid_ranks(&c.to_vec())).collect()
        }
    };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| relevance[b].total_cmp(&relevance[a]).then(a.cmp(&b)));
    let mut kept_idx: Vec<usize> = Vec::new();
    for &j in &order {
        let redundant =
            kept_idx.iter().any(|&k| pearson_or_zero(&cols[j], &cols[k]).abs() > max_abs_r);
        if !redundant {
            kept_idx.push(j);
        }
    }
    kept_idx.sort_unstable();
    FeatureFilter {
        inputs: names.to_vec(),
        kept: kept_idx.iter().map(|&j| names[j].clone()).collect(),
        score_name: "relevance_abs_auc_minus_half".into(),
        scores: relevance,
    }
}

/// Equal-frequency discretisation into `bins` codes `0..bins`, fitted on the column itself.
///
/// Cut points are the sample quantiles at `k/bins`, `k = 1..bins−1` (R's default type 7:
/// linear interpolation between order statistics); a value's code is the number of cut points
/// strictly below it, so equal values always share a code.
pub fn equal_frequency_codes(x: ArrayView1<'_, f64>, bins: usize) -> Vec<usize> {
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let cuts: Vec<f64> = (1..bins)
        .map(|k| {
            let h = (n as f64 - 1.0) * k as f64 / bins as f64;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        })
        .collect();
    x.iter().map(|&v| cuts.iter().filter(|&&c| c < v).count()).collect()
}

/// Plug-in mutual information (natural log) of two discrete codes:
/// `I = Σ p(a,b) ln(p(a,b) / (p(a) p(b)))` over observed cells.
pub fn mutual_information(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len() as f64;
    let na = a.iter().max().map_or(0, |m| m + 1);
    let nb = b.iter().max().map_or(0, |m| m + 1);
    let mut joint = vec![0usize; na * nb];
    let mut pa = vec![0usize; na];
    let mut pb = vec![0usize; nb];
    for (&x, &y) in a.iter().zip(b) {
        joint[x * nb + y] += 1;
        pa[x] += 1;
        pb[y] += 1;
    }
    let mut mi = 0.0;
    for x in 0..na {
        for y in 0..nb {
            let c = joint[x * nb + y];
            if c > 0 {
                let pxy = c as f64 / n;
                mi += pxy * (pxy / ((pa[x] as f64 / n) * (pb[y] as f64 / n))).ln();
            }
        }
    }
    mi.max(0.0)
}

/// mRMR (minimum redundancy, maximum relevance; Peng, Long & Ding 2005) with the MID criterion.
///
/// Each feature is discretised by [`equal_frequency_codes`] into `bins` codes on the training
/// rows. Relevance is `I(X; Y)`, redundancy the mean `I(X; S)` over already selected features
/// `S` ([`mutual_information`]). The first pick maximises relevance, each next one maximises
/// `relevance − redundancy`; ties go to the earlier column. Returns up to `k` features in
/// selection order; `scores` holds the relevance of every input.
pub fn mrmr(
    x: ArrayView2<'_, f64>,
    names: &[String],
    labels: &[u8],
    k: usize,
    bins: usize,
) -> FeatureFilter {
    let m = x.ncols();
    let codes: Vec<Vec<usize>> =
        x.columns().into_iter().map(|c| equal_frequency_codes(c, bins)).collect();
    let y: Vec<usize> = labels.iter().map(|&l| usize::from(l)).collect();
    let relevance: Vec<f64> = codes.iter().map(|c| mutual_information(c, &y)).collect();
    let mut selected: Vec<usize> = Vec::new();
    let mut redundancy_sum = vec![0.0; m];
    let mut chosen = vec![false; m];
    while selected.len() < k.min(m) {
        let mut best: Option<(usize, f64)> = None;
        for j in 0..m {
            if chosen[j] {
                continue;
            }
            let score = if selected.is_empty() {
                relevance[j]
            } else {
                relevance[j] - redundancy_sum[j] / selected.len() as f64
            };
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((j, score));
            }
        }
        let (j, _) = best.expect("fewer selected than features");
        chosen[j] = true;
        selected.push(j);
        for i in 0..m {
            if !chosen[i] {
                redundancy_sum[i] += mutual_information(&codes[i], &codes[j]);
            }
        }
    }
    FeatureFilter {
        inputs: names.to_vec(),
        kept: selected.iter().map(|&j| names[j].clone()).collect(),
        score_name: "relevance_mutual_information".into(),
        scores: relevance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::{Array2, array};

    fn names(m: usize) -> Vec<String> {
        (0..m).map(|j| format!("f{j}")).collect()
    }

    #[test]
    fn mann_whitney_by_hand() {
        // Positives {3, 5}, negatives {1, 3, 4}. Mid-ranks: 1→1, 3→2.5 (twice), 4→4, 5→5.
        // Rank sum of positives 2.5 + 5 = 7.5, W = 7.5 − 3 = 4.5 (pairs: 3>1, 3=3 (½), 5>1,3,4 →
        // 1 + 0.5 + 3 = 4.5). AUC = 4.5/6 = 0.75. z = 4.5 − 3 = 1.5; one tie pair: Σ(t³−t) = 6;
        // σ = sqrt(6/12 · (6 − 6/20)) = sqrt(2.85); z' = (1.5 − 0.5)/sqrt(2.85).
        let x = array![3.0, 5.0, 1.0, 3.0, 4.0];
        let r = mann_whitney(x.view(), &[1, 1, 0, 0, 0]);
        assert_abs_diff_eq!(r.w, 4.5);
        assert_abs_diff_eq!(r.auc, 0.75);
        let zc = 1.0 / 2.85f64.sqrt();
        let expected = libm::erfc(zc / SQRT_2); // 2·(1 − Φ(zc))
        assert_abs_diff_eq!(r.p_value, expected, epsilon = 1e-15);
    }

    #[test]
    fn constant_feature_has_p_one() {
        let x = array![2.0, 2.0, 2.0, 2.0];
        assert_eq!(mann_whitney(x.view(), &[0, 1, 0, 1]).p_value, 1.0);
    }

    #[test]
    fn nan_feature_has_no_test_and_is_not_selected() {
        let x = array![1.0, f64::NAN, 3.0, 4.0];
        let r = mann_whitney(x.view(), &[0, 1, 0, 1]);
        assert!(r.w.is_nan() && r.auc.is_nan() && r.p_value.is_nan());
        let x = Array2::from_shape_vec((4, 1), x.to_vec()).unwrap();
        assert!(mann_whitney_filter(x.view(), &names(1), &[0, 1, 0, 1], 1.0).kept.is_empty());
    }

    #[test]
    fn pearson_is_zero_when_no_association_can_be_measured() {
        let a = array![1.0, 2.0, 3.0, 4.0];
        assert_eq!(pearson(a.view(), array![5.0, 5.0, 5.0, 5.0].view()), 0.0);
        assert_eq!(pearson(array![0.0, 0.0, 0.0, 0.0].view(), a.view()), 0.0);
        assert_eq!(pearson(a.view(), array![1.0, f64::NAN, 0.0, 2.0].view()), 0.0);
        // Otherwise R's cor(): x = 1..4, y = 1, 3, 2, 4 → 0.8.
        assert_abs_diff_eq!(pearson(a.view(), array![1.0, 3.0, 2.0, 4.0].view()), 0.8);
        // Columns of a matrix (strided views) give the same value as owned vectors.
        let m =
            Array2::from_shape_vec((4, 2), vec![1.0, 1.0, 2.0, 3.0, 3.0, 2.0, 4.0, 4.0]).unwrap();
        assert_eq!(
            pearson(m.column(0), m.column(1)).to_bits(),
            pearson(a.view(), array![1.0, 3.0, 2.0, 4.0].view()).to_bits()
        );
    }

    #[test]
    fn correlation_keeps_the_more_relevant_of_a_pair() {
        // f0 and f1 are strongly correlated; f1 separates the classes perfectly while f0 swaps
        // one (positive, negative) pair. f2 is weakly correlated with both.
        let y = [0, 0, 0, 1, 1, 1];
        let x = Array2::from_shape_vec(
            (6, 3),
            vec![
                1.0, 1.0, 5.0, //
                2.0, 2.0, 1.0, //
                4.1, 3.0, 4.0, //
                3.9, 4.0, 2.0, //
                5.0, 5.0, 6.0, //
                6.0, 6.0, 3.0,
            ],
        )
        .unwrap();
        // |r(f0, f1)| ≈ 0.97 > 0.9; AUC(f1) = 1, AUC(f0) = 8/9 → keep f1 and f2.
        let f = correlation_filter(x.view(), &names(3), &y, 0.9, CorrelationMethod::Pearson);
        assert_eq!(f.kept, ["f1", "f2"]);
        assert_abs_diff_eq!(f.scores[1], 0.5);
        assert_abs_diff_eq!(f.scores[0], 8.0 / 9.0 - 0.5, epsilon = 1e-15);
    }

    #[test]
    fn equal_frequency_codes_and_mi_by_hand() {
        let x = array![1.0, 2.0, 3.0, 4.0];
        // Median cut (type 7) = 2.5 → codes 0, 0, 1, 1.
        assert_eq!(equal_frequency_codes(x.view(), 2), vec![0, 0, 1, 1]);
        // Codes identical to a balanced label: I = ln 2.
        assert_abs_diff_eq!(mutual_information(&[0, 0, 1, 1], &[0, 0, 1, 1]), 2f64.ln());
        // Independent: (0,0),(0,1),(1,0),(1,1) each once → I = 0.
        assert_abs_diff_eq!(mutual_information(&[0, 0, 1, 1], &[0, 1, 0, 1]), 0.0);
    }

    #[test]
    fn mrmr_prefers_a_weak_independent_feature_to_a_redundant_copy() {
        // y = 0 0 0 0 1 1 1 1; A agrees with y on 7 rows; B is a copy of A; C is weakly relevant.
        // Binary features with at most half ones keep their values as codes with bins = 2.
        // I(A;Y) from the table (A,Y): (0,0)=4, (0,1)=1, (1,1)=3, margins A: 5/8, 3/8; Y: ½, ½:
        //   ½ ln((4/8)/(5/16)) + ⅛ ln((1/8)/(5/16)) + ⅜ ln((3/8)/(3/16)) = 0.38040.
        // Max relevance would take A and B; mRMR takes A, then C because
        //   MID(B) = I(A;Y) − H(A) = 0.38040 − 0.66156 < MID(C) = 0.03382 − 0.11012.
        let y = [0u8, 0, 0, 0, 1, 1, 1, 1];
        let a = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0];
        let c = [1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0];
        let x = Array2::from_shape_fn((8, 3), |(i, j)| if j == 2 { c[i] } else { a[i] });
        let f = mrmr(x.view(), &names(3), &y, 2, 2);
        assert_eq!(f.kept, ["f0", "f2"]);
        let i_ay = 0.5 * (1.6f64).ln() + 0.125 * (0.4f64).ln() + 0.375 * 2f64.ln();
        assert_abs_diff_eq!(f.scores[0], i_ay, epsilon = 1e-15);
        assert_abs_diff_eq!(f.scores[1], i_ay, epsilon = 1e-15);
        assert!(f.scores[2] < f.scores[1]);
    }

    #[test]
    fn near_zero_variance_uses_population_variance() {
        // Column f0: 0, 0, 0, 1 → mean ¼, variance (3·(¼)² + (¾)²)/4 = 3/16.
        let x =
            Array2::from_shape_vec((4, 2), vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0]).unwrap();
        let f = near_zero_variance(x.view(), &names(2), 0.1);
        assert_eq!(f.kept, ["f0"]);
        assert_abs_diff_eq!(f.scores[0], 3.0 / 16.0);
        assert!(near_zero_variance(x.view(), &names(2), 0.2).kept.is_empty());
    }

    #[test]
    fn spearman_sees_monotone_redundancy_pearson_does_not() {
        // f1 = exp(3 f0) is a monotone copy of f0: Spearman ρ = 1, Pearson r ≈ 0.68.
        let y = [0u8, 0, 0, 1, 1, 1];
        let f0 = [0.0f64, 1.0, 2.0, 3.0, 4.0, 5.0];
        let x = Array2::from_shape_fn(
            (6, 2),
            |(i, j)| if j == 0 { f0[i] } else { (3.0 * f0[i]).exp() },
        );
        let p = correlation_filter(x.view(), &names(2), &y, 0.9, CorrelationMethod::Pearson);
        assert_eq!(p.kept, ["f0", "f1"]);
        let s = correlation_filter(x.view(), &names(2), &y, 0.9, CorrelationMethod::Spearman);
        // Equal relevance (both AUC 1): the earlier column is kept.
        assert_eq!(s.kept, ["f0"]);
    }
}
