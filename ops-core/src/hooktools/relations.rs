//! Relation tools: `relation-ids`, `relation-list`, `relation-get`, `relation-set`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::backend::{argv, relation_not_found, Backend};
use super::error::{HookToolError, Result};
use super::pyfmt::py_int;
use super::yamlfmt::push_yaml_entry;

/// A relation databag: key → value (Juju relation data is always strings).
pub type RelationData = BTreeMap<String, String>;

impl Backend {
    /// The ids of the relations on endpoint `name` (`relation-ids <name> --format=json`; Juju
    /// answers `["db:1", "db:4"]`, the ids are the integers after the last `:`).
    pub fn relation_ids(&self, name: &str) -> Result<Vec<i64>> {
        self.call_json("relation-ids", argv![name], |v| {
            let items: Vec<String> = serde_json::from_value(v).map_err(|e| e.to_string())?;
            items
                .iter()
                .map(|item| {
                    item.rsplit(':')
                        .next()
                        .and_then(py_int)
                        .ok_or_else(|| format!("invalid relation id {item:?}"))
                })
                .collect()
        })
    }

    /// The remote units of relation `id` (`relation-list -r <id> --format=json`).
    /// `relation not found` → [`HookToolError::RelationNotFound`].
    pub fn relation_list(&self, id: i64) -> Result<Vec<String>> {
        self.call_json_as("relation-list", argv!["-r", id.to_string()])
            .map_err(|e| relation_not_found(e, Some(id)))
    }

    /// The model hosting the other side of relation `id` of endpoint `endpoint`
    /// (`relation-model-get -r <endpoint>:<id> --format=json`, Juju ≥ 3.6.2): its UUID.
    /// `relation not found` → [`HookToolError::RelationNotFound`].
    pub fn relation_model_get(&self, id: i64, endpoint: &str) -> Result<RemoteModel> {
        self.call_json_as(
            "relation-model-get",
            argv!["-r", format!("{endpoint}:{id}")],
        )
        .map_err(|e| relation_not_found(e, Some(id)))
    }

    /// The remote application of relation `id`, or `None` if unknown.
    ///
    /// For the event's own relation (both `JUJU_RELATION_ID` and `JUJU_REMOTE_APP` set and the
    /// ids equal) this is `JUJU_REMOTE_APP` (`None` when empty) without a tool call; otherwise
    /// `relation-list -r <id> --app --format=json`, with `relation not found` and Juju < 2.8.1's
    /// `option provided but not defined: --app` answered by `None`.
    pub fn relation_remote_app_name(&self, id: i64) -> Result<Option<String>> {
        if let Some((event_id, remote_app)) = self.event_remote_app() {
            if event_id == id {
                return Ok((!remote_app.is_empty()).then(|| remote_app.to_string()));
            }
        }
        let result =
            self.call_json(
                "relation-list",
                argv!["-r", id.to_string(), "--app"],
                |v| match v {
                    Value::String(s) => Ok(Some(s)),
                    Value::Null => Ok(None),
                    other => Err(format!("expected a JSON string, got {other}")),
                },
            );
        match result {
            Err(HookToolError::Failed { stderr, .. })
                if stderr.contains("relation not found")
                    || stderr.contains("option provided but not defined: --app") =>
            {
                Ok(None)
            }
            other => other,
        }
    }

    fn check_app_data(&self, is_app: bool, verb: &str) -> Result<()> {
        if is_app && !self.version().has_app_data() {
            return Err(HookToolError::Unsupported(format!(
                "{verb} application data is not supported on Juju version {}",
                self.version()
            )));
        }
        Ok(())
    }

    /// The databag of `member` (a unit, or with `is_app` an application) in relation `id`
    /// (`relation-get -r <id> - <member> [--app] --format=json`).
    ///
    /// `is_app` on Juju < 2.7 → [`HookToolError::Unsupported`] before any call;
    /// `relation not found` → [`HookToolError::RelationNotFound`].
    pub fn relation_get(&self, id: i64, member: &str, is_app: bool) -> Result<RelationData> {
        self.check_app_data(is_app, "getting")?;
        let mut args = argv!["-r", id.to_string(), "-", member];
        if is_app {
            args.push("--app".to_string());
        }
        // A databag Juju knows nothing about comes back as `null` from some versions.
        self.call_json_as::<Option<RelationData>>("relation-get", args)
            .map(Option::unwrap_or_default)
            .map_err(|e| relation_not_found(e, Some(id)))
    }

    /// Writes keys of our unit's (or with `is_app` our application's) databag in relation `id`:
    /// `relation-set -r <id> [--app] --file -` with the YAML mapping of `data` on stdin. An empty
    /// value deletes the key (Juju semantics). ops writes one key per call; several keys may be
    /// written in one call here.
    ///
    /// `is_app` on Juju < 2.7 → [`HookToolError::Unsupported`] before any call;
    /// `relation not found` → [`HookToolError::RelationNotFound`].
    pub fn relation_set<K: AsRef<str>, V: AsRef<str>>(
        &self,
        id: i64,
        data: &[(K, V)],
        is_app: bool,
    ) -> Result<()> {
        self.check_app_data(is_app, "setting")?;
        let mut args = argv!["-r", id.to_string()];
        if is_app {
            args.push("--app".to_string());
        }
        args.extend(argv!["--file", "-"]);
        let mut content = String::new();
        for (key, value) in data {
            push_yaml_entry(&mut content, key.as_ref(), value.as_ref());
        }
        self.call("relation-set", &args, Some(content.as_bytes()))
            .map(drop)
            .map_err(|e| relation_not_found(e, Some(id)))
    }
}

/// What `relation-model-get` prints: the model on the other side of a relation (ops 3:
/// `RemoteModel`). For a relation within one model it is that model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct RemoteModel {
    /// The model's UUID.
    pub uuid: String,
}
