//! Gaussian smoothing and correlated random fields.
//!
//! A correlated Gaussian random field is white noise convolved with a Gaussian kernel of
//! standard deviation `σ` (per axis, in voxels), divided by the kernel's L2 norm
//! `√(Σ w²)` so that it has unit variance exactly (for weights `w` normalised to sum 1, the
//! variance of the smoothed white noise is `Π_axes Σ w²`). Its covariance at lag `d` is
//! Gaussian with standard deviation `σ√2`.

use ndarray::{Array3, ArrayView3, Axis};
use rand::Rng;
use rand_distr::StandardNormal;

/// Normalised Gaussian kernel of standard deviation `sigma` (voxels), truncated at
/// `ceil(3σ)`; `[1.0]` for `sigma < 0.05`.
pub(crate) fn gaussian_kernel(sigma: f64) -> Vec<f64> {
    if sigma < 0.05 {
        return vec![1.0];
    }
    let radius = (3.0 * sigma).ceil() as isize;
    let mut w: Vec<f64> =
        (-radius..=radius).map(|i| (-0.5 * (i as f64 / sigma).powi(2)).exp()).collect();
    let sum: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= sum);
    w
}

/// Convolves along `axis` with `kernel` (odd length), replicating the edge values.
pub(crate) fn convolve_axis_clamped(a: &Array3<f64>, axis: usize, kernel: &[f64]) -> Array3<f64> {
    if kernel.len() == 1 {
        return a.clone();
    }
    let r = (kernel.len() / 2) as isize;
    let mut out = Array3::<f64>::zeros(a.raw_dim());
    let n = a.shape()[axis] as isize;
    let mut buffer = vec![0.0; n as usize];
    for (lane, mut lane_out) in a.lanes(Axis(axis)).into_iter().zip(out.lanes_mut(Axis(axis))) {
        for (b, v) in buffer.iter_mut().zip(lane.iter()) {
            *b = *v;
        }
        for i in 0..n {
            let mut acc = 0.0;
            for (k, w) in kernel.iter().enumerate() {
                let j = (i + k as isize - r).clamp(0, n - 1);
                acc += w * buffer[j as usize];
            }
            lane_out[i as usize] = acc;
        }
    }
    out
}

/// Convolves along `axis` keeping only fully supported outputs (length shrinks by
/// `kernel.len() − 1`).
fn convolve_axis_valid(a: ArrayView3<'_, f64>, axis: usize, kernel: &[f64]) -> Array3<f64> {
    let mut shape = [a.shape()[0], a.shape()[1], a.shape()[2]];
    shape[axis] -= kernel.len() - 1;
    let mut out = Array3::<f64>::zeros(shape);
    let n_in = a.shape()[axis];
    let mut buffer = vec![0.0; n_in];
    for (lane, mut lane_out) in a.lanes(Axis(axis)).into_iter().zip(out.lanes_mut(Axis(axis))) {
        for (b, v) in buffer.iter_mut().zip(lane.iter()) {
            *b = *v;
        }
        for (i, o) in lane_out.iter_mut().enumerate() {
            *o = kernel.iter().zip(&buffer[i..]).map(|(w, v)| w * v).sum();
        }
    }
    out
}

/// Blurs a volume with an axis-aligned Gaussian of standard deviations `sigma` (voxels, in
/// `[z, y, x]` order), replicating edges.
pub(crate) fn gaussian_blur(a: &Array3<f64>, sigma: [f64; 3]) -> Array3<f64> {
    let mut out = convolve_axis_clamped(a, 0, &gaussian_kernel(sigma[0]));
    out = convolve_axis_clamped(&out, 1, &gaussian_kernel(sigma[1]));
    convolve_axis_clamped(&out, 2, &gaussian_kernel(sigma[2]))
}

/// A unit-variance correlated Gaussian field of `shape` (`[z, y, x]`) with kernel standard
/// deviations `sigma` (voxels), drawn from `rng` (white noise in C order over the padded box).
pub(crate) fn correlated_field<R: Rng>(
    rng: &mut R,
    shape: [usize; 3],
    sigma: [f64; 3],
) -> Array3<f64> {
    let kernels: Vec<Vec<f64>> = sigma.iter().map(|&s| gaussian_kernel(s)).collect();
    let padded = [0, 1, 2].map(|a| shape[a] + kernels[a].len() - 1);
    let noise = Array3::from_shape_simple_fn(padded, || rng.sample::<f64, _>(StandardNormal));
    let mut field = convolve_axis_valid(noise.view(), 0, &kernels[0]);
    field = convolve_axis_valid(field.view(), 1, &kernels[1]);
    field = convolve_axis_valid(field.view(), 2, &kernels[2]);
    let norm: f64 =
        kernels.iter().map(|k| k.iter().map(|w| w * w).sum::<f64>()).product::<f64>().sqrt();
    field.mapv_inplace(|v| v / norm);
    field
}

/// A smooth field on a coarse regular grid, sampled anywhere by trilinear interpolation
/// (clamped at the edges). Used for slowly varying background tissue.
#[derive(Debug, Clone)]
pub(crate) struct SmoothField {
    /// Physical position (x, y, z) of coarse node (0, 0, 0).
    origin: [f64; 3],
    /// Node spacing in mm (the same on every axis).
    step: f64,
    /// Node values, indexed `[z, y, x]`.
    values: Array3<f64>,
}

impl SmoothField {
    /// A unit-variance field covering the box `[lo, hi]` (mm, (x, y, z)) with nodes every
    /// `step` mm, smoothed with a Gaussian of `sigma_nodes` node spacings.
    pub(crate) fn new<R: Rng>(
        rng: &mut R,
        lo: [f64; 3],
        hi: [f64; 3],
        step: f64,
        sigma_nodes: f64,
    ) -> SmoothField {
        let n = [0, 1, 2].map(|a| ((hi[a] - lo[a]) / step).ceil() as usize + 2);
        let values = correlated_field(rng, [n[2], n[1], n[0]], [sigma_nodes; 3]);
        SmoothField { origin: lo, step, values }
    }

    /// The field at physical point `p` (x, y, z).
    pub(crate) fn sample(&self, p: [f64; 3]) -> f64 {
        let shape = self.values.shape();
        let dims = [shape[2], shape[1], shape[0]];
        let mut i0 = [0usize; 3];
        let mut f = [0.0; 3];
        for a in 0..3 {
            let c = ((p[a] - self.origin[a]) / self.step).clamp(0.0, (dims[a] - 1) as f64);
            let i = (c.floor() as usize).min(dims[a].saturating_sub(2));
            i0[a] = i;
            f[a] = c - i as f64;
        }
        let mut acc = 0.0;
        for dz in 0..2 {
            for dy in 0..2 {
                for dx in 0..2 {
                    let w = (if dx == 1 { f[0] } else { 1.0 - f[0] })
                        * (if dy == 1 { f[1] } else { 1.0 - f[1] })
                        * (if dz == 1 { f[2] } else { 1.0 - f[2] });
                    if w > 0.0 {
                        acc += w * self.values[[i0[2] + dz, i0[1] + dy, i0[0] + dx]];
                    }
                }
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn kernel_is_normalised_and_symmetric() {
        let k = gaussian_kernel(1.5);
        assert_eq!(k.len(), 11);
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        for i in 0..5 {
            assert_eq!(k[i], k[10 - i]);
        }
        assert_eq!(gaussian_kernel(0.01), vec![1.0]);
    }

    #[test]
    fn clamped_blur_keeps_constants_and_mass_of_an_interior_impulse() {
        let c = Array3::from_elem((5, 6, 7), 3.25);
        let b = gaussian_blur(&c, [0.7, 1.0, 2.0]);
        assert!(b.iter().all(|v| (v - 3.25).abs() < 1e-12));
        let mut impulse = Array3::<f64>::zeros((15, 15, 15));
        impulse[[7, 7, 7]] = 1.0;
        let b = gaussian_blur(&impulse, [1.0, 1.0, 1.0]);
        assert!((b.sum() - 1.0).abs() < 1e-12);
        // Separable: the centre value is the product of the three kernels' centre weights.
        let w = gaussian_kernel(1.0)[3];
        assert!((b[[7, 7, 7]] - w * w * w).abs() < 1e-15);
    }

    #[test]
    fn correlated_field_has_unit_variance_and_the_expected_correlation() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let sigma = 2.0;
        let f = correlated_field(&mut rng, [40, 40, 40], [sigma; 3]);
        let n = f.len() as f64;
        let mean = f.sum() / n;
        let var = f.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        assert!(mean.abs() < 0.1 && (var - 1.0).abs() < 0.15, "mean {mean} var {var}");
        // Lag-2 correlation along x: exp(−d²/(4σ²)) = exp(−0.25) for d = 2, σ = 2.
        let mut acc = 0.0;
        let mut count = 0.0;
        for ((z, y, x), v) in f.indexed_iter() {
            if x + 2 < 40 {
                acc += (v - mean) * (f[[z, y, x + 2]] - mean);
                count += 1.0;
            }
        }
        let corr = acc / count / var;
        assert!((corr - (-0.25f64).exp()).abs() < 0.05, "{corr}");
    }

    #[test]
    fn smooth_field_interpolates_nodes() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let f = SmoothField::new(&mut rng, [0.0; 3], [8.0; 3], 4.0, 1.0);
        let node = f.values[[1, 2, 0]];
        assert!((f.sample([0.0, 8.0, 4.0]) - node).abs() < 1e-12);
        let mid = 0.5 * (f.values[[1, 1, 1]] + f.values[[1, 1, 2]]);
        assert!((f.sample([6.0, 4.0, 4.0]) - mid).abs() < 1e-12);
    }
}
