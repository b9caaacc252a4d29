//! `config.yaml`, or the `config:` key of a unified `charmcraft.yaml`: `options:` and nothing else.

use std::borrow::Cow;

use serde_yaml::Value;

use super::node::{find, kind_of, Diags, Node};
use super::validate::{check_entry_name, NameKind};
use crate::model::{ConfigOption, ConfigType, ConfigValue};

const OPTION_KEYS: &[&str] = &["type", "default", "description"];
const TYPES: &str = "string, int, float, boolean, secret";

/// Reads the config options of `node` (the `config.yaml` document or `charmcraft.yaml`'s `config`).
/// Null (an empty file) means no options.
pub(crate) fn parse_config(node: &Node<'_>, diags: &mut Diags) -> Vec<ConfigOption> {
    let Some(entries) = node.entries_or_empty(diags) else {
        return Vec::new();
    };
    node.check_keys(&entries, &["options"], diags);
    let Some(options) = find(&entries, "options").and_then(|n| n.entries_or_empty(diags)) else {
        return Vec::new();
    };
    options
        .iter()
        .filter_map(|(name, option)| parse_option(name, option, diags))
        .collect()
}

fn parse_option(name: &str, node: &Node<'_>, diags: &mut Diags) -> Option<ConfigOption> {
    check_entry_name(name, NameKind::ConfigOption, &node.key_loc(), diags);
    let fields = node.entries(diags)?;
    node.check_keys(&fields, OPTION_KEYS, diags);
    let kind = match find(&fields, "type") {
        None => {
            diags.push(node.missing_loc("type").error(format!(
                "config option `{name}` has no `type` (expected one of: {TYPES})"
            )));
            None
        }
        Some(n) => match n.string(diags) {
            None => None,
            Some("string") => Some(ConfigType::String),
            Some("int") => Some(ConfigType::Int),
            Some("float") => Some(ConfigType::Float),
            Some("boolean") => Some(ConfigType::Boolean),
            Some("secret") => Some(ConfigType::Secret),
            Some(other) => {
                diags.push(n.value_loc().error(format!(
                    "config option `{name}` has unknown type `{other}` (expected one of: {TYPES})"
                )));
                None
            }
        },
    };
    let description = match find(&fields, "description") {
        Some(n) if !n.is_null() => n.string(diags).unwrap_or_default().to_string(),
        _ => String::new(),
    };
    let kind = kind?;
    let default = match find(&fields, "default") {
        Some(n) if !n.is_null() => Some(default_value(name, kind, n, diags)?),
        _ => None,
    };
    Some(ConfigOption {
        name: Cow::Owned(name.to_string()),
        kind,
        default,
        description: Cow::Owned(description),
    })
}

/// The `default` of an option of type `kind`; a value of another type is an error.
fn default_value(
    name: &str,
    kind: ConfigType,
    node: &Node<'_>,
    diags: &mut Diags,
) -> Option<ConfigValue> {
    let value = match (kind, node.value()) {
        (ConfigType::String | ConfigType::Secret, Value::String(s)) => {
            Some(ConfigValue::String(Cow::Owned(s.clone())))
        }
        (ConfigType::Int, Value::Number(n)) => n.as_i64().map(ConfigValue::Int),
        (ConfigType::Float, Value::Number(n)) => n.as_f64().map(ConfigValue::Float),
        (ConfigType::Boolean, Value::Bool(b)) => Some(ConfigValue::Boolean(*b)),
        _ => None,
    };
    if value.is_none() {
        let expected = match kind {
            ConfigType::String => "a string",
            ConfigType::Secret => "a string (a secret URI)",
            ConfigType::Int => "an integer",
            ConfigType::Float => "a number",
            ConfigType::Boolean => "a boolean (`true` or `false`)",
        };
        let found = match node.value() {
            Value::Number(n) if kind == ConfigType::Int && !n.is_f64() => {
                "an integer out of range".to_string()
            }
            other => kind_of(other),
        };
        // A plain `no` or `0644` is a boolean or a number for Juju (YAML 1.1): say so, with the
        // error Juju gives at deploy time.
        let yaml11 = match (node.yaml11_text(), node.value()) {
            (Some(text), value @ (Value::Bool(_) | Value::Number(_))) => {
                let go = match value {
                    Value::Bool(b) => b.to_string(),
                    other => serde_yaml::to_string(other)
                        .map(|s| s.trim_end().to_string())
                        .unwrap_or_default(),
                };
                format!(
                    " (`{text}` is {} in YAML 1.1, as Juju reads it: Juju refuses it with \
                     \"invalid config default: option \\\"{name}\\\" expected {}, got {go}\"; write \
                     `\"{text}\"` for the string)",
                    kind_of(value),
                    kind.yaml_name()
                )
            }
            _ => String::new(),
        };
        diags.push(node.value_loc().error(format!(
            "the default of config option `{name}` (type `{}`) must be {expected}, found \
             {found}{yaml11}",
            kind.yaml_name()
        )));
    }
    value
}
