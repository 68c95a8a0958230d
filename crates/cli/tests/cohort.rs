//! `radlsig synth` and `radlsig import medmnist` end to end: the real binary, its outputs read
//! back through the manifest loader, and bad inputs (exit status 2, a message naming the
//! problem, nothing written).

use std::path::Path;
use std::process::{Command, Output};

use radlsig_volume::read_volume;

fn radlsig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radlsig")).args(args).output().expect("running radlsig")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads a manifest CSV as rows of cells (header first), with the plain `csv` rules of the
/// files we write (no quoting needed).
fn rows(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn synth_writes_a_reproducible_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let args = |out: &Path| {
        vec![
            "synth".to_string(),
            "--out".into(),
            out.to_str().unwrap().into(),
            "--cases".into(),
            "6".into(),
            "--size".into(),
            "48x48x16".into(),
            "--sequences".into(),
            "2".into(),
            "--seed".into(),
            "5".into(),
            "--split".into(),
            "0.5,0.5".into(),
        ]
    };
    let run = |out: &Path, jobs: &str| {
        let mut v = args(out);
        v.extend(["--jobs".to_string(), jobs.to_string()]);
        radlsig(&v.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let o = run(&a, "1");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with(&format!("wrote 6 cases (")), "{}", stdout(&o));
    let o = run(&b, "2");
    assert!(o.status.success(), "{}", stderr(&o));

    let manifest = rows(&a.join("manifest.csv"));
    assert_eq!(
        manifest[0],
        [
            "ID",
            "label",
            "split",
            "center",
            "age",
            "sex",
            "Image:T1",
            "Mask:T1",
            "Image:ADC",
            "Mask:ADC"
        ]
    );
    assert_eq!(manifest.len(), 7);
    for row in &manifest[1..] {
        assert!(row[1] == "0" || row[1] == "1");
        assert!(row[2] == "train" || row[2] == "val");
        assert_eq!(row[6], format!("images/{}_T1.nii.gz", row[0]));
        assert_eq!(row[7], format!("masks/{}.nii.gz", row[0]));
        for rel in [&row[6], &row[7], &row[8]] {
            assert_eq!(
                read(&a.join(rel)),
                read(&b.join(rel)),
                "{rel} differs between 1 and 2 threads"
            );
        }
        let t1 = read_volume(a.join(&row[6])).unwrap();
        let adc = read_volume(a.join(&row[8])).unwrap();
        assert_eq!(t1.geometry(), adc.geometry());
        assert_eq!(t1.geometry().size, [48, 48, 16]);
    }
    for file in ["manifest.csv", "truth.csv", "synth.json"] {
        assert_eq!(read(&a.join(file)), read(&b.join(file)), "{file}");
    }
    let json = String::from_utf8(read(&a.join("synth.json"))).unwrap();
    assert!(json.contains("\"seed\": 5") && json.contains("\"sequences\": \"t1_adc\""), "{json}");

    // A second run into the same folder is refused, and leaves it as it was.
    let before = read(&a.join("truth.csv"));
    let o = run(&a, "1");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("output folder is not empty"), "{}", stderr(&o));
    assert_eq!(read(&a.join("truth.csv")), before);
}

#[test]
fn synth_rejects_bad_settings_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_s = out.to_str().unwrap();
    for (args, message) in [
        (vec!["--size", "20"], "field of view"),
        (vec!["--size", "64x64"], "expected N or XxYxZ"),
        (vec!["--auc", "0.3"], "invalid setting auc"),
        (vec!["--prevalence", "1.5"], "invalid setting prevalence"),
        (vec!["--centres", "4"], "invalid setting centres"),
        (vec!["--split", "0,0,0"], "invalid setting split"),
    ] {
        let mut full = vec!["synth", "--out", out_s];
        full.extend(&args);
        let o = radlsig(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert!(!out.exists(), "{args:?} wrote something");
    }
}

#[test]
fn import_medmnist_keeps_the_split() {
    let Some(npz) = radlsig_testdata::require("data/adrenalmnist3d.npz") else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("adrenal");
    let o = radlsig(&[
        "import",
        "medmnist",
        npz.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--limit",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("wrote 9 cases (train 3 of 1188, val 3 of 98, test 3 of 298) of 28³ voxels at 2.2857142857142856 mm"),
        "{}",
        stdout(&o)
    );
    let manifest = rows(&out.join("manifest.csv"));
    assert_eq!(manifest[0], ["ID", "label", "split", "Image", "Mask"]);
    let ids: Vec<&str> = manifest[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        ids,
        [
            "train_0000",
            "train_0001",
            "train_0002",
            "val_0000",
            "val_0001",
            "val_0002",
            "test_0000",
            "test_0001",
            "test_0002"
        ]
    );
    // train_0000 has 451 foreground voxels (NumPy, scripts/medmnist_reference.py).
    let mask = read_volume(out.join(&manifest[1][4])).unwrap();
    assert_eq!(mask.data().iter().filter(|v| **v == 1.0).count(), 451);

    let o = radlsig(&[
        "import",
        "medmnist",
        "/nonexistent/x.npz",
        "--out",
        dir.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("/nonexistent/x.npz"), "{}", stderr(&o));
}
