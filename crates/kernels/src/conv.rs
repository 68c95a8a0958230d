//! A faster 3D convolution for the CPU backend, with its own backward pass.
//!
//! Burn's flex backend computes a 3D convolution by converting the input to channels-last,
//! building an im2col matrix and calling gemm; its backward pass goes through a transposed
//! convolution (input gradient) and a convolution whose "kernel" is the output gradient
//! (weight gradient), which for our shapes runs a gemm with a tiny output on one thread. Those
//! three passes were ~80 % of a training step (`scripts/bench-cnn`).
//!
//! Here every sample is processed independently (in parallel over the batch). On CPUs with
//! AVX-512 the kernels of [`direct`] read the input in place, with no im2col matrix:
//!
//! - forward (and, for stride 1, the input gradient, itself a convolution of the output
//!   gradient with the mirrored kernel): a register-blocked direct convolution over a
//!   zero-padded channels-last copy of the sample, 16–64 output channels × 6–12 positions per
//!   tile (for the unpadded 1³ shortcuts, a copy of only the voxels they read); the
//!   one-channel stem instead vectorises 16 outputs along a line;
//! - strided input gradient (16 or more output channels): the same tile kernel once per class
//!   of input positions `(i + padding) mod stride`, each a stride-1 correlation of the output
//!   gradient with the taps that reach that class;
//! - weight gradient: the same tiling with the sum running over output positions, vectorised
//!   along the input channels where there are 16 or more.
//!
//! In inference, [`channels_last`] runs whole samples through the network, one thread per run
//! of samples, with every feature map kept in the kernel's channels-last layout.
//!
//! Elsewhere (other CPUs; small strided input gradients) the
//! channels-first input is copied into a zero-padded buffer and, for each tile of output
//! positions, the im2col matrix (rows `(c_in, k_d, k_h, k_w)`, columns output positions) is a
//! gather `padded[c_in][origin(position) + offset(tap)]` with no bounds or padding tests per
//! element, and:
//!
//! - forward: `Y[c_out, tile] = W[c_out, K] · col[K, tile]`;
//! - input gradient: `col_grad[K, tile] = Wᵀ · G[c_out, tile]`, scattered back (col2im);
//! - weight gradient: `W_grad += G[c_out, tile] · colᵀ`, one partial sum per sample, added in
//!   sample order.
//!
//! Every output sums its products in a fixed order and per-sample partial sums are reduced in
//! sample order, so results are bit-identical whatever the number of threads (for one kind of
//! CPU: the AVX-512 and the gemm paths round differently).
//!
//! In inference the batch norm that follows each convolution, with its running statistics, is
//! an affine map per channel; [`conv3d_affine`] applies it, the residual addition and the
//! ReLU as the convolution writes its output.
//!
//! The operations form a Burn backend extension ([`Conv3dExt`]): the flex backend runs the
//! kernels below, the autodiff decorator records [`Conv3dExt::conv3d_fast`] as one node whose
//! backward calls the two gradient kernels, and other backends (ndarray, wgpu) fall back to
//! Burn's own convolution ops.

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::ops::ConvOptions;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, Shape, TensorMetadata, backend_extension};
use burn::tensor::Tensor;
use rayon::prelude::*;

pub(crate) mod channels_last;
mod direct;

/// Cubic-kernel 3D convolution without bias (dilation 1, one group), forward and backward.
///
/// # Shapes
/// `x`: `[batch, c_in, d, h, w]`; `weight`: `[c_out, c_in, k, k, k]`; output `[batch, c_out,
/// d', h', w']` with `d' = (d + 2·padding − k) / stride + 1` (likewise h', w').
#[backend_extension(Flex, Autodiff, NdArray: cfg(feature = "ndarray"), Cube: cfg(feature = "wgpu"))]
pub trait Conv3dExt: Backend {
    /// The convolution.
    fn conv3d_fast(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        Self::conv3d(x, weight, None, options(stride, padding))
    }

    /// Gradient with respect to the input `x` given the output gradient `grad`.
    fn conv3d_fast_x_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        Self::conv3d_x_backward(x, weight, grad, options(stride, padding))
    }

    /// Gradient with respect to the weight given the output gradient `grad`.
    fn conv3d_fast_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        Self::conv3d_weight_backward(x, weight, grad, options(stride, padding))
    }

    /// Inference: the convolution, then per output channel `o` the affine map
    /// `y·scale[o] + shift[o]` (a batch norm with running statistics, folded), then ReLU when
    /// `relu` — in one pass over the output on the CPU backend.
    #[allow(clippy::too_many_arguments)]
    fn conv3d_affine_fast(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        scale: FloatTensor<Self>,
        shift: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        relu: bool,
    ) -> FloatTensor<Self> {
        affine_generic::<Self>(x, weight, scale, shift, None, stride, padding, relu)
    }

    /// [`Conv3dExt::conv3d_affine_fast`] with `residual` (of the output's shape) added before
    /// the ReLU.
    #[allow(clippy::too_many_arguments)]
    fn conv3d_affine_residual_fast(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        scale: FloatTensor<Self>,
        shift: FloatTensor<Self>,
        residual: FloatTensor<Self>,
        stride: usize,
        padding: usize,
        relu: bool,
    ) -> FloatTensor<Self> {
        affine_generic::<Self>(x, weight, scale, shift, Some(residual), stride, padding, relu)
    }
}

/// [`Conv3dExt::conv3d_affine_fast`] composed of the backend's own operations.
#[allow(clippy::too_many_arguments)]
fn affine_generic<B: Conv3dExt>(
    x: FloatTensor<B>,
    weight: FloatTensor<B>,
    scale: FloatTensor<B>,
    shift: FloatTensor<B>,
    residual: Option<FloatTensor<B>>,
    stride: usize,
    padding: usize,
    relu: bool,
) -> FloatTensor<B> {
    let y = B::conv3d_fast(x, weight, stride, padding);
    let channels = |v: FloatTensor<B>| {
        let c = v.shape().num_elements();
        B::float_reshape(v, Shape::new([1, c, 1, 1, 1]))
    };
    let mut y = B::float_add(B::float_mul(y, channels(scale)), channels(shift));
    if let Some(r) = residual {
        y = B::float_add(y, r);
    }
    if relu { B::relu(y) } else { y }
}

fn options(stride: usize, padding: usize) -> ConvOptions<3> {
    ConvOptions::new([stride; 3], [padding; 3], [1; 3], 1)
}

/// The convolution of `x` with `weight` (see [`Conv3dExt`]), differentiable.
///
/// # Shapes
/// `x`: `[batch, c_in, d, h, w]`, `weight`: `[c_out, c_in, k, k, k]` → `[batch, c_out, d', h', w']`.
pub fn conv3d(x: Tensor<5>, weight: Tensor<5>, stride: usize, padding: usize) -> Tensor<5> {
    Tensor::from_dispatch(Dispatch::conv3d_fast(
        x.into_dispatch(),
        weight.into_dispatch(),
        stride,
        padding,
    ))
}

/// Inference only: `conv3d(x, weight)·scale + shift (+ residual)`, then ReLU when `relu` (see
/// [`Conv3dExt::conv3d_affine_fast`]); `scale` and `shift` are `[c_out]`.
#[allow(clippy::too_many_arguments)]
pub fn conv3d_affine(
    x: Tensor<5>,
    weight: Tensor<5>,
    scale: Tensor<1>,
    shift: Tensor<1>,
    residual: Option<Tensor<5>>,
    stride: usize,
    padding: usize,
    relu: bool,
) -> Tensor<5> {
    let (x, weight, scale, shift) =
        (x.into_dispatch(), weight.into_dispatch(), scale.into_dispatch(), shift.into_dispatch());
    Tensor::from_dispatch(match residual {
        Some(r) => Dispatch::conv3d_affine_residual_fast(
            x,
            weight,
            scale,
            shift,
            r.into_dispatch(),
            stride,
            padding,
            relu,
        ),
        None => Dispatch::conv3d_affine_fast(x, weight, scale, shift, stride, padding, relu),
    })
}

#[cfg(feature = "ndarray")]
impl Conv3dExt for burn::backend::NdArray {}

#[cfg(feature = "wgpu")]
impl Conv3dExt for burn::backend::Cube {}

mod flex {
    use burn::backend::Flex;
    use burn::backend::flex::{FlexTensor, Layout};
    use burn::backend::ops::{ConvOptions, ModuleOps};
    use burn::backend::tensor::FloatTensor;
    use burn::tensor::{Bytes, DType, Shape};

    use super::{Conv3dExt, Epilogue, Geometry, backward_input, backward_weight, forward};

    fn dims(t: &FlexTensor) -> [usize; 5] {
        let s = t.layout().shape();
        [s[0], s[1], s[2], s[3], s[4]]
    }

    fn tensor(values: Vec<f32>, shape: [usize; 5]) -> FlexTensor {
        FlexTensor::new(
            Bytes::from_elems(values),
            Layout::contiguous(Shape::from(shape.to_vec())),
            DType::F32,
        )
    }

    fn all_f32(tensors: &[&FlexTensor]) -> bool {
        tensors.iter().all(|t| t.dtype() == DType::F32)
    }

    impl Conv3dExt for Flex {
        fn conv3d_fast(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            stride: usize,
            padding: usize,
        ) -> FloatTensor<Self> {
            if !all_f32(&[&x, &weight]) {
                return <Flex as ModuleOps<Flex>>::conv3d(
                    x,
                    weight,
                    None,
                    super::options(stride, padding),
                );
            }
            let (x, weight) = (x.to_contiguous(), weight.to_contiguous());
            let g = Geometry::new(dims(&x), dims(&weight), stride, padding);
            let out = forward(&g, x.storage::<f32>(), weight.storage::<f32>(), None);
            tensor(out, g.output_shape())
        }

        fn conv3d_affine_fast(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            scale: FloatTensor<Self>,
            shift: FloatTensor<Self>,
            stride: usize,
            padding: usize,
            relu: bool,
        ) -> FloatTensor<Self> {
            affine(x, weight, scale, shift, None, stride, padding, relu)
        }

        fn conv3d_affine_residual_fast(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            scale: FloatTensor<Self>,
            shift: FloatTensor<Self>,
            residual: FloatTensor<Self>,
            stride: usize,
            padding: usize,
            relu: bool,
        ) -> FloatTensor<Self> {
            affine(x, weight, scale, shift, Some(residual), stride, padding, relu)
        }

        fn conv3d_fast_x_backward(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            grad: FloatTensor<Self>,
            stride: usize,
            padding: usize,
        ) -> FloatTensor<Self> {
            let fallback = <Flex as ModuleOps<Flex>>::conv3d_x_backward;
            gradient([x, weight, grad], stride, padding, fallback, |g, [_, weight, grad]| {
                let (weight, grad) = (weight.to_contiguous(), grad.to_contiguous());
                let out = backward_input(g, weight.storage::<f32>(), grad.storage::<f32>());
                tensor(out, g.input)
            })
        }

        fn conv3d_fast_weight_backward(
            x: FloatTensor<Self>,
            weight: FloatTensor<Self>,
            grad: FloatTensor<Self>,
            stride: usize,
            padding: usize,
        ) -> FloatTensor<Self> {
            let fallback = <Flex as ModuleOps<Flex>>::conv3d_weight_backward;
            gradient([x, weight, grad], stride, padding, fallback, |g, [x, _, grad]| {
                let (x, grad) = (x.to_contiguous(), grad.to_contiguous());
                let out = backward_weight(g, x.storage::<f32>(), grad.storage::<f32>());
                tensor(out, g.weight)
            })
        }
    }

    /// A gradient of the convolution from `[x, weight, grad]`: `kernel` for `f32` tensors, else
    /// Burn's own op `fallback`.
    fn gradient(
        tensors: [FlexTensor; 3],
        stride: usize,
        padding: usize,
        fallback: fn(FlexTensor, FlexTensor, FlexTensor, ConvOptions<3>) -> FlexTensor,
        kernel: impl FnOnce(&Geometry, [FlexTensor; 3]) -> FlexTensor,
    ) -> FlexTensor {
        if !all_f32(&tensors.each_ref()) {
            let [x, weight, grad] = tensors;
            return fallback(x, weight, grad, super::options(stride, padding));
        }
        let g = Geometry::new(dims(&tensors[0]), dims(&tensors[1]), stride, padding);
        kernel(&g, tensors)
    }

    /// [`Conv3dExt::conv3d_affine_fast`] (with the residual when given) on the kernels of this
    /// module; other dtypes or shapes go through the generic composition.
    #[allow(clippy::too_many_arguments)]
    fn affine(
        x: FlexTensor,
        weight: FlexTensor,
        scale: FlexTensor,
        shift: FlexTensor,
        residual: Option<FlexTensor>,
        stride: usize,
        padding: usize,
        relu: bool,
    ) -> FlexTensor {
        let g = Geometry::new(dims(&x), dims(&weight), stride, padding);
        let mut tensors = vec![&x, &weight, &scale, &shift];
        tensors.extend(residual.as_ref());
        let c_out = g.weight[0];
        let fits = scale.layout().shape().num_elements() == c_out
            && shift.layout().shape().num_elements() == c_out
            && residual.as_ref().is_none_or(|r| dims(r) == g.output_shape());
        if !all_f32(&tensors) || !fits {
            return super::affine_generic::<Flex>(
                x, weight, scale, shift, residual, stride, padding, relu,
            );
        }
        let (x, weight) = (x.to_contiguous(), weight.to_contiguous());
        let (scale, shift) = (scale.to_contiguous(), shift.to_contiguous());
        let residual = residual.map(|r| r.to_contiguous());
        let epilogue = Epilogue {
            scale: scale.storage::<f32>(),
            shift: shift.storage::<f32>(),
            residual: residual.as_ref().map(|r| r.storage::<f32>()),
            relu,
        };
        let out = forward(&g, x.storage::<f32>(), weight.storage::<f32>(), Some(&epilogue));
        tensor(out, g.output_shape())
    }
}

/// The autodiff node of [`Conv3dExt::conv3d_fast`].
#[derive(Debug)]
struct Conv3dBackward;

impl<B: Conv3dExt> Backward<B, 2> for Conv3dBackward {
    type State = (NodeId, NodeId, usize, usize);

    fn backward(
        self,
        ops: Ops<Self::State, 2>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x_state, weight_state, stride, padding) = ops.state;
        let x = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(x_state);
        let weight = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(weight_state);
        if let Some(node) = node_x {
            let g =
                B::conv3d_fast_x_backward(x.clone(), weight.clone(), grad.clone(), stride, padding);
            grads.register::<B>(node.id, g);
        }
        if let Some(node) = node_weight {
            let g = B::conv3d_fast_weight_backward(x, weight, grad, stride, padding);
            grads.register::<B>(node.id, g);
        }
    }
}

impl<B: Conv3dExt, C: CheckpointStrategy> Conv3dExt for Autodiff<B, C> {
    fn conv3d_fast(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        let forward = |x: FloatTensor<Self>, weight: FloatTensor<Self>| {
            B::conv3d_fast(x.into_primitive(), weight.into_primitive(), stride, padding)
        };
        match Conv3dBackward.prepare::<C>([x.node(), weight.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let weight_state = prep.checkpoint(&weight);
                prep.finish((x_state, weight_state, stride, padding), forward(x, weight))
            }
            OpsKind::UnTracked(prep) => prep.finish(forward(x, weight)),
        }
    }

    // The gradient kernels themselves are not differentiated again (first-order autodiff).
    fn conv3d_fast_x_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        untracked::<B, C>(B::conv3d_fast_x_backward, [x, weight, grad], stride, padding)
    }

    fn conv3d_fast_weight_backward(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        stride: usize,
        padding: usize,
    ) -> FloatTensor<Self> {
        untracked::<B, C>(B::conv3d_fast_weight_backward, [x, weight, grad], stride, padding)
    }
}

/// The inner backend's gradient `kernel` of `[x, weight, grad]` (stride, padding), as an
/// untracked tensor of the autodiff backend.
fn untracked<B: Conv3dExt, C: CheckpointStrategy>(
    kernel: fn(FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, usize, usize) -> FloatTensor<B>,
    [x, weight, grad]: [FloatTensor<Autodiff<B, C>>; 3],
    stride: usize,
    padding: usize,
) -> FloatTensor<Autodiff<B, C>> {
    let out =
        kernel(x.into_primitive(), weight.into_primitive(), grad.into_primitive(), stride, padding);
    <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner(out)
}

/// Sizes of one convolution.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    /// `[batch, c_in, d, h, w]`.
    input: [usize; 5],
    /// `[c_out, c_in, k, k, k]`.
    weight: [usize; 5],
    /// Output `[d', h', w']`.
    out: [usize; 3],
    stride: usize,
    padding: usize,
}

impl Geometry {
    fn new(input: [usize; 5], weight: [usize; 5], stride: usize, padding: usize) -> Geometry {
        assert_eq!(
            input[1], weight[1],
            "conv3d: input has {} channels, weight expects {}",
            input[1], weight[1]
        );
        assert!(
            weight[2] == weight[3] && weight[3] == weight[4],
            "conv3d: cubic kernels only, got {:?}",
            &weight[2..]
        );
        let k = weight[2];
        let out = [2, 3, 4].map(|a| {
            assert!(input[a] + 2 * padding >= k, "conv3d: kernel larger than the padded input");
            (input[a] + 2 * padding - k) / stride + 1
        });
        Geometry { input, weight, out, stride, padding }
    }

    fn output_shape(&self) -> [usize; 5] {
        [self.input[0], self.weight[0], self.out[0], self.out[1], self.out[2]]
    }

    fn k(&self) -> usize {
        self.weight[2]
    }

    /// Rows of the im2col matrix: `c_in · k³`.
    fn rows(&self) -> usize {
        self.weight[1] * self.k().pow(3)
    }

    fn spatial_in(&self) -> usize {
        self.input[2] * self.input[3] * self.input[4]
    }

    fn spatial_out(&self) -> usize {
        self.out[0] * self.out[1] * self.out[2]
    }

    /// Output positions per tile: the im2col tile stays near 1 MB.
    fn tile(&self) -> usize {
        ((262_144 / self.rows()) / 64 * 64).clamp(64, 4096).min(self.spatial_out())
    }

    /// Sides of one channel of the zero-padded input `[d + 2p, h + 2p, w + 2p]`.
    fn padded(&self) -> [usize; 3] {
        [2, 3, 4].map(|a| self.input[a] + 2 * self.padding)
    }

    /// Voxels in one channel of the zero-padded input.
    fn padded_len(&self) -> usize {
        self.padded().iter().product()
    }

    /// For every output position, the padded-input index of its receptive field's first voxel.
    fn origins(&self) -> Vec<usize> {
        let [_, hp, wp] = self.padded();
        let s = self.stride;
        let mut origins = Vec::with_capacity(self.spatial_out());
        for od in 0..self.out[0] {
            for oh in 0..self.out[1] {
                let line = (od * s * hp + oh * s) * wp;
                origins.extend((0..self.out[2]).map(|ow| line + ow * s));
            }
        }
        origins
    }

    /// For every kernel tap `(k_d, k_h, k_w)`, its offset from the receptive field's origin in
    /// the padded input.
    fn taps(&self) -> Vec<usize> {
        let [_, hp, wp] = self.padded();
        let k = self.k();
        (0..k * k * k).map(|t| ((t / (k * k)) * hp + (t / k) % k) * wp + t % k).collect()
    }

    /// Copies one sample (`[c_in, d, h, w]`) into `padded` (`c_in` zero-padded channels).
    fn pad(&self, x: &[f32], padded: &mut [f32]) {
        let [_, c, d, h, w] = self.input;
        let [_, hp, wp] = self.padded();
        let p = self.padding;
        padded.fill(0.0);
        for (xc, pc) in x.chunks_exact(d * h * w).zip(padded.chunks_exact_mut(self.padded_len())) {
            for z in 0..d {
                for y in 0..h {
                    let to = ((z + p) * hp + y + p) * wp + p;
                    pc[to..to + w].copy_from_slice(&xc[(z * h + y) * w..][..w]);
                }
            }
        }
        debug_assert_eq!(padded.len(), c * self.padded_len());
    }

    /// Copies the interior of the padded sample gradient `padded` into `x_grad`
    /// (`[c_in, d, h, w]`, written whole): the adjoint of [`Geometry::pad`].
    fn unpad(&self, padded: &[f32], x_grad: &mut [f32]) {
        let [_, _, d, h, w] = self.input;
        let [_, hp, wp] = self.padded();
        let p = self.padding;
        for (xc, pc) in
            x_grad.chunks_exact_mut(d * h * w).zip(padded.chunks_exact(self.padded_len()))
        {
            for z in 0..d {
                for y in 0..h {
                    let from = ((z + p) * hp + y + p) * wp + p;
                    xc[(z * h + y) * w..][..w].copy_from_slice(&pc[from..from + w]);
                }
            }
        }
    }
}

/// Fills `col` (`rows × origins.len()`, row-major) with the patches of one zero-padded sample
/// `padded` (`c_in` channels of [`Geometry::padded_len`]) at the output positions whose
/// receptive-field origins are `origins`: row `(c_in, tap)`, column `j` holds
/// `padded[c_in][origins[j] + taps[tap]]`. Every index stays inside the padded channel, so no
/// bounds test is needed per element beyond the slice's own.
fn im2col(g: &Geometry, padded: &[f32], origins: &[usize], taps: &[usize], col: &mut [f32]) {
    let len = origins.len();
    let mut rows = col.chunks_exact_mut(len);
    for pc in padded.chunks_exact(g.padded_len()) {
        for &tap in taps {
            let dst = rows.next().expect("im2col: one row per channel and tap");
            let src = &pc[tap..];
            assert!(
                origins.last().is_none_or(|&o| o < src.len()),
                "im2col: origin outside the input"
            );
            for (d, &o) in dst.iter_mut().zip(origins) {
                // SAFETY: origins increase, so the assert above bounds every one of them.
                *d = unsafe { *src.get_unchecked(o) };
            }
        }
    }
}

/// [`im2col`] transposed: fills `col_t` (`origins.len() × rows`, row-major), one row of patch
/// values per output position. The weight gradient's gemm runs about twice as fast with this
/// operand than with `im2col`'s read as its transpose.
fn im2col_transposed(
    g: &Geometry,
    padded: &[f32],
    origins: &[usize],
    taps: &[usize],
    col_t: &mut [f32],
) {
    let rows = g.rows();
    for (dst, &origin) in col_t.chunks_exact_mut(rows).zip(origins) {
        let mut dst = dst.iter_mut();
        for pc in padded.chunks_exact(g.padded_len()) {
            let src = &pc[origin..];
            assert!(taps.last().is_none_or(|&t| t < src.len()), "im2col: tap outside the input");
            // `taps` first: zip stops on it without taking one more element of `dst`.
            for (&tap, d) in taps.iter().zip(dst.by_ref()) {
                // SAFETY: taps increase, so the assert above bounds every one of them.
                *d = unsafe { *src.get_unchecked(tap) };
            }
        }
    }
}

/// Adds the columns of `col` back onto the padded sample gradient `padded`: the adjoint of
/// [`im2col`].
fn col2im(g: &Geometry, col: &[f32], origins: &[usize], taps: &[usize], padded: &mut [f32]) {
    let len = origins.len();
    let mut rows = col.chunks_exact(len);
    for pc in padded.chunks_exact_mut(g.padded_len()) {
        for &tap in taps {
            let src = rows.next().expect("col2im: one row per channel and tap");
            let dst = &mut pc[tap..];
            assert!(
                origins.last().is_none_or(|&o| o < dst.len()),
                "col2im: origin outside the input"
            );
            for (v, &o) in src.iter().zip(origins) {
                // SAFETY: origins increase, so the assert above bounds every one of them.
                unsafe { *dst.get_unchecked_mut(o) += v };
            }
        }
    }
}

/// `C = A · B (+ C when accumulate)`: `C` is `m × n` row-major with row stride `c_rs`;
/// `A` (`m × k`) and `B` (`k × n`) are given by row and column strides.
#[allow(clippy::too_many_arguments)]
fn matmul(
    (m, n, k): (usize, usize, usize),
    c: &mut [f32],
    c_rs: usize,
    a: &[f32],
    (a_rs, a_cs): (usize, usize),
    b: &[f32],
    (b_rs, b_cs): (usize, usize),
    accumulate: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    // The last element each operand reaches must be in bounds (the raw gemm call below reads
    // and writes through pointers).
    assert!(c.len() > (m - 1) * c_rs + (n - 1), "matmul: output too short");
    if k > 0 {
        assert!(a.len() > (m - 1) * a_rs + (k - 1) * a_cs, "matmul: left operand too short");
        assert!(b.len() > (k - 1) * b_rs + (n - 1) * b_cs, "matmul: right operand too short");
    }
    // SAFETY: the asserts above keep every index the kernel forms inside the three slices; `c`
    // is borrowed mutably, so it does not alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            c_rs as isize,
            accumulate,
            a.as_ptr(),
            a_cs as isize,
            a_rs as isize,
            b.as_ptr(),
            b_cs as isize,
            b_rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// What [`forward`] applies to each output value `y[b, o, j]` as it is written (inference):
/// `y·scale[o] + shift[o]`, plus `residual[b, o, j]` when given, then ReLU when `relu`.
struct Epilogue<'a> {
    scale: &'a [f32],
    shift: &'a [f32],
    /// Of the output's shape.
    residual: Option<&'a [f32]>,
    relu: bool,
}

impl Epilogue<'_> {
    /// Applies the epilogue to `y[j]` = output channel `o`, positions `start..` of sample `b`
    /// (the residual read at `residual_offset + j`).
    #[inline]
    fn apply(&self, o: usize, y: &mut [f32], residual_offset: usize) {
        let (scale, shift) = (self.scale[o], self.shift[o]);
        match self.residual {
            Some(r) => {
                let r = &r[residual_offset..][..y.len()];
                for (v, &r) in y.iter_mut().zip(r) {
                    *v = *v * scale + shift + r;
                }
            }
            None => {
                for v in y.iter_mut() {
                    *v = *v * scale + shift;
                }
            }
        }
        if self.relu {
            for v in y.iter_mut() {
                *v = v.max(0.0);
            }
        }
    }
}

/// The forward convolution; `x` is `[batch, c_in, d, h, w]`, `weight` `[c_out, c_in, k, k, k]`:
/// where the CPU has AVX-512, the direct kernel when each output sums enough products to keep
/// its accumulators busy or the kernel is an unpadded 1³ (the shortcuts), the line kernel for
/// the other stride-1 or -2 layers (the one-channel stem), else im2col and gemm.
fn forward(g: &Geometry, x: &[f32], weight: &[f32], epilogue: Option<&Epilogue>) -> Vec<f32> {
    if !direct::available() {
        forward_im2col(g, x, weight, epilogue)
    } else if g.rows() >= 128 || (g.k() == 1 && g.padding == 0) {
        direct::forward(g, x, weight, epilogue)
    } else if g.stride <= 2 && g.k() > 1 {
        direct::forward_lines(g, x, weight, epilogue)
    } else {
        forward_im2col(g, x, weight, epilogue)
    }
}

/// [`forward`] through per-tile im2col matrices and gemm.
fn forward_im2col(
    g: &Geometry,
    x: &[f32],
    weight: &[f32],
    epilogue: Option<&Epilogue>,
) -> Vec<f32> {
    let (c_out, rows, s_in, s_out) =
        (g.weight[0], g.rows(), g.input[1] * g.spatial_in(), g.spatial_out());
    let mut out = vec![0.0f32; g.input[0] * c_out * s_out];
    let (tile, origins, taps) = (g.tile(), g.origins(), g.taps());
    out.par_chunks_mut(c_out * s_out).zip(x.par_chunks(s_in)).enumerate().for_each(
        |(b, (y, xs))| {
            let mut col = vec![0.0f32; rows * tile];
            let mut padded = vec![0.0f32; g.input[1] * g.padded_len()];
            g.pad(xs, &mut padded);
            for start in (0..s_out).step_by(tile) {
                let end = (start + tile).min(s_out);
                let len = end - start;
                im2col(g, &padded, &origins[start..end], &taps, &mut col[..rows * len]);
                matmul(
                    (c_out, len, rows),
                    &mut y[start..],
                    s_out,
                    weight,
                    (rows, 1),
                    &col,
                    (len, 1),
                    false,
                );
                if let Some(e) = epilogue {
                    for o in 0..c_out {
                        let at = o * s_out + start;
                        e.apply(o, &mut y[at..at + len], b * c_out * s_out + at);
                    }
                }
            }
        },
    );
    out
}

/// The gradient with respect to the input, from the output gradient `grad`. For stride 1 (where
/// the CPU has AVX-512) it is itself a convolution, run by the direct forward kernel:
/// `∂x = conv(G, W̃)` with padding `k − 1 − p` and `W̃[c, o, t] = W[o, c, k³ − 1 − t]` (the
/// kernel mirrored in all three axes, input and output channels swapped); else col2im.
fn backward_input(g: &Geometry, weight: &[f32], grad: &[f32]) -> Vec<f32> {
    let [c_out, c_in, k, ..] = g.weight;
    if g.stride == 1 && g.padding < k && c_out * k.pow(3) >= 128 && direct::available() {
        let taps = k.pow(3);
        let mut mirrored = vec![0.0f32; weight.len()];
        for (o, wo) in weight.chunks_exact(c_in * taps).enumerate() {
            for (c, wc) in wo.chunks_exact(taps).enumerate() {
                for (t, &w) in wc.iter().enumerate() {
                    mirrored[(c * c_out + o) * taps + taps - 1 - t] = w;
                }
            }
        }
        let transposed =
            Geometry::new(g.output_shape(), [c_in, c_out, k, k, k], 1, k - 1 - g.padding);
        debug_assert_eq!(transposed.output_shape(), g.input);
        return direct::forward(&transposed, grad, &mirrored, None);
    }
    if g.stride >= 2 && c_out >= 16 && direct::available() {
        return direct::backward_input_strided(g, weight, grad);
    }
    backward_input_col2im(g, weight, grad)
}

/// [`backward_input`] through per-tile gemm and col2im.
fn backward_input_col2im(g: &Geometry, weight: &[f32], grad: &[f32]) -> Vec<f32> {
    let (c_out, rows, s_in, s_out) =
        (g.weight[0], g.rows(), g.input[1] * g.spatial_in(), g.spatial_out());
    let mut x_grad = vec![0.0f32; g.input[0] * s_in];
    let (tile, origins, taps) = (g.tile(), g.origins(), g.taps());
    x_grad.par_chunks_mut(s_in).zip(grad.par_chunks(c_out * s_out)).for_each(|(xg, gs)| {
        let mut col = vec![0.0f32; rows * tile];
        let mut padded = vec![0.0f32; g.input[1] * g.padded_len()];
        for start in (0..s_out).step_by(tile) {
            let end = (start + tile).min(s_out);
            let len = end - start;
            // col[rows × len] = Wᵀ[rows × c_out] · G[c_out × len]
            matmul(
                (rows, len, c_out),
                &mut col,
                len,
                weight,
                (1, rows),
                &gs[start..],
                (s_out, 1),
                false,
            );
            col2im(g, &col[..rows * len], &origins[start..end], &taps, &mut padded);
        }
        g.unpad(&padded, xg);
    });
    x_grad
}

/// The gradient with respect to the weight: per-sample sums, added in sample order; the direct
/// kernel where the CPU has AVX-512, else im2col and gemm.
fn backward_weight(g: &Geometry, x: &[f32], grad: &[f32]) -> Vec<f32> {
    if direct::available() {
        direct::backward_weight(g, x, grad)
    } else {
        backward_weight_im2col(g, x, grad)
    }
}

/// [`backward_weight`] through per-tile im2col matrices and gemm.
fn backward_weight_im2col(g: &Geometry, x: &[f32], grad: &[f32]) -> Vec<f32> {
    let (c_out, rows, s_in, s_out) =
        (g.weight[0], g.rows(), g.input[1] * g.spatial_in(), g.spatial_out());
    let (tile, origins, taps) = (g.tile(), g.origins(), g.taps());
    let partials: Vec<Vec<f32>> = x
        .par_chunks(s_in)
        .zip(grad.par_chunks(c_out * s_out))
        .map(|(xs, gs)| {
            let mut w_grad = vec![0.0f32; c_out * rows];
            let mut col = vec![0.0f32; rows * tile];
            let mut padded = vec![0.0f32; g.input[1] * g.padded_len()];
            g.pad(xs, &mut padded);
            for (t, start) in (0..s_out).step_by(tile).enumerate() {
                let end = (start + tile).min(s_out);
                let len = end - start;
                im2col_transposed(g, &padded, &origins[start..end], &taps, &mut col[..rows * len]);
                // W_grad[c_out × rows] += G[c_out × len] · colᵀ[len × rows]
                matmul(
                    (c_out, rows, len),
                    &mut w_grad,
                    rows,
                    &gs[start..],
                    (s_out, 1),
                    &col,
                    (rows, 1),
                    t > 0,
                );
            }
            w_grad
        })
        .collect();
    sum_in_order(&partials, c_out * rows)
}

/// The element-wise sum of per-sample partial gradients of `len` values, added in sample
/// order (so the result does not depend on how the samples were spread over threads).
fn sum_in_order(partials: &[Vec<f32>], len: usize) -> Vec<f32> {
    let mut total = vec![0.0f32; len];
    for partial in partials {
        for (t, p) in total.iter_mut().zip(partial) {
            *t += p;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct (seven nested loops) convolution: the reference for the gemm path.
    fn naive(g: &Geometry, x: &[f32], w: &[f32]) -> Vec<f32> {
        let [b, ci, d, h, wd] = g.input;
        let (co, k, s, p) = (g.weight[0], g.k(), g.stride as isize, g.padding as isize);
        let [od, oh, ow] = g.out;
        let mut out = vec![0.0f32; b * co * od * oh * ow];
        for n in 0..b {
            for o in 0..co {
                for (z, y, xx) in (0..od)
                    .flat_map(|z| (0..oh).flat_map(move |y| (0..ow).map(move |xx| (z, y, xx))))
                {
                    let mut acc = 0.0f64;
                    for c in 0..ci {
                        for (a, bb, cc) in (0..k).flat_map(|a| {
                            (0..k).flat_map(move |bb| (0..k).map(move |cc| (a, bb, cc)))
                        }) {
                            let (iz, iy, ix) = (
                                z as isize * s + a as isize - p,
                                y as isize * s + bb as isize - p,
                                xx as isize * s + cc as isize - p,
                            );
                            if iz < 0
                                || iy < 0
                                || ix < 0
                                || iz >= d as isize
                                || iy >= h as isize
                                || ix >= wd as isize
                            {
                                continue;
                            }
                            let xv = x[(((n * ci + c) * d + iz as usize) * h + iy as usize) * wd
                                + ix as usize];
                            let wv = w[(((o * ci + c) * k + a) * k + bb) * k + cc];
                            acc += xv as f64 * wv as f64;
                        }
                    }
                    out[(((n * co + o) * od + z) * oh + y) * ow + xx] = acc as f32;
                }
            }
        }
        out
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| (((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    fn dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter().zip(b).map(|(x, y)| *x as f64 * *y as f64).sum()
    }

    #[test]
    fn forward_matches_direct_convolution_and_gradients_are_adjoints() {
        for (input, weight, stride, padding) in [
            ([2, 3, 7, 6, 5], [4, 3, 3, 3, 3], 1, 1),
            ([3, 2, 9, 8, 7], [5, 2, 3, 3, 3], 2, 1),
            ([2, 4, 6, 6, 6], [3, 4, 1, 1, 1], 2, 0),
            ([1, 1, 5, 5, 5], [2, 1, 3, 3, 3], 1, 0),
            ([2, 2, 6, 7, 9], [3, 2, 5, 5, 5], 2, 2),
            ([1, 2, 4, 4, 4], [2, 2, 3, 3, 3], 3, 1),
            // Channel counts that fill 1–4 accumulator vectors of the direct kernel, with a
            // partial last vector and a partial last tile of positions.
            ([2, 3, 6, 5, 7], [37, 3, 3, 3, 3], 1, 1),
            ([1, 5, 5, 5, 5], [70, 5, 3, 3, 3], 2, 1),
            ([2, 6, 4, 4, 4], [16, 6, 1, 1, 1], 1, 0),
            // Stride 1 with enough products for the direct input gradient, unpadded and k = 5.
            ([1, 3, 6, 6, 5], [8, 3, 3, 3, 3], 1, 0),
            ([1, 2, 6, 6, 6], [6, 2, 5, 5, 5], 1, 2),
            // Input channels that fill 1–4 vectors of the weight gradient's input-channel
            // kernel (16 or more), with partial last vectors.
            ([2, 16, 5, 4, 4], [33, 16, 1, 1, 1], 2, 0),
            ([1, 20, 4, 5, 4], [7, 20, 3, 3, 3], 1, 1),
            ([1, 40, 4, 4, 3], [18, 40, 3, 3, 3], 2, 1),
            ([1, 64, 3, 3, 3], [20, 64, 3, 3, 3], 1, 1),
            ([1, 70, 3, 3, 2], [5, 70, 3, 3, 3], 1, 1),
            // Strided input gradients through the tile kernel (16 or more output channels):
            // stride 3, kernel 5, no padding, odd sides.
            ([1, 3, 7, 8, 6], [17, 3, 3, 3, 3], 3, 1),
            ([1, 2, 9, 7, 8], [16, 2, 5, 5, 5], 2, 2),
            ([2, 4, 7, 6, 5], [20, 4, 3, 3, 3], 2, 0),
        ] {
            let g = Geometry::new(input, weight, stride, padding);
            let x = values(input.iter().product(), 1);
            let w = values(weight.iter().product(), 2);
            let y = forward(&g, &x, &w, None);
            let expected = naive(&g, &x, &w);
            // Both forward kernels, whichever `forward` picks on this CPU.
            let mut variants = vec![("im2col", forward_im2col(&g, &x, &w, None))];
            if direct::available() {
                variants.push(("direct", direct::forward(&g, &x, &w, None)));
                if stride <= 2 {
                    variants.push(("lines", direct::forward_lines(&g, &x, &w, None)));
                }
            }
            for (name, out) in &variants {
                assert_eq!(out.len(), expected.len());
                for (a, b) in out.iter().zip(&expected) {
                    let tolerance = 1e-4 * (1.0 + b.abs());
                    assert!((a - b).abs() < tolerance, "{name} {input:?} s{stride}: {a} vs {b}");
                }
            }
            // The gradients are the adjoints of the (bilinear) convolution:
            // ⟨G, conv(x, w)⟩ = ⟨dx(G), x⟩ = ⟨dw(G), w⟩.
            let grad = values(y.len(), 3);
            let lhs = dot(&grad, &y);
            let dx = backward_input(&g, &w, &grad);
            let dw = backward_weight(&g, &x, &grad);
            assert!((dot(&dx, &x) - lhs).abs() < 1e-3 * lhs.abs().max(1.0), "input gradient");
            assert!((dot(&dw, &w) - lhs).abs() < 1e-3 * lhs.abs().max(1.0), "weight gradient");
            // Both input-gradient and both weight-gradient kernels agree value by value.
            let dx_col2im = backward_input_col2im(&g, &w, &grad);
            for (a, b) in dx.iter().zip(&dx_col2im) {
                assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "input gradient: {a} vs {b}");
            }
            let dw_im2col = backward_weight_im2col(&g, &x, &grad);
            for (a, b) in dw.iter().zip(&dw_im2col) {
                assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "weight gradient: {a} vs {b}");
            }
            // And match Burn's own convolution gradients on the flex backend.
            let device = burn::tensor::Device::flex().autodiff();
            let xt =
                Tensor::<5>::from_data(burn::tensor::TensorData::new(x.clone(), input), &device)
                    .require_grad();
            let wt =
                Tensor::<5>::from_data(burn::tensor::TensorData::new(w.clone(), weight), &device)
                    .require_grad();
            let gt = Tensor::<5>::from_data(
                burn::tensor::TensorData::new(grad.clone(), g.output_shape()),
                &device,
            );
            let ours = conv3d(xt.clone(), wt.clone(), stride, padding);
            let reference = burn::tensor::module::conv3d(
                xt.clone(),
                wt.clone(),
                None,
                options(stride, padding),
            );
            let close = |a: Vec<f32>, b: Vec<f32>| {
                a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-3 * (1.0 + q.abs()))
            };
            assert!(close(
                ours.clone().try_into_vec_as().unwrap(),
                reference.clone().try_into_vec_as().unwrap()
            ));
            let g_ours = (ours * gt.clone()).sum().backward();
            let g_ref = (reference * gt).sum().backward();
            let xg = |gr| xt.grad(gr).unwrap().try_into_vec_as::<f32>().unwrap();
            let wg = |gr| wt.grad(gr).unwrap().try_into_vec_as::<f32>().unwrap();
            assert!(close(xg(&g_ours), xg(&g_ref)), "x gradient differs from Burn's");
            assert!(close(wg(&g_ours), wg(&g_ref)), "weight gradient differs from Burn's");
        }
    }

    #[test]
    fn fused_affine_matches_the_separate_operations() {
        let device = burn::tensor::Device::flex();
        // rows = c_in·k³: on AVX-512, 54 (stride 2) goes through the line kernel and 270
        // through the direct kernel; elsewhere both through im2col.
        for (input, weight, stride, padding) in
            [([2, 2, 6, 5, 7], [5, 2, 3, 3, 3], 2, 1), ([2, 10, 5, 6, 4], [20, 10, 3, 3, 3], 1, 1)]
        {
            let g = Geometry::new(input, weight, stride, padding);
            let t = |n: usize, seed: u32, shape: Vec<usize>| {
                Tensor::<5>::from_data(
                    burn::tensor::TensorData::new(values(n, seed), shape),
                    &device,
                )
            };
            let x = t(input.iter().product(), 5, input.to_vec());
            let w = t(weight.iter().product(), 6, weight.to_vec());
            let out = g.output_shape();
            let residual = t(out.iter().product(), 7, out.to_vec());
            let c = weight[0];
            let v = |seed| {
                Tensor::<1>::from_data(burn::tensor::TensorData::new(values(c, seed), [c]), &device)
            };
            let (scale, shift) = (v(8), v(9));
            let per_channel = |v: Tensor<1>| v.reshape([1, c as i32, 1, 1, 1]);
            let affine = conv3d(x.clone(), w.clone(), stride, padding) * per_channel(scale.clone())
                + per_channel(shift.clone());
            for (residual, relu) in [(None, false), (None, true), (Some(residual), true)] {
                let mut expected = affine.clone();
                if let Some(r) = &residual {
                    expected = expected + r.clone();
                }
                if relu {
                    expected = burn::tensor::activation::relu(expected);
                }
                let fused = conv3d_affine(
                    x.clone(),
                    w.clone(),
                    scale.clone(),
                    shift.clone(),
                    residual.clone(),
                    stride,
                    padding,
                    relu,
                );
                let (a, b): (Vec<f32>, Vec<f32>) =
                    (fused.try_into_vec_as().unwrap(), expected.try_into_vec_as().unwrap());
                assert_eq!(a.len(), b.len());
                for (p, q) in a.iter().zip(&b) {
                    assert!((p - q).abs() < 1e-4, "{input:?} relu {relu}: {p} vs {q}");
                }
                if relu {
                    assert!(a.iter().all(|&v| v >= 0.0) && a.contains(&0.0));
                }
            }
        }
    }
}
