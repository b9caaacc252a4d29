//! The db-consumer charm, as state transitions.

use db_consumer::relations::Database;
use db_consumer::{DbConsumer, SECRET_LABEL};
use ops_core::Status;
use ops_testing::{Context, Event, Relation, Secret, State};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn provider() -> Relation {
    Relation::of::<Database>().remote_app("db-provider")
}

#[test]
fn blocked_without_a_relation() -> TestResult {
    let out = Context::<DbConsumer>::new().run(Event::start(), State::default())?;
    assert_eq!(
        out.unit_status(),
        &Status::blocked("needs a database relation")
    );
    Ok(())
}

#[test]
fn waiting_for_credentials() -> TestResult {
    let db = provider().remote_app_data([("endpoints", "10.0.0.10:5432")]);
    let out = Context::<DbConsumer>::new().run(
        Event::relation_changed(&db),
        State::default().with_relation(db),
    )?;
    assert_eq!(
        out.unit_status(),
        &Status::waiting("waiting for credentials")
    );
    Ok(())
}

#[test]
fn the_leader_requests_a_database_on_relation_created() -> TestResult {
    let db = provider();
    let out = Context::<DbConsumer>::new().run(
        Event::relation_created(&db),
        State::default().with_leader(true).with_relation(db.clone()),
    )?;
    let bag = out
        .relation(db.relation_id())
        .expect("the relation")
        .local_app_databag();
    assert_eq!(bag.get("database").map(String::as_str), Some("app-db"));
    assert_eq!(
        out.unit_status(),
        &Status::waiting("waiting for credentials")
    );
    Ok(())
}

#[test]
fn connected_with_the_granted_secret() -> TestResult {
    let secret =
        Secret::new([("username", "app-db-user-7"), ("password", "pw")]).from_app("db-provider");
    let db = provider().remote_app_data([
        ("secret-id", secret.id()),
        ("endpoints", "10.0.0.10:5432"),
        ("database", "app-db"),
    ]);
    let out = Context::<DbConsumer>::new().run(
        Event::relation_changed(&db),
        State::default()
            .with_relation(db.clone())
            .with_secret(secret.clone()),
    )?;
    assert_eq!(
        out.unit_status(),
        &Status::active("connected to 10.0.0.10:5432 as app-db-user-7 (db app-db)")
    );
    let rel = out.relation(db.relation_id()).expect("the relation");
    assert_eq!(
        rel.local_unit_databag()
            .get("connected-as")
            .map(String::as_str),
        Some("app-db-user-7")
    );
    // The charm labelled the secret for itself.
    assert_eq!(
        out.secret(secret.id()).and_then(Secret::label),
        Some(SECRET_LABEL)
    );
    Ok(())
}

#[test]
fn a_secret_not_granted_is_not_accessible() -> TestResult {
    let secret = Secret::new([("username", "u")]).from_app("db-provider");
    // The id is published, but the secret was not granted: it is not in the unit's model.
    let db = provider().remote_app_data([("secret-id", secret.id()), ("endpoints", "e:1")]);
    let out = Context::<DbConsumer>::new().run(
        Event::relation_changed(&db),
        State::default().with_relation(db),
    )?;
    assert_eq!(
        out.unit_status(),
        &Status::waiting("credentials not accessible yet")
    );
    Ok(())
}

#[test]
fn a_rotation_moves_to_the_latest_revision() -> TestResult {
    let secret = Secret::new([("username", "u1")])
        .from_app("db-provider")
        .with_label(SECRET_LABEL)
        .with_latest_content([("username", "u2")]);
    let db = provider().remote_app_data([("secret-id", secret.id()), ("endpoints", "e:1")]);
    let out = Context::<DbConsumer>::new().run(
        Event::secret_changed(&secret),
        State::default()
            .with_relation(db)
            .with_secret(secret.clone()),
    )?;
    assert_eq!(
        out.unit_status(),
        &Status::active("credentials rotated; u2 at e:1")
    );
    assert_eq!(
        out.secret(secret.id()).and_then(Secret::tracked_revision),
        Some(2)
    );
    Ok(())
}

#[test]
fn the_last_unit_leaving_then_the_relation() -> TestResult {
    let db = provider();
    let ctx = Context::<DbConsumer>::new();
    let out = ctx.run(
        Event::relation_departed(&db, 0),
        State::default().with_relation(db.clone()),
    )?;
    assert_eq!(
        out.unit_status(),
        &Status::waiting("no database units left")
    );
    assert!(ctx
        .juju_log()
        .iter()
        .any(|r| r.message == "db-provider/0 departed"));
    let out = ctx.run(Event::relation_broken(&db), out)?;
    assert_eq!(
        out.unit_status(),
        &Status::blocked("database relation removed")
    );
    assert!(out.relations().is_empty());
    Ok(())
}

/// The simulator under these tests behaves as juju-sim: every recorded scenario of this charm,
/// replayed in-process, matches the Python ops recording step by step.
#[test]
fn the_simulator_replays_the_juju_sim_recordings() {
    ops_testing::replay::assert_scenarios_replay::<db_consumer::DbConsumer>(
        "db-consumer",
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    );
}
