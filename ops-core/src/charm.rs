//! The contract between a charm and the runtime: what `#[charm]` implements.

use crate::context::Context;
use crate::events::EventSnapshot;
use crate::stored::StoredState;
use ops_metadata::CharmMeta;

/// One `#[on(event)]` handler: the event it observes and the method that handles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handler {
    /// Python ops' event name, e.g. `config_changed` or `db_relation_joined`.
    pub event: &'static str,
    /// The handler method's name.
    pub method: &'static str,
}

/// Where a charm keeps its stored state and deferred events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageChoice {
    /// As ops with `use_juju_for_storage=None`: the local database, except on a Kubernetes pod-spec
    /// charm (`series: [kubernetes]`) without a local database, where the controller is used.
    Auto,
    /// The local sled database in the charm directory (`.unit-state.db`).
    Local,
    /// Juju's controller-side storage (`state-get` / `state-set`), for Kubernetes charms whose pod
    /// may be replaced (ops' `use_juju_for_storage=True`).
    Controller,
}

/// What to do with a config that does not decode (ops 3's `load_config(cls, errors=...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConfigErrors {
    /// Return [`ModelError::Config`](crate::model::ModelError::Config), naming the option: the
    /// handler decides (`?` fails the hook). ops: `errors='raise'`.
    #[default]
    Raise,
    /// Set the unit status to blocked (`Invalid config: <option>: <reason>`) and end the hook
    /// with exit status 0, committing nothing more: the error is
    /// [`ModelError::HookAborted`](crate::model::ModelError::HookAborted), which the handler
    /// returns with `?`. ops: `errors='blocked'`.
    Blocked,
}

/// What to do with action params that do not decode (ops 3's `load_params(cls, errors=...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ParamsErrors {
    /// Fail the handler with the decoding error, naming the param (the hook exits 1). ops:
    /// `errors='raise'`.
    #[default]
    Raise,
    /// Fail the action (`action-fail "Error in action parameters: <param>: <reason>"`) and end
    /// the hook with exit status 0, committing nothing more
    /// ([`ModelError::HookAborted`](crate::model::ModelError::HookAborted)). ops: `errors='fail'`.
    Fail,
}

/// A charm: implemented by `#[charm]` on the charm's `impl` block.
///
/// The charm value itself is the charm's stored state (see [`StoredState`]): it is loaded before the
/// first handler of a hook runs and saved at commit if it changed.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// #[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
/// struct Tiny {
///     installs: u32,
/// }
///
/// #[charm(dir = "tests/fixtures/tiny")]
/// impl Tiny {
///     #[on(install)]
///     fn install(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) {
///         self.installs += 1;
///     }
/// }
///
/// // What `#[charm]` implemented: the metadata, the dispatch table, the config type.
/// assert_eq!(Tiny::meta().name, "tiny");
/// assert_eq!(Tiny::HANDLERS[0].event, "install");
/// let _: <Tiny as Charm>::Config = Config::default();
/// ```
pub trait Charm: StoredState + 'static {
    /// The typed config, generated from `config.yaml`.
    type Config: serde::de::DeserializeOwned + 'static;

    /// The charm type's name, used in event handle paths (`Counter/on/install[1]`).
    const TYPE_NAME: &'static str;

    /// Every handler, in declaration order (the order ops would call observers in).
    const HANDLERS: &'static [Handler];

    /// Where stored state lives (`#[charm(storage = "...")]`).
    const STORAGE: StorageChoice = StorageChoice::Auto;

    /// Whether an event equal to one still deferred for a handler is skipped for that handler, as
    /// ops ≥ 2.18 does by default (its `Framework(skip_duplicate_events=True)`): the waiting event
    /// stands for the new one, whose handler does not run and which is not queued again. `false`
    /// (`#[charm(skip_duplicate_events = false)]`) keeps ops 2.1.1's behaviour: the handler runs
    /// for every event, and each one it defers is queued.
    const SKIP_DUPLICATE_EVENTS: bool = true;

    /// What [`Context::config`] does when the config does not decode into [`Charm::Config`]
    /// (`#[charm(config_errors = "blocked")]`; ops 3's `load_config(errors=...)`).
    const CONFIG_ERRORS: ConfigErrors = ConfigErrors::Raise;

    /// What happens when an action's params do not decode into the handler's params type
    /// (`#[charm(params_errors = "fail")]`; ops 3's `load_params(errors=...)`).
    const PARAMS_ERRORS: ParamsErrors = ParamsErrors::Raise;

    /// The charm's metadata, embedded at compile time.
    fn meta() -> &'static CharmMeta;

    /// Run handler `method` for the event described by `event`. Returns whether the handler
    /// deferred the event.
    fn call_handler(
        &mut self,
        method: &str,
        ctx: &mut Context<Self>,
        event: &EventSnapshot,
    ) -> Result<bool, HandlerError>;
}

/// A handler's failure: the error it returned (or a failure to rebuild its event), with its
/// source chain rendered for the log.
#[derive(Debug)]
pub struct HandlerError {
    /// The handler method, if known.
    pub method: Option<&'static str>,
    /// The error.
    pub error: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl HandlerError {
    /// Wrap an error raised by handler `method`.
    pub fn new(
        method: &'static str,
        error: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        HandlerError {
            method: Some(method),
            error: error.into(),
        }
    }

    /// A method name the charm does not have (a deferred notice for a handler that was removed).
    pub fn unknown_method(method: &str) -> Self {
        HandlerError {
            method: None,
            error: format!("no handler method `{method}`").into(),
        }
    }
}

impl std::fmt::Display for HandlerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(m) = self.method {
            write!(f, "handler `{m}` failed: ")?;
        }
        write!(f, "{}", self.error)?;
        let mut source = self.error.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

impl std::error::Error for HandlerError {}

/// What a handler may return: `()` or a `Result<(), E>` for any error type `E`.
pub trait IntoHandlerResult {
    /// Convert to a uniform result.
    fn into_handler_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>>;
}

impl IntoHandlerResult for () {
    fn into_handler_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        Ok(())
    }
}

impl<E> IntoHandlerResult for Result<(), E>
where
    E: Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
{
    fn into_handler_result(self) -> Result<(), Box<dyn std::error::Error + Send + Sync + 'static>> {
        self.map_err(Into::into)
    }
}
