//! Pretrained 3D ResNet backbones: weights read from the files people have (PyTorch `.pth` /
//! `.pt` state dicts and checkpoints, safetensors), with the MedicalNet / MONAI layer names
//! (`conv1`, `bn1`, `layer1.0.conv1`, …, `layerN.0.downsample.0`), into a [`Cnn3d`].
//!
//! The architecture is read off the file ([`backbone_config`]): the stem's width, kernel and
//! input channels from `conv1.weight`, each stage's width and block count from its
//! `layerI.J.conv1.weight`, the shortcut from whether `downsample` tensors exist. What the file
//! cannot say is the layout of strides and dilations, named by [`ResnetLayout`]: MedicalNet's
//! (stages 3 and 4 with stride 1 and dilation 2 and 4, as the released weights were trained) or
//! MONAI's (strides 1, 2, 2, 2, no dilation). Both have a 7³ stride-2 stem and a max pool.
//!
//! Nothing is downloaded: the user names the file. Names are matched after dropping the
//! prefixes `state_dict.`, `model.` and `module.` (a `torch.save({"state_dict": …})` checkpoint
//! saved from `DataParallel`, as MedicalNet's files are); a head (`fc.*`, `conv_seg.*`) and
//! `num_batches_tracked` counters are ignored. A tensor the model needs that the file lacks, a
//! shape that does not fit, or a backbone tensor the model has no place for is an error naming
//! the tensor and both shapes. A 3-channel stem loads into a 1-channel model by summing
//! `conv1.weight` over its input channels — exactly the network applied to the image repeated
//! on three channels.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::model::{Cnn3d, Cnn3dConfig, Shortcut};
use crate::{Error, Result};

/// The strides and dilations of a pretrained ResNet's four stages (module docs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResnetLayout {
    /// MedicalNet (Chen et al. 2019): strides 1, 2, 1, 1 and dilations 1, 1, 2, 4 (default).
    #[default]
    Medicalnet,
    /// MONAI's `ResNet`: strides 1, 2, 2, 2, no dilation.
    Monai,
}

impl ResnetLayout {
    /// `(strides, dilations)` of the four stages.
    pub fn stages(self) -> ([usize; 4], [usize; 4]) {
        match self {
            ResnetLayout::Medicalnet => ([1, 2, 1, 1], [1, 1, 2, 4]),
            ResnetLayout::Monai => ([1, 2, 2, 2], [1, 1, 1, 1]),
        }
    }
}

/// One tensor of a weight file, as `f32`.
#[derive(Debug, Clone)]
struct FileTensor {
    shape: Vec<usize>,
    values: Vec<f32>,
}

/// The floating-point tensors of a weight file, by normalised name (module docs).
#[derive(Debug, Clone)]
pub struct WeightFile {
    path: PathBuf,
    tensors: BTreeMap<String, FileTensor>,
}

/// Drops the container prefixes of a tensor name (module docs).
fn normalise(name: &str) -> &str {
    let mut n = name;
    loop {
        let stripped = ["state_dict.", "model.", "module."].iter().find_map(|p| n.strip_prefix(p));
        match stripped {
            Some(rest) => n = rest,
            None => return n,
        }
    }
}

/// Whether a (normalised) name belongs to the backbone rather than a head or a counter.
fn is_backbone(name: &str) -> bool {
    !name.ends_with("num_batches_tracked")
        && (name.starts_with("conv1.") || name.starts_with("bn1.") || name.starts_with("layer"))
}

fn f16_to_f32(bits: u16) -> f32 {
    let sign = u32::from(bits >> 15) << 31;
    let exp = (bits >> 10) & 0x1f;
    let frac = u32::from(bits & 0x3ff);
    let magnitude = match exp {
        0 => (frac as f32) * 2f32.powi(-24),
        0x1f => {
            if frac == 0 {
                f32::INFINITY
            } else {
                f32::NAN
            }
        }
        e => f32::from_bits((u32::from(e) + 112) << 23 | frac << 13),
    };
    f32::from_bits(magnitude.to_bits() | sign)
}

/// Little/native-endian bytes of a float tensor as `f32`, or `None` for a non-float type.
fn floats(bytes: &[u8], kind: FloatKind) -> Vec<f32> {
    match kind {
        FloatKind::F32 => {
            bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
        }
        FloatKind::F64 => bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
            .collect(),
        FloatKind::F16 => {
            bytes.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect()
        }
        FloatKind::Bf16 => bytes
            .chunks_exact(2)
            .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
            .collect(),
    }
}

#[derive(Clone, Copy)]
enum FloatKind {
    F32,
    F64,
    F16,
    Bf16,
}

impl WeightFile {
    /// Reads the floating-point tensors of `path`: a safetensors file, or a PyTorch file (ZIP
    /// or legacy pickle), told apart by their first bytes, not the extension.
    pub fn read(path: &Path) -> Result<WeightFile> {
        let bad = |reason: String| Error::Format { path: path.to_path_buf(), reason };
        let mut head = [0u8; 9];
        {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
            let n = f.read(&mut head).map_err(|e| Error::io("read", path, e))?;
            if n < head.len() {
                return Err(bad(format!("{n} bytes: not a weight file (truncated?)")));
            }
        }
        let mut tensors = BTreeMap::new();
        let mut insert = |name: &str, shape: Vec<usize>, values: Vec<f32>| {
            let key = normalise(name).to_string();
            tensors.insert(key, FileTensor { shape, values });
        };
        if head[8] == b'{' {
            let bytes = std::fs::read(path).map_err(|e| Error::io("read", path, e))?;
            let st = safetensors::SafeTensors::deserialize(&bytes)
                .map_err(|e| bad(format!("not a readable safetensors file ({e})")))?;
            for (name, view) in st.tensors() {
                use safetensors::Dtype;
                let kind = match view.dtype() {
                    Dtype::F32 => FloatKind::F32,
                    Dtype::F64 => FloatKind::F64,
                    Dtype::F16 => FloatKind::F16,
                    Dtype::BF16 => FloatKind::Bf16,
                    _ => continue,
                };
                insert(&name, view.shape().to_vec(), floats(view.data(), kind));
            }
        } else if head.starts_with(b"PK\x03\x04") || head[0] == 0x80 {
            let reader = pytorch_reader::PytorchReader::new(path)
                .map_err(|e| bad(format!("not a readable PyTorch file ({e})")))?;
            let mut names = reader.keys();
            names.sort();
            for name in names {
                let t = reader.get(&name).expect("a listed key");
                use pytorch_reader::DType;
                let kind = match t.dtype() {
                    DType::F32 => FloatKind::F32,
                    DType::F64 => FloatKind::F64,
                    DType::F16 => FloatKind::F16,
                    DType::BF16 => FloatKind::Bf16,
                    _ => continue,
                };
                let bytes = t
                    .read()
                    .map_err(|e| bad(format!("cannot read tensor `{name}` ({e}); truncated?")))?;
                insert(&name, t.shape().to_vec(), floats(&bytes, kind));
            }
        } else {
            return Err(bad(
                "neither a PyTorch (.pth/.pt: ZIP or pickle) nor a safetensors file".into()
            ));
        }
        if !tensors.keys().any(|k| is_backbone(k)) {
            return Err(bad(
                "no ResNet backbone tensor (conv1.*, bn1.*, layer*.…) in the file".into()
            ));
        }
        Ok(WeightFile { path: path.to_path_buf(), tensors })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The shape of tensor `name` (normalised), if the file has it.
    pub fn shape(&self, name: &str) -> Option<&[usize]> {
        self.tensors.get(name).map(|t| t.shape.as_slice())
    }

    fn error(&self, reason: String) -> Error {
        Error::Format { path: self.path.clone(), reason }
    }
}

/// The [`Cnn3dConfig`] of the backbone in `file` with `layout`, for inputs of `in_channels`
/// channels (0: the stem's), keeping `base`'s embedding and dropout (the new head's).
///
/// Fails, naming the tensor, when the file is not a four-stage basic-block ResNet
/// (ResNet-10/18/34): a missing `conv1.weight` or stage, bottleneck blocks (ResNet-50's
/// `conv3`), or input channels the stem cannot take.
pub fn backbone_config(
    file: &WeightFile,
    layout: ResnetLayout,
    in_channels: usize,
    base: &Cnn3dConfig,
) -> Result<Cnn3dConfig> {
    let stem = file
        .shape("conv1.weight")
        .ok_or_else(|| file.error("no tensor `conv1.weight` (the ResNet stem)".into()))?;
    let &[stem_width, stem_in, k, k2, k3] = stem else {
        return Err(file.error(format!("`conv1.weight` has shape {stem:?}, not a 3D convolution")));
    };
    if k != k2 || k != k3 || k % 2 == 0 {
        return Err(
            file.error(format!("`conv1.weight` has shape {stem:?}: an odd cubic kernel is needed"))
        );
    }
    let in_channels = if in_channels == 0 { stem_in } else { in_channels };
    if in_channels != stem_in && !(stem_in == 3 && in_channels == 1) {
        return Err(file.error(format!(
            "the stem `conv1.weight` takes {stem_in} input channels and the data has \
             {in_channels} (a 3-channel stem also takes 1 channel; set mask_channel = false \
             for a 1-channel backbone)"
        )));
    }
    let mut widths = Vec::new();
    let mut blocks = Vec::new();
    for stage in 1..=4 {
        let count = (0..)
            .take_while(|j| file.shape(&format!("layer{stage}.{j}.conv1.weight")).is_some())
            .count();
        if count == 0 {
            return Err(file.error(format!(
                "no tensor `layer{stage}.0.conv1.weight`: not a four-stage ResNet"
            )));
        }
        if file.shape(&format!("layer{stage}.0.conv3.weight")).is_some() {
            return Err(file.error(format!(
                "`layer{stage}.0.conv3.weight`: bottleneck blocks (ResNet-50 and deeper) are not \
                 supported; use a ResNet-10, -18 or -34"
            )));
        }
        let shape = file.shape(&format!("layer{stage}.0.conv1.weight")).expect("counted");
        widths.push(shape[0]);
        blocks.push(count);
    }
    let has_downsample = file.tensors.keys().any(|k| k.contains(".downsample."));
    let (strides, dilations) = layout.stages();
    Ok(Cnn3dConfig {
        in_channels,
        stem_width,
        stem_kernel: k,
        stem_stride: 2,
        widths,
        blocks,
        strides: strides.to_vec(),
        dilations: dilations.to_vec(),
        stem_pool: true,
        shortcut: if has_downsample { Shortcut::Conv } else { Shortcut::ZeroPad },
        embedding: base.embedding,
        dropout: base.dropout,
    })
}

/// The name in the file of a [`Cnn3d`] parameter path (`blocks.3.first.conv.weight` →
/// `layer2.1.conv1.weight`), or `None` for the embedding layer and the head (new).
fn file_name(path: &str, config: &Cnn3dConfig) -> Option<String> {
    fn bn(leaf: &str) -> &str {
        match leaf {
            "gamma" => "weight",
            "beta" => "bias",
            other => other,
        }
    }
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["stem", "conv", leaf] => Some(format!("conv1.{leaf}")),
        ["stem", "bn", leaf] => Some(format!("bn1.{}", bn(leaf))),
        ["blocks", index, layer, kind, leaf] => {
            let mut k: usize = index.parse().ok()?;
            let mut stage = 0;
            while k >= config.blocks[stage] {
                k -= config.blocks[stage];
                stage += 1;
            }
            let prefix = format!("layer{}.{k}", stage + 1);
            let leaf = if *kind == "bn" { bn(leaf) } else { leaf };
            Some(match (*layer, *kind) {
                ("first", "conv") => format!("{prefix}.conv1.{leaf}"),
                ("first", _) => format!("{prefix}.bn1.{leaf}"),
                ("second", "conv") => format!("{prefix}.conv2.{leaf}"),
                ("second", _) => format!("{prefix}.bn2.{leaf}"),
                ("shortcut", "conv") => format!("{prefix}.downsample.0.{leaf}"),
                (_, _) => format!("{prefix}.downsample.1.{leaf}"),
            })
        }
        _ => None,
    }
}

/// Sets every backbone parameter of a [`Cnn3d`] from the file (see [`load_backbone`]).
struct Loader<'a> {
    file: &'a WeightFile,
    config: &'a Cnn3dConfig,
    path: Vec<String>,
    used: Vec<String>,
    error: Option<Error>,
}

impl ModuleMapper for Loader<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let path = self.path.join(".");
        let Some(name) = file_name(&path, self.config) else { return param };
        if self.error.is_some() {
            return param;
        }
        let (id, tensor, mapper) = param.consume();
        let expected = tensor.dims().to_vec();
        let fitted = match self.file.tensors.get(&name) {
            None => Err(format!(
                "no tensor `{name}` (the model's {path}, shape {expected:?}); the file's \
                 architecture differs (shortcut, depth or widths)"
            )),
            Some(t) if t.shape == expected => Ok(t.values.clone()),
            // A 3-channel stem into a 1-channel model: the sum over input channels.
            Some(t)
                if name == "conv1.weight"
                    && t.shape.len() == 5
                    && t.shape[1] == 3
                    && expected[1] == 1
                    && t.shape[0] == expected[0]
                    && t.shape[2..] == expected[2..] =>
            {
                let k3: usize = t.shape[2..].iter().product();
                let mut out = vec![0f32; expected[0] * k3];
                for o in 0..expected[0] {
                    for c in 0..3 {
                        for q in 0..k3 {
                            out[o * k3 + q] += t.values[(o * 3 + c) * k3 + q];
                        }
                    }
                }
                Ok(out)
            }
            Some(t) => Err(format!(
                "tensor `{name}` has shape {:?}; the model's {path} needs {expected:?}",
                t.shape
            )),
        };
        match fitted {
            Ok(values) => {
                self.used.push(name);
                let device = tensor.device();
                let fresh = Tensor::<D>::from_data(TensorData::new(values, expected), &device)
                    .set_require_grad(tensor.is_require_grad());
                Param::from_mapped_value(id, fresh, mapper)
            }
            Err(reason) => {
                self.error = Some(self.file.error(reason));
                Param::from_mapped_value(id, tensor, mapper)
            }
        }
    }
}

/// `model` (of `config`, e.g. from [`backbone_config`]) with every backbone weight and running
/// statistic from `file`; the embedding layer and the head keep their values. Fails, naming
/// the first mismatching tensor with both shapes, or the first backbone tensor of the file that
/// the model has no place for.
pub fn load_backbone(model: Cnn3d, config: &Cnn3dConfig, file: &WeightFile) -> Result<Cnn3d> {
    let mut loader = Loader { file, config, path: Vec::new(), used: Vec::new(), error: None };
    let model = model.map(&mut loader);
    if let Some(e) = loader.error {
        return Err(e);
    }
    let unused = file.tensors.keys().find(|k| is_backbone(k) && !loader.used.contains(k));
    if let Some(name) = unused {
        return Err(file.error(format!(
            "tensor `{name}` (shape {:?}) has no place in the model (blocks {:?}, shortcut {:?})",
            file.tensors[name].shape, config.blocks, config.shortcut
        )));
    }
    Ok(model)
}

/// A pretrained backbone used as a frozen feature extractor: its deep features are the
/// globally pooled maps of the last stage ([`Cnn3d::pooled`]), `widths.last` of them.
#[derive(Debug)]
pub struct Backbone {
    config: Cnn3dConfig,
    model: Cnn3d,
    device: burn::tensor::Device,
}

impl Backbone {
    /// The backbone of `file` with `layout` for inputs of `in_channels` channels, on `device`.
    pub fn load(
        file: &WeightFile,
        layout: ResnetLayout,
        in_channels: usize,
        device: crate::ComputeDevice,
    ) -> Result<Backbone> {
        let config = backbone_config(file, layout, in_channels, &Cnn3dConfig::new())?;
        let device = device.device()?;
        let model = load_backbone(Cnn3d::new(&config, 0, &device), &config, file)?;
        Ok(Backbone { config, model, device })
    }

    /// The architecture read off the file.
    pub fn config(&self) -> &Cnn3dConfig {
        &self.config
    }

    /// The network (its embedding layer and head are untrained and unused).
    pub fn network(&self) -> &Cnn3d {
        &self.model
    }

    /// The pooled features of `samples` (preprocessed; every one of the backbone's input
    /// channels), in batches of `batch_size`; no probabilities.
    pub fn embed(&self, samples: &[crate::Sample], batch_size: usize) -> Result<crate::Embeddings> {
        let c = self.config.in_channels;
        if let Some(bad) = samples.iter().find(|s| s.volume.shape()[0] != c) {
            return Err(Error::Data(format!(
                "case {} has {} input channels; the backbone takes {c}",
                bad.id,
                bad.volume.shape()[0]
            )));
        }
        let width = self.config.pooled_width();
        let mut rows = Vec::with_capacity(samples.len() * width);
        for chunk in samples.chunks(batch_size.max(1)) {
            let x = crate::stack_volumes(chunk.iter().map(|s| s.volume.view()), &self.device);
            let pooled = self.model.pooled(x);
            rows.extend(pooled.try_into_vec_as::<f32>().map_err(|e| {
                Error::Data(format!("reading the backbone's features from the device: {e:?}"))
            })?);
        }
        let features = ndarray::Array2::from_shape_vec((samples.len(), width), rows)
            .map_err(|e| Error::Data(format!("backbone feature table: {e}")))?;
        Ok(crate::Embeddings {
            ids: samples.iter().map(|s| s.id.clone()).collect(),
            features,
            probabilities: None,
        })
    }
}
