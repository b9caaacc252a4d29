//! Every method of [`Harness`], against the `testcharm` fixture charm.

mod common;

use common::*;
use ops_core::Status;
use ops_testing::{ConfigError, Harness, HarnessError, Network, Port, SimError};
use serde_json::json;
use std::collections::BTreeMap;

#[test]
fn new_has_ops_defaults() {
    let h = harness();
    assert_eq!(h.unit_name(), "testcharm/0");
    assert_eq!(h.app_name(), "testcharm");
    assert_eq!(h.unit_status(), Status::maintenance(""));
    assert_eq!(h.app_status(), Status::Unknown);
    assert!(h.hooks_enabled());
    assert!(matches!(h.charm(), Err(HarnessError::NotBegun)));
    assert_eq!(h.juju_state().model_name, None);
}

#[test]
fn begin_only_once() -> TestResult {
    let mut h = harness();
    h.begin()?;
    assert!(matches!(h.begin(), Err(HarnessError::AlreadyBegun)));
    assert_eq!(h.charm()?, TestCharm::default());
    Ok(())
}

#[test]
fn begin_with_initial_hooks_runs_ops_order() -> TestResult {
    let mut h = harness();
    h.add_storage("data", 1, false)?;
    let db = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(db, "postgresql/0")?;
    h.update_relation_data(db, "postgresql", [("endpoint", "pg:5432")])?;
    h.set_leader(true)?;
    h.update_config([("name", "bob")])?;
    // Nothing ran before begin.
    assert!(h.tool_calls().is_empty());
    h.begin_with_initial_hooks()?;
    assert_eq!(
        events(&h),
        [
            "data_storage_attached",
            "install",
            "db_relation_created",
            "cluster:-",
            "leader_elected",
            "config_changed",
            "start",
            // db: the remote app has data, then its unit joins.
            "db_relation_changed",
            "db_relation_joined",
            "db_relation_changed",
        ]
    );
    // The peer relation was added, with this application on the other side.
    assert_eq!(h.relation_ids("cluster").len(), 1);
    assert_eq!(seen(&h, "cluster-app"), "testcharm");
    assert_eq!(h.unit_status(), Status::active("db at pg:5432"));
    Ok(())
}

#[test]
fn initial_hooks_reset_an_untouched_maintenance_status() -> TestResult {
    // A charm whose initial hooks set no status: Juju (and ops' Harness) turn the initial
    // `maintenance` into `unknown`.
    let mut h = Harness::<Quiet>::new();
    h.begin_with_initial_hooks()?;
    assert_eq!(h.unit_status(), Status::Unknown);
    assert_eq!(h.charm()?.installs, 1);
    // One that does keep its status.
    let mut h = harness();
    h.begin_with_initial_hooks()?;
    assert_eq!(h.unit_status(), Status::blocked("set name"));
    Ok(())
}

/// A charm that handles `install` and sets no status.
#[derive(Default, serde::Serialize, serde::Deserialize, ops_core::prelude::StoredState)]
struct Quiet {
    installs: u32,
}

#[ops_core::prelude::charm(dir = "tests/fixtures/testcharm", module = quiet)]
impl Quiet {
    #[on(install)]
    fn install(
        &mut self,
        _ctx: &mut ops_core::prelude::Context<Self>,
        _event: &ops_core::prelude::HookEvent,
    ) -> ops_core::Result<()> {
        self.installs += 1;
        Ok(())
    }
}

#[test]
fn add_relation_fires_created_once_begun() -> TestResult {
    let mut h = harness();
    let before = h.add_relation("db", "postgresql")?;
    assert_eq!(before, 0, "relation ids start at 0, as in ops");
    h.begin()?;
    assert!(events(&h).is_empty());
    let web = h.add_relation("website", "webapp")?;
    assert_eq!(web, 1);
    h.add_relation_of::<Db>("other-pg")?;
    assert_eq!(events(&h), ["db_relation_created"]);
    assert_eq!(seen(&h, "db-created-app"), "other-pg");
    assert_eq!(h.relation_ids("db"), [0, 2]);
    Ok(())
}

#[test]
fn add_relation_refuses_what_juju_would() {
    let mut h = harness();
    assert!(matches!(
        h.add_relation("nope", "x"),
        Err(HarnessError::UnknownEndpoint(e)) if e == "nope"
    ));
    assert!(matches!(
        h.add_relation("db", "Bad_Name"),
        Err(HarnessError::InvalidName {
            what: "application",
            ..
        })
    ));
    assert!(matches!(
        h.add_relation("cluster", "other"),
        Err(HarnessError::InvalidName { .. })
    ));
    assert!(matches!(
        h.add_relation("db", "testcharm"),
        Err(HarnessError::InvalidName { .. })
    ));
}

#[test]
fn add_relation_unit_fires_joined() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(id, "postgresql/3")?;
    assert_eq!(events(&h), ["db_relation_created", "db_relation_joined"]);
    assert_eq!(seen(&h, "db-joined"), "postgresql/3");
    assert!(matches!(
        h.add_relation_unit(id, "mysql/0"),
        Err(HarnessError::InvalidName { what: "unit", .. })
    ));
    assert!(matches!(
        h.add_relation_unit(42, "postgresql/0"),
        Err(HarnessError::RelationNotFound(42))
    ));
    Ok(())
}

#[test]
fn update_relation_data_fires_changed_as_ops() -> TestResult {
    let mut h = harness();
    h.set_leader(true)?;
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(id, "postgresql/0")?;
    h.update_relation_data(id, "postgresql/0", [("host", "10.1.1.1")])?;
    // No endpoint yet: the charm waits.
    assert_eq!(h.unit_status(), Status::waiting("waiting for db"));
    h.update_relation_data(id, "postgresql", [("endpoint", "pg:5432")])?;
    assert_eq!(h.unit_status(), Status::active("db at pg:5432"));
    assert_eq!(
        h.get_relation_data(id, "testcharm/0")?,
        Some(bag(&[("seen-endpoint", "pg:5432")]))
    );
    assert_eq!(
        h.get_relation_data(id, "testcharm")?,
        Some(bag(&[("user", "testcharm")]))
    );
    let count = events(&h).len();
    // Unchanged data, this unit's own data, this application's data (not a peer): no event.
    h.update_relation_data(id, "postgresql", [("endpoint", "pg:5432")])?;
    h.update_relation_data(id, "testcharm/0", [("x", "1")])?;
    h.update_relation_data(id, "testcharm", [("y", "2")])?;
    assert_eq!(events(&h).len(), count);
    // An empty value deletes.
    h.update_relation_data(id, "testcharm/0", [("x", "")])?;
    assert_eq!(
        h.get_relation_data(id, "testcharm/0")?,
        Some(bag(&[("seen-endpoint", "pg:5432")]))
    );
    assert!(matches!(
        h.update_relation_data(id, "mysql/0", [("a", "b")]),
        Err(HarnessError::UnknownEntity { relation, .. }) if relation == id
    ));
    assert_eq!(h.get_relation_data(id, "mysql/0")?, None);
    assert!(matches!(
        h.get_relation_data(99, "postgresql"),
        Err(HarnessError::RelationNotFound(99))
    ));
    Ok(())
}

#[test]
fn peer_app_data_change_reaches_non_leaders() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let id = h.add_relation("cluster", "testcharm")?;
    h.add_relation_unit(id, "testcharm/1")?;
    h.update_relation_data(id, "testcharm", [("leader", "testcharm/1")])?;
    assert_eq!(
        events(&h),
        ["cluster:-", "cluster:testcharm/1", "cluster:-"]
    );
    assert_eq!(seen(&h, "cluster-leader"), "testcharm/1");
    assert_eq!(seen(&h, "peers"), "1");
    Ok(())
}

#[test]
fn remove_relation_unit_fires_departed_then_forgets_the_unit() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(id, "postgresql/0")?;
    h.add_relation_unit(id, "postgresql/1")?;
    h.update_relation_data(id, "postgresql/1", [("host", "h1")])?;
    h.remove_relation_unit(id, "postgresql/1")?;
    assert_eq!(seen(&h, "db-departed"), "postgresql/1");
    assert_eq!(
        seen(&h, "db-units"),
        "1",
        "the departing unit has left the relation"
    );
    assert_eq!(h.get_relation_data(id, "postgresql/1")?, None);
    assert!(matches!(
        h.remove_relation_unit(id, "postgresql/1"),
        Err(HarnessError::UnknownEntity { .. })
    ));
    Ok(())
}

#[test]
fn remove_relation_departs_units_then_breaks() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(id, "postgresql/0")?;
    h.remove_relation(id)?;
    assert_eq!(
        events(&h),
        [
            "db_relation_created",
            "db_relation_joined",
            "db_relation_departed",
            "db_relation_broken"
        ]
    );
    assert_eq!(seen(&h, "db-broken"), id.to_string());
    assert_eq!(
        seen(&h, "db-relations"),
        "0",
        "a broken relation is not listed"
    );
    assert!(h.relation_ids("db").is_empty());
    assert!(matches!(
        h.remove_relation(id),
        Err(HarnessError::RelationNotFound(_))
    ));
    Ok(())
}

#[test]
fn update_config_is_typed_against_the_options() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let err = h
        .update_config([("colour", "red")])
        .expect_err("unknown option");
    assert!(matches!(err, HarnessError::Config(ConfigError::UnknownKey(k)) if k == "colour"));
    let err = h.update_config([("port", "80")]).expect_err("wrong type");
    assert!(matches!(
        err,
        HarnessError::Config(ConfigError::WrongType {
            expected: "int",
            ..
        })
    ));
    assert!(h.update_config([("debug", json!(1))]).is_err());
    // Nothing ran for refused updates.
    assert!(events(&h).is_empty());
    h.update_config([
        ("name", json!("bob")),
        ("port", json!(9000)),
        ("ratio", json!(2)),
        ("token", json!("t0k")),
    ])?;
    assert_eq!(seen(&h, "port"), "9000");
    assert_eq!(seen(&h, "ratio"), "2", "an int is a valid float");
    assert_eq!(seen(&h, "token"), "t0k");
    assert_eq!(h.config().get("port"), Some(&json!(9000)));
    h.unset_config(["port", "token"])?;
    assert_eq!(seen(&h, "port"), "8080");
    assert_eq!(seen(&h, "token"), "none");
    assert!(!h.config().contains_key("token"));
    assert!(matches!(
        h.unset_config(["colour"]),
        Err(HarnessError::Config(ConfigError::UnknownKey(_)))
    ));
    Ok(())
}

#[test]
fn update_config_with_the_typed_config() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.update_config_with(|c: &mut Config| {
        c.name = "alice".into();
        c.debug = true;
        c.token = Some("abc".into());
    })?;
    assert_eq!(h.unit_status(), Status::active("hello alice"));
    assert_eq!(seen(&h, "debug"), "true");
    assert_eq!(seen(&h, "token"), "abc");
    h.update_config_with(|c: &mut Config| c.token = None)?;
    assert_eq!(seen(&h, "token"), "none");
    Ok(())
}

#[test]
fn deferred_config_changed_succeeds_once_configured() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.emit_hook("config-changed")?;
    assert_eq!(h.unit_status(), Status::blocked("set name"));
    assert_eq!(h.deferred().len(), 1);
    assert_eq!(h.deferred()[0].method, "on_config_changed");
    h.update_config([("name", "bob")])?;
    // The deferred event ran first, then the new one.
    assert_eq!(
        events(&h),
        [
            "config_changed:deferred",
            "config_changed",
            "config_changed"
        ]
    );
    assert!(h.deferred().is_empty());
    Ok(())
}

#[test]
fn charm_errors_roll_back_the_hook() -> TestResult {
    let mut h = harness();
    h.set_leader(true)?;
    h.begin()?;
    h.update_config([("name", "bob")])?;
    let before = h.charm()?;
    let err = h
        .update_config([("port", 0)])
        .expect_err("port 0 makes config-changed fail");
    let charm = err.charm_error().expect("a charm error");
    assert_eq!(charm.event, "config-changed");
    assert!(charm.to_string().contains("port 0 is reserved"), "{charm}");
    // Nothing was committed...
    assert_eq!(h.charm()?, before);
    // ...but the config change itself (made by the test) stays, and the error was logged.
    assert!(h
        .juju_log()
        .iter()
        .any(|r| r.level == "ERROR" && r.message.contains("port 0 is reserved")));
    Ok(())
}

#[test]
fn set_leader_fires_leader_elected_only_when_becoming_leader() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.set_leader(false)?;
    assert!(events(&h).is_empty());
    h.set_leader(true)?;
    h.set_leader(true)?;
    assert_eq!(events(&h), ["leader_elected"]);
    assert_eq!(h.app_status(), Status::active("leading"));
    assert_eq!(
        h.juju_state()
            .leader_settings
            .get("leader")
            .map(String::as_str),
        Some("testcharm/0")
    );
    h.set_leader(false)?;
    assert_eq!(events(&h), ["leader_elected"]);
    Ok(())
}

#[test]
fn planned_units_default_to_the_peers() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let id = h.add_relation("cluster", "testcharm")?;
    h.add_relation_unit(id, "testcharm/1")?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "planned"), "2");
    h.set_planned_units(5);
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "planned"), "5");
    h.set_planned_units(0);
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "planned"), "0");
    h.reset_planned_units();
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "planned"), "2");
    Ok(())
}

#[test]
fn storage_attach_detach_remove() -> TestResult {
    let mut h = harness();
    assert!(matches!(
        h.add_storage("nope", 1, false),
        Err(HarnessError::UnknownStorage(_))
    ));
    h.begin()?;
    let ids = h.add_storage("data", 1, true)?;
    assert_eq!(ids, ["data/0"]);
    let location = seen(&h, "data-location");
    assert_eq!(
        std::fs::read_to_string(format!("{location}/hello.txt"))?,
        "data/0"
    );
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "data"), "1");
    h.detach_storage("data/0")?;
    assert_eq!(seen(&h, "detaching"), "data/0");
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "data"), "0", "detached storage is not listed");
    // Attaching again runs storage-attached again; attaching twice does not.
    h.attach_storage("data/0")?;
    h.attach_storage("data/0")?;
    let attached = events(&h)
        .iter()
        .filter(|e| *e == "data_storage_attached")
        .count();
    assert_eq!(attached, 2);
    h.remove_storage("data/0")?;
    assert!(matches!(
        h.attach_storage("data/0"),
        Err(HarnessError::StorageNotFound(_))
    ));
    Ok(())
}

#[test]
fn detach_storage_needs_begin() -> TestResult {
    let mut h = harness();
    h.add_storage("data", 1, true)?;
    assert!(matches!(
        h.detach_storage("data/0"),
        Err(HarnessError::NotBegun)
    ));
    Ok(())
}

#[test]
fn storage_add_requests_are_recorded() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let ids = h.add_storage("cache", 2, true)?;
    assert_eq!(
        ids,
        ["cache/0", "cache/1"],
        "indices count across names, as in ops"
    );
    assert_eq!(
        h.requested_storages(),
        [("cache".to_string(), 1), ("cache".to_string(), 1)]
    );
    Ok(())
}

#[test]
fn resources_are_files() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.emit_hook("update-status")?;
    assert!(
        seen(&h, "blob").starts_with("error:"),
        "{}",
        seen(&h, "blob")
    );
    h.add_resource("blob", "blob content")?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "blob"), "blob content");
    assert!(matches!(
        h.add_resource("nope", "x"),
        Err(HarnessError::Resource { .. })
    ));
    Ok(())
}

#[test]
fn oci_image_resources() -> TestResult {
    let mut h = harness();
    h.populate_oci_resources()?;
    let path = h
        .juju_state()
        .resources
        .get("image")
        .cloned()
        .unwrap_or_default();
    assert!(path.ends_with("image/contents.yaml"), "{}", path.display());
    let contents: BTreeMap<String, String> =
        serde_yaml::from_str(&std::fs::read_to_string(&path)?)?;
    assert_eq!(
        contents,
        bag(&[
            ("password", "password"),
            ("registrypath", "registrypath"),
            ("username", "username")
        ])
    );
    h.add_oci_resource("image", Some(bag(&[("registrypath", "r.example/web:1")])))?;
    let contents: BTreeMap<String, String> =
        serde_yaml::from_str(&std::fs::read_to_string(&path)?)?;
    assert_eq!(contents, bag(&[("registrypath", "r.example/web:1")]));
    assert!(matches!(
        h.add_oci_resource("blob", None),
        Err(HarnessError::Resource { why, .. }) if why.contains("not an OCI image")
    ));
    assert!(matches!(
        h.add_resource("image", "x"),
        Err(HarnessError::Resource { why, .. }) if why.contains("not a file")
    ));
    Ok(())
}

#[test]
fn model_name_and_uuid_before_begin_only() -> TestResult {
    let mut h = harness();
    h.set_model_info("prod", "00000000-0000-4000-8000-000000000000")?;
    h.begin()?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "model"), "prod");
    assert_eq!(seen(&h, "uuid"), "00000000-0000-4000-8000-000000000000");
    assert!(matches!(
        h.set_model_name("x"),
        Err(HarnessError::AlreadyBegun)
    ));
    assert!(matches!(
        h.set_model_uuid("x"),
        Err(HarnessError::AlreadyBegun)
    ));
    assert!(matches!(
        h.set_juju_version("2.9.0"),
        Err(HarnessError::AlreadyBegun)
    ));
    Ok(())
}

#[test]
fn old_juju_has_no_application_data() -> TestResult {
    let mut h = harness();
    h.set_juju_version("2.6.0")?;
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(id, "postgresql/0")?;
    let err = h
        .update_relation_data(id, "postgresql/0", [("host", "h")])
        .expect_err("remote app data needs Juju 2.7");
    assert!(err.to_string().contains("not supported"), "{err}");
    Ok(())
}

#[test]
fn secrets_from_a_related_application() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let rid = h.add_relation("db", "postgresql")?;
    let id = h.add_model_secret("postgresql", [("password", "old")])?;
    let unrelated = h.add_model_secret("mysql", [("password", "x")])?;
    assert!(matches!(
        h.grant_secret(&unrelated, "testcharm"),
        Err(HarnessError::NoRelationToOwner { .. })
    ));
    h.grant_secret(&id, "testcharm")?;
    assert_eq!(
        h.get_secret_grants(&id, rid)?,
        ["testcharm".to_string()].into()
    );
    h.set_secret_content(&id, [("password", "new")])?;
    assert_eq!(seen(&h, "secret-content"), "password=new");
    assert_eq!(h.get_secret_revisions(&id)?, [1, 2]);
    assert_eq!(h.get_secret_content(&id)?, bag(&[("password", "new")]));
    h.revoke_secret(&id, "testcharm")?;
    // No longer granted: Juju tells this unit nothing of the new revision.
    h.set_secret_content(&id, [("password", "newer")])?;
    assert_eq!(seen(&h, "secret-content"), "password=new");
    assert!(matches!(
        h.set_secret_content(&id, [("Bad Key", "x")]),
        Err(HarnessError::SecretContent(_))
    ));
    assert!(matches!(
        h.get_secret_revisions("secret:nope"),
        Err(HarnessError::SecretNotFound(_))
    ));
    assert!(matches!(
        h.trigger_secret_rotation(&id),
        Err(HarnessError::SecretNotOwned(_))
    ));
    Ok(())
}

#[test]
fn secrets_the_charm_owns() -> TestResult {
    let mut h = harness();
    h.set_leader(true)?;
    h.begin()?;
    let rid = h.add_relation("website", "webapp")?;
    h.add_relation_unit(rid, "webapp/0")?;
    let owned = h.owned_secrets();
    assert_eq!(owned.len(), 1);
    let id = owned[0].clone();
    assert_eq!(seen(&h, "website-secret"), id);
    assert_eq!(
        h.get_relation_data(rid, "testcharm")?,
        Some(bag(&[("secret-id", &id)]))
    );
    assert_eq!(
        h.get_secret_grants(&id, rid)?,
        ["webapp".to_string()].into()
    );
    assert!(matches!(
        h.set_secret_content(&id, [("password", "x")]),
        Err(HarnessError::SecretOwnedByCharm(_))
    ));
    assert!(matches!(
        h.grant_secret(&id, "webapp"),
        Err(HarnessError::SecretOwnedByCharm(_))
    ));
    h.trigger_secret_rotation(&id)?;
    assert_eq!(h.get_secret_revisions(&id)?, [1, 2]);
    let own_label = seen(&h, "rotate-label");
    // ops' `trigger_secret_rotation(id, label=...)`: the charm is given that label instead.
    h.trigger_secret_rotation_labelled(&id, "rotated-by-test")?;
    assert_eq!(seen(&h, "rotate-label"), "rotated-by-test");
    assert_ne!(own_label, "rotated-by-test");
    // The same content again: Juju makes no new revision.
    assert_eq!(h.get_secret_revisions(&id)?, [1, 2]);
    assert_eq!(
        h.get_secret_content(&id)?,
        bag(&[("password", &format!("pw-{rid}")), ("rotated", "yes")])
    );
    h.trigger_secret_removal_labelled(&id, 1, "removed-by-test")?;
    assert_eq!(h.get_secret_revisions(&id)?, [2]);
    h.trigger_secret_expiration(&id, 2)?;
    assert_eq!(seen(&h, "expired"), "2");
    // The rotate handler read the content with the label it was given: as in Juju,
    // `secret-get --label` gave the secret that label.
    assert_eq!(seen(&h, "expired-label"), "rotated-by-test");
    h.trigger_secret_expiration_labelled(&id, 2, "expired-by-test")?;
    assert_eq!(seen(&h, "expired-label"), "expired-by-test");
    h.remove_relation(rid)?;
    assert!(
        h.get_secret_grants(&id, rid)?.is_empty(),
        "grants go with the relation"
    );
    Ok(())
}

#[test]
fn pod_spec_workload_version_and_reboot() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.emit_hook("install")?;
    assert_eq!(h.get_workload_version(), "1.0");
    assert_eq!(h.opened_ports(), [Port::tcp(8080)]);
    let err = h
        .emit_hook("upgrade-charm")
        .expect_err("only the leader sets the pod spec");
    assert!(err.to_string().contains("not a leader"), "{err}");
    assert_eq!(h.get_pod_spec(), None);
    h.set_leader(true)?;
    h.emit_hook("upgrade-charm")?;
    let (spec, resources) = h.get_pod_spec().expect("a pod spec");
    assert_eq!(spec["containers"][0]["image"], "nginx");
    assert_eq!(
        resources.expect("k8s resources")["kubernetesResources"]["pod"]["restartPolicy"],
        "Always"
    );
    assert_eq!(h.juju_state().reboot.as_deref(), Some("after-hook"));
    Ok(())
}

#[test]
fn hooks_can_be_disabled() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.disable_hooks();
    h.update_config([("name", "bob")])?;
    assert!(!h.hooks_enabled());
    h.enable_hooks();
    let r = h.with_hooks_disabled(|h| h.add_relation("db", "postgresql"))?;
    assert!(h.hooks_enabled());
    assert_eq!(r, 0);
    assert!(events(&h).is_empty());
    Ok(())
}

#[test]
fn statuses_and_their_history() -> TestResult {
    let mut h = harness();
    h.set_leader(true)?;
    h.begin_with_initial_hooks()?;
    assert_eq!(h.unit_status(), Status::blocked("set name"));
    assert_eq!(h.app_status(), Status::active("leading"));
    let history = h.history();
    assert_eq!(
        history.unit_status[..2],
        [Status::maintenance(""), Status::maintenance("installing")]
    );
    assert_eq!(history.app_status, [Status::Unknown]);
    assert_eq!(history.workload_version, [""]);
    Ok(())
}

#[test]
fn run_action_gives_results_logs_and_failures() -> TestResult {
    let mut h = harness();
    assert!(matches!(
        h.run_action("greet", json!({"who": "x"})),
        Err(HarnessError::NotBegun)
    ));
    h.begin()?;
    let out = h.run_action("greet", json!({"who": "bob", "times": 2}))?;
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({"greeting": "hi bob hi bob", "details": {"times": "2"}})
    );
    assert_eq!(out.logs, ["greeting bob"]);
    assert_eq!(out.failure, None);
    let out = h.run_action_typed::<Greet>(GreetParams {
        who: "ann".into(),
        times: 1,
    })?;
    assert_eq!(out.results["greeting"], "hi ann");
    // Defaults from the schema.
    let out = h.run_action("fail", json!({}))?;
    assert_eq!(out.failure.as_deref(), Some("no reason"));
    let out = h.run_action_typed::<Fail>(FailParams {
        reason: "because".into(),
    })?;
    assert_eq!(out.failure.as_deref(), Some("because"));
    // A failing handler: the error, and what the action did before.
    let err = h.run_action("boom", json!(null)).expect_err("boom fails");
    let charm = err.charm_error().expect("a charm error");
    let action = charm.action.as_ref().expect("the action's output");
    assert_eq!(action.results["partial"], "yes");
    assert_eq!(action.logs, ["about to fail"]);
    assert_eq!(action.failure.as_deref(), Some("exit status 1"));
    assert_eq!(
        events(&h),
        ["greet_action", "greet_action", "fail_action", "fail_action"]
    );
    Ok(())
}

#[test]
fn run_action_refuses_what_juju_would() -> TestResult {
    let mut h = harness();
    h.begin()?;
    assert!(matches!(
        h.run_action("nope", json!({})),
        Err(HarnessError::Sim(SimError::UnknownAction(a))) if a == "nope"
    ));
    for bad in [
        json!({}),
        json!({"who": 1}),
        json!({"who": "x", "times": "2"}),
        json!({"who": "x", "colour": "red"}),
        json!(["who"]),
    ] {
        assert!(
            matches!(
                h.run_action("greet", bad.clone()),
                Err(HarnessError::Sim(SimError::ActionParams { .. }))
            ),
            "{bad}"
        );
    }
    assert!(events(&h).is_empty());
    Ok(())
}

#[test]
fn networks_per_binding() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "db-address"), "10.0.0.10");
    assert_eq!(seen(&h, "admin-address"), "10.0.0.10");
    h.add_network(
        "db",
        &Network::new("192.168.7.2").with_ingress_addresses(["db.example"]),
    )?;
    h.add_network("admin", &Network::new("172.16.0.9"))?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "db-address"), "db.example");
    assert_eq!(seen(&h, "admin-address"), "172.16.0.9");
    assert!(matches!(
        h.add_network("nope", &Network::default()),
        Err(HarnessError::UnknownBinding(_))
    ));
    Ok(())
}

#[test]
fn juju_log_records_are_captured() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.emit_hook("install")?;
    let logs = h.take_juju_log();
    assert!(logs
        .iter()
        .any(|r| r.level == "INFO" && r.message == "installed on port 8080"));
    assert!(h.juju_log().is_empty());
    Ok(())
}

#[test]
fn emit_hook_runs_plain_hooks_only() -> TestResult {
    let mut h = harness();
    assert!(matches!(
        h.emit_hook("install"),
        Err(HarnessError::NotBegun)
    ));
    h.begin()?;
    assert!(matches!(
        h.emit_hook("db-relation-changed"),
        Err(HarnessError::UnknownHook(_))
    ));
    h.emit_hook("stop")?;
    h.emit_hook("collect-metrics")?;
    let metrics = h.metrics();
    assert_eq!(metrics.len(), 1);
    assert_eq!(
        metrics[0].metrics.get("events").map(String::as_str),
        Some("2.0")
    );
    assert_eq!(
        metrics[0].labels.get("unit").map(String::as_str),
        Some("zero")
    );
    Ok(())
}

#[test]
fn credentials_come_from_the_model() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.emit_hook("update-status")?;
    assert!(seen(&h, "credential").contains("permission denied"));
    h.sim().state_mut().credential = Some(json!({"type": "ec2", "name": "aws"}));
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "credential"), "ec2");
    Ok(())
}

#[test]
fn subordinate_relation_to_the_principal() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let id = h.add_relation("info", "ubuntu")?;
    h.add_relation_unit(id, "ubuntu/0")?;
    assert_eq!(seen(&h, "principal"), "ubuntu/0");
    Ok(())
}

#[test]
fn unknown_containers_are_refused() {
    let mut h = harness();
    assert!(matches!(
        h.set_can_connect("web", true),
        Err(HarnessError::UnknownContainer(_))
    ));
    assert!(matches!(
        h.can_connect("web"),
        Err(HarnessError::UnknownContainer(_))
    ));
}

#[test]
fn each_hook_is_a_fresh_charm_from_the_store() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.emit_hook("install")?;
    let commits = h.store().commit_count();
    h.emit_hook("update-status")?;
    assert_eq!(h.store().commit_count(), commits + 1);
    assert_eq!(events(&h), ["install", "update_status"]);
    Ok(())
}
