//! A direct convolution kernel for CPUs with AVX-512: no im2col matrix.
//!
//! The im2col path of [`super::forward`] writes every input value `k³` times into a patch matrix
//! and gemm reads it back: on the small network that copy was about a third of an inference
//! pass. Here each sample is instead copied once into a zero-padded *channels-last* buffer
//! `xp[voxel][c_in]`, where the patch of output position `j` at kernel tap `t` is the `c_in`
//! contiguous values at `xp[(origin(j) + offset(t))·c_in ..]`, and a register-blocked kernel
//! reads them in place:
//!
//! ```text
//! Y[o, j] = Σ_t Σ_c  W[o, c, t] · xp[(origin(j) + offset(t))·c_in + c]
//! ```
//!
//! for a tile of `P` output positions × `16·V` output channels held in `P·V` AVX-512
//! accumulators (`P·V = 24`): per `(t, c)` step it loads `V` vectors of packed weights
//! (`[t][c][o]`, `o` padded to a multiple of 16), broadcasts one input value per position and
//! issues `P·V` fused multiply-adds. Every output sums its `k³·c_in` products in the same
//! order, whatever the tiling and the number of threads, so results are deterministic.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
};
#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __mmask16, _mm512_add_ps, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_max_ps,
    _mm512_permutex2var_ps, _mm512_set_epi32,
};

use rayon::prelude::*;

/// `$obj.$method::<P, V>(args)` for a block of `$v` accumulator vectors of output channels:
/// the tile shapes of both register-blocked kernels, `P` rows so that `P·V = 24` of the 32
/// AVX-512 registers accumulate (`V = 1` keeps `P = 12`: more rows would spill row pointers).
macro_rules! with_tile_shape {
    ($v:expr, $obj:ident . $method:ident ( $($arg:expr),* )) => {
        match $v {
            4 => $obj.$method::<6, 4>($($arg),*),
            3 => $obj.$method::<8, 3>($($arg),*),
            2 => $obj.$method::<12, 2>($($arg),*),
            _ => $obj.$method::<12, 1>($($arg),*),
        }
    };
}

pub(super) use with_tile_shape;

/// The offset from a receptive field's origin of every packed weight row `(t, c)`, `c < c_in`,
/// in a map of `channels` values per voxel whose tap `t` lies `taps[t]` voxels from the origin.
pub(super) fn row_offsets(taps: &[usize], channels: usize, c_in: usize) -> Vec<usize> {
    taps.iter().flat_map(|&t| (0..c_in).map(move |c| t * channels + c)).collect()
}

/// Blocks `(o0, V)` of up to four accumulator vectors covering `channels` output channels.
pub(super) fn channel_blocks(channels: usize) -> impl Iterator<Item = (usize, usize)> {
    let vectors = channels.div_ceil(LANES);
    (0..vectors).step_by(4).map(move |v0| (v0 * LANES, (vectors - v0).min(4)))
}

use super::{Epilogue, Geometry, sum_in_order};

/// Output channels per accumulator vector.
pub(super) const LANES: usize = 16;

/// Whether this CPU runs the kernel (x86-64 with AVX-512F); elsewhere the im2col path is used.
pub(super) fn available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx512f")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `channels` rounded up to a multiple of [`LANES`]: the channels of whole accumulator vectors.
pub(super) fn whole_vectors(channels: usize) -> usize {
    channels.div_ceil(LANES) * LANES
}

/// The weights `[c_out, c_in, k, k, k]` of `g` repacked as `[tap][c_in][o]` with `o` padded
/// with zeros to `ocp` ([`whole_vectors`] of `c_out`): `(ocp, packed)`.
fn pack_weights(g: &Geometry, weight: &[f32]) -> (usize, Vec<f32>) {
    let [c_out, c_in, ..] = g.weight;
    let ocp = whole_vectors(c_out);
    (ocp, pack(weight, c_out, c_in, g.k().pow(3), ocp))
}

/// [`pack_weights`] of `c_out × c_in × taps` weights.
pub(super) fn pack(weight: &[f32], c_out: usize, c_in: usize, taps: usize, ocp: usize) -> Vec<f32> {
    assert_eq!(weight.len(), c_out * c_in * taps, "pack: weight size");
    let mut packed = vec![0.0f32; taps * c_in * ocp];
    // A blocked transpose: for 16 output channels and one input channel, the 16 source rows of
    // k³ values stay in L1 while each (tap, c) row of 16 is written whole.
    for o0 in (0..c_out).step_by(LANES) {
        let block = (c_out - o0).min(LANES);
        for c in 0..c_in {
            for t in 0..taps {
                let row = &mut packed[(t * c_in + c) * ocp + o0..][..block];
                for (i, w) in row.iter_mut().enumerate() {
                    *w = weight[((o0 + i) * c_in + c) * taps + t];
                }
            }
        }
    }
    packed
}

/// Copies one sample (`[c_in, d, h, w]`) into `xp`, zero-padded and channels-last:
/// `xp[((z + p)·hp + y + p)·wp + x + p][c]`. `xp` must be zeroed (only the interior is
/// written).
pub(super) fn pad_channels_last(g: &Geometry, x: &[f32], xp: &mut [f32]) {
    let [_, c_in, d, h, w] = g.input;
    let [_, hp, wp] = g.padded();
    let p = g.padding;
    assert_eq!(x.len(), c_in * d * h * w, "pad_channels_last: sample size");
    assert!(xp.len() >= g.padded_len() * c_in, "pad_channels_last: padded buffer too short");
    if c_in >= 8 && cfg!(target_arch = "x86_64") {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the asserts above bound every index; `available()` (checked by every caller
        // of this module) guarantees AVX-512F.
        unsafe {
            pad_channels_last_avx512(g, x, xp);
        }
        return;
    }
    for (c, xc) in x.chunks_exact(d * h * w).enumerate() {
        for z in 0..d {
            for y in 0..h {
                let to = ((z + p) * hp + y + p) * wp + p;
                let row = &xc[(z * h + y) * w..][..w];
                for (i, &v) in row.iter().enumerate() {
                    xp[(to + i) * c_in + c] = v;
                }
            }
        }
    }
}

/// [`pad_channels_last`] with one 16-channel gather per voxel and channel block.
///
/// # Safety
/// The CPU has AVX-512F; `x` holds `c_in·d·h·w` values and `xp` at least `padded_len·c_in`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn pad_channels_last_avx512(g: &Geometry, x: &[f32], xp: &mut [f32]) {
    use std::arch::x86_64::{_mm512_mask_i32gather_ps, _mm512_mullo_epi32, _mm512_set1_epi32};
    let [_, c_in, d, h, w] = g.input;
    let [_, hp, wp] = g.padded();
    let p = g.padding;
    let s = d * h * w;
    let lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    // Channel c of a voxel lies c·s values after channel 0 (s·16 < 2³¹ for any crop in use).
    let index = _mm512_mullo_epi32(lanes, _mm512_set1_epi32(s as i32));
    for c0 in (0..c_in).step_by(LANES) {
        let n = (c_in - c0).min(LANES);
        let mask: __mmask16 = if n == LANES { !0 } else { (1u16 << n) - 1 };
        for z in 0..d {
            for y in 0..h {
                let to = ((z + p) * hp + y + p) * wp + p;
                let from = c0 * s + (z * h + y) * w;
                for i in 0..w {
                    // SAFETY: lanes below n read x[(c0 + lane)·s + voxel] < c_in·s; the store
                    // writes n values at xp[(to + i)·c_in + c0 ..] < padded_len·c_in.
                    unsafe {
                        let v = _mm512_mask_i32gather_ps::<4>(
                            _mm512_setzero_ps(),
                            mask,
                            index,
                            x.as_ptr().add(from + i).cast(),
                        );
                        _mm512_mask_storeu_ps(xp.as_mut_ptr().add((to + i) * c_in + c0), mask, v);
                    }
                }
            }
        }
    }
}

/// How the forward kernel and the weight gradient read a sample of `g` channels-last: the
/// element offset in the copy of each output position's receptive-field origin and of each
/// kernel tap, and, for an unpadded 1³ convolution (the strided shortcuts, which read one voxel
/// per output position), the voxels copied instead of the whole padded sample.
struct SampleLayout {
    voxels: Option<Vec<usize>>,
    origins: Vec<usize>,
    taps: Vec<usize>,
}

impl SampleLayout {
    fn new(g: &Geometry) -> SampleLayout {
        let c_in = g.input[1];
        let voxels = g.origins();
        let taps = g.taps().into_iter().map(|t| t * c_in).collect();
        if g.k() == 1 && g.padding == 0 {
            let origins = (0..voxels.len()).map(|j| j * c_in).collect();
            SampleLayout { voxels: Some(voxels), origins, taps }
        } else {
            let origins = voxels.iter().map(|o| o * c_in).collect();
            SampleLayout { voxels: None, origins, taps }
        }
    }

    /// One sample (`[c_in, d, h, w]`) in this layout.
    fn copy(&self, g: &Geometry, xs: &[f32]) -> Vec<f32> {
        channels_last_copy(g, xs, self.voxels.as_deref())
    }
}

/// One sample (`[c_in, d, h, w]`) channels-last: zero-padded as [`pad_channels_last`] does,
/// or, given `voxels`, only those voxels, `[position][c_in]`.
fn channels_last_copy(g: &Geometry, xs: &[f32], voxels: Option<&[usize]>) -> Vec<f32> {
    let c_in = g.input[1];
    let s_in = g.spatial_in();
    match voxels {
        Some(voxels) => {
            let mut xp = vec![0.0f32; voxels.len() * c_in];
            for (row, &voxel) in xp.chunks_exact_mut(c_in).zip(voxels) {
                for (c, v) in row.iter_mut().enumerate() {
                    *v = xs[c * s_in + voxel];
                }
            }
            xp
        }
        None => {
            let mut xp = vec![0.0f32; g.padded_len() * c_in];
            pad_channels_last(g, xs, &mut xp);
            xp
        }
    }
}

/// The forward convolution (as [`super::forward`]); call only where [`available`].
pub(super) fn forward(
    g: &Geometry,
    x: &[f32],
    weight: &[f32],
    epilogue: Option<&Epilogue>,
) -> Vec<f32> {
    let [batch, c_in, ..] = g.input;
    let c_out = g.weight[0];
    let (ocp, packed) = pack_weights(g, weight);
    let s_out = g.spatial_out();
    let layout = SampleLayout::new(g);
    let mut out = vec![0.0f32; batch * c_out * s_out];
    if s_out == 0 || c_out == 0 {
        return out;
    }
    let s_in = g.spatial_in();
    out.par_chunks_mut(c_out * s_out).zip(x.par_chunks(c_in * s_in)).enumerate().for_each(
        |(b, (y, xs))| {
            let xp = layout.copy(g, xs);
            let sample = Sample {
                input: TileInput {
                    x: &xp,
                    origins: &layout.origins,
                    taps: &layout.taps,
                    c_in,
                    packed: &packed,
                    ocp,
                },
                epilogue,
                y_offset: b * c_out * s_out,
            };
            for (o0, v) in channel_blocks(c_out) {
                with_tile_shape!(v, sample.channels(o0, c_out, s_out, y));
            }
        },
    );
    out
}

/// One sample's padded input and what the kernel needs to read it.
struct Sample<'a> {
    /// The padded channels-last sample, the offsets of every output position's receptive
    /// field and of every tap, and the packed weights.
    input: TileInput<'a>,
    epilogue: Option<&'a Epilogue<'a>>,
    /// Offset of this sample's output in the whole batch's (where the residual is read).
    y_offset: usize,
}

impl Sample<'_> {
    /// Output channels `o0 .. o0 + 16·V` (those below `c_out`) at every output position, into
    /// `y` (`[c_out, s_out]`), in tiles of `P` positions.
    fn channels<const P: usize, const V: usize>(
        &self,
        o0: usize,
        c_out: usize,
        s_out: usize,
        y: &mut [f32],
    ) {
        let oc_end = (o0 + V * LANES).min(c_out);
        tiles::<P, V>(&self.input, o0, |j0, valid, tile| {
            for o in o0..oc_end {
                let (v, lane) = ((o - o0) / LANES, (o - o0) % LANES);
                let row = &mut y[o * s_out + j0..][..valid];
                for (p, out) in row.iter_mut().enumerate() {
                    *out = tile[(p * V + v) * LANES + lane];
                }
                if let Some(e) = self.epilogue {
                    e.apply(o, row, self.y_offset + o * s_out + j0);
                }
            }
        });
    }
}

/// The operands of [`tiles`]: a map read at `origins[j] + taps[t] + c` (`c < c_in`) for output
/// position `j`, and weights packed `[tap][c_in][ocp]`.
pub(super) struct TileInput<'a> {
    pub(super) x: &'a [f32],
    pub(super) origins: &'a [usize],
    pub(super) taps: &'a [usize],
    pub(super) c_in: usize,
    pub(super) packed: &'a [f32],
    pub(super) ocp: usize,
}

/// The tile kernel over every position of `input.origins`, `P` at a time, for output channels
/// `o0 .. o0 + 16·V`: `store(j0, valid, tile)` receives each tile, `tile[(p·V + v)·16 + lane]`
/// for position `j0 + p`, `p < valid`. Bounds are checked once here.
pub(super) fn tiles<const P: usize, const V: usize>(
    input: &TileInput,
    o0: usize,
    mut store: impl FnMut(usize, usize, &[f32]),
) {
    let TileInput { x, origins, taps, c_in, packed, ocp } = *input;
    // The kernel reads x[origin + tap + c] for c < c_in and packed[row·ocp + o0 + lane] for
    // every (tap, c) row and lane < 16·V.
    let last_origin = origins.iter().copied().max().unwrap_or(0);
    let last_tap = taps.iter().copied().max().unwrap_or(0);
    assert!(last_origin + last_tap + c_in <= x.len(), "direct conv: input too short");
    assert!(o0 + V * LANES <= ocp, "direct conv: channel block outside the packed weights");
    assert!(taps.len() * c_in * ocp <= packed.len(), "direct conv: weights too short");
    assert!(P * V <= 24, "direct conv: tile of more than 24 vectors");
    let mut tile = [0.0f32; 24 * LANES];
    for j0 in (0..origins.len()).step_by(P) {
        let valid = (origins.len() - j0).min(P);
        let mut bases = [0usize; P];
        for (p, b) in bases.iter_mut().enumerate() {
            // Positions past the end repeat the last one; their results are dropped.
            *b = origins[j0 + p.min(valid - 1)];
        }
        // SAFETY: the asserts above bound every index the kernel forms; `available()`
        // (checked by every caller of this module) guarantees AVX-512F.
        #[cfg(target_arch = "x86_64")]
        unsafe {
            tile_avx512::<P, V>(
                x.as_ptr(),
                &bases,
                taps,
                c_in,
                packed.as_ptr().add(o0),
                ocp,
                tile.as_mut_ptr(),
            );
        }
        store(j0, valid, &tile[..P * V * LANES]);
    }
}

/// One tile, summing over taps `t` and channels `c < c_in` in that order:
///
/// ```text
/// tile[(p·V + v)·16 + lane] = Σ_t Σ_c x[bases[p] + taps[t] + c] · w[(t·c_in + c)·ocp + 16·v + lane]
/// ```
///
/// # Safety
/// The CPU has AVX-512F; every `x` and `w` index formed this way, and `tile[..P·V·16]`, are in
/// bounds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::needless_range_loop)] // `rows[p]` from `bases[p]`: one pointer per row.
unsafe fn tile_avx512<const P: usize, const V: usize>(
    x: *const f32,
    bases: &[usize; P],
    taps: &[usize],
    c_in: usize,
    w: *const f32,
    ocp: usize,
    tile: *mut f32,
) {
    let mut acc: [[__m512; V]; P] = [[_mm512_setzero_ps(); V]; P];
    let mut w = w;
    if c_in == 1 {
        // One input channel (the stem): one loop over the taps with the row pointers fixed (a
        // pointer per row and tap cost more than the tap's P·V fused multiply-adds).
        let mut rows = [x; P];
        for p in 0..P {
            rows[p] = unsafe { x.add(bases[p]) };
        }
        for &t in taps {
            unsafe { rank_one(&mut acc, &rows, t, w) };
            w = unsafe { w.add(ocp) };
        }
    } else {
        for &t in taps {
            let mut rows = [x; P];
            for p in 0..P {
                rows[p] = unsafe { x.add(bases[p] + t) };
            }
            for c in 0..c_in {
                unsafe { rank_one(&mut acc, &rows, c, w) };
                w = unsafe { w.add(ocp) };
            }
        }
    }
    unsafe { store_tile(&acc, tile) };
}

/// The step both tile kernels repeat: `acc[p][v] += rows[p][at] · b[16·v ..]` (one broadcast
/// per row, `V` vector loads, `P·V` fused multiply-adds).
///
/// # Safety
/// The CPU has AVX-512F; `rows[p].add(at)` and `b[..16·V]` are in bounds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
#[allow(clippy::needless_range_loop)] // Indices name registers.
unsafe fn rank_one<const P: usize, const V: usize>(
    acc: &mut [[__m512; V]; P],
    rows: &[*const f32; P],
    at: usize,
    b: *const f32,
) {
    let mut bv = [_mm512_setzero_ps(); V];
    for v in 0..V {
        bv[v] = unsafe { _mm512_loadu_ps(b.add(v * LANES)) };
    }
    for p in 0..P {
        let xb = _mm512_set1_ps(unsafe { *rows[p].add(at) });
        for v in 0..V {
            acc[p][v] = _mm512_fmadd_ps(xb, bv[v], acc[p][v]);
        }
    }
}

/// Writes the accumulators to `tile[(p·V + v)·16 ..]`.
///
/// # Safety
/// The CPU has AVX-512F; `tile[..P·V·16]` is in bounds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn store_tile<const P: usize, const V: usize>(acc: &[[__m512; V]; P], tile: *mut f32) {
    for (p, row) in acc.iter().enumerate() {
        for (v, &a) in row.iter().enumerate() {
            unsafe { _mm512_storeu_ps(tile.add((p * V + v) * LANES), a) };
        }
    }
}

/// The forward convolution for layers with few products per output (the one-channel stem, 1³
/// shortcuts), vectorised over output positions instead: 16 consecutive outputs of a line
/// `(o, z', y')` are one vector, and for each input channel and tap the 16 inputs they need are
/// one load (stride 1) or two loads and a permute (stride 2) from the zero-padded
/// channels-first sample, multiplied by a broadcast weight for each of 16 output channels.
/// Sums run over `(c, k_d, k_h, k_w)` in order. Call only where [`available`] and
/// `g.stride` is 1 or 2.
pub(super) fn forward_lines(
    g: &Geometry,
    x: &[f32],
    weight: &[f32],
    epilogue: Option<&Epilogue>,
) -> Vec<f32> {
    let [batch, c_in, ..] = g.input;
    let c_out = g.weight[0];
    assert!(g.stride == 1 || g.stride == 2, "forward_lines: stride {}", g.stride);
    let (ocp, packed) = pack_weights(g, weight);
    let s_out = g.spatial_out();
    let mut out = vec![0.0f32; batch * c_out * s_out];
    if s_out == 0 || c_out == 0 {
        return out;
    }
    let plen = g.padded_len();
    out.par_chunks_mut(c_out * s_out)
        .zip(x.par_chunks(c_in * g.spatial_in()))
        .enumerate()
        .for_each(|(b, (y, xs))| {
            // 32 values of slack: a stride-2 load reads 32 inputs from the last line's start.
            let mut padded = vec![0.0f32; c_in * plen + 2 * LANES];
            g.pad(xs, &mut padded[..c_in * plen]);
            for o0 in (0..c_out).step_by(LANES) {
                // SAFETY: `lines_avx512` bounds its reads of `padded` (asserted inside) and
                // writes only `y`; `available()` (checked by the caller) guarantees AVX-512F.
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    lines_avx512(g, &padded, &packed, ocp, o0, y, epilogue, b * c_out * s_out);
                }
            }
        });
    out
}

/// Output channels `o0 .. o0 + 16` (those below `c_out`) of one sample for [`forward_lines`].
///
/// # Safety
/// The CPU has AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
unsafe fn lines_avx512(
    g: &Geometry,
    padded: &[f32],
    packed: &[f32],
    ocp: usize,
    o0: usize,
    y: &mut [f32],
    epilogue: Option<&Epilogue>,
    y_offset: usize,
) {
    let [_, c_in, ..] = g.input;
    let c_out = g.weight[0];
    let (k, s) = (g.k(), g.stride);
    let [_, hp, wp] = g.padded();
    let plen = g.padded_len();
    let [od_n, oh_n, ow_n] = g.out;
    let s_out = g.spatial_out();
    let channels = (c_out - o0).min(LANES);
    // Every load starts at most at the last padded voxel and reads 32 values.
    assert!(padded.len() >= c_in * plen + 2 * LANES, "forward_lines: padded input too short");
    assert!(o0 + LANES <= ocp && k.pow(3) * c_in * ocp <= packed.len(), "forward_lines: weights");
    assert!(y.len() >= c_out * s_out, "forward_lines: output too short");
    let even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    let (x, w) = (padded.as_ptr(), packed.as_ptr());
    for od in 0..od_n {
        for oh in 0..oh_n {
            let line = (od * oh_n + oh) * ow_n;
            for ow0 in (0..ow_n).step_by(LANES) {
                let n = (ow_n - ow0).min(LANES);
                let mask: __mmask16 = if n == LANES { !0 } else { (1u16 << n) - 1 };
                let mut acc = [_mm512_setzero_ps(); LANES];
                for c in 0..c_in {
                    for kd in 0..k {
                        for kh in 0..k {
                            let row = c * plen + ((od * s + kd) * hp + oh * s + kh) * wp + ow0 * s;
                            for kw in 0..k {
                                let t = (kd * k + kh) * k + kw;
                                // SAFETY: row + kw ≤ c_in·plen − 1 and 32 values of slack follow.
                                let xv = unsafe {
                                    let p = x.add(row + kw);
                                    if s == 1 {
                                        _mm512_loadu_ps(p)
                                    } else {
                                        let (lo, hi) =
                                            (_mm512_loadu_ps(p), _mm512_loadu_ps(p.add(LANES)));
                                        _mm512_permutex2var_ps(lo, even, hi)
                                    }
                                };
                                let wt = unsafe { w.add((t * c_in + c) * ocp + o0) };
                                for oi in 0..LANES {
                                    let wb = _mm512_set1_ps(unsafe { *wt.add(oi) });
                                    acc[oi] = _mm512_fmadd_ps(xv, wb, acc[oi]);
                                }
                            }
                        }
                    }
                }
                for oi in 0..channels {
                    let o = o0 + oi;
                    let at = o * s_out + line + ow0;
                    // The epilogue of `Epilogue::apply`, in the register (a separate pass
                    // over each 16-value row made the embedding ≈ 10 % slower).
                    let mut v = acc[oi];
                    if let Some(e) = epilogue {
                        v = _mm512_fmadd_ps(
                            v,
                            _mm512_set1_ps(e.scale[o]),
                            _mm512_set1_ps(e.shift[o]),
                        );
                        if let Some(r) = e.residual {
                            let r = &r[y_offset + at..][..n];
                            v = _mm512_add_ps(v, unsafe {
                                _mm512_maskz_loadu_ps(mask, r.as_ptr())
                            });
                        }
                        if e.relu {
                            v = _mm512_max_ps(v, _mm512_setzero_ps());
                        }
                    }
                    let dst = &mut y[at..at + n];
                    // SAFETY: the mask covers the n values of `dst`.
                    unsafe { _mm512_mask_storeu_ps(dst.as_mut_ptr(), mask, v) };
                }
            }
        }
    }
}

/// The weight gradient (as [`super::backward_weight`]) without an im2col matrix: with the
/// sample copied channels-last as in [`forward`] and the output gradient transposed to
/// `gt[j][o]`, each weight row `r = (t, c)` of the packed layout is
///
/// ```text
/// W_grad[r, o] = Σ_j xp[origin(j) + offset(t) + c] · gt[j, o]
/// ```
///
/// computed for `P` rows × `16·V` channels in registers while `j` runs over the output
/// positions. One partial gradient per sample, summed in sample order: deterministic whatever
/// the number of threads. Call only where [`available`].
pub(super) fn backward_weight(g: &Geometry, x: &[f32], grad: &[f32]) -> Vec<f32> {
    let [_, c_in, ..] = g.input;
    let c_out = g.weight[0];
    let taps_n = g.k().pow(3);
    let rows = taps_n * c_in;
    let ocp = whole_vectors(c_out);
    let s_out = g.spatial_out();
    let layout = SampleLayout::new(g);
    let offsets = row_offsets(&g.taps(), c_in, c_in);
    // With 16 or more input channels, vectors along them (contiguous in the channels-last
    // sample) and output channels broadcast from one row of the output gradient: two pointers
    // per tile instead of one per row, partial sums laid out [t][ocp][c_in].
    let by_inputs = c_in >= LANES;
    let partials: Vec<Vec<f32>> = x
        .par_chunks(c_in * g.spatial_in())
        .zip(grad.par_chunks(c_out * s_out))
        .map(|(xs, gs)| {
            let xp = layout.copy(g, xs);
            let mut gt = vec![0.0f32; s_out * ocp];
            for (o, go) in gs.chunks_exact(s_out).enumerate() {
                for (j, &v) in go.iter().enumerate() {
                    gt[j * ocp + o] = v;
                }
            }
            let mut wg = vec![0.0f32; rows * ocp];
            let origins = &layout.origins;
            let sample = Gradient { xp: &xp, gt: &gt, origins, offsets: &offsets, ocp };
            if by_inputs {
                for (t, &tap) in layout.taps.iter().enumerate() {
                    for (c0, v) in channel_blocks(c_in) {
                        match v {
                            4 => sample.inputs::<4, 4>(t, tap, c0, c_in, &mut wg),
                            3 => sample.inputs::<8, 3>(t, tap, c0, c_in, &mut wg),
                            2 => sample.inputs::<8, 2>(t, tap, c0, c_in, &mut wg),
                            _ => sample.inputs::<16, 1>(t, tap, c0, c_in, &mut wg),
                        }
                    }
                }
            } else {
                for (o0, v) in channel_blocks(c_out) {
                    with_tile_shape!(v, sample.rows(o0, &mut wg));
                }
            }
            wg
        })
        .collect();
    let total = sum_in_order(&partials, rows * ocp);
    // Back to Burn's [c_out, c_in, k, k, k] from [t][c][ocp] (or [t][ocp][c]).
    let mut w_grad = vec![0.0f32; c_out * rows];
    for (o, wo) in w_grad.chunks_exact_mut(rows).enumerate() {
        for (c, wc) in wo.chunks_exact_mut(taps_n).enumerate() {
            for (t, w) in wc.iter_mut().enumerate() {
                *w = if by_inputs {
                    total[(t * ocp + o) * c_in + c]
                } else {
                    total[(t * c_in + c) * ocp + o]
                };
            }
        }
    }
    w_grad
}

/// One sample's operands of [`backward_weight`].
struct Gradient<'a> {
    /// The zero-padded channels-last sample.
    xp: &'a [f32],
    /// The output gradient, `[s_out][ocp]`.
    gt: &'a [f32],
    /// Element offset in `xp` of each output position's receptive-field origin.
    origins: &'a [usize],
    /// Element offset from the origin of each packed weight row `(t, c)`.
    offsets: &'a [usize],
    ocp: usize,
}

impl Gradient<'_> {
    /// The gradient of tap `t` (at offset `tap`), input channels `c0 .. c0 + 16·V` (those below
    /// `c_in`), every output channel, into `wg` laid out `[t][ocp][c_in]`, in blocks of `P`
    /// output channels (`P` divides 16, so blocks never pass `ocp`). Each value sums over the
    /// output positions in order, as [`Gradient::rows`] does: the same values.
    fn inputs<const P: usize, const V: usize>(
        &self,
        t: usize,
        tap: usize,
        c0: usize,
        c_in: usize,
        wg: &mut [f32],
    ) {
        let s_out = self.origins.len();
        let last_origin = self.origins.iter().copied().max().unwrap_or(0);
        let n = (c_in - c0).min(V * LANES);
        assert!(LANES % P == 0 && P * V <= 24, "direct conv: gradient tile shape");
        assert!(last_origin + tap + c0 + n <= self.xp.len(), "direct conv: input too short");
        assert!(s_out * self.ocp <= self.gt.len(), "direct conv: output gradient too short");
        assert!((t + 1) * self.ocp * c_in <= wg.len(), "direct conv: weight gradient too short");
        for o0 in (0..self.ocp).step_by(P) {
            // SAFETY: the asserts above bound every index the kernel forms (lanes past c_in are
            // masked; o0 + P ≤ ocp since P divides 16); `available()` (checked by the caller)
            // guarantees AVX-512F.
            #[cfg(target_arch = "x86_64")]
            unsafe {
                gradient_inputs_avx512::<P, V>(
                    self.xp.as_ptr().add(tap + c0),
                    self.origins,
                    n,
                    self.gt.as_ptr().add(o0),
                    self.ocp,
                    wg.as_mut_ptr().add((t * self.ocp + o0) * c_in + c0),
                    c_in,
                );
            }
        }
    }

    /// Every packed row, for channels `o0 .. o0 + 16·V`, added into `wg` (`[rows][ocp]`), in
    /// blocks of `P` rows.
    fn rows<const P: usize, const V: usize>(&self, o0: usize, wg: &mut [f32]) {
        let rows = self.offsets.len();
        let s_out = self.origins.len();
        let last_origin = self.origins.iter().copied().max().unwrap_or(0);
        let last_offset = self.offsets.iter().copied().max().unwrap_or(0);
        assert!(last_origin + last_offset < self.xp.len(), "direct conv: input too short");
        assert!(o0 + V * LANES <= self.ocp, "direct conv: channel block outside the gradient");
        assert!(s_out * self.ocp <= self.gt.len(), "direct conv: output gradient too short");
        assert!(rows * self.ocp <= wg.len(), "direct conv: weight gradient too short");
        let mut tile = vec![0.0f32; P * V * LANES];
        for r0 in (0..rows).step_by(P) {
            let valid = (rows - r0).min(P);
            let mut offsets = [0usize; P];
            for (p, offset) in offsets.iter_mut().enumerate() {
                // Rows past the end repeat the last one; their sums are dropped.
                *offset = self.offsets[r0 + p.min(valid - 1)];
            }
            // SAFETY: the asserts above bound every index the kernel forms; `available()`
            // (checked by the caller) guarantees AVX-512F.
            #[cfg(target_arch = "x86_64")]
            unsafe {
                gradient_avx512::<P, V>(
                    self.xp.as_ptr(),
                    self.origins,
                    &offsets,
                    self.gt.as_ptr().add(o0),
                    self.ocp,
                    tile.as_mut_ptr(),
                );
            }
            for p in 0..valid {
                let dst = &mut wg[(r0 + p) * self.ocp + o0..][..V * LANES];
                dst.copy_from_slice(&tile[p * V * LANES..][..V * LANES]);
            }
        }
    }
}

/// `out[p·c_in + 16·v + lane] = Σ_j x[origins[j] + 16·v + lane] · g[j·ocp + p]` for the first
/// `n` of the `16·V` lanes.
///
/// # Safety
/// The CPU has AVX-512F; `x[origins[j] + i]` and `out[p·c_in + i]` for `i < n`, and
/// `g[j·ocp + p]` for `p < P`, are in bounds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::needless_range_loop)] // Indices name registers.
unsafe fn gradient_inputs_avx512<const P: usize, const V: usize>(
    x: *const f32,
    origins: &[usize],
    n: usize,
    g: *const f32,
    ocp: usize,
    out: *mut f32,
    c_in: usize,
) {
    let mut acc: [[__m512; V]; P] = [[_mm512_setzero_ps(); V]; P];
    let mut masks = [0 as __mmask16; V];
    for (v, m) in masks.iter_mut().enumerate() {
        let lanes = n.saturating_sub(v * LANES).min(LANES);
        *m = if lanes == LANES { !0 } else { (1u16 << lanes) - 1 };
    }
    let mut g = g;
    for &origin in origins {
        let mut xv = [_mm512_setzero_ps(); V];
        for v in 0..V {
            xv[v] = unsafe { _mm512_maskz_loadu_ps(masks[v], x.add(origin + v * LANES)) };
        }
        for p in 0..P {
            let gb = _mm512_set1_ps(unsafe { *g.add(p) });
            for v in 0..V {
                acc[p][v] = _mm512_fmadd_ps(gb, xv[v], acc[p][v]);
            }
        }
        g = unsafe { g.add(ocp) };
    }
    for p in 0..P {
        for v in 0..V {
            unsafe { _mm512_mask_storeu_ps(out.add(p * c_in + v * LANES), masks[v], acc[p][v]) };
        }
    }
}

/// `tile[(p·V + v)·16 + lane] = Σ_j x[origins[j] + offsets[p]] · g[j·ocp + 16·v + lane]`.
///
/// # Safety
/// The CPU has AVX-512F; every `x` and `g` index formed this way, and `tile[..P·V·16]`, are in
/// bounds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[allow(clippy::needless_range_loop)] // `rows[p]` from `offsets[p]`: one pointer per row.
unsafe fn gradient_avx512<const P: usize, const V: usize>(
    x: *const f32,
    origins: &[usize],
    offsets: &[usize; P],
    g: *const f32,
    ocp: usize,
    tile: *mut f32,
) {
    let mut acc: [[__m512; V]; P] = [[_mm512_setzero_ps(); V]; P];
    let mut rows = [x; P];
    for p in 0..P {
        rows[p] = unsafe { x.add(offsets[p]) };
    }
    let mut g = g;
    for &origin in origins {
        unsafe { rank_one(&mut acc, &rows, origin, g) };
        g = unsafe { g.add(ocp) };
    }
    unsafe { store_tile(&acc, tile) };
}

/// The input gradient of a strided convolution (as [`super::backward_input`], stride ≥ 2)
/// through the forward tile kernel, with no col2im. Input positions fall into `s³` classes by
/// `(i + padding) mod s` along each axis; the positions of one class receive the output
/// gradient through the same subset of taps, `t ≡ (i + padding) mod s`, from output position
/// `m = (i + padding − t)/s`. So each class is a small stride-1 correlation of the output
/// gradient (copied zero-padded and channels-last, `[voxel][c_out]`) with that subset of the
/// kernel, repacked `[tap][c_out][c_in]`: the tile kernel computes 6–12 input positions ×
/// 16–64 input channels per tile, summing over (tap in the class, in kernel order; output
/// channel). Call only where [`available`].
pub(super) fn backward_input_strided(g: &Geometry, weight: &[f32], grad: &[f32]) -> Vec<f32> {
    let [batch, c_in, d, h, w] = g.input;
    let c_out = g.weight[0];
    let (k, s, p) = (g.k(), g.stride, g.padding);
    let (taps_n, s_in, s_out) = (k.pow(3), g.spatial_in(), g.spatial_out());
    let cip = whole_vectors(c_in);
    let mut x_grad = vec![0.0f32; batch * c_in * s_in];
    if s_in == 0 || c_in == 0 || s_out == 0 {
        return x_grad;
    }
    // Output position m = q − u for input i = s·q + r − p and tap t = r + s·u: the gradient
    // is padded by `lo` voxels below (u ≤ lo) and `hi` above (q may pass the last output).
    let lo = (k - 1) / s;
    let hi = [d, h, w]
        .iter()
        .zip(g.out)
        .map(|(&n, out)| ((n - 1 + p) / s + 1).saturating_sub(out))
        .max()
        .unwrap_or(0);
    let pad = lo.max(hi);
    let gg =
        Geometry::new([batch, c_out, g.out[0], g.out[1], g.out[2]], [c_in, c_out, 1, 1, 1], 1, pad);
    let [_, gh, gw] = gg.padded();
    // One entry per class: its input positions (index in the sample), the element offset of
    // each one's origin in the padded gradient, its taps' offsets and its packed weights.
    struct Class {
        positions: Vec<usize>,
        origins: Vec<usize>,
        taps: Vec<usize>,
        packed: Vec<f32>,
    }
    let axis = |n: usize, r: usize| -> (Vec<usize>, Vec<usize>) {
        // Input coordinates of residue r, and their q.
        let i: Vec<usize> = (0..n).filter(|&i| (i + p) % s == r).collect();
        let q = i.iter().map(|&i| (i + p) / s).collect();
        (i, q)
    };
    let mut classes = Vec::new();
    for rd in 0..s {
        for rh in 0..s {
            for rw in 0..s {
                let us = |r: usize| (0..).map(move |u| r + s * u).take_while(|&t| t < k).count();
                let (ud, uh, uw) = (us(rd), us(rh), us(rw));
                let (id, qd) = axis(d, rd);
                let (ih, qh) = axis(h, rh);
                let (iw, qw) = axis(w, rw);
                if ud * uh * uw == 0 || id.is_empty() || ih.is_empty() || iw.is_empty() {
                    continue; // No tap reaches these positions: their gradient stays zero.
                }
                let mut positions = Vec::new();
                let mut origins = Vec::new();
                for (&zi, &zq) in id.iter().zip(&qd) {
                    for (&yi, &yq) in ih.iter().zip(&qh) {
                        for (&xi, &xq) in iw.iter().zip(&qw) {
                            positions.push((zi * h + yi) * w + xi);
                            let voxel = ((zq + pad - lo) * gh + yq + pad - lo) * gw + xq + pad - lo;
                            origins.push(voxel * c_out);
                        }
                    }
                }
                let mut taps = Vec::new();
                let mut kernel_taps = Vec::new();
                for a in 0..ud {
                    for b in 0..uh {
                        for c in 0..uw {
                            let voxel = ((lo - a) * gh + lo - b) * gw + lo - c;
                            taps.push(voxel * c_out);
                            kernel_taps.push(((rd + s * a) * k + rh + s * b) * k + rw + s * c);
                        }
                    }
                }
                // packed[(tap, o)][c] = W[o, c, t]
                let mut packed = vec![0.0f32; kernel_taps.len() * c_out * cip];
                for (ti, &t) in kernel_taps.iter().enumerate() {
                    for o in 0..c_out {
                        let row = &mut packed[(ti * c_out + o) * cip..][..c_in];
                        for (c, v) in row.iter_mut().enumerate() {
                            *v = weight[(o * c_in + c) * taps_n + t];
                        }
                    }
                }
                classes.push(Class { positions, origins, taps, packed });
            }
        }
    }
    x_grad.par_chunks_mut(c_in * s_in).zip(grad.par_chunks(c_out * s_out)).for_each(|(xg, gs)| {
        let gp = channels_last_copy(&gg, gs, None);
        for class in &classes {
            let run = StridedClass {
                class: &class.positions,
                input: TileInput {
                    x: &gp,
                    origins: &class.origins,
                    taps: &class.taps,
                    c_in: c_out,
                    packed: &class.packed,
                    ocp: cip,
                },
            };
            for (c0, v) in channel_blocks(c_in) {
                with_tile_shape!(v, run.channels(c0, c_in, s_in, xg));
            }
        }
    });
    x_grad
}

/// One class of [`backward_input_strided`] for one sample.
struct StridedClass<'a> {
    /// Index in the sample of each input position of the class.
    class: &'a [usize],
    /// The sample's output gradient zero-padded channels-last (`[voxel][c_out]`), the class's
    /// origins and taps in it, and its weights packed `[tap][c_out][c_in padded]`.
    input: TileInput<'a>,
}

impl StridedClass<'_> {
    /// Input channels `c0 .. c0 + 16·V` (those below `c_in`) at every position of the class,
    /// into `xg` (`[c_in][s_in]`), in tiles of `P` positions.
    fn channels<const P: usize, const V: usize>(
        &self,
        c0: usize,
        c_in: usize,
        s_in: usize,
        xg: &mut [f32],
    ) {
        assert!(self.class.len() == self.input.origins.len() && xg.len() >= c_in * s_in);
        assert!(self.class.iter().all(|&i| i < s_in), "strided gradient: position outside");
        let c_end = (c0 + V * LANES).min(c_in);
        tiles::<P, V>(&self.input, c0, |j0, valid, tile| {
            for c in c0..c_end {
                let (v, lane) = ((c - c0) / LANES, (c - c0) % LANES);
                let row = &mut xg[c * s_in..][..s_in];
                for q in 0..valid {
                    row[self.class[j0 + q]] = tile[(q * V + v) * LANES + lane];
                }
            }
        });
    }
}
