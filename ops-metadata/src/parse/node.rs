//! A loaded YAML document (values from `serde_yaml`, positions from [`locate`](super::locate)) and a
//! cursor over it whose typed accessors report errors at the right `file:line:col`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::locate::{LocateErrorKind, Pos, PosIndex};
use super::yaml11;
use super::SourceFile;
use crate::error::MetaError;

/// Errors (and warnings) collected while reading; every rule adds to it and parsing carries on.
#[derive(Debug, Default)]
pub(crate) struct Diags {
    errors: Vec<MetaError>,
    warnings: Vec<MetaError>,
}

impl Diags {
    /// Records a warning: something Juju accepts but that is probably a mistake.
    pub fn warn(&mut self, warning: MetaError) {
        self.warnings.push(warning);
    }

    /// The warnings, ordered as [`into_sorted`](Self::into_sorted) orders errors.
    pub fn take_warnings(&mut self, files: &[&Path]) -> Vec<MetaError> {
        let mut warnings = std::mem::take(&mut self.warnings);
        sort(&mut warnings, files);
        warnings
    }

    /// Records an error.
    pub fn push(&mut self, error: MetaError) {
        self.errors.push(error);
    }

    /// Records several errors.
    pub fn extend(&mut self, errors: impl IntoIterator<Item = MetaError>) {
        self.errors.extend(errors);
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors, ordered by file (in the order of `files`, unknown files last) then position.
    pub fn into_sorted(mut self, files: &[&Path]) -> Vec<MetaError> {
        sort(&mut self.errors, files);
        self.errors
    }
}

/// Orders by file (in the order of `files`, unknown files last) then position.
fn sort(list: &mut [MetaError], files: &[&Path]) {
    let rank = |e: &MetaError| {
        files
            .iter()
            .position(|f| *f == e.file.as_path())
            .unwrap_or(files.len())
    };
    list.sort_by_key(|e| (rank(e), e.line, e.column));
}

/// A position in a file, with the key path it belongs to; turns into a [`MetaError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loc {
    file: PathBuf,
    pos: Pos,
    key_path: Vec<String>,
}

impl Loc {
    /// An error here.
    pub fn error(&self, message: impl Into<String>) -> MetaError {
        MetaError {
            file: self.file.clone(),
            line: self.pos.line,
            column: self.pos.column,
            message: message.into(),
            key_path: self.key_path.clone(),
        }
    }
}

/// One YAML file, read.
#[derive(Debug)]
pub(crate) struct Doc {
    file: PathBuf,
    index: PosIndex,
    root: Value,
    /// Plain scalars that YAML 1.1 resolves to a boolean or a number, with their text.
    yaml11: HashMap<Vec<String>, String>,
}

impl Doc {
    /// Reads `source`; invalid YAML, duplicate keys and extra documents are errors.
    pub fn load(source: &SourceFile) -> Result<Doc, Vec<MetaError>> {
        let file = source.path.clone();
        let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
        let at = |pos: Pos, message: String, key_path: Vec<String>| MetaError {
            file: file.clone(),
            line: pos.line,
            column: pos.column,
            message,
            key_path,
        };
        let (index, located) = PosIndex::build(text);
        let (syntax, structural): (Vec<_>, Vec<_>) = located
            .into_iter()
            .partition(|e| e.kind == LocateErrorKind::Syntax);
        // Duplicate keys and extra documents: yaml-rust2 locates them precisely.
        if !structural.is_empty() {
            return Err(structural
                .into_iter()
                .map(|e| at(e.pos, e.message, e.key_path))
                .collect());
        }
        let mut root = match serde_yaml::from_str::<Value>(text) {
            Ok(root) => root,
            Err(e) => {
                let (pos, message) = describe_serde_error(&e);
                let pos = pos
                    .or_else(|| syntax.first().map(|s| s.pos))
                    .unwrap_or(Pos::START);
                return Err(vec![at(
                    pos,
                    format!("invalid YAML: {message}"),
                    Vec::new(),
                )]);
            }
        };
        if let Some(e) = syntax.into_iter().next() {
            return Err(vec![at(
                e.pos,
                format!("invalid YAML: {}", e.message),
                Vec::new(),
            )]);
        }
        // As Juju reads it (YAML 1.1); before merging, so merged values are resolved too.
        let yaml11 = yaml11::apply(&mut root, &index);
        if let Err(e) = root.apply_merge() {
            let (pos, message) = describe_serde_error(&e);
            return Err(vec![at(
                pos.unwrap_or(Pos::START),
                format!("invalid YAML merge key (`<<`): {message}"),
                Vec::new(),
            )]);
        }
        Ok(Doc {
            file,
            index,
            root,
            yaml11,
        })
    }

    /// The file, as displayed in errors.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The top-level value.
    pub fn root(&self) -> Node<'_> {
        Node {
            doc: self,
            value: &self.root,
            path: Vec::new(),
        }
    }
}

/// The position of a `serde_yaml` error, and its message without the position libyaml appends.
fn describe_serde_error(e: &serde_yaml::Error) -> (Option<Pos>, String) {
    let mut message = e.to_string();
    let pos = e.location().map(|l| Pos {
        line: l.line(),
        column: l.column(),
    });
    if let Some(pos) = pos {
        let suffix = format!(" at line {} column {}", pos.line, pos.column);
        if let Some(i) = message.find(&suffix) {
            message.replace_range(i..i + suffix.len(), "");
        }
    }
    (pos, message)
}

/// How a YAML value is called in messages: "a string", "a list"...
pub(crate) fn kind_of(value: &Value) -> String {
    match value {
        Value::Null => "nothing (null)".to_string(),
        Value::Bool(_) => "a boolean".to_string(),
        Value::Number(n) if n.is_f64() => "a float".to_string(),
        Value::Number(_) => "an integer".to_string(),
        Value::String(_) => "a string".to_string(),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Tagged(t) => format!("a value tagged `{}`", t.tag),
    }
}

/// The text a scalar key was written as (best effort, for locating non-string keys).
fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "~".to_string(),
        other => kind_of(other),
    }
}

/// A value in a [`Doc`], with its key path.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    doc: &'a Doc,
    value: &'a Value,
    path: Vec<String>,
}

impl<'a> Node<'a> {
    /// The YAML value.
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// The text of this value when it is a plain scalar that YAML 1.1 (Juju) reads as a boolean or
    /// a number, where YAML 1.2 would read a string (`no`, `0644`).
    pub fn yaml11_text(&self) -> Option<&'a str> {
        self.doc.yaml11.get(&self.path).map(String::as_str)
    }

    /// Whether the value is null (written as nothing, `~` or `null`).
    pub fn is_null(&self) -> bool {
        self.value.is_null()
    }

    /// How this node is named in messages: `` `requires.db.limit` `` or "the top level of `x.yaml`".
    pub fn describe(&self) -> String {
        if self.path.is_empty() {
            format!("the top level of `{}`", self.file_name())
        } else {
            format!("`{}`", self.path.join("."))
        }
    }

    /// The displayed file name (its last component).
    pub fn file_name(&self) -> String {
        self.doc
            .file
            .file_name()
            .unwrap_or(self.doc.file.as_os_str())
            .to_string_lossy()
            .into_owned()
    }

    /// Where this node's key is (its value for list items and the root).
    pub fn key_loc(&self) -> Loc {
        self.loc(self.doc.index.key_pos(&self.path), self.path.clone())
    }

    /// Where this node's value is (its key when the value is empty or a block collection).
    pub fn value_loc(&self) -> Loc {
        self.loc(self.doc.index.value_pos(&self.path), self.path.clone())
    }

    /// Where to report that `key` is missing from this node: this node's key, with `key`'s path.
    pub fn missing_loc(&self, key: &str) -> Loc {
        let mut path = self.path.clone();
        path.push(key.to_string());
        self.loc(self.doc.index.key_pos(&self.path), path)
    }

    fn loc(&self, pos: Pos, key_path: Vec<String>) -> Loc {
        Loc {
            file: self.doc.file.clone(),
            pos,
            key_path,
        }
    }

    fn child(&self, key: String, value: &'a Value) -> Node<'a> {
        let mut path = self.path.clone();
        path.push(key);
        Node {
            doc: self.doc,
            value,
            path,
        }
    }

    /// The value of `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        let value = self.value.as_mapping()?.get(key)?;
        Some(self.child(key.to_string(), value))
    }

    /// An error about the value being of the wrong type.
    pub fn type_error(&self, expected: &str) -> MetaError {
        self.value_loc().error(format!(
            "{} must be {expected}, found {}",
            self.describe(),
            kind_of(self.value)
        ))
    }

    /// The entries of a mapping; anything else is an error. Keys that are not strings are errors
    /// and are skipped.
    pub fn entries(&self, diags: &mut Diags) -> Option<Vec<(String, Node<'a>)>> {
        let Some(mapping) = self.value.as_mapping() else {
            diags.push(self.type_error("a mapping"));
            return None;
        };
        let mut entries = Vec::with_capacity(mapping.len());
        for (key, value) in mapping {
            match key {
                Value::String(name) => {
                    entries.push((name.clone(), self.child(name.clone(), value)))
                }
                other => {
                    let node = self.child(key_text(other), value);
                    diags.push(node.key_loc().error(format!(
                        "keys of {} must be strings, found {}",
                        self.describe(),
                        kind_of(other)
                    )));
                }
            }
        }
        Some(entries)
    }

    /// Like [`entries`](Self::entries), but null (a section left empty) is an empty mapping.
    pub fn entries_or_empty(&self, diags: &mut Diags) -> Option<Vec<(String, Node<'a>)>> {
        if self.is_null() {
            return Some(Vec::new());
        }
        self.entries(diags)
    }

    /// The items of a list; anything else is an error.
    pub fn items(&self, diags: &mut Diags) -> Option<Vec<Node<'a>>> {
        let Some(items) = self.value.as_sequence() else {
            diags.push(self.type_error("a list"));
            return None;
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| self.child(i.to_string(), v))
                .collect(),
        )
    }

    /// The value as a string; anything else is an error.
    pub fn string(&self, diags: &mut Diags) -> Option<&'a str> {
        match self.value.as_str() {
            Some(s) => Some(s),
            None => {
                diags.push(self.type_error("a string"));
                None
            }
        }
    }

    /// The value as a boolean; anything else is an error.
    pub fn boolean(&self, diags: &mut Diags) -> Option<bool> {
        match self.value.as_bool() {
            Some(b) => Some(b),
            None => {
                diags.push(self.type_error("a boolean (`true` or `false`)"));
                None
            }
        }
    }

    /// The value as a non-negative integer that fits in a `u32`; anything else is an error.
    pub fn u32(&self, diags: &mut Diags) -> Option<u32> {
        match self.value.as_u64().map(u32::try_from) {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                diags.push(self.value_loc().error(format!(
                    "{} is too large (at most {})",
                    self.describe(),
                    u32::MAX
                )));
                None
            }
            None => {
                diags.push(match self.value.as_i64() {
                    Some(negative) => self.value_loc().error(format!(
                        "{} must be a non-negative integer, found `{negative}`",
                        self.describe()
                    )),
                    None => self.type_error("a non-negative integer"),
                });
                None
            }
        }
    }

    /// The value as a list of strings; anything else (also in the items) is an error.
    pub fn string_list(&self, diags: &mut Diags) -> Option<Vec<String>> {
        let items = self.items(diags)?;
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for item in items {
            match item.string(diags) {
                Some(s) => out.push(s.to_string()),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// Warns about every key of `entries` (this node's) that is not in `known`: Juju and charmcraft
    /// ignore unknown keys (`schema:` in a relation, `upstream:` in a resource...), so they are not
    /// errors, but a misspelt key is silently ignored too.
    pub fn check_keys(&self, entries: &[(String, Node<'a>)], known: &[&str], diags: &mut Diags) {
        for (key, node) in entries {
            if !known.contains(&key.as_str()) {
                diags.warn(node.key_loc().error(format!(
                    "unknown key `{key}` in {} is ignored, as Juju ignores it (known keys: {})",
                    self.describe(),
                    known.join(", ")
                )));
            }
        }
    }
}

/// Finds the entry called `key` in `entries`.
pub(crate) fn find<'e, 'a>(entries: &'e [(String, Node<'a>)], key: &str) -> Option<&'e Node<'a>> {
    entries.iter().find(|(k, _)| k == key).map(|(_, n)| n)
}
