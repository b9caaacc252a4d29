//! Timings of `SledStore` in a cold process, the way a hook uses it (ignored: run on demand).
//!
//! ```text
//! CARGO_TARGET_DIR=/work/targets/store cargo test --release -p ops-core --test storage_timing \
//!     -- --ignored --nocapture --test-threads=1
//! ```
//!
//! Each sample is a fresh process (this test binary re-invoked to run only [`timing_child`]) that opens
//! the database, loads everything, commits a hook-sized change and exits, printing how long each phase
//! took. Raw sled configurations are timed the same way for comparison.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ops_core::storage::{Changes, SledStore, Store};

const CHILD_ROLE: &str = "OPS_STORAGE_TIMING_CHILD";
const CHILD_DB: &str = "OPS_STORAGE_TIMING_DB";
const SAMPLES: usize = 25;

/// A hook-sized change: the charm's stored state, the framework's counter and one notice.
fn hook_changes(n: u64) -> Changes {
    let mut changes: Changes = BTreeMap::new();
    changes.insert(
        "Counter/StoredStateData[_stored]".into(),
        Some(format!(r#"{{"events":{n},"name":"{}"}}"#, "x".repeat(200)).into_bytes()),
    );
    changes.insert(
        "StoredStateData[_stored]".into(),
        Some(format!(r#"{{"event_count":{n}}}"#).into_bytes()),
    );
    changes.insert(
        "#notices#".into(),
        Some(
            format!(r#"[["Counter/on/config_changed[{n}]","Counter","_on_config"]]"#).into_bytes(),
        ),
    );
    changes
}

fn counter(entries: &BTreeMap<String, Vec<u8>>) -> u64 {
    entries
        .get("StoredStateData[_stored]")
        .and_then(|v| serde_json::from_slice::<serde_json::Value>(v).ok())
        .and_then(|v| v["event_count"].as_u64())
        .unwrap_or(0)
}

#[derive(Default)]
struct Phases(BTreeMap<String, Vec<Duration>>);

impl Phases {
    fn add(&mut self, name: &str, d: Duration) {
        self.0.entry(name.to_string()).or_default().push(d);
    }

    fn report(&mut self, label: &str) {
        let mut parts = Vec::new();
        for (name, samples) in &mut self.0 {
            samples.sort();
            let median = samples[samples.len() / 2];
            let p90 = samples[samples.len() * 9 / 10];
            parts.push(format!("{name} {median:.2?} (p90 {p90:.2?})"));
        }
        println!("{label:<34} {}", parts.join(", "));
    }
}

/// Run the child `SAMPLES` times with `role` on the database at `path`; collect its phases.
fn sample(role: &str, path: &Path, label: &str) {
    let exe = std::env::current_exe().expect("current_exe");
    let mut phases = Phases::default();
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let out = Command::new(&exe)
            .args([
                "--exact",
                "timing_child",
                "--nocapture",
                "--test-threads=1",
                "-q",
            ])
            .env(CHILD_ROLE, role)
            .env(CHILD_DB, path)
            .output()
            .expect("run child");
        let wall = started.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{role}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.split("timing ").nth(1))
            .unwrap_or_else(|| panic!("no timing line: {stdout}"));
        for field in line.split_whitespace() {
            let (name, micros) = field.split_once('=').expect("name=micros");
            phases.add(name, Duration::from_micros(micros.parse().expect("micros")));
        }
        phases.add("process", wall);
    }
    phases.report(label);
}

#[test]
#[ignore = "timing measurement, run on demand"]
fn cold_process_timings() {
    let dir = tempfile::tempdir().expect("tempdir");
    println!("{SAMPLES} cold processes each; medians (p90)");
    sample(
        "noop",
        &dir.path().join("unused"),
        "process start, no store",
    );

    // A fresh database per sample: the first hook of a unit.
    let fresh_root = dir.path().join("fresh");
    std::fs::create_dir(&fresh_root).expect("mkdir");
    sample("fresh", &fresh_root, "first hook (create+load+commit)");

    // One database across samples: later hooks.
    let path = dir.path().join(".unit-state.db");
    for _ in 0..50 {
        let mut store = SledStore::open(&path).expect("open");
        let n = counter(&store.load_all().expect("load"));
        store.commit(&hook_changes(n + 1)).expect("commit");
    }
    sample("hook", &path, "later hook (open+load+commit)");
    sample("readonly", &path, "later hook, no change (open+load)");

    // Raw sled configurations, same work.
    for variant in [
        "raw-default",
        "raw-lean",
        "raw-lean-highthroughput",
        "raw-lean-segment-64k",
    ] {
        let path = dir.path().join(variant);
        sample(variant, &path, variant);
    }
    let size: u64 = std::fs::read_dir(&path)
        .expect("read_dir")
        .map(|e| e.expect("entry").metadata().expect("metadata").len())
        .sum();
    println!(
        "database after {} hooks: {size} bytes on disk",
        50 + 2 * SAMPLES
    );
}

#[test]
#[ignore = "long measurement, run on demand"]
fn the_database_stays_small_over_many_hooks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".unit-state.db");
    let hooks: u64 = std::env::var("OPS_STORAGE_HOOKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let report_every = (hooks / 6).max(1);
    for hook in 1..=hooks {
        let mut store = SledStore::open(&path).expect("open");
        let n = counter(&store.load_all().expect("load"));
        assert_eq!(n, hook - 1);
        store.commit(&hook_changes(n + 1)).expect("commit");
        if hook % report_every == 0 {
            let size: u64 = std::fs::read_dir(&path)
                .expect("read_dir")
                .map(|e| e.expect("entry").metadata().expect("metadata").len())
                .sum();
            println!("after {hook} hooks: {size} bytes");
        }
    }
}

fn raw_config(role: &str, path: &Path) -> sled::Config {
    match role {
        "raw-default" => sled::Config::new().path(path),
        "raw-lean" => sled::Config::new()
            .path(path)
            .mode(sled::Mode::LowSpace)
            .cache_capacity(4 << 20)
            .flush_every_ms(None),
        "raw-lean-highthroughput" => sled::Config::new()
            .path(path)
            .mode(sled::Mode::HighThroughput)
            .cache_capacity(4 << 20)
            .flush_every_ms(None),
        // `segment_size` is sled's "testing-only" knob, frozen into a database when it is created: only
        // measured here, to see what the zeroing of the segment tail at each open costs.
        "raw-lean-segment-64k" => sled::Config::new()
            .path(path)
            .mode(sled::Mode::LowSpace)
            .cache_capacity(4 << 20)
            .flush_every_ms(None)
            .segment_size(64 * 1024),
        other => panic!("unknown role {other}"),
    }
}

/// Not a test: the body of the child processes timed above (no-op in a normal run).
#[test]
fn timing_child() {
    let Ok(role) = std::env::var(CHILD_ROLE) else {
        return;
    };
    let path = PathBuf::from(std::env::var_os(CHILD_DB).expect("db path"));
    let t0 = Instant::now();
    let micros = |d: Duration| d.as_micros();
    match role.as_str() {
        "noop" => println!("timing total={}", micros(t0.elapsed())),
        "fresh" | "hook" | "readonly" => {
            let path = if role == "fresh" {
                path.join(format!("{}", std::process::id()))
            } else {
                path
            };
            let mut store = SledStore::open(&path).expect("open");
            let t1 = Instant::now();
            let entries = store.load_all().expect("load");
            let t2 = Instant::now();
            if role != "readonly" {
                store
                    .commit(&hook_changes(counter(&entries) + 1))
                    .expect("commit");
            }
            let t3 = Instant::now();
            drop(store);
            let t4 = Instant::now();
            println!(
                "timing open={} load={} commit={} drop={} total={}",
                micros(t1 - t0),
                micros(t2 - t1),
                micros(t3 - t2),
                micros(t4 - t3),
                micros(t4 - t0)
            );
        }
        raw => {
            let db = raw_config(raw, &path).open().expect("raw open");
            let t1 = Instant::now();
            let entries: BTreeMap<String, Vec<u8>> = db
                .iter()
                .map(|item| {
                    let (k, v) = item.expect("read");
                    (String::from_utf8_lossy(&k).into_owned(), v.to_vec())
                })
                .collect();
            let t2 = Instant::now();
            let mut batch = sled::Batch::default();
            for (k, v) in hook_changes(counter(&entries) + 1) {
                batch.insert(k.as_bytes(), v.expect("set"));
            }
            db.apply_batch(batch).expect("batch");
            db.flush().expect("flush");
            let t3 = Instant::now();
            drop(db);
            let t4 = Instant::now();
            println!(
                "timing open={} load={} commit={} drop={} total={}",
                micros(t1 - t0),
                micros(t2 - t1),
                micros(t3 - t2),
                micros(t4 - t3),
                micros(t4 - t0)
            );
        }
    }
}
