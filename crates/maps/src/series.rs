//! Maps of a whole series: one 3D image per b-value on one grid, fitted voxel by voxel on a
//! mask (or everywhere), written as NIfTI/NRRD maps with the fit's residual map.
//!
//! Voxels outside the mask, and voxels whose signals cannot be fitted (background: a
//! non-positive signal where the model takes its logarithm), are 0 in every map (as DIPY
//! writes them; NaN would stop a radiomics extraction, which needs finite images), and
//! [`FittedMaps::unfitted`] counts the voxels of the mask that could not be fitted. The maps
//! are written only after every voxel has been fitted, each atomically; a series whose images
//! disagree (count, grid, non-finite values) fails before any fit, naming the file.

use std::path::{Path, PathBuf};

use ndarray::Array3;
use radlsig_volume::{GeometryTolerance, Mask, PixelType, Volume, read_volume, write_volume};
use rayon::prelude::*;

use crate::adc::{adc_log_linear, adc_nonlinear, check_b_values};
use crate::error::{Error, Result};
use crate::ivim::{IvimMethod, IvimProtocol, ivim_voxels};
use crate::t1::{T1Fit, t1_inversion_recovery, t1_vfa};

/// A series: its images (one grid) and the acquisition value of each (b-value, flip angle in
/// degrees, or inversion time).
#[derive(Debug, Clone)]
pub struct Series {
    /// The images, in the order given.
    pub images: Vec<Volume>,
    /// The b-value (s/mm²), flip angle (degrees) or inversion time of each image.
    pub values: Vec<f64>,
    /// The files, for messages.
    pub paths: Vec<PathBuf>,
}

impl Series {
    /// Reads one image per acquisition value and checks them: as many images as values, every
    /// value finite, every image on the first one's grid, every voxel finite.
    pub fn read(paths: &[PathBuf], values: &[f64]) -> Result<Series> {
        let first = paths.first().cloned().unwrap_or_default();
        if paths.len() != values.len() {
            return Err(Error::Series {
                path: first,
                reason: format!(
                    "{} images for {} acquisition values (one image per b-value, flip angle or \
                     inversion time)",
                    paths.len(),
                    values.len()
                ),
            });
        }
        if let Some(v) = values.iter().find(|v| !v.is_finite()) {
            return Err(Error::Series { path: first, reason: format!("acquisition value {v}") });
        }
        let mut images: Vec<Volume> = Vec::with_capacity(paths.len());
        for path in paths {
            let v =
                read_volume(path).map_err(|source| Error::Volume { path: path.clone(), source })?;
            let bad = v.count_non_finite();
            if bad > 0 {
                return Err(Error::Series {
                    path: path.clone(),
                    reason: format!("{bad} voxels are not finite"),
                });
            }
            if let Some(g) = images.first() {
                g.geometry().check_same_grid(v.geometry(), GeometryTolerance::default()).map_err(
                    |reason| Error::Series {
                        path: path.clone(),
                        reason: format!("not on the grid of {}: {reason}", first.display()),
                    },
                )?;
            }
            images.push(v);
        }
        Ok(Series { images, values: values.to_vec(), paths: paths.to_vec() })
    }

    /// Checks that `mask` (read from `path`) lies on the series' grid.
    pub fn check_mask(&self, mask: &Mask, path: &Path) -> Result<()> {
        self.images[0]
            .geometry()
            .check_same_grid(mask.geometry(), GeometryTolerance::default())
            .map_err(|reason| Error::Series {
                path: path.to_path_buf(),
                reason: format!(
                    "the mask is not on the grid of {}: {reason}",
                    self.paths[0].display()
                ),
            })
    }

    /// The voxels to fit (`[z, y, x]` array indices, in array order) and their signals,
    /// voxel-major.
    fn signals(&self, mask: Option<&Mask>) -> (Vec<[usize; 3]>, Vec<f64>) {
        let mut voxels = Vec::new();
        for ((i, j, k), _) in self.images[0].data().indexed_iter() {
            if mask.is_none_or(|m| m.data()[[i, j, k]]) {
                voxels.push([i, j, k]);
            }
        }
        let signals =
            voxels.iter().flat_map(|&v| self.images.iter().map(move |im| im.data()[v])).collect();
        (voxels, signals)
    }
}

/// Which model a map fit uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MapModel {
    /// ADC, log-linear (`nonlinear = false`) or non-linear.
    Adc {
        /// Least squares of the signal rather than of its logarithm.
        nonlinear: bool,
    },
    /// IVIM with the b-threshold of its segmented step.
    Ivim {
        /// Perfusion is neglected above this b-value.
        threshold: f64,
        /// Segmented or full.
        method: IvimMethod,
    },
    /// T1 by variable flip angle (the series' values are flip angles in degrees).
    T1Vfa {
        /// The repetition time.
        tr: f64,
    },
    /// T1 by inversion recovery (the values are inversion times), searched in a range.
    T1InversionRecovery {
        /// The smallest T1 searched.
        t1_min: f64,
        /// The largest T1 searched.
        t1_max: f64,
    },
}

/// The maps of a series.
#[derive(Debug, Clone)]
pub struct FittedMaps {
    /// The maps by name (`S0` and `ADC`; `S0`, `f`, `Dstar`, `D`; or `M0`, `T1`; then `rmse`).
    pub maps: Vec<(String, Volume)>,
    /// Voxels fitted.
    pub fitted: usize,
    /// Voxels of the mask (of the image without one) that could not be fitted (0 in the maps).
    pub unfitted: usize,
}

/// Fits every voxel of the mask (of the image without one) with `model` (module docs).
pub fn fit_maps(series: &Series, mask: Option<&Mask>, model: MapModel) -> Result<FittedMaps> {
    let (voxels, signals) = series.signals(mask);
    let n_b = series.values.len();
    let b = &series.values;
    let what = series.paths[0].display().to_string();
    if matches!(model, MapModel::Adc { .. } | MapModel::Ivim { .. }) {
        check_b_values(b, &what)?;
    }
    let t1 = |fit: Option<T1Fit>| fit.map(|f| vec![f.m0, f.t1, f.rmse]);
    let (names, values): (Vec<&str>, Vec<Option<Vec<f64>>>) = match model {
        MapModel::Adc { nonlinear } => (
            vec!["S0", "ADC", "rmse"],
            signals
                .par_chunks(n_b)
                .map(|s| {
                    let fit = if nonlinear { adc_nonlinear(b, s) } else { adc_log_linear(b, s) };
                    fit.map(|f| vec![f.s0, f.adc, f.rmse])
                })
                .collect(),
        ),
        MapModel::Ivim { threshold, method } => {
            let protocol = IvimProtocol::new(b, threshold, &what)?;
            (
                vec!["S0", "f", "Dstar", "D", "rmse"],
                ivim_voxels(&protocol, &signals, method)
                    .into_iter()
                    .map(|f| f.map(|f| vec![f.s0, f.f, f.d_star, f.d, f.rmse]))
                    .collect(),
            )
        }
        MapModel::T1Vfa { tr } => (
            vec!["M0", "T1", "rmse"],
            signals.par_chunks(n_b).map(|s| t1(t1_vfa(b, s, tr))).collect(),
        ),
        MapModel::T1InversionRecovery { t1_min, t1_max } => (
            vec!["M0", "T1", "rmse"],
            signals
                .par_chunks(n_b)
                .map(|s| t1(t1_inversion_recovery(b, s, t1_min, t1_max)))
                .collect(),
        ),
    };
    let template = &series.images[0];
    let dim = template.data().dim();
    let maps = names
        .iter()
        .enumerate()
        .map(|(p, name)| {
            let mut data = Array3::zeros(dim);
            for (v, fit) in voxels.iter().zip(&values) {
                if let Some(f) = fit {
                    data[*v] = f[p];
                }
            }
            let volume = template
                .with_data(data, PixelType::Float32)
                .map_err(|source| Error::Volume { path: series.paths[0].clone(), source })?;
            Ok((name.to_string(), volume))
        })
        .collect::<Result<Vec<_>>>()?;
    let fitted = values.iter().filter(|v| v.is_some()).count();
    Ok(FittedMaps { maps, fitted, unfitted: values.len() - fitted })
}

/// Writes each map to `dir/NAME.nii.gz` (atomically, after all are built); returns the paths.
pub fn write_maps(dir: &Path, maps: &[(String, Volume)]) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Volume {
        path: dir.to_path_buf(),
        source: radlsig_volume::Error::Io { path: dir.to_path_buf(), source: e },
    })?;
    maps.iter()
        .map(|(name, v)| {
            let path = dir.join(format!("{name}.nii.gz"));
            write_volume(v, &path)
                .map_err(|source| Error::Volume { path: path.clone(), source })?;
            Ok(path)
        })
        .collect()
}
