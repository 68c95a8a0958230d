//! The planted label: a latent score with image-visible parts and noise, thresholded.
//!
//! Each case draws independent standard normal scores `z_global`, `z_spatial`, `z_delta` and
//! `z_noise`. With the active shares `w` (normalised to sum to 1; the delta share counts only
//! for cohorts with two time points) the image-visible score is
//!
//! `V = √w_global · z_global + √w_spatial · z_spatial + √w_delta · z_delta` (so `V ~ N(0, 1)`),
//!
//! and the latent total is `L = r · V + √(1 − r²) · z_noise` (also `N(0, 1)`). The label is
//! `1` when `L > Φ⁻¹(1 − prevalence)`: a liability-threshold model, applied case by case, so
//! the expected prevalence is the one asked for and a case's label never depends on the other
//! cases (a cohort of 200 is the first 200 cases of a cohort of 400 with the same seed).
//!
//! `r ∈ [0, 1]` is the correlation of the image-visible score with the total, chosen so that
//! the AUC of `V` for the label is the requested one ([`imaging_auc`], solved by bisection):
//! `auc = 1` gives `r = 1` (the images decide the label), `auc = 0.5` gives `r = 0` (a null
//! cohort: the label is independent of the images).
//!
//! `truth.csv` records the parts as contributions that add up to the total:
//! `latent_global = r·√w_global·z_global`, likewise `latent_spatial`, `latent_delta`, and
//! `noise = √(1 − r²)·z_noise`; `latent_imaging = r·V` is their image-visible sum.

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::erf::erfc;

use crate::error::{Error, Result};

/// Standard normal cumulative distribution `Φ(x) = erfc(−x/√2)/2`.
pub(crate) fn phi(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn density(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// The label model of a synthetic cohort (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct LatentModel {
    /// Shares of the image-visible score (global, spatial, delta), summing to 1.
    pub shares: [f64; 3],
    /// Correlation `r` of the image-visible score with the latent total.
    pub r: f64,
    /// Threshold on the latent total: `Φ⁻¹(1 − prevalence)`.
    pub threshold: f64,
    /// The requested AUC of the image-visible score.
    pub auc: f64,
    /// The requested prevalence.
    pub prevalence: f64,
}

/// One case's latent parts (contributions to the total) and label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Latent {
    /// Standard normal scores (global, spatial, delta, noise) as drawn.
    pub z: [f64; 4],
    /// Contribution of the global part: `r·√w_global·z_global`.
    pub global: f64,
    /// Contribution of the spatial part.
    pub spatial: f64,
    /// Contribution of the delta (change between time points) part.
    pub delta: f64,
    /// Contribution of the noise: `√(1 − r²)·z_noise`.
    pub noise: f64,
    /// The label: `1` when the total exceeds the threshold.
    pub label: u8,
}

impl Latent {
    /// The image-visible part `global + spatial + delta`.
    pub fn imaging(&self) -> f64 {
        self.global + self.spatial + self.delta
    }

    /// The latent total `imaging + noise`.
    pub fn total(&self) -> f64 {
        self.imaging() + self.noise
    }
}

impl LatentModel {
    /// The model for a requested AUC (`0.5 ≤ auc ≤ 1`), prevalence (`0 < p < 1`) and shares
    /// (non-negative, not all zero).
    pub fn new(auc: f64, prevalence: f64, shares: [f64; 3]) -> Result<LatentModel> {
        if !(0.5..=1.0).contains(&auc) {
            return Err(Error::InvalidSetting {
                name: "auc",
                reason: format!("{auc} is not in [0.5, 1]"),
            });
        }
        if !(prevalence > 0.0 && prevalence < 1.0) {
            return Err(Error::InvalidSetting {
                name: "prevalence",
                reason: format!("{prevalence} is not in (0, 1)"),
            });
        }
        if shares.iter().any(|s| !(s.is_finite() && *s >= 0.0)) || shares.iter().sum::<f64>() <= 0.0
        {
            return Err(Error::InvalidSetting {
                name: "shares",
                reason: format!("{shares:?} must be non-negative and not all zero"),
            });
        }
        let sum: f64 = shares.iter().sum();
        let shares = shares.map(|s| s / sum);
        let r = r_for_auc(auc, prevalence);
        let threshold = Normal::standard().inverse_cdf(1.0 - prevalence);
        Ok(LatentModel { shares, r, threshold, auc, prevalence })
    }

    /// The latent parts and label of a case from its four standard normal scores.
    pub fn latent(&self, z: [f64; 4]) -> Latent {
        let [g, s, d, n] = z;
        let global = self.r * self.shares[0].sqrt() * g;
        let spatial = self.r * self.shares[1].sqrt() * s;
        let delta = self.r * self.shares[2].sqrt() * d;
        let noise = (1.0 - self.r * self.r).max(0.0).sqrt() * n;
        let label = u8::from(global + spatial + delta + noise > self.threshold);
        Latent { z, global, spatial, delta, noise, label }
    }
}

/// AUC of the image-visible score `V` for the label when the total is `r·V + √(1−r²)·Z` and
/// the label is `total > Φ⁻¹(1 − p)`.
///
/// `AUC = ∫ f₁(v) F₀(v) dv` with `f₁(v) = φ(v)·(1 − Φ((t − r v)/s))/p₁`,
/// `f₀(v) = φ(v)·Φ((t − r v)/s)/p₀`, `s = √(1 − r²)`, `F₀` the cumulative of `f₀` (and half the
/// density at ties, which have measure zero); integrated by the trapezoid rule on
/// `v ∈ [−10, 10]` with step 0.001 (error below 1e-6). Degenerate cases: `r = 1` gives 1,
/// `r = 0` gives 0.5.
pub fn imaging_auc(r: f64, prevalence: f64) -> f64 {
    if r <= 0.0 {
        return 0.5;
    }
    let t = Normal::standard().inverse_cdf(1.0 - prevalence);
    let s = (1.0 - r * r).max(0.0).sqrt();
    let (lo, hi, n) = (-10.0, 10.0, 20_000usize);
    let h = (hi - lo) / n as f64;
    let mut auc = 0.0;
    let mut p1 = 0.0;
    let mut cum0 = 0.0; // ∫_{lo}^{v} g0
    let mut g0_prev = 0.0;
    for i in 0..=n {
        let v = lo + i as f64 * h;
        let above = if s > 0.0 {
            phi(-(t - r * v) / s)
        } else if v > t {
            1.0
        } else {
            0.0
        };
        let g1 = density(v) * above;
        let g0 = density(v) * (1.0 - above);
        let w = if i == 0 || i == n { 0.5 * h } else { h };
        p1 += w * g1;
        if i > 0 {
            cum0 += 0.5 * h * (g0_prev + g0);
        }
        auc += w * g1 * cum0;
        g0_prev = g0;
    }
    let p0 = 1.0 - p1;
    if p1 <= 0.0 || p0 <= 0.0 {
        return 0.5;
    }
    auc / (p1 * p0)
}

/// The `r` whose [`imaging_auc`] is `auc` (bisection; `auc` in [0.5, 1]).
fn r_for_auc(auc: f64, prevalence: f64) -> f64 {
    if auc >= 1.0 {
        return 1.0;
    }
    if auc <= 0.5 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if imaging_auc(mid, prevalence) < auc {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    /// For prevalence 1/2 the AUC has a closed form. With `X₁ = V_a − V_b`, `X₂ = L_a`,
    /// `X₃ = −L_b` (a: positive, b: negative) the AUC is `4·P(X₁>0, X₂>0, X₃>0)`; the
    /// trivariate orthant probability is `1/8 + (asin ρ₁₂ + asin ρ₁₃ + asin ρ₂₃)/(4π)` with
    /// `ρ₁₂ = ρ₁₃ = r/√2`, `ρ₂₃ = 0`, so `AUC = 1/2 + (2/π)·asin(r/√2)`.
    #[test]
    fn matches_the_closed_form_at_half_prevalence() {
        for r in [0.1, 0.3, 0.5, 0.7, 0.9, 0.99] {
            let exact = 0.5 + 2.0 / std::f64::consts::PI * (r / std::f64::consts::SQRT_2).asin();
            let ours = imaging_auc(r, 0.5);
            assert!((ours - exact).abs() < 1e-6, "r={r}: {ours} vs {exact}");
        }
        assert_eq!(imaging_auc(0.0, 0.3), 0.5);
        assert!((imaging_auc(1.0, 0.3) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn solves_for_the_requested_auc() {
        for (auc, p) in [(0.6, 0.5), (0.8, 0.3), (0.9, 0.5), (0.95, 0.2)] {
            let m = LatentModel::new(auc, p, [1.0, 1.0, 0.0]).unwrap();
            assert!((imaging_auc(m.r, p) - auc).abs() < 1e-9);
            assert_eq!(m.shares, [0.5, 0.5, 0.0]);
        }
        assert!(LatentModel::new(0.4, 0.5, [1.0, 0.0, 0.0]).is_err());
        assert!(LatentModel::new(0.8, 1.0, [1.0, 0.0, 0.0]).is_err());
        assert!(LatentModel::new(0.8, 0.5, [0.0, 0.0, 0.0]).is_err());
    }

    /// Monte Carlo: the sampled labels have the requested prevalence, and a pairwise
    /// (Mann–Whitney) AUC of the image-visible part has the requested AUC.
    #[test]
    fn sampled_cohort_has_the_requested_auc_and_prevalence() {
        let (auc, p, n) = (0.85, 0.3, 20_000);
        let m = LatentModel::new(auc, p, [2.0, 1.0, 1.0]).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut pos = Vec::new();
        let mut neg = Vec::new();
        for _ in 0..n {
            let z: [f64; 4] = std::array::from_fn(|_| StandardNormal.sample(&mut rng));
            let l = m.latent(z);
            assert!((l.total() - (l.imaging() + l.noise)).abs() < 1e-12);
            if l.label == 1 { pos.push(l.imaging()) } else { neg.push(l.imaging()) }
        }
        let prevalence = pos.len() as f64 / n as f64;
        assert!((prevalence - p).abs() < 0.015, "{prevalence}");
        neg.sort_by(f64::total_cmp);
        let below: usize = pos.iter().map(|v| neg.partition_point(|x| x < v)).sum();
        let sampled = below as f64 / (pos.len() * neg.len()) as f64;
        // Standard error of an AUC near 0.85 with 6000/14000 cases is about 0.003.
        assert!((sampled - auc).abs() < 0.012, "{sampled}");
    }
}
