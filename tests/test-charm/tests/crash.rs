//! Crash test: a sequence of hooks with deferred events, each hook SIGKILLed (`Child::kill`) at
//! random instants — during start-up, in handlers (made slow by a fake `status-set` that sleeps),
//! while committing — and retried as Juju retries a failed hook. After every run the unit
//! database must hold exactly the previous commit or the new one: the counters never torn, no
//! deferred event lost or doubled.
//!
//! Each hook is killed twice before it is left to finish: once 0–30 ms after the spawn (start-up,
//! opening the database, the first handlers), once aimed at the commit: the fake `status-set`
//! marks each call in a file, the test waits for the hook's last handler to call it, then kills
//! after a random delay within the time the previous hook took from that point to its exit
//! (returning from the handler, flushing, committing, closing the database).
//!
//! The expected state after each hook is computed independently, from the deferral rules: deferred
//! events are re-emitted first, in order, each handler run is counted, an event stays deferred while
//! its handler defers it, and an event identical to one already waiting is not queued twice.
//!
//! `OPS_CRASH_SEED=<n>` replays a run (the seed is printed).

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;
use support::{Charm, State};

/// Hooks in the sequence.
const HOOKS: usize = 30;
/// Killed attempts per hook before the attempt that is left to finish.
const KILLS_PER_HOOK: usize = 2;
/// The first kill of a hook lands 0..=MAX_DELAY_MS after the spawn (at most the last hook's
/// duration).
const MAX_DELAY_MS: u64 = 30;
/// The whole test must stay under this.
const BUDGET: Duration = Duration::from_secs(30);

const EVENTS: &[&str] = &[
    "config-changed",
    "update-status",
    "leader-elected",
    "start",
    "upgrade-charm",
];

/// xorshift64*: enough randomness for kill instants, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the unit database must hold: the charm's counters, the deferred events and the counter
/// of emitted events.
#[derive(Debug, Clone, PartialEq, Default)]
struct Expected {
    handled: u64,
    counts: BTreeMap<String, u64>,
    /// (event name, handle path) of each deferred event, in order.
    notices: Vec<(String, String)>,
    event_count: u64,
}

impl Expected {
    /// The state after a hook for `event` whose handlers defer the events in `defer`.
    fn after(&self, event: &str, defer: &BTreeSet<String>) -> Expected {
        let mut next = self.clone();
        let count = |next: &mut Expected, name: &str| {
            next.handled += 1;
            *next.counts.entry(name.to_string()).or_default() += 1;
        };
        next.notices.clear();
        for (name, path) in &self.notices {
            count(&mut next, name);
            if defer.contains(name) {
                next.notices.push((name.clone(), path.clone()));
            }
        }
        next.event_count += 1;
        // As ops ≥ 2.18: an event still queued (re-emitted and deferred again) stands for the new
        // one, whose handler does not run.
        let queued = next.notices.iter().any(|(n, _)| n == event);
        if !queued {
            count(&mut next, event);
            if defer.contains(event) {
                let path = format!("TestCharm/on/{event}[{}]", next.event_count);
                next.notices.push((event.to_string(), path));
            }
        }
        next
    }

    fn of(state: Option<State>) -> Expected {
        let Some(state) = state else {
            return Expected::default();
        };
        let expected = Expected {
            handled: state.handled(),
            counts: state.counts(),
            notices: state
                .notices
                .iter()
                .map(|n| (n.event.name.clone(), n.path.clone()))
                .collect(),
            event_count: state.event_count.unwrap_or(0),
        };
        // Within one commit the counters agree with each other.
        assert_eq!(
            expected.handled,
            expected.counts.values().sum::<u64>(),
            "torn charm state: {state:?}"
        );
        expected
    }
}

/// Wait `delay`, then SIGKILL the child; returns its status and, if it exited on its own before
/// the kill, how long after the call it did (so the next kills can be aimed at a hook as fast as
/// this one).
fn kill_after(mut child: Child, delay: Duration) -> (std::process::ExitStatus, Option<Duration>) {
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return (status, Some(start.elapsed()));
        }
        let elapsed = start.elapsed();
        if elapsed >= delay {
            break;
        }
        std::thread::sleep((delay - elapsed).min(Duration::from_micros(100)));
    }
    // SIGKILL (a child that already exited is only reaped).
    let _ = child.kill();
    (child.wait().expect("wait for the charm"), None)
}

fn marks(path: &Path) -> usize {
    std::fs::read(path).map(|b| b.len()).unwrap_or(0)
}

/// Wait until `path` holds `target` marks (the instant it did), or the child exits (`None`).
fn wait_for_marks(child: &mut Child, path: &Path, target: usize) -> Option<Instant> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if marks(path) >= target {
            return Some(Instant::now());
        }
        if matches!(child.try_wait(), Ok(Some(_))) || Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

#[test]
fn killing_hooks_at_random_instants_never_tears_or_loses_state() {
    let started = Instant::now();
    let seed = std::env::var("OPS_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        });
    eprintln!("crash test seed: OPS_CRASH_SEED={seed}");
    let mut rng = Rng(seed);

    let charm = Charm::new();
    // Every handler run calls status-set, which marks the call and takes a few milliseconds.
    let marks_file = charm.dir.join("status-set.marks");
    charm.fake(
        "status-set",
        &format!("printf x >> '{}'; sleep 0.003", marks_file.display()),
    );
    let mut expected = Expected::default();
    // How long the last hook that was left to finish took, in all and after its last handler
    // called status-set.
    let mut typical = Duration::from_millis(60);
    let mut tail = Duration::from_millis(20);
    let (mut killed_before_commit, mut killed_after_commit, mut finished_anyway) = (0, 0, 0);
    let mut aimed_before_commit = 0;

    for hook in 0..HOOKS {
        let event = if hook == 0 {
            "install"
        } else {
            EVENTS[rng.below(EVENTS.len() as u64) as usize]
        };
        let defer: BTreeSet<String> = EVENTS
            .iter()
            .filter(|_| rng.below(3) == 0)
            .map(|e| e.replace('-', "_"))
            .collect();
        let mut steps = json!({"*": ["set-status"]});
        for name in &defer {
            steps[name] = json!(["defer"]);
        }
        charm.behaviour(steps);
        let name = event.replace('-', "_");
        let next = expected.after(&name, &defer);
        let dispatch = format!("hooks/{event}");

        // Handler runs of this hook: the re-emitted events and the new one.
        let runs = (next.handled - expected.handled) as usize;
        for attempt in 0..=KILLS_PER_HOOK {
            let base = marks(&marks_file);
            let spawned = Instant::now();
            let mut child = charm
                .command(&dispatch, &[])
                .spawn()
                .expect("spawn the charm");
            let aimed = attempt == 1;
            let status = if attempt == 0 {
                let limit = (MAX_DELAY_MS * 1000).min(typical.as_micros() as u64);
                let (status, exited) =
                    kill_after(child, Duration::from_micros(rng.below(limit + 1)));
                // A hook faster than the kill: aim the next ones within its time.
                if let Some(took) = exited {
                    typical = spawned.elapsed().min(took + Duration::from_millis(1));
                }
                status
            } else if aimed {
                let last_handler = wait_for_marks(&mut child, &marks_file, base + runs);
                let window = tail.as_micros() as u64 * 11 / 10;
                let (status, exited) =
                    kill_after(child, Duration::from_micros(rng.below(window + 1)));
                if let (Some(_), Some(at)) = (exited, last_handler) {
                    tail = at.elapsed();
                }
                status
            } else {
                let last_handler = wait_for_marks(&mut child, &marks_file, base + runs);
                let out = child.wait_with_output().expect("wait for the charm");
                typical = spawned.elapsed();
                if let Some(at) = last_handler {
                    tail = at.elapsed();
                }
                assert!(
                    out.status.success(),
                    "hook {hook} ({event}) failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.status
            };
            let got = Expected::of(charm.state());
            let killed = !status.success();
            if got == next {
                if killed {
                    killed_after_commit += 1;
                } else if attempt < KILLS_PER_HOOK {
                    finished_anyway += 1;
                }
                expected = next.clone();
                break;
            }
            assert!(killed, "hook {hook} ({event}) finished but did not commit");
            assert_eq!(
                got, expected,
                "hook {hook} ({event}), attempt {attempt}: the state is neither the previous \
                 commit nor the new one (seed {seed})"
            );
            killed_before_commit += 1;
            if aimed {
                aimed_before_commit += 1;
            }
        }
        assert_eq!(expected, next, "hook {hook} ({event}) never committed");
        assert!(started.elapsed() < BUDGET, "over budget after hook {hook}");
    }

    eprintln!(
        "{HOOKS} hooks: {killed_before_commit} killed before their commit \
         ({aimed_before_commit} of them by a kill aimed at the commit), {killed_after_commit} \
         killed after it, {finished_anyway} finished before the kill; last hook {} ms \
         ({} ms after its last handler); {:.1} s",
        typical.as_millis(),
        tail.as_millis(),
        started.elapsed().as_secs_f64()
    );
    // The test did kill hooks mid-way (else it proved nothing).
    assert!(
        killed_before_commit >= HOOKS / 2,
        "only {killed_before_commit} kills landed before a commit"
    );
    // And the final state is what the rules give (every deferral accounted for).
    let last = Expected::of(charm.state());
    assert_eq!(last, expected);
    assert!(last.handled >= HOOKS as u64);
}
