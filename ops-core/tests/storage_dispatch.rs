//! How the dispatcher uses its store: when it loads, when it asks the store to get ready for a commit
//! (`Store::prefetch`: the local store then opens sled in the background while handlers run), and that
//! a hook with nothing to commit never opens sled at all.

mod storage_support;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;

use ops_core::dispatch::{HookSetup, StoreSource, STATE_FILE};
use ops_core::env::JujuContext;
use ops_core::hooktools::FakeRunner;
use ops_core::prelude::*;
use ops_core::storage::{Changes, MemoryStore, SledStore, Store, StoreError};
use ops_core::DispatchError;
use serde::{Deserialize, Serialize};

thread_local! {
    /// What happened during the hooks of this test thread, in order.
    static EVENTS: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

fn record(what: &'static str) {
    EVENTS.with(|events| events.borrow_mut().push(what));
}

fn take_events() -> Vec<&'static str> {
    EVENTS.with(|events| std::mem::take(&mut *events.borrow_mut()))
}

/// A charm with stored state.
#[derive(Default, Serialize, Deserialize, StoredState)]
struct Stateful {
    count: u32,
}

#[charm(dir = "tests/fixtures/tiny", module = stateful_tiny)]
impl Stateful {
    #[on(install, start)]
    fn count(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        record("handler");
        self.count += 1;
        Ok(())
    }

    #[on(config_changed)]
    fn fail(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        record("handler");
        Err("the handler fails".into())
    }

    #[on(leader_settings_changed)]
    fn unchanged(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        record("handler");
        Ok(())
    }
}

/// A charm without stored state, whose config-changed handler defers.
#[derive(Default, StoredState)]
struct Stateless;

#[charm(dir = "tests/fixtures/tiny", module = stateless_tiny)]
impl Stateless {
    #[on(install)]
    fn install(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        record("handler");
        Ok(())
    }

    #[on(config_changed)]
    fn config(&mut self, _ctx: &mut Context<Self>, event: &HookEvent) -> ops_core::Result<()> {
        record("handler");
        event.defer()?;
        Ok(())
    }
}

/// A store that records the dispatcher's calls (and keeps its state across hooks).
#[derive(Clone, Default)]
struct Recording(Rc<RefCell<MemoryStore>>);

impl Store for Recording {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        record("load");
        self.0.borrow_mut().load_all()
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        record("commit");
        self.0.borrow_mut().commit(changes)
    }

    fn prefetch(&mut self) {
        record("prefetch");
    }
}

fn setup(dir: &Path, dispatch: &str, store: StoreSource) -> HookSetup {
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
        store: Some(store),
        is_process: false,
    }
}

fn run_recorded<C: ops_core::Charm>(store: &Recording, dispatch: &str) -> Vec<&'static str> {
    let dir = tempfile::tempdir().expect("tmp");
    take_events();
    ops_core::run::<C>(setup(
        dir.path(),
        dispatch,
        StoreSource::Given(Box::new(store.clone())),
    ))
    .expect("hook");
    take_events()
}

#[test]
fn a_stateful_handler_gets_the_store_ready_before_it_runs() {
    let store = Recording::default();
    assert_eq!(
        run_recorded::<Stateful>(&store, "hooks/install"),
        ["load", "prefetch", "handler", "commit"]
    );
    // Unobserved: read (there may be deferred events), nothing more.
    assert_eq!(
        run_recorded::<Stateful>(&store, "hooks/update-status"),
        ["load"]
    );
}

#[test]
fn a_stateless_charm_gets_the_store_ready_only_when_a_commit_may_follow() {
    let store = Recording::default();
    assert_eq!(
        run_recorded::<Stateless>(&store, "hooks/install"),
        ["load", "handler"]
    );
    // Deferring: the notice must be written.
    assert_eq!(
        run_recorded::<Stateless>(&store, "hooks/config-changed"),
        ["load", "handler", "prefetch", "commit"]
    );
    // Re-emitting a deferred event may drop its notice; deferred again, nothing changes.
    assert_eq!(
        run_recorded::<Stateless>(&store, "hooks/install"),
        ["load", "prefetch", "handler", "handler"]
    );
}

#[test]
fn a_hook_with_nothing_to_commit_never_opens_sled() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(STATE_FILE);
    let local = || StoreSource::Local(path.clone());
    take_events();
    let report =
        ops_core::run::<Stateful>(setup(dir.path(), "hooks/install", local())).expect("install");
    assert!(report.committed);

    // While the test holds sled (and its lock), any hook that opened it would fail with `Locked`.
    let holder = SledStore::open(&path).expect("open");
    let report = ops_core::run::<Stateful>(setup(dir.path(), "hooks/update-status", local()))
        .expect("an unobserved event reads the sidecar");
    assert_eq!(report.handler_calls, 0);
    assert!(!report.committed);
    // A hook that commits does not need sled either (its copies are the record, and sled is
    // brought up to date only every SLED_SYNC_INTERVAL commits).
    let report = ops_core::run::<Stateful>(setup(dir.path(), "hooks/start", local()))
        .expect("a commit without sled");
    assert!(report.committed);
    drop(holder);
    assert_eq!(take_events(), ["handler", "handler"]);
    let expected = BTreeMap::from([(
        "Stateful/StoredStateData[_stored]".to_string(),
        br#"{"count":2}"#.to_vec(),
    )]);
    let (schema, sidecar) = storage_support::read_sidecar(&path).expect("sidecar");
    assert_eq!(schema, ops_core::storage::SCHEMA_VERSION);
    // sled still holds the first commit; opening it brings it up to date.
    assert_eq!(
        storage_support::raw_sled_entries(&path).get("Stateful/StoredStateData[_stored]"),
        Some(&br#"{"count":1}"#.to_vec())
    );
    let stored = SledStore::open(&path)
        .expect("open")
        .load_all()
        .expect("load");
    assert_eq!(sidecar, stored);
    assert_eq!(storage_support::raw_sled_entries(&path), stored);
    assert_eq!(
        stored.get("Stateful/StoredStateData[_stored]"),
        expected.get("Stateful/StoredStateData[_stored]")
    );
}

/// Every file under `dir`: its length, modification time and content.
fn files_under(dir: &Path) -> BTreeMap<std::path::PathBuf, (std::time::SystemTime, Vec<u8>)> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("list") {
        let path = entry.expect("entry").path();
        let meta = std::fs::symlink_metadata(&path).expect("stat");
        if meta.is_dir() {
            files.extend(files_under(&path));
        } else {
            let content = std::fs::read(&path).expect("read");
            files.insert(path, (meta.modified().expect("mtime"), content));
        }
    }
    files
}

/// Issue 11: an unobserved event, and a handler that changes nothing, write nothing at all (no
/// file created, modified or synced: nothing to sync), and open nothing of sled.
#[test]
fn hooks_that_change_nothing_write_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(STATE_FILE);
    let local = || StoreSource::Local(path.clone());
    take_events();
    ops_core::run::<Stateful>(setup(dir.path(), "hooks/install", local())).expect("install");
    ops_core::run::<Stateful>(setup(dir.path(), "hooks/start", local())).expect("start");
    // (Opening sled rewrites its files: open it once first, so that only the hooks are watched.)
    drop(SledStore::open(&path).expect("open"));
    let before_sled = files_under(dir.path());
    for hook in ["hooks/update-status", "hooks/leader-settings-changed"] {
        let report = ops_core::run::<Stateful>(setup(dir.path(), hook, local())).expect(hook);
        assert!(!report.committed, "{hook}");
        assert_eq!(
            files_under(dir.path()),
            before_sled,
            "{hook} wrote something"
        );
    }
    assert_eq!(take_events(), ["handler", "handler", "handler"]);
}

#[test]
fn the_hint_reaches_a_store_behind_a_reference_or_a_box() {
    fn hint(mut store: impl Store) {
        store.prefetch();
    }
    let mut store = Recording::default();
    take_events();
    hint(&mut store);
    hint(Box::new(store.clone()) as Box<dyn Store>);
    assert_eq!(take_events(), ["prefetch", "prefetch"]);
}

#[test]
fn a_failing_first_hook_leaves_no_database() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join(STATE_FILE);
    take_events();
    let err = ops_core::run::<Stateful>(setup(
        dir.path(),
        "hooks/config-changed",
        StoreSource::Local(path.clone()),
    ))
    .expect_err("the handler fails");
    assert!(matches!(err, DispatchError::Handler(_)), "{err:?}");
    assert_eq!(take_events(), ["handler"]);
    // The store was asked to get ready, but getting ready never creates a database.
    assert!(!path.exists());
}

/// A charm whose `start` handler takes a while, so that two hooks overlap.
#[derive(Default, Serialize, Deserialize, StoredState)]
struct Slow {
    count: u32,
}

#[charm(dir = "tests/fixtures/tiny", module = slow_tiny)]
impl Slow {
    #[on(start)]
    fn start(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        std::thread::sleep(std::time::Duration::from_millis(300));
        self.count += 1;
        Ok(())
    }
}

/// Run `start` twice at the same time on the unit whose charm directory is `dir` (as an operator's
/// `dispatch` run by hand, `juju exec` or debug-hooks overlap a hook): both results.
fn overlapping_starts(dir: &Path) -> [Result<(), String>; 2] {
    let path = dir.join(STATE_FILE);
    let run = |path: std::path::PathBuf, dir: std::path::PathBuf| {
        std::thread::spawn(move || {
            ops_core::run::<Slow>(setup(&dir, "hooks/start", StoreSource::Local(path)))
                .map(drop)
                .map_err(|e| e.to_string())
        })
    };
    let first = run(path.clone(), dir.to_path_buf());
    std::thread::sleep(std::time::Duration::from_millis(50));
    let second = run(path, dir.to_path_buf());
    [
        first.join().expect("first hook thread"),
        second.join().expect("second hook thread"),
    ]
}

fn stored_count(dir: &Path) -> u32 {
    let mut store = SledStore::open(&dir.join(STATE_FILE)).expect("open");
    let entries = store.load_all().expect("load");
    let bytes = entries
        .get(<Slow as ops_core::StoredState>::KEY)
        .expect("stored state");
    serde_json::from_slice::<Slow>(bytes).expect("decode").count
}

/// Issue 11, item 1: two overlapping hooks on a unit with no state yet serialise on the unit's
/// state lock: both succeed and neither update is lost.
#[test]
fn overlapping_hooks_on_a_fresh_unit_serialise() {
    let dir = tempfile::tempdir().expect("tmp");
    let [first, second] = overlapping_starts(dir.path());
    assert_eq!((first, second), (Ok(()), Ok(())));
    assert_eq!(stored_count(dir.path()), 2, "an update was lost");
}

/// Issue 11, item 1: the same on a unit that already has state (where the lazy store's check
/// used to fail the second hook with a conflict).
#[test]
fn overlapping_hooks_on_a_unit_with_state_serialise() {
    let dir = tempfile::tempdir().expect("tmp");
    ops_core::run::<Slow>(setup(
        dir.path(),
        "hooks/start",
        StoreSource::Local(dir.path().join(STATE_FILE)),
    ))
    .expect("first hook");
    let [first, second] = overlapping_starts(dir.path());
    assert_eq!((first, second), (Ok(()), Ok(())));
    assert_eq!(stored_count(dir.path()), 3, "an update was lost");
}

/// The state lock: private, bounded wait with a clear error, released on drop, never through a
/// symbolic link.
#[test]
fn the_state_lock_waits_a_bounded_time_and_is_private() {
    use ops_core::storage::StateLock;
    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;
    let dir = tempfile::tempdir().expect("tmp");
    let state = dir.path().join(STATE_FILE);
    let held = StateLock::acquire(&state, Duration::ZERO).expect("free lock");
    let mode = std::fs::metadata(held.path())
        .expect("lock file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let err = StateLock::acquire(&state, Duration::from_millis(200)).expect_err("held");
    assert!(matches!(err, StoreError::Busy { .. }), "{err:?}");
    assert!(err.to_string().contains("lock"), "{err}");
    drop(held);
    StateLock::acquire(&state, Duration::ZERO).expect("released on drop");

    let other = tempfile::tempdir().expect("tmp");
    let target = other.path().join("target");
    std::fs::write(&target, b"").expect("target");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let linked = other.path().join(STATE_FILE);
    std::os::unix::fs::symlink(&target, StateLock::path_for(&linked)).expect("symlink");
    let err = StateLock::acquire(&linked, Duration::ZERO).expect_err("symlink");
    assert!(err.to_string().contains("symbolic link"), "{err}");
    let mode = std::fs::metadata(&target)
        .expect("target")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644, "the link's target was changed");
}

/// Issue 11, items 6 and 11: a FIFO or a symbolic link at `.unit-state.db` fails the hook at once
/// with a clear error (it used to hang on the FIFO, or follow the link). Also a hook whose handler
/// changes nothing (leader-settings-changed here): the state it reads is not silently empty.
#[test]
fn a_fifo_or_symlink_at_the_state_path_fails_the_hook_clearly() {
    for (kind, hook) in [
        ("fifo", "hooks/install"),
        ("symlink", "hooks/install"),
        ("fifo", "hooks/leader-settings-changed"),
        ("symlink", "hooks/leader-settings-changed"),
    ] {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join(STATE_FILE);
        if kind == "fifo" {
            let status = std::process::Command::new("mkfifo")
                .arg(&path)
                .status()
                .expect("mkfifo");
            assert!(status.success());
        } else {
            std::os::unix::fs::symlink(dir.path(), &path).expect("symlink");
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let charm_dir = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let result = ops_core::run::<Stateful>(setup(
                &charm_dir,
                hook,
                StoreSource::Local(charm_dir.join(STATE_FILE)),
            ));
            let _ = tx.send(result.map(drop).map_err(|e| e.to_string()));
        });
        let result = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{kind}, {hook}: the hook hangs"));
        let err = result.expect_err(hook);
        let expected = if kind == "fifo" {
            "FIFO"
        } else {
            "symbolic link"
        };
        assert!(err.contains(expected), "{kind}, {hook}: {err}");
    }
}
