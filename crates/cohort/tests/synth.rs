//! The synthetic cohort generator end to end: determinism of the files, the manifest it writes,
//! and the planted signal (the latent's AUC and prevalence; what the images show of each part).

use std::collections::BTreeMap;
use std::path::Path;

use radlsig_cohort::synth::TRUTH_COLUMNS;
use radlsig_cohort::{Manifest, Sequences, SynthConfig, TimePoints, generate};
use radlsig_volume::read_volume;

/// FNV-1a (64 bit) of every file under `dir`, by relative path.
fn hashes(dir: &Path) -> BTreeMap<String, u64> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, u64>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let mut h: u64 = 0xcbf29ce484222325;
                for b in std::fs::read(&path).unwrap() {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x100000001b3);
                }
                out.insert(path.strip_prefix(root).unwrap().to_string_lossy().into_owned(), h);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn small(seed: u64) -> SynthConfig {
    SynthConfig {
        seed,
        cases: 5,
        size: [48, 48, 16],
        sequences: Sequences::T1Adc,
        time_points: TimePoints::PrePost,
        ..SynthConfig::default()
    }
}

fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

#[test]
fn same_seed_gives_identical_files_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (dir.path().join("a"), dir.path().join("b"), dir.path().join("c"));
    in_pool(1, || generate(&small(7), &a, false, &|| {})).unwrap();
    in_pool(2, || generate(&small(7), &b, false, &|| {})).unwrap();
    in_pool(2, || generate(&small(8), &c, false, &|| {})).unwrap();
    let (ha, hb, hc) = (hashes(&a), hashes(&b), hashes(&c));
    // 5 cases × (4 images + 2 masks + 2 habitat maps) + manifest, truth, synth.json.
    assert_eq!(ha.len(), 5 * 8 + 3, "{:?}", ha.keys());
    assert_eq!(ha, hb);
    let differing = ha.iter().filter(|(k, v)| k.starts_with("images/") && hc[*k] != **v).count();
    assert_eq!(differing, 20, "another seed must change every image");
    // Refuses to write into a non-empty folder.
    let again = generate(&small(7), &a, false, &|| {});
    assert!(matches!(again, Err(radlsig_cohort::Error::OutputNotEmpty { .. })));
}

#[test]
fn written_cohort_matches_its_manifest_truth_and_rendering() {
    let dir = tempfile::tempdir().unwrap();
    let config = small(3);
    let manifest = generate(&config, dir.path(), false, &|| {}).unwrap();
    let loaded = Manifest::load(&dir.path().join("manifest.csv")).unwrap();
    assert_eq!(loaded.sequences, ["T1_pre", "ADC_pre", "T1_post", "ADC_post"]);
    assert_eq!(loaded.clinical_columns, ["age", "sex"]);
    assert_eq!(loaded.cases, manifest.cases);
    assert_eq!(loaded.cases[0].id, "case0001");
    assert_eq!(
        loaded.cases[0].images["ADC_post"].image,
        dir.path().join("images/case0001_ADC_post.nii.gz")
    );
    assert_eq!(
        loaded.cases[0].images["ADC_post"].mask,
        dir.path().join("masks/case0001_post.nii.gz")
    );

    let plan = config.plan().unwrap();
    let truth = std::fs::read_to_string(dir.path().join("truth.csv")).unwrap();
    let mut lines = truth.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header[..TRUTH_COLUMNS.len()], *TRUTH_COLUMNS);
    assert!(header.contains(&"core_shift_mm_pre") && header.contains(&"mask_voxels_post"));
    for ((line, case), planned) in lines.zip(&loaded.cases).zip(&plan.cases) {
        let cells: Vec<&str> = line.split(',').collect();
        let cell = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(cell("ID"), case.id);
        assert_eq!(cell("label"), case.label.unwrap().to_string());
        assert_eq!(Some(cell("center")), case.center.as_deref());
        let parts: f64 = ["latent_global", "latent_spatial", "latent_delta", "noise"]
            .iter()
            .map(|c| cell(c).parse::<f64>().unwrap())
            .sum();
        assert!((parts - cell("latent_total").parse::<f64>().unwrap()).abs() < 1e-5);
        let total: f64 = cell("latent_total").parse().unwrap();
        assert_eq!(u8::from(total > plan.model.threshold), case.label.unwrap());
        assert_eq!(cell("eccentricity"), format!("{:.6}", planned.eccentricity));
    }

    // The files hold exactly what the renderer produced.
    let rendered = plan.render(2).unwrap();
    let case = &loaded.cases[2];
    for tp in &rendered.time_points {
        for (seq, volume) in &tp.images {
            let back = read_volume(&case.images[&format!("{seq}_{}", tp.name)].image).unwrap();
            assert_eq!(back.data(), volume.data());
            assert_eq!(back.pixel_type(), radlsig_volume::PixelType::Int16);
        }
        let mask = read_volume(&case.images[&format!("T1_{}", tp.name)].mask).unwrap();
        assert_eq!(mask.data(), tp.mask.data());
        assert_eq!(mask.data().iter().filter(|v| **v == 1.0).count(), tp.lesion.mask_voxels);
        let habitats =
            read_volume(dir.path().join(format!("habitats/{}_{}.nii.gz", case.id, tp.name)))
                .unwrap();
        for (h, m) in habitats.data().iter().zip(mask.data()) {
            assert_eq!(*h > 0.0, *m > 0.0, "habitats cover exactly the mask");
        }
        assert_eq!(mask.geometry().size, [48, 48, 16]);
    }
    // The post lesion's volume is the pre lesion's times the cube of the planned radius factor.
    for (i, c) in plan.cases.iter().enumerate() {
        let r = plan.render(i).unwrap();
        let (pre, post) = (r.time_points[0].lesion.volume, r.time_points[1].lesion.volume);
        let expected = c.post_radius_scale.powi(3);
        assert!((post / pre - expected).abs() < 1e-9, "{} {}", post / pre, expected);
    }
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let rank = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (k, &i) in idx.iter().enumerate() {
            r[i] = k as f64;
        }
        r
    };
    let (ra, rb) = (rank(a), rank(b));
    let n = a.len() as f64;
    let m = (n - 1.0) / 2.0;
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - m) * (y - m)).sum();
    let var: f64 = ra.iter().map(|x| (x - m).powi(2)).sum();
    cov / var
}

/// The latent model on a large planned cohort (no voxels): the image-visible part has the
/// requested AUC and the labels the requested prevalence, for two settings.
#[test]
fn planted_latent_has_the_requested_auc_and_prevalence() {
    for (auc_asked, prevalence) in [(0.95, 0.5), (0.75, 0.3)] {
        let config =
            SynthConfig { cases: 2000, auc: auc_asked, prevalence, ..SynthConfig::default() };
        let plan = config.plan().unwrap();
        let score: Vec<f64> = plan.cases.iter().map(|c| c.latent.imaging()).collect();
        let label: Vec<bool> = plan.cases.iter().map(|c| c.latent.label == 1).collect();
        let observed = radlsig_testdata::pairwise_auc(&score, &label);
        let observed_prevalence = label.iter().filter(|l| **l).count() as f64 / 2000.0;
        eprintln!(
            "asked AUC {auc_asked} prevalence {prevalence}: got {observed:.4} {observed_prevalence:.4}"
        );
        // Standard errors at n = 2000: AUC ≤ 0.012, prevalence ≤ 0.011.
        assert!((observed - auc_asked).abs() < 0.03, "asked {auc_asked}, got {observed}");
        assert!((observed_prevalence - prevalence).abs() < 0.035, "{observed_prevalence}");
    }
}

/// Per-case statistics of a rendered case: the ROI's first-order moments and size (what a
/// whole-tumour "global statistics" model sees) and the in-plane distance between the
/// necrotic habitat's centroid and the mask's (what a spatial model should see).
fn case_statistics(plan: &radlsig_cohort::CohortPlan, i: usize) -> [f64; 6] {
    let r = plan.render(i).unwrap();
    let tp = &r.time_points[0];
    let (image, mask, habitats) = (tp.images[0].1.data(), tp.mask.data(), tp.habitats.data());
    let s = r.geometry.spacing;
    let values: Vec<f64> =
        image.iter().zip(mask).filter(|(_, m)| **m > 0.0).map(|(v, _)| *v).collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let moment = |k: i32| values.iter().map(|v| (v - mean).powi(k)).sum::<f64>() / n;
    let var = moment(2);
    let (mut all, mut core, mut n_core) = ([0.0; 2], [0.0; 2], 0.0);
    for ((_, y, x), m) in mask.indexed_iter() {
        if *m > 0.0 {
            let p = [x as f64 * s[0], y as f64 * s[1]];
            all = [all[0] + p[0], all[1] + p[1]];
        }
    }
    for ((_, y, x), h) in habitats.indexed_iter() {
        if *h == 3.0 {
            core = [core[0] + x as f64 * s[0], core[1] + y as f64 * s[1]];
            n_core += 1.0;
        }
    }
    let offset =
        ((core[0] / n_core - all[0] / n).powi(2) + (core[1] / n_core - all[1] / n).powi(2)).sqrt();
    [mean, var, moment(3) / var.powf(1.5), moment(4) / (var * var), n, offset]
}

/// On 120 default cases: the global part moves the ROI histogram (skewness, kurtosis), the
/// spatial part moves the necrotic core's offset, and no whole-tumour histogram statistic or
/// the voxel count separates the spatial part (AUC for `z_spatial > 0` within 0.5 ± 0.13,
/// about 2.5 standard errors).
#[test]
fn images_show_the_global_part_in_histograms_and_the_spatial_part_only_in_space() {
    use rayon::prelude::*;
    let plan = SynthConfig { cases: 120, ..SynthConfig::default() }.plan().unwrap();
    let stats: Vec<[f64; 6]> =
        (0..plan.cases.len()).into_par_iter().map(|i| case_statistics(&plan, i)).collect();
    let column = |k: usize| stats.iter().map(|s| s[k]).collect::<Vec<f64>>();
    let z_global: Vec<f64> = plan.cases.iter().map(|c| c.latent.z[0]).collect();
    let z_spatial: Vec<f64> = plan.cases.iter().map(|c| c.latent.z[1]).collect();
    let spatial_positive: Vec<bool> = z_spatial.iter().map(|z| *z > 0.0).collect();

    let aucs: Vec<f64> =
        (0..5).map(|k| radlsig_testdata::pairwise_auc(&column(k), &spatial_positive)).collect();
    eprintln!(
        "spearman with z_global: skewness {:.3}, kurtosis {:.3}; core offset with z_spatial {:.3}; \
         AUC for z_spatial > 0 of mean, variance, skewness, kurtosis, voxels: {aucs:.3?}",
        spearman(&column(2), &z_global),
        spearman(&column(3), &z_global),
        spearman(&column(5), &z_spatial)
    );
    assert!(
        spearman(&column(2), &z_global) > 0.4,
        "skewness vs z_global {}",
        spearman(&column(2), &z_global)
    );
    assert!(
        spearman(&column(3), &z_global) < -0.25,
        "kurtosis vs z_global {}",
        spearman(&column(3), &z_global)
    );
    let offset_corr = spearman(&column(5), &z_spatial);
    assert!(offset_corr > 0.6, "core offset vs z_spatial {offset_corr}");
    assert!(spearman(&column(5), &z_global).abs() < 0.2);
    for (a, name) in aucs.iter().zip(["mean", "variance", "skewness", "kurtosis", "voxel count"]) {
        assert!((a - 0.5).abs() < 0.13, "{name} separates the spatial part: AUC {a}");
    }
}
