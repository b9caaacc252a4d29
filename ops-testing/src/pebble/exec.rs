//! The fake's exec: `POST /v1/exec` records the call and answers with a change and a task id;
//! once the task's websockets are all connected (`control`, `stdio`, and `stderr` unless
//! combined), the matching rule's output goes out as binary frames, then `{"command":"end"}`,
//! and the change becomes Done with the rule's `exit-code`.

use super::state::ExecRule;
use super::workload::ApiError;
use super::{Reply, Req, Shared};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tungstenite::protocol::Role;
use tungstenite::{Message, WebSocket};

const END: &str = r#"{"command":"end"}"#;

#[derive(Default)]
struct TaskState {
    attached: BTreeSet<String>,
    go: bool,
    stdin: Vec<u8>,
    stdin_done: bool,
    control: Vec<Value>,
    senders_left: usize,
    /// The change was aborted: the command is "killed".
    aborted: bool,
}

/// One exec waiting for (or served through) its websockets.
pub(crate) struct ExecTask {
    change_id: String,
    command: Vec<String>,
    timeout: Option<Duration>,
    expected: BTreeSet<String>,
    rule: ExecRule,
    state: Mutex<TaskState>,
    cond: Condvar,
}

impl ExecTask {
    /// What it received: stdin bytes and control messages.
    pub(crate) fn inputs(&self) -> (Vec<u8>, Vec<Value>) {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (s.stdin.clone(), s.control.clone())
    }

    fn split(&self) -> bool {
        self.expected.contains("stderr")
    }

    /// The exec's change.
    pub(crate) fn change_id(&self) -> &str {
        &self.change_id
    }

    /// Abort the command: a running one is killed (exit code 137, as SIGKILL), one whose
    /// websockets never connected fails.
    pub(crate) fn abort(&self, shared: &Arc<Shared>) {
        let started = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.aborted = true;
            self.cond.notify_all();
            s.go
        };
        if !started {
            let mut wl = shared.lock();
            if let Ok(change) = wl.change(&self.change_id) {
                // As Pebble: no exit code (the command never ran), the error in the task's log.
                change.tasks[0].insert(
                    "log".into(),
                    json!([super::workload::task_log("ERROR", "context canceled")]),
                );
                change.finish(
                    "Error",
                    Some(format!(
                        "cannot perform the following tasks:\n- Execute command \"{}\" (context canceled)",
                        self.command[0]
                    )),
                );
            }
            drop(wl);
            shared.ready.notify_all();
        }
    }

    fn aborted(&self) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).aborted
    }
}

/// `/v1/tasks/{task}/websocket/{control|stdio|stderr}`.
pub(crate) fn websocket_route(path: &str) -> Option<(String, String)> {
    let rest = path.strip_prefix("/v1/tasks/")?;
    let (task, name) = rest.split_once("/websocket/")?;
    if task.is_empty() || task.contains('/') || !matches!(name, "control" | "stdio" | "stderr") {
        return None;
    }
    Some((task.to_string(), name.to_string()))
}

pub(crate) fn h_exec(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let command: Vec<String> = match body.get("command").and_then(Value::as_array) {
        Some(c) if !c.is_empty() => c
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect(),
        _ => return Err(ApiError::new(400, "must specify command")),
    };
    let environment = body
        .get("environment")
        .filter(|e| !super::workload::is_empty(e))
        .cloned()
        .unwrap_or(json!({}));
    let working_dir = body
        .get("working-dir")
        .filter(|w| !super::workload::is_empty(w))
        .cloned()
        .unwrap_or(Value::Null);
    let mut call = Map::new();
    call.insert("command".into(), json!(command));
    call.insert("environment".into(), environment.clone());
    call.insert("working_dir".into(), working_dir.clone());
    for key in ["user", "user-id", "group", "group-id", "timeout"] {
        if let Some(v) = body
            .get(key)
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
        {
            call.insert(key.replace('-', "_"), v.clone());
        }
    }
    let timeout = match body
        .get("timeout")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    {
        Some(t) => Some(super::go_duration(t).ok_or_else(|| {
            ApiError::new(
                400,
                format!("invalid timeout: time: invalid duration \"{t}\""),
            )
        })?),
        None => None,
    };
    let split = body.get("split-stderr").and_then(Value::as_bool) == Some(true);
    let summary = format!("Execute command \"{}\"", command[0]);
    let mut wl = shared.lock();
    wl.public.exec_calls.push(call);
    // No command is run: a command without a rule is one whose executable is missing.
    let Some(rule) = wl.exec_answer(&command) else {
        return Err(ApiError::new(
            400,
            format!("cannot find executable \"{}\"", command[0]),
        ));
    };
    drop(wl);
    let (environment, working_dir) = exec_context(shared, &body, &environment, &working_dir)?;
    let mut wl = shared.lock();
    let change_id = wl.new_change("exec", &summary, &[("exec".into(), summary.clone())]);
    let change = wl.change(&change_id)?;
    change.ready = false;
    change.status = "Doing".into();
    change.tasks[0].insert("status".into(), json!("Doing"));
    let task_id = change.tasks[0]
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let result = json!({
        "task-id": task_id,
        "environment": environment,
        "working-dir": working_dir,
    });
    change.result = result.clone();
    drop(wl);
    let mut expected: BTreeSet<String> = ["control", "stdio"].map(String::from).into();
    if split {
        expected.insert("stderr".into());
    }
    let task = ExecTask {
        change_id: change_id.clone(),
        command,
        timeout,
        expected,
        rule,
        state: Mutex::new(TaskState {
            senders_left: if split { 2 } else { 1 },
            ..TaskState::default()
        }),
        cond: Condvar::new(),
    };
    if let Ok(mut tasks) = shared.tasks.lock() {
        tasks.insert(task_id, Arc::new(task));
    }
    Ok(Reply::Async {
        change: change_id,
        result,
    })
}

/// Pebble's exec context (`cmdstate.Exec`): the user, its `HOME` and `USER`, the working
/// directory (given, or `$HOME`, which must exist), the environment answered.
fn exec_context(
    shared: &Arc<Shared>,
    body: &Value,
    environment: &Value,
    working_dir: &Value,
) -> Result<(Value, String), ApiError> {
    let users = super::users::Users::load(&shared.fs);
    let user_id = body
        .get("user-id")
        .and_then(Value::as_u64)
        .map(|u| u as u32);
    let group_id = body
        .get("group-id")
        .and_then(Value::as_u64)
        .map(|g| g as u32);
    let user = body
        .get("user")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty());
    let group = body
        .get("group")
        .and_then(Value::as_str)
        .filter(|g| !g.is_empty());
    let (uid, _gid) = users
        .normalize(user_id, group_id, user, group)
        .map_err(|e| ApiError::new(400, e))?;
    let mut env: Map<String, Value> = Map::new();
    // The daemon's own environment (it runs as root).
    env.insert("HOME".into(), json!("/root"));
    env.insert("USER".into(), json!("root"));
    if uid.is_some_and(|u| u != 0) {
        env.remove("HOME");
        env.remove("USER");
    }
    for (k, v) in environment.as_object().into_iter().flatten() {
        env.insert(k.clone(), v.clone());
    }
    env.entry("PATH").or_insert(json!(
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    ));
    let unset = |env: &Map<String, Value>, k: &str| {
        env.get(k).and_then(Value::as_str).is_none_or(str::is_empty)
    };
    if unset(&env, "HOME") || unset(&env, "USER") {
        if let Some(u) = users.by_id(uid.unwrap_or(0)) {
            if unset(&env, "HOME") {
                env.insert("HOME".into(), json!(u.home));
            }
            if unset(&env, "USER") {
                env.insert("USER".into(), json!(u.name));
            }
        }
    }
    env.entry("LANG").or_insert(json!("C.UTF-8"));
    let home = env
        .get("HOME")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (dir, what) = match working_dir.as_str().filter(|w| !w.is_empty()) {
        Some(w) => (w.to_string(), "working directory"),
        None if home.is_empty() => return Ok((Value::Object(env), "/".into())),
        None => (home, "home directory"),
    };
    let host = super::files::host_path(&shared.fs, &dir)
        .map_err(|e| ApiError::new(500, format!("cannot call exec: {}", e.message)))?;
    match std::fs::metadata(&host) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ApiError::new(
            500,
            format!("cannot call exec: {what} \"{dir}\" does not exist"),
        )),
        Err(e) => Err(ApiError::new(
            500,
            format!("cannot call exec: cannot stat {what} \"{dir}\": {e}"),
        )),
        Ok(m) if !m.is_dir() => Err(ApiError::new(
            500,
            format!("cannot call exec: {what} \"{dir}\" not a directory"),
        )),
        Ok(_) => Ok((Value::Object(env), dir)),
    }
}

type Ws = WebSocket<RetryInterrupted<Box<dyn tiny_http::ReadWrite + Send>>>;

/// A stream whose reads and writes a signal interrupted (EINTR) are retried: tungstenite takes
/// any I/O error but `WouldBlock` for a broken connection.
struct RetryInterrupted<S>(S);

impl<S: Read> Read for RetryInterrupted<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

impl<S: Write> Write for RetryInterrupted<S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        loop {
            match self.0.write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn send_output(ws: &mut Ws, chunks: &[&[u8]]) {
    for data in chunks {
        if !data.is_empty() {
            let _ = ws.send(Message::binary(data.to_vec()));
        }
    }
    let _ = ws.send(Message::text(END));
}

/// Read stdin frames until `{"command":"end"}` (or the socket closes).
fn read_stdin(ws: &mut Ws, task: &ExecTask) {
    loop {
        match ws.read() {
            Ok(Message::Binary(b)) => {
                let mut s = task.state.lock().unwrap_or_else(|e| e.into_inner());
                s.stdin.extend_from_slice(&b);
            }
            Ok(Message::Text(t)) if t.as_str().contains("\"end\"") => break,
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let mut s = task.state.lock().unwrap_or_else(|e| e.into_inner());
    s.stdin_done = true;
}

/// Serve one websocket of a task.
pub(crate) fn websocket(
    shared: &Arc<Shared>,
    request: tiny_http::Request,
    req: &Req,
    task_id: &str,
    name: &str,
) {
    let task = shared
        .tasks
        .lock()
        .ok()
        .and_then(|t| t.get(task_id).cloned());
    let Some(task) = task else {
        let err = ApiError::new(404, format!("cannot find task with id \"{task_id}\""));
        return super::respond_json(request, 404, &super::error_envelope(&err));
    };
    let key = req.header("Sec-WebSocket-Key").to_string();
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut response = tiny_http::Response::empty(101);
    if let Ok(h) = tiny_http::Header::from_bytes("Sec-WebSocket-Accept", accept.as_bytes()) {
        response = response.with_header(h);
    }
    let stream = request.upgrade("websocket", response);
    let mut ws: Ws = WebSocket::from_raw_socket(RetryInterrupted(stream), Role::Server, None);

    {
        let mut s = task.state.lock().unwrap_or_else(|e| e.into_inner());
        s.attached.insert(name.to_string());
        if s.attached == task.expected {
            s.go = true;
            task.cond.notify_all();
        }
        let (guard, _) = task
            .cond
            .wait_timeout_while(s, Duration::from_secs(60), |s| !s.go)
            .unwrap_or_else(|e| e.into_inner());
        if !guard.go {
            return;
        }
    }

    let rule = task.rule.clone();
    match name {
        "stdio" => {
            let mut out = rule.stdout.as_bytes().to_vec();
            if rule.echo_stdin {
                read_stdin(&mut ws, &task);
                out.extend_from_slice(&task.inputs().0);
            }
            let timed_out = run_delay(&task, &rule);
            if task.aborted() || timed_out {
                send_output(&mut ws, &[]);
            } else if task.split() {
                send_output(&mut ws, &[&out]);
            } else {
                send_output(&mut ws, &[&out, rule.stderr.as_bytes()]);
            }
            sender_done(shared, &task, timed_out);
            if !rule.echo_stdin {
                read_stdin(&mut ws, &task);
            }
        }
        "stderr" => {
            let timed_out = run_delay(&task, &rule);
            if task.aborted() || timed_out {
                send_output(&mut ws, &[]);
            } else {
                send_output(&mut ws, &[rule.stderr.as_bytes()]);
            }
            sender_done(shared, &task, timed_out);
        }
        _ => {}
    }
    // Read (and record control messages) until the client goes away.
    loop {
        match ws.read() {
            Ok(Message::Text(t)) if name == "control" => {
                if let Ok(v) = serde_json::from_str::<Value>(t.as_str()) {
                    let mut s = task.state.lock().unwrap_or_else(|e| e.into_inner());
                    s.control.push(v);
                }
            }
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let RetryInterrupted(mut stream) = ws.into_inner();
    let _ = stream.flush();
    let mut sink = [0u8; 1];
    let _ = stream.read(&mut sink);
}

/// Sleep the rule's delay, cut at the exec's timeout or an abort: whether it timed out.
fn run_delay(task: &ExecTask, rule: &ExecRule) -> bool {
    let Some(delay) = rule.delay.map(Duration::from_secs_f64) else {
        return false;
    };
    let (wait, timed_out) = match task.timeout {
        Some(t) if t < delay => (t, true),
        _ => (delay, false),
    };
    let s = task.state.lock().unwrap_or_else(|e| e.into_inner());
    let (s, _) = task
        .cond
        .wait_timeout_while(s, wait, |s| !s.aborted)
        .unwrap_or_else(|e| e.into_inner());
    timed_out && !s.aborted
}

fn sender_done(shared: &Arc<Shared>, task: &ExecTask, timed_out: bool) {
    let last = {
        let mut s = task.state.lock().unwrap_or_else(|e| e.into_inner());
        s.senders_left = s.senders_left.saturating_sub(1);
        s.senders_left == 0
    };
    if !last {
        return;
    }
    let mut wl = shared.lock();
    if let Ok(change) = wl.change(&task.change_id) {
        if task.aborted() {
            change.tasks[0].insert("data".into(), json!({"exit-code": 137}));
            change.finish("Done", None);
        } else if timed_out {
            let after = super::go_duration_string(task.timeout.unwrap_or_default());
            change.tasks[0].insert("data".into(), json!({"exit-code": -1}));
            change.tasks[0].insert(
                "log".into(),
                json!([super::workload::task_log(
                    "ERROR",
                    &format!("timed out after {after}: context deadline exceeded")
                )]),
            );
            change.finish(
                "Error",
                Some(format!(
                    "cannot perform the following tasks:\n- Execute command \"{}\" (timed out after {after}: context deadline exceeded)",
                    task.command[0]
                )),
            );
        } else {
            change.tasks[0].insert("data".into(), json!({"exit-code": task.rule.exit}));
            change.finish("Done", None);
        }
    }
    drop(wl);
    shared.ready.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn websocket_routes() {
        assert_eq!(
            websocket_route("/v1/tasks/3/websocket/stdio"),
            Some(("3".into(), "stdio".into()))
        );
        assert_eq!(websocket_route("/v1/tasks/3/websocket/other"), None);
        assert_eq!(websocket_route("/v1/tasks//websocket/stdio"), None);
    }
}
