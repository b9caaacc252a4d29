//! The hook environment Juju gives a charm process: every `JUJU_*` variable ops 2.1.1 reads
//! (behaviour spec §2) plus the informational ones Juju (and juju-sim) sets.
//!
//! [`JujuContext::from_map`] parses an environment map; [`JujuContext::from_env`] the process
//! environment. Values that ops would fail on (`int()` of a relation id or secret revision, an
//! invalid `JUJU_VERSION`, a remote unit name without `/`) become typed [`EnvError`]s here, at
//! start-up, instead of exceptions later.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use crate::hooktools::pyfmt::py_int;
use crate::version::{JujuVersion, VersionError, DEFAULT_VERSION};

/// A hook environment ops could not work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A required variable is not set (ops: `ValueError('JUJU_UNIT_NAME not set')`).
    #[error("{0} not set")]
    Missing(&'static str),
    /// `JUJU_VERSION` is not a valid version.
    #[error("invalid JUJU_VERSION: {0}")]
    InvalidVersion(#[from] VersionError),
    /// `JUJU_RELATION_ID` is not `[name:]<int>`.
    #[error("invalid JUJU_RELATION_ID {0:?}: expected <relation name>:<integer id>")]
    InvalidRelationId(String),
    /// `JUJU_REMOTE_UNIT` has no `/` and `JUJU_REMOTE_APP` is not set
    /// (ops: `RuntimeError('invalid remote unit name: …')`).
    #[error("invalid remote unit name: {0}")]
    InvalidRemoteUnit(String),
    /// `JUJU_SECRET_REVISION` is not a non-negative integer.
    #[error("invalid JUJU_SECRET_REVISION {0:?}: expected an integer")]
    InvalidSecretRevision(String),
}

/// Everything the hook environment says about the current dispatch.
///
/// Optional values that Juju sets to the empty string when not applicable (remote app/unit,
/// departing unit, storage id, ...) are `None` when empty, as ops treats them; the secret label is
/// kept as given (ops passes `''` through).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JujuContext {
    /// `JUJU_UNIT_NAME`, e.g. `myapp/0` (required).
    pub unit_name: String,
    /// The application name: the unit name up to its first `/`.
    pub app_name: String,
    /// `JUJU_MODEL_NAME`.
    pub model_name: Option<String>,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: Option<String>,
    /// `JUJU_VERSION`, `0.0.0` when unset.
    pub version: JujuVersion,
    /// `JUJU_CHARM_DIR` (as given; ops resolves it and falls back to the binary's location).
    pub charm_dir: Option<PathBuf>,
    /// `JUJU_DISPATCH_PATH`, e.g. `hooks/install` or `actions/backup`.
    pub dispatch_path: Option<String>,
    /// `JUJU_HOOK_NAME` (informational; ops does not read it).
    pub hook_name: Option<String>,
    /// `JUJU_RELATION`: the endpoint name of a relation event.
    pub relation_name: Option<String>,
    /// The integer id of `JUJU_RELATION_ID` (`db:3` → 3).
    pub relation_id: Option<i64>,
    /// `JUJU_REMOTE_APP`, or the application of `JUJU_REMOTE_UNIT` when that is set and this is not.
    pub remote_app: Option<String>,
    /// The raw `JUJU_REMOTE_APP` when set, even to `""` (what
    /// [`Backend::relation_remote_app_name`](crate::hooktools::Backend::relation_remote_app_name)
    /// answers for the event's relation without calling `relation-list`).
    pub remote_app_var: Option<String>,
    /// `JUJU_REMOTE_UNIT`.
    pub remote_unit: Option<String>,
    /// `JUJU_DEPARTING_UNIT`.
    pub departing_unit: Option<String>,
    /// `JUJU_WORKLOAD_NAME`: the container of a `*-pebble-ready` event.
    pub workload_name: Option<String>,
    /// `JUJU_NOTICE_ID`, `JUJU_NOTICE_TYPE`, `JUJU_NOTICE_KEY`: a `*-pebble-custom-notice` event's
    /// notice.
    pub notice: Option<(String, String, String)>,
    /// `JUJU_PEBBLE_CHECK_NAME`: a `*-pebble-check-failed/-recovered` event's check.
    pub check_name: Option<String>,
    /// `JUJU_STORAGE_ID`, e.g. `data/0`.
    pub storage_id: Option<String>,
    /// `JUJU_STORAGE_LOCATION` (informational; ops asks `storage-get` instead).
    pub storage_location: Option<PathBuf>,
    /// `JUJU_STORAGE_KIND` (informational).
    pub storage_kind: Option<String>,
    /// `JUJU_SECRET_ID`.
    pub secret_id: Option<String>,
    /// `JUJU_SECRET_LABEL` (may be `Some("")`).
    pub secret_label: Option<String>,
    /// `JUJU_SECRET_REVISION` as an integer.
    pub secret_revision: Option<u64>,
    /// `JUJU_ACTION_NAME`.
    pub action_name: Option<String>,
    /// `JUJU_ACTION_UUID` (informational).
    pub action_uuid: Option<String>,
    /// Whether `JUJU_DEBUG` is set (to anything): ops then also logs to stderr.
    pub debug: bool,
    /// `JUJU_DEBUG_AT` split on `,` with each item stripped (empty when unset or empty).
    pub debug_at: BTreeSet<String>,
    /// `JUJU_AVAILABILITY_ZONE` (informational).
    pub availability_zone: Option<String>,
    /// `JUJU_CONTEXT_ID` (informational).
    pub context_id: Option<String>,
    /// `JUJU_PRINCIPAL_UNIT` (informational; empty for principal charms).
    pub principal_unit: Option<String>,
    /// `JUJU_MACHINE_ID` (informational).
    pub machine_id: Option<String>,
    /// Whether `OPERATOR_DISPATCH` is set: ops sets it before running a charm, so a charm that
    /// finds it was invoked by itself (via a legacy hook) and must exit 0.
    pub operator_dispatch: bool,
    /// `OPS_PEBBLE_CONTAINERS_DIR`: where the containers' Pebble sockets are
    /// (`<dir>/<name>/pebble.socket`) when not in `/charm/containers` (tests and local runs). Read
    /// from the map like every other variable, so a test harness can give each hook its own
    /// directory without touching the process environment.
    pub pebble_containers_dir: Option<PathBuf>,
}

/// The raw values of the variables [`JujuContext`] reads: borrowed from the environment, or
/// owned (and then moved into the context).
#[derive(Default)]
struct Raw<V> {
    unit_name: Option<V>,
    model_name: Option<V>,
    model_uuid: Option<V>,
    version: Option<V>,
    charm_dir: Option<V>,
    dispatch_path: Option<V>,
    hook_name: Option<V>,
    relation: Option<V>,
    relation_id: Option<V>,
    remote_app: Option<V>,
    remote_unit: Option<V>,
    departing_unit: Option<V>,
    workload_name: Option<V>,
    notice_id: Option<V>,
    notice_type: Option<V>,
    notice_key: Option<V>,
    check_name: Option<V>,
    storage_id: Option<V>,
    storage_location: Option<V>,
    storage_kind: Option<V>,
    secret_id: Option<V>,
    secret_label: Option<V>,
    secret_revision: Option<V>,
    action_name: Option<V>,
    action_uuid: Option<V>,
    debug: bool,
    debug_at: Option<V>,
    availability_zone: Option<V>,
    context_id: Option<V>,
    principal_unit: Option<V>,
    machine_id: Option<V>,
    operator_dispatch: bool,
    pebble_containers_dir: Option<V>,
}

/// A variable's value: a borrowed `&str` (copied into the context) or an owned `String` (moved).
trait Val: AsRef<str> {
    fn into_string(self) -> String;
}

impl Val for &str {
    fn into_string(self) -> String {
        self.to_string()
    }
}

impl Val for String {
    fn into_string(self) -> String {
        self
    }
}

/// Every variable [`Raw::see`] keeps: what [`JujuContext::from_env`] asks the environment for,
/// one by one. Copying the whole environment instead (`std::env::vars_os`) costs two
/// allocations per variable: a tenth of a hook's instructions with musl's allocator.
const NAMES: &[&str] = &[
    "JUJU_UNIT_NAME",
    "JUJU_MODEL_NAME",
    "JUJU_MODEL_UUID",
    "JUJU_VERSION",
    "JUJU_CHARM_DIR",
    "JUJU_DISPATCH_PATH",
    "JUJU_HOOK_NAME",
    "JUJU_RELATION",
    "JUJU_RELATION_ID",
    "JUJU_REMOTE_APP",
    "JUJU_REMOTE_UNIT",
    "JUJU_DEPARTING_UNIT",
    "JUJU_WORKLOAD_NAME",
    "JUJU_NOTICE_ID",
    "JUJU_NOTICE_TYPE",
    "JUJU_NOTICE_KEY",
    "JUJU_PEBBLE_CHECK_NAME",
    "JUJU_STORAGE_ID",
    "JUJU_STORAGE_LOCATION",
    "JUJU_STORAGE_KIND",
    "JUJU_SECRET_ID",
    "JUJU_SECRET_LABEL",
    "JUJU_SECRET_REVISION",
    "JUJU_ACTION_NAME",
    "JUJU_ACTION_UUID",
    "JUJU_DEBUG_AT",
    "JUJU_AVAILABILITY_ZONE",
    "JUJU_CONTEXT_ID",
    "JUJU_PRINCIPAL_UNIT",
    "JUJU_MACHINE_ID",
    crate::model::Container::SOCKET_DIR_ENV,
    "JUJU_DEBUG",
    "OPERATOR_DISPATCH",
];

impl<V: Val> Raw<V> {
    /// Keep `value` if `name` is a variable we read (the last one wins, as in a process
    /// environment built from a list); whether it is. Every name kept is in [`NAMES`].
    fn see(&mut self, name: &str, value: V) -> bool {
        let slot = match name {
            "JUJU_UNIT_NAME" => &mut self.unit_name,
            "JUJU_MODEL_NAME" => &mut self.model_name,
            "JUJU_MODEL_UUID" => &mut self.model_uuid,
            "JUJU_VERSION" => &mut self.version,
            "JUJU_CHARM_DIR" => &mut self.charm_dir,
            "JUJU_DISPATCH_PATH" => &mut self.dispatch_path,
            "JUJU_HOOK_NAME" => &mut self.hook_name,
            "JUJU_RELATION" => &mut self.relation,
            "JUJU_RELATION_ID" => &mut self.relation_id,
            "JUJU_REMOTE_APP" => &mut self.remote_app,
            "JUJU_REMOTE_UNIT" => &mut self.remote_unit,
            "JUJU_DEPARTING_UNIT" => &mut self.departing_unit,
            "JUJU_WORKLOAD_NAME" => &mut self.workload_name,
            "JUJU_NOTICE_ID" => &mut self.notice_id,
            "JUJU_NOTICE_TYPE" => &mut self.notice_type,
            "JUJU_NOTICE_KEY" => &mut self.notice_key,
            "JUJU_PEBBLE_CHECK_NAME" => &mut self.check_name,
            "JUJU_STORAGE_ID" => &mut self.storage_id,
            "JUJU_STORAGE_LOCATION" => &mut self.storage_location,
            "JUJU_STORAGE_KIND" => &mut self.storage_kind,
            "JUJU_SECRET_ID" => &mut self.secret_id,
            "JUJU_SECRET_LABEL" => &mut self.secret_label,
            "JUJU_SECRET_REVISION" => &mut self.secret_revision,
            "JUJU_ACTION_NAME" => &mut self.action_name,
            "JUJU_ACTION_UUID" => &mut self.action_uuid,
            "JUJU_DEBUG_AT" => &mut self.debug_at,
            "JUJU_AVAILABILITY_ZONE" => &mut self.availability_zone,
            "JUJU_CONTEXT_ID" => &mut self.context_id,
            "JUJU_PRINCIPAL_UNIT" => &mut self.principal_unit,
            "JUJU_MACHINE_ID" => &mut self.machine_id,
            crate::model::Container::SOCKET_DIR_ENV => &mut self.pebble_containers_dir,
            "JUJU_DEBUG" => {
                self.debug = true;
                return true;
            }
            "OPERATOR_DISPATCH" => {
                self.operator_dispatch = true;
                return true;
            }
            _ => return false,
        };
        *slot = Some(value);
        true
    }
}

/// `Some(value)` unless unset or empty (how ops treats most optional variables).
fn non_empty<V: Val>(value: Option<V>) -> Option<String> {
    value
        .filter(|v| !v.as_ref().is_empty())
        .map(Val::into_string)
}

impl JujuContext {
    /// Parses the `JUJU_*` variables of `env`.
    pub fn from_map(env: &HashMap<String, String>) -> Result<Self, EnvError> {
        Self::from_vars(env)
    }

    /// Parses the `JUJU_*` variables of a list of `(name, value)` pairs, in one pass (a later
    /// pair overrides an earlier one of the same name). Variables it does not read are skipped
    /// without being copied.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, EnvError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        // Keep the pairs alive while `Raw` borrows from them only when they are owned: the
        // common callers pass references, which are copied into the result directly.
        let pairs: Vec<(K, V)> = vars.into_iter().collect();
        let mut raw = Raw::default();
        for (name, value) in &pairs {
            raw.see(name.as_ref(), value.as_ref());
        }
        Self::from_raw(raw)
    }

    /// [`JujuContext::from_vars`] taking the values by value: those it keeps are moved into the
    /// context rather than copied.
    pub fn from_owned_vars<K: AsRef<str>>(
        vars: impl IntoIterator<Item = (K, String)>,
    ) -> Result<Self, EnvError> {
        let mut raw = Raw::default();
        for (name, value) in vars {
            raw.see(name.as_ref(), value);
        }
        Self::from_raw(raw)
    }

    fn from_raw<V: Val>(raw: Raw<V>) -> Result<Self, EnvError> {
        let unit_name = raw
            .unit_name
            .ok_or(EnvError::Missing("JUJU_UNIT_NAME"))?
            .into_string();
        let app_name = unit_name.split('/').next().unwrap_or_default().to_string();
        let version = JujuVersion::parse(
            raw.version
                .as_ref()
                .map(AsRef::as_ref)
                .unwrap_or(DEFAULT_VERSION),
        )?;
        let relation_id = match &raw.relation_id {
            None => None,
            Some(raw) => {
                let raw = raw.as_ref();
                Some(
                    raw.rsplit(':')
                        .next()
                        .and_then(py_int)
                        .ok_or_else(|| EnvError::InvalidRelationId(raw.to_string()))?,
                )
            }
        };
        let remote_unit = non_empty(raw.remote_unit);
        let remote_app_var = raw.remote_app.map(Val::into_string);
        let remote_app = match (non_empty(remote_app_var.clone()), &remote_unit) {
            (Some(app), _) => Some(app),
            (None, Some(unit)) => match unit.split_once('/') {
                Some((app, _)) => Some(app.to_string()),
                None => return Err(EnvError::InvalidRemoteUnit(unit.clone())),
            },
            (None, None) => None,
        };
        let secret_revision = match &raw.secret_revision {
            None => None,
            Some(raw) => {
                let raw = raw.as_ref();
                Some(
                    py_int(raw)
                        .and_then(|r| u64::try_from(r).ok())
                        .ok_or_else(|| EnvError::InvalidSecretRevision(raw.to_string()))?,
                )
            }
        };
        let debug_at = match &raw.debug_at {
            Some(raw) if !raw.as_ref().is_empty() => raw
                .as_ref()
                .split(',')
                .map(|x| crate::hooktools::pyfmt::py_strip(x).to_string())
                .collect(),
            _ => BTreeSet::new(),
        };
        Ok(JujuContext {
            unit_name,
            app_name,
            model_name: raw.model_name.map(Val::into_string),
            model_uuid: raw.model_uuid.map(Val::into_string),
            version,
            charm_dir: non_empty(raw.charm_dir).map(PathBuf::from),
            dispatch_path: non_empty(raw.dispatch_path),
            hook_name: non_empty(raw.hook_name),
            relation_name: non_empty(raw.relation),
            relation_id,
            remote_app,
            remote_app_var,
            remote_unit,
            departing_unit: non_empty(raw.departing_unit),
            workload_name: non_empty(raw.workload_name),
            notice: match (
                non_empty(raw.notice_id),
                non_empty(raw.notice_type),
                non_empty(raw.notice_key),
            ) {
                (Some(id), Some(kind), Some(key)) => Some((id, kind, key)),
                _ => None,
            },
            check_name: non_empty(raw.check_name),
            storage_id: non_empty(raw.storage_id),
            storage_location: non_empty(raw.storage_location).map(PathBuf::from),
            storage_kind: non_empty(raw.storage_kind),
            secret_id: non_empty(raw.secret_id),
            secret_label: raw.secret_label.map(Val::into_string),
            secret_revision,
            action_name: non_empty(raw.action_name),
            action_uuid: non_empty(raw.action_uuid),
            debug: raw.debug,
            debug_at,
            availability_zone: non_empty(raw.availability_zone),
            context_id: non_empty(raw.context_id),
            principal_unit: non_empty(raw.principal_unit),
            machine_id: non_empty(raw.machine_id),
            operator_dispatch: raw.operator_dispatch,
            pebble_containers_dir: non_empty(raw.pebble_containers_dir).map(PathBuf::from),
        })
    }

    /// Parses the process environment. Paths (`JUJU_CHARM_DIR`, `JUJU_STORAGE_LOCATION`,
    /// `OPS_PEBBLE_CONTAINERS_DIR`) are taken byte for byte, so a path that is not UTF-8 still
    /// names the right directory; other non-UTF-8 values are converted lossily.
    pub fn from_env() -> Result<Self, EnvError> {
        let mut ctx = Self::from_owned_vars(NAMES.iter().filter_map(|&name| {
            std::env::var_os(name).map(|v| (name, v.to_string_lossy().into_owned()))
        }))?;
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        ctx.charm_dir = path("JUJU_CHARM_DIR");
        ctx.storage_location = path("JUJU_STORAGE_LOCATION");
        ctx.pebble_containers_dir = path(crate::model::Container::SOCKET_DIR_ENV);
        Ok(ctx)
    }

    /// The storage name of `JUJU_STORAGE_ID` (`data/0` → `data`).
    pub fn storage_name(&self) -> Option<&str> {
        self.storage_id
            .as_deref()
            .and_then(|id| id.split('/').next())
    }

    /// The event relation and the raw `JUJU_REMOTE_APP`, when both `JUJU_RELATION_ID` and
    /// `JUJU_REMOTE_APP` are set: what `relation_remote_app_name` answers without a tool call.
    pub fn event_remote_app(&self) -> Option<(i64, String)> {
        Some((self.relation_id?, self.remote_app_var.clone()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `from_env` asks for the names in `NAMES` only: a variable `see` keeps but `NAMES` lacks
    /// would be silently ignored in a real hook (and only there: the test kits call `from_vars`).
    #[test]
    fn from_env_asks_for_every_variable_the_context_keeps() {
        let source = include_str!("env.rs");
        let start = source.find("fn see(").expect("see");
        let end = start + source[start..].find("\n    }\n").expect("the end of see");
        let arms: Vec<&str> = source[start..end]
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split_once("\" =>"))
            .map(|(name, _)| name)
            .collect();
        assert!(arms.len() > 30, "{arms:?}");
        for name in &arms {
            assert!(NAMES.contains(name), "{name} is kept but never asked for");
        }
        for name in NAMES {
            let mut raw = Raw::<String>::default();
            assert!(
                raw.see(name, "x".into()),
                "{name} is asked for but not kept"
            );
        }
        assert!(!Raw::<String>::default().see("PATH", "/bin".into()));
    }
}
