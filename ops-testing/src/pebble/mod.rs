//! A fake Pebble on a real Unix socket: the Rust twin of juju-sim's `fakepebble.py`.
//!
//! It speaks Pebble's JSON API (the `{"type", "status-code", "status", "result"}` envelope,
//! async answers with `"change"`, errors `{"message", "kind"?}`), the multipart files protocol
//! and the exec websockets, with the same rules as the Python fake: services start at once,
//! `replan` restarts services whose config changed, layers combine with `override: merge |
//! replace`, no command is ever run (`/v1/exec` answers from [`ExecRule`]s), the container's `/`
//! is a directory of the host.
//!
//! Where the Python fake simplifies, this one answers as Pebble v1.32.1 does (its messages are
//! taken from Pebble's source): a command without a rule is a missing executable (400 `cannot
//! find executable "x"` at spawn, where juju-sim's fake exits 127); exec resolves the user, its
//! `HOME` and the working directory from the container's `/etc/passwd` and `/etc/group` (`root`
//! and `nobody` when absent) and refuses missing directories; output nobody reads holds the
//! command back (so a test can see a client that does not drain it hang); an aborted exec is
//! killed (137); timeouts are Go durations; [`FakePebble::fail_service_start`] makes a start fail
//! and leaves the service in `backoff`; files follow Go's errors (`stat /f/x: not a directory`
//! is a `generic-file-error`), its atomic writes (`open /p.123~: ...`), its `path.Match` and its
//! 3-digit permissions, and owners asked for are kept and listed back by name; layers are parsed
//! as Pebble's typed parser does, and one making an invalid plan (a service without `command`,
//! or using a workload not defined) is refused and not kept; `workloads:` is immutable once
//! Pebble runs, so only the layers of the fake's state ([`FakePebble::set_state`], Pebble's
//! startup layers) define it; `/v1/warnings` is gone (404). It also serves `/v1/health`,
//! `/v1/checks/refresh`, `/v1/identities`, `/v1/logs` (with `follow`) and notices' `timeout`.
//! Not modelled: notices' `after` (every time is the same fixed one), exec terminals, and a
//! service's own output (add it with [`FakePebble::add_service_log`]).
//!
//! ```
//! use ops_testing::pebble::{ExecRule, FakePebble};
//!
//! let pebble = FakePebble::start()?;
//! pebble.add_exec_rule(ExecRule::new(&["hostname"], 0, "web-0\n", ""));
//! let client = pebble.client();
//! let out = client.exec(["hostname"]).output().unwrap();
//! assert_eq!(out.stdout, b"web-0\n");
//! assert_eq!(pebble.state().exec_calls.len(), 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! For tests of error handling it records every request ([`FakePebble::requests`]) and can
//! answer the next request to a path with anything ([`FakePebble::inject`]).

mod exec;
mod files;
mod identities;
mod logs;
mod state;
mod users;
mod workload;

pub use state::{
    ExecCall, ExecRule, LayerRecord, NoticeRecord, PebbleState, ServiceRecord, SignalRecord,
};
pub use workload::VERSION;
pub(crate) use workload::{check_layers, dump_plan, plan_of};

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use workload::{ApiError, Workload};

/// A request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`...
    pub method: String,
    /// The path, e.g. `/v1/services`.
    pub path: String,
    /// The decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// The headers (names lower-cased).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The body as JSON (`Null` if it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The values of query parameter `name`.
    pub fn query_values(&self, name: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// What an injected fault does to the next matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultReply {
    /// Answer this instead of Pebble's answer.
    Raw {
        /// The status code.
        status: u16,
        /// The `Content-Type`.
        content_type: String,
        /// The body.
        body: Vec<u8>,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
}

/// A one-shot fault: the next request with this method (any, if `None`) and path gets `reply`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The method to match, or any.
    pub method: Option<String>,
    /// The exact path to match, e.g. `/v1/system-info`.
    pub path: String,
    /// What happens.
    pub reply: FaultReply,
}

pub(crate) struct Shared {
    pub(crate) wl: Mutex<Workload>,
    /// Signalled whenever a change becomes ready.
    pub(crate) ready: Condvar,
    pub(crate) fs: PathBuf,
    pub(crate) tasks: Mutex<BTreeMap<String, Arc<exec::ExecTask>>>,
    pub(crate) owners: files::Owners,
    /// Set when the fake stops (ends the followed log streams).
    pub(crate) stopping: std::sync::atomic::AtomicBool,
    faults: Mutex<Vec<Fault>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Workload> {
        self.wl.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A fake Pebble server on a Unix socket; it stops when dropped.
pub struct FakePebble {
    shared: Arc<Shared>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    socket_path: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for FakePebble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakePebble")
            .field("socket_path", &self.socket_path)
            .field("fs", &self.shared.fs)
            .finish_non_exhaustive()
    }
}

impl FakePebble {
    /// A fake in a new temporary directory: `pebble.socket` and the container root `fs/`.
    pub fn start() -> std::io::Result<FakePebble> {
        let dir = tempfile::tempdir()?;
        let mut fake =
            FakePebble::start_at(&dir.path().join("pebble.socket"), &dir.path().join("fs"))?;
        fake._dir = Some(dir);
        Ok(fake)
    }

    /// A fake listening at `socket_path`, with the container's `/` at `fs_root` (created).
    pub fn start_at(socket_path: &Path, fs_root: &Path) -> std::io::Result<FakePebble> {
        std::fs::create_dir_all(fs_root)?;
        // Root's home, as every image has it (exec's default working directory).
        std::fs::create_dir_all(fs_root.join("root"))?;
        if let Some(parent) = socket_path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        for stale in [socket_path.to_path_buf(), offline(socket_path)] {
            if std::fs::symlink_metadata(&stale).is_ok() {
                std::fs::remove_file(&stale)?;
            }
        }
        let server = tiny_http::Server::http_unix(socket_path)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let server = Arc::new(server);
        let shared = Arc::new(Shared {
            wl: Mutex::new(Workload::default()),
            ready: Condvar::new(),
            fs: fs_root.to_path_buf(),
            tasks: Mutex::new(BTreeMap::new()),
            owners: Mutex::new(BTreeMap::new()),
            stopping: std::sync::atomic::AtomicBool::new(false),
            faults: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
        });
        let thread = {
            let server = server.clone();
            let shared = shared.clone();
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let shared = shared.clone();
                    std::thread::spawn(move || handle(&shared, request));
                }
            })
        };
        Ok(FakePebble {
            shared,
            server,
            thread: Some(thread),
            socket_path: socket_path.to_path_buf(),
            _dir: None,
        })
    }

    /// Where it listens.
    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// The directory mapped to the container's `/`.
    pub fn fs_root(&self) -> &Path {
        &self.shared.fs
    }

    /// A client of this fake.
    pub fn client(&self) -> ops_core::pebble::Client {
        ops_core::pebble::Client::new(&self.socket_path)
    }

    /// A copy of the state.
    pub fn state(&self) -> PebbleState {
        self.shared.lock().public.clone()
    }

    /// Replace the state (as juju-sim loads it before a hook); the plan is recomputed, and a
    /// service given as `active` counts as started with its planned config (a `replan` restarts
    /// it only if a later layer changes it).
    pub fn set_state(&self, state: PebbleState) {
        let reachable = state.can_connect;
        {
            let mut wl = self.shared.lock();
            wl.public = state;
            wl.refresh_plan();
            wl.seed_started();
            wl.seed_notice_ids();
        }
        self.set_can_connect(reachable);
    }

    /// The plan, typed: every layer combined, as `GET /v1/plan` answers.
    pub fn plan(&self) -> ops_core::pebble::Plan {
        let plan = self.shared.lock().public.plan.clone();
        ops_core::pebble::Plan::from_yaml(&workload::dump_plan(&plan)).unwrap_or_default()
    }

    /// The content of the container's file `path`.
    pub fn read_file(&self, path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.host_path(path))
    }

    /// Every regular file in the container's filesystem, by container path (storage mounted
    /// into the container is left out: it belongs to the storage).
    pub fn files(&self) -> std::io::Result<BTreeMap<String, Vec<u8>>> {
        fn walk(
            dir: &Path,
            prefix: &str,
            out: &mut BTreeMap<String, Vec<u8>>,
        ) -> std::io::Result<()> {
            let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
            entries.sort_by_key(|e| e.file_name());
            for entry in entries {
                let name = entry.file_name().to_string_lossy().into_owned();
                let path = format!("{prefix}/{name}");
                let kind = entry.file_type()?;
                if kind.is_dir() {
                    walk(&entry.path(), &path, out)?;
                } else if kind.is_file() {
                    out.insert(path, std::fs::read(entry.path())?);
                }
            }
            Ok(())
        }
        let mut out = BTreeMap::new();
        walk(&self.shared.fs, "", &mut out)?;
        Ok(out)
    }

    /// Declare an exec rule.
    pub fn add_exec_rule(&self, rule: ExecRule) {
        self.shared.lock().public.exec_rules.push(rule);
    }

    /// A service changed by itself (e.g. crashed: `inactive`).
    pub fn set_service_status(&self, service: &str, current: &str) {
        let mut wl = self.shared.lock();
        let entry = wl
            .public
            .services
            .entry(service.to_string())
            .or_insert_with(|| ServiceRecord {
                startup: "disabled".into(),
                current: "inactive".into(),
            });
        entry.current = current.into();
    }

    /// Make Pebble reachable or not: the socket is moved aside (connecting then fails with
    /// ENOENT), as juju-sim's `can_connect: false`.
    pub fn set_can_connect(&self, reachable: bool) {
        let hidden = offline(&self.socket_path);
        if reachable && std::fs::symlink_metadata(&hidden).is_ok() {
            let _ = std::fs::rename(&hidden, &self.socket_path);
        } else if !reachable && std::fs::symlink_metadata(&self.socket_path).is_ok() {
            let _ = std::fs::rename(&self.socket_path, &hidden);
        }
        self.shared.lock().public.can_connect = reachable;
    }

    /// Write a file of the workload image (parents created).
    pub fn push_file(&self, path: &str, content: &[u8]) -> std::io::Result<()> {
        let host = files::host_path(&self.shared.fs, path)
            .map_err(|e| std::io::Error::other(e.message))?;
        if let Some(parent) = host.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(host, content)
    }

    /// The host path of a container path.
    pub fn host_path(&self, path: &str) -> PathBuf {
        files::host_path(&self.shared.fs, path).unwrap_or_else(|_| self.shared.fs.join(path))
    }

    /// Every request received so far (websocket upgrades included).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// The last request received to `path`.
    pub fn last_request(&self, path: &str) -> Option<RecordedRequest> {
        self.requests().into_iter().rev().find(|r| r.path == path)
    }

    /// Forget the recorded requests.
    pub fn clear_requests(&self) {
        if let Ok(mut r) = self.shared.requests.lock() {
            r.clear();
        }
    }

    /// Queue a one-shot fault.
    pub fn inject(&self, fault: Fault) {
        if let Ok(mut f) = self.shared.faults.lock() {
            f.push(fault);
        }
    }

    /// What the exec with this task id received on stdin, and the control messages it got.
    pub fn exec_inputs(&self, task_id: &str) -> Option<(Vec<u8>, Vec<Value>)> {
        let tasks = self.shared.tasks.lock().ok()?;
        let task = tasks.get(task_id)?;
        Some(task.inputs())
    }

    /// Mark a change as failed (for tests of `ChangeError`): status `Error`, `err`, and the
    /// log lines on its first task.
    pub fn fail_change(&self, id: &str, err: &str, log: &[&str]) {
        let mut wl = self.shared.lock();
        if let Ok(change) = wl.change(id) {
            change.finish("Error", Some(err.to_string()));
            if let Some(t) = change.tasks.first_mut() {
                t.insert("log".into(), json!(log));
            }
        }
        drop(wl);
        self.shared.ready.notify_all();
    }

    /// Add a change that stays in progress until [`FakePebble::finish_change`] (a slow change).
    pub fn add_pending_change(&self, kind: &str, summary: &str) -> String {
        let mut wl = self.shared.lock();
        let id = wl.new_change(kind, summary, &[(kind.to_string(), summary.to_string())]);
        if let Ok(change) = wl.change(&id) {
            change.ready = false;
            change.status = "Doing".into();
            for t in &mut change.tasks {
                t.insert("status".into(), json!("Doing"));
            }
        }
        id
    }

    /// Make the next starts of `service` fail as a process exiting at once with `exit_code`
    /// does in Pebble: the start change fails with `service start attempt: exited quickly with
    /// code N, will restart` and the service is left in `backoff` (`error` when its
    /// `on-failure` is not `restart`). `None` lets it start again.
    pub fn fail_service_start(&self, service: &str, exit_code: Option<i64>) {
        let mut wl = self.shared.lock();
        match exit_code {
            Some(code) => wl.private.failing.insert(service.to_string(), code),
            None => wl.private.failing.remove(service),
        };
    }

    /// A line the service wrote to its output (served by `GET /v1/logs`, followers included).
    pub fn add_service_log(&self, service: &str, message: &str) {
        let mut wl = self.shared.lock();
        let time = wl.log_time();
        wl.private
            .logs
            .push((time, service.to_string(), message.to_string()));
        drop(wl);
        self.shared.ready.notify_all();
    }

    /// Record an occurrence of the custom notice `key` (a new notice, or one more occurrence of
    /// the existing one, with `data` as its last data), as `POST /v1/notices` does; `repeat_after`
    /// is a Go duration (`30s`) or empty. Returns the notice's id and whether it is new or
    /// repeated (Pebble's condition for notifying Juju: the fake's clock stands still, so an
    /// existing notice repeats only with an empty or zero `repeat_after`).
    pub fn notify(
        &self,
        notice_type: &str,
        key: &str,
        repeat_after: &str,
        data: BTreeMap<String, String>,
    ) -> Result<(String, bool), String> {
        let out = self
            .shared
            .lock()
            .notify(notice_type, key, repeat_after, data)
            .map_err(|e| e.message.clone())?;
        self.shared.ready.notify_all();
        Ok(out)
    }

    /// Set a health check's status (`up`, `down` or `inactive`).
    pub fn set_check_status(&self, check: &str, status: &str) {
        self.shared
            .lock()
            .public
            .checks
            .insert(check.to_string(), status.to_string());
    }

    /// Finish a pending change successfully.
    pub fn finish_change(&self, id: &str) {
        let mut wl = self.shared.lock();
        if let Ok(change) = wl.change(id) {
            change.finish("Done", None);
        }
        drop(wl);
        self.shared.ready.notify_all();
    }
}

impl Drop for FakePebble {
    fn drop(&mut self) {
        self.shared
            .stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.shared.ready.notify_all();
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.socket_path);
        let _ = std::fs::remove_file(offline(&self.socket_path));
    }
}

fn offline(socket: &Path) -> PathBuf {
    let mut s = socket.as_os_str().to_os_string();
    s.push(".offline");
    PathBuf::from(s)
}

/// A parsed request.
pub(crate) struct Req {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn q_all(&self, name: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Comma-separated values of repeated parameter `name`.
    fn q_list(&self, name: &str) -> Vec<String> {
        self.q_all(name)
            .iter()
            .flat_map(|v| v.split(','))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub(crate) fn json(&self) -> Result<Value, ApiError> {
        if self.body.is_empty() {
            return Ok(json!({}));
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::new(400, format!("cannot decode request body: {e}")))
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(p), String::new()),
        })
        .collect()
}

/// What a handler answers.
pub(crate) enum Reply {
    Sync(Value),
    Async {
        change: String,
        result: Value,
    },
    Multipart {
        body: Vec<u8>,
        content_type: String,
    },
    /// A sync answer with another status (`/v1/health`'s 502).
    Status(u16, Value),
}

fn status_text(code: u16) -> &'static str {
    match code {
        200 => "OK",
        202 => "Accepted",
        502 => "Bad Gateway",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

fn respond(request: tiny_http::Request, code: u16, content_type: &str, body: Vec<u8>) {
    let mut response = tiny_http::Response::from_data(body).with_status_code(code);
    if let Ok(header) = tiny_http::Header::from_bytes("Content-Type", content_type) {
        response = response.with_header(header);
    }
    let _ = request.respond(response);
}

pub(crate) fn respond_json(request: tiny_http::Request, code: u16, value: &Value) {
    respond(
        request,
        code,
        "application/json",
        value.to_string().into_bytes(),
    );
}

pub(crate) fn error_envelope(err: &ApiError) -> Value {
    let mut result = json!({"message": err.message});
    if let Some(kind) = &err.kind {
        result["kind"] = json!(kind);
    }
    json!({"type": "error", "status-code": err.code, "status": status_text(err.code), "result": result})
}

fn handle(shared: &Arc<Shared>, mut request: tiny_http::Request) {
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let mut body = Vec::new();
    let is_upgrade = request
        .headers()
        .iter()
        .any(|h| h.field.equiv("Upgrade") && h.value.as_str().eq_ignore_ascii_case("websocket"));
    if !is_upgrade {
        let _ = request.as_reader().read_to_end(&mut body);
    }
    let req = Req {
        method: request.method().as_str().to_string(),
        path: path.to_string(),
        query: parse_query(query),
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_string(),
                )
            })
            .collect(),
        body,
    };
    if let Ok(mut r) = shared.requests.lock() {
        r.push(RecordedRequest {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
        });
    }
    let fault = shared.faults.lock().ok().and_then(|mut faults| {
        let i = faults.iter().position(|f| {
            f.path == req.path && f.method.as_ref().is_none_or(|m| *m == req.method)
        })?;
        Some(faults.remove(i))
    });
    match fault.map(|f| f.reply) {
        Some(FaultReply::Raw {
            status,
            content_type,
            body,
        }) => return respond(request, status, &content_type, body),
        Some(FaultReply::Delay(d)) => std::thread::sleep(d),
        None => {}
    }
    if is_upgrade && req.method == "GET" {
        if let Some((task, name)) = exec::websocket_route(&req.path) {
            return exec::websocket(shared, request, &req, &task, &name);
        }
    }
    if req.method == "GET" && req.path == "/v1/logs" {
        return logs::serve(shared, request, &req);
    }
    match route(shared, &req) {
        Ok(Reply::Sync(result)) => respond_json(
            request,
            200,
            &json!({"type": "sync", "status-code": 200, "status": "OK", "result": result}),
        ),
        Ok(Reply::Async { change, result }) => respond_json(
            request,
            202,
            &json!({"type": "async", "status-code": 202, "status": "Accepted", "change": change, "result": result}),
        ),
        Ok(Reply::Multipart { body, content_type }) => respond(request, 200, &content_type, body),
        Ok(Reply::Status(code, result)) => respond_json(
            request,
            code,
            &json!({"type": "sync", "status-code": code, "status": status_text(code), "result": result}),
        ),
        Err(err) => respond_json(request, err.code, &error_envelope(&err)),
    }
}

type Handler = fn(&Arc<Shared>, &Req, &[String]) -> Result<Reply, ApiError>;

const ROUTES: &[(&str, &str, Handler)] = &[
    ("GET", "/v1/system-info", h_system_info),
    ("GET", "/v1/services", h_get_services),
    ("POST", "/v1/services", h_post_services),
    ("GET", "/v1/changes", h_get_changes),
    ("GET", "/v1/changes/*", h_get_change),
    ("POST", "/v1/changes/*", h_post_change),
    ("GET", "/v1/changes/*/wait", h_wait_change),
    ("POST", "/v1/layers", h_add_layer),
    ("GET", "/v1/plan", h_get_plan),
    ("GET", "/v1/files", h_get_files),
    ("POST", "/v1/files", h_post_files),
    ("GET", "/v1/checks", h_get_checks),
    ("POST", "/v1/checks", h_post_checks),
    ("GET", "/v1/notices", h_get_notices),
    ("POST", "/v1/notices", h_post_notices),
    ("GET", "/v1/notices/*", h_get_notice),
    ("POST", "/v1/signals", h_signals),
    ("POST", "/v1/exec", exec::h_exec),
    ("GET", "/v1/health", h_health),
    ("POST", "/v1/checks/refresh", h_refresh_check),
    ("GET", "/v1/identities", identities::h_get),
    ("POST", "/v1/identities", identities::h_post),
];

/// `pattern` with `*` for one path segment: the segments matched.
fn match_route(pattern: &str, path: &str) -> Option<Vec<String>> {
    let p: Vec<&str> = pattern.split('/').collect();
    let s: Vec<&str> = path.split('/').collect();
    if p.len() != s.len() {
        return None;
    }
    let mut params = Vec::new();
    for (a, b) in p.iter().zip(&s) {
        if *a == "*" {
            if b.is_empty() {
                return None;
            }
            params.push(b.to_string());
        } else if a != b {
            return None;
        }
    }
    Some(params)
}

fn route(shared: &Arc<Shared>, req: &Req) -> Result<Reply, ApiError> {
    let mut allowed = false;
    for (method, pattern, handler) in ROUTES {
        if let Some(params) = match_route(pattern, &req.path) {
            if *method == req.method {
                return handler(shared, req, &params);
            }
            allowed = true;
        }
    }
    if allowed {
        return Err(ApiError::new(
            405,
            format!("method \"{}\" not allowed", req.method),
        ));
    }
    Err(ApiError::new(404, "invalid API endpoint requested"))
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn h_system_info(_: &Arc<Shared>, _: &Req, _: &[String]) -> Result<Reply, ApiError> {
    Ok(Reply::Sync(
        json!({"boot-id": "00000000-0000-4000-8000-000000000000", "version": workload::VERSION}),
    ))
}

fn h_get_services(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let names = req.q_list("names");
    let wl = shared.lock();
    let out: Vec<Value> = wl
        .public
        .services
        .iter()
        .filter(|(n, _)| names.is_empty() || names.contains(n))
        .map(|(n, s)| {
            let mut info = json!({"name": n, "startup": s.startup, "current": s.current});
            if let Some(since) = wl.private.since.get(n) {
                info["current-since"] = json!(since);
            }
            info
        })
        .collect();
    Ok(Reply::Sync(Value::Array(out)))
}

fn h_post_services(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let action = body
        .get("action")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let names = strings(body.get("services"));
    let change = shared.lock().services_action(&action, names)?;
    Ok(Reply::Async {
        change,
        result: Value::Null,
    })
}

fn h_get_change(shared: &Arc<Shared>, _: &Req, p: &[String]) -> Result<Reply, ApiError> {
    Ok(Reply::Sync(shared.lock().change(&p[0])?.to_json()))
}

fn h_get_changes(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let select = req
        .q("select")
        .filter(|s| !s.is_empty())
        .unwrap_or("in-progress")
        .to_string();
    if !matches!(select.as_str(), "all" | "in-progress" | "ready") {
        return Err(ApiError::new(
            400,
            "select should be one of: all,in-progress,ready",
        ));
    }
    let svc = req.q("for").map(|s| format!("\"{s}\""));
    let wl = shared.lock();
    let out: Vec<Value> = wl
        .changes
        .values()
        .filter(|c| match select.as_str() {
            "in-progress" => !c.ready,
            "ready" => c.ready,
            _ => true,
        })
        .filter(|c| {
            svc.as_ref().is_none_or(|s| {
                c.tasks.iter().any(|t| {
                    t.get("summary")
                        .and_then(Value::as_str)
                        .is_some_and(|sum| sum.contains(s.as_str()))
                })
            })
        })
        .map(workload::Change::to_json)
        .collect();
    Ok(Reply::Sync(Value::Array(out)))
}

fn h_post_change(shared: &Arc<Shared>, req: &Req, p: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    if action != "abort" {
        return Err(ApiError::new(400, format!("invalid action \"{action}\"")));
    }
    let exec_task = shared
        .tasks
        .lock()
        .ok()
        .and_then(|tasks| tasks.values().find(|t| t.change_id() == p[0]).cloned());
    let mut wl = shared.lock();
    let change = wl.change(&p[0])?;
    if change.ready {
        return Err(ApiError::new(
            400,
            format!("cannot abort change {} with nothing pending", change.id),
        ));
    }
    if let Some(task) = exec_task {
        // As Pebble: the change is `Abort` while the command is killed (SIGKILL), then `Done`
        // with exit code 137 once its output has ended.
        change.status = "Abort".into();
        for t in &mut change.tasks {
            t.insert("status".into(), json!("Abort"));
        }
        let out = change.to_json();
        drop(wl);
        task.abort(shared);
        return Ok(Reply::Sync(out));
    }
    change.finish(
        "Error",
        Some("cannot perform the following tasks:\n- aborted".into()),
    );
    let out = change.to_json();
    drop(wl);
    shared.ready.notify_all();
    Ok(Reply::Sync(out))
}

/// Go durations: `4.000s`, `500ms`, `1m30s`.
fn parse_duration(text: &str) -> Result<Duration, ApiError> {
    go_duration(text).ok_or_else(|| {
        ApiError::new(
            400,
            format!("invalid timeout: time: invalid duration \"{text}\""),
        )
    })
}

/// Go's `time.ParseDuration` (non-negative): `4.000s`, `500ms`, `1m30s`, `0`.
pub(crate) fn go_duration(text: &str) -> Option<Duration> {
    let mut total = 0f64;
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..u] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[u..];
    }
    Some(Duration::from_secs_f64(total))
}

/// The error Go's `time.ParseDuration` gives for `text`, or `None` if it parses.
pub(crate) fn go_duration_error(text: &str) -> Option<String> {
    let invalid = || Some(format!("time: invalid duration \"{text}\""));
    let mut rest = text.strip_prefix(['+', '-']).unwrap_or(text);
    if rest == "0" {
        return None;
    }
    if rest.is_empty() {
        return invalid();
    }
    while !rest.is_empty() {
        // As Go: digits, then an optional `.` and digits, with a digit on either side.
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let int = digits(rest);
        let mut number = int;
        let mut frac = 0;
        if rest[number..].starts_with('.') {
            frac = digits(&rest[number + 1..]);
            number += 1 + frac;
        }
        if int == 0 && frac == 0 {
            return invalid();
        }
        rest = &rest[number..];
        let unit = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        match &rest[..unit] {
            "" => return Some(format!("time: missing unit in duration \"{text}\"")),
            "h" | "m" | "s" | "ms" | "us" | "µs" | "μs" | "ns" => {}
            other => {
                return Some(format!(
                    "time: unknown unit \"{other}\" in duration \"{text}\""
                ))
            }
        }
        rest = &rest[unit..];
    }
    None
}

/// Go's `time.Duration.String()`: `200ms`, `1.5s`, `1m30s`, `1h0m0s`.
pub(crate) fn go_duration_string(d: Duration) -> String {
    fn frac(v: u128, scale: u128, digits: usize) -> String {
        let (int, rem) = (v / scale, v % scale);
        if rem == 0 {
            int.to_string()
        } else {
            format!("{int}.{rem:0digits$}")
                .trim_end_matches('0')
                .to_string()
        }
    }
    let ns = d.as_nanos();
    match ns {
        0 => "0s".into(),
        1..=999 => format!("{ns}ns"),
        1_000..=999_999 => format!("{}µs", frac(ns, 1_000, 3)),
        1_000_000..=999_999_999 => format!("{}ms", frac(ns, 1_000_000, 6)),
        _ => {
            let (h, rest) = (ns / 3_600_000_000_000, ns % 3_600_000_000_000);
            let (m, secs) = (rest / 60_000_000_000, rest % 60_000_000_000);
            let mut out = String::new();
            if h > 0 {
                out.push_str(&format!("{h}h"));
            }
            if h > 0 || m > 0 {
                out.push_str(&format!("{m}m"));
            }
            out.push_str(&format!("{}s", frac(secs, 1_000_000_000, 9)));
            out
        }
    }
}

fn h_wait_change(shared: &Arc<Shared>, req: &Req, p: &[String]) -> Result<Reply, ApiError> {
    let text = req.q("timeout").unwrap_or("0s").to_string();
    let timeout = parse_duration(&text)?;
    let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
    let mut wl = shared.lock();
    loop {
        let change = wl.change(&p[0])?;
        if change.ready {
            return Ok(Reply::Sync(change.to_json()));
        }
        let wait = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(ApiError::new(
                        504,
                        format!(
                            "timed out waiting for change after {}",
                            go_duration_string(timeout)
                        ),
                    ));
                }
                left
            }
            None => Duration::from_secs(3600),
        };
        wl = shared
            .ready
            .wait_timeout(wl, wait)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0);
    }
}

fn h_add_layer(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    if action != "add" {
        return Err(ApiError::new(400, format!("invalid action \"{action}\"")));
    }
    let label = body.get("label").and_then(Value::as_str).unwrap_or("");
    if label.is_empty() {
        return Err(ApiError::new(400, "label must be set"));
    }
    let text = body.get("layer").and_then(Value::as_str).unwrap_or("");
    let layer: Value = if text.trim().is_empty() {
        json!({})
    } else {
        serde_yaml::from_str::<Value>(text)
            .map_err(|e| ApiError::new(400, format!("cannot parse layer YAML: {e}")))?
    };
    let layer = if layer.is_null() { json!({}) } else { layer };
    let combine = body.get("combine").and_then(Value::as_bool) == Some(true);
    shared.lock().add_layer(label, layer, combine)?;
    Ok(Reply::Sync(json!(true)))
}

fn h_get_plan(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let format = req.q("format").unwrap_or("");
    if format != "yaml" {
        return Err(ApiError::new(400, format!("invalid format \"{format}\"")));
    }
    Ok(Reply::Sync(json!(workload::dump_plan(
        &shared.lock().public.plan
    ))))
}

fn h_get_checks(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let level = req.q("level").filter(|l| !l.is_empty());
    let names = req.q_list("names");
    let wl = shared.lock();
    let mut out = Vec::new();
    for (name, check) in wl.plan_checks() {
        let check_level = check.get("level").and_then(Value::as_str);
        if (!names.is_empty() && !names.contains(&name))
            || level.is_some_and(|l| Some(l) != check_level)
        {
            continue;
        }
        out.push(check_info(&wl, &name, &check));
    }
    Ok(Reply::Sync(Value::Array(out)))
}

fn check_info(wl: &Workload, name: &str, check: &Value) -> Value {
    let check_level = check.get("level").and_then(Value::as_str);
    let mut entry = json!({
        "name": name,
        "startup": check.get("startup").and_then(Value::as_str).filter(|s| !s.is_empty()).unwrap_or("enabled"),
        "status": wl.public.checks.get(name).map(String::as_str).unwrap_or("up"),
        "failures": 0,
        "threshold": check.get("threshold").cloned().unwrap_or(json!(3)),
    });
    if let Some(l) = check_level.filter(|l| !l.is_empty()) {
        entry["level"] = json!(l);
    }
    entry
}

fn h_post_checks(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    let changed = shared
        .lock()
        .checks_action(action, strings(body.get("checks")))?;
    Ok(Reply::Sync(json!({"changed": changed})))
}

fn notice_json(n: &NoticeRecord) -> Value {
    json!({
        "id": n.id, "user-id": 0, "type": n.notice_type, "key": n.key,
        "first-occurred": workload::FIXED_TIME, "last-occurred": workload::FIXED_TIME,
        "last-repeated": workload::FIXED_TIME, "occurrences": n.occurrences,
        "last-data": n.last_data, "expire-after": "168h0m0s",
    })
}

fn h_get_notices(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let types = req.q_list("types");
    let keys = req.q_list("keys");
    let timeout = match req.q("timeout").filter(|t| !t.is_empty()) {
        Some(t) => go_duration(t).ok_or_else(|| {
            ApiError::new(
                400,
                format!("invalid timeout: time: invalid duration \"{t}\""),
            )
        })?,
        None => Duration::ZERO,
    };
    let deadline = Instant::now() + timeout;
    let mut wl = shared.lock();
    loop {
        let out: Vec<Value> = wl
            .public
            .notices
            .iter()
            .filter(|n| {
                (types.is_empty() || types.contains(&n.notice_type))
                    && (keys.is_empty() || keys.contains(&n.key))
            })
            .map(notice_json)
            .collect();
        let left = deadline.saturating_duration_since(Instant::now());
        // With a timeout, Pebble waits for a matching notice (an empty list when none came).
        if !out.is_empty() || left.is_zero() {
            return Ok(Reply::Sync(Value::Array(out)));
        }
        wl = shared
            .ready
            .wait_timeout(wl, left)
            .map(|(g, _)| g)
            .unwrap_or_else(|e| e.into_inner().0);
    }
}

fn h_get_notice(shared: &Arc<Shared>, _: &Req, p: &[String]) -> Result<Reply, ApiError> {
    let wl = shared.lock();
    wl.public
        .notices
        .iter()
        .find(|n| n.id == p[0])
        .map(|n| Reply::Sync(notice_json(n)))
        .ok_or_else(|| ApiError::new(404, format!("cannot find notice with ID \"{}\"", p[0])))
}

fn h_post_notices(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    if action != "add" {
        return Err(ApiError::new(400, format!("invalid action \"{action}\"")));
    }
    let data: BTreeMap<String, String> = body
        .get("data")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let (id, _) = shared.lock().notify(
        body.get("type").and_then(Value::as_str).unwrap_or(""),
        body.get("key").and_then(Value::as_str).unwrap_or(""),
        body.get("repeat-after")
            .and_then(Value::as_str)
            .unwrap_or(""),
        data,
    )?;
    shared.ready.notify_all();
    Ok(Reply::Sync(json!({"id": id})))
}

fn h_signals(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let signal = body.get("signal").and_then(Value::as_str).unwrap_or("");
    shared
        .lock()
        .signal(signal, strings(body.get("services")))?;
    Ok(Reply::Sync(json!(true)))
}

/// `GET /v1/health`: 502 with `healthy: false` when a selected check is down.
fn h_health(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let level = req.q("level").unwrap_or("");
    if !matches!(level, "" | "alive" | "ready") {
        return Err(ApiError::new(400, "level must be \"alive\" or \"ready\""));
    }
    let names = req.q_list("names");
    let wl = shared.lock();
    let mut healthy = true;
    for (name, check) in wl.plan_checks() {
        let check_level = check.get("level").and_then(Value::as_str).unwrap_or("");
        let level_match = level.is_empty()
            || level == check_level
            || (level == "ready" && check_level == "alive");
        let names_match = names.is_empty() || names.contains(&name);
        if level_match
            && names_match
            && wl.public.checks.get(&name).map(String::as_str) == Some("down")
        {
            healthy = false;
        }
    }
    let result = json!({"healthy": healthy});
    Ok(if healthy {
        Reply::Sync(result)
    } else {
        Reply::Status(502, result)
    })
}

/// `POST /v1/checks/refresh`: run one check now; its info (and error, when it is down).
fn h_refresh_check(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        return Err(ApiError::new(400, "must specify check name"));
    }
    let wl = shared.lock();
    let checks = wl.plan_checks();
    let Some(check) = checks.get(name) else {
        return Err(ApiError::new(
            404,
            format!("cannot find check with name \"{name}\""),
        ));
    };
    let info = check_info(&wl, name, check);
    let mut result = json!({ "info": info });
    if info.get("status").and_then(Value::as_str) == Some("down") {
        result["error"] = json!("check failed");
    }
    Ok(Reply::Sync(result))
}

fn h_get_files(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    match req.q("action").unwrap_or("") {
        "list" => Ok(Reply::Sync(files::list(
            &shared.fs,
            &shared.owners,
            req.q("path").unwrap_or(""),
            req.q("pattern").unwrap_or(""),
            req.q("itself") == Some("true"),
        )?)),
        "read" => {
            if !req.header("Accept").contains("multipart/form-data") {
                return Err(ApiError::new(400, "must accept multipart/form-data"));
            }
            let mut parts = Vec::new();
            let mut results = Vec::new();
            for path in req.q_all("path") {
                match files::read(&shared.fs, &path) {
                    Ok(data) => {
                        parts.push((path.clone(), data));
                        results.push(json!({"path": path}));
                    }
                    Err(files::PathError(kind, message)) => {
                        results.push(files::path_error(&path, kind, &message))
                    }
                }
            }
            let (body, content_type) = files::multipart_answer(&parts, &results);
            Ok(Reply::Multipart { body, content_type })
        }
        other => Err(ApiError::new(400, format!("invalid action \"{other}\""))),
    }
}

fn per_path(path: &str, result: Result<(), files::PathError>) -> Value {
    match result {
        Ok(()) => json!({"path": path}),
        Err(files::PathError(kind, message)) => files::path_error(path, kind, &message),
    }
}

fn h_post_files(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let ctype = req.header("Content-Type").to_string();
    if ctype.starts_with("multipart/form-data") {
        let parts = files::parse_multipart(req.body.clone(), &ctype)?;
        let request = parts
            .iter()
            .find(|(name, _, _)| name == "request")
            .and_then(|(_, _, body)| serde_json::from_slice::<Value>(body).ok())
            .filter(|r| r.get("action").and_then(Value::as_str) == Some("write"))
            .ok_or_else(|| {
                ApiError::new(400, "must specify a \"request\" part with action \"write\"")
            })?;
        let contents: BTreeMap<String, Vec<u8>> = parts
            .into_iter()
            .filter(|(name, _, _)| name == "files")
            .filter_map(|(_, filename, body)| filename.map(|f| (f, body)))
            .collect();
        let mut results = Vec::new();
        for spec in request
            .get("files")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
        {
            let spec = spec.as_object().cloned().unwrap_or_default();
            let path = spec
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            match contents.get(&path) {
                None => results.push(files::path_error(
                    &path,
                    "generic-file-error",
                    &format!("no file content for path {}", json!(path)),
                )),
                Some(data) => results.push(per_path(
                    &path,
                    files::write(&shared.fs, &shared.owners, &path, &spec, data),
                )),
            }
        }
        return Ok(Reply::Sync(Value::Array(results)));
    }
    let body = req.json()?;
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    let key = match action {
        "make-dirs" => "dirs",
        "remove" => "paths",
        other => return Err(ApiError::new(400, format!("invalid action \"{other}\""))),
    };
    let mut results = Vec::new();
    for spec in body
        .get(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
    {
        let spec: Map<String, Value> = spec.as_object().cloned().unwrap_or_default();
        let path = spec
            .get("path")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let result = if action == "make-dirs" {
            files::make_dir(&shared.fs, &shared.owners, &path, &spec)
        } else {
            files::remove(&shared.fs, &shared.owners, &path, &spec)
        };
        results.push(per_path(&path, result));
    }
    Ok(Reply::Sync(Value::Array(results)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn go_duration_errors_are_gos() {
        // As measured on Pebble v1.32.1 (`repeat-after` of a notice).
        for (text, err) in [
            ("1q", Some("time: unknown unit \"q\" in duration \"1q\"")),
            ("x", Some("time: invalid duration \"x\"")),
            ("", Some("time: invalid duration \"\"")),
            ("1h2", Some("time: missing unit in duration \"1h2\"")),
            (".s", Some("time: invalid duration \".s\"")),
            ("1.2.3s", Some("time: missing unit in duration \"1.2.3s\"")),
            ("-1s", None),
            ("5m3s", None),
            ("1.5h", None),
            (".5s", None),
            ("0", None),
        ] {
            assert_eq!(go_duration_error(text).as_deref(), err, "{text}");
        }
    }

    use super::*;

    #[test]
    fn routes_match_segments() {
        assert_eq!(
            match_route("/v1/changes/*", "/v1/changes/12"),
            Some(vec!["12".into()])
        );
        assert_eq!(match_route("/v1/changes/*", "/v1/changes/12/wait"), None);
        assert_eq!(match_route("/v1/changes/*", "/v1/changes/"), None);
        assert_eq!(match_route("/v1/plan", "/v1/plan"), Some(vec![]));
    }

    #[test]
    fn queries_decode() {
        assert_eq!(
            parse_query("path=%2Fa+b&itself=true&x"),
            vec![
                ("path".to_string(), "/a b".to_string()),
                ("itself".to_string(), "true".to_string()),
                ("x".to_string(), String::new())
            ]
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration("4.000s"), Some(Duration::from_secs(4)));
        assert_eq!(go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(go_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(go_duration("0"), Some(Duration::ZERO));
        assert_eq!(go_duration("5"), None);
        let s = |ms: u64| go_duration_string(Duration::from_millis(ms));
        assert_eq!(s(200), "200ms");
        assert_eq!(s(1500), "1.5s");
        assert_eq!(s(90_000), "1m30s");
        assert_eq!(s(3_600_000), "1h0m0s");
        assert_eq!(s(0), "0s");
        assert_eq!(go_duration_string(Duration::from_micros(1500)), "1.5ms");
    }
}
