//! The dispatcher in-process (`ops_core::run`) against the scripted fake runner: the lazy
//! database, what a hook reports, and errors outside handlers logged once at ERROR.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use ops_core::dispatch::{HookSetup, StoreSource, STATE_FILE};
use ops_core::env::JujuContext;
use ops_core::hooktools::FakeRunner;
use ops_core::prelude::*;
use ops_core::storage::SledStore;
use ops_core::{DispatchError, HookReport};
use serde::{Deserialize, Serialize};

/// A charm without fields: it never needs the database.
#[derive(Default, StoredState)]
struct Stateless;

#[charm(dir = "tests/fixtures/tiny", module = stateless_tiny)]
impl Stateless {
    #[on(install)]
    fn install(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        ctx.unit().set_status(Status::maintenance("installing"))?;
        Ok(())
    }

    #[on(db_relation_changed)]
    fn db(&mut self, _ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
        event.relation.local_unit_data().set("seen", "yes")?;
        Ok(())
    }
}

/// A charm with a counter.
#[derive(Default, Serialize, Deserialize, StoredState)]
struct Stateful {
    count: u32,
}

#[charm(dir = "tests/fixtures/tiny", module = stateful_tiny)]
impl Stateful {
    #[on(install, start)]
    fn count(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.count += 1;
        Ok(())
    }
}

fn setup(dir: &Path, fake: &Rc<FakeRunner>, dispatch: &str, extra: &[(&str, &str)]) -> HookSetup {
    let mut env: HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "tiny/0"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_DISPATCH_PATH", dispatch),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        env.insert(k.to_string(), v.to_string());
    }
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
    for tool in ["juju-log", "status-set", "relation-set"] {
        fake.on_ok(tool, "");
    }
    fake
}

fn error_logs(fake: &FakeRunner) -> Vec<String> {
    fake.calls()
        .iter()
        .filter(|c| c.tool == "juju-log" && c.args.get(1).map(String::as_str) == Some("ERROR"))
        .map(|c| c.args.last().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn a_stateless_charm_never_opens_the_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = fake();
    let report =
        ops_core::run::<Stateless>(setup(dir.path(), &fake, "hooks/install", &[])).expect("hook");
    assert_eq!(report.event, "install");
    assert_eq!(report.handler_calls, 1);
    assert!(!report.store_opened);
    assert!(!report.committed);
    assert!(!dir.path().join(STATE_FILE).exists());
    assert_eq!(
        fake.argvs(),
        vec![vec![
            "status-set".to_string(),
            "--application=False".into(),
            "maintenance".into(),
            "installing".into()
        ]]
    );
}

#[test]
fn a_stateful_charm_commits_and_reads_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = fake();
    let report =
        ops_core::run::<Stateful>(setup(dir.path(), &fake, "hooks/install", &[])).expect("hook");
    assert!(report.store_opened && report.committed);
    assert!(SledStore::exists(&dir.path().join(STATE_FILE)));
    let report =
        ops_core::run::<Stateful>(setup(dir.path(), &fake, "hooks/start", &[])).expect("hook");
    assert!(report.committed);
    // An event nobody observes commits nothing (but the existing database is opened: it may
    // hold deferred events).
    let report = ops_core::run::<Stateful>(setup(dir.path(), &fake, "hooks/update-status", &[]))
        .expect("hook");
    assert_eq!(report.handler_calls, 0);
    assert!(!report.committed);
    let mut store = SledStore::open(&dir.path().join(STATE_FILE)).expect("open");
    let entries = ops_core::storage::Store::load_all(&mut store).expect("load");
    assert_eq!(
        entries
            .get("Stateful/StoredStateData[_stored]")
            .map(Vec::as_slice),
        Some(&br#"{"count":2}"#[..])
    );
}

#[test]
fn relation_data_is_flushed_when_the_handler_returns() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = fake();
    ops_core::run::<Stateless>(setup(
        dir.path(),
        &fake,
        "hooks/db-relation-changed",
        &[("JUJU_RELATION", "db"), ("JUJU_RELATION_ID", "db:4")],
    ))
    .expect("hook");
    let sets: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.tool == "relation-set")
        .collect();
    assert_eq!(sets.len(), 1);
    assert_eq!(sets[0].args, vec!["-r", "4", "--file", "-"]);
    // Double-quoted, so that no YAML reader takes `yes` for a boolean.
    assert_eq!(sets[0].stdin_text().as_deref(), Some("\"seen\": \"yes\"\n"));
}

#[test]
fn errors_outside_handlers_are_logged_once_at_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let fake = fake();
    let err = ops_core::run::<Stateless>(setup(
        dir.path(),
        &fake,
        "hooks/db-relation-changed",
        &[("JUJU_RELATION", "db")],
    ))
    .expect_err("no relation id");
    assert!(matches!(err, DispatchError::Event(_)), "{err:?}");
    assert_eq!(err.exit_code(), 1);
    let errors = error_logs(&fake);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("db_relation_changed: JUJU_RELATION_ID is not set"),
        "{}",
        errors[0]
    );

    // A flush failure when the handler returns: the handler's error, logged once too.
    let fake = self::fake();
    fake.on_fail("relation-set", 1, "ERROR cannot set\n");
    let err = ops_core::run::<Stateless>(setup(
        dir.path(),
        &fake,
        "hooks/db-relation-changed",
        &[("JUJU_RELATION", "db"), ("JUJU_RELATION_ID", "db:4")],
    ))
    .expect_err("relation-set fails");
    // It names the handler whose write failed (`db`, not the charm's other handler).
    assert!(
        matches!(&err, DispatchError::Handler(h) if h.method == Some("db")),
        "{err:?}"
    );
    let errors = error_logs(&fake);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("handler `db` failed")
            && errors[0].contains("relation-set -r 4 --file -")
            && errors[0].contains("ERROR cannot set"),
        "{}",
        errors[0]
    );
}

thread_local! {
    /// The handlers the charms below ran on this test's thread, in order.
    static RAN: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Whether their `wait` handler defers.
    static DEFERRING: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

fn ran() -> Vec<&'static str> {
    RAN.with(|r| r.take())
}

/// Two observers of config-changed: `wait` sets a status and defers (while `DEFERRING`), `watch`
/// never defers.
#[derive(Default, StoredState)]
struct TwoObservers;

#[charm(dir = "tests/fixtures/tiny", module = two_observers_tiny)]
impl TwoObservers {
    #[on(config_changed)]
    fn wait(&mut self, ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("wait"));
        ctx.unit().set_status(Status::waiting("waiting"))?;
        if DEFERRING.get() {
            event.defer()?;
        }
        Ok(())
    }

    #[on(config_changed)]
    fn watch(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("watch"));
        Ok(())
    }
}

/// [`TwoObservers`], keeping ops 2.1.1's behaviour for duplicate events.
#[derive(Default, StoredState)]
struct KeepsDuplicates;

#[charm(
    dir = "tests/fixtures/tiny",
    module = keeps_duplicates_tiny,
    skip_duplicate_events = false
)]
impl KeepsDuplicates {
    #[on(config_changed)]
    fn wait(&mut self, ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("wait"));
        ctx.unit().set_status(Status::waiting("waiting"))?;
        if DEFERRING.get() {
            event.defer()?;
        }
        Ok(())
    }

    #[on(config_changed)]
    fn watch(&mut self, _ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("watch"));
        Ok(())
    }
}

fn logs_at(fake: &FakeRunner, level: &str) -> Vec<String> {
    fake.calls()
        .iter()
        .filter(|c| c.tool == "juju-log" && c.args.get(1).map(String::as_str) == Some(level))
        .map(|c| c.args.last().cloned().unwrap_or_default())
        .collect()
}

fn status_sets(fake: &FakeRunner) -> usize {
    fake.calls()
        .iter()
        .filter(|c| c.tool == "status-set")
        .count()
}

fn stored_notices(dir: &Path) -> Vec<ops_core::dispatch::Notice> {
    let mut store = SledStore::open(&dir.join(STATE_FILE)).expect("open");
    let entries = ops_core::storage::Store::load_all(&mut store).expect("load");
    entries
        .get(ops_core::dispatch::NOTICES_KEY)
        .map(|b| serde_json::from_slice(b).expect("notices"))
        .unwrap_or_default()
}

#[test]
fn an_event_already_queued_for_a_handler_is_skipped_for_that_handler_only() {
    let dir = tempfile::tempdir().expect("tmp");
    DEFERRING.set(true);
    let fake = fake();
    let report =
        ops_core::run::<TwoObservers>(setup(dir.path(), &fake, "hooks/config-changed", &[]))
            .expect("hook");
    assert_eq!(ran(), ["wait", "watch"]);
    assert_eq!(report.deferred, 1);

    // The waiting event is re-emitted to `wait` (deferred again) and stands for the new one:
    // `wait` does not run for it, `watch` (nothing queued for it) does.
    let fake = self::fake();
    let report =
        ops_core::run::<TwoObservers>(setup(dir.path(), &fake, "hooks/config-changed", &[]))
            .expect("hook");
    assert_eq!(ran(), ["wait", "watch"]);
    assert_eq!(report.handler_calls, 2);
    assert_eq!(status_sets(&fake), 1);
    assert_eq!(
        logs_at(&fake, "INFO"),
        ["Skipping notice (TwoObservers/on/config_changed[2]/TwoObservers/wait) - already in the queue."]
    );
    assert_eq!(report.deferred, 1);
    assert!(!report.committed, "nothing changed");
    let notices = stored_notices(dir.path());
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].path, "TwoObservers/on/config_changed[1]");
    assert_eq!(notices[0].method, "wait");

    // Once `wait` stops deferring, the queued event runs, then the new one (the queue is empty
    // by then).
    DEFERRING.set(false);
    let fake = self::fake();
    let report =
        ops_core::run::<TwoObservers>(setup(dir.path(), &fake, "hooks/config-changed", &[]))
            .expect("hook");
    assert_eq!(ran(), ["wait", "wait", "watch"]);
    assert!(logs_at(&fake, "INFO").is_empty());
    assert_eq!(report.deferred, 0);
    assert!(stored_notices(dir.path()).is_empty());
}

#[test]
fn skip_duplicate_events_false_keeps_ops_2_1_1_behaviour() {
    let dir = tempfile::tempdir().expect("tmp");
    DEFERRING.set(true);
    let fake = fake();
    ops_core::run::<KeepsDuplicates>(setup(dir.path(), &fake, "hooks/config-changed", &[]))
        .expect("hook");
    assert_eq!(ran(), ["wait", "watch"]);

    // The handler runs for the re-emitted event and for the new one, and both stay queued.
    let fake = self::fake();
    let report =
        ops_core::run::<KeepsDuplicates>(setup(dir.path(), &fake, "hooks/config-changed", &[]))
            .expect("hook");
    assert_eq!(ran(), ["wait", "wait", "watch"]);
    assert_eq!(status_sets(&fake), 2);
    assert!(logs_at(&fake, "INFO").is_empty());
    assert_eq!(report.deferred, 2);
    let paths: Vec<_> = stored_notices(dir.path())
        .into_iter()
        .map(|n| n.path)
        .collect();
    assert_eq!(
        paths,
        [
            "KeepsDuplicates/on/config_changed[1]",
            "KeepsDuplicates/on/config_changed[2]"
        ]
    );
}

/// A custom event: `Snapshots::ping` emits `Ping { n: 2 }` whatever it handles.
#[derive(Debug, Clone, Serialize, Deserialize, ops_core::CustomEvent)]
struct Ping {
    n: u32,
}

/// Handlers deferring (while `DEFERRING`) events with arguments, and a custom event whose handler
/// emits an event equal to the one it may be handling.
#[derive(Default, StoredState)]
struct Snapshots;

#[charm(dir = "tests/fixtures/tiny", module = snapshots_tiny)]
impl Snapshots {
    #[on(db_relation_changed)]
    fn db(&mut self, _ctx: &mut Context<Self>, event: &RelationEvent) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("db"));
        if DEFERRING.get() {
            event.defer();
        }
        Ok(())
    }

    #[on(secret_changed, secret_remove)]
    fn secret(&mut self, _ctx: &mut Context<Self>, event: &SecretEvent) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("secret"));
        if DEFERRING.get() {
            event.defer()?;
        }
        Ok(())
    }

    #[on(start)]
    fn start(&mut self, ctx: &mut Context<Self>, _event: &HookEvent) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("start"));
        ctx.emit(&Ping { n: 2 })?;
        Ok(())
    }

    #[on(custom(Ping))]
    fn ping(&mut self, ctx: &mut Context<Self>, event: &CustomEvent<Ping>) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("ping"));
        if DEFERRING.get() {
            event.defer();
        }
        ctx.emit(&Ping { n: 2 })?;
        Ok(())
    }
}

fn run_snapshots(dir: &Path, dispatch: &str, env: &[(&str, &str)]) -> (HookReport, Rc<FakeRunner>) {
    let fake = fake();
    let report = ops_core::run::<Snapshots>(setup(dir, &fake, dispatch, env)).expect("hook");
    (report, fake)
}

#[test]
fn events_are_duplicates_only_with_equal_arguments() {
    let dir = tempfile::tempdir().expect("tmp");
    DEFERRING.set(true);
    let db = |unit| {
        [
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:4"),
            ("JUJU_REMOTE_APP", "pg"),
            ("JUJU_REMOTE_UNIT", unit),
        ]
    };
    run_snapshots(dir.path(), "hooks/db-relation-changed", &db("pg/0"));
    let (report, fake) = run_snapshots(dir.path(), "hooks/db-relation-changed", &db("pg/1"));
    assert_eq!(report.deferred, 2, "another remote unit: another event");
    assert!(logs_at(&fake, "INFO").is_empty());
    let (report, fake) = run_snapshots(dir.path(), "hooks/db-relation-changed", &db("pg/1"));
    assert_eq!(report.deferred, 2);
    assert_eq!(logs_at(&fake, "INFO").len(), 1);
    ran();

    // ops keeps no revision for secret-changed (so another revision is the same event), and keeps
    // it for secret-remove.
    let secret = |revision| {
        [
            ("JUJU_SECRET_ID", "secret:abc"),
            ("JUJU_SECRET_LABEL", "creds"),
            ("JUJU_SECRET_REVISION", revision),
        ]
    };
    let dir = tempfile::tempdir().expect("tmp");
    run_snapshots(dir.path(), "hooks/secret-changed", &secret("1"));
    let (report, fake) = run_snapshots(dir.path(), "hooks/secret-changed", &secret("2"));
    assert_eq!(ran(), ["secret", "secret"], "re-emitted, then skipped");
    assert_eq!(report.deferred, 1);
    assert_eq!(
        logs_at(&fake, "INFO"),
        ["Skipping notice (Snapshots/on/secret_changed[2]/Snapshots/secret) - already in the queue."]
    );
    let (report, fake) = run_snapshots(dir.path(), "hooks/secret-remove", &secret("1"));
    assert_eq!(report.deferred, 2);
    assert!(logs_at(&fake, "INFO").is_empty());
    let (report, fake) = run_snapshots(dir.path(), "hooks/secret-remove", &secret("2"));
    assert_eq!(
        report.deferred, 3,
        "another revision to remove: another event"
    );
    assert!(logs_at(&fake, "INFO").is_empty());
    ran();
}

#[test]
fn an_event_is_queued_while_its_handlers_run() {
    // As in ops, where custom events run inside the emitting handler: an event equal to the one
    // being handled (or re-emitted) is skipped, so `ping` re-emitting its own event does not loop.
    let dir = tempfile::tempdir().expect("tmp");
    DEFERRING.set(true);
    let (report, fake) = run_snapshots(dir.path(), "hooks/start", &[]);
    assert_eq!(ran(), ["start", "ping"]);
    assert_eq!(report.deferred, 1);
    assert_eq!(
        logs_at(&fake, "INFO"),
        ["Skipping notice (Snapshots/on/Ping[3]/Snapshots/ping) - already in the queue."]
    );

    // The deferred Ping is re-emitted: the Ping its handler emits is skipped (the re-emitted one
    // is still queued while it runs); start's Ping then runs (the queue is empty by then) and the
    // one its handler emits is skipped.
    DEFERRING.set(false);
    let (report, fake) = run_snapshots(dir.path(), "hooks/start", &[]);
    assert_eq!(ran(), ["ping", "start", "ping"]);
    assert_eq!(report.deferred, 0);
    assert_eq!(
        logs_at(&fake, "INFO").len(),
        2,
        "{:?}",
        logs_at(&fake, "INFO")
    );
}

// ---- what an in-process run does not do (issue 16: surviving `run_hook` mutants) ----------------

/// Defers `config-changed` (while `DEFERRING`), observes `collect-metrics` and collects the unit
/// status: what each hook runs shows in `RAN`.
#[derive(Default, StoredState)]
struct Metered;

#[charm(dir = "tests/fixtures/tiny", module = metered_tiny)]
impl Metered {
    #[on(config_changed)]
    fn wait(&mut self, _ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("wait"));
        if DEFERRING.get() {
            event.defer()?;
        }
        Ok(())
    }

    #[on(collect_metrics)]
    fn metrics(
        &mut self,
        _ctx: &mut Context<Self>,
        _event: &CollectMetricsEvent,
    ) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("metrics"));
        Ok(())
    }

    #[on(collect_unit_status)]
    fn status(
        &mut self,
        _ctx: &mut Context<Self>,
        event: &CollectStatusEvent,
    ) -> ops_core::Result<()> {
        RAN.with(|r| r.borrow_mut().push("status"));
        event.add_status(Status::active(""))?;
        Ok(())
    }
}

#[test]
fn collect_metrics_re_emits_no_deferred_event_and_collects_no_status() {
    // ops' main: "Skip reemission of deferred events for collect-metrics events because they do
    // not have the full access to all hook tools", and no collect-status in a restricted context
    // (is-leader cannot run there).
    let dir = tempfile::tempdir().expect("tmp");
    let fake = fake();
    DEFERRING.set(true);
    let report = ops_core::run::<Metered>(setup(dir.path(), &fake, "hooks/config-changed", &[]))
        .expect("hook");
    assert_eq!(ran(), ["wait", "status"]);
    assert_eq!(report.deferred, 1);

    let fake = self::fake();
    let report = ops_core::run::<Metered>(setup(dir.path(), &fake, "hooks/collect-metrics", &[]))
        .expect("hook");
    assert_eq!(ran(), ["metrics"], "only the metrics handler runs");
    assert_eq!(report.handler_calls, 1);
    assert_eq!(status_sets(&fake), 0);
    assert_eq!(
        stored_notices(dir.path()).len(),
        1,
        "the deferred event is kept"
    );

    // The next hook re-emits it.
    DEFERRING.set(false);
    let fake = self::fake();
    ops_core::run::<Metered>(setup(dir.path(), &fake, "hooks/update-status", &[])).expect("hook");
    assert_eq!(ran(), ["wait", "status"]);
    assert!(stored_notices(dir.path()).is_empty());
}

#[test]
fn an_in_process_run_runs_no_legacy_hook_and_makes_no_event_link() {
    // A charm directory as charmcraft packs it: `dispatch` and a legacy `hooks/install`. A real
    // hook process on Juju ≥ 2.8 would run the legacy hook first and set OPERATOR_DISPATCH (a
    // second run in the same process would then exit at once, "Charm called itself"); a test's
    // in-process run does neither, every time.
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("dispatch"), "#!/bin/sh\n").expect("dispatch");
    let marker = dir.path().join("legacy-ran");
    let hooks = dir.path().join("hooks");
    std::fs::create_dir(&hooks).expect("hooks");
    let legacy = hooks.join("install");
    std::fs::write(
        &legacy,
        format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
    )
    .expect("hook");
    std::fs::set_permissions(&legacy, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for _ in 0..2 {
        let fake = fake();
        let report = ops_core::run::<Stateless>(setup(dir.path(), &fake, "hooks/install", &[]))
            .expect("hook");
        assert_eq!(report.handler_calls, 1);
        assert_eq!(status_sets(&fake), 1);
    }
    assert!(!marker.exists(), "the legacy hook ran");
    assert!(std::env::var_os("OPERATOR_DISPATCH").is_none());
    // Nor does it link `hooks/<event>` to itself, as a process on Juju without dispatch does
    // on install: the charm's directory is left as it was.
    let hooks: Vec<_> = std::fs::read_dir(&hooks)
        .expect("hooks")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(hooks, ["install"]);
    assert!(!dir.path().join("actions").exists());
}

#[test]
fn collect_metrics_under_controller_storage_runs_nothing() {
    // ops' main: with Juju's controller storage, collect-metrics (a restricted context, where
    // state-get cannot run) logs that it is not supported and returns: no handler, no state.
    let dir = tempfile::tempdir().expect("tmp");
    let fake = fake();
    let mut hook = setup(dir.path(), &fake, "hooks/collect-metrics", &[]);
    hook.store = Some(StoreSource::Controller);
    let report = ops_core::run::<Metered>(hook).expect("hook");
    assert!(ran().is_empty());
    assert_eq!(
        report,
        HookReport {
            event: "collect_metrics".into(),
            ..HookReport::default()
        }
    );
    let tools: Vec<String> = fake.calls().iter().map(|c| c.tool.clone()).collect();
    assert!(tools.iter().all(|t| t == "juju-log"), "{tools:?}");
}

/// A machine charm declaring its series (not `kubernetes`), with a counter.
#[derive(Default, Serialize, Deserialize, StoredState)]
struct OnMachines {
    count: u32,
}

#[charm(dir = "tests/fixtures/series", module = series_machine)]
impl OnMachines {
    #[on(install)]
    fn count(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        self.count += 1;
        Ok(())
    }
}

#[test]
fn a_machine_charm_declaring_its_series_keeps_its_state_locally() {
    // ops' `_should_use_controller_storage`: only a Kubernetes podspec charm (`kubernetes` among
    // its series) uses Juju's controller storage by default; this one keeps the local database
    // even on Juju 3 (where controller storage exists), and never calls state-get.
    let dir = tempfile::tempdir().expect("tmp");
    let fake = fake();
    let mut hook = setup(dir.path(), &fake, "hooks/install", &[]);
    hook.store = None;
    let report = ops_core::run::<OnMachines>(hook).expect("hook");
    assert!(report.committed);
    assert!(SledStore::exists(&dir.path().join(STATE_FILE)));
    assert!(fake.calls().iter().all(|c| !c.tool.starts_with("state-")));
}
