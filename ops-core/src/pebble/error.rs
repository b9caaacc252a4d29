//! The client's errors, as Python ops' `ops.pebble` raises them.

use super::model::Change;
use super::pyrepr;

/// Everything a Pebble call can fail with.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Error;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// match client.pull_text("/no/such/file") {
///     Err(Error::Path(e)) => assert_eq!(e.kind, "not-found"),
///     other => panic!("expected a path error, got {other:?}"),
/// }
/// // `is_not_found` covers every way Pebble says "not found".
/// assert!(client.pull("/no/such/file").unwrap_err().is_not_found());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Pebble answered with an error (ops' `APIError`).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Pebble cannot be reached: no socket, connection refused or dropped (ops' `ConnectionError`).
    #[error("{0}")]
    Connection(String),
    /// A change (a service action, an exec) finished with an error (ops' `ChangeError`).
    #[error(transparent)]
    Change(#[from] Box<ChangeError>),
    /// A command exited with a non-zero code (ops' `ExecError`).
    #[error(transparent)]
    Exec(#[from] Box<ExecError>),
    /// A file operation failed on one path (ops' `PathError`).
    #[error(transparent)]
    Path(#[from] PathError),
    /// A wait ran out of time, or the socket did (ops' `TimeoutError`).
    #[error("{0}")]
    Timeout(String),
    /// Pebble answered something the client cannot understand (ops' `ProtocolError`).
    #[error("{0}")]
    Protocol(String),
    /// Some paths of a recursive push or pull failed (ops' `MultiPushPullError`).
    #[error(transparent)]
    MultiPushPull(#[from] MultiPushPullError),
    /// A request the client refuses to send (ops raises `TypeError` or `ValueError`).
    #[error("{0}")]
    Invalid(String),
    /// A local I/O error: reading what is pushed, writing what is pulled.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The API error, if Pebble answered with one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The HTTP status code of an API error.
    pub fn api_code(&self) -> Option<u16> {
        self.as_api().map(|e| e.code)
    }

    /// Whether this is a [`PathError`] of kind `not-found`, or a 404 API error.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Path(p) => p.kind == "not-found",
            Error::Api(a) => a.code == 404,
            _ => false,
        }
    }

    /// Whether this is a connection error (Pebble is not reachable).
    pub fn is_connection(&self) -> bool {
        matches!(self, Error::Connection(_))
    }
}

/// An error answer from Pebble's API: `{"type": "error", "status-code", "status", "result":
/// {"message", "kind"?}}`. Displays as its message, as ops' `APIError`.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Error;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// // Starting a service no layer defines: Pebble answers 400.
/// match client.start_services(&["nope"]) {
///     Err(Error::Api(e)) => assert_eq!(e.code, 400),
///     other => panic!("expected an API error, got {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The HTTP status code, e.g. 400.
    pub code: u16,
    /// The HTTP status text, e.g. `Bad Request`.
    pub status: String,
    /// The error message.
    pub message: String,
    /// The error kind Pebble gives some errors (e.g. `not-found`, `no-default-services`).
    pub kind: Option<String>,
    /// The whole decoded body (`{}` when it did not decode).
    pub body: serde_json::Value,
}

/// A failed change, with the logs of its tasks. Displays as ops' `ChangeError`: the error, then
/// a `----- Logs from task N -----` section per task that logged something.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Error, Layer};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// pebble.fail_service_start("web", Some(1));
/// // The change Pebble made for the start failed: the error carries it, with its tasks' logs.
/// match client.start_services(&["web"]) {
///     Err(Error::Change(e)) => assert!(!e.change.err.clone().unwrap_or_default().is_empty()),
///     other => panic!("expected a change error, got {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeError {
    /// The change's error text.
    pub err: String,
    /// The change itself.
    pub change: Change,
}

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.err)?;
        let mut any = false;
        for (i, task) in self.change.tasks.iter().enumerate() {
            if task.log.is_empty() {
                continue;
            }
            any = true;
            write!(
                f,
                "\n----- Logs from task {i} -----\n{}",
                task.log.join("\n")
            )?;
        }
        if any {
            f.write_str("\n-----")?;
        }
        Ok(())
    }
}

impl std::error::Error for ChangeError {}

/// A command that exited with a non-zero code, with its captured output when there is one.
///
/// Displays as ops 2.1.1's `ExecError`:
/// `non-zero exit code 2 executing ['cat', '/x'], stdout='', stderr='cat: /x: No such file\n'`,
/// each output cut to 1024 characters (then ` [truncated]`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Error;
/// use ops_testing::pebble::{ExecRule, FakePebble};
///
/// let pebble = FakePebble::start()?;
/// pebble.add_exec_rule(ExecRule::new(&["false"], 1, "", "failed\n"));
/// match pebble.client().exec(["false"]).output() {
///     Err(Error::Exec(e)) => {
///         assert_eq!(e.exit_code, 1);
///         assert_eq!(e.stderr.as_deref(), Some(&b"failed\n"[..]));
///     }
///     other => panic!("expected an exec error, got {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    /// The command that ran.
    pub command: Vec<String>,
    /// Its exit code.
    pub exit_code: i64,
    /// Its standard output, when captured (`wait_output`).
    pub stdout: Option<Vec<u8>>,
    /// Its standard error, when captured separately.
    pub stderr: Option<Vec<u8>>,
}

impl ExecError {
    /// How many characters of each output `Display` shows.
    pub const STR_MAX_OUTPUT: usize = 1024;

    /// The captured standard output as text (lossy UTF-8).
    pub fn stdout_text(&self) -> Option<String> {
        self.stdout
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// The captured standard error as text (lossy UTF-8).
    pub fn stderr_text(&self) -> Option<String> {
        self.stderr
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "non-zero exit code {} executing {}",
            self.exit_code,
            pyrepr::str_list(&self.command)
        )?;
        for (name, out) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let Some(out) = out else { continue };
            let (repr, truncated) = pyrepr::output(out, Self::STR_MAX_OUTPUT);
            write!(
                f,
                ", {name}={repr}{}",
                if truncated { " [truncated]" } else { "" }
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ExecError {}

/// A file operation failed on a path. Displays as `<kind> - <message>`, as ops' `PathError`.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Error;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// // Reading a file is answered per path: a missing one is a `PathError`.
/// match pebble.client().pull("/missing") {
///     Err(Error::Path(e)) => assert_eq!(e.kind, "not-found"),
///     other => panic!("expected a path error, got {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} - {message}")]
pub struct PathError {
    /// `not-found`, `permission-denied` or `generic-file-error`.
    pub kind: String,
    /// Pebble's message, e.g. `stat /x: no such file or directory`.
    pub message: String,
}

/// Some paths of a recursive push or pull failed; the others were copied.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Error;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let local = std::env::temp_dir().join(format!("pull-{}", std::process::id()));
/// // Pulling several paths: every failure is collected, the others still copied.
/// match pebble.client().pull_path(&["/missing-a", "/missing-b"], &local) {
///     Err(Error::MultiPushPull(e)) => assert_eq!(e.errors.len(), 2),
///     other => panic!("expected the failures of both paths, got {other:?}"),
/// }
/// # let _ = std::fs::remove_dir_all(&local);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct MultiPushPullError {
    /// `failed to push one or more files` / `failed to pull one or more files`.
    pub message: String,
    /// Each failed path with its error.
    pub errors: Vec<(String, Error)>,
}
