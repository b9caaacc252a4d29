//! Units and applications.

use super::{Model, ModelError, OpenedPort, Secret, SecretContent, SecretOptions, Status};
use crate::pebble;
use std::collections::BTreeMap;

/// A unit: this one, or a remote one seen through a relation.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Event, State};
/// # #[derive(Default, StoredState)]
/// # struct Tiny;
/// #[charm(dir = "tests/fixtures/tiny")]
/// impl Tiny {
///     #[on(start)]
///     fn start(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         let unit = ctx.unit();
///         unit.set_workload_version("1.2.3")?;
///         unit.open_port("tcp", Some(8080))?;
///         unit.set_status(Status::active(format!("{} serving", unit.name())))?;
///         Ok(())
///     }
/// }
///
/// let out = ops_testing::Context::<Tiny>::new().run(Event::start(), &State::default())?;
/// assert_eq!(out.workload_version(), "1.2.3");
/// assert_eq!(out.opened_ports().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Unit {
    model: Model,
    name: String,
}

impl std::fmt::Debug for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Unit {}>", self.name)
    }
}

impl PartialEq for Unit {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Unit {}

impl std::hash::Hash for Unit {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state)
    }
}

impl Unit {
    pub(crate) fn new(model: Model, name: String) -> Self {
        Unit { model, name }
    }

    pub(super) fn model_handle(&self) -> &Model {
        &self.model
    }

    /// The unit's name, e.g. `db/0`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The unit's application.
    pub fn app(&self) -> super::App {
        let app = self
            .name
            .split_once('/')
            .map(|(a, _)| a)
            .unwrap_or(&self.name);
        self.model.get_app(app)
    }

    /// Whether this is the unit the hook runs for.
    pub fn is_ours(&self) -> bool {
        self.name == self.model.inner().unit_name
    }

    fn ours(&self, what: &str) -> Result<(), ModelError> {
        if self.is_ours() {
            Ok(())
        } else {
            Err(ModelError::Invalid(format!(
                "cannot {what} of remote unit {}",
                self.name
            )))
        }
    }

    /// Whether this unit is the leader (`is-leader`, cached for 30 s as in ops).
    pub fn is_leader(&self) -> Result<bool, ModelError> {
        self.ours("determine leadership")?;
        Ok(self.model.backend().is_leader()?)
    }

    /// The unit's status (`status-get`, cached; a remote unit's status is unknown).
    pub fn status(&self) -> Result<Status, ModelError> {
        if !self.is_ours() {
            return Ok(Status::Unknown);
        }
        if let Some(s) = self.model.inner().unit_status.borrow().as_ref() {
            return Ok(s.clone());
        }
        let s = Status::from_info(&self.model.backend().status_get(false)?);
        *self.model.inner().unit_status.borrow_mut() = Some(s.clone());
        Ok(s)
    }

    /// Set the unit's status (`status-set`).
    pub fn set_status(&self, status: Status) -> Result<(), ModelError> {
        self.ours("set the status")?;
        self.model
            .backend()
            .status_set(status.name(), status.message(), false)?;
        *self.model.inner().unit_status.borrow_mut() = Some(status);
        Ok(())
    }

    /// Reboot the machine (`juju-reboot`; ops 3: `Unit.reboot`): after this hook succeeds, or with
    /// `now` at once (`juju-reboot --now`). Not on Kubernetes, not in actions (Juju refuses).
    ///
    /// With `now`, Juju kills the hook and runs it again after the reboot; as ops guarantees no
    /// charm code runs after it (it raises `SystemExit`), this returns
    /// [`ModelError::RebootNow`] once the reboot is requested: propagate it with `?` and the
    /// dispatcher ends the hook there, with nothing more run and nothing committed, exit status 0.
    pub fn reboot(&self, now: bool) -> Result<(), ModelError> {
        if !self.is_ours() {
            return Err(ModelError::Invalid(format!(
                "cannot reboot a remote unit {}",
                self.name
            )));
        }
        log::warn!(
            "Rebooting unit {:?} in model {:?}",
            self.name,
            self.model.name().unwrap_or("")
        );
        self.model.backend().juju_reboot(now)?;
        if now {
            return Err(ModelError::RebootNow);
        }
        Ok(())
    }

    /// Set the workload version shown by `juju status` (`application-version-set`).
    pub fn set_workload_version(&self, version: &str) -> Result<(), ModelError> {
        self.ours("set the workload version")?;
        Ok(self.model.backend().application_version_set(version)?)
    }

    /// Open a port (`open-port`): `protocol` is `tcp`, `udp` or `icmp` (no port).
    pub fn open_port(&self, protocol: &str, port: Option<u16>) -> Result<(), ModelError> {
        self.ours("open ports")?;
        Ok(self
            .model
            .backend()
            .open_port(&protocol.to_ascii_lowercase(), port)?)
    }

    /// Close a port (`close-port`).
    pub fn close_port(&self, protocol: &str, port: Option<u16>) -> Result<(), ModelError> {
        self.ours("close ports")?;
        Ok(self
            .model
            .backend()
            .close_port(&protocol.to_ascii_lowercase(), port)?)
    }

    /// The ports this unit has opened (`opened-ports`).
    pub fn opened_ports(&self) -> Result<Vec<OpenedPort>, ModelError> {
        self.ours("list the opened ports")?;
        Ok(self.model.backend().opened_ports()?)
    }

    /// Create a secret owned by this unit (`secret-add --owner unit`).
    pub fn add_secret(
        &self,
        content: &SecretContent,
        options: &SecretOptions,
    ) -> Result<Secret, ModelError> {
        self.ours("add a secret")?;
        super::secret::add_secret(&self.model, content, options, super::SecretOwner::Unit)
    }

    /// Every workload container of the charm's metadata, by name (ops' `Unit.containers`; no
    /// hook tool is called, no Pebble is contacted).
    pub fn containers(&self) -> Result<BTreeMap<String, Container>, ModelError> {
        self.ours("get the containers")?;
        self.model
            .meta()
            .containers
            .iter()
            .map(|c| Ok((c.name.to_string(), self.container(&c.name)?)))
            .collect()
    }

    /// The workload container `name` (Kubernetes charms).
    pub fn container(&self, name: &str) -> Result<Container, ModelError> {
        self.ours("get the containers")?;
        if self.model.meta().container(name).is_none() {
            return Err(ModelError::NotFound(format!(
                "container '{name}' not found"
            )));
        }
        let dir = match &self.model.inner().containers_dir {
            Some(dir) => dir.clone(),
            None => Container::socket_dir(),
        };
        Ok(Container::new(name, dir.join(name).join("pebble.socket")))
    }
}

/// An application: this unit's, or a remote one.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Event, State};
/// # #[derive(Default, StoredState)]
/// # struct Tiny;
/// #[charm(dir = "tests/fixtures/tiny")]
/// impl Tiny {
///     #[on(leader_elected)]
///     fn lead(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         // Only the leader may set the application's status.
///         if ctx.unit().is_leader()? {
///             ctx.app().set_status(Status::active(format!("{} led", ctx.app().name())))?;
///         }
///         Ok(())
///     }
/// }
///
/// let out = ops_testing::Context::<Tiny>::new()
///     .run(Event::leader_elected(), &State::default().with_leader(true))?;
/// assert!(matches!(out.app_status(), Status::Active(m) if m.ends_with(" led")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct App {
    model: Model,
    name: String,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<App {}>", self.name)
    }
}

impl PartialEq for App {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for App {}

impl App {
    pub(crate) fn new(model: Model, name: String) -> Self {
        App { model, name }
    }

    /// The application's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is the application of the unit the hook runs for.
    pub fn is_ours(&self) -> bool {
        self.name == self.model.inner().app_name
    }

    fn leader_only(&self, what: &str) -> Result<(), ModelError> {
        if !self.is_ours() {
            return Err(ModelError::Invalid(format!(
                "cannot {what} of remote application {}",
                self.name
            )));
        }
        if !self.model.unit().is_leader()? {
            return Err(ModelError::Invalid(format!(
                "cannot {what} as a non-leader unit"
            )));
        }
        Ok(())
    }

    /// The application's status (leader only; a remote application's status is unknown).
    pub fn status(&self) -> Result<Status, ModelError> {
        if !self.is_ours() {
            return Ok(Status::Unknown);
        }
        if let Some(s) = self.model.inner().app_status.borrow().as_ref() {
            return Ok(s.clone());
        }
        self.leader_only("get application status")?;
        let s = Status::from_info(&self.model.backend().status_get(true)?);
        *self.model.inner().app_status.borrow_mut() = Some(s.clone());
        Ok(s)
    }

    /// Set the application's status (leader only).
    pub fn set_status(&self, status: Status) -> Result<(), ModelError> {
        self.leader_only("set application status")?;
        self.model
            .backend()
            .status_set(status.name(), status.message(), true)?;
        *self.model.inner().app_status.borrow_mut() = Some(status);
        Ok(())
    }

    /// How many units Juju plans for this application (`goal-state`).
    pub fn planned_units(&self) -> Result<usize, ModelError> {
        if !self.is_ours() {
            return Err(ModelError::Invalid(format!(
                "cannot get planned units for a remote application {}",
                self.name
            )));
        }
        Ok(self.model.backend().planned_units()?)
    }

    /// Create a secret owned by the application (leader only; `secret-add --owner application`).
    pub fn add_secret(
        &self,
        content: &SecretContent,
        options: &SecretOptions,
    ) -> Result<Secret, ModelError> {
        if !self.is_ours() {
            return Err(ModelError::Invalid(format!(
                "cannot add a secret to remote application {}",
                self.name
            )));
        }
        super::secret::add_secret(
            &self.model,
            content,
            options,
            super::SecretOwner::Application,
        )
    }
}

/// A workload container of a Kubernetes charm, reached through its Pebble socket
/// (`/charm/containers/<name>/pebble.socket`): ops' `Container`.
///
/// Nothing is connected until a method is called; each call is one request to Pebble. Failures
/// are [`ModelError::Pebble`] (ops raises the `pebble` exceptions themselves); ask
/// [`can_connect`](Container::can_connect) first when Pebble may not be up yet.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Event, State};
/// # #[derive(Default, StoredState)]
/// # struct K8s;
/// use ops_core::pebble::{Layer, PushOptions};
///
/// #[charm(dir = "tests/fixtures/k8s")]
/// impl K8s {
///     #[on(web_pebble_ready)]
///     fn ready(&mut self, ctx: &mut Context<Self>, _event: &PebbleReadyEvent) -> ops_core::Result<()> {
///         let web = ctx.container::<containers::Web>()?;
///         let options = PushOptions { make_dirs: true, ..Default::default() };
///         web.push("/etc/web.conf", "port = 8080\n".as_bytes(), &options)?;
///         let layer: Layer = serde_json::from_value(serde_json::json!({
///             "services": {"web": {"override": "replace", "command": "/bin/web", "startup": "enabled"}}
///         }))?;
///         web.add_layer("web", &layer, true)?;
///         web.replan()?;
///         Ok(())
///     }
/// }
///
/// let web = ops_testing::Container::of::<containers::Web>();
/// let state = State::default().with_container(web.clone());
/// let out = ops_testing::Context::<K8s>::new().run(Event::pebble_ready(&web), &state)?;
/// let web = out.container("web").expect("still there");
/// assert_eq!(web.file_text("/etc/web.conf"), Some("port = 8080\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Container {
    name: String,
    socket_path: std::path::PathBuf,
    client: std::cell::OnceCell<pebble::Client>,
}

impl std::fmt::Debug for Container {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Container {}>", self.name)
    }
}

impl PartialEq for Container {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.socket_path == other.socket_path
    }
}

impl Eq for Container {}

fn no_names(what: &str) -> ModelError {
    ModelError::Invalid(format!("{what} expected at least 1 argument, got 0"))
}

impl Container {
    /// The environment variable that moves the containers' sockets out of `/charm/containers`
    /// (for tests and local runs): `$OPS_PEBBLE_CONTAINERS_DIR/<name>/pebble.socket`.
    pub const SOCKET_DIR_ENV: &'static str = "OPS_PEBBLE_CONTAINERS_DIR";

    /// A container whose Pebble listens at `socket_path` (a test can point it at a fake).
    pub fn new(name: &str, socket_path: impl Into<std::path::PathBuf>) -> Container {
        Container {
            name: name.to_string(),
            socket_path: socket_path.into(),
            client: std::cell::OnceCell::new(),
        }
    }

    /// Where the containers' sockets are: `$OPS_PEBBLE_CONTAINERS_DIR`, else `/charm/containers`.
    /// (A hook's containers use the variable of the hook's environment map,
    /// [`JujuContext::pebble_containers_dir`](crate::env::JujuContext::pebble_containers_dir),
    /// which is this one in production.)
    pub fn socket_dir() -> std::path::PathBuf {
        std::env::var_os(Self::SOCKET_DIR_ENV)
            .filter(|d| !d.is_empty())
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from("/charm/containers"))
    }

    /// The container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where its Pebble listens: `/charm/containers/<name>/pebble.socket`.
    pub fn socket_path(&self) -> std::path::PathBuf {
        self.socket_path.clone()
    }

    /// The Pebble client (created on first use).
    pub fn pebble(&self) -> &pebble::Client {
        self.client
            .get_or_init(|| pebble::Client::new(self.socket_path.clone()))
    }

    /// Whether Pebble answers (`GET /v1/system-info`); any failure is logged at DEBUG and
    /// reads as `false`.
    pub fn can_connect(&self) -> bool {
        match self.pebble().get_system_info() {
            Ok(_) => true,
            Err(e) => {
                log::debug!(target: "ops_core", "Pebble API is not ready; {e}");
                false
            }
        }
    }

    /// Start the `startup: enabled` services.
    pub fn autostart(&self) -> Result<(), ModelError> {
        self.pebble().autostart_services()?;
        Ok(())
    }

    /// Replan: restart services whose config changed, start the enabled ones.
    pub fn replan(&self) -> Result<(), ModelError> {
        self.pebble().replan_services()?;
        Ok(())
    }

    /// Start services (at least one).
    pub fn start(&self, services: &[&str]) -> Result<(), ModelError> {
        if services.is_empty() {
            return Err(no_names("start"));
        }
        self.pebble().start_services(services)?;
        Ok(())
    }

    /// Stop services (at least one).
    pub fn stop(&self, services: &[&str]) -> Result<(), ModelError> {
        if services.is_empty() {
            return Err(no_names("stop"));
        }
        self.pebble().stop_services(services)?;
        Ok(())
    }

    /// Restart services (at least one). As ops: on a 400 (an old Pebble without `restart`),
    /// stop the running ones, then start them all.
    pub fn restart(&self, services: &[&str]) -> Result<(), ModelError> {
        if services.is_empty() {
            return Err(no_names("restart"));
        }
        match self.pebble().restart_services(services) {
            Ok(_) => Ok(()),
            Err(pebble::Error::Api(e)) if e.code == 400 => {
                let running: Vec<String> = self
                    .get_services(services)?
                    .into_values()
                    .filter(pebble::ServiceInfo::is_running)
                    .map(|s| s.name)
                    .collect();
                if !running.is_empty() {
                    self.pebble().stop_services(&running)?;
                }
                self.pebble().start_services(services)?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Add a layer; with `combine`, merge it into the layer of the same label.
    pub fn add_layer(
        &self,
        label: &str,
        layer: &pebble::Layer,
        combine: bool,
    ) -> Result<(), ModelError> {
        Ok(self.pebble().add_layer(label, layer, combine)?)
    }

    /// The plan: every layer combined.
    pub fn get_plan(&self) -> Result<pebble::Plan, ModelError> {
        Ok(self.pebble().get_plan()?)
    }

    /// The named services (all when `names` is empty), by name.
    pub fn get_services(
        &self,
        names: &[&str],
    ) -> Result<BTreeMap<String, pebble::ServiceInfo>, ModelError> {
        Ok(self
            .pebble()
            .get_services(names)?
            .into_iter()
            .map(|s| (s.name.clone(), s))
            .collect())
    }

    /// One service (`service 'x' not found` if the plan has none).
    pub fn get_service(&self, name: &str) -> Result<pebble::ServiceInfo, ModelError> {
        let mut services = self.get_services(&[name])?;
        if services.len() > 1 {
            return Err(ModelError::Invalid(format!(
                "expected 1 service, got {}",
                services.len()
            )));
        }
        services
            .remove(name)
            .ok_or_else(|| ModelError::NotFound(format!("service '{name}' not found")))
    }

    /// The health checks, optionally of one level and only the named ones, by name.
    pub fn get_checks(
        &self,
        level: Option<pebble::CheckLevel>,
        names: &[&str],
    ) -> Result<BTreeMap<String, pebble::CheckInfo>, ModelError> {
        Ok(self
            .pebble()
            .get_checks(level, names)?
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect())
    }

    /// One health check (`check 'x' not found` if the plan has none).
    pub fn get_check(&self, name: &str) -> Result<pebble::CheckInfo, ModelError> {
        let mut checks = self.get_checks(None, &[name])?;
        if checks.len() > 1 {
            return Err(ModelError::Invalid(format!(
                "expected 1 check, got {}",
                checks.len()
            )));
        }
        checks
            .remove(name)
            .ok_or_else(|| ModelError::NotFound(format!("check '{name}' not found")))
    }

    /// Start health checks; the names of those that changed.
    pub fn start_checks(&self, names: &[&str]) -> Result<Vec<String>, ModelError> {
        Ok(self.pebble().start_checks(names)?)
    }

    /// Stop health checks; the names of those that changed.
    pub fn stop_checks(&self, names: &[&str]) -> Result<Vec<String>, ModelError> {
        Ok(self.pebble().stop_checks(names)?)
    }

    /// The content of a file of the workload.
    pub fn pull(&self, path: &str) -> Result<Vec<u8>, ModelError> {
        Ok(self.pebble().pull(path)?)
    }

    /// The content of a file of the workload, as UTF-8 text.
    pub fn pull_text(&self, path: &str) -> Result<String, ModelError> {
        Ok(self.pebble().pull_text(path)?)
    }

    /// Write a file of the workload from `source` (`&[u8]`, a `&str`'s bytes, a `File`...).
    pub fn push(
        &self,
        path: &str,
        source: impl std::io::Read,
        options: &pebble::PushOptions,
    ) -> Result<(), ModelError> {
        Ok(self.pebble().push(path, source, options)?)
    }

    /// The entries of a directory (or the path itself, when a file or with `itself`), only
    /// names matching `pattern`.
    pub fn list_files(
        &self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<pebble::FileInfo>, ModelError> {
        Ok(self.pebble().list_files(path, pattern, itself)?)
    }

    /// Whether a path exists in the workload.
    pub fn exists(&self, path: &str) -> Result<bool, ModelError> {
        Ok(self.pebble().exists(path)?)
    }

    /// Whether a path is a directory in the workload.
    pub fn isdir(&self, path: &str) -> Result<bool, ModelError> {
        Ok(self.pebble().isdir(path)?)
    }

    /// Create a directory.
    pub fn make_dir(&self, path: &str, options: &pebble::MakeDirOptions) -> Result<(), ModelError> {
        Ok(self.pebble().make_dir(path, options)?)
    }

    /// Remove a file or empty directory; with `recursive`, a whole tree.
    pub fn remove_path(&self, path: &str, recursive: bool) -> Result<(), ModelError> {
        Ok(self.pebble().remove_path(path, recursive)?)
    }

    /// Push local files and directories recursively into `dest_dir`
    /// ([`pebble::Client::push_path`]).
    pub fn push_path<P: AsRef<std::path::Path>>(
        &self,
        sources: &[P],
        dest_dir: &str,
    ) -> Result<(), ModelError> {
        Ok(self.pebble().push_path(sources, dest_dir)?)
    }

    /// Pull workload files and directories recursively into the local `dest_dir`
    /// ([`pebble::Client::pull_path`]).
    pub fn pull_path(
        &self,
        sources: &[&str],
        dest_dir: impl AsRef<std::path::Path>,
    ) -> Result<(), ModelError> {
        Ok(self.pebble().pull_path(sources, dest_dir)?)
    }

    /// A command to run in the workload: set its options, then `spawn()`, `output()` or
    /// `run()` it (errors are [`pebble::Error`]s, [`pebble::ExecError`] for a non-zero exit).
    pub fn exec<I, S>(&self, command: I) -> pebble::Exec
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.pebble().exec(command)
    }

    /// Send a signal (e.g. `SIGHUP`) to services (at least one).
    pub fn send_signal(&self, signal: &str, services: &[&str]) -> Result<(), ModelError> {
        if services.is_empty() {
            return Err(no_names("send_signal"));
        }
        Ok(self.pebble().send_signal(signal, services)?)
    }

    /// The notices that pass `filter`.
    pub fn get_notices(
        &self,
        filter: &pebble::NoticesFilter,
    ) -> Result<Vec<pebble::Notice>, ModelError> {
        Ok(self.pebble().get_notices(filter)?)
    }

    /// One notice.
    pub fn get_notice(&self, id: &str) -> Result<pebble::Notice, ModelError> {
        Ok(self.pebble().get_notice(id)?)
    }
}
