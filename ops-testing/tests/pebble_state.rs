//! Containers in state-transition tests: the input [`Container`] loads a fake Pebble, the
//! output reflects what the hook did to it.

mod k8s;

use k8s::*;
use ops_core::pebble::{CheckStatus, ServiceStatus};
use ops_core::Status;
use ops_testing::pebble::ExecRule;
use ops_testing::{Container, Context, Event, Rule, State, Storage};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn ctx() -> Context<K8sCharm> {
    Context::<K8sCharm>::new()
}

fn seen(state: &State, key: &str) -> String {
    state
        .stored_state::<K8sCharm>()
        .expect("the charm decodes")
        .seen
        .get(key)
        .cloned()
        .unwrap_or_else(|| format!("<{key} not seen>"))
}

#[test]
fn pebble_ready_leaves_the_layer_the_plan_and_a_running_service() -> TestResult {
    let app = Container::of::<App>();
    let out = ctx().run(
        Event::pebble_ready(&app),
        State::default().with_container(app),
    )?;
    let app = out.container("app").expect("the container stays");
    assert_eq!(app.layer("app"), Some(app_layer("hello")));
    assert_eq!(app.layers().len(), 1);
    assert_eq!(app.plan().services["app"].command, "/bin/app --serve");
    assert_eq!(app.service_status("app"), Some(ServiceStatus::Active));
    assert_eq!(app.services()["app"].startup, "enabled");
    assert_eq!(app.service_log(), ["start app"]);
    assert_eq!(app.file_text("/etc/app/motd"), Some("hello"));
    assert_eq!(out.unit_status(), &Status::active("app ready"));
    Ok(())
}

#[test]
fn a_running_service_with_an_unchanged_layer_is_left_alone() -> TestResult {
    let app = Container::of::<App>()
        .with_layer("app", &app_layer("hello"))
        .with_service_status("app", ServiceStatus::Active);
    assert_eq!(app.services()["app"].startup, "enabled");
    let out = ctx().run(
        Event::pebble_ready(&app),
        State::default().with_container(app),
    )?;
    let app = out.container("app").expect("the container stays");
    assert!(app.service_log().is_empty(), "{:?}", app.service_log());
    assert_eq!(app.service_status("app"), Some(ServiceStatus::Active));
    Ok(())
}

#[test]
fn config_changed_restarts_with_the_new_layer_and_file() -> TestResult {
    let app = Container::of::<App>()
        .with_layer("app", &app_layer("hello"))
        .with_service_status("app", ServiceStatus::Active)
        .with_file("/etc/app/motd", "hello");
    let state = State::default()
        .with_container(app)
        .with_config(|c: &mut k8scharm::Config| c.motd = "hej".into());
    let out = ctx().run(Event::config_changed(), &state)?;
    let app = out.container("app").expect("the container stays");
    assert_eq!(app.file_text("/etc/app/motd"), Some("hej"));
    assert_eq!(app.plan().services["app"].environment["MOTD"], "hej");
    assert_eq!(app.service_log(), ["stop app", "start app"]);
    assert_eq!(seen(&out, "config"), "hej");
    // The input is untouched.
    let before = state.container("app").expect("input");
    assert_eq!(before.file_text("/etc/app/motd"), Some("hello"));
    Ok(())
}

#[test]
fn an_unreachable_container_defers_config_changed() -> TestResult {
    let state = State::default().with_container(Container::of::<App>().with_can_connect(false));
    let out = ctx().run(Event::config_changed(), &state)?;
    assert_eq!(out.deferred().len(), 1);
    assert_eq!(out.deferred()[0].event_name(), "config_changed");
    assert_eq!(out.unit_status(), &Status::waiting("waiting for Pebble"));
    assert!(!out.container("app").is_some_and(Container::can_connect));
    // Next hook, Pebble is up: the deferred event runs first.
    let mut next = out.clone();
    next = next.with_container(Container::of::<App>());
    let out2 = ctx().run(Event::update_status(), &next)?;
    assert!(out2.deferred().is_empty());
    assert_eq!(seen(&out2, "config"), "hello");
    assert_eq!(
        out2.container("app")
            .and_then(|c| c.file_text("/etc/app/motd")),
        Some("hello")
    );
    Ok(())
}

#[test]
fn containers_absent_from_the_state_cannot_be_reached() -> TestResult {
    let state = State::default().with_container(Container::of::<App>());
    let out = ctx().run(Event::update_status(), &state)?;
    assert_eq!(seen(&out, "app-can-connect"), "true");
    assert_eq!(seen(&out, "sidecar-can-connect"), "false");
    Ok(())
}

#[test]
fn exec_results_and_calls() -> TestResult {
    let app = Container::of::<App>()
        .with_exec(&["hostname"], 0, "app-0\n", "")
        .with_exec_rule(ExecRule::new(&["true"], 0, "", ""));
    assert_eq!(app.exec_rules().len(), 2);
    let out = ctx().run(Event::update_status(), State::default().with_container(app))?;
    assert_eq!(seen(&out, "hostname"), "app-0\n");
    let app = out.container("app").expect("the container stays");
    let calls = app.exec_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].command, ["hostname", "-f"]);
    assert_eq!(app.pebble_state().exec_calls.len(), 1);

    // The calls are the run's own: running the output again records only the new call.
    let failing =
        out.clone()
            .with_container(app.clone().with_exec(&["hostname", "-f"], 2, "", "nope\n"));
    let out2 = ctx().run(Event::update_status(), &failing)?;
    assert_eq!(seen(&out2, "hostname"), "exit 2");
    assert_eq!(out2.container("app").map(|c| c.exec_calls().len()), Some(1));
    Ok(())
}

#[test]
fn service_and_check_statuses_are_loaded() -> TestResult {
    let app = Container::of::<App>()
        .with_layer("app", &app_layer("hello"))
        .with_service_status("app", ServiceStatus::Inactive)
        .with_check_status("alive", CheckStatus::Inactive);
    assert_eq!(app.check_statuses()["alive"], "inactive");
    let out = ctx().run(Event::update_status(), State::default().with_container(app))?;
    assert_eq!(seen(&out, "app-status"), "inactive");
    Ok(())
}

#[test]
fn storage_is_mounted_into_the_container() -> TestResult {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("seed"), "in the storage")?;
    let data = Storage::of::<Data>().with_location(dir.path());
    let app = Container::of::<App>();
    let state = State::default()
        .with_storage(data)
        .with_container(app.clone());
    let out = ctx().run(Event::pebble_ready(&app), &state)?;
    assert_eq!(seen(&out, "seed"), "in the storage");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("from-charm"))?,
        "written by the charm"
    );
    // Files in the mount belong to the storage, not to the container's image.
    let files = out
        .container("app")
        .map(|c| c.files().clone())
        .unwrap_or_default();
    assert!(
        files.keys().all(|p| !p.starts_with("/var/lib/app")),
        "{files:?}"
    );
    assert!(files.contains_key("/etc/app/motd"));
    // Without the storage, nothing is mounted.
    let out = ctx().run(
        Event::pebble_ready(&app),
        State::default().with_container(app.clone()),
    )?;
    assert_eq!(seen(&out, "seed"), "<seed not seen>");
    Ok(())
}

#[test]
fn the_checker_refuses_impossible_pebbles() {
    let bad_path = Container::of::<App>().with_file("etc/motd", "x");
    let err = ctx()
        .run(
            Event::update_status(),
            State::default().with_container(bad_path),
        )
        .expect_err("relative path");
    let found = err.inconsistency().expect("an inconsistency");
    assert!(found.rules().contains(&Rule::ContainerPebble), "{found}");

    let mut layer = app_layer("x");
    if let Some(s) = layer.services.get_mut("app") {
        s.command.clear();
    }
    let no_command = Container::of::<App>().with_layer("app", &layer);
    let err = ctx()
        .run(
            Event::update_status(),
            State::default().with_container(no_command),
        )
        .expect_err("no command");
    let found = err.inconsistency().expect("an inconsistency");
    assert!(found.to_string().contains("command"), "{found}");

    let unknown = Container::named("nope");
    let err = ctx()
        .run(
            Event::update_status(),
            State::default().with_container(unknown),
        )
        .expect_err("unknown container");
    assert!(err
        .inconsistency()
        .is_some_and(|f| f.rules().contains(&Rule::Container)));
}
