//! Running commands in the workload: `POST /v1/exec`, then websockets (over the same Unix socket)
//! for the command's control channel, its stdin/stdout (`stdio`) and, unless combined, its stderr.
//!
//! Output arrives as binary frames and ends with the text frame `{"command":"end"}`; input is sent
//! the same way. The `stdio` websocket is read by one handle and written by another, sharing the
//! socket; writes of both go through one lock, a whole buffer at a time, so their frames never
//! interleave.

use super::transport;
use super::{duration, ChangeError, ChangeId, Client, Error, ExecError, Result};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

const END: &str = r#"{"command":"end"}"#;
/// The size of the stdin frames sent (as ops' 16 KiB reads).
const CHUNK: usize = 16 * 1024;

/// A socket read through its own handle and written under a lock shared by all its writers.
struct SharedStream {
    read: UnixStream,
    write: Arc<Mutex<UnixStream>>,
}

impl SharedStream {
    fn new(stream: UnixStream) -> std::io::Result<SharedStream> {
        let write = stream.try_clone()?;
        Ok(SharedStream {
            read: stream,
            write: Arc::new(Mutex::new(write)),
        })
    }

    fn duplicate(&self) -> std::io::Result<SharedStream> {
        Ok(SharedStream {
            read: self.read.try_clone()?,
            write: self.write.clone(),
        })
    }

    fn shutdown(&self) {
        let _ = self.read.shutdown(std::net::Shutdown::Both);
    }
}

impl Read for SharedStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // tungstenite fails on any I/O error but `WouldBlock`: a read a signal interrupted
        // (EINTR) is retried here, as `Read::read_exact` would.
        loop {
            match self.read.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

impl Write for SharedStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut w = self
            .write
            .lock()
            .map_err(|_| std::io::Error::other("websocket writer poisoned"))?;
        w.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

type Ws = WebSocket<SharedStream>;

fn ws_io(e: tungstenite::Error) -> std::io::Error {
    match e {
        tungstenite::Error::Io(e) => e,
        e => std::io::Error::other(e),
    }
}

fn connect_ws(client: &Client, task_id: &str, name: &str) -> Result<(Ws, SharedStream)> {
    let stream = transport::connect(client.socket_path())?;
    // The handshake times out as any request; the streams then block as long as the command
    // runs (as ops' websockets).
    stream.set_read_timeout(Some(client.timeout()))?;
    stream.set_write_timeout(Some(client.timeout()))?;
    let shared = SharedStream::new(stream)?;
    let spare = shared.duplicate()?;
    let url = format!("ws://localhost/v1/tasks/{task_id}/websocket/{name}");
    match tungstenite::client::client(url.as_str(), shared) {
        Ok((ws, _)) => {
            spare.read.set_read_timeout(None)?;
            spare.read.set_write_timeout(None)?;
            Ok((ws, spare))
        }
        Err(tungstenite::HandshakeError::Failure(e)) => Err(Error::Connection(format!(
            "unexpected error connecting to websockets: {e}"
        ))),
        Err(tungstenite::HandshakeError::Interrupted(_)) => Err(Error::Connection(
            "unexpected error connecting to websockets: interrupted".into(),
        )),
    }
}

/// The next chunk of output, `None` at `{"command":"end"}` or when the websocket closes.
fn next_chunk(ws: &mut Ws) -> std::io::Result<Option<Vec<u8>>> {
    loop {
        match ws.read() {
            Ok(Message::Binary(b)) => return Ok(Some(b.to_vec())),
            Ok(Message::Text(t)) => {
                let command = serde_json::from_str::<serde_json::Value>(t.as_str())
                    .ok()
                    .and_then(|v| v.get("command").and_then(|c| c.as_str()).map(String::from));
                if command.as_deref() == Some("end") {
                    return Ok(None);
                }
                log::warn!(target: "ops_core", "Invalid I/O command {command:?}");
            }
            Ok(Message::Close(_)) => return Ok(None),
            Ok(_) => {}
            Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => {
                return Ok(None)
            }
            Err(e) => return Err(ws_io(e)),
        }
    }
}

/// A command's output stream (stdout, or stderr when not combined), as a reader.
///
/// # Examples
///
/// ```
/// use ops_testing::pebble::{ExecRule, FakePebble};
///
/// let pebble = FakePebble::start()?;
/// use std::io::Read;
///
/// pebble.add_exec_rule(ExecRule::new(&["cat", "/var/log/web.log"], 0, "line 1\nline 2\n", ""));
/// let mut process = pebble.client().exec(["cat", "/var/log/web.log"]).spawn()?;
/// let mut stdout = process.take_stdout().expect("not taken yet");
/// let mut text = String::new();
/// stdout.read_to_string(&mut text)?;
/// process.wait()?;
/// assert_eq!(text.lines().count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ExecReader {
    ws: Ws,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl std::fmt::Debug for ExecReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecReader")
            .field("eof", &self.eof)
            .finish_non_exhaustive()
    }
}

impl Read for ExecReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.buf.len() {
            if self.eof {
                return Ok(0);
            }
            match next_chunk(&mut self.ws)? {
                Some(chunk) => {
                    self.buf = chunk;
                    self.pos = 0;
                }
                None => self.eof = true,
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A command's standard input, as a writer. Closing it (or dropping it) sends end-of-file.
///
/// # Examples
///
/// ```
/// use ops_testing::pebble::{ExecRule, FakePebble};
/// use std::io::Write;
///
/// let pebble = FakePebble::start()?;
/// let mut rule = ExecRule::new(&["cat"], 0, "", "");
/// rule.echo_stdin = true; // the fake answers with what it read
/// pebble.add_exec_rule(rule);
/// let mut process = pebble.client().exec(["cat"]).spawn()?;
/// let mut stdin = process.take_stdin().expect("not taken yet");
/// stdin.write_all(b"hello")?;
/// stdin.close()?;
/// assert_eq!(process.wait_output()?.stdout, b"hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ExecStdin {
    ws: Ws,
    closed: bool,
}

impl std::fmt::Debug for ExecStdin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecStdin")
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl ExecStdin {
    /// Send end-of-file.
    pub fn close(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        self.ws.send(Message::text(END)).map_err(ws_io)
    }
}

impl Write for ExecStdin {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Err(std::io::Error::new(
                std::io::ErrorKind::BrokenPipe,
                "stdin is closed",
            ));
        }
        if buf.is_empty() {
            return Ok(0);
        }
        self.ws.send(Message::binary(buf.to_vec())).map_err(ws_io)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ExecStdin {
    fn drop(&mut self) {
        let _ = self.close();
    }
}

/// A command's output, from [`ExecProcess::wait_output`].
///
/// # Examples
///
/// ```
/// use ops_testing::pebble::{ExecRule, FakePebble};
///
/// let pebble = FakePebble::start()?;
/// pebble.add_exec_rule(ExecRule::new(&["cat", "/etc/hostname"], 0, "web-0\n", ""));
/// let out = pebble.client().exec(["cat", "/etc/hostname"]).output()?;
/// assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "web-0");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Output {
    /// Standard output (with standard error when combined).
    pub stdout: Vec<u8>,
    /// Standard error, unless combined with standard output.
    pub stderr: Option<Vec<u8>>,
}

impl Output {
    /// Standard output as text (lossy UTF-8).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (lossy UTF-8), unless combined.
    pub fn stderr_text(&self) -> Option<String> {
        self.stderr
            .as_ref()
            .map(|e| String::from_utf8_lossy(e).into_owned())
    }
}

enum StdinSource {
    Bytes(Vec<u8>),
    Reader(Box<dyn Read + Send>),
}

/// A command to run in the workload, built like [`std::process::Command`]: see
/// [`Client::exec`].
///
/// # Examples
///
/// ```
/// use ops_testing::pebble::{ExecRule, FakePebble};
///
/// let pebble = FakePebble::start()?;
/// pebble.add_exec_rule(ExecRule::new(&["pg_isready"], 0, "accepting connections\n", ""));
/// let client = pebble.client();
/// let out = client
///     .exec(["pg_isready", "-h", "localhost"])
///     .env("PGCONNECT_TIMEOUT", "3")
///     .working_dir("/")
///     .output()?;
/// assert_eq!(out.stdout, b"accepting connections\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Exec {
    client: Client,
    command: Vec<String>,
    service_context: Option<String>,
    environment: BTreeMap<String, String>,
    working_dir: Option<String>,
    timeout: Option<Duration>,
    user_id: Option<u32>,
    user: Option<String>,
    group_id: Option<u32>,
    group: Option<String>,
    combine_stderr: bool,
    stdin: Option<StdinSource>,
    stdout: Option<Box<dyn Write + Send>>,
    stderr: Option<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for Exec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Exec")
            .field("command", &self.command)
            .field("environment", &self.environment)
            .field("working_dir", &self.working_dir)
            .field("timeout", &self.timeout)
            .field("combine_stderr", &self.combine_stderr)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A command to run in the workload (`POST /v1/exec`): set options, then
    /// [`spawn`](Exec::spawn) it or run it to completion with [`output`](Exec::output) or
    /// [`run`](Exec::run).
    pub fn exec<I, S>(&self, command: I) -> Exec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Exec {
            client: self.clone(),
            command: command.into_iter().map(Into::into).collect(),
            service_context: None,
            environment: BTreeMap::new(),
            working_dir: None,
            timeout: None,
            user_id: None,
            user: None,
            group_id: None,
            group: None,
            combine_stderr: false,
            stdin: None,
            stdout: None,
            stderr: None,
        }
    }
}

impl Exec {
    /// Run in the context of this service (Pebble ≥ 1.13): its environment, user, group and
    /// working directory are the defaults, which the other options override.
    pub fn service_context(mut self, service: impl Into<String>) -> Self {
        self.service_context = Some(service.into());
        self
    }

    /// Set an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.environment.insert(key.into(), value.into());
        self
    }

    /// Set environment variables.
    pub fn envs<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.environment
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// The working directory (default: the user's home, or `/`).
    pub fn working_dir(mut self, dir: impl Into<String>) -> Self {
        self.working_dir = Some(dir.into());
        self
    }

    /// Kill the command after `timeout` (the change then fails).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Run as this user id.
    pub fn user_id(mut self, id: u32) -> Self {
        self.user_id = Some(id);
        self
    }

    /// Run as this user.
    pub fn user(mut self, name: impl Into<String>) -> Self {
        self.user = Some(name.into());
        self
    }

    /// Run with this group id.
    pub fn group_id(mut self, id: u32) -> Self {
        self.group_id = Some(id);
        self
    }

    /// Run with this group.
    pub fn group(mut self, name: impl Into<String>) -> Self {
        self.group = Some(name.into());
        self
    }

    /// Send standard error along with standard output.
    pub fn combine_stderr(mut self, combine: bool) -> Self {
        self.combine_stderr = combine;
        self
    }

    /// Feed these bytes to the command's standard input, then end-of-file.
    pub fn stdin_bytes(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(StdinSource::Bytes(data.into()));
        self
    }

    /// Feed this reader to the command's standard input (from a thread), then end-of-file.
    pub fn stdin_reader(mut self, reader: impl Read + Send + 'static) -> Self {
        self.stdin = Some(StdinSource::Reader(Box::new(reader)));
        self
    }

    /// Copy the command's standard output into this writer (from a thread).
    pub fn stdout_writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.stdout = Some(Box::new(writer));
        self
    }

    /// Copy the command's standard error into this writer (from a thread).
    pub fn stderr_writer(mut self, writer: impl Write + Send + 'static) -> Self {
        self.stderr = Some(Box::new(writer));
        self
    }

    /// Start the command. Without a stdin source, [`ExecProcess::stdin`] is its input; without
    /// writers, [`ExecProcess::stdout`] and [`ExecProcess::stderr`] are its output.
    pub fn spawn(self) -> Result<ExecProcess> {
        if self.command.is_empty() {
            return Err(Error::Invalid("command must be a non-empty list".into()));
        }
        if self.combine_stderr && self.stderr.is_some() {
            return Err(Error::Invalid(
                "stderr must be None if combine_stderr is True".into(),
            ));
        }
        let client = self.client;
        let mut body = json!({
            "command": self.command,
            "environment": self.environment,
            "working-dir": self.working_dir,
            "timeout": self.timeout.map(duration::format),
            "user-id": self.user_id,
            "user": self.user,
            "group-id": self.group_id,
            "group": self.group,
            "split-stderr": !self.combine_stderr,
        });
        if let Some(service) = &self.service_context {
            body["service-context"] = json!(service);
        }
        let answer = client.request("POST", "/v1/exec", &[], Some(&body))?;
        let change_id = answer.change()?;
        let task_id = answer
            .body
            .get("result")
            .and_then(|r| r.get("task-id"))
            .and_then(|t| t.as_str())
            .map(str::to_string)
            .ok_or_else(|| Error::Protocol("exec answer without a task id".into()))?;

        let connect = || -> Result<_> {
            let control = connect_ws(&client, &task_id, "control")?;
            let stdio = connect_ws(&client, &task_id, "stdio")?;
            let stderr = if self.combine_stderr {
                None
            } else {
                Some(connect_ws(&client, &task_id, "stderr")?)
            };
            Ok((control, stdio, stderr))
        };
        let ((control, control_sock), (stdio_read, stdio_sock), stderr) = match connect() {
            Ok(ws) => ws,
            Err(e) => {
                // Probably the change ended early with an error: report that one.
                let change = client.wait_change(
                    &change_id,
                    Some(super::DEFAULT_CHANGE_TIMEOUT),
                    super::DEFAULT_POLL_DELAY,
                )?;
                if let Some(err) = change.err.clone() {
                    return Err(ChangeError { err, change }.into());
                }
                return Err(match e {
                    Error::Connection(m) => Error::Connection(m),
                    other => Error::Connection(format!(
                        "unexpected error connecting to websockets: {other}"
                    )),
                });
            }
        };
        let stdio_write = WebSocket::from_raw_socket(stdio_sock.duplicate()?, Role::Client, None);
        let mut sockets = vec![control_sock, stdio_sock];
        let mut threads: Vec<JoinHandle<std::io::Result<()>>> = Vec::new();
        let mut feeder = None;

        let mut stdin = ExecStdin {
            ws: stdio_write,
            closed: false,
        };
        let stdin = match self.stdin {
            Some(source) => {
                feeder = Some(std::thread::spawn(move || {
                    let mut reader: Box<dyn Read + Send> = match source {
                        StdinSource::Bytes(b) => Box::new(std::io::Cursor::new(b)),
                        StdinSource::Reader(r) => r,
                    };
                    let mut buf = vec![0u8; CHUNK];
                    loop {
                        let n = match reader.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => n,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                            Err(e) => return Err(e),
                        };
                        stdin.write_all(&buf[..n])?;
                    }
                    stdin.close()
                }));
                None
            }
            None => Some(stdin),
        };

        let reader = |ws: Ws| ExecReader {
            ws,
            buf: Vec::new(),
            pos: 0,
            eof: false,
        };
        let copier = |mut from: ExecReader, mut to: Box<dyn Write + Send>| {
            std::thread::spawn(move || {
                std::io::copy(&mut from, &mut to)?;
                to.flush()
            })
        };
        let stdout = match self.stdout {
            Some(w) => {
                threads.push(copier(reader(stdio_read), w));
                None
            }
            None => Some(reader(stdio_read)),
        };
        let stderr = match stderr {
            Some((ws, sock)) => {
                sockets.push(sock);
                match self.stderr {
                    Some(w) => {
                        threads.push(copier(reader(ws), w));
                        None
                    }
                    None => Some(reader(ws)),
                }
            }
            None => None,
        };
        let stdout_redirected = stdout.is_none();
        Ok(ExecProcess {
            client,
            command: self.command,
            timeout: self.timeout,
            change_id,
            task_id,
            control: Mutex::new(control),
            stdin,
            stdout,
            stderr,
            stdout_redirected,
            threads,
            feeder,
            sockets,
        })
    }

    /// Run the command to completion and capture its output ([`ExecProcess::wait_output`]).
    pub fn output(self) -> Result<Output> {
        self.spawn()?.wait_output()
    }

    /// Run the command to completion ([`ExecProcess::wait`]).
    pub fn run(self) -> Result<()> {
        self.spawn()?.wait()
    }
}

/// A running command ([`Exec::spawn`]). Wait for it with [`wait`](Self::wait) or
/// [`wait_output`](Self::wait_output); dropping it closes its websockets.
///
/// # Examples
///
/// ```
/// use ops_testing::pebble::{ExecRule, FakePebble};
///
/// let pebble = FakePebble::start()?;
/// pebble.add_exec_rule(ExecRule::new(&["hostname"], 0, "web-0\n", ""));
/// let client = pebble.client();
/// // Spawned: the process runs while the charm does other work, then is waited for.
/// let process = client.exec(["hostname"]).spawn()?;
/// let out = process.wait_output()?;
/// assert_eq!(out.stdout, b"web-0\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ExecProcess {
    client: Client,
    command: Vec<String>,
    timeout: Option<Duration>,
    change_id: ChangeId,
    task_id: String,
    control: Mutex<Ws>,
    stdin: Option<ExecStdin>,
    stdout: Option<ExecReader>,
    stderr: Option<ExecReader>,
    stdout_redirected: bool,
    threads: Vec<JoinHandle<std::io::Result<()>>>,
    feeder: Option<JoinHandle<std::io::Result<()>>>,
    sockets: Vec<SharedStream>,
}

impl std::fmt::Debug for ExecProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecProcess")
            .field("command", &self.command)
            .field("change_id", &self.change_id)
            .field("task_id", &self.task_id)
            .finish_non_exhaustive()
    }
}

impl ExecProcess {
    /// The exec change.
    pub fn change_id(&self) -> &ChangeId {
        &self.change_id
    }

    /// The exec task (whose websockets carry the streams).
    pub fn task_id(&self) -> &str {
        &self.task_id
    }

    /// The command's standard input, unless a source was given.
    pub fn stdin(&mut self) -> Option<&mut ExecStdin> {
        self.stdin.as_mut()
    }

    /// Take the standard input (to write it from another thread).
    pub fn take_stdin(&mut self) -> Option<ExecStdin> {
        self.stdin.take()
    }

    /// The command's standard output, unless a writer was given.
    pub fn stdout(&mut self) -> Option<&mut ExecReader> {
        self.stdout.as_mut()
    }

    /// Take the standard output (to read it from another thread).
    pub fn take_stdout(&mut self) -> Option<ExecReader> {
        self.stdout.take()
    }

    /// The command's standard error, unless combined or a writer was given.
    pub fn stderr(&mut self) -> Option<&mut ExecReader> {
        self.stderr.as_mut()
    }

    /// Take the standard error.
    pub fn take_stderr(&mut self) -> Option<ExecReader> {
        self.stderr.take()
    }

    /// Send a signal (e.g. `SIGTERM`) to the command, over the control websocket.
    pub fn send_signal(&self, signal: &str) -> Result<()> {
        let msg = json!({"command": "signal", "signal": {"name": signal}}).to_string();
        let mut control = self
            .control
            .lock()
            .map_err(|_| Error::Connection("control websocket poisoned".into()))?;
        control
            .send(Message::text(msg))
            .map_err(|e| Error::Connection(format!("cannot send the signal: {e}")))
    }

    /// Wait for the command, closing its standard input first if it is still held here (as
    /// [`std::process::Child::wait`]). Output still held here (not taken, not sent to a writer)
    /// is read and dropped meanwhile: Pebble holds a command back while its output is unread, so
    /// waiting without reading it would never end. A non-zero exit is an [`ExecError`] (without output), a
    /// failed change a [`ChangeError`].
    pub fn wait(mut self) -> Result<()> {
        let code = self.finish()?;
        if code != 0 {
            return Err(ExecError {
                command: self.command.clone(),
                exit_code: code,
                stdout: None,
                stderr: None,
            }
            .into());
        }
        Ok(())
    }

    /// Wait for the command and capture its output. A non-zero exit is an [`ExecError`]
    /// carrying the output. Not possible when the output goes to a writer, or was taken.
    pub fn wait_output(mut self) -> Result<Output> {
        let Some(stdout) = self.stdout.take() else {
            return Err(Error::Invalid(if self.stdout_redirected {
                "can't use wait_output() when exec was called with the stdout argument; use wait() instead".into()
            } else {
                "can't use wait_output() after taking stdout".into()
            }));
        };
        let capture = |mut r: ExecReader| {
            std::thread::spawn(move || {
                let mut out = Vec::new();
                r.read_to_end(&mut out).map(|_| out)
            })
        };
        let out_thread = capture(stdout);
        let err_thread = self.stderr.take().map(capture);
        let code = self.finish();
        let join = |t: JoinHandle<std::io::Result<Vec<u8>>>| -> Result<Vec<u8>> {
            t.join()
                .map_err(|_| Error::Connection("output reader panicked".into()))?
                .map_err(|e| Error::Connection(format!("reading the command's output failed: {e}")))
        };
        let stdout = join(out_thread)?;
        let stderr = match err_thread {
            Some(t) => Some(join(t)?),
            None => None,
        };
        let code = code?;
        if code != 0 {
            return Err(ExecError {
                command: self.command.clone(),
                exit_code: code,
                stdout: Some(stdout),
                stderr,
            }
            .into());
        }
        Ok(Output { stdout, stderr })
    }

    /// ops' `_wait`: wait for the change (the command's timeout plus a second), let the output
    /// threads finish, close the websockets; the exit code.
    fn finish(&mut self) -> Result<i64> {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.close();
        }
        // Output still held here can no longer be read by the caller: drain it, or a command
        // writing more than the socket buffers hold (~200 KiB) blocks, and its change never ends.
        for unread in [self.stdout.take(), self.stderr.take()]
            .into_iter()
            .flatten()
        {
            self.threads.push(std::thread::spawn(move || {
                let mut unread = unread;
                std::io::copy(&mut unread, &mut std::io::sink()).map(|_| ())
            }));
        }
        let timeout = self.timeout.map(|t| t + Duration::from_secs(1));
        let change = self
            .client
            .wait_change(&self.change_id, timeout, super::DEFAULT_POLL_DELAY);
        // The output threads end at the end message; give them a moment after the change, then
        // close the sockets under any that are still blocked.
        let deadline = Instant::now() + self.client.timeout();
        while self.threads.iter().any(|t| !t.is_finished()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.shutdown();
        let mut thread_error = None;
        for t in self.threads.drain(..) {
            if let Ok(Err(e)) = t.join() {
                thread_error.get_or_insert(e);
            }
        }
        // The stdin feeder may block on its reader: it is left to end on the closed socket.
        drop(self.feeder.take());
        let change = change?;
        if let Some(err) = change.err.clone() {
            return Err(ChangeError { err, change }.into());
        }
        if let Some(e) = thread_error {
            return Err(Error::Io(e));
        }
        Ok(change
            .tasks
            .first()
            .and_then(|t| t.data.get("exit-code"))
            .and_then(|c| c.as_i64())
            .unwrap_or(-1))
    }

    fn shutdown(&mut self) {
        for s in &self.sockets {
            s.shutdown();
        }
    }
}

impl Drop for ExecProcess {
    fn drop(&mut self) {
        self.shutdown();
    }
}
