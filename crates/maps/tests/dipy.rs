//! The full IVIM fit against DIPY's `IvimModel` (`fit_method = "trr"`, two-stage) on the seeded
//! voxels of `fixtures/ivim_dipy.json` (made by `scripts/make-ivim-fixture.py`). Both minimise
//! the same sum of squares; the voxels where DIPY's bounded fit failed and it fell back to its
//! linear estimate are left out.

use radlsig_maps::{IvimProtocol, ivim_full};

#[test]
fn the_full_ivim_fit_matches_dipy() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/ivim_dipy.json"
    ))
    .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let b: Vec<f64> =
        json["b_values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    let p = IvimProtocol::new(&b, json["split_b_d"].as_f64().unwrap(), "fixture").unwrap();
    let floats = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
    };
    let (mut compared, mut agree, mut worst) = (0, 0, [0.0f64; 4]);
    let sse = |s: &[f64], t: [f64; 4]| -> f64 {
        b.iter()
            .zip(s)
            .map(|(&b, &s)| {
                let m = t[0] * (t[1] * (-b * t[2]).exp() + (1.0 - t[1]) * (-b * t[3]).exp());
                (s - m).powi(2)
            })
            .sum()
    };
    let mut lower_sse = 0;
    for v in json["voxels"].as_array().unwrap() {
        if !v["dipy_full_fit"].as_bool().unwrap() {
            continue;
        }
        let s = floats(&v["signal"]);
        let d = floats(&v["dipy"]);
        let ours = ivim_full(&p, &s).unwrap();
        let got = [ours.s0, ours.f, ours.d_star, ours.d];
        compared += 1;
        let rel: Vec<f64> = (0..4).map(|k| ((got[k] - d[k]) / d[k]).abs()).collect();
        for k in 0..4 {
            worst[k] = worst[k].max(rel[k]);
        }
        if rel.iter().all(|&r| r < 1e-4) {
            agree += 1;
        } else {
            let (a, bb) = (sse(&s, got), sse(&s, [d[0], d[1], d[2], d[3]]));
            eprintln!("voxel {compared}: ours {got:?} (SSE {a}) vs DIPY {d:?} (SSE {bb})");
            if a <= bb * (1.0 + 1e-9) {
                lower_sse += 1;
            }
        }
    }
    eprintln!(
        "{agree} of {compared} voxels within 1e-4 of DIPY; worst relative {worst:?}; {lower_sse} others with a lower SSE than DIPY's"
    );
    assert!(compared >= 100);
    assert_eq!(agree + lower_sse, compared, "a voxel where DIPY found a better minimum");
}
