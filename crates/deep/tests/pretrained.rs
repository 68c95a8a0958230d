//! Pretrained backbones against PyTorch: small MedicalNet-style ResNets with seeded random
//! weights (`scripts/make_pretrained_fixture.py`, PyTorch CPU), saved as a MedicalNet-style
//! checkpoint (`{"state_dict": …}`, `module.` prefixes), a safetensors file and a plain state
//! dict; radlsig's pooled features for the same input equal PyTorch's to 1e-4. Bad files fail
//! naming the tensor, both shapes, or the file.

use std::path::{Path, PathBuf};

use burn::tensor::{Device, Tensor, TensorData};
use radlsig_deep::{
    Cnn3d, Cnn3dConfig, ResnetLayout, Shortcut, WeightFile, backbone_config, load_backbone,
};
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pretrained")
}

fn expected() -> Value {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn case<'a>(all: &'a Value, name: &str) -> &'a Value {
    all["cases"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

/// The fixture's input: `x[i] = f32(sin(0.37 i) + 0.25 cos(0.011 i))` over the C-order index.
fn input(shape: [usize; 5], device: &Device) -> Tensor<5> {
    let n: usize = shape.iter().product();
    let values: Vec<f32> = (0..n)
        .map(|i| ((0.37 * i as f64).sin() + 0.25 * (0.011 * i as f64).cos()) as f32)
        .collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// Loads `file` with `layout` for `in_channels`, checks the architecture read off the file
/// against the fixture's, and compares the pooled features of the fixture's input.
fn check(case: &Value, file: &str, layout: ResnetLayout, in_channels: usize) {
    let device = Device::flex();
    let weights = WeightFile::read(&fixtures().join(file)).unwrap();
    let config = backbone_config(&weights, layout, in_channels, &Cnn3dConfig::new()).unwrap();
    let c = &case["config"];
    assert_eq!(config.widths, usizes(&c["widths"]));
    assert_eq!(config.blocks, usizes(&c["blocks"]));
    assert_eq!(config.strides, usizes(&c["strides"]));
    assert_eq!(config.dilations, usizes(&c["dilations"]));
    let shortcut = if c["shortcut"] == "A" { Shortcut::ZeroPad } else { Shortcut::Conv };
    assert_eq!(config.shortcut, shortcut);
    assert_eq!((config.stem_kernel, config.stem_stride, config.stem_pool), (7, 2, true));
    let model = load_backbone(Cnn3d::new(&config, 0, &device), &config, &weights).unwrap();
    let shape: [usize; 5] = usizes(&case["input"]["shape"]).try_into().unwrap();
    let pooled: Vec<f32> = model.pooled(input(shape, &device)).try_into_vec_as().unwrap();
    let reference: Vec<f64> = case["embeddings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        .collect();
    assert_eq!(pooled.len(), reference.len());
    let worst = pooled
        .iter()
        .zip(&reference)
        .map(|(&a, &b)| (f64::from(a) - b).abs() / b.abs().max(1.0))
        .fold(0.0, f64::max);
    eprintln!("{} from {file}: worst relative difference {worst:.1e}", case["name"]);
    assert!(worst < 1e-4, "{} from {file}: worst difference {worst:e}", case["name"]);
    assert!(reference.iter().any(|&v| v != reference[0]));
}

#[test]
fn medicalnet_checkpoint_and_safetensors_give_pytorchs_embeddings() {
    let all = expected();
    let dilated = case(&all, "resnet10_b");
    check(dilated, "resnet10_b.pth", ResnetLayout::Medicalnet, 0);
    check(dilated, "resnet10_b.safetensors", ResnetLayout::Medicalnet, 1);
    // The same weights in MONAI's layout (strides 1, 2, 2, 2; no dilation).
    check(case(&all, "resnet10_b_nodilation"), "resnet10_b.pth", ResnetLayout::Monai, 0);
}

#[test]
fn zero_pad_shortcut_and_a_three_channel_stem_on_one_channel() {
    let all = expected();
    check(case(&all, "resnet18_a_3ch"), "resnet18_a_3ch.pth", ResnetLayout::Medicalnet, 3);
    // Summing the stem over its input channels equals the image repeated on three channels.
    check(case(&all, "resnet18_a_3ch_from_1ch"), "resnet18_a_3ch.pth", ResnetLayout::Medicalnet, 1);
}

#[test]
fn bad_weight_files_name_the_tensor_the_shapes_or_the_file() {
    let device = Device::flex();
    let weights = WeightFile::read(&fixtures().join("resnet10_b.pth")).unwrap();
    // A model with other widths: the first mismatching tensor with both shapes.
    let mut config =
        backbone_config(&weights, ResnetLayout::Medicalnet, 0, &Cnn3dConfig::new()).unwrap();
    config.widths[1] = 6;
    let err = load_backbone(Cnn3d::new(&config, 0, &device), &config, &weights).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("resnet10_b.pth: tensor `layer2.0.conv1.weight` has shape [8, 4, 3, 3, 3]; the model's blocks.1.first.conv.weight needs [6, 4, 3, 3, 3]"),
        "{text}"
    );
    // A deeper model than the file: the first tensor the file lacks.
    let mut deeper = config.clone();
    deeper.widths[1] = 8;
    deeper.blocks[0] = 2;
    let err = load_backbone(Cnn3d::new(&deeper, 0, &device), &deeper, &weights).unwrap_err();
    assert!(err.to_string().contains("no tensor `layer1.1.conv1.weight`"), "{err}");
    // A shallower model than the file (ResNet-18 weights into a ResNet-10): the first tensor
    // without a place.
    let r18 = WeightFile::read(&fixtures().join("resnet18_a_3ch.pth")).unwrap();
    let mut shallow =
        backbone_config(&r18, ResnetLayout::Medicalnet, 3, &Cnn3dConfig::new()).unwrap();
    shallow.blocks = vec![1, 1, 1, 1];
    let err = load_backbone(Cnn3d::new(&shallow, 0, &device), &shallow, &r18).unwrap_err();
    assert!(
        err.to_string().contains("tensor `layer1.1.bn1.bias` (shape [4]) has no place"),
        "{err}"
    );
    // Data channels the stem cannot take.
    let err =
        backbone_config(&weights, ResnetLayout::Medicalnet, 2, &Cnn3dConfig::new()).unwrap_err();
    assert!(err.to_string().contains("takes 1 input channels and the data has 2"), "{err}");

    // Truncated and foreign files name the file.
    let tmp = tempfile::tempdir().unwrap();
    for name in ["resnet10_b.pth", "resnet10_b.safetensors"] {
        let bytes = std::fs::read(fixtures().join(name)).unwrap();
        let cut = tmp.path().join(name);
        std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
        let err = WeightFile::read(&cut).unwrap_err().to_string();
        assert!(err.starts_with(&cut.display().to_string()), "{name}: {err}");
    }
    let text = tmp.path().join("notes.pth");
    std::fs::write(&text, "not a weight file at all").unwrap();
    let err = WeightFile::read(&text).unwrap_err().to_string();
    assert!(err.contains("neither a PyTorch"), "{err}");
}
