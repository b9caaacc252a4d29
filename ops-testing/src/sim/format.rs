//! Output formats of the hook tools, as Juju's Go `cmd` package renders them (and juju-sim
//! mirrors): `json` (sorted keys, compact, HTML-safe escapes), `yaml` and `smart`.

use serde_json::Value;

/// A JSON number the way Go's encoder sees it: integral floats print as integers.
fn write_number(n: &serde_json::Number, out: &mut String) {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        if f.fract() == 0.0 && f.abs() < 1e21 {
            // Exact for every integral f64 below 1e21 (i128 holds them all).
            out.push_str(&(f as i128).to_string());
            return;
        }
    }
    out.push_str(&n.to_string());
}

fn write_string(s: &str, out: &mut String) {
    let quoted = serde_json::Value::String(s.to_string()).to_string();
    for c in quoted.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_json(&map[key], out);
            }
            out.push('}');
        }
    }
}

/// `--format=json`: one line, keys sorted, `<`, `>`, `&` escaped as Go does.
pub fn format_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out.push('\n');
    out
}

fn is_plain(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let first_ok = first.is_ascii_alphanumeric() || "_./@$(".contains(first);
    first_ok
        && chars.all(|c| !"\n:#'\"{}[],&*!|>%`".contains(c))
        && !text.ends_with(' ')
        && !is_special(text)
}

/// YAML words and numbers that a plain scalar would be read back as something else.
fn is_special(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | ".inf" | ".nan"
    ) {
        return true;
    }
    // [-+]?\.?[0-9][0-9_.eE+-]*
    let rest = lower.strip_prefix(['-', '+']).unwrap_or(&lower);
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    let mut chars = rest.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_digit() || "_.e+-".contains(c))
}

fn yaml_scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => {
            let mut s = String::new();
            write_number(n, &mut s);
            s
        }
        Value::String(s) if is_plain(s) => s.clone(),
        Value::String(s) => Value::String(s.clone()).to_string(),
        other => other.to_string(),
    }
}

fn yaml_inline(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".to_string(),
        Value::Array(_) => "[]".to_string(),
        other => yaml_scalar(other),
    }
}

fn non_empty_collection(value: &Value) -> bool {
    match value {
        Value::Object(m) => !m.is_empty(),
        Value::Array(a) => !a.is_empty(),
        _ => false,
    }
}

fn yaml_lines(value: &Value, indent: usize, lines: &mut Vec<String>) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for key in keys {
                let item = &map[key];
                let shown = yaml_scalar(&Value::String(key.clone()));
                if non_empty_collection(item) {
                    lines.push(format!("{pad}{shown}:"));
                    let nested = if item.is_object() { indent + 2 } else { indent };
                    yaml_lines(item, nested, lines);
                } else {
                    lines.push(format!("{pad}{shown}: {}", yaml_inline(item)));
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                if non_empty_collection(item) {
                    let mut sub = Vec::new();
                    yaml_lines(item, indent + 2, &mut sub);
                    let mut it = sub.into_iter();
                    if let Some(first) = it.next() {
                        lines.push(format!("{pad}- {}", first.trim_start()));
                    }
                    lines.extend(it);
                } else {
                    lines.push(format!("{pad}- {}", yaml_inline(item)));
                }
            }
        }
        other => lines.push(format!("{pad}{}", yaml_inline(other))),
    }
}

/// `--format=yaml`: block style, keys sorted; `null` prints nothing.
pub fn format_yaml(value: &Value) -> String {
    if value.is_null() {
        return String::new();
    }
    let mut lines = Vec::new();
    yaml_lines(value, 0, &mut lines);
    lines.join("\n") + "\n"
}

/// Juju's default `smart` format: strings raw, booleans `True`/`False`, lists of strings one per
/// line, anything else as YAML.
pub fn format_smart(value: &Value) -> String {
    let text = match value {
        Value::Null => return String::new(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        other => return format_yaml(other),
    };
    if text.is_empty() {
        text
    } else {
        text + "\n"
    }
}

/// Render `value` in the named format (`json`, `yaml` or `smart`).
pub fn render(format: &str, value: &Value) -> String {
    match format {
        "json" => format_json(value),
        "yaml" => format_yaml(value),
        _ => format_smart(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_is_gos() {
        assert_eq!(
            format_json(&json!({"b": 2.0, "a": "<x&y>", "c": 1.5})),
            "{\"a\":\"\\u003cx\\u0026y\\u003e\",\"b\":2,\"c\":1.5}\n"
        );
        assert_eq!(format_json(&json!(null)), "null\n");
    }

    #[test]
    fn yaml_quotes_what_would_read_back_differently() {
        let v =
            json!({"units": {"app/0": {"status": "active"}}, "n": "true", "e": [], "x": "a: b"});
        assert_eq!(
            format_yaml(&v),
            // As juju-sim (checked against its output): `n` is YAML for false, so even the key is quoted.
            "e: []\n\"n\": \"true\"\nunits:\n  app/0:\n    status: active\nx: \"a: b\"\n"
        );
        assert_eq!(
            format_yaml(&json!(["a", {"k": "v", "l": 1}])),
            "- a\n- k: v\n  l: 1\n"
        );
    }

    #[test]
    fn smart_is_raw() {
        assert_eq!(format_smart(&json!(true)), "True\n");
        assert_eq!(format_smart(&json!("")), "");
        assert_eq!(format_smart(&json!(["a", "b"])), "a\nb\n");
        assert_eq!(format_smart(&json!({"k": 1})), "k: 1\n");
    }
}
