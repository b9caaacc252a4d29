//! Where every key and value of a YAML document is: a position index built from `yaml-rust2`'s marked
//! events, keyed by key path (list items are keyed by their 0-based index).
//!
//! `serde_yaml` gives the values; this index gives their positions. The index also reports what
//! `serde_yaml` cannot locate precisely: duplicate keys and extra documents.

use std::collections::{HashMap, HashSet};

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Pos {
    /// The start of the file.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn from_marker(mark: Marker) -> Pos {
        // yaml-rust2 0.10 counts lines from 1 and columns from 0.
        Pos {
            line: mark.line().max(1),
            column: mark.col() + 1,
        }
    }
}

/// What kind of node sits at a path, which decides where its value is best pointed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A scalar; `empty` when nothing was written (an implicit null), `plain` when unquoted and
    /// not a block scalar (only plain scalars are resolved to booleans and numbers).
    Scalar { empty: bool, plain: bool },
    /// A `{...}` or `[...]` collection: its event mark is the opening bracket.
    Flow,
    /// A block collection. Its event mark is its first `-` for a sequence indented under its key,
    /// and unreliable otherwise (then its first child is used).
    Block { dash: bool },
    /// An alias (`*name`): its children are not indexed.
    Alias,
}

#[derive(Debug, Clone)]
struct Entry {
    key: Option<Pos>,
    value: Pos,
    shape: Shape,
    first_child: Option<Pos>,
}

/// What kind of problem the index found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LocateErrorKind {
    /// Invalid YAML (yaml-rust2's verdict).
    Syntax,
    /// A key written twice in the same mapping.
    DuplicateKey,
    /// More than one document in the file.
    ExtraDocument,
}

/// A problem found while indexing: invalid YAML, a duplicate key or a second document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocateError {
    /// What kind of problem.
    pub kind: LocateErrorKind,
    /// Where.
    pub pos: Pos,
    /// What.
    pub message: String,
    /// The key path of the offending key, if it is one.
    pub key_path: Vec<String>,
}

/// Positions of every key and value of one YAML document.
#[derive(Debug, Default)]
pub(crate) struct PosIndex {
    entries: HashMap<Vec<String>, Entry>,
    /// Where each alias (`*name`) points: the path of the anchored node.
    aliases: HashMap<Vec<String>, Vec<String>>,
}

impl PosIndex {
    /// Indexes `text`, returning the index (of whatever could be read) and the problems found.
    pub fn build(text: &str) -> (PosIndex, Vec<LocateError>) {
        let mut receiver = Receiver::new(text);
        let mut parser = Parser::new_from_str(text);
        if let Err(e) = parser.load(&mut receiver, true) {
            receiver.errors.push(LocateError {
                kind: LocateErrorKind::Syntax,
                pos: Pos::from_marker(*e.marker()),
                message: e.info().to_string(),
                key_path: Vec::new(),
            });
        }
        (
            PosIndex {
                entries: receiver.entries,
                aliases: receiver.aliases,
            },
            receiver.errors,
        )
    }

    /// Where the key of `path` is (its value for list items and the root); falls back to the nearest
    /// indexed ancestor when `path` is not indexed (e.g. inside an alias).
    pub fn key_pos(&self, path: &[String]) -> Pos {
        match self.entries.get(path) {
            Some(entry) => entry.key.unwrap_or_else(|| Self::value_of(entry)),
            None => self.ancestor_pos(path),
        }
    }

    /// Where the value of `path` is: the scalar, or the opening bracket or dash of a collection. For
    /// a value left empty or a block collection under a key, the key.
    pub fn value_pos(&self, path: &[String]) -> Pos {
        match self.entries.get(path) {
            Some(entry) => match (entry.shape, entry.key) {
                (Shape::Scalar { empty: true, .. } | Shape::Block { .. }, Some(key)) => key,
                _ => Self::value_of(entry),
            },
            None => self.ancestor_pos(path),
        }
    }

    /// Whether the value of `path` is a plain (unquoted, non-block) scalar. Unindexed paths (inside
    /// an alias) are not.
    pub fn is_plain_scalar(&self, path: &[String]) -> bool {
        match self.entries.get(path).map(|e| e.shape) {
            Some(Shape::Scalar { plain, .. }) => plain,
            Some(_) => false,
            // Inside an alias: the same node under its anchor.
            None => self
                .anchored(path)
                .is_some_and(|target| self.is_plain_scalar(&target)),
        }
    }

    /// `path` rewritten through the nearest alias among its ancestors, if any.
    fn anchored(&self, path: &[String]) -> Option<Vec<String>> {
        (0..path.len()).rev().find_map(|i| {
            let target = self.aliases.get(&path[..i])?;
            // An alias of one of its own ancestors would loop.
            if path.starts_with(target) {
                return None;
            }
            let mut rewritten = target.clone();
            rewritten.extend_from_slice(&path[i..]);
            Some(rewritten)
        })
    }

    fn value_of(entry: &Entry) -> Pos {
        match entry.shape {
            Shape::Block { dash: false } => entry.first_child.unwrap_or(entry.value),
            _ => entry.value,
        }
    }

    fn ancestor_pos(&self, path: &[String]) -> Pos {
        match path.split_last() {
            Some((_, parent)) => self.key_pos(parent),
            None => Pos::START,
        }
    }
}

/// A collection being read.
enum Frame {
    Map {
        path: Vec<String>,
        /// The key just read, waiting for its value.
        key: Option<(String, Pos)>,
        seen: HashMap<String, Pos>,
    },
    Seq {
        path: Vec<String>,
        next: usize,
    },
    /// Inside a complex (collection) key, which is not indexed.
    Skip {
        depth: usize,
    },
}

struct Receiver<'t> {
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
    text: &'t str,
    stack: Vec<Frame>,
    entries: HashMap<Vec<String>, Entry>,
    /// The path of each anchored node, by anchor id.
    anchors: HashMap<usize, Vec<String>>,
    /// Where each alias points (see [`PosIndex`]).
    aliases: HashMap<Vec<String>, Vec<String>>,
    errors: Vec<LocateError>,
    documents: usize,
    /// Paths already reported as duplicates, to report each once.
    duplicates: HashSet<Vec<String>>,
}

/// A key that no real key path component can equal (used for keys that are not scalars).
const UNNAMED_KEY: &str = "\u{0}complex-key";

impl<'t> Receiver<'t> {
    fn new(text: &'t str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Receiver {
            line_starts,
            text,
            stack: Vec::new(),
            entries: HashMap::new(),
            anchors: HashMap::new(),
            aliases: HashMap::new(),
            errors: Vec::new(),
            documents: 0,
            duplicates: HashSet::new(),
        }
    }

    /// The character at a marker, if any.
    fn char_at(&self, mark: Marker) -> Option<char> {
        let start = *self.line_starts.get(mark.line().checked_sub(1)?)?;
        self.text.get(start..)?.chars().nth(mark.col())
    }

    /// Handles a node (scalar, alias or collection start) at `mark`; returns its path when it is
    /// a value (not a key, not inside a complex key).
    fn node(&mut self, mark: Marker, node: NodeStart<'_>) -> Option<Vec<String>> {
        let pos = Pos::from_marker(mark);
        let (shape, scalar_text, is_collection) = match node {
            NodeStart::Scalar { text, empty, plain } => {
                (Shape::Scalar { empty, plain }, Some(text), false)
            }
            NodeStart::Alias => (Shape::Alias, None, false),
            NodeStart::Mapping { flow } => {
                let shape = if flow {
                    Shape::Flow
                } else {
                    Shape::Block { dash: false }
                };
                (shape, None, true)
            }
            NodeStart::Sequence { flow, dash } => {
                let shape = if flow {
                    Shape::Flow
                } else {
                    Shape::Block { dash }
                };
                (shape, None, true)
            }
        };
        let (path, key) = match self.stack.last_mut() {
            Some(Frame::Skip { depth }) => {
                if is_collection {
                    *depth += 1;
                }
                return None;
            }
            Some(Frame::Map { path, key, seen }) => match key.take() {
                None => {
                    // This node is a key.
                    let name = match scalar_text {
                        Some(text) => text.to_string(),
                        None => UNNAMED_KEY.to_string(),
                    };
                    if let Some(first) = seen.get(&name) {
                        if scalar_text.is_some() {
                            let mut dup_path = path.clone();
                            dup_path.push(name.clone());
                            if self.duplicates.insert(dup_path.clone()) {
                                self.errors.push(LocateError {
                                    kind: LocateErrorKind::DuplicateKey,
                                    pos,
                                    message: format!(
                                        "duplicate key `{name}` (first defined at line {})",
                                        first.line
                                    ),
                                    key_path: dup_path,
                                });
                            }
                        }
                    } else {
                        seen.insert(name.clone(), pos);
                    }
                    *key = Some((name, pos));
                    if is_collection {
                        self.stack.push(Frame::Skip { depth: 1 });
                    }
                    return None;
                }
                Some((name, key_pos)) => {
                    let mut child = path.clone();
                    child.push(name);
                    (child, Some(key_pos))
                }
            },
            Some(Frame::Seq { path, next }) => {
                let mut child = path.clone();
                child.push(next.to_string());
                *next += 1;
                (child, None)
            }
            None => (Vec::new(), None),
        };
        if let Some((_, parent)) = path.split_last() {
            if let Some(parent_entry) = self.entries.get_mut(parent) {
                parent_entry.first_child.get_or_insert(key.unwrap_or(pos));
            }
        }
        // A duplicate key's value keeps the first occurrence's position.
        if !self.entries.contains_key(&path) {
            self.entries.insert(
                path.clone(),
                Entry {
                    key,
                    value: pos,
                    shape,
                    first_child: None,
                },
            );
        }
        match node {
            NodeStart::Mapping { .. } => self.stack.push(Frame::Map {
                path: path.clone(),
                key: None,
                seen: HashMap::new(),
            }),
            NodeStart::Sequence { .. } => self.stack.push(Frame::Seq {
                path: path.clone(),
                next: 0,
            }),
            NodeStart::Scalar { .. } | NodeStart::Alias => {}
        }
        Some(path)
    }

    /// Records that the node at `path` (if a value) carries anchor `id` (0: none).
    fn anchor(&mut self, id: usize, path: Option<Vec<String>>) {
        if let (true, Some(path)) = (id > 0, path) {
            self.anchors.insert(id, path);
        }
    }
}

/// The start of a node, as the receiver sees it.
#[derive(Clone, Copy)]
enum NodeStart<'a> {
    Scalar {
        text: &'a str,
        empty: bool,
        plain: bool,
    },
    Alias,
    Mapping {
        flow: bool,
    },
    Sequence {
        flow: bool,
        dash: bool,
    },
}

impl MarkedEventReceiver for Receiver<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.errors.push(LocateError {
                        kind: LocateErrorKind::ExtraDocument,
                        pos: Pos::from_marker(mark),
                        message: "a second YAML document; a charm file must hold exactly one"
                            .to_string(),
                        key_path: Vec::new(),
                    });
                }
            }
            Event::Scalar(text, style, anchor, _) => {
                let plain = style == TScalarStyle::Plain;
                let empty = text.is_empty() && plain;
                let path = self.node(
                    mark,
                    NodeStart::Scalar {
                        text: &text,
                        empty,
                        plain,
                    },
                );
                self.anchor(anchor, path);
            }
            Event::Alias(id) => {
                if let Some(path) = self.node(mark, NodeStart::Alias) {
                    if let Some(target) = self.anchors.get(&id) {
                        self.aliases.insert(path, target.clone());
                    }
                }
            }
            Event::MappingStart(anchor, _) => {
                let flow = self.char_at(mark) == Some('{');
                let path = self.node(mark, NodeStart::Mapping { flow });
                self.anchor(anchor, path);
            }
            Event::SequenceStart(anchor, _) => {
                let first = self.char_at(mark);
                let path = self.node(
                    mark,
                    NodeStart::Sequence {
                        flow: first == Some('['),
                        dash: first == Some('-'),
                    },
                );
                self.anchor(anchor, path);
            }
            Event::MappingEnd | Event::SequenceEnd => match self.stack.last_mut() {
                Some(Frame::Skip { depth }) if *depth > 1 => *depth -= 1,
                _ => {
                    self.stack.pop();
                }
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    fn pos(line: usize, column: usize) -> Pos {
        Pos { line, column }
    }

    const DOC: &str = "\
# a comment
name: demo
requires:
  db:
    interface: mysql
    limit:
  cache: {interface: redis, limit: 2}
tags:
  - a
  - \"b\"
series: [focal, jammy]
containers:
  web:
    mounts:
      - storage: data
        location: /srv
description: |
  text
";

    #[test]
    fn keys_and_scalar_values() {
        let (index, errors) = PosIndex::build(DOC);
        assert_eq!(errors, vec![]);
        assert_eq!(index.key_pos(&path(&["name"])), pos(2, 1));
        assert_eq!(index.value_pos(&path(&["name"])), pos(2, 7));
        assert_eq!(
            index.key_pos(&path(&["requires", "db", "interface"])),
            pos(5, 5)
        );
        assert_eq!(
            index.value_pos(&path(&["requires", "db", "interface"])),
            pos(5, 16)
        );
        assert_eq!(index.value_pos(&path(&["tags", "1"])), pos(10, 5));
        assert_eq!(index.value_pos(&path(&["series", "1"])), pos(11, 17));
    }

    #[test]
    fn empty_values_and_block_collections_point_at_their_key() {
        let (index, _) = PosIndex::build(DOC);
        assert_eq!(
            index.value_pos(&path(&["requires", "db", "limit"])),
            pos(6, 5)
        );
        assert_eq!(index.value_pos(&path(&["requires"])), pos(3, 1));
        assert_eq!(index.value_pos(&path(&["tags"])), pos(8, 1));
    }

    #[test]
    fn flow_collections_point_at_their_bracket() {
        let (index, _) = PosIndex::build(DOC);
        assert_eq!(index.value_pos(&path(&["requires", "cache"])), pos(7, 10));
        assert_eq!(index.value_pos(&path(&["series"])), pos(11, 9));
        assert_eq!(
            index.value_pos(&path(&["requires", "cache", "limit"])),
            pos(7, 36)
        );
    }

    #[test]
    fn list_items_without_key_point_at_their_content() {
        let (index, _) = PosIndex::build(DOC);
        let mount = path(&["containers", "web", "mounts", "0"]);
        assert_eq!(index.key_pos(&mount), pos(15, 9));
        assert_eq!(index.value_pos(&mount), pos(15, 9));
        let mut location = mount.clone();
        location.push("location".to_string());
        assert_eq!(index.value_pos(&location), pos(16, 19));
    }

    #[test]
    fn block_scalars_point_at_their_text() {
        let (index, _) = PosIndex::build(DOC);
        assert_eq!(index.key_pos(&path(&["description"])), pos(17, 1));
        assert_eq!(index.value_pos(&path(&["description"])), pos(18, 3));
    }

    #[test]
    fn unknown_paths_fall_back_to_the_nearest_ancestor() {
        let (index, _) = PosIndex::build(DOC);
        assert_eq!(
            index.key_pos(&path(&["requires", "db", "nope", "deeper"])),
            pos(4, 3)
        );
        // The root is a block mapping: its position is its first key (after the comment).
        assert_eq!(index.value_pos(&path(&["nope"])), pos(2, 1));
    }

    #[test]
    fn root_positions() {
        let (index, _) = PosIndex::build("- a\n- b\n");
        assert_eq!(index.value_pos(&[]), pos(1, 1));
        let (index, _) = PosIndex::build("\n\nkey: 1\n");
        assert_eq!(index.value_pos(&[]), pos(3, 1));
        let (index, _) = PosIndex::build("");
        assert_eq!(index.value_pos(&[]), Pos::START);
    }

    #[test]
    fn aliases_are_located_at_the_alias() {
        let (index, errors) = PosIndex::build("base: &b {x: 1}\nother: *b\n");
        assert_eq!(errors, vec![]);
        assert_eq!(index.value_pos(&path(&["other"])), pos(2, 8));
        assert_eq!(index.key_pos(&path(&["other", "x"])), pos(2, 1));
    }

    #[test]
    fn complex_keys_are_skipped() {
        let (index, errors) = PosIndex::build("? [a, b]\n: 1\nnext: 2\n");
        assert_eq!(errors, vec![]);
        assert_eq!(index.value_pos(&path(&["next"])), pos(3, 7));
    }

    #[test]
    fn columns_count_characters() {
        let (index, _) = PosIndex::build("summary: \"héllo\"\nnext: 1\nké: x\n");
        assert_eq!(index.value_pos(&path(&["summary"])), pos(1, 10));
        assert_eq!(index.value_pos(&path(&["ké"])), pos(3, 5));
    }

    #[test]
    fn duplicate_keys_are_reported_at_the_second() {
        let (_, errors) = PosIndex::build("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n");
        assert_eq!(
            errors,
            vec![
                LocateError {
                    kind: LocateErrorKind::DuplicateKey,
                    pos: pos(4, 3),
                    message: "duplicate key `c` (first defined at line 3)".to_string(),
                    key_path: path(&["b", "c"]),
                },
                LocateError {
                    kind: LocateErrorKind::DuplicateKey,
                    pos: pos(5, 1),
                    message: "duplicate key `a` (first defined at line 1)".to_string(),
                    key_path: path(&["a"]),
                },
            ]
        );
    }

    #[test]
    fn a_second_document_is_reported() {
        let (_, errors) = PosIndex::build("a: 1\n---\nb: 2\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, LocateErrorKind::ExtraDocument);
        assert_eq!(errors[0].pos, pos(2, 1));
    }

    #[test]
    fn syntax_errors_are_reported_with_their_position() {
        let (_, errors) = PosIndex::build("a: b\nc d e\nf: g\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].kind, LocateErrorKind::Syntax);
        assert_eq!(errors[0].pos, pos(3, 1));
    }
}
