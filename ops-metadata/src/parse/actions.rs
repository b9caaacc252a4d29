//! `actions.yaml`, or the `actions:` key of a unified `charmcraft.yaml`.

use std::borrow::Cow;

use serde_yaml::Value;

use super::metadata::Located;
use super::node::{find, kind_of, Diags, Node};
use super::validate::{check_entry_name, NameKind};
use crate::model::{ActionMeta, ActionParam, ParamType};

const ACTION_KEYS: &[&str] = &[
    "description",
    "title",
    "params",
    "properties",
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
        title: None,
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
    if let Some(n) = find(&fields, "title").filter(|n| !n.is_null()) {
        action.title = n.string(diags).map(|t| Cow::Owned(t.to_string()));
    }
    // Juju builds the params' JSON schema from `params`, or from the schema keyword `properties`
    // written directly (both: one of them wins at random, as Juju walks a Go map).
    let params_node = match (find(&fields, "params"), find(&fields, "properties")) {
        (Some(_), Some(properties)) => {
            diags.push(properties.key_loc().error(format!(
                "action `{name}` declares its params under both `params` and `properties`: Juju \
                 keeps only one of them (at random); use one"
            )));
            None
        }
        (params, properties) => params.or(properties),
    };
    let mut params = Vec::new();
    if let Some(entries) = params_node.and_then(|n| n.entries_or_empty(diags)) {
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
        nullable: false,
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
        Some(n) => param_type(action, name, n, &mut param.nullable, diags),
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
        let null_ok = param.nullable && n.is_null();
        if let Some(expected) = type_mismatch(kind, n.value()).filter(|_| !null_ok) {
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

/// A JSON-schema `type`: one type name, or a list of them (`[string, "null"]`). A list with one type
/// besides `null` is that type, nullable; with several, any JSON value.
fn param_type(
    action: &str,
    name: &str,
    node: &Node<'_>,
    nullable: &mut bool,
    diags: &mut Diags,
) -> Option<ParamType> {
    let one = |n: &Node<'_>, diags: &mut Diags| -> Option<Option<ParamType>> {
        Some(match n.string(diags)? {
            "string" => Some(ParamType::String),
            "integer" => Some(ParamType::Integer),
            "number" => Some(ParamType::Number),
            "boolean" => Some(ParamType::Boolean),
            "array" => Some(ParamType::Array),
            "object" => Some(ParamType::Object),
            "null" => None,
            other => {
                diags.push(n.value_loc().error(format!(
                    "param `{name}` of action `{action}` has unknown type `{other}` \
                     (expected one of: {PARAM_TYPES}, or a list of them)"
                )));
                return None;
            }
        })
    };
    if node.value().is_sequence() {
        let items = node.items(diags)?;
        if items.is_empty() {
            diags.push(node.value_loc().error(format!(
                "param `{name}` of action `{action}` has an empty list of types"
            )));
            return None;
        }
        let mut kinds = Vec::new();
        let mut ok = true;
        for item in &items {
            match one(item, diags) {
                Some(Some(kind)) => kinds.push(kind),
                Some(None) => *nullable = true,
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        kinds.dedup();
        return Some(match kinds.as_slice() {
            [kind] => *kind,
            _ => ParamType::Any,
        });
    }
    match one(node, diags)? {
        Some(kind) => Some(kind),
        None => {
            *nullable = true;
            Some(ParamType::Any)
        }
    }
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
