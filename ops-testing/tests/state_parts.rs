//! The parts of a [`State`] not covered elsewhere: typed databags, relation metadata, ports,
//! networks, secrets' expiry, storage indices, deferred snapshots, containers; and the typed
//! Harness shortcuts.

mod common;

use common::*;
use ops_core::hooktools::Protocol;
use ops_core::meta::{RelationRole, RelationScope};
use ops_core::prelude::RelationData;
use ops_core::Status;
use ops_testing::state::next_relation_id;
use ops_testing::{Context, Event, Harness, Network, Port, Relation, Secret, State, Storage};
use serde_json::json;

/// What the fixture charm's `db` relation carries.
#[derive(Debug, PartialEq, RelationData)]
#[databag(rename_all = "kebab-case")]
struct DbInfo {
    endpoint: String,
    seen_host: Option<String>,
}

#[test]
fn typed_databags_round_trip() -> TestResult {
    let info = DbInfo {
        endpoint: "db:5432".into(),
        seen_host: None,
    };
    let rel = Relation::of::<Db>()
        .remote_app_data_from(&info)
        .local_app_data_from(&DbInfo {
            endpoint: "mine".into(),
            seen_host: Some("h".into()),
        })
        .remote_unit_from(
            0,
            &DbInfo {
                endpoint: "unit".into(),
                seen_host: None,
            },
        );
    assert_eq!(rel.remote_app_as::<DbInfo>()?, info);
    assert_eq!(
        rel.remote_app_databag().get("endpoint").map(String::as_str),
        Some("db:5432")
    );
    assert!(
        !rel.remote_app_databag().contains_key("seen-host"),
        "None fields are left out"
    );
    assert_eq!(
        rel.local_app_as::<DbInfo>()?.seen_host.as_deref(),
        Some("h")
    );
    assert_eq!(
        rel.remote_unit_databag(0)
            .and_then(|b| b.get("endpoint"))
            .map(String::as_str),
        Some("unit")
    );
    assert_eq!(rel.remote_unit_databag(7), None);

    // The charm reads the typed data and writes its unit databag, read back typed.
    let out = Context::<TestCharm>::new().run(
        Event::relation_changed(&rel).with_remote_unit(0),
        State::default().with_relation(rel.clone()),
    )?;
    let after = out.relation(rel.relation_id()).expect("the relation stays");
    assert!(after.local_unit_as::<DbInfo>().is_err(), "no endpoint key");
    assert_eq!(
        after
            .local_unit_databag()
            .get("seen-endpoint")
            .map(String::as_str),
        Some("db:5432")
    );
    Ok(())
}

#[test]
fn relations_carry_their_endpoint_metadata() {
    let db = Relation::of::<Db>();
    assert_eq!(db.role(), Some(RelationRole::Requires));
    assert_eq!(db.scope(), Some(RelationScope::Global));
    assert_eq!(db.interface(), Some("pgsql"));
    let info = Relation::of::<Info>();
    assert_eq!(info.scope(), Some(RelationScope::Container));
    let peers = Relation::of::<Cluster>();
    assert_eq!(peers.role(), Some(RelationRole::Peer));
    assert!(peers.remote_units_data().is_empty(), "no other peer yet");
    let named = Relation::named("db");
    assert_eq!((named.role(), named.scope()), (None, None));
    let (a, b) = (next_relation_id(), next_relation_id());
    assert!(b > a, "ids are fresh");
    assert!(db.relation_id() != info.relation_id());
}

#[test]
fn ports_print_and_parse_as_juju_does() {
    for (port, text) in [
        (Port::tcp(80), "80/tcp"),
        (Port::udp(53), "53/udp"),
        (Port::icmp(), "icmp"),
        (Port::range(Protocol::Tcp, 8000, 8100), "8000-8100/tcp"),
    ] {
        assert_eq!(port.juju_name(), text);
        assert_eq!(Port::parse(text), Some(port));
    }
    assert_eq!(Port::parse("80/sctp"), None);
    assert_eq!(Port::parse("nope"), None);
}

#[test]
fn networks_render_as_network_get_prints_them() -> TestResult {
    let net = Network::new("192.168.1.7")
        .with_ingress_addresses(["10.1.1.1"])
        .with_egress_subnets(["192.168.1.0/24"]);
    assert_eq!(
        net.to_json(),
        json!({
            "bind-addresses": [{"mac-address": "", "interface-name": "eth0",
                "addresses": [{"hostname": "", "value": "192.168.1.7", "cidr": "192.168.1.0/24"}]}],
            "ingress-addresses": ["10.1.1.1"],
            "egress-subnets": ["192.168.1.0/24"],
        })
    );
    // The charm sees it through network-get.
    let mut h = Harness::<TestCharm>::new();
    h.add_network("admin", &net)?;
    h.begin()?;
    h.emit_hook("update-status")?;
    assert_eq!(
        h.charm()?.seen.get("admin-address").map(String::as_str),
        Some("192.168.1.7")
    );
    Ok(())
}

#[test]
fn secrets_expire_and_say_who_owns_them() -> TestResult {
    let owned = Secret::owned_by_app([("key", "v")]).with_expire("2030-01-01T00:00:00Z");
    assert!(owned.is_owned());
    assert_eq!(owned.expire(), Some("2030-01-01T00:00:00Z"));
    let consumed = Secret::new([("key", "v")]).from_app("vault");
    assert!(!consumed.is_owned());
    assert_eq!(consumed.expire(), None);
    // The expiry survives a run (the output state holds what Juju holds).
    let out = Context::<TestCharm>::new().run(
        Event::update_status(),
        State::default().with_secret(owned.clone()),
    )?;
    assert_eq!(
        out.secret(owned.id()).and_then(|s| s.expire()),
        Some("2030-01-01T00:00:00Z")
    );
    Ok(())
}

#[test]
fn storage_instances_have_indices() -> TestResult {
    let first = Storage::of::<Cache>();
    let second = Storage::of::<Cache>().with_index(1);
    assert_eq!((first.index(), second.index()), (0, 1));
    let state = State::default()
        .with_storage(first.clone())
        .with_storage(second.clone());
    let out = Context::<TestCharm>::new().run(Event::storage_attached(&second), &state)?;
    assert_eq!(out.storages().len(), 2);
    assert!(out.storage("cache", 1).is_some());
    Ok(())
}

#[test]
fn deferred_events_of_an_output_state_hold_their_snapshot() -> TestResult {
    let out = Context::<TestCharm>::new().run(Event::config_changed(), State::default())?;
    let deferred = &out.deferred()[0];
    assert_eq!(deferred.method(), "on_config_changed");
    let snap = deferred
        .snapshot()
        .expect("read back from the unit's database");
    assert_eq!(snap.name, "config_changed");
    // An event built by a test has no snapshot until it is stored.
    assert!(Event::config_changed()
        .deferred("on_config_changed")
        .snapshot()
        .is_none());
    Ok(())
}

#[test]
fn a_state_lists_its_containers() {
    // The fixture charm has no container: the list is what the test put in.
    assert!(State::default().containers().is_empty());
    let c = ops_testing::Container::named("web");
    let state = State::default().with_container(c.clone()).with_container(c);
    assert_eq!(state.containers().len(), 1, "same name: replaced");
    assert_eq!(state.containers()[0].name(), "web");
    assert!(state.container("web").is_some());
}

#[test]
fn the_typed_harness_shortcuts() -> TestResult {
    let mut h = Harness::<TestCharm>::new();
    h.begin()?;
    let id = h.add_relation_of::<Website>("webapp")?;
    assert_eq!(h.relation_ids("website"), [id]);
    let params: GreetParams = serde_json::from_value(json!({"who": "typed", "times": 2}))?;
    let out = h.run_action_typed::<Greet>(params)?;
    assert_eq!(out.failure, None);
    assert_eq!(out.results["greeting"], "hi typed hi typed");
    assert_eq!(out.logs, ["greeting typed"]);
    assert_eq!(h.unit_status(), Status::maintenance(""));
    Ok(())
}
