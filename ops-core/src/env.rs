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

fn non_empty(env: &HashMap<String, String>, name: &str) -> Option<String> {
    env.get(name).filter(|v| !v.is_empty()).cloned()
}

impl JujuContext {
    /// Parses the `JUJU_*` variables of `env`.
    pub fn from_map(env: &HashMap<String, String>) -> Result<Self, EnvError> {
        let unit_name = env
            .get("JUJU_UNIT_NAME")
            .cloned()
            .ok_or(EnvError::Missing("JUJU_UNIT_NAME"))?;
        let app_name = unit_name.split('/').next().unwrap_or_default().to_string();
        let version = JujuVersion::parse(
            env.get("JUJU_VERSION")
                .map(String::as_str)
                .unwrap_or(DEFAULT_VERSION),
        )?;
        let relation_id = match env.get("JUJU_RELATION_ID") {
            None => None,
            Some(raw) => Some(
                raw.rsplit(':')
                    .next()
                    .and_then(py_int)
                    .ok_or_else(|| EnvError::InvalidRelationId(raw.clone()))?,
            ),
        };
        let remote_unit = non_empty(env, "JUJU_REMOTE_UNIT");
        let remote_app = match (non_empty(env, "JUJU_REMOTE_APP"), &remote_unit) {
            (Some(app), _) => Some(app),
            (None, Some(unit)) => match unit.split_once('/') {
                Some((app, _)) => Some(app.to_string()),
                None => return Err(EnvError::InvalidRemoteUnit(unit.clone())),
            },
            (None, None) => None,
        };
        let secret_revision = match env.get("JUJU_SECRET_REVISION") {
            None => None,
            Some(raw) => Some(
                py_int(raw)
                    .and_then(|r| u64::try_from(r).ok())
                    .ok_or_else(|| EnvError::InvalidSecretRevision(raw.clone()))?,
            ),
        };
        let debug_at = match env.get("JUJU_DEBUG_AT") {
            Some(raw) if !raw.is_empty() => raw
                .split(',')
                .map(|x| crate::hooktools::pyfmt::py_strip(x).to_string())
                .collect(),
            _ => BTreeSet::new(),
        };
        Ok(JujuContext {
            unit_name,
            app_name,
            model_name: env.get("JUJU_MODEL_NAME").cloned(),
            model_uuid: env.get("JUJU_MODEL_UUID").cloned(),
            version,
            charm_dir: non_empty(env, "JUJU_CHARM_DIR").map(PathBuf::from),
            dispatch_path: non_empty(env, "JUJU_DISPATCH_PATH"),
            hook_name: non_empty(env, "JUJU_HOOK_NAME"),
            relation_name: non_empty(env, "JUJU_RELATION"),
            relation_id,
            remote_app,
            remote_app_var: env.get("JUJU_REMOTE_APP").cloned(),
            remote_unit,
            departing_unit: non_empty(env, "JUJU_DEPARTING_UNIT"),
            workload_name: non_empty(env, "JUJU_WORKLOAD_NAME"),
            notice: match (
                non_empty(env, "JUJU_NOTICE_ID"),
                non_empty(env, "JUJU_NOTICE_TYPE"),
                non_empty(env, "JUJU_NOTICE_KEY"),
            ) {
                (Some(id), Some(kind), Some(key)) => Some((id, kind, key)),
                _ => None,
            },
            check_name: non_empty(env, "JUJU_PEBBLE_CHECK_NAME"),
            storage_id: non_empty(env, "JUJU_STORAGE_ID"),
            storage_location: non_empty(env, "JUJU_STORAGE_LOCATION").map(PathBuf::from),
            storage_kind: non_empty(env, "JUJU_STORAGE_KIND"),
            secret_id: non_empty(env, "JUJU_SECRET_ID"),
            secret_label: env.get("JUJU_SECRET_LABEL").cloned(),
            secret_revision,
            action_name: non_empty(env, "JUJU_ACTION_NAME"),
            action_uuid: non_empty(env, "JUJU_ACTION_UUID"),
            debug: env.contains_key("JUJU_DEBUG"),
            debug_at,
            availability_zone: non_empty(env, "JUJU_AVAILABILITY_ZONE"),
            context_id: non_empty(env, "JUJU_CONTEXT_ID"),
            principal_unit: non_empty(env, "JUJU_PRINCIPAL_UNIT"),
            machine_id: non_empty(env, "JUJU_MACHINE_ID"),
            operator_dispatch: env.contains_key("OPERATOR_DISPATCH"),
            pebble_containers_dir: non_empty(env, crate::model::Container::SOCKET_DIR_ENV)
                .map(PathBuf::from),
        })
    }

    /// Parses the process environment (non-UTF-8 values are converted lossily).
    pub fn from_env() -> Result<Self, EnvError> {
        let env: HashMap<String, String> = std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect();
        Self::from_map(&env)
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
