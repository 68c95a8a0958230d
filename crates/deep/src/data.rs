//! Batches: preprocessed samples stacked into tensors, with weighted one-hot targets.

use burn::tensor::{Device, Int, Tensor, TensorData};
use ndarray::ArrayView4;

/// One batch of network inputs.
#[derive(Debug, Clone)]
pub struct VolumeBatch {
    /// The inputs, `[batch, channels, depth, height, width]`.
    pub volumes: Tensor<5>,
    /// The labels, `[batch]`.
    pub labels: Tensor<1, Int>,
    /// The class-weighted one-hot targets, `[batch, 2]`: row `i` is `w_{y_i}` in column `y_i`.
    pub targets: Tensor<2>,
    /// `Σ_i w_{y_i}`, the cross-entropy's normaliser (PyTorch's weighted mean).
    pub weight_sum: f64,
}

/// Stacks `volumes` (all of one shape `[C, D, H, W]`) into a `[B, C, D, H, W]` tensor.
///
/// # Panics
///
/// When `volumes` is empty or the shapes differ (the caller checks shapes per case first).
pub fn stack_volumes<'a>(
    volumes: impl IntoIterator<Item = ArrayView4<'a, f32>>,
    device: &Device,
) -> Tensor<5> {
    let mut values = Vec::new();
    let mut shape: Option<[usize; 4]> = None;
    let mut count = 0;
    for v in volumes {
        let s = [v.shape()[0], v.shape()[1], v.shape()[2], v.shape()[3]];
        assert!(shape.is_none_or(|t| t == s), "stack_volumes: every volume needs the same shape");
        shape = Some(s);
        match v.as_slice() {
            Some(slice) => values.extend_from_slice(slice),
            None => values.extend(v.iter().copied()),
        }
        count += 1;
    }
    let [c, d, h, w] = shape.expect("stack_volumes: at least one volume");
    Tensor::from_data(TensorData::new(values, [count, c, d, h, w]), device)
}

/// A batch from volumes and their labels, with `class_weights` `[w₀, w₁]`.
pub fn batch<'a>(
    volumes: impl IntoIterator<Item = ArrayView4<'a, f32>>,
    labels: &[u8],
    class_weights: [f64; 2],
    device: &Device,
) -> VolumeBatch {
    let volumes = stack_volumes(volumes, device);
    let mut targets = vec![0.0f32; 2 * labels.len()];
    let mut weight_sum = 0.0;
    for (i, &y) in labels.iter().enumerate() {
        let class = usize::from(y != 0);
        targets[2 * i + class] = class_weights[class] as f32;
        weight_sum += class_weights[class];
    }
    let label_values: Vec<i64> = labels.iter().map(|&y| i64::from(y != 0)).collect();
    VolumeBatch {
        volumes,
        labels: Tensor::from_data(TensorData::new(label_values, [labels.len()]), device),
        targets: Tensor::from_data(TensorData::new(targets, [labels.len(), 2]), device),
        weight_sum,
    }
}
