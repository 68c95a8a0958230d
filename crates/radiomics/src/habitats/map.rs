//! The habitat label map of one case.

use std::path::Path;

use radlsig_volume::{Mask, Volume, write_volume};

use crate::Result;

/// A habitat label map: `1..=k` inside the mask, 0 outside, on the mask's grid.
#[derive(Debug, Clone, PartialEq)]
pub struct HabitatMap {
    pub(super) labels: Volume,
    pub(super) k: usize,
    pub(super) counts: Vec<usize>,
}

impl HabitatMap {
    /// The label volume (pixel type `UInt8`).
    pub fn labels(&self) -> &Volume {
        &self.labels
    }
    /// Number of habitats of the model.
    pub fn k(&self) -> usize {
        self.k
    }
    /// Voxels per habitat (index `h − 1`).
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }
    /// The label of voxel `[z, y, x]` (0 outside the mask).
    pub fn label(&self, index: [usize; 3]) -> u8 {
        self.labels.data()[index] as u8
    }
    /// The mask of habitat `h` (1-based).
    pub fn habitat_mask(&self, h: usize) -> Result<Mask> {
        let target = h as f64;
        Ok(Mask::new(self.labels.data().mapv(|v| v == target), *self.labels.geometry())?)
    }
    /// Writes the map (NIfTI `.nii`/`.nii.gz` or NRRD by extension, atomically).
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        Ok(write_volume(&self.labels, path)?)
    }
}
