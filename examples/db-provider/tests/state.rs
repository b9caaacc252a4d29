//! The db-provider charm, as state transitions.

use db_provider::relations::{Cluster, Database};
use db_provider::Config;
use db_provider::{password, DbProvider};
use ops_core::Status;
use ops_testing::{Context, Event, Owner, Relation, Secret, State};
use std::collections::{BTreeMap, BTreeSet};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn requested() -> Relation {
    Relation::of::<Database>()
        .remote_app("app")
        .remote_app_data([("database", "app-db")])
}

fn credentials(rid: i64, salt: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("username".to_string(), format!("app-db-user-{rid}")),
        ("password".to_string(), password(salt, rid, "app-db")),
    ])
}

#[test]
fn the_leader_creates_grants_and_publishes_a_secret() -> TestResult {
    let db = requested();
    let out = Context::<DbProvider>::new().run(
        Event::relation_changed(&db),
        State::default().with_leader(true).with_relation(db.clone()),
    )?;
    let rid = db.relation_id();
    let [secret] = out.secrets() else {
        panic!("expected one secret, got {:?}", out.secrets());
    };
    assert_eq!(secret.owner(), &Owner::App);
    assert_eq!(secret.label(), Some(format!("database-{rid}").as_str()));
    assert_eq!(secret.latest(), Some(&credentials(rid, "salt-1")));
    assert_eq!(
        secret.remote_grants().get(&rid),
        Some(&BTreeSet::from(["app".to_string()]))
    );
    let bag = out.relation(rid).expect("the relation").local_app_databag();
    assert_eq!(bag.get("secret-id").map(String::as_str), Some(secret.id()));
    assert_eq!(bag.get("database").map(String::as_str), Some("app-db"));
    assert_eq!(
        bag.get("endpoints").map(String::as_str),
        Some("10.0.0.10:5432")
    );
    assert_eq!(
        out.unit_status(),
        &Status::active("serving 1 relation(s) on port 5432")
    );
    Ok(())
}

#[test]
fn a_new_salt_gives_the_secret_a_new_revision() -> TestResult {
    let db = requested();
    let rid = db.relation_id();
    let secret = Secret::owned_by_app(credentials(rid, "salt-1"))
        .with_label(format!("database-{rid}"))
        .with_remote_grant(&db, "app");
    let db = db.local_app_data([("secret-id", secret.id())]);
    let input = State::default()
        .with_leader(true)
        .with_config(|c: &mut Config| c.password_salt = "salt-2".into())
        .with_relation(db)
        .with_secret(secret.clone());
    let out = Context::<DbProvider>::new().run(Event::config_changed(), input)?;
    let after = out.secret(secret.id()).expect("the secret");
    assert_eq!(after.revisions(), [1, 2]);
    assert_eq!(after.latest(), Some(&credentials(rid, "salt-2")));
    Ok(())
}

#[test]
fn relation_broken_removes_the_secret() -> TestResult {
    let db = requested();
    let secret = Secret::owned_by_app([("password", "x")]).with_remote_grant(&db, "app");
    let db = db.local_app_data([("secret-id", secret.id())]);
    let out = Context::<DbProvider>::new().run(
        Event::relation_broken(&db),
        State::default()
            .with_leader(true)
            .with_relation(db.clone())
            .with_secret(secret),
    )?;
    assert!(out.secrets().is_empty());
    assert!(out.relations().is_empty());
    assert_eq!(out.unit_status(), &Status::waiting("waiting for consumers"));
    Ok(())
}

#[test]
fn a_non_leader_publishes_nothing() -> TestResult {
    let db = requested();
    let out = Context::<DbProvider>::new().run(
        Event::relation_changed(&db),
        State::default().with_relation(db.clone()),
    )?;
    assert!(out.secrets().is_empty());
    assert!(out
        .relation(db.relation_id())
        .expect("the relation")
        .local_app_databag()
        .is_empty());
    assert_eq!(
        out.unit_status(),
        &Status::active("standby for 1 relation(s)")
    );
    Ok(())
}

#[test]
fn consumers_are_recorded_as_units_come_and_go() -> TestResult {
    let db = requested().remote_units([0, 1]);
    let ctx = Context::<DbProvider>::new();
    let state = State::default().with_leader(true).with_relation(db.clone());
    let out = ctx.run(Event::relation_joined(&db), &state)?;
    let consumers = |s: &State| {
        s.relation(db.relation_id())
            .and_then(|r| r.local_app_databag().get("consumers").cloned())
    };
    assert_eq!(consumers(&out).as_deref(), Some("app/0,app/1"));
    let out = ctx.run(Event::relation_departed(&db, 1), &out)?;
    assert_eq!(consumers(&out).as_deref(), Some("app/0"));
    assert!(ctx
        .juju_log()
        .iter()
        .any(|r| r.message == "app/1 is leaving database"));
    Ok(())
}

#[test]
fn peers_record_their_address_and_the_leader_publishes_all() -> TestResult {
    let db = requested();
    let cluster = Relation::of::<Cluster>().remote_unit(1, [("address", "10.0.0.11")]);
    let out = Context::<DbProvider>::new().run(
        Event::relation_changed(&cluster),
        State::default()
            .with_leader(true)
            .with_relation(db.clone())
            .with_relation(cluster.clone()),
    )?;
    let mine = out.relation(cluster.relation_id()).expect("cluster");
    assert_eq!(
        mine.local_unit_databag().get("address").map(String::as_str),
        Some("10.0.0.10")
    );
    let bag = out
        .relation(db.relation_id())
        .expect("database")
        .local_app_databag();
    assert_eq!(
        bag.get("endpoints").map(String::as_str),
        Some("10.0.0.10:5432,10.0.0.11:5432")
    );
    Ok(())
}

/// The simulator under these tests behaves as juju-sim: every recorded scenario of this charm,
/// replayed in-process, matches the Python ops recording step by step.
#[test]
fn the_simulator_replays_the_juju_sim_recordings() {
    ops_testing::replay::assert_scenarios_replay::<db_provider::DbProvider>(
        "db-provider",
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    );
}
