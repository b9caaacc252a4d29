//! The Pebble data model: layers with ops' merge and Pebble's combine rules, the plan, and the
//! decoding of Pebble's answers (unknown enum values kept, octal permissions, Go durations).

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::pebble::{
    Change, Check, CheckInfo, CheckLevel, ExecError, FileInfo, FileType, Layer, Notice, NoticeType,
    Override, Plan, Service, ServiceInfo, ServiceStartup, ServiceStatus,
};
use serde_json::json;
use std::time::Duration;

#[test]
fn a_layer_reads_and_writes_pebble_yaml() {
    let yaml = "summary: s\ndescription: d\nservices:\n  web:\n    override: replace\n    command: /bin/web\n    startup: enabled\n    after: [db]\n    environment: {A: '1'}\n    user-id: 0\n    on-check-failure: {alive: restart}\n    backoff-factor: 1.5\n    kill-delay: 5s\nchecks:\n  alive:\n    override: replace\n    level: alive\n    period: 10s\n    threshold: 5\n    http: {url: 'http://localhost/'}\nlog-targets:\n  loki:\n    override: replace\n    type: loki\n";
    let layer = Layer::from_yaml(yaml).unwrap();
    let web = &layer.services["web"];
    assert_eq!(web.r#override, Override::Replace);
    assert_eq!(web.startup, ServiceStartup::Enabled);
    assert_eq!(web.after, ["db"]);
    assert_eq!(web.user_id, Some(0));
    assert_eq!(web.on_check_failure["alive"], "restart");
    assert_eq!(web.backoff_factor, Some(1.5));
    assert_eq!(web.kill_delay, "5s");
    let alive = &layer.checks["alive"];
    assert_eq!(alive.level, CheckLevel::Alive);
    assert_eq!(alive.threshold, Some(5));
    assert_eq!(alive.http.as_ref().unwrap()["url"], "http://localhost/");
    assert_eq!(layer.log_targets["loki"]["type"], "loki");

    // Empty fields are left out; the round trip keeps everything.
    let out = layer.to_yaml();
    assert!(out.contains("user-id: 0"), "{out}");
    assert!(!out.contains("group"), "{out}");
    assert!(!out.contains("before"), "{out}");
    assert_eq!(Layer::from_yaml(&out).unwrap(), layer);
    assert_eq!(Layer::from_yaml("").unwrap(), Layer::default());
    assert_eq!(Layer::from_yaml("~").unwrap(), Layer::default());
    assert!(Layer::from_yaml("services: [1, 2]").is_err());
    assert_eq!(Layer::default().to_yaml().trim(), "{}");

    // Unknown enum values are kept.
    let odd =
        Layer::from_yaml("services:\n  x:\n    override: merge\n    startup: sometimes\n").unwrap();
    assert_eq!(
        odd.services["x"].startup,
        ServiceStartup::Other("sometimes".into())
    );
    assert!(odd.to_yaml().contains("startup: sometimes"));
}

#[test]
fn services_merge_as_ops_merges_them() {
    let mut base = Service {
        summary: "base".into(),
        command: "/bin/a".into(),
        after: vec!["x".into()],
        environment: [("A".to_string(), "1".to_string())].into(),
        user_id: Some(1),
        ..Service::default()
    };
    let other = Service {
        r#override: Override::Merge,
        command: "/bin/b".into(),
        after: vec!["y".into()],
        requires: vec!["z".into()],
        environment: [
            ("B".to_string(), "2".to_string()),
            ("A".to_string(), "3".to_string()),
        ]
        .into(),
        ..Service::default()
    };
    base.merge(&other);
    assert_eq!(base.summary, "base", "empty fields change nothing");
    assert_eq!(base.command, "/bin/b");
    assert_eq!(base.after, ["x", "y"]);
    assert_eq!(base.requires, ["z"]);
    assert_eq!(base.environment["A"], "3");
    assert_eq!(base.environment["B"], "2");
    assert_eq!(base.user_id, Some(1));
    assert_eq!(base.r#override, Override::Merge);

    let mut check = Check {
        period: "10s".into(),
        http: Some(json!({"url": "http://a/"}).as_object().cloned().unwrap()),
        ..Check::default()
    };
    check.merge(&Check {
        threshold: Some(2),
        http: Some(json!({"headers": {"X": "y"}}).as_object().cloned().unwrap()),
        ..Check::default()
    });
    assert_eq!(check.period, "10s");
    assert_eq!(check.threshold, Some(2));
    assert_eq!(check.http.as_ref().unwrap().len(), 2);
}

#[test]
fn layers_combine_by_override() {
    let mut layer = Layer::from_yaml(
        "summary: one\nservices:\n  web:\n    override: replace\n    command: a\n    after: [x]\n",
    )
    .unwrap();
    let merge = Layer::from_yaml(
        "services:\n  web:\n    override: merge\n    after: [y]\n  new:\n    override: merge\n    command: n\n",
    )
    .unwrap();
    layer.combine("l", &merge).unwrap();
    assert_eq!(layer.services["web"].after, ["x", "y"]);
    assert_eq!(layer.services["web"].command, "a");
    assert_eq!(layer.services["new"].command, "n");
    assert_eq!(layer.summary, "one");

    let replace = Layer::from_yaml(
        "summary: two\nservices:\n  web:\n    override: replace\n    command: b\n",
    )
    .unwrap();
    layer.combine("l", &replace).unwrap();
    assert!(layer.services["web"].after.is_empty());
    assert_eq!(layer.summary, "two");

    let bad = Layer::from_yaml("services:\n  web:\n    command: c\n").unwrap();
    assert_eq!(
        layer.combine("l", &bad).unwrap_err().to_string(),
        "layer \"l\" must define \"override\" for service \"web\""
    );
}

#[test]
fn the_plan_reads_pebble_yaml() {
    let plan = Plan::from_yaml(
        "services:\n    web:\n        startup: enabled\n        override: replace\n        command: /usr/bin/webserver --port 8080\n        environment:\n            GREETING: hello\nchecks:\n    up:\n        override: replace\n        threshold: 3\n        tcp:\n            port: 80\n",
    )
    .unwrap();
    assert_eq!(
        plan.services["web"].command,
        "/usr/bin/webserver --port 8080"
    );
    assert_eq!(plan.checks["up"].threshold, Some(3));
    assert_eq!(Plan::from_yaml("{}\n").unwrap(), Plan::default());
    assert!(matches!(
        Plan::from_yaml("services: 3"),
        Err(ops_core::pebble::Error::Protocol(_))
    ));
    assert_eq!(Plan::from_yaml(&plan.to_yaml()).unwrap(), plan);
}

#[test]
fn answers_decode() {
    let info: ServiceInfo =
        serde_json::from_value(json!({"name": "web", "startup": "enabled", "current": "backoff"}))
            .unwrap();
    assert_eq!(info.current, ServiceStatus::Backoff);
    assert!(!info.is_running());
    let info: ServiceInfo =
        serde_json::from_value(json!({"name": "web", "current": "zombie"})).unwrap();
    assert_eq!(info.current, ServiceStatus::Other("zombie".into()));
    assert_eq!(info.startup, ServiceStartup::Unset);
    assert_eq!(info.current.to_string(), "zombie");

    let check: CheckInfo = serde_json::from_value(
        json!({"name": "c", "status": "down", "failures": 3, "threshold": 3, "successes": 0, "change-id": "7"}),
    )
    .unwrap();
    assert_eq!(check.level, CheckLevel::Unset);
    assert_eq!(check.change_id.as_deref(), Some("7"));

    let file: FileInfo = serde_json::from_value(json!({
        "path": "/x", "name": "x", "type": "named-pipe", "permissions": "4755",
        "last-modified": "2024-01-01T00:00:00Z"
    }))
    .unwrap();
    assert_eq!(file.file_type, FileType::NamedPipe);
    assert_eq!(file.permissions, 0o4755);
    assert_eq!(file.size, None);
    assert!(serde_json::from_value::<FileInfo>(
        json!({"path": "/x", "name": "x", "type": "file", "permissions": "9z"})
    )
    .is_err());
    assert_eq!(serde_json::to_value(&file).unwrap()["permissions"], "4755");

    let notice: Notice = serde_json::from_value(json!({
        "id": "1", "type": "change-update", "key": "12", "first-occurred": "t",
        "last-occurred": "t", "last-repeated": "t", "occurrences": 1,
        "repeat-after": "1m30s", "expire-after": "168h0m0s"
    }))
    .unwrap();
    assert_eq!(notice.notice_type, NoticeType::ChangeUpdate);
    assert_eq!(notice.repeat_after, Some(Duration::from_secs(90)));
    assert_eq!(notice.user_id, None);

    let change: Change = serde_json::from_value(json!({
        "id": "3", "kind": "exec", "summary": "s", "status": "Done", "ready": true,
        "spawn-time": "t", "tasks": [{"id": "4", "kind": "exec", "status": "Done", "data": {"exit-code": 2}}]
    }))
    .unwrap();
    assert_eq!(change.tasks[0].data["exit-code"], 2);
    assert_eq!(change.err, None);
}

#[test]
fn exec_errors_read_as_ops_2_1_1() {
    let err = ExecError {
        command: vec!["sh".into(), "-c".into(), "echo 'hi'".into()],
        exit_code: 1,
        stdout: Some(b"it's\n".to_vec()),
        stderr: None,
    };
    assert_eq!(
        err.to_string(),
        "non-zero exit code 1 executing ['sh', '-c', \"echo 'hi'\"], stdout=\"it's\\n\""
    );
    let long = ExecError {
        command: vec!["x".into()],
        exit_code: 3,
        stdout: Some(vec![b'a'; 1100]),
        stderr: Some(vec![0xff]),
    };
    let text = long.to_string();
    assert!(text.contains(&format!("stdout='{}' [truncated]", "a".repeat(1024))));
    assert!(text.ends_with(", stderr=b'\\xff'"));
    let bare = ExecError {
        command: vec!["x".into()],
        exit_code: -1,
        stdout: None,
        stderr: None,
    };
    assert_eq!(bare.to_string(), "non-zero exit code -1 executing ['x']");
}
