//! Status tools: `status-get`, `status-set`, `application-version-set`.

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use super::backend::{args, argv, Backend};
use super::error::Result;

/// A workload status name as Juju reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusName {
    /// `active`
    Active,
    /// `blocked`
    Blocked,
    /// `maintenance`
    Maintenance,
    /// `waiting`
    Waiting,
    /// `error` (set by Juju; `status-set error` is rejected by Juju)
    Error,
    /// `unknown` (the initial status; `status-set unknown` is rejected by Juju)
    Unknown,
    /// Any other name Juju reports (e.g. `terminated`); passed through as is.
    Other(String),
}

impl StatusName {
    /// The name as Juju spells it.
    pub fn as_str(&self) -> &str {
        match self {
            StatusName::Active => "active",
            StatusName::Blocked => "blocked",
            StatusName::Maintenance => "maintenance",
            StatusName::Waiting => "waiting",
            StatusName::Error => "error",
            StatusName::Unknown => "unknown",
            StatusName::Other(name) => name,
        }
    }

    /// Parses a name (never fails: unknown names become [`StatusName::Other`]).
    pub fn parse(name: &str) -> Self {
        match name {
            "active" => StatusName::Active,
            "blocked" => StatusName::Blocked,
            "maintenance" => StatusName::Maintenance,
            "waiting" => StatusName::Waiting,
            "error" => StatusName::Error,
            "unknown" => StatusName::Unknown,
            other => StatusName::Other(other.to_string()),
        }
    }
}

impl fmt::Display for StatusName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StatusName {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        Ok(StatusName::parse(s))
    }
}

/// A status and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusInfo {
    /// The status.
    pub status: StatusName,
    /// Its message (may be empty).
    pub message: String,
}

fn status_info(v: &Value) -> std::result::Result<StatusInfo, String> {
    let status = v
        .get("status")
        .and_then(Value::as_str)
        .ok_or_else(|| "missing \"status\" string".to_string())?;
    let message = v
        .get("message")
        .and_then(Value::as_str)
        .ok_or_else(|| "missing \"message\" string".to_string())?;
    Ok(StatusInfo {
        status: StatusName::parse(status),
        message: message.to_string(),
    })
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

impl Backend {
    /// The unit's status, or with `is_app` the application's
    /// (`status-get --include-data --application=<True|False> --format=json`; the application
    /// status is the `application-status` entry of the answer).
    pub fn status_get(&self, is_app: bool) -> Result<StatusInfo> {
        let args = argv![
            "--include-data",
            format!("--application={}", py_bool(is_app))
        ];
        self.call_json("status-get", args, |v| {
            if is_app {
                let app = v
                    .get("application-status")
                    .ok_or_else(|| "missing \"application-status\"".to_string())?;
                status_info(app)
            } else {
                status_info(&v)
            }
        })
    }

    /// Sets the unit's status, or with `is_app` the application's
    /// (`status-set --application=<True|False> <status> <message>`; the message is always passed,
    /// even when empty). `status` is a name such as [`StatusName::as_str`] gives.
    pub fn status_set(&self, status: &str, message: &str, is_app: bool) -> Result<()> {
        let args = argv![
            format!("--application={}", py_bool(is_app)),
            status,
            message
        ];
        self.call("status-set", &args, None).map(drop)
    }

    /// Sets the workload version shown by `juju status` (`application-version-set -- <version>`).
    pub fn application_version_set(&self, version: &str) -> Result<()> {
        self.call("application-version-set", &args!["--", version], None)
            .map(drop)
    }
}
