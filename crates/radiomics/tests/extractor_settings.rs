//! Extraction settings that PyRadiomics' own baselines do not cover — preCrop, removeOutliers,
//! the re-segmentation modes and `resegmentShape`, label selection in a multi-label map, linear
//! and nearest-neighbour resampling with a 0 (keep) spacing, texture settings passed through
//! the parameter file — against PyRadiomics 3.1.4 run with the same parameter dicts
//! (`tests/fixtures/extractor_settings.json`, made by `scripts/gen_extractor_settings_fixture.py`).

mod common;

use radlsig_radiomics::settings::RawParams;
use radlsig_radiomics::{ExtractionSettings, Extractor};

#[test]
fn settings_match_pyradiomics() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/extractor_settings.json")).unwrap();
    let mut failures = Vec::new();
    let mut compared = 0;
    for config in fixture["configs"].as_array().unwrap() {
        let name = config["name"].as_str().unwrap();
        let params = serde_json::json!({
            "setting": config["setting"],
            "featureClass": config["featureClass"],
            "imageType": {"Original": {}},
        });
        let raw: RawParams =
            serde_json::from_value(params).unwrap_or_else(|e| panic!("{name}: {e}"));
        let extractor = ExtractionSettings::try_from(raw)
            .and_then(Extractor::new)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let image = dir.join(config["image"].as_str().unwrap());
        let mask = dir.join(config["mask"].as_str().unwrap());
        let fv = match extractor.extract(&image, &mask) {
            Ok(fv) => fv,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let expected = config["features"].as_object().unwrap();
        let produced: Vec<&str> = fv.names().collect();
        let mut expected_names: Vec<&str> = expected.keys().map(String::as_str).collect();
        let mut sorted = produced.clone();
        sorted.sort_unstable();
        expected_names.sort_unstable();
        if sorted != expected_names {
            failures.push(format!("{name}: produced {produced:?}, PyRadiomics {expected_names:?}"));
        }
        for (feature, value) in expected {
            let reference = value.as_f64().unwrap_or(f64::NAN);
            compared += 1;
            match fv.get(feature) {
                Some(ours) if common::close(ours, reference, 1e-6) => {}
                Some(ours) => failures
                    .push(format!("{name} {feature}: ours {ours:e}, PyRadiomics {reference:e}")),
                None => failures.push(format!("{name} {feature}: not produced")),
            }
        }
    }
    eprintln!("{compared} values compared, {} failures", failures.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}
