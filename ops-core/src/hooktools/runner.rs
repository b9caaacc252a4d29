//! The hook-tool boundary: every call from the runtime to Juju goes through a [`ToolRunner`].
//!
//! In production [`ProcessRunner`] executes the tool found on `PATH` by argv (never through a shell).
//! `ops-testing` plugs a simulated Juju in here, so tests run the same model code as production.

use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
use rustix::process::{pidfd_open, Pid, PidfdFlags};

/// What a hook tool printed and how it exited.
///
/// Its `Debug` shows the sizes of the outputs, never their content (`secret-get` prints secrets).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ToolOutput {
    /// Exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

impl std::fmt::Debug for ToolOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolOutput")
            .field("code", &self.code)
            .field("stdout_bytes", &self.stdout.len())
            .field("stderr_bytes", &self.stderr.len())
            .finish()
    }
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
    /// The tool printed more than the caller accepts, and was killed.
    #[error("{tool} printed more than {limit} bytes and was killed")]
    OutputTooLarge {
        /// The tool.
        tool: String,
        /// The most it may print (on standard output, and on standard error).
        limit: usize,
    },
    /// The tool ran longer than the time limit and was killed (see [`TOOL_TIMEOUT_ENV`]).
    #[error("{tool} did not finish within {after:?} and was killed")]
    TimedOut {
        /// The tool.
        tool: String,
        /// The time limit.
        after: Duration,
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

/// The environment variable that sets a time limit, in seconds (a decimal number), on every
/// hook-tool call [`ProcessRunner`] makes: a tool still running after it is killed and the call fails
/// with [`RunError::TimedOut`]. Unset, empty, `0` or unparsable: no limit (the default, as in ops,
/// whose hook-tool calls have none; Juju itself bounds the whole hook).
pub const TOOL_TIMEOUT_ENV: &str = "OPS_HOOK_TOOL_TIMEOUT";

/// The time limit [`TOOL_TIMEOUT_ENV`] sets, read once per process.
pub fn tool_timeout_from_env() -> Option<Duration> {
    static LIMIT: OnceLock<Option<Duration>> = OnceLock::new();
    *LIMIT.get_or_init(|| {
        let raw = std::env::var(TOOL_TIMEOUT_ENV).ok()?;
        let secs: f64 = raw.trim().parse().ok()?;
        (secs.is_finite() && secs > 0.0).then(|| Duration::from_secs_f64(secs.min(1e9)))
    })
}

/// Runs hook tools as child processes found on `PATH`, by argv.
///
/// Standard input is written while standard output and error are read (so a tool that prints a
/// lot before reading a large input cannot deadlock the hook). The call returns when the tool
/// exits, with what it printed by then: a background process it left running that keeps the
/// output pipes open does not hold the hook. [`TOOL_TIMEOUT_ENV`] optionally limits each call's
/// duration.
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
        cmd.args(args);
        run_command(tool, cmd, stdin, tool_timeout_from_env(), None)
    }
}

/// Run `cmd` (named `tool` in errors), feeding it `stdin`, killing it after `limit`, or as soon as
/// it prints more than `max_output` bytes on either output ([`RunError::OutputTooLarge`]).
///
/// Returns when the process exits (what it wrote to the pipes before exiting is read), even if
/// one of its own children keeps the pipes open.
pub(crate) fn run_command(
    tool: &str,
    mut cmd: Command,
    stdin: Option<&[u8]>,
    limit: Option<Duration>,
    max_output: Option<usize>,
) -> Result<ToolOutput, RunError> {
    let io_error = |source: io::Error| RunError::Io {
        tool: tool.to_string(),
        source,
    };
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            RunError::NotFound(tool.to_string())
        } else {
            io_error(e)
        }
    })?;
    let result = pump(&mut child, stdin, started, limit, max_output);
    match result {
        Ok(Pumped::Exited(status, stdout, stderr)) => Ok(ToolOutput {
            code: status.code(),
            stdout,
            stderr,
        }),
        Ok(Pumped::TooLarge) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(RunError::OutputTooLarge {
                tool: tool.to_string(),
                limit: max_output.unwrap_or_default(),
            })
        }
        Ok(Pumped::TimedOut) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(RunError::TimedOut {
                tool: tool.to_string(),
                after: limit.unwrap_or_default(),
            })
        }
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(io_error(e))
        }
    }
}

enum Pumped {
    Exited(ExitStatus, Vec<u8>, Vec<u8>),
    TimedOut,
    TooLarge,
}

/// One output pipe being read.
struct Sink<R> {
    pipe: Option<R>,
    data: Vec<u8>,
    max: usize,
    overflowed: bool,
}

impl<R: Read> Sink<R> {
    /// Read what is available now (the pipe is non-blocking); drop the pipe at end of file.
    ///
    /// Reads straight into `data` (`read_to_end` grows it without zeroing), at most one byte past
    /// `max`, which marks the sink overflowed.
    fn drain(&mut self) -> io::Result<()> {
        let Some(pipe) = self.pipe.as_mut() else {
            return Ok(());
        };
        let room = self.max.saturating_sub(self.data.len());
        let limit = u64::try_from(room).unwrap_or(u64::MAX).saturating_add(1);
        // `read_to_end` reads until end of file, the limit or `WouldBlock`, and retries an
        // interrupted read itself.
        let read = pipe.by_ref().take(limit).read_to_end(&mut self.data);
        if self.data.len() > self.max {
            self.data.truncate(self.max);
            self.overflowed = true;
            return Ok(());
        }
        match read {
            // End of file (the limit was not reached: that would be an overflow, above).
            Ok(_) => self.pipe = None,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

fn nonblocking(fd: impl AsFd) -> io::Result<()> {
    let flags = fcntl_getfl(&fd)?;
    fcntl_setfl(&fd, flags | OFlags::NONBLOCK)?;
    Ok(())
}

/// Feed stdin and collect stdout/stderr with `poll`, until the child exits (or `limit` passes).
fn pump(
    child: &mut Child,
    input: Option<&[u8]>,
    started: Instant,
    limit: Option<Duration>,
    max_output: Option<usize>,
) -> io::Result<Pumped> {
    let max = max_output.unwrap_or(usize::MAX);
    let mut stdin = child.stdin.take();
    let mut stdout = Sink {
        pipe: child.stdout.take(),
        data: Vec::new(),
        max,
        overflowed: false,
    };
    let mut stderr = Sink {
        pipe: child.stderr.take(),
        data: Vec::new(),
        max,
        overflowed: false,
    };
    for fd in [
        stdout.pipe.as_ref().map(AsFd::as_fd),
        stderr.pipe.as_ref().map(AsFd::as_fd),
    ]
    .into_iter()
    .flatten()
    .chain(stdin.as_ref().map(AsFd::as_fd))
    {
        nonblocking(fd)?;
    }
    let mut input = input.unwrap_or_default();
    if input.is_empty() {
        stdin = None; // closed: the tool sees end of file
    }
    // Tells when the child exits, even while a grandchild holds the pipes open (Linux ≥ 5.3);
    // without it the loop also wakes up every few milliseconds to ask.
    let pidfd = pidfd_open(Pid::from_child(child), PidfdFlags::empty()).ok();
    loop {
        if stdout.overflowed || stderr.overflowed {
            return Ok(Pumped::TooLarge);
        }
        if let Some(status) = child.try_wait()? {
            // What the child wrote before it exited is in the pipes: read it, and stop there.
            stdout.drain()?;
            stderr.drain()?;
            if stdout.overflowed || stderr.overflowed {
                return Ok(Pumped::TooLarge);
            }
            return Ok(Pumped::Exited(status, stdout.data, stderr.data));
        }
        let mut wait = match limit {
            Some(limit) => match limit.checked_sub(started.elapsed()) {
                Some(left) => Some(left),
                None => return Ok(Pumped::TimedOut),
            },
            None => None,
        };
        let outputs_open = stdout.pipe.is_some() || stderr.pipe.is_some();
        if pidfd.is_none() {
            let tick = Duration::from_millis(if outputs_open { 20 } else { 2 });
            wait = Some(wait.map_or(tick, |w| w.min(tick)));
        }
        let mut fds = Vec::with_capacity(4);
        let mut roles = Vec::with_capacity(4);
        if let Some(pipe) = &stdout.pipe {
            fds.push(PollFd::new(pipe, PollFlags::IN));
            roles.push(0);
        }
        if let Some(pipe) = &stderr.pipe {
            fds.push(PollFd::new(pipe, PollFlags::IN));
            roles.push(1);
        }
        if let Some(pipe) = &stdin {
            fds.push(PollFd::new(pipe, PollFlags::OUT));
            roles.push(2);
        }
        if let Some(fd) = &pidfd {
            fds.push(PollFd::new(fd, PollFlags::IN));
            roles.push(3);
        }
        let timeout = match wait {
            Some(w) => Some(Timespec::try_from(w).map_err(|_| io::Error::other("bad timeout"))?),
            None => None,
        };
        match poll(&mut fds, timeout.as_ref()) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
        let ready: Vec<(i32, bool)> = fds
            .iter()
            .zip(&roles)
            .map(|(fd, role)| (*role, !fd.revents().is_empty()))
            .collect();
        drop(fds);
        for (role, is_ready) in ready {
            if !is_ready {
                continue;
            }
            match role {
                0 => stdout.drain()?,
                1 => stderr.drain()?,
                2 => {
                    if let Some(pipe) = stdin.as_mut() {
                        match pipe.write(input) {
                            Ok(n) => input = &input[n..],
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                            // The tool exited or closed its input without reading it all: its
                            // exit status tells the rest.
                            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => input = &[],
                            Err(e) => return Err(e),
                        }
                        if input.is_empty() {
                            stdin = None;
                        }
                    }
                }
                _ => {} // the child exited: try_wait above sees it
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A shell command run as a tool (test-only: the runtime never runs tools through a shell).
    fn sh(script: &str, max_output: Option<usize>) -> Result<ToolOutput, RunError> {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        run_command("sh", cmd, None, None, max_output)
    }

    #[test]
    fn output_up_to_the_limit_is_kept_and_one_byte_more_is_refused() {
        for (stream, redirect) in [("stdout", ""), ("stderr", " >&2")] {
            let out = sh(&format!("head -c 1000 /dev/zero{redirect}"), Some(1000))
                .unwrap_or_else(|e| panic!("{stream}: {e}"));
            let (data, other) = if redirect.is_empty() {
                (&out.stdout, &out.stderr)
            } else {
                (&out.stderr, &out.stdout)
            };
            assert_eq!((data.len(), other.len()), (1000, 0), "{stream}");
            let err = sh(&format!("head -c 1001 /dev/zero{redirect}"), Some(1000))
                .expect_err("one byte over the limit");
            assert!(
                matches!(err, RunError::OutputTooLarge { limit: 1000, .. }),
                "{stream}: {err:?}"
            );
        }
    }

    #[test]
    fn large_outputs_on_both_pipes_arrive_whole_and_apart() {
        // 1 MiB on each output, interleaved, far beyond a pipe's buffer: read as it comes.
        let script = "i=0; while [ $i -lt 16 ]; do \
                      head -c 65536 /dev/zero | tr '\\0' o; head -c 65536 /dev/zero | tr '\\0' e >&2; \
                      i=$((i+1)); done";
        let out = sh(script, None).expect("run");
        assert_eq!(out.code, Some(0));
        assert_eq!(out.stdout.len(), 1 << 20);
        assert_eq!(out.stderr.len(), 1 << 20);
        assert!(out.stdout.iter().all(|&b| b == b'o'));
        assert!(out.stderr.iter().all(|&b| b == b'e'));
    }

    #[test]
    fn an_empty_output_and_the_exit_code_come_back() {
        let out = sh("exit 3", Some(10)).expect("run");
        assert_eq!(
            (out.code, out.stdout.len(), out.stderr.len()),
            (Some(3), 0, 0)
        );
    }
}
