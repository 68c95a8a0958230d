//! `radlsig train-cnn` and `radlsig embed` end to end on a tiny written cohort.

use std::path::Path;
use std::process::Command;

use ndarray::Array3;
use polars::prelude::{ParquetReader, SerReader};
use radlsig_volume::{Geometry, PixelType, Volume, write_volume};

/// Writes `n` cases of 12³ voxels (a 4³ cube of intensity 100 + 50·label in noise-free
/// background 10, moving with the case index) and a manifest with the given splits.
fn cohort(dir: &Path, splits: &[&str]) {
    let mut manifest = String::from("ID,label,split,Image,Mask\n");
    for (i, split) in splits.iter().enumerate() {
        let label = i % 2;
        let offset = 2 + i % 4;
        let inside = |z: usize, y: usize, x: usize| {
            (offset..offset + 4).contains(&z)
                && (3..7).contains(&y)
                && (offset..offset + 4).contains(&x)
        };
        let image = Array3::from_shape_fn((12, 12, 12), |(z, y, x)| {
            if inside(z, y, x) { 100.0 + 50.0 * label as f64 + ((x + y) % 3) as f64 } else { 10.0 }
        });
        let mask =
            Array3::from_shape_fn((12, 12, 12), |(z, y, x)| f64::from(u8::from(inside(z, y, x))));
        let geometry = Geometry::new([12, 12, 12], [1.0, 1.0, 1.0]);
        write_volume(
            &Volume::new(image, geometry, PixelType::Int16).unwrap(),
            dir.join(format!("img{i}.nii.gz")),
        )
        .unwrap();
        write_volume(
            &Volume::new(mask, geometry, PixelType::UInt8).unwrap(),
            dir.join(format!("msk{i}.nii.gz")),
        )
        .unwrap();
        manifest.push_str(&format!("c{i:02},{label},{split},img{i}.nii.gz,msk{i}.nii.gz\n"));
    }
    std::fs::write(dir.join("manifest.csv"), manifest).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        r#"
epochs = 2
batch_size = 4
learning_rate = 1e-2
[preprocess]
crop_size = 8
intensity = { ct = { window = [0.0, 200.0] } }
[model]
stem_width = 4
stem_stride = 1
widths = [8]
blocks = [1]
strides = [2]
embedding = 6
"#,
    )
    .unwrap();
}

fn radlsig(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_radlsig"))
        .args(args)
        .args(["--threads", "2"])
        .output()
        .unwrap()
}

#[test]
fn train_then_embed_writes_model_tables_and_features() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let splits: Vec<&str> = (0..16)
        .map(|_| "train")
        .chain((0..6).map(|_| "val"))
        .chain((0..4).map(|_| "test"))
        .collect();
    cohort(d, &splits);
    let manifest = d.join("manifest.csv");
    let out = d.join("run");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let args = [
        "train-cnn",
        "--manifest",
        &s(&manifest),
        "--config",
        &s(&d.join("config.toml")),
        "--out",
        &s(&out),
    ];
    let run = radlsig(&args);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("16 training, 6 validation, 4 held-out"), "{stderr}");
    for file in ["config.json", "model.bpk", "training.json", "epochs.csv", "checkpoint/state.json"]
    {
        assert!(out.join(file).exists(), "{file} missing");
    }
    let epochs = std::fs::read_to_string(out.join("epochs.csv")).unwrap();
    let mut lines = epochs.lines();
    assert_eq!(
        lines.next().unwrap(),
        "epoch,loss,train_auc,val_auc,val_loss,learning_rate,seconds,best"
    );
    assert_eq!(lines.count(), 2);
    // Test cases were never read: the cache holds the 22 training and validation crops only.
    assert_eq!(std::fs::read_dir(out.join("cache")).unwrap().count(), 22);

    // A second run into the same folder needs --resume; with it, the finished run is reloaded.
    let again = radlsig(&args);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("resume"));
    let resumed = radlsig(&[&args[..], &["--resume"]].concat());
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));

    let table = d.join("emb.parquet");
    let run =
        radlsig(&["embed", "--model", &s(&out), "--manifest", &s(&manifest), "--out", &s(&table)]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let df = ParquetReader::new(std::fs::File::open(&table).unwrap()).finish().unwrap();
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    assert_eq!(
        names,
        ["ID", "deep_000", "deep_001", "deep_002", "deep_003", "deep_004", "deep_005", "dl_prob"]
    );
    assert_eq!(df.height(), 26);
    let probs = df.column("dl_prob").unwrap().f64().unwrap();
    assert!((0..probs.len()).all(|i| probs.get(i).is_some_and(|p| (0.0..=1.0).contains(&p))));
}

#[test]
fn empty_mask_and_bad_config_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    cohort(d, &["train"; 4]);
    let s = |p: &Path| p.to_str().unwrap().to_string();
    // Case c02's mask becomes empty.
    let empty = Array3::from_elem((12, 12, 12), 0.0);
    let geometry = Geometry::new([12, 12, 12], [1.0, 1.0, 1.0]);
    write_volume(&Volume::new(empty, geometry, PixelType::UInt8).unwrap(), d.join("msk2.nii.gz"))
        .unwrap();
    let out = d.join("run");
    let args = [
        "train-cnn",
        "--manifest",
        &s(&d.join("manifest.csv")),
        "--config",
        &s(&d.join("config.toml")),
        "--out",
        &s(&out),
    ];
    let run = radlsig(&args);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("case c02: the mask selects no voxel"), "{stderr}");

    std::fs::write(d.join("bad.toml"), "epochs = 0\n[model]\nwidth = 3\n").unwrap();
    let run = radlsig(&[
        "train-cnn",
        "--manifest",
        &s(&d.join("manifest.csv")),
        "--config",
        &s(&d.join("bad.toml")),
        "--out",
        &s(&out),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("bad.toml") && stderr.contains("width"), "{stderr}");
}

#[test]
fn a_missing_config_is_named_with_its_os_error_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    let os_error = std::fs::read(&missing).unwrap_err().to_string();
    let run = radlsig(&[
        "train-cnn",
        "--manifest",
        dir.path().join("manifest.csv").to_str().unwrap(),
        "--config",
        missing.to_str().unwrap(),
        "--out",
        dir.path().join("run").to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains(&format!("cannot read {}", missing.display())), "{stderr}");
    assert_eq!(stderr.matches(&os_error).count(), 1, "{stderr}");
}
