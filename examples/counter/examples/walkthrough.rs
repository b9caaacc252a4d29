//! A walkthrough of the counter charm under ops-testing, for newcomers:
//! `cargo run -p counter --example walkthrough`.
//!
//! It deploys the charm in a simulated Juju (the charm's real dispatcher, model and stored-state
//! code run; only Juju is simulated), drives it through a few events with the [`Harness`], and
//! prints what the charm did after each: statuses, opened ports, workload version, deferred
//! events and its stored state. Then it does one state-transition run ([`Context::run`]).

use counter::Config;
use counter::Counter;
use ops_testing::{Context, Event, Harness, State};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Print what the unit looks like now.
fn show(h: &Harness<Counter>, title: &str) -> Result<()> {
    println!("\n== {title}");
    let c = h.charm()?;
    let ports: Vec<String> = h.opened_ports().iter().map(|p| p.juju_name()).collect();
    println!("   unit status       {}", h.unit_status());
    println!("   app status        {}", h.app_status());
    println!(
        "   opened ports      {}",
        if ports.is_empty() {
            "(none)".to_string()
        } else {
            ports.join(", ")
        }
    );
    println!("   workload version  {}", h.get_workload_version());
    let deferred: Vec<String> = h.deferred().iter().map(|n| n.event.name.clone()).collect();
    println!("   deferred events   {deferred:?}");
    println!(
        "   stored state      count={} port={} history={:?}",
        c.count, c.port, c.history
    );
    let hooks: Vec<String> = h
        .hook_reports()
        .iter()
        .map(|r| format!("{}({})", r.event, r.handler_calls))
        .collect();
    println!("   hooks (handlers)  {}", hooks.join(" "));
    Ok(())
}

fn main() -> Result<()> {
    println!("The counter charm counts the events it handles; it needs its `target` option.");

    // 1. Deploy: install, leader-elected, config-changed, start, as Juju runs them.
    let mut h = Harness::<Counter>::new();
    h.set_leader(true)?;
    h.begin_with_initial_hooks()?;
    show(
        &h,
        "deployed (install, leader-elected, config-changed, start); `target` is unset, so \
         config-changed was deferred, and re-run (and deferred again) before start",
    )?;

    // 2. The operator sets the target: the deferred config-changed runs first, then the new one.
    h.update_config([("target", "sheep")])?;
    show(&h, "juju config counter target=sheep")?;

    // 3. A new port and the debug flag, through the typed config.
    h.update_config_with(|c: &mut Config| {
        c.port = 9090;
        c.debug = true;
    })?;
    show(
        &h,
        "juju config counter port=9090 debug=true (the old port closes)",
    )?;

    // 4. Periodic update-status and an upgrade.
    h.emit_hook("update-status")?;
    h.emit_hook("upgrade-charm")?;
    show(
        &h,
        "update-status, then upgrade-charm (new workload version)",
    )?;

    // 5. A hook that fails commits nothing.
    match h.update_config([("port", 0)]) {
        Ok(()) => println!("\n== port=0 unexpectedly succeeded"),
        Err(e) => println!("\n== juju config counter port=0\n   the hook failed: {e}"),
    }
    show(
        &h,
        "after the failed hook: stored state and ports as before (a status set before the \
         failure stays: Juju applies status-set at once)",
    )?;

    // 6. The same charm as a state transition: one event on an immutable state.
    let ctx = Context::<Counter>::new();
    let input = State::default().with_config(|c: &mut Config| c.target = "goats".into());
    let out = ctx.run(Event::config_changed(), &input)?;
    println!("\n== Context::run(config_changed) on a fresh state with target=goats");
    println!("   unit status       {}", out.unit_status());
    let ports: Vec<String> = out.opened_ports().iter().map(|p| p.juju_name()).collect();
    println!("   opened ports      {}", ports.join(", "));
    println!(
        "   stored state      {:?}",
        out.stored_state::<Counter>()?.history
    );
    println!(
        "   status history    {:?} (before each status-set)",
        ctx.unit_status_history()
    );
    Ok(())
}
