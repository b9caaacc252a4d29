//! The webserver charm, as state transitions: the input [`State`]'s `web` container loads a
//! fake Pebble; the output shows the layers, services, files and commands the hook left.

use ops_core::pebble::ServiceStatus;
use ops_core::Status;
use ops_testing::{Container, Context, Event, State};
use webserver::actions::{Run, RunParams};
use webserver::containers::Web;
use webserver::Config;
use webserver::{config_file, web_layer, Webserver, CONFIG_PATH};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn ctx() -> Context<Webserver> {
    Context::<Webserver>::new()
}

/// A `web` container serving the default config, as after pebble-ready.
fn serving() -> Container {
    Container::of::<Web>()
        .with_layer("web", &web_layer(8080, "hello"))
        .with_service_status("web", ServiceStatus::Active)
}

fn web(state: &State) -> &Container {
    state.container("web").expect("the web container")
}

#[test]
fn pebble_ready_adds_the_layer_replans_and_goes_active() -> TestResult {
    let container = Container::of::<Web>();
    let out = ctx().run(
        Event::pebble_ready(&container),
        State::default().with_container(container),
    )?;
    assert_eq!(web(&out).layer("web"), Some(web_layer(8080, "hello")));
    let plan = web(&out).plan();
    assert_eq!(
        plan.services["web"].command,
        "/usr/bin/webserver --port 8080"
    );
    assert_eq!(web(&out).service_status("web"), Some(ServiceStatus::Active));
    assert_eq!(web(&out).service_log(), ["start web"]);
    assert_eq!(out.unit_status(), &Status::active("serving on 8080"));
    Ok(())
}

#[test]
fn config_changed_pushes_the_config_file_and_restarts() -> TestResult {
    let state = State::default()
        .with_container(serving())
        .with_config(|c: &mut Config| {
            c.port = 9090;
            c.greeting = "grüß dich".into();
        });
    let out = ctx().run(Event::config_changed(), &state)?;
    assert_eq!(
        web(&out).file_text(CONFIG_PATH),
        Some("{\"greeting\": \"gr\\u00fc\\u00df dich\", \"port\": 9090}\n")
    );
    assert_eq!(
        web(&out).file_text(CONFIG_PATH),
        Some(config_file(9090, "grüß dich").as_str())
    );
    assert_eq!(web(&out).service_log(), ["stop web", "start web"]);
    assert_eq!(
        web(&out).plan().services["web"].environment["GREETING"],
        "grüß dich"
    );
    assert_eq!(out.unit_status(), &Status::active("serving on 9090"));
    assert_eq!(out.stored_state::<Webserver>()?.restarts, 1);
    Ok(())
}

#[test]
fn config_changed_is_deferred_while_pebble_is_unreachable() -> TestResult {
    let state = State::default().with_container(Container::of::<Web>().with_can_connect(false));
    let out = ctx().run(Event::config_changed(), &state)?;
    assert_eq!(out.unit_status(), &Status::waiting("waiting for Pebble"));
    assert_eq!(out.deferred().len(), 1);
    assert!(web(&out).files().is_empty());
    assert_eq!(out.stored_state::<Webserver>()?.restarts, 0);

    // Pebble is up at the next hook: pebble-ready runs the deferred event first.
    let container = Container::of::<Web>();
    let next = out.with_container(container.clone());
    let out = ctx().run(Event::pebble_ready(&container), &next)?;
    assert!(out.deferred().is_empty());
    assert_eq!(
        web(&out).file_text(CONFIG_PATH),
        Some(config_file(8080, "hello").as_str())
    );
    assert_eq!(out.stored_state::<Webserver>()?.restarts, 1);
    assert_eq!(out.unit_status(), &Status::active("serving on 8080"));
    Ok(())
}

/// What ops (≥ 2.18) logs when an event's handler is skipped because an equal event waits for it.
const SKIPPED: &str =
    "Skipping notice (Webserver/on/config_changed[2]/Webserver/on_config_changed) - already in the queue.";

#[test]
fn a_second_config_changed_while_the_first_waits_is_skipped_as_ops_does() -> TestResult {
    let ctx = ctx();
    let down = State::default().with_container(Container::of::<Web>().with_can_connect(false));
    let out = ctx.run(Event::config_changed(), &down)?;
    assert_eq!(out.deferred().len(), 1);

    // Still down: the waiting config-changed is re-emitted (and deferred again); the new one is
    // equal to it, so (as ops 3) its handler does not run: one status-set, not two.
    let out = ctx.run(Event::config_changed(), &out)?;
    let run = ctx.last_run();
    let status_sets = run
        .tool_calls
        .iter()
        .filter(|c| c.argv.first().map(String::as_str) == Some("status-set"))
        .count();
    assert_eq!(status_sets, 1);
    assert_eq!(run.report.map(|r| r.handler_calls), Some(1));
    assert!(
        run.juju_log
            .iter()
            .any(|r| r.level == "INFO" && r.message == SKIPPED),
        "{:?}",
        run.juju_log
    );
    assert_eq!(out.deferred().len(), 1);

    // Pebble is up: the one waiting event runs once.
    let container = Container::of::<Web>();
    let next = out.with_container(container.clone());
    let out = ctx.run(Event::pebble_ready(&container), &next)?;
    assert!(out.deferred().is_empty());
    assert_eq!(out.stored_state::<Webserver>()?.restarts, 1);
    // The deferred config-changed started it (pebble-ready's replan then had nothing to do).
    assert_eq!(web(&out).service_log(), ["start web"]);
    Ok(())
}

#[test]
fn update_status_reports_a_stopped_service() -> TestResult {
    let stopped = serving().with_service_status("web", ServiceStatus::Inactive);
    let out = ctx().run(
        Event::update_status(),
        State::default().with_container(stopped),
    )?;
    assert_eq!(
        out.unit_status(),
        &Status::maintenance("web service not running")
    );
    Ok(())
}

#[test]
fn the_run_action_returns_the_output() -> TestResult {
    let container = serving().with_exec(&["uname", "-a"], 0, "Linux web-0\n", "");
    let ctx = ctx();
    let out = ctx.run(
        Event::action::<Run>(RunParams {
            command: "uname -a".into(),
        }),
        State::default().with_container(container),
    )?;
    let action = ctx.action_output().expect("an action ran");
    assert_eq!(action.failure, None);
    assert_eq!(action.results["output"], "Linux web-0\n");
    assert_eq!(action.results["exit-code"], "0");
    let calls = web(&out).exec_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].command, ["uname", "-a"]);
    Ok(())
}

#[test]
fn the_run_action_fails_with_the_exit_code() -> TestResult {
    let container = serving().with_exec(&["ls"], 2, "", "ls: cannot access\n");
    let ctx = ctx();
    ctx.run(
        Event::action::<Run>(RunParams {
            command: "ls /nope".into(),
        }),
        State::default().with_container(container),
    )?;
    let action = ctx.action_output().expect("an action ran");
    let failure = action.failure.expect("the action failed");
    assert!(failure.contains("exit code 2"), "{failure}");
    assert!(action.results.is_empty());
    Ok(())
}

#[test]
fn stored_state_round_trips_through_the_controller() -> TestResult {
    let state = State::default()
        .with_container(serving())
        .with_stored_state(&Webserver { restarts: 41 })
        .with_config(|c: &mut Config| c.port = 8000);
    let ctx = ctx();
    let out = ctx.run(Event::config_changed(), &state)?;
    assert_eq!(out.stored_state::<Webserver>()?.restarts, 42);
    // It went through the controller's state tools, not a local database.
    let calls = ctx.tool_calls();
    assert!(calls.iter().any(|c| c.argv[0] == "state-get"));
    assert!(calls
        .iter()
        .any(|c| c.argv[0] == "state-set" && c.exit == 0));
    Ok(())
}
