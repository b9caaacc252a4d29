//! The consistency checker: each rule refuses a state Juju could not produce, naming the rule;
//! a rich but valid state passes.

mod common;

use common::*;
use ops_core::hooktools::Protocol;
use ops_testing::{
    Context, Event, InconsistentState, Network, Port, Relation, Rule, RunError, Secret, State,
    Storage,
};
use serde_json::json;

fn refused(event: Event, state: State) -> InconsistentState {
    match Context::<TestCharm>::new().run(event, state) {
        Err(RunError::Inconsistent(e)) => e,
        Err(other) => panic!("expected an inconsistent state, got {other}"),
        Ok(_) => panic!("expected an inconsistent state, the run succeeded"),
    }
}

fn assert_rule(e: &InconsistentState, rule: Rule, needle: &str) {
    assert!(e.breaks(rule), "expected [{rule}] in: {e}");
    assert!(
        e.problems
            .iter()
            .any(|p| p.rule == rule && p.message.contains(needle)),
        "no [{rule}] problem mentions {needle:?}: {e}"
    );
    assert!(e.to_string().contains(&format!("[{}]", rule.name())), "{e}");
}

#[test]
fn a_rich_valid_state_passes() -> Result<(), RunError> {
    let db = Relation::of::<Db>()
        .remote_app("postgresql")
        .remote_app_data([("endpoint", "pg:1")]);
    let web = Relation::of::<Website>()
        .remote_app("webapp")
        .remote_units([0, 1]);
    let cluster = Relation::of::<Cluster>().remote_units([1, 2]);
    let info = Relation::of::<Info>().remote_app("ubuntu");
    let owned = Secret::owned_by_app([("password", "x")])
        .with_label("mine")
        .with_remote_grant(&web, "webapp")
        .with_remote_grant(&web, "webapp/1");
    let consumed = Secret::new([("password", "y")])
        .from_app("postgresql")
        .with_label("theirs");
    let state = State::default()
        .with_leader(true)
        .with_config(|c: &mut Config| c.name = "bob".into())
        .with_relation(db.clone())
        .with_relation(web)
        .with_relation(cluster)
        .with_relation(info)
        .with_secret(owned)
        .with_secret(consumed)
        .with_storage(Storage::of::<Data>())
        .with_storage(Storage::of::<Cache>().with_index(0))
        .with_storage(Storage::of::<Cache>().with_index(1))
        .with_network("admin", Network::default())
        .with_opened_port(Port::range(Protocol::Tcp, 8000, 8010))
        .with_opened_port(Port::icmp())
        .with_deferred(Event::relation_changed(&db).deferred("on_db_changed"))
        .with_stored_state(&TestCharm::default());
    Context::<TestCharm>::new().run(Event::update_status(), state)?;
    Ok(())
}

#[test]
fn config_keys_and_types() {
    let e = refused(
        Event::config_changed(),
        State::default()
            .with_config_value("colour", "red")
            .with_config_value("port", "80")
            .with_config_value("ratio", json!(true)),
    );
    assert_rule(&e, Rule::ConfigKey, "`colour`");
    assert_rule(&e, Rule::ConfigType, "`port` is of type int");
    assert_eq!(e.problems.len(), 3, "{e}");
}

#[test]
fn relation_endpoint_not_in_metadata() {
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::named("nope")),
    );
    assert_rule(&e, Rule::RelationEndpoint, "`nope`");
}

#[test]
fn relation_built_from_another_charms_endpoint() {
    // A `provides` endpoint named `db` with another interface, as another charm might declare it.
    struct OtherDb;
    impl ops_core::endpoints::RelationEndpoint for OtherDb {
        const NAME: &'static str = "db";
        const ROLE: ops_core::meta::RelationRole = ops_core::meta::RelationRole::Provides;
        const INTERFACE: &'static str = "mysql";
        const LIMIT: Option<u32> = None;
        const SCOPE: ops_core::meta::RelationScope = ops_core::meta::RelationScope::Global;
    }
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::of::<OtherDb>()),
    );
    assert_rule(&e, Rule::RelationMetadata, "interface `mysql`");
    assert_rule(&e, Rule::RelationMetadata, "under `provides`");
}

#[test]
fn duplicate_relation_ids() {
    let a = Relation::of::<Db>().id(7);
    let b = Relation::of::<Website>().id(7);
    let e = refused(
        Event::install(),
        State::default().with_relation(a).with_relation_unchecked(b),
    );
    assert_rule(&e, Rule::RelationId, "relation id 7");
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::of::<Db>().id(-1)),
    );
    assert_rule(&e, Rule::RelationId, "negative");
}

#[test]
fn peer_relation_with_a_remote_app() {
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::of::<Cluster>().remote_app("other")),
    );
    assert_rule(&e, Rule::PeerRelation, "relates the application to itself");
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::of::<Cluster>().remote_app_data([("a", "b")])),
    );
    assert_rule(&e, Rule::PeerRelation, "remote application data");
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::of::<Cluster>().remote_units([0])),
    );
    assert_rule(&e, Rule::PeerRelation, "this unit");
}

#[test]
fn subordinate_relation_has_one_principal() {
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::of::<Info>().remote_units([0, 1])),
    );
    assert_rule(&e, Rule::SubordinateRelation, "exactly one remote unit");
}

#[test]
fn remote_app_names() {
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::of::<Db>().remote_app("Not Valid")),
    );
    assert_rule(&e, Rule::RemoteApp, "invalid remote application name");
    let e = refused(
        Event::install(),
        State::default().with_relation(Relation::of::<Db>().remote_app("testcharm")),
    );
    assert_rule(&e, Rule::RemoteApp, "only allows that for peers");
}

#[test]
fn event_for_a_relation_not_in_the_state() {
    let db = Relation::of::<Db>();
    let e = refused(Event::relation_changed(&db), State::default());
    assert_rule(&e, Rule::EventRelation, "not in the state");
    let e = refused(
        Event::relation_joined(&db).with_remote_unit(5),
        State::default().with_relation(db.clone()),
    );
    assert_rule(&e, Rule::EventRelation, "remote unit 5");
    let e = refused(
        Event::relation_departed(&db, 9),
        State::default().with_relation(db.clone()),
    );
    assert_rule(&e, Rule::EventRelation, "remote unit 9");
    // The same id on another endpoint.
    let web = Relation::of::<Website>().id(db.relation_id());
    let e = refused(
        Event::relation_changed(&db),
        State::default().with_relation(web),
    );
    assert_rule(&e, Rule::EventRelation, "on `website`");
}

#[test]
fn storage_rules() {
    let data = Storage::of::<Data>();
    let e = refused(Event::storage_attached(&data), State::default());
    assert_rule(&e, Rule::EventStorage, "data/0");
    let e = refused(
        Event::install(),
        State::default().with_storage(Storage::named("logs")),
    );
    assert_rule(&e, Rule::Storage, "`logs` is not declared");
    let e = refused(
        Event::install(),
        State::default()
            .with_storage(Storage::of::<Data>())
            .with_storage(Storage::of::<Data>().with_index(1)),
    );
    assert_rule(&e, Rule::StorageCount, "at most 1");
    let e = refused(
        Event::install(),
        State::default()
            .with_storage(Storage::of::<Cache>())
            .with_storage(Storage::of::<Cache>().with_index(1))
            .with_storage(Storage::of::<Cache>().with_index(2)),
    );
    assert_rule(&e, Rule::StorageCount, "at most 2");
}

#[test]
fn action_not_in_the_metadata() {
    let e = refused(
        Event::action_named("dance", serde_json::Map::new()),
        State::default(),
    );
    assert_rule(&e, Rule::Action, "`dance`");
    let params = json!({"who": "x", "times": "many"});
    let e = refused(
        Event::action_named("greet", params.as_object().cloned().unwrap_or_default()),
        State::default(),
    );
    assert_rule(&e, Rule::ActionParams, "`times` must be of type integer");
    let e = refused(
        Event::action_named("greet", serde_json::Map::new()),
        State::default(),
    );
    assert_rule(&e, Rule::ActionParams, "missing required");
}

#[test]
fn secret_rules() {
    let e = refused(
        Event::install(),
        State::default().with_secret(Secret::new([("key", "v")]).with_id("secret:nope")),
    );
    assert_rule(&e, Rule::SecretId, "not a Juju secret id");
    // `with_secret` replaces a secret with the same id; the same secret in two forms is caught.
    let s = Secret::new([("key", "v")]);
    let bare = s.id().trim_start_matches("secret:").to_string();
    let e = refused(
        Event::install(),
        State::default()
            .with_secret(s.clone())
            .with_secret(Secret::owned_by_app([("key", "v")]).with_id(bare)),
    );
    assert_rule(&e, Rule::SecretId, "appears twice");
    let e = refused(
        Event::install(),
        State::default().with_secret(Secret::new([("Bad Key", "v")])),
    );
    assert_rule(&e, Rule::SecretContent, "Invalid secret keys");
    let web = Relation::of::<Website>().remote_app("webapp");
    let e = refused(
        Event::install(),
        State::default()
            .with_relation(web.clone())
            .with_secret(Secret::new([("key", "v")]).with_remote_grant(&web, "webapp")),
    );
    assert_rule(&e, Rule::SecretOwner, "only its owner grants it");
    let e = refused(
        Event::install(),
        State::default().with_secret(Secret::new([("key", "v")]).from_app("testcharm")),
    );
    assert_rule(&e, Rule::SecretOwner, "owned_by_app");
    let e = refused(
        Event::install(),
        State::default()
            .with_secret(Secret::owned_by_app([("key", "v")]).with_remote_grant(&web, "webapp")),
    );
    assert_rule(&e, Rule::SecretGrant, "not in the state");
    let e = refused(
        Event::install(),
        State::default()
            .with_relation(web.clone())
            .with_secret(Secret::owned_by_app([("key", "v")]).with_remote_grant(&web, "mysql")),
    );
    assert_rule(&e, Rule::SecretGrant, "`mysql`");
    let e = refused(
        Event::install(),
        State::default()
            .with_secret(Secret::owned_by_app([("key", "v")]).with_label("x"))
            .with_secret(Secret::owned_by_app([("key", "w")]).with_label("x")),
    );
    assert_rule(&e, Rule::SecretLabel, "`x`");
}

#[test]
fn secret_events_go_to_the_right_side() {
    let owned = Secret::owned_by_app([("key", "v")]);
    let consumed = Secret::new([("key", "v")]);
    let state = State::default()
        .with_secret(owned.clone())
        .with_secret(consumed.clone());
    let e = refused(Event::secret_changed(&owned), state.clone());
    assert_rule(&e, Rule::EventSecret, "to consumers");
    for event in [
        Event::secret_rotate(&consumed),
        Event::secret_remove(&consumed, 1),
        Event::secret_expired(&consumed, 1),
    ] {
        let e = refused(event, state.clone());
        assert_rule(&e, Rule::EventSecret, "owner");
    }
    let e = refused(Event::secret_changed(&consumed), state.clone());
    assert_rule(&e, Rule::EventSecret, "tracking an older revision");
    let e = refused(Event::secret_remove(&owned, 3), state.clone());
    assert_rule(&e, Rule::EventSecret, "revision 3");
    let e = refused(Event::secret_changed(&Secret::new([("key", "v")])), state);
    assert_rule(&e, Rule::EventSecret, "not in the state");
}

#[test]
fn networks_resources_ports() {
    let e = refused(
        Event::install(),
        State::default().with_network("nowhere", Network::default()),
    );
    assert_rule(&e, Rule::Network, "`nowhere`");
    let e = refused(
        Event::install(),
        State::default().with_resource_named("video", "/tmp/x"),
    );
    assert_rule(&e, Rule::Resource, "`video`");
    let e = refused(
        Event::install(),
        State::default().with_opened_port(Port::range(Protocol::Tcp, 90, 80)),
    );
    assert_rule(&e, Rule::Port, "not a valid port");
}

#[test]
fn deferred_events_need_their_handler() {
    let e = refused(
        Event::install(),
        State::default().with_deferred(Event::config_changed().deferred("on_install")),
    );
    assert_rule(&e, Rule::Deferred, "does not observe it");
    let e = refused(
        Event::install(),
        State::default().with_deferred(Event::pre_series_upgrade().deferred("on_stop")),
    );
    assert_rule(&e, Rule::Deferred, "`on_stop`");
    let db = Relation::of::<Db>();
    let e = refused(
        Event::install(),
        State::default().with_deferred(Event::relation_changed(&db).deferred("on_db_changed")),
    );
    assert_rule(&e, Rule::EventRelation, "deferred event");
}

#[test]
fn stored_state_must_be_the_charms() {
    let e = refused(
        Event::install(),
        State::default().with_stored_bytes("Other/StoredStateData[_stored]", b"{}".to_vec()),
    );
    assert_rule(&e, Rule::StoredState, "is not the charm's");
    let e = refused(
        Event::install(),
        State::default().with_stored_bytes(
            <TestCharm as ops_core::StoredState>::KEY,
            b"{\"events\": 3}".to_vec(),
        ),
    );
    assert_rule(&e, Rule::StoredState, "does not decode");
}

#[test]
fn every_problem_is_reported_at_once() {
    let e = refused(
        Event::relation_changed(&Relation::of::<Db>()),
        State::default()
            .with_config_value("colour", "red")
            .with_storage(Storage::named("logs")),
    );
    assert_eq!(
        e.rules().into_iter().collect::<Vec<_>>(),
        [Rule::ConfigKey, Rule::EventRelation, Rule::Storage]
    );
}

/// A container the fixture charm does not declare.
struct Web;
impl ops_core::endpoints::ContainerEndpoint for Web {
    const NAME: &'static str = "web";
}

#[test]
fn containers_must_be_declared() {
    let web = ops_testing::Container::of::<Web>();
    assert!(web.can_connect());
    assert!(!web.clone().with_can_connect(false).can_connect());
    let e = refused(
        Event::install(),
        State::default().with_container(web.clone()),
    );
    assert_rule(&e, Rule::Container, "`web`");
    let e = refused(Event::pebble_ready(&web), State::default());
    assert_rule(&e, Rule::EventContainer, "`web`");
    assert_eq!(Event::pebble_ready(&web).hook_name(), "web-pebble-ready");
}
