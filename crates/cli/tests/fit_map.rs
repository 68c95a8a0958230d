//! `radlsig fit-map`: a noiseless IVIM series on disk gives its parameters back; a mask on
//! another grid is an error naming the mask, with nothing written.

use std::path::Path;
use std::process::Command;

use ndarray::Array3;
use radlsig_volume::{Geometry, PixelType, Volume, read_volume, write_volume};

const B: [f64; 6] = [0.0, 20.0, 80.0, 300.0, 600.0, 1000.0];

fn write(path: &Path, data: Array3<f64>, spacing: f64) {
    let g = Geometry::new([3, 4, 5], [spacing, 1.0, 1.0]);
    write_volume(&Volume::new(data, g, PixelType::Float32).unwrap(), path).unwrap();
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
    let b: Vec<String> = B.iter().map(|b| b.to_string()).collect();
    let status = Command::new(env!("CARGO_BIN_EXE_radlsig"))
        .args(["fit-map", "ivim", "--b", &b.join(","), "--mask"])
        .arg(&mask)
        .arg("--out")
        .arg(&out)
        .args(&images)
        .output()
        .unwrap();
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
    let status = Command::new(env!("CARGO_BIN_EXE_radlsig"))
        .args(["fit-map", "adc", "--b", &b.join(","), "--mask"])
        .arg(&mask)
        .arg("--out")
        .arg(&out2)
        .args(&images)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&status.stderr);
    assert!(
        !status.status.success() && err.contains("mask.nii.gz") && err.contains("not on the grid"),
        "{err}"
    );
    assert!(!out2.exists());
}
