//! Preprocessing: crops at image borders, resampling, channels, the empty-mask error.

use ndarray::{Array3, Axis};
use radlsig_deep::{CaseImages, CropCenter, Error, Intensity, PreprocessConfig, preprocess};
use radlsig_volume::{Geometry, Mask, PixelType, Volume};

/// A 10×10×10 image with value `100 z + 10 y + x` (so every voxel names its index), and a
/// mask of the given voxels.
fn case(spacing: [f64; 3], voxels: &[[usize; 3]]) -> CaseImages {
    let geometry = Geometry::new([10, 10, 10], spacing);
    let data = Array3::from_shape_fn((10, 10, 10), |(z, y, x)| (100 * z + 10 * y + x) as f64);
    let image = Volume::new(data, geometry, PixelType::Int16).unwrap();
    let mut inside = Array3::from_elem((10, 10, 10), false);
    for &[z, y, x] in voxels {
        inside[[z, y, x]] = true;
    }
    CaseImages {
        id: "p1".into(),
        label: Some(1),
        images: vec![image],
        mask: Mask::new(inside, geometry).unwrap(),
    }
}

fn raw(spacing: Option<f64>) -> PreprocessConfig {
    PreprocessConfig::new().with_crop_size(4).with_spacing(spacing).with_intensity(Intensity::None)
}

#[test]
fn crop_at_the_corner_is_padded_with_zeros() {
    // Mask voxels (0,0,0) and (1,1,1): box centre 0.5 → a 4-cube starting at index −1.
    let c = case([1.0; 3], &[[0, 0, 0], [1, 1, 1]]);
    let out = preprocess(&c, &raw(None)).unwrap();
    assert_eq!(out.shape(), &[2, 4, 4, 4]);
    for z in 0..4 {
        for y in 0..4 {
            for x in 0..4 {
                let inside = z > 0 && y > 0 && x > 0;
                // Image voxel (z−1, y−1, x−1) or padding 0.
                let expected =
                    if inside { (100 * (z - 1) + 10 * (y - 1) + (x - 1)) as f32 } else { 0.0 };
                assert_eq!(out[[0, z, y, x]], expected, "image at {z},{y},{x}");
                let in_mask = (z, y, x) == (1, 1, 1) || (z, y, x) == (2, 2, 2);
                assert_eq!(out[[1, z, y, x]], f32::from(u8::from(in_mask)), "mask at {z},{y},{x}");
            }
        }
    }
}

#[test]
fn crop_at_the_far_border_and_centroid() {
    // Voxels (9,9,9), (9,9,8), (9,8,9), (8,9,9): centroid (8.75, 8.75, 8.75) → start
    // floor(8.75 − 1.5 + 0.5) = 7, so the cube covers 7..=10 and index 10 is padding.
    let c = case([1.0; 3], &[[9, 9, 9], [9, 9, 8], [9, 8, 9], [8, 9, 9]]);
    let config = raw(None).with_center(CropCenter::Centroid);
    let out = preprocess(&c, &config).unwrap();
    assert_eq!(out[[0, 0, 0, 0]], 777.0);
    assert_eq!(out[[0, 2, 2, 2]], 999.0);
    assert_eq!(out[[0, 3, 0, 0]], 0.0);
    assert_eq!(out[[0, 0, 3, 2]], 0.0);
    assert_eq!(out[[1, 2, 2, 2]], 1.0);
    // Bounding-box centre (8.5, 8.5, 8.5): start floor(8.5 − 1.5 + 0.5) = 7 too.
    let out = preprocess(&c, &raw(None)).unwrap();
    assert_eq!(out[[0, 0, 0, 0]], 777.0);
}

#[test]
fn resampling_at_native_spacing_reproduces_the_native_crop() {
    let voxels = [[4, 5, 6], [5, 5, 6], [4, 6, 7]];
    let c = case([1.0; 3], &voxels);
    let native = preprocess(&c, &raw(None)).unwrap();
    // Box centre (4.5, 5.5, 6.5) is between voxels: the 4-cube's grid points fall on voxel
    // centres 3..=6, 4..=7, 5..=8 in both paths.
    let resampled = preprocess(&c, &raw(Some(1.0))).unwrap();
    for (a, b) in native.iter().zip(resampled.iter()) {
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }
}

#[test]
fn resampling_to_half_the_spacing_interpolates_linearly() {
    // 2 mm voxels resampled to 1 mm around the box centre of voxel (5, 5, 5) (physical 10 mm):
    // grid points at 8.5, 9.5, 10.5, 11.5 mm → continuous index 4.25 … 5.75, linear in the ramp.
    let c = case([2.0; 3], &[[5, 5, 5]]);
    let out = preprocess(&c, &raw(Some(1.0))).unwrap();
    let ramp = |z: f64, y: f64, x: f64| 100.0 * z + 10.0 * y + x;
    for (i, t) in [4.25, 4.75, 5.25, 5.75].iter().enumerate() {
        let got = out[[0, i, i, i]] as f64;
        assert!((got - ramp(*t, *t, *t)).abs() < 1e-3, "{got} at {t}");
    }
    // The mask (one voxel of 2 mm) covers the central 2×2×2 points by nearest neighbour.
    let mask = out.index_axis(Axis(0), 1);
    assert_eq!(mask.iter().filter(|v| **v == 1.0).count(), 8);
    assert_eq!(mask[[1, 1, 1]], 1.0);
    assert_eq!(mask[[0, 1, 1]], 0.0);
}

#[test]
fn mr_and_ct_normalisation_and_padding() {
    let c = case([1.0; 3], &[[0, 0, 0], [0, 0, 1]]);
    // Inside values 0 and 1: mean ½, σ ½ → z = 2v − 1; padding stays 0.
    let out = preprocess(&c, &raw(None).with_intensity(Intensity::Mr)).unwrap();
    // Box centre (0, 0, 0.5): start floor(c − 1.5 + 0.5) = (−1, −1, −1) for a 4-cube.
    assert_eq!(out[[0, 1, 1, 1]], -1.0); // voxel (0, 0, 0)
    assert_eq!(out[[0, 1, 1, 2]], 1.0); // voxel (0, 0, 1)
    assert_eq!(out[[0, 0, 0, 0]], 0.0); // padding
    let out =
        preprocess(&c, &raw(None).with_intensity(Intensity::Ct { window: [0.0, 200.0] })).unwrap();
    assert!((out[[0, 2, 2, 3]] - 0.56).abs() < 1e-7); // voxel (1, 1, 2) = 112 → 112 / 200
    assert_eq!(out[[0, 3, 3, 3]], 1.0); // voxel (2, 2, 2) = 222, above the window
}

#[test]
fn mask_without_voxels_is_a_clear_error() {
    let c = case([1.0; 3], &[]);
    let err = preprocess(&c, &raw(None)).unwrap_err();
    assert!(matches!(err, Error::EmptyMask { .. }), "{err:?}");
    assert_eq!(err.to_string(), "case p1: the mask selects no voxel");
}

#[test]
fn multi_sequence_cases_become_channels() {
    let mut c = case([1.0; 3], &[[5, 5, 5]]);
    let second = c.images[0].with_data(c.images[0].data().mapv(|v| -v), PixelType::Int16).unwrap();
    c.images.push(second);
    let out = preprocess(&c, &raw(None)).unwrap();
    assert_eq!(out.shape(), &[3, 4, 4, 4]);
    assert_eq!(out[[1, 2, 2, 2]], -out[[0, 2, 2, 2]]);
    let no_mask = preprocess(&c, &raw(None).with_mask_channel(false)).unwrap();
    assert_eq!(no_mask.shape(), &[2, 4, 4, 4]);
}

/// A second sequence on a coarser grid (PET at 4 mm beside MR at 1 mm, another origin) is
/// resampled onto the reference grid before the crop: for a field linear in physical position,
/// linear interpolation is exact, so its channel equals the field at the reference voxels.
#[test]
fn a_sequence_on_another_grid_is_resampled_onto_the_reference_grid() {
    let field = |p: [f64; 3]| 3.0 * p[0] - 2.0 * p[1] + 0.5 * p[2] + 7.0; // p = (x, y, z) mm
    let mut c = case([1.0; 3], &[[4, 5, 5], [5, 5, 5], [5, 4, 6]]);
    c.images[0] = c.images[0]
        .with_data(
            Array3::from_shape_fn((10, 10, 10), |(z, y, x)| field([x as f64, y as f64, z as f64])),
            PixelType::Float64,
        )
        .unwrap();
    let mut coarse = Geometry::new([5, 5, 5], [4.0; 3]);
    coarse.origin = [-3.0, -2.5, -1.0];
    let data = Array3::from_shape_fn((5, 5, 5), |(z, y, x)| {
        field(coarse.index_to_physical([x as f64, y as f64, z as f64]))
    });
    c.images.push(Volume::new(data, coarse, PixelType::Float32).unwrap());
    let out = preprocess(&c, &raw(None)).unwrap();
    assert_eq!(out.shape(), &[3, 4, 4, 4]);
    for (a, b) in out.index_axis(Axis(0), 0).iter().zip(out.index_axis(Axis(0), 1)) {
        assert!((a - b).abs() < 1e-4 * a.abs().max(1.0), "{a} vs {b}");
    }
    assert!(out.index_axis(Axis(0), 1).iter().any(|&v| v != 0.0));

    // A sequence that misses the mask: a clear error naming the image.
    let mut far = Geometry::new([5, 5, 5], [4.0; 3]);
    far.origin = [100.0, 0.0, 0.0];
    c.images[1] = Volume::new(Array3::zeros((5, 5, 5)), far, PixelType::Float32).unwrap();
    let err = preprocess(&c, &raw(None)).unwrap_err().to_string();
    assert!(
        err.starts_with("case p1: image 1 (grid [5, 5, 5] at [4.0, 4.0, 4.0] mm) does not cover 3 of the mask's voxels"),
        "{err}"
    );
}
