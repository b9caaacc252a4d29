//! The charm metadata model shared by the `#[charm]` macro (compile time), the `ops-core` runtime and
//! the `ops-testing` harness.
//!
//! Without features this crate is only the [`model`]: plain data that the macros embed in the charm
//! binary as statics. With the `parse` feature it also reads `metadata.yaml`, `config.yaml`,
//! `actions.yaml` or a unified `charmcraft.yaml` and validates them, reporting every problem with its
//! `file:line:col`.

pub mod model;

#[cfg(feature = "parse")]
pub mod error;
#[cfg(feature = "parse")]
pub mod parse;

#[cfg(feature = "parse")]
pub use error::{MetaError, MetaErrors};
pub use model::*;
#[cfg(feature = "parse")]
pub use parse::{
    load_dir, parse_actions_str, parse_charmcraft_str, parse_config_str, parse_metadata_str,
    parse_project, parse_separate, parse_unified, CharmFiles, Parsed, ProjectSources, SourceFile,
};
