//! A charm for end-to-end tests of the dispatcher, the counterpart of ops'
//! `test/charms/test_main`.
//!
//! It observes every kind of event its metadata allows (install and the other plain hooks, the five
//! events of relation `db` and of peer relation `cluster`, storage `data` attached/detaching,
//! `workload` pebble-ready, the four secret events, collect-metrics, actions `foo-bar` and
//! `get-model-name`, and the custom event [`Ping`]). Every handler:
//!
//! 1. counts the event in the stored state ([`TestCharm`]);
//! 2. appends what it received as one JSON line to `$JUJU_CHARM_DIR/observed.jsonl`
//!    ([`OBSERVED_FILE`]): the event name, the handler, the count after this event and the
//!    event's arguments (relation name/id, remote app/unit, departing unit, storage
//!    name/index/location, workload, secret id/label/revision, action params, custom data);
//! 3. runs the steps `$JUJU_CHARM_DIR/behaviour.json` ([`BEHAVIOUR_FILE`]) lists for the event
//!    (and for `"*"`, every event), in order — see [`Step`] — so tests can make a handler defer,
//!    fail, panic or call hook tools.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use ops_core::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// Where the handlers append what they received, in the charm directory.
pub const OBSERVED_FILE: &str = "observed.jsonl";
/// What the handlers are told to do, in the charm directory: a JSON object mapping an event name
/// (or `"*"`) to a list of [`Step`] names.
pub const BEHAVIOUR_FILE: &str = "behaviour.json";

/// The charm and its stored state: how many handler runs completed, in total and per event.
///
/// A handler that fails or panics commits nothing, so these counts only ever include the runs of
/// hooks that succeeded. `handled` is always the sum of `counts`.
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct TestCharm {
    /// Handler runs (a deferred event counts each time it is re-emitted).
    pub handled: u64,
    /// Handler runs per event name.
    pub counts: BTreeMap<String, u64>,
}

/// A custom event, emitted by the `emit` step.
#[derive(Debug, Clone, Serialize, Deserialize, ops_core::CustomEvent)]
pub struct Ping {
    /// The event whose handler emitted it.
    pub from: String,
}

/// What the `typed-remote-data` step reads from the remote application's databag of a relation.
#[derive(Debug, PartialEq, ops_core::RelationData)]
pub struct DbInfo {
    /// A host name (stored as is).
    pub host: String,
    /// A port (stored as JSON).
    pub port: u16,
}

/// The steps a handler can be told to run (the names used in [`BEHAVIOUR_FILE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// `defer`: defer the event (an error for events that cannot be deferred).
    Defer,
    /// `fail`: return an error.
    Fail,
    /// `panic`: panic.
    Panic,
    /// `log`: log at INFO (`juju-log`).
    Log,
    /// `status-get`: read the unit status.
    StatusGet,
    /// `set-status`: set the unit status to `active` with the handled count.
    SetStatus,
    /// `is-leader`: ask for leadership.
    IsLeader,
    /// `config`: read the typed config and log the greeting.
    Config,
    /// `typed-remote-data`: load [`DbInfo`] from the remote app databag (relation events).
    TypedRemoteData,
    /// `set-relation-data`: write `handled` into this unit's databag (relation events).
    SetRelationData,
    /// `secret-content`: read the secret's content (secret events).
    SecretContent,
    /// `emit`: emit a [`Ping`].
    Emit,
    /// `action-results`: set the action's results (actions).
    ActionResults,
    /// `action-fail`: fail the action (actions).
    ActionFail,
}

impl Step {
    /// The step called `name` in [`BEHAVIOUR_FILE`].
    pub fn parse(name: &str) -> Option<Step> {
        Some(match name {
            "defer" => Step::Defer,
            "fail" => Step::Fail,
            "panic" => Step::Panic,
            "log" => Step::Log,
            "status-get" => Step::StatusGet,
            "set-status" => Step::SetStatus,
            "is-leader" => Step::IsLeader,
            "config" => Step::Config,
            "typed-remote-data" => Step::TypedRemoteData,
            "set-relation-data" => Step::SetRelationData,
            "secret-content" => Step::SecretContent,
            "emit" => Step::Emit,
            "action-results" => Step::ActionResults,
            "action-fail" => Step::ActionFail,
            _ => return None,
        })
    }
}

/// The charm directory: `JUJU_CHARM_DIR`, else the current directory (as the dispatcher does).
pub fn charm_dir() -> PathBuf {
    std::env::var_os("JUJU_CHARM_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The steps listed for `event` (those for `"*"` first).
pub fn steps_for(event: &str) -> ops_core::Result<Vec<Step>> {
    let path = charm_dir().join(BEHAVIOUR_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
    };
    let table: BTreeMap<String, Vec<String>> = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a map of step lists: {e}", path.display()))?;
    let mut steps = Vec::new();
    for key in ["*", event] {
        for name in table.get(key).into_iter().flatten() {
            steps.push(Step::parse(name).ok_or_else(|| format!("unknown step `{name}`"))?);
        }
    }
    Ok(steps)
}

/// Append `record` as one line to [`OBSERVED_FILE`].
pub fn observe(record: &Value) -> ops_core::Result<()> {
    let path = charm_dir().join(OBSERVED_FILE);
    let mut line = serde_json::to_vec(record)?;
    line.push(b'\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    // One write per line: a process killed mid-hook leaves whole lines.
    file.write_all(&line)?;
    Ok(())
}

type Defer<'a> = &'a dyn Fn() -> ops_core::Result<()>;
type Extra<'a> = &'a dyn Fn(Step) -> ops_core::Result<bool>;

/// The event a handler runs for, as the steps need it.
struct Subject<'a> {
    name: &'a str,
    defer: Defer<'a>,
    relation: Option<&'a Relation>,
    secret: Option<&'a Secret>,
    /// Kind-specific steps (actions); returns whether it handled the step.
    extra: Extra<'a>,
}

impl<'a> Subject<'a> {
    fn new(name: &'a str, defer: Defer<'a>) -> Self {
        Subject {
            name,
            defer,
            relation: None,
            secret: None,
            extra: &|_| Ok(false),
        }
    }
}

fn name_of<T: std::ops::Deref<Target = str>>(x: Option<T>) -> Value {
    x.map(|s| Value::String(s.to_string()))
        .unwrap_or(Value::Null)
}

impl TestCharm {
    /// Count one handler run of `event`; returns the total count.
    fn count(&mut self, event: &str) -> u64 {
        self.handled += 1;
        *self.counts.entry(event.to_string()).or_default() += 1;
        self.handled
    }

    fn act(&self, ctx: &Context<Self>, s: Subject<'_>) -> ops_core::Result<()> {
        for step in steps_for(s.name)? {
            if (s.extra)(step)? {
                continue;
            }
            match step {
                Step::Defer => (s.defer)()?,
                Step::Fail => return Err(format!("{} failed on purpose", s.name).into()),
                Step::Panic => panic!("{} panicked on purpose", s.name),
                Step::Log => log::info!("handling {} (#{})", s.name, self.handled),
                Step::StatusGet => {
                    let status = ctx.unit().status()?;
                    log::info!("status: {status}");
                }
                Step::SetStatus => ctx
                    .unit()
                    .set_status(Status::active(format!("handled {}", self.handled)))?,
                Step::IsLeader => {
                    let leader = ctx.unit().is_leader()?;
                    log::info!("leader: {leader}");
                }
                Step::Config => log::info!("greeting: {}", ctx.config()?.greeting),
                Step::TypedRemoteData => {
                    let relation = s.relation.ok_or("typed-remote-data needs a relation")?;
                    let bag = relation
                        .remote_app_data()?
                        .ok_or("the relation has no remote application")?;
                    let info: DbInfo = bag.load()?;
                    log::info!("db at {}:{}", info.host, info.port);
                }
                Step::SetRelationData => s
                    .relation
                    .ok_or("set-relation-data needs a relation")?
                    .local_unit_data()
                    .set("handled", self.handled.to_string())?,
                Step::SecretContent => {
                    let content = s
                        .secret
                        .ok_or("secret-content needs a secret")?
                        .get_content(false)?;
                    log::info!("secret keys: {:?}", content.keys().collect::<Vec<_>>());
                }
                Step::Emit => ctx.emit(&Ping {
                    from: s.name.to_string(),
                })?,
                Step::ActionResults | Step::ActionFail => {
                    return Err(format!("{step:?} is only for actions").into())
                }
            }
        }
        Ok(())
    }
}

#[charm]
impl TestCharm {
    #[on(
        install,
        start,
        stop,
        remove,
        update_status,
        config_changed,
        upgrade_charm,
        pre_series_upgrade,
        post_series_upgrade,
        leader_elected,
        leader_settings_changed
    )]
    fn on_hook(&mut self, ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
        let n = self.count(event.name());
        observe(&json!({"event": event.name(), "handler": "on_hook", "handled": n}))?;
        let defer = || event.defer().map_err(Into::into);
        self.act(ctx, Subject::new(event.name(), &defer))
    }

    #[on(collect_metrics)]
    fn on_collect_metrics(
        &mut self,
        ctx: &mut Context<Self>,
        event: &CollectMetricsEvent,
    ) -> ops_core::Result<()> {
        let n = self.count(event.name());
        observe(&json!({"event": event.name(), "handler": "on_collect_metrics", "handled": n}))?;
        event.add_metrics(&[("foo", 42.0)], &[("bar", "4.2")])?;
        let defer = || {
            event.defer();
            Ok(())
        };
        self.act(ctx, Subject::new(event.name(), &defer))
    }

    #[on(
        db_relation_created,
        db_relation_joined,
        db_relation_changed,
        db_relation_departed,
        db_relation_broken,
        cluster_relation_created,
        cluster_relation_joined,
        cluster_relation_changed,
        cluster_relation_departed,
        cluster_relation_broken
    )]
    fn on_relation(
        &mut self,
        ctx: &mut Context<Self>,
        event: &RelationEvent,
    ) -> ops_core::Result<()> {
        let n = self.count(event.name());
        observe(&json!({
            "event": event.name(),
            "handler": "on_relation",
            "handled": n,
            "relation": event.relation.name(),
            "relation_id": event.relation.id(),
            "app": name_of(event.app.as_ref().map(|a| a.name())),
            "unit": name_of(event.unit.as_ref().map(|u| u.name())),
            "departing_unit": name_of(event.departing_unit.as_ref().map(|u| u.name())),
        }))?;
        let defer = || {
            event.defer();
            Ok(())
        };
        let mut subject = Subject::new(event.name(), &defer);
        subject.relation = Some(&event.relation);
        self.act(ctx, subject)
    }

    #[on(data_storage_attached, data_storage_detaching)]
    fn on_storage(
        &mut self,
        ctx: &mut Context<Self>,
        event: &StorageEvent,
    ) -> ops_core::Result<()> {
        let n = self.count(event.name());
        let location = event.storage.location()?;
        observe(&json!({
            "event": event.name(),
            "handler": "on_storage",
            "handled": n,
            "storage": event.storage.name(),
            "storage_index": event.storage.index(),
            "storage_location": location.to_string_lossy(),
        }))?;
        let defer = || {
            event.defer();
            Ok(())
        };
        self.act(ctx, Subject::new(event.name(), &defer))
    }

    #[on(workload_pebble_ready)]
    fn on_pebble_ready(
        &mut self,
        ctx: &mut Context<Self>,
        event: &PebbleReadyEvent,
    ) -> ops_core::Result<()> {
        let n = self.count(event.name());
        observe(&json!({
            "event": event.name(),
            "handler": "on_pebble_ready",
            "handled": n,
            "workload": event.workload.name(),
        }))?;
        let defer = || {
            event.defer();
            Ok(())
        };
        self.act(ctx, Subject::new(event.name(), &defer))
    }

    #[on(secret_changed, secret_rotate, secret_remove, secret_expired)]
    fn on_secret(&mut self, ctx: &mut Context<Self>, event: &SecretEvent) -> ops_core::Result<()> {
        let n = self.count(event.name());
        observe(&json!({
            "event": event.name(),
            "handler": "on_secret",
            "handled": n,
            "secret_id": name_of(event.secret.id()),
            "secret_label": name_of(event.secret.label()),
            "secret_revision": event.revision,
        }))?;
        let defer = || event.defer().map_err(Into::into);
        let mut subject = Subject::new(event.name(), &defer);
        subject.secret = Some(&event.secret);
        self.act(ctx, subject)
    }

    #[on(foo_bar_action)]
    fn on_foo_bar(
        &mut self,
        ctx: &mut Context<Self>,
        event: &ActionEvent<test_charm::actions::FooBarParams>,
    ) -> ops_core::Result<()> {
        let n = self.count(event.name());
        observe(&json!({
            "event": event.name(),
            "handler": "on_foo_bar",
            "handled": n,
            "params": serde_json::to_value(&event.params)?,
        }))?;
        let defer = || event.defer().map_err(Into::into);
        let extra = |step: Step| -> ops_core::Result<bool> {
            match step {
                Step::ActionResults => {
                    event.log(&format!("foo-bar for {}", event.params.foo_name))?;
                    event.set_results(&json!({
                        "foo": {"name": event.params.foo_name, "silent": event.params.silent},
                    }))?;
                    Ok(true)
                }
                Step::ActionFail => {
                    event.fail("foo-bar failed on purpose")?;
                    Ok(true)
                }
                _ => Ok(false),
            }
        };
        let mut subject = Subject::new(event.name(), &defer);
        subject.extra = &extra;
        self.act(ctx, subject)
    }

    #[on(get_model_name_action)]
    fn on_get_model_name(
        &mut self,
        ctx: &mut Context<Self>,
        event: &ActionEvent<test_charm::actions::GetModelNameParams>,
    ) -> ops_core::Result<()> {
        let n = self.count(event.name());
        observe(&json!({"event": event.name(), "handler": "on_get_model_name", "handled": n}))?;
        event.set_results(&json!({"model-name": ctx.model().name().unwrap_or("")}))?;
        let defer = || event.defer().map_err(Into::into);
        self.act(ctx, Subject::new(event.name(), &defer))
    }

    #[on(custom(Ping))]
    fn on_ping(
        &mut self,
        ctx: &mut Context<Self>,
        event: &CustomEvent<Ping>,
    ) -> ops_core::Result<()> {
        let n = self.count(event.name());
        observe(&json!({
            "event": event.name(),
            "handler": "on_ping",
            "handled": n,
            "from": event.from,
        }))?;
        let defer = || {
            event.defer();
            Ok(())
        };
        self.act(ctx, Subject::new(event.name(), &defer))
    }
}
