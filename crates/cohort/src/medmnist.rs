//! Importer for MedMNIST 3D `.npz` archives (AdrenalMNIST3D and other binary 3D sets).
//!
//! A MedMNIST 3D archive holds `{train,val,test}_images` (`uint8`, shape `(N, D, D, D)`,
//! C order) and `{train,val,test}_labels` (`uint8`, shape `(N, 1)`). Each image becomes
//!
//! - `images/<split>_<index>.nii.gz`: UInt8, the archive's values unchanged (0/255 for
//!   AdrenalMNIST3D, whose "image" is itself a binary mask);
//! - `masks/<split>_<index>.nii.gz`: UInt8, label 1 where the image is non-zero;
//!
//! with `<index>` the 0-based position in its split, zero-padded to 4 digits, and the
//! manifest `manifest.csv` has `ID` (`<split>_<index>`), `label`, `split` (`train`, `val`,
//! `test`: the official split, kept), `Image`, `Mask`, in the archive's order.
//!
//! **Axes.** Array axis 1 is z, axis 2 is y, axis 3 is x (our [`Volume`] convention, which is
//! SimpleITK's): `sitk.GetArrayFromImage(sitk.ReadImage(f))` returns exactly `images[i]`.
//!
//! **Physical scale.** MedMNIST cropped 64 mm cubes around each gland and resized them to
//! `D³` voxels, so the nominal isotropic spacing is `64/D` mm (2.2857 mm for the 28³ file,
//! 1 mm for the 64³ file); this keeps shape features in mm³/mm² comparable between the two
//! resolutions. The original CT spacing is not published, so this scale is nominal; override
//! it with [`MedMnistOptions::spacing`]. Origin 0, identity direction.
//!
//! An image with no non-zero voxel (none exists in AdrenalMNIST3D) is kept in the manifest,
//! with an empty mask, and listed in [`MedMnistImport::empty`] so the caller can report it.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use ndarray::{Array2, Array4, Axis};
use ndarray_npy::NpzReader;
use radlsig_volume::{Geometry, PixelType, Volume, write_volume};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::manifest::{Case, ImagePair, Manifest};

/// The splits of a MedMNIST archive, in order.
pub const MEDMNIST_SPLITS: [&str; 3] = ["train", "val", "test"];

/// Options of [`import_medmnist`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MedMnistOptions {
    /// Isotropic voxel spacing in mm; default `64/D` (see the module docs).
    pub spacing: Option<f64>,
    /// Import only the first `limit` cases of each split (for a quick look or a test).
    pub limit: Option<usize>,
    /// Allow writing into a non-empty output folder.
    pub overwrite: bool,
}

/// What [`import_medmnist`] wrote.
#[derive(Debug, Clone)]
pub struct MedMnistImport {
    /// The manifest (written to `out/manifest.csv`).
    pub manifest: Manifest,
    /// Cases per split, as imported (after `limit`), in [`MEDMNIST_SPLITS`] order.
    pub split_sizes: [usize; 3],
    /// Cases per split in the archive.
    pub archive_sizes: [usize; 3],
    /// The voxel spacing used (mm).
    pub spacing: f64,
    /// The edge length `D` of the volumes.
    pub size: usize,
    /// IDs of cases whose image has no non-zero voxel.
    pub empty: Vec<String>,
}

/// `1000 cases (train 700, val 100 of 150, test 200) of 64³ voxels at 1 mm`: what was
/// imported, with a split's archive size where `limit` cut it.
impl std::fmt::Display for MedMnistImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sizes: Vec<String> = MEDMNIST_SPLITS
            .iter()
            .zip(self.split_sizes.iter().zip(&self.archive_sizes))
            .map(
                |(s, (n, total))| {
                    if n == total { format!("{s} {n}") } else { format!("{s} {n} of {total}") }
                },
            )
            .collect();
        write!(
            f,
            "{} cases ({}) of {}³ voxels at {} mm",
            self.manifest.len(),
            sizes.join(", "),
            self.size,
            self.spacing
        )
    }
}

fn npz_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Npz { path: path.to_path_buf(), reason: reason.into() }
}

/// Reads one split's images and labels, checking dtypes, shapes and label values.
fn read_split(
    npz: &mut NpzReader<File>,
    path: &Path,
    split: &str,
) -> Result<(Array4<u8>, Array2<u8>)> {
    let name = format!("{split}_images");
    let images: Array4<u8> = npz.by_name(&name).map_err(|e| {
        npz_error(path, format!("array {name}: {e} (expected uint8 of shape (N, D, D, D))"))
    })?;
    let name_l = format!("{split}_labels");
    let labels: Array2<u8> = npz.by_name(&name_l).map_err(|e| {
        npz_error(path, format!("array {name_l}: {e} (expected uint8 of shape (N, 1))"))
    })?;
    let shape = images.shape();
    if shape[1] != shape[2] || shape[1] != shape[3] || shape[1] == 0 {
        return Err(npz_error(
            path,
            format!("array {name} has shape {shape:?}; cubic volumes (N, D, D, D) are expected"),
        ));
    }
    if labels.shape() != [shape[0], 1] {
        return Err(npz_error(
            path,
            format!(
                "array {name_l} has shape {:?}; ({}, 1) is expected to match {name}",
                labels.shape(),
                shape[0]
            ),
        ));
    }
    if let Some((row, v)) = labels.column(0).iter().enumerate().find(|(_, v)| **v > 1) {
        return Err(npz_error(
            path,
            format!("{name_l}[{row}] is {v}; only binary (0/1) MedMNIST data sets are supported"),
        ));
    }
    Ok((images, labels))
}

/// Imports a MedMNIST 3D archive into `out` (see the module docs for the layout).
pub fn import_medmnist(
    npz_path: &Path,
    out: &Path,
    options: &MedMnistOptions,
) -> Result<MedMnistImport> {
    let file = File::open(npz_path)
        .map_err(|source| Error::Io { path: npz_path.to_path_buf(), error: source })?;
    let mut npz = NpzReader::new(file)
        .map_err(|e| npz_error(npz_path, format!("not a readable .npz archive: {e}")))?;
    let mut splits = Vec::new();
    for split in MEDMNIST_SPLITS {
        splits.push(read_split(&mut npz, npz_path, split)?);
    }
    let size = splits[0].0.shape()[1];
    for (split, (images, _)) in MEDMNIST_SPLITS.iter().zip(&splits) {
        if images.shape()[1] != size {
            return Err(npz_error(
                npz_path,
                format!(
                    "{split}_images has volumes of {}³ but train_images of {size}³",
                    images.shape()[1]
                ),
            ));
        }
    }
    let spacing = options.spacing.unwrap_or(64.0 / size as f64);
    if !(spacing.is_finite() && spacing > 0.0) {
        return Err(Error::InvalidSetting {
            name: "spacing",
            reason: format!("{spacing} is not a positive length"),
        });
    }
    if out.exists() && !options.overwrite {
        let mut entries = std::fs::read_dir(out)
            .map_err(|source| Error::Io { path: out.to_path_buf(), error: source })?;
        if entries.next().is_some() {
            return Err(Error::OutputNotEmpty { path: out.to_path_buf() });
        }
    }
    for folder in ["images", "masks"] {
        let dir = out.join(folder);
        std::fs::create_dir_all(&dir)
            .map_err(|source| Error::Io { path: dir.clone(), error: source })?;
    }
    let geometry = Geometry::new([size; 3], [spacing; 3]);

    let mut cases = Vec::new();
    let mut empty = Vec::new();
    let mut split_sizes = [0usize; 3];
    let mut archive_sizes = [0usize; 3];
    for (s, (split, (images, labels))) in MEDMNIST_SPLITS.iter().zip(&splits).enumerate() {
        let n_archive = images.shape()[0];
        let n = options.limit.map_or(n_archive, |l| l.min(n_archive));
        archive_sizes[s] = n_archive;
        split_sizes[s] = n;
        let written: Vec<(Case, bool)> = (0..n)
            .into_par_iter()
            .map(|i| -> Result<(Case, bool)> {
                let id = format!("{split}_{i:04}");
                let array = images.index_axis(Axis(0), i);
                let data = array.mapv(f64::from);
                let mask = array.mapv(|v| f64::from(u8::from(v > 0)));
                let is_empty = !array.iter().any(|&v| v > 0);
                let image_path = out.join("images").join(format!("{id}.nii.gz"));
                let mask_path = out.join("masks").join(format!("{id}.nii.gz"));
                write_volume(&Volume::new(data, geometry, PixelType::UInt8)?, &image_path)?;
                write_volume(&Volume::new(mask, geometry, PixelType::UInt8)?, &mask_path)?;
                let case = Case {
                    row: 0,
                    id,
                    label: Some(labels[[i, 0]]),
                    split: Some(split.to_string()),
                    center: None,
                    clinical: BTreeMap::new(),
                    images: BTreeMap::from([(
                        String::new(),
                        ImagePair { image: image_path, mask: mask_path },
                    )]),
                };
                Ok((case, is_empty))
            })
            .collect::<Result<Vec<_>>>()?;
        for (mut case, is_empty) in written {
            case.row = cases.len() + 1;
            if is_empty {
                empty.push(case.id.clone());
            }
            cases.push(case);
        }
    }
    let manifest_path = out.join("manifest.csv");
    let manifest = Manifest {
        path: manifest_path.clone(),
        cases,
        sequences: vec![String::new()],
        clinical_columns: Vec::new(),
    };
    manifest.write(&manifest_path)?;
    Ok(MedMnistImport { manifest, split_sizes, archive_sizes, spacing, size, empty })
}
