//! A blocking client for [Pebble](https://github.com/canonical/pebble), the workload manager of
//! Kubernetes charms: the counterpart of Python ops' `ops.pebble`.
//!
//! A [`Client`] talks HTTP/1.1 to the Pebble socket of a workload container
//! (`/charm/containers/<name>/pebble.socket`); charms usually reach it through
//! [`Container`](crate::model::Container), which maps its errors into
//! [`ModelError`](crate::model::ModelError). Every call blocks the hook; nothing runs in the
//! background except the threads an [`ExecProcess`] uses to move its standard streams.
//!
//! ```no_run
//! use ops_core::pebble::{Client, Layer, Override, Service, ServiceStartup};
//!
//! let client = Client::new("/charm/containers/web/pebble.socket");
//! let mut layer = Layer::default();
//! layer.services.insert(
//!     "web".into(),
//!     Service {
//!         r#override: Override::Replace,
//!         command: "/usr/bin/webserver --port 8080".into(),
//!         startup: ServiceStartup::Enabled,
//!         ..Service::default()
//!     },
//! );
//! client.add_layer("web", &layer, true)?;
//! client.replan_services()?;
//! let output = client.exec(["cat", "/etc/hostname"]).output()?;
//! println!("{}", String::from_utf8_lossy(&output.stdout));
//! # Ok::<(), ops_core::pebble::Error>(())
//! ```
//!
//! Errors are typed as ops' exceptions: [`ApiError`] (Pebble said no), [`Error::Connection`]
//! (Pebble is not there), [`ChangeError`] (a change failed, with its task logs), [`ExecError`]
//! (a command exited non-zero, with its output), [`PathError`] (a file operation failed on a
//! path), [`Error::Timeout`] and [`Error::Protocol`].

macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident $(default $default:ident)? { $($(#[$vdoc:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)*
            /// A value this client does not know (kept as Pebble sent it).
            Other(String),
        }

        impl $name {
            /// The value as Pebble spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(s) => s,
                }
            }
        }

        $(
            impl Default for $name {
                fn default() -> Self {
                    $name::$default
                }
            }
        )?

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)*
                    other => $name::Other(other.to_string()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}

mod duration;
mod error;
mod exec;
mod files;
mod identities;
mod layer;
mod logs;
mod model;
mod multipart;
mod pyrepr;
mod transport;

pub use error::{ApiError, ChangeError, Error, ExecError, MultiPushPullError, PathError};
pub use exec::{Exec, ExecProcess, ExecReader, ExecStdin, Output};
pub use files::{MakeDirOptions, PushOptions};
pub use identities::{BasicIdentity, CertIdentity, Identity, IdentityAccess, LocalIdentity};
pub use layer::{Check, Layer, Override, Plan, RawMap, Service};
pub use logs::{LogCount, LogEntry, LogStream};
pub use model::{
    Change, ChangeId, ChangeState, CheckInfo, CheckLevel, CheckRefresh, CheckStartup, CheckStatus,
    FileInfo, FileType, Notice, NoticeType, NoticesFilter, NotifyOptions, ServiceInfo,
    ServiceStartup, ServiceStatus, SystemInfo, Task, TaskId, TaskProgress, Warning, WarningState,
};

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A `Result` with the client's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The socket timeout of a client (ops' `Client.timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long service actions wait for their change (ops' `timeout=30.0`).
pub const DEFAULT_CHANGE_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a change is polled when Pebble has no wait endpoint (ops' `delay=0.1`).
pub const DEFAULT_POLL_DELAY: Duration = Duration::from_millis(100);

/// The signal name of a Linux signal number (`15` → `SIGTERM`), for [`Client::send_signal`].
///
/// # Examples
///
/// ```
/// use ops_core::pebble::signal_name;
///
/// assert_eq!(signal_name(15), Some("SIGTERM"));
/// assert_eq!(signal_name(0), None);
/// // `client.send_signal(signal_name(1).unwrap_or("SIGHUP"), &["web"])?` reloads a service.
/// ```
pub fn signal_name(number: i32) -> Option<&'static str> {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    usize::try_from(number)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|i| NAMES.get(i).copied())
}

/// A service action of `POST /v1/services`.
///
/// # Examples
///
/// ```
/// use ops_core::pebble::{Layer, ServiceAction, DEFAULT_CHANGE_TIMEOUT};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// let client = pebble.client();
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// // `restart_services` is this with `ServiceAction::Restart`; `None` does not wait for the change.
/// let change = client.services_action(ServiceAction::Restart, &["web"], Some(DEFAULT_CHANGE_TIMEOUT))?;
/// assert!(client.get_change(&change)?.ready);
/// assert_eq!(ServiceAction::Restart.as_str(), "restart");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceAction {
    /// Start the `startup: enabled` services.
    Autostart,
    /// Restart services whose config changed, start the enabled ones.
    Replan,
    /// Start services.
    Start,
    /// Stop services.
    Stop,
    /// Restart services.
    Restart,
}

impl ServiceAction {
    /// The action as Pebble spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceAction::Autostart => "autostart",
            ServiceAction::Replan => "replan",
            ServiceAction::Start => "start",
            ServiceAction::Stop => "stop",
            ServiceAction::Restart => "restart",
        }
    }
}

/// A blocking Pebble client over a Unix socket.
///
/// Cheap to create and to clone; nothing is connected until a call is made, and every call opens
/// its own connection (as ops' client does).
///
/// # Examples
///
/// Against ops-testing's fake Pebble (the same API as Pebble v1.32 on a real socket):
///
/// ```
/// use ops_core::pebble::{Client, Layer};
/// # use ops_testing::pebble::FakePebble;
/// # let pebble = FakePebble::start()?;
/// // In a charm: `ctx.container::<containers::Web>()?.pebble()`; here, a fake Pebble's socket.
/// let client = Client::new(pebble.socket_path());
/// let layer = Layer::from_yaml(
///     "services:\n  web:\n    override: replace\n    command: /bin/web --port 8080\n    startup: enabled\n",
/// )?;
/// client.add_layer("web", &layer, true)?;
/// client.replan_services()?;
/// let services = client.get_services(&["web"])?;
/// assert_eq!(services[0].name, "web");
/// assert!(services[0].is_running());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    socket_path: PathBuf,
    timeout: Duration,
    agent: ureq::Agent,
}

/// A decoded answer: `{"type": "sync"|"async", "status-code", "result", "change"?}`.
pub(crate) struct Answer {
    pub(crate) body: Value,
}

impl Answer {
    pub(crate) fn result<T: DeserializeOwned>(self) -> Result<T> {
        let result = self.body.get("result").cloned().unwrap_or(Value::Null);
        serde_json::from_value(result)
            .map_err(|e| Error::Protocol(format!("unexpected result from Pebble: {e}")))
    }

    pub(crate) fn change(&self) -> Result<ChangeId> {
        self.body
            .get("change")
            .and_then(|c| c.as_str())
            .map(ChangeId::from)
            .ok_or_else(|| Error::Protocol("Pebble did not answer with a change id".into()))
    }
}

fn strings<S: AsRef<str>>(items: &[S]) -> Vec<String> {
    items.iter().map(|s| s.as_ref().to_string()).collect()
}

impl Client {
    /// A client of the Pebble listening at `socket_path`, with the default socket timeout.
    pub fn new(socket_path: impl Into<PathBuf>) -> Client {
        Client::with_timeout(socket_path, DEFAULT_TIMEOUT)
    }

    /// A client whose socket operations time out after `timeout`.
    pub fn with_timeout(socket_path: impl Into<PathBuf>, timeout: Duration) -> Client {
        let socket_path = socket_path.into();
        let agent = transport::agent(&socket_path, timeout);
        Client {
            socket_path,
            timeout,
            agent,
        }
    }

    /// The socket's path.
    pub fn socket_path(&self) -> &Path {
        &self.socket_path
    }

    /// The socket timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    /// Send a request with an optional JSON body and decode the JSON answer: a non-2xx answer is
    /// an [`ApiError`], anything but `application/json` a protocol error.
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Answer> {
        let builder = ureq::http::Request::builder()
            .method(method)
            .uri(transport::url(path, query))
            .header("Accept", "application/json");
        let result = match body {
            Some(body) => {
                let data = serde_json::to_vec(body)
                    .map_err(|e| Error::Invalid(format!("request does not encode: {e}")))?;
                let req = builder
                    .header("Content-Type", "application/json")
                    .body(data)
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                self.agent.run(req)
            }
            None => {
                let req = builder
                    .body(())
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                self.agent.run(req)
            }
        };
        let resp = result.map_err(transport::map_error)?;
        Self::decode(resp)
    }

    pub(crate) fn decode(mut resp: ureq::http::Response<ureq::Body>) -> Result<Answer> {
        if !resp.status().is_success() {
            return Err(transport::api_error(resp));
        }
        let ctype = transport::media_type(&resp);
        if ctype != "application/json" {
            return Err(Error::Protocol(format!(
                "expected Content-Type 'application/json', got '{ctype}'"
            )));
        }
        let raw = transport::read_body(&mut resp)?;
        let body: Value = serde_json::from_slice(&raw)
            .map_err(|e| Error::Protocol(format!("invalid JSON from Pebble: {e}")))?;
        Ok(Answer { body })
    }

    fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T> {
        self.request("GET", path, query, None)?.result()
    }

    /// Pebble's version (`GET /v1/system-info`).
    pub fn get_system_info(&self) -> Result<SystemInfo> {
        self.get("/v1/system-info", &[])
    }

    /// The warnings (`GET /v1/warnings`); Pebble v1.32 removed the endpoint (a 404 [`ApiError`]).
    pub fn get_warnings(&self, select: WarningState) -> Result<Vec<Warning>> {
        let list: Option<Vec<Warning>> =
            self.get("/v1/warnings", &[("select", select.as_str().to_string())])?;
        Ok(list.unwrap_or_default())
    }

    /// Acknowledge the warnings up to `timestamp` (RFC 3339); how many were acknowledged.
    pub fn ack_warnings(&self, timestamp: &str) -> Result<u64> {
        self.request(
            "POST",
            "/v1/warnings",
            &[],
            Some(&json!({"action": "okay", "timestamp": timestamp})),
        )?
        .result()
    }

    /// The changes (`GET /v1/changes`), optionally only those of one service.
    pub fn get_changes(&self, select: ChangeState, service: Option<&str>) -> Result<Vec<Change>> {
        let mut query = vec![("select", select.as_str().to_string())];
        if let Some(s) = service {
            query.push(("for", s.to_string()));
        }
        let list: Option<Vec<Change>> = self.get("/v1/changes", &query)?;
        Ok(list.unwrap_or_default())
    }

    /// One change (`GET /v1/changes/{id}`).
    pub fn get_change(&self, id: &ChangeId) -> Result<Change> {
        self.get(&format!("/v1/changes/{id}"), &[])
    }

    /// Abort a change (`POST /v1/changes/{id}`).
    pub fn abort_change(&self, id: &ChangeId) -> Result<Change> {
        self.request(
            "POST",
            &format!("/v1/changes/{id}"),
            &[],
            Some(&json!({"action": "abort"})),
        )?
        .result()
    }

    /// Start the `startup: enabled` services and wait for the change (30 s).
    pub fn autostart_services(&self) -> Result<ChangeId> {
        self.services_action(
            ServiceAction::Autostart,
            &[] as &[&str],
            Some(DEFAULT_CHANGE_TIMEOUT),
        )
    }

    /// Replan: restart the services whose config changed, start the enabled ones; wait (30 s).
    pub fn replan_services(&self) -> Result<ChangeId> {
        self.services_action(
            ServiceAction::Replan,
            &[] as &[&str],
            Some(DEFAULT_CHANGE_TIMEOUT),
        )
    }

    /// Start services and wait for the change (30 s).
    pub fn start_services<S: AsRef<str>>(&self, services: &[S]) -> Result<ChangeId> {
        self.services_action(ServiceAction::Start, services, Some(DEFAULT_CHANGE_TIMEOUT))
    }

    /// Stop services and wait for the change (30 s).
    pub fn stop_services<S: AsRef<str>>(&self, services: &[S]) -> Result<ChangeId> {
        self.services_action(ServiceAction::Stop, services, Some(DEFAULT_CHANGE_TIMEOUT))
    }

    /// Restart services and wait for the change (30 s).
    pub fn restart_services<S: AsRef<str>>(&self, services: &[S]) -> Result<ChangeId> {
        self.services_action(
            ServiceAction::Restart,
            services,
            Some(DEFAULT_CHANGE_TIMEOUT),
        )
    }

    /// `POST /v1/services` with `action`. With a `wait`, waits that long for the change and
    /// fails with [`ChangeError`] if it failed; without, returns at once (ops' `timeout=0`).
    pub fn services_action<S: AsRef<str>>(
        &self,
        action: ServiceAction,
        services: &[S],
        wait: Option<Duration>,
    ) -> Result<ChangeId> {
        let body = json!({"action": action.as_str(), "services": strings(services)});
        let answer = self.request("POST", "/v1/services", &[], Some(&body))?;
        let id = answer.change()?;
        if let Some(timeout) = wait.filter(|t| !t.is_zero()) {
            let change = self.wait_change(&id, Some(timeout), DEFAULT_POLL_DELAY)?;
            if let Some(err) = change.err.clone() {
                return Err(ChangeError { err, change }.into());
            }
        }
        Ok(id)
    }

    /// Wait for a change to be ready: `GET /v1/changes/{id}/wait` in slices of at most the socket
    /// timeout less a second; on a 404 (an old Pebble without the endpoint), poll
    /// `GET /v1/changes/{id}` every `delay`. `None`: no deadline.
    pub fn wait_change(
        &self,
        id: &ChangeId,
        timeout: Option<Duration>,
        delay: Duration,
    ) -> Result<Change> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let slice = self
            .timeout
            .saturating_sub(Duration::from_secs(1))
            .max(Duration::from_secs(1));
        loop {
            let mut this = slice;
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                this = this.min(left);
            }
            let query = [("timeout", duration::format(this))];
            match self.get::<Change>(&format!("/v1/changes/{id}/wait"), &query) {
                Ok(change) => return Ok(change),
                Err(Error::Api(e)) if e.code == 404 => {
                    return self.poll_change(id, deadline, timeout, delay)
                }
                Err(Error::Api(e)) if e.code == 504 => continue,
                Err(e) => return Err(e),
            }
        }
        Err(timed_out(id, timeout))
    }

    fn poll_change(
        &self,
        id: &ChangeId,
        deadline: Option<Instant>,
        timeout: Option<Duration>,
        delay: Duration,
    ) -> Result<Change> {
        while deadline.is_none_or(|d| Instant::now() < d) {
            let change = self.get_change(id)?;
            if change.ready {
                return Ok(change);
            }
            std::thread::sleep(delay);
        }
        Err(timed_out(id, timeout))
    }

    /// Add a layer (`POST /v1/layers`); with `combine`, a layer with the same label is combined
    /// with it instead of refused.
    pub fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
        self.add_layer_yaml(label, &layer.to_yaml(), combine)
    }

    /// Add a layer given as YAML text.
    pub fn add_layer_yaml(&self, label: &str, yaml: &str, combine: bool) -> Result<()> {
        let body = json!({
            "action": "add",
            "combine": combine,
            "label": label,
            "format": "yaml",
            "layer": yaml,
        });
        self.request("POST", "/v1/layers", &[], Some(&body))?;
        Ok(())
    }

    /// The plan: every layer combined (`GET /v1/plan?format=yaml`).
    pub fn get_plan(&self) -> Result<Plan> {
        let yaml: String = self.get("/v1/plan", &[("format", "yaml".to_string())])?;
        Plan::from_yaml(&yaml)
    }

    /// The state of the named services, or of all when `names` is empty (`GET /v1/services`).
    pub fn get_services<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<ServiceInfo>> {
        let mut query = Vec::new();
        if !names.is_empty() {
            query.push(("names", strings(names).join(",")));
        }
        let list: Option<Vec<ServiceInfo>> = self.get("/v1/services", &query)?;
        Ok(list.unwrap_or_default())
    }

    /// Send a signal (`SIGHUP`, or a name from [`signal_name`]) to services
    /// (`POST /v1/signals`).
    pub fn send_signal<S: AsRef<str>>(&self, signal: &str, services: &[S]) -> Result<()> {
        let body = json!({"signal": signal, "services": strings(services)});
        self.request("POST", "/v1/signals", &[], Some(&body))?;
        Ok(())
    }

    /// The health checks, optionally of one level and only the named ones (`GET /v1/checks`).
    pub fn get_checks<S: AsRef<str>>(
        &self,
        level: Option<CheckLevel>,
        names: &[S],
    ) -> Result<Vec<CheckInfo>> {
        let mut query = Vec::new();
        if let Some(level) = level.filter(|l| *l != CheckLevel::Unset) {
            query.push(("level", level.as_str().to_string()));
        }
        for name in names {
            query.push(("names", name.as_ref().to_string()));
        }
        let list: Option<Vec<CheckInfo>> = self.get("/v1/checks", &query)?;
        Ok(list.unwrap_or_default())
    }

    fn checks_action<S: AsRef<str>>(&self, action: &str, names: &[S]) -> Result<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct Changed {
            #[serde(default)]
            changed: Option<Vec<String>>,
        }
        let body = json!({"action": action, "checks": strings(names)});
        let changed: Changed = self
            .request("POST", "/v1/checks", &[], Some(&body))?
            .result()?;
        Ok(changed.changed.unwrap_or_default())
    }

    /// Whether the checks of `level` (`Ready` includes the `alive` ones; `None`: all) and, if
    /// given, of these names are healthy: none is `down` (`GET /v1/health`, whose 502 answer
    /// is `false` here).
    pub fn get_health<S: AsRef<str>>(
        &self,
        level: Option<CheckLevel>,
        names: &[S],
    ) -> Result<bool> {
        #[derive(serde::Deserialize)]
        struct Health {
            healthy: bool,
        }
        let mut query = Vec::new();
        if let Some(level) = level.filter(|l| *l != CheckLevel::Unset) {
            query.push(("level", level.as_str().to_string()));
        }
        if !names.is_empty() {
            query.push(("names", strings(names).join(",")));
        }
        match self.request("GET", "/v1/health", &query, None) {
            Ok(answer) => Ok(answer.result::<Health>()?.healthy),
            Err(Error::Api(e))
                if e.code == 502
                    && e.body.pointer("/result/healthy") == Some(&Value::Bool(false)) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// Run a check now, whatever its period (`POST /v1/checks/refresh`): its state, and the
    /// error of this run when it failed.
    pub fn refresh_check(&self, name: &str) -> Result<CheckRefresh> {
        self.request(
            "POST",
            "/v1/checks/refresh",
            &[],
            Some(&json!({"name": name})),
        )?
        .result()
    }

    /// Start checks (`POST /v1/checks`, `start`); the names of those that changed.
    pub fn start_checks<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<String>> {
        self.checks_action("start", names)
    }

    /// Stop checks (`POST /v1/checks`, `stop`); the names of those that changed.
    pub fn stop_checks<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<String>> {
        self.checks_action("stop", names)
    }

    /// The notices that pass `filter` (`GET /v1/notices`).
    pub fn get_notices(&self, filter: &NoticesFilter) -> Result<Vec<Notice>> {
        let list: Option<Vec<Notice>> = self.get("/v1/notices", &notices_query(filter))?;
        Ok(list.unwrap_or_default())
    }

    /// Wait up to `timeout` for notices that pass `filter` (usually with `after` set to the
    /// last one seen): Pebble answers as soon as there are some, an empty list when the time is
    /// up. Long waits are made of requests of at most the socket timeout less a second.
    pub fn wait_notices(&self, filter: &NoticesFilter, timeout: Duration) -> Result<Vec<Notice>> {
        let deadline = Instant::now() + timeout;
        let slice = self
            .timeout
            .saturating_sub(Duration::from_secs(1))
            .max(Duration::from_secs(1));
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Vec::new());
            }
            let mut query = notices_query(filter);
            query.push(("timeout", duration::format(left.min(slice))));
            let list: Option<Vec<Notice>> = self.get("/v1/notices", &query)?;
            let list = list.unwrap_or_default();
            if !list.is_empty() {
                return Ok(list);
            }
        }
    }

    /// One notice (`GET /v1/notices/{id}`).
    pub fn get_notice(&self, id: &str) -> Result<Notice> {
        if id.is_empty()
            || !id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(Error::Invalid(format!("invalid notice ID {id:?}")));
        }
        self.get(&format!("/v1/notices/{id}"), &[])
    }

    /// Record an occurrence of a notice (`POST /v1/notices`); its id. Only `custom` notices,
    /// with keys like `example.com/path`, can be added.
    pub fn notify(
        &self,
        notice_type: NoticeType,
        key: &str,
        options: &NotifyOptions,
    ) -> Result<String> {
        #[derive(serde::Deserialize)]
        struct Id {
            id: String,
        }
        let mut body = json!({"action": "add", "type": notice_type.as_str(), "key": key});
        if !options.data.is_empty() {
            body["data"] = json!(options.data);
        }
        if let Some(d) = options.repeat_after {
            body["repeat-after"] = json!(duration::format(d));
        }
        let id: Id = self
            .request("POST", "/v1/notices", &[], Some(&body))?
            .result()?;
        Ok(id.id)
    }
}

fn notices_query(filter: &NoticesFilter) -> Vec<(&'static str, String)> {
    let mut query = Vec::new();
    if let Some(users) = &filter.users {
        query.push(("users", users.clone()));
    }
    if let Some(uid) = filter.user_id {
        query.push(("user-id", uid.to_string()));
    }
    for t in &filter.types {
        query.push(("types", t.as_str().to_string()));
    }
    for k in &filter.keys {
        query.push(("keys", k.clone()));
    }
    if let Some(after) = &filter.after {
        query.push(("after", after.clone()));
    }
    query
}

fn timed_out(id: &ChangeId, timeout: Option<Duration>) -> Error {
    Error::Timeout(format!(
        "timed out waiting for change {id} ({} seconds)",
        timeout.map(|t| t.as_secs_f64()).unwrap_or(0.0)
    ))
}

impl From<ChangeError> for Error {
    fn from(e: ChangeError) -> Self {
        Error::Change(Box::new(e))
    }
}

impl From<ExecError> for Error {
    fn from(e: ExecError) -> Self {
        Error::Exec(Box::new(e))
    }
}
