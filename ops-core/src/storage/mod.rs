//! Unit state storage: where the framework keeps stored state, deferred-event notices and its event counter
//! between hooks.
//!
//! A [`Store`] is a byte-level key/value store. The framework decides the keys (handle paths such as
//! `Counter/StoredStateData[_stored]`, its notice list, its counter) and encodes the values (JSON); the
//! store only keeps bytes. During a hook the framework works in memory: it reads everything once with
//! [`Store::load_all`] (lazily, only when the hook needs state) and hands the store the whole set of the
//! hook's changes at the end with [`Store::commit`]. When a commit is likely (a handler of a charm with
//! stored state is about to run) it calls [`Store::prefetch`] first, so that a store can get ready for it
//! while the handler runs.
//!
//! # One atomic step per hook
//!
//! Unlike ops 2.1.1 (whose SQLite storage autocommits on a fresh database, so a failing first hook leaves
//! its event queued), everything one hook changes is written in one atomic step at commit: a crash at any
//! instant leaves exactly the previous commit or exactly the new one, never a mix.
//!
//! * [`SledStore`]: the local database, `<charm_dir>/.unit-state.db` (a directory, private to the unit:
//!   mode `0700`, files `0600`). A commit writes the whole state, with a generation number, to two
//!   checksummed copies in turn (two `fdatasync`s), so a hook reads and commits its state without
//!   opening sled (an open costs milliseconds); sled is brought up to date every
//!   [`SLED_SYNC_INTERVAL`] commits, or sooner when it is open anyway.
//! * [`ControllerStore`]: Juju's controller-side state (`state-get`/`state-set`/`state-delete`), for
//!   charms whose local disk does not survive (ops' `use_juju_for_storage`). Juju applies a hook's state
//!   changes only when the hook succeeds; see its docs for what that means for atomicity.
//! * [`MemoryStore`]: in memory, for the test harness.
//!
//! # Keys reserved for the stores
//!
//! Keys starting with a NUL character (`"\0"`) belong to the stores themselves (sled keeps its schema
//! version under [`SCHEMA_KEY`]); the controller store also reserves [`CONTROLLER_SCHEMA_KEY`].
//! [`Store::commit`] refuses them with [`StoreError::InvalidKey`], and [`Store::load_all`] never returns
//! them.

use std::collections::BTreeMap;

mod controller;
mod error;
mod lock;
mod memory;
pub(crate) mod private;
mod sidecar;
mod sled;

pub use self::controller::{ControllerStore, CONTROLLER_SCHEMA_KEY};
pub use self::error::StoreError;
pub use self::lock::{StateLock, STATE_LOCK_WAIT};
pub use self::memory::MemoryStore;
pub use self::sidecar::{MARKER_FILE, SECOND_COPY_FILE, SIDECAR_FILE};
pub use self::sled::{SledStore, GENERATION_KEY, LOCK_WAIT, SCHEMA_KEY, SLED_SYNC_INTERVAL};

/// The version of the storage layout written by this library.
///
/// Each store keeps the version it was written with; opening state written with a newer version fails with
/// [`StoreError::Schema`] instead of misreading it.
pub const SCHEMA_VERSION: u32 = 1;

/// A set of changes to commit: `Some(bytes)` sets the key, `None` deletes it.
pub type Changes = BTreeMap<String, Option<Vec<u8>>>;

/// Where the framework keeps unit state between hooks.
pub trait Store {
    /// Every stored entry (key → bytes), without the keys the store reserves for itself.
    ///
    /// Called once per hook, lazily (only when the hook needs state).
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError>;

    /// Apply all `changes` (`Some` = set, `None` = delete) atomically and durably.
    ///
    /// Deleting a key that is not stored is not an error. An empty set of changes writes nothing. Every
    /// key is checked before anything is written, so a refused key leaves the store untouched.
    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError>;

    /// A hint that [`Store::commit`] will probably be called: start whatever slow preparation it needs
    /// now, so that it overlaps the hook's work. Never fails: an error surfaces from the next call that
    /// needs the store. ([`SledStore`] needs no preparation: its commit does not open sled, except
    /// once every [`SLED_SYNC_INTERVAL`] commits.)
    ///
    /// The default does nothing.
    fn prefetch(&mut self) {}

    /// Whether the last [`Store::load_all`] found state that Python ops wrote (on the controller:
    /// entries without this crate's schema key), which the runtime then migrates (see
    /// [`crate::migrate`]).
    ///
    /// The default: `false`.
    fn written_by_python_ops(&self) -> bool {
        false
    }
}

impl<S: Store + ?Sized> Store for &mut S {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        (**self).load_all()
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        (**self).commit(changes)
    }

    fn prefetch(&mut self) {
        (**self).prefetch()
    }

    fn written_by_python_ops(&self) -> bool {
        (**self).written_by_python_ops()
    }
}

impl<S: Store + ?Sized> Store for Box<S> {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        (**self).load_all()
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        (**self).commit(changes)
    }

    fn prefetch(&mut self) {
        (**self).prefetch()
    }

    fn written_by_python_ops(&self) -> bool {
        (**self).written_by_python_ops()
    }
}

/// Refuse keys reserved for the stores (those starting with NUL).
fn check_key(key: &str) -> Result<(), StoreError> {
    if key.starts_with('\0') {
        return Err(StoreError::InvalidKey {
            key: key.to_string(),
            reason: "keys starting with NUL are reserved for the store",
        });
    }
    Ok(())
}
