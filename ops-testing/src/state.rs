//! The immutable input and output of a state-transition test: [`State`] and its parts.
//!
//! A `State` describes everything Juju and the unit's database hold when a hook starts; a test
//! builds one with `with_*` methods (each returns a new value), runs one event through
//! [`Context::run`](crate::Context::run) and gets the `State` the hook left behind. Endpoints,
//! storages, resources, containers and actions are named by the marker types `#[charm]` generates,
//! so a test cannot name something the charm does not declare.
//!
//! ```
//! use ops_testing::{Relation, Secret, State};
//! # struct Database;
//! # impl ops_core::endpoints::RelationEndpoint for Database {
//! #     const NAME: &'static str = "database";
//! #     const ROLE: ops_core::meta::RelationRole = ops_core::meta::RelationRole::Provides;
//! #     const INTERFACE: &'static str = "sim_db";
//! #     const LIMIT: Option<u32> = None;
//! #     const SCOPE: ops_core::meta::RelationScope = ops_core::meta::RelationScope::Global;
//! # }
//!
//! // `Database` is a marker type `#[charm]` generated (`my_charm::relations::Database`).
//! let db = Relation::of::<Database>()
//!     .remote_app("postgresql")
//!     .remote_app_data([("database", "app-db")]);
//! let creds = Secret::owned_by_app([("password", "s3cret")]).with_remote_grant(&db, "postgresql");
//! let state = State::default()
//!     .with_leader(true)
//!     .with_relation(db.clone())
//!     .with_secret(creds);
//! assert_eq!(state.relation(db.relation_id()).map(|r| r.endpoint()), Some("database"));
//! // Building never changes a state: `with_*` returns a new one.
//! assert!(!State::default().leader());
//! ```

use crate::pebble::{ExecCall, ExecRule, LayerRecord, NoticeRecord, PebbleState, ServiceRecord};
use crate::sim::{make_secret_id, SecretRevision, DEFAULT_ADDRESS, DEFAULT_MODEL_UUID};
use ops_core::databag::{DatabagError, RelationData};
use ops_core::endpoints::{ContainerEndpoint, RelationEndpoint, ResourceEndpoint, StorageEndpoint};
use ops_core::events::EventSnapshot;
use ops_core::hooktools::{Protocol, SecretRotate};
use ops_core::meta::{RelationRole, RelationScope};
use ops_core::pebble::{CheckStatus, Layer, Plan, ServiceStatus};
use ops_core::stored::{StateError, StoredState};
use ops_core::Status;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A relation databag: key → value.
pub type Databag = BTreeMap<String, String>;

/// Secret content: key → value.
pub type Content = BTreeMap<String, String>;

fn bag<K: Into<String>, V: Into<String>>(data: impl IntoIterator<Item = (K, V)>) -> Databag {
    data.into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect()
}

fn typed_bag<T: RelationData>(value: &T) -> Result<Databag, DatabagError> {
    Ok(value
        .to_databag()?
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

static NEXT_RELATION_ID: AtomicI64 = AtomicI64::new(1);
static NEXT_SECRET: AtomicU64 = AtomicU64::new(1);

/// The next relation id: unique in the test process, so relations built separately never clash.
pub fn next_relation_id() -> i64 {
    NEXT_RELATION_ID.fetch_add(1, Ordering::Relaxed)
}

/// A relation of the charm: regular, peer (the endpoint is under `peers`) or subordinate (the
/// endpoint has `scope: container`), as its endpoint says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub(crate) id: i64,
    pub(crate) endpoint: String,
    pub(crate) interface: Option<String>,
    pub(crate) role: Option<RelationRole>,
    pub(crate) scope: Option<RelationScope>,
    pub(crate) remote_app: Option<String>,
    pub(crate) local_app_data: Databag,
    pub(crate) local_unit_data: Databag,
    pub(crate) remote_app_data: Databag,
    pub(crate) remote_units: BTreeMap<u32, Databag>,
    pub(crate) remote_model_uuid: Option<String>,
}

/// The remote application of a relation built without [`Relation::remote_app`].
pub const DEFAULT_REMOTE_APP: &str = "remote";

impl Relation {
    /// A relation on endpoint `E` with a fresh id: one remote unit (`remote/0`) with an empty
    /// databag, or no other peer for a peer relation.
    pub fn of<E: RelationEndpoint>() -> Self {
        let peer = E::ROLE.is_peer();
        Relation {
            id: next_relation_id(),
            endpoint: E::NAME.to_string(),
            interface: Some(E::INTERFACE.to_string()),
            role: Some(E::ROLE),
            scope: Some(E::SCOPE),
            remote_app: None,
            local_app_data: Databag::new(),
            local_unit_data: Databag::new(),
            remote_app_data: Databag::new(),
            remote_units: if peer {
                BTreeMap::new()
            } else {
                BTreeMap::from([(0, Databag::new())])
            },
            remote_model_uuid: None,
        }
    }

    /// A relation on an endpoint named at run time (role and interface taken from the charm's
    /// metadata). Prefer [`Relation::of`]: this one exists to test what the consistency checker
    /// says about endpoints the charm does not have.
    pub fn named(endpoint: impl Into<String>) -> Self {
        Relation {
            id: next_relation_id(),
            endpoint: endpoint.into(),
            interface: None,
            role: None,
            scope: None,
            remote_app: None,
            local_app_data: Databag::new(),
            local_unit_data: Databag::new(),
            remote_app_data: Databag::new(),
            remote_units: BTreeMap::from([(0, Databag::new())]),
            remote_model_uuid: None,
        }
    }

    /// A cross-model relation: the remote application is in model `uuid`
    /// (`relation-model-get`; ops.testing: `Relation(remote_model_uuid=...)`). Default: this
    /// model.
    pub fn remote_model_uuid(mut self, uuid: impl Into<String>) -> Self {
        self.remote_model_uuid = Some(uuid.into());
        self
    }

    /// With relation id `id`.
    pub fn id(mut self, id: i64) -> Self {
        self.id = id;
        self
    }

    /// With remote application `name` (not for peer relations).
    pub fn remote_app(mut self, name: impl Into<String>) -> Self {
        self.remote_app = Some(name.into());
        self
    }

    /// With this application's databag.
    pub fn local_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_app_data = bag(data);
        self
    }

    /// With this unit's databag.
    pub fn local_unit_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.local_unit_data = bag(data);
        self
    }

    /// With the remote application's databag.
    pub fn remote_app_data<K: Into<String>, V: Into<String>>(
        mut self,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_app_data = bag(data);
        self
    }

    /// With remote unit number `id` (peer relations: the peer unit) and its databag.
    pub fn remote_unit<K: Into<String>, V: Into<String>>(
        mut self,
        id: u32,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.remote_units.insert(id, bag(data));
        self
    }

    /// With exactly the remote units `ids`, each with an empty databag.
    pub fn remote_units(mut self, ids: impl IntoIterator<Item = u32>) -> Self {
        self.remote_units = ids.into_iter().map(|i| (i, Databag::new())).collect();
        self
    }

    /// With this application's databag from a typed struct (`#[derive(RelationData)]`).
    ///
    /// # Panics
    /// If the struct does not encode (a field that is not JSON-serializable).
    pub fn local_app_data_from<T: RelationData>(mut self, value: &T) -> Self {
        self.local_app_data = typed_bag(value).unwrap_or_else(|e| panic!("{e}"));
        self
    }

    /// With the remote application's databag from a typed struct.
    ///
    /// # Panics
    /// If the struct does not encode.
    pub fn remote_app_data_from<T: RelationData>(mut self, value: &T) -> Self {
        self.remote_app_data = typed_bag(value).unwrap_or_else(|e| panic!("{e}"));
        self
    }

    /// With remote unit `id`'s databag from a typed struct.
    ///
    /// # Panics
    /// If the struct does not encode.
    pub fn remote_unit_from<T: RelationData>(mut self, id: u32, value: &T) -> Self {
        let data = typed_bag(value).unwrap_or_else(|e| panic!("{e}"));
        self.remote_units.insert(id, data);
        self
    }

    /// The relation id.
    pub fn relation_id(&self) -> i64 {
        self.id
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The interface, if built from a marker type.
    pub fn interface(&self) -> Option<&str> {
        self.interface.as_deref()
    }

    /// The endpoint's role, if built from a marker type.
    pub fn role(&self) -> Option<RelationRole> {
        self.role
    }

    /// The endpoint's scope, if built from a marker type.
    pub fn scope(&self) -> Option<RelationScope> {
        self.scope
    }

    /// The remote application as given (`None`: [`DEFAULT_REMOTE_APP`], or this application for a
    /// peer relation).
    pub fn remote_app_name(&self) -> Option<&str> {
        self.remote_app.as_deref()
    }

    /// This application's databag.
    pub fn local_app_databag(&self) -> &Databag {
        &self.local_app_data
    }

    /// This unit's databag.
    pub fn local_unit_databag(&self) -> &Databag {
        &self.local_unit_data
    }

    /// The remote application's databag.
    pub fn remote_app_databag(&self) -> &Databag {
        &self.remote_app_data
    }

    /// The remote units (peers) by number, with their databags.
    pub fn remote_units_data(&self) -> &BTreeMap<u32, Databag> {
        &self.remote_units
    }

    /// Remote unit `id`'s databag.
    pub fn remote_unit_databag(&self, id: u32) -> Option<&Databag> {
        self.remote_units.get(&id)
    }

    /// This application's databag as a typed struct.
    pub fn local_app_as<T: RelationData>(&self) -> Result<T, DatabagError> {
        T::from_databag(&self.local_app_data)
    }

    /// This unit's databag as a typed struct.
    pub fn local_unit_as<T: RelationData>(&self) -> Result<T, DatabagError> {
        T::from_databag(&self.local_unit_data)
    }

    /// The remote application's databag as a typed struct.
    pub fn remote_app_as<T: RelationData>(&self) -> Result<T, DatabagError> {
        T::from_databag(&self.remote_app_data)
    }
}

/// A port opened by the unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port {
    /// The protocol.
    pub protocol: Protocol,
    /// The first port (`None` for ICMP).
    pub from: Option<u16>,
    /// The last port (equal to `from` for a single port).
    pub to: Option<u16>,
}

impl Port {
    /// TCP port `port`.
    pub fn tcp(port: u16) -> Self {
        Port {
            protocol: Protocol::Tcp,
            from: Some(port),
            to: Some(port),
        }
    }

    /// UDP port `port`.
    pub fn udp(port: u16) -> Self {
        Port {
            protocol: Protocol::Udp,
            from: Some(port),
            to: Some(port),
        }
    }

    /// ICMP.
    pub fn icmp() -> Self {
        Port {
            protocol: Protocol::Icmp,
            from: None,
            to: None,
        }
    }

    /// A range of ports `from..=to`.
    pub fn range(protocol: Protocol, from: u16, to: u16) -> Self {
        Port {
            protocol,
            from: Some(from),
            to: Some(to),
        }
    }

    /// As Juju prints it: `80/tcp`, `8000-8100/udp`, `icmp`.
    pub fn juju_name(&self) -> String {
        match (self.protocol, self.from, self.to) {
            (Protocol::Icmp, _, _) | (_, None, _) => "icmp".to_string(),
            (p, Some(f), Some(t)) if t != f => format!("{f}-{t}/{p}"),
            (p, Some(f), _) => format!("{f}/{p}"),
        }
    }

    /// Parses Juju's form (see [`Port::juju_name`]).
    pub fn parse(text: &str) -> Option<Port> {
        let r = ops_core::hooktools::parse_port_range(text)?;
        Some(Port {
            protocol: r.protocol,
            from: r.from,
            to: r.to,
        })
    }
}

/// One address of a bound interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The address.
    pub value: String,
    /// Its subnet.
    pub cidr: String,
    /// Its host name (usually empty).
    pub hostname: String,
}

/// A network interface a binding is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindAddress {
    /// The interface, e.g. `eth0`.
    pub interface_name: String,
    /// Its MAC address (usually empty).
    pub mac_address: String,
    /// Its addresses.
    pub addresses: Vec<Address>,
}

/// What `network-get` reports for a binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    /// The interfaces the binding is bound to.
    pub bind_addresses: Vec<BindAddress>,
    /// The addresses other units should use.
    pub ingress_addresses: Vec<String>,
    /// The subnets this unit's traffic comes from.
    pub egress_subnets: Vec<String>,
}

impl Network {
    /// A network on `eth0` with `address` in its `/24`, reached at `address` (juju-sim's shape).
    pub fn new(address: impl Into<String>) -> Self {
        let address = address.into();
        let mut parts: Vec<&str> = address.split('.').collect();
        parts.truncate(3);
        let cidr = format!("{}.0/24", parts.join("."));
        Network {
            bind_addresses: vec![BindAddress {
                interface_name: "eth0".to_string(),
                mac_address: String::new(),
                addresses: vec![Address {
                    value: address.clone(),
                    cidr,
                    hostname: String::new(),
                }],
            }],
            egress_subnets: vec![format!("{address}/32")],
            ingress_addresses: vec![address],
        }
    }

    /// With ingress addresses `addresses`.
    pub fn with_ingress_addresses<S: Into<String>>(
        mut self,
        addresses: impl IntoIterator<Item = S>,
    ) -> Self {
        self.ingress_addresses = addresses.into_iter().map(Into::into).collect();
        self
    }

    /// With egress subnets `subnets`.
    pub fn with_egress_subnets<S: Into<String>>(
        mut self,
        subnets: impl IntoIterator<Item = S>,
    ) -> Self {
        self.egress_subnets = subnets.into_iter().map(Into::into).collect();
        self
    }

    /// As `network-get --format=json` prints it.
    pub fn to_json(&self) -> Value {
        let binds: Vec<Value> = self
            .bind_addresses
            .iter()
            .map(|b| {
                let addrs: Vec<Value> = b
                    .addresses
                    .iter()
                    .map(|a| json!({"hostname": a.hostname, "value": a.value, "cidr": a.cidr}))
                    .collect();
                json!({"mac-address": b.mac_address, "interface-name": b.interface_name, "addresses": addrs})
            })
            .collect();
        json!({
            "bind-addresses": binds,
            "ingress-addresses": self.ingress_addresses,
            "egress-subnets": self.egress_subnets,
        })
    }
}

impl Default for Network {
    /// The network every binding has unless told otherwise: [`Network::new`] on `10.0.0.10`.
    fn default() -> Self {
        Network::new(DEFAULT_ADDRESS)
    }
}

/// A storage instance attached to the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    pub(crate) name: String,
    pub(crate) index: u32,
    pub(crate) location: Option<PathBuf>,
}

impl Storage {
    /// Instance 0 of storage `S`. Without [`Storage::with_location`], the context mounts it in a
    /// directory of its own.
    pub fn of<S: StorageEndpoint>() -> Self {
        Storage {
            name: S::NAME.to_string(),
            index: 0,
            location: None,
        }
    }

    /// Instance 0 of the storage named `name` (for testing what the checker says about storage
    /// the charm does not declare; prefer [`Storage::of`]).
    pub fn named(name: impl Into<String>) -> Self {
        Storage {
            name: name.into(),
            index: 0,
            location: None,
        }
    }

    /// Instance number `index`.
    pub fn with_index(mut self, index: u32) -> Self {
        self.index = index;
        self
    }

    /// Mounted at `path` (a directory the test created).
    pub fn with_location(mut self, path: impl Into<PathBuf>) -> Self {
        self.location = Some(path.into());
        self
    }

    /// The storage name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instance index.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// `name/index`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }

    /// Where it is mounted, if known (output states always know).
    pub fn location(&self) -> Option<&Path> {
        self.location.as_deref()
    }
}

/// Who owns a secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    /// This application (managed by the leader).
    App,
    /// This unit.
    Unit,
    /// Another application, which granted it to this one: the charm is a consumer.
    Remote(String),
    /// The model's user (`juju add-secret`, Juju ≥ 3.3), who granted it to this application
    /// (`juju grant-secret`): the charm is a consumer, as with ops 3 scenario's
    /// `Secret(owner=None)` for a user secret. Build it with [`Secret::user_secret`].
    User,
}

/// A secret the unit can see: owned by the charm, or granted to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub(crate) id: String,
    pub(crate) owner: Owner,
    pub(crate) label: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) expire: Option<String>,
    pub(crate) rotate: Option<SecretRotate>,
    pub(crate) revisions: Vec<SecretRevision>,
    pub(crate) tracked: Option<u64>,
    pub(crate) remote_grants: BTreeMap<i64, BTreeSet<String>>,
}

/// The owner of a secret built with [`Secret::new`] unless [`Secret::from_app`] says otherwise.
pub const DEFAULT_SECRET_OWNER: &str = "remote";

impl Secret {
    fn with_owner<K: Into<String>, V: Into<String>>(
        owner: Owner,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let n = NEXT_SECRET.fetch_add(1, Ordering::Relaxed);
        Secret {
            id: make_secret_id(&format!("ops-testing/{n}")),
            tracked: matches!(owner, Owner::Remote(_) | Owner::User).then_some(1),
            owner,
            label: None,
            description: None,
            expire: None,
            rotate: None,
            revisions: vec![SecretRevision {
                revision: 1,
                content: bag(content),
            }],
            remote_grants: BTreeMap::new(),
        }
    }

    /// A secret owned by another application and granted to this one, with `content` as its
    /// first revision, which the charm tracks.
    pub fn new<K: Into<String>, V: Into<String>>(
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self::with_owner(Owner::Remote(DEFAULT_SECRET_OWNER.to_string()), content)
    }

    /// A user secret (`juju add-secret`) granted to this application (`juju grant-secret`), with
    /// `content` as its first revision, which the charm tracks; the charm usually gets its id
    /// from a `type: secret` config option. ops 3 scenario: `Secret(content)` (owner `None`).
    pub fn user_secret<K: Into<String>, V: Into<String>>(
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self::with_owner(Owner::User, content)
    }

    /// A secret owned by this application.
    pub fn owned_by_app<K: Into<String>, V: Into<String>>(
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self::with_owner(Owner::App, content)
    }

    /// A secret owned by this unit.
    pub fn owned_by_unit<K: Into<String>, V: Into<String>>(
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self::with_owner(Owner::Unit, content)
    }

    /// Owned by application `app` (a secret granted to the charm).
    pub fn from_app(mut self, app: impl Into<String>) -> Self {
        self.owner = Owner::Remote(app.into());
        if self.tracked.is_none() {
            self.tracked = Some(1);
        }
        self
    }

    /// With id `id` (`secret:` + 20 characters of `[0-9a-v]`).
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// With label `label` (the owner's label for owned secrets, the consumer's otherwise).
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// With a description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Expiring at `time` (RFC 3339).
    pub fn with_expire(mut self, time: impl Into<String>) -> Self {
        self.expire = Some(time.into());
        self
    }

    /// With rotation policy `policy`.
    pub fn with_rotate(mut self, policy: SecretRotate) -> Self {
        self.rotate = Some(policy);
        self
    }

    /// With a newer revision holding `content` (a consumer keeps tracking its revision).
    pub fn with_latest_content<K: Into<String>, V: Into<String>>(
        mut self,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let revision = self.latest_revision() + 1;
        self.revisions.push(SecretRevision {
            revision,
            content: bag(content),
        });
        self
    }

    /// Tracking `revision` as a consumer (default: the first; [`Secret::with_latest_content`]
    /// keeps the tracked revision). A revision the secret does not have is refused by the
    /// consistency checker.
    pub fn with_tracked_revision(mut self, revision: u64) -> Self {
        self.tracked = Some(revision);
        self
    }

    /// Granted (by the charm, its owner) to `grantee` (an application or unit) over `relation`.
    pub fn with_remote_grant(mut self, relation: &Relation, grantee: impl Into<String>) -> Self {
        self.remote_grants
            .entry(relation.id)
            .or_default()
            .insert(grantee.into());
        self
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The owner.
    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    /// Whether the charm (its application or unit) owns it (not for a secret of another
    /// application or of the user).
    pub fn is_owned(&self) -> bool {
        !matches!(self.owner, Owner::Remote(_) | Owner::User)
    }

    /// The label.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// The description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The expiry.
    pub fn expire(&self) -> Option<&str> {
        self.expire.as_deref()
    }

    /// The rotation policy.
    pub fn rotate(&self) -> Option<SecretRotate> {
        self.rotate
    }

    /// The revision numbers, oldest first.
    pub fn revisions(&self) -> Vec<u64> {
        self.revisions.iter().map(|r| r.revision).collect()
    }

    /// The latest revision number.
    pub fn latest_revision(&self) -> u64 {
        self.revisions.iter().map(|r| r.revision).max().unwrap_or(0)
    }

    /// The content of `revision`.
    pub fn content(&self, revision: u64) -> Option<&Content> {
        self.revisions
            .iter()
            .find(|r| r.revision == revision)
            .map(|r| &r.content)
    }

    /// The latest revision's content.
    pub fn latest(&self) -> Option<&Content> {
        self.content(self.latest_revision())
    }

    /// The revision the charm tracks as a consumer.
    pub fn tracked_revision(&self) -> Option<u64> {
        self.tracked
    }

    /// The content of the tracked revision.
    pub fn tracked_content(&self) -> Option<&Content> {
        self.tracked.and_then(|r| self.content(r))
    }

    /// Grants of an owned secret: relation id → grantees.
    pub fn remote_grants(&self) -> &BTreeMap<i64, BTreeSet<String>> {
        &self.remote_grants
    }
}

/// A workload container (Kubernetes charms) and its Pebble: whether the charm can reach it, its
/// layers, services, files and the commands it answers.
///
/// In a run, each container is served by a [`FakePebble`](crate::pebble::FakePebble) on a real
/// Unix socket, loaded with this description; the charm's production
/// [`Container`](ops_core::model::Container) talks to it. The output state's containers hold
/// what the fake held after the hook: the layers the charm added, the plan, the services'
/// statuses, every file (those the charm pushed included), and the commands the charm ran
/// during the run ([`Container::exec_calls`]) and the services it started or stopped
/// ([`Container::service_log`]).
///
/// ```
/// use ops_core::pebble::ServiceStatus;
/// use ops_testing::Container;
/// # struct Web;
/// # impl ops_core::endpoints::ContainerEndpoint for Web { const NAME: &'static str = "web"; }
///
/// let web = Container::of::<Web>()
///     .with_file("/etc/motd", "hello")
///     .with_exec(&["hostname"], 0, "web-0\n", "")
///     .with_service_status("web", ServiceStatus::Active);
/// assert_eq!(web.file_text("/etc/motd"), Some("hello"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub(crate) name: String,
    pub(crate) can_connect: bool,
    pub(crate) pebble: PebbleState,
    pub(crate) files: BTreeMap<String, Vec<u8>>,
}

/// A layer from the fake's JSON form (a layer that does not parse is empty).
pub(crate) fn layer_of(value: &Value) -> Layer {
    serde_yaml::to_string(value)
        .ok()
        .and_then(|y| Layer::from_yaml(&y).ok())
        .unwrap_or_default()
}

impl Container {
    /// Container `W`, connectable, with an empty Pebble (no layer, no file).
    pub fn of<W: ContainerEndpoint>() -> Self {
        Self::named(W::NAME)
    }

    /// The container named `name` (prefer [`Container::of`]; this one exists to test what the
    /// consistency checker says about containers the charm does not have).
    pub fn named(name: impl Into<String>) -> Self {
        Container {
            name: name.into(),
            can_connect: true,
            pebble: PebbleState::default(),
            files: BTreeMap::new(),
        }
    }

    /// Whether its Pebble can be reached (when not, every call fails as Pebble not being up).
    pub fn with_can_connect(mut self, can: bool) -> Self {
        self.can_connect = can;
        self
    }

    /// With `layer` added under `label` (after the layers already given; same label: combined).
    ///
    /// # Panics
    /// If the layer does not encode (it always does).
    pub fn with_layer(mut self, label: impl Into<String>, layer: &Layer) -> Self {
        let label = label.into();
        let value: Value = serde_yaml::from_str(&layer.to_yaml())
            .unwrap_or_else(|e| panic!("Container::with_layer: {e}"));
        match self.pebble.layers.iter_mut().find(|l| l.label == label) {
            Some(l) => l.layer = value,
            None => self.pebble.layers.push(LayerRecord {
                label,
                layer: value,
            }),
        }
        self.pebble.plan = crate::pebble::plan_of(&self.pebble.layers);
        self
    }

    /// Commands starting with `prefix` exit with `exit`, printing `stdout` and `stderr` (the
    /// longest matching prefix wins; a command no rule matches is refused as Pebble refuses a
    /// missing executable: an API error, 400 `cannot find executable "cmd"`).
    pub fn with_exec(mut self, prefix: &[&str], exit: i64, stdout: &str, stderr: &str) -> Self {
        self.pebble
            .exec_rules
            .push(ExecRule::new(prefix, exit, stdout, stderr));
        self
    }

    /// With an exec rule (one that echoes stdin, or takes time: see [`ExecRule`]).
    pub fn with_exec_rule(mut self, rule: ExecRule) -> Self {
        self.pebble.exec_rules.push(rule);
        self
    }

    /// With file `path` (absolute, in the container) holding `content`.
    pub fn with_file(mut self, path: impl Into<String>, content: impl AsRef<[u8]>) -> Self {
        self.files.insert(path.into(), content.as_ref().to_vec());
        self
    }

    /// With service `name` in state `status` (`Active`: running, as started with its planned
    /// config; it need not be in a layer, but Pebble only manages services of the plan).
    pub fn with_service_status(mut self, name: impl Into<String>, status: ServiceStatus) -> Self {
        let name = name.into();
        let startup = self
            .pebble
            .plan
            .get("services")
            .and_then(|s| s.get(&name))
            .and_then(|s| s.get("startup"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or("disabled")
            .to_string();
        let entry = self
            .pebble
            .services
            .entry(name)
            .or_insert_with(|| ServiceRecord {
                startup,
                current: String::new(),
            });
        entry.current = status.as_str().to_string();
        self
    }

    /// With health check `name` in status `status` (`up` or `inactive`).
    pub fn with_check_status(mut self, name: impl Into<String>, status: CheckStatus) -> Self {
        self.pebble
            .checks
            .insert(name.into(), status.as_str().to_string());
        self
    }

    /// With custom notice `key` (`example.com/path`) recorded in its Pebble, with `data` as the
    /// data of its last occurrence: the notice a [`Event::pebble_custom_notice`] is about, and
    /// what the charm reads with `Container::get_notice` / `get_notices`. Again with the same
    /// key: one more occurrence of the same notice, as Pebble counts them.
    ///
    /// [`Event::pebble_custom_notice`]: crate::Event::pebble_custom_notice
    pub fn with_notice<K: Into<String>, V: Into<String>>(
        mut self,
        key: impl Into<String>,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let key = key.into();
        let data: BTreeMap<String, String> = data
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        if let Some(n) = self
            .pebble
            .notices
            .iter_mut()
            .find(|n| n.notice_type == "custom" && n.key == key)
        {
            n.occurrences += 1;
            n.last_data = data;
            return self;
        }
        let id = self
            .pebble
            .notices
            .iter()
            .filter_map(|n| n.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        self.pebble.notices.push(NoticeRecord {
            id: id.to_string(),
            notice_type: "custom".to_string(),
            key,
            occurrences: 1,
            last_data: data,
        });
        self
    }

    /// The notices its Pebble holds (those given and those the charm added).
    pub fn notices(&self) -> &[NoticeRecord] {
        &self.pebble.notices
    }

    /// The container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether its Pebble can be reached.
    pub fn can_connect(&self) -> bool {
        self.can_connect
    }

    /// The layers by label, in order.
    pub fn layers(&self) -> Vec<(String, Layer)> {
        self.pebble
            .layers
            .iter()
            .map(|l| (l.label.clone(), layer_of(&l.layer)))
            .collect()
    }

    /// The layer labelled `label`.
    pub fn layer(&self, label: &str) -> Option<Layer> {
        self.pebble
            .layers
            .iter()
            .find(|l| l.label == label)
            .map(|l| layer_of(&l.layer))
    }

    /// The plan: every layer combined, as Pebble combines them.
    pub fn plan(&self) -> Plan {
        let plan = crate::pebble::plan_of(&self.pebble.layers);
        Plan::from_yaml(&crate::pebble::dump_plan(&plan)).unwrap_or_default()
    }

    /// The services Pebble knows: (startup, current) by name.
    pub fn services(&self) -> &BTreeMap<String, ServiceRecord> {
        &self.pebble.services
    }

    /// The current status of service `name`.
    pub fn service_status(&self, name: &str) -> Option<ServiceStatus> {
        self.pebble
            .services
            .get(name)
            .map(|s| ServiceStatus::from(s.current.as_str()))
    }

    /// The health checks' statuses by name.
    pub fn check_statuses(&self) -> &BTreeMap<String, String> {
        &self.pebble.checks
    }

    /// Every file, by path (in an output state: as the hook left them).
    pub fn files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.files
    }

    /// The content of file `path`.
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// The content of file `path`, if it is UTF-8 text.
    pub fn file_text(&self, path: &str) -> Option<&str> {
        self.file(path).and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The exec rules.
    pub fn exec_rules(&self) -> &[ExecRule] {
        &self.pebble.exec_rules
    }

    /// The commands the charm ran in the container during the run (output states).
    pub fn exec_calls(&self) -> Vec<ExecCall> {
        self.pebble.exec_call_list()
    }

    /// The service starts and stops during the run, in order: `start web`, `stop web`
    /// (output states).
    pub fn service_log(&self) -> &[String] {
        &self.pebble.service_log
    }

    /// Everything the fake Pebble holds besides files (notices, signals, raw exec records).
    pub fn pebble_state(&self) -> &PebbleState {
        &self.pebble
    }
}

/// The model the unit is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// `JUJU_MODEL_NAME`.
    pub name: String,
    /// `JUJU_MODEL_UUID`.
    pub uuid: String,
}

impl Default for Model {
    /// juju-sim's model: `sim-model` with a fixed UUID.
    fn default() -> Self {
        Model {
            name: "sim-model".to_string(),
            uuid: DEFAULT_MODEL_UUID.to_string(),
        }
    }
}

/// An event a handler deferred in an earlier hook, waiting in the unit's database.
#[derive(Debug, Clone, PartialEq)]
pub struct DeferredEvent {
    pub(crate) method: String,
    pub(crate) source: DeferredSource,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DeferredSource {
    /// Built by a test from an event (resolved against the state when run).
    Event(Box<crate::context::Event>),
    /// Read back from the unit's database.
    Snapshot(Box<EventSnapshot>),
}

impl DeferredEvent {
    /// The handler method that deferred it.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The event's ops name, e.g. `config_changed`.
    pub fn event_name(&self) -> String {
        match &self.source {
            DeferredSource::Event(e) => e.name(),
            DeferredSource::Snapshot(s) => s.name.clone(),
        }
    }

    /// The stored event (deferred events of an output state).
    pub fn snapshot(&self) -> Option<&EventSnapshot> {
        match &self.source {
            DeferredSource::Snapshot(s) => Some(s),
            DeferredSource::Event(_) => None,
        }
    }
}

/// Everything Juju and the unit's database hold when a hook starts. See the
/// [module documentation](self).
///
/// # Examples
///
/// Built with `with_*` methods, read back with the accessors of the same names:
///
/// ```
/// # use ops_core::prelude::*;
/// # #[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
/// # struct Greeter { greetings: u32 }
/// # #[charm(dir = "tests/fixtures/testcharm")]
/// # impl Greeter {
/// #     #[on(config_changed)]
/// #     fn configure(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
/// #         self.greetings += 1;
/// #         ctx.unit().set_status(Status::active(format!("hello, {}", ctx.config()?.name)))?;
/// #         Ok(())
/// #     }
/// # }
/// use ops_testing::{Relation, State};
///
/// let state = State::default()
///     .with_leader(true)
///     .with_config(|c: &mut Config| c.name = "world".into())
///     .with_relation(Relation::of::<relations::Db>());
/// assert!(state.leader());
/// assert_eq!(state.relations().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub(crate) leader: bool,
    pub(crate) config: BTreeMap<String, Value>,
    pub(crate) relations: Vec<Relation>,
    pub(crate) networks: BTreeMap<String, Network>,
    pub(crate) storages: Vec<Storage>,
    pub(crate) secrets: Vec<Secret>,
    pub(crate) resources: BTreeMap<String, PathBuf>,
    pub(crate) containers: Vec<Container>,
    pub(crate) stored: BTreeMap<String, Vec<u8>>,
    pub(crate) deferred: Vec<DeferredEvent>,
    pub(crate) unit_status: Status,
    pub(crate) app_status: Status,
    pub(crate) opened_ports: BTreeSet<Port>,
    pub(crate) workload_version: String,
    pub(crate) planned_units: Option<u32>,
    pub(crate) model: Model,
    pub(crate) tool_faults: Vec<crate::sim::ToolFault>,
    pub(crate) cloud_spec: Option<ops_core::hooktools::CloudSpec>,
}

impl Default for State {
    /// A fresh unit: not leader, default config, no relations, statuses unknown.
    fn default() -> Self {
        State {
            leader: false,
            config: BTreeMap::new(),
            relations: Vec::new(),
            networks: BTreeMap::new(),
            storages: Vec::new(),
            secrets: Vec::new(),
            resources: BTreeMap::new(),
            containers: Vec::new(),
            stored: BTreeMap::new(),
            deferred: Vec::new(),
            unit_status: Status::Unknown,
            app_status: Status::Unknown,
            opened_ports: BTreeSet::new(),
            workload_version: String::new(),
            planned_units: None,
            model: Model::default(),
            tool_faults: Vec::new(),
            cloud_spec: None,
        }
    }
}

impl State {
    /// With hook tool calls made to fail or print chosen output ([`ToolFault`]), so that the
    /// charm's error paths can be tested: `network-get` for an unbound endpoint, `secret-get`
    /// denied, `action-set` failing... The output state keeps the faults not used up.
    ///
    /// [`ToolFault`]: crate::sim::ToolFault
    pub fn with_tool_fault(mut self, fault: crate::sim::ToolFault) -> Self {
        self.tool_faults.push(fault);
        self
    }

    /// The hook tool faults in force (see [`State::with_tool_fault`]).
    pub fn tool_faults(&self) -> &[crate::sim::ToolFault] {
        &self.tool_faults
    }

    /// The cloud spec `credential-get` gives the charm (ops.testing: `Model(cloud_spec=...)`).
    /// Without one the application is not trusted and `credential-get` fails, as in Juju.
    pub fn with_cloud_spec(mut self, spec: ops_core::hooktools::CloudSpec) -> Self {
        self.cloud_spec = Some(spec);
        self
    }

    /// Whether the unit is the leader.
    pub fn with_leader(mut self, leader: bool) -> Self {
        self.leader = leader;
        self
    }

    /// With the config `change` makes to the typed config `T` (the charm's generated `Config`),
    /// starting from this state's config over the options' defaults:
    /// `state.with_config(|c: &mut my_charm::Config| c.port = 80)`.
    ///
    /// # Panics
    /// If the state's config does not fit `T` (values set with [`State::with_config_value`] of
    /// the wrong type).
    pub fn with_config<T>(mut self, change: impl FnOnce(&mut T)) -> Self
    where
        T: serde::Serialize + serde::de::DeserializeOwned + Default,
    {
        let mut base = match serde_json::to_value(T::default()) {
            Ok(Value::Object(m)) => m,
            Ok(other) => panic!("State::with_config: the config type is not a struct: {other}"),
            Err(e) => panic!("State::with_config: the config does not encode: {e}"),
        };
        for (k, v) in &self.config {
            base.insert(k.clone(), v.clone());
        }
        let mut typed: T = serde_json::from_value(Value::Object(base))
            .unwrap_or_else(|e| panic!("State::with_config: the state's config does not fit: {e}"));
        change(&mut typed);
        match serde_json::to_value(&typed) {
            Ok(Value::Object(m)) => {
                for (k, v) in m {
                    if v.is_null() {
                        self.config.remove(&k);
                    } else {
                        self.config.insert(k, v);
                    }
                }
            }
            Ok(other) => panic!("State::with_config: the config type is not a struct: {other}"),
            Err(e) => panic!("State::with_config: the config does not encode: {e}"),
        }
        self
    }

    /// With config option `key` set to `value`, unchecked until run (prefer
    /// [`State::with_config`]; this one exists to test what the checker says).
    pub fn with_config_value(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.config.insert(key.into(), value.into());
        self
    }

    /// With `relation` (replacing any relation with the same id).
    pub fn with_relation(mut self, relation: Relation) -> Self {
        self.relations.retain(|r| r.id != relation.id);
        self.relations.push(relation);
        self
    }

    /// With `relation` added even if its id is taken (to test the checker's duplicate-id rule).
    pub fn with_relation_unchecked(mut self, relation: Relation) -> Self {
        self.relations.push(relation);
        self
    }

    /// Without relation `id`.
    pub fn without_relation(mut self, id: i64) -> Self {
        self.relations.retain(|r| r.id != id);
        self
    }

    /// With `network` for `binding` (a relation endpoint or extra binding).
    pub fn with_network(mut self, binding: impl Into<String>, network: Network) -> Self {
        self.networks.insert(binding.into(), network);
        self
    }

    /// With `storage` attached (replacing the same instance).
    pub fn with_storage(mut self, storage: Storage) -> Self {
        self.storages
            .retain(|s| !(s.name == storage.name && s.index == storage.index));
        self.storages.push(storage);
        self
    }

    /// With `secret` (replacing a secret with the same id).
    pub fn with_secret(mut self, secret: Secret) -> Self {
        self.secrets.retain(|s| s.id != secret.id);
        self.secrets.push(secret);
        self
    }

    /// With resource `R` at `path`.
    pub fn with_resource<R: ResourceEndpoint>(mut self, path: impl Into<PathBuf>) -> Self {
        self.resources.insert(R::NAME.to_string(), path.into());
        self
    }

    /// With the resource named `name` at `path` (prefer [`State::with_resource`]).
    pub fn with_resource_named(
        mut self,
        name: impl Into<String>,
        path: impl Into<PathBuf>,
    ) -> Self {
        self.resources.insert(name.into(), path.into());
        self
    }

    /// With `container` (replacing the one with the same name).
    pub fn with_container(mut self, container: Container) -> Self {
        self.containers.retain(|c| c.name != container.name);
        self.containers.push(container);
        self
    }

    /// With the charm's stored state: the charm struct `C` as an earlier hook committed it.
    ///
    /// # Panics
    /// If the value does not encode.
    pub fn with_stored_state<C: StoredState>(mut self, charm: &C) -> Self {
        let bytes = charm
            .to_stored()
            .unwrap_or_else(|e| panic!("State::with_stored_state: {e}"));
        self.stored.insert(C::KEY.to_string(), bytes);
        self
    }

    /// With raw stored bytes under `key` (to test the checker's stored-state rule).
    pub fn with_stored_bytes(mut self, key: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.stored.insert(key.into(), bytes.into());
        self
    }

    /// With a deferred event waiting (see [`Event::deferred`](crate::Event::deferred)).
    pub fn with_deferred(mut self, event: DeferredEvent) -> Self {
        self.deferred.push(event);
        self
    }

    /// With the unit's status.
    pub fn with_unit_status(mut self, status: Status) -> Self {
        self.unit_status = status;
        self
    }

    /// With the application's status.
    pub fn with_app_status(mut self, status: Status) -> Self {
        self.app_status = status;
        self
    }

    /// With `port` open.
    pub fn with_opened_port(mut self, port: Port) -> Self {
        self.opened_ports.insert(port);
        self
    }

    /// With the workload version.
    pub fn with_workload_version(mut self, version: impl Into<String>) -> Self {
        self.workload_version = version.into();
        self
    }

    /// With `units` units planned for the application.
    pub fn with_planned_units(mut self, units: u32) -> Self {
        self.planned_units = Some(units);
        self
    }

    /// In `model`.
    pub fn with_model(mut self, model: Model) -> Self {
        self.model = model;
        self
    }

    /// Whether the unit is the leader.
    pub fn leader(&self) -> bool {
        self.leader
    }

    /// The config values set (options not listed have their defaults).
    pub fn config(&self) -> &BTreeMap<String, Value> {
        &self.config
    }

    /// The relations.
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// Relation `id`.
    pub fn relation(&self, id: i64) -> Option<&Relation> {
        self.relations.iter().find(|r| r.id == id)
    }

    /// The relations on `endpoint`.
    pub fn relations_of(&self, endpoint: &str) -> Vec<&Relation> {
        self.relations
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .collect()
    }

    /// Networks set per binding.
    pub fn networks(&self) -> &BTreeMap<String, Network> {
        &self.networks
    }

    /// The storage instances.
    pub fn storages(&self) -> &[Storage] {
        &self.storages
    }

    /// Storage instance `name/index`.
    pub fn storage(&self, name: &str, index: u32) -> Option<&Storage> {
        self.storages
            .iter()
            .find(|s| s.name == name && s.index == index)
    }

    /// The secrets.
    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// The secret with `id`.
    pub fn secret(&self, id: &str) -> Option<&Secret> {
        let bare = crate::sim::bare_secret_id(id);
        self.secrets
            .iter()
            .find(|s| crate::sim::bare_secret_id(&s.id) == bare)
    }

    /// The secret labelled `label`.
    pub fn secret_by_label(&self, label: &str) -> Option<&Secret> {
        self.secrets
            .iter()
            .find(|s| s.label.as_deref() == Some(label))
    }

    /// Resources by name.
    pub fn resources(&self) -> &BTreeMap<String, PathBuf> {
        &self.resources
    }

    /// Containers.
    pub fn containers(&self) -> &[Container] {
        &self.containers
    }

    /// Container `name`.
    pub fn container(&self, name: &str) -> Option<&Container> {
        self.containers.iter().find(|c| c.name == name)
    }

    /// The charm's stored state (its default when nothing is stored).
    pub fn stored_state<C: StoredState>(&self) -> Result<C, StateError> {
        C::from_stored(self.stored.get(C::KEY).map(Vec::as_slice))
    }

    /// The raw stored entries (stored state by key).
    pub fn stored_entries(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.stored
    }

    /// The deferred events, in the order they will be re-emitted.
    pub fn deferred(&self) -> &[DeferredEvent] {
        &self.deferred
    }

    /// The unit's status.
    pub fn unit_status(&self) -> &Status {
        &self.unit_status
    }

    /// The application's status.
    pub fn app_status(&self) -> &Status {
        &self.app_status
    }

    /// The opened ports.
    pub fn opened_ports(&self) -> &BTreeSet<Port> {
        &self.opened_ports
    }

    /// The workload version.
    pub fn workload_version(&self) -> &str {
        &self.workload_version
    }

    /// The planned units (`None`: this unit plus its peers).
    pub fn planned_units(&self) -> Option<u32> {
        self.planned_units
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }
}

/// Params of an action as JSON (Option fields that are `None` are left out, as Juju would).
pub(crate) fn params_json<P: serde::Serialize>(params: &P) -> Result<Map<String, Value>, String> {
    match serde_json::to_value(params) {
        Ok(Value::Object(m)) => Ok(m.into_iter().filter(|(_, v)| !v.is_null()).collect()),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(other) => Err(format!("action params must be a map, got {other}")),
        Err(e) => Err(e.to_string()),
    }
}
