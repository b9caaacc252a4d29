//! The context a handler receives: the model, the typed config and custom event emission.

use crate::charm::{Charm, ConfigErrors};
use crate::endpoints::{ContainerEndpoint, RelationEndpoint, StorageEndpoint};
use crate::events::{CustomEventData, EventSnapshot};
use crate::model::{App, Container, Model, ModelError, Relation, Storage, Unit};
use ops_metadata::EventKind;
use std::cell::{OnceCell, RefCell};

/// What a handler works with. One context lives for the whole hook; every handler gets `&mut` to it.
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
///     #[on(config_changed)]
///     fn configure(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         let port = ctx.config()?.port; // typed: `port: int` is an `i64`
///         let db = ctx.relation::<relations::Db>()?; // `limit: 1`: at most one
///         let message = format!("port {port}, db {}", if db.is_some() { "related" } else { "missing" });
///         ctx.unit().set_status(Status::active(message))?;
///         Ok(())
///     }
/// }
///
/// let out = ops_testing::Context::<Tiny>::new().run(Event::config_changed(), &State::default())?;
/// assert_eq!(out.unit_status(), &Status::active("port 8080, db missing"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Context<C: Charm> {
    model: Model,
    config: OnceCell<C::Config>,
    emitted: RefCell<Vec<EventSnapshot>>,
}

impl<C: Charm> std::fmt::Debug for Context<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("charm", &C::TYPE_NAME)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl<C: Charm> Context<C> {
    /// A context over `model`.
    pub fn new(model: Model) -> Self {
        Context {
            model,
            config: OnceCell::new(),
            emitted: RefCell::new(Vec::new()),
        }
    }

    /// The model: this unit, its application, relations, storages, secrets...
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// This unit.
    pub fn unit(&self) -> Unit {
        self.model.unit()
    }

    /// This unit's application.
    pub fn app(&self) -> App {
        self.model.app()
    }

    /// The typed config (`config-get`, once per hook).
    ///
    /// A config that does not decode is [`ModelError::Config`], naming the option; with
    /// `#[charm(config_errors = "blocked")]` ([`Charm::CONFIG_ERRORS`]) the unit is set blocked
    /// instead and the error is [`ModelError::HookAborted`]: return it (`?`) and the hook ends
    /// with exit status 0, as ops 3's `load_config(Config, errors='blocked')`.
    pub fn config(&self) -> Result<&C::Config, ModelError> {
        if let Some(c) = self.config.get() {
            return Ok(c);
        }
        let typed: C::Config = self.load_config(C::CONFIG_ERRORS)?;
        Ok(self.config.get_or_init(|| typed))
    }

    /// The config decoded into `T`: the generated [`Charm::Config`] or a type of the charm's own
    /// (serde, e.g. with `#[serde(try_from = "...")]` to validate), as ops 3's
    /// `CharmBase.load_config(cls, errors=...)`. Keys are Juju's option names.
    ///
    /// When it does not decode: with [`ConfigErrors::Raise`], [`ModelError::Config`] naming the
    /// option and the reason; with [`ConfigErrors::Blocked`], the unit status is set to
    /// `blocked` (`Invalid config: <option>: <reason>`) and the error is
    /// [`ModelError::HookAborted`]: returned from the handler with `?`, it ends the hook with
    /// exit status 0 (Juju does not retry: the user must fix the config), runs no other handler
    /// and commits no stored state or deferred event (ops commits none either).
    pub fn load_config<T: serde::de::DeserializeOwned>(
        &self,
        errors: ConfigErrors,
    ) -> Result<T, ModelError> {
        let raw = self.model.config_raw()?;
        match decode_named(serde_json::Value::Object(raw)) {
            Ok(config) => Ok(config),
            Err(reason) => match errors {
                ConfigErrors::Raise => Err(ModelError::Config(reason)),
                ConfigErrors::Blocked => {
                    let message = format!("Invalid config: {reason}");
                    self.model
                        .unit()
                        .set_status(crate::model::Status::blocked(message.clone()))?;
                    Err(ModelError::HookAborted(message))
                }
            },
        }
    }

    /// The relations of endpoint `E`.
    pub fn relations<E: RelationEndpoint>(&self) -> Result<Vec<Relation>, ModelError> {
        self.model.relations(E::NAME)
    }

    /// The single relation of endpoint `E`, if any (an error if there are several).
    pub fn relation<E: RelationEndpoint>(&self) -> Result<Option<Relation>, ModelError> {
        self.model.get_relation(E::NAME, None)
    }

    /// The instances of storage `S`.
    pub fn storages<S: StorageEndpoint>(&self) -> Result<Vec<Storage>, ModelError> {
        self.model.storages(S::NAME)
    }

    /// Container `W`.
    pub fn container<W: ContainerEndpoint>(&self) -> Result<Container, ModelError> {
        self.model.unit().container(W::NAME)
    }

    /// Emit a custom event: its handlers run right after the current handler returns (before the
    /// next observer of the current event), and it can be deferred like any other event.
    pub fn emit<E: CustomEventData>(&self, event: &E) -> Result<(), ModelError> {
        let data = serde_json::to_value(event).map_err(|e| {
            ModelError::Invalid(format!("custom event {} does not encode: {e}", E::NAME))
        })?;
        let mut snap = EventSnapshot::new(E::NAME, EventKind::Custom);
        snap.custom = Some(data);
        self.emitted.borrow_mut().push(snap);
        Ok(())
    }

    /// The custom events emitted since the last call (for the dispatcher).
    pub(crate) fn take_emitted(&self) -> Vec<EventSnapshot> {
        std::mem::take(&mut *self.emitted.borrow_mut())
    }
}

/// Decode `value` into `T`; the error names the field that does not decode (`port: invalid
/// type: ...`), in at most a few hundred characters.
pub(crate) fn decode_named<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let reason = e.into_inner().to_string();
        let text = if path.is_empty() || path == "." {
            reason
        } else {
            format!("{path}: {reason}")
        };
        crate::hooktools::error::excerpt(&text, 300)
    })
}
