//! What the unit's state lock costs a hook (a benchmark: it prints figures).
//!
//! ```text
//! cargo bench -p ops-core --bench state_lock
//! ```
//!
//! A hook takes the lock once (open or create the lock file with `O_NOFOLLOW`, check it, `flock`)
//! and releases it when it ends (close). Timed over many rounds on an existing lock file (every hook
//! but a unit's first) and on a fresh one.

#![allow(clippy::unwrap_used, missing_docs)]

use std::time::{Duration, Instant};

use ops_core::storage::StateLock;

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * p) as usize]
}

fn main() {
    let rounds = 2000;
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join(".unit-state.db");
    let mut existing = Vec::with_capacity(rounds);
    drop(StateLock::acquire(&state, Duration::ZERO).unwrap());
    for _ in 0..rounds {
        let started = Instant::now();
        drop(StateLock::acquire(&state, Duration::ZERO).unwrap());
        existing.push(started.elapsed());
    }
    let mut fresh = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        std::fs::remove_file(StateLock::path_for(&state)).unwrap();
        let started = Instant::now();
        drop(StateLock::acquire(&state, Duration::ZERO).unwrap());
        fresh.push(started.elapsed());
    }
    for (name, samples) in [
        ("existing lock file", &mut existing),
        ("fresh lock file", &mut fresh),
    ] {
        println!(
            "state lock, {name}: median {:?}, p90 {:?} ({rounds} rounds)",
            percentile(samples, 0.5),
            percentile(samples, 0.9)
        );
    }
}
