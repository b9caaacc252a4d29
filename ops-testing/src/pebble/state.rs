//! The fake's public state: the container record of juju-sim's state file
//! (`state.containers.<name>`), with the same keys.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What `/v1/exec` answers for commands starting with `prefix` (the longest match wins).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExecRule {
    /// The argv prefix.
    pub prefix: Vec<String>,
    /// The exit code.
    #[serde(default)]
    pub exit: i64,
    /// What goes to stdout.
    #[serde(default)]
    pub stdout: String,
    /// What goes to stderr (or stdout when combined).
    #[serde(default)]
    pub stderr: String,
    /// Extension of the Rust fake: read stdin to its end first and echo it after `stdout`
    /// (a `cat`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub echo_stdin: bool,
    /// Extension of the Rust fake: seconds the command "runs" before answering; past the exec's
    /// `timeout` the change fails as Pebble's does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<f64>,
}

impl ExecRule {
    /// A rule answering `prefix` with `exit`, `stdout` and `stderr`.
    pub fn new(prefix: &[&str], exit: i64, stdout: &str, stderr: &str) -> ExecRule {
        ExecRule {
            prefix: prefix.iter().map(|s| s.to_string()).collect(),
            exit,
            stdout: stdout.into(),
            stderr: stderr.into(),
            echo_stdin: false,
            delay: None,
        }
    }
}

/// A layer as added (after combining into a layer of the same label).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerRecord {
    /// Its label.
    pub label: String,
    /// The layer as a JSON map.
    pub layer: Value,
}

/// A service's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceRecord {
    /// `enabled` or `disabled`.
    #[serde(default)]
    pub startup: String,
    /// `active` or `inactive`.
    pub current: String,
}

/// A custom notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRecord {
    /// Its id.
    pub id: String,
    /// Its type (`custom`).
    #[serde(rename = "type")]
    pub notice_type: String,
    /// Its key.
    pub key: String,
    /// How many times it occurred.
    pub occurrences: u64,
    /// The data of the last occurrence.
    #[serde(rename = "last-data", default)]
    pub last_data: BTreeMap<String, String>,
}

/// A signal sent to services.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignalRecord {
    /// The signal's name.
    pub signal: String,
    /// The services.
    pub services: Vec<String>,
}

/// One container's Pebble, as juju-sim reports it after each hook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PebbleState {
    /// Whether the socket is reachable.
    pub can_connect: bool,
    /// The exec rules.
    pub exec_rules: Vec<ExecRule>,
    /// The layers, in order.
    pub layers: Vec<LayerRecord>,
    /// The combined plan (`services`, `checks`).
    pub plan: Map<String, Value>,
    /// Services by name.
    pub services: BTreeMap<String, ServiceRecord>,
    /// Every service transition: `start web`, `stop web`.
    pub service_log: Vec<String>,
    /// Check statuses: `up` or `inactive`.
    pub checks: BTreeMap<String, String>,
    /// Custom notices.
    pub notices: Vec<NoticeRecord>,
    /// Every exec: `command`, `environment`, `working_dir`, and the owner fields and `timeout`
    /// when given.
    pub exec_calls: Vec<Map<String, Value>>,
    /// Signals sent.
    pub signals: Vec<SignalRecord>,
}

impl Default for PebbleState {
    fn default() -> Self {
        PebbleState {
            can_connect: true,
            exec_rules: Vec::new(),
            layers: Vec::new(),
            plan: Map::new(),
            services: BTreeMap::new(),
            service_log: Vec::new(),
            checks: BTreeMap::new(),
            notices: Vec::new(),
            exec_calls: Vec::new(),
            signals: Vec::new(),
        }
    }
}

/// One command the charm ran in the container (`POST /v1/exec`), as the fake recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExecCall {
    /// The command line.
    pub command: Vec<String>,
    /// The environment given (empty: none).
    pub environment: BTreeMap<String, String>,
    /// The working directory given, if any.
    pub working_dir: Option<String>,
    /// The user to run as (name), if given.
    pub user: Option<String>,
    /// The group to run as (name), if given.
    pub group: Option<String>,
    /// The timeout as sent to Pebble (e.g. `5.000s`), if given.
    pub timeout: Option<String>,
}

impl ExecCall {
    /// From one of [`PebbleState::exec_calls`].
    pub fn from_record(record: &Map<String, Value>) -> ExecCall {
        let text = |k: &str| record.get(k).and_then(Value::as_str).map(str::to_string);
        ExecCall {
            command: record
                .get("command")
                .and_then(Value::as_array)
                .map(|c| {
                    c.iter()
                        .map(|v| v.as_str().unwrap_or_default().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            environment: record
                .get("environment")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default(),
            working_dir: text("working_dir"),
            user: text("user"),
            group: text("group"),
            timeout: record.get("timeout").and_then(|t| match t {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            }),
        }
    }
}

impl PebbleState {
    /// The exec calls, typed.
    pub fn exec_call_list(&self) -> Vec<ExecCall> {
        self.exec_calls.iter().map(ExecCall::from_record).collect()
    }
}
