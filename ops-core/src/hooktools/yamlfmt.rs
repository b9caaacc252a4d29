//! YAML written for the hook tools that read a file (`relation-set --file -`,
//! `state-set --file -`): a flat mapping of strings, written by hand because it is on every
//! hook's path and a YAML emitter costs an order of magnitude more than the text itself.
//!
//! Every key and value is a double-quoted scalar in pure ASCII: `"`, `\\` and the usual
//! control characters are escaped, everything outside printable ASCII becomes `\xXX`, `\uXXXX`
//! or `\UXXXXXXXX` (YAML's escapes for a Unicode code point). A double-quoted scalar is never
//! read as anything but a string, so `"true"`, `"1"`, `"null"` or `"~"` stay strings, and
//! leading/trailing spaces and newlines survive.

use std::fmt::Write as _;

/// Append `"key": "value"` and a newline to a YAML mapping.
pub(crate) fn push_yaml_entry(out: &mut String, key: &str, value: &str) {
    push_quoted(out, key);
    out.push_str(": ");
    push_quoted(out, value);
    out.push('\n');
}

fn push_quoted(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02X}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str) -> String {
        let mut out = String::new();
        push_yaml_entry(&mut out, key, value);
        out
    }

    #[test]
    fn plain_text_is_quoted_as_is() {
        assert_eq!(entry("database", "orders"), "\"database\": \"orders\"\n");
    }

    #[test]
    fn escapes_are_yaml_double_quoted_escapes() {
        assert_eq!(
            entry("k", "a\"b\\c\nd\te\rf\u{7}\u{e9}\u{2603}\u{1F600}"),
            "\"k\": \"a\\\"b\\\\c\\nd\\te\\rf\\x07\\xE9\\u2603\\U0001F600\"\n"
        );
    }

    #[test]
    fn each_escape_is_as_wide_as_its_code_point_needs() {
        assert_eq!(
            entry("k", "\u{ff}\u{100}\u{ffff}\u{10000}"),
            "\"k\": \"\\xFF\\u0100\\uFFFF\\U00010000\"\n"
        );
    }

    #[test]
    fn every_value_reads_back_as_the_same_string() {
        let values = [
            "",
            " ",
            "true",
            "no",
            "1",
            "0x1F",
            "1e3",
            "null",
            "~",
            "- a",
            "a: b",
            "#x",
            "{}",
            "[1]",
            "'q'",
            "\"q\"",
            "&a",
            "*a",
            "!t",
            "%x",
            "@x",
            "`x",
            "|",
            ">",
            " lead",
            "trail ",
            "two\nlines\n",
            "tab\there",
            "\u{0}",
            "\u{85}",
            "\u{2028}",
            "caf\u{e9}",
            "\u{1F600}",
            "\\",
            "a\\nb",
            // Each side of each escape width: `\xFF` / `\u0100`, `\uFFFF` / `\U00010000` (a
            // width too short would read back as a different character followed by a digit).
            "\u{ff}\u{100}",
            "\u{ffff}\u{10000}",
            "\u{10ffff}",
        ];
        let mut yaml = String::new();
        for (i, v) in values.iter().enumerate() {
            push_yaml_entry(&mut yaml, &format!("k{i}"), v);
        }
        let back: std::collections::BTreeMap<String, String> =
            serde_yaml::from_str(&yaml).expect("valid YAML");
        for (i, v) in values.iter().enumerate() {
            assert_eq!(
                back.get(&format!("k{i}")).map(String::as_str),
                Some(*v),
                "{v:?}"
            );
        }
    }
}
