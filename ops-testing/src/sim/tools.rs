//! The hook tools: argv in, Juju's output and errors out, against the [`JujuState`].
//!
//! Each handler is a port of juju-sim's: the same argument handling, output values, error messages
//! and exit codes (1 for a failed call, 2 for a usage error), and the same split of writes into
//! those Juju applies at once (`status-set`, `action-set`, `leader-set`, ...; kept even when the
//! hook fails) and those applied only when the hook succeeds (`relation-set`, `open-port`,
//! `secret-add`, ...; visible to the hook's own reads at once).

use super::flags::{parse_argv, FlagSpec, Flags, Kind, Parsed};
use super::format::render;
use super::state::*;
use super::{HookContext, LogRecord, Records, ToolError};
use ops_core::meta::{CharmMeta, RelationRole};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};

/// What a handler returns.
enum Out {
    /// A value printed in the requested `--format`.
    Value(Value),
    /// Text printed as is.
    Raw(String),
    /// Nothing printed.
    Nothing,
}

type R = Result<Out, ToolError>;
type Handler = fn(&mut Call<'_>) -> R;

/// A hook tool: its handler, flags, default output format (`None`: no `--format` flag).
pub(crate) struct Tool {
    pub name: &'static str,
    handler: Handler,
    flags: &'static [&'static str],
    fmt: Option<&'static str>,
    args: &'static str,
    summary: &'static str,
}

impl Tool {
    /// The tool's flags, parsed once per process.
    fn specs(&self) -> &'static [FlagSpec] {
        static SPECS: std::sync::OnceLock<HashMap<&'static str, Vec<FlagSpec>>> =
            std::sync::OnceLock::new();
        SPECS
            .get_or_init(|| TOOLS.iter().map(|t| (t.name, t.parse_specs())).collect())
            .get(self.name)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    fn parse_specs(&self) -> Vec<FlagSpec> {
        let mut specs: Vec<FlagSpec> = self.flags.iter().map(|f| FlagSpec::parse(f)).collect();
        if let Some(fmt) = self.fmt {
            specs.push(FlagSpec {
                names: vec!["format"],
                key: "format",
                kind: Kind::Format,
                default: fmt,
            });
            specs.push(FlagSpec::parse("o|output:str"));
        }
        specs
    }
}

/// One call of a tool.
struct Call<'a> {
    tool: &'static Tool,
    meta: &'static CharmMeta,
    work: &'a mut JujuState,
    committed: &'a mut JujuState,
    ctx: &'a HookContext,
    records: &'a Records,
    flags: Flags,
    args: Vec<String>,
    stdin: Option<&'a [u8]>,
}

fn usage(message: impl Into<String>) -> ToolError {
    ToolError::usage(message)
}

fn fail(message: impl Into<String>) -> ToolError {
    ToolError::new(message)
}

impl Call<'_> {
    /// A write applied only if the hook succeeds (the hook's own reads see it at once).
    fn pending(&mut self, change: impl Fn(&mut JujuState)) {
        change(self.work);
    }

    /// A write applied at once, kept even if the hook fails.
    fn now(&mut self, change: impl Fn(&mut JujuState)) {
        change(self.work);
        change(self.committed);
    }

    fn unit(&self) -> String {
        self.work.unit.clone()
    }

    fn app(&self) -> String {
        self.work.app().to_string()
    }

    fn require_leader(&self) -> Result<(), ToolError> {
        if self.work.leader {
            Ok(())
        } else {
            Err(fail("this unit is not the leader"))
        }
    }

    fn format(&self) -> &str {
        match self.flags.str("format") {
            "" => self.tool.fmt.unwrap_or("smart"),
            f => f,
        }
    }

    fn relation_id(&self) -> Result<i64, ToolError> {
        self.flags
            .rel()
            .or(self.ctx.relation_id)
            .ok_or_else(|| usage("no relation id specified"))
    }

    fn relation(&self, id: i64) -> Result<&SimRelation, ToolError> {
        self.work
            .relation(id)
            .ok_or_else(|| fail(format!("relation {id} not found")))
    }

    fn action_index(&self) -> Result<usize, ToolError> {
        if self.ctx.action.is_none() || self.work.actions.is_empty() {
            return Err(fail("not running an action"));
        }
        Ok(self.work.actions.len() - 1)
    }

    fn no_more_args(&self, from: usize) -> Result<(), ToolError> {
        if self.args.len() > from {
            let shown: Vec<String> = self.args[from..]
                .iter()
                .map(|a| Value::String(a.clone()).to_string())
                .collect();
            return Err(usage(format!("unrecognized args: [{}]", shown.join(" "))));
        }
        Ok(())
    }

    fn at_most_one_arg(&self) -> Result<String, ToolError> {
        self.no_more_args(1)?;
        Ok(self.args.first().cloned().unwrap_or_default())
    }

    fn read_input(&self, path: &str) -> Result<String, ToolError> {
        if path == "-" {
            return Ok(self
                .stdin
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default());
        }
        std::fs::read_to_string(path).map_err(|e| {
            let text = e.to_string();
            let reason = text.split(" (os error").next().unwrap_or(&text);
            fail(format!("open {path}: {}", reason.to_lowercase()))
        })
    }

    fn yaml_file(&self, path: &str) -> Result<BTreeMap<String, Option<String>>, ToolError> {
        let text = self.read_input(path)?;
        parse_flat_yaml(&text).map_err(|e| fail(format!("yaml: {e}")))
    }
}

/// The common case of [`parse_flat_yaml`] without a YAML parser: one `key: value` per line,
/// each side either a plain word that every YAML reader takes as the same string (a letter
/// first, then letters, digits, `-`, `_`, `.`, `/`; no boolean or null word) or a double-quoted
/// scalar of printable ASCII with only the escapes `\"`, `\\`, `\n`, `\t`, `\r` (what ops-core
/// writes). `None` for anything else, which the full parser then reads.
fn simple_flat_yaml(text: &str) -> Option<BTreeMap<String, Option<String>>> {
    fn word(s: &str) -> bool {
        s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
            && !matches!(
                s.to_ascii_lowercase().as_str(),
                "y" | "yes" | "n" | "no" | "true" | "false" | "on" | "off" | "null"
            )
    }
    /// A double-quoted scalar at the start of `s`: its value and the text after it.
    fn quoted(s: &str) -> Option<(String, &str)> {
        let body = s.strip_prefix('"')?;
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Some((out, &body[i + 1..])),
                '\\' => out.push(match chars.next()?.1 {
                    '"' => '"',
                    '\\' => '\\',
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    _ => return None,
                }),
                ' '..='~' => out.push(c),
                _ => return None,
            }
        }
        None
    }
    /// A whole key or value: a quoted scalar or a plain word.
    fn scalar(s: &str) -> Option<String> {
        if s.starts_with('"') {
            match quoted(s)? {
                (value, "") => Some(value),
                _ => None,
            }
        } else {
            word(s).then(|| s.to_string())
        }
    }
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let (key, value) = if line.starts_with('"') {
            let (key, rest) = quoted(line)?;
            (key, rest.strip_prefix(": ")?)
        } else {
            let (key, value) = line.split_once(": ")?;
            (word(key).then(|| key.to_string())?, value)
        };
        let value = scalar(value)?;
        if out.insert(key, Some(value)).is_some() {
            return None;
        }
    }
    Some(out)
}

/// Read a YAML mapping of scalars the way go-yaml decodes it into `map[string]string`: scalars
/// as their text, `null` as `None`, nested collections refused.
pub(crate) fn parse_flat_yaml(text: &str) -> Result<BTreeMap<String, Option<String>>, String> {
    if text.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    match simple_flat_yaml(text) {
        Some(simple) => Ok(simple),
        None => full_flat_yaml(text),
    }
}

/// [`parse_flat_yaml`] with a YAML parser.
fn full_flat_yaml(text: &str) -> Result<BTreeMap<String, Option<String>>, String> {
    fn scalar(v: &serde_yaml::Value) -> Result<Option<String>, String> {
        match v {
            serde_yaml::Value::Null => Ok(None),
            serde_yaml::Value::Bool(b) => Ok(Some(b.to_string())),
            serde_yaml::Value::Number(n) => Ok(Some(n.to_string())),
            serde_yaml::Value::String(s) => Ok(Some(s.clone())),
            serde_yaml::Value::Tagged(t) => scalar(&t.value),
            _ => Err("cannot unmarshal !!map or !!seq into string".to_string()),
        }
    }
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    match value {
        serde_yaml::Value::Null => Ok(BTreeMap::new()),
        serde_yaml::Value::Mapping(m) => {
            let mut out = BTreeMap::new();
            for (k, v) in m {
                let key = scalar(&k)?.unwrap_or_default();
                out.insert(key, scalar(&v)?);
            }
            Ok(out)
        }
        serde_yaml::Value::Sequence(_) => {
            Err("cannot unmarshal !!seq into map[string]string".to_string())
        }
        other => Err(format!(
            "cannot unmarshal !!str `{}` into map[string]string",
            scalar(&other)?.unwrap_or_default()
        )),
    }
}

/// juju/utils `keyvalues.Parse(args, allowEmptyValues=true)`.
fn key_values(args: &[String]) -> Result<BTreeMap<String, String>, ToolError> {
    let mut out = BTreeMap::new();
    for arg in args {
        let Some((key, value)) = arg.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(usage(format!("expected \"key=value\", got \"{arg}\"")));
        };
        if out.insert(key.to_string(), value.to_string()).is_some() {
            return Err(usage(format!("key \"{key}\" specified more than once")));
        }
    }
    Ok(out)
}

/// Juju's application name rule: `^[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*$`.
pub fn is_valid_app_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let first_ok = parts.next().is_some_and(|p| {
        p.starts_with(|c: char| c.is_ascii_lowercase())
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    first_ok
        && parts.all(|p| {
            p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && p.chars().any(|c| c.is_ascii_lowercase())
        })
}

/// Juju's unit name rule: an application name, `/`, a number.
pub fn is_valid_unit_name(name: &str) -> bool {
    match name.split_once('/') {
        Some((app, n)) => {
            is_valid_app_name(app) && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

fn app_of(unit: &str) -> &str {
    unit.split('/').next().unwrap_or(unit)
}

// -- configuration, leadership, status, logging ------------------------------------------------

fn config_get(c: &mut Call<'_>) -> R {
    let key = c.args.first().cloned().unwrap_or_default();
    c.no_more_args(1)?;
    let all = c.flags.bool("all");
    if !key.is_empty() && all {
        return Err(usage(format!(
            "cannot use argument --all together with key \"{key}\""
        )));
    }
    let config = c.work.effective_config(c.meta);
    if !key.is_empty() {
        return Ok(Out::Value(config.get(&key).cloned().unwrap_or(Value::Null)));
    }
    Ok(Out::Value(Value::Object(
        config
            .into_iter()
            .filter(|(_, v)| all || !v.is_null())
            .collect(),
    )))
}

fn is_leader(c: &mut Call<'_>) -> R {
    c.no_more_args(0)?;
    Ok(Out::Value(Value::Bool(c.work.leader)))
}

fn status_get(c: &mut Call<'_>) -> R {
    c.no_more_args(0)?;
    let smart = c.format() == "smart";
    let include = c.flags.bool("include-data");
    let details = |st: &StatusRecord| {
        let mut out = Map::new();
        out.insert("status".into(), Value::String(st.status.clone()));
        if include {
            out.insert("message".into(), Value::String(st.message.clone()));
            out.insert("status-data".into(), json!({}));
        }
        Value::Object(out)
    };
    if !c.flags.bool("application") {
        let st = &c.work.unit_status;
        return Ok(Out::Value(if smart && !include {
            Value::String(st.status.clone())
        } else {
            details(st)
        }));
    }
    if !c.work.leader {
        return Err(fail(
            "finding application status: this unit is not the leader",
        ));
    }
    let st = &c.work.app_status;
    if smart && !include {
        return Ok(Out::Value(Value::String(st.status.clone())));
    }
    let mut app = details(st);
    if let Value::Object(m) = &mut app {
        let mut units = Map::new();
        units.insert(c.work.unit.clone(), details(&c.work.unit_status));
        m.insert("units".into(), Value::Object(units));
    }
    Ok(Out::Value(json!({ "application-status": app })))
}

const VALID_STATUSES: [&str; 4] = ["maintenance", "blocked", "waiting", "active"];

fn status_set(c: &mut Call<'_>) -> R {
    let Some(status) = c.args.first().cloned() else {
        // Juju 3's status-set takes an optional data argument too
        // (worker/uniter/runner/jujuc/status-set.go `Init`); juju-sim prints the 2.x text.
        return Err(usage("invalid args, require <status> [message] [data]"));
    };
    if !VALID_STATUSES.contains(&status.as_str()) {
        return Err(usage(format!(
            "invalid status \"{status}\", expected one of [{}]",
            VALID_STATUSES.join(" ")
        )));
    }
    let message = c.args.get(1).cloned().unwrap_or_default();
    c.no_more_args(2)?;
    let is_app = c.flags.bool("application");
    if is_app {
        c.require_leader()?;
    }
    let new = StatusRecord::new(status, message);
    {
        let mut history = c.records.history.borrow_mut();
        if is_app {
            history.app_status.push(c.work.app_status.to_status());
        } else {
            history.unit_status.push(c.work.unit_status.to_status());
        }
    }
    c.now(|s| {
        if is_app {
            s.app_status = new.clone();
        } else {
            s.unit_status = new.clone();
        }
    });
    Ok(Out::Nothing)
}

fn juju_log(c: &mut Call<'_>) -> R {
    if c.args.is_empty() {
        return Err(usage("no message specified"));
    }
    let level = if c.flags.bool("debug") {
        "DEBUG".to_string()
    } else {
        c.flags.str("log-level").to_string()
    };
    c.records.logs.borrow_mut().push(LogRecord {
        level,
        message: c.args.join(" "),
    });
    Ok(Out::Nothing)
}

fn application_version_set(c: &mut Call<'_>) -> R {
    let Some(version) = c.args.first().cloned() else {
        return Err(usage("no version specified"));
    };
    c.no_more_args(1)?;
    c.records
        .history
        .borrow_mut()
        .workload_version
        .push(c.work.workload_version.clone());
    c.now(|s| s.workload_version = version.clone());
    Ok(Out::Nothing)
}

fn goal_state(c: &mut Call<'_>) -> R {
    c.no_more_args(0)?;
    let state = &*c.work;
    let mut peers: Vec<&String> = state
        .relations
        .iter()
        .filter(|r| r.role == RelationRole::Peer)
        .flat_map(|r| r.remote_units.keys())
        .collect();
    peers.sort();
    peers.dedup();
    let mut units: Vec<String> = std::iter::once(state.unit.clone())
        .chain(peers.into_iter().cloned())
        .collect();
    if let Some(planned) = state.planned_units {
        let planned = planned as usize;
        let mut index = 0;
        while units.len() < planned {
            let name = format!("{}/{index}", state.app());
            if !units.contains(&name) {
                units.push(name);
            }
            index += 1;
        }
        // Juju's goal is exactly the planned units (e.g. while scaling down).
        units.truncate(planned);
    }
    let since = |status: &str| json!({"status": status, "since": FIXED_SINCE});
    let mut relations = Map::new();
    for rel in &state.relations {
        if rel.broken || rel.role == RelationRole::Peer {
            continue;
        }
        let entries = relations
            .entry(rel.endpoint.clone())
            .or_insert_with(|| json!({}));
        if let Value::Object(entries) = entries {
            entries.insert(rel.remote_app.clone(), since("joined"));
            for unit in rel.remote_units.keys() {
                entries.insert(unit.clone(), since("joined"));
            }
        }
    }
    let units: Map<String, Value> = units.into_iter().map(|u| (u, since("active"))).collect();
    Ok(Out::Value(
        json!({"units": units, "relations": Value::Object(relations)}),
    ))
}

fn leader_get(c: &mut Call<'_>) -> R {
    let key = c.at_most_one_arg()?;
    let settings = &c.work.leader_settings;
    if !key.is_empty() && key != "-" {
        return Ok(Out::Value(Value::String(
            settings.get(&key).cloned().unwrap_or_default(),
        )));
    }
    Ok(Out::Value(json!(settings)))
}

fn leader_set(c: &mut Call<'_>) -> R {
    let settings = key_values(&c.args)?;
    if !c.work.leader {
        return Err(fail(
            "cannot write leadership settings: cannot write settings: not the leader",
        ));
    }
    c.now(|s| {
        for (k, v) in &settings {
            if v.is_empty() {
                s.leader_settings.remove(k);
            } else {
                s.leader_settings.insert(k.clone(), v.clone());
            }
        }
    });
    Ok(Out::Nothing)
}

fn credential_get(c: &mut Call<'_>) -> R {
    c.no_more_args(0)?;
    match &c.work.credential {
        Some(v) => Ok(Out::Value(v.clone())),
        None => Err(fail("cannot access cloud credentials: permission denied")),
    }
}

/// Juju's `relation-model-get`: `{"uuid": ...}`, the model hosting the other side.
fn relation_model_get(c: &mut Call<'_>) -> R {
    let rid = c.relation_id()?;
    c.no_more_args(0)?;
    c.relation(rid)?;
    let uuid = c
        .work
        .remote_models
        .get(&rid)
        .cloned()
        .unwrap_or_else(|| c.work.model_uuid.clone());
    Ok(Out::Value(json!({ "uuid": uuid })))
}

fn juju_reboot(c: &mut Call<'_>) -> R {
    c.no_more_args(0)?;
    // Juju's jujuc: an action cannot reboot the machine.
    if c.ctx.action.is_some() {
        return Err(fail("juju-reboot is not supported when running an action"));
    }
    let mode = if c.flags.bool("now") {
        "now"
    } else {
        "after-hook"
    };
    c.pending(|s| s.reboot = Some(mode.to_string()));
    Ok(Out::Nothing)
}

fn unit_get(c: &mut Call<'_>) -> R {
    let key = c.at_most_one_arg()?;
    if key != "private-address" && key != "public-address" {
        return Err(usage(format!(
            "unknown setting {}",
            Value::String(key.clone())
        )));
    }
    Ok(Out::Value(Value::String(c.work.address.clone())))
}

// -- relations ---------------------------------------------------------------------------------

fn relation_ids(c: &mut Call<'_>) -> R {
    let name = c
        .args
        .first()
        .cloned()
        .or_else(|| c.ctx.relation_name.clone())
        .unwrap_or_default();
    if name.is_empty() {
        return Err(usage("no endpoint name specified"));
    }
    c.no_more_args(1)?;
    let mut ids: Vec<String> = c
        .work
        .relations
        .iter()
        .filter(|r| r.endpoint == name && (!r.broken || c.work.lists_broken_relations))
        .map(SimRelation::juju_id)
        .collect();
    ids.sort();
    Ok(Out::Value(json!(ids)))
}

fn relation_list(c: &mut Call<'_>) -> R {
    let rid = c.relation_id()?;
    c.no_more_args(0)?;
    let rel = c.relation(rid)?;
    if c.flags.bool("app") {
        return Ok(Out::Value(Value::String(rel.remote_app.clone())));
    }
    let units: Vec<&String> = if rel.broken {
        Vec::new()
    } else {
        rel.remote_units.keys().collect()
    };
    Ok(Out::Value(json!(units)))
}

fn relation_get(c: &mut Call<'_>) -> R {
    let rid = c.relation_id()?;
    let mut args = c.args.clone();
    let key = if args.is_empty() {
        String::new()
    } else {
        args.remove(0)
    };
    let key = if key == "-" { String::new() } else { key };
    let target = relation_get_target(c, args)?;
    let rel = c.relation(rid)?;
    let data = relation_bag(c, rel, &target)?;
    if key.is_empty() {
        Ok(Out::Value(json!(data)))
    } else {
        Ok(Out::Value(
            data.get(&key)
                .cloned()
                .map(Value::String)
                .unwrap_or(Value::Null),
        ))
    }
}

fn relation_get_target(c: &mut Call<'_>, mut args: Vec<String>) -> Result<String, ToolError> {
    let app_flag = c.flags.bool("app");
    if !args.is_empty() {
        let name = args.remove(0);
        if !args.is_empty() {
            let shown: Vec<String> = args
                .iter()
                .map(|a| Value::String(a.clone()).to_string())
                .collect();
            return Err(usage(format!("unrecognized args: [{}]", shown.join(" "))));
        }
        if app_flag {
            return Ok(app_of(&name).to_string());
        }
        if !is_valid_unit_name(&name) {
            if is_valid_app_name(&name) {
                return Err(usage(format!(
                    "expected unit name, got application name \"{name}\""
                )));
            }
            return Err(usage(format!("invalid unit name \"{name}\"")));
        }
        return Ok(name);
    }
    if app_flag || c.ctx.remote_unit.is_empty() {
        if c.ctx.remote_app.is_empty() {
            return Err(usage("no unit or application specified"));
        }
        c.flags.set_bool("app", true);
        return Ok(c.ctx.remote_app.clone());
    }
    Ok(c.ctx.remote_unit.clone())
}

fn relation_bag(c: &Call<'_>, rel: &SimRelation, target: &str) -> Result<Databag, ToolError> {
    if !c.flags.bool("app") {
        if target == c.work.unit {
            return Ok(rel.local_unit_data.clone());
        }
        if let Some(d) = rel
            .remote_units
            .get(target)
            .or_else(|| rel.departed_units.get(target))
        {
            return Ok(d.clone());
        }
        return Err(fail(format!(
            "cannot read settings for unit \"{target}\" in relation \"{}\": unit \"{target}\": settings not found",
            rel.juju_id()
        )));
    }
    if target == c.work.app() {
        if c.work.leader {
            return Ok(rel.local_app_data.clone());
        }
        if rel.role == RelationRole::Peer {
            return Ok(c
                .committed
                .relation(rel.id)
                .map(|r| r.local_app_data.clone())
                .unwrap_or_default());
        }
        return Err(fail("permission denied"));
    }
    if target == rel.remote_app {
        return Ok(rel.remote_app_data.clone());
    }
    Err(fail("permission denied"))
}

fn relation_set(c: &mut Call<'_>) -> R {
    let rid = c.relation_id()?;
    let file = c.flags.str("file").to_string();
    let mut settings: BTreeMap<String, String> = if file.is_empty() {
        BTreeMap::new()
    } else {
        c.yaml_file(&file)?
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect()
    };
    settings.extend(key_values(&c.args)?);
    let is_app = c.flags.bool("app");
    if is_app && !c.work.leader {
        return Err(fail("cannot write relation settings"));
    }
    c.pending(|s| {
        if let Some(rel) = s.relation_mut(rid) {
            let bag = if is_app {
                &mut rel.local_app_data
            } else {
                &mut rel.local_unit_data
            };
            for (k, v) in &settings {
                if v.is_empty() {
                    bag.remove(k);
                } else {
                    bag.insert(k.clone(), v.clone());
                }
            }
        }
    });
    Ok(Out::Nothing)
}

// -- actions -----------------------------------------------------------------------------------

const RESERVED_ACTION_KEYS: [&str; 4] = ["stdout", "stdout-encoding", "stderr", "stderr-encoding"];

/// Juju's action result key rule: `^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$`.
fn is_valid_action_key(key: &str) -> bool {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    !key.is_empty()
        && key.starts_with(ok)
        && key.ends_with(ok)
        && key.chars().all(|c| ok(c) || c == '-')
}

fn action_get(c: &mut Call<'_>) -> R {
    c.no_more_args(1)?;
    let i = c.action_index()?;
    let params = &c.work.actions[i].params;
    let Some(path) = c.args.first() else {
        return Ok(Out::Value(Value::Object(params.clone())));
    };
    let mut value = Value::Object(params.clone());
    for key in path.split('.') {
        match value.get(key) {
            Some(v) if value.is_object() => value = v.clone(),
            _ => return Ok(Out::Value(Value::Null)),
        }
    }
    Ok(Out::Value(value))
}

fn action_set(c: &mut Call<'_>) -> R {
    let mut pairs: Vec<(Vec<String>, String)> = Vec::new();
    for arg in &c.args {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(usage(format!(
                "argument \"{arg}\" must be of the form key...=value"
            )));
        };
        for part in key.split('.') {
            if !is_valid_action_key(part) {
                return Err(usage(format!(
                    "key \"{part}\" must start and end with lowercase alphanumeric, and contain only lowercase alphanumeric, hyphens and periods"
                )));
            }
            if RESERVED_ACTION_KEYS.contains(&part) {
                return Err(usage(format!("cannot set reserved action key \"{part}\"")));
            }
        }
        pairs.push((
            key.split('.').map(str::to_string).collect(),
            value.to_string(),
        ));
    }
    c.action_index()?;
    c.now(|s| {
        if let Some(action) = s.actions.last_mut() {
            for (keys, value) in &pairs {
                let mut node = &mut action.results;
                for key in &keys[..keys.len() - 1] {
                    if !node.get(key).is_some_and(Value::is_object) {
                        node.insert(key.clone(), json!({}));
                    }
                    node = match node.get_mut(key) {
                        Some(Value::Object(m)) => m,
                        _ => return,
                    };
                }
                if let Some(last) = keys.last() {
                    node.insert(last.clone(), Value::String(value.clone()));
                }
            }
        }
    });
    Ok(Out::Nothing)
}

fn action_log(c: &mut Call<'_>) -> R {
    if c.args.is_empty() {
        return Err(usage("no message specified"));
    }
    let message = c.args.join(" ");
    c.action_index()?;
    c.now(|s| {
        if let Some(a) = s.actions.last_mut() {
            a.log.push(message.clone());
        }
    });
    Ok(Out::Nothing)
}

fn action_fail(c: &mut Call<'_>) -> R {
    let message = c.args.first().cloned().unwrap_or_else(|| {
        "action failed without reason given, check action for errors".to_string()
    });
    c.no_more_args(1)?;
    c.action_index()?;
    c.now(|s| {
        if let Some(a) = s.actions.last_mut() {
            a.failed = true;
            a.message = message.clone();
        }
    });
    Ok(Out::Nothing)
}

// -- networking and ports ----------------------------------------------------------------------

/// The network `network-get` reports for a binding without explicit network data.
pub fn default_network(address: &str) -> Value {
    let mut parts: Vec<&str> = address.split('.').collect();
    parts.truncate(3);
    let cidr = format!("{}.0/24", parts.join("."));
    json!({
        "bind-addresses": [{"mac-address": "", "interface-name": "eth0",
                            "addresses": [{"hostname": "", "value": address, "cidr": cidr}]}],
        "egress-subnets": [format!("{address}/32")],
        "ingress-addresses": [address],
    })
}

fn network_field(info: &Value, key: &str) -> Value {
    match key {
        "bind-address" => {
            let first = info
                .get("bind-addresses")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|b| {
                    b.get("addresses")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                })
                .map(|a| {
                    a.get("value")
                        .and_then(Value::as_str)
                        .filter(|v| !v.is_empty())
                        .or_else(|| a.get("address").and_then(Value::as_str))
                        .unwrap_or_default()
                        .to_string()
                })
                .next();
            Value::String(first.unwrap_or_default())
        }
        "ingress-address" => Value::String(
            info.get("ingress-addresses")
                .and_then(Value::as_array)
                .and_then(|a| a.first())
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        ),
        _ => info.get("egress-subnets").cloned().unwrap_or(json!([])),
    }
}

/// The bindings `network-get` knows: relation endpoints and extra bindings of the metadata.
pub fn known_bindings(meta: &CharmMeta) -> Vec<String> {
    meta.relations
        .iter()
        .map(|r| r.name.to_string())
        .chain(meta.extra_bindings.iter().map(|b| b.to_string()))
        .collect()
}

fn network_get(c: &mut Call<'_>) -> R {
    let Some(binding) = c.args.first().cloned() else {
        return Err(usage("no arguments specified"));
    };
    c.no_more_args(1)?;
    let known = c.work.networks.contains_key(&binding) || known_bindings(c.meta).contains(&binding);
    if !known {
        return Err(fail(format!(
            "no network config found for binding \"{binding}\""
        )));
    }
    let info = c
        .work
        .networks
        .get(&binding)
        .cloned()
        .unwrap_or_else(|| default_network(&c.work.address));
    let wanted: Vec<&str> = [
        ("primary-address", "bind-address"),
        ("bind-address", "bind-address"),
        ("ingress-address", "ingress-address"),
        ("egress-subnets", "egress-subnets"),
    ]
    .into_iter()
    .filter(|(flag, _)| c.flags.bool(flag))
    .map(|(_, key)| key)
    .collect();
    if wanted.is_empty() {
        return Ok(Out::Value(info));
    }
    let mut values = Map::new();
    for key in &wanted {
        values.insert((*key).to_string(), network_field(&info, key));
    }
    if values.len() == 1 {
        return Ok(Out::Value(
            values
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .unwrap_or(Value::Null),
        ));
    }
    Ok(Out::Value(Value::Object(values)))
}

const PORT_FORMAT: &str = "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp";

/// Normalise a port argument as Juju does: `80` → `80/tcp`, `8000-8100/UDP` → `8000-8100/udp`,
/// refusing what Juju refuses with its text (worker/uniter/runner/jujuc/ports.go
/// `parseArguments` and the `validate` of `port` and `portRange`).
pub fn parse_port_range(text: &str) -> Result<String, String> {
    let lower = text.to_lowercase();
    if lower == "icmp" {
        return Ok(lower);
    }
    let bad = || format!("expected {PORT_FORMAT}; got \"{text}\"");
    let (range, proto) = match lower.split_once('/') {
        Some((r, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()) => (r, p),
        Some(_) => return Err(bad()),
        None => (lower.as_str(), "tcp"),
    };
    let (low, high) = range.split_once('-').unwrap_or((range, range));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(low) || !digits(high) {
        return Err(bad());
    }
    // strconv.Atoi's range: a longer number is refused with its error.
    let number = |s: &str| {
        s.parse::<i64>().map_err(|_| {
            format!(
                "expected port number; got \"{s}\": strconv.Atoi: parsing \"{s}\": value out of range"
            )
        })
    };
    let (low, high) = (number(low)?, number(high)?);
    let known = matches!(proto, "tcp" | "udp" | "icmp");
    let bad_proto = || format!("protocol must be \"tcp\", \"udp\", or \"icmp\"; got \"{proto}\"");
    if low == high {
        if proto == "icmp" {
            return Err(format!(
                "protocol \"icmp\" doesn't support any ports; got \"{low}\""
            ));
        }
        if !(1..=65535).contains(&low) {
            return Err(format!(
                "port must be in the range [1, 65535]; got \"{low}\""
            ));
        }
        if !known {
            return Err(bad_proto());
        }
        return Ok(format!("{low}/{proto}"));
    }
    if low > high {
        return Err(format!(
            "invalid port range {low}-{high}/{proto}; expected fromPort <= toPort"
        ));
    }
    if proto == "icmp" {
        return Err(format!(
            "protocol \"icmp\" doesn't support any ports; got \"{low}\""
        ));
    }
    if !(1..=65535).contains(&low) {
        return Err(format!(
            "fromPort must be in the range [1, 65535]; got \"{low}\""
        ));
    }
    if !(1..=65535).contains(&high) {
        return Err(format!(
            "toPort must be in the range [1, 65535]; got \"{high}\""
        ));
    }
    if !known {
        return Err(bad_proto());
    }
    Ok(format!("{low}-{high}/{proto}"))
}

/// The order Juju lists ports in: by protocol, then first port.
pub fn port_sort_key(port: &str) -> (String, u64, String) {
    let (number, proto) = port.split_once('/').unwrap_or((port, ""));
    let low = number
        .split('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let group = if proto.is_empty() { port } else { proto };
    (group.to_string(), low, port.to_string())
}

fn port_command(c: &mut Call<'_>, opening: bool) -> R {
    let Some(arg) = c.args.first().cloned() else {
        return Err(usage("no port or range specified"));
    };
    let port = parse_port_range(&arg).map_err(usage)?;
    c.no_more_args(1)?;
    c.pending(|s| {
        let mut ports: Vec<String> = s.opened_ports.clone();
        ports.retain(|p| *p != port);
        if opening {
            ports.push(port.clone());
        }
        ports.sort_by_key(|p| port_sort_key(p));
        s.opened_ports = ports;
    });
    Ok(Out::Nothing)
}

fn open_port(c: &mut Call<'_>) -> R {
    port_command(c, true)
}

fn close_port(c: &mut Call<'_>) -> R {
    port_command(c, false)
}

fn opened_ports(c: &mut Call<'_>) -> R {
    c.no_more_args(0)?;
    let suffix = if c.flags.bool("endpoints") {
        " (*)"
    } else {
        ""
    };
    // Juju >= 2.9 answers from the hook's context, where this hook's pending `open-port` and
    // `close-port` are merged into what the controller holds; earlier versions listed the
    // committed ports only.
    let merged =
        ops_core::version::JujuVersion::parse(&c.work.juju_version).map_or(true, |v| v >= "2.9.0");
    let source = if merged { &*c.work } else { &*c.committed };
    let ports: Vec<String> = source
        .opened_ports
        .iter()
        .map(|p| format!("{p}{suffix}"))
        .collect();
    Ok(Out::Value(json!(ports)))
}

// -- storage, resources, pod spec, metrics -----------------------------------------------------

fn storage_get(c: &mut Call<'_>) -> R {
    let sid = c
        .flags
        .storage("s")
        .map(str::to_string)
        .or_else(|| c.ctx.storage_id.clone())
        .ok_or_else(|| usage("no storage instance specified"))?;
    let key = c.at_most_one_arg()?;
    let storage = c
        .work
        .storage(&sid)
        .ok_or_else(|| fail(format!("storage \"{sid}\" not found")))?;
    let mut values = Map::new();
    values.insert("kind".into(), Value::String(storage.kind.clone()));
    values.insert(
        "location".into(),
        Value::String(storage.location.to_string_lossy().into_owned()),
    );
    if key.is_empty() {
        return Ok(Out::Value(Value::Object(values)));
    }
    match values.remove(&key) {
        Some(v) => Ok(Out::Value(v)),
        None => Err(fail(format!("invalid storage attribute \"{key}\""))),
    }
}

fn storage_list(c: &mut Call<'_>) -> R {
    let name = c.at_most_one_arg()?;
    let ids: Vec<String> = c
        .work
        .storage
        .iter()
        .filter(|s| s.attached && (name.is_empty() || s.name == name))
        .map(SimStorage::id)
        .collect();
    Ok(Out::Value(json!(ids)))
}

fn storage_add(c: &mut Call<'_>) -> R {
    if c.args.is_empty() {
        return Err(usage("storage add requires a storage directive"));
    }
    let mut requests = Vec::new();
    for arg in &c.args {
        let (name, spec) = arg.split_once('=').unwrap_or((arg, ""));
        let count = spec
            .split(',')
            .find(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit()))
            .and_then(|p| p.parse().ok())
            .unwrap_or(1);
        if c.meta.storage(name).is_none() {
            return Err(fail(format!("storage \"{name}\" not found")));
        }
        requests.push((name.to_string(), count));
    }
    // Juju provisions the storage later and then runs `storage-attached`: only the request is kept.
    c.pending(|s| s.requested_storage.extend(requests.iter().cloned()));
    Ok(Out::Nothing)
}

fn resource_get(c: &mut Call<'_>) -> R {
    if c.args.len() != 1 {
        return Err(usage("resource-get expects a single resource name"));
    }
    let name = &c.args[0];
    match c.work.resources.get(name) {
        Some(path) => Ok(Out::Raw(format!("{}\n", path.display()))),
        // As Juju prints it: the unit agent's download request to the controller failed.
        None => Err(fail(format!(
            "could not download resource: HTTP request failed: Get \
             https://{DEFAULT_CONTROLLER_API}/model/{}/units/unit-{}/resources/{name}: \
             resource#{}/{name} not found",
            c.work.model_uuid,
            c.work.unit.replace('/', "-"),
            c.app()
        ))),
    }
}

fn pod_spec_set(c: &mut Call<'_>) -> R {
    let file = c.flags.str("file").to_string();
    let path = if file.is_empty() {
        c.args.first().cloned().unwrap_or_default()
    } else {
        file.clone()
    };
    c.no_more_args(if file.is_empty() { 1 } else { 0 })?;
    if path.is_empty() {
        return Err(usage("no spec file specified"));
    }
    let spec = c.read_input(&path)?;
    let resources_path = c.flags.str("k8s-resources").to_string();
    let k8s_resources = if resources_path.is_empty() {
        None
    } else {
        Some(c.read_input(&resources_path)?)
    };
    c.require_leader()?;
    let pod_spec = PodSpec {
        spec,
        k8s_resources,
    };
    c.pending(|s| s.pod_spec = Some(pod_spec.clone()));
    Ok(Out::Nothing)
}

fn add_metric(c: &mut Call<'_>) -> R {
    if c.args.is_empty() {
        return Err(usage("no metrics specified"));
    }
    let mut labels = BTreeMap::new();
    for item in c.flags.str("labels").split(',').filter(|i| !i.is_empty()) {
        let Some((name, value)) = item.split_once('=') else {
            return Err(usage(format!("invalid label \"{item}\"")));
        };
        labels.insert(name.to_string(), value.to_string());
    }
    let metrics = key_values(&c.args)?;
    if c.ctx.hook.as_deref() != Some("collect-metrics") {
        return Err(fail("metrics not allowed in this context"));
    }
    let batch = MetricBatch { metrics, labels };
    c.pending(|s| s.metrics.push(batch.clone()));
    Ok(Out::Nothing)
}

// -- controller-side charm state ---------------------------------------------------------------

fn state_get(c: &mut Call<'_>) -> R {
    let key = c.at_most_one_arg()?;
    let key = if key == "-" { String::new() } else { key };
    let state = &c.work.controller_state;
    if key.is_empty() {
        return Ok(Out::Value(if state.is_empty() {
            Value::Null
        } else {
            json!(state)
        }));
    }
    if !state.contains_key(&key) && c.flags.bool("strict") {
        return Err(fail(format!("\"{key}\" not found")));
    }
    Ok(Out::Value(Value::String(
        state.get(&key).cloned().unwrap_or_default(),
    )))
}

fn state_set(c: &mut Call<'_>) -> R {
    let file = c.flags.str("file").to_string();
    let mut values: BTreeMap<String, String> = if file.is_empty() {
        BTreeMap::new()
    } else {
        c.yaml_file(&file)?
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect()
    };
    values.extend(key_values(&c.args)?);
    c.pending(|s| s.controller_state.extend(values.clone()));
    Ok(Out::Nothing)
}

fn state_delete(c: &mut Call<'_>) -> R {
    if c.args.len() != 1 {
        return Err(usage("state-delete requires a single key"));
    }
    let key = c.args[0].clone();
    c.pending(|s| {
        s.controller_state.remove(&key);
    });
    Ok(Out::Nothing)
}

// -- secrets -----------------------------------------------------------------------------------

const XID_ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
const ROTATE_POLICIES: [&str; 7] = [
    "never",
    "hourly",
    "daily",
    "weekly",
    "monthly",
    "quarterly",
    "yearly",
];

/// Whether `bare` is shaped like a Juju secret id (20 characters of `[0-9a-v]`).
pub fn is_valid_secret_id(bare: &str) -> bool {
    bare.len() == 20 && bare.bytes().all(|b| XID_ALPHABET.contains(&b))
}

/// A deterministic, xid-shaped secret id from `seed` (`secret:` + 20 characters of `[0-9a-v]`).
pub fn make_secret_id(seed: &str) -> String {
    // FNV-1a, then splitmix64 as a stream of characters.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::from("secret:");
    for _ in 0..20 {
        h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.push(char::from(XID_ALPHABET[(z % 32) as usize]));
    }
    out
}

fn parse_secret_uri(text: &str) -> Result<String, ToolError> {
    let bare = bare_secret_id(text);
    if !is_valid_secret_id(bare) {
        return Err(usage(format!("secret URI \"{text}\" not valid")));
    }
    Ok(format!("secret:{bare}"))
}

fn secret_arg(c: &Call<'_>) -> Result<String, ToolError> {
    match c.args.first() {
        Some(a) => parse_secret_uri(a),
        None => Err(usage("missing secret URI")),
    }
}

fn owned_secret(c: &Call<'_>, sid: &str) -> Result<SimSecret, ToolError> {
    match c.work.secret(sid) {
        Some(s) if c.work.owns(s) => Ok(s.clone()),
        _ => Err(fail(format!(
            "secret \"{}\" not found",
            bare_secret_id(sid)
        ))),
    }
}

fn require_manage(c: &Call<'_>, sec: &SimSecret) -> Result<(), ToolError> {
    if sec.owner == c.work.app() {
        c.require_leader()?;
    }
    Ok(())
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = text.as_bytes();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (i, chunk) in bytes.chunks(4).enumerate() {
        let last = i == bytes.len() / 4 - 1;
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &b in &chunk[..4 - pad] {
            n = (n << 6) | value(b)?;
        }
        n <<= 6 * pad as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Some(out)
}

fn secret_content(c: &Call<'_>, args: &[String]) -> Result<BTreeMap<String, String>, ToolError> {
    let file = c.flags.str("file");
    let mut items: BTreeMap<String, String> = if file.is_empty() {
        BTreeMap::new()
    } else {
        c.yaml_file(file)?
            .into_iter()
            .map(|(k, v)| (k, v.unwrap_or_default()))
            .collect()
    };
    items.extend(key_values(args)?);
    let mut content = BTreeMap::new();
    for (key, value) in items {
        let (name, encoding) = key.split_once('#').unwrap_or((&key, ""));
        let value = match encoding {
            "" => value,
            "base64" => base64_decode(&value)
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| usage(format!("value for key \"{name}\" is not valid base64")))?,
            "file" => c.read_input(&value)?,
            _ => return Err(usage(format!("key \"{key}\" not valid"))),
        };
        if !ops_core::hooktools::is_valid_secret_key(name) {
            return Err(usage(format!("key \"{name}\" not valid")));
        }
        content.insert(name.to_string(), value);
    }
    Ok(content)
}

struct SecretOpts {
    label: Option<String>,
    description: Option<String>,
    expire: Option<String>,
    rotate: Option<String>,
}

fn secret_options(c: &Call<'_>) -> Result<SecretOpts, ToolError> {
    let owner = c.flags.str("owner");
    if owner != "application" && owner != "unit" {
        return Err(usage(format!("secret owner \"{owner}\" not valid")));
    }
    let opt = |k: &str| Some(c.flags.str(k).to_string()).filter(|s| !s.is_empty());
    let rotate = opt("rotate");
    if let Some(r) = &rotate {
        if !ROTATE_POLICIES.contains(&r.as_str()) {
            return Err(usage(format!("rotate policy \"{r}\" not valid")));
        }
    }
    Ok(SecretOpts {
        label: opt("label"),
        description: opt("description"),
        expire: opt("expire"),
        rotate,
    })
}

fn new_secret_id(c: &mut Call<'_>) -> String {
    let seq = c.work.secret_seq + 1;
    let id = make_secret_id(&format!("{}/{}/{seq}", c.work.model_uuid, c.work.unit));
    // The counter survives failed hooks, as Juju's URIs do.
    c.now(|s| s.secret_seq = seq);
    id
}

fn secret_add(c: &mut Call<'_>) -> R {
    if c.args.is_empty() && c.flags.str("file").is_empty() {
        return Err(usage("missing secret value or filename"));
    }
    let owner = c.flags.str("owner").to_string();
    let options = secret_options(c)?;
    let args = c.args.clone();
    let content = secret_content(c, &args)?;
    if content.is_empty() {
        return Err(fail("empty secret value not valid"));
    }
    if owner == "application" {
        c.require_leader()?;
    }
    let owner_name = if owner == "application" {
        c.app()
    } else {
        c.unit()
    };
    if let Some(label) = &options.label {
        let taken = c
            .work
            .secrets
            .iter()
            .any(|s| s.label.as_ref() == Some(label) && s.owner == owner_name);
        if taken {
            return Err(fail(format!(
                "secret with label \"{label}\" already exists"
            )));
        }
    }
    let sid = new_secret_id(c);
    let record = SimSecret {
        id: sid.clone(),
        owner: owner_name,
        label: options.label,
        description: options.description,
        expire: options.expire,
        rotate: options.rotate,
        revisions: vec![SecretRevision {
            revision: 1,
            content,
        }],
        grants: BTreeMap::new(),
        consumer_label: None,
        consumer_revision: None,
    };
    c.pending(|s| s.secrets.push(record.clone()));
    Ok(Out::Raw(format!("{sid}\n")))
}

fn secret_get(c: &mut Call<'_>) -> R {
    let sid = match c.args.first() {
        Some(a) => Some(parse_secret_uri(a)?),
        None => None,
    };
    let label = Some(c.flags.str("label").to_string()).filter(|l| !l.is_empty());
    if sid.is_none() && label.is_none() {
        return Err(usage("require either a secret URI or label"));
    }
    if c.flags.bool("peek") && c.flags.bool("refresh") {
        return Err(usage("specify one of --peek or --refresh but not both"));
    }
    let key = c.args.get(1).cloned().unwrap_or_default();
    c.no_more_args(2)?;
    let content = get_secret_content(c, sid.as_deref(), label.as_deref())?;
    if key.is_empty() {
        return Ok(Out::Value(json!(content)));
    }
    match content.get(&key) {
        Some(v) => Ok(Out::Value(Value::String(v.clone()))),
        None => Err(fail(format!("secret key \"{key}\" not found"))),
    }
}

fn get_secret_content(
    c: &mut Call<'_>,
    sid: Option<&str>,
    label: Option<&str>,
) -> Result<BTreeMap<String, String>, ToolError> {
    let mut sec = match sid {
        Some(sid) => match c.work.secret(sid) {
            Some(s) => Some(s.clone()),
            None => {
                return Err(fail(format!(
                    "secret \"{}\" not found",
                    bare_secret_id(sid)
                )))
            }
        },
        None => None,
    };
    if sec.is_none() {
        sec = c
            .work
            .secrets
            .iter()
            .find(|s| c.work.owns(s) && s.label.as_deref() == label)
            .cloned();
    }
    let sec = match sec {
        Some(s) => s,
        None => c
            .work
            .secrets
            .iter()
            .find(|s| s.consumer_label.as_deref() == label)
            .cloned()
            .ok_or_else(|| {
                fail(format!(
                    "consumer label \"{}\" not found",
                    label.unwrap_or_default()
                ))
            })?,
    };
    if c.work.owns(&sec) {
        if let (Some(_), Some(label)) = (sid, label) {
            if sec.label.as_deref() != Some(label) {
                let (id, label) = (sec.id.clone(), label.to_string());
                c.now(|s| {
                    if let Some(t) = s.secret_mut(&id) {
                        t.label = Some(label.clone());
                    }
                });
            }
        }
        // As Juju's hook context (`getPendingSecretValue`): content set in this hook is seen
        // only by `--peek` and `--refresh`; a plain read sees the committed latest revision
        // (content of a secret created in this hook is seen by every read).
        let seen = if c.flags.bool("peek") || c.flags.bool("refresh") {
            &sec
        } else {
            c.committed.secret(&sec.id).unwrap_or(&sec)
        };
        let latest = seen.latest_revision();
        return seen
            .content(latest)
            .cloned()
            .ok_or_else(|| fail(format!("secret revision {latest} not found")));
    }
    let (app, unit) = (c.app(), c.unit());
    let granted = sec
        .grants
        .values()
        .any(|t| t.contains(&app) || t.contains(&unit));
    if !granted {
        return Err(fail("permission denied"));
    }
    consume_secret(c, &sec, sid, label)
}

fn consume_secret(
    c: &mut Call<'_>,
    sec: &SimSecret,
    sid: Option<&str>,
    label: Option<&str>,
) -> Result<BTreeMap<String, String>, ToolError> {
    let tracked = sec.consumer_revision;
    let refresh = c.flags.bool("refresh") || tracked.is_none();
    let latest = sec.latest_revision();
    let revision = if refresh || c.flags.bool("peek") {
        latest
    } else {
        tracked.unwrap_or(latest)
    };
    if refresh || (sid.is_some() && label.is_some()) {
        let saved_revision = if refresh { Some(revision) } else { tracked };
        let saved_label = label
            .map(str::to_string)
            .or_else(|| sec.consumer_label.clone());
        let id = sec.id.clone();
        c.now(|s| {
            if let Some(t) = s.secret_mut(&id) {
                t.consumer_revision = saved_revision;
                t.consumer_label = saved_label.clone();
            }
        });
    }
    sec.content(revision)
        .cloned()
        .ok_or_else(|| fail(format!("secret revision {revision} not found")))
}

fn secret_info_get(c: &mut Call<'_>) -> R {
    let sid = match c.args.first() {
        Some(a) => Some(parse_secret_uri(a)?),
        None => None,
    };
    let label = Some(c.flags.str("label").to_string()).filter(|l| !l.is_empty());
    if sid.is_none() && label.is_none() {
        return Err(usage("require either a secret URI or label"));
    }
    if sid.is_some() && label.is_some() {
        return Err(usage("specify either a secret URI or label but not both"));
    }
    c.no_more_args(1)?;
    let found = c.work.secrets.iter().find(|s| {
        c.work.owns(s)
            && match &sid {
                Some(sid) => bare_secret_id(&s.id) == bare_secret_id(sid),
                None => s.label == label,
            }
    });
    let Some(sec) = found else {
        let shown = match &sid {
            Some(sid) => bare_secret_id(sid).to_string(),
            None => label.unwrap_or_default(),
        };
        return Err(fail(format!("secret \"{shown}\" not found")));
    };
    let mut info = Map::new();
    info.insert("revision".into(), json!(sec.latest_revision()));
    info.insert("label".into(), json!(sec.label.clone().unwrap_or_default()));
    let owner = if sec.owner.contains('/') {
        "unit"
    } else {
        "application"
    };
    info.insert("owner".into(), json!(owner));
    for (key, field) in [
        ("description", &sec.description),
        ("rotation", &sec.rotate),
        ("expiry", &sec.expire),
    ] {
        if let Some(v) = field.as_ref().filter(|v| !v.is_empty()) {
            info.insert(key.into(), json!(v));
        }
    }
    let mut out = Map::new();
    out.insert(bare_secret_id(&sec.id).to_string(), Value::Object(info));
    Ok(Out::Value(Value::Object(out)))
}

fn secret_set(c: &mut Call<'_>) -> R {
    let sid = secret_arg(c)?;
    let options = secret_options(c)?;
    let args: Vec<String> = c.args[1..].to_vec();
    let content = secret_content(c, &args)?;
    let sec = owned_secret(c, &sid)?;
    require_manage(c, &sec)?;
    c.pending(|s| {
        if let Some(t) = s.secret_mut(&sid) {
            if options.label.is_some() {
                t.label = options.label.clone();
            }
            if options.description.is_some() {
                t.description = options.description.clone();
            }
            if options.expire.is_some() {
                t.expire = options.expire.clone();
            }
            if options.rotate.is_some() {
                t.rotate = options.rotate.clone();
            }
            let latest = t.latest_revision();
            if !content.is_empty() && t.content(latest) != Some(&content) {
                t.revisions.push(SecretRevision {
                    revision: latest + 1,
                    content: content.clone(),
                });
            }
        }
    });
    Ok(Out::Nothing)
}

fn secret_remove(c: &mut Call<'_>) -> R {
    let sid = secret_arg(c)?;
    c.no_more_args(1)?;
    let revision = c.flags.int("revision");
    let sec = owned_secret(c, &sid)?;
    require_manage(c, &sec)?;
    c.pending(|s| {
        let Some(t) = s.secret_mut(&sid) else {
            return;
        };
        if let Some(r) = revision {
            t.revisions
                .retain(|x| i64::try_from(x.revision).ok() != Some(r));
        }
        if revision.is_none() || t.revisions.is_empty() {
            let bare = bare_secret_id(&sid).to_string();
            s.secrets.retain(|x| bare_secret_id(&x.id) != bare);
        }
    });
    Ok(Out::Nothing)
}

fn secret_grant(c: &mut Call<'_>) -> R {
    let sid = secret_arg(c)?;
    let rid = c.relation_id()?;
    c.no_more_args(1)?;
    let remote_app = c.relation(rid)?.remote_app.clone();
    let unit = c.flags.str("unit").to_string();
    if !unit.is_empty() && (!is_valid_unit_name(&unit) || app_of(&unit) != remote_app) {
        return Err(usage(format!(
            "cannot specify unit \"{unit}\" in relation to application \"{remote_app}\""
        )));
    }
    let target = if unit.is_empty() {
        remote_app.clone()
    } else {
        unit
    };
    let sec = owned_secret(c, &sid)?;
    require_manage(c, &sec)?;
    c.pending(|s| {
        if let Some(t) = s.secret_mut(&sid) {
            let grants = t.grants.entry(rid).or_default();
            if !grants.contains(&target) && !grants.contains(&remote_app) {
                grants.push(target.clone());
            }
        }
    });
    Ok(Out::Nothing)
}

fn secret_revoke(c: &mut Call<'_>) -> R {
    let sid = secret_arg(c)?;
    c.no_more_args(1)?;
    let mut app = c.flags.str("app").to_string();
    let unit = c.flags.str("unit").to_string();
    let rid = c.flags.rel().or(c.ctx.relation_id);
    if !app.is_empty() && !unit.is_empty() {
        return Err(usage("specify only one of application or unit"));
    }
    if let Some(rid) = rid {
        if !app.is_empty() {
            return Err(usage("do not specify both relation and app"));
        }
        app = c.relation(rid)?.remote_app.clone();
    }
    if app.is_empty() && unit.is_empty() {
        return Err(usage("missing relation or application or unit"));
    }
    let target = if unit.is_empty() { app } else { unit };
    let sec = owned_secret(c, &sid)?;
    require_manage(c, &sec)?;
    c.pending(|s| {
        if let Some(t) = s.secret_mut(&sid) {
            for grants in t.grants.values_mut() {
                grants.retain(|x| *x != target);
            }
            t.grants.retain(|_, g| !g.is_empty());
        }
    });
    Ok(Out::Nothing)
}

fn secret_ids(c: &mut Call<'_>) -> R {
    c.no_more_args(0)?;
    let mut ids: Vec<String> = c
        .work
        .secrets
        .iter()
        .filter(|s| c.work.owns(s))
        .map(|s| s.id.clone())
        .collect();
    ids.sort();
    Ok(Out::Value(json!(ids)))
}

// -- the tool table ----------------------------------------------------------------------------

const REL: &str = "r|relation:rel";

macro_rules! tool {
    ($name:literal, $handler:expr, [$($flag:expr),* $(,)?], $fmt:expr, $args:literal, $summary:literal) => {
        Tool {
            name: $name,
            handler: $handler,
            flags: &[$($flag),*],
            fmt: $fmt,
            args: $args,
            summary: $summary,
        }
    };
}

pub(crate) static TOOLS: &[Tool] = &[
    tool!(
        "config-get",
        config_get,
        ["a|all"],
        Some("smart"),
        "[<key>]",
        "Print application configuration."
    ),
    tool!(
        "is-leader",
        is_leader,
        [],
        Some("smart"),
        "",
        "Print application leadership status."
    ),
    tool!(
        "status-get",
        status_get,
        ["include-data", "application"],
        Some("smart"),
        "[--include-data] [--application]",
        "Print status information."
    ),
    tool!(
        "status-set",
        status_set,
        ["application"],
        None,
        "<maintenance | blocked | waiting | active> [message]",
        "Set status information."
    ),
    tool!(
        "juju-log",
        juju_log,
        ["debug", "l|log-level:str=INFO", "format:str"],
        None,
        "<message>",
        "Write a message to the juju log."
    ),
    tool!(
        "application-version-set",
        application_version_set,
        [],
        None,
        "<new-version>",
        "Specify which version of the application is deployed."
    ),
    tool!(
        "goal-state",
        goal_state,
        [],
        Some("yaml"),
        "",
        "Print the status of the charm's peers and related units."
    ),
    tool!(
        "leader-get",
        leader_get,
        [],
        Some("smart"),
        "[<key>]",
        "Print application leadership settings."
    ),
    tool!(
        "leader-set",
        leader_set,
        [],
        None,
        "<key>=<value> [...]",
        "Write application leadership settings."
    ),
    tool!(
        "credential-get",
        credential_get,
        [],
        Some("yaml"),
        "",
        "Access cloud credentials."
    ),
    tool!(
        "relation-model-get",
        relation_model_get,
        [REL],
        Some("smart"),
        "",
        "Get details about the model hosting a related application."
    ),
    tool!(
        "juju-reboot",
        juju_reboot,
        ["now"],
        None,
        "",
        "Reboot the host machine."
    ),
    tool!(
        "unit-get",
        unit_get,
        [],
        Some("smart"),
        "<setting>",
        "Print public-address or private-address."
    ),
    tool!(
        "relation-ids",
        relation_ids,
        [],
        Some("smart"),
        "<name>",
        "List all relation IDs for the given endpoint."
    ),
    tool!(
        "relation-list",
        relation_list,
        [REL, "app"],
        Some("smart"),
        "",
        "List relation units."
    ),
    tool!(
        "relation-get",
        relation_get,
        [REL, "app"],
        Some("smart"),
        "<key> <unit id>",
        "Get relation settings."
    ),
    tool!(
        "relation-set",
        relation_set,
        [REL, "app", "file:str", "format:str"],
        None,
        "key=value [key=value ...]",
        "Set relation settings."
    ),
    tool!(
        "action-get",
        action_get,
        [],
        Some("smart"),
        "[<key>[.<key>.<key>...]]",
        "Get action parameters."
    ),
    tool!(
        "action-set",
        action_set,
        [],
        None,
        "<key>=<value> [<key>=<value> ...]",
        "Set action results."
    ),
    tool!(
        "action-log",
        action_log,
        [],
        None,
        "<message>",
        "Record a progress message for the current action."
    ),
    tool!(
        "action-fail",
        action_fail,
        [],
        None,
        "[\"<failure message>\"]",
        "Set action fail status with message."
    ),
    tool!(
        "network-get",
        network_get,
        [
            REL,
            "primary-address",
            "bind-address",
            "ingress-address",
            "egress-subnets"
        ],
        Some("smart"),
        "<binding-name>",
        "Get network config."
    ),
    tool!(
        "open-port",
        open_port,
        ["endpoints:str", "format:str"],
        None,
        "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp",
        "Register a request to open a port or port range."
    ),
    tool!(
        "close-port",
        close_port,
        ["endpoints:str", "format:str"],
        None,
        "<port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp",
        "Register a request to close a port or port range."
    ),
    tool!(
        "opened-ports",
        opened_ports,
        ["endpoints"],
        Some("smart"),
        "",
        "List all ports or port ranges opened by the unit."
    ),
    tool!(
        "storage-get",
        storage_get,
        ["s:storage"],
        Some("smart"),
        "[<key>]",
        "Print information for the storage instance with the specified ID."
    ),
    tool!(
        "storage-list",
        storage_list,
        [],
        Some("smart"),
        "[<storage-name>]",
        "List storage attached to the unit."
    ),
    tool!(
        "storage-add",
        storage_add,
        [],
        None,
        "<charm storage name>[=count] ...",
        "Add storage instances."
    ),
    tool!(
        "resource-get",
        resource_get,
        [],
        None,
        "<resource name>",
        "Get the path to the locally cached resource file."
    ),
    tool!(
        "pod-spec-set",
        pod_spec_set,
        ["file:str", "k8s-resources:str"],
        None,
        "--file <core spec file> [--k8s-resources <k8s spec file>]",
        "Set k8s spec information."
    ),
    tool!(
        "add-metric",
        add_metric,
        ["l|labels:str"],
        None,
        "key1=value1 [key2=value2 ...]",
        "Add metrics."
    ),
    tool!(
        "state-get",
        state_get,
        ["strict"],
        Some("smart"),
        "[<key>]",
        "Print server-side-state value."
    ),
    tool!(
        "state-set",
        state_set,
        ["file:str"],
        None,
        "key=value [key=value ...]",
        "Set server-side-state values."
    ),
    tool!(
        "state-delete",
        state_delete,
        [],
        None,
        "<key>",
        "Delete server-side-state key value pairs."
    ),
    tool!(
        "secret-add",
        secret_add,
        [
            "expire:str",
            "rotate:str",
            "description:str",
            "label:str",
            "file:str",
            "owner:str=application"
        ],
        None,
        "[key[#base64|#file]=value...]",
        "Add a new secret."
    ),
    tool!(
        "secret-get",
        secret_get,
        ["label:str", "peek", "refresh"],
        Some("yaml"),
        "<ID> [key[#base64]]",
        "Get the content of a secret."
    ),
    tool!(
        "secret-set",
        secret_set,
        [
            "expire:str",
            "rotate:str",
            "description:str",
            "label:str",
            "file:str",
            "owner:str=application"
        ],
        None,
        "<ID> [key[#base64]=value...]",
        "Update an existing secret."
    ),
    tool!(
        "secret-remove",
        secret_remove,
        ["revision:int"],
        None,
        "<ID>",
        "Remove an existing secret."
    ),
    tool!(
        "secret-grant",
        secret_grant,
        ["unit:str", REL],
        None,
        "<ID>",
        "Grant access to a secret."
    ),
    tool!(
        "secret-revoke",
        secret_revoke,
        ["application|app:str", "unit:str", REL],
        None,
        "<ID>",
        "Revoke access to a secret."
    ),
    tool!(
        "secret-info-get",
        secret_info_get,
        ["label:str"],
        Some("yaml"),
        "<ID>",
        "Get a secret's metadata info."
    ),
    tool!(
        "secret-ids",
        secret_ids,
        [],
        Some("yaml"),
        "",
        "Print secret IDs."
    ),
];

/// When a tool's writes reach the controller: `immediate` (even if the hook fails),
/// `on-commit` (only if it succeeds), or `None` for tools that write nothing (as juju-sim's
/// tool table says).
pub fn writes(tool: &str) -> Option<&'static str> {
    match tool {
        "status-set"
        | "application-version-set"
        | "leader-set"
        | "action-set"
        | "action-log"
        | "action-fail" => Some("immediate"),
        "juju-reboot" | "relation-set" | "open-port" | "close-port" | "storage-add"
        | "pod-spec-set" | "add-metric" | "state-set" | "state-delete" | "secret-add"
        | "secret-set" | "secret-remove" | "secret-grant" | "secret-revoke" => Some("on-commit"),
        _ => None,
    }
}

/// The name of every hook tool the simulator implements (`action-fail` ... `storage-list`), in
/// the order of its tool table.
pub fn tool_names() -> impl Iterator<Item = &'static str> {
    TOOLS.iter().map(|t| t.name)
}

/// The tool called `name`, if simulated.
pub(crate) fn find(name: &str) -> Option<&'static Tool> {
    TOOLS.iter().find(|t| t.name == name)
}

/// What a call works on: the metadata, the hook's view of the model, the controller's view,
/// what Juju told the hook, and the simulator's records.
pub(crate) struct CallEnv<'a> {
    pub meta: &'static CharmMeta,
    pub work: &'a mut JujuState,
    pub committed: &'a mut JujuState,
    pub ctx: &'a HookContext,
    pub records: &'a Records,
}

/// `tool --help`, as juju-sim prints it (the `-s` line is what ops reads the storage key from).
fn help_text(tool: &Tool, specs: &[FlagSpec], state: &JujuState, ctx: &HookContext) -> String {
    let mut lines = vec![
        format!("Usage: {} [options] {}", tool.name, tool.args)
            .trim_end()
            .to_string(),
        String::new(),
        "Summary:".to_string(),
        tool.summary.to_string(),
        String::new(),
        "Options:".to_string(),
    ];
    for spec in specs {
        let names = spec.shown();
        let default = match spec.kind {
            Kind::Bool => "false".to_string(),
            Kind::Storage => ctx.storage_id.clone().unwrap_or_default(),
            Kind::Rel => ctx
                .relation_id
                .and_then(|id| state.relation(id))
                .map(SimRelation::juju_id)
                .unwrap_or_default(),
            Kind::Format => tool.fmt.unwrap_or_default().to_string(),
            Kind::Str | Kind::Int => Value::String(spec.default.to_string()).to_string(),
        };
        lines.push(format!("{names}  (= {default})"));
    }
    lines.join("\n") + "\n"
}

/// Run one call: (exit code, stdout, stderr).
pub(crate) fn run(
    tool: &'static Tool,
    env: CallEnv<'_>,
    argv: &[String],
    stdin: Option<&[u8]>,
) -> (i32, String, String) {
    let specs = tool.specs();
    let (flags, args) = match parse_argv(specs, argv, env.work) {
        Ok(Parsed::Args(f, a)) => (f, a),
        Ok(Parsed::Help) => return (0, help_text(tool, specs, env.work, env.ctx), String::new()),
        Err(e) => return (e.code, String::new(), format!("ERROR {}\n", e.message)),
    };
    let mut call = Call {
        tool,
        meta: env.meta,
        work: env.work,
        committed: env.committed,
        ctx: env.ctx,
        records: env.records,
        flags,
        args,
        stdin,
    };
    match (tool.handler)(&mut call) {
        Ok(out) => {
            let text = match out {
                Out::Raw(s) => s,
                Out::Nothing => String::new(),
                Out::Value(v) if tool.fmt.is_some() => render(call.format(), &v),
                Out::Value(_) => String::new(),
            };
            let output = call.flags.str("output").to_string();
            if !output.is_empty() {
                if let Err(e) = std::fs::write(&output, &text) {
                    return (1, String::new(), format!("ERROR open {output}: {e}\n"));
                }
                return (0, String::new(), String::new());
            }
            (0, text, String::new())
        }
        Err(e) => (e.code, String::new(), format!("ERROR {}\n", e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_juju() {
        assert!(is_valid_app_name("db-provider"));
        assert!(is_valid_app_name("a1-b2"));
        assert!(!is_valid_app_name("1a"));
        assert!(!is_valid_app_name("a-1"));
        assert!(!is_valid_app_name("A"));
        assert!(is_valid_unit_name("db-provider/12"));
        assert!(!is_valid_unit_name("db-provider"));
        assert!(!is_valid_unit_name("db/x"));
    }

    #[test]
    fn ports_normalise() {
        assert_eq!(parse_port_range("80").as_deref(), Ok("80/tcp"));
        assert_eq!(
            parse_port_range("8000-8100/UDP").as_deref(),
            Ok("8000-8100/udp")
        );
        assert_eq!(parse_port_range("ICMP").as_deref(), Ok("icmp"));
        assert!(parse_port_range("0/tcp").is_err());
        assert!(parse_port_range("90-80").is_err());
        assert!(parse_port_range("80/sctp").is_err());
    }

    #[test]
    fn secret_ids_are_xids() {
        let id = make_secret_id("seed");
        assert!(is_valid_secret_id(bare_secret_id(&id)), "{id}");
        assert_ne!(make_secret_id("a"), make_secret_id("b"));
        assert_eq!(make_secret_id("a"), make_secret_id("a"));
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_decode("aGk="), Some(b"hi".to_vec()));
        assert_eq!(base64_decode("aGk"), None);
        assert_eq!(base64_decode("a*k="), None);
    }

    #[test]
    fn flat_yaml_fast_path_reads_as_the_yaml_parser() {
        let texts = [
            "a: x\nb: y/z\n",
            "\"a\": \"x\"\n\"b c\": \" q \\\" \\\\ \\n \\t \\r\"\n",
            "\"k\": \"\"\n",
            "\"k\": \"true\"\n\"n\": \"1\"\n\"z\": \"null\"\n",
            "\"k\": \"caf\\xE9 \\u2603\"\n",
            "\"k\": \"a\" # note\n",
            "\"k\": \"a\"\n\"k\": \"b\"\n",
        ];
        for text in texts {
            let full = full_flat_yaml(text).ok();
            if let Some(fast) = simple_flat_yaml(text) {
                assert_eq!(Some(fast), full, "{text:?}");
            }
            assert_eq!(parse_flat_yaml(text).ok(), full, "{text:?}");
        }
        assert!(full_flat_yaml("\"k\": \"a\"\n\"k\": \"b\"\n").is_err());
        assert!(simple_flat_yaml("\"a\": \"x\"\n").is_some());
        assert!(simple_flat_yaml("\"k\": \"caf\\xE9\"\n").is_none());
    }

    #[test]
    fn flat_yaml_reads_scalars() {
        let m = parse_flat_yaml("a: x\nb: 1\nc: null\n'd e': \"q\"\n").unwrap_or_default();
        assert_eq!(m.get("a"), Some(&Some("x".to_string())));
        assert_eq!(m.get("b"), Some(&Some("1".to_string())));
        assert_eq!(m.get("c"), Some(&None));
        assert_eq!(m.get("d e"), Some(&Some("q".to_string())));
        assert!(parse_flat_yaml("a: [1]").is_err());
        assert!(parse_flat_yaml("- a").is_err());
    }

    #[test]
    fn tool_names_lists_every_simulated_tool_once() {
        let names: Vec<&str> = tool_names().collect();
        let unique: std::collections::BTreeSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for name in &names {
            assert!(find(name).is_some(), "{name}");
        }
        // Every tool that writes is listed (a charm's PATH gets one entry per name).
        for tool in [
            "status-set",
            "relation-set",
            "open-port",
            "secret-add",
            "state-set",
        ] {
            assert!(writes(tool).is_some() && names.contains(&tool), "{tool}");
        }
        assert!(names.contains(&"juju-log") && names.contains(&"relation-get"));
    }
}
