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
    let timeout = body
        .get("timeout")
        .and_then(Value::as_str)
        .and_then(super::ops_core_duration);
    let split = body.get("split-stderr").and_then(Value::as_bool) == Some(true);
    let summary = format!("Execute command \"{}\"", command[0]);
    let mut wl = shared.lock();
    wl.public.exec_calls.push(call);
    let rule = wl.exec_answer(&command);
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
        "working-dir": if working_dir.is_null() { json!("/") } else { working_dir },
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
            if task.split() {
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
            send_output(&mut ws, &[rule.stderr.as_bytes()]);
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

/// Sleep the rule's delay, cut at the exec's timeout: whether it timed out.
fn run_delay(task: &ExecTask, rule: &ExecRule) -> bool {
    let Some(delay) = rule.delay.map(Duration::from_secs_f64) else {
        return false;
    };
    match task.timeout {
        Some(t) if t < delay => {
            std::thread::sleep(t);
            true
        }
        _ => {
            std::thread::sleep(delay);
            false
        }
    }
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
        if timed_out {
            let secs = task.timeout.map(|t| t.as_secs_f64()).unwrap_or(0.0);
            change.finish(
                "Error",
                Some(format!(
                    "cannot perform the following tasks:\n- Execute command \"{}\" (timed out after {secs}s: context deadline exceeded)",
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
