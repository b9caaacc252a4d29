//! How the Pebble client fails: API errors (4xx/5xx, JSON or not), a missing socket, a dropped
//! connection, a silent server, malformed answers, slow and failed changes, and the fallback to
//! polling when there is no wait endpoint.

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::pebble::{ChangeError, ChangeId, Client, Error, PushOptions};
use ops_testing::pebble::{ExecRule, FakePebble, Fault, FaultReply};
use serde_json::json;
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::time::{Duration, Instant};

fn raw(status: u16, content_type: &str, body: &str) -> FaultReply {
    FaultReply::Raw {
        status,
        content_type: content_type.into(),
        body: body.as_bytes().to_vec(),
    }
}

fn inject(fake: &FakePebble, method: &str, path: &str, reply: FaultReply) {
    fake.inject(Fault {
        method: Some(method.into()),
        path: path.into(),
        reply,
    });
}

/// A socket server that handles each connection with `handle`.
fn raw_server(handle: fn(UnixStream)) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pebble.socket");
    let listener = UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || handle(stream));
        }
    });
    (dir, path)
}

fn read_request(stream: &mut UnixStream) {
    let mut buf = [0u8; 4096];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn a_4xx_answer_is_an_api_error_with_code_status_message_and_kind() {
    let fake = FakePebble::start().unwrap();
    inject(
        &fake,
        "GET",
        "/v1/system-info",
        raw(
            403,
            "application/json",
            r#"{"type":"error","status-code":403,"status":"Forbidden","result":{"message":"access denied","kind":"login-required"}}"#,
        ),
    );
    let err = fake.client().get_system_info().unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.code, 403);
    assert_eq!(api.status, "Forbidden");
    assert_eq!(api.message, "access denied");
    assert_eq!(api.kind.as_deref(), Some("login-required"));
    assert_eq!(api.body["status-code"], 403);
    assert_eq!(err.to_string(), "access denied");
    // The fault was one-shot.
    assert!(fake.client().get_system_info().is_ok());
}

#[test]
fn a_5xx_answer_without_json_is_still_an_api_error() {
    let fake = FakePebble::start().unwrap();
    inject(
        &fake,
        "GET",
        "/v1/plan",
        raw(502, "text/html", "<h1>bad gateway</h1>"),
    );
    let err = fake.client().get_plan().unwrap_err();
    let api = err.as_api().expect("an API error");
    assert_eq!(api.code, 502);
    assert_eq!(api.status, "Bad Gateway");
    assert!(
        api.message.starts_with("JSONDecodeError - "),
        "{}",
        api.message
    );
    assert_eq!(api.body, json!({}));
    assert_eq!(api.kind, None);
}

#[test]
fn malformed_json_and_wrong_content_types_are_protocol_errors() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    inject(
        &fake,
        "GET",
        "/v1/system-info",
        raw(200, "application/json", "{not json"),
    );
    let err = client.get_system_info().unwrap_err();
    assert!(
        matches!(&err, Error::Protocol(m) if m.starts_with("invalid JSON")),
        "{err:?}"
    );

    inject(
        &fake,
        "GET",
        "/v1/system-info",
        raw(200, "text/plain", "{}"),
    );
    let err = client.get_system_info().unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected Content-Type 'application/json', got 'text/plain'"
    );

    // Valid JSON of the wrong shape.
    inject(
        &fake,
        "GET",
        "/v1/services",
        raw(
            200,
            "application/json",
            r#"{"type":"sync","result":{"oops":1}}"#,
        ),
    );
    assert!(matches!(
        client.get_services::<&str>(&[]),
        Err(Error::Protocol(_))
    ));
    // An async answer without a change id.
    inject(
        &fake,
        "POST",
        "/v1/services",
        raw(202, "application/json", r#"{"type":"async","result":null}"#),
    );
    assert!(matches!(client.replan_services(), Err(Error::Protocol(_))));
}

#[test]
fn a_pull_answer_that_is_not_multipart_is_a_protocol_error() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    fake.push_file("/f", b"data").unwrap();
    inject(
        &fake,
        "GET",
        "/v1/files",
        raw(200, "application/json", "{}"),
    );
    let err = client.pull("/f").unwrap_err();
    assert!(
        matches!(&err, Error::Protocol(m) if m.contains("multipart/form-data")),
        "{err:?}"
    );

    let body = "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/other\"\r\n\r\nx\r\n--b--\r\n";
    inject(
        &fake,
        "GET",
        "/v1/files",
        raw(200, "multipart/form-data; boundary=b", body),
    );
    assert_eq!(
        client.pull("/f").unwrap_err().to_string(),
        "path not expected: /other"
    );

    let body = "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"/f\"\r\n\r\nx\r\n--b--\r\n";
    inject(
        &fake,
        "GET",
        "/v1/files",
        raw(200, "multipart/form-data; boundary=b", body),
    );
    assert_eq!(
        client.pull("/f").unwrap_err().to_string(),
        "no \"response\" field in multipart body"
    );

    let body = "--b\r\nContent-Disposition: form-data; name=\"response\"\r\n\r\n{\"result\":[{\"path\":\"/f\"}]}\r\n--b--\r\n";
    inject(
        &fake,
        "GET",
        "/v1/files",
        raw(200, "multipart/form-data; boundary=b", body),
    );
    assert_eq!(
        client.pull("/f").unwrap_err().to_string(),
        "no file content in multipart response"
    );

    let body = "--b\r\nContent-Disposition: form-data; name=\"surprise\"\r\n\r\nx\r\n--b--\r\n";
    inject(
        &fake,
        "GET",
        "/v1/files",
        raw(200, "multipart/form-data; boundary=b", body),
    );
    assert!(client
        .pull("/f")
        .unwrap_err()
        .to_string()
        .contains("surprise"));

    // A push answer without the path is a protocol error too.
    inject(
        &fake,
        "POST",
        "/v1/files",
        raw(200, "application/json", r#"{"result":[]}"#),
    );
    let err = client
        .push("/g", &b"x"[..], &PushOptions::default())
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("path not found in response metadata"),
        "{err}"
    );
    // And the real thing still works.
    assert_eq!(client.pull("/f").unwrap(), b"data");
}

#[test]
fn a_missing_socket_is_a_connection_error() {
    let dir = tempfile::tempdir().unwrap();
    let client = Client::new(dir.path().join("pebble.socket"));
    let err = client.get_system_info().unwrap_err();
    assert!(err.is_connection(), "{err:?}");
    assert!(
        err.to_string().contains("cannot connect to Pebble at"),
        "{err}"
    );

    // An unreachable fake (juju-sim's can_connect: false) too.
    let fake = FakePebble::start().unwrap();
    fake.set_can_connect(false);
    assert!(fake.client().get_system_info().unwrap_err().is_connection());
    fake.set_can_connect(true);
    assert!(fake.client().get_system_info().is_ok());
}

#[test]
fn a_dropped_connection_is_a_connection_error() {
    let (_dir, path) = raw_server(|mut s| {
        read_request(&mut s);
        drop(s);
    });
    let err = Client::new(&path).get_system_info().unwrap_err();
    assert!(err.is_connection(), "{err:?}");

    // Dropped half-way through the answer.
    let (_dir2, path2) = raw_server(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"type\":");
    });
    let err = Client::new(&path2).get_system_info().unwrap_err();
    assert!(
        matches!(err, Error::Connection(_) | Error::Protocol(_)),
        "{err:?}"
    );
}

#[test]
fn garbage_instead_of_http_is_a_protocol_error() {
    let (_dir, path) = raw_server(|mut s| {
        read_request(&mut s);
        let _ = s.write_all(b"SSH-2.0-OpenSSH\r\n\r\n");
    });
    let err = Client::new(&path).get_system_info().unwrap_err();
    assert!(matches!(err, Error::Protocol(_)), "{err:?}");
}

#[test]
fn a_silent_server_times_out() {
    let (_dir, path) = raw_server(|mut s| {
        read_request(&mut s);
        std::thread::sleep(Duration::from_secs(5));
    });
    let started = Instant::now();
    let err = Client::with_timeout(&path, Duration::from_millis(300))
        .get_system_info()
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn waiting_for_a_slow_change_loops_over_the_wait_endpoint_until_the_deadline() {
    let fake = FakePebble::start().unwrap();
    let id = ChangeId(fake.add_pending_change("start", "Start service \"web\""));
    // Socket timeout 2 s: each wait asks for at most 1 s.
    let client = Client::with_timeout(fake.socket_path(), Duration::from_secs(2));
    let started = Instant::now();
    let err = client
        .wait_change(
            &id,
            Some(Duration::from_millis(1500)),
            Duration::from_millis(50),
        )
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(&err, Error::Timeout(m) if m.contains(&format!("change {id}"))),
        "{err:?}"
    );
    assert!(elapsed >= Duration::from_millis(1400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    let waits: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/wait"))
        .collect();
    assert_eq!(waits.len(), 2);
    assert_eq!(waits[0].query_values("timeout"), ["1.000s"]);
    assert!(waits[1].query_values("timeout")[0].starts_with("0."));

    // Finished meanwhile: the wait returns it.
    let fake = std::sync::Arc::new(fake);
    let finisher = {
        let fake = fake.clone();
        let id = id.0.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            fake.finish_change(&id);
        })
    };
    let change = client
        .wait_change(
            &id,
            Some(Duration::from_secs(10)),
            Duration::from_millis(50),
        )
        .unwrap();
    assert!(change.ready);
    assert_eq!(change.status, "Done");
    finisher.join().unwrap();
}

#[test]
fn without_a_wait_endpoint_the_change_is_polled() {
    let fake = FakePebble::start().unwrap();
    let id = fake.add_pending_change("start", "Start service \"web\"");
    inject(
        &fake,
        "GET",
        &format!("/v1/changes/{id}/wait"),
        raw(
            404,
            "application/json",
            r#"{"type":"error","status-code":404,"status":"Not Found","result":{"message":"invalid API endpoint requested"}}"#,
        ),
    );
    let fake = std::sync::Arc::new(fake);
    {
        let fake = fake.clone();
        let id = id.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(250));
            fake.finish_change(&id);
        });
    }
    let change = fake
        .client()
        .wait_change(
            &ChangeId(id.clone()),
            Some(Duration::from_secs(5)),
            Duration::from_millis(50),
        )
        .unwrap();
    assert!(change.ready);
    let polls = fake
        .requests()
        .iter()
        .filter(|r| r.path == format!("/v1/changes/{id}"))
        .count();
    assert!(polls >= 2, "{polls} polls");

    // Polling has a deadline too.
    let id2 = fake.add_pending_change("stop", "Stop service \"web\"");
    inject(
        &fake,
        "GET",
        &format!("/v1/changes/{id2}/wait"),
        raw(404, "application/json", "{}"),
    );
    let err = fake
        .client()
        .wait_change(
            &ChangeId(id2),
            Some(Duration::from_millis(300)),
            Duration::from_millis(50),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)));
}

#[test]
fn a_failed_service_change_is_a_change_error_with_task_logs() {
    let fake = FakePebble::start().unwrap();
    let id = fake.add_pending_change("start", "Start service \"web\"");
    fake.fail_change(
        &id,
        "cannot perform the following tasks:\n- Start service \"web\" (exited quickly)",
        &["2024-01-01T00:00:00Z ERROR exited quickly", "second line"],
    );
    inject(
        &fake,
        "POST",
        "/v1/services",
        raw(
            202,
            "application/json",
            &format!(r#"{{"type":"async","status-code":202,"change":"{id}","result":null}}"#),
        ),
    );
    let err = fake.client().start_services(&["web"]).unwrap_err();
    let Error::Change(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(e.change.status, "Error");
    assert_eq!(
        err.to_string(),
        "cannot perform the following tasks:\n- Start service \"web\" (exited quickly)\n----- Logs from task 0 -----\n2024-01-01T00:00:00Z ERROR exited quickly\nsecond line\n-----"
    );
    // Without logs, just the error.
    let plain = ChangeError {
        err: "boom".into(),
        change: e.change.clone(),
    };
    let mut no_logs = plain.clone();
    no_logs.change.tasks[0].log.clear();
    assert_eq!(no_logs.to_string(), "boom");
}

#[test]
fn a_websocket_failure_reports_the_change_error() {
    let fake = std::sync::Arc::new(FakePebble::start().unwrap());
    fake.add_exec_rule(ExecRule::new(&["x"], 0, "", ""));
    // The first exec's task is "1": refuse its control websocket, and fail the change.
    inject(
        &fake,
        "GET",
        "/v1/tasks/1/websocket/control",
        raw(400, "application/json", "{}"),
    );
    let failer = {
        let fake = fake.clone();
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(10);
            while fake.state().exec_calls.is_empty() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            fake.fail_change(
                "1",
                "cannot perform the following tasks:\n- exec failed",
                &[],
            );
        })
    };
    let err = fake.client().exec(["x"]).output().unwrap_err();
    failer.join().unwrap();
    assert!(
        matches!(&err, Error::Change(e) if e.err.ends_with("exec failed")),
        "{err:?}"
    );
}
