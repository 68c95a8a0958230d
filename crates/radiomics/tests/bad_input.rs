//! Bad inputs give an error that names the file and the problem — never a panic, never a
//! number. The bad files are made in a temporary folder from small synthetic volumes (and, for
//! truncation, from a shared test image).

use std::path::{Path, PathBuf};

use ndarray::Array3;
use radlsig_radiomics::{ExtractionSettings, Extractor};
use radlsig_volume::{Geometry, PixelType, Volume, write_volume};

fn geometry() -> Geometry {
    Geometry::new([6, 5, 4], [1.0, 1.0, 2.0])
}

fn image(dir: &Path) -> PathBuf {
    let data = Array3::from_shape_fn((4, 5, 6), |(z, y, x)| (z * 30 + y * 6 + x) as f64);
    let path = dir.join("image.nrrd");
    write_volume(&Volume::new(data, geometry(), PixelType::Int16).unwrap(), &path).unwrap();
    path
}

/// A label volume on `g` with label 1 at `voxels` (`[z, y, x]`) and label 2 at one corner.
fn mask(dir: &Path, name: &str, g: Geometry, voxels: &[[usize; 3]]) -> PathBuf {
    let mut data = Array3::<f64>::zeros(g.shape_zyx());
    for v in voxels {
        data[*v] = 1.0;
    }
    if !voxels.is_empty() {
        data[[0, 0, 0]] = 2.0;
    }
    let path = dir.join(name);
    write_volume(&Volume::new(data, g, PixelType::UInt8).unwrap(), &path).unwrap();
    path
}

const ROI: &[[usize; 3]] = &[[1, 1, 1], [1, 1, 2], [1, 2, 1], [2, 2, 2], [2, 3, 3]];

fn extractor() -> Extractor {
    let s = ExtractionSettings::from_yaml_str("featureClass:\n  firstorder:\n  glcm:\n", "test")
        .unwrap();
    Extractor::new(s).unwrap()
}

/// Asserts that extraction fails with a message containing every one of `needles`.
fn fails_with(image: &Path, mask: &Path, extractor: &Extractor, needles: &[&str]) {
    let err = match extractor.extract(image, mask) {
        Ok(fv) => panic!("expected an error, got {} features", fv.features.len()),
        Err(e) => e.to_string(),
    };
    for n in needles {
        assert!(err.contains(n), "{n:?} missing from error: {err}");
    }
}

#[test]
fn good_synthetic_case_works() {
    let dir = tempfile::tempdir().unwrap();
    let fv = extractor()
        .extract(&image(dir.path()), &mask(dir.path(), "m.nrrd", geometry(), ROI))
        .unwrap();
    assert!(fv.get("original_firstorder_Mean").is_some());
}

#[test]
fn truncated_and_corrupt_images() {
    let dir = tempfile::tempdir().unwrap();
    let m = mask(dir.path(), "m.nrrd", geometry(), ROI);
    // Truncated: half of a real gzip NRRD.
    if let Some(shared) = radlsig_testdata::require("pyradiomics-data/images/breast1_image.nrrd") {
        let bytes = std::fs::read(shared).unwrap();
        let cut = dir.path().join("truncated.nrrd");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
        fails_with(&cut, &m, &extractor(), &["truncated.nrrd"]);
    }
    // Truncated raw data of a synthetic file.
    let good = image(dir.path());
    let bytes = std::fs::read(&good).unwrap();
    let cut = dir.path().join("short.nrrd");
    std::fs::write(&cut, &bytes[..bytes.len() - 20]).unwrap();
    fails_with(&cut, &m, &extractor(), &["short.nrrd"]);
    // Not an image at all.
    let junk = dir.path().join("junk.nrrd");
    std::fs::write(&junk, b"this is not a volume\n").unwrap();
    fails_with(&junk, &m, &extractor(), &["junk.nrrd"]);
    // Missing file and unknown extension.
    fails_with(&dir.path().join("absent.nrrd"), &m, &extractor(), &["absent.nrrd"]);
    let txt = dir.path().join("image.txt");
    std::fs::write(&txt, b"1 2 3").unwrap();
    fails_with(&txt, &m, &extractor(), &["image.txt", "format"]);
}

#[test]
fn size_and_geometry_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    let bigger = Geometry::new([7, 5, 4], [1.0, 1.0, 2.0]);
    fails_with(
        &img,
        &mask(dir.path(), "big.nrrd", bigger, ROI),
        &extractor(),
        &["image.nrrd", "big.nrrd", "size"],
    );
    let mut moved = geometry();
    moved.origin = [0.0, 0.5, 0.0];
    fails_with(
        &img,
        &mask(dir.path(), "moved.nrrd", moved, ROI),
        &extractor(),
        &["moved.nrrd", "origin"],
    );
    let mut spaced = geometry();
    spaced.spacing = [1.0, 1.0, 2.5];
    fails_with(
        &img,
        &mask(dir.path(), "spaced.nrrd", spaced, ROI),
        &extractor(),
        &["spaced.nrrd", "spacing"],
    );
}

#[test]
fn empty_single_voxel_and_absent_label() {
    let dir = tempfile::tempdir().unwrap();
    let img = image(dir.path());
    fails_with(
        &img,
        &mask(dir.path(), "empty.nrrd", geometry(), &[]),
        &extractor(),
        &["empty.nrrd", "empty"],
    );
    fails_with(
        &img,
        &mask(dir.path(), "one.nrrd", geometry(), &[[2, 2, 2]]),
        &extractor(),
        &["one.nrrd", "single voxel"],
    );
    let firstorder =
        ExtractionSettings::from_yaml_str("featureClass:\n  firstorder:\n", "t").unwrap();
    let ex = Extractor::new(firstorder.with_label(5).unwrap()).unwrap();
    fails_with(
        &img,
        &mask(dir.path(), "m.nrrd", geometry(), ROI),
        &ex,
        &["m.nrrd", "label 5", "1, 2"],
    );
    // A line-shaped ROI is refused by minimumROIDimensions 2 (the default).
    let line = mask(dir.path(), "line.nrrd", geometry(), &[[1, 1, 1], [1, 1, 2], [1, 1, 3]]);
    fails_with(&img, &line, &extractor(), &["line.nrrd", "minimumROIDimensions"]);
}

#[test]
fn nan_voxels() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = Array3::from_shape_fn((4, 5, 6), |(z, y, x)| (z + y + x) as f64 * 0.5);
    data[[1, 1, 1]] = f64::NAN;
    let nan = dir.path().join("nan.nrrd");
    write_volume(&Volume::new(data, geometry(), PixelType::Float32).unwrap(), &nan).unwrap();
    fails_with(
        &nan,
        &mask(dir.path(), "m.nrrd", geometry(), ROI),
        &extractor(),
        &["nan.nrrd", "NaN"],
    );
}

#[test]
fn wrong_parameter_keys() {
    let dir = tempfile::tempdir().unwrap();
    let params = dir.path().join("params.yaml");
    std::fs::write(&params, "setting:\n  binWidth: 25\n  voxelArrayShfit: 1000\n").unwrap();
    // Parse errors: the file is the error, the parser's message (naming the key) its source.
    let e = ExtractionSettings::from_yaml_file(&params).unwrap_err().chain().to_string();
    assert!(e.contains("params.yaml") && e.contains("voxelArrayShfit"), "{e}");
    std::fs::write(&params, "setting:\n  binWidth: [25]\n").unwrap();
    let e = ExtractionSettings::from_yaml_file(&params).unwrap_err().chain().to_string();
    assert!(e.contains("params.yaml") && e.contains("binWidth"), "{e}");
    let e = ExtractionSettings::from_yaml_file(&dir.path().join("absent.yaml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("absent.yaml"), "{e}");
}
