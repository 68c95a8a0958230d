//! Handcrafted radiomics features with PyRadiomics' names and values.
#![deny(missing_docs)]

mod error;
pub mod texture;

pub use error::{Error, Result};
pub use texture::{DiscretisedImage, TextureSettings, WeightingNorm};
