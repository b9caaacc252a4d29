//! `actions.yaml`, or the `actions:` key of a unified `charmcraft.yaml`.

use std::borrow::Cow;

use serde_yaml::Value;

use super::metadata::Located;
use super::node::{find, kind_of, Diags, Node};
use super::validate::{check_entry_name, NameKind};
use crate::model::{ActionMeta, ActionParam, ParamType};

const ACTION_KEYS: &[&str] = &[
    "description",
    "params",
    "required",
    "additionalProperties",
    "execution-group",
    "parallel",
];
const PARAM_TYPES: &str = "string, integer, number, boolean, array, object";

/// Reads the actions of `node` (the `actions.yaml` document or `charmcraft.yaml`'s `actions`). Null
/// (an empty file) means no actions.
pub(crate) fn parse_actions(node: &Node<'_>, diags: &mut Diags) -> Vec<Located<ActionMeta>> {
    let Some(entries) = node.entries_or_empty(diags) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|(name, action)| {
            check_entry_name(name, NameKind::Action, &action.key_loc(), diags);
            Some(Located {
                item: parse_action(name, action, diags)?,
                at: action.key_loc(),
            })
        })
        .collect()
}

fn parse_action(name: &str, node: &Node<'_>, diags: &mut Diags) -> Option<ActionMeta> {
    let mut action = ActionMeta {
        name: Cow::Owned(name.to_string()),
        description: Cow::Borrowed(""),
        params: Cow::Owned(Vec::new()),
        additional_properties: true,
    };
    if node.is_null() {
        return Some(action);
    }
    let fields = node.entries(diags)?;
    node.check_keys(&fields, ACTION_KEYS, diags);
    if let Some(n) = find(&fields, "description").filter(|n| !n.is_null()) {
        action.description = Cow::Owned(n.string(diags).unwrap_or_default().to_string());
    }
    let mut params = Vec::new();
    if let Some(entries) = find(&fields, "params").and_then(|n| n.entries_or_empty(diags)) {
        for (param_name, param) in &entries {
            params.push(parse_param(name, param_name, param, diags));
        }
    }
    if let Some(items) = find(&fields, "required").and_then(|n| n.items(diags)) {
        for item in items {
            let Some(required) = item.string(diags) else {
                continue;
            };
            match params.iter_mut().find(|p| p.name == required) {
                Some(p) => p.required = true,
                None => diags.push(item.value_loc().error(format!(
                    "action `{name}` requires undeclared param `{required}`"
                ))),
            }
        }
    }
    if let Some(n) = find(&fields, "additionalProperties") {
        action.additional_properties = n.boolean(diags).unwrap_or(true);
    }
    if let Some(n) = find(&fields, "execution-group") {
        n.string(diags);
    }
    if let Some(n) = find(&fields, "parallel") {
        n.boolean(diags);
    }
    action.params = Cow::Owned(params);
    Some(action)
}

/// One entry of `params`: a JSON-schema object. `type`, `default` and `description` are checked;
/// other JSON-schema keywords are accepted as they are. The param is declared even when it has
/// errors, so that `required` does not report it again.
fn parse_param(action: &str, name: &str, node: &Node<'_>, diags: &mut Diags) -> ActionParam {
    let mut param = ActionParam {
        name: Cow::Owned(name.to_string()),
        kind: ParamType::Any,
        description: Cow::Borrowed(""),
        default: None,
        required: false,
    };
    if name.is_empty() {
        diags.push(
            node.key_loc()
                .error(format!("action `{action}` has a param with an empty name")),
        );
    }
    let Some(fields) = node.entries(diags) else {
        return param;
    };
    let kind = match find(&fields, "type") {
        None => Some(ParamType::Any),
        Some(n) => match n.string(diags) {
            None => None,
            Some("string") => Some(ParamType::String),
            Some("integer") => Some(ParamType::Integer),
            Some("number") => Some(ParamType::Number),
            Some("boolean") => Some(ParamType::Boolean),
            Some("array") => Some(ParamType::Array),
            Some("object") => Some(ParamType::Object),
            Some(other) => {
                diags.push(n.value_loc().error(format!(
                    "param `{name}` of action `{action}` has unknown type `{other}` \
                     (expected one of: {PARAM_TYPES})"
                )));
                None
            }
        },
    };
    if let Some(n) = find(&fields, "description").filter(|n| !n.is_null()) {
        param.description = Cow::Owned(n.string(diags).unwrap_or_default().to_string());
    }
    // Without a valid type, the default cannot be checked.
    let Some(kind) = kind else {
        return param;
    };
    param.kind = kind;
    if let Some(n) = find(&fields, "default") {
        if let Some(expected) = type_mismatch(kind, n.value()) {
            diags.push(n.value_loc().error(format!(
                "the default of param `{name}` of action `{action}` must be {expected}, found {}",
                kind_of(n.value())
            )));
        } else if has_non_finite(n.value()) {
            diags.push(n.value_loc().error(format!(
                "the default of param `{name}` of action `{action}` is not valid JSON: it holds \
                 a NaN or infinite number"
            )));
        } else {
            match serde_json::to_string(n.value()) {
                Ok(json) => param.default = Some(Cow::Owned(json)),
                Err(e) => diags.push(n.value_loc().error(format!(
                    "the default of param `{name}` of action `{action}` is not valid JSON: {e}"
                ))),
            }
        }
    }
    param
}

/// What a default of type `kind` must be, when `value` is not that.
fn type_mismatch(kind: ParamType, value: &Value) -> Option<&'static str> {
    let (ok, expected) = match kind {
        ParamType::Any => (true, ""),
        ParamType::String => (value.is_string(), "a string"),
        ParamType::Integer => (value.is_i64() || value.is_u64(), "an integer"),
        ParamType::Number => (value.is_number(), "a number"),
        ParamType::Boolean => (value.is_bool(), "a boolean"),
        ParamType::Array => (value.is_sequence(), "a list"),
        ParamType::Object => (value.is_mapping(), "a mapping"),
    };
    (!ok).then_some(expected)
}

/// Whether `value` holds a float JSON cannot represent (NaN or an infinity).
fn has_non_finite(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_f64().is_some_and(|f| !f.is_finite()),
        Value::Sequence(items) => items.iter().any(has_non_finite),
        Value::Mapping(map) => map.values().any(has_non_finite),
        Value::Tagged(tagged) => has_non_finite(&tagged.value),
        Value::Null | Value::Bool(_) | Value::String(_) => false,
    }
}
