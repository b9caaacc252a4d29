//! Python's `repr()` of strings, bytes and lists of strings: error texts must read as ops' do.

/// Whether Python's `str.isprintable()` holds for `c` (close enough: control, format, private-use,
/// line/paragraph separators and non-ASCII spaces are not printable).
fn printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() {
        return false;
    }
    !matches!(
        c as u32,
        0xA0 | 0xAD
            | 0x600..=0x605
            | 0x1680
            | 0x180E
            | 0x2000..=0x200F
            | 0x2028..=0x202F
            | 0x205F..=0x206F
            | 0x3000
            | 0xD800..=0xF8FF
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xF0000..
    )
}

fn quote_for(has_single: bool, has_double: bool) -> char {
    if has_single && !has_double {
        '"'
    } else {
        '\''
    }
}

/// Python's `repr(s)` of a `str`.
pub fn str(s: &str) -> String {
    let q = quote_for(s.contains('\''), s.contains('"'));
    let mut out = String::with_capacity(s.len() + 2);
    out.push(q);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == q => {
                out.push('\\');
                out.push(c);
            }
            c if printable(c) => out.push(c),
            c => {
                let n = c as u32;
                if n < 0x100 {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n < 0x10000 {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
        }
    }
    out.push(q);
    out
}

/// Python's `repr(b)` of a `bytes`.
pub fn bytes(b: &[u8]) -> String {
    let q = quote_for(b.contains(&b'\''), b.contains(&b'"'));
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(q);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c as char == q => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(q);
    out
}

/// Python's `repr()` of a list of `str`.
pub fn str_list<S: AsRef<str>>(items: &[S]) -> String {
    let parts: Vec<String> = items.iter().map(|s| str(s.as_ref())).collect();
    format!("[{}]", parts.join(", "))
}

/// The repr of a command's output cut to `max` characters (bytes when it is not UTF-8, as ops
/// with `encoding=None`), and whether it was cut.
pub fn output(out: &[u8], max: usize) -> (String, bool) {
    match std::str::from_utf8(out) {
        Ok(text) => {
            let mut chars = text.char_indices();
            match chars.nth(max) {
                Some((cut, _)) => (str(&text[..cut]), true),
                None => (str(text), false),
            }
        }
        Err(_) => {
            let truncated = out.len() > max;
            (bytes(&out[..out.len().min(max)]), truncated)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_read_as_python_reprs_them() {
        assert_eq!(str("cat"), "'cat'");
        assert_eq!(str("cat: no such file\n"), "'cat: no such file\\n'");
        assert_eq!(str("it's"), "\"it's\"");
        assert_eq!(str("it's \"x\""), "'it\\'s \"x\"'");
        assert_eq!(str("a\\b\tc\x01"), "'a\\\\b\\tc\\x01'");
        assert_eq!(str("héllo ✓"), "'héllo ✓'");
        assert_eq!(str("\u{a0}\u{2028}"), "'\\xa0\\u2028'");
        assert_eq!(str(""), "''");
    }

    #[test]
    fn bytes_and_lists() {
        assert_eq!(bytes(b"a\xffb'"), "b\"a\\xffb'\"");
        assert_eq!(str_list(&["cat", "/missing"]), "['cat', '/missing']");
        assert_eq!(str_list::<&str>(&[]), "[]");
    }

    #[test]
    fn output_is_cut_on_characters() {
        assert_eq!(output(b"abc", 2), ("'ab'".to_string(), true));
        assert_eq!(output(b"ab", 2), ("'ab'".to_string(), false));
        assert_eq!(output("ééé".as_bytes(), 2), ("'éé'".to_string(), true));
        assert_eq!(
            output(b"\xff\xfe\xfd", 2),
            ("b'\\xff\\xfe'".to_string(), true)
        );
    }
}
