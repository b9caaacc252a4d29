//! [`Backend`]: one method per Juju hook tool, with ops 2.1.1's exact argv, parsing, error mapping
//! and caching (ops: `ops.model._ModelBackend`).
//!
//! The methods are spread over several files by topic (relations, status, storage, actions,
//! network/ports, secrets, everything else); this file holds the struct, its constructors, the
//! caches and the call helpers.
//!
//! Calls go through the backend's [`ToolRunner`] by argv, never through a shell. As in ops,
//! `--format=json` is appended *after* the positional arguments where ops uses JSON, and a
//! non-zero exit becomes [`HookToolError::Failed`] carrying the tool's stderr.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use serde_json::Value;

use super::clock::{Clock, MonotonicClock};
use super::error::{HookToolError, Result};
use super::runner::ToolRunner;
use crate::env::JujuContext;
use crate::version::JujuVersion;

/// How long an `is-leader` answer is trusted (ops: `LEASE_RENEWAL_PERIOD`, Juju's lease time).
pub const LEASE_RENEWAL_PERIOD: Duration = Duration::from_secs(30);

/// The connection between the model and Juju: runs hook tools and parses their answers.
///
/// Interior-mutable caches, as ops keeps them in the backend or the lazy model mappings:
/// * `is-leader`: re-run only when never run, when the last answer is unknown, or when more than
///   [`LEASE_RENEWAL_PERIOD`] has passed since the last check (the time is taken *before* the
///   tool runs, so the cache never outlives the lease the tool asserted);
/// * `config-get`: run once per process (ops' `ConfigData` lazy mapping);
///   [`Backend::invalidate_config`] forgets it.
pub struct Backend {
    runner: Rc<dyn ToolRunner>,
    unit_name: String,
    app_name: String,
    model_name: Option<String>,
    model_uuid: Option<String>,
    version: JujuVersion,
    event_remote_app: Option<(i64, String)>,
    clock: Rc<dyn Clock>,
    leader_check_time: Cell<Option<Duration>>,
    is_leader: Cell<Option<bool>>,
    config: RefCell<Option<serde_json::Map<String, Value>>>,
    hook_is_running: RefCell<String>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("unit_name", &self.unit_name)
            .field("app_name", &self.app_name)
            .field("model_name", &self.model_name)
            .field("model_uuid", &self.model_uuid)
            .field("version", &self.version)
            .field("event_remote_app", &self.event_remote_app)
            .field("is_leader", &self.is_leader.get())
            .finish_non_exhaustive()
    }
}

impl Backend {
    /// A backend configured from the hook environment: unit, model, version, and the event's
    /// relation id and raw `JUJU_REMOTE_APP` (for [`Backend::relation_remote_app_name`]).
    pub fn new(runner: Rc<dyn ToolRunner>, ctx: &JujuContext) -> Self {
        let mut backend = Backend::for_unit(runner, ctx.unit_name.clone(), ctx.version.clone())
            .with_model(ctx.model_name.clone(), ctx.model_uuid.clone());
        backend.event_remote_app = ctx.event_remote_app();
        backend
    }

    /// A backend for `unit_name` (the application is the part before `/`) on Juju `version`,
    /// using the real monotonic clock, no model name/uuid and no event relation.
    pub fn for_unit(
        runner: Rc<dyn ToolRunner>,
        unit_name: impl Into<String>,
        version: JujuVersion,
    ) -> Self {
        let unit_name = unit_name.into();
        let app_name = unit_name.split('/').next().unwrap_or_default().to_string();
        Backend {
            runner,
            unit_name,
            app_name,
            model_name: None,
            model_uuid: None,
            version,
            event_remote_app: None,
            clock: Rc::new(MonotonicClock::new()),
            leader_check_time: Cell::new(None),
            is_leader: Cell::new(None),
            config: RefCell::new(None),
            hook_is_running: RefCell::new(String::new()),
        }
    }

    /// Uses `clock` for the `is-leader` cache (e.g. a [`FakeClock`](super::FakeClock) in tests).
    pub fn with_clock(mut self, clock: Rc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Sets the model name and uuid (`JUJU_MODEL_NAME`, `JUJU_MODEL_UUID`).
    pub fn with_model(mut self, name: Option<String>, uuid: Option<String>) -> Self {
        self.model_name = name;
        self.model_uuid = uuid;
        self
    }

    /// Declares that the current event is about relation `relation_id` and that Juju set
    /// `JUJU_REMOTE_APP` to `remote_app` (possibly empty).
    pub fn with_event_remote_app(
        mut self,
        relation_id: i64,
        remote_app: impl Into<String>,
    ) -> Self {
        self.event_remote_app = Some((relation_id, remote_app.into()));
        self
    }

    /// The unit this charm runs as, e.g. `myapp/0`.
    pub fn unit_name(&self) -> &str {
        &self.unit_name
    }

    /// The application this charm runs as, e.g. `myapp`.
    pub fn app_name(&self) -> &str {
        &self.app_name
    }

    /// `JUJU_MODEL_NAME`.
    pub fn model_name(&self) -> Option<&str> {
        self.model_name.as_deref()
    }

    /// `JUJU_MODEL_UUID`.
    pub fn model_uuid(&self) -> Option<&str> {
        self.model_uuid.as_deref()
    }

    /// The Juju version (`JUJU_VERSION`).
    pub fn version(&self) -> &JujuVersion {
        &self.version
    }

    /// The runner the tools go through.
    pub fn runner(&self) -> &Rc<dyn ToolRunner> {
        &self.runner
    }

    /// The event relation id and raw `JUJU_REMOTE_APP`, if both were set.
    pub fn event_remote_app(&self) -> Option<(i64, &str)> {
        self.event_remote_app
            .as_ref()
            .map(|(id, app)| (*id, app.as_str()))
    }

    /// The name of the event whose handler is running (`""` outside handlers; ops:
    /// `_hook_is_running`, which turns relation-data access checks on).
    pub fn hook_is_running(&self) -> String {
        self.hook_is_running.borrow().clone()
    }

    /// Sets [`Backend::hook_is_running`] (the framework does this around each handler call).
    pub fn set_hook_is_running(&self, event_name: &str) {
        *self.hook_is_running.borrow_mut() = event_name.to_string();
    }

    /// Forgets the `is-leader` answer so the next [`Backend::is_leader`] asks Juju again.
    pub fn invalidate_leader(&self) {
        self.leader_check_time.set(None);
    }

    /// Forgets the cached `config-get` answer.
    pub fn invalidate_config(&self) {
        *self.config.borrow_mut() = None;
    }

    /// Whether this unit is the leader (`is-leader --format=json`), cached as described on
    /// [`Backend`]. If the tool fails, the check time is still recorded (as in ops).
    pub fn is_leader(&self) -> Result<bool> {
        let now = self.clock.now();
        let check = match self.leader_check_time.get() {
            None => true,
            Some(last) => {
                now.saturating_sub(last) > LEASE_RENEWAL_PERIOD || self.is_leader.get().is_none()
            }
        };
        if check {
            // The time MUST be saved before running is-leader, so the cache is only used inside
            // the window that is-leader itself asserts.
            self.leader_check_time.set(Some(now));
            let answer = self.call_json("is-leader", Vec::new(), |v| {
                v.as_bool()
                    .ok_or_else(|| "expected a JSON boolean".to_string())
            })?;
            self.is_leader.set(Some(answer));
        }
        // A check ran (and set the value) unless the cached value is known.
        Ok(self.is_leader.get().unwrap_or(false))
    }

    /// The charm's configuration as Juju reports it (`config-get --format=json`): option name →
    /// JSON value. Run once per process; later calls return the cached map.
    pub fn config_get(&self) -> Result<serde_json::Map<String, Value>> {
        if let Some(config) = self.config.borrow().as_ref() {
            return Ok(config.clone());
        }
        let config = self.call_json("config-get", Vec::new(), |v| match v {
            Value::Object(map) => Ok(map),
            other => Err(format!("expected a JSON object, got {other}")),
        })?;
        *self.config.borrow_mut() = Some(config.clone());
        Ok(config)
    }

    // ---- call helpers ------------------------------------------------------------------------

    /// Runs `tool args` (stdin fed when given) and returns its stdout; a non-zero exit becomes
    /// [`HookToolError::Failed`].
    pub(crate) fn call(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<Vec<u8>> {
        let out = self.runner.run(tool, args, stdin)?;
        if !out.success() {
            return Err(HookToolError::failed(
                tool,
                args,
                out.code,
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        Ok(out.stdout)
    }

    /// [`Backend::call`] with stdout decoded as UTF-8 (else [`HookToolError::Parse`]).
    pub(crate) fn call_text(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<String> {
        let stdout = self.call(tool, args, stdin)?;
        String::from_utf8(stdout).map_err(|e| {
            HookToolError::parse(
                tool,
                args,
                &String::from_utf8_lossy(e.as_bytes()),
                "output is not valid UTF-8",
            )
        })
    }

    /// Runs `tool args --format=json` and converts the decoded JSON with `convert`; empty or
    /// invalid JSON, or a conversion error, becomes [`HookToolError::Parse`].
    pub(crate) fn call_json<T>(
        &self,
        tool: &str,
        args: Vec<String>,
        convert: impl FnOnce(Value) -> std::result::Result<T, String>,
    ) -> Result<T> {
        let (args, text) = self.json_output(tool, args)?;
        let value: Value = decode_json(tool, &args, &text)?;
        convert(value).map_err(|message| HookToolError::parse(tool, &args, &text, message))
    }

    /// [`Backend::call_json`] deserializing into `T` with serde, straight from the text (no
    /// intermediate `Value`).
    pub(crate) fn call_json_as<T: serde::de::DeserializeOwned>(
        &self,
        tool: &str,
        args: Vec<String>,
    ) -> Result<T> {
        let (args, text) = self.json_output(tool, args)?;
        decode_json(tool, &args, &text)
    }

    /// Runs `tool args --format=json`: the argv it ran and its output.
    fn json_output(&self, tool: &str, mut args: Vec<String>) -> Result<(Vec<String>, String)> {
        args.push("--format=json".to_string());
        let text = self.call_text(tool, &args, None)?;
        Ok((args, text))
    }
}

/// `text` (what `tool args` printed) decoded as `T`; [`HookToolError::Parse`] otherwise, saying
/// `invalid JSON` when it is not JSON at all.
fn decode_json<T: serde::de::DeserializeOwned>(
    tool: &str,
    args: &[String],
    text: &str,
) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        let message = if e.is_syntax() || e.is_eof() {
            format!("invalid JSON: {e}")
        } else {
            e.to_string()
        };
        HookToolError::parse(tool, args, text, message)
    })
}

/// Whether `stderr` contains `needle` (lowercase), in any case: ops lowercases the stderr
/// before looking (`'relation not found' in e.stderr.lower()`).
fn says(stderr: &str, needle: &str) -> bool {
    stderr.to_lowercase().contains(needle)
}

/// Maps a failure whose stderr contains `relation not found` (any case) to
/// [`HookToolError::RelationNotFound`] (ops: `_is_relation_not_found`). Juju prints it for an
/// unknown `-r` (`ERROR invalid value "9" for option -r: relation not found`: the hook context's
/// `errors.NotFoundf("relation")`, worker/uniter/runner/context/context.go `Relation`).
pub(crate) fn relation_not_found(err: HookToolError, id: Option<i64>) -> HookToolError {
    match &err {
        HookToolError::Failed { stderr, .. } if says(stderr, "relation not found") => {
            HookToolError::RelationNotFound { id }
        }
        _ => err,
    }
}

/// Maps a `storage-get -s <id>` failure saying the storage is `not found` to
/// [`HookToolError::StorageNotFound`]: Juju 3 prints `ERROR invalid value "data/9" for option -s:
/// storage attachment data/9:unit/0 not found` (state/storage.go `storageAttachment`, through
/// the `-s` flag's parser, worker/uniter/runner/jujuc/storage-id.go `Set`).
pub(crate) fn storage_not_found(err: HookToolError, id: &str) -> HookToolError {
    match &err {
        HookToolError::Failed { stderr, .. } if says(stderr, "not found") => {
            HookToolError::StorageNotFound { id: id.to_string() }
        }
        _ => err,
    }
}

/// Maps a failure whose stderr contains `not found` (in any case) to
/// [`HookToolError::SecretNotFound`], as ops 3 does (`_wrap_hookcmd`: `'not found' in
/// e.stderr.lower()`), for the tools that name a secret (all `secret-*` tools but `secret-add`). Juju prints, for example,
/// `ERROR secret "secret:<id>" not found`, `ERROR secret with label "<label>" not found`,
/// `ERROR consumer label "<label>" not found` (its `errors.NotFoundf`); `ERROR permission denied`
/// stays a [`HookToolError::Failed`].
pub(crate) fn secret_not_found(err: HookToolError, id_or_label: &str) -> HookToolError {
    match &err {
        HookToolError::Failed { stderr, .. } if says(stderr, "not found") => {
            HookToolError::SecretNotFound {
                id_or_label: id_or_label.to_string(),
            }
        }
        _ => err,
    }
}

/// `Vec<String>` from string literals and values.
macro_rules! argv {
    ($($arg:expr),* $(,)?) => {
        vec![$(::std::string::String::from($arg)),*]
    };
}
pub(crate) use argv;

/// `[String; N]` from string literals and values (for fixed argument lists).
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        [$(::std::string::String::from($arg)),*]
    };
}
pub(crate) use args;

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(tool: &str, stderr: &str) -> HookToolError {
        HookToolError::Failed {
            tool: tool.to_string(),
            args: Vec::new(),
            code: Some(2),
            stderr: stderr.to_string(),
        }
    }

    #[test]
    fn not_found_texts_become_typed_errors_in_any_case() {
        // Juju 3 (see `relation_not_found` and `storage_not_found` for the sources).
        let rel = "ERROR invalid value \"9\" for option -r: relation not found\n";
        assert!(matches!(
            relation_not_found(failed("relation-get", rel), Some(9)),
            HookToolError::RelationNotFound { id: Some(9) }
        ));
        assert!(matches!(
            relation_not_found(failed("relation-get", &rel.to_uppercase()), None),
            HookToolError::RelationNotFound { id: None }
        ));
        let storage = "ERROR invalid value \"data/9\" for option -s: storage attachment \
                       data/9:app/0 not found\n";
        assert!(matches!(
            storage_not_found(failed("storage-get", storage), "data/9"),
            HookToolError::StorageNotFound { id } if id == "data/9"
        ));
        // Other failures, and other errors, pass through.
        for stderr in ["ERROR permission denied\n", "ERROR relation gone\n"] {
            assert!(matches!(
                relation_not_found(failed("relation-get", stderr), Some(9)),
                HookToolError::Failed { .. }
            ));
            assert!(matches!(
                storage_not_found(failed("storage-get", stderr), "data/9"),
                HookToolError::Failed { .. }
            ));
        }
        assert!(matches!(
            storage_not_found(HookToolError::Invalid("x".into()), "data/9"),
            HookToolError::Invalid(_)
        ));
        assert!(says("A Relation Not Found", "relation not found"));
        assert!(!says("relation found", "relation not found"));
    }
}
