//! The charm driven with the `Harness`: a simulated unit, event by event (as Python ops'
//! `Harness`). Its `workload` container is a fake Pebble reached by the charm's real Pebble
//! client.

use {{crate}}::{layer, {{Struct}}};
use ops_core::pebble::ServiceStatus;
use ops_core::Status;
use ops_testing::Harness;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A begun unit whose `workload` container is up (pebble-ready ran).
fn ready() -> Result<Harness<{{Struct}}>, Box<dyn std::error::Error>> {
    let mut h = Harness::<{{Struct}}>::new();
    h.begin()?;
    h.container_pebble_ready("workload")?;
    Ok(h)
}

#[test]
fn pebble_ready_adds_the_layer_and_starts_the_service() -> TestResult {
    let h = ready()?;
    let plan = h.get_container_pebble_plan("workload")?;
    assert_eq!(plan.services["http"].command, "python3 -m http.server 8080");
    assert_eq!(plan.services["http"].environment["GREETING"], "hello");
    assert_eq!(
        h.service_status("workload", "http")?,
        Some(ServiceStatus::Active)
    );
    assert_eq!(h.unit_status(), Status::active("serving on port 8080"));
    Ok(())
}

#[test]
fn config_changed_replans_with_the_new_layer() -> TestResult {
    let mut h = ready()?;
    h.update_config([("port", 9090)])?;
    let plan = h.get_container_pebble_plan("workload")?;
    assert_eq!(plan.services["http"].command, "python3 -m http.server 9090");
    assert_eq!(
        h.get_container_layers("workload")?,
        [("{{name}}".to_string(), layer(9090, "hello"))]
    );
    assert_eq!(h.unit_status(), Status::active("serving on port 9090"));
    Ok(())
}

#[test]
fn config_changed_waits_for_pebble() -> TestResult {
    let mut h = Harness::<{{Struct}}>::new();
    h.begin()?;
    h.update_config([("port", 9090)])?;
    assert_eq!(h.unit_status(), Status::waiting("waiting for Pebble"));
    assert_eq!(h.deferred().len(), 1);
    // Pebble comes up: pebble-ready replans, and the deferred config-changed runs again first.
    h.container_pebble_ready("workload")?;
    assert!(h.deferred().is_empty());
    assert_eq!(h.unit_status(), Status::active("serving on port 9090"));
    Ok(())
}

#[test]
fn echo_returns_its_message() -> TestResult {
    let mut h = ready()?;
    let out = h.run_action("echo", json!({"message": "hi there"}))?;
    assert_eq!(out.results["message"], "hi there");
    Ok(())
}
