//! The checks of `paramSchema.yaml` (types and ranges) and radlsig's own refusals, which turn
//! a [`RawParams`] into [`ExtractionSettings`], reporting every problem at once.

use radlsig_volume::{Binning, Interpolator, ResegmentMode};

use super::checked::{
    ExtractionSettings, FeatureClass, FeatureSelection, FeatureSettings, FilterSettings, ImageType,
    ImageTypeSettings, Normalization, Resampling, Resegmentation, VoxelSettings,
};
use super::raw::{RawFloat, RawInterpolator, RawParams, RawSettings};
use crate::texture::{TextureSettings, WeightingNorm};
use crate::{Error, Result, SettingProblem};

/// Collects every problem found while checking a parameter file.
#[derive(Default)]
struct Problems(Vec<SettingProblem>);

impl Problems {
    fn push(&mut self, problem: SettingProblem) {
        // A setting shared by several image types is reported once.
        if !self.0.contains(&problem) {
            self.0.push(problem);
        }
    }

    fn out_of_range(&mut self, key: &str, value: impl std::fmt::Display, expected: &str) {
        self.push(SettingProblem::out_of_range(key, value, expected));
    }

    fn refused(&mut self, key: &str, reason: impl Into<String>) {
        self.push(SettingProblem::refused(key, reason));
    }

    fn int_range(
        &mut self,
        key: &str,
        v: Option<i64>,
        min: Option<i64>,
        min_ex: Option<i64>,
        max: Option<i64>,
    ) -> Option<i64> {
        let v = v?;
        if let Some(m) = min
            && v < m
        {
            self.out_of_range(key, v, &format!(">= {m}"));
            return None;
        }
        if let Some(m) = min_ex
            && v <= m
        {
            self.out_of_range(key, v, &format!("> {m}"));
            return None;
        }
        if let Some(m) = max
            && v > m
        {
            self.out_of_range(key, v, &format!("<= {m}"));
            return None;
        }
        Some(v)
    }

    fn positive(&mut self, key: &str, v: Option<f64>) -> Option<f64> {
        let v = v?;
        if !(v > 0.0 && v.is_finite()) {
            self.out_of_range(key, v, "a finite number > 0");
            return None;
        }
        Some(v)
    }

    fn one_of(&mut self, key: &str, v: Option<&str>, allowed: &[&'static str]) -> Option<String> {
        let v = v?;
        if allowed.contains(&v) {
            Some(v.to_string())
        } else {
            self.not_one_of(key, v, allowed);
            None
        }
    }

    fn not_one_of(&mut self, key: &str, value: &str, allowed: &[&'static str]) {
        self.push(SettingProblem::NotOneOf {
            key: key.to_string(),
            value: value.to_string(),
            allowed: allowed.to_vec(),
        });
    }
}

/// Names `pywt.wavelist()` accepts (PyWavelets 1.9), which PyRadiomics' `checkWavelet` uses.
fn is_pywavelet(name: &str) -> bool {
    const SINGLE: &[&str] = &["haar", "dmey", "cmor", "fbsp", "mexh", "morl", "shan"];
    const BIOR: &[&str] = &[
        "1.1", "1.3", "1.5", "2.2", "2.4", "2.6", "2.8", "3.1", "3.3", "3.5", "3.7", "3.9", "4.4",
        "5.5", "6.8",
    ];
    let numbered = |prefix: &str, lo: u32, hi: u32| {
        name.strip_prefix(prefix)
            .filter(|d| !d.starts_with('0'))
            .and_then(|d| d.parse::<u32>().ok())
            .is_some_and(|n| (lo..=hi).contains(&n))
    };
    SINGLE.contains(&name)
        || name.strip_prefix("bior").is_some_and(|v| BIOR.contains(&v))
        || name.strip_prefix("rbio").is_some_and(|v| BIOR.contains(&v))
        || numbered("cgau", 1, 8)
        || numbered("coif", 1, 17)
        || numbered("db", 1, 38)
        || numbered("gaus", 1, 8)
        || numbered("sym", 2, 20)
}

/// Checks the feature-level part of merged settings `s` (prefix `key` for messages).
fn feature_settings(s: &RawSettings, prefix: &str, p: &mut Problems) -> Option<FeatureSettings> {
    let k = |name: &str| format!("{prefix}{name}");
    let bin_width = p.positive(&k("binWidth"), s.bin_width);
    let bin_count = p.int_range(&k("binCount"), s.bin_count, None, Some(0), None);
    let binning = match (s.bin_count, bin_count, bin_width) {
        (Some(_), Some(n), _) => Some(Binning::Count(n as usize)),
        (Some(_), None, _) => None,
        (None, _, Some(w)) => Some(Binning::Width(w)),
        (None, _, None) => {
            if s.bin_width.is_none() {
                p.refused(&k("binWidth"), "neither binWidth nor binCount is set");
            }
            None
        }
    };
    let mut distances = Vec::new();
    match &s.distances {
        Some(d) if d.is_empty() => p.push(SettingProblem::Length {
            key: k("distances"),
            given: 0,
            expected: "at least one distance is needed",
        }),
        Some(d) => {
            for &v in d {
                if v <= 0 || v > u32::MAX as i64 {
                    p.out_of_range(&k("distances"), v, "an integer > 0");
                } else {
                    distances.push(v as u32);
                }
            }
        }
        None => p.refused(&k("distances"), "missing"),
    }
    let weighting_norm = match s.weighting_norm.as_deref() {
        None => Some(WeightingNorm::None),
        Some("manhattan") => Some(WeightingNorm::Manhattan),
        Some("euclidean") => Some(WeightingNorm::Euclidean),
        Some("infinity") => Some(WeightingNorm::Infinity),
        Some("no_weighting") => Some(WeightingNorm::NoWeighting),
        Some(other) => {
            let allowed = ["euclidean", "manhattan", "infinity", "no_weighting", "null"];
            p.not_one_of(&k("weightingNorm"), other, &allowed);
            None
        }
    };
    let gldm_a = p.int_range(&k("gldm_a"), s.gldm_a, Some(0), None, None);
    let force_2d_dimension =
        p.int_range(&k("force2Ddimension"), s.force_2d_dimension, Some(0), None, Some(2));
    let shift = s.voxel_array_shift;
    let force_2d = s.force_2d.unwrap_or(false);
    Some(FeatureSettings {
        binning: binning?,
        voxel_array_shift: shift.unwrap_or(0) as f64,
        texture: TextureSettings {
            distances,
            symmetrical_glcm: s.symmetrical_glcm.unwrap_or(true),
            weighting_norm: weighting_norm?,
            gldm_a: gldm_a.unwrap_or(0) as f64,
            force_2d_dimension: if force_2d { Some(force_2d_dimension? as usize) } else { None },
        },
    })
}

/// Checks the filter part of merged settings `s`.
fn filter_settings(s: &RawSettings, prefix: &str, p: &mut Problems) -> Option<FilterSettings> {
    let k = |name: &str| format!("{prefix}{name}");
    let mut sigma = Vec::new();
    for &v in s.sigma.iter().flatten() {
        if let Some(v) = p.positive(&k("sigma"), Some(v)) {
            sigma.push(v);
        }
    }
    let u = |v: Option<i64>| v.map(|v| v as u32);
    let start_level =
        u(p.int_range(&k("start_level"), s.start_level, Some(0), None, Some(u32::MAX as i64)));
    let level = u(p.int_range(&k("level"), s.level, None, Some(0), Some(u32::MAX as i64)));
    let wavelet = s.wavelet.clone().filter(|w| {
        let ok = is_pywavelet(w);
        if !ok {
            p.refused(&k("wavelet"), format!("{w:?} is not a PyWavelets wavelet name"));
        }
        ok
    });
    let lbp_2d_radius = p.positive(&k("lbp2DRadius"), s.lbp_2d_radius);
    let lbp_2d_samples =
        u(p.int_range(&k("lbp2DSamples"), s.lbp_2d_samples, Some(1), None, Some(u32::MAX as i64)));
    let lbp_2d_method = p.one_of(
        &k("lbp2DMethod"),
        s.lbp_2d_method.as_deref(),
        &["default", "ror", "uniform", "var"],
    );
    let lbp_3d_levels =
        u(p.int_range(&k("lbp3DLevels"), s.lbp_3d_levels, Some(1), None, Some(u32::MAX as i64)));
    let lbp_3d_icosphere_radius = p.positive(&k("lbp3DIcosphereRadius"), s.lbp_3d_icosphere_radius);
    let lbp_3d_icosphere_subdivision = u(p.int_range(
        &k("lbp3DIcosphereSubdivision"),
        s.lbp_3d_icosphere_subdivision,
        Some(0),
        None,
        Some(u32::MAX as i64),
    ));
    Some(FilterSettings {
        sigma,
        start_level: start_level?,
        level: level?,
        wavelet: wavelet?,
        gradient_use_spacing: s.gradient_use_spacing.unwrap_or(true),
        lbp_2d_radius: lbp_2d_radius?,
        lbp_2d_samples: lbp_2d_samples?,
        lbp_2d_method: lbp_2d_method?,
        lbp_3d_levels: lbp_3d_levels?,
        lbp_3d_icosphere_radius: lbp_3d_icosphere_radius?,
        lbp_3d_icosphere_subdivision: lbp_3d_icosphere_subdivision?,
    })
}

fn interpolator(raw: &RawInterpolator, p: &mut Problems) -> Option<Interpolator> {
    match raw {
        RawInterpolator::Name(n) => match Interpolator::from_sitk_name(n) {
            Ok(i) => Some(i),
            Err(radlsig_volume::Error::InvalidSetting { reason, .. }) => {
                p.refused("interpolator", reason);
                None
            }
            Err(e) => {
                p.refused("interpolator", e.to_string());
                None
            }
        },
        // SimpleITK's enum codes (PyRadiomics' schema allows 1-10).
        RawInterpolator::Code(1) => Some(Interpolator::NearestNeighbor),
        RawInterpolator::Code(2) => Some(Interpolator::Linear),
        RawInterpolator::Code(c) if (3..=10).contains(c) => {
            p.refused(
                "interpolator",
                format!(
                    "code {c} is not supported (its meaning changed between SimpleITK versions); give the name, e.g. sitkBSpline"
                ),
            );
            None
        }
        RawInterpolator::Code(c) => {
            p.out_of_range("interpolator", c, "in the range 1-10");
            None
        }
    }
}

impl TryFrom<RawParams> for ExtractionSettings {
    type Error = Error;

    /// Checks everything and reports all problems at once, separated by `; `.
    fn try_from(raw: RawParams) -> Result<Self> {
        let mut p = Problems::default();
        let given = raw.setting.clone().unwrap_or_default();
        let s = RawSettings::pyradiomics_defaults().overlaid(&given);

        let label = p.int_range("label", s.label, None, Some(0), None);
        if let Some(c) = p.int_range("label_channel", s.label_channel, Some(0), None, None)
            && c != 0
        {
            p.refused(
                "label_channel",
                format!("{c}: vector (multi-channel) masks are not supported; only channel 0"),
            );
        }
        let minimum_roi_dimensions =
            p.int_range("minimumROIDimensions", s.minimum_roi_dimensions, Some(1), None, Some(3));
        let minimum_roi_size =
            p.int_range("minimumROISize", s.minimum_roi_size, None, Some(0), None);
        let geometry_tolerance = p.positive("geometryTolerance", s.geometry_tolerance);
        let normalize_scale = p.positive("normalizeScale", s.normalize_scale);
        let remove_outliers = p.positive("removeOutliers", s.remove_outliers);
        let pad_distance = p.int_range("padDistance", s.pad_distance, Some(0), None, None);

        let resample_spacing = match &s.resampled_pixel_spacing {
            None => None,
            Some(v) if v.len() != 3 => {
                p.push(SettingProblem::Length {
                    key: "resampledPixelSpacing".into(),
                    given: v.len(),
                    expected: "3 (x, y, z) are needed",
                });
                None
            }
            Some(v) => {
                if let Some(bad) = v.iter().find(|x| !(**x >= 0.0 && x.is_finite())) {
                    p.out_of_range("resampledPixelSpacing", bad, "a finite number >= 0");
                    None
                } else {
                    Some([v[0], v[1], v[2]])
                }
            }
        };
        let interp = match &s.interpolator {
            Some(Some(i)) => interpolator(i, &mut p),
            _ => None,
        };
        let interpolator_is_null = matches!(s.interpolator, Some(None));
        let resampling = match (resample_spacing, interp) {
            (Some(spacing), Some(interpolator)) => Some(Resampling { spacing, interpolator }),
            (Some(_), None) if interpolator_is_null => {
                p.refused(
                    "resampledPixelSpacing",
                    "set but interpolator is null (PyRadiomics would silently skip resampling); set an interpolator or remove resampledPixelSpacing",
                );
                None
            }
            _ => None,
        };

        let resegment_mode = p.one_of(
            "resegmentMode",
            s.resegment_mode.as_deref(),
            &["absolute", "relative", "sigma"],
        );
        let resegmentation = match &s.resegment_range {
            None => None,
            Some(r) if r.is_empty() || r.len() > 2 => {
                p.push(SettingProblem::Length {
                    key: "resegmentRange".into(),
                    given: r.len(),
                    expected: "1 or 2 are allowed",
                });
                None
            }
            Some(r) if r.iter().any(|v| !v.is_finite()) => {
                p.refused("resegmentRange", format!("{r:?} holds a non-finite value"));
                None
            }
            Some(r) => resegment_mode.as_deref().map(|m| Resegmentation {
                range: r.clone(),
                mode: match m {
                    "relative" => ResegmentMode::Relative,
                    "sigma" => ResegmentMode::Sigma,
                    _ => ResegmentMode::Absolute,
                },
                shape: s.resegment_shape.unwrap_or(false),
            }),
        };

        // Image types, each with its overrides merged over the settings.
        let mut image_types = Vec::new();
        let listed = raw.image_type.clone().unwrap_or_default().0;
        let listed = if listed.is_empty() { vec![("Original".to_string(), None)] } else { listed };
        for (name, custom) in listed {
            let Some(image_type) = ImageType::from_name(&name) else {
                let known: Vec<&str> = ImageType::ALL.iter().map(|t| t.name()).collect();
                p.not_one_of("imageType", &name, &known);
                continue;
            };
            let custom = custom.unwrap_or_default();
            let pre = custom.preprocessing_keys();
            if !pre.is_empty() {
                p.push(SettingProblem::PerImageType { image_type: name.clone(), keys: pre });
            }
            let merged = s.overlaid(&custom);
            let prefix = if custom == RawSettings::default() {
                String::new()
            } else {
                format!("imageType.{name}.")
            };
            let features = feature_settings(&merged, &prefix, &mut p);
            let filter = filter_settings(&merged, &prefix, &mut p);
            if let (Some(features), Some(filter)) = (features, filter) {
                image_types.push(ImageTypeSettings { image_type, features, filter });
            }
        }
        // Settings-level problems are reported once even when no image type uses them.
        if image_types.is_empty() {
            let _ = feature_settings(&s, "", &mut p);
            let _ = filter_settings(&s, "", &mut p);
        }

        // Feature classes and their feature lists.
        let force_2d = s.force_2d.unwrap_or(false);
        let force_2d_dimension = if force_2d {
            p.int_range("force2Ddimension", s.force_2d_dimension, Some(0), None, Some(2))
                .map(|d| d as usize)
        } else {
            None
        };
        let mut feature_classes: Vec<(FeatureClass, FeatureSelection)> = Vec::new();
        let requested = raw.feature_class.clone().unwrap_or_default().0;
        if requested.is_empty() {
            for class in FeatureClass::ALL {
                if class != FeatureClass::Shape2D || force_2d {
                    feature_classes.push((class, FeatureSelection::AllNonDeprecated));
                }
            }
        }
        for (name, list) in requested {
            let Some(class) = FeatureClass::from_name(&name) else {
                let known: Vec<&str> = FeatureClass::ALL.iter().map(|c| c.name()).collect();
                p.not_one_of("featureClass", &name, &known);
                continue;
            };
            if class == FeatureClass::Shape2D && !force_2d {
                p.refused(
                    "featureClass.shape2D",
                    "needs setting force2D: true (and force2Ddimension, the out-of-plane axis)",
                );
            }
            let selection = match list {
                None => FeatureSelection::AllNonDeprecated,
                Some(l) if l.is_empty() => FeatureSelection::AllNonDeprecated,
                Some(l) => {
                    let mut names: Vec<&'static str> = Vec::new();
                    for feature in &l {
                        match class.features().iter().find(|(n, _)| n == feature) {
                            Some((n, _)) if !names.contains(n) => names.push(n),
                            Some(_) => {}
                            // Accepted by PyRadiomics, which then outputs no value for them.
                            None if crate::extractor::class_deprecated_without_value(class)
                                .contains(&feature.as_str()) => {}
                            None => p.push(SettingProblem::UnknownFeature {
                                key: format!("featureClass.{name}"),
                                name: feature.clone(),
                            }),
                        }
                    }
                    FeatureSelection::Listed(names)
                }
            };
            feature_classes.push((class, selection));
        }

        let voxel = raw.voxel_setting.as_ref().and_then(|v| {
            let kernel_radius = p.int_range(
                "voxelSetting.kernelRadius",
                Some(v.kernel_radius.unwrap_or(1)),
                None,
                Some(0),
                Some(u32::MAX as i64),
            );
            let voxel_batch = p.int_range(
                "voxelSetting.voxelBatch",
                v.voxel_batch,
                None,
                Some(0),
                Some(u32::MAX as i64),
            );
            let init_value = match &v.init_value {
                None => Some(0.0),
                Some(RawFloat::Number(x)) => Some(*x),
                Some(RawFloat::Text(t)) => {
                    let parsed = match t.trim().to_ascii_lowercase().as_str() {
                        "nan" | "+nan" | "-nan" => Some(f64::NAN),
                        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
                        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
                        other => other.parse::<f64>().ok(),
                    };
                    if parsed.is_none() {
                        p.out_of_range("voxelSetting.initValue", format!("{t:?}"), "a number");
                    }
                    parsed
                }
            };
            Some(VoxelSettings {
                kernel_radius: kernel_radius? as u32,
                masked_kernel: v.masked_kernel.unwrap_or(true),
                init_value: init_value?,
                voxel_batch: voxel_batch.map(|b| b as u32),
            })
        });

        if !p.0.is_empty() {
            return Err(Error::InvalidSettings { what: None, problems: p.0 });
        }
        // Every value used below was checked above; a missing one means a problem was pushed.
        let missing =
            |key: &str| Error::setting(SettingProblem::refused(key, "internal check failed"));
        Ok(ExtractionSettings {
            label: label.ok_or_else(|| missing("label"))?,
            minimum_roi_dimensions: minimum_roi_dimensions
                .ok_or_else(|| missing("minimumROIDimensions"))?
                as usize,
            minimum_roi_size: minimum_roi_size.map(|v| v as usize),
            geometry_tolerance,
            correct_mask: s.correct_mask.unwrap_or(false),
            additional_info: s.additional_info.unwrap_or(true),
            normalization: if s.normalize.unwrap_or(false) {
                Some(Normalization {
                    scale: normalize_scale.ok_or_else(|| missing("normalizeScale"))?,
                    remove_outliers,
                })
            } else {
                None
            },
            resampling,
            pad_distance: pad_distance.ok_or_else(|| missing("padDistance"))? as usize,
            pre_crop: s.pre_crop.unwrap_or(false),
            resegmentation,
            force_2d_dimension,
            image_types,
            feature_classes,
            voxel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        // Unknown keys are parse errors: the parser's message (the source) names the key.
        let e = ExtractionSettings::from_yaml_str("setting:\n  binwidth: 5\n", "p.yaml")
            .unwrap_err()
            .chain()
            .to_string();
        assert!(e.contains("p.yaml") && e.contains("binwidth"), "{e}");
        let e = ExtractionSettings::from_yaml_str("settings:\n  binWidth: 5\n", "p.yaml")
            .unwrap_err()
            .chain()
            .to_string();
        assert!(e.contains("settings"), "{e}");
        let e = ExtractionSettings::from_yaml_str("featureClass:\n  glcmm:\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("glcmm"), "{e}");
        let e = ExtractionSettings::from_yaml_str(
            "featureClass:\n  firstorder: [Mean, Meen]\n",
            "p.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("Meen") && !e.contains("\"Mean\""), "{e}");
        let e = ExtractionSettings::from_yaml_str("imageType:\n  Orignal: {}\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("Orignal"), "{e}");
    }

    #[test]
    fn all_range_problems_reported_at_once() {
        let yaml = "setting:\n  binWidth: -1\n  label: 0\n  minimumROIDimensions: 4\n  force2Ddimension: 3\n  force2D: true\n  resegmentRange: [1, 2, 3]\n  resegmentMode: sigmaa\n  padDistance: -2\n";
        let e = ExtractionSettings::from_yaml_str(yaml, "p.yaml").unwrap_err().to_string();
        for key in [
            "binWidth",
            "label",
            "minimumROIDimensions",
            "force2Ddimension",
            "resegmentRange",
            "resegmentMode",
            "padDistance",
        ] {
            assert!(e.contains(key), "{key} missing from: {e}");
        }
    }

    #[test]
    fn feature_lists_keep_file_order_and_deprecated() {
        let yaml = "featureClass:\n  glcm: [Contrast, Autocorrelation]\n  firstorder: [StandardDeviation, Mean]\n  shape:\n";
        // Only firstorder/shape names are checked here if glcm is not present yet.
        let s = ExtractionSettings::from_yaml_str(yaml, "p.yaml").unwrap();
        let fc = s.feature_classes();
        assert_eq!(fc[0].0, FeatureClass::Glcm);
        assert_eq!(fc[0].1, FeatureSelection::Listed(vec!["Contrast", "Autocorrelation"]));
        assert_eq!(fc[1].1.names(FeatureClass::FirstOrder), vec!["StandardDeviation", "Mean"]);
        assert_eq!(fc[2].1, FeatureSelection::AllNonDeprecated);
        assert!(
            !FeatureSelection::AllNonDeprecated
                .names(FeatureClass::FirstOrder)
                .contains(&"StandardDeviation")
        );
    }

    #[test]
    fn bin_count_wins_and_image_type_overrides_merge() {
        let yaml = "setting:\n  binWidth: 10\n  binCount: 32\n  voxelArrayShift: 300\nimageType:\n  Original:\n    voxelArrayShift: 1000\n";
        let s = ExtractionSettings::from_yaml_str(yaml, "p.yaml").unwrap();
        assert_eq!(s.image_types()[0].features.binning, Binning::Count(32));
        assert_eq!(s.image_types()[0].features.voxel_array_shift, 1000.0);
        let e =
            ExtractionSettings::from_yaml_str("imageType:\n  Original:\n    label: 2\n", "p.yaml")
                .unwrap_err();
        assert!(e.to_string().contains("label"), "{e}");
    }

    #[test]
    fn interpolator_null_and_resampling() {
        let s = ExtractionSettings::from_yaml_str(
            "setting:\n  resampledPixelSpacing: [2, 2, 0]\n  interpolator: sitkLinear\n",
            "p",
        )
        .unwrap();
        assert_eq!(
            s.resampling(),
            Some(Resampling { spacing: [2.0, 2.0, 0.0], interpolator: Interpolator::Linear })
        );
        let s = ExtractionSettings::from_yaml_str(
            "setting:\n  interpolator:\n  resampledPixelSpacing:\n",
            "p",
        )
        .unwrap();
        assert!(s.resampling().is_none());
        let e = ExtractionSettings::from_yaml_str(
            "setting:\n  interpolator:\n  resampledPixelSpacing: [1, 1, 1]\n",
            "p",
        );
        assert!(e.unwrap_err().to_string().contains("interpolator is null"));
        let e = ExtractionSettings::from_yaml_str(
            "setting:\n  interpolator: sitkGaussian\n  resampledPixelSpacing: [1, 1, 1]\n",
            "p",
        );
        assert!(e.unwrap_err().to_string().contains("sitkGaussian is not implemented"));
        let e =
            ExtractionSettings::from_yaml_str("setting:\n  resampledPixelSpacing: [1, 1]\n", "p");
        assert!(e.unwrap_err().to_string().contains("3 (x, y, z)"));
    }

    #[test]
    fn shape2d_needs_force2d() {
        let e = ExtractionSettings::from_yaml_str("featureClass:\n  shape2D:\n", "p").unwrap_err();
        assert!(e.to_string().contains("force2D"), "{e}");
        let s = ExtractionSettings::from_yaml_str("setting:\n  force2D: true\n", "p").unwrap();
        assert!(s.feature_classes().iter().any(|(c, _)| *c == FeatureClass::Shape2D));
        assert_eq!(s.image_types()[0].features.texture.force_2d_dimension, Some(0));
    }

    #[test]
    fn wavelet_names() {
        for ok in ["coif1", "db38", "bior6.8", "rbio1.1", "sym20", "haar", "dmey"] {
            assert!(is_pywavelet(ok), "{ok}");
        }
        for bad in ["coif0", "coif18", "db01", "sym1", "bior6.9", "Haar", ""] {
            assert!(!is_pywavelet(bad), "{bad}");
        }
    }
}
