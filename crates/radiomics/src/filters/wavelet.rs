//! Stationary (undecimated) wavelet transform as PyRadiomics' `getWaveletImage`/`_swt3` runs
//! PyWavelets' `swtn`.
//!
//! # What PyRadiomics computes
//!
//! 1. The image array (`[z, y, x]`) is padded by one voxel at the end of every odd-length axis
//!    with `numpy.pad(…, 'wrap')` (the appended voxel is the axis' first one), so every padded
//!    length `N'` is even.
//! 2. For each level, `pywt.swtn(data, wavelet, level=1, start_level=0, axes=(2, 1, 0))` —
//!    always level 1, so the filters are never upsampled between levels (PyRadiomics' loop
//!    re-applies the level-1 transform to the previous approximation). Each axis pass is
//!    pywt's periodic convolution: with `F` filter taps `h` (`dec_lo` or `dec_hi`),
//!    `out[o] = Σ_f h[f]·x[(o + ⌊F/2⌋ − f) mod N']`, summed in pywt's order (ascending `f`,
//!    except for `o + ⌊F/2⌋ ≥ N'`, where the wrapped taps come first, descending). Passes run
//!    along x, then y, then z (`axes` order), all in `f64`.
//! 3. The sub-band keys follow `axes`: the first letter is x, the second y, the third z; `a`
//!    becomes `L` and `d` becomes `H`. `wavelet-LLH` is low-pass along x and y, high-pass
//!    along z. Levels before `start_level` only feed their approximation to the next level.
//!    Sub-bands are returned per level in pywt's key order (`LLH, LHL, …, HHH`), the final
//!    approximation (`LLL`) last; names carry the level (counted from `start_level`) when
//!    above 1: `wavelet2-HLH`.
//! 4. Every output is cropped back to the original shape; values are `f64` (`Float64`).
//!
//! With `force2D`, the axis `force2Ddimension` is left out of `axes` (two-letter names).
//!
//! # Computing only the ROI box
//!
//! The transform is linear and local (each output needs `F` inputs per axis), so only the box
//! is computed: working backwards from the box, each pass needs its input at the index set
//! `{(o + ⌊F/2⌋ − f) mod N'}`, and sub-bands are computed on those (sorted, possibly wrapped)
//! index sets only. The values are the same sums in the same order as pywt's.

use ndarray::{Array3, Axis, Zip};
use radlsig_volume::{BoundingBox, Volume};

use super::wavelet_bank::{High, decomposition_filters};
use crate::{Error, Result, SettingProblem};

/// A wavelet's decomposition filters, as PyWavelets defines them.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveletFilters {
    /// Low-pass decomposition filter (`dec_lo`).
    pub low: Vec<f64>,
    /// High-pass decomposition filter (`dec_hi`).
    pub high: Vec<f64>,
}

impl WaveletFilters {
    /// The filters of the PyWavelets wavelet `name` (`coif1`, `db2`, `haar`, `bior1.3`, …).
    ///
    /// radlsig knows the wavelets PyRadiomics documents: `haar`, `dmey`, `db1`–`db20`,
    /// `sym2`–`sym20`, `coif1`–`coif5`, `bior*` and `rbio*`.
    pub fn named(name: &str) -> Result<WaveletFilters> {
        let (low, high) = decomposition_filters(name).ok_or_else(|| {
            Error::setting(SettingProblem::refused(
                "wavelet",
                format!(
                    "{name:?} is not available in radlsig (supported: haar, dmey, db1-db20, \
                     sym2-sym20, coif1-coif5, bior1.1-bior6.8, rbio1.1-rbio6.8)"
                ),
            ))
        })?;
        let high = match high {
            High::Taps(taps) => taps.to_vec(),
            // dec_hi[i] = (−1)^(i+1)·dec_lo[F−1−i] (exact: a sign change).
            High::Mirror => (0..low.len())
                .map(|i| {
                    let v = low[low.len() - 1 - i];
                    if i % 2 == 0 { -v } else { v }
                })
                .collect(),
        };
        Ok(WaveletFilters { low: low.to_vec(), high })
    }
}

/// Values on a sub-grid of the padded image: `data[[k0, k1, k2]]` sits at padded index
/// `(idx[0][k0], idx[1][k1], idx[2][k2])`.
#[derive(Debug, Clone)]
struct SubGrid {
    idx: [Vec<usize>; 3],
    data: Array3<f64>,
}

/// The padded indices a pass needs as input to produce `out` (sorted, unique), for `taps`
/// filter taps on a periodic axis of length `n`.
fn expand(out: &[usize], taps: usize, n: usize) -> Vec<usize> {
    let mut present = vec![false; n];
    for &o in out {
        for f in 0..taps {
            // (o + F/2 − f) mod n, without going negative.
            let i = (o + taps / 2 + taps * n - f) % n;
            present[i] = true;
        }
    }
    present.iter().enumerate().filter(|(_, p)| **p).map(|(i, _)| i).collect()
}

/// The filter taps of output position `o`, in the order pywt sums them (see module docs).
fn tap_order(o: usize, taps: usize, n: usize) -> Vec<usize> {
    let i = o + taps / 2;
    if i < n {
        (0..taps).collect()
    } else {
        // Wrapped taps first (filter index i − n down to 0), then the rest ascending.
        let first = i - n;
        (0..=first).rev().chain(first + 1..taps).collect()
    }
}

/// One pywt periodic-convolution pass along array `axis` of `input` with `filter`, producing
/// the positions `out` (each must have its inputs in `input`'s index set).
fn convolve_axis(input: &SubGrid, axis: usize, filter: &[f64], out: &[usize], n: usize) -> SubGrid {
    let taps = filter.len();
    let mut position = vec![usize::MAX; n];
    for (k, &i) in input.idx[axis].iter().enumerate() {
        position[i] = k;
    }
    let mut shape = [input.data.shape()[0], input.data.shape()[1], input.data.shape()[2]];
    shape[axis] = out.len();
    let mut data = Array3::<f64>::zeros(shape);
    for (ko, &o) in out.iter().enumerate() {
        let mut dst = data.index_axis_mut(Axis(axis), ko);
        let i = o + taps / 2;
        for f in tap_order(o, taps, n) {
            let src_index = (i + taps * n - f) % n;
            let src = input.data.index_axis(Axis(axis), position[src_index]);
            let h = filter[f];
            Zip::from(&mut dst).and(&src).for_each(|d, &x| *d += h * x);
        }
    }
    let mut idx = input.idx.clone();
    idx[axis] = out.to_vec();
    SubGrid { idx, data }
}

/// Wavelet settings, with PyRadiomics' names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveletSettings {
    /// `wavelet`: a PyWavelets wavelet name (default `coif1`).
    pub wavelet: String,
    /// `start_level`: 0-based first level whose sub-bands are returned (default 0).
    pub start_level: usize,
    /// `level`: number of levels returned (default 1).
    pub level: usize,
    /// `force2Ddimension` when `force2D` is on: the array axis (0 = z) left untransformed.
    pub force_2d_dimension: Option<usize>,
}

impl Default for WaveletSettings {
    fn default() -> Self {
        WaveletSettings {
            wavelet: "coif1".into(),
            start_level: 0,
            level: 1,
            force_2d_dimension: None,
        }
    }
}

/// The wavelet sub-bands of `image` inside `region`, each as an array of the box's shape,
/// named as PyRadiomics names them (`wavelet-LLH`, …, `wavelet-LLL`; see the module docs).
pub fn wavelet_region(
    image: &Volume,
    region: &BoundingBox,
    settings: &WaveletSettings,
) -> Result<Vec<(String, Array3<f64>)>> {
    let filters = WaveletFilters::named(&settings.wavelet)?;
    if settings.level < 1 {
        return Err(Error::setting(SettingProblem::out_of_range("level", settings.level, ">= 1")));
    }
    if let Some(d) = settings.force_2d_dimension.filter(|&d| d > 2) {
        return Err(Error::setting(SettingProblem::out_of_range(
            "force2Ddimension",
            d,
            "0, 1 or 2",
        )));
    }
    let shape = image.geometry().shape_zyx();
    let padded: [usize; 3] = std::array::from_fn(|a| shape[a] + shape[a] % 2);
    // PyRadiomics' axes: x, y, z (array axes 2, 1, 0) without the force2D one.
    let axes: Vec<usize> =
        [2, 1, 0].into_iter().filter(|&a| Some(a) != settings.force_2d_dimension).collect();
    let box_idx: [Vec<usize>; 3] =
        std::array::from_fn(|a| (region.lower[a]..=region.upper[a]).collect());
    let taps = filters.low.len().max(filters.high.len());
    let total = settings.start_level + settings.level;

    // Output index sets per level, from the last level backwards.
    let mut sets: Vec<[Vec<usize>; 3]> = vec![box_idx.clone(); total];
    for l in (0..total.saturating_sub(1)).rev() {
        let next = sets[l + 1].clone();
        sets[l] = std::array::from_fn(|a| {
            if axes.contains(&a) { expand(&next[a], taps, padded[a]) } else { next[a].clone() }
        });
    }

    // Level-0 input: the wrap-padded image on the index sets level 0 reads.
    let input_idx: [Vec<usize>; 3] = std::array::from_fn(|a| {
        if axes.contains(&a) { expand(&sets[0][a], taps, padded[a]) } else { sets[0][a].clone() }
    });
    let data = image.data();
    let original = |a: usize, p: usize| if p < shape[a] { p } else { 0 };
    let mut approx = SubGrid {
        data: Array3::from_shape_fn(
            (input_idx[0].len(), input_idx[1].len(), input_idx[2].len()),
            |(k, j, i)| {
                data[[
                    original(0, input_idx[0][k]),
                    original(1, input_idx[1][j]),
                    original(2, input_idx[2][i]),
                ]]
            },
        ),
        idx: input_idx,
    };

    let mut outputs = Vec::new();
    for (l, set) in sets.iter().enumerate() {
        // Sub-bands of this level, keyed as pywt keys them.
        let mut bands: Vec<(String, SubGrid)> = vec![(String::new(), approx)];
        for &axis in &axes {
            let mut next = Vec::with_capacity(bands.len() * 2);
            for (key, grid) in &bands {
                for (letter, filter) in [('L', &filters.low), ('H', &filters.high)] {
                    let out = convolve_axis(grid, axis, filter, &set[axis], padded[axis]);
                    next.push((format!("{key}{letter}"), out));
                }
            }
            bands = next;
        }
        let reported = l >= settings.start_level;
        let idx = l + 1 - settings.start_level.min(l + 1);
        let mut bands = bands.into_iter();
        let (_, level_approx) = bands.next().expect("the first sub-band is the approximation");
        if reported {
            for (key, grid) in bands {
                let name =
                    if idx == 1 { format!("wavelet-{key}") } else { format!("wavelet{idx}-{key}") };
                outputs.push((name, crop_to(&grid, &box_idx)));
            }
        }
        approx = level_approx;
    }
    let letters = "L".repeat(axes.len());
    let name = if settings.level == 1 {
        format!("wavelet-{letters}")
    } else {
        format!("wavelet{}-{letters}", settings.level)
    };
    outputs.push((name, crop_to(&approx, &box_idx)));
    Ok(outputs)
}

/// The values of `grid` at the index sets `want` (a subset of its own).
fn crop_to(grid: &SubGrid, want: &[Vec<usize>; 3]) -> Array3<f64> {
    let pos: [Vec<usize>; 3] = std::array::from_fn(|a| {
        want[a]
            .iter()
            .map(|i| grid.idx[a].binary_search(i).expect("the box is inside every index set"))
            .collect()
    });
    Array3::from_shape_fn((want[0].len(), want[1].len(), want[2].len()), |(k, j, i)| {
        grid.data[[pos[0][k], pos[1][j], pos[2][i]]]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use radlsig_volume::{Geometry, PixelType};

    fn volume(data: Array3<f64>) -> Volume {
        let sh = data.shape();
        let g = Geometry::new([sh[2], sh[1], sh[0]], [1.0; 3]);
        Volume::new(data, g, PixelType::Int16).unwrap()
    }

    #[test]
    fn constant_image_gives_gain_in_lll_and_zero_details() {
        // coif1's low-pass taps sum to √2 and its high-pass taps to 0: LLL = c·2^{3/2}.
        let v = volume(Array3::from_elem((5, 6, 7), 10.0));
        let all = BoundingBox { lower: [0, 0, 0], upper: [4, 5, 6] };
        let out = wavelet_region(&v, &all, &WaveletSettings::default()).unwrap();
        let names: Vec<&str> = out.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "wavelet-LLH",
                "wavelet-LHL",
                "wavelet-LHH",
                "wavelet-HLL",
                "wavelet-HLH",
                "wavelet-HHL",
                "wavelet-HHH",
                "wavelet-LLL"
            ]
        );
        for (name, img) in &out {
            let want = if name.ends_with("LLL") { 10.0 * 8f64.sqrt() } else { 0.0 };
            assert!(img.iter().all(|v| (v - want).abs() < 1e-12), "{name}");
        }
    }

    #[test]
    fn haar_by_hand() {
        // haar dec_lo = (1/√2, 1/√2), dec_hi = (−1/√2, 1/√2); F/2 = 1, so
        // out[o] = h0·x[o+1] + h1·x[o] (periodic). Along x only (a 1×1×4 image, force2D on z
        // and … y has length 1 → padded to 2 by wrap, i.e. constant along y).
        let data = Array3::from_shape_vec((1, 1, 4), vec![1.0, 2.0, 4.0, 8.0]).unwrap();
        let v = volume(data);
        let all = BoundingBox { lower: [0, 0, 0], upper: [0, 0, 3] };
        let s = WaveletSettings {
            wavelet: "haar".into(),
            force_2d_dimension: Some(0),
            ..WaveletSettings::default()
        };
        let out = wavelet_region(&v, &all, &s).unwrap();
        let r = std::f64::consts::FRAC_1_SQRT_2;
        let get = |n: &str| out.iter().find(|(k, _)| k == n).unwrap().1.clone();
        // "HL": high along x, low along y (y constant → ×√2).
        let hl = get("wavelet-HL");
        let x = [1.0, 2.0, 4.0, 8.0];
        for o in 0..4 {
            let want = (-r * x[(o + 1) % 4] + r * x[o]) * (2.0 * r);
            assert!((hl[[0, 0, o]] - want).abs() < 1e-12, "{o}: {} vs {want}", hl[[0, 0, o]]);
        }
        assert_eq!(out.last().unwrap().0, "wavelet-LL");
    }

    #[test]
    fn region_equals_a_crop_of_the_whole_transform() {
        let mut seed = 7u64;
        let data = Array3::from_shape_fn((5, 9, 8), |_| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((seed >> 35) % 500) as f64
        });
        let v = volume(data);
        let all = BoundingBox { lower: [0, 0, 0], upper: [4, 8, 7] };
        let part = BoundingBox { lower: [1, 0, 5], upper: [3, 4, 7] };
        let s = WaveletSettings { level: 2, start_level: 1, ..WaveletSettings::default() };
        let whole = wavelet_region(&v, &all, &s).unwrap();
        let sub = wavelet_region(&v, &part, &s).unwrap();
        assert_eq!(whole.len(), 15);
        assert_eq!(whole[7].0, "wavelet2-LLH");
        for ((n1, a), (n2, b)) in whole.iter().zip(&sub) {
            assert_eq!(n1, n2);
            let crop = a.slice(ndarray::s![1..4, 0..5, 5..8]);
            assert_eq!(crop, b.view(), "{n1}");
        }
    }

    #[test]
    fn unknown_wavelets_are_refused_by_name() {
        let e = WaveletFilters::named("mexh").unwrap_err().to_string();
        assert!(e.contains("mexh"), "{e}");
    }
}
