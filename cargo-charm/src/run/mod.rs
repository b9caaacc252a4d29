//! `cargo charm run`: the charm's real binary, one process per hook as Juju runs it, against a
//! simulated unit.
//!
//! The `cargo charm run` process holds a [`SimJuju`](ops_testing::SimJuju) (ops-testing's
//! simulated Juju: the same hook-tool semantics, output formats and errors as the unit tests
//! use) and serves hook-tool calls on a Unix socket in a private temporary directory. Each hook
//! is a fresh `dispatch` process with Juju's environment, whose `PATH` starts with a directory of
//! links named after every hook tool, all to this executable: started under a tool's name it is
//! that tool ([`tool_mode`]), forwarding its argv to the socket. After each hook the run prints
//! what the charm did (see [`report`]). The charm's unit state (`.unit-state.db`) lives in its
//! private copy of the charm directory and is kept across the hooks of a run.
//!
//! What the run does is a scenario file or a list of events ([`scenario`]); by default, the
//! lifecycle Juju runs for a fresh unit.

mod charm;
mod report;
mod scenario;
mod tools;
mod unit;

use crate::{BoxError, CrateSelection};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

/// Arguments of `cargo charm run`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = scenario::FORMAT_HELP)]
pub struct RunArgs {
    /// Pack this crate first (see `cargo charm pack`) and run the `.charm` it writes.
    #[command(flatten)]
    pub selection: CrateSelection,
    /// Run this packed charm.
    #[arg(long, value_name = "FILE.charm", conflicts_with_all = ["package", "manifest_path"])]
    pub charm: Option<PathBuf>,
    /// `[DIR] [SCENARIO.yaml | EVENT...]`: the charm directory (an executable `dispatch` and the
    /// charm's YAML; unless `-p`, `--manifest-path` or `--charm` is given), then a scenario file
    /// or events to run. Without either, the lifecycle of a fresh unit: install, leader-elected,
    /// config-changed, start, `<container>-pebble-ready`, update-status.
    #[arg(value_name = "DIR | SCENARIO.yaml | EVENT")]
    pub args: Vec<String>,
    /// Deploy with config option KEY set to VALUE (as `juju deploy --config`; repeatable;
    /// over a scenario's `config`).
    #[arg(long, value_name = "KEY=VALUE")]
    pub config: Vec<String>,
    /// The unit's name (default: `<charm>/0`).
    #[arg(long, value_name = "APP/N")]
    pub unit: Option<String>,
    /// The Juju version hooks see (`JUJU_VERSION`; ops-core gates features on it).
    #[arg(long, value_name = "VERSION", default_value = ops_testing::sim::DEFAULT_JUJU_VERSION)]
    pub juju_version: String,
    /// Set `JUJU_DEBUG` in hooks (ops-core then also logs its debug records, and to stderr);
    /// implies `-v`.
    #[arg(long)]
    pub debug: bool,
    /// Kill a hook still running after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub timeout: u64,
    /// Also print every hook-tool call, every log line, and the hooks' output.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Why a run cannot go on, or did not go as expected.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Bad command-line arguments.
    #[error("{0}")]
    Usage(String),
    /// A file-system operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The charm is not one Juju could run.
    #[error("{}: {message}", path.display())]
    Charm {
        /// The charm given.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The charm's YAML is invalid.
    #[error("invalid charm metadata in {}:\n{message}", path.display())]
    Metadata {
        /// The charm given.
        path: PathBuf,
        /// Every problem, with its `file:line:column`.
        message: String,
    },
    /// A `.charm` that cannot be unpacked.
    #[error("cannot unpack {}: {message}", path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Packing the crate failed.
    #[error("cannot pack the charm: {0}")]
    Pack(String),
    /// The scenario or events are invalid.
    #[error(transparent)]
    Scenario(#[from] scenario::ScenarioError),
    /// A step that does not fit the unit's state when it comes (e.g. a relation not joined).
    #[error("{origin}: {message}")]
    Step {
        /// Where the step is written.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// The charm's `dispatch` could not be started.
    #[error("cannot start the charm's dispatch: {0}")]
    Spawn(std::io::Error),
    /// Hooks failed that were not expected to (or expected failures did not happen).
    #[error("{} unexpected: {}", plural(.0.len()), .0.join("; "))]
    Unexpected(Vec<String>),
}

fn plural(n: usize) -> String {
    if n == 1 {
        "1 hook outcome was".into()
    } else {
        format!("{n} hook outcomes were")
    }
}

/// Where the charm comes from and what to run, from the command line.
fn plan(args: &RunArgs) -> Result<(charm::Source, Vec<String>), RunError> {
    let mut rest = args.args.clone();
    if let Some(file) = &args.charm {
        return Ok((charm::Source::Archive(file.clone()), rest));
    }
    let sel = &args.selection;
    let explicit_crate = sel.package.is_some() || sel.manifest_path.is_some();
    if !explicit_crate {
        if let Some(first) = rest.first() {
            let path = Path::new(first);
            if path.is_dir() {
                let dir = PathBuf::from(rest.remove(0));
                return Ok((charm::Source::Dir(dir), rest));
            }
            // A path (events have no `/`) that is neither a directory nor a scenario file.
            if first.contains('/') && !path.exists() {
                return Err(RunError::Charm {
                    path: path.to_path_buf(),
                    message: "no such charm directory".into(),
                });
            }
        }
    }
    // The pack options beyond the crate selection keep their defaults.
    #[allow(clippy::needless_update)]
    let packed = crate::pack::main(crate::pack::PackArgs {
        selection: sel.clone(),
        ..Default::default()
    })
    .map_err(|e| {
        let hint = if explicit_crate {
            String::new()
        } else {
            " (no charm directory given: give DIR, --charm FILE.charm or -p PKG)".to_string()
        };
        RunError::Pack(format!("{e}{hint}"))
    })?;
    let file = host_charm(packed).ok_or_else(|| RunError::Pack("it wrote no .charm".into()))?;
    Ok((charm::Source::Archive(file), rest))
}

/// Of the `.charm` files `pack` wrote (one per base), the one for this machine's architecture
/// (charmcraft names them `<name>_<base>-<arch>.charm`), else the first.
fn host_charm(paths: Vec<PathBuf>) -> Option<PathBuf> {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "powerpc64" => "ppc64el",
        other => other,
    };
    let matches = |p: &PathBuf| {
        p.file_stem()
            .and_then(|s| s.to_str())
            .is_some_and(|s| s.ends_with(&format!("-{arch}")) || s.ends_with(&format!("_{arch}")))
    };
    match paths.iter().position(matches) {
        Some(i) => paths.into_iter().nth(i),
        None => paths.into_iter().next(),
    }
}

/// Whether the arguments after the charm name a scenario file (rather than events).
fn is_scenario(rest: &[String]) -> bool {
    match rest {
        [one] => one.ends_with(".yaml") || one.ends_with(".yml") || Path::new(one).is_file(),
        _ => false,
    }
}

/// Runs `cargo charm run`.
pub fn main(args: RunArgs) -> Result<(), BoxError> {
    run(args).map_err(Into::into)
}

fn run(args: RunArgs) -> Result<(), RunError> {
    if let Err(e) = ops_core::version::JujuVersion::parse(&args.juju_version) {
        return Err(RunError::Usage(format!(
            "--juju-version {}: {e}",
            args.juju_version
        )));
    }
    let (source, rest) = plan(&args)?;
    let mut unit = unit::Unit::new(
        &source,
        unit::Options {
            unit: args.unit.clone(),
            timeout: Duration::from_secs(args.timeout),
            verbose: args.verbose,
            debug: args.debug,
            juju_version: args.juju_version.clone(),
        },
    )?;
    let meta = unit.meta();
    let mut scenario = if is_scenario(&rest) {
        scenario::load(Path::new(&rest[0]), meta)?
    } else {
        let events = if rest.is_empty() {
            vec!["lifecycle".to_string()]
        } else {
            rest
        };
        scenario::Scenario {
            config: Default::default(),
            steps: scenario::from_events(&events, meta)?,
        }
    };
    scenario
        .config
        .extend(scenario::config_args(&args.config, meta)?);
    let steps = scenario.steps;
    unit.deploy_config(scenario.config);
    println!(
        "charm {} from {} (unit dir {})",
        meta.name,
        source.path().display(),
        unit.charm_dir().display()
    );
    if steps.is_empty() {
        println!("the scenario has no steps: nothing to run");
    }
    for step in &steps {
        unit.step(step)?;
    }
    if unit.unexpected.is_empty() {
        Ok(())
    } else {
        Err(RunError::Unexpected(std::mem::take(&mut unit.unexpected)))
    }
}

/// When this executable was started under a hook tool's name with the socket of a `cargo charm
/// run` in its environment, acts as that tool and returns its exit code; `None` otherwise.
pub fn tool_mode() -> Option<ExitCode> {
    let socket = std::env::var_os(tools::SOCKET_ENV)?;
    let argv0 = std::env::args_os().next()?;
    let name = Path::new(&argv0).file_name()?.to_str()?.to_string();
    if !ops_testing::sim::tool_names().any(|t| t == name) {
        return None;
    }
    Some(tools::client(&name, Path::new(&socket)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packed_charm_for_this_machine_is_run() {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            other => other,
        };
        let other = if arch == "amd64" { "arm64" } else { "amd64" };
        let paths = vec![
            PathBuf::from(format!("c_ubuntu-22.04-{other}.charm")),
            PathBuf::from(format!("c_ubuntu-22.04-{arch}.charm")),
        ];
        assert_eq!(host_charm(paths.clone()), Some(paths[1].clone()));
        assert_eq!(
            host_charm(vec![PathBuf::from("c.charm"), PathBuf::from("d.charm")]),
            Some(PathBuf::from("c.charm"))
        );
        assert_eq!(host_charm(Vec::new()), None);
    }
}
