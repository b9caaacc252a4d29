//! Property test of the webserver charm: random sequences of config changes, leadership moves,
//! update-status, `run` actions and its container's Pebble coming and going, with the invariant
//! that an active unit serves what the config says. (Without `allow_charm_errors`, it shrinks
//! to: deploy, Pebble goes away, run the action: the action's hook fails.)

use ops_core::pebble::ServiceStatus;
use ops_testing::prop::{CharmProp, Step};
use webserver::{config_file, Webserver, CONFIG_PATH};

#[test]
fn an_active_unit_serves_the_configured_port_and_file() {
    CharmProp::<Webserver>::new()
        .cases(32)
        // The `run` action fails its hook when Pebble is down or refuses a command whose
        // executable is missing (the charm, as its Python original, does not check): the only
        // failures allowed.
        .allow_charm_errors(true)
        .check(|h, step| {
            if let Some(error) = step.charm_error {
                let pebble_down = !h.can_connect("web").map_err(|e| e.to_string())?;
                let missing = error.contains("cannot find executable");
                if !(matches!(step.step, Step::Action(..)) && (pebble_down || missing)) {
                    return Err(format!("{step} failed: {error}"));
                }
            }
            let status = h.unit_status();
            if status.name() != "active" {
                return Ok(());
            }
            let config = h.config();
            let port = config["port"].as_i64().unwrap_or_default();
            let greeting = config["greeting"].as_str().unwrap_or_default();
            if status.message() != format!("serving on {port}") {
                return Err(format!("{step}: {status:?} but the port is {port}"));
            }
            let running = h.service_status("web", "web").map_err(|e| e.to_string())?;
            if running != Some(ServiceStatus::Active) {
                return Err(format!("{step}: active, but the service is {running:?}"));
            }
            let file = h
                .pull_container_file("web", CONFIG_PATH)
                .map_err(|e| format!("{step}: active without a config file: {e}"))?;
            if file != config_file(port, greeting).as_bytes() {
                return Err(format!(
                    "{step}: the config file is {:?}",
                    String::from_utf8_lossy(&file)
                ));
            }
            Ok(())
        });
}
