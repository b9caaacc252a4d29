//! Small re-implementations of Python behaviours ops relies on when it builds hook-tool arguments
//! (`str()` of values, `repr()` in messages, `int()` parsing, regex `$`, truthiness).

use serde_json::Value;

/// Python's `str.isspace()` for one character (also what `\s` matches in a `str` pattern).
pub(crate) fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` (no arguments).
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// Python's `re.match(r'^...$', s)`: `$` also matches just before a trailing `\n`, so `ok` is tried
/// on `s` and on `s` minus one final newline.
pub(crate) fn py_dollar_match(s: &str, ok: impl Fn(&str) -> bool) -> bool {
    ok(s) || s.strip_suffix('\n').is_some_and(ok)
}

/// Python's `int(s)` for a decimal string: surrounding whitespace, a sign, `_` between digits.
pub(crate) fn py_int(s: &str) -> Option<i64> {
    let s = py_strip(s);
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        if c == '_' {
            continue;
        }
        let d = i64::from(c.to_digit(10)?);
        value = value.checked_mul(10)?.checked_add(d)?;
    }
    Some(if negative { -value } else { value })
}

/// Python's `repr(float)` (also its `str()`): shortest round-trip digits, scientific notation when
/// the exponent is below -4 or at least 16 (`1e+16`, `1e-05`, `0.0001`, `4.5`, `1.0`).
pub(crate) fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_string();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0.0");
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1;
    let n = digits.len() as i32;
    if !(-4..16).contains(&exp) {
        let mut out = String::from(sign);
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let esign = if exp < 0 { '-' } else { '+' };
        out.push_str(&format!("e{esign}{:02}", exp.abs()));
        out
    } else if decpt <= 0 {
        format!("{sign}0.{}{digits}", "0".repeat((-decpt) as usize))
    } else if decpt >= n {
        format!("{sign}{digits}{}.0", "0".repeat((decpt - n) as usize))
    } else {
        let (a, b) = digits.split_at(decpt as usize);
        format!("{sign}{a}.{b}")
    }
}

/// Python's `repr(str)`.
pub(crate) fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' ' => out.push(' '),
            c if c.is_control() || c.is_whitespace() => {
                let code = c as u32;
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn py_number(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        py_float_repr(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// Python's `str(value)` for a JSON-like value (`None`, `True`, `1.0`, `['a', 1]`, `{'k': 'v'}`).
pub(crate) fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python's `repr(value)` for a JSON-like value.
pub(crate) fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Number(n) => py_number(n),
        Value::String(s) => py_repr_str(s),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(py_repr).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => {
            let inner: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_repr_str(k), py_repr(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

/// Python truthiness of a JSON-like value (`None`, `False`, `0`, `''`, `[]`, `{}` are false).
pub(crate) fn py_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (4.5, "4.5"),
            (1.0, "1.0"),
            (-2.25, "-2.25"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (123.456, "123.456"),
            (1e100, "1e+100"),
            (f64::INFINITY, "inf"),
        ];
        for (f, want) in cases {
            assert_eq!(py_float_repr(f), want, "{f}");
        }
    }

    #[test]
    fn str_and_repr_match_python() {
        assert_eq!(py_str(&json!("dead beef")), "dead beef");
        assert_eq!(py_str(&json!(1)), "1");
        assert_eq!(py_str(&json!(true)), "True");
        assert_eq!(py_str(&json!(null)), "None");
        assert_eq!(
            py_str(&json!([1, "a", "b'c", null, true, 1.0, {"x": 1}])),
            r#"[1, 'a', "b'c", None, True, 1.0, {'x': 1}]"#
        );
        assert_eq!(py_repr_str("a\nb\\"), r"'a\nb\\'");
        assert_eq!(py_repr_str("it's \"x\""), r#"'it\'s "x"'"#);
        assert_eq!(py_repr_str("\u{1}"), r"'\x01'");
        // Python's repr of whitespace that is not printable, each escape width (checked with
        // CPython 3: `repr('\x85')`, `repr('\xa0')`, `repr('\u2028')`, `repr('\u3000')`).
        assert_eq!(py_repr_str("\u{85}\u{a0}"), r"'\x85\xa0'");
        assert_eq!(py_repr_str("\u{2028}\u{3000}"), r"'\u2028\u3000'");
    }

    #[test]
    fn int_matches_python() {
        assert_eq!(py_int("5"), Some(5));
        assert_eq!(py_int(" -3 \n"), Some(-3));
        assert_eq!(py_int("+7"), Some(7));
        assert_eq!(py_int("1_000"), Some(1000));
        for bad in [
            "",
            "x",
            "1.5",
            "_1",
            "1_",
            "1__0",
            "- 1",
            "99999999999999999999",
        ] {
            assert_eq!(py_int(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dollar_quirk() {
        let is_abc = |s: &str| s == "abc";
        assert!(py_dollar_match("abc", is_abc));
        assert!(py_dollar_match("abc\n", is_abc));
        assert!(!py_dollar_match("abc\n\n", is_abc));
    }

    #[test]
    fn truthiness() {
        for falsy in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!py_truthy(&falsy), "{falsy}");
        }
        for truthy in [
            json!(true),
            json!(1),
            json!("x"),
            json!([0]),
            json!({"a": 1}),
        ] {
            assert!(py_truthy(&truthy), "{truthy}");
        }
    }
}
