//! PyRadiomics' image types: the filtered images features are computed on.
//!
//! [`ImageFilter`] mirrors PyRadiomics' `imageType` keys with their settings, and
//! [`filtered_images`] is the single entry point: it returns, for one image and ROI, every
//! derived image with its PyRadiomics name (the prefix of its feature columns, e.g.
//! `log-sigma-1-0-mm-3D_firstorder_Mean`), cropped to the ROI's bounding box — the crop
//! PyRadiomics' `execute` makes (`cropToTumorMask`) before computing the non-shape classes.
//!
//! | `imageType`   | names                                 | module       | PyRadiomics / reference |
//! |---------------|---------------------------------------|--------------|-------------------------|
//! | `Original`    | `original`                            | —            | `getOriginalImage` |
//! | `LoG`         | `log-sigma-<σ>-mm-3D` per σ           | [`log`]      | SimpleITK `LaplacianRecursiveGaussianImageFilter` |
//! | `Wavelet`     | `wavelet-LLH` … `wavelet-HHH`, `wavelet-LLL` | [`wavelet`] | PyWavelets `swtn` via `_swt3` |
//! | `Square`, `SquareRoot`, `Logarithm`, `Exponential` | `square`, `squareroot`, `logarithm`, `exponential` | [`simple`] | numpy formulas |
//! | `Gradient`    | `gradient`                            | [`gradient`] | SimpleITK `GradientMagnitudeImageFilter` |
//! | `LBP2D`, `LBP3D` | —                                  | —            | not implemented: refused by name |
//!
//! # Which image is filtered
//!
//! PyRadiomics filters the image as `loadImage` leaves it: the whole image unless it was
//! resampled (which crops to the ROI box plus `padDistance`) or pre-cropped (`preCrop`). The
//! result depends on that extent (LoG's recursive filters run along whole lines; wavelets wrap
//! around the image; the voxel-wise filters rescale by the whole image's maximum). So callers
//! pass that image — not the ROI crop — and the mask on the same grid; the filters compute
//! only what the ROI box needs (see each module).
//!
//! ```no_run
//! use radlsig_radiomics::filters::{ImageFilter, LogSettings, filtered_images};
//! # fn main() -> radlsig_radiomics::Result<()> {
//! # let (image, mask): (radlsig_volume::Volume, radlsig_volume::Mask) = todo!();
//! let log = ImageFilter::LoG(LogSettings { sigma: vec![1.0, 3.0] });
//! for (name, filtered) in filtered_images(&image, &mask, &log)? {
//!     println!("{name}: {:?}", filtered.geometry().size); // log-sigma-1-0-mm-3D, …
//! }
//! # Ok(())
//! # }
//! ```

pub mod gradient;
pub mod log;
pub mod simple;
pub mod wavelet;
// Generated constants: PyWavelets' exact values, which clippy mistakes for 1/√2 etc.
#[rustfmt::skip]
#[allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]
mod wavelet_bank;

use ndarray::{Array3, ArrayView3, s};
use radlsig_volume::{BoundingBox, Mask, PixelType, Volume};

pub use wavelet::{WaveletFilters, WaveletSettings};

use crate::settings::{ImageType, ImageTypeSettings};
use crate::{Error, Result, SettingProblem};

/// LoG settings (`imageType: LoG: {sigma: […]}`).
#[derive(Debug, Clone, PartialEq)]
pub struct LogSettings {
    /// `sigma`: Gaussian widths in mm, each > 0; one image per value, in this order.
    pub sigma: Vec<f64>,
}

/// Gradient settings (`imageType: Gradient: {gradientUseSpacing: …}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GradientSettings {
    /// `gradientUseSpacing`: differences per mm (true, default) or per voxel.
    pub use_spacing: bool,
}

impl Default for GradientSettings {
    fn default() -> Self {
        GradientSettings { use_spacing: true }
    }
}

/// One PyRadiomics image type with its settings (the supported `imageType` keys).
///
/// `LBP2D` and `LBP3D` have no variant: [`ImageFilter::from_settings`] refuses them by name.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageFilter {
    /// `Original`: the image itself.
    Original,
    /// `LoG`: Laplacian of Gaussian, one image per sigma.
    LoG(LogSettings),
    /// `Wavelet`: the stationary wavelet sub-bands.
    Wavelet(WaveletSettings),
    /// `Square`: `(x/√M)²`.
    Square,
    /// `SquareRoot`: signed `√(M·|x|)`.
    SquareRoot,
    /// `Logarithm`: signed `ln(|x| + 1)`, rescaled to `M`.
    Logarithm,
    /// `Exponential`: `exp(x·ln(M)/M)`.
    Exponential,
    /// `Gradient`: gradient magnitude.
    Gradient(GradientSettings),
}

impl ImageFilter {
    /// The filter of a checked `imageType` entry (its merged settings).
    ///
    /// Fails for `LBP2D` (PyRadiomics needs scikit-image's `local_binary_pattern`) and `LBP3D`
    /// (spherical-harmonics LBP needing trimesh and scipy), which radlsig does not compute, for
    /// `LoG` without `sigma`, and for a wavelet radlsig does not have.
    pub fn from_settings(it: &ImageTypeSettings) -> Result<ImageFilter> {
        let f = &it.filter;
        Ok(match it.image_type {
            ImageType::Original => ImageFilter::Original,
            ImageType::LoG => {
                if f.sigma.is_empty() {
                    return Err(Error::setting(SettingProblem::refused(
                        "imageType.LoG",
                        "no sigma given (PyRadiomics computes no LoG image without it); set \
                         sigma: [1.0, 2.0, …]",
                    )));
                }
                ImageFilter::LoG(LogSettings { sigma: f.sigma.clone() })
            }
            ImageType::Wavelet => {
                WaveletFilters::named(&f.wavelet)?;
                ImageFilter::Wavelet(WaveletSettings {
                    wavelet: f.wavelet.clone(),
                    start_level: f.start_level as usize,
                    level: f.level as usize,
                    force_2d_dimension: it.features.texture.force_2d_dimension,
                })
            }
            ImageType::Square => ImageFilter::Square,
            ImageType::SquareRoot => ImageFilter::SquareRoot,
            ImageType::Logarithm => ImageFilter::Logarithm,
            ImageType::Exponential => ImageFilter::Exponential,
            ImageType::Gradient => {
                ImageFilter::Gradient(GradientSettings { use_spacing: f.gradient_use_spacing })
            }
            ImageType::Lbp2D => {
                return Err(Error::setting(SettingProblem::refused(
                    "imageType.LBP2D",
                    "not supported: PyRadiomics computes it with scikit-image's \
                     local_binary_pattern, which radlsig does not implement",
                )));
            }
            ImageType::Lbp3D => {
                return Err(Error::setting(SettingProblem::refused(
                    "imageType.LBP3D",
                    "not supported: PyRadiomics' spherical-harmonics LBP (trimesh icosphere, \
                     scipy sph_harm and cubic-spline sampling) is not implemented in radlsig",
                )));
            }
        })
    }

    /// The `imageType` key (`LoG`, `Wavelet`, …).
    pub fn name(&self) -> &'static str {
        match self {
            ImageFilter::Original => "Original",
            ImageFilter::LoG(_) => "LoG",
            ImageFilter::Wavelet(_) => "Wavelet",
            ImageFilter::Square => "Square",
            ImageFilter::SquareRoot => "SquareRoot",
            ImageFilter::Logarithm => "Logarithm",
            ImageFilter::Exponential => "Exponential",
            ImageFilter::Gradient(_) => "Gradient",
        }
    }
}

/// The derived images of `image` for `filter`, in PyRadiomics' order, each named with its
/// PyRadiomics image-type prefix and cropped to the bounding box of `mask` (on the same
/// grid as `image`; see the module docs for which image to pass).
///
/// The volumes have the box's geometry; LoG and Gradient images are `Float32` (SimpleITK's
/// output type, values rounded to `f32`), the others `Float64`. Errors name the filter: an
/// empty mask, a mask off the image grid, an image too small for a LoG sigma (PyRadiomics
/// skips that sigma; radlsig refuses), an all-zero image for the voxel-wise filters.
pub fn filtered_images(
    image: &Volume,
    mask: &Mask,
    filter: &ImageFilter,
) -> Result<Vec<(String, Volume)>> {
    if mask.data().shape() != image.data().shape() {
        return Err(Error::ShapeMismatch {
            what: format!("{} filter", filter.name()),
            image: image.data().shape().to_vec(),
            mask: mask.data().shape().to_vec(),
        });
    }
    let bbox = mask
        .bounding_box()
        .ok_or_else(|| Error::EmptyRoi { what: format!("{} filter", filter.name()) })?;
    let geometry = image.geometry().sub_grid(bbox.lower, bbox.shape());
    let volume = |data: Array3<f64>, pixel_type: PixelType| -> Result<Volume> {
        Ok(Volume::new(data, geometry, pixel_type)?)
    };
    // The filters' errors name the filter (and its setting) themselves.
    let one = |name: &str, data: Result<Array3<f64>>| -> Result<Vec<(String, Volume)>> {
        Ok(vec![(name.to_string(), volume(data?, PixelType::Float64)?)])
    };
    match filter {
        ImageFilter::Original => Ok(vec![("original".into(), image.crop(&bbox)?)]),
        ImageFilter::LoG(settings) => settings
            .sigma
            .iter()
            .map(|&sigma| {
                let data = log::log_region(image, sigma, &bbox)?;
                Ok((log_name(sigma), volume(data, PixelType::Float32)?))
            })
            .collect(),
        ImageFilter::Wavelet(settings) => wavelet::wavelet_region(image, &bbox, settings)?
            .into_iter()
            .map(|(name, data)| Ok((name, volume(data, PixelType::Float64)?)))
            .collect(),
        ImageFilter::Square => one("square", simple::square(image, &bbox)),
        ImageFilter::SquareRoot => one("squareroot", simple::square_root(image, &bbox)),
        ImageFilter::Logarithm => one("logarithm", simple::logarithm(image, &bbox)),
        ImageFilter::Exponential => one("exponential", simple::exponential(image, &bbox)),
        ImageFilter::Gradient(g) => {
            let data = gradient::gradient_magnitude(image, &bbox, g.use_spacing);
            Ok(vec![("gradient".into(), volume(data, PixelType::Float32)?)])
        }
    }
}

/// PyRadiomics' LoG image name: `'log-sigma-%s-mm-3D' % str(sigma).replace('.', '-')`, with
/// `sigma` a Python float (`1.0` → `log-sigma-1-0-mm-3D`, `0.5` → `log-sigma-0-5-mm-3D`).
///
/// A parameter file that writes an integer sigma (`sigma: [1]`) gets `log-sigma-1-mm-3D` from
/// PyRadiomics; settings keep sigma as a float, so radlsig always uses the float spelling.
pub fn log_name(sigma: f64) -> String {
    format!("log-sigma-{}-mm-3D", python_float_repr(sigma).replace('.', "-"))
}

/// Python's `repr(float)`: the shortest round-trip digits, in positional notation with at
/// least one decimal for `1e-4 ≤ |x| < 1e16`, otherwise as `1.5e-05` / `1e+16`.
fn python_float_repr(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0.0".into() } else { "0.0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde±x".
    let sci = format!("{x:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let s = format!("{x}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// The part of `image` inside `region`.
fn region_view<'a>(image: &'a Volume, region: &BoundingBox) -> ArrayView3<'a, f64> {
    let (l, u) = (region.lower, region.upper);
    image.data().slice(s![l[0]..=u[0], l[1]..=u[1], l[2]..=u[2]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_names_follow_python_str() {
        assert_eq!(log_name(1.0), "log-sigma-1-0-mm-3D");
        assert_eq!(log_name(3.0), "log-sigma-3-0-mm-3D");
        assert_eq!(log_name(0.5), "log-sigma-0-5-mm-3D");
        assert_eq!(log_name(2.25), "log-sigma-2-25-mm-3D");
        assert_eq!(python_float_repr(1e-5), "1e-05");
        assert_eq!(python_float_repr(0.0001), "0.0001");
        assert_eq!(python_float_repr(1.5e16), "1.5e+16");
        assert_eq!(python_float_repr(0.1 + 0.2), "0.30000000000000004");
    }
}
