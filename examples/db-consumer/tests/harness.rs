//! The db-consumer charm, driven with the [`Harness`]: waiting for credentials, then connected
//! with the provider's secret, then following its rotations.

use db_consumer::DbConsumer;
use ops_core::Status;
use ops_testing::Harness;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A leader related to `db-provider`, with one provider unit.
fn related() -> Result<(Harness<DbConsumer>, i64), Box<dyn std::error::Error>> {
    let mut h = Harness::<DbConsumer>::new();
    h.set_leader(true)?;
    h.begin_with_initial_hooks()?;
    let rid = h.add_relation("database", "db-provider")?;
    h.add_relation_unit(rid, "db-provider/0")?;
    Ok((h, rid))
}

#[test]
fn waiting_then_connected() -> TestResult {
    let mut h = Harness::<DbConsumer>::new();
    h.set_leader(true)?;
    h.begin_with_initial_hooks()?;
    assert_eq!(
        h.unit_status(),
        Status::blocked("needs a database relation")
    );

    let rid = h.add_relation("database", "db-provider")?;
    assert_eq!(h.unit_status(), Status::waiting("waiting for credentials"));
    assert_eq!(
        h.get_relation_data(rid, "db-consumer")?
            .and_then(|b| b.get("database").cloned())
            .as_deref(),
        Some("app-db"),
        "the leader requested its database"
    );
    h.add_relation_unit(rid, "db-provider/0")?;
    assert_eq!(
        h.get_relation_data(rid, "db-consumer/0")?
            .and_then(|b| b.get("client").cloned())
            .as_deref(),
        Some("db-consumer/0")
    );

    // The provider creates a secret, grants it and publishes it.
    let secret = h.add_model_secret(
        "db-provider",
        [("username", "app-db-user-0"), ("password", "pw")],
    )?;
    h.grant_secret(&secret, "db-consumer")?;
    h.update_relation_data(
        rid,
        "db-provider",
        [
            ("secret-id", secret.as_str()),
            ("endpoints", "10.0.0.10:5432"),
            ("database", "app-db"),
        ],
    )?;
    assert_eq!(
        h.unit_status(),
        Status::active("connected to 10.0.0.10:5432 as app-db-user-0 (db app-db)")
    );
    assert_eq!(
        h.get_relation_data(rid, "db-consumer/0")?
            .and_then(|b| b.get("connected-as").cloned())
            .as_deref(),
        Some("app-db-user-0")
    );
    Ok(())
}

#[test]
fn a_secret_not_granted_is_not_accessible() -> TestResult {
    let (mut h, rid) = related()?;
    let secret = h.add_model_secret("db-provider", [("username", "u")])?;
    h.update_relation_data(
        rid,
        "db-provider",
        [("secret-id", secret.as_str()), ("endpoints", "e:1")],
    )?;
    assert_eq!(
        h.unit_status(),
        Status::waiting("credentials not accessible yet")
    );
    Ok(())
}

#[test]
fn rotations_are_followed() -> TestResult {
    let (mut h, rid) = related()?;
    let secret = h.add_model_secret("db-provider", [("username", "u1")])?;
    h.grant_secret(&secret, "db-consumer")?;
    h.update_relation_data(
        rid,
        "db-provider",
        [("secret-id", secret.as_str()), ("endpoints", "e:1")],
    )?;
    h.set_secret_content(&secret, [("username", "u2")])?;
    assert_eq!(
        h.unit_status(),
        Status::active("credentials rotated; u2 at e:1")
    );
    Ok(())
}

#[test]
fn departed_then_broken() -> TestResult {
    let (mut h, rid) = related()?;
    h.remove_relation_unit(rid, "db-provider/0")?;
    assert_eq!(h.unit_status(), Status::waiting("no database units left"));
    h.remove_relation(rid)?;
    assert_eq!(
        h.unit_status(),
        Status::blocked("database relation removed")
    );
    Ok(())
}

#[test]
fn the_database_name_follows_the_config() -> TestResult {
    let (mut h, rid) = related()?;
    h.update_config([("database-name", "other-db")])?;
    assert_eq!(
        h.get_relation_data(rid, "db-consumer")?
            .and_then(|b| b.get("database").cloned())
            .as_deref(),
        Some("other-db")
    );
    Ok(())
}
