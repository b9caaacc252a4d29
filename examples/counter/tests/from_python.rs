//! Upgrading a unit in place from the Python reference charm (ops 2.1.1) to this twin: the first
//! Rust hook migrates the Python ops database (see `ops_core::migrate`), keeping the stored state,
//! the event counter and the deferred event. Needs `python3` (the migration reads the database with
//! the unit's interpreter).

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::rc::Rc;

use counter::Counter;
use ops_core::dispatch::{
    HookSetup, Notice, StoreSource, EVENT_COUNT_KEY, NOTICES_KEY, STATE_FILE,
};
use ops_core::env::JujuContext;
use ops_core::hooktools::FakeRunner;
use ops_core::migrate::{MIGRATED_KEY, PYTHON_BACKUP};
use ops_core::storage::{SledStore, Store};
use ops_core::{DispatchError, StoredState};

const FIXTURE: &str = "tests/fixtures/python-ops-2.1.1.unit-state.db";
const CONFIG: &str =
    r#"{"debug": false, "greeting": "hello", "port": 8080, "ratio": 0.5, "target": "goats"}"#;

fn setup(dir: &Path, fake: &Rc<FakeRunner>, event: &str) -> HookSetup {
    let env: HashMap<String, String> = [
        ("JUJU_UNIT_NAME", "counter/0"),
        ("JUJU_VERSION", "3.1.6"),
        ("JUJU_DISPATCH_PATH", &format!("hooks/{event}")),
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

fn fake(config: Option<&str>) -> Rc<FakeRunner> {
    let fake = Rc::new(FakeRunner::new());
    for tool in [
        "juju-log",
        "status-set",
        "open-port",
        "application-version-set",
    ] {
        fake.on_ok(tool, "");
    }
    fake.on_ok("is-leader", "true");
    match config {
        Some(json) => {
            fake.on_ok("config-get", json);
        }
        None => {
            fake.on_fail("config-get", 1, "ERROR the controller is unreachable\n");
        }
    }
    fake
}

/// A unit dir holding the Python charm's database.
fn python_unit() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(FIXTURE, dir.path().join(STATE_FILE)).unwrap();
    dir
}

fn entries(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    SledStore::open(&dir.join(STATE_FILE))
        .and_then(|mut s| s.load_all())
        .unwrap()
}

#[test]
fn upgrade_keeps_stored_state_counter_and_deferred_event() {
    let dir = python_unit();
    let runner = fake(Some(CONFIG));
    let report = ops_core::run::<Counter>(setup(dir.path(), &runner, "upgrade-charm")).unwrap();
    assert!(report.committed);
    assert_eq!(report.deferred, 0);

    let stored = entries(dir.path());
    let charm: Counter = Counter::from_stored(stored.get(Counter::KEY).map(Vec::as_slice)).unwrap();
    // The Python charm's four events, then the deferred config-changed re-emitted (now that
    // `target` is set) before the upgrade-charm handler, as ops orders them.
    assert_eq!(
        charm.history,
        [
            "install",
            "config-changed:deferred",
            "config-changed:deferred",
            "update-status",
            "config-changed",
            "upgrade-charm"
        ]
    );
    assert_eq!(charm.count, 6);
    assert_eq!(charm.port, 8080);
    let notices: Vec<Notice> = serde_json::from_slice(&stored[NOTICES_KEY]).unwrap();
    assert!(notices.is_empty());
    // ops' counter was at 9; upgrade_charm is event 10 (the re-emitted one kept its number).
    assert_eq!(stored[EVENT_COUNT_KEY], b"10");
    assert_eq!(stored[MIGRATED_KEY], b"python-ops");
    // The port the re-emitted config-changed opened, as the Python charm would have.
    assert!(runner
        .calls()
        .iter()
        .any(|c| c.tool == "open-port" && c.args == ["8080/tcp"]));
    // The Python database is kept, unchanged, beside the new one.
    let backup = dir.path().join(PYTHON_BACKUP);
    assert_eq!(
        std::fs::read(&backup).unwrap(),
        std::fs::read(FIXTURE).unwrap()
    );
    assert!(dir.path().join(STATE_FILE).is_dir());

    // The next hook reads the Rust state: no second migration (its counter goes on from 10).
    ops_core::run::<Counter>(setup(dir.path(), &fake(Some(CONFIG)), "update-status")).unwrap();
    let stored = entries(dir.path());
    let charm = Counter::from_stored(stored.get(Counter::KEY).map(Vec::as_slice)).unwrap();
    assert_eq!(charm.count, 7);
    assert_eq!(stored[EVENT_COUNT_KEY], b"11");
}

#[test]
fn a_failed_first_hook_migrates_again_next_time() {
    let dir = python_unit();
    // config-get fails: the re-emitted config-changed fails, the hook fails, nothing is committed.
    let err = ops_core::run::<Counter>(setup(dir.path(), &fake(None), "upgrade-charm"))
        .expect_err("config-get fails");
    assert!(matches!(err, DispatchError::Handler(_)), "{err}");
    assert!(dir.path().join(PYTHON_BACKUP).is_file());
    if SledStore::exists(&dir.path().join(STATE_FILE)) {
        assert!(entries(dir.path()).is_empty(), "nothing committed");
    }

    let report =
        ops_core::run::<Counter>(setup(dir.path(), &fake(Some(CONFIG)), "upgrade-charm")).unwrap();
    assert!(report.committed);
    let stored = entries(dir.path());
    let charm = Counter::from_stored(stored.get(Counter::KEY).map(Vec::as_slice)).unwrap();
    assert_eq!(charm.count, 6);
    assert_eq!(
        charm.history.last().map(String::as_str),
        Some("upgrade-charm")
    );
}
