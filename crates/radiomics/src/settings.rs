//! Extraction settings: PyRadiomics parameter files, checked once before any volume is read.
//!
//! A parameter file has up to four top-level keys, as in PyRadiomics:
//!
//! ```yaml
//! setting:        # preprocessing and feature settings (binWidth, label, resampledPixelSpacing, …)
//!   binWidth: 25
//! imageType:      # the images features are computed on, with per-image-type setting overrides
//!   Original: {}
//! featureClass:   # the feature classes, each with all (non-deprecated) features or a list
//!   shape:
//!   firstorder: []
//!   glcm: [Contrast, Correlation]
//! voxelSetting:   # voxel-based extraction (parsed; radlsig extracts segment-based features)
//!   kernelRadius: 2
//! ```
//!
//! Parsing has two stages. [`RawParams`] mirrors the file: serde with PyRadiomics' key names and
//! `deny_unknown_fields`, so a misspelt key is an error that names it (it is public so that
//! experiment configs can embed the same table, in YAML, TOML or JSON). [`ExtractionSettings`] is the
//! checked plan made from it by `TryFrom`: every range of PyRadiomics' `paramSchema.yaml` is
//! checked, all problems are reported at once, feature class and feature names are checked
//! against the implemented families, and PyRadiomics' defaults (`_getDefaultSettings` and the
//! feature classes' own defaults) are filled in — in [`RawSettings::pyradiomics_defaults`], the
//! one place they live.
//!
//! Differences from PyRadiomics, all in the direction of refusing instead of guessing:
//! `resampledPixelSpacing` with `interpolator: null` (PyRadiomics silently skips resampling),
//! `featureClass: shape2D` without `force2D` (PyRadiomics logs a warning and skips it), vector
//! masks (`label_channel` other than 0), and per-image-type overrides of preprocessing settings
//! (PyRadiomics ignores them) are errors. When a parameter file has no `featureClass`, all
//! classes are enabled as in PyRadiomics, except that `shape2D` is enabled only with `force2D`
//! (where PyRadiomics would skip it with a warning).

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use radlsig_volume::{Binning, Interpolator, ResegmentMode};
use serde::Deserialize;
use serde::de::{Deserializer, Error as _, MapAccess, Visitor};

use crate::texture::{TextureSettings, WeightingNorm};
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
        serde_yaml::from_str(text).map_err(|e| Error::Settings(format!("{what}: {e}")))
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
    fn preprocessing_keys(&self) -> Vec<&'static str> {
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

/// The PyRadiomics feature classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeatureClass {
    /// `firstorder`: intensity statistics ([`crate::firstorder`]).
    FirstOrder,
    /// `glcm`: grey level co-occurrence matrix.
    Glcm,
    /// `gldm`: grey level dependence matrix.
    Gldm,
    /// `glrlm`: grey level run length matrix.
    Glrlm,
    /// `glszm`: grey level size zone matrix.
    Glszm,
    /// `ngtdm`: neighbouring grey tone difference matrix.
    Ngtdm,
    /// `shape`: 3D shape.
    Shape,
    /// `shape2D`: 2D shape (with `force2D`).
    Shape2D,
}

impl FeatureClass {
    /// Every class, in PyRadiomics' order (`getFeatureClasses`, alphabetical by module).
    pub const ALL: [FeatureClass; 8] = [
        FeatureClass::FirstOrder,
        FeatureClass::Glcm,
        FeatureClass::Gldm,
        FeatureClass::Glrlm,
        FeatureClass::Glszm,
        FeatureClass::Ngtdm,
        FeatureClass::Shape,
        FeatureClass::Shape2D,
    ];

    /// The PyRadiomics class name, as in parameter files and column names.
    pub fn name(self) -> &'static str {
        match self {
            FeatureClass::FirstOrder => "firstorder",
            FeatureClass::Glcm => "glcm",
            FeatureClass::Gldm => "gldm",
            FeatureClass::Glrlm => "glrlm",
            FeatureClass::Glszm => "glszm",
            FeatureClass::Ngtdm => "ngtdm",
            FeatureClass::Shape => "shape",
            FeatureClass::Shape2D => "shape2D",
        }
    }

    /// The class with PyRadiomics name `name`.
    pub fn from_name(name: &str) -> Option<FeatureClass> {
        FeatureClass::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The class's features as (PyRadiomics name, deprecated?), in PyRadiomics' order.
    pub fn features(self) -> &'static [(&'static str, bool)] {
        crate::extractor::class_features(self)
    }

    /// Whether the class describes the mask only (computed once, on the original image).
    pub fn is_shape(self) -> bool {
        matches!(self, FeatureClass::Shape | FeatureClass::Shape2D)
    }
}

impl fmt::Display for FeatureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which features of a class are computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeatureSelection {
    /// All non-deprecated features, in the class's order (`null` or `[]` in the file).
    AllNonDeprecated,
    /// These features, in this order (deprecated ones included if listed).
    Listed(Vec<&'static str>),
}

impl FeatureSelection {
    /// The selected feature names of `class`, in output order.
    pub fn names(&self, class: FeatureClass) -> Vec<&'static str> {
        match self {
            FeatureSelection::AllNonDeprecated => class
                .features()
                .iter()
                .filter(|(_, deprecated)| !deprecated)
                .map(|(n, _)| *n)
                .collect(),
            FeatureSelection::Listed(names) => names.clone(),
        }
    }
}

/// PyRadiomics' image types (input images: the original or a filtered derivative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum ImageType {
    Original,
    LoG,
    Wavelet,
    Square,
    SquareRoot,
    Logarithm,
    Exponential,
    Gradient,
    Lbp2D,
    Lbp3D,
}

impl ImageType {
    /// Every image type PyRadiomics knows.
    pub const ALL: [ImageType; 10] = [
        ImageType::Original,
        ImageType::LoG,
        ImageType::Wavelet,
        ImageType::Square,
        ImageType::SquareRoot,
        ImageType::Logarithm,
        ImageType::Exponential,
        ImageType::Gradient,
        ImageType::Lbp2D,
        ImageType::Lbp3D,
    ];

    /// The name used in parameter files (`imageType` keys).
    pub fn name(self) -> &'static str {
        match self {
            ImageType::Original => "Original",
            ImageType::LoG => "LoG",
            ImageType::Wavelet => "Wavelet",
            ImageType::Square => "Square",
            ImageType::SquareRoot => "SquareRoot",
            ImageType::Logarithm => "Logarithm",
            ImageType::Exponential => "Exponential",
            ImageType::Gradient => "Gradient",
            ImageType::Lbp2D => "LBP2D",
            ImageType::Lbp3D => "LBP3D",
        }
    }

    /// The image type named `name` in a parameter file.
    pub fn from_name(name: &str) -> Option<ImageType> {
        ImageType::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// Settings that act on feature values, which PyRadiomics lets each image type override.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSettings {
    /// `binWidth` / `binCount` (a given `binCount` wins, as in PyRadiomics).
    pub binning: Binning,
    /// `voxelArrayShift`, added to grey levels in firstorder Energy, TotalEnergy and RMS.
    pub voxel_array_shift: f64,
    /// `distances`, `symmetricalGLCM`, `weightingNorm`, `gldm_a`, `force2D`/`force2Ddimension`.
    pub texture: TextureSettings,
}

/// Filter settings, checked but used only by filtered image types (not implemented yet).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct FilterSettings {
    /// LoG `sigma` values in mm (no default: LoG needs them).
    pub sigma: Vec<f64>,
    pub start_level: u32,
    pub level: u32,
    pub wavelet: String,
    pub gradient_use_spacing: bool,
    pub lbp_2d_radius: f64,
    pub lbp_2d_samples: u32,
    pub lbp_2d_method: String,
    pub lbp_3d_levels: u32,
    pub lbp_3d_icosphere_radius: f64,
    pub lbp_3d_icosphere_subdivision: u32,
}

/// One enabled image type with its (merged) feature and filter settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageTypeSettings {
    /// The image type.
    pub image_type: ImageType,
    /// Feature settings after the image type's overrides.
    pub features: FeatureSettings,
    /// Filter settings after the image type's overrides.
    pub filter: FilterSettings,
}

/// `normalize` with `normalizeScale` and `removeOutliers`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// `normalizeScale`.
    pub scale: f64,
    /// `removeOutliers`, in standard deviations.
    pub remove_outliers: Option<f64>,
}

/// `resampledPixelSpacing` with `interpolator`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resampling {
    /// Target spacing (x, y, z) in mm; 0 keeps the mask's spacing along that axis.
    pub spacing: [f64; 3],
    /// The image interpolator (the mask always uses nearest neighbour).
    pub interpolator: Interpolator,
}

/// `resegmentRange` with `resegmentMode` and `resegmentShape`.
#[derive(Debug, Clone, PartialEq)]
pub struct Resegmentation {
    /// One threshold (keep `x ≥ t`) or two (keep `t₀ ≤ x ≤ t₁`).
    pub range: Vec<f64>,
    /// How the thresholds are read.
    pub mode: ResegmentMode,
    /// Whether shape features use the re-segmented mask too (`resegmentShape`).
    pub shape: bool,
}

/// Voxel-based extraction settings (`voxelSetting`), checked and kept; radlsig extracts
/// segment-based features only, so an extractor refuses them.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct VoxelSettings {
    pub kernel_radius: u32,
    pub masked_kernel: bool,
    pub init_value: f64,
    pub voxel_batch: Option<u32>,
}

/// Checked extraction settings: what to compute and how, with PyRadiomics' defaults filled in.
///
/// Made from a parameter file ([`ExtractionSettings::from_yaml_file`], `TryFrom<RawParams>`) or
/// [`Default`] (PyRadiomics' defaults: Original image, every class but `shape2D`, binWidth 25).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractionSettings {
    label: i64,
    minimum_roi_dimensions: usize,
    minimum_roi_size: Option<usize>,
    geometry_tolerance: Option<f64>,
    correct_mask: bool,
    additional_info: bool,
    normalization: Option<Normalization>,
    resampling: Option<Resampling>,
    pad_distance: usize,
    pre_crop: bool,
    resegmentation: Option<Resegmentation>,
    force_2d_dimension: Option<usize>,
    image_types: Vec<ImageTypeSettings>,
    feature_classes: Vec<(FeatureClass, FeatureSelection)>,
    voxel: Option<VoxelSettings>,
}

impl Default for ExtractionSettings {
    fn default() -> Self {
        // PyRadiomics' extractor without a parameter file: defaults, Original, all classes
        // except shape2D. The defaults always validate.
        let mut raw = RawParams::default();
        let classes = FeatureClass::ALL.iter().filter(|c| **c != FeatureClass::Shape2D);
        raw.feature_class =
            Some(OrderedMap(classes.map(|c| (c.name().to_string(), None)).collect()));
        match ExtractionSettings::try_from(raw) {
            Ok(s) => s,
            Err(e) => unreachable!("PyRadiomics' defaults are valid: {e}"),
        }
    }
}

impl ExtractionSettings {
    /// Reads and checks a YAML parameter file; errors name the file.
    pub fn from_yaml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Settings(format!("{}: {e}", path.display())))?;
        Self::from_yaml_str(&text, &path.display().to_string())
    }

    /// Parses and checks a YAML parameter file's text; `what` names it in errors.
    pub fn from_yaml_str(text: &str, what: &str) -> Result<Self> {
        let raw = RawParams::from_yaml_str(text, what)?;
        ExtractionSettings::try_from(raw).map_err(|e| Error::Settings(format!("{what}: {e}")))
    }

    /// The same settings with another `label` (the CLI's `--label`). Fails unless `label > 0`.
    pub fn with_label(mut self, label: i64) -> Result<Self> {
        if label <= 0 {
            return Err(Error::Settings(format!("label: {label} is not > 0")));
        }
        self.label = label;
        Ok(self)
    }

    /// `label`: the mask value of the ROI.
    pub fn label(&self) -> i64 {
        self.label
    }
    /// `minimumROIDimensions` (1–3).
    pub fn minimum_roi_dimensions(&self) -> usize {
        self.minimum_roi_dimensions
    }
    /// `minimumROISize`: the ROI must hold more voxels than this.
    pub fn minimum_roi_size(&self) -> Option<usize> {
        self.minimum_roi_size
    }
    /// `geometryTolerance` (ITK's default 1e-6 when `None`).
    pub fn geometry_tolerance(&self) -> Option<f64> {
        self.geometry_tolerance
    }
    /// `correctMask`: resample a mask that does not fit the image grid.
    pub fn correct_mask(&self) -> bool {
        self.correct_mask
    }
    /// `additionalInfo` (diagnostics are always collected; this is kept for provenance).
    pub fn additional_info(&self) -> bool {
        self.additional_info
    }
    /// `normalize` and its parameters.
    pub fn normalization(&self) -> Option<Normalization> {
        self.normalization
    }
    /// Resampling, when `resampledPixelSpacing` is given.
    pub fn resampling(&self) -> Option<Resampling> {
        self.resampling
    }
    /// `padDistance` in voxels.
    pub fn pad_distance(&self) -> usize {
        self.pad_distance
    }
    /// `preCrop`.
    pub fn pre_crop(&self) -> bool {
        self.pre_crop
    }
    /// Re-segmentation, when `resegmentRange` is given.
    pub fn resegmentation(&self) -> Option<&Resegmentation> {
        self.resegmentation.as_ref()
    }
    /// `force2Ddimension` when `force2D` is on (the global setting, which shape2D uses).
    pub fn force_2d_dimension(&self) -> Option<usize> {
        self.force_2d_dimension
    }
    /// The enabled image types, in output order.
    pub fn image_types(&self) -> &[ImageTypeSettings] {
        &self.image_types
    }
    /// The enabled feature classes with their feature selections, in PyRadiomics' order of
    /// computation (the file's order; shape classes are always computed first).
    pub fn feature_classes(&self) -> &[(FeatureClass, FeatureSelection)] {
        &self.feature_classes
    }
    /// `voxelSetting`, if given.
    pub fn voxel(&self) -> Option<&VoxelSettings> {
        self.voxel.as_ref()
    }
}

/// Collects every problem found while checking a parameter file.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, msg: String) {
        self.0.push(msg);
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
            self.push(format!("{key}: {v} is not >= {m}"));
            return None;
        }
        if let Some(m) = min_ex
            && v <= m
        {
            self.push(format!("{key}: {v} is not > {m}"));
            return None;
        }
        if let Some(m) = max
            && v > m
        {
            self.push(format!("{key}: {v} is not <= {m}"));
            return None;
        }
        Some(v)
    }

    fn positive(&mut self, key: &str, v: Option<f64>) -> Option<f64> {
        let v = v?;
        if !(v > 0.0 && v.is_finite()) {
            self.push(format!("{key}: {v} is not a finite number > 0"));
            return None;
        }
        Some(v)
    }

    fn one_of(&mut self, key: &str, v: Option<&str>, allowed: &[&str]) -> Option<String> {
        let v = v?;
        if allowed.contains(&v) {
            Some(v.to_string())
        } else {
            self.push(format!("{key}: {v:?} is not one of {allowed:?}"));
            None
        }
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
                p.push(format!("{}: neither binWidth nor binCount is set", k("binWidth")));
            }
            None
        }
    };
    let mut distances = Vec::new();
    match &s.distances {
        Some(d) if d.is_empty() => {
            p.push(format!("{}: at least one distance is needed", k("distances")))
        }
        Some(d) => {
            for &v in d {
                if v <= 0 || v > u32::MAX as i64 {
                    p.push(format!("{}: {v} is not an integer > 0", k("distances")));
                } else {
                    distances.push(v as u32);
                }
            }
        }
        None => p.push(format!("{}: missing", k("distances"))),
    }
    let weighting_norm = match s.weighting_norm.as_deref() {
        None => Some(WeightingNorm::None),
        Some("manhattan") => Some(WeightingNorm::Manhattan),
        Some("euclidean") => Some(WeightingNorm::Euclidean),
        Some("infinity") => Some(WeightingNorm::Infinity),
        Some("no_weighting") => Some(WeightingNorm::NoWeighting),
        Some(other) => {
            p.push(format!(
                "{}: {other:?} is not one of [\"euclidean\", \"manhattan\", \"infinity\", \"no_weighting\"] or null",
                k("weightingNorm")
            ));
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
            p.push(format!("{}: {w:?} is not a PyWavelets wavelet name", k("wavelet")));
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
            Err(e) => {
                p.push(format!("interpolator: {e}"));
                None
            }
        },
        // SimpleITK's enum codes (PyRadiomics' schema allows 1-10).
        RawInterpolator::Code(1) => Some(Interpolator::NearestNeighbor),
        RawInterpolator::Code(2) => Some(Interpolator::Linear),
        RawInterpolator::Code(c) if (3..=10).contains(c) => {
            p.push(format!(
                "interpolator: code {c} is not supported (its meaning changed between SimpleITK versions); give the name, e.g. sitkBSpline"
            ));
            None
        }
        RawInterpolator::Code(c) => {
            p.push(format!("interpolator: {c} is not in the range 1-10"));
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
            p.push(format!(
                "label_channel: {c}: vector (multi-channel) masks are not supported; only channel 0"
            ));
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
                p.push(format!(
                    "resampledPixelSpacing: {} values given; 3 (x, y, z) are needed",
                    v.len()
                ));
                None
            }
            Some(v) => {
                if let Some(bad) = v.iter().find(|x| !(**x >= 0.0 && x.is_finite())) {
                    p.push(format!("resampledPixelSpacing: {bad} is not a finite number >= 0"));
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
                p.push(
                    "resampledPixelSpacing is set but interpolator is null (PyRadiomics would silently skip resampling); set an interpolator or remove resampledPixelSpacing"
                        .into(),
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
                p.push(format!("resegmentRange: {} values given; 1 or 2 are allowed", r.len()));
                None
            }
            Some(r) if r.iter().any(|v| !v.is_finite()) => {
                p.push(format!("resegmentRange: {r:?} holds a non-finite value"));
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
                p.push(format!("imageType: {name:?} is not one of {known:?}"));
                continue;
            };
            let custom = custom.unwrap_or_default();
            let pre = custom.preprocessing_keys();
            if !pre.is_empty() {
                p.push(format!(
                    "imageType.{name}: {} cannot be set per image type (PyRadiomics applies it once, before any image type); move it to setting",
                    pre.join(", ")
                ));
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
                p.push(format!("featureClass: {name:?} is not one of {known:?}"));
                continue;
            };
            if class == FeatureClass::Shape2D && !force_2d {
                p.push("featureClass.shape2D: needs setting force2D: true (and force2Ddimension, the out-of-plane axis)".into());
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
                            None => {
                                p.push(format!("featureClass.{name}: unknown feature {feature:?}"))
                            }
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
                        p.push(format!("voxelSetting.initValue: {t:?} is not a number"));
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
            // A setting shared by several image types is reported once.
            let mut unique: Vec<String> = Vec::new();
            for problem in p.0 {
                if !unique.contains(&problem) {
                    unique.push(problem);
                }
            }
            return Err(Error::Settings(unique.join("; ")));
        }
        // Every value used below was checked above; a missing one means a problem was pushed.
        let missing = |what: &str| Error::Settings(format!("{what}: internal check failed"));
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
    fn defaults_are_pyradiomics_defaults() {
        let s = ExtractionSettings::default();
        assert_eq!(s.label(), 1);
        assert_eq!(s.minimum_roi_dimensions(), 2);
        assert_eq!(s.pad_distance(), 5);
        assert!(
            s.resampling().is_none() && s.normalization().is_none() && s.resegmentation().is_none()
        );
        assert_eq!(s.image_types().len(), 1);
        let f = &s.image_types()[0].features;
        assert_eq!(f.binning, Binning::Width(25.0));
        assert_eq!(f.voxel_array_shift, 0.0);
        assert_eq!(f.texture, TextureSettings::default());
        let classes: Vec<&str> = s.feature_classes().iter().map(|(c, _)| c.name()).collect();
        assert_eq!(classes, ["firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm", "shape"]);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = ExtractionSettings::from_yaml_str("setting:\n  binwidth: 5\n", "p.yaml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("p.yaml") && e.contains("binwidth"), "{e}");
        let e = ExtractionSettings::from_yaml_str("settings:\n  binWidth: 5\n", "p.yaml")
            .unwrap_err()
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
