//! The IBSI 1 digital phantom (`ibsi/digital_phantom`): first-order statistics (`stat_*`) and
//! the intensity-histogram features PyRadiomics has (`ih_*`, with bin width 1, which on this
//! phantom maps every grey level to itself) against the IBSI reference values.
//!
//! The reference table gives 3 significant digits and mostly tolerance 0, meaning "equal once
//! rounded to 3 significant digits"; a positive tolerance is an absolute bound.

mod common;

use radlsig_radiomics::{ExtractionSettings, Extractor};
use radlsig_volume::{Binning, Mask, discretise, read_volume};

/// IBSI tag → (PyRadiomics firstorder feature, value to subtract to get IBSI's definition).
const MAPPING: &[(&str, &str, f64)] = &[
    ("stat_mean", "Mean", 0.0),
    ("stat_var", "Variance", 0.0),
    ("stat_skew", "Skewness", 0.0),
    // PyRadiomics' Kurtosis is not excess kurtosis.
    ("stat_kurt", "Kurtosis", 3.0),
    ("stat_median", "Median", 0.0),
    ("stat_min", "Minimum", 0.0),
    ("stat_p10", "10Percentile", 0.0),
    ("stat_p90", "90Percentile", 0.0),
    ("stat_max", "Maximum", 0.0),
    ("stat_iqr", "InterquartileRange", 0.0),
    ("stat_range", "Range", 0.0),
    ("stat_mad", "MeanAbsoluteDeviation", 0.0),
    ("stat_rmad", "RobustMeanAbsoluteDeviation", 0.0),
    ("stat_energy", "Energy", 0.0),
    ("stat_rms", "RootMeanSquared", 0.0),
    // Bin width 1 leaves the phantom's grey levels unchanged (checked below), so the
    // discretised-intensity statistics are the same functions.
    ("ih_mean", "Mean", 0.0),
    ("ih_var", "Variance", 0.0),
    ("ih_skew", "Skewness", 0.0),
    ("ih_kurt", "Kurtosis", 3.0),
    ("ih_median", "Median", 0.0),
    ("ih_min", "Minimum", 0.0),
    ("ih_p10", "10Percentile", 0.0),
    ("ih_p90", "90Percentile", 0.0),
    ("ih_max", "Maximum", 0.0),
    ("ih_iqr", "InterquartileRange", 0.0),
    ("ih_range", "Range", 0.0),
    ("ih_mad", "MeanAbsoluteDeviation", 0.0),
    ("ih_rmad", "RobustMeanAbsoluteDeviation", 0.0),
    ("ih_entropy", "Entropy", 0.0),
    ("ih_uniformity", "Uniformity", 0.0),
];

/// IBSI statistics PyRadiomics does not compute (listed in crates/radiomics/README.md).
const NOT_IN_PYRADIOMICS: &[&str] = &[
    "stat_medad",
    "stat_cov",
    "stat_qcod",
    "ih_mode",
    "ih_medad",
    "ih_cov",
    "ih_qcod",
    "ih_max_grad",
    "ih_max_grad_g",
    "ih_min_grad",
    "ih_min_grad_g",
];

/// `x` rounded to 3 significant digits.
fn three_digits(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(2 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

#[test]
fn firstorder_matches_ibsi_digital_phantom() {
    let Some(dir) = radlsig_testdata::require("ibsi/digital_phantom") else { return };
    let (image, mask) = (dir.join("phantom.nii.gz"), dir.join("mask.nii.gz"));

    // Bin width 1 maps the phantom's grey levels 1, 3, 4, 6 to bins 1, 3, 4, 6.
    let img = read_volume(&image).unwrap();
    let roi = Mask::from_labels(&read_volume(&mask).unwrap(), 1, "mask").unwrap();
    let values = roi.values(&img).unwrap();
    assert_eq!(values.len(), 74);
    let (bins, _) = discretise(&values, Binning::Width(1.0)).unwrap();
    assert!(values.iter().zip(&bins).all(|(v, b)| *v == *b as f64));

    let settings = ExtractionSettings::from_yaml_str(
        "setting:\n  binWidth: 1\nfeatureClass:\n  firstorder:\n",
        "ibsi phantom settings",
    )
    .unwrap();
    let fv = Extractor::new(settings).unwrap().extract(&image, &mask).unwrap();

    let rows = common::read_csv(&dir.join("ibsi_1_reference_values_digital_phantom.csv"));
    let col = |name: &str| rows[0].iter().position(|c| c == name).unwrap();
    let (tag_col, value_col, tol_col) = (col("tag"), col("reference value"), col("tolerance"));
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in &rows[1..] {
        let tag = row[tag_col].as_str();
        if !(tag.starts_with("stat_") || tag.starts_with("ih_")) {
            continue;
        }
        let Some((_, feature, offset)) = MAPPING.iter().find(|(t, _, _)| *t == tag) else {
            assert!(
                NOT_IN_PYRADIOMICS.contains(&tag),
                "IBSI tag {tag} is neither mapped nor listed as missing"
            );
            continue;
        };
        let reference: f64 = row[value_col].parse().unwrap();
        let tolerance: f64 = row[tol_col].parse().unwrap();
        let ours = fv.get(&format!("original_firstorder_{feature}")).unwrap() - offset;
        let ok = if tolerance > 0.0 {
            (ours - reference).abs() <= tolerance
        } else {
            (three_digits(ours) - reference).abs() <= 1e-9 * reference.abs().max(1.0)
        };
        checked += 1;
        if !ok {
            failures
                .push(format!("{tag} ({feature}): ours {ours}, IBSI {reference} ± {tolerance}"));
        }
    }
    assert_eq!(checked, MAPPING.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rounding_helper() {
    assert_eq!(three_digits(1.10594), 1.11);
    assert_eq!(three_digits(-0.35524), -0.355);
    assert_eq!(three_digits(567.0), 567.0);
    assert_eq!(three_digits(0.51168), 0.512);
}
