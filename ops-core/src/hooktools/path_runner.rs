//! [`SearchPathRunner`]: runs hook tools found in an explicit search path instead of the process
//! `PATH` (like ops' `shutil.which(tool)` resolution, but without touching the environment).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use std::process::Command;
use std::time::Duration;

use super::runner::{run_command, tool_timeout_from_env, RunError, ToolOutput, ToolRunner};

/// Runs hook tools as child processes, looking them up in its own search path.
///
/// The tool is resolved like `shutil.which`: the first directory holding an executable file of
/// that name wins; none → [`RunError::NotFound`]. It is then run by absolute path, as
/// [`ProcessRunner`](super::ProcessRunner) runs tools (argv, never a shell). The child inherits the process environment.
#[derive(Debug, Clone)]
pub struct SearchPathRunner {
    dirs: Vec<PathBuf>,
    timeout: Option<Duration>,
}

impl SearchPathRunner {
    /// A runner searching the directories of `path` (a `PATH`-style list, `:`-separated on Unix).
    pub fn new(path: impl Into<OsString>) -> Self {
        SearchPathRunner {
            dirs: std::env::split_paths(&path.into()).collect(),
            timeout: None,
        }
    }

    /// A runner searching only `dir`.
    pub fn with_dir(dir: impl Into<PathBuf>) -> Self {
        SearchPathRunner {
            dirs: vec![dir.into()],
            timeout: None,
        }
    }

    /// Kill a tool still running after `limit` (the call fails with [`RunError::TimedOut`]). By
    /// default there is no limit.
    pub fn with_timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    /// Where `tool` would be run from, if found.
    pub fn which(&self, tool: &str) -> Option<PathBuf> {
        if tool.is_empty() || tool.contains('/') {
            let path = Path::new(tool);
            return is_executable(path).then(|| path.to_path_buf());
        }
        self.dirs
            .iter()
            .map(|dir| dir.join(tool))
            .find(|p| is_executable(p))
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

impl ToolRunner for SearchPathRunner {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        let Some(path) = self.which(tool) else {
            return Err(RunError::NotFound(tool.to_string()));
        };
        let mut cmd = Command::new(&path);
        cmd.args(args);
        let limit = self.timeout.or_else(tool_timeout_from_env);
        run_command(tool, cmd, stdin, limit, None)
    }
}
