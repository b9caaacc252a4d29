//! The hook tools of a charm under `cargo charm run`: each tool is this executable, started under
//! the tool's name (a symbolic link in a private bin dir put first on the hook's `PATH`); it sends
//! its argv and stdin to the `cargo charm run` process over a Unix socket and prints what the
//! simulated Juju answers.
//!
//! The protocol is one JSON line each way: the [`Request`], then the [`Reply`] (Juju's stdout,
//! stderr and exit code for the call). The socket lives in the run's private temporary directory
//! (mode 0700), named by [`SOCKET_ENV`] in the hook's environment.

use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

/// The environment variable naming the socket of the `cargo charm run` serving the hook's tools.
pub const SOCKET_ENV: &str = "CARGO_CHARM_RUN_SOCKET";

/// How long either side waits for the other's line.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// One hook-tool call, as the tool process sends it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Request {
    /// The tool (`status-set`).
    pub tool: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// What it read on stdin, when an argument says it reads it (`--file -`).
    pub stdin: Option<String>,
    /// The tool process's working directory (relative file arguments are resolved from it).
    pub cwd: Option<PathBuf>,
}

/// What the simulated Juju answered.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply {
    /// The exit code.
    pub code: i32,
    /// What the tool prints on stdout.
    pub stdout: String,
    /// What the tool prints on stderr.
    pub stderr: String,
}

/// Whether `args` name stdin as an input file (`--file -`, `--file=-`, `key#file=-`...).
fn reads_stdin(args: &[String]) -> bool {
    args.windows(2)
        .any(|w| w[0].starts_with("--") && w[1] == "-")
        || args.iter().any(|a| a.ends_with("=-"))
}

/// The tool `name`, as a charm's hook runs it: asks the `cargo charm run` at `socket`.
pub fn client(name: &str, socket: &Path) -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let stdin = if reads_stdin(&args) && !std::io::stdin().is_terminal() {
        let mut buf = Vec::new();
        if let Err(e) = std::io::stdin().read_to_end(&mut buf) {
            eprintln!("ERROR {name}: cannot read stdin: {e}");
            return ExitCode::FAILURE;
        }
        Some(String::from_utf8_lossy(&buf).into_owned())
    } else {
        None
    };
    let request = Request {
        tool: name.to_string(),
        args,
        stdin,
        cwd: std::env::current_dir().ok(),
    };
    match call(socket, &request) {
        Ok(reply) => {
            print!("{}", reply.stdout);
            eprint!("{}", reply.stderr);
            let _ = std::io::stdout().flush();
            ExitCode::from(u8::try_from(reply.code).unwrap_or(1))
        }
        Err(e) => {
            eprintln!(
                "ERROR {name}: cannot reach the simulated Juju of `cargo charm run` at {}: {e}",
                socket.display()
            );
            ExitCode::FAILURE
        }
    }
}

fn call(socket: &Path, request: &Request) -> std::io::Result<Reply> {
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    let mut line = serde_json::to_vec(request)?;
    line.push(b'\n');
    stream.write_all(&line)?;
    let mut reply = String::new();
    BufReader::new(stream).read_line(&mut reply)?;
    serde_json::from_str(&reply).map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad reply: {e}"))
    })
}

/// What the serving loop waits for.
#[derive(Debug)]
pub enum Wake {
    /// A tool connected.
    Tool(UnixStream),
    /// One of the output pipes of hook number `.0` closed (its process tree exited).
    PipeClosed(usize),
}

/// The listening side: the socket, and a thread accepting connections into a channel the main
/// thread (which holds the simulator, not `Send`) reads.
#[derive(Debug)]
pub struct ToolServer {
    socket: PathBuf,
    tx: mpsc::Sender<Wake>,
    rx: mpsc::Receiver<Wake>,
}

impl ToolServer {
    /// Listens at `socket`.
    pub fn bind(socket: &Path) -> std::io::Result<ToolServer> {
        let listener = UnixListener::bind(socket)?;
        let (tx, rx) = mpsc::channel();
        let accept_tx = tx.clone();
        std::thread::Builder::new()
            .name("hook-tools".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    if accept_tx.send(Wake::Tool(stream)).is_err() {
                        break;
                    }
                }
            })?;
        Ok(ToolServer {
            socket: socket.to_path_buf(),
            tx,
            rx,
        })
    }

    /// The socket's path.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// A sender for other wake-ups (the hook's pipe readers).
    pub fn sender(&self) -> mpsc::Sender<Wake> {
        self.tx.clone()
    }

    /// The next wake-up, or `None` after `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Wake> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Wake-ups already queued (tools that connected between hooks).
    pub fn drain(&self) -> Vec<Wake> {
        self.rx.try_iter().collect()
    }
}

/// Reads one request from `stream`, answers it with `answer`, and returns the request.
pub fn serve(
    mut stream: UnixStream,
    answer: impl FnOnce(&Request) -> Reply,
) -> std::io::Result<Request> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut line = String::new();
    BufReader::new(&stream).read_line(&mut line)?;
    let request: Request = serde_json::from_str(&line).map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad request: {e}"))
    })?;
    let reply = answer(&request);
    let mut out = serde_json::to_vec(&reply)?;
    out.push(b'\n');
    stream.write_all(&out)?;
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_is_read_only_when_an_argument_names_it() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(reads_stdin(&v(&["-r", "3", "--file", "-"])));
        assert!(reads_stdin(&v(&["--file=-"])));
        assert!(!reads_stdin(&v(&["-r", "3", "-", "db/0"])));
        assert!(!reads_stdin(&v(&["maintenance", "installing"])));
    }

    #[test]
    fn a_request_is_answered_over_the_socket() {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("s");
        let server = ToolServer::bind(&socket).expect("bind");
        let request = Request {
            tool: "config-get".into(),
            args: vec!["--format=json".into()],
            stdin: None,
            cwd: None,
        };
        let client = std::thread::spawn({
            let socket = socket.clone();
            move || call(&socket, &request)
        });
        let Some(Wake::Tool(stream)) = server.next(Duration::from_secs(10)) else {
            panic!("no connection")
        };
        let seen = serve(stream, |r| Reply {
            code: 2,
            stdout: format!("{}:{}", r.tool, r.args.join(" ")),
            stderr: "e".into(),
        })
        .expect("served");
        assert_eq!(seen.tool, "config-get");
        let reply = client.join().expect("join").expect("reply");
        assert_eq!(
            (reply.code, reply.stdout.as_str(), reply.stderr.as_str()),
            (2, "config-get:--format=json", "e")
        );
    }
}
