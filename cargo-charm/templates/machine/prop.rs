//! A property test: random sequences of Juju events (config changes among the values below,
//! leadership moves, update-status, upgrades, actions...), with an invariant checked after each.

use {{crate}}::{valid_port, {{Struct}}};
use ops_testing::prop::CharmProp;
use ops_testing::Port;

#[test]
fn an_active_unit_has_exactly_its_configured_port_open() {
    CharmProp::<{{Struct}}>::new()
        .config_values("port", [8080, 9090, 0, 70000])
        .check(|h, step| {
            let status = h.unit_status();
            let port = h.config()["port"].as_i64().unwrap_or_default();
            match (status.name(), valid_port(port)) {
                ("active", Some(valid)) => {
                    if h.opened_ports() != [Port::tcp(valid)] {
                        return Err(format!("{step}: active but {:?} open", h.opened_ports()));
                    }
                    if !status.message().ends_with(&format!(" on port {valid}")) {
                        return Err(format!("{step}: {status:?} for port {valid}"));
                    }
                }
                ("active", None) => return Err(format!("{step}: active with port {port}")),
                ("blocked", valid) if valid.is_some() => {
                    return Err(format!("{step}: blocked with a valid port {port}"))
                }
                _ => {}
            }
            Ok(())
        });
}
