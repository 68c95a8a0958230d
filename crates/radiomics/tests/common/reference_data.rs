//! Readers for the reference files in `../shared` used by the radiomics reference tests:
//! quote-aware CSV, PyRadiomics' transposed baseline tables, Python dict literals of settings,
//! and `.npy` float64 arrays; plus a relative/absolute comparison.
//!
//! Include it from a test file with
//! `#[path = "common/reference_data.rs"] mod reference_data;` (no shared `mod.rs`, so test
//! files owned by different people do not collide).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;

/// Reads a comma-separated file into rows of fields. Fields may be double-quoted (commas
/// inside quotes do not split; `""` inside quotes is a quote). A UTF-8 byte-order mark is
/// dropped. Panics with the path on I/O errors (test helper).
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut rows = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted && chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = !quoted,
                ',' if !quoted => fields.push(std::mem::take(&mut field)),
                _ => field.push(c),
            }
        }
        fields.push(field);
        rows.push(fields);
    }
    rows
}

/// A wide CSV (one row per record, first row = header) as header → column index, plus rows.
pub struct WideTable {
    /// Column names.
    pub header: Vec<String>,
    /// Data rows.
    pub rows: Vec<Vec<String>>,
}

impl WideTable {
    /// Reads a wide CSV.
    pub fn read(path: &Path) -> WideTable {
        let mut rows = read_csv(path);
        let header = rows.remove(0);
        WideTable { header, rows }
    }

    /// The row whose column `key` equals `value`.
    pub fn row(&self, key: &str, value: &str) -> Option<HashMap<&str, &str>> {
        let k = self.header.iter().position(|h| h == key)?;
        let row = self.rows.iter().find(|r| r[k] == value)?;
        Some(self.header.iter().map(|h| h.as_str()).zip(row.iter().map(|v| v.as_str())).collect())
    }
}

/// A PyRadiomics baseline table (`baseline/baseline_<class>.csv`): one row per feature or
/// diagnostic, one column per test configuration.
pub struct BaselineTable {
    /// Configuration names (`brain1`, `brain1_2d`, …), in file order.
    pub configurations: Vec<String>,
    /// Row name → one value per configuration.
    pub rows: HashMap<String, Vec<String>>,
}

impl BaselineTable {
    /// Reads a transposed baseline table.
    pub fn read(path: &Path) -> BaselineTable {
        let mut rows = read_csv(path);
        let mut header = rows.remove(0);
        header.remove(0);
        let rows = rows
            .into_iter()
            .map(|mut r| {
                let name = r.remove(0);
                (name, r)
            })
            .collect();
        BaselineTable { configurations: header, rows }
    }

    /// The value of row `name` for configuration index `c`.
    pub fn get(&self, name: &str, c: usize) -> Option<&str> {
        self.rows.get(name).and_then(|r| r.get(c)).map(|s| s.as_str())
    }

    /// The names of the rows starting with `prefix`.
    pub fn rows_with_prefix(&self, prefix: &str) -> Vec<&str> {
        let mut names: Vec<&str> =
            self.rows.keys().filter(|k| k.starts_with(prefix)).map(|k| k.as_str()).collect();
        names.sort_unstable();
        names
    }
}

/// The raw text of `key`'s value in a Python dict literal such as
/// `{'binWidth': 25, 'force2D': False, 'resegmentRange': [-3, 3]}` (nested lists are kept
/// whole); `None` when the key is absent.
pub fn python_dict_value<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let needle = format!("'{key}': ");
    let start = dict.find(&needle)? + needle.len();
    let rest = &dict[start..];
    let mut depth = 0i32;
    for (k, c) in rest.char_indices() {
        match c {
            '[' | '(' | '{' => depth += 1,
            ']' | ')' | '}' if depth > 0 => depth -= 1,
            ',' | '}' if depth == 0 => return Some(rest[..k].trim()),
            _ => {}
        }
    }
    Some(rest.trim())
}

/// Parses a Python list literal of numbers (`[1, 2.5]`).
pub fn python_number_list(text: &str) -> Vec<f64> {
    text.trim_matches(|c| c == '[' || c == ']' || c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or_else(|e| panic!("{text}: {e}")))
        .collect()
}

/// A float64 `.npy` array, data in C order whatever the file's order.
pub struct Npy {
    /// The shape.
    pub shape: Vec<usize>,
    /// The values, C order (last index fastest).
    pub data: Vec<f64>,
}

impl Npy {
    /// Reads a `.npy` file (format 1.x/2.x/3.x) holding little-endian float64 (`<f8`), in C
    /// or Fortran order. Panics on anything else (test helper).
    pub fn read(path: &Path) -> Npy {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            bytes.len() > 10 && &bytes[..6] == b"\x93NUMPY",
            "{}: not a .npy file",
            path.display()
        );
        let (header_len, offset) = match bytes[6] {
            1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
            2 | 3 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
            v => panic!("{}: unsupported .npy version {v}", path.display()),
        };
        let header =
            std::str::from_utf8(&bytes[offset..offset + header_len]).expect("ascii header");
        let descr = python_dict_value(header, "descr").expect("descr");
        assert_eq!(descr, "'<f8'", "{}: only little-endian float64 is supported", path.display());
        let fortran = python_dict_value(header, "fortran_order").expect("fortran_order") == "True";
        let shape: Vec<usize> =
            python_number_list(python_dict_value(header, "shape").expect("shape"))
                .iter()
                .map(|&v| v as usize)
                .collect();
        let n: usize = shape.iter().product();
        let body = &bytes[offset + header_len..];
        assert_eq!(body.len(), n * 8, "{}: data size", path.display());
        let raw: Vec<f64> =
            body.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
        let data = if fortran && shape.len() > 1 {
            // Fortran order: first index fastest. Re-order into C order.
            let mut c_order = vec![0.0; n];
            let mut index = vec![0usize; shape.len()];
            for &v in &raw {
                let mut flat = 0;
                for (d, &i) in index.iter().enumerate() {
                    flat = flat * shape[d] + i;
                }
                c_order[flat] = v;
                for d in 0..shape.len() {
                    index[d] += 1;
                    if index[d] < shape[d] {
                        break;
                    }
                    index[d] = 0;
                }
            }
            c_order
        } else {
            raw
        };
        Npy { shape, data }
    }
}

/// Whether `got` agrees with `want`: relative difference ≤ `rel`, or absolute ≤ `abs` (for
/// values near 0). Both NaN counts as agreement; infinities must be equal.
pub fn close(got: f64, want: f64, rel: f64, abs: f64) -> bool {
    if got.is_nan() || want.is_nan() {
        return got.is_nan() && want.is_nan();
    }
    if got == want {
        return true;
    }
    let diff = (got - want).abs();
    diff <= abs || diff <= rel * want.abs().max(got.abs())
}

/// Collects comparison failures so that a test reports all of them at once.
#[derive(Default)]
pub struct Mismatches {
    /// One line per failure.
    pub lines: Vec<String>,
    /// Number of comparisons made.
    pub checked: usize,
    /// Largest relative difference seen among values whose reference is not 0.
    pub max_rel: f64,
}

impl Mismatches {
    /// Compares and records a failure.
    pub fn check(&mut self, what: &str, got: f64, want: f64, rel: f64, abs: f64) {
        self.checked += 1;
        if want != 0.0 && got.is_finite() && want.is_finite() {
            self.max_rel = self.max_rel.max((got - want).abs() / want.abs());
        }
        if !close(got, want, rel, abs) {
            let r = (got - want).abs() / want.abs();
            self.lines.push(format!("{what}: got {got:e}, want {want:e} (rel {r:.2e})"));
        }
    }

    /// Records a failure directly.
    pub fn fail(&mut self, line: String) {
        self.lines.push(line);
    }

    /// Panics with every failure, or when nothing was compared; prints the largest relative
    /// difference (visible with `--nocapture`).
    pub fn assert_none(&self, context: &str) {
        assert!(self.checked > 0, "{context}: nothing was compared");
        eprintln!(
            "{context}: {} values compared, max relative difference {:.2e}",
            self.checked, self.max_rel
        );
        assert!(
            self.lines.is_empty(),
            "{context}: {} of {} comparisons failed:\n{}",
            self.lines.len(),
            self.checked,
            self.lines.join("\n")
        );
    }
}
