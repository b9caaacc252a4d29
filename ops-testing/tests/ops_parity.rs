//! Behaviour pinned down by Python ops 2.1.1's own unit tests (Harness, model and framework
//! tests), in both test styles: ports opened in the running hook, hook tools made to fail, config
//! set and unset in one `config-changed`.

use ops_core::hooktools::HookToolError;
use ops_core::prelude::*;
use ops_core::ModelError;
use ops_testing::sim::{ToolFault, ToolFaultError};
use ops_testing::{
    Context as TestContext, Event, Harness, HarnessError, Port, RunError, SimError, State,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A charm that records what its handlers saw, as `key → outcome`.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct Probe {
    /// Observations, by key.
    pub seen: BTreeMap<String, String>,
}

/// What a result looks like to the charm: `ok:<value>`, or the kind of error it got.
fn outcome<T: std::fmt::Display>(r: Result<T, ModelError>) -> String {
    match r {
        Ok(v) => format!("ok:{v}"),
        Err(ModelError::HookTool(HookToolError::Failed { code, stderr, .. })) => {
            format!("failed:{}:{}", code.unwrap_or(-1), stderr.trim_end())
        }
        Err(ModelError::HookTool(HookToolError::Parse { .. })) => "parse".to_string(),
        Err(e) if e.is_secret_not_found() => "secret-not-found".to_string(),
        Err(e) if e.is_relation_not_found() => "relation-not-found".to_string(),
        Err(e) => format!("other:{e}"),
    }
}

fn ports(ctx: &Context<Probe>) -> Result<String, ModelError> {
    Ok(ctx
        .unit()
        .opened_ports()?
        .iter()
        .map(|p| format!("{}/{}", p.port.unwrap_or(0), p.protocol))
        .collect::<Vec<_>>()
        .join(","))
}

#[charm(dir = "tests/fixtures/testcharm", module = testcharm)]
impl Probe {
    #[on(update_status)]
    fn on_update_status(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        let network = ctx
            .model()
            .network("db", None)
            .map(|n| n.bind_address().unwrap_or("").to_string());
        self.seen.insert("network".into(), outcome(network));
        self.seen.insert("ports".into(), outcome(ports(ctx)));
        self.seen.insert(
            "status".into(),
            outcome(ctx.unit().status().map(|s| s.name().to_string())),
        );
        Ok(())
    }

    #[on(secret_changed)]
    fn on_secret_changed(
        &mut self,
        ctx: &mut Context<Self>,
        e: &SecretEvent,
    ) -> ops_core::Result<()> {
        let id = e.secret.id().ok_or("the event names its secret")?;
        let read = |how: &str| -> ops_core::Result<String> {
            let secret = ctx.model().get_secret(Some(&id), None)?;
            let content = match how {
                "peek" => secret.peek_content()?,
                "refresh" => secret.get_content(true)?,
                _ => secret.get_content(false)?,
            };
            Ok(content.get("key").cloned().unwrap_or_default())
        };
        let reads = ["get", "peek", "get", "refresh", "get"]
            .iter()
            .map(|how| read(how))
            .collect::<ops_core::Result<Vec<_>>>()?;
        let n = self.seen.get("secret-events").map_or(0, |s| s.len());
        self.seen.insert("secret-events".into(), "x".repeat(n + 1));
        self.seen.insert("secret".into(), reads.join(" "));
        Ok(())
    }

    #[on(db_relation_broken)]
    fn on_db_broken(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &RelationEvent,
    ) -> ops_core::Result<()> {
        let app = e.relation.app()?.map(|a| a.name().to_string());
        self.seen
            .insert("broken-app".into(), app.unwrap_or_else(|| "none".into()));
        Ok(())
    }

    #[on(greet_action)]
    fn on_greet(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &ActionEvent<testcharm::actions::GreetParams>,
    ) -> ops_core::Result<()> {
        log::info!("greeting {}", e.params.who);
        let logged = e.log("greeting").map(|_| "done");
        let set = e
            .set_results(&serde_json::json!({"greeting": format!("hi {}", e.params.who)}))
            .map(|_| "done");
        self.seen.insert("action-log".into(), outcome(logged));
        self.seen.insert("action-set".into(), outcome(set));
        Ok(())
    }

    #[on(start)]
    fn on_start(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.seen.insert("before".into(), ports(ctx)?);
        ctx.unit().open_port("tcp", Some(9000))?;
        ctx.unit().close_port("tcp", Some(80))?;
        self.seen.insert("after".into(), ports(ctx)?);
        Ok(())
    }

    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        let raw = ctx.model().backend().config_get()?;
        let mut keys: Vec<String> = raw
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        keys.sort();
        self.seen.insert("config".into(), keys.join(" "));
        let n = self.seen.get("config-events").map_or(0, |s| s.len());
        self.seen.insert("config-events".into(), "x".repeat(n + 1));
        Ok(())
    }
}

fn seen(h: &Harness<Probe>, key: &str) -> Result<String, HarnessError> {
    Ok(h.charm()?.seen.get(key).cloned().unwrap_or_default())
}

fn seen_in(state: &State, key: &str) -> String {
    state
        .stored_state::<Probe>()
        .ok()
        .and_then(|c| c.seen.get(key).cloned())
        .unwrap_or_default()
}

// ---- ports opened or closed in the running hook ------------------------------------------------

#[test]
fn harness_opened_ports_include_this_hooks_changes() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.begin()?;
    h.sim().state_mut().opened_ports = vec!["80/tcp".into(), "53/udp".into()];
    h.emit_hook("start")?;
    assert_eq!(seen(&h, "before")?, "80/tcp,53/udp");
    assert_eq!(seen(&h, "after")?, "9000/tcp,53/udp");
    assert_eq!(h.opened_ports(), [Port::tcp(9000), Port::udp(53)]);
    Ok(())
}

#[test]
fn state_opened_ports_include_this_hooks_changes() -> TestResult {
    let ctx = TestContext::<Probe>::new();
    let out = ctx.run(
        Event::start(),
        State::default().with_opened_port(Port::tcp(80)),
    )?;
    assert_eq!(seen_in(&out, "before"), "80/tcp");
    assert_eq!(seen_in(&out, "after"), "9000/tcp");
    assert_eq!(
        out.opened_ports().iter().copied().collect::<Vec<_>>(),
        [Port::tcp(9000)]
    );
    Ok(())
}

#[test]
fn before_juju_2_9_opened_ports_are_the_committed_ones() -> TestResult {
    let ctx = TestContext::<Probe>::new().with_juju_version("2.8.10");
    let out = ctx.run(
        Event::start(),
        State::default().with_opened_port(Port::tcp(80)),
    )?;
    assert_eq!(seen_in(&out, "after"), "80/tcp");
    Ok(())
}

// ---- hook tools made to fail -------------------------------------------------------------------

const UNBOUND: &str = "ERROR no network config found for binding \"db\"\n";

#[test]
fn harness_tool_fault_for_one_call_leaves_the_next_untouched() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.begin()?;
    h.add_tool_fault(
        ToolFault::fail("network-get", 1, UNBOUND)?
            .with_args(["db"])
            .times(1),
    )?;
    h.emit_hook("update-status")?;
    assert_eq!(
        seen(&h, "network")?,
        "failed:1:ERROR no network config found for binding \"db\""
    );
    assert!(h.sim().faults().is_empty(), "used up");
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "network")?, "ok:10.0.0.10");
    Ok(())
}

#[test]
fn harness_tool_fault_prints_garbage_and_warnings() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.begin()?;
    h.add_tool_fault(ToolFault::print("opened-ports", "eighty/tcp\n")?)?;
    h.add_tool_fault(
        ToolFault::print(
            "status-get",
            r#"{"status":"active","message":"","status-data":{}}"#,
        )?
        .with_stderr("WARNING deprecated\n"),
    )?;
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "ports")?, "parse");
    assert_eq!(seen(&h, "status")?, "ok:active");
    // A fault without a count stays.
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "ports")?, "parse");
    h.clear_tool_faults();
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "ports")?, "ok:");
    Ok(())
}

#[test]
fn a_faulted_call_is_traced_and_writes_nothing() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.begin()?;
    h.add_tool_fault(ToolFault::fail(
        "open-port",
        1,
        "ERROR port range conflict\n",
    )?)?;
    let err = h.emit_hook("start").expect_err("open-port fails");
    assert!(err.to_string().contains("port range conflict"), "{err}");
    assert!(h.opened_ports().is_empty());
    let call = h
        .tool_calls()
        .into_iter()
        .find(|c| c.argv[0] == "open-port")
        .ok_or("open-port traced")?;
    assert_eq!(
        (call.exit, call.stderr.as_str()),
        (1, "ERROR port range conflict\n")
    );
    Ok(())
}

#[test]
fn state_tool_fault_and_what_is_left_of_it() -> TestResult {
    let ctx = TestContext::<Probe>::new();
    let state = State::default()
        .with_tool_fault(ToolFault::fail("status-get", 1, "ERROR status-get failed\n")?.times(2))
        .with_tool_fault(ToolFault::fail("network-get", 1, UNBOUND)?.with_args(["admin"]));
    let out = ctx.run(Event::update_status(), &state)?;
    assert_eq!(seen_in(&out, "status"), "failed:1:ERROR status-get failed");
    // `admin` was not asked for: that fault did not apply.
    assert_eq!(seen_in(&out, "network"), "ok:10.0.0.10");
    let left: Vec<(&str, Option<u32>)> = out
        .tool_faults()
        .iter()
        .map(|f| (f.tool(), f.remaining()))
        .collect();
    assert_eq!(left, [("status-get", Some(1)), ("network-get", None)]);
    let out = ctx.run(Event::update_status(), &out)?;
    assert_eq!(seen_in(&out, "status"), "failed:1:ERROR status-get failed");
    let out = ctx.run(Event::update_status(), &out)?;
    assert_eq!(seen_in(&out, "status"), "ok:unknown");
    Ok(())
}

#[test]
fn bad_faults_get_clear_errors() -> TestResult {
    let err = ToolFault::fail("stauts-get", 1, "").expect_err("unknown tool");
    assert_eq!(
        err.to_string(),
        "`stauts-get` is not a Juju hook tool (did you mean `status-get`?)"
    );
    assert!(matches!(
        ToolFault::fail("status-get", 0, ""),
        Err(ToolFaultError::ExitCode(0))
    ));
    assert!(matches!(
        ToolFault::fail("status-get", 300, ""),
        Err(ToolFaultError::ExitCode(300))
    ));
    let mut h = Harness::<Probe>::new();
    let err = h
        .add_tool_fault(ToolFault::print("is-leader", "true")?.times(0))
        .expect_err("never applies");
    assert!(matches!(
        err,
        HarnessError::Sim(SimError::Fault(ToolFaultError::NeverApplies(_)))
    ));
    let ctx = TestContext::<Probe>::new();
    let state = State::default().with_tool_fault(ToolFault::print("is-leader", "true")?.times(0));
    let err = ctx
        .run(Event::update_status(), state)
        .expect_err("never applies");
    assert!(matches!(err, RunError::Sim(SimError::Fault(_))), "{err}");
    Ok(())
}

// ---- config set and unset in one config-changed ------------------------------------------------

#[test]
fn update_config_sets_and_unsets_in_one_config_changed() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.update_config([("name", "bob")])?;
    h.update_config([("token", "t1")])?;
    h.begin()?;
    h.update_config_and_unset([("port", 9000)], ["name", "token"])?;
    assert_eq!(seen(&h, "config-events")?, "x", "one config-changed");
    assert_eq!(
        seen(&h, "config")?,
        "debug=false name=\"\" port=9000 ratio=1.5"
    );
    // A bad key changes nothing and runs nothing.
    let err = h
        .update_config_and_unset([("port", 1)], ["nope"])
        .expect_err("unknown key");
    assert!(err.to_string().contains("nope"), "{err}");
    let err = h
        .update_config_and_unset([("port", "eighty")], Vec::<String>::new())
        .expect_err("wrong type");
    assert!(matches!(err, HarnessError::Config(_)), "{err}");
    assert_eq!(h.config().get("port"), Some(&serde_json::json!(9000)));
    assert_eq!(seen(&h, "config-events")?, "x");
    Ok(())
}

// ---- secret revisions, as a consumer tracks them -------------------------------------------------

#[test]
fn harness_consumer_tracks_the_granted_revision() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.add_relation("db", "remote")?;
    let id = h.add_model_secret("remote", [("key", "v1")])?;
    h.begin()?;
    // Not granted yet: this unit tracks nothing and gets no secret-changed.
    h.set_secret_content(&id, [("key", "v2")])?;
    assert_eq!(seen(&h, "secret-events")?, "");
    // The grant starts tracking the current revision (2).
    h.grant_secret(&id, "testcharm")?;
    h.set_secret_content(&id, [("key", "v3")])?;
    assert_eq!(seen(&h, "secret-events")?, "x");
    // get_content: tracked; peek: latest without moving; refresh: latest, moving.
    assert_eq!(seen(&h, "secret")?, "v2 v3 v2 v3 v3");
    Ok(())
}

#[test]
fn harness_no_secret_changed_for_a_consumer_already_on_the_latest() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.add_relation("db", "remote")?;
    let id = h.add_model_secret("remote", [("key", "v1")])?;
    h.grant_secret(&id, "testcharm")?;
    h.begin()?;
    h.set_secret_content(&id, [("key", "v2")])?;
    assert_eq!(seen(&h, "secret")?, "v1 v2 v1 v2 v2");
    // The handler refreshed: tracking is at 2; a third revision is news again.
    h.set_secret_content(&id, [("key", "v3")])?;
    assert_eq!(seen(&h, "secret-events")?, "xx");
    assert_eq!(seen(&h, "secret")?, "v2 v3 v2 v3 v3");
    Ok(())
}

#[test]
fn state_consumer_reads_tracked_peeks_and_refreshes_latest() -> TestResult {
    let secret = ops_testing::Secret::new([("key", "v1")]).with_latest_content([("key", "v2")]);
    let ctx = TestContext::<Probe>::new();
    let out = ctx.run(
        Event::secret_changed(&secret),
        State::default().with_secret(secret.clone()),
    )?;
    assert_eq!(seen_in(&out, "secret"), "v1 v2 v1 v2 v2");
    let after = out.secret(secret.id()).ok_or("kept")?;
    assert_eq!(after.tracked_revision(), Some(2));
    assert_eq!(after.tracked_content(), after.latest());
    // Tracking a middle revision: plain reads return it.
    let secret = ops_testing::Secret::new([("key", "v1")])
        .with_latest_content([("key", "v2")])
        .with_latest_content([("key", "v3")])
        .with_tracked_revision(2);
    let out = ctx.run(
        Event::secret_changed(&secret),
        State::default().with_secret(secret.clone()),
    )?;
    assert_eq!(seen_in(&out, "secret"), "v2 v3 v2 v3 v3");
    // A tracked revision the secret does not have is inconsistent.
    let bad = secret.with_tracked_revision(7);
    let err = ctx
        .run(
            Event::secret_changed(&bad),
            State::default().with_secret(bad.clone()),
        )
        .expect_err("revision 7 does not exist");
    assert!(err.to_string().contains("revision 7"), "{err}");
    Ok(())
}

// ---- the model from a test, between events -----------------------------------------------------

#[test]
fn with_charm_reads_the_model_and_writes_as_a_hook() -> TestResult {
    let mut h = Harness::<Probe>::new();
    assert!(matches!(
        h.with_charm(|_, _| ()),
        Err(HarnessError::NotBegun)
    ));
    let rid = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(rid, "postgresql/0")?;
    h.update_relation_data(rid, "postgresql/0", [("host", "db0")])?;
    h.update_config([("port", 7000)])?;
    h.begin()?;
    let read = h.with_charm(|charm, ctx| -> Result<(i64, String), ModelError> {
        charm.seen.insert("poked".into(), "yes".into());
        let relation = ctx.model().relations("db")?.remove(0);
        let unit = relation.units()?.remove(0);
        let host = relation.data(&unit).get("host")?.unwrap_or_default();
        relation.local_unit_data().set("seen-host", host.clone())?;
        ctx.unit().set_status(Status::active("poked"))?;
        Ok((ctx.config()?.port, host))
    })?;
    let (port, host) = read?;
    assert_eq!((port, host.as_str()), (7000, "db0"));
    assert_eq!(h.unit_status(), Status::active("poked"));
    assert_eq!(
        h.get_relation_data(rid, "testcharm/0")?
            .and_then(|d| d.get("seen-host").cloned()),
        Some("db0".to_string())
    );
    assert_eq!(seen(&h, "poked")?, "yes");
    assert!(!h.sim().in_hook());
    Ok(())
}

#[test]
fn with_charm_survives_a_panic_and_drops_its_pending_writes() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.begin()?;
    let err = h
        .with_charm(|charm, ctx| {
            charm.seen.insert("lost".into(), "yes".into());
            let _ = ctx.unit().open_port("tcp", Some(4000));
            let _ = ctx.unit().set_status(Status::blocked("kept"));
            panic!("boom in a test closure");
        })
        .expect_err("panicked");
    assert!(
        matches!(&err, HarnessError::Panicked(m) if m == "boom in a test closure"),
        "{err}"
    );
    assert!(h.opened_ports().is_empty(), "pending writes dropped");
    assert_eq!(
        h.unit_status(),
        Status::blocked("kept"),
        "status-set is kept at once"
    );
    assert_eq!(seen(&h, "lost")?, "");
    // The harness goes on.
    h.emit_hook("update-status")?;
    assert_eq!(seen(&h, "network")?, "ok:10.0.0.10");
    Ok(())
}

// ---- a relation whose remote application is unknown ---------------------------------------------

#[test]
fn harness_relation_broken_without_remote_app() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.begin()?;
    let known = h.add_relation("db", "postgresql")?;
    h.remove_relation(known)?;
    assert_eq!(seen(&h, "broken-app")?, "postgresql");
    let unknown = h.add_relation("db", "postgresql")?;
    h.remove_relation_without_remote_app(unknown)?;
    assert_eq!(seen(&h, "broken-app")?, "none");
    assert!(h.relation_ids("db").is_empty());
    Ok(())
}

#[test]
fn state_relation_broken_without_remote_app() -> TestResult {
    let db = ops_testing::Relation::named("db").remote_app("postgresql");
    let state = State::default().with_relation(db.clone());
    let ctx = TestContext::<Probe>::new();
    let out = ctx.run(Event::relation_broken(&db), &state)?;
    assert_eq!(seen_in(&out, "broken-app"), "postgresql");
    let out = ctx.run(Event::relation_broken(&db).without_remote_app(), &state)?;
    assert_eq!(seen_in(&out, "broken-app"), "none");
    Ok(())
}

// ---- Unit::containers --------------------------------------------------------------------------

/// A Kubernetes charm that lists its containers.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
#[serde(default)]
pub struct K8sProbe {
    /// The container names, comma-separated.
    pub containers: String,
}

#[charm(dir = "tests/fixtures/k8scharm", module = k8scharm)]
impl K8sProbe {
    #[on(update_status)]
    fn on_update_status(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        let names: Vec<String> = ctx
            .unit()
            .containers()?
            .into_iter()
            .map(|(name, c)| format!("{name}:{}", c.name()))
            .collect();
        self.containers = names.join(",");
        Ok(())
    }
}

#[test]
fn unit_containers_in_both_styles() -> TestResult {
    let mut h = Harness::<K8sProbe>::new();
    h.begin()?;
    h.emit_hook("update-status")?;
    assert_eq!(h.charm()?.containers, "app:app,sidecar:sidecar");
    let listed = h.with_charm(|_, ctx| {
        ctx.unit()
            .containers()
            .map(|c| c.keys().cloned().collect::<Vec<_>>())
    })??;
    assert_eq!(listed, ["app", "sidecar"]);
    let out = TestContext::<K8sProbe>::new().run(Event::update_status(), State::default())?;
    assert_eq!(
        out.stored_state::<K8sProbe>()?.containers,
        "app:app,sidecar:sidecar"
    );
    Ok(())
}

// ---- action tools and juju-log failing -----------------------------------------------------------

#[test]
fn harness_action_tools_failing() -> TestResult {
    let mut h = Harness::<Probe>::new();
    h.begin()?;
    h.add_tool_fault(ToolFault::fail("action-log", 1, "ERROR action-log failed\n")?.times(1))?;
    h.add_tool_fault(
        ToolFault::fail("action-set", 2, "ERROR key \"greeting\" not valid\n")?.times(1),
    )?;
    let out = h.run_action("greet", serde_json::json!({"who": "bob"}))?;
    assert_eq!(seen(&h, "action-log")?, "failed:1:ERROR action-log failed");
    assert_eq!(
        seen(&h, "action-set")?,
        "failed:2:ERROR key \"greeting\" not valid"
    );
    assert!(out.results.is_empty() && out.logs.is_empty(), "{out:?}");
    // The params come from action-get: when it fails, the handler never runs.
    h.add_tool_fault(ToolFault::fail(
        "action-get",
        1,
        "ERROR no action running\n",
    )?)?;
    let err = h
        .run_action("greet", serde_json::json!({"who": "eve"}))
        .expect_err("action-get fails");
    assert!(err.to_string().contains("no action running"), "{err}");
    Ok(())
}

#[test]
fn state_juju_log_failing_does_not_fail_the_hook() -> TestResult {
    let ctx = TestContext::<Probe>::new();
    let state = State::default().with_tool_fault(ToolFault::fail(
        "juju-log",
        1,
        "ERROR juju-log failed\n",
    )?);
    let out = ctx.run(
        Event::action_named(
            "greet",
            serde_json::Map::from_iter([("who".to_string(), "bob".into())]),
        ),
        state,
    )?;
    assert_eq!(seen_in(&out, "action-set"), "ok:done");
    assert!(ctx
        .juju_log()
        .iter()
        .all(|r| !r.message.contains("greeting bob")));
    let output = ctx.action_output().ok_or("an action ran")?;
    assert_eq!(output.logs, ["greeting"]);
    Ok(())
}

/// A charm that keeps its state on the controller, in its own module (the generated metadata
/// module is named after the charm directory).
mod controller {
    use ops_core::prelude::*;
    use serde::{Deserialize, Serialize};

    /// A charm that keeps its state on the controller (`state-get`/`state-set`).
    #[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
    #[serde(default)]
    pub struct ControllerProbe {
        /// Set by a test through `with_charm`.
        pub note: String,
    }

    #[charm(dir = "tests/fixtures/testcharm", storage = "controller")]
    impl ControllerProbe {
        #[on(update_status)]
        fn on_update_status(
            &mut self,
            ctx: &mut Context<Self>,
            _e: &HookEvent,
        ) -> ops_core::Result<()> {
            ctx.unit().set_status(Status::active(self.note.clone()))?;
            Ok(())
        }
    }
}

#[test]
fn with_charm_saves_state_kept_on_the_controller() -> TestResult {
    let mut h = Harness::<controller::ControllerProbe>::new();
    h.begin()?;
    h.with_charm(|charm, _| charm.note = "from the test".into())?;
    assert_eq!(h.charm()?.note, "from the test");
    assert!(
        h.controller_state()
            .values()
            .any(|v| v.contains("from the test")),
        "{:?}",
        h.controller_state()
    );
    h.emit_hook("update-status")?;
    assert_eq!(h.unit_status(), Status::active("from the test"));
    Ok(())
}

// ---- the framework's pre_commit and commit events ------------------------------------------------

/// A charm observing ops' framework commit events, in its own module.
mod committing {
    use ops_core::prelude::*;
    use serde::{Deserialize, Serialize};

    /// The order handlers ran in.
    #[derive(Debug, Default, PartialEq, Serialize, Deserialize, StoredState)]
    #[serde(default)]
    pub struct Committing {
        /// Handler names, in order.
        pub order: Vec<String>,
    }

    #[charm(dir = "tests/fixtures/testcharm")]
    impl Committing {
        #[on(update_status)]
        fn on_update_status(
            &mut self,
            _ctx: &mut Context<Self>,
            _e: &HookEvent,
        ) -> ops_core::Result<()> {
            self.order.push("update_status".into());
            Ok(())
        }

        #[on(commit)]
        fn on_commit(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
            self.order.push("commit".into());
            ctx.unit()
                .set_status(Status::active(format!("{} events", self.order.len())))?;
            Ok(())
        }

        #[on(pre_commit)]
        fn on_pre_commit(
            &mut self,
            _ctx: &mut Context<Self>,
            e: &HookEvent,
        ) -> ops_core::Result<()> {
            self.order.push("pre_commit".into());
            if self.order.len() > 6 {
                e.defer()?;
            }
            Ok(())
        }
    }
}

#[test]
fn harness_pre_commit_then_commit_end_every_hook() -> TestResult {
    let mut h = Harness::<committing::Committing>::new();
    h.begin()?;
    h.emit_hook("update-status")?;
    assert_eq!(h.charm()?.order, ["update_status", "pre_commit", "commit"]);
    assert_eq!(h.unit_status(), Status::active("3 events"));
    // A hook the charm does not observe still ends with them.
    h.emit_hook("install")?;
    assert_eq!(h.charm()?.order.len(), 5);
    // They cannot be deferred (ops: "Cannot defer lifecycle events").
    let err = h
        .emit_hook("update-status")
        .expect_err("deferred pre_commit");
    assert!(err.to_string().contains("pre_commit"), "{err}");
    assert!(h.deferred().is_empty());
    Ok(())
}

#[test]
fn state_pre_commit_then_commit_end_every_hook() -> TestResult {
    let out = TestContext::<committing::Committing>::new()
        .run(Event::update_status(), State::default())?;
    assert_eq!(
        out.stored_state::<committing::Committing>()?.order,
        ["update_status", "pre_commit", "commit"]
    );
    assert_eq!(out.unit_status(), &ops_core::Status::active("3 events"));
    Ok(())
}
