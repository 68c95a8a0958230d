//! The 3D convolution and batch-norm kernels of radlsig's CNN, as Burn backend extensions with
//! their own autodiff backward passes.
//!
//! The main items:
//!
//! - [`conv3d`] — a cubic-kernel 3D convolution without bias, differentiable, and
//!   [`conv3d_affine`] — the same followed in one pass by a per-channel affine map (a batch
//!   norm with running statistics, folded), a residual addition and a ReLU, for inference. On
//!   Burn's flex CPU backend they run register-blocked AVX-512 kernels where the CPU has them,
//!   else im2col and gemm; other backends compose Burn's own operations ([`Conv3dExt`]).
//! - [`batch_norm`] — a [`burn::nn::BatchNorm`] applied in two passes over the activation,
//!   forward and backward, on the CPU backend; staged per-channel reductions elsewhere
//!   ([`BatchNormExt`]).
//! - [`ChannelsLastNet`] — inference of a whole residual network one sample at a time with
//!   every feature map kept channels-last, built from plain layer descriptions
//!   ([`FoldedConv`], [`FoldedBlock`]: weights, folded batch norm, stride, padding).
//!
//! Every kernel sums its products in a fixed order and reduces per-sample partial sums in
//! sample order, so results are bit-identical whatever the number of threads (on one kind of
//! CPU: the AVX-512 and gemm paths round differently).
//!
//! ```
//! use burn::tensor::{Device, Distribution, Tensor};
//! use radlsig_kernels::conv3d;
//!
//! let device = Device::flex();
//! let x = Tensor::<5>::random([2, 3, 8, 8, 8], Distribution::Default, &device);
//! let weight = Tensor::<5>::random([4, 3, 3, 3, 3], Distribution::Default, &device);
//! // Stride 2, padding 1: (8 + 2 − 3) / 2 + 1 = 4 voxels per side.
//! assert_eq!(conv3d(x, weight, 2, 1).dims(), [2, 4, 4, 4, 4]);
//! ```
#![deny(missing_docs)]

mod conv;
mod norm;

pub use conv::channels_last::{ChannelsLastNet, FoldedBlock, FoldedConv};
pub use conv::{Conv3dExt, conv3d, conv3d_affine};
pub use norm::{BatchNormExt, batch_norm};
