//! `radlsig extract --cohort` end to end, on small synthetic cohorts made by `radlsig synth` in
//! a temporary folder: sequence and time-point column names checked against single-case
//! `radlsig extract --image … --mask …` runs on the same files (an independent path through
//! the CLI), delta columns against the differences computed here, habitat determinism, the
//! absence of leakage from non-training cases into the habitat model, habitat maps against
//! the masks and the volume-fraction columns, and failing cases.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::{ParquetReader, SerReader};
use radlsig_volume::{Volume, read_volume, write_volume};

fn radlsig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_radlsig")).args(args).output().expect("running radlsig")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A synthetic cohort of `cases` cases of 40×40×10 voxels at one centre, in `dir`.
fn synth(dir: &Path, cases: usize, extra: &[&str]) -> PathBuf {
    let n = cases.to_string();
    let mut args =
        vec!["synth", "--out", s(dir), "--cases", &n, "--size", "40x40x10", "--centres", "1"];
    args.extend(extra);
    let o = radlsig(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    dir.join("manifest.csv")
}

/// A CSV written by radlsig (no quoted cells): header and rows of text cells.
struct Table {
    names: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Table {
        let text = std::fs::read_to_string(path).unwrap();
        let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect());
        let names = lines.next().unwrap();
        Table { names, rows: lines.collect() }
    }
    fn col(&self, name: &str) -> usize {
        self.names.iter().position(|n| n == name).unwrap_or_else(|| panic!("no column {name}"))
    }
    fn row(&self, id: &str) -> &[String] {
        self.rows.iter().find(|r| r[0] == id).unwrap_or_else(|| panic!("no row {id}"))
    }
    /// The value of `name` in case `id`; `None` for an empty cell.
    fn get(&self, id: &str, name: &str) -> Option<f64> {
        let cell = &self.row(id)[self.col(name)];
        (!cell.is_empty()).then(|| cell.parse().unwrap())
    }
    fn ids(&self) -> Vec<&str> {
        self.rows.iter().map(|r| r[0].as_str()).collect()
    }
    /// The feature columns of a single-case run (after `Image`, `Mask`) with their values.
    fn single(&self) -> Vec<(String, f64)> {
        assert_eq!(self.names[..2], ["Image", "Mask"]);
        self.names[2..]
            .iter()
            .zip(&self.rows[0][2..])
            .map(|(n, v)| (n.clone(), v.parse().unwrap()))
            .collect()
    }
}

/// Single-case extraction of `image` with `mask`, through the CLI.
fn single(dir: &Path, image: &Path, mask: &Path) -> Vec<(String, f64)> {
    let out = dir.join("single.csv");
    let o = radlsig(&["extract", "--image", s(image), "--mask", s(mask), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    Table::read(&out).single()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// The manifest's cells by ID and column.
fn manifest(path: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let t = Table::read(path);
    t.rows
        .iter()
        .map(|r| (r[0].clone(), t.names.iter().cloned().zip(r.iter().cloned()).collect()))
        .collect()
}

#[test]
fn sequences_are_prefixed_and_match_single_case_extraction() {
    let tmp = tempfile::tempdir().unwrap();
    let cohort = tmp.path().join("c");
    let m = synth(&cohort, 4, &["--sequences", "2", "--seed", "3"]);
    let out = tmp.path().join("features.csv");
    let o = radlsig(&["extract", "--cohort", s(&m), "--out", s(&out), "--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = Table::read(&out);
    assert_eq!(t.names[..4], ["ID", "label", "split", "center"]);
    let cells = manifest(&m);
    assert_eq!(t.ids(), cells.keys().map(String::as_str).collect::<Vec<_>>());
    for id in t.ids() {
        for c in ["label", "split", "center"] {
            assert_eq!(t.row(id)[t.col(c)], cells[id][c]);
        }
    }
    let t1: Vec<&String> = t.names.iter().filter(|n| n.starts_with("T1_original_")).collect();
    let adc: Vec<&String> = t.names.iter().filter(|n| n.starts_with("ADC_original_")).collect();
    assert_eq!(t.names.len(), 4 + t1.len() + adc.len(), "{:?}", t.names);
    assert!(t1.len() > 100 && t1.len() == adc.len());
    assert!(t.names.contains(&"T1_original_glcm_Contrast".to_string()));

    // Every column equals the single-case run on the same files.
    let id = "case0002";
    for seq in ["T1", "ADC"] {
        let image = cohort.join(&cells[id][&format!("Image:{seq}")]);
        let mask = cohort.join(&cells[id][&format!("Mask:{seq}")]);
        let reference = single(tmp.path(), &image, &mask);
        assert_eq!(reference.len(), t1.len());
        for (name, v) in reference {
            let ours = t.get(id, &format!("{seq}_{name}")).unwrap();
            assert!(close(ours, v), "{seq}_{name}: {ours} vs {v}");
        }
    }
    // The two sequences differ (ADC is not a copy of T1).
    assert_ne!(t.get(id, "T1_original_firstorder_Mean"), t.get(id, "ADC_original_firstorder_Mean"));
}

#[test]
fn time_points_give_pre_post_and_delta_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let cohort = tmp.path().join("c");
    let m = synth(&cohort, 3, &["--sequences", "2", "--time-points", "2", "--seed", "4"]);
    let out = tmp.path().join("features.csv");
    let o = radlsig(&["extract", "--cohort", s(&m), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = Table::read(&out);
    let base: Vec<String> =
        t.names.iter().filter_map(|n| n.strip_prefix("pre_").map(str::to_string)).collect();
    assert!(base.iter().any(|b| b == "T1_original_glcm_Contrast"));
    assert!(base.iter().any(|b| b == "ADC_original_shape_MeshVolume"));
    // ID, label, split, center; then pre, post, delta, reldelta blocks in the same order.
    let mut expected: Vec<String> =
        ["ID", "label", "split", "center"].iter().map(|s| s.to_string()).collect();
    for p in ["pre", "post", "delta", "reldelta"] {
        expected.extend(base.iter().map(|b| format!("{p}_{b}")));
    }
    assert_eq!(t.names, expected);

    let cells = manifest(&m);
    let mut zero_pre = 0;
    for id in t.ids() {
        for b in &base {
            let pre = t.get(id, &format!("pre_{b}")).unwrap();
            let post = t.get(id, &format!("post_{b}")).unwrap();
            let d = t.get(id, &format!("delta_{b}")).unwrap();
            assert!(close(d, post - pre), "{id} delta_{b}: {d} vs {post} - {pre}");
            match t.get(id, &format!("reldelta_{b}")) {
                None => {
                    assert_eq!(pre, 0.0, "{id} reldelta_{b} empty");
                    zero_pre += 1;
                }
                Some(r) => assert!(close(r, (post - pre) / pre), "{id} reldelta_{b}: {r}"),
            }
        }
    }
    // Some features (e.g. the minimum of a mask-cropped image) can be 0; count them only.
    eprintln!("{zero_pre} reldelta cells empty for pre = 0");

    // Against single-case extraction of the pre and post files of one case.
    let id = "case0003";
    for seq in ["T1", "ADC"] {
        let (pre_image, post_image) =
            (&cells[id][&format!("Image:{seq}_pre")], &cells[id][&format!("Image:{seq}_post")]);
        let (pre_mask, post_mask) =
            (&cells[id][&format!("Mask:{seq}_pre")], &cells[id][&format!("Mask:{seq}_post")]);
        assert_ne!(pre_mask, post_mask);
        let pre = single(tmp.path(), &cohort.join(pre_image), &cohort.join(pre_mask));
        let post = single(tmp.path(), &cohort.join(post_image), &cohort.join(post_mask));
        for ((name, a), (_, b)) in pre.iter().zip(&post) {
            let col = format!("{seq}_{name}");
            assert!(close(t.get(id, &format!("pre_{col}")).unwrap(), *a), "pre_{col}");
            assert!(close(t.get(id, &format!("post_{col}")).unwrap(), *b), "post_{col}");
            assert!(close(t.get(id, &format!("delta_{col}")).unwrap(), b - a), "delta_{col}");
            if *a != 0.0 {
                let r = t.get(id, &format!("reldelta_{col}")).unwrap();
                assert!(close(r, (b - a) / a), "reldelta_{col}: {r}");
            }
        }
    }

    // Habitats with time points: one model for both, prefixed like the rest, with deltas.
    let settings = tmp.path().join("h.toml");
    std::fs::write(&settings, "k = 2\nvoxelsPerCase = 200\nnInit = 1\n").unwrap();
    let maps = tmp.path().join("maps");
    let h = tmp.path().join("habitats.csv");
    let args = ["--fit-split", "all", "--habitat-maps", s(&maps)];
    with_habitats(&m, &settings, &h, &args);
    let u = Table::read(&h);
    for id in t.ids() {
        for tp in ["pre", "post"] {
            assert!(maps.join(format!("{id}_{tp}.nii.gz")).is_file());
        }
        for c in ["habitat2_descriptor_VolumeFraction", "habitat1_T1_original_firstorder_Mean"] {
            let (pre, post) = (u.get(id, &format!("pre_{c}")), u.get(id, &format!("post_{c}")));
            let d = u.get(id, &format!("delta_{c}"));
            match (pre, post) {
                (Some(a), Some(b)) => assert!(close(d.unwrap(), b - a), "{id} delta_{c}"),
                _ => assert_eq!(d, None),
            }
        }
        // The whole-tumour columns are those of the run without habitats.
        for b in &base {
            let c = format!("delta_{b}");
            assert_eq!(u.get(id, &c), t.get(id, &c));
        }
    }
    assert!(!u.names.iter().any(|n| n.starts_with("habitat")), "unprefixed habitat columns");

    // --no-delta: the same pre/post columns, no delta columns.
    let plain = tmp.path().join("plain.csv");
    let o = radlsig(&["extract", "--cohort", s(&m), "--no-delta", "--out", s(&plain)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = Table::read(&plain);
    assert_eq!(p.names, expected[..4 + 2 * base.len()]);
    assert_eq!(p.rows, t.rows.iter().map(|r| r[..4 + 2 * base.len()].to_vec()).collect::<Vec<_>>());
}

const HABITATS: &str =
    "kMin: 2\nkMax: 3\nvoxelsPerCase: 300\nnInit: 2\nseed: 5\nsilhouetteSampleSize: 500\n";

/// `extract --cohort` with habitats; returns the exit status's success and the output bytes.
fn with_habitats(m: &Path, settings: &Path, out: &Path, extra: &[&str]) -> Vec<u8> {
    let mut args = vec!["extract", "--cohort", s(m), "--habitats", s(settings), "--out", s(out)];
    args.extend(extra);
    let o = radlsig(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("habitats: k = "), "{}", stderr(&o));
    std::fs::read(out).unwrap()
}

/// Rescales the image of `path` (a non-fit case then looks different).
fn change_image(path: &Path) {
    let v = read_volume(path).unwrap();
    let data = v.data().mapv(|x| (x * 1.5 + 17.0).round());
    write_volume(&Volume::new(data, *v.geometry(), v.pixel_type()).unwrap(), path).unwrap();
}

#[test]
fn habitats_are_deterministic_fitted_on_train_only_and_mapped() {
    let tmp = tempfile::tempdir().unwrap();
    let cohort = tmp.path().join("c");
    let m = synth(&cohort, 6, &["--seed", "6", "--split", "0.5,0.5"]);
    let settings = tmp.path().join("h.yaml");
    std::fs::write(&settings, HABITATS).unwrap();
    let maps = tmp.path().join("maps");
    let a = tmp.path().join("a.csv");
    let b = tmp.path().join("b.csv");
    let first = with_habitats(&m, &settings, &a, &["--habitat-maps", s(&maps), "--jobs", "1"]);
    let second = with_habitats(&m, &settings, &b, &["--jobs", "2"]);
    assert_eq!(first, second, "same seed, 1 and 2 threads: different bytes");

    let t = Table::read(&a);
    let k = (1..=20)
        .take_while(|h| t.names.contains(&format!("habitat{h}_descriptor_VolumeFraction")))
        .count();
    assert!((2..=3).contains(&k), "k = {k}");
    for h in 1..=k {
        for c in [
            "descriptor_ConnectedComponents",
            "descriptor_LargestComponentFraction",
            "original_firstorder_Mean",
            "original_glcm_Contrast",
        ] {
            t.col(&format!("habitat{h}_{c}"));
        }
    }
    assert!(t.names.contains(&"original_glcm_Contrast".to_string()));
    assert!(maps.join("habitat-model.json").is_file());

    // The maps: labels 1..=k exactly on the mask, in the proportions of the VolumeFraction
    // columns.
    let cells = manifest(&m);
    for id in t.ids() {
        let map = read_volume(maps.join(format!("{id}.nii.gz"))).unwrap();
        let mask = read_volume(cohort.join(&cells[id]["Mask"])).unwrap();
        assert_eq!(map.geometry(), mask.geometry());
        let mut counts = vec![0usize; k + 1];
        for (l, m) in map.data().iter().zip(mask.data()) {
            assert_eq!(*l > 0.0, *m == 1.0, "{id}: map and mask disagree");
            assert!(l.fract() == 0.0 && *l <= k as f64);
            counts[*l as usize] += 1;
        }
        let total: usize = counts[1..].iter().sum();
        for h in 1..=k {
            let f = t.get(id, &format!("habitat{h}_descriptor_VolumeFraction")).unwrap();
            assert!(close(f, counts[h] as f64 / total as f64), "{id} habitat {h}: {f}");
        }
    }

    // Leakage: changing a validation case's image changes its own row only; changing a
    // training case's image changes the model, hence the other cases' habitat features.
    let split = |id: &str| cells[id]["split"].clone();
    let val = t.ids().into_iter().find(|id| split(id) == "val").unwrap().to_string();
    let train = t.ids().into_iter().find(|id| split(id) == "train").unwrap().to_string();
    let others_same = |u: &Table, changed: &str| {
        t.rows.iter().filter(|r| r[0] != changed).all(|r| u.row(&r[0]) == r.as_slice())
    };
    // (name, cell) of the habitat columns of a case (k, hence the columns, may change).
    let row_habitats = |u: &Table, id: &str| -> Vec<(String, String)> {
        u.names
            .iter()
            .zip(u.row(id))
            .filter(|(n, _)| n.starts_with("habitat"))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect()
    };
    change_image(&cohort.join(&cells[&val]["Image"]));
    let c = tmp.path().join("c.csv");
    with_habitats(&m, &settings, &c, &[]);
    let u = Table::read(&c);
    assert!(others_same(&u, &val), "a validation case changed the other cases' features");
    assert_ne!(u.row(&val), t.row(&val));

    change_image(&cohort.join(&cells[&train]["Image"]));
    let d = tmp.path().join("d.csv");
    with_habitats(&m, &settings, &d, &[]);
    let w = Table::read(&d);
    let moved = t
        .ids()
        .into_iter()
        .filter(|id| *id != train && *id != val)
        .any(|id| row_habitats(&w, id) != row_habitats(&t, id));
    assert!(
        moved,
        "changing a training case did not move the habitat model (the test above would be vacuous)"
    );
}

#[test]
fn a_bad_case_is_reported_and_the_others_written() {
    let tmp = tempfile::tempdir().unwrap();
    let cohort = tmp.path().join("c");
    let m = synth(&cohort, 4, &["--seed", "7"]);
    let cells = manifest(&m);
    let bad = cohort.join(&cells["case0003"]["Image"]);
    std::fs::write(&bad, b"not a NIfTI file").unwrap();
    let out = tmp.path().join("features.parquet");
    let o = radlsig(&["extract", "--cohort", s(&m), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("case0003") && err.contains("row 3"), "{err}");
    assert!(err.contains(&bad.display().to_string()), "{err}");
    assert!(err.contains("1 of 4 cases failed"), "{err}");
    let df = ParquetReader::new(std::fs::File::open(&out).unwrap()).finish().unwrap();
    let id = df.column("ID").unwrap().str().unwrap().clone();
    let ids: Vec<&str> = (0..id.len()).map(|i| id.get(i).unwrap()).collect();
    assert_eq!(ids, ["case0001", "case0002", "case0004"]);

    // A missing file is caught by the manifest check: every problem is listed with its row,
    // nothing is written.
    std::fs::remove_file(&bad).unwrap();
    let out = tmp.path().join("none.csv");
    let o = radlsig(&["extract", "--cohort", s(&m), "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("row 3") && err.contains("case0003"), "{err}");
    assert!(!out.exists());
}
