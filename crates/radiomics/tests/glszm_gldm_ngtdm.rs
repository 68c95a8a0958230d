//! Reference tests of the GLSZM, GLDM and NGTDM families against PyRadiomics 3.1.4 (generated
//! values, upstream baselines and matrices, a fixture of small synthetic ROIs) and the IBSI
//! digital phantom, plus naive builders checking the fast ones on random ROIs.

#[path = "common/reference_data.rs"]
mod reference_data;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ndarray::{Array2, Array3};
use radlsig_radiomics::texture::angles;
use radlsig_radiomics::{DiscretisedImage, TextureSettings, gldm, glszm, ngtdm};
use radlsig_volume::{
    Binning, GeometryTolerance, Mask, ResegmentMode, Volume, normalize, read_image_and_mask,
    resegment,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reference_data::{
    BaselineTable, Mismatches, Npy, WideTable, python_dict_value, python_number_list,
};

const CASES: [&str; 5] = ["brain1", "brain2", "breast1", "lung1", "lung2"];
const REL: f64 = 1e-6;
const ABS: f64 = 1e-9;

type FamilyFn =
    fn(&DiscretisedImage, &TextureSettings) -> radlsig_radiomics::Result<Vec<(&'static str, f64)>>;
type Family = (&'static str, FamilyFn, &'static [(&'static str, bool)]);
const FAMILIES: [Family; 3] = [
    ("glszm", glszm::features, glszm::FEATURES),
    ("gldm", gldm::features, gldm::FEATURES),
    ("ngtdm", ngtdm::features, ngtdm::FEATURES),
];

/// The five PyRadiomics test cases, read once per test binary.
fn cases() -> Option<&'static [(String, Volume, Mask)]> {
    static CELL: OnceLock<Option<Vec<(String, Volume, Mask)>>> = OnceLock::new();
    CELL.get_or_init(|| {
        let dir = radlsig_testdata::require("pyradiomics-data/images")?;
        Some(
            CASES
                .iter()
                .map(|c| {
                    let (img, mask) = read_image_and_mask(
                        &dir.join(format!("{c}_image.nrrd")),
                        &dir.join(format!("{c}_label.nrrd")),
                        1,
                        GeometryTolerance::default(),
                    )
                    .unwrap();
                    (c.to_string(), img, mask)
                })
                .collect(),
        )
    })
    .as_deref()
}

fn family_values(image: &DiscretisedImage, settings: &TextureSettings) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for (family, f, _) in FAMILIES {
        for (name, v) in f(image, settings).unwrap() {
            out.push((format!("original_{family}_{name}"), v));
        }
    }
    out
}

/// Check 1: `generated/pyrad314_default_original.csv`: PyRadiomics 3.1.4 defaults, all five cases.
#[test]
fn glszm_gldm_ngtdm_default_extraction_matches_pyradiomics_314() {
    let (Some(cases), Some(csv)) = (
        cases(),
        radlsig_testdata::require("pyradiomics-data/generated/pyrad314_default_original.csv"),
    ) else {
        return;
    };
    let table = WideTable::read(&csv);
    // The CSV's columns of these families are exactly our FEATURES.
    for (family, _, features) in FAMILIES {
        let prefix = format!("original_{family}_");
        let mut theirs: Vec<&str> =
            table.header.iter().filter_map(|h| h.strip_prefix(prefix.as_str())).collect();
        theirs.sort_unstable();
        let ours: Vec<&str> = features.iter().filter(|(_, dep)| !dep).map(|(n, _)| *n).collect();
        assert_eq!(theirs, ours, "{family} feature names");
    }
    let mut m = Mismatches::default();
    for (case, img, mask) in cases {
        let row = table.row("case", case).unwrap();
        let d = DiscretisedImage::new(img, mask, Binning::Width(25.0), 5).unwrap();
        for (name, got) in family_values(&d, &TextureSettings::default()) {
            let want: f64 = row[name.as_str()].parse().unwrap();
            m.check(&format!("{case} {name}"), got, want, REL, ABS);
        }
    }
    assert_eq!(m.checked, 5 * 35);
    m.assert_none("pyrad314_default_original.csv");
}

/// The settings of one baseline column, from its `diagnostics_Configuration_Settings` dict.
struct ColumnSettings {
    binning: Binning,
    pad: usize,
    texture: TextureSettings,
    normalize: Option<(f64, Option<f64>)>,
    resegment: Option<(Vec<f64>, ResegmentMode)>,
}

fn column_settings(dict: &str) -> Option<ColumnSettings> {
    let get = |k: &str| python_dict_value(dict, k).filter(|v| *v != "None");
    if get("resampledPixelSpacing").is_some() {
        return None; // resampling: the extractor's test
    }
    assert_eq!(get("label").unwrap_or("1"), "1");
    let binning = match get("binCount") {
        Some(n) => Binning::Count(n.parse().unwrap()),
        None => Binning::Width(get("binWidth").unwrap_or("25").parse().unwrap()),
    };
    let force_2d = get("force2D") == Some("True");
    let texture = TextureSettings {
        distances: get("distances")
            .map(|d| python_number_list(d).iter().map(|&v| v as u32).collect())
            .unwrap_or(vec![1]),
        gldm_a: get("gldm_a").unwrap_or("0").parse().unwrap(),
        force_2d_dimension: force_2d
            .then(|| get("force2Ddimension").unwrap_or("0").parse().unwrap()),
        ..TextureSettings::default()
    };
    let normalize = (get("normalize") == Some("True")).then(|| {
        (
            get("normalizeScale").unwrap_or("1").parse().unwrap(),
            get("removeOutliers").map(|v| v.parse().unwrap()),
        )
    });
    let resegment = get("resegmentRange").map(|r| {
        let mode = match get("resegmentMode").unwrap_or("'absolute'") {
            "'absolute'" => ResegmentMode::Absolute,
            "'relative'" => ResegmentMode::Relative,
            "'sigma'" => ResegmentMode::Sigma,
            m => panic!("resegmentMode {m}"),
        };
        (python_number_list(r), mode)
    });
    Some(ColumnSettings {
        binning,
        pad: get("padDistance").unwrap_or("5").parse().unwrap(),
        texture,
        normalize,
        resegment,
    })
}

/// Check 2: `baseline/baseline_{glszm,gldm,ngtdm}.csv`: every configuration without resampling
/// (plain, 2d, FBN, flatRegion, normalization, resegmentation), each with its own settings.
#[test]
fn glszm_gldm_ngtdm_baseline_configurations_match() {
    let (Some(cases), Some(dir)) =
        (cases(), radlsig_testdata::require("pyradiomics-data/baseline"))
    else {
        return;
    };
    let mut m = Mismatches::default();
    let mut variants_seen = std::collections::BTreeSet::new();
    for (family, f, features) in FAMILIES {
        let table = BaselineTable::read(&dir.join(format!("baseline_{family}.csv")));
        let rows = table.rows_with_prefix(&format!("original_{family}_"));
        assert_eq!(rows.len(), features.len(), "{family}: baseline rows vs FEATURES");
        for (c, config) in table.configurations.iter().enumerate() {
            let dict = table.get("diagnostics_Configuration_Settings", c).unwrap();
            let Some(s) = column_settings(dict) else { continue };
            let case = table.get("diagnostics_Configuration_TestCase", c).unwrap();
            let (_, img, mask) = cases.iter().find(|(n, _, _)| n == case).unwrap();
            let img = match s.normalize {
                Some((scale, outliers)) => normalize(img, scale, outliers).unwrap(),
                None => img.clone(),
            };
            let mask = match &s.resegment {
                Some((range, mode)) => resegment(&img, mask, range, *mode, case).unwrap(),
                None => mask.clone(),
            };
            let d = DiscretisedImage::new(&img, &mask, s.binning, s.pad).unwrap();
            variants_seen.insert(config.strip_prefix(case).unwrap_or("").to_string());
            for (name, got) in f(&d, &s.texture).unwrap() {
                let row = format!("original_{family}_{name}");
                let want: f64 = table.get(&row, c).unwrap().parse().unwrap();
                m.check(&format!("{config} {row}"), got, want, REL, ABS);
            }
        }
    }
    let expected: Vec<&str> =
        vec!["", "_2d", "_FBN", "_flatRegion", "_normalization", "_resegmentation"];
    assert_eq!(variants_seen.iter().map(|s| s.as_str()).collect::<Vec<_>>(), expected);
    m.assert_none("baseline_{glszm,gldm,ngtdm}.csv");
}

fn npy_matrix(path: &Path) -> Array2<f64> {
    let npy = Npy::read(path);
    assert_eq!(npy.shape.len(), 2, "{}", path.display());
    Array2::from_shape_vec((npy.shape[0], npy.shape[1]), npy.data).unwrap()
}

/// Check 3: `baseline/<case>_{glszm,gldm,ngtdm}.npy`: the matrices, exactly.
#[test]
fn glszm_gldm_ngtdm_baseline_matrices_are_identical() {
    let (Some(cases), Some(dir)) =
        (cases(), radlsig_testdata::require("pyradiomics-data/baseline"))
    else {
        return;
    };
    let settings = TextureSettings::default();
    for (case, img, mask) in cases {
        let d = DiscretisedImage::new(img, mask, Binning::Width(25.0), 5).unwrap();
        let szm = glszm::Glszm::new(&d, &settings).unwrap();
        assert_eq!(
            szm.matrix(),
            &npy_matrix(&dir.join(format!("{case}_glszm.npy"))),
            "{case} glszm"
        );
        let dm = gldm::Gldm::new(&d, &settings).unwrap();
        assert_eq!(dm.matrix(), &npy_matrix(&dir.join(format!("{case}_gldm.npy"))), "{case} gldm");
        let tdm = ngtdm::Ngtdm::new(&d, &settings).unwrap();
        assert_eq!(
            tdm.matrix(),
            npy_matrix(&dir.join(format!("{case}_ngtdm.npy"))),
            "{case} ngtdm"
        );
    }
}

/// PyRadiomics feature name → IBSI digital-phantom tag stem (the tag without `_3D`/`_2_5D`).
const IBSI_TAGS: &[(&str, &str, &str)] = &[
    ("glszm", "GrayLevelNonUniformity", "szm_glnu"),
    ("glszm", "GrayLevelNonUniformityNormalized", "szm_glnu_norm"),
    ("glszm", "GrayLevelVariance", "szm_gl_var"),
    ("glszm", "HighGrayLevelZoneEmphasis", "szm_hgze"),
    ("glszm", "LargeAreaEmphasis", "szm_lze"),
    ("glszm", "LargeAreaHighGrayLevelEmphasis", "szm_lzhge"),
    ("glszm", "LargeAreaLowGrayLevelEmphasis", "szm_lzlge"),
    ("glszm", "LowGrayLevelZoneEmphasis", "szm_lgze"),
    ("glszm", "SizeZoneNonUniformity", "szm_zsnu"),
    ("glszm", "SizeZoneNonUniformityNormalized", "szm_zsnu_norm"),
    ("glszm", "SmallAreaEmphasis", "szm_sze"),
    ("glszm", "SmallAreaHighGrayLevelEmphasis", "szm_szhge"),
    ("glszm", "SmallAreaLowGrayLevelEmphasis", "szm_szlge"),
    ("glszm", "ZoneEntropy", "szm_zs_entr"),
    ("glszm", "ZonePercentage", "szm_z_perc"),
    ("glszm", "ZoneVariance", "szm_zs_var"),
    ("gldm", "DependenceEntropy", "ngl_dc_entr"),
    ("gldm", "DependenceNonUniformity", "ngl_dcnu"),
    ("gldm", "DependenceNonUniformityNormalized", "ngl_dcnu_norm"),
    ("gldm", "DependenceVariance", "ngl_dc_var"),
    ("gldm", "GrayLevelNonUniformity", "ngl_glnu"),
    ("gldm", "GrayLevelVariance", "ngl_gl_var"),
    ("gldm", "HighGrayLevelEmphasis", "ngl_hgce"),
    ("gldm", "LargeDependenceEmphasis", "ngl_hde"),
    ("gldm", "LargeDependenceHighGrayLevelEmphasis", "ngl_hdhge"),
    ("gldm", "LargeDependenceLowGrayLevelEmphasis", "ngl_hdlge"),
    ("gldm", "LowGrayLevelEmphasis", "ngl_lgce"),
    ("gldm", "SmallDependenceEmphasis", "ngl_lde"),
    ("gldm", "SmallDependenceHighGrayLevelEmphasis", "ngl_ldhge"),
    ("gldm", "SmallDependenceLowGrayLevelEmphasis", "ngl_ldlge"),
    ("ngtdm", "Busyness", "ngt_busyness"),
    ("ngtdm", "Coarseness", "ngt_coarseness"),
    ("ngtdm", "Complexity", "ngt_complexity"),
    ("ngtdm", "Contrast", "ngt_contrast"),
    ("ngtdm", "Strength", "ngt_strength"),
];

/// Within IBSI's tolerance: the stated one, plus half a unit in the third significant digit
/// (the reference values are given to 3 significant digits; a tolerance of 0 means "matches
/// once rounded").
fn within_ibsi(got: f64, reference: f64, tolerance: f64) -> bool {
    let half_unit = if reference == 0.0 {
        5e-4
    } else {
        0.5 * 10f64.powf(reference.abs().log10().floor() - 2.0)
    };
    (got - reference).abs() <= tolerance + half_unit * (1.0 + 1e-9)
}

/// Check 4: IBSI digital phantom: 3D features against `*_3D`; force2D (in-plane, all slices in one
/// matrix) against IBSI's 2.5D merged `*_2_5D`. GLDM is compared with IBSI's NGLDM (α = 0).
#[test]
fn glszm_gldm_ngtdm_ibsi_digital_phantom() {
    let Some(dir) = radlsig_testdata::require("ibsi/digital_phantom") else { return };
    let (img, mask) = read_image_and_mask(
        &dir.join("phantom.nii.gz"),
        &dir.join("mask.nii.gz"),
        1,
        GeometryTolerance::default(),
    )
    .unwrap();
    let d = DiscretisedImage::new(&img, &mask, Binning::Width(1.0), 5).unwrap();
    // Bin width 1 keeps the phantom's grey levels (minimum 1): level = value.
    for ((l, m), v) in d.levels.iter().zip(&d.mask).zip(img.data()) {
        if *m {
            assert_eq!(*l as f64, *v);
        }
    }
    assert_eq!(d.gray_levels(), vec![1, 3, 4, 6]);
    let reference: BTreeMap<String, (f64, f64)> =
        reference_data::read_csv(&dir.join("ibsi_1_reference_values_digital_phantom.csv"))
            .into_iter()
            .skip(1)
            .filter(|r| !r[4].is_empty())
            .map(|r| (r[9].clone(), (r[4].parse().unwrap(), r[5].parse().unwrap())))
            .collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (suffix, force_2d) in [("_3D", None), ("_2_5D", Some(0))] {
        let settings =
            TextureSettings { force_2d_dimension: force_2d, ..TextureSettings::default() };
        for (family, f, _) in FAMILIES {
            for (name, got) in f(&d, &settings).unwrap() {
                let (_, _, stem) =
                    IBSI_TAGS.iter().find(|(fam, n, _)| *fam == family && *n == name).unwrap();
                let tag = format!("{stem}{suffix}");
                let (want, tol) = reference[&tag];
                checked += 1;
                if !within_ibsi(got, want, tol) {
                    failures
                        .push(format!("{family} {name} vs {tag}: got {got}, IBSI {want} ± {tol}"));
                }
            }
        }
    }
    assert_eq!(checked, 70);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn fixture_image(case: &serde_json::Value) -> (DiscretisedImage, TextureSettings) {
    let shape: Vec<usize> =
        case["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let levels: Vec<u32> =
        case["levels"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
    let levels = Array3::from_shape_vec((shape[0], shape[1], shape[2]), levels).unwrap();
    let mask = levels.mapv(|l| l > 0);
    let s = &case["settings"];
    let settings = TextureSettings {
        distances: s["distances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect(),
        gldm_a: s["gldm_a"].as_f64().unwrap(),
        force_2d_dimension: s["force2Ddimension"].as_u64().map(|d| d as usize),
        ..TextureSettings::default()
    };
    (DiscretisedImage { levels, mask, spacing_zyx: [1.0; 3] }, settings)
}

/// A float written as a string in the fixture (serde_json's default number parsing can be
/// 1 ulp off; `str::parse` is exact).
fn json_f64(v: &serde_json::Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

fn json_matrix(v: &serde_json::Value) -> Array2<f64> {
    let rows = v.as_array().unwrap();
    let cols = rows[0].as_array().unwrap().len();
    let data: Vec<f64> =
        rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(json_f64)).collect();
    Array2::from_shape_vec((rows.len(), cols), data).unwrap()
}

fn json_vec(v: &serde_json::Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(json_f64).collect()
}

/// Check 5: small synthetic ROIs under distances, gldm_a, force2D on each axis, thin boxes,
/// isolated voxels and a flat ROI: matrices exactly and features (fixture from
/// `scripts/gen_glszm_gldm_ngtdm_fixture.py`, PyRadiomics 3.1.4).
#[test]
fn glszm_gldm_ngtdm_synthetic_rois_match_pyradiomics_fixture() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/glszm_gldm_ngtdm_pyradiomics.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut m = Mismatches::default();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 12);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (d, s) = fixture_image(case);
        let szm = glszm::Glszm::new(&d, &s).unwrap();
        assert_eq!(szm.matrix(), &json_matrix(&case["glszm"]["matrix"]), "{name} glszm");
        assert_eq!(szm.zone_sizes(), json_vec(&case["glszm"]["zone_sizes"]), "{name} glszm sizes");
        let dm = gldm::Gldm::new(&d, &s).unwrap();
        assert_eq!(dm.matrix(), &json_matrix(&case["gldm"]["matrix"]), "{name} gldm");
        assert_eq!(
            dm.dependence_sizes(),
            json_vec(&case["gldm"]["dependence_sizes"]),
            "{name} gldm sizes"
        );
        let tdm = ngtdm::Ngtdm::new(&d, &s).unwrap();
        assert_eq!(tdm.matrix(), json_matrix(&case["ngtdm"]["matrix"]), "{name} ngtdm");
        for (family, f, features) in FAMILIES {
            let want = case[family]["features"].as_object().unwrap();
            assert_eq!(want.len(), features.len(), "{name} {family}");
            for (feature, got) in f(&d, &s).unwrap() {
                m.check(
                    &format!("{name} {family} {feature}"),
                    got,
                    json_f64(&want[feature]),
                    1e-12,
                    1e-12,
                );
            }
        }
    }
    m.assert_none("glszm_gldm_ngtdm_pyradiomics.json");
}

// ---------------------------------------------------------------------------------------------
// Check 6, naive builders: plain coordinate loops, a queue flood fill, brute-force neighbourhoods.

/// Every neighbour offset with Chebyshev norm in `distances` and no step along `force_2d`.
fn naive_offsets(distances: &[u32], force_2d: Option<usize>) -> Vec<[i64; 3]> {
    let max = *distances.iter().max().unwrap() as i64;
    let mut out = Vec::new();
    for dz in -max..=max {
        for dy in -max..=max {
            for dx in -max..=max {
                let o = [dz, dy, dx];
                let norm = o.iter().map(|v| v.abs()).max().unwrap();
                if norm > 0
                    && distances.contains(&(norm as u32))
                    && force_2d.is_none_or(|a| o[a] == 0)
                {
                    out.push(o);
                }
            }
        }
    }
    out
}

fn neighbour(d: &DiscretisedImage, p: [usize; 3], o: [i64; 3]) -> Option<u32> {
    let s = d.levels.shape();
    let mut q = [0usize; 3];
    for a in 0..3 {
        let v = p[a] as i64 + o[a];
        if v < 0 || v >= s[a] as i64 {
            return None;
        }
        q[a] = v as usize;
    }
    d.mask[q].then(|| d.levels[q])
}

fn dense(counts: &BTreeMap<(u32, u64), u64>) -> (Array2<f64>, Vec<f64>) {
    let levels: Vec<u32> =
        counts.keys().map(|k| k.0).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let cols: Vec<u64> =
        counts.keys().map(|k| k.1).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let mut m = Array2::zeros((levels.len(), cols.len()));
    for (&(l, c), &n) in counts {
        let r = levels.iter().position(|&x| x == l).unwrap();
        let k = cols.iter().position(|&x| x == c).unwrap();
        m[[r, k]] = n as f64;
    }
    (m, cols.iter().map(|&c| c as f64).collect())
}

fn naive_glszm(d: &DiscretisedImage, force_2d: Option<usize>) -> (Array2<f64>, Vec<f64>) {
    let offsets = naive_offsets(&[1], force_2d);
    let mut seen = Array3::from_elem(d.levels.raw_dim(), false);
    let mut counts = BTreeMap::new();
    for (p, &inside) in d.mask.indexed_iter() {
        let p = [p.0, p.1, p.2];
        if !inside || seen[p] {
            continue;
        }
        let level = d.levels[p];
        let mut queue = std::collections::VecDeque::from([p]);
        seen[p] = true;
        let mut size = 0u64;
        while let Some(q) = queue.pop_front() {
            size += 1;
            for &o in &offsets {
                if neighbour(d, q, o) == Some(level) {
                    let r = [
                        (q[0] as i64 + o[0]) as usize,
                        (q[1] as i64 + o[1]) as usize,
                        (q[2] as i64 + o[2]) as usize,
                    ];
                    if !seen[r] {
                        seen[r] = true;
                        queue.push_back(r);
                    }
                }
            }
        }
        *counts.entry((level, size)).or_insert(0) += 1;
    }
    dense(&counts)
}

fn naive_gldm(d: &DiscretisedImage, s: &TextureSettings) -> (Array2<f64>, Vec<f64>) {
    let offsets = naive_offsets(&s.distances, s.force_2d_dimension);
    let mut counts = BTreeMap::new();
    for (p, &inside) in d.mask.indexed_iter() {
        if inside {
            let p = [p.0, p.1, p.2];
            let c = d.levels[p] as i64;
            let dep = offsets
                .iter()
                .filter(|&&o| {
                    neighbour(d, p, o).is_some_and(|n| (n as i64 - c).abs() as f64 <= s.gldm_a)
                })
                .count() as u64;
            *counts.entry((d.levels[p], dep + 1)).or_insert(0) += 1;
        }
    }
    dense(&counts)
}

fn naive_ngtdm(d: &DiscretisedImage, s: &TextureSettings) -> Array2<f64> {
    let offsets = naive_offsets(&s.distances, s.force_2d_dimension);
    let mut rows: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
    for (p, &inside) in d.mask.indexed_iter() {
        if inside {
            let p = [p.0, p.1, p.2];
            let found: Vec<u32> = offsets.iter().filter_map(|&o| neighbour(d, p, o)).collect();
            let c = d.levels[p] as f64;
            let diff = if found.is_empty() {
                0.0
            } else {
                (c - found.iter().map(|&v| v as f64).sum::<f64>() / found.len() as f64).abs()
            };
            let e = rows.entry(d.levels[p]).or_insert((0.0, 0.0));
            e.0 += 1.0;
            e.1 += diff;
        }
    }
    let mut m = Array2::zeros((rows.len(), 3));
    for (r, (l, (n, sum))) in rows.into_iter().enumerate() {
        m[[r, 0]] = n;
        m[[r, 1]] = sum;
        m[[r, 2]] = l as f64;
    }
    m
}

/// Check 6: The fast builders equal the naive ones on 300 seeded random ROIs and settings.
#[test]
fn glszm_gldm_ngtdm_fast_builders_equal_naive_builders_on_random_rois() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_2d3d);
    let distance_sets: [&[u32]; 5] = [&[1], &[2], &[1, 2], &[1, 3], &[3]];
    let mut compared = 0;
    for trial in 0..300 {
        let shape =
            [rng.random_range(1..7usize), rng.random_range(1..8usize), rng.random_range(1..9usize)];
        let n_levels = rng.random_range(1..7u32);
        let fill: f64 = rng.random_range(0.15..1.0);
        let levels = Array3::from_shape_fn(shape, |_| rng.random_range(1..=n_levels));
        let mut mask = Array3::from_shape_fn(shape, |_| rng.random::<f64>() < fill);
        mask[[0, 0, 0]] = true;
        let levels =
            ndarray::Zip::from(&levels).and(&mask).map_collect(|&l, &m| if m { l } else { 0 });
        let d = DiscretisedImage { levels, mask, spacing_zyx: [1.0; 3] };
        let s = TextureSettings {
            distances: distance_sets[rng.random_range(0..distance_sets.len())].to_vec(),
            gldm_a: rng.random_range(0..3u32) as f64,
            force_2d_dimension: [None, Some(0), Some(1), Some(2)][rng.random_range(0..4)],
            ..TextureSettings::default()
        };
        let what = format!("trial {trial}: shape {shape:?}, {s:?}");

        let szm_offsets = angles(shape, &[1], true, s.force_2d_dimension);
        match glszm::Glszm::new(&d, &s) {
            Ok(m) => {
                let (matrix, sizes) = naive_glszm(&d, s.force_2d_dimension);
                assert_eq!(m.matrix(), &matrix, "{what}");
                assert_eq!(m.zone_sizes(), sizes.as_slice(), "{what}");
            }
            Err(_) => assert!(szm_offsets.is_empty(), "{what}"),
        }
        let offsets = angles(shape, &s.distances, true, s.force_2d_dimension);
        match (gldm::Gldm::new(&d, &s), ngtdm::Ngtdm::new(&d, &s)) {
            (Ok(g), Ok(t)) => {
                let (matrix, sizes) = naive_gldm(&d, &s);
                assert_eq!(g.matrix(), &matrix, "{what}");
                assert_eq!(g.dependence_sizes(), sizes.as_slice(), "{what}");
                assert_eq!(t.matrix(), naive_ngtdm(&d, &s), "{what}");
                compared += 1;
            }
            (g, t) => assert!(offsets.is_empty() && g.is_err() && t.is_err(), "{what}"),
        }
    }
    assert!(compared > 200, "only {compared} trials had neighbour offsets");
}

/// Timing of the three families on lung2 (24644 ROI voxels, PyRadiomics defaults), run by
/// `scripts/bench-glszm-gldm-ngtdm.sh`. Prints figures, asserts nothing about time.
#[test]
#[ignore = "benchmark; run with scripts/bench-glszm-gldm-ngtdm.sh"]
fn bench_lung2_glszm_gldm_ngtdm() {
    use std::time::Instant;
    let Some(cases) = cases() else { return };
    let (_, img, mask) = cases.iter().find(|(n, _, _)| n == "lung2").unwrap();
    let median = |f: &mut dyn FnMut()| {
        let mut t: Vec<f64> = (0..31)
            .map(|_| {
                let s = Instant::now();
                f();
                s.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        t.sort_by(f64::total_cmp);
        t[t.len() / 2]
    };
    let discretise = median(&mut || {
        std::hint::black_box(DiscretisedImage::new(img, mask, Binning::Width(25.0), 5).unwrap());
    });
    println!("lung2 crop + discretise (binWidth 25, pad 5): {discretise:.3} ms (median of 31)");
    let d = DiscretisedImage::new(img, mask, Binning::Width(25.0), 5).unwrap();
    let s = TextureSettings::default();
    for (family, f, _) in FAMILIES {
        let t = median(&mut || {
            std::hint::black_box(f(&d, &s).unwrap());
        });
        println!("lung2 radlsig {family} (matrix + features): {t:.3} ms (median of 31)");
    }
}
