//! The actions charm, as state transitions.

use actions::actions::{
    Backup, BackupParams, Explode, ExplodeParams, Greet, GreetParams, Report, ReportParams,
};
use actions::storages::Data;
use actions::Actions;
use ops_testing::{Context, Event, RunError, State, Storage};
use serde_json::json;
use std::path::{Path, PathBuf};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> std::io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn greet() -> TestResult {
    let ctx = Context::<Actions>::new();
    let out = ctx.run(
        Event::action::<Greet>(GreetParams {
            who: "world".into(),
            times: 2,
        }),
        State::default(),
    )?;
    let output = ctx.action_output().expect("an action output");
    assert_eq!(
        serde_json::Value::Object(output.results),
        json!({"greeting": "hello world hello world",
               "details": {"times": "2", "length": "23"}})
    );
    assert_eq!(output.logs, ["greeting world 2 time(s)"]);
    assert_eq!(out.stored_state::<Actions>()?.greeted, 2);
    Ok(())
}

#[test]
fn backup_into_a_storage_directory() -> TestResult {
    let dir = TempDir::new("actions-backup")?;
    let data = Storage::of::<Data>().with_location(dir.path());
    let ctx = Context::<Actions>::new();
    let before = Actions {
        greeted: 4,
        attached: vec!["data/0".into()],
        backups: vec![],
    };
    let out = ctx.run(
        Event::action::<Backup>(BackupParams {
            name: "nightly".into(),
            compress: true,
            level: 9,
        }),
        State::default()
            .with_storage(data)
            .with_stored_state(&before),
    )?;
    let written = std::fs::read_to_string(dir.path().join("nightly.bak"))?;
    assert_eq!(
        written,
        "{\"compress\": true, \"greeted\": 4, \"level\": 9, \"name\": \"nightly\"}\n"
    );
    let output = ctx.action_output().expect("an action output");
    assert_eq!(
        output.results["path"],
        dir.path().join("nightly.bak").display().to_string()
    );
    assert_eq!(
        output.results["meta"],
        json!({"compress": "True", "level": "9", "count": "1"})
    );
    assert_eq!(out.stored_state::<Actions>()?.backups, ["nightly"]);
    Ok(())
}

#[test]
fn storage_attached_leaves_a_marker() -> TestResult {
    let dir = TempDir::new("actions-attach")?;
    let data = Storage::of::<Data>().with_location(dir.path());
    let out = Context::<Actions>::new().run(
        Event::storage_attached(&data),
        State::default().with_storage(data),
    )?;
    assert_eq!(
        std::fs::read_to_string(dir.path().join("attached.txt"))?,
        "data/0 by actions/0\n"
    );
    assert_eq!(out.stored_state::<Actions>()?.attached, ["data/0"]);
    Ok(())
}

#[test]
fn explode_fails() {
    let ctx = Context::<Actions>::new();
    let err = ctx
        .run(Event::action::<Explode>(ExplodeParams {}), State::default())
        .expect_err("explode fails");
    assert!(
        matches!(&err, RunError::Charm(e) if e.to_string().contains("explode action always fails")),
        "{err}"
    );
    let output = ctx.action_output().expect("the output so far");
    assert_eq!(output.results["partial"], "yes");
    assert_eq!(output.failure.as_deref(), Some("exit status 1"));
}

#[test]
fn report_without_storage() -> TestResult {
    let ctx = Context::<Actions>::new();
    ctx.run(
        Event::action::<Report>(ReportParams {}),
        State::default().with_leader(false),
    )?;
    let output = ctx.action_output().expect("an action output");
    assert_eq!(
        output.results["unit"],
        json!({"name": "actions/0", "leader": "False"})
    );
    assert_eq!(
        output.results["storage"],
        json!({"count": "0", "ids": "none"})
    );
    Ok(())
}

/// The simulator under these tests behaves as juju-sim: every recorded scenario of this charm,
/// replayed in-process, matches the Python ops recording step by step.
#[test]
fn the_simulator_replays_the_juju_sim_recordings() {
    ops_testing::replay::assert_scenarios_replay::<actions::Actions>(
        "actions",
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")),
    );
}
