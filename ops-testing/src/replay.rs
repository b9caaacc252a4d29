//! Replaying juju-sim scenarios in-process: the check that [`SimJuju`] behaves as juju-sim.
//!
//! A juju-sim scenario is an initial state and steps (model changes, then one event); its
//! recording (`X.expected.json`, made with the Python ops 2.1.1 reference charm) holds, for every
//! step, the exit status, the hook-tool calls and the whole state juju-sim had afterwards.
//! [`replay`] runs the same steps through [`SimJuju`] and a Rust charm's production dispatcher,
//! and compares each step as juju-sim's `--relaxed` mode does: the event, success or failure,
//! the writes that are not on-commit (plus `secret-add`), the state (without the SDK-private
//! `controller_state`) and the files in storage.
//!
//! Where the simulator deliberately differs from juju-sim (documented on the tools), no
//! recorded scenario exercises the difference.

use crate::sim::{
    bare_secret_id, writes, JujuState, MetricBatch, PodSpec, SecretRevision, SimAction, SimEvent,
    SimJuju, SimRelation, SimSecret, SimStorage, StatusRecord,
};
use crate::store::SharedStore;
use ops_core::meta::{CharmMeta, RelationRole, StorageType};
use ops_core::Charm;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Why a scenario could not be replayed (not a mismatch: the inputs are unusable).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// A file could not be read or written.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A file is not the JSON expected.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// The scenario uses something the replay does not support, or is malformed.
    #[error("{0}")]
    Scenario(String),
    /// The simulator refused a step.
    #[error(transparent)]
    Sim(#[from] crate::sim::SimError),
}

fn bad(message: impl Into<String>) -> ReplayError {
    ReplayError::Scenario(message.into())
}

/// One step's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// The step number (from 1).
    pub step: usize,
    /// The event or action.
    pub event: String,
    /// What differs from the recording (empty: the step matches).
    pub problems: Vec<String>,
}

/// What [`replay`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    /// The scenario's name.
    pub scenario: String,
    /// Each step.
    pub steps: Vec<StepReport>,
}

impl ReplayReport {
    /// Whether every step matches the recording.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|s| s.problems.is_empty())
    }
}

impl std::fmt::Display for ReplayReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "scenario {}", self.scenario)?;
        for s in &self.steps {
            let status = if s.problems.is_empty() { "ok" } else { "FAIL" };
            writeln!(f, "step {} {}: {status}", s.step, s.event)?;
            for p in &s.problems {
                writeln!(f, "  {p}")?;
            }
        }
        Ok(())
    }
}

fn obj<'a>(v: &'a Value, what: &str) -> Result<&'a Map<String, Value>, ReplayError> {
    v.as_object()
        .ok_or_else(|| bad(format!("{what} must be a JSON object")))
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string());
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn opt_str(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

fn role_of(meta: &CharmMeta, endpoint: &str, given: Option<&str>) -> RelationRole {
    match meta.relation(endpoint).map(|m| m.role) {
        Some(r) => r,
        None => match given {
            Some("provides") => RelationRole::Provides,
            Some("peer") => RelationRole::Peer,
            _ => RelationRole::Requires,
        },
    }
}

fn role_name(role: RelationRole) -> &'static str {
    match role {
        RelationRole::Requires => "requires",
        RelationRole::Provides => "provides",
        RelationRole::Peer => "peer",
    }
}

fn relation_from_json(v: &Value, meta: &CharmMeta) -> Result<SimRelation, ReplayError> {
    let m = obj(v, "a relation")?;
    let endpoint = opt_str(m.get("endpoint")).ok_or_else(|| bad("a relation has no endpoint"))?;
    let units = |key: &str| -> BTreeMap<String, BTreeMap<String, String>> {
        m.get(key)
            .and_then(Value::as_object)
            .map(|u| {
                u.iter()
                    .map(|(k, v)| (k.clone(), string_map(Some(v))))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok(SimRelation {
        id: m
            .get("id")
            .and_then(Value::as_i64)
            .ok_or_else(|| bad("a relation has no id"))?,
        role: role_of(meta, &endpoint, m.get("role").and_then(Value::as_str)),
        interface: opt_str(m.get("interface")).unwrap_or_default(),
        remote_app: opt_str(m.get("remote_app")).unwrap_or_default(),
        local_unit_data: string_map(m.get("local_unit_data")),
        local_app_data: string_map(m.get("local_app_data")),
        remote_app_data: string_map(m.get("remote_app_data")),
        remote_units: units("remote_units"),
        departed_units: units("departed_units"),
        broken: m.get("broken").and_then(Value::as_bool).unwrap_or(false),
        endpoint,
    })
}

fn secret_from_json(v: &Value) -> Result<SimSecret, ReplayError> {
    let m = obj(v, "a secret")?;
    let revisions = m
        .get("revisions")
        .and_then(Value::as_array)
        .map(|revs| {
            revs.iter()
                .map(|r| SecretRevision {
                    revision: r.get("revision").and_then(Value::as_u64).unwrap_or(0),
                    content: string_map(r.get("content")),
                })
                .collect()
        })
        .unwrap_or_default();
    let grants = m
        .get("grants")
        .and_then(Value::as_object)
        .map(|g| {
            g.iter()
                .filter_map(|(rid, names)| {
                    let names = names
                        .as_array()?
                        .iter()
                        .filter_map(|n| n.as_str().map(str::to_string))
                        .collect();
                    Some((rid.parse().ok()?, names))
                })
                .collect()
        })
        .unwrap_or_default();
    let consumer = m.get("consumer");
    Ok(SimSecret {
        id: opt_str(m.get("id")).ok_or_else(|| bad("a secret has no id"))?,
        owner: opt_str(m.get("owner")).unwrap_or_default(),
        label: opt_str(m.get("label")),
        description: opt_str(m.get("description")),
        expire: opt_str(m.get("expire")),
        rotate: opt_str(m.get("rotate")),
        revisions,
        grants,
        consumer_label: opt_str(consumer.and_then(|c| c.get("label"))),
        consumer_revision: consumer
            .and_then(|c| c.get("revision"))
            .and_then(Value::as_u64),
    })
}

fn storage_kind(meta: &CharmMeta, name: &str) -> &'static str {
    match meta.storage(name).map(|s| s.kind) {
        Some(StorageType::Block) => "block",
        _ => "filesystem",
    }
}

fn storage_from_json(v: &Value, root: &Path, meta: &CharmMeta) -> Result<SimStorage, ReplayError> {
    let m = obj(v, "a storage")?;
    let name = opt_str(m.get("name")).ok_or_else(|| bad("a storage has no name"))?;
    let index = m
        .get("index")
        .and_then(Value::as_u64)
        .and_then(|i| u32::try_from(i).ok())
        .ok_or_else(|| bad("a storage has no index"))?;
    let location = opt_str(m.get("location"))
        .unwrap_or_else(|| format!("$ROOT/storage/{name}/{index}"))
        .replace("$ROOT", &root.to_string_lossy());
    Ok(SimStorage {
        kind: opt_str(m.get("kind")).unwrap_or_else(|| storage_kind(meta, &name).to_string()),
        name,
        index,
        location: PathBuf::from(location),
        attached: true,
    })
}

/// The state a juju-sim scenario starts from (its sparse `state`, completed with juju-sim's
/// defaults), with storage under `root`.
pub fn state_from_json(
    v: &Value,
    meta: &'static CharmMeta,
    root: &Path,
) -> Result<JujuState, ReplayError> {
    let m = obj(v, "the state")?;
    let unit = opt_str(m.get("unit")).unwrap_or_else(|| format!("{}/0", meta.name));
    let mut s = JujuState::new(meta, unit);
    for (key, value) in m {
        match key.as_str() {
            "unit" => {}
            "leader" => s.leader = value.as_bool().unwrap_or(false),
            "address" => s.address = opt_str(Some(value)).unwrap_or_default(),
            "juju_version" => s.juju_version = opt_str(Some(value)).unwrap_or_default(),
            "availability_zone" => s.availability_zone = opt_str(Some(value)).unwrap_or_default(),
            "model" => {
                s.model_name = opt_str(value.get("name")).or(s.model_name.take());
                if let Some(uuid) = opt_str(value.get("uuid")) {
                    s.model_uuid = uuid;
                }
            }
            "config" => {
                s.config = obj(value, "config")?
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }
            "relations" => {
                for r in value.as_array().into_iter().flatten() {
                    s.relations.push(relation_from_json(r, meta)?);
                }
            }
            "secrets" => {
                for sec in value.as_array().into_iter().flatten() {
                    s.secrets.push(secret_from_json(sec)?);
                }
            }
            "storage" => {
                for st in value.as_array().into_iter().flatten() {
                    s.storage.push(storage_from_json(st, root, meta)?);
                }
            }
            "networks" => {
                s.networks = obj(value, "networks")?
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }
            "resources" => {
                s.resources = string_map(Some(value))
                    .into_iter()
                    .map(|(k, v)| {
                        (
                            k,
                            PathBuf::from(v.replace("$ROOT", &root.to_string_lossy())),
                        )
                    })
                    .collect()
            }
            "planned_units" => s.planned_units = value.as_u64().and_then(|n| u32::try_from(n).ok()),
            "leader_settings" => s.leader_settings = string_map(Some(value)),
            "credential" => s.credential = Some(value.clone()).filter(|v| !v.is_null()),
            "opened_ports" => {
                s.opened_ports = value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|p| p.as_str().map(str::to_string))
                    .collect()
            }
            other => return Err(bad(format!("unsupported state key `{other}`"))),
        }
    }
    Ok(s)
}

fn status_json(s: &StatusRecord) -> Value {
    json!({"status": s.status, "message": s.message})
}

fn action_json(a: &SimAction) -> Value {
    json!({"id": a.id, "name": a.name, "params": a.params, "results": a.results, "log": a.log,
           "status": a.status, "message": a.message})
}

/// The state as juju-sim prints it (its `public_state`), storage locations under `root`.
pub fn state_to_json(s: &JujuState) -> Value {
    let relations: Vec<Value> = s
        .relations
        .iter()
        .map(|r| {
            json!({"id": r.id, "endpoint": r.endpoint, "interface": r.interface,
                   "role": role_name(r.role), "remote_app": r.remote_app,
                   "local_unit_data": r.local_unit_data, "local_app_data": r.local_app_data,
                   "remote_app_data": r.remote_app_data, "remote_units": r.remote_units,
                   "departed_units": r.departed_units, "broken": r.broken})
        })
        .collect();
    let secrets: Vec<Value> = s
        .secrets
        .iter()
        .map(|sec| {
            let grants: Map<String, Value> = sec
                .grants
                .iter()
                .map(|(rid, names)| (rid.to_string(), json!(names)))
                .collect();
            let revisions: Vec<Value> = sec
                .revisions
                .iter()
                .map(|r| json!({"revision": r.revision, "content": r.content}))
                .collect();
            json!({"id": sec.id, "owner": sec.owner, "label": sec.label,
                   "description": sec.description, "expire": sec.expire, "rotate": sec.rotate,
                   "revisions": revisions, "grants": grants,
                   "consumer": {"label": sec.consumer_label, "revision": sec.consumer_revision}})
        })
        .collect();
    let storage: Vec<Value> = s
        .storage
        .iter()
        .filter(|st| st.attached)
        .map(|st| {
            json!({"name": st.name, "index": st.index, "kind": st.kind,
                   "location": st.location.to_string_lossy()})
        })
        .collect();
    let metrics: Vec<Value> = s
        .metrics
        .iter()
        .map(|MetricBatch { metrics, labels }| json!({"metrics": metrics, "labels": labels}))
        .collect();
    let pod_spec = s.pod_spec.as_ref().map(
        |PodSpec {
             spec,
             k8s_resources,
         }| json!({"spec": spec, "k8s_resources": k8s_resources}),
    );
    json!({
        "model": {"name": s.model_name, "uuid": s.model_uuid},
        "juju_version": s.juju_version,
        "unit": s.unit,
        "leader": s.leader,
        "address": s.address,
        "availability_zone": s.availability_zone,
        "config": s.config,
        "unit_status": status_json(&s.unit_status),
        "app_status": status_json(&s.app_status),
        "workload_version": s.workload_version,
        "relations": relations,
        "networks": s.networks,
        "storage": storage,
        "resources": s.resources.iter().map(|(k, v)| (k.clone(), json!(v.to_string_lossy()))).collect::<Map<_, _>>(),
        "planned_units": s.planned_units,
        "secrets": secrets,
        "controller_state": s.controller_state,
        "leader_settings": s.leader_settings,
        "opened_ports": s.opened_ports,
        "metrics": metrics,
        "pod_spec": pod_spec,
        "reboot": s.reboot,
        "credential": s.credential,
        "actions": s.actions.iter().map(action_json).collect::<Vec<_>>(),
    })
}

fn relation_mut<'a>(s: &'a mut JujuState, op: &Value) -> Result<&'a mut SimRelation, ReplayError> {
    let id = op
        .get("relation")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("op without a relation id"))?;
    s.relation_mut(id)
        .ok_or_else(|| bad(format!("op on relation {id}, which is not in the state")))
}

fn secret_mut<'a>(s: &'a mut JujuState, op: &Value) -> Result<&'a mut SimSecret, ReplayError> {
    let id = op
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("op without a secret id"))?;
    s.secret_mut(id)
        .ok_or_else(|| bad(format!("op on secret {id}, which is not in the state")))
}

/// Apply one juju-sim scenario op (what the rest of the model did between hooks).
pub fn apply_op(
    s: &mut JujuState,
    op: &Value,
    meta: &'static CharmMeta,
    root: &Path,
) -> Result<(), ReplayError> {
    let name = op.get("op").and_then(Value::as_str).unwrap_or_default();
    match name {
        "set_config" => {
            for (k, v) in obj(op.get("values").unwrap_or(&Value::Null), "values")? {
                crate::error::check_config(meta, k, v)
                    .or_else(|e| if v.is_null() { Ok(()) } else { Err(e) })
                    .map_err(|e| bad(e.to_string()))?;
                if v.is_null() {
                    s.config.remove(k);
                } else {
                    s.config.insert(k.clone(), v.clone());
                }
            }
        }
        "set_leader" => s.leader = op.get("leader").and_then(Value::as_bool).unwrap_or(false),
        "add_relation" => {
            let rel = relation_from_json(op.get("relation").unwrap_or(&Value::Null), meta)?;
            if s.relation(rel.id).is_some() {
                return Err(bad(format!("relation id {} already exists", rel.id)));
            }
            s.relations.push(rel);
        }
        "break_relation" => {
            let rel = relation_mut(s, op)?;
            let units = std::mem::take(&mut rel.remote_units);
            rel.departed_units.extend(units);
            rel.broken = true;
        }
        "add_remote_unit" => {
            let unit =
                opt_str(op.get("unit")).ok_or_else(|| bad("add_remote_unit without a unit"))?;
            let data = string_map(op.get("data"));
            let rel = relation_mut(s, op)?;
            rel.departed_units.remove(&unit);
            rel.remote_units.insert(unit, data);
        }
        "remove_remote_unit" => {
            let unit = opt_str(op.get("unit")).unwrap_or_default();
            let rel = relation_mut(s, op)?;
            let data = rel
                .remote_units
                .remove(&unit)
                .ok_or_else(|| bad(format!("{unit} is not in relation {}", rel.id)))?;
            rel.departed_units.insert(unit, data);
        }
        "set_remote_data" => {
            let data = string_map(op.get("data"));
            let app = op.get("app").is_some();
            let unit = opt_str(op.get("unit"));
            let rel = relation_mut(s, op)?;
            let bag = if app {
                if rel.role == RelationRole::Peer {
                    &mut rel.local_app_data
                } else {
                    &mut rel.remote_app_data
                }
            } else {
                rel.remote_units
                    .entry(unit.unwrap_or_default())
                    .or_default()
            };
            for (k, v) in data {
                if v.is_empty() || v == "null" {
                    bag.remove(&k);
                } else {
                    bag.insert(k, v);
                }
            }
        }
        "add_storage" => {
            let st = storage_from_json(op.get("storage").unwrap_or(&Value::Null), root, meta)?;
            s.storage.push(st);
        }
        "add_secret" => s
            .secrets
            .push(secret_from_json(op.get("secret").unwrap_or(&Value::Null))?),
        "set_secret_content" => {
            let content = string_map(op.get("content"));
            let sec = secret_mut(s, op)?;
            let revision = sec.latest_revision() + 1;
            sec.revisions.push(SecretRevision { revision, content });
        }
        "grant_secret" | "revoke_secret" => {
            let rid = op
                .get("relation")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad("grant without a relation"))?;
            let target = opt_str(op.get("target")).unwrap_or_default();
            let sec = secret_mut(s, op)?;
            let grants = sec.grants.entry(rid).or_default();
            if name == "grant_secret" {
                if !grants.contains(&target) {
                    grants.push(target);
                }
            } else {
                grants.retain(|t| *t != target);
            }
        }
        "remove_secret" => {
            let id = opt_str(op.get("id")).unwrap_or_default();
            let bare = bare_secret_id(&id).to_string();
            s.secrets.retain(|x| bare_secret_id(&x.id) != bare);
        }
        other => return Err(bad(format!("unsupported op `{other}`"))),
    }
    Ok(())
}

fn event_of(step: &Value) -> Result<SimEvent, ReplayError> {
    let m = obj(step, "a step")?;
    let mut ev = match (opt_str(m.get("event")), opt_str(m.get("action"))) {
        (_, Some(action)) => SimEvent::action(
            action,
            m.get("params")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
        ),
        (Some(event), None) => SimEvent::hook(event),
        (None, None) => return Err(bad("a step has neither event nor action")),
    };
    ev.relation = m.get("relation").and_then(Value::as_i64);
    ev.remote_unit = opt_str(m.get("remote_unit"));
    ev.departing_unit = opt_str(m.get("departing_unit"));
    ev.storage = opt_str(m.get("storage"));
    ev.secret = opt_str(m.get("secret"));
    ev.revision = m.get("revision").and_then(Value::as_u64);
    ev.workload = opt_str(m.get("workload"));
    Ok(ev)
}

/// The files under each storage location (juju-sim's `storage_files`).
fn storage_files(s: &JujuState) -> Result<Value, ReplayError> {
    fn walk(dir: &Path, base: &Path, out: &mut Map<String, Value>) -> std::io::Result<()> {
        let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            if path.is_dir() {
                walk(&path, base, out)?;
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                let data = std::fs::read(&path)?;
                out.insert(rel, json!(String::from_utf8_lossy(&data)));
            }
        }
        Ok(())
    }
    let mut snapshot = Map::new();
    for st in s.storage.iter().filter(|st| st.attached) {
        let mut files = Map::new();
        if st.location.is_dir() {
            walk(&st.location, &st.location, &mut files)?;
        }
        snapshot.insert(st.id(), Value::Object(files));
    }
    Ok(Value::Object(snapshot))
}

/// The calls juju-sim's relaxed comparison looks at: writes that are not successful
/// on-commit ones (except `secret-add`), without `juju-log`, `--help` and the SDK's own
/// `state-*` records.
fn compared_calls(calls: impl Iterator<Item = (String, bool, Option<String>)>) -> Vec<String> {
    calls
        .filter(|(tool, ok, w)| {
            let Some(w) = w.as_deref() else { return false };
            if tool.starts_with("state-") {
                return false;
            }
            !(*ok && w == "on-commit" && tool != "secret-add")
        })
        .map(|(tool, ok, _)| format!("{tool} {}", if ok { "ok" } else { "failed" }))
        .collect()
}

fn normalise(mut text: String, root: &Path, generated: &[String]) -> String {
    text = text.replace(&*root.to_string_lossy(), "$ROOT");
    for (i, sid) in generated.iter().enumerate() {
        let n = i + 1;
        text = text
            .replace(sid.as_str(), &format!("secret:#{n}"))
            .replace(bare_secret_id(sid), &format!("#{n}"));
    }
    text
}

fn diff_json(label: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    if expected == actual {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = e.keys().chain(a.keys()).collect();
            for k in keys {
                let (ev, av) = (
                    e.get(k).unwrap_or(&Value::Null),
                    a.get(k).unwrap_or(&Value::Null),
                );
                diff_json(&format!("{label}.{k}"), ev, av, out);
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                diff_json(&format!("{label}[{i}]"), ev, av, out);
            }
        }
        _ => out.push(format!("{label}: expected {expected}, got {actual}")),
    }
}

/// Replay `scenario` (a juju-sim scenario's JSON) with charm `C` and compare each step with
/// `expected` (its recording).
pub fn replay<C: Charm>(scenario: &Value, expected: &Value) -> Result<ReplayReport, ReplayError> {
    let meta = C::meta();
    let root = tempfile::Builder::new()
        .prefix("ops-testing-replay-")
        .tempdir()?;
    let root_path = root.path().canonicalize()?;
    let state = state_from_json(
        scenario.get("state").unwrap_or(&json!({})),
        meta,
        &root_path,
    )?;
    let sim = Rc::new(SimJuju::new(meta, state));
    let store = SharedStore::new();
    let mut generated: Vec<String> = Vec::new();
    let steps = scenario
        .get("steps")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the scenario has no steps"))?;
    let recorded = expected
        .get("steps")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the recording has no steps"))?;
    if steps.len() != recorded.len() {
        return Err(bad(format!(
            "the scenario has {} steps, the recording {}",
            steps.len(),
            recorded.len()
        )));
    }
    let mut report = ReplayReport {
        scenario: opt_str(scenario.get("name")).unwrap_or_default(),
        steps: Vec::new(),
    };
    for (i, (step, exp)) in steps.iter().zip(recorded).enumerate() {
        for op in step
            .get("ops")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            apply_op(&mut sim.state_mut(), op, meta, &root_path)?;
        }
        for st in sim.state().storage.iter() {
            std::fs::create_dir_all(&st.location)?;
        }
        let event = event_of(step)?;
        sim.take_trace();
        let done = sim.dispatch::<C>(&store, &event)?;
        let trace = sim.take_trace();
        for call in &trace {
            if call.argv[0] == "secret-add" && call.exit == 0 {
                generated.push(call.stdout.trim().to_string());
            }
        }
        let mut problems = Vec::new();
        let label = if event.is_action {
            format!("action {}", event.name)
        } else {
            event.name.clone()
        };
        if exp.get("event").and_then(Value::as_str) != Some(label.as_str()) {
            problems.push(format!("event: expected {}, got {label}", exp["event"]));
        }
        let expected_ok = exp.get("exit_code").and_then(Value::as_i64) == Some(0);
        if expected_ok != done.outcome.is_ok() {
            problems.push(format!(
                "exit: expected {}, got {}",
                exp["exit_code"],
                match &done.outcome {
                    Ok(_) => "success".to_string(),
                    Err(e) => format!("failure ({e})"),
                }
            ));
        }
        let exp_calls = compared_calls(
            exp.get("calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| {
                    (
                        c["argv"][0].as_str().unwrap_or_default().to_string(),
                        c["exit"].as_i64() == Some(0),
                        opt_str(c.get("writes")),
                    )
                }),
        );
        let act_calls = compared_calls(trace.iter().map(|c| {
            (
                c.argv[0].clone(),
                c.exit == 0,
                writes(&c.argv[0]).map(str::to_string),
            )
        }));
        if exp_calls != act_calls {
            problems.push(format!(
                "write calls: expected {exp_calls:?}, got {act_calls:?}"
            ));
        }
        let actual_state: Value = serde_json::from_str(&normalise(
            state_to_json(&sim.state()).to_string(),
            &root_path,
            &generated,
        ))?;
        let mut exp_state = exp.get("state").cloned().unwrap_or(Value::Null);
        let mut act_state = actual_state;
        for s in [&mut exp_state, &mut act_state] {
            if let Value::Object(m) = s {
                m.remove("controller_state");
            }
        }
        diff_json("state", &exp_state, &act_state, &mut problems);
        let files: Value = serde_json::from_str(&normalise(
            storage_files(&sim.state())?.to_string(),
            &root_path,
            &generated,
        ))?;
        diff_json(
            "files",
            exp.get("files").unwrap_or(&json!({})),
            &files,
            &mut problems,
        );
        report.steps.push(StepReport {
            step: i + 1,
            event: label,
            problems,
        });
    }
    Ok(report)
}

/// Replay every scenario of juju-sim's `scenarios/` whose `charm` is `charm` with `C`, and panic
/// with the report of each one that differs from its recording. Prints a notice and returns when
/// juju-sim is not found (see [`juju_sim_dir`](crate::conformance::juju_sim_dir)).
pub fn assert_scenarios_replay<C: Charm>(charm: &str, start: &Path) {
    let Some(dir) = crate::conformance::juju_sim_dir(start) else {
        eprintln!("NOTICE: juju-sim not found: the replay of {charm}'s scenarios is skipped");
        return;
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir.join("scenarios"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.retain(|p| {
        p.extension().is_some_and(|x| x == "json")
            && !p.to_string_lossy().ends_with(".expected.json")
    });
    names.sort();
    let mut failures = Vec::new();
    let mut replayed = 0;
    for path in names {
        let read = |p: &Path| -> Result<Value, ReplayError> {
            Ok(serde_json::from_str(&std::fs::read_to_string(p)?)?)
        };
        let scenario = match read(&path) {
            Ok(s) => s,
            Err(e) => panic!("cannot read {}: {e}", path.display()),
        };
        if scenario.get("charm").and_then(Value::as_str) != Some(charm) {
            continue;
        }
        let expected_path = path.with_extension("expected.json");
        let expected = match read(&expected_path) {
            Ok(e) => e,
            Err(e) => panic!("cannot read {}: {e}", expected_path.display()),
        };
        replayed += 1;
        match replay::<C>(&scenario, &expected) {
            Ok(report) if report.passed() => {}
            Ok(report) => failures.push(report.to_string()),
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    assert!(replayed > 0, "no juju-sim scenario for charm {charm}");
    assert!(
        failures.is_empty(),
        "{} of {replayed} scenarios differ from juju-sim's recordings:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
