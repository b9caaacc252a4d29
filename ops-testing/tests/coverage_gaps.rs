//! Tests filling the gaps found by a coverage audit of the [`Harness`] and [`State`] APIs:
//! public methods no other test exercised with an assertion on their effect, and the typed
//! errors of invalid uses. Where Python ops 2.1.1's
//! `ops.testing.Harness` defines the behaviour, the assertions follow it.

mod common;
mod k8s;

use common::*;
use ops_core::hooktools::SecretRotate;
use ops_core::pebble::CheckStatus;
use ops_core::prelude::RelationData;
use ops_core::Status;
use ops_testing::{
    Container, Context, Event, Harness, HarnessError, Owner, Relation, Rule, RunError, Secret,
    SimError, State, Storage,
};
use serde_json::json;

// ---- Harness ------------------------------------------------------------------------------

#[test]
fn harness_tool_calls_record_what_the_hook_ran() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.emit_hook("install")?;
    let calls = h.tool_calls();
    let find = |tool: &str| {
        calls
            .iter()
            .find(|c| c.argv.first().map(String::as_str) == Some(tool))
            .cloned()
    };
    let status = find("status-set").expect("status-set was called");
    assert!(
        status.argv.iter().any(|a| a == "maintenance")
            && status.argv.iter().any(|a| a == "installing"),
        "{:?}",
        status.argv
    );
    assert_eq!(status.exit, 0);
    let version = find("application-version-set").expect("application-version-set was called");
    assert_eq!(version.argv.last().map(String::as_str), Some("1.0"));
    let port = find("open-port").expect("open-port was called");
    assert!(
        port.argv.iter().any(|a| a.starts_with("8080")),
        "{:?}",
        port.argv
    );
    // Calls accumulate over hooks: the next hook's calls come after.
    let before = calls.len();
    h.emit_hook("update-status")?;
    let after = h.tool_calls();
    assert!(after.len() > before);
    assert_eq!(after[..before], calls[..]);
    assert!(after[before..]
        .iter()
        .any(|c| c.argv.first().map(String::as_str) == Some("is-leader")));
    Ok(())
}

#[test]
fn harness_hook_reports_count_handler_calls_per_hook() -> TestResult {
    let mut h = harness();
    h.begin()?;
    assert!(h.hook_reports().is_empty());
    h.emit_hook("install")?;
    // Not observed by the charm: the hook runs, no handler does.
    h.emit_hook("pre-series-upgrade")?;
    // Deferred by the charm (no name set).
    h.emit_hook("config-changed")?;
    let reports = h.hook_reports();
    assert_eq!(reports.len(), 3);
    assert_eq!(reports[0].event, "install");
    assert_eq!(reports[0].handler_calls, 1);
    assert_eq!(reports[1].event, "pre_series_upgrade");
    assert_eq!(reports[1].handler_calls, 0);
    assert_eq!(reports[2].event, "config_changed");
    assert_eq!(reports[2].deferred, 1);
    // A hook whose handler fails is not reported.
    h.update_config([("name", "bob")])?;
    let count = h.hook_reports().len();
    assert!(h.update_config([("port", 0)]).is_err());
    assert_eq!(h.hook_reports().len(), count);
    Ok(())
}

#[test]
fn harness_with_hooks_disabled_nested_keeps_them_disabled() -> TestResult {
    // ops: `hooks_disabled()` only re-enables hooks it disabled itself.
    let mut h = harness();
    h.begin()?;
    h.disable_hooks();
    h.with_hooks_disabled(|h| h.update_config([("name", "bob")]))?;
    assert!(
        !h.hooks_enabled(),
        "hooks were disabled before: they stay so"
    );
    h.update_config([("name", "ann")])?;
    assert!(events(&h).is_empty(), "no hook ran while disabled");
    h.enable_hooks();
    h.update_config([("name", "eve")])?;
    assert_eq!(events(&h), ["config_changed"]);
    assert_eq!(h.unit_status(), Status::active("hello eve"));
    Ok(())
}

#[test]
fn harness_set_model_name_and_uuid_one_at_a_time() -> TestResult {
    let mut h = harness();
    h.set_model_name("staging")?;
    h.set_model_uuid("12345678-1234-4234-8234-123456789abc")?;
    h.begin()?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "model"), "staging");
    assert_eq!(seen(&h, "uuid"), "12345678-1234-4234-8234-123456789abc");
    assert_eq!(h.juju_state().model_name.as_deref(), Some("staging"));
    Ok(())
}

#[test]
fn harness_begin_with_initial_hooks_as_non_leader() -> TestResult {
    // ops: `leader_settings_changed` instead of `leader_elected` when not leader.
    let mut h = harness();
    h.update_config([("name", "bob")])?;
    h.begin_with_initial_hooks()?;
    assert_eq!(
        events(&h),
        [
            "install",
            "cluster:-",
            "leader_settings_changed",
            "config_changed",
            "start"
        ]
    );
    assert_eq!(
        h.app_status(),
        Status::Unknown,
        "leader-elected did not run"
    );
    assert_eq!(h.unit_status(), Status::active("started"));
    Ok(())
}

#[test]
fn harness_peer_app_data_change_is_silent_for_the_leader() -> TestResult {
    // ops: own application data changes fire relation-changed only on a peer relation seen by a
    // non-leader; the leader wrote it itself.
    let mut h = harness();
    h.set_leader(true)?;
    h.begin()?;
    let id = h.add_relation("cluster", "testcharm")?;
    let count = events(&h).len();
    h.update_relation_data(id, "testcharm", [("config", "v1")])?;
    assert_eq!(events(&h).len(), count);
    assert_eq!(
        h.get_relation_data(id, "testcharm")?
            .and_then(|b| b.get("config").cloned())
            .as_deref(),
        Some("v1")
    );
    // The same change seen by a non-leader fires relation-changed.
    h.set_leader(false)?;
    h.update_relation_data(id, "testcharm", [("config", "v2")])?;
    assert_eq!(events(&h).len(), count + 1);
    assert_eq!(events(&h).last().map(String::as_str), Some("cluster:-"));
    Ok(())
}

#[test]
fn harness_remove_storage_runs_detaching_only_if_attached() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let attached = h.add_storage("data", 1, true)?;
    let cache = h.add_storage("cache", 1, false)?;
    h.remove_storage(&attached[0])?;
    assert_eq!(seen(&h, "detaching"), attached[0]);
    assert_eq!(
        events(&h)
            .iter()
            .filter(|e| *e == "data_storage_detaching")
            .count(),
        1
    );
    assert!(matches!(
        h.detach_storage(&attached[0]),
        Err(HarnessError::StorageNotFound(id)) if id == attached[0]
    ));
    // A storage never attached is removed without a hook.
    let count = events(&h).len();
    h.remove_storage(&cache[0])?;
    assert_eq!(events(&h).len(), count);
    assert!(h.juju_state().storage.is_empty());
    Ok(())
}

#[test]
fn harness_detach_twice_runs_detaching_once() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let ids = h.add_storage("data", 1, true)?;
    h.detach_storage(&ids[0])?;
    h.detach_storage(&ids[0])?;
    assert_eq!(
        events(&h)
            .iter()
            .filter(|e| *e == "data_storage_detaching")
            .count(),
        1
    );
    Ok(())
}

#[test]
fn harness_unknown_relation_ids_are_typed_errors() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(id, "postgresql/0")?;
    let unknown = id + 100;
    assert!(matches!(
        h.update_relation_data(unknown, "postgresql", [("a", "b")]),
        Err(HarnessError::RelationNotFound(r)) if r == unknown
    ));
    assert!(matches!(
        h.remove_relation_unit(unknown, "postgresql/0"),
        Err(HarnessError::RelationNotFound(r)) if r == unknown
    ));
    assert!(matches!(
        h.add_relation_unit(unknown, "postgresql/1"),
        Err(HarnessError::RelationNotFound(r)) if r == unknown
    ));
    assert!(matches!(
        h.remove_relation(unknown),
        Err(HarnessError::RelationNotFound(r)) if r == unknown
    ));
    assert!(matches!(
        h.get_relation_data(unknown, "postgresql"),
        Err(HarnessError::RelationNotFound(r)) if r == unknown
    ));
    assert_eq!(
        h.get_secret_grants("secret:nope", id)
            .map_err(|e| e.to_string()),
        Err("secret secret:nope not found".to_string())
    );
    // Nothing ran for the refused calls, and the real relation is untouched.
    assert_eq!(events(&h), ["db_relation_created", "db_relation_joined"]);
    assert_eq!(h.relation_ids("db"), [id]);
    Ok(())
}

#[test]
fn harness_unknown_actions_are_typed_errors() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let err = h
        .run_action("dance", json!({"style": "tango"}))
        .expect_err("the charm has no `dance` action");
    assert!(
        matches!(&err, HarnessError::Sim(SimError::UnknownAction(a)) if a == "dance"),
        "{err:?}"
    );
    assert!(err.charm_error().is_none(), "not the charm's failure");
    assert!(events(&h).is_empty(), "no handler ran");
    Ok(())
}

#[test]
fn harness_add_relation_unit_refuses_the_unit_under_test() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let id = h.add_relation("cluster", "testcharm")?;
    assert!(matches!(
        h.add_relation_unit(id, "testcharm/0"),
        Err(HarnessError::InvalidName { what: "unit", why, .. }) if why.contains("unit under test")
    ));
    assert!(matches!(
        h.add_relation_unit(id, "not a unit"),
        Err(HarnessError::InvalidName { what: "unit", .. })
    ));
    assert_eq!(events(&h), ["cluster:-"]);
    Ok(())
}

#[test]
fn harness_add_model_secret_validates_owner_and_content() -> TestResult {
    let mut h = harness();
    h.begin()?;
    assert!(matches!(
        h.add_model_secret("Not An App", [("key", "v")]),
        Err(HarnessError::InvalidName { name, .. }) if name == "Not An App"
    ));
    assert!(matches!(
        h.add_model_secret("postgresql", [("Bad Key", "v")]),
        Err(HarnessError::SecretContent(_))
    ));
    // A unit may own a secret; its revisions start at 1.
    let id = h.add_model_secret("postgresql/0", [("key", "v")])?;
    assert!(id.starts_with("secret:"), "{id}");
    assert_eq!(h.get_secret_revisions(&id)?, [1]);
    assert_eq!(h.get_secret_content(&id)?, bag(&[("key", "v")]));
    assert!(h.owned_secrets().is_empty(), "owned by another application");
    Ok(())
}

#[test]
fn harness_secret_grants_by_unit_and_revocation() -> TestResult {
    let mut h = harness();
    h.begin()?;
    let rid = h.add_relation("db", "postgresql")?;
    let id = h.add_model_secret("postgresql", [("password", "p")])?;
    h.grant_secret(&id, "testcharm/0")?;
    h.grant_secret(&id, "testcharm/0")?;
    assert_eq!(
        h.get_secret_grants(&id, rid)?,
        ["testcharm/0".to_string()].into(),
        "granting twice grants once"
    );
    h.set_secret_content(&id, [("password", "q")])?;
    assert_eq!(seen(&h, "secret-content"), "password=q");
    h.revoke_secret(&id, "testcharm/0")?;
    assert!(h.get_secret_grants(&id, rid)?.is_empty());
    Ok(())
}

#[test]
fn harness_set_leader_with_hooks_disabled_runs_nothing() -> TestResult {
    let mut h = harness();
    h.begin()?;
    h.with_hooks_disabled(|h| h.set_leader(true))?;
    assert!(events(&h).is_empty());
    assert!(h.juju_state().leader);
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "leader"), "true");
    Ok(())
}

/// ops 2.1.1 `Harness.begin_with_initial_hooks` calls `attach_storage` for each storage, which
/// returns early (no `storage_attached`) for storage already attached: a storage added with
/// `attach=True` before `begin` gets no `storage-attached` from it.
#[test]
fn harness_initial_hooks_skip_storage_attached_before_begin() -> TestResult {
    let mut h = harness();
    h.add_storage("data", 1, true)?;
    h.add_storage("cache", 1, false)?;
    h.begin_with_initial_hooks()?;
    let evs = events(&h);
    assert_eq!(
        evs.iter().filter(|e| *e == "data_storage_attached").count(),
        0,
        "{evs:?}"
    );
    assert_eq!(
        evs.iter()
            .filter(|e| *e == "cache_storage_attached")
            .count(),
        1,
        "{evs:?}"
    );
    Ok(())
}

/// ops 2.1.1 `Harness.begin_with_initial_hooks` emits install, leader-elected /
/// leader-settings-changed, config-changed and start with `charm.on.<event>.emit()` directly, and
/// pebble-ready through `container_pebble_ready` (which this crate's own
/// `Harness::container_pebble_ready` documents as running "even with hooks disabled, as ops emits
/// it directly"). Only relation-created and storage-attached check `_hooks_enabled`.
#[test]
fn harness_initial_hooks_ignore_disabled_hooks_as_ops() -> TestResult {
    let mut h = harness();
    h.update_config([("name", "bob")])?;
    h.disable_hooks();
    h.begin_with_initial_hooks()?;
    assert_eq!(
        events(&h),
        [
            "install",
            "leader_settings_changed",
            "config_changed",
            "start"
        ],
        "relation-created (peer) is skipped with hooks disabled, the rest runs"
    );
    // The same for pebble-ready, through container_pebble_ready.
    let mut k = Harness::<k8s::K8sCharm>::new();
    k.disable_hooks();
    k.begin_with_initial_hooks()?;
    assert_eq!(
        k.charm()?.seen.get("running").map(String::as_str),
        Some("true"),
        "app-pebble-ready ran"
    );
    Ok(())
}

// ---- State and its parts ------------------------------------------------------------------

/// What the fixture charm's `db` relation carries.
#[derive(Debug, PartialEq, RelationData)]
#[databag(rename_all = "kebab-case")]
struct DbInfo {
    endpoint: String,
    seen_host: Option<String>,
}

#[test]
fn state_resource_by_name_reaches_the_charm() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("blob.txt");
    std::fs::write(&path, "named resource")?;
    let input = State::default().with_resource_named("blob", &path);
    assert_eq!(input.resources().get("blob"), Some(&path));
    let out = Context::<TestCharm>::new().run(Event::update_status(), &input)?;
    assert_eq!(state_seen(&out, "blob"), "named resource");
    // Without it, resource-get fails for the charm.
    let out = Context::<TestCharm>::new().run(Event::update_status(), State::default())?;
    assert!(state_seen(&out, "blob").starts_with("error:"));
    Ok(())
}

#[test]
fn state_relation_without_remote_app_is_with_remote() -> TestResult {
    let db = Relation::of::<Db>();
    assert_eq!(db.remote_app_name(), None);
    let out = Context::<TestCharm>::new().run(
        Event::relation_created(&db),
        State::default().with_relation(db.clone()),
    )?;
    assert_eq!(
        state_seen(&out, "db-created-app"),
        ops_testing::state::DEFAULT_REMOTE_APP
    );
    let out = Context::<TestCharm>::new().run(
        Event::relation_joined(&db),
        State::default().with_relation(db.clone()),
    )?;
    assert_eq!(state_seen(&out, "db-joined"), "remote/0");
    Ok(())
}

#[test]
fn state_secret_is_found_by_bare_id() {
    let secret = Secret::new([("key", "v")]);
    let state = State::default().with_secret(secret.clone());
    let bare = secret.id().trim_start_matches("secret:");
    assert_ne!(bare, secret.id());
    assert_eq!(state.secret(bare).map(Secret::id), Some(secret.id()));
    assert_eq!(state.secret(secret.id()).map(Secret::id), Some(secret.id()));
    assert!(state.secret("secret:cbjhqkj7k4e3e1ku2kg0").is_none());
    assert!(state.secret_by_label("none").is_none());
}

#[test]
fn state_storage_names_and_ids() {
    let cache = Storage::of::<Cache>().with_index(2);
    assert_eq!(cache.name(), "cache");
    assert_eq!(cache.index(), 2);
    assert_eq!(cache.id(), "cache/2");
    assert_eq!(cache.location(), None);
    let named = Storage::named("logs").with_location("/srv/logs");
    assert_eq!(named.id(), "logs/0");
    assert_eq!(named.location(), Some(std::path::Path::new("/srv/logs")));
    // `with_storage` replaces the same instance.
    let state = State::default()
        .with_storage(Storage::of::<Cache>())
        .with_storage(Storage::of::<Cache>().with_location("/x"));
    assert_eq!(state.storages().len(), 1);
    assert_eq!(
        state.storage("cache", 0).and_then(Storage::location),
        Some(std::path::Path::new("/x"))
    );
}

#[test]
fn state_secret_revisions_owners_and_contents() -> TestResult {
    let unit = Secret::owned_by_unit([("token", "a")]).with_latest_content([("token", "b")]);
    assert_eq!(unit.owner(), &Owner::Unit);
    assert!(unit.is_owned());
    assert_eq!(unit.tracked_revision(), None, "owners track nothing");
    assert_eq!(unit.content(1), Some(&bag(&[("token", "a")])));
    assert_eq!(unit.content(2), Some(&bag(&[("token", "b")])));
    assert_eq!(unit.content(3), None);
    assert_eq!(unit.revisions(), [1, 2]);
    let app = Secret::owned_by_app([("k", "v")]);
    assert_eq!(app.owner(), &Owner::App);
    let consumed = Secret::new([("k", "v")]);
    assert_eq!(
        consumed.owner(),
        &Owner::Remote(ops_testing::state::DEFAULT_SECRET_OWNER.to_string())
    );
    assert_eq!(consumed.tracked_revision(), Some(1));
    // A unit-owned secret survives a run with its revisions and rotation policy.
    let unit = unit.with_rotate(SecretRotate::Monthly);
    let out = Context::<TestCharm>::new().run(
        Event::update_status(),
        State::default().with_secret(unit.clone()),
    )?;
    let after = out.secret(unit.id()).expect("the secret stays");
    assert_eq!(after.owner(), &Owner::Unit);
    assert_eq!(after.revisions(), [1, 2]);
    assert_eq!(after.rotate(), Some(SecretRotate::Monthly));
    Ok(())
}

#[test]
fn state_local_unit_data_decodes_typed() -> TestResult {
    let rel = Relation::of::<Db>().local_unit_data([("endpoint", "e"), ("seen-host", "h")]);
    assert_eq!(
        rel.local_unit_as::<DbInfo>()?,
        DbInfo {
            endpoint: "e".into(),
            seen_host: Some("h".into()),
        }
    );
    Ok(())
}

#[test]
fn state_stored_entries_hold_the_charm_after_a_run() -> TestResult {
    let out = Context::<TestCharm>::new().run(Event::install(), State::default())?;
    let key = <TestCharm as ops_core::StoredState>::KEY;
    let raw = out
        .stored_entries()
        .get(key)
        .expect("the charm's entry is stored");
    let decoded = <TestCharm as ops_core::StoredState>::from_stored(Some(raw.as_slice()))?;
    assert_eq!(decoded.events, ["install"]);
    assert_eq!(out.stored_state::<TestCharm>()?, decoded);
    Ok(())
}

#[test]
fn context_app_name_reaches_the_charm() -> TestResult {
    let ctx = Context::<TestCharm>::new().with_app_name("myapp");
    assert_eq!(ctx.app_name(), "myapp");
    assert_eq!(ctx.unit_name(), "myapp/0");
    assert_eq!(Context::<TestCharm>::new().app_name(), "testcharm");
    let cluster = Relation::of::<Cluster>();
    let out = ctx.run(
        Event::relation_created(&cluster),
        State::default().with_relation(cluster.clone()),
    )?;
    assert_eq!(state_seen(&out, "cluster-app"), "myapp");
    Ok(())
}

#[test]
fn state_builders_replace_and_accumulate() {
    let state = State::default()
        .with_leader(true)
        .with_leader(false)
        .with_unit_status(Status::blocked("a"))
        .with_unit_status(Status::active("b"))
        .with_app_status(Status::waiting("c"))
        .with_workload_version("1")
        .with_workload_version("2")
        .with_planned_units(3)
        .with_opened_port(ops_testing::Port::tcp(80))
        .with_opened_port(ops_testing::Port::tcp(80))
        .with_config_value("port", 1)
        .with_config_value("port", 2);
    assert!(!state.leader());
    assert_eq!(state.unit_status(), &Status::active("b"));
    assert_eq!(state.app_status(), &Status::waiting("c"));
    assert_eq!(state.workload_version(), "2");
    assert_eq!(state.planned_units(), Some(3));
    assert_eq!(state.opened_ports().len(), 1);
    assert_eq!(state.config().get("port"), Some(&json!(2)));
    let defaults = State::default();
    assert_eq!(defaults.unit_status(), &Status::Unknown);
    assert_eq!(defaults.app_status(), &Status::Unknown);
    assert_eq!(defaults.planned_units(), None);
    assert_eq!(defaults.workload_version(), "");
    assert!(defaults.deferred().is_empty());
}

#[test]
fn state_container_checks_and_files_survive_a_run() -> TestResult {
    let app = Container::of::<k8s::App>()
        .with_check_status("alive", CheckStatus::Up)
        .with_file("/etc/motd", b"\xffbinary");
    let out = Context::<k8s::K8sCharm>::new()
        .run(Event::update_status(), State::default().with_container(app))?;
    let after = out.container("app").expect("the container stays");
    assert_eq!(
        after.check_statuses().get("alive").map(String::as_str),
        Some("up")
    );
    assert_eq!(after.file("/etc/motd"), Some(&b"\xffbinary"[..]));
    assert_eq!(after.file_text("/etc/motd"), None, "not UTF-8");
    assert_eq!(after.file("/nope"), None);
    Ok(())
}

// ---- Typed errors of Context::run ------------------------------------------------------------

#[test]
fn context_run_errors_are_typed() {
    let ctx = Context::<TestCharm>::new();
    // An event on a relation id the state does not have.
    let db = Relation::of::<Db>().remote_app("postgresql");
    let err = ctx
        .run(Event::relation_changed(&db), State::default())
        .expect_err("relation not in the state");
    assert!(
        matches!(&err, RunError::Inconsistent(e) if e.rules().contains(&Rule::EventRelation)),
        "{err:?}"
    );
    assert!(err.charm_error().is_none());
    // An action the charm lacks.
    let err = ctx
        .run(
            Event::action_named("dance", serde_json::Map::new()),
            State::default(),
        )
        .expect_err("no such action");
    let found = err.inconsistency().expect("an inconsistency");
    assert_eq!(
        found.rules().into_iter().collect::<Vec<_>>(),
        [Rule::Action]
    );
    assert!(ctx.action_output().is_none(), "nothing ran");
    // An inconsistent state: a peer relation with a remote application.
    let err = ctx
        .run(
            Event::install(),
            State::default().with_relation(Relation::of::<Cluster>().remote_app("other")),
        )
        .expect_err("inconsistent state");
    assert!(
        matches!(&err, RunError::Inconsistent(e) if e.breaks(Rule::PeerRelation)),
        "{err:?}"
    );
    assert!(ctx.juju_log().is_empty(), "the charm did not run");
}
