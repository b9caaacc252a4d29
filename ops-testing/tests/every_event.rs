//! The test kit fires every event the runtime handles, in both styles: Pebble custom notices,
//! check failed/recovered, custom events emitted from outside; the consistency checker refuses
//! the impossible ones; `with_charm` reaches the model between events; unknown names get a
//! "did you mean".

use ops_core::pebble::{Check, CheckStatus, Layer, Override};
use ops_core::prelude::*;
use ops_testing::{
    Container, Context as TestContext, Event, Harness, HarnessError, Rule, RunError, SimError,
    State,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Emitted by a (pretend) library when the workload asks for a reload.
#[derive(Debug, Serialize, Deserialize, ops_core::CustomEvent)]
struct Reload {
    reason: String,
}

/// A custom event no handler observes.
#[derive(Debug, Serialize, Deserialize, ops_core::CustomEvent)]
struct Unwatched {}

/// Records what each workload event showed it, by key.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
#[serde(default)]
struct Watcher {
    seen: BTreeMap<String, String>,
    /// Whether a reload may run now (otherwise it is deferred).
    ready: bool,
}

#[charm(dir = "tests/fixtures/k8scharm", module = watcher)]
impl Watcher {
    #[on(app_pebble_custom_notice)]
    fn notice(&mut self, _ctx: &mut Context<Self>, e: &PebbleNoticeEvent) -> ops_core::Result<()> {
        let n = e.workload.get_notice(&e.notice_id)?;
        self.seen.insert(
            "notice".into(),
            format!(
                "{} {} {} {} x{} {:?}",
                e.notice_id, e.notice_type, e.notice_key, n.key, n.occurrences, n.last_data
            ),
        );
        let count = self
            .seen
            .get("notices")
            .map_or(0, |c| c.parse().unwrap_or(0));
        self.seen.insert("notices".into(), (count + 1).to_string());
        Ok(())
    }

    #[on(app_pebble_check_failed, app_pebble_check_recovered)]
    fn check(&mut self, ctx: &mut Context<Self>, e: &PebbleCheckEvent) -> ops_core::Result<()> {
        let info = e.workload.get_check(&e.check_name)?;
        self.seen.insert(
            e.name().to_string(),
            format!("{} {}", e.check_name, info.status.as_str()),
        );
        ctx.unit().set_status(if info.status == CheckStatus::Down {
            Status::maintenance(format!("{} is down", e.check_name))
        } else {
            Status::active("")
        })?;
        Ok(())
    }

    #[on(custom(Reload))]
    fn reload(&mut self, ctx: &mut Context<Self>, e: &CustomEvent<Reload>) -> ops_core::Result<()> {
        if !self.ready {
            e.defer();
            return Ok(());
        }
        self.seen.insert("reload".into(), e.reason.clone());
        ctx.unit()
            .set_status(Status::active(format!("reloaded: {}", e.reason)))?;
        Ok(())
    }

    #[on(config_changed)]
    fn config(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.ready = true;
        Ok(())
    }
}

use watcher::containers::App;

/// A layer with health check `up` (TCP on 8080).
fn check_layer() -> Layer {
    let mut layer = Layer::default();
    let mut tcp = serde_json::Map::new();
    tcp.insert("port".to_string(), serde_json::json!(8080));
    layer.checks.insert(
        "up".into(),
        Check {
            r#override: Override::Replace,
            tcp: Some(tcp),
            ..Check::default()
        },
    );
    layer
}

fn seen(state: &State, key: &str) -> Option<String> {
    state
        .stored_state::<Watcher>()
        .expect("the charm decodes")
        .seen
        .get(key)
        .cloned()
}

// ---- Pebble custom notices --------------------------------------------------------------------

#[test]
fn harness_pebble_notify_records_the_notice_and_fires_the_event() -> TestResult {
    let mut h = Harness::<Watcher>::new();
    h.begin()?;
    h.set_can_connect("app", true)?;
    let id = h.pebble_notify("app", "example.com/reload", [("path", "/etc")], None)?;
    assert_eq!(id, "1");
    let charm = h.charm()?;
    assert_eq!(
        charm.seen["notice"],
        r#"1 custom example.com/reload example.com/reload x1 {"path": "/etc"}"#
    );
    // Again: the same notice, one more occurrence, the event again (repeat-after unset).
    let again = h.pebble_notify("app", "example.com/reload", [("path", "/srv")], None)?;
    assert_eq!(again, id);
    let charm = h.charm()?;
    assert_eq!(
        charm.seen["notice"],
        r#"1 custom example.com/reload example.com/reload x2 {"path": "/srv"}"#
    );
    assert_eq!(charm.seen["notices"], "2");
    // A zero repeat-after repeats too.
    h.pebble_notify(
        "app",
        "example.com/reload",
        [("path", "/0")],
        Some(Duration::ZERO),
    )?;
    assert_eq!(h.charm()?.seen["notices"], "3");
    // A repeat-after that has not elapsed: one more occurrence, no event.
    h.pebble_notify(
        "app",
        "example.com/reload",
        [("path", "/var")],
        Some(Duration::from_secs(60)),
    )?;
    assert_eq!(h.charm()?.seen["notices"], "3");
    let notice = &h.pebble("app")?.state().notices[0];
    assert_eq!(
        (notice.occurrences, notice.last_data["path"].as_str()),
        (4, "/var")
    );
    // Another key: a new notice with the next id.
    assert_eq!(
        h.pebble_notify("app", "example.com/other", [("a", "b")], None)?,
        "2"
    );
    assert_eq!(h.charm()?.seen["notices"], "4");
    Ok(())
}

#[test]
fn harness_pebble_notify_before_begin_only_records() -> TestResult {
    let mut h = Harness::<Watcher>::new();
    h.set_can_connect("app", true)?;
    let id = h.pebble_notify("app", "example.com/early", Vec::<(&str, &str)>::new(), None)?;
    assert!(h.hook_reports().is_empty(), "{:?}", h.hook_reports());
    h.begin()?;
    // The charm sees the notice in Pebble, though no event ran for it.
    let key = h.with_charm(|_, ctx| {
        ctx.unit()
            .container("app")
            .and_then(|c| c.get_notice(&id))
            .map(|n| n.key)
    })??;
    assert_eq!(key, "example.com/early");
    Ok(())
}

#[test]
fn harness_pebble_notify_refuses_what_pebble_refuses() -> TestResult {
    let mut h = Harness::<Watcher>::new();
    h.begin()?;
    let err = h
        .pebble_notify("ap", "example.com/x", Vec::<(&str, &str)>::new(), None)
        .expect_err("no such container");
    assert!(
        matches!(&err, HarnessError::UnknownContainer(c) if c == "ap"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "container `ap` is not declared in the charm's metadata (did you mean `app`?)"
    );
    // Not connectable (the harness's default until set): no workload could notify it.
    let err = h
        .pebble_notify("app", "example.com/x", Vec::<(&str, &str)>::new(), None)
        .expect_err("unreachable");
    assert!(err.to_string().contains("cannot be reached"), "{err}");
    h.set_can_connect("app", true)?;
    let err = h
        .pebble_notify("app", "reload", Vec::<(&str, &str)>::new(), None)
        .expect_err("bad key");
    // Pebble's own message (v1.32.1).
    assert_eq!(
        err.to_string(),
        r#"container `app`: invalid key "reload" (must be in "example.com/path" format)"#
    );
    assert!(h.hook_reports().is_empty());
    Ok(())
}

#[test]
fn state_custom_notice_event_reads_the_containers_notice() -> TestResult {
    let app = Container::of::<App>()
        .with_notice("example.com/other", [("k", "v")])
        .with_notice("example.com/reload", [("path", "/etc")]);
    assert_eq!(app.notices()[1].id, "2");
    let out = TestContext::<Watcher>::new().run(
        Event::pebble_custom_notice(&app, "example.com/reload"),
        State::default().with_container(app),
    )?;
    assert_eq!(
        seen(&out, "notice").as_deref(),
        Some(r#"2 custom example.com/reload example.com/reload x1 {"path": "/etc"}"#)
    );
    Ok(())
}

#[test]
fn state_notice_events_are_checked() {
    let ctx = TestContext::<Watcher>::new();
    let app = Container::of::<App>().with_notice("example.com/reload", [("a", "b")]);
    // A notice the container does not hold.
    let err = ctx
        .run(
            Event::pebble_custom_notice(&app, "example.com/relaod"),
            State::default().with_container(app.clone()),
        )
        .expect_err("unknown notice");
    let inc = err.inconsistency().expect("inconsistent");
    assert!(inc.breaks(Rule::EventNotice), "{inc}");
    assert!(
        inc.to_string()
            .contains("did you mean `example.com/reload`?"),
        "{inc}"
    );
    // The notice is in the event's container, but the state's container lacks it.
    let err = ctx
        .run(
            Event::pebble_custom_notice(&app, "example.com/reload"),
            State::default().with_container(Container::of::<App>()),
        )
        .expect_err("not in the state's container");
    assert!(err
        .inconsistency()
        .is_some_and(|i| i.breaks(Rule::EventNotice)));
    // A container that cannot connect.
    let err = ctx
        .run(
            Event::pebble_custom_notice(&app, "example.com/reload"),
            State::default().with_container(app.clone().with_can_connect(false)),
        )
        .expect_err("unreachable");
    assert!(err
        .inconsistency()
        .is_some_and(|i| i.breaks(Rule::EventNotice)));
    // No container in the state.
    let err = ctx
        .run(
            Event::pebble_custom_notice(&app, "example.com/reload"),
            State::default(),
        )
        .expect_err("no container");
    assert!(err
        .inconsistency()
        .is_some_and(|i| i.breaks(Rule::EventContainer)));
}

// ---- check failed / recovered -----------------------------------------------------------------

#[test]
fn harness_check_failed_and_recovered() -> TestResult {
    let mut h = Harness::<Watcher>::new();
    h.begin()?;
    h.set_can_connect("app", true)?;
    h.pebble("app")?
        .client()
        .add_layer("checks", &check_layer(), false)?;
    h.pebble_check_failed("app", "up")?;
    assert_eq!(h.charm()?.seen["app_pebble_check_failed"], "up down");
    assert_eq!(h.unit_status(), Status::maintenance("up is down"));
    h.pebble_check_recovered("app", "up")?;
    assert_eq!(h.charm()?.seen["app_pebble_check_recovered"], "up up");
    assert_eq!(h.unit_status(), Status::active(""));
    let err = h
        .pebble_check_failed("app", "upp")
        .expect_err("not planned");
    assert_eq!(
        err.to_string(),
        "container `app`: check `upp` is not in the plan (checks: up) (did you mean `up`?)"
    );
    Ok(())
}

#[test]
fn harness_check_events_need_begin_and_a_reachable_pebble() -> TestResult {
    let mut h = Harness::<Watcher>::new();
    assert!(matches!(
        h.pebble_check_failed("app", "up"),
        Err(HarnessError::NotBegun)
    ));
    h.begin()?;
    let err = h
        .pebble_check_recovered("app", "up")
        .expect_err("unreachable");
    assert!(err.to_string().contains("cannot be reached"), "{err}");
    Ok(())
}

#[test]
fn state_check_events_set_the_status_pebble_reports() -> TestResult {
    let ctx = TestContext::<Watcher>::new();
    let app = Container::of::<App>().with_layer("checks", &check_layer());
    let out = ctx.run(
        Event::pebble_check_failed(&app, "up"),
        State::default().with_container(app.clone()),
    )?;
    assert_eq!(
        seen(&out, "app_pebble_check_failed").as_deref(),
        Some("up down")
    );
    assert_eq!(out.unit_status(), &Status::maintenance("up is down"));
    let app = out.container("app").expect("kept").clone();
    let out = ctx.run(Event::pebble_check_recovered(&app, "up"), out.clone())?;
    assert_eq!(
        seen(&out, "app_pebble_check_recovered").as_deref(),
        Some("up up")
    );
    assert_eq!(out.unit_status(), &Status::active(""));
    Ok(())
}

#[test]
fn state_check_events_are_checked() {
    let ctx = TestContext::<Watcher>::new();
    let app = Container::of::<App>().with_layer("checks", &check_layer());
    // Not in the plan.
    let err = ctx
        .run(
            Event::pebble_check_failed(&app, "ready"),
            State::default().with_container(app.clone()),
        )
        .expect_err("not planned");
    let inc = err.inconsistency().expect("inconsistent");
    assert!(inc.breaks(Rule::EventCheck), "{inc}");
    // The state's earlier status does not matter: Pebble has changed it when Juju sends the
    // event, and the hook sees it so.
    let up = app.clone().with_check_status("up", CheckStatus::Up);
    let out = ctx
        .run(
            Event::pebble_check_failed(&up, "up"),
            State::default().with_container(up),
        )
        .expect("a failure of a check that was up");
    assert_eq!(
        seen(&out, "app_pebble_check_failed").as_deref(),
        Some("up down")
    );
    // Unreachable Pebble.
    let off = app.clone().with_can_connect(false);
    let err = ctx
        .run(
            Event::pebble_check_recovered(&off, "up"),
            State::default().with_container(off),
        )
        .expect_err("unreachable");
    assert!(err
        .inconsistency()
        .is_some_and(|i| i.breaks(Rule::EventCheck)));
}

// ---- custom events ----------------------------------------------------------------------------

#[test]
fn harness_emit_custom_runs_its_handler_and_a_deferred_one_comes_back() -> TestResult {
    let mut h = Harness::<Watcher>::new();
    h.begin()?;
    h.emit_custom(&Reload {
        reason: "early".into(),
    })?;
    // Not ready: deferred.
    assert_eq!(h.deferred().len(), 1);
    assert_eq!(h.deferred()[0].method, "reload");
    assert!(!h.charm()?.seen.contains_key("reload"));
    h.update_config([("motd", "hi")])?;
    // The next hook re-emits it first (it ran before config-changed: deferred again).
    assert_eq!(h.deferred().len(), 1);
    h.emit_custom(&Reload {
        reason: "now".into(),
    })?;
    // The deferred one ran first, then the new one.
    assert!(h.deferred().is_empty());
    assert_eq!(h.charm()?.seen["reload"], "now");
    assert_eq!(h.unit_status(), Status::active("reloaded: now"));
    Ok(())
}

#[test]
fn harness_emit_custom_refuses_an_unobserved_event() -> TestResult {
    let mut h = Harness::<Watcher>::new();
    assert!(matches!(
        h.emit_custom(&Reload { reason: "x".into() }),
        Err(HarnessError::NotBegun)
    ));
    h.begin()?;
    let err = h.emit_custom(&Unwatched {}).expect_err("unobserved");
    assert!(
        matches!(&err, HarnessError::UnobservedCustomEvent(n) if n == "custom:Unwatched"),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn state_custom_event_runs_and_defers() -> TestResult {
    let ctx = TestContext::<Watcher>::new();
    let ready = Watcher {
        ready: true,
        ..Watcher::default()
    };
    let out = ctx.run(
        Event::custom(&Reload {
            reason: "go".into(),
        })?,
        State::default().with_stored_state(&ready),
    )?;
    assert_eq!(seen(&out, "reload").as_deref(), Some("go"));
    assert_eq!(out.unit_status(), &Status::active("reloaded: go"));
    assert!(out.deferred().is_empty());
    // Not ready: deferred, and kept with its data.
    let out = ctx.run(
        Event::custom(&Reload {
            reason: "later".into(),
        })?,
        State::default(),
    )?;
    assert_eq!(out.deferred().len(), 1);
    let snap = out.deferred()[0].snapshot().expect("stored");
    assert_eq!(snap.name, "custom:Reload");
    assert_eq!(snap.custom, Some(serde_json::json!({"reason": "later"})));
    // Given as deferred in the state: re-emitted before the hook's own event.
    let out = ctx.run(
        Event::update_status(),
        State::default().with_stored_state(&ready).with_deferred(
            Event::custom(&Reload {
                reason: "old".into(),
            })?
            .deferred("reload"),
        ),
    )?;
    assert_eq!(seen(&out, "reload").as_deref(), Some("old"));
    assert!(out.deferred().is_empty());
    Ok(())
}

#[test]
fn state_unobserved_custom_event_is_inconsistent() -> TestResult {
    let err = TestContext::<Watcher>::new()
        .run(Event::custom(&Unwatched {})?, State::default())
        .expect_err("unobserved");
    let inc = err.inconsistency().expect("inconsistent");
    assert!(inc.breaks(Rule::CustomEvent), "{inc}");
    assert!(inc.to_string().contains("custom:Reload"), "{inc}");
    Ok(())
}

// ---- with_charm over a State --------------------------------------------------------------------

#[test]
fn context_with_charm_reads_the_state_and_records_writes() -> TestResult {
    let ctx = TestContext::<Watcher>::new();
    let app = Container::of::<App>().with_file("/etc/motd", "hi");
    let state = State::default()
        .with_leader(true)
        .with_config_value("motd", "bonjour")
        .with_container(app);
    let (seen_motd, out) = ctx.with_charm(&state, |charm, ctx| -> ops_core::Result<String> {
        charm.seen.insert("probe".into(), "yes".into());
        ctx.unit().set_status(Status::waiting("probing"))?;
        let file = ctx.unit().container("app")?.pull_text("/etc/motd")?;
        Ok(format!("{} {}", ctx.config()?.motd, file))
    })?;
    assert_eq!(seen_motd.map_err(|e| e.to_string())?, "bonjour hi");
    assert_eq!(out.unit_status(), &Status::waiting("probing"));
    assert_eq!(seen(&out, "probe").as_deref(), Some("yes"));
    // Only the closure ran: no handler, no collect-status, the input state untouched.
    assert!(seen(&out, "notice").is_none());
    assert_eq!(state.unit_status(), &Status::Unknown);
    assert!(ctx.tool_calls().iter().any(|c| c.argv[0] == "status-set"));
    Ok(())
}

#[test]
fn context_with_charm_is_checked_and_a_panic_is_an_error() -> TestResult {
    let ctx = TestContext::<Watcher>::new();
    let err = ctx
        .with_charm(State::default().with_config_value("motdd", "x"), |_, _| ())
        .expect_err("inconsistent");
    assert!(err.to_string().contains("did you mean `motd`?"), "{err}");
    let err = ctx
        .with_charm(State::default(), |_, ctx| {
            let _ = ctx.unit().set_status(Status::blocked("before"));
            panic!("probe exploded")
        })
        .expect_err("panicked");
    assert!(
        matches!(&err, RunError::Panicked(m) if m == "probe exploded"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "the closure given to with_charm panicked: probe exploded"
    );
    Ok(())
}

// ---- did you mean -------------------------------------------------------------------------------

#[test]
fn unknown_names_suggest_the_closest_declared_one() -> TestResult {
    let mut h = Harness::<Watcher>::new();
    let err = h
        .update_config([("motdd", "x")])
        .expect_err("unknown option");
    assert_eq!(
        err.to_string(),
        "config option `motdd` is not declared in the charm's config (did you mean `motd`?)"
    );
    let err = h.add_storage("dta", 1, false).expect_err("unknown storage");
    assert_eq!(
        err.to_string(),
        "storage `dta` is not declared in the charm's metadata (did you mean `data`?)"
    );
    let err = h
        .set_can_connect("sidecr", true)
        .expect_err("unknown container");
    assert!(
        err.to_string().ends_with("(did you mean `sidecar`?)"),
        "{err}"
    );
    // Nothing close: no suggestion.
    let err = h
        .set_can_connect("zzzzzzzz", true)
        .expect_err("unknown container");
    assert!(!err.to_string().contains("did you mean"), "{err}");
    assert!(matches!(err, HarnessError::UnknownContainer(ref n) if n.suggestion.is_none()));
    h.begin()?;
    let err = h.add_relation("dbb", "pg").expect_err("no endpoint");
    assert!(matches!(err, HarnessError::UnknownEndpoint(_)), "{err:?}");
    let err = h
        .run_action("greet", serde_json::json!({}))
        .expect_err("no actions");
    assert!(
        matches!(&err, HarnessError::Sim(SimError::UnknownAction(a)) if a == "greet"),
        "{err:?}"
    );
    Ok(())
}

#[test]
fn harness_takes_endpoints_by_type() -> TestResult {
    use watcher::storages::Data;
    let mut h = Harness::<Watcher>::new();
    h.set_can_connect_of::<App>(true)?;
    assert!(h.can_connect("app")?);
    let ids = h.add_storage_of::<Data>(1, true)?;
    assert_eq!(ids, ["data/0"]);
    h.begin()?;
    h.container_pebble_ready_of::<App>()?;
    assert_eq!(
        h.hook_reports().last().map(|r| r.event.as_str()),
        Some("app_pebble_ready")
    );
    Ok(())
}
