//! Errors shared by the [`Harness`](crate::Harness) and [`Context`](crate::Context).

use crate::sim::ActionOutput;
use ops_core::meta::{CharmMeta, ConfigType};
use ops_core::DispatchError;
use serde_json::Value;

/// The charm failed: a handler returned an error or panicked, or the hook could not commit. As
/// in Juju, the hook's pending writes (relation data, secrets, ports, stored state) were dropped;
/// statuses, logs and action results it set are kept.
#[derive(Debug, thiserror::Error)]
#[error("the charm failed handling `{event}`: {error}")]
pub struct CharmError {
    /// The hook or action, as Juju names it (`config-changed`, `greet`).
    pub event: String,
    /// What the dispatcher reported.
    #[source]
    pub error: DispatchError,
    /// For actions: what the action produced before failing (its `failure` is `exit status 1`).
    pub action: Option<ActionOutput>,
}

/// A config value the charm's config options do not accept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The option is not declared.
    #[error("config option `{0}` is not declared in the charm's config")]
    UnknownKey(String),
    /// The value does not have the option's type.
    #[error("config option `{key}` is of type {expected}, got {value}")]
    WrongType {
        /// The option.
        key: String,
        /// Its type, as `config.yaml` names it.
        expected: &'static str,
        /// The value given.
        value: Value,
    },
    /// The typed config did not encode or decode.
    #[error("the typed config does not fit the charm's options: {0}")]
    Typed(String),
}

/// Whether `value` has config type `kind` (an int is a valid float, as in Juju).
pub(crate) fn config_type_ok(kind: ConfigType, value: &Value) -> bool {
    match kind {
        ConfigType::String | ConfigType::Secret => value.is_string(),
        ConfigType::Int => value.is_i64() || value.is_u64(),
        ConfigType::Float => value.is_number(),
        ConfigType::Boolean => value.is_boolean(),
    }
}

/// Check `key = value` against the charm's config options.
pub(crate) fn check_config(meta: &CharmMeta, key: &str, value: &Value) -> Result<(), ConfigError> {
    let option = meta
        .config_option(key)
        .ok_or_else(|| ConfigError::UnknownKey(key.to_string()))?;
    if !config_type_ok(option.kind, value) {
        return Err(ConfigError::WrongType {
            key: key.to_string(),
            expected: option.kind.yaml_name(),
            value: value.clone(),
        });
    }
    Ok(())
}
