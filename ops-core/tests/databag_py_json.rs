//! `#[databag(encoding = "json")]` writes what Python's `json.dumps` writes (ops 3's
//! `Relation.save`): every value ops 3 saved in the recording of
//! `ops-testing/tests/fixtures/ops3-databags` (made by `record.py` there, with ops 3 itself),
//! decoded and encoded again, is byte-identical. The typed round trips, in both test styles, are
//! in `ops-testing/tests/databag_encoding.rs`.

use ops_core::databag::{to_py_json, DatabagError};
use serde_json::Value;

const RECORDED: &str = include_str!("../../ops-testing/tests/fixtures/ops3-databags/recorded.json");

/// Every value ops 3's `save` wrote, with its key.
fn saved_values() -> Vec<(String, String)> {
    let rec: Value = serde_json::from_str(RECORDED).expect("the recording is JSON");
    let mut out = Vec::new();
    for entry in rec["saved"].as_array().expect("saved") {
        for (k, v) in entry["databag"].as_object().expect("a databag") {
            out.push((k.clone(), v.as_str().expect("a string").to_string()));
        }
    }
    out
}

#[test]
fn every_value_ops3_saved_is_written_again_byte_for_byte() {
    let values = saved_values();
    assert!(values.len() >= 20, "{}", values.len());
    for (key, python) in values {
        let decoded: Value = serde_json::from_str(&python).expect("ops 3 wrote JSON");
        let rust = to_py_json(&key, &decoded).expect("encodes");
        assert_eq!(rust, python, "`{key}`");
    }
}

#[test]
fn floats_as_python_repr() {
    // What `python3 -c 'import json; print(json.dumps(v))'` prints for each (Python 3.11),
    // beyond the recording's list.
    for (value, python) in [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (2.0, "2.0"),
        (-1.5, "-1.5"),
        (1e-4, "0.0001"),
        (9.99e-5, "9.99e-05"),
        (1e-5, "1e-05"),
        (1.25e-100, "1.25e-100"),
        (123456789012345.6, "123456789012345.6"),
        (999999999999999.9, "999999999999999.9"),
        (1e16, "1e+16"),
        (1.2345e16, "1.2345e+16"),
        (-3e20, "-3e+20"),
        (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
    ] {
        assert_eq!(
            to_py_json("k", &value).expect("encodes"),
            python,
            "{value:e}"
        );
    }
    // Python has no f32: an f32 is written with its own shortest digits (Python reads 0.1 back).
    assert_eq!(to_py_json("k", &0.1f32).expect("encodes"), "0.1");
    assert_eq!(to_py_json("k", &1e20f32).expect("encodes"), "1e+20");
}

#[test]
fn strings_as_python_ensure_ascii() {
    // Checked with `json.dumps` as above.
    for (value, python) in [
        ("", r#""""#),
        ("a/b", r#""a/b""#),
        ("~ \u{7f}\u{80}", r#""~ \u007f\u0080""#),
        ("\u{8}\u{c}\u{b}", r#""\b\f\u000b""#),
        ("ÿ\u{ffff}\u{10000}", r#""\u00ff\uffff\ud800\udc00""#),
    ] {
        assert_eq!(
            to_py_json("k", value).expect("encodes"),
            python,
            "{value:?}"
        );
    }
}

#[test]
fn nested_separators_as_python() {
    // Checked with `json.dumps` as above.
    let v = serde_json::json!({"a": [1, {"b": []}], "c": {}});
    assert_eq!(
        to_py_json("k", &v).expect("encodes"),
        r#"{"a": [1, {"b": []}], "c": {}}"#
    );
}

#[test]
fn a_value_serde_cannot_encode_is_a_typed_error_naming_the_key() {
    // A map with non-string keys is not JSON.
    let bad = std::collections::BTreeMap::from([((1, 2), "x")]);
    let err = to_py_json("pairs", &bad).expect_err("not JSON");
    assert!(
        matches!(&err, DatabagError::Encode { key, .. } if key == "pairs"),
        "{err:?}"
    );
}
