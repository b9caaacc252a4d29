//! [`SimJuju`]: the Juju unit agent, simulated in-process behind the hook-tool boundary.
//!
//! `SimJuju` implements ops-core's [`ToolRunner`]: the production [`Backend`] runs its usual argv
//! (`relation-get -r 3 - db/0 --format=json`, `secret-add --owner application k=v`, ...) and gets
//! Juju's output formats, error messages (`ERROR ...`) and exit codes (1, or 2 for usage errors)
//! back, as [juju-sim] produces them, from a [`JujuState`] held in memory. No process is spawned and
//! no file is written (except by the charm itself, e.g. into storage).
//!
//! [`SimJuju::dispatch`] runs one hook of charm `C` exactly as the charm's binary would, through
//! [`ops_core::run`]: it builds the `JUJU_*` environment juju-sim would give the hook, parses it with
//! ops-core's own [`JujuContext::from_map`], and hands the dispatcher the simulator as its hook
//! tools and a [`SharedStore`] as the unit's state. As in Juju, writes such as `relation-set` or
//! `secret-add` only take effect if the hook succeeds, while `status-set`, `action-set` or
//! `juju-log` are kept even when it fails.
//!
//! [juju-sim]: https://example.invalid/shared/juju-sim
//! [`Backend`]: ops_core::hooktools::Backend

mod faults;
mod flags;
pub mod format;
mod state;
mod tools;
mod workloads;

pub use faults::{ToolFault, ToolFaultError};
pub use state::*;
pub use tools::{
    default_network, is_valid_app_name, is_valid_secret_id, is_valid_unit_name, known_bindings,
    make_secret_id, parse_port_range, port_sort_key, tool_names, writes,
};
pub use workloads::Workloads;

use crate::pebble::FakePebble;
use crate::store::SharedStore;
use ops_core::dispatch::StoreSource;
use ops_core::env::JujuContext;
use ops_core::hooktools::{RunError, ToolOutput, ToolRunner};
use ops_core::meta::{CharmMeta, ParamType};
use ops_core::storage::{ControllerStore, Store};
use ops_core::{Charm, DispatchError, HookReport, HookSetup, Status, StorageChoice};
use serde_json::{Map, Value};
use std::cell::{Ref, RefCell, RefMut};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::rc::Rc;

/// `parts` joined (cheaper than `format!` on the path of every hook).
fn concat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        out.push_str(p);
    }
    out
}

/// A hook-tool failure: printed as `ERROR <message>` with exit code 1, or 2 for usage errors.
#[derive(Debug)]
pub(crate) struct ToolError {
    pub code: i32,
    pub message: String,
}

impl ToolError {
    pub fn new(message: impl Into<String>) -> Self {
        ToolError {
            code: 1,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        ToolError {
            code: 2,
            message: message.into(),
        }
    }
}

/// One `juju-log` record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// `DEBUG`, `INFO`, `WARNING`, `ERROR` or `CRITICAL`.
    pub level: String,
    /// The message.
    pub message: String,
}

/// One hook-tool call as the simulator saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    /// The tool and its arguments, e.g. `["relation-get", "-r", "3", "-", "db/0", "--format=json"]`.
    pub argv: Vec<String>,
    /// What was fed on stdin, if anything.
    pub stdin: Option<String>,
    /// The exit code.
    pub exit: i32,
    /// What it printed.
    pub stdout: String,
    /// What it printed on stderr (`ERROR ...`).
    pub stderr: String,
}

/// Values that changed during hooks, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    /// The unit's status before each `status-set` (as ops.testing's `unit_status_history`).
    pub unit_status: Vec<Status>,
    /// The application's status before each `status-set --application`.
    pub app_status: Vec<Status>,
    /// The workload version before each `application-version-set`.
    pub workload_version: Vec<String>,
}

/// What the simulator records as hooks run.
#[derive(Debug, Default)]
pub(crate) struct Records {
    pub logs: RefCell<Vec<LogRecord>>,
    pub history: RefCell<History>,
    pub trace: RefCell<Vec<ToolCall>>,
}

/// What Juju tells the running hook (juju-sim's `context.json`).
#[derive(Debug, Clone, Default)]
pub(crate) struct HookContext {
    pub hook: Option<String>,
    pub action: Option<String>,
    pub relation_id: Option<i64>,
    pub relation_name: Option<String>,
    pub remote_unit: String,
    pub remote_app: String,
    pub departing_unit: String,
    pub storage_id: Option<String>,
    pub secret: Option<(String, String, Option<u64>)>,
    pub workload: Option<String>,
    pub notice: Option<(String, String, String)>,
    pub check: Option<String>,
}

/// A hook or action for [`SimJuju`] to run, as a juju-sim scenario step names it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SimEvent {
    /// The hook (`install`, `db-relation-changed`, `data-storage-attached`, ...) or the action.
    pub name: String,
    /// Whether this is an action.
    pub is_action: bool,
    /// The action's params (the schema's defaults are added).
    pub params: Map<String, Value>,
    /// Relation hooks: the relation id.
    pub relation: Option<i64>,
    /// Relation hooks: the remote unit (`JUJU_REMOTE_UNIT`).
    pub remote_unit: Option<String>,
    /// `relation-departed`: the unit leaving (`JUJU_DEPARTING_UNIT`).
    pub departing_unit: Option<String>,
    /// Storage hooks: the storage id, `name/index`.
    pub storage: Option<String>,
    /// Secret hooks: the secret id.
    pub secret: Option<String>,
    /// `secret-remove` and `secret-expired`: the revision.
    pub revision: Option<u64>,
    /// Secret hooks: the label given to the charm (`JUJU_SECRET_LABEL`) instead of the secret's
    /// own (ops' Harness `trigger_secret_*(…, label=…)`).
    pub secret_label: Option<String>,
    /// Workload hooks (`*-pebble-ready`, `*-pebble-custom-notice`, `*-pebble-check-*`): the
    /// container (default: from the hook name).
    pub workload: Option<String>,
    /// `*-pebble-custom-notice`: the notice's id, type and key (`JUJU_NOTICE_ID`,
    /// `JUJU_NOTICE_TYPE`, `JUJU_NOTICE_KEY`).
    pub notice: Option<(String, String, String)>,
    /// `*-pebble-check-failed` / `-recovered`: the check (`JUJU_PEBBLE_CHECK_NAME`).
    pub check: Option<String>,
    /// A custom event (`#[derive(CustomEvent)]`) emitted from outside the charm: its snapshot,
    /// emitted instead of a Juju event ([`ops_core::run_custom`]).
    pub custom: Option<ops_core::events::EventSnapshot>,
    /// Relation hooks: Juju does not name the remote application (`JUJU_REMOTE_APP` empty), as
    /// in a `relation-broken` whose remote application is already gone.
    pub remote_app_unknown: bool,
}

impl SimEvent {
    /// The hook `name` (Juju's spelling: `config-changed`, `db-relation-joined`).
    pub fn hook(name: impl Into<String>) -> Self {
        SimEvent {
            name: name.into(),
            ..SimEvent::default()
        }
    }

    /// The action `name` with `params`.
    pub fn action(name: impl Into<String>, params: Map<String, Value>) -> Self {
        SimEvent {
            name: name.into(),
            is_action: true,
            params,
            ..SimEvent::default()
        }
    }

    /// The custom event `event` (`#[derive(CustomEvent)]`, its name `custom:<Type>`), emitted
    /// from outside the charm in a hook of that name, with no Juju event.
    pub fn custom(event: ops_core::events::EventSnapshot) -> Self {
        SimEvent {
            name: event.name.clone(),
            custom: Some(event),
            ..SimEvent::default()
        }
    }

    /// For relation `id`.
    pub fn relation(mut self, id: i64) -> Self {
        self.relation = Some(id);
        self
    }

    /// With remote unit `unit`.
    pub fn remote_unit(mut self, unit: impl Into<String>) -> Self {
        self.remote_unit = Some(unit.into());
        self
    }

    /// Without naming the remote application (see [`SimEvent::remote_app_unknown`]).
    pub fn without_remote_app(mut self) -> Self {
        self.remote_app_unknown = true;
        self
    }

    /// With departing unit `unit`.
    pub fn departing_unit(mut self, unit: impl Into<String>) -> Self {
        self.departing_unit = Some(unit.into());
        self
    }

    /// For storage instance `id` (`name/index`).
    pub fn storage(mut self, id: impl Into<String>) -> Self {
        self.storage = Some(id.into());
        self
    }

    /// For secret `id`.
    pub fn secret(mut self, id: impl Into<String>) -> Self {
        self.secret = Some(id.into());
        self
    }

    /// For secret revision `revision`.
    pub fn revision(mut self, revision: u64) -> Self {
        self.revision = Some(revision);
        self
    }

    /// Give the charm `label` as the secret's label.
    pub fn secret_label(mut self, label: impl Into<String>) -> Self {
        self.secret_label = Some(label.into());
        self
    }

    /// For container `name`.
    pub fn workload(mut self, name: impl Into<String>) -> Self {
        self.workload = Some(name.into());
        self
    }

    /// For the Pebble notice `id` of type `notice_type` and key `key`.
    pub fn notice(
        mut self,
        id: impl Into<String>,
        notice_type: impl Into<String>,
        key: impl Into<String>,
    ) -> Self {
        self.notice = Some((id.into(), notice_type.into(), key.into()));
        self
    }

    /// For the Pebble health check `name`.
    pub fn check(mut self, name: impl Into<String>) -> Self {
        self.check = Some(name.into());
        self
    }
}

/// Why the simulator cannot run an event (the event does not fit the state or metadata).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A relation hook for a relation the state does not hold.
    #[error("{hook}: relation id {id:?} not in the state")]
    RelationNotFound {
        /// The hook.
        hook: String,
        /// The relation id asked for.
        id: Option<i64>,
    },
    /// A storage hook for storage that is not attached.
    #[error("{hook}: storage {id:?} not in the state")]
    StorageNotFound {
        /// The hook.
        hook: String,
        /// The storage id asked for.
        id: Option<String>,
    },
    /// A secret hook for a secret the state does not hold.
    #[error("{hook}: secret {id:?} not in the state")]
    SecretNotFound {
        /// The hook.
        hook: String,
        /// The secret id asked for.
        id: Option<String>,
    },
    /// An action the charm's metadata does not declare.
    #[error("action `{}` is not defined in the charm's actions{}", .0, .0.hint())]
    UnknownAction(crate::error::UnknownName),
    /// Action params Juju would refuse (missing required, unknown, wrong type).
    #[error("action `{action}`: {message}")]
    ActionParams {
        /// The action.
        action: String,
        /// What is wrong.
        message: String,
    },
    /// A hook is already running.
    #[error("a hook is already running")]
    HookRunning,
    /// The environment built for the hook is not valid.
    #[error("invalid hook environment: {0}")]
    Environment(String),
    /// The fake Pebbles of the containers could not be started or set up.
    #[error("cannot set up the containers' fake Pebble: {0}")]
    Pebble(String),
    /// The unit's state kept on the controller could not be read or written.
    #[error("controller-side unit state: {0}")]
    Store(String),
    /// A [`ToolFault`] that cannot apply.
    #[error(transparent)]
    Fault(#[from] ToolFaultError),
}

/// What an action produced.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionOutput {
    /// The results (`action-set`), dotted keys nested: `{"details": {"times": "2"}}`.
    pub results: Map<String, Value>,
    /// The `action-log` messages, in order.
    pub logs: Vec<String>,
    /// Why the action failed: the `action-fail` message, or `exit status N` when the handler
    /// failed. `None` when it completed.
    pub failure: Option<String>,
}

/// One dispatched hook: what the dispatcher returned, and the action's output for actions.
#[derive(Debug)]
pub struct Dispatched {
    /// The dispatcher's result (`Err`: the hook failed, nothing it deferred to commit was kept).
    pub outcome: Result<HookReport, DispatchError>,
    /// The action's output (actions only).
    pub action: Option<ActionOutput>,
}

/// The simulated Juju. See the [module documentation](self).
pub struct SimJuju {
    meta: &'static CharmMeta,
    charm_dir: PathBuf,
    /// The state (boxed, as the working copy: keeping every allocation of a test below glibc's
    /// large-chunk threshold spares each test a heap consolidation).
    committed: RefCell<Box<JujuState>>,
    /// The hook's working copy of the state, made at its first tool call (a hook that calls no
    /// tool costs no copy).
    work: RefCell<Option<Box<JujuState>>>,
    running: std::cell::Cell<bool>,
    hook: RefCell<HookContext>,
    records: Records,
    tracing: std::cell::Cell<bool>,
    /// Whether the running pseudo-hook is the simulator's own (no fault applies to it).
    internal: std::cell::Cell<bool>,
    faults: RefCell<Vec<ToolFault>>,
    workloads: std::cell::OnceCell<Workloads>,
}

impl std::fmt::Debug for SimJuju {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimJuju")
            .field("charm", &self.meta.name)
            .field("unit", &self.committed.borrow().unit)
            .field("in_hook", &self.in_hook())
            .finish_non_exhaustive()
    }
}

fn json_type_ok(kind: ParamType, value: &Value) -> bool {
    match kind {
        ParamType::String => value.is_string(),
        ParamType::Integer => value.is_i64() || value.is_u64(),
        ParamType::Number => value.is_number(),
        ParamType::Boolean => value.is_boolean(),
        ParamType::Array => value.is_array(),
        ParamType::Object => value.is_object(),
        ParamType::Any => true,
    }
}

fn param_type_name(kind: ParamType) -> &'static str {
    match kind {
        ParamType::String => "string",
        ParamType::Integer => "integer",
        ParamType::Number => "number",
        ParamType::Boolean => "boolean",
        ParamType::Array => "array",
        ParamType::Object => "object",
        ParamType::Any => "any",
    }
}

/// The params Juju would run action `name` with: `params` plus the schema's defaults, checked
/// against the schema (required params, types, `additionalProperties: false`).
pub fn action_params(
    meta: &CharmMeta,
    name: &str,
    params: &Map<String, Value>,
) -> Result<Map<String, Value>, SimError> {
    let spec = meta.action(name).ok_or_else(|| {
        SimError::UnknownAction(crate::error::UnknownName::new(
            name,
            meta.actions.iter().map(|a| a.name.as_ref()),
        ))
    })?;
    let bad = |message: String| SimError::ActionParams {
        action: name.to_string(),
        message,
    };
    let mut out = params.clone();
    for p in spec.params.iter() {
        if !out.contains_key(p.name.as_ref()) {
            if let Some(default) = &p.default {
                let v: Value = serde_json::from_str(default)
                    .unwrap_or_else(|_| Value::String(default.to_string()));
                out.insert(p.name.to_string(), v);
            }
        }
    }
    let missing: Vec<&str> = spec
        .params
        .iter()
        .filter(|p| p.required && !out.contains_key(p.name.as_ref()))
        .map(|p| p.name.as_ref())
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!("missing required params {missing:?}")));
    }
    for (key, value) in &out {
        match spec.param(key) {
            Some(p) if !json_type_ok(p.kind, value) => {
                return Err(bad(format!(
                    "param `{key}` must be of type {}, got {value}",
                    param_type_name(p.kind)
                )))
            }
            Some(_) => {}
            None if !spec.additional_properties => {
                return Err(bad(format!("unknown param `{key}`")))
            }
            None => {}
        }
    }
    Ok(out)
}

fn relation_hook(name: &str) -> bool {
    [
        "-relation-created",
        "-relation-joined",
        "-relation-changed",
        "-relation-departed",
        "-relation-broken",
    ]
    .iter()
    .any(|s| name.ends_with(s))
}

impl SimJuju {
    /// A simulator for charm metadata `meta` in `state`.
    pub fn new(meta: &'static CharmMeta, state: JujuState) -> Self {
        let charm_dir = PathBuf::from(format!(
            "/var/lib/juju/agents/unit-{}/charm",
            state.unit.replace('/', "-")
        ));
        SimJuju {
            meta,
            charm_dir,
            committed: RefCell::new(Box::new(state)),
            work: RefCell::new(None),
            running: std::cell::Cell::new(false),
            hook: RefCell::new(HookContext::default()),
            records: Records::default(),
            tracing: std::cell::Cell::new(true),
            internal: std::cell::Cell::new(false),
            faults: RefCell::new(Vec::new()),
            workloads: std::cell::OnceCell::new(),
        }
    }

    /// A simulator for a fresh unit `<charm name>/0` of charm `C`.
    pub fn for_charm<C: Charm>() -> Self {
        let meta = C::meta();
        Self::new(meta, JujuState::new(meta, format!("{}/0", meta.name)))
    }

    /// The charm metadata.
    pub fn meta(&self) -> &'static CharmMeta {
        self.meta
    }

    /// The charm directory given to hooks (`JUJU_CHARM_DIR`; it need not exist).
    pub fn charm_dir(&self) -> &std::path::Path {
        &self.charm_dir
    }

    /// Sets the charm directory given to hooks.
    pub fn set_charm_dir(&mut self, dir: impl Into<PathBuf>) {
        self.charm_dir = dir.into();
    }

    /// The model as Juju's controller has it (between hooks: everything; during a hook: without
    /// the hook's pending writes).
    pub fn state(&self) -> Ref<'_, JujuState> {
        Ref::map(self.committed.borrow(), |s| &**s)
    }

    /// The model, to change it between hooks (as the rest of the model would: a new unit joins,
    /// the config changes...).
    pub fn state_mut(&self) -> RefMut<'_, JujuState> {
        RefMut::map(self.committed.borrow_mut(), |s| &mut **s)
    }

    /// Whether a hook is running.
    pub fn in_hook(&self) -> bool {
        self.running.get()
    }

    /// Whether every tool call is recorded (default: yes).
    pub fn set_tracing(&self, on: bool) {
        self.tracing.set(on);
    }

    /// Make the calls `fault` matches fail or print its output instead of running (see
    /// [`ToolFault`]); faults are tried in the order they were added.
    pub fn add_fault(&self, fault: ToolFault) -> Result<(), SimError> {
        fault.validate()?;
        self.faults.borrow_mut().push(fault);
        Ok(())
    }

    /// The faults still in force (a fault limited with [`ToolFault::times`] is gone once used).
    pub fn faults(&self) -> Vec<ToolFault> {
        self.faults.borrow().clone()
    }

    /// Remove every fault.
    pub fn clear_faults(&self) {
        self.faults.borrow_mut().clear();
    }

    /// Every tool call recorded so far.
    pub fn trace(&self) -> Vec<ToolCall> {
        self.records.trace.borrow().clone()
    }

    /// How many tool calls were recorded so far.
    pub fn trace_len(&self) -> usize {
        self.records.trace.borrow().len()
    }

    /// Every tool call recorded so far, forgetting them.
    pub fn take_trace(&self) -> Vec<ToolCall> {
        std::mem::take(&mut *self.records.trace.borrow_mut())
    }

    /// Every `juju-log` record so far.
    pub fn logs(&self) -> Vec<LogRecord> {
        self.records.logs.borrow().clone()
    }

    /// Every `juju-log` record so far, forgetting them.
    pub fn take_logs(&self) -> Vec<LogRecord> {
        std::mem::take(&mut *self.records.logs.borrow_mut())
    }

    /// The status and workload version history so far.
    pub fn history(&self) -> History {
        self.records.history.borrow().clone()
    }

    /// The history so far, forgetting it.
    pub fn take_history(&self) -> History {
        std::mem::take(&mut *self.records.history.borrow_mut())
    }

    /// The output of the last action run.
    pub fn last_action(&self) -> Option<ActionOutput> {
        let state = self.committed.borrow();
        let action = state.actions.last()?;
        Some(ActionOutput {
            results: action.results.clone(),
            logs: action.log.clone(),
            failure: (action.status == "failed").then(|| action.message.clone()),
        })
    }

    /// The fake Pebbles of the charm's containers, started on first use (see [`Workloads`]).
    pub fn workloads(&self) -> Result<&Workloads, SimError> {
        if self.workloads.get().is_none() {
            let started =
                Workloads::start(self.meta).map_err(|e| SimError::Pebble(e.to_string()))?;
            let _ = self.workloads.set(started);
        }
        self.workloads
            .get()
            .ok_or_else(|| SimError::Pebble("the fakes did not start".into()))
    }

    /// The fake Pebble of container `name` (`None`: the charm has no such container, or the
    /// fakes could not start).
    pub fn pebble(&self, name: &str) -> Option<&FakePebble> {
        self.meta.container(name)?;
        self.workloads().ok()?.get(name)
    }

    /// Bring the fake Pebbles in line with the model (reachability, storage mounts), as happens
    /// before every hook; a no-op for a charm without containers.
    pub fn sync_workloads(&self) -> Result<(), SimError> {
        if self.meta.containers.is_empty() {
            return Ok(());
        }
        let state = self.committed.borrow();
        self.workloads()?
            .sync(self.meta, &state)
            .map_err(|e| SimError::Pebble(e.to_string()))
    }

    /// Whether charm `C` keeps its state on the controller (`state-get`/`state-set`) in this
    /// model, as ops-core's dispatcher decides: `#[charm(storage = "controller")]`, or the
    /// default on a Kubernetes pod-spec charm (`series: [kubernetes]`) under Juju ≥ 2.8.
    pub fn uses_controller_storage<C: Charm>(&self) -> bool {
        match C::STORAGE {
            StorageChoice::Controller => true,
            StorageChoice::Local => false,
            StorageChoice::Auto => {
                self.meta.series.iter().any(|s| s == "kubernetes")
                    && ops_core::version::JujuVersion::parse(&self.committed.borrow().juju_version)
                        .is_ok_and(|v| v.has_controller_storage())
            }
        }
    }

    /// Run `f` with a [`ControllerStore`] over this simulator, inside a pseudo-hook that runs no
    /// charm code and is not traced; its writes are kept if `keep`.
    fn with_controller_store<T>(
        &self,
        keep: bool,
        f: impl FnOnce(&mut ControllerStore<&SimJuju>) -> Result<T, ops_core::storage::StoreError>,
    ) -> Result<T, SimError> {
        let tracing = self.tracing.replace(false);
        self.internal.set(true);
        let out = self.begin(&SimEvent::hook("update-status")).and_then(|_| {
            let mut store = ControllerStore::new(self);
            let out = f(&mut store).map_err(|e| SimError::Store(e.to_string()));
            self.finish(if keep && out.is_ok() { 0 } else { 1 });
            out
        });
        self.tracing.set(tracing);
        self.internal.set(false);
        out
    }

    /// The unit's state entries kept on the controller, decoded as ops-core's
    /// [`ControllerStore`] reads them (a charm using controller storage keeps its stored state
    /// and deferred events there).
    pub fn controller_entries(&self) -> Result<BTreeMap<String, Vec<u8>>, SimError> {
        if self.committed.borrow().controller_state.is_empty() {
            return Ok(BTreeMap::new());
        }
        self.with_controller_store(false, |s| s.load_all())
    }

    /// Replace the unit's state entries kept on the controller, encoded as ops-core's
    /// [`ControllerStore`] writes them.
    pub fn set_controller_entries(
        &self,
        entries: &BTreeMap<String, Vec<u8>>,
    ) -> Result<(), SimError> {
        self.committed.borrow_mut().controller_state.clear();
        if entries.is_empty() {
            return Ok(());
        }
        let changes: ops_core::storage::Changes = entries
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect();
        self.with_controller_store(true, |s| s.commit(&changes))
    }

    /// Start a hook: check the event against the state, record an action as Juju enqueues it,
    /// and return the hook's environment (the `JUJU_*` variables juju-sim sets). Tools answer
    /// from a working copy of the state until [`SimJuju::finish`].
    pub fn begin(&self, event: &SimEvent) -> Result<Vec<(&'static str, String)>, SimError> {
        if self.in_hook() {
            return Err(SimError::HookRunning);
        }
        let mut ctx = HookContext {
            hook: Some(event.name.clone()),
            ..HookContext::default()
        };
        if event.is_action {
            let params = action_params(self.meta, &event.name, &event.params)?;
            let mut state = self.committed.borrow_mut();
            state.action_seq += 1;
            let id = state.action_seq.to_string();
            state.actions.push(SimAction {
                id: id.clone(),
                name: event.name.clone(),
                params,
                results: Map::new(),
                log: Vec::new(),
                failed: false,
                message: String::new(),
                status: "running".to_string(),
            });
            ctx.hook = None;
            ctx.action = Some(id);
        } else {
            let state = self.committed.borrow();
            let name = &event.name;
            if relation_hook(name) {
                let rel = event
                    .relation
                    .and_then(|id| state.relation(id))
                    .ok_or_else(|| SimError::RelationNotFound {
                        hook: name.clone(),
                        id: event.relation,
                    })?;
                ctx.relation_id = Some(rel.id);
                ctx.relation_name = Some(rel.endpoint.clone());
                ctx.remote_app = if event.remote_app_unknown {
                    String::new()
                } else {
                    rel.remote_app.clone()
                };
                ctx.remote_unit = event.remote_unit.clone().unwrap_or_default();
                ctx.departing_unit = event.departing_unit.clone().unwrap_or_default();
            }
            if name.ends_with("-storage-attached") || name.ends_with("-storage-detaching") {
                let id = event.storage.clone().unwrap_or_default();
                if state.storage(&id).is_none_or(|s| !s.attached) {
                    return Err(SimError::StorageNotFound {
                        hook: name.clone(),
                        id: event.storage.clone(),
                    });
                }
                ctx.storage_id = Some(id);
            }
            if name.starts_with("secret-") {
                let sec = event
                    .secret
                    .as_deref()
                    .and_then(|id| state.secret(id))
                    .ok_or_else(|| SimError::SecretNotFound {
                        hook: name.clone(),
                        id: event.secret.clone(),
                    })?;
                let label = if state.owns(sec) {
                    sec.label.clone()
                } else {
                    sec.consumer_label.clone()
                };
                let label = event.secret_label.clone().or(label);
                ctx.secret = Some((sec.id.clone(), label.unwrap_or_default(), event.revision));
            }
            let workload_hook = [
                "-pebble-ready",
                "-pebble-custom-notice",
                "-pebble-check-failed",
                "-pebble-check-recovered",
            ]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix));
            if let Some(container) = workload_hook {
                ctx.notice = event.notice.clone();
                ctx.check = event.check.clone();
                ctx.workload = Some(
                    event
                        .workload
                        .clone()
                        .unwrap_or_else(|| container.to_string()),
                );
            }
        }
        self.sync_workloads()?;
        let env = self.hook_env(&ctx);
        *self.hook.borrow_mut() = ctx;
        *self.work.borrow_mut() = None;
        self.running.set(true);
        Ok(env)
    }

    /// The environment juju-sim gives a hook, in the order juju-sim sets it.
    fn hook_env(&self, ctx: &HookContext) -> Vec<(&'static str, String)> {
        let state = self.committed.borrow();
        let unit = &state.unit;
        let mut env = Vec::with_capacity(24);
        let mut set = |k: &'static str, v: String| env.push((k, v));
        let charm_dir = self.charm_dir.to_string_lossy().into_owned();
        set("CHARM_DIR", charm_dir.clone());
        set("JUJU_CHARM_DIR", charm_dir);
        let label = ctx
            .hook
            .clone()
            .or_else(|| state.actions.last().map(|a| a.name.clone()))
            .unwrap_or_default();
        set(
            "JUJU_CONTEXT_ID",
            concat(&[unit, "-", &label, "-", &state.action_seq.to_string()]),
        );
        set("JUJU_UNIT_NAME", unit.clone());
        if let Some(name) = &state.model_name {
            set("JUJU_MODEL_NAME", name.clone());
        }
        set("JUJU_MODEL_UUID", state.model_uuid.clone());
        set("JUJU_VERSION", state.juju_version.clone());
        set("JUJU_AVAILABILITY_ZONE", state.availability_zone.clone());
        set("JUJU_MACHINE_ID", "0".to_string());
        set("JUJU_PRINCIPAL_UNIT", String::new());
        if let Some(id) = &ctx.action {
            let name = state
                .actions
                .last()
                .map(|a| a.name.clone())
                .unwrap_or_default();
            set("JUJU_DISPATCH_PATH", concat(&["actions/", &name]));
            set("JUJU_ACTION_NAME", name);
            set("JUJU_ACTION_UUID", id.clone());
            set("JUJU_ACTION_TAG", concat(&["action-", id]));
        } else if let Some(hook) = &ctx.hook {
            set("JUJU_DISPATCH_PATH", concat(&["hooks/", hook]));
            set("JUJU_HOOK_NAME", hook.clone());
        }
        if let (Some(id), Some(name)) = (ctx.relation_id, &ctx.relation_name) {
            set("JUJU_RELATION", name.clone());
            set("JUJU_RELATION_ID", concat(&[name, ":", &id.to_string()]));
            set("JUJU_REMOTE_UNIT", ctx.remote_unit.clone());
            set("JUJU_REMOTE_APP", ctx.remote_app.clone());
            if !ctx.departing_unit.is_empty() {
                set("JUJU_DEPARTING_UNIT", ctx.departing_unit.clone());
            }
        }
        if let Some(sid) = &ctx.storage_id {
            if let Some(storage) = state.storage(sid) {
                set("JUJU_STORAGE_ID", sid.clone());
                set("JUJU_STORAGE_KIND", storage.kind.clone());
                set(
                    "JUJU_STORAGE_LOCATION",
                    storage.location.to_string_lossy().into_owned(),
                );
            }
        }
        if let Some((id, label, revision)) = &ctx.secret {
            set("JUJU_SECRET_ID", id.clone());
            set("JUJU_SECRET_LABEL", label.clone());
            if let Some(r) = revision {
                set("JUJU_SECRET_REVISION", r.to_string());
            }
        }
        if let Some(w) = &ctx.workload {
            set("JUJU_WORKLOAD_NAME", w.clone());
        }
        if let Some((id, kind, key)) = &ctx.notice {
            set("JUJU_NOTICE_ID", id.clone());
            set("JUJU_NOTICE_TYPE", kind.clone());
            set("JUJU_NOTICE_KEY", key.clone());
        }
        if let Some(check) = &ctx.check {
            set("JUJU_PEBBLE_CHECK_NAME", check.clone());
        }
        if let Some(w) = self.workloads.get() {
            set(
                ops_core::model::Container::SOCKET_DIR_ENV,
                w.sockets_dir().to_string_lossy().into_owned(),
            );
        }
        env
    }

    /// End the hook that exited with `exit_code`: keep its writes if it succeeded (0), drop the
    /// pending ones otherwise; then what Juju does after a hook (an action's final status, a
    /// broken relation or detached storage removed), as juju-sim does.
    pub fn finish(&self, exit_code: i32) {
        self.running.set(false);
        let work = self.work.borrow_mut().take();
        let ctx = std::mem::take(&mut *self.hook.borrow_mut());
        let mut committed = self.committed.borrow_mut();
        if exit_code == 0 {
            if let Some(work) = work {
                *committed = work;
            }
        }
        if ctx.action.is_some() {
            if let Some(action) = committed.actions.last_mut() {
                if exit_code != 0 {
                    action.status = "failed".to_string();
                    action.message = format!("exit status {exit_code}");
                } else {
                    action.status = if action.failed { "failed" } else { "completed" }.to_string();
                }
            }
            return;
        }
        if exit_code != 0 {
            return;
        }
        let hook = ctx.hook.unwrap_or_default();
        if hook.ends_with("-relation-broken") {
            if let Some(rid) = ctx.relation_id {
                committed.relations.retain(|r| r.id != rid);
                for sec in committed.secrets.iter_mut() {
                    sec.grants.remove(&rid);
                }
            }
        }
        if hook.ends_with("-storage-detaching") {
            if let Some(sid) = &ctx.storage_id {
                committed.storage.retain(|s| s.id() != *sid);
            }
        }
    }

    /// Run `event` through charm `C`'s production dispatcher ([`ops_core::run`]), with this
    /// simulator as its hook tools and `store` as the unit's state.
    pub fn dispatch<C: Charm>(
        self: &Rc<Self>,
        store: &SharedStore,
        event: &SimEvent,
    ) -> Result<Dispatched, SimError> {
        self.dispatch_with::<C>(store, event, ops_core::StatusEvaluation::AfterEvent)
    }

    /// [`SimJuju::dispatch`], choosing when the collect-status events run
    /// ([`ops_core::run_with`]).
    pub fn dispatch_with<C: Charm>(
        self: &Rc<Self>,
        store: &SharedStore,
        event: &SimEvent,
        evaluation: ops_core::StatusEvaluation,
    ) -> Result<Dispatched, SimError> {
        let env = self.begin(event)?;
        let env = match JujuContext::from_owned_vars(env) {
            Ok(env) => env,
            Err(e) => {
                self.finish(1);
                return Err(SimError::Environment(e.to_string()));
            }
        };
        let runner: Rc<dyn ToolRunner> = self.clone();
        let setup = HookSetup {
            env,
            runner,
            charm_dir: self.charm_dir.clone(),
            argv0: PathBuf::from("dispatch"),
            store: Some(if self.uses_controller_storage::<C>() {
                StoreSource::Controller
            } else {
                StoreSource::Given(Box::new(store.clone()))
            }),
            is_process: false,
        };
        let outcome = match &event.custom {
            Some(custom) => ops_core::run_custom::<C>(setup, evaluation, custom.clone()),
            None => ops_core::run_with::<C>(setup, evaluation),
        };
        // The hook's logger points at this simulator: detach it so that nothing logged between
        // hooks (by the test itself) is taken for the charm's.
        ops_core::logging::uninstall();
        match &outcome {
            // `juju-reboot --now`: Juju kills the hook and runs it again after the reboot, so
            // nothing it did is kept but the reboot.
            Err(DispatchError::RebootNow) => {
                self.finish(1);
                self.committed.borrow_mut().reboot = Some("now".to_string());
            }
            Ok(_) => self.finish(0),
            Err(e) => self.finish(e.exit_code()),
        }
        let action = if event.is_action {
            self.last_action()
        } else {
            None
        };
        Ok(Dispatched { outcome, action })
    }
}

impl ToolRunner for SimJuju {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<ToolOutput, RunError> {
        let Some(spec) = tools::find(tool) else {
            return Err(RunError::NotFound(tool.to_string()));
        };
        let fault = if self.internal.get() {
            None
        } else {
            faults::ToolFault::apply(&mut self.faults.borrow_mut(), tool, args)
        };
        let (code, stdout, stderr) = if let Some(out) = fault {
            out
        } else {
            let mut work = self.work.borrow_mut();
            if self.running.get() && work.is_none() {
                *work = Some(self.committed.borrow().clone());
            }
            match work.as_mut() {
                None => (
                    1,
                    String::new(),
                    format!("ERROR {tool}: not running in a hook\n"),
                ),
                Some(work) => {
                    let mut committed = self.committed.borrow_mut();
                    let ctx = self.hook.borrow();
                    let env = tools::CallEnv {
                        meta: self.meta,
                        work,
                        committed: &mut committed,
                        ctx: &ctx,
                        records: &self.records,
                    };
                    tools::run(spec, env, args, stdin)
                }
            }
        };
        if self.tracing.get() {
            let mut argv = Vec::with_capacity(args.len() + 1);
            argv.push(tool.to_string());
            argv.extend(args.iter().cloned());
            self.records.trace.borrow_mut().push(ToolCall {
                argv,
                stdin: stdin.map(|s| String::from_utf8_lossy(s).into_owned()),
                exit: code,
                stdout: stdout.clone(),
                stderr: stderr.clone(),
            });
        }
        Ok(ToolOutput {
            code: Some(code),
            stdout: stdout.into_bytes(),
            stderr: stderr.into_bytes(),
        })
    }
}
