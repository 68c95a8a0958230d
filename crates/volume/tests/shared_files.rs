//! Reading the reference files in `../shared`: sizes, spacings, directions and ROI sizes must be
//! those documented in their SOURCE.md files (independent of this crate).

use approx::assert_abs_diff_eq;
use radlsig_volume::{GeometryTolerance, Mask, PixelType, read_image_and_mask, read_volume};

#[test]
fn pyradiomics_cases_have_documented_geometry_and_roi_sizes() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data/images") else { return };
    // (case, size xyz, spacing xyz, y direction sign, image type, ROI voxels) from SOURCE.md.
    let cases = [
        ("brain1", [256, 256, 25], [0.78125, 0.78125, 6.5], -1.0, PixelType::Int16, 4137),
        ("brain2", [256, 256, 23], [0.78125, 0.78125, 6.5], -1.0, PixelType::Int16, 453),
        ("breast1", [45, 120, 21], [0.6641, 0.6641, 2.1], 1.0, PixelType::Int16, 143),
        ("lung1", [512, 512, 48], [0.5703, 0.5703, 5.0], 1.0, PixelType::Int16, 837),
        ("lung2", [512, 512, 61], [0.6270, 0.6270, 5.0], 1.0, PixelType::Int16, 24644),
    ];
    for (case, size, spacing, ysign, ptype, roi) in cases {
        let image = dir.join(format!("{case}_image.nrrd"));
        let label = dir.join(format!("{case}_label.nrrd"));
        let (img, mask) = read_image_and_mask(&image, &label, 1, GeometryTolerance::default()).unwrap();
        let g = img.geometry();
        assert_eq!(g.size, size, "{case}");
        for i in 0..3 {
            assert_abs_diff_eq!(g.spacing[i], spacing[i], epsilon = 1e-4);
        }
        assert_eq!(g.direction[4], ysign, "{case}");
        assert_eq!(img.pixel_type(), ptype, "{case}");
        assert_eq!(mask.count(), roi, "{case}");
    }
}

#[test]
fn lung1_intensity_range_is_hounsfield() {
    let Some(path) = radlsig_testdata::require("pyradiomics-data/images/lung1_image.nrrd") else { return };
    let v = read_volume(path).unwrap();
    let (min, max) = v.data().iter().fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    assert_eq!((min, max), (-1024.0, 3071.0));
}

#[test]
fn prostate_phantom_is_multi_label() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data/phantoms") else { return };
    let labels = read_volume(dir.join("prostate_phantom_subvolume-label.nrrd")).unwrap();
    for (label, count) in [(1, 168), (7, 170), (8, 2997), (9, 9088)] {
        assert_eq!(Mask::from_labels(&labels, label, "label").unwrap().count(), count);
    }
    let image = read_volume(dir.join("prostate_phantom_subvolume.nrrd")).unwrap();
    assert_eq!(image.pixel_type(), PixelType::UInt16);
    assert_eq!(image.geometry().direction[0], -1.0);
    let err = Mask::from_labels(&labels, 2, "prostate-label.nrrd").unwrap_err().to_string();
    assert!(err.contains("1, 7, 8, 9"), "{err}");
}

#[test]
fn ibsi_phantom_voxels_match_the_published_arrays() {
    let Some(dir) = radlsig_testdata::require("ibsi/digital_phantom") else { return };
    let (img, mask) = read_image_and_mask(
        &dir.join("phantom.nii.gz"),
        &dir.join("mask.nii.gz"),
        1,
        GeometryTolerance::default(),
    )
    .unwrap();
    assert_eq!(img.geometry().size, [5, 4, 4]);
    assert_eq!(img.geometry().spacing, [2.0, 2.0, 2.0]);
    // SOURCE.md: rows are y, x runs left to right, one block per z.
    let z0 = [[1, 4, 4, 1, 1], [1, 4, 6, 1, 1], [4, 1, 6, 4, 1], [4, 4, 6, 4, 1]];
    let z2 = [[1, 4, 4, 1, 1], [1, 1, 1, 1, 1], [1, 1, 9, 1, 1], [1, 1, 6, 1, 1]];
    for y in 0..4 {
        for x in 0..5 {
            assert_eq!(img.data()[[0, y, x]], z0[y][x] as f64);
            assert_eq!(img.data()[[2, y, x]], z2[y][x] as f64);
        }
    }
    assert_eq!(mask.count(), 74);
    assert!(!mask.data()[[2, 2, 2]]); // the excluded value-9 voxel
    let values = mask.values(&img).unwrap();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    assert_abs_diff_eq!(mean, 2.1486, epsilon = 1e-4);
}

#[test]
fn two_d_mask_is_not_on_the_image_grid() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data/images") else { return };
    let err = read_image_and_mask(
        &dir.join("brain1_image.nrrd"),
        &dir.join("brain1_label_2D.nrrd"),
        1,
        GeometryTolerance::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("brain1_label_2D.nrrd") && err.contains("size"), "{err}");
}
