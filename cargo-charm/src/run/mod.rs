//! `cargo charm run`: the charm's real binary against a simulated unit. (Skeleton: to be written.)
use crate::BoxError;
use std::process::ExitCode;

/// Arguments of `cargo charm run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {}

/// Runs `cargo charm run`.
pub fn main(_args: RunArgs) -> Result<(), BoxError> {
    Err("not written yet".into())
}

/// When this executable was started under a hook tool's name, acts as that tool and returns its
/// exit code; `None` otherwise.
pub fn tool_mode() -> Option<ExitCode> {
    None
}
