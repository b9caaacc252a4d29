//! [`SharedStore`]: the unit's state database of a test, kept in memory across hooks.

use ops_core::storage::{Changes, MemoryStore, Store, StoreError};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// A [`MemoryStore`] shared between the test and every hook it runs: each hook gets a clone (a
/// new handle on the same store) as its state database, commits to it atomically, and the next
/// hook loads what the last successful one committed.
#[derive(Debug, Clone, Default)]
pub struct SharedStore(Rc<RefCell<MemoryStore>>);

impl SharedStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `entries`.
    pub fn with_entries(entries: BTreeMap<String, Vec<u8>>) -> Self {
        SharedStore(Rc::new(RefCell::new(MemoryStore::with_entries(entries))))
    }

    /// Everything committed so far.
    pub fn entries(&self) -> BTreeMap<String, Vec<u8>> {
        self.0.borrow().entries().clone()
    }

    /// The committed value of `key`.
    pub fn get(&self, key: &str) -> Option<Vec<u8>> {
        self.0.borrow().get(key).map(<[u8]>::to_vec)
    }

    /// How many commits succeeded.
    pub fn commit_count(&self) -> usize {
        self.0.borrow().commit_count()
    }

    /// Make the next commit fail, as if the unit crashed before committing.
    pub fn fail_next_commit(&self, reason: impl Into<String>) {
        self.0.borrow_mut().fail_next_commit(reason);
    }
}

impl Store for SharedStore {
    fn load_all(&mut self) -> Result<BTreeMap<String, Vec<u8>>, StoreError> {
        self.0.borrow_mut().load_all()
    }

    fn commit(&mut self, changes: &Changes) -> Result<(), StoreError> {
        self.0.borrow_mut().commit(changes)
    }
}
