//! Every field of [`State`] and every kind of [`Event`], through [`Context::run`], against the
//! `testcharm` fixture charm.

mod common;

use common::*;
use ops_core::hooktools::SecretRotate;
use ops_core::meta::EventKind;
use ops_core::Status;
use ops_testing::{
    Context, Event, Model, Network, Owner, Port, Relation, RunError, Secret, State, Storage,
};
use serde_json::json;
use std::collections::BTreeMap;

fn ctx() -> Context<TestCharm> {
    Context::<TestCharm>::new()
}

fn charm(state: &State) -> TestCharm {
    state
        .stored_state::<TestCharm>()
        .expect("the stored state decodes")
}

fn named() -> State {
    State::default().with_config(|c: &mut Config| c.name = "bob".into())
}

#[test]
fn install_on_a_fresh_unit() -> TestResult {
    let ctx = ctx();
    let input = State::default();
    let out = ctx.run(Event::install(), &input)?;
    assert_eq!(out.unit_status(), &Status::maintenance("installing"));
    assert_eq!(out.workload_version(), "1.0");
    assert_eq!(
        out.opened_ports().iter().collect::<Vec<_>>(),
        [&Port::tcp(8080)]
    );
    assert_eq!(charm(&out).events, ["install"]);
    assert_eq!(ctx.unit_status_history(), [Status::Unknown]);
    assert_eq!(ctx.workload_version_history(), [""]);
    assert!(ctx
        .juju_log()
        .iter()
        .any(|r| r.message == "installed on port 8080"));
    // The input is untouched.
    assert_eq!(input, State::default());
    Ok(())
}

#[test]
fn leader_and_app_status() -> TestResult {
    let ctx = ctx();
    let out = ctx.run(Event::leader_elected(), State::default().with_leader(true))?;
    assert!(out.leader());
    assert_eq!(out.app_status(), &Status::active("leading"));
    assert_eq!(ctx.app_status_history(), [Status::Unknown]);
    // A non-leader cannot set the application status: the hook fails.
    let err = ctx
        .run(Event::leader_elected(), State::default())
        .expect_err("not leader");
    assert!(err.to_string().contains("non-leader"), "{err}");
    Ok(())
}

#[test]
fn typed_config() -> TestResult {
    let input = State::default().with_config(|c: &mut Config| {
        c.name = "alice".into();
        c.port = 9000;
        c.ratio = 0.25;
        c.token = Some("t0k".into());
    });
    assert_eq!(input.config().get("port"), Some(&json!(9000)));
    let out = ctx().run(Event::config_changed(), &input)?;
    assert_eq!(out.unit_status(), &Status::active("hello alice"));
    assert_eq!(state_seen(&out, "port"), "9000");
    assert_eq!(state_seen(&out, "ratio"), "0.25");
    assert_eq!(state_seen(&out, "token"), "t0k");
    // Unsetting an option without default.
    let input = input.with_config(|c: &mut Config| c.token = None);
    assert!(!input.config().contains_key("token"));
    let out = ctx().run(Event::config_changed(), &input)?;
    assert_eq!(state_seen(&out, "token"), "none");
    Ok(())
}

#[test]
fn deferral_then_success() -> TestResult {
    let ctx = ctx();
    let out = ctx.run(Event::config_changed(), State::default())?;
    assert_eq!(out.unit_status(), &Status::blocked("set name"));
    assert_eq!(out.deferred().len(), 1);
    assert_eq!(out.deferred()[0].event_name(), "config_changed");
    assert_eq!(out.deferred()[0].method(), "on_config_changed");
    let next = out.with_config(|c: &mut Config| c.name = "bob".into());
    let out = ctx.run(Event::update_status(), next)?;
    assert!(out.deferred().is_empty());
    assert_eq!(
        charm(&out).events,
        ["config_changed:deferred", "config_changed", "update_status"]
    );
    assert_eq!(ctx.last_run().report.map(|r| r.deferred), Some(0));
    Ok(())
}

#[test]
fn an_event_equal_to_a_deferred_one_in_the_input_is_skipped() -> TestResult {
    // As ops ≥ 2.18 (and Scenario): the deferred config-changed is re-emitted and deferred again;
    // it stands for the new one, whose handler does not run and which is not queued.
    let ctx = ctx();
    let input =
        State::default().with_deferred(Event::config_changed().deferred("on_config_changed"));
    let out = ctx.run(Event::config_changed(), input)?;
    assert_eq!(charm(&out).events, ["config_changed:deferred"]);
    assert_eq!(out.deferred().len(), 1);
    let infos: Vec<_> = ctx
        .juju_log()
        .into_iter()
        .filter(|r| r.level == "INFO")
        .map(|r| r.message)
        .collect();
    assert_eq!(
        infos,
        ["Skipping notice (TestCharm/on/config_changed[2]/TestCharm/on_config_changed) - already in the queue."]
    );
    // Another event is not a duplicate.
    let out = ctx.run(Event::start(), out)?;
    assert_eq!(
        charm(&out).events,
        [
            "config_changed:deferred",
            "config_changed:deferred",
            "start"
        ]
    );
    Ok(())
}

#[test]
fn deferred_events_in_the_input() -> TestResult {
    let db = Relation::of::<Db>()
        .remote_app("postgresql")
        .remote_app_data([("endpoint", "pg:1")]);
    let input = named()
        .with_relation(db.clone())
        .with_deferred(Event::config_changed().deferred("on_config_changed"))
        .with_deferred(Event::relation_changed(&db).deferred("on_db_changed"));
    let out = ctx().run(Event::start(), input)?;
    assert_eq!(
        charm(&out).events,
        ["config_changed", "db_relation_changed", "start"]
    );
    assert!(out.deferred().is_empty());
    assert_eq!(state_seen(&out, "db-endpoint"), "pg:1");
    Ok(())
}

#[test]
fn relation_changed_reads_and_writes_databags() -> TestResult {
    let db = Relation::of::<Db>()
        .remote_app("postgresql")
        .remote_app_data([("endpoint", "pg:5432")])
        .remote_unit(0, [("host", "10.1.1.1")])
        .local_unit_data([("old", "x")]);
    let input = State::default().with_leader(true).with_relation(db.clone());
    let out = ctx().run(Event::relation_changed(&db), &input)?;
    let rel = out.relation(db.relation_id()).expect("the relation");
    assert_eq!(
        rel.local_unit_databag(),
        &bag(&[
            ("old", "x"),
            ("seen-endpoint", "pg:5432"),
            ("seen-host", "10.1.1.1")
        ])
    );
    assert_eq!(rel.local_app_databag(), &bag(&[("user", "testcharm")]));
    assert_eq!(rel.remote_app_databag(), &bag(&[("endpoint", "pg:5432")]));
    assert_eq!(out.unit_status(), &Status::active("db at pg:5432"));
    // Without a remote unit (a change of the remote application's data).
    let out = ctx().run(Event::relation_changed(&db).for_remote_app(), &input)?;
    let rel = out.relation(db.relation_id()).expect("the relation");
    assert!(!rel.local_unit_databag().contains_key("seen-host"));
    Ok(())
}

#[test]
fn relation_events_name_their_units() -> TestResult {
    let db = Relation::of::<Db>()
        .remote_app("postgresql")
        .remote_units([0, 1]);
    let input = State::default().with_relation(db.clone());
    let out = ctx().run(Event::relation_created(&db), &input)?;
    assert_eq!(state_seen(&out, "db-created-app"), "postgresql");
    let out = ctx().run(Event::relation_joined(&db).with_remote_unit(1), &input)?;
    assert_eq!(state_seen(&out, "db-joined"), "postgresql/1");
    let out = ctx().run(Event::relation_departed(&db, 1), &input)?;
    assert_eq!(state_seen(&out, "db-departed"), "postgresql/1");
    assert_eq!(state_seen(&out, "db-units"), "1");
    let rel = out.relation(db.relation_id()).expect("the relation");
    assert_eq!(rel.remote_units_data().keys().collect::<Vec<_>>(), [&0]);
    Ok(())
}

#[test]
fn relation_broken_removes_the_relation() -> TestResult {
    let db = Relation::of::<Db>().remote_app("postgresql");
    let out = ctx().run(
        Event::relation_broken(&db),
        State::default().with_relation(db.clone()),
    )?;
    assert!(out.relation(db.relation_id()).is_none());
    assert_eq!(state_seen(&out, "db-relations"), "0");
    assert_eq!(out.unit_status(), &Status::blocked("no db"));
    Ok(())
}

#[test]
fn peer_relations() -> TestResult {
    let cluster = Relation::of::<Cluster>()
        .remote_unit(1, [("address", "10.0.0.11")])
        .local_app_data([("leader", "testcharm/1")]);
    let input = State::default().with_relation(cluster.clone());
    let out = ctx().run(Event::relation_changed(&cluster), &input)?;
    assert_eq!(state_seen(&out, "cluster-leader"), "testcharm/1");
    assert_eq!(state_seen(&out, "cluster-app"), "testcharm");
    assert_eq!(state_seen(&out, "peers"), "1");
    // The leader writes the peers' application databag.
    let ctx = ctx().with_app_name("myapp").with_unit_id(3);
    let out = ctx.run(Event::relation_changed(&cluster), input.with_leader(true))?;
    let rel = out.relation(cluster.relation_id()).expect("the relation");
    assert_eq!(rel.local_app_databag(), &bag(&[("leader", "myapp/3")]));
    assert_eq!(ctx.unit_name(), "myapp/3");
    Ok(())
}

#[test]
fn subordinate_relations() -> TestResult {
    let info = Relation::of::<Info>()
        .remote_app("ubuntu")
        .remote_units([4]);
    let out = ctx().run(
        Event::relation_joined(&info),
        State::default().with_relation(info.clone()),
    )?;
    assert_eq!(state_seen(&out, "principal"), "ubuntu/4");
    Ok(())
}

#[test]
fn consumed_secrets() -> TestResult {
    let db = Relation::of::<Db>().remote_app("postgresql");
    let secret = Secret::new([("password", "old")])
        .from_app("postgresql")
        .with_latest_content([("password", "new")])
        .with_label("db-pass");
    assert_eq!(secret.tracked_content(), Some(&bag(&[("password", "old")])));
    let out = ctx().run(
        Event::secret_changed(&secret),
        State::default()
            .with_relation(db)
            .with_secret(secret.clone()),
    )?;
    assert_eq!(state_seen(&out, "secret-content"), "password=new");
    assert_eq!(state_seen(&out, "secret-label"), "db-pass");
    let after = out.secret(secret.id()).expect("the secret");
    assert_eq!(after.tracked_revision(), Some(2), "refreshed to the latest");
    assert_eq!(after.owner(), &Owner::Remote("postgresql".into()));
    assert_eq!(after.label(), Some("db-pass"));
    Ok(())
}

#[test]
fn secrets_the_charm_creates_and_grants() -> TestResult {
    let web = Relation::of::<Website>().remote_app("webapp");
    let out = ctx().run(
        Event::relation_joined(&web),
        State::default()
            .with_leader(true)
            .with_relation(web.clone()),
    )?;
    assert_eq!(out.secrets().len(), 1);
    let secret = &out.secrets()[0];
    assert_eq!(secret.owner(), &Owner::App);
    let label = format!("website-{}", web.relation_id());
    assert_eq!(secret.label(), Some(label.as_str()));
    let password = format!("pw-{}", web.relation_id());
    assert_eq!(secret.latest(), Some(&bag(&[("password", &password)])));
    assert_eq!(
        secret.remote_grants().get(&web.relation_id()),
        Some(&["webapp".to_string()].into())
    );
    let rel = out.relation(web.relation_id()).expect("the relation");
    assert_eq!(rel.local_app_databag(), &bag(&[("secret-id", secret.id())]));
    assert_eq!(
        out.secret_by_label(&label).map(Secret::id),
        Some(secret.id())
    );
    Ok(())
}

#[test]
fn owner_secret_events() -> TestResult {
    let secret = Secret::owned_by_app([("password", "one")])
        .with_latest_content([("password", "two")])
        .with_rotate(SecretRotate::Daily)
        .with_description("db password");
    let input = State::default()
        .with_leader(true)
        .with_secret(secret.clone());
    let out = ctx().run(Event::secret_rotate(&secret), &input)?;
    let after = out.secret(secret.id()).expect("the secret");
    assert_eq!(after.revisions(), [1, 2, 3]);
    assert_eq!(
        after.latest(),
        Some(&bag(&[("password", "two"), ("rotated", "yes")]))
    );
    assert_eq!(after.rotate(), Some(SecretRotate::Daily));
    assert_eq!(after.description(), Some("db password"));
    let out = ctx().run(Event::secret_remove(&secret, 1), &input)?;
    assert_eq!(
        out.secret(secret.id()).expect("the secret").revisions(),
        [2]
    );
    let out = ctx().run(Event::secret_expired(&secret, 2), &input)?;
    assert_eq!(state_seen(&out, "expired"), "2");
    // A unit-owned secret is managed without leadership.
    let unit_secret = Secret::owned_by_unit([("token", "abc")]);
    let out = ctx().run(
        Event::secret_rotate(&unit_secret),
        State::default().with_secret(unit_secret.clone()),
    )?;
    assert_eq!(
        out.secret(unit_secret.id()).map(Secret::latest_revision),
        Some(2)
    );
    Ok(())
}

#[test]
fn storage_attached_writes_into_its_directory() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = Storage::of::<Data>().with_location(dir.path());
    let out = ctx().run(
        Event::storage_attached(&data),
        State::default().with_storage(data.clone()),
    )?;
    assert_eq!(
        std::fs::read_to_string(dir.path().join("hello.txt"))?,
        "data/0"
    );
    assert_eq!(
        state_seen(&out, "data-location"),
        dir.path().display().to_string()
    );
    // Without a location, the context mounts it in a directory of its own (which lives as
    // long as the context).
    let data = Storage::of::<Data>();
    let ctx = ctx();
    let out = ctx.run(
        Event::storage_attached(&data),
        State::default().with_storage(data),
    )?;
    let location = out
        .storage("data", 0)
        .and_then(Storage::location)
        .expect("a location");
    assert_eq!(
        std::fs::read_to_string(location.join("hello.txt"))?,
        "data/0"
    );
    Ok(())
}

#[test]
fn storage_detaching_removes_the_storage() -> TestResult {
    let data = Storage::of::<Data>();
    let out = ctx().run(
        Event::storage_detaching(&data),
        State::default().with_storage(data),
    )?;
    assert_eq!(state_seen(&out, "detaching"), "data/0");
    assert!(out.storages().is_empty());
    Ok(())
}

#[test]
fn storage_requests_are_recorded() -> TestResult {
    let ctx = ctx();
    let cache = Storage::of::<Cache>().with_index(1);
    let out = ctx.run(
        Event::storage_attached(&cache),
        State::default().with_storage(cache),
    )?;
    assert_eq!(state_seen(&out, "cache"), "cache/1");
    assert_eq!(ctx.last_run().requested_storage, [("cache".to_string(), 1)]);
    Ok(())
}

#[test]
fn networks_resources_model_and_planned_units() -> TestResult {
    let dir = tempfile::tempdir()?;
    let blob = dir.path().join("blob.txt");
    std::fs::write(&blob, "resource bytes")?;
    let cluster = Relation::of::<Cluster>().remote_units([1, 2]);
    let input = State::default()
        .with_leader(true)
        .with_app_status(Status::blocked("app"))
        .with_network("db", Network::new("192.168.1.5"))
        .with_resource::<Blob>(&blob)
        .with_model(Model {
            name: "prod".into(),
            uuid: "11111111-2222-4333-8444-555555555555".into(),
        })
        .with_relation(cluster);
    let out = ctx().run(Event::update_status(), &input)?;
    assert_eq!(state_seen(&out, "db-address"), "192.168.1.5");
    assert_eq!(state_seen(&out, "admin-address"), "10.0.0.10");
    assert_eq!(state_seen(&out, "blob"), "resource bytes");
    assert_eq!(state_seen(&out, "model"), "prod");
    assert_eq!(
        state_seen(&out, "uuid"),
        "11111111-2222-4333-8444-555555555555"
    );
    assert_eq!(
        state_seen(&out, "planned"),
        "3",
        "this unit and its two peers"
    );
    assert_eq!(state_seen(&out, "app-status"), "blocked: app");
    assert_eq!(state_seen(&out, "leader"), "true");
    let out = ctx().run(Event::update_status(), input.with_planned_units(5))?;
    assert_eq!(state_seen(&out, "planned"), "5");
    assert_eq!(out.planned_units(), Some(5));
    Ok(())
}

#[test]
fn opened_ports_statuses_and_workload_version_carry_over() -> TestResult {
    let input = State::default()
        .with_opened_port(Port::tcp(22))
        .with_opened_port(Port::udp(53))
        .with_unit_status(Status::waiting("w"))
        .with_workload_version("0.9");
    let out = ctx().run(Event::update_status(), &input)?;
    assert_eq!(state_seen(&out, "ports"), "22/tcp,53/udp");
    assert_eq!(out.unit_status(), &Status::waiting("w"));
    assert_eq!(out.workload_version(), "0.9");
    let out = ctx().run(Event::install(), &input)?;
    assert_eq!(
        out.opened_ports().iter().copied().collect::<Vec<_>>(),
        [Port::tcp(22), Port::tcp(8080), Port::udp(53)]
    );
    assert_eq!(out.workload_version(), "1.0");
    Ok(())
}

#[test]
fn stored_state_is_the_charm() -> TestResult {
    let before = TestCharm {
        events: vec!["earlier".into()],
        seen: BTreeMap::new(),
    };
    let out = ctx().run(
        Event::update_status(),
        State::default().with_stored_state(&before),
    )?;
    assert_eq!(charm(&out).events, ["earlier", "update_status"]);
    Ok(())
}

#[test]
fn actions_results_logs_and_failures() -> TestResult {
    let ctx = ctx();
    ctx.run(
        Event::action::<Greet>(GreetParams {
            who: "bob".into(),
            times: 2,
        }),
        State::default(),
    )?;
    let out = ctx.action_output().expect("an action output");
    assert_eq!(
        serde_json::Value::Object(out.results),
        json!({"greeting": "hi bob hi bob", "details": {"times": "2"}})
    );
    assert_eq!(out.logs, ["greeting bob"]);
    assert_eq!(out.failure, None);
    ctx.run(
        Event::action::<Fail>(FailParams {
            reason: "nope".into(),
        }),
        State::default(),
    )?;
    assert_eq!(
        ctx.action_output().and_then(|o| o.failure).as_deref(),
        Some("nope")
    );
    let err = ctx
        .run(
            Event::action::<testcharm::actions::Boom>(BoomParams {}),
            State::default(),
        )
        .expect_err("boom fails");
    let charm_error = err.charm_error().expect("a charm error");
    assert_eq!(charm_error.event, "boom");
    assert!(charm_error.to_string().contains("boom"));
    let output = ctx.action_output().expect("the output so far");
    assert_eq!(output.results["partial"], "yes");
    assert_eq!(output.failure.as_deref(), Some("exit status 1"));
    Ok(())
}

#[test]
fn metrics_pod_spec_and_reboot_are_recorded() -> TestResult {
    let ctx = ctx();
    ctx.run(Event::collect_metrics(), State::default())?;
    let metrics = ctx.last_run().metrics;
    assert_eq!(
        metrics[0].metrics.get("events").map(String::as_str),
        Some("1.0")
    );
    ctx.run(Event::upgrade_charm(), State::default().with_leader(true))?;
    let record = ctx.last_run();
    assert!(record.pod_spec.expect("a pod spec").spec.contains("nginx"));
    assert_eq!(record.reboot.as_deref(), Some("after-hook"));
    assert!(ctx
        .tool_calls()
        .iter()
        .any(|c| c.argv[0] == "pod-spec-set" && c.exit == 0));
    Ok(())
}

#[test]
fn charm_errors_leave_nothing_committed() -> TestResult {
    let input = named().with_config(|c: &mut Config| c.port = 0);
    let err = ctx()
        .run(Event::config_changed(), &input)
        .expect_err("port 0 fails");
    match &err {
        RunError::Charm(e) => {
            assert_eq!(e.event, "config-changed");
            assert!(e.to_string().contains("port 0 is reserved"), "{e}");
        }
        other => panic!("expected a charm error, got {other}"),
    }
    Ok(())
}

#[test]
fn juju_version_reaches_the_charm() -> TestResult {
    let db = Relation::of::<Db>().remote_app("postgresql");
    let input = State::default().with_relation(db.clone());
    let ctx = ctx().with_juju_version("2.6.1");
    let err = ctx
        .run(Event::relation_changed(&db), &input)
        .expect_err("no application data before Juju 2.7");
    assert!(err.to_string().contains("not supported"), "{err}");
    Ok(())
}

#[test]
fn events_have_ops_names() {
    let db = Relation::of::<Db>();
    let data = Storage::of::<Data>();
    let secret = Secret::new([("a-key", "v")]);
    let cases = [
        (Event::install(), "install", EventKind::Install),
        (Event::start(), "start", EventKind::Start),
        (Event::stop(), "stop", EventKind::Stop),
        (Event::remove(), "remove", EventKind::Remove),
        (
            Event::update_status(),
            "update_status",
            EventKind::UpdateStatus,
        ),
        (
            Event::config_changed(),
            "config_changed",
            EventKind::ConfigChanged,
        ),
        (
            Event::upgrade_charm(),
            "upgrade_charm",
            EventKind::UpgradeCharm,
        ),
        (
            Event::pre_series_upgrade(),
            "pre_series_upgrade",
            EventKind::PreSeriesUpgrade,
        ),
        (
            Event::post_series_upgrade(),
            "post_series_upgrade",
            EventKind::PostSeriesUpgrade,
        ),
        (
            Event::leader_elected(),
            "leader_elected",
            EventKind::LeaderElected,
        ),
        (
            Event::leader_settings_changed(),
            "leader_settings_changed",
            EventKind::LeaderSettingsChanged,
        ),
        (
            Event::collect_metrics(),
            "collect_metrics",
            EventKind::CollectMetrics,
        ),
        (
            Event::relation_created(&db),
            "db_relation_created",
            EventKind::RelationCreated,
        ),
        (
            Event::relation_joined(&db),
            "db_relation_joined",
            EventKind::RelationJoined,
        ),
        (
            Event::relation_changed(&db),
            "db_relation_changed",
            EventKind::RelationChanged,
        ),
        (
            Event::relation_departed(&db, 0),
            "db_relation_departed",
            EventKind::RelationDeparted,
        ),
        (
            Event::relation_broken(&db),
            "db_relation_broken",
            EventKind::RelationBroken,
        ),
        (
            Event::storage_attached(&data),
            "data_storage_attached",
            EventKind::StorageAttached,
        ),
        (
            Event::storage_detaching(&data),
            "data_storage_detaching",
            EventKind::StorageDetaching,
        ),
        (
            Event::secret_changed(&secret),
            "secret_changed",
            EventKind::SecretChanged,
        ),
        (
            Event::secret_rotate(&secret),
            "secret_rotate",
            EventKind::SecretRotate,
        ),
        (
            Event::secret_remove(&secret, 1),
            "secret_remove",
            EventKind::SecretRemove,
        ),
        (
            Event::secret_expired(&secret, 1),
            "secret_expired",
            EventKind::SecretExpired,
        ),
        (
            Event::action::<Greet>(GreetParams {
                who: "x".into(),
                times: 1,
            }),
            "greet_action",
            EventKind::Action,
        ),
    ];
    for (event, name, kind) in cases {
        assert_eq!(event.name(), name);
        assert_eq!(event.kind(), kind);
    }
    assert_eq!(
        Event::relation_changed(&db).hook_name(),
        "db-relation-changed"
    );
}

#[test]
fn stop_and_remove() -> TestResult {
    let out = ctx().run(Event::stop(), State::default())?;
    let out = ctx().run(Event::remove(), out)?;
    assert_eq!(charm(&out).events, ["stop_or_remove", "stop_or_remove"]);
    let out = ctx().run(Event::leader_settings_changed(), out)?;
    assert_eq!(
        charm(&out).events.last().map(String::as_str),
        Some("leader_settings_changed")
    );
    // Events the charm does not observe run nothing and commit nothing.
    let ctx = ctx();
    let same = ctx.run(Event::pre_series_upgrade(), &out)?;
    assert_eq!(same, out);
    assert_eq!(ctx.last_run().report.map(|r| r.handler_calls), Some(0));
    Ok(())
}

#[test]
fn state_accessors() -> TestResult {
    let db = Relation::of::<Db>().remote_app("postgresql");
    let web = Relation::of::<Website>().remote_app("webapp").id(4242);
    let state = State::default()
        .with_relation(db.clone())
        .with_relation(web.clone())
        .with_network("admin", Network::new("172.16.0.1"))
        .with_resource::<Blob>("/tmp/blob.txt")
        .with_stored_state(&TestCharm::default());
    assert_eq!(state.relations_of("db"), [&db]);
    assert_eq!(
        state.relation(4242).map(Relation::endpoint),
        Some("website")
    );
    assert_eq!(db.interface(), Some("pgsql"));
    assert_eq!(db.remote_app_name(), Some("postgresql"));
    assert_eq!(
        state
            .networks()
            .get("admin")
            .map(|n| n.ingress_addresses.clone()),
        Some(vec!["172.16.0.1".to_string()])
    );
    assert_eq!(
        state
            .resources()
            .get("blob")
            .map(|p| p.display().to_string()),
        Some("/tmp/blob.txt".to_string())
    );
    assert_eq!(state.stored_entries().len(), 1);
    assert_eq!(state.model(), &Model::default());
    let state = state.without_relation(4242);
    assert!(state.relation(4242).is_none());
    // Running keeps what the hook did not touch.
    let out = ctx().run(Event::update_status(), &state)?;
    assert_eq!(out.relations(), state.relations());
    assert_eq!(out.networks(), state.networks());
    assert_eq!(out.resources(), state.resources());
    Ok(())
}
