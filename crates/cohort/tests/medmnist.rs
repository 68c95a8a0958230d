//! The MedMNIST importer on AdrenalMNIST3D (`../shared/data`), checked against values
//! computed with NumPy 2.4 by `scripts/medmnist_reference.py` (foreground counts per split,
//! and for sample cases the foreground count and the sum of the C-order flat indices of the
//! foreground voxels, which pins the axis order) and the label counts of `data/SOURCE.md`.

use std::path::Path;

use radlsig_cohort::{Manifest, MedMnistOptions, import_medmnist};
use radlsig_volume::{PixelType, read_volume};

/// (split, index, foreground voxels, Σ flat index of foreground voxels, label).
type Sample = (&'static str, usize, usize, u64, u8);

const SAMPLES_28: &[Sample] = &[
    ("train", 0, 451, 5090469, 0),
    ("train", 1, 368, 4155865, 0),
    ("train", 594, 256, 2899708, 0),
    ("train", 1187, 264, 3002481, 1),
    ("val", 0, 444, 4992764, 0),
    ("val", 49, 361, 4064456, 0),
    ("val", 97, 337, 3757487, 0),
    ("test", 0, 528, 6078386, 0),
    ("test", 149, 285, 3241872, 0),
    ("test", 297, 381, 4283576, 1),
];

const SAMPLES_64: &[Sample] = &[
    ("train", 0, 5426, 726342490, 0),
    ("train", 1, 4420, 596155700, 0),
    ("val", 0, 5763, 771098794, 0),
    ("val", 1, 3015, 407477653, 0),
    ("test", 0, 6530, 896847163, 0),
    ("test", 1, 4253, 566142794, 0),
];

/// Foreground voxels and Σ flat index of a volume read back (array `[z, y, x]` = NumPy's
/// `[i, j, k]` of `images[n]`), checking that the image holds only 0/255 and the mask is
/// exactly `image > 0`.
fn foreground(image: &Path, mask: &Path) -> (usize, u64) {
    let img = read_volume(image).unwrap();
    let msk = read_volume(mask).unwrap();
    assert_eq!(img.pixel_type(), PixelType::UInt8);
    assert_eq!(msk.pixel_type(), PixelType::UInt8);
    let shape = img.data().shape().to_vec();
    let (mut count, mut index_sum) = (0usize, 0u64);
    for (((z, y, x), v), m) in img.data().indexed_iter().zip(msk.data()) {
        assert!(*v == 0.0 || *v == 255.0, "{} holds {v}", image.display());
        assert_eq!(*m, f64::from(u8::from(*v > 0.0)));
        if *v > 0.0 {
            count += 1;
            index_sum += (z * shape[1] * shape[2] + y * shape[2] + x) as u64;
        }
    }
    (count, index_sum)
}

fn check_samples(manifest: &Manifest, samples: &[Sample]) {
    for &(split, index, count, index_sum, label) in samples {
        let id = format!("{split}_{index:04}");
        let case =
            manifest.cases.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no case {id}"));
        assert_eq!(case.split.as_deref(), Some(split));
        assert_eq!(case.label, Some(label), "{id}");
        let pair = &case.images[""];
        assert_eq!(foreground(&pair.image, &pair.mask), (count, index_sum), "{id}");
    }
}

#[test]
fn adrenalmnist3d_28_round_trips_with_the_official_split() {
    let Some(npz) = radlsig_testdata::require("data/adrenalmnist3d.npz") else { return };
    let out = tempfile::tempdir().unwrap();
    let import = import_medmnist(&npz, out.path(), &MedMnistOptions::default()).unwrap();
    assert_eq!(import.split_sizes, [1188, 98, 298]);
    assert_eq!(import.archive_sizes, [1188, 98, 298]);
    assert_eq!(import.size, 28);
    assert!((import.spacing - 64.0 / 28.0).abs() < 1e-12);
    assert!(import.empty.is_empty());

    let manifest = Manifest::load(&out.path().join("manifest.csv")).unwrap();
    assert_eq!(manifest.sequences, [""]);
    assert_eq!(manifest.len(), 1584);
    assert_eq!(manifest.cases[1188].id, "val_0000");
    assert_eq!(manifest.cases[1188].row, 1189);
    let header = std::fs::read_to_string(out.path().join("manifest.csv")).unwrap();
    assert!(header.starts_with("ID,label,split,Image,Mask\ntrain_0000,0,train,images/train_0000.nii.gz,masks/train_0000.nii.gz\n"));

    // Labels (SOURCE.md) and foreground totals per split over every case read back.
    let expected = [("train", 259, 411897), ("val", 22, 34992), ("test", 69, 103559)];
    for (split, positives, foreground_total) in expected {
        let cases: Vec<_> =
            manifest.cases.iter().filter(|c| c.split.as_deref() == Some(split)).collect();
        assert_eq!(cases.iter().filter(|c| c.label == Some(1)).count(), positives, "{split}");
        let total: usize =
            cases.iter().map(|c| foreground(&c.images[""].image, &c.images[""].mask).0).sum();
        assert_eq!(total, foreground_total, "{split}");
    }
    check_samples(&manifest, SAMPLES_28);
    let g = *read_volume(&manifest.cases[0].images[""].image).unwrap().geometry();
    assert_eq!(g.size, [28, 28, 28]);
    assert!((g.spacing[0] - 64.0 / 28.0).abs() < 1e-6);
}

#[test]
fn adrenalmnist3d_64_first_cases_round_trip() {
    let Some(npz) = radlsig_testdata::require("data/adrenalmnist3d_64.npz") else { return };
    let out = tempfile::tempdir().unwrap();
    let options =
        MedMnistOptions { limit: Some(2), spacing: Some(1.5), ..MedMnistOptions::default() };
    let import = import_medmnist(&npz, out.path(), &options).unwrap();
    assert_eq!(import.split_sizes, [2, 2, 2]);
    assert_eq!(import.archive_sizes, [1188, 98, 298]);
    assert_eq!(import.size, 64);
    check_samples(&import.manifest, SAMPLES_64);
    let g = *read_volume(&import.manifest.cases[0].images[""].image).unwrap().geometry();
    assert_eq!(g.size, [64, 64, 64]);
    assert!((g.spacing[2] - 1.5).abs() < 1e-6);
}

#[test]
fn bad_archives_are_reported_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let not_zip = dir.path().join("x.npz");
    std::fs::write(&not_zip, b"not a zip").unwrap();
    let err = import_medmnist(&not_zip, &dir.path().join("out"), &MedMnistOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().starts_with(&format!("{}: not a readable .npz archive", not_zip.display())),
        "{err}"
    );
    let missing = dir.path().join("missing.npz");
    let err = import_medmnist(&missing, &dir.path().join("out"), &MedMnistOptions::default())
        .unwrap_err();
    assert!(err.to_string().contains("missing.npz"), "{err}");
    assert!(!dir.path().join("out").exists());
}
