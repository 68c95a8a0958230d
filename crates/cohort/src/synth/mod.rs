//! `radlsig synth`: seeded synthetic cohorts with a planted, documented signal.
//!
//! A cohort is a set of cases, each a 3D image (one or two sequences, one or two time
//! points) of smooth background tissue holding one lesion with an irregular 3D shape, an
//! internal texture drawn from a correlated random field, and three habitats (enhancing rim,
//! transition shell, necrotic core), seen through one of up to three scanners ("centres")
//! with their own gain, offset, noise, blur and voxel spacing. The label is planted through a
//! latent score ([`LatentModel`]) with
//!
//! - a **global** part that moves whole-tumour radiomics features: it raises the texture
//!   amplitude (heterogeneity: first-order variance and entropy, GLCM contrast, …) and the
//!   surface irregularity (lower sphericity, more surface per volume);
//! - a **spatial** part that only a spatial model sees well: it moves the necrotic core from
//!   the centre towards the rim without changing the habitats' volumes, intensities or
//!   interface areas, so whole-tumour histograms and shape are (nearly) blind to it: the core,
//!   wrapped in a transition shell, is translated in-plane by a fraction `e` (the case's
//!   eccentricity) of the largest shift that still leaves [`RIM_MIN_MM`] of enhancing rim;
//! - with two time points, a **delta** part: the change from `pre` to `post` (shrinkage, loss
//!   of enhancement, more necrosis for higher scores); the `pre` image does not show it;
//! - **noise**, sized so that the image-visible part has the requested AUC.
//!
//! Everything is a pure function of the [`SynthConfig`]: case `i` draws from ChaCha8 streams
//! keyed by `(seed, i, purpose)`, so cases do not depend on each other, on the number of
//! threads, or (apart from the stratified split) on the number of cases, and the same seed
//! gives byte-identical files. The generator writes the ground truth it planted to
//! `truth.csv` (see [`generate`]).
//!
//! Defaults (the demo cohort): 200 cases of 64×64×24 voxels; centre A at 0.8×0.8×3 mm, B at
//! 0.7×0.7×2.5 mm, C at 0.9×0.9×3.5 mm; lesions of equivalent radius about 10 mm (7–13);
//! prevalence 0.5; image-visible AUC 0.95 split equally between the global and spatial parts;
//! split 80 % train / 20 % val, stratified by label.

mod field;
mod latent;
mod lesion;
mod plan;
mod render;
mod write;

use serde::Serialize;

pub use latent::{Latent, LatentModel, imaging_auc};
pub use lesion::RIM_MIN_MM;
pub use plan::{CasePlan, CohortPlan};
pub use render::{LesionTruth, RenderedCase, RenderedTimePoint};
pub use write::{LESION_COLUMNS, TRUTH_COLUMNS, generate, truth_columns};

use crate::error::{Error, Result};

/// The sequences of each case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sequences {
    /// One post-contrast image (CT-like units: background ≈ 40, enhancing ≈ 105, necrosis
    /// ≈ 22), written as the plain `Image`/`Mask` pair.
    Single,
    /// `T1` (the same contrast as [`Sequences::Single`]) and an `ADC`-like map of the same
    /// anatomy (necrosis bright ≈ 2000, enhancing tissue dark ≈ 850, background ≈ 1400).
    T1Adc,
}

impl Sequences {
    /// The sequence names (`""` for the single unnamed one).
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Sequences::Single => &[""],
            Sequences::T1Adc => &["T1", "ADC"],
        }
    }
}

/// The time points of each case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePoints {
    /// One time point.
    Single,
    /// `pre` and `post` (treatment), with the planted delta effect between them.
    PrePost,
}

impl TimePoints {
    /// The time point names (`""` for the single unnamed one).
    pub fn names(self) -> &'static [&'static str] {
        match self {
            TimePoints::Single => &[""],
            TimePoints::PrePost => &["pre", "post"],
        }
    }
}

/// Relative weights of the image-visible latent parts (normalised to sum to 1 over the
/// active parts; `delta` is active only with [`TimePoints::PrePost`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LatentShares {
    /// Global part (heterogeneity, irregularity).
    pub global: f64,
    /// Spatial part (core eccentricity).
    pub spatial: f64,
    /// Delta part (change between time points).
    pub delta: f64,
}

impl Default for LatentShares {
    fn default() -> Self {
        LatentShares { global: 1.0, spatial: 1.0, delta: 1.0 }
    }
}

/// How strongly the latent parts show in the images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ImagingEffects {
    /// Correlation (0–1) between a latent part and each imaging parameter it drives; the rest
    /// of the parameter's variation is case-level nuisance. Default 0.95.
    pub fidelity: f64,
    /// Log-change of the texture amplitude per unit of the global driver: amplitude
    /// `14·exp(texture·g)` (clamped to 4–40). Default 0.5.
    pub texture: f64,
    /// Log-change of the surface irregularity per unit of the global driver: irregularity
    /// `0.10·exp(irregularity·g)` (clamped to 0.02–0.35). Default 0.5.
    pub irregularity: f64,
    /// Fraction (0–1) of the admissible core shift used at full eccentricity; 0 keeps every
    /// core central (the spatial part then has no imaging effect). Default 1.
    pub eccentricity: f64,
    /// Log-shrinkage of the lesion radius from `pre` to `post` per unit of the delta driver:
    /// radius factor `exp(−response·d − 0.03)`. Default 0.1.
    pub response: f64,
}

impl Default for ImagingEffects {
    fn default() -> Self {
        ImagingEffects {
            fidelity: 0.95,
            texture: 0.5,
            irregularity: 0.5,
            eccentricity: 1.0,
            response: 0.1,
        }
    }
}

/// One scanner ("centre"): the acquisition effects applied to its cases.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scanner {
    /// The centre's name in the manifest (`A`, `B`, `C`).
    pub name: String,
    /// Multiplicative gain on intensities.
    pub gain: f64,
    /// Additive offset (in the first sequence's units; ×10 for `ADC`).
    pub offset: f64,
    /// Standard deviation of the white Gaussian noise (×10 for `ADC`).
    pub noise_sd: f64,
    /// Standard deviation (mm) of the Gaussian point-spread function.
    pub blur_mm: f64,
    /// Voxel spacing (x, y, z) in mm.
    pub spacing: [f64; 3],
}

/// The scanner presets at full strength; `centre_effect` interpolates from A towards them.
const SCANNERS: [(&str, f64, f64, f64, f64, [f64; 3]); 3] = [
    ("A", 1.00, 0.0, 6.0, 0.5, [0.8, 0.8, 3.0]),
    ("B", 1.12, 12.0, 10.0, 0.9, [0.7, 0.7, 2.5]),
    ("C", 0.90, -8.0, 4.0, 1.3, [0.9, 0.9, 3.5]),
];

/// Share of cases per centre (normalised over the centres in use).
const CENTRE_WEIGHTS: [f64; 3] = [0.45, 0.35, 0.20];

/// Smallest field of view (mm) accepted along any axis.
pub const MIN_FOV_MM: f64 = 30.0;

/// Settings of a synthetic cohort; [`Default`] is the demo cohort.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SynthConfig {
    /// Seed of every random stream.
    pub seed: u64,
    /// Number of cases.
    pub cases: usize,
    /// Grid size in voxels (x, y, z), the same for every centre.
    pub size: [usize; 3],
    /// Expected fraction of label-1 cases (0–1, exclusive).
    pub prevalence: f64,
    /// AUC of the image-visible latent part for the label (0.5–1).
    pub auc: f64,
    /// Weights of the latent parts.
    pub shares: LatentShares,
    /// How strongly the latent parts show in the images.
    pub effects: ImagingEffects,
    /// Number of centres (1–3).
    pub centres: usize,
    /// Strength of the scanner differences: 0 makes every centre a copy of A, 1 uses the
    /// presets (A: gain 1, offset 0, noise 6, blur 0.5 mm, 0.8×0.8×3 mm; B: 1.12, +12, 10,
    /// 0.9 mm, 0.7×0.7×2.5 mm; C: 0.9, −8, 4, 1.3 mm, 0.9×0.9×3.5 mm).
    pub centre_effect: f64,
    /// Sequences per case.
    pub sequences: Sequences,
    /// Time points per case.
    pub time_points: TimePoints,
    /// Fractions of train, val and test cases (normalised), assigned stratified by label.
    pub split: [f64; 3],
    /// Whether to write the habitat map (0 outside, 1 enhancing, 2 transition, 3 necrotic).
    pub habitats: bool,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 1,
            cases: 200,
            size: [64, 64, 24],
            prevalence: 0.5,
            auc: 0.95,
            shares: LatentShares::default(),
            effects: ImagingEffects::default(),
            centres: 3,
            centre_effect: 1.0,
            sequences: Sequences::Single,
            time_points: TimePoints::Single,
            split: [0.8, 0.2, 0.0],
            habitats: true,
        }
    }
}

fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidSetting { name, reason }
}

/// A grid size as `radlsig synth --size` takes it: `N` (an N³ grid) or `XxYxZ`.
pub fn parse_grid_size(text: &str) -> Result<[usize; 3]> {
    let bad = || invalid("size", format!("{text:?}: expected N or XxYxZ"));
    let numbers: Vec<usize> = text
        .split(['x', 'X'])
        .map(|p| p.trim().parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad())?;
    match numbers[..] {
        [n] => Ok([n; 3]),
        [x, y, z] => Ok([x, y, z]),
        _ => Err(bad()),
    }
}

/// Train, validation and test fractions as `radlsig synth --split` takes them:
/// `TRAIN,VAL,TEST`, or `TRAIN,VAL` (no test split).
pub fn parse_split_fractions(text: &str) -> Result<[f64; 3]> {
    let bad = || invalid("split", format!("{text:?}: expected TRAIN,VAL,TEST fractions"));
    let numbers: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| bad())?;
    match numbers[..] {
        [a, b, c] => Ok([a, b, c]),
        [a, b] => Ok([a, b, 0.0]),
        _ => Err(bad()),
    }
}

impl SynthConfig {
    /// The scanners of the centres in use.
    pub fn scanners(&self) -> Vec<Scanner> {
        let c = self.centre_effect;
        let (_, g0, o0, n0, b0, s0) = SCANNERS[0];
        SCANNERS[..self.centres.min(3)]
            .iter()
            .map(|&(name, g, o, n, b, s)| Scanner {
                name: name.to_string(),
                gain: g0 + c * (g - g0),
                offset: o0 + c * (o - o0),
                noise_sd: n0 + c * (n - n0),
                blur_mm: b0 + c * (b - b0),
                spacing: [0, 1, 2].map(|a| s0[a] + c * (s[a] - s0[a])),
            })
            .collect()
    }

    /// The shares with the delta part switched off for a single time point.
    pub fn active_shares(&self) -> [f64; 3] {
        let delta = if self.time_points == TimePoints::PrePost { self.shares.delta } else { 0.0 };
        [self.shares.global, self.shares.spatial, delta]
    }

    /// The label model.
    pub fn latent_model(&self) -> Result<LatentModel> {
        LatentModel::new(self.auc, self.prevalence, self.active_shares())
    }

    /// Checks every setting's range.
    pub fn validate(&self) -> Result<()> {
        if self.cases == 0 {
            return Err(invalid("cases", "must be at least 1".into()));
        }
        if !(1..=3).contains(&self.centres) {
            return Err(invalid("centres", format!("{} is not 1, 2 or 3", self.centres)));
        }
        if !(0.0..=1.0).contains(&self.centre_effect) {
            return Err(invalid(
                "centre-effect",
                format!("{} is not in [0, 1]", self.centre_effect),
            ));
        }
        if self.split.iter().any(|f| !(f.is_finite() && *f >= 0.0))
            || self.split.iter().sum::<f64>() <= 0.0
        {
            return Err(invalid(
                "split",
                format!("{:?} must be non-negative fractions, not all zero", self.split),
            ));
        }
        let e = &self.effects;
        if !(0.0..=1.0).contains(&e.fidelity) {
            return Err(invalid("fidelity", format!("{} is not in [0, 1]", e.fidelity)));
        }
        if !(0.0..=1.0).contains(&e.eccentricity) {
            return Err(invalid("eccentricity", format!("{} is not in [0, 1]", e.eccentricity)));
        }
        for (name, v) in [
            ("texture-effect", e.texture),
            ("irregularity-effect", e.irregularity),
            ("response", e.response),
        ] {
            if !(0.0..=2.0).contains(&v) {
                return Err(invalid(name, format!("{v} is not in [0, 2]")));
            }
        }
        for scanner in self.scanners() {
            for a in 0..3 {
                let fov = self.size[a] as f64 * scanner.spacing[a];
                if fov < MIN_FOV_MM {
                    return Err(invalid(
                        "size",
                        format!(
                            "{:?} voxels give centre {} a field of view of {fov:.1} mm along {}; at least {MIN_FOV_MM} mm is needed",
                            self.size,
                            scanner.name,
                            ["x", "y", "z"][a]
                        ),
                    ));
                }
            }
        }
        if self.size.iter().product::<usize>() > 512 * 512 * 512 {
            return Err(invalid("size", format!("{:?} voxels is more than 512³", self.size)));
        }
        self.latent_model().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_sizes_and_split_fractions_parse_as_written() {
        assert_eq!(parse_grid_size("32").unwrap(), [32; 3]);
        assert_eq!(parse_grid_size("64x64X24").unwrap(), [64, 64, 24]);
        for bad in ["64x64", "x", "-1", "1x2x3x4"] {
            let e = parse_grid_size(bad).unwrap_err().to_string();
            assert!(e.contains("expected N or XxYxZ") && e.contains(bad), "{e}");
        }
        assert_eq!(parse_split_fractions("0.7, 0.2, 0.1").unwrap(), [0.7, 0.2, 0.1]);
        assert_eq!(parse_split_fractions("0.5,0.5").unwrap(), [0.5, 0.5, 0.0]);
        assert!(parse_split_fractions("0.5").is_err());
        assert!(parse_split_fractions("a,b").is_err());
    }
}
