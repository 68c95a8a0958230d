//! `radlsig extract` end to end: the real binary on PyRadiomics' test cases (batch and single,
//! Parquet and CSV), read back and compared with PyRadiomics 3.1.4's values in
//! `pyradiomics-data/generated/pyrad314_default_original.csv`; and bad inputs, which must fail
//! with a message naming the file, exit status 2 and no output file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ndarray::Array3;
use polars::prelude::{CsvReadOptions, DataFrame, ParquetReader, SerReader};
use radlsig_volume::{Geometry, PixelType, Volume, write_volume};

fn radlsig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radlsig")).args(args).output().expect("running radlsig")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn read_table(path: &Path) -> DataFrame {
    if path.extension().unwrap() == "parquet" {
        ParquetReader::new(std::fs::File::open(path).unwrap()).finish().unwrap()
    } else {
        CsvReadOptions::default()
            .with_has_header(true)
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .unwrap()
            .finish()
            .unwrap()
    }
}

/// PyRadiomics' value of `feature` for `case` (the generated reference table).
fn reference(dir: &Path, case: &str, feature: &str) -> f64 {
    let text =
        std::fs::read_to_string(dir.join("generated/pyrad314_default_original.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == feature).unwrap_or_else(|| panic!("{feature}"));
    let row = lines.find(|l| l.starts_with(&format!("{case},"))).unwrap();
    row.split(',').nth(col).unwrap().parse().unwrap()
}

fn value(df: &DataFrame, row: usize, column: &str) -> f64 {
    df.column(column)
        .unwrap_or_else(|_| panic!("no column {column}"))
        .f64()
        .unwrap()
        .get(row)
        .unwrap()
}

fn text(df: &DataFrame, row: usize, column: &str) -> String {
    df.column(column).unwrap().str().unwrap().get(row).unwrap().to_string()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 || (a - b).abs() <= 1e-6 * b.abs()
}

/// Files left in `dir` (to check that a failure leaves no output or temporary file).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const CHECKED: &[&str] = &[
    "original_shape_MeshVolume",
    "original_firstorder_Mean",
    "original_firstorder_90Percentile",
    "original_glcm_Correlation",
    "original_glrlm_RunEntropy",
    "original_glszm_ZoneEntropy",
    "original_gldm_DependenceEntropy",
    "original_ngtdm_Busyness",
];

#[test]
fn batch_parquet_with_default_settings() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("features.parquet");
    let o = radlsig(&[
        "extract",
        "--manifest",
        dir.join("testCases.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let df = read_table(&out);
    assert_eq!(df.height(), 5);
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    assert_eq!(names[..3], ["ID", "Image", "Mask"]);
    assert_eq!(names.len(), 3 + 107);
    for row in 0..5 {
        let case = text(&df, row, "ID");
        assert_eq!(text(&df, row, "Image"), format!("images/{case}_image.nrrd"));
        for feature in CHECKED {
            let (ours, theirs) = (value(&df, row, feature), reference(&dir, &case, feature));
            assert!(close(ours, theirs), "{case} {feature}: {ours} vs {theirs}");
        }
    }
}

#[test]
fn batch_csv_one_job_with_params() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let out_dir = tempfile::tempdir().unwrap();
    let params = out_dir.path().join("p.yaml");
    std::fs::write(
        &params,
        "setting:\n  binWidth: 25\nfeatureClass:\n  firstorder:\n  glcm: [Correlation]\n",
    )
    .unwrap();
    let out = out_dir.path().join("features.csv");
    let o = radlsig(&[
        "extract",
        "--manifest",
        dir.join("testCases.csv").to_str().unwrap(),
        "--params",
        params.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--jobs",
        "1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let df = read_table(&out);
    assert_eq!(df.height(), 5);
    assert_eq!(df.width(), 3 + 18 + 1);
    for row in 0..5 {
        let case = text(&df, row, "ID");
        for feature in
            ["original_firstorder_Mean", "original_firstorder_Entropy", "original_glcm_Correlation"]
        {
            let (ours, theirs) = (value(&df, row, feature), reference(&dir, &case, feature));
            assert!(close(ours, theirs), "{case} {feature}: {ours} vs {theirs}");
        }
    }
}

#[test]
fn single_case_row() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("one.csv");
    let image = dir.join("images/breast1_image.nrrd");
    let mask = dir.join("images/breast1_label.nrrd");
    let o = radlsig(&[
        "extract",
        "--image",
        image.to_str().unwrap(),
        "--mask",
        mask.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let df = read_table(&out);
    assert_eq!(df.height(), 1);
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    assert_eq!(names[..2], ["Image", "Mask"]);
    assert_eq!(names[2], "original_shape_Elongation");
    assert_eq!(text(&df, 0, "Mask"), mask.display().to_string());
    for feature in CHECKED {
        let (ours, theirs) = (value(&df, 0, feature), reference(&dir, "breast1", feature));
        assert!(close(ours, theirs), "{feature}: {ours} vs {theirs}");
    }
}

#[test]
fn labels_from_flag_and_manifest_column() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data/phantoms") else { return };
    let out_dir = tempfile::tempdir().unwrap();
    let params = out_dir.path().join("p.yaml");
    std::fs::write(&params, "featureClass:\n  firstorder: [Mean]\n").unwrap();
    let image = dir.join("prostate_phantom_subvolume.nrrd");
    let mask = dir.join("prostate_phantom_subvolume-label.nrrd");
    // The label map holds labels 1, 7, 8 and 9; label 1 is the default.
    let manifest = out_dir.path().join("cases.csv");
    std::fs::write(
        &manifest,
        format!(
            "Image,Mask,Label,Group\n{0},{1},,a\n{0},{1},7,b\n{0},{1},8,c\n",
            image.display(),
            mask.display()
        ),
    )
    .unwrap();
    let out = out_dir.path().join("labels.csv");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "extract",
            "--manifest",
            manifest.to_str().unwrap(),
            "--params",
            params.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let o = radlsig(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        read_table(&out)
    };
    let plain = run(&[]);
    let flagged = run(&["--label", "9"]);
    assert_eq!(plain.width(), 5);
    let means = |df: &DataFrame| {
        (0..3).map(|r| value(df, r, "original_firstorder_Mean")).collect::<Vec<_>>()
    };
    let (a, b) = (means(&plain), means(&flagged));
    // Rows with a Label cell keep it; the empty cell takes --label (9) instead of 1.
    assert_eq!(a[1], b[1]);
    assert_eq!(a[2], b[2]);
    assert_ne!(a[0], b[0]);
    assert!(a.iter().all(|m| m.is_finite()));
    // The per-label means are those of --label on the single-case command.
    let single = out_dir.path().join("single.csv");
    let o = radlsig(&[
        "extract",
        "--image",
        image.to_str().unwrap(),
        "--mask",
        mask.to_str().unwrap(),
        "--params",
        params.to_str().unwrap(),
        "--label",
        "7",
        "--out",
        single.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(value(&read_table(&single), 0, "original_firstorder_Mean"), a[1]);
    assert_eq!(text(&plain, 2, "Group"), "c");
}

fn synthetic(dir: &Path) -> (PathBuf, PathBuf) {
    let g = Geometry::new([6, 5, 4], [1.0, 1.0, 2.0]);
    let image = dir.join("image.nrrd");
    let data = Array3::from_shape_fn((4, 5, 6), |(z, y, x)| (z * 30 + y * 6 + x) as f64);
    write_volume(&Volume::new(data, g, PixelType::Int16).unwrap(), &image).unwrap();
    let mask = dir.join("mask.nrrd");
    let mut labels = Array3::<f64>::zeros((4, 5, 6));
    for v in [[1, 1, 1], [1, 1, 2], [1, 2, 1], [2, 2, 2], [2, 3, 3]] {
        labels[v] = 1.0;
    }
    write_volume(&Volume::new(labels, g, PixelType::UInt8).unwrap(), &mask).unwrap();
    (image, mask)
}

fn labels_file(dir: &Path, name: &str, g: Geometry, voxels: &[[usize; 3]]) -> PathBuf {
    let mut labels = Array3::<f64>::zeros(g.shape_zyx());
    for v in voxels {
        labels[*v] = 1.0;
    }
    let path = dir.join(name);
    write_volume(&Volume::new(labels, g, PixelType::UInt8).unwrap(), &path).unwrap();
    path
}

#[test]
fn bad_inputs_fail_cleanly() {
    let work = tempfile::tempdir().unwrap();
    let inputs = work.path().join("in");
    let outputs = work.path().join("out");
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::create_dir_all(&outputs).unwrap();
    let (image, mask) = synthetic(&inputs);
    let g = Geometry::new([6, 5, 4], [1.0, 1.0, 2.0]);
    let params = inputs.join("p.yaml");
    std::fs::write(&params, "featureClass:\n  firstorder:\n  glcm:\n").unwrap();

    let truncated = inputs.join("truncated.nrrd");
    let bytes = std::fs::read(&image).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 10]).unwrap();
    let mut nan_data = Array3::from_shape_fn((4, 5, 6), |(z, y, x)| (z + y + x) as f64 * 0.25);
    nan_data[[1, 1, 1]] = f64::NAN;
    let nan = inputs.join("nan.nrrd");
    write_volume(&Volume::new(nan_data, g, PixelType::Float32).unwrap(), &nan).unwrap();
    let big = labels_file(
        &inputs,
        "big.nrrd",
        Geometry::new([6, 6, 4], [1.0, 1.0, 2.0]),
        &[[1, 1, 1], [1, 2, 2]],
    );
    let mut shifted = g;
    shifted.origin = [3.0, 0.0, 0.0];
    let moved = labels_file(&inputs, "moved.nrrd", shifted, &[[1, 1, 1], [1, 2, 2]]);
    let empty = labels_file(&inputs, "empty.nrrd", g, &[]);
    let one = labels_file(&inputs, "one.nrrd", g, &[[2, 2, 2]]);
    let bad_params = inputs.join("bad.yaml");
    std::fs::write(&bad_params, "setting:\n  binWidht: 25\n").unwrap();

    let cases: Vec<(&str, &Path, &Path, &Path, Vec<&str>)> = vec![
        ("truncated image", &truncated, &mask, &params, vec!["truncated.nrrd"]),
        ("NaN voxels", &nan, &mask, &params, vec!["nan.nrrd", "NaN"]),
        ("size mismatch", &image, &big, &params, vec!["big.nrrd", "size"]),
        ("geometry mismatch", &image, &moved, &params, vec!["moved.nrrd", "origin"]),
        ("empty mask", &image, &empty, &params, vec!["empty.nrrd", "empty"]),
        ("one voxel", &image, &one, &params, vec!["one.nrrd", "single voxel"]),
        ("wrong params key", &image, &mask, &bad_params, vec!["bad.yaml", "binWidht"]),
    ];
    for (what, image, mask, params, needles) in cases {
        for out_name in ["out.csv", "out.parquet"] {
            let out = outputs.join(out_name);
            let o = radlsig(&[
                "extract",
                "--image",
                image.to_str().unwrap(),
                "--mask",
                mask.to_str().unwrap(),
                "--params",
                params.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{what}: {err}");
            for n in &needles {
                assert!(err.contains(n), "{what}: {n:?} missing from: {err}");
            }
            assert!(!err.contains("panicked"), "{what}: {err}");
            assert!(listing(&outputs).is_empty(), "{what}: left {:?}", listing(&outputs));
        }
    }
    // Absent label through the flag.
    let out = outputs.join("out.csv");
    let o = radlsig(&[
        "extract",
        "--image",
        image.to_str().unwrap(),
        "--mask",
        mask.to_str().unwrap(),
        "--params",
        params.to_str().unwrap(),
        "--label",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("mask.nrrd") && stderr(&o).contains("label 4"), "{}", stderr(&o));
    assert!(listing(&outputs).is_empty());
}

#[test]
fn failing_batch_cases_are_reported_and_skipped() {
    let work = tempfile::tempdir().unwrap();
    let (image, mask) = synthetic(work.path());
    let g = Geometry::new([6, 5, 4], [1.0, 1.0, 2.0]);
    labels_file(work.path(), "one.nrrd", g, &[[2, 2, 2]]);
    let params = work.path().join("p.yaml");
    std::fs::write(&params, "featureClass:\n  firstorder:\n").unwrap();
    let manifest = work.path().join("cases.csv");
    std::fs::write(
        &manifest,
        format!(
            "Patient,Image,Mask\np1,{},{}\np2,image.nrrd,one.nrrd\np3,absent.nrrd,mask.nrrd\np4,image.nrrd,mask.nrrd\n",
            image.display(),
            mask.display()
        ),
    )
    .unwrap();
    let out = work.path().join("features.csv");
    let o = radlsig(&[
        "extract",
        "--manifest",
        manifest.to_str().unwrap(),
        "--params",
        params.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--jobs",
        "2",
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("case 2")
            && err.contains("line 3")
            && err.contains("one.nrrd")
            && err.contains("single voxel"),
        "{err}"
    );
    assert!(err.contains("line 4") && err.contains("absent.nrrd"), "{err}");
    assert!(err.contains("2 of 4 cases failed"), "{err}");
    let df = read_table(&out);
    assert_eq!(df.height(), 2);
    assert_eq!(text(&df, 0, "Patient"), "p1");
    assert_eq!(text(&df, 1, "Patient"), "p4");
    // Relative paths resolve against the manifest's folder: p1 and p4 are the same case.
    assert_eq!(
        value(&df, 0, "original_firstorder_Mean"),
        value(&df, 1, "original_firstorder_Mean")
    );
}
