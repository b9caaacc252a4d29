//! The client against the fake Pebble where both must answer as Pebble v1.32.1 does: the
//! expected texts are Pebble's own (internals/daemon, overlord and osutil of its v1.32.1 source),
//! for exec, services, checks, signals, notices, files and layers; then the endpoints the client
//! gained with it (identities, health, logs, check refresh, waiting for notices).

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::pebble::{
    BasicIdentity, CheckLevel, Client, Error, Identity, IdentityAccess, Layer, LocalIdentity,
    LogCount, MakeDirOptions, NoticeType, NoticesFilter, NotifyOptions, PushOptions, ServiceAction,
    ServiceStatus,
};
use ops_testing::pebble::{ExecRule, FakePebble, LayerRecord};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const LAYER: &str = "services:
    web:
        override: replace
        command: /bin/web
        startup: enabled
    worker:
        override: replace
        command: /bin/worker
        on-failure: ignore
checks:
    up:
        override: replace
        level: alive
        tcp:
            port: 80
    ready:
        override: replace
        level: ready
        http:
            url: http://localhost/
";

fn with_layer() -> (FakePebble, Client) {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    client.add_layer_yaml("base", LAYER, false).unwrap();
    (fake, client)
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

/// A raw request to the fake (for what the client does not expose): status and JSON body.
fn raw(fake: &FakePebble, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let mut s = std::os::unix::net::UnixStream::connect(fake.socket_path()).unwrap();
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
    let json = answer.split_once("\r\n\r\n").unwrap().1;
    (status, serde_json::from_str(json).unwrap())
}

// ---- exec

#[test]
fn exec_resolves_users_homes_and_working_directories() {
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["id"], 0, "", ""));
    fake.push_file(
        "/etc/passwd",
        b"root:x:0:0:root:/root:/bin/bash\nweb:x:1000:1000::/home/web:/bin/sh\n",
    )
    .unwrap();
    let client = fake.client();
    // F4: a user whose home is missing (nobody's /nonexistent).
    let err = client.exec(["id"]).user("nobody").run().unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot call exec: home directory \"/nonexistent\" does not exist".into()
        )
    );
    let err = client.exec(["id"]).user("web").run().unwrap_err();
    assert_eq!(
        api(&err).1,
        "cannot call exec: home directory \"/home/web\" does not exist"
    );
    // F5: a missing working directory.
    let err = client.exec(["id"]).working_dir("/x").run().unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot call exec: working directory \"/x\" does not exist".into()
        )
    );
    let err = client.exec(["id"]).user("ghost").run().unwrap_err();
    assert_eq!(api(&err), (400, "user: unknown user ghost".into()));
    // F6: the default working directory is the user's $HOME.
    std::fs::create_dir_all(fake.host_path("/home/web")).unwrap();
    client.exec(["id"]).user("web").run().unwrap();
    let (status, answer) = raw(
        &fake,
        "POST",
        "/v1/exec",
        &json!({"command": ["id"], "user": "web", "environment": {"A": "1"}}),
    );
    assert_eq!(status, 202);
    assert_eq!(answer["result"]["working-dir"], "/home/web");
    assert_eq!(answer["result"]["environment"]["HOME"], "/home/web");
    assert_eq!(answer["result"]["environment"]["USER"], "web");
    assert_eq!(answer["result"]["environment"]["A"], "1");
    let (_, answer) = raw(&fake, "POST", "/v1/exec", &json!({"command": ["id"]}));
    assert_eq!(answer["result"]["working-dir"], "/root");
}

#[test]
fn an_aborted_exec_is_killed() {
    // F8: the change is `Abort` at once, then `Done` with the killed command's 137.
    let fake = FakePebble::start().unwrap();
    let mut rule = ExecRule::new(&["sleep"], 0, "never\n", "");
    rule.delay = Some(30.0);
    fake.add_exec_rule(rule);
    let client = fake.client();
    let started = Instant::now();
    let process = client.exec(["sleep", "30"]).spawn().unwrap();
    let id = process.change_id().clone();
    std::thread::sleep(Duration::from_millis(100));
    let change = client.abort_change(&id).unwrap();
    assert_eq!(change.status, "Abort");
    assert!(!change.ready);
    let err = process.wait_output().unwrap_err();
    let Error::Exec(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(e.exit_code, 137);
    assert_eq!(e.stdout.as_deref(), Some(&b""[..]));
    assert!(started.elapsed() < Duration::from_secs(10));
    let change = client.get_change(&id).unwrap();
    assert_eq!((change.status.as_str(), change.ready), ("Done", true));
    let err = client.abort_change(&id).unwrap_err();
    assert_eq!(
        api(&err).1,
        format!("cannot abort change {id} with nothing pending")
    );
}

#[test]
fn an_exec_aborted_before_its_websockets_connect_is_canceled() {
    // As Pebble: `Abort` at once, then `Error` with `context canceled`, no exit code.
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["sleep"], 0, "", ""));
    let client = fake.client();
    let (status, answer) = raw(
        &fake,
        "POST",
        "/v1/exec",
        &json!({"command": ["sleep", "30"]}),
    );
    assert_eq!(status, 202);
    let id = answer["change"].as_str().unwrap().to_string();
    let (status, answer) = raw(
        &fake,
        "POST",
        &format!("/v1/changes/{id}"),
        &json!({"action": "abort"}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        (&answer["result"]["status"], &answer["result"]["ready"]),
        (&json!("Abort"), &json!(false))
    );
    let change = client
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
fn exec_sends_the_service_context() {
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["true"], 0, "", ""));
    fake.client()
        .exec(["true"])
        .service_context("web")
        .run()
        .unwrap();
    let req = fake.last_request("/v1/exec").unwrap().json();
    assert_eq!(req["service-context"], "web");
    fake.client().exec(["true"]).run().unwrap();
    let req = fake.last_request("/v1/exec").unwrap().json();
    assert!(req.get("service-context").is_none());
}

// ---- services, checks, signals, notices

#[test]
fn a_service_that_exits_at_once_fails_its_start_and_backs_off() {
    // F3.
    let (fake, client) = with_layer();
    fake.fail_service_start("web", Some(1));
    let err = client.start_services(&["web"]).unwrap_err();
    let Error::Change(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(
        e.err,
        "cannot perform the following tasks:\n- Start service \"web\" (service start attempt: exited quickly with code 1, will restart)"
    );
    // Its task's log: the attempt's output (none), then the error.
    assert_eq!(
        log_messages(&e.change.tasks[0].log),
        [
            "INFO Most recent service output:\n    ",
            "ERROR service start attempt: exited quickly with code 1, will restart"
        ]
    );
    let web = &client.get_services(&["web"]).unwrap()[0];
    assert_eq!(web.current, ServiceStatus::Backoff);
    assert!(web.current_since.is_some());
    // on-failure: ignore leaves it in error.
    fake.fail_service_start("worker", Some(2));
    let err = client.start_services(&["worker"]).unwrap_err();
    assert!(
        err.to_string()
            .contains("exited quickly with code 2, will ignore"),
        "{err}"
    );
    assert_eq!(
        client.get_services(&["worker"]).unwrap()[0].current,
        ServiceStatus::Error
    );
    fake.fail_service_start("web", None);
    client.start_services(&["web"]).unwrap();
    assert!(client.get_services(&["web"]).unwrap()[0].is_running());
}

#[test]
fn service_actions_are_checked_as_pebble_checks_them() {
    // F20.
    let (_fake, client) = with_layer();
    let err = client
        .services_action(ServiceAction::Start, &[] as &[&str], None)
        .unwrap_err();
    assert_eq!(
        api(&err),
        (400, "must specify services for start action".into())
    );
    let (status, body) = raw(
        &_fake,
        "POST",
        "/v1/services",
        &json!({"action": "x", "services": ["web"]}),
    );
    assert_eq!(
        (status, body["result"]["message"].clone()),
        (400, json!("invalid action \"x\""))
    );
    let (_, body) = raw(
        &_fake,
        "POST",
        "/v1/services",
        &json!({"action": "replan", "services": ["web"]}),
    );
    assert_eq!(body["result"]["message"], "replan accepts no service names");
    // current-since appears once a service changed state.
    assert_eq!(
        client.get_services(&["web"]).unwrap()[0].current_since,
        None
    );
    client.replan_services().unwrap();
    assert!(client.get_services(&["web"]).unwrap()[0]
        .current_since
        .is_some());
}

#[test]
fn signals_are_checked_per_service() {
    // F11.
    let (_fake, client) = with_layer();
    client.replan_services().unwrap();
    let err = client.send_signal("SIGFOO", &["web"]).unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot send signal to \"web\": invalid signal name \"SIGFOO\"".into()
        )
    );
    let err = client
        .send_signal("SIGHUP", &["web", "worker"])
        .unwrap_err();
    assert_eq!(
        api(&err),
        (
            500,
            "cannot send signal to \"worker\": service is not running".into()
        )
    );
    client.send_signal("SIGHUP", &["web"]).unwrap();
    // Each service is tried; the errors are joined.
    let err = client
        .send_signal("SIGFOO", &["web", "nonexist"])
        .unwrap_err();
    assert_eq!(
        api(&err).1,
        "cannot send signal to \"web\": invalid signal name \"SIGFOO\"; cannot send signal to \"nonexist\": service is not running"
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
        let (got, answer) = raw(&_fake, "POST", path, &body);
        assert_eq!(
            (got, answer["result"]["message"].as_str()),
            (status, Some(message)),
            "{path} {body}"
        );
    }
}

#[test]
fn only_custom_notices_can_be_added() {
    // F12.
    let fake = FakePebble::start().unwrap();
    let err = fake
        .client()
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
}

#[test]
fn waiting_for_notices_returns_when_one_comes() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let filter = NoticesFilter {
        keys: vec!["example.com/ready".into()],
        ..NoticesFilter::default()
    };
    let started = Instant::now();
    assert!(client
        .wait_notices(&filter, Duration::from_millis(300))
        .unwrap()
        .is_empty());
    assert!(started.elapsed() >= Duration::from_millis(300));
    let req = fake.last_request("/v1/notices").unwrap();
    assert_eq!(req.query_values("keys"), ["example.com/ready"]);
    assert_eq!(req.query_values("timeout").len(), 1);

    let notifier = fake.client();
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
    let started = Instant::now();
    let notices = client
        .wait_notices(&filter, Duration::from_secs(20))
        .unwrap();
    let id = t.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].id, id);
}

#[test]
fn health_and_check_refresh() {
    let (fake, client) = with_layer();
    assert!(client.get_health::<&str>(None, &[]).unwrap());
    fake.set_check_status("up", "down");
    assert!(!client.get_health::<&str>(None, &[]).unwrap());
    // `ready` includes the alive checks; the names narrow it.
    assert!(!client
        .get_health::<&str>(Some(CheckLevel::Ready), &[])
        .unwrap());
    assert!(client.get_health(None, &["ready"]).unwrap());
    let req = fake.last_request("/v1/health").unwrap();
    assert_eq!(req.query_values("names"), ["ready"]);

    let refreshed = client.refresh_check("up").unwrap();
    assert_eq!(refreshed.info.name, "up");
    assert!(refreshed.error.is_some());
    assert_eq!(client.refresh_check("ready").unwrap().error, None);
    let err = client.refresh_check("nope").unwrap_err();
    assert_eq!(
        api(&err),
        (404, "cannot find check with name \"nope\"".into())
    );
}

// ---- identities and logs

#[test]
fn identities_are_added_listed_updated_and_removed() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
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
    client.add_identities(&both).unwrap();
    let listed = client.get_identities().unwrap();
    assert_eq!(listed["alice"], alice);
    // Secrets are not shown back.
    assert_eq!(listed["bob"].basic.as_ref().unwrap().password, "*****");
    let err = client.add_identities(&both).unwrap_err();
    assert_eq!(
        api(&err),
        (400, "identities already exist: alice, bob".into())
    );

    let mut read_alice = alice.clone();
    read_alice.access = IdentityAccess::Read;
    client
        .update_identities(&[("alice".to_string(), read_alice.clone())].into())
        .unwrap();
    assert_eq!(client.get_identities().unwrap()["alice"], read_alice);
    // One identity per local user ID.
    let err = client
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
    client
        .replace_identities(
            &[
                ("bob".to_string(), None),
                ("carol".to_string(), Some(carol)),
            ]
            .into(),
        )
        .unwrap();
    let names: Vec<String> = client.get_identities().unwrap().into_keys().collect();
    assert_eq!(names, ["alice", "carol"]);
    client.remove_identities(&["alice", "carol"]).unwrap();
    assert!(client.get_identities().unwrap().is_empty());
    let err = client.remove_identities(&["alice"]).unwrap_err();
    assert_eq!(api(&err).1, "identities do not exist: alice");
    assert_eq!(
        fake.last_request("/v1/identities").unwrap().json(),
        json!({"action": "remove", "identities": {"alice": null}})
    );
    let bad = Identity {
        access: IdentityAccess::Other("root".into()),
        local: Some(LocalIdentity { user_id: 0 }),
        basic: None,
        cert: None,
    };
    let err = client
        .add_identities(&[("x".to_string(), bad)].into())
        .unwrap_err();
    assert_eq!(
        api(&err).1,
        "invalid identity for \"x\": invalid access value \"root\", must be \"admin\", \"read\", \"metrics\", or \"untrusted\""
    );
}

#[test]
fn service_logs_are_read_and_followed() {
    let (fake, client) = with_layer();
    for i in 0..40 {
        fake.add_service_log(
            if i % 2 == 0 { "web" } else { "worker" },
            &format!("line {i}\n"),
        );
    }
    let last = client.get_service_logs(&[], LogCount::Default).unwrap();
    assert_eq!(last.len(), 30);
    assert_eq!(last[29].message, "line 39");
    assert_eq!(last[29].service, "worker");
    let web = client
        .get_service_logs(&["web"], LogCount::Last(2))
        .unwrap();
    let messages: Vec<&str> = web.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages, ["line 36", "line 38"]);
    assert_eq!(
        client.get_service_logs(&[], LogCount::All).unwrap().len(),
        40
    );
    let req = fake.last_request("/v1/logs").unwrap();
    assert_eq!(req.query_values("n"), ["-1"]);

    let mut stream = client
        .follow_service_logs(&["web"], LogCount::Last(1))
        .unwrap();
    assert_eq!(stream.next().unwrap().unwrap().message, "line 38");
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        fake.add_service_log("worker", "not followed");
        fake.add_service_log("web", "new line");
        std::thread::sleep(Duration::from_millis(300));
        fake
    });
    let entry = stream.next().unwrap().unwrap();
    assert_eq!(
        (entry.service.as_str(), entry.message.as_str()),
        ("web", "new line")
    );
    drop(stream);
    drop(writer.join().unwrap());
}

// ---- files

#[test]
fn file_errors_are_pebbles() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    fake.push_file("/f", b"x").unwrap();
    // Issue 16: a path under a regular file is ENOTDIR, a generic error.
    let err = client.pull("/f/x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - stat /f/x: not a directory"
    );
    let err = client.list_files("/f/x", None, false).unwrap_err();
    assert_eq!(api(&err), (400, "stat /f/x: not a directory".into()));
    assert_eq!(
        err.as_api().unwrap().kind.as_deref(),
        Some("generic-file-error")
    );
    assert!(!err.is_not_found());
    // F17: relative paths.
    let err = client.pull("x").unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - paths must be absolute, got \"x\""
    );
    let err = client.remove_path("x", false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - paths must be absolute, got \"x\""
    );
    let err = client.list_files("x", None, false).unwrap_err();
    assert_eq!(api(&err), (400, "path must be absolute, got \"x\"".into()));
    // F18: a malformed pattern.
    let err = client.list_files("/", Some("[x"), false).unwrap_err();
    assert_eq!(api(&err), (400, "syntax error in pattern".into()));
    let names: Vec<String> = client
        .list_files("/", Some("[^r]"), false)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(names, ["f"]);
    // F13: a recursive remove of a missing path succeeds; a plain one does not.
    client.remove_path("/missing", true).unwrap();
    let err = client.remove_path("/missing", false).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not-found - remove /missing: no such file or directory"
    );
    // mkdir of an existing file.
    let err = client
        .make_dir("/f", &MakeDirOptions::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - mkdir /f: not a directory"
    );
}

#[test]
fn push_permissions_are_three_octal_digits() {
    // F14 (and issue 16: above 0o777 is refused).
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    for bad in [0o1755, 0o7777] {
        let err = client
            .push(
                "/p",
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
    assert!(!client.exists("/p").unwrap());
    client
        .push(
            "/p",
            &b"x"[..],
            &PushOptions {
                permissions: Some(0o600),
                ..PushOptions::default()
            },
        )
        .unwrap();
    assert_eq!(
        client.list_files("/p", None, false).unwrap()[0].permissions,
        0o600
    );
}

#[test]
fn owners_are_kept_and_listed_with_names() {
    // F19 and issue 16.
    let fake = FakePebble::start().unwrap();
    fake.push_file(
        "/etc/passwd",
        b"root:x:0:0:root:/root:/bin/bash\nweb:x:1000:1001::/home/web:/bin/sh\n",
    )
    .unwrap();
    fake.push_file("/etc/group", b"root:x:0:\nwebgrp:x:1001:\n")
        .unwrap();
    let client = fake.client();
    client
        .push(
            "/srv/a/f",
            &b"x"[..],
            &PushOptions {
                make_dirs: true,
                user: Some("web".into()),
                ..PushOptions::default()
            },
        )
        .unwrap();
    let info = &client.list_files("/srv/a/f", None, false).unwrap()[0];
    assert_eq!(
        (
            info.user_id,
            info.user.as_deref(),
            info.group_id,
            info.group.as_deref()
        ),
        (Some(1000), Some("web"), Some(1001), Some("webgrp"))
    );
    // The directories made for it are the user's too.
    let dir = &client.list_files("/srv/a", None, true).unwrap()[0];
    assert_eq!(dir.user.as_deref(), Some("web"));
    client
        .make_dir(
            "/d",
            &MakeDirOptions {
                user_id: Some(4242),
                group_id: Some(4242),
                ..MakeDirOptions::default()
            },
        )
        .unwrap();
    let d = &client.list_files("/d", None, true).unwrap()[0];
    // An id without a name has an empty name, as Go's user lookup leaves it.
    assert_eq!((d.user_id, d.user.as_deref()), (Some(4242), Some("")));
    let root = &client.list_files("/etc/passwd", None, false).unwrap()[0];
    assert_eq!(
        (root.user.as_deref(), root.group.as_deref()),
        (Some("root"), Some("root"))
    );
    let err = client
        .push(
            "/x",
            &b"x"[..],
            &PushOptions {
                group: Some("webgrp".into()),
                ..PushOptions::default()
            },
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "generic-file-error - cannot look up user and group: must specify user, not just group"
    );
}

#[test]
fn pulled_paths_with_backslashes_round_trip() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    for path in [r"/a\b", r"/c\", "/q\"uote", r"/d\\e"] {
        client
            .push(path, path.as_bytes(), &PushOptions::default())
            .unwrap();
        assert_eq!(fake.read_file(path).unwrap(), path.as_bytes(), "{path}");
        assert_eq!(client.pull(path).unwrap(), path.as_bytes(), "{path}");
    }
}

#[test]
fn a_failing_local_reader_is_a_local_error() {
    struct Broken;
    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk on fire"))
        }
    }
    let fake = FakePebble::start().unwrap();
    let err = fake
        .client()
        .push("/p", Broken, &PushOptions::default())
        .unwrap_err();
    let Error::Io(e) = &err else {
        panic!("unexpected {err:?}")
    };
    assert_eq!(e.to_string(), "disk on fire");
}

// ---- layers

#[test]
fn layers_keep_what_the_client_does_not_know() {
    let yaml = "summary: s
services:
    web:
        override: replace
        command: /bin/web
        workload: app
        future-field: [1, 2]
checks:
    up:
        override: replace
        tcp:
            port: 80
        future: yes
workloads:
    app:
        override: replace
        user: web
        environment:
            A: '1'
";
    let layer = Layer::from_yaml(yaml).unwrap();
    assert_eq!(layer.services["web"].workload, "app");
    let again = Layer::from_yaml(&layer.to_yaml()).unwrap();
    assert_eq!(again, layer);
    let as_value = |text: &str| serde_yaml::from_str::<serde_yaml::Value>(text).unwrap();
    assert_eq!(as_value(&layer.to_yaml()), as_value(yaml));

    // Pebble refuses fields it does not know; it knows `workload:` and `workloads:`.
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let mut layer = layer;
    layer.services.get_mut("web").unwrap().extra.clear();
    layer.checks.get_mut("up").unwrap().extra.clear();
    // `workloads:` is immutable once Pebble runs (only its startup layers define it); a
    // refused layer is not kept.
    let err = client.add_layer("l", &layer, false).unwrap_err();
    assert_eq!(
        api(&err),
        (400, "cannot change immutable section \"workloads\"".into())
    );
    assert!(client.get_plan().unwrap().services.is_empty());
    let workloads = layer.extra.remove("workloads").unwrap();
    let err = client.add_layer("l", &layer, false).unwrap_err();
    assert_eq!(
        api(&err),
        (
            400,
            "workload \"app\": not defined for service \"web\"".into()
        )
    );
    assert!(fake.state().layers.is_empty());
    // From a startup layer (the fake's state), services may use it.
    let mut state = fake.state();
    state.layers.push(LayerRecord {
        label: "startup".into(),
        layer: json!({ "workloads": workloads.clone() }),
    });
    fake.set_state(state);
    client.add_layer("l", &layer, false).unwrap();
    let plan = client.get_plan().unwrap();
    assert_eq!(plan.services["web"].workload, "app");
    assert_eq!(plan.extra["workloads"]["app"]["user"], "web");
    // The same workloads again change nothing, so they are accepted.
    let mut same = Layer::default();
    same.extra.insert("workloads".into(), workloads);
    client.add_layer("same", &same, false).unwrap();
}

#[test]
fn add_layer_refuses_what_pebble_refuses() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let err = client
        .add_layer_yaml(
            "l",
            "services:\n    web:\n        override: replace\n        command: x\n        backoff-delay: 5\n",
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
    let err = client
        .add_layer_yaml("l", "nonsense: {}\n", false)
        .unwrap_err();
    assert_eq!(
        api(&err).1,
        "cannot parse layer YAML: cannot parse layer \"l\": unknown section \"nonsense\""
    );
    // A layer making an invalid plan is refused and not kept: its label stays free.
    let err = client
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
    client
        .add_layer_yaml(
            "l",
            "services:\n    web:\n        override: replace\n        command: x\n        backoff-delay: 5s\n        backoff-factor: 2\n",
            false,
        )
        .unwrap();
}

#[test]
fn changes_answer_as_pebble() {
    let fake = FakePebble::start().unwrap();
    let id = fake.add_pending_change("x", "slow");
    let (status, body) = raw(
        &fake,
        "GET",
        &format!("/v1/changes/{id}/wait?timeout=0.100s"),
        &json!({}),
    );
    assert_eq!(
        (status, body["result"]["message"].clone()),
        (504, json!("timed out waiting for change after 100ms"))
    );
    let (status, body) = raw(
        &fake,
        "POST",
        &format!("/v1/changes/{id}"),
        &json!({"action": "x"}),
    );
    assert_eq!(
        (status, body["result"]["message"].clone()),
        (400, json!("invalid action \"x\""))
    );
    let err = fake
        .client()
        .get_changes(ops_core::pebble::ChangeState::Other("bogus".into()), None)
        .unwrap_err();
    assert_eq!(
        api(&err),
        (400, "select should be one of: all,in-progress,ready".into())
    );
    // The client's own waits go on past the 504s of its slices.
    let client = Client::with_timeout(fake.socket_path(), Duration::from_millis(1500));
    let started = Instant::now();
    let err = client
        .wait_change(
            &id.as_str().into(),
            Some(Duration::from_millis(2500)),
            Duration::from_millis(50),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(2500));
}
