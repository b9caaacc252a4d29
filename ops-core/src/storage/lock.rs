//! [`StateLock`]: an exclusive lock on a unit's state, held for a whole hook.
//!
//! Juju runs one hook at a time per unit, but `juju exec`, debug-hooks or an operator running
//! `dispatch` by hand can overlap a hook. Two hooks that both read the state and then commit would
//! lose one's update; with the lock they run one after the other (the second waits, up to a bounded
//! time, then fails with [`StoreError::Busy`]).
//!
//! The lock is `flock(LOCK_EX)` on a lock file next to the state (`.unit-state.db.lock`), created
//! mode `0600` and never reached through a symbolic link. The kernel releases it when the process
//! exits, however it exits (a SIGKILLed hook never leaves the unit locked).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::{flock, FlockOperation};

use super::private::{open_private, Create};
use super::StoreError;

/// How long a hook waits for another one holding the unit's state lock.
pub const STATE_LOCK_WAIT: Duration = Duration::from_secs(120);

/// An exclusive lock on a unit's state; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
    _file: File,
}

impl StateLock {
    /// The lock file of the state at `state_path` (`.unit-state.db` → `.unit-state.db.lock`).
    pub fn path_for(state_path: &Path) -> PathBuf {
        let mut name = state_path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        name.push(".lock");
        state_path.with_file_name(name)
    }

    /// Take the lock of the state at `state_path`, waiting up to `wait` for a process holding it.
    ///
    /// Fails with [`StoreError::Busy`] when it is still held after `wait`, and with
    /// [`StoreError::Io`] when the lock file cannot be created or opened (for example because it
    /// is a symbolic link, which is refused).
    pub fn acquire(state_path: &Path, wait: Duration) -> Result<Self, StoreError> {
        let path = Self::path_for(state_path);
        let file = open_private(&path, Create::IfMissing)?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        let mut told = false;
        loop {
            match flock(&file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => break,
                Err(rustix::io::Errno::WOULDBLOCK) | Err(rustix::io::Errno::INTR) => {
                    let waited = started.elapsed();
                    if waited >= wait {
                        return Err(StoreError::Busy { path, waited });
                    }
                    if !told && waited >= Duration::from_millis(100) {
                        told = true;
                        log::info!(
                            "Waiting for another process (a hook, juju exec, dispatch run by hand) to release {}.",
                            path.display()
                        );
                    }
                    std::thread::sleep(pause.min(wait - waited));
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(e) => return Err(StoreError::io("lock", &path, e.into())),
            }
        }
        Ok(StateLock { path, _file: file })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}
