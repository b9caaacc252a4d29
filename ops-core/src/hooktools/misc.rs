//! The remaining tools: `juju-log`, `add-metric`, `resource-get`, `pod-spec-set`, `goal-state`,
//! `leader-get`/`leader-set`, `credential-get`, `juju-reboot`, `unit-get`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::backend::{args, argv, Backend};
use super::error::{HookToolError, Result};
use super::pyfmt::{py_dollar_match, py_float_repr, py_repr_str, py_strip, py_truthy};

/// Longest message passed to one `juju-log` call (ops: `MAX_LOG_LINE_LEN`), in characters.
pub const MAX_LOG_LINE_LEN: usize = 131071;

/// Splits a log message as ops' `log_split` does: a message longer than `max_len` characters is
/// announced by `"Log string greater than {max_len}. Splitting into multiple chunks: "` and then
/// sent in chunks of `max_len` characters. An empty message gives no chunk at all.
pub fn log_split(message: &str, max_len: usize) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = message.chars().collect();
    if chars.len() > max_len {
        out.push(format!(
            "Log string greater than {max_len}. Splitting into multiple chunks: "
        ));
    }
    for chunk in chars.chunks(max_len.max(1)) {
        out.push(chunk.iter().collect());
    }
    out
}

/// The argv (without the tool name) of every `juju-log` call for `message` at `level`:
/// `--log-level <LEVEL> -- <chunk>` per chunk of [`log_split`].
///
/// A NUL character cannot travel in an argument (the call would fail and the record be lost): it
/// is written `\0`.
pub fn juju_log_args(level: &str, message: &str) -> Vec<Vec<String>> {
    let escaped;
    let message = if message.contains('\0') {
        escaped = message.replace('\0', "\\0");
        escaped.as_str()
    } else {
        message
    };
    log_split(message, MAX_LOG_LINE_LEN)
        .into_iter()
        .map(|line| argv!["--log-level", level, "--", line])
        .collect()
}

/// A metric value for `add-metric` (ops accepts Python ints and floats).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricValue {
    /// An integer, rendered as is (`42`).
    Int(i64),
    /// A float, rendered as Python's `str(float)` (`4.5`, `1.0`, `1e+16`).
    Float(f64),
}

impl From<i64> for MetricValue {
    fn from(v: i64) -> Self {
        MetricValue::Int(v)
    }
}

impl From<i32> for MetricValue {
    fn from(v: i32) -> Self {
        MetricValue::Int(v.into())
    }
}

impl From<u32> for MetricValue {
    fn from(v: u32) -> Self {
        MetricValue::Int(v.into())
    }
}

impl From<u64> for MetricValue {
    /// Values above `i64::MAX` become floats.
    fn from(v: u64) -> Self {
        i64::try_from(v).map_or(MetricValue::Float(v as f64), MetricValue::Int)
    }
}

impl From<f32> for MetricValue {
    fn from(v: f32) -> Self {
        MetricValue::Float(v.into())
    }
}

impl From<f64> for MetricValue {
    fn from(v: f64) -> Self {
        MetricValue::Float(v)
    }
}

impl fmt::Display for MetricValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricValue::Int(i) => write!(f, "{i}"),
            MetricValue::Float(x) => f.write_str(&py_float_repr(*x)),
        }
    }
}

const METRIC_KEY_PATTERN: &str = "^[a-zA-Z](?:[a-zA-Z0-9-_]*[a-zA-Z0-9])?$";

/// ops' metric key and label name regex `^[a-zA-Z](?:[a-zA-Z0-9-_]*[a-zA-Z0-9])?$`.
pub fn is_valid_metric_key(key: &str) -> bool {
    py_dollar_match(key, |k| {
        let end_ok = |c: char| c.is_ascii_alphanumeric();
        let mid_ok = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        let mut chars = k.chars();
        match (chars.next(), chars.next_back()) {
            (Some(first), None) => first.is_ascii_alphabetic(),
            (Some(first), Some(last)) => {
                first.is_ascii_alphabetic() && end_ok(last) && chars.all(mid_ok)
            }
            _ => false,
        }
    })
}

/// Validates and formats `add-metric` arguments as ops' `_ModelBackendValidator` does: labels
/// first (name regex, non-empty value without `,` or `=`), then metrics (key regex, finite
/// value >= 0). Returns the argv.
pub fn add_metric_args<V: Into<MetricValue> + Copy>(
    metrics: &[(&str, V)],
    labels: &[(&str, &str)],
) -> Result<Vec<String>> {
    let mut args = Vec::new();
    if !labels.is_empty() {
        let mut label_args = Vec::new();
        for (name, value) in labels {
            if !is_valid_metric_key(name) {
                return Err(HookToolError::Invalid(format!(
                    "invalid metric label name {}: must match {METRIC_KEY_PATTERN}",
                    py_repr_str(name)
                )));
            }
            if value.is_empty() {
                return Err(HookToolError::Invalid(format!(
                    "metric label {name} has an empty value, which is not allowed"
                )));
            }
            if value.contains([',', '=']) {
                return Err(HookToolError::Invalid(format!(
                    "metric label values must not contain \",\" or \"=\": {name}={}",
                    py_repr_str(value)
                )));
            }
            label_args.push(format!("{name}={value}"));
        }
        args.extend(argv!["--labels", label_args.join(",")]);
    }
    for (key, value) in metrics {
        let value: MetricValue = (*value).into();
        if !is_valid_metric_key(key) {
            return Err(HookToolError::Invalid(format!(
                "invalid metric key {}: must match {METRIC_KEY_PATTERN}",
                py_repr_str(key)
            )));
        }
        let bad = match value {
            MetricValue::Int(i) => i < 0,
            MetricValue::Float(x) => !x.is_finite() || x < 0.0,
        };
        if bad {
            return Err(HookToolError::Invalid(format!(
                "invalid metric value {value} provided: must be a positive finite float"
            )));
        }
        args.push(format!("{key}={value}"));
    }
    Ok(args)
}

/// The status of a unit or relation entry in `goal-state`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct GoalStateStatus {
    /// e.g. `active`, `joined`, `waiting`.
    pub status: String,
    /// When it entered that status (RFC 3339), if known.
    #[serde(default)]
    pub since: Option<String>,
}

/// The answer of `goal-state`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Default)]
pub struct GoalState {
    /// The units of this application (this one included), by name.
    #[serde(default)]
    pub units: BTreeMap<String, GoalStateStatus>,
    /// Per endpoint, the related applications and units, by name.
    #[serde(default)]
    pub relations: BTreeMap<String, BTreeMap<String, GoalStateStatus>>,
}

/// A cloud credential from `credential-get`. `Debug` does not print the attributes.
/// (`Serialize` writes Juju's form back, for test kits.)
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CloudCredential {
    /// Authentication type, e.g. `userpass`, `access-key`.
    #[serde(rename = "auth-type")]
    pub auth_type: String,
    /// The credential attributes (secret).
    #[serde(rename = "attrs", default, deserialize_with = "null_as_default")]
    pub attributes: BTreeMap<String, String>,
    /// Names of redacted attributes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub redacted: Vec<String>,
}

impl fmt::Debug for CloudCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CloudCredential")
            .field("auth_type", &self.auth_type)
            .field("attributes", &self.attributes.keys().collect::<Vec<_>>())
            .field("redacted", &self.redacted)
            .finish()
    }
}

/// The cloud the model runs on, with credentials (`credential-get`; later ops' `CloudSpec`).
/// (`Serialize` writes Juju's form back, for test kits.)
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct CloudSpec {
    /// Cloud type, e.g. `lxd`, `ec2`.
    #[serde(rename = "type")]
    pub cloud_type: String,
    /// Juju cloud name.
    pub name: String,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Identity endpoint.
    #[serde(rename = "identity-endpoint", default)]
    pub identity_endpoint: Option<String>,
    /// Storage endpoint.
    #[serde(rename = "storage-endpoint", default)]
    pub storage_endpoint: Option<String>,
    /// Credentials.
    #[serde(default)]
    pub credential: Option<CloudCredential>,
    /// CA certificates.
    #[serde(
        rename = "cacertificates",
        default,
        deserialize_with = "null_as_default"
    )]
    pub ca_certificates: Vec<String>,
    /// Whether to skip TLS verification.
    #[serde(
        rename = "skip-tls-verify",
        default,
        deserialize_with = "null_as_default"
    )]
    pub skip_tls_verify: bool,
    /// Whether this is the controller's cloud.
    #[serde(
        rename = "is-controller-cloud",
        default,
        deserialize_with = "null_as_default"
    )]
    pub is_controller_cloud: bool,
}

fn null_as_default<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl Backend {
    /// Sends `message` to the Juju debug log at `level` (`DEBUG`, `INFO`, `WARNING`, `ERROR`,
    /// `CRITICAL`): `juju-log --log-level <level> -- <chunk>` per chunk of [`log_split`].
    pub fn juju_log(&self, level: &str, message: &str) -> Result<()> {
        for args in juju_log_args(level, message) {
            self.call("juju-log", &args, None)?;
        }
        Ok(())
    }

    /// Records metrics (only allowed in `collect-metrics`):
    /// `add-metric [--labels k=v,k2=v2] key=value …`, validated as [`add_metric_args`] describes.
    /// Values may be [`MetricValue`]s, integers (`42`) or floats (`42.0`, rendered as Python does).
    pub fn add_metrics<V: Into<MetricValue> + Copy>(
        &self,
        metrics: &[(&str, V)],
        labels: &[(&str, &str)],
    ) -> Result<()> {
        let args = add_metric_args(metrics, labels)?;
        self.call("add-metric", &args, None).map(drop)
    }

    /// The local path of resource `name` (`resource-get <name>`, stdout stripped).
    pub fn resource_get(&self, name: &str) -> Result<PathBuf> {
        let out = self.call_text("resource-get", &args![name], None)?;
        Ok(PathBuf::from(py_strip(&out)))
    }

    /// Sets the pod spec of a podspec charm: writes `spec` (and `k8s_resources` when truthy) as
    /// YAML to `spec.yaml`/`k8s-resources.yaml` in a temporary `*-pod-spec-set` directory and runs
    /// `pod-spec-set --file <dir>/spec.yaml [--k8s-resources <dir>/k8s-resources.yaml]`; the
    /// directory is removed afterwards.
    pub fn pod_spec_set(&self, spec: &Value, k8s_resources: Option<&Value>) -> Result<()> {
        let io = |source| HookToolError::Io {
            tool: "pod-spec-set".to_string(),
            source,
        };
        let dir = tempfile::Builder::new()
            .suffix("-pod-spec-set")
            .tempdir()
            .map_err(io)?;
        let write = |name: &str, value: &Value| -> Result<String> {
            let path = dir.path().join(name);
            let text =
                serde_yaml::to_string(value).map_err(|e| HookToolError::Invalid(e.to_string()))?;
            std::fs::write(&path, text).map_err(io)?;
            Ok(path.to_string_lossy().into_owned())
        };
        let mut args = argv!["--file", write("spec.yaml", spec)?];
        if let Some(resources) = k8s_resources.filter(|r| py_truthy(r)) {
            args.extend(argv![
                "--k8s-resources",
                write("k8s-resources.yaml", resources)?
            ]);
        }
        let result = self.call("pod-spec-set", &args, None);
        let closed = dir.close();
        result?;
        closed.map_err(io)
    }

    /// The number of units planned for this application, this one included
    /// (`goal-state --format=json`: the size of `units`).
    pub fn planned_units(&self) -> Result<usize> {
        self.call_json("goal-state", Vec::new(), |v| match v.get("units") {
            None => Ok(0),
            Some(Value::Object(units)) => Ok(units.len()),
            Some(Value::Array(units)) => Ok(units.len()),
            Some(other) => Err(format!("\"units\" must be a mapping, got {other}")),
        })
    }

    /// The whole `goal-state` answer (`goal-state --format=json`).
    pub fn goal_state(&self) -> Result<GoalState> {
        self.call_json_as("goal-state", Vec::new())
    }

    /// All leadership settings (`leader-get --format=json`; not used by ops 2.1.1).
    pub fn leader_get_all(&self) -> Result<BTreeMap<String, String>> {
        self.call_json("leader-get", Vec::new(), |v| match v {
            Value::Null => Ok(BTreeMap::new()),
            other => serde_json::from_value(other).map_err(|e| e.to_string()),
        })
    }

    /// One leadership setting (`leader-get <key> --format=json`); `None` when unset or empty.
    pub fn leader_get(&self, key: &str) -> Result<Option<String>> {
        self.call_json("leader-get", argv![key], |v| match v {
            Value::Null => Ok(None),
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => Ok(Some(s)),
            other => Err(format!("expected a JSON string, got {other}")),
        })
    }

    /// Writes leadership settings (`leader-set k=v …`; an empty value deletes; leader only).
    pub fn leader_set<K: AsRef<str>, V: AsRef<str>>(&self, settings: &[(K, V)]) -> Result<()> {
        let args: Vec<String> = settings
            .iter()
            .map(|(k, v)| format!("{}={}", k.as_ref(), v.as_ref()))
            .collect();
        self.call("leader-set", &args, None).map(drop)
    }

    /// The model's cloud and credentials (`credential-get --format=json`; needs trust).
    pub fn credential_get(&self) -> Result<CloudSpec> {
        self.call_json_as("credential-get", Vec::new())
    }

    /// Asks Juju to reboot the machine after the hook (`juju-reboot`), or at once
    /// (`juju-reboot --now`, which kills this process).
    pub fn juju_reboot(&self, now: bool) -> Result<()> {
        let args = if now { argv!["--now"] } else { Vec::new() };
        self.call("juju-reboot", &args, None).map(drop)
    }

    /// `private-address` or `public-address` of this unit (`unit-get <key> --format=json`).
    pub fn unit_get(&self, key: &str) -> Result<String> {
        self.call_json("unit-get", argv![key], |v| match v {
            Value::String(s) => Ok(s),
            other => Err(format!("expected a JSON string, got {other}")),
        })
    }
}
