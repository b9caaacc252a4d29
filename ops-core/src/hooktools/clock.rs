//! Monotonic clocks for the backend's time-based caches (the 30-second `is-leader` lease).

use std::cell::Cell;
use std::time::{Duration, Instant};

/// A monotonic clock: the time elapsed since some fixed, arbitrary origin.
pub trait Clock {
    /// The current time since the clock's origin.
    fn now(&self) -> Duration;
}

/// The real monotonic clock (ops: `time.monotonic()`), with its origin at creation.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        MonotonicClock {
            origin: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that only moves when told to, for tests.
#[derive(Debug, Default)]
pub struct FakeClock {
    now: Cell<Duration>,
}

impl FakeClock {
    /// A clock at time zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.now.set(self.now.get() + by);
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: Duration) {
        self.now.set(to);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> Duration {
        self.now.get()
    }
}
