//! The db-provider charm, driven with the [`Harness`]: the leader answers a database request
//! with a secret, granted to the requester and published in the relation.

use db_provider::{password, DbProvider};
use ops_core::Status;
use ops_testing::{Harness, Network, Port};
use std::collections::{BTreeMap, BTreeSet};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn leader() -> Result<Harness<DbProvider>, Box<dyn std::error::Error>> {
    let mut h = Harness::<DbProvider>::new();
    h.set_leader(true)?;
    h.begin_with_initial_hooks()?;
    Ok(h)
}

fn credentials(rid: i64, salt: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("username".to_string(), format!("app-db-user-{rid}")),
        ("password".to_string(), password(salt, rid, "app-db")),
    ])
}

#[test]
fn secret_created_granted_and_published() -> TestResult {
    let mut h = leader()?;
    assert_eq!(h.unit_status(), Status::waiting("waiting for consumers"));
    assert_eq!(h.opened_ports(), [Port::tcp(5432)]);

    let rid = h.add_relation("database", "app")?;
    h.add_relation_unit(rid, "app/0")?;
    let bag = h.get_relation_data(rid, "db-provider")?.unwrap_or_default();
    assert_eq!(bag.get("consumers").map(String::as_str), Some("app/0"));
    assert!(h.owned_secrets().is_empty(), "nothing requested yet");

    h.update_relation_data(rid, "app", [("database", "app-db")])?;
    let bag = h.get_relation_data(rid, "db-provider")?.unwrap_or_default();
    let secret_id = bag.get("secret-id").cloned().unwrap_or_default();
    assert_eq!(
        h.owned_secrets(),
        std::slice::from_ref(&secret_id),
        "created"
    );
    assert_eq!(
        h.get_secret_grants(&secret_id, rid)?,
        BTreeSet::from(["app".to_string()]),
        "granted to the requester"
    );
    assert_eq!(
        h.get_secret_content(&secret_id)?,
        credentials(rid, "salt-1")
    );
    assert_eq!(
        bag.get("database").map(String::as_str),
        Some("app-db"),
        "published"
    );
    assert_eq!(
        bag.get("endpoints").map(String::as_str),
        Some("10.0.0.10:5432")
    );
    assert_eq!(
        h.unit_status(),
        Status::active("serving 1 relation(s) on port 5432")
    );
    Ok(())
}

#[test]
fn a_new_salt_rotates_the_password() -> TestResult {
    let mut h = leader()?;
    let rid = h.add_relation("database", "app")?;
    h.update_relation_data(rid, "app", [("database", "app-db")])?;
    let secret_id = h.owned_secrets().pop().unwrap_or_default();
    h.update_config([("password-salt", "salt-2")])?;
    assert_eq!(h.get_secret_revisions(&secret_id)?, [1, 2]);
    assert_eq!(
        h.get_secret_content(&secret_id)?,
        credentials(rid, "salt-2")
    );
    // The same config again: the content is unchanged, no new revision.
    h.emit_hook("config-changed")?;
    assert_eq!(h.get_secret_revisions(&secret_id)?, [1, 2]);
    Ok(())
}

#[test]
fn a_non_leader_stands_by() -> TestResult {
    let mut h = Harness::<DbProvider>::new();
    h.begin_with_initial_hooks()?;
    let rid = h.add_relation("database", "app")?;
    h.update_relation_data(rid, "app", [("database", "app-db")])?;
    assert!(h.owned_secrets().is_empty());
    assert_eq!(
        h.get_relation_data(rid, "db-provider")?,
        Some(BTreeMap::new())
    );
    assert_eq!(h.unit_status(), Status::active("standby for 1 relation(s)"));
    Ok(())
}

#[test]
fn a_broken_relation_takes_its_secret_away() -> TestResult {
    let mut h = leader()?;
    let rid = h.add_relation("database", "app")?;
    h.add_relation_unit(rid, "app/0")?;
    h.update_relation_data(rid, "app", [("database", "app-db")])?;
    assert_eq!(h.owned_secrets().len(), 1);
    h.remove_relation(rid)?;
    assert!(h.owned_secrets().is_empty());
    assert_eq!(h.unit_status(), Status::waiting("waiting for consumers"));
    Ok(())
}

#[test]
fn peers_addresses_are_published_as_endpoints() -> TestResult {
    let mut h = Harness::<DbProvider>::new();
    h.set_leader(true)?;
    h.add_network("database", &Network::new("192.168.0.5"))?;
    h.add_network("cluster", &Network::new("192.168.0.5"))?;
    h.begin_with_initial_hooks()?;
    let cluster = h.relation_ids("cluster")[0];
    let db = h.add_relation("database", "app")?;
    h.update_relation_data(db, "app", [("database", "app-db")])?;
    h.add_relation_unit(cluster, "db-provider/1")?;
    h.update_relation_data(cluster, "db-provider/1", [("address", "192.168.0.6")])?;
    let mine = h
        .get_relation_data(cluster, "db-provider/0")?
        .unwrap_or_default();
    assert_eq!(mine.get("address").map(String::as_str), Some("192.168.0.5"));
    let bag = h.get_relation_data(db, "db-provider")?.unwrap_or_default();
    assert_eq!(
        bag.get("endpoints").map(String::as_str),
        Some("192.168.0.5:5432,192.168.0.6:5432")
    );
    Ok(())
}
