//! A property test: random sequences of Juju events (config changes among the values below,
//! leadership moves, update-status, actions, the container's Pebble coming and going...), with
//! an invariant checked after each.

use {{crate}}::{valid_port, {{Struct}}};
use ops_core::pebble::ServiceStatus;
use ops_testing::prop::CharmProp;

#[test]
fn an_active_unit_serves_on_its_configured_port() {
    CharmProp::<{{Struct}}>::new()
        .config_values("port", [8080, 9090, 0])
        .check(|h, step| {
            let status = h.unit_status();
            if status.name() != "active" {
                return Ok(());
            }
            // Pebble went away after the status was set: nothing to look at.
            if !h.can_connect("workload").map_err(|e| e.to_string())? {
                return Ok(());
            }
            let port = h.config()["port"].as_i64().unwrap_or_default();
            let Some(port) = valid_port(port) else {
                return Err(format!("{step}: active with port {port}"));
            };
            if status.message() != format!("serving on port {port}") {
                return Err(format!("{step}: {status:?} but the port is {port}"));
            }
            let plan = h
                .get_container_pebble_plan("workload")
                .map_err(|e| e.to_string())?;
            let command = plan.services.get("http").map(|s| s.command.clone());
            if command != Some(format!("python3 -m http.server {port}")) {
                return Err(format!("{step}: the plan runs {command:?}"));
            }
            let running = h
                .service_status("workload", "http")
                .map_err(|e| e.to_string())?;
            if running != Some(ServiceStatus::Active) {
                return Err(format!("{step}: active, but the service is {running:?}"));
            }
            Ok(())
        });
}
