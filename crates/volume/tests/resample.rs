//! Resampling against SimpleITK 2.5.7 / PyRadiomics 3.1.4 (fixture made by
//! `scripts/make-resample-fixtures.py`) and against the PyRadiomics baselines' diagnostics.
//!
//! Fixture blocks summarise each SimpleITK output by voxel count, exact sum, min, max, a hash
//! of the IEEE-754 bits of every voxel (equal hash = bit-identical array) and seeded sample
//! voxels. Integer outputs must match exactly; Float64 outputs (the values before the cast)
//! must match the samples within 1e-9 and, as implemented, bit for bit. To investigate a
//! mismatch, set `RESAMPLE_DUMP=<dir>`: every compared array is written there as raw
//! little-endian f64 in [z, y, x] order (`<block>_<prefix>.bin`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::Array3;
use radlsig_volume::{
    BoundingBox, Geometry, Interpolator, Mask, PixelType, Volume, correct_mask, read_volume,
    resample, resample_image_and_mask, resampled_grid,
};

const FIXTURE: &str = include_str!("fixtures/resample.txt");

/// One `resample …` / `pyrad …` block of the fixture: its keyed lines and its samples per prefix.
struct Block {
    kind: String,
    name: String,
    fields: HashMap<String, Vec<String>>,
    samples: HashMap<String, Vec<([usize; 3], f64)>>,
}

impl Block {
    fn get(&self, key: &str) -> &[String] {
        self.fields.get(key).unwrap_or_else(|| panic!("{}: no `{key}` line", self.name))
    }
    fn one(&self, key: &str) -> &str {
        &self.get(key)[0]
    }
    fn floats<const N: usize>(&self, key: &str) -> [f64; N] {
        let v: Vec<f64> = self.get(key).iter().map(|s| s.parse().unwrap()).collect();
        v.try_into().unwrap_or_else(|_| panic!("{}: `{key}` needs {N} numbers", self.name))
    }
    fn grid(&self) -> Geometry {
        let size: Vec<usize> = self.get("size").iter().map(|s| s.parse().unwrap()).collect();
        Geometry {
            size: [size[0], size[1], size[2]],
            spacing: self.floats("spacing"),
            origin: self.floats("origin"),
            direction: self.floats("direction"),
        }
    }
    fn is_float(&self) -> bool {
        self.one("pixel") == "float64"
    }
}

fn blocks() -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for line in FIXTURE.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut words = line.split_whitespace();
        let key = words.next().unwrap().to_string();
        let rest: Vec<String> = words.map(str::to_string).collect();
        match key.as_str() {
            "resample" | "pyrad" => {
                current = Some(Block {
                    kind: key,
                    name: rest[0].clone(),
                    fields: HashMap::new(),
                    samples: HashMap::new(),
                });
            }
            "end" => out.push(current.take().expect("`end` without a block")),
            _ => {
                let block = current.as_mut().expect("line outside a block");
                if let Some(prefix) = key.strip_suffix("sample") {
                    let idx = [0, 1, 2].map(|i| rest[i].parse().unwrap());
                    let value = rest[3].parse().unwrap();
                    block.samples.entry(prefix.to_string()).or_default().push((idx, value));
                } else {
                    block.fields.insert(key, rest);
                }
            }
        }
    }
    out
}

/// The fixture's bit hash: Σ bits(value_i) · (i + 1) mod 2^64 over the array in [z, y, x] order.
fn bit_hash(data: &Array3<f64>) -> u64 {
    data.iter()
        .enumerate()
        .fold(0u64, |h, (i, v)| h.wrapping_add(v.to_bits().wrapping_mul(i as u64 + 1)))
}

/// Compares `data` with the summary `<prefix>stats` / `<prefix>sample` of `block`.
fn check_summary(block: &Block, prefix: &str, data: &Array3<f64>, float: bool) {
    let what = format!("{} {}", block.name, if prefix.is_empty() { "output" } else { prefix });
    if let Ok(d) = std::env::var("RESAMPLE_DUMP") {
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(format!("{d}/{}_{prefix}.bin", block.name), bytes).unwrap();
    }
    let stats = block.get(&format!("{prefix}stats"));
    let count: usize = stats[0].parse().unwrap();
    let (sum, min, max): (f64, f64, f64) =
        (stats[1].parse().unwrap(), stats[2].parse().unwrap(), stats[3].parse().unwrap());
    let hash: u64 = stats[4].parse().unwrap();
    assert_eq!(data.len(), count, "{what}: voxel count");
    for &([x, y, z], expected) in &block.samples[prefix] {
        let got = data[[z, y, x]];
        if float {
            assert!(
                (got - expected).abs() <= 1e-9,
                "{what} at ({x}, {y}, {z}): {got} vs {expected}"
            );
        } else {
            assert_eq!(got, expected, "{what} at ({x}, {y}, {z})");
        }
    }
    let (lo, hi) = data.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let tolerance = if float { 1e-9 } else { 0.0 };
    assert!((lo - min).abs() <= tolerance && (hi - max).abs() <= tolerance, "{what}: range");
    let total: f64 = data.iter().sum();
    assert!((total - sum).abs() <= 1e-9 * count as f64, "{what}: sum {total} vs {sum}");
    assert_eq!(bit_hash(data), hash, "{what}: values agree but are not bit-identical to SimpleITK");
}

fn images_dir() -> Option<PathBuf> {
    radlsig_testdata::require("pyradiomics-data/images")
}

fn as_float64(v: Volume) -> Volume {
    let data = v.data().clone();
    v.with_data(data, PixelType::Float64).unwrap()
}

fn run_resample_block(dir: &Path, block: &Block) {
    let mut input = read_volume(dir.join(block.one("source"))).unwrap();
    if let Some(b) = block.fields.get("crop") {
        let b: Vec<usize> = b.iter().map(|s| s.parse().unwrap()).collect();
        let bbox = BoundingBox { lower: [b[2], b[1], b[0]], upper: [b[5], b[4], b[3]] };
        input = input.crop(&bbox).unwrap();
        assert_eq!(input.geometry().origin, block.floats::<3>("crop_origin"), "{}", block.name);
    }
    if block.is_float() {
        input = as_float64(input);
    }
    let grid = block.grid();
    let interpolator = Interpolator::from_sitk_name(block.one("interpolator")).unwrap();
    let default: f64 = block.one("default").parse().unwrap();
    let out = resample(&input, &grid, interpolator, default).unwrap();
    assert_eq!(out.geometry(), &grid);
    assert_eq!(out.pixel_type(), input.pixel_type());
    check_summary(block, "", out.data(), block.is_float());
}

fn run_pyrad_block(dir: &Path, block: &Block) {
    let case = block.one("case");
    let mut image = read_volume(dir.join(format!("{case}_image.nrrd"))).unwrap();
    let mask = read_volume(dir.join(format!("{case}_label.nrrd"))).unwrap();
    if block.is_float() {
        image = as_float64(image);
    }
    let interpolator = Interpolator::from_sitk_name(block.one("interpolator")).unwrap();
    let pad: usize = block.one("pad").parse().unwrap();
    let spacing = block.floats("resampled_spacing");
    let (img, labels) =
        resample_image_and_mask(&image, &mask, 1, spacing, interpolator, pad).unwrap();
    let grid = block.grid();
    assert_eq!(img.geometry(), &grid, "{}: image grid", block.name);
    assert_eq!(labels.geometry(), &grid, "{}: mask grid", block.name);
    check_summary(block, "image_", img.data(), block.is_float());
    check_summary(block, "mask_", labels.data(), false);
}

#[test]
fn resample_matches_simpleitk_for_every_interpolator() {
    let Some(dir) = images_dir() else { return };
    let blocks: Vec<Block> = blocks().into_iter().filter(|b| b.kind == "resample").collect();
    assert_eq!(blocks.len(), 17);
    for block in &blocks {
        run_resample_block(&dir, block);
    }
}

#[test]
fn resample_image_and_mask_matches_pyradiomics_resample_image() {
    let Some(dir) = images_dir() else { return };
    let blocks: Vec<Block> = blocks().into_iter().filter(|b| b.kind == "pyrad").collect();
    assert_eq!(blocks.len(), 15);
    for block in &blocks {
        run_pyrad_block(&dir, block);
    }
}

#[test]
fn resampled_grid_is_pyradiomics_whole_extent_grid() {
    let Some(dir) = images_dir() else { return };
    let block = blocks().into_iter().find(|b| b.name == "brain1_crop_sitkBSpline_f64").unwrap();
    let b: Vec<usize> = block.get("crop").iter().map(|s| s.parse().unwrap()).collect();
    let brain = read_volume(dir.join("brain1_image.nrrd")).unwrap();
    let crop =
        brain.crop(&BoundingBox { lower: [b[2], b[1], b[0]], upper: [b[5], b[4], b[3]] }).unwrap();
    assert_eq!(resampled_grid(crop.geometry(), [2.0, 2.0, 2.0]), block.grid());
}

// ---------------------------------------------------------------------------------------------
// PyRadiomics baselines (`baseline_shape.csv` resampling columns, `baseline_shape2D.csv`).

/// Splits one CSV line, honouring double-quoted fields.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(ch),
        }
    }
    fields
}

/// `baseline[row][column]` of a transposed PyRadiomics baseline CSV.
fn read_baseline(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = csv_fields(lines.next().unwrap());
    let mut table = HashMap::new();
    for line in lines {
        let fields = csv_fields(line);
        let row: HashMap<String, String> =
            header.iter().skip(1).cloned().zip(fields.iter().skip(1).cloned()).collect();
        table.insert(fields[0].clone(), row);
    }
    table
}

/// Numbers in a printed tuple or list such as `(30, 39, 34)`.
fn numbers(text: &str) -> Vec<f64> {
    text.trim_matches(|c| "()[] ".contains(c))
        .split(',')
        .map(|s| s.trim().parse().unwrap_or_else(|_| panic!("not a number list: {text}")))
        .collect()
}

/// The value of `key` in a printed settings dict, e.g. `'padDistance': 5`.
fn setting<'a>(settings: &'a str, key: &str) -> &'a str {
    let start = settings.find(&format!("'{key}': ")).unwrap() + key.len() + 4;
    let rest = &settings[start..];
    let end = if rest.starts_with('[') {
        rest.find(']').unwrap() + 1
    } else {
        rest.find([',', '}']).unwrap()
    };
    &rest[..end]
}

fn assert_rel(what: &str, got: f64, expected: f64, rel: f64) {
    assert!(
        (got - expected).abs() <= rel * expected.abs().max(1e-300),
        "{what}: {got} vs {expected}"
    );
}

/// Count, bounding box (x, y, z lower then size), centre-of-mass index and ROI statistics of
/// `label` in `labels`, with `image` values inside it, as PyRadiomics' `addMaskElements`.
struct RoiDiagnostics {
    count: usize,
    bbox: [f64; 6],
    center_index: [f64; 3],
    mean: f64,
    min: f64,
    max: f64,
}

fn roi_diagnostics(image: &Volume, labels: &Volume) -> RoiDiagnostics {
    let mask = Mask::from_labels(labels, 1, "mask").unwrap();
    let values = mask.values(image).unwrap();
    let bb = mask.bounding_box().unwrap();
    let shape = bb.shape();
    let mut center = [0.0; 3];
    for ((z, y, x), &inside) in mask.data().indexed_iter() {
        if inside {
            center[0] += x as f64;
            center[1] += y as f64;
            center[2] += z as f64;
        }
    }
    let n = values.len();
    RoiDiagnostics {
        count: n,
        bbox: [bb.lower[2], bb.lower[1], bb.lower[0], shape[2], shape[1], shape[0]]
            .map(|v| v as f64),
        center_index: center.map(|c| c / n as f64),
        mean: values.iter().sum::<f64>() / n as f64,
        min: values.iter().copied().fold(f64::MAX, f64::min),
        max: values.iter().copied().fold(f64::MIN, f64::max),
    }
}

#[test]
fn resample_reproduces_pyradiomics_baseline_diagnostics() {
    let Some(dir) = images_dir() else { return };
    let Some(csv) = radlsig_testdata::require("pyradiomics-data/baseline/baseline_shape.csv")
    else {
        return;
    };
    let baseline = read_baseline(&csv);
    let cell = |row: &str, column: &str| baseline[row][column].as_str();
    for case in ["brain1", "brain2", "breast1", "lung1", "lung2"] {
        let column = format!("{case}_resampling");
        let settings = cell("diagnostics_Configuration_Settings", &column);
        let spacing = numbers(setting(settings, "resampledPixelSpacing"));
        let interpolator =
            Interpolator::from_sitk_name(setting(settings, "interpolator").trim_matches('\''))
                .unwrap();
        let pad: usize = setting(settings, "padDistance").parse().unwrap();
        let label: i64 = setting(settings, "label").parse().unwrap();
        assert_eq!(label, 1);

        let image = read_volume(dir.join(format!("{case}_image.nrrd"))).unwrap();
        let mask = read_volume(dir.join(format!("{case}_label.nrrd"))).unwrap();
        let (img, labels) = resample_image_and_mask(
            &image,
            &mask,
            label,
            [spacing[0], spacing[1], spacing[2]],
            interpolator,
            pad,
        )
        .unwrap();
        let g = img.geometry();
        let what = |row: &str| format!("{case}: {row}");
        for (row, expected) in [
            ("diagnostics_Image-interpolated_Size", g.size.map(|s| s as f64)),
            ("diagnostics_Mask-interpolated_Size", labels.geometry().size.map(|s| s as f64)),
            ("diagnostics_Image-interpolated_Spacing", g.spacing),
            ("diagnostics_Mask-interpolated_Spacing", labels.geometry().spacing),
        ] {
            assert_eq!(numbers(cell(row, &column)), expected.to_vec(), "{}", what(row));
        }
        let n = img.data().len() as f64;
        let mean = img.data().iter().sum::<f64>() / n;
        let (lo, hi) =
            img.data().iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        for (row, got) in [
            ("diagnostics_Image-interpolated_Mean", mean),
            ("diagnostics_Image-interpolated_Minimum", lo),
            ("diagnostics_Image-interpolated_Maximum", hi),
        ] {
            assert_rel(&what(row), got, cell(row, &column).parse().unwrap(), 1e-6);
        }

        let roi = roi_diagnostics(&img, &labels);
        let voxels: usize =
            cell("diagnostics_Mask-interpolated_VoxelNum", &column).parse().unwrap();
        assert_eq!(roi.count, voxels, "{case}: ROI voxel count");
        assert_eq!(
            numbers(cell("diagnostics_Mask-interpolated_BoundingBox", &column)),
            roi.bbox.to_vec()
        );
        for (row, got) in [
            ("diagnostics_Mask-interpolated_Mean", roi.mean),
            ("diagnostics_Mask-interpolated_Minimum", roi.min),
            ("diagnostics_Mask-interpolated_Maximum", roi.max),
        ] {
            assert_rel(&what(row), got, cell(row, &column).parse().unwrap(), 1e-6);
        }
        // The centre of mass in physical space checks the grid's origin and direction.
        let expected_index =
            numbers(cell("diagnostics_Mask-interpolated_CenterOfMassIndex", &column));
        let expected_point = numbers(cell("diagnostics_Mask-interpolated_CenterOfMass", &column));
        let point = g.index_to_physical(roi.center_index);
        for a in 0..3 {
            assert_rel(&what("CenterOfMassIndex"), roi.center_index[a], expected_index[a], 1e-9);
            assert!(
                (point[a] - expected_point[a]).abs() < 1e-9,
                "{case}: centre of mass {point:?}"
            );
        }
    }
}

#[test]
fn resample_correct_mask_reproduces_pyradiomics_shape2d_diagnostics() {
    let Some(dir) = images_dir() else { return };
    let Some(csv) = radlsig_testdata::require("pyradiomics-data/baseline/baseline_shape2D.csv")
    else {
        return;
    };
    let baseline = read_baseline(&csv);
    let cell = |row: &str, column: &str| baseline[row][column].as_str();
    for case in ["brain1", "brain2", "breast1", "lung1", "lung2"] {
        let column = format!("{case}_shape2D");
        assert!(
            cell("diagnostics_Configuration_Settings", &column).contains("'correctMask': True")
        );
        let image = read_volume(dir.join(format!("{case}_image.nrrd"))).unwrap();
        let mask2d = read_volume(dir.join(format!("{case}_label_2D.nrrd"))).unwrap();
        assert_eq!(mask2d.geometry().size[2], 1, "{case}: the 2D mask has one slice");
        let corrected = correct_mask(image.geometry(), &mask2d, 1).unwrap();
        assert_eq!(corrected.geometry(), image.geometry());
        assert_eq!(corrected.pixel_type(), mask2d.pixel_type());
        assert_eq!(
            numbers(cell("diagnostics_Mask-corrected_Size", &column)),
            image.geometry().size.map(|s| s as f64).to_vec()
        );
        let roi = roi_diagnostics(&image, &corrected);
        let voxels: usize = cell("diagnostics_Mask-corrected_VoxelNum", &column).parse().unwrap();
        assert_eq!(roi.count, voxels, "{case}: corrected ROI voxel count");
        assert_eq!(
            numbers(cell("diagnostics_Mask-corrected_BoundingBox", &column)),
            roi.bbox.to_vec()
        );
        for (row, got) in [
            ("diagnostics_Mask-corrected_Mean", roi.mean),
            ("diagnostics_Mask-corrected_Minimum", roi.min),
            ("diagnostics_Mask-corrected_Maximum", roi.max),
        ] {
            assert_rel(&format!("{case}: {row}"), got, cell(row, &column).parse().unwrap(), 1e-9);
        }
    }
}

#[test]
fn resample_rejects_masks_outside_the_image_and_bad_settings() {
    let Some(dir) = images_dir() else { return };
    let image = read_volume(dir.join("breast1_image.nrrd")).unwrap();
    let mask = read_volume(dir.join("breast1_label_2D.nrrd")).unwrap();
    // The same slice moved 100 mm above the image (which spans 44.1 mm along z).
    let mut moved_grid = *mask.geometry();
    moved_grid.origin[2] += 100.0;
    let moved = Volume::new(mask.data().clone(), moved_grid, mask.pixel_type()).unwrap();
    let err = correct_mask(image.geometry(), &moved, 1).unwrap_err().to_string();
    assert!(err.contains("label 1") && err.contains("outside the image"), "{err}");
    let err = resample_image_and_mask(&image, &moved, 1, [2.0; 3], Interpolator::BSpline, 5)
        .unwrap_err()
        .to_string();
    assert!(err.contains("outside the image"), "{err}");
    // Half a voxel past the edge is still inside (PyRadiomics allows up to 1e-3 voxel more).
    let mut edge_grid = *mask.geometry();
    edge_grid.origin[2] = image.geometry().origin[2] + 20.0 * 2.1 + 0.0005 * 2.1;
    let edge = Volume::new(mask.data().clone(), edge_grid, mask.pixel_type()).unwrap();
    let corrected = correct_mask(image.geometry(), &edge, 1).unwrap();
    assert_eq!(corrected.data().iter().filter(|&&v| v == 1.0).count(), 82);

    let err = correct_mask(image.geometry(), &mask, 2).unwrap_err().to_string();
    assert!(err.contains("label 2"), "{err}");
    let full_mask = read_volume(dir.join("breast1_label.nrrd")).unwrap();
    for bad in [[-2.0, 2.0, 2.0], [2.0, f64::NAN, 2.0]] {
        let err = resample_image_and_mask(&image, &full_mask, 1, bad, Interpolator::Linear, 5)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid setting resampledPixelSpacing"), "{err}");
    }
    let mut grid = *image.geometry();
    grid.spacing[1] = 0.0;
    let err = resample(&image, &grid, Interpolator::Linear, 0.0).unwrap_err().to_string();
    assert!(err.contains("invalid setting spacing"), "{err}");
}

/// Timings (not a test of speed: run with `scripts/bench-resample.sh`).
#[test]
#[ignore]
fn resample_bench_lung2() {
    let Some(dir) = images_dir() else { return };
    let image = read_volume(dir.join("lung2_image.nrrd")).unwrap();
    let mask = read_volume(dir.join("lung2_label.nrrd")).unwrap();
    for interpolator in [Interpolator::NearestNeighbor, Interpolator::Linear, Interpolator::BSpline]
    {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let out = resample_image_and_mask(&image, &mask, 1, [2.0; 3], interpolator, 5).unwrap();
            std::hint::black_box(out);
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("lung2 resample_image_and_mask [2,2,2] {interpolator}: {:.1} ms", best * 1e3);
    }
    let mut best = f64::MAX;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let grid = resampled_grid(image.geometry(), [1.0; 3]);
        std::hint::black_box(resample(&image, &grid, Interpolator::BSpline, 0.0).unwrap());
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("lung2 whole image to 1 mm isotropic, sitkBSpline: {:.1} ms", best * 1e3);
}
