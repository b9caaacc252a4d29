//! The dispatcher: what the charm's `dispatch` binary does for one hook.
//!
//! ```text
//! JUJU_DISPATCH_PATH ─► event name ─► re-emit deferred notices (in order) ─► emit the event to
//! its handlers (each handler's relation data flushed when it returns) ─► run custom events they
//! emitted ─► commit stored state and notices in one atomic step
//! ```
//!
//! Nothing is written unless every handler succeeded. The unit's database is opened only when the
//! hook needs it: when it exists (it may hold deferred events), or when there is something to commit.

use crate::charm::{Charm, HandlerError, StorageChoice};
use crate::context::Context;
use crate::env::JujuContext;
use crate::events::EventSnapshot;
use crate::hooktools::{ProcessRunner, ToolRunner};
use crate::migrate;
use crate::model::{Model, ModelError};
use crate::storage::{
    Changes, ControllerStore, SledStore, StateLock, Store, StoreError, STATE_LOCK_WAIT,
};
use ops_metadata::EventKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The key of the deferred-event notices in the store.
pub const NOTICES_KEY: &str = "#notices#";
/// The key of the event counter in the store.
pub const EVENT_COUNT_KEY: &str = "#event_count#";
/// The local database's file name in the charm directory (as ops: `.unit-state.db`).
pub const STATE_FILE: &str = ".unit-state.db";

/// A deferred event waiting for a handler: what ops calls a notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The event's handle path, e.g. `Counter/on/config_changed[4]`.
    pub path: String,
    /// The handler method that deferred it.
    pub method: String,
    /// The event.
    pub event: EventSnapshot,
}

/// Errors that end a hook.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DispatchError {
    /// The environment Juju gave is missing something or invalid.
    #[error(transparent)]
    Env(#[from] crate::env::EnvError),
    /// A handler failed (returned an error or panicked).
    #[error(transparent)]
    Handler(#[from] HandlerError),
    /// The model failed outside a handler (e.g. flushing relation data).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The unit's state could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The unit's state is a Python ops one that could not be migrated.
    #[error(transparent)]
    Migration(#[from] migrate::MigrationError),
    /// The stored state does not decode.
    #[error(transparent)]
    State(#[from] crate::stored::StateError),
    /// The stored notices do not decode.
    #[error("stored deferred events do not decode: {0}")]
    Notices(String),
    /// A legacy hook failed: the hook exits with its code.
    #[error("legacy hook {path} exited with status {code}")]
    LegacyHook {
        /// The hook.
        path: PathBuf,
        /// Its exit code.
        code: i32,
    },
    /// Charm code emitted custom events in an endless loop.
    #[error(
        "more than {0} custom events emitted in one hook: is a handler re-emitting its own event?"
    )]
    EventLoop(usize),
    /// The event the hook names does not fit the charm (e.g. a relation event without a relation id).
    #[error("{0}")]
    Event(String),
    /// A handler asked for a reboot now ([`Unit::reboot`](crate::model::Unit::reboot)): the hook
    /// ended there, nothing committed; the exit status is 0 (Juju re-runs the hook after the
    /// reboot).
    #[error("the machine is rebooting now (juju-reboot --now)")]
    RebootNow,
    /// A handler ended the hook early with [`ModelError::HookAborted`] (config or action params
    /// that do not decode, under `ConfigErrors::Blocked` / `ParamsErrors::Fail`): the hook exits
    /// 0 and commits nothing more. [`run`] reports it in [`HookReport::aborted`] rather than
    /// returning it.
    #[error("the hook ended early: {0}")]
    Aborted(String),
}

impl DispatchError {
    /// The exit code the hook ends with.
    pub fn exit_code(&self) -> i32 {
        match self {
            DispatchError::LegacyHook { code, .. } => *code,
            DispatchError::RebootNow | DispatchError::Aborted(_) => 0,
            _ => 1,
        }
    }
}

/// Where the unit's state comes from.
pub enum StoreSource {
    /// The local sled database at this path (opened lazily).
    Local(PathBuf),
    /// Juju's controller-side storage through the hook tools.
    Controller,
    /// A store given by the caller (the test harness).
    Given(Box<dyn Store>),
}

impl std::fmt::Debug for StoreSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreSource::Local(p) => write!(f, "Local({})", p.display()),
            StoreSource::Controller => write!(f, "Controller"),
            StoreSource::Given(_) => write!(f, "Given"),
        }
    }
}

/// Everything one hook takes from outside: the environment, the hook tools, the charm directory.
pub struct HookSetup {
    /// The Juju environment.
    pub env: JujuContext,
    /// How hook tools are run.
    pub runner: Rc<dyn ToolRunner>,
    /// The charm directory.
    pub charm_dir: PathBuf,
    /// `argv[0]` (legacy hooks are links to the charm binary).
    pub argv0: PathBuf,
    /// Overrides where state is kept (default: as the charm's [`StorageChoice`] says).
    pub store: Option<StoreSource>,
    /// Whether this process may change its own environment (`OPERATOR_DISPATCH`) and run legacy
    /// hooks. False in tests.
    pub is_process: bool,
}

impl HookSetup {
    /// The setup of the current process: its environment, real hook tools, `argv[0]`.
    pub fn from_process() -> Result<Self, DispatchError> {
        let env = JujuContext::from_env()?;
        let argv0 = std::env::args_os()
            .next()
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("dispatch"));
        let charm_dir = env
            .charm_dir
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(HookSetup {
            env,
            runner: Rc::new(ProcessRunner),
            charm_dir,
            argv0,
            store: None,
            is_process: true,
        })
    }
}

/// What a hook did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HookReport {
    /// The event's ops name.
    pub event: String,
    /// How many handler calls ran (re-emitted and new).
    pub handler_calls: usize,
    /// Whether the unit's database was opened.
    pub store_opened: bool,
    /// Whether anything was committed.
    pub committed: bool,
    /// The deferred events left after the hook.
    pub deferred: usize,
    /// Why a handler ended the hook early, with exit status 0 and nothing committed (ops 3's
    /// `_Abort(0)`: config or action params that do not decode, see
    /// [`ConfigErrors`](crate::ConfigErrors) and [`ParamsErrors`](crate::ParamsErrors)).
    pub aborted: Option<String>,
}

/// Run the charm for the current process's hook and exit with its status. This is the charm
/// binary's `main`:
///
/// ```no_run
/// # use ops_core as ops;
/// # #[derive(Default, ops::StoredState)] struct MyCharm;
/// # #[ops::charm(dir = "../examples/counter")] impl MyCharm {}
/// fn main() {
///     ops::main::<MyCharm>()
/// }
/// ```
pub fn main<C: Charm>() -> ! {
    crate::panic::install_hook();
    let code = match HookSetup::from_process() {
        Ok(setup) => {
            let debug = setup.env.debug;
            // `juju debug-code`: no breakpoints here; say so where the session shows it.
            if let Some(notice) = crate::logging::debug_at_notice(&setup.env.debug_at) {
                eprintln!("{notice}");
            }
            match run::<C>(setup) {
                Ok(_) => 0,
                Err(DispatchError::RebootNow) => 0,
                Err(e) => {
                    // Juju keeps a hook's stderr in its log: the error reaches it even when
                    // juju-log does not work (with JUJU_DEBUG the logger already wrote it there).
                    if !debug {
                        eprintln!("ERROR {e}");
                    }
                    e.exit_code()
                }
            }
        }
        Err(e) => {
            eprintln!("ERROR {e}");
            1
        }
    };
    log::logger().flush();
    std::process::exit(code)
}

/// The event name ops derives from a dispatch path: `hooks/db-relation-changed` →
/// `db_relation_changed`, `actions/do-backup` → `do_backup_action`.
pub fn event_name_from_path(path: &Path) -> String {
    // The last two components, as `Path::file_name` of the path and of its parent see them
    // (empty and `.` components skipped; a final `..` names nothing).
    let text = path.to_string_lossy();
    let mut parts = text.split('/').filter(|p| !p.is_empty() && *p != ".");
    let base = match parts.next_back() {
        None | Some("..") => return String::new(),
        Some(base) => base.replace('-', "_"),
    };
    if parts.next_back() == Some("actions") {
        format!("{base}_action")
    } else {
        base
    }
}

/// Run one hook: the whole dispatch of ops' `main()`.
///
/// Every error ending the hook is logged once at ERROR through `juju-log` (as ops' excepthook
/// logs any uncaught exception): handler errors when they happen, the others (environment,
/// model, store...) here; a failing legacy hook is logged as a warning, as ops does.
pub fn run<C: Charm>(setup: HookSetup) -> Result<HookReport, DispatchError> {
    run_with::<C>(setup, StatusEvaluation::AfterEvent)
}

/// When a hook runs the collect-status events (see [`crate::events::CollectStatusEvent`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum StatusEvaluation {
    /// After the Juju event and its custom events, before the commit: what every hook does.
    #[default]
    AfterEvent,
    /// Never (ops' Harness, where a test asks for it with `evaluate_status`).
    Skip,
    /// Only the evaluation: no deferred event is re-emitted and the hook's own event is not
    /// emitted (ops' `Harness.evaluate_status`).
    Only,
}

/// [`run`], choosing when collect-status runs: the test kits' entry point.
pub fn run_with<C: Charm>(
    setup: HookSetup,
    evaluation: StatusEvaluation,
) -> Result<HookReport, DispatchError> {
    finish_run(run_hook::<C>(setup, evaluation, None))
}

/// Run a hook whose event is `event`, a custom event (`#[derive(CustomEvent)]`) emitted from
/// outside the charm instead of the Juju event the environment names: what the test kits' "emit
/// this custom event" does (Scenario's `ctx.on.custom`). As in any hook, deferred events are
/// re-emitted first, then `event` goes to its observers, then collect-status and the commit.
pub fn run_custom<C: Charm>(
    setup: HookSetup,
    evaluation: StatusEvaluation,
    event: EventSnapshot,
) -> Result<HookReport, DispatchError> {
    finish_run(run_hook::<C>(setup, evaluation, Some(event)))
}

fn finish_run(result: Result<HookReport, DispatchError>) -> Result<HookReport, DispatchError> {
    if let Err(e) = &result {
        if !matches!(
            e,
            DispatchError::Handler(_) | DispatchError::LegacyHook { .. } | DispatchError::RebootNow
        ) {
            log::error!("Uncaught exception while in charm code:\n{e}");
        }
    }
    result
}

fn run_hook<C: Charm>(
    setup: HookSetup,
    evaluation: StatusEvaluation,
    custom: Option<EventSnapshot>,
) -> Result<HookReport, DispatchError> {
    let HookSetup {
        env,
        runner,
        charm_dir,
        argv0,
        store,
        is_process,
    } = setup;
    let model = Model::new(C::meta(), &env, runner.clone());
    // Fails only when a logger is already installed (e.g. several hooks in one test process).
    let _ = crate::logging::install(model.backend_rc(), env.debug);
    // `tracing` events take the same path (unless the charm set its own global subscriber).
    #[cfg(feature = "tracing")]
    crate::logging::tracing::install();
    // The charm's own records all go to juju-log; its dependencies' DEBUG records do not.
    if let Some(krate) = std::any::type_name::<C>().split("::").next() {
        crate::logging::add_charm_crate(krate);
    }

    // Dispatch-aware Juju (≥ 2.8) with a `dispatch` file: JUJU_DISPATCH_PATH names the event.
    let dispatch_path = env
        .dispatch_path
        .clone()
        .map(PathBuf::from)
        .unwrap_or_else(|| argv0.clone());
    // Only a real hook process looks for the `dispatch` file: in-process runs (tests) neither
    // run legacy hooks nor create event links, so they skip the `stat`.
    let dispatch_aware =
        is_process && env.version.is_dispatch_aware() && charm_dir.join("dispatch").exists();
    if dispatch_aware && is_process {
        if std::env::var_os("OPERATOR_DISPATCH").is_some() {
            log::debug!(target: "ops_core", "Charm called itself via {}.", dispatch_path.display());
            return Ok(HookReport::default());
        }
        std::env::set_var("OPERATOR_DISPATCH", "1");
        run_legacy_hook(&charm_dir, &dispatch_path, &argv0)?;
    }
    let event_name = event_name_from_path(&dispatch_path);
    if !dispatch_aware && is_process {
        ensure_event_links::<C>(&charm_dir, &event_name, &argv0);
    }

    let restricted = event_name == "collect_metrics";
    let choice = match store {
        Some(s) => s,
        None => choose_store::<C>(&charm_dir, &env),
    };
    if restricted && matches!(choice, StoreSource::Controller) {
        log::debug!(
            target: "ops_core",
            "\"{event_name}\" is not supported when using Juju for storage; see: https://github.com/canonical/operator/issues/348"
        );
        return Ok(HookReport {
            event: event_name,
            ..HookReport::default()
        });
    }
    let mut state = UnitState::new(choice, runner.clone()).migrating_to(migrate::Target {
        type_name: C::TYPE_NAME,
        key: C::KEY,
        stateful: C::STATEFUL,
        handlers: C::HANDLERS,
        meta: C::meta(),
    });
    let mut hook = Hook::<C> {
        ctx: Context::new(model),
        charm: None,
        original_charm: None,
        report: HookReport {
            event: event_name.clone(),
            ..HookReport::default()
        },
        notices: None,
        notices_changed: false,
        event_count: None,
        custom_events: 0,
    };

    let only_status = evaluation == StatusEvaluation::Only;
    if !restricted && !only_status {
        if let Err(e) = hook.reemit(&mut state) {
            return hook.ended_early(&state, e);
        }
    }
    let emitted = if let Some(event) = custom.filter(|_| !only_status) {
        log::debug!(target: "ops_core", "Emitting custom event {}.", event.name);
        hook.emit(&mut state, event)
    } else {
        hook.emit_juju_event(&mut state, &env, &event_name, only_status)
    };
    if let Err(e) = emitted {
        return hook.ended_early(&state, e);
    }
    // As ops: not in a restricted context (collect-metrics), where is-leader cannot run.
    if !restricted && evaluation != StatusEvaluation::Skip {
        if let Err(e) = hook.evaluate_status(&mut state) {
            return hook.ended_early(&state, e);
        }
    }
    // Then ops' framework.commit(): `pre_commit` and `commit` to their observers.
    if let Err(e) = hook.framework_commit(&mut state) {
        return hook.ended_early(&state, e);
    }
    hook.commit(&mut state)
}

impl<C: Charm> Hook<C> {
    /// A hook that stopped before its commit with `error`. A handler that ended it early
    /// ([`DispatchError::Aborted`]) is ops' `_Abort(0)`: the hook exits 0, what the hook tools
    /// did stays (Juju keeps it), stored state and deferred events are not committed.
    fn ended_early(
        self,
        state: &UnitState,
        error: DispatchError,
    ) -> Result<HookReport, DispatchError> {
        let DispatchError::Aborted(reason) = error else {
            return Err(error);
        };
        log::debug!(target: "ops_core", "The hook ended early: {reason}");
        let mut report = self.report;
        report.aborted = Some(reason);
        report.store_opened = state.opened;
        report.deferred = self.notices.as_ref().map(Vec::len).unwrap_or(0);
        Ok(report)
    }

    /// Emit the Juju event the environment names (none for a framework event or an event the
    /// charm does not define).
    fn emit_juju_event(
        &mut self,
        state: &mut UnitState,
        env: &JujuContext,
        event_name: &str,
        only_status: bool,
    ) -> Result<(), DispatchError> {
        let hook = self;
        match C::meta().event(event_name) {
            _ if only_status => {}
            // The framework's own events are not hooks.
            Some(meta_event) if meta_event.kind.is_framework() => {
                log::debug!(target: "ops_core", "Event {event_name} is emitted by the framework, not Juju.");
            }
            Some(meta_event) => {
                let snapshot = snapshot_from_env(
                    env,
                    hook.ctx.model(),
                    event_name,
                    meta_event.kind,
                    meta_event.source,
                )?;
                log::debug!(target: "ops_core", "Emitting Juju event {event_name}.");
                hook.emit(state, snapshot)?;
            }
            None => {
                log::debug!(target: "ops_core", "Event {event_name} not defined for {}.", C::TYPE_NAME);
            }
        }
        Ok(())
    }
}

fn choose_store<C: Charm>(charm_dir: &Path, env: &JujuContext) -> StoreSource {
    let path = charm_dir.join(STATE_FILE);
    match C::STORAGE {
        StorageChoice::Local => StoreSource::Local(path),
        StorageChoice::Controller => StoreSource::Controller,
        StorageChoice::Auto => {
            if SledStore::exists(&path) {
                StoreSource::Local(path)
            } else if C::meta().series.iter().any(|s| s == "kubernetes") {
                if env.version.has_controller_storage() {
                    log::debug!(target: "ops_core", "Using controller storage: JUJU_VERSION={}", env.version);
                    StoreSource::Controller
                } else {
                    log::debug!(target: "ops_core", "Using local storage: JUJU_VERSION={}", env.version);
                    StoreSource::Local(path)
                }
            } else {
                log::debug!(target: "ops_core", "Using local storage: not a Kubernetes podspec charm");
                StoreSource::Local(path)
            }
        }
    }
}

/// The event's arguments, from Juju's environment.
fn snapshot_from_env(
    env: &JujuContext,
    model: &Model,
    name: &str,
    kind: EventKind,
    source: Option<String>,
) -> Result<EventSnapshot, DispatchError> {
    let mut snap = EventSnapshot::new(name, kind);
    match kind {
        EventKind::RelationCreated
        | EventKind::RelationJoined
        | EventKind::RelationChanged
        | EventKind::RelationDeparted
        | EventKind::RelationBroken => {
            let id = env.relation_id.ok_or_else(|| {
                DispatchError::Event(format!("{name}: JUJU_RELATION_ID is not set"))
            })?;
            let rel = env.relation_name.clone().or(source).unwrap_or_default();
            snap.relation = Some((rel, id));
            snap.app = env.remote_app.clone();
            snap.unit = env.remote_unit.clone();
            snap.departing_unit = env.departing_unit.clone();
        }
        EventKind::StorageAttached | EventKind::StorageDetaching => {
            snap.storage = Some(match &env.storage_id {
                Some(id) => {
                    let (n, i) = id.split_once('/').ok_or_else(|| {
                        DispatchError::Event(format!("{name}: invalid JUJU_STORAGE_ID {id:?}"))
                    })?;
                    let i: u32 = i.parse().map_err(|_| {
                        DispatchError::Event(format!("{name}: invalid JUJU_STORAGE_ID {id:?}"))
                    })?;
                    (n.to_string(), i, env.storage_location.clone())
                }
                // As ops: the storage is the event's, its index and location come from
                // `storage-get --help` (the default `-s` key) and `storage-get -s <key> location`.
                None => {
                    let storage = source.ok_or_else(|| {
                        DispatchError::Event(format!("{name}: JUJU_STORAGE_ID is not set"))
                    })?;
                    let (index, location) = model
                        .backend()
                        .storage_event_details()
                        .map_err(ModelError::from)?;
                    (storage, index, Some(PathBuf::from(location)))
                }
            });
        }
        EventKind::PebbleReady => {
            snap.workload = Some(env.workload_name.clone().or(source).ok_or_else(|| {
                DispatchError::Event(format!("{name}: JUJU_WORKLOAD_NAME is not set"))
            })?);
        }
        EventKind::PebbleCustomNotice => {
            snap.workload = Some(env.workload_name.clone().or(source).ok_or_else(|| {
                DispatchError::Event(format!("{name}: JUJU_WORKLOAD_NAME is not set"))
            })?);
            snap.notice = Some(env.notice.clone().ok_or_else(|| {
                DispatchError::Event(format!(
                    "{name}: JUJU_NOTICE_ID, JUJU_NOTICE_TYPE and JUJU_NOTICE_KEY must be set"
                ))
            })?);
        }
        EventKind::PebbleCheckFailed | EventKind::PebbleCheckRecovered => {
            snap.workload = Some(env.workload_name.clone().or(source).ok_or_else(|| {
                DispatchError::Event(format!("{name}: JUJU_WORKLOAD_NAME is not set"))
            })?);
            snap.check = Some(env.check_name.clone().ok_or_else(|| {
                DispatchError::Event(format!("{name}: JUJU_PEBBLE_CHECK_NAME is not set"))
            })?);
        }
        EventKind::SecretChanged
        | EventKind::SecretRotate
        | EventKind::SecretRemove
        | EventKind::SecretExpired => {
            let id = env.secret_id.clone().ok_or_else(|| {
                DispatchError::Event(format!("{name}: JUJU_SECRET_ID is not set"))
            })?;
            snap.secret = Some(crate::events::SecretRef {
                id,
                label: env.secret_label.clone().filter(|l| !l.is_empty()),
                revision: env.secret_revision,
            });
        }
        EventKind::Action => snap.action = source,
        _ => {}
    }
    Ok(snap)
}

/// The unit's persistent state for this hook, opened lazily.
struct UnitState {
    source: StoreSource,
    runner: Rc<dyn ToolRunner>,
    store: Option<Box<dyn Store>>,
    entries: Option<BTreeMap<String, Vec<u8>>>,
    opened: bool,
    prefetched: bool,
    /// The charm a Python ops state found in place of the local database would be migrated to.
    migration: Option<migrate::Target>,
    /// Entries migrated from a Python ops state, written with the hook's commit.
    migrated: Changes,
    /// The local state's lock, held from the first access to the end of the hook (declared last:
    /// released after the store is closed).
    lock: Option<StateLock>,
}

impl UnitState {
    fn new(source: StoreSource, runner: Rc<dyn ToolRunner>) -> Self {
        UnitState {
            source,
            runner,
            store: None,
            entries: None,
            opened: false,
            prefetched: false,
            migration: None,
            migrated: Changes::new(),
            lock: None,
        }
    }

    /// Take the local state's lock (once per hook), so that a hook overlapping this one (`juju
    /// exec`, debug-hooks, `dispatch` run by hand) waits instead of losing an update.
    fn lock(&mut self) -> Result<(), DispatchError> {
        if let (StoreSource::Local(path), None) = (&self.source, &self.lock) {
            self.lock = Some(StateLock::acquire(path, STATE_LOCK_WAIT)?);
        }
        Ok(())
    }

    /// Migrate a Python ops state found in place of the local database to `target`.
    fn migrating_to(mut self, target: migrate::Target) -> Self {
        self.migration = Some(target);
        self
    }

    /// With nothing stored yet, a local database that is a Python ops state (or its backup left by
    /// an earlier hook that did not commit) is read and converted: its entries are added to
    /// `loaded` and kept for the commit. See [`crate::migrate`].
    fn migrate(&mut self, loaded: &mut BTreeMap<String, Vec<u8>>) -> Result<(), DispatchError> {
        let (StoreSource::Local(path), Some(_)) = (&self.source, &self.migration) else {
            return Ok(());
        };
        let Some(backup) = migrate::set_aside(path)? else {
            return Ok(());
        };
        let python = migrate::read_python_state(migrate::PYTHON, &backup)?;
        self.take_migrated(&python, loaded)
    }

    /// The controller held Python ops' state (`loaded`): replace it with its migration.
    fn migrate_controller(
        &mut self,
        loaded: &mut BTreeMap<String, Vec<u8>>,
    ) -> Result<(), DispatchError> {
        if self.migration.is_none() {
            return Ok(());
        }
        log::info!("Migrating the unit's Python ops state kept on the controller.");
        let python = migrate::from_controller(loaded)?;
        loaded.clear();
        self.take_migrated(&python, loaded)
    }

    /// Convert `python` for the charm, add the result to `loaded` and keep it for the commit.
    fn take_migrated(
        &mut self,
        python: &migrate::PythonState,
        loaded: &mut BTreeMap<String, Vec<u8>>,
    ) -> Result<(), DispatchError> {
        let Some(target) = &self.migration else {
            return Ok(());
        };
        let (changes, warnings) = migrate::convert(python, target)?;
        for warning in warnings {
            log::warn!("{warning}");
        }
        for (key, value) in &changes {
            if let Some(value) = value {
                loaded.insert(key.clone(), value.clone());
            }
        }
        self.migrated = changes;
        Ok(())
    }

    fn open(&mut self) -> Result<&mut Box<dyn Store>, DispatchError> {
        if self.store.is_none() {
            self.lock()?;
            let store: Box<dyn Store> = match &mut self.source {
                StoreSource::Local(path) => {
                    if !SledStore::exists(path) {
                        log::debug!(target: "ops_core", "Initializing local storage: {}.", path.display());
                    }
                    // Reads and commits go to its checksummed copies; sled is opened only when needed.
                    let store = SledStore::open_lazy(path);
                    // The state's lock, taken above, is held until after the store is dropped.
                    Box::new(match &self.lock {
                        Some(lock) => store.under_lock(lock),
                        None => store,
                    })
                }
                StoreSource::Controller => Box::new(ControllerStore::new(self.runner.clone())),
                StoreSource::Given(_) => {
                    match std::mem::replace(&mut self.source, StoreSource::Controller) {
                        StoreSource::Given(s) => s,
                        _ => unreachable!("matched Given above"),
                    }
                }
            };
            self.store = Some(store);
            self.opened = true;
        }
        match self.store.as_mut() {
            Some(s) => Ok(s),
            None => Err(DispatchError::Event("state store unavailable".into())),
        }
    }

    /// Everything stored (empty without opening anything when no local database exists yet).
    fn entries(&mut self) -> Result<&BTreeMap<String, Vec<u8>>, DispatchError> {
        if self.entries.is_none() {
            self.lock()?;
            let fresh_local =
                matches!(&self.source, StoreSource::Local(p) if !SledStore::exists(p));
            let mut loaded = if fresh_local && self.store.is_none() {
                BTreeMap::new()
            } else {
                self.open()?.load_all()?
            };
            let python_controller = self
                .store
                .as_ref()
                .is_some_and(|s| s.written_by_python_ops());
            if python_controller {
                self.migrate_controller(&mut loaded)?;
            } else if loaded.is_empty() {
                self.migrate(&mut loaded)?;
            }
            self.entries = Some(loaded);
        }
        Ok(self.entries.get_or_insert_with(BTreeMap::new))
    }

    /// Write `changes` (and what a migration brought) in one atomic step; whether anything was
    /// written.
    fn commit(&mut self, changes: &Changes) -> Result<bool, DispatchError> {
        let mut all = std::mem::take(&mut self.migrated);
        all.extend(changes.iter().map(|(k, v)| (k.clone(), v.clone())));
        if all.is_empty() {
            return Ok(false);
        }
        self.open()?.commit(&all)?;
        Ok(true)
    }

    /// A commit is likely: let the store get ready for it (open its database in the background) while
    /// the hook goes on.
    fn prefetch(&mut self) {
        if !self.prefetched {
            self.prefetched = true;
            if let Ok(store) = self.open() {
                store.prefetch();
            }
        }
    }
}

struct Hook<C: Charm> {
    ctx: Context<C>,
    charm: Option<C>,
    original_charm: Option<Vec<u8>>,
    report: HookReport,
    notices: Option<Vec<Notice>>,
    notices_changed: bool,
    event_count: Option<u64>,
    /// Custom events emitted so far in this hook (nested emissions included).
    custom_events: usize,
}

/// The most custom events one hook may emit (a guard against handlers re-emitting forever).
const MAX_CUSTOM_EVENTS: usize = 10_000;

impl<C: Charm> Hook<C> {
    fn notices(&mut self, state: &mut UnitState) -> Result<&mut Vec<Notice>, DispatchError> {
        if self.notices.is_none() {
            let list = match state.entries()?.get(NOTICES_KEY) {
                Some(bytes) => serde_json::from_slice(bytes)
                    .map_err(|e| DispatchError::Notices(e.to_string()))?,
                None => Vec::new(),
            };
            self.notices = Some(list);
        }
        Ok(self.notices.get_or_insert_with(Vec::new))
    }

    fn next_event_path(
        &mut self,
        state: &mut UnitState,
        name: &str,
    ) -> Result<String, DispatchError> {
        if self.event_count.is_none() {
            let n = match state.entries()?.get(EVENT_COUNT_KEY) {
                Some(b) => std::str::from_utf8(b)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| DispatchError::Notices("invalid event counter".into()))?,
                None => 0,
            };
            self.event_count = Some(n);
        }
        let n = self.event_count.map(|n| n + 1).unwrap_or(1);
        self.event_count = Some(n);
        let kind = name.strip_prefix("custom:").unwrap_or(name);
        Ok(format!("{}/on/{kind}[{n}]", C::TYPE_NAME))
    }

    fn charm(&mut self, state: &mut UnitState) -> Result<&mut C, DispatchError> {
        if self.charm.is_none() {
            let charm = if C::STATEFUL {
                let bytes = state.entries()?.get(C::KEY).cloned();
                let charm = C::from_stored(bytes.as_deref())?;
                if let (Some(Some(migrated)), true) = (state.migrated.get(C::KEY), bytes.is_some())
                {
                    // No field of the Python charm's state may be dropped by the Rust type.
                    migrate::check_fields_kept(migrated, &charm.to_stored()?, C::TYPE_NAME)?;
                }
                self.original_charm = Some(bytes.unwrap_or_default());
                charm
            } else {
                C::from_stored(None)?
            };
            self.charm = Some(charm);
        }
        match self.charm.as_mut() {
            Some(c) => Ok(c),
            None => Err(DispatchError::Event("charm unavailable".into())),
        }
    }

    /// Call one handler (`reemitted`: for a deferred notice), turning a panic into an error.
    fn call(
        &mut self,
        state: &mut UnitState,
        method: &str,
        event: &EventSnapshot,
        reemitted: bool,
    ) -> Result<bool, DispatchError> {
        self.charm(state)?;
        // The handler may change stored state (or drop the notice being re-emitted): get the store
        // ready for the commit while it runs. (A new event's notice is written only if the handler
        // defers it, which gets the store ready then.)
        if C::STATEFUL || reemitted {
            state.prefetch();
        }
        let Hook {
            ctx, charm, report, ..
        } = self;
        let Some(charm) = charm.as_mut() else {
            return Err(DispatchError::Event("charm unavailable".into()));
        };
        report.handler_calls += 1;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            charm.call_handler(method, ctx, event)
        }));
        let known_method = || {
            C::HANDLERS
                .iter()
                .find(|h| h.method == method)
                .map(|h| h.method)
        };
        let outcome = match result {
            // The handler's relation data is written now, so that a write Juju refuses fails
            // the handler that made it.
            Ok(Ok(deferred)) => match ctx.model().flush() {
                Ok(()) => Ok(deferred),
                Err(e) => Err(HandlerError {
                    method: known_method(),
                    error: Box::new(ModelError::from(e)),
                }),
            },
            Ok(Err(e)) => Err(e),
            Err(payload) => Err(HandlerError {
                method: known_method(),
                error: crate::panic::describe(payload).into(),
            }),
        };
        match outcome {
            Ok(d) => Ok(d),
            Err(e)
                if matches!(
                    e.error.downcast_ref::<ModelError>(),
                    Some(ModelError::RebootNow)
                ) =>
            {
                log::debug!(target: "ops_core", "Rebooting now: the hook ends here.");
                Err(DispatchError::RebootNow)
            }
            Err(e) if aborted(&*e.error).is_some() => {
                let reason = aborted(&*e.error).unwrap_or_default();
                // The handler's relation data is written as ops would have written it before
                // aborting: the hook exits 0, so Juju keeps it.
                if let Err(e) = ctx.model().flush() {
                    let e = HandlerError {
                        method: known_method(),
                        error: Box::new(ModelError::from(e)),
                    };
                    log::error!("Uncaught exception while in charm code:\n{e}");
                    return Err(DispatchError::Handler(e));
                }
                Err(DispatchError::Aborted(reason))
            }
            Err(e) => {
                log::error!("Uncaught exception while in charm code:\n{e}");
                Err(DispatchError::Handler(e))
            }
        }
    }

    /// Re-emit every deferred notice, in order, to the handler that deferred it.
    fn reemit(&mut self, state: &mut UnitState) -> Result<(), DispatchError> {
        let pending = self.notices(state)?.clone();
        for notice in pending {
            let known = C::HANDLERS
                .iter()
                .any(|h| h.event == notice.event.name && h.method == notice.method);
            if !known {
                // The handler is gone (e.g. after an upgrade): ops drops such notices.
                self.drop_notice(&notice);
                continue;
            }
            log::debug!(target: "ops_core", "Re-emitting deferred event <{}>.", notice.path);
            let deferred = self.call(state, &notice.method, &notice.event, true)?;
            // The notice stays queued while the events its handler emitted run (in ops they run
            // inside the handler): an equal one among them is skipped.
            self.run_emitted(state)?;
            if deferred {
                log::debug!(target: "ops_core", "Deferring <{}>.", notice.path);
            } else {
                self.drop_notice(&notice);
            }
        }
        Ok(())
    }

    fn drop_notice(&mut self, notice: &Notice) {
        if self.remove_notice(notice) {
            self.notices_changed = true;
        }
    }

    /// ops' framework events `pre_commit` then `commit`, to their observers (`#[on(pre_commit)]`,
    /// `#[on(commit)]`), at the end of every hook; as in ops they cannot be deferred.
    fn framework_commit(&mut self, state: &mut UnitState) -> Result<(), DispatchError> {
        for name in ["pre_commit", "commit"] {
            let observers: Vec<&'static str> = C::HANDLERS
                .iter()
                .filter(|h| h.event == name)
                .map(|h| h.method)
                .collect();
            if observers.is_empty() {
                continue;
            }
            let event = EventSnapshot::new(name, EventKind::Custom);
            for method in observers {
                if self.call(state, method, &event, false)? {
                    return Err(DispatchError::Event(format!(
                        "{method} deferred `{name}`: the framework's commit events cannot be deferred"
                    )));
                }
                self.run_emitted(state)?;
            }
        }
        Ok(())
    }

    /// Remove `notice` from the queue; whether it was there.
    fn remove_notice(&mut self, notice: &Notice) -> bool {
        let Some(list) = self.notices.as_mut() else {
            return false;
        };
        match list.iter().rposition(|n| n == notice) {
            Some(i) => {
                list.remove(i);
                true
            }
            None => false,
        }
    }

    /// Whether an event equal to `event` is queued for handler `method` (ops'
    /// `Framework._event_is_in_storage`): deferred earlier, or being handled right now.
    fn is_queued(
        &mut self,
        state: &mut UnitState,
        method: &str,
        event: &EventSnapshot,
    ) -> Result<bool, DispatchError> {
        Ok(self
            .notices(state)?
            .iter()
            .any(|n| n.method == method && same_event(&n.event, event)))
    }

    /// Emit an event to every handler observing it.
    ///
    /// As ops' `Framework._emit`: the event is queued for every handler before the first one runs
    /// and stays queued while each runs, and is kept for a handler only if it deferred it. A
    /// handler for which an equal event is already queued is skipped, unless the charm keeps
    /// ops 2.1.1's behaviour ([`Charm::SKIP_DUPLICATE_EVENTS`]).
    fn emit(&mut self, state: &mut UnitState, event: EventSnapshot) -> Result<(), DispatchError> {
        let observers: Vec<&'static str> = C::HANDLERS
            .iter()
            .filter(|h| h.event == event.name)
            .map(|h| h.method)
            .collect();
        if observers.is_empty() {
            return Ok(());
        }
        let path = self.next_event_path(state, &event.name)?;
        let mut queued = Vec::with_capacity(observers.len());
        for method in observers {
            if C::SKIP_DUPLICATE_EVENTS && self.is_queued(state, method, &event)? {
                log::info!(
                    "Skipping notice ({path}/{}/{method}) - already in the queue.",
                    C::TYPE_NAME
                );
                continue;
            }
            queued.push(Notice {
                path: path.clone(),
                method: method.to_string(),
                event: event.clone(),
            });
        }
        // As in ops, the event is queued for its handlers before they run; it is kept for those
        // that defer it.
        self.notices(state)?.extend(queued.iter().cloned());
        for notice in queued {
            let deferred = self.call(state, &notice.method, &notice.event, false)?;
            self.run_emitted(state)?;
            if deferred {
                log::debug!(target: "ops_core", "Deferring <{path}>.");
                state.prefetch();
                self.notices_changed = true;
            } else {
                self.remove_notice(&notice);
            }
        }
        Ok(())
    }

    /// Run the custom events handlers emitted, until none is left. The guard counts every custom
    /// event of the hook: a handler re-emitting its own event nests calls (run_emitted → emit →
    /// run_emitted), so a count per call would never reach the limit.
    fn run_emitted(&mut self, state: &mut UnitState) -> Result<(), DispatchError> {
        loop {
            let emitted = self.ctx.take_emitted();
            if emitted.is_empty() {
                return Ok(());
            }
            for event in emitted {
                self.custom_events += 1;
                if self.custom_events > MAX_CUSTOM_EVENTS {
                    return Err(DispatchError::EventLoop(MAX_CUSTOM_EVENTS));
                }
                log::debug!(target: "ops_core", "Emitting custom event {}.", event.name);
                self.emit(state, event)?;
            }
        }
    }

    /// ops' `_evaluate_status`: on the leader, emit `collect_app_status` and set the application
    /// status it collected; then emit `collect_unit_status` and set the unit status. An event the
    /// charm does not observe is not emitted, and `is-leader` is asked only when the charm
    /// observes `collect_app_status`: a charm without collect-status handlers makes no call at all
    /// (ops always asks `is-leader`).
    fn evaluate_status(&mut self, state: &mut UnitState) -> Result<(), DispatchError> {
        let observed = |name: &str| C::HANDLERS.iter().any(|h| h.event == name);
        let model = self.ctx.model().clone();
        if observed("collect_app_status") && model.unit().is_leader()? {
            let event = EventSnapshot::new("collect_app_status", EventKind::CollectAppStatus);
            self.emit(state, event)?;
            model.set_collected_status(true)?;
        }
        if observed("collect_unit_status") {
            let event = EventSnapshot::new("collect_unit_status", EventKind::CollectUnitStatus);
            self.emit(state, event)?;
            model.set_collected_status(false)?;
        }
        Ok(())
    }

    /// Flush relation data (each handler's was flushed when it returned: nothing is left unless
    /// written outside a handler), then write the stored state and notices in one atomic step.
    fn commit(mut self, state: &mut UnitState) -> Result<HookReport, DispatchError> {
        self.ctx.model().flush().map_err(ModelError::from)?;
        let mut changes = Changes::new();
        if let (Some(charm), true) = (&self.charm, C::STATEFUL) {
            let bytes = charm.to_stored()?;
            if self.original_charm.as_deref() != Some(bytes.as_slice()) {
                changes.insert(C::KEY.to_string(), Some(bytes));
            }
        }
        if self.notices_changed {
            let list = self.notices.clone().unwrap_or_default();
            let bytes =
                serde_json::to_vec(&list).map_err(|e| DispatchError::Notices(e.to_string()))?;
            changes.insert(NOTICES_KEY.to_string(), Some(bytes));
        }
        if !changes.is_empty() {
            if let Some(n) = self.event_count {
                changes.insert(
                    EVENT_COUNT_KEY.to_string(),
                    Some(n.to_string().into_bytes()),
                );
            }
        }
        self.report.committed = state.commit(&changes)?;
        self.report.store_opened = state.opened;
        self.report.deferred = self.notices.as_ref().map(Vec::len).unwrap_or(0);
        Ok(self.report)
    }
}

/// The reason, if a handler's error is [`ModelError::HookAborted`] (returned by the handler, or
/// by the rebuilding of its action event).
fn aborted(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let model = match error.downcast_ref::<crate::events::EventError>() {
        Some(crate::events::EventError::Model(e)) => Some(e),
        _ => error.downcast_ref::<ModelError>(),
    };
    match model {
        Some(ModelError::HookAborted(reason)) => Some(reason.clone()),
        _ => None,
    }
}

/// Whether two events are the same for ops' duplicate check: the same event, with equal snapshots.
///
/// ops compares what each event's `snapshot()` saves; everything an [`EventSnapshot`] holds is in
/// it except the revision of `secret-changed` and `secret-rotate` (ops keeps it only for
/// `secret-remove` and `secret-expired`).
fn same_event(queued: &EventSnapshot, event: &EventSnapshot) -> bool {
    if !matches!(
        event.kind,
        EventKind::SecretChanged | EventKind::SecretRotate
    ) {
        return queued == event;
    }
    let without_revision = |e: &EventSnapshot| {
        let mut e = e.clone();
        if let Some(secret) = e.secret.as_mut() {
            secret.revision = None;
        }
        e
    };
    without_revision(queued) == without_revision(event)
}

/// Run `hooks/<event>` when a charm has both `dispatch` and a legacy hook (ops runs it first).
fn run_legacy_hook(
    charm_dir: &Path,
    dispatch_path: &Path,
    argv0: &Path,
) -> Result<(), DispatchError> {
    let hook = charm_dir.join(dispatch_path);
    if dispatch_path.as_os_str().is_empty() || !hook.is_file() {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let executable = std::fs::metadata(&hook)
            .map(|m| m.permissions().mode() & 0o111 != 0)
            .unwrap_or(false);
        if !executable {
            log::warn!(
                "Legacy {} exists but is not executable.",
                dispatch_path.display()
            );
            return Ok(());
        }
    }
    let same = match (hook.canonicalize(), argv0.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        log::debug!(target: "ops_core", "Legacy {} is just a link to ourselves.", dispatch_path.display());
        return Ok(());
    }
    log::info!("Running legacy {}.", dispatch_path.display());
    match std::process::Command::new(&hook)
        .args(std::env::args_os().skip(1))
        .status()
    {
        Ok(status) if status.success() => {
            log::debug!(target: "ops_core", "Legacy {} exited with status 0.", dispatch_path.display());
            Ok(())
        }
        Ok(status) => {
            let code = status.code().unwrap_or(1);
            log::warn!(
                "Legacy {} exited with status {code}.",
                dispatch_path.display()
            );
            Err(DispatchError::LegacyHook {
                path: dispatch_path.to_path_buf(),
                code,
            })
        }
        Err(e) => {
            log::warn!("Unable to run legacy {}: {e}", dispatch_path.display());
            Err(DispatchError::LegacyHook {
                path: dispatch_path.to_path_buf(),
                code: 1,
            })
        }
    }
}

/// For Juju without dispatch: on install, start, upgrade-charm and storage-attached, link
/// `hooks/<hook>` and `actions/<action>` to the charm binary for every event (as ops does).
fn ensure_event_links<C: Charm>(charm_dir: &Path, event_name: &str, argv0: &Path) {
    let setup_event = matches!(event_name, "install" | "start" | "upgrade_charm")
        || event_name.ends_with("_storage_attached");
    if !setup_event {
        return;
    }
    let Ok(target) = argv0.canonicalize() else {
        return;
    };
    for event in C::meta().events() {
        let (dir, file) = match event.kind {
            EventKind::Action => match &event.source {
                Some(a) => (charm_dir.join("actions"), a.clone()),
                None => continue,
            },
            EventKind::Custom => continue,
            kind if kind.is_framework() => continue,
            _ => (charm_dir.join("hooks"), event.name.replace('_', "-")),
        };
        if std::fs::create_dir_all(&dir).is_err() {
            continue;
        }
        let link = dir.join(&file);
        if link.exists() || link.symlink_metadata().is_ok() {
            continue;
        }
        let rel = relative_path(&target, &dir);
        #[cfg(unix)]
        if std::os::unix::fs::symlink(&rel, &link).is_ok() {
            log::debug!(target: "ops_core", "Creating a new relative symlink at {}.", link.display());
        }
    }
}

/// `target` relative to directory `from` (both absolute).
fn relative_path(target: &Path, from: &Path) -> PathBuf {
    let from = from.canonicalize().unwrap_or_else(|_| from.to_path_buf());
    let t: Vec<_> = target.components().collect();
    let f: Vec<_> = from.components().collect();
    let common = t.iter().zip(f.iter()).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_names_follow_ops() {
        assert_eq!(event_name_from_path(Path::new("hooks/install")), "install");
        assert_eq!(
            event_name_from_path(Path::new("hooks/db-relation-changed")),
            "db_relation_changed"
        );
        assert_eq!(
            event_name_from_path(Path::new("actions/do-backup")),
            "do_backup_action"
        );
        assert_eq!(
            event_name_from_path(Path::new("/x/charm/hooks/start")),
            "start"
        );
    }

    #[test]
    fn event_names_read_paths_as_the_path_type_does() {
        // What `Path::file_name` of the path and of its parent give, for awkward paths.
        fn by_path_type(path: &Path) -> String {
            let base = path
                .file_name()
                .map(|f| f.to_string_lossy().replace('-', "_"))
                .unwrap_or_default();
            match path.parent().and_then(Path::file_name) {
                Some(p) if p == "actions" => format!("{base}_action"),
                _ => base,
            }
        }
        for p in [
            "hooks/install",
            "hooks/install/",
            "hooks//install",
            "./hooks/./install",
            "actions/./do-backup",
            "actions//do-backup/",
            "install",
            "",
            "/",
            "hooks/..",
            "a/../start",
            "actions",
            "x/actions/y",
            "/actions/y",
        ] {
            assert_eq!(
                event_name_from_path(Path::new(p)),
                by_path_type(Path::new(p)),
                "{p:?}"
            );
        }
    }

    #[test]
    fn relative_links() {
        assert_eq!(
            relative_path(Path::new("/a/b/dispatch"), Path::new("/a/b/hooks")),
            PathBuf::from("../dispatch")
        );
    }
}
