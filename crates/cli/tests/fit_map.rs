//! `radlsig fit-map`: a noiseless IVIM series on disk gives its parameters back; a mask on
//! another grid is an error naming the mask, with nothing written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ndarray::Array3;
use radlsig_volume::{Geometry, PixelType, Volume, read_volume, write_volume};

const B: [f64; 6] = [0.0, 20.0, 80.0, 300.0, 600.0, 1000.0];

fn write(path: &Path, data: Array3<f64>, spacing: f64) {
    let g = Geometry::new([3, 4, 5], [spacing, 1.0, 1.0]);
    write_volume(&Volume::new(data, g, PixelType::Float32).unwrap(), path).unwrap();
}

/// `radlsig fit-map MODEL --b B --mask MASK --out OUT IMAGES…` with this file's b-values.
fn fit_map(model: &str, mask: &Path, out: &Path, images: &[PathBuf]) -> Output {
    let b: Vec<String> = B.iter().map(|b| b.to_string()).collect();
    Command::new(env!("CARGO_BIN_EXE_radlsig"))
        .args(["fit-map", model, "--b", &b.join(","), "--mask"])
        .arg(mask)
        .arg("--out")
        .arg(out)
        .args(images)
        .output()
        .unwrap()
}

#[test]
fn fit_map_writes_the_ivim_maps_of_a_series() {
    let tmp = tempfile::tempdir().unwrap();
    let (s0, f, ds, d) = (800.0, 0.15, 0.03, 1.2e-3);
    let mut images = Vec::new();
    for &b in &B {
        let path = tmp.path().join(format!("b{b}.nii.gz"));
        let v: f64 = s0 * (f * (-b * ds).exp() + (1.0 - f) * (-b * d).exp());
        write(&path, Array3::from_elem((5, 4, 3), v), 1.0);
        images.push(path);
    }
    let mask = tmp.path().join("mask.nii.gz");
    write(&mask, Array3::from_shape_fn((5, 4, 3), |(z, _, _)| f64::from(u8::from(z > 1))), 1.0);
    let out = tmp.path().join("maps");
    let status = fit_map("ivim", &mask, &out, &images);
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let map = |n: &str| read_volume(out.join(format!("{n}.nii.gz"))).unwrap();
    for (name, want) in [("S0", s0), ("f", f), ("Dstar", ds), ("D", d)] {
        let m = map(name);
        for ((z, _, _), &v) in m.data().indexed_iter() {
            if z > 1 {
                assert!(((v - want) / want).abs() < 1e-4, "{name}: {v} vs {want}");
            } else {
                assert_eq!(v, 0.0, "{name} outside the mask");
            }
        }
    }

    // A mask on another grid: an error naming it, no output folder.
    write(&mask, Array3::from_elem((5, 4, 3), 1.0), 2.0);
    let out2 = tmp.path().join("maps2");
    let status = fit_map("adc", &mask, &out2, &images);
    let err = String::from_utf8_lossy(&status.stderr);
    assert!(
        !status.status.success() && err.contains("mask.nii.gz") && err.contains("not on the grid"),
        "{err}"
    );
    assert!(!out2.exists());
}

/// Delta radiomics on map pairs from the manifest: each case's pre- and post-treatment series
/// fitted by `fit-map`, the D maps named as time points (`Image:D_pre`, `Image:D_post`) and
/// extracted with a fixed bin count (the maps span ~0.001 mm²/s); `delta_D_…_Mean` is the
/// change in D the series were made with.
#[test]
fn maps_of_two_time_points_give_delta_radiomics_from_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let size = (6, 10, 10); // (z, y, x)
    let geometry = Geometry::new([10, 10, 6], [1.0, 1.0, 2.0]);
    let save = |name: &str, data: Array3<f64>| {
        let path = dir.join(name);
        write_volume(&Volume::new(data, geometry, PixelType::Float32).unwrap(), &path).unwrap();
        path
    };
    let mask = save(
        "mask.nii.gz",
        Array3::from_shape_fn(size, |(z, y, x)| {
            f64::from(u8::from((1..5).contains(&z) && (2..8).contains(&y) && (2..8).contains(&x)))
        }),
    );
    let cases = [("a", 1.0e-3, 1.4e-3), ("b", 0.8e-3, 0.9e-3)];
    let mut rows = vec!["ID,label,Image:D_pre,Mask:D_pre,Image:D_post,Mask:D_post".to_string()];
    for (id, pre, post) in cases {
        let mut cells = vec![id.to_string(), "0".into()];
        for (when, d) in [("pre", pre), ("post", post)] {
            // A gentle gradient in D across x, so the map is not constant.
            let images: Vec<_> = B
                .iter()
                .map(|&bv| {
                    save(
                        &format!("{id}_{when}_b{bv}.nii.gz"),
                        Array3::from_shape_fn(size, |(_, _, x)| {
                            let dx = d * (1.0 + 0.01 * x as f64);
                            900.0 * (0.1 * (-bv * 0.03f64).exp() + 0.9 * (-bv * dx).exp())
                        }),
                    )
                })
                .collect();
            let out = dir.join(format!("{id}_{when}_maps"));
            let status = fit_map("ivim", &mask, &out, &images);
            assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
            cells.push(out.join("D.nii.gz").display().to_string());
            cells.push(mask.display().to_string());
        }
        rows.push(cells.join(","));
    }
    let manifest = dir.join("maps.csv");
    std::fs::write(&manifest, rows.join("\n") + "\n").unwrap();
    let params = dir.join("params.yaml");
    std::fs::write(&params, "setting:\n  binCount: 16\nfeatureClass:\n  firstorder:\n  glcm:\n")
        .unwrap();
    let features = dir.join("features.csv");
    let status = Command::new(env!("CARGO_BIN_EXE_radlsig"))
        .args(["extract", "--cohort"])
        .arg(&manifest)
        .arg("--params")
        .arg(&params)
        .arg("--out")
        .arg(&features)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let text = std::fs::read_to_string(&features).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap_or_else(|| panic!("no {n}"));
    let mean = col("delta_D_original_firstorder_Mean");
    assert!(header.iter().any(|h| h.starts_with("delta_D_original_glcm_")));
    for (line, (id, pre, post)) in lines.zip(cases) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells[0], id);
        // The mean of D over x = 2..7 of d·(1 + 0.01 x): d·1.045; float32 maps.
        let want = (post - pre) * 1.045;
        let got: f64 = cells[mean].parse().unwrap();
        assert!((got - want).abs() < 1e-8, "{id}: delta mean D {got} vs {want}");
    }
}
