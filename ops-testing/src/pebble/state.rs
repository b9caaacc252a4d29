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
