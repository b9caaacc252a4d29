//! Crash test: a child process commits in a loop and is SIGKILLed at random instants; after every kill
//! the database must hold exactly a committed state, never a torn one, and never lose a commit the child
//! reported done.
//!
//! The child works like a sequence of hooks: a lazily opened store loads (from the newest verified of
//! the two copies), commits, and commits a few more times before it is dropped; every
//! `SLED_SYNC_INTERVAL` commits its commit also brings sled up to date. So kills land in the load, in
//! the write of either copy (mostly while the first is being synced), and in sled's open and update.
//! After each kill the parent checks that a lazy load (what the next hook does) returns a committed
//! state, the one a store that opens sled returns, and that sled is then brought to exactly that:
//! never a stale read. The child also checks its first load against the state the parent saw before
//! spawning it.
//!
//! The child is this test binary re-invoked (`current_exe()`) to run only [`crash_child`], which loops
//! when `OPS_STORAGE_CRASH_CHILD` is set and is a no-op in a normal run. `Child::kill` sends SIGKILL.

mod storage_support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ops_core::storage::{Changes, SledStore, Store, StoreError};

const CHILD_DB: &str = "OPS_STORAGE_CRASH_CHILD";
/// The step the database holds when the child starts (its first load must return exactly that).
const CHILD_FROM: &str = "OPS_STORAGE_CRASH_FROM";
/// How many of the last steps the "notices" list and the `n/<step>` keys keep.
const WINDOW: u64 = 8;
/// Every this many steps the child rewrites a value large enough for sled to put it in a blob file.
const BIG_EVERY: u64 = 5;
/// The child drops its store and starts a new "hook" every this many steps (a kill may then land in the
/// sidecar read or the background open).
const REOPEN_EVERY: u64 = 7;

fn payload(step: u64) -> Vec<u8> {
    format!(
        "{{\"step\":{step},\"pad\":\"{}\"}}",
        "p".repeat((step % 13) as usize * 100)
    )
    .into_bytes()
}

fn big_payload(step: u64) -> Vec<u8> {
    let mut value = format!("big {step}:").into_bytes();
    value.resize(
        100_000 + (step % 7) as usize * 1000,
        b'0' + (step % 10) as u8,
    );
    value
}

fn text(n: u64) -> Vec<u8> {
    n.to_string().into_bytes()
}

fn first_kept(step: u64) -> u64 {
    step.saturating_sub(WINDOW - 1).max(1)
}

/// Exactly what the database holds after the child's commit number `step` (nothing for 0).
fn expected_state(step: u64) -> BTreeMap<String, Vec<u8>> {
    let mut state = BTreeMap::new();
    if step == 0 {
        return state;
    }
    state.insert("count".to_string(), text(step));
    state.insert("a".to_string(), text(step));
    state.insert("b".to_string(), text(step));
    let notices: Vec<u64> = (first_kept(step)..=step).collect();
    state.insert(
        "notices".to_string(),
        serde_json::to_vec(&notices).expect("json"),
    );
    for i in first_kept(step)..=step {
        state.insert(format!("n/{i:08}"), payload(i));
    }
    if step >= BIG_EVERY {
        state.insert("big".to_string(), big_payload(step - step % BIG_EVERY));
    }
    state
}

/// The step a state was committed at, if it is exactly a committed state.
fn committed_step(state: &BTreeMap<String, Vec<u8>>) -> Result<u64, String> {
    let step = match state.get("count") {
        None => 0,
        Some(raw) => std::str::from_utf8(raw)
            .ok()
            .and_then(|t| t.parse::<u64>().ok())
            .ok_or_else(|| format!("unreadable count {raw:?}"))?,
    };
    let expected = expected_state(step);
    if *state == expected {
        return Ok(step);
    }
    let mut diff = Vec::new();
    for key in state.keys().chain(expected.keys()) {
        if state.get(key) != expected.get(key) && !diff.contains(key) {
            diff.push(key.clone());
        }
    }
    Err(format!(
        "torn state at count {step}: keys differing: {diff:?}"
    ))
}

/// The changes that take the state from `step - 1` to `step`, the way a framework would compute them:
/// from the loaded state, not from `step` alone.
fn next_changes(loaded: &BTreeMap<String, Vec<u8>>, step: u64) -> Changes {
    let mut changes: Changes = BTreeMap::new();
    for key in ["count", "a", "b"] {
        changes.insert(key.to_string(), Some(text(step)));
    }
    let mut notices: Vec<u64> = loaded
        .get("notices")
        .map(|raw| serde_json::from_slice(raw).expect("notices json"))
        .unwrap_or_default();
    notices.push(step);
    if notices.len() as u64 > WINDOW {
        let dropped = notices.remove(0);
        changes.insert(format!("n/{dropped:08}"), None);
    }
    changes.insert(
        "notices".to_string(),
        Some(serde_json::to_vec(&notices).expect("json")),
    );
    changes.insert(format!("n/{step:08}"), Some(payload(step)));
    if step % BIG_EVERY == 0 {
        changes.insert("big".to_string(), Some(big_payload(step)));
    }
    changes
}

#[test]
fn the_checker_rejects_torn_and_accepts_committed_states() {
    for step in 0..30 {
        assert_eq!(committed_step(&expected_state(step)), Ok(step));
        // Applying next_changes to a state gives the next state.
        let mut state = expected_state(step);
        for (key, value) in next_changes(&state, step + 1) {
            match value {
                Some(v) => state.insert(key, v),
                None => state.remove(&key),
            };
        }
        assert_eq!(committed_step(&state), Ok(step + 1));
    }
    let mut torn = expected_state(12);
    torn.insert("b".into(), text(11));
    assert!(committed_step(&torn).is_err(), "a and b differ");
    let mut torn = expected_state(12);
    torn.remove("n/00000005");
    assert!(committed_step(&torn).is_err(), "missing notice payload");
    let mut torn = expected_state(12);
    torn.insert("n/00000004".into(), payload(4));
    assert!(committed_step(&torn).is_err(), "delete not applied");
    let mut torn = expected_state(12);
    torn.insert("big".into(), big_payload(5));
    assert!(committed_step(&torn).is_err(), "stale big value");
    let mut torn = expected_state(1);
    torn.remove("count");
    assert!(committed_step(&torn).is_err(), "entries without a count");
}

/// A small xorshift generator: no dependency, and the seed is printed so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

enum Event {
    Ready,
    Committed(u64),
}

fn spawn_child(path: &Path, from: u64) -> (std::process::Child, mpsc::Receiver<Event>) {
    let exe = std::env::current_exe().expect("current_exe");
    let mut child = Command::new(exe)
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, path)
        .env(CHILD_FROM, from.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            // libtest may print "test crash_child ... " on the same line before the first output.
            let event = if line.ends_with("child ready") {
                Event::Ready
            } else if let Some(n) = line
                .rsplit("committed ")
                .next()
                .filter(|_| line.contains("committed "))
            {
                match n.trim().parse() {
                    Ok(n) => Event::Committed(n),
                    Err(_) => continue,
                }
            } else {
                continue;
            };
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn open_checked(path: &Path) -> SledStore {
    match SledStore::open(path) {
        Ok(store) => store,
        Err(err @ StoreError::Sled { .. }) => {
            panic!("the database does not open after a kill: {err}")
        }
        Err(err) => panic!("open: {err}"),
    }
}

#[test]
fn sigkill_at_random_instants_leaves_exactly_a_committed_state() {
    // A soak run can ask for more: OPS_STORAGE_CRASH_KILLS=2000 (the time budget grows with it).
    let kills_wanted: usize = std::env::var("OPS_STORAGE_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let time_budget = Duration::from_secs(30).max(Duration::from_millis(500) * kills_wanted as u32);
    let seed = std::env::var("OPS_STORAGE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    println!("crash test seed {seed} (set OPS_STORAGE_CRASH_SEED to replay the delays)");
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let path: PathBuf = dir.path().join(".unit-state.db");

    let started = Instant::now();
    let mut durable = 0u64; // the highest step a child reported committed
    let mut kills = 0usize;
    let mut kills_after_commits = 0usize;
    let mut unreported_but_durable = 0usize;
    // Kills that left the two copies different (one torn, or older: mid-commit), and those that
    // left sled behind the generation the copies say it was brought to (mid-update of sled).
    let mut kills_between_copies = 0usize;
    let mut kills_sled_behind = 0usize;
    // For investigating a failure: OPS_STORAGE_CRASH_KEEP=<dir> keeps a copy of the database as it was
    // before each child started (<dir>/before) and after each kill (<dir>/after-kill).
    let keep = std::env::var_os("OPS_STORAGE_CRASH_KEEP").map(PathBuf::from);
    while kills < kills_wanted && started.elapsed() < time_budget {
        if let Some(keep) = &keep {
            copy_dir(&path, &keep.join("before"));
        }
        let (mut child, events) = spawn_child(&path, durable);
        let mut last_reported = None;
        // A quarter of the kills count from the spawn (they may land in start-up, the first load or
        // sled's creation); the others from when the child has committed once (mostly mid-commit).
        let from_spawn = rng.below(4) == 0;
        if !from_spawn {
            loop {
                match events.recv_timeout(Duration::from_secs(10)) {
                    Ok(Event::Ready) => break,
                    Ok(Event::Committed(n)) => last_reported = Some(n),
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        let _ = child.kill();
                        panic!("the child did not open the database within 10 s");
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        panic!(
                            "the child died before opening the database: {:?}",
                            child.wait()
                        );
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_micros(rng.below(20_000)));
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("wait");
        kills += 1;
        // The reader thread ends at EOF: everything the child printed before dying is in the channel.
        for event in events.iter() {
            if let Event::Committed(n) = event {
                last_reported = Some(n);
            }
        }
        assert_eq!(
            status.signal(),
            Some(9),
            "the child must be killed, not exit: {status:?}"
        );
        if let Some(keep) = &keep {
            copy_dir(&path, &keep.join("after-kill"));
        }

        // The files as the kill left them.
        let copies = storage_support::read_copies(&path);
        let copy_steps = copies.clone().map(|copy| {
            copy.map(|c| {
                committed_step(&c.entries)
                    .unwrap_or_else(|e| panic!("after kill {kills}: a copy holds a {e}"))
            })
        });
        let newest = storage_support::newest_copy(&path);
        let sled_was_behind = path.join("db").exists()
            && newest
                .as_ref()
                .is_some_and(|c| storage_support::raw_sled_generation(&path) < c.sled_generation);
        // What the next hook reads (the newest verified copy) ...
        let mut lazy = SledStore::open_lazy(&path);
        let lazy_state = lazy.load_all().expect("lazy load after kill");
        let lazy_read_sled = lazy.opened_sled();
        drop(lazy);
        // ... is what a store that opens sled reads (and brings sled to).
        let state = open_checked(&path).load_all().expect("load after kill");
        let step = committed_step(&state).unwrap_or_else(|e| panic!("after kill {kills}: {e}"));
        assert_eq!(
            committed_step(&lazy_state),
            Ok(step),
            "after kill {kills}: a stale or torn read (copies {copy_steps:?})"
        );
        assert_eq!(lazy_state, state, "after kill {kills}");
        if path.join("db").exists() {
            assert_eq!(
                storage_support::raw_sled_entries(&path),
                state,
                "after kill {kills}: sled was not brought to the newest copy"
            );
        }
        if newest.is_some() {
            assert!(
                !lazy_read_sled,
                "after kill {kills}: a verified copy was not used"
            );
        }
        if copy_steps[0] != copy_steps[1] {
            kills_between_copies += 1;
        }
        if sled_was_behind {
            kills_sled_behind += 1;
        }
        let reported = last_reported.unwrap_or(durable);
        assert!(
            step >= reported,
            "after kill {kills}: commit {reported} was reported done but the database holds {step}"
        );
        assert!(
            step <= reported + 1,
            "after kill {kills}: the database holds {step}, beyond the one commit in flight after {reported}"
        );
        if step == reported + 1 {
            unreported_but_durable += 1;
        }
        if last_reported.is_some() {
            kills_after_commits += 1;
        }
        durable = step;
    }
    println!(
        "{kills} kills in {:?}: {durable} commits survived, {kills_after_commits} kills after at least one \
         commit of that child, {unreported_but_durable} commits durable but killed before reporting, \
         {kills_between_copies} left the two copies different (mid-commit), {kills_sled_behind} left \
         sled behind (mid-update of sled)",
        started.elapsed()
    );
    assert!(
        kills >= kills_wanted.min(30),
        "only {kills} kills in the time budget"
    );
    // Three kills in four come after the child's first commit (on a disk with slow fsyncs, often just
    // that one).
    assert!(
        durable >= kills as u64 / 2,
        "only {durable} commits in total: the child hardly ran"
    );
    assert!(
        kills_after_commits >= kills / 3,
        "too few kills landed while committing"
    );
    assert!(
        kills_between_copies >= 1,
        "no kill landed between the writes of the two copies"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    if !from.exists() {
        return;
    }
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Not a test: the body of the child process the crash test spawns (no-op in a normal run).
#[test]
fn crash_child() {
    let Some(path) = std::env::var_os(CHILD_DB) else {
        return;
    };
    let path = PathBuf::from(path);
    let mut expected: u64 = std::env::var(CHILD_FROM)
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("the parent gives the current step");
    let mut out = std::io::stdout();
    let mut ready = false;
    loop {
        // One "hook": read (from the copies), commit.
        let mut store = SledStore::open_lazy(&path);
        for _ in 0..REOPEN_EVERY {
            let loaded = store.load_all().expect("child load");
            let step = committed_step(&loaded).expect("child sees a torn state");
            assert_eq!(step, expected, "the child read a stale state");
            store
                .commit(&next_changes(&loaded, step + 1))
                .expect("child commit");
            expected = step + 1;
            writeln!(out, "committed {}", step + 1)
                .and_then(|()| out.flush())
                .expect("stdout");
            if !ready {
                // The database exists: from now on most kills land in commits.
                writeln!(out, "child ready")
                    .and_then(|()| out.flush())
                    .expect("stdout");
                ready = true;
            }
        }
    }
}
