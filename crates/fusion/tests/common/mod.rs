//! Helpers shared by the reference tests: fixture loading and tolerance checks.
#![allow(dead_code)]

use ndarray::Array2;
use serde_json::Value;

/// Parses `tests/fixtures/<name>`.
pub fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A JSON array of numbers.
pub fn vec_f64(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap_or_else(|| panic!("not a number: {x}")))
        .collect()
}

/// A JSON array of strings.
pub fn vec_str(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

/// A JSON array of rows.
pub fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vec_f64).collect();
    let (n, p) = (rows.len(), rows.first().map_or(0, Vec::len));
    Array2::from_shape_fn((n, p), |(i, j)| rows[i][j])
}

/// Largest `|a − b| / max(1, |b|)`: relative for large values, absolute near zero.
pub fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter().zip(b).map(|(x, y)| (x - y).abs() / y.abs().max(1.0)).fold(0.0, f64::max)
}

/// Asserts `max_rel_diff(a, b) <= tol` and prints the achieved value.
pub fn assert_close(what: &str, a: &[f64], b: &[f64], tol: f64) {
    let d = max_rel_diff(a, b);
    eprintln!("{what}: max rel diff {d:.3e} (tolerance {tol:.0e})");
    assert!(d <= tol, "{what}: max rel diff {d:e} > {tol:e}\n ours {a:?}\n ref  {b:?}");
}

/// Flattens a matrix row by row.
pub fn flat(m: &Array2<f64>) -> Vec<f64> {
    m.iter().copied().collect()
}

/// Flattens nested JSON arrays of numbers.
pub fn flat_json(v: &Value) -> Vec<f64> {
    match v {
        Value::Array(a) => a.iter().flat_map(flat_json).collect(),
        Value::Number(n) => vec![n.as_f64().unwrap()],
        other => panic!("not numeric: {other}"),
    }
}
