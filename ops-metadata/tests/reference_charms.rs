//! The juju-sim reference charms (copied into `tests/fixtures/reference`) parse without errors, into
//! the model their YAML describes.
#![cfg(feature = "parse")]

mod common;

use common::fixtures;
use ops_metadata::{
    load_dir, CharmFiles, CharmMeta, ConfigType, ConfigValue, ParamType, RelationRole,
    ResourceType, StorageType,
};

#[track_caller]
fn reference(name: &str) -> CharmMeta {
    let dir = fixtures().join("reference").join(name);
    match load_dir(&dir) {
        Ok(meta) => meta,
        Err(e) => panic!("reference charm `{name}` should parse:\n{e}"),
    }
}

#[test]
fn every_reference_charm_parses() {
    for name in [
        "actions",
        "counter",
        "db-consumer",
        "db-provider",
        "webserver",
    ] {
        assert_eq!(reference(name).name, name);
    }
}

#[test]
fn actions_charm() {
    let meta = reference("actions");
    let data = meta
        .storage("data")
        .map(|s| (s.kind, s.location.as_deref()));
    assert_eq!(data, Some((StorageType::Filesystem, Some("/srv/data"))));
    let names: Vec<&str> = meta.actions.iter().map(|a| a.name.as_ref()).collect();
    assert_eq!(names, ["greet", "backup", "report", "explode"]);

    let greet = meta.action("greet").map(|a| {
        a.params
            .iter()
            .map(|p| (p.name.as_ref(), p.kind, p.default.as_deref(), p.required))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        greet,
        Some(vec![
            ("who", ParamType::String, None, true),
            ("times", ParamType::Integer, Some("1"), false),
        ])
    );
    let backup = meta.action("backup").map(|a| {
        a.params
            .iter()
            .map(|p| (p.name.as_ref(), p.default.as_deref()))
            .collect::<Vec<_>>()
    });
    assert_eq!(
        backup,
        Some(vec![
            ("name", Some("\"nightly\"")),
            ("compress", Some("false")),
            ("level", Some("3")),
        ])
    );
    assert_eq!(
        meta.action("explode").map(|a| a.params.len()),
        Some(0),
        "explode has no params"
    );
}

#[test]
fn counter_charm() {
    let meta = reference("counter");
    let options: Vec<(&str, ConfigType, Option<ConfigValue>)> = meta
        .config
        .iter()
        .map(|o| (o.name.as_ref(), o.kind, o.default.clone()))
        .collect();
    assert_eq!(
        options,
        [
            (
                "target",
                ConfigType::String,
                Some(ConfigValue::String("".into()))
            ),
            (
                "greeting",
                ConfigType::String,
                Some(ConfigValue::String("hello".into()))
            ),
            ("port", ConfigType::Int, Some(ConfigValue::Int(8080))),
            ("ratio", ConfigType::Float, Some(ConfigValue::Float(1.5))),
            (
                "debug",
                ConfigType::Boolean,
                Some(ConfigValue::Boolean(false))
            ),
        ]
    );
    assert!(meta.description.ends_with("workload version and ports.\n"));
    assert!(meta.relations.is_empty() && meta.actions.is_empty());
}

#[test]
fn db_consumer_charm() {
    let meta = reference("db-consumer");
    let database = meta
        .relation("database")
        .map(|r| (r.role, r.interface.as_ref(), r.limit));
    assert_eq!(database, Some((RelationRole::Requires, "sim_db", Some(1))));
    assert_eq!(
        meta.config_option("database-name")
            .and_then(|o| o.default.clone()),
        Some(ConfigValue::String("app-db".into()))
    );
}

#[test]
fn db_provider_charm() {
    let meta = reference("db-provider");
    let relations: Vec<(&str, RelationRole, &str)> = meta
        .relations
        .iter()
        .map(|r| (r.name.as_ref(), r.role, r.interface.as_ref()))
        .collect();
    assert_eq!(
        relations,
        [
            ("database", RelationRole::Provides, "sim_db"),
            ("cluster", RelationRole::Peer, "sim_db_cluster"),
        ]
    );
    let events: Vec<String> = meta.events().into_iter().map(|e| e.name).collect();
    assert!(events.contains(&"cluster_relation_changed".to_string()));
}

#[test]
fn webserver_charm() {
    let dir = fixtures().join("reference").join("webserver");
    let files = match CharmFiles::discover(&dir) {
        Ok(files) => files,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        files.paths(),
        [
            dir.join("metadata.yaml"),
            dir.join("config.yaml"),
            dir.join("actions.yaml")
        ]
    );
    let meta = reference("webserver");
    assert!(meta.is_kubernetes());
    assert_eq!(
        meta.container("web").and_then(|c| c.resource.as_deref()),
        Some("web-image")
    );
    assert_eq!(
        meta.resource("web-image").map(|r| r.kind),
        Some(ResourceType::OciImage)
    );
    assert_eq!(
        meta.action("run")
            .and_then(|a| a.param("command"))
            .map(|p| p.required),
        Some(true)
    );
}
