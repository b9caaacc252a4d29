//! The Juju model, typed, over the hook tools: this unit and its application, relations and their
//! databags, config, storage, secrets, networks, ports, resources, actions and metrics.
//!
//! Model objects ([`Unit`], [`App`], [`Relation`], [`Databag`], [`Storage`], [`Secret`]...) are
//! cheap handles onto one shared [`Model`], which caches reads as Python ops does (config and
//! relation data for the hook, `is-leader` for 30 s) and buffers relation data writes until the
//! handler that made them returns (one `relation-set` per databag, unchanged values skipped, as
//! ops 3.x does; Juju only applies them when the hook succeeds anyway).

mod error;
mod ports;
mod relation;
mod secret;
mod status;
mod storage;
mod unit;

pub use crate::hooktools::{SecretOptions, SecretOwner, SecretRotate};
pub use error::{ModelError, RelationSetError};
pub use ports::Port;
pub use relation::{Databag, Entity, Relation};
pub use secret::{Secret, SecretContent};
pub use status::Status;
pub use storage::Storage;
pub use unit::{App, Container, Unit};

pub use crate::hooktools::{NetworkInfo, OffsetDateTime, OpenedPort, Protocol, SecretInfo};

use crate::env::JujuContext;
use crate::hooktools::{Backend, ToolRunner};
use ops_metadata::CharmMeta;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::rc::Rc;

/// The model as this hook sees it.
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
///     #[on(install)]
///     fn install(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         // `Context` covers what a handler usually needs; the model is under it.
///         let model = ctx.model();
///         let message = format!("{} in model {}", model.unit().name(), model.name().unwrap_or("?"));
///         ctx.unit().set_status(Status::maintenance(message))?;
///         Ok(())
///     }
/// }
///
/// let out = ops_testing::Context::<Tiny>::new().run(Event::install(), &State::default())?;
/// assert!(matches!(out.unit_status(), Status::Maintenance(m) if m.contains(" in model ")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Model {
    inner: Rc<Inner>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("unit", &self.inner.unit_name)
            .field("name", &self.inner.model_name)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
pub(crate) struct RelationCache {
    pub(crate) units: Option<Vec<String>>,
    pub(crate) app: Option<Option<String>>,
    /// The relation's endpoint, once known (for errors).
    pub(crate) endpoint: Option<String>,
    /// Loaded databags: (entity name, is_app) → data.
    pub(crate) bags: HashMap<(String, bool), BTreeMap<String, String>>,
}

pub(crate) struct Inner {
    pub(crate) meta: &'static CharmMeta,
    pub(crate) backend: Rc<Backend>,
    pub(crate) unit_name: String,
    pub(crate) app_name: String,
    model_name: Option<String>,
    model_uuid: Option<String>,
    action_name: Option<String>,
    relation_ids: RefCell<HashMap<String, Vec<i64>>>,
    pub(crate) relations: RefCell<HashMap<i64, RelationCache>>,
    /// Buffered relation-set writes: (relation id, is_app) → key → value ('' deletes).
    pub(crate) pending: RefCell<BTreeMap<(i64, bool), BTreeMap<String, String>>>,
    pub(crate) unit_status: RefCell<Option<Status>>,
    pub(crate) app_status: RefCell<Option<Status>>,
    /// During `<endpoint>-relation-broken`: the relation being broken (ops' `broken_relation_id`).
    broken_relation_id: Option<i64>,
    /// Statuses added by collect-status handlers: (unit's, application's).
    collected: RefCell<(Vec<Status>, Vec<Status>)>,
    config: RefCell<Option<serde_json::Map<String, serde_json::Value>>>,
    storages: RefCell<HashMap<String, Vec<u32>>>,
    networks: RefCell<HashMap<(String, Option<i64>), NetworkInfo>>,
    resources: RefCell<HashMap<String, PathBuf>>,
    /// Where the containers' sockets are (`OPS_PEBBLE_CONTAINERS_DIR` of the hook environment).
    pub(crate) containers_dir: Option<PathBuf>,
}

impl Model {
    /// The model of a hook: `meta` is the charm's metadata, `env` Juju's environment and `runner`
    /// how hook tools are run.
    pub fn new(meta: &'static CharmMeta, env: &JujuContext, runner: Rc<dyn ToolRunner>) -> Model {
        let backend = Rc::new(Backend::new(runner, env));
        let broken_hook = env
            .dispatch_path
            .as_deref()
            .or(env.hook_name.as_deref())
            .is_some_and(|h| h.ends_with("-relation-broken"));
        let broken_relation_id = env.relation_id.filter(|_| broken_hook);
        Model {
            inner: Rc::new(Inner {
                meta,
                backend,
                unit_name: env.unit_name.clone(),
                app_name: env.app_name.clone(),
                model_name: env.model_name.clone(),
                model_uuid: env.model_uuid.clone(),
                action_name: env.action_name.clone(),
                relation_ids: RefCell::default(),
                relations: RefCell::default(),
                pending: RefCell::default(),
                unit_status: RefCell::default(),
                app_status: RefCell::default(),
                broken_relation_id,
                collected: RefCell::default(),
                config: RefCell::default(),
                storages: RefCell::default(),
                networks: RefCell::default(),
                resources: RefCell::default(),
                containers_dir: env.pebble_containers_dir.clone(),
            }),
        }
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// The hook-tool backend (typed calls, no model caching).
    pub fn backend(&self) -> &Backend {
        &self.inner.backend
    }

    /// The backend, shared (the juju-log logger holds it too).
    pub fn backend_rc(&self) -> Rc<Backend> {
        self.inner.backend.clone()
    }

    /// The charm's metadata.
    pub fn meta(&self) -> &'static CharmMeta {
        self.inner.meta
    }

    /// The model's name (`JUJU_MODEL_NAME`).
    pub fn name(&self) -> Option<&str> {
        self.inner.model_name.as_deref()
    }

    /// The model's UUID (`JUJU_MODEL_UUID`).
    pub fn uuid(&self) -> Option<&str> {
        self.inner.model_uuid.as_deref()
    }

    /// This unit.
    pub fn unit(&self) -> Unit {
        Unit::new(self.clone(), self.inner.unit_name.clone())
    }

    /// This unit's application.
    pub fn app(&self) -> App {
        App::new(self.clone(), self.inner.app_name.clone())
    }

    /// A unit by name (e.g. a remote unit).
    pub fn get_unit(&self, name: &str) -> Unit {
        Unit::new(self.clone(), name.to_string())
    }

    /// An application by name.
    pub fn get_app(&self, name: &str) -> App {
        App::new(self.clone(), name.to_string())
    }

    /// The raw config (`config-get`, once per hook). Prefer the typed `Context::config`.
    pub fn config_raw(&self) -> Result<serde_json::Map<String, serde_json::Value>, ModelError> {
        if let Some(c) = self.inner.config.borrow().as_ref() {
            return Ok(c.clone());
        }
        let c = self.inner.backend.config_get()?;
        *self.inner.config.borrow_mut() = Some(c.clone());
        Ok(c)
    }

    fn check_relation_name(&self, name: &str) -> Result<(), ModelError> {
        if self.inner.meta.relation(name).is_none() {
            return Err(ModelError::NotFound(format!(
                "relation endpoint `{name}` is not declared in the charm's metadata"
            )));
        }
        Ok(())
    }

    /// Every relation of endpoint `name` (`relation-ids`, cached for the hook). During its own
    /// `relation-broken` the broken relation is not listed, as in ops ≥ 2.10: Juju before 3.x
    /// still lists it, newer Juju does not, and either way it is gone.
    pub fn relations(&self, name: &str) -> Result<Vec<Relation>, ModelError> {
        self.check_relation_name(name)?;
        let cached = self.inner.relation_ids.borrow().get(name).cloned();
        let ids = match cached {
            Some(ids) => ids,
            None => {
                let ids = self.inner.backend.relation_ids(name)?;
                self.inner
                    .relation_ids
                    .borrow_mut()
                    .insert(name.to_string(), ids.clone());
                ids
            }
        };
        Ok(ids
            .into_iter()
            .filter(|id| Some(*id) != self.inner.broken_relation_id)
            .map(|id| self.relation_by_id(name, id))
            .collect())
    }

    /// The relation of endpoint `name` with `id`, or the only one when `id` is `None` (`None` if
    /// there is none; [`ModelError::TooManyRelatedApps`] if there are several).
    pub fn get_relation(
        &self,
        name: &str,
        id: Option<i64>,
    ) -> Result<Option<Relation>, ModelError> {
        self.check_relation_name(name)?;
        if let Some(id) = id {
            return Ok(Some(self.relation_by_id(name, id)));
        }
        let mut all = self.relations(name)?;
        match all.len() {
            0 => Ok(None),
            1 => Ok(all.pop()),
            n => Err(ModelError::TooManyRelatedApps {
                relation: name.to_string(),
                count: n,
                max: 1,
            }),
        }
    }

    /// The relation being broken, during its `relation-broken` hook.
    pub fn broken_relation_id(&self) -> Option<i64> {
        self.inner.broken_relation_id
    }

    /// A handle on relation `id` of endpoint `name` (no hook tool is called).
    pub fn relation_by_id(&self, name: &str, id: i64) -> Relation {
        let is_peer = self
            .inner
            .meta
            .relation(name)
            .map(|r| r.role.is_peer())
            .unwrap_or(false);
        Relation::new(self.clone(), name.to_string(), id, is_peer)
    }

    /// The storage instances of `name` (`storage-list`, cached for the hook).
    pub fn storages(&self, name: &str) -> Result<Vec<Storage>, ModelError> {
        if self.inner.meta.storage(name).is_none() {
            let known: Vec<_> = self
                .inner
                .meta
                .storages
                .iter()
                .map(|s| format!("'{}'", s.name))
                .collect();
            return Err(ModelError::NotFound(format!(
                "Storage '{name}' not found. Did you mean {}?",
                if known.is_empty() {
                    "nothing".to_string()
                } else {
                    known.join(", or ")
                }
            )));
        }
        let cached = self.inner.storages.borrow().get(name).cloned();
        let ids = match cached {
            Some(ids) => ids,
            None => {
                let ids = self.inner.backend.storage_list(name)?;
                self.inner
                    .storages
                    .borrow_mut()
                    .insert(name.to_string(), ids.clone());
                ids
            }
        };
        Ok(ids
            .into_iter()
            .map(|i| Storage::new(self.clone(), name.to_string(), i, None))
            .collect())
    }

    /// A handle on storage instance `name/index` (its location is fetched when asked, unless known).
    pub fn storage_instance(&self, name: &str, index: u32, location: Option<PathBuf>) -> Storage {
        Storage::new(self.clone(), name.to_string(), index, location)
    }

    /// Ask Juju for `count` more instances of storage `name` (`storage-add`).
    pub fn request_storage(&self, name: &str, count: u32) -> Result<(), ModelError> {
        if self.inner.meta.storage(name).is_none() {
            return Err(ModelError::NotFound(format!(
                "cannot add storage '{name}': it is not present in the charm metadata"
            )));
        }
        self.inner.backend.storage_add(name, count)?;
        self.inner.storages.borrow_mut().remove(name);
        Ok(())
    }

    /// The network of binding `name` (an endpoint or extra-binding), optionally as seen on
    /// relation `relation_id` (`network-get`, cached; retried without the relation if it is gone).
    pub fn network(&self, name: &str, relation_id: Option<i64>) -> Result<NetworkInfo, ModelError> {
        let key = (name.to_string(), relation_id);
        if let Some(n) = self.inner.networks.borrow().get(&key) {
            return Ok(n.clone());
        }
        let info = match self.inner.backend.network_get(name, relation_id) {
            Err(e) if relation_id.is_some() && e.is_relation_not_found() => {
                self.inner.backend.network_get(name, None)?
            }
            other => other?,
        };
        self.inner.networks.borrow_mut().insert(key, info.clone());
        Ok(info)
    }

    /// The path of resource `name` (`resource-get`, cached).
    pub fn resource(&self, name: &str) -> Result<PathBuf, ModelError> {
        if self.inner.meta.resource(name).is_none() {
            return Err(ModelError::NotFound(format!(
                "invalid resource name: {name}"
            )));
        }
        if let Some(p) = self.inner.resources.borrow().get(name) {
            return Ok(p.clone());
        }
        let p = self.inner.backend.resource_get(name)?;
        self.inner
            .resources
            .borrow_mut()
            .insert(name.to_string(), p.clone());
        Ok(p)
    }

    /// A secret by id and/or label: as ops, reads its content if this unit may (`secret-get`),
    /// else only its metadata (`secret-info-get`, for owners).
    pub fn get_secret(&self, id: Option<&str>, label: Option<&str>) -> Result<Secret, ModelError> {
        secret::get_secret(self, id, label)
    }

    /// A handle on a secret, without any hook-tool call.
    pub fn secret_handle(&self, id: Option<String>, label: Option<String>) -> Secret {
        Secret::new(self.clone(), id, label, None)
    }

    /// Set the pod spec (leader only; legacy pod-spec charms).
    pub fn set_pod_spec(
        &self,
        spec: &serde_json::Value,
        k8s_resources: Option<&serde_json::Value>,
    ) -> Result<(), ModelError> {
        if !self.unit().is_leader()? {
            return Err(ModelError::Invalid(
                "cannot set a pod spec as this unit is not a leader".into(),
            ));
        }
        self.inner.backend.pod_spec_set(spec, k8s_resources)?;
        Ok(())
    }

    /// The running action's name (`JUJU_ACTION_NAME`).
    pub fn action_name(&self) -> Option<&str> {
        self.inner.action_name.as_deref()
    }

    /// The running action's params (`action-get`).
    pub fn action_get(&self) -> Result<serde_json::Map<String, serde_json::Value>, ModelError> {
        Ok(self.inner.backend.action_get()?)
    }

    /// Set action results (`action-set`), flattened and checked as ops does.
    pub fn action_set<T: serde::Serialize>(&self, results: &T) -> Result<(), ModelError> {
        let value = serde_json::to_value(results)
            .map_err(|e| ModelError::Invalid(format!("action results do not encode: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(ModelError::Invalid(
                "action results must be a map of keys to values".into(),
            ));
        };
        self.inner.backend.action_set(&map)?;
        Ok(())
    }

    /// Log an action progress message (`action-log`).
    pub fn action_log(&self, message: &str) -> Result<(), ModelError> {
        Ok(self.inner.backend.action_log(message)?)
    }

    /// Fail the running action (`action-fail`).
    pub fn action_fail(&self, message: &str) -> Result<(), ModelError> {
        Ok(self.inner.backend.action_fail(message)?)
    }

    /// Record metrics (`add-metric`), validated as ops does.
    pub fn add_metrics(
        &self,
        metrics: &[(&str, f64)],
        labels: &[(&str, &str)],
    ) -> Result<(), ModelError> {
        Ok(self.inner.backend.add_metrics(metrics, labels)?)
    }

    /// The cloud the model runs on and its credential (`credential-get`; ops 3:
    /// `Model.get_cloud_spec`). Juju answers only for a trusted application (`juju trust`);
    /// otherwise the hook tool's error.
    pub fn get_cloud_spec(&self) -> Result<crate::hooktools::CloudSpec, ModelError> {
        Ok(self.inner.backend.credential_get()?)
    }

    /// Record a status added by a collect-status handler (`app`: for the application).
    pub(crate) fn add_collected_status(&self, app: bool, status: Status) {
        let mut collected = self.inner.collected.borrow_mut();
        if app {
            collected.1.push(status);
        } else {
            collected.0.push(status);
        }
    }

    /// Set the highest-priority status the collect-status handlers added for the unit (or, with
    /// `app`, the application), as ops' `_evaluate_status` does, and forget them. Nothing is set
    /// when none was added; and, unlike ops, `status-set` is skipped when the hook already knows
    /// the status is that one (it set or read it itself): no `status-get` is ever made for this.
    /// Whether `status-set` ran.
    pub fn set_collected_status(&self, app: bool) -> Result<bool, ModelError> {
        let collected = {
            let mut collected = self.inner.collected.borrow_mut();
            std::mem::take(if app {
                &mut collected.1
            } else {
                &mut collected.0
            })
        };
        let Some(status) = Status::highest_priority(collected) else {
            return Ok(false);
        };
        let known = if app {
            &self.inner.app_status
        } else {
            &self.inner.unit_status
        };
        if known.borrow().as_ref() == Some(&status) {
            return Ok(false);
        }
        if app {
            self.app().set_status(status)?;
        } else {
            self.unit().set_status(status)?;
        }
        Ok(true)
    }

    /// Write the buffered relation data now: one `relation-set` per databag written to since the
    /// last flush, skipping values that are already what was read.
    ///
    /// The dispatcher calls it when each handler returns, so a write Juju refuses fails the
    /// handler that made it (the hook then fails and commits nothing). A handler that wants to
    /// catch the failure itself calls it (`ctx.model().flush()`) and matches the
    /// [`RelationSetError`]: that databag's writes are dropped (reads see the data as it was),
    /// the other databags' writes not yet sent stay buffered.
    pub fn flush(&self) -> Result<(), Box<RelationSetError>> {
        let mut pending = std::mem::take(&mut *self.inner.pending.borrow_mut());
        while let Some(((id, is_app), values)) = pending.pop_first() {
            let entity = if is_app {
                self.inner.app_name.clone()
            } else {
                self.inner.unit_name.clone()
            };
            let (original, endpoint) = match self.inner.relations.borrow().get(&id) {
                Some(r) => (
                    r.bags.get(&(entity.clone(), is_app)).cloned(),
                    r.endpoint.clone(),
                ),
                None => (None, None),
            };
            let changed: Vec<(String, String)> = values
                .into_iter()
                .filter(|(k, v)| match &original {
                    Some(orig) => orig.get(k).map(String::as_str).unwrap_or("") != v,
                    None => true,
                })
                .collect();
            if changed.is_empty() {
                continue;
            }
            if let Err(error) = self.inner.backend.relation_set(id, &changed, is_app) {
                // What was not tried yet stays buffered, before anything written since.
                let mut buffered = self.inner.pending.borrow_mut();
                for (bag, values) in pending {
                    let newer = buffered.remove(&bag).unwrap_or_default();
                    let mut merged = values;
                    merged.extend(newer);
                    buffered.insert(bag, merged);
                }
                return Err(Box::new(RelationSetError {
                    relation: endpoint.unwrap_or_default(),
                    id,
                    entity: if is_app {
                        Entity::App(entity)
                    } else {
                        Entity::Unit(entity)
                    },
                    keys: changed.into_iter().map(|(k, _)| k).collect(),
                    error,
                }));
            }
            // Reads after the flush see what was written (a loaded databag is updated in place).
            let mut relations = self.inner.relations.borrow_mut();
            if let Some(bag) = relations
                .get_mut(&id)
                .and_then(|r| r.bags.get_mut(&(entity.clone(), is_app)))
            {
                for (k, v) in changed {
                    if v.is_empty() {
                        bag.remove(&k);
                    } else {
                        bag.insert(k, v);
                    }
                }
            }
        }
        Ok(())
    }
}
