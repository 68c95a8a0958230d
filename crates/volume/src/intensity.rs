//! Whole-image intensity normalisation and ROI re-segmentation, as PyRadiomics does them.

use crate::{Error, Mask, PixelType, Result, Volume};

/// Normalises the **whole image** (not only the ROI) to zero mean and unit standard deviation,
/// optionally clips outliers, then scales — PyRadiomics' `normalizeImage`:
///
/// `f(x) = s · clip((x − μ)/σ, −n, n)`
///
/// where `μ` and `σ` are the mean and sample standard deviation (`n − 1` denominator, as
/// SimpleITK's `Normalize`) of every voxel, `s` is `normalizeScale` and `n` is `removeOutliers`
/// (no clipping when `None`). The result is a `Float64` volume.
///
/// Fails when the image has fewer than two voxels or is constant (σ = 0).
pub fn normalize(image: &Volume, scale: f64, remove_outliers: Option<f64>) -> Result<Volume> {
    let n = image.data().len();
    if n < 2 {
        return Err(Error::Shape { what: "normalize", reason: format!("{n} voxels; at least 2 needed") });
    }
    // Neumaier-compensated sums, as ITK's StatisticsImageFilter compensates its sums.
    let (sum, sum_sq) = compensated_sums(image.data().iter().copied());
    let mean = sum / n as f64;
    let variance = (sum_sq - sum * sum / n as f64) / (n as f64 - 1.0);
    let sigma = variance.sqrt();
    if !(sigma > 0.0) {
        return Err(Error::Shape { what: "normalize", reason: "the image is constant (standard deviation 0)".into() });
    }
    if let Some(o) = remove_outliers {
        if !(o > 0.0) {
            return Err(Error::InvalidSetting { name: "removeOutliers", reason: format!("{o} is not > 0") });
        }
    }
    let data = image.data().mapv(|x| {
        let mut z = (x - mean) * (1.0 / sigma);
        if let Some(o) = remove_outliers {
            z = z.clamp(-o, o);
        }
        z * scale
    });
    image.with_data(data, PixelType::Float64)
}

fn compensated_sums(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut s, mut cs, mut q, mut cq) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let add = |acc: &mut f64, comp: &mut f64, v: f64| {
        let t = *acc + v;
        if acc.abs() >= v.abs() {
            *comp += (*acc - t) + v;
        } else {
            *comp += (v - t) + *acc;
        }
        *acc = t;
    };
    for v in values {
        add(&mut s, &mut cs, v);
        add(&mut q, &mut cq, v * v);
    }
    (s + cs, q + cq)
}

/// How the thresholds of [`resegment`] are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResegmentMode {
    /// Thresholds are grey levels.
    Absolute,
    /// Thresholds are fractions of the ROI's maximum grey level.
    Relative,
    /// Thresholds are numbers of standard deviations (population SD) from the ROI mean.
    Sigma,
}

/// Keeps only the ROI voxels whose grey level lies in the range — PyRadiomics'
/// `resegmentMask`. One threshold keeps `x ≥ t`; two keep `t_low ≤ x ≤ t_high` (sorted first).
///
/// Fails when the range has 0 or more than 2 values, or when one voxel or none is left; the
/// message names `what` (the mask file).
pub fn resegment(image: &Volume, mask: &Mask, range: &[f64], mode: ResegmentMode, what: &str) -> Result<Mask> {
    if range.is_empty() || range.len() > 2 {
        return Err(Error::InvalidSetting {
            name: "resegmentRange",
            reason: format!("{} values given; 1 or 2 are allowed", range.len()),
        });
    }
    let values = mask.values(image)?;
    let mut sorted = range.to_vec();
    sorted.sort_by(f64::total_cmp);
    let thresholds: Vec<f64> = match mode {
        ResegmentMode::Absolute => sorted,
        ResegmentMode::Relative => {
            let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            sorted.iter().map(|t| max * t).collect()
        }
        ResegmentMode::Sigma => {
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let sd = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
            sorted.iter().map(|t| mean + sd * t).collect()
        }
    };
    let mut data = mask.data().clone();
    for (m, &x) in data.iter_mut().zip(image.data().iter()) {
        if *m {
            *m = x >= thresholds[0] && (thresholds.len() < 2 || x <= thresholds[1]);
        }
    }
    let kept = data.iter().filter(|&&b| b).count();
    if kept <= 1 {
        return Err(Error::EmptyMask {
            what: what.to_string(),
            label: 1,
            present: format!(" after re-segmentation to {range:?} ({mode:?}): {kept} voxel(s) retained"),
        });
    }
    mask.with_data(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Geometry;
    use approx::assert_abs_diff_eq;
    use ndarray::Array3;

    fn vol(values: &[f64]) -> Volume {
        let data = Array3::from_shape_vec((1, 1, values.len()), values.to_vec()).unwrap();
        Volume::new(data, Geometry::new([values.len(), 1, 1], [1.0; 3]), PixelType::Int16).unwrap()
    }

    #[test]
    fn normalize_by_hand() {
        // mean 2.5, sample SD sqrt(5/3) for 1, 2, 3, 4.
        let v = normalize(&vol(&[1.0, 2.0, 3.0, 4.0]), 100.0, None).unwrap();
        let sd = (5.0f64 / 3.0).sqrt();
        assert_abs_diff_eq!(v.data()[[0, 0, 0]], 100.0 * -1.5 / sd, epsilon = 1e-12);
        assert_abs_diff_eq!(v.data()[[0, 0, 3]], 100.0 * 1.5 / sd, epsilon = 1e-12);
        let clipped = normalize(&vol(&[1.0, 2.0, 3.0, 4.0]), 1.0, Some(1.0)).unwrap();
        assert_eq!(clipped.data()[[0, 0, 0]], -1.0);
        assert!(normalize(&vol(&[3.0, 3.0]), 1.0, None).is_err());
    }

    #[test]
    fn resegment_modes() {
        let img = vol(&[0.0, 10.0, 20.0, 30.0, 40.0]);
        let mask = Mask::new(Array3::from_elem((1, 1, 5), true), *img.geometry()).unwrap();
        let m = resegment(&img, &mask, &[25.0, 5.0], ResegmentMode::Absolute, "m").unwrap();
        assert_eq!(m.data().iter().copied().collect::<Vec<_>>(), vec![false, true, true, false, false]);
        let m = resegment(&img, &mask, &[0.5], ResegmentMode::Relative, "m").unwrap();
        assert_eq!(m.count(), 3);
        // mean 20, population SD sqrt(200) ≈ 14.14: ±1 SD keeps 10, 20, 30.
        let m = resegment(&img, &mask, &[-1.0, 1.0], ResegmentMode::Sigma, "m").unwrap();
        assert_eq!(m.count(), 3);
        let err = resegment(&img, &mask, &[100.0], ResegmentMode::Absolute, "m.nrrd").unwrap_err();
        assert!(err.to_string().contains("m.nrrd"));
    }
}
