//! [`StoreError`]: everything that can go wrong while loading or committing unit state.

use std::path::PathBuf;

use crate::hooktools::RunError;

/// Why a [`Store`](super::Store) could not open, load or commit.
///
/// Every variant names what failed (the path, the key, the hook tool and its arguments) so the message
/// alone lets an operator find the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file-system operation on the database failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done, e.g. `"create directory"`.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },

    /// Another process holds the database open (sled takes an exclusive lock per process).
    #[error("the unit state database {path} is in use by another process")]
    Locked {
        /// The database directory.
        path: PathBuf,
    },

    /// Another process (a hook, `juju exec`, debug-hooks, `dispatch` run by hand) held the unit's
    /// state lock ([`StateLock`](super::StateLock)) for longer than this hook waits for it. Nothing
    /// was read or written: running the hook again later is safe.
    #[error(
        "another process has held the unit state lock {path} for {waited:?} (a hook, juju exec or \
         dispatch run by hand is still running); giving up"
    )]
    Busy {
        /// The lock file.
        path: PathBuf,
        /// How long this hook waited.
        waited: std::time::Duration,
    },

    /// The embedded database (sled) reported an error.
    #[error("unit state database {path}: {source}")]
    Sled {
        /// The database directory.
        path: PathBuf,
        /// sled's error.
        #[source]
        source: ::sled::Error,
    },

    /// The stored state changed between this store's load and its commit: another process committed in
    /// between. Nothing was written (the store's read cache was refreshed): running the hook again reads
    /// the new state.
    ///
    /// Juju runs one hook at a time per unit, so this means something outside Juju's hooks wrote the
    /// unit's state concurrently (a lazily opened [`SledStore`](super::SledStore) reads without taking
    /// the database's lock, and checks at commit instead).
    #[error(
        "the unit state database {path} was changed by another process after this hook read it; \
         nothing was written"
    )]
    Conflict {
        /// The database directory.
        path: PathBuf,
    },

    /// The stored state was written by a newer version of this library, in a format this one does not know.
    #[error(
        "the stored unit state has schema version {found}, but this charm supports only up to version \
         {supported}: was the charm downgraded?"
    )]
    Schema {
        /// The version found in the store.
        found: u32,
        /// The newest version this library reads ([`SCHEMA_VERSION`](super::SCHEMA_VERSION)).
        supported: u32,
    },

    /// A key or value could not be encoded for the store, or what the store holds could not be decoded.
    #[error("stored unit state, key {key:?}: {reason}")]
    Encoding {
        /// The key (lossily decoded when it is not UTF-8 itself).
        key: String,
        /// What is wrong.
        reason: String,
    },

    /// The caller tried to write a key that the store reserves for itself, or one it cannot store.
    #[error("key {key:?} cannot be stored: {reason}")]
    InvalidKey {
        /// The key.
        key: String,
        /// Why it is refused.
        reason: &'static str,
    },

    /// A state hook tool (`state-get`, `state-set`, `state-delete`) ran but failed.
    #[error("{tool} {args:?} failed ({}): {stderr}", exit_text(*.code))]
    Controller {
        /// The hook tool.
        tool: String,
        /// Its arguments.
        args: Vec<String>,
        /// Its exit code (`None` when killed by a signal).
        code: Option<i32>,
        /// What it printed on standard error (trimmed).
        stderr: String,
    },

    /// A state hook tool could not be run at all (not on `PATH`, spawn failure).
    #[error("cannot run {tool} {args:?}: {source}")]
    ToolRun {
        /// The hook tool.
        tool: String,
        /// Its arguments.
        args: Vec<String>,
        /// Why it could not run.
        #[source]
        source: RunError,
    },

    /// A state hook tool succeeded but printed something that cannot be understood.
    #[error("unexpected output from {tool} {args:?}: {reason}")]
    ControllerOutput {
        /// The hook tool.
        tool: String,
        /// Its arguments.
        args: Vec<String>,
        /// What is wrong with the output.
        reason: String,
    },

    /// A failure injected into a [`MemoryStore`](super::MemoryStore) by a test.
    #[error("simulated store failure: {0}")]
    Simulated(String),
}

fn exit_text(code: Option<i32>) -> String {
    match code {
        Some(code) => format!("exit status {code}"),
        None => "killed by a signal".to_string(),
    }
}

impl StoreError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StoreError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
