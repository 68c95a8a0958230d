//! Issue 6's check of habitat radiomics, end to end through the binary: on a synthetic cohort
//! whose label is planted only in *where* the necrotic core sits (`radlsig synth
//! --global-share 0`: the core and transition shell are shifted in-plane from the lesion's
//! centre by an amount that carries the label; volumes, intensities and textures do not),
//! the habitat descriptors separate the classes on held-out cases where the whole-tumour
//! PyRadiomics features do not.
//!
//! The procedure is fair (no peeking at the held-out labels): `radlsig extract --cohort
//! --habitats` fits the habitat model, k included, on the `train` split only; in each group
//! of columns (habitat descriptors `habitat<h>_descriptor_*`; every habitat column; the
//! whole-tumour columns) the single column with the best Mann–Whitney AUC on the training
//! rows is chosen together with its direction, and only that column, in that direction, is
//! scored on the `val` rows. A held-out cell that is empty (a habitat absent in that case)
//! gets the column's training median. The AUC is written out here (pairs of a positive and a
//! negative, ties ½).
//!
//! Measured while writing the test (`habitat_signal_across_seeds`, ignored, re-measures;
//! cohort seeds 20–39, 120 cases, 60 held out, k chosen = 3 in 18 seeds and 4 in 2): the best
//! descriptor on the training rows was always habitat 1's (the necrotic core's)
//! `CentroidOffset` or `CentroidOffsetNormalized`, with held-out AUC 0.78–0.94 (mean 0.86);
//! the best whole-tumour column reached 0.37–0.63 (mean 0.49) and the best descriptor other
//! than the centroid offsets 0.30–0.62 (mean 0.50), chance both. The best habitat column of
//! any kind (families included) was the same centroid offset in all 20 seeds. The committed
//! seed 22 gives 0.878 against 0.390 (other descriptors 0.394), so the bounds below (0.75, and
//! a margin of 0.15) hold with room, and fail without the centroid offsets.

use std::path::Path;
use std::process::{Command, Output};

/// The cohort: one centre (0.8 × 0.8 × 3 mm), 120 cases of the default 64 × 64 × 24 voxels
/// (lesions of equivalent radius 7–13 mm fit without shrinking: `fit_scale` 1 for every
/// case of seed 22), label from the spatial part
/// alone, half train and half validation.
const CASES: &str = "120";
const SIZE: &str = "64x64x24";
const SEED: u64 = 22;

/// Habitat settings: intensity and local mean (a smoothed intensity) separate necrosis,
/// transition and enhancing tissue; k chosen on the training voxels by Calinski–Harabasz (the
/// silhouette prefers k = 2 here, merging core and shell, which blurs the core's position:
/// held-out AUC 0.65–0.84 over seeds 20–29 at 80 smaller cases, against 0.63–0.91 with k = 3).
const HABITATS: &str = concat!(
    "voxelFeatures: [intensity, localMean]\n",
    "kMin: 2\nkMax: 4\ncriterion: calinskiHarabasz\nseed: 0\n"
);

fn radlsig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radlsig")).args(args).output().expect("running radlsig")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Mann–Whitney AUC of `scores` for label 1 against label 0 (ties ½).
fn auc(scores: &[f64], labels: &[bool]) -> f64 {
    radlsig_testdata::pairwise_auc(scores, labels)
}

#[test]
fn habitat_signal_auc_helper_by_hand() {
    // Positives 0.8, 0.4, 0.4; negatives 0.4, 0.1: pairs 0.8>0.4 1, 0.8>0.1 1, 0.4=0.4 ½,
    // 0.4>0.1 1, 0.4=0.4 ½, 0.4>0.1 1 → 5/6.
    let labels = [true, false, true, true, false];
    assert_eq!(auc(&[0.8, 0.4, 0.4, 0.4, 0.1], &labels), 5.0 / 6.0);
    assert_eq!(auc(&[-0.8, -0.4, -0.4, -0.4, -0.1], &labels), 1.0 / 6.0);
}

/// The extracted table: column names and rows of optional numbers (empty cell: `None`).
struct Table {
    names: Vec<String>,
    ids: Vec<String>,
    cells: Vec<Vec<Option<f64>>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines();
        let names: Vec<String> = lines.next().unwrap().split(',').map(str::to_string).collect();
        let (mut ids, mut cells) = (Vec::new(), Vec::new());
        for line in lines {
            let row: Vec<&str> = line.split(',').collect();
            assert_eq!(row.len(), names.len(), "{line}");
            ids.push(row[0].to_string());
            cells.push(row.iter().map(|c| c.parse::<f64>().ok()).collect());
        }
        Table { names, ids, cells }
    }
}

/// The column chosen on the training rows and its held-out AUC.
#[derive(Debug)]
struct Chosen {
    name: String,
    train_auc: f64,
    val_auc: f64,
}

/// Among `columns`, the one whose training AUC is farthest from ½ (direction included: a
/// training AUC below ½ flips the sign), scored on the validation rows in that direction.
/// Columns empty in some training row or constant on the training rows are skipped;
/// validation cells that are empty get the training median.
fn choose_on_train(
    table: &Table,
    columns: &[usize],
    train: &[usize],
    val: &[usize],
    labels: &[bool],
) -> Chosen {
    let y_train: Vec<bool> = train.iter().map(|&r| labels[r]).collect();
    let y_val: Vec<bool> = val.iter().map(|&r| labels[r]).collect();
    let mut best: Option<(usize, f64, f64)> = None; // (column, sign, oriented training AUC)
    for &c in columns {
        let Some(x): Option<Vec<f64>> = train.iter().map(|&r| table.cells[r][c]).collect() else {
            continue;
        };
        if x.iter().all(|v| *v == x[0]) {
            continue;
        }
        let a = auc(&x, &y_train);
        let (sign, oriented) = if a >= 0.5 { (1.0, a) } else { (-1.0, 1.0 - a) };
        if best.is_none_or(|(_, _, b)| oriented > b) {
            best = Some((c, sign, oriented));
        }
    }
    let (c, sign, train_auc) = best.expect("a usable column");
    let mut sorted: Vec<f64> = train.iter().filter_map(|&r| table.cells[r][c]).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 { sorted[n / 2] } else { 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]) };
    let x_val: Vec<f64> = val.iter().map(|&r| sign * table.cells[r][c].unwrap_or(median)).collect();
    Chosen { name: table.names[c].clone(), train_auc, val_auc: auc(&x_val, &y_val) }
}

/// Best habitat descriptor, best habitat column of any kind, best whole-tumour column, all
/// chosen on `train` and scored on `val`, for the cohort of `seed`.
struct Measured {
    descriptor: Chosen,
    /// The best descriptor other than the centroid offsets (what the test would see without
    /// them).
    other_descriptor: Chosen,
    habitat: Chosen,
    whole: Chosen,
    k: usize,
    val_cases: usize,
}

/// The cohort and habitat settings of a measurement.
struct Setup {
    cases: String,
    size: String,
    habitats: String,
}

impl Default for Setup {
    fn default() -> Self {
        Setup { cases: CASES.into(), size: SIZE.into(), habitats: HABITATS.into() }
    }
}

fn measure(seed: u64, setup: &Setup) -> Measured {
    let tmp = tempfile::tempdir().unwrap();
    let cohort = tmp.path().join("cohort");
    let seed_s = seed.to_string();
    let o = radlsig(&[
        "synth",
        "--out",
        s(&cohort),
        "--seed",
        &seed_s,
        "--cases",
        &setup.cases,
        "--size",
        &setup.size,
        "--centres",
        "1",
        "--global-share",
        "0",
        "--split",
        "0.5,0.5",
        "--no-habitats",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let settings = tmp.path().join("habitats.yaml");
    std::fs::write(&settings, &setup.habitats).unwrap();
    let out = tmp.path().join("features.csv");
    let manifest = cohort.join("manifest.csv");
    let o = radlsig(&[
        "extract",
        "--cohort",
        s(&manifest),
        "--habitats",
        s(&settings),
        "--fit-split",
        "train",
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let t = Table::read(&out);
    // `label` and `split` from the manifest (the table's split column is text).
    let manifest_text = std::fs::read_to_string(&manifest).unwrap();
    let mut lines = manifest_text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (id_c, label_c, split_c) = (
        header.iter().position(|h| *h == "ID").unwrap(),
        header.iter().position(|h| *h == "label").unwrap(),
        header.iter().position(|h| *h == "split").unwrap(),
    );
    let by_id: std::collections::HashMap<String, (bool, String)> = lines
        .map(|l| {
            let r: Vec<&str> = l.split(',').collect();
            (r[id_c].to_string(), (r[label_c] == "1", r[split_c].to_string()))
        })
        .collect();
    assert_eq!(t.ids.len(), by_id.len());
    let labels: Vec<bool> = t.ids.iter().map(|id| by_id[id].0).collect();
    let rows_of = |split: &str| -> Vec<usize> {
        (0..t.ids.len()).filter(|&r| by_id[&t.ids[r]].1 == split).collect()
    };
    let (train, val) = (rows_of("train"), rows_of("val"));
    assert_eq!(train.len() + val.len(), t.ids.len());
    assert!(val.iter().any(|&r| labels[r]) && val.iter().any(|&r| !labels[r]));

    let features =
        (0..t.names.len()).filter(|&c| !["ID", "label", "split", "center"].contains(&&*t.names[c]));
    let descriptors: Vec<usize> =
        features.clone().filter(|&c| t.names[c].contains("_descriptor_")).collect();
    let habitat: Vec<usize> =
        features.clone().filter(|&c| t.names[c].starts_with("habitat")).collect();
    let whole: Vec<usize> = features.filter(|&c| !t.names[c].starts_with("habitat")).collect();
    // The whole-tumour columns are PyRadiomics' 107 defaults; k habitats of 5 descriptors.
    assert_eq!(whole.len(), 107);
    let k = descriptors.len() / 5;
    assert_eq!(descriptors.len(), 5 * k);
    Measured {
        descriptor: choose_on_train(&t, &descriptors, &train, &val, &labels),
        other_descriptor: choose_on_train(
            &t,
            &descriptors
                .iter()
                .copied()
                .filter(|&c| !t.names[c].contains("CentroidOffset"))
                .collect::<Vec<_>>(),
            &train,
            &val,
            &labels,
        ),
        habitat: choose_on_train(&t, &habitat, &train, &val, &labels),
        whole: choose_on_train(&t, &whole, &train, &val, &labels),
        k,
        val_cases: val.len(),
    }
}

#[test]
fn habitat_descriptors_find_the_planted_core_position() {
    let m = measure(SEED, &Setup::default());
    eprintln!(
        "k = {}, {} validation cases\n  descriptor {:?}\n  any habitat column {:?}\n  \
         whole tumour {:?}\n  descriptor other than centroid offsets {:?}",
        m.k, m.val_cases, m.descriptor, m.habitat, m.whole, m.other_descriptor
    );
    // The descriptor chosen on the training rows is a centroid offset, and it separates the
    // held-out classes where the best whole-tumour feature does not.
    assert!(m.descriptor.name.contains("_descriptor_CentroidOffset"), "{:?}", m.descriptor);
    assert!(m.descriptor.val_auc >= 0.75, "{:?}", m.descriptor);
    assert!(m.descriptor.val_auc >= m.whole.val_auc + 0.15, "{:?} vs {:?}", m.descriptor, m.whole);
    // The same holds when the choice runs over every habitat column, families included.
    assert!(m.habitat.val_auc >= 0.75, "{:?}", m.habitat);
    assert!(m.habitat.val_auc >= m.whole.val_auc + 0.15, "{:?} vs {:?}", m.habitat, m.whole);
}

/// The held-out AUCs over several cohort seeds (not a check: run with `--ignored
/// --nocapture` to re-measure the margins of the test above).
#[test]
#[ignore = "measurement over seeds, a few minutes"]
fn habitat_signal_across_seeds() {
    let seeds: Vec<u64> = std::env::var("SEEDS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().parse().unwrap()).collect())
        .unwrap_or_else(|| (20..30).collect());
    // CASES, SIZE and HABITATS (the YAML text) override the test's cohort and settings.
    let d = Setup::default();
    let setup = Setup {
        cases: std::env::var("CASES").unwrap_or(d.cases),
        size: std::env::var("SIZE").unwrap_or(d.size),
        habitats: std::env::var("HABITATS").unwrap_or(d.habitats),
    };
    println!(
        "seed k | descriptor train/val | any habitat train/val | whole tumour train/val | \
         descriptor other than centroid offsets train/val"
    );
    for seed in seeds {
        let m = measure(seed, &setup);
        println!(
            "{seed} {} | {} {:.3}/{:.3} | {} {:.3}/{:.3} | {} {:.3}/{:.3} | {} {:.3}/{:.3}",
            m.k,
            m.descriptor.name,
            m.descriptor.train_auc,
            m.descriptor.val_auc,
            m.habitat.name,
            m.habitat.train_auc,
            m.habitat.val_auc,
            m.whole.name,
            m.whole.train_auc,
            m.whole.val_auc,
            m.other_descriptor.name,
            m.other_descriptor.train_auc,
            m.other_descriptor.val_auc
        );
    }
}
