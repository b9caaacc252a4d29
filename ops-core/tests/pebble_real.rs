//! Opt-in: the client against a real Pebble, started from the binary named by
//! `OPS_REAL_PEBBLE` (e.g. one built from Pebble's public source), with `PEBBLE` in a temporary
//! directory. Without the variable each test only prints a notice. The expectations are those
//! `pebble_v1_32.rs` checks on the fake (Pebble v1.32.1's answers, F1–F20), plus the exec
//! back-pressure the fake models (10 MiB of output through `run()` and `output()`). They were last
//! run against Pebble v1.32.1 as root (some answers depend on the host's users: `nobody` with
//! the missing home `/nonexistent`, no user 4242).

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::pebble::{BasicIdentity, CheckLevel, Identity, IdentityAccess, LocalIdentity};
use ops_core::pebble::{ChangeState, LogCount, NoticesFilter, ServiceAction, WarningState};
use ops_core::pebble::{
    Client, Error, MakeDirOptions, NoticeType, NotifyOptions, PushOptions, ServiceStatus,
};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

struct RealPebble {
    child: Child,
    client: Client,
    dir: tempfile::TempDir,
}

impl Drop for RealPebble {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl RealPebble {
    fn socket(&self) -> PathBuf {
        self.dir.path().join("pebble/.pebble.socket")
    }

    /// A directory for the file checks, `files/` under the temporary directory.
    fn files(&self) -> String {
        let base = self.dir.path().join("files");
        std::fs::create_dir_all(&base).unwrap();
        base.to_str().unwrap().to_string()
    }

    /// A raw request (for what the client does not expose): status and JSON body.
    fn raw(&self, method: &str, path: &str, body: &Value) -> (u16, Value) {
        let mut s = std::os::unix::net::UnixStream::connect(self.socket()).unwrap();
        let body = body.to_string();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let status = answer[9..12].parse().unwrap();
        let (head, mut rest) = answer.split_once("\r\n\r\n").unwrap();
        if !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            return (status, serde_json::from_str(rest).unwrap());
        }
        // Go chunks the bodies that do not fit its buffer (an exec's environment).
        let mut json = String::new();
        loop {
            let (size, after) = rest.split_once("\r\n").unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            if size == 0 {
                break;
            }
            json.push_str(&after[..size]);
            rest = &after[size + 2..];
        }
        (status, serde_json::from_str(&json).unwrap())
    }
}

fn start() -> Option<RealPebble> {
    start_with(|_| {})
}

/// Start Pebble after `setup` prepared its `PEBBLE` directory (startup layers).
fn start_with(setup: impl FnOnce(&std::path::Path)) -> Option<RealPebble> {
    let Some(binary) = std::env::var_os("OPS_REAL_PEBBLE") else {
        eprintln!(
            "NOTICE: OPS_REAL_PEBBLE is not set: the checks against a real Pebble are skipped"
        );
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    setup(&dir.path().join("pebble"));
    let child = Command::new(binary)
        .args(["run", "--create-dirs"])
        .env("PEBBLE", dir.path().join("pebble"))
        .env_remove("PEBBLE_SOCKET")
        .spawn()
        .unwrap();
    let client = Client::new(dir.path().join("pebble/.pebble.socket"));
    let started = Instant::now();
    while client.get_system_info().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "Pebble did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(RealPebble { child, client, dir })
}

fn api(err: &Error) -> (u16, String) {
    let e = err
        .as_api()
        .unwrap_or_else(|| panic!("not an API error: {err:?}"));
    (e.code, e.message.clone())
}

/// A task's log lines without their leading RFC 3339 time (`2024-01-01T00:00:00Z INFO ...`).
fn log_messages(log: &[String]) -> Vec<&str> {
    log.iter()
        .map(|line| {
            let (time, rest) = line.split_once(' ').unwrap();
            assert!(time.len() == 20 && time.ends_with('Z'), "{line}");
            rest
        })
        .collect()
}

/// A field of the host's `/etc/passwd` or `/etc/group` entry `name` (0-based).
fn host_entry(file: &str, name: &str, field: usize) -> Option<String> {
    std::fs::read_to_string(file)
        .ok()?
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f[0] == name)
        .and_then(|f| f.get(field).map(|s| s.to_string()))
}

#[test]
fn exec_against_a_real_pebble() {
    let Some(pebble) = start() else { return };
    let c = &pebble.client;

    // F2: back-pressure drained by run() and captured by output(), 10 MiB each.
    c.exec(["head", "-c", "10485760", "/dev/zero"])
        .run()
        .unwrap();
    let process = c
        .exec([
            "sh",
            "-c",
            "head -c 10485760 /dev/zero; head -c 10485760 /dev/zero >&2",
        ])
        .combine_stderr(true)
        .spawn()
        .unwrap();
    process.wait().unwrap();
    let out = c
        .exec([
            "sh",
            "-c",
            "head -c 10485760 /dev/zero; head -c 10485760 /dev/zero >&2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.stdout.len(), 10 << 20);
    assert_eq!(out.stderr.map(|e| e.len()), Some(10 << 20));
    let process = c
        .exec(["head", "-c", "10485760", "/dev/zero"])
        .spawn()
        .unwrap();
    assert_eq!(process.wait_output().unwrap().stdout.len(), 10 << 20);
    // F2: unread output holds the command (and its change) back.
    let mut process = c
        .exec(["head", "-c", "1048576", "/dev/zero"])
        .combine_stderr(true)
        .spawn()
        .unwrap();
    let id = process.change_id().clone();
    let mut stdout = process.take_stdout().unwrap();
    let waited = c.wait_change(
        &id,
        Some(Duration::from_millis(500)),
        Duration::from_millis(50),
    );
    assert!(matches!(waited, Err(Error::Timeout(_))), "{waited:?}");
    let mut out = Vec::new();
    stdout.read_to_end(&mut out).unwrap();
    assert_eq!(out.len(), 1 << 20);
    process.wait().unwrap();

    // F1: a missing executable.
    let err = c.exec(["no-such-binary-x"]).run().unwrap_err();
    assert_eq!(
        api(&err),
        (400, "cannot find executable \"no-such-binary-x\"".into())
    );
    // F9: a timeout.
    let err = c
        .exec(["sleep", "5"])
        .timeout(Duration::from_millis(200))
        .run()
        .unwrap_err();
    let Error::Change(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(
        e.err,
        "cannot perform the following tasks:\n- Execute command \"sleep\" (timed out after 200ms: context deadline exceeded)"
    );
    assert_eq!(e.change.tasks[0].data.get("exit-code"), Some(&json!(-1)));
    assert_eq!(
        log_messages(&e.change.tasks[0].log),
        ["ERROR timed out after 200ms: context deadline exceeded"]
    );
    // F5: a missing working directory.
    let err = c
        .exec(["true"])
        .working_dir("/no/such/dir")
        .run()
        .unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot call exec: working directory \"/no/such/dir\" does not exist".into()
        )
    );
    // F4: a user whose home is missing; an unknown user.
    if let Some(home) = host_entry("/etc/passwd", "nobody", 5) {
        if !std::path::Path::new(&home).exists() {
            let err = c.exec(["true"]).user("nobody").run().unwrap_err();
            assert_eq!(
                api(&err),
                (
                    500,
                    format!("cannot call exec: home directory \"{home}\" does not exist")
                )
            );
        }
    }
    let err = c.exec(["true"]).user("ghost-x").run().unwrap_err();
    assert_eq!(api(&err), (400, "user: unknown user ghost-x".into()));
    // F6: the default working directory is the user's $HOME.
    let out = c
        .exec(["sh", "-c", "pwd; echo \"$HOME\""])
        .output()
        .unwrap();
    let text = out.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0], lines[1]);
    let (status, answer) = pebble.raw("POST", "/v1/exec", &json!({"command": ["true"]}));
    assert_eq!(status, 202);
    assert_eq!(answer["result"]["working-dir"], lines[0]);

    // F8: abort of a running exec: `Abort`, then `Done` with the killed command's 137.
    let started = Instant::now();
    let process = c.exec(["sleep", "30"]).spawn().unwrap();
    let id = process.change_id().clone();
    std::thread::sleep(Duration::from_millis(300));
    let change = c.abort_change(&id).unwrap();
    assert_eq!((change.status.as_str(), change.ready), ("Abort", false));
    let err = process.wait_output().unwrap_err();
    let Error::Exec(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(e.exit_code, 137);
    assert_eq!(e.stdout.as_deref(), Some(&b""[..]));
    assert!(started.elapsed() < Duration::from_secs(10));
    let change = c.get_change(&id).unwrap();
    assert_eq!((change.status.as_str(), change.ready), ("Done", true));
    let err = c.abort_change(&id).unwrap_err();
    assert_eq!(
        api(&err).1,
        format!("cannot abort change {id} with nothing pending")
    );
    // An exec aborted before its websockets connect never runs: `context canceled`.
    let (status, answer) = pebble.raw("POST", "/v1/exec", &json!({"command": ["sleep", "30"]}));
    assert_eq!(status, 202);
    let id = answer["change"].as_str().unwrap().to_string();
    let (status, answer) = pebble.raw(
        "POST",
        &format!("/v1/changes/{id}"),
        &json!({"action": "abort"}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        (&answer["result"]["status"], &answer["result"]["ready"]),
        (&json!("Abort"), &json!(false))
    );
    let change = c
        .wait_change(
            &id.as_str().into(),
            Some(Duration::from_secs(10)),
            Duration::from_millis(20),
        )
        .unwrap();
    assert_eq!(change.status, "Error");
    assert_eq!(
        change.err.as_deref(),
        Some("cannot perform the following tasks:\n- Execute command \"sleep\" (context canceled)")
    );
    assert!(
        change.tasks[0].data.is_empty(),
        "{:?}",
        change.tasks[0].data
    );
    assert_eq!(
        log_messages(&change.tasks[0].log),
        ["ERROR context canceled"]
    );
}

#[test]
fn services_checks_and_notices_against_a_real_pebble() {
    let Some(pebble) = start() else { return };
    let c = &pebble.client;

    // F7: warnings are gone; changes.
    let err = c.get_warnings(WarningState::All).unwrap_err();
    assert_eq!(api(&err), (404, "invalid API endpoint requested".into()));
    assert!(c.get_changes(ChangeState::All, None).is_ok());
    let err = c
        .get_changes(ChangeState::Other("bogus".into()), None)
        .unwrap_err();
    assert_eq!(
        api(&err),
        (400, "select should be one of: all,in-progress,ready".into())
    );

    let layer = "services:
    svc:
        override: replace
        command: sleep 1000
    bad:
        override: replace
        command: 'false'
    worse:
        override: replace
        command: sh -c 'exit 2'
        on-failure: ignore
checks:
    up:
        override: replace
        exec:
            command: 'true'
";
    c.add_layer_yaml("base", layer, false).unwrap();
    c.start_services(&["svc"]).unwrap();
    assert!(c.get_services(&["svc"]).unwrap()[0].current_since.is_some());
    // F11: a bad signal name; a service that is not running.
    let err = c.send_signal("SIGFOO", &["svc"]).unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot send signal to \"svc\": invalid signal name \"SIGFOO\"".into()
        )
    );
    let err = c.send_signal("SIGFOO", &["svc", "nonexist"]).unwrap_err();
    assert_eq!(
        api(&err).1,
        "cannot send signal to \"svc\": invalid signal name \"SIGFOO\"; cannot send signal to \"nonexist\": service is not running"
    );
    // (SIGHUP ends `sleep`: svc is not running after this.)
    let err = c.send_signal("SIGHUP", &["svc", "bad"]).unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot send signal to \"bad\": service is not running".into()
        )
    );
    // More refusals, as measured on Pebble v1.32.1.
    for (path, body, status, message) in [
        (
            "/v1/signals",
            json!({"signal": "SIGHUP", "services": []}),
            400,
            "must specify one or more services",
        ),
        (
            "/v1/checks",
            json!({"action": "bogus", "checks": ["up"]}),
            400,
            "invalid action \"bogus\"",
        ),
        (
            "/v1/checks",
            json!({"action": "start", "checks": []}),
            400,
            "must specify checks for start action",
        ),
        (
            "/v1/services",
            json!({"action": "stop", "services": ["nonexist"]}),
            400,
            "cannot stop services: service \"nonexist\" does not exist",
        ),
        (
            "/v1/notices",
            json!({"action": "add", "type": "custom", "key": "bad key"}),
            400,
            "invalid key \"bad key\" (must be in \"example.com/path\" format)",
        ),
        (
            "/v1/notices",
            json!({"action": "add", "type": "custom", "key": "example.com/x", "repeat-after": "1"}),
            400,
            "invalid repeat-after: time: missing unit in duration \"1\"",
        ),
    ] {
        let (got, answer) = pebble.raw("POST", path, &body);
        assert_eq!(
            (got, answer["result"]["message"].as_str()),
            (status, Some(message)),
            "{path} {body}"
        );
    }
    // F3: a service that exits at once.
    let err = c.start_services(&["bad"]).unwrap_err();
    let Error::Change(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(
        e.err,
        "cannot perform the following tasks:\n- Start service \"bad\" (service start attempt: exited quickly with code 1, will restart)"
    );
    assert_eq!(
        log_messages(&e.change.tasks[0].log),
        [
            "INFO Most recent service output:\n    ",
            "ERROR service start attempt: exited quickly with code 1, will restart"
        ]
    );
    let bad = &c.get_services(&["bad"]).unwrap()[0];
    assert_eq!(bad.current, ServiceStatus::Backoff);
    assert!(bad.current_since.is_some());
    let err = c.start_services(&["worse"]).unwrap_err();
    assert!(
        err.to_string()
            .contains("(service start attempt: exited quickly with code 2, will ignore)"),
        "{err}"
    );
    assert_eq!(
        c.get_services(&["worse"]).unwrap()[0].current,
        ServiceStatus::Error
    );
    // F20: service actions.
    let err = c
        .services_action(ServiceAction::Start, &[] as &[&str], None)
        .unwrap_err();
    assert_eq!(
        api(&err),
        (400, "must specify services for start action".into())
    );
    let (status, body) = pebble.raw(
        "POST",
        "/v1/services",
        &json!({"action": "x", "services": ["svc"]}),
    );
    assert_eq!(
        (status, body["result"]["message"].clone()),
        (400, json!("invalid action \"x\""))
    );
    let (status, body) = pebble.raw(
        "POST",
        "/v1/services",
        &json!({"action": "replan", "services": ["svc"]}),
    );
    assert_eq!(
        (status, body["result"]["message"].clone()),
        (400, json!("replan accepts no service names"))
    );
    // F10: checks.
    let err = c.start_checks(&["nope"]).unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "cannot start checks: cannot find checks in plan: nope".into()
        )
    );
    let err = c.stop_checks::<&str>(&[]).unwrap_err();
    assert_eq!(
        api(&err),
        (400, "must specify checks for stop action".into())
    );
    let err = c.refresh_check("nope").unwrap_err();
    assert_eq!(
        api(&err),
        (404, "cannot find check with name \"nope\"".into())
    );
    // F12: only custom notices.
    let err = c
        .notify(
            NoticeType::ChangeUpdate,
            "example.com/x",
            &NotifyOptions::default(),
        )
        .unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "invalid type \"change-update\" (can only add \"custom\" notices)".into()
        )
    );
    // Layers.
    let err = c
        .add_layer_yaml(
            "l",
            "services:\n    x:\n        override: replace\n        command: x\n        backoff-delay: 5\n",
            false,
        )
        .unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "cannot parse layer YAML: cannot parse layer \"l\" section \"services\": invalid duration \"5\"".into()
        )
    );
    let err = c.add_layer_yaml("l", "nonsense: {}\n", false).unwrap_err();
    assert_eq!(
        api(&err).1,
        "cannot parse layer YAML: cannot parse layer \"l\": unknown section \"nonsense\""
    );
}

#[test]
fn files_against_a_real_pebble() {
    let Some(pebble) = start() else { return };
    let c = &pebble.client;
    let base = pebble.files();

    let f = format!("{base}/f");
    c.push(&f, &b"x"[..], &PushOptions::default()).unwrap();
    let err = c.pull(&format!("{f}/x")).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("generic-file-error - stat {f}/x: not a directory")
    );
    let err = c.list_files(&format!("{f}/x"), None, false).unwrap_err();
    assert_eq!(api(&err), (400, format!("stat {f}/x: not a directory")));
    // F13: a recursive remove of a missing path succeeds; a plain one does not.
    c.remove_path(&format!("{base}/missing"), true).unwrap();
    let err = c
        .remove_path(&format!("{base}/missing"), false)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("not-found - remove {base}/missing: no such file or directory")
    );
    // F14: three octal digits.
    for bad in [0o1755, 0o7777] {
        let err = c
            .push(
                &format!("{base}/p"),
                &b"x"[..],
                &PushOptions {
                    permissions: Some(bad),
                    ..PushOptions::default()
                },
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "generic-file-error - permissions must be a 3-digit octal string, got \"{bad:o}\""
            )
        );
    }
    assert!(!c.exists(&format!("{base}/p")).unwrap());
    // F15: into a missing directory: Go's temporary file beside the target.
    let err = c
        .push(
            &format!("{base}/nodir/p"),
            &b"x"[..],
            &PushOptions::default(),
        )
        .unwrap_err();
    let Error::Path(p) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(p.kind, "not-found");
    let digits = p
        .message
        .strip_prefix(&format!("open {base}/nodir/p."))
        .and_then(|m| m.strip_suffix("~: no such file or directory"))
        .unwrap_or_else(|| panic!("{}", p.message));
    assert!(digits.chars().all(|c| c.is_ascii_digit()), "{}", p.message);
    // F16: a directory.
    let err = c.pull(&base).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("generic-file-error - can only read a regular file: \"{base}\"")
    );
    // F17: relative paths.
    let err = c.pull("x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - paths must be absolute, got \"x\""
    );
    let err = c.remove_path("x", false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - paths must be absolute, got \"x\""
    );
    let err = c.list_files("x", None, false).unwrap_err();
    assert_eq!(api(&err), (400, "path must be absolute, got \"x\"".into()));
    // F18: a malformed pattern.
    let err = c.list_files(&base, Some("[x"), false).unwrap_err();
    assert_eq!(api(&err), (400, "syntax error in pattern".into()));
    // mkdir of an existing file.
    let err = c.make_dir(&f, &MakeDirOptions::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("generic-file-error - mkdir {f}: not a directory")
    );
    // F19: owners' names; an id without a name has an empty one.
    if let Some(gid) = host_entry("/etc/passwd", "nobody", 3) {
        let group = std::fs::read_to_string("/etc/group")
            .unwrap()
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.get(2) == Some(&gid.as_str()))
            .map(|f| f[0].to_string());
        c.push(
            &format!("{base}/owned/f"),
            &b"x"[..],
            &PushOptions {
                make_dirs: true,
                user: Some("nobody".into()),
                ..PushOptions::default()
            },
        )
        .unwrap();
        for (path, itself) in [
            (format!("{base}/owned/f"), false),
            (format!("{base}/owned"), true),
        ] {
            let info = &c.list_files(&path, None, itself).unwrap()[0];
            assert_eq!(info.user.as_deref(), Some("nobody"), "{path}");
            assert_eq!(info.group, group, "{path}");
        }
    }
    if host_entry("/etc/passwd", "4242", 0).is_none() {
        c.make_dir(
            &format!("{base}/d"),
            &MakeDirOptions {
                user_id: Some(4242),
                group_id: Some(4242),
                ..MakeDirOptions::default()
            },
        )
        .unwrap();
        let d = &c.list_files(&format!("{base}/d"), None, true).unwrap()[0];
        assert_eq!((d.user_id, d.user.as_deref()), (Some(4242), Some("")));
    }
    let err = c
        .push(
            &format!("{base}/g"),
            &b"x"[..],
            &PushOptions {
                group: Some("root".into()),
                ..PushOptions::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - cannot look up user and group: must specify user, not just group"
    );
    // Backslashes and quotes in paths round-trip.
    for name in [r"a\b", r"c\", "q\"uote", r"d\\e"] {
        let path = format!("{base}/{name}");
        c.push(&path, path.as_bytes(), &PushOptions::default())
            .unwrap();
        assert_eq!(c.pull(&path).unwrap(), path.as_bytes(), "{path}");
    }
}

#[test]
fn layers_against_a_real_pebble() {
    let startup = "workloads:\n    app:\n        override: replace\n        user: root\n";
    let Some(pebble) = start_with(|dir| {
        std::fs::create_dir_all(dir.join("layers")).unwrap();
        std::fs::write(dir.join("layers/001-startup.yaml"), startup).unwrap();
    }) else {
        return;
    };
    let c = &pebble.client;
    let service = |workload: &str| {
        format!("services:\n    web:\n        override: replace\n        command: sleep 1000\n        workload: {workload}\n")
    };
    // `workloads:` is immutable once Pebble runs; the same content changes nothing.
    let err = c
        .add_layer_yaml(
            "l",
            "workloads:\n    other:\n        override: replace\n",
            false,
        )
        .unwrap_err();
    assert_eq!(
        api(&err),
        (400, "cannot change immutable section \"workloads\"".into())
    );
    c.add_layer_yaml("same", startup, false).unwrap();
    // A refused layer is not kept: its label stays free.
    let err = c.add_layer_yaml("l", &service("nope"), false).unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "workload \"nope\": not defined for service \"web\"".into()
        )
    );
    let err = c
        .add_layer_yaml(
            "l",
            "services:\n    web:\n        override: replace\n        summary: no command\n",
            false,
        )
        .unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "plan must define \"command\" for service \"web\"".into()
        )
    );
    c.add_layer_yaml("l", &service("app"), false).unwrap();
    let plan = c.get_plan().unwrap();
    assert_eq!(plan.services["web"].workload, "app");
    assert_eq!(plan.extra["workloads"]["app"]["user"], "root");
}

#[test]
fn logs_and_notices_against_a_real_pebble() {
    let Some(pebble) = start() else { return };
    let c = &pebble.client;
    let layer = "services:
    web:
        override: replace
        command: sh -c 'for i in $(seq 1 40); do echo line $i; done; sleep 1000'
";
    c.add_layer_yaml("base", layer, false).unwrap();
    c.start_services(&["web"]).unwrap();
    // Pebble's default is the last 30 lines; `n=-1` is all.
    let started = Instant::now();
    while c.get_service_logs(&[], LogCount::All).unwrap().len() < 40 {
        assert!(started.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(50));
    }
    let last = c.get_service_logs(&[], LogCount::Default).unwrap();
    assert_eq!(last.len(), 30);
    assert_eq!(
        (last[29].service.as_str(), last[29].message.as_str()),
        ("web", "line 40")
    );
    let two = c.get_service_logs(&["web"], LogCount::Last(2)).unwrap();
    let messages: Vec<&str> = two.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["line 39", "line 40"]);
    let mut stream = c.follow_service_logs(&["web"], LogCount::Last(1)).unwrap();
    assert_eq!(stream.next().unwrap().unwrap().message, "line 40");
    drop(stream);

    // Waiting for notices: nothing within the timeout, then the one that comes.
    let filter = NoticesFilter {
        keys: vec!["example.com/ready".into()],
        ..NoticesFilter::default()
    };
    let started = Instant::now();
    assert!(c
        .wait_notices(&filter, Duration::from_millis(300))
        .unwrap()
        .is_empty());
    assert!(started.elapsed() >= Duration::from_millis(300));
    let notifier = Client::new(pebble.socket());
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        notifier
            .notify(
                NoticeType::Custom,
                "example.com/ready",
                &NotifyOptions::default(),
            )
            .unwrap()
    });
    let notices = c.wait_notices(&filter, Duration::from_secs(20)).unwrap();
    let id = t.join().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].id, id);
}

#[test]
fn identities_against_a_real_pebble() {
    let Some(pebble) = start() else { return };
    let c = &pebble.client;
    let alice = Identity {
        access: IdentityAccess::Admin,
        local: Some(LocalIdentity { user_id: 1000 }),
        basic: None,
        cert: None,
    };
    let bob = Identity {
        access: IdentityAccess::Read,
        local: None,
        basic: Some(BasicIdentity {
            password: "$6$hash".into(),
        }),
        cert: None,
    };
    let both: BTreeMap<String, Identity> = [
        ("alice".to_string(), alice.clone()),
        ("bob".to_string(), bob),
    ]
    .into();
    c.add_identities(&both).unwrap();
    let listed = c.get_identities().unwrap();
    assert_eq!(listed["alice"], alice);
    assert_eq!(listed["bob"].basic.as_ref().unwrap().password, "*****");
    let err = c.add_identities(&both).unwrap_err();
    assert_eq!(
        api(&err),
        (400, "identities already exist: alice, bob".into())
    );
    let mut read_alice = alice.clone();
    read_alice.access = IdentityAccess::Read;
    c.update_identities(&[("alice".to_string(), read_alice.clone())].into())
        .unwrap();
    assert_eq!(c.get_identities().unwrap()["alice"], read_alice);
    // One identity per local user ID.
    let err = c
        .replace_identities(&[("carol".to_string(), Some(alice.clone()))].into())
        .unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "cannot have multiple identities with user ID 1000 (alice, carol)".into()
        )
    );
    let mut carol = alice;
    carol.local = Some(LocalIdentity { user_id: 1001 });
    c.replace_identities(
        &[
            ("bob".to_string(), None),
            ("carol".to_string(), Some(carol)),
        ]
        .into(),
    )
    .unwrap();
    let names: Vec<String> = c.get_identities().unwrap().into_keys().collect();
    assert_eq!(names, ["alice", "carol"]);
    c.remove_identities(&["alice", "carol"]).unwrap();
    assert!(c.get_identities().unwrap().is_empty());
    let err = c.remove_identities(&["alice"]).unwrap_err();
    assert_eq!(api(&err).1, "identities do not exist: alice");
    let bad = Identity {
        access: IdentityAccess::Other("root".into()),
        local: Some(LocalIdentity { user_id: 0 }),
        basic: None,
        cert: None,
    };
    let err = c
        .add_identities(&[("x".to_string(), bad)].into())
        .unwrap_err();
    assert_eq!(
        api(&err).1,
        "invalid identity for \"x\": invalid access value \"root\", must be \"admin\", \"read\", \"metrics\", or \"untrusted\""
    );
}

#[test]
fn health_and_check_refresh_against_a_real_pebble() {
    let Some(pebble) = start() else { return };
    let c = &pebble.client;
    let layer = "checks:
    up:
        override: replace
        level: alive
        threshold: 1
        period: 1h
        exec:
            command: 'false'
    ready:
        override: replace
        level: ready
        period: 1h
        exec:
            command: 'true'
";
    c.add_layer_yaml("base", layer, false).unwrap();
    let refreshed = c.refresh_check("up").unwrap();
    assert_eq!(refreshed.info.name, "up");
    assert_eq!(refreshed.error.as_deref(), Some("exit status 1"));
    let refreshed = c.refresh_check("ready").unwrap();
    assert_eq!(
        (refreshed.info.name.as_str(), refreshed.error),
        ("ready", None)
    );
    // One failure reaches `up`'s threshold: it is down, and so is every level including it.
    assert!(!c.get_health::<&str>(None, &[]).unwrap());
    assert!(!c.get_health::<&str>(Some(CheckLevel::Ready), &[]).unwrap());
    assert!(c.get_health(None, &["ready"]).unwrap());
}
