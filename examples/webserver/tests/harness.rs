//! The webserver charm, driven with the [`Harness`]: its `web` container is a fake Pebble on a
//! Unix socket of the test, reached by the charm's production `Container`.

use ops_core::pebble::ServiceStatus;
use ops_core::stored::StoredState;
use ops_core::Status;
use ops_testing::{Harness, HarnessError};
use serde_json::json;
use webserver::Config;
use webserver::{config_file, web_layer, Webserver, CONFIG_PATH};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A begun harness whose `web` container is up (pebble-ready ran).
fn ready() -> Result<Harness<Webserver>, HarnessError> {
    let mut h = Harness::<Webserver>::new();
    h.begin()?;
    h.container_pebble_ready("web")?;
    Ok(h)
}

#[test]
fn pebble_ready_adds_the_layer_replans_and_goes_active() -> TestResult {
    let h = ready()?;
    let plan = h.get_container_pebble_plan("web")?;
    let web = &plan.services["web"];
    assert_eq!(web.command, "/usr/bin/webserver --port 8080");
    assert_eq!(web.environment["GREETING"], "hello");
    assert_eq!(
        h.get_container_layers("web")?,
        [("web".to_string(), web_layer(8080, "hello"))]
    );
    assert_eq!(h.service_status("web", "web")?, Some(ServiceStatus::Active));
    assert_eq!(h.pebble("web")?.state().service_log, ["start web"]);
    assert_eq!(h.unit_status(), Status::active("serving on 8080"));
    Ok(())
}

#[test]
fn config_changed_pushes_the_config_file_and_restarts() -> TestResult {
    let mut h = ready()?;
    h.update_config_with(|c: &mut Config| {
        c.port = 9090;
        c.greeting = "hi \"there\"".into();
    })?;
    let pushed = String::from_utf8(h.pull_container_file("web", CONFIG_PATH)?)?;
    // Exactly Python's `json.dumps(config, sort_keys=True) + "\n"`.
    assert_eq!(
        pushed,
        "{\"greeting\": \"hi \\\"there\\\"\", \"port\": 9090}\n"
    );
    assert_eq!(pushed, config_file(9090, "hi \"there\""));
    let plan = h.get_container_pebble_plan("web")?;
    assert_eq!(
        plan.services["web"].command,
        "/usr/bin/webserver --port 9090"
    );
    assert_eq!(
        h.pebble("web")?.state().service_log,
        ["start web", "stop web", "start web"],
        "pebble-ready started it, config-changed restarted it"
    );
    assert_eq!(h.service_status("web", "web")?, Some(ServiceStatus::Active));
    assert_eq!(h.unit_status(), Status::active("serving on 9090"));
    assert_eq!(h.charm()?.restarts, 1);
    assert!(h
        .juju_log()
        .iter()
        .any(|r| r.level == "INFO" && r.message == "web service restarted (1 restarts)"));
    Ok(())
}

#[test]
fn config_changed_is_deferred_while_pebble_is_unreachable() -> TestResult {
    let mut h = Harness::<Webserver>::new();
    h.begin()?;
    h.update_config([("port", 8081)])?;
    assert_eq!(h.unit_status(), Status::waiting("waiting for Pebble"));
    assert_eq!(h.deferred().len(), 1);
    assert_eq!(h.deferred()[0].event.name, "config_changed");
    assert!(h.pull_container_file("web", CONFIG_PATH).is_err());
    assert_eq!(h.charm()?.restarts, 0);

    // Still down: the deferred event is re-run by update-status and deferred again.
    h.emit_hook("update-status")?;
    assert_eq!(h.deferred().len(), 1);

    // A second config-changed while the first waits: that one is re-emitted (deferred again) and
    // stands for the new one, whose handler does not run (ops ≥ 2.18): one status-set, not two.
    let calls = h.tool_calls().len();
    h.update_config([("greeting", "salut")])?;
    let status_sets = h.tool_calls()[calls..]
        .iter()
        .filter(|c| c.argv.first().map(String::as_str) == Some("status-set"))
        .count();
    assert_eq!(status_sets, 1);
    assert_eq!(h.hook_reports().last().map(|r| r.handler_calls), Some(1));
    let infos: Vec<_> = h
        .juju_log()
        .into_iter()
        .filter(|r| r.level == "INFO")
        .map(|r| r.message)
        .collect();
    assert_eq!(
        infos,
        ["Skipping notice (Webserver/on/config_changed[2]/Webserver/on_config_changed) - already in the queue."]
    );
    assert_eq!(h.deferred().len(), 1);

    // Pebble comes up: the deferred config-changed runs before pebble-ready.
    h.container_pebble_ready("web")?;
    assert!(h.deferred().is_empty());
    assert_eq!(
        String::from_utf8(h.pull_container_file("web", CONFIG_PATH)?)?,
        config_file(8081, "salut")
    );
    assert_eq!(h.charm()?.restarts, 1);
    assert_eq!(h.unit_status(), Status::active("serving on 8081"));
    Ok(())
}

#[test]
fn update_status_reports_the_service() -> TestResult {
    let mut h = ready()?;
    h.set_service_status("web", "web", ServiceStatus::Inactive)?;
    h.emit_hook("update-status")?;
    assert_eq!(
        h.unit_status(),
        Status::maintenance("web service not running")
    );
    h.set_can_connect("web", false)?;
    h.emit_hook("update-status")?;
    assert_eq!(h.unit_status(), Status::waiting("waiting for Pebble"));
    Ok(())
}

#[test]
fn the_run_action_returns_the_output() -> TestResult {
    let mut h = ready()?;
    h.handle_exec("web", &["cat", "/etc/hostname"], 0, "web-0\n", "")?;
    let out = h.run_action("run", json!({"command": "cat /etc/hostname"}))?;
    assert_eq!(out.failure, None);
    assert_eq!(out.results["output"], "web-0\n");
    assert_eq!(out.results["exit-code"], "0");
    let calls = h.exec_calls("web")?;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].command, ["cat", "/etc/hostname"]);
    Ok(())
}

#[test]
fn the_run_action_fails_with_the_exit_code() -> TestResult {
    let mut h = ready()?;
    h.handle_exec("web", &["false"], 1, "", "it failed\n")?;
    let out = h.run_action("run", json!({"command": "false"}))?;
    let failure = out.failure.expect("the action failed");
    assert!(failure.contains("exit code 1"), "{failure}");
    assert!(out.results.is_empty());
    // A command the workload lacks: Pebble refuses it at spawn (an API error, 400), which
    // fails the hook as the uncaught APIError fails Python ops' charm.
    let err = h
        .run_action("run", json!({"command": "frobnicate --now"}))
        .expect_err("the hook fails");
    assert!(
        format!("{err:?}").contains("cannot find executable \\\"frobnicate\\\""),
        "{err:?}"
    );
    // Params are checked against actions.yaml.
    assert!(h.run_action("run", json!({})).is_err());
    Ok(())
}

#[test]
fn the_run_action_fails_the_hook_when_pebble_is_down() -> TestResult {
    let mut h = Harness::<Webserver>::new();
    h.begin()?;
    let err = h
        .run_action("run", json!({"command": "true"}))
        .expect_err("Pebble is down");
    let charm_err = err.charm_error().expect("the charm failed");
    assert_eq!(
        charm_err.action.as_ref().and_then(|a| a.failure.as_deref()),
        Some("exit status 1")
    );
    Ok(())
}

#[test]
fn stored_state_is_kept_on_the_controller() -> TestResult {
    let mut h = ready()?;
    h.update_config([("port", 8001)])?;
    h.update_config([("port", 8002)])?;
    assert_eq!(h.charm()?.restarts, 2);
    // The charm says `storage = "controller"`: state-set, not the local database.
    let controller = h.controller_state();
    let stored = controller
        .get(Webserver::KEY)
        .expect("the charm's state is on the controller");
    assert!(stored.contains("\"restarts\":2"), "{stored}");
    assert!(
        h.store().entries().is_empty(),
        "nothing in a local database"
    );
    assert!(h
        .tool_calls()
        .iter()
        .any(|c| c.argv[0] == "state-set" && c.exit == 0));
    Ok(())
}
