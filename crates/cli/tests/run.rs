//! `radlsig run`: reproducibility, caching, `--lock` replay, leakage, the signature formula
//! applied by hand, and bad configurations — on a small synthetic cohort made by `radlsig synth`
//! (40 cases of 44×44×12 voxels, a tiny CNN) so the whole file runs in seconds.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use polars::prelude::{DataType, ParquetReader, SerReader};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_radlsig"))
}

fn ok(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed:\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A small synthetic cohort (seeded; strong planted signal so every split has signal).
fn cohort(dir: &Path) -> PathBuf {
    let out = dir.join("cohort");
    ok(
        bin()
            .args(["synth", "--out"])
            .arg(&out)
            .args(["--cases", "40", "--size", "44x44x12", "--seed", "5", "--centres", "2"])
            .args(["--split", "0.7,0.3,0", "--jobs", "2"])
            .output()
            .unwrap(),
        "synth",
    );
    out.join("manifest.csv")
}

/// The test experiment: radiomics (firstorder + shape + GLCM), a tiny CNN, all signatures.
fn config_text(manifest: &Path, split: &str) -> String {
    format!(
        r#"
name = "t"
seed = 3
[cohort]
manifest = "{}"
[split]
{split}
[radiomics]
params_yaml = """
setting:
  binWidth: 10
featureClass:
  firstorder:
  shape:
  glcm:
"""
[cnn]
threads = 2
[cnn.training]
seed = 2
epochs = 2
batch_size = 8
patience = 0
[cnn.training.preprocess]
crop_size = 8
spacing = 3.0
intensity = "mr"
[cnn.training.model]
stem_width = 4
widths = [8]
blocks = [1]
strides = [2]
embedding = 4
dropout = 0.0
[fusion]
seed = 4
[fusion.rasig]
steps = [{{ kind = "standardize" }}, {{ kind = "near_zero_variance", threshold = 1e-8 }}, {{ kind = "mrmr", k = 3 }}]
model = {{ kind = "logistic", ridge = 0.1 }}
[fusion.dlsig]
source = "probability"
[fusion.radlsig_early]
steps = [{{ kind = "standardize" }}, {{ kind = "near_zero_variance", threshold = 1e-8 }}, {{ kind = "mrmr", k = 3 }}]
model = {{ kind = "logistic", ridge = 0.1 }}
[fusion.radlsig_late]
folds = 3
[evaluation]
bootstrap = 200
"#,
        manifest.display().to_string().replace('\\', "/")
    )
}

fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("t.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(config: &Path, runs: &Path) -> Output {
    bin().arg("run").arg(config).arg("--runs").arg(runs).output().unwrap()
}

/// `radlsig run --lock LOCK --runs RUNS`.
fn replay(lock: &Path, runs: &Path) -> Output {
    bin().args(["run", "--lock"]).arg(lock).arg("--runs").arg(runs).output().unwrap()
}

const TABLES: [&str; 8] = [
    "features.parquet",
    "explanations.csv",
    "embeddings.parquet",
    "predictions.parquet",
    "metrics.csv",
    "comparisons.csv",
    "signature.json",
    "roc.svg",
];

fn same_outputs(a: &Path, b: &Path) {
    for name in TABLES {
        let x = std::fs::read(a.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let y = std::fs::read(b.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(x == y, "{name} differs between {} and {}", a.display(), b.display());
    }
}

fn read_parquet(path: &Path) -> polars::prelude::DataFrame {
    ParquetReader::new(File::open(path).unwrap()).finish().unwrap()
}

fn strings(df: &polars::prelude::DataFrame, name: &str) -> Vec<String> {
    df.column(name)
        .unwrap()
        .cast(&DataType::String)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect()
}

fn floats(df: &polars::prelude::DataFrame, name: &str) -> Vec<f64> {
    df.column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect()
}

#[test]
fn runs_are_reproducible_cached_replayable_and_the_formula_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    // With habitats (fitted on the training rows), so their determinism and replay are checked too.
    let text = config_text(&manifest, "method = \"random\"\nvalidation_fraction = 0.3").replace(
        "[cnn]",
        "habitats_yaml = \"kMin: 2\\nkMax: 3\\nvoxelsPerCase: 200\\nnInit: 1\\nseed: 5\\n\"\n[cnn]",
    );
    let config = write_config(tmp.path(), &text);
    let runs1 = tmp.path().join("runs1");
    let first = ok(run(&config, &runs1), "first run");
    let stdout = String::from_utf8_lossy(&first.stdout);
    for s in ["RAsig", "DLsig", "RADLsig_early", "RADLsig_late", "validation", "DeLong"] {
        assert!(stdout.contains(s), "{s} missing from the printed table:\n{stdout}");
    }
    let dir1 = runs1.join("t");
    for f in TABLES.iter().chain(&["report.html", "run.lock.toml", "calibration.svg"]) {
        assert!(dir1.join(f).is_file(), "{f} not written");
    }

    let features = read_parquet(&dir1.join("features.parquet"));
    let names = features.get_column_names();
    assert!(names.iter().any(|n| n.as_str() == "habitat1_descriptor_CentroidOffset"), "{names:?}");
    assert!(dir1.join("habitat-maps").read_dir().unwrap().count() > 0);

    // A re-run skips the cached stages and writes the same bytes.
    let copy = tmp.path().join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    for name in TABLES {
        std::fs::copy(dir1.join(name), copy.join(name)).unwrap();
    }
    let again = ok(run(&config, &runs1), "second run");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("features: cached"), "{stderr}");
    assert!(stderr.contains("cnn main: cached"), "{stderr}");
    same_outputs(&copy, &dir1);

    // A fresh run elsewhere (nothing cached) gives byte-identical tables.
    let runs2 = tmp.path().join("runs2");
    ok(run(&config, &runs2), "fresh run");
    same_outputs(&dir1, &runs2.join("t"));

    // --lock replays the run exactly.
    let runs3 = tmp.path().join("runs3");
    ok(replay(&dir1.join("run.lock.toml"), &runs3), "lock replay");
    same_outputs(&dir1, &runs3.join("t"));

    // The RAsig formula (standardise, then intercept + Σ coefficient × z) applied by hand to
    // features.parquet reproduces the linear predictors in predictions.parquet.
    let signatures: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir1.join("signature.json")).unwrap())
            .unwrap();
    let rasig = signatures["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["signature"])
        .find(|s| s["id"] == "rasig")
        .expect("rasig in signature.json");
    let standardize = rasig["preprocessing"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "standardize")
        .expect("a standardize transform");
    let names: Vec<&str> =
        standardize["features"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let features = read_parquet(&dir1.join("features.parquet"));
    let ids = strings(&features, "ID");
    let mut by_hand = vec![rasig["intercept"].as_f64().unwrap(); ids.len()];
    let terms = rasig["terms"].as_array().unwrap();
    assert!(!terms.is_empty(), "RAsig selected no feature");
    for term in terms {
        let name = term["name"].as_str().unwrap();
        let j = names.iter().position(|n| *n == name).unwrap();
        let mean = standardize["means"][j].as_f64().unwrap();
        let scale = standardize["scales"][j].as_f64().unwrap();
        let x = floats(&features, name);
        let b = term["coefficient"].as_f64().unwrap();
        for (lp, x) in by_hand.iter_mut().zip(x) {
            *lp += b * (x - mean) / scale;
        }
    }
    let predictions = read_parquet(&dir1.join("predictions.parquet"));
    let (pid, sig) = (strings(&predictions, "ID"), strings(&predictions, "signature"));
    let (lp, score) = (floats(&predictions, "linear_predictor"), floats(&predictions, "score"));
    let mut checked = 0;
    for k in 0..pid.len() {
        if sig[k] != "RAsig" {
            continue;
        }
        let i = ids.iter().position(|id| *id == pid[k]).unwrap();
        assert!((lp[k] - by_hand[i]).abs() <= 1e-9 * (1.0 + by_hand[i].abs()), "{}", pid[k]);
        assert!((score[k] - 1.0 / (1.0 + (-by_hand[i]).exp())).abs() <= 1e-12);
        checked += 1;
    }
    assert_eq!(checked, ids.len());
}

#[test]
fn validation_data_does_not_change_any_fitted_parameter() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    let split = "method = \"manifest\"";
    let config = write_config(tmp.path(), &config_text(&manifest, split));
    let runs_a = tmp.path().join("a");
    ok(run(&config, &runs_a), "run on the original cohort");

    // Change every validation image (brighter, more contrast); nothing else changes.
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let (split_col, image_col) = (col("split"), col("Image"));
    let rows: Vec<Vec<String>> =
        lines.map(|l| l.split(',').map(str::to_string).collect()).collect();
    let base = manifest.parent().unwrap();
    let mut replaced = 0;
    for r in rows.iter().filter(|r| r[split_col] == "val") {
        let path = base.join(&r[image_col]);
        let mut image = radlsig_volume::read_volume(&path).unwrap();
        image.data_mut().mapv_inplace(|v| (1.3 * v + 7.0).round());
        radlsig_volume::write_volume(&image, &path).unwrap();
        replaced += 1;
    }
    assert!(replaced > 0);
    let runs_b = tmp.path().join("b");
    ok(run(&config, &runs_b), "run with changed validation images");
    let (a, b) = (runs_a.join("t"), runs_b.join("t"));
    let sa = std::fs::read_to_string(a.join("signature.json")).unwrap();
    let sb = std::fs::read_to_string(b.join("signature.json")).unwrap();
    assert_eq!(sa, sb, "a fitted parameter changed with the validation data");
    // Training rows' predictions are unchanged; validation rows' are not.
    let pa = read_parquet(&a.join("predictions.parquet"));
    let pb = read_parquet(&b.join("predictions.parquet"));
    let (split_a, lp_a, lp_b) =
        (strings(&pa, "split"), floats(&pa, "linear_predictor"), floats(&pb, "linear_predictor"));
    assert_eq!(strings(&pa, "ID"), strings(&pb, "ID"));
    let mut val_changed = false;
    for k in 0..split_a.len() {
        if split_a[k] == "train" {
            assert_eq!(lp_a[k], lp_b[k]);
        } else if lp_a[k] != lp_b[k] {
            val_changed = true;
        }
    }
    assert!(val_changed, "the changed validation images changed no prediction");
}

#[test]
fn bad_configs_fail_before_any_work_naming_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    let good = config_text(&manifest, "method = \"manifest\"");
    let runs = tmp.path().join("runs");
    let fails = |text: &str, expect: &[&str]| {
        let path = write_config(tmp.path(), text);
        let out = run(&path, &runs);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "accepted: {text}");
        for e in expect {
            assert!(stderr.contains(e), "expected {e:?} in:\n{stderr}");
        }
        assert!(!runs.exists(), "the run folder was created before the checks passed");
    };
    // Unknown keys, at the top and in a section.
    fails(&good.replace("seed = 3", "seeed = 3"), &["seeed"]);
    fails(&good.replace("bootstrap = 200", "bootstrapp = 200"), &["bootstrapp"]);
    fails(&good.replace("{ kind = \"mrmr\", k = 3 }]\nmodel = { kind = \"logistic\", ridge = 0.1 }\n[fusion.dlsig]", "{ kind = \"mrmr\", kk = 3 }]\n[fusion.dlsig]"), &["kk"]);
    // A missing manifest, and a manifest naming a missing image.
    fails(&good.replace("manifest.csv", "nothere.csv"), &["nothere.csv"]);
    let text = std::fs::read_to_string(&manifest).unwrap();
    let broken = manifest.with_file_name("broken.csv");
    let first_image =
        text.lines().nth(1).unwrap().split(',').find(|c| c.contains("images/")).unwrap();
    std::fs::write(&broken, text.replacen(first_image, "images/gone.nii.gz", 1)).unwrap();
    fails(&good.replace("manifest.csv", "broken.csv"), &["gone.nii.gz"]);
    // A split with one class: move every positive validation case to training.
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let (label_col, split_col) = (
        header.iter().position(|h| *h == "label").unwrap(),
        header.iter().position(|h| *h == "split").unwrap(),
    );
    let mut out = String::from(text.lines().next().unwrap());
    for line in text.lines().skip(1) {
        let mut cells: Vec<&str> = line.split(',').collect();
        if cells[split_col] == "val" && cells[label_col] == "1" {
            cells[split_col] = "train";
        }
        out.push('\n');
        out.push_str(&cells.join(","));
    }
    std::fs::write(manifest.with_file_name("oneclass.csv"), out + "\n").unwrap();
    fails(&good.replace("manifest.csv", "oneclass.csv"), &["split \"val\"", "one class"]);
    // More stacking folds than training rows of the smaller class: named before any work.
    fails(
        &good.replace("[fusion.radlsig_late]\nfolds = 3", "[fusion.radlsig_late]\nfolds = 30"),
        &["fit main", "fusion.radlsig_late.folds = 30: needs 30 training rows of each class"],
    );
    // A bad value and a missing section.
    fails(&good.replace("bootstrap = 200", "bootstrap = 200\nconf_level = 1.5"), &["conf_level"]);
    fails(
        &good
            .replace("source = \"probability\"", "source = \"probability\"\n")
            .replace("[cnn]\nthreads = 2", "[cnnx]\nthreads = 2"),
        &["cnnx"],
    );
}

/// The test experiment without the CNN and the signatures that need it.
fn radiomics_only(text: &str) -> String {
    let cnn = text.find("[cnn]").unwrap();
    let fusion = text.find("[fusion]").unwrap();
    let text = format!("{}{}", &text[..cnn], &text[fusion..]);
    let dl = text.find("[fusion.dlsig]").unwrap();
    let eval = text.find("[evaluation]").unwrap();
    format!("{}{}", &text[..dl], &text[eval..])
}

/// A cross-validation whose selection keeps nothing in every fold (no p-value of the
/// Mann–Whitney filter is below 1e-12 on 30 training cases) runs to the end: each fold's RAsig
/// is the intercept-only model, the run warns once per fold, the report lists the folds, and
/// the pooled out-of-fold AUC is flagged as at chance. (Not exactly 0.5: each fold's constant
/// is the logit of its own training prevalence, which is lower where the held-out fold has more
/// positives, so pooled constants rank slightly against the labels.)
#[test]
fn a_fold_whose_selection_keeps_nothing_gets_the_intercept_only_model_not_an_abort() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    let text = radiomics_only(&config_text(&manifest, "method = \"kfold\"\nfolds = 4"))
        .replace("{ kind = \"mrmr\", k = 3 }", "{ kind = \"mann_whitney\", p = 1e-12 }");
    let config = write_config(tmp.path(), &text);
    let runs = tmp.path().join("runs");
    let out = ok(run(&config, &runs), "kfold run with an empty selection");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let warned: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("rasig.steps[2] (mann_whitney): no feature is left"))
        .collect();
    assert_eq!(warned.len(), 4, "one warning per fold:\n{stderr}");
    assert!(
        warned.iter().all(|l| l.starts_with("warning: fit r1f") && l.contains("intercept-only"))
    );
    assert!(stdout.contains("RAsig on cv1: at chance (AUC "), "{stdout}");
    let dir = runs.join("t");
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("<h3>Warnings</h3>") && report.contains("<td>r1f4</td>"));
    let predictions = read_parquet(&dir.join("predictions.parquet"));
    let (fits, lp) = (strings(&predictions, "fit"), floats(&predictions, "linear_predictor"));
    // Each fold predicts one constant, the logit of its training prevalence.
    let labels: Vec<f64> = floats(&predictions, "label");
    for f in 1..=4 {
        let fit = format!("r1f{f}");
        let rows: Vec<usize> = (0..fits.len()).filter(|&k| fits[k] == fit).collect();
        assert!(rows.iter().all(|&k| lp[k] == lp[rows[0]]), "{fit}: not constant");
        let (n, pos) = (labels.len() as f64, labels.iter().sum::<f64>());
        let held = rows.len() as f64;
        let held_pos: f64 = rows.iter().map(|&k| labels[k]).sum();
        let expected = ((pos - held_pos) / (n - held - (pos - held_pos))).ln();
        assert!((lp[rows[0]] - expected).abs() < 1e-12, "{fit}: {} vs {expected}", lp[rows[0]]);
    }
}

/// A hyper-parameter search in `radlsig run`: inside each fit's training rows only (changed
/// validation images leave signature.json as it was), replayed by its lock, reported with the
/// winner and its inner score, nested in a k-fold split (one search per fold), and explained
/// (permutation importance on the evaluated split; SHAP values when a forest wins).
#[test]
fn a_search_is_nested_in_the_fits_leaks_nothing_is_replayed_and_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    let search = "[fusion.rasig.search]\nfolds = 3\nspace = { \"model\" = [{ kind = \"logistic\", \
                  ridge = 0.1 }, { kind = \"random_forest\", trees = 30 }], \"steps[2].k\" = [2, 3] }\n";
    let with_search = |split: &str| {
        radiomics_only(&config_text(&manifest, split))
            .replace("[evaluation]", &format!("{search}[evaluation]\npermutation_repeats = 20"))
    };
    let config = write_config(tmp.path(), &with_search("method = \"manifest\""));
    let runs_a = tmp.path().join("a");
    ok(run(&config, &runs_a), "run with a search");
    let a = runs_a.join("t");
    let signature = std::fs::read_to_string(a.join("signature.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&signature).unwrap();
    let rasig = &json["signatures"][0];
    assert_eq!(rasig["search"]["candidates"].as_array().unwrap().len(), 4, "{signature}");
    let report = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(report.contains("<h3>Hyper-parameter search</h3>") && report.contains("AUC 0."));
    assert!(report.contains("<h3>What drives each signature</h3>"));
    let explanations = std::fs::read_to_string(a.join("explanations.csv")).unwrap();
    assert!(
        explanations
            .lines()
            .any(|l| l.starts_with("main,RAsig,val,") && l.contains(",permutation_auc,")),
        "{explanations}"
    );
    let forest = rasig["signature"]["learner"]["model"]["kind"] == "random_forest";
    assert_eq!(a.join("shap.parquet").exists(), forest);

    // The lock replays the search to the same outputs.
    let replayed = tmp.path().join("replayed");
    ok(replay(&a.join("run.lock.toml"), &replayed), "replay of a search");
    for name in ["signature.json", "predictions.parquet", "explanations.csv", "metrics.csv"] {
        let (x, y) = (
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(replayed.join("t").join(name)).unwrap(),
        );
        assert!(x == y, "{name} differs after the replay");
    }

    // Changed validation images: the search and the signature do not move.
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    for l in lines {
        let r: Vec<&str> = l.split(',').collect();
        if r[col("split")] == "val" {
            let path = manifest.parent().unwrap().join(r[col("Image")]);
            let mut image = radlsig_volume::read_volume(&path).unwrap();
            image.data_mut().mapv_inplace(|v| (1.3 * v + 7.0).round());
            radlsig_volume::write_volume(&image, &path).unwrap();
        }
    }
    let runs_b = tmp.path().join("b");
    ok(run(&config, &runs_b), "run with changed validation images");
    let again = std::fs::read_to_string(runs_b.join("t").join("signature.json")).unwrap();
    assert_eq!(signature, again, "the search saw the validation rows");

    // Nested cross-validation: one search per outer fold, each on that fold's training rows.
    let config = write_config(tmp.path(), &with_search("method = \"kfold\"\nfolds = 3"));
    let runs_k = tmp.path().join("k");
    ok(run(&config, &runs_k), "nested cross-validation");
    let k = runs_k.join("t");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(k.join("signature.json")).unwrap()).unwrap();
    for f in 1..=3 {
        let s = &json[format!("r1f{f}")]["signatures"][0]["search"];
        assert_eq!(s["folds"], 3, "fit r1f{f}: {s}");
    }
    let report = std::fs::read_to_string(k.join("report.html")).unwrap();
    assert!(report.contains("<td>r1f3</td><td>RAsig</td>"), "no search row for r1f3");
}

/// A three-class outcome (`cohort.classes`): label 1 of the synthetic cohort is `positive`, its
/// label-0 cases alternate between `zero` and `low`. One-vs-rest signatures; the Hand & Till and
/// macro AUCs in metrics.csv are those of the class probabilities in predictions.parquet
/// (recomputed here with `multiclass_auc`, itself checked against pROC); the bootstrap is
/// paired and seeded; cross-validation deals every class to every fold; bad labels and a CNN
/// are rejected before any work.
#[test]
fn a_multi_class_outcome_is_fitted_one_vs_rest_and_evaluated_by_hand_and_till() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let col = header.split(',').position(|h| h == "label").unwrap();
    let mut out = vec![header.to_string()];
    let mut zeros = 0;
    for l in lines {
        let mut cells: Vec<String> = l.split(',').map(str::to_string).collect();
        cells[col] = if cells[col] == "1" {
            "positive".into()
        } else {
            zeros += 1;
            (if zeros % 2 == 0 { "zero" } else { "low" }).into()
        };
        out.push(cells.join(","));
    }
    let her2 = manifest.with_file_name("her2.csv");
    std::fs::write(&her2, out.join("\n") + "\n").unwrap();
    let base = radiomics_only(&config_text(&her2, "method = \"manifest\""))
        .replace("[split]", "classes = [\"zero\", \"low\", \"positive\"]\n[split]")
        .replace("[fusion]", "[clinical]\ncolumns = [\"age\"]\n[fusion]")
        .replace(
            "[evaluation]",
            "[fusion.clinical]\nsteps = [{ kind = \"standardize\" }]\nmodel = { kind = \"logistic\", \
             ridge = 0.1 }\n[evaluation]\npermutation_repeats = 10",
        );
    let config = write_config(tmp.path(), &base);
    let runs = tmp.path().join("runs");
    let printed = ok(run(&config, &runs), "multi-class run");
    let stdout = String::from_utf8_lossy(&printed.stdout);
    assert!(stdout.contains("Hand & Till AUC"), "{stdout}");
    let dir = runs.join("t");
    for name in [
        "signature.json",
        "predictions.parquet",
        "metrics.csv",
        "comparisons.csv",
        "explanations.csv",
        "run.lock.toml",
        "report.html",
    ] {
        assert!(dir.join(name).is_file(), "{name} missing");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("signature.json")).unwrap())
            .unwrap();
    assert_eq!(json["main"]["classes"], serde_json::json!(["zero", "low", "positive"]));
    assert!(json["main"]["one_vs_rest"]["low"]["signatures"].is_array(), "{json}");

    // metrics.csv against the predictions.
    let p = read_parquet(&dir.join("predictions.parquet"));
    let (signature, split, label) =
        (strings(&p, "signature"), strings(&p, "split"), strings(&p, "label"));
    let classes = ["zero", "low", "positive"];
    let probs: Vec<Vec<f64>> = classes.iter().map(|c| floats(&p, &format!("p_{c}"))).collect();
    for r in 0..p.height() {
        let sum: f64 = probs.iter().map(|c| c[r]).sum();
        assert!((sum - 1.0).abs() < 1e-12, "row {r}: probabilities sum to {sum}");
    }
    let metrics = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let mut checked = 0;
    for s in ["RAsig", "Clinical"] {
        for sp in ["train", "val"] {
            let rows: Vec<usize> =
                (0..p.height()).filter(|&r| signature[r] == s && split[r] == sp).collect();
            let y: Vec<usize> = rows
                .iter()
                .map(|&r| classes.iter().position(|c| *c == label[r]).unwrap())
                .collect();
            let m: Vec<f64> = rows.iter().flat_map(|&r| probs.iter().map(move |c| c[r])).collect();
            let expect = radlsig_evaluate::multiclass_auc("t", &m, &y, 3).unwrap();
            let line = metrics
                .lines()
                .find(|l| l.starts_with(&format!("{s},{sp},{},hand_till_auc,", rows.len())))
                .unwrap_or_else(|| panic!("no Hand & Till row of {s} on {sp}:\n{metrics}"));
            let cells: Vec<&str> = line.split(',').collect();
            let (est, lo, hi): (f64, f64, f64) =
                (cells[5].parse().unwrap(), cells[6].parse().unwrap(), cells[7].parse().unwrap());
            assert!(
                (est - expect.hand_till).abs() < 1e-12,
                "{s} {sp}: {est} vs {}",
                expect.hand_till
            );
            assert!(lo <= est && est <= hi, "{line}");
            let macro_line = metrics
                .lines()
                .find(|l| l.starts_with(&format!("{s},{sp},{},macro_auc,", rows.len())))
                .unwrap();
            let est: f64 = macro_line.split(',').nth(5).unwrap().parse().unwrap();
            assert!((est - expect.macro_ovr).abs() < 1e-12, "{macro_line}");
            checked += 1;
        }
    }
    assert_eq!(checked, 4);
    let comparisons = std::fs::read_to_string(dir.join("comparisons.csv")).unwrap();
    assert!(
        comparisons.lines().any(|l| l.starts_with("val,RAsig,Clinical,hand_till_auc,")),
        "{comparisons}"
    );
    let explanations = std::fs::read_to_string(dir.join("explanations.csv")).unwrap();
    assert!(explanations.contains("main,RAsig[positive],val,"), "{explanations}");
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(report.contains("Hand &amp; Till") && report.contains("positive vs rest"));

    // The lock replays the run to the same files.
    let replayed = tmp.path().join("replayed");
    ok(replay(&dir.join("run.lock.toml"), &replayed), "replay of a multi-class run");
    for name in ["signature.json", "predictions.parquet", "metrics.csv", "comparisons.csv"] {
        assert!(
            std::fs::read(dir.join(name)).unwrap()
                == std::fs::read(replayed.join("t").join(name)).unwrap(),
            "{name} differs after the replay"
        );
    }

    // Cross-validation: every case predicted once, by a fold that holds every class.
    let kfold = write_config(
        tmp.path(),
        &base.replace("method = \"manifest\"", "method = \"kfold\"\nfolds = 3"),
    );
    let runs_k = tmp.path().join("k");
    ok(run(&kfold, &runs_k), "multi-class cross-validation");
    let p = read_parquet(&runs_k.join("t").join("predictions.parquet"));
    let rasig = strings(&p, "signature").iter().filter(|s| *s == "RAsig").count();
    assert_eq!(rasig, 40);

    // Bad input, before any work.
    let bad = her2.with_file_name("bad.csv");
    std::fs::write(&bad, std::fs::read_to_string(&her2).unwrap().replacen(",low,", ",Low,", 1))
        .unwrap();
    let out =
        run(&write_config(tmp.path(), &base.replace("her2.csv", "bad.csv")), &tmp.path().join("x"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("bad.csv") && err.contains("found \"Low\""),
        "{err}"
    );
    assert!(!tmp.path().join("x").exists(), "a failed check wrote outputs");
    let with_cnn = config_text(&her2, "method = \"manifest\"")
        .replace("[split]", "classes = [\"zero\", \"low\", \"positive\"]\n[split]");
    let out = run(&write_config(tmp.path(), &with_cnn), &tmp.path().join("y"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("cnn: the CNN trains a binary head"), "{err}");
    let two = base.replace("[\"zero\", \"low\", \"positive\"]", "[\"zero\", \"low\"]");
    let out = run(&write_config(tmp.path(), &two), &tmp.path().join("z"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success()
            && err.contains("cohort.classes: a multi-class outcome needs at least 3"),
        "{err}"
    );
}

#[test]
fn kfold_predicts_every_case_once_per_repeat_from_a_model_that_did_not_see_it() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    let text =
        radiomics_only(&config_text(&manifest, "method = \"kfold\"\nfolds = 4\nrepeats = 2"));
    let config = write_config(tmp.path(), &text);
    let runs = tmp.path().join("runs");
    let out = ok(run(&config, &runs), "kfold run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("cv1") && stdout.contains("cv2"), "{stdout}");
    let dir = runs.join("t");
    let predictions = read_parquet(&dir.join("predictions.parquet"));
    let (ids, fits, splits, sigs) = (
        strings(&predictions, "ID"),
        strings(&predictions, "fit"),
        strings(&predictions, "split"),
        strings(&predictions, "signature"),
    );
    let n_cases = std::fs::read_to_string(&manifest).unwrap().lines().count() - 1;
    for repeat in ["cv1", "cv2"] {
        let mut seen: Vec<&str> = (0..ids.len())
            .filter(|&k| splits[k] == repeat && sigs[k] == "RAsig")
            .map(|k| ids[k].as_str())
            .collect();
        seen.sort_unstable();
        let before = seen.len();
        seen.dedup();
        assert_eq!(seen.len(), before, "{repeat}: a case predicted twice");
        assert_eq!(seen.len(), n_cases, "{repeat}: not every case predicted");
    }
    // --manifest and --name run the same design on another cohort file under another name.
    let copy = manifest.with_file_name("copy.csv");
    std::fs::copy(&manifest, &copy).unwrap();
    let out = bin()
        .arg("run")
        .arg(&config)
        .arg("--runs")
        .arg(&runs)
        .args(["--name", "other", "--manifest"])
        .arg(&copy)
        .output()
        .unwrap();
    ok(out, "run with --name and --manifest");
    let lock = std::fs::read_to_string(runs.join("other").join("run.lock.toml")).unwrap();
    assert!(lock.contains("copy.csv") && lock.contains("name = \"other\""), "{lock}");
    let bad = bin().arg("run").arg(&config).args(["--name", "a/b"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a valid folder name"));

    // One fitted set per (repeat, fold), each predicting about a quarter of the cases.
    let sets: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("signature.json")).unwrap())
            .unwrap();
    let names: Vec<&String> = sets.as_object().unwrap().keys().collect();
    assert_eq!(names.len(), 8);
    assert!(names.iter().all(|n| n.starts_with('r') && n.contains('f')));
    let mut by_fit: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for k in 0..ids.len() {
        if sigs[k] == "RAsig" {
            by_fit.entry(fits[k].as_str()).or_default().push(ids[k].as_str());
        }
    }
    assert_eq!(by_fit.len(), 8);
    for (fit, rows) in by_fit {
        assert!(
            rows.len() * 4 >= n_cases - 4 && rows.len() * 4 <= n_cases + 4,
            "{fit}: {}",
            rows.len()
        );
    }
}

/// README's main command, `radlsig demo`, end to end on its default cohort (made here, in a
/// temporary folder): it runs, every AUC it reports in metrics.csv is the pairwise
/// Mann–Whitney AUC of the scores it wrote to predictions.parquet (`pairwise_auc`, a
/// brute-force count independent of radlsig-evaluate), and the planted signal reaches the
/// held-out patients in every signature (validation AUCs when written: RAsig 0.695, DLsig
/// 0.823, RADLsig early 0.825, late 0.823 (convex weights: all on DLsig); the bound 0.6 fails
/// at chance).
#[test]
fn readme_demo_runs_and_reports_the_aucs_of_its_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let (cohort, runs) = (dir.path().join("cohort"), dir.path().join("runs"));
    let out = ok(
        bin().arg("demo").arg("--cohort").arg(&cohort).arg("--runs").arg(&runs).output().unwrap(),
        "radlsig demo",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("demo finished"), "{stdout}");
    let predictions = read_parquet(&runs.join("demo/predictions.parquet"));
    let (split, signature) = (strings(&predictions, "split"), strings(&predictions, "signature"));
    let (label, score) = (floats(&predictions, "label"), floats(&predictions, "score"));
    let metrics = std::fs::read_to_string(runs.join("demo/metrics.csv")).unwrap();
    let mut lines = metrics.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (split_at, score_at, auc_at) = (column("split"), column("score"), column("auc"));
    let mut checked = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let rows: Vec<usize> = (0..score.len())
            .filter(|&i| split[i] == cells[split_at] && signature[i] == cells[score_at])
            .collect();
        let scores: Vec<f64> = rows.iter().map(|&i| score[i]).collect();
        let positive: Vec<bool> = rows.iter().map(|&i| label[i] == 1.0).collect();
        let expected = radlsig_testdata::pairwise_auc(&scores, &positive);
        let reported: f64 = cells[auc_at].parse().unwrap();
        assert!((reported - expected).abs() < 1e-9, "{line}: AUC {reported} vs {expected}");
        if cells[split_at] == "validation" {
            assert!(reported > 0.6, "{}: validation AUC {reported}", cells[score_at]);
        }
        checked += 1;
    }
    // Four signatures on the training and the validation split.
    assert_eq!(checked, 8, "{metrics}");
}

/// A safetensors file of a MedicalNet-named ResNet-10 (shortcut B; widths 4, 4, 8, 8; one input
/// channel) with deterministic weights, an ignored head (`fc.*`) and `num_batches_tracked`
/// counters, written by hand (8-byte header length, JSON header, little-endian data).
fn write_resnet10(path: &Path) {
    let mut tensors: Vec<(String, Vec<usize>)> = Vec::new();
    let bn = |t: &mut Vec<(String, Vec<usize>)>, prefix: &str, c: usize| {
        for leaf in ["weight", "bias", "running_mean", "running_var"] {
            t.push((format!("{prefix}.{leaf}"), vec![c]));
        }
    };
    tensors.push(("conv1.weight".into(), vec![4, 1, 7, 7, 7]));
    bn(&mut tensors, "bn1", 4);
    let widths = [4, 4, 8, 8];
    let mut inplanes = 4;
    for (i, &w) in widths.iter().enumerate() {
        let p = format!("layer{}.0", i + 1);
        tensors.push((format!("{p}.conv1.weight"), vec![w, inplanes, 3, 3, 3]));
        bn(&mut tensors, &format!("{p}.bn1"), w);
        tensors.push((format!("{p}.conv2.weight"), vec![w, w, 3, 3, 3]));
        bn(&mut tensors, &format!("{p}.bn2"), w);
        if w != inplanes || i > 0 {
            tensors.push((format!("{p}.downsample.0.weight"), vec![w, inplanes, 1, 1, 1]));
            bn(&mut tensors, &format!("{p}.downsample.1"), w);
        }
        inplanes = w;
    }
    tensors.push(("fc.weight".into(), vec![2, 8]));
    let mut header = serde_json::Map::new();
    let mut data: Vec<u8> = Vec::new();
    for (k, (name, shape)) in tensors.iter().enumerate() {
        let n: usize = shape.iter().product();
        let start = data.len();
        for i in 0..n {
            let v = if name.ends_with("running_var") {
                1.0 + 0.5 * ((i + k) as f32 * 0.7).sin().abs()
            } else if name.ends_with(".weight") && shape.len() == 1 {
                1.0 + 0.3 * ((i + k) as f32 * 1.3).cos()
            } else {
                0.3 * ((i * 7 + k * 13) as f32 * 0.37).sin()
            };
            data.extend_from_slice(&v.to_le_bytes());
        }
        header.insert(
            name.clone(),
            serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [start, data.len()]}),
        );
    }
    let start = data.len();
    data.extend_from_slice(&0i64.to_le_bytes());
    header.insert(
        "bn1.num_batches_tracked".into(),
        serde_json::json!({"dtype": "I64", "shape": [], "data_offsets": [start, data.len()]}),
    );
    let mut text = serde_json::Value::Object(header).to_string();
    while text.len() % 8 != 0 {
        text.push(' ');
    }
    let mut bytes = (text.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(text.as_bytes());
    bytes.extend_from_slice(&data);
    std::fs::write(path, bytes).unwrap();
}

/// `cnn.mode = "frozen"`: a pretrained backbone's pooled features are DLsig's inputs (no
/// training, no dl_prob), the lock records the weights' SHA-256 and a replay checks it, and
/// configurations that cannot work fail before any work, naming the key.
#[test]
fn a_frozen_pretrained_backbone_gives_the_deep_features() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    let weights = tmp.path().join("resnet10.safetensors");
    write_resnet10(&weights);
    let base = config_text(&manifest, "method = \"random\"\nvalidation_fraction = 0.3");
    let frozen = base
        .replace(
            "[cnn]\nthreads = 2",
            &format!(
                "[cnn]\nthreads = 2\nmode = \"frozen\"\n[cnn.pretrained]\nfile = \"{}\"\nlayout = \"monai\"",
                weights.display().to_string().replace('\\', "/")
            ),
        )
        .replace("intensity = \"mr\"", "intensity = \"mr\"\nmask_channel = false");
    let probability = write_config(tmp.path(), &frozen);
    // dl_prob does not exist without a trained head.
    let out = run(&probability, &tmp.path().join("runs0"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fusion.dlsig: source = \"probability\" reads dl_prob"), "{stderr}");

    let text = frozen.replace(
        "[fusion.dlsig]\nsource = \"probability\"",
        "[fusion.dlsig]\nsource = \"features\"\nsteps = [{ kind = \"standardize\" }, { kind = \"pca\", components = 3 }]\nmodel = { kind = \"logistic\", ridge = 1.0 }",
    );
    let config = write_config(tmp.path(), &text);
    let runs = tmp.path().join("runs");
    let out = ok(run(&config, &runs), "frozen run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("frozen backbone") && stderr.contains("8 features"), "{stderr}");
    assert!(!stderr.contains("training on"), "a frozen backbone is not trained:\n{stderr}");
    let dir = runs.join("t");
    let embeddings = read_parquet(&dir.join("embeddings.parquet"));
    let names: Vec<String> = embeddings.get_column_names().iter().map(|n| n.to_string()).collect();
    assert_eq!(names.len(), 9, "ID and the 8 pooled features: {names:?}");
    assert!(!names.iter().any(|n| n == "dl_prob"));
    // Pooled ReLU maps: non-negative, and they differ between cases.
    let columns: Vec<Vec<f64>> = names[1..].iter().map(|n| floats(&embeddings, n)).collect();
    assert!(columns.iter().flatten().all(|&v| v >= 0.0));
    let varying = columns.iter().filter(|c| c.iter().any(|&v| v != c[0])).count();
    assert!(varying >= 2, "{columns:?}");
    let lock = std::fs::read_to_string(dir.join("run.lock.toml")).unwrap();
    assert!(lock.contains("sha256 = \""), "{lock}");
    // DLsig on the first 3 principal components of the 8 pooled features.
    let signatures = std::fs::read_to_string(dir.join("signature.json")).unwrap();
    for needle in ["\"pca\"", "\"pc3\""] {
        assert!(signatures.contains(needle), "{needle} missing from signature.json");
    }
    ok(replay(&dir.join("run.lock.toml"), &tmp.path().join("replay")), "lock replay");
    // Other weights under the locked name: the replay stops, naming the key.
    let mut bytes = std::fs::read(&weights).unwrap();
    let last = bytes.len() - 9;
    bytes[last] ^= 1;
    std::fs::write(&weights, &bytes).unwrap();
    let out = replay(&dir.join("run.lock.toml"), &tmp.path().join("replay2"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cnn.pretrained.sha256"), "{stderr}");
    // Transfer: a model `radlsig train-cnn` trained on another cohort (here: the same cases,
    // another seed), frozen; its embedding layer and dl_prob.
    let training = tmp.path().join("cnn.toml");
    let cnn_start = base.find("[cnn.training]").unwrap();
    let cnn_end = base.find("[fusion]").unwrap();
    std::fs::write(
        &training,
        base[cnn_start..cnn_end].replace("[cnn.training.", "[").replace("[cnn.training]\n", ""),
    )
    .unwrap();
    let model = tmp.path().join("pretrained-model");
    ok(
        bin()
            .args(["train-cnn", "--manifest"])
            .arg(&manifest)
            .arg("--config")
            .arg(&training)
            .arg("--out")
            .arg(&model)
            .args(["--threads", "2"])
            .output()
            .unwrap(),
        "train-cnn",
    );
    let transfer = base.replace(
        "[cnn]\nthreads = 2",
        &format!(
            "[cnn]\nthreads = 2\nmode = \"frozen\"\n[cnn.pretrained]\nfile = \"{}\"",
            model.display().to_string().replace('\\', "/")
        ),
    );
    let config_t = tmp.path().join("transfer.toml");
    std::fs::write(&config_t, &transfer).unwrap();
    let out = ok(run(&config_t, &tmp.path().join("runs-t")), "transfer run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("frozen model") && stderr.contains("transferred"), "{stderr}");
    let embeddings = read_parquet(&tmp.path().join("runs-t/t/embeddings.parquet"));
    let names: Vec<String> = embeddings.get_column_names().iter().map(|n| n.to_string()).collect();
    assert_eq!(names.len(), 6, "ID, the 4 embedding features and dl_prob: {names:?}");
    assert_eq!(names[5], "dl_prob");
    let lock = std::fs::read_to_string(tmp.path().join("runs-t/t/run.lock.toml")).unwrap();
    assert!(lock.contains("pretrained-model") && lock.contains("sha256 = \""), "{lock}");

    // A truncated file is named.
    std::fs::write(&weights, &bytes[..bytes.len() / 2]).unwrap();
    let out = run(&config, &tmp.path().join("runs3"));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("resnet10.safetensors"), "{stderr}");
}

/// `cnn.mode = "finetune"`: the pretrained backbone under a new embedding layer and head,
/// trained per fit with the backbone at `backbone_learning_rate_scale` × the rate; the model
/// folder records the weights' SHA-256 (the lock's) and the backbone read off the file.
#[test]
fn a_pretrained_backbone_is_finetuned_under_a_new_head() {
    let tmp = tempfile::tempdir().unwrap();
    let manifest = cohort(tmp.path());
    let weights = tmp.path().join("resnet10.safetensors");
    write_resnet10(&weights);
    let base = config_text(&manifest, "method = \"random\"\nvalidation_fraction = 0.3")
        .replace("intensity = \"mr\"", "intensity = \"mr\"\nmask_channel = false");
    let section = |mode: &str, extra: &str| {
        base.replace(
            "[cnn]\nthreads = 2",
            &format!(
                "[cnn]\nthreads = 2\nmode = \"{mode}\"\n[cnn.pretrained]\nfile = \"{}\"\nlayout = \"monai\"\n{extra}",
                weights.display().to_string().replace('\\', "/")
            ),
        )
    };
    // Settings that cannot work stop before any work, naming the key.
    for (text, key) in [
        (
            section("frozen", "backbone_learning_rate_scale = 0.2"),
            "only with cnn.mode = \"finetune\"",
        ),
        (section("finetune", "backbone_learning_rate_scale = 0.0"), "must be in (0, 1]"),
        (
            base.replace("[cnn]\nthreads = 2", "[cnn]\nthreads = 2\nmode = \"finetune\""),
            "cnn.mode = \"finetune\" needs a [cnn.pretrained] file",
        ),
    ] {
        let out = run(&write_config(tmp.path(), &text), &tmp.path().join("refused"));
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(key), "{key} missing from {stderr}");
        assert!(!tmp.path().join("refused/t").exists(), "a refused run wrote its folder");
    }

    let config =
        write_config(tmp.path(), &section("finetune", "backbone_learning_rate_scale = 0.2"));
    let runs = tmp.path().join("runs");
    let out = ok(run(&config, &runs), "finetune run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fine-tuning") && stderr.contains("0.2 × the learning rate"),
        "{stderr}"
    );
    assert!(stderr.contains("training on"), "a fine-tuned backbone is trained:\n{stderr}");
    let dir = runs.join("t");
    let embeddings = read_parquet(&dir.join("embeddings.parquet"));
    let names: Vec<String> = embeddings.get_column_names().iter().map(|n| n.to_string()).collect();
    assert_eq!(names.len(), 6, "ID, the 4 features of the new embedding layer, dl_prob: {names:?}");
    assert!(names.iter().any(|n| n == "dl_prob"));
    // The model folder: the backbone read off the file (7³ stem, widths 4, 4, 8, 8, MONAI
    // strides), the lock's SHA-256, the scale.
    let lock = std::fs::read_to_string(dir.join("run.lock.toml")).unwrap();
    // The pretrained table: file, layout, sha256.
    let pretrained = lock.split("resnet10.safetensors").nth(1).expect("the lock names the file");
    let sha = pretrained.split("sha256 = \"").nth(1).unwrap().split('"').next().unwrap();
    let model_dir = std::fs::read_dir(dir.join("cache"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("cnn-"))
        .expect("a model folder in the cache");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model_dir.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(saved["pretrained_sha256"], serde_json::json!(sha));
    assert_eq!(saved["backbone_learning_rate_scale"], serde_json::json!(0.2));
    assert_eq!(saved["model"]["stem_kernel"], serde_json::json!(7));
    assert_eq!(saved["model"]["widths"], serde_json::json!([4, 4, 8, 8]));
    assert_eq!(saved["model"]["strides"], serde_json::json!([1, 2, 2, 2]));
    assert_eq!(saved["model"]["embedding"], serde_json::json!(4));
    // The lock replays to the same outputs (fine-tuned again from the same weights, seeded).
    ok(replay(&dir.join("run.lock.toml"), &tmp.path().join("replay")), "lock replay");
    same_outputs(&dir, &tmp.path().join("replay/t"));
}
