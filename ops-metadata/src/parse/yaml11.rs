//! YAML 1.1 scalar resolution, as Juju reads charm YAML (go-yaml v2).
//!
//! `serde_yaml` follows YAML 1.2, where `yes`, `off` or `0644` are strings. Juju reads
//! `metadata.yaml`, `config.yaml` and `actions.yaml` with go-yaml v2, a YAML 1.1 parser, so for Juju
//! `default: off` is the boolean `false` and `mode: 0644` the integer 420. After loading, every
//! *plain* (unquoted, non-block) scalar that `serde_yaml` left as a string is resolved again with
//! go-yaml v2's rules:
//!
//! * booleans: `y Y yes Yes YES on On ON` and `n N no No NO off Off OFF` (with `true`/`false`, which
//!   both readers share);
//! * integers: underscores dropped, then Go's `strconv.ParseInt(s, 0, 64)`: an optional sign, then
//!   `0x`, `0o`, `0b` or a leading `0` (octal) prefix, else decimal;
//! * floats: underscores dropped, then `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
//!   (so `09`, not valid octal, is the float 9.0, as for Juju).
//!
//! PyYAML (charmcraft) agrees except on `y`/`n` and exponents without a dot (`1e3`), strings for
//! PyYAML. It does not matter: charmcraft writes such a string back unquoted (its own resolver
//! sees no ambiguity) into the packed `config.yaml`/`actions.yaml`, and Juju reads that file with
//! go-yaml v2. One known difference is left: PyYAML's sexagesimal integers (`1:30` is 90). In a
//! `config.yaml` Juju reads the string `1:30`, as here; in a unified `charmcraft.yaml` charmcraft
//! would pack `90`, where this parser keeps the string.

use std::collections::HashMap;

use serde_yaml::Value;

use super::locate::PosIndex;

/// The value go-yaml v2 gives the plain scalar `text`, when it is not a string.
pub(crate) fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Some(Value::Bool(true))
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Some(Value::Bool(false))
        }
        _ => {}
    }
    if !text.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-' || c == '.') {
        return None;
    }
    let plain: String = text.chars().filter(|&c| c != '_').collect();
    if let Some(i) = go_parse_int(&plain) {
        return Some(Value::Number(i.into()));
    }
    if is_yaml_float(&plain) {
        if let Ok(f) = plain.parse::<f64>() {
            return Some(Value::Number(f.into()));
        }
    }
    None
}

/// Go's `strconv.ParseInt(s, 0, 64)` (underscores already removed).
fn go_parse_int(s: &str) -> Option<i64> {
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.get(..2).map(str::to_ascii_lowercase);
    let (radix, digits) = match lower.as_deref() {
        Some("0x") => (16, &rest[2..]),
        Some("0o") => (8, &rest[2..]),
        Some("0b") => (2, &rest[2..]),
        _ if rest.len() > 1 && rest.starts_with('0') => (8, &rest[1..]),
        _ => (10, rest),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(e) => digits(e.strip_prefix(['-', '+']).unwrap_or(e)),
    };
    mantissa_ok && exponent_ok
}

/// Re-resolves every plain scalar value of `root` (keys are left alone) as go-yaml v2 does. Returns
/// the key path and original text of each value that changed, for messages.
pub(crate) fn apply(root: &mut Value, index: &PosIndex) -> HashMap<Vec<String>, String> {
    let mut changed = HashMap::new();
    walk(root, &mut Vec::new(), index, &mut changed);
    changed
}

fn walk(
    value: &mut Value,
    path: &mut Vec<String>,
    index: &PosIndex,
    changed: &mut HashMap<Vec<String>, String>,
) {
    match value {
        Value::String(text) => {
            if index.is_plain_scalar(path) {
                if let Some(resolved) = resolve_plain(text) {
                    changed.insert(path.clone(), std::mem::take(text));
                    *value = resolved;
                }
            }
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                walk(item, path, index, changed);
                path.pop();
            }
        }
        Value::Mapping(map) => {
            for (key, item) in map.iter_mut() {
                let Value::String(key) = key else { continue };
                path.push(key.clone());
                walk(item, path, index, changed);
                path.pop();
            }
        }
        Value::Tagged(_) | Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_as_go_yaml_v2() {
        for t in ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"] {
            assert_eq!(resolve_plain(t), Some(Value::Bool(true)), "{t}");
        }
        for f in ["n", "N", "no", "No", "NO", "off", "Off", "OFF"] {
            assert_eq!(resolve_plain(f), Some(Value::Bool(false)), "{f}");
        }
        // Mixed case is not in go-yaml v2's table.
        for s in ["yEs", "oN", "nO", "OfF", "yes please", "none"] {
            assert_eq!(resolve_plain(s), None, "{s}");
        }
    }

    #[test]
    fn integers_as_go_parse_int() {
        let int = |s: &str| resolve_plain(s).and_then(|v| v.as_i64());
        assert_eq!(int("0644"), Some(0o644));
        assert_eq!(int("-012"), Some(-10));
        assert_eq!(int("+0755"), Some(0o755));
        assert_eq!(int("1_000"), Some(1000));
        assert_eq!(int("0x_1F"), Some(31));
        assert_eq!(int("0b1_01"), Some(5));
        assert_eq!(int("-9223372036854775808"), Some(i64::MIN));
        assert_eq!(int("9223372036854775808"), None);
    }

    #[test]
    fn floats_as_go_yaml_v2() {
        let float = |s: &str| resolve_plain(s).and_then(|v| v.as_f64());
        // Not valid octal: go-yaml v2 falls back to its float pattern.
        assert_eq!(float("09"), Some(9.0));
        assert_eq!(float("1_0.5"), Some(10.5));
        assert_eq!(float("1e3"), Some(1000.0));
        for s in ["1.2.3", "e3", "1e", ".", "-", "0x", "1-2", "v1.0", "1.0a"] {
            assert_eq!(resolve_plain(s), None, "{s}");
        }
    }
}
