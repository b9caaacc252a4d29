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
    naming => "src/reference/naming.md",
}

/// The README, with its complete charm (built by `tests/readme_standalone.rs`) left out: see
/// `build.rs`.
#[doc = include_str!(concat!(env!("OUT_DIR"), "/README.md"))]
pub mod readme {}
