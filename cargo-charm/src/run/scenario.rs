//! Scenario files and command-line events: what `cargo charm run` asks the simulated Juju to do,
//! checked against the charm's metadata before anything runs.
//!
//! A scenario is a YAML list; each item is one step: a bare event name (`- install`), or a map
//! whose one key names the step and whose value gives its arguments (`- config-changed: {port:
//! 9090}`), plus optionally `expect-failure: true`. The format is documented in
//! `docs/src/cargo-charm-run.md` and in `cargo charm run --help` ([`FORMAT_HELP`]).

use ops_metadata::{CharmMeta, ConfigType, RelationRole};
use serde_json::{Map, Value as Json};
use serde_yaml::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The scenario format, as `cargo charm run --help` shows it.
pub const FORMAT_HELP: &str = "\
SCENARIO FILE (YAML): a list of steps, run in order against one simulated unit; or a map of
`config` (options set at deployment, as `--config`) and `steps` (that list).
  - install                          any hook without arguments: install, start, stop, remove,
                                     config-changed, update-status, upgrade-charm, leader-elected,
                                     leader-settings-changed, collect-metrics, pre-series-upgrade,
                                     post-series-upgrade, <container>-pebble-ready
  - lifecycle                        what Juju runs for a fresh unit (the default without a scenario)
  - config-changed: {port: 9090}     set config options (null: back to the default), then the hook
  - leader: true                     become the leader (leader-elected); false: lose it (no hook)
  - relation-joined: {endpoint: db, app: postgresql, units: 1,
        app-data: {host: 10.1.1.1}, unit-data: {ready: 'yes'}}
                                     relation-created (first time), then per remote unit
                                     relation-joined + relation-changed; `units` is a count
                                     (default 1) or a list of unit names; a new relation with
                                     no unit gets one relation-changed for the app data
  - relation-changed: {endpoint: db, app-data: {...}}          new remote app data
  - relation-changed: {endpoint: db, unit: postgresql/0, unit-data: {...}}
  - relation-departed: {endpoint: db, unit: postgresql/0}      (default: the last unit)
  - relation-broken: db              every remote unit departs, then relation-broken
  - action: {name: greet, params: {who: bob}}                  or `action: report`
  - secret: {id: secret:cp0remote0secret0001, owner: postgresql, grant: db,
        content: {username: u, password: p}}
                                     a remote app's secret granted on a relation (no hook)
  - secret-changed: {id: secret:cp0remote0secret0001, content: {password: q}}
                                     a new revision of it, then secret-changed
  - pebble-ready: web                the container's <container>-pebble-ready (its Pebble is up)
  - container-down: web              its Pebble cannot be reached any more (no hook)
  - storage-attached: data           a new instance of the storage, then its hook
  - storage-detaching: data          the last instance's storage-detaching, then it is gone
Any step may add `expect-failure: true` (as a second key of its map; `- update-status:` with a
colon for a step without arguments): the run then fails if none of the step's hooks fails. Relation data values are strings (numbers and booleans are written as
strings, as Juju would hold them).
EVENT arguments on the command line are the steps without arguments: `install`, `lifecycle`,
`update-status`, `web-pebble-ready`, ...
The format and the output are described in docs/src/cargo-charm-run.md.";

/// The hooks a scenario may name without arguments (besides `<container>-pebble-ready`).
const PLAIN_HOOKS: &[&str] = &[
    "install",
    "start",
    "stop",
    "remove",
    "config-changed",
    "update-status",
    "upgrade-charm",
    "leader-elected",
    "leader-settings-changed",
    "collect-metrics",
    "pre-series-upgrade",
    "post-series-upgrade",
];

/// Relation data as given (keys and values are strings; `None` deletes the key).
pub type DataChange = BTreeMap<String, Option<String>>;

/// What one step does.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A hook with no arguments (`install`, `web-pebble-ready`, ...).
    Hook(String),
    /// The lifecycle of a fresh unit.
    Lifecycle,
    /// Set config options (`None`: back to the default), then `config-changed`.
    Config(BTreeMap<String, Option<Json>>),
    /// Gain (`leader-elected`) or lose leadership.
    Leader(bool),
    /// A remote application (or units of it) joins a relation.
    RelationJoined {
        /// This charm's endpoint.
        endpoint: String,
        /// The remote application (peers: this one).
        app: Option<String>,
        /// The joining units, by name or count.
        units: Units,
        /// The remote application's data.
        app_data: DataChange,
        /// Every joining unit's data.
        unit_data: DataChange,
    },
    /// Remote data changes.
    RelationChanged {
        /// This charm's endpoint.
        endpoint: String,
        /// The remote unit whose data changes (default with `unit-data`: the first).
        unit: Option<String>,
        /// New remote app data.
        app_data: DataChange,
        /// New remote unit data.
        unit_data: DataChange,
    },
    /// A remote unit leaves.
    RelationDeparted {
        /// This charm's endpoint.
        endpoint: String,
        /// The unit (default: the last).
        unit: Option<String>,
    },
    /// The relation is removed.
    RelationBroken {
        /// This charm's endpoint.
        endpoint: String,
    },
    /// An action.
    Action {
        /// Its name.
        name: String,
        /// Its params, defaults added and checked against the schema.
        params: Map<String, Json>,
    },
    /// A remote application's secret, granted to this application on a relation (Juju runs no
    /// hook: the charm learns its id from relation data).
    Secret {
        /// The id (`secret:` and 20 characters of `[0-9a-v]`).
        id: String,
        /// The owning application.
        owner: String,
        /// The first revision's content.
        content: BTreeMap<String, String>,
        /// The relation endpoint it is granted on.
        grant: String,
    },
    /// The owner of a secret this charm consumes publishes a new revision: `secret-changed`.
    SecretChanged {
        /// The secret's id.
        id: String,
        /// The new revision's content.
        content: BTreeMap<String, String>,
    },
    /// A container's Pebble becomes unreachable (no hook; `pebble-ready` brings it back).
    ContainerDown(String),
    /// A new storage instance is attached.
    StorageAttached(String),
    /// The last instance of a storage is detached.
    StorageDetaching(String),
}

/// Which remote units join.
#[derive(Debug, Clone, PartialEq)]
pub enum Units {
    /// `<app>/0` .. `<app>/N-1` (peers: the next free numbers after this unit's).
    Count(u32),
    /// These.
    Names(Vec<String>),
}

/// One step and what is expected of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioStep {
    /// The step.
    pub step: Step,
    /// Whether one of its hooks is expected to fail.
    pub expect_failure: bool,
    /// Where it is written, for messages: `scenario.yaml:3` or `argument 2`.
    pub origin: String,
}

/// A scenario or event list that cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file cannot be read.
    #[error("cannot read scenario {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not YAML, or not a list.
    #[error("{origin}: {message}")]
    Syntax {
        /// `file:line:column` or the file.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A step the charm's metadata does not allow, or a malformed step.
    #[error("{origin}: {message}")]
    Step {
        /// Where the step is.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// A scenario: the unit's config at deployment, and the steps.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scenario {
    /// Config options set before the first hook (as `juju deploy --config`).
    pub config: BTreeMap<String, Json>,
    /// The steps, in order.
    pub steps: Vec<ScenarioStep>,
}

/// Reads and checks the scenario file at `path` against `meta`.
pub fn load(path: &Path, meta: &CharmMeta) -> Result<Scenario, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(&path.display().to_string(), &text, meta)
}

/// Parses and checks scenario `text` (named `name` in messages) against `meta`: a list of
/// steps, or a map with `config` (the config at deployment) and `steps`.
pub fn parse(name: &str, text: &str, meta: &CharmMeta) -> Result<Scenario, ScenarioError> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| {
        let origin = match e.location() {
            Some(loc) => format!("{name}:{}:{}", loc.line(), loc.column()),
            None => name.to_string(),
        };
        let message = e.to_string();
        // serde_yaml appends " at line L column C": the origin already says where.
        let message = match message.find(" at line ") {
            Some(i) => message[..i].to_string(),
            None => message,
        };
        ScenarioError::Syntax { origin, message }
    })?;
    let not_a_scenario = || ScenarioError::Syntax {
        origin: name.to_string(),
        message: "a scenario is a YAML list of steps (`- install`, `- config-changed: {...}`), \
                  or a map of `config` (the config at deployment) and `steps`"
            .into(),
    };
    let mut config = BTreeMap::new();
    let items = match doc {
        Value::Sequence(items) => items,
        Value::Null => Vec::new(),
        Value::Mapping(map) => {
            let mut items = Vec::new();
            for (k, v) in map {
                match (k.as_str(), v) {
                    (Some("steps"), Value::Sequence(steps)) => items = steps,
                    (Some("steps"), Value::Null) => {}
                    (Some("config"), Value::Mapping(values)) => {
                        let origin = format!("{name}: config");
                        for (k, v) in &values {
                            let k = k.as_str().ok_or_else(|| {
                                step_error(&origin, "config option names are strings")
                            })?;
                            if let Some(v) = config_value(&origin, meta, k, v)? {
                                config.insert(k.to_string(), v);
                            }
                        }
                    }
                    (Some("config"), Value::Null) => {}
                    _ => return Err(not_a_scenario()),
                }
            }
            items
        }
        _ => return Err(not_a_scenario()),
    };
    let lines = item_lines(text);
    let steps = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let origin = match lines.get(i) {
                Some(line) => format!("{name}:{line}"),
                None => format!("{name}: step {}", i + 1),
            };
            parse_step(item, origin, meta)
        })
        .collect::<Result<_, _>>()?;
    Ok(Scenario { config, steps })
}

/// Config options given as `KEY=VALUE` on the command line, typed by the charm's config
/// schema (a string option takes VALUE as it is; others read it as a YAML scalar).
pub fn config_args(
    pairs: &[String],
    meta: &CharmMeta,
) -> Result<BTreeMap<String, Json>, ScenarioError> {
    let mut out = BTreeMap::new();
    for pair in pairs {
        let origin = format!("--config {pair}");
        let (key, text) = pair
            .split_once('=')
            .ok_or_else(|| step_error(&origin, "expected KEY=VALUE"))?;
        let value = match meta.config_option(key).map(|o| o.kind) {
            Some(ConfigType::String | ConfigType::Secret) => Value::String(text.to_string()),
            _ => serde_yaml::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
        };
        if let Some(v) = config_value(&origin, meta, key, &value)? {
            out.insert(key.to_string(), v);
        }
    }
    Ok(out)
}

/// The steps of command-line `events`, checked against `meta`.
pub fn from_events(
    events: &[String],
    meta: &CharmMeta,
) -> Result<Vec<ScenarioStep>, ScenarioError> {
    events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            parse_step(
                &Value::String(e.clone()),
                format!("event {} (`{e}`)", i + 1),
                meta,
            )
        })
        .collect()
}

/// The 1-based line of each step of scenario `text`: the items of its top-level list, or of
/// the list under its top-level `steps` key (empty when there is neither).
fn item_lines(text: &str) -> Vec<usize> {
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::Marker;
    /// An open collection; for a mapping, whether its next node is a key.
    enum Frame {
        Seq,
        Map { key_next: bool },
    }
    #[derive(Default)]
    struct Lines {
        stack: Vec<Frame>,
        /// The depth of the list of steps, once found.
        steps_depth: Option<usize>,
        /// The last top-level key was `steps`.
        after_steps_key: bool,
        lines: Vec<usize>,
    }
    impl MarkedEventReceiver for Lines {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            let starts_node = matches!(
                ev,
                Event::Scalar(..)
                    | Event::MappingStart(..)
                    | Event::SequenceStart(..)
                    | Event::Alias(..)
            );
            if starts_node {
                let depth = self.stack.len();
                let is_key = matches!(self.stack.last(), Some(Frame::Map { key_next: true }));
                if matches!(self.stack.last(), Some(Frame::Seq)) && self.steps_depth == Some(depth)
                {
                    self.lines.push(mark.line().max(1));
                }
                match (&ev, depth, is_key) {
                    (Event::SequenceStart(..), 0, _) => self.steps_depth = Some(1),
                    (Event::Scalar(v, ..), 1, true) => self.after_steps_key = v == "steps",
                    (Event::SequenceStart(..), 1, false) if self.after_steps_key => {
                        self.steps_depth = Some(2)
                    }
                    _ => {}
                }
                if let Some(Frame::Map { key_next }) = self.stack.last_mut() {
                    *key_next = !*key_next;
                }
            }
            match ev {
                Event::MappingStart(..) => self.stack.push(Frame::Map { key_next: true }),
                Event::SequenceStart(..) => self.stack.push(Frame::Seq),
                Event::MappingEnd | Event::SequenceEnd => {
                    self.stack.pop();
                }
                _ => {}
            }
        }
    }
    let mut receiver = Lines::default();
    let mut parser = Parser::new_from_str(text);
    if parser.load(&mut receiver, false).is_err() {
        return Vec::new();
    }
    receiver.lines
}

fn step_error(origin: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Step {
        origin: origin.to_string(),
        message: message.into(),
    }
}

/// A YAML scalar as the string Juju would hold (`None` for null; `Err` for a collection).
fn scalar_text(v: &Value) -> Result<Option<String>, ()> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Tagged(t) => scalar_text(&t.value),
        Value::Sequence(_) | Value::Mapping(_) => Err(()),
    }
}

fn yaml_to_json(v: &Value) -> Result<Json, String> {
    serde_json::to_value(v).map_err(|e| e.to_string())
}

/// The arguments of one step: a map of known keys.
struct Args<'a> {
    origin: &'a str,
    step: &'a str,
    map: BTreeMap<String, &'a Value>,
}

impl<'a> Args<'a> {
    fn new(
        origin: &'a str,
        step: &'a str,
        value: &'a Value,
        allowed: &[&str],
    ) -> Result<Self, ScenarioError> {
        let mut map = BTreeMap::new();
        match value {
            Value::Mapping(m) => {
                for (k, v) in m {
                    let Some(k) = k.as_str() else {
                        return Err(step_error(origin, format!("`{step}`: keys are strings")));
                    };
                    if !allowed.contains(&k) {
                        return Err(step_error(
                            origin,
                            format!(
                                "`{step}`: unknown key `{k}` (expected one of: {})",
                                allowed.join(", ")
                            ),
                        ));
                    }
                    map.insert(k.to_string(), v);
                }
            }
            Value::Null => {}
            _ => {
                return Err(step_error(
                    origin,
                    format!("`{step}` takes a map of: {}", allowed.join(", ")),
                ))
            }
        }
        Ok(Args { origin, step, map })
    }

    fn string(&self, key: &str) -> Result<Option<String>, ScenarioError> {
        match self.map.get(key) {
            None => Ok(None),
            Some(v) => match scalar_text(v) {
                Ok(s) => Ok(s),
                Err(()) => Err(step_error(
                    self.origin,
                    format!("`{}`: `{key}` is a string", self.step),
                )),
            },
        }
    }

    fn data(&self, key: &str) -> Result<DataChange, ScenarioError> {
        let bad = || {
            step_error(
                self.origin,
                format!(
                    "`{}`: `{key}` is a map of string keys to string values",
                    self.step
                ),
            )
        };
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(DataChange::new()),
            Some(Value::Mapping(m)) => m
                .iter()
                .map(|(k, v)| {
                    let k = scalar_text(k).ok().flatten().ok_or_else(bad)?;
                    let v = scalar_text(v).map_err(|()| bad())?;
                    Ok((k, v))
                })
                .collect(),
            Some(_) => Err(bad()),
        }
    }
}

/// A step given as a string or a one-key map's value: the endpoint, or a map with `endpoint`.
fn endpoint_of<'a>(
    origin: &str,
    step: &str,
    value: &'a Value,
    meta: &CharmMeta,
) -> Result<(String, Option<&'a serde_yaml::Mapping>), ScenarioError> {
    let (name, map) = match value {
        Value::String(s) => (s.clone(), None),
        Value::Mapping(m) => match m.get("endpoint").map(scalar_text) {
            Some(Ok(Some(s))) => (s, Some(m)),
            _ => {
                return Err(step_error(
                    origin,
                    format!("`{step}` needs `endpoint: <relation endpoint>`"),
                ))
            }
        },
        _ => {
            return Err(step_error(
                origin,
                format!("`{step}` needs `endpoint: <relation endpoint>`"),
            ))
        }
    };
    check_endpoint(origin, &name, meta)?;
    Ok((name, map))
}

fn check_endpoint(origin: &str, name: &str, meta: &CharmMeta) -> Result<(), ScenarioError> {
    if meta.relation(name).is_none() {
        let known: Vec<&str> = meta.relations.iter().map(|r| r.name.as_ref()).collect();
        return Err(step_error(
            origin,
            format!(
                "the charm has no relation endpoint `{name}` (its endpoints: {})",
                list_or_none(&known)
            ),
        ));
    }
    Ok(())
}

fn list_or_none(items: &[&str]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn check_container(origin: &str, name: &str, meta: &CharmMeta) -> Result<(), ScenarioError> {
    if meta.container(name).is_none() {
        let known: Vec<&str> = meta.containers.iter().map(|c| c.name.as_ref()).collect();
        return Err(step_error(
            origin,
            format!(
                "the charm has no container `{name}` (its containers: {})",
                list_or_none(&known)
            ),
        ));
    }
    Ok(())
}

fn check_storage(origin: &str, name: &str, meta: &CharmMeta) -> Result<(), ScenarioError> {
    if meta.storage(name).is_none() {
        let known: Vec<&str> = meta.storages.iter().map(|s| s.name.as_ref()).collect();
        return Err(step_error(
            origin,
            format!(
                "the charm has no storage `{name}` (its storage: {})",
                list_or_none(&known)
            ),
        ));
    }
    Ok(())
}

fn config_value(
    origin: &str,
    meta: &CharmMeta,
    key: &str,
    value: &Value,
) -> Result<Option<Json>, ScenarioError> {
    let Some(option) = meta.config_option(key) else {
        let known: Vec<&str> = meta.config.iter().map(|o| o.name.as_ref()).collect();
        return Err(step_error(
            origin,
            format!(
                "the charm has no config option `{key}` (its options: {})",
                list_or_none(&known)
            ),
        ));
    };
    if value.is_null() {
        return Ok(None);
    }
    let ok = match option.kind {
        ConfigType::String | ConfigType::Secret => value.is_string(),
        ConfigType::Int => value.as_i64().is_some(),
        ConfigType::Float => value.is_number(),
        ConfigType::Boolean => value.is_bool(),
    };
    if !ok {
        return Err(step_error(
            origin,
            format!(
                "config option `{key}` is of type {}, not {}",
                option.kind.yaml_name(),
                serde_yaml::to_string(value).unwrap_or_default().trim()
            ),
        ));
    }
    yaml_to_json(value)
        .map(Some)
        .map_err(|e| step_error(origin, format!("config option `{key}`: {e}")))
}

fn parse_step(
    item: &Value,
    origin: String,
    meta: &CharmMeta,
) -> Result<ScenarioStep, ScenarioError> {
    let o = origin.as_str();
    let (name, value, expect_failure) = match item {
        Value::String(s) => (s.clone(), Value::Null, false),
        Value::Mapping(m) => {
            let mut expect_failure = false;
            let mut step = None;
            for (k, v) in m {
                let Some(k) = k.as_str() else {
                    return Err(step_error(o, "a step's keys are strings"));
                };
                if k == "expect-failure" {
                    expect_failure = v
                        .as_bool()
                        .ok_or_else(|| step_error(o, "`expect-failure` is true or false"))?;
                } else if step.is_some() {
                    return Err(step_error(
                        o,
                        format!("one step per list item (found `{k}` after another step; besides the step only `expect-failure` may be given)"),
                    ));
                } else {
                    step = Some((k.to_string(), v.clone()));
                }
            }
            let (name, value) = step.ok_or_else(|| step_error(o, "an empty step"))?;
            (name, value, expect_failure)
        }
        _ => {
            return Err(step_error(
                o,
                "a step is an event name (`- install`) or a one-key map (`- config-changed: {port: 80}`)",
            ))
        }
    };
    let step = parse_named(o, &name, &value, meta)?;
    Ok(ScenarioStep {
        step,
        expect_failure,
        origin,
    })
}

fn parse_named(
    o: &str,
    name: &str,
    value: &Value,
    meta: &CharmMeta,
) -> Result<Step, ScenarioError> {
    let no_args = |step: Step| {
        if value.is_null() {
            Ok(step)
        } else {
            Err(step_error(o, format!("`{name}` takes no arguments")))
        }
    };
    match name {
        "lifecycle" => no_args(Step::Lifecycle),
        "config-changed" => match value {
            Value::Null => Ok(Step::Hook(name.into())),
            Value::Mapping(m) => {
                let mut values = BTreeMap::new();
                for (k, v) in m {
                    let k = k
                        .as_str()
                        .ok_or_else(|| step_error(o, "config option names are strings"))?;
                    values.insert(k.to_string(), config_value(o, meta, k, v)?);
                }
                Ok(Step::Config(values))
            }
            _ => Err(step_error(
                o,
                "`config-changed` takes a map of config options",
            )),
        },
        "leader" => match value {
            Value::Bool(b) => Ok(Step::Leader(*b)),
            _ => Err(step_error(o, "`leader` is true or false")),
        },
        "leader-elected" => no_args(Step::Leader(true)),
        "relation-joined" => {
            let (endpoint, _) = endpoint_of(o, name, value, meta)?;
            let args = Args::new(
                o,
                name,
                value,
                &["endpoint", "app", "units", "app-data", "unit-data"],
            )?;
            let role = meta.relation(&endpoint).map(|r| r.role);
            let app = args.string("app")?;
            if app.is_none() && role != Some(RelationRole::Peer) {
                return Err(step_error(
                    o,
                    "`relation-joined` needs `app: <remote application>`",
                ));
            }
            if let Some(a) = &app {
                if !ops_testing::sim::is_valid_app_name(a) {
                    return Err(step_error(
                        o,
                        format!("`{a}` is not a valid application name"),
                    ));
                }
            }
            let units = match args.map.get("units") {
                None => Units::Count(1),
                Some(Value::Number(n)) => match n.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => Units::Count(n),
                    None => {
                        return Err(step_error(o, "`units` is a count or a list of unit names"))
                    }
                },
                Some(Value::Sequence(items)) => {
                    let mut names = Vec::new();
                    for item in items {
                        let n = item
                            .as_str()
                            .filter(|s| ops_testing::sim::is_valid_unit_name(s));
                        let n = n.ok_or_else(|| {
                            step_error(o, "`units` is a count or a list of unit names (`app/0`)")
                        })?;
                        if let Some(a) = &app {
                            if n.split('/').next() != Some(a.as_str()) {
                                return Err(step_error(
                                    o,
                                    format!("unit `{n}` is not a unit of `{a}`"),
                                ));
                            }
                        }
                        names.push(n.to_string());
                    }
                    Units::Names(names)
                }
                Some(_) => return Err(step_error(o, "`units` is a count or a list of unit names")),
            };
            Ok(Step::RelationJoined {
                endpoint,
                app,
                units,
                app_data: args.data("app-data")?,
                unit_data: args.data("unit-data")?,
            })
        }
        "relation-changed" => {
            let (endpoint, _) = endpoint_of(o, name, value, meta)?;
            let args = Args::new(
                o,
                name,
                value,
                &["endpoint", "unit", "app-data", "unit-data"],
            )?;
            let step = Step::RelationChanged {
                endpoint,
                unit: args.string("unit")?,
                app_data: args.data("app-data")?,
                unit_data: args.data("unit-data")?,
            };
            Ok(step)
        }
        "relation-departed" => {
            let (endpoint, map) = endpoint_of(o, name, value, meta)?;
            let unit = match map {
                Some(_) => Args::new(o, name, value, &["endpoint", "unit"])?.string("unit")?,
                None => None,
            };
            Ok(Step::RelationDeparted { endpoint, unit })
        }
        "relation-broken" => {
            let (endpoint, map) = endpoint_of(o, name, value, meta)?;
            if map.is_some() {
                Args::new(o, name, value, &["endpoint"])?;
            }
            Ok(Step::RelationBroken { endpoint })
        }
        "action" => {
            let (action, params) = match value {
                Value::String(s) => (s.clone(), Map::new()),
                Value::Mapping(_) => {
                    let args = Args::new(o, name, value, &["name", "params"])?;
                    let action = args
                        .string("name")?
                        .ok_or_else(|| step_error(o, "`action` needs `name: <action>`"))?;
                    let params = match args.map.get("params") {
                        None | Some(Value::Null) => Map::new(),
                        Some(v @ Value::Mapping(_)) => match yaml_to_json(v) {
                            Ok(Json::Object(m)) => m,
                            _ => return Err(step_error(o, "`params` is a map with string keys")),
                        },
                        Some(_) => return Err(step_error(o, "`params` is a map")),
                    };
                    (action, params)
                }
                _ => {
                    return Err(step_error(
                        o,
                        "`action` is an action name or {name, params}",
                    ))
                }
            };
            if meta.action(&action).is_none() {
                let known: Vec<&str> = meta.actions.iter().map(|a| a.name.as_ref()).collect();
                return Err(step_error(
                    o,
                    format!(
                        "the charm has no action `{action}` (its actions: {})",
                        list_or_none(&known)
                    ),
                ));
            }
            let params = ops_testing::sim::action_params(meta, &action, &params)
                .map_err(|e| step_error(o, e.to_string()))?;
            Ok(Step::Action {
                name: action,
                params,
            })
        }
        "secret" | "secret-changed" => {
            let keys: &[&str] = if name == "secret" {
                &["id", "owner", "content", "grant"]
            } else {
                &["id", "content"]
            };
            let args = Args::new(o, name, value, keys)?;
            let id = args.string("id")?.ok_or_else(|| {
                step_error(o, format!("`{name}` needs `id: secret:<20 characters>`"))
            })?;
            if !id.starts_with("secret:")
                || !ops_testing::sim::is_valid_secret_id(ops_testing::sim::bare_secret_id(&id))
            {
                return Err(step_error(
                    o,
                    format!("`{id}` is not a secret id (`secret:` and 20 characters of 0-9, a-v)"),
                ));
            }
            let mut content = BTreeMap::new();
            for (k, v) in args.data("content")? {
                let v = v.ok_or_else(|| step_error(o, format!("secret content `{k}` is null")))?;
                content.insert(k, v);
            }
            if content.is_empty() {
                return Err(step_error(
                    o,
                    format!("`{name}` needs `content: {{key: value, ...}}`"),
                ));
            }
            if name == "secret-changed" {
                return Ok(Step::SecretChanged { id, content });
            }
            let owner = args
                .string("owner")?
                .filter(|a| ops_testing::sim::is_valid_app_name(a))
                .ok_or_else(|| step_error(o, "`secret` needs `owner: <remote application>`"))?;
            let grant = args
                .string("grant")?
                .ok_or_else(|| step_error(o, "`secret` needs `grant: <relation endpoint>`"))?;
            check_endpoint(o, &grant, meta)?;
            Ok(Step::Secret {
                id,
                owner,
                content,
                grant,
            })
        }
        "pebble-ready" => {
            let c = value
                .as_str()
                .ok_or_else(|| step_error(o, "`pebble-ready` names a container"))?;
            check_container(o, c, meta)?;
            Ok(Step::Hook(format!("{c}-pebble-ready")))
        }
        "container-down" => {
            let c = value
                .as_str()
                .ok_or_else(|| step_error(o, "`container-down` names a container"))?;
            check_container(o, c, meta)?;
            Ok(Step::ContainerDown(c.to_string()))
        }
        "storage-attached" | "storage-detaching" => {
            let s = value
                .as_str()
                .ok_or_else(|| step_error(o, format!("`{name}` names a storage")))?;
            check_storage(o, s, meta)?;
            Ok(if name == "storage-attached" {
                Step::StorageAttached(s.to_string())
            } else {
                Step::StorageDetaching(s.to_string())
            })
        }
        _ if PLAIN_HOOKS.contains(&name) => no_args(Step::Hook(name.into())),
        _ => {
            if let Some(c) = name.strip_suffix("-pebble-ready") {
                check_container(o, c, meta)?;
                return no_args(Step::Hook(name.into()));
            }
            let mut known: Vec<String> = PLAIN_HOOKS.iter().map(|s| s.to_string()).collect();
            known.extend(
                meta.containers
                    .iter()
                    .map(|c| format!("{}-pebble-ready", c.name)),
            );
            known.extend(
                [
                    "lifecycle",
                    "leader",
                    "relation-joined",
                    "relation-changed",
                    "relation-departed",
                    "relation-broken",
                    "action",
                    "secret",
                    "secret-changed",
                    "pebble-ready",
                    "container-down",
                    "storage-attached",
                    "storage-detaching",
                ]
                .map(String::from),
            );
            Err(step_error(
                o,
                format!("unknown event `{name}` (known: {})", known.join(", ")),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> CharmMeta {
        let mut meta = ops_metadata::parse_metadata_str(
            "name: app\nrequires:\n  db:\n    interface: pg\npeers:\n  cluster:\n    interface: c\n\
             containers:\n  web:\n    resource: img\nresources:\n  img:\n    type: oci-image\n\
             storage:\n  data:\n    type: filesystem\n",
        )
        .expect("metadata");
        meta.config = ops_metadata::parse_config_str(
            "options:\n  port:\n    type: int\n    default: 80\n  name:\n    type: string\n",
        )
        .expect("config")
        .into();
        meta.actions = ops_metadata::parse_actions_str(
            "greet:\n  params:\n    who:\n      type: string\n  required: [who]\n  additionalProperties: false\n\
             explode: {}\n",
        )
        .expect("actions")
        .into();
        meta
    }

    fn err(text: &str) -> String {
        parse("s.yaml", text, &meta())
            .expect_err("should fail")
            .to_string()
    }

    #[test]
    fn every_documented_step_parses() {
        let steps = parse(
            "s.yaml",
            "- install\n- lifecycle\n- config-changed: {port: 9090, name: null}\n- leader: false\n\
             - relation-joined: {endpoint: db, app: pg, units: 2, app-data: {host: h, port: 5432}, unit-data: {ok: true}}\n\
             - relation-joined: {endpoint: cluster, units: [app/1]}\n\
             - relation-changed: {endpoint: db, unit: pg/1, unit-data: {x: 'y'}}\n\
             - relation-departed: db\n- relation-broken: {endpoint: db}\n\
             - action: {name: greet, params: {who: bob}}\n  expect-failure: true\n\
             - pebble-ready: web\n- web-pebble-ready\n- storage-attached: data\n- storage-detaching: data\n",
            &meta(),
        )
        .expect("valid")
        .steps;
        assert_eq!(steps.len(), 14);
        assert_eq!(steps[0].step, Step::Hook("install".into()));
        assert_eq!(steps[2].origin, "s.yaml:3");
        let Step::Config(values) = &steps[2].step else {
            panic!("{:?}", steps[2])
        };
        assert_eq!(values["port"], Some(Json::from(9090)));
        assert_eq!(values["name"], None);
        let Step::RelationJoined {
            app_data,
            unit_data,
            units,
            ..
        } = &steps[4].step
        else {
            panic!("{:?}", steps[4])
        };
        assert_eq!(app_data["port"].as_deref(), Some("5432"));
        assert_eq!(unit_data["ok"].as_deref(), Some("true"));
        assert_eq!(*units, Units::Count(2));
        assert!(steps[9].expect_failure);
        assert_eq!(steps[9].origin, "s.yaml:10");
        assert_eq!(steps[10].step, steps[11].step);
    }

    #[test]
    fn bad_steps_name_their_line_and_the_problem() {
        assert_eq!(
            err("- install\n- bogus\n"),
            "s.yaml:2: unknown event `bogus` (known: install, start, stop, remove, config-changed, \
             update-status, upgrade-charm, leader-elected, leader-settings-changed, collect-metrics, \
             pre-series-upgrade, post-series-upgrade, web-pebble-ready, lifecycle, leader, \
             relation-joined, relation-changed, relation-departed, relation-broken, action, secret, \
             secret-changed, pebble-ready, container-down, storage-attached, storage-detaching)"
        );
        assert_eq!(
            err("- install\n- relation-joined: {endpoint: nope, app: x}\n"),
            "s.yaml:2: the charm has no relation endpoint `nope` (its endpoints: db, cluster)"
        );
        assert_eq!(
            err("- action: {name: greet, params: {who: 3}}"),
            "s.yaml:1: action `greet`: param `who` must be of type string, got 3"
        );
        assert_eq!(
            err("- action: {name: greet, params: {who: a, loud: true}}"),
            "s.yaml:1: action `greet`: unknown param `loud`"
        );
        assert_eq!(
            err("- action: wave"),
            "s.yaml:1: the charm has no action `wave` (its actions: greet, explode)"
        );
        assert_eq!(
            err("- config-changed: {port: high}"),
            "s.yaml:1: config option `port` is of type int, not high"
        );
        assert_eq!(
            err("- config-changed: {colour: red}"),
            "s.yaml:1: the charm has no config option `colour` (its options: port, name)"
        );
        assert_eq!(
            err("- relation-joined: {endpoint: db}"),
            "s.yaml:1: `relation-joined` needs `app: <remote application>`"
        );
        assert_eq!(
            err("- pebble-ready: db"),
            "s.yaml:1: the charm has no container `db` (its containers: web)"
        );
        assert_eq!(
            err("- install: now"),
            "s.yaml:1: `install` takes no arguments"
        );
        assert_eq!(
            err("- install\n  start\n- {install: , start: }"),
            "s.yaml:1: unknown event `install start` (known: install, start, stop, remove, \
             config-changed, update-status, upgrade-charm, leader-elected, leader-settings-changed, \
             collect-metrics, pre-series-upgrade, post-series-upgrade, web-pebble-ready, lifecycle, \
             leader, relation-joined, relation-changed, relation-departed, relation-broken, action, secret, \
             secret-changed, pebble-ready, container-down, storage-attached, storage-detaching)"
        );
        assert_eq!(
            err("- secret: {id: secret:abc, owner: pg, grant: db, content: {a: b}}"),
            "s.yaml:1: `secret:abc` is not a secret id (`secret:` and 20 characters of 0-9, a-v)"
        );
        assert_eq!(
            err("- secret: {id: secret:cp0remote0secret0001, owner: pg, grant: nope, content: {a: b}}"),
            "s.yaml:1: the charm has no relation endpoint `nope` (its endpoints: db, cluster)"
        );
        assert_eq!(
            err("- secret-changed: {id: secret:cp0remote0secret0001}"),
            "s.yaml:1: `secret-changed` needs `content: {key: value, ...}`"
        );
        assert!(err("install: {}").contains("a scenario is a YAML list"));
        assert!(err("- [unclosed").starts_with("s.yaml:"));
        assert!(err("- {install: , start: }").contains("one step per list item"));
    }

    #[test]
    fn the_documented_examples_are_valid_scenarios() {
        let doc = include_str!("../../../docs/src/cargo-charm-run.md");
        let blocks: Vec<&str> = doc
            .split("```yaml\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect();
        assert_eq!(blocks.len(), 2, "the docs' YAML examples");
        let steps = parse("docs", blocks[0], &meta())
            .expect("the docs' list of steps")
            .steps;
        assert_eq!(steps.len(), 17);
        assert!(steps[6].expect_failure && !steps[5].expect_failure);
        let mut meta = meta();
        meta.config = ops_metadata::parse_config_str(
            "options:\n  target:\n    type: string\n  port:\n    type: int\n",
        )
        .expect("config")
        .into();
        let map = parse("docs", blocks[1], &meta).expect("the docs' map");
        assert_eq!(map.config["target"], Json::from("sheep"));
        assert_eq!(map.steps.len(), 2);
    }

    #[test]
    fn a_scenario_map_gives_the_config_at_deployment() {
        let scenario = parse(
            "s.yaml",
            "# deployed with a port\nconfig:\n  port: 81\n  name: null\nsteps:\n  - install\n\n  - config-changed:\n      name: x\n  - bogus\n",
            &meta(),
        );
        assert_eq!(
            scenario.expect_err("bogus").to_string(),
            "s.yaml:10: unknown event `bogus` (known: install, start, stop, remove, config-changed, \
             update-status, upgrade-charm, leader-elected, leader-settings-changed, collect-metrics, \
             pre-series-upgrade, post-series-upgrade, web-pebble-ready, lifecycle, leader, \
             relation-joined, relation-changed, relation-departed, relation-broken, action, secret, \
             secret-changed, pebble-ready, container-down, storage-attached, storage-detaching)"
        );
        let scenario = parse(
            "s.yaml",
            "config: {port: 81}\nsteps: [install, start]\n",
            &meta(),
        )
        .expect("valid");
        assert_eq!(scenario.config["port"], Json::from(81));
        assert_eq!(scenario.steps.len(), 2);
        assert_eq!(scenario.steps[1].origin, "s.yaml:2");
        assert_eq!(
            err("config: {port: x}\nsteps: []\n"),
            "s.yaml: config: config option `port` is of type int, not x"
        );
        assert!(err("steps: [install]\nextra: 1\n").contains("or a map of `config`"));
    }

    #[test]
    fn command_line_config_is_typed_by_the_schema() {
        let config = config_args(&["port=9090".into(), "name=0012".into()], &meta()).expect("ok");
        assert_eq!(config["port"], Json::from(9090));
        assert_eq!(config["name"], Json::from("0012"));
        let e = config_args(&["port=high".into()], &meta()).expect_err("not an int");
        assert_eq!(
            e.to_string(),
            "--config port=high: config option `port` is of type int, not high"
        );
        let e = config_args(&["port".into()], &meta()).expect_err("no value");
        assert_eq!(e.to_string(), "--config port: expected KEY=VALUE");
    }

    #[test]
    fn command_line_events_are_argless_steps() {
        let steps =
            from_events(&["lifecycle".into(), "web-pebble-ready".into()], &meta()).expect("ok");
        assert_eq!(steps[1].step, Step::Hook("web-pebble-ready".into()));
        let e =
            from_events(&["update-status".into(), "action".into()], &meta()).expect_err("no args");
        assert_eq!(
            e.to_string(),
            "event 2 (`action`): `action` is an action name or {name, params}"
        );
    }
}
