//! Storage tools: `storage-list`, `storage-get`, `storage-add`.

use serde_json::Value;

use super::backend::{args, argv, storage_not_found, Backend};
use super::error::{HookToolError, Result};
use super::pyfmt::{py_int, py_isspace};

/// Finds the default `-s` key in `storage-get --help` output the way ops' regex
/// `.*^-s\s+\(=\s+(?P<storage_key>.*?)\)\s*?$` (MULTILINE | DOTALL, anchored at the start) does:
/// the *last* line starting with `-s`, whitespace, `(=`, whitespace, then the shortest text up to
/// a `)` followed only by whitespace before the end of a line.
pub fn parse_storage_key_from_help(help: &str) -> Option<String> {
    let mut line_starts: Vec<usize> = vec![0];
    line_starts.extend(help.match_indices('\n').map(|(i, _)| i + 1));
    line_starts
        .into_iter()
        .rev()
        .find_map(|start| match_key_at(&help[start..]))
}

fn match_key_at(text: &str) -> Option<String> {
    let rest = text.strip_prefix("-s")?;
    let after_ws = rest.trim_start_matches(py_isspace);
    if after_ws.len() == rest.len() {
        return None;
    }
    let rest = after_ws.strip_prefix("(=")?;
    let key_start = rest.trim_start_matches(py_isspace);
    if key_start.len() == rest.len() {
        return None;
    }
    // Lazy `.*?` (DOTALL) up to `\)\s*?$` (MULTILINE `$`: before a `\n` or at the end).
    for (i, _) in key_start.match_indices(')') {
        let tail = &key_start[i + 1..];
        let ends_line = tail
            .chars()
            .find(|c| *c == '\n' || !py_isspace(*c))
            .is_none_or(|c| c == '\n');
        if ends_line {
            return Some(key_start[..i].to_string());
        }
    }
    None
}

impl Backend {
    /// The indices of the attached instances of storage `name`
    /// (`storage-list <name> --format=json`; Juju answers `["data/0", "data/1"]`).
    pub fn storage_list(&self, name: &str) -> Result<Vec<u32>> {
        self.call_json("storage-list", argv![name], |v| {
            let ids: Vec<String> = serde_json::from_value(v).map_err(|e| e.to_string())?;
            ids.iter()
                .map(|id| {
                    id.split('/')
                        .nth(1)
                        .and_then(py_int)
                        .and_then(|i| u32::try_from(i).ok())
                        .ok_or_else(|| format!("invalid storage id {id:?}"))
                })
                .collect()
        })
    }

    /// Attribute `attribute` (e.g. `location`, `kind`) of storage instance `storage_id`
    /// (`storage-get -s <name/index> <attribute> --format=json`). An empty attribute is rejected
    /// (it would return the whole dict), as ops does.
    pub fn storage_get(&self, storage_id: &str, attribute: &str) -> Result<String> {
        if attribute.is_empty() {
            return Err(HookToolError::Invalid(
                "calling storage_get with `attribute=\"\"` will return a dict and not a string. \
                 This usage is not supported."
                    .to_string(),
            ));
        }
        self.call_json(
            "storage-get",
            argv!["-s", storage_id, attribute],
            |v| match v {
                Value::String(s) => Ok(s),
                other => Err(format!("expected a JSON string, got {other}")),
            },
        )
        .map_err(|e| storage_not_found(e, storage_id))
    }

    /// Where storage instance `storage_id` is mounted (`storage-get -s <id> location --format=json`).
    pub fn storage_location(&self, storage_id: &str) -> Result<std::path::PathBuf> {
        self.storage_get(storage_id, "location")
            .map(std::path::PathBuf::from)
    }

    /// Requests `count` more instances of storage `name` (`storage-add <name>=<count>`).
    pub fn storage_add(&self, name: &str, count: u32) -> Result<()> {
        self.call("storage-add", &args![format!("{name}={count}")], None)
            .map(drop)
    }

    /// The index and location of the storage instance of the current storage event
    /// (ops: `_storage_event_details`): the default `-s` key from `storage-get --help`, then
    /// `storage-get -s <key> location --format=json`.
    pub fn storage_event_details(&self) -> Result<(u32, String)> {
        let args = argv!["--help"];
        let help = self.call_text("storage-get", &args, None)?;
        let key = parse_storage_key_from_help(&help).ok_or_else(|| {
            HookToolError::parse(
                "storage-get",
                &args,
                &help,
                format!("unable to find storage key in {help:?}"),
            )
        })?;
        let index = key
            .split('/')
            .nth(1)
            .and_then(py_int)
            .and_then(|i| u32::try_from(i).ok())
            .ok_or_else(|| {
                HookToolError::parse(
                    "storage-get",
                    &args,
                    &help,
                    format!("invalid storage key {key:?}"),
                )
            })?;
        let location = self.storage_get(&key, "location")?;
        Ok((index, location))
    }
}
