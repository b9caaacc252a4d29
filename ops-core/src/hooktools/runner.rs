//! The hook-tool boundary: every call from the runtime to Juju goes through a [`ToolRunner`].
//!
//! In production [`ProcessRunner`] executes the tool found on `PATH` by argv (never through a shell).
//! `ops-testing` plugs a simulated Juju in here, so tests run the same model code as production.

use std::io::Write;
use std::process::{Command, Stdio};

/// What a hook tool printed and how it exited.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToolOutput {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

impl ToolOutput {
    /// A successful call that printed `stdout`.
    pub fn ok(stdout: impl Into<Vec<u8>>) -> Self {
        ToolOutput {
            code: Some(0),
            stdout: stdout.into(),
            stderr: Vec::new(),
        }
    }

    /// A failed call with exit code `code` that printed `stderr`.
    pub fn failed(code: i32, stderr: impl Into<Vec<u8>>) -> Self {
        ToolOutput {
            code: Some(code),
            stdout: Vec::new(),
            stderr: stderr.into(),
        }
    }

    /// Whether the tool exited 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Why a hook tool could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The tool is not on `PATH`.
    #[error("command not found: {0}")]
    NotFound(String),
    /// Spawning or talking to the process failed.
    #[error("cannot run {tool}: {source}")]
    Io {
        /// The tool.
        tool: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Runs hook tools.
pub trait ToolRunner {
    /// Run `tool` with `args`, feeding `stdin` if given, and return what it printed.
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError>;
}

/// Runs hook tools as child processes found on `PATH`, by argv.
#[derive(Debug, Default, Clone)]
pub struct ProcessRunner;

impl ToolRunner for ProcessRunner {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        let mut cmd = Command::new(tool);
        cmd.args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                RunError::NotFound(tool.to_string())
            } else {
                RunError::Io {
                    tool: tool.to_string(),
                    source: e,
                }
            }
        })?;
        if let Some(input) = stdin {
            if let Some(mut pipe) = child.stdin.take() {
                // A tool that exits without reading its input gives EPIPE: its exit status tells the rest.
                if let Err(e) = pipe.write_all(input) {
                    if e.kind() != std::io::ErrorKind::BrokenPipe {
                        return Err(RunError::Io {
                            tool: tool.to_string(),
                            source: e,
                        });
                    }
                }
            }
        }
        let out = child.wait_with_output().map_err(|e| RunError::Io {
            tool: tool.to_string(),
            source: e,
        })?;
        Ok(ToolOutput {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }
}

impl<T: ToolRunner + ?Sized> ToolRunner for &T {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        (**self).run(tool, args, stdin)
    }
}

impl<T: ToolRunner + ?Sized> ToolRunner for Box<T> {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        (**self).run(tool, args, stdin)
    }
}

impl<T: ToolRunner + ?Sized> ToolRunner for std::rc::Rc<T> {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        (**self).run(tool, args, stdin)
    }
}
