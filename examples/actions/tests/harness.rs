//! The actions charm, driven with the [`Harness`]: params with defaults, nested results, logs,
//! failures, and backups into storage.

use actions::Actions;
use ops_core::Status;
use ops_testing::{Harness, HarnessError};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn begun() -> Result<Harness<Actions>, Box<dyn std::error::Error>> {
    let mut h = Harness::<Actions>::new();
    h.begin_with_initial_hooks()?;
    Ok(h)
}

#[test]
fn greet_sets_nested_results_and_logs() -> TestResult {
    let mut h = begun()?;
    assert_eq!(h.unit_status(), Status::active("ready"));
    let out = h.run_action("greet", json!({"who": "world", "times": 2}))?;
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({"greeting": "hello world hello world",
               "details": {"times": "2", "length": "23"}})
    );
    assert_eq!(out.logs, ["greeting world 2 time(s)"]);
    assert_eq!(out.failure, None);
    // `times` defaults to 1.
    let out = h.run_action("greet", json!({"who": "you"}))?;
    assert_eq!(out.results["greeting"], "hello you");
    assert_eq!(h.charm()?.greeted, 3);
    Ok(())
}

#[test]
fn greet_fails_out_of_range() -> TestResult {
    let mut h = begun()?;
    let out = h.run_action("greet", json!({"who": "x", "times": 9}))?;
    assert_eq!(
        out.failure.as_deref(),
        Some("times must be between 1 and 5, got 9")
    );
    assert!(out.results.is_empty());
    assert_eq!(h.charm()?.greeted, 0);
    Ok(())
}

#[test]
fn juju_refuses_bad_params() -> TestResult {
    let mut h = begun()?;
    assert!(matches!(
        h.run_action("greet", json!({"times": 1})),
        Err(HarnessError::Sim(_))
    ));
    assert!(matches!(
        h.run_action("greet", json!({"who": "x", "times": "two"})),
        Err(HarnessError::Sim(_))
    ));
    assert!(matches!(
        h.run_action("dance", json!({})),
        Err(HarnessError::Sim(_))
    ));
    Ok(())
}

#[test]
fn backup_writes_into_the_data_storage() -> TestResult {
    let mut h = begun()?;
    let out = h.run_action("backup", json!({}))?;
    assert_eq!(out.failure.as_deref(), Some("no data storage attached"));

    h.add_storage("data", 1, true)?;
    assert_eq!(h.unit_status(), Status::active("storage data/0 attached"));
    h.run_action("greet", json!({"who": "x"}))?;
    let out = h.run_action("backup", json!({"name": "weekly", "level": 7}))?;
    let path = out.results["path"].as_str().unwrap_or_default().to_string();
    assert!(path.ends_with("/data/0/weekly.bak"), "{path}");
    let body = std::fs::read_to_string(&path)?;
    assert_eq!(
        body,
        "{\"compress\": false, \"greeted\": 1, \"level\": 7, \"name\": \"weekly\"}\n"
    );
    assert_eq!(out.results["size"], body.chars().count().to_string());
    assert_eq!(
        out.results["meta"],
        json!({"compress": "False", "level": "7", "count": "1"})
    );
    let location = std::path::Path::new(&path)
        .parent()
        .map(|p| p.join("attached.txt"));
    assert_eq!(
        std::fs::read_to_string(location.unwrap_or_default())?,
        "data/0 by actions/0\n"
    );
    assert_eq!(h.charm()?.backups, ["weekly"]);
    Ok(())
}

#[test]
fn explode_fails_after_partial_results() -> TestResult {
    let mut h = begun()?;
    let err = h
        .run_action("explode", json!({}))
        .expect_err("explode fails");
    let failure = err.charm_error().expect("a charm error");
    assert!(failure.to_string().contains("explode action always fails"));
    let out = failure.action.clone().expect("the action's output");
    assert_eq!(out.results["partial"], "yes");
    assert_eq!(out.logs, ["about to fail"]);
    assert_eq!(out.failure.as_deref(), Some("exit status 1"));
    Ok(())
}

#[test]
fn report_nests_what_the_charm_knows() -> TestResult {
    let mut h = Harness::<Actions>::new();
    h.set_leader(true)?;
    h.add_storage("data", 1, false)?;
    h.begin_with_initial_hooks()?;
    let out = h.run_action("report", json!({}))?;
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({
            "storage": {"count": "1", "ids": "data/0"},
            "greetings": {"total": "0"},
            "backups": {"names": "none"},
            "unit": {"name": "actions/0", "leader": "True"},
        })
    );
    Ok(())
}

#[test]
fn detaching_storage_is_recorded() -> TestResult {
    let mut h = begun()?;
    h.add_storage("data", 1, true)?;
    assert_eq!(h.charm()?.attached, ["data/0"]);
    h.detach_storage("data/0")?;
    assert!(h.charm()?.attached.is_empty());
    assert_eq!(
        h.unit_status(),
        Status::maintenance("storage data/0 detaching")
    );
    Ok(())
}
