//! The checked settings the library takes: what to compute and how, with PyRadiomics'
//! defaults filled in.

use std::fmt;
use std::path::Path;

use radlsig_volume::{Binning, Interpolator, ResegmentMode};

use super::raw::{OrderedMap, RawParams};
use crate::texture::TextureSettings;
use crate::{Error, Result, SettingProblem};

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
    pub(super) label: i64,
    pub(super) minimum_roi_dimensions: usize,
    pub(super) minimum_roi_size: Option<usize>,
    pub(super) geometry_tolerance: Option<f64>,
    pub(super) correct_mask: bool,
    pub(super) additional_info: bool,
    pub(super) normalization: Option<Normalization>,
    pub(super) resampling: Option<Resampling>,
    pub(super) pad_distance: usize,
    pub(super) pre_crop: bool,
    pub(super) resegmentation: Option<Resegmentation>,
    pub(super) force_2d_dimension: Option<usize>,
    pub(super) image_types: Vec<ImageTypeSettings>,
    pub(super) feature_classes: Vec<(FeatureClass, FeatureSelection)>,
    pub(super) voxel: Option<VoxelSettings>,
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
        let text = std::fs::read_to_string(path).map_err(|source| {
            Error::Volume(radlsig_volume::Error::Io { path: path.to_path_buf(), source })
        })?;
        Self::from_yaml_str(&text, &path.display().to_string())
    }

    /// Parses and checks a YAML parameter file's text; `what` names it in errors.
    pub fn from_yaml_str(text: &str, what: &str) -> Result<Self> {
        let raw = RawParams::from_yaml_str(text, what)?;
        ExtractionSettings::try_from(raw).map_err(|e| e.in_settings(what))
    }

    /// The same settings with another `label` (the CLI's `--label`). Fails unless `label > 0`.
    pub fn with_label(mut self, label: i64) -> Result<Self> {
        if label <= 0 {
            return Err(Error::setting(SettingProblem::out_of_range("label", label, "> 0")));
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
}
