//! The habitat features of one case: descriptors of each habitat and the extractor's feature
//! families on its sub-mask, with PyRadiomics-style column names.

use ndarray::{Array3, s};
use rayon::prelude::*;

use super::{HabitatCase, HabitatMap, HabitatModel, components, spatial};
use crate::extractor::{Extractor, image_type_prefix};
use crate::settings::{ExtractionSettings, ImageType};
use crate::{Error, Result};

/// The habitat descriptors, in output order (column `habitat<h>_descriptor_<name>`).
pub const DESCRIPTORS: [&str; 5] = [
    "VolumeFraction",
    "ConnectedComponents",
    "LargestComponentFraction",
    "CentroidOffset",
    "CentroidOffsetNormalized",
];

/// Why a habitat's family features are missing in a case.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingHabitat {
    /// The habitat (1-based).
    pub habitat: usize,
    /// The sequence.
    pub sequence: String,
    /// The reason, e.g. "habitat has 3 voxels (minimumHabitatVoxels is 27)".
    pub reason: String,
}

/// The habitat features of one case.
#[derive(Debug, Clone, PartialEq)]
pub struct HabitatFeatures {
    /// (column, value) in output order; `None` = missing (module docs).
    pub features: Vec<(String, Option<f64>)>,
    /// The habitat/sequence groups whose family features are missing, with reasons.
    pub missing: Vec<MissingHabitat>,
}

impl HabitatFeatures {
    /// The value of column `name`: `None` when there is no such column, `Some(None)` when it
    /// is missing for this case.
    pub fn get(&self, name: &str) -> Option<Option<f64>> {
        self.features.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
    /// The column names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.features.iter().map(|(n, _)| n.as_str())
    }
}

impl HabitatModel {
    /// The habitat feature columns for `extractor`'s settings, in output order (module docs).
    pub fn feature_names(&self, extractor: &Extractor) -> Vec<String> {
        let columns = extractor_columns(extractor.settings());
        let mut names = Vec::new();
        for h in 1..=self.k {
            for d in DESCRIPTORS {
                names.push(format!("habitat{h}_descriptor_{d}"));
            }
            for s in &self.sequences {
                for c in &columns {
                    names.push(column_name(h, s, c));
                }
            }
        }
        names
    }

    /// The habitat features of `case` given its map (from [`assign`](Self::assign)); the
    /// extractor supplies the feature families and their settings (its `label` is replaced by
    /// each habitat's).
    pub fn features(
        &self,
        case: &HabitatCase,
        map: &HabitatMap,
        extractor: &Extractor,
    ) -> Result<HabitatFeatures> {
        if map.k != self.k || map.labels.geometry() != case.mask.geometry() {
            return Err(Error::ForeignHabitatMap {
                case: case.id.clone(),
                map_k: map.k,
                model_k: self.k,
            });
        }
        let images = case.images_of(&self.sequences)?;
        let columns = extractor_columns(extractor.settings());
        let min_voxels = self.settings.minimum_habitat_voxels();

        // Family features per (habitat, sequence), in parallel, kept in order.
        let jobs: Vec<(usize, usize)> =
            (1..=self.k).flat_map(|h| (0..self.sequences.len()).map(move |s| (h, s))).collect();
        let results: Vec<std::result::Result<Vec<f64>, String>> = jobs
            .par_iter()
            .map(|&(h, s)| -> Result<std::result::Result<Vec<f64>, String>> {
                let n_h = map.counts[h - 1];
                if n_h < min_voxels {
                    return Ok(Err(format!(
                        "habitat has {n_h} voxels (minimumHabitatVoxels is {min_voxels})"
                    )));
                }
                let settings = extractor.settings().clone().with_label(h as i64)?;
                let per_habitat = Extractor::new(settings)?;
                let sequence = &self.sequences[s];
                let image_name = format!("case {} sequence {sequence:?}", case.id);
                let map_name = format!("case {} habitat map (habitat {h})", case.id);
                match per_habitat.extract_image_types(
                    images[s],
                    &map.labels,
                    &image_name,
                    &map_name,
                ) {
                    Ok(extraction) => {
                        let fv = extraction.into_feature_vector();
                        if !fv.names().eq(columns.iter().map(String::as_str)) {
                            return Err(Error::HabitatColumns { case: case.id.clone() });
                        }
                        Ok(Ok(fv.features.into_iter().map(|(_, v)| v).collect()))
                    }
                    Err(e) if is_too_small(&e) => Ok(Err(e.chain().to_string())),
                    Err(e) => Err(e),
                }
            })
            .collect::<Result<_>>()?;

        // Descriptors, then families, per habitat.
        let crop = |a: &Array3<f64>| {
            let (lo, hi) = (case.bbox.lower, case.bbox.upper);
            a.slice(s![lo[0]..=hi[0], lo[1]..=hi[1], lo[2]..=hi[2]]).to_owned()
        };
        let labels_crop = crop(map.labels.data());
        let roi = case.mask_crop();
        let geometry = case.mask.geometry();
        let total = case.mask.count() as f64;
        let mut features = Vec::new();
        let mut missing = Vec::new();
        let mut results = results.into_iter();
        for h in 1..=self.k {
            let n_h = map.counts[h - 1];
            let region = labels_crop.mapv(|v| v == h as f64);
            let sizes = components::connected_components(region.view());
            let largest = sizes.iter().copied().max().unwrap_or(0);
            let lower = case.bbox.lower;
            let descriptors = [
                Some(n_h as f64 / total),
                Some(sizes.len() as f64),
                Some(if n_h == 0 { 0.0 } else { largest as f64 / n_h as f64 }),
                spatial::centroid_offset(region.view(), roi, lower, geometry),
                spatial::centroid_offset_normalized(region.view(), roi, lower, geometry),
            ];
            for (d, v) in DESCRIPTORS.iter().zip(descriptors) {
                features.push((format!("habitat{h}_descriptor_{d}"), v));
            }
            for sequence in &self.sequences {
                match results.next() {
                    Some(Ok(values)) => {
                        for (c, v) in columns.iter().zip(values) {
                            features.push((column_name(h, sequence, c), Some(v)));
                        }
                    }
                    Some(Err(reason)) => {
                        for c in &columns {
                            features.push((column_name(h, sequence, c), None));
                        }
                        missing.push(MissingHabitat {
                            habitat: h,
                            sequence: sequence.clone(),
                            reason,
                        });
                    }
                    None => unreachable!("one result per habitat and sequence"),
                }
            }
        }
        Ok(HabitatFeatures { features, missing })
    }

    /// [`assign`](Self::assign) then [`features`](Self::features).
    pub fn extract_case(
        &self,
        case: &HabitatCase,
        extractor: &Extractor,
    ) -> Result<(HabitatMap, HabitatFeatures)> {
        let map = self.assign(case)?;
        let features = self.features(case, &map, extractor)?;
        Ok((map, features))
    }
}

/// The columns of one extraction with `settings`, in the extractor's output order: the shape
/// classes first, then the other classes per image type.
fn extractor_columns(settings: &ExtractionSettings) -> Vec<String> {
    let mut names = Vec::new();
    let mut push = |image_type: ImageType, shape: bool| {
        for (class, selection) in
            settings.feature_classes().iter().filter(|(c, _)| c.is_shape() == shape)
        {
            for f in selection.names(*class) {
                names.push(format!("{}_{}_{f}", image_type_prefix(image_type), class.name()));
            }
        }
    };
    push(ImageType::Original, true);
    for it in settings.image_types() {
        push(it.image_type, false);
    }
    names
}

/// Whether an extractor error means "this sub-mask is too small" (a missing value) rather
/// than a real failure.
fn is_too_small(e: &Error) -> bool {
    match e {
        Error::Input { source, .. } => is_too_small(source),
        Error::MissingLabel { .. }
        | Error::RoiTooSmall { .. }
        | Error::EmptyRoi { .. }
        | Error::ShapeMismatch { .. }
        | Error::CountMismatch { .. }
        | Error::NonFiniteGrayLevel { .. }
        | Error::ZeroGrayLevel { .. }
        | Error::NoOffsets { .. }
        | Error::EmptyMatrix { .. }
        | Error::RoiNotFlat { .. }
        | Error::Shape2dSkipped { .. }
        | Error::FilterScale { .. }
        | Error::LogImageTooSmall { .. }
        | Error::LogSigmaTooLarge { .. } => true,
        Error::Volume(radlsig_volume::Error::EmptyMask { .. }) => true,
        _ => false,
    }
}

/// `habitat<h>_<sequence>_<column>`, or `habitat<h>_<column>` for the unnamed sequence.
fn column_name(h: usize, sequence: &str, column: &str) -> String {
    if sequence.is_empty() {
        format!("habitat{h}_{column}")
    } else {
        format!("habitat{h}_{sequence}_{column}")
    }
}
