//! Batch normalisation for the CPU backend in two passes over the activation, forward and
//! backward.
//!
//! Burn's generic batch norm, which the flex backend inherits, is built from tensor operations:
//! the statistics go through two channel-first copies (`swap_dims` then `reshape`) and two
//! reductions, the normalisation through five elementwise passes, and the backward pass through
//! two more copies and about ten more passes, each allocating a tensor of the activation's size.
//! On the 28³ stem of the AdrenalMNIST3D network that is several hundred megabytes of memory
//! traffic per layer and step.
//!
//! Here, with `x` of shape `[batch, channels, …]` seen as rows `(sample, channel)` of `S`
//! contiguous values (in parallel over the rows):
//!
//! - training forward: per-row sums give the mean, per-row sums of squared deviations the
//!   biased variance (two-pass, accumulated in `f64`), then one pass writes
//!   `y = (x − μ)·γ/√(σ² + ε) + β`;
//! - training backward: one pass sums `g` and `g·(x − μ)` per row (β and γ gradients), one pass
//!   writes `∂x = γ/√(σ² + ε) · (g − mean(g) − x̂·mean(g·x̂))` with `x̂ = (x − μ)/√(σ² + ε)`;
//! - inference: one pass with the running statistics.
//!
//! Each row is summed in eight interleaved partial sums combined in a fixed order, and row sums
//! are added per channel in sample order, so results do not depend on the number of threads.
//!
//! The operations form a Burn backend extension ([`BatchNormExt`]) like [`crate::Conv3dExt`]: the
//! flex backend runs the kernels below, the autodiff decorator records the training forward as
//! one node whose backward runs the gradient kernel, and other backends fall back to Burn's
//! own batch-norm ops. [`batch_norm`] applies a [`BatchNorm`] module through them, with the
//! module's training/inference choice and running-statistics update.

use burn::backend::autodiff::checkpoint::{base::Checkpointer, strategy::CheckpointStrategy};
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, Scalar, Shape, TensorMetadata, backend_extension};
use burn::nn::BatchNorm;
use burn::tensor::Tensor;
use rayon::prelude::*;

/// Batch normalisation kernels: training forward (with the batch statistics), its gradient,
/// and inference with given statistics.
///
/// # Shapes
/// `x`, `grad` and outputs of `x`'s shape: `[batch, channels, …]`; `gamma`, `beta`, `mean`,
/// `variance` and their gradients `[channels]`.
#[backend_extension(Flex, Autodiff, NdArray: cfg(feature = "ndarray"), Cube: cfg(feature = "wgpu"))]
pub trait BatchNormExt: Backend {
    /// Normalises with the batch's statistics: `(output, mean, biased variance)`.
    fn batch_norm_train_fast(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        staged_train_forward::<Self>(x, gamma, beta, epsilon)
    }

    /// Gradients `(x, gamma, beta)` of [`BatchNormExt::batch_norm_train_fast`] given the
    /// output gradient `grad` and the statistics it returned.
    fn batch_norm_train_fast_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        staged_train_backward::<Self>(x, gamma, mean, variance, epsilon, grad)
    }

    /// Normalises with given statistics (inference): `(x − mean)·γ/√(variance + ε) + β`.
    fn batch_norm_eval_fast(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        Self::batch_norm(x, gamma, beta, mean, variance, epsilon)
    }
}

/// Training forward of [`BatchNormExt`] for backends without kernels of their own (wgpu,
/// ndarray): `(output, mean, biased variance)`.
fn staged_train_forward<B: Backend>(
    x: FloatTensor<B>,
    gamma: FloatTensor<B>,
    beta: FloatTensor<B>,
    epsilon: f64,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    // Burn's generic `batch_norm_train` reduces a `[channels, batch·voxels]` copy: a few
    // very long rows, which GPU reduce kernels run one row per thread (≈ 8 ms per layer on
    // an H100 for the 28³ stem, most of a training step). The staged per-channel mean
    // below reduces one axis at a time with many outputs each.
    let mean = channel_mean::<B>(x.clone());
    let centred = B::float_sub(x.clone(), per_channel::<B>(mean.clone(), &x));
    let variance = channel_mean::<B>(B::float_mul(centred.clone(), centred));
    let output = B::batch_norm(x, gamma, beta, mean.clone(), variance.clone(), epsilon);
    (output, mean, variance)
}

/// Gradients `(x, gamma, beta)` of [`staged_train_forward`].
fn staged_train_backward<B: Backend>(
    x: FloatTensor<B>,
    gamma: FloatTensor<B>,
    mean: FloatTensor<B>,
    variance: FloatTensor<B>,
    epsilon: f64,
    grad: FloatTensor<B>,
) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
    // ∂x = γ/√(σ² + ε) · (g − mean(g) − x̂·mean(g·x̂)), ∂γ = Σ g·x̂, ∂β = Σ g, with the
    // staged per-channel reductions of [`staged_train_forward`].
    let count = (x.shape().num_elements() / x.shape()[1]) as f64;
    let inv_std =
        B::float_recip(B::float_sqrt(B::float_add_scalar(variance, Scalar::Float(epsilon))));
    let normalized = B::float_mul(
        B::float_sub(x.clone(), per_channel::<B>(mean, &x)),
        per_channel::<B>(inv_std.clone(), &x),
    );
    let mean_grad = channel_mean::<B>(grad.clone());
    let mean_normalized_grad = channel_mean::<B>(B::float_mul(grad.clone(), normalized.clone()));
    let centred_grad = B::float_sub(grad, per_channel::<B>(mean_grad.clone(), &x));
    let projected = B::float_mul(normalized, per_channel::<B>(mean_normalized_grad.clone(), &x));
    let scale = per_channel::<B>(B::float_mul(gamma, inv_std), &x);
    let x_grad = B::float_mul(scale, B::float_sub(centred_grad, projected));
    let gamma_grad = B::float_mul_scalar(mean_normalized_grad, Scalar::Float(count));
    let beta_grad = B::float_mul_scalar(mean_grad, Scalar::Float(count));
    (x_grad, gamma_grad, beta_grad)
}

/// The per-channel mean `[channels]` of `x` (`[batch, channels, …]`), reduced one axis at a
/// time from the last, then over the batch (the fallback path of [`BatchNormExt`]).
fn channel_mean<B: Backend>(x: FloatTensor<B>) -> FloatTensor<B> {
    let shape = x.shape();
    let channels = shape[1];
    let mut t = x;
    for dim in (2..shape.num_dims()).rev() {
        t = B::float_mean_dim(t, dim);
    }
    B::float_reshape(B::float_mean_dim(t, 0), Shape::new([channels]))
}

/// `values` (`[channels]`) shaped `[1, channels, 1, …]` to broadcast against `like`.
fn per_channel<B: Backend>(values: FloatTensor<B>, like: &FloatTensor<B>) -> FloatTensor<B> {
    let mut dims = vec![1; like.shape().num_dims()];
    dims[1] = like.shape()[1];
    B::float_reshape(values, Shape::from(dims))
}

/// `bn` applied to `x` exactly as [`BatchNorm::forward`] chooses: on an autodiff device with
/// training enabled, the batch statistics (and the running statistics are updated with the
/// module's momentum); otherwise the running statistics. A layer frozen on an autodiff device
/// goes through Burn's own differentiable path.
///
/// # Shapes
/// `x`: `[batch, channels, …]` → the same shape.
pub fn batch_norm<const D: usize>(bn: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if device.is_autodiff() && !bn.training.is_enabled() {
        return bn.forward(x);
    }
    if !device.is_autodiff() {
        let mean = bn.running_mean.value().to_device(&device);
        let variance = bn.running_var.value().to_device(&device);
        return Tensor::from_dispatch(Dispatch::batch_norm_eval_fast(
            x.into_dispatch(),
            bn.gamma.val().into_dispatch(),
            bn.beta.val().into_dispatch(),
            mean.into_dispatch(),
            variance.into_dispatch(),
            bn.epsilon,
        ));
    }
    let (output, mean, variance) = Dispatch::batch_norm_train_fast(
        x.into_dispatch(),
        bn.gamma.val().into_dispatch(),
        bn.beta.val().into_dispatch(),
        bn.epsilon,
    );
    let (mean, variance) = (Tensor::<1>::from_dispatch(mean), Tensor::<1>::from_dispatch(variance));
    // The running-statistics update of BatchNorm::forward, operation for operation.
    let running_mean = bn.running_mean.value_sync().to_device(&device);
    let running_var = bn.running_var.value_sync().to_device(&device);
    let running_mean =
        running_mean.mul_scalar(1.0 - bn.momentum).add(mean.detach().mul_scalar(bn.momentum));
    let running_var =
        running_var.mul_scalar(1.0 - bn.momentum).add(variance.detach().mul_scalar(bn.momentum));
    bn.running_mean.update(running_mean.detach());
    bn.running_var.update(running_var.detach());
    Tensor::from_dispatch(output)
}

#[cfg(feature = "ndarray")]
impl BatchNormExt for burn::backend::NdArray {}

#[cfg(feature = "wgpu")]
impl BatchNormExt for burn::backend::Cube {}

mod flex {
    use burn::backend::Flex;
    use burn::backend::flex::{FlexTensor, Layout};
    use burn::backend::ops::ModuleOps;
    use burn::backend::tensor::FloatTensor;
    use burn::tensor::{Bytes, DType, Shape};

    use super::{BatchNormExt, Rows, eval_forward, train_backward, train_forward};

    fn shape(t: &FlexTensor) -> Vec<usize> {
        t.layout().shape().to_vec()
    }

    fn rows(t: &FlexTensor) -> Rows {
        let s = shape(t);
        Rows { samples: s[0], channels: s[1], len: s[2..].iter().product() }
    }

    pub(super) fn tensor(values: Vec<f32>, shape: Vec<usize>) -> FlexTensor {
        FlexTensor::new(
            Bytes::from_elems(values),
            Layout::contiguous(Shape::from(shape)),
            DType::F32,
        )
    }

    /// The kernels' `(activation-shaped, per-channel, per-channel)` results as tensors, the
    /// first of `x`'s shape.
    fn outputs(
        x: &FlexTensor,
        r: Rows,
        (a, b, c): (Vec<f32>, Vec<f32>, Vec<f32>),
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        (tensor(a, shape(x)), tensor(b, vec![r.channels]), tensor(c, vec![r.channels]))
    }

    /// Whether the kernels below apply: `f32` tensors, rank ≥ 2, no empty dimension.
    fn supported(x: &FlexTensor, others: &[&FlexTensor]) -> bool {
        let s = shape(x);
        s.len() >= 2
            && s.iter().all(|&n| n > 0)
            && x.dtype() == DType::F32
            && others.iter().all(|t| t.dtype() == DType::F32)
    }

    impl BatchNormExt for Flex {
        fn batch_norm_train_fast(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            epsilon: f64,
        ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
            if !supported(&x, &[&gamma, &beta]) {
                let r = <Flex as ModuleOps<Flex>>::batch_norm_train(x, gamma, beta, epsilon);
                return (r.output, r.mean, r.variance);
            }
            let (x, gamma, beta) = (x.to_contiguous(), gamma.to_contiguous(), beta.to_contiguous());
            let r = rows(&x);
            let results = train_forward(
                r,
                x.storage::<f32>(),
                gamma.storage::<f32>(),
                beta.storage::<f32>(),
                epsilon,
            );
            outputs(&x, r, results)
        }

        fn batch_norm_train_fast_backward(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            mean: FloatTensor<Self>,
            variance: FloatTensor<Self>,
            epsilon: f64,
            grad: FloatTensor<Self>,
        ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
            if !supported(&x, &[&gamma, &mean, &variance, &grad]) {
                let r = <Flex as ModuleOps<Flex>>::batch_norm_train_backward(
                    x, gamma, mean, variance, epsilon, grad,
                );
                return (r.x_grad, r.gamma_grad, r.beta_grad);
            }
            let (x, grad) = (x.to_contiguous(), grad.to_contiguous());
            let (gamma, mean, variance) =
                (gamma.to_contiguous(), mean.to_contiguous(), variance.to_contiguous());
            let r = rows(&x);
            let results = train_backward(
                r,
                x.storage::<f32>(),
                gamma.storage::<f32>(),
                mean.storage::<f32>(),
                variance.storage::<f32>(),
                epsilon,
                grad.storage::<f32>(),
            );
            outputs(&x, r, results)
        }

        fn batch_norm_eval_fast(
            x: FloatTensor<Self>,
            gamma: FloatTensor<Self>,
            beta: FloatTensor<Self>,
            mean: FloatTensor<Self>,
            variance: FloatTensor<Self>,
            epsilon: f64,
        ) -> FloatTensor<Self> {
            if !supported(&x, &[&gamma, &beta, &mean, &variance]) {
                return <Flex as ModuleOps<Flex>>::batch_norm(
                    x, gamma, beta, mean, variance, epsilon,
                );
            }
            let x = x.to_contiguous();
            let (gamma, beta) = (gamma.to_contiguous(), beta.to_contiguous());
            let (mean, variance) = (mean.to_contiguous(), variance.to_contiguous());
            let out = eval_forward(
                rows(&x),
                x.storage::<f32>(),
                gamma.storage::<f32>(),
                beta.storage::<f32>(),
                mean.storage::<f32>(),
                variance.storage::<f32>(),
                epsilon,
            );
            tensor(out, shape(&x))
        }
    }
}

/// The autodiff node of [`BatchNormExt::batch_norm_train_fast`].
#[derive(Debug)]
struct BatchNormBackward;

impl<B: BatchNormExt> Backward<B, 3> for BatchNormBackward {
    /// The input and γ (checkpointed), the batch statistics, ε.
    type State = (NodeId, NodeId, B::FloatTensorPrimitive, B::FloatTensorPrimitive, f64);

    fn backward(
        self,
        ops: Ops<Self::State, 3>,
        grads: &mut Gradients,
        checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (x_state, gamma_state, mean, variance, epsilon) = ops.state;
        let x = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(x_state);
        let gamma = checkpointer.retrieve_node_output::<B::FloatTensorPrimitive>(gamma_state);
        let (x_grad, gamma_grad, beta_grad) =
            B::batch_norm_train_fast_backward(x, gamma, mean, variance, epsilon, grad);
        if let Some(node) = node_x {
            grads.register::<B>(node.id, x_grad);
        }
        if let Some(node) = node_gamma {
            grads.register::<B>(node.id, gamma_grad);
        }
        if let Some(node) = node_beta {
            grads.register::<B>(node.id, beta_grad);
        }
    }
}

impl<B: BatchNormExt, C: CheckpointStrategy> BatchNormExt for Autodiff<B, C> {
    fn batch_norm_train_fast(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let untracked = <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner;
        let forward = |x: FloatTensor<Self>, gamma: FloatTensor<Self>, beta: FloatTensor<Self>| {
            B::batch_norm_train_fast(
                x.into_primitive(),
                gamma.into_primitive(),
                beta.into_primitive(),
                epsilon,
            )
        };
        match BatchNormBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(mut prep) => {
                let x_state = prep.checkpoint(&x);
                let gamma_state = prep.checkpoint(&gamma);
                let (out, mean, variance) = forward(x, gamma, beta);
                let state = (x_state, gamma_state, mean.clone(), variance.clone(), epsilon);
                (prep.finish(state, out), untracked(mean), untracked(variance))
            }
            OpsKind::UnTracked(prep) => {
                let (out, mean, variance) = forward(x, gamma, beta);
                (prep.finish(out), untracked(mean), untracked(variance))
            }
        }
    }

    // The gradient kernel itself is not differentiated again (first-order autodiff).
    fn batch_norm_train_fast_backward(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let untracked = <Autodiff<B, C> as burn::backend::AutodiffBackend>::from_inner;
        let (x_grad, gamma_grad, beta_grad) = B::batch_norm_train_fast_backward(
            x.into_primitive(),
            gamma.into_primitive(),
            mean.into_primitive(),
            variance.into_primitive(),
            epsilon,
            grad.into_primitive(),
        );
        (untracked(x_grad), untracked(gamma_grad), untracked(beta_grad))
    }
    // batch_norm_eval_fast keeps the default body: Burn's differentiable batch norm.
}

/// An activation `[samples, channels, …]` as `samples · channels` rows of `len` values.
#[derive(Debug, Clone, Copy)]
struct Rows {
    samples: usize,
    channels: usize,
    len: usize,
}

impl Rows {
    /// Values per channel: `samples · len`.
    fn count(&self) -> f64 {
        (self.samples * self.len) as f64
    }

    /// Per-channel totals of per-row values (row `r` is channel `r % channels`), added in
    /// sample order.
    fn per_channel(&self, row_values: &[f64]) -> Vec<f64> {
        (0..self.channels)
            .map(|c| (0..self.samples).map(|n| row_values[n * self.channels + c]).sum())
            .collect()
    }
}

/// Partial sums per row.
const LANES: usize = 8;

/// `Σ f(a_i, b_i)` in `f64` over two equally long slices, in [`LANES`] interleaved partial sums
/// added in a fixed order (independent lanes vectorise; the order never depends on threads).
fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f64) -> f64 {
    let mut acc = [0.0f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (xa, xb) in ca.zip(cb) {
        for ((s, &u), &v) in acc.iter_mut().zip(xa).zip(xb) {
            *s += f(u, v);
        }
    }
    let mut total =
        ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (&u, &v) in ra.iter().zip(rb) {
        total += f(u, v);
    }
    total
}

/// Training forward: `(output, mean, biased variance)`.
fn train_forward(
    r: Rows,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    epsilon: f64,
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let sums: Vec<f64> =
        x.par_chunks(r.len).map(|row| lane_sum(row, row, |v, _| v as f64)).collect();
    let mean: Vec<f64> = r.per_channel(&sums).iter().map(|s| s / r.count()).collect();
    let squares: Vec<f64> = x
        .par_chunks(r.len)
        .enumerate()
        .map(|(i, row)| {
            let m = mean[i % r.channels];
            lane_sum(row, row, |v, _| (v as f64 - m) * (v as f64 - m))
        })
        .collect();
    let variance: Vec<f64> = r.per_channel(&squares).iter().map(|s| s / r.count()).collect();
    let mean32: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
    let variance32: Vec<f32> = variance.iter().map(|&v| v as f32).collect();
    let out = eval_forward(r, x, gamma, beta, &mean32, &variance32, epsilon);
    (out, mean32, variance32)
}

/// `(x − mean)·γ/√(variance + ε) + β` per channel.
fn eval_forward(
    r: Rows,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f64,
) -> Vec<f32> {
    let scale: Vec<f32> = (0..r.channels)
        .map(|c| (gamma[c] as f64 / (variance[c] as f64 + epsilon).sqrt()) as f32)
        .collect();
    let mut out = vec![0.0f32; x.len()];
    out.par_chunks_mut(r.len).zip(x.par_chunks(r.len)).enumerate().for_each(|(i, (y, row))| {
        let c = i % r.channels;
        let (m, s, b) = (mean[c], scale[c], beta[c]);
        for (o, &v) in y.iter_mut().zip(row) {
            *o = (v - m) * s + b;
        }
    });
    out
}

/// Training backward: `(x gradient, γ gradient, β gradient)`.
fn train_backward(
    r: Rows,
    x: &[f32],
    gamma: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f64,
    grad: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let inv_std: Vec<f64> =
        (0..r.channels).map(|c| 1.0 / (variance[c] as f64 + epsilon).sqrt()).collect();
    let row_sums: Vec<(f64, f64)> = x
        .par_chunks(r.len)
        .zip(grad.par_chunks(r.len))
        .enumerate()
        .map(|(i, (xs, gs))| {
            let m = mean[i % r.channels] as f64;
            (lane_sum(gs, gs, |g, _| g as f64), lane_sum(gs, xs, |g, v| g as f64 * (v as f64 - m)))
        })
        .collect();
    let beta_grad = r.per_channel(&row_sums.iter().map(|s| s.0).collect::<Vec<_>>());
    let centred = r.per_channel(&row_sums.iter().map(|s| s.1).collect::<Vec<_>>());
    // γ gradient Σ g·x̂ = Σ g·(x − μ) / σ.
    let gamma_grad: Vec<f64> = centred.iter().zip(&inv_std).map(|(s, i)| s * i).collect();
    // ∂x = a·g + b·(x − μ) + k with a = γ/σ, b = −γ/σ · mean(g·x̂)/σ, k = −γ/σ · mean(g).
    let coefficients: Vec<(f32, f32, f32)> = (0..r.channels)
        .map(|c| {
            let a = gamma[c] as f64 * inv_std[c];
            let b = -a * inv_std[c] * gamma_grad[c] / r.count();
            let k = -a * beta_grad[c] / r.count();
            (a as f32, b as f32, k as f32)
        })
        .collect();
    let mut x_grad = vec![0.0f32; x.len()];
    x_grad
        .par_chunks_mut(r.len)
        .zip(x.par_chunks(r.len).zip(grad.par_chunks(r.len)))
        .enumerate()
        .for_each(|(i, (out, (xs, gs)))| {
            let c = i % r.channels;
            let (a, b, k, m) = (coefficients[c].0, coefficients[c].1, coefficients[c].2, mean[c]);
            for ((o, &v), &g) in out.iter_mut().zip(xs).zip(gs) {
                *o = a * g + b * (v - m) + k;
            }
        });
    let to32 = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect::<Vec<f32>>();
    (x_grad, to32(gamma_grad), to32(beta_grad))
}

#[cfg(test)]
mod tests {
    use burn::module::Module;
    use burn::nn::BatchNormConfig;
    use burn::tensor::{Device, TensorData};

    use super::*;

    fn values(n: usize, seed: u32, offset: f32) -> Vec<f32> {
        (0..n)
            .map(|i| {
                (((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 1000) as f32 / 250.0 - 2.0
                    + offset
            })
            .collect()
    }

    fn close(a: &[f32], b: &[f32], what: &str) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        for (i, (p, q)) in a.iter().zip(b).enumerate() {
            assert!((p - q).abs() <= 2e-4 * (1.0 + q.abs()), "{what}[{i}]: {p} vs {q}");
        }
    }

    fn vec_of<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.try_into_vec_as::<f32>().unwrap()
    }

    /// A hand calculation: one channel, values 1, 2, 3, 6 over two samples: mean 3, biased
    /// variance (4 + 1 + 0 + 9)/4 = 3.5; with γ = 2, β = 1, ε = 0.5 the scale is 2/√4 = 1 and
    /// the output x − 3 + 1. For the output gradient g = (1, 0, 0, 0): β grad 1, γ grad
    /// x̂₀ = (1 − 3)/2 = −1, and ∂x = (γ/σ)(g − mean(g) − x̂·mean(g·x̂)) = g − 1/4 + x̂/4.
    #[test]
    fn matches_a_hand_calculation() {
        let r = Rows { samples: 2, channels: 1, len: 2 };
        let x = [1.0f32, 2.0, 3.0, 6.0];
        let (y, mean, var) = train_forward(r, &x, &[2.0], &[1.0], 0.5);
        assert_eq!((mean, var), (vec![3.0], vec![3.5]));
        assert_eq!(y, vec![-1.0, 0.0, 1.0, 4.0]);
        let (dx, dgamma, dbeta) =
            train_backward(r, &x, &[2.0], &[3.0], &[3.5], 0.5, &[1.0, 0.0, 0.0, 0.0]);
        assert_eq!((dgamma, dbeta), (vec![-1.0], vec![1.0]));
        let xhat = [-1.0f32, -0.5, 0.0, 1.5];
        let g = [1.0f32, 0.0, 0.0, 0.0];
        let expected: Vec<f32> = (0..4).map(|i| g[i] - 0.25 + xhat[i] * 0.25).collect();
        close(&dx, &expected, "hand ∂x");
    }

    /// The fallback path (what wgpu and ndarray run), evaluated with the flex backend's
    /// primitive ops, against the flex kernels: output, statistics and the three gradients.
    #[test]
    fn staged_fallback_matches_the_kernels() {
        use super::flex::tensor;
        use burn::backend::Flex;
        use burn::backend::flex::FlexTensor;
        let read = |t: FlexTensor| t.to_contiguous().storage::<f32>().to_vec();
        for shape in [vec![3usize, 4, 5, 3, 2], vec![2, 3, 4, 4, 4], vec![4, 2, 3]] {
            let n: usize = shape.iter().product();
            let channels = shape[1];
            let rows = Rows { samples: shape[0], channels, len: n / (shape[0] * channels) };
            let (x, g) = (values(n, 7, 3.0), values(n, 11, 0.0));
            let (gamma, beta) = (values(channels, 5, 1.0), values(channels, 3, 0.0));
            let (y, mean, var) = train_forward(rows, &x, &gamma, &beta, 1e-5);
            let (dx, dgamma, dbeta) = train_backward(rows, &x, &gamma, &mean, &var, 1e-5, &g);
            let (sy, smean, svar) = staged_train_forward::<Flex>(
                tensor(x.clone(), shape.clone()),
                tensor(gamma.clone(), vec![channels]),
                tensor(beta, vec![channels]),
                1e-5,
            );
            close(&read(sy), &y, "staged output");
            close(&read(smean), &mean, "staged mean");
            close(&read(svar), &var, "staged variance");
            let (sdx, sdgamma, sdbeta) = staged_train_backward::<Flex>(
                tensor(x, shape.clone()),
                tensor(gamma, vec![channels]),
                tensor(mean, vec![channels]),
                tensor(var, vec![channels]),
                1e-5,
                tensor(g, shape.clone()),
            );
            close(&read(sdx), &dx, "staged x gradient");
            close(&read(sdgamma), &dgamma, "staged gamma gradient");
            close(&read(sdbeta), &dbeta, "staged beta gradient");
        }
    }

    /// The kernels against Burn's own batch norm on the flex backend (forward, statistics,
    /// the three gradients, running statistics and inference), for shapes whose rows are and
    /// are not multiples of the lane count.
    #[test]
    fn matches_burns_batch_norm() {
        for shape in [[3usize, 4, 5, 3, 2], [2, 3, 4, 4, 4], [4, 2, 1, 1, 3]] {
            let device = Device::flex().autodiff();
            let n: usize = shape.iter().product();
            let channels = shape[1];
            let x_values = values(n, 7, 3.0);
            let g_values = values(n, 11, 0.0);
            let mut ours_bn = BatchNormConfig::new(channels).init(&device);
            let gamma = Tensor::<1>::from_data(
                TensorData::new(values(channels, 5, 1.0), [channels]),
                &device,
            );
            let beta = Tensor::<1>::from_data(
                TensorData::new(values(channels, 3, 0.0), [channels]),
                &device,
            );
            ours_bn.gamma = burn::module::Param::from_tensor(gamma.clone());
            ours_bn.beta = burn::module::Param::from_tensor(beta.clone());
            let mut burn_bn = BatchNormConfig::new(channels).init(&device);
            burn_bn.gamma = burn::module::Param::from_tensor(gamma);
            burn_bn.beta = burn::module::Param::from_tensor(beta);

            let input = || {
                Tensor::<5>::from_data(TensorData::new(x_values.clone(), shape), &device)
                    .require_grad()
            };
            let g = Tensor::<5>::from_data(TensorData::new(g_values.clone(), shape), &device);
            let (x_ours, x_burn) = (input(), input());
            let y_ours = batch_norm(&ours_bn, x_ours.clone());
            let y_burn = burn_bn.forward(x_burn.clone());
            close(&vec_of(y_ours.clone()), &vec_of(y_burn.clone()), "output");
            let grads_ours = (y_ours * g.clone()).sum().backward();
            let grads_burn = (y_burn * g).sum().backward();
            close(
                &vec_of(x_ours.grad(&grads_ours).unwrap()),
                &vec_of(x_burn.grad(&grads_burn).unwrap()),
                "x gradient",
            );
            for (name, ours, theirs) in [
                (
                    "gamma gradient",
                    ours_bn.gamma.grad(&grads_ours),
                    burn_bn.gamma.grad(&grads_burn),
                ),
                ("beta gradient", ours_bn.beta.grad(&grads_ours), burn_bn.beta.grad(&grads_burn)),
            ] {
                close(&vec_of(ours.unwrap()), &vec_of(theirs.unwrap()), name);
            }
            close(
                &vec_of(ours_bn.running_mean.value()),
                &vec_of(burn_bn.running_mean.value()),
                "running mean",
            );
            close(
                &vec_of(ours_bn.running_var.value()),
                &vec_of(burn_bn.running_var.value()),
                "running variance",
            );

            // Inference on the plain device, with the updated running statistics.
            let plain = Device::flex();
            let (ours_bn, burn_bn) = (ours_bn.valid(), burn_bn.valid());
            let x = Tensor::<5>::from_data(TensorData::new(x_values.clone(), shape), &plain);
            close(
                &vec_of(batch_norm(&ours_bn, x.clone())),
                &vec_of(burn_bn.forward(x)),
                "inference output",
            );
        }
    }
}
