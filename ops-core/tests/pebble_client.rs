//! The Pebble client against the fake Pebble of ops-testing: every API call, its request shape
//! and its answer.

#![allow(clippy::unwrap_used)] // a test fails on the first unexpected error

use ops_core::pebble::{
    ChangeId, ChangeState, CheckLevel, CheckStatus, Client, Layer, NoticeType, NoticesFilter,
    NotifyOptions, Override, Service, ServiceAction, ServiceStartup, ServiceStatus, WarningState,
};
use ops_testing::pebble::FakePebble;
use serde_json::json;
use std::time::Duration;

fn web_layer(port: u16, greeting: &str) -> Layer {
    let mut layer = Layer {
        summary: "web server layer".into(),
        ..Layer::default()
    };
    layer.services.insert(
        "web".into(),
        Service {
            r#override: Override::Replace,
            summary: "the web server".into(),
            command: format!("/usr/bin/webserver --port {port}"),
            startup: ServiceStartup::Enabled,
            environment: [("GREETING".to_string(), greeting.to_string())].into(),
            ..Service::default()
        },
    );
    layer
}

#[test]
fn system_info_is_a_get_asking_for_json() {
    let fake = FakePebble::start().unwrap();
    let info = fake.client().get_system_info().unwrap();
    assert_eq!(info.version, "v1.32.1");
    assert_eq!(
        info.boot_id.as_deref(),
        Some("00000000-0000-4000-8000-000000000000")
    );
    let req = fake.last_request("/v1/system-info").unwrap();
    assert_eq!(req.method, "GET");
    assert_eq!(req.header("accept"), Some("application/json"));
    assert!(req.body.is_empty());
}

#[test]
fn warnings_are_gone_from_pebble_1_32() {
    // Pebble v1.32 removed /v1/warnings: the client's calls are answered 404.
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let err = client.get_warnings(WarningState::All).unwrap_err();
    assert_eq!(err.api_code(), Some(404), "{err}");
    assert_eq!(
        fake.last_request("/v1/warnings")
            .unwrap()
            .query_values("select"),
        ["all"]
    );
    let err = client.ack_warnings("2024-01-01T00:00:00Z").unwrap_err();
    assert_eq!(err.api_code(), Some(404), "{err}");
    let req = fake.last_request("/v1/warnings").unwrap();
    assert_eq!(req.method, "POST");
    assert_eq!(req.header("content-type"), Some("application/json"));
    assert_eq!(
        req.json(),
        json!({"action": "okay", "timestamp": "2024-01-01T00:00:00Z"})
    );
}

#[test]
fn layers_combine_and_the_plan_reads_back() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    client
        .add_layer("web", &web_layer(8080, "hello"), false)
        .unwrap();
    let req = fake.last_request("/v1/layers").unwrap();
    let body = req.json();
    assert_eq!(body["action"], "add");
    assert_eq!(body["label"], "web");
    assert_eq!(body["combine"], false);
    assert_eq!(body["format"], "yaml");
    assert_eq!(
        Layer::from_yaml(body["layer"].as_str().unwrap()).unwrap(),
        web_layer(8080, "hello")
    );

    // The same label again is refused unless combined.
    let err = client
        .add_layer("web", &web_layer(9090, "hi"), false)
        .unwrap_err();
    assert_eq!(err.api_code(), Some(400));
    assert_eq!(err.to_string(), "layer \"web\" already exists");
    client
        .add_layer("web", &web_layer(9090, "hi"), true)
        .unwrap();

    let plan = client.get_plan().unwrap();
    assert_eq!(
        fake.last_request("/v1/plan")
            .unwrap()
            .query_values("format"),
        ["yaml"]
    );
    let web = &plan.services["web"];
    assert_eq!(web.command, "/usr/bin/webserver --port 9090");
    assert_eq!(web.environment["GREETING"], "hi");
    assert_eq!(web.startup, ServiceStartup::Enabled);
    assert_eq!(fake.state().layers.len(), 1);

    // A merge layer extends the service.
    let merge = Layer::from_yaml(
        "services:\n  web:\n    override: merge\n    environment:\n      EXTRA: '1'\n    after: [db]\n",
    )
    .unwrap();
    client.add_layer("extra", &merge, false).unwrap();
    let web = client.get_plan().unwrap().services["web"].clone();
    assert_eq!(web.environment.len(), 2);
    assert_eq!(web.after, ["db"]);
    assert_eq!(web.command, "/usr/bin/webserver --port 9090");
}

#[test]
fn an_invalid_layer_is_an_api_error() {
    let fake = FakePebble::start().unwrap();
    let err = fake
        .client()
        .add_layer_yaml("bad", "services:\n  web:\n    command: x\n", false)
        .unwrap_err();
    let api = err.as_api().unwrap();
    assert_eq!(api.code, 400);
    assert_eq!(api.status, "Bad Request");
    assert_eq!(
        api.message,
        "layer \"bad\" must define \"override\" for service \"web\""
    );
    assert_eq!(api.body["type"], "error");
}

#[test]
fn services_start_stop_restart_and_replan() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    client
        .add_layer("web", &web_layer(8080, "hello"), false)
        .unwrap();

    let id = client.replan_services().unwrap();
    let req = fake.last_request("/v1/services").unwrap();
    assert_eq!(req.json(), json!({"action": "replan", "services": []}));
    // The change was waited for, through the wait endpoint.
    let wait = fake
        .last_request(&format!("/v1/changes/{id}/wait"))
        .unwrap();
    assert_eq!(wait.query_values("timeout"), ["4.000s"]);
    let services = client.get_services::<&str>(&[]).unwrap();
    assert_eq!(services.len(), 1);
    assert!(services[0].is_running());
    assert_eq!(services[0].startup, ServiceStartup::Enabled);

    client.stop_services(&["web"]).unwrap();
    assert_eq!(
        client.get_services(&["web"]).unwrap()[0].current,
        ServiceStatus::Inactive
    );
    assert_eq!(
        fake.last_request("/v1/services")
            .unwrap()
            .query_values("names"),
        ["web"]
    );
    client.start_services(&["web"]).unwrap();
    client.restart_services(&["web"]).unwrap();
    assert_eq!(
        fake.last_request("/v1/services").unwrap().json(),
        json!({"action": "restart", "services": ["web"]})
    );
    assert_eq!(
        fake.state().service_log,
        [
            "start web",
            "stop web",
            "start web",
            "stop web",
            "start web"
        ]
    );

    // Autostart with nothing to start is fine; without enabled services it is an error.
    client.autostart_services().unwrap();
    let fake2 = FakePebble::start().unwrap();
    let err = fake2.client().autostart_services().unwrap_err();
    assert_eq!(
        err.as_api().unwrap().kind.as_deref(),
        Some("no-default-services")
    );

    let err = client.start_services(&["nope"]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot start services: service \"nope\" does not exist"
    );
}

#[test]
fn a_service_action_without_waiting_returns_the_change_id() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    client
        .add_layer("web", &web_layer(8080, "hello"), false)
        .unwrap();
    let id = client
        .services_action(ServiceAction::Start, &["web"], None)
        .unwrap();
    assert!(fake.requests().iter().all(|r| !r.path.ends_with("/wait")));
    let change = client.get_change(&id).unwrap();
    assert_eq!(change.kind, "start");
    assert_eq!(change.summary, "Start service \"web\"");
    assert!(change.ready);
    assert_eq!(change.status, "Done");
    assert_eq!(change.tasks.len(), 1);
    assert_eq!(change.tasks[0].kind, "start");
    assert_eq!(change.tasks[0].progress.total, 1);
    assert_eq!(change.spawn_time, "2024-01-01T00:00:00Z");
}

#[test]
fn changes_are_listed_by_state_and_service() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    client
        .add_layer("web", &web_layer(8080, "hello"), false)
        .unwrap();
    client.replan_services().unwrap();
    let pending = fake.add_pending_change("exec", "Execute command \"sleep\"");
    let all = client.get_changes(ChangeState::All, None).unwrap();
    assert_eq!(all.len(), 2);
    let ready = client.get_changes(ChangeState::Ready, None).unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].kind, "replan");
    let in_progress = client.get_changes(ChangeState::InProgress, None).unwrap();
    assert_eq!(in_progress.len(), 1);
    assert_eq!(in_progress[0].id, ChangeId(pending.clone()));
    let for_web = client.get_changes(ChangeState::All, Some("web")).unwrap();
    assert_eq!(for_web.len(), 1);
    let req = fake.last_request("/v1/changes").unwrap();
    assert_eq!(req.query_values("select"), ["all"]);
    assert_eq!(req.query_values("for"), ["web"]);

    // Abort the pending one.
    let aborted = client.abort_change(&ChangeId(pending.clone())).unwrap();
    assert_eq!(aborted.status, "Error");
    assert!(aborted.ready);
    assert_eq!(
        fake.last_request(&format!("/v1/changes/{pending}"))
            .unwrap()
            .json(),
        json!({"action": "abort"})
    );
    let err = client.abort_change(&ChangeId(pending)).unwrap_err();
    assert_eq!(err.api_code(), Some(400));
}

#[test]
fn checks_are_listed_started_and_stopped() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let layer = Layer::from_yaml(
        "checks:\n  up:\n    override: replace\n    level: alive\n    tcp: {port: 80}\n  ready:\n    override: replace\n    level: ready\n    http: {url: 'http://localhost/'}\n",
    )
    .unwrap();
    client.add_layer("checks", &layer, false).unwrap();
    let checks = client.get_checks::<&str>(None, &[]).unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[1].name, "up");
    assert_eq!(checks[1].level, CheckLevel::Alive);
    assert_eq!(checks[1].status, CheckStatus::Up);
    assert_eq!(checks[1].threshold, 3);

    let alive = client
        .get_checks(Some(CheckLevel::Alive), &["up", "ready"])
        .unwrap();
    assert_eq!(alive.len(), 1);
    let req = fake.last_request("/v1/checks").unwrap();
    assert_eq!(req.query_values("level"), ["alive"]);
    assert_eq!(req.query_values("names"), ["up", "ready"]);

    assert_eq!(client.stop_checks(&["up"]).unwrap(), ["up"]);
    assert_eq!(
        fake.last_request("/v1/checks").unwrap().json(),
        json!({"action": "stop", "checks": ["up"]})
    );
    assert_eq!(client.stop_checks(&["up"]).unwrap(), Vec::<String>::new());
    assert_eq!(
        client.get_checks(None, &["up"]).unwrap()[0].status,
        CheckStatus::Inactive
    );
    assert_eq!(client.start_checks(&["up"]).unwrap(), ["up"]);
    let err = client.start_checks(&["nope", "up", "gone"]).unwrap_err();
    assert_eq!(err.api_code(), Some(400));
    assert_eq!(
        err.to_string(),
        "cannot start checks: cannot find checks in plan: gone, nope"
    );
    let err = client.stop_checks::<&str>(&[]).unwrap_err();
    assert_eq!(err.to_string(), "must specify checks for stop action");
}

#[test]
fn notices_are_added_listed_and_fetched() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    let options = NotifyOptions {
        data: [("a".to_string(), "1".to_string())].into(),
        repeat_after: Some(Duration::from_secs(60)),
    };
    let id = client
        .notify(NoticeType::Custom, "example.com/ready", &options)
        .unwrap();
    assert_eq!(
        fake.last_request("/v1/notices").unwrap().json(),
        json!({"action": "add", "type": "custom", "key": "example.com/ready", "data": {"a": "1"}, "repeat-after": "60.000s"})
    );
    let again = client
        .notify(
            NoticeType::Custom,
            "example.com/ready",
            &NotifyOptions::default(),
        )
        .unwrap();
    assert_eq!(id, again);
    client
        .notify(
            NoticeType::Custom,
            "example.com/other",
            &NotifyOptions::default(),
        )
        .unwrap();

    let notice = client.get_notice(&id).unwrap();
    assert_eq!(notice.key, "example.com/ready");
    assert_eq!(notice.notice_type, NoticeType::Custom);
    assert_eq!(notice.occurrences, 2);
    assert_eq!(notice.expire_after, Some(Duration::from_secs(168 * 3600)));
    assert!(notice.last_data.is_empty());

    let filter = NoticesFilter {
        types: vec![NoticeType::Custom],
        keys: vec!["example.com/other".into()],
        ..NoticesFilter::default()
    };
    let notices = client.get_notices(&filter).unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].key, "example.com/other");
    let req = fake.last_request("/v1/notices").unwrap();
    assert_eq!(req.query_values("types"), ["custom"]);
    assert_eq!(req.query_values("keys"), ["example.com/other"]);
    assert_eq!(
        client.get_notices(&NoticesFilter::default()).unwrap().len(),
        2
    );

    let err = client.get_notice("99").unwrap_err();
    assert_eq!(err.api_code(), Some(404));
    assert!(client.get_notice("../x").is_err());
    let err = client
        .notify(NoticeType::Custom, "bad key", &NotifyOptions::default())
        .unwrap_err();
    assert_eq!(err.api_code(), Some(400));
}

#[test]
fn signals_go_to_running_services() {
    let fake = FakePebble::start().unwrap();
    let client = fake.client();
    client
        .add_layer("web", &web_layer(8080, "hello"), false)
        .unwrap();
    let err = client.send_signal("SIGHUP", &["web"]).unwrap_err();
    assert_eq!(err.api_code(), Some(500));
    assert_eq!(
        err.to_string(),
        "cannot send signal to \"web\": service is not running"
    );
    client.replan_services().unwrap();
    client.send_signal("SIGHUP", &["web"]).unwrap();
    assert_eq!(
        fake.last_request("/v1/signals").unwrap().json(),
        json!({"signal": "SIGHUP", "services": ["web"]})
    );
    assert_eq!(fake.state().signals[0].signal, "SIGHUP");
    assert_eq!(ops_core::pebble::signal_name(15), Some("SIGTERM"));
    assert_eq!(ops_core::pebble::signal_name(1), Some("SIGHUP"));
    assert_eq!(ops_core::pebble::signal_name(0), None);
    assert_eq!(ops_core::pebble::signal_name(64), None);
}

#[test]
fn a_client_has_a_socket_and_a_timeout() {
    let client = Client::with_timeout("/nowhere/pebble.socket", Duration::from_secs(2));
    assert_eq!(client.timeout(), Duration::from_secs(2));
    assert_eq!(
        client.socket_path(),
        std::path::Path::new("/nowhere/pebble.socket")
    );
    assert_eq!(
        Client::new("/x").timeout(),
        ops_core::pebble::DEFAULT_TIMEOUT
    );
}
