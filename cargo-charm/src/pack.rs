//! `cargo charm pack`: a static `dispatch` and a `.charm`. (Skeleton: to be written.)
use crate::{BoxError, CrateSelection};
use std::path::PathBuf;

/// Arguments of `cargo charm pack`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PackArgs {
    /// Which crate to pack.
    #[command(flatten)]
    pub selection: CrateSelection,
}

/// Runs `cargo charm pack`: returns the path of every `.charm` written (one per base).
pub fn main(_args: PackArgs) -> Result<Vec<PathBuf>, BoxError> {
    Err("not written yet".into())
}
