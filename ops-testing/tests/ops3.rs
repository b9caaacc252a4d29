//! ops 3 features, in both test styles (Harness and Context/State): collect-status, non-deferrable
//! lifecycle events.

use ops_core::model::{Port, Protocol};
use ops_core::prelude::*;
use ops_core::DispatchError;
use ops_testing::{
    Context as TestContext, Event, Harness, HarnessError, Port as StatePort, Relation, State,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Two components each add a unit status; the leader adds an application status.
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
struct Ops3 {
    collected: u32,
    /// What a handler tried to do that the framework refused.
    refused: Vec<String>,
}

#[charm(dir = "tests/fixtures/testcharm", module = ops3)]
impl Ops3 {
    #[on(install)]
    fn on_hook(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        Ok(())
    }

    /// The whole set of ports: the `port` option over TCP, a UDP range and ICMP.
    #[on(config_changed)]
    fn set_ports(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        let port = u16::try_from(ctx.config()?.port)?;
        ctx.unit().set_ports([
            Port::tcp(port),
            Port::range(Protocol::Udp, 9000, 9010),
            Port::icmp(),
        ])?;
        Ok(())
    }

    #[on(update_status)]
    fn bad_ports(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        for port in [
            Port::range(Protocol::Tcp, 90, 80),
            Port::tcp(0),
            Port {
                protocol: Protocol::Icmp,
                from: Some(1),
                to: Some(1),
            },
        ] {
            if let Err(e) = ctx.unit().set_ports([Port::tcp(80), port]) {
                self.refused.push(e.to_string());
            }
        }
        Ok(())
    }

    #[on(stop, remove)]
    fn on_stop(&mut self, _ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
        event.defer()?;
        Ok(())
    }

    #[on(collect_unit_status)]
    fn workload_status(
        &mut self,
        ctx: &mut Context<Self>,
        event: &CollectStatusEvent,
    ) -> ops_core::Result<()> {
        self.collected += 1;
        if ctx.config()?.name.is_empty() {
            event.add_status(Status::blocked("set name"))?;
        } else {
            event.add_status(Status::active(""))?;
        }
        if let Err(e) = event.defer() {
            self.refused.push(e.to_string());
        }
        if let Err(e) = event.add_status(Status::Error("boom".into())) {
            self.refused.push(e.to_string());
        }
        Ok(())
    }

    #[on(collect_unit_status)]
    fn db_status(
        &mut self,
        ctx: &mut Context<Self>,
        event: &CollectStatusEvent,
    ) -> ops_core::Result<()> {
        if ctx.model().relations("db")?.is_empty() {
            event.add_status(Status::waiting("waiting for db"))?;
        } else {
            event.add_status(Status::active("db ready"))?;
        }
        Ok(())
    }

    #[on(collect_app_status)]
    fn app_status(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &CollectStatusEvent,
    ) -> ops_core::Result<()> {
        event.add_status(Status::maintenance("upgrading"))?;
        event.add_status(Status::active("leading"))?;
        Ok(())
    }
}

fn named() -> State {
    State::default().with_config(|c: &mut ops3::Config| c.name = "bob".into())
}

fn calls(ctx: &TestContext<Ops3>, tool: &str) -> Vec<Vec<String>> {
    ctx.tool_calls()
        .into_iter()
        .filter(|c| c.argv[0] == tool)
        .map(|c| c.argv)
        .collect()
}

// ---- collect-status, Context/State: evaluated at the end of every hook --------------------------

#[test]
fn context_sets_the_highest_priority_unit_status() -> TestResult {
    let ctx = TestContext::<Ops3>::new();
    // blocked (workload) beats waiting (db).
    let out = ctx.run(Event::install(), State::default())?;
    assert_eq!(out.unit_status(), &Status::blocked("set name"));
    // waiting (db) beats active (workload).
    let out = ctx.run(Event::config_changed(), named())?;
    assert_eq!(out.unit_status(), &Status::waiting("waiting for db"));
    // Two actives: the first added wins.
    let out = ctx.run(
        Event::config_changed(),
        named().with_relation(Relation::of::<ops3::relations::Db>()),
    )?;
    assert_eq!(out.unit_status(), &Status::active(""));
    let charm: Ops3 = out.stored_state()?;
    assert_eq!(charm.collected, 1);
    Ok(())
}

#[test]
fn context_collect_status_cannot_be_deferred_nor_set_error() -> TestResult {
    let ctx = TestContext::<Ops3>::new();
    let out = ctx.run(Event::install(), State::default())?;
    let charm: Ops3 = out.stored_state()?;
    assert_eq!(charm.refused.len(), 2, "{:?}", charm.refused);
    assert!(charm.refused[0].contains("cannot defer collect-status"));
    assert!(charm.refused[1].contains("not 'error'"));
    assert!(out.deferred().is_empty());
    Ok(())
}

#[test]
fn context_app_status_is_collected_on_the_leader_only() -> TestResult {
    let ctx = TestContext::<Ops3>::new();
    let out = ctx.run(Event::install(), State::default().with_leader(true))?;
    assert_eq!(out.app_status(), &Status::maintenance("upgrading"));
    assert_eq!(
        calls(&ctx, "status-set"),
        [
            vec![
                "status-set",
                "--application=True",
                "maintenance",
                "upgrading"
            ],
            vec!["status-set", "--application=False", "blocked", "set name"],
        ]
    );
    let out = ctx.run(Event::install(), State::default())?;
    assert_eq!(out.app_status(), &Status::Unknown);
    assert_eq!(calls(&ctx, "status-set").len(), 1);
    // As ops: one is-leader, no status-get.
    assert_eq!(calls(&ctx, "is-leader").len(), 1);
    assert!(calls(&ctx, "status-get").is_empty());
    Ok(())
}

#[test]
fn context_skips_status_set_when_the_hook_knows_the_status_is_unchanged() -> TestResult {
    #[derive(Debug, Default, Serialize, Deserialize, StoredState)]
    struct Twice;

    #[charm(dir = "tests/fixtures/testcharm", module = twice)]
    impl Twice {
        #[on(install)]
        fn install(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
            ctx.unit().set_status(Status::active("ready"))?;
            Ok(())
        }

        #[on(collect_unit_status)]
        fn collect(
            &mut self,
            _ctx: &mut Context<Self>,
            e: &CollectStatusEvent,
        ) -> ops_core::Result<()> {
            e.add_status(Status::active("ready"))?;
            Ok(())
        }
    }

    let ctx = TestContext::<Twice>::new();
    let out = ctx.run(Event::install(), State::default())?;
    assert_eq!(out.unit_status(), &Status::active("ready"));
    let sets = ctx
        .tool_calls()
        .into_iter()
        .filter(|c| c.argv[0] == "status-set")
        .count();
    assert_eq!(sets, 1, "the collected status is the one the hook set");
    // update-status: the hook does not know the status, so it sets it (as ops, without status-get).
    ctx.run(Event::update_status(), &out)?;
    let argv: Vec<_> = ctx
        .tool_calls()
        .into_iter()
        .map(|c| c.argv[0].clone())
        .collect();
    assert_eq!(argv, ["status-set"]);
    Ok(())
}

#[test]
fn a_charm_without_collect_status_handlers_makes_no_extra_call() -> TestResult {
    #[derive(Debug, Default, Serialize, Deserialize, StoredState)]
    struct Plain;

    #[charm(dir = "tests/fixtures/testcharm", module = plain)]
    impl Plain {
        #[on(update_status)]
        fn update(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
            Ok(())
        }
    }

    let ctx = TestContext::<Plain>::new();
    ctx.run(Event::update_status(), State::default().with_leader(true))?;
    assert_eq!(ctx.tool_calls(), []);
    Ok(())
}

// ---- collect-status, Harness: evaluated when the test asks -------------------------------------

#[test]
fn harness_evaluates_status_when_asked() -> TestResult {
    let mut h = Harness::<Ops3>::new();
    h.begin()?;
    h.emit_hook("install")?;
    assert_eq!(
        h.unit_status(),
        Status::maintenance(""),
        "as ops' Harness: not automatic"
    );
    h.evaluate_status()?;
    assert_eq!(h.unit_status(), Status::blocked("set name"));
    assert_eq!(h.app_status(), Status::Unknown);
    assert_eq!(h.charm()?.collected, 1);

    h.update_config([("name", "bob")])?;
    h.add_relation("db", "postgresql")?;
    h.set_leader(true)?;
    h.evaluate_status()?;
    assert_eq!(h.unit_status(), Status::active(""));
    assert_eq!(h.app_status(), Status::maintenance("upgrading"));
    assert_eq!(h.charm()?.collected, 2);
    Ok(())
}

#[test]
fn harness_evaluate_status_needs_begin() {
    let mut h = Harness::<Ops3>::new();
    assert!(matches!(h.evaluate_status(), Err(HarnessError::NotBegun)));
}

// ---- stop and remove cannot be deferred --------------------------------------------------------

#[test]
fn context_stop_and_remove_cannot_be_deferred() -> TestResult {
    let ctx = TestContext::<Ops3>::new();
    for event in [Event::stop(), Event::remove()] {
        let name = event.name();
        let err = ctx
            .run(event, State::default())
            .expect_err("deferring stop/remove fails the hook");
        let charm_error = err.charm_error().expect("a charm error");
        assert!(matches!(charm_error.error, DispatchError::Handler(_)));
        assert!(
            charm_error
                .error
                .to_string()
                .contains(&format!("cannot defer {name} events")),
            "{charm_error}"
        );
    }
    Ok(())
}

#[test]
fn harness_stop_and_remove_cannot_be_deferred() -> TestResult {
    let mut h = Harness::<Ops3>::new();
    h.begin()?;
    for hook in ["stop", "remove"] {
        let err = h.emit_hook(hook).expect_err("deferring fails the hook");
        assert!(err.to_string().contains("cannot defer"), "{err}");
        assert!(h.deferred().is_empty());
    }
    Ok(())
}

// ---- ports: Unit::set_ports --------------------------------------------------------------------

#[test]
fn context_set_ports_opens_what_is_missing_and_closes_what_is_extra() -> TestResult {
    let ctx = TestContext::<Ops3>::new();
    let state = named()
        .with_opened_port(StatePort::tcp(80))
        .with_opened_port(StatePort::icmp())
        .with_config_value("port", 8080);
    let out = ctx.run(Event::config_changed(), &state)?;
    assert_eq!(
        out.opened_ports().iter().cloned().collect::<Vec<_>>(),
        [
            StatePort::tcp(8080),
            StatePort::range(ops_core::hooktools::Protocol::Udp, 9000, 9010),
            StatePort::icmp(),
        ]
    );
    let port_calls: Vec<Vec<String>> = ctx
        .tool_calls()
        .into_iter()
        .map(|c| c.argv)
        .filter(|a| a[0].ends_with("-port") || a[0] == "opened-ports")
        .collect();
    assert_eq!(
        port_calls,
        [
            vec!["opened-ports"],
            vec!["close-port", "80/tcp"],
            vec!["open-port", "8080/tcp"],
            vec!["open-port", "9000-9010/udp"],
        ]
    );
    // Already the wanted set: only opened-ports.
    ctx.run(Event::config_changed(), &out)?;
    let port_calls: Vec<String> = ctx
        .tool_calls()
        .into_iter()
        .map(|c| c.argv[0].clone())
        .filter(|a| a.ends_with("-port") || a == "opened-ports")
        .collect();
    assert_eq!(port_calls, ["opened-ports"]);
    Ok(())
}

#[test]
fn context_set_ports_refuses_bad_ports_and_changes_nothing() -> TestResult {
    let ctx = TestContext::<Ops3>::new();
    let state = named().with_opened_port(StatePort::tcp(22));
    let out = ctx.run(Event::update_status(), &state)?;
    let charm: Ops3 = out.stored_state()?;
    let bad: Vec<_> = charm
        .refused
        .iter()
        .filter(|r| r.starts_with("invalid port"))
        .collect();
    assert_eq!(bad.len(), 3, "{:?}", charm.refused);
    assert!(bad[0].contains("ends before it starts"));
    assert!(bad[1].contains("port 0"));
    assert!(bad[2].contains("icmp takes no port"));
    assert_eq!(
        out.opened_ports().iter().cloned().collect::<Vec<_>>(),
        [StatePort::tcp(22)]
    );
    assert!(ctx.tool_calls().iter().all(|c| !c.argv[0].contains("port")));
    Ok(())
}

#[test]
fn harness_set_ports() -> TestResult {
    let mut h = Harness::<Ops3>::new();
    h.begin()?;
    let wanted = |port| {
        BTreeSet::from([
            StatePort::tcp(port),
            StatePort::range(ops_core::hooktools::Protocol::Udp, 9000, 9010),
            StatePort::icmp(),
        ])
    };
    h.update_config([("port", 8080)])?;
    assert_eq!(BTreeSet::from_iter(h.opened_ports()), wanted(8080));
    h.update_config([("port", 8081)])?;
    assert_eq!(BTreeSet::from_iter(h.opened_ports()), wanted(8081));
    Ok(())
}

// ---- reboot, cloud spec, remote model ----------------------------------------------------------

#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
struct Machine {
    steps: Vec<String>,
    cloud: String,
    remote_model: String,
}

#[charm(dir = "tests/fixtures/testcharm", module = machine)]
impl Machine {
    #[on(install)]
    fn install(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().reboot(false)?;
        self.steps.push("install: reboot after the hook".into());
        Ok(())
    }

    #[on(upgrade_charm)]
    fn upgrade(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.steps.push("upgrade: before".into());
        ctx.unit().open_port("tcp", Some(8080))?;
        ctx.unit().reboot(true)?;
        self.steps.push("upgrade: after".into());
        Ok(())
    }

    #[on(start)]
    fn start(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.cloud = match ctx.model().get_cloud_spec() {
            Ok(spec) => format!(
                "{} {} {}",
                spec.cloud_type,
                spec.name,
                spec.credential.map(|c| c.auth_type).unwrap_or_default()
            ),
            Err(e) => format!("error: {e}"),
        };
        Ok(())
    }

    #[on(db_relation_changed)]
    fn db(&mut self, _ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        self.remote_model = e.relation.remote_model()?.uuid;
        Ok(())
    }

    #[on(greet_action)]
    fn greet(
        &mut self,
        ctx: &mut Context<Self>,
        _e: &ActionEvent<machine::actions::GreetParams>,
    ) -> ops_core::Result<()> {
        ctx.unit().reboot(false)?;
        Ok(())
    }
}

fn cloud_spec() -> Result<ops_core::hooktools::CloudSpec, serde_json::Error> {
    serde_json::from_value(serde_json::json!({
        "type": "lxd",
        "name": "localhost",
        "region": "localhost",
        "endpoint": "https://10.0.0.1:8443",
        "credential": {"auth-type": "certificate", "attrs": {"client-cert": "x"}},
    }))
}

#[test]
fn context_reboot_after_the_hook_and_now() -> TestResult {
    let ctx = TestContext::<Machine>::new();
    let out = ctx.run(Event::install(), State::default())?;
    assert_eq!(ctx.last_run().reboot.as_deref(), Some("after-hook"));
    let charm: Machine = out.stored_state()?;
    assert_eq!(charm.steps, ["install: reboot after the hook"]);

    let err = ctx
        .run(Event::upgrade_charm(), &out)
        .expect_err("reboot now ends the hook");
    let error = &err.charm_error().expect("the dispatcher's outcome").error;
    assert!(matches!(error, DispatchError::RebootNow), "{error}");
    assert_eq!(error.exit_code(), 0, "as ops' SystemExit");
    assert_eq!(ctx.last_run().reboot.as_deref(), Some("now"));
    let argv: Vec<Vec<String>> = ctx.tool_calls().into_iter().map(|c| c.argv).collect();
    assert!(argv.contains(&vec!["juju-reboot".to_string(), "--now".to_string()]));
    Ok(())
}

#[test]
fn harness_reboot_count_and_nothing_after_reboot_now() -> TestResult {
    let mut h = Harness::<Machine>::new();
    h.begin()?;
    assert_eq!(h.reboot_count(), 0);
    h.emit_hook("install")?;
    assert_eq!(h.reboot_count(), 1);
    let err = h.emit_hook("upgrade-charm").expect_err("reboot now");
    assert!(err.to_string().contains("rebooting now"), "{err}");
    assert_eq!(h.reboot_count(), 2);
    // Nothing after the reboot ran, nothing of the hook was committed: neither the charm's
    // state nor what it asked Juju (Juju re-runs the hook after the reboot).
    assert_eq!(h.charm()?.steps, ["install: reboot after the hook"]);
    assert_eq!(h.opened_ports(), []);
    assert_eq!(h.juju_state().reboot.as_deref(), Some("now"));
    Ok(())
}

#[test]
fn context_cloud_spec() -> TestResult {
    let ctx = TestContext::<Machine>::new();
    let out = ctx.run(
        Event::start(),
        State::default().with_cloud_spec(cloud_spec()?),
    )?;
    assert_eq!(
        out.stored_state::<Machine>()?.cloud,
        "lxd localhost certificate"
    );
    // Not trusted: Juju's error.
    let out = ctx.run(Event::start(), State::default())?;
    let cloud = out.stored_state::<Machine>()?.cloud;
    assert!(
        cloud.contains("cannot access cloud credentials: permission denied"),
        "{cloud}"
    );
    Ok(())
}

#[test]
fn harness_cloud_spec() -> TestResult {
    let mut h = Harness::<Machine>::new();
    h.set_cloud_spec(&cloud_spec()?)?;
    h.begin()?;
    h.emit_hook("start")?;
    assert_eq!(h.charm()?.cloud, "lxd localhost certificate");
    Ok(())
}

#[test]
fn context_relation_remote_model() -> TestResult {
    let ctx = TestContext::<Machine>::new();
    let cmr = Relation::of::<machine::relations::Db>().remote_model_uuid("remote-uuid");
    let out = ctx.run(
        Event::relation_changed(&cmr),
        State::default().with_relation(cmr.clone()),
    )?;
    assert_eq!(out.stored_state::<Machine>()?.remote_model, "remote-uuid");
    let calls: Vec<Vec<String>> = ctx
        .tool_calls()
        .into_iter()
        .filter(|c| c.argv[0] == "relation-model-get")
        .map(|c| c.argv)
        .collect();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0][1..3], ["-r", &format!("db:{}", cmr.relation_id())]);
    // A relation in this model: this model's UUID.
    let local = Relation::of::<machine::relations::Db>();
    let state = State::default().with_relation(local.clone());
    let out = ctx.run(Event::relation_changed(&local), &state)?;
    assert_eq!(
        out.stored_state::<Machine>()?.remote_model,
        state.model().uuid
    );
    Ok(())
}

#[test]
fn harness_relation_remote_model() -> TestResult {
    let mut h = Harness::<Machine>::new();
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(id, "postgresql/0")?;
    h.set_relation_remote_model(id, "offer-uuid")?;
    h.update_relation_data(id, "postgresql/0", [("k", "v")])?;
    assert_eq!(h.charm()?.remote_model, "offer-uuid");
    Ok(())
}

// ---- relation-broken: the broken relation is gone ----------------------------------------------

#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
struct Broken {
    seen: Vec<String>,
}

#[charm(dir = "tests/fixtures/testcharm", module = broken)]
impl Broken {
    #[on(db_relation_broken)]
    fn broken(&mut self, ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        let listed: Vec<i64> = ctx
            .model()
            .relations("db")?
            .iter()
            .map(|r| r.id())
            .collect();
        let only = ctx.model().get_relation("db", None)?.map(|r| r.id());
        self.seen = vec![
            format!("listed {listed:?}"),
            format!("only {only:?}"),
            format!("active {}", e.relation.active()),
        ];
        Ok(())
    }

    #[on(db_relation_changed)]
    fn changed(&mut self, ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        let listed = ctx.model().relations("db")?.len();
        self.seen = vec![
            format!("listed {listed}"),
            format!("active {}", e.relation.active()),
        ];
        Ok(())
    }
}

#[test]
fn context_broken_relation_is_not_listed_on_any_juju() -> TestResult {
    for listed in [false, true] {
        let ctx = TestContext::<Broken>::new().with_broken_relations_listed(listed);
        let db = Relation::of::<broken::relations::Db>();
        let state = State::default().with_relation(db.clone());
        let out = ctx.run(Event::relation_broken(&db), &state)?;
        assert_eq!(
            out.stored_state::<Broken>()?.seen,
            ["listed []", "only None", "active false"],
            "Juju listing broken relations: {listed}"
        );
        let out = ctx.run(Event::relation_changed(&db), &state)?;
        assert_eq!(
            out.stored_state::<Broken>()?.seen,
            ["listed 1", "active true"]
        );
    }
    Ok(())
}

#[test]
fn harness_broken_relation_is_not_listed_on_any_juju() -> TestResult {
    for listed in [false, true] {
        let mut h = Harness::<Broken>::new();
        h.set_broken_relations_listed(listed);
        h.begin()?;
        let id = h.add_relation("db", "postgresql")?;
        h.remove_relation(id)?;
        assert_eq!(
            h.charm()?.seen,
            ["listed []", "only None", "active false"],
            "Juju listing broken relations: {listed}"
        );
    }
    Ok(())
}

#[test]
fn context_reboot_in_an_action_fails_as_in_juju() {
    let ctx = TestContext::<Machine>::new();
    let err = ctx
        .run(
            Event::action::<machine::actions::Greet>(machine::actions::GreetParams {
                who: "bob".into(),
                times: 1,
            }),
            State::default(),
        )
        .expect_err("Juju refuses juju-reboot in actions");
    assert!(
        err.to_string()
            .contains("juju-reboot is not supported when running an action"),
        "{err}"
    );
    assert_eq!(ctx.last_run().reboot, None);
}

#[test]
fn context_collect_status_events_run_only_the_evaluation() -> TestResult {
    let ctx = TestContext::<Ops3>::new();
    let out = ctx.run(Event::collect_unit_status(), named().with_leader(true))?;
    assert_eq!(out.unit_status(), &Status::waiting("waiting for db"));
    assert_eq!(out.app_status(), &Status::maintenance("upgrading"));
    assert_eq!(out.stored_state::<Ops3>()?.collected, 1);
    let out = ctx.run(Event::collect_app_status(), named())?;
    assert_eq!(out.unit_status(), &Status::waiting("waiting for db"));
    assert_eq!(out.app_status(), &Status::Unknown);
    Ok(())
}
