//! `run_custom`: a custom event emitted from outside the charm (what the test kits' `emit_custom`
//! and `Event::custom` do) replaces the hook's Juju event; deferred events, collect-status and
//! the commit are those of any hook.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use ops_core::dispatch::{HookSetup, StatusEvaluation, StoreSource, STATE_FILE};
use ops_core::env::JujuContext;
use ops_core::events::{CustomEventData, EventSnapshot};
use ops_core::hooktools::FakeRunner;
use ops_core::meta::EventKind;
use ops_core::prelude::*;

#[derive(serde::Serialize, serde::Deserialize, CustomEvent)]
struct Reload {
    reason: String,
}

#[derive(Default, serde::Serialize, serde::Deserialize, StoredState)]
#[serde(default)]
struct Custom {
    reloads: Vec<String>,
}

#[charm(dir = "tests/fixtures/k8s")]
impl Custom {
    #[on(install)]
    fn install(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().set_status(Status::maintenance("installed"))?;
        Ok(())
    }

    #[on(custom(Reload))]
    fn reload(
        &mut self,
        ctx: &mut Context<Self>,
        event: &CustomEvent<Reload>,
    ) -> ops_core::Result<()> {
        if event.reason == "later" && self.reloads.is_empty() {
            self.reloads.push("deferred".into());
            event.defer();
            return Ok(());
        }
        self.reloads.push(event.reason.clone());
        ctx.unit()
            .set_status(Status::active(self.reloads.join(",")))?;
        Ok(())
    }

    #[on(collect_unit_status)]
    fn status(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &CollectStatusEvent,
    ) -> ops_core::Result<()> {
        event.add_status(Status::waiting("collected"))?;
        Ok(())
    }
}

fn setup(dir: &Path, fake: &Rc<FakeRunner>, dispatch: &str) -> HookSetup {
    let env: HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "k8s/0"),
        ("JUJU_VERSION", "3.6.0"),
        ("JUJU_DISPATCH_PATH", dispatch),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    HookSetup {
        env: JujuContext::from_map(&env).expect("valid environment"),
        runner: fake.clone(),
        charm_dir: dir.to_path_buf(),
        argv0: dir.join("dispatch"),
        store: Some(StoreSource::Local(dir.join(STATE_FILE))),
        is_process: false,
    }
}

fn fake() -> Rc<FakeRunner> {
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("juju-log", "");
    fake.on_ok("status-set", "");
    fake.on_ok(
        "status-get",
        r#"{"message": "", "status": "unknown", "status-data": {}}"#,
    );
    fake.on_ok("is-leader", "False");
    fake
}

fn statuses(fake: &FakeRunner) -> Vec<String> {
    fake.calls()
        .iter()
        .filter(|c| c.tool == "status-set")
        .map(|c| c.args.last().cloned().unwrap_or_default())
        .collect()
}

fn reload(reason: &str) -> EventSnapshot {
    let mut snap = EventSnapshot::new(Reload::NAME, EventKind::Custom);
    snap.custom = Some(serde_json::json!({ "reason": reason }));
    snap
}

#[test]
fn the_custom_event_replaces_the_juju_event() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake();
    let report = ops_core::run_custom::<Custom>(
        setup(dir.path(), &fake, "hooks/install"),
        StatusEvaluation::Skip,
        reload("go"),
    )
    .unwrap();
    // Only the custom event's handler ran: not `install`'s, no collect-status.
    assert_eq!(report.handler_calls, 1);
    assert!(report.committed);
    assert_eq!(statuses(&fake), ["go"]);
}

#[test]
fn statuses_are_collected_after_it_as_in_any_hook() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake();
    ops_core::run_custom::<Custom>(
        setup(dir.path(), &fake, "hooks/install"),
        StatusEvaluation::AfterEvent,
        reload("go"),
    )
    .unwrap();
    assert_eq!(statuses(&fake), ["go", "collected"]);
}

#[test]
fn only_the_evaluation_emits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake();
    let report = ops_core::run_custom::<Custom>(
        setup(dir.path(), &fake, "hooks/install"),
        StatusEvaluation::Only,
        reload("go"),
    )
    .unwrap();
    assert_eq!(statuses(&fake), ["collected"]);
    assert_eq!(report.deferred, 0);
}

#[test]
fn a_deferred_custom_event_comes_back_before_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let fake = fake();
    let report = ops_core::run_custom::<Custom>(
        setup(dir.path(), &fake, "hooks/install"),
        StatusEvaluation::Skip,
        reload("later"),
    )
    .unwrap();
    assert_eq!(report.deferred, 1);
    assert!(statuses(&fake).is_empty());
    // The next one: the deferred event first (it runs now), then the new one.
    let report = ops_core::run_custom::<Custom>(
        setup(dir.path(), &fake, "hooks/install"),
        StatusEvaluation::Skip,
        reload("now"),
    )
    .unwrap();
    assert_eq!(report.handler_calls, 2);
    assert_eq!(report.deferred, 0);
    assert_eq!(statuses(&fake), ["deferred,later", "deferred,later,now"]);
}
