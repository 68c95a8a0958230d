//! Saving and loading a fitted [`HabitatModel`] as JSON.

use std::path::Path;

use radlsig_volume::write_atomically;

use super::{HabitatModel, settings};
use crate::{Error, Result};

/// The format tag of a saved [`HabitatModel`].
pub const MODEL_FORMAT: &str = "radlsig-habitat-model/1";

impl HabitatModel {
    /// The model as JSON (floats round-trip exactly).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a habitat model always serialises")
    }

    /// A model from JSON; `what` names the source in errors. Checks the format tag and that
    /// the dimensions agree.
    pub fn from_json(text: &str, what: &str) -> Result<HabitatModel> {
        let model: HabitatModel = serde_json::from_str(text)
            .map_err(|source| Error::ModelJson { what: what.to_string(), source })?;
        if model.format != MODEL_FORMAT {
            return Err(Error::ModelFormat {
                what: what.to_string(),
                found: model.format,
                expected: MODEL_FORMAT,
            });
        }
        let width = model.sequences.len() * model.settings.voxel_features().len();
        let consistent = model.k == model.centroids.len()
            && (2..=settings::MAX_HABITATS).contains(&model.k)
            && model.intensity_scales.len() == model.sequences.len()
            && model.standardization.len() == width
            && model.voxel_feature_names.len() == width
            && model.centroids.iter().all(|c| c.len() == width && c.iter().all(|v| v.is_finite()))
            && model.standardization.iter().all(|s| s.scale > 0.0 && s.center.is_finite());
        if !consistent {
            return Err(Error::ModelInconsistent { what: what.to_string() });
        }
        Ok(model)
    }

    /// Writes the model as JSON, atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = self.to_json();
        write_atomically(path, |tmp| -> Result<()> {
            std::fs::write(tmp, json.as_bytes()).map_err(|source| {
                Error::Volume(radlsig_volume::Error::Io { path: path.to_path_buf(), source })
            })
        })
    }

    /// Reads a model written by [`save`](Self::save); errors name the file.
    pub fn load(path: &Path) -> Result<HabitatModel> {
        let text = std::fs::read_to_string(path).map_err(|source| {
            Error::Volume(radlsig_volume::Error::Io { path: path.to_path_buf(), source })
        })?;
        HabitatModel::from_json(&text, &path.display().to_string())
    }
}
