//! `cargo charm new`: scaffold a charm crate. (Skeleton: to be written.)
use crate::BoxError;

/// Arguments of `cargo charm new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The charm's name (also the crate's).
    pub name: String,
}

/// Runs `cargo charm new`.
pub fn main(_args: NewArgs) -> Result<(), BoxError> {
    Err("not written yet".into())
}
