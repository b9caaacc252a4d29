//! Action tools: `action-get`, `action-set`, `action-log`, `action-fail`.

use serde_json::{Map, Value};

use super::backend::{args, Backend};
use super::error::{HookToolError, Result};
use super::pyfmt::{py_dollar_match, py_repr_str, py_str};

/// ops' `_ACTION_RESULT_KEY_REGEX`: `^[a-z0-9](([a-z0-9-.]+)?[a-z0-9])?$`.
pub fn is_valid_action_result_key(key: &str) -> bool {
    py_dollar_match(key, |k| {
        let ok_inner =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
        let ok_end = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        let mut chars = k.chars();
        match (chars.next(), chars.next_back()) {
            (Some(first), None) => ok_end(first),
            (Some(first), Some(last)) => ok_end(first) && ok_end(last) && chars.all(ok_inner),
            _ => false,
        }
    })
}

/// Flattens action results as ops' `_format_action_result_dict` does: nested objects become
/// dotted keys (`{"a": {"b": 1}}` → `a.b=1`), every key must match
/// [`is_valid_action_result_key`], and two entries that flatten to the same key are an error
/// (`{"a": {"b": 1}, "a.b": 2}`). Values are rendered with Python's `str()` (`True`, `None`,
/// `1.0`, `['x', 1]`). An empty nested object contributes nothing.
pub fn format_action_results(results: &Map<String, Value>) -> Result<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    flatten_into(results, "", &mut out)?;
    Ok(out)
}

fn flatten_into(
    input: &Map<String, Value>,
    parent: &str,
    out: &mut Vec<(String, String)>,
) -> Result<()> {
    for (key, value) in input {
        if !is_valid_action_result_key(key) {
            return Err(HookToolError::Invalid(format!(
                "key '{}' is invalid: must be similar to 'key', 'some-key2', or 'some.key'",
                py_repr_str(key)
            )));
        }
        let key = if parent.is_empty() {
            key.clone()
        } else {
            format!("{parent}.{key}")
        };
        match value {
            Value::Object(nested) => flatten_into(nested, &key, out)?,
            other => {
                if out.iter().any(|(k, _)| *k == key) {
                    return Err(HookToolError::Invalid(format!(
                        "duplicate key detected in dictionary passed to 'action-set': {}",
                        py_repr_str(&key)
                    )));
                }
                out.push((key, py_str(other)));
            }
        }
    }
    Ok(())
}

impl Backend {
    /// The parameters of the running action (`action-get --format=json`).
    pub fn action_get(&self) -> Result<Map<String, Value>> {
        self.call_json("action-get", Vec::new(), |v| match v {
            Value::Object(map) => Ok(map),
            other => Err(format!("expected a JSON object, got {other}")),
        })
    }

    /// Sets results of the running action: `action-set k1=v1 k2=v2 …` with `results` flattened
    /// by [`format_action_results`]; invalid keys → [`HookToolError::Invalid`] before any call.
    /// The arguments follow the map's iteration order.
    pub fn action_set(&self, results: &Map<String, Value>) -> Result<()> {
        let args: Vec<String> = format_action_results(results)?
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        self.call("action-set", &args, None).map(drop)
    }

    /// Logs a progress message for the running action (`action-log <message>`).
    pub fn action_log(&self, message: &str) -> Result<()> {
        self.call("action-log", &args![message], None).map(drop)
    }

    /// Marks the running action as failed (`action-fail <message>`; the message is passed even
    /// when empty, as ops does).
    pub fn action_fail(&self, message: &str) -> Result<()> {
        self.call("action-fail", &args![message], None).map(drop)
    }
}
