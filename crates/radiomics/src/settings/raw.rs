//! The parameter file as written: serde types with PyRadiomics' key names and
//! `deny_unknown_fields`, and PyRadiomics' defaults ([`RawSettings::pyradiomics_defaults`]).

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, Error as _, MapAccess, Visitor};

use crate::{Error, Result};

/// A mapping that keeps the order of its keys (PyRadiomics' dictionaries are ordered, and the
/// order of `featureClass` and `imageType` entries is the order of the output columns).
/// Duplicate keys are an error.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct MapVisitor<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for MapVisitor<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut entries: Vec<(String, V)> = Vec::new();
                while let Some((key, value)) = map.next_entry::<String, V>()? {
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(A::Error::custom(format!("duplicate key {key}")));
                    }
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A PyRadiomics parameter file as written (YAML, or the same table inside a TOML/JSON config).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParams {
    /// `setting`: preprocessing and feature settings.
    #[serde(default)]
    pub setting: Option<RawSettings>,
    /// `imageType`: image type name → setting overrides, in output order. Absent or empty:
    /// `Original` only.
    #[serde(default, rename = "imageType")]
    pub image_type: Option<OrderedMap<Option<RawSettings>>>,
    /// `featureClass`: class name → `null`/`[]` (all non-deprecated features) or a list of
    /// feature names. Absent or empty: every class.
    #[serde(default, rename = "featureClass")]
    pub feature_class: Option<OrderedMap<Option<Vec<String>>>>,
    /// `voxelSetting`: settings of voxel-based extraction.
    #[serde(default, rename = "voxelSetting")]
    pub voxel_setting: Option<RawVoxelSettings>,
}

/// An interpolator as PyRadiomics accepts it: a SimpleITK name or an enum code 1–10.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawInterpolator {
    /// A name such as `sitkBSpline`.
    Name(String),
    /// A SimpleITK enum code.
    Code(i64),
}

/// A float that may be written as a string (`nan` in `initValue`: plain `nan` is a string in
/// YAML 1.2, while Python's `float('nan')` accepts it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum RawFloat {
    /// A number.
    Number(f64),
    /// A string Python's `float()` would read.
    Text(String),
}

/// Deserialises a field so that `key: null` (`Some(None)`) is told apart from an absent key
/// (`None`).
fn explicit_null<'de, D, T>(deserializer: D) -> std::result::Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The `setting` block (and each `imageType` override) as written, with PyRadiomics' key names.
///
/// Every field is optional; `null` means the default, except `interpolator: null`, which
/// disables resampling as in PyRadiomics.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSettings {
    #[serde(rename = "minimumROIDimensions")]
    pub minimum_roi_dimensions: Option<i64>,
    #[serde(rename = "minimumROISize")]
    pub minimum_roi_size: Option<i64>,
    #[serde(rename = "geometryTolerance")]
    pub geometry_tolerance: Option<f64>,
    #[serde(rename = "correctMask")]
    pub correct_mask: Option<bool>,
    #[serde(rename = "additionalInfo")]
    pub additional_info: Option<bool>,
    pub label: Option<i64>,
    pub label_channel: Option<i64>,
    #[serde(rename = "binWidth")]
    pub bin_width: Option<f64>,
    #[serde(rename = "binCount")]
    pub bin_count: Option<i64>,
    pub normalize: Option<bool>,
    #[serde(rename = "normalizeScale")]
    pub normalize_scale: Option<f64>,
    #[serde(rename = "removeOutliers")]
    pub remove_outliers: Option<f64>,
    #[serde(rename = "resampledPixelSpacing")]
    pub resampled_pixel_spacing: Option<Vec<f64>>,
    /// `None`: not given; `Some(None)`: `null` (no resampling).
    #[serde(default, deserialize_with = "explicit_null")]
    pub interpolator: Option<Option<RawInterpolator>>,
    #[serde(rename = "padDistance")]
    pub pad_distance: Option<i64>,
    pub distances: Option<Vec<i64>>,
    #[serde(rename = "force2D")]
    pub force_2d: Option<bool>,
    #[serde(rename = "force2Ddimension")]
    pub force_2d_dimension: Option<i64>,
    #[serde(rename = "resegmentRange")]
    pub resegment_range: Option<Vec<f64>>,
    #[serde(rename = "resegmentMode")]
    pub resegment_mode: Option<String>,
    #[serde(rename = "resegmentShape")]
    pub resegment_shape: Option<bool>,
    #[serde(rename = "preCrop")]
    pub pre_crop: Option<bool>,
    pub sigma: Option<Vec<f64>>,
    pub start_level: Option<i64>,
    pub level: Option<i64>,
    pub wavelet: Option<String>,
    #[serde(rename = "gradientUseSpacing")]
    pub gradient_use_spacing: Option<bool>,
    #[serde(rename = "lbp2DRadius")]
    pub lbp_2d_radius: Option<f64>,
    #[serde(rename = "lbp2DSamples")]
    pub lbp_2d_samples: Option<i64>,
    #[serde(rename = "lbp2DMethod")]
    pub lbp_2d_method: Option<String>,
    #[serde(rename = "lbp3DLevels")]
    pub lbp_3d_levels: Option<i64>,
    #[serde(rename = "lbp3DIcosphereRadius")]
    pub lbp_3d_icosphere_radius: Option<f64>,
    #[serde(rename = "lbp3DIcosphereSubdivision")]
    pub lbp_3d_icosphere_subdivision: Option<i64>,
    #[serde(rename = "voxelArrayShift")]
    pub voxel_array_shift: Option<i64>,
    #[serde(rename = "symmetricalGLCM")]
    pub symmetrical_glcm: Option<bool>,
    #[serde(rename = "weightingNorm")]
    pub weighting_norm: Option<String>,
    pub gldm_a: Option<i64>,
    /// Accepted for compatibility with old parameter files; radlsig has no Python/C switch.
    #[serde(rename = "enableCExtensions")]
    pub enable_c_extensions: Option<bool>,
}

/// The `voxelSetting` block as written.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawVoxelSettings {
    #[serde(rename = "kernelRadius")]
    pub kernel_radius: Option<i64>,
    #[serde(rename = "maskedKernel")]
    pub masked_kernel: Option<bool>,
    #[serde(rename = "initValue")]
    pub init_value: Option<RawFloat>,
    #[serde(rename = "voxelBatch")]
    pub voxel_batch: Option<i64>,
}

impl RawParams {
    /// Parses a YAML parameter file's text. `what` (usually the file name) prefixes errors.
    pub fn from_yaml_str(text: &str, what: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(RawParams::default());
        }
        serde_yaml::from_str(text).map_err(|source| Error::Yaml { what: what.to_string(), source })
    }
}

impl RawSettings {
    /// PyRadiomics' defaults: `_getDefaultSettings` in `featureextractor.py` plus the defaults
    /// the feature classes and `imageoperations` read with `kwargs.get(key, default)`.
    pub fn pyradiomics_defaults() -> RawSettings {
        RawSettings {
            minimum_roi_dimensions: Some(2),
            minimum_roi_size: None,
            geometry_tolerance: None, // ITK's own default, 1e-6
            correct_mask: Some(false),
            additional_info: Some(true),
            label: Some(1),
            label_channel: Some(0),
            bin_width: Some(25.0),
            bin_count: None,
            normalize: Some(false),
            normalize_scale: Some(1.0),
            remove_outliers: None,
            resampled_pixel_spacing: None,
            interpolator: Some(Some(RawInterpolator::Name("sitkBSpline".into()))),
            pad_distance: Some(5),
            distances: Some(vec![1]),
            force_2d: Some(false),
            force_2d_dimension: Some(0),
            resegment_range: None,
            resegment_mode: Some("absolute".into()),
            resegment_shape: Some(false),
            pre_crop: Some(false),
            sigma: None,
            start_level: Some(0),
            level: Some(1),
            wavelet: Some("coif1".into()),
            gradient_use_spacing: Some(true),
            lbp_2d_radius: Some(1.0),
            lbp_2d_samples: Some(8),
            lbp_2d_method: Some("uniform".into()),
            lbp_3d_levels: Some(2),
            lbp_3d_icosphere_radius: Some(1.0),
            lbp_3d_icosphere_subdivision: Some(1),
            voxel_array_shift: Some(0),
            symmetrical_glcm: Some(true),
            weighting_norm: None,
            gldm_a: Some(0),
            enable_c_extensions: None,
        }
    }

    /// `self` with every key given in `over` replaced (Python's `dict.update`).
    pub fn overlaid(&self, over: &RawSettings) -> RawSettings {
        macro_rules! pick {
            ($($f:ident),*) => {
                RawSettings { $($f: over.$f.clone().or_else(|| self.$f.clone()),)* }
            };
        }
        pick!(
            minimum_roi_dimensions,
            minimum_roi_size,
            geometry_tolerance,
            correct_mask,
            additional_info,
            label,
            label_channel,
            bin_width,
            bin_count,
            normalize,
            normalize_scale,
            remove_outliers,
            resampled_pixel_spacing,
            interpolator,
            pad_distance,
            distances,
            force_2d,
            force_2d_dimension,
            resegment_range,
            resegment_mode,
            resegment_shape,
            pre_crop,
            sigma,
            start_level,
            level,
            wavelet,
            gradient_use_spacing,
            lbp_2d_radius,
            lbp_2d_samples,
            lbp_2d_method,
            lbp_3d_levels,
            lbp_3d_icosphere_radius,
            lbp_3d_icosphere_subdivision,
            voxel_array_shift,
            symmetrical_glcm,
            weighting_norm,
            gldm_a,
            enable_c_extensions
        )
    }

    /// The keys set here that act before features are computed (loading, normalisation,
    /// resampling, mask checks, re-segmentation). PyRadiomics reads them once, so they cannot
    /// be overridden per image type.
    pub(super) fn preprocessing_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut check = |set: bool, name: &'static str| {
            if set {
                keys.push(name);
            }
        };
        check(self.minimum_roi_dimensions.is_some(), "minimumROIDimensions");
        check(self.minimum_roi_size.is_some(), "minimumROISize");
        check(self.geometry_tolerance.is_some(), "geometryTolerance");
        check(self.correct_mask.is_some(), "correctMask");
        check(self.label.is_some(), "label");
        check(self.label_channel.is_some(), "label_channel");
        check(self.normalize.is_some(), "normalize");
        check(self.normalize_scale.is_some(), "normalizeScale");
        check(self.remove_outliers.is_some(), "removeOutliers");
        check(self.resampled_pixel_spacing.is_some(), "resampledPixelSpacing");
        check(self.interpolator.is_some(), "interpolator");
        check(self.pad_distance.is_some(), "padDistance");
        check(self.resegment_range.is_some(), "resegmentRange");
        check(self.resegment_mode.is_some(), "resegmentMode");
        check(self.resegment_shape.is_some(), "resegmentShape");
        check(self.pre_crop.is_some(), "preCrop");
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ExtractionSettings;
    use radlsig_volume::Binning;

    #[test]
    fn json_configs_use_the_same_raw_type() {
        let raw: RawParams = serde_json::from_str(
            r#"{"setting": {"binWidth": 5, "label": 2}, "featureClass": {"firstorder": []}}"#,
        )
        .unwrap();
        let s = ExtractionSettings::try_from(raw).unwrap();
        assert_eq!(s.label(), 2);
        assert_eq!(s.image_types()[0].features.binning, Binning::Width(5.0));
        assert_eq!(s.feature_classes().len(), 1);
    }
}
