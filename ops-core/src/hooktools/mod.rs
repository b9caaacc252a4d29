//! Hook tools: how the runtime talks to Juju.

pub mod runner;

pub use runner::{ProcessRunner, RunError, ToolOutput, ToolRunner};
