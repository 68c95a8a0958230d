//! The network: a configurable residual 3D CNN with an embedding layer and a two-class head.
//!
//! ```text
//! input [B, C, D, H, W]
//!   → stem: conv k³ (stride s₀) → BatchNorm → ReLU
//!   → stages i = 1..: blocks[i] × ResidualBlock3d(widths[i]), the first with stride strides[i]
//!   → global average pooling (mean over D, H, W)            [B, widths.last]
//!   → embedding: Linear → ReLU                               [B, embedding]  (the deep features)
//!   → dropout (training only) → head: Linear                 [B, 2]          (logits)
//! ```
//!
//! A residual block is conv 3³ (stride s) → BN → ReLU → conv 3³ → BN, plus the input (through a
//! 1³ conv with stride s and BN when the shape changes, or — `shortcut = "zero_pad"`, ResNet's
//! option A — the input subsampled by s with zero channels appended), then ReLU: the basic block
//! of ResNet-18, in 3D. Convolutions followed by BatchNorm have no bias.
//!
//! Pretrained backbones (MedicalNet, MONAI; see [`crate::pretrained`]) add a max pool 3³ with
//! stride 2 after the stem (`stem_pool`) and dilated stages (`dilations`: MedicalNet's stages 3
//! and 4 run with stride 1 and dilation 2 and 4); the deep features of a pretrained backbone are
//! the globally pooled maps ([`Cnn3d::pooled`]).
//!
//! Randomness never comes from Burn's global generator: weights are drawn by [`Cnn3d::new`]
//! from a ChaCha stream of the configured seed, and dropout masks are passed in by the caller,
//! so two runs with one seed compute the same numbers even when other threads use Burn.

use burn::config::Config;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::nn::conv::{Conv3d, Conv3dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig3d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

use radlsig_kernels::{ChannelsLastNet, FoldedBlock, FoldedConv};

use crate::augment::mix;

/// Whether `device` is Burn's flex CPU backend (where [`ChannelsLastNet`] runs).
fn is_flex(device: &Device) -> bool {
    #[cfg(feature = "flex")]
    {
        *device == Device::flex()
    }
    #[cfg(not(feature = "flex"))]
    {
        let _ = device;
        false
    }
}

/// Named architectures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelPreset {
    /// The default: a stride-2 stem and two residual stages (16 → 32 → 64 channels); trains a
    /// few hundred 32³ cases in minutes on two CPU cores.
    Small,
    /// ResNet-18 in 3D with a 3³ stride-1 stem and no stem pooling (the variant MedMNIST3D
    /// benchmarks use on 28³ inputs): stages of 2 blocks, 64/128/256/512 channels, strides
    /// 1/2/2/2, a 512-wide embedding.
    Resnet18,
}

/// How a residual block whose shape changes carries its input to the sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shortcut {
    /// A 1³ convolution with the block's stride, then BatchNorm (ResNet's option B; default).
    #[default]
    Conv,
    /// The input subsampled by the stride, with zero channels appended (option A: no
    /// parameters; MedicalNet's ResNet-18 and -34).
    ZeroPad,
}

/// Architecture of [`Cnn3d`]; see the module docs.
#[derive(Config, Debug, PartialEq)]
pub struct Cnn3dConfig {
    /// Input channels; 0 means "from the data" (resolved before training starts).
    #[config(default = 0)]
    pub in_channels: usize,
    /// Channels of the stem convolution.
    #[config(default = 16)]
    pub stem_width: usize,
    /// Kernel size of the stem convolution (odd).
    #[config(default = 3)]
    pub stem_kernel: usize,
    /// Stride of the stem convolution.
    #[config(default = 2)]
    pub stem_stride: usize,
    /// Channels of each stage.
    #[config(default = "vec![32, 64]")]
    pub widths: Vec<usize>,
    /// Residual blocks per stage.
    #[config(default = "vec![1, 1]")]
    pub blocks: Vec<usize>,
    /// Stride of each stage's first block.
    #[config(default = "vec![2, 2]")]
    pub strides: Vec<usize>,
    /// Dilation of each stage's 3³ convolutions (empty: 1 for every stage).
    #[config(default = "Vec::new()")]
    pub dilations: Vec<usize>,
    /// A max pool 3³ with stride 2 (padding 1) after the stem, as ResNet's.
    #[config(default = false)]
    pub stem_pool: bool,
    /// The shortcut of blocks that change shape.
    #[config(default = "Shortcut::Conv")]
    pub shortcut: Shortcut,
    /// Width of the embedding layer (the number of deep features).
    #[config(default = 64)]
    pub embedding: usize,
    /// Dropout probability before the head, in training.
    #[config(default = 0.3)]
    pub dropout: f64,
}

impl Cnn3dConfig {
    /// The architecture of a preset.
    pub fn preset(preset: ModelPreset) -> Cnn3dConfig {
        match preset {
            ModelPreset::Small => Cnn3dConfig::new(),
            ModelPreset::Resnet18 => Cnn3dConfig::new()
                .with_stem_width(64)
                .with_stem_kernel(3)
                .with_stem_stride(1)
                .with_widths(vec![64, 128, 256, 512])
                .with_blocks(vec![2, 2, 2, 2])
                .with_strides(vec![1, 2, 2, 2])
                .with_embedding(512),
        }
    }

    /// This architecture up to the global pooling with the embedding width and dropout of
    /// `head` (a pretrained backbone under a new head).
    pub fn with_head_of(self, head: &Cnn3dConfig) -> Cnn3dConfig {
        Cnn3dConfig { embedding: head.embedding, dropout: head.dropout, ..self }
    }

    /// Problems with the settings, each naming its key.
    pub(crate) fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.stem_width == 0 || self.embedding == 0 {
            problems.push("model.stem_width and model.embedding must be ≥ 1".into());
        }
        if self.stem_kernel % 2 == 0 {
            problems.push(format!("model.stem_kernel = {} must be odd", self.stem_kernel));
        }
        if self.stem_stride == 0 || self.strides.contains(&0) {
            problems.push("model strides must be ≥ 1".into());
        }
        if self.widths.is_empty() {
            problems.push("model.widths needs at least one stage".into());
        }
        if self.widths.len() != self.blocks.len() || self.widths.len() != self.strides.len() {
            problems.push(format!(
                "model.widths ({}), model.blocks ({}) and model.strides ({}) must have one entry per stage",
                self.widths.len(),
                self.blocks.len(),
                self.strides.len()
            ));
        }
        if self.widths.contains(&0) || self.blocks.contains(&0) {
            problems.push("model.widths and model.blocks entries must be ≥ 1".into());
        }
        if !self.dilations.is_empty() && self.dilations.len() != self.widths.len() {
            problems.push(format!(
                "model.dilations ({}) must be empty or have one entry per stage ({})",
                self.dilations.len(),
                self.widths.len()
            ));
        }
        if self.dilations.contains(&0) {
            problems.push("model.dilations entries must be ≥ 1".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            problems.push(format!("model.dropout = {} is not in [0, 1)", self.dropout));
        }
        problems
    }

    /// Spatial size after the network's strides for an input of `size` voxels per side.
    pub fn output_size(&self, size: usize) -> usize {
        let down = |n: usize, s: usize| n.div_ceil(s);
        let stem = down(size, self.stem_stride);
        let stem = if self.stem_pool { down(stem, 2) } else { stem };
        self.strides.iter().fold(stem, |n, &s| down(n, s))
    }

    /// The dilation of stage `i`.
    pub fn dilation(&self, i: usize) -> usize {
        self.dilations.get(i).copied().unwrap_or(1)
    }

    /// Channels of the globally pooled maps (the last stage's width).
    pub fn pooled_width(&self) -> usize {
        self.widths.last().copied().unwrap_or(self.stem_width)
    }
}

/// A 3D convolution followed by batch normalisation (no conv bias).
#[derive(Module, Debug)]
pub struct ConvBn3d {
    conv: Conv3d,
    bn: BatchNorm,
}

impl ConvBn3d {
    fn new(
        channels: [usize; 2],
        kernel: usize,
        stride: usize,
        dilation: usize,
        device: &Device,
    ) -> ConvBn3d {
        let pad = dilation * (kernel / 2);
        let conv = Conv3dConfig::new(channels, [kernel; 3])
            .with_stride([stride; 3])
            .with_dilation([dilation; 3])
            .with_padding(PaddingConfig3d::Explicit(pad, pad, pad))
            .with_bias(false)
            .init(device);
        ConvBn3d { conv, bn: BatchNormConfig::new(channels[1]).init(device) }
    }

    /// Whether the convolution is dilated (radlsig-kernels' convolutions are not: Burn's runs).
    fn dilated(&self) -> bool {
        self.conv.dilation[0] != 1
    }

    /// # Shapes
    /// `[B, C_in, D, H, W]` → `[B, C_out, D/s, H/s, W/s]` (rounded up).
    fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        let [k, ..] = self.conv.kernel_size;
        // Our convolution and batch-norm kernels (radlsig-kernels) rather than Burn's: same
        // weights and semantics, equal up to rounding, several times faster on the CPU backend.
        // Dilated convolutions (pretrained MedicalNet stages) run through Burn's.
        let y = if self.dilated() {
            self.conv.forward(x)
        } else {
            radlsig_kernels::conv3d(x, self.conv.weight.val(), self.conv.stride[0], k / 2)
        };
        radlsig_kernels::batch_norm(&self.bn, y)
    }

    /// `relu?(bn(conv(x)) + residual?)`. Off the autodiff device (inference), the batch norm
    /// with running statistics is the affine map `y·s + (β − μ·s)`, `s = γ/√(σ² + ε)`, applied
    /// with the residual and the ReLU as the convolution writes its output
    /// ([`radlsig_kernels::conv3d_affine`]); in training, the separate differentiable operations.
    ///
    /// # Shapes
    /// `[B, C_in, D, H, W]` → `[B, C_out, D/s, H/s, W/s]` (rounded up); `residual` of the
    /// output's shape.
    fn forward_fused(&self, x: Tensor<5>, residual: Option<Tensor<5>>, relu: bool) -> Tensor<5> {
        let device = x.device();
        if device.is_autodiff() || self.dilated() {
            let y = self.forward(x);
            let y = match residual {
                Some(r) => y + r,
                None => y,
            };
            return if relu { burn::tensor::activation::relu(y) } else { y };
        }
        let [k, ..] = self.conv.kernel_size;
        let (scale, shift) = self.folded_norm(&device);
        radlsig_kernels::conv3d_affine(
            x,
            self.conv.weight.val(),
            scale,
            shift,
            residual,
            self.conv.stride[0],
            k / 2,
            relu,
        )
    }
}

impl ConvBn3d {
    /// The batch norm with running statistics as the affine map `(s, β − μ·s)`,
    /// `s = γ/√(σ² + ε)`, on `device`.
    fn folded_norm(&self, device: &Device) -> (Tensor<1>, Tensor<1>) {
        let bn = &self.bn;
        let scale = bn.gamma.val().to_device(device)
            / (bn.running_var.value().to_device(device) + bn.epsilon).sqrt();
        let shift = bn.beta.val().to_device(device)
            - bn.running_mean.value().to_device(device) * scale.clone();
        (scale, shift)
    }

    /// This layer described for [`ChannelsLastNet`] (inference), its batch norm folded by
    /// [`ConvBn3d::folded_norm`], or `None` when a value cannot be read as `f32`.
    fn folded(&self) -> Option<FoldedConv> {
        if self.dilated() {
            return None;
        }
        let (scale, shift) = self.folded_norm(&self.conv.weight.val().device());
        let (scale, shift) =
            (scale.try_into_vec_as::<f32>().ok()?, shift.try_into_vec_as::<f32>().ok()?);
        let [c_out, c_in, k, ..] = self.conv.weight.dims();
        Some(FoldedConv {
            weight: self.conv.weight.val().try_into_vec_as::<f32>().ok()?,
            shape: [c_out, c_in, k],
            stride: self.conv.stride[0],
            padding: k / 2,
            scale,
            shift,
        })
    }
}

/// The ResNet basic block in 3D; see the module docs.
#[derive(Module, Debug)]
pub struct ResidualBlock3d {
    first: ConvBn3d,
    second: ConvBn3d,
    shortcut: Option<ConvBn3d>,
    /// Option A's shortcut: the input subsampled by this stride and padded with zero channels
    /// to `zero_pad_to` (0: not this shortcut).
    zero_pad_stride: usize,
    zero_pad_to: usize,
}

impl ResidualBlock3d {
    fn new(
        channels: [usize; 2],
        stride: usize,
        dilation: usize,
        shortcut: Shortcut,
        device: &Device,
    ) -> ResidualBlock3d {
        let changes = stride != 1 || channels[0] != channels[1];
        let conv_shortcut = changes && shortcut == Shortcut::Conv;
        let zero_pad = changes && shortcut == Shortcut::ZeroPad;
        ResidualBlock3d {
            first: ConvBn3d::new(channels, 3, stride, dilation, device),
            second: ConvBn3d::new([channels[1], channels[1]], 3, 1, dilation, device),
            shortcut: conv_shortcut.then(|| ConvBn3d::new(channels, 1, stride, 1, device)),
            zero_pad_stride: if zero_pad { stride } else { 0 },
            zero_pad_to: if zero_pad { channels[1] } else { 0 },
        }
    }

    /// Option A's identity: `x[:, :, ::s, ::s, ::s]` with zero channels appended.
    fn zero_padded(&self, x: Tensor<5>) -> Tensor<5> {
        let s = self.zero_pad_stride as isize;
        let x = if s > 1 { x.slice(burn::tensor::s![.., .., ..;s, ..;s, ..;s]) } else { x };
        let [b, c, d, h, w] = x.dims();
        if self.zero_pad_to <= c {
            return x;
        }
        let zeros = Tensor::<5>::zeros([b, self.zero_pad_to - c, d, h, w], &x.device());
        Tensor::cat(vec![x, zeros], 1)
    }

    /// # Shapes
    /// `[B, C_in, D, H, W]` → `[B, C_out, D/s, H/s, W/s]` (rounded up).
    fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        let identity = match &self.shortcut {
            Some(shortcut) => shortcut.forward_fused(x.clone(), None, false),
            None if self.zero_pad_to > 0 => self.zero_padded(x.clone()),
            None => x.clone(),
        };
        let y = self.first.forward_fused(x, None, true);
        self.second.forward_fused(y, Some(identity), true)
    }
}

/// The network; see the module docs.
#[derive(Module, Debug)]
pub struct Cnn3d {
    stem: ConvBn3d,
    /// Max pool 3³, stride 2, after the stem.
    stem_pool: bool,
    blocks: Vec<ResidualBlock3d>,
    embedding: Linear,
    head: Linear,
}

/// What one forward pass returns.
#[derive(Debug, Clone)]
pub struct Cnn3dOutput {
    /// The deep features, `[B, embedding]` (after the embedding layer's ReLU).
    pub embedding: Tensor<2>,
    /// Class logits, `[B, 2]`.
    pub logits: Tensor<2>,
}

impl Cnn3d {
    /// A network of `config` on `device` with weights drawn from a ChaCha stream of `seed`:
    /// convolutions He-normal (`σ = √(2 / fan_in)`), linear layers uniform in
    /// `±1/√fan_in`, biases 0, BatchNorm γ = 1, β = 0.
    ///
    /// # Panics
    ///
    /// When `config.in_channels` is 0 (resolve it from the data first) or the config has
    /// problems (`TrainingConfig` checks them before any model is built).
    pub fn new(config: &Cnn3dConfig, seed: u64, device: &Device) -> Cnn3d {
        assert!(
            config.in_channels > 0,
            "Cnn3d::new: in_channels must be resolved from the data first"
        );
        let stem = ConvBn3d::new(
            [config.in_channels, config.stem_width],
            config.stem_kernel,
            config.stem_stride,
            1,
            device,
        );
        let mut blocks = Vec::new();
        let mut width = config.stem_width;
        for (i, ((&out, &count), &stride)) in
            config.widths.iter().zip(&config.blocks).zip(&config.strides).enumerate()
        {
            for b in 0..count {
                blocks.push(ResidualBlock3d::new(
                    [width, out],
                    if b == 0 { stride } else { 1 },
                    config.dilation(i),
                    config.shortcut,
                    device,
                ));
                width = out;
            }
        }
        let embedding = LinearConfig::new(width, config.embedding).init(device);
        let head = LinearConfig::new(config.embedding, 2).init(device);
        let model = Cnn3d { stem, stem_pool: config.stem_pool, blocks, embedding, head };
        model.map(&mut SeededInit::new(seed))
    }

    /// The ids of the parameters after the global pooling (the embedding layer and the head):
    /// what fine-tuning trains at the full learning rate.
    pub(crate) fn head_param_ids(&self) -> Vec<ParamId> {
        struct Ids(Vec<ParamId>);
        impl ModuleVisitor for Ids {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                self.0.push(param.id);
            }
        }
        let mut ids = Ids(Vec::new());
        self.embedding.visit(&mut ids);
        self.head.visit(&mut ids);
        ids.0
    }

    /// This network with the stem and residual stages of `source` (same architecture up to the
    /// pooling) and its own embedding layer and head: a transferred backbone under a new head.
    pub(crate) fn with_backbone_of(self, source: Cnn3d) -> Cnn3d {
        Cnn3d { stem: source.stem, stem_pool: source.stem_pool, blocks: source.blocks, ..self }
    }

    /// The forward pass. `dropout_keep`, in training, is a `[B, embedding]` tensor of 0 and
    /// `1/(1 − p)` applied to the embedding before the head ([`dropout_mask`]).
    ///
    /// # Shapes
    /// `x`: `[batch, channels, depth, height, width]` → embedding `[batch, embedding]`,
    /// logits `[batch, 2]`.
    pub fn forward(&self, x: Tensor<5>, dropout_keep: Option<Tensor<2>>) -> Cnn3dOutput {
        let pooled = self.pooled(x);
        self.head(pooled, dropout_keep)
    }

    /// The globally pooled maps of the last stage (the backbone's features, before the
    /// embedding layer).
    ///
    /// # Shapes
    /// `x`: `[batch, channels, depth, height, width]` → `[batch, widths.last]`.
    pub fn pooled(&self, x: Tensor<5>) -> Tensor<2> {
        match self.pooled_channels_last(x) {
            Ok(pooled) => pooled,
            Err(x) => {
                let mut x = self.stem.forward_fused(x, None, true); // [B, stem_width, D/s₀, …]
                if self.stem_pool {
                    x = max_pool3d_k3s2(x); // [B, stem_width, D/2s₀, …]
                }
                for block in &self.blocks {
                    x = block.forward(x); // [B, width_i, …]
                }
                let [b, c, d, h, w] = x.dims();
                x.reshape([b, c, d * h * w]).mean_dim(2).reshape([b, c]) // [B, C]
            }
        }
    }

    /// The layers after the global pooling: the embedding layer with its ReLU, then the head.
    ///
    /// # Shapes
    /// `pooled`: `[batch, channels]` → embedding `[batch, embedding]`, logits `[batch, 2]`.
    pub(crate) fn head(&self, pooled: Tensor<2>, dropout_keep: Option<Tensor<2>>) -> Cnn3dOutput {
        let embedding = relu(self.embedding.forward(pooled)); // [B, E]
        let dropped = match dropout_keep {
            Some(keep) => embedding.clone() * keep,
            None => embedding.clone(),
        };
        let logits = self.head.forward(dropped); // [B, 2]
        Cnn3dOutput { embedding, logits }
    }
}

impl Cnn3d {
    /// The convolutions laid out for inference through [`ChannelsLastNet`] on samples of
    /// `input = [channels, d, h, w]`: on the CPU backend where the CPU has AVX-512, else
    /// (training, other backends or CPUs) `None`, where the layer-by-layer path runs.
    pub(crate) fn channels_last(
        &self,
        input: [usize; 4],
        device: &Device,
    ) -> Option<ChannelsLastNet> {
        if device.is_autodiff()
            || !ChannelsLastNet::available()
            || !is_flex(device)
            || self.stem_pool
            || self.blocks.iter().any(|b| b.zero_pad_to > 0)
        {
            return None;
        }
        let blocks = self.blocks.iter().map(|block| {
            Some(FoldedBlock {
                first: block.first.folded()?,
                second: block.second.folded()?,
                shortcut: match &block.shortcut {
                    Some(s) => Some(s.folded()?),
                    None => None,
                },
            })
        });
        let blocks = blocks.collect::<Option<Vec<_>>>()?;
        Some(ChannelsLastNet::new(input, &self.stem.folded()?, &blocks))
    }

    /// The globally pooled features `[B, C]` of `x` through [`Cnn3d::channels_last`] (one
    /// thread per run of samples, feature maps kept channels-last), or `x` back where that path
    /// does not run.
    fn pooled_channels_last(&self, x: Tensor<5>) -> Result<Tensor<2>, Tensor<5>> {
        let device = x.device();
        let [b, c, d, h, w] = x.dims();
        let Some(net) = self.channels_last([c, d, h, w], &device) else { return Err(x) };
        let values = match x.clone().try_into_vec_as::<f32>() {
            Ok(values) => values,
            Err(_) => return Err(x),
        };
        let samples: Vec<&[f32]> = values.chunks_exact(c * d * h * w).collect();
        Ok(Tensor::from_data(TensorData::new(net.pooled(&samples), [b, net.width()]), &device))
    }

    /// Every parameter and running statistic as `(path, values)`, in module order (for
    /// comparing two models value by value: saved files also hold random parameter ids).
    pub fn parameters(&self) -> Vec<(String, Vec<f32>)> {
        let mut collector = ParameterCollector::default();
        self.visit(&mut collector);
        collector.values
    }
}

#[derive(Default)]
struct ParameterCollector {
    path: Vec<String>,
    values: Vec<(String, Vec<f32>)>,
}

impl ModuleVisitor for ParameterCollector {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let values = param.val().try_into_vec_as::<f32>().unwrap_or_default();
        self.values.push((self.path.join("."), values));
    }
}

/// Max pooling over 3³ windows with stride 2 and padding 1 (PyTorch's
/// `MaxPool3d(3, stride=2, padding=1)`), as two of Burn's differentiable 2D max pools: over
/// (H, W), then over D laid out as the last axis. The input follows a ReLU, so padding with 0
/// equals PyTorch's padding with −∞.
///
/// # Shapes
/// `[B, C, D, H, W]` → `[B, C, ⌈D/2⌉, ⌈H/2⌉, ⌈W/2⌉]`.
fn max_pool3d_k3s2(x: Tensor<5>) -> Tensor<5> {
    use burn::tensor::module::max_pool2d;
    use burn::tensor::ops::MaxPoolOptions;
    let [b, c, d, h, w] = x.dims();
    let hw = max_pool2d(
        x.reshape([b, c * d, h, w]),
        MaxPoolOptions::new([3, 3]).with_stride([2, 2]).with_padding([1, 1]),
    ); // [B, C·D, H', W']
    let [_, _, h2, w2] = hw.dims();
    let by_depth = hw.reshape([b, c, d, h2 * w2]).swap_dims(2, 3).reshape([b, c * h2 * w2, 1, d]);
    let options = MaxPoolOptions::new([1, 3]).with_stride([1, 2]).with_padding([0, 1]);
    let pooled = max_pool2d(by_depth, options);
    let [_, _, _, d2] = pooled.dims();
    pooled.reshape([b, c, h2 * w2, d2]).swap_dims(2, 3).reshape([b, c, d2, h2, w2])
}

/// A dropout multiplier `[batch, width]` on `device`: each entry `1/(1 − p)` with probability
/// `1 − p`, else 0, drawn from `rng`.
pub fn dropout_mask(
    batch: usize,
    width: usize,
    p: f64,
    rng: &mut ChaCha8Rng,
    device: &Device,
) -> Tensor<2> {
    use rand::Rng;
    let scale = (1.0 / (1.0 - p)) as f32;
    let values: Vec<f32> =
        (0..batch * width).map(|_| if rng.random_bool(1.0 - p) { scale } else { 0.0 }).collect();
    Tensor::from_data(TensorData::new(values, [batch, width]), device)
}

/// Replaces every weight with a draw from a seeded stream (see [`Cnn3d::new`]); biases,
/// BatchNorm parameters and running statistics get their fixed initial values.
struct SeededInit {
    rng: ChaCha8Rng,
    path: Vec<String>,
}

impl SeededInit {
    fn new(seed: u64) -> SeededInit {
        SeededInit { rng: ChaCha8Rng::seed_from_u64(mix(&[seed, 0x1417_0001])), path: Vec::new() }
    }
}

impl ModuleMapper for SeededInit {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let name = self.path.last().map(String::as_str).unwrap_or("");
        let (id, tensor, mapper) = param.consume();
        let dims = tensor.dims();
        let device = tensor.device();
        let count: usize = dims.iter().product();
        let values: Option<Vec<f32>> = match (name, D) {
            ("weight", 5) => {
                let fan_in = dims[1] * dims[2] * dims[3] * dims[4];
                let normal =
                    Normal::new(0.0, (2.0 / fan_in as f64).sqrt()).expect("finite positive σ");
                Some((0..count).map(|_| normal.sample(&mut self.rng) as f32).collect())
            }
            ("weight", 2) => {
                // Row layout: [d_input, d_output].
                let bound = 1.0 / (dims[0] as f64).sqrt();
                let uniform = Uniform::new_inclusive(-bound, bound).expect("finite bounds");
                Some((0..count).map(|_| uniform.sample(&mut self.rng) as f32).collect())
            }
            ("bias", _) | ("beta", _) => Some(vec![0.0; count]),
            ("gamma", _) => Some(vec![1.0; count]),
            // Running statistics keep their initial zeros and ones.
            _ => None,
        };
        let tensor = match values {
            Some(values) => {
                let data = TensorData::new(values, dims.to_vec());
                let fresh = Tensor::<D>::from_data(data, &device);
                fresh.set_require_grad(tensor.is_require_grad())
            }
            None => tensor,
        };
        Param::from_mapped_value(id, tensor, mapper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_size_follows_strides() {
        let c = Cnn3dConfig::new();
        assert_eq!(c.output_size(32), 4);
        assert_eq!(c.output_size(28), 4); // 28 → 14 → 7 → 4
        let r = Cnn3dConfig::preset(ModelPreset::Resnet18);
        assert_eq!(r.output_size(28), 4); // 28 → 28 → 14 → 7 → 4
        assert!(r.problems().is_empty());
    }

    #[test]
    fn problems_are_named() {
        let c = Cnn3dConfig::new().with_blocks(vec![1]).with_dropout(1.0).with_stem_kernel(4);
        let p = c.problems().join("; ");
        assert!(p.contains("model.blocks"), "{p}");
        assert!(p.contains("model.dropout"), "{p}");
        assert!(p.contains("model.stem_kernel"), "{p}");
    }

    /// Sets every vector (BatchNorm γ, β and running statistics, biases) to distinct positive
    /// values, so the folded affine map is not 1·y + 0.
    struct PerturbNorms(f32);

    impl ModuleMapper for PerturbNorms {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let (id, tensor, mapper) = param.consume();
            let dims = tensor.dims();
            let tensor = if D == 1 && dims[0] > 2 {
                let n = dims[0];
                self.0 += 0.37;
                let values: Vec<f32> =
                    (0..n).map(|i| ((i as f32 * 0.71 + self.0).sin()) * 0.5 + 0.7).collect();
                Tensor::<D>::from_data(TensorData::new(values, dims.to_vec()), &tensor.device())
            } else {
                tensor
            };
            Param::from_mapped_value(id, tensor, mapper)
        }
    }

    #[test]
    fn fused_inference_matches_the_separate_layers() {
        let device = Device::flex();
        let config = Cnn3dConfig::new().with_in_channels(2).with_widths(vec![16, 32]);
        let model = Cnn3d::new(&config, 3, &device).map(&mut PerturbNorms(0.0));
        let x =
            Tensor::<5>::random([3, 2, 12, 12, 12], burn::tensor::Distribution::Default, &device);
        // `forward` on the CPU backend: through ChannelsLastNet where the CPU has AVX-512.
        let fused = model.forward(x.clone(), None);
        // The layer-by-layer fused path (conv3d_affine per layer), which runs elsewhere.
        let mut f = model.stem.forward_fused(x.clone(), None, true);
        for block in &model.blocks {
            f = block.forward(f);
        }
        let [b, c, d, hh, w] = f.dims();
        let layered = model.head(f.reshape([b, c, d * hh * w]).mean_dim(2).reshape([b, c]), None);
        // The same network as conv → batch norm → (+ identity) → ReLU, layer by layer.
        let mut h = relu(model.stem.forward(x));
        for block in &model.blocks {
            let identity = match &block.shortcut {
                Some(shortcut) => shortcut.forward(h.clone()),
                None => h.clone(),
            };
            let y = relu(block.first.forward(h));
            h = relu(block.second.forward(y) + identity);
        }
        let [b, c, d, hh, w] = h.dims();
        let pooled = h.reshape([b, c, d * hh * w]).mean_dim(2).reshape([b, c]);
        let embedding = relu(model.embedding.forward(pooled));
        let e: Vec<f32> = embedding.try_into_vec_as().unwrap();
        assert!(e.iter().any(|&v| v > 0.0));
        for output in [fused, layered] {
            let a: Vec<f32> = output.embedding.try_into_vec_as().unwrap();
            assert_eq!(a.len(), e.len());
            for (p, q) in a.iter().zip(&e) {
                assert!((p - q).abs() < 1e-4 * (1.0 + q.abs()), "{p} vs {q}");
            }
        }
    }
}
