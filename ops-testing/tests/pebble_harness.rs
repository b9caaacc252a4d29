//! The [`Harness`]'s containers: each backed by a fake Pebble on its own Unix socket, reached by
//! the charm's production `Container`.

mod k8s;

use k8s::*;
use ops_core::pebble::ServiceStatus;
use ops_core::Status;
use ops_testing::{Harness, HarnessError};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn seen(h: &Harness<K8sCharm>, key: &str) -> String {
    h.charm()
        .expect("the charm decodes")
        .seen
        .get(key)
        .cloned()
        .unwrap_or_else(|| format!("<{key} not seen>"))
}

#[test]
fn containers_cannot_be_reached_until_set_can_connect() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    h.begin()?;
    assert!(!h.can_connect("app")?);
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "app-can-connect"), "false");
    assert_eq!(seen(&h, "sidecar-can-connect"), "false");
    h.set_can_connect("sidecar", true)?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "sidecar-can-connect"), "true");
    assert_eq!(seen(&h, "app-can-connect"), "false");
    assert!(matches!(
        h.set_can_connect("nope", true),
        Err(HarnessError::UnknownContainer(_))
    ));
    Ok(())
}

#[test]
fn pebble_ready_adds_the_layer_and_starts_the_service() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    assert!(matches!(
        h.container_pebble_ready("app"),
        Err(HarnessError::NotBegun)
    ));
    h.begin()?;
    h.container_pebble_ready("app")?;
    assert!(h.can_connect("app")?);
    let plan = h.get_container_pebble_plan("app")?;
    assert_eq!(plan.services["app"].command, "/bin/app --serve");
    assert_eq!(plan.services["app"].environment["MOTD"], "hello");
    let layers = h.get_container_layers("app")?;
    assert_eq!(layers.len(), 1);
    assert_eq!(layers[0].0, "app");
    assert_eq!(layers[0].1, app_layer("hello"));
    assert_eq!(h.service_status("app", "app")?, Some(ServiceStatus::Active));
    assert_eq!(h.service_status("app", "other")?, None);
    assert_eq!(seen(&h, "running"), "true");
    assert_eq!(h.pull_container_file("app", "/etc/app/motd")?, b"hello");
    assert_eq!(h.unit_status(), Status::active("app ready"));
    // The other container saw nothing.
    assert!(h.get_container_pebble_plan("sidecar")?.services.is_empty());
    assert!(h.get_container_layers("sidecar")?.is_empty());
    Ok(())
}

#[test]
fn pebble_ready_runs_even_with_hooks_disabled() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    h.begin()?;
    h.disable_hooks();
    h.container_pebble_ready("app")?;
    assert_eq!(seen(&h, "running"), "true");
    Ok(())
}

#[test]
fn config_changed_is_deferred_until_pebble_is_reachable() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    h.begin()?;
    h.update_config([("motd", "bonjour")])?;
    assert_eq!(seen(&h, "config"), "deferred");
    assert_eq!(h.deferred().len(), 1);
    assert_eq!(h.unit_status(), Status::waiting("waiting for Pebble"));
    // Pebble comes up: pebble-ready runs the deferred config-changed first.
    h.container_pebble_ready("app")?;
    assert!(h.deferred().is_empty());
    assert_eq!(seen(&h, "config"), "bonjour");
    assert_eq!(h.pull_container_file("app", "/etc/app/motd")?, b"bonjour");
    // config-changed restarted the stopped service (a start); pebble-ready's replan found it
    // running with the same config.
    let log = h.pebble("app")?.state().service_log;
    assert_eq!(log, ["start app"]);
    Ok(())
}

#[test]
fn the_filesystem_root_holds_what_the_image_ships() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    h.begin()?;
    h.set_can_connect("app", true)?;
    let root = h.get_filesystem_root("app")?;
    std::fs::create_dir_all(root.join("etc/app"))?;
    std::fs::write(root.join("etc/app/motd"), "from the image")?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "motd"), "from the image");
    h.push_container_file("app", "/etc/app/motd", "pushed by the test")?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "motd"), "pushed by the test");
    assert!(h.pull_container_file("app", "/nope").is_err());
    assert!(matches!(
        h.get_filesystem_root("nope"),
        Err(HarnessError::UnknownContainer(_))
    ));
    Ok(())
}

#[test]
fn exec_answers_from_the_rules_and_records_the_calls() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    h.begin()?;
    h.set_can_connect("app", true)?;
    h.emit_hook("update-status")?;
    assert_eq!(
        seen(&h, "hostname"),
        "cannot find executable \"hostname\"",
        "no rule: the executable is missing"
    );
    h.handle_exec("app", &["hostname"], 0, "app-0.example\n", "")?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "hostname"), "app-0.example\n");
    h.handle_exec("app", &["hostname", "-f"], 3, "", "no FQDN\n")?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "hostname"), "exit 3", "the longest prefix wins");
    let calls = h.exec_calls("app")?;
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|c| c.command == ["hostname", "-f"]));
    assert!(h.exec_calls("sidecar")?.is_empty());
    Ok(())
}

#[test]
fn service_status_changes_are_seen_by_the_next_hook() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    h.begin()?;
    h.container_pebble_ready("app")?;
    h.set_service_status("app", "app", ServiceStatus::Inactive)?;
    assert_eq!(
        h.service_status("app", "app")?,
        Some(ServiceStatus::Inactive)
    );
    assert_eq!(h.services("app")?["app"].startup, "enabled");
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "app-status"), "inactive");
    Ok(())
}

#[test]
fn storage_mounted_into_the_container_shows_in_its_filesystem() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    h.begin()?;
    let ids = h.add_storage("data", 1, true)?;
    let location = std::path::PathBuf::from(seen(&h, "data-location"));
    std::fs::write(location.join("seed"), "planted in the storage")?;
    // The mount is there before any container hook.
    let root = h.get_filesystem_root("app")?;
    assert_eq!(
        std::fs::read_to_string(root.join("var/lib/app/seed"))?,
        "planted in the storage"
    );
    h.container_pebble_ready("app")?;
    assert_eq!(seen(&h, "seed"), "planted in the storage");
    assert_eq!(
        std::fs::read_to_string(location.join("from-charm"))?,
        "written by the charm",
        "what the charm pushed into the mount is in the storage"
    );
    assert_eq!(
        h.pull_container_file("app", "/var/lib/app/from-charm")?,
        b"written by the charm"
    );
    // Not mounted in the other container.
    assert!(h
        .pull_container_file("sidecar", "/var/lib/app/seed")
        .is_err());
    // Detached: unmounted.
    h.detach_storage(&ids[0])?;
    assert!(h.pull_container_file("app", "/var/lib/app/seed").is_err());
    h.attach_storage(&ids[0])?;
    assert!(h.pull_container_file("app", "/var/lib/app/seed").is_ok());
    h.remove_storage(&ids[0])?;
    assert!(h.pull_container_file("app", "/var/lib/app/seed").is_err());
    Ok(())
}

#[test]
fn begin_with_initial_hooks_makes_every_container_ready() -> TestResult {
    let mut h = Harness::<K8sCharm>::new();
    h.add_storage("data", 1, false)?;
    h.begin_with_initial_hooks()?;
    assert!(h.can_connect("app")? && h.can_connect("sidecar")?);
    assert_eq!(seen(&h, "running"), "true");
    assert_eq!(seen(&h, "config"), "hello");
    assert!(h.charm()?.seen.contains_key("data-location"));
    Ok(())
}

#[test]
fn each_harness_has_its_own_pebbles_even_across_threads() {
    let threads: Vec<_> = (0..6)
        .map(|i| {
            std::thread::spawn(move || -> Result<String, String> {
                let mut h = Harness::<K8sCharm>::new();
                h.begin().map_err(|e| e.to_string())?;
                h.set_can_connect("app", true).map_err(|e| e.to_string())?;
                h.handle_exec("app", &["hostname"], 0, &format!("unit-{i}"), "")
                    .map_err(|e| e.to_string())?;
                for _ in 0..3 {
                    h.emit_hook("update-status").map_err(|e| e.to_string())?;
                }
                Ok(seen(&h, "hostname"))
            })
        })
        .collect();
    for (i, t) in threads.into_iter().enumerate() {
        let got = t.join().expect("the thread finished");
        assert_eq!(got, Ok(format!("unit-{i}")));
    }
}

#[test]
fn the_fake_can_inject_faults() -> TestResult {
    use ops_testing::pebble::{Fault, FaultReply};
    let mut h = Harness::<K8sCharm>::new();
    h.begin()?;
    h.set_can_connect("app", true)?;
    h.pebble("app")?.inject(Fault {
        method: Some("GET".into()),
        path: "/v1/services".into(),
        reply: FaultReply::Raw {
            status: 500,
            content_type: "application/json".into(),
            body: br#"{"type":"error","status-code":500,"status":"Internal Server Error","result":{"message":"boom"}}"#.to_vec(),
        },
    });
    let err = h.emit_hook("update-status").expect_err("Pebble failed");
    assert!(err.to_string().contains("boom"), "{err}");
    Ok(())
}
