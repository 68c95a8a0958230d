//! Writing a synthetic cohort: NIfTI files, `truth.csv`, `synth.json` and the manifest.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use radlsig_volume::{write_atomically, write_volume};
use rayon::prelude::*;

use super::plan::CasePlan;
use super::render::{LesionTruth, RenderedCase};
use super::{SynthConfig, TimePoints};
use crate::error::{Error, Result};
use crate::manifest::{Case, ImagePair, Manifest};

/// The columns of `truth.csv` that every cohort has, in order. They are followed by the
/// lesion columns ([`LESION_COLUMNS`]) once per time point, suffixed `_pre`/`_post` when there
/// are two.
pub const TRUTH_COLUMNS: &[&str] = &[
    "ID",
    "label",
    "split",
    "center",
    "latent_total",
    "latent_imaging",
    "latent_global",
    "latent_spatial",
    "latent_delta",
    "noise",
    "z_global",
    "z_spatial",
    "z_delta",
    "z_noise",
    "age",
    "sex",
    "gain",
    "offset",
    "noise_sd",
    "blur_mm",
    "spacing_x",
    "spacing_y",
    "spacing_z",
    "fit_scale",
    "axis_1",
    "axis_2",
    "axis_3",
    "irregularity",
    "lobe_scale",
    "texture_sd",
    "texture_sigma_mm",
    "eccentricity",
    "enhancing_jitter",
    "response",
    "post_radius_scale",
    "post_enhancing_shift",
    "post_texture_scale",
];

/// The per-time-point lesion columns of `truth.csv` (see [`LesionTruth`]).
pub const LESION_COLUMNS: &[&str] = &[
    "radius_mm",
    "volume_mm3",
    "core_scale",
    "shell_scale",
    "core_shift_mm",
    "core_max_shift_mm",
    "core_angle_deg",
    "rim_thin_mm",
    "rim_thick_mm",
    "mask_voxels",
    "enhancing_voxels",
    "transition_voxels",
    "necrotic_voxels",
];

fn f(v: f64) -> String {
    format!("{v:.6}")
}

fn truth_row(config: &SynthConfig, case: &CasePlan, rendered: &RenderedCase) -> Vec<String> {
    let scanner = &config.scanners()[case.centre];
    let l = &case.latent;
    let mut row = vec![
        case.id.clone(),
        l.label.to_string(),
        case.split.clone(),
        scanner.name.clone(),
        f(l.total()),
        f(l.imaging()),
        f(l.global),
        f(l.spatial),
        f(l.delta),
        f(l.noise),
        f(l.z[0]),
        f(l.z[1]),
        f(l.z[2]),
        f(l.z[3]),
        case.age.to_string(),
        case.sex.to_string(),
        f(scanner.gain),
        f(scanner.offset),
        f(scanner.noise_sd),
        f(scanner.blur_mm),
        f(scanner.spacing[0]),
        f(scanner.spacing[1]),
        f(scanner.spacing[2]),
        f(case.fit_scale),
        f(case.axis_factors[0]),
        f(case.axis_factors[1]),
        f(case.axis_factors[2]),
        f(case.irregularity),
        f(case.lobe_scale),
        f(case.texture_sd),
        f(case.texture_sigma),
        f(case.eccentricity),
        f(case.enhancing_jitter),
        f(case.response),
        f(case.post_radius_scale),
        f(case.post_enhancing_shift),
        f(case.post_texture_scale),
    ];
    for tp in &rendered.time_points {
        let t: &LesionTruth = &tp.lesion;
        row.extend([
            f(t.radius),
            f(t.volume),
            f(t.core_scale),
            f(t.shell_scale),
            f(t.core_shift),
            f(t.core_max_shift),
            f(t.core_angle_deg),
            f(t.rim_thin),
            f(t.rim_thick),
            t.mask_voxels.to_string(),
            t.habitat_voxels[0].to_string(),
            t.habitat_voxels[1].to_string(),
            t.habitat_voxels[2].to_string(),
        ]);
    }
    row
}

/// The full header of `truth.csv` for a configuration.
pub fn truth_columns(time_points: TimePoints) -> Vec<String> {
    let mut columns: Vec<String> = TRUTH_COLUMNS.iter().map(|c| c.to_string()).collect();
    for tp in time_points.names() {
        for c in LESION_COLUMNS {
            columns.push(if tp.is_empty() { c.to_string() } else { format!("{c}_{tp}") });
        }
    }
    columns
}

/// `a_b` of the non-empty parts.
fn joined(parts: &[&str]) -> String {
    parts.iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>().join("_")
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), error: source }
}

/// Generates the cohort described by `config` into the folder `out` and returns its manifest.
///
/// Layout (paths in the manifest are relative to `out`):
///
/// - `images/<ID>[_<sequence>][_<time point>].nii.gz` — Int16 images;
/// - `masks/<ID>[_<time point>].nii.gz` — UInt8 lesion masks, label 1 (shared by the
///   sequences of a time point);
/// - `habitats/<ID>[_<time point>].nii.gz` — UInt8 habitat maps (1 enhancing, 2 transition,
///   3 necrotic, 0 outside the mask), when [`SynthConfig::habitats`] is set;
/// - `truth.csv` — the planted ground truth per case ([`TRUTH_COLUMNS`], then
///   `LESION_COLUMNS` per time point);
/// - `synth.json` — the resolved configuration, label model and scanners;
/// - `manifest.csv` — `ID, label, split, center, age, sex`, then the image/mask pairs
///   (`Image`/`Mask`, or `Image:<name>` with name `T1`/`ADC`, `pre`/`post`, or `T1_pre`, …),
///   written last, so a folder with a manifest is complete.
///
/// `out` must be empty or absent unless `overwrite` is set. Every file is written atomically;
/// cases are rendered in parallel on the current rayon pool, and `progress` is called once
/// per finished case.
pub fn generate(
    config: &SynthConfig,
    out: &Path,
    overwrite: bool,
    progress: &(dyn Fn() + Sync),
) -> Result<Manifest> {
    let plan = config.plan()?;
    if out.exists() {
        let mut entries = std::fs::read_dir(out).map_err(io(out))?;
        if !overwrite && entries.next().is_some() {
            return Err(Error::OutputNotEmpty { path: out.to_path_buf() });
        }
    }
    let mut folders = vec!["images", "masks"];
    if config.habitats {
        folders.push("habitats");
    }
    for folder in &folders {
        let dir = out.join(folder);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    }
    let sequences = config.sequences.names();
    let time_points = config.time_points.names();
    let mut manifest_sequences = Vec::new();
    for tp in time_points {
        for seq in sequences {
            manifest_sequences.push(joined(&[seq, tp]));
        }
    }

    let results: Vec<(Case, Vec<String>)> = (0..plan.cases.len())
        .into_par_iter()
        .map(|i| -> Result<(Case, Vec<String>)> {
            let case = &plan.cases[i];
            let rendered = plan.render(i)?;
            let mut images = BTreeMap::new();
            for tp in &rendered.time_points {
                let mask_path =
                    out.join("masks").join(format!("{}.nii.gz", joined(&[&case.id, &tp.name])));
                write_volume(&tp.mask, &mask_path)?;
                if config.habitats {
                    let path = out
                        .join("habitats")
                        .join(format!("{}.nii.gz", joined(&[&case.id, &tp.name])));
                    write_volume(&tp.habitats, &path)?;
                }
                for (seq, volume) in &tp.images {
                    let path: PathBuf = out
                        .join("images")
                        .join(format!("{}.nii.gz", joined(&[&case.id, seq, &tp.name])));
                    write_volume(volume, &path)?;
                    images.insert(
                        joined(&[seq, &tp.name]),
                        ImagePair { image: path, mask: mask_path.clone() },
                    );
                }
            }
            let manifest_case = Case {
                row: i + 1,
                id: case.id.clone(),
                label: Some(case.latent.label),
                split: Some(case.split.clone()),
                center: Some(config.scanners()[case.centre].name.clone()),
                clinical: BTreeMap::from([
                    ("age".to_string(), case.age.to_string()),
                    ("sex".to_string(), case.sex.to_string()),
                ]),
                images,
            };
            let row = truth_row(config, case, &rendered);
            progress();
            Ok((manifest_case, row))
        })
        .collect::<Result<Vec<_>>>()?;

    let (cases, rows): (Vec<Case>, Vec<Vec<String>>) = results.into_iter().unzip();
    let truth = out.join("truth.csv");
    let csv_error = |e: csv::Error| Error::Csv { path: truth.clone(), reason: e.to_string() };
    write_atomically(&truth, |tmp| -> Result<()> {
        let mut w = csv::Writer::from_path(tmp).map_err(csv_error)?;
        w.write_record(truth_columns(config.time_points)).map_err(csv_error)?;
        for r in &rows {
            w.write_record(r).map_err(csv_error)?;
        }
        w.flush().map_err(io(&truth))
    })?;

    let json_path = out.join("synth.json");
    let description = serde_json::json!({
        "generator": format!("radlsig-cohort {} synth", env!("CARGO_PKG_VERSION")),
        "config": config,
        "latent_model": plan.model,
        "scanners": config.scanners(),
    });
    let text = serde_json::to_string_pretty(&description)
        .map_err(|e| Error::Io { path: json_path.clone(), error: std::io::Error::other(e) })?;
    write_atomically(&json_path, |tmp| {
        std::fs::write(tmp, text.as_bytes()).map_err(io(&json_path))
    })?;

    let manifest_path = out.join("manifest.csv");
    let manifest = Manifest {
        path: manifest_path.clone(),
        cases,
        sequences: manifest_sequences,
        clinical_columns: vec!["age".into(), "sex".into()],
    };
    manifest.write(&manifest_path)?;
    Ok(manifest)
}
