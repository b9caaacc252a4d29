//! The container model behind the fake: layers and the plan (Pebble's combine rules), services,
//! changes, checks, notices and signals, as `fakepebble.py` has them.

use super::state::{LayerRecord, NoticeRecord, PebbleState, ServiceRecord, SignalRecord};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// The fixed timestamp of every change, task and notice.
pub(crate) const FIXED_TIME: &str = "2024-01-01T00:00:00Z";

/// A task log line as Pebble's `task.Logf`/`task.Errorf` write it: `TIME LEVEL message`.
pub(crate) fn task_log(level: &str, message: &str) -> String {
    format!("{FIXED_TIME} {level} {message}")
}
/// The version the fake reports.
pub const VERSION: &str = "v1.32.1";

const SERVICE_KEYS: &[&str] = &[
    "summary",
    "description",
    "startup",
    "override",
    "command",
    "after",
    "before",
    "requires",
    "workload",
    "environment",
    "user-id",
    "user",
    "group-id",
    "group",
    "working-dir",
    "on-success",
    "on-failure",
    "on-check-failure",
    "backoff-delay",
    "backoff-factor",
    "backoff-limit",
    "kill-delay",
];
/// The layer sections Pebble v1.32.1 (`pebble run`) knows.
const SECTIONS: &[&str] = &[
    "summary",
    "description",
    "services",
    "checks",
    "log-targets",
    "workloads",
    "pairing",
];
/// Sections whose entries combine by `override` (as services and checks).
const COMBINED: &[&str] = &["services", "checks", "log-targets", "workloads"];
const CHECK_KEYS: &[&str] = &[
    "override",
    "level",
    "startup",
    "period",
    "timeout",
    "threshold",
    "http",
    "tcp",
    "exec",
];

/// An error answered in Pebble's envelope.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub code: u16,
    pub message: String,
    pub kind: Option<String>,
}

impl ApiError {
    pub(crate) fn new(code: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            kind: None,
        }
    }

    pub(crate) fn kind(mut self, kind: &str) -> ApiError {
        self.kind = Some(kind.into());
        self
    }
}

/// An asynchronous operation.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub id: String,
    pub kind: String,
    pub summary: String,
    pub status: String,
    pub tasks: Vec<Map<String, Value>>,
    pub err: Option<String>,
    pub ready: bool,
    /// The `result` of the async answer (an exec's task id).
    pub result: Value,
}

impl Change {
    pub(crate) fn finish(&mut self, status: &str, err: Option<String>) {
        self.status = status.into();
        self.err = err;
        for t in &mut self.tasks {
            t.insert("status".into(), json!(status));
        }
        self.ready = true;
    }

    pub(crate) fn to_json(&self) -> Value {
        let tasks: Vec<Value> = self
            .tasks
            .iter()
            .map(|t| {
                let mut out: Map<String, Value> = t
                    .iter()
                    .filter(|(k, v)| *k != "data" || !is_empty(v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                out.insert(
                    "progress".into(),
                    json!({"label": "", "done": 1, "total": 1}),
                );
                out.insert("spawn-time".into(), json!(FIXED_TIME));
                if self.ready {
                    out.insert("ready-time".into(), json!(FIXED_TIME));
                }
                Value::Object(out)
            })
            .collect();
        let mut out = json!({
            "id": self.id, "kind": self.kind, "summary": self.summary, "status": self.status,
            "tasks": tasks, "ready": self.ready, "spawn-time": FIXED_TIME,
        });
        if self.ready {
            out["ready-time"] = json!(FIXED_TIME);
        }
        if let Some(err) = &self.err {
            out["err"] = json!(err);
        }
        out
    }
}

/// Python's truthiness of a JSON value.
pub(crate) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
    }
}

/// Counters and the config each running service was started with (juju-sim's `sim.pebble`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Private {
    pub change_seq: u64,
    pub task_seq: u64,
    pub notice_seq: u64,
    pub started: BTreeMap<String, Value>,
    /// Services whose next starts exit quickly, with this exit code.
    pub failing: BTreeMap<String, i64>,
    /// Services that changed state (`current-since` is answered for them).
    pub since: BTreeMap<String, String>,
    /// Service output: (time, service, message).
    pub logs: Vec<(String, String, String)>,
    pub log_seq: u64,
    /// Identities by name (as the API shows them).
    pub identities: BTreeMap<String, Value>,
}

/// One container.
#[derive(Debug, Default)]
pub(crate) struct Workload {
    pub public: PebbleState,
    pub private: Private,
    pub changes: BTreeMap<u64, Change>,
}

/// Pebble's typed decoding of a layer (`plan.ParseLayer`): known sections, known service and
/// check fields, durations as Go duration strings, numbers as numbers.
fn parse_layer(label: &str, layer: &Value) -> Result<(), ApiError> {
    let bad = |msg: String| ApiError::new(400, format!("cannot parse layer YAML: {msg}"));
    let Some(map) = layer.as_object() else {
        return Err(bad(format!(
            "cannot parse layer {label:?}: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!{} into map[string]yaml.Node",
            match layer {
                Value::Array(_) => "seq",
                Value::String(_) => "str",
                Value::Bool(_) => "bool",
                _ => "int",
            }
        )));
    };
    for key in map.keys() {
        if !SECTIONS.contains(&key.as_str()) {
            return Err(bad(format!(
                "cannot parse layer {label:?}: unknown section {key:?}"
            )));
        }
    }
    for (section, keys, kind) in [
        ("services", SERVICE_KEYS, "plan.Service"),
        ("checks", CHECK_KEYS, "plan.Check"),
    ] {
        let Some(items) = map.get(section).filter(|v| !v.is_null()) else {
            continue;
        };
        let in_section = |msg: String| {
            bad(format!(
                "cannot parse layer {label:?} section {section:?}: {msg}"
            ))
        };
        let Some(items) = items.as_object() else {
            return Err(in_section(format!(
                "yaml: unmarshal errors:\n  cannot unmarshal into map[string]*{kind}"
            )));
        };
        for item in items.values() {
            let Some(fields) = item.as_object() else {
                continue;
            };
            for (key, value) in fields {
                if !keys.contains(&key.as_str()) {
                    return Err(in_section(format!(
                        "yaml: unmarshal errors:\n  field {key} not found in type {kind}"
                    )));
                }
                let duration = matches!(
                    key.as_str(),
                    "backoff-delay" | "backoff-limit" | "kill-delay" | "period" | "timeout"
                );
                if duration {
                    let text = match value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        _ => return Err(in_section("duration must be a YAML string".into())),
                    };
                    if super::go_duration(&text).is_none() {
                        return Err(in_section(format!("invalid duration {text:?}")));
                    }
                }
                if key == "backoff-factor" && !value.is_number() {
                    let text = value
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| value.to_string());
                    return Err(in_section(if value.is_string() {
                        format!("invalid floating-point number {text:?}")
                    } else {
                        "value must be a YAML number".into()
                    }));
                }
            }
        }
    }
    check_layer(label, layer)
}

fn check_layer(label: &str, layer: &Value) -> Result<(), ApiError> {
    let Some(map) = layer.as_object() else {
        return Err(ApiError::new(
            400,
            format!("cannot parse layer {label:?}: not a mapping"),
        ));
    };
    for (section, what) in [("services", "service"), ("checks", "check")] {
        if let Some(items) = map.get(section).and_then(Value::as_object) {
            for (name, item) in items {
                let ok = item
                    .get("override")
                    .and_then(Value::as_str)
                    .is_some_and(|o| o == "merge" || o == "replace");
                if !ok {
                    return Err(ApiError::new(
                        400,
                        format!("layer \"{label}\" must define \"override\" for {what} \"{name}\""),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Pebble's merge of one service or check: lists extend, maps update, set scalars replace.
fn merge_item(base: &Value, other: &Value) -> Value {
    let mut out = base.as_object().cloned().unwrap_or_default();
    for (key, value) in other.as_object().into_iter().flatten() {
        if key == "override" {
            continue;
        }
        match value {
            Value::Array(items) => {
                let mut list = out
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                list.extend(items.iter().cloned());
                out.insert(key.clone(), Value::Array(list));
            }
            Value::Object(items) => {
                let mut map = out
                    .get(key)
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                for (k, v) in items {
                    map.insert(k.clone(), v.clone());
                }
                out.insert(key.clone(), Value::Object(map));
            }
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            v => {
                out.insert(key.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// Apply one layer's services and checks onto a plan-like map.
fn combine_into(target: &mut Map<String, Value>, layer: &Value) {
    for section in COMBINED.iter().copied() {
        let Some(items) = layer.get(section).and_then(Value::as_object) else {
            continue;
        };
        let current = target
            .entry(section)
            .or_insert_with(|| Value::Object(Map::new()));
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        let Value::Object(current) = current else {
            continue;
        };
        for (name, item) in items {
            let replace = item.get("override").and_then(Value::as_str) == Some("replace");
            let merged = match current.get(name) {
                Some(base) if !replace => merge_item(base, item),
                _ => item.clone(),
            };
            current.insert(name.clone(), merged);
        }
    }
    for key in ["summary", "description"] {
        if let Some(v) = layer.get(key).filter(|v| !is_empty(v)) {
            target.insert(key.into(), v.clone());
        }
    }
}

/// Whether Pebble would accept these layers: the message of its refusal otherwise.
pub(crate) fn check_layers(layers: &[LayerRecord]) -> Result<(), String> {
    for l in layers {
        check_layer(&l.label, &l.layer).map_err(|e| e.message)?;
    }
    for (name, svc) in plan_of(layers)
        .get("services")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if svc.get("command").is_none_or(is_empty) {
            return Err(format!(
                "plan must define \"command\" for service \"{name}\""
            ));
        }
    }
    Ok(())
}

/// The combined plan of the layers.
pub(crate) fn plan_of(layers: &[LayerRecord]) -> Map<String, Value> {
    let mut plan = Map::new();
    for entry in layers {
        combine_into(&mut plan, &entry.layer);
    }
    let mut plan: Map<String, Value> = plan
        .into_iter()
        .filter(|(k, v)| COMBINED.contains(&k.as_str()) && !is_empty(v))
        .collect();
    if let Some(Value::Object(checks)) = plan.get_mut("checks") {
        for check in checks.values_mut() {
            if let Value::Object(c) = check {
                c.entry("threshold").or_insert(json!(3));
            }
        }
    }
    plan
}

fn summary(verb: &str, names: &[String]) -> String {
    let more = if names.len() > 1 {
        format!(" and {} more", names.len() - 1)
    } else {
        String::new()
    };
    format!("{verb} service \"{}\"{more}", names[0])
}

impl Workload {
    /// A distinct, increasing RFC 3339 time for the next service log line.
    pub(crate) fn log_time(&mut self) -> String {
        self.private.log_seq += 1;
        format!("2024-01-01T00:00:00.{:06}Z", self.private.log_seq)
    }

    pub(crate) fn next_id(&mut self, which: &str) -> u64 {
        let counter = match which {
            "change" => &mut self.private.change_seq,
            "task" => &mut self.private.task_seq,
            _ => &mut self.private.notice_seq,
        };
        *counter += 1;
        *counter
    }

    /// A new change, Done at once, with tasks `(kind, summary)`.
    pub(crate) fn new_change(
        &mut self,
        kind: &str,
        summary: &str,
        specs: &[(String, String)],
    ) -> String {
        let tasks = specs
            .iter()
            .map(|(k, s)| {
                let id = self.next_id("task");
                let mut t = Map::new();
                t.insert("id".into(), json!(id.to_string()));
                t.insert("kind".into(), json!(k));
                t.insert("summary".into(), json!(s));
                t.insert("status".into(), json!("Done"));
                t
            })
            .collect();
        let id = self.next_id("change");
        self.changes.insert(
            id,
            Change {
                id: id.to_string(),
                kind: kind.into(),
                summary: summary.into(),
                status: "Done".into(),
                tasks,
                err: None,
                ready: true,
                result: Value::Null,
            },
        );
        id.to_string()
    }

    pub(crate) fn change(&mut self, id: &str) -> Result<&mut Change, ApiError> {
        id.parse::<u64>()
            .ok()
            .and_then(|n| self.changes.get_mut(&n))
            .ok_or_else(|| ApiError::new(404, format!("cannot find change with id \"{id}\"")))
    }

    fn plan_services(&self) -> Map<String, Value> {
        self.public
            .plan
            .get("services")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn plan_checks(&self) -> Map<String, Value> {
        self.public
            .plan
            .get("checks")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }

    pub(crate) fn refresh_plan(&mut self) {
        self.public.plan = plan_of(&self.public.layers);
        for (name, svc) in self.plan_services() {
            let entry = self
                .public
                .services
                .entry(name)
                .or_insert_with(|| ServiceRecord {
                    startup: String::new(),
                    current: "inactive".into(),
                });
            entry.startup = svc
                .get("startup")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("disabled")
                .to_string();
        }
        for name in self.plan_checks().keys() {
            self.public
                .checks
                .entry(name.clone())
                .or_insert_with(|| "up".into());
        }
    }

    /// Services given as running (a loaded state) count as started with their planned config.
    pub(crate) fn seed_notice_ids(&mut self) {
        let last = self
            .public
            .notices
            .iter()
            .filter_map(|n| n.id.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        self.private.notice_seq = self.private.notice_seq.max(last);
    }

    /// Services given as running (a loaded state) count as started with their planned config.
    pub(crate) fn seed_started(&mut self) {
        let services = self.plan_services();
        let running: Vec<String> = self
            .public
            .services
            .iter()
            .filter(|(_, s)| s.current == "active")
            .map(|(n, _)| n.clone())
            .collect();
        for name in running {
            if let Some(cfg) = services.get(&name) {
                self.private
                    .started
                    .entry(name)
                    .or_insert_with(|| cfg.clone());
            }
        }
    }

    pub(crate) fn add_layer(
        &mut self,
        label: &str,
        layer: Value,
        combine: bool,
    ) -> Result<(), ApiError> {
        parse_layer(label, &layer)?;
        // As Pebble's plan manager: the new layers are combined and checked first, and kept
        // only when the plan they make is valid.
        let mut layers = self.public.layers.clone();
        let existing = layers.iter().position(|e| e.label == label);
        match existing {
            Some(_) if !combine => {
                return Err(ApiError::new(
                    400,
                    format!("layer \"{label}\" already exists"),
                ))
            }
            Some(i) => {
                let mut merged = layers[i].layer.as_object().cloned().unwrap_or_default();
                combine_into(&mut merged, &layer);
                layers[i].layer = Value::Object(merged);
            }
            None => layers.push(LayerRecord {
                label: label.into(),
                layer,
            }),
        }
        let plan = plan_of(&layers);
        let section = |plan: &Map<String, Value>, name: &str| {
            plan.get(name)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let workloads = section(&plan, "workloads");
        for (name, svc) in section(&plan, "services") {
            if svc.get("command").is_none_or(is_empty) {
                return Err(ApiError::new(
                    400,
                    format!("plan must define \"command\" for service \"{name}\""),
                ));
            }
            if let Some(workload) = svc.get("workload").and_then(Value::as_str) {
                if !workload.is_empty() && !workloads.contains_key(workload) {
                    return Err(ApiError::new(
                        400,
                        format!("workload \"{workload}\": not defined for service \"{name}\""),
                    ));
                }
            }
        }
        // `workloads:` is immutable once Pebble runs: only its startup layers (the fake's
        // state) define it; a layer added through the API may not change it.
        if workloads != section(&plan_of(&self.public.layers), "workloads") {
            return Err(ApiError::new(
                400,
                "cannot change immutable section \"workloads\"",
            ));
        }
        self.public.layers = layers;
        self.refresh_plan();
        Ok(())
    }

    fn require_services(&self, names: &[String], verb: &str) -> Result<(), ApiError> {
        let known = self.plan_services();
        for name in names {
            if !known.contains_key(name) {
                return Err(ApiError::new(
                    400,
                    format!("cannot {verb} services: service \"{name}\" does not exist"),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn is_running(&self, name: &str) -> bool {
        self.public
            .services
            .get(name)
            .is_some_and(|s| s.current == "active")
    }

    fn set_running(&mut self, name: &str, running: bool) {
        if let Some(s) = self.public.services.get_mut(name) {
            s.current = if running { "active" } else { "inactive" }.into();
        }
        self.private.since.insert(name.into(), FIXED_TIME.into());
        self.public
            .service_log
            .push(format!("{} {name}", if running { "start" } else { "stop" }));
        if running {
            let cfg = self
                .plan_services()
                .get(name)
                .cloned()
                .unwrap_or(Value::Null);
            self.private.started.insert(name.into(), cfg);
        } else {
            self.private.started.remove(name);
        }
    }

    fn service_change(&mut self, kind: &str, stop: Vec<String>, start: Vec<String>) -> String {
        let mut specs: Vec<(String, String)> = stop
            .iter()
            .map(|n| ("stop".to_string(), format!("Stop service \"{n}\"")))
            .collect();
        specs.extend(
            start
                .iter()
                .map(|n| ("start".to_string(), format!("Start service \"{n}\""))),
        );
        for name in &stop {
            self.set_running(name, false);
        }
        let mut failed = Vec::new();
        for name in &start {
            match self.private.failing.get(name).copied() {
                Some(code) => {
                    // As Pebble: the process exited within the start window; the service is
                    // left to its on-failure action (restart: backoff; ignore: error).
                    let action = self
                        .plan_services()
                        .get(name)
                        .and_then(|s| s.get("on-failure"))
                        .and_then(Value::as_str)
                        .filter(|a| !a.is_empty())
                        .unwrap_or("restart")
                        .to_string();
                    if let Some(s) = self.public.services.get_mut(name) {
                        s.current = if action == "restart" {
                            "backoff"
                        } else {
                            "error"
                        }
                        .into();
                    }
                    self.private.since.insert(name.clone(), FIXED_TIME.into());
                    self.public.service_log.push(format!("start {name}"));
                    failed.push((
                        name.clone(),
                        format!(
                            "service start attempt: exited quickly with code {code}, will {action}"
                        ),
                    ));
                }
                None => self.set_running(name, true),
            }
        }
        let label = match kind {
            "replan" => "Replan",
            "autostart" => "Autostart",
            "start" => "Start",
            "stop" => "Stop",
            _ => "Restart",
        };
        let mut names: Vec<String> = stop.iter().chain(start.iter()).cloned().collect();
        names.sort();
        names.dedup();
        let text = if names.is_empty() {
            format!("{label} - no services")
        } else {
            summary(label, &names)
        };
        let id = self.new_change(kind, &text, &specs);
        if !failed.is_empty() {
            if let Ok(change) = self.change(&id) {
                let mut lines = Vec::new();
                for (name, err) in &failed {
                    let summary = format!("Start service \"{name}\"");
                    if let Some(t) = change.tasks.iter_mut().find(|t| {
                        t.get("summary").and_then(Value::as_str) == Some(summary.as_str())
                    }) {
                        t.insert("status".into(), json!("Error"));
                        // As Pebble: the attempt's last output (none here), then the error.
                        t.insert(
                            "log".into(),
                            json!([
                                task_log("INFO", "Most recent service output:\n    "),
                                task_log("ERROR", err),
                            ]),
                        );
                    }
                    lines.push(format!("- {summary} ({err})"));
                }
                change.status = "Error".into();
                change.err = Some(format!(
                    "cannot perform the following tasks:\n{}",
                    lines.join("\n")
                ));
            }
        }
        id
    }

    fn enabled(&self) -> Vec<String> {
        self.plan_services()
            .iter()
            .filter(|(_, s)| s.get("startup").and_then(Value::as_str) == Some("enabled"))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// `POST /v1/services`: the change id.
    pub(crate) fn services_action(
        &mut self,
        action: &str,
        names: Vec<String>,
    ) -> Result<String, ApiError> {
        if (action == "autostart" || action == "replan") && !names.is_empty() {
            return Err(ApiError::new(
                400,
                format!("{action} accepts no service names"),
            ));
        }
        if action != "autostart" && action != "replan" && names.is_empty() {
            return Err(ApiError::new(
                400,
                format!("must specify services for {action} action"),
            ));
        }
        match action {
            "autostart" => {
                let enabled = self.enabled();
                if enabled.is_empty() {
                    return Err(
                        ApiError::new(400, "no default services").kind("no-default-services")
                    );
                }
                let start = enabled
                    .into_iter()
                    .filter(|n| !self.is_running(n))
                    .collect();
                Ok(self.service_change("autostart", vec![], start))
            }
            "replan" => {
                let services = self.plan_services();
                let changed: Vec<String> = self
                    .private
                    .started
                    .iter()
                    .filter(|(n, cfg)| self.is_running(n) && services.get(*n) != Some(*cfg))
                    .map(|(n, _)| n.clone())
                    .collect();
                let mut start: Vec<String> = changed
                    .iter()
                    .filter(|n| services.contains_key(*n))
                    .cloned()
                    .chain(self.enabled().into_iter().filter(|n| !self.is_running(n)))
                    .collect();
                start.sort();
                start.dedup();
                Ok(self.service_change("replan", changed, start))
            }
            "start" => {
                self.require_services(&names, "start")?;
                let start = names.into_iter().filter(|n| !self.is_running(n)).collect();
                Ok(self.service_change("start", vec![], start))
            }
            "stop" => {
                self.require_services(&names, "stop")?;
                let stop = names.into_iter().filter(|n| self.is_running(n)).collect();
                Ok(self.service_change("stop", stop, vec![]))
            }
            "restart" => {
                self.require_services(&names, "restart")?;
                let stop = names
                    .iter()
                    .filter(|n| self.is_running(n))
                    .cloned()
                    .collect();
                Ok(self.service_change("restart", stop, names))
            }
            other => Err(ApiError::new(400, format!("invalid action \"{other}\""))),
        }
    }

    /// `POST /v1/checks`: the names that changed.
    pub(crate) fn checks_action(
        &mut self,
        action: &str,
        names: Vec<String>,
    ) -> Result<Vec<String>, ApiError> {
        if names.is_empty() {
            return Err(ApiError::new(
                400,
                format!("must specify checks for {action} action"),
            ));
        }
        if action != "start" && action != "stop" {
            return Err(ApiError::new(400, format!("invalid action \"{action}\"")));
        }
        let known = self.plan_checks();
        let mut missing: Vec<&str> = names
            .iter()
            .filter(|n| !known.contains_key(*n))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            missing.sort_unstable();
            return Err(ApiError::new(
                400,
                format!(
                    "cannot {action} checks: cannot find checks in plan: {}",
                    missing.join(", ")
                ),
            ));
        }
        let target = if action == "start" { "up" } else { "inactive" };
        let mut changed: Vec<String> = names
            .into_iter()
            .filter(|n| self.public.checks.get(n).map(String::as_str) != Some(target))
            .collect();
        changed.sort();
        changed.dedup();
        for name in &changed {
            self.public.checks.insert(name.clone(), target.into());
        }
        Ok(changed)
    }

    /// `POST /v1/notices`: the notice's id.
    pub(crate) fn notify(
        &mut self,
        notice_type: &str,
        key: &str,
        repeat_after: &str,
        data: BTreeMap<String, String>,
    ) -> Result<(String, bool), ApiError> {
        if notice_type != "custom" {
            return Err(ApiError::new(
                400,
                format!("invalid type \"{notice_type}\" (can only add \"custom\" notices)"),
            ));
        }
        if !valid_notice_key(key) {
            return Err(ApiError::new(
                400,
                format!("invalid key \"{key}\" (must be in \"example.com/path\" format)"),
            ));
        }
        if let Some(err) = (!repeat_after.is_empty())
            .then(|| super::go_duration_error(repeat_after))
            .flatten()
        {
            return Err(ApiError::new(400, format!("invalid repeat-after: {err}")));
        }
        if let Some(n) = self
            .public
            .notices
            .iter_mut()
            .find(|n| n.notice_type == "custom" && n.key == key)
        {
            n.occurrences += 1;
            n.last_data = data;
            // Pebble repeats a notice when `repeat-after` is zero or has elapsed since it last
            // repeated; the fake's clock stands still, so only a zero one repeats.
            let repeated = !repeat_after.chars().any(|c| c.is_ascii_digit() && c != '0');
            return Ok((n.id.clone(), repeated));
        }
        let id = self.next_id("notice").to_string();
        self.public.notices.push(NoticeRecord {
            id: id.clone(),
            notice_type: "custom".into(),
            key: key.into(),
            occurrences: 1,
            last_data: data,
        });
        Ok((id, true))
    }

    /// `POST /v1/signals`.
    pub(crate) fn signal(&mut self, signal: &str, names: Vec<String>) -> Result<(), ApiError> {
        if names.is_empty() {
            return Err(ApiError::new(400, "must specify one or more services"));
        }
        // As Pebble's service manager: each service is tried, the errors are joined.
        let valid = (1..=31).any(|n| ops_core::pebble::signal_name(n) == Some(signal));
        let mut errors = Vec::new();
        for name in &names {
            if !self.is_running(name) {
                errors.push(format!(
                    "cannot send signal to \"{name}\": service is not running"
                ));
            } else if !valid {
                errors.push(format!(
                    "cannot send signal to \"{name}\": invalid signal name \"{signal}\""
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::new(500, errors.join("; ")));
        }
        self.public.signals.push(SignalRecord {
            signal: signal.into(),
            services: names,
        });
        Ok(())
    }

    /// The longest matching exec rule, if any (without one, the executable "is missing").
    pub(crate) fn exec_answer(&self, command: &[String]) -> Option<super::state::ExecRule> {
        let mut best: Option<&super::state::ExecRule> = None;
        for rule in &self.public.exec_rules {
            if command.starts_with(&rule.prefix)
                && best.is_none_or(|b| rule.prefix.len() > b.prefix.len())
            {
                best = Some(rule);
            }
        }
        best.cloned()
    }
}

/// `^[a-z0-9]+(?:[.-][a-z0-9]+)*/[a-z0-9/._-]+$`
fn valid_notice_key(key: &str) -> bool {
    let Some((domain, path)) = key.split_once('/') else {
        return false;
    };
    let lower_digit = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let domain_ok = !domain.is_empty()
        && domain
            .split(['.', '-'])
            .all(|p| !p.is_empty() && p.chars().all(lower_digit));
    let path_ok = !path.is_empty()
        && path
            .chars()
            .all(|c| lower_digit(c) || matches!(c, '/' | '.' | '_' | '-'));
    domain_ok && path_ok
}

/// The plan as YAML in Pebble's style: 4-space indentation, Pebble's key order.
pub(crate) fn dump_plan(plan: &Map<String, Value>) -> String {
    if plan.is_empty() {
        return "{}\n".into();
    }
    let mut lines = Vec::new();
    dump_map(plan, 0, &["services", "checks"], &mut lines, true);
    lines.join("\n") + "\n"
}

fn yaml_text(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => "null".into(),
        Value::String(s) => {
            let plain = s
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '_')
                && s.chars().all(|c| {
                    !(c.is_control() || ":#'\"{}[],&*!|>%@`\\".contains(c) || c == '\u{7f}')
                })
                && s == s.trim()
                && !matches!(
                    s.to_lowercase().as_str(),
                    "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
                );
            if plain {
                s.clone()
            } else {
                serde_json::to_string(s).unwrap_or_default()
            }
        }
        other => other.to_string(),
    }
}

fn dump_map(
    map: &Map<String, Value>,
    indent: usize,
    order: &[&str],
    lines: &mut Vec<String>,
    top: bool,
) {
    let pad = " ".repeat(indent);
    let mut keys: Vec<&String> = order
        .iter()
        .filter_map(|k| map.get_key_value(*k).map(|(k, _)| k))
        .collect();
    let mut rest: Vec<&String> = map
        .keys()
        .filter(|k| !order.contains(&k.as_str()))
        .collect();
    rest.sort();
    keys.extend(rest);
    for key in keys {
        let item = &map[key];
        let k = yaml_text(&Value::String(key.clone()));
        match item {
            Value::Object(o) if !o.is_empty() => {
                lines.push(format!("{pad}{k}:"));
                if top && (key == "services" || key == "checks") {
                    let keys = if key == "services" {
                        SERVICE_KEYS
                    } else {
                        CHECK_KEYS
                    };
                    let mut names: Vec<&String> = o.keys().collect();
                    names.sort();
                    for name in names {
                        lines.push(format!(
                            "{}{}:",
                            " ".repeat(indent + 4),
                            yaml_text(&Value::String(name.clone()))
                        ));
                        if let Value::Object(body) = &o[name] {
                            dump_map(body, indent + 8, keys, lines, false);
                        }
                    }
                } else {
                    dump_map(o, indent + 4, &[], lines, false);
                }
            }
            Value::Array(a) if !a.is_empty() => {
                lines.push(format!("{pad}{k}:"));
                for v in a {
                    lines.push(format!("{pad}    - {}", yaml_text(v)));
                }
            }
            Value::Object(_) => lines.push(format!("{pad}{k}: {{}}")),
            Value::Array(_) => lines.push(format!("{pad}{k}: []")),
            v => lines.push(format!("{pad}{k}: {}", yaml_text(v))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_extends_lists_updates_maps_and_overwrites_set_scalars() {
        let base = json!({"override": "replace", "command": "a", "after": ["x"], "environment": {"A": "1"}});
        let other = json!({"override": "merge", "command": "", "after": ["y"], "environment": {"B": "2"}, "summary": "s"});
        assert_eq!(
            merge_item(&base, &other),
            json!({"override": "replace", "command": "a", "after": ["x", "y"], "environment": {"A": "1", "B": "2"}, "summary": "s"})
        );
    }

    #[test]
    fn notice_keys_are_checked() {
        assert!(valid_notice_key("example.com/db-ready"));
        assert!(valid_notice_key("canonical.com/a/b_c.d"));
        assert!(!valid_notice_key("example.com"));
        assert!(!valid_notice_key("Example.com/x"));
        assert!(!valid_notice_key("/x"));
    }

    #[test]
    fn plan_dump_reads_as_pebble_writes_it() {
        let plan = plan_of(&[LayerRecord {
            label: "l".into(),
            layer: json!({"services": {"web": {"override": "replace", "command": "/bin/web --port 80", "startup": "enabled", "environment": {"GREETING": "hi there"}}},
                          "checks": {"up": {"override": "replace", "level": "alive", "tcp": {"port": 80}}}}),
        }]);
        assert_eq!(
            dump_plan(&plan),
            "services:\n    web:\n        startup: enabled\n        override: replace\n        command: /bin/web --port 80\n        environment:\n            GREETING: hi there\nchecks:\n    up:\n        override: replace\n        level: alive\n        threshold: 3\n        tcp:\n            port: 80\n"
        );
        assert_eq!(dump_plan(&Map::new()), "{}\n");
    }
}
