//! ops 3's catchable errors, in both test styles (Harness and Context/State): buffered relation
//! data flushed when each handler returns (a refused `relation-set` fails the handler that wrote,
//! or is caught with `Model::flush`), and config / action params that do not decode, under
//! `config_errors = "blocked"` / `params_errors = "fail"` (ops 3's `load_config(errors=
//! 'blocked')` / `load_params(errors='fail')`) or `Context::load_config` / `ActionEvent::
//! load_params`.

use ops_core::model::{Entity, ModelError};
use ops_core::prelude::*;
use ops_core::DispatchError;
use ops_testing::sim::ToolFault;
use ops_testing::{Context as TestContext, Event, Harness, HarnessError, Relation, State};
use serde::{Deserialize, Serialize};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const REFUSED: &str = "ERROR permission denied\n";

// ---- relation data: flushed per handler --------------------------------------------------------

#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
struct Writer {
    written: u32,
    /// What `Model::flush` returned to the handler that caught it.
    caught: Vec<String>,
}

#[charm(dir = "tests/fixtures/testcharm", module = writer)]
impl Writer {
    /// Writes two keys of its unit databag and one of its application's (leader only), and
    /// defers the event: a failing write must drop both the state change and the notice.
    #[on(db_relation_changed)]
    fn write(&mut self, ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        self.written += 1;
        let bag = e.relation.local_unit_data();
        bag.set("a", "1")?;
        bag.set("b", "2")?;
        if ctx.unit().is_leader()? {
            e.relation.local_app_data().set("c", "3")?;
        }
        e.defer();
        Ok(())
    }

    /// A second observer writing the same databag: its own `relation-set`, after the first one's.
    #[on(db_relation_changed)]
    fn second(&mut self, ctx: &mut Context<Self>, e: &RelationEvent) -> ops_core::Result<()> {
        e.relation.local_unit_data().set("d", "4")?;
        ctx.unit().set_status(Status::active("written"))?;
        Ok(())
    }

    /// Flushes on demand and handles the failure itself.
    #[on(update_status)]
    fn catch(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        let Some(rel) = ctx.relation::<writer::relations::Db>()? else {
            return Ok(());
        };
        rel.local_unit_data().set("x", "y")?;
        if let Err(e) = ctx.model().flush() {
            let whose = match &e.entity {
                Entity::Unit(u) => format!("unit {u}"),
                Entity::App(a) => format!("app {a}"),
            };
            self.caught = vec![
                format!("{}:{}", e.relation, e.id),
                whose,
                e.keys.join(","),
                format!("not found: {}", e.is_relation_not_found()),
            ];
            // The refused write is dropped: the databag reads as Juju has it.
            if rel.local_unit_data().get("x")?.is_none() {
                self.caught.push("x dropped".into());
            }
            ctx.unit().set_status(Status::blocked("cannot publish"))?;
        }
        Ok(())
    }
}

fn relation_sets(calls: &[ops_testing::ToolCall]) -> Vec<Vec<String>> {
    calls
        .iter()
        .filter(|c| c.argv[0] == "relation-set")
        .map(|c| c.argv.clone())
        .collect()
}

fn handler_error(error: &DispatchError) -> (&'static str, &ModelError) {
    let DispatchError::Handler(h) = error else {
        panic!("not a handler error: {error:?}");
    };
    let model = h
        .error
        .downcast_ref::<ModelError>()
        .unwrap_or_else(|| panic!("not a model error: {h}"));
    (h.method.unwrap_or_default(), model)
}

#[test]
fn context_each_handler_flushes_its_own_writes() -> TestResult {
    let ctx = TestContext::<Writer>::new();
    let db = Relation::of::<writer::relations::Db>();
    let state = State::default().with_leader(true).with_relation(db.clone());
    let out = ctx.run(Event::relation_changed(&db), &state)?;
    let rel = out.relation(db.relation_id()).ok_or("no relation")?;
    let bag = rel.local_unit_databag();
    assert_eq!(bag.get("a").map(String::as_str), Some("1"));
    assert_eq!(bag.get("d").map(String::as_str), Some("4"));
    assert_eq!(
        rel.local_app_databag().get("c").map(String::as_str),
        Some("3")
    );
    let calls = ctx.tool_calls();
    let id = db.relation_id().to_string();
    // One call per databag per handler that changed it: two for the first handler (unit, app),
    // one for the second; ops 2.1.1 makes one per key (four).
    assert_eq!(
        relation_sets(&calls),
        [
            vec!["relation-set", "-r", &id, "--file", "-"],
            vec!["relation-set", "-r", &id, "--app", "--file", "-"],
            vec!["relation-set", "-r", &id, "--file", "-"],
        ]
    );
    // The first handler's data is written before the second handler runs.
    let first_set = calls
        .iter()
        .position(|c| c.argv[0] == "relation-set")
        .ok_or("no relation-set")?;
    let status_set = calls
        .iter()
        .position(|c| c.argv[0] == "status-set")
        .ok_or("no status-set")?;
    assert!(first_set < status_set, "{calls:?}");
    assert_eq!(out.stored_state::<Writer>()?.written, 1);
    assert_eq!(out.deferred().len(), 1);
    Ok(())
}

#[test]
fn context_a_refused_write_fails_the_handler_that_wrote_it() -> TestResult {
    let ctx = TestContext::<Writer>::new();
    let db = Relation::of::<writer::relations::Db>();
    let id = db.relation_id().to_string();
    let state = State::default()
        .with_relation(db.clone())
        .with_tool_fault(ToolFault::fail("relation-set", 1, REFUSED)?);
    let err = ctx
        .run(Event::relation_changed(&db), &state)
        .expect_err("relation-set is refused");
    let error = &err.charm_error().ok_or("not a charm error")?.error;
    assert_eq!(error.exit_code(), 1);
    let (method, model) = handler_error(error);
    assert_eq!(method, "write", "the handler that wrote, not the last one");
    let ModelError::RelationSet(set) = model else {
        panic!("not a relation-set error: {model:?}");
    };
    assert_eq!(set.relation, "db");
    assert_eq!(set.id, db.relation_id());
    assert_eq!(set.entity, Entity::Unit("testcharm/0".into()));
    assert_eq!(set.keys, ["a", "b"]);
    assert!(!set.is_relation_not_found());
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "handler `write` failed: writing `a`, `b` to the unit databag of testcharm/0 on relation db:{id} failed: "
        )),
        "{text}"
    );
    assert!(text.contains("permission denied"), "{text}");
    // The second handler never ran.
    assert!(ctx.tool_calls().iter().all(|c| c.argv[0] != "status-set"));
    Ok(())
}

#[test]
fn context_a_handler_catches_a_refused_write() -> TestResult {
    let ctx = TestContext::<Writer>::new();
    let db = Relation::of::<writer::relations::Db>();
    let state = State::default()
        .with_relation(db.clone())
        .with_tool_fault(ToolFault::fail("relation-set", 2, REFUSED)?);
    let out = ctx.run(Event::update_status(), &state)?;
    assert_eq!(
        out.stored_state::<Writer>()?.caught,
        [
            format!("db:{}", db.relation_id()),
            "unit testcharm/0".to_string(),
            "x".to_string(),
            "not found: false".to_string(),
            "x dropped".to_string(),
        ]
    );
    assert_eq!(out.unit_status(), &Status::blocked("cannot publish"));
    // The dropped write is not sent again when the handler returns.
    assert_eq!(relation_sets(&ctx.tool_calls()).len(), 1);
    Ok(())
}

#[test]
fn context_a_gone_relation_is_matched_as_not_found() -> TestResult {
    let ctx = TestContext::<Writer>::new();
    let db = Relation::of::<writer::relations::Db>();
    let gone = format!("ERROR relation not found: {}\n", db.relation_id());
    let state = State::default()
        .with_relation(db.clone())
        .with_tool_fault(ToolFault::fail("relation-set", 2, gone)?);
    let out = ctx.run(Event::update_status(), &state)?;
    assert_eq!(
        out.stored_state::<Writer>()?.caught[3],
        "not found: true",
        "{:?}",
        out.stored_state::<Writer>()?.caught
    );
    Ok(())
}

#[test]
fn harness_a_refused_write_commits_nothing() -> TestResult {
    let mut h = Harness::<Writer>::new();
    h.set_leader(true)?;
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.add_relation_unit(id, "postgresql/0")?;
    h.update_relation_data(id, "postgresql/0", [("k", "v")])?;
    let charm = h.charm()?;
    assert_eq!(charm.written, 1, "one relation-changed");
    let deferred = h.deferred().len();
    let mine = h.get_relation_data(id, "testcharm/0")?.unwrap_or_default();
    assert_eq!(mine.get("d").map(String::as_str), Some("4"));

    // Juju now refuses the application databag's write only.
    h.add_tool_fault(ToolFault::fail("relation-set", 1, REFUSED)?.with_args(["--app"]))?;
    h.update_relation_data(id, "testcharm/0", [("a", "")])?; // no event: this unit's databag
    let err = h
        .update_relation_data(id, "postgresql/0", [("k", "w")])
        .expect_err("the application databag's write is refused");
    let HarnessError::Charm(charm_error) = &err else {
        panic!("not a charm error: {err}");
    };
    let (method, model) = handler_error(&charm_error.error);
    assert_eq!(method, "write");
    let ModelError::RelationSet(set) = model else {
        panic!("{model:?}");
    };
    assert_eq!(set.entity, Entity::App("testcharm".into()));
    assert_eq!(set.keys, ["c"]);
    // Nothing of the failed hook is kept: stored state, deferred events, the unit databag's
    // write (sent before the refused one, discarded with the failed hook as Juju does).
    assert_eq!(h.charm()?.written, charm.written);
    assert_eq!(h.deferred().len(), deferred);
    let mine = h.get_relation_data(id, "testcharm/0")?.unwrap_or_default();
    assert_eq!(mine.get("a"), None);
    Ok(())
}

#[test]
fn harness_on_demand_flush() -> TestResult {
    let mut h = Harness::<Writer>::new();
    h.begin()?;
    let id = h.add_relation("db", "postgresql")?;
    h.emit_hook("update-status")?;
    assert!(h.charm()?.caught.is_empty());
    let mine = h.get_relation_data(id, "testcharm/0")?.unwrap_or_default();
    assert_eq!(mine.get("x").map(String::as_str), Some("y"));

    h.add_tool_fault(ToolFault::fail("relation-set", 1, REFUSED)?)?;
    h.update_relation_data(id, "testcharm/0", [("x", "")])?;
    h.emit_hook("update-status")?;
    assert_eq!(h.charm()?.caught[2], "x");
    assert_eq!(h.unit_status(), Status::blocked("cannot publish"));
    Ok(())
}

// ---- config and params that do not decode ------------------------------------------------------

/// The `port` option, validated beyond its Juju type.
#[derive(Debug, Deserialize)]
#[serde(try_from = "i64")]
struct ValidPort(u16);

impl TryFrom<i64> for ValidPort {
    type Error = String;
    fn try_from(port: i64) -> Result<Self, String> {
        match u16::try_from(port) {
            Ok(p) if p > 0 => Ok(ValidPort(p)),
            _ => Err(format!("{port} is not a TCP port (1 to 65535)")),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Validated {
    port: ValidPort,
}

/// The `greet` action's params, validated beyond the schema.
#[derive(Debug, Deserialize)]
struct GreetOnce {
    who: String,
    #[serde(deserialize_with = "at_most_ten")]
    times: i64,
}

fn at_most_ten<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = i64::deserialize(d)?;
    if n > 10 {
        return Err(serde::de::Error::custom(format!("{n} is more than 10")));
    }
    Ok(n)
}

/// ops 3's modes by attribute: `ctx.config()` and the actions' typed params.
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
#[serde(default)]
struct Strict {
    ran: Vec<String>,
}

#[charm(
    dir = "tests/fixtures/testcharm",
    module = strict,
    config_errors = "blocked",
    params_errors = "fail"
)]
impl Strict {
    /// Runs first: changes stored state, defers, writes relation data.
    #[on(config_changed)]
    fn first(&mut self, ctx: &mut Context<Self>, e: &HookEvent) -> ops_core::Result<()> {
        self.ran.push("first".into());
        if let Some(rel) = ctx.relation::<strict::relations::Db>()? {
            rel.local_unit_data().set("seen", "yes")?;
        }
        e.defer()?;
        Ok(())
    }

    #[on(config_changed)]
    fn configure(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        let port = ctx.config()?.port;
        self.ran.push(format!("configure {port}"));
        Ok(())
    }

    /// Validates with a type of its own.
    #[on(update_status)]
    fn validate(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        let config: Validated = ctx.load_config(ConfigErrors::Blocked)?;
        self.ran.push(format!("validated {}", config.port.0));
        ctx.unit().set_status(Status::active(""))?;
        Ok(())
    }

    #[on(greet_action)]
    fn greet(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &ActionEvent<strict::actions::GreetParams>,
    ) -> ops_core::Result<()> {
        let params: GreetOnce = e.load_params(ParamsErrors::Fail)?;
        e.set_results(
            &serde_json::json!({"greeting": format!("hi {}", params.who), "times": params.times}),
        )?;
        Ok(())
    }

    /// Would override the blocked status if it ran (ops does not evaluate status after an
    /// abort).
    #[on(collect_unit_status)]
    fn status(&mut self, _ctx: &mut Context<Self>, e: &CollectStatusEvent) -> ops_core::Result<()> {
        e.add_status(Status::active("all good"))?;
        Ok(())
    }
}

/// The same charm's default mode: errors are the handler's (`?` fails the hook).
#[derive(Debug, Default, Serialize, Deserialize, StoredState)]
struct Lenient;

#[charm(dir = "tests/fixtures/testcharm", module = lenient)]
impl Lenient {
    #[on(config_changed)]
    fn configure(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        ctx.config()?;
        Ok(())
    }

    #[on(update_status)]
    fn validate(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        let _: Validated = ctx.load_config(ConfigErrors::Raise)?;
        Ok(())
    }

    #[on(greet_action)]
    fn greet(
        &mut self,
        _ctx: &mut Context<Self>,
        e: &ActionEvent<lenient::actions::GreetParams>,
    ) -> ops_core::Result<()> {
        let _: GreetOnce = e.load_params(ParamsErrors::Raise)?;
        Ok(())
    }
}

/// `config-get` printing a value the option's type does not decode (what Juju never sends: the
/// only way to reach the generated type's error path).
fn bad_port() -> Result<ToolFault, ops_testing::sim::ToolFaultError> {
    ToolFault::print(
        "config-get",
        r#"{"name": "", "port": "eighty", "ratio": 1.5, "debug": false}"#,
    )
}

const BAD_PORT: &str = "Invalid config: port: invalid type: string \"eighty\", expected i64";

#[test]
fn context_config_errors_blocked_ends_the_hook_with_exit_0() -> TestResult {
    let ctx = TestContext::<Strict>::new();
    let db = Relation::of::<strict::relations::Db>();
    let state = State::default()
        .with_relation(db.clone())
        .with_tool_fault(bad_port()?);
    let out = ctx.run(Event::config_changed(), &state)?;
    assert_eq!(out.unit_status(), &Status::blocked(BAD_PORT));
    // No stored state, no deferred event; collect-status did not run.
    assert!(out.stored_state::<Strict>()?.ran.is_empty());
    assert!(out.deferred().is_empty());
    let report = ctx.last_run().report.clone().ok_or("no report")?;
    assert_eq!(report.aborted.as_deref(), Some(BAD_PORT));
    assert!(!report.committed);
    // What ops would have sent before aborting is kept: the first handler's relation data.
    let rel = out.relation(db.relation_id()).ok_or("no relation")?;
    assert_eq!(
        rel.local_unit_databag().get("seen").map(String::as_str),
        Some("yes")
    );
    // A config that decodes: both handlers run.
    let out = ctx.run(Event::config_changed(), State::default())?;
    assert_eq!(
        out.stored_state::<Strict>()?.ran,
        ["first", "configure 8080"]
    );
    Ok(())
}

#[test]
fn context_load_config_with_a_type_of_the_charm() -> TestResult {
    let ctx = TestContext::<Strict>::new();
    let state = State::default().with_config_value("port", 70000);
    let out = ctx.run(Event::update_status(), &state)?;
    assert_eq!(
        out.unit_status(),
        &Status::blocked("Invalid config: port: 70000 is not a TCP port (1 to 65535)")
    );
    assert!(out.stored_state::<Strict>()?.ran.is_empty());
    let out = ctx.run(Event::update_status(), State::default())?;
    assert_eq!(out.stored_state::<Strict>()?.ran, ["validated 8080"]);
    assert_eq!(out.unit_status(), &Status::active("all good"));

    // Raise (the default): the handler's error, naming the option; the hook fails.
    let lenient = TestContext::<Lenient>::new();
    let err = lenient
        .run(Event::update_status(), &state)
        .expect_err("an invalid port fails the hook");
    let error = &err.charm_error().ok_or("not a charm error")?.error;
    assert_eq!(error.exit_code(), 1);
    let (_, model) = handler_error(error);
    assert!(
        matches!(model, ModelError::Config(m) if m == "port: 70000 is not a TCP port (1 to 65535)"),
        "{model:?}"
    );
    let err = lenient
        .run(
            Event::config_changed(),
            State::default().with_tool_fault(bad_port()?),
        )
        .expect_err("the generated Config does not decode");
    let (_, model) = handler_error(&err.charm_error().ok_or("not a charm error")?.error);
    assert!(
        matches!(model, ModelError::Config(m) if m.starts_with("port: ")),
        "{model:?}"
    );
    Ok(())
}

#[test]
fn context_params_errors_fail_the_action_with_exit_0() -> TestResult {
    let ctx = TestContext::<Strict>::new();
    let greet = strict::actions::GreetParams {
        who: "bob".into(),
        times: 50,
    };
    let out = ctx.run(
        Event::action::<strict::actions::Greet>(greet.clone()),
        State::default(),
    )?;
    let action = ctx.action_output().ok_or("no action output")?;
    assert_eq!(
        action.failure.as_deref(),
        Some("Error in action parameters: times: 50 is more than 10")
    );
    assert!(action.results.is_empty());
    assert!(out.stored_state::<Strict>()?.ran.is_empty());

    // The generated params type, from an `action-get` that does not fit the schema.
    let state = State::default()
        .with_tool_fault(ToolFault::print("action-get", r#"{"who": 5, "times": 1}"#)?);
    ctx.run(
        Event::action::<strict::actions::Greet>(greet.clone()),
        &state,
    )?;
    let action = ctx.action_output().ok_or("no action output")?;
    assert_eq!(
        action.failure.as_deref(),
        Some("Error in action parameters: who: invalid type: integer `5`, expected a string")
    );

    // Params that decode.
    let ok = strict::actions::GreetParams {
        who: "bob".into(),
        times: 2,
    };
    ctx.run(
        Event::action::<strict::actions::Greet>(ok),
        State::default(),
    )?;
    let action = ctx.action_output().ok_or("no action output")?;
    assert_eq!(action.failure, None);
    assert_eq!(action.results["greeting"], "hi bob");

    // Raise: the handler's error, the hook fails.
    let lenient = TestContext::<Lenient>::new();
    let params = lenient::actions::GreetParams {
        who: "bob".into(),
        times: 50,
    };
    let err = lenient
        .run(
            Event::action::<lenient::actions::Greet>(params),
            State::default(),
        )
        .expect_err("params that do not decode fail the hook");
    let error = &err.charm_error().ok_or("not a charm error")?.error;
    assert_eq!(error.exit_code(), 1);
    assert!(
        error.to_string().contains("times: 50 is more than 10"),
        "{error}"
    );
    Ok(())
}

#[test]
fn harness_config_errors_blocked() -> TestResult {
    let mut h = Harness::<Strict>::new();
    h.begin()?;
    h.update_config([("port", 70000)])?;
    assert_eq!(h.charm()?.ran, ["first", "configure 70000"]);
    h.emit_hook("update-status")?;
    assert_eq!(
        h.unit_status(),
        Status::blocked("Invalid config: port: 70000 is not a TCP port (1 to 65535)")
    );
    assert_eq!(
        h.charm()?.ran,
        ["first", "configure 70000"],
        "nothing committed"
    );
    let report = h.hook_reports().last().cloned().ok_or("no report")?;
    assert!(report.aborted.is_some() && !report.committed);

    h.add_tool_fault(bad_port()?)?;
    let deferred = h.deferred().len();
    h.update_config([("port", 8081)])?;
    assert_eq!(h.unit_status(), Status::blocked(BAD_PORT));
    assert_eq!(h.deferred().len(), deferred);
    Ok(())
}

#[test]
fn harness_params_errors_fail() -> TestResult {
    let mut h = Harness::<Strict>::new();
    h.begin()?;
    let out = h.run_action("greet", serde_json::json!({"who": "bob", "times": 11}))?;
    assert_eq!(
        out.failure.as_deref(),
        Some("Error in action parameters: times: 11 is more than 10")
    );
    let out = h.run_action("greet", serde_json::json!({"who": "bob", "times": 10}))?;
    assert_eq!(out.failure, None);

    let mut h = Harness::<Lenient>::new();
    h.begin()?;
    let err = h
        .run_action("greet", serde_json::json!({"who": "bob", "times": 11}))
        .expect_err("raise");
    assert!(matches!(err, HarnessError::Charm(_)), "{err}");
    Ok(())
}
