//! The model's `Container` over the fake Pebble: ops' Container API, its errors as
//! `ModelError`, and the restart fallback of old Pebbles.

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::model::{Container, ModelError};
use ops_core::pebble::{self, Layer, MakeDirOptions, PushOptions};
use ops_testing::pebble::{ExecRule, FakePebble, Fault, FaultReply};
use serde_json::json;

fn layer() -> Layer {
    Layer::from_yaml(
        "services:\n  web:\n    override: replace\n    command: /bin/web\n    startup: enabled\n  db:\n    override: replace\n    command: /bin/db\nchecks:\n  alive:\n    override: replace\n    level: alive\n    exec: {command: 'true'}\n",
    )
    .unwrap()
}

fn container(fake: &FakePebble) -> Container {
    Container::new("web", fake.socket_path())
}

#[test]
fn a_container_talks_to_its_socket() {
    let fake = FakePebble::start().unwrap();
    let c = container(&fake);
    assert_eq!(c.name(), "web");
    assert_eq!(c.socket_path(), fake.socket_path());
    assert_eq!(format!("{c:?}"), "<Container web>");
    assert_eq!(c, container(&fake));
    assert!(c.can_connect());
    fake.set_can_connect(false);
    assert!(!c.can_connect());
    assert!(matches!(c.replan(), Err(ModelError::Pebble(e)) if e.is_connection()));
}

#[test]
fn the_socket_dir_defaults_to_charm_containers() {
    // Only this test reads the variable.
    std::env::remove_var(Container::SOCKET_DIR_ENV);
    assert_eq!(
        Container::socket_dir(),
        std::path::Path::new("/charm/containers")
    );
    std::env::set_var(Container::SOCKET_DIR_ENV, "/tmp/sockets");
    assert_eq!(
        Container::socket_dir(),
        std::path::Path::new("/tmp/sockets")
    );
    std::env::remove_var(Container::SOCKET_DIR_ENV);
}

#[test]
fn services_layers_and_plan() {
    let fake = FakePebble::start().unwrap();
    let c = container(&fake);
    c.add_layer("base", &layer(), false).unwrap();
    assert_eq!(c.get_plan().unwrap().services.len(), 2);
    c.replan().unwrap();
    assert!(c.get_service("web").unwrap().is_running());
    assert!(!c.get_service("db").unwrap().is_running());
    c.start(&["db"]).unwrap();
    c.stop(&["web"]).unwrap();
    let all = c.get_services(&[]).unwrap();
    assert_eq!(all.keys().collect::<Vec<_>>(), ["db", "web"]);
    assert!(all["db"].is_running());
    c.autostart().unwrap();
    assert!(c.get_service("web").unwrap().is_running());
    c.restart(&["web", "db"]).unwrap();
    assert_eq!(
        fake.last_request("/v1/services").unwrap().json(),
        json!({"action": "restart", "services": ["web", "db"]})
    );

    match c.get_service("nope") {
        Err(ModelError::NotFound(m)) => assert_eq!(m, "service 'nope' not found"),
        other => panic!("unexpected {other:?}"),
    }
    for result in [
        c.start(&[]),
        c.stop(&[]),
        c.restart(&[]),
        c.send_signal("SIGHUP", &[]),
    ] {
        assert!(matches!(result, Err(ModelError::Invalid(_))));
    }
    c.send_signal("SIGHUP", &["web"]).unwrap();
    assert_eq!(fake.state().signals.len(), 1);
}

#[test]
fn restart_falls_back_to_stop_and_start_on_a_400() {
    let fake = FakePebble::start().unwrap();
    let c = container(&fake);
    c.add_layer("base", &layer(), false).unwrap();
    c.replan().unwrap();
    fake.inject(Fault {
        method: Some("POST".into()),
        path: "/v1/services".into(),
        reply: FaultReply::Raw {
            status: 400,
            content_type: "application/json".into(),
            body: br#"{"type":"error","status-code":400,"status":"Bad Request","result":{"message":"action \"restart\" is unsupported"}}"#.to_vec(),
        },
    });
    fake.clear_requests();
    c.restart(&["web", "db"]).unwrap();
    let actions: Vec<serde_json::Value> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/services" && r.method == "POST")
        .map(|r| r.json())
        .collect();
    assert_eq!(
        actions,
        [
            json!({"action": "restart", "services": ["web", "db"]}),
            json!({"action": "stop", "services": ["web"]}),
            json!({"action": "start", "services": ["web", "db"]}),
        ]
    );
    assert!(c.get_service("db").unwrap().is_running());

    // Other errors are not retried.
    fake.inject(Fault {
        method: Some("POST".into()),
        path: "/v1/services".into(),
        reply: FaultReply::Raw {
            status: 500,
            content_type: "application/json".into(),
            body: br#"{"type":"error","result":{"message":"internal"}}"#.to_vec(),
        },
    });
    match c.restart(&["web"]) {
        Err(ModelError::Pebble(e)) => assert_eq!(e.api_code(), Some(500)),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn checks() {
    let fake = FakePebble::start().unwrap();
    let c = container(&fake);
    c.add_layer("base", &layer(), false).unwrap();
    let check = c.get_check("alive").unwrap();
    assert_eq!(check.level, pebble::CheckLevel::Alive);
    assert_eq!(c.get_checks(None, &[]).unwrap().len(), 1);
    assert_eq!(c.stop_checks(&["alive"]).unwrap(), ["alive"]);
    assert_eq!(c.start_checks(&["alive"]).unwrap(), ["alive"]);
    assert!(
        matches!(c.get_check("zzz"), Err(ModelError::NotFound(m)) if m == "check 'zzz' not found")
    );
}

#[test]
fn files() {
    let fake = FakePebble::start().unwrap();
    let c = container(&fake);
    c.push(
        "/etc/app/conf",
        "key: value\n".as_bytes(),
        &PushOptions {
            make_dirs: true,
            ..PushOptions::default()
        },
    )
    .unwrap();
    assert_eq!(c.pull("/etc/app/conf").unwrap(), b"key: value\n");
    assert_eq!(c.pull_text("/etc/app/conf").unwrap(), "key: value\n");
    assert!(c.exists("/etc/app/conf").unwrap());
    assert!(c.isdir("/etc/app").unwrap());
    assert_eq!(c.list_files("/etc/app", None, false).unwrap().len(), 1);
    c.make_dir(
        "/var/x",
        &MakeDirOptions {
            make_parents: true,
            ..MakeDirOptions::default()
        },
    )
    .unwrap();
    c.remove_path("/var/x", false).unwrap();
    assert!(!c.exists("/var/x").unwrap());
    match c.pull("/nope") {
        Err(ModelError::Pebble(pebble::Error::Path(p))) => assert_eq!(p.kind, "not-found"),
        other => panic!("unexpected {other:?}"),
    }

    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("f"), b"f").unwrap();
    c.push_path(&[local.path().join("f")], "/in").unwrap();
    c.pull_path(&["/in/f"], local.path().join("out")).unwrap();
    assert_eq!(std::fs::read(local.path().join("out/f")).unwrap(), b"f");
}

#[test]
fn exec_and_notices() {
    let fake = FakePebble::start().unwrap();
    fake.add_exec_rule(ExecRule::new(&["whoami"], 0, "root\n", ""));
    let c = container(&fake);
    let out = c.exec(["whoami"]).output().unwrap();
    assert_eq!(out.stdout_text(), "root\n");
    // As Pebble: a missing executable is refused when the command is spawned.
    let err = c.exec(["nope"]).output().unwrap_err();
    assert_eq!(err.api_code(), Some(400));
    assert_eq!(err.to_string(), "cannot find executable \"nope\"");

    let id = c
        .pebble()
        .notify(
            pebble::NoticeType::Custom,
            "example.com/x",
            &pebble::NotifyOptions::default(),
        )
        .unwrap();
    assert_eq!(c.get_notice(&id).unwrap().key, "example.com/x");
    assert_eq!(
        c.get_notices(&pebble::NoticesFilter::default())
            .unwrap()
            .len(),
        1
    );
}
