//! Typed events.
//!
//! Every event a handler receives is rebuilt from an [`EventSnapshot`], the plain data that is also
//! what a deferred event is stored as, so a re-emitted event is exactly like a fresh one (as in ops,
//! where every observed event is snapshotted and restored before handlers see it).

use crate::charm::{Charm, ParamsErrors};
use crate::context::Context;
use crate::model::{App, Container, ModelError, Relation, Secret, Storage, Unit};
use ops_metadata::EventKind;
use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::path::PathBuf;

/// The data of one event: enough to rebuild its typed form in any later hook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSnapshot {
    /// Python ops' event name (`config_changed`, `db_relation_joined`, `custom:MyEvent`).
    pub name: String,
    /// The kind of event.
    #[serde(with = "kind_serde")]
    pub kind: EventKind,
    /// Relation events: the relation's endpoint name and id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<(String, i64)>,
    /// The remote application (relation events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The remote unit (relation events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The departing unit (`*-relation-departed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departing_unit: Option<String>,
    /// Storage events: storage name, index and location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<(String, u32, Option<PathBuf>)>,
    /// `*-pebble-ready`: the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    /// `*-pebble-custom-notice`: the notice's id, type and key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<(String, String, String)>,
    /// `*-pebble-check-failed` / `-recovered`: the check's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
    /// Secret events: id, label and revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRef>,
    /// Actions: the action's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Custom events: the event's data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Value>,
}

/// The secret a secret event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// The secret URI.
    pub id: String,
    /// Its label, if Juju gave one.
    #[serde(default)]
    pub label: Option<String>,
    /// The revision (`secret-remove`, `secret-expired`).
    #[serde(default)]
    pub revision: Option<u64>,
}

impl EventSnapshot {
    /// An event with no arguments.
    pub fn new(name: impl Into<String>, kind: EventKind) -> Self {
        EventSnapshot {
            name: name.into(),
            kind,
            relation: None,
            app: None,
            unit: None,
            departing_unit: None,
            storage: None,
            workload: None,
            notice: None,
            check: None,
            secret: None,
            action: None,
            custom: None,
        }
    }
}

mod kind_serde {
    use ops_metadata::EventKind;
    use serde::{Deserialize, Deserializer, Serializer};

    const NAMES: &[(EventKind, &str)] = &[
        (EventKind::Install, "install"),
        (EventKind::Start, "start"),
        (EventKind::Stop, "stop"),
        (EventKind::Remove, "remove"),
        (EventKind::UpdateStatus, "update-status"),
        (EventKind::ConfigChanged, "config-changed"),
        (EventKind::UpgradeCharm, "upgrade-charm"),
        (EventKind::PreSeriesUpgrade, "pre-series-upgrade"),
        (EventKind::PostSeriesUpgrade, "post-series-upgrade"),
        (EventKind::LeaderElected, "leader-elected"),
        (EventKind::LeaderSettingsChanged, "leader-settings-changed"),
        (EventKind::CollectMetrics, "collect-metrics"),
        (EventKind::SecretChanged, "secret-changed"),
        (EventKind::SecretRotate, "secret-rotate"),
        (EventKind::SecretRemove, "secret-remove"),
        (EventKind::SecretExpired, "secret-expired"),
        (EventKind::RelationCreated, "relation-created"),
        (EventKind::RelationJoined, "relation-joined"),
        (EventKind::RelationChanged, "relation-changed"),
        (EventKind::RelationDeparted, "relation-departed"),
        (EventKind::RelationBroken, "relation-broken"),
        (EventKind::StorageAttached, "storage-attached"),
        (EventKind::StorageDetaching, "storage-detaching"),
        (EventKind::PebbleReady, "pebble-ready"),
        (EventKind::PebbleCustomNotice, "pebble-custom-notice"),
        (EventKind::PebbleCheckFailed, "pebble-check-failed"),
        (EventKind::PebbleCheckRecovered, "pebble-check-recovered"),
        (EventKind::Action, "action"),
        (EventKind::Custom, "custom"),
        (EventKind::CollectAppStatus, "collect-app-status"),
        (EventKind::CollectUnitStatus, "collect-unit-status"),
    ];

    pub fn serialize<S: Serializer>(kind: &EventKind, s: S) -> Result<S::Ok, S::Error> {
        let name = NAMES
            .iter()
            .find(|(k, _)| k == kind)
            .map(|(_, n)| *n)
            .unwrap_or("custom");
        s.serialize_str(name)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<EventKind, D::Error> {
        let s = String::deserialize(d)?;
        NAMES
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(k, _)| *k)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event kind `{s}`")))
    }
}

/// Errors rebuilding an event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// A relation event without its relation (`JUJU_RELATION_ID` missing).
    #[error("event `{0}` has no relation")]
    NoRelation(String),
    /// A storage event without its storage.
    #[error("event `{0}` has no storage")]
    NoStorage(String),
    /// A pebble-ready event without its container (`JUJU_WORKLOAD_NAME` missing).
    #[error("event `{0}` has no workload container")]
    NoWorkload(String),
    /// A custom-notice event without its notice (`JUJU_NOTICE_ID`/`_TYPE`/`_KEY` missing).
    #[error("event `{0}` has no notice (JUJU_NOTICE_ID, JUJU_NOTICE_TYPE, JUJU_NOTICE_KEY)")]
    NoNotice(String),
    /// A check event without its check (`JUJU_PEBBLE_CHECK_NAME` missing).
    #[error("event `{0}` has no check (JUJU_PEBBLE_CHECK_NAME)")]
    NoCheck(String),
    /// A secret event without its secret (`JUJU_SECRET_ID` missing).
    #[error("event `{0}` has no secret")]
    NoSecret(String),
    /// The action's params (from `action-get`) do not fit the action's params type.
    #[error("the params of action `{action}` do not match its schema: {source}")]
    Params {
        /// The action.
        action: String,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// The action event does not match the running action (`JUJU_ACTION_NAME`).
    #[error("action event `{event}` does not match the current action `{current}`")]
    ActionMismatch {
        /// The event's action.
        event: String,
        /// `JUJU_ACTION_NAME`.
        current: String,
    },
    /// A custom event's data does not decode into its type.
    #[error("custom event `{name}` does not decode: {source}")]
    Custom {
        /// The event.
        name: String,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// A model call made while rebuilding the event failed.
    #[error(transparent)]
    Model(#[from] ModelError),
}

/// Why `defer()` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeferError(pub &'static str);

/// What every typed event offers the dispatcher.
pub trait Event {
    /// Whether a handler deferred the event.
    fn is_deferred(&self) -> bool;
}

/// Rebuilding a typed event from its snapshot.
pub trait FromSnapshot: Sized {
    /// Rebuild the event for `ctx`'s model.
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError>;
}

/// The part every event shares: its name and the deferral flag.
#[derive(Debug)]
pub struct EventBase {
    name: String,
    kind: EventKind,
    deferred: Cell<bool>,
}

impl EventBase {
    fn new(snapshot: &EventSnapshot) -> Self {
        EventBase {
            name: snapshot.name.clone(),
            kind: snapshot.kind,
            deferred: Cell::new(false),
        }
    }
}

macro_rules! event_common {
    ([$($g:ident),*] $t:ty) => {
        impl<$($g),*> $t {
            /// Python ops' name of this event (e.g. `config_changed`).
            pub fn name(&self) -> &str {
                &self.base.name
            }

            /// The kind of event.
            pub fn kind(&self) -> EventKind {
                self.base.kind
            }
        }

        impl<$($g),*> Event for $t {
            fn is_deferred(&self) -> bool {
                self.base.deferred.get()
            }
        }
    };
    ($t:ty) => {
        event_common!([] $t);
    };
}

macro_rules! deferrable {
    ([$($g:ident),*] $t:ty) => {
        impl<$($g),*> $t {
            /// Defer the event: it is re-emitted, before the next hook's own event, to this handler,
            /// until a handler run does not defer it.
            pub fn defer(&self) {
                self.base.deferred.set(true);
            }
        }
    };
    ($t:ty) => {
        deferrable!([] $t);
    };
}

/// An event with no arguments: install, start, stop, remove, update-status, config-changed,
/// upgrade-charm, pre/post-series-upgrade, leader-elected, leader-settings-changed.
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
///     #[on(install, config_changed)]
///     fn configure(&mut self, ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
///         ctx.unit().set_status(Status::active(format!("after {}", event.name())))?;
///         Ok(())
///     }
/// }
///
/// let out = ops_testing::Context::<Tiny>::new().run(Event::install(), &State::default())?;
/// assert_eq!(out.unit_status(), &Status::active("after install"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct HookEvent {
    base: EventBase,
}
event_common!(HookEvent);

impl HookEvent {
    /// Defer the event: it is re-emitted, before the next hook's own event, to this handler,
    /// until a handler run does not defer it.
    ///
    /// `stop` and `remove` cannot be deferred (as in ops ≥ 2.11, where they are lifecycle
    /// events): nothing runs on the unit after them, so the event would never be re-emitted.
    /// For them this returns [`DeferError`] and the event is not deferred.
    pub fn defer(&self) -> Result<(), DeferError> {
        match self.base.kind {
            EventKind::Stop => Err(DeferError(
                "cannot defer stop events: no hook runs after stop to re-emit them",
            )),
            EventKind::Remove => Err(DeferError(
                "cannot defer remove events: no hook runs after remove to re-emit them",
            )),
            _ => {
                self.base.deferred.set(true);
                Ok(())
            }
        }
    }
}

impl FromSnapshot for HookEvent {
    fn restore<C: Charm>(_ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        Ok(HookEvent {
            base: EventBase::new(snapshot),
        })
    }
}

/// `install`.
pub type InstallEvent = HookEvent;
/// `start`.
pub type StartEvent = HookEvent;
/// `stop`.
pub type StopEvent = HookEvent;
/// `remove`.
pub type RemoveEvent = HookEvent;
/// `update-status`.
pub type UpdateStatusEvent = HookEvent;
/// `config-changed`.
pub type ConfigChangedEvent = HookEvent;
/// `upgrade-charm`.
pub type UpgradeCharmEvent = HookEvent;
/// `leader-elected`.
pub type LeaderElectedEvent = HookEvent;

/// `collect-metrics`: add metrics with [`CollectMetricsEvent::add_metrics`].
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
///     #[on(collect_metrics)]
///     fn metrics(&mut self, _ctx: &mut Context<Self>, event: &CollectMetricsEvent) -> ops_core::Result<()> {
///         event.add_metrics(&[("requests", 42.0)], &[("zone", "a")])?;
///         Ok(())
///     }
/// }
///
/// let ctx = ops_testing::Context::<Tiny>::new();
/// ctx.run(Event::collect_metrics(), &State::default())?;
/// assert_eq!(ctx.last_run().metrics.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CollectMetricsEvent {
    base: EventBase,
    model: crate::model::Model,
}
event_common!(CollectMetricsEvent);
deferrable!(CollectMetricsEvent);

impl CollectMetricsEvent {
    /// Record metrics (`add-metric`), validated as ops validates them.
    pub fn add_metrics(
        &self,
        metrics: &[(&str, f64)],
        labels: &[(&str, &str)],
    ) -> Result<(), ModelError> {
        self.model.add_metrics(metrics, labels)
    }
}

impl FromSnapshot for CollectMetricsEvent {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        Ok(CollectMetricsEvent {
            base: EventBase::new(snapshot),
            model: ctx.model().clone(),
        })
    }
}

/// `collect_unit_status` / `collect_app_status`: emitted by the framework at the end of every
/// hook (the app one on the leader only), after the Juju event and the custom events it caused,
/// before the commit. Every handler adds the statuses of its part of the charm with
/// [`add_status`](CollectStatusEvent::add_status); the framework then sets the highest-priority
/// one (error > blocked > maintenance > waiting > active > unknown; the first added wins a tie),
/// as ops ≥ 2.5 does. Like ops' `CollectStatusEvent` (a lifecycle event), it cannot be deferred.
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
///     #[on(collect_unit_status)]
///     fn status(&mut self, ctx: &mut Context<Self>, event: &CollectStatusEvent) -> ops_core::Result<()> {
///         if ctx.relation::<relations::Db>()?.is_none() {
///             event.add_status(Status::blocked("needs a db relation"))?;
///         }
///         event.add_status(Status::active(""))?;
///         Ok(())
///     }
/// }
///
/// // The framework sets the highest-priority status the handlers added (blocked > active).
/// let out = ops_testing::Context::<Tiny>::new().run(Event::update_status(), &State::default())?;
/// assert_eq!(out.unit_status(), &Status::blocked("needs a db relation"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CollectStatusEvent {
    base: EventBase,
    model: crate::model::Model,
}
event_common!(CollectStatusEvent);

impl CollectStatusEvent {
    /// Add a status for evaluation: the unit's for `collect_unit_status`, the application's for
    /// `collect_app_status`. `error` and `unknown` cannot be set by a charm:
    /// [`ModelError::Invalid`], as ops' `InvalidStatusError`.
    pub fn add_status(&self, status: crate::model::Status) -> Result<(), ModelError> {
        use crate::model::Status;
        if matches!(status, Status::Error(_) | Status::Unknown) {
            return Err(ModelError::Invalid(format!(
                "status.name must be in active, blocked, maintenance, waiting, not '{}'",
                status.name()
            )));
        }
        let app = self.base.kind == EventKind::CollectAppStatus;
        if !matches!(status, Status::Active(_)) {
            log::debug!(
                target: "ops_core",
                "Adding {} status {status}",
                if app { "app" } else { "unit" }
            );
        }
        self.model.add_collected_status(app, status);
        Ok(())
    }

    /// Collect-status events cannot be deferred (as in ops): this always returns an error.
    pub fn defer(&self) -> Result<(), DeferError> {
        Err(DeferError(
            "cannot defer collect-status events: they are emitted at the end of every hook",
        ))
    }
}

impl FromSnapshot for CollectStatusEvent {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        Ok(CollectStatusEvent {
            base: EventBase::new(snapshot),
            model: ctx.model().clone(),
        })
    }
}

/// A relation event: `<endpoint>_relation_{created,joined,changed,departed,broken}`.
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
///         let bag = event.relation.remote_app_data()?.ok_or("no remote app")?;
///         let host = bag.get("host")?.unwrap_or_default();
///         ctx.unit().set_status(Status::active(format!("db at {host}")))?;
///         Ok(())
///     }
/// }
///
/// let db = ops_testing::Relation::of::<relations::Db>().remote_app_data([("host", "10.0.0.7")]);
/// let state = State::default().with_relation(db.clone());
/// let out = ops_testing::Context::<Tiny>::new().run(Event::relation_changed(&db), &state)?;
/// assert_eq!(out.unit_status(), &Status::active("db at 10.0.0.7"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct RelationEvent {
    base: EventBase,
    /// The relation.
    pub relation: Relation,
    /// The remote application, if Juju named one.
    pub app: Option<App>,
    /// The remote unit (joined, changed, departed).
    pub unit: Option<Unit>,
    /// The unit that is leaving (departed).
    pub departing_unit: Option<Unit>,
}
event_common!(RelationEvent);
deferrable!(RelationEvent);

impl FromSnapshot for RelationEvent {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        let (name, id) = snapshot
            .relation
            .clone()
            .ok_or_else(|| EventError::NoRelation(snapshot.name.clone()))?;
        let model = ctx.model();
        Ok(RelationEvent {
            base: EventBase::new(snapshot),
            relation: model.relation_by_id(&name, id),
            app: snapshot.app.as_deref().map(|a| model.get_app(a)),
            unit: snapshot.unit.as_deref().map(|u| model.get_unit(u)),
            departing_unit: snapshot
                .departing_unit
                .as_deref()
                .map(|u| model.get_unit(u)),
        })
    }
}

/// A storage event: `<storage>_storage_{attached,detaching}`.
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
///     #[on(data_storage_attached)]
///     fn attached(&mut self, ctx: &mut Context<Self>, event: &StorageEvent) -> ops_core::Result<()> {
///         let message = format!("{} at {}", event.storage.name(), event.storage.location()?.display());
///         ctx.unit().set_status(Status::active(message))?;
///         Ok(())
///     }
/// }
///
/// let data = ops_testing::Storage::of::<storages::Data>();
/// let state = State::default().with_storage(data.clone());
/// let out = ops_testing::Context::<Tiny>::new().run(Event::storage_attached(&data), &state)?;
/// assert!(matches!(out.unit_status(), Status::Active(m) if m.starts_with("data at ")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StorageEvent {
    base: EventBase,
    /// The storage instance.
    pub storage: Storage,
}
event_common!(StorageEvent);
deferrable!(StorageEvent);

impl FromSnapshot for StorageEvent {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        let (name, index, location) = snapshot
            .storage
            .clone()
            .ok_or_else(|| EventError::NoStorage(snapshot.name.clone()))?;
        Ok(StorageEvent {
            base: EventBase::new(snapshot),
            storage: ctx.model().storage_instance(&name, index, location),
        })
    }
}

/// `<container>_pebble_ready`.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Container, Event, State};
/// # #[derive(Default, StoredState)]
/// # struct K8s;
/// #[charm(dir = "tests/fixtures/k8s")]
/// impl K8s {
///     #[on(web_pebble_ready)]
///     fn ready(&mut self, ctx: &mut Context<Self>, event: &PebbleReadyEvent) -> ops_core::Result<()> {
///         let version = event.workload.pebble().get_system_info()?.version;
///         ctx.unit().set_status(Status::active(format!("pebble {version}")))?;
///         Ok(())
///     }
/// }
///
/// let web = Container::of::<containers::Web>();
/// let state = State::default().with_container(web.clone());
/// let out = ops_testing::Context::<K8s>::new().run(Event::pebble_ready(&web), &state)?;
/// assert!(matches!(out.unit_status(), Status::Active(m) if m.starts_with("pebble ")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PebbleReadyEvent {
    base: EventBase,
    /// The container whose Pebble is ready.
    pub workload: Container,
}
event_common!(PebbleReadyEvent);
deferrable!(PebbleReadyEvent);

impl FromSnapshot for PebbleReadyEvent {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        let name = snapshot
            .workload
            .clone()
            .ok_or_else(|| EventError::NoWorkload(snapshot.name.clone()))?;
        Ok(PebbleReadyEvent {
            base: EventBase::new(snapshot),
            workload: ctx.model().unit().container(&name)?,
        })
    }
}

/// `<container>_pebble_custom_notice`: a custom notice recorded in the container's Pebble.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Container, Event, State};
/// # #[derive(Default, StoredState)]
/// # struct K8s;
/// #[charm(dir = "tests/fixtures/k8s")]
/// impl K8s {
///     #[on(web_pebble_custom_notice)]
///     fn notice(&mut self, ctx: &mut Context<Self>, event: &PebbleNoticeEvent) -> ops_core::Result<()> {
///         if event.notice_key == "example.com/reload" {
///             ctx.unit().set_status(Status::maintenance("reloading"))?;
///         }
///         Ok(())
///     }
/// }
/// ```
#[derive(Debug)]
pub struct PebbleNoticeEvent {
    base: EventBase,
    /// The container.
    pub workload: Container,
    /// The notice's id.
    pub notice_id: String,
    /// The notice's type (`custom`).
    pub notice_type: String,
    /// The notice's key (e.g. `example.com/reload`).
    pub notice_key: String,
}
event_common!(PebbleNoticeEvent);
deferrable!(PebbleNoticeEvent);

impl FromSnapshot for PebbleNoticeEvent {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        let name = snapshot
            .workload
            .clone()
            .ok_or_else(|| EventError::NoWorkload(snapshot.name.clone()))?;
        let (notice_id, notice_type, notice_key) = snapshot
            .notice
            .clone()
            .ok_or_else(|| EventError::NoNotice(snapshot.name.clone()))?;
        Ok(PebbleNoticeEvent {
            base: EventBase::new(snapshot),
            workload: ctx.model().unit().container(&name)?,
            notice_id,
            notice_type,
            notice_key,
        })
    }
}

/// `<container>_pebble_check_failed` / `_recovered`: a Pebble health check changed state.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Container, Event, State};
/// # #[derive(Default, StoredState)]
/// # struct K8s;
/// #[charm(dir = "tests/fixtures/k8s")]
/// impl K8s {
///     #[on(web_pebble_check_failed)]
///     fn check_failed(&mut self, ctx: &mut Context<Self>, event: &PebbleCheckEvent) -> ops_core::Result<()> {
///         ctx.unit().set_status(Status::blocked(format!("check {} failing", event.check_name)))?;
///         Ok(())
///     }
/// }
/// ```
#[derive(Debug)]
pub struct PebbleCheckEvent {
    base: EventBase,
    /// The container.
    pub workload: Container,
    /// The check's name.
    pub check_name: String,
}
event_common!(PebbleCheckEvent);
deferrable!(PebbleCheckEvent);

impl FromSnapshot for PebbleCheckEvent {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        let name = snapshot
            .workload
            .clone()
            .ok_or_else(|| EventError::NoWorkload(snapshot.name.clone()))?;
        let check_name = snapshot
            .check
            .clone()
            .ok_or_else(|| EventError::NoCheck(snapshot.name.clone()))?;
        Ok(PebbleCheckEvent {
            base: EventBase::new(snapshot),
            workload: ctx.model().unit().container(&name)?,
            check_name,
        })
    }
}

/// A secret event: `secret_changed`, `secret_rotate`, `secret_remove`, `secret_expired`.
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
///     #[on(secret_changed)]
///     fn secret_changed(&mut self, ctx: &mut Context<Self>, event: &SecretEvent) -> ops_core::Result<()> {
///         // Move to the new revision and read it.
///         let content = event.secret.get_content(true)?;
///         ctx.unit().set_status(Status::active(format!("user {}", content["user"])))?;
///         Ok(())
///     }
/// }
///
/// let secret = ops_testing::Secret::new([("user", "alice")]).with_latest_content([("user", "bob")]);
/// let state = State::default().with_secret(secret.clone());
/// let out = ops_testing::Context::<Tiny>::new().run(Event::secret_changed(&secret), &state)?;
/// assert_eq!(out.unit_status(), &Status::active("user bob"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SecretEvent {
    base: EventBase,
    /// The secret (no content is fetched until asked).
    pub secret: Secret,
    /// The revision (`secret_remove`, `secret_expired`).
    pub revision: Option<u64>,
}
event_common!(SecretEvent);

impl SecretEvent {
    /// Defer the event. As in ops, `secret_rotate` and `secret_expired` cannot be deferred (Juju
    /// keeps firing them until the secret is handled).
    pub fn defer(&self) -> Result<(), DeferError> {
        match self.base.kind {
            EventKind::SecretRotate => Err(DeferError(
                "Cannot defer secret rotation events. Juju will keep firing this event until you create a new revision.",
            )),
            EventKind::SecretExpired => Err(DeferError(
                "Cannot defer secret expiration events. Juju will keep firing this event until you create a new revision.",
            )),
            _ => {
                self.base.deferred.set(true);
                Ok(())
            }
        }
    }
}

impl SecretEvent {
    /// Remove the revision this `secret_remove` or `secret_expired` event is about
    /// (`secret-remove <id> --revision <n>`; ops 3's `SecretRemoveEvent.remove_revision()` and
    /// `SecretExpiredEvent.remove_revision()`). Juju sends `secret-remove` when no consumer tracks
    /// the revision any more and `secret-expired` when it expires; the owner removes it.
    ///
    /// `secret_changed` and `secret_rotate` name no revision: for them this is
    /// [`ModelError::Invalid`] and nothing is called.
    pub fn remove_revision(&self) -> Result<(), ModelError> {
        match (self.base.kind, self.revision) {
            (EventKind::SecretRemove | EventKind::SecretExpired, Some(revision)) => {
                self.secret.remove_revision(revision)
            }
            (EventKind::SecretRemove | EventKind::SecretExpired, None) => Err(ModelError::Invalid(
                "this secret event carries no revision (JUJU_SECRET_REVISION is not set)".into(),
            )),
            _ => Err(ModelError::Invalid(
                "only secret_remove and secret_expired events name a revision to remove".into(),
            )),
        }
    }
}

impl FromSnapshot for SecretEvent {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        let s = snapshot
            .secret
            .clone()
            .ok_or_else(|| EventError::NoSecret(snapshot.name.clone()))?;
        Ok(SecretEvent {
            base: EventBase::new(snapshot),
            secret: ctx.model().secret_handle(Some(s.id), s.label),
            revision: s.revision,
        })
    }
}

/// An action: `<action>_action`, with its typed params.
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
///     #[on(greet_action)]
///     fn greet(&mut self, _ctx: &mut Context<Self>, event: &ActionEvent<actions::GreetParams>) -> ops_core::Result<()> {
///         event.log("greeting")?;
///         event.set_results(&serde_json::json!({ "message": format!("hello {}", event.params.who) }))?;
///         Ok(())
///     }
/// }
///
/// let params = actions::GreetParams { who: "world".into() };
/// let ctx = ops_testing::Context::<Tiny>::new();
/// ctx.run(Event::action::<actions::Greet>(params), &State::default())?;
/// let output = ctx.action_output().expect("the action ran");
/// assert_eq!(output.results["message"], "hello world");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ActionEvent<P> {
    base: EventBase,
    /// The params, from `action-get`, typed by the action's schema.
    pub params: P,
    /// The params as `action-get` gave them.
    raw: serde_json::Map<String, serde_json::Value>,
    model: crate::model::Model,
}
event_common!([P] ActionEvent<P>);

impl<P> ActionEvent<P> {
    /// Actions cannot be deferred (as in ops): this always returns an error.
    pub fn defer(&self) -> Result<(), DeferError> {
        Err(DeferError("cannot defer action events"))
    }

    /// Set results (`action-set`): any serializable value; nested maps are flattened to dotted
    /// keys and checked as ops checks them.
    pub fn set_results<T: Serialize>(&self, results: &T) -> Result<(), ModelError> {
        self.model.action_set(results)
    }

    /// Log a progress message (`action-log`).
    pub fn log(&self, message: &str) -> Result<(), ModelError> {
        self.model.action_log(message)
    }

    /// Mark the action as failed (`action-fail`).
    pub fn fail(&self, message: &str) -> Result<(), ModelError> {
        self.model.action_fail(message)
    }

    /// The params decoded into `T`, a type of the charm's own (serde, e.g. validating with
    /// `#[serde(try_from = "...")]`), as ops 3's `ActionEvent.load_params(cls, errors=...)`.
    /// Keys are the params' names in `actions.yaml`; no hook tool is called.
    ///
    /// When they do not decode: with [`ParamsErrors::Raise`], [`ModelError::Invalid`] naming
    /// the param and the reason; with [`ParamsErrors::Fail`], the action fails (`action-fail
    /// "Error in action parameters: <param>: <reason>"`) and the error is
    /// [`ModelError::HookAborted`]: returned from the handler with `?`, it ends the hook with
    /// exit status 0 and commits nothing more.
    pub fn load_params<T: serde::de::DeserializeOwned>(
        &self,
        errors: ParamsErrors,
    ) -> Result<T, ModelError> {
        match crate::context::decode_named(serde_json::Value::Object(self.raw.clone())) {
            Ok(params) => Ok(params),
            Err(reason) => match errors {
                ParamsErrors::Raise => Err(ModelError::Invalid(format!(
                    "the params of action `{}` do not decode: {reason}",
                    self.model.action_name().unwrap_or_default()
                ))),
                ParamsErrors::Fail => Err(fail_action(&self.model, &reason)),
            },
        }
    }
}

/// `action-fail` with ops' message for params that do not decode; the error ending the hook.
fn fail_action(model: &crate::model::Model, reason: &str) -> ModelError {
    let message = format!("Error in action parameters: {reason}");
    match model.action_fail(&message) {
        Ok(()) => ModelError::HookAborted(message),
        Err(e) => e,
    }
}

impl<P: serde::de::DeserializeOwned> FromSnapshot for ActionEvent<P> {
    fn restore<C: Charm>(ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        let model = ctx.model().clone();
        let action = snapshot.action.clone().unwrap_or_default();
        if let Some(current) = model.action_name() {
            if current != action {
                return Err(EventError::ActionMismatch {
                    event: action,
                    current: current.to_string(),
                });
            }
        }
        let raw = model.action_get()?;
        let params = match serde_json::from_value(serde_json::Value::Object(raw.clone())) {
            Ok(params) => params,
            Err(source) => {
                return Err(match C::PARAMS_ERRORS {
                    ParamsErrors::Raise => EventError::Params { action, source },
                    ParamsErrors::Fail => {
                        let reason =
                            crate::context::decode_named::<P>(serde_json::Value::Object(raw))
                                .err()
                                .unwrap_or_else(|| source.to_string());
                        EventError::Model(fail_action(&model, &reason))
                    }
                })
            }
        };
        Ok(ActionEvent {
            base: EventBase::new(snapshot),
            params,
            raw,
            model,
        })
    }
}

/// A typed event defined by charm code or a charm library: `#[derive(CustomEvent)]`.
pub trait CustomEventData: Serialize + serde::de::DeserializeOwned {
    /// Its name in the dispatch table (`custom:<Type>`).
    const NAME: &'static str;
}

/// A custom event as a handler receives it: the data plus deferral.
///
/// # Examples
///
/// ```
/// # use ops_core::prelude::*;
/// # use ops_testing::{Event, State};
/// # #[derive(Default, StoredState)]
/// # struct Tiny;
/// /// The charm's own event, with its data.
/// #[derive(serde::Serialize, serde::Deserialize, CustomEvent)]
/// struct PortChanged {
///     port: i64,
/// }
///
/// #[charm(dir = "tests/fixtures/tiny")]
/// impl Tiny {
///     #[on(config_changed)]
///     fn configure(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
///         ctx.emit(&PortChanged { port: ctx.config()?.port })?;
///         Ok(())
///     }
///
///     #[on(custom(PortChanged))]
///     fn port_changed(&mut self, ctx: &mut Context<Self>, event: &CustomEvent<PortChanged>) -> ops_core::Result<()> {
///         ctx.unit().set_status(Status::active(format!("port {}", event.data.port)))?;
///         Ok(())
///     }
/// }
///
/// let out = ops_testing::Context::<Tiny>::new().run(Event::config_changed(), &State::default())?;
/// assert_eq!(out.unit_status(), &Status::active("port 8080"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CustomEvent<T> {
    base: EventBase,
    /// The event's data.
    pub data: T,
}
event_common!([T] CustomEvent<T>);
deferrable!([T] CustomEvent<T>);

impl<T> std::ops::Deref for CustomEvent<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.data
    }
}

impl<T: CustomEventData> FromSnapshot for CustomEvent<T> {
    fn restore<C: Charm>(_ctx: &Context<C>, snapshot: &EventSnapshot) -> Result<Self, EventError> {
        let value = snapshot.custom.clone().unwrap_or(serde_json::Value::Null);
        let data = serde_json::from_value(value).map_err(|source| EventError::Custom {
            name: snapshot.name.clone(),
            source,
        })?;
        Ok(CustomEvent {
            base: EventBase::new(snapshot),
            data,
        })
    }
}
