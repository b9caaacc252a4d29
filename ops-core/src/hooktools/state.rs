//! Controller-side charm state: `state-get`, `state-set`, `state-delete` (ops:
//! `storage._JujuStorageBackend`, used by `JujuStorage` when the charm keeps its state in Juju).
//!
//! ops stores each value as YAML text (`yaml.dump(value, Dumper=_SimpleDumper,
//! default_flow_style=None)`, e.g. `{foo: 2}\n`) under its handle-path key, and sends
//! `yaml.dump({key: encoded}, default_style='|', default_flow_style=False)` to
//! `state-set --file -`, e.g. `"key": |\n  {foo: 2}\n`. The encoding of the value itself belongs
//! to the storage layer; [`encode_state_set`] reproduces the outer document byte for byte.
//!
//! ops' `_SimpleDumper` is based on `yaml.CSafeDumper` when PyYAML has libyaml (as the PyPI
//! wheels charms ship with do), so this follows libyaml 0.2.5's emitter (which differs from
//! PyYAML's pure-Python emitter in simple-key limits, double-quoted line folding and `...`).

use super::backend::{args, Backend};
use super::error::Result;

const BEST_INDENT: usize = 2;
const BEST_WIDTH: usize = 80;

/// libyaml `IS_BREAK`.
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml `IS_PRINTABLE` restricted to ASCII (non-ASCII is special: `allow_unicode` is off).
fn is_plain_ascii(c: char) -> bool {
    c == '\n' || (' '..='~').contains(&c)
}

struct Analysis {
    multiline: bool,
    block_allowed: bool,
}

/// libyaml `yaml_emitter_analyze_scalar`, reduced to what the style choice needs.
fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis {
            multiline: false,
            block_allowed: false,
        };
    }
    let n = text.chars().count();
    let (mut line_breaks, mut special, mut trailing_space, mut space_break) =
        (false, false, false, false);
    let mut previous_space = false;
    for (index, ch) in text.chars().enumerate() {
        if !is_plain_ascii(ch) {
            special = true;
        }
        if is_break(ch) {
            line_breaks = true;
        }
        if ch == ' ' {
            if index == n - 1 {
                trailing_space = true;
            }
            previous_space = true;
        } else if is_break(ch) {
            if previous_space {
                space_break = true;
            }
            previous_space = false;
        } else {
            previous_space = false;
        }
    }
    Analysis {
        multiline: line_breaks,
        block_allowed: !(trailing_space || space_break || special),
    }
}

/// The parts of libyaml's emitter state this document needs.
struct Emitter {
    out: String,
    column: usize,
    whitespace: bool,
    indention: bool,
    indent: usize,
    open_ended: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self) {
        let indent = self.indent;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    fn write_double_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while i < chars.len() {
            let ch = chars[i];
            if !is_plain_ascii(ch) || is_break(ch) || ch == '"' || ch == '\\' {
                self.put('\\');
                match ch {
                    '\0' => self.put('0'),
                    '\x07' => self.put('a'),
                    '\x08' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\x0B' => self.put('v'),
                    '\x0C' => self.put('f'),
                    '\r' => self.put('r'),
                    '\x1B' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    c => {
                        let code = c as u32;
                        let (letter, width) = if code <= 0xFF {
                            ('x', 2)
                        } else if code <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for c in format!("{code:0width$X}").chars() {
                            self.put(c);
                        }
                    }
                }
                spaces = false;
            } else if ch == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i != 0
                    && i != chars.len() - 1
                {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else {
                self.put(ch);
                spaces = false;
            }
            i += 1;
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, text: &str) {
        let chars: Vec<char> = text.chars().collect();
        self.write_indicator("|", true, false, false);
        if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        self.open_ended = false;
        let chomp = match chars.as_slice() {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if chomp == Some("+") {
            self.open_ended = true;
        }
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &ch in &chars {
            if is_break(ch) {
                if ch == '\n' {
                    self.put_break();
                } else {
                    self.out.push(ch);
                    self.column = 0;
                }
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(ch);
                self.indention = false;
                breaks = false;
            }
        }
    }

    /// A scalar outside a simple-key context with literal style requested.
    fn write_block_or_quoted(&mut self, text: &str) {
        if analyze(text).block_allowed {
            self.write_literal(text);
        } else {
            self.write_double_quoted(text, true);
        }
    }
}

/// The `state-set --file -` document ops writes for `key` and its already-encoded YAML value:
/// `yaml.dump({key: encoded}, default_style='|', default_flow_style=False, Dumper=CSafeDumper)`.
pub fn encode_state_set(key: &str, encoded: &str) -> String {
    let mut e = Emitter {
        out: String::new(),
        column: 0,
        whitespace: true,
        indention: true,
        indent: 0,
        open_ended: false,
    };
    // Block mapping, first key.
    e.write_indent();
    let simple = !analyze(key).multiline && key.len() <= 128;
    if simple {
        // Literal style is not possible for a simple key: double-quoted, never folded.
        e.indent = BEST_INDENT;
        e.write_double_quoted(key, false);
        e.indent = 0;
        e.write_indicator(":", false, false, false);
    } else {
        e.write_indicator("?", true, false, true);
        e.indent = BEST_INDENT;
        e.write_block_or_quoted(key);
        e.indent = 0;
        e.write_indent();
        e.write_indicator(":", true, false, true);
    }
    e.indent = BEST_INDENT;
    e.write_block_or_quoted(encoded);
    // Mapping end, implicit document end, stream end.
    e.indent = 0;
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}

impl Backend {
    /// The raw stored text of `key` (`state-get <key>`), `None` when Juju prints nothing (`""` or
    /// `"\n"`: the key is not set). The text is the YAML-encoded value ops wrote.
    pub fn state_get(&self, key: &str) -> Result<Option<String>> {
        let out = self.call_text("state-get", &args![key], None)?;
        if out.is_empty() || out == "\n" {
            return Ok(None);
        }
        Ok(Some(out))
    }

    /// Stores the already-encoded YAML text `encoded` under `key`: `state-set --file -` with
    /// [`encode_state_set`]`(key, encoded)` on stdin.
    pub fn state_set(&self, key: &str, encoded: &str) -> Result<()> {
        let content = encode_state_set(key, encoded);
        self.call("state-set", &args!["--file", "-"], Some(content.as_bytes()))
            .map(drop)
    }

    /// Deletes `key` (`state-delete <key>`).
    pub fn state_delete(&self, key: &str) -> Result<()> {
        self.call("state-delete", &args![key], None).map(drop)
    }
}
