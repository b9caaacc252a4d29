//! exec through the Pebble client: the request, the websockets, streamed stdin / stdout /
//! stderr, exit codes, ExecError, signals and timeouts, against the fake Pebble.

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::pebble::Error;
use ops_testing::pebble::{ExecRule, FakePebble};
use serde_json::json;
use std::io::{Read, Write};
use std::time::Duration;

#[test]
fn output_captures_stdout_and_stderr() {
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(
        &["cat", "/etc/hostname"],
        0,
        "web-0\n",
        "warn\n",
    ));
    let out = fake
        .client()
        .exec(["cat", "/etc/hostname"])
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"web-0\n");
    assert_eq!(out.stderr.as_deref(), Some(&b"warn\n"[..]));
    assert_eq!(out.stdout_text(), "web-0\n");
    assert_eq!(out.stderr_text().as_deref(), Some("warn\n"));

    let req = fake.last_request("/v1/exec").unwrap();
    assert_eq!(
        req.json(),
        json!({"command": ["cat", "/etc/hostname"], "environment": {}, "working-dir": null,
               "timeout": null, "user-id": null, "user": null, "group-id": null, "group": null,
               "split-stderr": true})
    );
    let paths: Vec<String> = fake
        .requests()
        .iter()
        .filter(|r| r.path.contains("/websocket/"))
        .map(|r| r.path.rsplit('/').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(paths, ["control", "stdio", "stderr"]);
    assert_eq!(
        fake.state().exec_calls[0],
        json!({"command": ["cat", "/etc/hostname"], "environment": {}, "working_dir": null})
            .as_object()
            .cloned()
            .unwrap()
    );
}

#[test]
fn options_go_into_the_request() {
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["env"], 0, "", ""));
    fake.push_file(
        "/etc/passwd",
        b"root:x:0:0:root:/root:/bin/bash\nweb:x:1000:1001::/home/web:/bin/sh\n",
    )
    .unwrap();
    fake.push_file("/etc/group", b"root:x:0:\nwebg:x:1001:\n")
        .unwrap();
    std::fs::create_dir(fake.host_path("/tmp")).unwrap();
    fake.client()
        .exec(["env"])
        .env("A", "1")
        .envs([("B", "2")])
        .working_dir("/tmp")
        .timeout(Duration::from_millis(2500))
        .user_id(1000)
        .user("web")
        .group_id(1001)
        .group("webg")
        .combine_stderr(true)
        .run()
        .unwrap();
    let req = fake.last_request("/v1/exec").unwrap();
    assert_eq!(
        req.json(),
        json!({"command": ["env"], "environment": {"A": "1", "B": "2"}, "working-dir": "/tmp",
               "timeout": "2.500s", "user-id": 1000, "user": "web", "group-id": 1001,
               "group": "webg", "split-stderr": false})
    );
    assert!(fake.requests().iter().all(|r| !r.path.ends_with("/stderr")));
    let wait = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.path.ends_with("/wait"))
        .unwrap();
    // The command's timeout plus a second, in slices of at most 4 s.
    assert_eq!(wait.query_values("timeout"), ["3.500s"]);
}

#[test]
fn combined_stderr_comes_with_stdout() {
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["x"], 0, "out\n", "err\n"));
    let out = fake
        .client()
        .exec(["x"])
        .combine_stderr(true)
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"out\nerr\n");
    assert_eq!(out.stderr, None);
}

#[test]
fn a_non_zero_exit_is_an_exec_error_with_the_output() {
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["cat"], 2, "", "cat: no such file\n"));
    let err = fake
        .client()
        .exec(["cat", "/missing"])
        .output()
        .unwrap_err();
    let Error::Exec(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(e.exit_code, 2);
    assert_eq!(e.command, ["cat", "/missing"]);
    assert_eq!(e.stdout.as_deref(), Some(&b""[..]));
    assert_eq!(e.stderr_text().as_deref(), Some("cat: no such file\n"));
    assert_eq!(
        err.to_string(),
        "non-zero exit code 2 executing ['cat', '/missing'], stdout='', stderr='cat: no such file\\n'"
    );

    // A missing executable is refused at spawn, as Pebble's exec.LookPath does (400).
    let err = fake
        .client()
        .exec(["frobnicate", "--now"])
        .run()
        .unwrap_err();
    assert_eq!(err.api_code(), Some(400));
    assert_eq!(err.to_string(), "cannot find executable \"frobnicate\"");
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.path.contains("/websocket/"))
            .count(),
        3
    );
}

#[test]
fn stdin_is_streamed_in_frames_then_ended() {
    let fake = FakePebble::start().unwrap();
    let mut rule = ExecRule::new(&["cat"], 0, "", "");
    rule.echo_stdin = true;
    fake.add_exec_rule(rule);
    let client = fake.client();

    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 256) as u8).collect();
    let out = client
        .exec(["cat"])
        .stdin_bytes(data.clone())
        .output()
        .unwrap();
    assert_eq!(out.stdout, data);

    let out = client
        .exec(["cat"])
        .stdin_reader(std::io::Cursor::new(b"from a reader".to_vec()))
        .output()
        .unwrap();
    assert_eq!(out.stdout, b"from a reader");

    // Interactive: write stdin, close it, read stdout.
    let mut process = client.exec(["cat"]).spawn().unwrap();
    {
        let stdin = process.stdin().unwrap();
        stdin.write_all(b"hello ").unwrap();
        stdin.write_all(b"world").unwrap();
        stdin.close().unwrap();
        assert!(stdin.write(b"more").is_err());
    }
    let mut text = String::new();
    process.stdout().unwrap().read_to_string(&mut text).unwrap();
    assert_eq!(text, "hello world");
    let task = process.task_id().to_string();
    process.wait().unwrap();
    assert_eq!(fake.exec_inputs(&task).unwrap().0, b"hello world");
}

#[test]
fn output_can_go_to_writers() {
    #[derive(Clone, Default)]
    struct Sink(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["x"], 0, "out", "err"));
    let (out, err) = (Sink::default(), Sink::default());
    let process = fake
        .client()
        .exec(["x"])
        .stdout_writer(out.clone())
        .stderr_writer(err.clone())
        .spawn()
        .unwrap();
    // wait_output needs stdout: refused when it goes to a writer.
    let e = process.wait_output().unwrap_err();
    assert!(matches!(e, Error::Invalid(_)));

    // (That process was dropped unwaited: what it copied is undefined.)
    let (out, err) = (Sink::default(), Sink::default());
    let process = fake
        .client()
        .exec(["x"])
        .stdout_writer(out.clone())
        .stderr_writer(err.clone())
        .spawn()
        .unwrap();
    process.wait().unwrap();
    assert_eq!(*out.0.lock().unwrap(), b"out");
    assert_eq!(*err.0.lock().unwrap(), b"err");
}

#[test]
fn signals_go_over_the_control_websocket() {
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["sleep"], 0, "", ""));
    let process = fake.client().exec(["sleep", "1"]).spawn().unwrap();
    process.send_signal("SIGTERM").unwrap();
    let task = process.task_id().to_string();
    process.wait().unwrap();
    // The fake records control messages as it reads them.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (_, control) = fake.exec_inputs(&task).unwrap();
        if !control.is_empty() {
            assert_eq!(
                control,
                [json!({"command": "signal", "signal": {"name": "SIGTERM"}})]
            );
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no control message");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_timed_out_command_is_a_change_error() {
    let fake = FakePebble::start().unwrap();
    let mut rule = ExecRule::new(&["sleep"], 0, "", "");
    rule.delay = Some(5.0);
    fake.add_exec_rule(rule);
    let started = std::time::Instant::now();
    let err = fake
        .client()
        .exec(["sleep", "10"])
        .timeout(Duration::from_millis(200))
        .output()
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4));
    let Error::Change(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(
        e.err,
        "cannot perform the following tasks:\n- Execute command \"sleep\" (timed out after 200ms: context deadline exceeded)"
    );
    assert_eq!(e.change.kind, "exec");
    assert_eq!(e.change.tasks[0].data.get("exit-code"), Some(&json!(-1)));
    // As Pebble: the task's log has the error after an RFC 3339 time.
    let log = &e.change.tasks[0].log;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        log[0].split_once(' ').unwrap().1,
        "ERROR timed out after 200ms: context deadline exceeded"
    );
}

#[test]
fn invalid_commands_are_refused_before_sending() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    assert!(matches!(
        client.exec(Vec::<String>::new()).spawn(),
        Err(Error::Invalid(_))
    ));
    let sink: Vec<u8> = Vec::new();
    assert!(matches!(
        client
            .exec(["x"])
            .combine_stderr(true)
            .stderr_writer(sink)
            .spawn(),
        Err(Error::Invalid(_))
    ));
    assert!(fake.requests().is_empty());
}

/// Ten MiB of output on each stream, as a real command prints it.
fn big_rule(name: &str) -> ExecRule {
    let out: String = (0..10 << 20)
        .map(|i| char::from(b'a' + (i % 26) as u8))
        .collect();
    ExecRule::new(&[name], 0, &out, &out.to_uppercase())
}

#[test]
fn run_drains_output_nobody_can_read() {
    // Pebble's command blocks once its unread output fills the socket buffers (~200 KiB): wait()
    // must read (and drop) what the caller no longer can, or it waits forever.
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(big_rule("big"));
    fake.client().exec(["big"]).run().unwrap();
    let process = fake
        .client()
        .exec(["big"])
        .combine_stderr(true)
        .spawn()
        .unwrap();
    process.wait().unwrap();
}

#[test]
fn wait_output_captures_ten_mib() {
    let fake = FakePebble::start().unwrap();
    let rule = big_rule("big");
    fake.add_exec_rule(rule.clone());
    let out = fake.client().exec(["big"]).output().unwrap();
    assert_eq!(out.stdout.len(), 10 << 20);
    assert_eq!(out.stdout, rule.stdout.as_bytes());
    assert_eq!(out.stderr.as_deref(), Some(rule.stderr.as_bytes()));
}

#[test]
fn unread_output_holds_the_command_back() {
    // As Pebble: the exec change is not done while output it cannot send is pending.
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["big"], 0, &"x".repeat(1 << 20), ""));
    let client = fake.client();
    let mut process = client.exec(["big"]).combine_stderr(true).spawn().unwrap();
    let id = process.change_id().clone();
    let mut stdout = process.take_stdout().unwrap();
    let waited = client.wait_change(
        &id,
        Some(Duration::from_millis(500)),
        Duration::from_millis(50),
    );
    assert!(matches!(waited, Err(Error::Timeout(_))), "{waited:?}");
    let mut out = Vec::new();
    stdout.read_to_end(&mut out).unwrap();
    assert_eq!(out.len(), 1 << 20);
    process.wait().unwrap();
}
