//! The counter charm, driven with the [`Harness`]: deferral until `target` is set, then success.

use counter::Config;
use counter::Counter;
use ops_core::Status;
use ops_testing::{Harness, Port};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn begun() -> Result<Harness<Counter>, Box<dyn std::error::Error>> {
    let mut h = Harness::<Counter>::new();
    h.begin_with_initial_hooks()?;
    Ok(h)
}

#[test]
fn config_changed_is_deferred_until_target_is_set() -> TestResult {
    let mut h = begun()?;
    // install, config-changed (deferred), start (after re-running the deferred event).
    let c = h.charm()?;
    assert_eq!(
        c.history,
        [
            "install",
            "config-changed:deferred",
            "config-changed:deferred",
            "start"
        ]
    );
    assert_eq!(h.deferred().len(), 1);
    assert_eq!(
        h.unit_status(),
        Status::blocked("waiting for the 'target' option")
    );
    assert!(h.opened_ports().is_empty());

    h.update_config([("target", "sheep")])?;
    let c = h.charm()?;
    assert!(
        h.deferred().is_empty(),
        "the deferred event finally succeeded"
    );
    assert_eq!(
        c.history[4..],
        ["config-changed", "config-changed"],
        "the deferred event ran first, then the new one"
    );
    assert_eq!(c.count, 6);
    assert_eq!(c.port, 8080);
    assert_eq!(h.opened_ports(), [Port::tcp(8080)]);
    assert_eq!(
        h.unit_status(),
        Status::active("hello, sheep: 6 events, ratio 1.5")
    );
    Ok(())
}

#[test]
fn the_leader_shows_the_history_in_the_app_status() -> TestResult {
    let mut h = Harness::<Counter>::new();
    h.set_leader(true)?;
    h.update_config_with(|c: &mut Config| {
        c.target = "goats".into();
        c.ratio = 2.0;
        c.debug = true;
    })?;
    h.begin_with_initial_hooks()?;
    assert_eq!(
        h.unit_status(),
        Status::active("hello, goats: 3 events, ratio 2.0 [install,config-changed,start]")
    );
    assert_eq!(
        h.app_status(),
        Status::active("history: install,config-changed,start")
    );
    Ok(())
}

#[test]
fn changing_the_port_closes_the_old_one() -> TestResult {
    let mut h = begun()?;
    h.update_config([("target", "sheep")])?;
    h.update_config([("port", 9090)])?;
    assert_eq!(h.opened_ports(), [Port::tcp(9090)]);
    assert_eq!(h.charm()?.port, 9090);
    Ok(())
}

#[test]
fn port_zero_fails_and_commits_nothing() -> TestResult {
    let mut h = begun()?;
    h.update_config([("target", "sheep")])?;
    let before = h.charm()?;
    let err = h
        .update_config([("port", 0)])
        .expect_err("port 0 is reserved");
    assert!(err.to_string().contains("port 0 is reserved"), "{err}");
    let after = h.charm()?;
    assert_eq!((after.count, after.port), (before.count, before.port));
    // Juju closed nothing: the hook failed before it could commit.
    assert_eq!(h.opened_ports(), [Port::tcp(8080)]);
    Ok(())
}

#[test]
fn upgrade_sets_the_new_workload_version() -> TestResult {
    let mut h = begun()?;
    assert_eq!(h.get_workload_version(), counter::INSTALL_VERSION);
    h.emit_hook("upgrade-charm")?;
    assert_eq!(h.get_workload_version(), counter::UPGRADE_VERSION);
    assert!(h
        .juju_log()
        .iter()
        .any(|r| r.level == "INFO" && r.message.starts_with("handled upgrade-charm")));
    Ok(())
}

#[test]
fn config_is_checked_against_config_yaml() -> TestResult {
    let mut h = begun()?;
    assert!(h.update_config([("target", 3)]).is_err());
    assert!(h.update_config([("colour", "red")]).is_err());
    assert_eq!(h.charm()?.count, 4, "refused updates run no hook");
    Ok(())
}
