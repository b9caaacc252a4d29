//! Copies the README for the doc tests, with its "complete charm" block (`src/main.rs`, which
//! reads the YAML beside its own `Cargo.toml`) marked `ignore`: that block is `examples/hello`
//! verbatim (`examples/hello/tests/readme.rs`) and is built as a stand-alone crate by
//! `tests/readme_standalone.rs`. Every other Rust block of the README is a doc test.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let readme = manifest.join("../README.md");
    println!("cargo:rerun-if-changed={}", readme.display());
    let text = std::fs::read_to_string(&readme).expect("README.md is readable");
    let marker = "`src/main.rs`:\n\n```rust\n";
    let out = match text.find(marker) {
        Some(at) => {
            let fence = at + marker.len() - "rust\n".len();
            format!(
                "{}rust,ignore\n{}",
                &text[..fence],
                &text[fence + "rust\n".len()..]
            )
        }
        None => text,
    };
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("README.md");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
