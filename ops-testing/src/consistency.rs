//! The consistency checker: before each [`Context::run`](crate::Context::run), the state and
//! event are checked against the charm's metadata and against what Juju can produce. A state
//! that breaks a rule is refused with [`InconsistentState`], naming each rule broken: a test
//! built on an impossible state would prove nothing.

use crate::context::Event;
use crate::error::{check_config, ConfigError};
use crate::sim::{
    action_params, bare_secret_id, is_valid_app_name, is_valid_secret_id, known_bindings,
};
use crate::state::{DeferredSource, Owner, State};
use ops_core::hooktools::{validate_secret_content, Protocol};
use ops_core::meta::{EventKind, RelationRole, RelationScope};
use ops_core::Charm;
use std::collections::{BTreeMap, BTreeSet};

/// A consistency rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// Config keys are options of the charm's config.
    ConfigKey,
    /// Config values have their option's type.
    ConfigType,
    /// Relations are on endpoints the charm declares.
    RelationEndpoint,
    /// A relation built from a marker type matches the charm's endpoint (role, interface).
    RelationMetadata,
    /// Relation ids are unique and not negative.
    RelationId,
    /// A peer relation relates the application to itself: no remote application, no remote
    /// application data, and this unit is not one of its peers.
    PeerRelation,
    /// A relation on a `scope: container` endpoint has exactly one remote unit (the principal).
    SubordinateRelation,
    /// A remote application has a valid name that is not this application's.
    RemoteApp,
    /// A relation event is for a relation in the state, and its units are in that relation.
    EventRelation,
    /// A storage event is for storage attached in the state.
    EventStorage,
    /// A secret event is for a secret in the state, sent to the side Juju sends it to (changed:
    /// consumers; rotate, remove, expired: the owner), for a revision that exists.
    EventSecret,
    /// A workload event (pebble-ready, custom notice, check) is for a container in the state.
    EventContainer,
    /// A `pebble-custom-notice` event is for a notice the container holds, in a container
    /// whose Pebble can be reached (Juju learns of notices from Pebble).
    EventNotice,
    /// A `pebble-check-failed` / `-recovered` event is for a check of the container's plan, in
    /// a container whose Pebble can be reached.
    EventCheck,
    /// A custom event emitted from outside is observed by a handler of the charm.
    CustomEvent,
    /// Actions are declared in the charm's actions.
    Action,
    /// Action params satisfy the action's schema.
    ActionParams,
    /// Storage is declared in the charm's metadata, each instance once.
    Storage,
    /// No more storage instances than the metadata allows.
    StorageCount,
    /// Secret ids are Juju-shaped and unique.
    SecretId,
    /// Secret content is valid (non-empty, valid keys) and the revisions exist.
    SecretContent,
    /// Ownership: a secret owned elsewhere has a valid owner and carries no grants of this charm.
    SecretOwner,
    /// Grants of an owned secret are on relations in the state, to their remote side.
    SecretGrant,
    /// Labels are unique among the owner's secrets (and among consumer labels).
    SecretLabel,
    /// Networks are for bindings the charm has (endpoints and extra bindings).
    Network,
    /// Resources are declared in the charm's metadata.
    Resource,
    /// Containers are declared in the charm's metadata.
    Container,
    /// A container's Pebble is one Pebble could hold: files at absolute paths, layers that
    /// Pebble accepts (every service and check says how it overrides; every planned service has
    /// a command).
    ContainerPebble,
    /// Deferred events are events of the charm, deferred by a handler that observes them.
    Deferred,
    /// Stored state is the charm's, and decodes into it.
    StoredState,
    /// Opened ports are valid port numbers or ranges.
    Port,
}

impl Rule {
    /// The rule's short name, e.g. `relation-endpoint`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::ConfigKey => "config-key",
            Rule::ConfigType => "config-type",
            Rule::RelationEndpoint => "relation-endpoint",
            Rule::RelationMetadata => "relation-metadata",
            Rule::RelationId => "relation-id",
            Rule::PeerRelation => "peer-relation",
            Rule::SubordinateRelation => "subordinate-relation",
            Rule::RemoteApp => "remote-app",
            Rule::EventRelation => "event-relation",
            Rule::EventStorage => "event-storage",
            Rule::EventSecret => "event-secret",
            Rule::EventContainer => "event-container",
            Rule::EventNotice => "event-notice",
            Rule::EventCheck => "event-check",
            Rule::CustomEvent => "custom-event",
            Rule::Action => "action",
            Rule::ActionParams => "action-params",
            Rule::Storage => "storage",
            Rule::StorageCount => "storage-count",
            Rule::SecretId => "secret-id",
            Rule::SecretContent => "secret-content",
            Rule::SecretOwner => "secret-owner",
            Rule::SecretGrant => "secret-grant",
            Rule::SecretLabel => "secret-label",
            Rule::Network => "network",
            Rule::Resource => "resource",
            Rule::Container => "container",
            Rule::ContainerPebble => "container-pebble",
            Rule::Deferred => "deferred",
            Rule::StoredState => "stored-state",
            Rule::Port => "port",
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconsistency {
    /// The rule.
    pub rule: Rule,
    /// What breaks it.
    pub message: String,
}

/// Every rule a state (and event) breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent state: {}", .problems.iter().map(|p| format!("[{}] {}", p.rule, p.message)).collect::<Vec<_>>().join("; "))]
pub struct InconsistentState {
    /// The problems found, in the order checked.
    pub problems: Vec<Inconsistency>,
}

impl InconsistentState {
    /// Whether `rule` is among the rules broken.
    pub fn breaks(&self, rule: Rule) -> bool {
        self.problems.iter().any(|p| p.rule == rule)
    }

    /// The rules broken.
    pub fn rules(&self) -> BTreeSet<Rule> {
        self.problems.iter().map(|p| p.rule).collect()
    }
}

struct Checker {
    problems: Vec<Inconsistency>,
}

impl Checker {
    fn fail(&mut self, rule: Rule, message: impl Into<String>) {
        self.problems.push(Inconsistency {
            rule,
            message: message.into(),
        });
    }
}

fn role_name(role: RelationRole) -> &'static str {
    match role {
        RelationRole::Requires => "requires",
        RelationRole::Provides => "provides",
        RelationRole::Peer => "peers",
    }
}

fn declared<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// [`declared`], then the closest of `names` to `name` if it looks like a typo of it.
fn near<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    match crate::error::closest(name, names.iter().copied()) {
        Some(close) => format!("{}; did you mean `{close}`?", declared(names.into_iter())),
        None => declared(names.into_iter()),
    }
}

/// Check `state` and `event` for charm `C` run as unit `unit_id` of application `app`.
pub fn check<C: Charm>(
    state: &State,
    event: &Event,
    app: &str,
    unit_id: u32,
) -> Result<(), InconsistentState> {
    let meta = C::meta();
    let mut c = Checker {
        problems: Vec::new(),
    };

    // Config.
    for (key, value) in &state.config {
        match check_config(meta, key, value) {
            Ok(()) => {}
            Err(ConfigError::UnknownKey(_)) => c.fail(
                Rule::ConfigKey,
                format!(
                    "config option `{key}` is not in the charm's config (options: {})",
                    near(key, meta.config.iter().map(|o| o.name.as_ref()))
                ),
            ),
            Err(e) => c.fail(Rule::ConfigType, e.to_string()),
        }
    }

    // Relations.
    let mut ids = BTreeSet::new();
    for r in &state.relations {
        if !ids.insert(r.id) {
            c.fail(
                Rule::RelationId,
                format!("relation id {} is used by more than one relation", r.id),
            );
        }
        if r.id < 0 {
            c.fail(
                Rule::RelationId,
                format!("relation id {} is negative", r.id),
            );
        }
        let Some(m) = meta.relation(&r.endpoint) else {
            c.fail(
                Rule::RelationEndpoint,
                format!(
                    "relation {} is on endpoint `{}`, which the charm's metadata does not declare (endpoints: {})",
                    r.id,
                    r.endpoint,
                    near(&r.endpoint, meta.relations.iter().map(|m| m.name.as_ref()))
                ),
            );
            continue;
        };
        if let Some(role) = r.role.filter(|role| *role != m.role) {
            c.fail(
                Rule::RelationMetadata,
                format!(
                    "relation {} was built from a `{}` endpoint under `{}`, but the charm declares `{}` under `{}`",
                    r.id, r.endpoint, role_name(role), m.name, role_name(m.role)
                ),
            );
        }
        if let Some(interface) = r.interface.as_deref().filter(|i| *i != m.interface) {
            c.fail(
                Rule::RelationMetadata,
                format!(
                    "relation {} has interface `{interface}`, but the charm's `{}` endpoint has interface `{}`",
                    r.id, m.name, m.interface
                ),
            );
        }
        if m.role.is_peer() {
            if r.remote_app.is_some() || !r.remote_app_data.is_empty() {
                c.fail(
                    Rule::PeerRelation,
                    format!(
                        "peer relation {} (`{}`) relates the application to itself: it has no remote application or remote application data (the peers share local_app_data)",
                        r.id, r.endpoint
                    ),
                );
            }
            if r.remote_units.contains_key(&unit_id) {
                c.fail(
                    Rule::PeerRelation,
                    format!(
                        "peer relation {} lists unit {unit_id}, which is this unit, as a peer",
                        r.id
                    ),
                );
            }
        } else {
            let remote = r
                .remote_app
                .as_deref()
                .unwrap_or(crate::state::DEFAULT_REMOTE_APP);
            if !is_valid_app_name(remote) {
                c.fail(
                    Rule::RemoteApp,
                    format!(
                        "relation {} has an invalid remote application name `{remote}`",
                        r.id
                    ),
                );
            } else if remote == app {
                c.fail(
                    Rule::RemoteApp,
                    format!(
                        "relation {} relates `{app}` to itself on a non-peer endpoint; Juju only allows that for peers",
                        r.id
                    ),
                );
            }
        }
        if m.scope == RelationScope::Container && r.remote_units.len() != 1 {
            c.fail(
                Rule::SubordinateRelation,
                format!(
                    "relation {} is on the container-scoped endpoint `{}`, so it has exactly one remote unit, not {}",
                    r.id,
                    r.endpoint,
                    r.remote_units.len()
                ),
            );
        }
    }

    // Storage.
    let mut seen = BTreeSet::new();
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    for s in &state.storages {
        let Some(m) = meta.storage(&s.name) else {
            c.fail(
                Rule::Storage,
                format!(
                    "storage `{}` is not declared in the charm's metadata (storage: {})",
                    s.name,
                    near(&s.name, meta.storages.iter().map(|m| m.name.as_ref()))
                ),
            );
            continue;
        };
        if !seen.insert((s.name.clone(), s.index)) {
            c.fail(Rule::Storage, format!("storage {} appears twice", s.id()));
        }
        *counts.entry(m.name.as_ref()).or_default() += 1;
    }
    for (name, count) in counts {
        let max = match meta.storage(name).and_then(|m| m.multiple) {
            None => Some(1),
            Some((_, max)) => max,
        };
        if let Some(max) = max.filter(|m| count > *m) {
            c.fail(
                Rule::StorageCount,
                format!(
                    "storage `{name}` has {count} instances, but the metadata allows at most {max}"
                ),
            );
        }
    }

    // Secrets.
    let mut bare_ids = BTreeSet::new();
    let mut owner_labels = BTreeSet::new();
    let mut consumer_labels = BTreeSet::new();
    for s in &state.secrets {
        let bare = bare_secret_id(&s.id);
        if !is_valid_secret_id(bare) {
            c.fail(
                Rule::SecretId,
                format!(
                    "secret id `{}` is not a Juju secret id (secret: + 20 characters of 0-9a-v)",
                    s.id
                ),
            );
        }
        if !bare_ids.insert(bare.to_string()) {
            c.fail(Rule::SecretId, format!("secret `{}` appears twice", s.id));
        }
        if s.revisions.is_empty() {
            c.fail(
                Rule::SecretContent,
                format!("secret `{}` has no revision", s.id),
            );
        }
        for r in &s.revisions {
            if let Err(e) = validate_secret_content(&r.content) {
                c.fail(
                    Rule::SecretContent,
                    format!("secret `{}` revision {}: {e}", s.id, r.revision),
                );
            }
        }
        match &s.owner {
            Owner::Remote(owner) => {
                if !is_valid_app_name(owner) {
                    c.fail(
                        Rule::SecretOwner,
                        format!("secret `{}` is owned by `{owner}`, which is not a valid application name", s.id),
                    );
                } else if owner == app {
                    c.fail(
                        Rule::SecretOwner,
                        format!("secret `{}` is owned by this application: build it with Secret::owned_by_app", s.id),
                    );
                }
                check_consumed_secret(&mut c, s, &format!("`{owner}`"), &mut consumer_labels);
            }
            Owner::User => check_consumed_secret(&mut c, s, "the user", &mut consumer_labels),
            owner => {
                if let Some(l) = &s.label {
                    if !owner_labels.insert((matches!(owner, Owner::App), l.clone())) {
                        c.fail(
                            Rule::SecretLabel,
                            format!("label `{l}` is used by two secrets of the same owner"),
                        );
                    }
                }
                for (rid, grantees) in &s.remote_grants {
                    let Some(rel) = state.relation(*rid) else {
                        c.fail(
                            Rule::SecretGrant,
                            format!("secret `{}` is granted on relation {rid}, which is not in the state", s.id),
                        );
                        continue;
                    };
                    let peer = meta
                        .relation(&rel.endpoint)
                        .is_some_and(|m| m.role.is_peer());
                    let remote_app = if peer {
                        app.to_string()
                    } else {
                        rel.remote_app
                            .clone()
                            .unwrap_or_else(|| crate::state::DEFAULT_REMOTE_APP.to_string())
                    };
                    for g in grantees {
                        let ok = *g == remote_app
                            || g.split_once('/').is_some_and(|(a, n)| {
                                a == remote_app
                                    && n.parse()
                                        .is_ok_and(|n: u32| rel.remote_units.contains_key(&n))
                            });
                        if !ok {
                            c.fail(
                                Rule::SecretGrant,
                                format!(
                                    "secret `{}` is granted to `{g}` on relation {rid}, whose remote side is `{remote_app}` and its units",
                                    s.id
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    // Networks, resources, containers.
    let bindings = known_bindings(meta);
    for binding in state.networks.keys() {
        if !bindings.contains(binding) {
            c.fail(
                Rule::Network,
                format!(
                    "network for `{binding}`, which is neither an endpoint nor an extra binding of the charm (bindings: {})",
                    near(binding, bindings.iter().map(String::as_str))
                ),
            );
        }
    }
    for name in state.resources.keys() {
        if meta.resource(name).is_none() {
            c.fail(
                Rule::Resource,
                format!(
                    "resource `{name}` is not declared in the charm's metadata (resources: {})",
                    near(name, meta.resources.iter().map(|r| r.name.as_ref()))
                ),
            );
        }
    }
    for container in &state.containers {
        if meta.container(&container.name).is_none() {
            c.fail(
                Rule::Container,
                format!(
                    "container `{}` is not declared in the charm's metadata (containers: {})",
                    container.name,
                    near(
                        &container.name,
                        meta.containers.iter().map(|c| c.name.as_ref())
                    )
                ),
            );
        }
        for path in container.files.keys() {
            if !path.starts_with('/') {
                c.fail(
                    Rule::ContainerPebble,
                    format!(
                        "container `{}`: file path `{path}` is not absolute",
                        container.name
                    ),
                );
            }
        }
        if let Err(message) = crate::pebble::check_layers(&container.pebble.layers) {
            c.fail(
                Rule::ContainerPebble,
                format!("container `{}`: {message}", container.name),
            );
        }
    }

    // Ports.
    for p in &state.opened_ports {
        let bad = match (p.protocol, p.from, p.to) {
            (Protocol::Icmp, _, _) => false,
            (_, Some(f), Some(t)) => f == 0 || t == 0 || f > t,
            _ => true,
        };
        if bad {
            c.fail(
                Rule::Port,
                format!("opened port {p:?} is not a valid port or range"),
            );
        }
    }

    // Stored state and deferred events.
    for (key, bytes) in &state.stored {
        if !C::STATEFUL || key != C::KEY {
            c.fail(
                Rule::StoredState,
                format!(
                    "stored state `{key}` is not the charm's ({})",
                    if C::STATEFUL {
                        C::KEY
                    } else {
                        "the charm has no stored state"
                    }
                ),
            );
        } else if let Err(e) = C::from_stored(Some(bytes)) {
            c.fail(Rule::StoredState, e.to_string());
        }
    }
    for d in &state.deferred {
        let name = d.event_name();
        if meta.event(&name).is_none() && !name.starts_with("custom:") {
            c.fail(
                Rule::Deferred,
                format!("deferred event `{name}` is not an event of the charm"),
            );
        } else if !C::HANDLERS
            .iter()
            .any(|h| h.event == name && h.method == d.method)
        {
            c.fail(
                Rule::Deferred,
                format!(
                    "deferred event `{name}` names handler `{}`, which does not observe it",
                    d.method
                ),
            );
        }
        if let DeferredSource::Event(e) = &d.source {
            if !e.kind.can_defer() {
                c.fail(
                    Rule::Deferred,
                    format!("`{name}` events cannot be deferred"),
                );
            }
            check_event(&mut c, state, e, meta, true);
        }
    }

    check_event(&mut c, state, event, meta, false);
    if let Some(custom) = &event.custom {
        if !C::HANDLERS.iter().any(|h| h.event == custom.name) {
            let observed: Vec<&str> = C::HANDLERS
                .iter()
                .map(|h| h.event)
                .filter(|e| e.starts_with("custom:"))
                .collect();
            c.fail(
                Rule::CustomEvent,
                format!(
                    "custom event `{}` is observed by no handler of the charm (add `#[on(custom({}))]`; custom events observed: {})",
                    custom.name,
                    custom.name.strip_prefix("custom:").unwrap_or(&custom.name),
                    declared(observed.into_iter())
                ),
            );
        }
    }

    if c.problems.is_empty() {
        Ok(())
    } else {
        Err(InconsistentState {
            problems: c.problems,
        })
    }
}

fn check_event(
    c: &mut Checker,
    state: &State,
    event: &Event,
    meta: &ops_core::meta::CharmMeta,
    deferred: bool,
) {
    let what = if deferred { "deferred event" } else { "event" };
    let name = event.name();
    if let Some(r) = &event.relation {
        match state.relation(r.id) {
            None => c.fail(
                Rule::EventRelation,
                format!(
                    "{what} `{name}` is for relation {}, which is not in the state",
                    r.id
                ),
            ),
            Some(rel) if rel.endpoint != r.endpoint => c.fail(
                Rule::EventRelation,
                format!(
                    "{what} `{name}` is for relation {} on `{}`, but that relation is on `{}`",
                    r.id, r.endpoint, rel.endpoint
                ),
            ),
            Some(rel) => {
                if let Some(Some(u)) = event.remote_unit {
                    if !rel.remote_units.contains_key(&u) {
                        c.fail(
                            Rule::EventRelation,
                            format!("{what} `{name}` comes from remote unit {u}, which is not in relation {}", r.id),
                        );
                    }
                }
            }
        }
    }
    if let Some((storage, index)) = &event.storage {
        if state.storage(storage, *index).is_none() {
            c.fail(
                Rule::EventStorage,
                format!(
                    "{what} `{name}` is for storage {storage}/{index}, which is not in the state"
                ),
            );
        }
    }
    if let Some(id) = &event.secret {
        match state.secret(id) {
            None => c.fail(
                Rule::EventSecret,
                format!("{what} `{name}` is for secret `{id}`, which is not in the state"),
            ),
            Some(s) => {
                let owner_event = matches!(
                    event.kind,
                    EventKind::SecretRotate | EventKind::SecretRemove | EventKind::SecretExpired
                );
                if owner_event && !s.is_owned() {
                    c.fail(
                        Rule::EventSecret,
                        format!("Juju sends `{name}` to the secret's owner, and `{id}` is not the charm's"),
                    );
                }
                if event.kind == EventKind::SecretChanged && s.is_owned() {
                    c.fail(
                        Rule::EventSecret,
                        format!(
                            "Juju sends `secret_changed` to consumers, and the charm owns `{id}`"
                        ),
                    );
                }
                if event.kind == EventKind::SecretChanged && !s.is_owned() {
                    if let Some(t) = s.tracked.filter(|t| *t >= s.latest_revision()) {
                        c.fail(
                            Rule::EventSecret,
                            format!(
                                "Juju sends `secret_changed` to consumers tracking an older revision, and the charm tracks revision {t}, the latest of `{id}` (add one with `Secret::with_latest_content`)"
                            ),
                        );
                    }
                }
                if let Some(rev) = event.revision.filter(|r| s.content(*r).is_none()) {
                    c.fail(
                        Rule::EventSecret,
                        format!(
                            "{what} `{name}` is for revision {rev} of `{id}`, which does not exist"
                        ),
                    );
                }
            }
        }
    }
    if let Some(container) = &event.container {
        let in_state = state.containers.iter().find(|c| c.name == *container);
        if meta.container(container).is_none() || in_state.is_none() {
            c.fail(
                Rule::EventContainer,
                format!(
                    "{what} `{name}` is for container `{container}`, which is not in the state"
                ),
            );
        }
        let unreachable = in_state.is_some_and(|c| !c.can_connect);
        if let (Some((id, key)), Some(cont)) = (&event.notice, in_state) {
            let held =
                cont.pebble.notices.iter().any(|n| {
                    n.notice_type == "custom" && n.key == *key && Some(&n.id) == id.as_ref()
                });
            if !held {
                c.fail(
                    Rule::EventNotice,
                    format!(
                        "{what} `{name}` is for custom notice `{key}`, which container `{container}` does not hold (add it with `Container::with_notice`; notices: {})",
                        near(key, cont.pebble.notices.iter().map(|n| n.key.as_str()))
                    ),
                );
            }
            if unreachable {
                c.fail(
                    Rule::EventNotice,
                    format!("{what} `{name}`: Juju learns of notices from Pebble, and container `{container}` cannot connect"),
                );
            }
        }
        if let (Some(check), Some(cont)) = (&event.check, in_state) {
            let planned = cont
                .pebble
                .plan
                .get("checks")
                .and_then(|c| c.as_object())
                .is_some_and(|checks| checks.contains_key(check));
            if !planned {
                c.fail(
                    Rule::EventCheck,
                    format!(
                        "{what} `{name}` is for check `{check}`, which is not in the plan of container `{container}` (checks: {})",
                        near(
                            check,
                            cont.pebble
                                .plan
                                .get("checks")
                                .and_then(|c| c.as_object())
                                .into_iter()
                                .flat_map(|m| m.keys().map(String::as_str))
                        )
                    ),
                );
            }
            if unreachable {
                c.fail(
                    Rule::EventCheck,
                    format!("{what} `{name}`: Juju learns of check failures from Pebble, and container `{container}` cannot connect"),
                );
            }
        }
    }
    if let Some((action, params)) = &event.action {
        if meta.action(action).is_none() {
            c.fail(
                Rule::Action,
                format!(
                    "action `{action}` is not defined in the charm's actions (actions: {})",
                    near(action, meta.actions.iter().map(|a| a.name.as_ref()))
                ),
            );
        } else if let Some(e) = &event.params_error {
            c.fail(Rule::ActionParams, format!("action `{action}`: {e}"));
        } else if let Err(e) = action_params(meta, action, params) {
            c.fail(Rule::ActionParams, e.to_string());
        }
    }
}

/// The checks of a secret the charm consumes (another application's or the user's): it cannot
/// have granted it, tracks a revision it has, and its consumer label is unique.
fn check_consumed_secret(
    c: &mut Checker,
    s: &crate::state::Secret,
    owner: &str,
    consumer_labels: &mut BTreeSet<String>,
) {
    if !s.remote_grants.is_empty() {
        c.fail(
            Rule::SecretOwner,
            format!("secret `{}` is owned by {owner}: only its owner grants it, this charm cannot have granted it", s.id),
        );
    }
    if let Some(t) = s.tracked.filter(|t| s.content(*t).is_none()) {
        c.fail(
            Rule::SecretContent,
            format!("secret `{}`: the tracked revision {t} does not exist", s.id),
        );
    }
    if let Some(l) = &s.label {
        if !consumer_labels.insert(l.clone()) {
            c.fail(
                Rule::SecretLabel,
                format!("consumer label `{l}` is used by two secrets"),
            );
        }
    }
}
