//! One patient as the habitat model sees it: co-registered images and the tumour mask.

use std::path::Path;

use ndarray::s;
use radlsig_volume::{BoundingBox, GeometryTolerance, Mask, Volume, check_geometry, read_volume};

use crate::{Error, Result};

/// One patient: co-registered images (sequences) and the tumour mask.
#[derive(Debug, Clone)]
pub struct HabitatCase {
    pub(super) id: String,
    pub(super) images: Vec<(String, Volume)>,
    pub(super) mask: Mask,
    pub(super) bbox: BoundingBox,
}

impl HabitatCase {
    /// A case from named images (sequence name → image; `""` for a single unnamed one) and
    /// the tumour mask.
    ///
    /// Fails, naming the case `id` and the sequence, when there is no image, a name repeats,
    /// an image holds non-finite values, an image is not on the mask's grid (same array shape,
    /// and spacing, origin and direction within ITK's default tolerance — resample or
    /// `correctMask` first), or the mask is empty.
    pub fn new(id: impl Into<String>, images: Vec<(String, Volume)>, mask: Mask) -> Result<Self> {
        let id = id.into();
        if images.is_empty() {
            return Err(Error::NoImage { case: id });
        }
        for (i, (name, image)) in images.iter().enumerate() {
            if images[..i].iter().any(|(n, _)| n == name) {
                return Err(Error::RepeatedSequence { case: id, sequence: name.clone() });
            }
            let what = format!("case {id} sequence {name:?}");
            image.check_finite(&what)?;
            check_geometry(
                image.geometry(),
                mask.geometry(),
                GeometryTolerance::default(),
                &format!("{what} image"),
                &format!("case {id} mask"),
            )?;
        }
        let bbox =
            mask.bounding_box().ok_or_else(|| Error::EmptyRoi { what: format!("case {id}") })?;
        Ok(HabitatCase { id, images, mask, bbox })
    }

    /// A case with one unnamed sequence.
    pub fn single(id: impl Into<String>, image: Volume, mask: Mask) -> Result<Self> {
        HabitatCase::new(id, vec![(String::new(), image)], mask)
    }

    /// Reads a case from files (NRRD or NIfTI): `(sequence name, image path)` pairs and one
    /// label map whose voxels equal to `label` are the tumour (for a multi-sequence manifest,
    /// the first sequence's mask). Errors name the case and the files.
    pub fn read(
        id: impl Into<String>,
        images: &[(String, std::path::PathBuf)],
        mask: &Path,
        label: i64,
    ) -> Result<Self> {
        let id = id.into();
        let labels = read_volume(mask)?;
        let mask_volume = Mask::from_labels(&labels, label, &mask.display().to_string())?;
        let volumes = images
            .iter()
            .map(|(name, path)| Ok((name.clone(), read_volume(path)?)))
            .collect::<Result<Vec<_>>>()?;
        HabitatCase::new(id.clone(), volumes, mask_volume).map_err(|e| {
            let files: Vec<String> = images.iter().map(|(_, p)| p.display().to_string()).collect();
            Error::Input {
                what: format!("{} with mask {}", files.join(", "), mask.display()),
                source: Box::new(e),
            }
        })
    }

    /// The case identifier (used in messages).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The sequence names, in the order given.
    pub fn sequences(&self) -> impl Iterator<Item = &str> {
        self.images.iter().map(|(n, _)| n.as_str())
    }

    /// The image of sequence `name`.
    pub fn image(&self, name: &str) -> Option<&Volume> {
        self.images.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The tumour mask.
    pub fn mask(&self) -> &Mask {
        &self.mask
    }

    /// The images of `sequences`, in that order; fails naming the first one missing.
    pub(super) fn images_of(&self, sequences: &[String]) -> Result<Vec<&Volume>> {
        sequences
            .iter()
            .map(|s| {
                self.image(s).ok_or_else(|| Error::MissingSequence {
                    case: self.id.clone(),
                    sequence: s.clone(),
                    available: self.sequences().map(str::to_string).collect(),
                })
            })
            .collect()
    }

    /// The mask cropped to its bounding box.
    pub(super) fn mask_crop(&self) -> ndarray::ArrayView3<'_, bool> {
        let (lo, hi) = (self.bbox.lower, self.bbox.upper);
        self.mask.data().slice(s![lo[0]..=hi[0], lo[1]..=hi[1], lo[2]..=hi[2]])
    }
}
