//! PyRadiomics' own baselines (`pyradiomics-data/baseline/baseline_<class>.csv`): every column
//! (a case and a settings variant) is run through the real extractor with the settings dict the
//! column records (`diagnostics_Configuration_Settings`, parsed here from its Python literal),
//! and every feature value is compared.
//!
//! One test per variant, so the test output says which variants pass. Tolerance: 1e-6 relative
//! (1e-9 absolute near 0), except where `pyradiomics-data/SOURCE.md` documents values from an
//! older PyRadiomics: the brain1 plain-column mesh features (PyRadiomics 2.0.1b1, off by up to
//! 9e-4), compared at 2e-3.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use radlsig_radiomics::settings::{OrderedMap, RawParams, RawSettings};
use radlsig_radiomics::{ExtractionSettings, Extractor};

const REL: f64 = 1e-6;

/// Mesh features of the brain1 plain column computed by PyRadiomics 2.0.1b1 (SOURCE.md).
const OLD_MESH: &[&str] = &[
    "original_shape_MeshVolume",
    "original_shape_SurfaceArea",
    "original_shape_Sphericity",
    "original_shape_SurfaceVolumeRatio",
];

/// One baseline column of one class file.
struct Column {
    class: String,
    test_case: String,
    settings: serde_json::Value,
    features: Vec<(String, f64)>,
}

fn columns(dir: &Path, variant: &str) -> Vec<(String, Column)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir.join("baseline"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("baseline_"))
        .collect();
    files.sort();
    for file in files {
        let class =
            file.file_stem().unwrap().to_string_lossy().trim_start_matches("baseline_").to_string();
        let rows = common::read_csv(&file);
        let header = &rows[0];
        let row = |name: &str| {
            rows.iter().find(|r| r[0] == name).unwrap_or_else(|| panic!("{name} in {file:?}"))
        };
        for (i, col) in header.iter().enumerate().skip(1) {
            let col_variant = col.split_once('_').map_or("plain", |(_, v)| v);
            if col_variant != variant {
                continue;
            }
            let features = rows
                .iter()
                .skip(1)
                .filter(|r| !r[0].starts_with("diagnostics_"))
                .map(|r| {
                    (
                        r[0].clone(),
                        r[i].parse::<f64>()
                            .unwrap_or_else(|_| panic!("{} {col}: {:?}", r[0], r[i])),
                    )
                })
                .collect();
            out.push((
                col.clone(),
                Column {
                    class: class.clone(),
                    test_case: row("diagnostics_Configuration_TestCase")[i].clone(),
                    settings: common::python_literal(&row("diagnostics_Configuration_Settings")[i]),
                    features,
                },
            ));
        }
    }
    out
}

/// Runs every column of `variant` and asserts all values match; prints a summary.
fn check_variant(variant: &str) {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let cols = columns(&dir, variant);
    assert!(!cols.is_empty(), "no baseline column for variant {variant}");
    // Columns of different classes with the same case and settings run as one extraction.
    let mut groups: BTreeMap<(String, String), Vec<&(String, Column)>> = BTreeMap::new();
    for c in &cols {
        groups.entry((c.1.test_case.clone(), c.1.settings.to_string())).or_default().push(c);
    }
    let mut failures = Vec::new();
    let mut compared = 0;
    for ((test_case, _), group) in &groups {
        let (case, mask_suffix) = match test_case.strip_suffix("_2D") {
            Some(case) => (case, "_label_2D"),
            None => (test_case.as_str(), "_label"),
        };
        let image = dir.join(format!("images/{case}_image.nrrd"));
        let mask = dir.join(format!("images/{case}{mask_suffix}.nrrd"));
        let setting: RawSettings = serde_json::from_value(group[0].1.settings.clone())
            .unwrap_or_else(|e| panic!("{}: settings dict does not parse: {e}", group[0].0));
        let classes = group.iter().map(|(_, c)| (c.class.clone(), None)).collect();
        let raw = RawParams {
            setting: Some(setting),
            feature_class: Some(OrderedMap(classes)),
            ..Default::default()
        };
        let names: Vec<&str> = group.iter().map(|(_, c)| c.class.as_str()).collect();
        let result = ExtractionSettings::try_from(raw)
            .and_then(Extractor::new)
            .and_then(|e| e.extract(&image, &mask));
        let fv = match result {
            Ok(fv) => fv,
            Err(e) => {
                failures
                    .push(format!("{test_case} [{}]: extraction failed: {e}", names.join(", ")));
                continue;
            }
        };
        for (col, c) in group {
            for (name, expected) in &c.features {
                compared += 1;
                let rel =
                    if col == "brain1" && OLD_MESH.contains(&name.as_str()) { 2e-3 } else { REL };
                match fv.get(name) {
                    Some(ours) if common::close(ours, *expected, rel) => {}
                    Some(ours) => failures.push(format!(
                        "{col} {name}: ours {ours:e}, baseline {expected:e} (rel {:.1e})",
                        ((ours - expected) / expected).abs()
                    )),
                    None => failures.push(format!("{col} {name}: not produced")),
                }
            }
        }
    }
    eprintln!(
        "variant {variant}: {} columns, {compared} values compared, {} failures",
        cols.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "variant {variant}: {} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn baseline_plain() {
    check_variant("plain");
}

#[test]
fn baseline_2d() {
    check_variant("2d");
}

#[test]
fn baseline_fixed_bin_number() {
    check_variant("FBN");
}

#[test]
fn baseline_combined_angles() {
    check_variant("combined");
}

#[test]
fn baseline_flat_region() {
    check_variant("flatRegion");
}

#[test]
fn baseline_normalization() {
    check_variant("normalization");
}

#[test]
fn baseline_resampling() {
    check_variant("resampling");
}

#[test]
fn baseline_resegmentation() {
    check_variant("resegmentation");
}

#[test]
fn baseline_shape2d_with_corrected_mask() {
    check_variant("shape2D");
}
