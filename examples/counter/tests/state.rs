//! The counter charm, as state transitions: one event on a [`State`], the [`State`] it leaves.

use counter::Config;
use counter::Counter;
use ops_core::Status;
use ops_testing::{Context, Event, Port, RunError, State};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn counted(state: &State) -> Counter {
    state
        .stored_state::<Counter>()
        .expect("the counter decodes")
}

fn targeted(target: &str) -> State {
    State::default().with_config(|c: &mut Config| c.target = target.into())
}

#[test]
fn install() -> TestResult {
    let out = Context::<Counter>::new().run(Event::install(), State::default())?;
    assert_eq!(out.unit_status(), &Status::maintenance("installing"));
    assert_eq!(out.workload_version(), counter::INSTALL_VERSION);
    assert_eq!(counted(&out).history, ["install"]);
    Ok(())
}

#[test]
fn deferral_then_success() -> TestResult {
    let ctx = Context::<Counter>::new();
    let out = ctx.run(Event::config_changed(), State::default())?;
    assert_eq!(
        out.unit_status(),
        &Status::blocked("waiting for the 'target' option")
    );
    assert_eq!(out.deferred().len(), 1);
    assert_eq!(out.deferred()[0].event_name(), "config_changed");
    assert!(out.opened_ports().is_empty());

    // The operator sets the target; the next hook (any hook) runs the deferred event first.
    let next = out.with_config(|c: &mut Config| c.target = "sheep".into());
    let out = ctx.run(Event::update_status(), next)?;
    assert!(out.deferred().is_empty());
    let c = counted(&out);
    assert_eq!(
        c.history,
        ["config-changed:deferred", "config-changed", "update-status"]
    );
    assert_eq!(
        out.opened_ports().iter().collect::<Vec<_>>(),
        [&Port::tcp(8080)]
    );
    assert_eq!(
        out.unit_status(),
        &Status::active("hello, sheep: 3 events, ratio 1.5")
    );
    // During that hook the unit went blocked → maintenance (configuring) → active (the deferred
    // event) → active (update-status).
    assert_eq!(
        ctx.unit_status_history(),
        [
            Status::blocked("waiting for the 'target' option"),
            Status::maintenance("configuring"),
            Status::active("hello, sheep: 2 events, ratio 1.5"),
        ]
    );
    Ok(())
}

#[test]
fn the_count_continues_from_the_stored_state() -> TestResult {
    let before = Counter {
        count: 41,
        history: vec!["install".into()],
        port: 8080,
    };
    let input = targeted("sheep")
        .with_stored_state(&before)
        .with_opened_port(Port::tcp(8080))
        .with_leader(true);
    let out = Context::<Counter>::new().run(Event::update_status(), input)?;
    assert_eq!(counted(&out).count, 42);
    assert_eq!(
        out.unit_status(),
        &Status::active("hello, sheep: 42 events, ratio 1.5")
    );
    assert_eq!(
        out.app_status(),
        &Status::active("history: install,update-status")
    );
    Ok(())
}

#[test]
fn a_new_port_replaces_the_old() -> TestResult {
    let before = Counter {
        count: 1,
        history: vec!["install".into()],
        port: 8080,
    };
    let input = targeted("sheep")
        .with_config(|c: &mut Config| c.port = 9000)
        .with_stored_state(&before)
        .with_opened_port(Port::tcp(8080));
    let out = Context::<Counter>::new().run(Event::config_changed(), input)?;
    assert_eq!(
        out.opened_ports().iter().collect::<Vec<_>>(),
        [&Port::tcp(9000)]
    );
    assert_eq!(counted(&out).port, 9000);
    Ok(())
}

#[test]
fn moving_to_port_zero_is_an_error() {
    let before = Counter {
        count: 1,
        history: vec!["install".into()],
        port: 8080,
    };
    let input = targeted("sheep")
        .with_config(|c: &mut Config| c.port = 0)
        .with_stored_state(&before)
        .with_opened_port(Port::tcp(8080));
    let err = Context::<Counter>::new()
        .run(Event::config_changed(), input)
        .expect_err("port 0 is reserved");
    assert!(matches!(&err, RunError::Charm(e) if e.to_string().contains("port 0 is reserved")));
}

#[test]
fn ratios_print_as_python_floats() -> TestResult {
    let input = targeted("x").with_config(|c: &mut Config| {
        c.ratio = 2.0;
        c.greeting = "hey".into();
    });
    let out = Context::<Counter>::new().run(Event::start(), input)?;
    assert_eq!(
        out.unit_status(),
        &Status::active("hey, x: 1 events, ratio 2.0")
    );
    Ok(())
}

#[test]
fn upgrade() -> TestResult {
    let ctx = Context::<Counter>::new();
    let out = ctx.run(
        Event::upgrade_charm(),
        targeted("x").with_workload_version(counter::INSTALL_VERSION),
    )?;
    assert_eq!(out.workload_version(), counter::UPGRADE_VERSION);
    assert_eq!(ctx.workload_version_history(), [counter::INSTALL_VERSION]);
    Ok(())
}

/// The simulator under these tests behaves as juju-sim: every recorded scenario of this charm,
/// replayed in-process, matches the Python ops recording step by step.
#[test]
fn the_simulator_replays_the_juju_sim_recordings() {
    ops_testing::replay::assert_scenarios_replay::<counter::Counter>(
        "counter",
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    );
}
