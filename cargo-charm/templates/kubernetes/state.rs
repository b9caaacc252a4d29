//! The charm as state transitions (as Python's Scenario): one event on a `State`, the `State`
//! it leaves. The `workload` container of the input state loads a fake Pebble.

use {{crate}}::containers::Workload;
use {{crate}}::Config;
use {{crate}}::{layer, {{Struct}}};
use ops_core::pebble::ServiceStatus;
use ops_core::Status;
use ops_testing::{Container, Context, Event, State};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn pebble_ready_adds_the_layer_and_starts_the_service() -> TestResult {
    let container = Container::of::<Workload>();
    let out = Context::<{{Struct}}>::new().run(
        Event::pebble_ready(&container),
        State::default().with_container(container),
    )?;
    let workload = out.container("workload").expect("the container");
    assert_eq!(workload.layer("{{name}}"), Some(layer(8080, "hello")));
    assert_eq!(workload.service_status("http"), Some(ServiceStatus::Active));
    assert_eq!(out.unit_status(), &Status::active("serving on port 8080"));
    Ok(())
}

#[test]
fn config_changed_builds_the_layer_from_the_config() -> TestResult {
    let state = State::default()
        .with_container(Container::of::<Workload>())
        .with_config(|c: &mut Config| {
            c.port = 9090;
            c.greeting = "bonjour".into();
        });
    let out = Context::<{{Struct}}>::new().run(Event::config_changed(), state)?;
    let plan = out.container("workload").expect("the container").plan();
    assert_eq!(plan.services["http"].command, "python3 -m http.server 9090");
    assert_eq!(plan.services["http"].environment["GREETING"], "bonjour");
    assert_eq!(out.stored_state::<{{Struct}}>()?.port, 9090);
    Ok(())
}

#[test]
fn an_invalid_port_blocks_without_touching_pebble() -> TestResult {
    let state = State::default()
        .with_container(Container::of::<Workload>())
        .with_config(|c: &mut Config| c.port = 0);
    let out = Context::<{{Struct}}>::new().run(Event::config_changed(), state)?;
    assert_eq!(out.unit_status(), &Status::blocked("invalid port 0"));
    assert_eq!(out.container("workload").expect("the container").layer("{{name}}"), None);
    Ok(())
}
