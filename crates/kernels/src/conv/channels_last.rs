//! Inference of the residual network one sample at a time, every feature map channels-last.
//!
//! [`super::conv3d_affine`] runs one layer over a whole batch: it copies each sample into a
//! zero-padded channels-last buffer for the tile kernel of [`super::direct`], transposes the
//! kernel's position-major results back to Burn's channels-first layout, and is one parallel
//! region of its own. In inference the samples are independent, so here each thread instead
//! takes whole samples through the network (the batch is split into one contiguous run of
//! samples per thread):
//!
//! - every feature map stays in the layout the tile kernel reads, `map[voxel][channel]`, with
//!   the zero border that the convolutions reading it need ([`Grid`]);
//! - each convolution writes its tiles, with the folded batch norm `y·s + (β − μ·s)`, the
//!   residual and the ReLU applied in registers, straight into the next layer's map;
//! - the maps of one sample, reused sample after sample, stay in the core's cache.
//!
//! The convolution sums are the batch kernel's (the same tile kernel, taps and channels in the
//! same order); the affine map is one fused multiply-add here, so outputs agree with the
//! layer-by-layer path up to rounding. Run only where [`ChannelsLastNet::available`].
//!
//! The network is described by plain values ([`FoldedConv`], [`FoldedBlock`]): the caller's
//! model reads its weights and folds its batch norms; this module packs the weights for the
//! tile kernel and lays out every map and offset once per input shape.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::{
    __mmask16, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps,
    _mm512_maskz_loadu_ps, _mm512_max_ps, _mm512_setzero_ps,
};

use rayon::prelude::*;

use super::Geometry;
use super::direct::{self, LANES, TileInput, channel_blocks, with_tile_shape};

/// Where one sample's feature map lies in a flat buffer: channels-last inside a zero border of
/// `pad` voxels, channel `c` of voxel `(z, y, x)` at `(((z + pad)·hp + y + pad)·wp + x + pad)·C
/// + c` with `hp = h + 2·pad`, `wp = w + 2·pad`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Grid {
    /// `[d, h, w]` of the map itself.
    side: [usize; 3],
    pad: usize,
    channels: usize,
}

impl Grid {
    fn padded(&self) -> [usize; 3] {
        self.side.map(|s| s + 2 * self.pad)
    }

    /// Values in the buffer, border included.
    fn len(&self) -> usize {
        self.padded().iter().product::<usize>() * self.channels
    }

    fn voxels(&self) -> usize {
        self.side.iter().product()
    }

    /// Offset of channel 0 of voxel `(z, y, x)` of the padded map (coordinates from the
    /// border's corner).
    fn at(&self, z: usize, y: usize, x: usize) -> usize {
        let [_, hp, wp] = self.padded();
        ((z * hp + y) * wp + x) * self.channels
    }

    /// Offset of channel 0 of every voxel of the map, in `(z, y, x)` order.
    fn interior(&self) -> Vec<usize> {
        let [d, h, w] = self.side;
        let p = self.pad;
        let mut offsets = Vec::with_capacity(self.voxels());
        for z in 0..d {
            for y in 0..h {
                for x in 0..w {
                    offsets.push(self.at(z + p, y + p, x + p));
                }
            }
        }
        offsets
    }
}

/// A cubic 3D convolution (no bias, dilation 1, one group) followed by its batch norm in
/// inference, folded to the per-channel affine map `y·scale[o] + shift[o]` (for running mean
/// `μ`, variance `σ²`, `γ`, `β` and `ε`: `scale = γ/√(σ² + ε)`, `shift = β − μ·scale`).
///
/// Output side per axis: `(n + 2·padding − k) / stride + 1` for an input side `n`.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedConv {
    /// The kernel `[c_out, c_in, k, k, k]`, flattened row-major (Burn's layout).
    pub weight: Vec<f32>,
    /// `[c_out, c_in, k]`.
    pub shape: [usize; 3],
    /// The stride along each axis (at least 1).
    pub stride: usize,
    /// Zero padding on both sides of each axis.
    pub padding: usize,
    /// `scale[o]`, `c_out` values.
    pub scale: Vec<f32>,
    /// `shift[o]`, `c_out` values.
    pub shift: Vec<f32>,
}

/// A residual basic block of [`FoldedConv`]s: `relu(second(relu(first(x))) + shortcut(x))`,
/// the shortcut the identity when absent.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedBlock {
    /// The first convolution (its ReLU applied).
    pub first: FoldedConv,
    /// The second convolution, whose output the shortcut is added to before the ReLU.
    pub second: FoldedConv,
    /// The projection of the block's input (a strided 1³ convolution, say), or `None` for the
    /// identity.
    pub shortcut: Option<FoldedConv>,
}

/// A [`FoldedConv`] with its weights packed for the tile kernel.
#[derive(Debug, Clone)]
struct ConvLayer {
    c_in: usize,
    c_out: usize,
    k: usize,
    stride: usize,
    padding: usize,
    /// `c_out` rounded up to a multiple of 16.
    ocp: usize,
    /// `[tap][c_in][ocp]`.
    packed: Vec<f32>,
    /// `ocp` long, zero past `c_out`.
    scale: Vec<f32>,
    shift: Vec<f32>,
}

impl ConvLayer {
    /// # Panics
    /// When the stride or kernel is 0, or `scale`, `shift` or `weight` has the wrong length.
    fn new(layer: &FoldedConv) -> ConvLayer {
        let FoldedConv { weight, shape, stride, padding, scale, shift } = layer;
        let ([c_out, c_in, k], stride, padding) = (*shape, *stride, *padding);
        assert!(stride >= 1 && k >= 1, "FoldedConv: stride and kernel of at least 1");
        assert!(scale.len() == c_out && shift.len() == c_out, "FoldedConv: {c_out} channels");
        let ocp = direct::whole_vectors(c_out);
        let padded = |v: &[f32]| {
            let mut p = v.to_vec();
            p.resize(ocp, 0.0);
            p
        };
        ConvLayer {
            c_in,
            c_out,
            k,
            stride,
            padding,
            ocp,
            packed: direct::pack(weight, c_out, c_in, k.pow(3), ocp),
            scale: padded(scale),
            shift: padded(shift),
        }
    }

    fn output_side(&self, side: [usize; 3]) -> [usize; 3] {
        side.map(|s| {
            assert!(
                s + 2 * self.padding >= self.k,
                "FoldedConv: kernel larger than the padded map"
            );
            (s + 2 * self.padding - self.k) / self.stride + 1
        })
    }
}

/// One convolution of the network applied to one sample: which maps it reads and writes, and
/// every offset it needs, worked out once per input shape.
#[derive(Debug)]
struct Step {
    /// Index of the layer in [`ChannelsLastNet::layers`].
    layer: usize,
    /// Indices of the maps read and written.
    input: usize,
    output: usize,
    residual: Option<usize>,
    relu: bool,
    /// Offset in the input map of each output position's receptive-field origin.
    origins: Vec<usize>,
    /// Offset of each kernel tap from the origin.
    taps: Vec<usize>,
    /// Offset in the output map (and the residual map) of each output position.
    outputs: Vec<usize>,
    residuals: Vec<usize>,
    /// One past the last value the step reads of its input map (`origin + tap + c_in`), writes
    /// of its output map and reads of its residual map.
    reach: [usize; 3],
}

/// A residual network's convolutions laid out for one input shape, for inference:
/// [`ChannelsLastNet::pooled`] takes every sample through them (one thread per run of samples,
/// every feature map channels-last) and returns the globally average-pooled output.
///
/// The stem is `relu(stem(x))`, then each [`FoldedBlock`] in turn; the sums are those of
/// [`crate::conv3d_affine`] layer by layer, equal up to rounding (the affine map is one fused
/// multiply-add here).
#[derive(Debug)]
pub struct ChannelsLastNet {
    input: [usize; 4],
    layers: Vec<ConvLayer>,
    grids: Vec<Grid>,
    steps: Vec<Step>,
    /// The stem's geometry for one sample, which places the input in the first map
    /// ([`direct::pad_channels_last`]).
    source: Geometry,
    /// Offsets of the voxels of the last map (pooled).
    pooled: Vec<usize>,
}

impl ChannelsLastNet {
    /// Whether this CPU runs the channels-last path (that of the direct kernel: x86-64 with
    /// AVX-512F); [`ChannelsLastNet::pooled`] must not be called elsewhere.
    pub fn available() -> bool {
        direct::available()
    }

    /// The stem, then the blocks, for samples of `input = [channels, d, h, w]`.
    ///
    /// # Panics
    /// When channel counts do not chain, a stride or kernel is 0, a weight, scale or shift has
    /// the wrong length, or a kernel is larger than its padded input (the networks of
    /// radlsig-deep's checked configurations never do).
    pub fn new(input: [usize; 4], stem: &FoldedConv, blocks: &[FoldedBlock]) -> ChannelsLastNet {
        let [channels, d, h, w] = input;
        let stem = ConvLayer::new(stem);
        assert_eq!(stem.c_in, channels, "ChannelsLastNet: the stem reads {} channels", stem.c_in);
        // The border each map needs: the largest padding among the convolutions reading it.
        let readers_pad = |block: Option<&FoldedBlock>| {
            block.map_or(0, |b| b.first.padding.max(b.shortcut.as_ref().map_or(0, |s| s.padding)))
        };
        let k = stem.k;
        let mut net = ChannelsLastNet {
            input,
            layers: Vec::new(),
            grids: Vec::new(),
            steps: Vec::new(),
            source: Geometry::new(
                [1, channels, d, h, w],
                [stem.c_out, channels, k, k, k],
                stem.stride,
                stem.padding,
            ),
            pooled: Vec::new(),
        };
        let source = net.grid([d, h, w], stem.padding, channels);
        let stem_out =
            net.grid(stem.output_side([d, h, w]), readers_pad(blocks.first()), stem.c_out);
        net.step(stem, source, stem_out, None, true);
        // Borders of each block's output: what the next block's convolutions read.
        let out_pads: Vec<usize> =
            (0..blocks.len()).map(|i| readers_pad(blocks.get(i + 1))).collect();
        let mut current = stem_out;
        for (i, (block, out_pad)) in blocks.iter().zip(out_pads).enumerate() {
            let (first, second) = (ConvLayer::new(&block.first), ConvLayer::new(&block.second));
            let x = net.grids[current];
            assert_eq!(first.c_in, x.channels, "ChannelsLastNet: block {i} reads the wrong width");
            let side = first.output_side(x.side);
            let identity = match block.shortcut.as_ref().map(ConvLayer::new) {
                Some(shortcut) => {
                    let shape = shortcut.output_side(x.side);
                    assert_eq!(shape, side, "ChannelsLastNet: shortcut shape");
                    let to = net.grid(side, 0, shortcut.c_out);
                    net.step(shortcut, current, to, None, false);
                    to
                }
                None => current,
            };
            let mid = net.grid(side, second.padding, first.c_out);
            net.step(first, current, mid, None, true);
            let out = net.grid(side, out_pad, second.c_out);
            let width = net.grids[identity].channels;
            assert_eq!(width, second.c_out, "ChannelsLastNet: residual width");
            net.step(second, mid, out, Some(identity), true);
            current = out;
        }
        net.pooled = net.grids[current].interior();
        net
    }

    /// Channels of the pooled features: the last convolution's `c_out`.
    pub fn width(&self) -> usize {
        self.steps.last().map_or(self.input[0], |s| self.grids[s.output].channels)
    }

    fn grid(&mut self, side: [usize; 3], pad: usize, channels: usize) -> usize {
        self.grids.push(Grid { side, pad, channels });
        self.grids.len() - 1
    }

    fn step(
        &mut self,
        layer: ConvLayer,
        input: usize,
        output: usize,
        residual: Option<usize>,
        relu: bool,
    ) {
        let (x, y) = (self.grids[input], self.grids[output]);
        assert!(x.pad >= layer.padding, "ChannelsLastNet: input border narrower than the padding");
        assert_eq!(x.channels, layer.c_in, "ChannelsLastNet: input map width");
        assert_eq!(layer.output_side(x.side), y.side, "ChannelsLastNet: output shape");
        let (k, s) = (layer.k, layer.stride);
        // Origin of output (z, y, x) in padded coordinates: input voxel s·(z, y, x) − padding,
        // shifted by the map's border.
        let shift = x.pad - layer.padding;
        let [d, h, w] = y.side;
        let mut origins = Vec::with_capacity(y.voxels());
        for oz in 0..d {
            for oy in 0..h {
                for ox in 0..w {
                    origins.push(x.at(oz * s + shift, oy * s + shift, ox * s + shift));
                }
            }
        }
        let mut taps = Vec::with_capacity(k.pow(3));
        for kd in 0..k {
            for kh in 0..k {
                for kw in 0..k {
                    taps.push(x.at(kd, kh, kw));
                }
            }
        }
        let last = |offsets: &[usize]| offsets.iter().copied().max().unwrap_or(0);
        let outputs = y.interior();
        let residuals = residual.map_or_else(Vec::new, |r| {
            assert_eq!(self.grids[r].side, y.side, "ChannelsLastNet: residual shape");
            self.grids[r].interior()
        });
        let reach = [
            last(&origins) + last(&taps) + layer.c_in,
            last(&outputs) + layer.c_out,
            last(&residuals) + layer.c_out,
        ];
        assert!(reach[0] <= x.len(), "ChannelsLastNet: receptive fields outside the input map");
        assert!(reach[1] <= y.len(), "ChannelsLastNet: outputs outside the output map");
        self.layers.push(layer);
        self.steps.push(Step {
            layer: self.layers.len() - 1,
            input,
            output,
            residual,
            relu,
            origins,
            taps,
            outputs,
            residuals,
            reach,
        });
    }

    /// The globally average-pooled output of every sample (each `[channels, d, h, w]`,
    /// channels-first): `[samples][width]`, `pooled[n][c] = mean over voxels of map[n][c]`
    /// of the last block's output.
    ///
    /// # Panics
    /// Where the CPU lacks AVX-512F (see [`ChannelsLastNet::available`]), or when a sample is
    /// not of the input shape the network was laid out for.
    pub fn pooled(&self, samples: &[&[f32]]) -> Vec<f32> {
        assert!(Self::available(), "ChannelsLastNet: this CPU has no AVX-512F");
        let per = self.input.iter().product::<usize>();
        for s in samples {
            assert_eq!(s.len(), per, "ChannelsLastNet: a sample is not of shape {:?}", self.input);
        }
        let width = self.width();
        let mut pooled = vec![0.0f32; samples.len() * width];
        if samples.is_empty() || width == 0 {
            return pooled;
        }
        let run = samples.len().div_ceil(rayon::current_num_threads().max(1));
        pooled.par_chunks_mut(run * width).zip(samples.par_chunks(run)).for_each(|(out, xs)| {
            // Borders are written once here (zeros) and never again.
            let mut maps: Vec<Vec<f32>> = self.grids.iter().map(|g| vec![0.0; g.len()]).collect();
            for (o, sample) in out.chunks_exact_mut(width).zip(xs) {
                self.sample(sample, &mut maps, o);
            }
        });
        pooled
    }

    /// One sample through the network into `pooled`.
    fn sample(&self, x: &[f32], maps: &mut [Vec<f32>], pooled: &mut [f32]) {
        // Only the interior is written: the border of maps[0] stays zero.
        direct::pad_channels_last(&self.source, x, &mut maps[0]);
        for step in &self.steps {
            // The output map is taken out of `maps` while the step reads the others.
            let mut y = std::mem::take(&mut maps[step.output]);
            let residual = step.residual.map(|r| maps[r].as_slice());
            let layer = &self.layers[step.layer];
            for (o0, v) in channel_blocks(layer.c_out) {
                with_tile_shape!(v, step.channels(layer, o0, &maps[step.input], &mut y, residual));
            }
            maps[step.output] = y;
        }
        let last = self.steps.last().map_or(0, |s| s.output);
        let c = self.grids[last].channels;
        pooled.fill(0.0);
        for &at in &self.pooled {
            for (p, &v) in pooled.iter_mut().zip(&maps[last][at..at + c]) {
                *p += v;
            }
        }
        let n = self.pooled.len() as f32;
        for p in pooled.iter_mut() {
            *p /= n;
        }
    }
}

impl Step {
    /// Output channels `o0 .. o0 + 16·V` (those below `c_out`) at every output position, in
    /// tiles of `P` positions.
    fn channels<const P: usize, const V: usize>(
        &self,
        layer: &ConvLayer,
        o0: usize,
        x: &[f32],
        y: &mut [f32],
        residual: Option<&[f32]>,
    ) {
        // Bounds of what the epilogue touches (the tile kernel's are checked by `tiles`).
        assert!(self.reach[1] <= y.len(), "ChannelsLastNet: output map too short");
        assert!(self.outputs.len() == self.origins.len());
        if let Some(r) = residual {
            assert!(
                self.residuals.len() == self.outputs.len() && self.reach[2] <= r.len(),
                "ChannelsLastNet: residual map too short"
            );
        }
        let input = TileInput {
            x,
            origins: &self.origins,
            taps: &self.taps,
            c_in: layer.c_in,
            packed: &layer.packed,
            ocp: layer.ocp,
        };
        direct::tiles::<P, V>(&input, o0, |j0, valid, tile| {
            for p in 0..valid {
                let j = j0 + p;
                // SAFETY: outputs[j] + c_out ≤ reach[1] ≤ y.len() and likewise for the
                // residual (asserted above); `available()` (asserted by `pooled`, the only caller)
                // guarantees AVX-512F.
                #[cfg(target_arch = "x86_64")]
                unsafe {
                    store_avx512::<V>(
                        &tile[p * V * LANES..],
                        layer,
                        o0,
                        y.as_mut_ptr().add(self.outputs[j]),
                        residual.map(|r| r.as_ptr().add(self.residuals[j])),
                        self.relu,
                    );
                }
            }
        });
    }
}

/// Writes channels `o0 .. o0 + 16·V` (those below `c_out`) of one output position from `tile`:
/// `relu?(tile·scale + shift + residual?)`.
///
/// # Safety
/// The CPU has AVX-512F; `tile` holds `16·V` values; `y` and `residual` point at channel 0 of
/// the position, with `c_out` values in bounds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn store_avx512<const V: usize>(
    tile: &[f32],
    layer: &ConvLayer,
    o0: usize,
    y: *mut f32,
    residual: Option<*const f32>,
    relu: bool,
) {
    assert!(tile.len() >= V * LANES && o0 + V * LANES <= layer.ocp);
    for v in 0..V {
        let o = o0 + v * LANES;
        if o >= layer.c_out {
            break;
        }
        let n = (layer.c_out - o).min(LANES);
        let mask: __mmask16 = if n == LANES { !0 } else { (1u16 << n) - 1 };
        // SAFETY: o + 16 ≤ ocp for the tile, scale and shift; the masked accesses of y and
        // residual stay below channel c_out of the position (the caller's bounds).
        unsafe {
            let mut value = _mm512_fmadd_ps(
                _mm512_loadu_ps(tile.as_ptr().add(v * LANES)),
                _mm512_loadu_ps(layer.scale.as_ptr().add(o)),
                _mm512_loadu_ps(layer.shift.as_ptr().add(o)),
            );
            if let Some(r) = residual {
                value = _mm512_add_ps(value, _mm512_maskz_loadu_ps(mask, r.add(o)));
            }
            if relu {
                value = _mm512_max_ps(value, _mm512_setzero_ps());
            }
            _mm512_mask_storeu_ps(y.add(o), mask, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Device, Tensor, TensorData};
    use rand::{Rng, SeedableRng};

    fn random(n: usize, rng: &mut impl Rng) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect()
    }

    /// A layer with random weights and affine map.
    fn layer(shape: [usize; 3], stride: usize, padding: usize, rng: &mut impl Rng) -> FoldedConv {
        let [c_out, c_in, k] = shape;
        let weight = random(c_out * c_in * k.pow(3), rng);
        let scale = random(c_out, rng);
        let shift = random(c_out, rng);
        FoldedConv { weight, shape, stride, padding, scale, shift }
    }

    /// `relu?(conv(x)·scale + shift + residual?)` with the layer-by-layer batch kernels.
    fn reference(
        x: Tensor<5>,
        layer: &FoldedConv,
        residual: Option<Tensor<5>>,
        relu: bool,
    ) -> Tensor<5> {
        let device = x.device();
        let [c_out, c_in, k] = layer.shape;
        let tensor1 =
            |v: &Vec<f32>| Tensor::<1>::from_data(TensorData::new(v.clone(), [c_out]), &device);
        let weight = Tensor::<5>::from_data(
            TensorData::new(layer.weight.clone(), [c_out, c_in, k, k, k]),
            &device,
        );
        crate::conv3d_affine(
            x,
            weight,
            tensor1(&layer.scale),
            tensor1(&layer.shift),
            residual,
            layer.stride,
            layer.padding,
            relu,
        )
    }

    #[test]
    fn network_matches_the_layer_by_layer_kernels() {
        if !ChannelsLastNet::available() {
            eprintln!("skipped: no AVX-512");
            return;
        }
        let device = Device::flex();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        // A stem of stride 2, a block with a strided 1³ shortcut and 20 → 40 channels (partial
        // accumulator vectors), a block with the identity shortcut, on a non-cubic input.
        let (batch, input) = (3, [2usize, 11, 9, 10]);
        let stem = layer([20, 2, 3], 2, 1, &mut rng);
        let first = layer([40, 20, 3], 2, 1, &mut rng);
        let second = layer([40, 40, 3], 1, 1, &mut rng);
        let shortcut = layer([40, 20, 1], 2, 0, &mut rng);
        let first2 = layer([40, 40, 3], 1, 1, &mut rng);
        let second2 = layer([40, 40, 3], 1, 1, &mut rng);
        let x = random(batch * input.iter().product::<usize>(), &mut rng);
        let blocks = [
            FoldedBlock { first, second, shortcut: Some(shortcut) },
            FoldedBlock { first: first2, second: second2, shortcut: None },
        ];
        let net = ChannelsLastNet::new(input, &stem, &blocks);
        assert_eq!(net.width(), 40);
        let pooled = net.pooled(&x.chunks_exact(input.iter().product()).collect::<Vec<_>>());

        let [c, d, h, w] = input;
        let xt = Tensor::<5>::from_data(TensorData::new(x, [batch, c, d, h, w]), &device);
        let [one, two] = &blocks;
        let shortcut = one.shortcut.as_ref().expect("a shortcut");
        let y = reference(xt, &stem, None, true);
        let identity = reference(y.clone(), shortcut, None, false);
        let mid = reference(y, &one.first, None, true);
        let y = reference(mid, &one.second, Some(identity), true);
        let mid = reference(y.clone(), &two.first, None, true);
        let y = reference(mid, &two.second, Some(y), true);
        let [b, c, d, h, w] = y.dims();
        let expected: Vec<f32> =
            y.reshape([b, c, d * h * w]).mean_dim(2).try_into_vec_as::<f32>().expect("f32");
        assert_eq!(pooled.len(), expected.len());
        let scale = expected.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(scale > 0.1, "a network whose outputs are all near zero tests nothing");
        for (i, (a, e)) in pooled.iter().zip(&expected).enumerate() {
            assert!((a - e).abs() <= 1e-5 * scale.max(1.0), "pooled[{i}]: {a} vs {e}");
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        if !ChannelsLastNet::available() {
            return;
        }
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        let stem = layer([16, 1, 3], 1, 1, &mut rng);
        let first = layer([32, 16, 3], 2, 1, &mut rng);
        let second = layer([32, 32, 3], 1, 1, &mut rng);
        let shortcut = layer([32, 16, 1], 2, 0, &mut rng);
        let block = FoldedBlock { first, second, shortcut: Some(shortcut) };
        let net = ChannelsLastNet::new([1, 8, 8, 8], &stem, &[block]);
        let x = random(5 * 512, &mut rng);
        let samples: Vec<&[f32]> = x.chunks_exact(512).collect();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool")
                .install(|| net.pooled(&samples))
        };
        let one = run(1);
        assert_eq!(one, run(2));
        assert_eq!(one, run(3));
    }
}
