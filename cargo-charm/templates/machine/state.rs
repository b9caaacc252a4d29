//! The charm as state transitions (as Python's Scenario): one event on a `State`, the `State`
//! it leaves.

use {{crate}}::actions::{Echo, EchoParams};
use {{crate}}::relations::Website;
use {{crate}}::Config;
use {{crate}}::{{Struct}};
use ops_core::Status;
use ops_testing::{Context, Event, Port, Relation, State};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn install_sets_maintenance() -> TestResult {
    let out = Context::<{{Struct}}>::new().run(Event::install(), State::default())?;
    assert_eq!(out.unit_status(), &Status::maintenance("installing"));
    Ok(())
}

#[test]
fn config_changed_opens_the_configured_port() -> TestResult {
    let state = State::default().with_config(|c: &mut Config| {
        c.port = 9090;
        c.greeting = "bonjour".into();
    });
    let out = Context::<{{Struct}}>::new().run(Event::config_changed(), state)?;
    assert_eq!(
        out.opened_ports().iter().collect::<Vec<_>>(),
        [&Port::tcp(9090)]
    );
    assert_eq!(out.unit_status(), &Status::active("bonjour on port 9090"));
    assert_eq!(out.stored_state::<{{Struct}}>()?.port, 9090);
    Ok(())
}

#[test]
fn an_out_of_range_port_blocks() -> TestResult {
    let state = State::default().with_config(|c: &mut Config| c.port = 70000);
    let out = Context::<{{Struct}}>::new().run(Event::config_changed(), state)?;
    assert_eq!(out.unit_status(), &Status::blocked("invalid port 70000"));
    assert!(out.opened_ports().is_empty());
    Ok(())
}

#[test]
fn a_joining_unit_is_told_the_port() -> TestResult {
    let website = Relation::of::<Website>().remote_app("client");
    let ctx = Context::<{{Struct}}>::new();
    let configured = ctx.run(Event::config_changed(), State::default())?;
    let out = ctx.run(
        Event::relation_joined(&website),
        configured.with_relation(website.clone()),
    )?;
    let bag = out
        .relation(website.relation_id())
        .expect("the relation")
        .local_unit_databag();
    assert_eq!(bag.get("port").map(String::as_str), Some("8080"));
    Ok(())
}

#[test]
fn echo_returns_its_message() -> TestResult {
    let ctx = Context::<{{Struct}}>::new();
    ctx.run(
        Event::action::<Echo>(EchoParams {
            message: "hi".into(),
        }),
        State::default(),
    )?;
    let output = ctx.action_output().expect("an action output");
    assert_eq!(output.results["message"], "hi");
    Ok(())
}
