//! `/v1/identities`: named identities (`local` by user id, `basic` by hashed password, `cert`),
//! each with an access level, validated and answered as Pebble does (secrets shown as `*****`).

use super::workload::ApiError;
use super::{Reply, Req, Shared};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

const ACCESS: [&str; 4] = ["admin", "read", "metrics", "untrusted"];

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Pebble's `identityFromAPI` + `Validate`: the identity as listed, or the error.
fn check(name: &str, identity: &Map<String, Value>) -> Result<Value, String> {
    let mut shown = Map::new();
    if let Some(local) = identity.get("local").filter(|v| !v.is_null()) {
        let uid = local
            .get("user-id")
            .and_then(Value::as_u64)
            .ok_or("local identity must specify user-id")?;
        shown.insert("local".into(), json!({"user-id": uid}));
    }
    if let Some(cert) = identity.get("cert").filter(|v| !v.is_null()) {
        let pem = cert.get("pem").and_then(Value::as_str).unwrap_or("");
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err("cert identity must include a PEM-encoded certificate".into());
        }
        shown.insert("cert".into(), json!({"pem": "*****"}));
    }
    if !valid_name(name) {
        // Pebble names the identity's (still empty) Name field here, not the map key.
        return Err("identity name \"\" invalid: must start with an alphabetic character and only contain alphanumeric characters, underscore, and hyphen".into());
    }
    let access = identity.get("access").and_then(Value::as_str).unwrap_or("");
    if access.is_empty() {
        return Err(
            "access value must be specified (\"admin\", \"read\", \"metrics\", or \"untrusted\")"
                .into(),
        );
    }
    if !ACCESS.contains(&access) {
        return Err(format!(
            "invalid access value \"{access}\", must be \"admin\", \"read\", \"metrics\", or \"untrusted\""
        ));
    }
    if let Some(basic) = identity.get("basic").filter(|v| !v.is_null()) {
        if basic
            .get("password")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            return Err("basic identity must specify password (hashed)".into());
        }
        shown.insert("basic".into(), json!({"password": "*****"}));
    }
    if shown.is_empty() {
        return Err(
            "identity must have at least one type (\"local\", \"basic\", or \"cert\")".into(),
        );
    }
    shown.insert("access".into(), json!(access));
    Ok(Value::Object(shown))
}

pub(crate) fn h_get(shared: &Arc<Shared>, _: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let wl = shared.lock();
    Ok(Reply::Sync(json!(wl.private.identities)))
}

pub(crate) fn h_post(shared: &Arc<Shared>, req: &Req, _: &[String]) -> Result<Reply, ApiError> {
    let body = req.json()?;
    let action = body.get("action").and_then(Value::as_str).unwrap_or("");
    let given = body
        .get("identities")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut checked: Vec<(String, Option<Value>)> = Vec::new();
    for (name, identity) in &given {
        let value = match identity {
            Value::Null => None,
            Value::Object(map) => Some(check(name, map).map_err(|e| {
                ApiError::new(400, format!("invalid identity for \"{name}\": {e}"))
            })?),
            _ => {
                return Err(ApiError::new(
                    400,
                    "cannot decode request body: json: cannot unmarshal identity",
                ))
            }
        };
        checked.push((name.clone(), value));
    }
    let null_check = |must_be_null: bool, op: &str| -> Result<(), ApiError> {
        for (name, value) in &checked {
            if value.is_none() != must_be_null {
                let what = if must_be_null {
                    "must be null"
                } else {
                    "must not be null"
                };
                return Err(ApiError::new(
                    400,
                    format!("identity value for \"{name}\" {what} for {op} operation"),
                ));
            }
        }
        Ok(())
    };
    let mut wl = shared.lock();
    let store = &mut wl.private.identities;
    let listed = |names: Vec<&String>| {
        let mut names: Vec<&str> = names.into_iter().map(String::as_str).collect();
        names.sort_unstable();
        names.join(", ")
    };
    match action {
        "add" => {
            null_check(false, "add")?;
            let existing: Vec<&String> = checked
                .iter()
                .map(|(n, _)| n)
                .filter(|n| store.contains_key(*n))
                .collect();
            if !existing.is_empty() {
                return Err(ApiError::new(
                    400,
                    format!("identities already exist: {}", listed(existing)),
                ));
            }
        }
        "update" | "remove" => {
            null_check(action == "remove", action)?;
            let missing: Vec<&String> = checked
                .iter()
                .map(|(n, _)| n)
                .filter(|n| !store.contains_key(*n))
                .collect();
            if !missing.is_empty() {
                return Err(ApiError::new(
                    400,
                    format!("identities do not exist: {}", listed(missing)),
                ));
            }
        }
        "replace" => {}
        other => {
            return Err(ApiError::new(
                400,
                format!("invalid action \"{other}\", must be \"add\", \"update\", \"replace\", or \"remove\""),
            ))
        }
    }
    let mut next = store.clone();
    for (name, value) in checked {
        match value {
            Some(v) => next.insert(name, v),
            None => next.remove(&name),
        };
    }
    // As Pebble: one identity per local user ID, checked on the identities it would keep.
    let mut by_uid: BTreeMap<u64, Vec<&String>> = BTreeMap::new();
    for (name, identity) in &next {
        if let Some(uid) = identity
            .get("local")
            .and_then(|l| l.get("user-id"))
            .and_then(Value::as_u64)
        {
            by_uid.entry(uid).or_default().push(name);
        }
    }
    if let Some((uid, names)) = by_uid.into_iter().find(|(_, names)| names.len() > 1) {
        return Err(ApiError::new(
            400,
            format!(
                "cannot have multiple identities with user ID {uid} ({})",
                listed(names)
            ),
        ));
    }
    *store = next;
    Ok(Reply::Sync(Value::Null))
}
