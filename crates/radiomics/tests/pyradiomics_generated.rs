//! Every feature of `pyradiomics-data/generated/pyrad314_default_original.csv` (PyRadiomics
//! 3.1.4 with default settings, every case) through the real extractor, and the registry check:
//! every column there is produced, and every produced name is a column, in the same order.

mod common;

use std::path::{Path, PathBuf};

use radlsig_radiomics::settings::{FeatureClass, RawParams};
use radlsig_radiomics::{ExtractionSettings, Extractor};

/// Relative tolerance against PyRadiomics (absolute 1e-9 near 0).
const REL: f64 = 1e-6;

struct Reference {
    columns: Vec<String>,
    rows: Vec<(String, Vec<f64>)>,
}

fn reference(dir: &Path) -> Reference {
    let rows = common::read_csv(&dir.join("generated/pyrad314_default_original.csv"));
    let columns: Vec<String> = rows[0][1..].to_vec();
    let rows = rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1..].iter().map(|v| v.parse::<f64>().unwrap()).collect()))
        .collect();
    Reference { columns, rows }
}

fn case_files(dir: &Path, case: &str) -> (PathBuf, PathBuf) {
    (dir.join(format!("images/{case}_image.nrrd")), dir.join(format!("images/{case}_label.nrrd")))
}

/// Compares the named columns of every case; returns the mismatches.
fn compare(dir: &Path, extractor: &Extractor, wanted: impl Fn(&str) -> bool) -> Vec<String> {
    let r = reference(dir);
    let mut failures = Vec::new();
    let mut worst: Vec<(String, f64)> = Vec::new();
    for (case, values) in &r.rows {
        let (image, mask) = case_files(dir, case);
        let fv = extractor.extract(&image, &mask).unwrap_or_else(|e| panic!("{case}: {e}"));
        for (column, &expected) in r.columns.iter().zip(values) {
            if !wanted(column) {
                continue;
            }
            if let Some(ours) = fv.get(column) {
                let class = column.split('_').nth(1).unwrap_or("").to_string();
                let rel = if ours == expected { 0.0 } else { ((ours - expected) / expected).abs() };
                match worst.iter_mut().find(|(c, _)| *c == class) {
                    Some((_, w)) => *w = w.max(rel),
                    None => worst.push((class, rel)),
                }
            }
            match fv.get(column) {
                Some(ours) if common::close(ours, expected, REL) => {}
                Some(ours) => failures.push(format!(
                    "{case} {column}: ours {ours:e}, PyRadiomics {expected:e} (rel {:.1e})",
                    ((ours - expected) / expected).abs()
                )),
                None => failures.push(format!("{case} {column}: not produced")),
            }
        }
    }
    eprintln!("largest relative difference per class: {worst:?}");
    failures
}

#[test]
fn firstorder_matches_pyradiomics_defaults() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let settings =
        ExtractionSettings::from_yaml_str("featureClass:\n  firstorder:\n", "test").unwrap();
    let extractor = Extractor::new(settings).unwrap();
    let failures = compare(&dir, &extractor, |c| c.starts_with("original_firstorder_"));
    assert!(
        failures.is_empty(),
        "{} firstorder mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_feature_matches_pyradiomics_defaults() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let extractor = Extractor::new(ExtractionSettings::default())
        .unwrap_or_else(|e| panic!("the default extractor cannot be built: {e}"));
    let failures = compare(&dir, &extractor, |_| true);
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn registry_matches_the_reference_columns() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data") else { return };
    let r = reference(&dir);
    // The names the default settings select, without computing anything.
    let settings = ExtractionSettings::default();
    let mut produced: Vec<String> = Vec::new();
    let shape_first = settings.feature_classes().iter().filter(|(c, _)| c.is_shape());
    let others = settings.feature_classes().iter().filter(|(c, _)| !c.is_shape());
    for (class, selection) in shape_first.chain(others) {
        for name in selection.names(*class) {
            produced.push(format!("original_{}_{}", class.name(), name));
        }
    }
    let missing: Vec<&String> = r.columns.iter().filter(|c| !produced.contains(c)).collect();
    let extra: Vec<&String> = produced.iter().filter(|c| !r.columns.contains(c)).collect();
    assert!(
        missing.is_empty(),
        "features with a PyRadiomics value but no implementation: {missing:?}"
    );
    assert!(extra.is_empty(), "features without a PyRadiomics value: {extra:?}");
    assert_eq!(produced, r.columns, "same features, different order");
    // And the extractor's output names are exactly these, in this order.
    let (image, mask) = case_files(&dir, "breast1");
    let fv = Extractor::new(settings)
        .and_then(|e| e.extract(&image, &mask))
        .unwrap_or_else(|e| panic!("breast1: {e}"));
    assert_eq!(fv.names().collect::<Vec<_>>(), r.columns);
}

#[test]
fn parameter_files_parse() {
    let Some(dir) = radlsig_testdata::require("pyradiomics-data/params") else { return };
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name == "paramSchema.yaml" {
            // The schema itself is not a parameter file: its keys must be refused.
            assert!(ExtractionSettings::from_yaml_file(&path).is_err());
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let raw = RawParams::from_yaml_str(&text, &name).unwrap_or_else(|e| panic!("{e}"));
        let settings = ExtractionSettings::try_from(raw).unwrap_or_else(|e| panic!("{name}: {e}"));
        // Params.yaml: GLCM without SumAverage, file order, binWidth 25.
        if name == "Params.yaml" {
            let classes: Vec<FeatureClass> =
                settings.feature_classes().iter().map(|(c, _)| *c).collect();
            assert_eq!(
                classes,
                [
                    FeatureClass::Shape,
                    FeatureClass::FirstOrder,
                    FeatureClass::Glcm,
                    FeatureClass::Glrlm,
                    FeatureClass::Glszm,
                    FeatureClass::Gldm
                ]
            );
            let glcm = settings.feature_classes()[2].1.names(FeatureClass::Glcm);
            assert_eq!(glcm.len(), 22);
            assert!(!glcm.contains(&"SumAverage"));
            assert!(Extractor::new(settings).is_ok());
        } else {
            // Filters (LoG, Wavelet, …) are supported; voxel-based extraction is refused up front.
            let voxel = settings.voxel().is_some();
            assert_eq!(Extractor::new(settings).is_err(), voxel, "{name}");
        }
    }
}
