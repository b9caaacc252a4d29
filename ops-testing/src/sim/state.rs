//! What the simulated Juju knows about the unit: [`JujuState`], the in-memory counterpart of
//! juju-sim's state file.

use ops_core::meta::{CharmMeta, ConfigValue, RelationRole};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A relation databag: key → value (Juju relation data is always strings).
pub type Databag = BTreeMap<String, String>;

/// The Juju version the simulator reports unless told otherwise (juju-sim's default).
pub const DEFAULT_JUJU_VERSION: &str = "3.1.6";
/// The model UUID the simulator reports unless told otherwise (juju-sim's default).
pub const DEFAULT_MODEL_UUID: &str = "7e3a1c2d-5b4f-4a60-9c8e-0123456789ab";
/// The unit's address unless told otherwise (juju-sim's default).
pub const DEFAULT_ADDRESS: &str = "10.0.0.10";
/// The controller's API address the simulated unit agent uses (it appears in the URL of
/// `resource-get` errors).
pub const DEFAULT_CONTROLLER_API: &str = "10.0.0.1:17070";
/// The `since` time `goal-state` reports (fixed, so outputs are reproducible).
pub const FIXED_SINCE: &str = "2024-01-01T00:00:00Z";

/// A workload status as Juju stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    /// `active`, `blocked`, `maintenance`, `waiting`, `unknown` or `error`.
    pub status: String,
    /// The message (may be empty).
    pub message: String,
}

impl StatusRecord {
    /// A status named `status` with `message`.
    pub fn new(status: impl Into<String>, message: impl Into<String>) -> Self {
        StatusRecord {
            status: status.into(),
            message: message.into(),
        }
    }

    /// `unknown` with no message: Juju's initial status.
    pub fn unknown() -> Self {
        Self::new("unknown", "")
    }

    /// As an ops-core [`Status`](ops_core::Status) (a name Juju does not define reads as unknown).
    pub fn to_status(&self) -> ops_core::Status {
        ops_core::Status::from_name(&self.status, self.message.clone())
            .unwrap_or(ops_core::Status::Unknown)
    }

    /// From an ops-core [`Status`](ops_core::Status).
    pub fn from_status(status: &ops_core::Status) -> Self {
        Self::new(status.name(), status.message())
    }
}

/// One relation as Juju sees it from this unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRelation {
    /// The relation id.
    pub id: i64,
    /// This charm's endpoint.
    pub endpoint: String,
    /// The endpoint's interface.
    pub interface: String,
    /// The endpoint's role.
    pub role: RelationRole,
    /// The remote application (for a peer relation: this application).
    pub remote_app: String,
    /// This unit's databag.
    pub local_unit_data: Databag,
    /// This application's databag (shared by the peers on a peer relation).
    pub local_app_data: Databag,
    /// The remote application's databag.
    pub remote_app_data: Databag,
    /// The remote units (peers: the other units of this application) and their databags.
    pub remote_units: BTreeMap<String, Databag>,
    /// Units that left (still readable during their `relation-departed`).
    pub departed_units: BTreeMap<String, Databag>,
    /// Whether the relation is being removed (`relation-broken`).
    pub broken: bool,
}

impl SimRelation {
    /// The relation's id as Juju prints it, `endpoint:id`.
    pub fn juju_id(&self) -> String {
        format!("{}:{}", self.endpoint, self.id)
    }
}

/// One storage instance attached (or added but detached) to the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimStorage {
    /// The storage name.
    pub name: String,
    /// The instance index.
    pub index: u32,
    /// `filesystem` or `block`.
    pub kind: String,
    /// Where it is mounted.
    pub location: PathBuf,
    /// Whether it is attached (only attached instances are listed by `storage-list`).
    pub attached: bool,
}

impl SimStorage {
    /// `name/index`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }
}

/// One revision of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRevision {
    /// The revision number (from 1).
    pub revision: u64,
    /// Its content.
    pub content: BTreeMap<String, String>,
}

/// The key of [`SimSecret::grants`] under which a secret is granted over no relation: a user
/// secret (`juju grant-secret <secret> <app>`), or a secret whose owner has no relation with
/// this application in a test's state. Juju's relation ids are never negative.
pub const USER_SECRET_GRANT: i64 = -1;

/// A secret in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSecret {
    /// The id, `secret:<20 characters>`.
    pub id: String,
    /// The owner: an application or unit name (this charm's, or a remote one), or the model's
    /// uuid for a user secret (as ops' Harness records it).
    pub owner: String,
    /// The owner's label.
    pub label: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The expiry time, as given to `--expire`.
    pub expire: Option<String>,
    /// The rotation policy.
    pub rotate: Option<String>,
    /// Every revision, oldest first.
    pub revisions: Vec<SecretRevision>,
    /// Grants: relation id → application or unit names that may read the secret.
    pub grants: BTreeMap<i64, Vec<String>>,
    /// This unit's label for it as a consumer.
    pub consumer_label: Option<String>,
    /// The revision this unit tracks as a consumer (`None`: not read yet).
    pub consumer_revision: Option<u64>,
}

impl SimSecret {
    /// The latest revision number (0 when there is none).
    pub fn latest_revision(&self) -> u64 {
        self.revisions.iter().map(|r| r.revision).max().unwrap_or(0)
    }

    /// The content of `revision`.
    pub fn content(&self, revision: u64) -> Option<&BTreeMap<String, String>> {
        self.revisions
            .iter()
            .find(|r| r.revision == revision)
            .map(|r| &r.content)
    }
}

/// A running or finished action.
#[derive(Debug, Clone, PartialEq)]
pub struct SimAction {
    /// Juju's id for this run.
    pub id: String,
    /// The action's name.
    pub name: String,
    /// The params, with the schema's defaults applied.
    pub params: Map<String, Value>,
    /// The results set so far (dotted keys nested).
    pub results: Map<String, Value>,
    /// The `action-log` messages.
    pub log: Vec<String>,
    /// Whether `action-fail` was called.
    pub failed: bool,
    /// The failure message.
    pub message: String,
    /// `running`, `completed` or `failed`.
    pub status: String,
}

/// A batch of metrics from one `add-metric` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricBatch {
    /// The metrics: key → value as passed.
    pub metrics: BTreeMap<String, String>,
    /// The labels.
    pub labels: BTreeMap<String, String>,
}

/// The last `pod-spec-set`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSpec {
    /// The spec file's text (YAML).
    pub spec: String,
    /// The Kubernetes resources file's text, if given.
    pub k8s_resources: Option<String>,
}

/// A workload container (Kubernetes charms) as Juju sees it: whether its Pebble is up. The
/// Pebble itself is a [`FakePebble`](crate::pebble::FakePebble) of the simulator
/// ([`SimJuju::pebble`](crate::SimJuju::pebble)), made unreachable while this says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimContainer {
    /// Whether the container's Pebble can be reached.
    pub can_connect: bool,
}

/// Everything the simulated Juju knows about the unit and its model.
#[derive(Debug, Clone, PartialEq)]
pub struct JujuState {
    /// `JUJU_MODEL_NAME` (`None`: not set).
    pub model_name: Option<String>,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: String,
    /// `JUJU_VERSION`.
    pub juju_version: String,
    /// The unit, e.g. `myapp/0`.
    pub unit: String,
    /// Whether the unit is the leader.
    pub leader: bool,
    /// The unit's address (`unit-get`, default networks).
    pub address: String,
    /// `JUJU_AVAILABILITY_ZONE`.
    pub availability_zone: String,
    /// Config values set explicitly (the effective config adds the metadata's defaults).
    pub config: BTreeMap<String, Value>,
    /// The unit's status.
    pub unit_status: StatusRecord,
    /// The application's status.
    pub app_status: StatusRecord,
    /// The workload version (`application-version-set`).
    pub workload_version: String,
    /// The relations.
    pub relations: Vec<SimRelation>,
    /// Network info per binding, as `network-get --format=json` prints it (bindings not listed
    /// get a default network on [`JujuState::address`]).
    pub networks: BTreeMap<String, Value>,
    /// The storage instances.
    pub storage: Vec<SimStorage>,
    /// `storage-add` requests: (storage name, count).
    pub requested_storage: Vec<(String, u32)>,
    /// Resources: name → file path.
    pub resources: BTreeMap<String, PathBuf>,
    /// Units planned for the application (`None`: this unit plus its peers).
    pub planned_units: Option<u32>,
    /// The secrets this unit can see (owned or granted).
    pub secrets: Vec<SimSecret>,
    /// Controller-side charm state (`state-get`/`state-set`).
    pub controller_state: BTreeMap<String, String>,
    /// Leadership settings (`leader-get`/`leader-set`).
    pub leader_settings: BTreeMap<String, String>,
    /// Opened ports, as Juju prints them (`80/tcp`, `8000-8100/udp`, `icmp`).
    pub opened_ports: Vec<String>,
    /// Metrics added (`add-metric`).
    pub metrics: Vec<MetricBatch>,
    /// The pod spec (`pod-spec-set`).
    pub pod_spec: Option<PodSpec>,
    /// A requested reboot: `after-hook` or `now`.
    pub reboot: Option<String>,
    /// The cloud spec `credential-get` prints (`None`: the charm is not trusted).
    pub credential: Option<Value>,
    /// Whether `relation-ids` still lists a relation during its `relation-broken` hook, as Juju
    /// before 3.x does (default: no, as newer Juju).
    pub lists_broken_relations: bool,
    /// The remote model of cross-model relations, by relation id (`relation-model-get`; the
    /// others are in this model).
    pub remote_models: BTreeMap<i64, String>,
    /// Actions run so far, the last one being the current one.
    pub actions: Vec<SimAction>,
    /// Containers by name.
    pub containers: BTreeMap<String, SimContainer>,
    /// How many secret ids were generated (ids are deterministic).
    pub secret_seq: u64,
    /// How many actions were started.
    pub action_seq: u64,
}

impl JujuState {
    /// The state of unit `unit` of a fresh deployment, as juju-sim starts: not leader, statuses
    /// unknown, no relations, containers of the metadata connectable.
    pub fn new(meta: &CharmMeta, unit: impl Into<String>) -> Self {
        JujuState {
            model_name: Some("sim-model".to_string()),
            model_uuid: DEFAULT_MODEL_UUID.to_string(),
            juju_version: DEFAULT_JUJU_VERSION.to_string(),
            unit: unit.into(),
            leader: false,
            address: DEFAULT_ADDRESS.to_string(),
            availability_zone: "zone-1".to_string(),
            config: BTreeMap::new(),
            unit_status: StatusRecord::unknown(),
            app_status: StatusRecord::unknown(),
            workload_version: String::new(),
            relations: Vec::new(),
            networks: BTreeMap::new(),
            storage: Vec::new(),
            requested_storage: Vec::new(),
            resources: BTreeMap::new(),
            planned_units: None,
            secrets: Vec::new(),
            controller_state: BTreeMap::new(),
            leader_settings: BTreeMap::new(),
            opened_ports: Vec::new(),
            metrics: Vec::new(),
            pod_spec: None,
            reboot: None,
            credential: None,
            remote_models: BTreeMap::new(),
            lists_broken_relations: false,
            actions: Vec::new(),
            containers: meta
                .containers
                .iter()
                .map(|c| (c.name.to_string(), SimContainer { can_connect: true }))
                .collect(),
            secret_seq: 0,
            action_seq: 0,
        }
    }

    /// The application: the unit name up to `/`.
    pub fn app(&self) -> &str {
        self.unit.split('/').next().unwrap_or(&self.unit)
    }

    /// The relation with `id`.
    pub fn relation(&self, id: i64) -> Option<&SimRelation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The relation with `id`, mutably.
    pub fn relation_mut(&mut self, id: i64) -> Option<&mut SimRelation> {
        self.relations.iter_mut().find(|r| r.id == id)
    }

    /// The storage instance `name/index`.
    pub fn storage(&self, id: &str) -> Option<&SimStorage> {
        self.storage.iter().find(|s| s.id() == id)
    }

    /// The secret with `id` (any form: `secret:x`, `x`, or a full URI).
    pub fn secret(&self, id: &str) -> Option<&SimSecret> {
        let bare = bare_secret_id(id);
        self.secrets.iter().find(|s| bare_secret_id(&s.id) == bare)
    }

    /// The secret with `id`, mutably.
    pub fn secret_mut(&mut self, id: &str) -> Option<&mut SimSecret> {
        let bare = bare_secret_id(id).to_string();
        self.secrets
            .iter_mut()
            .find(|s| bare_secret_id(&s.id) == bare)
    }

    /// Whether this unit or its application owns `secret`.
    pub fn owns(&self, secret: &SimSecret) -> bool {
        secret.owner == self.unit || secret.owner == self.app()
    }

    /// The config `config-get` reports: the metadata's defaults overlaid with the values set.
    /// Options without a default and not set are `null`.
    pub fn effective_config(&self, meta: &CharmMeta) -> BTreeMap<String, Value> {
        let mut config: BTreeMap<String, Value> = meta
            .config
            .iter()
            .map(|o| {
                let v = o
                    .default
                    .as_ref()
                    .map(config_value_json)
                    .unwrap_or(Value::Null);
                (o.name.to_string(), v)
            })
            .collect();
        for (k, v) in &self.config {
            config.insert(k.clone(), v.clone());
        }
        config
    }
}

/// A metadata config value as JSON.
pub fn config_value_json(value: &ConfigValue) -> Value {
    match value {
        ConfigValue::String(s) => Value::String(s.to_string()),
        ConfigValue::Int(i) => Value::from(*i),
        ConfigValue::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        ConfigValue::Boolean(b) => Value::Bool(*b),
    }
}

/// The bare id of a secret: `secret:abc` → `abc`, `secret://model/abc` → `abc`.
pub fn bare_secret_id(id: &str) -> &str {
    let tail = id.rsplit('/').next().unwrap_or(id);
    match tail.split_once(':') {
        Some((_, rest)) => rest,
        None => tail,
    }
}
