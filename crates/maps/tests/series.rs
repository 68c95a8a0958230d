//! A whole series on disk: NIfTI images of a noiseless IVIM phantom fitted on a mask, the maps
//! written and read back; the truth recovered; a series that does not fit together is rejected
//! naming the file, before anything is written.

use std::path::PathBuf;

use ndarray::Array3;
use radlsig_maps::{IvimMethod, MapModel, Series, fit_maps, write_maps};
use radlsig_volume::{
    Geometry, IDENTITY_DIRECTION, Mask, PixelType, Volume, read_volume, write_volume,
};

const B: [f64; 6] = [0.0, 20.0, 80.0, 300.0, 600.0, 1000.0];

fn geometry(spacing: f64) -> Geometry {
    Geometry {
        size: [4, 5, 6],
        spacing: [spacing, 1.0, 2.0],
        origin: [0.0; 3],
        direction: IDENTITY_DIRECTION,
    }
}

/// Voxel (i, j, k) has D = (0.5 + 0.1 i) · 10⁻³, f = 0.1 + 0.02 j, D* = 0.02 + 0.005 k, S₀ = 1000.
fn truth(i: usize, j: usize, k: usize) -> [f64; 4] {
    [1000.0, 0.1 + 0.02 * j as f64, 0.02 + 0.005 * k as f64, (0.5 + 0.1 * i as f64) * 1e-3]
}

fn write_series(dir: &std::path::Path, spacing_of_last: f64) -> Vec<PathBuf> {
    B.iter()
        .enumerate()
        .map(|(n, &b)| {
            let data = Array3::from_shape_fn((6, 5, 4), |(i, j, k)| {
                let [s0, f, ds, d] = truth(i, j, k);
                s0 * (f * (-b * ds).exp() + (1.0 - f) * (-b * d).exp())
            });
            let g = geometry(if n == B.len() - 1 { spacing_of_last } else { 1.0 });
            let path = dir.join(format!("b{b}.nii.gz"));
            write_volume(&Volume::new(data, g, PixelType::Float64).unwrap(), &path).unwrap();
            path
        })
        .collect()
}

#[test]
fn a_series_is_fitted_on_its_mask_and_written() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = write_series(tmp.path(), 1.0);
    let series = Series::read(&paths, &B).unwrap();
    let mask_data = Array3::from_shape_fn((6, 5, 4), |(i, _, _)| i > 0);
    let mask = Mask::new(mask_data, geometry(1.0)).unwrap();
    let maps = fit_maps(
        &series,
        Some(&mask),
        MapModel::Ivim { threshold: 200.0, method: IvimMethod::Full },
    )
    .unwrap();
    let out = tmp.path().join("maps");
    assert_eq!((maps.fitted, maps.unfitted), (100, 0));
    let written = write_maps(&out, &maps.maps).unwrap();
    let names: Vec<String> =
        written.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["S0.nii.gz", "f.nii.gz", "Dstar.nii.gz", "D.nii.gz", "rmse.nii.gz"]);
    let read = |n: &str| read_volume(out.join(n)).unwrap();
    let (f, d, ds) = (read("f.nii.gz"), read("D.nii.gz"), read("Dstar.nii.gz"));
    assert_eq!(f.geometry(), series.images[0].geometry());
    for ((i, j, k), &v) in d.data().indexed_iter() {
        if i == 0 {
            assert_eq!(v, 0.0, "outside the mask: 0");
            continue;
        }
        let [_, tf, tds, td] = truth(i, j, k);
        // float32 maps: relative 1e-5.
        assert!(((v - td) / td).abs() < 1e-5, "D at {i},{j},{k}: {v} vs {td}");
        assert!(((f.data()[[i, j, k]] - tf) / tf).abs() < 1e-5);
        assert!(((ds.data()[[i, j, k]] - tds) / tds).abs() < 1e-4);
    }
    let adc = fit_maps(&series, None, MapModel::Adc { nonlinear: false }).unwrap();
    let names: Vec<&str> = adc.maps.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["S0", "ADC", "rmse"]);
    assert!(adc.maps[1].1.data().iter().all(|v| v.is_finite() && *v > 0.0));
}

#[test]
fn a_series_that_does_not_fit_together_is_rejected_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let paths = write_series(tmp.path(), 1.5);
    let err = Series::read(&paths, &B).unwrap_err().to_string();
    assert!(err.contains("b1000.nii.gz") && err.contains("not on the grid of"), "{err}");
    let err = Series::read(&paths[..5], &B).unwrap_err().to_string();
    assert!(err.contains("5 images for 6 acquisition values"), "{err}");
    let series = Series::read(&paths[..5], &B[..5]).unwrap();
    let err =
        fit_maps(&series, None, MapModel::Ivim { threshold: 700.0, method: IvimMethod::Full })
            .unwrap_err()
            .to_string();
    assert!(err.contains("b0.nii.gz") && err.contains("two b-values above"), "{err}");
}
