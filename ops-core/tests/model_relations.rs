//! The model's relations and databags against the scripted fake runner: relation-ids caching,
//! `get_relation` (none / one / too many), units and the remote application, ops 2.1.1's databag
//! access rules (§4 of the behaviour spec), buffered writes flushed as one `relation-set` per
//! databag, and typed databags.

#![allow(clippy::unwrap_used)]

#[path = "model_support/mod.rs"]
mod support;

use std::collections::BTreeMap;

use ops_core::databag::DatabagError;
use ops_core::hooktools::{HookToolError, ToolOutput};
use ops_core::model::{Entity, ModelError};
use support::{argv, fixture, fixture_leader, fixture_with, relation_not_found, Fixture};

/// Serve `relation-get` from `bags`: (relation id, member, is_app) → JSON object text. Unknown
/// bags are empty.
fn serve_bags(f: &Fixture, bags: &[(i64, &str, bool, &str)]) {
    let bags: Vec<(String, String, bool, String)> = bags
        .iter()
        .map(|(id, m, app, json)| (id.to_string(), m.to_string(), *app, json.to_string()))
        .collect();
    f.fake.on_fn("relation-get", move |args, _| {
        let is_app = args.iter().any(|a| a == "--app");
        let found = bags
            .iter()
            .find(|(id, m, app, _)| *id == args[1] && *m == args[3] && *app == is_app);
        ToolOutput::ok(found.map(|b| b.3.clone()).unwrap_or_else(|| "{}".into()))
    });
}

fn yaml_stdin(call: &ops_core::hooktools::RecordedCall) -> BTreeMap<String, String> {
    let text = call
        .stdin_text()
        .expect("relation-set is fed YAML on stdin");
    serde_yaml::from_str(&text).expect("stdin is a YAML mapping of strings")
}

fn relation_sets(f: &Fixture) -> Vec<ops_core::hooktools::RecordedCall> {
    f.fake
        .calls()
        .into_iter()
        .filter(|c| c.tool == "relation-set")
        .collect()
}

fn access_error(err: ModelError) -> String {
    match err {
        ModelError::RelationDataAccess(m) => m,
        other => panic!("expected a RelationDataAccess error, got {other:?}"),
    }
}

// ---- relation ids, get_relation ----------------------------------------------------------------

#[test]
fn relation_ids_are_parsed_and_cached_per_endpoint() {
    let f = fixture();
    f.fake.on_ok("relation-ids", r#"["db:1","db:4"]"#);
    let ids: Vec<i64> = f
        .model
        .relations("db")
        .unwrap()
        .iter()
        .map(|r| r.id())
        .collect();
    assert_eq!(ids, vec![1, 4]);
    let again: Vec<i64> = f
        .model
        .relations("db")
        .unwrap()
        .iter()
        .map(|r| r.id())
        .collect();
    assert_eq!(again, vec![1, 4]);
    assert_eq!(
        f.take(),
        vec![argv(&["relation-ids", "db", "--format=json"])]
    );
    // Another endpoint is another call.
    f.fake.on_ok("relation-ids", "[]");
    assert!(f.model.relations("website").unwrap().is_empty());
    assert_eq!(
        f.take(),
        vec![argv(&["relation-ids", "website", "--format=json"])]
    );
}

#[test]
fn relations_of_an_undeclared_endpoint_are_an_error_without_a_call() {
    let f = fixture();
    let err = f.model.relations("nope").unwrap_err();
    assert!(matches!(err, ModelError::NotFound(_)), "{err:?}");
    assert!(err.to_string().contains("nope"), "{err}");
    assert!(f.model.get_relation("nope", Some(1)).is_err());
    assert!(f.calls().is_empty());
}

#[test]
fn get_relation_none_one_or_too_many() {
    let f = fixture();
    f.fake.once("relation-ids", ToolOutput::ok("[]"));
    assert!(f.model.get_relation("db", None).unwrap().is_none());

    let f = fixture();
    f.fake.on_ok("relation-ids", r#"["db:7"]"#);
    let rel = f
        .model
        .get_relation("db", None)
        .unwrap()
        .expect("one relation");
    assert_eq!((rel.name(), rel.id(), rel.is_peer()), ("db", 7, false));

    let f = fixture();
    f.fake.on_ok("relation-ids", r#"["db:1","db:2"]"#);
    let err = f.model.get_relation("db", None).unwrap_err();
    assert!(
        matches!(err, ModelError::TooManyRelatedApps { ref relation, count: 2, max: 1 } if relation == "db"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Too many remote applications on db (2 > 1)"
    );
}

#[test]
fn get_relation_by_id_calls_nothing() {
    let f = fixture();
    let rel = f
        .model
        .get_relation("cluster", Some(9))
        .unwrap()
        .expect("a relation");
    assert_eq!((rel.id(), rel.is_peer()), (9, true));
    assert!(f.calls().is_empty());
}

#[test]
fn relation_ids_failure_names_tool_args_and_stderr() {
    let f = fixture();
    f.fake
        .on_fail("relation-ids", 1, "ERROR no such endpoint\n");
    let err = f.model.relations("db").unwrap_err();
    let text = err.to_string();
    assert!(text.contains("relation-ids db --format=json"), "{text}");
    assert!(text.contains("ERROR no such endpoint"), "{text}");
    assert!(matches!(
        err,
        ModelError::HookTool(HookToolError::Failed { .. })
    ));
}

// ---- units and the remote app ------------------------------------------------------------------

#[test]
fn units_come_from_relation_list_once() {
    let f = fixture();
    f.fake.on_ok("relation-list", r#"["remote/0","remote/1"]"#);
    let rel = f.model.relation_by_id("db", 3);
    let names: Vec<String> = rel
        .units()
        .unwrap()
        .iter()
        .map(|u| u.name().to_string())
        .collect();
    assert_eq!(names, vec!["remote/0", "remote/1"]);
    // Cached for the hook, also through another handle on the same relation.
    let again = f.model.relation_by_id("db", 3);
    assert_eq!(again.units().unwrap().len(), 2);
    assert_eq!(
        f.take(),
        vec![argv(&["relation-list", "-r", "3", "--format=json"])]
    );
}

#[test]
fn app_comes_from_the_first_unit() {
    let f = fixture();
    f.fake.on_ok("relation-list", r#"["remote/0"]"#);
    let rel = f.model.relation_by_id("db", 3);
    assert_eq!(rel.app().unwrap().expect("an app").name(), "remote");
    assert_eq!(rel.app().unwrap().expect("an app").name(), "remote");
    assert_eq!(
        f.take(),
        vec![argv(&["relation-list", "-r", "3", "--format=json"])]
    );
}

#[test]
fn app_comes_from_juju_remote_app_for_the_event_relation() {
    let f = fixture_with(&[
        ("JUJU_RELATION", "db"),
        ("JUJU_RELATION_ID", "db:3"),
        ("JUJU_REMOTE_APP", "remote"),
    ]);
    f.fake.on_ok("relation-list", "[]");
    let rel = f.model.relation_by_id("db", 3);
    assert_eq!(rel.app().unwrap().expect("an app").name(), "remote");
    // No `relation-list --app`: JUJU_REMOTE_APP answers for the event's relation.
    assert_eq!(
        f.take(),
        vec![argv(&["relation-list", "-r", "3", "--format=json"])]
    );
    // Another relation asks Juju.
    f.fake.on_fn("relation-list", |args, _| {
        if args.iter().any(|a| a == "--app") {
            ToolOutput::ok("\"other\"")
        } else {
            ToolOutput::ok("[]")
        }
    });
    let other = f.model.relation_by_id("db", 4);
    assert_eq!(other.app().unwrap().expect("an app").name(), "other");
    assert_eq!(
        f.take(),
        vec![
            argv(&["relation-list", "-r", "4", "--format=json"]),
            argv(&["relation-list", "-r", "4", "--app", "--format=json"]),
        ]
    );
}

#[test]
fn empty_juju_remote_app_means_no_app() {
    let f = fixture_with(&[("JUJU_RELATION_ID", "db:3"), ("JUJU_REMOTE_APP", "")]);
    f.fake.on_ok("relation-list", "[]");
    let rel = f.model.relation_by_id("db", 3);
    assert!(rel.app().unwrap().is_none());
    assert!(rel.remote_app_data().unwrap().is_none());
    assert_eq!(f.count("relation-list"), 1);
}

#[test]
fn a_relation_that_is_gone_has_no_units_and_no_app() {
    let f = fixture();
    f.fake.on_fail("relation-list", 2, &relation_not_found(3));
    let rel = f.model.relation_by_id("db", 3);
    assert!(rel.units().unwrap().is_empty());
    assert!(rel.app().unwrap().is_none());
    assert_eq!(
        f.take(),
        vec![
            argv(&["relation-list", "-r", "3", "--format=json"]),
            argv(&["relation-list", "-r", "3", "--app", "--format=json"]),
        ]
    );
}

#[test]
fn juju_without_relation_list_app_gives_no_app() {
    let f = fixture();
    f.fake.once("relation-list", ToolOutput::ok("[]"));
    f.fake.once(
        "relation-list",
        ToolOutput::failed(2, "ERROR option provided but not defined: --app\n"),
    );
    assert!(f.model.relation_by_id("db", 3).app().unwrap().is_none());
}

#[test]
fn relation_list_failures_other_than_not_found_propagate() {
    let f = fixture();
    f.fake
        .on_fail("relation-list", 1, "ERROR permission denied\n");
    let err = f.model.relation_by_id("db", 3).units().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("relation-list -r 3 --format=json"), "{text}");
    assert!(text.contains("exit status 1"), "{text}");
    assert!(text.contains("ERROR permission denied"), "{text}");
}

#[test]
fn the_peer_app_is_this_app_without_a_call() {
    let f = fixture();
    let rel = f.model.relation_by_id("cluster", 2);
    assert!(rel.is_peer());
    assert_eq!(rel.app().unwrap().expect("our app").name(), "myapp");
    assert!(f.calls().is_empty());
}

// ---- databag access rules ----------------------------------------------------------------------

#[test]
fn own_unit_bag_is_readable_and_writable() {
    let f = fixture();
    serve_bags(&f, &[(3, "myapp/0", false, r#"{"a":"1"}"#)]);
    let bag = f.model.relation_by_id("db", 3).local_unit_data();
    assert_eq!(bag.entity(), &Entity::Unit("myapp/0".into()));
    assert_eq!(bag.get("a").unwrap().as_deref(), Some("1"));
    bag.set("b", "2").unwrap();
    assert_eq!(
        f.take(),
        vec![argv(&[
            "relation-get",
            "-r",
            "3",
            "-",
            "myapp/0",
            "--format=json"
        ])]
    );
}

#[test]
fn remote_unit_bag_is_read_only() {
    let f = fixture();
    serve_bags(&f, &[(3, "remote/0", false, r#"{"host":"10.0.0.1"}"#)]);
    let rel = f.model.relation_by_id("db", 3);
    let bag = rel.data(f.model.get_unit("remote/0"));
    assert_eq!(bag.get("host").unwrap().as_deref(), Some("10.0.0.1"));
    let err = access_error(bag.set("host", "x").unwrap_err());
    assert_eq!(
        err,
        "myapp/0 cannot write databag of remote/0: not the same unit."
    );
    let err = access_error(bag.remove("host").unwrap_err());
    assert_eq!(
        err,
        "myapp/0 cannot write databag of remote/0: not the same unit."
    );
    assert_eq!(
        f.take(),
        vec![argv(&[
            "relation-get",
            "-r",
            "3",
            "-",
            "remote/0",
            "--format=json"
        ])]
    );
}

#[test]
fn own_app_bag_is_read_write_for_the_leader() {
    let f = fixture_leader(true);
    serve_bags(&f, &[(3, "myapp", true, r#"{"k":"v"}"#)]);
    let bag = f.model.relation_by_id("db", 3).local_app_data();
    assert_eq!(bag.get("k").unwrap().as_deref(), Some("v"));
    bag.set("k2", "v2").unwrap();
    assert_eq!(
        f.take(),
        vec![
            argv(&["is-leader", "--format=json"]),
            argv(&[
                "relation-get",
                "-r",
                "3",
                "-",
                "myapp",
                "--app",
                "--format=json"
            ]),
        ]
    );
}

#[test]
fn own_app_bag_is_closed_to_a_non_leader() {
    let f = fixture_leader(false);
    serve_bags(&f, &[(3, "myapp", true, r#"{"k":"v"}"#)]);
    let bag = f.model.relation_by_id("db", 3).local_app_data();
    assert_eq!(
        access_error(bag.get("k").unwrap_err()),
        "myapp/0 is not leader and cannot read its own application databag"
    );
    assert_eq!(
        access_error(bag.to_map().unwrap_err()),
        "myapp/0 is not leader and cannot read its own application databag"
    );
    assert_eq!(
        access_error(bag.set("k", "x").unwrap_err()),
        "myapp/0 is not leader and cannot write application data."
    );
    // Only the leadership check ran (cached): the databag was never read.
    assert_eq!(f.take(), vec![argv(&["is-leader", "--format=json"])]);
}

#[test]
fn peer_app_bag_is_readable_but_not_writable_by_a_non_leader() {
    let f = fixture_leader(false);
    serve_bags(&f, &[(2, "myapp", true, r#"{"members":"3"}"#)]);
    let bag = f.model.relation_by_id("cluster", 2).local_app_data();
    assert_eq!(bag.get("members").unwrap().as_deref(), Some("3"));
    assert_eq!(
        access_error(bag.set("members", "4").unwrap_err()),
        "myapp/0 is not leader and cannot write application data."
    );
}

#[test]
fn remote_app_bag_is_read_only_even_for_the_leader() {
    let f = fixture_leader(true);
    f.fake.on_ok("relation-list", r#"["remote/0"]"#);
    serve_bags(&f, &[(3, "remote", true, r#"{"endpoint":"db:5432"}"#)]);
    let rel = f.model.relation_by_id("db", 3);
    let bag = rel.remote_app_data().unwrap().expect("a remote app");
    assert_eq!(bag.entity(), &Entity::App("remote".into()));
    assert_eq!(bag.get("endpoint").unwrap().as_deref(), Some("db:5432"));
    // ops names this application (not this unit) in the message.
    assert_eq!(
        access_error(bag.set("endpoint", "x").unwrap_err()),
        "myapp cannot write the data of remote application remote"
    );
    assert!(f.calls().iter().any(|c| c
        == &argv(&[
            "relation-get",
            "-r",
            "3",
            "-",
            "remote",
            "--app",
            "--format=json"
        ])));
}

#[test]
fn databag_of_a_relation_that_is_gone_is_empty() {
    let f = fixture();
    f.fake.on_fail("relation-get", 2, &relation_not_found(3));
    let bag = f
        .model
        .relation_by_id("db", 3)
        .data(f.model.get_unit("remote/0"));
    assert!(bag.to_map().unwrap().is_empty());
    assert_eq!(bag.get("x").unwrap(), None);
}

#[test]
fn relation_get_failure_and_garbage_are_typed_errors() {
    let f = fixture();
    f.fake
        .on_fail("relation-get", 1, "ERROR cannot read settings\n");
    let err = f
        .model
        .relation_by_id("db", 3)
        .local_unit_data()
        .get("a")
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("relation-get -r 3 - myapp/0 --format=json")
            && text.contains("cannot read settings"),
        "{text}"
    );

    let f = fixture();
    f.fake.on_ok("relation-get", "this is not JSON");
    let err = f
        .model
        .relation_by_id("db", 3)
        .local_unit_data()
        .get("a")
        .unwrap_err();
    assert!(
        matches!(err, ModelError::HookTool(HookToolError::Parse { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("this is not JSON"), "{err}");

    let f = fixture();
    f.fake.on_ok("relation-get", "");
    let err = f
        .model
        .relation_by_id("db", 3)
        .local_unit_data()
        .get("a")
        .unwrap_err();
    assert!(
        matches!(err, ModelError::HookTool(HookToolError::Parse { .. })),
        "{err:?}"
    );
}

#[test]
fn remote_data_that_is_json_but_not_a_databag_is_a_typed_error() {
    // Well-formed JSON that is not a mapping of strings: a parse error naming what came back,
    // not "invalid JSON".
    for garbage in [r#"{"a": 1}"#, r#"["a"]"#, r#""a""#, r#"{"a": {"b": "c"}}"#] {
        let f = fixture();
        f.fake.on_ok("relation-get", garbage);
        let err = f
            .model
            .relation_by_id("db", 3)
            .local_unit_data()
            .get("a")
            .unwrap_err();
        match &err {
            ModelError::HookTool(HookToolError::Parse { message, .. }) => {
                assert!(message.contains("invalid type"), "{garbage}: {message}");
                assert!(!message.contains("invalid JSON"), "{garbage}: {message}");
            }
            other => panic!("{garbage}: {other:?}"),
        }
    }
    // `null` (a databag Juju knows nothing about) reads as empty.
    let f = fixture();
    f.fake.on_ok("relation-get", "null");
    let bag = f.model.relation_by_id("db", 3).local_unit_data();
    assert_eq!(bag.get("a").unwrap(), None);
}

#[test]
fn application_data_needs_juju_2_7() {
    let f = fixture_with(&[("JUJU_VERSION", "2.6.9")]);
    f.fake.on_ok("is-leader", "true");
    let bag = f.model.relation_by_id("db", 3).local_app_data();
    let err = bag.get("k").unwrap_err();
    assert_eq!(
        err.to_string(),
        "getting application data is not supported on Juju version 2.6.9"
    );
    assert_eq!(f.count("relation-get"), 0);
    bag.set("k", "v").unwrap();
    let err = f.model.flush().unwrap_err();
    assert_eq!(
        err.error.to_string(),
        "setting application data is not supported on Juju version 2.6.9"
    );
    assert_eq!(
        err.to_string(),
        "writing `k` to the application databag of myapp on relation db:3 failed: \
         setting application data is not supported on Juju version 2.6.9"
    );
    assert_eq!(f.count("relation-set"), 0);
}

// ---- buffered writes ---------------------------------------------------------------------------

#[test]
fn writes_are_buffered_and_flushed_once_per_databag() {
    let f = fixture_leader(true);
    let rel = f.model.relation_by_id("db", 3);
    rel.local_unit_data().set("a", "1").unwrap();
    rel.local_unit_data()
        .update([("b", "two words"), ("c", "3")])
        .unwrap();
    rel.local_app_data().set("x", "y").unwrap();
    f.model
        .relation_by_id("db", 5)
        .local_unit_data()
        .set("z", "9")
        .unwrap();
    assert!(
        relation_sets(&f).is_empty(),
        "nothing is written before flush"
    );

    f.model.flush().unwrap();
    let sets = relation_sets(&f);
    assert_eq!(sets.len(), 3, "{sets:?}");
    let by_args: BTreeMap<Vec<String>, BTreeMap<String, String>> =
        sets.iter().map(|c| (c.argv(), yaml_stdin(c))).collect();
    let map = |items: &[(&str, &str)]| -> BTreeMap<String, String> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    assert_eq!(
        by_args[&argv(&["relation-set", "-r", "3", "--file", "-"])],
        map(&[("a", "1"), ("b", "two words"), ("c", "3")])
    );
    assert_eq!(
        by_args[&argv(&["relation-set", "-r", "3", "--app", "--file", "-"])],
        map(&[("x", "y")])
    );
    assert_eq!(
        by_args[&argv(&["relation-set", "-r", "5", "--file", "-"])],
        map(&[("z", "9")])
    );

    // Nothing left to write.
    f.fake.take_calls();
    f.model.flush().unwrap();
    assert!(f.calls().is_empty());
}

#[test]
fn unchanged_values_are_not_sent() {
    let f = fixture();
    serve_bags(&f, &[(3, "myapp/0", false, r#"{"a":"1","b":"2"}"#)]);
    let bag = f.model.relation_by_id("db", 3).local_unit_data();
    assert_eq!(bag.get("a").unwrap().as_deref(), Some("1"));
    bag.set("a", "1").unwrap(); // same value
    bag.set("b", "3").unwrap(); // changed
    bag.remove("absent").unwrap(); // deleting what is not there changes nothing
    f.model.flush().unwrap();
    let sets = relation_sets(&f);
    assert_eq!(sets.len(), 1);
    assert_eq!(
        sets[0].argv(),
        argv(&["relation-set", "-r", "3", "--file", "-"])
    );
    assert_eq!(sets[0].stdin_text().as_deref(), Some("\"b\": \"3\"\n"));
}

#[test]
fn no_relation_set_when_nothing_changed() {
    let f = fixture();
    serve_bags(&f, &[(3, "myapp/0", false, r#"{"a":"1"}"#)]);
    let bag = f.model.relation_by_id("db", 3).local_unit_data();
    bag.to_map().unwrap();
    bag.set("a", "1").unwrap();
    f.model.flush().unwrap();
    assert_eq!(f.count("relation-set"), 0);
}

#[test]
fn empty_value_deletes_and_reads_see_pending_writes() {
    let f = fixture();
    serve_bags(&f, &[(3, "myapp/0", false, r#"{"a":"1","b":"2"}"#)]);
    let bag = f.model.relation_by_id("db", 3).local_unit_data();
    bag.set("a", "").unwrap();
    bag.set("c", "new").unwrap();
    assert_eq!(bag.get("a").unwrap(), None);
    assert_eq!(bag.get("c").unwrap().as_deref(), Some("new"));
    let expected: BTreeMap<String, String> = [("b", "2"), ("c", "new")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(bag.to_map().unwrap(), expected);
    // Another handle on the same databag sees the same pending writes.
    let other = f.model.relation_by_id("db", 3).local_unit_data();
    assert_eq!(other.get("c").unwrap().as_deref(), Some("new"));
    assert_eq!(f.count("relation-set"), 0);
    assert_eq!(f.count("relation-get"), 1, "the databag is read once");

    f.model.flush().unwrap();
    let sets = relation_sets(&f);
    assert_eq!(sets.len(), 1);
    let sent = yaml_stdin(&sets[0]);
    let want: BTreeMap<String, String> = [("a", ""), ("c", "new")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(sent, want);
    assert!(sets[0].stdin_text().unwrap().contains("\"a\": \"\""));
}

#[test]
fn reads_after_flush_see_what_was_written() {
    let f = fixture();
    serve_bags(&f, &[(3, "myapp/0", false, r#"{"a":"1"}"#)]);
    let bag = f.model.relation_by_id("db", 3).local_unit_data();
    assert_eq!(bag.get("a").unwrap().as_deref(), Some("1"));
    bag.set("a", "2").unwrap();
    bag.set("b", "x").unwrap();
    f.model.flush().unwrap();
    assert_eq!(f.count("relation-set"), 1);
    assert_eq!(bag.get("a").unwrap().as_deref(), Some("2"));
    assert_eq!(bag.get("b").unwrap().as_deref(), Some("x"));
    // Writing the flushed value again is not a change.
    bag.set("a", "2").unwrap();
    f.fake.take_calls();
    f.model.flush().unwrap();
    assert!(f.calls().is_empty());
}

#[test]
fn flush_failure_is_a_typed_error_naming_the_call() {
    let f = fixture();
    f.fake
        .on_fail("relation-set", 1, "ERROR cannot write relation settings\n");
    f.model
        .relation_by_id("db", 3)
        .local_unit_data()
        .set("a", "1")
        .unwrap();
    let err = f.model.flush().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("relation-set -r 3 --file -"), "{text}");
    assert!(text.contains("cannot write relation settings"), "{text}");

    let f = fixture();
    f.fake.on_fail("relation-set", 2, &relation_not_found(3));
    f.model
        .relation_by_id("db", 3)
        .local_unit_data()
        .set("a", "1")
        .unwrap();
    let err = f.model.flush().unwrap_err();
    assert!(err.is_relation_not_found(), "{err:?}");
}

#[test]
fn a_failed_flush_drops_that_databag_and_keeps_the_others_buffered() {
    let f = fixture_leader(true);
    serve_bags(&f, &[(3, "myapp/0", false, r#"{"a":"0"}"#)]);
    let rel = f.model.relation_by_id("db", 3);
    assert_eq!(
        rel.local_unit_data().get("a").unwrap().as_deref(),
        Some("0")
    );
    rel.local_unit_data()
        .update([("a", "1"), ("b", "2")])
        .unwrap();
    rel.local_app_data().set("x", "y").unwrap();
    f.model
        .relation_by_id("db", 5)
        .local_unit_data()
        .set("z", "9")
        .unwrap();
    // Databags are flushed in order (relation id, unit before application): the first fails.
    f.fake.once(
        "relation-set",
        ToolOutput::failed(1, "ERROR permission denied\n"),
    );
    let err = f.model.flush().unwrap_err();
    assert_eq!((err.relation.as_str(), err.id), ("db", 3));
    assert_eq!(err.entity, Entity::Unit("myapp/0".into()));
    assert_eq!(err.keys, ["a", "b"], "the keys, never the values");
    assert!(!err.to_string().contains("\"1\""), "{err}");
    assert!(matches!(err.error, HookToolError::Failed { .. }), "{err:?}");
    assert!(!err.is_relation_not_found());
    assert!(
        matches!(ModelError::from(err), ModelError::RelationSet(_)),
        "converts for `?` in a handler"
    );
    // The refused databag reads as Juju has it; the others still hold their pending writes.
    assert_eq!(
        rel.local_unit_data().get("a").unwrap().as_deref(),
        Some("0")
    );
    assert_eq!(rel.local_app_data().get("x").unwrap().as_deref(), Some("y"));
    assert_eq!(relation_sets(&f).len(), 1);
    f.model.flush().unwrap();
    let sets = relation_sets(&f);
    assert_eq!(sets.len(), 3, "the two kept databags, once each");
    assert_eq!(
        sets[1].argv(),
        argv(&["relation-set", "-r", "3", "--app", "--file", "-"])
    );
    assert_eq!(
        sets[2].argv(),
        argv(&["relation-set", "-r", "5", "--file", "-"])
    );
    f.fake.take_calls();
    f.model.flush().unwrap();
    assert!(f.calls().is_empty(), "the refused write is not retried");
}

#[test]
fn a_relation_gone_at_flush_is_not_found() {
    let f = fixture();
    f.fake.on_fail("relation-set", 2, &relation_not_found(3));
    f.model
        .relation_by_id("db", 3)
        .local_unit_data()
        .set("a", "1")
        .unwrap();
    let err = f.model.flush().unwrap_err();
    assert!(err.is_relation_not_found(), "{err:?}");
    assert!(ModelError::from(err).is_relation_not_found());
}

#[test]
fn empty_keys_are_refused() {
    let f = fixture();
    let err = f
        .model
        .relation_by_id("db", 3)
        .local_unit_data()
        .set("", "v")
        .unwrap_err();
    assert!(matches!(err, ModelError::Invalid(_)), "{err:?}");
}

// ---- typed databags ----------------------------------------------------------------------------

#[derive(Debug, PartialEq, ops_core::RelationData)]
#[databag(rename_all = "kebab-case")]
struct DbInfo {
    host: String,
    port: u16,
    read_only: Option<bool>,
}

#[test]
fn typed_databag_loads_from_a_remote_app_bag() {
    let f = fixture();
    f.fake.on_ok("relation-list", r#"["remote/0"]"#);
    serve_bags(
        &f,
        &[(
            3,
            "remote",
            true,
            r#"{"host":"db.local","port":"5432","extra":"ignored"}"#,
        )],
    );
    let bag = f
        .model
        .relation_by_id("db", 3)
        .remote_app_data()
        .unwrap()
        .expect("remote app");
    let info: DbInfo = bag.load().unwrap();
    assert_eq!(
        info,
        DbInfo {
            host: "db.local".into(),
            port: 5432,
            read_only: None
        }
    );
}

#[test]
fn typed_databag_with_invalid_json_is_a_typed_error() {
    let f = fixture();
    f.fake.on_ok("relation-list", r#"["remote/0"]"#);
    serve_bags(
        &f,
        &[(
            3,
            "remote",
            true,
            r#"{"host":"db.local","port":"{not json"}"#,
        )],
    );
    let bag = f
        .model
        .relation_by_id("db", 3)
        .remote_app_data()
        .unwrap()
        .expect("remote app");
    let err = bag.load::<DbInfo>().unwrap_err();
    match &err {
        ModelError::Databag(DatabagError::Invalid { key, value, .. }) => {
            assert_eq!(key, "port");
            assert_eq!(value, "{not json");
        }
        other => panic!("expected DatabagError::Invalid, got {other:?}"),
    }
    assert!(err.to_string().contains("relation data `port`"), "{err}");

    // A required key that is missing is its own error.
    let f = fixture();
    f.fake.on_ok("relation-list", r#"["remote/0"]"#);
    serve_bags(&f, &[(3, "remote", true, r#"{"host":"db.local"}"#)]);
    let bag = f
        .model
        .relation_by_id("db", 3)
        .remote_app_data()
        .unwrap()
        .expect("remote app");
    assert!(matches!(
        bag.load::<DbInfo>().unwrap_err(),
        ModelError::Databag(DatabagError::Missing { ref key }) if key == "port"
    ));
}

#[test]
fn typed_databag_saves_through_the_buffer() {
    let f = fixture_leader(true);
    f.fake.on_ok("relation-get", "{}");
    let bag = f.model.relation_by_id("db", 3).local_app_data();
    bag.save(&DbInfo {
        host: "h".into(),
        port: 80,
        read_only: Some(true),
    })
    .unwrap();
    assert_eq!(
        bag.load::<DbInfo>().unwrap().port,
        80,
        "reads see the pending save"
    );
    assert_eq!(f.count("relation-set"), 0);
    f.model.flush().unwrap();
    let sets = relation_sets(&f);
    assert_eq!(sets.len(), 1);
    assert_eq!(
        sets[0].argv(),
        argv(&["relation-set", "-r", "3", "--app", "--file", "-"])
    );
    let want: BTreeMap<String, String> = [("host", "h"), ("port", "80"), ("read-only", "true")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(yaml_stdin(&sets[0]), want);

    // A remote databag cannot be saved to.
    f.fake.on_ok("relation-list", r#"["remote/0"]"#);
    let remote = f
        .model
        .relation_by_id("db", 3)
        .remote_app_data()
        .unwrap()
        .expect("remote");
    let err = remote
        .save(&DbInfo {
            host: "h".into(),
            port: 1,
            read_only: None,
        })
        .unwrap_err();
    assert!(matches!(err, ModelError::RelationDataAccess(_)), "{err:?}");
}
