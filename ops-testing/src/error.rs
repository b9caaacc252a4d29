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

/// A name the charm does not declare (a relation endpoint, config option, action, container,
/// storage), with the closest declared one when there is one close enough to be a typo. It
/// displays as the name; compares equal to a `str` holding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    /// The name given.
    pub name: String,
    /// The closest declared name, if one is within a few edits.
    pub suggestion: Option<String>,
}

impl UnknownName {
    /// `name`, with the closest of `declared` as its suggestion.
    pub fn new<'a>(name: &str, declared: impl IntoIterator<Item = &'a str>) -> Self {
        UnknownName {
            name: name.to_string(),
            suggestion: closest(name, declared).map(str::to_string),
        }
    }

    /// ` (did you mean `x`?)`, or nothing without a suggestion.
    pub fn hint(&self) -> String {
        match &self.suggestion {
            Some(s) => format!(" (did you mean `{s}`?)"),
            None => String::new(),
        }
    }
}

impl std::fmt::Display for UnknownName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name)
    }
}

impl std::ops::Deref for UnknownName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.name
    }
}

impl PartialEq<str> for UnknownName {
    fn eq(&self, other: &str) -> bool {
        self.name == other
    }
}

impl PartialEq<&str> for UnknownName {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

/// The declared name closest to `name` (optimal string alignment distance), if it is close
/// enough to be a typo of it: at most 3 edits, and fewer than half of `name`'s length.
pub(crate) fn closest<'a>(
    name: &str,
    declared: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 2).clamp(1, 3);
    declared
        .into_iter()
        .map(|d| (strsim::osa_distance(name, d), d))
        .filter(|(dist, _)| *dist <= limit)
        .min()
        .map(|(_, d)| d)
}

/// ` (did you mean `x`?)` for the declared name closest to `name`, or nothing.
pub(crate) fn did_you_mean<'a>(name: &str, declared: impl IntoIterator<Item = &'a str>) -> String {
    UnknownName::new(name, declared).hint()
}

/// A config value the charm's config options do not accept.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The option is not declared.
    #[error("config option `{}` is not declared in the charm's config{}", .0, .0.hint())]
    UnknownKey(UnknownName),
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

impl ConfigError {
    /// [`ConfigError::UnknownKey`] for `key`, suggesting the closest option of `meta`.
    pub(crate) fn unknown_key(meta: &CharmMeta, key: &str) -> Self {
        ConfigError::UnknownKey(UnknownName::new(
            key,
            meta.config.iter().map(|o| o.name.as_ref()),
        ))
    }
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
        .ok_or_else(|| ConfigError::unknown_key(meta, key))?;
    if !config_type_ok(option.kind, value) {
        return Err(ConfigError::WrongType {
            key: key.to_string(),
            expected: option.kind.yaml_name(),
            value: value.clone(),
        });
    }
    Ok(())
}
