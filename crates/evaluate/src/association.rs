//! The group comparisons the radiomics papers report: χ² and Fisher's exact test on a 2×2 table of
//! predicted group × outcome, and Pearson and Spearman correlations with p-values (R `chisq.test`,
//! `fisher.test`, `cor.test`).

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::special::{chi_squared_sf, normal_cdf, normal_sf, student_t_cdf, student_t_sf};

/// A 2×2 table of counts, `counts[row][column]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TwoByTwo {
    /// `[[a, b], [c, d]]`.
    pub counts: [[u64; 2]; 2],
}

impl TwoByTwo {
    /// Cross-tabulates two binary variables: rows `group = true, false`, columns
    /// `outcome = true, false` (e.g. predicted high-risk × responded).
    pub fn from_pairs(subject: &str, group: &[bool], outcome: &[bool]) -> Result<Self> {
        if group.len() != outcome.len() {
            return Err(Error::LengthMismatch {
                subject: subject.to_owned(),
                left: group.len(),
                right: outcome.len(),
            });
        }
        let mut counts = [[0u64; 2]; 2];
        for (&g, &o) in group.iter().zip(outcome) {
            counts[usize::from(!g)][usize::from(!o)] += 1;
        }
        Ok(TwoByTwo { counts })
    }

    fn row_sums(&self) -> [u64; 2] {
        [self.counts[0][0] + self.counts[0][1], self.counts[1][0] + self.counts[1][1]]
    }

    fn column_sums(&self) -> [u64; 2] {
        [self.counts[0][0] + self.counts[1][0], self.counts[0][1] + self.counts[1][1]]
    }
}

/// Pearson's χ² test of independence on a 2×2 table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChiSquaredTest {
    /// The statistic.
    pub statistic: f64,
    /// Degrees of freedom (1).
    pub df: f64,
    /// `P[χ²_1 > statistic]`.
    pub p_value: f64,
    /// The smallest expected count (the approximation is doubtful below 5; R warns then).
    pub min_expected: f64,
}

/// χ² test of a 2×2 table (R `chisq.test(x, correct = yates)`):
/// `Σ (|O − E| − c)² / E` with `E = row·column / N` and `c = min(½, |O − E|)` with Yates'
/// continuity correction, `c = 0` without. Undefined (error) when a row or column is empty.
pub fn chi_squared_test(subject: &str, table: &TwoByTwo, yates: bool) -> Result<ChiSquaredTest> {
    let (r, c) = (table.row_sums(), table.column_sums());
    let n = (r[0] + r[1]) as f64;
    if r.contains(&0) || c.contains(&0) {
        return Err(Error::Undefined {
            subject: subject.to_owned(),
            statistic: "chi-squared test",
            reason: format!("a row or column of the 2x2 table {:?} is empty", table.counts),
        });
    }
    let expected = |i: usize, j: usize| r[i] as f64 * c[j] as f64 / n;
    let dev = |i: usize, j: usize| (table.counts[i][j] as f64 - expected(i, j)).abs();
    let correction =
        if yates { (0..4).map(|k| dev(k / 2, k % 2)).fold(0.5, f64::min) } else { 0.0 };
    let statistic = (0..4)
        .map(|k| (dev(k / 2, k % 2) - correction).powi(2) / expected(k / 2, k % 2))
        .sum::<f64>();
    let min_expected = (0..4).map(|k| expected(k / 2, k % 2)).fold(f64::INFINITY, f64::min);
    Ok(ChiSquaredTest { statistic, df: 1.0, p_value: chi_squared_sf(statistic, 1.0), min_expected })
}

/// Fisher's exact test, two-sided p-value (R `fisher.test(x)$p.value`).
///
/// Conditional on the margins, `a` (top-left) is hypergeometric; the p-value sums the
/// probabilities of all tables no more likely than the observed one, with R's relative tolerance
/// `1 + 10⁻⁷` for ties. The probabilities are built by the ratio recurrence
/// `P(a + 1)/P(a) = (k − a)(m − a) / ((a + 1)(n − k + a + 1))` and normalised, which is exact to
/// rounding for any table size.
pub fn fisher_exact_test(table: &TwoByTwo) -> f64 {
    let c = table.column_sums();
    let r = table.row_sums();
    let (m, n, k, x) = (c[0] as f64, c[1] as f64, r[0] as f64, table.counts[0][0] as f64);
    let lo = (k - n).max(0.0);
    let hi = k.min(m);
    let len = (hi - lo) as usize + 1;
    let mut logd = Vec::with_capacity(len);
    let mut acc = 0.0f64;
    logd.push(0.0);
    for i in 0..len - 1 {
        let a = lo + i as f64;
        acc += ((k - a) * (m - a) / ((a + 1.0) * (n - k + a + 1.0))).ln();
        logd.push(acc);
    }
    let max = logd.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let d: Vec<f64> = logd.iter().map(|l| (l - max).exp()).collect();
    let total: f64 = d.iter().sum();
    let observed = d[(x - lo) as usize];
    let p: f64 = d.iter().filter(|&&v| v <= observed * (1.0 + 1e-7)).sum::<f64>() / total;
    p.min(1.0)
}

/// How a correlation's p-value was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorrelationPValue {
    /// Student t with `n − 2` degrees of freedom.
    StudentT,
    /// Exact permutation distribution of Spearman's S (n ≤ 9, no ties).
    Exact,
    /// AS 89 Edgeworth series for Spearman's S (10 ≤ n < 1290, no ties).
    Edgeworth,
}

/// A correlation coefficient with its two-sided test of zero correlation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Correlation {
    /// `r` (Pearson) or `ρ` (Spearman).
    pub estimate: f64,
    /// `t = r √(n − 2) / √(1 − r²)` (Pearson) or `S = (n³ − n)(1 − ρ)/6` (Spearman).
    pub statistic: f64,
    /// Pairs used.
    pub n: usize,
    /// Two-sided p-value.
    pub p_value: f64,
    /// How the p-value was computed.
    pub p_value_method: CorrelationPValue,
}

fn check_pairs(subject: &str, statistic: &'static str, x: &[f64], y: &[f64]) -> Result<()> {
    if x.len() != y.len() {
        return Err(Error::LengthMismatch {
            subject: subject.to_owned(),
            left: x.len(),
            right: y.len(),
        });
    }
    if x.len() < 3 {
        return Err(Error::Undefined {
            subject: subject.to_owned(),
            statistic,
            reason: format!("needs at least 3 pairs, got {}", x.len()),
        });
    }
    if let Some(v) = x.iter().chain(y).find(|v| !v.is_finite()) {
        return Err(Error::Undefined {
            subject: subject.to_owned(),
            statistic,
            reason: format!("value {v} is not finite"),
        });
    }
    Ok(())
}

/// A correlation coefficient ([`radlsig_stats::pearson`] or [`radlsig_stats::spearman`]), whose
/// `None` (a constant variable) is [`Error::Undefined`] here.
fn coefficient(subject: &str, statistic: &'static str, r: Option<f64>) -> Result<f64> {
    r.ok_or_else(|| Error::Undefined {
        subject: subject.to_owned(),
        statistic,
        reason: "one variable is constant".into(),
    })
}

/// Pearson's product-moment correlation with its t test (R `cor.test(x, y)`): `r` from
/// [`radlsig_stats::pearson`],
/// `t = r √(n − 2)/√(1 − r²)`, `p = 2 min(P[T ≤ t], P[T > t])` on `n − 2` df. Needs n ≥ 3 and
/// non-constant variables; `|r| = 1` gives `p = 0`.
pub fn pearson_correlation(subject: &str, x: &[f64], y: &[f64]) -> Result<Correlation> {
    check_pairs(subject, "Pearson correlation", x, y)?;
    let r = coefficient(subject, "Pearson correlation", radlsig_stats::pearson(x, y))?;
    let df = x.len() as f64 - 2.0;
    let t = df.sqrt() * r / (1.0 - r * r).sqrt();
    let p = 2.0 * student_t_cdf(t, df).min(student_t_sf(t, df));
    Ok(Correlation {
        estimate: r,
        statistic: t,
        n: x.len(),
        p_value: p.min(1.0),
        p_value_method: CorrelationPValue::StudentT,
    })
}

/// Average ranks (R `rank(x)`, ties get the mean of their positions), 1-based.
pub use radlsig_stats::mid_ranks as average_ranks;

/// Spearman's rank correlation with R's `cor.test(x, y, method = "spearman")` p-value:
/// `ρ` = Pearson correlation of the average ranks ([`radlsig_stats::spearman`]),
/// `S = (n³ − n)(1 − ρ)/6`, and
///
/// * no ties and n < 1290: `P[S ≥ s]` or `P[S ≤ s]` (the tail `s` is in) from algorithm AS 89,
///   exact enumeration of all n! permutations for n ≤ 9 and its Edgeworth series above; the
///   two-sided p is twice that, at most 1 (R rounds `s` and uses AS 89's conventions, copied here);
/// * with ties (or n ≥ 1290): the t approximation `t = ρ √((n − 2)/(1 − ρ²))` on `n − 2` df.
///
/// Needs n ≥ 3 and non-constant variables.
pub fn spearman_correlation(subject: &str, x: &[f64], y: &[f64]) -> Result<Correlation> {
    check_pairs(subject, "Spearman correlation", x, y)?;
    let rho = coefficient(subject, "Spearman correlation", radlsig_stats::spearman(x, y))?;
    let n = x.len();
    let nf = n as f64;
    // Equal values have equal ranks and distinct values distinct ones.
    let ties = radlsig_stats::has_ties(x) || radlsig_stats::has_ties(y);
    let exact = n < 1290 && !ties;
    let q = (nf * nf * nf - nf) * (1.0 - rho) / 6.0;
    let lower = q <= (nf * nf * nf - nf) / 6.0;
    let one_sided = if exact {
        let is = q.round_ties_even() + if lower { 2.0 } else { 0.0 };
        spearman_as89(n, is, lower)
    } else {
        let den = nf * (nf * nf - 1.0) / 6.0;
        let r = 1.0 - q / den;
        let t = r / ((1.0 - r * r) / (nf - 2.0)).sqrt();
        if lower { student_t_sf(t, nf - 2.0) } else { student_t_cdf(t, nf - 2.0) }
    };
    let method = match (exact, n <= 9) {
        (false, _) => CorrelationPValue::StudentT,
        (true, true) => CorrelationPValue::Exact,
        (true, false) => CorrelationPValue::Edgeworth,
    };
    Ok(Correlation {
        estimate: rho,
        statistic: q,
        n,
        p_value: (2.0 * one_sided).min(1.0),
        p_value_method: method,
    })
}

/// Algorithm AS 89 (Best & Roberts 1975, as revised in R): `P[S ≥ is]`, or `P[S < is]` when
/// `lower`, for Spearman's `S = Σ d²` under independence with `n` pairs.
fn spearman_as89(n: usize, is: f64, lower: bool) -> f64 {
    let base = if lower { 0.0 } else { 1.0 };
    if n <= 1 || is <= 0.0 {
        return base;
    }
    let nf = n as f64;
    let n3 = nf * (nf * nf - 1.0) / 3.0;
    if is > n3 {
        return 1.0 - base;
    }
    if n <= 9 {
        let counts = spearman_s_distribution(n);
        let nfac: u64 = counts.iter().sum();
        let at_least: u64 = if is == n3 {
            1
        } else {
            counts.iter().enumerate().filter(|&(s, _)| is <= s as f64).map(|(_, &c)| c).sum()
        };
        let num = if lower { nfac - at_least } else { at_least };
        return num as f64 / nfac as f64;
    }
    const C: [f64; 12] = [
        0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932, 0.0879, 0.0151, 0.0072, 0.0831, 0.0131,
        4.6e-4,
    ];
    let b = 1.0 / nf;
    let x = (6.0 * (is - 1.0) * b / (nf * nf - 1.0) - 1.0) * (nf - 1.0).sqrt();
    let y = x * x;
    let u = x
        * b
        * (C[0]
            + b * (C[1] + C[2] * b)
            + y * (-C[3] + b * (C[4] + C[5] * b)
                - y * b * (C[6] + C[7] * b - y * (C[8] - C[9] * b + y * b * (C[10] - C[11] * y)))));
    let corr = u / (y / 2.0).exp();
    let pv = if lower { -corr + normal_cdf(x) } else { corr + normal_sf(x) };
    pv.clamp(0.0, 1.0)
}

/// `counts[s]` = number of permutations π of 1..n with `Σ (i − π(i))² = s` (n ≤ 9).
fn spearman_s_distribution(n: usize) -> Vec<u64> {
    let max = n * (n * n - 1) / 3;
    let mut counts = vec![0u64; max + 1];
    let mut perm: Vec<usize> = (0..n).collect();
    // Heap's algorithm, iterative.
    let mut c = vec![0usize; n];
    let s = |p: &[usize]| {
        p.iter().enumerate().map(|(i, &v)| (i as i64 - v as i64).pow(2) as usize).sum::<usize>()
    };
    counts[s(&perm)] += 1;
    let mut i = 0;
    while i < n {
        if c[i] < i {
            if i % 2 == 0 {
                perm.swap(0, i)
            } else {
                perm.swap(c[i], i)
            }
            counts[s(&perm)] += 1;
            c[i] += 1;
            i = 0;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    counts
}

/// χ² (with and without Yates' correction) and Fisher's exact test of `group × outcome` as a
/// one-row table with columns `n_group_pos`, `events_group_pos`, `n_group_neg`, `events_group_neg`,
/// `chi2`, `chi2_p`, `chi2_yates`, `chi2_yates_p`, `fisher_p`.
pub fn two_by_two_frame(subject: &str, group: &[bool], outcome: &[bool]) -> Result<DataFrame> {
    let t = TwoByTwo::from_pairs(subject, group, outcome)?;
    let plain = chi_squared_test(subject, &t, false)?;
    let yates = chi_squared_test(subject, &t, true)?;
    let c = t.counts;
    Ok(DataFrame::new_infer_height(vec![
        Column::new("n_group_pos".into(), [c[0][0] + c[0][1]]),
        Column::new("events_group_pos".into(), [c[0][0]]),
        Column::new("n_group_neg".into(), [c[1][0] + c[1][1]]),
        Column::new("events_group_neg".into(), [c[1][0]]),
        Column::new("chi2".into(), [plain.statistic]),
        Column::new("chi2_p".into(), [plain.p_value]),
        Column::new("chi2_yates".into(), [yates.statistic]),
        Column::new("chi2_yates_p".into(), [yates.p_value]),
        Column::new("fisher_p".into(), [fisher_exact_test(&t)]),
    ])?)
}

/// Pearson and Spearman correlations of `x` and `y` as a two-row table with columns `method`
/// (`pearson`, `spearman`), `n`, `estimate`, `statistic`, `p_value`, `p_value_method`
/// (`t`, `exact`, `edgeworth`).
pub fn correlation_frame(subject: &str, x: &[f64], y: &[f64]) -> Result<DataFrame> {
    let rows = [
        ("pearson", pearson_correlation(subject, x, y)?),
        ("spearman", spearman_correlation(subject, x, y)?),
    ];
    let method_name = |m: CorrelationPValue| match m {
        CorrelationPValue::StudentT => "t",
        CorrelationPValue::Exact => "exact",
        CorrelationPValue::Edgeworth => "edgeworth",
    };
    Ok(DataFrame::new_infer_height(vec![
        Column::new("method".into(), rows.iter().map(|r| r.0).collect::<Vec<_>>()),
        Column::new("n".into(), rows.iter().map(|r| r.1.n as u64).collect::<Vec<_>>()),
        Column::new("estimate".into(), rows.iter().map(|r| r.1.estimate).collect::<Vec<_>>()),
        Column::new("statistic".into(), rows.iter().map(|r| r.1.statistic).collect::<Vec<_>>()),
        Column::new("p_value".into(), rows.iter().map(|r| r.1.p_value).collect::<Vec<_>>()),
        Column::new(
            "p_value_method".into(),
            rows.iter().map(|r| method_name(r.1.p_value_method)).collect::<Vec<_>>(),
        ),
    ])?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn s_distribution_counts_all_permutations() {
        let d = spearman_s_distribution(4);
        assert_eq!(d.iter().sum::<u64>(), 24);
        // Only the identity has S = 0 and only the reversal has S = n(n²−1)/3 = 20.
        assert_eq!((d[0], d[20]), (1, 1));
    }

    #[test]
    fn fisher_by_hand() {
        // [[3, 1], [1, 3]]: margins 4/4/4/4, P(a) = C(4,a)C(4,4−a)/70 = 1,16,36,16,1 over 70;
        // observed a = 3 (16/70): p = (1 + 16 + 16 + 1)/70.
        let t = TwoByTwo { counts: [[3, 1], [1, 3]] };
        assert_relative_eq!(fisher_exact_test(&t), 34.0 / 70.0, max_relative = 1e-14);
    }

    #[test]
    fn chi_squared_by_hand() {
        // [[3, 1], [1, 3]]: E = 2 everywhere, |O − E| = 1: χ² = 4·1/2 = 2; Yates: 4·0.25/2 = 0.5.
        let t = TwoByTwo { counts: [[3, 1], [1, 3]] };
        assert_relative_eq!(
            chi_squared_test("t", &t, false).unwrap().statistic,
            2.0,
            max_relative = 1e-15
        );
        assert_relative_eq!(
            chi_squared_test("t", &t, true).unwrap().statistic,
            0.5,
            max_relative = 1e-15
        );
    }

    #[test]
    fn constant_variables_are_undefined_not_zero() {
        for (x, y) in [([1.0, 2.0, 3.0], [4.0; 3]), ([2.0; 3], [1.0, 2.0, 3.0])] {
            for err in [
                pearson_correlation("t", &x, &y).unwrap_err(),
                spearman_correlation("t", &x, &y).unwrap_err(),
            ] {
                assert!(matches!(err, Error::Undefined { .. }), "{err}");
                assert!(err.to_string().contains("one variable is constant"), "{err}");
            }
        }
    }

    #[test]
    fn spearman_p_value_method_follows_ties_and_n() {
        // No ties, n ≤ 9: exact; a tie in either variable: the t approximation.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.0, 1.0, 4.0, 3.0, 5.0];
        let exact = spearman_correlation("t", &x, &y).unwrap();
        assert_eq!(exact.p_value_method, CorrelationPValue::Exact);
        // Σd² = 4: ρ = 1 − 6·4/120 = 0.8, S = 4.
        assert!((exact.estimate - 0.8).abs() < 1e-15 && (exact.statistic - 4.0).abs() < 1e-12);
        let tied = [2.0, 1.0, 4.0, 4.0, 5.0];
        for (a, b) in [(&x, &tied), (&tied, &x)] {
            let t = spearman_correlation("t", a, b).unwrap();
            assert_eq!(t.p_value_method, CorrelationPValue::StudentT);
        }
        let x12: Vec<f64> = (0..12).map(f64::from).collect();
        let y12: Vec<f64> = (0..12).map(|i| f64::from((i * 5) % 12)).collect();
        let e = spearman_correlation("t", &x12, &y12).unwrap();
        assert_eq!(e.p_value_method, CorrelationPValue::Edgeworth);
    }
}
