//! The charm driven with the `Harness`: a simulated unit, event by event (as Python ops'
//! `Harness`).

use {{crate}}::{{Struct}};
use ops_core::Status;
use ops_testing::{Harness, Port};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A unit after install, leader-elected, config-changed and start.
fn started() -> Result<Harness<{{Struct}}>, Box<dyn std::error::Error>> {
    let mut h = Harness::<{{Struct}}>::new();
    h.begin_with_initial_hooks()?;
    Ok(h)
}

#[test]
fn the_started_unit_opens_the_default_port() -> TestResult {
    let h = started()?;
    assert_eq!(h.unit_status(), Status::active("hello on port 8080"));
    assert_eq!(h.opened_ports(), [Port::tcp(8080)]);
    assert_eq!(h.charm()?.port, 8080);
    Ok(())
}

#[test]
fn a_new_port_replaces_the_old_one() -> TestResult {
    let mut h = started()?;
    h.update_config([("port", 9090)])?;
    assert_eq!(h.opened_ports(), [Port::tcp(9090)]);
    assert_eq!(h.unit_status(), Status::active("hello on port 9090"));
    Ok(())
}

#[test]
fn an_invalid_port_blocks_the_unit() -> TestResult {
    let mut h = started()?;
    h.update_config([("port", 0)])?;
    assert_eq!(h.unit_status(), Status::blocked("invalid port 0"));
    assert_eq!(h.opened_ports(), [Port::tcp(8080)], "the old port stays open");
    Ok(())
}

#[test]
fn related_units_learn_the_port() -> TestResult {
    let mut h = started()?;
    let id = h.add_relation("website", "client")?;
    h.add_relation_unit(id, "client/0")?;
    let bag = h.get_relation_data(id, "{{name}}/0")?.unwrap_or_default();
    assert_eq!(bag.get("port").map(String::as_str), Some("8080"));
    Ok(())
}

#[test]
fn echo_returns_its_message() -> TestResult {
    let mut h = started()?;
    let out = h.run_action("echo", json!({"message": "hi there"}))?;
    assert_eq!(out.results["message"], "hi there");
    assert_eq!(out.failure, None);
    assert!(
        h.run_action("echo", json!({})).is_err(),
        "`message` is required"
    );
    Ok(())
}
