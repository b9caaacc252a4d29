//! Cold-process timings of `SledStore`, the way hooks use it (a benchmark: it prints figures).
//!
//! ```text
//! cargo bench -p ops-core --bench store_open              # timings, 25 processes per line
//! cargo bench -p ops-core --bench store_open -- size      # database size over many hooks
//! ```
//!
//! `OPS_STORE_BENCH_SAMPLES` sets the processes per line, `OPS_STORE_BENCH_WORK_MS` the hook's own work
//! (default 3 ms: a few hook-tool calls, during which the main thread waits) and `OPS_STORE_BENCH_HOOKS`
//! the hooks of the size run.
//!
//! Each sample is a fresh process (this binary re-invoked with `OPS_STORE_BENCH_CHILD` set) that does
//! what one hook does with the store and prints how long each phase took; the parent prints medians and
//! 90th percentiles. Raw sled configurations are timed the same way for comparison.

// A benchmark's setup failing is a bug in the benchmark: panicking is the report.
#![allow(clippy::unwrap_used, missing_docs)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use ops_core::storage::{Changes, SledStore, Store};

const CHILD_ROLE: &str = "OPS_STORE_BENCH_CHILD";
const CHILD_DB: &str = "OPS_STORE_BENCH_DB";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

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
        println!("{label:<44} {}", parts.join(", "));
    }
}

/// Run the child `samples` times with `role` on the database at `path`; print its phases.
fn sample(samples: u64, role: &str, path: &Path, label: &str) {
    let exe = std::env::current_exe().unwrap();
    let mut phases = Phases::default();
    for _ in 0..samples {
        let started = Instant::now();
        let out = Command::new(&exe)
            .env(CHILD_ROLE, role)
            .env(CHILD_DB, path)
            .output()
            .unwrap();
        let wall = started.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{role}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("timing "))
            .unwrap_or_else(|| panic!("no timing line: {stdout}"));
        for field in line.split_whitespace() {
            let (name, micros) = field.split_once('=').unwrap();
            phases.add(name, Duration::from_micros(micros.parse().unwrap()));
        }
        phases.add("process", wall);
    }
    phases.report(label);
}

fn dir_size(path: &Path) -> u64 {
    let mut size = 0;
    for entry in std::fs::read_dir(path).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        size += if meta.is_dir() {
            dir_size(&entry.path())
        } else {
            meta.len()
        };
    }
    size
}

fn timings() {
    let samples = env_number("OPS_STORE_BENCH_SAMPLES", 25).max(1);
    let work = env_number("OPS_STORE_BENCH_WORK_MS", 3);
    let dir = tempfile::tempdir().unwrap();
    println!("{samples} cold processes each; medians (p90); hook work {work} ms");
    sample(
        samples,
        "noop",
        &dir.path().join("unused"),
        "process start, no store",
    );

    // A fresh database per sample: the first hook of a unit.
    let fresh_root = dir.path().join("fresh");
    std::fs::create_dir(&fresh_root).unwrap();
    sample(
        samples,
        "fresh",
        &fresh_root,
        "first hook (create+load+commit)",
    );

    // One database across samples: later hooks.
    let path = dir.path().join(".unit-state.db");
    for _ in 0..50 {
        let mut store = SledStore::open(&path).unwrap();
        let n = counter(&store.load_all().unwrap());
        store.commit(&hook_changes(n + 1)).unwrap();
    }
    sample(samples, "eager-read", &path, "eager: open+load (no change)");
    sample(
        samples,
        "lazy-read",
        &path,
        "lazy: load from the sidecar (no change)",
    );
    sample(samples, "eager-hook", &path, "eager: open+load+work+commit");
    sample(
        samples,
        "lazy-hook",
        &path,
        "lazy: load+prefetch+work+commit",
    );

    // Raw sled configurations, same work.
    for variant in [
        "raw-default",
        "raw-lean",
        "raw-lean-highthroughput",
        "raw-lean-segment-64k",
    ] {
        let path = dir.path().join(variant);
        sample(samples, variant, &path, variant);
    }
    println!(
        "database after {} hooks: {} bytes on disk",
        50 + 2 * samples,
        dir_size(&path)
    );
}

fn size_over_hooks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".unit-state.db");
    let hooks = env_number("OPS_STORE_BENCH_HOOKS", 3000);
    let report_every = (hooks / 6).max(1);
    for hook in 1..=hooks {
        let mut store = SledStore::open_lazy(&path);
        let n = counter(&store.load_all().unwrap());
        assert_eq!(n, hook - 1);
        store.prefetch();
        store.commit(&hook_changes(n + 1)).unwrap();
        if hook % report_every == 0 {
            println!("after {hook} hooks: {} bytes", dir_size(&path));
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

/// One sample: what one hook does with the store, timed by phase.
fn child(role: &str, path: &Path) {
    let work = Duration::from_millis(env_number("OPS_STORE_BENCH_WORK_MS", 3));
    let t0 = Instant::now();
    let micros = |d: Duration| d.as_micros();
    match role {
        "noop" => println!("timing total={}", micros(t0.elapsed())),
        "fresh" | "eager-hook" | "eager-read" => {
            let path = if role == "fresh" {
                path.join(format!("{}", std::process::id()))
            } else {
                path.to_path_buf()
            };
            let mut store = SledStore::open(&path).unwrap();
            let t1 = Instant::now();
            let entries = store.load_all().unwrap();
            let t2 = Instant::now();
            if role != "eager-read" {
                std::thread::sleep(work);
            }
            let t3 = Instant::now();
            if role != "eager-read" {
                store.commit(&hook_changes(counter(&entries) + 1)).unwrap();
            }
            let t4 = Instant::now();
            drop(store);
            let t5 = Instant::now();
            println!(
                "timing open={} load={} commit={} drop={} total={}",
                micros(t1 - t0),
                micros(t2 - t1),
                micros(t4 - t3),
                micros(t5 - t4),
                micros(t5 - t0)
            );
        }
        "lazy-hook" | "lazy-read" => {
            let mut store = SledStore::open_lazy(path);
            let entries = store.load_all().unwrap();
            assert!(
                !store.opened_sled(),
                "the load did not come from the sidecar"
            );
            let t1 = Instant::now();
            let mut t3 = t1;
            if role == "lazy-hook" {
                store.prefetch();
                std::thread::sleep(work);
                t3 = Instant::now();
                store.commit(&hook_changes(counter(&entries) + 1)).unwrap();
            }
            let t4 = Instant::now();
            drop(store);
            let t5 = Instant::now();
            println!(
                "timing load={} commit={} drop={} total={}",
                micros(t1 - t0),
                micros(t4 - t3),
                micros(t5 - t4),
                micros(t5 - t0)
            );
        }
        raw => {
            let db = raw_config(raw, path).open().unwrap();
            let t1 = Instant::now();
            let entries: BTreeMap<String, Vec<u8>> = db
                .iter()
                .map(|item| {
                    let (k, v) = item.unwrap();
                    (String::from_utf8_lossy(&k).into_owned(), v.to_vec())
                })
                .collect();
            let t2 = Instant::now();
            let mut batch = sled::Batch::default();
            for (k, v) in hook_changes(counter(&entries) + 1) {
                batch.insert(k.as_bytes(), v.unwrap());
            }
            db.apply_batch(batch).unwrap();
            db.flush().unwrap();
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

fn main() {
    if let Ok(role) = std::env::var(CHILD_ROLE) {
        let path = PathBuf::from(std::env::var_os(CHILD_DB).unwrap());
        child(&role, &path);
        return;
    }
    if std::env::args().any(|a| a == "size") {
        size_over_hooks();
    } else {
        timings();
    }
}
