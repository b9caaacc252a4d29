//! Tests written for mutants cargo-mutants found alive in the stateful core (see
//! docs/src/reference/test-strength.md): a deferred event whose handler went away in an upgrade,
//! the custom-event loop guard at its limit, and `Relation` equality.

#[path = "model_support/mod.rs"]
mod support;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;

use ops_core::dispatch::{HookSetup, Notice, StoreSource, NOTICES_KEY};
use ops_core::env::JujuContext;
use ops_core::events::EventSnapshot;
use ops_core::hooktools::FakeRunner;
use ops_core::prelude::*;
use ops_core::storage::{Changes, MemoryStore, Store, StoreError};
use ops_core::DispatchError;
use ops_metadata::EventKind;

thread_local! {
    /// The handlers called during the hooks of this test thread, in order.
    static CALLS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    /// How many custom events the next hook's handlers emit in all.
    static TO_EMIT: Cell<usize> = const { Cell::new(0) };
}

fn record(what: &'static str) {
    CALLS.with(|calls| calls.borrow_mut().push(what));
}

fn take_calls() -> Vec<&'static str> {
    CALLS.with(|calls| std::mem::take(&mut *calls.borrow_mut()))
}

/// A store shared across hooks (the dispatcher takes its store by value).
#[derive(Clone, Default)]
struct Shared(Rc<RefCell<MemoryStore>>);

impl Store for Shared {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        self.0.borrow_mut().load_all()
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        self.0.borrow_mut().commit(changes)
    }
}

impl Shared {
    fn notices(&self) -> Vec<Notice> {
        match self.0.borrow().get(NOTICES_KEY) {
            Some(bytes) => serde_json::from_slice(bytes).expect("stored notices decode"),
            None => Vec::new(),
        }
    }

    /// Store notices as an earlier revision of the charm would have.
    fn seed(&self, notices: &[Notice]) {
        let mut changes = Changes::new();
        changes.insert(
            NOTICES_KEY.to_string(),
            Some(serde_json::to_vec(notices).expect("notices encode")),
        );
        self.0.borrow_mut().commit(&changes).expect("seeded");
    }
}

fn setup(dir: &Path, dispatch: &str, store: &Shared) -> HookSetup {
    let env: HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "tiny/0"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_DISPATCH_PATH", dispatch),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("juju-log", "");
    HookSetup {
        env: JujuContext::from_map(&env).expect("valid environment"),
        runner: fake,
        charm_dir: dir.to_path_buf(),
        argv0: dir.join("dispatch"),
        store: Some(StoreSource::Given(Box::new(store.clone()))),
        is_process: false,
    }
}

fn run<C: ops_core::Charm>(
    store: &Shared,
    dispatch: &str,
) -> Result<ops_core::dispatch::HookReport, DispatchError> {
    let dir = tempfile::tempdir().expect("tmp");
    take_calls();
    ops_core::run::<C>(setup(dir.path(), dispatch, store))
}

// ---- a deferred event whose handler went away in an upgrade -------------------------------------

/// Revision 2 of a charm: its config-changed handler was renamed (from `on_config`, which deferred
/// in revision 1) and its start handler removed; `install` still observes install.
#[derive(Default, StoredState)]
struct Upgraded;

#[charm(dir = "tests/fixtures/tiny", module = upgraded_tiny)]
impl Upgraded {
    #[on(install)]
    fn install(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        record("install");
        Ok(())
    }

    #[on(config_changed)]
    fn configure(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        record("configure");
        Ok(())
    }
}

fn notice(n: u32, method: &str, event: &str) -> Notice {
    let kind = match event {
        "start" => EventKind::Start,
        "config_changed" => EventKind::ConfigChanged,
        other => panic!("no kind for {other}"),
    };
    Notice {
        path: format!("Upgraded/on/{event}[{n}]"),
        method: method.to_string(),
        event: EventSnapshot::new(event, kind),
    }
}

#[test]
fn a_notice_whose_handler_was_renamed_is_dropped_and_the_hook_succeeds() {
    let store = Shared::default();
    // Deferred by revision 1's `on_config`; config-changed is still observed, by `configure`.
    store.seed(&[notice(1, "on_config", "config_changed")]);
    let report = run::<Upgraded>(&store, "hooks/upgrade-charm").expect("the hook succeeds");
    assert_eq!(report.deferred, 0);
    assert!(store.notices().is_empty(), "the notice is dropped for good");
    assert!(
        take_calls().is_empty(),
        "no handler ran for the stale notice"
    );
    // Every later hook of the unit runs normally.
    run::<Upgraded>(&store, "hooks/config-changed").expect("a later hook succeeds");
    assert_eq!(take_calls(), ["configure"]);
}

#[test]
fn a_notice_naming_a_handler_of_another_event_is_dropped() {
    let store = Shared::default();
    // `install` still exists but no longer observes start: re-emitting start to it would be wrong.
    store.seed(&[
        notice(1, "install", "start"),
        notice(2, "configure", "config_changed"),
    ]);
    let report = run::<Upgraded>(&store, "hooks/update-status").expect("the hook succeeds");
    // The still-valid notice is re-emitted (and not deferred again): only `configure` ran.
    assert_eq!(take_calls(), ["configure"]);
    assert_eq!(report.deferred, 0);
    assert!(store.notices().is_empty());
}

#[test]
fn a_stale_notice_is_dropped_while_a_valid_one_stays_deferred() {
    /// Revision 2 whose config handler defers again.
    #[derive(Default, StoredState)]
    struct Deferring;

    #[charm(dir = "tests/fixtures/tiny", module = deferring_tiny)]
    impl Deferring {
        #[on(config_changed)]
        fn configure(&mut self, _ctx: &mut Context<Self>, e: &HookEvent) -> ops_core::Result<()> {
            record("configure");
            e.defer()?;
            Ok(())
        }
    }

    let store = Shared::default();
    let kept = Notice {
        path: "Deferring/on/config_changed[2]".into(),
        ..notice(2, "configure", "config_changed")
    };
    store.seed(&[notice(1, "on_config", "config_changed"), kept.clone()]);
    let report = run::<Deferring>(&store, "hooks/update-status").expect("the hook succeeds");
    assert_eq!(take_calls(), ["configure"]);
    assert_eq!(report.deferred, 1);
    assert_eq!(store.notices(), [kept]);
}

// ---- deferring: one notice per handler, never two for the same event and handler ---------------

/// Two handlers observe config-changed and both defer it.
#[derive(Default, StoredState)]
struct TwoDeferrers;

#[charm(dir = "tests/fixtures/tiny", module = two_deferrers_tiny)]
impl TwoDeferrers {
    #[on(config_changed)]
    fn first(&mut self, _ctx: &mut Context<Self>, e: &HookEvent) -> ops_core::Result<()> {
        record("first");
        e.defer()?;
        Ok(())
    }

    #[on(config_changed)]
    fn second(&mut self, _ctx: &mut Context<Self>, e: &HookEvent) -> ops_core::Result<()> {
        record("second");
        e.defer()?;
        Ok(())
    }
}

fn methods(notices: &[Notice]) -> Vec<(&str, &str)> {
    notices
        .iter()
        .map(|n| (n.method.as_str(), n.event.name.as_str()))
        .collect()
}

#[test]
fn each_handler_deferring_the_same_event_gets_its_own_notice() {
    let store = Shared::default();
    let report = run::<TwoDeferrers>(&store, "hooks/config-changed").expect("hook");
    assert_eq!(take_calls(), ["first", "second"]);
    assert_eq!(report.deferred, 2);
    assert_eq!(
        methods(&store.notices()),
        [("first", "config_changed"), ("second", "config_changed")]
    );
}

#[test]
fn the_same_event_deferred_again_by_the_same_handler_is_not_queued_twice() {
    let store = Shared::default();
    run::<TwoDeferrers>(&store, "hooks/config-changed").expect("hook");
    let first = store.notices();
    // Re-emitted (both defer again); then the new config-changed is skipped for both, since an
    // equal event is still queued for each (as ops >= 2.18): still one notice per handler, the
    // original ones.
    let report = run::<TwoDeferrers>(&store, "hooks/config-changed").expect("hook");
    assert_eq!(take_calls(), ["first", "second"]);
    assert_eq!(report.deferred, 2);
    assert_eq!(store.notices(), first);
}

// ---- the custom-event loop guard ----------------------------------------------------------------

/// The guard's limit (`MAX_CUSTOM_EVENTS` in dispatch.rs).
const LIMIT: usize = 10_000;

#[derive(serde::Serialize, serde::Deserialize, ops_core::CustomEvent)]
struct Ping;

/// Each link of a chain carries its own number: an event equal to one still being handled would
/// be skipped as a duplicate (as ops >= 2.18), which would end the chain by itself.
#[derive(serde::Serialize, serde::Deserialize, ops_core::CustomEvent)]
struct Again {
    left: usize,
}

#[derive(Default, StoredState)]
struct Emitter;

#[charm(dir = "tests/fixtures/tiny", module = emitter_tiny)]
impl Emitter {
    /// Emits `TO_EMIT` pings at once.
    #[on(install)]
    fn install(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        for _ in 0..TO_EMIT.with(Cell::get) {
            ctx.emit(&Ping)?;
        }
        Ok(())
    }

    #[on(custom(Ping))]
    fn ping(&mut self, _ctx: &mut Context<Self>, _e: &CustomEvent<Ping>) -> ops_core::Result<()> {
        record("ping");
        Ok(())
    }

    /// Starts a chain: each `Again` handler emits the next one while `TO_EMIT` lasts.
    #[on(start)]
    fn start(&mut self, ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        ctx.emit(&Again {
            left: TO_EMIT.with(Cell::get),
        })?;
        Ok(())
    }

    #[on(custom(Again))]
    fn again(&mut self, ctx: &mut Context<Self>, _e: &CustomEvent<Again>) -> ops_core::Result<()> {
        record("again");
        let left = TO_EMIT.with(Cell::get);
        if left > 1 {
            TO_EMIT.with(|n| n.set(left - 1));
            ctx.emit(&Again { left: left - 1 })?;
        }
        Ok(())
    }
}

/// Run `f` on a thread with a large stack (a chain of custom events nests handler calls).
fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic")
}

fn emit_at_once(n: usize) -> (Result<(), String>, usize) {
    on_big_stack(move || {
        TO_EMIT.with(|c| c.set(n));
        let store = Shared::default();
        let result = run::<Emitter>(&store, "hooks/install")
            .map(|_| ())
            .map_err(|e| e.to_string());
        (result, take_calls().len())
    })
}

fn emit_chain(n: usize) -> (Result<(), String>, usize) {
    on_big_stack(move || {
        TO_EMIT.with(|c| c.set(n));
        let store = Shared::default();
        let result = run::<Emitter>(&store, "hooks/start")
            .map(|_| ())
            .map_err(|e| match e {
                DispatchError::EventLoop(limit) => format!("loop {limit}: {e}"),
                other => other.to_string(),
            });
        (result, take_calls().len())
    })
}

#[test]
fn exactly_the_limit_of_custom_events_is_allowed() {
    assert_eq!(emit_at_once(LIMIT), (Ok(()), LIMIT));
    assert_eq!(emit_chain(LIMIT), (Ok(()), LIMIT));
}

#[test]
fn one_custom_event_more_than_the_limit_is_the_loop_error() {
    let (result, handled) = emit_at_once(LIMIT + 1);
    let err = result.expect_err("the loop guard stops the hook");
    assert!(err.contains("more than 10000 custom events"), "{err}");
    assert_eq!(handled, LIMIT);
}

#[test]
fn a_handler_emitting_its_own_event_forever_gets_the_loop_error() {
    // The chain never ends by itself (far more than the limit).
    let (result, handled) = emit_chain(usize::MAX);
    let err = result.expect_err("the loop guard stops the hook");
    assert!(err.starts_with("loop 10000: "), "{err}");
    assert!(
        err.contains("is a handler re-emitting its own event?"),
        "{err}"
    );
    assert_eq!(handled, LIMIT);
}

// ---- Relation equality --------------------------------------------------------------------------

#[test]
fn relations_are_equal_by_endpoint_and_id() {
    let f = support::fixture();
    let get = |name: &str, id: i64| {
        f.model
            .get_relation(name, Some(id))
            .expect("declared endpoint")
            .expect("a relation")
    };
    assert_eq!(get("db", 1), get("db", 1));
    assert_ne!(get("db", 1), get("db", 2));
    assert_ne!(get("db", 1), get("website", 1));
    assert_ne!(get("db", 1), get("website", 2));
}

// ---- a copy of the state that cannot be reached ------------------------------------------------

#[path = "storage_support/mod.rs"]
mod storage_support;

/// A database directory whose path is so long that `<db>/snapshot` (4095 bytes) can be read but
/// `<db>/snapshot.2` (4097 bytes, over PATH_MAX) cannot even be looked up (ENAMETOOLONG): the
/// first copy answers, and a commit must overwrite first the copy that is not the only one holding
/// the state: it fails there, and the state is still whole.
#[test]
fn a_copy_that_cannot_be_reached_is_written_first_and_the_other_kept() {
    use ops_core::storage::{SledStore, Store, SECOND_COPY_FILE, SIDECAR_FILE};
    const PATH_MAX: usize = 4096;
    let tmp = tempfile::tempdir().expect("tmp");
    let short = storage_support::db_path(&tmp);
    SledStore::open(&short)
        .expect("open")
        .commit(&storage_support::set(&[("a", b"1")]))
        .expect("commit");
    assert!(
        storage_support::sidecar_path(&short).is_file(),
        "a copy was written"
    );

    // <tmp>/aaa…/aaa…/…/<last> of exactly PATH_MAX - 10 bytes.
    let target_len = PATH_MAX - 10;
    assert_eq!(target_len + 1 + SIDECAR_FILE.len(), PATH_MAX - 1);
    assert!(target_len + 1 + SECOND_COPY_FILE.len() >= PATH_MAX);
    let mut deep = tmp.path().to_path_buf();
    while deep.as_os_str().len() + 1 + 200 + 1 + 10 < target_len {
        deep.push("a".repeat(200));
    }
    let last = target_len - deep.as_os_str().len() - 1;
    std::fs::create_dir_all(&deep).expect("mkdir");
    deep.push("d".repeat(last));
    assert_eq!(deep.as_os_str().len(), target_len);
    std::fs::rename(&short, &deep).expect("move the database");
    let err = std::fs::symlink_metadata(deep.join(SECOND_COPY_FILE)).expect_err("too long");
    assert_ne!(err.kind(), std::io::ErrorKind::NotFound, "{err}");

    let expected = storage_support::entries(&[("a", b"1")]);
    let mut store = SledStore::open_lazy(&deep);
    assert_eq!(store.load_all().expect("load"), expected);
    assert!(!store.opened_sled(), "the first copy answers");
    let failed = store.commit(&storage_support::set(&[("a", b"2")]));
    assert!(failed.is_err(), "{failed:?}");
    drop(store);
    let first = std::fs::read(deep.join(SIDECAR_FILE)).expect("first copy");
    assert_eq!(
        storage_support::decode_copy(&first).map(|c| c.entries),
        Some(expected),
        "the only copy was overwritten first"
    );
}
