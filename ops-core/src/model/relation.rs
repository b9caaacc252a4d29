//! Relations and their databags, with Python ops' access rules.

use super::{App, Model, ModelError, RelationCache, Unit};
use crate::databag::RelationData;
use std::collections::BTreeMap;

/// Whose databag: a unit's or an application's.
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
///     #[on(db_relation_changed)]
///     fn db_changed(&mut self, ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
///         // Every databag belongs to an app or a unit.
///         let bag = event.relation.local_unit_data();
///         let owner = bag.entity().name().to_string();
///         ctx.unit().set_status(Status::active(owner))?;
///         Ok(())
///     }
/// }
///
/// let db = ops_testing::Relation::of::<relations::Db>();
/// let state = State::default().with_relation(db.clone());
/// let out = ops_testing::Context::<Tiny>::new().run(Event::relation_changed(&db), &state)?;
/// assert!(matches!(out.unit_status(), Status::Active(m) if m.contains('/')));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Entity {
    /// A unit's databag.
    Unit(String),
    /// An application's databag.
    App(String),
}

impl Entity {
    /// The unit or application name.
    pub fn name(&self) -> &str {
        match self {
            Entity::Unit(n) | Entity::App(n) => n,
        }
    }

    /// Whether this is an application.
    pub fn is_app(&self) -> bool {
        matches!(self, Entity::App(_))
    }
}

impl From<&Unit> for Entity {
    fn from(u: &Unit) -> Self {
        Entity::Unit(u.name().to_string())
    }
}

impl From<&App> for Entity {
    fn from(a: &App) -> Self {
        Entity::App(a.name().to_string())
    }
}

/// One relation: an endpoint of this charm connected to a remote application.
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
///     #[on(db_relation_joined)]
///     fn db_joined(&mut self, ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
///         let relation = &event.relation;
///         relation.local_unit_data().set("port", ctx.config()?.port.to_string())?;
///         Ok(())
///     }
/// }
///
/// let db = ops_testing::Relation::of::<relations::Db>();
/// let state = State::default().with_relation(db.clone());
/// let out = ops_testing::Context::<Tiny>::new().run(Event::relation_joined(&db), &state)?;
/// let written = out.relation(db.relation_id()).expect("still there").local_unit_databag();
/// assert_eq!(written.get("port").map(String::as_str), Some("8080"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Relation {
    model: Model,
    name: String,
    id: i64,
    is_peer: bool,
}

impl std::fmt::Debug for Relation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Relation {}:{}>", self.name, self.id)
    }
}

impl PartialEq for Relation {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id && self.name == other.name
    }
}

impl Relation {
    pub(crate) fn new(model: Model, name: String, id: i64, is_peer: bool) -> Self {
        Relation {
            model,
            name,
            id,
            is_peer,
        }
    }

    /// The endpoint name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The relation id.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The model on the other side of the relation (`relation-model-get`, Juju ≥ 3.6.2; ops 3:
    /// `Relation.remote_model`): its UUID is this model's for a relation within the model, the
    /// offering or consuming model's for a cross-model relation. Not cached: ask once.
    pub fn remote_model(&self) -> Result<crate::hooktools::RemoteModel, ModelError> {
        Ok(self
            .model
            .backend()
            .relation_model_get(self.id, &self.name)?)
    }

    /// Whether the relation is still there: false for the relation being broken, during its
    /// `relation-broken` hook (ops 3: `Relation.active`). Its data can still be read (the remote
    /// application's, as ops ≥ 2.11), but it is no longer listed by
    /// [`Model::relations`](super::Model::relations).
    pub fn active(&self) -> bool {
        self.model.broken_relation_id() != Some(self.id)
    }

    /// Whether this is a peer relation.
    pub fn is_peer(&self) -> bool {
        self.is_peer
    }

    fn with_cache<T>(&self, f: impl FnOnce(&mut RelationCache) -> T) -> T {
        let mut rels = self.model.inner().relations.borrow_mut();
        f(rels.entry(self.id).or_default())
    }

    fn unit_names(&self) -> Result<Vec<String>, ModelError> {
        if let Some(u) = self.with_cache(|c| c.units.clone()) {
            return Ok(u);
        }
        let units = match self.model.backend().relation_list(self.id) {
            Ok(u) => u,
            Err(e) if e.is_relation_not_found() => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        self.with_cache(|c| c.units = Some(units.clone()));
        Ok(units)
    }

    /// The remote units (`relation-list`; empty once the relation is gone).
    pub fn units(&self) -> Result<Vec<Unit>, ModelError> {
        Ok(self
            .unit_names()?
            .into_iter()
            .map(|u| self.model.get_unit(&u))
            .collect())
    }

    /// The remote application (for a peer relation, this application). As in ops it may be `None`,
    /// e.g. in `relation-broken` once the remote side is gone.
    pub fn app(&self) -> Result<Option<App>, ModelError> {
        if self.is_peer {
            return Ok(Some(self.model.app()));
        }
        if let Some(a) = self.with_cache(|c| c.app.clone()) {
            return Ok(a.map(|a| self.model.get_app(&a)));
        }
        let from_units = self
            .unit_names()?
            .first()
            .and_then(|u| u.split_once('/').map(|(a, _)| a.to_string()));
        let app = match from_units {
            Some(a) => Some(a),
            None => self.model.backend().relation_remote_app_name(self.id)?,
        };
        self.with_cache(|c| c.app = Some(app.clone()));
        Ok(app.map(|a| self.model.get_app(&a)))
    }

    /// The databag of `entity` on this relation.
    pub fn data(&self, entity: impl Into<Entity>) -> Databag {
        Databag {
            relation: self.clone(),
            entity: entity.into(),
        }
    }

    /// This unit's databag.
    pub fn local_unit_data(&self) -> Databag {
        self.data(self.model.unit())
    }

    /// This application's databag.
    pub fn local_app_data(&self) -> Databag {
        self.data(self.model.app())
    }

    /// The remote application's databag (`None` when the remote application is unknown).
    pub fn remote_app_data(&self) -> Result<Option<Databag>, ModelError> {
        Ok(self.app()?.map(|a| self.data(&a)))
    }
}

impl From<Unit> for Entity {
    fn from(u: Unit) -> Self {
        Entity::from(&u)
    }
}

impl From<App> for Entity {
    fn from(a: App) -> Self {
        Entity::from(&a)
    }
}

/// One databag of a relation. Reads are cached for the hook; writes are buffered and sent when
/// the handler that made them returns (or earlier, with [`Model::flush`](super::Model::flush)). Access follows Python ops' rules: every unit databag and the remote
/// application's are readable; this application's databag is readable and writable only by the
/// leader (readable by all units on a peer relation); only this unit's databag is writable.
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
///     #[on(db_relation_changed)]
///     fn db_changed(&mut self, ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
///         let Some(remote) = event.relation.remote_app_data()? else { return Ok(()) };
///         let host = remote.get("host")?.unwrap_or_default();
///         event.relation.local_unit_data().update([("connected-to", host)])?;
///         Ok(())
///     }
/// }
///
/// let db = ops_testing::Relation::of::<relations::Db>().remote_app_data([("host", "10.0.0.7")]);
/// let state = State::default().with_relation(db.clone());
/// let out = ops_testing::Context::<Tiny>::new().run(Event::relation_changed(&db), &state)?;
/// let written = out.relation(db.relation_id()).expect("still there").local_unit_databag();
/// assert_eq!(written.get("connected-to").map(String::as_str), Some("10.0.0.7"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Databag {
    relation: Relation,
    entity: Entity,
}

impl std::fmt::Debug for Databag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<Databag {:?} of {:?}>", self.entity, self.relation)
    }
}

impl Databag {
    /// Whose databag this is.
    pub fn entity(&self) -> &Entity {
        &self.entity
    }

    fn model(&self) -> &Model {
        &self.relation.model
    }

    fn is_own_unit(&self) -> bool {
        matches!(&self.entity, Entity::Unit(u) if *u == self.model().inner().unit_name)
    }

    fn is_own_app(&self) -> bool {
        matches!(&self.entity, Entity::App(a) if *a == self.model().inner().app_name)
    }

    fn check_read(&self) -> Result<(), ModelError> {
        if !self.entity.is_app() || !self.is_own_app() {
            return Ok(());
        }
        if self.relation.is_peer || self.model().unit().is_leader()? {
            return Ok(());
        }
        Err(ModelError::RelationDataAccess(format!(
            "{} is not leader and cannot read its own application databag",
            self.model().inner().unit_name
        )))
    }

    fn check_write(&self) -> Result<(), ModelError> {
        let unit = &self.model().inner().unit_name;
        match &self.entity {
            // As ops, this names our application, not our unit.
            Entity::App(a) if !self.is_own_app() => Err(ModelError::RelationDataAccess(format!(
                "{} cannot write the data of remote application {a}",
                self.model().inner().app_name
            ))),
            Entity::App(_) => {
                if self.model().unit().is_leader()? {
                    Ok(())
                } else {
                    Err(ModelError::RelationDataAccess(format!(
                        "{unit} is not leader and cannot write application data."
                    )))
                }
            }
            Entity::Unit(u) if !self.is_own_unit() => Err(ModelError::RelationDataAccess(format!(
                "{unit} cannot write databag of {u}: not the same unit."
            ))),
            Entity::Unit(_) => Ok(()),
        }
    }

    /// The data as Juju has it (`relation-get`, once per hook), without this hook's writes.
    fn loaded(&self) -> Result<BTreeMap<String, String>, ModelError> {
        let key = (self.entity.name().to_string(), self.entity.is_app());
        let cached = self.relation.with_cache(|c| c.bags.get(&key).cloned());
        if let Some(b) = cached {
            return Ok(b);
        }
        let bag = match self.model().backend().relation_get(
            self.relation.id,
            self.entity.name(),
            self.entity.is_app(),
        ) {
            Ok(b) => b,
            Err(e) if e.is_relation_not_found() => BTreeMap::new(),
            Err(e) => return Err(e.into()),
        };
        self.relation
            .with_cache(|c| c.bags.insert(key, bag.clone()));
        Ok(bag)
    }

    /// The whole databag, with this hook's writes applied.
    pub fn to_map(&self) -> Result<BTreeMap<String, String>, ModelError> {
        self.check_read()?;
        let mut bag = self.loaded()?;
        if self.is_own_unit() || self.is_own_app() {
            let pending = self.model().inner().pending.borrow();
            if let Some(writes) = pending.get(&(self.relation.id, self.entity.is_app())) {
                for (k, v) in writes {
                    if v.is_empty() {
                        bag.remove(k);
                    } else {
                        bag.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        Ok(bag)
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Result<Option<String>, ModelError> {
        Ok(self.to_map()?.remove(key))
    }

    /// Set `key` to `value` (an empty value removes the key, as in Juju).
    pub fn set(&self, key: &str, value: impl Into<String>) -> Result<(), ModelError> {
        self.check_write()?;
        if key.is_empty() {
            return Err(ModelError::Invalid(
                "relation data keys cannot be empty".into(),
            ));
        }
        if self.relation.with_cache(|c| c.endpoint.is_none()) {
            let name = self.relation.name.clone();
            self.relation.with_cache(|c| c.endpoint = Some(name));
        }
        self.model()
            .inner()
            .pending
            .borrow_mut()
            .entry((self.relation.id, self.entity.is_app()))
            .or_default()
            .insert(key.to_string(), value.into());
        Ok(())
    }

    /// Remove `key`.
    pub fn remove(&self, key: &str) -> Result<(), ModelError> {
        self.set(key, "")
    }

    /// Set several keys.
    pub fn update<K: AsRef<str>, V: Into<String>>(
        &self,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), ModelError> {
        for (k, v) in values {
            self.set(k.as_ref(), v)?;
        }
        Ok(())
    }

    /// Read the databag as a typed struct (`#[derive(RelationData)]`).
    pub fn load<T: RelationData>(&self) -> Result<T, ModelError> {
        Ok(T::from_databag(&self.to_map()?)?)
    }

    /// Write a typed struct into the databag (`None` fields remove their key).
    pub fn save<T: RelationData>(&self, value: &T) -> Result<(), ModelError> {
        self.check_write()?;
        for (k, v) in value.to_databag()? {
            self.set(&k, v.unwrap_or_default())?;
        }
        Ok(())
    }
}
