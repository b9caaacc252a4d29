//! State-transition tests: [`Context::run`] one [`Event`] on a [`State`], get the new `State`.
//!
//! Each run is one hook of a fresh unit process, as in production: the input state becomes the
//! simulated Juju's model and the unit's database, the production dispatcher runs the event
//! (re-emitting deferred events first), and what Juju and the database hold afterwards becomes
//! the output state. Side effects that are not state (logs, status history, action output, the
//! hook-tool calls) are kept on the context until the next run.
//!
//! See the [crate documentation](crate) for an example.

use crate::consistency::{self, InconsistentState};
use crate::error::CharmError;
use crate::sim::{
    self, port_sort_key, ActionOutput, History, JujuState, LogRecord, MetricBatch, PodSpec,
    SecretRevision, SimError, SimEvent, SimJuju, SimRelation, SimSecret, SimStorage, StatusRecord,
    ToolCall,
};
use crate::state::{
    params_json, Container, DeferredEvent, DeferredSource, Owner, Relation, Secret, State, Storage,
};
use crate::store::SharedStore;
use ops_core::dispatch::{Notice, EVENT_COUNT_KEY, NOTICES_KEY};
use ops_core::endpoints::ActionEndpoint;
use ops_core::events::{CustomEventData, EventSnapshot, SecretRef};
use ops_core::meta::{EventKind, RelationRole, StorageType};
use ops_core::{Charm, HookReport};
use serde_json::{Map, Value};
use std::borrow::Borrow;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::marker::PhantomData;
use std::path::PathBuf;
use std::rc::Rc;

/// The relation an event is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventRelation {
    pub id: i64,
    pub endpoint: String,
}

/// One event to run, built with a typed constructor: [`Event::install`],
/// [`Event::relation_changed`], [`Event::action`]...
///
/// # Examples
///
/// A relation event names the relation of the input [`State`] it is about:
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
/// use ops_testing::{Event, Relation, State};
///
/// let db = Relation::of::<relations::Db>().remote_app("postgresql");
/// let state = State::default().with_relation(db.clone());
/// let out = ops_testing::Context::<Greeter>::new().run(Event::relation_changed(&db), &state)?;
/// assert_eq!(out.relations().len(), 1);
/// assert_eq!(Event::install().hook_name(), "install");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub(crate) kind: EventKind,
    pub(crate) relation: Option<EventRelation>,
    /// `None`: the default unit; `Some(None)`: no remote unit; `Some(Some(n))`: unit `n`.
    pub(crate) remote_unit: Option<Option<u32>>,
    pub(crate) departing_unit: Option<u32>,
    pub(crate) storage: Option<(String, u32)>,
    pub(crate) secret: Option<String>,
    pub(crate) revision: Option<u64>,
    pub(crate) action: Option<(String, Map<String, Value>)>,
    pub(crate) params_error: Option<String>,
    pub(crate) container: Option<String>,
    pub(crate) remote_app_unknown: bool,
    /// `pebble-custom-notice`: the notice's id (`None`: the container given has no notice with
    /// this key) and key.
    pub(crate) notice: Option<(Option<String>, String)>,
    /// `pebble-check-failed` / `-recovered`: the check.
    pub(crate) check: Option<String>,
    /// A custom event emitted from outside: its snapshot (`custom:<Type>` and its data).
    pub(crate) custom: Option<EventSnapshot>,
}

fn hook_event_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Install => "install",
        EventKind::Start => "start",
        EventKind::Stop => "stop",
        EventKind::Remove => "remove",
        EventKind::UpdateStatus => "update-status",
        EventKind::ConfigChanged => "config-changed",
        EventKind::UpgradeCharm => "upgrade-charm",
        EventKind::PreSeriesUpgrade => "pre-series-upgrade",
        EventKind::PostSeriesUpgrade => "post-series-upgrade",
        EventKind::LeaderElected => "leader-elected",
        EventKind::LeaderSettingsChanged => "leader-settings-changed",
        EventKind::CollectMetrics => "collect-metrics",
        EventKind::SecretChanged => "secret-changed",
        EventKind::SecretRotate => "secret-rotate",
        EventKind::SecretRemove => "secret-remove",
        EventKind::SecretExpired => "secret-expired",
        EventKind::RelationCreated => "relation-created",
        EventKind::RelationJoined => "relation-joined",
        EventKind::RelationChanged => "relation-changed",
        EventKind::RelationDeparted => "relation-departed",
        EventKind::RelationBroken => "relation-broken",
        EventKind::StorageAttached => "storage-attached",
        EventKind::StorageDetaching => "storage-detaching",
        EventKind::PebbleReady => "pebble-ready",
        EventKind::PebbleCustomNotice => "pebble-custom-notice",
        EventKind::PebbleCheckFailed => "pebble-check-failed",
        EventKind::PebbleCheckRecovered => "pebble-check-recovered",
        // Not Juju hooks: a pseudo-hook of that name, where the dispatcher emits no event and
        // evaluates statuses at its end as after any hook.
        EventKind::CollectAppStatus => "collect-app-status",
        EventKind::CollectUnitStatus => "collect-unit-status",
        EventKind::Action | EventKind::Custom => "",
    }
}

impl Event {
    fn plain(kind: EventKind) -> Self {
        Event {
            kind,
            relation: None,
            remote_unit: None,
            departing_unit: None,
            storage: None,
            secret: None,
            revision: None,
            action: None,
            params_error: None,
            container: None,
            remote_app_unknown: false,
            notice: None,
            check: None,
            custom: None,
        }
    }

    /// `install`.
    pub fn install() -> Self {
        Self::plain(EventKind::Install)
    }

    /// `start`.
    pub fn start() -> Self {
        Self::plain(EventKind::Start)
    }

    /// `stop`.
    pub fn stop() -> Self {
        Self::plain(EventKind::Stop)
    }

    /// `remove`.
    pub fn remove() -> Self {
        Self::plain(EventKind::Remove)
    }

    /// `update-status`.
    pub fn update_status() -> Self {
        Self::plain(EventKind::UpdateStatus)
    }

    /// `config-changed`.
    pub fn config_changed() -> Self {
        Self::plain(EventKind::ConfigChanged)
    }

    /// `upgrade-charm`.
    pub fn upgrade_charm() -> Self {
        Self::plain(EventKind::UpgradeCharm)
    }

    /// `pre-series-upgrade`.
    pub fn pre_series_upgrade() -> Self {
        Self::plain(EventKind::PreSeriesUpgrade)
    }

    /// `post-series-upgrade`.
    pub fn post_series_upgrade() -> Self {
        Self::plain(EventKind::PostSeriesUpgrade)
    }

    /// `leader-elected`.
    pub fn leader_elected() -> Self {
        Self::plain(EventKind::LeaderElected)
    }

    /// `leader-settings-changed`.
    pub fn leader_settings_changed() -> Self {
        Self::plain(EventKind::LeaderSettingsChanged)
    }

    /// `collect-metrics`.
    pub fn collect_metrics() -> Self {
        Self::plain(EventKind::CollectMetrics)
    }

    /// Only the status evaluation of the end of a hook (ops.testing:
    /// `ctx.on.collect_unit_status()`): deferred events are re-emitted, then `collect_app_status`
    /// (leader) and `collect_unit_status` run and the statuses they collected are set. Every
    /// [`Context::run`] ends with this anyway.
    pub fn collect_unit_status() -> Self {
        Self::plain(EventKind::CollectUnitStatus)
    }

    /// The same as [`Event::collect_unit_status`] (ops.testing: `ctx.on.collect_app_status()`):
    /// the evaluation always runs both events, the application one on the leader only.
    pub fn collect_app_status() -> Self {
        Self::plain(EventKind::CollectAppStatus)
    }

    fn on_relation(kind: EventKind, relation: &Relation) -> Self {
        Event {
            relation: Some(EventRelation {
                id: relation.id,
                endpoint: relation.endpoint.clone(),
            }),
            ..Self::plain(kind)
        }
    }

    /// `<endpoint>-relation-created`.
    pub fn relation_created(relation: &Relation) -> Self {
        Self::on_relation(EventKind::RelationCreated, relation)
    }

    /// `<endpoint>-relation-joined`, from the relation's first remote unit unless
    /// [`Event::with_remote_unit`] says which.
    pub fn relation_joined(relation: &Relation) -> Self {
        Self::on_relation(EventKind::RelationJoined, relation)
    }

    /// `<endpoint>-relation-changed`, from the relation's first remote unit unless
    /// [`Event::with_remote_unit`] says which (use [`Event::for_remote_app`] for a change of the
    /// remote application's data).
    pub fn relation_changed(relation: &Relation) -> Self {
        Self::on_relation(EventKind::RelationChanged, relation)
    }

    /// `<endpoint>-relation-departed`: remote unit `departing` leaves.
    pub fn relation_departed(relation: &Relation, departing: u32) -> Self {
        Event {
            departing_unit: Some(departing),
            remote_unit: Some(Some(departing)),
            ..Self::on_relation(EventKind::RelationDeparted, relation)
        }
    }

    /// `<endpoint>-relation-broken`: the relation is being removed (it is gone from the output).
    pub fn relation_broken(relation: &Relation) -> Self {
        Self::on_relation(EventKind::RelationBroken, relation)
    }

    /// From remote unit number `unit` (relation events).
    pub fn with_remote_unit(mut self, unit: u32) -> Self {
        self.remote_unit = Some(Some(unit));
        self
    }

    /// Without Juju naming the remote application (`JUJU_REMOTE_APP` empty), as in a
    /// `relation-broken` whose remote application is already gone: the charm's
    /// `relation.app()` is `None`.
    pub fn without_remote_app(mut self) -> Self {
        self.remote_app_unknown = true;
        self
    }

    /// From the remote application only, no remote unit (`relation-changed` of app data).
    pub fn for_remote_app(mut self) -> Self {
        self.remote_unit = Some(None);
        self
    }

    fn on_storage(kind: EventKind, storage: &Storage) -> Self {
        Event {
            storage: Some((storage.name.clone(), storage.index)),
            ..Self::plain(kind)
        }
    }

    /// `<storage>-storage-attached`.
    pub fn storage_attached(storage: &Storage) -> Self {
        Self::on_storage(EventKind::StorageAttached, storage)
    }

    /// `<storage>-storage-detaching` (the storage is gone from the output).
    pub fn storage_detaching(storage: &Storage) -> Self {
        Self::on_storage(EventKind::StorageDetaching, storage)
    }

    fn on_secret(kind: EventKind, secret: &Secret, revision: Option<u64>) -> Self {
        Event {
            secret: Some(secret.id.clone()),
            revision,
            ..Self::plain(kind)
        }
    }

    /// `secret-changed`: a secret the charm consumes has a new revision.
    pub fn secret_changed(secret: &Secret) -> Self {
        Self::on_secret(EventKind::SecretChanged, secret, None)
    }

    /// `secret-rotate`: a secret the charm owns is due for rotation.
    pub fn secret_rotate(secret: &Secret) -> Self {
        Self::on_secret(EventKind::SecretRotate, secret, None)
    }

    /// `secret-remove`: no consumer tracks `revision` of a secret the charm owns any more.
    pub fn secret_remove(secret: &Secret, revision: u64) -> Self {
        Self::on_secret(EventKind::SecretRemove, secret, Some(revision))
    }

    /// `secret-expired`: `revision` of a secret the charm owns expired.
    pub fn secret_expired(secret: &Secret, revision: u64) -> Self {
        Self::on_secret(EventKind::SecretExpired, secret, Some(revision))
    }

    /// Action `A` with its typed params.
    pub fn action<A: ActionEndpoint>(params: A::Params) -> Self
    where
        A::Params: serde::Serialize,
    {
        let (params, params_error) = match params_json(&params) {
            Ok(p) => (p, None),
            Err(e) => (Map::new(), Some(e)),
        };
        Event {
            action: Some((A::NAME.to_string(), params)),
            params_error,
            ..Self::plain(EventKind::Action)
        }
    }

    /// The action named `name` with raw `params` (prefer [`Event::action`]: this one exists to
    /// test what the checker says about actions the charm does not have).
    pub fn action_named(name: impl Into<String>, params: Map<String, Value>) -> Self {
        Event {
            action: Some((name.into(), params)),
            ..Self::plain(EventKind::Action)
        }
    }

    /// `<container>-pebble-ready`.
    pub fn pebble_ready(container: &Container) -> Self {
        Event {
            container: Some(container.name.clone()),
            ..Self::plain(EventKind::PebbleReady)
        }
    }

    /// `<container>-pebble-custom-notice` for the custom notice `key` of `container` (add it
    /// with [`Container::with_notice`]): Juju sends it when Pebble records a new occurrence of
    /// the notice (ops 3's `ctx.on.pebble_custom_notice(container, notice)`). The consistency
    /// checker refuses a notice the container in the state does not hold.
    pub fn pebble_custom_notice(container: &Container, key: impl Into<String>) -> Self {
        let key = key.into();
        let id = container
            .pebble
            .notices
            .iter()
            .find(|n| n.notice_type == "custom" && n.key == key)
            .map(|n| n.id.clone());
        Event {
            container: Some(container.name.clone()),
            notice: Some((id, key)),
            ..Self::plain(EventKind::PebbleCustomNotice)
        }
    }

    /// `<container>-pebble-check-failed`: health check `check` of `container` reached its
    /// failure threshold (ops 3's `ctx.on.pebble_check_failed(container, info)`). The check must
    /// be in the container's plan (a layer of the state's container).
    pub fn pebble_check_failed(container: &Container, check: impl Into<String>) -> Self {
        Event {
            container: Some(container.name.clone()),
            check: Some(check.into()),
            ..Self::plain(EventKind::PebbleCheckFailed)
        }
    }

    /// `<container>-pebble-check-recovered`: health check `check` of `container` passes again
    /// after failing (ops 3's `ctx.on.pebble_check_recovered(container, info)`).
    pub fn pebble_check_recovered(container: &Container, check: impl Into<String>) -> Self {
        Event {
            container: Some(container.name.clone()),
            check: Some(check.into()),
            ..Self::plain(EventKind::PebbleCheckRecovered)
        }
    }

    /// The charm's custom event `event` (`#[derive(CustomEvent)]`), emitted from outside the
    /// charm as if a library had emitted it (Scenario's `ctx.on.custom(...)`): the hook re-emits
    /// the deferred events, sends `event` to its observers, then evaluates statuses and commits,
    /// with no Juju event. The consistency checker refuses an event no handler observes.
    ///
    /// Fails if `event` does not encode to JSON (as [`ops_core::Context::emit`] would).
    pub fn custom<E: CustomEventData>(event: &E) -> Result<Self, serde_json::Error> {
        let mut snapshot = EventSnapshot::new(E::NAME, EventKind::Custom);
        snapshot.custom = Some(serde_json::to_value(event)?);
        Ok(Event {
            custom: Some(snapshot),
            ..Self::plain(EventKind::Custom)
        })
    }

    /// The event deferred by handler `method` in an earlier hook, for
    /// [`State::with_deferred`](crate::State::with_deferred).
    pub fn deferred(self, method: impl Into<String>) -> DeferredEvent {
        DeferredEvent {
            method: method.into(),
            source: DeferredSource::Event(Box::new(self)),
        }
    }

    /// The event's kind.
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The hook Juju runs (`db-relation-changed`), or the action's name.
    pub fn hook_name(&self) -> String {
        if let Some((name, _)) = &self.action {
            return name.clone();
        }
        if let Some(custom) = &self.custom {
            return custom.name.clone();
        }
        let base = hook_event_name(self.kind);
        if let Some(r) = &self.relation {
            return format!("{}-{base}", r.endpoint);
        }
        if let Some((s, _)) = &self.storage {
            return format!("{s}-{base}");
        }
        if let Some(c) = &self.container {
            return format!("{c}-{base}");
        }
        base.to_string()
    }

    /// The event's ops name (`db_relation_changed`, `greet_action`).
    pub fn name(&self) -> String {
        let hook = self.hook_name().replace('-', "_");
        if self.action.is_some() {
            format!("{hook}_action")
        } else {
            hook
        }
    }
}

/// Why [`Context::run`] did not produce a state.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The state (or the event) is one Juju could never produce.
    #[error(transparent)]
    Inconsistent(#[from] InconsistentState),
    /// The charm failed.
    #[error(transparent)]
    Charm(#[from] Box<CharmError>),
    /// The simulator could not run the event.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// A directory for storage could not be created.
    #[error("cannot prepare the run: {0}")]
    Io(#[from] std::io::Error),
    /// Writing what a [`Context::with_charm`] closure changed failed (e.g. its buffered
    /// relation data).
    #[error(transparent)]
    Model(#[from] ops_core::ModelError),
    /// The state's stored state does not decode into the charm ([`Context::with_charm`]).
    #[error(transparent)]
    StoredState(#[from] ops_core::stored::StateError),
    /// A [`Context::with_charm`] closure panicked: its pending writes were dropped, as those of
    /// a failed hook.
    #[error("the closure given to with_charm panicked: {0}")]
    Panicked(String),
}

impl RunError {
    /// The charm's failure, if that is what this is.
    pub fn charm_error(&self) -> Option<&CharmError> {
        match self {
            RunError::Charm(e) => Some(e),
            _ => None,
        }
    }

    /// The consistency checker's findings, if that is what this is.
    pub fn inconsistency(&self) -> Option<&InconsistentState> {
        match self {
            RunError::Inconsistent(e) => Some(e),
            _ => None,
        }
    }
}

/// What the last run produced besides its output state.
#[derive(Debug, Clone, Default)]
pub struct RunRecord {
    /// The `juju-log` records.
    pub juju_log: Vec<LogRecord>,
    /// Status and workload version history.
    pub history: History,
    /// Every hook-tool call.
    pub tool_calls: Vec<ToolCall>,
    /// The action's output (actions only).
    pub action: Option<ActionOutput>,
    /// What the dispatcher reported (successful runs only).
    pub report: Option<HookReport>,
    /// Metrics added (`collect-metrics`).
    pub metrics: Vec<MetricBatch>,
    /// Storage requested with `storage-add`: (name, count).
    pub requested_storage: Vec<(String, u32)>,
    /// The pod spec set, if any.
    pub pod_spec: Option<PodSpec>,
    /// A reboot requested with `juju-reboot`: `after-hook` or `now`.
    pub reboot: Option<String>,
}

/// Runs events of charm `C`. See the [module documentation](self).
///
/// # Examples
///
/// One event on an input [`State`], the output `State` back:
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
/// use ops_testing::{Event, State};
///
/// // (`ops_testing::Context`, not the prelude's `Context` the handlers take.)
/// let ctx = ops_testing::Context::<Greeter>::new();
/// let state = State::default().with_config(|c: &mut Config| c.name = "world".into());
/// let out = ctx.run(Event::config_changed(), &state)?;
/// assert_eq!(out.unit_status(), &Status::active("hello, world"));
/// assert_eq!(out.stored_state::<Greeter>()?.greetings, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Context<C: Charm> {
    app_name: String,
    unit_id: u32,
    juju_version: String,
    lists_broken_relations: bool,
    tmp: OnceCell<tempfile::TempDir>,
    last: RefCell<RunRecord>,
    _charm: PhantomData<fn() -> C>,
}

impl<C: Charm> std::fmt::Debug for Context<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("charm", &C::TYPE_NAME)
            .field("unit", &self.unit_name())
            .finish_non_exhaustive()
    }
}

impl<C: Charm> Default for Context<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Charm> Context<C> {
    /// A context for unit 0 of an application named as the charm, on Juju 3.1.6.
    pub fn new() -> Self {
        Context {
            app_name: C::meta().name.to_string(),
            unit_id: 0,
            juju_version: sim::DEFAULT_JUJU_VERSION.to_string(),
            lists_broken_relations: false,
            tmp: OnceCell::new(),
            last: RefCell::new(RunRecord::default()),
            _charm: PhantomData,
        }
    }

    /// With application name `name`.
    pub fn with_app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = name.into();
        self
    }

    /// With unit number `id`.
    pub fn with_unit_id(mut self, id: u32) -> Self {
        self.unit_id = id;
        self
    }

    /// On Juju `version`.
    pub fn with_juju_version(mut self, version: impl Into<String>) -> Self {
        self.juju_version = version.into();
        self
    }

    /// Simulate a Juju whose `relation-ids` still lists a relation during its own
    /// `relation-broken` hook, as Juju before 3.x does (the charm must not see it either way).
    pub fn with_broken_relations_listed(mut self, listed: bool) -> Self {
        self.lists_broken_relations = listed;
        self
    }

    /// The unit's name, `<app>/<id>`.
    pub fn unit_name(&self) -> String {
        format!("{}/{}", self.app_name, self.unit_id)
    }

    /// The application's name.
    pub fn app_name(&self) -> &str {
        &self.app_name
    }

    /// Everything the last run recorded.
    pub fn last_run(&self) -> RunRecord {
        self.last.borrow().clone()
    }

    /// The `juju-log` records of the last run.
    pub fn juju_log(&self) -> Vec<LogRecord> {
        self.last.borrow().juju_log.clone()
    }

    /// The unit's statuses before each change in the last run (oldest first).
    pub fn unit_status_history(&self) -> Vec<ops_core::Status> {
        self.last.borrow().history.unit_status.clone()
    }

    /// The application's statuses before each change in the last run.
    pub fn app_status_history(&self) -> Vec<ops_core::Status> {
        self.last.borrow().history.app_status.clone()
    }

    /// The workload versions before each change in the last run.
    pub fn workload_version_history(&self) -> Vec<String> {
        self.last.borrow().history.workload_version.clone()
    }

    /// The action output of the last run (actions only; also when the action failed).
    pub fn action_output(&self) -> Option<ActionOutput> {
        self.last.borrow().action.clone()
    }

    /// The hook-tool calls of the last run.
    pub fn tool_calls(&self) -> Vec<ToolCall> {
        self.last.borrow().tool_calls.clone()
    }

    fn tmp_dir(&self) -> Result<PathBuf, std::io::Error> {
        if let Some(t) = self.tmp.get() {
            return Ok(t.path().to_path_buf());
        }
        let dir = tempfile::Builder::new().prefix("ops-testing-").tempdir()?;
        let path = dir.path().to_path_buf();
        let _ = self.tmp.set(dir);
        Ok(path)
    }

    /// Run `event` on `state` and return the state the hook left, after checking that the state
    /// is one Juju could produce ([`consistency`]).
    pub fn run(&self, event: Event, state: impl Borrow<State>) -> Result<State, RunError> {
        let state = state.borrow();
        let (sim, store, sim_event) = self.prepare(state, &event)?;
        let dispatched = sim.dispatch::<C>(&store, &sim_event)?;
        self.record(&sim, dispatched.action.clone());
        let report = dispatched.outcome.map_err(|error| {
            Box::new(CharmError {
                event: sim_event.name.clone(),
                error,
                action: dispatched.action.clone(),
            })
        })?;
        self.last.borrow_mut().report = Some(report);
        self.collect(state, &sim, &store)
    }

    /// Run `f` over the charm (built from the state's stored state) and a
    /// [`Context`](ops_core::Context) on the model of `state`, outside any event: the
    /// state-transition counterpart of [`Harness::with_charm`](crate::Harness::with_charm), for
    /// what ops' tests do with `harness.charm` and `harness.model`. Returns what `f` returned and
    /// the state afterwards.
    ///
    /// The state is checked as for a run of `update-status`. Reads are served by the simulated
    /// Juju from `state`, in a hook context like `update-status`'s (no relation, remote unit or
    /// action); writes are recorded in the output state as a hook's would be: statuses, relation
    /// data (buffered data is written when `f` returns, as the dispatcher does after the last
    /// handler), ports, secrets, Pebble, and what `f` changes in the charm's stored state.
    /// Deferred events are not re-emitted and nothing else runs (no collect-status). The side
    /// records ([`Context::juju_log`], [`Context::tool_calls`]...) are `f`'s.
    ///
    /// If `f` panics, its pending writes are dropped as a failed hook's and the panic comes back
    /// as [`RunError::Panicked`] with its message.
    pub fn with_charm<T>(
        &self,
        state: impl Borrow<State>,
        f: impl FnOnce(&mut C, &mut ops_core::Context<C>) -> T,
    ) -> Result<(T, State), RunError> {
        let state = state.borrow();
        let (sim, store, sim_event) = self.prepare(state, &Event::update_status())?;
        let controller = sim.uses_controller_storage::<C>();
        let entries = if controller {
            sim.controller_entries()?
        } else {
            store.entries()
        };
        let mut charm = C::from_stored(entries.get(C::KEY).map(Vec::as_slice))?;
        let before = charm.to_stored()?;
        let env = sim.begin(&sim_event)?;
        let env = match ops_core::env::JujuContext::from_owned_vars(env) {
            Ok(env) => env,
            Err(e) => {
                sim.finish(1);
                return Err(SimError::Environment(e.to_string()).into());
            }
        };
        let runner: Rc<dyn ops_core::hooktools::ToolRunner> = sim.clone();
        let model = ops_core::model::Model::new(C::meta(), &env, runner);
        let mut ctx = ops_core::Context::<C>::new(model);
        let out =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut charm, &mut ctx)));
        let out = match out {
            Ok(out) => out,
            Err(panic) => {
                sim.finish(1);
                self.record(&sim, None);
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(a non-string payload)".to_string());
                return Err(RunError::Panicked(message));
            }
        };
        if let Err(e) = ctx.model().flush() {
            sim.finish(1);
            self.record(&sim, None);
            return Err(ops_core::ModelError::from(e).into());
        }
        sim.finish(0);
        self.record(&sim, None);
        let after = charm.to_stored()?;
        if after != before {
            if controller {
                let mut entries = sim.controller_entries()?;
                entries.insert(C::KEY.to_string(), after);
                sim.set_controller_entries(&entries)?;
            } else {
                let changes = ops_core::storage::Changes::from([(C::KEY.to_string(), Some(after))]);
                ops_core::storage::Store::commit(&mut store.clone(), &changes)
                    .map_err(|e| SimError::Store(e.to_string()))?;
            }
        }
        Ok((out, self.collect(state, &sim, &store)?))
    }

    /// Check `state` and `event`, and build the simulated Juju, the unit's store and the
    /// simulator's event for a run.
    fn prepare(
        &self,
        state: &State,
        event: &Event,
    ) -> Result<(Rc<SimJuju>, SharedStore, SimEvent), RunError> {
        *self.last.borrow_mut() = RunRecord::default();
        consistency::check::<C>(state, event, &self.app_name, self.unit_id)?;
        let mut juju = self.to_juju(state)?;
        let sim_event = self.sim_event(event, &mut juju);
        let entries = self.store_entries(state, &juju)?;
        let sim = Rc::new(SimJuju::new(C::meta(), juju));
        let store = if sim.uses_controller_storage::<C>() {
            sim.set_controller_entries(&entries)?;
            SharedStore::new()
        } else {
            SharedStore::with_entries(entries)
        };
        load_containers(state, &sim)?;
        // Juju sends a check event once Pebble has changed the check's status: whatever the
        // state held before, the hook sees it `down` (failed) or `up` (recovered).
        if let (Some(container), Some(check)) = (&event.container, &event.check) {
            if let Some(fake) = sim.pebble(container) {
                let status = if event.kind == EventKind::PebbleCheckFailed {
                    "down"
                } else {
                    "up"
                };
                fake.set_check_status(check, status);
            }
        }
        for fault in &state.tool_faults {
            sim.add_fault(fault.clone())?;
        }
        Ok((sim, store, sim_event))
    }

    /// Keep the run's side records (logs, history, tool calls...).
    fn record(&self, sim: &SimJuju, action: Option<ActionOutput>) {
        let juju = sim.state();
        let mut last = self.last.borrow_mut();
        last.juju_log = sim.take_logs();
        last.history = sim.take_history();
        last.tool_calls = sim.take_trace();
        last.action = action;
        last.metrics = juju.metrics.clone();
        last.requested_storage = juju.requested_storage.clone();
        last.pod_spec = juju.pod_spec.clone();
        last.reboot = juju.reboot.clone();
    }

    /// The state the simulated Juju, the store and the fake Pebbles hold after a run.
    fn collect(
        &self,
        state: &State,
        sim: &SimJuju,
        store: &SharedStore,
    ) -> Result<State, RunError> {
        let entries = if sim.uses_controller_storage::<C>() {
            sim.controller_entries()?
        } else {
            store.entries()
        };
        let mut out = self.output_state(state, &sim.state(), entries);
        out.tool_faults = sim.faults();
        for c in out.containers.iter_mut() {
            if let Some(fake) = sim.pebble(&c.name) {
                c.pebble = fake.state();
                c.files = fake.files()?;
            }
        }
        Ok(out)
    }

    fn to_juju(&self, state: &State) -> Result<JujuState, std::io::Error> {
        let meta = C::meta();
        let app = self.app_name.as_str();
        let mut juju = JujuState::new(meta, self.unit_name());
        juju.model_name = Some(state.model.name.clone());
        juju.model_uuid = state.model.uuid.clone();
        juju.credential = match &state.cloud_spec {
            Some(spec) => Some(serde_json::to_value(spec).map_err(std::io::Error::other)?),
            None => None,
        };
        juju.juju_version = self.juju_version.clone();
        juju.lists_broken_relations = self.lists_broken_relations;
        juju.leader = state.leader;
        juju.config = state.config.clone();
        juju.unit_status = StatusRecord::from_status(&state.unit_status);
        juju.app_status = StatusRecord::from_status(&state.app_status);
        juju.workload_version = state.workload_version.clone();
        juju.planned_units = state.planned_units;
        juju.resources = state.resources.clone();
        juju.networks = state
            .networks
            .iter()
            .map(|(b, n)| (b.clone(), n.to_json()))
            .collect();
        let mut ports: Vec<String> = state.opened_ports.iter().map(|p| p.juju_name()).collect();
        ports.sort_by_key(|p| port_sort_key(p));
        juju.opened_ports = ports;
        for c in juju.containers.values_mut() {
            c.can_connect = false;
        }
        for c in &state.containers {
            if let Some(sc) = juju.containers.get_mut(&c.name) {
                sc.can_connect = c.can_connect;
            }
        }
        for r in &state.relations {
            let role = meta
                .relation(&r.endpoint)
                .map(|m| m.role)
                .or(r.role)
                .unwrap_or(RelationRole::Requires);
            let peer = role.is_peer();
            let remote_app = if peer {
                app.to_string()
            } else {
                r.remote_app
                    .clone()
                    .unwrap_or_else(|| crate::state::DEFAULT_REMOTE_APP.to_string())
            };
            if let Some(uuid) = &r.remote_model_uuid {
                juju.remote_models.insert(r.id, uuid.clone());
            }
            juju.relations.push(SimRelation {
                id: r.id,
                endpoint: r.endpoint.clone(),
                interface: meta
                    .relation(&r.endpoint)
                    .map(|m| m.interface.to_string())
                    .or_else(|| r.interface.clone())
                    .unwrap_or_default(),
                role,
                local_unit_data: r.local_unit_data.clone(),
                local_app_data: r.local_app_data.clone(),
                remote_app_data: r.remote_app_data.clone(),
                remote_units: r
                    .remote_units
                    .iter()
                    .map(|(i, d)| (format!("{remote_app}/{i}"), d.clone()))
                    .collect(),
                remote_app,
                departed_units: BTreeMap::new(),
                broken: false,
            });
        }
        for s in &state.storages {
            let location = match &s.location {
                Some(l) => l.clone(),
                None => {
                    let dir = self
                        .tmp_dir()?
                        .join("storage")
                        .join(&s.name)
                        .join(s.index.to_string());
                    std::fs::create_dir_all(&dir)?;
                    dir
                }
            };
            let kind = match meta.storage(&s.name).map(|m| m.kind) {
                Some(StorageType::Block) => "block",
                _ => "filesystem",
            };
            juju.storage.push(SimStorage {
                name: s.name.clone(),
                index: s.index,
                kind: kind.to_string(),
                location,
                attached: true,
            });
        }
        let unit = juju.unit.clone();
        for s in &state.secrets {
            let owner = match &s.owner {
                Owner::App => app.to_string(),
                Owner::Unit => unit.clone(),
                Owner::Remote(name) => name.clone(),
                // Juju's owner of a user secret is the model (ops' Harness: its uuid).
                Owner::User => juju.model_uuid.clone(),
            };
            let (label, consumer_label, grants) = match &s.owner {
                Owner::User => (
                    None,
                    s.label.clone(),
                    // Granted to this application by the user, over no relation.
                    BTreeMap::from([(sim::USER_SECRET_GRANT, vec![app.to_string()])]),
                ),
                Owner::Remote(owner_app) => {
                    // Granted to this application over the relation with its owner, if any.
                    let rid = juju
                        .relations
                        .iter()
                        .find(|r| r.remote_app == *owner_app)
                        .map(|r| r.id)
                        .unwrap_or(sim::USER_SECRET_GRANT);
                    (
                        None,
                        s.label.clone(),
                        BTreeMap::from([(rid, vec![app.to_string()])]),
                    )
                }
                _ => (
                    s.label.clone(),
                    None,
                    s.remote_grants
                        .iter()
                        .map(|(rid, names)| (*rid, names.iter().cloned().collect()))
                        .collect(),
                ),
            };
            juju.secrets.push(SimSecret {
                id: format!("secret:{}", sim::bare_secret_id(&s.id)),
                owner,
                label,
                description: s.description.clone(),
                expire: s.expire.clone(),
                rotate: s.rotate.map(|r| r.as_str().to_string()),
                revisions: s.revisions.clone(),
                grants,
                consumer_label,
                consumer_revision: if s.is_owned() { None } else { s.tracked },
            });
        }
        Ok(juju)
    }

    /// The simulator's event for `event`, and what Juju does to the model just before the hook
    /// (a departing unit leaves the relation; a broken relation loses its units).
    fn sim_event(&self, event: &Event, juju: &mut JujuState) -> SimEvent {
        if let Some((name, params)) = &event.action {
            return SimEvent::action(name.clone(), params.clone());
        }
        if let Some(custom) = &event.custom {
            return SimEvent::custom(custom.clone());
        }
        let mut ev = SimEvent::hook(event.hook_name());
        if let Some(r) = &event.relation {
            ev = ev.relation(r.id);
            if event.remote_app_unknown {
                ev = ev.without_remote_app();
            }
            if let Some(rel) = juju.relation_mut(r.id) {
                let unit_name = |i: u32| format!("{}/{i}", rel.remote_app);
                let remote = match (event.kind, event.remote_unit) {
                    (_, Some(None)) => None,
                    (_, Some(Some(i))) => Some(unit_name(i)),
                    (EventKind::RelationJoined | EventKind::RelationChanged, None) => {
                        rel.remote_units.keys().next().cloned()
                    }
                    _ => None,
                };
                if let Some(u) = remote {
                    ev = ev.remote_unit(u);
                }
                if let Some(d) = event.departing_unit {
                    let name = unit_name(d);
                    if let Some(data) = rel.remote_units.remove(&name) {
                        rel.departed_units.insert(name.clone(), data);
                    }
                    ev = ev.departing_unit(name);
                }
                if event.kind == EventKind::RelationBroken {
                    let units = std::mem::take(&mut rel.remote_units);
                    rel.departed_units.extend(units);
                    rel.broken = true;
                }
            }
        }
        if let Some((name, index)) = &event.storage {
            ev = ev.storage(format!("{name}/{index}"));
        }
        if let Some(id) = &event.secret {
            if let Some(sec) = juju.secret(id) {
                ev = ev.secret(sec.id.clone());
            }
        }
        if let Some(r) = event.revision {
            ev = ev.revision(r);
        }
        if let Some(c) = &event.container {
            ev = ev.workload(c.clone());
        }
        if let Some((id, key)) = &event.notice {
            ev = ev.notice(id.clone().unwrap_or_default(), "custom", key.clone());
        }
        if let Some(check) = &event.check {
            ev = ev.check(check.clone());
        }
        ev
    }

    /// The event a deferred notice stores: what the dispatcher builds from the hook environment.
    fn snapshot(&self, event: &Event, juju: &JujuState) -> EventSnapshot {
        if let Some(custom) = &event.custom {
            return custom.clone();
        }
        let mut juju = juju.clone();
        let ev = self.sim_event(event, &mut juju);
        let mut snap = EventSnapshot::new(event.name(), event.kind);
        if let Some(r) = ev.relation.and_then(|id| juju.relation(id)) {
            snap.relation = Some((r.endpoint.clone(), r.id));
            snap.app =
                Some(r.remote_app.clone()).filter(|a| !a.is_empty() && !ev.remote_app_unknown);
            snap.unit = ev.remote_unit.clone();
            snap.departing_unit = ev.departing_unit.clone();
        }
        if let Some(s) = ev.storage.as_deref().and_then(|id| juju.storage(id)) {
            snap.storage = Some((s.name.clone(), s.index, Some(s.location.clone())));
        }
        if let Some(sec) = ev.secret.as_deref().and_then(|id| juju.secret(id)) {
            let label = if juju.owns(sec) {
                sec.label.clone()
            } else {
                sec.consumer_label.clone()
            };
            snap.secret = Some(SecretRef {
                id: sec.id.clone(),
                label: label.filter(|l| !l.is_empty()),
                revision: ev.revision,
            });
        }
        snap.workload = ev.workload;
        snap.notice = ev.notice;
        snap.check = ev.check;
        snap
    }

    fn store_entries(
        &self,
        state: &State,
        juju: &JujuState,
    ) -> Result<BTreeMap<String, Vec<u8>>, RunError> {
        let mut entries = state.stored.clone();
        if !state.deferred.is_empty() {
            let mut notices = Vec::new();
            for (i, d) in state.deferred.iter().enumerate() {
                let event = match &d.source {
                    DeferredSource::Event(e) => self.snapshot(e, juju),
                    DeferredSource::Snapshot(s) => (**s).clone(),
                };
                let kind = event.name.strip_prefix("custom:").unwrap_or(&event.name);
                notices.push(Notice {
                    path: format!("{}/on/{kind}[{}]", C::TYPE_NAME, i + 1),
                    method: d.method.clone(),
                    event,
                });
            }
            let bytes =
                serde_json::to_vec(&notices).map_err(|e| RunError::Io(std::io::Error::other(e)))?;
            entries.insert(NOTICES_KEY.to_string(), bytes);
            entries.insert(
                EVENT_COUNT_KEY.to_string(),
                notices.len().to_string().into_bytes(),
            );
        }
        Ok(entries)
    }

    fn output_state(
        &self,
        input: &State,
        juju: &JujuState,
        mut entries: BTreeMap<String, Vec<u8>>,
    ) -> State {
        let mut out = input.clone();
        out.leader = juju.leader;
        out.config = juju.config.clone();
        out.unit_status = juju.unit_status.to_status();
        out.app_status = juju.app_status.to_status();
        out.workload_version = juju.workload_version.clone();
        out.planned_units = juju.planned_units;
        out.opened_ports = juju
            .opened_ports
            .iter()
            .filter_map(|p| crate::state::Port::parse(p))
            .collect();
        out.relations = juju
            .relations
            .iter()
            .map(|r| {
                let mut rel = input
                    .relation(r.id)
                    .cloned()
                    .unwrap_or_else(|| Relation::named(r.endpoint.clone()).id(r.id));
                rel.local_app_data = r.local_app_data.clone();
                rel.local_unit_data = r.local_unit_data.clone();
                rel.remote_app_data = r.remote_app_data.clone();
                rel.remote_units = r
                    .remote_units
                    .iter()
                    .filter_map(|(name, d)| {
                        let n = name.rsplit('/').next()?.parse().ok()?;
                        Some((n, d.clone()))
                    })
                    .collect();
                rel
            })
            .collect();
        out.storages = juju
            .storage
            .iter()
            .filter(|s| s.attached)
            .map(|s| Storage {
                name: s.name.clone(),
                index: s.index,
                location: Some(s.location.clone()),
            })
            .collect();
        out.secrets = juju
            .secrets
            .iter()
            .map(|s| self.secret_from_juju(s, juju))
            .collect();
        for c in out.containers.iter_mut() {
            if let Some(sc) = juju.containers.get(&c.name) {
                c.can_connect = sc.can_connect;
            }
        }
        let notices: Vec<Notice> = entries
            .remove(NOTICES_KEY)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        entries.remove(EVENT_COUNT_KEY);
        out.stored = entries;
        out.deferred = notices
            .into_iter()
            .map(|n| DeferredEvent {
                method: n.method,
                source: DeferredSource::Snapshot(Box::new(n.event)),
            })
            .collect();
        out
    }

    fn secret_from_juju(&self, s: &SimSecret, juju: &JujuState) -> Secret {
        let owner = if s.owner == juju.unit {
            Owner::Unit
        } else if s.owner == juju.app() {
            Owner::App
        } else if s.owner == juju.model_uuid {
            Owner::User
        } else {
            Owner::Remote(s.owner.clone())
        };
        let owned = !matches!(owner, Owner::Remote(_) | Owner::User);
        let grants: BTreeMap<i64, BTreeSet<String>> = if owned {
            s.grants
                .iter()
                .map(|(rid, names)| (*rid, names.iter().cloned().collect()))
                .collect()
        } else {
            BTreeMap::new()
        };
        Secret {
            id: s.id.clone(),
            owner,
            label: if owned {
                s.label.clone()
            } else {
                s.consumer_label.clone()
            },
            description: s.description.clone(),
            expire: s.expire.clone(),
            rotate: s.rotate.as_deref().and_then(|r| r.parse().ok()),
            revisions: s
                .revisions
                .iter()
                .map(|r| SecretRevision {
                    revision: r.revision,
                    content: r.content.clone(),
                })
                .collect(),
            tracked: if owned { None } else { s.consumer_revision },
            remote_grants: grants,
        }
    }
}

/// Load each container of `state` into its fake Pebble: its Pebble state (without the records of
/// an earlier run: exec calls and service transitions are the run's own) and its files.
fn load_containers(state: &State, sim: &SimJuju) -> Result<(), RunError> {
    for c in &state.containers {
        let Some(fake) = sim.pebble(&c.name) else {
            continue;
        };
        let mut pebble = c.pebble.clone();
        pebble.can_connect = c.can_connect;
        pebble.exec_calls.clear();
        pebble.service_log.clear();
        fake.set_state(pebble);
        for (path, content) in &c.files {
            fake.push_file(path, content)?;
        }
    }
    Ok(())
}
