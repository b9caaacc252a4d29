//! Turning metadata names into Rust identifiers.

use proc_macro2::{Ident, Span};

const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "else", "enum", "extern", "false", "fn", "for", "if",
    "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static",
    "struct", "trait", "true", "type", "unsafe", "use", "where", "while", "async", "await", "dyn",
    "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "gen",
];

/// `database-name` → `database_name` (raw identifier for keywords: `r#type`).
pub fn field_ident(name: &str) -> Ident {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    match s.as_str() {
        "self" | "crate" | "super" | "_" => Ident::new(&format!("{s}_"), Span::call_site()),
        k if KEYWORDS.contains(&k) => Ident::new_raw(&s, Span::call_site()),
        _ => Ident::new(&s, Span::call_site()),
    }
}

/// `web-image` → `WebImage`.
pub fn type_ident(name: &str, suffix: &str) -> Ident {
    let mut s = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            s.push(first.to_ascii_uppercase());
            s.extend(chars.map(|c| c.to_ascii_lowercase()));
        }
    }
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 'T');
    }
    s.push_str(suffix);
    if s == "Self" {
        s.push('_');
    }
    Ident::new(&s, Span::call_site())
}

/// A `#[doc = ...]` text from a YAML description (first paragraph kept as is).
pub fn doc(text: &str, fallback: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        fallback.to_string()
    } else {
        t.to_string()
    }
}
