//! Units and applications.

use super::{Model, ModelError, OpenedPort, Secret, SecretContent, SecretOptions, Status};

/// A unit: this one, or a remote one seen through a relation.
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

    /// The workload container `name` (Kubernetes charms).
    pub fn container(&self, name: &str) -> Result<Container, ModelError> {
        self.ours("get the containers")?;
        if self.model.meta().container(name).is_none() {
            return Err(ModelError::NotFound(format!(
                "container '{name}' not found"
            )));
        }
        Ok(Container {
            name: name.to_string(),
        })
    }
}

/// An application: this unit's, or a remote one.
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

/// A workload container of a Kubernetes charm, reached through its Pebble socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    name: String,
}

impl Container {
    /// The container's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where its Pebble listens: `/charm/containers/<name>/pebble.socket`.
    pub fn socket_path(&self) -> std::path::PathBuf {
        std::path::Path::new("/charm/containers")
            .join(&self.name)
            .join("pebble.socket")
    }
}
