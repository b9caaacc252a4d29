//! What Pebble's API answers: system info, warnings, changes and tasks, services, checks, files
//! and notices. Times are kept as Pebble sends them (RFC 3339 strings); enum values Pebble may
//! add later are kept as `Other(String)`, as ops keeps unknown values as raw strings.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

string_enum! {
    /// Which warnings to list.
    WarningState {
        /// Every warning.
        All = "all",
        /// Warnings not yet acknowledged.
        Pending = "pending",
    }
}

string_enum! {
    /// Which changes to list.
    ChangeState {
        /// Every change.
        All = "all",
        /// Changes still running.
        InProgress = "in-progress",
        /// Changes that finished.
        Ready = "ready",
    }
}

string_enum! {
    /// Whether a service starts with the plan (`startup`).
    ServiceStartup default Unset {
        /// Not set in the layers.
        Unset = "",
        /// Started by `autostart` and `replan`.
        Enabled = "enabled",
        /// Only started explicitly.
        Disabled = "disabled",
    }
}

string_enum! {
    /// A service's current state.
    ServiceStatus {
        /// Running.
        Active = "active",
        /// Stopped.
        Inactive = "inactive",
        /// Failed (in backoff or given up).
        Error = "error",
        /// Pebble backs off before restarting it.
        Backoff = "backoff",
    }
}

string_enum! {
    /// A health check's level.
    CheckLevel default Unset {
        /// No level.
        Unset = "",
        /// A liveness check.
        Alive = "alive",
        /// A readiness check.
        Ready = "ready",
    }
}

string_enum! {
    /// A health check's status.
    CheckStatus {
        /// Passing (or not yet failed past its threshold).
        Up = "up",
        /// Failed past its threshold.
        Down = "down",
        /// Stopped.
        Inactive = "inactive",
    }
}

string_enum! {
    /// Whether a check starts with the plan (`startup`).
    CheckStartup default Unset {
        /// Not set in the layers.
        Unset = "",
        /// Started with the plan.
        Enabled = "enabled",
        /// Only started explicitly.
        Disabled = "disabled",
    }
}

string_enum! {
    /// The type of a file.
    FileType {
        /// A regular file.
        File = "file",
        /// A directory.
        Directory = "directory",
        /// A symbolic link.
        Symlink = "symlink",
        /// A Unix socket.
        Socket = "socket",
        /// A FIFO.
        NamedPipe = "named-pipe",
        /// A block or character device.
        Device = "device",
        /// Anything else.
        Unknown = "unknown",
    }
}

string_enum! {
    /// The type of a notice.
    NoticeType {
        /// A notice added by a client (`notify`).
        Custom = "custom",
        /// A change was spawned or changed status.
        ChangeUpdate = "change-update",
        /// A warning.
        Warning = "warning",
    }
}

/// `GET /v1/system-info`.
///
/// # Examples
///
/// ```
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let info = pebble.client().get_system_info()?;
/// assert!(!info.version.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemInfo {
    /// Pebble's version, e.g. `v1.32.1`.
    pub version: String,
    /// The boot id, when Pebble gives it.
    #[serde(rename = "boot-id", default, skip_serializing_if = "Option::is_none")]
    pub boot_id: Option<String>,
}

/// A warning Pebble raised.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Error, WarningState};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// // Pebble ≥ 1.x removed warnings: the call is kept for ops' API and reports Pebble's 404.
/// assert!(matches!(pebble.client().get_warnings(WarningState::All), Err(Error::Api(e)) if e.code == 404));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The message.
    pub message: String,
    /// When it was first raised.
    #[serde(rename = "first-added")]
    pub first_added: String,
    /// When it was last raised.
    #[serde(rename = "last-added")]
    pub last_added: String,
    /// When it was last shown, if ever.
    #[serde(rename = "last-shown", default)]
    pub last_shown: Option<String>,
    /// How long it is kept (Go duration).
    #[serde(rename = "expire-after", default)]
    pub expire_after: String,
    /// How long before it is shown again (Go duration).
    #[serde(rename = "repeat-after", default)]
    pub repeat_after: String,
}

/// The id of a change.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{ChangeId, Layer};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// let id: ChangeId = client.replan_services()?;
/// assert_eq!(client.get_change(&id)?.id, id);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChangeId(pub String);

impl std::fmt::Display for ChangeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ChangeId {
    fn from(s: &str) -> Self {
        ChangeId(s.to_string())
    }
}

/// The id of a task.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Layer, TaskId};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// let change = client.get_change(&client.replan_services()?)?;
/// let ids: Vec<&TaskId> = change.tasks.iter().map(|t| &t.id).collect();
/// assert!(!ids.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaskId(pub String);

impl std::fmt::Display for TaskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How far a task got.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TaskProgress {
    /// What it is doing.
    #[serde(default)]
    pub label: String,
    /// Units done.
    #[serde(default)]
    pub done: u64,
    /// Units in all.
    #[serde(default)]
    pub total: u64,
}

/// One task of a change.
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
/// let change = client.get_change(&client.replan_services()?)?;
/// for task in &change.tasks {
///     assert_eq!(task.status, "Done");
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Its id.
    pub id: TaskId,
    /// Its kind, e.g. `start`, `exec`.
    pub kind: String,
    /// What it does.
    #[serde(default)]
    pub summary: String,
    /// `Do`, `Doing`, `Done`, `Error`...
    pub status: String,
    /// Its log lines.
    #[serde(default)]
    pub log: Vec<String>,
    /// Its progress.
    #[serde(default)]
    pub progress: TaskProgress,
    /// When it was spawned.
    #[serde(rename = "spawn-time", default)]
    pub spawn_time: String,
    /// When it finished.
    #[serde(rename = "ready-time", default)]
    pub ready_time: Option<String>,
    /// Task data (an exec task's `exit-code`).
    #[serde(default)]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// A change: an operation Pebble runs asynchronously (service actions, exec...).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{ChangeState, Layer};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// client.replan_services()?;
/// let changes = client.get_changes(ChangeState::All, None)?;
/// assert!(changes.iter().all(|c| c.ready && c.err.is_none()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Its id.
    pub id: ChangeId,
    /// Its kind, e.g. `replan`, `exec`.
    pub kind: String,
    /// What it does.
    #[serde(default)]
    pub summary: String,
    /// `Do`, `Doing`, `Done`, `Error`...
    pub status: String,
    /// Its tasks.
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Whether it finished.
    #[serde(default)]
    pub ready: bool,
    /// Its error, when it failed.
    #[serde(default)]
    pub err: Option<String>,
    /// When it was spawned.
    #[serde(rename = "spawn-time", default)]
    pub spawn_time: String,
    /// When it finished.
    #[serde(rename = "ready-time", default)]
    pub ready_time: Option<String>,
    /// Change data.
    #[serde(default)]
    pub data: serde_json::Map<String, serde_json::Value>,
}

/// A service's state (`GET /v1/services`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Layer, ServiceStatus};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// client.autostart_services()?;
/// let web = &client.get_services(&["web"])?[0];
/// assert_eq!(web.current, ServiceStatus::Active);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// The service's name.
    pub name: String,
    /// Its startup mode.
    #[serde(default)]
    pub startup: ServiceStartup,
    /// Its current state.
    pub current: ServiceStatus,
    /// Since when it is in that state (RFC 3339; Pebble ≥ 1.17, once it changed state).
    #[serde(
        rename = "current-since",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub current_since: Option<String>,
}

impl ServiceInfo {
    /// Whether the service is running.
    pub fn is_running(&self) -> bool {
        self.current == ServiceStatus::Active
    }
}

/// A health check's state (`GET /v1/checks`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::Layer;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml("checks:\n  up:\n    override: replace\n    exec:\n      command: /bin/true\n")?;
/// client.add_layer("checks", &layer, true)?;
/// let checks = client.get_checks(None, &["up"])?;
/// assert_eq!(checks[0].name, "up");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckInfo {
    /// The check's name.
    pub name: String,
    /// Its level.
    #[serde(default)]
    pub level: CheckLevel,
    /// Its startup mode (Pebble ≥ 1.16).
    #[serde(default)]
    pub startup: CheckStartup,
    /// Its status.
    pub status: CheckStatus,
    /// Successes since it last failed past its threshold (newer Pebbles).
    #[serde(default)]
    pub successes: Option<u64>,
    /// Failures in a row.
    #[serde(default)]
    pub failures: u64,
    /// Failures in a row before it is down.
    #[serde(default)]
    pub threshold: u64,
    /// The change running the check (newer Pebbles).
    #[serde(rename = "change-id", default)]
    pub change_id: Option<String>,
    /// The change that ran it before (Pebble ≥ 1.24).
    #[serde(
        rename = "prev-change-id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub prev_change_id: Option<String>,
}

/// What `POST /v1/checks/refresh` answers: the check's state after the run, and the run's error
/// when it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRefresh {
    /// The check's state.
    pub info: CheckInfo,
    /// Why this run failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A file or directory in the workload (`GET /v1/files?action=list`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{FileType, PushOptions};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// client.push("/srv/index.html", "<h1>hi</h1>".as_bytes(), &PushOptions { make_dirs: true, ..Default::default() })?;
/// let files = client.list_files("/srv", Some("*.html"), false)?;
/// assert_eq!((files[0].name.as_str(), files[0].file_type.clone()), ("index.html", FileType::File));
/// assert_eq!(files[0].size, Some(11));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Its absolute path.
    pub path: String,
    /// Its base name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub file_type: FileType,
    /// Its size (regular files).
    #[serde(default)]
    pub size: Option<u64>,
    /// Its permission bits (Pebble sends them as an octal string).
    #[serde(with = "octal")]
    pub permissions: u32,
    /// When it was last modified.
    #[serde(rename = "last-modified", default)]
    pub last_modified: String,
    /// Its owner's id.
    #[serde(rename = "user-id", default)]
    pub user_id: Option<u32>,
    /// Its owner's name.
    #[serde(default)]
    pub user: Option<String>,
    /// Its group's id.
    #[serde(rename = "group-id", default)]
    pub group_id: Option<u32>,
    /// Its group's name.
    #[serde(default)]
    pub group: Option<String>,
}

impl FileInfo {
    /// Whether it is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type == FileType::Directory
    }
}

mod octal {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &u32, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{v:03o}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
        let s = String::deserialize(d)?;
        u32::from_str_radix(&s, 8)
            .map_err(|_| serde::de::Error::custom(format!("invalid permissions {s:?}")))
    }
}

/// A notice: something that happened, identified by type and key (`GET /v1/notices`).
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{NoticeType, NotifyOptions, NoticesFilter};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// client.notify(NoticeType::Custom, "example.com/reload", &NotifyOptions::default())?;
/// let notices = client.get_notices(&NoticesFilter::default())?;
/// assert_eq!(notices[0].key, "example.com/reload");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// Its id.
    pub id: String,
    /// The user it is visible to (`None`: public).
    #[serde(rename = "user-id", default)]
    pub user_id: Option<u32>,
    /// Its type.
    #[serde(rename = "type")]
    pub notice_type: NoticeType,
    /// Its key, e.g. `example.com/db-ready` for custom notices.
    pub key: String,
    /// When it first occurred.
    #[serde(rename = "first-occurred")]
    pub first_occurred: String,
    /// When it last occurred.
    #[serde(rename = "last-occurred")]
    pub last_occurred: String,
    /// When it was last repeated (occurred after its `repeat-after`).
    #[serde(rename = "last-repeated")]
    pub last_repeated: String,
    /// How many times it occurred.
    pub occurrences: u64,
    /// The data of its last occurrence.
    #[serde(rename = "last-data", default)]
    pub last_data: BTreeMap<String, String>,
    /// How long before an occurrence counts as a repeat.
    #[serde(
        rename = "repeat-after",
        default,
        with = "go_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub repeat_after: Option<Duration>,
    /// How long it is kept after its last occurrence.
    #[serde(
        rename = "expire-after",
        default,
        with = "go_duration",
        skip_serializing_if = "Option::is_none"
    )]
    pub expire_after: Option<Duration>,
}

mod go_duration {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(v: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_str(&super::super::duration::format(*d)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        Ok(s.and_then(|s| super::super::duration::parse(&s)))
    }
}

/// Which notices to list (`GET /v1/notices`): every field narrows the list.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{NoticeType, NotifyOptions, NoticesFilter};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// client.notify(NoticeType::Custom, "example.com/a", &NotifyOptions::default())?;
/// client.notify(NoticeType::Custom, "example.com/b", &NotifyOptions::default())?;
/// let filter = NoticesFilter { keys: vec!["example.com/b".into()], ..Default::default() };
/// assert_eq!(client.get_notices(&filter)?.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticesFilter {
    /// `Some("all")`: notices of every user (admin only).
    pub users: Option<String>,
    /// Only notices of this user (and public ones).
    pub user_id: Option<u32>,
    /// Only these types.
    pub types: Vec<NoticeType>,
    /// Only these keys.
    pub keys: Vec<String>,
    /// Only notices repeated after this time (RFC 3339).
    pub after: Option<String>,
}

/// What `POST /v1/notices` records.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{NoticeType, NotifyOptions, NoticesFilter};
/// use std::collections::BTreeMap;
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let options = NotifyOptions {
///     data: BTreeMap::from([("path".to_string(), "/etc/web.conf".to_string())]),
///     ..Default::default()
/// };
/// client.notify(NoticeType::Custom, "example.com/reload", &options)?;
/// let notice = &client.get_notices(&NoticesFilter::default())?[0];
/// assert_eq!(notice.last_data["path"], "/etc/web.conf");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotifyOptions {
    /// The data of this occurrence.
    pub data: BTreeMap<String, String>,
    /// Do not count this occurrence as a repeat if the last was less than this ago.
    pub repeat_after: Option<Duration>,
}
