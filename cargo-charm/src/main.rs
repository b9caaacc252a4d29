//! `cargo charm`: the charmcraft of ops for Rust.
//!
//! * `cargo charm new NAME` scaffolds a charm crate whose `cargo test` passes out of the box;
//! * `cargo charm pack` builds a static `dispatch` and writes a `.charm` as charmcraft does;
//! * `cargo charm run` runs a charm's real binary hook by hook against a simulated unit.
//!
//! Installed with `cargo install --path cargo-charm`, cargo runs it as `cargo charm ...` (cargo
//! passes `charm` as the first argument); `cargo run -p cargo-charm -- ...` works too.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod new;
mod pack;
mod run;

/// `cargo charm`, as cargo invokes it: `cargo-charm charm <command>`.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum CargoCli {
    /// Scaffold, pack and run Rust Juju charms.
    Charm(Cli),
}

/// Scaffold, pack and run Rust Juju charms.
#[derive(Debug, clap::Args)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new charm crate whose `cargo test` passes out of the box.
    New(new::NewArgs),
    /// Build the charm's static `dispatch` binary and write its `.charm` archive.
    Pack(pack::PackArgs),
    /// Run a charm's real binary hook by hook against a simulated Juju unit.
    Run(run::RunArgs),
}

fn main() -> ExitCode {
    // Invoked as a hook tool (`config-get`, `status-set`, ...) by a charm under `cargo charm run`.
    if let Some(code) = run::tool_mode() {
        return code;
    }
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `cargo-charm new x` (run directly or through `cargo run -p cargo-charm --`) is accepted as
    // well as `cargo charm new x` (cargo inserts `charm`).
    if args.get(1).map(|a| a != "charm").unwrap_or(true) {
        args.insert(1, "charm".into());
    }
    let CargoCli::Charm(cli) = CargoCli::parse_from(args);
    let result = match cli.command {
        Command::New(args) => new::main(args),
        Command::Pack(args) => pack::main(args).map(|_| ()),
        Command::Run(args) => run::main(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            let mut source = std::error::Error::source(&*err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// What every subcommand returns on failure: printed as `error: ...` with its causes.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Where a charm crate's manifest is, as cargo's own `--manifest-path` / `-p` select it.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CrateSelection {
    /// Path to the charm's (or its workspace's) `Cargo.toml`.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// The charm's package, when the manifest is a workspace.
    #[arg(short = 'p', long = "package", value_name = "PKG")]
    pub package: Option<String>,
}
