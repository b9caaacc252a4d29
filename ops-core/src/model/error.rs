//! Errors of the model.

use crate::hooktools::HookToolError;

/// Errors from the model: a hook tool failed, or an operation Juju would refuse (ops checks the
/// same things before calling Juju).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A hook tool failed or printed something unexpected.
    ///
    /// A secret tool's "not found" never arrives here: it is [`ModelError::SecretNotFound`].
    #[error(transparent)]
    HookTool(HookToolError),
    /// Juju said the secret does not exist, or that this unit cannot see it (ops 3:
    /// `SecretNotFoundError`): the stderr of a `secret-*` tool contains `not found`, in any case,
    /// as Juju prints `ERROR secret "secret:<id>" not found`, `ERROR secret with label "<label>"
    /// not found` or `ERROR consumer label "<label>" not found`. Any other refusal (e.g. `ERROR
    /// permission denied`) is a [`ModelError::HookTool`], as ops raises `ModelError` for it.
    #[error("secret not found: {id_or_label}")]
    SecretNotFound {
        /// The secret id asked for (or the label, when the call named no id).
        id_or_label: String,
    },
    /// Reading or writing a databag this unit may not (ops' `RelationDataAccessError`).
    #[error("{0}")]
    RelationDataAccess(String),
    /// A typed databag does not fit the data.
    #[error(transparent)]
    Databag(#[from] crate::databag::DatabagError),
    /// More relations than expected on an endpoint (ops' `TooManyRelatedAppsError`).
    #[error("Too many remote applications on {relation} ({count} > {max})")]
    TooManyRelatedApps {
        /// The endpoint.
        relation: String,
        /// How many there are.
        count: usize,
        /// How many were expected.
        max: usize,
    },
    /// The config from `config-get` does not fit the typed config.
    #[error("the charm config does not match config.yaml: {0}")]
    Config(String),
    /// Something the metadata does not declare (relation, storage, container, resource).
    #[error("{0}")]
    NotFound(String),
    /// An invalid request (e.g. a non-leader setting the application status).
    #[error("{0}")]
    Invalid(String),
    /// A call to a workload container's Pebble failed.
    #[error(transparent)]
    Pebble(#[from] crate::pebble::Error),
    /// [`Unit::reboot`](super::Unit::reboot) with `now`: Juju is rebooting the machine and kills
    /// the hook, which it re-runs after the reboot. Return it from the handler (`?`): the hook ends
    /// there, nothing more runs and nothing is committed, with exit status 0 (ops raises
    /// `SystemExit`).
    #[error("the machine is rebooting now (juju-reboot --now): the hook ends here")]
    RebootNow,
}

impl From<HookToolError> for ModelError {
    /// Wraps a hook-tool error; a secret tool's "not found" becomes the first-class
    /// [`ModelError::SecretNotFound`].
    fn from(e: HookToolError) -> Self {
        match e {
            HookToolError::SecretNotFound { id_or_label } => {
                ModelError::SecretNotFound { id_or_label }
            }
            other => ModelError::HookTool(other),
        }
    }
}

impl ModelError {
    /// Whether Juju said the relation does not exist.
    pub fn is_relation_not_found(&self) -> bool {
        matches!(self, ModelError::HookTool(e) if e.is_relation_not_found())
    }

    /// Whether Juju said the secret does not exist (or is not visible to this unit).
    pub fn is_secret_not_found(&self) -> bool {
        match self {
            ModelError::SecretNotFound { .. } => true,
            ModelError::HookTool(e) => e.is_secret_not_found(),
            _ => false,
        }
    }
}
