//! Laplacian of Gaussian: SimpleITK's `LaplacianRecursiveGaussianImageFilter` with
//! `NormalizeAcrossScale` on, as PyRadiomics' `getLoGImage` runs it.
//!
//! # What ITK computes
//!
//! ITK approximates the Gaussian and its second derivative with Deriche's 4th-order recursive
//! (IIR) filters (`RecursiveGaussianImageFilter`, coefficients of Farnebäck & Westin's
//! formulation). One 1D pass along a line `x[0..n]` is a causal recursion
//!
//! `y⁺[i] = Σ_{k=0..3} N_k x[i−k] − Σ_{k=1..4} D_k y⁺[i−k]`
//!
//! plus an anti-causal one
//!
//! `y⁻[i] = Σ_{k=1..4} M_k x[i+k] − Σ_{k=1..4} D_k y⁻[i+k]`, output `y⁺ + y⁻`,
//!
//! where the line is taken to continue forever with its first (last) value: the first four
//! outputs of each direction use the boundary coefficients `BN_k = D_k·ΣN/ΣD` (`BM_k`), the
//! steady state of a constant input. ITK requires at least 4 voxels per line.
//!
//! The Laplacian is `Σ_d (1/s_d²)·(∂²_d ∘ G_others)`: for each image axis `d` (x, y, z in turn),
//! a second-derivative pass along `d` on the input, then zero-order (smoothing) passes along the
//! other two axes in (x, y, z) order; each pass computes in `f64` and stores `f32`, and the three
//! terms are summed into an `f32` image as `acc + term·(1/s_d²)` (`s_d` the spacing in mm).
//! `sigma` is in mm (`σ_d = sigma/s_d` voxels); with `NormalizeAcrossScale` the second
//! derivative is multiplied by `sigma²`, so the response is scale-normalised. The result is
//! `f32`, as SimpleITK returns it. This module follows those steps operation for operation, so
//! its values are SimpleITK's to the last bit except for rare last-bit differences in `f32`
//! rounding.
//!
//! # Computing only the ROI box
//!
//! Features only read the filtered image inside the ROI's bounding box, but an IIR line pass
//! needs the whole line. [`log_region`] keeps exactly what is needed: each pass stores its
//! output only inside the box along its own axis, so the first pass of each term runs over the
//! window, the second over a slab and the third over a column. The window is the box grown by
//! [`MARGIN_SIGMAS`]·σ_d voxels per side (clipped to the image): the recursion then starts from
//! the window edge instead of the image edge, and the difference decays like
//! `exp(−1.3732·m/σ_d)` over a margin of `m` voxels (the slower pole of Deriche's filters), to
//! below `1e-10` of the image's intensity range at the box. Where the window reaches the image
//! border the computation is exactly ITK's.

use std::ops::Range;

use ndarray::{Array3, s};
use radlsig_volume::{BoundingBox, PixelType, Volume};

use crate::{Error, Result, SettingProblem};

/// Margin of the LoG window around the ROI box, in units of `σ_d` (sigma in voxels) per axis.
///
/// The recursive filters' impulse responses decay like `exp(−1.3732·n/σ_d)`; 18·σ_d gives
/// `exp(−24.7) ≈ 2e-11`, so the window edge changes the result by less than about `1e-10` of
/// the intensity range (well under `f32` resolution of the LoG values).
pub const MARGIN_SIGMAS: f64 = 18.0;

/// Order of a recursive Gaussian filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// The Gaussian itself (smoothing).
    Zero,
    /// Its second derivative.
    Second,
}

/// The coefficients of one ITK `RecursiveGaussianImageFilter` pass (all `f64`, computed with
/// ITK's expressions in ITK's order so that they are bit-identical).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Recursive {
    /// Causal input coefficients `N0..N3`.
    n: [f64; 4],
    /// Recursive coefficients `D1..D4`.
    d: [f64; 4],
    /// Anti-causal input coefficients `M1..M4`.
    m: [f64; 4],
    /// Causal boundary coefficients `BN1..BN4`.
    bn: [f64; 4],
    /// Anti-causal boundary coefficients `BM1..BM4`.
    bm: [f64; 4],
}

// Deriche's exponential-series parameters, as ITK writes them.
const A1: [f64; 3] = [1.3530, -0.6724, -1.3563];
const B1: [f64; 3] = [1.8151, -3.4327, 5.2318];
const W1: f64 = 0.6681;
const L1: f64 = -1.3932;
const A2: [f64; 3] = [-0.3531, 0.6724, 0.3446];
const B2: [f64; 3] = [0.0902, 0.6100, -2.2355];
const W2: f64 = 2.0787;
const L2: f64 = -1.3732;

/// `N0..N3` and their moments `SN, DN, EN` (ITK's `ComputeNCoefficients`).
fn n_coefficients(sigmad: f64, a1: f64, b1: f64, a2: f64, b2: f64) -> ([f64; 4], [f64; 3]) {
    let sin1 = (W1 / sigmad).sin();
    let sin2 = (W2 / sigmad).sin();
    let cos1 = (W1 / sigmad).cos();
    let cos2 = (W2 / sigmad).cos();
    let exp1 = (L1 / sigmad).exp();
    let exp2 = (L2 / sigmad).exp();

    let n0 = a1 + a2;
    let mut n1 = exp2 * (b2 * sin2 - (a2 + 2.0 * a1) * cos2);
    n1 += exp1 * (b1 * sin1 - (a1 + 2.0 * a2) * cos1);
    let mut n2 = (a1 + a2) * cos2 * cos1;
    n2 -= b1 * cos2 * sin1 + b2 * cos1 * sin2;
    n2 *= 2.0 * exp1 * exp2;
    n2 += a2 * exp1 * exp1 + a1 * exp2 * exp2;
    let mut n3 = exp2 * exp1 * exp1 * (b2 * sin2 - a2 * cos2);
    n3 += exp1 * exp2 * exp2 * (b1 * sin1 - a1 * cos1);

    let sn = n0 + n1 + n2 + n3;
    let dn = n1 + 2.0 * n2 + 3.0 * n3;
    let en = n1 + 4.0 * n2 + 9.0 * n3;
    ([n0, n1, n2, n3], [sn, dn, en])
}

/// `D1..D4` and their moments `SD, DD, ED` (ITK's `ComputeDCoefficients`).
fn d_coefficients(sigmad: f64) -> ([f64; 4], [f64; 3]) {
    let cos1 = (W1 / sigmad).cos();
    let cos2 = (W2 / sigmad).cos();
    let exp1 = (L1 / sigmad).exp();
    let exp2 = (L2 / sigmad).exp();

    let d4 = exp1 * exp1 * exp2 * exp2;
    let mut d3 = -2.0 * cos1 * exp1 * exp2 * exp2;
    d3 += -2.0 * cos2 * exp2 * exp1 * exp1;
    let mut d2 = 4.0 * cos2 * cos1 * exp1 * exp2;
    d2 += exp1 * exp1 + exp2 * exp2;
    let d1 = -2.0 * (exp2 * cos2 + exp1 * cos1);

    let sd = 1.0 + d1 + d2 + d3 + d4;
    let dd = d1 + 2.0 * d2 + 3.0 * d3 + 4.0 * d4;
    let ed = d1 + 4.0 * d2 + 9.0 * d3 + 16.0 * d4;
    ([d1, d2, d3, d4], [sd, dd, ed])
}

impl Recursive {
    /// ITK's `SetUp(spacing)` for a filter of `sigma` mm along an axis of `spacing` mm, with
    /// `NormalizeAcrossScale` on (it only affects the second order: factor `sigma²`).
    fn new(sigma: f64, spacing: f64, order: Order) -> Recursive {
        let sigmad = sigma / spacing;
        let (d, [sd, dd, ed]) = d_coefficients(sigmad);
        let n = match order {
            Order::Zero => {
                let (n, [sn, _, _]) = n_coefficients(sigmad, A1[0], B1[0], A2[0], B2[0]);
                let alpha0 = 2.0 * sn / sd - n[0];
                let scale = 1.0 / alpha0;
                n.map(|v| v * scale)
            }
            Order::Second => {
                let across_scale_normalization = sigma * sigma;
                let (n_0, [sn0, dn0, en0]) = n_coefficients(sigmad, A1[0], B1[0], A2[0], B2[0]);
                let (n_2, [sn2, dn2, en2]) = n_coefficients(sigmad, A1[2], B1[2], A2[2], B2[2]);
                let beta = -(2.0 * sn2 - sd * n_2[0]) / (2.0 * sn0 - sd * n_0[0]);
                let n = [
                    n_2[0] + beta * n_0[0],
                    n_2[1] + beta * n_0[1],
                    n_2[2] + beta * n_0[2],
                    n_2[3] + beta * n_0[3],
                ];
                let sn = sn2 + beta * sn0;
                let dn = dn2 + beta * dn0;
                let en = en2 + beta * en0;
                let mut alpha2 =
                    en * sd * sd - ed * sn * sd - 2.0 * dn * dd * sd + 2.0 * dd * dd * sn;
                alpha2 /= sd * sd * sd;
                let scale = across_scale_normalization / alpha2;
                n.map(|v| v * scale)
            }
        };
        // Both orders used here are symmetric kernels (ITK's `ComputeRemainingCoefficients`).
        let m = [n[1] - d[0] * n[0], n[2] - d[1] * n[0], n[3] - d[2] * n[0], -d[3] * n[0]];
        let sn = n[0] + n[1] + n[2] + n[3];
        let sm = m[0] + m[1] + m[2] + m[3];
        let sd = 1.0 + d[0] + d[1] + d[2] + d[3];
        let bn = d.map(|dk| dk * sn / sd);
        let bm = d.map(|dk| dk * sm / sd);
        Recursive { n, d, m, bn, bm }
    }
}

/// `Σ_k a_k[j]·b_k` for every `j`, summed left to right as ITK's `MathEMAMAMAM`.
#[inline(always)]
fn ema(out: &mut [f64], a: [&[f64]; 4], b: &[f64; 4]) {
    let n = out.len();
    let (a0, a1, a2, a3) = (&a[0][..n], &a[1][..n], &a[2][..n], &a[3][..n]);
    for j in 0..n {
        out[j] = a0[j] * b[0] + a1[j] * b[1] + a2[j] * b[2] + a3[j] * b[3];
    }
}

/// `out[j] −= Σ_k a_k[j]·b_k` (ITK's `MathSMAMAMAM`).
#[inline(always)]
fn sma(out: &mut [f64], a: [&[f64]; 4], b: &[f64; 4]) {
    let n = out.len();
    let (a0, a1, a2, a3) = (&a[0][..n], &a[1][..n], &a[2][..n], &a[3][..n]);
    for j in 0..n {
        out[j] -= a0[j] * b[0] + a1[j] * b[1] + a2[j] * b[2] + a3[j] * b[3];
    }
}

/// ITK's `FilterDataArray` on `nb` lines at once: `data`, `out` and `scratch` hold `len` rows
/// of `nb` values (row `i` = position `i` of every line). `len ≥ 4`.
///
/// Uses 256-bit vectors where the CPU has AVX: the same IEEE multiplications and additions in
/// the same order (no fused multiply-add), so the results are identical.
fn filter_lines(c: &Recursive, data: &[f64], out: &mut [f64], scratch: &mut [f64], nb: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU supports AVX, checked just above.
        return unsafe { filter_lines_avx(c, data, out, scratch, nb) };
    }
    filter_lines_portable(c, data, out, scratch, nb)
}

/// [`filter_lines_portable`] compiled for AVX (only called when the CPU has it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx")]
fn filter_lines_avx(c: &Recursive, data: &[f64], out: &mut [f64], scratch: &mut [f64], nb: usize) {
    filter_lines_portable(c, data, out, scratch, nb)
}

#[inline(always)]
fn filter_lines_portable(
    c: &Recursive,
    data: &[f64],
    out: &mut [f64],
    scratch: &mut [f64],
    nb: usize,
) {
    let len = data.len() / nb;
    debug_assert!(len >= 4 && out.len() == data.len() && scratch.len() == data.len());
    let x = |i: usize| &data[i * nb..(i + 1) * nb];

    // Causal pass; the line is taken to continue to −∞ with x[0].
    let v = x(0);
    {
        let (o0, rest) = out.split_at_mut(nb);
        ema(o0, [v, v, v, v], &c.n);
        sma(o0, [v, v, v, v], &c.bn);
        let (o1, rest) = rest.split_at_mut(nb);
        ema(o1, [x(1), v, v, v], &c.n);
        sma(o1, [o0, v, v, v], &[c.d[0], c.bn[1], c.bn[2], c.bn[3]]);
        let (o2, rest) = rest.split_at_mut(nb);
        ema(o2, [x(2), x(1), v, v], &c.n);
        sma(o2, [o1, o0, v, v], &[c.d[0], c.d[1], c.bn[2], c.bn[3]]);
        let o3 = &mut rest[..nb];
        ema(o3, [x(3), x(2), x(1), v], &c.n);
        sma(o3, [o2, o1, o0, v], &[c.d[0], c.d[1], c.d[2], c.bn[3]]);
    }
    for i in 4..len {
        let (before, rest) = out.split_at_mut(i * nb);
        let cur = &mut rest[..nb];
        ema(cur, [x(i), x(i - 1), x(i - 2), x(i - 3)], &c.n);
        let p = |k: usize| &before[(i - k) * nb..(i - k + 1) * nb];
        sma(cur, [p(1), p(2), p(3), p(4)], &c.d);
    }

    // Anti-causal pass; the line continues to +∞ with x[len − 1].
    let w = x(len - 1);
    {
        let (head, s1) = scratch.split_at_mut((len - 1) * nb);
        ema(s1, [w, w, w, w], &c.m);
        sma(s1, [w, w, w, w], &c.bm);
        let (head, s2) = head.split_at_mut((len - 2) * nb);
        ema(s2, [x(len - 1), w, w, w], &c.m);
        sma(s2, [s1, w, w, w], &[c.d[0], c.bm[1], c.bm[2], c.bm[3]]);
        let (head, s3) = head.split_at_mut((len - 3) * nb);
        ema(s3, [x(len - 2), x(len - 1), w, w], &c.m);
        sma(s3, [s2, s1, w, w], &[c.d[0], c.d[1], c.bm[2], c.bm[3]]);
        let s4 = &mut head[(len - 4) * nb..];
        ema(s4, [x(len - 3), x(len - 2), x(len - 1), w], &c.m);
        sma(s4, [s3, s2, s1, w], &[c.d[0], c.d[1], c.d[2], c.bm[3]]);
    }
    for i in (1..=len - 4).rev() {
        let (before, after) = scratch.split_at_mut(i * nb);
        let cur = &mut before[(i - 1) * nb..];
        ema(cur, [x(i), x(i + 1), x(i + 2), x(i + 3)], &c.m);
        let q = |k: usize| &after[k * nb..(k + 1) * nb];
        sma(cur, [q(0), q(1), q(2), q(3)], &c.d);
    }
    for (o, s) in out.iter_mut().zip(scratch.iter()) {
        *o += *s;
    }
}

/// Lines filtered together (one SIMD-friendly row per line position).
const BATCH: usize = 32;

/// A C-order (`[z, y, x]`, x fastest) array as a flat buffer.
struct Flat<T> {
    data: Vec<T>,
    shape: [usize; 3],
}

impl<T> Flat<T> {
    fn strides(&self) -> [usize; 3] {
        [self.shape[1] * self.shape[2], self.shape[2], 1]
    }
}

/// One recursive pass along array axis `axis` of `input` (each line its whole extent along
/// `axis`), keeping the outputs at positions `keep` along that axis, rounded to `f32` as ITK's
/// `float` intermediate images are.
///
/// Lines are filtered `BATCH` at a time: along x (contiguous lines) they are transposed into
/// the batch buffer; along y or z, neighbouring x positions form the batch.
fn pass<T: Copy + Into<f64>>(
    input: &Flat<T>,
    axis: usize,
    c: &Recursive,
    keep: Range<usize>,
) -> Flat<f32> {
    let shape = input.shape;
    let st = input.strides();
    let len = shape[axis];
    let mut out_shape = shape;
    out_shape[axis] = keep.len();
    let mut out =
        Flat { data: vec![0.0f32; out_shape[0] * out_shape[1] * out_shape[2]], shape: out_shape };
    let ost = out.strides();
    // The batch runs along `inner`; the remaining axis is `outer`.
    let inner = if axis == 2 { 1 } else { 2 };
    let outer = 3 - axis - inner;
    let mut data = vec![0.0; len * BATCH];
    let mut res = vec![0.0; len * BATCH];
    let mut scratch = vec![0.0; len * BATCH];
    for j in 0..shape[outer] {
        let mut b0 = 0;
        while b0 < shape[inner] {
            let nb = BATCH.min(shape[inner] - b0);
            let data = &mut data[..len * nb];
            let base = j * st[outer] + b0 * st[inner];
            if axis == 2 {
                // Each line is a contiguous row: transpose it into column `b`.
                for b in 0..nb {
                    let row = &input.data[base + b * st[inner]..][..len];
                    for (i, v) in row.iter().enumerate() {
                        data[i * nb + b] = (*v).into();
                    }
                }
            } else {
                for i in 0..len {
                    let src = &input.data[base + i * st[axis]..][..nb];
                    for (d, v) in data[i * nb..(i + 1) * nb].iter_mut().zip(src) {
                        *d = (*v).into();
                    }
                }
            }
            let res = &mut res[..len * nb];
            filter_lines(c, data, res, &mut scratch[..len * nb], nb);
            let obase = j * ost[outer] + b0 * ost[inner];
            if axis == 2 {
                for b in 0..nb {
                    let row = &mut out.data[obase + b * ost[inner]..][..keep.len()];
                    for (k, i) in keep.clone().enumerate() {
                        row[k] = res[i * nb + b] as f32;
                    }
                }
            } else {
                for (k, i) in keep.clone().enumerate() {
                    let dst = &mut out.data[obase + k * ost[axis]..][..nb];
                    for (d, v) in dst.iter_mut().zip(&res[i * nb..(i + 1) * nb]) {
                        *d = *v as f32;
                    }
                }
            }
            b0 += nb;
        }
    }
    out
}

/// The window (array index ranges `[z, y, x]`) used for `sigma` around `region`: the region
/// grown by [`MARGIN_SIGMAS`]·σ_d voxels per side, clipped to the image, at least 4 voxels
/// long where the image allows.
fn window(image: &Volume, sigma: f64, region: &BoundingBox) -> [Range<usize>; 3] {
    let shape = image.geometry().shape_zyx();
    let spacing = image.geometry().spacing_zyx();
    std::array::from_fn(|a| {
        let margin = (MARGIN_SIGMAS * sigma / spacing[a]).ceil() as usize + 4;
        let lo = region.lower[a].saturating_sub(margin);
        let hi = (region.upper[a] + 1 + margin).min(shape[a]);
        lo..hi
    })
}

/// Checks PyRadiomics' and ITK's conditions for LoG with `sigma` on `image`.
fn check(image: &Volume, sigma: f64) -> Result<()> {
    let g = image.geometry();
    if !(sigma > 0.0 && sigma.is_finite()) {
        return Err(Error::setting(SettingProblem::out_of_range(
            "sigma",
            sigma,
            "a finite number > 0",
        )));
    }
    if g.size.iter().any(|&n| n < 4) {
        return Err(Error::LogImageTooSmall { size: g.size });
    }
    for a in 0..3 {
        let needed = (sigma / g.spacing[a]).ceil() + 1.0;
        if (g.size[a] as f64) < needed {
            return Err(Error::LogSigmaTooLarge { sigma, size: g.size, spacing: g.spacing });
        }
    }
    Ok(())
}

/// The LoG of `image` (`[z, y, x]` array) inside the index ranges `region` (each of length ≥ 1),
/// computed with lines spanning `window` (which contains `region`), as `f32` values in `f64`.
fn log_window(
    image: &Volume,
    sigma: f64,
    window: &[Range<usize>; 3],
    region: &[Range<usize>; 3],
) -> Array3<f64> {
    let spacing = image.geometry().spacing_zyx();
    let view = image.data().slice(s![window[0].clone(), window[1].clone(), window[2].clone()]);
    let view = view.as_standard_layout();
    let input = Flat {
        data: view.as_slice().expect("a standard-layout array is contiguous").to_vec(),
        shape: [view.shape()[0], view.shape()[1], view.shape()[2]],
    };
    // Region positions relative to the window.
    let keep: [Range<usize>; 3] = std::array::from_fn(|a| {
        (region[a].start - window[a].start)..(region[a].end - window[a].start)
    });
    let smooth: [Recursive; 3] =
        std::array::from_fn(|a| Recursive::new(sigma, spacing[a], Order::Zero));
    let second: [Recursive; 3] =
        std::array::from_fn(|a| Recursive::new(sigma, spacing[a], Order::Second));
    let shape = [keep[0].len(), keep[1].len(), keep[2].len()];
    let mut acc = Array3::<f32>::zeros(shape);
    // ITK dimension d = x, y, z is array axis 2 − d; the smoothing passes follow in ITK order.
    for itk_dim in 0..3 {
        let axis = 2 - itk_dim;
        let others: Vec<usize> = (0..3).filter(|&d| d != itk_dim).map(|d| 2 - d).collect();
        let mut cur = pass(&input, axis, &second[axis], keep[axis].clone());
        for &o in &others {
            cur = pass(&cur, o, &smooth[o], keep[o].clone());
        }
        let factor = 1.0 / (spacing[axis] * spacing[axis]);
        for (a, t) in acc.iter_mut().zip(cur.data.iter()) {
            *a = (*a as f64 + *t as f64 * factor) as f32;
        }
    }
    acc.mapv(|v| v as f64)
}

/// The LoG image of `image` for `sigma` (mm) on the whole grid, exactly as SimpleITK's
/// `LaplacianRecursiveGaussianImageFilter(sigma, NormalizeAcrossScale=True)` computes it
/// (`f32` values, pixel type `Float32`).
///
/// Fails (as PyRadiomics skips) when the image has fewer than 4 voxels along an axis or fewer
/// than `ceil(sigma/spacing) + 1`, or when `sigma` is not positive.
pub fn laplacian_of_gaussian(image: &Volume, sigma: f64) -> Result<Volume> {
    check(image, sigma)?;
    let shape = image.geometry().shape_zyx();
    let full: [Range<usize>; 3] = std::array::from_fn(|a| 0..shape[a]);
    let data = log_window(image, sigma, &full, &full);
    Ok(image.with_data(data, PixelType::Float32)?)
}

/// The LoG image of `image` for `sigma` (mm) inside `region` only (the returned array has the
/// box's shape), as [`laplacian_of_gaussian`] would give it there, computed on a window of
/// [`MARGIN_SIGMAS`]·σ voxels around the box (see the module docs for the accuracy).
pub fn log_region(image: &Volume, sigma: f64, region: &BoundingBox) -> Result<Array3<f64>> {
    check(image, sigma)?;
    let w = window(image, sigma, region);
    let r: [Range<usize>; 3] = std::array::from_fn(|a| region.lower[a]..region.upper[a] + 1);
    Ok(log_window(image, sigma, &w, &r))
}

#[cfg(test)]
mod tests {
    use super::*;
    use radlsig_volume::Geometry;

    fn volume(data: Array3<f64>, spacing: [f64; 3]) -> Volume {
        let sh = data.shape();
        let g = Geometry::new([sh[2], sh[1], sh[0]], spacing);
        Volume::new(data, g, PixelType::Int16).unwrap()
    }

    #[test]
    fn smoothing_has_unit_gain_and_steady_state_boundaries() {
        // A constant line stays constant through a zero-order pass (unit DC gain, and the
        // boundary coefficients are the constant input's steady state), to rounding.
        for sigmad in [0.4, 1.0, 2.5, 7.0] {
            let c = Recursive::new(sigmad, 1.0, Order::Zero);
            let data = vec![5.0; 12];
            let (mut out, mut scratch) = (vec![0.0; 12], vec![0.0; 12]);
            filter_lines(&c, &data, &mut out, &mut scratch, 1);
            for v in out {
                assert!((v - 5.0).abs() < 1e-12, "sigma {sigmad}: {v}");
            }
        }
    }

    #[test]
    fn log_of_a_constant_image_is_zero_everywhere() {
        let v = volume(Array3::from_elem((6, 7, 8), 100.0), [0.7, 0.7, 2.0]);
        let log = laplacian_of_gaussian(&v, 1.5).unwrap();
        assert!(log.data().iter().all(|x| x.abs() < 1e-9), "{:?}", log.data());
    }

    #[test]
    fn log_of_a_quadratic_is_its_scaled_laplacian() {
        // f = x² (x in mm): ∇²f = 2 everywhere; scale-normalised LoG = σ²·2 away from borders
        // (the Gaussian preserves quadratics; Deriche's approximation to ~1e-3).
        let sp = [0.5, 0.5, 0.5];
        let data = Array3::from_shape_fn((8, 8, 64), |(_, _, x)| {
            let xm = x as f64 * sp[0];
            xm * xm
        });
        let v = volume(data, sp);
        let sigma = 1.0;
        let log = laplacian_of_gaussian(&v, sigma).unwrap();
        let mid = log.data()[[4, 4, 32]];
        assert!((mid - 2.0 * sigma * sigma).abs() < 5e-3 * 2.0, "{mid}");
    }

    #[test]
    fn region_equals_the_whole_image_computation() {
        // Random data on a grid smaller than the window: the window is the whole image, so the
        // region is the exact crop of the full result.
        let mut seed = 1u64;
        let data = Array3::from_shape_fn((9, 11, 13), |_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 33) % 1000) as f64
        });
        let v = volume(data, [0.8, 0.9, 2.5]);
        let full = laplacian_of_gaussian(&v, 1.0).unwrap();
        let bbox = BoundingBox { lower: [2, 3, 4], upper: [5, 8, 9] };
        let part = log_region(&v, 1.0, &bbox).unwrap();
        let crop = full.crop(&bbox).unwrap();
        assert_eq!(part, *crop.data());
    }

    #[test]
    fn too_small_images_and_bad_sigmas_are_refused() {
        let v = volume(Array3::zeros((3, 8, 8)), [1.0, 1.0, 1.0]);
        assert!(laplacian_of_gaussian(&v, 1.0).unwrap_err().to_string().contains("4 voxels"));
        let v = volume(Array3::zeros((5, 8, 8)), [1.0, 1.0, 1.0]);
        assert!(laplacian_of_gaussian(&v, 0.0).is_err());
        assert!(laplacian_of_gaussian(&v, 5.0).unwrap_err().to_string().contains("ceil"));
    }
}
