//! Layers and the plan: [`Layer`], [`Service`], [`Check`] and [`Plan`], with serde (Pebble's
//! dashed YAML keys) and ops' rules for combining layers.
//!
//! Empty fields are left out when a layer is written, as ops' `to_dict()` leaves out falsy ones
//! (except ids and numbers that are set: `user-id: 0` is kept, where ops would drop it).

use super::model::{CheckLevel, CheckStartup, ServiceStartup};
use super::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

string_enum! {
    /// How a layer's service or check combines with the same one in earlier layers.
    Override default Unset {
        /// Not set (Pebble refuses a layer whose services or checks lack it).
        Unset = "",
        /// Merge into the earlier definition.
        Merge = "merge",
        /// Replace the earlier definition.
        Replace = "replace",
    }
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

/// A free-form YAML/JSON map (a check's `http`, `tcp`, `exec`; a log target).
pub type RawMap = serde_json::Map<String, serde_json::Value>;

/// A service of a layer (Pebble's service keys, dashed in YAML).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Layer, Override, Service, ServiceStartup};
///
/// let mut web = Service {
///     r#override: Override::Replace,
///     command: "/bin/web".into(),
///     startup: ServiceStartup::Enabled,
///     ..Service::default()
/// };
/// web.merge(&Service { command: "/bin/web --verbose".into(), ..Service::default() });
/// assert_eq!(web.command, "/bin/web --verbose");
/// let mut layer = Layer::default();
/// layer.services.insert("web".into(), web);
/// assert!(layer.to_yaml().contains("startup: enabled"));
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Service {
    /// Short description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Long description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `enabled` services start on `autostart` / `replan`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub startup: ServiceStartup,
    /// How it combines with earlier layers (`merge` or `replace`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub r#override: Override,
    /// The command line.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub command: String,
    /// Services this one starts after.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Services this one starts before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    /// Services this one needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<String>,
    /// The workload (of the layer's `workloads:` section) whose context it runs in
    /// (Pebble ≥ 1.24).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub workload: String,
    /// Environment variables.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// The user to run as.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// The user id to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// The group to run as.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    /// The group id to run as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<i64>,
    /// The working directory.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    /// What to do when it exits with 0: `restart`, `shutdown`, `ignore`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub on_success: String,
    /// What to do when it exits with non-zero.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub on_failure: String,
    /// What to do when a check fails: check name → action.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub on_check_failure: BTreeMap<String, String>,
    /// First backoff delay (Go duration).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub backoff_delay: String,
    /// Backoff growth factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_factor: Option<f64>,
    /// Longest backoff delay (Go duration).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub backoff_limit: String,
    /// How long to wait after SIGTERM before SIGKILL (Go duration).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kill_delay: String,
    /// Fields this client does not know, kept as given (written back after the others).
    #[serde(flatten)]
    pub extra: RawMap,
}

impl Service {
    /// Merge `other` into this service as ops does: set scalars of `other` overwrite, lists
    /// (`after`, `before`, `requires`) are extended, maps (`environment`, `on-check-failure`)
    /// updated; empty fields of `other` change nothing.
    pub fn merge(&mut self, other: &Service) {
        fn text(target: &mut String, v: &str) {
            if !v.is_empty() {
                *target = v.to_string();
            }
        }
        text(&mut self.summary, &other.summary);
        text(&mut self.description, &other.description);
        if other.startup != ServiceStartup::Unset {
            self.startup = other.startup.clone();
        }
        if other.r#override != Override::Unset {
            self.r#override = other.r#override.clone();
        }
        text(&mut self.command, &other.command);
        text(&mut self.workload, &other.workload);
        self.after.extend(other.after.iter().cloned());
        self.before.extend(other.before.iter().cloned());
        self.requires.extend(other.requires.iter().cloned());
        self.environment.extend(
            other
                .environment
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        text(&mut self.user, &other.user);
        if other.user_id.is_some() {
            self.user_id = other.user_id;
        }
        text(&mut self.group, &other.group);
        if other.group_id.is_some() {
            self.group_id = other.group_id;
        }
        text(&mut self.working_dir, &other.working_dir);
        text(&mut self.on_success, &other.on_success);
        text(&mut self.on_failure, &other.on_failure);
        self.on_check_failure.extend(
            other
                .on_check_failure
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        text(&mut self.backoff_delay, &other.backoff_delay);
        if other.backoff_factor.is_some() {
            self.backoff_factor = other.backoff_factor;
        }
        text(&mut self.backoff_limit, &other.backoff_limit);
        text(&mut self.kill_delay, &other.kill_delay);
        merge_extra(&mut self.extra, &other.extra);
    }
}

/// Merge unknown fields as Pebble merges its own: lists extend, maps update, set scalars replace.
fn merge_extra(mine: &mut RawMap, theirs: &RawMap) {
    use serde_json::Value;
    for (key, value) in theirs {
        match (mine.get_mut(key), value) {
            (Some(Value::Array(a)), Value::Array(b)) => a.extend(b.iter().cloned()),
            (Some(Value::Object(a)), Value::Object(b)) => {
                a.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())))
            }
            (_, Value::Null) => {}
            _ => {
                mine.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A health check of a layer.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Layer;
///
/// let layer = Layer::from_yaml(
///     "checks:\n  up:\n    override: replace\n    level: alive\n    http:\n      url: http://localhost:8080/health\n",
/// )?;
/// let check = &layer.checks["up"];
/// assert_eq!(check.level.as_str(), "alive");
/// # Ok::<(), ops_core::pebble::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Check {
    /// How it combines with earlier layers (`merge` or `replace`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub r#override: Override,
    /// `alive` or `ready`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub level: CheckLevel,
    /// Whether it starts with the plan.
    #[serde(default, skip_serializing_if = "is_default")]
    pub startup: CheckStartup,
    /// How often it runs (Go duration).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub period: String,
    /// How long one run may take (Go duration).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub timeout: String,
    /// Failures in a row before it is down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u32>,
    /// An HTTP check: `url`, `headers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<RawMap>,
    /// A TCP check: `port`, `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<RawMap>,
    /// An exec check: `command`, `environment`, `user`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<RawMap>,
    /// Fields this client does not know, kept as given (written back after the others).
    #[serde(flatten)]
    pub extra: RawMap,
}

impl Check {
    /// Merge `other` into this check: set scalars overwrite, the `http` / `tcp` / `exec` maps are
    /// updated key by key.
    pub fn merge(&mut self, other: &Check) {
        if other.r#override != Override::Unset {
            self.r#override = other.r#override.clone();
        }
        if other.level != CheckLevel::Unset {
            self.level = other.level.clone();
        }
        if other.startup != CheckStartup::Unset {
            self.startup = other.startup.clone();
        }
        if !other.period.is_empty() {
            self.period = other.period.clone();
        }
        if !other.timeout.is_empty() {
            self.timeout = other.timeout.clone();
        }
        if other.threshold.is_some() {
            self.threshold = other.threshold;
        }
        for (mine, theirs) in [
            (&mut self.http, &other.http),
            (&mut self.tcp, &other.tcp),
            (&mut self.exec, &other.exec),
        ] {
            if let Some(theirs) = theirs {
                let target = mine.get_or_insert_with(RawMap::new);
                for (k, v) in theirs {
                    target.insert(k.clone(), v.clone());
                }
            }
        }
        merge_extra(&mut self.extra, &other.extra);
    }
}

/// A layer: services, checks and log targets, added to the plan with
/// [`Client::add_layer`](super::Client::add_layer).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Layer;
///
/// let mut layer = Layer::from_yaml("services:\n  web:\n    override: replace\n    command: /bin/web\n")?;
/// let more = Layer::from_yaml("services:\n  web:\n    override: merge\n    environment:\n      PORT: \"8080\"\n")?;
/// layer.combine("more", &more)?;
/// assert_eq!(layer.services["web"].command, "/bin/web");
/// assert_eq!(layer.services["web"].environment["PORT"], "8080");
/// assert!(Layer::from_yaml("services: [").is_err());
/// # Ok::<(), ops_core::pebble::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Layer {
    /// Short description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    /// Long description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Services by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Health checks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log targets by name (kept as given).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, RawMap>,
    /// Sections this client does not know (e.g. Pebble 1.24's `workloads:`), kept as given.
    #[serde(flatten)]
    pub extra: RawMap,
}

fn from_yaml<T: serde::de::DeserializeOwned + Default>(text: &str) -> Result<T, String> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    // An empty document (`~`, `null`) is an empty layer, as `yaml.safe_load(...) or {}`.
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| e.to_string())?;
    if value.is_null() {
        return Ok(T::default());
    }
    serde_yaml::from_value(value).map_err(|e| e.to_string())
}

impl Layer {
    /// Parse a layer from YAML (or JSON).
    pub fn from_yaml(text: &str) -> Result<Layer, Error> {
        from_yaml(text).map_err(|e| Error::Invalid(format!("invalid layer YAML: {e}")))
    }

    /// The layer as YAML.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }

    /// Combine `other` into this layer as Pebble does for `add_layer(..., combine=True)`: a
    /// service or check with `override: replace` (or a new one) replaces, `override: merge`
    /// merges ([`Service::merge`]); anything else is an error. A set summary or description
    /// overwrites.
    pub fn combine(&mut self, label: &str, other: &Layer) -> Result<(), Error> {
        combine_entries(
            &mut self.services,
            &other.services,
            label,
            "service",
            |s| &s.r#override,
            Service::merge,
        )?;
        combine_entries(
            &mut self.checks,
            &other.checks,
            label,
            "check",
            |c| &c.r#override,
            Check::merge,
        )?;
        for (name, target) in &other.log_targets {
            self.log_targets.insert(name.clone(), target.clone());
        }
        combine_sections(&mut self.extra, &other.extra);
        if !other.summary.is_empty() {
            self.summary = other.summary.clone();
        }
        if !other.description.is_empty() {
            self.description = other.description.clone();
        }
        Ok(())
    }
}

/// Add `theirs` (services or checks of layer `label`) to `mine` as Pebble combines layers:
/// `override: replace`, or `merge` of an entry `mine` lacks, puts theirs in; `merge` of an entry
/// both have merges it; no `override` is an error naming the `kind` of entry.
fn combine_entries<T: Clone>(
    mine: &mut BTreeMap<String, T>,
    theirs: &BTreeMap<String, T>,
    label: &str,
    kind: &str,
    override_of: impl Fn(&T) -> &Override,
    merge: impl Fn(&mut T, &T),
) -> Result<(), Error> {
    for (name, entry) in theirs {
        match (override_of(entry), mine.get_mut(name)) {
            (Override::Replace, _) | (Override::Merge, None) => {
                mine.insert(name.clone(), entry.clone());
            }
            (Override::Merge, Some(existing)) => merge(existing, entry),
            _ => {
                return Err(Error::Invalid(format!(
                    "layer \"{label}\" must define \"override\" for {kind} \"{name}\""
                )))
            }
        }
    }
    Ok(())
}

/// Combine unknown sections: a section of named entries (as `workloads:`) takes each entry of
/// the later layer (merged into an earlier one with `override: merge`); anything else is
/// replaced.
fn combine_sections(mine: &mut RawMap, theirs: &RawMap) {
    use serde_json::Value;
    for (section, value) in theirs {
        match (mine.get_mut(section), value) {
            (Some(Value::Object(entries)), Value::Object(new)) => {
                for (name, entry) in new {
                    let merge = entry.get("override").and_then(Value::as_str) == Some("merge");
                    match (entries.get_mut(name), entry) {
                        (Some(Value::Object(old)), Value::Object(fields)) if merge => {
                            merge_extra(old, fields)
                        }
                        _ => {
                            entries.insert(name.clone(), entry.clone());
                        }
                    }
                }
            }
            _ => {
                mine.insert(section.clone(), value.clone());
            }
        }
    }
}

/// The plan: every layer combined (`GET /v1/plan`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Layer;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// // The plan: every layer combined, as Pebble holds it.
/// let plan = client.get_plan()?;
/// assert_eq!(plan.services["web"].command, "/bin/web --port 8080");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Plan {
    /// Services by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, Service>,
    /// Health checks by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub checks: BTreeMap<String, Check>,
    /// Log targets by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub log_targets: BTreeMap<String, RawMap>,
    /// Sections this client does not know (e.g. `workloads:`), kept as Pebble sent them.
    #[serde(flatten)]
    pub extra: RawMap,
}

impl Plan {
    /// Parse the plan from Pebble's YAML.
    pub fn from_yaml(text: &str) -> Result<Plan, Error> {
        from_yaml(text).map_err(|e| Error::Protocol(format!("invalid plan YAML: {e}")))
    }

    /// The plan as YAML.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).unwrap_or_default()
    }
}
