//! The guide of ops for Rust, compiled: every page of the mdBook in `src/` and the README are
//! this crate's documentation, so `cargo test -p ops-docs` (and `cargo test --workspace`)
//! compiles and runs every Rust block in them as a doc test. The charms of the blocks read their
//! YAML from `fixtures/` (`#[charm(dir = "fixtures/...")]`, relative to this directory).
//!
//! Read the guide with `mdbook serve docs` or from `docs/src/SUMMARY.md`.

macro_rules! pages {
    ($($module:ident => $path:literal,)*) => {
        $(
            #[doc = include_str!($path)]
            pub mod $module {}
        )*

        /// Every page compiled here, relative to this directory (a test checks that it lists
        /// every page of `src/`).
        pub const PAGES: &[&str] = &[$($path),*];
    };
}

pages! {
    introduction => "src/introduction.md",
    kubernetes_charm => "src/tutorials/kubernetes-charm.md",
    machine_charm => "src/tutorials/machine-charm.md",
    config => "src/how-to/config.md",
    actions => "src/how-to/actions.md",
    relation_data => "src/how-to/relation-data.md",
    peers => "src/how-to/peers.md",
    secrets => "src/how-to/secrets.md",
    storage => "src/how-to/storage.md",
    pebble => "src/how-to/pebble.md",
    status => "src/how-to/status.md",
    defer => "src/how-to/defer.md",
    library => "src/how-to/library.md",
    logging => "src/how-to/logging.md",
    testing => "src/how-to/testing.md",
    testing_error_paths => "src/how-to/testing-error-paths.md",
    migrate => "src/how-to/migrate.md",
    naming => "src/reference/naming.md",
    events => "src/reference/events.md",
    macros => "src/reference/macros.md",
    compile_errors => "src/reference/compile-errors.md",
    differences => "src/reference/differences.md",
    performance => "src/reference/performance.md",
    security => "src/reference/security.md",
    threat_model => "src/reference/threat-model.md",
    test_strength => "src/reference/test-strength.md",
    from_python_ops => "src/from-python-ops.md",
    ops3_features => "src/ops3-features.md",
    coming_from_ops_harness => "src/reference/coming-from-ops-harness.md",
    cargo_charm_run => "src/cargo-charm-run.md",
    packing_and_deploying => "src/packing-and-deploying.md",
}

/// The README, with its complete charm (built by `tests/readme_standalone.rs`) left out: see
/// `build.rs`.
#[doc = include_str!(concat!(env!("OUT_DIR"), "/README.md"))]
pub mod readme {}

#[cfg(test)]
mod tests {
    use super::PAGES;
    use std::path::Path;

    /// The pages of `src/`, relative to this directory.
    fn pages_on_disk(dir: &Path, out: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir).expect("src/ is readable");
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pages_on_disk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                let root = Path::new(env!("CARGO_MANIFEST_DIR"));
                let rel = path.strip_prefix(root).expect("under the crate");
                out.push(rel.display().to_string());
            }
        }
    }

    #[test]
    fn every_page_is_compiled_and_in_the_summary() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        pages_on_disk(&root.join("src"), &mut on_disk);
        on_disk.retain(|p| p != "src/SUMMARY.md");
        on_disk.sort();
        let mut compiled: Vec<String> = PAGES.iter().map(|p| p.to_string()).collect();
        compiled.sort();
        assert_eq!(on_disk, compiled, "lib.rs's pages! list and src/ differ");

        let summary = std::fs::read_to_string(root.join("src/SUMMARY.md")).expect("src/SUMMARY.md");
        let mut linked: Vec<String> = summary
            .split("](")
            .skip(1)
            .filter_map(|rest| rest.split_once(')').map(|(link, _)| link))
            .filter(|link| !link.is_empty()) // draft chapters
            .map(|link| format!("src/{link}"))
            .collect();
        linked.sort();
        assert_eq!(linked, compiled, "SUMMARY.md and src/ differ");
    }

    #[test]
    fn relative_links_between_pages_resolve() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for page in PAGES.iter().chain(&["../README.md", "../ARCHITECTURE.md"]) {
            let text = std::fs::read_to_string(root.join(page)).expect("a page");
            let dir = root.join(page).parent().expect("in src/").to_path_buf();
            for rest in text.split("](").skip(1) {
                let Some((link, _)) = rest.split_once(')') else {
                    continue;
                };
                let target = link.split('#').next().unwrap_or_default();
                if target.is_empty() || target.contains("://") || !target.ends_with(".md") {
                    continue;
                }
                assert!(
                    dir.join(target).exists(),
                    "{page} links to {link}, which does not exist"
                );
            }
        }
    }
}
