//! [`Harness`]: imperative charm tests with the API of Python ops 2.1.1's `ops.testing.Harness`.
//!
//! A test drives a simulated model step by step (add a relation, change config, become leader,
//! run an action) and each step that Juju would answer with a hook runs that hook through the
//! production dispatcher. Unlike ops' Harness, every hook is a fresh charm instance loaded from
//! the unit's (in-memory) database, as in production: [`Harness::charm`] decodes what the last
//! hook committed. For the same reason deferred events are re-emitted at the start of every
//! later hook, as Juju's next dispatch would (ops' Harness re-emits them only when a test calls
//! `framework.reemit()`); [`Harness::deferred`] lists those still waiting. So an event equal to
//! one still deferred for a handler is skipped for that handler, as in production with ops ≥ 2.18
//! (ops' Harness turns that off, as it does not re-emit), unless the charm declares
//! `#[charm(skip_duplicate_events = false)]`.
//!
//! Where ops' Harness lets a mistake pass, this one returns a typed [`HarnessError`]: a remote
//! unit of another application in [`Harness::add_relation_unit`] (ops only warns), and
//! [`Harness::container_pebble_ready`] before [`Harness::begin`] (ops does nothing).
//!
//! See the [crate documentation](crate) for an example.

use crate::error::{check_config, CharmError, ConfigError, UnknownName};
use crate::pebble::{ExecCall, ExecRule, FakePebble, ServiceRecord};
use crate::sim::{
    known_bindings, make_secret_id, ActionOutput, History, JujuState, LogRecord, MetricBatch,
    SecretRevision, SimError, SimEvent, SimJuju, SimRelation, SimSecret, SimStorage, StatusRecord,
    ToolCall,
};
use crate::state::{params_json, Network, Port};
use crate::store::SharedStore;
use ops_core::dispatch::{Notice, NOTICES_KEY};
use ops_core::endpoints::{ActionEndpoint, ContainerEndpoint, RelationEndpoint, StorageEndpoint};
use ops_core::meta::{EventKind, ResourceType, StorageType};
use ops_core::pebble::{Layer, Plan, ServiceStatus};
use ops_core::{Charm, HookReport, Status};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::rc::Rc;

/// A relation databag: key → value.
pub type Databag = BTreeMap<String, String>;

/// Errors of [`Harness`] methods.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The charm has not begun ([`Harness::begin`]).
    #[error("the harness has not begun: call begin() or begin_with_initial_hooks() first")]
    NotBegun,
    /// [`Harness::begin`] was called twice, or a model property was set after it.
    #[error("the harness has already begun")]
    AlreadyBegun,
    /// No relation with this id.
    #[error("relation {0} not found")]
    RelationNotFound(i64),
    /// The charm does not declare this relation endpoint.
    #[error("relation endpoint `{}` is not declared in the charm's metadata{}", .0, .0.hint())]
    UnknownEndpoint(UnknownName),
    /// The unit or application is not part of the relation.
    #[error(
        "`{name}` is neither this unit or application nor a remote one in relation {relation}"
    )]
    UnknownEntity {
        /// The relation.
        relation: i64,
        /// The unit or application.
        name: String,
    },
    /// A unit or application name that Juju would refuse, or that does not fit the relation.
    #[error("invalid {what} `{name}`: {why}")]
    InvalidName {
        /// `unit` or `application`.
        what: &'static str,
        /// The name.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// A config value the charm's options do not accept.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The charm does not declare this storage.
    #[error("storage `{}` is not declared in the charm's metadata{}", .0, .0.hint())]
    UnknownStorage(UnknownName),
    /// No storage instance with this id.
    #[error("storage {0} not found")]
    StorageNotFound(String),
    /// The charm does not declare this resource, or not as a file.
    #[error("resource `{name}`: {why}")]
    Resource {
        /// The resource.
        name: String,
        /// What is wrong.
        why: String,
    },
    /// No secret with this id.
    #[error("secret {0} not found")]
    SecretNotFound(String),
    /// The operation is for secrets owned by another application, and the charm owns this one.
    #[error("secret {0} is owned by the charm under test: only its owner (the charm) changes or grants it")]
    SecretOwnedByCharm(String),
    /// The operation is for secrets the charm owns, and it does not own this one.
    #[error("secret {0} is not owned by the charm under test: Juju sends this event to the owner")]
    SecretNotOwned(String),
    /// Invalid secret content.
    #[error("invalid secret content: {0}")]
    SecretContent(String),
    /// No relation connects the charm to a secret's owner.
    #[error("no relation between this charm ({app}) and the secret's owner ({owner})")]
    NoRelationToOwner {
        /// This application.
        app: String,
        /// The owner.
        owner: String,
    },
    /// The charm has no such binding (endpoint or extra binding).
    #[error("binding `{0}` is neither an endpoint nor an extra binding of the charm")]
    UnknownBinding(String),
    /// The charm does not declare this container.
    #[error("container `{}` is not declared in the charm's metadata{}", .0, .0.hint())]
    UnknownContainer(UnknownName),
    /// A Pebble operation of the test kit that the container's Pebble refuses (an unreachable
    /// Pebble, a check not in the plan, an invalid notice key).
    #[error("container `{container}`: {why}")]
    Pebble {
        /// The container.
        container: String,
        /// What is wrong.
        why: String,
    },
    /// [`Harness::emit_custom`] of an event no handler of the charm observes.
    #[error("custom event `{0}` is observed by no handler of the charm")]
    UnobservedCustomEvent(String),
    /// [`Harness::emit_custom`] of an event that does not encode to JSON.
    #[error("custom event {0}")]
    CustomEncoding(String),
    /// Not a hook without arguments.
    #[error("`{0}` is not a hook that takes no arguments (use the dedicated methods for relation, storage, secret and action events)")]
    UnknownHook(String),
    /// Writing what a [`Harness::with_charm`] closure changed failed (e.g. its buffered
    /// relation data).
    #[error(transparent)]
    Model(#[from] ops_core::ModelError),
    /// A [`Harness::with_charm`] closure panicked: its pending writes were dropped, as those of
    /// a failed hook, and the harness can go on.
    #[error("the closure given to with_charm panicked: {0}")]
    Panicked(String),
    /// The simulator refused the event (unknown action, invalid params...).
    #[error(transparent)]
    Sim(#[from] SimError),
    /// The charm failed.
    #[error(transparent)]
    Charm(#[from] Box<CharmError>),
    /// The stored state does not decode.
    #[error(transparent)]
    StoredState(#[from] ops_core::stored::StateError),
    /// A file could not be written (storage, resources).
    #[error("cannot {action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

fn unknown_container<C: Charm>(name: &str) -> HarnessError {
    HarnessError::UnknownContainer(UnknownName::new(
        name,
        C::meta().containers.iter().map(|c| c.name.as_ref()),
    ))
}

fn unknown_endpoint<C: Charm>(name: &str) -> HarnessError {
    HarnessError::UnknownEndpoint(UnknownName::new(
        name,
        C::meta().relations.iter().map(|r| r.name.as_ref()),
    ))
}

fn unknown_storage<C: Charm>(name: &str) -> HarnessError {
    HarnessError::UnknownStorage(UnknownName::new(
        name,
        C::meta().storages.iter().map(|s| s.name.as_ref()),
    ))
}

impl HarnessError {
    /// The charm's failure, if that is what this is.
    pub fn charm_error(&self) -> Option<&CharmError> {
        match self {
            HarnessError::Charm(e) => Some(e),
            _ => None,
        }
    }
}

const PLAIN_HOOKS: &[&str] = &[
    "install",
    "start",
    "stop",
    "remove",
    "update-status",
    "config-changed",
    "upgrade-charm",
    "pre-series-upgrade",
    "post-series-upgrade",
    "leader-elected",
    "leader-settings-changed",
    "collect-metrics",
];

/// The imperative test harness. See the [module documentation](self).
///
/// # Examples
///
/// Each model change runs the hook Juju would run (`update_config` runs `config-changed`):
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
/// use ops_testing::Harness;
///
/// let mut h = Harness::<Greeter>::new();
/// h.begin()?;
/// h.update_config([("name", "world")])?;
/// assert_eq!(h.unit_status(), Status::active("hello, world"));
/// assert_eq!(h.charm()?.greetings, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Harness<C: Charm> {
    sim: Rc<SimJuju>,
    store: SharedStore,
    begun: bool,
    hooks_enabled: bool,
    next_relation_id: i64,
    next_storage_index: u32,
    next_secret: u64,
    tmp: Option<tempfile::TempDir>,
    reports: Vec<HookReport>,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> std::fmt::Debug for Harness<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("charm", &C::TYPE_NAME)
            .field("begun", &self.begun)
            .field("hooks_enabled", &self.hooks_enabled)
            .finish_non_exhaustive()
    }
}

impl<C: Charm> Default for Harness<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Charm> Harness<C> {
    /// A harness for unit `<charm name>/0`, with ops' defaults: not leader, unit status
    /// `maintenance` with no message, application status `unknown`, no model name, hooks enabled,
    /// no container reachable (see [`Harness::set_can_connect`]).
    pub fn new() -> Self {
        let meta = C::meta();
        let mut state = JujuState::new(meta, format!("{}/0", meta.name));
        state.model_name = None;
        state.unit_status = StatusRecord::new("maintenance", "");
        // As ops' Harness: no container is reachable until `set_can_connect`,
        // `container_pebble_ready` or `begin_with_initial_hooks`.
        for c in state.containers.values_mut() {
            c.can_connect = false;
        }
        Harness {
            sim: Rc::new(SimJuju::new(meta, state)),
            store: SharedStore::new(),
            begun: false,
            hooks_enabled: true,
            next_relation_id: 0,
            next_storage_index: 0,
            next_secret: 0,
            tmp: None,
            reports: Vec::new(),
            _charm: PhantomData,
        }
    }

    // ---- plumbing ---------------------------------------------------------------------------

    /// The simulated Juju (its model, trace and logs).
    pub fn sim(&self) -> &SimJuju {
        &self.sim
    }

    /// Make hook tool calls fail or print chosen output from now on ([`ToolFault`]), so that
    /// the charm's error paths can be tested: the charm sees the typed error the production
    /// backend makes of that output. Faults limited with [`ToolFault::times`] go once used;
    /// [`Harness::clear_tool_faults`] removes the others.
    ///
    /// [`ToolFault`]: crate::sim::ToolFault
    /// [`ToolFault::times`]: crate::sim::ToolFault::times
    pub fn add_tool_fault(&mut self, fault: crate::sim::ToolFault) -> Result<(), HarnessError> {
        Ok(self.sim.add_fault(fault)?)
    }

    /// Remove every hook tool fault.
    pub fn clear_tool_faults(&mut self) {
        self.sim.clear_faults();
    }

    /// The model as the simulated Juju holds it.
    pub fn juju_state(&self) -> std::cell::Ref<'_, JujuState> {
        self.sim.state()
    }

    /// The unit's state database.
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    fn fires(&self) -> bool {
        self.begun && self.hooks_enabled
    }

    fn run(&mut self, event: SimEvent) -> Result<Option<ActionOutput>, HarnessError> {
        // As ops' Harness: statuses are collected only when the test asks (`evaluate_status`).
        self.run_with(event, ops_core::StatusEvaluation::Skip)
    }

    fn run_with(
        &mut self,
        event: SimEvent,
        evaluation: ops_core::StatusEvaluation,
    ) -> Result<Option<ActionOutput>, HarnessError> {
        let dispatched = self
            .sim
            .dispatch_with::<C>(&self.store, &event, evaluation)?;
        match dispatched.outcome {
            Ok(report) => {
                self.reports.push(report);
                Ok(dispatched.action)
            }
            Err(error) => Err(HarnessError::Charm(Box::new(CharmError {
                event: event.name,
                error,
                action: dispatched.action,
            }))),
        }
    }

    fn fire(&mut self, event: SimEvent) -> Result<(), HarnessError> {
        if self.fires() {
            self.run(event)?;
        }
        Ok(())
    }

    fn tmp_dir(&mut self) -> Result<PathBuf, HarnessError> {
        if self.tmp.is_none() {
            let dir = tempfile::Builder::new()
                .prefix("ops-testing-harness-")
                .tempdir()
                .map_err(|source| HarnessError::Io {
                    action: "create a temporary directory".into(),
                    source,
                })?;
            self.tmp = Some(dir);
        }
        Ok(self
            .tmp
            .as_ref()
            .map(|t| t.path().to_path_buf())
            .unwrap_or_default())
    }

    fn relation(&self, id: i64) -> Result<SimRelation, HarnessError> {
        self.sim
            .state()
            .relation(id)
            .cloned()
            .ok_or(HarnessError::RelationNotFound(id))
    }

    // ---- lifecycle --------------------------------------------------------------------------

    /// Start the charm: from now on, changes to the model run the hooks Juju would run.
    pub fn begin(&mut self) -> Result<(), HarnessError> {
        if self.begun {
            return Err(HarnessError::AlreadyBegun);
        }
        self.begun = true;
        Ok(())
    }

    /// Begin, then run the hooks Juju runs when a unit is deployed, in ops' order:
    /// `storage-attached` for each storage not attached yet, `install`, `relation-created` for each relation
    /// (adding the peer relations not added yet), `leader-elected` or `leader-settings-changed`,
    /// `config-changed`, `start`, `pebble-ready` per container; then for each relation
    /// `relation-changed` for the remote application's data if any, and `relation-joined` +
    /// `relation-changed` per remote unit (sorted). A unit status left at `maintenance` with no
    /// message becomes `unknown`, as the controller does.
    ///
    /// As in ops, [`Harness::disable_hooks`] silences only `storage-attached` and
    /// `relation-created` here: ops emits the other events directly.
    pub fn begin_with_initial_hooks(&mut self) -> Result<(), HarnessError> {
        self.begin()?;
        let meta = C::meta();
        let storages: Vec<SimStorage> = self.sim.state().storage.clone();
        // As ops: `attach_storage` on every storage, which fires only for one not yet attached
        // (and, like every `_emit_*` helper, only with hooks enabled); the other initial events
        // are emitted directly, hooks disabled or not.
        for s in storages.into_iter().filter(|s| !s.attached) {
            self.sim
                .state_mut()
                .storage
                .iter_mut()
                .filter(|x| x.id() == s.id())
                .for_each(|x| x.attached = true);
            self.fire(SimEvent::hook(format!("{}-storage-attached", s.name)).storage(s.id()))?;
        }
        self.run(SimEvent::hook("install"))?;
        let app = self.app_name();
        for endpoint in meta.relations.iter() {
            let ids = self.relation_ids(&endpoint.name);
            if endpoint.role.is_peer() && ids.is_empty() {
                self.add_relation(&endpoint.name, &app)?;
                continue;
            }
            for id in ids {
                self.fire(
                    SimEvent::hook(format!("{}-relation-created", endpoint.name)).relation(id),
                )?;
            }
        }
        let leader = self.sim.state().leader;
        self.run(SimEvent::hook(if leader {
            "leader-elected"
        } else {
            "leader-settings-changed"
        }))?;
        self.run(SimEvent::hook("config-changed"))?;
        self.run(SimEvent::hook("start"))?;
        for container in meta.containers.iter() {
            if let Some(c) = self
                .sim
                .state_mut()
                .containers
                .get_mut(container.name.as_ref())
            {
                c.can_connect = true;
            }
            self.sim.sync_workloads()?;
            self.run(
                SimEvent::hook(format!("{}-pebble-ready", container.name))
                    .workload(container.name.to_string()),
            )?;
        }
        {
            let mut state = self.sim.state_mut();
            if state.unit_status == StatusRecord::new("maintenance", "") {
                state.unit_status = StatusRecord::unknown();
            }
        }
        let mut relations: Vec<SimRelation> = self.sim.state().relations.clone();
        relations.sort_by_key(|r| r.id);
        for rel in relations {
            let hook = |kind: &str| format!("{}-relation-{kind}", rel.endpoint);
            if !rel.remote_app_data.is_empty() {
                self.run(SimEvent::hook(hook("changed")).relation(rel.id))?;
            }
            for unit in rel.remote_units.keys() {
                self.run(
                    SimEvent::hook(hook("joined"))
                        .relation(rel.id)
                        .remote_unit(unit.clone()),
                )?;
                self.run(
                    SimEvent::hook(hook("changed"))
                        .relation(rel.id)
                        .remote_unit(unit.clone()),
                )?;
            }
        }
        Ok(())
    }

    /// What the unit's state holds under `key`: in the in-memory database, or on the
    /// controller for a charm that keeps its state there (`#[charm(storage = "controller")]`).
    fn stored_entry(&self, key: &str) -> Result<Option<Vec<u8>>, HarnessError> {
        if self.sim.uses_controller_storage::<C>() {
            return Ok(self.sim.controller_entries()?.remove(key));
        }
        Ok(self.store.get(key))
    }

    /// The charm as the last successful hook committed it (its stored state), read from where
    /// the charm keeps it: the unit's database, or the controller (`state-get`).
    pub fn charm(&self) -> Result<C, HarnessError> {
        if !self.begun {
            return Err(HarnessError::NotBegun);
        }
        Ok(C::from_stored(self.stored_entry(C::KEY)?.as_deref())?)
    }

    /// Run `f` over the charm (its stored state as the last successful hook committed it) and a
    /// [`Context`](ops_core::Context) on the model, outside any event: what ops' tests do with
    /// `harness.charm` and `harness.model` between events.
    ///
    /// Reads are served by the simulated Juju, in a hook context like `update-status`'s (no
    /// relation, remote unit or action). Writes are those of a hook: `status-set` and the like
    /// are kept at once, relation data, ports or secrets when `f` returns (buffered relation data
    /// is written then, as the dispatcher does when a handler returns); what `f` changes in the
    /// charm's stored state is saved where the charm keeps it. Deferred events are not re-emitted
    /// and nothing else runs. If `f` panics, its pending writes are dropped as a failed hook's,
    /// and the panic comes back as [`HarnessError::Panicked`].
    pub fn with_charm<T>(
        &mut self,
        f: impl FnOnce(&mut C, &mut ops_core::Context<C>) -> T,
    ) -> Result<T, HarnessError> {
        let mut charm = self.charm()?;
        let before = charm.to_stored()?;
        let env = self.sim.begin(&SimEvent::hook("update-status"))?;
        let env = match ops_core::env::JujuContext::from_owned_vars(env) {
            Ok(env) => env,
            Err(e) => {
                self.sim.finish(1);
                return Err(SimError::Environment(e.to_string()).into());
            }
        };
        let runner: Rc<dyn ops_core::hooktools::ToolRunner> = self.sim.clone();
        let model = ops_core::model::Model::new(C::meta(), &env, runner);
        let mut ctx = ops_core::Context::<C>::new(model);
        let out =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut charm, &mut ctx)));
        let out = match out {
            Ok(out) => out,
            Err(panic) => {
                self.sim.finish(1);
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(a non-string payload)".to_string());
                return Err(HarnessError::Panicked(message));
            }
        };
        if let Err(e) = ctx.model().flush() {
            self.sim.finish(1);
            return Err(ops_core::model::ModelError::from(e).into());
        }
        self.sim.finish(0);
        let after = charm.to_stored()?;
        if after != before {
            if self.sim.uses_controller_storage::<C>() {
                let mut entries = self.sim.controller_entries()?;
                entries.insert(C::KEY.to_string(), after);
                self.sim.set_controller_entries(&entries)?;
            } else {
                let changes = ops_core::storage::Changes::from([(C::KEY.to_string(), Some(after))]);
                ops_core::storage::Store::commit(&mut self.store.clone(), &changes)
                    .map_err(|e| SimError::Store(e.to_string()))?;
            }
        }
        Ok(out)
    }

    /// The deferred events waiting in the unit's state (database or controller).
    pub fn deferred(&self) -> Vec<Notice> {
        self.stored_entry(NOTICES_KEY)
            .ok()
            .flatten()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// The unit's state as the controller keeps it (`state-set`), raw: only a charm using
    /// controller storage writes there.
    pub fn controller_state(&self) -> BTreeMap<String, String> {
        self.sim.state().controller_state.clone()
    }

    /// Run hook `hook` (Juju's name, e.g. `update-status`), one that takes no arguments.
    pub fn emit_hook(&mut self, hook: &str) -> Result<(), HarnessError> {
        if !PLAIN_HOOKS.contains(&hook) {
            return Err(HarnessError::UnknownHook(hook.to_string()));
        }
        if !self.begun {
            return Err(HarnessError::NotBegun);
        }
        self.fire(SimEvent::hook(hook))
    }

    /// Simulate a Juju whose `relation-ids` still lists a relation during its own
    /// `relation-broken` hook, as Juju before 3.x does (the charm must not see it either way).
    pub fn set_broken_relations_listed(&mut self, listed: bool) {
        self.sim.state_mut().lists_broken_relations = listed;
    }

    /// How many reboots the charm asked for (`Unit::reboot`, with or without `now`; ops:
    /// `Harness.reboot_count`).
    pub fn reboot_count(&self) -> usize {
        self.sim
            .trace()
            .iter()
            .filter(|c| c.exit == 0 && c.argv.first().is_some_and(|t| t == "juju-reboot"))
            .count()
    }

    /// Let the charm read `spec` with `credential-get` (`Model::get_cloud_spec`), as a trusted
    /// application does (ops: `Harness.set_cloud_spec`).
    pub fn set_cloud_spec(
        &mut self,
        spec: &ops_core::hooktools::CloudSpec,
    ) -> Result<(), HarnessError> {
        let value = serde_json::to_value(spec).map_err(|e| HarnessError::Io {
            action: "encode the cloud spec".into(),
            source: std::io::Error::other(e),
        })?;
        self.sim.state_mut().credential = Some(value);
        Ok(())
    }

    /// Make relation `id` a cross-model relation with a remote model `uuid`
    /// (`relation-model-get`; by default the remote application is in this model).
    pub fn set_relation_remote_model(
        &mut self,
        id: i64,
        uuid: impl Into<String>,
    ) -> Result<(), HarnessError> {
        self.relation(id)?;
        self.sim.state_mut().remote_models.insert(id, uuid.into());
        Ok(())
    }

    /// Run the collect-status events and set the statuses they collected, as the end of every
    /// hook does in production (ops: `Harness.evaluate_status`): on the leader
    /// `collect_app_status` then the application status, then `collect_unit_status` and the unit
    /// status. Hooks the Harness runs do not evaluate statuses by themselves (as in ops'
    /// Harness; [`Context::run`](crate::Context::run) does, as in production).
    ///
    /// It runs as a hook of its own, `collect-status` in the tool-call trace: no deferred event
    /// is re-emitted and no Juju event emitted; stored state the handlers change is committed.
    pub fn evaluate_status(&mut self) -> Result<(), HarnessError> {
        if !self.begun {
            return Err(HarnessError::NotBegun);
        }
        self.run_with(
            SimEvent::hook("collect-status"),
            ops_core::StatusEvaluation::Only,
        )?;
        Ok(())
    }

    /// Stop running hooks for model changes (ops: `disable_hooks`).
    pub fn disable_hooks(&mut self) {
        self.hooks_enabled = false;
    }

    /// Run hooks for model changes again.
    pub fn enable_hooks(&mut self) {
        self.hooks_enabled = true;
    }

    /// Whether hooks run for model changes.
    pub fn hooks_enabled(&self) -> bool {
        self.hooks_enabled
    }

    /// Run `f` with hooks disabled, restoring the previous setting afterwards (ops:
    /// `with harness.hooks_disabled()`).
    pub fn with_hooks_disabled<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let was = self.hooks_enabled;
        self.hooks_enabled = false;
        let out = f(self);
        self.hooks_enabled = was;
        out
    }

    // ---- identity and model -----------------------------------------------------------------

    /// The unit's name.
    pub fn unit_name(&self) -> String {
        self.sim.state().unit.clone()
    }

    /// The application's name.
    pub fn app_name(&self) -> String {
        self.sim.state().app().to_string()
    }

    /// Set the model's name (before [`Harness::begin`]).
    pub fn set_model_name(&mut self, name: impl Into<String>) -> Result<(), HarnessError> {
        if self.begun {
            return Err(HarnessError::AlreadyBegun);
        }
        self.sim.state_mut().model_name = Some(name.into());
        Ok(())
    }

    /// Set the model's UUID (before [`Harness::begin`]).
    pub fn set_model_uuid(&mut self, uuid: impl Into<String>) -> Result<(), HarnessError> {
        if self.begun {
            return Err(HarnessError::AlreadyBegun);
        }
        self.sim.state_mut().model_uuid = uuid.into();
        Ok(())
    }

    /// Set the model's name and UUID (before [`Harness::begin`]).
    pub fn set_model_info(
        &mut self,
        name: impl Into<String>,
        uuid: impl Into<String>,
    ) -> Result<(), HarnessError> {
        self.set_model_name(name)?;
        self.set_model_uuid(uuid)
    }

    /// Set the Juju version hooks see (before [`Harness::begin`]).
    pub fn set_juju_version(&mut self, version: impl Into<String>) -> Result<(), HarnessError> {
        if self.begun {
            return Err(HarnessError::AlreadyBegun);
        }
        self.sim.state_mut().juju_version = version.into();
        Ok(())
    }

    /// Make the unit leader or not; becoming leader runs `leader-elected`.
    pub fn set_leader(&mut self, leader: bool) -> Result<(), HarnessError> {
        let was = std::mem::replace(&mut self.sim.state_mut().leader, leader);
        if leader && !was {
            self.fire(SimEvent::hook("leader-elected"))?;
        }
        Ok(())
    }

    /// Set how many units Juju plans for the application.
    pub fn set_planned_units(&mut self, units: u32) {
        self.sim.state_mut().planned_units = Some(units);
    }

    /// Back to the default planned units: this unit plus its peers.
    pub fn reset_planned_units(&mut self) {
        self.sim.state_mut().planned_units = None;
    }

    /// Set the network `network-get` reports for `binding` (an endpoint or extra binding).
    pub fn add_network(&mut self, binding: &str, network: &Network) -> Result<(), HarnessError> {
        if !known_bindings(C::meta()).iter().any(|b| b == binding) {
            return Err(HarnessError::UnknownBinding(binding.to_string()));
        }
        self.sim
            .state_mut()
            .networks
            .insert(binding.to_string(), network.to_json());
        Ok(())
    }

    /// Set whether the charm can reach container `name`'s Pebble: when it cannot, the fake
    /// Pebble's socket is moved aside and every call fails as on a real unit whose workload is
    /// not up (`can_connect()` is false).
    pub fn set_can_connect(&mut self, name: &str, can: bool) -> Result<(), HarnessError> {
        {
            let mut state = self.sim.state_mut();
            let c = state
                .containers
                .get_mut(name)
                .ok_or_else(|| unknown_container::<C>(name))?;
            c.can_connect = can;
        }
        self.sim.sync_workloads()?;
        Ok(())
    }

    /// [`Harness::set_can_connect`] for container `W` (a type of the charm module's
    /// `containers`).
    pub fn set_can_connect_of<W: ContainerEndpoint>(
        &mut self,
        can: bool,
    ) -> Result<(), HarnessError> {
        self.set_can_connect(W::NAME, can)
    }

    /// Whether the charm can reach container `name`'s Pebble.
    pub fn can_connect(&self, name: &str) -> Result<bool, HarnessError> {
        self.sim
            .state()
            .containers
            .get(name)
            .map(|c| c.can_connect)
            .ok_or_else(|| unknown_container::<C>(name))
    }

    // ---- containers and Pebble ---------------------------------------------------------------

    /// The fake Pebble of container `name` (a real server on a Unix socket of this harness):
    /// its state, recorded requests, exec rules, fault injection.
    pub fn pebble(&self, name: &str) -> Result<&FakePebble, HarnessError> {
        if C::meta().container(name).is_none() {
            return Err(unknown_container::<C>(name));
        }
        self.sim
            .workloads()?
            .get(name)
            .ok_or_else(|| unknown_container::<C>(name))
    }

    /// Make container `name` reachable and run `<name>-pebble-ready` (once begun; it runs even
    /// with hooks disabled, as ops emits it directly).
    pub fn container_pebble_ready(&mut self, name: &str) -> Result<(), HarnessError> {
        if !self.begun {
            return Err(HarnessError::NotBegun);
        }
        self.set_can_connect(name, true)?;
        self.run(SimEvent::hook(format!("{name}-pebble-ready")).workload(name))?;
        Ok(())
    }

    /// Record an occurrence of custom notice `key` (`example.com/path`) in container `name`'s
    /// Pebble, with `data` as its last data, as a workload's `pebble notify` does; then, once
    /// begun, run `<name>-pebble-custom-notice` if the notice is new or repeated (ops 3's
    /// `Harness.pebble_notify(container, key, data=..., repeat_after=...)`; it runs even with
    /// hooks disabled, as ops emits it directly). The charm reads the notice with
    /// `Container::get_notice` / `get_notices`. Returns the notice's id.
    ///
    /// `repeat_after`: an existing notice repeats (and the event runs) only when it is `None` or
    /// zero, since the fake Pebble's clock stands still. Errors: a container the charm does not
    /// declare, one whose Pebble cannot be reached (no workload can notify it then), a key
    /// Pebble refuses.
    pub fn pebble_notify<K: Into<String>, V: Into<String>>(
        &mut self,
        name: &str,
        key: &str,
        data: impl IntoIterator<Item = (K, V)>,
        repeat_after: Option<std::time::Duration>,
    ) -> Result<String, HarnessError> {
        let data: BTreeMap<String, String> = data
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self.require_reachable(name)?;
        let repeat_after = repeat_after
            .map(|d| format!("{}ns", d.as_nanos()))
            .unwrap_or_default();
        let (id, new_or_repeated) = self
            .pebble(name)?
            .notify("custom", key, &repeat_after, data)
            .map_err(|why| HarnessError::Pebble {
                container: name.to_string(),
                why,
            })?;
        if self.begun && new_or_repeated {
            self.run(
                SimEvent::hook(format!("{name}-pebble-custom-notice"))
                    .workload(name)
                    .notice(id.clone(), "custom", key),
            )?;
        }
        Ok(id)
    }

    /// Make health check `check` of container `name` fail (its status becomes `down`) and run
    /// `<name>-pebble-check-failed`, as Juju does when the check reaches its failure threshold
    /// (ops 3's Harness reaches it through `pebble_notify` of a `change-update` notice; Scenario
    /// through `ctx.on.pebble_check_failed`). The check must be in the container's plan.
    pub fn pebble_check_failed(&mut self, name: &str, check: &str) -> Result<(), HarnessError> {
        self.check_event(name, check, "down", "failed")
    }

    /// Make health check `check` of container `name` pass again (status `up`) and run
    /// `<name>-pebble-check-recovered`.
    pub fn pebble_check_recovered(&mut self, name: &str, check: &str) -> Result<(), HarnessError> {
        self.check_event(name, check, "up", "recovered")
    }

    fn check_event(
        &mut self,
        name: &str,
        check: &str,
        status: &str,
        what: &str,
    ) -> Result<(), HarnessError> {
        if !self.begun {
            return Err(HarnessError::NotBegun);
        }
        self.require_reachable(name)?;
        let pebble = self.pebble(name)?;
        let planned: Vec<String> = pebble.plan().checks.keys().cloned().collect();
        if !planned.iter().any(|c| c == check) {
            return Err(HarnessError::Pebble {
                container: name.to_string(),
                why: format!(
                    "check `{check}` is not in the plan (checks: {}){}",
                    if planned.is_empty() {
                        "none".to_string()
                    } else {
                        planned.join(", ")
                    },
                    crate::error::did_you_mean(check, planned.iter().map(String::as_str))
                ),
            });
        }
        pebble.set_check_status(check, status);
        self.run(
            SimEvent::hook(format!("{name}-pebble-check-{what}"))
                .workload(name)
                .check(check),
        )?;
        Ok(())
    }

    fn require_reachable(&self, name: &str) -> Result<(), HarnessError> {
        if !self.can_connect(name)? {
            return Err(HarnessError::Pebble {
                container: name.to_string(),
                why: "its Pebble cannot be reached (set_can_connect)".to_string(),
            });
        }
        Ok(())
    }

    /// Emit the charm's custom event `event` (`#[derive(CustomEvent)]`) from outside, as a
    /// library would: a hook with no Juju event in which `event` goes to its observers (and the
    /// deferred events are re-emitted first, as in every hook). Scenario's `ctx.on.custom`; in
    /// ops' Harness, `harness.charm.on.<event>.emit(...)`. It runs even with hooks disabled,
    /// as ops emits it directly. An event no handler observes is an error.
    pub fn emit_custom<E: ops_core::events::CustomEventData>(
        &mut self,
        event: &E,
    ) -> Result<(), HarnessError> {
        if !self.begun {
            return Err(HarnessError::NotBegun);
        }
        if !C::HANDLERS.iter().any(|h| h.event == E::NAME) {
            return Err(HarnessError::UnobservedCustomEvent(E::NAME.to_string()));
        }
        let mut snapshot = ops_core::events::EventSnapshot::new(E::NAME, EventKind::Custom);
        snapshot.custom = Some(
            serde_json::to_value(event)
                .map_err(|e| HarnessError::CustomEncoding(format!("{}: {e}", E::NAME)))?,
        );
        self.run(SimEvent::custom(snapshot))?;
        Ok(())
    }

    /// [`Harness::container_pebble_ready`] for container `W`.
    pub fn container_pebble_ready_of<W: ContainerEndpoint>(&mut self) -> Result<(), HarnessError> {
        self.container_pebble_ready(W::NAME)
    }

    /// The plan of container `name`: every layer the charm added, combined.
    pub fn get_container_pebble_plan(&self, name: &str) -> Result<Plan, HarnessError> {
        Ok(self.pebble(name)?.plan())
    }

    /// The layers of container `name`, in order, by label (as added, combined by label).
    pub fn get_container_layers(&self, name: &str) -> Result<Vec<(String, Layer)>, HarnessError> {
        Ok(self
            .pebble(name)?
            .state()
            .layers
            .iter()
            .map(|l| (l.label.clone(), crate::state::layer_of(&l.layer)))
            .collect())
    }

    /// The host directory standing for container `name`'s `/` (ops:
    /// `get_filesystem_root`): write there what the image ships, read there what the charm
    /// pushed. Storage mounted into the container shows at its mount location.
    pub fn get_filesystem_root(&self, name: &str) -> Result<PathBuf, HarnessError> {
        Ok(self.pebble(name)?.fs_root().to_path_buf())
    }

    /// Write file `path` of container `name` (parents created), as the image would ship it.
    pub fn push_container_file(
        &mut self,
        name: &str,
        path: &str,
        content: impl AsRef<[u8]>,
    ) -> Result<(), HarnessError> {
        self.pebble(name)?
            .push_file(path, content.as_ref())
            .map_err(|source| HarnessError::Io {
                action: format!("write {path} in container {name}"),
                source,
            })
    }

    /// The content of file `path` of container `name`.
    pub fn pull_container_file(&self, name: &str, path: &str) -> Result<Vec<u8>, HarnessError> {
        self.pebble(name)?
            .read_file(path)
            .map_err(|source| HarnessError::Io {
                action: format!("read {path} in container {name}"),
                source,
            })
    }

    /// Answer commands run in container `name` that start with `prefix` (the longest prefix
    /// wins) with `exit`, `stdout` and `stderr`; a command no rule matches is refused as Pebble
    /// refuses a missing executable (an API error, 400 `cannot find executable "cmd"`). See
    /// [`ExecRule`] for rules that echo stdin or take time.
    pub fn handle_exec(
        &mut self,
        name: &str,
        prefix: &[&str],
        exit: i64,
        stdout: &str,
        stderr: &str,
    ) -> Result<(), HarnessError> {
        self.pebble(name)?
            .add_exec_rule(ExecRule::new(prefix, exit, stdout, stderr));
        Ok(())
    }

    /// The commands the charm ran in container `name`, oldest first.
    pub fn exec_calls(&self, name: &str) -> Result<Vec<ExecCall>, HarnessError> {
        Ok(self.pebble(name)?.state().exec_call_list())
    }

    /// The current status of service `service` of container `name` (`None`: no such service
    /// in the plan, nor set with [`Harness::set_service_status`]).
    pub fn service_status(
        &self,
        name: &str,
        service: &str,
    ) -> Result<Option<ServiceStatus>, HarnessError> {
        Ok(self
            .pebble(name)?
            .state()
            .services
            .get(service)
            .map(|s| ServiceStatus::from(s.current.as_str())))
    }

    /// Every service of container `name`: (startup, current) as Pebble reports them.
    pub fn services(&self, name: &str) -> Result<BTreeMap<String, ServiceRecord>, HarnessError> {
        Ok(self.pebble(name)?.state().services)
    }

    /// Change service `service` of container `name` by itself (it crashed: `Inactive`, or came
    /// back: `Active`), without a hook.
    pub fn set_service_status(
        &mut self,
        name: &str,
        service: &str,
        status: ServiceStatus,
    ) -> Result<(), HarnessError> {
        self.pebble(name)?
            .set_service_status(service, status.as_str());
        Ok(())
    }

    // ---- config -----------------------------------------------------------------------------

    /// The config as `config-get` reports it (defaults included; unset options without a
    /// default left out).
    pub fn config(&self) -> BTreeMap<String, Value> {
        self.sim
            .state()
            .effective_config(C::meta())
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .collect()
    }

    /// Set config options, checked against the charm's options (unknown option, wrong type:
    /// [`ConfigError`]), and run `config-changed`.
    ///
    /// Types are checked as Juju checks them, so an integer is a valid `float` value: ops 2.1.1's
    /// Harness refuses `2` for a float option (an exact Python type check) although Juju accepts
    /// it, which would fail a test over a value a deployment takes.
    pub fn update_config<K: AsRef<str>, V: Into<Value>>(
        &mut self,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), HarnessError> {
        let values: Vec<(String, Value)> = values
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.into()))
            .collect();
        for (k, v) in &values {
            check_config(C::meta(), k, v)?;
        }
        self.sim.state_mut().config.extend(values);
        self.fire(SimEvent::hook("config-changed"))
    }

    /// Set some config options and reset others to their defaults in one change, then run a
    /// single `config-changed` (ops' `update_config(key_values, unset)`). Every key is checked
    /// first: on an error nothing changes. A key both set and unset ends up unset, as in ops.
    pub fn update_config_and_unset<K: AsRef<str>, V: Into<Value>, U: AsRef<str>>(
        &mut self,
        values: impl IntoIterator<Item = (K, V)>,
        unset: impl IntoIterator<Item = U>,
    ) -> Result<(), HarnessError> {
        let values: Vec<(String, Value)> = values
            .into_iter()
            .map(|(k, v)| (k.as_ref().to_string(), v.into()))
            .collect();
        let unset: Vec<String> = unset.into_iter().map(|k| k.as_ref().to_string()).collect();
        for (k, v) in &values {
            check_config(C::meta(), k, v)?;
        }
        for k in &unset {
            if C::meta().config_option(k).is_none() {
                return Err(ConfigError::unknown_key(C::meta(), k).into());
            }
        }
        {
            let mut state = self.sim.state_mut();
            state.config.extend(values);
            for k in &unset {
                state.config.remove(k);
            }
        }
        self.fire(SimEvent::hook("config-changed"))
    }

    /// Reset config options to their defaults and run `config-changed`.
    pub fn unset_config<K: AsRef<str>>(
        &mut self,
        keys: impl IntoIterator<Item = K>,
    ) -> Result<(), HarnessError> {
        let keys: Vec<String> = keys.into_iter().map(|k| k.as_ref().to_string()).collect();
        for k in &keys {
            if C::meta().config_option(k).is_none() {
                return Err(ConfigError::unknown_key(C::meta(), k).into());
            }
        }
        {
            let mut state = self.sim.state_mut();
            for k in &keys {
                state.config.remove(k);
            }
        }
        self.fire(SimEvent::hook("config-changed"))
    }

    /// Change the typed config (`|c: &mut my_charm::Config| c.port = 80`) and run
    /// `config-changed`.
    pub fn update_config_with(
        &mut self,
        change: impl FnOnce(&mut C::Config),
    ) -> Result<(), HarnessError>
    where
        C::Config: serde::Serialize,
    {
        let current: Map<String, Value> = self.config().into_iter().collect();
        let mut typed: C::Config = serde_json::from_value(Value::Object(current.clone()))
            .map_err(|e| ConfigError::Typed(e.to_string()))?;
        change(&mut typed);
        let new = match serde_json::to_value(&typed) {
            Ok(Value::Object(m)) => m,
            Ok(other) => return Err(ConfigError::Typed(format!("not a map: {other}")).into()),
            Err(e) => return Err(ConfigError::Typed(e.to_string()).into()),
        };
        {
            let mut state = self.sim.state_mut();
            for (k, v) in new {
                if v.is_null() {
                    state.config.remove(&k);
                } else if current.get(&k) != Some(&v) {
                    state.config.insert(k, v);
                }
            }
        }
        self.fire(SimEvent::hook("config-changed"))
    }

    // ---- relations --------------------------------------------------------------------------

    /// The ids of the relations on `endpoint`.
    pub fn relation_ids(&self, endpoint: &str) -> Vec<i64> {
        self.sim
            .state()
            .relations
            .iter()
            .filter(|r| r.endpoint == endpoint && !r.broken)
            .map(|r| r.id)
            .collect()
    }

    /// Relate `endpoint` to application `remote_app` (for a peer endpoint: this application)
    /// and run `relation-created`. Returns the relation id (from 0, as ops).
    pub fn add_relation(&mut self, endpoint: &str, remote_app: &str) -> Result<i64, HarnessError> {
        let meta = C::meta();
        let m = meta
            .relation(endpoint)
            .ok_or_else(|| unknown_endpoint::<C>(endpoint))?;
        let app = self.app_name();
        if !crate::sim::is_valid_app_name(remote_app) {
            return Err(HarnessError::InvalidName {
                what: "application",
                name: remote_app.to_string(),
                why: "not a valid Juju application name".into(),
            });
        }
        if m.role.is_peer() && remote_app != app {
            return Err(HarnessError::InvalidName {
                what: "application",
                name: remote_app.to_string(),
                why: format!("`{endpoint}` is a peer endpoint: it relates `{app}` to itself"),
            });
        }
        if !m.role.is_peer() && remote_app == app {
            return Err(HarnessError::InvalidName {
                what: "application",
                name: remote_app.to_string(),
                why: "an application relates to itself only on peer endpoints".into(),
            });
        }
        let id = self.next_relation_id;
        self.next_relation_id += 1;
        self.sim.state_mut().relations.push(SimRelation {
            id,
            endpoint: endpoint.to_string(),
            interface: m.interface.to_string(),
            role: m.role,
            remote_app: remote_app.to_string(),
            local_unit_data: Databag::new(),
            local_app_data: Databag::new(),
            remote_app_data: Databag::new(),
            remote_units: BTreeMap::new(),
            departed_units: BTreeMap::new(),
            broken: false,
        });
        self.fire(SimEvent::hook(format!("{endpoint}-relation-created")).relation(id))?;
        Ok(id)
    }

    /// [`Harness::add_relation`] on endpoint `E`.
    pub fn add_relation_of<E: RelationEndpoint>(
        &mut self,
        remote_app: &str,
    ) -> Result<i64, HarnessError> {
        self.add_relation(E::NAME, remote_app)
    }

    /// Remove relation `id`: each remote unit departs (`relation-departed`), then
    /// `relation-broken` runs; its data and the secret grants on it are gone.
    pub fn remove_relation(&mut self, id: i64) -> Result<(), HarnessError> {
        self.remove_relation_as(id, false)
    }

    /// As [`Harness::remove_relation`], with Juju not naming the remote application in
    /// `relation-broken` (`JUJU_REMOTE_APP` empty, as when it is already gone): the charm's
    /// `relation.app()` is `None`.
    pub fn remove_relation_without_remote_app(&mut self, id: i64) -> Result<(), HarnessError> {
        self.remove_relation_as(id, true)
    }

    fn remove_relation_as(&mut self, id: i64, app_unknown: bool) -> Result<(), HarnessError> {
        let rel = self.relation(id)?;
        for unit in rel.remote_units.keys() {
            self.remove_relation_unit(id, unit)?;
        }
        if let Some(r) = self.sim.state_mut().relation_mut(id) {
            r.broken = true;
        }
        let mut broken = SimEvent::hook(format!("{}-relation-broken", rel.endpoint)).relation(id);
        broken.remote_app_unknown = app_unknown;
        self.fire(broken)?;
        let mut state = self.sim.state_mut();
        state.relations.retain(|r| r.id != id);
        for s in state.secrets.iter_mut() {
            s.grants.remove(&id);
        }
        Ok(())
    }

    /// Add remote unit `unit` to relation `id` (for a peer relation: another unit of this
    /// application) and run `relation-joined`.
    pub fn add_relation_unit(&mut self, id: i64, unit: &str) -> Result<(), HarnessError> {
        let rel = self.relation(id)?;
        let invalid = |why: String| HarnessError::InvalidName {
            what: "unit",
            name: unit.to_string(),
            why,
        };
        if !crate::sim::is_valid_unit_name(unit) {
            return Err(invalid("not a valid Juju unit name".into()));
        }
        if unit.split('/').next() != Some(rel.remote_app.as_str()) {
            return Err(invalid(format!(
                "relation {id} is with application `{}`",
                rel.remote_app
            )));
        }
        if unit == self.unit_name() {
            return Err(invalid("this is the unit under test".into()));
        }
        if let Some(r) = self.sim.state_mut().relation_mut(id) {
            r.departed_units.remove(unit);
            r.remote_units.entry(unit.to_string()).or_default();
        }
        self.fire(
            SimEvent::hook(format!("{}-relation-joined", rel.endpoint))
                .relation(id)
                .remote_unit(unit),
        )
    }

    /// Remove remote unit `unit` from relation `id`: it leaves the relation, `relation-departed`
    /// runs (the unit's data is still readable), then its data is gone.
    pub fn remove_relation_unit(&mut self, id: i64, unit: &str) -> Result<(), HarnessError> {
        let rel = self.relation(id)?;
        if !rel.remote_units.contains_key(unit) {
            return Err(HarnessError::UnknownEntity {
                relation: id,
                name: unit.to_string(),
            });
        }
        if let Some(r) = self.sim.state_mut().relation_mut(id) {
            if let Some(data) = r.remote_units.remove(unit) {
                r.departed_units.insert(unit.to_string(), data);
            }
        }
        self.fire(
            SimEvent::hook(format!("{}-relation-departed", rel.endpoint))
                .relation(id)
                .remote_unit(unit)
                .departing_unit(unit),
        )?;
        if let Some(r) = self.sim.state_mut().relation_mut(id) {
            r.departed_units.remove(unit);
        }
        Ok(())
    }

    fn bag_mut<'a>(
        state: &'a mut JujuState,
        id: i64,
        name: &str,
    ) -> Result<&'a mut Databag, HarnessError> {
        let (unit, app) = (state.unit.clone(), state.app().to_string());
        let rel = state
            .relation_mut(id)
            .ok_or(HarnessError::RelationNotFound(id))?;
        if name == unit {
            return Ok(&mut rel.local_unit_data);
        }
        if name == app {
            return Ok(&mut rel.local_app_data);
        }
        if name == rel.remote_app {
            return Ok(&mut rel.remote_app_data);
        }
        rel.remote_units
            .get_mut(name)
            .ok_or_else(|| HarnessError::UnknownEntity {
                relation: id,
                name: name.to_string(),
            })
    }

    /// The databag of `app_or_unit` in relation `id`, bypassing access control (`None` when the
    /// unit or application is not in the relation).
    pub fn get_relation_data(
        &self,
        id: i64,
        app_or_unit: &str,
    ) -> Result<Option<Databag>, HarnessError> {
        let mut state = self.sim.state().clone();
        match Self::bag_mut(&mut state, id, app_or_unit) {
            Ok(bag) => Ok(Some(bag.clone())),
            Err(HarnessError::UnknownEntity { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Update the databag of `app_or_unit` in relation `id` (an empty value deletes a key), as
    /// the remote side would. `relation-changed` runs if something changed, except for this
    /// unit's databag, and for this application's only on a peer relation when not leader.
    pub fn update_relation_data<K: Into<String>, V: Into<String>>(
        &mut self,
        id: i64,
        app_or_unit: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), HarnessError> {
        let rel = self.relation(id)?;
        let (changed, leader, unit, app) = {
            let mut state = self.sim.state_mut();
            let leader = state.leader;
            let (unit, app) = (state.unit.clone(), state.app().to_string());
            let bag = Self::bag_mut(&mut state, id, app_or_unit)?;
            let before = bag.clone();
            for (k, v) in data {
                let (k, v): (String, String) = (k.into(), v.into());
                if v.is_empty() {
                    bag.remove(&k);
                } else {
                    bag.insert(k, v);
                }
            }
            (*bag != before, leader, unit, app)
        };
        // As ops: no event for this unit's own databag, nor for this application's, except on a
        // peer relation seen by a non-leader (the leader wrote it).
        let own_app_event = rel.role.is_peer() && !leader;
        if !changed || app_or_unit == unit || (app_or_unit == app && !own_app_event) {
            return Ok(());
        }
        let mut event = SimEvent::hook(format!("{}-relation-changed", rel.endpoint)).relation(id);
        if app_or_unit.contains('/') {
            event = event.remote_unit(app_or_unit);
        }
        self.fire(event)
    }

    // ---- storage ----------------------------------------------------------------------------

    /// Add `count` instances of storage `S` (a type of the charm module's `storages`), mounted
    /// in a temporary directory, and attach them if `attach` (running `storage-attached` once
    /// begun). Returns their ids.
    pub fn add_storage_of<S: StorageEndpoint>(
        &mut self,
        count: u32,
        attach: bool,
    ) -> Result<Vec<String>, HarnessError> {
        self.add_storage(S::NAME, count, attach)
    }

    /// Add `count` instances of storage `name` (prefer [`Harness::add_storage_of`], checked at
    /// compile time); see [`Harness::add_storage_of`].
    pub fn add_storage(
        &mut self,
        name: &str,
        count: u32,
        attach: bool,
    ) -> Result<Vec<String>, HarnessError> {
        let m = C::meta()
            .storage(name)
            .ok_or_else(|| unknown_storage::<C>(name))?;
        let kind = match m.kind {
            StorageType::Block => "block",
            StorageType::Filesystem => "filesystem",
        };
        let root = self.tmp_dir()?;
        let mut ids = Vec::new();
        for _ in 0..count {
            let index = self.next_storage_index;
            self.next_storage_index += 1;
            let location = root.join("storage").join(name).join(index.to_string());
            std::fs::create_dir_all(&location).map_err(|source| HarnessError::Io {
                action: format!("create {}", location.display()),
                source,
            })?;
            self.sim.state_mut().storage.push(SimStorage {
                name: name.to_string(),
                index,
                kind: kind.to_string(),
                location,
                attached: false,
            });
            ids.push(format!("{name}/{index}"));
        }
        if attach {
            for id in &ids {
                self.attach_storage(id)?;
            }
        }
        Ok(ids)
    }

    fn storage_record(&self, id: &str) -> Result<SimStorage, HarnessError> {
        self.sim
            .state()
            .storage(id)
            .cloned()
            .ok_or_else(|| HarnessError::StorageNotFound(id.to_string()))
    }

    /// Attach storage `id`; if it was detached, `storage-attached` runs (once begun).
    pub fn attach_storage(&mut self, id: &str) -> Result<(), HarnessError> {
        let s = self.storage_record(id)?;
        if s.attached {
            return Ok(());
        }
        self.set_attached(id, true);
        self.fire(SimEvent::hook(format!("{}-storage-attached", s.name)).storage(id))
    }

    fn set_attached(&self, id: &str, attached: bool) {
        if let Some(s) = self
            .sim
            .state_mut()
            .storage
            .iter_mut()
            .find(|s| s.id() == id)
        {
            s.attached = attached;
        }
        // Mount it into (or out of) the containers now, for the test to see.
        let _ = self.sim.sync_workloads();
    }

    /// Detach storage `id` (after [`Harness::begin`]): `storage-detaching` runs if it was
    /// attached; it stays known, to be attached again.
    pub fn detach_storage(&mut self, id: &str) -> Result<(), HarnessError> {
        if !self.begun {
            return Err(HarnessError::NotBegun);
        }
        let s = self.storage_record(id)?;
        if !s.attached {
            return Ok(());
        }
        self.fire(SimEvent::hook(format!("{}-storage-detaching", s.name)).storage(id))?;
        {
            let mut state = self.sim.state_mut();
            match state.storage.iter_mut().find(|x| x.id() == id) {
                Some(x) => x.attached = false,
                None => state.storage.push(SimStorage {
                    attached: false,
                    ..s
                }),
            }
        }
        self.sim.sync_workloads()?;
        Ok(())
    }

    /// Remove storage `id`: `storage-detaching` runs if it was attached (once begun).
    pub fn remove_storage(&mut self, id: &str) -> Result<(), HarnessError> {
        let s = self.storage_record(id)?;
        if s.attached {
            self.fire(SimEvent::hook(format!("{}-storage-detaching", s.name)).storage(id))?;
        }
        self.sim.state_mut().storage.retain(|x| x.id() != id);
        self.sim.sync_workloads()?;
        Ok(())
    }

    /// Storage requested by the charm (`storage-add`): (name, count).
    pub fn requested_storages(&self) -> Vec<(String, u32)> {
        self.sim.state().requested_storage.clone()
    }

    // ---- resources, pod spec, workload ------------------------------------------------------

    /// Provide file resource `name` with `content` (written to a temporary file named as the
    /// metadata's `filename`, else as the resource).
    pub fn add_resource(
        &mut self,
        name: &str,
        content: impl AsRef<[u8]>,
    ) -> Result<(), HarnessError> {
        let m = Self::resource_meta(name, ResourceType::File, "not a file resource")?;
        let filename = m.filename.as_deref().unwrap_or(name);
        self.write_resource(name, filename, content.as_ref())
    }

    /// The metadata of resource `name`, which must be of type `kind` (else `wrong_kind`).
    fn resource_meta(
        name: &str,
        kind: ResourceType,
        wrong_kind: &str,
    ) -> Result<&'static ops_core::meta::ResourceMeta, HarnessError> {
        let m = C::meta()
            .resource(name)
            .ok_or_else(|| HarnessError::Resource {
                name: name.to_string(),
                why: "not declared in the charm's metadata".into(),
            })?;
        if m.kind != kind {
            return Err(HarnessError::Resource {
                name: name.to_string(),
                why: wrong_kind.into(),
            });
        }
        Ok(m)
    }

    /// Write resource `name`'s file `filename` in the harness's temporary directory and tell
    /// the simulated Juju where it is.
    fn write_resource(
        &mut self,
        name: &str,
        filename: &str,
        content: &[u8],
    ) -> Result<(), HarnessError> {
        let dir = self.tmp_dir()?.join("resources").join(name);
        let path = dir.join(filename);
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, content))
            .map_err(|source| HarnessError::Io {
                action: format!("write {}", path.display()),
                source,
            })?;
        self.sim
            .state_mut()
            .resources
            .insert(name.to_string(), path);
        Ok(())
    }

    /// Provide OCI image resource `name`: a `contents.yaml` holding `contents` (default:
    /// `registrypath`, `username` and `password` set to their own names, as ops does).
    pub fn add_oci_resource(
        &mut self,
        name: &str,
        contents: Option<BTreeMap<String, String>>,
    ) -> Result<(), HarnessError> {
        Self::resource_meta(name, ResourceType::OciImage, "not an OCI image resource")?;
        let contents = contents.unwrap_or_else(|| {
            ["registrypath", "username", "password"]
                .into_iter()
                .map(|k| (k.to_string(), k.to_string()))
                .collect()
        });
        let yaml = serde_yaml::to_string(&contents).map_err(|e| HarnessError::Resource {
            name: name.to_string(),
            why: e.to_string(),
        })?;
        self.write_resource(name, "contents.yaml", yaml.as_bytes())
    }

    /// [`Harness::add_oci_resource`] with the default contents, for every OCI image resource.
    pub fn populate_oci_resources(&mut self) -> Result<(), HarnessError> {
        let names: Vec<String> = C::meta()
            .resources
            .iter()
            .filter(|r| r.kind == ResourceType::OciImage)
            .map(|r| r.name.to_string())
            .collect();
        for name in names {
            self.add_oci_resource(&name, None)?;
        }
        Ok(())
    }

    /// The pod spec and Kubernetes resources the charm set (`pod-spec-set`), parsed.
    pub fn get_pod_spec(&self) -> Option<(Value, Option<Value>)> {
        let state = self.sim.state();
        let spec = state.pod_spec.as_ref()?;
        let parse = |t: &str| serde_yaml::from_str::<Value>(t).ok();
        Some((
            parse(&spec.spec)?,
            spec.k8s_resources.as_deref().and_then(parse),
        ))
    }

    /// The workload version the charm set.
    pub fn get_workload_version(&self) -> String {
        self.sim.state().workload_version.clone()
    }

    /// The unit's status.
    pub fn unit_status(&self) -> Status {
        self.sim.state().unit_status.to_status()
    }

    /// The application's status.
    pub fn app_status(&self) -> Status {
        self.sim.state().app_status.to_status()
    }

    /// What the dispatcher reported for each hook that succeeded so far, oldest first (the
    /// event, how many handler calls ran, re-emitted deferred events included, and how many
    /// events are left deferred).
    pub fn hook_reports(&self) -> &[HookReport] {
        &self.reports
    }

    /// The status and workload version history so far.
    pub fn history(&self) -> History {
        self.sim.history()
    }

    /// The ports the unit opened.
    pub fn opened_ports(&self) -> Vec<Port> {
        self.sim
            .state()
            .opened_ports
            .iter()
            .filter_map(|p| Port::parse(p))
            .collect()
    }

    /// The `juju-log` records so far.
    pub fn juju_log(&self) -> Vec<LogRecord> {
        self.sim.logs()
    }

    /// The `juju-log` records so far, forgetting them.
    pub fn take_juju_log(&mut self) -> Vec<LogRecord> {
        self.sim.take_logs()
    }

    /// Every hook-tool call so far.
    pub fn tool_calls(&self) -> Vec<ToolCall> {
        self.sim.trace()
    }

    /// The metrics the charm added (`collect-metrics`).
    pub fn metrics(&self) -> Vec<MetricBatch> {
        self.sim.state().metrics.clone()
    }

    // ---- actions ----------------------------------------------------------------------------

    /// Run action `name` with `params` (a JSON object; the schema's defaults are added).
    ///
    /// `Ok` when the handler returned, with the action's `failure` set if it called `fail`;
    /// [`HarnessError::Charm`] (with the output so far) if the handler failed;
    /// [`HarnessError::Sim`] for an action the charm lacks or params its schema refuses.
    pub fn run_action(&mut self, name: &str, params: Value) -> Result<ActionOutput, HarnessError> {
        if !self.begun {
            return Err(HarnessError::NotBegun);
        }
        let params = match params {
            Value::Object(m) => m,
            Value::Null => Map::new(),
            other => {
                return Err(SimError::ActionParams {
                    action: name.to_string(),
                    message: format!("params must be a JSON object, got {other}"),
                }
                .into())
            }
        };
        let out = self.run(SimEvent::action(name, params))?;
        Ok(out.unwrap_or_default())
    }

    /// Run action `A` with its typed params.
    pub fn run_action_typed<A: ActionEndpoint>(
        &mut self,
        params: A::Params,
    ) -> Result<ActionOutput, HarnessError>
    where
        A::Params: serde::Serialize,
    {
        let params = params_json(&params).map_err(|message| SimError::ActionParams {
            action: A::NAME.to_string(),
            message,
        })?;
        self.run_action(A::NAME, Value::Object(params))
    }

    // ---- secrets ----------------------------------------------------------------------------

    fn secret_record(&self, id: &str) -> Result<SimSecret, HarnessError> {
        self.sim
            .state()
            .secret(id)
            .cloned()
            .ok_or_else(|| HarnessError::SecretNotFound(id.to_string()))
    }

    fn owned_by_charm(&self, s: &SimSecret) -> bool {
        self.sim.state().owns(s)
    }

    /// Add a secret owned by `owner` (an application or unit name) with `content`; returns its
    /// id. Grant it to the charm with [`Harness::grant_secret`].
    pub fn add_model_secret<K: Into<String>, V: Into<String>>(
        &mut self,
        owner: &str,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Result<String, HarnessError> {
        if !crate::sim::is_valid_app_name(owner) && !crate::sim::is_valid_unit_name(owner) {
            return Err(HarnessError::InvalidName {
                what: "application",
                name: owner.to_string(),
                why: "not a valid application or unit name".into(),
            });
        }
        let content: BTreeMap<String, String> = content
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        ops_core::hooktools::validate_secret_content(&content)
            .map_err(|e| HarnessError::SecretContent(e.to_string()))?;
        self.next_secret += 1;
        let id = make_secret_id(&format!("harness/{}/{}", owner, self.next_secret));
        self.sim.state_mut().secrets.push(SimSecret {
            id: id.clone(),
            owner: owner.to_string(),
            label: None,
            description: None,
            expire: None,
            rotate: None,
            revisions: vec![SecretRevision {
                revision: 1,
                content,
            }],
            grants: BTreeMap::new(),
            consumer_label: None,
            consumer_revision: None,
        });
        Ok(id)
    }

    /// Add a user secret (`juju add-secret`, Juju ≥ 3.3) with `content` as its first revision;
    /// returns its id (ops' `Harness.add_user_secret`). Its owner is the model. The charm reads it
    /// once it is granted to the application with [`Harness::grant_secret`] (`juju grant-secret`,
    /// no relation needed), usually after its id is given in a `type: secret` config option;
    /// [`Harness::set_secret_content`] adds a revision as `juju update-secret` does.
    pub fn add_user_secret<K: Into<String>, V: Into<String>>(
        &mut self,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Result<String, HarnessError> {
        let content: BTreeMap<String, String> = content
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        ops_core::hooktools::validate_secret_content(&content)
            .map_err(|e| HarnessError::SecretContent(e.to_string()))?;
        self.next_secret += 1;
        let model_uuid = self.sim.state().model_uuid.clone();
        let id = make_secret_id(&format!("harness/{model_uuid}/{}", self.next_secret));
        self.sim.state_mut().secrets.push(SimSecret {
            id: id.clone(),
            owner: model_uuid,
            label: None,
            description: None,
            expire: None,
            rotate: None,
            revisions: vec![SecretRevision {
                revision: 1,
                content,
            }],
            grants: BTreeMap::new(),
            consumer_label: None,
            consumer_revision: None,
        });
        Ok(id)
    }

    fn is_user_secret(&self, s: &SimSecret) -> bool {
        s.owner == self.sim.state().model_uuid
    }

    /// Give secret `id` (owned by another application) a new revision with `content`, and run
    /// `secret-changed` if the charm is granted the secret and tracks an older revision (as
    /// Juju: a consumer that never read it tracks the revision current at its grant, see
    /// [`Harness::grant_secret`]). The charm's `get_content()` keeps returning its tracked
    /// revision; `get_content(true)` (refresh) moves it to the latest; `peek_content()` reads
    /// the latest without moving.
    pub fn set_secret_content<K: Into<String>, V: Into<String>>(
        &mut self,
        id: &str,
        content: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), HarnessError> {
        let s = self.secret_record(id)?;
        if self.owned_by_charm(&s) {
            return Err(HarnessError::SecretOwnedByCharm(id.to_string()));
        }
        let content: BTreeMap<String, String> = content
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        ops_core::hooktools::validate_secret_content(&content)
            .map_err(|e| HarnessError::SecretContent(e.to_string()))?;
        let (app, unit) = (self.app_name(), self.unit_name());
        let behind = match self.sim.state_mut().secret_mut(id) {
            Some(t) => {
                let revision = t.latest_revision() + 1;
                t.revisions.push(SecretRevision { revision, content });
                // Juju tells only a consumer that can read the secret and tracks an older
                // revision (one that never read it tracks what it was granted).
                let granted = t.grants.values().flatten().any(|g| *g == app || *g == unit);
                granted && t.consumer_revision.is_some_and(|r| r < revision)
            }
            None => false,
        };
        if behind {
            self.fire(SimEvent::hook("secret-changed").secret(s.id))?;
        }
        Ok(())
    }

    fn relation_to_owner(&self, s: &SimSecret) -> Result<i64, HarnessError> {
        let owner_app = s.owner.split('/').next().unwrap_or(&s.owner).to_string();
        self.sim
            .state()
            .relations
            .iter()
            .find(|r| r.remote_app == owner_app)
            .map(|r| r.id)
            .ok_or_else(|| HarnessError::NoRelationToOwner {
                app: self.app_name(),
                owner: owner_app,
            })
    }

    /// Let `observer` (this application or unit) read secret `id`, owned by a related
    /// application, over the relation with its owner, or a user secret
    /// ([`Harness::add_user_secret`]), over no relation. The charm starts tracking the current
    /// revision (as in ops' Harness).
    pub fn grant_secret(&mut self, id: &str, observer: &str) -> Result<(), HarnessError> {
        let s = self.secret_record(id)?;
        if self.owned_by_charm(&s) {
            return Err(HarnessError::SecretOwnedByCharm(id.to_string()));
        }
        let rid = if self.is_user_secret(&s) {
            crate::sim::USER_SECRET_GRANT
        } else {
            self.relation_to_owner(&s)?
        };
        if let Some(t) = self.sim.state_mut().secret_mut(id) {
            let grants = t.grants.entry(rid).or_default();
            if !grants.iter().any(|g| g == observer) {
                grants.push(observer.to_string());
            }
            // As ops' Harness: the grant starts tracking the current revision.
            if t.consumer_revision.is_none() {
                t.consumer_revision = Some(t.latest_revision());
            }
        }
        Ok(())
    }

    /// Take `observer`'s access to secret `id` back (`juju revoke-secret` for a user secret).
    pub fn revoke_secret(&mut self, id: &str, observer: &str) -> Result<(), HarnessError> {
        let s = self.secret_record(id)?;
        if self.owned_by_charm(&s) {
            return Err(HarnessError::SecretOwnedByCharm(id.to_string()));
        }
        let rid = if self.is_user_secret(&s) {
            crate::sim::USER_SECRET_GRANT
        } else {
            self.relation_to_owner(&s)?
        };
        if let Some(t) = self.sim.state_mut().secret_mut(id) {
            if let Some(g) = t.grants.get_mut(&rid) {
                g.retain(|x| x != observer);
            }
            t.grants.retain(|_, g| !g.is_empty());
            if t.grants.is_empty() {
                t.consumer_revision = None;
            }
        }
        Ok(())
    }

    /// Who secret `id` is granted to on relation `relation_id`.
    pub fn get_secret_grants(
        &self,
        id: &str,
        relation_id: i64,
    ) -> Result<BTreeSet<String>, HarnessError> {
        let s = self.secret_record(id)?;
        Ok(s.grants
            .get(&relation_id)
            .map(|g| g.iter().cloned().collect())
            .unwrap_or_default())
    }

    /// The revisions of secret `id`.
    pub fn get_secret_revisions(&self, id: &str) -> Result<Vec<u64>, HarnessError> {
        Ok(self
            .secret_record(id)?
            .revisions
            .iter()
            .map(|r| r.revision)
            .collect())
    }

    /// The content of the latest revision of secret `id`.
    pub fn get_secret_content(&self, id: &str) -> Result<BTreeMap<String, String>, HarnessError> {
        let s = self.secret_record(id)?;
        Ok(s.content(s.latest_revision()).cloned().unwrap_or_default())
    }

    fn owner_event(
        &mut self,
        hook: &str,
        id: &str,
        revision: Option<u64>,
        label: Option<&str>,
    ) -> Result<(), HarnessError> {
        let s = self.secret_record(id)?;
        if !self.owned_by_charm(&s) {
            return Err(HarnessError::SecretNotOwned(id.to_string()));
        }
        let mut event = SimEvent::hook(hook).secret(s.id);
        if let Some(r) = revision {
            event = event.revision(r);
        }
        if let Some(label) = label {
            event = event.secret_label(label);
        }
        self.fire(event)
    }

    /// Run `secret-rotate` for secret `id`, which the charm owns.
    pub fn trigger_secret_rotation(&mut self, id: &str) -> Result<(), HarnessError> {
        self.owner_event("secret-rotate", id, None, None)
    }

    /// [`Harness::trigger_secret_rotation`] giving the charm `label` as the secret's label
    /// (ops: `trigger_secret_rotation(id, label=…)`).
    pub fn trigger_secret_rotation_labelled(
        &mut self,
        id: &str,
        label: &str,
    ) -> Result<(), HarnessError> {
        self.owner_event("secret-rotate", id, None, Some(label))
    }

    /// Run `secret-remove` for `revision` of secret `id`, which the charm owns.
    pub fn trigger_secret_removal(&mut self, id: &str, revision: u64) -> Result<(), HarnessError> {
        self.owner_event("secret-remove", id, Some(revision), None)
    }

    /// [`Harness::trigger_secret_removal`] giving the charm `label` as the secret's label.
    pub fn trigger_secret_removal_labelled(
        &mut self,
        id: &str,
        revision: u64,
        label: &str,
    ) -> Result<(), HarnessError> {
        self.owner_event("secret-remove", id, Some(revision), Some(label))
    }

    /// Run `secret-expired` for `revision` of secret `id`, which the charm owns.
    pub fn trigger_secret_expiration(
        &mut self,
        id: &str,
        revision: u64,
    ) -> Result<(), HarnessError> {
        self.owner_event("secret-expired", id, Some(revision), None)
    }

    /// [`Harness::trigger_secret_expiration`] giving the charm `label` as the secret's label.
    pub fn trigger_secret_expiration_labelled(
        &mut self,
        id: &str,
        revision: u64,
        label: &str,
    ) -> Result<(), HarnessError> {
        self.owner_event("secret-expired", id, Some(revision), Some(label))
    }

    /// The ids of the secrets the charm owns.
    pub fn owned_secrets(&self) -> Vec<String> {
        let state = self.sim.state();
        state
            .secrets
            .iter()
            .filter(|s| state.owns(s))
            .map(|s| s.id.clone())
            .collect()
    }
}
