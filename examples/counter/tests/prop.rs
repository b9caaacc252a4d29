//! Property tests of the counter charm: random Juju-valid event sequences (config changes,
//! leadership moves, update-status, upgrade-charm; deferred config-changed events pile up while
//! `target` is unset), with invariants checked after every step.

use counter::Counter;
use ops_testing::prop::CharmProp;

/// Ports the charm accepts (0 is reserved and fails the hook on purpose).
const PORTS: [i64; 3] = [8080, 9090, 1234];

#[test]
fn the_event_count_is_the_number_of_handled_events() {
    CharmProp::<Counter>::new()
        .config_values("port", PORTS)
        .check(|h, step| {
            let c = h.charm().map_err(|e| e.to_string())?;
            // Every handler of the counter records its event once: the count is the number of
            // handler calls the dispatcher made, re-emitted deferred events included.
            let handled: usize = h.hook_reports().iter().map(|r| r.handler_calls).sum();
            if c.count as usize != handled || c.history.len() != handled {
                return Err(format!(
                    "count {} (history of {}), but {handled} events were handled",
                    c.count,
                    c.history.len()
                ));
            }
            let status = h.unit_status();
            let target = h.config()["target"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            match status.name() {
                "active" => {
                    let expected = format!(": {} events, ratio", c.count);
                    if !status.message().contains(&expected) {
                        return Err(format!("{step}: status {status:?} lacks {expected:?}"));
                    }
                }
                "blocked" if target.is_empty() => {}
                // Nothing has run yet that sets a final status.
                _ if step.index == 0 && target.is_empty() => {}
                other => return Err(format!("unexpected status {other}: {status:?}")),
            }
            // A config-changed is waiting exactly while the target is unset.
            if target.is_empty() != (h.deferred().len() == 1) {
                return Err(format!(
                    "target {target:?} but {} deferred events",
                    h.deferred().len()
                ));
            }
            Ok(())
        });
}

#[test]
fn the_open_port_follows_the_config() {
    CharmProp::<Counter>::new()
        .config_values("port", PORTS)
        .check(|h, _step| {
            let c = h.charm().map_err(|e| e.to_string())?;
            let open: Vec<u16> = h.opened_ports().iter().filter_map(|p| p.from).collect();
            let expected: Vec<u16> = if c.port == 0 {
                vec![]
            } else {
                vec![c.port as u16]
            };
            if open != expected {
                return Err(format!("ports {open:?} open, the charm says {}", c.port));
            }
            Ok(())
        });
}
