//! Multi-class AUCs against R pROC 1.18 (`scripts/make-multiclass-fixture.R`, fixture
//! `tests/fixtures/multiclass_proc.json`): Hand & Till's M and its pair AUCs as
//! `multiclass.roc(response, probabilities, direction = ">")` computes them, and the one-vs-rest
//! AUC of every class, on 3- and 4-class data with tied probabilities, to 1e-12.

use radlsig_evaluate::multiclass_auc;
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

#[test]
fn hand_till_and_one_vs_rest_equal_procs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/multiclass_proc.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let classes = case["classes"].as_u64().unwrap() as usize;
        let labels: Vec<usize> = floats(&case["labels"]).iter().map(|&y| y as usize).collect();
        let probabilities: Vec<f64> =
            case["probabilities"].as_array().unwrap().iter().flat_map(floats).collect();
        let m = multiclass_auc(name, &probabilities, &labels, classes).unwrap();
        let close = |a: f64, b: f64, what: &str| {
            assert!((a - b).abs() < 1e-12, "{name} {what}: {a} vs pROC's {b}");
        };
        close(m.hand_till, case["hand_till"].as_f64().unwrap(), "M");
        // pROC names the pairs "1/2", "1/3", … in the same order (classes from 1).
        let names: Vec<&str> =
            case["pair_names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for ((&(i, j, a), want), pair) in m.pairs.iter().zip(floats(&case["pairs"])).zip(names) {
            assert_eq!(pair, format!("{}/{}", i + 1, j + 1));
            close(a, want, pair);
        }
        for (k, (a, want)) in m.one_vs_rest.iter().zip(floats(&case["one_vs_rest"])).enumerate() {
            close(*a, want, &format!("class {k} vs rest"));
        }
        let mean = floats(&case["one_vs_rest"]).iter().sum::<f64>() / classes as f64;
        close(m.macro_ovr, mean, "macro one-vs-rest");
        eprintln!("{name}: M = {:.6}, macro OvR = {:.6} (pROC)", m.hand_till, m.macro_ovr);
    }
}
