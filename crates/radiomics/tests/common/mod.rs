//! Helpers shared by the reference tests: a small CSV reader, a reader for the Python dict
//! literals in PyRadiomics' baseline files, and the comparison rule.
#![allow(dead_code)]

use std::path::Path;

/// Splits CSV text (RFC 4180 quoting, as Python's `csv` module writes it) into rows of fields.
pub fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = text.trim_start_matches('\u{feff}');
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// Parses the subset of Python literals PyRadiomics writes in `diagnostics_Configuration_Settings`
/// (dicts, lists, tuples, strings, numbers, True/False/None) into JSON.
pub fn python_literal(text: &str) -> serde_json::Value {
    let mut p = Literal { s: text.as_bytes(), i: 0 };
    let v = p.value();
    p.ws();
    assert_eq!(p.i, p.s.len(), "trailing text in Python literal {text:?}");
    v
}

struct Literal<'a> {
    s: &'a [u8],
    i: usize,
}

impl Literal<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> u8 {
        self.ws();
        *self.s.get(self.i).unwrap_or_else(|| panic!("unexpected end of Python literal"))
    }

    fn expect(&mut self, c: u8) {
        assert_eq!(self.peek(), c, "at byte {} of Python literal", self.i);
        self.i += 1;
    }

    fn value(&mut self) -> serde_json::Value {
        use serde_json::Value;
        match self.peek() {
            b'{' => {
                self.i += 1;
                let mut map = serde_json::Map::new();
                while self.peek() != b'}' {
                    let Value::String(key) = self.value() else {
                        panic!("dict key is not a string")
                    };
                    self.expect(b':');
                    let v = self.value();
                    map.insert(key, v);
                    if self.peek() == b',' {
                        self.i += 1;
                    }
                }
                self.i += 1;
                Value::Object(map)
            }
            open @ (b'[' | b'(') => {
                let close = if open == b'[' { b']' } else { b')' };
                self.i += 1;
                let mut items = Vec::new();
                while self.peek() != close {
                    items.push(self.value());
                    if self.peek() == b',' {
                        self.i += 1;
                    }
                }
                self.i += 1;
                Value::Array(items)
            }
            q @ (b'\'' | b'"') => {
                self.i += 1;
                let start = self.i;
                while self.s[self.i] != q {
                    self.i += 1;
                }
                let out = std::str::from_utf8(&self.s[start..self.i]).unwrap().to_string();
                self.i += 1;
                Value::String(out)
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len()
                    && !b",:]})".contains(&self.s[self.i])
                    && !self.s[self.i].is_ascii_whitespace()
                {
                    self.i += 1;
                }
                let word = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                match word {
                    "True" => Value::Bool(true),
                    "False" => Value::Bool(false),
                    "None" => Value::Null,
                    w => {
                        if let Ok(i) = w.parse::<i64>() {
                            Value::from(i)
                        } else {
                            Value::from(
                                w.parse::<f64>().unwrap_or_else(|_| panic!("not a number: {w}")),
                            )
                        }
                    }
                }
            }
        }
    }
}

/// Relative difference `≤ rel`, or absolute difference `≤ 1e-9` near 0.
pub fn close(ours: f64, reference: f64, rel: f64) -> bool {
    let diff = (ours - reference).abs();
    diff <= 1e-9 || diff <= rel * reference.abs() || (ours.is_nan() && reference.is_nan())
}

#[test]
fn python_literal_subset() {
    let v = python_literal(
        "{'a': [1, 2.5], 'b': None, 'c': True, 'd': 'sitkBSpline', 'e': (-3, 3e-2)}",
    );
    assert_eq!(v["a"][1], 2.5);
    assert!(v["b"].is_null());
    assert_eq!(v["c"], true);
    assert_eq!(v["d"], "sitkBSpline");
    assert_eq!(v["e"][0], -3);
    assert_eq!(v["e"][1], 0.03);
}
