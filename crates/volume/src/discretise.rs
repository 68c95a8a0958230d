//! Intensity discretisation by fixed bin width or fixed bin count, as PyRadiomics does it.
//!
//! PyRadiomics (`imageoperations.getBinEdges` / `binImage`) computes bin edges from the ROI's
//! grey levels and maps each voxel to `numpy.digitize(x, edges)`, a 1-based bin index where bin
//! `k` is the half-open interval `[edges[k-1], edges[k])`:
//!
//! - **fixed bin width `W`**: edges are `numpy.arange(lo, max + 2W, W)` with
//!   `lo = min − (min mod W)` (Python's floored modulo), so bins are aligned to multiples of `W`
//!   and the ROI's lowest grey level falls in bin 1:
//!   `X_b = ⌊X/W⌋ − ⌊min/W⌋ + 1`. A flat ROI whose minimum is a multiple of `W` gets the single
//!   bin `[min − 0.5, min + 0.5)`.
//! - **fixed bin count `N_b`**: edges are `numpy.histogram(X, N_b)`'s — `N_b + 1` equally spaced
//!   edges from min to max (min ± 0.5 for a flat ROI) — with the last edge raised by 1 so the
//!   maximum lands in bin `N_b`.
//!
//! This differs from IBSI's fixed-bin-size definition (which starts bins at the ROI minimum and
//! uses a ceiling); `crates/radiomics/README.md` lists the consequences.
//!
//! The arithmetic replicates numpy's float `arange` and `linspace` exactly so that voxels on a
//! bin edge land in the same bin as in PyRadiomics.

use crate::{Error, Result};

/// How grey levels are grouped into bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Binning {
    /// Fixed bin width (`binWidth`), in intensity units.
    Width(f64),
    /// Fixed number of bins (`binCount`).
    Count(usize),
}

/// Python's floored modulo for floats (`x % y`): the result has the sign of `y`.
pub fn python_mod(x: f64, y: f64) -> f64 {
    let m = x % y;
    if m != 0.0 {
        if (y < 0.0) != (m < 0.0) { m + y } else { m }
    } else {
        0.0f64.copysign(y)
    }
}

/// Bin edges of `values` (the ROI's grey levels) under `binning`, as PyRadiomics'
/// `getBinEdges`.
///
/// Fails on an empty or non-finite input and on a non-positive bin width or zero bin count.
pub fn bin_edges(values: &[f64], binning: Binning) -> Result<Vec<f64>> {
    if values.is_empty() {
        return Err(Error::Shape { what: "bin_edges", reason: "no grey levels to discretise".into() });
    }
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for &v in values {
        if !v.is_finite() {
            return Err(Error::Shape { what: "bin_edges", reason: format!("grey level {v} is not finite") });
        }
        min = min.min(v);
        max = max.max(v);
    }
    match binning {
        Binning::Width(w) => {
            if !(w > 0.0 && w.is_finite()) {
                return Err(Error::InvalidSetting { name: "binWidth", reason: format!("{w} is not > 0") });
            }
            let low = min - python_mod(min, w);
            let high = max + 2.0 * w;
            let mut edges = numpy_arange(low, high, w);
            if edges.len() == 1 {
                edges = vec![edges[0] - 0.5, edges[0] + 0.5];
            }
            Ok(edges)
        }
        Binning::Count(n) => {
            if n == 0 {
                return Err(Error::InvalidSetting { name: "binCount", reason: "0 is not >= 1".into() });
            }
            let (first, last) = if min == max { (min - 0.5, max + 0.5) } else { (min, max) };
            let mut edges = numpy_linspace(first, last, n + 1);
            *edges.last_mut().expect("linspace of n + 1 >= 2 points") += 1.0;
            Ok(edges)
        }
    }
}

/// `numpy.digitize(x, edges)` for increasing `edges`: the number of edges `<= x`.
pub fn digitize(x: f64, edges: &[f64]) -> usize {
    edges.partition_point(|&e| e <= x)
}

/// Discretises `values` under `binning`: each value's 1-based bin index, and the edges used.
pub fn discretise(values: &[f64], binning: Binning) -> Result<(Vec<u32>, Vec<f64>)> {
    let edges = bin_edges(values, binning)?;
    let bins = values.iter().map(|&v| digitize(v, &edges) as u32).collect();
    Ok((bins, edges))
}

/// numpy's float `arange(start, stop, step)`: `ceil((stop − start)/step)` values
/// `start + i·δ` with `δ = (start + step) − start`, as numpy's fill computes them.
fn numpy_arange(start: f64, stop: f64, step: f64) -> Vec<f64> {
    let len = ((stop - start) / step).ceil();
    if !(len > 0.0) {
        return Vec::new();
    }
    let len = len as usize;
    let delta = (start + step) - start;
    let mut out = Vec::with_capacity(len);
    out.push(start);
    if len > 1 {
        out.push(start + step);
    }
    for i in 2..len {
        out.push(start + i as f64 * delta);
    }
    out
}

/// numpy's `linspace(start, stop, num)` with `endpoint=True`: `i·step + start`, the last value
/// set to `stop`.
fn numpy_linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let div = (num - 1) as f64;
    let delta = stop - start;
    let step = delta / div;
    let mut out: Vec<f64> = (0..num)
        .map(|i| if step == 0.0 { (i as f64 / div) * delta + start } else { i as f64 * step + start })
        .collect();
    if num > 1 {
        out[num - 1] = stop;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyradiomics_docstring_example() {
        // "for a ROI with values ranging from 54 to 166, and a bin width of 25, the bin edges
        // will be [50, 75, 100, 125, 150, 175]" — plus the extra edge from max + 2W.
        let edges = bin_edges(&[54.0, 100.0, 166.0], Binning::Width(25.0)).unwrap();
        assert_eq!(edges, vec![50.0, 75.0, 100.0, 125.0, 150.0, 175.0, 200.0]);
        assert_eq!(digitize(54.0, &edges), 1);
        assert_eq!(digitize(100.0, &edges), 3); // on an edge: the upper bin
        assert_eq!(digitize(166.0, &edges), 5);
    }

    #[test]
    fn negative_minimum_uses_floored_modulo() {
        // ⌊X/W⌋ − ⌊min/W⌋ + 1 with min = −1024, W = 25: ⌊−1024/25⌋ = −41.
        let v = [-1024.0, -1000.0, -976.0, 0.0];
        let (bins, edges) = discretise(&v, Binning::Width(25.0)).unwrap();
        assert_eq!(edges[0], -1025.0);
        let expected: Vec<u32> = v.iter().map(|x| ((x / 25.0f64).floor() - (-41.0) + 1.0) as u32).collect();
        assert_eq!(bins, expected);
    }

    #[test]
    fn flat_region_gets_one_bin() {
        let (bins, edges) = discretise(&[50.0, 50.0], Binning::Width(25.0)).unwrap();
        // min % W == 0: arange(50, 100, 25) = [50, 75] → two edges, bin 1.
        assert_eq!(edges, vec![50.0, 75.0]);
        assert_eq!(bins, vec![1, 1]);
        let (bins, edges) = discretise(&[3.0, 3.0], Binning::Width(5000.0)).unwrap();
        assert_eq!(edges, vec![0.0, 5000.0, 10000.0]);
        assert_eq!(bins, vec![1, 1]);
    }

    #[test]
    fn bin_count_matches_formula() {
        // X_b = ⌊N_b (X − min)/(max − min)⌋ + 1, and N_b at the maximum.
        let v: Vec<f64> = (0..=20).map(|i| i as f64 * 0.37 - 2.0).collect();
        let (bins, _) = discretise(&v, Binning::Count(8)).unwrap();
        let (min, max) = (v[0], v[20]);
        for (x, b) in v.iter().zip(&bins) {
            let expect = if *x == max { 8 } else { (8.0 * (x - min) / (max - min)).floor() as u32 + 1 };
            assert_eq!(*b, expect, "x = {x}");
        }
    }

    #[test]
    fn python_mod_sign_follows_divisor() {
        assert_eq!(python_mod(-1024.0, 25.0), 1.0);
        assert_eq!(python_mod(1024.0, 25.0), 24.0);
        assert_eq!(python_mod(-0.5, 0.25), 0.0);
    }
}
