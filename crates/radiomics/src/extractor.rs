//! The extraction pipeline: PyRadiomics' `RadiomicsFeatureExtractor.execute`, step for step.
//!
//! For one image and mask, [`Extractor::extract`] runs, in PyRadiomics' order:
//!
//! 1. **load** both files; the image must be finite and the mask must hold `label`;
//! 2. **normalise** the whole image (`normalize`, `normalizeScale`, `removeOutliers`);
//! 3. **resample** image and mask to `resampledPixelSpacing` (which also crops them to the ROI's
//!    bounding box plus `padDistance`), or else **pre-crop** them (`preCrop`) after a mask check;
//! 4. **check the mask** (`checkMask`): same grid as the image within `geometryTolerance`, or
//!    resampled onto it with `correctMask`; `label` present; not a single voxel; at least
//!    `minimumROIDimensions` dimensions and more than `minimumROISize` voxels;
//! 5. **re-segment** (`resegmentRange`, `resegmentMode`) and check the new mask again; its
//!    bounding box is used from here on;
//! 6. **shape** (`shape`, `shape2D`) on the mask cropped to that bounding box — the mask from
//!    before re-segmentation unless `resegmentShape` (PyRadiomics crops the original mask to the
//!    re-segmented mask's box, and so do we);
//! 7. for each **image type** ([`crate::filters`]), the image and re-segmented mask cropped
//!    to the bounding box, then every other enabled class in the parameter file's order.
//!
//! The result keeps the computation ([`Extraction`]: values per image type and class) apart
//! from the naming layer ([`FeatureVector`]: `<imageType>_<class>_<Feature>` columns, as
//! PyRadiomics names them).

use std::borrow::Cow;
use std::path::Path;

use radlsig_volume::{
    BoundingBox, Geometry, GeometryTolerance, Mask, PixelType, Volume, check_geometry,
    correct_mask, normalize, read_header, read_label_mask, read_volume, read_volume_region,
    resample_image_and_mask, resegment,
};
use rayon::prelude::*;

use crate::filters::{ImageFilter, filtered_images};
use crate::firstorder::{self, Intensities};
use crate::settings::{
    ExtractionSettings, FeatureClass, FeatureSelection, FeatureSettings, ImageType,
    ImageTypeSettings, Resampling,
};
use crate::texture::DiscretisedImage;
use crate::{Error, Result, RoiShortfall, SettingProblem};

/// The features of `class`, as (PyRadiomics name, deprecated?), in PyRadiomics' order; empty
/// for a class whose module is not in this build.
pub(crate) fn class_features(class: FeatureClass) -> &'static [(&'static str, bool)] {
    match class {
        FeatureClass::FirstOrder => firstorder::FEATURES,
        FeatureClass::Glcm => crate::glcm::FEATURES,
        FeatureClass::Gldm => crate::gldm::FEATURES,
        FeatureClass::Glrlm => crate::glrlm::FEATURES,
        FeatureClass::Glszm => crate::glszm::FEATURES,
        FeatureClass::Ngtdm => crate::ngtdm::FEATURES,
        FeatureClass::Shape => crate::shape::FEATURES,
        FeatureClass::Shape2D => crate::shape2d::FEATURES,
    }
}

/// The values of one feature class: (PyRadiomics feature name, value), in output order.
pub type FeatureValues = Vec<(&'static str, f64)>;

/// `(name, f(computed))` for each feature of a family, in the order of its `FEATURES` list
/// (`functions` holds one function per entry), `computed` being the family's matrix or mesh.
pub(crate) fn evaluate<M>(
    computed: &M,
    features: &[(&'static str, bool)],
    functions: &[fn(&M) -> f64],
) -> FeatureValues {
    features.iter().zip(functions).map(|(&(name, _), f)| (name, f(computed))).collect()
}

/// Deprecated feature names of `class` that PyRadiomics accepts in a parameter file but for
/// which it outputs no value.
pub(crate) fn class_deprecated_without_value(class: FeatureClass) -> &'static [&'static str] {
    match class {
        FeatureClass::Glcm => crate::glcm::DEPRECATED_WITHOUT_VALUE,
        FeatureClass::Gldm => crate::gldm::DEPRECATED_WITHOUT_VALUE,
        _ => &[],
    }
}

/// All features of a texture class, one per entry of its `FEATURES`.
fn texture_features(
    class: FeatureClass,
    image: &DiscretisedImage,
    settings: &FeatureSettings,
) -> Result<FeatureValues> {
    let t = &settings.texture;
    match class {
        FeatureClass::Glcm => crate::glcm::features(image, t),
        FeatureClass::Gldm => crate::gldm::features(image, t),
        FeatureClass::Glrlm => crate::glrlm::features(image, t),
        FeatureClass::Glszm => crate::glszm::features(image, t),
        FeatureClass::Ngtdm => crate::ngtdm::features(image, t),
        other => Err(Error::WrongClass { class: other, expected: "texture" }),
    }
}

/// All features of a shape class for the mask cropped to the ROI's bounding box.
///
/// `force_2d_dimension` is the global `force2Ddimension` when `force2D` is on (PyRadiomics
/// computes shape with the global settings, not an image type's).
fn shape_features(
    class: FeatureClass,
    mask: &Mask,
    force_2d_dimension: Option<usize>,
) -> Result<FeatureValues> {
    match class {
        FeatureClass::Shape => crate::shape::features(mask),
        FeatureClass::Shape2D => {
            let dimension = force_2d_dimension.ok_or_else(|| {
                Error::setting(SettingProblem::refused(
                    "featureClass.shape2D",
                    "needs setting force2D: true",
                ))
            })?;
            // PyRadiomics (`computeShape`) indexes the bounding box size in (x, y, z) order
            // with force2Ddimension (an array axis, z = 0) and skips shape2D with a warning
            // when that size is 1. radlsig refuses instead of skipping silently.
            let size_xyz = mask.geometry().size;
            if size_xyz[dimension] <= 1 {
                return Err(Error::Shape2dSkipped { axis: dimension });
            }
            crate::shape2d::features(mask, dimension)
        }
        other => Err(Error::WrongClass { class: other, expected: "shape" }),
    }
}

/// Provenance of one extraction (PyRadiomics' `diagnostics_*` values that matter for checking
/// inputs), kept apart from the features.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostics {
    /// The image grid as read.
    pub image_geometry: Geometry,
    /// Voxels carrying `label` in the mask as read.
    pub mask_voxels: usize,
    /// The grid features were computed on, after resampling or pre-cropping (the image grid
    /// otherwise).
    pub processed_geometry: Geometry,
    /// Whether `correctMask` resampled the mask onto the image grid.
    pub mask_corrected: bool,
    /// The ROI's bounding box on the processed grid (`[z, y, x]`, inclusive) after
    /// re-segmentation; image and mask are cropped to it.
    pub bounding_box: BoundingBox,
    /// ROI voxels used by the non-shape classes (after re-segmentation).
    pub roi_voxels: usize,
    /// ROI voxels used by the shape classes.
    pub shape_voxels: usize,
}

/// The features of one class on one image type, in output order.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassFeatures {
    /// The image type's output name (`original`; later e.g. `log-sigma-1-0-mm-3D`).
    pub image_type: String,
    /// The feature class.
    pub class: FeatureClass,
    /// (PyRadiomics feature name, value), in output order.
    pub values: FeatureValues,
}

/// Everything one extraction computed, grouped by image type and class.
#[derive(Debug, Clone, PartialEq)]
pub struct Extraction {
    /// Per image type and class, in PyRadiomics' output order (shape classes first).
    pub classes: Vec<ClassFeatures>,
    /// Provenance.
    pub diagnostics: Diagnostics,
}

impl Extraction {
    /// The flat feature vector with PyRadiomics' column names.
    pub fn into_feature_vector(self) -> FeatureVector {
        let features = self
            .classes
            .iter()
            .flat_map(|c| {
                c.values.iter().map(move |(name, v)| {
                    (format!("{}_{}_{}", c.image_type, c.class.name(), name), *v)
                })
            })
            .collect();
        FeatureVector { features, diagnostics: self.diagnostics }
    }
}

/// The features of one case as named columns, in PyRadiomics' order.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureVector {
    /// (`<imageType>_<class>_<Feature>`, value), e.g. `original_firstorder_Mean`.
    pub features: Vec<(String, f64)>,
    /// Provenance, not part of the features.
    pub diagnostics: Diagnostics,
}

impl FeatureVector {
    /// The value of the feature named `name`.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.features.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }

    /// The feature names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.features.iter().map(|(n, _)| n.as_str())
    }
}

/// The output name of an image type (the prefix of its columns).
pub(crate) fn image_type_prefix(t: ImageType) -> &'static str {
    match t {
        ImageType::Original => "original",
        ImageType::LoG => "log",
        ImageType::Wavelet => "wavelet",
        ImageType::Square => "square",
        ImageType::SquareRoot => "squareroot",
        ImageType::Logarithm => "logarithm",
        ImageType::Exponential => "exponential",
        ImageType::Gradient => "gradient",
        ImageType::Lbp2D => "lbp-2D",
        ImageType::Lbp3D => "lbp-3D",
    }
}

/// Wraps `e` with the file(s) it concerns unless its messages already name them.
fn in_input(what: &str, e: Error) -> Error {
    if e.chain().to_string().contains(what) {
        e
    } else {
        Error::Input { what: what.to_string(), source: Box::new(e) }
    }
}

/// Computes PyRadiomics features for image/mask pairs with fixed settings.
///
/// Cheap to share between threads; every call is independent.
#[derive(Debug, Clone)]
pub struct Extractor {
    settings: ExtractionSettings,
}

impl Extractor {
    /// An extractor for `settings`.
    ///
    /// Fails (before any volume is read) when the settings ask for something radlsig does not
    /// compute: the image types `LBP2D`/`LBP3D` (see [`ImageFilter::from_settings`]),
    /// voxel-based extraction, or a feature class missing from this build.
    pub fn new(settings: ExtractionSettings) -> Result<Self> {
        let mut problems = Vec::new();
        for it in settings.image_types() {
            // Filters radlsig does not compute (LBP2D, LBP3D, unknown wavelets) are refused here.
            match ImageFilter::from_settings(it) {
                Ok(_) => {}
                Err(Error::InvalidSettings { problems: p, .. }) => problems.extend(p),
                Err(e) => problems.push(SettingProblem::refused(
                    format!("imageType.{}", it.image_type.name()),
                    e.chain().to_string(),
                )),
            }
        }
        if settings.voxel().is_some() {
            problems.push(SettingProblem::refused(
                "voxelSetting",
                "voxel-based extraction is not supported (radlsig extracts segment-based features); remove voxelSetting",
            ));
        }
        for (class, _) in settings.feature_classes() {
            if class_features(*class).is_empty() {
                problems.push(SettingProblem::refused(
                    format!("featureClass.{class}"),
                    "not implemented yet",
                ));
            }
        }
        if problems.is_empty() {
            Ok(Extractor { settings })
        } else {
            Err(Error::InvalidSettings { what: None, problems })
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> &ExtractionSettings {
        &self.settings
    }

    /// Reads an image and a mask (NRRD or NIfTI) and extracts their features.
    ///
    /// Every error names the file it concerns.
    pub fn extract(&self, image_path: &Path, mask_path: &Path) -> Result<FeatureVector> {
        Ok(self.extract_files(image_path, mask_path)?.into_feature_vector())
    }

    /// As [`extract`](Self::extract), keeping the per-image-type, per-class grouping.
    pub fn extract_files(&self, image_path: &Path, mask_path: &Path) -> Result<Extraction> {
        let (image, labels, whole_geometry) = match self.read_region(image_path, mask_path)? {
            Some((image, labels, geometry)) => (image, labels, Some(geometry)),
            None => (read_volume(image_path)?, read_volume(mask_path)?, None),
        };
        let image_name = image_path.display().to_string();
        let mut extraction = self.extract_image_types(
            &image,
            &labels,
            &image_name,
            &mask_path.display().to_string(),
        )?;
        if let Some(geometry) = whole_geometry {
            extraction.diagnostics.image_geometry = geometry;
        }
        Ok(extraction)
    }

    /// The fast path of [`extract_files`](Self::extract_files), taken when no step needs the
    /// image outside the ROI's box (no normalisation, resampling or filter — normalisation uses
    /// whole-image statistics, resampling and filters whole-image neighbourhoods): the mask is
    /// decoded straight to booleans and only the ROI's bounding box grown by `padDistance` is
    /// read from the image. Every later step crops to that box or within it, so the features
    /// are those of the whole-image path (the PyRadiomics reference tests go through here).
    /// Returns that image region, its label volume and the whole image's geometry, or `None`
    /// where the whole-image path must run: other settings, label 0, or a mask whose grid
    /// differs from the image's (correctMask and its error messages live there).
    fn read_region(
        &self,
        image_path: &Path,
        mask_path: &Path,
    ) -> Result<Option<(Volume, Volume, Geometry)>> {
        let s = &self.settings;
        let label = s.label();
        let original_only = s.image_types().iter().all(|it| it.image_type == ImageType::Original);
        if s.normalization().is_some() || s.resampling().is_some() || !original_only || label == 0 {
            return Ok(None);
        }
        let (image_geometry, _) = read_header(image_path)?;
        let mask = read_label_mask(mask_path, label)?;
        let tolerance = s.geometry_tolerance().map(GeometryTolerance::uniform).unwrap_or_default();
        if image_geometry.check_same_grid(mask.geometry(), tolerance).is_err() {
            return Ok(None);
        }
        let Some(bbox) = mask.bounding_box() else { return Ok(None) };
        let region = bbox.padded(s.pad_distance(), image_geometry.shape_zyx());
        let image = read_volume_region(image_path, &region)?;
        let labels = mask.crop(&region)?.data().mapv(|m| if m { label as f64 } else { 0.0 });
        let labels = Volume::new(labels, *image.geometry(), PixelType::Int32)?;
        Ok(Some((image, labels, image_geometry)))
    }

    /// Extracts the features of an image and a label volume already in memory (the mask is the
    /// voxels of `labels` equal to the settings' `label`).
    pub fn extract_volumes(&self, image: &Volume, labels: &Volume) -> Result<FeatureVector> {
        Ok(self.extract_image_types(image, labels, "image", "mask")?.into_feature_vector())
    }

    /// As [`extract_volumes`](Self::extract_volumes), keeping the per-image-type, per-class
    /// grouping; `image_name` and `mask_name` name the inputs in errors.
    pub fn extract_image_types(
        &self,
        image: &Volume,
        labels: &Volume,
        image_name: &str,
        mask_name: &str,
    ) -> Result<Extraction> {
        let s = &self.settings;
        let label = s.label();

        // 1. Load: finite image, mask holding the label (PyRadiomics' getMask).
        image.check_finite(image_name)?;
        labels.check_finite(mask_name)?;
        let label_mask = Mask::from_labels(labels, label, mask_name)?;
        let mask_voxels = label_mask.count();
        let image_geometry = *image.geometry();
        // Volumes are copied only when a step changes them. `known` is the mask of `labels`
        // while it is still valid, so that it is not recomputed.
        let mut image: Cow<'_, Volume> = Cow::Borrowed(image);
        let mut labels: Cow<'_, Volume> = Cow::Borrowed(labels);
        let mut known = Some(label_mask);

        // 2. Normalise the whole image.
        if let Some(n) = s.normalization() {
            let normalized = normalize(&image, n.scale, n.remove_outliers)
                .map_err(|e| in_input(image_name, e.into()))?;
            image = Cow::Owned(normalized);
        }

        // 3. Resample, or pre-crop.
        if let Some(r) = s.resampling() {
            let (i, l) = self
                .resample(&image, &labels, r)
                .map_err(|e| in_input(&format!("{image_name} with mask {mask_name}"), e))?;
            (image, labels, known) = (Cow::Owned(i), Cow::Owned(l), None);
        } else if s.pre_crop() {
            let checked = self.check_mask(&image, labels, known.take(), image_name, mask_name)?;
            let bbox = checked.bbox.padded(s.pad_distance(), image.geometry().shape_zyx());
            let cropped_image = image.crop(&bbox)?;
            image = Cow::Owned(cropped_image);
            labels = Cow::Owned(checked.labels.crop(&bbox)?);
            known = Some(checked.mask.crop(&bbox)?);
        }

        // 4. Check the mask (and correct it onto the image grid if asked).
        let checked = self.check_mask(&image, labels, known, image_name, mask_name)?;
        let mask_corrected = checked.corrected;
        let mut bbox = checked.bbox;
        let mut mask = checked.mask;

        // 5. Re-segment; the new mask's box is used from here on.
        let mut shape_mask = mask.clone();
        if let Some(r) = s.resegmentation() {
            let re = resegment(&image, &mask, &r.range, r.mode, mask_name)?;
            bbox = self.check_roi(&re, mask_name)?;
            if r.shape {
                shape_mask = re.clone();
            }
            mask = re;
        }

        // 6. Shape classes on the (non-re-segmented) mask cropped to the box, without padding.
        let shape_cropped = shape_mask.crop(&bbox)?;
        let mut classes: Vec<ClassFeatures> = Vec::new();
        for (class, selection) in s.feature_classes().iter().filter(|(c, _)| c.is_shape()) {
            let all = shape_features(*class, &shape_cropped, s.force_2d_dimension())
                .map_err(|e| in_input(mask_name, e))?;
            classes.push(ClassFeatures {
                image_type: image_type_prefix(ImageType::Original).to_string(),
                class: *class,
                values: select(*class, selection, all)?,
            });
        }

        // 7. The other classes per image type: each derived image (PyRadiomics filters the
        //    whole processed image) and the mask, cropped to the box.
        let cropped_mask = mask.crop(&bbox)?;
        for it in s.image_types() {
            let what = format!("{image_name} with mask {mask_name}");
            let filter = ImageFilter::from_settings(it)?;
            let images = filtered_images(&image, &mask, &filter).map_err(|e| in_input(&what, e))?;
            for (prefix, filtered) in &images {
                let per_type = self
                    .image_type_features(it, prefix, filtered, &cropped_mask)
                    .map_err(|e| in_input(&what, e))?;
                classes.extend(per_type);
            }
        }

        Ok(Extraction {
            classes,
            diagnostics: Diagnostics {
                image_geometry,
                mask_voxels,
                processed_geometry: *image.geometry(),
                mask_corrected,
                bounding_box: bbox,
                roi_voxels: mask.count(),
                shape_voxels: shape_cropped.count(),
            },
        })
    }

    /// The non-shape classes of one image type (computed in parallel, returned in order).
    fn image_type_features(
        &self,
        it: &ImageTypeSettings,
        prefix: &str,
        image: &Volume,
        mask: &Mask,
    ) -> Result<Vec<ClassFeatures>> {
        let classes: Vec<&(FeatureClass, FeatureSelection)> =
            self.settings.feature_classes().iter().filter(|(c, _)| !c.is_shape()).collect();
        let needs_texture = classes.iter().any(|(c, _)| *c != FeatureClass::FirstOrder);
        let discretised = if needs_texture {
            Some(DiscretisedImage::new(image, mask, it.features.binning, 0)?)
        } else {
            None
        };
        classes
            .par_iter()
            .map(|(class, selection)| {
                let all = match (class, &discretised) {
                    (FeatureClass::FirstOrder, _) => {
                        let roi = Intensities::from_roi(
                            image,
                            mask,
                            it.features.binning,
                            it.features.voxel_array_shift,
                        )?;
                        firstorder::features(&roi)?
                    }
                    (_, Some(d)) => texture_features(*class, d, &it.features)?,
                    (_, None) => unreachable!("a texture class implies the discretised image"),
                };
                Ok(ClassFeatures {
                    image_type: prefix.to_string(),
                    class: *class,
                    values: select(*class, selection, all)?,
                })
            })
            .collect()
    }

    /// PyRadiomics' `resampleImage`: image and label map onto the new spacing, on a grid
    /// around the ROI grown by `padDistance`.
    fn resample(&self, image: &Volume, labels: &Volume, r: Resampling) -> Result<(Volume, Volume)> {
        let s = &self.settings;
        Ok(resample_image_and_mask(
            image,
            labels,
            s.label(),
            r.spacing,
            r.interpolator,
            s.pad_distance(),
        )?)
    }

    /// PyRadiomics' `checkMask`: grid, label, dimensions and size. `known` is the mask of
    /// `labels` if already computed.
    fn check_mask<'a>(
        &self,
        image: &Volume,
        labels: Cow<'a, Volume>,
        known: Option<Mask>,
        image_name: &str,
        mask_name: &str,
    ) -> Result<CheckedMask<'a>> {
        let s = &self.settings;
        let tolerance = s.geometry_tolerance().map(GeometryTolerance::uniform).unwrap_or_default();
        let mut corrected = false;
        let (labels, known) = match check_geometry(
            image.geometry(),
            labels.geometry(),
            tolerance,
            image_name,
            mask_name,
        ) {
            Ok(()) => (labels, known),
            Err(_) if s.correct_mask() => {
                // PyRadiomics' correctMask: the ROI must lie inside the image; the label map is
                // then resampled onto the image grid with nearest neighbour.
                let resampled =
                    correct_mask(image.geometry(), &labels, s.label()).map_err(|e| {
                        in_input(
                            &format!("mask {mask_name} (correctMask onto image {image_name})"),
                            e.into(),
                        )
                    })?;
                corrected = true;
                (Cow::Owned(resampled), None)
            }
            Err(radlsig_volume::Error::GeometryMismatch { what, reason }) => {
                return Err(Error::MaskOffGrid { what, reason });
            }
            Err(e) => return Err(e.into()),
        };
        let mask = match known {
            Some(m) => m,
            None => Mask::from_labels(&labels, s.label(), mask_name)?,
        };
        let bbox = self.check_roi(&mask, mask_name)?;
        Ok(CheckedMask { labels, mask, bbox, corrected })
    }

    /// The ROI checks of `checkMask` on a boolean mask: not a single voxel, at least
    /// `minimumROIDimensions` dimensions, more than `minimumROISize` voxels. Returns the
    /// bounding box.
    fn check_roi(&self, mask: &Mask, mask_name: &str) -> Result<BoundingBox> {
        let s = &self.settings;
        let label = s.label();
        let bbox = mask
            .bounding_box()
            .ok_or_else(|| Error::MissingLabel { mask: mask_name.to_string(), label })?;
        let too_small =
            |shortfall| Error::RoiTooSmall { mask: mask_name.to_string(), label, shortfall };
        let ndims = bbox.shape().iter().filter(|&&n| n > 1).count();
        if ndims == 0 {
            return Err(too_small(RoiShortfall::SingleVoxel));
        }
        let minimum = s.minimum_roi_dimensions();
        if ndims < minimum {
            return Err(too_small(RoiShortfall::Dimensions { found: ndims, minimum }));
        }
        if let Some(minimum) = s.minimum_roi_size() {
            let found = mask.count();
            if found <= minimum {
                return Err(too_small(RoiShortfall::Voxels { found, minimum }));
            }
        }
        Ok(bbox)
    }
}

/// A mask that passed `checkMask`.
struct CheckedMask<'a> {
    labels: Cow<'a, Volume>,
    mask: Mask,
    bbox: BoundingBox,
    corrected: bool,
}

/// The values of the selected features of `class`, in selection order.
fn select(
    class: FeatureClass,
    selection: &FeatureSelection,
    all: FeatureValues,
) -> Result<FeatureValues> {
    selection
        .names(class)
        .into_iter()
        .map(|name| {
            all.iter()
                .find(|(n, _)| *n == name)
                .copied()
                .ok_or(Error::NoValue { class, feature: name })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;
    use radlsig_volume::PixelType;

    fn volumes() -> (Volume, Volume) {
        let g = Geometry::new([4, 3, 2], [1.0, 1.0, 2.0]);
        let image = Array3::from_shape_fn((2, 3, 4), |(z, y, x)| (z * 12 + y * 4 + x) as f64);
        let mut labels = Array3::zeros((2, 3, 4));
        for (z, y, x) in [(0, 1, 1), (0, 1, 2), (1, 1, 1), (1, 2, 2)] {
            labels[[z, y, x]] = 1.0;
        }
        labels[[0, 0, 0]] = 2.0;
        (
            Volume::new(image, g, PixelType::Int16).unwrap(),
            Volume::new(labels, g, PixelType::UInt8).unwrap(),
        )
    }

    fn firstorder_only() -> ExtractionSettings {
        ExtractionSettings::from_yaml_str("featureClass:\n  firstorder:\n", "p").unwrap()
    }

    #[test]
    fn firstorder_by_hand() {
        let (image, labels) = volumes();
        let ex = Extractor::new(firstorder_only()).unwrap();
        let fv = ex.extract_volumes(&image, &labels).unwrap();
        // ROI values 5, 6, 17, 22.
        assert_eq!(fv.get("original_firstorder_Mean"), Some(12.5));
        assert_eq!(fv.get("original_firstorder_Minimum"), Some(5.0));
        assert_eq!(
            fv.get("original_firstorder_TotalEnergy"),
            Some((25.0 + 36.0 + 289.0 + 484.0) * 2.0)
        );
        assert_eq!(fv.get("original_firstorder_StandardDeviation"), None);
        assert_eq!(fv.features.len(), 18);
        assert_eq!(fv.diagnostics.roi_voxels, 4);
        assert_eq!(fv.diagnostics.bounding_box, BoundingBox { lower: [0, 1, 1], upper: [1, 2, 2] });
    }

    #[test]
    fn label_and_roi_checks_name_the_mask() {
        let (image, labels) = volumes();
        let ex = Extractor::new(firstorder_only().with_label(3).unwrap()).unwrap();
        let e = ex
            .extract_image_types(&image, &labels, "img.nrrd", "seg.nrrd")
            .unwrap_err()
            .to_string();
        assert!(e.contains("seg.nrrd") && e.contains("label 3"), "{e}");
        // Label 2 is a single voxel.
        let ex = Extractor::new(firstorder_only().with_label(2).unwrap()).unwrap();
        let e = ex
            .extract_image_types(&image, &labels, "img.nrrd", "seg.nrrd")
            .unwrap_err()
            .to_string();
        assert!(e.contains("seg.nrrd") && e.contains("single voxel"), "{e}");
    }

    #[test]
    fn geometry_mismatch_is_refused() {
        let (image, labels) = volumes();
        let mut g = *labels.geometry();
        g.origin[0] += 1.0;
        let moved = Volume::new(labels.data().clone(), g, PixelType::UInt8).unwrap();
        let ex = Extractor::new(firstorder_only()).unwrap();
        let e =
            ex.extract_image_types(&image, &moved, "img.nrrd", "seg.nrrd").unwrap_err().to_string();
        assert!(e.contains("img.nrrd") && e.contains("seg.nrrd") && e.contains("origin"), "{e}");
    }

    #[test]
    fn unsupported_requests_fail_before_reading() {
        let s = ExtractionSettings::from_yaml_str("imageType:\n  Original: {}\n  LBP3D: {}\n", "p")
            .unwrap();
        let e = Extractor::new(s).unwrap_err().to_string();
        assert!(e.contains("LBP3D") && e.contains("not supported"), "{e}");
        let s =
            ExtractionSettings::from_yaml_str("voxelSetting:\n  kernelRadius: 2\n", "p").unwrap();
        assert!(Extractor::new(s).unwrap_err().to_string().contains("voxelSetting"));
    }
}
