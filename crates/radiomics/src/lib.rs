//! Handcrafted radiomics features with PyRadiomics' names and values.
//!
//! The main types:
//!
//! - [`ExtractionSettings`] — a checked PyRadiomics parameter file (`setting`, `imageType`,
//!   `featureClass`, `voxelSetting`), parsed from YAML through [`settings::RawParams`] with
//!   PyRadiomics' defaults filled in and every range checked.
//! - [`Extractor`] — PyRadiomics' `execute`: load, normalise, resample or pre-crop, check the
//!   mask, re-segment, shape, then the other classes per image type. It returns a
//!   [`FeatureVector`] of `original_<class>_<Feature>` columns in PyRadiomics' order (or the
//!   grouped [`Extraction`]).
//! - One module per feature family ([`firstorder`], [`glcm`], [`glrlm`], [`glszm`], [`gldm`],
//!   [`ngtdm`], and the shape classes), each with a `FEATURES` list in PyRadiomics' order, a
//!   `features` function giving one value per entry, and one function per feature.
//! - [`habitats`] — population-level tumour sub-regions ([`habitats::HabitatModel`]) and the
//!   feature families on each.
//! - [`cohort::extract_cohort`] — every case of a radlsig cohort manifest, its sequences, time
//!   points (with delta features) and habitats, as one table; [`batch`] — PyRadiomics' batch
//!   CSV in, feature rows out.
//!
//! ```no_run
//! use radlsig_radiomics::{ExtractionSettings, Extractor};
//! # fn main() -> radlsig_radiomics::Result<()> {
//! let settings = ExtractionSettings::from_yaml_file("Params.yaml".as_ref())?;
//! let extractor = Extractor::new(settings)?;
//! let features = extractor.extract("brain1_image.nrrd".as_ref(), "brain1_label.nrrd".as_ref())?;
//! println!("{:?}", features.get("original_firstorder_Mean"));
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod batch;
pub mod cohort;
mod error;
pub mod extractor;
pub mod filters;
pub mod firstorder;
pub mod glcm;
pub mod gldm;
pub mod glrlm;
pub mod glszm;
pub mod habitats;
mod mesh;
pub mod ngtdm;
pub mod settings;
pub mod shape;
pub mod shape2d;
pub mod texture;

pub use error::{Chain, Error, Result, RoiShortfall, SettingProblem};
pub use extractor::{Extraction, Extractor, FeatureVector};
pub use settings::ExtractionSettings;
pub use texture::{DiscretisedImage, TextureSettings, WeightingNorm};
