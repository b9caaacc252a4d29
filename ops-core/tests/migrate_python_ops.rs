//! `ops_core::migrate`: reading a Python ops database and converting it to a Rust charm's store
//! entries. The end-to-end upgrade of a real ops 2.1.1 database is `examples/counter/tests/from_python.rs`.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ops_core::dispatch::{Notice, EVENT_COUNT_KEY, NOTICES_KEY};
use ops_core::events::EventSnapshot;
use ops_core::meta::EventKind;
use ops_core::migrate::{
    convert, is_python_state, read_python_state, set_aside, MigrationError, PythonState, Target,
    MIGRATED_KEY, PYTHON, PYTHON_BACKUP,
};
use ops_core::prelude::*;
use ops_core::{Charm, StoredState};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Default, Serialize, Deserialize, StoredState)]
struct Tiny {
    count: u32,
    names: Vec<String>,
}

#[charm(dir = "tests/fixtures/tiny", module = tiny_migrate)]
impl Tiny {
    #[on(install)]
    fn first_install(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        Ok(())
    }

    #[on(install)]
    fn second_install(&mut self, _ctx: &mut Context<Self>, _e: &HookEvent) -> ops_core::Result<()> {
        Ok(())
    }

    #[on(db_relation_changed)]
    fn on_db_relation_changed(
        &mut self,
        _ctx: &mut Context<Self>,
        _e: &RelationEvent,
    ) -> ops_core::Result<()> {
        Ok(())
    }

    #[on(data_storage_attached)]
    fn storage(&mut self, _ctx: &mut Context<Self>, _e: &StorageEvent) -> ops_core::Result<()> {
        Ok(())
    }
}

fn target() -> Target {
    Target {
        type_name: Tiny::TYPE_NAME,
        key: Tiny::KEY,
        stateful: true,
        handlers: Tiny::HANDLERS,
        meta: Tiny::meta(),
    }
}

fn python_state() -> PythonState {
    let snapshots: BTreeMap<String, serde_json::Value> = [
        ("TinyCharm/StoredStateData[_stored]", json!({"count": 3})),
        ("TinyCharm/StoredStateData[_more]", json!({"names": ["a"]})),
        ("TinyCharm/lib/StoredStateData[_stored]", json!({"x": 1})),
        ("StoredStateData[_stored]", json!({"event_count": 8})),
        ("TinyCharm/on/install[2]", json!({})),
        (
            "TinyCharm/on/db_relation_changed[5]",
            json!({"relation_name": "db", "relation_id": 3, "app_name": "pg", "unit_name": "pg/0"}),
        ),
        (
            "TinyCharm/on/data_storage_attached[6]",
            json!({"storage_name": "data", "storage_index": 0, "storage_location": "/srv/data"}),
        ),
        ("TinyCharm/on/my_custom[4]", json!({"k": "v"})),
        ("TinyCharm/lib/on/thing[7]", json!({})),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let notice = |path: &str, method: &str| {
        (
            path.to_string(),
            "TinyCharm".to_string(),
            method.to_string(),
        )
    };
    PythonState {
        snapshots,
        notices: vec![
            notice("TinyCharm/on/install[2]", "_on_install"),
            notice("TinyCharm/on/my_custom[4]", "_on_custom"),
            notice(
                "TinyCharm/on/db_relation_changed[5]",
                "_on_db_relation_changed",
            ),
            notice("TinyCharm/on/data_storage_attached[6]", "_on_data"),
            notice("TinyCharm/lib/on/thing[7]", "_on_thing"),
        ],
    }
}

#[test]
fn conversion_maps_stored_state_counter_and_deferred_events() {
    let (changes, warnings) = convert(&python_state(), &target()).unwrap();
    let stored: serde_json::Value =
        serde_json::from_slice(changes[Tiny::KEY].as_deref().unwrap()).unwrap();
    // Both charm-level StoredState attributes, merged; the library's left out.
    assert_eq!(stored, json!({"count": 3, "names": ["a"]}));
    let charm = Tiny::from_stored(changes[Tiny::KEY].as_deref()).unwrap();
    assert_eq!((charm.count, charm.names), (3, vec!["a".to_string()]));
    assert_eq!(changes[EVENT_COUNT_KEY].as_deref(), Some(&b"8"[..]));
    assert_eq!(changes[MIGRATED_KEY].as_deref(), Some(&b"python-ops"[..]));

    let notices: Vec<Notice> =
        serde_json::from_slice(changes[NOTICES_KEY].as_deref().unwrap()).unwrap();
    let summary: Vec<(&str, &str)> = notices
        .iter()
        .map(|n| (n.path.as_str(), n.method.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            // No handler named like the Python method: every handler of the event.
            ("Tiny/on/install[2]", "first_install"),
            ("Tiny/on/install[2]", "second_install"),
            // Named like the Python method without its `_`.
            ("Tiny/on/db_relation_changed[5]", "on_db_relation_changed"),
            // The one handler of the event.
            ("Tiny/on/data_storage_attached[6]", "storage"),
        ]
    );
    let mut relation = EventSnapshot::new("db_relation_changed", EventKind::RelationChanged);
    relation.relation = Some(("db".into(), 3));
    relation.app = Some("pg".into());
    relation.unit = Some("pg/0".into());
    assert_eq!(notices[2].event, relation);
    let mut storage = EventSnapshot::new("data_storage_attached", EventKind::StorageAttached);
    storage.storage = Some(("data".into(), 0, Some(PathBuf::from("/srv/data"))));
    assert_eq!(notices[3].event, storage);

    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings[0].contains("TinyCharm/lib/StoredStateData[_stored]"));
    assert!(warnings[1].contains("my_custom[4]") && warnings[1].contains("custom events"));
    assert!(warnings[2].contains("TinyCharm/lib/on/thing[7]"));
}

#[test]
fn a_field_set_by_two_stored_states_is_an_error() {
    let mut state = python_state();
    state.snapshots.insert(
        "TinyCharm/StoredStateData[_more]".into(),
        json!({"count": 4}),
    );
    let err = convert(&state, &target()).unwrap_err();
    assert!(
        matches!(&err, MigrationError::Convert(m) if m.contains("\"count\"")),
        "{err}"
    );
}

#[test]
fn an_empty_python_state_only_marks_the_migration() {
    let (changes, warnings) = convert(&PythonState::default(), &target()).unwrap();
    assert_eq!(
        changes.keys().collect::<Vec<_>>(),
        [MIGRATED_KEY, NOTICES_KEY]
    );
    assert_eq!(changes[NOTICES_KEY].as_deref(), Some(&b"[]"[..]));
    assert!(warnings.is_empty());
}

/// Make an SQLite database with ops 2.1.1's tables from `rows` (Python expressions pickled as
/// given), with python3.
fn make_db(dir: &Path, rows: &[(&str, &str)]) -> PathBuf {
    let path = dir.join(".unit-state.db");
    let inserts: String = rows
        .iter()
        .map(|(h, v)| {
            format!(
                "db.execute('INSERT INTO snapshot VALUES (?, ?)', ({h:?}, pickle.dumps({v})))\n"
            )
        })
        .collect();
    let script = format!(
        "import collections, pickle, sqlite3, sys\n\
         db = sqlite3.connect(sys.argv[1])\n\
         db.execute('CREATE TABLE snapshot (handle TEXT PRIMARY KEY, data BLOB)')\n\
         db.execute('CREATE TABLE notice (sequence INTEGER PRIMARY KEY AUTOINCREMENT, event_path TEXT, observer_path TEXT, method_name TEXT)')\n\
         db.execute(\"INSERT INTO notice (event_path, observer_path, method_name) VALUES ('C/on/install[1]', 'C', '_on_install')\")\n\
         {inserts}db.commit()\n"
    );
    let status = std::process::Command::new(PYTHON)
        .arg("-c")
        .arg(script)
        .arg(&path)
        .status()
        .expect("python3 runs");
    assert!(status.success());
    path
}

#[test]
fn the_reader_turns_plain_data_into_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(
        dir.path(),
        &[(
            "C/StoredStateData[_stored]",
            "{'s': {2, 1}, 'b': b'ab', 'n': None, 't': (1, 'x'), 'f': 0.5}",
        )],
    );
    assert!(is_python_state(&db));
    let state = read_python_state(PYTHON, &db).unwrap();
    assert_eq!(
        state.snapshots["C/StoredStateData[_stored]"],
        json!({"s": [1, 2], "b": [97, 98], "n": null, "t": [1, "x"], "f": 0.5})
    );
    assert_eq!(
        state.notices,
        [(
            "C/on/install[1]".to_string(),
            "C".to_string(),
            "_on_install".to_string()
        )]
    );
}

#[test]
fn the_reader_refuses_anything_but_plain_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(
        dir.path(),
        &[("C/StoredStateData[_stored]", "collections.OrderedDict(a=1)")],
    );
    let err = read_python_state(PYTHON, &db).unwrap_err();
    assert!(
        matches!(&err, MigrationError::Read { message, .. } if message.contains("refusing to load collections.OrderedDict")),
        "{err}"
    );
}

#[test]
fn the_reader_refuses_what_json_cannot_hold() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(
        dir.path(),
        &[("C/StoredStateData[_stored]", "{'x': float('nan')}")],
    );
    let err = read_python_state(PYTHON, &db).unwrap_err();
    assert!(
        matches!(&err, MigrationError::Read { message, .. } if message.contains("ValueError")),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_an_ops_database_is_a_read_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".unit-state.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend([0xFFu8; 200]);
    std::fs::write(&path, bytes).unwrap();
    assert!(is_python_state(&path));
    let err = read_python_state(PYTHON, &path).unwrap_err();
    assert!(matches!(err, MigrationError::Read { .. }), "{err}");
}

#[test]
fn a_missing_interpreter_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(dir.path(), &[]);
    let err = read_python_state("/nonexistent/python3", &db).unwrap_err();
    assert!(matches!(err, MigrationError::Interpreter { .. }), "{err}");
    assert!(
        err.to_string().contains("needs /nonexistent/python3"),
        "{err}"
    );
}

#[test]
fn set_aside_moves_only_a_python_database() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join(".unit-state.db");
    // Nothing there: nothing to migrate.
    assert!(set_aside(&state).unwrap().is_none());
    // A sled directory is left alone.
    std::fs::create_dir(&state).unwrap();
    assert!(set_aside(&state).unwrap().is_none());
    std::fs::remove_dir(&state).unwrap();
    // A Python database is moved to the backup path, which is then reported by later calls.
    make_db(dir.path(), &[]);
    let backup = set_aside(&state).unwrap().unwrap();
    assert_eq!(backup, dir.path().join(PYTHON_BACKUP));
    assert!(!state.exists() && backup.is_file());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    assert_eq!(set_aside(&state).unwrap(), Some(backup));
}

/// A Kubernetes charm keeping its state on the controller, as the Python reference `webserver`.
#[derive(Default, Serialize, Deserialize, StoredState)]
struct Web {
    restarts: u32,
}

#[charm(dir = "tests/fixtures/k8s", module = web_migrate, storage = "controller")]
impl Web {
    #[on(config_changed)]
    fn on_config_changed(
        &mut self,
        _ctx: &mut Context<Self>,
        _e: &HookEvent,
    ) -> ops_core::Result<()> {
        self.restarts += 1;
        Ok(())
    }
}

/// What `state-get` prints for the state the Python `webserver` keeps on the controller after a
/// deferred config-changed (the values are ops' `_SimpleDumper` YAML, as juju-sim records them).
const PYTHON_CONTROLLER_STATE: &str = "\
'#notices#': |
  - !!python/tuple ['WebserverCharm/on/config_changed[5]', WebserverCharm, _on_config_changed]
StoredStateData[_stored]: |
  {event_count: 6}
WebserverCharm/StoredStateData[_stored]: |
  {restarts: 2}
WebserverCharm/on/config_changed[5]: |
  {}
";

#[test]
fn controller_state_written_by_python_ops_is_migrated() {
    use ops_core::dispatch::{HookSetup, StoreSource};
    use ops_core::hooktools::FakeRunner;
    use std::rc::Rc;

    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("state-get", PYTHON_CONTROLLER_STATE);
    for tool in ["state-set", "juju-log"] {
        fake.on_ok(tool, "");
    }
    let env: std::collections::HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "k8s/0"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_DISPATCH_PATH", "hooks/update-status"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let report = ops_core::run::<Web>(HookSetup {
        env: ops_core::env::JujuContext::from_map(&env).unwrap(),
        runner: fake.clone(),
        charm_dir: dir.path().to_path_buf(),
        argv0: dir.path().join("dispatch"),
        store: Some(StoreSource::Controller),
        is_process: false,
    })
    .unwrap();
    assert!(report.committed);

    let sets: Vec<String> = fake
        .calls()
        .iter()
        .filter(|c| c.tool == "state-set")
        .filter_map(|c| c.stdin_text())
        .collect();
    assert_eq!(sets.len(), 1, "{sets:?}");
    let written: BTreeMap<String, String> = serde_yaml::from_str(&sets[0]).unwrap();
    // The deferred config-changed ran (restarts 2 → 3) and left the queue.
    assert_eq!(written[Web::KEY], r#"{"restarts":3}"#);
    assert_eq!(written[NOTICES_KEY], "[]");
    assert_eq!(written[EVENT_COUNT_KEY], "6");
    assert_eq!(written[MIGRATED_KEY], "python-ops");
    assert!(written.contains_key("#schema#"), "{written:?}");
    // No state-delete: Python ops' other entries are left on the controller.
    assert!(fake.calls().iter().all(|c| c.tool != "state-delete"));
}

#[test]
fn controller_entries_are_read_as_python_ops_yaml() {
    let entries: BTreeMap<String, Vec<u8>> = [
        (
            "#notices#",
            "- !!python/tuple ['C/on/start[2]', C, _on_start]\n",
        ),
        (
            "C/StoredStateData[_stored]",
            "{a: 1, b: [x, !!python/tuple [1, 2]], c: null, 3: d}\n",
        ),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
    .collect();
    let state = ops_core::migrate::from_controller(&entries).unwrap();
    assert_eq!(
        state.notices,
        [(
            "C/on/start[2]".to_string(),
            "C".to_string(),
            "_on_start".to_string()
        )]
    );
    assert_eq!(
        state.snapshots["C/StoredStateData[_stored]"],
        json!({"a": 1, "b": ["x", [1, 2]], "c": null, "3": "d"})
    );
    let bad: BTreeMap<String, Vec<u8>> =
        [("#notices#".to_string(), b"- just a string\n".to_vec())].into();
    assert!(matches!(
        ops_core::migrate::from_controller(&bad),
        Err(MigrationError::Convert(m)) if m.contains("#notices#")
    ));
}

#[test]
fn stored_state_the_rust_charm_cannot_decode_fails_the_hook_and_keeps_the_backup() {
    use ops_core::dispatch::{HookSetup, StoreSource, STATE_FILE};
    use ops_core::hooktools::FakeRunner;
    use ops_core::storage::{SledStore, Store};
    use ops_core::DispatchError;
    use std::rc::Rc;

    let dir = tempfile::tempdir().unwrap();
    // `count` is a u32 in the Rust charm: a string there cannot be decoded.
    make_db(
        dir.path(),
        &[("TinyCharm/StoredStateData[_stored]", "{'count': 'three'}")],
    );
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("juju-log", "");
    let env: std::collections::HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "tiny/0"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_DISPATCH_PATH", "hooks/install"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let err = ops_core::run::<Tiny>(HookSetup {
        env: ops_core::env::JujuContext::from_map(&env).unwrap(),
        runner: fake.clone(),
        charm_dir: dir.path().to_path_buf(),
        argv0: dir.path().join("dispatch"),
        store: Some(StoreSource::Local(dir.path().join(STATE_FILE))),
        is_process: false,
    })
    .expect_err("the stored state does not decode");
    assert!(matches!(err, DispatchError::State(_)), "{err:?}");
    assert!(err.to_string().contains(Tiny::KEY), "{err}");
    // Nothing committed; the Python database is kept for the next hook (or a fixed charm).
    assert!(dir.path().join(PYTHON_BACKUP).is_file());
    let state = dir.path().join(STATE_FILE);
    if SledStore::exists(&state) {
        assert!(SledStore::open(&state)
            .unwrap()
            .load_all()
            .unwrap()
            .is_empty());
    }
}

/// Issue 11, item 3: a tiny pickle whose JSON is enormous (a list shared at every level: the
/// reader expands it) is stopped by the reader's bounds, in bounded time, as a typed error.
#[test]
fn a_pickle_bomb_is_bounded_and_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(
        dir.path(),
        &[(
            "C/StoredStateData[_stored]",
            "{'x': (lambda f: f(f, 12))(lambda f, n: [f(f, n - 1)] * 10 if n else [0] * 10)}",
        )],
    );
    assert!(std::fs::metadata(&db).unwrap().len() < 64 * 1024);
    let started = std::time::Instant::now();
    let err = read_python_state(PYTHON, &db).unwrap_err();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(err, MigrationError::Read { .. }), "{err}");
    assert!(err.to_string().contains("limit"), "{err}");
}

/// Issue 11, item 3: the reader's own limits (memory, CPU time, wall-clock time, output) are set
/// and enforced; a reader that runs out of its wall-clock time is killed.
#[test]
fn the_reader_runs_within_limits() {
    use ops_core::migrate::{read_python_state_with, ReaderLimits};
    let dir = tempfile::tempdir().unwrap();
    let db = make_db(dir.path(), &[("C/StoredStateData[_stored]", "{'a': 1}")]);
    let tight = ReaderLimits {
        wall_clock: std::time::Duration::from_millis(1),
        ..ReaderLimits::default()
    };
    let err = read_python_state_with(PYTHON, &db, &tight).unwrap_err();
    assert!(err.to_string().contains("did not finish"), "{err}");
    // A state that needs more memory than the reader may use (8 MiB of bytes become a list of
    // 8 Mi integers): it fails cleanly.
    let big_dir = tempfile::tempdir().unwrap();
    let big = make_db(
        big_dir.path(),
        &[("C/StoredStateData[_stored]", "{'b': b'x' * (8 << 20)}")],
    );
    let small = ReaderLimits {
        memory_bytes: 64 << 20,
        ..ReaderLimits::default()
    };
    let err = read_python_state_with(PYTHON, &big, &small).unwrap_err();
    assert!(matches!(err, MigrationError::Read { .. }), "{err}");
    assert!(err.to_string().contains("memory"), "{err}");
    // And the defaults let a normal state through.
    let state = read_python_state_with(PYTHON, &db, &ReaderLimits::default()).unwrap();
    assert_eq!(
        state.snapshots["C/StoredStateData[_stored]"],
        json!({"a": 1})
    );
}

/// Issue 11, item 4: a Python transaction interrupted mid-commit leaves a hot `-journal`; the
/// migration moves it with the database (as SQLite associates them by name) and reads the
/// database as SQLite would after rolling the journal back.
#[test]
fn a_hot_journal_moves_with_the_database_and_is_rolled_back() {
    let dir = tempfile::tempdir().unwrap();
    let state = make_db(dir.path(), &[("C/StoredStateData[_stored]", "{'a': 1}")]);
    // A writer killed in the middle of a large transaction: the journal stays, the file is
    // half-written.
    let script = "import os, pickle, sqlite3, sys\n\
        db = sqlite3.connect(sys.argv[1])\n\
        db.execute('PRAGMA cache_size=1')\n\
        db.execute('UPDATE snapshot SET data=? WHERE handle=?', (pickle.dumps({'a': 2}), 'C/StoredStateData[_stored]'))\n\
        for i in range(3000):\n\
        \x20   db.execute('INSERT INTO snapshot VALUES (?, ?)', ('junk%d' % i, b'x' * 2000))\n\
        os._exit(0)\n";
    let status = std::process::Command::new(PYTHON)
        .arg("-c")
        .arg(script)
        .arg(&state)
        .status()
        .unwrap();
    assert!(status.success());
    let journal = dir.path().join(".unit-state.db-journal");
    assert!(
        journal.is_file(),
        "the interrupted transaction left a hot journal"
    );
    let backup = set_aside(&state).unwrap().unwrap();
    assert!(!journal.exists(), "the journal moved with the database");
    assert!(dir
        .path()
        .join(format!("{PYTHON_BACKUP}-journal"))
        .is_file());
    let read = read_python_state(PYTHON, &backup).unwrap();
    assert_eq!(
        read.snapshots["C/StoredStateData[_stored]"],
        json!({"a": 1})
    );
    assert_eq!(
        read.snapshots.len(),
        1,
        "the interrupted transaction is rolled back"
    );
    // The backup itself is never written.
    assert!(dir
        .path()
        .join(format!("{PYTHON_BACKUP}-journal"))
        .is_file());
}

/// Issue 11, item 11: a charm directory whose path holds `?` or `#` is read as a path, not as
/// an SQLite URI (which created a stray database elsewhere).
#[test]
fn a_charm_dir_with_uri_characters_is_read_as_a_path() {
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("charm?mode=rwc#x");
    std::fs::create_dir(&dir).unwrap();
    let state = make_db(&dir, &[("C/StoredStateData[_stored]", "{'a': 1}")]);
    let backup = set_aside(&state).unwrap().unwrap();
    let read = read_python_state(PYTHON, &backup).unwrap();
    assert_eq!(
        read.snapshots["C/StoredStateData[_stored]"],
        json!({"a": 1})
    );
    let stray: Vec<_> = std::fs::read_dir(top.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "charm?mode=rwc#x")
        .collect();
    assert!(stray.is_empty(), "stray files: {stray:?}");
}

/// Issue 11, item 11: a FIFO at `.unit-state.db` is refused, never opened for reading (which
/// blocks until a writer comes).
#[test]
fn a_fifo_at_the_state_path_is_not_opened() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join(".unit-state.db");
    let status = std::process::Command::new("mkfifo")
        .arg(&state)
        .status()
        .unwrap();
    assert!(status.success());
    let (tx, rx) = std::sync::mpsc::channel();
    let probe = state.clone();
    std::thread::spawn(move || {
        let _ = tx.send((
            is_python_state(&probe),
            set_aside(&probe).map(|b| b.is_some()),
        ));
    });
    let (is_python, aside) = rx
        .recv_timeout(std::time::Duration::from_secs(10))
        .expect("a FIFO at the state path hangs the migration check");
    assert!(!is_python);
    assert!(matches!(aside, Ok(false)));
}

/// Issue 11, item 11: a stored-state field of the Python charm that the Rust charm's type does
/// not declare fails the hook (as the module docs promise) instead of being dropped silently.
#[test]
fn a_python_field_the_rust_charm_does_not_declare_fails_the_hook() {
    use ops_core::dispatch::{HookSetup, StoreSource, STATE_FILE};
    use ops_core::hooktools::FakeRunner;
    use std::rc::Rc;

    let dir = tempfile::tempdir().unwrap();
    make_db(
        dir.path(),
        &[(
            "TinyCharm/StoredStateData[_stored]",
            "{'count': 3, 'names': [], 'renamed_field': 'precious'}",
        )],
    );
    let fake = Rc::new(FakeRunner::new());
    fake.on_ok("juju-log", "");
    let env: std::collections::HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "tiny/0"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_DISPATCH_PATH", "hooks/install"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let err = ops_core::run::<Tiny>(HookSetup {
        env: ops_core::env::JujuContext::from_map(&env).unwrap(),
        runner: fake,
        charm_dir: dir.path().to_path_buf(),
        argv0: dir.path().join("dispatch"),
        store: Some(StoreSource::Local(dir.path().join(STATE_FILE))),
        is_process: false,
    })
    .expect_err("a field would be lost");
    assert!(err.to_string().contains("renamed_field"), "{err}");
    assert!(dir.path().join(PYTHON_BACKUP).is_file());
}
