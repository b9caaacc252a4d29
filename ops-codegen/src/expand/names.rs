//! Turning metadata names into Rust identifiers.

use std::collections::BTreeSet;
use std::path::Path;

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

/// The crates a charm's code may name by their bare name (its extern prelude): the sysroot
/// crates, the dependencies in its `Cargo.toml` (any kind or target, renamed ones by their new
/// name), and its own library, which its binaries, tests and examples see but the library itself
/// does not (`compiling` is the crate being compiled, Cargo's `CARGO_CRATE_NAME`).
pub fn extern_crates(manifest_dir: &Path, compiling: Option<&str>) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ["std", "core", "alloc", "proc_macro", "test", "ops_core"]
        .into_iter()
        .map(String::from)
        .collect();
    let Ok(text) = std::fs::read_to_string(manifest_dir.join("Cargo.toml")) else {
        return names;
    };
    // Cargo reports a malformed manifest itself; then only the fixed names are known.
    let Ok(manifest) = text.parse::<toml::Table>() else {
        return names;
    };
    let crate_name = |s: &str| s.replace('-', "_");
    let mut add_deps = |table: &toml::Table| {
        for kind in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(deps) = table.get(kind).and_then(toml::Value::as_table) {
                names.extend(deps.keys().map(|k| crate_name(k)));
            }
        }
    };
    add_deps(&manifest);
    if let Some(targets) = manifest.get("target").and_then(toml::Value::as_table) {
        for target in targets.values().filter_map(toml::Value::as_table) {
            add_deps(target);
        }
    }
    // Only a package with a library has one (a `[lib]` table or Cargo's default `src/lib.rs`).
    let has_lib = manifest.contains_key("lib") || manifest_dir.join("src/lib.rs").is_file();
    let lib_name = manifest
        .get("lib")
        .and_then(|lib| lib.get("name"))
        .and_then(toml::Value::as_str)
        .or_else(|| {
            manifest
                .get("package")
                .and_then(|p| p.get("name"))
                .and_then(toml::Value::as_str)
        });
    names.extend(
        lib_name
            .filter(|_| has_lib)
            .map(crate_name)
            .filter(|lib| Some(lib.as_str()) != compiling),
    );
    names
}

/// The generated module's default name: the charm's name as an identifier (`my_charm`), or
/// `<that>_charm` when a crate the charm can use has that name (a charm called `log` gets the
/// module `log_charm`, so `log::info!` still names the `log` crate).
pub fn module_ident(charm_name: &str, crates: &BTreeSet<String>) -> Ident {
    let ident = field_ident(charm_name);
    if crates.contains(&ident.to_string()) {
        Ident::new(&format!("{ident}_charm"), Span::call_site())
    } else {
        ident
    }
}
