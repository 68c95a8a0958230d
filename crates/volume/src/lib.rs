//! Medical volumes for radlsig: reading, checking and preparing CT/MR images and their masks.
//!
//! The main types:
//!
//! - [`Volume`] — voxel values (`f64`, indexed `[z, y, x]`) on a [`Geometry`] (size, spacing,
//!   origin and direction in ITK's LPS convention, fields in (x, y, z) order), with the
//!   [`PixelType`] the file stored.
//! - [`Mask`] — a boolean region of interest on a grid, made from a label volume with
//!   [`Mask::from_labels`].
//! - [`BoundingBox`] — an inclusive index box for cropping.
//!
//! Files are read with [`read_volume`] (NRRD and NIfTI, chosen by extension) and written
//! atomically with [`write_volume`]. [`read_image_and_mask`] does the checks every extraction
//! needs (finite voxels, same grid within a [`GeometryTolerance`], label present).
//! Preprocessing follows PyRadiomics: [`discretise`] (fixed bin width or count),
//! [`normalize`], [`resegment`].
//!
//! Resampling reproduces SimpleITK's `ResampleImageFilter` bit for bit: [`resample`] puts a
//! volume on any [`Geometry`] with an [`Interpolator`] (nearest neighbour, linear, cubic
//! B-spline) and casts back to its pixel type as ITK does; [`resample_image_and_mask`] is
//! PyRadiomics' `resampleImage` (new spacing, grid around the ROI grown by `padDistance`);
//! [`correct_mask`] is its `correctMask` (mask onto the image grid after checking the ROI lies
//! inside the image); [`resampled_grid`] gives the whole-extent grid for a new spacing.
//!
//! ```
//! use radlsig_volume::{Binning, discretise};
//! let (bins, edges) = discretise(&[54.0, 100.0, 166.0], Binning::Width(25.0)).unwrap();
//! assert_eq!(bins, vec![1, 3, 5]);
//! assert_eq!(edges[0], 50.0);
//! ```
#![deny(missing_docs)]

mod discretise;
mod error;
mod geometry;
mod intensity;
mod io;
mod nifti_io;
mod nrrd;
mod region;
mod resample;
mod volume;

pub use discretise::{Binning, bin_edges, digitize, discretise, python_mod};
pub use error::{Error, Result};
pub use geometry::{Geometry, GeometryTolerance, IDENTITY_DIRECTION};
pub use intensity::{ResegmentMode, normalize, resegment};
pub use io::{Format, read_image_and_mask, read_volume, write_atomically, write_volume};
pub use nifti_io::{read_nifti, write_nifti};
pub use nrrd::{NrrdEncoding, nrrd_bytes, read_nrrd};
pub use resample::{
    Interpolator, correct_mask, resample, resample_image_and_mask, resampled_grid,
};
pub use region::{read_header, read_label_mask, read_volume_region};
pub use volume::{BoundingBox, Mask, PixelType, Volume, check_geometry};
