//! Errors of the model.

use crate::hooktools::HookToolError;

/// Errors from the model: a hook tool failed, or an operation Juju would refuse (ops checks the
/// same things before calling Juju).
///
/// # Examples
///
/// ```
/// use ops_core::ModelError;
///
/// // Every model call returns it; `?` converts it into a handler's error.
/// fn check(port: i64) -> Result<u16, ModelError> {
///     u16::try_from(port).map_err(|_| ModelError::Config(format!("port {port} is out of range")))
/// }
/// assert!(matches!(check(70000), Err(ModelError::Config(_))));
/// assert_eq!(check(8080).ok(), Some(8080));
/// ```
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
    /// The hook ends here with exit status 0 and commits nothing more (ops 3's `_Abort(0)`): the
    /// config did not decode under [`ConfigErrors::Blocked`](crate::ConfigErrors::Blocked) (the
    /// unit status is now blocked), or the action params under
    /// [`ParamsErrors::Fail`](crate::ParamsErrors::Fail) (the action has failed). Return it from
    /// the handler (`?`): no other handler runs, stored state and deferred events are not
    /// committed; what the hook tools already did stays, as in ops.
    #[error("the hook ends here: {0}")]
    HookAborted(String),
    /// Juju refused buffered relation data ([`Model::flush`](super::Model::flush)).
    #[error(transparent)]
    RelationSet(#[from] Box<RelationSetError>),
}

/// A `relation-set` that failed when buffered relation data was written
/// ([`Model::flush`](super::Model::flush), which the dispatcher calls after each handler): which
/// databag, which keys (never their values) and the hook tool's error.
///
/// The writes of that databag are dropped, as Juju did not take them; writes to databags not yet
/// flushed stay buffered.
#[derive(Debug, thiserror::Error)]
#[error("writing {} to {} on relation {relation}:{id} failed: {error}", show_keys(.keys), show_bag(.entity))]
#[non_exhaustive]
pub struct RelationSetError {
    /// The relation's endpoint (empty if unknown).
    pub relation: String,
    /// The relation id.
    pub id: i64,
    /// Whose databag: this unit's or this application's.
    pub entity: super::Entity,
    /// The keys that were being written (a key set to `""` is being removed).
    pub keys: Vec<String>,
    /// The hook tool's error (its message is part of this error's).
    pub error: HookToolError,
}

impl RelationSetError {
    /// Whether Juju said the relation does not exist (any more).
    pub fn is_relation_not_found(&self) -> bool {
        self.error.is_relation_not_found()
    }
}

fn show_keys(keys: &[String]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    quoted.join(", ")
}

fn show_bag(entity: &super::Entity) -> String {
    match entity {
        super::Entity::Unit(u) => format!("the unit databag of {u}"),
        super::Entity::App(a) => format!("the application databag of {a}"),
    }
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
        match self {
            ModelError::HookTool(e) => e.is_relation_not_found(),
            ModelError::RelationSet(e) => e.is_relation_not_found(),
            _ => false,
        }
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
