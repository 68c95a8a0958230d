//! Quantitative MRI maps fitted voxel by voxel, for radiomics on parametric maps (seed 004:
//! response from IVIM-DWI parameters and their pre/post deltas).
//!
//! * [`adc`]: the apparent diffusion coefficient, log-linear and non-linear.
//! * [`ivim`]: intravoxel incoherent motion (`S₀`, `f`, `D*`, `D`), segmented and full
//!   bi-exponential.
//! * [`t1`]: T1 by variable flip angle (DESPOT1) and by inversion recovery (RD-NLS).
//!
//! [`series`] fits a whole series (one image per b-value) on a mask and writes the maps
//! (`radlsig fit-map`). Each fit takes one voxel's signals and returns its parameters with the root mean square
//! residual (the residual map). The fits are checked against closed-form synthetic phantoms
//! (noiseless: exact; Rician noise at SNR 100: recovered within 1 %) in `tests/phantom.rs`.

pub mod adc;
mod error;
pub mod ivim;
mod lm;
pub mod series;
pub mod t1;

pub use adc::{AdcFit, adc_log_linear, adc_nonlinear};
pub use error::{Error, Result};
pub use ivim::{IvimFit, IvimMethod, IvimProtocol, ivim_full, ivim_segmented, ivim_voxels};
pub use series::{FittedMaps, MapModel, Series, fit_maps, write_maps};
pub use t1::{T1Fit, t1_inversion_recovery, t1_vfa};
