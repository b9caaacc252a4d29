//! Shared setup of the `model_*` tests: a static charm metadata, a [`Model`] over the scripted
//! [`FakeRunner`] and small helpers to build argv vectors and canned answers.

#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use ops_core::env::JujuContext;
use ops_core::hooktools::FakeRunner;
use ops_core::meta::{
    CharmMeta, ContainerMeta, RelationMeta, RelationRole, RelationScope, ResourceMeta,
    ResourceType, StorageMeta, StorageType,
};
use ops_core::model::Model;

const fn relation(name: &'static str, role: RelationRole, interface: &'static str) -> RelationMeta {
    RelationMeta {
        name: Cow::Borrowed(name),
        role,
        interface: Cow::Borrowed(interface),
        limit: None,
        scope: RelationScope::Global,
        optional: false,
        description: Cow::Borrowed(""),
    }
}

const fn storage(name: &'static str) -> StorageMeta {
    StorageMeta {
        name: Cow::Borrowed(name),
        kind: StorageType::Filesystem,
        description: Cow::Borrowed(""),
        shared: false,
        read_only: false,
        minimum_size: None,
        location: None,
        multiple: Some((0, None)),
    }
}

/// `myapp`: requires `db`, provides `website`, peers `cluster`; storages `data` and `cache`; a
/// `workload` container; resources `config-file` (file) and `image` (OCI image).
pub static META: CharmMeta = CharmMeta {
    name: Cow::Borrowed("myapp"),
    summary: Cow::Borrowed("model tests"),
    description: Cow::Borrowed(""),
    subordinate: false,
    series: Cow::Borrowed(&[]),
    min_juju_version: None,
    assumes: Cow::Borrowed(&[]),
    relations: Cow::Borrowed(&[
        relation("db", RelationRole::Requires, "pgsql"),
        relation("website", RelationRole::Provides, "http"),
        relation("cluster", RelationRole::Peer, "cluster"),
    ]),
    storages: Cow::Borrowed(&[storage("data"), storage("cache")]),
    containers: Cow::Borrowed(&[ContainerMeta {
        name: Cow::Borrowed("workload"),
        resource: None,
        mounts: Cow::Borrowed(&[]),
    }]),
    resources: Cow::Borrowed(&[
        ResourceMeta {
            name: Cow::Borrowed("config-file"),
            kind: ResourceType::File,
            filename: Some(Cow::Borrowed("config.txt")),
            description: Cow::Borrowed(""),
        },
        ResourceMeta {
            name: Cow::Borrowed("image"),
            kind: ResourceType::OciImage,
            filename: None,
            description: Cow::Borrowed(""),
        },
    ]),
    extra_bindings: Cow::Borrowed(&[]),
    config: Cow::Borrowed(&[]),
    actions: Cow::Borrowed(&[]),
};

/// The fake runner and a model of unit `myapp/0` on Juju 3.1.6 over it.
pub struct Fixture {
    pub fake: Rc<FakeRunner>,
    pub model: Model,
}

impl Fixture {
    /// Every call so far as argv (tool first), forgetting them; secret content passed in files
    /// (`key#file=<path>`) is shown as `key=<content>`, as the tool read it.
    pub fn take(&self) -> Vec<Vec<String>> {
        self.fake.take_resolved_argvs()
    }

    /// Every call so far as argv, keeping them.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.fake.argvs()
    }

    /// How many times `tool` was called so far.
    pub fn count(&self, tool: &str) -> usize {
        self.fake.calls().iter().filter(|c| c.tool == tool).count()
    }
}

/// A model of `myapp/0` with `extra` environment variables on top of the basic ones.
pub fn fixture_with(extra: &[(&str, &str)]) -> Fixture {
    let mut env: HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "myapp/0"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_MODEL_NAME", "testing"),
        ("JUJU_MODEL_UUID", "1234-uuid"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
    let ctx = JujuContext::from_map(&env).expect("valid environment");
    let fake = Rc::new(FakeRunner::new());
    // Tools that only print nothing on success answer so unless a test says otherwise.
    for tool in [
        "relation-set",
        "status-set",
        "application-version-set",
        "open-port",
        "close-port",
        "storage-add",
        "secret-set",
        "secret-grant",
        "secret-revoke",
        "secret-remove",
        "action-set",
        "action-log",
        "action-fail",
        "add-metric",
    ] {
        fake.on_ok(tool, "");
    }
    let model = Model::new(&META, &ctx, fake.clone());
    Fixture { fake, model }
}

/// A model of `myapp/0` with no event-specific environment.
pub fn fixture() -> Fixture {
    fixture_with(&[])
}

/// A model of `myapp/0` that is (`true`) or is not the leader.
pub fn fixture_leader(leader: bool) -> Fixture {
    let f = fixture();
    f.fake
        .on_ok("is-leader", if leader { "true\n" } else { "false\n" });
    f
}

/// `["a", "b"]` → `vec!["a".to_string(), "b".to_string()]`.
pub fn argv(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The stderr Juju prints for an unknown relation id.
pub fn relation_not_found(id: i64) -> String {
    format!("ERROR invalid value \"{id}\" for option -r: relation not found\n")
}
