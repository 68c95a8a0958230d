//! Habitat settings: the `habitats` table of an experiment config, checked once before any
//! volume is read.
//!
//! ```yaml
//! habitats:
//!   sequences: [T1, ADC]          # sequences clustered together (default: all of the case's)
//!   voxelFeatures: [intensity, localEntropy]   # per sequence, in this order
//!   radius: 1                     # neighbourhood: (2r+1)³ cube, Chebyshev radius in voxels
//!   entropyBinWidth: 0.5          # local-entropy bin width, in pooled training SDs
//!   caseNormalization: none       # or zScore (per case and sequence, inside the mask)
//!   k: null                       # a fixed number of habitats, or null to choose one
//!   kMin: 2                       # range searched when k is null
//!   kMax: 5
//!   criterion: silhouette         # or calinskiHarabasz
//!   silhouetteSampleSize: 2000    # pooled voxels scored by the silhouette
//!   voxelsPerCase: 1000           # voxels drawn from each training case for the fit
//!   nInit: 4                      # k-means restarts (best inertia kept)
//!   maxIter: 300                  # Lloyd iterations per restart
//!   seed: 0
//!   minimumHabitatVoxels: 27      # smaller habitats get descriptors only
//! ```
//!
//! [`RawHabitatSettings`] mirrors the table (serde, camelCase keys, unknown keys rejected by
//! name); [`HabitatSettings`] is the checked plan made from it by `TryFrom`, which reports every
//! problem at once. Defaults live in one place, [`RawHabitatSettings::defaults`].

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result, SettingProblem};

/// The largest number of habitats (labels are written as 8-bit and every habitat multiplies
/// the feature count).
pub const MAX_HABITATS: usize = 20;
/// The largest neighbourhood radius (a radius-5 cube already holds 1331 voxels).
pub const MAX_RADIUS: u32 = 5;

/// A voxel-level feature computed per sequence inside the mask (definitions in the
/// [module docs of `habitats`](crate::habitats)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum VoxelFeature {
    /// The voxel's grey level (after `caseNormalization`).
    Intensity,
    /// Mean grey level of the masked neighbourhood (a smoothed intensity).
    LocalMean,
    /// Population standard deviation (ddof 0) of the masked neighbourhood.
    LocalStd,
    /// Shannon entropy (log₂) of the discretised grey levels of the masked neighbourhood.
    LocalEntropy,
}

impl VoxelFeature {
    /// The name used in configs and in
    /// [`HabitatModel::voxel_feature_names`](crate::habitats::HabitatModel::voxel_feature_names).
    pub fn name(self) -> &'static str {
        match self {
            VoxelFeature::Intensity => "intensity",
            VoxelFeature::LocalMean => "localMean",
            VoxelFeature::LocalStd => "localStd",
            VoxelFeature::LocalEntropy => "localEntropy",
        }
    }
}

impl fmt::Display for VoxelFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How each case's grey levels are rescaled before voxel features are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CaseNormalization {
    /// Grey levels as read (CT in HU; MRI only when intensities are already comparable).
    #[default]
    None,
    /// Per case and sequence, `(x − μ)/σ` with the mean and population SD of the voxels inside
    /// the mask (σ = 0: centred only). Usual for MRI, whose scale differs between scans.
    ZScore,
}

/// The criterion that chooses the number of habitats on the training voxels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Criterion {
    /// Mean silhouette ([`silhouette_score`](crate::habitats::criteria::silhouette_score)) on a
    /// deterministic subsample of `silhouetteSampleSize` pooled voxels; largest wins.
    #[default]
    Silhouette,
    /// Calinski–Harabasz index
    /// ([`calinski_harabasz_score`](crate::habitats::criteria::calinski_harabasz_score)) on all
    /// pooled voxels; largest wins.
    CalinskiHarabasz,
}

/// How the number of habitats is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HabitatCount {
    /// Exactly this many habitats.
    Fixed(usize),
    /// The `k ∈ [min, max]` with the best criterion value on the training voxels (ties: the
    /// smaller k).
    Choose {
        /// Smallest k tried (≥ 2).
        min: usize,
        /// Largest k tried (≤ [`MAX_HABITATS`]).
        max: usize,
        /// The criterion.
        criterion: Criterion,
    },
}

/// The `habitats` table as written, every key optional (`None` = default).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[allow(missing_docs)] // each key is documented in the module docs and on HabitatSettings
pub struct RawHabitatSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequences: Option<Vec<String>>,
    #[serde(default)]
    pub voxel_features: Option<Vec<VoxelFeature>>,
    #[serde(default)]
    pub radius: Option<u32>,
    #[serde(default)]
    pub entropy_bin_width: Option<f64>,
    #[serde(default)]
    pub case_normalization: Option<CaseNormalization>,
    #[serde(default)]
    pub k: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k_min: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k_max: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criterion: Option<Criterion>,
    #[serde(default)]
    pub silhouette_sample_size: Option<usize>,
    #[serde(default)]
    pub voxels_per_case: Option<usize>,
    #[serde(default)]
    pub n_init: Option<usize>,
    #[serde(default)]
    pub max_iter: Option<usize>,
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub minimum_habitat_voxels: Option<usize>,
}

impl RawHabitatSettings {
    /// Every default, in one place (`k`, `sequences` stay `None`: choose k, use all sequences).
    pub fn defaults() -> RawHabitatSettings {
        RawHabitatSettings {
            sequences: None,
            voxel_features: Some(vec![VoxelFeature::Intensity, VoxelFeature::LocalEntropy]),
            radius: Some(1),
            entropy_bin_width: Some(0.5),
            case_normalization: Some(CaseNormalization::None),
            k: None,
            k_min: Some(2),
            k_max: Some(5),
            criterion: Some(Criterion::Silhouette),
            silhouette_sample_size: Some(2000),
            voxels_per_case: Some(1000),
            n_init: Some(4),
            max_iter: Some(300),
            seed: Some(0),
            minimum_habitat_voxels: Some(27),
        }
    }
}

/// Checked habitat settings (see the module docs for the keys and [`RawHabitatSettings`]).
///
/// Serialises back to the raw table with every value filled in (the resolved config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawHabitatSettings", into = "RawHabitatSettings")]
pub struct HabitatSettings {
    sequences: Option<Vec<String>>,
    voxel_features: Vec<VoxelFeature>,
    radius: u32,
    entropy_bin_width: f64,
    case_normalization: CaseNormalization,
    count: HabitatCount,
    silhouette_sample_size: usize,
    voxels_per_case: usize,
    n_init: usize,
    max_iter: usize,
    seed: u64,
    minimum_habitat_voxels: usize,
}

impl Default for HabitatSettings {
    fn default() -> Self {
        match HabitatSettings::try_from(RawHabitatSettings::default()) {
            Ok(s) => s,
            Err(e) => unreachable!("the habitat defaults are valid: {e}"),
        }
    }
}

impl TryFrom<RawHabitatSettings> for HabitatSettings {
    type Error = Error;

    fn try_from(raw: RawHabitatSettings) -> Result<Self> {
        let d = RawHabitatSettings::defaults();
        let mut problems: Vec<SettingProblem> = Vec::new();
        let mut check = |ok: bool, problem: SettingProblem| {
            if !ok {
                problems.push(problem);
            }
        };
        let range = |key: &str, value: &dyn fmt::Display, expected: &str| {
            SettingProblem::out_of_range(key, value, expected)
        };
        let empty = |key: &str, expected: &'static str| SettingProblem::Length {
            key: key.to_string(),
            given: 0,
            expected,
        };
        let twice = |key: &str, name: &str| SettingProblem::Repeated {
            key: key.to_string(),
            name: name.to_string(),
        };

        let sequences = raw.sequences;
        if let Some(list) = &sequences {
            check(
                !list.is_empty(),
                empty("sequences", "at least one is needed (omit it to use all)"),
            );
            for (i, s) in list.iter().enumerate() {
                check(!list[..i].contains(s), twice("sequences", s));
            }
        }
        let voxel_features = raw.voxel_features.or(d.voxel_features).unwrap_or_default();
        check(!voxel_features.is_empty(), empty("voxelFeatures", "at least one is needed"));
        for (i, f) in voxel_features.iter().enumerate() {
            check(!voxel_features[..i].contains(f), twice("voxelFeatures", f.name()));
        }
        let radius = raw.radius.or(d.radius).unwrap_or(1);
        check(
            (1..=MAX_RADIUS).contains(&radius),
            range("radius", &radius, &format!("in 1..={MAX_RADIUS}")),
        );
        let entropy_bin_width = raw.entropy_bin_width.or(d.entropy_bin_width).unwrap_or(0.5);
        check(
            entropy_bin_width.is_finite() && entropy_bin_width > 0.0,
            range("entropyBinWidth", &entropy_bin_width, "a finite number > 0"),
        );
        let case_normalization = raw.case_normalization.unwrap_or_default();

        let count = match raw.k {
            Some(k) => {
                check(
                    raw.k_min.is_none() && raw.k_max.is_none() && raw.criterion.is_none(),
                    SettingProblem::refused("k", "a fixed k excludes kMin, kMax and criterion"),
                );
                check(
                    (2..=MAX_HABITATS).contains(&k),
                    range("k", &k, &format!("in 2..={MAX_HABITATS}")),
                );
                HabitatCount::Fixed(k)
            }
            None => {
                let min = raw.k_min.or(d.k_min).unwrap_or(2);
                let max = raw.k_max.or(d.k_max).unwrap_or(5);
                check(min >= 2, range("kMin", &min, ">= 2"));
                check(max <= MAX_HABITATS, range("kMax", &max, &format!("<= {MAX_HABITATS}")));
                check(
                    min <= max,
                    SettingProblem::Order {
                        key: "kMin",
                        value: min.to_string(),
                        upper_key: "kMax",
                        upper: max.to_string(),
                    },
                );
                HabitatCount::Choose { min, max, criterion: raw.criterion.unwrap_or_default() }
            }
        };
        let silhouette_sample_size =
            raw.silhouette_sample_size.or(d.silhouette_sample_size).unwrap_or(2000);
        check(
            silhouette_sample_size >= 10,
            range("silhouetteSampleSize", &silhouette_sample_size, ">= 10"),
        );
        let voxels_per_case = raw.voxels_per_case.or(d.voxels_per_case).unwrap_or(1000);
        check(voxels_per_case >= 1, range("voxelsPerCase", &voxels_per_case, ">= 1"));
        let n_init = raw.n_init.or(d.n_init).unwrap_or(4);
        check(n_init >= 1, range("nInit", &n_init, ">= 1"));
        let max_iter = raw.max_iter.or(d.max_iter).unwrap_or(300);
        check(max_iter >= 1, range("maxIter", &max_iter, ">= 1"));
        let seed = raw.seed.or(d.seed).unwrap_or(0);
        let minimum_habitat_voxels =
            raw.minimum_habitat_voxels.or(d.minimum_habitat_voxels).unwrap_or(27);
        check(
            minimum_habitat_voxels >= 1,
            range("minimumHabitatVoxels", &minimum_habitat_voxels, ">= 1"),
        );

        if !problems.is_empty() {
            return Err(Error::InvalidSettings { what: Some("habitats".into()), problems });
        }
        Ok(HabitatSettings {
            sequences,
            voxel_features,
            radius,
            entropy_bin_width,
            case_normalization,
            count,
            silhouette_sample_size,
            voxels_per_case,
            n_init,
            max_iter,
            seed,
            minimum_habitat_voxels,
        })
    }
}

impl From<HabitatSettings> for RawHabitatSettings {
    fn from(s: HabitatSettings) -> RawHabitatSettings {
        let (k, k_min, k_max, criterion) = match s.count {
            HabitatCount::Fixed(k) => (Some(k), None, None, None),
            HabitatCount::Choose { min, max, criterion } => {
                (None, Some(min), Some(max), Some(criterion))
            }
        };
        RawHabitatSettings {
            sequences: s.sequences,
            voxel_features: Some(s.voxel_features),
            radius: Some(s.radius),
            entropy_bin_width: Some(s.entropy_bin_width),
            case_normalization: Some(s.case_normalization),
            k,
            k_min,
            k_max,
            criterion,
            silhouette_sample_size: Some(s.silhouette_sample_size),
            voxels_per_case: Some(s.voxels_per_case),
            n_init: Some(s.n_init),
            max_iter: Some(s.max_iter),
            seed: Some(s.seed),
            minimum_habitat_voxels: Some(s.minimum_habitat_voxels),
        }
    }
}

impl HabitatSettings {
    /// Parses and checks a YAML `habitats` table (the table itself, not the enclosing config);
    /// `what` names it in errors.
    pub fn from_yaml_str(text: &str, what: &str) -> Result<Self> {
        let raw: RawHabitatSettings = if text.trim().is_empty() {
            RawHabitatSettings::default()
        } else {
            serde_yaml::from_str(text)
                .map_err(|source| Error::Yaml { what: what.to_string(), source })?
        };
        HabitatSettings::try_from(raw).map_err(|e| e.in_settings(what))
    }

    /// Reads and checks a YAML file holding the `habitats` table; errors name the file.
    pub fn from_yaml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            Error::Volume(radlsig_volume::Error::Io { path: path.to_path_buf(), source })
        })?;
        Self::from_yaml_str(&text, &path.display().to_string())
    }

    /// The same settings with another seed (for a run whose seed comes from elsewhere).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same settings with a fixed number of habitats. Fails unless `2 ≤ k ≤ MAX_HABITATS`.
    pub fn with_k(mut self, k: usize) -> Result<Self> {
        if !(2..=MAX_HABITATS).contains(&k) {
            return Err(Error::InvalidSettings {
                what: Some("habitats".into()),
                problems: vec![SettingProblem::out_of_range(
                    "k",
                    k,
                    format!("in 2..={MAX_HABITATS}"),
                )],
            });
        }
        self.count = HabitatCount::Fixed(k);
        Ok(self)
    }

    /// `sequences`: the sequences used, in this order; `None` = all of the first case's, in
    /// its order.
    pub fn sequences(&self) -> Option<&[String]> {
        self.sequences.as_deref()
    }
    /// `voxelFeatures`, in order.
    pub fn voxel_features(&self) -> &[VoxelFeature] {
        &self.voxel_features
    }
    /// `radius`: Chebyshev radius of the neighbourhood cube, in voxels.
    pub fn radius(&self) -> u32 {
        self.radius
    }
    /// `entropyBinWidth`, in pooled training standard deviations of the sequence.
    pub fn entropy_bin_width(&self) -> f64 {
        self.entropy_bin_width
    }
    /// `caseNormalization`.
    pub fn case_normalization(&self) -> CaseNormalization {
        self.case_normalization
    }
    /// `k`, or `kMin`/`kMax`/`criterion`.
    pub fn count(&self) -> HabitatCount {
        self.count
    }
    /// `silhouetteSampleSize`.
    pub fn silhouette_sample_size(&self) -> usize {
        self.silhouette_sample_size
    }
    /// `voxelsPerCase`.
    pub fn voxels_per_case(&self) -> usize {
        self.voxels_per_case
    }
    /// `nInit`.
    pub fn n_init(&self) -> usize {
        self.n_init
    }
    /// `maxIter`.
    pub fn max_iter(&self) -> usize {
        self.max_iter
    }
    /// `seed`.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// `minimumHabitatVoxels`.
    pub fn minimum_habitat_voxels(&self) -> usize {
        self.minimum_habitat_voxels
    }
}

/// Reads and checks habitat settings by the file's extension: YAML (`.yaml`, `.yml`) or TOML
/// (`.toml`), holding the `habitats` table itself; errors name the file.
pub fn read_habitat_settings(path: &Path) -> Result<HabitatSettings> {
    let ext = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    match ext.as_deref() {
        Some("toml") => {
            let text = std::fs::read_to_string(path).map_err(|source| {
                Error::Volume(radlsig_volume::Error::Io { path: path.to_path_buf(), source })
            })?;
            let raw: RawHabitatSettings = toml::from_str(&text)
                .map_err(|source| Error::Toml { path: path.to_path_buf(), source })?;
            HabitatSettings::try_from(raw).map_err(|e| e.in_settings(&path.display().to_string()))
        }
        Some("yaml" | "yml") => HabitatSettings::from_yaml_file(path),
        _ => Err(Error::SettingsFormat {
            path: path.to_path_buf(),
            what: "habitat settings",
            expected: ".yaml, .yml or .toml",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_round_trip() {
        let s = HabitatSettings::from_yaml_str("", "h.yaml").unwrap();
        assert_eq!(s, HabitatSettings::default());
        assert_eq!(s.voxel_features(), &[VoxelFeature::Intensity, VoxelFeature::LocalEntropy]);
        assert_eq!(
            s.count(),
            HabitatCount::Choose { min: 2, max: 5, criterion: Criterion::Silhouette }
        );
        let json = serde_json::to_string(&s).unwrap();
        let back: HabitatSettings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
        let fixed = HabitatSettings::from_yaml_str(
            "k: 3\nvoxelFeatures: [localMean, localStd]\ncaseNormalization: zScore\nseed: 7\n",
            "h.yaml",
        )
        .unwrap();
        assert_eq!(fixed.count(), HabitatCount::Fixed(3));
        assert_eq!(fixed.case_normalization(), CaseNormalization::ZScore);
        assert_eq!(fixed.seed(), 7);
        let back: HabitatSettings =
            serde_yaml::from_str(&serde_yaml::to_string(&fixed).unwrap()).unwrap();
        assert_eq!(back, fixed);
    }

    #[test]
    fn every_problem_is_reported_by_name() {
        let e = HabitatSettings::from_yaml_str(
            "radius: 0\nkMin: 4\nkMax: 3\nentropyBinWidth: -1\nnInit: 0\nvoxelFeatures: []\n",
            "h.yaml",
        )
        .unwrap_err()
        .to_string();
        for key in ["h.yaml", "radius", "kMin: 4 is more than kMax 3", "entropyBinWidth", "nInit"] {
            assert!(e.contains(key), "{key} missing from: {e}");
        }
        assert!(e.contains("voxelFeatures"), "{e}");
        let e = HabitatSettings::from_yaml_str("k: 3\nkMax: 4\n", "h").unwrap_err().to_string();
        assert!(e.contains("excludes kMin"), "{e}");
        let e =
            HabitatSettings::from_yaml_str("clusters: 3\n", "h").unwrap_err().chain().to_string();
        assert!(e.contains("clusters"), "{e}");
        let e = HabitatSettings::from_yaml_str("voxelFeatures: [texture]\n", "h")
            .unwrap_err()
            .chain()
            .to_string();
        assert!(e.contains("texture"), "{e}");
    }
}
